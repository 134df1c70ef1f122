//! The chat model every platform shares: events in, messages out, and the small trait a
//! platform adapter (console, Slack, Discord) implements. Core logic sees only these types.

mod command;
mod event;
mod message;
mod platform;

pub use command::{parse as parse_command, split_args, Command, DayRef, MeUpdate, SettingsUpdate, UsageError};
pub use event::{Actor, ChannelRef, Event, MessageRef, PlatformKind};
pub use message::{Attachment, Block, Button, ButtonStyle, Message, Outgoing};
pub use platform::{ChatPlatform, PlatformError, Platforms};
