//! The platform contract, checked in process: a `Bot` whose platform records every call (alone,
//! or wrapping a real adapter) — acknowledgement before work, answers through the reply
//! target, clicks answered privately, files uploaded and shown, response rates from the
//! platform's own member list, and the delivery layer's handling of rate limits, transient and
//! permanent failures and bursts (on tokio's paused clock, so nothing really waits).

mod common;
mod fakes;

use common::recorder::{CallKind, Fault, Recorder};
use common::utc;
use meridian::bot::{Ack, Bot, Parts};
use meridian::chat::{
    Actor, Block, Capabilities, ChannelRef, ChatPlatform, Event, FileRef, Message, MessageRef, Outgoing, PlatformError,
    PlatformKind, Platforms, ReplyTarget, UserRef,
};
use meridian::clock::{Clock, ManualClock};
use meridian::config::Config;
use meridian::platforms::console::ConsolePlatform;
use meridian::pulse::VOTE_RECORDED;
use meridian::service::delivery::{Delivery, RetryPolicy};
use meridian::store::Store;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SLACK: PlatformKind = PlatformKind::Slack;

fn channel(kind: PlatformKind) -> ChannelRef {
    ChannelRef { platform: kind, workspace: "T1".into(), id: "C1".into(), name: "support".into() }
}

fn person(id: &str, capabilities: Capabilities) -> Actor {
    Actor { user_id: id.into(), display_name: id.into(), capabilities }
}

fn command(kind: PlatformKind, actor: &Actor, command: &str, args: &str, handle: &str) -> Event {
    let channel = channel(kind);
    let reply = ReplyTarget { channel: channel.clone(), user_id: actor.user_id.clone(), handle: handle.into() };
    Event::Command { channel, actor: actor.clone(), command: command.into(), args: args.into(), reply }
}

fn click(kind: PlatformKind, actor: &Actor, value: &str, handle: &str) -> Event {
    let channel = channel(kind);
    let reply = ReplyTarget { channel: channel.clone(), user_id: actor.user_id.clone(), handle: handle.into() };
    let message = MessageRef("C1-1".into());
    Event::Click { channel, actor: actor.clone(), message, action: "pulse".into(), value: value.into(), reply }
}

/// A bot on a fresh SQLite file whose only platform is `platform`.
async fn bot_on(platform: Arc<dyn ChatPlatform>, dir: &tempfile::TempDir) -> (Arc<Bot>, ManualClock) {
    let clock = ManualClock::new(utc("2026-11-23T03:00:00Z"));
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("m.db").display())).await.unwrap();
    let mut platforms = Platforms::default();
    platforms.add(platform);
    let parts = Parts::shipped(Config::load(None, &Default::default()).unwrap()).unwrap();
    (Arc::new(parts.bot(store, Arc::new(clock.clone()), platforms)), clock)
}

/// The platforms the contract is checked against: the in-memory recorder, and the console
/// adapter wrapped in one. (The Slack adapter is checked against the fake Slack below, with
/// reply targets that are real `response_url`s; Discord joins this list with its adapter.)
fn platforms() -> Vec<(&'static str, Arc<Recorder>)> {
    let clock = Arc::new(ManualClock::new(utc("2026-11-23T03:00:00Z")));
    let out = Arc::new(Mutex::new(Vec::<u8>::new()));
    let console = Arc::new(ConsolePlatform::new(out, clock, chrono_tz::UTC));
    vec![("recorder", Recorder::new(SLACK)), ("console", Recorder::wrapping(console))]
}

#[tokio::test]
async fn a_command_is_acknowledged_before_its_work_and_answered_through_its_reply_target() {
    for (name, platform) in platforms() {
        let kind = platform.kind();
        let dir = tempfile::tempdir().unwrap();
        let (bot, _) = bot_on(platform.clone(), &dir).await;
        let maria = person("maria", Capabilities::MANAGER);
        // The platform is slow to take the pulse's question: the acknowledgement must not wait.
        platform.fault("post", Fault::Delay(Duration::from_millis(300)));
        let accepted = bot.accept(command(kind, &maria, "pulse", "\"How clear were handoffs?\" scale:1-5", "h-1"));
        assert_eq!(accepted.ack, Ack::Deferred, "{name}");
        assert!(platform.calls().is_empty(), "{name}: nothing is sent before the acknowledgement");
        bot.follow_up(accepted.work.expect("a pulse is work")).await;
        let posts = platform.posts();
        assert_eq!(posts.len(), 1, "{name}");
        assert!(posts[0].text.contains("How clear were handoffs?"), "{name}: {:?}", posts[0]);

        // A private answer goes through the event's own reply target, then it is settled.
        let accepted = bot.accept(command(kind, &maria, "meridian", "upcoming 30", "h-2"));
        assert_eq!(accepted.ack, Ack::Deferred, "{name}");
        bot.follow_up(accepted.work.unwrap()).await;
        let replies = platform.replies();
        assert_eq!(replies.len(), 1, "{name}: {replies:?}");
        assert_eq!(replies[0].0, "h-2", "{name}");
        assert!(replies[0].1.text.contains("Coming up in the next 30 days"), "{name}");
        let settled: Vec<_> =
            platform.calls().into_iter().filter(|c| matches!(c.kind, CallKind::Settle { .. })).collect();
        assert_eq!(settled.last().unwrap().kind, CallKind::Settle { handle: "h-2".into(), replied: true }, "{name}");
    }
}

#[tokio::test]
async fn usage_errors_refusals_and_help_are_the_acknowledgement_itself() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Recorder::new(SLACK);
    let (bot, _) = bot_on(platform.clone(), &dir).await;
    let sam = person("sam", Capabilities::NONE);
    for (cmd, args, expected) in [
        ("pulse", "\"Allowed?\" scale:1-5", "Only managers"),
        ("meridian", "follow IN", "only managers can change"),
        ("meridian", "follow IN", "Workspace admins and owners are managers; ask one of them"),
        ("meridian", "upcoming 9999", "is not a number of days"),
        ("meridian", "help", "working as one team"),
        ("milestone", "add \"x\" +262142-06-01", "is not a date"),
    ] {
        let accepted = bot.accept(command(SLACK, &sam, cmd, args, "h"));
        let Ack::Reply(message) = accepted.ack else { panic!("/{cmd} {args}: {:?}", accepted.ack) };
        assert!(message.text.contains(expected), "/{cmd} {args}: {}", message.text);
        assert!(accepted.work.is_none(), "/{cmd} {args}: nothing follows");
    }
    assert!(platform.calls().is_empty(), "the platform is not called for any of them");
}

#[tokio::test]
async fn a_click_is_acknowledged_then_answered_privately() {
    for (name, platform) in platforms() {
        let kind = platform.kind();
        let dir = tempfile::tempdir().unwrap();
        let (bot, _) = bot_on(platform.clone(), &dir).await;
        let maria = person("maria", Capabilities::MANAGER);
        bot.handle(command(kind, &maria, "pulse", "\"Q?\" scale:1-5", "h-0")).await;
        let asha = person("asha", Capabilities::NONE);
        let accepted = bot.accept(click(kind, &asha, "1:4", "h-click"));
        assert_eq!(accepted.ack, Ack::Outcome, "{name}");
        bot.follow_up(accepted.work.unwrap()).await;
        let replies = platform.replies();
        assert_eq!(
            replies.last().map(|(h, m)| (h.as_str(), m.text.as_str())),
            Some(("h-click", VOTE_RECORDED)),
            "{name}"
        );
        assert_eq!(bot.store.voter_count(meridian::store::PulseId(1)).await.unwrap(), 1, "{name}");
    }
}

#[tokio::test]
async fn results_count_the_platforms_members_and_show_the_uploaded_chart() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Recorder::with_uploads(SLACK);
    // Ten people in the channel on the platform; meridian has only ever seen the voters.
    let members = ["maria", "a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3", "b4"];
    platform.set_members(&members);
    let (bot, _) = bot_on(platform.clone(), &dir).await;
    let maria = person("maria", Capabilities::MANAGER);
    bot.handle(command(SLACK, &maria, "pulse", "\"Q?\" scale:1-5", "h")).await;
    for (i, who) in members[1..6].iter().enumerate() {
        bot.handle(click(SLACK, &person(who, Capabilities::NONE), &format!("1:{}", i % 5), "h")).await;
    }
    // A button value no pulse has (a forged or stale click) is refused plainly, not as a fault.
    bot.handle(click(SLACK, &person("b1", Capabilities::NONE), "1:9", "h-odd")).await;
    let odd = platform.replies().into_iter().find(|(h, _)| h == "h-odd").unwrap().1;
    assert_eq!(odd.text, "That button is not one meridian knows.");
    bot.handle(command(SLACK, &maria, "pulse", "close", "h")).await;
    let uploads: Vec<_> = platform.calls().into_iter().filter(|c| matches!(c.kind, CallKind::Upload { .. })).collect();
    assert_eq!(uploads.len(), 1, "the chart is uploaded once");
    let results = platform.posts().into_iter().find(|m| m.text.contains("results")).expect("results posted");
    assert!(results.text.contains("5 responses · 50% response rate (5 of 10 members)"), "{}", results.text);
    assert!(results.attachments.is_empty(), "the uploaded file does not travel again");
    let image = results.blocks.iter().find_map(|b| match b {
        Block::Image { file: FileRef::Uploaded { id, .. }, .. } => Some(id.clone()),
        _ => None,
    });
    assert!(image.is_some(), "the results show the uploaded chart: {:?}", results.blocks);
}

#[tokio::test]
async fn a_platform_that_sends_files_inline_gets_the_chart_as_an_attachment() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Recorder::new(PlatformKind::Discord);
    let (bot, _) = bot_on(platform.clone(), &dir).await;
    let maria = person("maria", Capabilities::MANAGER);
    let kind = PlatformKind::Discord;
    bot.handle(command(kind, &maria, "pulse", "\"Q?\" scale:1-5", "h")).await;
    for who in ["a1", "a2", "a3", "a4", "a5"] {
        bot.handle(click(kind, &person(who, Capabilities::NONE), "1:3", "h")).await;
    }
    bot.handle(command(kind, &maria, "pulse", "close", "h")).await;
    let results = platform.posts().into_iter().find(|m| m.text.contains("results")).unwrap();
    assert_eq!(results.attachments.len(), 1);
    assert!(results.attachments[0].bytes.starts_with(b"\x89PNG"), "a PNG chart");
    assert!(results
        .blocks
        .iter()
        .any(|b| matches!(b, Block::Image { file: FileRef::Attachment { name }, .. } if name == "pulse-1.png")));
}

// ---- the delivery layer, on tokio's paused clock ------------------------------------------

fn delivery_to(platform: Arc<Recorder>) -> Delivery {
    let mut platforms = Platforms::default();
    platforms.add(platform);
    Delivery::new(platforms, RetryPolicy::default())
}

fn post(text: &str) -> Outgoing {
    Outgoing::Post { channel: channel(SLACK), message: Message::text(text) }
}

fn rate_limited(seconds: u64) -> Fault {
    Fault::Fail(PlatformError::RateLimited { platform: SLACK, retry_after: Duration::from_secs(seconds) })
}

#[tokio::test(start_paused = true)]
async fn a_429_is_waited_out_and_the_post_still_made_once() {
    let platform = Recorder::new(SLACK);
    platform.fault("post", rate_limited(30));
    let delivery = delivery_to(platform.clone());
    let started = tokio::time::Instant::now();
    delivery.send(&post("Diwali is on Sunday")).await.expect("delivered after the wait");
    let calls = platform.calls();
    assert_eq!(calls.len(), 2);
    assert!(!calls[0].ok && calls[1].ok);
    assert!(calls[1].at - started >= Duration::from_secs(30), "waited for Retry-After");
    assert_eq!(platform.posts().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_transient_failure_is_retried_with_backoff_and_a_permanent_one_reported_at_once() {
    let platform = Recorder::new(SLACK);
    let unavailable = || Fault::Fail(PlatformError::Unavailable { platform: SLACK, reason: "502".into() });
    platform.fault("post", unavailable());
    platform.fault("post", unavailable());
    let delivery = delivery_to(platform.clone());
    delivery.send(&post("one")).await.expect("the third try goes through");
    let calls = platform.calls();
    assert_eq!(calls.iter().map(|c| c.ok).collect::<Vec<_>>(), vec![false, false, true]);
    assert!(calls[2].at - calls[1].at > calls[1].at - calls[0].at, "the wait grows");

    let gone = PlatformError::NotFound { platform: SLACK, what: "channel C1".into() };
    platform.fault("post", Fault::Fail(gone.clone()));
    assert_eq!(delivery.send(&post("two")).await, Err(gone));
    assert_eq!(platform.calls().len(), 4, "a permanent failure is not retried");

    for _ in 0..RetryPolicy::default().attempts {
        platform.fault("post", unavailable());
    }
    let failed = delivery.send(&post("three")).await;
    assert!(
        matches!(failed, Err(PlatformError::Unavailable { .. })),
        "given up after the policy's attempts: {failed:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limits_beyond_the_patience_of_one_delivery_are_handed_back_for_the_ledger() {
    let platform = Recorder::new(SLACK);
    platform.fault("post", rate_limited(600));
    let delivery = delivery_to(platform.clone());
    let result = delivery.send(&post("later")).await;
    assert!(matches!(result, Err(PlatformError::RateLimited { .. })), "{result:?}");
    assert_eq!(platform.calls().len(), 1);
}

/// A platform that asks for a second between posts in a channel (as Slack does).
struct Paced(Arc<Recorder>);

#[async_trait::async_trait]
impl ChatPlatform for Paced {
    fn kind(&self) -> PlatformKind {
        SLACK
    }
    fn pacing(&self) -> Duration {
        Duration::from_secs(1)
    }
    async fn post(&self, c: &ChannelRef, m: &Message) -> Result<MessageRef, PlatformError> {
        self.0.post(c, m).await
    }
    async fn update(&self, c: &ChannelRef, r: &MessageRef, m: &Message) -> Result<(), PlatformError> {
        self.0.update(c, r, m).await
    }
    async fn reply(&self, to: &ReplyTarget, m: &Message) -> Result<(), PlatformError> {
        self.0.reply(to, m).await
    }
    async fn ephemeral(&self, c: &ChannelRef, u: &str, m: &Message) -> Result<(), PlatformError> {
        self.0.ephemeral(c, u, m).await
    }
    async fn direct(&self, u: &UserRef, m: &Message) -> Result<(), PlatformError> {
        self.0.direct(u, m).await
    }
    async fn members(&self, c: &ChannelRef) -> Result<Option<Vec<String>>, PlatformError> {
        self.0.members(c).await
    }
    async fn user(&self, u: &UserRef) -> Result<Option<meridian::chat::UserInfo>, PlatformError> {
        self.0.user(u).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_burst_in_one_channel_is_paced_as_the_platform_asks_and_nothing_is_dropped() {
    let recorder = Recorder::new(SLACK);
    let mut platforms = Platforms::default();
    platforms.add(Arc::new(Paced(recorder.clone())));
    let delivery = Arc::new(Delivery::new(platforms, RetryPolicy::default()));
    let started = tokio::time::Instant::now();
    let sends: Vec<_> = (0..5)
        .map(|i| {
            let delivery = delivery.clone();
            tokio::spawn(async move { delivery.send(&post(&format!("post {i}"))).await })
        })
        .collect();
    for send in sends {
        send.await.unwrap().unwrap();
    }
    let times: Vec<Duration> = recorder.calls().iter().map(|c| c.at - started).collect();
    assert_eq!(times.len(), 5);
    for pair in times.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_secs(1), "a second apart: {times:?}");
    }
}

// ---- bugs found while reviewing the contract ------------------------------------------------

#[tokio::test]
async fn a_nudge_whose_every_message_failed_stays_owed_and_is_sent_later() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Recorder::new(SLACK);
    platform.set_members(&["maria", "a1", "a2", "a3"]);
    let (bot, clock) = bot_on(platform.clone(), &dir).await;
    let maria = person("maria", Capabilities::MANAGER);
    bot.handle(command(SLACK, &maria, "pulse", "\"Q?\" scale:1-5 for:4h", "h")).await;
    bot.handle(click(SLACK, &person("a1", Capabilities::NONE), "1:3", "h")).await;
    // Two hours before closing the two who have not answered are nudged; the platform is down.
    let forbidden = PlatformError::Forbidden { platform: SLACK, reason: "cannot_dm_bot".into() };
    platform.fault("direct", Fault::Fail(forbidden.clone()));
    platform.fault("direct", Fault::Fail(forbidden));
    let scheduler = bot.scheduler();
    clock.set(utc("2026-11-23T05:00:00Z"));
    let posted = scheduler.run_due(clock.now()).await.unwrap();
    let directs =
        |ok: bool| platform.calls().iter().filter(|c| c.ok == ok && matches!(c.kind, CallKind::Direct { .. })).count();
    assert_eq!((directs(true), directs(false)), (0, 2));
    assert!(posted.iter().any(|p| !p.delivered), "reported as owed, so the loop comes back soon: {posted:?}");
    assert!(scheduler.next_wake(clock.now(), &posted).await <= clock.now() + chrono::Duration::minutes(1));
    clock.set(utc("2026-11-23T05:01:00Z"));
    scheduler.run_due(clock.now()).await.unwrap();
    assert_eq!(directs(true), 2, "a2 and a3 are nudged once the platform takes messages again");
    clock.set(utc("2026-11-23T05:30:00Z"));
    scheduler.run_due(clock.now()).await.unwrap();
    assert_eq!(directs(true), 2, "and only once");
}

#[tokio::test]
async fn a_scheduler_that_cannot_read_its_plans_looks_again_within_a_minute() {
    let dir = tempfile::tempdir().unwrap();
    let (bot, clock) = bot_on(Recorder::new(SLACK), &dir).await;
    let scheduler = bot.scheduler();
    let now = clock.now();
    assert_eq!(scheduler.next_wake(now, &[]).await, now + chrono::Duration::days(7), "nothing due: a week");
    bot.store.close().await;
    assert!(scheduler.next_due(now).await.is_err());
    assert_eq!(scheduler.next_wake(now, &[]).await, now + chrono::Duration::minutes(1), "not a week of silence");
}

#[tokio::test]
async fn a_milestone_stored_with_a_date_at_the_end_of_time_does_not_break_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Recorder::new(SLACK);
    let (bot, _) = bot_on(platform.clone(), &dir).await;
    let maria = person("maria", Capabilities::MANAGER);
    bot.handle(command(SLACK, &maria, "milestone", "add \"Go-live\" 2027-02-01", "h")).await;
    // A row written before dates were bounded at parse time.
    let channel = bot.store.channels().await.unwrap().remove(0);
    let far = meridian::store::NewCustomEvent {
        scope: meridian::store::EventScope::Channel(channel.id),
        name: "Far".into(),
        date: chrono::NaiveDate::MAX,
        yearly: false,
        kind: meridian::store::EventKind::Milestone,
        note: None,
        created_by: "maria".into(),
    };
    bot.store.add_custom_event(&far).await.unwrap();
    bot.handle(command(SLACK, &maria, "milestone", "list", "h-list")).await;
    let (handle, list) = platform.replies().pop().expect("the list is answered");
    assert_eq!(handle, "h-list");
    assert!(list.text.contains("Go-live") && list.text.contains("Far"), "{}", list.text);
}

#[tokio::test]
async fn each_workspace_is_served_by_its_own_connection_and_the_rest_by_the_general_one() {
    // Two Slack workspaces with a token each, and a Discord bot that serves every guild.
    let (acme, globex, discord) = (Recorder::new(SLACK), Recorder::new(SLACK), Recorder::new(PlatformKind::Discord));
    let mut platforms = Platforms::default();
    platforms.add_workspace("T-ACME", acme.clone());
    platforms.add_workspace("T-GLOBEX", globex.clone());
    platforms.add(discord.clone());
    let delivery = Delivery::new(platforms, RetryPolicy::default());
    let to = |kind, workspace: &str| Outgoing::Post {
        channel: ChannelRef { platform: kind, workspace: workspace.into(), id: "C1".into(), name: "x".into() },
        message: Message::text("hello"),
    };
    delivery.send(&to(SLACK, "T-GLOBEX")).await.unwrap();
    delivery.send(&to(PlatformKind::Discord, "G42")).await.unwrap();
    let direct = Outgoing::Direct {
        user: UserRef { platform: SLACK, workspace: "T-ACME".into(), user_id: "U1".into() },
        message: Message::text("psst"),
    };
    delivery.send(&direct).await.unwrap();
    assert_eq!((acme.calls().len(), globex.posts().len(), discord.posts().len()), (1, 1, 1));
    assert!(matches!(acme.calls()[0].kind, CallKind::Direct { .. }), "the DM names its workspace");
    let unknown = delivery.send(&to(SLACK, "T-OTHER")).await;
    assert_eq!(unknown, Err(PlatformError::NotConnected { platform: SLACK, workspace: "T-OTHER".into() }));
}

#[tokio::test]
async fn an_announcement_waiting_out_a_rate_limit_is_not_sent_again_by_a_scheduler_run_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let platform = Recorder::new(SLACK);
    let (bot, clock) = bot_on(platform.clone(), &dir).await;
    let maria = person("maria", Capabilities::MANAGER);
    platform.fault("post", rate_limited(1));
    let accepted = bot.accept(command(SLACK, &maria, "meridian", "follow IN", "h"));
    let working = {
        let bot = bot.clone();
        tokio::spawn(async move { bot.follow_up(accepted.work.unwrap()).await })
    };
    // The command's change wakes the scheduler while its announcement waits for Retry-After.
    tokio::time::sleep(Duration::from_millis(300)).await;
    bot.scheduler().run_due(clock.now()).await.unwrap();
    working.await.unwrap();
    let announced = platform.posts().into_iter().filter(|m| m.text.contains("follow India")).count();
    assert_eq!(announced, 1, "{:?}", platform.posts());
}

// ---- the Slack adapter, against the fake Slack ----------------------------------------------

#[tokio::test]
async fn the_slack_adapter_keeps_the_contract_against_a_fake_slack() {
    use fakes::slack::{Channel, FakeSlack, SlashCommand};
    let slack = FakeSlack::start().await;
    slack.add_channel(Channel::new("C1", "support").members(["U0001", "U0002", "U0BOT"]));
    let client = Arc::new(meridian::platforms::slack::client(&slack.api_base()).unwrap());
    let token = meridian::config::Secret::new(slack.bot_token());
    let adapter = meridian::platforms::slack::SlackPlatform::connect(client, &token).await.unwrap();
    let platform = Recorder::wrapping(Arc::new(adapter));
    let dir = tempfile::tempdir().unwrap();
    let (bot, _) = bot_on(platform.clone(), &dir).await;
    // A reply target is the response_url Slack sent with the command or click.
    let response_url = || {
        let payload = slack.slash_command_payload(&SlashCommand::new("/meridian", ""));
        payload["response_url"].as_str().unwrap().to_string()
    };

    let maria = person("U0001", Capabilities::MANAGER);
    platform.fault("post", Fault::Delay(Duration::from_millis(300)));
    let accepted =
        bot.accept(command(SLACK, &maria, "pulse", "\"How clear were handoffs?\" scale:1-5", &response_url()));
    assert_eq!(accepted.ack, Ack::Deferred);
    assert!(platform.calls().is_empty(), "nothing is sent before the acknowledgement");
    bot.follow_up(accepted.work.unwrap()).await;
    assert_eq!(platform.posts().len(), 1);
    let question = slack.messages().into_iter().find(|m| m.channel == "C1").expect("posted in the channel");

    let upcoming = response_url();
    let accepted = bot.accept(command(SLACK, &maria, "meridian", "upcoming 30", &upcoming));
    bot.follow_up(accepted.work.unwrap()).await;
    assert_eq!(platform.replies().last().map(|(h, _)| h.clone()), Some(upcoming));
    let answered = slack.responses();
    assert!(answered.last().unwrap().body["text"].as_str().unwrap().contains("Coming up"), "{answered:?}");

    let asha = person("U0002", Capabilities::NONE);
    let vote = response_url();
    let reply = ReplyTarget { channel: channel(SLACK), user_id: "U0002".into(), handle: vote.clone() };
    let click = Event::Click {
        channel: channel(SLACK),
        actor: asha,
        message: MessageRef(question.ts.clone()),
        action: "pulse".into(),
        value: "1:4".into(),
        reply,
    };
    let accepted = bot.accept(click);
    assert_eq!(accepted.ack, Ack::Outcome);
    bot.follow_up(accepted.work.unwrap()).await;
    assert_eq!(platform.replies().last().map(|(h, m)| (h.clone(), m.text.clone())), Some((vote, VOTE_RECORDED.into())));
    assert_eq!(platform.members(&channel(SLACK)).await.unwrap(), Some(vec!["U0001".to_string(), "U0002".to_string()]));
}

// ---- the Discord adapter, against the fake Discord ------------------------------------------
// The checks above use made-up reply handles; Discord's are interaction tokens Discord must
// know, so the Discord adapter keeps the same promises here with interactions the fake issued.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_discord_adapter_acknowledges_first_answers_through_the_token_and_removes_an_unused_placeholder() {
    use fakes::discord::{sample, Component, FakeDiscord, SlashCommand};
    let fake = FakeDiscord::start().await;
    let mut config = Config::default();
    config.discord.api_base = fake.api_base();
    config.discord.token = Some(meridian::config::Secret::new(fake.token()));
    let discord = meridian::platforms::discord::Discord::connect(&config.discord).await.unwrap();
    let platform = Recorder::wrapping(discord.platform());
    let dir = tempfile::tempdir().unwrap();
    let (bot, _) = bot_on(platform.clone(), &dir).await;
    // An interaction Discord knows, acknowledged "thinking…", as the adapter's reply handle.
    let handle = |interaction: fakes::discord::FakeInteraction| {
        let sent = fake.http_interaction(interaction).unwrap();
        assert!(fake.ack_http_interaction(sent.id, &serde_json::json!({"type": 5, "data": {"flags": 64}})).accepted());
        (sent.id, format!("{}:{}", sent.id, sent.token))
    };
    let general = ChannelRef {
        platform: PlatformKind::Discord,
        workspace: sample::GUILD.to_string(),
        id: sample::GENERAL.to_string(),
        name: "general".into(),
    };
    let event = |actor: &Actor, command: &str, args: &str, handle: &str| Event::Command {
        channel: general.clone(),
        actor: actor.clone(),
        command: command.into(),
        args: args.into(),
        reply: ReplyTarget { channel: general.clone(), user_id: actor.user_id.clone(), handle: handle.into() },
    };
    let maria = person(&sample::ALICE.to_string(), Capabilities::MANAGER);

    // A pulse: nothing reaches Discord before the acknowledgement; the question is posted and
    // the placeholder, with nothing to say privately, removed.
    let (id, h) = handle(SlashCommand::new("pulse").into());
    let accepted = bot.accept(event(&maria, "pulse", "\"How clear were handoffs?\" scale:1-5", &h));
    assert_eq!(accepted.ack, Ack::Deferred);
    assert!(platform.calls().is_empty());
    bot.follow_up(accepted.work.unwrap()).await;
    assert_eq!(platform.posts().len(), 1);
    assert!(fake.messages(sample::GENERAL).iter().any(|m| m["components"] != serde_json::json!([])));
    assert!(fake.original_response(id).is_none(), "the placeholder is gone");

    // A private answer replaces the placeholder, through the interaction's token.
    let (id, h) = handle(SlashCommand::new("meridian").into());
    bot.handle(event(&maria, "meridian", "upcoming 30", &h)).await;
    let answer = fake.original_response(id).expect("the answer");
    assert!(answer["content"].as_str().unwrap().contains("Coming up in the next 30 days"), "{answer}");
    assert_eq!(answer["flags"], 64);

    // A click, answered privately the same way.
    let message =
        fake.messages(sample::GENERAL).into_iter().find(|m| m["components"] != serde_json::json!([])).unwrap();
    let (id, h) = handle(Component::button("pulse:1:3").into());
    let asha = person(&sample::BOB.to_string(), Capabilities::NONE);
    let click = Event::Click {
        channel: general.clone(),
        actor: asha.clone(),
        message: MessageRef(message["id"].as_str().unwrap().into()),
        action: "pulse".into(),
        value: "1:3".into(),
        reply: ReplyTarget { channel: general.clone(), user_id: asha.user_id.clone(), handle: h },
    };
    assert_eq!(bot.accept(click.clone()).ack, Ack::Outcome);
    bot.handle(click).await;
    assert_eq!(fake.original_response(id).unwrap()["content"], VOTE_RECORDED);
    assert_eq!(bot.store.voter_count(meridian::store::PulseId(1)).await.unwrap(), 1);
}
