//! Lengths of time as people write them, one grammar for the whole bot: `90m`, `24h`, `2d`,
//! `1w`, `45s`, or several together (`1h30m`, `1d 12h`); units are case-blind. The
//! configuration (`default_duration`), `/pulse ... for:` and the console's `advance` all read
//! this, each with its own bounds.

use chrono::TimeDelta;
use std::fmt;
use std::str::FromStr;

/// A positive length of time, at most about 10,000 years (far from where date sums overflow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period(TimeDelta);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a length of time such as 90m, 24h, 2d, 1w or 1h30m")]
pub struct PeriodError(pub String);

impl Period {
    pub fn as_delta(self) -> TimeDelta {
        self.0
    }

    pub fn as_std(self) -> std::time::Duration {
        self.0.to_std().unwrap_or_default()
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let bad = || PeriodError(given.to_string());
        let text: String = given.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
        let mut total = TimeDelta::zero();
        let mut rest = text.as_str();
        if rest.is_empty() {
            return Err(bad());
        }
        while !rest.is_empty() {
            let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
            let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
            let after = &rest[digits..];
            let unit_len = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
            let part = match &after[..unit_len] {
                "w" | "week" | "weeks" => TimeDelta::try_weeks(n),
                "d" | "day" | "days" => TimeDelta::try_days(n),
                "h" | "hour" | "hours" => TimeDelta::try_hours(n),
                "m" | "min" | "mins" | "minute" | "minutes" => TimeDelta::try_minutes(n),
                "s" | "sec" | "secs" | "second" | "seconds" => TimeDelta::try_seconds(n),
                _ => None,
            };
            total = part.and_then(|p| total.checked_add(&p)).ok_or_else(bad)?;
            rest = &after[unit_len..];
        }
        let ceiling = TimeDelta::days(3_660_000);
        (total > TimeDelta::zero() && total <= ceiling).then_some(Period(total)).ok_or_else(bad)
    }
}

impl fmt::Display for Period {
    /// The largest units that say it exactly: `1d12h`, `90m` reads `1h30m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut seconds = self.0.num_seconds();
        for (unit, size) in [("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
            if seconds >= size {
                write!(f, "{}{unit}", seconds / size)?;
                seconds %= size;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_grammar_for_every_length_of_time() {
        let p = |s: &str| s.parse::<Period>().map(Period::as_delta);
        assert_eq!(p("90m"), Ok(TimeDelta::minutes(90)));
        assert_eq!(p("1h30m"), Ok(TimeDelta::minutes(90)));
        assert_eq!(p("1D 12H"), Ok(TimeDelta::hours(36)));
        assert_eq!(p("2 weeks"), Ok(TimeDelta::weeks(2)));
        assert_eq!(p("45s"), Ok(TimeDelta::seconds(45)));
        for bad in ["", "2", "h", "2x", "0m", "-1d", "1.5h", "99999999999999999999d", "9999999999w"] {
            assert_eq!(p(bad), Err(PeriodError(bad.to_string())), "{bad}");
        }
        assert_eq!("90m".parse::<Period>().unwrap().to_string(), "1h30m");
    }
}
