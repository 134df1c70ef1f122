//! The Discord acknowledgement path through the real adapter, in process: from the fake
//! Discord sending INTERACTION_CREATE on its gateway to the interaction callback reaching its
//! REST route (serenity reads the frame, the listener asks the core, the callback goes out),
//! alone and during a burst of clicks on one pulse. A click's acknowledgement is its answer,
//! sent once its vote is written (or "thinking…" if that takes over 2 s), so a click's time
//! includes its vote's commit. Prints p50/p99, and how many clicks were answered at once and
//! how many deferred. Discord's limit is 3 s.
//! Run with `cargo bench --bench discord_ack`; under `cargo test` it runs a small version.

#[allow(dead_code)]
#[path = "../tests/fakes/discord.rs"]
mod fake;

use fake::{perms, sample, Component, FakeDiscord, FakeGuild, FakeOptions, FakeUser, Opt, SlashCommand, World};
use meridian::bot::Parts;
use meridian::chat::Platforms;
use meridian::clock::SystemClock;
use meridian::config::{Config, Secret};
use meridian::platforms::discord::Discord;
use meridian::store::Store;
use std::sync::Arc;
use std::time::{Duration, Instant};

const LEAD: u64 = 1_300_000_000_000_000_010;
const LEAD_ROLE: u64 = 1_500_000_000_000_000_010;
const FIRST_PERSON: u64 = 1_300_000_000_000_100_000;

fn world(people: u64) -> World {
    let bot = FakeUser::bot(sample::BOT, "Meridian");
    let mut guild = FakeGuild::new(sample::GUILD, "Meridian HQ", sample::OWNER)
        .role(LEAD_ROLE, "Team lead", perms::DEFAULT_EVERYONE | perms::MANAGE_GUILD)
        .text_channel(sample::GENERAL, "general")
        .member(FakeUser::new(sample::OWNER, "olga"), &[])
        .member(FakeUser::new(LEAD, "maya"), &[LEAD_ROLE])
        .member(bot.clone(), &[]);
    for i in 0..people {
        guild = guild.member(FakeUser::new(FIRST_PERSON + i, &format!("p{i}")), &[]);
    }
    World::new(sample::TOKEN, sample::APP, bot).guild(guild)
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let late = times.iter().filter(|t| **t >= Duration::from_secs(3)).count();
    println!(
        "discord acknowledgement ({label}): n {}, p50 {:.1?}, p99 {:.1?}, max {:.1?}, over 3 s: {late}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (alone, burst) = if full { (300, 2_000) } else { (10, 50) };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async move {
        // A long window, so that a late callback is measured rather than refused.
        let options = FakeOptions { interaction_timeout: Duration::from_secs(60), ..FakeOptions::default() };
        let fake = FakeDiscord::start_with(world(burst), options).await;
        let mut config = Config::default();
        config.discord.api_base = fake.api_base();
        config.discord.token = Some(Secret::new(fake.token()));
        config.discord.guild_ids = vec![sample::GUILD];
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await.unwrap();
        let discord = Discord::connect(&config.discord).await.unwrap();
        let mut platforms = Platforms::default();
        platforms.add(discord.platform());
        let parts = Parts::shipped(config).unwrap();
        let bot = Arc::new(parts.bot(store, Arc::new(SystemClock), platforms));
        let (_, gateway) = discord.serve(bot.clone()).await.unwrap();
        fake.wait_ready(Duration::from_secs(10)).await.unwrap();

        let ask = SlashCommand::new("pulse")
            .subcommand("ask", vec![Opt::string("question", "How clear were handoffs this week?")])
            .user(LEAD);
        fake.send_interaction(ask).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        let message = loop {
            let found = fake.messages(sample::GENERAL).into_iter().find(|m| m["components"] != serde_json::json!([]));
            if let Some(m) = found {
                break m["id"].as_str().unwrap().parse::<u64>().unwrap();
            }
            assert!(Instant::now() < deadline, "the pulse was not posted");
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let click =
            |i: u64| Component::button(&format!("pulse:1:{}", i % 5)).message(message).user(FIRST_PERSON + i % burst);
        let command = || SlashCommand::new("meridian").subcommand("upcoming", vec![]).user(FIRST_PERSON);

        // One at a time: a click, then a command, each waited for.
        let mut times = Vec::new();
        for i in 0..alone {
            let callback = if i % 2 == 0 {
                fake.send_interaction(click(i)).await.unwrap()
            } else {
                fake.send_interaction(command()).await.unwrap()
            };
            times.push(callback.elapsed);
        }
        summary("alone, clicks and commands", times);

        // A burst: every member clicks at once; a command arrives in the middle of it.
        let started = Instant::now();
        let mut sent = Vec::new();
        for i in 0..burst {
            sent.push(fake.post_interaction(click(i)).await.unwrap().id);
            if i == burst / 2 {
                sent.push(fake.post_interaction(command()).await.unwrap().id);
            }
        }
        let (mut times, mut deferred) = (Vec::new(), 0);
        for id in &sent {
            let callback = fake.wait_callback(*id, Duration::from_secs(60)).await.unwrap();
            deferred += usize::from(callback.kind == 5);
            times.push(callback.elapsed);
        }
        let command_time = times[(burst / 2 + 1) as usize];
        println!(
            "discord burst of {burst} clicks dispatched and all acknowledged in {:.2?}; {deferred} deferred (the \
             command among them), the rest answered \"your answer is in\" at once",
            started.elapsed()
        );
        summary(&format!("burst of {burst} clicks"), times);
        println!("discord acknowledgement (a command during the burst): {command_time:.1?}");
        gateway.stop().await;
    });
}
