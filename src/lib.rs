//! meridian
pub mod calendar;
pub mod config;
pub mod store;
