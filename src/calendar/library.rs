//! The library of all known regions: subdivisions merged with their nation, looked up by
//! code (with suggestions for a near miss) and queried by date range.

use super::file::{parse_region_file, FileError};
use super::model::{Observed, Region, RegionCode};
use super::occurrence::{expand, Occurrence, Sourced, TableGap, Week};
use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/shipped_calendars.rs"));

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("unknown region '{given}'; {}", suggest(suggestions))]
    UnknownRegion { given: String, suggestions: Vec<String> },
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Files(Vec<FileError>),
}

fn suggest(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        // Said in chat as well as on the command line, so it names no command.
        "regions are ISO codes such as IN, PH, GB or US, subdivisions such as AU-NSW, or their names".to_string()
    } else {
        format!("did you mean {}?", suggestions.join(", "))
    }
}

/// The shipped calendar files as (file name, text) pairs, ready for [`Library::from_files`].
pub fn shipped_files() -> impl Iterator<Item = (String, String)> {
    SHIPPED.iter().map(|(name, text)| (format!("calendars/{name}"), text.to_string()))
}

/// A region ready to answer questions: its own events plus its nation's.
#[derive(Debug, Clone)]
pub struct RegionCalendar {
    pub code: RegionCode,
    pub name: String,
    pub timezone: Tz,
    pub weekend: Vec<Weekday>,
    /// The calendar it builds on: a subdivision's nation, or what a company calendar names.
    pub parent: Option<RegionCode>,
    /// The file it was read from (`calendars/IN.toml`, or `store:ACME-PUNE` for one kept in
    /// meridian's database).
    pub file: String,
    observed: Observed,
    events: Vec<Sourced>,
}

impl RegionCalendar {
    /// Occurrences between `from` and `to` inclusive, sorted by date, and the years whose
    /// table-based dates are unknown.
    pub fn occurrences(&self, from: NaiveDate, to: NaiveDate) -> (Vec<Occurrence>, Vec<TableGap>) {
        expand(&self.events, &self.week(), from, to)
    }

    pub fn is_weekend(&self, date: NaiveDate) -> bool {
        self.week().is_weekend(date)
    }

    /// The events this calendar's own file defines (not those it inherits).
    pub(super) fn own_events(&self) -> impl Iterator<Item = &super::model::Event> {
        self.events.iter().filter(|s| s.region == self.code).map(|s| &s.event)
    }

    pub fn event_count(&self) -> usize {
        self.events.len()
    }

    /// Whether this is a company's own calendar (`ACME-PUNE`) rather than an ISO region's.
    pub fn is_company(&self) -> bool {
        self.code.is_company()
    }

    fn week(&self) -> Week<'_> {
        Week { weekend: &self.weekend, observed: &self.observed }
    }
}

/// What people call a country that is neither its code nor its name in the file.
const ALIASES: &[(&str, &str)] = &[
    ("uk", "GB"),
    ("britain", "GB"),
    ("great britain", "GB"),
    ("england", "GB"),
    ("usa", "US"),
    ("america", "US"),
    ("united states of america", "US"),
    ("us of a", "US"),
    ("uae", "AE"),
    ("holland", "NL"),
    ("deutschland", "DE"),
    ("brasil", "BR"),
    ("méxico", "MX"),
    ("nippon", "JP"),
    ("bharat", "IN"),
    ("pilipinas", "PH"),
];

/// Every region meridian knows, resolved and checked.
#[derive(Debug, Clone, Default)]
pub struct Library {
    calendars: BTreeMap<RegionCode, Arc<RegionCalendar>>,
}

impl Library {
    /// The calendars shipped in `calendars/`, compiled into the binary.
    pub fn shipped() -> Result<Library, CalendarError> {
        Library::from_files(shipped_files())
    }

    /// Builds a library from (file name, text) pairs; a later file with the same region code
    /// replaces an earlier one, so HR's folder can override what is shipped. Any error fails
    /// the whole library: `calendars check` and the tests want every problem, not a library.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Library, CalendarError> {
        let (library, errors) = Library::lenient(files);
        if errors.is_empty() {
            Ok(library)
        } else {
            Err(CalendarError::Files(errors))
        }
    }

    /// Builds a library from what can be used: a file with errors is left out (and so is a
    /// calendar built on it), and the errors are returned beside the library. A running bot
    /// loads this way, so one bad file never stops it.
    pub fn lenient(files: impl IntoIterator<Item = (String, String)>) -> (Library, Vec<FileError>) {
        let mut errors = Vec::new();
        let mut regions: BTreeMap<RegionCode, Region> = BTreeMap::new();
        for (file, text) in latest_by_name(files) {
            match parse_region_file(&file, &text) {
                Ok(region) => {
                    regions.insert(region.code.clone(), region);
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        let mut calendars = BTreeMap::new();
        for code in regions.keys() {
            if let Err(mut e) = resolve_into(code, &regions, &mut calendars, 0) {
                errors.append(&mut e);
            }
        }
        errors.dedup();
        (Library { calendars }, errors)
    }

    pub fn regions(&self) -> impl Iterator<Item = &RegionCalendar> {
        self.calendars.values().map(|c| c.as_ref())
    }

    pub fn get(&self, code: &RegionCode) -> Option<Arc<RegionCalendar>> {
        self.calendars.get(code).cloned()
    }

    /// Finds a region by code or by name as a person types it (`in`, `AU-NSW`, `India`,
    /// `the Philippines`), or by a common alias (`UK`, `USA`).
    pub fn find(&self, given: &str) -> Result<Arc<RegionCalendar>, CalendarError> {
        if let Some(found) = given.parse::<RegionCode>().ok().and_then(|c| self.get(&c)) {
            return Ok(found);
        }
        let wanted = given.trim().to_lowercase();
        let wanted = wanted.strip_prefix("the ").unwrap_or(&wanted).to_string();
        if let Some(code) = ALIASES.iter().find(|(alias, _)| *alias == wanted).map(|(_, code)| *code) {
            if let Some(found) = code.parse::<RegionCode>().ok().and_then(|c| self.get(&c)) {
                return Ok(found);
            }
        }
        if let Some(found) = self.calendars.values().find(|c| c.name.to_lowercase() == wanted) {
            return Ok(found.clone());
        }
        Err(CalendarError::UnknownRegion { given: given.to_string(), suggestions: self.close_matches(&wanted) })
    }

    fn close_matches(&self, wanted: &str) -> Vec<String> {
        let mut scored: Vec<(usize, String)> = self
            .calendars
            .values()
            .filter_map(|c| {
                let code = c.code.as_str().to_lowercase();
                let name = c.name.to_lowercase();
                let distance = strsim::levenshtein(&code, wanted).min(strsim::levenshtein(&name, wanted));
                let related = code.starts_with(wanted) || (wanted.len() >= 3 && name.contains(wanted));
                // Two-letter codes are all within two edits of each other; be stricter there.
                let near = if wanted.len() <= 2 { 1 } else { 2 };
                (distance <= near || related).then(|| (distance, format!("{} ({})", c.code, c.name)))
            })
            .collect();
        scored.sort();
        scored.into_iter().take(6).map(|(_, s)| s).collect()
    }
}

/// The files that count, by name: a later file of the same name replaces an earlier one
/// before either is parsed, so a broken shipped copy cannot hide behind a fixed local one (or
/// the other way round).
pub(super) fn latest_by_name(files: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut by_name: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (file, text) in files {
        let name = file.rsplit(['/', '\\']).next().unwrap_or(&file).to_ascii_uppercase();
        by_name.insert(name, (file, text));
    }
    by_name.into_values().collect()
}

/// How many calendars a company calendar may build on in a row (ACME-PUNE on ACME on IN-MH
/// on IN): enough for any company, and a loop of parents is found well before.
const MAX_PARENTS: usize = 8;

/// Resolves `code` (its parent first) into `done`, unless it is there already.
fn resolve_into(
    code: &RegionCode,
    all: &BTreeMap<RegionCode, Region>,
    done: &mut BTreeMap<RegionCode, Arc<RegionCalendar>>,
    depth: usize,
) -> Result<Arc<RegionCalendar>, Vec<FileError>> {
    if let Some(found) = done.get(code) {
        return Ok(found.clone());
    }
    let region = &all[code];
    let at = |line: usize, message: String| FileError { file: region.file.clone(), line, message };
    let parent = match &region.parent {
        None => None,
        Some(_) if depth >= MAX_PARENTS => {
            return Err(vec![at(
                1,
                format!("parent: more than {MAX_PARENTS} calendars in a row, or a loop of parents"),
            )])
        }
        Some(p) if !all.contains_key(p) => {
            return Err(vec![at(1, format!("parent region '{p}' has no calendar file"))]);
        }
        Some(p) => match resolve_into(p, all, done, depth + 1) {
            Ok(parent) => Some(parent),
            // The parent's own errors are reported with its file; say here only what it means.
            Err(_) if depth > 0 => return Err(Vec::new()),
            Err(_) => return Err(vec![at(1, format!("parent region '{p}' could not be loaded (see its errors)"))]),
        },
    };
    let calendar = Arc::new(resolve(region, parent.as_deref())?);
    done.insert(code.clone(), calendar.clone());
    Ok(calendar)
}

/// Merges a calendar with the one it builds on (a subdivision with its nation, a company
/// calendar with its parent), checking what the two files say about each other.
fn resolve(region: &Region, parent: Option<&RegionCalendar>) -> Result<RegionCalendar, Vec<FileError>> {
    let at = |line: usize, message: String| FileError { file: region.file.clone(), line, message };
    let own = region.events.iter().map(|e| Sourced { region: region.code.clone(), event: e.clone() });
    let Some(parent) = parent else {
        return Ok(RegionCalendar {
            code: region.code.clone(),
            name: region.name.clone(),
            // The file parser insists a calendar without a parent has a valid time zone.
            timezone: region.timezone.unwrap_or(Tz::UTC),
            weekend: region.weekend.clone().unwrap_or_else(|| vec![Weekday::Sat, Weekday::Sun]),
            parent: None,
            file: region.file.clone(),
            observed: region.observed.clone().unwrap_or_default(),
            events: own.collect(),
        });
    };
    let parent_code = &parent.code;
    let mut errors = Vec::new();
    for (id, line) in &region.remove {
        if !parent.events.iter().any(|e| &e.event.id == id) {
            errors.push(at(*line, format!("remove: '{parent_code}' has no event with id '{id}'")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let replaced = |id: &str| region.remove.iter().any(|(r, _)| r == id) || region.events.iter().any(|e| e.id == id);
    let inherited = parent.events.iter().filter(|e| !replaced(&e.event.id)).cloned();
    Ok(RegionCalendar {
        code: region.code.clone(),
        name: region.name.clone(),
        timezone: region.timezone.unwrap_or(parent.timezone),
        weekend: region.weekend.clone().unwrap_or_else(|| parent.weekend.clone()),
        parent: Some(parent_code.clone()),
        file: region.file.clone(),
        observed: region.observed.clone().unwrap_or_else(|| parent.observed.clone()),
        events: inherited.chain(own).collect(),
    })
}
