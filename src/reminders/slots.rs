//! A posting schedule's slots worked out from its fields: which days have slots (month, day
//! of month, day of week, year) and which times of day they have. The first slot on a date,
//! the last one before it and the next ones after an instant are then found directly, a day
//! at a time, instead of by stepping the `cron` iterator (which costs a set lookup per field
//! per step and showed in the scheduler's profile, issue #19).
//!
//! All of it is wall-clock time: which instant a slot is in a zone is the caller's question.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime};
use cron::TimeUnitSpec;

/// Schedules with more times in a day than this (every second of some minutes) keep being
/// walked by the `cron` iterator: a table of them would cost more than it saves.
const MAX_TIMES_A_DAY: u32 = 1440;

/// The `cron` crate's last year: no schedule has a slot after it.
const LAST_YEAR: i32 = 2100;

/// Days of the week as a bit set, bit 0 for Sunday (crontab's numbering).
pub(super) type WeekdaySet = u8;

#[derive(Clone)]
pub(super) struct DaySlots {
    /// The times of day of every slot day, in order.
    times: Vec<NaiveTime>,
    weekdays: WeekdaySet,
    /// For the month, day-of-month and year fields.
    cron: cron::Schedule,
}

impl DaySlots {
    /// The table for `cron`, whose day-of-week field is `weekdays`; `None` when it would be
    /// too large to be worth keeping.
    pub(super) fn new(cron: &cron::Schedule, weekdays: WeekdaySet) -> Option<DaySlots> {
        let count = cron.hours().count().checked_mul(cron.minutes().count())?.checked_mul(cron.seconds().count())?;
        if count > MAX_TIMES_A_DAY {
            return None;
        }
        let mut times = Vec::with_capacity(count as usize);
        for h in cron.hours().iter() {
            for m in cron.minutes().iter() {
                for s in cron.seconds().iter() {
                    times.push(NaiveTime::from_hms_opt(h, m, s)?);
                }
            }
        }
        times.sort_unstable();
        Some(DaySlots { times, weekdays, cron: cron.clone() })
    }

    /// Whether `date` has slots at all.
    pub(super) fn is_slot_day(&self, date: NaiveDate) -> bool {
        self.weekdays & (1 << date.weekday().num_days_from_sunday()) != 0
            && self.cron.months().includes(date.month())
            && self.cron.days_of_month().includes(date.day())
            && u32::try_from(date.year()).is_ok_and(|y| self.cron.years().includes(y))
    }

    /// The first slot on `date`.
    pub(super) fn first_on(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        let time = self.times.first()?;
        self.is_slot_day(date).then(|| date.and_time(*time))
    }

    /// The last slot on a day before `date`, looking back `days` days at most.
    pub(super) fn last_before(&self, date: NaiveDate, days: u64) -> Option<NaiveDateTime> {
        let time = self.times.last()?;
        (1..=days)
            .filter_map(|n| date.checked_sub_days(Days::new(n)))
            .find(|d| self.is_slot_day(*d))
            .map(|d| d.and_time(*time))
    }

    /// Every slot strictly after `local`, in order.
    pub(super) fn after(&self, local: NaiveDateTime) -> impl Iterator<Item = NaiveDateTime> + '_ {
        let first_day = local.date();
        first_day
            .iter_days()
            .take_while(|d| d.year() <= LAST_YEAR)
            .filter(move |d| self.is_slot_day(*d))
            .flat_map(move |d| self.times.iter().map(move |t| d.and_time(*t)))
            .filter(move |slot| *slot > local)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PostingSchedule, MAX_SILENT_DAYS};
    use chrono::{Days, NaiveDate, NaiveTime, TimeDelta};
    use proptest::prelude::*;

    /// The tabulated slots and the `cron` crate's iterator agree on every question the
    /// scheduler asks, for `expression`, around `date`.
    fn agree(expression: &str, date: NaiveDate) {
        let schedule = PostingSchedule::parse_any(expression).unwrap();
        let slots = schedule.slots.as_ref().expect("a tabulated schedule");
        for day in date.iter_days().take(10) {
            let by_cron = schedule
                .cron_slots_after(day.and_time(NaiveTime::MIN) - TimeDelta::seconds(1))
                .next()
                .filter(|s| s.date() == day);
            assert_eq!(slots.first_on(day), by_cron, "{expression}: first slot on {day}");
            let midnight = chrono::TimeZone::from_utc_datetime(&chrono::Utc, &day.and_time(NaiveTime::MIN));
            let back = schedule
                .cron
                .after(&midnight)
                .next_back()
                .map(|t| t.naive_utc())
                .filter(|s| s.date() >= day - Days::new(MAX_SILENT_DAYS + 1));
            assert_eq!(slots.last_before(day, MAX_SILENT_DAYS + 1), back, "{expression}: last slot before {day}");
        }
        let from = date.and_hms_opt(9, 0, 0).unwrap();
        let tabulated: Vec<_> = slots.after(from).take(40).collect();
        let walked: Vec<_> = schedule.cron_slots_after(from).take(40).collect();
        assert_eq!(tabulated, walked, "{expression}: slots after {from}");
    }

    #[test]
    fn tabulated_slots_match_the_cron_iterator_for_the_schedules_people_write() {
        let date = NaiveDate::from_ymd_opt(2026, 2, 26).unwrap();
        for expression in [
            "0 9 * * MON-FRI",
            "30 8 * * *",
            "0 9,15 * * MON,WED,FRI",
            "0 10 * * FRI",
            "0 9 1 * *",
            "0 9 29 2 *",
            "15 */4 * JAN-MAR SAT,SUN",
            "0 0 9 * * MON-FRI 2026-2027",
            "0 9 * * 0",
        ] {
            agree(expression, date);
        }
    }

    proptest! {
        #[test]
        fn tabulated_slots_match_the_cron_iterator(
            minute in prop::sample::select(vec!["0", "30", "0,45", "*/20", "5-7"]),
            hour in prop::sample::select(vec!["9", "*/6", "8-10", "0,23", "*"]),
            day in prop::sample::select(vec!["*", "1", "15,31", "*/10", "28-31"]),
            month in prop::sample::select(vec!["*", "2", "JAN-MAR", "*/5", "12"]),
            weekday in prop::sample::select(vec!["*", "MON-FRI", "SAT", "0", "FRI-MON"]),
            days in 0u64..1500,
        ) {
            let weekday = if day == "*" { weekday } else { "*" };
            let date = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Days::new(days);
            agree(&format!("{minute} {hour} {day} {month} {weekday}"), date);
        }
    }
}
