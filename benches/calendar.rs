//! How fast the library answers: every shipped region over 100 years, and one region-year
//! (what a reminder or brief asks for). Run with `cargo bench --bench calendar`.

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use meridian::calendar::Library;
use std::hint::black_box;

fn all_regions_for_a_century(c: &mut Criterion) {
    let library = Library::shipped().expect("shipped calendars are valid");
    let regions: Vec<_> = library.regions().collect();
    let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let to = NaiveDate::from_ymd_opt(2099, 12, 31).unwrap();
    let total: usize = regions.iter().map(|r| r.occurrences(from, to).0.len()).sum();
    let mut group = c.benchmark_group("calendar");
    group.throughput(Throughput::Elements(total as u64));
    group.sample_size(20);
    group.bench_function(format!("{}_regions_x_100_years", regions.len()), |b| {
        b.iter(|| regions.iter().map(|r| black_box(r.occurrences(from, to)).0.len()).sum::<usize>())
    });
    // The same question python-holidays answers (nations only), for a like-for-like figure.
    let nations: Vec<_> = regions.iter().filter(|r| r.code.nation().is_none()).collect();
    group.bench_function(format!("{}_nations_x_100_years", nations.len()), |b| {
        b.iter(|| nations.iter().map(|r| black_box(r.occurrences(from, to)).0.len()).sum::<usize>())
    });
    let india = library.find("IN").unwrap();
    let y_from = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let y_to = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_region_one_year", |b| b.iter(|| black_box(india.occurrences(y_from, y_to))));
    group.bench_function("load_shipped_library", |b| b.iter(|| black_box(Library::shipped().unwrap())));
    group.finish();
}

/// A calendar file near the size cap, to keep parsing linear in its length (it was
/// quadratic: 0.7 s for 1.3 MB, 12.3 s for 5.3 MB), and half of it.
fn a_large_calendar_file(c: &mut Criterion) {
    let file = |bytes: usize| {
        let mut text = String::from("[region]\ncode = \"XA\"\nname = \"Example\"\ntimezone = \"Asia/Kolkata\"\n\n");
        let mut n = 0;
        while text.len() < bytes {
            n += 1;
            text.push_str(&format!(
                "[[event]]\nid = \"day-{n}\"\nname = \"Day {n}\"\nkind = \"observance\"\nrule = \"03-01\"\nabout = \"A note.\"\n\n"
            ));
        }
        text
    };
    let mut group = c.benchmark_group("calendar_file");
    group.sample_size(10);
    for bytes in [500_000, 1_000_000] {
        let text = file(bytes);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("parse_{}_kb", bytes / 1000), |b| {
            b.iter(|| black_box(meridian::calendar::parse_region_file("XA.toml", &text).is_ok()))
        });
    }
    group.finish();
}

criterion_group!(benches, all_regions_for_a_century, a_large_calendar_file);
criterion_main!(benches);
