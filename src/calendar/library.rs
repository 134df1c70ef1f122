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

    pub fn event_count(&self) -> usize {
        self.events.len()
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
    /// replaces an earlier one, so HR's folder can override what is shipped.
    pub fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Library, CalendarError> {
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
        for region in regions.values() {
            match resolve(region, &regions) {
                Ok(calendar) => {
                    calendars.insert(region.code.clone(), Arc::new(calendar));
                }
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() {
            Ok(Library { calendars })
        } else {
            Err(CalendarError::Files(errors))
        }
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

/// Merges a subdivision with its nation, checking what the two files say about each other.
fn resolve(region: &Region, all: &BTreeMap<RegionCode, Region>) -> Result<RegionCalendar, Vec<FileError>> {
    let at = |line: usize, message: String| FileError { file: region.file.clone(), line, message };
    let own = region.events.iter().map(|e| Sourced { region: region.code.clone(), event: e.clone() });
    let Some(parent_code) = &region.parent else {
        return Ok(RegionCalendar {
            code: region.code.clone(),
            name: region.name.clone(),
            // The file parser insists a nation has a valid time zone.
            timezone: region.timezone.unwrap_or(Tz::UTC),
            weekend: region.weekend.clone().unwrap_or_else(|| vec![Weekday::Sat, Weekday::Sun]),
            observed: region.observed.clone().unwrap_or_default(),
            events: own.collect(),
        });
    };
    let Some(parent) = all.get(parent_code) else {
        return Err(vec![at(1, format!("parent region '{parent_code}' has no calendar file"))]);
    };
    let mut errors = Vec::new();
    for (id, line) in &region.remove {
        if !parent.events.iter().any(|e| &e.id == id) {
            errors.push(at(*line, format!("remove: '{parent_code}' has no event with id '{id}'")));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let replaced = |id: &str| region.remove.iter().any(|(r, _)| r == id) || region.events.iter().any(|e| e.id == id);
    let inherited = parent
        .events
        .iter()
        .filter(|e| !replaced(&e.id))
        .map(|e| Sourced { region: parent.code.clone(), event: e.clone() });
    Ok(RegionCalendar {
        code: region.code.clone(),
        name: region.name.clone(),
        timezone: region.timezone.or(parent.timezone).unwrap_or(Tz::UTC),
        weekend: region
            .weekend
            .clone()
            .or_else(|| parent.weekend.clone())
            .unwrap_or_else(|| vec![Weekday::Sat, Weekday::Sun]),
        observed: region.observed.clone().or_else(|| parent.observed.clone()).unwrap_or_default(),
        events: inherited.chain(own).collect(),
    })
}
