//! The store's specification: one suite, run against SQLite (a fresh temporary file per test)
//! and against PostgreSQL (a fresh schema per test, dropped afterwards).
//!
//! This file holds the harness and the list of the suite; the tests live one file per area of
//! the store beside it.
//!
//! PostgreSQL comes from `MERIDIAN_TEST_POSTGRES_URL`. Without it a developer's run says the
//! PostgreSQL half was not run; in CI (`CI` set) its tests fail instead of passing unseen.

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Once};

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use meridian::reminders::PostingSchedule;
use meridian::store::*;
use sha2::{Digest, Sha256};
use sqlx::Connection;
use tokio::sync::Barrier;

mod channels;
mod events;
mod jobs;
mod ledger;
mod members;
mod pulses;
mod reactions;
use channels::*;
use events::*;
use jobs::*;
use ledger::*;
use members::*;
use pulses::*;
use reactions::*;

// ---- harness ---------------------------------------------------------------------------

struct TestDb {
    store: Store,
    url: String,
    kind: BackendKind,
    _dir: Option<tempfile::TempDir>,
    _schema: Option<PgSchema>,
}

/// Drops the test's schema when the test ends, also when it panicked.
struct PgSchema {
    admin_url: String,
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside any runtime we may block on; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {name} CASCADE")))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

fn unique_name(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{prefix}_{}_{}_{:08x}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), rand::random::<u32>())
}

fn postgres_url() -> Option<String> {
    match std::env::var("MERIDIAN_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "MERIDIAN_TEST_POSTGRES_URL is not set, but CI is: the PostgreSQL half of the \
                 store suite must run in CI"
            );
            static NOTE: Once = Once::new();
            NOTE.call_once(|| {
                // Straight to stderr: the test harness captures println! of passing tests.
                let _ = writeln!(
                    std::io::stderr(),
                    "\nnote: MERIDIAN_TEST_POSTGRES_URL is not set; the PostgreSQL half of the \
                     store suite was NOT run (e.g. MERIDIAN_TEST_POSTGRES_URL=\
                     postgres://postgres@127.0.0.1:5432/postgres)\n"
                );
            });
            None
        }
    }
}

impl TestDb {
    async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("meridian.db").display());
        TestDb {
            store: Store::connect(&url).await.unwrap(),
            url,
            kind: BackendKind::Sqlite,
            _dir: Some(dir),
            _schema: None,
        }
    }

    async fn postgres() -> Option<TestDb> {
        let admin_url = postgres_url()?;
        let name = unique_name("meridian_test");
        let mut admin =
            sqlx::PgConnection::connect(&admin_url).await.expect("cannot connect to MERIDIAN_TEST_POSTGRES_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"))).execute(&mut admin).await.unwrap();
        admin.close().await.unwrap();
        let schema = PgSchema { admin_url: admin_url.clone(), name: name.clone() };
        let separator = if admin_url.contains('?') { '&' } else { '?' };
        let url = format!("{admin_url}{separator}options[search_path]={name}");
        Some(TestDb {
            store: Store::connect(&url).await.unwrap(),
            url,
            kind: BackendKind::Postgres,
            _dir: None,
            _schema: Some(schema),
        })
    }

    /// Another bot instance on the same database.
    async fn second_instance(&self) -> Store {
        Store::connect(&self.url).await.unwrap()
    }

    async fn finish(self) {
        self.store.close().await;
    }

    /// Makes every ledger lease `seconds` older by the database's clock (PostgreSQL counts
    /// leases with `now()`, so a test cannot age them by passing a later instant).
    async fn age_leases(&self, seconds: i64) {
        if self.kind == BackendKind::Postgres {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            let sql = "UPDATE posts SET leased_at = leased_at - make_interval(secs => $1)";
            sqlx::query(sql).bind(seconds as f64).execute(&mut c).await.unwrap();
        }
    }

    /// Runs `sql` past the store's interface, as an older version of meridian could have.
    async fn raw_execute(&self, sql: &str) {
        match self.kind {
            BackendKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
            }
            BackendKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await.unwrap();
            }
        }
    }

    /// Every vote row as stored, read past the store's interface.
    async fn raw_votes(&self) -> Vec<(i64, Vec<u8>, i64, Option<String>, i64)> {
        let sql = "SELECT pulse_id, voter_hash, choice, segment, revision FROM votes";
        match self.kind {
            BackendKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
            }
            BackendKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_as(sql).fetch_all(&mut c).await.unwrap()
            }
        }
    }

    async fn raw_count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        match self.kind {
            BackendKind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(&mut c).await.unwrap()
            }
            BackendKind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).fetch_one(&mut c).await.unwrap()
            }
        }
    }
}

/// Generates each test twice: `sqlite::name` and `postgres::name`.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::TestDb::sqlite().await;
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = super::TestDb::postgres().await else { return };
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

suite! {
    migrating_again_changes_nothing,
    connect_existing_opens_a_database_that_is_there,
    a_workspace_is_known_by_platform_and_external_id,
    a_new_channel_gets_the_configured_defaults,
    a_known_channel_keeps_its_settings_when_seen_again,
    channel_settings_round_trip,
    following_a_region_twice_follows_it_once,
    unfollowing_removes_only_those_regions,
    customer_regions_are_replaced_as_a_whole,
    brief_settings_default_until_set_and_round_trip,
    brief_events_belong_to_their_channel,
    a_headline_shown_on_an_earlier_day_is_known_and_the_first_showing_is_kept,
    the_scheduler_sees_every_channel_with_its_regions,
    the_same_platform_id_in_two_workspaces_is_two_channels,
    a_member_profile_round_trips,
    a_channel_lists_only_the_members_who_joined_it,
    a_channel_sees_its_own_events_and_the_workspace_wide_ones,
    an_event_for_an_unknown_channel_is_refused,
    an_imported_calendar_is_kept_verbatim_and_a_reimport_replaces_it,
    a_pulse_round_trips_with_its_options,
    a_first_vote_counts,
    a_changed_vote_counts_once,
    clicking_the_same_choice_again_changes_nothing,
    votes_are_counted_per_choice_and_segment,
    a_vote_row_holds_neither_the_voter_id_nor_a_plain_hash_of_it,
    the_nudge_can_tell_who_voted_only_while_the_pulse_is_open,
    closing_a_pulse_destroys_its_key,
    a_vote_after_the_close_is_refused,
    a_vote_after_the_closing_time_is_refused_before_the_scheduler_closes_it,
    a_vote_for_an_option_that_does_not_exist_is_refused,
    a_vote_in_an_unknown_pulse_is_refused,
    closing_a_pulse_twice_closes_it_once,
    open_pulses_leave_out_closed_ones,
    many_concurrent_votes_are_all_counted,
    a_voter_clicking_many_times_at_once_is_one_voter,
    a_vote_racing_the_close_is_counted_before_it_or_refused,
    sealing_a_closed_pulse_folds_the_regions_its_results_did_not_show,
    after_sealing_no_vote_row_names_an_undisclosed_region_or_a_change_of_mind,
    sealing_an_open_pulse_is_refused,
    pulse_schedules_round_trip,
    the_first_claim_wins_and_later_ones_see_it_taken,
    two_instances_claiming_the_same_post_one_wins,
    a_delivered_post_is_found_by_its_message,
    a_message_id_shared_by_two_channels_finds_each_channels_own_post,
    an_undelivered_claim_is_found_after_a_restart_and_reclaimed_once,
    a_fresh_claim_cannot_be_reclaimed,
    claim_or_reclaim_lets_the_first_caller_send_a_new_post,
    claim_or_reclaim_never_sends_a_delivered_post_again,
    claim_or_reclaim_takes_over_an_undelivered_claim_at_once_on_sqlite_and_after_two_minutes_on_postgres,
    an_instance_clock_hours_ahead_cannot_take_a_claim_before_its_lease_ends,
    released_claims_are_taken_over_at_once_and_the_ones_being_sent_are_kept,
    reactions_are_counted_per_emoji_and_removals_count,
    reactions_carry_their_occurrence_and_the_reactors_region,
    reactions_list_each_current_reaction_on_the_channels_posts_in_the_window,
    reactions_count_a_person_once_across_the_reminders_of_one_holiday,
    the_last_run_is_remembered_and_never_moves_backwards,
    a_batch_of_claims_answers_each_key_as_claim_or_reclaim_would,
    two_instances_claiming_overlapping_batches_at_once_send_each_post_once,
    a_batch_of_deliveries_and_last_runs_is_recorded_whole,
    a_run_reads_every_channels_members_pulses_and_events_at_once,
}

// ---- fixtures --------------------------------------------------------------------------

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

async fn a_channel(store: &Store) -> (WorkspaceId, ChannelId) {
    let ws = store.upsert_workspace(Platform::Slack, "T001", "Acme").await.unwrap();
    let channel = store.upsert_channel(ws, "C001", "support").await.unwrap();
    (ws, channel)
}

async fn a_pulse(store: &Store, channel: ChannelId) -> PulseId {
    store
        .create_pulse(&NewPulse {
            channel,
            question: "How manageable was your workload this week?".into(),
            question_id: Some("workload-1".into()),
            theme: Some("workload".into()),
            options: vec!["Too much".into(), "About right".into(), "Too little".into()],
            opens_at: at("2026-03-02T09:00:00Z"),
            closes_at: at("2026-03-03T09:00:00Z"),
            created_by: "U900".into(),
        })
        .await
        .unwrap()
}

const DURING: &str = "2026-03-02T12:00:00Z";

fn reminder(channel: ChannelId, occurrence: &str) -> PostKey {
    PostKey { channel, purpose: Purpose::Reminder, occurrence_key: occurrence.into() }
}

// ---- schema ----------------------------------------------------------------------------

/// The newest migration in `migrations/`.
const SCHEMA: i64 = 6;

async fn migrating_again_changes_nothing(db: &TestDb) {
    assert_eq!(db.store.schema_version().await.unwrap(), Some(SCHEMA));
    db.store.migrate().await.unwrap();
    assert_eq!(db.store.schema_version().await.unwrap(), Some(SCHEMA));
    // A second instance starting up against a migrated database also changes nothing.
    let second = db.second_instance().await;
    assert_eq!(second.schema_version().await.unwrap(), Some(SCHEMA));
}

async fn connect_existing_opens_a_database_that_is_there(db: &TestDb) {
    let ws = db.store.upsert_workspace(Platform::Slack, "T001", "Acme").await.unwrap();
    let reader = Store::connect_existing(&db.url).await.unwrap();
    assert_eq!(reader.kind(), db.kind);
    assert_eq!(reader.schema_version().await.unwrap(), Some(SCHEMA));
    assert_eq!(reader.workspace(ws).await.unwrap().unwrap().name, "Acme");
    reader.close().await;
}
