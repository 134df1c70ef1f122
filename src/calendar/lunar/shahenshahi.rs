//! Shahenshahi (Parsi Zoroastrian) month-days as Gregorian dates. The Shahenshahi year is
//! twelve months of 30 days and five Gatha days, 365 days with no leap day, so Navroz moves
//! a day earlier in the Gregorian calendar every four years (16 August 2020-2023, 15 August
//! 2024-2027). The count is anchored on a Navroz India's holiday lists give (15 August
//! 2024); the calendar has had no intercalation for centuries, so whole 365-day years from
//! it give every other.

use chrono::{Datelike, Duration, NaiveDate};

/// 1 Farvardin (Navroz) of the Shahenshahi year that began in 2024.
fn anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 8, 15).expect("a valid date")
}

/// The Gregorian dates in `year` of Shahenshahi `month` (1..=12, of 30 days each) and `day`
/// (1..=30): usually one, two when the day falls on 1 January and again on 31 December.
pub fn dates(month: u8, day: u8, year: i32) -> Vec<NaiveDate> {
    let Some(first) = NaiveDate::from_ymd_opt(year, 1, 1) else { return Vec::new() };
    let offset = i64::from(month.clamp(1, 12) - 1) * 30 + i64::from(day.clamp(1, 30)) - 1;
    // The Shahenshahi year whose day falls on or before 1 January, then the next ones.
    let years_before = ((first - anchor()).num_days() - offset).div_euclid(365);
    (years_before..=years_before + 1)
        .map(|k| anchor() + Duration::days(k * 365 + offset))
        .filter(|d| d.year() == year)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::lunar::d;

    #[test]
    fn navroz_moves_a_day_earlier_every_four_years() {
        assert_eq!(dates(1, 1, 2023), vec![d(2023, 8, 16)]);
        assert_eq!(dates(1, 1, 2024), vec![d(2024, 8, 15)]);
        assert_eq!(dates(1, 1, 2027), vec![d(2027, 8, 15)]);
        assert_eq!(dates(1, 1, 2028), vec![d(2028, 8, 14)]);
        // 365 days a year: 2100 is no leap year, so Navroz stays on 28 July from 2099.
        assert_eq!(dates(1, 1, 2096), vec![d(2096, 7, 28)]);
        assert_eq!(dates(1, 1, 2100), vec![d(2100, 7, 28)]);
        assert_eq!(dates(1, 1, 2101), vec![d(2101, 7, 28)]);
    }

    #[test]
    fn khordad_sal_is_the_sixth_day() {
        assert_eq!(dates(1, 6, 2024), vec![d(2024, 8, 20)]);
    }
}
