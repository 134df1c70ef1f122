//! Pulse polls: quick anonymous questions about how onshore and offshore colleagues work
//! together, and their results.
pub mod bank;
pub mod chart;
pub mod command;
pub mod cron_spec;
pub mod export;
pub mod id;
pub mod nudge;
pub mod question;
pub mod results;
pub mod tally;
