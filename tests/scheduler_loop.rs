//! The scheduler's loop as a running bot keeps it: it posts what is due when it starts, wakes
//! when a command changes a schedule, and stops on shutdown.

use chrono::{DateTime, Utc};
use meridian::bot::Parts;
use meridian::chat::{Actor, Capabilities, ChannelRef, Event, PlatformKind, Platforms, ReplyTarget};
use meridian::clock::ManualClock;
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
    let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    let console = Arc::new(ConsolePlatform::new(out.clone(), Arc::new(clock.clone()), chrono_tz::Asia::Kolkata));
    let mut platforms = Platforms::default();
    platforms.add(console);
    let store = Store::connect(&format!("sqlite://{}", dir.join("m.db").display())).await.unwrap();
    let parts = Parts::shipped(Config::load(None, &Default::default()).unwrap()).unwrap();
    let bot = Arc::new(parts.bot(store, Arc::new(clock.clone()), platforms));
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
    (bot, clock, out)
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
