//! Pulse polls: quick anonymous questions about how colleagues at different locations work
//! together, and results that cannot single anyone out.
//!
//! This is pure core: it reads the question bank files and otherwise takes and returns
//! plain values. The store (votes under a keyed hash), the handler (permissions, buttons)
//! and the scheduler (recurring pulses, closing, nudges) call into it.
//!
//! A pulse's life, and the module for each step:
//!
//! - [`command`]: `/pulse …` text into a [`PulseCommand`] (with [`cron_spec`] for schedules).
//! - [`bank`] and [`question`]: the question to ask, drawn deterministically from
//!   `prompts/pulse/*.toml`, or the manager's own.
//! - [`prompt`]: the message people answer, its buttons, and the reply to a click.
//! - [`nudge`]: whether to remind non-voters shortly before closing, and what to say.
//! - [`tally`]: vote counts from the store into disclosed results (the anonymity rule
//!   lives here) and the trend against the previous pulse of the question.
//! - [`results`] and [`chart`]: the results message, text bars and a PNG chart.
//! - [`export`]: aggregates as CSV.
//! - [`id`]: the pulse number people type.

pub mod bank;
pub mod chart;
pub mod command;
pub mod cron_spec;
pub mod export;
pub mod id;
pub mod nudge;
pub mod prompt;
pub mod question;
pub mod results;
pub mod tally;

use chrono::TimeDelta;

pub use bank::{BankError, QuestionBank};
pub use chart::{Bar, ChartData, ChartError};
pub use command::{CommandError, PulseCommand, QuestionSpec, MANAGER_ONLY, USAGE};
pub use cron_spec::{CronError, CronSpec};
pub use export::{to_csv, PulseRecord};
pub use id::PulseId;
pub use nudge::{nudge_at, nudge_due, nudge_message, DEFAULT_NUDGE_LEAD};
pub use prompt::{Button, Choice, NotAChoice, PulsePrompt, PULSE_CLOSED, VOTE_RECORDED};
pub use question::{AnswerKind, Question, QuestionId, Theme};
pub use results::{PulseResults, ResultsInput};
pub use tally::{Direction, Tally, Trend, VoteCount, DEFAULT_MIN_GROUP};

/// How long a pulse stays open when the command does not say (`for:`).
pub const DEFAULT_DURATION: TimeDelta = TimeDelta::days(1);
