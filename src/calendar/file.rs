//! The calendar file format (`calendars/*.toml`, documented in `calendars/README.md`):
//! text in, a [`Region`] out, or errors that name the file, the line and what is wrong.

use super::model::{Culture, Event, Given, Kind, NoteLines, Observed, Region, RegionCode, Shift, Tone};
use super::rule::{parse_month_day, parse_weekday, Rule};
use chrono::Weekday;
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Arc;
use toml::Spanned;

/// A problem in a calendar file, located for the person who has to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    region: Spanned<RawRegion>,
    #[serde(default)]
    event: Vec<Spanned<RawEvent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    code: Spanned<String>,
    name: String,
    parent: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    weekend: Option<Spanned<Vec<String>>>,
    observed: Option<Spanned<toml::Value>>,
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    remove: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    id: Option<Spanned<String>>,
    name: String,
    kind: Spanned<String>,
    rule: Option<Spanned<String>>,
    dates: Option<Vec<Spanned<String>>>,
    since: Option<i32>,
    until: Option<i32>,
    days: Option<Spanned<u32>>,
    observed: Option<Spanned<toml::Value>>,
    moved: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    cancelled: Vec<i32>,
    about: Option<Spanned<String>>,
    greeting: Option<Spanned<String>>,
    expect: Option<Spanned<String>>,
    emoji: Option<Spanned<String>>,
    tone: Option<Spanned<String>>,
    given: Option<Spanned<String>>,
    announce: Option<bool>,
    /// The ICS UID an imported event came with: a re-import replaces the event of that UID,
    /// and an export gives it back.
    uid: Option<String>,
    /// Where an imported event came from (a file name or URL): re-importing the same source
    /// drops its events that are no longer there. Read by `held`, not here.
    #[serde(rename = "source")]
    _source: Option<String>,
}

/// Line numbers of byte offsets in one file. The line starts are found once: counting
/// newlines from the top for every error and note made checking a large file quadratic.
struct Lines<'a> {
    file: &'a str,
    /// Byte offsets of the newlines, in order.
    newlines: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &str, file: &'a str) -> Lines<'a> {
        Lines { file, newlines: text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i).collect() }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.newlines.partition_point(|&n| n < offset) + 1
    }

    fn error<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> FileError {
        self.error_at(spanned.span().start, message)
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> FileError {
        FileError { file: self.file.to_string(), line: self.line_of(offset), message: message.into() }
    }
}

/// The longest weekend a region may have (some have one day, most two, a few three).
const MAX_WEEKEND_DAYS: usize = 3;

/// The largest calendar file read: the biggest shipped one is some 40 KB, so this leaves room
/// for generous tables and keeps a pasted export from tying up `calendars check`.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Parses one region file. `file` names it in errors; when it ends in `CODE.toml`, the code
/// inside must match. Every problem found is returned, not just the first.
pub fn parse_region_file(file: &str, text: &str) -> Result<Region, Vec<FileError>> {
    if text.len() > MAX_FILE_BYTES {
        let message = format!("the file is {} bytes; a calendar file may be at most {MAX_FILE_BYTES}", text.len());
        return Err(vec![FileError { file: file.to_string(), line: 1, message }]);
    }
    let lines = Lines::new(text, file);
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        // toml's message repeats the snippet; the first line says what is wrong.
        let message = e.message().lines().next().unwrap_or("invalid TOML").to_string();
        vec![lines.error_at(offset, message)]
    })?;
    let mut errors = Vec::new();
    let region = parse_region(&lines, raw, &mut errors);
    if errors.is_empty() {
        Ok(region)
    } else {
        Err(errors)
    }
}

fn parse_region(lines: &Lines, raw: RawFile, errors: &mut Vec<FileError>) -> Region {
    let r = raw.region.into_inner();
    let code = r.code.get_ref().parse::<RegionCode>().unwrap_or_else(|e| {
        errors.push(lines.error(&r.code, e.to_string()));
        RegionCode::unknown()
    });
    if let Some(stem) = file_stem(lines.file) {
        if !stem.eq_ignore_ascii_case(code.as_str()) && errors.is_empty() {
            errors
                .push(lines.error(&r.code, format!("region code '{code}' does not match the file name '{stem}.toml'")));
        }
    }
    let parent = r.parent.as_ref().and_then(|p| match p.get_ref().parse::<RegionCode>() {
        // A company calendar may build on any calendar: a nation, a subdivision, another company's.
        Ok(parent) if code.is_company() && parent != code => Some(parent),
        Ok(parent) if code.nation().as_ref() == Some(&parent) => Some(parent),
        Ok(parent) => {
            errors.push(lines.error(p, format!("parent '{parent}' is not the nation of '{code}'")));
            None
        }
        Err(e) => {
            errors.push(lines.error(p, e.to_string()));
            None
        }
    });
    if let (Some(nation), None) = (code.nation(), &r.parent) {
        errors.push(lines.error(&r.code, format!("subdivision '{code}' needs parent = \"{nation}\"")));
    }
    let timezone = r.timezone.as_ref().and_then(|tz| match tz.get_ref().parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            errors.push(lines.error(tz, format!("'{}' is not an IANA time zone such as Asia/Kolkata", tz.get_ref())));
            None
        }
    });
    if timezone.is_none() && r.timezone.is_none() && parent.is_none() {
        let what = if code.is_company() { "a company calendar without a parent" } else { "a nation" };
        errors.push(lines.error(&r.code, format!("{what} needs timezone = \"Area/City\"")));
    }
    let weekend = r.weekend.as_ref().map(|w| {
        w.get_ref()
            .iter()
            .filter_map(|day| match parse_weekday(day) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(lines.error(w, format!("weekend: {e}")));
                    None
                }
            })
            .collect::<Vec<Weekday>>()
    });
    if let Some(days) = weekend.as_ref().filter(|days| days.iter().collect::<HashSet<_>>().len() > MAX_WEEKEND_DAYS) {
        let w = r.weekend.as_ref().expect("a parsed weekend was written");
        errors.push(lines.error(
            w,
            format!("weekend: {} days; a weekend has at most {MAX_WEEKEND_DAYS}, so that holidays have working days to move to", days.iter().collect::<HashSet<_>>().len()),
        ));
    }
    let observed = r.observed.as_ref().and_then(|o| parse_observed(lines, o, errors));

    let mut ids = HashSet::new();
    let events = raw
        .event
        .into_iter()
        .filter_map(|e| {
            let line = lines.line_of(e.span().start);
            let event = parse_event(lines, line, e.into_inner(), errors)?;
            if !ids.insert(event.id.clone()) {
                errors.push(FileError {
                    file: lines.file.to_string(),
                    line,
                    message: format!("event id '{}' is used twice in this file", event.id),
                });
            }
            Some(event)
        })
        .collect();

    Region {
        code,
        name: r.name,
        parent,
        timezone,
        weekend,
        observed,
        sources: r.sources,
        remove: r.remove.iter().map(|s| (s.get_ref().clone(), lines.line_of(s.span().start))).collect(),
        events,
        file: lines.file.to_string(),
    }
}

fn parse_event(lines: &Lines, line: usize, e: RawEvent, errors: &mut Vec<FileError>) -> Option<Event> {
    let before = errors.len();
    let at = |message: String| FileError { file: lines.file.to_string(), line, message };
    let name = e.name.trim().to_string();
    if name.is_empty() {
        errors.push(at("event name is empty".into()));
    }
    let id = match &e.id {
        Some(id) if is_kebab(id.get_ref()) => id.get_ref().clone(),
        Some(id) => {
            errors.push(
                lines.error(id, format!("id '{}' must be lower-kebab-case, such as 'good-friday'", id.get_ref())),
            );
            String::new()
        }
        None => slug(&name),
    };
    let kind = e.kind.get_ref().parse::<Kind>().map_err(|m| errors.push(lines.error(&e.kind, m))).ok();
    let rule = match (&e.rule, &e.dates) {
        (Some(rule), None) => {
            Rule::parse(rule.get_ref()).map_err(|err| errors.push(lines.error(rule, format!("rule: {err}")))).ok()
        }
        (None, Some(dates)) => parse_table(lines, dates, errors),
        // A computed rule beside a table: the table wins where it has the year.
        (Some(rule), Some(dates)) => match Rule::parse(rule.get_ref()) {
            Ok(Rule::Computed(computed)) => match parse_table(lines, dates, errors) {
                Some(Rule::Table(table)) => Some(Rule::Tabled { table, computed }),
                _ => None,
            },
            Ok(_) => {
                errors.push(lines.error(rule, format!("event '{name}' has both rule and dates; give one")));
                None
            }
            Err(err) => {
                errors.push(lines.error(rule, format!("rule: {err}")));
                None
            }
        },
        (None, None) => {
            errors.push(at(format!("event '{name}' needs a rule (such as \"01-26\") or a list of dates")));
            None
        }
    };
    if let (Some(since), Some(until)) = (e.since, e.until) {
        if since > until {
            errors.push(at(format!("event '{name}': since {since} is after until {until}")));
        }
    }
    let days = match &e.days {
        Some(d) if (1..=14).contains(d.get_ref()) => *d.get_ref(),
        Some(d) => {
            errors.push(lines.error(d, format!("days = {} is out of range; expected 1 to 14", d.get_ref())));
            1
        }
        None => 1,
    };
    let observed = e.observed.as_ref().and_then(|o| parse_observed(lines, o, errors));
    let mut moved = BTreeMap::new();
    if let Some(m) = &e.moved {
        for (year, md) in m.get_ref() {
            match (year.parse::<i32>(), parse_month_day(md)) {
                (Ok(y), Ok(md)) => {
                    moved.insert(y, md);
                }
                (Err(_), _) => errors.push(lines.error(m, format!("moved: '{year}' is not a year"))),
                (_, Err(err)) => errors.push(lines.error(m, format!("moved: {err}"))),
            }
        }
    }
    let tone = match &e.tone {
        Some(t) => t.get_ref().parse::<Tone>().unwrap_or_else(|m| {
            errors.push(lines.error(t, m));
            Tone::Normal
        }),
        None => Tone::Normal,
    };
    let given = e.given.as_ref().and_then(|g| match g.get_ref().parse::<Given>() {
        Ok(given) if kind.is_some_and(Kind::is_day_off) => Some(given),
        Ok(_) => {
            errors.push(lines.error(
                g,
                format!("given: '{name}' is not a day off (kind = \"{}\"); `given` says how widely a public or bank holiday is given", e.kind.get_ref()),
            ));
            None
        }
        Err(m) => {
            errors.push(lines.error(g, m));
            None
        }
    });
    if let (Tone::Solemn, Some(greeting)) = (tone, &e.greeting) {
        errors.push(lines.error(
            greeting,
            format!(
                "'{name}' is solemn (tone = \"solemn\"): give no greeting; say in `expect` that it is a day of reflection"
            ),
        ));
    }
    let line_of = |field: &Option<Spanned<String>>| field.as_ref().map(|f| lines.line_of(f.span().start));
    let note_lines = NoteLines {
        about: line_of(&e.about),
        greeting: line_of(&e.greeting),
        expect: line_of(&e.expect),
        emoji: line_of(&e.emoji),
    };
    let text = |field: Option<Spanned<String>>| field.map(Spanned::into_inner);
    let culture = Culture {
        about: text(e.about),
        greeting: text(e.greeting),
        expect: text(e.expect),
        emoji: text(e.emoji),
        tone,
        given,
        announce: e.announce.unwrap_or(true),
    };
    if errors.len() > before {
        return None;
    }
    Some(Event {
        id,
        name,
        kind: kind?,
        rule: rule?,
        since: e.since,
        until: e.until,
        days,
        observed,
        moved,
        cancelled: e.cancelled,
        culture: (!culture.is_empty()).then(|| Arc::new(culture)),
        uid: e.uid.filter(|u| !u.trim().is_empty()),
        line,
        note_lines,
    })
}

fn parse_table(lines: &Lines, dates: &[Spanned<String>], errors: &mut Vec<FileError>) -> Option<Rule> {
    let mut parsed = Vec::with_capacity(dates.len());
    for date in dates {
        // The bounded reading every date in meridian gets: sums near the ends of time panic.
        match crate::chat::calendar_date(date.get_ref().trim()) {
            Some(d) if parsed.contains(&d) => errors.push(lines.error(date, format!("date {d} is listed twice"))),
            Some(d) => parsed.push(d),
            None => errors.push(
                lines.error(date, format!("'{}' is not a date; expected YYYY-MM-DD from 1900 to 2200", date.get_ref())),
            ),
        }
    }
    if dates.is_empty() {
        return None;
    }
    parsed.sort();
    Some(Rule::Table(parsed))
}

fn parse_observed(lines: &Lines, value: &Spanned<toml::Value>, errors: &mut Vec<FileError>) -> Option<Observed> {
    let expected = "observed: expected \"none\" or a table such as { sat = \"previous\", sun = \"next\" }";
    match value.get_ref() {
        toml::Value::String(s) if s.eq_ignore_ascii_case("none") => Some(Observed::none()),
        toml::Value::Table(table) => {
            let mut observed = Observed::none();
            for (day, shift) in table {
                let day = match parse_weekday(day) {
                    Ok(d) => d,
                    Err(e) => {
                        errors.push(lines.error(value, format!("observed: {e}")));
                        continue;
                    }
                };
                let shift = match shift.as_str().map(str::to_ascii_lowercase).as_deref() {
                    Some("next") => Shift::Next,
                    Some("previous") => Shift::Previous,
                    _ => {
                        errors.push(lines.error(
                            value,
                            format!("observed: '{shift}' is not a shift; expected \"next\" or \"previous\""),
                        ));
                        continue;
                    }
                };
                observed = observed.with(day, shift);
            }
            Some(observed)
        }
        _ => {
            errors.push(lines.error(value, expected));
            None
        }
    }
}

fn file_stem(file: &str) -> Option<&str> {
    let name = file.rsplit(['/', '\\']).next()?;
    name.strip_suffix(".toml")
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The default id of an event: its name in lower-kebab-case.
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}
