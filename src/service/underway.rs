//! Work the bot has acknowledged and not yet finished, counted, so that stopping can wait for
//! it: a person told "received" should get the answer, and a vote in flight should be written,
//! before the process exits.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Default, Clone)]
pub struct Underway(Arc<Count>);

#[derive(Debug, Default)]
struct Count {
    running: AtomicUsize,
    idle: Notify,
}

/// Marks one piece of work finished, even if it panicked.
struct Finished(Arc<Count>);

impl Drop for Finished {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Underway {
    /// Runs `work` in a task of its own, counted until it ends; its output comes back through
    /// the handle.
    pub fn run<T: Send + 'static>(&self, work: impl Future<Output = T> + Send + 'static) -> tokio::task::JoinHandle<T> {
        self.0.running.fetch_add(1, Ordering::SeqCst);
        let finished = Finished(self.0.clone());
        tokio::spawn(async move {
            let output = work.await;
            drop(finished);
            output
        })
    }

    /// How many pieces of work are running.
    pub fn running(&self) -> usize {
        self.0.running.load(Ordering::SeqCst)
    }

    /// Waits (up to `within`) for the work already started to finish; true if it all did.
    pub async fn drain(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let idle = self.0.idle.notified();
            if self.running() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                tracing::warn!(left = self.running(), "stopping with acknowledged work still in progress");
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn draining_waits_for_started_work_and_gives_up_at_its_limit() {
        let underway = Underway::default();
        let quick = underway.run(tokio::time::sleep(Duration::from_secs(1)));
        let slow = underway.run(tokio::time::sleep(Duration::from_secs(60)));
        assert_eq!(underway.running(), 2);
        assert!(!underway.drain(Duration::from_secs(5)).await, "the slow one is still running");
        assert!(quick.is_finished());
        assert_eq!(underway.running(), 1);
        slow.await.unwrap();
        assert!(underway.drain(Duration::from_secs(5)).await);
    }

    #[tokio::test]
    async fn work_that_panics_is_counted_as_finished() {
        let underway = Underway::default();
        let failed = underway.run(async { panic!("the work failed") });
        assert!(failed.await.is_err());
        assert_eq!(underway.running(), 0);
        assert!(underway.drain(Duration::from_millis(10)).await);
    }
}
