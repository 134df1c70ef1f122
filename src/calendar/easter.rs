//! Easter Sunday in the Western (Gregorian) and Orthodox (Julian) computus.

use chrono::{Duration, NaiveDate};

/// Western Easter Sunday: the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub fn western(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32)
}

/// Orthodox Easter Sunday as a Gregorian date: Meeus' Julian algorithm, then the
/// Julian-to-Gregorian offset of the century (13 days for 1900-2099).
pub fn orthodox(year: i32) -> Option<NaiveDate> {
    let a = year % 4;
    let b = year % 7;
    let c = year % 19;
    let d = (19 * c + 15) % 30;
    let e = (2 * a + 4 * b - d + 34) % 7;
    let month = (d + e + 114) / 31;
    let day = (d + e + 114) % 31 + 1;
    let julian = NaiveDate::from_ymd_opt(year, month as u32, day as u32)?;
    // The gap grows by one day in each century year not divisible by 400.
    let gap = year / 100 - year / 400 - 2;
    Some(julian + Duration::days(i64::from(gap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn western_easter_matches_published_dates() {
        assert_eq!(western(2020), Some(d(2020, 4, 12)));
        assert_eq!(western(2024), Some(d(2024, 3, 31)));
        assert_eq!(western(2025), Some(d(2025, 4, 20)));
        assert_eq!(western(2026), Some(d(2026, 4, 5)));
        assert_eq!(western(2035), Some(d(2035, 3, 25)));
        assert_eq!(western(2038), Some(d(2038, 4, 25)));
    }

    #[test]
    fn orthodox_easter_matches_published_dates() {
        assert_eq!(orthodox(2020), Some(d(2020, 4, 19)));
        assert_eq!(orthodox(2023), Some(d(2023, 4, 16)));
        assert_eq!(orthodox(2025), Some(d(2025, 4, 20)));
        assert_eq!(orthodox(2026), Some(d(2026, 4, 12)));
        assert_eq!(orthodox(2030), Some(d(2030, 4, 28)));
    }
}
