//! The sky as the Hindu and Buddhist calendars read it: sun and moon longitudes (Meeus'
//! algorithms from the `astro` crate), the sidereal zodiac (Lahiri ayanamsa), sunrise and
//! sunset at a reference place, and the moments when the moon's elongation reaches an angle.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Julian day of 0001-01-01 00:00 UT minus one day: `JD = days_from_ce + this` at midnight.
const JD_OF_CE_MIDNIGHT: f64 = 1_721_424.5;
/// Julian day of J2000.0.
const J2000: f64 = 2_451_545.0;
/// The moon gains on the sun by this many degrees a day, on average.
const MEAN_ELONGATION_RATE: f64 = 360.0 / 29.530_588;

/// A place whose sunrise decides the day of a tithi, and whose clock names the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    Ujjain,
    Delhi,
    Mumbai,
    Chennai,
    Kolkata,
    Bengaluru,
    Hyderabad,
    Kochi,
    KualaLumpur,
    Manila,
    Singapore,
    Beijing,
    Tokyo,
}

impl Place {
    pub const ALL: [Place; 13] = [
        Place::Ujjain,
        Place::Delhi,
        Place::Mumbai,
        Place::Chennai,
        Place::Kolkata,
        Place::Bengaluru,
        Place::Hyderabad,
        Place::Kochi,
        Place::KualaLumpur,
        Place::Manila,
        Place::Singapore,
        Place::Beijing,
        Place::Tokyo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Place::Ujjain => "ujjain",
            Place::Delhi => "delhi",
            Place::Mumbai => "mumbai",
            Place::Chennai => "chennai",
            Place::Kolkata => "kolkata",
            Place::Bengaluru => "bengaluru",
            Place::Hyderabad => "hyderabad",
            Place::Kochi => "kochi",
            Place::KualaLumpur => "kuala-lumpur",
            Place::Manila => "manila",
            Place::Singapore => "singapore",
            Place::Beijing => "beijing",
            Place::Tokyo => "tokyo",
        }
    }

    pub fn parse(text: &str) -> Option<Place> {
        Place::ALL.into_iter().find(|p| p.name() == text)
    }

    /// Latitude and longitude (east positive) in degrees, and the standard UTC offset in hours.
    pub fn coordinates(self) -> (f64, f64, f64) {
        match self {
            Place::Ujjain => (23.18, 75.78, 5.5),
            Place::Delhi => (28.61, 77.21, 5.5),
            Place::Mumbai => (19.08, 72.88, 5.5),
            Place::Chennai => (13.08, 80.27, 5.5),
            Place::Kolkata => (22.57, 88.36, 5.5),
            Place::Bengaluru => (12.97, 77.59, 5.5),
            Place::Hyderabad => (17.39, 78.49, 5.5),
            Place::Kochi => (9.93, 76.27, 5.5),
            Place::KualaLumpur => (3.139, 101.69, 8.0),
            Place::Manila => (14.60, 120.98, 8.0),
            Place::Singapore => (1.35, 103.82, 8.0),
            // China's one clock (UTC+8) names the solar terms' dates; Japan's (UTC+9) its
            // equinox days.
            Place::Beijing => (39.90, 116.40, 8.0),
            Place::Tokyo => (35.68, 139.69, 9.0),
        }
    }

    pub fn utc_offset_hours(self) -> f64 {
        self.coordinates().2
    }
}

/// The moment of the day at which a tithi or nakshatra is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Moment {
    Sunrise,
    Noon,
    /// Aparahna, the fourth fifth of the daylight (Dussehra's hour).
    Afternoon,
    Sunset,
    /// The middle of the night that follows the day (nishita, Janmashtami's hour).
    Midnight,
    /// Minutes after (or, negative, before) sunrise: `sunrise+144` is six ghatis into the
    /// day (Raksha Bandhan's purnima must last that long), `sunrise-96` is arunodaya, the
    /// dawn hour of Naraka Chaturdashi's bath.
    AfterSunrise(i16),
    /// Minutes after sunset: `sunset+144` is the end of pradosh.
    AfterSunset(i16),
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Moment::AfterSunrise(minutes) => write!(f, "sunrise{minutes:+}"),
            Moment::AfterSunset(minutes) => write!(f, "sunset{minutes:+}"),
            named => f.write_str(named.name()),
        }
    }
}

impl Moment {
    /// The moment's word; an offset moment is named by its base (see `Display`).
    fn name(self) -> &'static str {
        match self {
            Moment::AfterSunrise(_) => "sunrise",
            Moment::AfterSunset(_) => "sunset",
            Moment::Sunrise => "sunrise",
            Moment::Noon => "noon",
            Moment::Afternoon => "afternoon",
            Moment::Sunset => "sunset",
            Moment::Midnight => "midnight",
        }
    }

    /// `sunrise`, `noon`, ..., or `sunrise+MINUTES`/`sunset-MINUTES` (up to six hours).
    pub fn parse(text: &str) -> Option<Moment> {
        let offset = |rest: &str| {
            rest.starts_with(['+', '-']).then(|| rest.parse::<i16>().ok()).flatten().filter(|m| m.abs() <= 360)
        };
        if let Some(minutes) = text.strip_prefix("sunrise").and_then(offset) {
            return Some(Moment::AfterSunrise(minutes));
        }
        if let Some(minutes) = text.strip_prefix("sunset").and_then(offset) {
            return Some(Moment::AfterSunset(minutes));
        }
        [Moment::Sunrise, Moment::Noon, Moment::Afternoon, Moment::Sunset, Moment::Midnight]
            .into_iter()
            .find(|m| m.name() == text)
    }
}

/// The Julian day (UT) of midnight starting `date` in UT.
pub fn jd_of(date: NaiveDate) -> f64 {
    f64::from(date.num_days_from_ce()) + JD_OF_CE_MIDNIGHT
}

/// The calendar date at `place` of the instant `jd`.
pub fn local_date(jd: f64, place: Place) -> Option<NaiveDate> {
    let days = (jd + place.utc_offset_hours() / 24.0 - JD_OF_CE_MIDNIGHT).floor();
    NaiveDate::from_num_days_from_ce_opt(days as i32)
}

/// Terrestrial time runs ahead of universal time by ΔT; the theories want TT.
fn ephemeris(jd: f64) -> f64 {
    let year = 2000.0 + (jd - J2000) / 365.25;
    let month = 1 + ((year.fract() * 12.0) as u8).min(11);
    jd + astro::time::delta_t(year as i32, month) / 86_400.0
}

/// The sun's tropical (geocentric ecliptic) longitude in degrees.
pub fn sun_longitude(jd: f64) -> f64 {
    let (point, _) = astro::sun::geocent_ecl_pos(ephemeris(jd));
    point.long.to_degrees().rem_euclid(360.0)
}

/// The moon's tropical longitude in degrees.
pub fn moon_longitude(jd: f64) -> f64 {
    let (point, _) = astro::lunar::geocent_ecl_pos(ephemeris(jd));
    point.long.to_degrees().rem_euclid(360.0)
}

/// The sun's apparent tropical longitude in degrees: the geometric one corrected to FK5, for
/// nutation and for aberration, as the solar terms and equinoxes are defined (the
/// aberration alone moves an instant by some eight minutes, enough to change a date).
pub fn sun_apparent_longitude(jd: f64) -> f64 {
    let jde = ephemeris(jd);
    let (point, radius) = astro::sun::geocent_ecl_pos(jde);
    let (nutation, _) = astro::nutation::nutation(jde);
    let fk5 = -0.090_33 / 3600.0;
    let aberration = -20.489_8 / 3600.0 / radius;
    (point.long.to_degrees() + nutation.to_degrees() + fk5 + aberration).rem_euclid(360.0)
}

/// The instant after `from` (within a year) at which the sun's apparent longitude reaches
/// `angle`.
pub fn tropical_ingress(angle: f64, from: f64) -> f64 {
    let mut jd = from + (angle - sun_apparent_longitude(from)).rem_euclid(360.0) / 0.985_6;
    for _ in 0..20 {
        let off = (angle - sun_apparent_longitude(jd) + 540.0).rem_euclid(360.0) - 180.0;
        jd += off / 0.985_6;
        if off.abs() < 1e-7 {
            break;
        }
    }
    jd
}

/// How far the sidereal zodiac lags the tropical one (Lahiri's ayanamsa, as the Indian
/// national calendar reform fixed it), in degrees.
pub fn ayanamsa(jd: f64) -> f64 {
    let centuries = (jd - J2000) / 36_525.0;
    23.853_06 + 1.396_97 * centuries
}

/// The sun's sidereal longitude (Mesha starts at 0°).
pub fn sun_sidereal(jd: f64) -> f64 {
    (sun_longitude(jd) - ayanamsa(jd)).rem_euclid(360.0)
}

/// The moon's sidereal longitude (for nakshatras).
pub fn moon_sidereal(jd: f64) -> f64 {
    (moon_longitude(jd) - ayanamsa(jd)).rem_euclid(360.0)
}

/// The moon's elongation from the sun, 0° at new moon, 180° at full moon.
pub fn elongation(jd: f64) -> f64 {
    (moon_longitude(jd) - sun_longitude(jd)).rem_euclid(360.0)
}

/// The instant nearest `near` (within half a month) at which the elongation is `angle`.
pub fn elongation_reaches(angle: f64, near: f64) -> f64 {
    let mut jd = near;
    for _ in 0..20 {
        let off = (angle - elongation(jd) + 540.0).rem_euclid(360.0) - 180.0;
        jd += off / MEAN_ELONGATION_RATE;
        if off.abs() < 1e-5 {
            break;
        }
    }
    jd
}

/// The first new moon at or after `from`.
pub fn new_moon_after(from: f64) -> f64 {
    let ahead = (360.0 - elongation(from)) / MEAN_ELONGATION_RATE;
    let jd = elongation_reaches(0.0, from + ahead);
    if jd < from {
        elongation_reaches(0.0, jd + 29.53)
    } else {
        jd
    }
}

/// The instant after `from` (within a year) at which the sun's sidereal longitude reaches
/// `angle`.
pub fn sidereal_ingress(angle: f64, from: f64) -> f64 {
    let mut jd = from + (angle - sun_sidereal(from)).rem_euclid(360.0) / 0.985_6;
    for _ in 0..20 {
        let off = (angle - sun_sidereal(jd) + 540.0).rem_euclid(360.0) - 180.0;
        jd += off / 0.985_6;
        if off.abs() < 1e-6 {
            break;
        }
    }
    jd
}

/// The instant (JD, UT) of `moment` on the local `date` at `place`, by the sunrise equation
/// (good to a minute or two, which is what a tithi's edge needs).
pub fn moment_of(date: NaiveDate, place: Place, moment: Moment) -> f64 {
    let (lat, lon, _) = place.coordinates();
    // Local solar noon of the date, roughly: noon UT shifted by the longitude.
    let approx_noon = jd_of(date) + 0.5 - lon / 360.0;
    let n = approx_noon - J2000;
    let m = (357.529_1 + 0.985_600_28 * n).rem_euclid(360.0).to_radians();
    let centre = 1.914_8 * m.sin() + 0.02 * (2.0 * m).sin() + 0.000_3 * (3.0 * m).sin();
    let lambda = (m.to_degrees() + centre + 180.0 + 102.937_2).rem_euclid(360.0).to_radians();
    let transit = approx_noon + 0.005_3 * m.sin() - 0.006_9 * (2.0 * lambda).sin();
    let declination = (lambda.sin() * 23.44_f64.to_radians().sin()).asin();
    let lat = lat.to_radians();
    let cos_hour = ((-0.833_f64).to_radians().sin() - lat.sin() * declination.sin()) / (lat.cos() * declination.cos());
    let half_day = cos_hour.clamp(-1.0, 1.0).acos().to_degrees() / 360.0;
    match moment {
        Moment::Sunrise => transit - half_day,
        Moment::Noon => transit,
        Moment::Afternoon => transit + 0.4 * half_day,
        Moment::Sunset => transit + half_day,
        Moment::Midnight => transit + 0.5,
        Moment::AfterSunrise(minutes) => transit - half_day + f64::from(minutes) / 1440.0,
        Moment::AfterSunset(minutes) => transit + half_day + f64::from(minutes) / 1440.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::lunar::d;

    #[test]
    fn sunrise_in_delhi_is_where_the_almanac_puts_it() {
        // 2024-06-21 sunrise in New Delhi 05:24 IST, sunset 19:22 IST.
        let rise = moment_of(d(2024, 6, 21), Place::Delhi, Moment::Sunrise);
        let minutes = ((rise + 5.5 / 24.0 - jd_of(d(2024, 6, 21))) * 1440.0).round();
        assert!((minutes - 324.0).abs() <= 3.0, "{minutes}");
        let set = moment_of(d(2024, 6, 21), Place::Delhi, Moment::Sunset);
        let minutes = ((set + 5.5 / 24.0 - jd_of(d(2024, 6, 21))) * 1440.0).round();
        assert!((minutes - 1162.0).abs() <= 3.0, "{minutes}");
    }

    #[test]
    fn new_moons_fall_where_published() {
        // 2024-01-11 11:57 UT and 2023-11-13 09:27 UT (published new moons).
        let nm = new_moon_after(jd_of(d(2024, 1, 1)));
        assert!((nm - (jd_of(d(2024, 1, 11)) + (11.0 * 60.0 + 57.0) / 1440.0)).abs() < 5.0 / 1440.0, "{nm}");
        let nm = new_moon_after(jd_of(d(2023, 11, 1)));
        assert!((nm - (jd_of(d(2023, 11, 13)) + (9.0 * 60.0 + 27.0) / 1440.0)).abs() < 5.0 / 1440.0, "{nm}");
    }

    #[test]
    fn makara_sankranti_in_mid_january() {
        let jd = sidereal_ingress(270.0, jd_of(d(2024, 1, 1)));
        assert_eq!(local_date(jd, Place::Ujjain), Some(d(2024, 1, 15)));
    }
}
