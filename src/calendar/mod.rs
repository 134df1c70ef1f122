//! Regional calendars: the event model, its date rules, the TOML file format, the library
//! that answers "which holidays does this region have between these dates", and the review
//! of the culture notes that `meridian calendars check` runs.
//!
//! Everything here is pure: files come in as text, dates go out as values.

pub mod command;
mod compare;
mod dir;
mod easter;
mod file;
pub mod held;
mod ics;
mod library;
mod live;
pub mod lunar;
mod milestone;
mod model;
mod occurrence;
mod review;
mod rule;

pub use compare::{compare, Comparison};
pub use dir::read_calendar_files;
pub use file::{parse_region_file, slug, FileError, MAX_FILE_BYTES};
pub use ics::{read_ics, write_ics, IcsError, IcsEvent, MAX_DATES_PER_EVENT, MAX_DAYS, MAX_EVENTS, MAX_ICS_BYTES};
pub use library::{shipped_files, CalendarError, Library, RegionCalendar};
pub use live::{LiveLibrary, Reload};
pub use milestone::{milestone_occurrences, Milestone};
pub use model::{
    Culture, Event, Given, Kind, NoteLines, Observed, Region, RegionCode, RegionCodeError, Shift, Tone,
    MAX_COMPANY_CODE,
};
pub use occurrence::{NotAnOccurrenceKey, Occurrence, OccurrenceKey, TableGap};
pub use review::{review, SharedText};
pub use rule::{Rule, RuleError};
