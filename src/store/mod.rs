//! The store: everything meridian remembers, behind one interface in the words of the domain.
//!
//! [`Store::connect`] takes a database URL (`sqlite://meridian.db`, created if missing, or
//! `postgres://...` when several instances of the bot share state; commands that only read
//! use [`Store::connect_existing`], which creates nothing), applies the migrations embedded in
//! the binary, and hides which of the two it is: every operation below runs the
//! same SQL on both, except where a comment says otherwise. The same test suite
//! (`tests/store.rs`) runs against both.
//!
//! Conventions: instants are `DateTime<Utc>` and always come from the caller (the store never
//! reads the clock), dates are `NaiveDate`, times of day `NaiveTime`, time zones IANA names
//! read back as `chrono_tz::Tz`; region codes are ISO 3166 codes kept upper-case.
//!
//! One file per area, each adding its part of `impl Store` and reading rows into structs
//! (`sqlx::FromRow`) that convert to the domain types: `channels.rs` (workspaces, channels,
//! their regions), `members.rs`, `events.rs` (custom events, milestones, HR's imported
//! calendars), `pulses.rs` (pulses, schedules, vote counts), `votes.rs` (the vote writer),
//! `posts.rs` (the post ledger), `reactions.rs`, `briefs.rs`, `jobs.rs`.
//!
//! Votes are anonymous by construction; `votes.rs` explains how, and why acknowledged votes
//! are durable without costing one fsync each. No function here returns who voted what, and
//! once a pulse's results are out, [`Store::seal_votes`] leaves its rows no more telling than
//! the results.

mod backend;
mod sole_use;
mod votes;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use chrono_tz::Tz;
use tokio::sync::mpsc;

use backend::Backend;
pub use backend::BackendKind;
pub use sole_use::SoleUse;
use votes::VoteRequest;

/// What can go wrong in the store. `NotFound`, `PulseClosed` and `NoSuchChoice` are answers
/// for the person who acted; `NoDatabase` and `UnsupportedUrl` are for the operator to fix;
/// the rest mean something broke.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL must start with sqlite: or postgres:// (got scheme '{scheme}')")]
    UnsupportedUrl { scheme: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not apply the database migrations: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("no {what} with id {id}")]
    NotFound { what: &'static str, id: i64 },
    #[error("pulse {0} is closed")]
    PulseClosed(PulseId),
    #[error("pulse {pulse} has {options} options; there is no option {choice}")]
    NoSuchChoice { pulse: PulseId, choice: u32, options: i64 },
    #[error("the vote was not saved: {0}")]
    VoteNotSaved(Arc<sqlx::Error>),
    #[error("the vote writer has stopped")]
    WriterGone,
    #[error("stored {what} '{value}' cannot be read: {reason}")]
    Corrupt { what: &'static str, value: String, reason: String },
    /// [`Store::seal_votes`] on a pulse that has not closed: its segments are still needed.
    #[error("pulse {0} is still open; its votes can be sealed only once it has closed")]
    PulseStillOpen(PulseId),
    /// [`Store::connect_existing`] was given a SQLite file that does not exist.
    #[error("no database at {}; run `meridian run` or `meridian migrate` first", .path.display())]
    NoDatabase { path: PathBuf },
    /// PostgreSQL did not answer at start.
    #[error("cannot reach PostgreSQL at {host}:{port}: {reason}")]
    Unreachable { host: String, port: u16, reason: String },
    /// A SQLite URL without a file name (`sqlite://`).
    #[error("the SQLite URL names no file; write one such as sqlite://meridian.db (or sqlite::memory:)")]
    NoPath,
    /// Another bot process uses this SQLite file (see [`SoleUse`]).
    #[error("{} is in use: {reason}", .path.display())]
    InUse { path: PathBuf, reason: String },
}

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

ids! {
    /// A Slack workspace, a Discord guild, or the console.
    WorkspaceId,
    ChannelId,
    MemberId,
    CustomEventId,
    PulseScheduleId,
    /// A row in the post ledger.
    PostId,
}

/// Where a workspace lives: the chat model's platform kind.
pub use crate::chat::PlatformKind as Platform;
/// The pulse core's number for a pulse is the store's row id.
pub use crate::pulse::PulseId;

/// How durable a commit is on this backend, for start-up logs and readiness checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Durability {
    Sqlite { journal_mode: String, synchronous: String },
    Postgres { synchronous_commit: String, fsync: String },
}

/// Runs `$body` once for each backend, with `$pool` bound to that backend's pool.
macro_rules! on_pool {
    ($store:expr, |$pool:ident| $body:expr) => {
        match &$store.backend {
            Backend::Sqlite($pool) => $body,
            Backend::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` in a write transaction, with `$tx` bound to it; commits if `$body` did not
/// return early. On SQLite the transaction takes the write lock at BEGIN (IMMEDIATE): a
/// deferred one that reads first can fail with "database is locked" when it tries to write,
/// without waiting for the busy timeout.
macro_rules! in_transaction {
    ($store:expr, |$tx:ident| $body:expr) => {
        match &$store.backend {
            Backend::Sqlite(pool) => {
                let mut $tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            Backend::Postgres(pool) => {
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

// Declared after the macros above, which they use.
mod briefs;
mod channels;
mod events;
mod jobs;
mod leases;
mod ledger;
mod members;
mod posts;
mod pulses;
mod reactions;
pub use briefs::{BriefEvent, NewBriefEvent};
pub use channels::{Channel, ChannelSettings, Workspace};
pub use events::{CustomEvent, EventKind, EventScope, ImportedCalendar, NewCustomEvent};
pub use members::{ImportedMember, Member, MemberProfile, WorkingHours};
pub use posts::{Claim, ClaimOutcome, Post, PostKey, Purpose};
pub use pulses::{NewPulse, NewPulseSchedule, Pulse, PulseSchedule, VoteCount, VoteOutcome};
pub use reactions::Reaction;

/// The handle the rest of meridian holds. Cheap to clone; clones share one pool and one vote
/// writer.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    votes: mpsc::Sender<VoteRequest>,
    channel_defaults: Arc<ChannelSettings>,
}

fn corrupt(what: &'static str, value: &str, reason: impl fmt::Display) -> StoreError {
    StoreError::Corrupt { what, value: value.to_string(), reason: reason.to_string() }
}

fn parse_tz(value: &str) -> Result<Tz, StoreError> {
    value.parse().map_err(|e| corrupt("time zone", value, e))
}

fn parse_platform(value: &str) -> Result<Platform, StoreError> {
    value.parse().map_err(|e| corrupt("platform", value, e))
}

fn normalize_region(region: &str) -> String {
    region.trim().to_ascii_uppercase()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// Opens the database the URL names (creating a SQLite file if missing) and brings its
    /// schema up to date.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect_without_migrating(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Like [`Store::connect`], but never creates a database: a SQLite URL naming a file that
    /// does not exist is [`StoreError::NoDatabase`], where `connect` would create an empty
    /// one. For commands that only read what a running bot wrote (`meridian preview`,
    /// `meridian pulse export`), so a mistyped path is reported instead of answered from an
    /// empty database. An existing database is migrated as `connect` does. PostgreSQL, and a
    /// SQLite in-memory database (which has no file to be missing), open as with `connect`.
    pub async fn connect_existing(url: &str) -> Result<Store, StoreError> {
        let store = Store::open(url, backend::IfMissing::Refuse).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without touching its schema (for `meridian migrate`, which then
    /// calls [`Store::migrate`] and reports the version).
    pub async fn connect_without_migrating(url: &str) -> Result<Store, StoreError> {
        Store::open(url, backend::IfMissing::Create).await
    }

    async fn open(url: &str, if_missing: backend::IfMissing) -> Result<Store, StoreError> {
        let backend = backend::open(url, if_missing).await?;
        let votes = votes::spawn_writer(backend.clone());
        Ok(Store { backend, votes, channel_defaults: Arc::new(ChannelSettings::default()) })
    }

    /// Settings given to channels the store has not seen before (from `[defaults]` in
    /// meridian.toml).
    pub fn with_channel_defaults(mut self, defaults: ChannelSettings) -> Store {
        self.channel_defaults = Arc::new(defaults);
        self
    }

    pub fn kind(&self) -> BackendKind {
        match self.backend {
            Backend::Sqlite(_) => BackendKind::Sqlite,
            Backend::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Applies any migrations not yet applied; a no-op on an up-to-date database.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        backend::migrate(&self.backend).await
    }

    /// The newest migration applied, `None` on an empty database.
    pub async fn schema_version(&self) -> Result<Option<i64>, StoreError> {
        let sql = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";
        let result: Result<Option<i64>, sqlx::Error> =
            on_pool!(self, |pool| sqlx::query_scalar(sql).fetch_one(pool).await);
        match result {
            Ok(version) => Ok(version),
            // No bookkeeping table yet: nothing applied.
            Err(sqlx::Error::Database(e)) if e.message().contains("_sqlx_migrations") => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Reports how durable a commit is, as the database itself sees it.
    pub async fn durability(&self) -> Result<Durability, StoreError> {
        Ok(match &self.backend {
            Backend::Sqlite(pool) => {
                let mut conn = pool.acquire().await?;
                let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await?;
                let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await?;
                let synchronous = match synchronous {
                    0 => "off",
                    1 => "normal",
                    2 => "full",
                    3 => "extra",
                    _ => "unknown",
                };
                Durability::Sqlite { journal_mode, synchronous: synchronous.to_string() }
            }
            Backend::Postgres(pool) => {
                let synchronous_commit: String = sqlx::query_scalar("SHOW synchronous_commit").fetch_one(pool).await?;
                let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(pool).await?;
                Durability::Postgres { synchronous_commit, fsync }
            }
        })
    }

    /// Closes every connection; waits for queries in flight. A vote still queued for the
    /// writer is then answered with an error, never acknowledged.
    pub async fn close(&self) {
        on_pool!(self, |pool| pool.close().await)
    }
}
