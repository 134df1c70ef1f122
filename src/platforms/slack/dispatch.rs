//! From a Slack payload to the bot, for Socket Mode and HTTP mode alike: drop an event Slack
//! delivers again, learn who is acting (admins and owners are managers), let the bot decide
//! the acknowledgement, and run the work in its own task so that the acknowledgement is
//! never held up by it.
//!
//! Slack wants a slash command answered within three seconds, and Socket Mode handles one
//! envelope at a time per connection: only a slash command waits for anything (its answer
//! can be the acknowledgement itself), and then for at most [`LOOKUP_BUDGET`].

use super::events::{self, Incoming, What};
use super::platform::SlackPlatform;
use crate::bot::{Ack, Bot};
use crate::chat::{Capabilities, Event, Message, PlatformKind};
use slack_morphism::prelude::*;
use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a slash command's acknowledgement may wait for Slack to say who typed it.
/// Past it the command is acknowledged bare and answered through its `response_url`.
pub const LOOKUP_BUDGET: Duration = Duration::from_millis(1500);
/// Event ids remembered to recognise a redelivery (Slack retries within minutes).
const RECENT_EVENTS: usize = 4096;

pub struct Dispatcher {
    bot: Arc<Bot>,
    slack: Arc<SlackPlatform>,
    recent: Mutex<RecentIds>,
}

impl Dispatcher {
    pub fn new(bot: Arc<Bot>, slack: Arc<SlackPlatform>) -> Arc<Dispatcher> {
        let recent = Mutex::new(RecentIds::new(RECENT_EVENTS));
        Arc::new(Dispatcher { bot, slack, recent })
    }

    /// Runs `work` in its own task, counted until it ends (stopping waits for it).
    fn run(&self, work: impl Future<Output = ()> + Send + 'static) {
        self.bot.underway.run(work);
    }

    /// A slash command. Returns the private answer that is its acknowledgement, or `None`
    /// for a bare acknowledgement (the answer, if any, follows through `response_url`).
    pub async fn command(self: &Arc<Self>, command: &SlackCommandEvent) -> Option<Message> {
        let started = std::time::Instant::now();
        let answer = self.acknowledge_command(command).await;
        crate::telemetry::metrics::acknowledged(PlatformKind::Slack, started.elapsed());
        answer
    }

    async fn acknowledge_command(self: &Arc<Self>, command: &SlackCommandEvent) -> Option<Message> {
        let incoming = events::from_command(command);
        match tokio::time::timeout(LOOKUP_BUDGET, self.resolve(incoming.clone())).await {
            Ok(event) => {
                let accepted = self.bot.accept(event);
                if let Some(work) = accepted.work {
                    let bot = self.bot.clone();
                    self.run(async move { bot.follow_up(work).await });
                }
                match accepted.ack {
                    Ack::Reply(message) => Some(message),
                    // Slack's acknowledgement of a command carries no answer that waits on work.
                    Ack::Deferred | Ack::Silent | Ack::Outcome => None,
                }
            }
            Err(_) => {
                tracing::warn!("slack: looking up who sent a command took too long; answering it afterwards");
                self.spawn(incoming);
                None
            }
        }
    }

    /// A button click or another interaction: acknowledged bare at once; a private answer
    /// follows through its `response_url`.
    pub fn interaction(self: &Arc<Self>, interaction: &SlackInteractionEvent) {
        let started = std::time::Instant::now();
        match events::from_interaction(interaction) {
            Some(incoming) => self.spawn(incoming),
            None => tracing::debug!("slack: an interaction meridian does not handle"),
        }
        crate::telemetry::metrics::acknowledged(PlatformKind::Slack, started.elapsed());
    }

    /// An Events API event: acknowledged bare at once, handled once however often Slack
    /// delivers it (it retries when an acknowledgement is late or lost).
    pub fn push(self: &Arc<Self>, callback: &SlackPushEventCallback) {
        if !self.recent.lock().unwrap_or_else(|e| e.into_inner()).first_time(&callback.event_id.0) {
            tracing::info!(event_id = %callback.event_id.0, "slack: an event delivered again; already handled");
            return;
        }
        let Some(incoming) = events::from_push(callback) else { return };
        if incoming.is_membership() {
            self.slack.membership_changed(&incoming.channel_id);
        }
        let bot_user = &self.slack.identity().bot_user_id;
        // The bot's own joins and reactions are not people's.
        if &incoming.user_id == bot_user {
            return;
        }
        // Only reactions to meridian's own posts count; Slack reports every reaction in the
        // channel, and the rest need no lookup or store visit.
        if let What::Reaction { author: Some(author), .. } = &incoming.what {
            if author != bot_user {
                return;
            }
        }
        self.spawn(incoming);
    }

    /// Resolves the person, then acknowledges through the reply target and works, in a task.
    fn spawn(self: &Arc<Self>, incoming: Incoming) {
        let me = self.clone();
        self.run(async move {
            let event = me.resolve(incoming).await;
            me.bot.handle(event).await;
        });
    }

    /// The core's event: the person as the workspace and the configuration know them.
    async fn resolve(&self, incoming: Incoming) -> Event {
        let (name, from_slack) = match self.slack.capabilities(&incoming.user_id).await {
            Ok(known) => known,
            Err(e) => {
                // The configured roles still apply; Slack's own may be missing this once.
                tracing::warn!(user = %incoming.user_id, error = %e, "slack: could not look up a person");
                (incoming.user_id.clone(), Capabilities::NONE)
            }
        };
        let actor = crate::bot::actor(&self.bot.config, PlatformKind::Slack, &incoming.user_id, &name, from_slack);
        let channel_name = match &incoming.channel_name {
            Some(name) => {
                self.slack.directory().remember_channel_name(&incoming.channel_id, name);
                name.clone()
            }
            None => self.slack.channel_name(&incoming.channel_id).await,
        };
        incoming.into_event(&self.slack.identity().team_id, &channel_name, actor)
    }
}

/// The last `capacity` ids seen, to recognise one seen before.
struct RecentIds {
    order: VecDeque<String>,
    seen: HashSet<String>,
    capacity: usize,
}

impl RecentIds {
    fn new(capacity: usize) -> RecentIds {
        RecentIds { order: VecDeque::with_capacity(capacity), seen: HashSet::with_capacity(capacity), capacity }
    }

    /// Remembers `id`; false if it was already remembered.
    fn first_time(&mut self, id: &str) -> bool {
        if self.seen.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.seen.remove(&oldest);
            }
        }
        self.order.push_back(id.to_string());
        self.seen.insert(id.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_id_is_recognised_while_it_is_among_the_recent_ones() {
        let mut recent = RecentIds::new(2);
        assert!(recent.first_time("Ev1"));
        assert!(!recent.first_time("Ev1"));
        assert!(recent.first_time("Ev2"));
        assert!(recent.first_time("Ev3"));
        assert!(recent.first_time("Ev1"), "the oldest is forgotten once the set is full");
        assert!(!recent.first_time("Ev3"));
    }
}
