//! The post ledger: every scheduled or announced post claimed once (across restarts and
//! instances), marked delivered, taken over after a lease, with the payload still owed.

use super::BackendKind;
use super::{Backend, ChannelId, PostId, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::AssertSqlSafe;
use std::fmt;
use std::str::FromStr;

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

pub(super) const POST_COLUMNS: &str = "id, channel_id, purpose, occurrence_key, instance_id, claimed_at, \
     delivered_at, message_ref";
/// Takes over post `$1` for instance `$2` at `$3` if it is undelivered and its claim is older
/// than `$4` (the instant the lease started before). SQLite has one process per file.
pub(super) const RECLAIM_SQLITE: &str = "UPDATE posts SET instance_id = $2, claimed_at = $3 \
     WHERE id = $1 AND delivered_at IS NULL AND claimed_at <= $4";
/// The same on PostgreSQL, by the database's clock, with `$4` the lease in seconds. Its own
/// claim (a send of this process that failed) is an instance's to retry at once;
/// `Services::claim` keeps the process's own tasks apart.
pub(super) const RECLAIM_POSTGRES: &str = "UPDATE posts SET instance_id = $2, claimed_at = $3, \
     leased_at = now() WHERE id = $1 AND delivered_at IS NULL \
     AND (instance_id = $2 OR leased_at <= now() - make_interval(secs => $4))";

pub(super) fn lease_seconds(lease: TimeDelta) -> f64 {
    lease.num_milliseconds() as f64 / 1000.0
}

#[derive(sqlx::FromRow)]
pub(super) struct PostRow {
    id: i64,
    channel_id: i64,
    purpose: String,
    occurrence_key: String,
    instance_id: String,
    claimed_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
    message_ref: Option<String>,
}

/// A [`PostRow`] and the payload kept with it.
#[derive(sqlx::FromRow)]
pub(super) struct OwedRow {
    #[sqlx(flatten)]
    pub(super) post: PostRow,
    pub(super) payload: String,
}

impl TryFrom<PostRow> for Post {
    type Error = StoreError;

    fn try_from(row: PostRow) -> Result<Post, StoreError> {
        Ok(Post {
            id: PostId(row.id),
            key: PostKey {
                channel: ChannelId(row.channel_id),
                purpose: row.purpose.parse()?,
                occurrence_key: row.occurrence_key,
            },
            instance_id: row.instance_id,
            claimed_at: row.claimed_at,
            delivered_at: row.delivered_at,
            message_ref: row.message_ref,
        })
    }
}

impl Store {
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
        let rows: Vec<PostRow> = on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(claimed_before)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(Post::try_from).collect()
    }

    /// Takes over an undelivered claim whose holder has had `lease` to deliver it and has
    /// not. Atomic: of several instances reclaiming the same post, one gets `true`, and a
    /// claim younger than the lease is never taken from another instance. On PostgreSQL the
    /// claim's age is read with the database's clock (`leased_at` against `now()`, see
    /// `store/leases.rs`): `now` is only recorded, so a skewed instance clock cannot shorten
    /// another's lease; and an instance may always retake its own undelivered claim (a failed
    /// send of its own, which it knows it is no longer sending).
    pub async fn reclaim_post(
        &self,
        post: PostId,
        instance_id: &str,
        now: DateTime<Utc>,
        lease: TimeDelta,
    ) -> Result<bool, StoreError> {
        let done = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query(RECLAIM_SQLITE)
                .bind(post.0)
                .bind(instance_id)
                .bind(now)
                .bind(now - lease)
                .execute(pool)
                .await?
                .rows_affected(),
            Backend::Postgres(pool) => sqlx::query(RECLAIM_POSTGRES)
                .bind(post.0)
                .bind(instance_id)
                .bind(now)
                .bind(lease_seconds(lease))
                .execute(pool)
                .await?
                .rows_affected(),
        };
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
    /// - PostgreSQL: two minutes, by the database's clock. Several live instances share the
    ///   database, and an undelivered claim may belong to one that is sending it at this
    ///   moment. Two minutes is far longer than a send should take (platform adapters must
    ///   time out well within it); after that the holder is taken to have failed or died, and
    ///   the post is sent by whoever asks next. A send slower than the lease may go out
    ///   twice. An instance that stops cleanly releases its undelivered claims at once
    ///   ([`Store::release_claims`]).
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
    pub(super) fn reclaim_lease(&self) -> TimeDelta {
        match self.kind() {
            BackendKind::Sqlite => TimeDelta::zero(),
            BackendKind::Postgres => TimeDelta::minutes(2),
        }
    }

    pub async fn post(&self, id: PostId) -> Result<Option<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts WHERE id = $1");
        let row: Option<PostRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id.0).fetch_optional(pool).await?);
        row.map(Post::try_from).transpose()
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
        let rows: Vec<OwedRow> = on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(channel.0)
            .bind(purpose.as_str())
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(|row| Ok((Post::try_from(row.post)?, row.payload))).collect()
    }

    /// The bot's posts behind a platform message in a channel (a reaction names both): one,
    /// or several when one message carried them (a reminder digest). Message ids are unique
    /// only within a channel on some platforms (Slack's `ts`), so the channel is part of the
    /// question, not a filter applied after it.
    pub async fn posts_by_message(&self, channel: ChannelId, message_ref: &str) -> Result<Vec<Post>, StoreError> {
        let sql = format!("SELECT {POST_COLUMNS} FROM posts WHERE channel_id = $1 AND message_ref = $2 ORDER BY id");
        let rows: Vec<PostRow> = on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(channel.0)
            .bind(message_ref)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(Post::try_from).collect()
    }
}
