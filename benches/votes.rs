//! Vote ingestion: how many pulse votes per second the store records, durably, on SQLite (a
//! file on local disk) and on PostgreSQL (`MERIDIAN_TEST_POSTGRES_URL`, skipped if unset).
//!
//! Each iteration opens a fresh pulse and records a few thousand votes from distinct voters
//! through `Store::record_vote`, the same call a button click makes; a vote counts once it is
//! acknowledged, i.e. committed with the backend's durable settings (SQLite WAL with
//! `synchronous = FULL`, PostgreSQL `synchronous_commit = on`). Three shapes:
//! - `one-at-a-time`: a single caller awaiting each vote, so every vote pays a whole commit
//!   (an fsync): this measures the disk, not the store;
//! - `concurrent-64`, `concurrent-256`: 64 or 256 callers clicking at once, as a busy channel
//!   does after a pulse is posted. The store's vote writer commits all waiting votes in one
//!   transaction, so the fsync is shared and throughput grows with the number waiting.
//!
//! Run with `cargo bench --bench votes`. Measured on the 2-core development machine while
//! other builds were running on it (so read them as lower bounds), votes per second, median
//! of 10 samples:
//!
//! | shape          | SQLite (file, WAL, FULL) | PostgreSQL 15 (local) |
//! |----------------|-------------------------:|----------------------:|
//! | one-at-a-time  |                      800 |                   260 |
//! | concurrent-64  |                   18,400 |                17,200 |
//! | concurrent-256 |                   30,200 |                24,400 |

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use meridian::store::{ChannelId, NewPulse, Platform, Store};
use sqlx::Connection;
use tokio::runtime::Runtime;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T12:00:00Z").unwrap().to_utc()
}

async fn a_channel(store: &Store) -> ChannelId {
    let ws = store.upsert_workspace(Platform::Slack, "T-bench", "Bench").await.unwrap();
    store.upsert_channel(ws, "C-bench", "bench").await.unwrap()
}

/// Records `votes` votes into a fresh pulse with `callers` concurrent callers; returns the time
/// from the first click to the last acknowledgement.
async fn ingest(store: &Store, channel: ChannelId, votes: u64, callers: u64) -> Duration {
    let pulse = store
        .create_pulse(&NewPulse {
            channel,
            question: "How was your week?".into(),
            question_id: None,
            theme: None,
            options: vec!["1".into(), "2".into(), "3".into(), "4".into(), "5".into()],
            opens_at: now() - TimeDelta::hours(1),
            closes_at: now() + TimeDelta::hours(24),
            created_by: "bench".into(),
        })
        .await
        .unwrap();
    let start = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|caller| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in (caller..votes).step_by(callers as usize) {
                    let voter = format!("U{i:08}");
                    let choice = (i % 5) as u32;
                    store.record_vote(pulse, &voter, choice, Some("IN"), now()).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = start.elapsed();
    assert_eq!(store.voter_count(pulse).await.unwrap(), votes);
    elapsed
}

fn bench_backend(c: &mut Criterion, rt: &Runtime, name: &str, store: &Store) {
    let channel = rt.block_on(a_channel(store));
    let mut group = c.benchmark_group(format!("votes/{name}"));
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for (label, votes, callers) in
        [("one-at-a-time", 1_000, 1), ("concurrent-64", 4_000, 64), ("concurrent-256", 8_000, 256)]
    {
        group.throughput(Throughput::Elements(votes));
        group.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += ingest(store, channel, votes, callers).await;
                    }
                    total
                })
            })
        });
    }
    group.finish();
}

fn votes(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();

    // A file on the machine's disk (under target/), not tmpfs, so every commit's fsync is real.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = rt.block_on(Store::connect(&url)).unwrap();
    bench_backend(c, &rt, "sqlite", &store);
    rt.block_on(store.close());

    let Ok(admin_url) = std::env::var("MERIDIAN_TEST_POSTGRES_URL") else {
        eprintln!(
            "note: MERIDIAN_TEST_POSTGRES_URL is not set; the PostgreSQL vote benchmark was \
             not run"
        );
        return;
    };
    let schema = format!("meridian_bench_{}", std::process::id());
    let admin = |sql: String| {
        let admin_url = admin_url.clone();
        rt.block_on(async move {
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).execute(&mut conn).await.unwrap();
        })
    };
    admin(format!("CREATE SCHEMA {schema}"));
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    let url = format!("{admin_url}{separator}options[search_path]={schema}");
    let store = rt.block_on(Store::connect(&url)).unwrap();
    bench_backend(c, &rt, "postgres", &store);
    rt.block_on(store.close());
    admin(format!("DROP SCHEMA {schema} CASCADE"));
}

criterion_group!(benches, votes);
criterion_main!(benches);
