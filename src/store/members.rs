//! Members: who is in a workspace, what they told the bot about themselves (region, zone,
//! hours, company calendar), which channels they are in, and onboarding from a CSV.

use super::normalize_region;
use super::{parse_tz, Backend, ChannelId, MemberId, Store, StoreError, WorkspaceId};
use crate::calendar::RegionCode;
use chrono::NaiveTime;
use chrono_tz::Tz;
use sqlx::AssertSqlSafe;

/// A member's hours: the team module's type, stored as two times of day.
pub use crate::team::WorkingHours;

/// What a member has told the bot: the team module's type.
pub use crate::team::MemberProfile;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: MemberId,
    pub workspace: WorkspaceId,
    pub platform_user_id: String,
    pub display_name: String,
    pub profile: MemberProfile,
}

impl Member {
    /// The member as the team's answers name them (who is off, overlap).
    pub fn teammate(&self) -> crate::team::Teammate {
        crate::team::Teammate {
            user_id: self.platform_user_id.clone(),
            display_name: self.display_name.clone(),
            profile: self.profile.clone(),
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

pub(super) const MEMBER_COLUMNS: &str = "m.id, m.workspace_id, m.platform_user_id, m.display_name, \
     m.region, m.subdivision, m.timezone, m.work_start, m.work_end, m.opted_out, m.calendar";
#[derive(sqlx::FromRow)]
pub(super) struct MemberRow {
    id: i64,
    workspace_id: i64,
    platform_user_id: String,
    display_name: String,
    region: Option<String>,
    subdivision: Option<String>,
    timezone: Option<String>,
    work_start: Option<NaiveTime>,
    work_end: Option<NaiveTime>,
    opted_out: bool,
    calendar: Option<String>,
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

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;

    fn try_from(row: MemberRow) -> Result<Member, StoreError> {
        let who = &row.platform_user_id;
        let profile = MemberProfile {
            region: stored_region(who, row.region),
            subdivision: stored_region(who, row.subdivision),
            timezone: row.timezone.as_deref().map(parse_tz).transpose()?,
            working_hours: row.work_start.zip(row.work_end).map(|(start, end)| WorkingHours { start, end }),
            opted_out: row.opted_out,
            calendar: stored_region(who, row.calendar),
        };
        Ok(Member {
            id: MemberId(row.id),
            workspace: WorkspaceId(row.workspace_id),
            platform_user_id: row.platform_user_id,
            display_name: row.display_name,
            profile,
        })
    }
}

impl Store {
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
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(id.0).fetch_optional(pool).await?);
        row.map(Member::try_from).transpose()
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
        let row: Option<MemberRow> = on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(workspace.0)
            .bind(platform_user_id)
            .fetch_optional(pool)
            .await?);
        row.map(Member::try_from).transpose()
    }

    /// Everyone the bot knows in a workspace, by display name.
    pub async fn members(&self, workspace: WorkspaceId) -> Result<Vec<Member>, StoreError> {
        let sql = format!(
            "SELECT {MEMBER_COLUMNS} FROM members m WHERE m.workspace_id = $1 \
             ORDER BY m.display_name, m.id"
        );
        let rows: Vec<MemberRow> = on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str()))
            .bind(workspace.0)
            .fetch_all(pool)
            .await?);
        rows.into_iter().map(Member::try_from).collect()
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
        let rows: Vec<MemberRow> =
            on_pool!(self, |pool| sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(channel.0).fetch_all(pool).await?);
        rows.into_iter().map(Member::try_from).collect()
    }
}
