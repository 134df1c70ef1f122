//! Computed lunar dates: every computed rule of the shipped calendars (Chinese, Hijri,
//! Hindu/Buddhist) for every year 1900-2100, cold (caches emptied first) and cached, and the
//! shipped regions queried over the same two centuries, where tables end in 2035.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use meridian::calendar::lunar::{forget_computed_years, Computed};
use meridian::calendar::{parse_region_file, shipped_files, Library};
use std::collections::BTreeSet;
use std::hint::black_box;

/// The distinct computed rules of the shipped calendars, as their text.
fn shipped_rules() -> Vec<Computed> {
    let mut seen = BTreeSet::new();
    let mut rules = Vec::new();
    for (file, text) in shipped_files() {
        let region = parse_region_file(&file, &text).expect("shipped calendars parse");
        for event in region.events {
            if let Some(rule) = event.rule.computed() {
                if seen.insert(rule.to_string()) {
                    rules.push(*rule);
                }
            }
        }
    }
    rules
}

fn every_year(rules: &[Computed]) -> usize {
    let mut count = 0;
    for rule in rules {
        for year in 1900..=2100 {
            count += rule.dates_in(year).len();
        }
    }
    count
}

fn lunar(c: &mut Criterion) {
    let rules = shipped_rules();
    eprintln!("{} distinct computed rules in the shipped calendars", rules.len());
    let mut group = c.benchmark_group("lunar");
    group.sample_size(10);
    group.bench_function("every computed rule, 1900-2100, cold", |b| {
        b.iter(|| {
            forget_computed_years();
            black_box(every_year(&rules))
        })
    });
    every_year(&rules);
    group.bench_function("every computed rule, 1900-2100, cached", |b| b.iter(|| black_box(every_year(&rules))));
    let library = Library::shipped().expect("shipped calendars load");
    let (from, to) = (NaiveDate::from_ymd_opt(1900, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2100, 12, 31).unwrap());
    group.bench_function("all shipped regions, 1900-2100, cached", |b| {
        b.iter(|| library.regions().map(|r| r.occurrences(from, to).0.len()).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, lunar);
criterion_main!(benches);
