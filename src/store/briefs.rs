//! The brief's tables: a channel's brief preferences, the dates managers add for their
//! customers' regions, and the headlines each channel has been shown. (The brief's time is a
//! channel setting and its customer regions are channel regions; both live in `mod.rs`.)

use super::{corrupt, normalize_region, Backend, ChannelId, Store, StoreError};
use crate::brief::BriefSettings;
use chrono::NaiveDate;
use std::collections::HashSet;

/// A date a manager added for one of a channel's customer regions
/// (`/brief event add AU 2027-03-05 "End-of-financial-year sale"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BriefEvent {
    pub id: i64,
    pub channel: ChannelId,
    /// ISO code, upper case.
    pub region: String,
    pub date: NaiveDate,
    pub name: String,
    pub created_by: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBriefEvent {
    pub channel: ChannelId,
    pub region: String,
    pub date: NaiveDate,
    pub name: String,
    pub created_by: String,
}

#[derive(sqlx::FromRow)]
struct BriefEventRow {
    id: i64,
    channel_id: i64,
    region: String,
    on_date: NaiveDate,
    name: String,
    created_by: String,
}

impl Store {
    /// How a channel wants its brief; the defaults for a channel that never said.
    pub async fn brief_settings(&self, channel: ChannelId) -> Result<BriefSettings, StoreError> {
        let sql = "SELECT days, quiet FROM brief_settings WHERE channel_id = $1";
        let row: Option<(String, String)> =
            on_pool!(self, |pool| sqlx::query_as(sql).bind(channel.0).fetch_optional(pool).await?);
        let Some((days, quiet)) = row else { return Ok(BriefSettings::default()) };
        Ok(BriefSettings {
            days: days.parse().map_err(|e| corrupt("brief days", &days, e))?,
            quiet: quiet.parse().map_err(|e| corrupt("brief quiet day", &quiet, e))?,
        })
    }

    /// Every channel's brief settings that differ from the defaults, for a scheduler run.
    pub async fn all_brief_settings(&self) -> Result<std::collections::HashMap<ChannelId, BriefSettings>, StoreError> {
        let sql = "SELECT channel_id, days, quiet FROM brief_settings";
        let rows: Vec<(i64, String, String)> = on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        let mut all = std::collections::HashMap::with_capacity(rows.len());
        for (channel, days, quiet) in rows {
            let settings = BriefSettings {
                days: days.parse().map_err(|e| corrupt("brief days", &days, e))?,
                quiet: quiet.parse().map_err(|e| corrupt("brief quiet day", &quiet, e))?,
            };
            all.insert(ChannelId(channel), settings);
        }
        Ok(all)
    }

    pub async fn set_brief_settings(&self, channel: ChannelId, settings: &BriefSettings) -> Result<(), StoreError> {
        let sql = "INSERT INTO brief_settings (channel_id, days, quiet) VALUES ($1, $2, $3) \
             ON CONFLICT (channel_id) DO UPDATE SET days = excluded.days, quiet = excluded.quiet";
        on_pool!(self, |pool| sqlx::query(sql)
            .bind(channel.0)
            .bind(settings.days.as_str())
            .bind(settings.quiet.as_str())
            .execute(pool)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn add_brief_event(&self, event: &NewBriefEvent) -> Result<i64, StoreError> {
        let sql = "INSERT INTO brief_events (channel_id, region, on_date, name, created_by) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(event.channel.0)
            .bind(normalize_region(&event.region))
            .bind(event.date)
            .bind(&event.name)
            .bind(&event.created_by)
            .fetch_one(pool)
            .await?))
    }

    /// A channel's brief events, by date.
    pub async fn brief_events(&self, channel: ChannelId) -> Result<Vec<BriefEvent>, StoreError> {
        let sql = "SELECT id, channel_id, region, on_date, name, created_by FROM brief_events \
             WHERE channel_id = $1 ORDER BY on_date, id";
        let rows: Vec<BriefEventRow> =
            on_pool!(self, |pool| sqlx::query_as(sql).bind(channel.0).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|row| BriefEvent {
                id: row.id,
                channel: ChannelId(row.channel_id),
                region: row.region,
                date: row.on_date,
                name: row.name,
                created_by: row.created_by,
            })
            .collect())
    }

    /// Removes one of the channel's brief events; returns whether there was one. Another
    /// channel's event of the same id is left alone.
    pub async fn remove_brief_event(&self, channel: ChannelId, id: i64) -> Result<bool, StoreError> {
        let sql = "DELETE FROM brief_events WHERE id = $1 AND channel_id = $2";
        let done =
            on_pool!(self, |pool| sqlx::query(sql).bind(id).bind(channel.0).execute(pool).await?.rows_affected());
        Ok(done > 0)
    }

    /// Which of `items` (headline keys) the channel was shown in a brief dated before
    /// `before`: those are not shown again. A brief sent again the same day (a retry) may
    /// show its own headlines again.
    pub async fn headlines_shown_before(
        &self,
        channel: ChannelId,
        items: &[String],
        before: NaiveDate,
    ) -> Result<HashSet<String>, StoreError> {
        let mut shown = HashSet::new();
        let sql = "SELECT item FROM brief_headlines WHERE channel_id = $1 AND item = $2 AND shown_on < $3";
        for item in items {
            let found: Option<String> = on_pool!(self, |pool| sqlx::query_scalar(sql)
                .bind(channel.0)
                .bind(item)
                .bind(before)
                .fetch_optional(pool)
                .await?);
            shown.extend(found);
        }
        Ok(shown)
    }

    /// Remembers that the brief of `on` showed these headlines; the first showing is kept.
    pub async fn record_headlines(
        &self,
        channel: ChannelId,
        items: &[String],
        on: NaiveDate,
    ) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let sql = "INSERT INTO brief_headlines (channel_id, item, shown_on) VALUES ($1, $2, $3) \
             ON CONFLICT (channel_id, item) DO NOTHING";
        in_transaction!(self, |tx| {
            for item in items {
                sqlx::query(sql).bind(channel.0).bind(item).bind(on).execute(&mut *tx).await?;
            }
        });
        Ok(())
    }
}
