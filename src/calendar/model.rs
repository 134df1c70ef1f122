//! The calendar's nouns: regions, events, kinds of day, culture notes and substitute rules.

use super::rule::Rule;
use chrono::Weekday;
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A calendar's code: an ISO 3166 region, a nation (`IN`) or a subdivision of one (`IN-MH`),
/// or a company's own calendar with a code of HR's choosing (`ACME`, `ACME-PUNE`); always upper
/// case. A company code's first part has at least three characters, so it never reads as a
/// country.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct RegionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a region code; expected an ISO code such as IN, US or a subdivision such as AU-NSW, or a company calendar's code such as ACME-PUNE")]
pub struct RegionCodeError(pub String);

/// The longest company calendar code, dashes included.
pub const MAX_COMPANY_CODE: usize = 32;

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

    /// A company's own calendar (`ACME-PUNE`) rather than an ISO region.
    pub fn is_company(&self) -> bool {
        self.0.split('-').next().is_some_and(|first| first.len() != 2)
    }

    /// The nation of a subdivision (`AU` for `AU-NSW`), `None` for a nation or a company
    /// calendar.
    pub fn nation(&self) -> Option<RegionCode> {
        if self.is_company() {
            return None;
        }
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
        if (nation_ok && sub_ok) || is_company_code(&upper) {
            Ok(RegionCode(upper))
        } else {
            Err(RegionCodeError(text.to_string()))
        }
    }
}

/// `ACME`, `ACME-PUNE`, `BPO1-MNL-NIGHT`: parts of letters and digits joined by single dashes,
/// the first starting with a letter and at least three long (two letters are a country), at
/// most [`MAX_COMPANY_CODE`] in all. `TEAM` names the team's own milestones and is taken.
fn is_company_code(upper: &str) -> bool {
    let mut parts = upper.split('-');
    let first_ok =
        parts.next().is_some_and(|p| p.len() >= 3 && p.bytes().next().is_some_and(|b| b.is_ascii_uppercase()));
    let all_ok =
        upper.split('-').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    first_ok && all_ok && upper.len() <= MAX_COMPANY_CODE && upper != "TEAM"
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

/// How an event is spoken of in a channel: a festive day is greeted, a solemn one (Good
/// Friday, Anzac Day, Ashura, a day of remembrance) is not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    #[default]
    Normal,
    /// No greeting, no party emoji; the note says it is a day of reflection.
    Solemn,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Normal => "normal",
            Tone::Solemn => "solemn",
        }
    }

    fn is_normal(&self) -> bool {
        *self == Tone::Normal
    }
}

impl FromStr for Tone {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(Tone::Normal),
            "solemn" => Ok(Tone::Solemn),
            _ => Err(format!("tone: '{text}' is not a tone; expected \"solemn\" (or \"normal\", the default)")),
        }
    }
}

/// How widely a public or bank holiday is given as a day off: whether "colleagues there will
/// be off" is true of a contact centre's staff, or only of government offices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Given {
    /// Government offices (and usually banks) close; many private employers stay open.
    Government,
    /// Most employers give the day off, but it is not owed to everyone.
    Most,
    /// A day off (or paid in lieu) for every employee by law.
    All,
}

impl Given {
    pub const ALL: [Given; 3] = [Given::Government, Given::Most, Given::All];

    pub fn as_str(self) -> &'static str {
        match self {
            Given::Government => "government",
            Given::Most => "most",
            Given::All => "all",
        }
    }
}

impl FromStr for Given {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        Given::ALL
            .into_iter()
            .find(|g| g.as_str() == lower)
            .ok_or_else(|| format!("given: '{text}' is not a reach; expected \"government\", \"most\" or \"all\""))
    }
}

/// How an event is presented to colleagues elsewhere: the note that helps them understand and
/// greet, its tone, how widely the day off is given, and whether it is announced at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Culture {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub greeting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    #[serde(skip_serializing_if = "Tone::is_normal")]
    pub tone: Tone,
    /// `None`: not said; posts keep the plain "colleagues there will be off".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given: Option<Given>,
    /// False for a day kept as a staffing fact only: no reminder is ever posted for it.
    #[serde(skip_serializing_if = "is_true")]
    pub announce: bool,
}

fn is_true(value: &bool) -> bool {
    *value
}

impl Default for Culture {
    fn default() -> Self {
        Culture {
            about: None,
            greeting: None,
            expect: None,
            emoji: None,
            tone: Tone::Normal,
            given: None,
            announce: true,
        }
    }
}

impl Culture {
    /// True when it says nothing beyond the defaults, so the event needs no note at all.
    pub fn is_empty(&self) -> bool {
        *self == Culture::default()
    }
}

/// The lines of an event's note fields in its file, for messages about them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoteLines {
    pub about: Option<usize>,
    pub greeting: Option<usize>,
    pub expect: Option<usize>,
    pub emoji: Option<usize>,
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
    /// The ICS UID of an imported event, given back when it is exported.
    pub uid: Option<String>,
    /// Where the event was written, for messages about it.
    pub line: usize,
    /// Where each note field was written.
    pub note_lines: NoteLines,
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
