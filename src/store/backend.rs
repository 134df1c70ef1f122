//! Opening a database: picking SQLite or PostgreSQL from the URL, the SQLite durability
//! settings, and the migrations embedded in the binary.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

use super::StoreError;

/// The pool behind a [`Store`](super::Store); every operation matches on it once.
#[derive(Clone, Debug)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    /// Tells the backend from the URL's scheme, without printing the rest of the URL (it may
    /// hold a password).
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(BackendKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(BackendKind::Postgres)
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(StoreError::UnsupportedUrl { scheme: scheme.chars().take(20).collect() })
        }
    }
}

/// How long a SQLite writer waits for another writer (another connection or another process
/// on the same file) before giving up with "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What opening a SQLite URL does when its file does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IfMissing {
    /// Create an empty database (a first run).
    Create,
    /// Fail with [`StoreError::NoDatabase`] (a command that only reads).
    Refuse,
}

pub(crate) async fn open(url: &str, if_missing: IfMissing) -> Result<Backend, StoreError> {
    match BackendKind::from_url(url)? {
        BackendKind::Sqlite => open_sqlite(url, if_missing).await.map(Backend::Sqlite),
        // A PostgreSQL database is created by its administrator, never by connecting.
        BackendKind::Postgres => open_postgres(url).await.map(Backend::Postgres),
    }
}

async fn open_sqlite(url: &str, if_missing: IfMissing) -> Result<SqlitePool, StoreError> {
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    if !in_memory && path.split('?').next().unwrap_or_default().is_empty() {
        return Err(StoreError::NoPath);
    }
    let create = if_missing == IfMissing::Create || in_memory;
    let options = SqliteConnectOptions::from_str(url)?
        // Without CREATE, SQLite itself refuses a missing file, so one removed between the
        // check below and the open is not created either.
        .create_if_missing(create)
        // WAL lets the scheduler and the handlers read while a vote batch is being written.
        .journal_mode(SqliteJournalMode::Wal)
        // FULL, not NORMAL: in WAL mode NORMAL syncs only at checkpoints, so a power cut can
        // lose the last transactions even though they were committed and acknowledged
        // (the database stays consistent, but "thanks, your vote is in" would be a lie).
        // FULL syncs the WAL on every commit. Its cost is one fsync per transaction, which
        // the vote writer spreads over a whole batch of votes (see `votes.rs`).
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true);
    if !create {
        let path = options.get_filename();
        // An error here (say, a directory that cannot be read) is left for SQLite to report.
        if let Ok(false) = path.try_exists() {
            return Err(StoreError::NoDatabase { path: path.to_path_buf() });
        }
    }
    let pool = if in_memory {
        // An in-memory database lives only as long as a connection to it: keep exactly one.
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?
    } else {
        // SQLite has one writer at a time; a few connections are for concurrent readers.
        SqlitePoolOptions::new().max_connections(4).connect_with(options).await?
    };
    Ok(pool)
}

/// How long meridian waits for PostgreSQL to answer at start before saying it cannot.
const POSTGRES_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

async fn open_postgres(url: &str) -> Result<PgPool, StoreError> {
    let options = PgConnectOptions::from_str(url)?;
    // One plain connection first: the pool retries a refused connection in silence until its
    // own timeout (31 s) and then reports only "pool timed out".
    let unreachable = |reason: String| StoreError::Unreachable {
        host: options.get_host().to_string(),
        port: options.get_port(),
        reason,
    };
    match tokio::time::timeout(
        POSTGRES_CONNECT_TIMEOUT,
        <sqlx::PgConnection as sqlx::Connection>::connect_with(&options),
    )
    .await
    {
        Err(_) => return Err(unreachable(format!("no answer within {} s", POSTGRES_CONNECT_TIMEOUT.as_secs()))),
        Ok(Err(e)) => return Err(unreachable(e.to_string())),
        Ok(Ok(connection)) => {
            let _ = sqlx::Connection::close(connection).await;
        }
    }
    Ok(PgPoolOptions::new().max_connections(10).acquire_timeout(Duration::from_secs(10)).connect_with(options).await?)
}

/// One migration compiled into the binary: (version, description, SQL).
type EmbeddedMigration = (i64, &'static str, &'static str);

const SQLITE_MIGRATIONS: &[EmbeddedMigration] = &[
    (1, "initial", include_str!("../../migrations/sqlite/0001_initial.sql")),
    (2, "posts by channel message", include_str!("../../migrations/sqlite/0002_posts_by_channel_message.sql")),
    (3, "post payloads", include_str!("../../migrations/sqlite/0003_post_payloads.sql")),
    (4, "briefs", include_str!("../../migrations/sqlite/0004_briefs.sql")),
    (5, "member calendars", include_str!("../../migrations/sqlite/0005_member_calendars.sql")),
    (6, "post leases", include_str!("../../migrations/sqlite/0006_post_leases.sql")),
];

const POSTGRES_MIGRATIONS: &[EmbeddedMigration] = &[
    (1, "initial", include_str!("../../migrations/postgres/0001_initial.sql")),
    (2, "posts by channel message", include_str!("../../migrations/postgres/0002_posts_by_channel_message.sql")),
    (3, "post payloads", include_str!("../../migrations/postgres/0003_post_payloads.sql")),
    (4, "briefs", include_str!("../../migrations/postgres/0004_briefs.sql")),
    (5, "member calendars", include_str!("../../migrations/postgres/0005_member_calendars.sql")),
    (6, "post leases", include_str!("../../migrations/postgres/0006_post_leases.sql")),
];

/// The migrations folder compiled in by hand rather than with `sqlx::migrate!`: the macro
/// needs sqlx's `macros` feature, which builds the SQLite and PostgreSQL drivers a second time
/// for the compiler. A unit test below checks this list against the folder, so a new file
/// that is not listed here fails the build's tests. Checksums are sqlx's own, so the sqlx
/// command-line tool sees the same history.
#[derive(Debug)]
struct Embedded(&'static [EmbeddedMigration]);

impl<'s> MigrationSource<'s> for Embedded {
    #[allow(clippy::type_complexity)]
    fn resolve(self) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, sqlx::error::BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        // Our own files, compiled in.
                        sqlx::SqlSafeStr::into_sql_str(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

pub(crate) async fn migrator(kind: BackendKind) -> Result<Migrator, StoreError> {
    let source = match kind {
        BackendKind::Sqlite => Embedded(SQLITE_MIGRATIONS),
        BackendKind::Postgres => Embedded(POSTGRES_MIGRATIONS),
    };
    Ok(Migrator::new(source).await?)
}

pub(crate) async fn migrate(backend: &Backend) -> Result<(), StoreError> {
    match backend {
        Backend::Sqlite(pool) => migrator(BackendKind::Sqlite).await?.run(pool).await?,
        Backend::Postgres(pool) => migrator(BackendKind::Postgres).await?.run(pool).await?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    async fn assert_matches_folder(kind: BackendKind, folder: &str) {
        let embedded = migrator(kind).await.unwrap();
        let on_disk = Migrator::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(folder)).await.unwrap();
        let summary = |m: &Migrator| {
            m.iter().map(|m| (m.version, m.description.to_string(), m.checksum.to_vec())).collect::<Vec<_>>()
        };
        assert_eq!(summary(&embedded), summary(&on_disk), "{folder} and the list in store/backend.rs differ");
    }

    #[tokio::test]
    async fn embedded_sqlite_migrations_match_the_folder() {
        assert_matches_folder(BackendKind::Sqlite, "migrations/sqlite").await;
    }

    #[tokio::test]
    async fn embedded_postgres_migrations_match_the_folder() {
        assert_matches_folder(BackendKind::Postgres, "migrations/postgres").await;
    }

    #[test]
    fn an_unknown_scheme_is_named_without_the_rest_of_the_url() {
        let err = BackendKind::from_url("mysql://root:hunter2@db/meridian").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("mysql"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
