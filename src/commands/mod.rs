//! One file per command: parse (done by `chat::command`), apply, reply. Each gets a
//! [`Context`] with the channel, the person and the bot's parts.

mod brief;
mod calendar;
pub use calendar::run as calendar;
mod engagement;
mod help;
mod me;
mod milestone;
pub mod pulse;
pub use brief::run as brief;
mod regions;
mod settings;
mod upcoming;
mod whosoff;

use crate::bot::Bot;
use crate::chat::{Actor, ChannelRef, Command, Message, Outgoing, ReplyTarget};
use crate::service::ServiceError;
use crate::store::{Channel, Member};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Who asks, where, and when.
pub struct Context<'a> {
    pub bot: &'a Bot,
    pub channel_ref: &'a ChannelRef,
    pub actor: &'a Actor,
    /// Where a private answer goes (absent for events nobody waits on, such as a join).
    pub reply: Option<&'a ReplyTarget>,
    pub channel: Channel,
    pub member: Member,
    pub now: DateTime<Utc>,
}

/// What handling a command asks of the world: deliveries, and whether the scheduler must
/// look at its plans again (a command changed what or when a channel posts).
#[derive(Debug, Default)]
pub struct Effects {
    pub deliveries: Vec<Outgoing>,
    pub reschedule: bool,
}

impl Effects {
    /// Deliveries after a change to what or when a channel posts.
    pub fn rescheduling(deliveries: Vec<Outgoing>) -> Effects {
        Effects { deliveries, reschedule: true }
    }
}

impl From<Vec<Outgoing>> for Effects {
    fn from(deliveries: Vec<Outgoing>) -> Effects {
        Effects { deliveries, reschedule: false }
    }
}

impl Context<'_> {
    /// Today in the channel's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.channel.settings.timezone).date_naive()
    }

    /// A private answer to the person acting: through the event's reply target, or as an
    /// ephemeral message in the channel when there is none.
    pub fn ephemeral(&self, message: Message) -> Outgoing {
        match self.reply {
            Some(to) => Outgoing::Reply { to: to.clone(), message },
            None => {
                Outgoing::Ephemeral { channel: self.channel_ref.clone(), user_id: self.actor.user_id.clone(), message }
            }
        }
    }

    pub fn post(&self, message: Message) -> Outgoing {
        Outgoing::Post { channel: self.channel_ref.clone(), message }
    }

    pub fn render(&self, template: &str, context: impl Serialize) -> Result<Message, ServiceError> {
        Ok(self.bot.templates.render(template, context)?)
    }
}

/// A refusal that leaves everything as it was, saying so.
pub fn unchanged(reason: impl std::fmt::Display) -> Message {
    let reason = reason.to_string();
    let stop = if reason.ends_with(['.', '?', '!']) { "" } else { "." };
    Message::text(format!("{reason}{stop} Nothing was changed."))
}

pub async fn run(ctx: &Context<'_>, command: Command) -> Result<Effects, ServiceError> {
    match command {
        Command::Help => help::run(ctx).map(Effects::from),
        Command::Engagement { days } => engagement::run(ctx, days).await.map(Effects::from),
        Command::Follow(regions) => regions::follow(ctx, regions, true).await,
        Command::Unfollow(regions) => regions::follow(ctx, regions, false).await,
        Command::Regions => regions::show(ctx, None).map(Effects::from),
        Command::Upcoming { days } => upcoming::run(ctx, days).await.map(Effects::from),
        Command::WhosOff { date } => whosoff::run(ctx, date).await.map(Effects::from),
        Command::Me(update) => me::run(ctx, update).await.map(Effects::from),
        Command::Settings(update) => settings::run(ctx, update).await,
        Command::MilestoneAdd { name, date, yearly } => milestone::add(ctx, name, date, yearly).await,
        Command::MilestoneList => milestone::list(ctx).await.map(Effects::from),
        Command::MilestoneRemove { id } => milestone::remove(ctx, id).await,
    }
}
