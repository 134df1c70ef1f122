//! Anonymous pulse votes: the keyed voter hash and the writer that commits votes in batches.
//!
//! A vote row holds `HMAC-SHA256(pulse key, pulse id || voter id)`, never the voter's id, and
//! no time. The key is random, one per pulse, and lives in `pulse_keys`, away from the votes;
//! it is deleted in the same transaction that closes the pulse.
//!
//! What that guarantees, honestly: while a pulse is open, the key is needed to keep one vote
//! per person and to nudge those who have not voted, so someone holding the whole database
//! *and* a candidate's user id could recompute that person's hash and read their choice. Once
//! the pulse closes the key is gone: nobody, the database owner included, can test whether a
//! given person voted or what they chose, and the hashes cannot be linked across pulses. No
//! function of the store returns who voted what, open or closed. Two things this module does
//! not decide: small segments (showing results only for groups of `[pulse] min_group` or
//! more is the tally's job; a row still says its voter's region, so once the results are out
//! `Store::seal_votes` clears the regions they did not show, and each row's count of changes),
//! and PostgreSQL's physical row order, which follows insertion order (SQLite's votes table is
//! WITHOUT ROWID, kept in hash order).
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
            // The callers answered by the previous batch are usually about to send their next
            // vote; giving them one turn of the scheduler lets those votes share this commit
            // instead of a commit of one vote each (group commit without a timed delay).
            for _ in 0..3 {
                tokio::task::yield_now().await;
            }
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(vote) => batch.push(vote),
                    Err(_) => break,
                }
            }
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

/// What the lookup found: no such pulse, a closed one, or an open one.
enum PulseState {
    Missing,
    Closed,
    Open(OpenPulse),
}

/// (key, option count, closes at, closed at) of one pulse; the key is NULL once closed.
type PulseRow = (Option<Vec<u8>>, i64, DateTime<Utc>, Option<DateTime<Utc>>);

impl PulseState {
    fn from_row(row: Option<PulseRow>) -> PulseState {
        match row {
            None => PulseState::Missing,
            Some((Some(key), option_count, closes_at, None)) => {
                PulseState::Open(OpenPulse { key, option_count, closes_at })
            }
            Some(_) => PulseState::Closed,
        }
    }
}

const SQLITE_LOOKUP: &str = "SELECT k.key, p.option_count, p.closes_at, p.closed_at \
     FROM pulses p LEFT JOIN pulse_keys k ON k.pulse_id = p.id WHERE p.id = $1";
// FOR SHARE holds the pulse row until the batch commits, so `close_pulse` (an UPDATE of that
// row) waits for votes already being written and no vote lands after the close.
// SQLite needs no such lock: a write transaction there excludes every other writer.
const POSTGRES_LOOKUP: &str = "SELECT k.key, p.option_count, p.closes_at, p.closed_at \
     FROM pulses p LEFT JOIN pulse_keys k ON k.pulse_id = p.id WHERE p.id = $1 FOR SHARE OF p";

// Each round of a batch is one multi-row upsert, whatever its size: the statement text is
// fixed (so it stays prepared) and the rows travel as one parameter, JSON for SQLite and
// arrays for PostgreSQL (`unhex` and `->>` need SQLite 3.41, which sqlx bundles).
// `revision` tells a first vote (0) from a change (> 0); a row that does not come back was
// the same choice clicked again, and nothing was written.
const SQLITE_UPSERT: &str = "INSERT INTO votes (pulse_id, voter_hash, choice, segment) \
     SELECT value ->> 0, unhex(value ->> 1), value ->> 2, value ->> 3 FROM json_each($1) \
     WHERE true \
     ON CONFLICT (pulse_id, voter_hash) DO UPDATE \
     SET choice = excluded.choice, segment = excluded.segment, revision = votes.revision + 1 \
     WHERE votes.choice <> excluded.choice \
     RETURNING pulse_id, voter_hash, revision";
const POSTGRES_UPSERT: &str = "INSERT INTO votes (pulse_id, voter_hash, choice, segment) \
     SELECT * FROM UNNEST($1::BIGINT[], $2::BYTEA[], $3::BIGINT[], $4::TEXT[]) \
     ON CONFLICT (pulse_id, voter_hash) DO UPDATE \
     SET choice = excluded.choice, segment = excluded.segment, revision = votes.revision + 1 \
     WHERE votes.choice <> excluded.choice \
     RETURNING pulse_id, voter_hash, revision";

/// One vote row to write.
struct Row {
    index: usize,
    pulse: i64,
    hash: Vec<u8>,
    choice: i64,
    segment: Option<String>,
}

/// (pulse, voter hash) -> revision, as returned by one round's upsert.
type Written = HashMap<(i64, Vec<u8>), i64>;

/// What to do with a batch, decided before writing: votes refused outright, and the rest in
/// rounds. A voter who clicked twice within one batch has the second click in a later round
/// (one statement may not touch a row twice), so clicks apply in order.
struct Plan {
    refused: Vec<Option<StoreError>>,
    rounds: Vec<Vec<Row>>,
}

impl Plan {
    fn new(batch: &[VoteRequest], pulses: &HashMap<PulseId, PulseState>) -> Plan {
        let mut refused = Vec::with_capacity(batch.len());
        let mut rounds: Vec<Vec<Row>> = Vec::new();
        let mut taken: Vec<std::collections::HashSet<(i64, Vec<u8>)>> = Vec::new();
        for (index, vote) in batch.iter().enumerate() {
            let pulse = match &pulses[&vote.pulse] {
                PulseState::Missing => {
                    refused.push(Some(StoreError::NotFound { what: "pulse", id: vote.pulse.0 }));
                    continue;
                }
                PulseState::Closed => {
                    refused.push(Some(StoreError::PulseClosed(vote.pulse)));
                    continue;
                }
                PulseState::Open(pulse) => pulse,
            };
            if vote.at >= pulse.closes_at {
                refused.push(Some(StoreError::PulseClosed(vote.pulse)));
                continue;
            }
            if i64::from(vote.choice) >= pulse.option_count {
                refused.push(Some(StoreError::NoSuchChoice {
                    pulse: vote.pulse,
                    choice: vote.choice,
                    options: pulse.option_count,
                }));
                continue;
            }
            refused.push(None);
            let hash = voter_hash(&pulse.key, vote.pulse, &vote.voter);
            let key = (vote.pulse.0, hash.clone());
            let round = match taken.iter().position(|keys| !keys.contains(&key)) {
                Some(round) => round,
                None => {
                    taken.push(Default::default());
                    rounds.push(Vec::new());
                    rounds.len() - 1
                }
            };
            taken[round].insert(key);
            rounds[round].push(Row {
                index,
                pulse: vote.pulse.0,
                hash,
                choice: i64::from(vote.choice),
                segment: vote.segment.clone(),
            });
        }
        // The same order on every instance, so two instances writing overlapping rows
        // (one person's double click reaching both) wait for each other instead of deadlocking.
        for round in &mut rounds {
            round.sort_by(|a, b| (a.pulse, &a.hash).cmp(&(b.pulse, &b.hash)));
        }
        Plan { refused, rounds }
    }

    /// One outcome per vote of the batch, given what each round's upsert returned.
    fn outcomes(mut self, written: &[Written]) -> Vec<Result<VoteOutcome, StoreError>> {
        let mut outcomes: Vec<Option<Result<VoteOutcome, StoreError>>> =
            self.refused.iter_mut().map(|refused| refused.take().map(Err)).collect();
        for (round, rows) in self.rounds.into_iter().enumerate() {
            for row in rows {
                let outcome = match written[round].get(&(row.pulse, row.hash)) {
                    None => VoteOutcome::Unchanged,
                    Some(0) => VoteOutcome::First,
                    Some(_) => VoteOutcome::Changed,
                };
                outcomes[row.index] = Some(Ok(outcome));
            }
        }
        outcomes.into_iter().map(|o| o.expect("every vote is refused or written")).collect()
    }
}

async fn write_batch(backend: &Backend, batch: &mut Vec<VoteRequest>) {
    let written = match backend {
        Backend::Sqlite(pool) => write_sqlite(pool, batch).await,
        Backend::Postgres(pool) => write_postgres(pool, batch).await,
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

fn distinct_pulses(batch: &[VoteRequest]) -> Vec<PulseId> {
    let mut pulses: Vec<PulseId> = batch.iter().map(|v| v.pulse).collect();
    pulses.sort_unstable();
    pulses.dedup();
    pulses
}

async fn write_sqlite(
    pool: &sqlx::SqlitePool,
    batch: &[VoteRequest],
) -> Result<Vec<Result<VoteOutcome, StoreError>>, sqlx::Error> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut pulses = HashMap::new();
    for pulse in distinct_pulses(batch) {
        let row: Option<PulseRow> = sqlx::query_as(SQLITE_LOOKUP).bind(pulse.0).fetch_optional(&mut *tx).await?;
        pulses.insert(pulse, PulseState::from_row(row));
    }
    let plan = Plan::new(batch, &pulses);
    let mut written = Vec::with_capacity(plan.rounds.len());
    for rows in &plan.rounds {
        let json: Vec<(i64, String, i64, Option<&str>)> =
            rows.iter().map(|r| (r.pulse, hex::encode(&r.hash), r.choice, r.segment.as_deref())).collect();
        let json = serde_json::to_string(&json).expect("plain values serialize");
        let returned: Vec<(i64, Vec<u8>, i64)> = sqlx::query_as(SQLITE_UPSERT).bind(json).fetch_all(&mut *tx).await?;
        written.push(to_written(returned));
    }
    tx.commit().await?;
    Ok(plan.outcomes(&written))
}

async fn write_postgres(
    pool: &sqlx::PgPool,
    batch: &[VoteRequest],
) -> Result<Vec<Result<VoteOutcome, StoreError>>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let mut pulses = HashMap::new();
    for pulse in distinct_pulses(batch) {
        let row: Option<PulseRow> = sqlx::query_as(POSTGRES_LOOKUP).bind(pulse.0).fetch_optional(&mut *tx).await?;
        pulses.insert(pulse, PulseState::from_row(row));
    }
    let plan = Plan::new(batch, &pulses);
    let mut written = Vec::with_capacity(plan.rounds.len());
    for rows in &plan.rounds {
        let returned: Vec<(i64, Vec<u8>, i64)> = sqlx::query_as(POSTGRES_UPSERT)
            .bind(rows.iter().map(|r| r.pulse).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.hash.clone()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.choice).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.segment.clone()).collect::<Vec<_>>())
            .fetch_all(&mut *tx)
            .await?;
        written.push(to_written(returned));
    }
    tx.commit().await?;
    Ok(plan.outcomes(&written))
}

fn to_written(rows: Vec<(i64, Vec<u8>, i64)>) -> Written {
    rows.into_iter().map(|(pulse, hash, revision)| ((pulse, hash), revision)).collect()
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

    fn click(pulse: i64, voter: &str, choice: u32) -> VoteRequest {
        VoteRequest {
            pulse: PulseId(pulse),
            voter: voter.into(),
            choice,
            segment: None,
            at: DateTime::UNIX_EPOCH,
            reply: oneshot::channel().0,
        }
    }

    #[test]
    fn a_second_click_in_the_same_batch_goes_in_a_later_round() {
        let open =
            || PulseState::Open(OpenPulse { key: vec![1; 32], option_count: 3, closes_at: DateTime::<Utc>::MAX_UTC });
        let pulses = HashMap::from([(PulseId(1), open()), (PulseId(2), open())]);
        let batch = [
            click(1, "U1", 0),
            click(1, "U2", 0),
            click(1, "U1", 1),
            click(2, "U1", 2),
            click(1, "U1", 2),
            click(1, "U3", 9),
        ];
        let plan = Plan::new(&batch, &pulses);
        let rounds: Vec<Vec<usize>> =
            plan.rounds.iter().map(|round| round.iter().map(|row| row.index).collect()).collect();
        let mut first = rounds[0].clone();
        first.sort();
        assert_eq!(first, vec![0, 1, 3]);
        assert_eq!(rounds[1..], [vec![2], vec![4]]);
        assert!(matches!(plan.refused[5], Some(StoreError::NoSuchChoice { choice: 9, .. })));
    }

    #[test]
    fn pulse_keys_are_random() {
        assert_ne!(new_pulse_key(), new_pulse_key());
    }
}
