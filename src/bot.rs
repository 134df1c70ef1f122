//! The handler: every chat event, from any platform, in two phases. Slack and Discord drop an
//! interaction that is not acknowledged within three seconds, so [`Bot::accept`] decides at
//! once, with no I/O, how to acknowledge it: the whole private answer (a usage error, a
//! refusal, help), or "received, the answer follows". [`Bot::follow_up`] then does the work
//! (store, core, charts, posts) and answers through the event's reply target. A vote is the
//! exception: its answer is given only once it is written ([`Bot::outcome`]), so that a voter
//! who saw "your vote is in" is counted even if the process dies the next moment.

use crate::brief::BriefCommand;
use crate::calendar::command::CalendarCommand;
use crate::calendar::{Library, LiveLibrary};
use crate::chat::{
    parse_command, Actor, ChannelRef, Command, Event, Message, MessageRef, Outgoing, Platforms, UserInfo, UserRef,
};
use crate::clock::Clock;
use crate::commands::{self, Context, Effects};
use crate::config::Config;
use crate::pulse::{PulseCommand, MANAGER_ONLY, USAGE};
use crate::render::Templates;
use crate::scheduler::Scheduler;
use crate::service::delivery::{Delivery, RetryPolicy};
use crate::service::pulses::CLICK_ACTION;
use crate::service::{ServiceError, Services};
use crate::store::{ChannelId, MemberId, Store, StoreError, WorkspaceId};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The bot: the shared services, the scheduler's wake-up, and what it has already recorded.
pub struct Bot {
    pub services: Arc<Services>,
    /// Wakes the scheduler when a command changes what or when a channel posts.
    pub schedule_changed: Arc<Notify>,
    seen: Seen,
}

impl Deref for Bot {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}

/// What a bot is made of besides its store, clock and platforms; read once at start.
#[derive(Clone)]
pub struct Parts {
    pub config: Arc<Config>,
    /// The calendars, replaced whole when HR's files or imports change.
    pub calendars: Arc<LiveLibrary>,
    pub templates: Arc<Templates>,
    pub bank: Arc<crate::pulse::QuestionBank>,
}

impl Parts {
    /// The shipped calendars, templates and question bank, with `config`.
    pub fn shipped(config: Config) -> Result<Parts, ServiceError> {
        Ok(Parts {
            config: Arc::new(config),
            calendars: Arc::new(LiveLibrary::new(Library::shipped()?)),
            templates: Arc::new(Templates::shipped()?),
            bank: Arc::new(crate::pulse::QuestionBank::shipped()),
        })
    }

    pub fn bot(&self, store: Store, clock: Arc<dyn Clock>, platforms: Platforms) -> Bot {
        self.bot_with(store, clock, platforms, RetryPolicy::default())
    }

    pub fn bot_with(&self, store: Store, clock: Arc<dyn Clock>, platforms: Platforms, policy: RetryPolicy) -> Bot {
        let services = Services {
            store,
            delivery: Delivery::new(platforms, policy),
            calendars: self.calendars.clone(),
            templates: self.templates.clone(),
            bank: self.bank.clone(),
            config: self.config.clone(),
            clock,
            // Claims name their instance, for the operator reading the ledger.
            instance: format!("meridian-{:08x}", rand::random::<u32>()),
            headlines: Arc::new(crate::service::headlines::Headlines::new(&self.config.brief)),
            sending: Default::default(),
            live: Default::default(),
            underway: Default::default(),
        };
        Bot { services: Arc::new(services), schedule_changed: Arc::new(Notify::new()), seen: Seen::default() }
    }
}

/// How an event is acknowledged, at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ack {
    /// Nothing to show (a reaction, a member joining or leaving).
    Silent,
    /// Received; the answer follows through the reply target.
    Deferred,
    /// The whole answer, privately, now; no work follows.
    Reply(Message),
    /// The work's own answer, once the work is done: it is short (a vote), and its answer must
    /// not be given before it is (a voter told "your vote is in" must find it counted, even
    /// if the process dies a moment later). A platform that can wait a moment for its
    /// acknowledgement runs [`Bot::outcome`]; the others acknowledge as [`Ack::Deferred`].
    Outcome,
}

/// An event accepted: its acknowledgement, and the work that follows it, if any.
pub struct Accepted {
    pub ack: Ack,
    pub work: Option<Work>,
}

/// The work after an acknowledgement: the event and what was parsed from it.
#[derive(Debug, Clone)]
pub struct Work {
    event: Event,
    task: Task,
}

#[derive(Debug, Clone)]
enum Task {
    Meridian(Command),
    // Boxed: a pulse command (its question and options) is several times larger than the rest.
    Pulse(Box<PulseCommand>),
    Brief(BriefCommand),
    Calendar(CalendarCommand),
    Vote(String),
    Reaction { message: MessageRef, emoji: String, added: bool },
    Joined,
    Left,
}

impl Work {
    pub fn event(&self) -> &Event {
        &self.event
    }
}

/// A channel as a platform names it: platform, workspace id, channel id.
type ChannelKey = (crate::chat::PlatformKind, String, String);

/// Rows this process has already written. Every event would otherwise upsert its workspace,
/// channel and member again, and on SQLite each write is a commit: a burst of clicks would
/// queue behind them. (A changed display name is picked up at the next start.)
#[derive(Default)]
struct Seen {
    channels: Mutex<HashMap<ChannelKey, (WorkspaceId, ChannelId)>>,
    members: Mutex<HashMap<(ChannelId, String), MemberId>>,
}

const SORRY: &str = "Sorry — that did not work because of a problem on meridian's side. Please try again in a minute.";

impl Bot {
    /// The scheduler that posts for this bot, woken by its commands.
    pub fn scheduler(&self) -> Scheduler {
        Scheduler::new(self.services.clone(), self.schedule_changed.clone())
    }

    /// Phase one: how to acknowledge `event`, decided without I/O, and the work to do after.
    pub fn accept(&self, event: Event) -> Accepted {
        let reply = |message: Message| Accepted { ack: Ack::Reply(message), work: None };
        let deferred = |event: Event, task: Task| Accepted { ack: Ack::Deferred, work: Some(Work { event, task }) };
        let silent = |event: Event, task: Task| Accepted { ack: Ack::Silent, work: Some(Work { event, task }) };
        if let Event::Command { command, args, .. } = &event {
            if let Some(problem) = unreadable(args) {
                return reply(Message::text(format!(
                    "/{}: {problem}. Nothing was changed.",
                    command.trim_start_matches('/')
                )));
            }
        }
        match &event {
            Event::Command { command, args, actor, .. } if command.trim_start_matches('/') == "pulse" => {
                match PulseCommand::parse(args) {
                    Err(e) => reply(Message::text(format!("{e}\n\n{USAGE}"))),
                    Ok(c) if c.needs_manager() && !actor.capabilities.manager => {
                        reply(Message::text(format!("{MANAGER_ONLY} {}", self.who_may(&event))))
                    }
                    Ok(PulseCommand::Help) => reply(Message::text(USAGE)),
                    Ok(c) => deferred(event, Task::Pulse(Box::new(c))),
                }
            }
            Event::Command { command, args, actor, .. } if command.trim_start_matches('/') == "brief" => {
                match BriefCommand::parse(args) {
                    Err(usage) => reply(Message::text(usage.to_string())),
                    Ok(c) if c.needs_manager() && !actor.capabilities.may_configure() => {
                        reply(Message::text(self.refusal(&event, "change or post this channel's daily brief")))
                    }
                    Ok(BriefCommand::Help) => reply(Message::text(crate::brief::command::USAGE)),
                    Ok(c) => deferred(event, Task::Brief(c)),
                }
            }
            Event::Command { command, args, actor, .. } if command.trim_start_matches('/') == "calendar" => {
                match CalendarCommand::parse(args) {
                    Err(usage) => reply(Message::text(usage.to_string())),
                    Ok(c) if c.needs_hr() && !actor.capabilities.may_configure() => reply(Message::text(format!(
                        "Sorry — only HR and managers can change the company's calendars or its members. {}",
                        self.who_may(&event)
                    ))),
                    Ok(CalendarCommand::Help) => reply(Message::text(crate::calendar::command::USAGE)),
                    Ok(c) => deferred(event, Task::Calendar(c)),
                }
            }
            Event::Command { command, args, actor, .. } => match parse_command(command, args) {
                Err(usage) => reply(Message::text(usage.to_string())),
                Ok(c) if c.needs_manager() && !actor.capabilities.may_configure() => {
                    let what = match c {
                        Command::Engagement { .. } => "see how the channel reacts to reminders",
                        _ => "change this channel's calendar or settings",
                    };
                    reply(Message::text(self.refusal(&event, what)))
                }
                Ok(Command::Help) => match self.templates.render("help", serde_json::json!({})) {
                    Ok(help) => reply(help),
                    Err(e) => {
                        tracing::error!(error = %e, "help template failed");
                        reply(Message::text(SORRY))
                    }
                },
                Ok(c) => deferred(event, Task::Meridian(c)),
            },
            Event::Click { action, value, .. } if action == CLICK_ACTION => {
                let value = value.clone();
                Accepted { ack: Ack::Outcome, work: Some(Work { event, task: Task::Vote(value) }) }
            }
            Event::Click { .. } => reply(Message::text("That button is not one meridian knows.")),
            Event::Reaction { message, emoji, added, .. } => {
                let task = Task::Reaction { message: message.clone(), emoji: emoji.clone(), added: *added };
                silent(event, task)
            }
            Event::MemberJoined { .. } => silent(event, Task::Joined),
            Event::MemberLeft { .. } => silent(event, Task::Left),
        }
    }

    /// Phase two: does the work and carries out its deliveries. Every delivery goes through
    /// the delivery layer (retries, rate limits); what still fails is logged and, where the
    /// person is waiting for an answer, told to them.
    pub async fn follow_up(&self, work: Work) {
        let reply_target = work.event.reply_target().cloned();
        let effects = self.effects(&work).await;
        self.deliver(effects, reply_target.as_ref()).await;
    }

    /// Phase two for an [`Ack::Outcome`], before the acknowledgement: does the work, for up
    /// to `within`, and returns the answer to acknowledge with. Past `within` (a store that
    /// stalls) it returns `None`: acknowledge as [`Ack::Deferred`] at once, and the answer
    /// follows through the reply target when the work, still running, is done.
    pub async fn outcome(self: &Arc<Self>, work: Work, within: std::time::Duration) -> Option<Message> {
        let waiting = work.event.reply_target().cloned();
        let bot = self.clone();
        let mut running = self.underway.run(async move { bot.effects(&work).await });
        match tokio::time::timeout(within, &mut running).await {
            Ok(Ok(mut effects)) => {
                let own = |o: &Outgoing| matches!((o, &waiting), (Outgoing::Reply { to, .. }, Some(w)) if to == w);
                let answer = effects.deliveries.iter().position(own).map(|at| effects.deliveries.remove(at));
                if !effects.deliveries.is_empty() || effects.reschedule {
                    // Nobody waits for these: the answer is the acknowledgement.
                    let bot = self.clone();
                    self.underway.run(async move { bot.deliver(effects, None).await });
                }
                Some(match answer {
                    Some(Outgoing::Reply { message, .. }) => message,
                    _ => Message::text("Done."),
                })
            }
            Ok(Err(panicked)) => {
                tracing::error!(error = %panicked, "could not handle an event");
                Some(Message::text(SORRY))
            }
            Err(_) => {
                tracing::warn!(?within, "an answer took too long to give with its acknowledgement; it follows");
                let bot = self.clone();
                self.underway.run(async move {
                    if let Ok(effects) = running.await {
                        bot.deliver(effects, waiting.as_ref()).await;
                    }
                });
                None
            }
        }
    }

    /// The effects of `work`; an error becomes an apology to the person waiting.
    async fn effects(&self, work: &Work) -> Effects {
        match self.work(work).await {
            Ok(effects) => effects,
            Err(e) => {
                tracing::error!(error = %e, "could not handle an event");
                let apology = work
                    .event
                    .reply_target()
                    .map(|to| Outgoing::Reply { to: to.clone(), message: Message::text(SORRY) });
                Effects::from(apology.into_iter().collect::<Vec<_>>())
            }
        }
    }

    /// Carries out `effects`. `reply_target`, when someone is still waiting for an answer
    /// behind a deferred acknowledgement, is told of an announcement that could not be posted
    /// yet, and its acknowledgement is settled.
    async fn deliver(&self, effects: Effects, reply_target: Option<&crate::chat::ReplyTarget>) {
        if effects.reschedule {
            self.schedule_changed.notify_one();
        }
        let mut replied = false;
        let mut unposted = false;
        for outgoing in effects.deliveries {
            // A post to the channel goes through the ledger, so a failed one is sent later.
            if let Outgoing::Post { channel, .. } = &outgoing {
                let sent = match self.channel_ids(channel).await {
                    Ok((_, id)) => self.services.announce(id, outgoing.clone(), self.clock.now()).await,
                    Err(e) => Err(e),
                };
                match sent {
                    Ok(once) if !once.owed() => {}
                    Ok(_) => unposted = true,
                    Err(e) => {
                        tracing::error!(error = %e, "a command's announcement could not be recorded");
                        unposted = true;
                    }
                }
                continue;
            }
            match self.delivery.send(&outgoing).await {
                Ok(_) => replied |= matches!(outgoing, Outgoing::Reply { .. }),
                Err(e) => tracing::warn!(error = %e, "a command's answer could not be delivered"),
            }
        }
        if let Some(to) = reply_target {
            if unposted {
                self.schedule_changed.notify_one();
                let note = Message::text(
                    "Done, but meridian could not post the announcement in this channel just now; \
                     it will post it again within a minute or two.",
                );
                let sent = self.delivery.send(&Outgoing::Reply { to: to.clone(), message: note }).await;
                replied |= sent.is_ok();
            }
            if let Err(e) = self.delivery.settle(to, replied).await {
                tracing::warn!(error = %e, "could not settle the acknowledgement");
            }
        }
    }

    /// "Sorry — only managers can ...", and who they are, so the person knows whom to ask.
    fn refusal(&self, event: &Event, what: &str) -> String {
        format!("Sorry — only managers can {what}. {}", self.who_may(event))
    }

    /// Who has a manager's rights on the event's platform, in words.
    fn who_may(&self, event: &Event) -> String {
        let platform = event.channel().platform;
        let named: Vec<String> = self
            .config
            .roles
            .managers
            .iter()
            .filter(|m| m.platform == platform)
            .map(|m| match platform {
                crate::chat::PlatformKind::Console => m.user_id.clone(),
                _ => format!("<@{}>", m.user_id),
            })
            .collect();
        let by_role = match platform {
            crate::chat::PlatformKind::Slack => "Workspace admins and owners are managers",
            crate::chat::PlatformKind::Discord => "Members who can manage the server or this channel are managers",
            crate::chat::PlatformKind::Console => {
                "In the console, act as one by writing the role after the name: `as NAME (manager) in #channel: ...`"
            }
        };
        match named.as_slice() {
            [] => format!("{by_role}; ask one of them, or see `/meridian help` for what you can do."),
            names => format!("{by_role}, and so are {}; ask one of them.", names.join(", ")),
        }
    }

    /// Both phases, for callers with nothing to send an acknowledgement to first (tests,
    /// benchmarks): a private answer in the acknowledgement is delivered as a reply.
    pub async fn handle(&self, event: Event) {
        let accepted = self.accept(event.clone());
        if let (Ack::Reply(message), Some(to)) = (accepted.ack, event.reply_target()) {
            let reply = Outgoing::Reply { to: to.clone(), message };
            if let Err(e) = self.delivery.send(&reply).await {
                tracing::warn!(error = %e, "an acknowledgement could not be delivered");
            }
        }
        if let Some(work) = accepted.work {
            self.follow_up(work).await;
        }
    }

    /// The work of one accepted event, as its effects.
    pub async fn work(&self, work: &Work) -> Result<Effects, ServiceError> {
        let event = &work.event;
        // A vote is the hot path (a burst must be answered quickly): it writes nothing but
        // the vote. Recording each first-time voter as a channel member cost a commit each
        // and slowed a 10,000-click burst from 0.7 s to 18 s; members are learned from
        // commands, joins and reactions instead.
        if let (Task::Vote(value), Some(to)) = (&work.task, event.reply_target()) {
            let (workspace, channel) = self.channel_ids(event.channel()).await?;
            let answer = crate::service::pulses::vote(self, event.actor(), workspace, channel, value).await?;
            return Ok(vec![Outgoing::Reply { to: to.clone(), message: answer }].into());
        }
        let ctx = self.context(event).await?;
        match &work.task {
            Task::Meridian(command) => commands::run(&ctx, command.clone()).await,
            Task::Pulse(command) => commands::pulse::run(&ctx, (**command).clone()).await,
            Task::Brief(command) => commands::brief(&ctx, command.clone()).await,
            Task::Calendar(command) => commands::calendar(&ctx, command.clone()).await,
            Task::Vote(_) => Ok(Effects::default()),
            Task::Reaction { message, emoji, added } => {
                // A digest carries several events: the reaction says its reader saw each.
                for post in self.store.posts_by_message(ctx.channel.id, &message.0).await? {
                    self.store.record_reaction(post.id, &ctx.actor.user_id, emoji, *added, ctx.now).await?;
                }
                Ok(Effects::default())
            }
            Task::Joined => {
                let hint = "Welcome! meridian keeps this team in step across regions. Tell it where you work: \
                            `/meridian me region:IN-KA tz:Asia/Kolkata hours:09:00-18:00` (see `/meridian help`).";
                Ok(vec![ctx.ephemeral(Message::text(hint))].into())
            }
            Task::Left => {
                self.store.leave_channel(ctx.channel.id, ctx.member.id).await?;
                let key = (ctx.channel.id, ctx.actor.user_id.clone());
                self.seen.members.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
                Ok(Effects::default())
            }
        }
    }

    /// The stored ids of a channel and its workspace, creating them the first time.
    async fn channel_ids(&self, channel: &ChannelRef) -> Result<(WorkspaceId, ChannelId), ServiceError> {
        let key = (channel.platform, channel.workspace.clone(), channel.id.clone());
        if let Some(ids) = self.seen.channels.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(*ids);
        }
        let (workspace_name, channel_name) = (clean_name(&channel.workspace), clean_name(&channel.name));
        let workspace = self.store.upsert_workspace(channel.platform, &channel.workspace, &workspace_name).await?;
        let channel_id = self.store.upsert_channel(workspace, &channel.id, &channel_name).await?;
        self.seen.channels.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (workspace, channel_id));
        Ok((workspace, channel_id))
    }

    /// A member who has not set a time zone gets the one their platform profile shows
    /// (Slack's `tz`), once per process; `/meridian me tz:...` still wins.
    async fn adopt_platform_timezone(
        &self,
        member_id: MemberId,
        channel: &ChannelRef,
        user_id: &str,
    ) -> Result<(), ServiceError> {
        let Some(member) = self.store.member(member_id).await? else { return Ok(()) };
        if member.profile.timezone.is_some() {
            return Ok(());
        }
        let user =
            UserRef { platform: channel.platform, workspace: channel.workspace.clone(), user_id: user_id.into() };
        match self.delivery.user(&user).await {
            Ok(Some(UserInfo { timezone: Some(tz), .. })) => {
                let profile = crate::store::MemberProfile { timezone: Some(tz), ..member.profile };
                self.store.set_member_profile(member_id, &profile).await?;
            }
            Ok(_) => {}
            Err(e) => tracing::debug!(user = user_id, error = %e, "no time zone from the platform"),
        }
        Ok(())
    }

    /// Makes sure the workspace, channel and member exist, and gathers who is asking.
    async fn context<'a>(&'a self, event: &'a Event) -> Result<Context<'a>, ServiceError> {
        let (channel, actor) = (event.channel(), event.actor());
        let (workspace, channel_id) = self.channel_ids(channel).await?;
        let member_key = (channel_id, actor.user_id.clone());
        let known = self.seen.members.lock().unwrap_or_else(|e| e.into_inner()).get(&member_key).copied();
        let member_id = match known {
            Some(id) => id,
            None => {
                let member_id =
                    self.store.upsert_member(workspace, &actor.user_id, &clean_name(&actor.display_name)).await?;
                if !matches!(event, Event::MemberLeft { .. }) {
                    self.store.join_channel(channel_id, member_id).await?;
                    self.seen.members.lock().unwrap_or_else(|e| e.into_inner()).insert(member_key, member_id);
                    self.adopt_platform_timezone(member_id, channel, &actor.user_id).await?;
                }
                member_id
            }
        };
        let stored_channel =
            self.store.channel(channel_id).await?.ok_or(StoreError::NotFound { what: "channel", id: channel_id.0 })?;
        let member =
            self.store.member(member_id).await?.ok_or(StoreError::NotFound { what: "member", id: member_id.0 })?;
        Ok(Context {
            bot: self,
            channel_ref: channel,
            actor,
            reply: event.reply_target(),
            channel: stored_channel,
            member,
            now: self.clock.now(),
        })
    }
}

/// The most characters a command's arguments may have: a pulse question with five options
/// fits many times over, and a paste of a whole document is refused before it is echoed.
pub const MAX_ARGUMENTS: usize = 2000;

/// Why a command's arguments cannot be taken as they are, if so: too long, or holding a
/// control character (a NUL byte, which PostgreSQL refuses to store, and the like).
fn unreadable(args: &str) -> Option<String> {
    let length = args.chars().count();
    if length > MAX_ARGUMENTS {
        return Some(format!("the arguments are {length} characters long; the most is {MAX_ARGUMENTS}"));
    }
    let (at, c) = args.chars().enumerate().find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\t'))?;
    Some(format!("character {} is a control character (U+{:04X}), which meridian does not accept", at + 1, c as u32))
}

/// A name as a platform gave it, fit to store and show: control characters dropped (a NUL
/// byte is refused by PostgreSQL), surrounding space trimmed, at most 80 characters.
pub fn clean_name(name: &str) -> String {
    let cleaned: String = name.chars().filter(|c| !c.is_control()).take(80).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "unnamed".to_string()
    } else {
        cleaned.to_string()
    }
}

/// Who an actor is, for adapters building events: the person with the capabilities the
/// configuration and their platform give them.
pub fn actor(
    config: &Config,
    platform: crate::chat::PlatformKind,
    user_id: &str,
    display_name: &str,
    from_platform: crate::chat::Capabilities,
) -> Actor {
    Actor {
        user_id: user_id.to_string(),
        display_name: display_name.to_string(),
        capabilities: config.roles.capabilities(platform, user_id).union(from_platform),
    }
}
