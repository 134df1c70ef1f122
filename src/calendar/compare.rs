//! How an event's computed dates agree with its proclaimed table: per event, the table years
//! where the computed date is exact, one day off, or further; `calendars check --compare`
//! prints it and the lunar tests hold each family of calendars to its standard.

use super::library::Library;
use super::lunar::Family;
use super::model::RegionCode;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// One event's agreement with its table over the years compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub region: RegionCode,
    pub id: String,
    pub name: String,
    #[serde(serialize_with = "family_name")]
    pub family: Family,
    /// The computed rule as written.
    pub rule: String,
    pub exact: u32,
    pub one_day_off: u32,
    pub other: u32,
    /// The table dates that were not matched exactly, with the nearest computed date.
    pub misses: Vec<(NaiveDate, Option<NaiveDate>)>,
}

fn family_name<S: serde::Serializer>(family: &Family, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(family.as_str())
}

impl Comparison {
    pub fn years(&self) -> u32 {
        self.exact + self.one_day_off + self.other
    }

    /// The share of table years matched exactly, 0.0 to 1.0.
    pub fn exact_share(&self) -> f64 {
        f64::from(self.exact) / f64::from(self.years().max(1))
    }
}

/// Every event of `library` with both a table and a computed rule, compared over the table
/// dates from `first` to `last` (years, inclusive); in region then file order. An event a
/// subdivision inherits is compared once, in the calendar that defines it.
pub fn compare(library: &Library, first: i32, last: i32) -> Vec<Comparison> {
    let mut out = Vec::new();
    for calendar in library.regions() {
        for event in calendar.own_events() {
            let (Some(table), Some(computed)) = (event.rule.table(), event.rule.computed()) else { continue };
            let mut row = Comparison {
                region: calendar.code.clone(),
                id: event.id.clone(),
                name: event.name.clone(),
                family: computed.family(),
                rule: computed.to_string(),
                exact: 0,
                one_day_off: 0,
                other: 0,
                misses: Vec::new(),
            };
            for &proclaimed in table.iter().filter(|d| (first..=last).contains(&d.year())) {
                let year = proclaimed.year();
                // A date near New Year may be computed into the neighbouring year.
                let nearest = (year - 1..=year + 1)
                    .flat_map(|y| computed.dates_in(y))
                    .min_by_key(|d| (*d - proclaimed).num_days().abs());
                match nearest.map(|d| (d - proclaimed).num_days().abs()) {
                    Some(0) => row.exact += 1,
                    Some(1) => {
                        row.one_day_off += 1;
                        row.misses.push((proclaimed, nearest));
                    }
                    _ => {
                        row.other += 1;
                        row.misses.push((proclaimed, nearest));
                    }
                }
            }
            if row.years() > 0 {
                out.push(row);
            }
        }
    }
    out
}
