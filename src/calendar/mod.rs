//! Regional calendars: the event model, its date rules, the TOML file format, the library
//! that answers "which holidays does this region have between these dates", and the review
//! of the culture notes that `meridian calendars check` runs.
//!
//! Everything here is pure: files come in as text, dates go out as values.

mod dir;
mod easter;
mod file;
mod library;
mod milestone;
mod model;
mod occurrence;
mod review;
mod rule;

pub use dir::read_calendar_files;
pub use file::{parse_region_file, FileError, MAX_FILE_BYTES};
pub use library::{shipped_files, CalendarError, Library, RegionCalendar};
pub use milestone::{milestone_occurrences, Milestone};
pub use model::{Culture, Event, Given, Kind, NoteLines, Observed, Region, RegionCode, RegionCodeError, Shift, Tone};
pub use occurrence::{Occurrence, TableGap};
pub use review::{review, SharedText};
pub use rule::{Rule, RuleError};
