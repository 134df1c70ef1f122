//! A burst of 10,000 clicks on one pulse, through the whole handler (`Bot::handle`: context,
//! pulse lookup, anonymous vote on a real SQLite file with `synchronous = FULL`), as a chat
//! platform would deliver them: all at once. Prints acknowledgement latency p50/p99 and lets
//! criterion time whole bursts. Run with `cargo bench --bench pulse_clicks`.

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use meridian::bot::{Bot, Parts};
use meridian::chat::{Actor, ChannelRef, Event, MessageRef, PlatformKind, Platforms};
use meridian::clock::SystemClock;
use meridian::config::Config;
use meridian::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLICKS: usize = 10_000;
/// 8,000 people; 2,000 of them click twice (a changed mind).
const PEOPLE: usize = 8_000;

fn channel() -> ChannelRef {
    ChannelRef { platform: PlatformKind::Console, workspace: "bench".into(), id: "ops".into(), name: "ops".into() }
}

async fn bot(dir: &std::path::Path) -> Arc<Bot> {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let parts = Parts::shipped(Config::load(None, &Default::default()).unwrap()).unwrap();
    Arc::new(parts.bot(Store::connect(&url).await.unwrap(), Arc::new(SystemClock), Platforms::default()))
}

/// Opens a pulse as a manager; returns its id.
async fn open_pulse(bot: &Bot) -> i64 {
    let manager = Actor { user_id: "maria".into(), display_name: "maria".into(), roles: vec!["manager".into()] };
    let start = Event::Command {
        channel: channel(),
        actor: manager,
        command: "pulse".into(),
        args: "\"How clear were handoffs this week?\" scale:1-5 for:1d".into(),
    };
    bot.handle(start).await.unwrap();
    let channel = bot.store.channels().await.unwrap().into_iter().find(|c| c.name == "ops").unwrap();
    bot.store.pulses_in_channel(channel.id).await.unwrap().iter().map(|p| p.id.0).max().unwrap()
}

/// All clicks at once; each one's time from arrival to acknowledgement.
async fn burst(bot: &Arc<Bot>, pulse: i64) -> Vec<Duration> {
    let tasks: Vec<_> = (0..CLICKS)
        .map(|i| {
            let bot = bot.clone();
            tokio::spawn(async move {
                let user = format!("u{}", i % PEOPLE);
                let click = Event::Click {
                    channel: channel(),
                    actor: Actor { user_id: user.clone(), display_name: user, roles: vec![] },
                    message: MessageRef("bench".into()),
                    action: "pulse".into(),
                    value: format!("{pulse}:{}", i % 5),
                };
                let started = Instant::now();
                let ack = bot.handle(click).await.unwrap();
                assert_eq!(ack.len(), 1);
                started.elapsed()
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(CLICKS);
    for t in tasks {
        latencies.push(t.await.unwrap());
    }
    latencies.sort();
    latencies
}

fn clicks(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = runtime.block_on(bot(dir.path()));
    let pulse = runtime.block_on(open_pulse(&bot));
    // Two bursts: first votes, then everyone again (changed votes); percentiles of each.
    for label in ["first votes", "changed votes"] {
        let started = Instant::now();
        let latencies = runtime.block_on(burst(&bot, pulse));
        let p = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
        println!(
            "pulse_clicks ({label}, SQLite, {}): {CLICKS} clicks from {PEOPLE} people in {:.2?}; ack p50 {:.0?}, p99 {:.0?}, max {:.0?}",
            Utc::now().format("%Y-%m-%d"),
            started.elapsed(),
            p(0.50),
            p(0.99),
            latencies[latencies.len() - 1]
        );
    }
    let mut group = c.benchmark_group("pulse_clicks");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CLICKS as u64));
    group.bench_function("burst_of_10000_clicks_sqlite", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let started = Instant::now();
                runtime.block_on(burst(&bot, pulse));
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, clicks);
criterion_main!(benches);
