//! meridian: a chat bot that helps distributed, cross-cultural teams work as one.
//!
//! The crate is a pure core wrapped in adapters:
//! - [`calendar`] — regional calendars: the file format, date rules, substitute days and the
//!   library of shipped regions.
//! - [`chat`] — platform-neutral events, messages and the `ChatPlatform` trait; slash commands.
//! - [`render`] — message templates in `prompts/messages/`.
//! - [`config`] — `meridian.toml` plus environment secrets.
//! - [`store`] — everything meridian remembers, on SQLite or PostgreSQL.
//! - [`cli`] — the command line (`meridian holidays`, `meridian calendars check`, ...).
//! - [`roster`] — onboarding members from a CSV file.
//! - [`team`] — members, their zones and working hours, who is off, when everyone overlaps.
//! - [`reminders`] — which holiday reminders a channel owes between two instants, and when.
//! - [`brief`] — the daily brief on the customers' regions: holidays, business hours, clock
//!   changes and headlines for a date.
//! - [`service`] — the workflows commands and the scheduler share: delivery (retries, rate
//!   limits, exactly once through the ledger), a channel's calendar, a pulse's life.
//! - [`bot`] — the handler: acknowledge every event at once, then do its work.
//! - [`commands`] and [`scheduler`] — people acting, and time passing; both stand on `service`.
//! - [`feeds`] — ICS feeds of every calendar on the bot's HTTP server.
//! - [`platforms`] — the adapters (console; Slack and Discord).
//! - [`http`] and [`telemetry`] — health, readiness, Prometheus metrics and the logs' format.
pub mod bot;
pub mod brief;
pub mod calendar;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod feeds;
pub mod http;
pub mod period;
pub mod platforms;
pub mod posts;
pub mod pulse;
pub mod reminders;
pub mod render;
pub mod roster;
pub mod scheduler;
pub mod service;
pub mod store;
pub mod team;
pub mod telemetry;
