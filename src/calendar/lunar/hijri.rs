//! Hijri month-days as Gregorian dates, by the reckoning a region follows: Umm al-Qura (the
//! Saudi tables, from ICU4X's `icu_calendar`) or a crescent sighting estimated for a place
//! (Shaukat's visibility criterion, from ICU4X's `calendrical_calculations`).

use super::sky::Place;
use calendrical_calculations::islamic::{fixed_from_observational_islamic, Location};
use chrono::{Datelike, NaiveDate};
use icu_calendar::cal::Hijri;
use icu_calendar::Date;

/// How the months are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reckoning {
    UmmAlQura,
    /// The first evening the new crescent is expected to be seen at the place.
    Sighted(Place),
}

/// The Gregorian dates in `year` of Hijri `month`-`day` (two in some years: a Hijri year is
/// eleven days shorter).
pub fn dates(reckoning: Reckoning, month: u8, day: u8, year: i32) -> Vec<NaiveDate> {
    // The Hijri year that begins nearest the start of `year`, and its neighbours.
    let guess = ((f64::from(year) - 621.57) * 365.2425 / 354.367) as i32 + 1;
    (guess - 1..=guess + 1)
        .filter_map(|ah| {
            let days = match reckoning {
                Reckoning::UmmAlQura => {
                    Date::try_new_hijri_with_calendar(ah, month, day, Hijri::new_umm_al_qura()).ok()?.to_rata_die()
                }
                Reckoning::Sighted(place) => {
                    let (lat, lon, offset) = place.coordinates();
                    let location = Location::try_new(lat, lon, 0.0, offset / 24.0).ok()?;
                    fixed_from_observational_islamic(ah, month, day, location)
                }
            };
            super::gregorian(days)
        })
        .filter(|d| d.year() == year)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::lunar::d;

    #[test]
    fn eid_al_fitr_falls_twice_in_2033() {
        assert_eq!(dates(Reckoning::UmmAlQura, 10, 1, 2033).len(), 2);
    }

    #[test]
    fn umm_al_qura_eid_al_adha_2024() {
        assert_eq!(dates(Reckoning::UmmAlQura, 12, 10, 2024), vec![d(2024, 6, 16)]);
    }
}
