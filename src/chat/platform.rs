//! The trait a chat platform adapter implements: deliver messages. Events flow the other way,
//! from the adapter's own listener into the handler.

use super::event::{ChannelRef, MessageRef, PlatformKind};
use super::message::Message;
use async_trait::async_trait;

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
