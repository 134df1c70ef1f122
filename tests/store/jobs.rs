//! Scheduler bookkeeping: last runs, and what a run reads at once.

use super::*;

pub(super) async fn the_last_run_is_remembered_and_never_moves_backwards(db: &TestDb) {
    let s = &db.store;
    assert_eq!(s.last_run("reminders").await.unwrap(), None);
    s.set_last_run("reminders", at("2026-03-02T09:00:00Z")).await.unwrap();
    s.set_last_run("reminders", at("2026-03-02T09:05:00Z")).await.unwrap();
    s.set_last_run("reminders", at("2026-03-02T09:01:00Z")).await.unwrap();
    assert_eq!(s.last_run("reminders").await.unwrap(), Some(at("2026-03-02T09:05:00Z")));
    assert_eq!(s.last_run("briefs").await.unwrap(), None);
}
