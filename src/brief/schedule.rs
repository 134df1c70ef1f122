//! When a channel's brief is due: once a day, at its brief time in its own zone, on its posting
//! days.
//!
//! - **Wall-clock time.** 08:30 is 08:30 local on both sides of a daylight-saving change. A
//!   time inside a spring-forward gap posts at the first instant after the gap; a time a
//!   fall-back repeats posts on its first pass.
//! - **Posting days.** By default the channel's working days: not its team's weekend (the
//!   weekend of the first region the channel follows, Saturday and Sunday otherwise). A
//!   channel can ask for every day instead. Holidays are not skipped: contact centres work
//!   many of them, and a holiday is exactly when customers' days differ from the team's.
//! - **Catch-up.** A brief missed while the bot was down is posted when it comes back, on the
//!   same local day only: yesterday's brief is stale and is never posted.
//! - **Start.** A brief is owed only from the moment it was turned on: setting 08:30 at 14:00
//!   starts tomorrow, not with a brief for a morning that is over.

use super::BriefDays;
use crate::team::{local_to_utc, Fold};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// The instant the brief of `date` is due.
pub fn due_at(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    local_to_utc(tz, date.and_time(time), Fold::Earlier)
}

/// A channel's brief schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BriefPlan {
    pub tz: Tz,
    pub time: NaiveTime,
    /// The team's weekend.
    pub weekend: Vec<Weekday>,
    pub days: BriefDays,
    /// When the brief was turned on; nothing due before is owed.
    pub started: DateTime<Utc>,
}

impl BriefPlan {
    /// Whether the channel has a brief on `date`.
    pub fn posts_on(&self, date: NaiveDate) -> bool {
        self.days == BriefDays::Every || !self.weekend.contains(&date.weekday())
    }

    /// The date whose brief is owed at `now`: today's (local), once its time has come, if
    /// today is a posting day and the brief was on by then. Never an earlier day's.
    pub fn owed(&self, now: DateTime<Utc>) -> Option<NaiveDate> {
        let today = now.with_timezone(&self.tz).date_naive();
        let due = due_at(today, self.time, self.tz);
        (self.posts_on(today) && due <= now && due >= self.started).then_some(today)
    }

    /// The first instant after `after` a brief is due (looking 8 days ahead at most).
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = after.with_timezone(&self.tz).date_naive();
        (0..=8)
            .filter_map(|d| today.checked_add_signed(Duration::days(d)))
            .filter(|d| self.posts_on(*d))
            .map(|d| due_at(d, self.time, self.tz))
            .find(|due| *due > after && *due >= self.started)
    }

    /// Every brief due in `[from, to)`, with its date: what `meridian preview` lists.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(NaiveDate, DateTime<Utc>)> {
        let (first, last) = (from.with_timezone(&self.tz).date_naive(), to.with_timezone(&self.tz).date_naive());
        let mut out = Vec::new();
        let mut date = first;
        while date <= last {
            let due = due_at(date, self.time, self.tz);
            if self.posts_on(date) && due >= from && due < to {
                out.push((date, due));
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => break,
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn plan(tz: Tz, time: &str, days: BriefDays) -> BriefPlan {
        BriefPlan {
            tz,
            time: NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
            weekend: vec![Weekday::Sat, Weekday::Sun],
            days,
            started: utc("2026-01-01T00:00:00Z"),
        }
    }

    #[test]
    fn a_brief_is_owed_from_its_time_until_the_end_of_that_local_day_only() {
        let p = plan(chrono_tz::Asia::Manila, "08:30", BriefDays::Working);
        // Thu 24 Dec 2026, Manila is UTC+8: 08:30 is 00:30Z.
        assert_eq!(p.owed(utc("2026-12-24T00:29:00Z")), None);
        assert_eq!(p.owed(utc("2026-12-24T00:30:00Z")), NaiveDate::from_ymd_opt(2026, 12, 24));
        assert_eq!(p.owed(utc("2026-12-24T15:59:00Z")), NaiveDate::from_ymd_opt(2026, 12, 24));
        // 00:05 on the 25th in Manila: the 24th's brief is stale, the 25th's not yet due.
        assert_eq!(p.owed(utc("2026-12-24T16:05:00Z")), None);
    }

    #[test]
    fn weekends_are_skipped_unless_the_channel_asks_for_every_day() {
        let working = plan(chrono_tz::Asia::Manila, "08:30", BriefDays::Working);
        let saturday = utc("2026-12-26T02:00:00Z");
        assert_eq!(working.owed(saturday), None);
        assert_eq!(working.next_after(saturday), Some(utc("2026-12-28T00:30:00Z")), "Monday");
        let every = plan(chrono_tz::Asia::Manila, "08:30", BriefDays::Every);
        assert_eq!(every.owed(saturday), NaiveDate::from_ymd_opt(2026, 12, 26));
        assert_eq!(every.next_after(saturday), Some(utc("2026-12-27T00:30:00Z")));
    }

    #[test]
    fn nothing_is_owed_from_before_the_brief_was_turned_on() {
        let mut p = plan(chrono_tz::Europe::London, "08:30", BriefDays::Working);
        p.started = utc("2026-03-02T14:00:00Z");
        assert_eq!(p.owed(utc("2026-03-02T14:00:00Z")), None);
        assert_eq!(p.next_after(utc("2026-03-02T14:00:00Z")), Some(utc("2026-03-03T08:30:00Z")));
    }

    #[test]
    fn the_time_is_kept_on_the_wall_clock_across_daylight_saving_changes() {
        let p = plan(chrono_tz::Europe::London, "08:30", BriefDays::Every);
        // BST ends on Sunday 25 Oct 2026: 07:30Z before, 08:30Z after.
        assert_eq!(p.next_after(utc("2026-10-24T12:00:00Z")), Some(utc("2026-10-25T08:30:00Z")));
        assert_eq!(p.next_after(utc("2026-10-23T12:00:00Z")), Some(utc("2026-10-24T07:30:00Z")));
        // A 02:30 brief on the night New York skips from 02:00 to 03:00 posts at 03:00 EDT.
        let gap = plan(chrono_tz::America::New_York, "02:30", BriefDays::Every);
        assert_eq!(gap.next_after(utc("2026-03-08T00:00:00Z")), Some(utc("2026-03-08T07:00:00Z")));
        // 01:30 happens twice when New York falls back; the brief posts on the first pass only.
        let twice = plan(chrono_tz::America::New_York, "01:30", BriefDays::Every);
        assert_eq!(twice.next_after(utc("2026-11-01T04:00:00Z")), Some(utc("2026-11-01T05:30:00Z")));
        assert_eq!(twice.next_after(utc("2026-11-01T05:30:00Z")), Some(utc("2026-11-02T06:30:00Z")));
    }

    #[test]
    fn a_leap_day_has_its_brief() {
        let p = plan(chrono_tz::Asia::Manila, "08:30", BriefDays::Working);
        let briefs = p.between(utc("2028-02-28T00:00:00Z"), utc("2028-03-02T00:00:00Z"));
        let dates: Vec<String> = briefs.iter().map(|(d, _)| d.to_string()).collect();
        assert_eq!(dates, ["2028-02-28", "2028-02-29", "2028-03-01"]);
    }
}
