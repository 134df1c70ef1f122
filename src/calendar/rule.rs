//! Date rules ("3rd Mon in Jan", "easter-2", a table of decreed dates, a computed lunar
//! date such as "chinese 01-01", or a table with a computed rule for the years it lacks) and
//! the dates they give in a year.

use super::easter;
use super::lunar::{Computed, ComputedError};
use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// How an event's date is found in a given year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The same month and day every year; 02-29 only in leap years.
    Fixed { month: u32, day: u32 },
    /// The nth (1..=5) or, with `nth == -1`, the last weekday of a month.
    NthWeekday { nth: i8, weekday: Weekday, month: u32 },
    /// The first `weekday` relative to an anchor month-day.
    Relative { weekday: Weekday, anchor_month: u32, anchor_day: u32, direction: Direction },
    /// Easter Sunday plus `offset` days.
    Easter { orthodox: bool, offset: i32 },
    /// Dates set by a lunar calendar or by decree, sorted and without duplicates.
    Table(Vec<NaiveDate>),
    /// A moon-based date computed for every year (an estimate: occurrences are expected).
    Computed(Computed),
    /// Proclaimed dates where known (they win), the computed rule in every other year.
    Tabled { table: Vec<NaiveDate>, computed: Computed },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    OnOrAfter,
    OnOrBefore,
    After,
    Before,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("'{0}' is not a rule; expected MM-DD, '3rd Mon in Jan', 'last Mon in May', 'Mon on or after 01-06', 'easter-2', 'orthodox easter+1', or a lunar rule such as 'chinese 01-01', 'hijri 10-01' or 'tithi ashvin krishna 15' (calendars/README.md)")]
    Unrecognised(String),
    #[error("'{0}' is not a month-day; expected MM-DD such as 01-26")]
    MonthDay(String),
    #[error("'{0}' is not a weekday; expected Mon, Tue, Wed, Thu, Fri, Sat or Sun")]
    Weekday(String),
    #[error("'{0}' is not a month; expected Jan..Dec")]
    Month(String),
    #[error("'{0}' is not an ordinal; expected 1st, 2nd, 3rd, 4th, 5th or last")]
    Nth(String),
    #[error("'{0}' is not an Easter offset; expected easter, easter+N or easter-N")]
    EasterOffset(String),
    #[error(transparent)]
    Computed(#[from] ComputedError),
}

impl Rule {
    /// The dates this rule gives in `year` (at most one, except for tables).
    pub fn dates_in(&self, year: i32) -> Vec<NaiveDate> {
        match self {
            Rule::Table(dates) => in_year(dates, year),
            Rule::Computed(computed) => computed.dates_in(year),
            Rule::Tabled { table, computed } => {
                let proclaimed = in_year(table, year);
                if proclaimed.is_empty() {
                    computed.dates_in(year)
                } else {
                    proclaimed
                }
            }
            other => other.date_in(year).into_iter().collect(),
        }
    }

    /// Whether the dates of `year` are computed estimates rather than a rule of the calendar
    /// or a proclaimed date: a moon-based date moves with sighting and decree.
    pub fn is_estimate_in(&self, year: i32) -> bool {
        match self {
            Rule::Computed(_) => true,
            Rule::Tabled { table, .. } => !table.iter().any(|d| d.year() == year),
            _ => false,
        }
    }

    /// The computed rule, alone or beside a table.
    pub fn computed(&self) -> Option<&Computed> {
        match self {
            Rule::Computed(computed) | Rule::Tabled { computed, .. } => Some(computed),
            _ => None,
        }
    }

    /// The proclaimed dates, alone or beside a computed rule.
    pub fn table(&self) -> Option<&[NaiveDate]> {
        match self {
            Rule::Table(table) | Rule::Tabled { table, .. } => Some(table),
            _ => None,
        }
    }

    fn date_in(&self, year: i32) -> Option<NaiveDate> {
        match *self {
            Rule::Fixed { month, day } => NaiveDate::from_ymd_opt(year, month, day),
            Rule::NthWeekday { nth, weekday, month } => nth_weekday(year, month, weekday, nth),
            Rule::Relative { weekday, anchor_month, anchor_day, direction } => {
                let anchor = NaiveDate::from_ymd_opt(year, anchor_month, anchor_day)?;
                let date = relative_weekday(anchor, weekday, direction);
                // A rule near a year's edge must not leak an occurrence into the neighbour.
                (date.year() == year).then_some(date)
            }
            Rule::Easter { orthodox, offset } => {
                let sunday = if orthodox { easter::orthodox(year) } else { easter::western(year) }?;
                let date = sunday + Duration::days(i64::from(offset));
                (date.year() == year).then_some(date)
            }
            Rule::Table(_) | Rule::Computed(_) | Rule::Tabled { .. } => None,
        }
    }

    /// The first and last year a table alone covers; `None` for rules, which cover every year
    /// (a table with a computed rule beside it among them).
    pub fn table_years(&self) -> Option<(i32, i32)> {
        match self {
            Rule::Table(dates) => Some((dates.first()?.year(), dates.last()?.year())),
            _ => None,
        }
    }

    /// Parses the rule forms documented in `calendars/README.md`.
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        if Computed::claims(text) {
            return Ok(Rule::Computed(Computed::parse(text)?));
        }
        let lower = text.trim().to_ascii_lowercase();
        let words: Vec<&str> = lower.split_whitespace().collect();
        // Errors quote the words as the author wrote them, not lowercased.
        let said: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            [md] if md.contains('-') && md.as_bytes()[0].is_ascii_digit() => {
                let (month, day) = parse_month_day(md)?;
                Ok(Rule::Fixed { month, day })
            }
            [e] if e.starts_with("easter") => Ok(Rule::Easter { orthodox: false, offset: easter_offset(e)? }),
            ["orthodox", e] if e.starts_with("easter") => {
                Ok(Rule::Easter { orthodox: true, offset: easter_offset(e)? })
            }
            [_, _, "in" | "of", _] => Ok(Rule::NthWeekday {
                nth: parse_nth(said[0])?,
                weekday: parse_weekday(said[1])?,
                month: parse_month(said[3])?,
            }),
            [_, "on", "or", dir @ ("after" | "before"), md] => {
                let (anchor_month, anchor_day) = parse_month_day(md)?;
                let direction = if *dir == "after" { Direction::OnOrAfter } else { Direction::OnOrBefore };
                Ok(Rule::Relative { weekday: parse_weekday(said[0])?, anchor_month, anchor_day, direction })
            }
            [_, dir @ ("after" | "before"), md] => {
                let (anchor_month, anchor_day) = parse_month_day(md)?;
                let direction = if *dir == "after" { Direction::After } else { Direction::Before };
                Ok(Rule::Relative { weekday: parse_weekday(said[0])?, anchor_month, anchor_day, direction })
            }
            _ => Err(RuleError::Unrecognised(text.trim().to_string())),
        }
    }
}

fn in_year(dates: &[NaiveDate], year: i32) -> Vec<NaiveDate> {
    dates.iter().copied().filter(|d| d.year() == year).collect()
}

fn nth_weekday(year: i32, month: u32, weekday: Weekday, nth: i8) -> Option<NaiveDate> {
    if nth == -1 {
        let next_month_first = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let last = next_month_first.pred_opt()?;
        return Some(relative_weekday(last, weekday, Direction::OnOrBefore));
    }
    // `from_weekday_of_month_opt` returns None for a 5th weekday the month lacks.
    u8::try_from(nth).ok().and_then(|n| NaiveDate::from_weekday_of_month_opt(year, month, weekday, n))
}

fn relative_weekday(anchor: NaiveDate, weekday: Weekday, direction: Direction) -> NaiveDate {
    let from = anchor.weekday().num_days_from_monday() as i64;
    let to = weekday.num_days_from_monday() as i64;
    match direction {
        Direction::OnOrAfter => anchor + Duration::days((to - from).rem_euclid(7)),
        Direction::After => anchor + Duration::days((to - from - 1).rem_euclid(7) + 1),
        Direction::OnOrBefore => anchor - Duration::days((from - to).rem_euclid(7)),
        Direction::Before => anchor - Duration::days((from - to - 1).rem_euclid(7) + 1),
    }
}

/// Parses `MM-DD`, accepting 02-29 (valid in leap years).
pub fn parse_month_day(text: &str) -> Result<(u32, u32), RuleError> {
    let bad = || RuleError::MonthDay(text.to_string());
    let (m, d) = text.trim().split_once('-').ok_or_else(bad)?;
    if m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (month, day): (u32, u32) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    // 2024 is a leap year, so this accepts exactly the month-days some year has.
    NaiveDate::from_ymd_opt(2024, month, day).ok_or_else(bad)?;
    Ok((month, day))
}

pub fn parse_weekday(text: &str) -> Result<Weekday, RuleError> {
    let lower = text.trim().to_ascii_lowercase();
    let weekday = match lower.as_str() {
        "mon" | "monday" => Weekday::Mon,
        "tue" | "tues" | "tuesday" => Weekday::Tue,
        "wed" | "wednesday" => Weekday::Wed,
        "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fri" | "friday" => Weekday::Fri,
        "sat" | "saturday" => Weekday::Sat,
        "sun" | "sunday" => Weekday::Sun,
        _ => return Err(RuleError::Weekday(text.to_string())),
    };
    Ok(weekday)
}

fn parse_month(text: &str) -> Result<u32, RuleError> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = text.to_ascii_lowercase();
    MONTHS
        .iter()
        .zip(FULL.iter())
        .position(|(short, full)| lower == *short || lower == *full || (lower == "sept" && *short == "sep"))
        .map(|i| i as u32 + 1)
        .ok_or_else(|| RuleError::Month(text.to_string()))
}

fn parse_nth(text: &str) -> Result<i8, RuleError> {
    match text.to_ascii_lowercase().as_str() {
        "1st" | "first" => Ok(1),
        "2nd" | "second" => Ok(2),
        "3rd" | "third" => Ok(3),
        "4th" | "fourth" => Ok(4),
        "5th" | "fifth" => Ok(5),
        "last" => Ok(-1),
        _ => Err(RuleError::Nth(text.to_string())),
    }
}

fn easter_offset(text: &str) -> Result<i32, RuleError> {
    let rest = &text["easter".len()..];
    if rest.is_empty() {
        return Ok(0);
    }
    let bad = || RuleError::EasterOffset(text.to_string());
    let (sign, digits) = match rest.as_bytes()[0] {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return Err(bad()),
    };
    let n: i32 = digits.parse().map_err(|_| bad())?;
    if n > 200 {
        return Err(bad());
    }
    Ok(sign * n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn first(rule: &str, year: i32) -> Option<NaiveDate> {
        Rule::parse(rule).unwrap().dates_in(year).first().copied()
    }

    #[test]
    fn nth_and_last_weekdays() {
        assert_eq!(first("3rd Mon in Jan", 2026), Some(d(2026, 1, 19))); // MLK Day
        assert_eq!(first("last Mon in May", 2026), Some(d(2026, 5, 25))); // Memorial Day
        assert_eq!(first("4th Thu in November", 2026), Some(d(2026, 11, 26))); // Thanksgiving
        assert_eq!(first("last Mon in Dec", 2025), Some(d(2025, 12, 29)));
        assert_eq!(first("5th Mon in Feb", 2026), None);
    }

    #[test]
    fn weekday_relative_to_an_anchor() {
        // Colombia's Epiphany moves to the Monday on or after 6 January.
        assert_eq!(first("Mon on or after 01-06", 2026), Some(d(2026, 1, 12)));
        assert_eq!(first("Mon on or after 01-06", 2025), Some(d(2025, 1, 6)));
        // Canada's Victoria Day: the Monday before 25 May.
        assert_eq!(first("Mon on or before 05-24", 2026), Some(d(2026, 5, 18)));
        assert_eq!(first("Tue after 11-01", 2026), Some(d(2026, 11, 3))); // US election day
        assert_eq!(first("Fri before 01-02", 2026), None); // would land in 2025
    }

    #[test]
    fn easter_offsets() {
        assert_eq!(first("easter-2", 2026), Some(d(2026, 4, 3)));
        assert_eq!(first("Easter+1", 2026), Some(d(2026, 4, 6)));
        assert_eq!(first("easter-47", 2026), Some(d(2026, 2, 17))); // Carnival Tuesday
        assert_eq!(first("orthodox easter+1", 2026), Some(d(2026, 4, 13)));
    }

    #[test]
    fn leap_day_only_in_leap_years() {
        assert_eq!(first("02-29", 2024), Some(d(2024, 2, 29)));
        assert_eq!(first("02-29", 2026), None);
        assert_eq!(first("02-29", 2100), None);
    }

    #[test]
    fn bad_rules_say_what_was_expected() {
        assert_eq!(Rule::parse("13-01"), Err(RuleError::MonthDay("13-01".into())));
        assert_eq!(Rule::parse("02-30"), Err(RuleError::MonthDay("02-30".into())));
        assert_eq!(Rule::parse("3rd Mox in Jan"), Err(RuleError::Weekday("Mox".into())));
        assert_eq!(Rule::parse("6th Mon in Jan"), Err(RuleError::Nth("6th".into())));
        assert_eq!(Rule::parse("easter*2"), Err(RuleError::EasterOffset("easter*2".into())));
        assert!(matches!(Rule::parse("whenever"), Err(RuleError::Unrecognised(_))));
        assert_eq!(RuleError::Month("Smarch".into()).to_string(), "'Smarch' is not a month; expected Jan..Dec");
    }
}
