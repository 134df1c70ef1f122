//! Hostile text, as people and platforms really send it: random strings with NUL bytes,
//! right-to-left marks, emoji, stray quotes and 100 KB pastes, thrown at every command's
//! argument parser and at the console script reader (never a panic), and near-valid commands
//! thrown at a running bot (never a change to what is stored when the answer is a refusal).

mod common;

use common::recorder::Recorder;
use meridian::bot::{Ack, Bot, Parts};
use meridian::chat::{parse_command, Actor, Capabilities, ChannelRef, Event, PlatformKind, Platforms, ReplyTarget};
use meridian::clock::ManualClock;
use meridian::config::Config;
use meridian::platforms::console::parse_line;
use meridian::pulse::PulseCommand;
use meridian::store::{EventScope, Store};
use proptest::prelude::*;
use std::sync::Arc;

/// Words that make parsers take their longer paths, and the characters that break things.
const WORDS: &[&str] = &[
    "follow",
    "unfollow",
    "add",
    "remove",
    "list",
    "me",
    "settings",
    "whosoff",
    "upcoming",
    "schedule",
    "close",
    "results",
    "IN",
    "ph",
    "Philippines",
    "\"United Kingdom\"",
    "2027-02-01",
    "+262142-06-01",
    "0000-01-01",
    "yearly",
    "tz:Asia/Kolkata",
    "tz:",
    "hours:21:00-06:00",
    "region:IN-KA",
    "leads:7,1,0",
    "leads:-1",
    "schedule:\"0 9 * * MON-FRI\"",
    "\"* * * * *\"",
    "scale:1-5",
    "options:\"Yes,No\"",
    "for:2h",
    "for:99999d",
    "theme:trust",
    "\"",
    "'",
    "“",
    "”",
    "\u{0}",
    "\u{202E}",
    "😀",
    "#1",
    "999",
    "-1",
    ":",
    ",",
    "\n",
];

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        4 => prop::collection::vec(prop::sample::select(WORDS), 0..8).prop_map(|w| w.join(" ")),
        1 => "[\\PC\u{0}\u{202E}😀\"' :,#-]{0,40}".prop_map(|s| s.repeat(2500)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_command_parser_panics(args in hostile()) {
        for command in ["meridian", "milestone", "pulse", "nonsense"] {
            let _ = parse_command(command, &args);
        }
        let _ = PulseCommand::parse(&args);
    }

    #[test]
    fn the_script_reader_never_panics(line in hostile(), prefix in prop::sample::select(vec!["", "as a in #b: ", "as a (manager) in #b", "advance ", "at ", "/"])) {
        let _ = parse_line(1, &format!("{prefix}{line}"), chrono_tz::Asia::Kolkata);
    }
}

/// What a channel's commands can change, read back from the store.
async fn snapshot(bot: &Bot) -> String {
    let mut out = String::new();
    for channel in bot.store.channels().await.unwrap() {
        let events = bot.store.custom_events(EventScope::Channel(channel.id)).await.unwrap();
        let pulses = bot.store.pulses_in_channel(channel.id).await.unwrap();
        out += &format!(
            "{:?} {:?} {:?} {} {}\n",
            channel.followed_regions,
            channel.settings,
            events.iter().map(|e| (&e.name, e.date, e.yearly)).collect::<Vec<_>>(),
            pulses.len(),
            bot.store.pulse_schedules().await.unwrap().len()
        );
    }
    out
}

#[test]
fn a_refused_command_changes_nothing_stored() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot: Arc<Bot> = runtime.block_on(async {
        let store = Store::connect(&format!("sqlite://{}", dir.path().join("m.db").display())).await.unwrap();
        let mut platforms = Platforms::default();
        platforms.add(Recorder::new(PlatformKind::Slack));
        let clock = ManualClock::new(common::utc("2026-11-23T03:00:00Z"));
        let parts = Parts::shipped(Config::load(None, &Default::default()).unwrap()).unwrap();
        Arc::new(parts.bot(store, Arc::new(clock), platforms))
    });
    let channel =
        ChannelRef { platform: PlatformKind::Slack, workspace: "T1".into(), id: "C1".into(), name: "ops".into() };
    let manager = Actor { user_id: "lee".into(), display_name: "lee".into(), capabilities: Capabilities::MANAGER };
    // The channel and its person are recorded at their first event, refusal or not; that
    // first event is a harmless one, so what is compared below is the channel's own state.
    runtime.block_on(async {
        let reply = ReplyTarget { channel: channel.clone(), user_id: "lee".into(), handle: "h".into() };
        let command = "meridian".to_string();
        bot.handle(Event::Command {
            channel: channel.clone(),
            actor: manager.clone(),
            command,
            args: "regions".into(),
            reply,
        })
        .await;
    });
    let words = prop::collection::vec(prop::sample::select(WORDS), 0..6).prop_map(|w| w.join(" "));
    let commands = (prop::sample::select(vec!["meridian", "milestone", "pulse"]), words);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(96));
    runner
        .run(&commands, |(command, args)| {
            runtime.block_on(async {
                let before = snapshot(&bot).await;
                let reply = ReplyTarget { channel: channel.clone(), user_id: "lee".into(), handle: "h".into() };
                let event = Event::Command {
                    channel: channel.clone(),
                    actor: manager.clone(),
                    command: command.into(),
                    args: args.clone(),
                    reply,
                };
                let accepted = bot.accept(event);
                let refused = match &accepted.ack {
                    Ack::Reply(message) => Some(message.text.clone()),
                    _ => None,
                };
                if let Some(work) = accepted.work {
                    let effects = bot.work(&work).await.unwrap();
                    let unchanged = effects
                        .deliveries
                        .iter()
                        .map(|d| d.message().text.clone())
                        .find(|t| t.contains("Nothing was changed") || t.contains("nothing was scheduled"));
                    if let Some(text) = unchanged {
                        prop_assert_eq!(&before, &snapshot(&bot).await, "/{} {} answered {}", command, args, text);
                    }
                } else {
                    prop_assert!(refused.is_some());
                    prop_assert_eq!(
                        &before,
                        &snapshot(&bot).await,
                        "/{} {} was refused but changed the store",
                        command,
                        args
                    );
                }
                Ok(())
            })
        })
        .unwrap();
}
