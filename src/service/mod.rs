//! The workflows that commands and the scheduler share, each in one place: delivering posts
//! (with retries, and exactly once through the ledger), a channel's calendar, a pulse's life.
//! Commands and the scheduler both stand on this layer and never call each other.

pub mod calendar;
pub mod delivery;
pub mod pulses;

use crate::calendar::Library;
use crate::chat::{ChannelRef, Outgoing, PlatformError};
use crate::clock::Clock;
use crate::config::Config;
use crate::pulse::QuestionBank;
use crate::render::{RenderError, Templates};
use crate::store::{Channel, ClaimOutcome, PostKey, Store, StoreError};
use chrono::{DateTime, Utc};
use delivery::Delivery;
use std::sync::Arc;

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

/// Everything the workflows need, built once at start and shared.
pub struct Services {
    pub store: Store,
    pub delivery: Delivery,
    pub library: Arc<Library>,
    pub templates: Arc<Templates>,
    pub bank: Arc<QuestionBank>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// This process's name on its ledger claims.
    pub instance: String,
}

/// What [`Services::deliver_once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Once {
    /// Sent now; the platform's id for a new post.
    Sent(Option<crate::chat::MessageRef>),
    /// It went out before: nothing to do.
    AlreadyDelivered,
    /// Another instance holds the claim and may be sending it now: ask again later.
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
        let post = match self.store.claim_or_reclaim(key, &self.instance, now).await? {
            ClaimOutcome::Mine(post) => post,
            ClaimOutcome::Delivered => return Ok(Once::AlreadyDelivered),
            ClaimOutcome::Held => return Ok(Once::Held),
        };
        let Some(outgoing) = build().await? else {
            self.store.mark_delivered(post, "", now).await?;
            return Ok(Once::Nothing);
        };
        let ledger_key = format!("{}/{}/{}", key.channel.0, key.purpose, key.occurrence_key);
        match self.delivery.send_keyed(&outgoing, Some(&ledger_key)).await {
            Ok(message_ref) => {
                let id = message_ref.as_ref().map(|r| r.0.as_str()).unwrap_or_default();
                self.store.mark_delivered(post, id, now).await?;
                Ok(Once::Sent(message_ref))
            }
            Err(e) => {
                tracing::warn!(purpose = %key.purpose, key = %key.occurrence_key, error = %e, "not delivered; will retry");
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
