//! Operating meridian, seen from outside as an operator sees it: the real `meridian run`
//! binary against the fake Slack on 127.0.0.1. `/readyz` says 503 (naming Slack) until the
//! socket is open, then 200; `/metrics` counts the work really done (posts, a 429, votes,
//! acknowledgements) in Prometheus text; with `MERIDIAN_LOG_FORMAT=json` every line of
//! standard error is a JSON object and none holds a token; SIGTERM in the middle of a burst of
//! votes stops it well within ten seconds with every acknowledged vote recorded.

mod common;
mod fakes;

use common::process::RunningBot;
use fakes::slack::{BlockAction, FakeSlack, SlashCommand};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(10);

/// `meridian run` in Socket Mode against `slack`, with `env` added to its tokens.
async fn start(slack: &FakeSlack, env: &[(&str, &str)]) -> RunningBot {
    let config = format!("[slack]\napi_base = \"{}\"\nreconnect_delay = \"1s\"\n", slack.api_base());
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.push(("SLACK_BOT_TOKEN".into(), slack.bot_token()));
    env.push(("SLACK_APP_TOKEN".into(), slack.app_token()));
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        RunningBot::start(&config, &env, &[])
    })
    .await
    .unwrap()
}

/// GETs `path` from the bot's HTTP server; returns the status and body.
async fn get(http: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(http).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

/// The samples of a Prometheus text page, `name{labels}` → value.
fn samples(page: &str) -> BTreeMap<String, f64> {
    page.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect()
}

fn sample(samples: &BTreeMap<String, f64>, name: &str) -> f64 {
    *samples.get(name).unwrap_or_else(|| panic!("{name} is not in /metrics: {samples:#?}"))
}

async fn command(slack: &FakeSlack, user: &str, command: &str, text: &str) {
    let ack = slack.send_slash_command(&SlashCommand::new(command, text).by(user)).await.unwrap();
    assert!(ack.elapsed < Duration::from_secs(3), "acknowledged after {:?}", ack.elapsed);
}

/// alice (an admin) starts a pulse; returns its buttons as clicks waiting for a voter.
async fn a_pulse(slack: &FakeSlack, question: &str) -> Vec<BlockAction> {
    command(slack, "U0001", "/pulse", &format!("\"{question}\" scale:1-5 for:1h")).await;
    let asked = |p: &Value| p["text"].as_str().unwrap_or_default().contains(question);
    let posted = slack.wait_for("chat.postMessage", asked, WAIT).await.expect("the pulse is posted");
    let ts = slack.messages().into_iter().find(|m| asked(&m.message)).unwrap().ts;
    let actions = posted["blocks"].as_array().unwrap().iter().find(|b| b["type"] == "actions").unwrap().clone();
    actions["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            BlockAction::button(e["action_id"].as_str().unwrap(), e["value"].as_str().unwrap()).on_message("C0001", &ts)
        })
        .collect()
}

fn thanked(slack: &FakeSlack) -> usize {
    slack.responses().iter().filter(|r| r.body["text"] == meridian::pulse::VOTE_RECORDED).count()
}

async fn wait_thanked(slack: &FakeSlack, n: usize) {
    let deadline = Instant::now() + WAIT;
    while thanked(slack) < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(thanked(slack), n, "every vote is answered");
}

async fn stop(bot: RunningBot) -> (std::process::ExitStatus, String, Duration) {
    let started = Instant::now();
    let (status, log) = tokio::task::spawn_blocking(move || bot.stop()).await.unwrap();
    (status, log, started.elapsed())
}

/// `/readyz`'s answer once it says 200, or its last answer after [`WAIT`].
async fn readyz_once_ready(http: SocketAddr) -> (u16, String) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = get(http, "/readyz").await;
        if status == 200 || Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_waits_for_slack_and_metrics_count_posts_429s_votes_and_acknowledgements() {
    let slack = FakeSlack::start().await;
    // Slack is slow to open the socket: the bot serves HTTP, but is not ready.
    slack.delay("apps.connections.open", Duration::from_secs(3));
    let bot = start(&slack, &[]).await;
    let (status, body) = get(bot.http, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["ready"], false);
    assert_eq!(body["not_ready"], serde_json::json!(["slack: not connected"]), "{body}");
    assert_eq!(get(bot.http, "/healthz").await, (200, "ok\n".to_string()), "up, if not ready");

    slack.wait_connected(1).await.expect("meridian opens Socket Mode");
    slack.delay("apps.connections.open", Duration::ZERO);
    let ready = readyz_once_ready(bot.http).await;
    assert_eq!(ready.0, 200, "ready once connected: {}", ready.1);
    assert_eq!(serde_json::from_str::<Value>(&ready.1).unwrap()["ready"], true);

    // Real work: an announcement Slack first answers with 429, a pulse, two votes.
    slack.rate_limit_next("chat.postMessage", 1);
    command(&slack, "U0001", "/meridian", "follow IN").await;
    let announced = |p: &Value| p["text"].as_str().unwrap_or_default().contains("India");
    slack.wait_for("chat.postMessage", announced, WAIT).await.expect("announced after the 429");
    let buttons = a_pulse(&slack, "How clear were handoffs?").await;
    for (user, choice) in [("U0002", 0), ("U0003", 4)] {
        slack.send_block_action(&buttons[choice].clone().by(user)).await.unwrap();
    }
    wait_thanked(&slack, 2).await;

    let (status, page) = get(bot.http, "/metrics").await;
    assert_eq!(status, 200);
    let metrics = samples(&page);
    let posted = slack.messages().len() as f64;
    assert!(posted >= 2.0, "the announcement and the pulse");
    assert_eq!(sample(&metrics, "meridian_posts_sent_total{platform=\"slack\"}"), posted, "{page}");
    assert!(!metrics.contains_key("meridian_posts_failed_total{platform=\"slack\"}"), "{page}");
    assert_eq!(sample(&metrics, "meridian_rate_limited_total{platform=\"slack\"}"), 1.0);
    assert_eq!(sample(&metrics, "meridian_votes_recorded_total"), 2.0);
    // Two commands and two clicks, all acknowledged within Slack's three seconds.
    let acks = sample(&metrics, "meridian_ack_seconds_count{platform=\"slack\"}");
    assert_eq!(acks, 4.0, "{page}");
    assert_eq!(sample(&metrics, "meridian_ack_seconds_bucket{platform=\"slack\",le=\"3\"}"), acks);
    assert_eq!(sample(&metrics, "meridian_delivery_queue_depth"), 0.0, "nothing left in the queue");
    assert!(sample(&metrics, "meridian_scheduler_lag_seconds") >= 0.0);
    assert!(page.contains("# TYPE meridian_ack_seconds histogram"), "{page}");

    let (status, log, _) = stop(bot).await;
    assert!(status.success(), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_json_logs_every_line_of_standard_error_is_json_and_no_token_is_in_it() {
    let slack = FakeSlack::start().await;
    let bot = start(&slack, &[("MERIDIAN_LOG_FORMAT", "json")]).await;
    slack.wait_connected(1).await.unwrap();
    command(&slack, "U0001", "/meridian", "follow IN").await;
    slack.wait_for("chat.postMessage", |_| true, WAIT).await.unwrap();
    let (status, log, _) = stop(bot).await;
    assert!(status.success(), "{log}");
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{log}");
    for line in &lines {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(event["level"].is_string() && event["timestamp"].is_string(), "{line}");
    }
    let messages: Vec<&str> = lines.iter().filter_map(|l| l.split("\"message\":\"").nth(1)).collect();
    assert!(messages.iter().any(|m| m.starts_with("meridian: http listening on")), "{log}");
    assert!(messages.iter().any(|m| m.starts_with("meridian: stopping")), "{log}");
    for token in [slack.bot_token(), slack.app_token()] {
        assert!(!log.contains(&token), "a token was logged:\n{log}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_a_burst_of_votes_stops_within_ten_seconds_and_loses_no_acknowledged_vote() {
    let slack = std::sync::Arc::new(FakeSlack::start().await);
    let bot = start(&slack, &[]).await;
    slack.wait_connected(1).await.unwrap();
    let buttons = a_pulse(&slack, "Did the rota work this week?").await;
    // Forty people click at once; every click is acknowledged before the signal.
    let clicks: Vec<_> = (0..40)
        .map(|i| {
            let (slack, click) = (slack.clone(), buttons[i % buttons.len()].clone().by(&format!("UV{i:04}")));
            tokio::spawn(async move { slack.send_block_action(&click).await })
        })
        .collect();
    let mut acknowledged = 0;
    for click in clicks {
        if click.await.unwrap().is_ok() {
            acknowledged += 1;
        }
    }
    assert_eq!(acknowledged, 40);
    let started = Instant::now();
    let (status, log, dir) = tokio::task::spawn_blocking(move || bot.stop_keeping_dir()).await.unwrap();
    let took = started.elapsed();
    assert!(status.success(), "{log}");
    assert!(took < Duration::from_secs(10), "stopping took {took:?}:\n{log}");
    assert!(log.contains("meridian stopped"), "{log}");

    let store = meridian::store::Store::connect(&format!("sqlite://{}", dir.path().join("meridian.db").display()))
        .await
        .unwrap();
    let channel = store.channels().await.unwrap().remove(0);
    let pulse = store.pulses_in_channel(channel.id).await.unwrap().into_iter().find(|p| p.is_open()).unwrap();
    let votes: u32 = store.vote_counts(pulse.id).await.unwrap().iter().map(|c| c.count).sum();
    assert_eq!(votes, acknowledged, "every acknowledged vote is recorded");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discord_instance_is_ready_once_its_shard_is_connected_and_counts_its_acknowledgements() {
    use fakes::discord::{sample, FakeDiscord, SlashCommand as DiscordCommand};
    let fake = FakeDiscord::start().await;
    let config = format!("[discord]\napi_base = \"{}\"\nshards = \"0-0/1\"\n", fake.api_base());
    let token = fake.token();
    let bot = tokio::task::spawn_blocking(move || RunningBot::start(&config, &[("DISCORD_TOKEN", &token)], &[]))
        .await
        .unwrap();
    fake.wait_ready(WAIT).await.unwrap_or_else(|e| panic!("{e}\n{}", bot.stderr()));
    let ready = readyz_once_ready(bot.http).await;
    assert_eq!(ready.0, 200, "ready once shard 0 is connected: {}", ready.1);

    let help = DiscordCommand::new("meridian").subcommand("help", vec![]).user(sample::ALICE).channel(sample::GENERAL);
    let answered = fake.send_interaction(help).await.unwrap();
    assert!(answered.elapsed < Duration::from_secs(3));
    // Counted once the callback's answer is back in the bot, a moment after the fake saw it.
    let name = "meridian_ack_seconds_count{platform=\"discord\"}";
    let deadline = Instant::now() + WAIT;
    let metrics = loop {
        let metrics = samples(&get(bot.http, "/metrics").await.1);
        if metrics.contains_key(name) || Instant::now() > deadline {
            break metrics;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(sample(&metrics, name), 1.0);
    let (status, log, _) = stop(bot).await;
    assert!(status.success(), "{log}");
    assert!(!log.contains(&fake.token()), "the token was logged");
}

/// `/readyz`'s answers every few milliseconds until one satisfies `wanted` (or [`WAIT`]).
async fn readyz_until(http: SocketAddr, wanted: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = get(http, "/readyz").await;
        if wanted(status, &body) || Instant::now() > deadline {
            return (status, body);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_is_not_ready_while_its_socket_is_down_and_ready_again_once_reconnected() {
    let slack = FakeSlack::start().await;
    let bot = start(&slack, &[]).await;
    let ready = readyz_once_ready(bot.http).await;
    assert_eq!(ready.0, 200, "{}", ready.1);

    // The socket drops, and Slack refuses the next connections for a few seconds (the bot
    // retries each second): not ready meanwhile, naming Slack.
    for _ in 0..3 {
        slack.fail_next("apps.connections.open", "internal_error");
    }
    slack.drop_socket().await.unwrap();
    let down = readyz_until(bot.http, |status, _| status == 503).await;
    assert_eq!(down.0, 503, "still ready with the socket down: {}\n{}", down.1, bot.stderr());
    assert!(down.1.contains("slack: not connected"), "{}", down.1);
    let up = readyz_once_ready(bot.http).await;
    assert_eq!(up.0, 200, "not ready after reconnecting: {}\n{}", up.1, bot.stderr());
    assert_eq!(slack.open_connections(), 1);

    // A refresh Slack asks for (a `disconnect` envelope) is a reconnection too.
    let opened = slack.connections_opened();
    slack.disconnect("refresh_requested").await.unwrap();
    let deadline = Instant::now() + WAIT;
    while slack.connections_opened() == opened && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let up = readyz_once_ready(bot.http).await;
    assert_eq!(up.0, 200, "not ready after a refresh: {}", up.1);
    let (status, log, _) = stop(bot).await;
    assert!(status.success(), "{log}");
}
