//! The contract every chat platform adapter keeps: deliver messages, answer through a reply
//! target, upload files, say who is in a channel, and report failures as the platform really
//! returns them. Events flow the other way, from the adapter's listener into the handler.

use super::event::{ChannelRef, MessageRef, PlatformKind, ReplyTarget, UserRef};
use super::message::{Attachment, FileRef, Message, Outgoing};
use async_trait::async_trait;
use chrono_tz::Tz;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// A failed call to a platform, sorted by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlatformError {
    /// Too many calls: wait `retry_after`, then the same call may succeed.
    #[error("{platform} is rate limiting meridian; retry after {retry_after:?}")]
    RateLimited { platform: PlatformKind, retry_after: Duration },
    /// The platform could not be reached or failed on its side (network, 5xx, timeout):
    /// trying again later may work.
    #[error("{platform} could not be reached: {reason}")]
    Unavailable { platform: PlatformKind, reason: String },
    /// The channel, message or person does not exist, or the bot cannot see it.
    #[error("{platform}: {what} was not found")]
    NotFound { platform: PlatformKind, what: String },
    /// The bot is not allowed to do this there (not in the channel, missing permission).
    #[error("{platform} refused: {reason}")]
    Forbidden { platform: PlatformKind, reason: String },
    /// The platform refused the request itself (a malformed message); sending it again
    /// would be refused again.
    #[error("{platform} rejected the request: {reason}")]
    Rejected { platform: PlatformKind, reason: String },
    /// No connection serves this platform and workspace.
    #[error("{platform} workspace '{workspace}' is not connected")]
    NotConnected { platform: PlatformKind, workspace: String },
}

impl PlatformError {
    /// Whether the same call may succeed later; permanent failures are reported, not retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, PlatformError::RateLimited { .. } | PlatformError::Unavailable { .. })
    }
}

/// What a platform knows of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub display_name: String,
    pub timezone: Option<Tz>,
    pub is_admin: bool,
    pub is_owner: bool,
    pub is_bot: bool,
}

#[async_trait]
pub trait ChatPlatform: Send + Sync {
    fn kind(&self) -> PlatformKind;

    /// The least time between two messages in one channel that the platform asks for
    /// (Slack: one a second). The delivery layer spaces bursts accordingly.
    fn pacing(&self) -> Duration {
        Duration::ZERO
    }

    /// Posts a new message and returns the platform's id for it.
    async fn post(&self, channel: &ChannelRef, message: &Message) -> Result<MessageRef, PlatformError>;

    /// Posts a message the ledger knows by `key`. A platform that can recognise a repeat of
    /// a recent post by a key of its own (Discord's `nonce` with `enforce_nonce`) passes it,
    /// so a post sent again after a lost answer or a crash appears once; others just post.
    async fn post_once(
        &self,
        channel: &ChannelRef,
        message: &Message,
        _key: &str,
    ) -> Result<MessageRef, PlatformError> {
        self.post(channel, message).await
    }

    async fn update(
        &self,
        channel: &ChannelRef,
        message_ref: &MessageRef,
        message: &Message,
    ) -> Result<(), PlatformError>;

    /// A private answer through an event's reply target.
    async fn reply(&self, to: &ReplyTarget, message: &Message) -> Result<(), PlatformError>;

    /// The work after an acknowledgement is over; `replied` tells whether anything went
    /// through the reply target. (Discord removes its "thinking..." placeholder when not.)
    async fn settle(&self, _to: &ReplyTarget, _replied: bool) -> Result<(), PlatformError> {
        Ok(())
    }

    /// A message only `user_id` sees in the channel, unprompted; a platform that cannot show
    /// one sends it as a direct message instead.
    async fn ephemeral(&self, channel: &ChannelRef, user_id: &str, message: &Message) -> Result<(), PlatformError>;

    async fn direct(&self, user: &UserRef, message: &Message) -> Result<(), PlatformError>;

    /// Stores a file for a message to show. `None`: this platform sends files inline with
    /// the message, so the attachment stays where it is.
    async fn upload(&self, _channel: &ChannelRef, _file: &Attachment) -> Result<Option<FileRef>, PlatformError> {
        Ok(None)
    }

    /// The people in a channel (user ids, bots left out). `None`: the platform keeps no
    /// member list meridian can read, and meridian's own record stands in.
    async fn members(&self, channel: &ChannelRef) -> Result<Option<Vec<String>>, PlatformError>;

    /// What the platform knows of a person, if anything.
    async fn user(&self, user: &UserRef) -> Result<Option<UserInfo>, PlatformError>;

    /// The bearer token that reads a file shared on this platform at `url` (a Slack file
    /// link needs the bot's token), or `None` for a link anyone with it may read.
    fn file_token(&self, _url: &str) -> Option<String> {
        None
    }
}

/// The connections this process holds: one per platform that serves all its workspaces
/// (a Discord bot, the console), or one per workspace (Slack, one token per team).
#[derive(Clone, Default)]
pub struct Platforms {
    any_workspace: HashMap<PlatformKind, Arc<dyn ChatPlatform>>,
    by_workspace: HashMap<(PlatformKind, String), Arc<dyn ChatPlatform>>,
}

impl Platforms {
    /// A connection that serves every workspace of its platform.
    pub fn add(&mut self, platform: Arc<dyn ChatPlatform>) {
        self.any_workspace.insert(platform.kind(), platform);
    }

    /// A connection for one workspace; it wins over a connection for all of them.
    pub fn add_workspace(&mut self, workspace: impl Into<String>, platform: Arc<dyn ChatPlatform>) {
        self.by_workspace.insert((platform.kind(), workspace.into()), platform);
    }

    pub fn is_empty(&self) -> bool {
        self.any_workspace.is_empty() && self.by_workspace.is_empty()
    }

    pub fn get(&self, kind: PlatformKind, workspace: &str) -> Result<&Arc<dyn ChatPlatform>, PlatformError> {
        self.by_workspace
            .get(&(kind, workspace.to_string()))
            .or_else(|| self.any_workspace.get(&kind))
            .ok_or_else(|| PlatformError::NotConnected { platform: kind, workspace: workspace.to_string() })
    }

    pub fn for_channel(&self, channel: &ChannelRef) -> Result<&Arc<dyn ChatPlatform>, PlatformError> {
        self.get(channel.platform, &channel.workspace)
    }

    /// Carries out one delivery, once, with no retry; a new post returns its message id.
    pub async fn deliver(&self, outgoing: &Outgoing) -> Result<Option<MessageRef>, PlatformError> {
        self.deliver_keyed(outgoing, None).await
    }

    /// [`Platforms::deliver`] of a post the ledger knows by `key` (see `ChatPlatform::post_once`).
    pub async fn deliver_keyed(
        &self,
        outgoing: &Outgoing,
        key: Option<&str>,
    ) -> Result<Option<MessageRef>, PlatformError> {
        let (kind, workspace) = outgoing.workspace();
        let platform = self.get(kind, workspace)?;
        match outgoing {
            Outgoing::Post { channel, message } => match key {
                Some(key) => platform.post_once(channel, message, key).await.map(Some),
                None => platform.post(channel, message).await.map(Some),
            },
            Outgoing::Update { channel, message_ref, message } => {
                platform.update(channel, message_ref, message).await.map(|()| None)
            }
            Outgoing::Reply { to, message } => platform.reply(to, message).await.map(|()| None),
            Outgoing::Ephemeral { channel, user_id, message } => {
                platform.ephemeral(channel, user_id, message).await.map(|()| None)
            }
            Outgoing::Direct { user, message } => platform.direct(user, message).await.map(|()| None),
        }
    }
}
