//! One bot process per SQLite file. Two processes on one file both plan the same reminders,
//! and SQLite's own locking cannot stop both from sending one (the claim lease on SQLite is
//! zero, because a single process is assumed): so a bot process holds an exclusive lock on
//! `<database>.lock` for its whole life, and a second one is refused at start with a message
//! saying why. The operating system releases the lock when the process ends, crash or not.
//! PostgreSQL needs none of this: its claim lease lets several instances share the work.

use super::StoreError;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;

/// Held while this process may post from a SQLite file; dropping it lets another take over.
#[derive(Debug)]
pub struct SoleUse {
    _lock: Option<File>,
}

impl SoleUse {
    /// Takes the file's lock, or says which process-wide rule a second bot would break.
    /// PostgreSQL and in-memory SQLite need no lock.
    pub fn claim(url: &str) -> Result<SoleUse, StoreError> {
        let Some(path) = sqlite_file(url) else { return Ok(SoleUse { _lock: None }) };
        let lock_path = {
            let mut name = path.clone().into_os_string();
            name.push(".lock");
            PathBuf::from(name)
        };
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).map_err(|e| {
            StoreError::InUse { path: path.clone(), reason: format!("cannot open {}: {e}", lock_path.display()) }
        })?;
        match file.try_lock() {
            Ok(()) => Ok(SoleUse { _lock: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse {
                path,
                reason: format!(
                    "another meridian process holds {}; run one bot per SQLite file, or share a \
                     PostgreSQL database between several",
                    lock_path.display()
                ),
            }),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(StoreError::InUse { path, reason: format!("cannot lock {}: {e}", lock_path.display()) })
            }
        }
    }
}

/// The file a SQLite URL names, if it names one.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    (!path.is_empty()).then(|| PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_on_one_file_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("m.db").display());
        let first = SoleUse::claim(&url).unwrap();
        let refused = SoleUse::claim(&url).unwrap_err().to_string();
        assert!(refused.contains("another meridian process holds"), "{refused}");
        assert!(refused.contains("m.db.lock"), "{refused}");
        drop(first);
        SoleUse::claim(&url).expect("free again");
        SoleUse::claim("sqlite::memory:").unwrap();
        SoleUse::claim("postgres://x@localhost/db").unwrap();
        assert_eq!(sqlite_file("sqlite:data/m.db?mode=rwc"), Some(PathBuf::from("data/m.db")));
    }
}
