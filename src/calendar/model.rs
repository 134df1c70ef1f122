//! The calendar's nouns: regions, events, kinds of day, culture notes and substitute rules.

use super::rule::Rule;
use chrono::Weekday;
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// An ISO 3166 region: a nation (`IN`) or a subdivision of one (`IN-MH`), always upper case.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a region code; expected an ISO code such as IN, US or a subdivision such as AU-NSW")]
pub struct RegionCodeError(pub String);

impl RegionCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The pseudo-region of a team's own milestones and custom events.
    pub fn team() -> Self {
        RegionCode("TEAM".to_string())
    }

    pub fn is_team(&self) -> bool {
        self.0 == "TEAM"
    }

    /// Stands in for a code that failed to parse while the rest of a file is checked.
    pub(super) fn unknown() -> Self {
        RegionCode("??".to_string())
    }

    /// The nation of a subdivision (`AU` for `AU-NSW`), `None` for a nation.
    pub fn nation(&self) -> Option<RegionCode> {
        self.0.split_once('-').map(|(n, _)| RegionCode(n.to_string()))
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let upper = text.trim().to_ascii_uppercase();
        let (nation, sub) = match upper.split_once('-') {
            Some((n, s)) => (n, Some(s)),
            None => (upper.as_str(), None),
        };
        let nation_ok = nation.len() == 2 && nation.bytes().all(|b| b.is_ascii_uppercase());
        let sub_ok = sub.is_none_or(|s| (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
        if nation_ok && sub_ok {
            Ok(RegionCode(upper))
        } else {
            Err(RegionCodeError(text.to_string()))
        }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of day an event is; only `Public` and `Bank` are days off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Public,
    Bank,
    Optional,
    Observance,
    Festival,
    Milestone,
}

impl Kind {
    pub const ALL: [Kind; 6] =
        [Kind::Public, Kind::Bank, Kind::Optional, Kind::Observance, Kind::Festival, Kind::Milestone];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Public => "public",
            Kind::Bank => "bank",
            Kind::Optional => "optional",
            Kind::Observance => "observance",
            Kind::Festival => "festival",
            Kind::Milestone => "milestone",
        }
    }

    /// Whether people are off work on such a day (and a weekend one earns a substitute).
    pub fn is_day_off(self) -> bool {
        matches!(self, Kind::Public | Kind::Bank)
    }
}

impl FromStr for Kind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        Kind::ALL.into_iter().find(|k| k.as_str() == lower).ok_or_else(|| {
            format!("'{text}' is not a kind; expected one of public, bank, optional, observance, festival, milestone")
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a day off that falls on a weekend day moves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    /// The next day that is neither a weekend day nor another holiday.
    Next,
    /// The previous such day.
    Previous,
}

/// A substitute-day policy: for each weekend day, where its holiday moves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed(pub BTreeMap<u32, Shift>);

impl Observed {
    pub fn none() -> Self {
        Observed::default()
    }

    pub fn with(mut self, day: Weekday, shift: Shift) -> Self {
        self.0.insert(day.num_days_from_monday(), shift);
        self
    }

    pub fn shift_for(&self, day: Weekday) -> Option<Shift> {
        self.0.get(&day.num_days_from_monday()).copied()
    }
}

/// A short note that helps colleagues elsewhere understand and greet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Culture {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
}

impl Culture {
    pub fn is_empty(&self) -> bool {
        self.about.is_none() && self.greeting.is_none() && self.expect.is_none() && self.emoji.is_none()
    }
}

/// One named event of a region's calendar and how to find its dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub kind: Kind,
    pub rule: Rule,
    pub since: Option<i32>,
    pub until: Option<i32>,
    /// Consecutive days, counting the first (Chinese New Year is 2 in Singapore).
    pub days: u32,
    /// `None` inherits the region's policy.
    pub observed: Option<Observed>,
    /// One-off moves: year -> (month, day).
    pub moved: BTreeMap<i32, (u32, u32)>,
    pub cancelled: Vec<i32>,
    pub culture: Option<Arc<Culture>>,
    /// Where the event was written, for messages about it.
    pub line: usize,
}

impl Event {
    pub fn active_in(&self, year: i32) -> bool {
        self.since.is_none_or(|s| year >= s) && self.until.is_none_or(|u| year <= u) && !self.cancelled.contains(&year)
    }
}

/// A region as written in its file, before a subdivision is merged with its nation.
#[derive(Debug, Clone)]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub parent: Option<RegionCode>,
    /// `None` in a subdivision inherits the parent's.
    pub timezone: Option<Tz>,
    pub weekend: Option<Vec<Weekday>>,
    pub observed: Option<Observed>,
    pub sources: Vec<String>,
    /// Parent event ids that do not apply here, with the line that says so.
    pub remove: Vec<(String, usize)>,
    pub events: Vec<Event>,
    /// The file it came from, for messages about it.
    pub file: String,
}
