//! What the bot says, platform-neutral: a message of blocks (sections of rich text, buttons,
//! small print, images) with a plain-text fallback, and the ways it can be delivered.

use super::event::{ChannelRef, MessageRef, ReplyTarget, UserRef};
use super::rich::Rich;
use serde::{Deserialize, Serialize};

/// A message; each platform renders the blocks (Block Kit, Discord embeds and components,
/// console text) and falls back to `text` where blocks are not shown (notifications, screen
/// readers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub text: String,
    pub blocks: Vec<Block>,
    /// Files that travel with the message. Before sending, the delivery layer offers each to
    /// the platform's [`upload`](super::ChatPlatform::upload); a file the platform stores on
    /// its own is then shown through its [`FileRef::Uploaded`] and leaves this list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// A title line, plain text.
    Header {
        text: String,
    },
    Section {
        text: Rich,
    },
    /// Small print under a section.
    Context {
        items: Vec<Rich>,
    },
    Buttons {
        buttons: Vec<Button>,
    },
    Divider,
    /// A picture: a file of the message, or one uploaded before.
    Image {
        file: FileRef,
        alt: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// What the click means to the core, e.g. `pulse`.
    pub action: String,
    pub label: String,
    pub value: String,
    pub style: ButtonStyle,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ButtonStyle {
    #[default]
    Default,
    Primary,
    Danger,
}

/// A file sent with a message (a PNG chart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    #[serde(skip, default)]
    pub bytes: Vec<u8>,
}

/// Which file an [`Block::Image`] shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileRef {
    /// The message's own attachment of this name (sent inline with it).
    Attachment { name: String },
    /// A file the platform already holds (Slack's file id), with its address if it has one.
    Uploaded { id: String, url: Option<String> },
}

impl Message {
    /// A message of one section, from meridian markup.
    pub fn text(markup: impl AsRef<str>) -> Self {
        Message::of(vec![Block::Section { text: Rich::parse(markup.as_ref()) }])
    }

    /// A message of these blocks, with the plain-text fallback made from them.
    pub fn of(blocks: Vec<Block>) -> Self {
        Message { text: plain_text(&blocks), blocks, attachments: Vec::new() }
    }

    /// Adds a file, shown as an image block where the blocks are.
    pub fn with_image(mut self, attachment: Attachment, alt: impl Into<String>) -> Self {
        let file = FileRef::Attachment { name: attachment.name.clone() };
        // Above the small print, where a reader expects the picture.
        let at = self.blocks.iter().rposition(|b| !matches!(b, Block::Context { .. })).map_or(0, |i| i + 1);
        self.blocks.insert(at, Block::Image { file, alt: alt.into() });
        self.attachments.push(attachment);
        self
    }

    /// Replaces the attachment `name` by a file the platform holds.
    pub fn uploaded(&mut self, name: &str, file: FileRef) {
        self.attachments.retain(|a| a.name != name);
        for block in &mut self.blocks {
            if let Block::Image { file: f @ FileRef::Attachment { .. }, .. } = block {
                if matches!(f, FileRef::Attachment { name: n } if n == name) {
                    *f = file.clone();
                }
            }
        }
    }
}

/// The plain-text fallback of blocks: what notifications and screen readers get.
pub fn plain_text(blocks: &[Block]) -> String {
    let mut parts = Vec::new();
    for block in blocks {
        match block {
            Block::Header { text } => parts.push(text.clone()),
            Block::Section { text } => parts.push(text.to_plain()),
            Block::Context { items } => parts.push(items.iter().map(Rich::to_plain).collect::<Vec<_>>().join(" · ")),
            Block::Buttons { buttons } => {
                parts.push(buttons.iter().map(|b| format!("[{}]", b.label)).collect::<Vec<_>>().join(" "))
            }
            Block::Image { alt, .. } if !alt.is_empty() => parts.push(alt.clone()),
            Block::Image { .. } | Block::Divider => {}
        }
    }
    parts.join("\n")
}

/// A delivery the core asks for; the delivery layer and the adapters carry it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    /// A new message in a channel.
    Post { channel: ChannelRef, message: Message },
    /// Replace a message the bot posted earlier (a pulse's live count, a closed poll).
    Update { channel: ChannelRef, message_ref: MessageRef, message: Message },
    /// A private answer to the person whose command or click this is, through the event's
    /// own reply target (Slack `response_url`, Discord interaction token): the only way
    /// Discord can show a message to one person.
    Reply { to: ReplyTarget, message: Message },
    /// Visible only to one person in the channel, unprompted (a welcome on joining). A
    /// platform that cannot show it there sends it as a direct message.
    Ephemeral { channel: ChannelRef, user_id: String, message: Message },
    /// A direct message to one person (a pulse nudge).
    Direct { user: UserRef, message: Message },
}

impl Outgoing {
    pub fn message(&self) -> &Message {
        match self {
            Outgoing::Post { message, .. }
            | Outgoing::Update { message, .. }
            | Outgoing::Reply { message, .. }
            | Outgoing::Ephemeral { message, .. }
            | Outgoing::Direct { message, .. } => message,
        }
    }

    pub fn message_mut(&mut self) -> &mut Message {
        match self {
            Outgoing::Post { message, .. }
            | Outgoing::Update { message, .. }
            | Outgoing::Reply { message, .. }
            | Outgoing::Ephemeral { message, .. }
            | Outgoing::Direct { message, .. } => message,
        }
    }

    /// The channel it appears in, when it appears in one.
    pub fn channel(&self) -> Option<&ChannelRef> {
        match self {
            Outgoing::Post { channel, .. } | Outgoing::Update { channel, .. } | Outgoing::Ephemeral { channel, .. } => {
                Some(channel)
            }
            Outgoing::Reply { to, .. } => Some(&to.channel),
            Outgoing::Direct { .. } => None,
        }
    }

    /// The platform and workspace whose connection carries it.
    pub fn workspace(&self) -> (super::PlatformKind, &str) {
        match self {
            Outgoing::Direct { user, .. } => (user.platform, &user.workspace),
            other => {
                let channel = other.channel().expect("every other delivery names a channel");
                (channel.platform, &channel.workspace)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_sits_above_the_small_print_and_can_be_swapped_for_an_upload() {
        let message = Message::of(vec![
            Block::Header { text: "Results".into() },
            Block::Section { text: Rich::plain("3 answers") },
            Block::Context { items: vec![Rich::plain("anonymous")] },
        ]);
        let png = Attachment { name: "pulse-1.png".into(), mime: "image/png".into(), bytes: vec![1, 2] };
        let mut message = message.with_image(png, "chart");
        assert!(matches!(message.blocks[2], Block::Image { file: FileRef::Attachment { .. }, .. }));
        message.uploaded("pulse-1.png", FileRef::Uploaded { id: "F1".into(), url: None });
        assert!(message.attachments.is_empty());
        assert_eq!(
            message.blocks[2],
            Block::Image { file: FileRef::Uploaded { id: "F1".into(), url: None }, alt: "chart".into() }
        );
    }
}
