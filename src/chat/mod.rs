//! The chat model every platform shares: events in, messages out, and the small trait a
//! platform adapter (console, Slack, Discord) implements. Core logic sees only these types.

mod command;
mod event;
mod message;
mod platform;
mod rich;
mod words;

pub use command::{
    calendar_date, parse as parse_command, split_args, Command, DayRef, MeUpdate, SettingsUpdate, UsageError, YEARS,
};
pub use event::{Actor, Capabilities, ChannelRef, Event, MessageRef, PlatformKind, ReplyTarget, UserRef};
pub use message::{plain_text, Attachment, Block, Button, ButtonStyle, FileRef, Message, Outgoing};
pub use platform::{ChatPlatform, PlatformError, Platforms, UserInfo};
pub use rich::{Rich, Span};
pub use words::{words, UnclosedQuote, Word};
