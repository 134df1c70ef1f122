//! Two `meridian run` processes on one PostgreSQL database, both connected to the fake Slack:
//! when a posting slot comes, both schedulers find the same reminders due in every channel,
//! and the ledger lets exactly one of them post each — counted from what Slack received.
//! Needs `MERIDIAN_TEST_POSTGRES_URL` (a fresh database is created and dropped); under CI its
//! absence is a failure.

mod common;
mod fakes;

use common::process::RunningBot;
use fakes::slack::{Channel, FakeSlack};
use meridian::store::{ChannelSettings, Platform, Store};
use sqlx::{Connection, Executor};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Channels in the test; each follows all sixteen nations.
const CHANNELS: usize = 100;
const REGIONS: [&str; 16] =
    ["IN", "US", "GB", "PH", "AU", "DE", "JP", "BR", "MX", "CA", "SG", "ZA", "IE", "NZ", "MY", "CO"];

/// A fresh database on the test server, dropped when the guard goes.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    async fn create() -> Option<Database> {
        let Ok(admin) = std::env::var("MERIDIAN_TEST_POSTGRES_URL") else {
            assert!(std::env::var_os("CI").is_none(), "MERIDIAN_TEST_POSTGRES_URL must be set in CI");
            eprintln!("note: MERIDIAN_TEST_POSTGRES_URL is not set; the multi-instance test was not run");
            return None;
        };
        let name = format!("meridian_instances_{:08x}", rand::random::<u32>());
        let (base, _) = admin.rsplit_once('/').expect("a database URL ends in /DBNAME");
        let url = format!("{base}/{name}");
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).await.unwrap();
        Some(Database { admin, name, url })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ =
                        conn.execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).await;
                }
            })
        })
        .join();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_post_each_due_reminder_exactly_once() {
    let Some(db) = Database::create().await else { return };
    let slack = FakeSlack::start().await;
    // The channels, in Slack and in the shared database: Kolkata's clock, 09:00 on weekdays.
    let store = Store::connect(&db.url).await.unwrap();
    let workspace = store.upsert_workspace(Platform::Slack, &slack.team_id(), "Acme").await.unwrap();
    let settings = ChannelSettings { timezone: chrono_tz::Asia::Kolkata, ..ChannelSettings::default() };
    let ids: Vec<String> = (0..CHANNELS).map(|i| format!("C{:04}", 1000 + i)).collect();
    for id in &ids {
        slack.add_channel(Channel::new(id, &id.to_lowercase()).members([slack.bot_user_id()]));
        let channel = store.upsert_channel(workspace, id, &id.to_lowercase()).await.unwrap();
        store.update_channel_settings(channel, &settings).await.unwrap();
        store.follow_regions(channel, &REGIONS).await.unwrap();
    }
    store.close().await;

    // Friday 6 November 2026, a few seconds before 09:00 in Kolkata; Diwali is on Sunday.
    let config = format!("[slack]\napi_base = \"{}\"\nreconnect_delay = \"1s\"\n", slack.api_base());
    let env = [("SLACK_BOT_TOKEN", slack.bot_token()), ("SLACK_APP_TOKEN", slack.app_token())];
    let start = |clock: &'static str| {
        let (config, env, url) = (config.clone(), env.clone(), db.url.clone());
        tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            RunningBot::start_on(&url, &config, &env, &["--clock", clock])
        })
    };
    let (first, second) = tokio::join!(start("2026-11-06T03:29:52Z"), start("2026-11-06T03:29:52Z"));
    let bots = [first.unwrap(), second.unwrap()];
    slack.wait_connected(2).await.expect("both instances open Socket Mode");

    // Wait until every channel has its post, then a little longer for any second one.
    let per_channel = |slack: &FakeSlack| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for message in slack.messages().iter().filter(|m| m.message["text"].as_str().unwrap_or("").contains("Diwali")) {
            *counts.entry(message.channel.clone()).or_default() += 1;
        }
        counts
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while per_channel(&slack).len() < CHANNELS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let counts = per_channel(&slack);
    let missed: Vec<&String> = ids.iter().filter(|id| !counts.contains_key(*id)).collect();
    let twice: Vec<(&String, &usize)> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(missed.is_empty(), "{} channels never got their reminder: {missed:?}", missed.len());
    assert!(twice.is_empty(), "posted more than once: {twice:?}");
    assert_eq!(counts.len(), CHANNELS);

    // The ledger holds every delivery once, under the name of the instance that made it
    // (shown, not asserted: which instance wins each channel is a race by design).
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let holders: Vec<(String, i64)> = sqlx::query_as(
        "SELECT instance_id, COUNT(*) FROM posts WHERE delivered_at IS NOT NULL GROUP BY instance_id ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let delivered: i64 = holders.iter().map(|(_, n)| n).sum();
    assert!(delivered >= CHANNELS as i64, "{holders:?}");
    conn.close().await.unwrap();
    for bot in bots {
        let (status, log) = tokio::task::spawn_blocking(move || bot.stop()).await.unwrap();
        assert!(status.success(), "{log}");
    }
    eprintln!("ledger deliveries by instance: {holders:?}");
}
