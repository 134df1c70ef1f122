//! Hebrew month-days as Gregorian dates, from ICU4X's `icu_calendar` (the arithmetic
//! calendar of Hillel II: the molad and the postponement rules, no data needed). A Hebrew
//! day begins at sunset the evening before; the date given is the civil day itself, as
//! calendars list Rosh Hashanah and Yom Kippur.

use chrono::{Datelike, NaiveDate};
use icu_calendar::types::Month;
use icu_calendar::Date;

/// The months by name, in the order of the civil year from Tishrei, with ICU4X's month code
/// (`M01` is Tishrei; a leap year's Adar I is `M05L`, and its Adar II is `M06`, the Adar in
/// which Purim is kept).
pub const MONTHS: [(&str, u8, bool); 13] = [
    ("tishrei", 1, false),
    ("cheshvan", 2, false),
    ("kislev", 3, false),
    ("tevet", 4, false),
    ("shevat", 5, false),
    ("adar-i", 5, true),
    ("adar", 6, false),
    ("nisan", 7, false),
    ("iyar", 8, false),
    ("sivan", 9, false),
    ("tammuz", 10, false),
    ("av", 11, false),
    ("elul", 12, false),
];

/// The month code of a month's name; common spellings (`tishri`, `heshvan`, `shvat`,
/// `adar-ii`, `iyyar`, `tamuz`) are read too.
pub fn month_of(name: &str) -> Option<(u8, bool)> {
    let name = match name {
        "tishri" => "tishrei",
        "heshvan" | "marcheshvan" | "cheshvan" => "cheshvan",
        "shvat" | "shevat" => "shevat",
        "adar-ii" | "adar" => "adar",
        "iyyar" | "iyar" => "iyar",
        "tamuz" | "tammuz" => "tammuz",
        other => other,
    };
    MONTHS.iter().find(|(n, ..)| *n == name).map(|&(_, code, leap)| (code, leap))
}

/// The name of a month code, as written back.
pub fn month_name(code: u8, leap: bool) -> &'static str {
    MONTHS.iter().find(|&&(_, c, l)| c == code && l == leap).map_or("?", |(n, ..)| n)
}

/// The Gregorian date in `year` of Hebrew `month` (ICU4X's code, Adar I when `leap`), `day`:
/// none in a year without it (Adar I outside a leap year, the 30th of a 29-day month).
pub fn dates(month: u8, leap: bool, day: u8, year: i32) -> Vec<NaiveDate> {
    let wanted = if leap { Month::leap(month) } else { Month::new(month) };
    // Anno Mundi year Y + 3761 begins in the autumn of Gregorian year Y.
    [year + 3760, year + 3761]
        .into_iter()
        .filter_map(|am| super::gregorian(Date::try_new_hebrew_v2(am, wanted, day).ok()?.to_rata_die()))
        .filter(|d| d.year() == year)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::lunar::d;

    #[test]
    fn rosh_hashanah_and_yom_kippur_2024() {
        assert_eq!(dates(1, false, 1, 2024), vec![d(2024, 10, 3)]);
        assert_eq!(dates(1, false, 10, 2024), vec![d(2024, 10, 12)]);
    }

    #[test]
    fn purim_falls_in_adar_ii_of_a_leap_year_and_adar_i_only_then() {
        // 5784 (2024) was a leap year: Purim 14 Adar II was 24 March.
        assert_eq!(dates(6, false, 14, 2024), vec![d(2024, 3, 24)]);
        assert_eq!(dates(5, true, 14, 2024), vec![d(2024, 2, 23)]);
        assert!(dates(5, true, 14, 2025).is_empty());
    }

    #[test]
    fn spellings_name_the_same_month() {
        assert_eq!(month_of("tishri"), month_of("tishrei"));
        assert_eq!(month_of("adar-ii"), Some((6, false)));
        assert_eq!(month_of("adar-i"), Some((5, true)));
        assert_eq!(month_name(5, true), "adar-i");
        assert_eq!(month_of("tishrey"), None);
    }
}
