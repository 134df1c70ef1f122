//! The post ledger and the scheduler's bookkeeping in bulk: what one scheduler run reads for
//! every channel at once (last runs, workspaces, milestones, pulses, owed announcements,
//! members of the channels that post) and the claims, deliveries and last runs it writes in
//! batches, one transaction per batch, as the vote writer does (issue #19: a query per
//! channel and post cost a thread round trip each and dominated the scheduler's time).
//!
//! The claims keep [`Store::claim_or_reclaim`]'s meaning key by key (the same insert, the
//! same check of a row that beat us, the same lease before taking an undelivered claim
//! over); the batch only shares one transaction. Keys are claimed in a fixed order, so two
//! PostgreSQL instances claiming overlapping batches wait for each other rather than
//! deadlock.

use super::events::{EventRow, EVENT_COLUMNS};
use super::members::{MemberRow, MEMBER_COLUMNS};
use super::posts::{lease_seconds, OwedRow, POST_COLUMNS, RECLAIM_POSTGRES, RECLAIM_SQLITE};
use super::pulses::{PulseRow, PULSE_COLUMNS};
use super::{
    parse_platform, Backend, BackendKind, ChannelId, ClaimOutcome, CustomEvent, Member, Post, PostId, PostKey, Pulse,
    Purpose, Store, StoreError, Workspace, WorkspaceId,
};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

/// A channel's id and one of its members' [`MemberRow`].
#[derive(sqlx::FromRow)]
struct ChannelMemberRow {
    channel_id: i64,
    #[sqlx(flatten)]
    member: MemberRow,
}

/// The most rows written in one transaction.
const MAX_BATCH: usize = 1024;
/// The most ids named in one `IN (...)` list.
const MAX_IDS: usize = 500;

impl Store {
    /// The last run of every job whose name starts with `prefix`.
    pub async fn last_runs(&self, prefix: &str) -> Result<HashMap<String, DateTime<Utc>>, StoreError> {
        let sql = "SELECT job, last_run FROM job_runs WHERE job LIKE $1";
        let pattern = format!("{}%", prefix.replace('%', "\\%").replace('_', "\\_"));
        let rows: Vec<(String, DateTime<Utc>)> =
            on_pool!(self, |pool| sqlx::query_as(sql).bind(&pattern).fetch_all(pool).await?);
        // LIKE's escape character differs between dialects; filtering again here keeps the
        // answer exact whatever the database made of it.
        Ok(rows.into_iter().filter(|(job, _)| job.starts_with(prefix)).collect())
    }

    /// [`Store::set_last_run`] for many jobs, in transactions of [`MAX_BATCH`] rows; never
    /// moves a job backwards.
    pub async fn set_last_runs(&self, runs: &[(String, DateTime<Utc>)]) -> Result<(), StoreError> {
        let sql = "INSERT INTO job_runs (job, last_run) VALUES ($1, $2) \
             ON CONFLICT (job) DO UPDATE SET last_run = excluded.last_run \
             WHERE job_runs.last_run < excluded.last_run";
        for batch in runs.chunks(MAX_BATCH) {
            in_transaction!(self, |tx| {
                for (job, at) in batch {
                    sqlx::query(sql).bind(job).bind(at).execute(&mut *tx).await?;
                }
            });
        }
        Ok(())
    }

    /// Every workspace, by id.
    pub async fn workspaces(&self) -> Result<HashMap<WorkspaceId, Workspace>, StoreError> {
        let sql = "SELECT id, platform, external_id, name FROM workspaces";
        let rows: Vec<(i64, String, String, String)> =
            on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        rows.into_iter()
            .map(|(id, platform, external_id, name)| {
                let workspace =
                    Workspace { id: WorkspaceId(id), platform: parse_platform(&platform)?, external_id, name };
                Ok((workspace.id, workspace))
            })
            .collect()
    }

    /// Every custom event of every workspace and channel, by date then id (what
    /// [`Store::custom_events`] returns for one channel, for all at once).
    pub async fn all_custom_events(&self) -> Result<Vec<CustomEvent>, StoreError> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM custom_events ORDER BY on_date, id");
        let rows: Vec<EventRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await?);
        rows.into_iter().map(CustomEvent::try_from).collect()
    }

    /// Every pulse of every channel, each channel's oldest first (as
    /// [`Store::pulses_in_channel`] orders them).
    pub async fn all_pulses(&self) -> Result<Vec<Pulse>, StoreError> {
        let sql = format!("SELECT {PULSE_COLUMNS} FROM pulses ORDER BY channel_id, opens_at, id");
        let rows: Vec<PulseRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await?);
        rows.into_iter().map(Pulse::try_from).collect()
    }

    /// The members of each of `channels` (as [`Store::members_of_channel`] orders them).
    pub async fn members_of_channels(
        &self,
        channels: &[ChannelId],
    ) -> Result<HashMap<ChannelId, Vec<Member>>, StoreError> {
        let mut out: HashMap<ChannelId, Vec<Member>> = HashMap::new();
        for chunk in channels.chunks(MAX_IDS) {
            // Ids are numbers the store made, so they are written into the query: a list
            // parameter would need JSON on one backend and an array on the other.
            let ids: Vec<String> = chunk.iter().map(|c| c.0.to_string()).collect();
            let sql = format!(
                "SELECT cm.channel_id, {MEMBER_COLUMNS} FROM members m \
                 JOIN channel_members cm ON cm.member_id = m.id WHERE cm.channel_id IN ({}) \
                 ORDER BY cm.channel_id, m.display_name, m.id",
                ids.join(", ")
            );
            let rows: Vec<ChannelMemberRow> =
                on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await?);
            for row in rows {
                out.entry(ChannelId(row.channel_id)).or_default().push(Member::try_from(row.member)?);
            }
        }
        Ok(out)
    }

    /// Every channel's posts of `purpose` claimed with a payload and never delivered, oldest
    /// first (what [`Store::owed_payloads`] returns for one channel).
    pub async fn all_owed_payloads(&self, purpose: Purpose) -> Result<Vec<(Post, String)>, StoreError> {
        let sql = format!(
            "SELECT {POST_COLUMNS}, payload FROM posts WHERE purpose = $1 \
             AND delivered_at IS NULL AND payload IS NOT NULL ORDER BY claimed_at, id"
        );
        let rows: Vec<OwedRow> = on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(purpose.as_str())
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(|row| Ok((Post::try_from(row.post)?, row.payload))).collect()
    }

    /// [`Store::claim_or_reclaim`] for many keys, in transactions of [`MAX_BATCH`] keys:
    /// what each key's claim came to, in the order given.
    pub async fn claim_many(
        &self,
        keys: &[PostKey],
        instance_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ClaimOutcome>, StoreError> {
        let insert = "INSERT INTO posts (channel_id, purpose, occurrence_key, instance_id, \
             claimed_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (channel_id, purpose, occurrence_key) DO NOTHING RETURNING id";
        let existing = "SELECT id, delivered_at IS NOT NULL FROM posts \
             WHERE channel_id = $1 AND purpose = $2 AND occurrence_key = $3";
        let lease = self.reclaim_lease();
        let on_postgres = self.kind() == BackendKind::Postgres;
        // A fixed order of keys, so that concurrent batches take row locks in the same order.
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&keys[a], &keys[b]);
            (x.channel.0, x.purpose.as_str(), &x.occurrence_key).cmp(&(
                y.channel.0,
                y.purpose.as_str(),
                &y.occurrence_key,
            ))
        });
        let mut outcomes = vec![ClaimOutcome::Held; keys.len()];
        for batch in order.chunks(MAX_BATCH) {
            in_transaction!(self, |tx| {
                for &i in batch {
                    let key = &keys[i];
                    let won: Option<i64> = sqlx::query_scalar(insert)
                        .bind(key.channel.0)
                        .bind(key.purpose.as_str())
                        .bind(&key.occurrence_key)
                        .bind(instance_id)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?;
                    outcomes[i] = match won {
                        Some(id) => ClaimOutcome::Mine(PostId(id)),
                        None => {
                            let (id, delivered): (i64, bool) = sqlx::query_as(existing)
                                .bind(key.channel.0)
                                .bind(key.purpose.as_str())
                                .bind(&key.occurrence_key)
                                .fetch_one(&mut *tx)
                                .await?;
                            if delivered {
                                ClaimOutcome::Delivered
                            } else {
                                // The same takeover as `Store::reclaim_post`.
                                let reclaim = if on_postgres {
                                    sqlx::query(RECLAIM_POSTGRES)
                                        .bind(id)
                                        .bind(instance_id)
                                        .bind(now)
                                        .bind(lease_seconds(lease))
                                } else {
                                    sqlx::query(RECLAIM_SQLITE).bind(id).bind(instance_id).bind(now).bind(now - lease)
                                };
                                let taken = reclaim.execute(&mut *tx).await?.rows_affected();
                                if taken == 1 {
                                    ClaimOutcome::Mine(PostId(id))
                                } else {
                                    ClaimOutcome::Held
                                }
                            }
                        }
                    };
                }
            });
        }
        Ok(outcomes)
    }

    /// [`Store::mark_delivered`] for many posts (each with its platform message id), in
    /// transactions of [`MAX_BATCH`].
    pub async fn mark_delivered_many(&self, posts: &[(PostId, String)], at: DateTime<Utc>) -> Result<(), StoreError> {
        let sql = "UPDATE posts SET delivered_at = $2, message_ref = $3 WHERE id = $1";
        for batch in posts.chunks(MAX_BATCH) {
            in_transaction!(self, |tx| {
                for (post, message_ref) in batch {
                    let done = sqlx::query(sql)
                        .bind(post.0)
                        .bind(at)
                        .bind(message_ref)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if done == 0 {
                        return Err(StoreError::NotFound { what: "post", id: post.0 });
                    }
                }
            });
        }
        Ok(())
    }
}
