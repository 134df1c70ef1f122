//! Operating figures of the real `meridian run` binary, driven from outside as in production:
//!
//! - load: clicks on one pulse POSTed to the Slack HTTP interactivity endpoint on loopback,
//!   each signed as Slack signs it, 32 at a time; p50/p99 from sending a request to its
//!   acknowledgement, then the time until every vote is recorded (read from `/metrics`);
//! - memory: resident memory (VmRSS) of the process idle with Slack connected to the fake,
//!   and with Slack and Discord both connected to theirs, with no channel (just started, and
//!   again after a pulse with 1,000 votes and 35 s of quiet); and with 10,000 channels following
//!   16 regions each;
//! - cold start: from spawning the process to `/readyz` answering 200.
//!
//! `cargo test --bench operations -- --bench` runs 10,000 clicks and 10,000 channels (a debug
//! build: an upper bound); under plain `cargo test` it runs a small version as a check.
//! Linux only (VmRSS from /proc).

// The test suite's helper for running the binary; this file uses part of it.
#[path = "../tests/fakes/mod.rs"]
mod fakes;
#[allow(dead_code)]
#[path = "../tests/common/process.rs"]
mod process;

use fakes::discord::FakeDiscord;
use fakes::slack::{BlockAction, FakeSlack, SignedRequest, SlashCommand};
use meridian::store::{ChannelSettings, Platform, Store};
use process::RunningBot;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "bench-signing-secret";
const REGIONS: [&str; 16] =
    ["IN", "US", "GB", "PH", "AU", "DE", "JP", "BR", "MX", "CA", "SG", "ZA", "IE", "NZ", "MY", "CO"];

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

async fn request(http: SocketAddr, head: &str, body: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(http).await.unwrap();
    stream.write_all(format!("{head}\r\n{body}").as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

async fn get(http: SocketAddr, path: &str) -> (u16, String) {
    request(http, &format!("GET {path} HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\n"), "").await
}

async fn signed(http: SocketAddr, path: &str, signed: &SignedRequest) -> u16 {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: {}\r\n",
        signed.body.len(),
        signed.content_type
    );
    for (name, value) in signed.headers().into_iter().filter(|(n, _)| *n != "content-type") {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    request(http, &head, &signed.body).await.0
}

fn metric(page: &str, name: &str) -> f64 {
    page.lines().find_map(|l| l.strip_prefix(name)?.trim().parse().ok()).unwrap_or(0.0)
}

/// Resident memory of `pid` in KiB: all of it (VmRSS), and its anonymous part (RssAnon: heap,
/// stacks) beside the mapped files (RssFile: mostly the binary's own pages).
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

fn mib((all, anon): (u64, u64)) -> String {
    format!(
        "{:.1} MiB (heap and stacks {:.1}, binary and files {:.1})",
        all as f64 / 1024.0,
        anon as f64 / 1024.0,
        (all - anon) as f64 / 1024.0
    )
}

/// `meridian run` on `database`, connected to the fake Slack (and the fake Discord, if given);
/// returns once `/readyz` says every platform is connected, with the time that took.
async fn start(
    slack: &FakeSlack,
    discord: Option<&FakeDiscord>,
    database: &str,
    http_mode: bool,
) -> (RunningBot, Duration) {
    let mode = if http_mode { "mode = \"http\"\n" } else { "" };
    let mut config = format!("[slack]\napi_base = \"{}\"\n{mode}", slack.api_base());
    let mut env = vec![
        ("SLACK_BOT_TOKEN", slack.bot_token()),
        ("SLACK_APP_TOKEN", slack.app_token()),
        ("SLACK_SIGNING_SECRET", SECRET.to_string()),
    ];
    if let Some(discord) = discord {
        config.push_str(&format!("[discord]\napi_base = \"{}\"\n", discord.api_base()));
        env.push(("DISCORD_TOKEN", discord.token()));
    }
    let database = database.to_string();
    let spawned = Instant::now();
    let bot = tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        RunningBot::start_on(&database, &config, &env, &[])
    })
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while get(bot.http, "/readyz").await.0 != 200 {
        assert!(Instant::now() < deadline, "never ready:\n{}", bot.stderr());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    (bot, spawned.elapsed())
}

async fn load(clicks: usize) {
    let slack = FakeSlack::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (bot, _) = start(&slack, None, &format!("sqlite://{}", dir.path().join("load.db").display()), true).await;
    let pulse = slack.slash_command_payload(&SlashCommand::new("/pulse", "\"How was the week?\" scale:1-5 for:1h"));
    assert_eq!(signed(bot.http, "/slack/commands", &SignedRequest::slash_command(SECRET, &pulse)).await, 200);
    let asked = |p: &Value| p["text"].as_str().unwrap_or("").contains("How was the week");
    let question = slack.wait_for("chat.postMessage", asked, Duration::from_secs(10)).await.unwrap();
    let ts = slack.messages().last().unwrap().ts.clone();
    let actions = question["blocks"].as_array().unwrap().iter().find(|b| b["type"] == "actions").unwrap().clone();
    let requests: Vec<SignedRequest> = (0..clicks)
        .map(|i| {
            let e = &actions["elements"][i % 5];
            let click = BlockAction::button(e["action_id"].as_str().unwrap(), e["value"].as_str().unwrap())
                .on_message("C0001", &ts)
                .by(&format!("UL{i:05}"));
            SignedRequest::interactive(SECRET, &slack.block_actions_payload(&click))
        })
        .collect();
    let requests = Arc::new(requests);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..32)
        .map(|_| {
            let (requests, next, http) = (requests.clone(), next.clone(), bot.http);
            tokio::spawn(async move {
                let mut times = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(request) = requests.get(i) else { return times };
                    let sent = Instant::now();
                    assert_eq!(signed(http, "/slack/interactions", request).await, 200);
                    times.push(sent.elapsed());
                }
            })
        })
        .collect();
    let mut times = Vec::new();
    for worker in workers {
        times.extend(worker.await.unwrap());
    }
    let acknowledged_in = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(300);
    let recorded = loop {
        let recorded = metric(&get(bot.http, "/metrics").await.1, "meridian_votes_recorded_total");
        if recorded as usize >= clicks || Instant::now() > deadline {
            break recorded;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let recorded_in = started.elapsed();
    times.sort();
    println!(
        "load: {clicks} signed clicks on one pulse via /slack/interactions, 32 at a time: all acknowledged in \
         {acknowledged_in:.2?}, ack p50 {:.2?}, p99 {:.2?}, max {:.2?}; {recorded} votes recorded after {recorded_in:.2?}",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().unwrap()
    );
    assert_eq!(recorded as usize, clicks, "every click recorded");
    let _ = tokio::task::spawn_blocking(move || bot.stop()).await;
}

async fn memory(channels: usize, clicks_after: usize, quiet: Duration) {
    let slack = FakeSlack::start().await;
    let discord = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let empty = format!("sqlite://{}", dir.path().join("empty.db").display());
    let (bot, cold) = start(&slack, None, &empty, false).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = rss_kib(bot.pid());
    let _ = tokio::task::spawn_blocking(move || bot.stop()).await;
    println!("cold start (spawn to /readyz 200, Slack Socket Mode connected to the fake): {cold:.2?}");
    println!("idle resident memory, no channel, Slack connected: {}", mib(idle));
    let both = format!("sqlite://{}", dir.path().join("both.db").display());
    let (bot, cold) = start(&slack, Some(&discord), &both, false).await;
    // Past the first memory give-back (a second after start) and a scheduler pass.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = rss_kib(bot.pid());
    println!("idle resident memory, no channel, Slack and Discord connected: {} (cold start {cold:.2?})", mib(idle));
    // The same bot idle again after work: a pulse asked and answered over Socket Mode, then
    // quiet past the allocator's next give-back (every 30 s). The code that work ran stays.
    let pulse = SlashCommand::new("/pulse", "\"How was the week?\" scale:1-5 for:1h");
    slack.send_slash_command(&pulse).await.unwrap();
    let asked = |p: &Value| p["text"].as_str().unwrap_or("").contains("How was the week");
    let question = slack.wait_for("chat.postMessage", asked, Duration::from_secs(10)).await.unwrap();
    let ts = slack.messages().last().unwrap().ts.clone();
    let actions = question["blocks"].as_array().unwrap().iter().find(|b| b["type"] == "actions").unwrap().clone();
    for i in 0..clicks_after {
        let e = &actions["elements"][i % 5];
        let click = BlockAction::button(e["action_id"].as_str().unwrap(), e["value"].as_str().unwrap())
            .on_message("C0001", &ts)
            .by(&format!("UM{i:05}"));
        slack.send_block_action(&click).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while (metric(&get(bot.http, "/metrics").await.1, "meridian_votes_recorded_total") as usize) < clicks_after {
        assert!(Instant::now() < deadline, "votes not recorded:\n{}", bot.stderr());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(quiet).await;
    let after = rss_kib(bot.pid());
    let _ = tokio::task::spawn_blocking(move || bot.stop()).await;
    println!(
        "idle resident memory after a pulse with {clicks_after} votes, {quiet:.0?} later, Slack and Discord connected: {}",
        mib(after)
    );

    let full = format!("sqlite://{}", dir.path().join("full.db").display());
    let store = Store::connect(&full).await.unwrap();
    let workspace = store.upsert_workspace(Platform::Slack, &slack.team_id(), "Acme").await.unwrap();
    let settings = ChannelSettings { timezone: chrono_tz::Asia::Kolkata, ..ChannelSettings::default() };
    for i in 0..channels {
        let channel = store.upsert_channel(workspace, &format!("C{i:06}"), &format!("team-{i}")).await.unwrap();
        store.update_channel_settings(channel, &settings).await.unwrap();
        store.follow_regions(channel, &REGIONS).await.unwrap();
    }
    store.close().await;
    let (bot, cold) = start(&slack, None, &full, false).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss = rss_kib(bot.pid());
    let _ = tokio::task::spawn_blocking(move || bot.stop()).await;
    println!("{channels} channels x 16 regions: cold start {cold:.2?}, resident memory {}", mib(rss));
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (clicks, channels) = if full { (10_000, 10_000) } else { (200, 50) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // `MERIDIAN_BENCH_ONLY=load` or `=memory` runs one half.
    let only = std::env::var("MERIDIAN_BENCH_ONLY").unwrap_or_default();
    runtime.block_on(async {
        if only != "memory" {
            load(clicks).await;
        }
        if only != "load" {
            let quiet = if full { Duration::from_secs(35) } else { Duration::from_secs(2) };
            memory(channels, clicks / 10, quiet).await;
        }
    });
}
