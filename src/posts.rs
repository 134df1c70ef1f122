//! What the bot posts on its own initiative, composed from templates: the reminder digest of
//! one posting slot. Everything a channel owes at one slot is one message: events grouped by
//! date, one entry per event with every region that has it ("Christmas Day — AU, GB, IN,
//! PH"), its culture note once, and who in the channel will be off, per region, naming only
//! the people whose region has that day off.

use crate::calendar::{Given, Kind, Library, RegionCode};
use crate::reminders::Reminder;
use crate::render::{RenderError, Templates};
use crate::team::{whos_off, Teammate};
use chrono::{DateTime, Offset, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::json;

/// "today", "tomorrow", "on Monday", or "in 7 days".
pub fn when(days_before: i64, date: chrono::NaiveDate) -> String {
    match days_before {
        i64::MIN..=0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        2..=6 => format!("on {}", date.format("%A")),
        n => format!("in {n} days"),
    }
}

/// A zone as a mixed team reads it: the place and the UTC offset at `at` ("Manila time,
/// UTC+8"), never an abbreviation (IST is India, Ireland and Israel; PST is not Manila).
pub fn zone_label(tz: Tz, at: DateTime<Utc>) -> String {
    format!("{} time, {}", place(tz), utc_offset(tz, at))
}

/// The place a zone is named after: `Manila`, `New York`, `UTC`.
pub fn place(tz: Tz) -> String {
    tz.name().rsplit('/').next().unwrap_or(tz.name()).replace('_', " ")
}

/// A moment as the channel reads it: `Fri 2026-11-06 09:00 Kolkata, UTC+5:30`.
pub fn local_moment(at: DateTime<Utc>, tz: Tz, date_format: &str) -> String {
    let local = at.with_timezone(&tz);
    if tz == chrono_tz::UTC {
        return format!("{} UTC", local.format(date_format));
    }
    format!("{} {}, {}", local.format(date_format), place(tz), utc_offset(tz, at))
}

/// `UTC+8`, `UTC+5:30`, `UTC-3`, `UTC`.
pub fn utc_offset(tz: Tz, at: DateTime<Utc>) -> String {
    let seconds = at.with_timezone(&tz).offset().fix().local_minus_utc();
    if seconds == 0 {
        return "UTC".to_string();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let (hours, minutes) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
    if minutes == 0 {
        format!("UTC{sign}{hours}")
    } else {
        format!("UTC{sign}{hours}:{minutes:02}")
    }
}

/// A country's name as it reads in a sentence: "the Philippines", "India".
pub fn in_sentence(name: &str) -> String {
    const WITH_ARTICLE: [&str; 7] = [
        "Philippines",
        "United Kingdom",
        "United States",
        "Netherlands",
        "United Arab Emirates",
        "Czech Republic",
        "Dominican Republic",
    ];
    if WITH_ARTICLE.iter().any(|n| name.starts_with(n)) {
        format!("the {name}")
    } else {
        name.to_string()
    }
}

/// "A", "A and B", "A, B and C".
fn listed(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// One event of the digest: the reminders of the same event in several regions.
struct Entry<'r> {
    reminders: Vec<&'r Reminder>,
}

impl Entry<'_> {
    fn first(&self) -> &Reminder {
        self.reminders[0]
    }
}

/// Which reminders are one event: the same day and (substitute or not) event, named alike in
/// each region's file ("christmas" and "christmas-day"), and a day off in all of them or in
/// none (Christmas is a public holiday in India and a bank holiday in England: one event).
fn same_event(a: &Reminder, b: &Reminder) -> bool {
    let base = |id: &str| id.trim_end_matches("-observed").trim_end_matches("-day").to_string();
    let (x, y) = (&a.occurrence, &b.occurrence);
    let kinds_agree = if x.kind.is_day_off() { y.kind.is_day_off() } else { x.kind == y.kind };
    x.date == y.date && x.observed == y.observed && kinds_agree && base(&x.id) == base(&y.id)
}

#[derive(Serialize)]
struct Off {
    region: String,
    people: Vec<String>,
}

/// The digest of the reminders due at one slot, as the channel's members will read it;
/// `None` when there is nothing to say.
pub fn digest_message(
    templates: &Templates,
    library: &Library,
    reminders: &[Reminder],
    channel_tz: Tz,
    members: &[Teammate],
    at: DateTime<Utc>,
) -> Result<Option<crate::chat::Message>, RenderError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut sorted: Vec<&Reminder> = reminders.iter().collect();
    sorted.sort_by(|a, b| {
        (a.occurrence.date, !a.occurrence.observed, a.occurrence.kind, &a.occurrence.region).cmp(&(
            b.occurrence.date,
            !b.occurrence.observed,
            b.occurrence.kind,
            &b.occurrence.region,
        ))
    });
    for r in sorted {
        match entries.iter_mut().find(|e| same_event(e.first(), r)) {
            Some(entry) => entry.reminders.push(r),
            None => entries.push(Entry { reminders: vec![r] }),
        }
    }
    if entries.is_empty() {
        return Ok(None);
    }
    let events: Vec<serde_json::Value> = entries.iter().map(|e| entry_context(e, library, members)).collect();
    let posted_on = at.with_timezone(&channel_tz).date_naive();
    let context = json!({
        "events": events,
        "posted_on": posted_on.format("%A %-d %b").to_string(),
        "channel_timezone": zone_label(channel_tz, at),
    });
    templates.render("digest", context).map(Some)
}

fn region_name(library: &Library, code: &RegionCode) -> String {
    if code.is_team() {
        return "the team".to_string();
    }
    let name = library.get(code).map(|c| c.name.clone()).unwrap_or_else(|| code.to_string());
    in_sentence(&name)
}

fn entry_context(entry: &Entry, library: &Library, members: &[Teammate]) -> serde_json::Value {
    let first = entry.first();
    let o = &first.occurrence;
    let regions: Vec<&RegionCode> = entry.reminders.iter().map(|r| &r.occurrence.region).collect();
    let names: Vec<String> = regions.iter().map(|code| region_name(library, code)).collect();
    // "a public holiday in Australia and India and a bank holiday in the United Kingdom"
    let mut by_kind: Vec<(String, Vec<String>)> = Vec::new();
    for (r, name) in entry.reminders.iter().zip(&names) {
        let kind = kind_text(r.occurrence.kind, r.occurrence.region.as_str().starts_with("PH"));
        // "a public holiday for government offices in India": how widely it is given.
        let text = match r.occurrence.given() {
            Some(Given::Government) => format!("{kind} for government offices"),
            _ => kind.to_string(),
        };
        match by_kind.iter_mut().find(|(k, _)| *k == text) {
            Some((_, list)) => list.push(name.clone()),
            None => by_kind.push((text, vec![name.clone()])),
        }
    }
    let holiday_in: Vec<String> =
        by_kind.iter().map(|(kind, places)| format!("a {kind} in {}", listed(places))).collect();
    let culture = entry.reminders.iter().find_map(|r| r.occurrence.culture.as_deref());
    // A note written for one country is labelled as such when others share the entry.
    let about_from = entry.reminders.iter().find(|r| r.occurrence.culture.as_ref().is_some_and(|c| c.about.is_some()));
    let about_differs = entry
        .reminders
        .iter()
        .any(|r| r.occurrence.culture.as_ref().and_then(|c| c.about.clone()) != culture.and_then(|c| c.about.clone()));
    let about_region = about_from.filter(|_| about_differs).map(|r| r.occurrence.region.to_string());
    // What to expect differs by country; the same words are said once.
    let mut expects: Vec<(String, String)> = Vec::new();
    for r in &entry.reminders {
        if let Some(text) = r.occurrence.culture.as_ref().and_then(|c| c.expect.clone()) {
            match expects.iter_mut().find(|(_, t)| *t == text) {
                Some((codes, _)) => *codes = format!("{codes}, {}", r.occurrence.region),
                None => expects.push((r.occurrence.region.to_string(), text)),
            }
        }
    }
    let expects: Vec<_> =
        expects.into_iter().map(|(regions, text)| json!({ "regions": regions, "text": text })).collect();
    // One word for the whole entry: "government" or "most" when every region says so,
    // "mixed" when some region gives it narrowly and others do not, none as before.
    let given: Vec<Option<Given>> = entry.reminders.iter().map(|r| r.occurrence.given()).collect();
    let narrow = |g: &Option<Given>| matches!(g, Some(Given::Government | Given::Most));
    let given = if given.iter().all(|g| *g == Some(Given::Government)) {
        Some("government")
    } else if given.iter().all(|g| *g == Some(Given::Most)) {
        Some("most")
    } else if given.iter().any(narrow) {
        Some("mixed")
    } else {
        None
    };
    let (off, anyone_off) = if o.kind.is_day_off() { who_is_off(entry, library, members) } else { (Vec::new(), false) };
    json!({
        "name": o.name,
        "emoji": culture.and_then(|c| c.emoji.clone()),
        "kind": o.kind.as_str(),
        "given": given,
        "kind_text": kind_text(o.kind, regions.iter().any(|r| r.as_str().starts_with("PH"))),
        "date": o.date.format("%-d %b %Y").to_string(),
        "weekday": o.date.format("%A").to_string(),
        "when": when(first.days_before, o.date),
        "observed": o.observed,
        "observed_for": o.observed_for.map(|d| d.format("%A %-d %b").to_string()),
        "observed_on": first.observed_on.map(|d| d.format("%A %-d %b").to_string()),
        "region_codes": regions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
        "region_names": listed(&names),
        "holiday_in": listed(&holiday_in),
        "several_regions": regions.len() > 1,
        "about": culture.and_then(|c| c.about.clone()),
        "about_region": about_region,
        "greeting": culture.and_then(|c| c.greeting.clone()),
        "expects": expects,
        "off": off,
        "anyone_off": anyone_off,
    })
}

/// "public holiday"; the Philippines' bank-kind days are special non-working days there.
fn kind_text(kind: Kind, philippines: bool) -> &'static str {
    match kind {
        Kind::Public => "public holiday",
        Kind::Bank if philippines => "special non-working day",
        Kind::Bank => "bank holiday",
        Kind::Optional => "optional holiday",
        Kind::Observance => "observance",
        Kind::Festival => "festival",
        Kind::Milestone => "team milestone",
    }
}

/// Per region of the event, the channel's members who are off that day because of it: whose
/// region is the event's region or one of its subdivisions (a member in IN-KA is off on
/// India's holidays; a member in AU is not, though Australia has its own Christmas).
fn who_is_off(entry: &Entry, library: &Library, members: &[Teammate]) -> (Vec<Off>, bool) {
    let day = entry.first().observed_on.unwrap_or(entry.first().occurrence.date);
    let off = whos_off(day, members, library);
    let mut out = Vec::new();
    let mut anyone = false;
    for r in &entry.reminders {
        let region = &r.occurrence.region;
        // A member on a company calendar is grouped under it, and is named here when one of
        // their days off is this region's.
        let people: Vec<String> = off
            .by_region
            .iter()
            .flat_map(|g| {
                let whole = &g.region == region || g.region.nation().as_ref() == Some(region);
                g.members.iter().filter(move |m| whole || m.defined_by.contains(region)).map(|m| m.display_name.clone())
            })
            .collect();
        anyone |= !people.is_empty();
        out.push(Off { region: region.to_string(), people });
    }
    (out, anyone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_read_as_places_and_offsets() {
        let at: DateTime<Utc> = "2026-12-25T01:00:00Z".parse().unwrap();
        assert_eq!(zone_label(chrono_tz::Asia::Manila, at), "Manila time, UTC+8");
        assert_eq!(zone_label(chrono_tz::Asia::Kolkata, at), "Kolkata time, UTC+5:30");
        assert_eq!(zone_label(chrono_tz::America::Sao_Paulo, at), "Sao Paulo time, UTC-3");
        assert_eq!(zone_label(chrono_tz::Europe::London, at), "London time, UTC");
        assert_eq!(utc_offset(chrono_tz::Europe::London, "2026-07-01T00:00:00Z".parse().unwrap()), "UTC+1");
    }

    #[test]
    fn countries_read_as_they_do_in_a_sentence() {
        assert_eq!(in_sentence("Philippines"), "the Philippines");
        assert_eq!(in_sentence("United Kingdom"), "the United Kingdom");
        assert_eq!(in_sentence("India"), "India");
        assert_eq!(listed(&["A".into(), "B".into(), "C".into()]), "A, B and C");
    }
}
