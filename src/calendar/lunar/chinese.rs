//! Chinese and Korean (Dangi) lunisolar month-days as Gregorian dates, from ICU4X's
//! `icu_calendar` (Purple Mountain / Hong Kong Observatory data to 2100, GB/T 33661-2017).

use chrono::{Datelike, NaiveDate};
use icu_calendar::types::Month;
use icu_calendar::Date;

/// The Gregorian dates in `year` of month `month` (a leap month when `leap`), day `day`, of
/// the Chinese calendar, or of the Korean one when `korean`.
pub fn dates(korean: bool, month: u8, leap: bool, day: u8, year: i32) -> Vec<NaiveDate> {
    let wanted = if leap { Month::leap(month) } else { Month::new(month) };
    // Month 11 and 12 of a lunar year fall in the next Gregorian year.
    [year - 1, year]
        .into_iter()
        .filter_map(|related| {
            let rd = if korean {
                Date::try_new_korean_traditional(related, wanted, day).ok()?.to_rata_die()
            } else {
                Date::try_new_chinese_traditional(related, wanted, day).ok()?.to_rata_die()
            };
            super::gregorian(rd)
        })
        .filter(|d| d.year() == year)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::lunar::d;

    #[test]
    fn mid_autumn_after_a_leap_month() {
        // 2023 had a leap 2nd month, 2025 a leap 6th: the 8th month still falls in autumn.
        assert_eq!(dates(false, 8, false, 15, 2023), vec![d(2023, 9, 29)]);
        assert_eq!(dates(false, 8, false, 15, 2025), vec![d(2025, 10, 6)]);
        assert_eq!(dates(false, 6, true, 1, 2025), vec![d(2025, 7, 25)]);
    }

    #[test]
    fn seollal_and_chinese_new_year_differ_in_1997() {
        assert_eq!(dates(false, 1, false, 1, 1997), vec![d(1997, 2, 7)]);
        assert_eq!(dates(true, 1, false, 1, 1997), vec![d(1997, 2, 8)]);
    }
}
