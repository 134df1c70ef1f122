//! Two `meridian run` processes on one PostgreSQL database, both connected to the fake Slack,
//! rehearse a month of posting (`--clock-rate`: time flows thousands of times faster while
//! they wait for the next post): 500 channels following 16 regions, their holiday reminders
//! and daily briefs. Every post the pure core plans for the month must reach Slack exactly
//! once — counted from the ledger keys the messages carry as Slack metadata — with nothing
//! missed and nothing twice, and both instances share the work.
//! Needs `MERIDIAN_TEST_POSTGRES_URL` (a fresh database is created and dropped); under CI its
//! absence is a failure.

mod common;
mod fakes;

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use common::process::RunningBot;
use fakes::slack::{Channel, FakeSlack};
use meridian::brief::schedule::BriefPlan;
use meridian::brief::BriefDays;
use meridian::calendar::Library;
use meridian::reminders::plan_posts;
use meridian::service::calendar::{plan_for, start_channel};
use meridian::store::{ChannelSettings, Platform, Purpose, Store};
use sqlx::{Connection, Executor};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Channels in the test; each follows all sixteen nations.
const CHANNELS: usize = 500;
const REGIONS: [&str; 16] =
    ["IN", "US", "GB", "PH", "AU", "DE", "JP", "BR", "MX", "CA", "SG", "ZA", "IE", "NZ", "MY", "CO"];
/// The channels' clocks, in turn: a day that starts early and one that starts late in UTC,
/// and New York leaves daylight saving within the month.
const ZONES: [Tz; 2] = [chrono_tz::Asia::Kolkata, chrono_tz::America::New_York];
/// The month: Wednesday 14 October to Friday 13 November 2026 (Diwali on the 8th).
const START: &str = "2026-10-14T00:00:00Z";
const DAYS: i64 = 30;
/// How much faster than real time the instances' clocks run while they wait: the month's
/// idle hours take minutes; its runs take the time they take.
const RATE: u32 = 20_000;
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

/// The ledger key of a post, as the scheduler names it (`channel/purpose/occurrence`).
fn ledger_key(channel: meridian::store::ChannelId, purpose: Purpose, occurrence: &str) -> String {
    format!("{}/{}/{}", channel.0, purpose, occurrence)
}

/// What the pure core says the channels owe in `[from, to)`: every reminder (from the
/// calendars and each channel's own plan) and every brief (from its brief plan), by ledger
/// key, with when it is due.
fn planned(
    library: &Library,
    channels: &[meridian::store::Channel],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> BTreeMap<String, DateTime<Utc>> {
    let mut owed = BTreeMap::new();
    for channel in channels {
        let plan = plan_for(channel);
        let (first, last) = plan.dates_to_fetch(from, to);
        let mut occurrences = Vec::new();
        for region in &channel.followed_regions {
            occurrences.extend(library.find(region).unwrap().occurrences(first, last).0);
        }
        for reminder in plan_posts(&plan, &occurrences, from, to) {
            owed.insert(ledger_key(channel.id, Purpose::Reminder, &reminder.key.to_string()), reminder.post_at);
        }
        let briefs = BriefPlan {
            tz: channel.settings.timezone,
            time: channel.settings.brief_time.unwrap(),
            weekend: library.find(&channel.followed_regions[0]).unwrap().weekend.clone(),
            days: BriefDays::Working,
            started: from,
        };
        for (date, at) in briefs.between(from, to) {
            owed.insert(ledger_key(channel.id, Purpose::Brief, &date.to_string()), at);
        }
    }
    owed
}

/// Every ledger key Slack received, with how many times, and the messages that carried none.
fn received(slack: &FakeSlack) -> (BTreeMap<String, usize>, Vec<String>) {
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    let mut unkeyed = Vec::new();
    for message in slack.messages() {
        match message.message["metadata"]["event_payload"]["key"].as_str() {
            // A digest carries the keys of every reminder in it.
            Some(carried) => carried.split('+').for_each(|k| *keys.entry(k.to_string()).or_default() += 1),
            None => unkeyed.push(format!("{}: {}", message.channel, message.message["text"])),
        }
    }
    (keys, unkeyed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_post_a_month_of_reminders_and_briefs_exactly_once() {
    let Some(db) = Database::create().await else { return };
    let slack = FakeSlack::start().await;
    let start: DateTime<Utc> = START.parse().unwrap();
    let end = start + TimeDelta::days(DAYS);
    // The channels, in Slack and in the shared database, started at `start` (nothing before
    // it is owed): reminders at 09:00 on weekdays, a brief at 08:30 on the customers' day.
    let began = Instant::now();
    let store = Store::connect(&db.url).await.unwrap();
    let workspace = store.upsert_workspace(Platform::Slack, &slack.team_id(), "Acme").await.unwrap();
    for i in 0..CHANNELS {
        let id = format!("C{:04}", 1000 + i);
        slack.add_channel(Channel::new(&id, &id.to_lowercase()).members([slack.bot_user_id()]));
        let channel = store.upsert_channel(workspace, &id, &id.to_lowercase()).await.unwrap();
        let settings = ChannelSettings {
            timezone: ZONES[i % ZONES.len()],
            brief_time: NaiveTime::from_hms_opt(8, 30, 0),
            ..ChannelSettings::default()
        };
        store.update_channel_settings(channel, &settings).await.unwrap();
        store.follow_regions(channel, &REGIONS).await.unwrap();
        store.set_customer_regions(channel, &["US", "GB"]).await.unwrap();
        start_channel(&store, channel, start).await.unwrap();
        store.set_last_run(&meridian::service::briefs::start_job(channel), start).await.unwrap();
    }
    let channels = store.channels().await.unwrap();
    store.close().await;
    assert_eq!(channels.len(), CHANNELS);
    let library = Library::shipped().unwrap();
    let owed = planned(&library, &channels, start, end);
    // What falls due after the month may be posted before the instances stop: allowed.
    let later = planned(&library, &channels, end, end + TimeDelta::days(3));
    eprintln!("seeded {CHANNELS} channels in {:?}; {} posts owed in the month", began.elapsed(), owed.len());

    // Each instance's clock starts at `start` and fast-forwards through its waits.
    let config = format!("[slack]\napi_base = \"{}\"\nreconnect_delay = \"1s\"\n", slack.api_base());
    let env = [("SLACK_BOT_TOKEN", slack.bot_token()), ("SLACK_APP_TOKEN", slack.app_token())];
    let args = ["--clock".to_string(), START.to_string(), "--clock-rate".into(), RATE.to_string()];
    let launch = || {
        let (config, env, url, args) = (config.clone(), env.clone(), db.url.clone(), args.clone());
        tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            RunningBot::start_on(&url, &config, &env, &args)
        })
    };
    let (first, second) = tokio::join!(launch(), launch());
    let bots = [first.unwrap(), second.unwrap()];
    slack.wait_connected(2).await.expect("both instances open Socket Mode");

    // Until the ledger has delivered as many posts as are owed (bounded), and a moment more
    // for any second post; then Slack's messages are counted key by key. (Polling the
    // ledger, not the fake: copying tens of thousands of messages every second starved the
    // instances.)
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    loop {
        let delivered: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts WHERE delivered_at IS NOT NULL")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        if delivered as usize >= owed.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    conn.close().await.unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut logs = Vec::new();
    for bot in bots {
        let (status, log) = tokio::task::spawn_blocking(move || bot.stop()).await.unwrap();
        assert!(status.success(), "an instance did not stay up and stop cleanly:\n{log}");
        logs.push(log);
    }
    if let Ok(path) = std::env::var("MERIDIAN_TEST_LOG_DIR") {
        for (i, log) in logs.iter().enumerate() {
            std::fs::write(format!("{path}/instance-{i}.log"), log).unwrap();
        }
    }
    let wall = began.elapsed();

    let (keys, unkeyed) = received(&slack);
    let missed: Vec<(&String, &DateTime<Utc>)> = owed.iter().filter(|(k, _)| !keys.contains_key(*k)).collect();
    let twice: Vec<(&String, &usize)> = keys.iter().filter(|(_, n)| **n > 1).collect();
    let unplanned: Vec<&String> = keys.keys().filter(|k| !owed.contains_key(*k) && !later.contains_key(*k)).collect();
    let errors: Vec<&str> = logs.iter().flat_map(|l| l.lines()).filter(|l| l.contains("ERROR")).take(5).collect();
    assert!(
        missed.is_empty(),
        "{} of {} posts never reached Slack (first: {:?}); errors: {errors:#?}",
        missed.len(),
        owed.len(),
        &missed[..missed.len().min(10)]
    );
    assert!(
        twice.is_empty(),
        "{} posts reached Slack more than once: {:?}",
        twice.len(),
        &twice[..twice.len().min(10)]
    );
    assert!(unplanned.is_empty(), "posts the core did not plan: {:?}", &unplanned[..unplanned.len().min(10)]);
    assert!(unkeyed.is_empty(), "messages without a ledger key: {:?}", &unkeyed[..unkeyed.len().min(5)]);

    // Who made them: the ledger names the instance of every delivery. Which instance wins a
    // slot is a race by design, but over a month each wins some.
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let holders: Vec<(String, i64)> = sqlx::query_as(
        "SELECT instance_id, COUNT(*) FROM posts WHERE delivered_at IS NOT NULL GROUP BY instance_id ORDER BY 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    eprintln!(
        "a month in {wall:?}: {} posts owed, {} keys received in {} messages; \
         ledger deliveries by instance: {holders:?}",
        owed.len(),
        keys.len(),
        slack.messages().len()
    );
    assert_eq!(holders.len(), 2, "both instances post: {holders:?}");
}
