//! What the bot says, platform-neutral: a message of blocks (sections, buttons, context
//! lines) with a plain-text fallback, and the ways it can be delivered.

use super::event::{ChannelRef, MessageRef, PlatformKind};
use serde::Serialize;

/// A message; each platform renders the blocks (Block Kit, Discord components, console text)
/// and falls back to `text` where blocks are not shown (notifications, screen readers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Message {
    pub text: String,
    pub blocks: Vec<Block>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Header {
        text: String,
    },
    /// Markdown-ish text: `*bold*`, `_italic_`, line breaks.
    Section {
        text: String,
    },
    /// Small print under a section.
    Context {
        items: Vec<String>,
    },
    Buttons {
        buttons: Vec<Button>,
    },
    Divider,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Button {
    /// What the click means to the core, e.g. `pulse:42`.
    pub action: String,
    pub label: String,
    pub value: String,
    pub style: ButtonStyle,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    #[default]
    Default,
    Primary,
    Danger,
}

/// A file shown with a message where the platform allows (a PNG chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl Message {
    /// A message of one plain section.
    pub fn text(text: impl Into<String>) -> Self {
        let text = text.into();
        Message { blocks: vec![Block::Section { text: text.clone() }], text, attachments: Vec::new() }
    }

    pub fn with_block(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }
}

/// A delivery the core asks for; adapters carry it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A new message in a channel.
    Post { channel: ChannelRef, message: Message },
    /// Replace a message the bot posted earlier (a pulse's live count, a closed poll).
    Update { channel: ChannelRef, message_ref: MessageRef, message: Message },
    /// Visible only to one person in the channel (command answers, vote confirmations).
    Ephemeral { channel: ChannelRef, user_id: String, message: Message },
    /// A direct message to one person (a pulse nudge).
    Direct { platform: PlatformKind, user_id: String, message: Message },
}
