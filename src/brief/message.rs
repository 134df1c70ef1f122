//! A brief as the channel reads it: the context `prompts/messages/brief.j2` renders. Dates and
//! times are formatted here; every sentence is the template's.

use super::{Brief, Changing, ClockChange, Entry, QuietDay, RegionClock};
use crate::calendar::{Kind, Library, RegionCode};
use crate::chat::Message;
use crate::posts::{in_sentence, place, zone_label};
use crate::render::{RenderError, Templates};
use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use serde_json::{json, Value};

/// The brief's message; `None` on a quiet day when the channel asked for silence.
pub fn brief_message(
    templates: &Templates,
    library: &Library,
    brief: &Brief,
    quiet: QuietDay,
) -> Result<Option<Message>, RenderError> {
    if brief.is_quiet() && quiet == QuietDay::Silent {
        return Ok(None);
    }
    templates.render("brief", context(brief, library)).map(Some)
}

/// "A", "A and B", "A, B and C".
fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn codes(regions: &[RegionCode]) -> String {
    listed(&regions.iter().map(ToString::to_string).collect::<Vec<_>>())
}

fn region_name(library: &Library, code: &RegionCode) -> String {
    let name = library.get(code).map(|c| c.name.clone()).unwrap_or_else(|| code.to_string());
    in_sentence(&name)
}

/// `5h`, `2h30m`, `45m`, `0h`.
pub fn hours_text(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h}h"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h{m:02}m"),
    }
}

fn day_label(date: NaiveDate, brief_date: NaiveDate) -> String {
    match (date - brief_date).num_days() {
        0 => format!("Today · {}", date.format("%A %-d %b")),
        1 => format!("Tomorrow · {}", date.format("%A %-d %b")),
        _ => date.format("%A %-d %b").to_string(),
    }
}

/// The context `brief.j2` renders.
pub fn context(brief: &Brief, library: &Library) -> Value {
    let tz = brief.channel_tz;
    let names: Vec<String> = brief.regions.iter().map(|r| region_name(library, r)).collect();
    let clocks: Vec<Value> = brief.clocks.iter().map(|c| clock_context(c, brief)).collect();
    let days: Vec<Value> = brief
        .days
        .iter()
        .map(|d| {
            let entries: Vec<Value> = d.entries.iter().map(|e| entry_context(e, library)).collect();
            json!({
                "label": day_label(d.date, brief.date),
                "today": d.date == brief.date,
                "entries": entries,
            })
        })
        .collect();
    let long_weekends: Vec<Value> = brief
        .long_weekends
        .iter()
        .map(|w| {
            json!({
                "regions": codes(&w.regions),
                "first": w.first.format("%a %-d %b").to_string(),
                "last": w.last.format("%a %-d %b").to_string(),
                "days": w.length(),
                "holidays": listed(&w.holidays),
                "now": w.first <= brief.date,
            })
        })
        .collect();
    let changes: Vec<Value> = brief.clock_changes.iter().map(|k| change_context(k, brief, library)).collect();
    let mut headlines: Vec<Value> = Vec::new();
    for region in &brief.regions {
        let items: Vec<Value> = brief
            .headlines
            .iter()
            .filter(|h| &h.region == region)
            .map(|h| json!({ "title": h.title, "link": h.link }))
            .collect();
        if !items.is_empty() {
            headlines.push(json!({ "region": region.to_string(), "items": items }));
        }
    }
    json!({
        "date": brief.date.format("%A %-d %b %Y").to_string(),
        "channel_zone": zone_label(tz, brief.at),
        "channel_place": place(tz),
        "regions": codes(&brief.regions),
        "region_names": listed(&names),
        "quiet": brief.is_quiet(),
        "clocks": clocks,
        "days": days,
        "long_weekends": long_weekends,
        "clock_changes": changes,
        "headlines": headlines,
    })
}

fn clock_context(c: &RegionClock, brief: &Brief) -> Value {
    let channel_tz = brief.channel_tz;
    let region_today = c.local_now.date();
    let local_day = (region_today != brief.date).then(|| region_today.format("%a %-d %b").to_string());
    let (mut hours, mut hours_here, mut opens) = (None, None, None);
    if let Some(open) = c.open {
        let start_there = open.start.with_timezone(&c.tz).date_naive();
        let start_here = open.start.with_timezone(&channel_tz).date_naive();
        hours = Some(open.local(c.tz));
        let day = (start_here != start_there).then(|| format!("{} ", start_here.format("%a")));
        hours_here = Some(format!("{}{}", day.unwrap_or_default(), open.local(channel_tz)));
        // "tomorrow" would be read as the channel's tomorrow; a date is read one way only.
        opens = Some(if start_there == region_today {
            "today".to_string()
        } else {
            start_there.format("%a %-d %b").to_string()
        });
    }
    let closed: Vec<String> =
        c.closed.iter().map(|(date, names)| format!("{} ({})", date.format("%a %-d %b"), names.join(", "))).collect();
    let (overlap, overlap_spans) = match &c.overlap {
        None => (None, None),
        Some(o) => {
            let spans: Vec<String> = o.spans.iter().map(|s| s.local(channel_tz)).collect();
            (Some(hours_text(o.total)), (!spans.is_empty()).then(|| spans.join(", ")))
        }
    };
    json!({
        "code": c.region.to_string(),
        "name": c.name,
        "place": place(c.tz),
        "local_time": c.local_now.format("%H:%M").to_string(),
        "local_day": local_day,
        "open_now": c.open_now,
        "opens": opens,
        "hours": hours,
        "hours_here": hours_here,
        "closed": closed,
        "weekend_first": c.weekend_first && !c.open_now,
        "overlap": overlap,
        "overlap_spans": overlap_spans,
    })
}

/// "public holiday"; the Philippines' bank-kind days are special non-working days there.
fn kind_text(kind: Kind, regions: &[RegionCode]) -> &'static str {
    match kind {
        Kind::Public => "public holiday",
        Kind::Bank if regions.iter().any(|r| r.as_str().starts_with("PH")) => "special non-working day",
        Kind::Bank => "bank holiday",
        Kind::Optional => "optional holiday",
        Kind::Observance => "observance",
        Kind::Festival => "festival",
        Kind::Milestone => "team milestone",
    }
}

fn entry_context(e: &Entry, library: &Library) -> Value {
    let culture = e.culture.as_deref();
    let said = |parts: &[(Vec<RegionCode>, String)]| -> Vec<Value> {
        parts.iter().map(|(regions, text)| json!({ "regions": codes(regions), "text": text })).collect()
    };
    let names: Vec<String> = e.regions.iter().map(|r| region_name(library, r)).collect();
    json!({
        "name": e.name,
        "emoji": culture.and_then(|c| c.emoji.clone()),
        "kind": e.kind.as_str(),
        "kind_text": kind_text(e.kind, &e.regions),
        "day_off": e.is_day_off(),
        "milestone": e.kind == Kind::Milestone,
        "custom": e.custom,
        "regions": codes(&e.regions),
        "region_names": listed(&names),
        "observed_for": e.observed_for.map(|d| d.format("%A %-d %b").to_string()),
        "abouts": said(&e.abouts),
        "greetings": said(&e.greetings),
        "expects": said(&e.expects),
    })
}

fn change_context(k: &ClockChange, brief: &Brief, library: &Library) -> Value {
    let channel_tz: Tz = brief.channel_tz;
    let region_tz = library.get(&k.region).map(|c| c.timezone).unwrap_or(k.zone);
    let opening_day = (k.opening_after.date() != k.from).then(|| k.opening_after.format("%a").to_string());
    json!({
        "region": k.region.to_string(),
        "region_name": region_name(library, &k.region),
        "changing": k.changing.as_str(),
        "own_zone": k.changing == Changing::Channel,
        "place": place(k.zone),
        "region_place": place(region_tz),
        "channel_place": place(channel_tz),
        "direction": if k.minutes > 0 { "forward" } else { "back" },
        "amount": k.minutes.abs(),
        "on": k.on.format("%A %-d %b").to_string(),
        "already": k.on <= brief.date,
        "from": k.from.format("%A %-d %b").to_string(),
        "opening": k.opening.format("%H:%M").to_string(),
        "opening_after": k.opening_after.format("%H:%M").to_string(),
        "opening_after_day": opening_day,
        "opening_before": k.opening_before.format("%H:%M").to_string(),
        "moves": if k.moves_minutes > 0 { "later" } else { "earlier" },
        "moves_amount": k.moves_minutes.abs(),
        "overlap_before": k.overlap_before.map(hours_text),
        "overlap_after": k.overlap_after.map(hours_text),
        "overlap_changes": k.overlap_before != k.overlap_after,
    })
}

/// A context that takes every branch of `brief.j2`, to try an edited template at start.
pub fn sample_context() -> Value {
    let clock = |open_now: bool, closed: Vec<&str>| {
        json!({
            "code": "GB", "name": "United Kingdom", "place": "London", "local_time": "00:30",
            "local_day": "Thu 24 Dec", "open_now": open_now, "opens": "Tue 29 Dec", "hours": "09:00-17:00",
            "hours_here": "17:00-01:00+1", "closed": closed, "weekend_first": true, "overlap": "3h",
            "overlap_spans": "17:00-20:00",
        })
    };
    let change = |own_zone: bool, changing: &str, already: bool| {
        json!({
            "region": "GB", "region_name": "the United Kingdom", "changing": changing, "own_zone": own_zone,
            "place": "London", "region_place": "London", "channel_place": "Manila", "direction": "back",
            "amount": 60, "on": "Sunday 25 Oct", "already": already, "from": "Monday 26 Oct", "opening": "09:00",
            "opening_before": "16:00", "opening_after": "17:00", "opening_after_day": "Tue", "moves": "later",
            "moves_amount": 30, "overlap_before": "2h", "overlap_after": "1h", "overlap_changes": true,
        })
    };
    let entry = |kind: &str, day_off: bool, milestone: bool, custom: bool, observed: Option<&str>| {
        json!({
            "name": "Christmas Day", "emoji": "🎄", "kind": kind, "kind_text": "public holiday", "day_off": day_off,
            "milestone": milestone, "custom": custom, "regions": "AU, GB and US",
            "region_names": "Australia, the United Kingdom and the United States", "observed_for": observed,
            "abouts": [{"regions": "AU", "text": "Summer."}, {"regions": "GB and US", "text": "Winter."}],
            "greetings": [{"regions": "AU", "text": "Merry Christmas!"}],
            "expects": [{"regions": "AU", "text": "Closed."}, {"regions": "GB", "text": "Closed too."}],
        })
    };
    json!({
        "date": "Thursday 24 Dec 2026", "channel_zone": "Manila time, UTC+8", "channel_place": "Manila",
        "regions": "AU, GB and US", "region_names": "Australia, the United Kingdom and the United States",
        "quiet": false,
        "clocks": [clock(true, vec![]), clock(false, vec!["Fri 25 Dec (Christmas Day)"]), clock(false, vec![])],
        "clock_changes": [change(false, "region", false), change(true, "channel", true), change(false, "both", false)],
        "long_weekends": [
            {"regions": "AU and GB", "first": "Fri 25 Dec", "last": "Mon 28 Dec", "days": 4, "holidays": "Christmas Day", "now": false},
            {"regions": "US", "first": "Thu 24 Dec", "last": "Sun 27 Dec", "days": 4, "holidays": "Christmas Day", "now": true},
        ],
        "days": [
            {"label": "Today · Thursday 24 Dec", "today": true, "entries": [
                entry("public", true, false, false, None), entry("bank", true, false, false, Some("Saturday 26 Dec")),
                entry("festival", false, false, false, None), entry("milestone", false, true, false, None),
                entry("observance", false, false, true, None),
            ]},
            {"label": "Friday 25 Dec", "today": false, "entries": [entry("public", true, false, false, None)]},
        ],
        "headlines": [{"region": "AU", "items": [{"title": "A story", "link": "https://news.example/a"}, {"title": "Another", "link": null}]}],
    })
}
