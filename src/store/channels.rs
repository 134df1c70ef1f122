//! Workspaces and channels: a channel's settings (zone, reminder schedule, lead days, brief
//! time) and the regions it follows and serves.

use super::{
    corrupt, normalize_region, parse_platform, parse_tz, Backend, ChannelId, Platform, Store, StoreError, WorkspaceId,
};
use crate::reminders::PostingSchedule;
use chrono::NaiveTime;
use chrono_tz::Tz;
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

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

const CHANNEL_COLUMNS: &str = "c.id, c.workspace_id, w.platform, c.external_id, c.name, \
     c.timezone, c.reminder_cron, c.lead_days, c.brief_time";
#[derive(sqlx::FromRow)]
struct ChannelRow {
    id: i64,
    workspace_id: i64,
    platform: String,
    external_id: String,
    name: String,
    timezone: String,
    reminder_cron: String,
    /// A JSON list of whole numbers.
    lead_days: String,
    brief_time: Option<NaiveTime>,
}

const FOLLOWED: &str = "followed";
const CUSTOMER: &str = "customer";

/// A stored reminder schedule. One that a newer meridian no longer accepts (rules tighten:
/// at most hourly since 2026-12) is replaced by the default with a warning, rather than
/// silencing the channel or refusing to read it.
fn schedule_of(channel: &str, cron: &str) -> PostingSchedule {
    PostingSchedule::parse(cron).unwrap_or_else(|e| {
        tracing::warn!(channel, error = %e, "a stored reminder schedule is no longer valid; using the default");
        PostingSchedule::default()
    })
}

impl ChannelRow {
    fn into_channel(self, regions: &RegionMap) -> Result<Channel, StoreError> {
        let lead_days: Vec<u32> =
            serde_json::from_str(&self.lead_days).map_err(|e| corrupt("lead days", &self.lead_days, e))?;
        let (followed_regions, customer_regions) = regions.get(&self.id).cloned().unwrap_or_default();
        let settings = ChannelSettings {
            timezone: parse_tz(&self.timezone)?,
            reminder_schedule: schedule_of(&self.name, &self.reminder_cron),
            lead_days,
            brief_time: self.brief_time,
        };
        Ok(Channel {
            id: ChannelId(self.id),
            workspace: WorkspaceId(self.workspace_id),
            platform: parse_platform(&self.platform)?,
            external_id: self.external_id,
            name: self.name,
            settings,
            followed_regions,
            customer_regions,
        })
    }
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

impl Store {
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
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id.0).fetch_optional(pool).await?);
        self.with_regions(row.into_iter().collect(), Some(id)).await.map(|mut channels| channels.pop())
    }

    /// Every channel, with its settings and regions (for the scheduler).
    pub async fn channels(&self) -> Result<Vec<Channel>, StoreError> {
        let sql = format!(
            "SELECT {CHANNEL_COLUMNS} FROM channels c JOIN workspaces w ON w.id = c.workspace_id \
             ORDER BY c.id"
        );
        let rows: Vec<ChannelRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await?);
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
        rows.into_iter().map(|row| row.into_channel(&regions)).collect()
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
}
