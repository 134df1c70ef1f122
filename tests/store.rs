//! The store's specification: one suite, run against SQLite (a fresh temporary file per test)
//! and against PostgreSQL (a fresh schema per test, dropped afterwards).
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

// ---- workspaces and channels -----------------------------------------------------------

async fn a_workspace_is_known_by_platform_and_external_id(db: &TestDb) {
    let s = &db.store;
    let acme = s.upsert_workspace(Platform::Slack, "T001", "Acme").await.unwrap();
    let renamed = s.upsert_workspace(Platform::Slack, "T001", "Acme Corp").await.unwrap();
    let guild = s.upsert_workspace(Platform::Discord, "T001", "Same id, other platform").await.unwrap();
    assert_eq!(acme, renamed);
    assert_ne!(acme, guild);
    let ws = s.workspace(acme).await.unwrap().unwrap();
    assert_eq!((ws.platform, ws.external_id.as_str(), ws.name.as_str()), (Platform::Slack, "T001", "Acme Corp"));
    assert_eq!(s.workspace(WorkspaceId(999_999)).await.unwrap(), None);
}

async fn a_new_channel_gets_the_configured_defaults(db: &TestDb) {
    let defaults = ChannelSettings {
        timezone: chrono_tz::Asia::Manila,
        reminder_schedule: PostingSchedule::parse("30 8 * * MON-FRI").unwrap(),
        lead_days: vec![3, 0],
        brief_time: Some(time(8, 0)),
    };
    let s = db.store.clone().with_channel_defaults(defaults.clone());
    let (_, plain) = a_channel(&db.store).await;
    let ws = s.upsert_workspace(Platform::Console, "local", "Console").await.unwrap();
    let configured = s.upsert_channel(ws, "ops", "ops").await.unwrap();
    assert_eq!(db.store.channel(plain).await.unwrap().unwrap().settings, ChannelSettings::default());
    assert_eq!(s.channel(configured).await.unwrap().unwrap().settings, defaults);
}

async fn a_known_channel_keeps_its_settings_when_seen_again(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let settings = ChannelSettings { timezone: chrono_tz::Europe::London, ..ChannelSettings::default() };
    s.update_channel_settings(channel, &settings).await.unwrap();
    let again = s.upsert_channel(ws, "C001", "support-renamed").await.unwrap();
    assert_eq!(again, channel);
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.name, "support-renamed");
    assert_eq!(c.settings, settings);
}

async fn channel_settings_round_trip(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let settings = ChannelSettings {
        timezone: chrono_tz::America::Sao_Paulo,
        reminder_schedule: PostingSchedule::parse("0 10 * * 1-5").unwrap(),
        lead_days: vec![14, 7, 1, 0],
        brief_time: Some(time(7, 45)),
    };
    s.update_channel_settings(channel, &settings).await.unwrap();
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.settings, settings);
    assert_eq!((c.workspace, c.platform, c.external_id.as_str()), (ws, Platform::Slack, "C001"));
    let no_brief = ChannelSettings { brief_time: None, ..settings };
    s.update_channel_settings(channel, &no_brief).await.unwrap();
    assert_eq!(s.channel(channel).await.unwrap().unwrap().settings, no_brief);
    assert!(matches!(s.update_channel_settings(ChannelId(999_999), &no_brief).await, Err(StoreError::NotFound { .. })));
}

async fn following_a_region_twice_follows_it_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    s.follow_regions(channel, &["IN", "ph"]).await.unwrap();
    s.follow_regions(channel, &["IN", "GB-SCT"]).await.unwrap();
    assert_eq!(s.followed_regions(channel).await.unwrap(), vec!["GB-SCT", "IN", "PH"]);
}

async fn unfollowing_removes_only_those_regions(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    s.follow_regions(channel, &["IN", "PH", "US"]).await.unwrap();
    s.set_customer_regions(channel, &["IN"]).await.unwrap();
    s.unfollow_regions(channel, &["IN", "BR"]).await.unwrap();
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.followed_regions, vec!["PH", "US"]);
    assert_eq!(c.customer_regions, vec!["IN"], "customer regions untouched");
}

async fn customer_regions_are_replaced_as_a_whole(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    s.set_customer_regions(channel, &["US", "GB"]).await.unwrap();
    s.set_customer_regions(channel, &["AU"]).await.unwrap();
    let c = s.channel(channel).await.unwrap().unwrap();
    assert_eq!(c.customer_regions, vec!["AU"]);
    assert!(c.followed_regions.is_empty());
}

async fn brief_settings_default_until_set_and_round_trip(db: &TestDb) {
    use meridian::brief::{BriefDays, BriefSettings, QuietDay};
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    assert_eq!(s.brief_settings(channel).await.unwrap(), BriefSettings::default());
    let every = BriefSettings { days: BriefDays::Every, quiet: QuietDay::Silent };
    s.set_brief_settings(channel, &every).await.unwrap();
    assert_eq!(s.brief_settings(channel).await.unwrap(), every);
    let back = BriefSettings { days: BriefDays::Working, ..every };
    s.set_brief_settings(channel, &back).await.unwrap();
    assert_eq!(s.brief_settings(channel).await.unwrap(), back);
}

async fn brief_events_belong_to_their_channel(db: &TestDb) {
    let s = &db.store;
    let (ws, support) = a_channel(s).await;
    let ops = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    let event = |channel, region: &str, on: &str, name: &str| NewBriefEvent {
        channel,
        region: region.into(),
        date: date(on),
        name: name.into(),
        created_by: "U1".into(),
    };
    let sale = s.add_brief_event(&event(support, "au", "2027-03-05", "End-of-financial-year sale")).await.unwrap();
    s.add_brief_event(&event(support, "GB", "2027-01-02", "January sales")).await.unwrap();
    let other = s.add_brief_event(&event(ops, "US", "2027-01-01", "Not support's")).await.unwrap();
    let mine = s.brief_events(support).await.unwrap();
    let names: Vec<(&str, &str)> = mine.iter().map(|e| (e.region.as_str(), e.name.as_str())).collect();
    assert_eq!(names, [("GB", "January sales"), ("AU", "End-of-financial-year sale")], "by date, codes upper case");
    assert!(!s.remove_brief_event(support, other).await.unwrap(), "another channel's event stays");
    assert!(s.remove_brief_event(support, sale).await.unwrap());
    assert!(!s.remove_brief_event(support, sale).await.unwrap());
    assert_eq!(s.brief_events(support).await.unwrap().len(), 1);
    assert_eq!(s.brief_events(ops).await.unwrap().len(), 1);
}

async fn a_headline_shown_on_an_earlier_day_is_known_and_the_first_showing_is_kept(db: &TestDb) {
    let s = &db.store;
    let (ws, support) = a_channel(s).await;
    let ops = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    let keys = vec!["a".to_string(), "b".to_string()];
    s.record_headlines(support, &keys, date("2026-03-02")).await.unwrap();
    // Shown again the next day (it should not be, but a second record keeps the first date).
    s.record_headlines(support, &keys[..1], date("2026-03-03")).await.unwrap();
    let asked = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let shown = s.headlines_shown_before(support, &asked, date("2026-03-03")).await.unwrap();
    assert_eq!(shown.len(), 2);
    assert!(shown.contains("a") && shown.contains("b"));
    assert!(
        s.headlines_shown_before(support, &asked, date("2026-03-02")).await.unwrap().is_empty(),
        "the same day's brief may show them again"
    );
    assert!(s.headlines_shown_before(ops, &asked, date("2026-03-04")).await.unwrap().is_empty(), "per channel");
    s.record_headlines(support, &[], date("2026-03-04")).await.unwrap();
}

async fn the_scheduler_sees_every_channel_with_its_regions(db: &TestDb) {
    let s = &db.store;
    let (ws, first) = a_channel(s).await;
    let second = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    s.follow_regions(first, &["IN"]).await.unwrap();
    s.follow_regions(second, &["PH", "US"]).await.unwrap();
    s.set_customer_regions(second, &["GB"]).await.unwrap();
    let channels = s.channels().await.unwrap();
    let summary: Vec<_> =
        channels.iter().map(|c| (c.id, c.followed_regions.clone(), c.customer_regions.clone())).collect();
    assert_eq!(
        summary,
        vec![(first, vec!["IN".to_string()], vec![]), (second, vec!["PH".into(), "US".into()], vec!["GB".into()]),]
    );
}

async fn the_same_platform_id_in_two_workspaces_is_two_channels(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let other_ws = s.upsert_workspace(Platform::Discord, "G1", "Guild").await.unwrap();
    let other = s.upsert_channel(other_ws, "C001", "support").await.unwrap();
    assert_ne!(channel, other);
    assert_eq!(s.upsert_channel(other_ws, "C001", "support").await.unwrap(), other, "found again, not added");
    let mut seen: Vec<_> = s.channels().await.unwrap().into_iter().map(|c| (c.id, c.workspace)).collect();
    seen.sort();
    assert_eq!(seen, vec![(channel, ws), (other, other_ws)]);
    assert_eq!(s.channel(other).await.unwrap().unwrap().platform, Platform::Discord);
    assert_eq!(s.channel(ChannelId(999_999)).await.unwrap(), None);
}

// ---- members ---------------------------------------------------------------------------

async fn a_member_profile_round_trips(db: &TestDb) {
    let s = &db.store;
    let (ws, _) = a_channel(s).await;
    let id = s.upsert_member(ws, "U100", "Priya").await.unwrap();
    assert_eq!(s.upsert_member(ws, "U100", "Priya S.").await.unwrap(), id);
    let blank = s.member(id).await.unwrap().unwrap();
    assert_eq!(blank.display_name, "Priya S.");
    assert_eq!(blank.profile, MemberProfile::default());

    let profile = MemberProfile {
        region: Some("IN".parse().unwrap()),
        subdivision: Some("IN-MH".parse().unwrap()),
        timezone: Some(chrono_tz::Asia::Kolkata),
        working_hours: Some(WorkingHours { start: time(13, 30), end: time(22, 30) }),
        opted_out: true,
        calendar: Some("ACME-PUNE".parse().unwrap()),
    };
    s.set_member_profile(id, &profile).await.unwrap();
    let member = s.member_by_platform_id(ws, "U100").await.unwrap().unwrap();
    assert_eq!(member.id, id);
    assert_eq!(member.profile, profile);
    assert_eq!(s.members(ws).await.unwrap(), vec![member]);
    assert_eq!(s.member_by_platform_id(ws, "U404").await.unwrap(), None);
}

async fn a_channel_lists_only_the_members_who_joined_it(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let zoe = s.upsert_member(ws, "U1", "Zoe").await.unwrap();
    let ana = s.upsert_member(ws, "U2", "Ana").await.unwrap();
    let _bob = s.upsert_member(ws, "U3", "Bob").await.unwrap();
    s.join_channel(channel, zoe).await.unwrap();
    s.join_channel(channel, ana).await.unwrap();
    s.join_channel(channel, ana).await.unwrap();
    let names = |members: Vec<Member>| members.into_iter().map(|m| m.display_name).collect::<Vec<_>>();
    assert_eq!(names(s.members_of_channel(channel).await.unwrap()), vec!["Ana", "Zoe"]);
    s.leave_channel(channel, zoe).await.unwrap();
    assert_eq!(names(s.members_of_channel(channel).await.unwrap()), vec!["Ana"]);
}

// ---- custom events ---------------------------------------------------------------------

async fn a_channel_sees_its_own_events_and_the_workspace_wide_ones(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let other = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    let event = |scope, name: &str, on: &str, kind| NewCustomEvent {
        scope,
        name: name.into(),
        date: date(on),
        yearly: kind == EventKind::Event,
        kind,
        note: None,
        created_by: "U900".into(),
    };
    let founding = s
        .add_custom_event(&event(EventScope::Workspace(ws), "Founding day", "2026-05-04", EventKind::Event))
        .await
        .unwrap();
    let launch = s
        .add_custom_event(&NewCustomEvent {
            note: Some("Go-live for the Manila queue".into()),
            ..event(EventScope::Channel(channel), "Launch", "2026-04-01", EventKind::Milestone)
        })
        .await
        .unwrap();
    let _ops_only = s
        .add_custom_event(&event(EventScope::Channel(other), "Ops offsite", "2026-06-01", EventKind::Event))
        .await
        .unwrap();

    let seen = s.custom_events(EventScope::Channel(channel)).await.unwrap();
    assert_eq!(seen.iter().map(|e| e.id).collect::<Vec<_>>(), vec![launch, founding]);
    assert_eq!(seen[0].channel, Some(channel));
    assert_eq!(seen[0].kind, EventKind::Milestone);
    assert_eq!(seen[0].note.as_deref(), Some("Go-live for the Manila queue"));
    assert_eq!(seen[1].channel, None);
    assert!(seen[1].yearly);
    assert_eq!(s.custom_events(EventScope::Workspace(ws)).await.unwrap().len(), 3);

    assert!(s.remove_custom_event(launch).await.unwrap());
    assert!(!s.remove_custom_event(launch).await.unwrap());
    assert_eq!(s.custom_events(EventScope::Channel(channel)).await.unwrap().len(), 1);
}

async fn an_event_for_an_unknown_channel_is_refused(db: &TestDb) {
    let result = db
        .store
        .add_custom_event(&NewCustomEvent {
            scope: EventScope::Channel(ChannelId(999_999)),
            name: "Ghost".into(),
            date: date("2026-01-01"),
            yearly: false,
            kind: EventKind::Event,
            note: None,
            created_by: "U1".into(),
        })
        .await;
    assert!(matches!(result, Err(StoreError::NotFound { what: "channel", .. })));
}

// ---- imported calendars ----------------------------------------------------------------

async fn an_imported_calendar_is_kept_verbatim_and_a_reimport_replaces_it(db: &TestDb) {
    let s = &db.store;
    let text = "[region]\ncode = \"PH\"  # kept as typed, comments and all\n";
    s.save_imported_calendar("PH", "ph-2026.toml", text, "slack:U7", at(DURING)).await.unwrap();
    s.save_imported_calendar("IN", "in.toml", "[region]\ncode = \"IN\"\n", "slack:U7", at(DURING)).await.unwrap();
    let calendars = s.imported_calendars().await.unwrap();
    assert_eq!(calendars.len(), 2);
    assert_eq!(calendars[1].region_code, "PH");
    assert_eq!(calendars[1].toml_text, text);
    assert_eq!(calendars[1].imported_at, at(DURING));

    let later = at("2026-04-01T00:00:00Z");
    s.save_imported_calendar("PH", "ph-v2.toml", "# v2\n", "slack:U8", later).await.unwrap();
    let calendars = s.imported_calendars().await.unwrap();
    assert_eq!(calendars.len(), 2);
    assert_eq!(
        calendars[1],
        ImportedCalendar {
            region_code: "PH".into(),
            source_name: "ph-v2.toml".into(),
            toml_text: "# v2\n".into(),
            imported_by: "slack:U8".into(),
            imported_at: later,
        }
    );
    assert!(s.remove_imported_calendar("IN").await.unwrap());
    assert_eq!(s.imported_calendars().await.unwrap().len(), 1);
}

// ---- pulses and votes ------------------------------------------------------------------

async fn a_pulse_round_trips_with_its_options(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let id = a_pulse(s, channel).await;
    s.set_pulse_message(id, "C001:1700000000.000100").await.unwrap();
    let pulse = s.pulse(id).await.unwrap().unwrap();
    assert_eq!(
        pulse,
        Pulse {
            id,
            channel,
            question: "How manageable was your workload this week?".into(),
            question_id: Some("workload-1".into()),
            theme: Some("workload".into()),
            options: vec!["Too much".into(), "About right".into(), "Too little".into()],
            opens_at: at("2026-03-02T09:00:00Z"),
            closes_at: at("2026-03-03T09:00:00Z"),
            created_by: "U900".into(),
            closed_at: None,
            message_ref: Some("C001:1700000000.000100".into()),
        }
    );
    assert!(pulse.is_open());
    assert_eq!(s.pulses_in_channel(channel).await.unwrap(), vec![pulse]);
}

async fn a_first_vote_counts(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let outcome = s.record_vote(pulse, "U1", 1, None, at(DURING)).await.unwrap();
    assert_eq!(outcome, VoteOutcome::First);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
    assert_eq!(s.vote_counts(pulse).await.unwrap(), vec![VoteCount { choice: 1, segment: None, count: 1 }]);
}

async fn a_changed_vote_counts_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.record_vote(pulse, "U1", 0, Some("IN"), at(DURING)).await.unwrap();
    let outcome = s.record_vote(pulse, "U1", 2, Some("IN"), at(DURING)).await.unwrap();
    assert_eq!(outcome, VoteOutcome::Changed);
    let again = s.record_vote(pulse, "U1", 0, Some("IN"), at(DURING)).await.unwrap();
    assert_eq!(again, VoteOutcome::Changed);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
    assert_eq!(
        s.vote_counts(pulse).await.unwrap(),
        vec![VoteCount { choice: 0, segment: Some("IN".into()), count: 1 }]
    );
}

async fn clicking_the_same_choice_again_changes_nothing(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.record_vote(pulse, "U1", 1, None, at(DURING)).await.unwrap();
    let outcome = s.record_vote(pulse, "U1", 1, None, at(DURING)).await.unwrap();
    assert_eq!(outcome, VoteOutcome::Unchanged);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
}

async fn votes_are_counted_per_choice_and_segment(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let other = a_pulse(s, channel).await;
    let votes =
        [("U1", 0, Some("IN")), ("U2", 0, Some("IN")), ("U3", 0, Some("PH")), ("U4", 1, Some("PH")), ("U5", 1, None)];
    for (voter, choice, segment) in votes {
        s.record_vote(pulse, voter, choice, segment, at(DURING)).await.unwrap();
    }
    // The same person in another pulse is another voter there, and does not count here.
    s.record_vote(other, "U1", 2, Some("IN"), at(DURING)).await.unwrap();
    let count = |choice, segment: Option<&str>, count| VoteCount { choice, segment: segment.map(String::from), count };
    assert_eq!(
        s.vote_counts(pulse).await.unwrap(),
        vec![count(0, Some("IN"), 2), count(0, Some("PH"), 1), count(1, Some("PH"), 1), count(1, None, 1),]
    );
    assert_eq!(s.voter_count(pulse).await.unwrap(), 5);
    assert_eq!(s.voter_count(other).await.unwrap(), 1);
}

async fn a_vote_row_holds_neither_the_voter_id_nor_a_plain_hash_of_it(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let voter = "U024BE7LH";
    s.record_vote(pulse, voter, 1, Some("IN"), at(DURING)).await.unwrap();
    let rows = db.raw_votes().await;
    assert_eq!(rows.len(), 1);
    let (pulse_id, hash, choice, segment, _) = &rows[0];
    assert_eq!((*pulse_id, *choice, segment.as_deref()), (pulse.0, 1, Some("IN")));
    assert_eq!(hash.len(), 32);
    assert!(!hash.windows(voter.len()).any(|w| w == voter.as_bytes()));
    // Not a hash anyone could recompute from the id alone.
    assert_ne!(hash.as_slice(), Sha256::digest(voter.as_bytes()).as_slice());
    let mut unkeyed = pulse.0.to_be_bytes().to_vec();
    unkeyed.extend_from_slice(voter.as_bytes());
    assert_ne!(hash.as_slice(), Sha256::digest(&unkeyed).as_slice());
}

async fn the_nudge_can_tell_who_voted_only_while_the_pulse_is_open(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.record_vote(pulse, "U1", 0, None, at(DURING)).await.unwrap();
    assert_eq!(s.has_voted(pulse, "U1").await.unwrap(), Some(true));
    assert_eq!(s.has_voted(pulse, "U2").await.unwrap(), Some(false));
    s.close_pulse(pulse, at(DURING)).await.unwrap();
    assert_eq!(s.has_voted(pulse, "U1").await.unwrap(), None);
    assert_eq!(s.has_voted(pulse, "U2").await.unwrap(), None);
}

async fn closing_a_pulse_destroys_its_key(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let first = a_pulse(s, channel).await;
    let _second = a_pulse(s, channel).await;
    assert_eq!(db.raw_count("pulse_keys").await, 2);
    s.record_vote(first, "U1", 0, None, at(DURING)).await.unwrap();
    s.close_pulse(first, at(DURING)).await.unwrap();
    assert_eq!(db.raw_count("pulse_keys").await, 1);
    // The counts survive the key.
    assert_eq!(s.voter_count(first).await.unwrap(), 1);
}

async fn a_vote_after_the_close_is_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    s.close_pulse(pulse, at(DURING)).await.unwrap();
    let result = s.record_vote(pulse, "U1", 0, None, at(DURING)).await;
    assert!(matches!(result, Err(StoreError::PulseClosed(p)) if p == pulse));
    assert_eq!(s.voter_count(pulse).await.unwrap(), 0);
}

async fn a_vote_after_the_closing_time_is_refused_before_the_scheduler_closes_it(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let late = at("2026-03-03T09:00:00Z");
    let result = s.record_vote(pulse, "U1", 0, None, late).await;
    assert!(matches!(result, Err(StoreError::PulseClosed(_))));
    assert_eq!(s.voter_count(pulse).await.unwrap(), 0);
}

async fn a_vote_for_an_option_that_does_not_exist_is_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let result = s.record_vote(pulse, "U1", 3, None, at(DURING)).await;
    assert!(matches!(result, Err(StoreError::NoSuchChoice { choice: 3, options: 3, .. })));
    // A refused vote in a batch does not spoil the others.
    s.record_vote(pulse, "U2", 2, None, at(DURING)).await.unwrap();
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
}

async fn a_vote_in_an_unknown_pulse_is_refused(db: &TestDb) {
    let result = db.store.record_vote(PulseId(999_999), "U1", 0, None, at(DURING)).await;
    assert!(matches!(result, Err(StoreError::NotFound { what: "pulse", .. })));
}

async fn closing_a_pulse_twice_closes_it_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let other_instance = db.second_instance().await;
    let (a, b) = tokio::join!(
        s.close_pulse(pulse, at("2026-03-03T09:00:00Z")),
        other_instance.close_pulse(pulse, at("2026-03-03T09:00:01Z")),
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|&&won| won).count(), 1);
    assert!(!s.close_pulse(pulse, at("2026-03-04T00:00:00Z")).await.unwrap());
    assert!(!s.pulse(pulse).await.unwrap().unwrap().is_open());
    assert!(matches!(s.close_pulse(PulseId(999_999), at(DURING)).await, Err(StoreError::NotFound { .. })));
}

async fn open_pulses_leave_out_closed_ones(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let closed = a_pulse(s, channel).await;
    let open = a_pulse(s, channel).await;
    s.close_pulse(closed, at(DURING)).await.unwrap();
    let ids: Vec<_> =
        s.pulses_in_channel(channel).await.unwrap().iter().filter(|p| p.is_open()).map(|p| p.id).collect();
    assert_eq!(ids, vec![open]);
    let closed = s.pulse(closed).await.unwrap().unwrap();
    assert_eq!(closed.closed_at, Some(at(DURING)));
    assert_eq!(s.pulses_in_channel(channel).await.unwrap().len(), 2);
}

async fn many_concurrent_votes_are_all_counted(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let second = db.second_instance().await;
    let mut tasks = Vec::new();
    for i in 0..400u32 {
        // Half the clicks arrive at another instance of the bot.
        let store = if i % 2 == 0 { s.clone() } else { second.clone() };
        tasks.push(tokio::spawn(
            async move { store.record_vote(pulse, &format!("U{i}"), i % 3, None, at(DURING)).await },
        ));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), VoteOutcome::First);
    }
    assert_eq!(s.voter_count(pulse).await.unwrap(), 400);
    let total: u32 = s.vote_counts(pulse).await.unwrap().iter().map(|c| c.count).sum();
    assert_eq!(total, 400);
}

async fn a_voter_clicking_many_times_at_once_is_one_voter(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let second = db.second_instance().await;
    let mut tasks = Vec::new();
    for i in 0..60u32 {
        let store = if i % 2 == 0 { s.clone() } else { second.clone() };
        tasks.push(tokio::spawn(async move {
            store.record_vote(pulse, "U-impatient", i % 3, None, at(DURING)).await.unwrap()
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    let firsts = outcomes.iter().filter(|&&o| o == VoteOutcome::First).count();
    assert_eq!(firsts, 1, "{outcomes:?}");
    assert_eq!(s.voter_count(pulse).await.unwrap(), 1);
}

async fn a_vote_racing_the_close_is_counted_before_it_or_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let closer = db.second_instance().await;
    let mut tasks = Vec::new();
    for i in 0..300u32 {
        let store = s.clone();
        tasks.push(tokio::spawn(async move { store.record_vote(pulse, &format!("U{i}"), 0, None, at(DURING)).await }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    assert!(closer.close_pulse(pulse, at(DURING)).await.unwrap());
    let counted_at_close = closer.voter_count(pulse).await.unwrap();
    let mut acknowledged = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => acknowledged += 1,
            Err(StoreError::PulseClosed(_)) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    // Every acknowledged vote was in the count taken right after the close; none came later.
    assert_eq!(counted_at_close, acknowledged);
    assert_eq!(s.voter_count(pulse).await.unwrap(), acknowledged);
}

/// Votes a pulse in: `(voter, choice, segment)`.
async fn votes(store: &Store, pulse: PulseId, votes: &[(&str, u32, Option<&str>)]) {
    for &(voter, choice, segment) in votes {
        store.record_vote(pulse, voter, choice, segment, at(DURING)).await.unwrap();
    }
}

const SIX_IN_ONE_US: [(&str, u32, Option<&str>); 7] = [
    ("U1", 0, Some("IN")),
    ("U2", 0, Some("IN")),
    ("U3", 0, Some("IN")),
    ("U4", 1, Some("IN")),
    ("U5", 1, Some("IN")),
    ("U6", 2, Some("IN")),
    ("U7", 2, Some("US")),
];

async fn sealing_a_closed_pulse_folds_the_regions_its_results_did_not_show(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    votes(s, pulse, &SIX_IN_ONE_US).await;
    s.close_pulse(pulse, at("2026-03-03T09:00:00Z")).await.unwrap();
    // The results showed India (six people) and folded the one American into "other".
    s.seal_votes(pulse, &["IN".to_string()]).await.unwrap();
    let count = |choice, segment: Option<&str>, count| VoteCount { choice, segment: segment.map(String::from), count };
    let sealed = vec![count(0, Some("IN"), 3), count(1, Some("IN"), 2), count(2, Some("IN"), 1), count(2, None, 1)];
    assert_eq!(s.vote_counts(pulse).await.unwrap(), sealed);
    assert_eq!(s.voter_count(pulse).await.unwrap(), 7);
    // Sealing again changes nothing; region codes are matched as the store keeps them.
    s.seal_votes(pulse, &["in".to_string()]).await.unwrap();
    assert_eq!(s.vote_counts(pulse).await.unwrap(), sealed);
}

async fn after_sealing_no_vote_row_names_an_undisclosed_region_or_a_change_of_mind(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    let unsealed = a_pulse(s, channel).await;
    let no_breakdown = a_pulse(s, channel).await;
    votes(s, pulse, &SIX_IN_ONE_US).await;
    // The American changed their answer twice; only the vote row could tell.
    votes(s, pulse, &[("U7", 0, Some("US")), ("U7", 2, Some("US"))]).await;
    votes(s, unsealed, &[("U7", 1, Some("US"))]).await;
    votes(s, no_breakdown, &[("U1", 0, Some("IN")), ("U7", 1, Some("US")), ("U8", 1, None)]).await;
    for p in [pulse, no_breakdown] {
        s.close_pulse(p, at("2026-03-03T09:00:00Z")).await.unwrap();
    }
    s.seal_votes(pulse, &["IN".to_string()]).await.unwrap();
    // Too few answers for any region to be shown: every segment goes.
    s.seal_votes(no_breakdown, &[]).await.unwrap();

    let rows = db.raw_votes().await;
    let of = |p: PulseId| rows.iter().filter(move |row| row.0 == p.0);
    assert!(of(pulse).all(|row| row.3.as_deref() != Some("US")), "{rows:?}");
    assert_eq!(of(pulse).filter(|row| row.3.as_deref() == Some("IN")).count(), 6);
    assert_eq!(of(pulse).filter(|row| row.3.is_none()).count(), 1);
    assert!(of(pulse).all(|row| row.4 == 0), "revisions survived sealing: {rows:?}");
    assert!(of(no_breakdown).all(|row| row.3.is_none()), "{rows:?}");
    assert_eq!(of(no_breakdown).count(), 3);
    // Sealing is per pulse: another pulse's rows are untouched.
    assert_eq!(of(unsealed).map(|row| row.3.as_deref()).collect::<Vec<_>>(), vec![Some("US")]);
}

async fn sealing_an_open_pulse_is_refused(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let pulse = a_pulse(s, channel).await;
    votes(s, pulse, &SIX_IN_ONE_US).await;
    let before = s.vote_counts(pulse).await.unwrap();
    let result = s.seal_votes(pulse, &["IN".to_string()]).await;
    assert!(matches!(result, Err(StoreError::PulseStillOpen(p)) if p == pulse), "{result:?}");
    assert_eq!(s.vote_counts(pulse).await.unwrap(), before);
    let unknown = s.seal_votes(PulseId(999_999), &[]).await;
    assert!(matches!(unknown, Err(StoreError::NotFound { what: "pulse", .. })), "{unknown:?}");
}

async fn pulse_schedules_round_trip(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let weekly = s
        .save_pulse_schedule(&NewPulseSchedule {
            channel,
            cron: "0 15 * * FRI".parse().unwrap(),
            theme: Some("workload".into()),
            duration: TimeDelta::hours(48),
            created_by: "U900".into(),
        })
        .await
        .unwrap();
    let schedules = s.pulse_schedules().await.unwrap();
    assert_eq!(
        schedules,
        vec![PulseSchedule {
            id: weekly,
            channel,
            cron: "0 15 * * FRI".parse().unwrap(),
            theme: Some("workload".into()),
            duration: TimeDelta::hours(48),
            created_by: "U900".into(),
        }]
    );
    // A schedule written before the rules tightened (every minute): left out with a warning,
    // the others still read, and it can still be removed.
    let sql = format!(
        "INSERT INTO pulse_schedules (channel_id, cron, theme, duration_secs, created_by) \
         VALUES ({}, '* * * * *', NULL, 3600, 'U1')",
        channel.0
    );
    db.raw_execute(&sql).await;
    assert_eq!(s.pulse_schedules().await.unwrap().iter().map(|p| p.id).collect::<Vec<_>>(), vec![weekly]);
    assert!(s.remove_pulse_schedule(weekly).await.unwrap());
    assert!(s.pulse_schedules().await.unwrap().is_empty());
}

// ---- the post ledger -------------------------------------------------------------------

async fn the_first_claim_wins_and_later_ones_see_it_taken(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "IN:diwali:2026-11-08:lead7");
    let Claim::Won(post) = s.claim_post(&key, "a", at(DURING)).await.unwrap() else {
        panic!("the first claim must win");
    };
    assert_eq!(s.claim_post(&key, "b", at(DURING)).await.unwrap(), Claim::Taken { post, delivered: false });
    s.mark_delivered(post, "C001:1.2", at(DURING)).await.unwrap();
    assert_eq!(s.claim_post(&key, "a", at(DURING)).await.unwrap(), Claim::Taken { post, delivered: true });
    // Another purpose or occurrence in the same channel is another post.
    let brief = PostKey { purpose: Purpose::Brief, ..key.clone() };
    assert!(matches!(s.claim_post(&brief, "a", at(DURING)).await.unwrap(), Claim::Won(_)));
    let lead1 = reminder(channel, "IN:diwali:2026-11-08:lead1");
    assert!(matches!(s.claim_post(&lead1, "a", at(DURING)).await.unwrap(), Claim::Won(_)));
}

async fn two_instances_claiming_the_same_post_one_wins(db: &TestDb) {
    let (_, channel) = a_channel(&db.store).await;
    let a = db.store.clone();
    let b = db.second_instance().await;
    for round in 0..20 {
        let key = reminder(channel, &format!("PH:holiday-{round}:lead0"));
        let start = Arc::new(Barrier::new(2));
        let claim = |store: Store, instance: &'static str| {
            let (key, start) = (key.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                store.claim_post(&key, instance, at(DURING)).await.unwrap()
            })
        };
        let (first, second) = (claim(a.clone(), "a"), claim(b.clone(), "b"));
        let claims = [first.await.unwrap(), second.await.unwrap()];
        let winners: Vec<_> = claims
            .iter()
            .filter_map(|c| match c {
                Claim::Won(post) => Some(*post),
                Claim::Taken { .. } => None,
            })
            .collect();
        assert_eq!(winners.len(), 1, "round {round}: {claims:?}");
        assert!(claims.contains(&Claim::Taken { post: winners[0], delivered: false }));
    }
}

async fn a_delivered_post_is_found_by_its_message(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "GB:easter-monday:2026-04-06:lead1");
    let Claim::Won(post) = s.claim_post(&key, "a", at(DURING)).await.unwrap() else { panic!() };
    assert_eq!(s.posts_by_message(channel, "C001:99.1").await.unwrap(), vec![]);
    s.mark_delivered(post, "C001:99.1", at("2026-03-02T12:00:01Z")).await.unwrap();
    let found = s.posts_by_message(channel, "C001:99.1").await.unwrap().remove(0);
    assert_eq!(found.id, post);
    assert_eq!(found.key, key);
    assert_eq!(found.instance_id, "a");
    assert_eq!(found.delivered_at, Some(at("2026-03-02T12:00:01Z")));
    assert_eq!(s.post(post).await.unwrap(), Some(found));
}

async fn a_message_id_shared_by_two_channels_finds_each_channels_own_post(db: &TestDb) {
    // Slack's `ts` is unique only within a channel: a reaction in the second channel must
    // find the second channel's post, not the first one's.
    let s = &db.store;
    let (workspace, first) = a_channel(s).await;
    let second = s.upsert_channel(workspace, "C002", "sales").await.unwrap();
    let ts = "1700000000.000100";
    let mut posts = Vec::new();
    for channel in [first, second] {
        let key = reminder(channel, "GB:christmas-day:2026-12-25:lead1");
        let Claim::Won(post) = s.claim_post(&key, "a", at(DURING)).await.unwrap() else { panic!() };
        s.mark_delivered(post, ts, at(DURING)).await.unwrap();
        posts.push(post);
    }
    let ids = |found: Vec<Post>| found.into_iter().map(|p| p.id).collect::<Vec<_>>();
    assert_eq!(ids(s.posts_by_message(first, ts).await.unwrap()), vec![posts[0]]);
    assert_eq!(ids(s.posts_by_message(second, ts).await.unwrap()), vec![posts[1]]);
}

/// The post a [`ClaimOutcome`] hands over; a test fails when there is none.
fn mine(outcome: ClaimOutcome) -> PostId {
    match outcome {
        ClaimOutcome::Mine(post) => post,
        other => panic!("expected to own the post, got {other:?}"),
    }
}

async fn an_undelivered_claim_is_found_after_a_restart_and_reclaimed_once(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let crashed = s.claim_post(&reminder(channel, "IN:holi:lead0"), "dead", at("2026-03-02T09:00:00Z")).await.unwrap();
    let Claim::Won(crashed) = crashed else { panic!() };
    let Claim::Won(sent) =
        s.claim_post(&reminder(channel, "IN:holi:lead1"), "dead", at("2026-03-02T09:00:00Z")).await.unwrap()
    else {
        panic!()
    };
    s.mark_delivered(sent, "C001:1.1", at("2026-03-02T09:00:01Z")).await.unwrap();

    // Ten minutes later, two instances restart and look for unfinished work.
    let now = at("2026-03-02T09:10:00Z");
    let lease = TimeDelta::minutes(5);
    let pending = s.undelivered_posts(now - lease).await.unwrap();
    assert_eq!(pending.iter().map(|p| p.id).collect::<Vec<_>>(), vec![crashed]);
    // (PostgreSQL measures the lease with its own clock: ten minutes pass there too.)
    db.age_leases(600).await;
    let other = db.second_instance().await;
    let (a, b) = tokio::join!(s.reclaim_post(crashed, "a", now, lease), other.reclaim_post(crashed, "b", now, lease),);
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|&&won| won).count(), 1);
    // Freshly reclaimed, it is no longer anyone else's to take.
    assert!(s.undelivered_posts(now - lease).await.unwrap().is_empty());
    assert!(!s.reclaim_post(sent, "c", now, lease).await.unwrap());
}

async fn a_fresh_claim_cannot_be_reclaimed(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let Claim::Won(post) =
        s.claim_post(&reminder(channel, "US:july4:lead0"), "alive", at("2026-03-02T09:00:00Z")).await.unwrap()
    else {
        panic!()
    };
    let now = at("2026-03-02T09:01:00Z");
    assert!(!s.reclaim_post(post, "other", now, TimeDelta::minutes(5)).await.unwrap());
    assert_eq!(s.post(post).await.unwrap().unwrap().instance_id, "alive");
}

async fn claim_or_reclaim_lets_the_first_caller_send_a_new_post(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "IN:diwali:2026-11-08:lead7");
    let post = mine(s.claim_or_reclaim(&key, "a", at(DURING)).await.unwrap());
    let claimed = s.post(post).await.unwrap().unwrap();
    assert_eq!((claimed.key, claimed.instance_id.as_str(), claimed.claimed_at), (key, "a", at(DURING)));
    assert_eq!(claimed.delivered_at, None);
}

async fn claim_or_reclaim_never_sends_a_delivered_post_again(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "IN:diwali:2026-11-08:lead1");
    let post = mine(s.claim_or_reclaim(&key, "a", at("2026-03-02T09:00:00Z")).await.unwrap());
    s.mark_delivered(post, "C001:5.1", at("2026-03-02T09:00:01Z")).await.unwrap();
    let other = db.second_instance().await;
    // However long afterwards, and whoever asks.
    for (store, instance) in [(s, "a"), (&other, "b")] {
        let delivered = ClaimOutcome::Delivered;
        assert_eq!(store.claim_or_reclaim(&key, instance, at("2026-03-02T09:00:02Z")).await.unwrap(), delivered);
        assert_eq!(store.claim_or_reclaim(&key, instance, at("2026-03-09T09:00:00Z")).await.unwrap(), delivered);
    }
    assert_eq!(s.post(post).await.unwrap().unwrap().instance_id, "a");
}

async fn claim_or_reclaim_takes_over_an_undelivered_claim_at_once_on_sqlite_and_after_two_minutes_on_postgres(
    db: &TestDb,
) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "PH:rizal-day:2026-12-30:lead0");
    let claimed_at = at("2026-03-02T09:00:00Z");
    let post = mine(s.claim_or_reclaim(&key, "failed", claimed_at).await.unwrap());
    let other = db.second_instance().await;
    let later = |seconds| claimed_at + TimeDelta::seconds(seconds);
    let holder = || async { s.post(post).await.unwrap().unwrap().instance_id };
    match db.kind {
        BackendKind::Sqlite => {
            // One process per file: the claim was left by a failed send or a dead process.
            assert_eq!(other.claim_or_reclaim(&key, "retry", later(1)).await.unwrap(), ClaimOutcome::Mine(post));
            assert_eq!(holder().await, "retry");
        }
        BackendKind::Postgres => {
            // Another live instance may be sending it: it keeps the post for two minutes of
            // the database's clock, whatever instant the asking instance believes it is.
            assert_eq!(other.claim_or_reclaim(&key, "b", later(1)).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(other.claim_or_reclaim(&key, "b", later(3600)).await.unwrap(), ClaimOutcome::Held);
            db.age_leases(110).await;
            assert_eq!(other.claim_or_reclaim(&key, "b", later(1)).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(holder().await, "failed");
            db.age_leases(10).await;
            assert_eq!(other.claim_or_reclaim(&key, "b", later(1)).await.unwrap(), ClaimOutcome::Mine(post));
            assert_eq!(holder().await, "b");
            // Taken over, the post is b's for the next two minutes.
            assert_eq!(s.claim_or_reclaim(&key, "c", later(3600)).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(holder().await, "b");
        }
    }
    assert_eq!(s.post(post).await.unwrap().unwrap().delivered_at, None);
}

async fn an_instance_clock_hours_ahead_cannot_take_a_claim_before_its_lease_ends(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let key = reminder(channel, "JP:golden-week:2026-05-03:lead1");
    let post = mine(s.claim_or_reclaim(&key, "alive", at("2026-03-02T09:00:00Z")).await.unwrap());
    let skewed = db.second_instance().await;
    // Its clock runs three hours fast, and it asks with a lease of one minute.
    let ahead = at("2026-03-02T12:00:00Z");
    let taken = skewed.reclaim_post(post, "skewed", ahead, TimeDelta::minutes(1)).await.unwrap();
    match db.kind {
        // One process per file: there is no other instance to be skewed against.
        BackendKind::Sqlite => assert!(taken),
        BackendKind::Postgres => {
            assert!(!taken, "a skewed clock took a claim whose lease (by the database's clock) had not run out");
            assert_eq!(s.post(post).await.unwrap().unwrap().instance_id, "alive");
        }
    }
    skewed.close().await;
}

async fn released_claims_are_taken_over_at_once_and_the_ones_being_sent_are_kept(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let owed = reminder(channel, "IN:holi:2026-03-04:lead0");
    let sending = reminder(channel, "IN:holi:2026-03-04:lead1");
    let now = at("2026-03-02T09:00:00Z");
    let owed_post = mine(s.claim_or_reclaim(&owed, "stopping", now).await.unwrap());
    let sending_post = mine(s.claim_or_reclaim(&sending, "stopping", now).await.unwrap());
    let keep = std::collections::HashSet::from([sending.clone()]);
    let released = s.release_claims("stopping", &keep).await.unwrap();
    let other = db.second_instance().await;
    match db.kind {
        BackendKind::Sqlite => assert_eq!(released, 0, "nothing to release: SQLite's lease is zero"),
        BackendKind::Postgres => {
            assert_eq!(released, 1);
            assert_eq!(other.claim_or_reclaim(&owed, "next", now).await.unwrap(), ClaimOutcome::Mine(owed_post));
            assert_eq!(other.claim_or_reclaim(&sending, "next", now).await.unwrap(), ClaimOutcome::Held);
            assert_eq!(s.post(sending_post).await.unwrap().unwrap().instance_id, "stopping");
        }
    }
    other.close().await;
}

async fn a_batch_of_claims_answers_each_key_as_claim_or_reclaim_would(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let t = at("2026-03-02T09:00:00Z");
    let delivered = reminder(channel, "IN:diwali:lead1");
    let sent = mine(s.claim_or_reclaim(&delivered, "a", t).await.unwrap());
    s.mark_delivered(sent, "C001:1", t).await.unwrap();
    let left = reminder(channel, "PH:rizal-day:lead0");
    let failed = mine(s.claim_or_reclaim(&left, "failed", t).await.unwrap());
    let fresh = reminder(channel, "GB:christmas:lead7");
    let other = db.second_instance().await;
    // Out of order on purpose: the answers come back in the order asked.
    let keys = [left.clone(), fresh.clone(), delivered.clone()];
    let answers = other.claim_many(&keys, "b", t + TimeDelta::seconds(1)).await.unwrap();
    assert_eq!(answers[2], ClaimOutcome::Delivered);
    let ClaimOutcome::Mine(new_post) = answers[1] else { panic!("{answers:?}") };
    assert_eq!(other.post(new_post).await.unwrap().unwrap().key, fresh);
    match db.kind {
        BackendKind::Sqlite => assert_eq!(answers[0], ClaimOutcome::Mine(failed)),
        BackendKind::Postgres => {
            assert_eq!(answers[0], ClaimOutcome::Held);
            // Two minutes on the database's clock (leases ignore the instances' own): the
            // failed claim is b's now; b's own undelivered claim stays b's to retry.
            db.age_leases(120).await;
            let later = other.claim_many(&keys, "b", t + TimeDelta::minutes(2)).await.unwrap();
            assert_eq!(later, vec![ClaimOutcome::Mine(failed), ClaimOutcome::Mine(new_post), ClaimOutcome::Delivered]);
        }
    }
    assert_eq!(s.post(sent).await.unwrap().unwrap().instance_id, "a");
}

async fn two_instances_claiming_overlapping_batches_at_once_send_each_post_once(db: &TestDb) {
    // SQLite has one process per file (and no lease): only PostgreSQL has rival instances.
    if db.kind != BackendKind::Postgres {
        return;
    }
    let (_, channel) = a_channel(&db.store).await;
    let keys: Vec<PostKey> = (0..300).map(|i| reminder(channel, &format!("IN:day-{i:03}:lead0"))).collect();
    let mut reversed = keys.clone();
    reversed.reverse();
    let (a, b) = (db.second_instance().await, db.second_instance().await);
    let t = at(DURING);
    let (x, y) = tokio::join!(a.claim_many(&keys, "a", t), b.claim_many(&reversed, "b", t));
    let (x, mut y) = (x.unwrap(), y.unwrap());
    y.reverse();
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        let mine = [x, y].iter().filter(|o| matches!(o, ClaimOutcome::Mine(_))).count();
        assert_eq!(mine, 1, "key {i}: {x:?} and {y:?}");
    }
}

async fn a_batch_of_deliveries_and_last_runs_is_recorded_whole(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let t = at(DURING);
    let keys: Vec<PostKey> = (0..5).map(|i| reminder(channel, &format!("US:day-{i}:lead0"))).collect();
    let posts: Vec<PostId> = s.claim_many(&keys, "a", t).await.unwrap().into_iter().map(mine).collect();
    let marks: Vec<(PostId, String)> = posts.iter().map(|p| (*p, "C001:9".to_string())).collect();
    s.mark_delivered_many(&marks, t).await.unwrap();
    for p in &posts {
        let post = s.post(*p).await.unwrap().unwrap();
        assert_eq!((post.delivered_at, post.message_ref.as_deref()), (Some(t), Some("C001:9")));
    }
    assert!(s.mark_delivered_many(&[(PostId(999_999), "x".into())], t).await.is_err());
    s.set_last_run("reminders:1", t).await.unwrap();
    let runs = vec![
        ("reminders:1".to_string(), t - TimeDelta::hours(1)),
        ("reminders:2".to_string(), t),
        ("reminders-start:2".to_string(), t),
        ("brief:2".to_string(), t),
    ];
    s.set_last_runs(&runs).await.unwrap();
    let read = s.last_runs("reminders").await.unwrap();
    assert_eq!(read.len(), 3, "{read:?}");
    // Never backwards, as one at a time.
    assert_eq!(read["reminders:1"], t);
    assert_eq!(read["reminders:2"], t);
    assert_eq!(s.last_run("brief:2").await.unwrap(), Some(t));
}

async fn a_run_reads_every_channels_members_pulses_and_events_at_once(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    let other = s.upsert_channel(ws, "C002", "sales").await.unwrap();
    for (id, name, channels) in [("U1", "Zoe", vec![channel]), ("U2", "Ana", vec![channel, other])] {
        let member = s.upsert_member(ws, id, name).await.unwrap();
        for c in channels {
            s.join_channel(c, member).await.unwrap();
        }
    }
    let members = s.members_of_channels(&[channel, other]).await.unwrap();
    for c in [channel, other] {
        let one_by_one: Vec<String> =
            s.members_of_channel(c).await.unwrap().into_iter().map(|m| m.display_name).collect();
        let at_once: Vec<String> = members[&c].iter().map(|m| m.display_name.clone()).collect();
        assert_eq!(at_once, one_by_one);
    }
    a_pulse(s, other).await;
    a_pulse(s, channel).await;
    let pulses = s.all_pulses().await.unwrap();
    for c in [channel, other] {
        let mine: Vec<Pulse> = pulses.iter().filter(|p| p.channel == c).cloned().collect();
        assert_eq!(mine, s.pulses_in_channel(c).await.unwrap());
    }
    let workspaces = s.workspaces().await.unwrap();
    assert_eq!(workspaces[&ws].external_id, "T001");
    assert!(s.all_custom_events().await.unwrap().is_empty());
}

// ---- reactions -------------------------------------------------------------------------

async fn reactions_are_counted_per_emoji_and_removals_count(db: &TestDb) {
    let s = &db.store;
    let (_, channel) = a_channel(s).await;
    let Claim::Won(post) = s.claim_post(&reminder(channel, "IN:diwali:lead0"), "a", at(DURING)).await.unwrap() else {
        panic!()
    };
    for (user, emoji) in [("U1", "🪔"), ("U2", "🪔"), ("U2", "🎉"), ("U1", "🪔")] {
        s.record_reaction(post, user, emoji, true, at(DURING)).await.unwrap();
    }
    let (from, until) = (at(DURING) - TimeDelta::days(1), at(DURING) + TimeDelta::days(1));
    let counts = |v: Vec<Reaction>| {
        let mut per_emoji = std::collections::BTreeMap::<String, u32>::new();
        for r in v {
            *per_emoji.entry(r.emoji).or_default() += 1;
        }
        per_emoji.into_iter().collect::<Vec<_>>()
    };
    // U1's second 🪔 is the same reaction again, not another.
    assert_eq!(counts(s.reactions(channel, from, until).await.unwrap()), vec![("🎉".into(), 1), ("🪔".into(), 2)]);
    s.record_reaction(post, "U2", "🪔", false, at(DURING)).await.unwrap();
    assert_eq!(counts(s.reactions(channel, from, until).await.unwrap()), vec![("🎉".into(), 1), ("🪔".into(), 1)]);
}

async fn reactions_carry_their_occurrence_and_the_reactors_region(db: &TestDb) {
    let s = &db.store;
    let (ws, channel) = a_channel(s).await;
    for (user, region) in [("U1", "IN"), ("U2", "US"), ("U3", "US")] {
        let m = s.upsert_member(ws, user, user).await.unwrap();
        s.set_member_profile(m, &MemberProfile { region: Some(region.parse().unwrap()), ..MemberProfile::default() })
            .await
            .unwrap();
    }
    let post = |occurrence: &'static str| async move {
        match s.claim_post(&reminder(channel, occurrence), "a", at(DURING)).await.unwrap() {
            Claim::Won(p) => p,
            other => panic!("{other:?}"),
        }
    };
    let diwali = post("IN:diwali:lead0").await;
    let july4 = post("US:july4:lead0").await;
    for (p, user, emoji) in [
        (diwali, "U2", "🪔"),
        (diwali, "U2", "🎉"),
        (diwali, "U3", "🪔"),
        (diwali, "U1", "🪔"),
        (diwali, "U9", "👍"),
        (july4, "U1", "🎆"),
    ] {
        s.record_reaction(p, user, emoji, true, at(DURING)).await.unwrap();
    }
    let mut rows: Vec<_> = s
        .reactions(channel, at("2026-03-01T00:00:00Z"), at("2026-03-03T00:00:00Z"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.occurrence_key, r.platform_user_id, r.reactor_region, r.emoji))
        .collect();
    rows.sort();
    let row = |key: &str, user: &str, region: Option<&str>, emoji: &str| {
        (key.to_string(), user.to_string(), region.map(str::to_string), emoji.to_string())
    };
    assert_eq!(
        rows,
        vec![
            row("IN:diwali:lead0", "U1", Some("IN"), "🪔"),
            row("IN:diwali:lead0", "U2", Some("US"), "🎉"),
            row("IN:diwali:lead0", "U2", Some("US"), "🪔"),
            row("IN:diwali:lead0", "U3", Some("US"), "🪔"),
            row("IN:diwali:lead0", "U9", None, "👍"),
            row("US:july4:lead0", "U1", Some("IN"), "🎆"),
        ]
    );
    assert!(s.reactions(channel, at("2026-03-03T00:00:00Z"), at("2026-03-04T00:00:00Z")).await.unwrap().is_empty());
}

/// A channel with three reminders of Diwali, a brief, a reminder claimed before the window
/// and another channel's reminder; people reacting to them. Returns the channel.
async fn a_channel_reacting_to_diwali(s: &Store) -> ChannelId {
    let (ws, channel) = a_channel(s).await;
    let elsewhere = s.upsert_channel(ws, "C002", "ops").await.unwrap();
    for (user, region) in [("U1", "IN"), ("U2", "US")] {
        let m = s.upsert_member(ws, user, user).await.unwrap();
        s.set_member_profile(m, &MemberProfile { region: Some(region.parse().unwrap()), ..MemberProfile::default() })
            .await
            .unwrap();
    }
    let post = |channel: ChannelId, purpose: &'static str, occurrence: &'static str, claimed: &'static str| async move {
        let key = PostKey { channel, purpose: purpose.parse().unwrap(), occurrence_key: occurrence.into() };
        mine(s.claim_or_reclaim(&key, "a", at(claimed)).await.unwrap())
    };
    let lead7 = post(channel, "reminder", "IN:diwali:2026-11-08:lead7", "2026-11-01T09:00:00Z").await;
    let lead1 = post(channel, "reminder", "IN:diwali:2026-11-08:lead1", "2026-11-07T09:00:00Z").await;
    let lead0 = post(channel, "reminder", "IN:diwali:2026-11-08:lead0", "2026-11-08T09:00:00Z").await;
    let brief = post(channel, "brief", "2026-11-08", "2026-11-08T08:00:00Z").await;
    let before = post(channel, "reminder", "IN:dussehra:2026-10-20:lead0", "2026-10-20T09:00:00Z").await;
    let ops = post(elsewhere, "reminder", "IN:diwali:2026-11-08:lead0", "2026-11-08T09:00:00Z").await;
    let when = at("2026-11-08T10:00:00Z");
    for (p, user, emoji) in [
        (lead7, "U1", "🪔"),
        (lead1, "U1", "🪔"),
        (lead0, "U1", "🪔"),
        (lead0, "U1", "🎉"),
        (lead1, "U2", "🪔"),
        (lead0, "U2", "🪔"),
        (lead0, "U3", "👍"),
        (lead7, "U4", "🪔"),
        (brief, "U1", "👍"),
        (before, "U2", "🪔"),
        (ops, "U2", "🪔"),
    ] {
        s.record_reaction(p, user, emoji, true, when).await.unwrap();
    }
    // U4 thought better of it.
    s.record_reaction(lead7, "U4", "🪔", false, when).await.unwrap();
    channel
}

fn november() -> (DateTime<Utc>, DateTime<Utc>) {
    (at("2026-11-01T00:00:00Z"), at("2026-11-09T00:00:00Z"))
}

async fn reactions_list_each_current_reaction_on_the_channels_posts_in_the_window(db: &TestDb) {
    let s = &db.store;
    let channel = a_channel_reacting_to_diwali(s).await;
    let (from, until) = november();
    let mut got: Vec<_> = s
        .reactions(channel, from, until)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.purpose.to_string(), r.occurrence_key, r.platform_user_id, r.reactor_region, r.emoji))
        .collect();
    got.sort();
    let row = |purpose: &str, lead: &str, user: &str, region: Option<&str>, emoji: &str| {
        let occurrence =
            if purpose == "brief" { "2026-11-08".to_string() } else { format!("IN:diwali:2026-11-08:{lead}") };
        (purpose.to_string(), occurrence, user.to_string(), region.map(String::from), emoji.to_string())
    };
    let mut want = vec![
        row("brief", "", "U1", Some("IN"), "👍"),
        row("reminder", "lead0", "U1", Some("IN"), "🎉"),
        row("reminder", "lead0", "U1", Some("IN"), "🪔"),
        row("reminder", "lead0", "U2", Some("US"), "🪔"),
        row("reminder", "lead0", "U3", None, "👍"),
        row("reminder", "lead1", "U1", Some("IN"), "🪔"),
        row("reminder", "lead1", "U2", Some("US"), "🪔"),
        row("reminder", "lead7", "U1", Some("IN"), "🪔"),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(s.reactions(channel, until, until + TimeDelta::days(30)).await.unwrap().is_empty());
}

async fn reactions_count_a_person_once_across_the_reminders_of_one_holiday(db: &TestDb) {
    let s = &db.store;
    let channel = a_channel_reacting_to_diwali(s).await;
    let (from, until) = november();
    // The holiday is the occurrence without its ":leadN".
    let mut people: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for r in s.reactions(channel, from, until).await.unwrap().into_iter().filter(|r| r.purpose == Purpose::Reminder) {
        let (holiday, _lead) = r.occurrence_key.rsplit_once(':').unwrap();
        people.entry(holiday.to_string()).or_default().insert(r.platform_user_id);
    }
    let counts: Vec<_> = people.iter().map(|(holiday, who)| (holiday.as_str(), who.len())).collect();
    assert_eq!(counts, vec![("IN:diwali:2026-11-08", 3)]);
    // Adding up each reminder's reactors would have said 6 (1 + 2 + 3).
    let mut per_post: std::collections::BTreeSet<(String, String)> = Default::default();
    for r in s.reactions(channel, from, until).await.unwrap().into_iter().filter(|r| r.purpose == Purpose::Reminder) {
        per_post.insert((r.occurrence_key, r.platform_user_id));
    }
    assert_eq!(per_post.len(), 6);
}

// ---- scheduler bookkeeping -------------------------------------------------------------

async fn the_last_run_is_remembered_and_never_moves_backwards(db: &TestDb) {
    let s = &db.store;
    assert_eq!(s.last_run("reminders").await.unwrap(), None);
    s.set_last_run("reminders", at("2026-03-02T09:00:00Z")).await.unwrap();
    s.set_last_run("reminders", at("2026-03-02T09:05:00Z")).await.unwrap();
    s.set_last_run("reminders", at("2026-03-02T09:01:00Z")).await.unwrap();
    assert_eq!(s.last_run("reminders").await.unwrap(), Some(at("2026-03-02T09:05:00Z")));
    assert_eq!(s.last_run("briefs").await.unwrap(), None);
}
