//! The handler: every chat event, from any platform, goes through [`Bot::handle`], which
//! loads what the command needs from the store, asks the core, writes back, and returns the
//! deliveries for the platform adapter to carry out.

use crate::calendar::Library;
use crate::chat::PlatformKind;
use crate::chat::{parse_command, Actor, ChannelRef, Event, Message, Outgoing, Platforms};
use crate::clock::Clock;
use crate::commands::{self, Context};
use crate::config::Config;
use crate::render::{RenderError, Templates};
use crate::store::{ChannelId, MemberId, Store, StoreError, WorkspaceId};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use tokio::sync::Notify;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("pulse: {0}")]
    Pulse(String),
    #[error(transparent)]
    Calendar(#[from] crate::calendar::CalendarError),
}

/// Everything a command may need, built once at start.
pub struct Bot {
    pub store: Store,
    pub library: Arc<Library>,
    pub templates: Arc<Templates>,
    pub bank: Arc<crate::pulse::QuestionBank>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// Wakes the scheduler when a command changes what or when a channel posts.
    pub schedule_changed: Arc<Notify>,
    /// Where posts go; commands that post something to be tracked (a pulse) use it directly.
    pub platforms: Platforms,
    pub seen: Seen,
}

/// What a bot is made of besides its store, clock and platforms; read once at start.
#[derive(Clone)]
pub struct Parts {
    pub config: Arc<Config>,
    pub library: Arc<Library>,
    pub templates: Arc<Templates>,
    pub bank: Arc<crate::pulse::QuestionBank>,
}

impl Parts {
    /// The shipped calendars, templates and question bank, with `config`.
    pub fn shipped(config: Config) -> Result<Parts, BotError> {
        Ok(Parts {
            config: Arc::new(config),
            library: Arc::new(Library::shipped()?),
            templates: Arc::new(Templates::shipped()?),
            bank: Arc::new(crate::pulse::QuestionBank::shipped()),
        })
    }

    pub fn bot(&self, store: Store, clock: Arc<dyn Clock>, platforms: Platforms) -> Bot {
        Bot {
            store,
            library: self.library.clone(),
            templates: self.templates.clone(),
            bank: self.bank.clone(),
            config: self.config.clone(),
            clock,
            schedule_changed: Arc::new(Notify::new()),
            platforms,
            seen: Default::default(),
        }
    }
}

/// A channel as a platform names it: platform, workspace id, channel id.
type ChannelKey = (PlatformKind, String, String);

/// Rows this process has already written. Every event would otherwise upsert its workspace,
/// channel and member again, and on SQLite each write is a commit: a burst of clicks would
/// queue behind them. (A changed display name is picked up at the next start.)
#[derive(Default)]
pub struct Seen {
    channels: Mutex<HashMap<ChannelKey, (WorkspaceId, ChannelId)>>,
    members: Mutex<HashMap<(ChannelId, String), MemberId>>,
}

impl Bot {
    /// Answers one event. Errors are for the operator's log; the person who acted gets a
    /// short apology from the adapter.
    pub async fn handle(&self, event: Event) -> Result<Vec<Outgoing>, BotError> {
        // A vote is the hot path (a burst must be acknowledged within the platform's three
        // seconds): it writes nothing but the vote. Recording each first-time voter as a
        // channel member cost a commit each and slowed a 10,000-click burst from 0.7 s to 18 s;
        // members are learned from commands, joins and reactions instead.
        if let Event::Click { channel, actor, action, value, .. } = &event {
            if action == commands::pulse::CLICK_ACTION {
                let (workspace, channel_id) = self.channel_ids(channel).await?;
                return commands::pulse::click(self, channel, actor, workspace, channel_id, value).await;
            }
        }
        let ctx = self.context(event.channel(), event.actor()).await?;
        match &event {
            Event::Command { command, args, .. } => self.command(&ctx, command, args).await,
            Event::Reaction { message, emoji, added, .. } => {
                // Message ids are only unique within a channel on some platforms (Slack's ts).
                let post = self.store.post_by_message(&message.0).await?.filter(|p| p.key.channel == ctx.channel.id);
                if let Some(post) = post {
                    self.store.record_reaction(post.id, &ctx.actor.user_id, emoji, *added, ctx.now).await?;
                }
                Ok(Vec::new())
            }
            Event::Click { .. } => Ok(vec![ctx.ephemeral(Message::text("That button is not one meridian knows."))]),
            Event::MemberJoined { .. } => {
                let hint = "Welcome! meridian keeps this team in step across regions. Tell it where you work: \
                            `/meridian me region:IN-KA tz:Asia/Kolkata hours:09:00-18:00` (see `/meridian help`).";
                Ok(vec![ctx.ephemeral(Message::text(hint))])
            }
        }
    }

    async fn command(&self, ctx: &Context<'_>, command: &str, args: &str) -> Result<Vec<Outgoing>, BotError> {
        if command.trim_start_matches('/') == "pulse" {
            return commands::pulse::run(ctx, args).await;
        }
        let parsed = match parse_command(command, args) {
            Ok(parsed) => parsed,
            Err(usage) => return Ok(vec![ctx.ephemeral(Message::text(usage.to_string()))]),
        };
        if parsed.needs_manager() && !ctx.may_configure() {
            let refusal = "Sorry — only managers can change this channel's calendar or settings. \
                           Ask a manager, or see `/meridian help` for what you can do.";
            return Ok(vec![ctx.ephemeral(Message::text(refusal))]);
        }
        commands::run(ctx, parsed).await
    }

    /// The stored ids of a channel and its workspace, creating them the first time.
    async fn channel_ids(&self, channel: &ChannelRef) -> Result<(WorkspaceId, ChannelId), BotError> {
        let key = (channel.platform, channel.workspace.clone(), channel.id.clone());
        if let Some(ids) = self.seen.channels.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(*ids);
        }
        let workspace = self.store.upsert_workspace(channel.platform, &channel.workspace, &channel.workspace).await?;
        let channel_id = self.store.upsert_channel(workspace, &channel.id, &channel.name).await?;
        self.seen.channels.lock().unwrap_or_else(|e| e.into_inner()).insert(key, (workspace, channel_id));
        Ok((workspace, channel_id))
    }

    /// Makes sure the workspace, channel and member exist, and gathers who is asking.
    async fn context<'a>(&'a self, channel: &'a ChannelRef, actor: &'a Actor) -> Result<Context<'a>, BotError> {
        let platform = channel.platform;
        let (workspace, channel_id) = self.channel_ids(channel).await?;
        let member_key = (channel_id, actor.user_id.clone());
        let known = self.seen.members.lock().unwrap_or_else(|e| e.into_inner()).get(&member_key).copied();
        let member_id = match known {
            Some(id) => id,
            None => {
                let member_id = self.store.upsert_member(workspace, &actor.user_id, &actor.display_name).await?;
                self.store.join_channel(channel_id, member_id).await?;
                self.seen.members.lock().unwrap_or_else(|e| e.into_inner()).insert(member_key, member_id);
                member_id
            }
        };
        let stored_channel =
            self.store.channel(channel_id).await?.ok_or(StoreError::NotFound { what: "channel", id: channel_id.0 })?;
        let member =
            self.store.member(member_id).await?.ok_or(StoreError::NotFound { what: "member", id: member_id.0 })?;
        // Platform roles count as well as the configured lists: a Discord "manager" role, a
        // Slack workspace admin (the adapters report these as roles).
        let is_manager = self.config.roles.is_manager(platform, &actor.user_id)
            || actor.roles.iter().any(|r| matches!(r.to_ascii_lowercase().as_str(), "manager" | "admin" | "owner"));
        let is_hr = self.config.roles.is_hr(platform, &actor.user_id)
            || actor.roles.iter().any(|r| r.eq_ignore_ascii_case("hr"));
        Ok(Context {
            bot: self,
            channel_ref: channel,
            actor,
            channel: stored_channel,
            member,
            is_manager,
            is_hr,
            now: self.clock.now(),
        })
    }
}
