//! Scheduler bookkeeping: when each job last ran, so a restart catches up on what it missed.

use super::{Backend, Store, StoreError};
use chrono::{DateTime, Utc};

impl Store {
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
