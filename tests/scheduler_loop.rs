//! The scheduler's loop as a running bot keeps it: it posts what is due when it starts, sleeps
//! until the next slot, wakes when a command changes a schedule, and stops on shutdown.
//!
//! Time is Tokio's, paused: the bot's clock reads Tokio's instant, so days pass when the test
//! advances it and never on the wall clock. Tokio would also advance paused time by itself
//! whenever the runtime idles, which here means while SQLite's worker thread answers a query:
//! the store's 30-second acquire timeout would then fire at once. A blocking task held for the
//! whole test stops that (Tokio does not auto-advance while one runs), so only the test moves
//! time, and it waits for the bot's work in real time, off Tokio's clock.

use chrono::{DateTime, Utc};
use meridian::bot::Parts;
use meridian::chat::{Actor, Capabilities, ChannelRef, Event, PlatformKind, Platforms, ReplyTarget};
use meridian::clock::{Clock, ManualClock};
use meridian::config::Config;
use meridian::platforms::console::ConsolePlatform;
use meridian::scheduler::Scheduler;
use meridian::store::Store;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

async fn wait_for(out: &Arc<Mutex<Vec<u8>>>, needle: &str) -> String {
    for _ in 0..100 {
        let text = String::from_utf8_lossy(&out.lock().unwrap()).to_string();
        if text.contains(needle) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("'{needle}' never appeared in:\n{}", String::from_utf8_lossy(&out.lock().unwrap()));
}

/// A bot on the console whose #support follows India in Kolkata's time, at `now`.
async fn a_bot_following_india(
    dir: &std::path::Path,
    now: DateTime<Utc>,
) -> (Arc<meridian::bot::Bot>, ManualClock, Arc<Mutex<Vec<u8>>>) {
    let clock = ManualClock::new(now);
    let (bot, out) = a_bot_with_clock(dir, Arc::new(clock.clone())).await;
    (bot, clock, out)
}

async fn a_bot_with_clock(
    dir: &std::path::Path,
    clock: Arc<dyn Clock>,
) -> (Arc<meridian::bot::Bot>, Arc<Mutex<Vec<u8>>>) {
    let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    let console = Arc::new(ConsolePlatform::new(out.clone(), clock.clone(), chrono_tz::Asia::Kolkata));
    let mut platforms = Platforms::default();
    platforms.add(console);
    let store = Store::connect(&format!("sqlite://{}", dir.join("m.db").display())).await.unwrap();
    let parts = Parts::shipped(Config::load(None, &Default::default()).unwrap()).unwrap();
    let bot = Arc::new(parts.bot(store, clock, platforms));
    let channel = ChannelRef {
        platform: PlatformKind::Console,
        workspace: "w".into(),
        id: "support".into(),
        name: "support".into(),
    };
    let priya = Actor { user_id: "priya".into(), display_name: "priya".into(), capabilities: Capabilities::MANAGER };
    let reply = ReplyTarget { channel: channel.clone(), user_id: "priya".into(), handle: String::new() };
    for args in ["follow IN", "settings tz:Asia/Kolkata"] {
        let event = Event::Command {
            channel: channel.clone(),
            actor: priya.clone(),
            command: "meridian".into(),
            args: args.into(),
            reply: reply.clone(),
        };
        bot.handle(event).await;
    }
    (bot, out)
}

#[tokio::test]
async fn the_loop_posts_what_is_due_wakes_on_a_schedule_change_and_stops_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let (bot, clock, out) = a_bot_following_india(dir.path(), at("2026-11-02T02:30:00Z")).await;
    let scheduler: Scheduler = bot.scheduler();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move { scheduler.run(async { stopped.await.unwrap_or(()) }).await });

    // Time moves to Friday 09:00 IST; a settings change wakes the loop, which posts Diwali.
    clock.set(at("2026-11-06T03:30:00Z"));
    bot.schedule_changed.notify_one();
    let text = wait_for(&out, "# 🪔 Diwali (Deepavali) — on Sunday").await;
    assert!(text.contains("=== #support · post 3 · Fri 2026-11-06 09:00 Kolkata, UTC+5:30"), "{text}");

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), running).await.expect("the loop stops on shutdown").unwrap();
    assert_eq!(text.matches("Diwali (Deepavali) — on Sunday").count(), 1);
}

#[tokio::test]
async fn a_turn_a_moment_before_a_slot_wakes_for_that_slot() {
    let dir = tempfile::tempdir().unwrap();
    // 09:00 in Kolkata is 03:30 UTC; the turn comes 0.6 s before it.
    let slot = at("2026-11-06T03:30:00Z");
    let (bot, _clock, _out) = a_bot_following_india(dir.path(), slot - chrono::Duration::milliseconds(600)).await;
    let next = bot.scheduler().next_due(slot - chrono::Duration::milliseconds(600)).await.unwrap();
    assert_eq!(next, Some(slot), "it must not sleep past the 09:00 slot");
    let next = bot.scheduler().next_due(slot).await.unwrap();
    assert_ne!(next, Some(slot), "at the slot itself, that slot is the run's, not the next wake's");
}

/// Tokio's clock as the bot's: under paused time it moves only when the test advances it.
struct TokioClock {
    start: DateTime<Utc>,
    origin: tokio::time::Instant,
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + chrono::TimeDelta::from_std(self.origin.elapsed()).unwrap()
    }
}

/// Keeps Tokio from advancing paused time by itself until dropped (see the module's header).
struct TimeHeld(Option<std::sync::mpsc::Sender<()>>);

impl TimeHeld {
    fn new() -> Self {
        let (release, held) = std::sync::mpsc::channel::<()>();
        tokio::task::spawn_blocking(move || held.recv());
        TimeHeld(Some(release))
    }
}

impl Drop for TimeHeld {
    fn drop(&mut self) {
        self.0.take();
    }
}

/// Waits in real time (off Tokio's paused clock) until `out` holds `needle` `times` times.
async fn seen(out: &Arc<Mutex<Vec<u8>>>, needle: &str, times: usize) -> String {
    for _ in 0..250 {
        let text = String::from_utf8_lossy(&out.lock().unwrap()).to_string();
        if text.matches(needle).count() >= times {
            return text;
        }
        tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20))).await.unwrap();
    }
    panic!("'{needle}' never appeared {times} time(s) in:\n{}", String::from_utf8_lossy(&out.lock().unwrap()));
}

/// Reminder posts the ledger records as delivered (read with a connection of the test's own).
async fn delivered_reminders(dir: &std::path::Path) -> i64 {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.join("m.db").display())).await.unwrap();
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM posts WHERE purpose = 'reminder' AND delivered_at IS NOT NULL")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    conn.close().await.unwrap();
    n
}

/// Moves paused time to `to` once the loop's work so far is recorded: time never jumps while
/// a post is being marked delivered, so the store's own timeouts cannot fire in between.
async fn advance_to(clock: &TokioClock, to: DateTime<Utc>, dir: &std::path::Path, delivered: i64) {
    for _ in 0..250 {
        if delivered_reminders(dir).await >= delivered {
            tokio::time::advance((to - clock.now()).to_std().unwrap()).await;
            return;
        }
        tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20))).await.unwrap();
    }
    panic!("the ledger never recorded {delivered} delivered reminder(s)");
}

#[tokio::test(start_paused = true)]
async fn the_loop_sleeps_until_the_next_slot_and_posts_there_without_waiting_the_days() {
    let _held = TimeHeld::new();
    let dir = tempfile::tempdir().unwrap();
    // Friday 30 October, two seconds before 09:00 in Kolkata: Diwali's week-ahead post is
    // owed at nine.
    let start = at("2026-10-30T03:29:58Z");
    let clock = Arc::new(TokioClock { start, origin: tokio::time::Instant::now() });
    let (bot, out) = a_bot_with_clock(dir.path(), clock.clone()).await;
    let scheduler: Scheduler = bot.scheduler();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(async move { scheduler.run(async { stopped.await.unwrap_or(()) }).await });

    let nine = at("2026-10-30T03:30:00Z");
    assert_eq!(bot.scheduler().next_due(clock.now()).await.unwrap(), Some(nine));
    advance_to(&clock, nine, dir.path(), 0).await;
    let text = seen(&out, "Diwali (Deepavali) — in 9 days", 1).await;
    assert!(text.contains("· Fri 2026-10-30 09:00 Kolkata, UTC+5:30"), "{text}");

    // The next thing owed is the "on Sunday" post a week on; the loop sleeps until then.
    let friday = at("2026-11-06T03:30:00Z");
    advance_to(&clock, friday - chrono::TimeDelta::seconds(1), dir.path(), 1).await;
    let before = String::from_utf8_lossy(&out.lock().unwrap()).to_string();
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(300))).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&out.lock().unwrap()), before, "nothing is posted a second early");

    tokio::time::advance(Duration::from_secs(1)).await;
    let text = seen(&out, "Diwali (Deepavali) — on Sunday", 1).await;
    assert!(text.contains("· Fri 2026-11-06 09:00 Kolkata, UTC+5:30"), "{text}");
    advance_to(&clock, friday + chrono::TimeDelta::seconds(1), dir.path(), 2).await;

    stop.send(()).unwrap();
    running.await.unwrap();
    assert_eq!(text.matches("Diwali (Deepavali) — in 9 days").count(), 1);
    assert_eq!(text.matches("Diwali (Deepavali) — on Sunday").count(), 1);
}
