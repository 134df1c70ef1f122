//! A validated cron schedule for recurring pulses, written the way people know cron.
//!
//! People write the classic five fields, `minute hour day-of-month month day-of-week`
//! (`"0 10 * * FRI"`: Fridays at 10:00). The `cron` crate wants a seconds field first and
//! numbers days of the week from 1 = Sunday, where classic cron uses 0 (or 7) = Sunday and
//! 1 = Monday. So a five-field expression is rewritten before the crate sees it: `0 ` is put
//! in front for the seconds, and numeric days of the week become names (`1-5` becomes
//! `MON,TUE,WED,THU,FRI`), so `"0 10 * * 5"` means Friday, as it would in a crontab.
//!
//! Six or seven fields are passed to the crate as they are, in its own convention (seconds
//! first, optional year, 1 = Sunday); `@daily`-style shortcuts are accepted too.
//!
//! Which time zone the schedule runs in is the scheduler's business, not this type's.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use thiserror::Error;

/// The shortest gap allowed between two runs of a schedule: a pulse needs time to collect
/// answers, and a channel asked every few minutes stops answering.
pub const MIN_INTERVAL: TimeDelta = TimeDelta::hours(1);

/// A cron schedule that parsed and fires at most once an hour.
#[derive(Debug, Clone, PartialEq)]
pub struct CronSpec {
    written: String,
    schedule: cron::Schedule,
}

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CronError {
    /// Wrong shape or a field the crate could not read.
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
    /// The expression as the manager typed it, for `/pulse list` and confirmations.
    pub fn as_written(&self) -> &str {
        &self.written
    }

    /// The parsed schedule, for the scheduler.
    pub fn schedule(&self) -> &cron::Schedule {
        &self.schedule
    }

    /// The first run strictly after `after`, in the time zone of `after`.
    pub fn next_after<Z: TimeZone>(&self, after: &DateTime<Z>) -> Option<DateTime<Z>> {
        self.schedule.after(after).next()
    }
}

impl fmt::Display for CronSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.written)
    }
}

impl FromStr for CronSpec {
    type Err = CronError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let written = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let invalid = |reason: String| CronError::Invalid { written: written.clone(), reason };
        let fields: Vec<&str> = written.split(' ').collect();
        let for_crate = if written.starts_with('@') {
            written.clone()
        } else {
            match fields.len() {
                5 => {
                    let dow = classic_days_of_week(fields[4]).map_err(&invalid)?;
                    format!("0 {} {} {} {} {dow}", fields[0], fields[1], fields[2], fields[3])
                }
                6 | 7 => written.clone(),
                n => return Err(invalid(format!("it has {n} fields"))),
            }
        };
        let schedule = cron::Schedule::from_str(&for_crate).map_err(|e| invalid(e.to_string()))?;
        check_frequency(&schedule, &written)?;
        Ok(CronSpec { written, schedule })
    }
}

/// Rewrites a classic day-of-week field (0 or 7 = Sunday) into names, which mean the same
/// to the `cron` crate. Names, `*` and `?` are left alone; `*/2` means the same in both
/// numberings (every other day starting on Sunday).
fn classic_days_of_week(field: &str) -> Result<String, String> {
    const NAMES: [&str; 8] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let mut out: Vec<String> = Vec::new();
    for item in field.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((base, step)) => (base, Some(step)),
            None => (item, None),
        };
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (start, end) = match base.split_once('-') {
            Some((a, b)) if numeric(a) && numeric(b) => (a, Some(b)),
            None if numeric(base) => (base, None),
            _ => {
                out.push(item.to_string());
                continue;
            }
        };
        let day = |s: &str| -> Result<usize, String> {
            s.parse::<usize>().ok().filter(|d| *d <= 7).ok_or_else(|| format!("day of week {s} is not between 0 and 7"))
        };
        let first = day(start)?;
        // A single day with a step runs to the end of the week, as in crontab.
        let last = match end {
            Some(end) => day(end)?,
            None if step.is_some() => 6,
            None => first,
        };
        if first > last {
            return Err(format!("day-of-week range {base} runs backwards"));
        }
        let step = match step {
            Some(step) => step
                .parse::<usize>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| format!("step /{step} is not a positive number"))?,
            None => 1,
        };
        for d in (first..=last).step_by(step) {
            let name = NAMES[d].to_string();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    Ok(out.join(","))
}

/// Looks at the first runs after a fixed instant (so the check is deterministic) and
/// refuses schedules whose runs come closer than [`MIN_INTERVAL`].
fn check_frequency(schedule: &cron::Schedule, written: &str) -> Result<(), CronError> {
    // A Monday at midnight, early in a year: any weekly or monthly pattern shows within
    // the runs we look at.
    let reference = Utc.with_ymd_and_hms(2025, 1, 6, 0, 0, 0).unwrap();
    let runs: Vec<DateTime<Utc>> = schedule.after(&reference).take(48).collect();
    if runs.is_empty() {
        return Err(CronError::NeverFires { written: written.to_string() });
    }
    if runs.windows(2).any(|w| w[1] - w[0] < MIN_INTERVAL) {
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
        spec.next_after(&now).unwrap()
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
    fn numeric_days_of_week_become_names() {
        assert_eq!(classic_days_of_week("1-5").unwrap(), "MON,TUE,WED,THU,FRI");
        assert_eq!(classic_days_of_week("0,7").unwrap(), "SUN");
        assert_eq!(classic_days_of_week("1-5/2").unwrap(), "MON,WED,FRI");
        assert_eq!(classic_days_of_week("MON-FRI").unwrap(), "MON-FRI");
        assert_eq!(classic_days_of_week("*/2").unwrap(), "*/2");
        assert!(classic_days_of_week("8").is_err());
        assert!(classic_days_of_week("5-1").is_err());
    }

    #[test]
    fn six_and_seven_fields_use_the_crate_convention() {
        let spec: CronSpec = "0 0 10 * * Fri".parse().unwrap();
        assert_eq!(spec.as_written(), "0 0 10 * * Fri");
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
        assert_eq!(
            "0 10 *".parse::<CronSpec>().unwrap_err().to_string(),
            "`0 10 *` is not a valid cron expression (it has 3 fields); expected 5 fields, \
             minute hour day-of-month month day-of-week, e.g. \"0 10 * * FRI\""
        );
    }
}
