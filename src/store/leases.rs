//! The post ledger's leases between instances: how a claim that was never delivered passes
//! to another instance. On PostgreSQL a claim's lease is counted from `leased_at`, written and
//! compared with the database's own clock (`now()`), so instances whose clocks disagree
//! still agree on when a lease has run out. On SQLite one process owns the file and the lease
//! is zero (see `Store::claim_or_reclaim`).

use super::posts::{PostRow, POST_COLUMNS};
use super::{Backend, BackendKind, Post, PostKey, Store, StoreError};
use sqlx::AssertSqlSafe;
use std::collections::HashSet;

impl Store {
    /// Gives up the claims `instance_id` holds and has not delivered, except those in `keep`
    /// (still being sent): on PostgreSQL their lease ends now, so the next instance that asks
    /// takes them over at once instead of after the lease. Returns how many were released.
    /// (On SQLite an undelivered claim is free already: nothing to do.)
    pub async fn release_claims(&self, instance_id: &str, keep: &HashSet<PostKey>) -> Result<u64, StoreError> {
        if self.kind() == BackendKind::Sqlite {
            return Ok(0);
        }
        let held = format!("SELECT {POST_COLUMNS} FROM posts WHERE instance_id = $1 AND delivered_at IS NULL");
        let release = "UPDATE posts SET leased_at = TIMESTAMPTZ 'epoch' \
             WHERE id = $1 AND instance_id = $2 AND delivered_at IS NULL";
        let Backend::Postgres(pool) = &self.backend else { return Ok(0) };
        let rows: Vec<PostRow> = sqlx::query_as(AssertSqlSafe(held)).bind(instance_id).fetch_all(pool).await?;
        let mut released = 0;
        for row in rows {
            let post = Post::try_from(row)?;
            if keep.contains(&post.key) {
                continue;
            }
            released += sqlx::query(release).bind(post.id.0).bind(instance_id).execute(pool).await?.rows_affected();
        }
        Ok(released)
    }
}
