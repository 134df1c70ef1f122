//! One file per command: parse (done by `chat::command`), apply, reply. Each gets a
//! [`Context`] with the channel, the person and the bot's parts.

mod engagement;
mod help;
mod me;
mod milestone;
pub mod pulse;
mod regions;
mod settings;
mod upcoming;
pub mod whosoff;

use crate::bot::{Bot, BotError};
use crate::chat::{Actor, ChannelRef, Command, Message, Outgoing};
use crate::store::{Channel, Member};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

pub use upcoming::channel_occurrences;

/// Who asks, where, and when.
pub struct Context<'a> {
    pub bot: &'a Bot,
    pub channel_ref: &'a ChannelRef,
    pub actor: &'a Actor,
    pub channel: Channel,
    pub member: Member,
    /// Managers run pulses; they and HR change what a channel follows and when it posts.
    pub is_manager: bool,
    pub is_hr: bool,
    pub now: DateTime<Utc>,
}

impl Context<'_> {
    /// May change a channel's calendar, settings and milestones.
    pub fn may_configure(&self) -> bool {
        self.is_manager || self.is_hr
    }

    /// Today in the channel's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.channel.settings.timezone).date_naive()
    }

    pub fn ephemeral(&self, message: Message) -> Outgoing {
        Outgoing::Ephemeral { channel: self.channel_ref.clone(), user_id: self.actor.user_id.clone(), message }
    }

    pub fn post(&self, message: Message) -> Outgoing {
        Outgoing::Post { channel: self.channel_ref.clone(), message }
    }

    pub fn render(&self, template: &str, context: impl Serialize) -> Result<Message, BotError> {
        Ok(self.bot.templates.render(template, context)?)
    }
}

/// A refusal that leaves everything as it was, saying so.
pub fn unchanged(reason: impl std::fmt::Display) -> Message {
    let reason = reason.to_string();
    let stop = if reason.ends_with(['.', '?', '!']) { "" } else { "." };
    Message::text(format!("{reason}{stop} Nothing was changed."))
}

pub async fn run(ctx: &Context<'_>, command: Command) -> Result<Vec<Outgoing>, BotError> {
    match command {
        Command::Help => help::run(ctx),
        Command::Engagement { days } => engagement::run(ctx, days).await,
        Command::Follow(regions) => regions::follow(ctx, regions, true).await,
        Command::Unfollow(regions) => regions::follow(ctx, regions, false).await,
        Command::Regions => regions::show(ctx, None),
        Command::Upcoming { days } => upcoming::run(ctx, days).await,
        Command::WhosOff { date } => whosoff::run(ctx, date).await,
        Command::Me(update) => me::run(ctx, update).await,
        Command::Settings(update) => settings::run(ctx, update).await,
        Command::MilestoneAdd { name, date, yearly } => milestone::add(ctx, name, date, yearly).await,
        Command::MilestoneList => milestone::list(ctx).await,
        Command::MilestoneRemove { id } => milestone::remove(ctx, id).await,
    }
}
