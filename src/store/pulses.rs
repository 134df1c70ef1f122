//! Pulses, their schedules, and the votes on them as the rest of meridian may see them: counts
//! by choice and segment, never who chose what (`votes.rs` writes them).

use super::normalize_region;
use super::votes::{self, VoteRequest};
use super::{corrupt, count, Backend, ChannelId, PulseId, PulseScheduleId, Store, StoreError};
use crate::pulse::CronSpec;
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::AssertSqlSafe;
use std::collections::HashSet;
use tokio::sync::oneshot;

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
    /// Five-field cron in the channel's time zone, checked (at most hourly).
    pub cron: CronSpec,
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
    pub cron: CronSpec,
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

pub(super) const PULSE_COLUMNS: &str = "id, channel_id, question, question_id, theme, options, opens_at, \
     closes_at, created_by, closed_at, message_ref";
#[derive(sqlx::FromRow)]
pub(super) struct PulseRow {
    id: i64,
    channel_id: i64,
    question: String,
    question_id: Option<String>,
    theme: Option<String>,
    /// The choices, as a JSON list of strings.
    options: String,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    created_by: String,
    closed_at: Option<DateTime<Utc>>,
    message_ref: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PulseScheduleRow {
    id: i64,
    channel_id: i64,
    cron: String,
    theme: Option<String>,
    duration_secs: i64,
    created_by: String,
}

impl PulseScheduleRow {
    /// The schedule, if its cron still reads: one that a newer meridian refuses (rules
    /// tighten) is left out with a warning naming it, rather than making every schedule
    /// unreadable; `/pulse unschedule ID` still removes it.
    fn into_schedule(self) -> Option<PulseSchedule> {
        match self.cron.parse::<CronSpec>() {
            Ok(cron) => Some(PulseSchedule {
                id: PulseScheduleId(self.id),
                channel: ChannelId(self.channel_id),
                cron,
                theme: self.theme,
                duration: TimeDelta::seconds(self.duration_secs),
                created_by: self.created_by,
            }),
            Err(e) => {
                tracing::warn!(schedule = self.id, channel = self.channel_id, error = %e, "a stored pulse schedule no longer reads; it will not fire");
                None
            }
        }
    }
}

impl TryFrom<PulseRow> for Pulse {
    type Error = StoreError;

    fn try_from(row: PulseRow) -> Result<Pulse, StoreError> {
        Ok(Pulse {
            id: PulseId(row.id),
            channel: ChannelId(row.channel_id),
            options: serde_json::from_str(&row.options).map_err(|e| corrupt("options", &row.options, e))?,
            question: row.question,
            question_id: row.question_id,
            theme: row.theme,
            opens_at: row.opens_at,
            closes_at: row.closes_at,
            created_by: row.created_by,
            closed_at: row.closed_at,
            message_ref: row.message_ref,
        })
    }
}

impl Store {
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
        let row: Option<PulseRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id.0).fetch_optional(pool).await?);
        row.map(Pulse::try_from).transpose()
    }

    /// A channel's pulses, oldest first (for trends and exports).
    pub async fn pulses_in_channel(&self, channel: ChannelId) -> Result<Vec<Pulse>, StoreError> {
        let sql = format!("SELECT {PULSE_COLUMNS} FROM pulses WHERE channel_id = $1 ORDER BY opens_at, id");
        let rows: Vec<PulseRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(channel.0).fetch_all(pool).await?);
        rows.into_iter().map(Pulse::try_from).collect()
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
            .bind(schedule.cron.as_written())
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
        let rows: Vec<PulseScheduleRow> = on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows.into_iter().filter_map(PulseScheduleRow::into_schedule).collect())
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
}
