//! Members and their working lives: where each one is, which clock they keep, the hours they
//! work, who is off on a public holiday, and when everyone at work overlaps.
//!
//! Rules worth knowing:
//! - A member's clock is their own `timezone`, or else their region calendar's zone.
//! - Working hours whose end is at or before their start cross midnight (`21:00-06:00`: an
//!   offshore night shift aligned to US hours). A shift belongs to the local date it starts on.
//! - Wall-clock times are turned into instants by [`local_to_utc`]: a time inside a
//!   spring-forward gap moves to the first instant after the gap; a time repeated by a
//!   fall-back is taken on the pass the caller asks for. So a shift on a DST-change day is an
//!   hour shorter or longer, as the people working it experience.
//! - "Off" means a day-off occurrence (public or bank, observed substitutes included) in the
//!   member's region calendar on that date. Weekends are not counted: contact-centre rosters
//!   vary too much, and `whosoff` is a holiday heads-up, not a roster.
//! - Opted-out members are left out of every answer here, totals included.

use crate::calendar::{Library, RegionCode};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A member's settings could not be understood; each message says what was given and what to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    #[error("'{given}' does not read as working hours: {reason}; expected HH:MM-HH:MM such as 09:00-18:00 (or 21:00-06:00 for a night shift)")]
    Hours { given: String, reason: String },
    #[error("'{given}' is not a time zone; {}", suggest_zones(suggestions))]
    TimeZone { given: String, suggestions: Vec<String> },
}

fn suggest_zones(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        "expected an IANA name such as Asia/Kolkata, America/New_York or Europe/London".to_string()
    } else {
        format!("did you mean {}?", suggestions.join(", "))
    }
}

/// Parses an IANA time zone name as a person types it (case does not matter), suggesting
/// near misses: `asia/calcutta` works, `Asia/Kolkatta` suggests `Asia/Kolkata`.
pub fn parse_timezone(given: &str) -> Result<Tz, TeamError> {
    let trimmed = given.trim();
    if let Ok(tz) = trimmed.parse::<Tz>() {
        return Ok(tz);
    }
    if let Some(tz) = chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(trimmed)) {
        return Ok(*tz);
    }
    let wanted = trimmed.to_lowercase().replace(' ', "_");
    let mut scored: Vec<(usize, &str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter_map(|name| {
            let lower = name.to_lowercase();
            let city = lower.rsplit('/').next().unwrap_or(&lower);
            let distance = strsim::levenshtein(&lower, &wanted).min(strsim::levenshtein(city, &wanted));
            (distance <= 2 || (wanted.len() >= 4 && lower.contains(&wanted))).then_some((distance, name))
        })
        .collect();
    scored.sort();
    Err(TeamError::TimeZone {
        given: given.to_string(),
        suggestions: scored.into_iter().take(5).map(|(_, n)| n.to_string()).collect(),
    })
}

/// Which pass to take when a wall-clock time happens twice (a fall-back hour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fold {
    Earlier,
    Later,
}

/// The instant a wall-clock time in `tz` names. A time that does not exist (skipped by a
/// spring-forward) becomes the first instant after the gap: at 02:30 on the night New York
/// jumps from 02:00 to 03:00, that is 03:00 EDT. A time that exists twice takes `fold`.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime, fold: Fold) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(earlier, later) => match fold {
            Fold::Earlier => earlier.with_timezone(&Utc),
            Fold::Later => later.with_timezone(&Utc),
        },
        chrono::LocalResult::None => first_instant_after_gap(tz, local),
    }
}

/// The first instant whose wall-clock reading in `tz` is past `local`, which lies in a gap.
/// chrono-tz does not expose transitions, so this searches: every UTC offset is within ±26h,
/// so the reading is before `local` 27 hours earlier and after it 27 hours later, and no zone
/// changes its clock twice in two days, so the reading only moves forward in between.
fn first_instant_after_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let reading = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| tz.from_utc_datetime(&t.naive_utc()));
    let centre = local.and_utc().timestamp();
    let (mut before, mut after) = (centre - 27 * 3600, centre + 27 * 3600);
    while after - before > 1 {
        let mid = before + (after - before) / 2;
        match reading(mid) {
            Some(t) if t.naive_local() > local => after = mid,
            _ => before = mid,
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or_else(|| local.and_utc())
}

/// The hours a member works, in their own clock. `end <= start` means the shift ends the next
/// day (`21:00-06:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WorkingHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl WorkingHours {
    /// Whether the shift ends on the day after it starts.
    pub fn crosses_midnight(&self) -> bool {
        self.end <= self.start
    }

    /// The shift that starts on the local `date` in `tz`, as UTC instants. On a DST-change
    /// day it is an hour shorter or longer than usual; a start repeated by a fall-back is taken
    /// at its first pass and an end at its second, so the shift covers all it can.
    pub fn shift_on(&self, date: NaiveDate, tz: Tz) -> Interval {
        let end_date = if self.crosses_midnight() { date.succ_opt().unwrap_or(date) } else { date };
        Interval {
            start: local_to_utc(tz, date.and_time(self.start), Fold::Earlier),
            end: local_to_utc(tz, end_date.and_time(self.end), Fold::Later),
        }
    }
}

impl FromStr for WorkingHours {
    type Err = TeamError;

    /// `09:00-18:00`, `9:00 - 18:00`, `21:00-06:00`, `18:00-24:00` (24:00 is midnight at the end).
    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| TeamError::Hours { given: given.to_string(), reason: reason.to_string() };
        // People paste en and em dashes from documents as often as they type hyphens.
        let normalised = given.trim().replace(['–', '—'], "-");
        let (start, end) = normalised.split_once('-').ok_or_else(|| fail("there is no '-' between start and end"))?;
        let start = parse_clock(start.trim(), false).map_err(|r| fail(&format!("start {r}")))?;
        let end = parse_clock(end.trim(), true).map_err(|r| fail(&format!("end {r}")))?;
        if start == end {
            return Err(fail("start and end are the same; a shift needs a length"));
        }
        Ok(WorkingHours { start, end })
    }
}

fn parse_clock(text: &str, is_end: bool) -> Result<NaiveTime, String> {
    let bad = || format!("'{text}' is not a time of day");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let valid = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !valid(h) || m.len() != 2 || !valid(m) {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if is_end && h == 24 && m == 0 {
        return Ok(NaiveTime::MIN);
    }
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)
}

impl fmt::Display for WorkingHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// A span of time between two instants, `start` included and `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }

    /// The part of both, if they share any time at all.
    pub fn intersect(&self, other: &Interval) -> Option<Interval> {
        let (start, end) = (self.start.max(other.start), self.end.min(other.end));
        (start < end).then_some(Interval { start, end })
    }
}

impl Interval {
    /// `13:30-15:00 in Manila (UTC+8)`-style reading in `tz`: `21:30-23:00`, or `22:00-02:00+1`
    /// when it ends on a later local day.
    pub fn local(&self, tz: Tz) -> String {
        let (start, end) = (self.start.with_timezone(&tz), self.end.with_timezone(&tz));
        let days = (end.date_naive() - start.date_naive()).num_days();
        let later = if days > 0 { format!("+{days}") } else { String::new() };
        format!("{}-{}{later}", start.format("%H:%M"), end.format("%H:%M"))
    }
}

/// How many of the shifts are at work in each hour of a local day, as runs of hours with the
/// same count: `(first hour, hour after the last, people)`. For round-the-clock teams, whose
/// shifts have no hour in common, this is what coverage means.
pub fn coverage_by_hour(date: NaiveDate, tz: Tz, shifts: &[(Tz, WorkingHours)]) -> Vec<(u32, u32, usize)> {
    // A night shift that began yesterday still covers this morning.
    let intervals: Vec<Vec<Interval>> = shifts
        .iter()
        .map(|(zone, hours)| {
            [date.pred_opt(), Some(date), date.succ_opt()]
                .into_iter()
                .flatten()
                .map(|d| hours.shift_on(d, *zone))
                .collect()
        })
        .collect();
    let mut runs: Vec<(u32, u32, usize)> = Vec::new();
    for hour in 0..24 {
        let start = local_to_utc(tz, date.and_hms_opt(hour, 0, 0).unwrap_or_default(), Fold::Earlier);
        let slot = Interval { start, end: start + Duration::hours(1) };
        let count = intervals.iter().filter(|shifts| shifts.iter().any(|s| s.intersect(&slot).is_some())).count();
        match runs.last_mut() {
            Some((_, end, c)) if *c == count => *end = hour + 1,
            _ => runs.push((hour, hour + 1, count)),
        }
    }
    runs
}

impl fmt::Display for Interval {
    /// `13:30-15:00 UTC`, or `22:00-02:00+1 UTC` when it ends on a later UTC day.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = (self.end.date_naive() - self.start.date_naive()).num_days();
        let later = if days > 0 { format!("+{days}") } else { String::new() };
        write!(f, "{}-{}{later} UTC", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// What a member has told the bot about themselves (`/meridian me region:IN-KA
/// tz:Asia/Kolkata hours:09:00-18:00`, or HR's members CSV): the one profile the store keeps
/// and the team's rules read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberProfile {
    /// The nation they work in (`IN`).
    pub region: Option<RegionCode>,
    /// The subdivision within it, when known (`IN-KA`).
    pub subdivision: Option<RegionCode>,
    /// The company calendar HR gave them (`ACME-PUNE`): when set, whose days off they get
    /// (the company decides which of the region's holidays it gives).
    pub calendar: Option<RegionCode>,
    /// `None` uses the region calendar's zone.
    pub timezone: Option<Tz>,
    pub working_hours: Option<WorkingHours>,
    /// Asked not to be mentioned, nudged, or shown in who-is-off and coverage answers.
    pub opted_out: bool,
}

impl MemberProfile {
    /// Where they work, as precisely as known: the subdivision (`IN-KA`), else the nation.
    pub fn home(&self) -> Option<&RegionCode> {
        self.subdivision.as_ref().or(self.region.as_ref())
    }

    /// The calendar whose days off the member gets: their company's where HR set one, else
    /// their region's.
    pub fn days_off_calendar(&self) -> Option<&RegionCode> {
        self.calendar.as_ref().or(self.home())
    }

    /// The member's clock: their own zone, or else their region calendar's.
    pub fn timezone_in(&self, library: &Library) -> Option<Tz> {
        let calendar = |code: Option<&RegionCode>| code.and_then(|r| library.get(r)).map(|c| c.timezone);
        self.timezone.or_else(|| calendar(self.home())).or_else(|| calendar(self.calendar.as_ref()))
    }
}

/// A member as the team's answers name them: who, and their profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Teammate {
    /// The platform's user id.
    pub user_id: String,
    pub display_name: String,
    pub profile: MemberProfile,
}

impl Teammate {
    /// A member known only by id and name; the rest is set with `/meridian me`.
    pub fn new(user_id: impl Into<String>, display_name: impl Into<String>) -> Self {
        Teammate { user_id: user_id.into(), display_name: display_name.into(), profile: MemberProfile::default() }
    }
}

/// Who is on a public holiday on a date, grouped by the region whose calendar says so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WhosOff {
    /// Regions with at least one member off, by region code.
    pub by_region: Vec<RegionOff>,
    /// Members whose region is not set or not known, so nobody can say; by name.
    pub unknown_region: Vec<String>,
}

impl WhosOff {
    /// Whether the member with this user id is off.
    pub fn is_off(&self, user_id: &str) -> bool {
        self.by_region.iter().any(|r| r.members.iter().any(|m| m.user_id == user_id))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionOff {
    pub region: RegionCode,
    pub region_name: String,
    /// Members off, by name.
    pub members: Vec<MemberOff>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberOff {
    pub user_id: String,
    pub display_name: String,
    /// The holiday's name; two on one day are joined ("Christmas Day, Boxing Day (observed)").
    pub occasion: String,
    /// The calendars that define those holidays (India's Diwali is `IN` for a member on a
    /// company calendar built on India's), so a reminder of one names the right people.
    pub defined_by: Vec<RegionCode>,
}

/// Which members are on a public or bank holiday (substitute days included) on `date`, read
/// as each member's own local date: of their company calendar where HR set one, else of their
/// region.
pub fn whos_off(date: NaiveDate, members: &[Teammate], library: &Library) -> WhosOff {
    let mut by_region: BTreeMap<RegionCode, RegionOff> = BTreeMap::new();
    let mut unknown_region = Vec::new();
    for member in members.iter().filter(|m| !m.profile.opted_out) {
        let Some(calendar) = member.profile.days_off_calendar().and_then(|r| library.get(r)) else {
            unknown_region.push(member.display_name.clone());
            continue;
        };
        let (occurrences, _) = calendar.occurrences(date, date);
        let days_off: Vec<_> = occurrences.iter().filter(|o| o.kind.is_day_off()).collect();
        if days_off.is_empty() {
            continue;
        }
        let names: Vec<&str> = days_off.iter().map(|o| o.name.as_str()).collect();
        let mut defined_by: Vec<RegionCode> = days_off.iter().map(|o| o.region.clone()).collect();
        defined_by.sort();
        defined_by.dedup();
        by_region
            .entry(calendar.code.clone())
            .or_insert_with(|| RegionOff {
                region: calendar.code.clone(),
                region_name: calendar.name.clone(),
                members: Vec::new(),
            })
            .members
            .push(MemberOff {
                user_id: member.user_id.clone(),
                display_name: member.display_name.clone(),
                occasion: names.join(", "),
                defined_by,
            });
    }
    let mut by_region: Vec<RegionOff> = by_region.into_values().collect();
    for region in &mut by_region {
        region.members.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    }
    unknown_region.sort();
    WhosOff { by_region, unknown_region }
}

/// The time when every one of `shifts` (a zone and its working hours) is at work, for the
/// shifts that start on each one's local `date`. One shift each, so at most one interval;
/// `None` when they never meet or no shift is given.
pub fn overlap(date: NaiveDate, shifts: &[(Tz, WorkingHours)]) -> Option<Interval> {
    let mut shifts = shifts.iter().map(|(tz, hours)| hours.shift_on(date, *tz));
    let first = shifts.next()?;
    shifts.try_fold(first, |common, shift| common.intersect(&shift))
}

/// What `/meridian whosoff` shows a manager: who is off, how many are in, and the window when
/// all of those in (whose hours are known) are at work together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub date: NaiveDate,
    pub off: WhosOff,
    /// Members at work, by name (those whose region is unknown count as in).
    pub present: Vec<String>,
    /// Members counted: everyone not opted out.
    pub total: usize,
    /// When all present members with known hours and zone overlap.
    pub overlap: Option<Interval>,
    /// Present members left out of the overlap because their hours or zone are not set.
    pub hours_unknown: Vec<String>,
    /// The shifts of the present members with known hours and zone.
    pub shifts: Vec<(Tz, WorkingHours)>,
}

impl fmt::Display for Coverage {
    /// `3 of 5 in; overlap 13:30-15:00 UTC`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} in; ", self.present.len(), self.total)?;
        match &self.overlap {
            Some(window) => write!(f, "overlap {window}"),
            None => write!(f, "no overlap"),
        }
    }
}

/// Who is off on `date`, and the overlap of everyone else.
pub fn coverage(date: NaiveDate, members: &[Teammate], library: &Library) -> Coverage {
    let off = whos_off(date, members, library);
    let counted: Vec<&Teammate> = members.iter().filter(|m| !m.profile.opted_out).collect();
    let present: Vec<&Teammate> = counted.iter().copied().filter(|m| !off.is_off(&m.user_id)).collect();
    let mut shifts = Vec::new();
    let mut hours_unknown = Vec::new();
    for member in &present {
        match (member.profile.timezone_in(library), member.profile.working_hours) {
            (Some(tz), Some(hours)) => shifts.push((tz, hours)),
            _ => hours_unknown.push(member.display_name.clone()),
        }
    }
    let mut names: Vec<String> = present.iter().map(|m| m.display_name.clone()).collect();
    names.sort();
    hours_unknown.sort();
    Coverage { date, off, present: names, total: counted.len(), overlap: overlap(date, &shifts), hours_unknown, shifts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn a_time_in_the_spring_forward_gap_becomes_the_end_of_the_gap() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(local_to_utc(ny, at(2026, 3, 8, 2, 30), Fold::Earlier), utc("2026-03-08T07:00:00Z"));
        assert_eq!(local_to_utc(ny, at(2026, 3, 8, 2, 0), Fold::Earlier), utc("2026-03-08T07:00:00Z"));
        let lord_howe = chrono_tz::Australia::Lord_Howe; // a half-hour change
        assert_eq!(local_to_utc(lord_howe, at(2026, 10, 4, 2, 15), Fold::Earlier), utc("2026-10-03T15:30:00Z"));
    }

    #[test]
    fn a_time_repeated_by_the_fall_back_takes_the_pass_asked_for() {
        let ny = chrono_tz::America::New_York;
        assert_eq!(local_to_utc(ny, at(2026, 11, 1, 1, 30), Fold::Earlier), utc("2026-11-01T05:30:00Z"));
        assert_eq!(local_to_utc(ny, at(2026, 11, 1, 1, 30), Fold::Later), utc("2026-11-01T06:30:00Z"));
    }

    #[test]
    fn hours_that_end_before_they_start_cross_midnight() {
        let hours: WorkingHours = "21:00-06:00".parse().unwrap();
        assert!(hours.crosses_midnight());
        let shift = hours.shift_on(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), chrono_tz::Asia::Manila);
        assert_eq!(shift.start, utc("2026-03-02T13:00:00Z"));
        assert_eq!(shift.end, utc("2026-03-02T22:00:00Z"));
    }

    #[test]
    fn a_misspelt_time_zone_suggests_the_right_one() {
        assert_eq!(parse_timezone("asia/kolkata"), Ok(chrono_tz::Asia::Kolkata));
        let err = parse_timezone("Asia/Kolkatta").unwrap_err();
        assert!(err.to_string().contains("Asia/Kolkata"), "{err}");
        let err = parse_timezone("Nowhere/Special").unwrap_err();
        assert!(err.to_string().contains("IANA"), "{err}");
    }
}
