//! When a pulse owes its channel something (a repost, a nudge, its results): the one reading
//! of the timing rules.

use crate::pulse::{nudge_at, nudge_due, DEFAULT_NUDGE_LEAD};
use crate::store::Pulse;
use chrono::{DateTime, TimeDelta, Utc};

/// What a pulse owes its channel, as time passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Duty {
    /// Its question never went out (a failed send, a crash after its claim): send it.
    Repost,
    /// Close it and post its results; for a closed pulse, post results a crash left owed.
    Report,
    /// Remind, once, those who have not answered.
    Nudge,
}

/// The grace before a retry: a launch or a close still in progress elsewhere is not doubled.
pub const GRACE: TimeDelta = TimeDelta::minutes(1);

/// How long after closing a pulse's results are still worth posting.
const RESULTS_KEEP: TimeDelta = TimeDelta::days(7);

/// Every duty of a pulse and the instant it falls due, past or to come: the one reading of
/// the timing rules behind the scheduler's run, its next wake-up and `meridian preview`.
pub fn duties(p: &Pulse) -> Vec<(DateTime<Utc>, Duty)> {
    match p.closed_at {
        Some(closed) => vec![(closed + GRACE, Duty::Report)],
        None => {
            let mut due =
                vec![(p.closes_at, Duty::Report), (nudge_at(p.opens_at, p.closes_at, DEFAULT_NUDGE_LEAD), Duty::Nudge)];
            if p.message_ref.is_none() {
                due.push((p.opens_at + GRACE, Duty::Repost));
            }
            due
        }
    }
}

/// The duties to carry out at `now`, in the order to carry them out.
pub fn due_now(p: &Pulse, now: DateTime<Utc>) -> Vec<Duty> {
    let mut due: Vec<Duty> = duties(p)
        .into_iter()
        .filter(|(at, duty)| match duty {
            // Before closing only: after it, the results say it all.
            Duty::Repost => *at <= now && now < p.closes_at && p.is_open(),
            Duty::Nudge => p.is_open() && nudge_due(p.opens_at, p.closes_at, now, DEFAULT_NUDGE_LEAD, false),
            Duty::Report => *at <= now && p.closed_at.is_none_or(|closed| now - closed < RESULTS_KEEP),
        })
        .map(|(_, duty)| duty)
        .collect();
    due.sort();
    due
}
