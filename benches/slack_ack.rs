//! Slack's acknowledgement path through the real adapter, in process: from the fake Slack
//! sending an envelope down the Socket Mode WebSocket to the adapter's acknowledgement
//! arriving back (slack-morphism's listener, the dispatcher, `Bot::accept`), for clicks and
//! slash commands alone, then during a burst of clicks whose votes are recorded on SQLite
//! meanwhile. Slack's limit is three seconds. Prints p50/p99.
//!
//! `cargo bench --bench slack_ack` runs 300 single envelopes and a burst of 2,000 clicks;
//! under `cargo test` it runs a small version as a check.

#[path = "../tests/fakes/mod.rs"]
mod fakes;

use fakes::slack::{Ack, BlockAction, FakeSlack, SlashCommand};
use meridian::bot::Parts;
use meridian::chat::Platforms;
use meridian::clock::SystemClock;
use meridian::config::{Config, Secret};
use meridian::platforms::slack::Slack;
use meridian::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn summary(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "p50 {:.2?}, p99 {:.2?}, max {:.2?} (n = {})",
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
        times.len()
    )
}

fn elapsed(ack: Result<Ack, fakes::slack::FakeError>) -> Duration {
    ack.expect("acknowledged in time").elapsed
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (alone, burst) = if full { (300, 2000) } else { (20, 100) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let slack = Arc::new(FakeSlack::start().await);
        let mut config = Config::default();
        config.slack.api_base = slack.api_base();
        config.slack.bot_token = Some(Secret::new(slack.bot_token()));
        config.slack.app_token = Some(Secret::new(slack.app_token()));
        let connection = Slack::connect(&config.slack).await.unwrap();
        let mut platforms = Platforms::default();
        platforms.add_workspace(connection.team_id(), connection.platform());
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await.unwrap();
        let bot = Arc::new(Parts::shipped(config).unwrap().bot(store, Arc::new(SystemClock), platforms));
        connection.start(bot.clone()).await.unwrap();
        slack.wait_connected(1).await.unwrap();

        // A pulse to answer: alice is a workspace admin.
        slack.send_slash_command(&SlashCommand::new("/pulse", "\"How clear were handoffs?\" scale:1-5")).await.unwrap();
        let question = slack
            .wait_for(
                "chat.postMessage",
                |p| p["text"].as_str().unwrap_or("").contains("handoffs"),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        let ts = slack.messages().last().unwrap().ts.clone();
        let actions = question["blocks"].as_array().unwrap().iter().find(|b| b["type"] == "actions").unwrap().clone();
        let button = |i: usize| {
            let element = &actions["elements"][i % 5];
            let (action, value) = (element["action_id"].as_str().unwrap(), element["value"].as_str().unwrap());
            BlockAction::button(action, value).on_message("C0001", &ts)
        };
        // Slow acknowledgements are measured, not failed.
        slack.set_ack_timeout(Duration::from_secs(30));

        let mut clicks = Vec::new();
        let mut commands = Vec::new();
        for i in 0..alone {
            clicks.push(elapsed(slack.send_block_action(&button(i).by(&format!("UA{i:05}"))).await));
            // A refusal answered in the acknowledgement, and a command answered afterwards.
            let text = if i % 2 == 0 { "\"Q?\" scale:1-5" } else { "list" };
            commands.push(elapsed(slack.send_slash_command(&SlashCommand::new("/pulse", text).by("U0002")).await));
        }
        let today = chrono::Utc::now().format("%Y-%m-%d");
        println!("slack acknowledgement, alone ({today}): click {}", summary(clicks));
        println!("slack acknowledgement, alone ({today}): slash command {}", summary(commands));

        let started = Instant::now();
        let sends: Vec<_> = (0..burst)
            .map(|i| {
                let slack = slack.clone();
                let click = button(i).by(&format!("UB{i:05}"));
                tokio::spawn(async move { elapsed(slack.send_block_action(&click).await) })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let during = elapsed(slack.send_slash_command(&SlashCommand::new("/pulse", "list").by("U0002")).await);
        let mut acks = Vec::new();
        for send in sends {
            acks.push(send.await.unwrap());
        }
        let acked_in = started.elapsed();
        let thanked = |slack: &FakeSlack| {
            slack.responses().iter().filter(|r| r.body["text"] == meridian::pulse::VOTE_RECORDED).count()
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while thanked(&slack) < alone + burst && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!(
            "slack acknowledgement, burst of {burst} clicks ({today}): all acknowledged in {acked_in:.2?}, {}; \
             {} of {} votes answered privately after {:.2?}",
            summary(acks),
            thanked(&slack),
            alone + burst,
            started.elapsed()
        );
        println!("slack acknowledgement, a slash command during the burst ({today}): {during:.2?}");
        connection.stop().await;
    });
}
