//! Properties of the calendar engine and of every shipped calendar: rules give at most one
//! date a year, substitutes never land on a weekend, leap days, full table coverage.

use chrono::{Datelike, NaiveDate, Weekday};
use meridian::calendar::{Library, Rule};
use proptest::prelude::*;

const REQUIRED: [&str; 16] =
    ["PH", "IN", "US", "GB", "AU", "CO", "MX", "BR", "ZA", "JP", "DE", "CA", "IE", "NZ", "SG", "MY"];

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn weekday_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
}

fn rule_text() -> impl Strategy<Value = String> {
    let months =
        prop::sample::select(vec!["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]);
    let nth = prop::sample::select(vec!["1st", "2nd", "3rd", "4th", "5th", "last"]);
    prop_oneof![
        (1u32..=12, 1u32..=31).prop_filter_map("a real month-day", |(m, d)| {
            NaiveDate::from_ymd_opt(2024, m, d).map(|_| format!("{m:02}-{d:02}"))
        }),
        (nth, weekday_name(), months).prop_map(|(n, w, m)| format!("{n} {w} in {m}")),
        (
            weekday_name(),
            prop::sample::select(vec!["on or after", "on or before", "after", "before"]),
            1u32..=12,
            1u32..=28
        )
            .prop_map(|(w, dir, m, d)| format!("{w} {dir} {m:02}-{d:02}")),
        (-60i32..=70).prop_map(|n| format!("easter{n:+}")),
        (-60i32..=70).prop_map(|n| format!("orthodox easter{n:+}")),
    ]
}

proptest! {
    #[test]
    fn every_rule_gives_at_most_one_date_in_its_own_year(text in rule_text(), year in 1900i32..2300) {
        let rule = Rule::parse(&text).unwrap();
        let dates = rule.dates_in(year);
        prop_assert!(dates.len() <= 1, "{text} gave {dates:?} in {year}");
        for d in dates {
            prop_assert_eq!(d.year(), year);
        }
    }

    #[test]
    fn nth_weekday_rules_land_on_that_weekday_in_that_week(n in 1u32..=4, w in 0u32..7, m in 1u32..=12, year in 1900i32..2300) {
        let weekday = Weekday::try_from(w as u8).unwrap();
        let ordinal = ["1st", "2nd", "3rd", "4th"][n as usize - 1];
        let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m as usize - 1];
        let rule = Rule::parse(&format!("{ordinal} {weekday} in {month}")).unwrap();
        let d = rule.dates_in(year)[0];
        prop_assert_eq!(d.weekday(), weekday);
        prop_assert_eq!(d.month(), m);
        prop_assert_eq!((d.day() - 1) / 7 + 1, n);
    }
}

#[test]
fn a_leap_day_rule_happens_only_in_leap_years() {
    let rule = Rule::parse("02-29").unwrap();
    for year in 1896..=2104 {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        assert_eq!(rule.dates_in(year).len(), usize::from(leap), "{year}");
    }
    assert!(rule.dates_in(2000).len() == 1 && rule.dates_in(1900).is_empty() && rule.dates_in(2100).is_empty());
}

#[test]
fn all_sixteen_required_regions_are_shipped() {
    let library = Library::shipped().expect("shipped calendars are valid");
    for code in REQUIRED {
        let calendar = library.find(code).unwrap_or_else(|e| panic!("{e}"));
        let (days, _) = calendar.occurrences(date(2026, 1, 1), date(2026, 12, 31));
        assert!(days.iter().filter(|o| o.kind.is_day_off()).count() >= 5, "{code} has too few days off in 2026");
    }
}

#[test]
fn shipped_tables_cover_2020_to_2035_without_gaps() {
    let library = Library::shipped().unwrap();
    for calendar in library.regions() {
        let (_, gaps) = calendar.occurrences(date(2020, 1, 1), date(2035, 12, 31));
        let gaps: Vec<String> = gaps.iter().map(ToString::to_string).collect();
        assert!(gaps.is_empty(), "{}: {gaps:#?}", calendar.code);
    }
}

#[test]
fn a_year_past_the_tables_is_reported_not_guessed() {
    let library = Library::shipped().unwrap();
    let india = library.find("IN").unwrap();
    let (days, gaps) = india.occurrences(date(2099, 1, 1), date(2099, 12, 31));
    assert!(!gaps.is_empty(), "lunar festivals in 2099 should be reported as unknown");
    assert!(gaps.iter().all(|g| g.year == 2099 && g.last >= 2035));
    assert!(days.iter().any(|o| o.id == "republic-day"), "rule-based days are still known");
}

#[test]
fn shipped_substitute_days_never_fall_on_a_weekend() {
    let library = Library::shipped().unwrap();
    let mut substitutes = 0;
    for calendar in library.regions() {
        let (days, _) = calendar.occurrences(date(2020, 1, 1), date(2035, 12, 31));
        for o in days.iter().filter(|o| o.observed) {
            substitutes += 1;
            assert!(!calendar.is_weekend(o.date), "{} {}: {} is on a weekend", calendar.code, o.date, o.name);
            let original = o.observed_for.expect("a substitute names the day it replaces");
            assert!(calendar.is_weekend(original), "{}: {} replaces a weekday", calendar.code, o.name);
            assert!((o.date - original).num_days().abs() <= 7);
        }
    }
    assert!(substitutes > 100, "expected many substitute days across regions, saw {substitutes}");
}

#[test]
fn shipped_rule_events_give_at_most_one_date_per_year_from_1990_to_2100() {
    let library = Library::shipped().unwrap();
    for calendar in library.regions() {
        let (days, _) = calendar.occurrences(date(1990, 1, 1), date(2100, 12, 31));
        let mut seen = std::collections::HashSet::new();
        for o in days.iter().filter(|o| !o.observed) {
            // Tables may hold two dates in a year (Eid al-Fitr in January and December 2033).
            let key = (o.region.clone(), o.name.clone(), o.date.year(), o.date);
            assert!(seen.insert(key), "{}: {} twice on {}", calendar.code, o.name, o.date);
        }
    }
}

#[test]
fn us_federal_substitutes_move_saturday_back_and_sunday_forward() {
    let us = Library::shipped().unwrap().find("US").unwrap();
    let (days, _) = us.occurrences(date(2021, 12, 1), date(2023, 1, 31));
    let observed: Vec<(NaiveDate, &str)> =
        days.iter().filter(|o| o.observed).map(|o| (o.date, o.id.as_str())).collect();
    // New Year's Day 2022 was a Saturday: observed on Friday 31 December 2021.
    assert!(observed.iter().any(|(d, _)| *d == date(2021, 12, 31)), "{observed:?}");
    // Christmas 2022 was a Sunday: observed on Monday 26 December.
    assert!(observed.iter().any(|(d, _)| *d == date(2022, 12, 26)), "{observed:?}");
}

#[test]
fn gb_christmas_and_boxing_day_on_a_weekend_cascade_to_monday_and_tuesday() {
    let gb = Library::shipped().unwrap().find("GB").unwrap();
    let (days, _) = gb.occurrences(date(2021, 12, 20), date(2021, 12, 31));
    let off: Vec<NaiveDate> =
        days.iter().filter(|o| o.kind.is_day_off() && !gb.is_weekend(o.date)).map(|o| o.date).collect();
    assert_eq!(off, vec![date(2021, 12, 27), date(2021, 12, 28)]);
}
