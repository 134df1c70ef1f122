//! Pulse polls: quick anonymous questions about how onshore and offshore colleagues work
//! together, and their results.
pub mod bank;
pub mod command;
pub mod cron_spec;
pub mod id;
pub mod question;
