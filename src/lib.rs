//! meridian
pub mod calendar;
