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

/// The person acting, with the roles the platform reports (Discord roles, Slack admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: String,
    pub display_name: String,
    #[serde(default)]
    pub roles: Vec<String>,
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
    Command { channel: ChannelRef, actor: Actor, command: String, args: String },
    /// A button of one of the bot's messages; `action` and `value` are what the button carried.
    Click { channel: ChannelRef, actor: Actor, message: MessageRef, action: String, value: String },
    /// An emoji reaction added to or removed from a message.
    Reaction { channel: ChannelRef, actor: Actor, message: MessageRef, emoji: String, added: bool },
    /// Someone joined a channel the bot is in.
    MemberJoined { channel: ChannelRef, actor: Actor },
}

impl Event {
    pub fn channel(&self) -> &ChannelRef {
        match self {
            Event::Command { channel, .. }
            | Event::Click { channel, .. }
            | Event::Reaction { channel, .. }
            | Event::MemberJoined { channel, .. } => channel,
        }
    }

    pub fn actor(&self) -> &Actor {
        match self {
            Event::Command { actor, .. }
            | Event::Click { actor, .. }
            | Event::Reaction { actor, .. }
            | Event::MemberJoined { actor, .. } => actor,
        }
    }
}
