//! The 24 solar terms (jieqi) of the Chinese calendar, and the equinoxes Japan's holidays
//! follow: the date, in a place's clock, on which the sun's apparent ecliptic longitude
//! reaches a multiple of 15° (Qingming 15°, Dongzhi 270°).

use super::sky::{self, Place};
use chrono::{Datelike, NaiveDate};

/// The terms by pinyin name, from the March equinox (0°) in steps of 15°.
pub const TERMS: [&str; 24] = [
    "chunfen",
    "qingming",
    "guyu",
    "lixia",
    "xiaoman",
    "mangzhong",
    "xiazhi",
    "xiaoshu",
    "dashu",
    "liqiu",
    "chushu",
    "bailu",
    "qiufen",
    "hanlu",
    "shuangjiang",
    "lidong",
    "xiaoxue",
    "daxue",
    "dongzhi",
    "xiaohan",
    "dahan",
    "lichun",
    "yushui",
    "jingzhe",
];

/// The longitude of a term given as degrees (a multiple of 15 below 360) or by name.
pub fn term_degrees(text: &str) -> Option<u16> {
    match text.parse::<u16>() {
        Ok(degrees) => (degrees < 360 && degrees % 15 == 0).then_some(degrees),
        Err(_) => TERMS.iter().position(|t| *t == text).map(|i| i as u16 * 15),
    }
}

/// The date at `place` (its standard clock) on which the sun's apparent longitude reaches
/// `degrees` in `year`.
pub fn term_dates(degrees: u16, place: Place, year: i32) -> Vec<NaiveDate> {
    // Start a little before New Year so a term in the first days (Xiaohan, about 5 January)
    // is found in its own year, not the next.
    let Some(start) = NaiveDate::from_ymd_opt(year - 1, 12, 25) else { return Vec::new() };
    let mut from = sky::jd_of(start);
    let mut out = Vec::new();
    for _ in 0..2 {
        let at = sky::tropical_ingress(f64::from(degrees), from);
        if let Some(date) = sky::local_date(at, place).filter(|d| d.year() == year) {
            out.push(date);
        }
        from = at + 300.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::lunar::d;

    #[test]
    fn terms_are_named_or_given_in_degrees() {
        assert_eq!(term_degrees("qingming"), Some(15));
        assert_eq!(term_degrees("dongzhi"), Some(270));
        assert_eq!(term_degrees("lichun"), Some(315));
        assert_eq!(term_degrees("270"), Some(270));
        assert_eq!(term_degrees("20"), None);
        assert_eq!(term_degrees("360"), None);
    }

    #[test]
    fn xiaohan_at_new_year_is_kept_in_its_own_year_once() {
        // Xiaohan (285°) falls on 5 or 6 January: once a year, never carried to the next.
        assert_eq!(term_dates(285, Place::Beijing, 2024), vec![d(2024, 1, 6)]);
        assert_eq!(term_dates(270, Place::Beijing, 2024), vec![d(2024, 12, 21)]);
    }
}
