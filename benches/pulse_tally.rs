//! How the pulse core copes with a busy pulse: 10,000 button clicks from 2,000 people
//! (so most clicks change an earlier vote), folded into per-choice counts the way the
//! store keeps them, then tallied and composed into a results message.
//!
//! The store's own cost per click (a keyed hash and an upsert) is benchmarked with the
//! store; this measures what the core adds on top.

use std::collections::HashMap;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use meridian::pulse::{AnswerKind, PulseId, PulseResults, ResultsInput, Tally, VoteCount, DEFAULT_MIN_GROUP};

const CLICKS: u32 = 10_000;
const PEOPLE: u32 = 2_000;
const REGIONS: [&str; 6] = ["Manila", "Cebu", "Leeds", "Austin", "Pune", "Kraków"];

/// A deterministic stream of clicks: (person, choice), no random generator needed.
fn clicks() -> impl Iterator<Item = (u32, usize)> {
    (0..CLICKS).map(|i| {
        let person = i.wrapping_mul(2_654_435_761) % PEOPLE;
        let choice = (i.wrapping_mul(40_503) % 5) as usize;
        (person, choice)
    })
}

/// One vote per person, the last click winning, then counts per (choice, region).
fn counts_after_clicks() -> Vec<VoteCount> {
    let mut votes: HashMap<u32, usize> = HashMap::with_capacity(PEOPLE as usize);
    for (person, choice) in clicks() {
        votes.insert(person, choice);
    }
    let mut counts: HashMap<(usize, &str), u32> = HashMap::new();
    for (person, choice) in votes {
        let region = REGIONS[(person % REGIONS.len() as u32) as usize];
        *counts.entry((choice, region)).or_default() += 1;
    }
    counts.into_iter().map(|((choice, region), count)| VoteCount::new(choice, Some(region), count)).collect()
}

/// The results message of a closed pulse of the benchmark's question.
fn closed_results(answer: &AnswerKind, tally: &Tally) -> PulseResults {
    PulseResults::compose(ResultsInput {
        pulse_id: PulseId(1),
        question: "How clear were the handoffs between our locations this week?",
        answer,
        tally,
        previous: None,
        closed: true,
    })
}

fn bench(c: &mut Criterion) {
    let answer = AnswerKind::scale_1_to_5();
    c.bench_function("pulse: 10,000 clicks to results text", |b| {
        b.iter(|| {
            let counts = counts_after_clicks();
            let tally = Tally::compute(&answer, &counts, Some(PEOPLE + 500), DEFAULT_MIN_GROUP).unwrap();
            let results = closed_results(&answer, &tally);
            black_box(results.to_text())
        })
    });

    let counts = counts_after_clicks();
    let tally = Tally::compute(&answer, &counts, Some(PEOPLE), DEFAULT_MIN_GROUP).unwrap();
    c.bench_function("pulse: tally of the resulting counts", |b| {
        b.iter(|| Tally::compute(&answer, black_box(&counts), Some(PEOPLE), DEFAULT_MIN_GROUP))
    });
    let results = closed_results(&answer, &tally);
    c.bench_function("pulse: PNG chart", |b| {
        b.iter(|| {
            let mut r = results.clone();
            r.attach_png().unwrap();
            black_box(r.png)
        })
    });
}

criterion_group! {
    name = benches;
    // Small samples: the CI machine has two cores and other benchmarks to run.
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
