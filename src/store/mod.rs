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
//! Votes are anonymous by construction; `votes.rs` explains how, and why acknowledged votes
//! are durable without costing one fsync each. No function here returns who voted what, and
//! once a pulse's results are out, [`Store::seal_votes`] leaves its rows no more telling than
//! the results.

mod backend;
mod sole_use;
mod votes;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use chrono_tz::Tz;
use tokio::sync::{mpsc, oneshot};

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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
}

/// How a channel wants its reminders and brief.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelSettings {
    /// The channel's local time, in which the cron schedule and the brief time are read.
    pub timezone: Tz,
    /// When reminders are posted (stored as its five-field cron expression).
    pub reminder_schedule: PostingSchedule,
    /// How many days ahead of an event to remind, e.g. `[7, 1, 0]`.
    pub lead_days: Vec<u32>,
    /// Local time of the daily brief; `None` for no brief.
    pub brief_time: Option<NaiveTime>,
}

impl Default for ChannelSettings {
    fn default() -> Self {
        ChannelSettings {
            timezone: Tz::UTC,
            reminder_schedule: PostingSchedule::default(),
            lead_days: vec![7, 1, 0],
            brief_time: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Channel {
    pub id: ChannelId,
    pub workspace: WorkspaceId,
    pub platform: Platform,
    pub external_id: String,
    pub name: String,
    pub settings: ChannelSettings,
    /// Regions whose holidays this channel is reminded of, sorted.
    pub followed_regions: Vec<String>,
    /// Regions the channel's customers are in (for the brief), sorted.
    pub customer_regions: Vec<String>,
}

use crate::calendar::RegionCode;
use crate::reminders::PostingSchedule;
/// A member's hours: the team module's type, stored as two times of day.
pub use crate::team::WorkingHours;

/// What a member has told the bot about themselves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberProfile {
    /// The nation (`IN`), and the subdivision within it when known (`IN-KA`).
    pub region: Option<RegionCode>,
    pub subdivision: Option<RegionCode>,
    pub timezone: Option<Tz>,
    pub working_hours: Option<WorkingHours>,
    /// Asked not to be mentioned or nudged.
    pub opted_out: bool,
    /// The company calendar HR gave them (`ACME-PUNE`), beside their region: whose days off
    /// they get when it is set.
    pub calendar: Option<RegionCode>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub workspace: WorkspaceId,
    pub platform_user_id: String,
    pub display_name: String,
    pub profile: MemberProfile,
}

impl Member {
    /// The team module's view of a stored member (who is off, overlap).
    pub fn team_profile(&self) -> crate::team::MemberProfile {
        let p = &self.profile;
        crate::team::MemberProfile {
            user_id: self.platform_user_id.clone(),
            display_name: self.display_name.clone(),
            region: p.subdivision.clone().or_else(|| p.region.clone()),
            calendar: p.calendar.clone(),
            timezone: p.timezone,
            hours: p.working_hours,
            opted_out: p.opted_out,
        }
    }
}

/// One row of a members CSV, as the store writes it: what is `None` is left as it was (a new
/// member starts with it unset). A region given replaces the subdivision too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportedMember {
    pub platform_user_id: String,
    /// The name to show; a new member without one is shown by their user id.
    pub display_name: Option<String>,
    pub region: Option<String>,
    pub subdivision: Option<String>,
    pub calendar: Option<String>,
    pub timezone: Option<Tz>,
    pub working_hours: Option<WorkingHours>,
}

/// Who sees a custom event: one channel, or every channel of a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventScope {
    Workspace(WorkspaceId),
    Channel(ChannelId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Event,
    Milestone,
}

impl EventKind {
    fn as_str(self) -> &'static str {
        match self {
            EventKind::Event => "event",
            EventKind::Milestone => "milestone",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCustomEvent {
    pub scope: EventScope,
    pub name: String,
    pub date: NaiveDate,
    /// Recurs on the same month and day every year (a founding day, not a launch).
    pub yearly: bool,
    pub kind: EventKind,
    pub note: Option<String>,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomEvent {
    pub id: CustomEventId,
    pub workspace: WorkspaceId,
    /// `None` for a workspace-wide event.
    pub channel: Option<ChannelId>,
    pub name: String,
    pub date: NaiveDate,
    pub yearly: bool,
    pub kind: EventKind,
    pub note: Option<String>,
    pub created_by: String,
}

/// A calendar file imported by HR, kept as it was uploaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedCalendar {
    pub region_code: String,
    pub source_name: String,
    pub toml_text: String,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPulse {
    pub channel: ChannelId,
    pub question: String,
    /// The question's id in the bank, when it came from there (for trends across pulses).
    pub question_id: Option<String>,
    pub theme: Option<String>,
    /// Answer labels, in button order; a vote names one by its index.
    pub options: Vec<String>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pulse {
    pub id: PulseId,
    pub channel: ChannelId,
    pub question: String,
    pub question_id: Option<String>,
    pub theme: Option<String>,
    pub options: Vec<String>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub created_by: String,
    pub closed_at: Option<DateTime<Utc>>,
    /// The platform's reference to the message carrying the buttons.
    pub message_ref: Option<String>,
}

impl Pulse {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }
}

/// A pulse the scheduler posts on a cron schedule in a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPulseSchedule {
    pub channel: ChannelId,
    /// Five-field cron in the channel's time zone.
    pub cron: String,
    /// Theme to draw the question from; `None` for any.
    pub theme: Option<String>,
    /// How long each pulse stays open.
    pub duration: TimeDelta,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulseSchedule {
    pub id: PulseScheduleId,
    pub channel: ChannelId,
    pub cron: String,
    pub theme: Option<String>,
    pub duration: TimeDelta,
    pub created_by: String,
}

/// What a click on a pulse button did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VoteOutcome {
    /// The voter's first vote in this pulse.
    First,
    /// The voter had chosen something else; the vote now counts for the new choice.
    Changed,
    /// The voter clicked the choice they already had.
    Unchanged,
}

/// How many voters chose a choice, among those in a segment: the pulse core's own row type.
pub use crate::pulse::VoteCount;

/// What a post in the ledger is for. Stored by name; one list, so a purpose is never spelt
/// two ways in two files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    /// A reminder digest's share for one event and lead.
    Reminder,
    /// A channel's daily brief.
    Brief,
    /// A command's public announcement ("maria set this channel to follow India").
    Announcement,
    /// A pulse's question.
    Pulse,
    /// A pulse's results at close.
    PulseResults,
    /// The direct messages to those who have not answered.
    PulseNudge,
    /// The edit that marks a pulse's question closed.
    PulseClosed,
    /// One firing of a recurring pulse schedule.
    PulseSchedule,
}

impl Purpose {
    const ALL: [Purpose; 8] = [
        Purpose::Reminder,
        Purpose::Brief,
        Purpose::Announcement,
        Purpose::Pulse,
        Purpose::PulseResults,
        Purpose::PulseNudge,
        Purpose::PulseClosed,
        Purpose::PulseSchedule,
    ];

    /// The name stored in the ledger (and shown to operators reading it).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reminder => "reminder",
            Purpose::Brief => "brief",
            Purpose::Announcement => "announcement",
            Purpose::Pulse => "pulse",
            Purpose::PulseResults => "pulse-results",
            Purpose::PulseNudge => "pulse-nudge",
            Purpose::PulseClosed => "pulse-closed",
            Purpose::PulseSchedule => "pulse-schedule",
        }
    }
}

impl FromStr for Purpose {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| StoreError::Corrupt {
            what: "post purpose",
            value: s.to_string(),
            reason: "not a purpose this version knows".into(),
        })
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Names one post the bot owes: a channel, what for, and which occurrence.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PostKey {
    pub channel: ChannelId,
    pub purpose: Purpose,
    /// Which one, e.g. "IN:diwali:2026-11-08:lead7" or "2026-03-02".
    pub occurrence_key: String,
}

/// The answer to [`Store::claim_post`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This instance owns the post: send it, then [`Store::mark_delivered`].
    Won(PostId),
    /// Someone claimed it before; `delivered` tells whether it has gone out.
    Taken { post: PostId, delivered: bool },
}

/// The answer to [`Store::claim_or_reclaim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// Send it now, then [`Store::mark_delivered`].
    Mine(PostId),
    /// It went out already.
    Delivered,
    /// Another holder may be sending it at this moment; ask again after the lease.
    Held,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Post {
    pub id: PostId,
    pub key: PostKey,
    /// The bot instance holding the claim.
    pub instance_id: String,
    pub claimed_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub message_ref: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReactionCount {
    pub emoji: String,
    pub count: u64,
}

/// Reactions to a channel's posts, per occurrence and per region of the people reacting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Engagement {
    pub purpose: Purpose,
    pub occurrence_key: String,
    /// The reacting members' region; `None` for people who have not set one.
    pub reactor_region: Option<String>,
    pub reactions: u64,
    pub reactors: u64,
}

/// One person's reaction, as it stands now, on one of a channel's posts: the rows behind
/// [`Engagement`], for counts that span several posts (one person reacting to the 7-day,
/// 1-day and day-of reminders of a holiday is one person, not three).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reaction {
    /// The post's purpose and occurrence, which name the post within its channel.
    pub purpose: Purpose,
    pub occurrence_key: String,
    pub platform_user_id: String,
    /// The reacting member's region; `None` for people who have not set one.
    pub reactor_region: Option<String>,
    pub emoji: String,
}

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

// Declared after the macros above, which it uses.
mod briefs;
mod ledger;
pub use briefs::{BriefEvent, NewBriefEvent};

/// The handle the rest of meridian holds. Cheap to clone; clones share one pool and one vote
/// writer.
#[derive(Clone, Debug)]
pub struct Store {
    backend: Backend,
    votes: mpsc::Sender<VoteRequest>,
    channel_defaults: Arc<ChannelSettings>,
}

const CHANNEL_COLUMNS: &str = "c.id, c.workspace_id, w.platform, c.external_id, c.name, \
     c.timezone, c.reminder_cron, c.lead_days, c.brief_time";
type ChannelRow = (i64, i64, String, String, String, String, String, String, Option<NaiveTime>);

const MEMBER_COLUMNS: &str = "m.id, m.workspace_id, m.platform_user_id, m.display_name, \
     m.region, m.subdivision, m.timezone, m.work_start, m.work_end, m.opted_out, m.calendar";
type MemberRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<NaiveTime>,
    Option<NaiveTime>,
    bool,
    Option<String>,
);

const EVENT_COLUMNS: &str = "id, workspace_id, channel_id, name, on_date, yearly, kind, note, created_by";
type EventRow = (i64, i64, Option<i64>, String, NaiveDate, bool, String, Option<String>, String);

const PULSE_COLUMNS: &str = "id, channel_id, question, question_id, theme, options, opens_at, \
     closes_at, created_by, closed_at, message_ref";
type PulseRow = (
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    DateTime<Utc>,
    DateTime<Utc>,
    String,
    Option<DateTime<Utc>>,
    Option<String>,
);

const POST_COLUMNS: &str = "id, channel_id, purpose, occurrence_key, instance_id, claimed_at, \
     delivered_at, message_ref";
type PostRow = (i64, i64, String, String, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<String>);
/// A [`PostRow`] and the payload kept with it.
type OwedRow = (i64, i64, String, String, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<String>, String);

const FOLLOWED: &str = "followed";
const CUSTOMER: &str = "customer";

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

/// A stored reminder schedule. One that a newer meridian no longer accepts (rules tighten:
/// at most hourly since 2026-12) is replaced by the default with a warning, rather than
/// silencing the channel or refusing to read it.
fn schedule_of(channel: &str, cron: &str) -> PostingSchedule {
    PostingSchedule::parse(cron).unwrap_or_else(|e| {
        tracing::warn!(channel, error = %e, "a stored reminder schedule is no longer valid; using the default");
        PostingSchedule::default()
    })
}

fn channel_from_row(row: ChannelRow, regions: &RegionMap) -> Result<Channel, StoreError> {
    let (id, workspace, platform, external_id, name, tz, cron, lead_days, brief_time) = row;
    let lead_days: Vec<u32> = serde_json::from_str(&lead_days).map_err(|e| corrupt("lead days", &lead_days, e))?;
    let (followed_regions, customer_regions) = regions.get(&id).cloned().unwrap_or_default();
    let reminder_schedule = schedule_of(&name, &cron);
    Ok(Channel {
        id: ChannelId(id),
        workspace: WorkspaceId(workspace),
        platform: parse_platform(&platform)?,
        external_id,
        name,
        settings: ChannelSettings { timezone: parse_tz(&tz)?, reminder_schedule, lead_days, brief_time },
        followed_regions,
        customer_regions,
    })
}

/// Channel id -> (followed, customer) regions.
type RegionMap = HashMap<i64, (Vec<String>, Vec<String>)>;

fn region_map(rows: Vec<(i64, String, String)>) -> RegionMap {
    let mut map = RegionMap::new();
    for (channel, role, region) in rows {
        let entry = map.entry(channel).or_default();
        if role == FOLLOWED {
            entry.0.push(region);
        } else {
            entry.1.push(region);
        }
    }
    map
}

/// A region code as a member's row keeps it; one that no longer reads as a code (written by
/// an older version) is left unset with a warning rather than making the member unreadable.
fn stored_region(member: &str, code: Option<String>) -> Option<RegionCode> {
    let code = code?;
    match code.parse() {
        Ok(region) => Some(region),
        Err(e) => {
            tracing::warn!(member, code = %code, error = %e, "a member's stored region is not a region code; ignoring it");
            None
        }
    }
}

fn member_from_row(row: MemberRow) -> Result<Member, StoreError> {
    let (id, workspace, platform_user_id, display_name, region, subdivision, tz, start, end, out, calendar) = row;
    let profile = MemberProfile {
        region: stored_region(&platform_user_id, region),
        subdivision: stored_region(&platform_user_id, subdivision),
        timezone: tz.as_deref().map(parse_tz).transpose()?,
        working_hours: start.zip(end).map(|(start, end)| WorkingHours { start, end }),
        opted_out: out,
        calendar: stored_region(&platform_user_id, calendar),
    };
    Ok(Member { id: MemberId(id), workspace: WorkspaceId(workspace), platform_user_id, display_name, profile })
}

fn event_from_row(row: EventRow) -> Result<CustomEvent, StoreError> {
    let (id, workspace, channel, name, date, yearly, kind, note, created_by) = row;
    let kind = match kind.as_str() {
        "event" => EventKind::Event,
        "milestone" => EventKind::Milestone,
        other => return Err(corrupt("event kind", other, "not event or milestone")),
    };
    Ok(CustomEvent {
        id: CustomEventId(id),
        workspace: WorkspaceId(workspace),
        channel: channel.map(ChannelId),
        name,
        date,
        yearly,
        kind,
        note,
        created_by,
    })
}

fn pulse_from_row(row: PulseRow) -> Result<Pulse, StoreError> {
    let (id, channel, question, question_id, theme, options, opens, closes, by, closed, msg) = row;
    Ok(Pulse {
        id: PulseId(id),
        channel: ChannelId(channel),
        question,
        question_id,
        theme,
        options: serde_json::from_str(&options).map_err(|e| corrupt("options", &options, e))?,
        opens_at: opens,
        closes_at: closes,
        created_by: by,
        closed_at: closed,
        message_ref: msg,
    })
}

fn post_from_row(row: PostRow) -> Result<Post, StoreError> {
    let (id, channel, purpose, occurrence_key, instance_id, claimed_at, delivered_at, msg) = row;
    Ok(Post {
        id: PostId(id),
        key: PostKey { channel: ChannelId(channel), purpose: purpose.parse()?, occurrence_key },
        instance_id,
        claimed_at,
        delivered_at,
        message_ref: msg,
    })
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

    // ---- workspaces ----------------------------------------------------------------------

    pub async fn upsert_workspace(
        &self,
        platform: Platform,
        external_id: &str,
        name: &str,
    ) -> Result<WorkspaceId, StoreError> {
        let sql = "INSERT INTO workspaces (platform, external_id, name) VALUES ($1, $2, $3) \
             ON CONFLICT (platform, external_id) DO UPDATE SET name = excluded.name \
             RETURNING id";
        let id: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(platform.as_str())
            .bind(external_id)
            .bind(name)
            .fetch_one(pool)
            .await?);
        Ok(WorkspaceId(id))
    }

    pub async fn workspace(&self, id: WorkspaceId) -> Result<Option<Workspace>, StoreError> {
        let sql = "SELECT id, platform, external_id, name FROM workspaces WHERE id = $1";
        let row: Option<(i64, String, String, String)> =
            on_pool!(self, |pool| sqlx::query_as(sql).bind(id.0).fetch_optional(pool).await?);
        row.map(|(id, platform, external_id, name)| {
            Ok(Workspace { id: WorkspaceId(id), platform: parse_platform(&platform)?, external_id, name })
        })
        .transpose()
    }

    // ---- channels ------------------------------------------------------------------------

    /// Records a channel the bot is in. A new channel gets the store's channel defaults; a
    /// known one only has its name refreshed.
    pub async fn upsert_channel(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
        name: &str,
    ) -> Result<ChannelId, StoreError> {
        let defaults = &self.channel_defaults;
        let sql = "INSERT INTO channels (workspace_id, external_id, name, timezone, \
             reminder_cron, lead_days, brief_time) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (workspace_id, external_id) DO UPDATE SET name = excluded.name \
             RETURNING id";
        let lead_days = serde_json::to_string(&defaults.lead_days).expect("numbers serialize");
        let id: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(workspace.0)
            .bind(external_id)
            .bind(name)
            .bind(defaults.timezone.name())
            .bind(defaults.reminder_schedule.expression())
            .bind(&lead_days)
            .bind(defaults.brief_time)
            .fetch_one(pool)
            .await?);
        Ok(ChannelId(id))
    }

    pub async fn channel(&self, id: ChannelId) -> Result<Option<Channel>, StoreError> {
        let sql = format!(
            "SELECT {CHANNEL_COLUMNS} FROM channels c JOIN workspaces w ON w.id = c.workspace_id \
             WHERE c.id = $1"
        );
        let row: Option<ChannelRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?);
        self.with_regions(row.into_iter().collect(), Some(id)).await.map(|mut channels| channels.pop())
    }

    /// The channel with this platform id in the workspace.
    pub async fn channel_by_external_id(
        &self,
        workspace: WorkspaceId,
        external_id: &str,
    ) -> Result<Option<Channel>, StoreError> {
        self.channel_where("c.external_id", workspace, external_id).await
    }

    /// The channel with this name in the workspace (the console addresses channels by name).
    pub async fn channel_by_name(&self, workspace: WorkspaceId, name: &str) -> Result<Option<Channel>, StoreError> {
        self.channel_where("c.name", workspace, name).await
    }

    async fn channel_where(
        &self,
        column: &str,
        workspace: WorkspaceId,
        value: &str,
    ) -> Result<Option<Channel>, StoreError> {
        let sql = format!(
            "SELECT {CHANNEL_COLUMNS} FROM channels c JOIN workspaces w ON w.id = c.workspace_id \
             WHERE c.workspace_id = $1 AND {column} = $2 ORDER BY c.id LIMIT 1"
        );
        let row: Option<ChannelRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(workspace.0).bind(value).fetch_optional(pool).await?);
        let Some(row) = row else { return Ok(None) };
        let id = ChannelId(row.0);
        Ok(self.with_regions(vec![row], Some(id)).await?.pop())
    }

    /// Every channel, with its settings and regions (for the scheduler).
    pub async fn channels(&self) -> Result<Vec<Channel>, StoreError> {
        let sql = format!(
            "SELECT {CHANNEL_COLUMNS} FROM channels c JOIN workspaces w ON w.id = c.workspace_id \
             ORDER BY c.id"
        );
        let rows: Vec<ChannelRow> = on_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await?);
        self.with_regions(rows, None).await
    }

    /// Reads the regions of one channel (`only`) or of all, and builds the channels.
    async fn with_regions(&self, rows: Vec<ChannelRow>, only: Option<ChannelId>) -> Result<Vec<Channel>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let region_rows: Vec<(i64, String, String)> = match only {
            Some(id) => {
                let sql = "SELECT channel_id, role, region FROM channel_regions \
                     WHERE channel_id = $1 ORDER BY region";
                on_pool!(self, |pool| sqlx::query_as(sql).bind(id.0).fetch_all(pool).await?)
            }
            None => {
                let sql = "SELECT channel_id, role, region FROM channel_regions \
                     ORDER BY channel_id, region";
                on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?)
            }
        };
        let regions = region_map(region_rows);
        rows.into_iter().map(|row| channel_from_row(row, &regions)).collect()
    }

    /// Adds regions to those the channel follows; following one twice changes nothing.
    pub async fn follow_regions(&self, channel: ChannelId, regions: &[&str]) -> Result<(), StoreError> {
        self.add_regions(channel, FOLLOWED, regions, false).await
    }

    /// Stops following these regions; the others stay.
    pub async fn unfollow_regions(&self, channel: ChannelId, regions: &[&str]) -> Result<(), StoreError> {
        let sql = "DELETE FROM channel_regions WHERE channel_id = $1 AND role = $2 \
             AND region = $3";
        in_transaction!(self, |tx| {
            for region in regions {
                sqlx::query(sql)
                    .bind(channel.0)
                    .bind(FOLLOWED)
                    .bind(normalize_region(region))
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    pub async fn followed_regions(&self, channel: ChannelId) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT region FROM channel_regions WHERE channel_id = $1 AND role = $2 \
             ORDER BY region";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql).bind(channel.0).bind(FOLLOWED).fetch_all(pool).await?))
    }

    /// Replaces the regions the channel's customers are in.
    pub async fn set_customer_regions(&self, channel: ChannelId, regions: &[&str]) -> Result<(), StoreError> {
        self.add_regions(channel, CUSTOMER, regions, true).await
    }

    async fn add_regions(
        &self,
        channel: ChannelId,
        role: &str,
        regions: &[&str],
        replace: bool,
    ) -> Result<(), StoreError> {
        let clear = "DELETE FROM channel_regions WHERE channel_id = $1 AND role = $2";
        let add = "INSERT INTO channel_regions (channel_id, role, region) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING";
        in_transaction!(self, |tx| {
            if replace {
                sqlx::query(clear).bind(channel.0).bind(role).execute(&mut *tx).await?;
            }
            for region in regions {
                sqlx::query(add).bind(channel.0).bind(role).bind(normalize_region(region)).execute(&mut *tx).await?;
            }
        });
        Ok(())
    }

    pub async fn update_channel_settings(
        &self,
        channel: ChannelId,
        settings: &ChannelSettings,
    ) -> Result<(), StoreError> {
        let sql = "UPDATE channels SET timezone = $2, reminder_cron = $3, lead_days = $4, \
             brief_time = $5 WHERE id = $1";
        let lead_days = serde_json::to_string(&settings.lead_days).expect("numbers serialize");
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(channel.0)
            .bind(settings.timezone.name())
            .bind(settings.reminder_schedule.expression())
            .bind(&lead_days)
            .bind(settings.brief_time)
            .execute(pool)
            .await?
            .rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound { what: "channel", id: channel.0 });
        }
        Ok(())
    }

    // ---- members -------------------------------------------------------------------------

    /// Records a person the bot has seen; a known one only has their display name refreshed.
    pub async fn upsert_member(
        &self,
        workspace: WorkspaceId,
        platform_user_id: &str,
        display_name: &str,
    ) -> Result<MemberId, StoreError> {
        let sql = "INSERT INTO members (workspace_id, platform_user_id, display_name) \
             VALUES ($1, $2, $3) ON CONFLICT (workspace_id, platform_user_id) \
             DO UPDATE SET display_name = excluded.display_name RETURNING id";
        let id: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(workspace.0)
            .bind(platform_user_id)
            .bind(display_name)
            .fetch_one(pool)
            .await?);
        Ok(MemberId(id))
    }

    pub async fn set_member_profile(&self, member: MemberId, profile: &MemberProfile) -> Result<(), StoreError> {
        let sql = "UPDATE members SET region = $2, subdivision = $3, timezone = $4, \
             work_start = $5, work_end = $6, opted_out = $7, calendar = $8 WHERE id = $1";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(member.0)
            .bind(profile.region.as_ref().map(RegionCode::as_str))
            .bind(profile.subdivision.as_ref().map(RegionCode::as_str))
            .bind(profile.timezone.map(|tz| tz.name()))
            .bind(profile.working_hours.map(|h| h.start))
            .bind(profile.working_hours.map(|h| h.end))
            .bind(profile.opted_out)
            .bind(profile.calendar.as_ref().map(RegionCode::as_str))
            .execute(pool)
            .await?
            .rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound { what: "member", id: member.0 });
        }
        Ok(())
    }

    /// Writes every row of a members CSV in one transaction: all of them, or (on any error)
    /// none. Returns how many members were new.
    pub async fn import_members(&self, workspace: WorkspaceId, rows: &[ImportedMember]) -> Result<usize, StoreError> {
        let exists = "SELECT COUNT(*) FROM members WHERE workspace_id = $1 AND platform_user_id = $2";
        let sql = "INSERT INTO members (workspace_id, platform_user_id, display_name, region, subdivision, \
             calendar, timezone, work_start, work_end) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (workspace_id, platform_user_id) DO UPDATE SET \
             display_name = CASE WHEN $10 THEN excluded.display_name ELSE members.display_name END, \
             subdivision = CASE WHEN excluded.region IS NULL THEN members.subdivision ELSE excluded.subdivision END, \
             region = COALESCE(excluded.region, members.region), \
             calendar = COALESCE(excluded.calendar, members.calendar), \
             timezone = COALESCE(excluded.timezone, members.timezone), \
             work_start = COALESCE(excluded.work_start, members.work_start), \
             work_end = COALESCE(excluded.work_end, members.work_end)";
        let added = in_transaction!(self, |tx| {
            let mut added = 0;
            for row in rows {
                let known: i64 = sqlx::query_scalar(exists)
                    .bind(workspace.0)
                    .bind(&row.platform_user_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if known == 0 {
                    added += 1;
                }
                sqlx::query(sql)
                    .bind(workspace.0)
                    .bind(&row.platform_user_id)
                    .bind(row.display_name.clone().unwrap_or_else(|| row.platform_user_id.clone()))
                    .bind(row.region.as_deref().map(normalize_region))
                    .bind(row.subdivision.as_deref().map(normalize_region))
                    .bind(row.calendar.as_deref().map(normalize_region))
                    .bind(row.timezone.map(|tz| tz.name()))
                    .bind(row.working_hours.map(|h| h.start))
                    .bind(row.working_hours.map(|h| h.end))
                    .bind(row.display_name.is_some())
                    .execute(&mut *tx)
                    .await?;
            }
            added
        });
        Ok(added)
    }

    pub async fn member(&self, id: MemberId) -> Result<Option<Member>, StoreError> {
        let sql = format!("SELECT {MEMBER_COLUMNS} FROM members m WHERE m.id = $1");
        let row: Option<MemberRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?);
        row.map(member_from_row).transpose()
    }

    pub async fn member_by_platform_id(
        &self,
        workspace: WorkspaceId,
        platform_user_id: &str,
    ) -> Result<Option<Member>, StoreError> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m \
             WHERE m.workspace_id = $1 AND m.platform_user_id = $2"
        );
        let row: Option<MemberRow> = on_pool!(self, |pool| sqlx::query_as(&sql)
            .bind(workspace.0)
            .bind(platform_user_id)
            .fetch_optional(pool)
            .await?);
        row.map(member_from_row).transpose()
    }

    /// Everyone the bot knows in a workspace, by display name.
    pub async fn members(&self, workspace: WorkspaceId) -> Result<Vec<Member>, StoreError> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m WHERE m.workspace_id = $1 \
             ORDER BY m.display_name, m.id"
        );
        let rows: Vec<MemberRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(workspace.0).fetch_all(pool).await?);
        rows.into_iter().map(member_from_row).collect()
    }

    pub async fn join_channel(&self, channel: ChannelId, member: MemberId) -> Result<(), StoreError> {
        let sql = "INSERT INTO channel_members (channel_id, member_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING";
        on_pool!(self, |pool| sqlx::query(sql).bind(channel.0).bind(member.0).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn leave_channel(&self, channel: ChannelId, member: MemberId) -> Result<(), StoreError> {
        let sql = "DELETE FROM channel_members WHERE channel_id = $1 AND member_id = $2";
        on_pool!(self, |pool| sqlx::query(sql).bind(channel.0).bind(member.0).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// The channel's members, by display name.
    pub async fn members_of_channel(&self, channel: ChannelId) -> Result<Vec<Member>, StoreError> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m \
             JOIN channel_members cm ON cm.member_id = m.id WHERE cm.channel_id = $1 \
             ORDER BY m.display_name, m.id"
        );
        let rows: Vec<MemberRow> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(channel.0).fetch_all(pool).await?);
        rows.into_iter().map(member_from_row).collect()
    }

    // ---- custom events and milestones ----------------------------------------------------

    /// Adds the milestones of one channel each (an import), in one transaction: all or none.
    pub async fn add_channel_events(&self, events: &[(Channel, NewCustomEvent)]) -> Result<(), StoreError> {
        let sql = "INSERT INTO custom_events (workspace_id, channel_id, name, on_date, yearly, \
             kind, note, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        in_transaction!(self, |tx| {
            for (channel, event) in events {
                sqlx::query(sql)
                    .bind(channel.workspace.0)
                    .bind(channel.id.0)
                    .bind(&event.name)
                    .bind(event.date)
                    .bind(event.yearly)
                    .bind(event.kind.as_str())
                    .bind(event.note.as_deref())
                    .bind(&event.created_by)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    pub async fn add_custom_event(&self, event: &NewCustomEvent) -> Result<CustomEventId, StoreError> {
        // The workspace is stored for channel events too, so a workspace's events are one
        // indexed lookup.
        let (workspace, channel) = match event.scope {
            EventScope::Workspace(w) => (w, None),
            EventScope::Channel(c) => {
                let channel = self.channel(c).await?.ok_or(StoreError::NotFound { what: "channel", id: c.0 })?;
                (channel.workspace, Some(c))
            }
        };
        let sql = "INSERT INTO custom_events (workspace_id, channel_id, name, on_date, yearly, \
             kind, note, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id";
        let id: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(workspace.0)
            .bind(channel.map(|c| c.0))
            .bind(&event.name)
            .bind(event.date)
            .bind(event.yearly)
            .bind(event.kind.as_str())
            .bind(event.note.as_deref())
            .bind(&event.created_by)
            .fetch_one(pool)
            .await?);
        Ok(CustomEventId(id))
    }

    /// For a workspace: all its events, workspace-wide and per channel. For a channel: what
    /// that channel sees, its own events and the workspace-wide ones. Ordered by date.
    pub async fn custom_events(&self, scope: EventScope) -> Result<Vec<CustomEvent>, StoreError> {
        let (filter, id) = match scope {
            EventScope::Workspace(w) => ("workspace_id = $1", w.0),
            EventScope::Channel(c) => (
                "(channel_id = $1 OR (channel_id IS NULL AND workspace_id = \
                 (SELECT workspace_id FROM channels WHERE id = $1)))",
                c.0,
            ),
        };
        let sql = format!("SELECT {EVENT_COLUMNS} FROM custom_events WHERE {filter} ORDER BY on_date, id");
        let rows: Vec<EventRow> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id).fetch_all(pool).await?);
        rows.into_iter().map(event_from_row).collect()
    }

    /// Removes an event; returns whether there was one.
    pub async fn remove_custom_event(&self, id: CustomEventId) -> Result<bool, StoreError> {
        let sql = "DELETE FROM custom_events WHERE id = $1";
        let done = on_pool!(self, |pool| sqlx::query(sql).bind(id.0).execute(pool).await?.rows_affected());
        Ok(done > 0)
    }

    // ---- calendars imported by HR --------------------------------------------------------

    /// Keeps an imported calendar file as it was given; importing a region again replaces it.
    pub async fn save_imported_calendar(
        &self,
        region_code: &str,
        source_name: &str,
        toml_text: &str,
        imported_by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO imported_calendars (region_code, source_name, toml_text, \
             imported_by, imported_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (region_code) DO UPDATE SET source_name = excluded.source_name, \
             toml_text = excluded.toml_text, imported_by = excluded.imported_by, \
             imported_at = excluded.imported_at";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(normalize_region(region_code))
            .bind(source_name)
            .bind(toml_text)
            .bind(imported_by)
            .bind(at)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    /// All imported calendars, by region code.
    pub async fn imported_calendars(&self) -> Result<Vec<ImportedCalendar>, StoreError> {
        let sql = "SELECT region_code, source_name, toml_text, imported_by, imported_at \
             FROM imported_calendars ORDER BY region_code";
        let rows: Vec<(String, String, String, String, DateTime<Utc>)> =
            on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(region_code, source_name, toml_text, imported_by, imported_at)| ImportedCalendar {
                region_code,
                source_name,
                toml_text,
                imported_by,
                imported_at,
            })
            .collect())
    }

    /// Drops an imported calendar; returns whether there was one.
    pub async fn remove_imported_calendar(&self, region_code: &str) -> Result<bool, StoreError> {
        let sql = "DELETE FROM imported_calendars WHERE region_code = $1";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(normalize_region(region_code))
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done > 0)
    }

    // ---- pulses --------------------------------------------------------------------------

    /// Creates a pulse and its secret voter key, together.
    pub async fn create_pulse(&self, pulse: &NewPulse) -> Result<PulseId, StoreError> {
        let insert = "INSERT INTO pulses (channel_id, question, question_id, theme, options, \
             option_count, opens_at, closes_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
        let add_key = "INSERT INTO pulse_keys (pulse_id, key) VALUES ($1, $2)";
        let options = serde_json::to_string(&pulse.options).expect("strings serialize");
        let option_count = i64::try_from(pulse.options.len()).unwrap_or(i64::MAX);
        let id: i64 = in_transaction!(self, |tx| {
            let id: i64 = sqlx::query_scalar(insert)
                .bind(pulse.channel.0)
                .bind(&pulse.question)
                .bind(pulse.question_id.as_deref())
                .bind(pulse.theme.as_deref())
                .bind(&options)
                .bind(option_count)
                .bind(pulse.opens_at)
                .bind(pulse.closes_at)
                .bind(&pulse.created_by)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(add_key).bind(id).bind(votes::new_pulse_key()).execute(&mut *tx).await?;
            id
        });
        Ok(PulseId(id))
    }

    pub async fn pulse(&self, id: PulseId) -> Result<Option<Pulse>, StoreError> {
        let sql = format!("SELECT {PULSE_COLUMNS} FROM pulses WHERE id = $1");
        let row: Option<PulseRow> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?);
        row.map(pulse_from_row).transpose()
    }

    /// Pulses not yet closed, soonest closing first (for the scheduler).
    pub async fn open_pulses(&self) -> Result<Vec<Pulse>, StoreError> {
        let sql = format!("SELECT {PULSE_COLUMNS} FROM pulses WHERE closed_at IS NULL ORDER BY closes_at, id");
        let rows: Vec<PulseRow> = on_pool!(self, |pool| sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(pulse_from_row).collect()
    }

    /// A channel's pulses, oldest first (for trends and exports).
    pub async fn pulses_in_channel(&self, channel: ChannelId) -> Result<Vec<Pulse>, StoreError> {
        let sql = format!("SELECT {PULSE_COLUMNS} FROM pulses WHERE channel_id = $1 ORDER BY opens_at, id");
        let rows: Vec<PulseRow> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(channel.0).fetch_all(pool).await?);
        rows.into_iter().map(pulse_from_row).collect()
    }

    /// Remembers which platform message carries the pulse's buttons.
    pub async fn set_pulse_message(&self, id: PulseId, message_ref: &str) -> Result<(), StoreError> {
        let sql = "UPDATE pulses SET message_ref = $2 WHERE id = $1";
        let done =
            on_pool!(self, |pool| sqlx::query(sql).bind(id.0).bind(message_ref).execute(pool).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound { what: "pulse", id: id.0 });
        }
        Ok(())
    }

    /// Closes a pulse and destroys its voter key, in one transaction. Returns whether this
    /// call closed it (false if it was already closed), so only one closer posts results.
    pub async fn close_pulse(&self, id: PulseId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let close = "UPDATE pulses SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL \
             RETURNING id";
        let forget_key = "DELETE FROM pulse_keys WHERE pulse_id = $1";
        let exists = "SELECT COUNT(*) FROM pulses WHERE id = $1";
        let (closed, found): (bool, i64) = in_transaction!(self, |tx| {
            let closed: Option<i64> = sqlx::query_scalar(close).bind(id.0).bind(at).fetch_optional(&mut *tx).await?;
            sqlx::query(forget_key).bind(id.0).execute(&mut *tx).await?;
            let found: i64 = sqlx::query_scalar(exists).bind(id.0).fetch_one(&mut *tx).await?;
            (closed.is_some(), found)
        });
        if found == 0 {
            return Err(StoreError::NotFound { what: "pulse", id: id.0 });
        }
        Ok(closed)
    }

    pub async fn save_pulse_schedule(&self, schedule: &NewPulseSchedule) -> Result<PulseScheduleId, StoreError> {
        let sql = "INSERT INTO pulse_schedules (channel_id, cron, theme, duration_secs, \
             created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let id: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(schedule.channel.0)
            .bind(&schedule.cron)
            .bind(schedule.theme.as_deref())
            .bind(schedule.duration.num_seconds())
            .bind(&schedule.created_by)
            .fetch_one(pool)
            .await?);
        Ok(PulseScheduleId(id))
    }

    /// Every pulse schedule, by channel.
    pub async fn pulse_schedules(&self) -> Result<Vec<PulseSchedule>, StoreError> {
        let sql = "SELECT id, channel_id, cron, theme, duration_secs, created_by \
             FROM pulse_schedules ORDER BY channel_id, id";
        let rows: Vec<(i64, i64, String, Option<String>, i64, String)> =
            on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(id, channel, cron, theme, secs, created_by)| PulseSchedule {
                id: PulseScheduleId(id),
                channel: ChannelId(channel),
                cron,
                theme,
                duration: TimeDelta::seconds(secs),
                created_by,
            })
            .collect())
    }

    pub async fn remove_pulse_schedule(&self, id: PulseScheduleId) -> Result<bool, StoreError> {
        let sql = "DELETE FROM pulse_schedules WHERE id = $1";
        let done = on_pool!(self, |pool| sqlx::query(sql).bind(id.0).execute(pool).await?.rows_affected());
        Ok(done > 0)
    }

    // ---- votes ---------------------------------------------------------------------------

    /// Records a click on a pulse button: one vote per voter per pulse, a later click on
    /// another choice changes it. Returns once the vote is committed to disk. `segment` is
    /// the voter's region for segmented results; `at` is the click's instant, checked
    /// against the pulse's closing time. The voter id is hashed and never stored.
    pub async fn record_vote(
        &self,
        pulse: PulseId,
        voter_platform_id: &str,
        choice: u32,
        segment: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<VoteOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let request = VoteRequest {
            pulse,
            voter: voter_platform_id.to_string(),
            choice,
            segment: segment.map(normalize_region),
            at,
            reply,
        };
        self.votes.send(request).await.map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    /// Votes per choice and segment (voters without a segment last); choices nobody picked
    /// are absent.
    pub async fn vote_counts(&self, pulse: PulseId) -> Result<Vec<VoteCount>, StoreError> {
        let sql = "SELECT choice, segment, COUNT(*) FROM votes WHERE pulse_id = $1 \
             GROUP BY choice, segment ORDER BY choice, segment IS NULL, segment";
        let rows: Vec<(i64, Option<String>, i64)> =
            on_pool!(self, |pool| sqlx::query_as(sql).bind(pulse.0).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|(choice, segment, n)| VoteCount {
                choice: usize::try_from(choice).unwrap_or(usize::MAX),
                segment,
                count: u32::try_from(n).unwrap_or(u32::MAX),
            })
            .collect())
    }

    /// How many people have voted in the pulse.
    pub async fn voter_count(&self, pulse: PulseId) -> Result<u64, StoreError> {
        let sql = "SELECT COUNT(*) FROM votes WHERE pulse_id = $1";
        let n: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql).bind(pulse.0).fetch_one(pool).await?);
        Ok(count(n))
    }

    /// Whether this person has voted, for the nudge. `None` once the pulse is closed: its
    /// key is gone and nobody can tell any more.
    pub async fn has_voted(&self, pulse: PulseId, voter_platform_id: &str) -> Result<Option<bool>, StoreError> {
        let key_sql = "SELECT key FROM pulse_keys WHERE pulse_id = $1";
        let key: Option<Vec<u8>> =
            on_pool!(self, |pool| sqlx::query_scalar(key_sql).bind(pulse.0).fetch_optional(pool).await?);
        let Some(key) = key else { return Ok(None) };
        let sql = "SELECT COUNT(*) FROM votes WHERE pulse_id = $1 AND voter_hash = $2";
        let hash = votes::voter_hash(&key, pulse, voter_platform_id);
        let n: i64 = on_pool!(self, |pool| sqlx::query_scalar(sql).bind(pulse.0).bind(&hash).fetch_one(pool).await?);
        Ok(Some(n > 0))
    }

    /// Makes a closed pulse's vote rows show no more than its published results did: every
    /// vote whose segment is not in `disclosed` (the regions the results showed on their own;
    /// everyone else was folded into "other") loses its segment, so a region with a single
    /// voter no longer names that voter's answer to whoever can read the table. The results
    /// come out the same when computed again from the sealed rows: the regions shown are still
    /// there, and "other" is the same people. Also forgets how often each voter changed their
    /// mind (`revision`, needed only while votes come in), which no result shows either.
    ///
    /// Refused with [`StoreError::PulseStillOpen`] while the pulse is open (votes still need
    /// their segment, and no result has been published). Idempotent; sealing again with fewer
    /// regions folds those too, but nothing folded comes back.
    ///
    /// This is what the rows say through SQL. Until the database reuses the space, the old
    /// values can linger in its files (PostgreSQL's dead row versions until VACUUM, SQLite's
    /// free pages and write-ahead log), and in any backup taken before sealing.
    pub async fn seal_votes(&self, pulse: PulseId, disclosed: &[String]) -> Result<(), StoreError> {
        let state = "SELECT closed_at IS NOT NULL FROM pulses WHERE id = $1";
        let present = "SELECT DISTINCT segment FROM votes WHERE pulse_id = $1 AND segment IS NOT NULL";
        // One statement per region folded (a handful), so the SQL is the same on both
        // backends; a list parameter would need JSON on one and an array on the other.
        let fold = "UPDATE votes SET segment = NULL WHERE pulse_id = $1 AND segment = $2";
        let forget_changes = "UPDATE votes SET revision = 0 WHERE pulse_id = $1 AND revision <> 0";
        let disclosed: HashSet<String> = disclosed.iter().map(|region| normalize_region(region)).collect();
        let closed: Option<bool> = in_transaction!(self, |tx| {
            let closed: Option<bool> = sqlx::query_scalar(state).bind(pulse.0).fetch_optional(&mut *tx).await?;
            // A closed pulse never reopens and takes no more votes, so what is read here
            // stays true until the commit.
            if closed == Some(true) {
                let segments: Vec<String> = sqlx::query_scalar(present).bind(pulse.0).fetch_all(&mut *tx).await?;
                for segment in segments.iter().filter(|s| !disclosed.contains(*s)) {
                    sqlx::query(fold).bind(pulse.0).bind(segment).execute(&mut *tx).await?;
                }
                sqlx::query(forget_changes).bind(pulse.0).execute(&mut *tx).await?;
            }
            closed
        });
        match closed {
            None => Err(StoreError::NotFound { what: "pulse", id: pulse.0 }),
            Some(false) => Err(StoreError::PulseStillOpen(pulse)),
            Some(true) => Ok(()),
        }
    }

    // ---- the post ledger -----------------------------------------------------------------

    /// Claims the right to make a post. Exactly one caller wins a key, across tasks,
    /// restarts and instances: the unique (channel, purpose, occurrence) row decides.
    pub async fn claim_post(&self, key: &PostKey, instance_id: &str, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        let insert = "INSERT INTO posts (channel_id, purpose, occurrence_key, instance_id, \
             claimed_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (channel_id, purpose, occurrence_key) DO NOTHING RETURNING id";
        let existing = "SELECT id, delivered_at IS NOT NULL FROM posts \
             WHERE channel_id = $1 AND purpose = $2 AND occurrence_key = $3";
        let won: Option<i64> = on_pool!(self, |pool| sqlx::query_scalar(insert)
            .bind(key.channel.0)
            .bind(key.purpose.as_str())
            .bind(&key.occurrence_key)
            .bind(instance_id)
            .bind(now)
            .fetch_optional(pool)
            .await?);
        if let Some(id) = won {
            return Ok(Claim::Won(PostId(id)));
        }
        // Rows in the ledger are never deleted (only with their channel), so the row that
        // beat us is there to read.
        let (id, delivered): (i64, bool) = on_pool!(self, |pool| sqlx::query_as(existing)
            .bind(key.channel.0)
            .bind(key.purpose.as_str())
            .bind(&key.occurrence_key)
            .fetch_one(pool)
            .await?);
        Ok(Claim::Taken { post: PostId(id), delivered })
    }

    /// Records that the post went out, and as which platform message.
    pub async fn mark_delivered(&self, post: PostId, message_ref: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let sql = "UPDATE posts SET delivered_at = $2, message_ref = $3 WHERE id = $1";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(post.0)
            .bind(at)
            .bind(message_ref)
            .execute(pool)
            .await?
            .rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound { what: "post", id: post.0 });
        }
        Ok(())
    }

    /// Claims made before `claimed_before` that never went out: after a crash between claim
    /// and send, these are re-sent (after [`Store::reclaim_post`]).
    pub async fn undelivered_posts(&self, claimed_before: DateTime<Utc>) -> Result<Vec<Post>, StoreError> {
        let sql = format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE delivered_at IS NULL AND claimed_at < $1 \
             ORDER BY claimed_at, id"
        );
        let rows: Vec<PostRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(claimed_before).fetch_all(pool).await?);
        rows.into_iter().map(post_from_row).collect()
    }

    /// Takes over an undelivered claim whose holder has had `lease` to deliver it and has
    /// not. Atomic: of several instances reclaiming the same post, one gets `true`, and a
    /// claim younger than the lease is never taken.
    pub async fn reclaim_post(
        &self,
        post: PostId,
        instance_id: &str,
        now: DateTime<Utc>,
        lease: TimeDelta,
    ) -> Result<bool, StoreError> {
        let sql = "UPDATE posts SET instance_id = $2, claimed_at = $3 \
             WHERE id = $1 AND delivered_at IS NULL AND claimed_at <= $4";
        let done = on_pool!(self, |pool| sqlx::query(sql)
            .bind(post.0)
            .bind(instance_id)
            .bind(now)
            .bind(now - lease)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }

    /// The one place that decides "may I send this post now": claims it, or takes over a
    /// claim that was never delivered and whose holder has had long enough (see [`ClaimOutcome`]).
    ///
    /// How long a holder keeps an undelivered claim depends on the backend:
    ///
    /// - SQLite: not at all (zero). One process owns a SQLite file, so an undelivered claim
    ///   found there was left by a send that failed or by a process that died, and nobody is
    ///   still sending it: it is taken over at once, and a failed send is retried on the next
    ///   run. This rests on two things the store does not enforce: no second bot process on
    ///   the same file (`SoleUse` enforces it), and no two tasks of one process asking for the
    ///   same key at the same time (the second would take the post over while the first is
    ///   sending it; `Services::claim` keeps a process's tasks apart).
    /// - PostgreSQL: two minutes. Several live instances share the database, and an
    ///   undelivered claim may belong to one that is sending it at this moment. Two minutes
    ///   is far longer than a send should take (platform adapters must time out well within
    ///   it); after that the holder is taken to have failed or died, and the post is sent by
    ///   whoever asks next. A send slower than the lease may go out twice.
    pub async fn claim_or_reclaim(
        &self,
        key: &PostKey,
        instance_id: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        match self.claim_post(key, instance_id, now).await? {
            Claim::Won(post) => Ok(ClaimOutcome::Mine(post)),
            Claim::Taken { delivered: true, .. } => Ok(ClaimOutcome::Delivered),
            // `reclaim_post` checks again that it is undelivered: the holder may have just
            // delivered it.
            Claim::Taken { post, delivered: false } => {
                let reclaimed = self.reclaim_post(post, instance_id, now, self.reclaim_lease()).await?;
                Ok(if reclaimed { ClaimOutcome::Mine(post) } else { ClaimOutcome::Held })
            }
        }
    }

    /// How long [`Store::claim_or_reclaim`] leaves an undelivered claim to its holder; the
    /// reasons are there.
    fn reclaim_lease(&self) -> TimeDelta {
        match self.kind() {
            BackendKind::Sqlite => TimeDelta::zero(),
            BackendKind::Postgres => TimeDelta::minutes(2),
        }
    }

    pub async fn post(&self, id: PostId) -> Result<Option<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts WHERE id = $1");
        let row: Option<PostRow> = on_pool!(self, |pool| sqlx::query_as(&sql).bind(id.0).fetch_optional(pool).await?);
        row.map(post_from_row).transpose()
    }

    /// Keeps what a claimed post says until it has gone out (see [`Store::owed_payloads`]).
    pub async fn set_post_payload(&self, post: PostId, payload: &str) -> Result<(), StoreError> {
        let sql = "UPDATE posts SET payload = $2 WHERE id = $1";
        on_pool!(self, |pool| sqlx::query(sql).bind(post.0).bind(payload).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// A channel's posts of `purpose` that were claimed with a payload and never delivered,
    /// oldest first: what a failed send left to send again.
    pub async fn owed_payloads(&self, channel: ChannelId, purpose: Purpose) -> Result<Vec<(Post, String)>, StoreError> {
        let sql = format!(
            "SELECT {POST_COLUMNS}, payload FROM posts WHERE channel_id = $1 AND purpose = $2 \
             AND delivered_at IS NULL AND payload IS NOT NULL ORDER BY claimed_at, id"
        );
        let rows: Vec<OwedRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(channel.0).bind(purpose.as_str()).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(a, b, c, d, e, f, g, h, payload)| Ok((post_from_row((a, b, c, d, e, f, g, h))?, payload)))
            .collect()
    }

    /// The bot's posts behind a platform message in a channel (a reaction names both): one,
    /// or several when one message carried them (a reminder digest). Message ids are unique
    /// only within a channel on some platforms (Slack's `ts`), so the channel is part of the
    /// question, not a filter applied after it.
    pub async fn posts_by_message(&self, channel: ChannelId, message_ref: &str) -> Result<Vec<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts WHERE channel_id = $1 AND message_ref = $2 ORDER BY id");
        let rows: Vec<PostRow> =
            on_pool!(self, |pool| sqlx::query_as(&sql).bind(channel.0).bind(message_ref).fetch_all(pool).await?);
        rows.into_iter().map(post_from_row).collect()
    }

    // ---- reactions -----------------------------------------------------------------------

    /// A reaction added to (`added`) or removed from one of the bot's posts.
    pub async fn record_reaction(
        &self,
        post: PostId,
        platform_user_id: &str,
        emoji: &str,
        added: bool,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if added {
            let sql = "INSERT INTO reactions (post_id, platform_user_id, emoji, reacted_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
            on_pool!(self, |pool| sqlx::query(sql)
                .bind(post.0)
                .bind(platform_user_id)
                .bind(emoji)
                .bind(at)
                .execute(pool)
                .await?
                .rows_affected());
        } else {
            let sql = "DELETE FROM reactions WHERE post_id = $1 AND platform_user_id = $2 \
                 AND emoji = $3";
            on_pool!(self, |pool| sqlx::query(sql)
                .bind(post.0)
                .bind(platform_user_id)
                .bind(emoji)
                .execute(pool)
                .await?
                .rows_affected());
        }
        Ok(())
    }

    /// Reactions on a post per emoji, most used first.
    pub async fn reaction_counts(&self, post: PostId) -> Result<Vec<ReactionCount>, StoreError> {
        let sql = "SELECT emoji, COUNT(*) AS n FROM reactions WHERE post_id = $1 \
             GROUP BY emoji ORDER BY n DESC, emoji";
        let rows: Vec<(String, i64)> = on_pool!(self, |pool| sqlx::query_as(sql).bind(post.0).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(emoji, n)| ReactionCount { emoji, count: count(n) }).collect())
    }

    /// How people reacted to a channel's posts claimed in `[from, until)`, per occurrence
    /// (a holiday in a region, a brief's date) and per region of the people reacting.
    pub async fn engagement(
        &self,
        channel: ChannelId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Engagement>, StoreError> {
        let sql = "SELECT p.purpose, p.occurrence_key, m.region, COUNT(*), \
             COUNT(DISTINCT r.platform_user_id) \
             FROM reactions r JOIN posts p ON p.id = r.post_id \
             JOIN channels c ON c.id = p.channel_id \
             LEFT JOIN members m ON m.workspace_id = c.workspace_id \
                 AND m.platform_user_id = r.platform_user_id \
             WHERE p.channel_id = $1 AND p.claimed_at >= $2 AND p.claimed_at < $3 \
             GROUP BY p.purpose, p.occurrence_key, m.region \
             ORDER BY p.purpose, p.occurrence_key, m.region IS NULL, m.region";
        let rows: Vec<(String, String, Option<String>, i64, i64)> =
            on_pool!(self, |pool| sqlx::query_as(sql).bind(channel.0).bind(from).bind(until).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(purpose, occurrence_key, reactor_region, reactions, reactors)| {
                Ok(Engagement {
                    purpose: purpose.parse()?,
                    occurrence_key,
                    reactor_region,
                    reactions: count(reactions),
                    reactors: count(reactors),
                })
            })
            .collect()
    }

    /// Every reaction now on a channel's posts claimed in `[from, until)` (a removed one is
    /// gone), one row per person, emoji and post, by post. For counts across posts that
    /// [`Store::engagement`] cannot give: the distinct people who reacted to any of a
    /// holiday's reminders, where summing each post's reactors would count one person once
    /// per reminder.
    pub async fn reactions(
        &self,
        channel: ChannelId,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Reaction>, StoreError> {
        let sql = "SELECT p.purpose, p.occurrence_key, r.platform_user_id, m.region, r.emoji \
             FROM reactions r JOIN posts p ON p.id = r.post_id \
             JOIN channels c ON c.id = p.channel_id \
             LEFT JOIN members m ON m.workspace_id = c.workspace_id \
                 AND m.platform_user_id = r.platform_user_id \
             WHERE p.channel_id = $1 AND p.claimed_at >= $2 AND p.claimed_at < $3 \
             ORDER BY p.purpose, p.occurrence_key, r.platform_user_id, r.emoji";
        let rows: Vec<(String, String, String, Option<String>, String)> =
            on_pool!(self, |pool| sqlx::query_as(sql).bind(channel.0).bind(from).bind(until).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(purpose, occurrence_key, platform_user_id, reactor_region, emoji)| {
                Ok(Reaction { purpose: purpose.parse()?, occurrence_key, platform_user_id, reactor_region, emoji })
            })
            .collect()
    }

    // ---- scheduler bookkeeping -----------------------------------------------------------

    /// When the job last ran, so the scheduler can catch up on what it missed.
    pub async fn last_run(&self, job: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let sql = "SELECT last_run FROM job_runs WHERE job = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql).bind(job).fetch_optional(pool).await?))
    }

    /// Records a run. Never moves backwards: with several instances, a slow one finishing
    /// late does not make the others redo work.
    pub async fn set_last_run(&self, job: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let sql = "INSERT INTO job_runs (job, last_run) VALUES ($1, $2) \
             ON CONFLICT (job) DO UPDATE SET last_run = excluded.last_run \
             WHERE job_runs.last_run < excluded.last_run";
        on_pool!(self, |pool| sqlx::query(sql).bind(job).bind(at).execute(pool).await?.rows_affected());
        Ok(())
    }
}
