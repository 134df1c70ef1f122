//! The scheduler's cost (issue #19), two ways:
//! - `december/<N> channels`: a month of posts as an operator sees it: N console channels
//!   following IN, PH, US and GB in six zones (`tests/scenario`, the golden test's setup with
//!   default settings), a SQLite file, and the console's own `advance 31d`, timed from the
//!   first tick to the last (seeding the database is not timed);
//! - `planning/10000 channels x 16 regions`: one run's decision of what every channel owes
//!   at 09:00 UTC on 2026-12-24 since its last run an hour before, from what the run read
//!   (`service::planning::plan_reminders`), without the store.
//!
//! `MERIDIAN_BENCH_RSS=N [MERIDIAN_BENCH_DAYS=D] cargo bench --bench scheduler` instead runs
//! D days (31 by default) of December for N channels once, the console's output counted and
//! dropped, and prints the wall time, the messages and the process's peak RSS.
//! Figures are in the README ("Scheduler cost").

#[path = "../tests/scenario/mod.rs"]
mod scenario;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, Criterion, SamplingMode};
use meridian::calendar::Library;
use meridian::reminders::PostingSchedule;
use meridian::service::planning::{plan_reminders, RunInputs};
use meridian::store::{Channel, ChannelId, ChannelSettings, Platform, WorkspaceId};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Seeds `channels` channels, then times December through the console; returns the wall
/// time and the number of messages posted.
fn december(rt: &Runtime, channels: usize) -> (Duration, usize) {
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let url = scenario::seed(dir.path(), channels, false).await;
        let (mut session, out) = scenario::session(&url).await;
        let started = Instant::now();
        scenario::december(&mut session).await;
        let took = started.elapsed();
        (took, scenario::transcript(&out).len())
    })
}

fn month(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("december");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    let channels = 100;
    group.bench_function(format!("{channels} channels"), |b| {
        b.iter_custom(|iterations| (0..iterations).map(|_| december(&rt, channels).0).sum())
    });
    group.finish();
}

/// `n` channels following 16 of the shipped regions each (a window sliding over them, so
/// channels follow different sets), in six zones and three schedules, last run an hour ago.
fn inputs(library: &Library, n: usize, now: DateTime<Utc>) -> RunInputs {
    let regions: Vec<String> = library.regions().filter(|r| !r.is_company()).map(|r| r.code.to_string()).collect();
    let zones = [
        chrono_tz::UTC,
        chrono_tz::Asia::Kolkata,
        chrono_tz::Asia::Manila,
        chrono_tz::America::New_York,
        chrono_tz::Europe::London,
        chrono_tz::Australia::Sydney,
    ];
    let schedules: Vec<PostingSchedule> =
        ["0 9 * * MON-FRI", "0 10 * * MON-FRI", "30 8 * * *"].iter().map(|s| s.parse().unwrap()).collect();
    let mut inputs = RunInputs::default();
    for i in 0..n {
        let id = ChannelId(i as i64 + 1);
        let mut followed: Vec<String> = (0..16).map(|k| regions[(i + k) % regions.len()].clone()).collect();
        followed.sort();
        followed.dedup();
        inputs.channels.push(Channel {
            id,
            workspace: WorkspaceId(1),
            platform: Platform::Console,
            external_id: format!("c{i}"),
            name: format!("c{i}"),
            settings: ChannelSettings {
                timezone: zones[i % zones.len()],
                reminder_schedule: schedules[i % schedules.len()].clone(),
                ..ChannelSettings::default()
            },
            followed_regions: followed,
            customer_regions: Vec::new(),
        });
        inputs.last_runs.insert(format!("reminders:{}", id.0), now - chrono::Duration::hours(1));
        inputs.last_runs.insert(format!("reminders-start:{}", id.0), "2026-01-01T00:00:00Z".parse().unwrap());
    }
    inputs
}

fn planning(c: &mut Criterion) {
    let library = Library::shipped().unwrap();
    let now: DateTime<Utc> = "2026-12-24T09:00:00Z".parse().unwrap();
    let inputs = inputs(&library, 10_000, now);
    let owed: usize = plan_reminders(&library, &inputs, now).owed.iter().map(|o| o.reminders.len()).sum();
    println!("planning: 10,000 channels owe {owed} reminders at {now}");
    let mut group = c.benchmark_group("planning");
    group.sample_size(10);
    group.bench_function("10000 channels x 16 regions", |b| b.iter(|| plan_reminders(&library, &inputs, now)));
    group.finish();
}

/// The peak resident set of this process so far (Linux).
fn peak_rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

criterion_group!(benches, month, planning);

/// Counts the console's messages and drops their text, so that the peak RSS is the bot's
/// own, not a transcript kept for checking.
struct Counting(Arc<AtomicUsize>);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.fetch_add(text.lines().filter(|l| l.starts_with("=== ")).count(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `days` of December for `channels` channels, output counted and dropped: (wall, messages).
fn measured(rt: &Runtime, channels: usize, days: u32) -> (Duration, usize) {
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let url = scenario::seed(dir.path(), channels, false).await;
        let env = std::collections::HashMap::from([("DATABASE_URL".to_string(), url)]);
        let parts = meridian::bot::Parts::shipped(meridian::config::Config::load(None, &env).unwrap()).unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let out: meridian::platforms::console::Output = Arc::new(std::sync::Mutex::new(Counting(count.clone())));
        let options =
            meridian::platforms::console::SessionOptions { parts, start: scenario::start(), tz: chrono_tz::UTC, out };
        let mut session = meridian::platforms::console::Session::start(options).await.unwrap();
        let started = Instant::now();
        session.run_line(1, &format!("advance {days}d")).await.unwrap();
        (started.elapsed(), count.load(Ordering::Relaxed))
    })
}

fn main() {
    if let Some(n) = std::env::var("MERIDIAN_BENCH_RSS").ok().and_then(|v| v.parse::<usize>().ok()) {
        let days = std::env::var("MERIDIAN_BENCH_DAYS").ok().and_then(|v| v.parse().ok()).unwrap_or(31);
        let rt = runtime();
        let (took, messages) = measured(&rt, n, days);
        println!(
            "{days} days of December, {n} channels: {messages} messages in {:.1} s; peak RSS {} MB",
            took.as_secs_f64(),
            peak_rss_kb() / 1024
        );
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
