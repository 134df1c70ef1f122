//! Events in, from the gateway or the HTTP endpoint alike: an interaction is answered as
//! soon as the core has decided how (its acknowledgement, within Discord's three seconds),
//! then its work runs in a task of its own — except a vote, answered once it is written.
//! Reactions and members joining or leaving go to the bot without an answer. An interaction
//! seen twice (a replay after a resume, a repeated request) is handled once.

use super::interactions::{self, Incoming};
use super::platform::DiscordPlatform;
use super::render::Payload;
use crate::bot::{Ack, Bot, Work};
use crate::chat::{ChannelRef, Event, PlatformKind};
use serenity::all::{ChannelId, GuildId, Interaction, Member, Reaction, User};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

/// How many interaction ids are remembered to recognise a repeat.
const REMEMBERED: usize = 10_000;
/// How long a vote's acknowledgement may wait for the vote to be written: Discord drops an
/// interaction not answered within 3 s of its creation, and the event's way in and the
/// answer's way back take some of that.
pub const OUTCOME_WITHIN: std::time::Duration = std::time::Duration::from_millis(2000);

pub struct Listener {
    pub platform: Arc<DiscordPlatform>,
    pub bot: Arc<Bot>,
    seen: Mutex<Seen>,
    /// Channel names, from the servers' GUILD_CREATE and channel events (reactions carry
    /// only ids).
    channel_names: Mutex<HashMap<ChannelId, String>>,
    /// Where a server greets newcomers (its system channel, else its first text channel).
    welcome_channels: Mutex<HashMap<GuildId, ChannelId>>,
}

#[derive(Default)]
struct Seen {
    ids: HashSet<u64>,
    order: VecDeque<u64>,
}

impl Seen {
    /// Whether `id` is new; remembers it.
    fn first_time(&mut self, id: u64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBERED {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }
}

/// An interaction's answer, and the work that follows it.
pub struct Answered {
    pub response: Payload,
    pub work: Option<Work>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Listener {
    pub fn new(platform: Arc<DiscordPlatform>, bot: Arc<Bot>) -> Listener {
        Listener {
            platform,
            bot,
            seen: Mutex::default(),
            channel_names: Mutex::default(),
            welcome_channels: Mutex::default(),
        }
    }

    /// How to answer an interaction; `None` for one seen before. Decided without I/O, but
    /// for a vote, whose answer waits for its write (up to [`OUTCOME_WITHIN`]).
    pub async fn answer(&self, interaction: &Interaction) -> Option<Answered> {
        tracing::debug!(id = %interaction.id(), kind = ?interaction.kind(), "discord interaction");
        if !lock(&self.seen).first_time(interaction.id().get()) {
            tracing::info!(id = %interaction.id(), "interaction seen before; handled once");
            return None;
        }
        let answered = match interactions::incoming(&self.bot.config, &self.bot.library(), interaction) {
            Incoming::Ping => Answered { response: interactions::pong(), work: None },
            Incoming::Suggest(choices) => Answered { response: interactions::suggestions(&choices), work: None },
            Incoming::Answer(message) => Answered { response: interactions::answer(&message), work: None },
            Incoming::Event(event) => {
                let accepted = self.bot.accept(*event);
                match (accepted.ack, accepted.work) {
                    // A vote is answered "your vote is in" only once it is written; a store
                    // too slow for that gets "thinking…", and the answer follows.
                    (Ack::Outcome, Some(work)) => match self.bot.outcome(work, OUTCOME_WITHIN).await {
                        Some(message) => Answered { response: interactions::answer(&message), work: None },
                        None => Answered { response: interactions::acknowledgement(&Ack::Deferred), work: None },
                    },
                    (ack, work) => Answered { response: interactions::acknowledgement(&ack), work },
                }
            }
        };
        Some(answered)
    }

    /// Runs the work after an acknowledgement, in a task of its own (counted: stopping
    /// waits for it).
    pub fn follow_up(&self, work: Work) {
        let bot = self.bot.clone();
        self.bot.underway.run(async move { bot.follow_up(work).await });
    }

    /// An interaction from the gateway: answered through the callback route, then worked.
    pub async fn interaction(&self, interaction: Interaction) {
        let started = std::time::Instant::now();
        let Some(answered) = self.answer(&interaction).await else { return };
        let (id, token) = match &interaction {
            Interaction::Command(c) | Interaction::Autocomplete(c) => (c.id, c.token.as_str()),
            Interaction::Component(c) => (c.id, c.token.as_str()),
            Interaction::Modal(m) => (m.id, m.token.as_str()),
            Interaction::Ping(p) => (p.id, p.token.as_str()),
            _ => return,
        };
        match self.platform.rest().interaction_callback(id, token, &answered.response).await {
            Ok(()) => {
                crate::telemetry::metrics::acknowledged(crate::chat::PlatformKind::Discord, started.elapsed());
                if let Some(work) = answered.work {
                    self.follow_up(work);
                }
            }
            // Without an acknowledgement Discord has told the person it failed; doing the
            // work anyway could start a pulse they will start again.
            Err(e) => tracing::warn!(%id, error = %e, "could not acknowledge an interaction; its work is dropped"),
        }
    }

    pub async fn reaction(&self, reaction: &Reaction, added: bool) {
        let emoji = interactions::emoji(&reaction.emoji);
        tracing::debug!(message = %reaction.message_id, user = ?reaction.user_id, %emoji, added, "discord reaction");
        // The gateway brings reactions to every message in every channel; only those to the
        // bot's own posts count (Discord names the author of the message with an addition).
        if reaction.message_author_id.is_some_and(|author| author != self.platform.bot_id()) {
            return;
        }
        let name = lock(&self.channel_names).get(&reaction.channel_id).cloned();
        let event = interactions::reaction_event(&self.bot.config, reaction, added, self.platform.bot_id(), name);
        if let Some(event) = event {
            self.silent(event).await;
        }
    }

    /// A person joined a server: greeted (by DM: Discord has no unprompted private message)
    /// and asked for their region and working hours.
    pub async fn member_joined(&self, member: &Member) {
        if member.user.bot {
            return;
        }
        let Some(channel) = lock(&self.welcome_channels).get(&member.guild_id).copied() else { return };
        let channel = self.channel_ref(member.guild_id, channel);
        let actor = interactions::actor(&self.bot.config, &member.user, Some(member));
        self.silent(Event::MemberJoined { channel, actor }).await;
    }

    /// A person left a server: they leave every channel of it meridian knows.
    pub async fn member_left(&self, guild_id: GuildId, user: &User) {
        let channels = match self.bot.store.channels().await {
            Ok(channels) => channels,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the channels a leaving member was in");
                return;
            }
        };
        let actor = interactions::actor(&self.bot.config, user, None);
        for stored in channels.iter().filter(|c| c.platform == PlatformKind::Discord) {
            match self.bot.channel_ref(stored).await {
                Ok(channel) if channel.workspace == guild_id.to_string() => {
                    self.silent(Event::MemberLeft { channel, actor: actor.clone() }).await
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "could not name a channel"),
            }
        }
    }

    /// An event that needs no answer: accepted, then its work done here.
    async fn silent(&self, event: Event) {
        if let Some(work) = self.bot.accept(event).work {
            self.bot.follow_up(work).await;
        }
    }

    fn channel_ref(&self, guild: GuildId, channel: ChannelId) -> ChannelRef {
        let name = lock(&self.channel_names).get(&channel).cloned().unwrap_or_else(|| channel.to_string());
        ChannelRef { platform: PlatformKind::Discord, workspace: guild.to_string(), id: channel.to_string(), name }
    }

    /// Learns a server's channels (names, where to greet) from its GUILD_CREATE.
    pub fn guild(&self, guild: &serenity::all::Guild) {
        let mut names = lock(&self.channel_names);
        let mut text: Vec<_> = guild
            .channels
            .values()
            .filter(|c| c.kind == serenity::all::ChannelType::Text)
            .map(|c| (c.position, c.id))
            .collect();
        text.sort();
        for c in guild.channels.values() {
            names.insert(c.id, c.name.clone());
        }
        if let Some(welcome) = guild.system_channel_id.or_else(|| text.first().map(|(_, id)| *id)) {
            lock(&self.welcome_channels).insert(guild.id, welcome);
        }
    }

    /// Learns a channel's (new) name.
    pub fn channel(&self, channel: &serenity::all::GuildChannel) {
        lock(&self.channel_names).insert(channel.id, channel.name.clone());
    }
}
