//! The brief's time part: each customer region's clock and business hours against the team's
//! shifts, and the daylight-saving changes of the coming week with what they do to both.
//!
//! Zones change their clocks at night, so the offset a zone keeps on a date is read at local
//! noon: a change between two noons happened on the later date. chrono-tz gives no list of
//! transitions, and reading noons is enough for every zone meridian ships.

use crate::calendar::{RegionCalendar, RegionCode};
use crate::team::{local_to_utc, Fold, Interval, WorkingHours};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// A region's clock at posting time and its current or next business period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionClock {
    pub region: RegionCode,
    pub name: String,
    pub tz: Tz,
    /// The region's wall clock when the brief is posted.
    pub local_now: NaiveDateTime,
    /// The business period open now, or the next one (`None` if none within three weeks).
    pub open: Option<Interval>,
    /// Whether `open` has begun.
    pub open_now: bool,
    /// Days off met before `open` (not weekends), with their holidays.
    pub closed: Vec<(NaiveDate, Vec<String>)>,
    /// Whether a weekend comes before `open`.
    pub weekend_first: bool,
    /// How much of `open` the team's shifts cover; `None` when no member's hours are known.
    pub overlap: Option<Overlap>,
}

/// The time the team is at work within a business period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    pub total: Duration,
    pub spans: Vec<Interval>,
}

/// Whose clocks change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changing {
    /// The customer region's.
    Region,
    /// The channel's own.
    Channel,
    /// Both, by different amounts.
    Both,
}

impl Changing {
    pub fn as_str(self) -> &'static str {
        match self {
            Changing::Region => "region",
            Changing::Channel => "channel",
            Changing::Both => "both",
        }
    }
}

/// A daylight-saving change that moves a region's business hours on the channel's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockChange {
    pub region: RegionCode,
    pub changing: Changing,
    /// The zone whose clocks change (the region's when both do).
    pub zone: Tz,
    /// The local date of the change in that zone.
    pub on: NaiveDate,
    /// How far its clocks move: positive forward, negative back.
    pub minutes: i64,
    /// The region's first working day on or after the change.
    pub from: NaiveDate,
    /// The region's opening time, in its own clock.
    pub opening: NaiveTime,
    /// The region's opening time on the channel's clock, before and after.
    pub opening_before: NaiveDateTime,
    pub opening_after: NaiveDateTime,
    /// How far the opening moves on the channel's clock: positive later, negative earlier.
    pub moves_minutes: i64,
    /// The team's overlap with a business day before and after; `None` without known hours.
    pub overlap_before: Option<Duration>,
    pub overlap_after: Option<Duration>,
}

/// The UTC offset (seconds) `tz` keeps at `at`.
fn offset_at(tz: Tz, at: DateTime<Utc>) -> i64 {
    i64::from(tz.offset_from_utc_datetime(&at.naive_utc()).fix().local_minus_utc())
}

/// The offset `tz` keeps on `date`, read at local noon.
fn offset_on(tz: Tz, date: NaiveDate) -> i64 {
    let noon = date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    offset_at(tz, local_to_utc(tz, noon, Fold::Earlier))
}

/// The dates from `first` to `last` on which `tz` changes its clocks, with the offsets (seconds)
/// before and after: `(date, before, after)`.
pub fn offset_changes(tz: Tz, first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, i64, i64)> {
    let mut out = Vec::new();
    let Some(mut previous) = first.pred_opt() else { return out };
    let mut before = offset_on(tz, previous);
    while previous < last {
        let Some(date) = previous.succ_opt() else { break };
        let after = offset_on(tz, date);
        if after != before {
            out.push((date, before, after));
        }
        (previous, before) = (date, after);
    }
    out
}

/// The business period of `calendar` open at `at` or next after it, with what comes between.
pub(super) fn region_clock(
    calendar: &RegionCalendar,
    at: DateTime<Utc>,
    hours: WorkingHours,
    team: &[(Tz, WorkingHours)],
) -> RegionClock {
    let tz = calendar.timezone;
    let local_now = at.with_timezone(&tz).naive_local();
    let today = local_now.date();
    const LOOK: i64 = 21;
    let occurrences = calendar.occurrences(today, today + Duration::days(LOOK)).0;
    let mut closed = Vec::new();
    let mut weekend_first = false;
    let mut open = None;
    for day in 0..=LOOK {
        let date = today + Duration::days(day);
        let holidays: Vec<String> =
            occurrences.iter().filter(|o| o.date == date && o.kind.is_day_off()).map(|o| o.name.clone()).collect();
        if calendar.is_weekend(date) {
            weekend_first = true;
            continue;
        }
        if !holidays.is_empty() {
            closed.push((date, holidays));
            continue;
        }
        let period = hours.shift_on(date, tz);
        if period.end > at {
            open = Some(period);
            break;
        }
        // Today's hours are over: what comes next is tomorrow's, with nothing closed between.
        weekend_first = false;
        closed.clear();
    }
    let overlap = open.and_then(|period| overlap(period, team));
    RegionClock {
        region: calendar.code.clone(),
        name: calendar.name.clone(),
        tz,
        local_now,
        open,
        open_now: open.is_some_and(|p| p.start <= at),
        closed,
        weekend_first,
        overlap,
    }
}

/// How much of `period` the team's shifts cover, and when; `None` when the team has no known
/// shifts. A night shift that started the day before counts for the morning after.
pub fn overlap(period: Interval, team: &[(Tz, WorkingHours)]) -> Option<Overlap> {
    if team.is_empty() {
        return None;
    }
    let mut shifts: Vec<Interval> = Vec::new();
    for (tz, hours) in team {
        let first = period.start.with_timezone(tz).date_naive() - Duration::days(1);
        let last = period.end.with_timezone(tz).date_naive();
        let mut date = first;
        while date <= last {
            if let Some(common) = hours.shift_on(date, *tz).intersect(&period) {
                shifts.push(common);
            }
            date += Duration::days(1);
        }
    }
    shifts.sort();
    let mut spans: Vec<Interval> = Vec::new();
    for s in shifts {
        match spans.last_mut() {
            Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
            _ => spans.push(s),
        }
    }
    let total = spans.iter().map(Interval::duration).fold(Duration::zero(), |a, b| a + b);
    Some(Overlap { total, spans })
}

/// The clock changes in `first..=last` that move a region's opening time on the channel's
/// clock, by date.
pub(super) fn clock_changes(
    first: NaiveDate,
    last: NaiveDate,
    regions: &[std::sync::Arc<RegionCalendar>],
    hours: WorkingHours,
    channel_tz: Tz,
    team: &[(Tz, WorkingHours)],
) -> Vec<ClockChange> {
    let own = offset_changes(channel_tz, first, last);
    let mut out = Vec::new();
    for calendar in regions {
        let tz = calendar.timezone;
        let theirs = offset_changes(tz, first, last);
        let mut days: Vec<NaiveDate> = own.iter().chain(&theirs).map(|(d, _, _)| *d).collect();
        days.sort();
        days.dedup();
        for on in days {
            let region_change = theirs.iter().find(|(d, _, _)| *d == on);
            let channel_change = own.iter().find(|(d, _, _)| *d == on);
            let (changing, zone, moved) = match (region_change, channel_change) {
                (Some(r), None) => (Changing::Region, tz, r.2 - r.1),
                (None, Some(c)) => (Changing::Channel, channel_tz, c.2 - c.1),
                (Some(r), Some(_)) => (Changing::Both, tz, r.2 - r.1),
                (None, None) => continue,
            };
            let Some(before_day) = on.pred_opt() else { continue };
            let from = first_working_day(calendar, on);
            let opening = |date: NaiveDate| local_to_utc(tz, date.and_time(hours.start), Fold::Earlier);
            let (before, after) = (opening(before_day), opening(from));
            // Where 09:00 in the region falls on the channel's clock, as minutes past its own
            // midnight, compared across the change.
            let relation = |at: DateTime<Utc>| (offset_at(channel_tz, at) - offset_at(tz, at)) / 60;
            let moves_minutes = relation(after) - relation(before);
            if moves_minutes == 0 {
                continue;
            }
            let total = |date: NaiveDate| overlap(hours.shift_on(date, tz), team).map(|o| o.total);
            out.push(ClockChange {
                region: calendar.code.clone(),
                changing,
                zone,
                on,
                minutes: moved / 60,
                from,
                opening: hours.start,
                opening_before: before.with_timezone(&channel_tz).naive_local(),
                opening_after: after.with_timezone(&channel_tz).naive_local(),
                moves_minutes,
                overlap_before: total(before_day),
                overlap_after: total(from),
            });
        }
    }
    out.sort_by(|a, b| (a.on, &a.region).cmp(&(b.on, &b.region)));
    out
}

/// The region's first day on or after `date` that is not its weekend (a week at most).
fn first_working_day(calendar: &RegionCalendar, date: NaiveDate) -> NaiveDate {
    (0..7).map(|d| date + Duration::days(d)).find(|d| !calendar.is_weekend(*d)).unwrap_or(date)
}
