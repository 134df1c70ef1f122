//! Occurrences: the dated instances of events in one region, substitute days included.

use super::model::{Culture, Event, Given, Kind, Observed, RegionCode, Shift, Tone};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

/// Names one occurrence across restarts and instances, in the post ledger and in what people
/// reacted to: `IN:diwali:2026-11-08`, a substitute day ending in `:observed`. The text form is
/// what the store keeps, so it must read back as it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OccurrenceKey {
    pub region: RegionCode,
    /// The event's id in its calendar file (`milestone-12` for a team's own event).
    pub id: String,
    pub date: NaiveDate,
    pub observed: bool,
}

impl fmt::Display for OccurrenceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.region, self.id, self.date)?;
        if self.observed {
            f.write_str(":observed")?;
        }
        Ok(())
    }
}

/// Keys order as their text does (the order the ledger and listings have always had, where
/// `christmas-day` comes before `christmas`), not field by field.
impl Ord for OccurrenceKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for OccurrenceKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Text that is not an [`OccurrenceKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an occurrence key; expected REGION:EVENT:YYYY-MM-DD such as IN:diwali:2026-11-08")]
pub struct NotAnOccurrenceKey(pub String);

impl std::str::FromStr for OccurrenceKey {
    type Err = NotAnOccurrenceKey;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wrong = || NotAnOccurrenceKey(text.to_string());
        let (rest, observed) = match text.strip_suffix(":observed") {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        let mut parts = rest.splitn(3, ':');
        let (Some(region), Some(id), Some(date)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(wrong());
        };
        let region = if region == RegionCode::team().as_str() {
            RegionCode::team()
        } else {
            region.parse().map_err(|_| wrong())?
        };
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| wrong())?;
        if id.is_empty() || id.contains(':') {
            return Err(wrong());
        }
        Ok(OccurrenceKey { region, id: id.to_string(), date, observed })
    }
}

/// One dated event in one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    pub date: NaiveDate,
    pub name: String,
    /// The region whose calendar file defines the event (a nation or a subdivision).
    pub region: RegionCode,
    pub kind: Kind,
    /// True for a substitute day off given because the holiday fell on a weekend.
    pub observed: bool,
    /// For a substitute, the date of the holiday it replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_for: Option<NaiveDate>,
    /// The event's id in its calendar file.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub culture: Option<Arc<Culture>>,
    /// A computed moon-based date, not (yet) proclaimed: sighting or decree may move it. Its
    /// name ends in "(expected)", so every post and listing says so.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub expected: bool,
}

impl Occurrence {
    /// The key that names this occurrence across restarts and instances.
    pub fn key(&self) -> OccurrenceKey {
        OccurrenceKey { region: self.region.clone(), id: self.id.clone(), date: self.date, observed: self.observed }
    }

    /// Whether a channel may be told of it; `announce = false` keeps a day as a staffing fact.
    pub fn announced(&self) -> bool {
        self.culture.as_ref().is_none_or(|c| c.announce)
    }

    pub fn tone(&self) -> Tone {
        self.culture.as_ref().map(|c| c.tone).unwrap_or_default()
    }

    /// How widely the day off is given, when its calendar says.
    pub fn given(&self) -> Option<Given> {
        self.culture.as_ref().and_then(|c| c.given)
    }
}

/// Years in which an event's dates are unknown because its table ends (or starts) before
/// and no computed rule stands beside it: one per event and query, `year` to `until_year`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableGap {
    pub region: RegionCode,
    pub id: String,
    pub name: String,
    pub year: i32,
    pub until_year: i32,
    pub first: i32,
    pub last: i32,
}

impl fmt::Display for TableGap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let years = if self.year == self.until_year {
            self.year.to_string()
        } else {
            format!("{}-{}", self.year, self.until_year)
        };
        write!(
            f,
            "{} ({}): no date known for {years}; the table covers {}-{}",
            self.name, self.region, self.first, self.last
        )
    }
}

impl TableGap {
    /// The one warning line a query prints for all its gaps, or `None` when there are none.
    pub fn summary(gaps: &[TableGap]) -> Option<String> {
        let (first, rest) = gaps.split_first()?;
        Some(match rest.len() {
            0 => format!("{first}"),
            n => format!(
                "{first}; and {n} more event(s) past their tables: {}",
                rest.iter().map(|g| format!("{} ({})", g.name, g.region)).collect::<Vec<_>>().join(", ")
            ),
        })
    }
}

/// An event of a resolved calendar, with the region that defines it.
#[derive(Debug, Clone)]
pub(super) struct Sourced {
    pub region: RegionCode,
    pub event: Event,
}

/// What `expand` needs to know about the region being asked about.
pub(super) struct Week<'a> {
    pub weekend: &'a [Weekday],
    pub observed: &'a Observed,
}

impl Week<'_> {
    pub fn is_weekend(&self, date: NaiveDate) -> bool {
        self.weekend.contains(&date.weekday())
    }
}

/// All occurrences of `events` between `from` and `to` (inclusive), sorted by date, and the
/// table gaps met on the way.
pub(super) fn expand(
    events: &[Sourced],
    week: &Week,
    from: NaiveDate,
    to: NaiveDate,
) -> (Vec<Occurrence>, Vec<TableGap>) {
    let mut gaps = Vec::new();
    let mut actual = Vec::new();
    // One year either side: a substitute or a second day can cross New Year.
    for year in from.year() - 1..=to.year() + 1 {
        for s in events {
            let event = &s.event;
            if !event.active_in(year) {
                continue;
            }
            if year >= from.year() && year <= to.year() {
                if let Some(gap) = gap(s, year) {
                    match gaps.iter_mut().find(|g: &&mut TableGap| g.region == gap.region && g.id == gap.id) {
                        Some(known) => known.until_year = year,
                        None => gaps.push(gap),
                    }
                }
            }
            let expected = !event.moved.contains_key(&year) && event.rule.is_estimate_in(year);
            for start in start_dates(event, year) {
                for day in 0..event.days {
                    let name = occurrence_name(&event.name, day, expected);
                    actual.push(Occurrence {
                        date: start + Duration::days(i64::from(day)),
                        name,
                        region: s.region.clone(),
                        kind: event.kind,
                        observed: false,
                        observed_for: None,
                        id: event.id.clone(),
                        culture: event.culture.clone(),
                        expected,
                    });
                }
            }
        }
    }
    actual.sort_by(|a, b| (a.date, a.kind, &a.name).cmp(&(b.date, b.kind, &b.name)));
    let substitutes = substitutes(&actual, events, week);
    let mut all: Vec<Occurrence> =
        actual.into_iter().chain(substitutes).filter(|o| o.date >= from && o.date <= to).collect();
    all.sort_by(|a, b| (a.date, a.observed, a.kind, &a.name).cmp(&(b.date, b.observed, b.kind, &b.name)));
    (all, gaps)
}

/// "Diwali", "Chinese New Year (day 2)", "Diwali (expected)", "Hari Raya Haji (day 2,
/// expected)"; a name that already says "(expected)" is left as it is.
fn occurrence_name(name: &str, day: u32, expected: bool) -> String {
    let expected = expected && !name.contains("(expected)");
    match (day, expected) {
        (0, false) => name.to_string(),
        (0, true) => format!("{name} (expected)"),
        (_, false) => format!("{name} (day {})", day + 1),
        (_, true) => format!("{name} (day {}, expected)", day + 1),
    }
}

fn start_dates(event: &Event, year: i32) -> Vec<NaiveDate> {
    if let Some(&(month, day)) = event.moved.get(&year) {
        return NaiveDate::from_ymd_opt(year, month, day).into_iter().collect();
    }
    event.rule.dates_in(year)
}

fn gap(s: &Sourced, year: i32) -> Option<TableGap> {
    let (first, last) = s.event.rule.table_years()?;
    // A table of a single year is a one-off (a state funeral), not a gap elsewhere.
    let outside = (year > last && s.event.until.is_none()) || (year < first && s.event.since.is_none());
    (first != last && outside && !s.event.moved.contains_key(&year)).then(|| TableGap {
        region: s.region.clone(),
        id: s.event.id.clone(),
        name: s.event.name.clone(),
        year,
        until_year: year,
        first,
        last,
    })
}

/// Substitute days for days off on a weekend, in date order so that a cascade (Christmas and
/// Boxing Day both on a weekend) fills the first free days in turn.
fn substitutes(actual: &[Occurrence], events: &[Sourced], week: &Week) -> Vec<Occurrence> {
    let mut taken: HashSet<NaiveDate> = actual.iter().filter(|o| o.kind.is_day_off()).map(|o| o.date).collect();
    let mut out = Vec::new();
    for o in actual.iter().filter(|o| o.kind.is_day_off() && week.is_weekend(o.date)) {
        let Some(source) = events.iter().find(|s| s.event.id == o.id && s.region == o.region) else { continue };
        let policy = source.event.observed.as_ref().unwrap_or(week.observed);
        let Some(shift) = policy.shift_for(o.date.weekday()) else { continue };
        let step = match shift {
            Shift::Next => Duration::days(1),
            Shift::Previous => Duration::days(-1),
        };
        let mut date = o.date + step;
        // A week of consecutive holidays is the most any calendar has; stop rather than loop.
        for _ in 0..14 {
            if !week.is_weekend(date) && !taken.contains(&date) {
                break;
            }
            date += step;
        }
        taken.insert(date);
        out.push(Occurrence {
            date,
            name: format!("{} (observed)", o.name),
            observed: true,
            observed_for: Some(o.date),
            ..o.clone()
        });
    }
    out
}
