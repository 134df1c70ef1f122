//! The acknowledgement path: how long a command or a click waits, from arrival to the answer
//! the platform needs within three seconds (`Bot::accept`), alone and while a burst of 10,000
//! clicks is being worked through (anonymous votes on a real SQLite file with
//! `synchronous = FULL`). Also how long the burst's voters wait for "your answer is in"
//! (the follow-up, through the reply target). Prints p50/p99 and lets criterion time the
//! acknowledgement alone. Run with `cargo bench --bench acknowledgement`.

// The same recording platform the conformance tests use; the bench needs only part of it.
#[allow(dead_code)]
#[path = "../tests/common/recorder.rs"]
mod recorder;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion};
use meridian::bot::{Ack, Bot, Parts};
use meridian::chat::{Actor, Capabilities, ChannelRef, Event, MessageRef, PlatformKind, Platforms, ReplyTarget};
use meridian::clock::SystemClock;
use meridian::config::Config;
use meridian::store::Store;
use recorder::Recorder;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLICKS: usize = 10_000;
/// 8,000 people; 2,000 of them click twice (a changed mind).
const PEOPLE: usize = 8_000;

fn channel() -> ChannelRef {
    ChannelRef { platform: PlatformKind::Slack, workspace: "T1".into(), id: "C1".into(), name: "ops".into() }
}

fn reply(user: &str) -> ReplyTarget {
    ReplyTarget { channel: channel(), user_id: user.into(), handle: format!("https://hooks.example/{user}") }
}

fn command(user: &str, args: &str) -> Event {
    let actor = Actor { user_id: user.into(), display_name: user.into(), capabilities: Capabilities::MANAGER };
    Event::Command { channel: channel(), actor, command: "pulse".into(), args: args.into(), reply: reply(user) }
}

fn click(i: usize) -> Event {
    let user = format!("u{}", i % PEOPLE);
    Event::Click {
        channel: channel(),
        actor: Actor { user_id: user.clone(), display_name: user.clone(), capabilities: Capabilities::NONE },
        message: MessageRef("C1-1".into()),
        action: "pulse".into(),
        value: format!("1:{}", i % 5),
        reply: reply(&user),
    }
}

async fn bot(dir: &std::path::Path) -> Arc<Bot> {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let mut platforms = Platforms::default();
    platforms.add(Recorder::new(PlatformKind::Slack));
    let parts = Parts::shipped(Config::load(None, &Default::default()).unwrap()).unwrap();
    let bot = Arc::new(parts.bot(Store::connect(&url).await.unwrap(), Arc::new(SystemClock), platforms));
    bot.handle(command("maria", "\"How clear were handoffs this week?\" scale:1-5 for:1d")).await;
    bot
}

/// Percentiles of sorted durations.
fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

/// All clicks at once, as a platform delivers a burst: each one acknowledged, its vote
/// then worked in its own task. Returns (acknowledgement, answer) latencies, sorted.
async fn burst(bot: &Arc<Bot>) -> (Vec<Duration>, Vec<Duration>) {
    let tasks: Vec<_> = (0..CLICKS)
        .map(|i| {
            let bot = bot.clone();
            tokio::spawn(async move {
                let arrived = Instant::now();
                let accepted = bot.accept(click(i));
                let acked = arrived.elapsed();
                assert_eq!(accepted.ack, Ack::Outcome);
                bot.follow_up(accepted.work.unwrap()).await;
                (acked, arrived.elapsed())
            })
        })
        .collect();
    let (mut acks, mut answers) = (Vec::with_capacity(CLICKS), Vec::with_capacity(CLICKS));
    for t in tasks {
        let (ack, answer) = t.await.unwrap();
        acks.push(ack);
        answers.push(answer);
    }
    acks.sort();
    answers.sort();
    (acks, answers)
}

/// A manager's command acknowledged while a burst is in flight.
async fn command_during_burst(bot: &Arc<Bot>) -> Duration {
    let background = {
        let bot = bot.clone();
        tokio::spawn(async move { burst(&bot).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let arrived = Instant::now();
    let accepted = bot.accept(command("maria", "results"));
    let acked = arrived.elapsed();
    black_box(accepted);
    background.await.unwrap();
    acked
}

fn acknowledgement(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = runtime.block_on(bot(dir.path()));
    let today = Utc::now().format("%Y-%m-%d");

    let alone: Vec<Duration> = {
        let mut times: Vec<Duration> = (0..1000)
            .map(|i| {
                let event = if i % 2 == 0 { command("maria", "results") } else { click(i) };
                let arrived = Instant::now();
                black_box(bot.accept(event));
                arrived.elapsed()
            })
            .collect();
        times.sort();
        times
    };
    println!(
        "acknowledgement (alone, {today}): command or click p50 {:?}, p99 {:?}",
        percentile(&alone, 0.5),
        percentile(&alone, 0.99)
    );
    for label in ["first votes", "changed votes"] {
        let started = Instant::now();
        let (acks, answers) = runtime.block_on(burst(&bot));
        println!(
            "acknowledgement (burst of {CLICKS} clicks, {label}, SQLite, {today}): all answered in {:.2?}; ack p50 {:?}, \
             p99 {:?}; vote answered p50 {:.0?}, p99 {:.0?}",
            started.elapsed(),
            percentile(&acks, 0.5),
            percentile(&acks, 0.99),
            percentile(&answers, 0.5),
            percentile(&answers, 0.99),
        );
    }
    let during = runtime.block_on(command_during_burst(&bot));
    println!("acknowledgement (a command during the burst, {today}): {during:?}");

    let mut group = c.benchmark_group("acknowledgement");
    group.bench_function("accept_a_click", |b| b.iter(|| black_box(bot.accept(click(7)))));
    group.bench_function("accept_a_pulse_command", |b| {
        b.iter(|| black_box(bot.accept(command("maria", "\"Q?\" scale:1-5 for:2h"))))
    });
    group.finish();
}

criterion_group!(benches, acknowledgement);
criterion_main!(benches);
