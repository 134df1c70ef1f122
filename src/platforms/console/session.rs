//! A console session: the bot, its scheduler and a simulated clock driven by script lines,
//! from a file, standard input, or a person typing.

use super::script::{parse_line, Action, Line, ScriptError};
use super::{ConsolePlatform, Output};
use crate::bot::{Ack, Bot, Parts};
use crate::chat::{Capabilities, ChannelRef, Event, Outgoing, PlatformKind, Platforms, ReplyTarget};
use crate::clock::{Clock, ManualClock};
use crate::scheduler::Scheduler;
use crate::store::Store;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::sync::Arc;

pub struct SessionOptions {
    pub parts: Parts,
    pub start: DateTime<Utc>,
    pub tz: Tz,
    pub out: Output,
}

pub struct Session {
    options: SessionOptions,
    /// This process's claim on a SQLite file, for the session's life (restarts included).
    _sole_use: crate::store::SoleUse,
    /// Who lines without `as` speak for (`as alice in #support` alone sets it).
    speaker: Option<(String, Vec<String>, String)>,
    clock: ManualClock,
    console: Arc<ConsolePlatform>,
    bot: Arc<Bot>,
    scheduler: Scheduler,
}

const WORKSPACE: &str = "console";

impl Session {
    pub async fn start(options: SessionOptions) -> anyhow::Result<Session> {
        let sole_use = crate::store::SoleUse::claim(options.parts.config.database.expose())?;
        let clock = ManualClock::new(options.start);
        let console = Arc::new(ConsolePlatform::new(options.out.clone(), Arc::new(clock.clone()), options.tz));
        let (bot, scheduler) = Self::connect(&options, &clock, &console).await?;
        let session = Session { options, _sole_use: sole_use, speaker: None, clock, console, bot, scheduler };
        // Whatever came due while the bot was down is caught up at once.
        session.run_due().await?;
        Ok(session)
    }

    async fn connect(
        options: &SessionOptions,
        clock: &ManualClock,
        console: &Arc<ConsolePlatform>,
    ) -> anyhow::Result<(Arc<Bot>, Scheduler)> {
        let store = Store::connect(options.parts.config.database.expose())
            .await
            .context("cannot open the database")?
            .with_channel_defaults(options.parts.config.defaults.clone());
        let mut platforms = Platforms::default();
        platforms.add(console.clone());
        let bot = Arc::new(options.parts.bot(store, Arc::new(clock.clone()), platforms));
        // The company calendars kept in the store join the files' (errors are logged).
        crate::service::library::reload(&bot.services).await?;
        let scheduler = bot.scheduler();
        Ok((bot, scheduler))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Who lines without `as` speak for, as the prompt shows it.
    pub fn speaker(&self) -> Option<String> {
        self.speaker.as_ref().map(|(user, _, channel)| format!("{user} in #{channel}"))
    }

    /// When the bot next posts, in the session's zone (for a person waiting at the prompt).
    pub async fn next_post(&self) -> Option<String> {
        let next = self.scheduler.next_due(self.now()).await.ok()??;
        Some(crate::posts::local_moment(next, self.options.tz, "%a %-d %b %H:%M"))
    }

    /// Runs a whole script; the first bad line stops it with its line number.
    pub async fn run_script(&mut self, text: &str) -> anyhow::Result<()> {
        for (i, line) in text.lines().enumerate() {
            self.run_line(i + 1, line).await?;
        }
        Ok(())
    }

    /// Runs one line of script.
    pub async fn run_line(&mut self, number: usize, text: &str) -> anyhow::Result<()> {
        match parse_line(number, text, self.options.tz)? {
            Line::Nothing => {}
            Line::At(at) => self.advance_to(at, number).await?,
            Line::Advance(by) => {
                let target = self
                    .now()
                    .checked_add_signed(by)
                    .filter(|t| chrono::Datelike::year(t) <= *crate::chat::YEARS.end());
                let target = target.ok_or_else(|| ScriptError {
                    line: number,
                    message: format!("the clock cannot go past {}", crate::chat::YEARS.end()),
                })?;
                self.advance_to(target, number).await?
            }
            Line::FailNextPost => self.console.fail_next_post(),
            Line::CrashBeforeNextPost => self.console.crash_before_next_post(),
            Line::Restart => {
                self.bot.store.close().await;
                let (bot, scheduler) = Self::connect(&self.options, &self.clock, &self.console).await?;
                self.bot = bot;
                self.scheduler = scheduler;
                self.console.note("--- meridian restarted");
                self.run_due().await?;
            }
            Line::Act { user, roles, channel, action } => self.act(number, user, roles, channel, action).await?,
            Line::Speaker { user, roles, channel } => {
                self.console.note(&format!("--- you are {user} in #{channel}"));
                self.speaker = Some((user, roles, channel));
            }
            Line::ActAsSpeaker(action) => {
                let Some((user, roles, channel)) = self.speaker.clone() else {
                    let message =
                        "say who you are first, e.g. `as alice in #support` (or `as bob (manager) in #support`)";
                    return Err(ScriptError { line: number, message: message.into() }.into());
                };
                self.act(number, user, roles, channel, action).await?
            }
        }
        Ok(())
    }

    /// Follows real time: moves the clock to `now` if it is ahead (the interactive console).
    pub async fn catch_up_to(&mut self, now: DateTime<Utc>) -> anyhow::Result<()> {
        if now > self.now() {
            self.advance_to(now, 0).await?;
        }
        Ok(())
    }

    /// Moves the clock to `target`, stopping at every instant something falls due on the way,
    /// as the real scheduler would.
    async fn advance_to(&mut self, target: DateTime<Utc>, number: usize) -> anyhow::Result<()> {
        if target < self.now() {
            return Err(ScriptError { line: number, message: format!("the clock cannot go back to {target}") }.into());
        }
        // The running loop's own turns, on the simulated clock: what `now` owed ran already.
        let mut next = self.scheduler.next_wake(self.now(), &[]).await;
        while next <= target {
            self.clock.set(next);
            next = self.scheduler.tick(next).await;
        }
        self.clock.set(target);
        self.run_due().await?;
        // Time has passed: the open pulses show their counts, as a running bot's would.
        crate::service::pulses::show_live_counts(&self.bot.services, self.now()).await?;
        Ok(())
    }

    async fn run_due(&self) -> anyhow::Result<()> {
        self.scheduler.run_due(self.now()).await?;
        Ok(())
    }

    async fn act(
        &mut self,
        number: usize,
        user: String,
        roles: Vec<String>,
        channel: String,
        action: Action,
    ) -> anyhow::Result<()> {
        let channel = ChannelRef {
            platform: PlatformKind::Console,
            workspace: WORKSPACE.into(),
            id: channel.clone(),
            name: channel,
        };
        let mut granted = Capabilities::NONE;
        for role in &roles {
            granted = granted.union(match role.to_ascii_lowercase().as_str() {
                "manager" | "admin" | "owner" => Capabilities::MANAGER,
                "hr" => Capabilities::HR,
                other => {
                    let message = format!("unknown role '{other}'; use manager, admin, owner or hr");
                    return Err(ScriptError { line: number, message }.into());
                }
            });
        }
        let config = &self.options.parts.config;
        let actor = crate::bot::actor(config, PlatformKind::Console, &user, &user, granted);
        // The console answers a person privately where they typed; no handle is needed.
        let reply = ReplyTarget { channel: channel.clone(), user_id: user.clone(), handle: String::new() };
        let event = match action {
            Action::Command { command, args } => Event::Command { channel, actor, command, args, reply },
            Action::Join => Event::MemberJoined { channel, actor },
            Action::Leave => Event::MemberLeft { channel, actor },
            Action::Click { post, button } => {
                let found = self
                    .console
                    .find(post)
                    .ok_or_else(|| ScriptError { line: number, message: "no such post".into() })?;
                let buttons: Vec<_> = found
                    .message
                    .blocks
                    .iter()
                    .flat_map(|b| match b {
                        crate::chat::Block::Buttons { buttons } => buttons.clone(),
                        _ => Vec::new(),
                    })
                    .collect();
                let b = buttons.get(button - 1).ok_or_else(|| ScriptError {
                    line: number,
                    message: format!(
                        "post {} has {} button(s); there is no button {button}",
                        found.number,
                        buttons.len()
                    ),
                })?;
                Event::Click {
                    channel,
                    actor,
                    message: self.console.message_ref(found.number),
                    action: b.action.clone(),
                    value: b.value.clone(),
                    reply,
                }
            }
            Action::React { post, emoji, added } => {
                let found = self
                    .console
                    .find(post)
                    .ok_or_else(|| ScriptError { line: number, message: "no such post".into() })?;
                Event::Reaction { channel, actor, message: self.console.message_ref(found.number), emoji, added }
            }
        };
        // As a chat platform would: the acknowledgement first, then the work after it.
        let accepted = self.bot.accept(event.clone());
        if let (Ack::Reply(message), Some(to)) = (accepted.ack, event.reply_target()) {
            self.bot.delivery.send(&Outgoing::Reply { to: to.clone(), message }).await?;
        }
        if let Some(work) = accepted.work {
            self.bot.follow_up(work).await;
        }
        // A command that changed a schedule wakes the real loop at once; so here.
        if tokio::time::timeout(std::time::Duration::ZERO, self.bot.schedule_changed.notified()).await.is_ok() {
            self.run_due().await?;
        }
        Ok(())
    }
}
