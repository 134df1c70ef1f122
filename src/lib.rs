//! meridian: a chat bot that helps distributed, cross-cultural teams work as one.
//!
//! The crate is a pure core wrapped in adapters:
//! - [`calendar`] — regional calendars: the file format, date rules, substitute days and the
//!   library of shipped regions.
//! - [`cli`] — the command line (`meridian holidays`, `meridian calendars check`, ...).
//! - [`team`] — members, their zones and working hours, who is off, when everyone overlaps.
//! - [`reminders`] — which holiday reminders a channel owes between two instants, and when.
pub mod calendar;
pub mod chat;
pub mod cli;
pub mod reminders;
pub mod team;
