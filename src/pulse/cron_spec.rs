//! A validated schedule for recurring pulses, written the way people know cron.
//!
//! It is a reminders [`PostingSchedule`] (five classic fields, `"0 10 * * FRI"`, crontab
//! weekday numbers in every form, fired in the channel's wall-clock time and safe across DST
//! changes) that also fires at most once an hour: a pulse needs time to collect answers.
//! One reading of cron for the whole bot, so a schedule means the same in
//! `/meridian settings` and `/pulse schedule`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use thiserror::Error;

use crate::reminders::{PostingSchedule, ReminderError};

/// A cron schedule that parsed and fires at most once an hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSpec {
    schedule: PostingSchedule,
}

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CronError {
    /// Wrong shape or a field that could not be read.
    #[error(
        "`{written}` is not a valid cron expression ({reason}); expected 5 fields, \
         minute hour day-of-month month day-of-week, e.g. \"0 10 * * FRI\""
    )]
    Invalid {
        /// The expression as typed.
        written: String,
        /// What was wrong with it.
        reason: String,
    },
    /// Fires more than once an hour.
    #[error("`{written}` would start a pulse more than once an hour; pulses need time to collect answers")]
    TooFrequent {
        /// The expression as typed.
        written: String,
    },
    /// Never fires (e.g. the 30th of February).
    #[error("`{written}` never fires; check the day and month fields")]
    NeverFires {
        /// The expression as typed.
        written: String,
    },
}

impl CronSpec {
    /// The expression as the manager typed it (whitespace tidied), for `/pulse list`.
    pub fn as_written(&self) -> &str {
        self.schedule.expression()
    }

    /// The schedule, for the scheduler: slots in a channel's zone.
    pub fn schedule(&self) -> &PostingSchedule {
        &self.schedule
    }
}

impl fmt::Display for CronSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_written())
    }
}

impl FromStr for CronSpec {
    type Err = CronError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let written = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let schedule = PostingSchedule::parse_any(&written).map_err(|e| CronError::Invalid {
            written: written.clone(),
            // The reason alone: this error says itself what is expected.
            reason: match e {
                ReminderError::Schedule { reason, .. } => {
                    reason.split("; expected").next().unwrap_or_default().to_string()
                }
                other => other.to_string(),
            },
        })?;
        check_frequency(&schedule, &written)?;
        Ok(CronSpec { schedule })
    }
}

/// Refuses a schedule that never fires within ten years, or fires more than hourly (the rule
/// every posting schedule keeps: `PostingSchedule::posts_at_most_hourly`).
fn check_frequency(schedule: &PostingSchedule, written: &str) -> Result<(), CronError> {
    // A Monday at midnight, early in a year: any weekly or monthly pattern shows within
    // the runs we look at, and ten years reach a schedule limited to a later year.
    let reference = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
    let runs: Vec<DateTime<Utc>> =
        schedule.slots_between(chrono_tz::UTC, reference, reference + TimeDelta::days(3660)).take(48).collect();
    if runs.is_empty() {
        return Err(CronError::NeverFires { written: written.to_string() });
    }
    if !schedule.posts_at_most_hourly() {
        return Err(CronError::TooFrequent { written: written.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Timelike, Weekday};

    fn next(spec: &str) -> DateTime<Utc> {
        let spec: CronSpec = spec.parse().unwrap();
        // Wednesday 2025-01-08 12:00 UTC.
        let now = Utc.with_ymd_and_hms(2025, 1, 8, 12, 0, 0).unwrap();
        let first = spec.schedule().slots_between(chrono_tz::UTC, now, now + TimeDelta::days(40)).next();
        first.unwrap()
    }

    #[test]
    fn five_fields_mean_what_they_mean_in_a_crontab() {
        let friday = next("0 10 * * FRI");
        assert_eq!(friday.weekday(), Weekday::Fri);
        assert_eq!((friday.hour(), friday.minute(), friday.second()), (10, 0, 0));
        // Classic numbering: 5 is Friday, 0 and 7 are Sunday.
        assert_eq!(next("0 10 * * 5").weekday(), Weekday::Fri);
        assert_eq!(next("0 10 * * 0").weekday(), Weekday::Sun);
        assert_eq!(next("0 10 * * 7").weekday(), Weekday::Sun);
        assert_eq!(next("30 9 * * 1-5").weekday(), Weekday::Thu);
    }

    #[test]
    fn six_and_seven_fields_number_weekdays_as_crontab_does_too() {
        let spec: CronSpec = "0 0 10 * * Fri".parse().unwrap();
        assert_eq!(spec.as_written(), "0 0 10 * * Fri");
        assert_eq!(next("0 0 10 * * 6").weekday(), Weekday::Sat, "6 is Saturday, as in /meridian settings");
        assert!("0 0 10 * * Fri 2030".parse::<CronSpec>().is_ok());
    }

    #[test]
    fn a_schedule_more_often_than_hourly_is_refused() {
        assert_eq!("*/5 * * * *".parse::<CronSpec>(), Err(CronError::TooFrequent { written: "*/5 * * * *".into() }));
        assert!("0 * * * *".parse::<CronSpec>().is_ok());
    }

    #[test]
    fn a_schedule_that_never_fires_is_refused() {
        assert!(matches!(
            "0 10 30 2 *".parse::<CronSpec>(),
            Err(CronError::NeverFires { .. }) | Err(CronError::Invalid { .. })
        ));
    }

    #[test]
    fn a_wrong_number_of_fields_says_what_is_expected() {
        let message = "0 10 *".parse::<CronSpec>().unwrap_err().to_string();
        assert!(message.starts_with("`0 10 *` is not a valid cron expression (it has 3 fields"), "{message}");
        assert!(
            message.ends_with("expected 5 fields, minute hour day-of-month month day-of-week, e.g. \"0 10 * * FRI\"")
        );
    }
}
