//! The trait a chat platform adapter implements: deliver messages. Events flow the other way,
//! from the adapter's own listener into the handler.

use super::event::{ChannelRef, MessageRef, PlatformKind};
use super::message::{Message, Outgoing};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("{platform} rejected the request: {reason}")]
    Rejected { platform: PlatformKind, reason: String },
    #[error("{platform} could not be reached: {reason}")]
    Unreachable { platform: PlatformKind, reason: String },
}

#[async_trait]
pub trait ChatPlatform: Send + Sync {
    fn kind(&self) -> PlatformKind;

    /// Posts a new message and returns the platform's id for it.
    async fn post(&self, channel: &ChannelRef, message: &Message) -> Result<MessageRef, PlatformError>;

    async fn update(
        &self,
        channel: &ChannelRef,
        message_ref: &MessageRef,
        message: &Message,
    ) -> Result<(), PlatformError>;

    async fn ephemeral(&self, channel: &ChannelRef, user_id: &str, message: &Message) -> Result<(), PlatformError>;

    async fn direct(&self, user_id: &str, message: &Message) -> Result<(), PlatformError>;
}

/// The platforms this process is connected to, by kind; deliveries go to the right one.
#[derive(Clone, Default)]
pub struct Platforms(HashMap<PlatformKind, Arc<dyn ChatPlatform>>);

impl Platforms {
    pub fn add(&mut self, platform: Arc<dyn ChatPlatform>) {
        self.0.insert(platform.kind(), platform);
    }

    pub fn get(&self, kind: PlatformKind) -> Result<&Arc<dyn ChatPlatform>, PlatformError> {
        self.0.get(&kind).ok_or(PlatformError::Rejected { platform: kind, reason: "not connected".into() })
    }

    /// Carries out one delivery; a new post returns its message id.
    pub async fn deliver(&self, outgoing: &Outgoing) -> Result<Option<MessageRef>, PlatformError> {
        match outgoing {
            Outgoing::Post { channel, message } => self.get(channel.platform)?.post(channel, message).await.map(Some),
            Outgoing::Update { channel, message_ref, message } => {
                self.get(channel.platform)?.update(channel, message_ref, message).await.map(|()| None)
            }
            Outgoing::Ephemeral { channel, user_id, message } => {
                self.get(channel.platform)?.ephemeral(channel, user_id, message).await.map(|()| None)
            }
            Outgoing::Direct { platform, user_id, message } => {
                self.get(*platform)?.direct(user_id, message).await.map(|()| None)
            }
        }
    }
}
