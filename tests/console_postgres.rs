//! The console against PostgreSQL (as several instances of the bot would share it): an
//! undelivered claim retried by the instance that holds it, seen end to end. Needs
//! `MERIDIAN_TEST_POSTGRES_URL`; under CI its absence is a failure.

mod common;

use sqlx::{Connection, Executor};

/// A fresh database on the test server, dropped when the guard goes.
struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create() -> Option<Database> {
        let Ok(admin) = std::env::var("MERIDIAN_TEST_POSTGRES_URL") else {
            assert!(std::env::var_os("CI").is_none(), "MERIDIAN_TEST_POSTGRES_URL must be set in CI");
            eprintln!("note: MERIDIAN_TEST_POSTGRES_URL is not set; the PostgreSQL console test was not run");
            return None;
        };
        let name = format!("meridian_console_{:08x}", rand::random::<u32>());
        let (base, _) = admin.rsplit_once('/').expect("a database URL ends in /DBNAME");
        let url = format!("{base}/{name}");
        run(&admin, &format!("CREATE DATABASE {name}"));
        Some(Database { admin, name, url })
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        run(&self.admin, &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

fn run(url: &str, sql: &str) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(sql)).await.unwrap();
    });
}

#[test]
fn on_postgres_results_that_failed_to_post_are_retried_by_their_own_instance_and_go_out_once() {
    let Some(db) = Database::create() else { return };
    let out = common::stdout(
        &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--tz", "Asia/Manila", "--database", &db.url],
        "as lead (manager) in #ops: /meridian settings tz:Asia/Manila\n\
         as a in #ops: join\n\
         as lead (manager) in #ops: /pulse \"How are we?\" scale:1-5 for:4h\n\
         as a in #ops: click LAST 3\n\
         advance 3h\n\
         fail next post\n\
         advance 1d\n",
    );
    let results: Vec<&str> = out.split("=== ").filter(|s| s.contains("# Pulse #1 results")).collect();
    assert_eq!(results.len(), 1, "{out}");
    // Closed at 13:00; the send failed. The claim is this instance's own, so it does not wait
    // out the lease (that is for other instances, on the database's clock): the scheduler's
    // retry a minute later sends it.
    assert!(results[0].starts_with("#ops · post 3 · Mon 2026-11-23 13:01 Manila, UTC+8"), "{out}");
}

/// Hostile text, the same answer on either database: refused at the edge, nothing stored.
const NUL_SCRIPT: &str = "as lee (manager) in #ops: /milestone add \"a\u{0}b\" 2027-01-01\n\
as lee (manager) in #ops: /pulse \"Is \u{0} fine?\" scale:1-5\n\
as lee (manager) in #ops: /milestone list\n";

#[test]
fn a_nul_byte_is_refused_the_same_way_on_postgres_and_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("m.db").display());
    let postgres = Database::create();
    let mut urls = vec![sqlite];
    urls.extend(postgres.as_ref().map(|db| db.url.clone()));
    for url in urls {
        let out = common::stdout(
            &["console", "--script", "-", "--clock", "2026-11-23T01:00Z", "--database", &url],
            NUL_SCRIPT,
        );
        assert_eq!(
            out.matches("is a control character (U+0000), which meridian does not accept").count(),
            2,
            "{url}: {out}"
        );
        assert!(out.contains("No milestones yet."), "nothing was stored: {out}");
        assert!(!out.contains("# Pulse #1"), "{out}");
    }
    let script_error = common::run(
        &["console", "--script", "-", "--database", "sqlite::memory:"],
        "as a\u{0}b in #ops: /meridian help\n",
    );
    let err = String::from_utf8_lossy(&script_error.stderr);
    assert!(err.contains("line 1: character 5 is a control character (U+0000)"), "{err}");
}
