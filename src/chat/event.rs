//! What people do, as the core sees it: a slash command, a button click, a reaction, a
//! member joining — whichever platform it came from.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which platform an event came from or a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlatformKind {
    Console,
    Slack,
    Discord,
}

impl PlatformKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformKind::Console => "console",
            PlatformKind::Slack => "slack",
            PlatformKind::Discord => "discord",
        }
    }
}

impl std::str::FromStr for PlatformKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "console" => Ok(PlatformKind::Console),
            "slack" => Ok(PlatformKind::Slack),
            "discord" => Ok(PlatformKind::Discord),
            other => Err(format!("'{other}' is not a platform (console, slack or discord)")),
        }
    }
}

impl fmt::Display for PlatformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel as the platform names it: workspace (Slack team, Discord guild) and channel ids,
/// plus the human name for messages and the console.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChannelRef {
    pub platform: PlatformKind,
    pub workspace: String,
    pub id: String,
    pub name: String,
}

/// The person acting, and what the platform (or the configuration) lets them do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: String,
    pub display_name: String,
    #[serde(default)]
    pub capabilities: Capabilities,
}

/// What a person may do beyond the everyday commands. Each adapter maps what its platform
/// knows (a Slack admin, a Discord member with Manage Server, a configured role or user id)
/// to these; the core checks only these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Runs pulses and changes what a channel follows and when it posts.
    pub manager: bool,
    /// Changes channels' calendars, settings and milestones, not pulses.
    pub hr: bool,
}

impl Capabilities {
    pub const MANAGER: Capabilities = Capabilities { manager: true, hr: false };
    pub const HR: Capabilities = Capabilities { manager: false, hr: true };
    pub const NONE: Capabilities = Capabilities { manager: false, hr: false };

    /// May change a channel's calendar, settings and milestones.
    pub fn may_configure(self) -> bool {
        self.manager || self.hr
    }

    pub fn union(self, other: Capabilities) -> Capabilities {
        Capabilities { manager: self.manager || other.manager, hr: self.hr || other.hr }
    }
}

/// A person on a platform, for a direct message or a profile lookup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRef {
    pub platform: PlatformKind,
    pub workspace: String,
    pub user_id: String,
}

/// How to answer the person behind a command or a click, privately and after the
/// acknowledgement: the channel and person, and the adapter's own handle (Slack's
/// `response_url`, Discord's interaction token). The core never reads the handle.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReplyTarget {
    pub channel: ChannelRef,
    pub user_id: String,
    pub handle: String,
}

/// A message the bot posted, as the platform identifies it (Slack `ts`, Discord snowflake).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MessageRef(pub String);

impl fmt::Display for MessageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Something a person did that the bot may answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `/meridian follow IN PH`: `command` is `meridian`, `args` is `follow IN PH`.
    Command { channel: ChannelRef, actor: Actor, command: String, args: String, reply: ReplyTarget },
    /// A button of one of the bot's messages; `action` and `value` are what the button carried.
    Click { channel: ChannelRef, actor: Actor, message: MessageRef, action: String, value: String, reply: ReplyTarget },
    /// An emoji reaction added to or removed from a message.
    Reaction { channel: ChannelRef, actor: Actor, message: MessageRef, emoji: String, added: bool },
    /// Someone joined a channel the bot is in.
    MemberJoined { channel: ChannelRef, actor: Actor },
    /// Someone left a channel the bot is in.
    MemberLeft { channel: ChannelRef, actor: Actor },
}

impl Event {
    pub fn channel(&self) -> &ChannelRef {
        match self {
            Event::Command { channel, .. }
            | Event::Click { channel, .. }
            | Event::Reaction { channel, .. }
            | Event::MemberJoined { channel, .. }
            | Event::MemberLeft { channel, .. } => channel,
        }
    }

    pub fn actor(&self) -> &Actor {
        match self {
            Event::Command { actor, .. }
            | Event::Click { actor, .. }
            | Event::Reaction { actor, .. }
            | Event::MemberJoined { actor, .. }
            | Event::MemberLeft { actor, .. } => actor,
        }
    }

    /// Where a private answer goes, for the events that can have one.
    pub fn reply_target(&self) -> Option<&ReplyTarget> {
        match self {
            Event::Command { reply, .. } | Event::Click { reply, .. } => Some(reply),
            _ => None,
        }
    }
}
