//! Calendars kept in meridian's store rather than in a file: company calendars HR builds in
//! chat (`/calendar add`) or imports from ICS. Each is kept as a calendar file's TOML text, so
//! it is read by the same parser with the same checks, and HR can export it as a file. Edits
//! work on the TOML document itself (no rule is ever re-written), and every result is parsed
//! again before it is returned: a calendar that would not load is never handed back.
//!
//! Re-importing an ICS source is keyed on UIDs: an event whose UID is there again is
//! replaced, one of that source that is gone is removed, and the events added in chat stay.

use super::file::{parse_region_file, slug, FileError};
use super::ics::IcsEvent;
use super::model::{Kind, RegionCode};
use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use toml::{Table, Value};

/// What a held calendar says about itself before any event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub code: RegionCode,
    pub name: String,
    /// `None` with a parent takes the parent's.
    pub timezone: Option<Tz>,
    pub parent: Option<RegionCode>,
}

/// One event HR adds by hand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub name: String,
    pub kind: Kind,
    pub date: NaiveDate,
    pub note: Option<String>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Merge {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeldError {
    #[error("{code} has no event with id '{id}'")]
    NoSuchEvent { code: String, id: String },
    #[error("{code} already has '{name}' on {date}")]
    Duplicate { code: String, name: String, date: NaiveDate },
    /// The result would not load; each error names what is wrong.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<FileError>),
}

/// A new calendar with no events yet.
pub fn new_calendar(header: &Header) -> String {
    let mut region = Table::new();
    region.insert("code".into(), header.code.to_string().into());
    region.insert("name".into(), header.name.clone().into());
    if let Some(tz) = header.timezone {
        region.insert("timezone".into(), tz.name().into());
    }
    if let Some(parent) = &header.parent {
        region.insert("parent".into(), parent.to_string().into());
    }
    let mut doc = Table::new();
    doc.insert("region".into(), Value::Table(region));
    render(&doc)
}

/// Adds one dated event; returns the new text and the event's id.
pub fn add_event(file: &str, text: &str, event: &NewEvent) -> Result<(String, String), HeldError> {
    let mut doc = parse(file, text)?;
    let code = code_of(&doc);
    let events = events_mut(&mut doc);
    let day = Value::String(event.date.to_string());
    let same = |e: &Value| {
        e.get("name").and_then(Value::as_str) == Some(event.name.as_str())
            && e.get("dates").and_then(Value::as_array).is_some_and(|d| d.contains(&day))
    };
    if events.iter().any(same) {
        return Err(HeldError::Duplicate { code, name: event.name.clone(), date: event.date });
    }
    let taken = |id: &str| events.iter().any(|e| e.get("id").and_then(Value::as_str) == Some(id));
    let base = match slug(&event.name) {
        s if s.is_empty() => "event".to_string(),
        s => s,
    };
    let id = [base.clone(), format!("{base}-{}", event.date)]
        .into_iter()
        .chain((2..).map(|n| format!("{base}-{}-{n}", event.date)))
        .find(|id| !taken(id))
        .unwrap_or(base);
    let mut e = Table::new();
    e.insert("id".into(), id.clone().into());
    e.insert("name".into(), event.name.clone().into());
    e.insert("kind".into(), event.kind.as_str().into());
    e.insert("dates".into(), Value::Array(vec![day]));
    if let Some(note) = &event.note {
        e.insert("about".into(), note.clone().into());
    }
    events.push(Value::Table(e));
    Ok((checked(file, &doc)?, id))
}

/// Removes an event by id; returns the new text and the event's name.
pub fn remove_event(file: &str, text: &str, id: &str) -> Result<(String, String), HeldError> {
    let mut doc = parse(file, text)?;
    let code = code_of(&doc);
    let events = events_mut(&mut doc);
    let Some(at) = events.iter().position(|e| e.get("id").and_then(Value::as_str) == Some(id)) else {
        return Err(HeldError::NoSuchEvent { code, id: id.to_string() });
    };
    let removed = events.remove(at);
    let name = removed.get("name").and_then(Value::as_str).unwrap_or(id).to_string();
    Ok((checked(file, &doc)?, name))
}

/// The id an imported event gets: stable for its UID, short enough to type in `/calendar remove`.
pub fn ics_id(uid: &str) -> String {
    let hash = Sha256::digest(uid.as_bytes());
    format!("ics-{}", hex::encode(&hash[..5]))
}

/// Merges the events of one ICS `source` into a calendar; `kind` is for events whose
/// CATEGORIES name none.
pub fn import_events(
    file: &str,
    text: &str,
    source: &str,
    kind: Kind,
    imported: &[IcsEvent],
) -> Result<(String, Merge), HeldError> {
    let mut doc = parse(file, text)?;
    let events = events_mut(&mut doc);
    let mut merge = Merge::default();
    let uid_of = |e: &Value| e.get("uid").and_then(Value::as_str).map(str::to_string);
    let new_uids: std::collections::HashSet<&str> = imported.iter().map(|e| e.uid.as_str()).collect();
    let before = events.len();
    events.retain(|e| {
        let from_here = e.get("source").and_then(Value::as_str) == Some(source);
        !(from_here && uid_of(e).is_some_and(|u| !new_uids.contains(u.as_str())))
    });
    merge.removed = before - events.len();
    for event in imported {
        let table = Value::Table(event_table(event, source, kind));
        match events.iter_mut().find(|e| uid_of(e).as_deref() == Some(event.uid.as_str())) {
            Some(old) if *old == table => merge.unchanged += 1,
            Some(old) => {
                *old = table;
                merge.updated += 1;
            }
            None => {
                events.push(table);
                merge.added += 1;
            }
        }
    }
    Ok((checked(file, &doc)?, merge))
}

fn event_table(event: &IcsEvent, source: &str, kind: Kind) -> Table {
    let mut e = Table::new();
    e.insert("id".into(), ics_id(&event.uid).into());
    e.insert("name".into(), event.name.clone().into());
    e.insert("kind".into(), event.kind.unwrap_or(kind).as_str().into());
    e.insert("dates".into(), Value::Array(event.dates.iter().map(|d| Value::String(d.to_string())).collect()));
    // The file says exactly when it happens: no years outside its dates are asked about.
    if let (Some(first), Some(last)) = (event.dates.first(), event.dates.last()) {
        e.insert("since".into(), i64::from(first.year()).into());
        e.insert("until".into(), i64::from(last.year()).into());
    }
    if event.days > 1 {
        e.insert("days".into(), i64::from(event.days).into());
    }
    if let Some(about) = &event.about {
        let about: String = about.chars().take(1000).collect();
        e.insert("about".into(), about.into());
    }
    e.insert("uid".into(), event.uid.clone().into());
    e.insert("source".into(), source.into());
    e
}

fn parse(file: &str, text: &str) -> Result<Table, HeldError> {
    let doc: Table = text.parse().map_err(|e: toml::de::Error| {
        HeldError::Invalid(vec![FileError { file: file.to_string(), line: 1, message: e.message().to_string() }])
    })?;
    Ok(doc)
}

fn code_of(doc: &Table) -> String {
    doc.get("region").and_then(|r| r.get("code")).and_then(Value::as_str).unwrap_or("?").to_string()
}

fn events_mut(doc: &mut Table) -> &mut Vec<Value> {
    let slot = doc.entry("event").or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    slot.as_array_mut().expect("just made an array")
}

/// The region first, then each event, as a person would write the file.
fn render(doc: &Table) -> String {
    let mut head = Table::new();
    if let Some(region) = doc.get("region") {
        head.insert("region".into(), region.clone());
    }
    let mut out = toml::to_string(&head).unwrap_or_default();
    for event in doc.get("event").and_then(Value::as_array).into_iter().flatten() {
        if let Some(table) = event.as_table() {
            out.push_str("\n[[event]]\n");
            out.push_str(&toml::to_string(table).unwrap_or_default());
        }
    }
    out
}

/// Renders `doc` and parses it as a calendar file, so no edit can leave one that won't load.
fn checked(file: &str, doc: &Table) -> Result<String, HeldError> {
    let text = render(doc);
    parse_region_file(file, &text).map_err(HeldError::Invalid)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            code: "ACME-PUNE".parse().unwrap(),
            name: "Acme Pune".into(),
            timezone: Some(chrono_tz::Asia::Kolkata),
            parent: None,
        }
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn ics(uid: &str, name: &str, dates: &[&str]) -> IcsEvent {
        IcsEvent {
            uid: uid.into(),
            name: name.into(),
            dates: dates.iter().map(|d| day(d)).collect(),
            days: 1,
            about: None,
            kind: None,
            line: 1,
        }
    }

    #[test]
    fn an_event_added_by_hand_gets_an_id_from_its_name_and_loads() {
        let text = new_calendar(&header());
        let pongal = NewEvent {
            name: "Pongal".into(),
            kind: Kind::Festival,
            date: day("2027-01-14"),
            note: Some("Harvest".into()),
        };
        let (text, id) = add_event("store:ACME-PUNE", &text, &pongal).unwrap();
        assert_eq!(id, "pongal");
        let region = parse_region_file("store:ACME-PUNE", &text).unwrap();
        assert_eq!(region.events.len(), 1);
        let again = add_event("store:ACME-PUNE", &text, &pongal).unwrap_err();
        assert_eq!(again.to_string(), "ACME-PUNE already has 'Pongal' on 2027-01-14");
        let next_year = NewEvent { date: day("2028-01-15"), ..pongal };
        let (text, id) = add_event("store:ACME-PUNE", &text, &next_year).unwrap();
        assert_eq!(id, "pongal-2028-01-15");
        let (text, name) = remove_event("store:ACME-PUNE", &text, "pongal").unwrap();
        assert_eq!(name, "Pongal");
        assert_eq!(parse_region_file("store:ACME-PUNE", &text).unwrap().events.len(), 1);
        assert!(matches!(remove_event("store:ACME-PUNE", &text, "pongal"), Err(HeldError::NoSuchEvent { .. })));
    }

    #[test]
    fn a_reimport_replaces_by_uid_drops_what_is_gone_and_keeps_hand_added_events() {
        let text = new_calendar(&header());
        let added = NewEvent { name: "Town hall".into(), kind: Kind::Observance, date: day("2027-03-01"), note: None };
        let (text, _) = add_event("f", &text, &added).unwrap();
        let first = [ics("a@x", "Pongal", &["2027-01-14"]), ics("b@x", "Holi", &["2027-03-22"])];
        let (text, merge) = import_events("f", &text, "hr.ics", Kind::Public, &first).unwrap();
        assert_eq!(merge, Merge { added: 2, ..Merge::default() });
        let second = [ics("a@x", "Pongal", &["2027-01-15"]), ics("c@x", "Diwali", &["2027-10-29"])];
        let (text, merge) = import_events("f", &text, "hr.ics", Kind::Public, &second).unwrap();
        assert_eq!(merge, Merge { added: 1, updated: 1, removed: 1, unchanged: 0 });
        let (_, merge) = import_events("f", &text, "hr.ics", Kind::Public, &second).unwrap();
        assert_eq!(merge, Merge { unchanged: 2, ..Merge::default() });
        let region = parse_region_file("f", &text).unwrap();
        let names: Vec<&str> = region.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Town hall", "Pongal", "Diwali"]);
    }
}
