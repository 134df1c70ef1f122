//! meridian
pub mod calendar;
pub mod pulse;
