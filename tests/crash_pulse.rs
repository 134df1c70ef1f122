//! Crash rounds of a pulse: the real `meridian run` binary, connected to the fake Discord, asks
//! a five-minute pulse (its clock fast-forwards [`RATE`] times while it waits, so the pulse
//! closes within seconds) while members click its buttons one after another; it is killed
//! with SIGKILL at a random moment between the question and just after the close, and
//! started again on the same SQLite file. Every round:
//! - every vote Discord saw acknowledged is in the final tally, unless its answer refused it
//!   (the pulse had closed) — checked voter by voter against the vote rows, whose voter hashes
//!   the test recomputes with the pulse's key (read while the pulse is open). A vote is
//!   acknowledged with its answer, [`VOTE_RECORDED`], once written; were it acknowledged
//!   first ("thinking…") and written after, a kill in between would lose it;
//! - the question is posted once, and the results are posted, once, with as many responses
//!   as the tally holds.
//!
//! Random points come from a seeded RNG (`MERIDIAN_CRASH_SEED` to replay); the seed is printed
//! with any failure.

mod common;
mod fakes;

use chrono::{DateTime, Utc};
use common::process::RunningBot;
use fakes::discord::{said, sample, Component, FakeDiscord, FakeOptions, FakeUser, Opt, SlashCommand, World};
use hmac::{Hmac, Mac};
use meridian::pulse::VOTE_RECORDED;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use sha2::Sha256;
use sqlx::Connection;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROUNDS: usize = 20;
/// How much faster than real time the bot's clock runs while it waits: a five-minute pulse
/// lasts about 3 s.
const RATE: u32 = 100;
const PULSE_MINUTES: i64 = 5;
const VOTERS: u64 = 400;
const FIRST_VOTER: u64 = 1_300_000_000_000_100_000;
const CHANNEL: u64 = sample::GENERAL;
/// A Thursday morning; the clock's start, whatever the real date.
const START: &str = "2026-11-05T09:00:00Z";

fn world() -> World {
    let (bot, guild) = World::bare_server();
    let mut guild = guild.text_channel(CHANNEL, "general");
    for i in 0..VOTERS {
        guild = guild.member(FakeUser::new(FIRST_VOTER + i, &format!("voter-{i}")), &[]);
    }
    World::with_server(bot, guild)
}

/// Started on `database`, its clock at `at`.
async fn start(fake: &FakeDiscord, database: &str, at: DateTime<Utc>) -> RunningBot {
    let config = format!("[discord]\napi_base = \"{}\"\nshards = \"0-0/1\"\n", fake.api_base());
    let (token, database) = (fake.token(), database.to_string());
    let args =
        ["--clock".to_string(), at.format("%Y-%m-%dT%H:%M:%SZ").to_string(), "--clock-rate".into(), RATE.to_string()];
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        RunningBot::start_on(&database, &config, &[("DISCORD_TOKEN", &token)], &args)
    })
    .await
    .unwrap()
}

/// The pulse's question in the channel, with its buttons' custom ids, once posted.
fn question(fake: &FakeDiscord) -> Option<(u64, Vec<String>)> {
    fake.message_with_buttons(CHANNEL)
}

/// The results posts: the messages with the chart attached.
fn results(fake: &FakeDiscord) -> Vec<Value> {
    fake.messages(CHANNEL).into_iter().filter(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty())).collect()
}

/// A click sent: who, the interaction's id at the fake, and whether Discord accepted an
/// acknowledgement of it (of which kind: 4 answered, 5 "thinking…").
struct Click {
    voter: u64,
    interaction: u64,
    acknowledged: Option<u64>,
}

/// Members click, one after another, until the pulse has closed on the bot's clock; clicks
/// sent while the bot is down go unanswered.
async fn vote(fake: Arc<FakeDiscord>, message: u64, buttons: Vec<String>, closes: Instant, seed: u64) -> Vec<Click> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut clicks = Vec::new();
    for i in 0..VOTERS {
        if Instant::now() > closes {
            break;
        }
        let voter = FIRST_VOTER + i;
        let button = &buttons[rng.gen_range(0..buttons.len())];
        let click = Component::button(button).message(message).user(voter).channel(CHANNEL);
        match fake.post_interaction(click).await {
            Ok(sent) => {
                let callback = fake.wait_callback(sent.id, Duration::from_millis(800)).await;
                let acknowledged = callback.ok().filter(|c| c.accepted()).map(|c| c.kind);
                clicks.push(Click { voter, interaction: sent.id, acknowledged });
                // Spread over the pulse, so that votes are arriving whenever the kill comes.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    clicks
}

fn voter_hash(key: &[u8], pulse: i64, voter: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(&pulse.to_be_bytes());
    mac.update(voter.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

async fn wait_until<T>(timeout: Duration, mut check: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_of_a_pulse_with_votes_arriving_no_recorded_vote_is_lost_and_results_post_once() {
    let seed: u64 = std::env::var("MERIDIAN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::random::<u32>() as u64);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let pulse_real = Duration::from_secs(PULSE_MINUTES as u64 * 60) / RATE;
    let (mut told_total, mut killed_voting, mut killed_closing) = (0, 0, 0);
    for round in 0..ROUNDS {
        let fake = Arc::new(FakeDiscord::start_with(world(), FakeOptions::default()).await);
        let dir = tempfile::tempdir().unwrap();
        let database = format!("sqlite://{}", dir.path().join("meridian.db").display());
        let start_at: DateTime<Utc> = START.parse().unwrap();
        let started = Instant::now();
        let bot = start(&fake, &database, start_at).await;
        fake.wait_ready(Duration::from_secs(15)).await.unwrap_or_else(|e| panic!("{e}\n{}", bot.stderr()));

        let question_text = format!("Round {round}: how did the handover go?");
        let ask = SlashCommand::new("pulse")
            .subcommand("ask", vec![Opt::string("question", &question_text), Opt::string("for", "5m")])
            .user(sample::OWNER)
            .channel(CHANNEL);
        let asked_at = Instant::now();
        fake.send_interaction(ask).await.unwrap_or_else(|e| panic!("{e}\n{}", bot.stderr()));
        let (message, buttons) = wait_until(Duration::from_secs(10), || question(&fake))
            .await
            .unwrap_or_else(|| panic!("round {round}: the question was never posted\n{}", bot.stderr()));
        // The pulse's key, to recognise each voter's row later (it is gone once closed).
        let mut db = sqlx::SqliteConnection::connect(&database).await.unwrap();
        let key: Vec<u8> =
            sqlx::query_scalar("SELECT key FROM pulse_keys WHERE pulse_id = 1").fetch_one(&mut db).await.unwrap();
        db.close().await.unwrap();

        // The pulse closes `pulse_real` after it was asked (a little less: asking took time).
        let closes = asked_at + pulse_real;
        let voting = tokio::spawn(vote(fake.clone(), message, buttons, closes, seed ^ round as u64));
        // Killed somewhere between now and a moment after the close (the results' post).
        let kill_in =
            Duration::from_micros(rng.gen_range(0..(pulse_real + Duration::from_millis(600)).as_micros() as u64));
        tokio::time::sleep(kill_in).await;
        let killed_at = asked_at.elapsed();
        let votes_arriving = !voting.is_finished();
        drop(bot); // SIGKILL
        if votes_arriving {
            killed_voting += 1;
        } else {
            killed_closing += 1;
        }
        // Started again at least where real time alone would have taken the clock (the killed
        // one had fast-forwarded further while it waited: this one waits again, to the close).
        let now = start_at + chrono::TimeDelta::from_std(started.elapsed()).unwrap();
        let bot = start(&fake, &database, now).await;
        let clicks = voting.await.unwrap();
        let posted = wait_until(Duration::from_secs(20), || {
            let posted = results(&fake);
            (!posted.is_empty()).then_some(posted)
        })
        .await;
        // A moment more, for any second results post or a late answer to a voter.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let context = format!(
            "round {round}, seed {seed} (MERIDIAN_CRASH_SEED={seed} to replay): killed {killed_at:?} after asking \
             (the pulse closes after {pulse_real:?})"
        );
        assert!(posted.is_some(), "{context}: no results were posted\n{}", bot.stderr());
        // Acknowledged and not refused: answered "your vote is in", or still "thinking…" (a
        // deferred acknowledgement whose answer the kill cut off).
        let answer = |c: &Click| fake.original_response(c.interaction).map(|m| said(&m)).unwrap_or_default();
        let told: Vec<&Click> =
            clicks.iter().filter(|c| c.acknowledged.is_some() && [VOTE_RECORDED, ""].contains(&&*answer(c))).collect();
        let deferred = clicks.iter().filter(|c| c.acknowledged == Some(5)).count();
        let (status, log) = tokio::task::spawn_blocking(move || bot.stop()).await.unwrap();
        assert!(status.success(), "{context}: {log}");

        let mut db = sqlx::SqliteConnection::connect(&database).await.unwrap();
        let rows: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT voter_hash FROM votes WHERE pulse_id = 1").fetch_all(&mut db).await.unwrap();
        db.close().await.unwrap();
        let lost: Vec<u64> = told
            .iter()
            .filter(|c| !rows.contains(&voter_hash(&key, 1, &c.voter.to_string())))
            .map(|c| c.voter)
            .collect();
        assert!(lost.is_empty(), "{context}: {} acknowledged votes are not in the tally: {lost:?}", lost.len());
        let results = results(&fake);
        assert_eq!(results.len(), 1, "{context}: results posted {} times", results.len());
        let shown = said(&results[0]);
        assert!(
            shown.contains(&format!("{} responses", rows.len())),
            "{context}: the tally has {} votes: {shown}",
            rows.len()
        );
        let questions = fake
            .messages(CHANNEL)
            .iter()
            .filter(|m| said(m).contains(&question_text) && m["attachments"].as_array().is_none_or(|a| a.is_empty()))
            .count();
        assert_eq!(questions, 1, "{context}: the question was posted {questions} times");
        told_total += told.len();
        eprintln!(
            "round {round}: killed {killed_at:?} after asking; {} clicks, {} acknowledged ({deferred} deferred), {} in \
             the tally",
            clicks.len(),
            told.len(),
            rows.len()
        );
    }
    eprintln!(
        "pulse crash rounds: {ROUNDS}, seed {seed}: {killed_voting} killed while votes arrived, {killed_closing} \
         after the last vote (around the close); {told_total} votes acknowledged, none lost"
    );
}
