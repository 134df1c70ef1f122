//! Golden tests: for every region with a file in `tests/golden/`, the working days off that
//! meridian computes for each listed year equal the official published list.

use chrono::{Datelike, NaiveDate};
use meridian::calendar::Library;
use std::collections::{BTreeMap, BTreeSet};

/// (year -> dates) from a golden file: `YYYY-MM-DD name` lines, `#` comments.
fn read_golden(text: &str) -> BTreeMap<i32, BTreeSet<NaiveDate>> {
    let mut years: BTreeMap<i32, BTreeSet<NaiveDate>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let date = line.split_whitespace().next().unwrap_or_default();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .unwrap_or_else(|_| panic!("line {}: bad date in '{line}'", n + 1));
        years.entry(date.year()).or_default().insert(date);
    }
    years
}

#[test]
fn every_golden_year_matches_the_official_days_off() {
    let library = Library::shipped().expect("shipped calendars are valid");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> =
        std::fs::read_dir(&dir).expect("tests/golden exists").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries.into_iter().filter(|p| p.extension().is_some_and(|e| e == "txt")) {
        let code = path.file_stem().unwrap().to_string_lossy().to_string();
        let calendar = library.find(&code).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let golden = read_golden(&std::fs::read_to_string(&path).unwrap());
        for (year, expected) in golden {
            let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
            let to = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
            let (occurrences, _) = calendar.occurrences(from, to);
            let actual: BTreeSet<NaiveDate> = occurrences
                .iter()
                .filter(|o| o.kind.is_day_off() && !calendar.is_weekend(o.date))
                .map(|o| o.date)
                .collect();
            if actual != expected {
                let missing: Vec<_> = expected.difference(&actual).map(ToString::to_string).collect();
                let extra: Vec<_> = actual.difference(&expected).map(ToString::to_string).collect();
                failures.push(format!("{code} {year}: missing {missing:?}, unexpected {extra:?}"));
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "golden mismatches:\n{}", failures.join("\n"));
    assert!(checked >= 16 * 3, "only {checked} region-years are covered by golden files");
}
