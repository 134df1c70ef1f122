//! Readiness: whether each platform this process was configured with is connected right now.
//! The adapters report their connection's ups and downs here with one call; `/readyz` reads
//! it together with a database round trip.
//!
//! Process-wide, like the metrics: one bot runs per process, and the adapters' callbacks
//! (Socket Mode's hello, the gateway's shard stages) have no other way back to the server.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static CONNECTIONS: Mutex<BTreeMap<String, bool>> = Mutex::new(BTreeMap::new());
static STOPPING: AtomicBool = AtomicBool::new(false);

/// The process is shutting down: a load balancer should send its traffic elsewhere.
pub fn stopping() {
    STOPPING.store(true, Ordering::SeqCst);
}

pub fn is_stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// A connection `/readyz` waits for, not connected yet (called when it is configured).
pub fn expect(name: &str) {
    CONNECTIONS.lock().unwrap_or_else(|e| e.into_inner()).entry(name.to_string()).or_insert(false);
}

/// Whether connection `name` is up now.
pub fn set(name: &str, connected: bool) {
    CONNECTIONS.lock().unwrap_or_else(|e| e.into_inner()).insert(name.to_string(), connected);
}

/// The configured connections that are not up, by name.
pub fn not_connected() -> Vec<String> {
    CONNECTIONS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|(_, up)| !**up)
        .map(|(n, _)| n.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_not_ready_until_it_says_so_and_again_after_it_drops() {
        expect("test:one");
        assert!(not_connected().contains(&"test:one".to_string()));
        set("test:one", true);
        assert!(!not_connected().contains(&"test:one".to_string()));
        // A repeated expectation (a reconnect) does not forget that it is up.
        expect("test:one");
        assert!(!not_connected().contains(&"test:one".to_string()));
        set("test:one", false);
        assert!(not_connected().contains(&"test:one".to_string()));
    }
}
