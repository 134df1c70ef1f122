//! Platform adapters: each turns its platform's events into `chat::Event`s for the bot and
//! carries the bot's `Outgoing` deliveries back. Only adapters know a platform's types.

pub mod console;
pub mod discord;
pub mod slack;
