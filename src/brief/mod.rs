//! Daily briefs: what a channel's customers are living through, posted each working morning at
//! the channel's brief time so that agents and their leads start the day knowing it.
//!
//! The core here is pure: it takes calendars, the team's shifts, the events managers added and
//! any headlines already fetched, and returns a [`Brief`]. The rules it keeps:
//!
//! - **Window.** The brief's date and the 7 days after it, read in each customer region's own
//!   calendar: public and bank holidays (substitute days included), optional holidays,
//!   festivals and observances with their culture notes, the dates managers added for a
//!   region (`/brief event add`) and the team's milestones. The same event in several regions
//!   is one entry naming them all (Christmas Day: AU, GB, US).
//! - **Long weekends.** Three or more days off in a row in a region (weekend days and days off,
//!   substitutes included), at least one of them a holiday, that touch the window.
//! - **Business hours.** Each region's current or next business period — its business hours
//!   (09:00-17:00 unless `meridian.toml` says otherwise) on its working days, never on its
//!   weekend or a day off — in its own clock and the channel's, with the time the team's
//!   shifts (members' working hours, each in their own zone) overlap it.
//! - **Clock changes.** A daylight-saving change in a customer region's zone or the channel's,
//!   on the brief's date or in the next 7 days, that moves the region's opening time on the
//!   channel's clock: when, by how much, where the opening falls afterwards, and what it does
//!   to the team's overlap. A change both zones make together moves nothing and is not said.
//! - **Quiet.** A brief with no entries, long weekends, clock changes or headlines is quiet: the
//!   channel posts one short line or nothing, as it chose, never an empty template.
//!
//! When a brief is due, and on which days, is [`schedule`]'s; the `/brief` grammar is
//! [`command`]'s; reading a feed is [`feed`]'s; the template context is [`message`]'s.

mod clocks;
pub mod command;
pub mod config;
mod days;
pub mod feed;
pub mod message;
pub mod schedule;

pub use clocks::{offset_changes, overlap, Changing, ClockChange, Overlap, RegionClock};
pub use command::{BriefCommand, BriefUsageError};
pub use config::BriefConfig;
pub use days::{Day, Entry, LongWeekend};

use crate::calendar::{Occurrence, RegionCalendar, RegionCode};
use crate::team::WorkingHours;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// How many days after the brief's date it looks ahead.
pub const AHEAD_DAYS: i64 = 7;

/// Which days a channel's brief is posted on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BriefDays {
    /// The channel's working days: not its team's weekend.
    #[default]
    Working,
    /// Every day, weekends included (a round-the-clock desk).
    Every,
}

/// What a quiet day posts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QuietDay {
    /// One short line saying so.
    #[default]
    Line,
    /// Nothing at all.
    Silent,
}

/// A channel's brief preferences beside its brief time and customer regions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BriefSettings {
    pub days: BriefDays,
    pub quiet: QuietDay,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{given}' is not one of {expected}")]
pub struct ChoiceError {
    pub given: String,
    pub expected: &'static str,
}

impl BriefDays {
    pub fn as_str(self) -> &'static str {
        match self {
            BriefDays::Working => "working",
            BriefDays::Every => "every",
        }
    }
}

impl FromStr for BriefDays {
    type Err = ChoiceError;

    /// `working` (or `weekdays`), `every` (or `all`, `daily`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "working" | "weekdays" | "workdays" => Ok(BriefDays::Working),
            "every" | "all" | "daily" => Ok(BriefDays::Every),
            _ => Err(ChoiceError { given: text.to_string(), expected: "working or every" }),
        }
    }
}

impl fmt::Display for BriefDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl QuietDay {
    pub fn as_str(self) -> &'static str {
        match self {
            QuietDay::Line => "line",
            QuietDay::Silent => "silent",
        }
    }
}

impl FromStr for QuietDay {
    type Err = ChoiceError;

    /// `line`, or `silent` (or `nothing`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "line" | "short" => Ok(QuietDay::Line),
            "silent" | "nothing" | "none" => Ok(QuietDay::Silent),
            _ => Err(ChoiceError { given: text.to_string(), expected: "line or silent" }),
        }
    }
}

impl fmt::Display for QuietDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A date a manager added for a customer region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerEvent {
    pub id: i64,
    pub region: RegionCode,
    pub date: NaiveDate,
    pub name: String,
}

/// A news item from a region's feed, already cleaned and capped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headline {
    pub region: RegionCode,
    pub title: String,
    /// An http(s) link, when the item has one.
    pub link: Option<String>,
    /// Names the item across days, for not showing it twice.
    pub key: String,
}

/// Everything a brief is made of.
pub struct BriefInput<'a> {
    /// The brief's date, in the channel's zone.
    pub date: NaiveDate,
    /// When it is posted (or would be): local times are read at this instant.
    pub at: DateTime<Utc>,
    pub channel_tz: Tz,
    /// The customer regions, in the channel's order.
    pub regions: &'a [Arc<RegionCalendar>],
    /// A region's business hours, in its own clock.
    pub business_hours: WorkingHours,
    /// The team's shifts: each member's zone and working hours.
    pub team: &'a [(Tz, WorkingHours)],
    pub events: &'a [CustomerEvent],
    /// The team's milestones in the window.
    pub milestones: &'a [Occurrence],
    pub headlines: Vec<Headline>,
}

/// A channel's brief for one date.
#[derive(Debug, Clone)]
pub struct Brief {
    pub date: NaiveDate,
    pub at: DateTime<Utc>,
    pub channel_tz: Tz,
    pub regions: Vec<RegionCode>,
    /// Each region's time and business hours, in the channel's order.
    pub clocks: Vec<RegionClock>,
    /// Days of the window with something on them, in order.
    pub days: Vec<Day>,
    pub long_weekends: Vec<LongWeekend>,
    pub clock_changes: Vec<ClockChange>,
    pub headlines: Vec<Headline>,
}

impl Brief {
    /// Nothing to tell beyond the time of day: the channel posts its quiet-day line, or nothing.
    pub fn is_quiet(&self) -> bool {
        self.days.is_empty()
            && self.long_weekends.is_empty()
            && self.clock_changes.is_empty()
            && self.headlines.is_empty()
    }

    /// The last date the brief looks at.
    pub fn last_date(&self) -> NaiveDate {
        last_date(self.date)
    }
}

/// The last date of the window that starts on `date`.
pub fn last_date(date: NaiveDate) -> NaiveDate {
    date.checked_add_signed(Duration::days(AHEAD_DAYS)).unwrap_or(date)
}

/// A channel's brief for `input.date`.
pub fn compose(input: BriefInput<'_>) -> Brief {
    let last = last_date(input.date);
    let days = days::days(input.date, last, input.regions, input.events, input.milestones);
    let long_weekends = days::long_weekends(input.date, last, input.regions);
    let clocks =
        input.regions.iter().map(|r| clocks::region_clock(r, input.at, input.business_hours, input.team)).collect();
    let clock_changes =
        clocks::clock_changes(input.date, last, input.regions, input.business_hours, input.channel_tz, input.team);
    Brief {
        date: input.date,
        at: input.at,
        channel_tz: input.channel_tz,
        regions: input.regions.iter().map(|r| r.code.clone()).collect(),
        clocks,
        days,
        long_weekends,
        clock_changes,
        headlines: input.headlines,
    }
}
