//! ICS (RFC 5545) in and out. In: a calendar file as Google Calendar, Outlook or a government
//! site exports it becomes dated events (all-day and timed, RRULE recurrences with EXDATE and
//! RDATE, moved or cancelled instances, VTIMEZONE/TZID), or errors naming the line and the
//! event, never a panic. Out: a region's occurrences as a calendar others can subscribe to,
//! with UIDs that stay the same from one export to the next.
//!
//! Parsing is `icalendar`'s, expanding a recurrence is `rrule`'s; this module decides what a
//! VEVENT means for a calendar of days. Pure: text in, values out.

use super::model::Kind;
use super::occurrence::Occurrence;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

/// The largest ICS file read: a government's holiday feed is a few tens of kilobytes and a
/// company's ten-year export well under a megabyte.
pub const MAX_ICS_BYTES: usize = 4 * 1024 * 1024;
/// The most events one file may hold.
pub const MAX_EVENTS: usize = 5_000;
/// The most dates one event's recurrence may give between 1900 and 2200: a yearly holiday
/// over those three centuries is 301; a daily one with no end is refused.
pub const MAX_DATES_PER_EVENT: usize = 1_000;
/// The longest event, in days (a calendar event is at most 14 days long).
pub const MAX_DAYS: u32 = 14;
/// The years a date may fall in, as everywhere in meridian.
const FIRST_YEAR: i32 = 1900;
const LAST_YEAR: i32 = 2200;

/// A problem in an ICS file, located for the person who has to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct IcsError {
    /// The file name or URL it came from.
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for IcsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// One event of an ICS file, its recurrence expanded to dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsEvent {
    /// The UID, with `/YYYY-MM-DD` added for an instance moved away from its series under a
    /// new name (so each is replaced on its own when the file is imported again).
    pub uid: String,
    pub name: String,
    /// Sorted, without duplicates.
    pub dates: Vec<NaiveDate>,
    /// Days each occurrence lasts (an all-day event from DTSTART to DTEND).
    pub days: u32,
    /// DESCRIPTION, as a note.
    pub about: Option<String>,
    /// A kind given in CATEGORIES (`public`, `observance`, ...), as meridian's export writes.
    pub kind: Option<Kind>,
    /// The line of its BEGIN:VEVENT.
    pub line: usize,
}

/// A VEVENT's properties, by name, with the line each is on.
struct Vevent {
    line: usize,
    props: Vec<Prop>,
}

struct Prop {
    name: String,
    params: Vec<(String, String)>,
    value: String,
    line: usize,
}

impl Prop {
    fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

impl Vevent {
    fn get(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Prop> {
        self.props.iter().filter(move |p| p.name.eq_ignore_ascii_case(name))
    }
}

/// Reads an ICS file. `zone` is the calendar's own: a time given in UTC is placed on its date
/// there. Every problem is returned, not just the first; on any, nothing is returned.
pub fn read_ics(source: &str, text: &str, zone: Tz) -> Result<Vec<IcsEvent>, Vec<IcsError>> {
    let at = |line: usize, message: String| IcsError { file: source.to_string(), line, message };
    if text.len() > MAX_ICS_BYTES {
        let message = format!("the file is {} bytes; an ICS file may be at most {MAX_ICS_BYTES}", text.len());
        return Err(vec![at(1, message)]);
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Unfold by hand as well, to know which line of the file each content line started on.
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), logical.last_mut()) {
            (Some(rest), Some((_, last))) => last.push_str(rest),
            _ if raw.trim().is_empty() => {}
            _ => logical.push((i + 1, raw.to_string())),
        }
    }
    if !logical.first().is_some_and(|(_, l)| l.trim().eq_ignore_ascii_case("BEGIN:VCALENDAR")) {
        return Err(vec![at(
            logical.first().map_or(1, |(n, _)| *n),
            "not an ICS file: it must start with BEGIN:VCALENDAR".into(),
        )]);
    }
    // Shape first, with the file's own line numbers: every line a NAME:value, every BEGIN
    // closed by its END.
    let mut errors = Vec::new();
    let mut open: Vec<(String, usize)> = Vec::new();
    for (line, content) in &logical {
        let Some((head, _)) = content.split_once(':') else {
            errors.push(at(*line, format!("'{}' is not a content line (NAME:value)", clip(content))));
            continue;
        };
        let name = head.split(';').next().unwrap_or_default();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            errors.push(at(*line, format!("'{}' is not a property name", clip(name))));
            continue;
        }
        let value = content[head.len() + 1..].trim().to_ascii_uppercase();
        if name.eq_ignore_ascii_case("BEGIN") {
            open.push((value, *line));
        } else if name.eq_ignore_ascii_case("END") {
            match open.pop() {
                Some((begun, _)) if begun == value => {}
                Some((begun, begun_at)) => {
                    errors.push(at(*line, format!("END:{value} closes BEGIN:{begun} of line {begun_at}")));
                    return Err(errors);
                }
                None => errors.push(at(*line, format!("END:{value} without a BEGIN"))),
            }
        }
    }
    if let Some((begun, line)) = open.pop() {
        errors.push(at(line, format!("BEGIN:{begun} is never closed (END:{begun} is missing)")));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let unfolded: String = logical.iter().map(|(_, l)| format!("{l}\r\n")).collect();
    let components = match icalendar::parser::read_components(&unfolded) {
        Ok(components) => components,
        Err(message) => {
            // "... at line N ..." counts the unfolded lines.
            let line = message
                .split("at line ")
                .nth(1)
                .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse::<usize>().ok())
                .and_then(|n| logical.get(n.saturating_sub(1)).map(|(line, _)| *line))
                .unwrap_or(1);
            return Err(vec![at(line, "the ICS file could not be read here".into())]);
        }
    };
    // Lines of BEGIN:VEVENT and of every property inside, in order, to place what the parser
    // returns (which knows no line numbers).
    let mut event_lines: Vec<Vec<(usize, String)>> = Vec::new();
    let mut inside = false;
    for (line, content) in &logical {
        let upper = content.to_ascii_uppercase();
        if upper.starts_with("BEGIN:VEVENT") {
            inside = true;
            event_lines.push(vec![(*line, upper)]);
        } else if upper.starts_with("END:VEVENT") {
            inside = false;
        } else if inside {
            if let Some(lines) = event_lines.last_mut() {
                lines.push((*line, upper));
            }
        }
    }
    let mut zones: HashSet<String> = HashSet::new();
    let mut vevents = Vec::new();
    let mut stack: Vec<&icalendar::parser::Component> = components.iter().collect();
    let mut ordered = Vec::new();
    while let Some(c) = stack.pop() {
        ordered.push(c);
        stack.extend(c.components.iter().rev());
    }
    for c in ordered {
        let name = c.name.as_str().to_ascii_uppercase();
        if name == "VTIMEZONE" {
            if let Some(tzid) = c.find_prop("TZID") {
                zones.insert(tzid.val.as_str().trim().to_string());
            }
        } else if name == "VEVENT" {
            let lines = event_lines.get(vevents.len()).cloned().unwrap_or_default();
            let start = lines.first().map_or(1, |(l, _)| *l);
            let props = c
                .properties
                .iter()
                .map(|p| {
                    let pname = p.name.as_str().to_ascii_uppercase();
                    let line = lines.iter().find(|(_, l)| l.starts_with(&pname)).map_or(start, |(l, _)| *l);
                    Prop {
                        name: pname,
                        params: p
                            .params
                            .iter()
                            .map(|q| {
                                let v = q.val.as_ref().map(|v| v.as_str().trim_matches('"').to_string());
                                (q.key.as_str().to_string(), v.unwrap_or_default())
                            })
                            .collect(),
                        value: p.val.as_str().to_string(),
                        line,
                    }
                })
                .collect();
            vevents.push(Vevent { line: start, props });
        }
    }
    if vevents.len() > MAX_EVENTS {
        return Err(vec![at(1, format!("the file has {} events; at most {MAX_EVENTS} are read", vevents.len()))]);
    }
    let mut masters: Vec<IcsEvent> = Vec::new();
    let mut overrides: Vec<(String, NaiveDate, Option<IcsEvent>)> = Vec::new();
    let mut uids: BTreeMap<String, usize> = BTreeMap::new();
    for v in &vevents {
        match read_event(v, &zones, zone) {
            Ok(Read::Skip) => {}
            Ok(Read::Event(event)) => {
                if let Some(first) = uids.insert(event.uid.clone(), event.line) {
                    errors.push(at(
                        event.line,
                        format!("event '{}': UID '{}' is used again (first on line {first})", event.name, event.uid),
                    ));
                }
                masters.push(event);
            }
            Ok(Read::Override { uid, instead_of, event }) => overrides.push((uid, instead_of, event)),
            Err((line, message)) => errors.push(at(line, message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // A moved or cancelled instance: the series loses that date; a moved one under the same
    // name joins the series on its new date, one renamed stands as an event of its own.
    let mut extra = Vec::new();
    for (uid, instead_of, replacement) in overrides {
        let Some(master) = masters.iter_mut().find(|m| m.uid == uid) else {
            if let Some(mut event) = replacement {
                event.uid = format!("{uid}/{instead_of}");
                extra.push(event);
            }
            continue;
        };
        master.dates.retain(|d| *d != instead_of);
        if let Some(mut event) = replacement {
            if event.name == master.name && event.days == master.days {
                master.dates.extend(event.dates);
                master.dates.sort();
                master.dates.dedup();
            } else {
                event.uid = format!("{uid}/{instead_of}");
                extra.push(event);
            }
        }
    }
    masters.extend(extra);
    masters.retain(|m| !m.dates.is_empty());
    Ok(masters)
}

enum Read {
    Skip,
    Event(IcsEvent),
    /// An instance of a series (RECURRENCE-ID) moved or renamed; `None` when cancelled.
    Override {
        uid: String,
        instead_of: NaiveDate,
        event: Option<IcsEvent>,
    },
}

fn read_event(v: &Vevent, zones: &HashSet<String>, zone: Tz) -> Result<Read, (usize, String)> {
    let summary = v.get("SUMMARY").map(|p| unescape(&p.value)).filter(|s| !s.trim().is_empty());
    let label = match &summary {
        Some(s) => format!("event '{}'", clip(s)),
        None => "an event".to_string(),
    };
    let fail = |line: usize, message: String| Err((line, format!("{label}: {message}")));
    let cancelled = v.get("STATUS").is_some_and(|p| p.value.trim().eq_ignore_ascii_case("CANCELLED"));
    let Some(dtstart) = v.get("DTSTART") else { return fail(v.line, "it has no DTSTART".into()) };
    let start = match when(dtstart, zones, zone) {
        Ok(start) => start,
        Err(message) => return fail(dtstart.line, format!("DTSTART: {message}")),
    };
    let uid = match v.get("UID").map(|p| p.value.trim().to_string()).filter(|u| !u.is_empty()) {
        Some(uid) => uid,
        // RFC 5545 requires one; some generators forget it. The event is still told apart.
        None => format!("{}-{}", super::file::slug(summary.as_deref().unwrap_or("event")), start.date),
    };
    let recurrence_id = match v.get("RECURRENCE-ID") {
        Some(p) => match when(p, zones, zone) {
            Ok(w) => Some(w.date),
            Err(message) => return fail(p.line, format!("RECURRENCE-ID: {message}")),
        },
        None => None,
    };
    if cancelled {
        return Ok(match recurrence_id {
            Some(instead_of) => Read::Override { uid, instead_of, event: None },
            None => Read::Skip,
        });
    }
    let Some(name) = summary else { return fail(v.line, "it has no SUMMARY (the event's name)".into()) };
    let days = match (v.get("DTEND"), start.all_day) {
        (Some(end), true) => match when(end, zones, zone) {
            Ok(w) => {
                let days = (w.date - start.date).num_days();
                if days > i64::from(MAX_DAYS) {
                    return fail(end.line, format!("it lasts {days} days; an event may last at most {MAX_DAYS}"));
                }
                if days < 0 {
                    return fail(end.line, "DTEND is before DTSTART".into());
                }
                u32::try_from(days).unwrap_or(1).max(1)
            }
            Err(message) => return fail(end.line, format!("DTEND: {message}")),
        },
        _ => 1,
    };
    let mut dates: BTreeSet<NaiveDate> = BTreeSet::new();
    dates.insert(start.date);
    if let Some(rule) = v.get("RRULE") {
        if recurrence_id.is_none() {
            match expand(&rule.value, start.local) {
                Ok(expanded) => dates.extend(expanded),
                Err(message) => return fail(rule.line, format!("RRULE: {message}")),
            }
        }
    }
    for p in v.all("RDATE") {
        for value in p.value.split(',') {
            match when_value(value, p.param("VALUE"), p.param("TZID"), zones, zone) {
                Ok(w) => {
                    dates.insert(w.date);
                }
                Err(message) => return fail(p.line, format!("RDATE: {message}")),
            }
        }
    }
    for p in v.all("EXDATE") {
        for value in p.value.split(',') {
            match when_value(value, p.param("VALUE"), p.param("TZID"), zones, zone) {
                Ok(w) => {
                    dates.remove(&w.date);
                }
                Err(message) => return fail(p.line, format!("EXDATE: {message}")),
            }
        }
    }
    if dates.len() > MAX_DATES_PER_EVENT {
        return fail(
            v.line,
            format!("it has more than {MAX_DATES_PER_EVENT} dates from {FIRST_YEAR} to {LAST_YEAR}; end its RRULE with UNTIL or COUNT"),
        );
    }
    let about =
        v.get("DESCRIPTION").map(|p| unescape(&p.value)).map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    let kind =
        v.all("CATEGORIES").flat_map(|p| p.value.split(',').map(str::to_string).collect::<Vec<_>>()).find_map(|c| {
            let c = c.trim().to_ascii_lowercase();
            let word = c.strip_suffix(" holiday").unwrap_or(&c);
            word.parse::<Kind>().ok()
        });
    let event = IcsEvent {
        uid: uid.clone(),
        name: name.trim().to_string(),
        dates: dates.into_iter().collect(),
        days,
        about,
        kind,
        line: v.line,
    };
    Ok(match recurrence_id {
        Some(instead_of) => Read::Override { uid, instead_of, event: Some(event) },
        None => Read::Event(event),
    })
}

/// A DTSTART-like value: its date in the calendar's reckoning, and its wall-clock time.
struct When {
    date: NaiveDate,
    local: NaiveDateTime,
    all_day: bool,
}

fn when(p: &Prop, zones: &HashSet<String>, zone: Tz) -> Result<When, String> {
    when_value(&p.value, p.param("VALUE"), p.param("TZID"), zones, zone)
}

fn when_value(
    value: &str,
    kind: Option<&str>,
    tzid: Option<&str>,
    zones: &HashSet<String>,
    zone: Tz,
) -> Result<When, String> {
    let value = value.trim();
    if let Some(tzid) = tzid {
        let tzid = tzid.trim();
        // An IANA name, or a zone the file describes itself (Outlook's "India Standard
        // Time"): either way a time written in it is on the date it shows.
        if tzid.parse::<Tz>().is_err() && !zones.contains(tzid) {
            return Err(format!(
                "unknown TZID '{}': not an IANA zone, and no VTIMEZONE in the file defines it",
                clip(tzid)
            ));
        }
    }
    let date_only = kind.is_some_and(|k| k.eq_ignore_ascii_case("DATE")) || value.len() == 8;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let date = |s: &str| -> Result<NaiveDate, String> {
        let d = (s.len() == 8 && digits(s))
            .then(|| NaiveDate::parse_from_str(s, "%Y%m%d").ok())
            .flatten()
            .ok_or_else(|| format!("'{}' is not a date (YYYYMMDD) that exists", clip(s)))?;
        if (FIRST_YEAR..=LAST_YEAR).contains(&d.year()) {
            Ok(d)
        } else {
            Err(format!("{d} is outside the years {FIRST_YEAR} to {LAST_YEAR}"))
        }
    };
    if date_only {
        let d = date(value)?;
        return Ok(When { date: d, local: d.and_hms_opt(0, 0, 0).unwrap_or_default(), all_day: true });
    }
    let (day, rest) = value
        .split_once(['T', 't'])
        .ok_or_else(|| format!("'{}' is not a date-time (YYYYMMDDTHHMMSS)", clip(value)))?;
    let d = date(day)?;
    let (clock, utc) = match rest.strip_suffix(['Z', 'z']) {
        Some(clock) => (clock, true),
        None => (rest, false),
    };
    let time = (clock.len() == 6 && digits(clock))
        .then(|| chrono::NaiveTime::parse_from_str(clock, "%H%M%S").ok())
        .flatten()
        .ok_or_else(|| format!("'{}' is not a time of day (HHMMSS)", clip(rest)))?;
    let local = d.and_time(time);
    if utc {
        let there = Utc.from_utc_datetime(&local).with_timezone(&zone).naive_local();
        Ok(When { date: there.date(), local: there, all_day: false })
    } else {
        Ok(When { date: d, local, all_day: false })
    }
}

/// The dates an RRULE gives from `start` (wall-clock time, expanded as if in UTC: only the
/// dates are kept, and a day's length never moves one), between 1900 and 2200, at most
/// [`MAX_DATES_PER_EVENT`].
fn expand(rule: &str, start: NaiveDateTime) -> Result<Vec<NaiveDate>, String> {
    let rule = rule.trim();
    // rrule wants UNTIL in UTC when DTSTART is; a date-only UNTIL is that whole day.
    let rule: String = rule
        .split(';')
        .map(|part| match part.split_once('=') {
            Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") && v.len() == 8 => format!("UNTIL={v}T235959Z"),
            Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") && !v.ends_with(['Z', 'z']) => format!("UNTIL={v}Z"),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";");
    let parsed: rrule::RRule<rrule::Unvalidated> = rule.parse().map_err(|e| format!("{e}"))?;
    let dt_start = Utc.from_utc_datetime(&start).with_timezone(&rrule::Tz::UTC);
    let set = parsed.build(dt_start).map_err(|e| format!("{e}"))?;
    let bound = |y: i32, m: u32, d: u32| {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| Utc.from_utc_datetime(&t).with_timezone(&rrule::Tz::UTC))
    };
    let (Some(first), Some(last)) = (bound(FIRST_YEAR, 1, 1), bound(LAST_YEAR + 1, 1, 1)) else {
        return Err("the years cannot be bounded".into());
    };
    let limit = u16::try_from(MAX_DATES_PER_EVENT + 1).unwrap_or(u16::MAX);
    let result = set.after(first).before(last).all(limit);
    if result.dates.len() > MAX_DATES_PER_EVENT {
        return Err(format!(
            "it repeats more than {MAX_DATES_PER_EVENT} times from {FIRST_YEAR} to {LAST_YEAR}; end it with UNTIL or COUNT"
        ));
    }
    Ok(result
        .dates
        .iter()
        .map(|d| d.naive_utc().date())
        .filter(|d| (FIRST_YEAR..=LAST_YEAR).contains(&d.year()))
        .collect())
}

/// TEXT values as RFC 5545 escapes them: `\,` `\;` `\\` and `\n`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// At most 60 characters of something quoted back in an error.
fn clip(text: &str) -> String {
    let clipped: String = text.chars().take(60).collect();
    if clipped.len() < text.len() {
        format!("{clipped}…")
    } else {
        clipped
    }
}

/// A calendar's occurrences as an ICS file: one all-day VEVENT each, its UID the occurrence's
/// key (`IN:diwali:2026-11-08@meridian`), so the same day has the same UID in every export and
/// a subscriber's copy is updated rather than doubled; the kind in CATEGORIES, the note in
/// DESCRIPTION. `stamp` is the DTSTAMP every event carries.
pub fn write_ics(name: &str, occurrences: &[Occurrence], stamp: DateTime<Utc>) -> String {
    use icalendar::{Calendar, Component, EventLike};
    let mut calendar = Calendar::new();
    calendar.name(name);
    for o in occurrences {
        let mut event = icalendar::Event::new();
        event
            .uid(&format!("{}@meridian", o.key()))
            .summary(&o.name)
            .starts(o.date)
            .ends(o.date + Duration::days(1))
            .timestamp(stamp)
            .add_property("CATEGORIES", o.kind.as_str())
            .add_property("TRANSP", "TRANSPARENT");
        let note: Vec<&str> = o
            .culture
            .iter()
            .flat_map(|c| [c.about.as_deref(), c.greeting.as_deref(), c.expect.as_deref()])
            .flatten()
            .collect();
        if !note.is_empty() {
            event.description(&note.join("\n\n"));
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}
