//! Anonymous pulse votes: the keyed voter hash and the writer that commits votes in batches.
//!
//! A vote row holds `HMAC-SHA256(pulse key, pulse id || voter id)`, never the voter's id.
//! The key is random, one per pulse, and lives in `pulse_keys`, away from the votes; it is
//! deleted in the same transaction that closes the pulse. While a pulse is open the bot can
//! tell whether a given person has voted (one vote each, and the nudge), but not what anyone
//! chose without also reading the key; once it is closed nobody, the database owner included,
//! can test whether a given person voted, because the hash cannot be recomputed.
//!
//! Durability costs one fsync per transaction (SQLite `synchronous = FULL`, PostgreSQL's
//! default `synchronous_commit = on`). So that a burst of clicks does not queue behind one
//! fsync each, every [`Store`](super::Store) runs one writer task: `record_vote` hands the vote
//! to it and waits; the writer takes every vote waiting at that moment, writes them in one
//! transaction, commits, and only then answers each caller. An acknowledged vote is on disk,
//! and a busy pulse costs one fsync per batch rather than per vote.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tokio::sync::{mpsc, oneshot};

use super::backend::Backend;
use super::{PulseId, StoreError, VoteOutcome};

/// Votes waiting for the writer; past this, `record_vote` callers wait for room.
const QUEUE: usize = 8192;
/// The most votes written in one transaction.
const MAX_BATCH: usize = 1024;

/// A fresh random key for a new pulse, from the operating system's generator.
pub(crate) fn new_pulse_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    key
}

/// What a vote row holds instead of the voter.
pub(crate) fn voter_hash(key: &[u8], pulse: PulseId, voter: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    // The pulse id is fixed-width, so (pulse, voter) pairs cannot run into each other.
    mac.update(&pulse.0.to_be_bytes());
    mac.update(voter.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

pub(crate) struct VoteRequest {
    pub pulse: PulseId,
    pub voter: String,
    pub choice: u32,
    pub segment: Option<String>,
    pub at: DateTime<Utc>,
    pub reply: oneshot::Sender<Result<VoteOutcome, StoreError>>,
}

/// Starts the writer; it ends when the last sender (the last clone of the store) is dropped.
pub(crate) fn spawn_writer(backend: Backend) -> mpsc::Sender<VoteRequest> {
    let (sender, mut receiver) = mpsc::channel::<VoteRequest>(QUEUE);
    tokio::spawn(async move {
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
            write_batch(&backend, &mut batch).await;
        }
    });
    sender
}

/// The state of a pulse as a vote needs it, read once per pulse per batch.
struct OpenPulse {
    key: Vec<u8>,
    option_count: i64,
    closes_at: DateTime<Utc>,
}

/// (key, option count, closes at, closed at) of one pulse; the key is NULL once closed.
type PulseRow = (Option<Vec<u8>>, i64, DateTime<Utc>, Option<DateTime<Utc>>);

const SQLITE_LOOKUP: &str = "SELECT k.key, p.option_count, p.closes_at, p.closed_at \
     FROM pulses p LEFT JOIN pulse_keys k ON k.pulse_id = p.id WHERE p.id = $1";
// FOR SHARE holds the pulse row until the batch commits, so `close_pulse` (an UPDATE of that
// row) waits for votes already being written and no vote lands after the close.
// SQLite needs no such lock: a write transaction there excludes every other writer.
const POSTGRES_LOOKUP: &str = "SELECT k.key, p.option_count, p.closes_at, p.closed_at \
     FROM pulses p LEFT JOIN pulse_keys k ON k.pulse_id = p.id WHERE p.id = $1 FOR SHARE OF p";

// `revision` tells a first vote (0) from a change (> 0); no row back means the same choice
// was clicked again and nothing was written.
const UPSERT: &str = "INSERT INTO votes (pulse_id, voter_hash, choice, segment) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (pulse_id, voter_hash) DO UPDATE \
     SET choice = excluded.choice, segment = excluded.segment, revision = votes.revision + 1 \
     WHERE votes.choice <> excluded.choice \
     RETURNING revision";

/// Writes a batch in one transaction and returns one outcome per vote, or the database error
/// that rolled the whole batch back. A macro rather than a function so the same text is
/// compiled once for each backend's transaction type.
macro_rules! apply_batch {
    ($begin:expr, $lookup:expr, $batch:expr) => {{
        async {
            let mut tx = $begin.await?;
            let mut pulses: HashMap<PulseId, Option<OpenPulse>> = HashMap::new();
            let mut outcomes = Vec::with_capacity($batch.len());
            for vote in $batch.iter() {
                if !pulses.contains_key(&vote.pulse) {
                    let row: Option<PulseRow> =
                        sqlx::query_as($lookup).bind(vote.pulse.0).fetch_optional(&mut *tx).await?;
                    let state = match row {
                        None => {
                            outcomes.push(Err(StoreError::NotFound { what: "pulse", id: vote.pulse.0 }));
                            continue;
                        }
                        Some((Some(key), option_count, closes_at, None)) => {
                            Some(OpenPulse { key, option_count, closes_at })
                        }
                        Some(_) => None,
                    };
                    pulses.insert(vote.pulse, state);
                }
                let Some(pulse) = pulses.get(&vote.pulse).and_then(Option::as_ref) else {
                    outcomes.push(Err(StoreError::PulseClosed(vote.pulse)));
                    continue;
                };
                if vote.at >= pulse.closes_at {
                    outcomes.push(Err(StoreError::PulseClosed(vote.pulse)));
                    continue;
                }
                if i64::from(vote.choice) >= pulse.option_count {
                    outcomes.push(Err(StoreError::NoSuchChoice {
                        pulse: vote.pulse,
                        choice: vote.choice,
                        options: pulse.option_count,
                    }));
                    continue;
                }
                let revision: Option<i64> = sqlx::query_scalar(UPSERT)
                    .bind(vote.pulse.0)
                    .bind(voter_hash(&pulse.key, vote.pulse, &vote.voter))
                    .bind(i64::from(vote.choice))
                    .bind(vote.segment.as_deref())
                    .fetch_optional(&mut *tx)
                    .await?;
                outcomes.push(Ok(match revision {
                    None => VoteOutcome::Unchanged,
                    Some(0) => VoteOutcome::First,
                    Some(_) => VoteOutcome::Changed,
                }));
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(outcomes)
        }
        .await
    }};
}

async fn write_batch(backend: &Backend, batch: &mut Vec<VoteRequest>) {
    let written = match backend {
        Backend::Sqlite(pool) => {
            apply_batch!(pool.begin_with("BEGIN IMMEDIATE"), SQLITE_LOOKUP, batch)
        }
        Backend::Postgres(pool) => apply_batch!(pool.begin(), POSTGRES_LOOKUP, batch),
    };
    match written {
        Ok(outcomes) => {
            for (request, outcome) in batch.drain(..).zip(outcomes) {
                // A caller that stopped waiting still has its vote recorded.
                let _ = request.reply.send(outcome);
            }
        }
        Err(error) => {
            let error = std::sync::Arc::new(error);
            for request in batch.drain(..) {
                let _ = request.reply.send(Err(StoreError::VoteNotSaved(error.clone())));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_depends_on_key_pulse_and_voter() {
        let key = b"k".repeat(32);
        let base = voter_hash(&key, PulseId(1), "U1");
        assert_eq!(base.len(), 32);
        assert_eq!(base, voter_hash(&key, PulseId(1), "U1"));
        assert_ne!(base, voter_hash(&key, PulseId(2), "U1"));
        assert_ne!(base, voter_hash(&key, PulseId(1), "U2"));
        assert_ne!(base, voter_hash(&b"x".repeat(32), PulseId(1), "U1"));
    }

    #[test]
    fn pulse_keys_are_random() {
        assert_ne!(new_pulse_key(), new_pulse_key());
    }
}
