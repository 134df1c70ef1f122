//! The workflows that commands and the scheduler share, each in one place: delivering posts
//! (with retries, and exactly once through the ledger), a channel's calendar, a pulse's life,
//! a channel's daily brief and its headline feeds.
//! Commands and the scheduler both stand on this layer and never call each other.

pub mod briefs;
pub mod calendar;
pub mod delivery;
pub mod fetch;
pub mod headlines;
pub mod library;
pub mod planning;
pub mod pulses;
pub mod underway;

use crate::calendar::{Library, LiveLibrary};
use crate::chat::{ChannelRef, Outgoing, PlatformError};
use crate::clock::Clock;
use crate::config::Config;
use crate::pulse::QuestionBank;
use crate::render::{RenderError, Templates};
use crate::store::{Channel, ChannelId, ClaimOutcome, PostId, PostKey, Purpose, Store, StoreError};
use chrono::{DateTime, Utc};
use delivery::Delivery;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("pulse: {0}")]
    Pulse(String),
    #[error(transparent)]
    Calendar(#[from] crate::calendar::CalendarError),
}

/// What an owed announcement keeps in the ledger.
#[derive(serde::Serialize, serde::Deserialize)]
struct Announcement {
    channel: ChannelRef,
    message: crate::chat::Message,
}

/// Everything the workflows need, built once at start and shared.
pub struct Services {
    pub store: Store,
    pub delivery: Delivery,
    /// The calendars in use; [`Services::library`] takes the current version.
    pub calendars: Arc<LiveLibrary>,
    pub templates: Arc<Templates>,
    pub bank: Arc<QuestionBank>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// This process's name on its ledger claims.
    pub instance: String,
    /// The briefs' headline feeds, fetched ahead and shared.
    pub headlines: Arc<headlines::Headlines>,
    /// The ledger posts this process is sending right now.
    pub sending: Sending,
    /// Pulses whose message should show a new count of answers.
    pub live: pulses::LiveCounts,
    /// The work acknowledged and still running, which stopping waits for.
    pub underway: underway::Underway,
}

/// The ledger keys this process has claimed and is sending at this moment. On SQLite the
/// store hands an undelivered claim to whoever asks next (one process owns the file), so
/// without this a scheduler run could take over a post that a command's task is still
/// sending — waiting out a 429, say — and send it a second time.
#[derive(Debug, Default)]
pub struct Sending(Mutex<HashSet<PostKey>>);

impl Sending {
    /// The keys being sent at this moment.
    pub fn keys(&self) -> HashSet<PostKey> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A claim held while it is sent; dropping it (sent or not) lets a later run take it over.
#[derive(Debug)]
pub struct Claimed<'a> {
    pub post: PostId,
    key: PostKey,
    sending: &'a Sending,
}

impl Drop for Claimed<'_> {
    fn drop(&mut self) {
        self.sending.0.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.key);
    }
}

/// What [`Services::claim`] found.
#[derive(Debug)]
pub enum Claiming<'a> {
    Mine(Claimed<'a>),
    /// It went out before.
    Delivered,
    /// Someone is sending it: this process, or (PostgreSQL) another within its lease.
    Held,
}

/// What [`Services::deliver_once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once {
    /// Sent now; the platform's id for a new post.
    Sent(Option<crate::chat::MessageRef>),
    /// It went out before: nothing to do.
    AlreadyDelivered,
    /// Someone holds the claim and may be sending it now (another task of this process, or
    /// another instance): ask again later.
    Held,
    /// There turned out to be nothing to send.
    Nothing,
    /// The platform refused it or could not be reached; the claim stays undelivered, so a
    /// later run sends it.
    Failed(PlatformError),
}

impl Once {
    /// Whether something is still owed after this attempt.
    pub fn owed(&self) -> bool {
        matches!(self, Once::Held | Once::Failed(_))
    }
}

impl Services {
    /// The calendars as they are now; one piece of work keeps the one it took throughout.
    pub fn library(&self) -> Arc<Library> {
        self.calendars.current()
    }

    /// Claims `key` in the ledger ([`Store::claim_or_reclaim`]), unless this process is
    /// sending it at this moment.
    pub async fn claim(&self, key: &PostKey, now: DateTime<Utc>) -> Result<Claiming<'_>, StoreError> {
        if !self.sending.0.lock().unwrap_or_else(|e| e.into_inner()).insert(key.clone()) {
            return Ok(Claiming::Held);
        }
        // From here the key is reserved; the guard gives it back whatever happens next.
        let mut claimed = Claimed { post: PostId(0), key: key.clone(), sending: &self.sending };
        Ok(match self.store.claim_or_reclaim(key, &self.instance, now).await? {
            ClaimOutcome::Mine(post) => {
                claimed.post = post;
                Claiming::Mine(claimed)
            }
            ClaimOutcome::Delivered => Claiming::Delivered,
            ClaimOutcome::Held => Claiming::Held,
        })
    }

    /// [`Services::claim`] for many keys at once: the ones this process is not sending are
    /// claimed in the ledger in one batch ([`Store::claim_many`]). In the order given.
    pub async fn claim_many(&self, keys: &[PostKey], now: DateTime<Utc>) -> Result<Vec<Claiming<'_>>, StoreError> {
        let mut out: Vec<Option<Claiming<'_>>> = Vec::with_capacity(keys.len());
        let mut asked = Vec::new();
        {
            let mut sending = self.sending.0.lock().unwrap_or_else(|e| e.into_inner());
            for key in keys {
                if sending.insert(key.clone()) {
                    asked.push(out.len());
                    out.push(None);
                } else {
                    out.push(Some(Claiming::Held));
                }
            }
        }
        // From here the keys are reserved; each guard gives its key back whatever happens.
        let guards: Vec<Claimed<'_>> =
            asked.iter().map(|&i| Claimed { post: PostId(0), key: keys[i].clone(), sending: &self.sending }).collect();
        let wanted: Vec<PostKey> = asked.iter().map(|&i| keys[i].clone()).collect();
        let outcomes = self.store.claim_many(&wanted, &self.instance, now).await?;
        for ((i, mut claimed), outcome) in asked.into_iter().zip(guards).zip(outcomes) {
            out[i] = Some(match outcome {
                ClaimOutcome::Mine(post) => {
                    claimed.post = post;
                    Claiming::Mine(claimed)
                }
                ClaimOutcome::Delivered => Claiming::Delivered,
                ClaimOutcome::Held => Claiming::Held,
            });
        }
        Ok(out.into_iter().map(|c| c.unwrap_or(Claiming::Held)).collect())
    }

    /// The one claim → send → mark sequence: claims `key` in the ledger (or takes over a
    /// claim that was never delivered, once the store's lease allows), builds the delivery
    /// only then (so a post that went out already costs no rendering), sends it through the
    /// delivery layer and marks it delivered with the platform's message id.
    pub async fn deliver_once(
        &self,
        key: &PostKey,
        now: DateTime<Utc>,
        build: impl AsyncFnOnce() -> Result<Option<Outgoing>, ServiceError>,
    ) -> Result<Once, ServiceError> {
        let keys = std::slice::from_ref(key);
        let mut outcomes = self.deliver_together(keys, now, async |_: &[usize]| build().await).await?;
        Ok(outcomes.remove(0))
    }

    /// [`Services::deliver_once`] for several ledger posts carried by one message (a
    /// reminder digest): each key is claimed on its own, `build` is given the indices of the
    /// keys this call owns and makes one delivery of them, and all of them are marked
    /// delivered with its message id. Returns what happened to each key, in order.
    pub async fn deliver_together(
        &self,
        keys: &[PostKey],
        now: DateTime<Utc>,
        build: impl AsyncFnOnce(&[usize]) -> Result<Option<Outgoing>, ServiceError>,
    ) -> Result<Vec<Once>, ServiceError> {
        let mut outcomes = vec![Once::Nothing; keys.len()];
        let mut mine = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            match self.claim(key, now).await? {
                Claiming::Mine(claimed) => mine.push((i, claimed)),
                Claiming::Delivered => outcomes[i] = Once::AlreadyDelivered,
                Claiming::Held => outcomes[i] = Once::Held,
            }
        }
        if mine.is_empty() {
            return Ok(outcomes);
        }
        let indices: Vec<usize> = mine.iter().map(|(i, _)| *i).collect();
        // The keys it carries name the post to the platform too (Discord's nonce), so a
        // repeat of it after a lost answer or a crash is recognised there.
        let carried = indices.iter().map(|&i| ledger_key(&keys[i])).collect::<Vec<_>>().join("+");
        let outcome = match build(&indices).await? {
            None => Ok(None),
            Some(outgoing) => self.delivery.send_keyed(&outgoing, Some(&carried)).await.map(Some),
        };
        match outcome {
            Ok(sent) => {
                let id = sent.as_ref().and_then(|r| r.as_ref()).map(|r| r.0.as_str()).unwrap_or_default();
                for (i, claimed) in &mine {
                    self.store.mark_delivered(claimed.post, id, now).await?;
                    outcomes[*i] = match &sent {
                        Some(message_ref) => Once::Sent(message_ref.clone()),
                        None => Once::Nothing,
                    };
                }
            }
            Err(e) => {
                let what: Vec<&str> = indices.iter().map(|&i| keys[i].occurrence_key.as_str()).collect();
                tracing::warn!(posts = ?what, error = %e, "not delivered; will retry");
                for (i, _) in &mine {
                    outcomes[*i] = Once::Failed(e.clone());
                }
            }
        }
        Ok(outcomes)
    }

    /// Sends one message that carries several claimed ledger posts (a reminder digest),
    /// naming them to the platform as [`Services::deliver_together`] does; the caller marks
    /// them delivered.
    pub async fn send_carrying(
        &self,
        keys: &[&PostKey],
        outgoing: &Outgoing,
    ) -> Result<Option<crate::chat::MessageRef>, PlatformError> {
        let carried = keys.iter().map(|k| ledger_key(k)).collect::<Vec<_>>().join("+");
        self.delivery.send_keyed(outgoing, Some(&carried)).await
    }

    /// A post that has no natural key but must go out once, whenever it can (a command's
    /// announcement: "maria set this channel to follow India"). It is claimed under a key of
    /// its own with what it says, so a failed send stays owed and [`Services::resend_owed`]
    /// sends it on a later run, like every other post.
    pub async fn announce(&self, channel: ChannelId, post: Outgoing, now: DateTime<Utc>) -> Result<Once, ServiceError> {
        let Outgoing::Post { channel: channel_ref, message } = post else {
            return Ok(match self.delivery.send(&post).await {
                Ok(sent) => Once::Sent(sent),
                Err(e) => Once::Failed(e),
            });
        };
        let key = PostKey {
            channel,
            purpose: Purpose::Announcement,
            occurrence_key: format!("{}-{:016x}", now.timestamp_millis(), rand::random::<u64>()),
        };
        let payload = Announcement { channel: channel_ref, message };
        let text = serde_json::to_string(&payload).map_err(|e| ServiceError::Pulse(e.to_string()))?;
        let Claiming::Mine(claimed) = self.claim(&key, now).await? else {
            return Ok(Once::AlreadyDelivered);
        };
        self.store.set_post_payload(claimed.post, &text).await?;
        self.send_claimed(&claimed, &Outgoing::Post { channel: payload.channel, message: payload.message }, now).await
    }

    /// Sends again what [`Services::announce`] could not send, oldest first; gives up (with a
    /// warning) on an announcement a week old, which would only confuse by now.
    pub async fn resend_owed(&self, channel: ChannelId, now: DateTime<Utc>) -> Result<Vec<Once>, ServiceError> {
        let mut outcomes = Vec::new();
        for (post, payload) in self.store.owed_payloads(channel, Purpose::Announcement).await? {
            let Claiming::Mine(claimed) = self.claim(&post.key, now).await? else {
                outcomes.push(Once::Held);
                continue;
            };
            let parsed = serde_json::from_str::<Announcement>(&payload);
            match parsed {
                Ok(a) if now - post.claimed_at < chrono::Duration::days(7) => {
                    let outgoing = Outgoing::Post { channel: a.channel, message: a.message };
                    outcomes.push(self.send_claimed(&claimed, &outgoing, now).await?);
                }
                other => {
                    tracing::warn!(key = %post.key.occurrence_key, unreadable = other.is_err(), "an announcement never went out; giving up on it");
                    self.store.mark_delivered(claimed.post, "abandoned", now).await?;
                }
            }
        }
        Ok(outcomes)
    }

    async fn send_claimed(
        &self,
        claimed: &Claimed<'_>,
        post: &Outgoing,
        now: DateTime<Utc>,
    ) -> Result<Once, ServiceError> {
        match self.delivery.send_keyed(post, Some(&ledger_key(&claimed.key))).await {
            Ok(sent) => {
                let message_ref = sent.as_ref().map(|r| r.0.as_str()).unwrap_or_default();
                self.store.mark_delivered(claimed.post, message_ref, now).await?;
                Ok(Once::Sent(sent))
            }
            Err(e) => {
                tracing::warn!(error = %e, "an announcement was not delivered; will retry");
                Ok(Once::Failed(e))
            }
        }
    }

    /// How the platform names a stored channel, for deliveries.
    pub async fn channel_ref(&self, channel: &Channel) -> Result<ChannelRef, ServiceError> {
        let workspace = self.store.workspace(channel.workspace).await?;
        Ok(ChannelRef {
            platform: channel.platform,
            workspace: workspace.map(|w| w.external_id).unwrap_or_default(),
            id: channel.external_id.clone(),
            name: channel.name.clone(),
        })
    }

    /// The people in a channel: the platform's own list where it keeps one, else the members
    /// meridian has seen there.
    pub async fn members_of(&self, channel: &Channel, channel_ref: &ChannelRef) -> Result<Vec<String>, ServiceError> {
        match self.delivery.members(channel_ref).await {
            Ok(Some(members)) => return Ok(members),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(channel = %channel.name, error = %e, "member list unavailable; using meridian's own")
            }
        }
        Ok(self.store.members_of_channel(channel.id).await?.into_iter().map(|m| m.platform_user_id).collect())
    }
}

/// A ledger key as one string, for a platform's own duplicate check (see
/// `ChatPlatform::post_once`).
fn ledger_key(key: &PostKey) -> String {
    format!("{}/{}/{}", key.channel.0, key.purpose, key.occurrence_key)
}
