//! Reactions to the bot's posts, counted per post and per occurrence for managers.

use super::Purpose;
use super::{Backend, ChannelId, PostId, Store, StoreError};
use chrono::{DateTime, Utc};

/// One person's reaction, as it stands now, on one of a channel's posts. Counts are made from
/// these rows, not per post in SQL, because they span several posts: one person reacting to
/// the 7-day, 1-day and day-of reminders of a holiday is one person, not three.
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

impl Store {
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

    /// Every reaction now on a channel's posts claimed in `[from, until)` (a removed one is
    /// gone), one row per person, emoji and post, by post: what `/engagement` counts from,
    /// e.g. the distinct people who reacted to any of a holiday's reminders, where summing each
    /// post's reactors would count one person once
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
}
