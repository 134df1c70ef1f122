//! Custom events and milestones managers add, and the calendars HR imports (kept as TOML).

use super::{corrupt, Backend, ChannelId, CustomEventId, Store, StoreError, WorkspaceId};
use super::{normalize_region, Channel};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;

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
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct ImportedCalendar {
    pub region_code: String,
    pub source_name: String,
    pub toml_text: String,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

pub(super) const EVENT_COLUMNS: &str = "id, workspace_id, channel_id, name, on_date, yearly, kind, note, created_by";
#[derive(sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    workspace_id: i64,
    channel_id: Option<i64>,
    name: String,
    on_date: NaiveDate,
    yearly: bool,
    kind: String,
    note: Option<String>,
    created_by: String,
}

impl TryFrom<EventRow> for CustomEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<CustomEvent, StoreError> {
        let kind = match row.kind.as_str() {
            "event" => EventKind::Event,
            "milestone" => EventKind::Milestone,
            other => return Err(corrupt("event kind", other, "not event or milestone")),
        };
        Ok(CustomEvent {
            id: CustomEventId(row.id),
            workspace: WorkspaceId(row.workspace_id),
            channel: row.channel_id.map(ChannelId),
            name: row.name,
            date: row.on_date,
            yearly: row.yearly,
            kind,
            note: row.note,
            created_by: row.created_by,
        })
    }
}

impl Store {
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
        let rows: Vec<EventRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id).fetch_all(pool).await?);
        rows.into_iter().map(CustomEvent::try_from).collect()
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
        Ok(on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?))
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
}
