//! meridian on Slack, end to end: the real `meridian run` binary against a fake Slack on
//! 127.0.0.1 that speaks Slack's wire format (Web API, Socket Mode, response_urls, uploads,
//! signed HTTP requests). Every envelope must be acknowledged within Slack's three seconds.
//! The last tests drive the adapter in process against the same fake, for what Slack
//! answers when things go wrong.

mod common;
mod fakes;

use common::process::RunningBot;
use fakes::slack::{Ack, BlockAction, Channel, FakeSlack, SignedRequest, SlashCommand, User};
use meridian::chat::{
    Attachment, ChannelRef, ChatPlatform, FileRef, Message, MessageRef, PlatformError, PlatformKind, ReplyTarget,
    UserRef,
};
use meridian::config::Secret;
use meridian::platforms::slack::{client, SlackPlatform};
use meridian::pulse::VOTE_RECORDED;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SLACK_DEADLINE: Duration = Duration::from_secs(3);
const WAIT: Duration = Duration::from_secs(10);
const SIGNING_SECRET: &str = "test-signing-secret";

/// `meridian run` connected to `slack` in Socket Mode (or as `extra` configures it).
async fn start(slack: &FakeSlack, extra: &str, env: &[(&str, String)], args: &[&str]) -> RunningBot {
    let config = format!("[slack]\napi_base = \"{}\"\nreconnect_delay = \"1s\"\n{extra}", slack.api_base());
    let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        RunningBot::start(&config, &env, &args)
    })
    .await
    .unwrap()
}

fn socket_env(slack: &FakeSlack) -> Vec<(&'static str, String)> {
    vec![("SLACK_BOT_TOKEN", slack.bot_token()), ("SLACK_APP_TOKEN", slack.app_token())]
}

/// Stops the bot (SIGTERM) and checks it exited cleanly without printing a token.
async fn stop(bot: RunningBot, slack: &FakeSlack) -> String {
    let (status, log) = tokio::task::spawn_blocking(move || bot.stop()).await.unwrap();
    assert!(status.success(), "meridian exited with {status}:\n{log}");
    for token in [slack.bot_token(), slack.app_token(), SIGNING_SECRET.to_string()] {
        assert!(!log.contains(&token), "a secret was logged:\n{log}");
    }
    log
}

fn in_time(ack: Ack) -> Ack {
    assert!(ack.elapsed < SLACK_DEADLINE, "envelope {} acknowledged after {:?}", ack.envelope_id, ack.elapsed);
    ack
}

async fn command(slack: &FakeSlack, user: &str, command: &str, text: &str) -> Ack {
    in_time(slack.send_slash_command(&SlashCommand::new(command, text).by(user)).await.unwrap())
}

fn text(value: &Value) -> &str {
    value["text"].as_str().unwrap_or_default()
}

/// A channel of seven people and the bot: alice (workspace admin), bob, carol (owner), and
/// four more members.
fn seven_people(slack: &FakeSlack) {
    for (id, name) in [("U0004", "dave"), ("U0005", "erin"), ("U0006", "frank"), ("U0007", "grace")] {
        slack.add_user(User::new(id, name));
    }
    slack.add_channel(
        Channel::new("C0001", "general")
            .members(["U0001", "U0002", "U0003", "U0004", "U0005", "U0006", "U0007", "U0BOT"]),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_runs_a_pulse_that_six_members_answer_and_the_results_show_the_uploaded_chart() {
    let slack = FakeSlack::start().await;
    seven_people(&slack);
    let bot = start(&slack, "", &socket_env(&slack), &[]).await;
    slack.wait_connected(1).await.expect("meridian opens Socket Mode");

    // A member may not start a pulse: told privately, in the acknowledgement itself.
    let refused = command(&slack, "U0002", "/pulse", "\"Is this allowed?\" scale:1-5").await;
    let answer = refused.payload.expect("the refusal is the acknowledgement");
    assert_eq!(answer["response_type"], "ephemeral");
    assert!(text(&answer).contains("Only managers can start"), "{answer}");

    // alice is a workspace admin, so a manager: her pulse is acknowledged bare, then posted.
    let started = command(&slack, "U0001", "/pulse", "\"How clear were handoffs this week?\" scale:1-5 for:1h").await;
    assert!(started.payload.is_none(), "a bare acknowledgement: {:?}", started.payload);
    let question = |p: &Value| text(p).contains("How clear were handoffs");
    let posted = slack.wait_for("chat.postMessage", question, WAIT).await.unwrap();
    assert!(posted["blocks"].as_array().is_some_and(|b| !b.is_empty()), "Block Kit: {posted}");
    let pulse = slack.messages().into_iter().find(|m| question(&m.message)).unwrap();
    let buttons: Vec<(String, String)> = pulse.message["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().unwrap().clone())
        .map(|e| (e["action_id"].as_str().unwrap().to_string(), e["value"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(buttons.len(), 5, "one button per point of the scale: {buttons:?}");

    // Six members answer; bob changes his mind.
    let voters = ["U0002", "U0003", "U0004", "U0005", "U0006", "U0007"];
    let clicks = voters.iter().enumerate().map(|(i, u)| (*u, i % 5)).chain([("U0002", 4)]);
    for (user, choice) in clicks {
        let (action_id, value) = &buttons[choice];
        let click = BlockAction::button(action_id, value).by(user).on_message("C0001", &pulse.ts);
        let ack = in_time(slack.send_block_action(&click).await.unwrap());
        assert!(ack.payload.is_none());
    }
    let thanked = |slack: &FakeSlack| slack.responses().iter().filter(|r| text(&r.body) == VOTE_RECORDED).count();
    let deadline = Instant::now() + WAIT;
    while thanked(&slack) < 7 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(thanked(&slack), 7, "every click is answered privately: {:?}", slack.responses());
    assert!(slack.responses().iter().all(|r| r.body["response_type"] == "ephemeral"));
    assert!(slack.responses().iter().all(|r| r.body["replace_original"] == false), "the pulse message stays");

    // alice closes it: the question is updated in place, the chart uploaded and shown.
    command(&slack, "U0001", "/pulse", "close").await;
    let closed = slack
        .wait_for("chat.update", |p| p["ts"] == pulse.ts.as_str() && text(p).contains("has closed"), WAIT)
        .await
        .unwrap();
    assert_eq!(closed["blocks"].as_array().map(|b| b.iter().any(|b| b["type"] == "actions")), Some(false));
    let completed = slack.wait_for("files.completeUploadExternal", |_| true, WAIT).await.unwrap();
    let file_id = completed["files"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(slack.calls("files.getUploadURLExternal").len(), 1);
    let uploads = slack.uploads();
    assert_eq!(uploads.len(), 1);
    assert!(uploads[0].bytes.starts_with(b"\x89PNG"), "a PNG chart");
    assert!(completed.get("channel_id").is_none(), "the file is shown by the results, not posted on its own");
    let shows_chart = |p: &Value| {
        p["blocks"].as_array().is_some_and(|blocks| {
            blocks.iter().any(|b| b["type"] == "image" && b["slack_file"]["id"] == file_id.as_str())
        })
    };
    let results = slack.wait_for("chat.postMessage", shows_chart, WAIT).await.unwrap();
    assert!(text(&results).contains("6 responses"), "{results}");
    assert!(
        text(&results).contains("(6 of 7 members)"),
        "members from conversations.members, bots left out: {results}"
    );
    // Six voters, one vote each: bob's change replaced his first vote.
    let stored = slack.message("C0001", &pulse.ts).unwrap();
    assert!(text(&stored).contains("has closed"));
    stop(bot, &slack).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_answered_with_429_waits_for_retry_after_and_is_made_once() {
    let slack = FakeSlack::start().await;
    let bot = start(&slack, "", &socket_env(&slack), &[]).await;
    slack.wait_connected(1).await.unwrap();
    slack.rate_limit_next("chat.postMessage", 1);
    command(&slack, "U0001", "/meridian", "follow IN").await;
    let announced = |p: &Value| text(p).contains("India");
    slack.wait_for("chat.postMessage", announced, WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let calls: Vec<_> = slack.api_calls().into_iter().filter(|c| c.method == "chat.postMessage").collect();
    assert_eq!(calls.iter().map(|c| c.status).collect::<Vec<_>>(), vec![429, 200], "tried again once");
    let waited = calls[1].received_at - calls[0].received_at;
    assert!(waited >= Duration::from_millis(950), "Retry-After honoured: {waited:?}");
    assert_eq!(slack.messages().iter().filter(|m| announced(&m.message)).count(), 1, "posted once");
    stop(bot, &slack).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_due_while_the_socket_is_down_is_posted_once_and_its_reactions_count() {
    let slack = FakeSlack::start().await;
    // Friday 6 November 2026, ten seconds before 09:00 in Kolkata; Diwali is on Sunday.
    let spawned = Instant::now();
    let bot = start(&slack, "", &socket_env(&slack), &["--clock", "2026-11-06T03:29:50Z"]).await;
    slack.wait_connected(1).await.unwrap();
    command(&slack, "U0001", "/meridian", "follow IN").await;
    command(&slack, "U0001", "/meridian", "settings tz:Asia/Kolkata").await;
    command(&slack, "U0002", "/meridian", "me region:IN-KA hours:09:00-18:00").await;

    // The socket drops before nine and Slack is slow to open another.
    tokio::time::sleep_until((spawned + Duration::from_millis(8500)).into()).await;
    slack.delay("apps.connections.open", Duration::from_secs(5));
    let dropped = Instant::now();
    slack.drop_socket().await.unwrap();
    let diwali = |p: &Value| text(p).contains("Diwali");
    slack.wait_for("chat.postMessage", diwali, Duration::from_secs(20)).await.expect("the reminder is posted");
    slack.wait_connected(2).await.expect("meridian reconnects");
    let reconnected = Instant::now();
    slack.delay("apps.connections.open", Duration::ZERO);
    let posted = slack.api_calls().into_iter().find(|c| c.method == "chat.postMessage" && diwali(&c.params)).unwrap();
    assert!(
        dropped < posted.received_at && posted.received_at < reconnected,
        "due while the socket was down: posted {:?} after the drop, reconnected {:?} after it",
        posted.received_at - dropped,
        reconnected - dropped
    );

    // People react to it; meridian counts the reaction.
    let reminder = slack.messages().into_iter().find(|m| diwali(&m.message)).unwrap();
    in_time(slack.send_event(slack.reaction_added("U0002", "tada", "C0001", &reminder.ts)).await.unwrap());
    tokio::time::sleep(Duration::from_millis(500)).await;
    command(&slack, "U0001", "/meridian", "engagement").await;
    let counted = slack.wait_for_response(|b| text(b).contains("Diwali"), WAIT).await.unwrap();
    assert!(text(&counted.body).contains("1 reactions from 1 people"), "{}", counted.body);
    assert!(text(&counted.body).contains("— IN 1"), "{}", counted.body);

    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(slack.messages().iter().filter(|m| diwali(&m.message)).count(), 1, "posted once");
    stop(bot, &slack).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_slack_delivers_again_is_handled_once_and_a_refresh_loses_nothing() {
    let slack = FakeSlack::start().await;
    slack.add_user(User::new("U0004", "dave").tz("Asia/Manila", "Philippine Standard Time", 28_800));
    let bot = start(&slack, "", &socket_env(&slack), &[]).await;
    slack.wait_connected(1).await.unwrap();

    // dave joins; the acknowledgement is lost, so Slack sends the event again after reconnecting.
    let redelivery = slack.send_event_with_lost_ack(slack.join_channel("U0004", "C0001")).await.unwrap();
    assert_eq!(redelivery.retry.retry_attempt, 1);
    in_time(redelivery.first);
    in_time(redelivery.retry);
    let welcome = slack.wait_for("chat.postEphemeral", |p| p["user"] == "U0004", WAIT).await.unwrap();
    assert!(text(&welcome).contains("Welcome"), "{welcome}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(slack.calls("chat.postEphemeral").len(), 1, "welcomed once");

    // Slack asks for a refresh: meridian reconnects and the next command is answered.
    slack.disconnect("refresh_requested").await.unwrap();
    slack.wait_connected(3).await.expect("reconnects after a disconnect envelope");
    command(&slack, "U0001", "/meridian", "regions").await;
    slack.wait_for_response(|b| text(b).contains("follows no regions"), WAIT).await.unwrap();
    // dave never set a time zone: meridian took Slack's.
    let store = meridian::store::Store::connect(&format!("sqlite://{}", bot.dir.path().join("meridian.db").display()))
        .await
        .unwrap();
    let channel = store.channels().await.unwrap().remove(0);
    let dave = store.member_by_platform_id(channel.workspace, "U0004").await.unwrap().unwrap();
    assert_eq!(dave.profile.timezone, Some(chrono_tz::Asia::Manila));
    store.close().await;
    in_time(slack.send_event(slack.leave_channel("U0004", "C0001")).await.unwrap());
    assert_eq!(slack.open_connections(), 1, "one connection");
    stop(bot, &slack).await;
}

// ---- HTTP mode ------------------------------------------------------------------------------

/// POSTs `request` to the bot's HTTP server; returns the status and body.
async fn deliver(http: SocketAddr, path: &str, request: &SignedRequest, sign: bool) -> (u16, String) {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {http}\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: {}\r\n",
        request.body.len(),
        request.content_type
    );
    if sign {
        for (name, value) in request.headers().into_iter().filter(|(n, _)| *n != "content-type") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    let mut stream = tokio::net::TcpStream::connect(http).await.unwrap();
    stream.write_all(format!("{head}\r\n{}", request.body).as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_http_mode_only_requests_slack_signed_recently_are_heard() {
    let slack = FakeSlack::start().await;
    let env = [("SLACK_BOT_TOKEN", slack.bot_token()), ("SLACK_SIGNING_SECRET", SIGNING_SECRET.to_string())];
    let bot = start(&slack, "mode = \"http\"", &env, &[]).await;
    let http = bot.http;

    let challenge =
        SignedRequest::url_verification(SIGNING_SECRET, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    let (status, body) = deliver(http, "/slack/events", &challenge, true).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );

    // A forged, a stale and an unsigned request to follow a region: 401, and nothing changes.
    let follow = slack.slash_command_payload(&SlashCommand::new("/meridian", "follow PH"));
    let forged = SignedRequest::slash_command("not-the-secret", &follow);
    let stale = SignedRequest::slash_command(SIGNING_SECRET, &follow);
    let stale = stale.clone().at(SIGNING_SECRET, stale.timestamp - 6 * 60);
    for (request, sign) in [(&forged, true), (&stale, true), (&forged, false)] {
        assert_eq!(deliver(http, "/slack/commands", request, sign).await.0, 401);
    }
    let click = slack.block_actions_payload(&BlockAction::button("pulse#0", "1:0"));
    assert_eq!(deliver(http, "/slack/interactions", &SignedRequest::interactive("x", &click), true).await.0, 401);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(slack.calls("chat.postMessage").is_empty() && slack.responses().is_empty(), "nothing changed");

    // Signed ones are heard: a refusal is the response itself, a command's work follows.
    let pulse = slack.slash_command_payload(&SlashCommand::new("/pulse", "\"Q?\" scale:1-5").by("U0002"));
    let (status, body) =
        deliver(http, "/slack/commands", &SignedRequest::slash_command(SIGNING_SECRET, &pulse), true).await;
    assert_eq!(status, 200);
    let refusal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refusal["response_type"], "ephemeral");
    assert!(text(&refusal).contains("Only managers"), "{refusal}");
    let follow = slack.slash_command_payload(&SlashCommand::new("/meridian", "follow IN"));
    let (status, body) =
        deliver(http, "/slack/commands", &SignedRequest::slash_command(SIGNING_SECRET, &follow), true).await;
    assert_eq!((status, body.as_str()), (200, ""), "acknowledged bare");
    slack.wait_for("chat.postMessage", |p| text(p).contains("India"), WAIT).await.unwrap();

    // A click comes as an interactive payload; its answer goes through its response_url.
    let click = slack.block_actions_payload(&BlockAction::button("poll#0", "yes").by("U0002"));
    let (status, body) =
        deliver(http, "/slack/interactions", &SignedRequest::interactive(SIGNING_SECRET, &click), true).await;
    assert_eq!((status, body.as_str()), (200, ""));
    slack.wait_for_response(|b| text(b).contains("not one meridian knows"), WAIT).await.unwrap();

    // An event Slack retries over HTTP is handled once.
    let join = slack.event_callback(slack.join_channel("U0003", "C0001"));
    let first = SignedRequest::event(SIGNING_SECRET, &join);
    let retry = SignedRequest::event(SIGNING_SECRET, &join).retry(1, "http_timeout");
    assert_eq!(deliver(http, "/slack/events", &first, true).await.0, 200);
    assert_eq!(deliver(http, "/slack/events", &retry, true).await.0, 200);
    slack.wait_for("chat.postEphemeral", |p| p["user"] == "U0003", WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(slack.calls("chat.postEphemeral").len(), 1);
    stop(bot, &slack).await;
}

#[test]
fn slacks_published_signature_example_verifies() {
    // api.slack.com/authentication/verifying-requests-from-slack
    let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    let verify = |now| {
        meridian::platforms::slack::verify_signature(
            "8f742231b10e8888abcd99yyyzzz85a5",
            Some("1531420618"),
            Some(signature),
            body.as_bytes(),
            now,
        )
    };
    assert_eq!(verify(1531420618 + 60), Ok(()));
    assert_eq!(verify(1531420618 + 5 * 60 + 1), Err(meridian::platforms::slack::Refusal::Stale));
}

#[test]
fn meridian_will_not_start_socket_mode_without_the_app_token() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("meridian.toml");
    std::fs::write(&config, "[slack]\napi_base = \"http://127.0.0.1:9/api\"\n").unwrap();
    let out = common::meridian()
        .args(["run", "--config"])
        .arg(&config)
        .arg("--database")
        .arg(format!("sqlite://{}", dir.path().join("m.db").display()))
        .env_clear()
        .env("SLACK_BOT_TOKEN", "xoxb-1-secret")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("SLACK_APP_TOKEN is not set"), "{stderr}");
    assert!(!stderr.contains("xoxb-1-secret"), "{stderr}");
}

// ---- the adapter in process, against the fake -----------------------------------------------

async fn adapter(slack: &FakeSlack) -> Arc<SlackPlatform> {
    let client = Arc::new(client(&format!("{}/", slack.api_base())).unwrap());
    Arc::new(SlackPlatform::connect(client, &Secret::new(slack.bot_token())).await.unwrap())
}

fn general() -> ChannelRef {
    ChannelRef { platform: PlatformKind::Slack, workspace: "T0001".into(), id: "C0001".into(), name: "general".into() }
}

#[tokio::test]
async fn the_adapter_reports_what_slack_answered_and_never_retries_itself() {
    let slack = FakeSlack::start().await;
    let platform = adapter(&slack).await;
    assert_eq!(platform.identity().team_id, "T0001");
    let hello = Message::text("hello & <welcome>");
    let channel = general();
    let post = || platform.post(&channel, &hello);
    slack.rate_limit_next("chat.postMessage", 7);
    assert_eq!(
        post().await,
        Err(PlatformError::RateLimited { platform: PlatformKind::Slack, retry_after: Duration::from_secs(7) })
    );
    for (code, transient) in [("internal_error", true), ("channel_not_found", false), ("invalid_blocks", false)] {
        slack.fail_next("chat.postMessage", code);
        let failed = post().await.unwrap_err();
        assert_eq!(failed.is_transient(), transient, "{code}: {failed:?}");
    }
    slack.fail_next("chat.postMessage", "channel_not_found");
    assert!(matches!(post().await, Err(PlatformError::NotFound { .. })));
    slack.fail_next("chat.postMessage", "is_archived");
    assert!(matches!(post().await, Err(PlatformError::Forbidden { .. })));
    slack.fail_next("chat.postMessage", "invalid_blocks");
    assert!(matches!(post().await, Err(PlatformError::Rejected { .. })));
    let random = ChannelRef { id: "C0002".into(), name: "random".into(), ..general() };
    assert!(matches!(platform.post(&random, &hello).await, Err(PlatformError::Forbidden { .. })), "not_in_channel");
    assert_eq!(slack.calls("chat.postMessage").len(), 8, "each call made once");

    let MessageRef(ts) = post().await.unwrap();
    let stored = slack.message("C0001", &ts).unwrap();
    assert_eq!(text(&stored), "hello &amp; &lt;welcome&gt;", "escaped, the fallback set");
    let gone = MessageRef("1.000001".into());
    assert!(matches!(platform.update(&general(), &gone, &hello).await, Err(PlatformError::NotFound { .. })));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = Arc::new(client(&format!("http://{closed}/api")).unwrap());
    let offline = SlackPlatform::connect(unreachable, &Secret::new(slack.bot_token())).await;
    assert!(matches!(offline, Err(PlatformError::Unavailable { .. })), "{offline:?}");
}

#[tokio::test]
async fn the_adapter_answers_privately_directly_and_with_an_uploaded_file() {
    let slack = FakeSlack::start().await;
    let platform = adapter(&slack).await;
    let payload = slack.slash_command_payload(&SlashCommand::new("/meridian", "upcoming"));
    let to = ReplyTarget {
        channel: general(),
        user_id: "U0001".into(),
        handle: payload["response_url"].as_str().unwrap().to_string(),
    };
    platform.reply(&to, &Message::text("only for you")).await.unwrap();
    let answer = slack.wait_for_response(|b| text(b) == "only for you", WAIT).await.unwrap();
    assert_eq!(
        (answer.body["response_type"].clone(), answer.body["replace_original"].clone()),
        (json!("ephemeral"), json!(false))
    );
    // A response_url Slack no longer takes (30 minutes, five answers): privately in the channel.
    let expired = ReplyTarget { handle: format!("{}/response/expired", slack.base_url()), ..to.clone() };
    platform.reply(&expired, &Message::text("late")).await.unwrap();
    let late = slack.calls("chat.postEphemeral").pop().unwrap();
    assert_eq!((late["user"].as_str(), text(&late)), (Some("U0001"), "late"));

    platform.ephemeral(&general(), "U0002", &Message::text("welcome")).await.unwrap();
    assert_eq!(slack.calls("chat.postEphemeral").last().unwrap()["user"], "U0002");
    let bob = UserRef { platform: PlatformKind::Slack, workspace: "T0001".into(), user_id: "U0002".into() };
    platform.direct(&bob, &Message::text("a nudge")).await.unwrap();
    platform.direct(&bob, &Message::text("another")).await.unwrap();
    assert_eq!(slack.calls("conversations.open").len(), 1, "the DM channel is remembered");
    let dm = slack.messages().into_iter().find(|m| text(&m.message) == "a nudge").unwrap();
    assert!(dm.channel.starts_with('D'));

    let png = Attachment { name: "pulse-1.png".into(), mime: "image/png".into(), bytes: b"\x89PNG-chart".to_vec() };
    let file = platform.upload(&general(), &png).await.unwrap();
    let Some(FileRef::Uploaded { id, .. }) = file else { panic!("{file:?}") };
    assert_eq!(slack.uploads()[0].bytes, png.bytes);
    assert_eq!(slack.uploads()[0].file_id, id);
    assert_eq!(slack.calls("files.completeUploadExternal")[0]["files"][0]["id"], id.as_str());
}

#[tokio::test]
async fn members_are_read_page_by_page_without_bots_and_people_with_their_zone_and_role() {
    let slack = FakeSlack::start().await;
    let mut members: Vec<String> = (0..230).map(|i| format!("UM{i:04}")).collect();
    for id in &members {
        slack.add_user(User::new(id, id));
    }
    slack.add_user(User::new("UHELPER", "helper-bot").bot());
    members.extend(["UHELPER".to_string(), "U0BOT".to_string()]);
    slack.add_channel(Channel::new("C0009", "big").members(members.clone()));
    let platform = adapter(&slack).await;
    let big = ChannelRef { id: "C0009".into(), name: "big".into(), ..general() };
    let people = platform.members(&big).await.unwrap().unwrap();
    assert_eq!(people, members[..230].to_vec());
    assert_eq!(slack.calls("conversations.members").len(), 2, "two pages of 200");
    platform.members(&big).await.unwrap();
    assert_eq!(slack.calls("conversations.members").len(), 2, "remembered");
    platform.membership_changed("C0009");
    platform.members(&big).await.unwrap();
    assert_eq!(slack.calls("conversations.members").len(), 4, "read again after a join or leave");

    let alice = UserRef { platform: PlatformKind::Slack, workspace: "T0001".into(), user_id: "U0001".into() };
    let info = platform.user(&alice).await.unwrap().unwrap();
    assert_eq!((info.display_name.as_str(), info.timezone), ("alice", Some(chrono_tz::Asia::Kolkata)));
    assert!(info.is_admin);
    let (_, carol) = platform.capabilities("U0003").await.unwrap();
    let (_, bob) = platform.capabilities("U0002").await.unwrap();
    assert!(carol.manager && !bob.manager, "owners and admins are managers");
    let nobody = UserRef { user_id: "U9999".into(), ..alice };
    assert_eq!(platform.user(&nobody).await.unwrap(), None);
}
