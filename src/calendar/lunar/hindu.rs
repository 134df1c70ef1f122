//! Hindu and Buddhist lunisolar dates: amanta months named by the sun's sidereal sign at the
//! new moon that opens them (adhika months, with no sankranti, are skipped), tithis read at a
//! moment of the day at a reference place, nakshatras within a solar month, and sankrantis.

use super::sky::{self, Moment, Place};
use chrono::{Datelike, Duration, NaiveDate};

pub const MONTHS: [&str; 12] = [
    "chaitra",
    "vaishakha",
    "jyeshtha",
    "ashadha",
    "shravana",
    "bhadrapada",
    "ashvin",
    "kartika",
    "margashirsha",
    "pausha",
    "magha",
    "phalguna",
];

pub const SIGNS: [&str; 12] = [
    "mesha",
    "vrishabha",
    "mithuna",
    "karka",
    "simha",
    "kanya",
    "tula",
    "vrishchika",
    "dhanu",
    "makara",
    "kumbha",
    "meena",
];

pub const NAKSHATRAS: [&str; 27] = [
    "ashwini",
    "bharani",
    "krittika",
    "rohini",
    "mrigashira",
    "ardra",
    "punarvasu",
    "pushya",
    "ashlesha",
    "magha",
    "purva-phalguni",
    "uttara-phalguni",
    "hasta",
    "chitra",
    "swati",
    "vishakha",
    "anuradha",
    "jyeshtha",
    "mula",
    "purva-ashadha",
    "uttara-ashadha",
    "shravana",
    "dhanishta",
    "shatabhisha",
    "purva-bhadrapada",
    "uttara-bhadrapada",
    "revati",
];

/// Other spellings people write for a month.
pub fn month_index(text: &str) -> Option<u8> {
    let canonical = match text {
        "vaisakha" | "baisakh" | "vaishakh" => "vaishakha",
        "jyaistha" | "jyeshta" => "jyeshtha",
        "ashadh" | "asadha" => "ashadha",
        "sravana" | "shravan" | "sawan" => "shravana",
        "bhadra" | "bhadrapad" | "bhadon" => "bhadrapada",
        "ashwin" | "ashvina" | "ashwina" | "asvina" => "ashvin",
        "kartik" | "karthika" => "kartika",
        "margashirsha" | "agrahayana" | "margashirsh" => "margashirsha",
        "pausa" | "paush" | "pushya" => "pausha",
        "magh" => "magha",
        "phalgun" => "phalguna",
        "chaitr" | "chait" => "chaitra",
        other => other,
    };
    MONTHS.iter().position(|m| *m == canonical).map(|i| i as u8)
}

/// An amanta month: from one new moon to the next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LunarMonth {
    /// Index into [`MONTHS`].
    pub name: u8,
    /// An adhika (leap) month: no sankranti falls in it, and it borrows the next one's name.
    pub adhika: bool,
    pub start: f64,
    pub end: f64,
}

/// The amanta months whose new moons fall from November of `year - 1` to February of
/// `year + 1`: every month that can hold a date of `year`.
pub fn months_around(year: i32) -> Vec<LunarMonth> {
    let Some(from) = NaiveDate::from_ymd_opt(year - 1, 11, 1) else { return Vec::new() };
    let Some(until) = NaiveDate::from_ymd_opt(year + 1, 3, 1) else { return Vec::new() };
    let mut moons = vec![sky::new_moon_after(sky::jd_of(from))];
    while moons.last().is_some_and(|&m| m < sky::jd_of(until)) {
        let last = *moons.last().expect("one new moon at least");
        moons.push(sky::new_moon_after(last + 25.0));
    }
    let signs: Vec<u8> = moons.iter().map(|&m| (sky::sun_sidereal(m) / 30.0).floor() as u8 % 12).collect();
    moons
        .windows(2)
        .zip(signs.windows(2))
        .map(|(m, s)| LunarMonth { name: (s[0] + 1) % 12, adhika: s[0] == s[1], start: m[0], end: m[1] })
        .collect()
}

/// The day on which tithi `tithi` (1..=30) of a month is kept when read at `moment` at
/// `place`: the day whose moment falls inside the tithi; the first such day if two do (the
/// second if `later`, as where the rule prefers the tithi's second sunset or noon); the day
/// it begins on if none does (a kshaya tithi).
pub fn tithi_day(month: &LunarMonth, tithi: u8, place: Place, moment: Moment, later: bool) -> Option<NaiveDate> {
    let begin = sky::elongation_reaches(f64::from(tithi - 1) * 12.0, month.start + f64::from(tithi - 1) * 0.98);
    let end = sky::elongation_reaches(f64::from(tithi) * 12.0, begin + 1.0);
    let first = sky::local_date(begin, place)? - Duration::days(1);
    let mut day = first;
    let mut found = None;
    for _ in 0..4 {
        let at = sky::moment_of(day, place, moment);
        if at >= begin && at < end {
            if !later {
                return Some(day);
            }
            found = Some(day);
        }
        if at >= end {
            break;
        }
        day += Duration::days(1);
    }
    found.or_else(|| sky::local_date(begin, place))
}

/// The day of `year` (or days, at a year's edge) on which tithi `tithi` of the nija month
/// `month` is kept.
pub fn tithi_dates(
    months: &[LunarMonth],
    month: u8,
    tithi: u8,
    place: Place,
    moment: Moment,
    later: bool,
    year: i32,
) -> Vec<NaiveDate> {
    months
        .iter()
        .filter(|m| m.name == month && !m.adhika)
        .filter_map(|m| tithi_day(m, tithi, place, moment, later))
        .filter(|d| d.year() == year)
        .collect()
}

/// The days of `year` on which tithi `tithi` is kept, in whichever lunar month, when the
/// sun is then in sidereal `sign` (as the Tamil calendar places Deepavali in Aippasi).
pub fn tithi_dates_during(
    months: &[LunarMonth],
    sign: u8,
    tithi: u8,
    place: Place,
    moment: Moment,
    later: bool,
    year: i32,
) -> Vec<NaiveDate> {
    months
        .iter()
        .filter_map(|m| tithi_day(m, tithi, place, moment, later))
        .filter(|d| d.year() == year)
        .filter(|d| (sky::sun_sidereal(sky::moment_of(*d, place, moment)) / 30.0).floor() as u8 % 12 == sign)
        .collect()
}

/// The date at `place` on which the sun enters sidereal `sign` in `year`.
pub fn sankranti_dates(sign: u8, place: Place, year: i32) -> Vec<NaiveDate> {
    let Some(start) = NaiveDate::from_ymd_opt(year, 1, 1) else { return Vec::new() };
    let enter = sky::sidereal_ingress(f64::from(sign) * 30.0, sky::jd_of(start));
    sky::local_date(enter, place).into_iter().filter(|d| d.year() == year).collect()
}

/// The solar month of sign `sign` (sidereal) that starts in `year` or the year before, as
/// the days at `place` from the one the sun enters the sign until the day before it leaves.
/// A sankranti after sunset starts the month the next day, as Tamil and Kerala reckon; by
/// Bengal's rule (`midnight`) the month starts the day after the sankranti's day, or the day
/// after that when the sankranti falls after that day's midnight.
pub fn solar_month_days(sign: u8, place: Place, midnight: bool, year: i32) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    for y in [year - 1, year] {
        let Some(start) = NaiveDate::from_ymd_opt(y, 1, 1) else { continue };
        let enter = sky::sidereal_ingress(f64::from(sign) * 30.0, sky::jd_of(start));
        let leave = sky::sidereal_ingress(f64::from((sign + 1) % 12) * 30.0, enter + 1.0);
        let first_day = |jd| if midnight { bengal_month_day(jd, place) } else { month_day(jd, place) };
        let (Some(first), Some(last)) = (first_day(enter), first_day(leave)) else { continue };
        out.push((first, last - Duration::days(1)));
    }
    out
}

/// The first day of a solar month begun at `jd`: that day if before sunset, else the next.
fn month_day(jd: f64, place: Place) -> Option<NaiveDate> {
    let date = sky::local_date(jd, place)?;
    if jd < sky::moment_of(date, place, Moment::Sunset) {
        Some(date)
    } else {
        Some(date + Duration::days(1))
    }
}

/// The first day of a solar month begun at `jd` by Bengal's rule: the Hindu day (sunrise to
/// sunrise) that holds the sankranti is the last of the old month when the sankranti falls
/// before its midnight, so the month starts the next day; after midnight, the one after.
fn bengal_month_day(jd: f64, place: Place) -> Option<NaiveDate> {
    let date = sky::local_date(jd, place)?;
    let day = if jd < sky::moment_of(date, place, Moment::Sunrise) { date - Duration::days(1) } else { date };
    if jd < sky::moment_of(day, place, Moment::Midnight) {
        Some(day + Duration::days(1))
    } else {
        Some(day + Duration::days(2))
    }
}

/// Day `day` (1 is the sankranti, the sun entering sidereal `sign`) of that solar month at
/// `place` in `year`; the month starts on the date of the ingress, or the next day when it
/// falls after sunset (or by Bengal's midnight rule, `midnight`).
pub fn solar_day_dates(sign: u8, day: u8, place: Place, midnight: bool, year: i32) -> Vec<NaiveDate> {
    solar_month_days(sign, place, midnight, year)
        .into_iter()
        .map(|(first, _)| first + Duration::days(i64::from(day) - 1))
        .filter(|d| d.year() == year)
        .collect()
}

/// The day of `year` in solar month `sign` on which nakshatra `star` (0..27) rules at
/// `moment`; when the star rules two such days in the month (a month is longer than the
/// moon's round), the one nearer the full moon, as Thaipusam is kept. A star that begins
/// after one day's moment and ends before the next (kshaya, as the moon sometimes runs
/// through a mansion in less than a day) is kept on the day it begins, as a kshaya tithi is.
pub fn nakshatra_dates(star: u8, sign: u8, place: Place, moment: Moment, year: i32) -> Vec<NaiveDate> {
    let star_at =
        |day: NaiveDate| (sky::moon_sidereal(sky::moment_of(day, place, moment)) / (360.0 / 27.0)).floor() as u8 % 27;
    let mut out = Vec::new();
    for (first, last) in solar_month_days(sign, place, false, year) {
        let mut best: Option<(f64, NaiveDate)> = None;
        let mut day = first;
        while day <= last {
            let at = sky::moment_of(day, place, moment);
            let today = star_at(day);
            let skipped = today == (star + 26) % 27 && star_at(day + Duration::days(1)) == (star + 1) % 27;
            if today == star || skipped {
                let from_full = (sky::elongation(at) - 180.0).abs();
                if best.is_none_or(|(b, _)| from_full < b) {
                    best = Some((from_full, day));
                }
            }
            day += Duration::days(1);
        }
        if let Some((_, day)) = best.filter(|(_, d)| d.year() == year) {
            out.push(day);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::lunar::d;

    #[test]
    fn an_adhika_month_is_found_and_skipped() {
        // 2023 had an adhika Shravana (18 July to 16 August).
        let months = months_around(2023);
        let adhika: Vec<_> = months.iter().filter(|m| m.adhika).collect();
        assert_eq!(adhika.len(), 1, "{months:?}");
        assert_eq!(MONTHS[adhika[0].name as usize], "shravana");
        // The new moon of 17 July 18:32 UT is past midnight in India.
        assert_eq!(sky::local_date(adhika[0].start, Place::Ujjain), Some(d(2023, 7, 18)));
    }

    #[test]
    fn diwali_2024_is_the_amavasya_of_ashvin_at_dusk() {
        let months = months_around(2024);
        let ashvin = month_index("ashvin").unwrap();
        assert_eq!(tithi_dates(&months, ashvin, 30, Place::Ujjain, Moment::Sunset, false, 2024), vec![d(2024, 10, 31)]);
    }

    #[test]
    fn an_amavasya_over_two_dusks_is_kept_on_the_second_when_asked() {
        // 31 October 2024 15:52 to 1 November 18:16 IST: both of Ujjain's sunsets fall in it;
        // Maharashtra kept Lakshmi Puja on the second.
        let months = months_around(2024);
        let ashvin = month_index("ashvin").unwrap();
        assert_eq!(tithi_dates(&months, ashvin, 30, Place::Ujjain, Moment::Sunset, true, 2024), vec![d(2024, 11, 1)]);
    }

    #[test]
    fn minutes_after_sunrise_move_raksha_bandhan_to_the_day_the_purnima_lasts() {
        // The purnima of Shravana 2026 runs from mid-morning of 27 August to mid-morning of
        // the 28th: only the 27th's noon falls in it, but it lasts six ghatis past the
        // 28th's sunrise, which is the day the tables keep.
        let months = months_around(2026);
        let shravana = month_index("shravana").unwrap();
        let noon = tithi_dates(&months, shravana, 15, Place::Ujjain, Moment::Noon, false, 2026);
        let ghatis = tithi_dates(&months, shravana, 15, Place::Ujjain, Moment::AfterSunrise(144), false, 2026);
        assert_eq!((noon, ghatis), (vec![d(2026, 8, 27)], vec![d(2026, 8, 28)]));
    }

    #[test]
    fn a_star_that_rules_at_no_sunrise_of_the_month_is_kept_on_the_day_it_begins() {
        // Pushya in Thai (makara) 2028 runs from about 09:20 on 9 February to 06:33 on the
        // 10th, Kuala Lumpur time: between two sunrises (about 07:20). Malaysia's Thaipusam table
        // keeps 9 February; before, the rule gave no date at all that year.
        let pushya = NAKSHATRAS.iter().position(|s| *s == "pushya").unwrap() as u8;
        let makara = SIGNS.iter().position(|s| *s == "makara").unwrap() as u8;
        assert_eq!(nakshatra_dates(pushya, makara, Place::KualaLumpur, Moment::Sunrise, 2028), vec![d(2028, 2, 9)]);
        // A year whose star rules at a sunrise is unchanged: 28 January 2021.
        assert_eq!(nakshatra_dates(pushya, makara, Place::KualaLumpur, Moment::Sunrise, 2021), vec![d(2021, 1, 28)]);
    }
}
