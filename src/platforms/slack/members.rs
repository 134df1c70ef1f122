//! What meridian remembers of a Slack workspace between calls: who is in each channel
//! (`conversations.members`, bots left out), what `users.info` said of each person, channel
//! names and direct-message channels. Slack rate-limits these methods, and a click or a
//! command must be acknowledged in three seconds, so answers are kept for a while; a join or
//! a leave forgets the channel's list at once.

use crate::chat::UserInfo;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a channel's member list is trusted without a join or leave event.
pub const MEMBERS_FRESH_FOR: Duration = Duration::from_secs(10 * 60);
/// How long a profile (name, zone, admin flag) is trusted.
pub const USER_FRESH_FOR: Duration = Duration::from_secs(60 * 60);
/// Beyond this many entries a cache drops what has gone stale.
const TIDY_ABOVE: usize = 20_000;

/// One workspace's cached directory. Every method is quick and never waits on Slack.
#[derive(Default)]
pub struct Directory {
    users: Cache<UserInfo>,
    members: Cache<Vec<String>>,
    channel_names: Cache<String>,
    /// Direct-message channel ids by user id; they never change.
    dms: Mutex<HashMap<String, String>>,
}

impl Directory {
    pub fn user(&self, user_id: &str) -> Option<UserInfo> {
        self.users.get(user_id, USER_FRESH_FOR)
    }

    pub fn remember_user(&self, user_id: &str, info: UserInfo) {
        self.users.put(user_id, info);
    }

    pub fn members(&self, channel: &str) -> Option<Vec<String>> {
        self.members.get(channel, MEMBERS_FRESH_FOR)
    }

    pub fn remember_members(&self, channel: &str, members: Vec<String>) {
        self.members.put(channel, members);
    }

    /// Someone joined or left: the next `members` asks Slack again.
    pub fn forget_members(&self, channel: &str) {
        self.members.remove(channel);
    }

    pub fn channel_name(&self, channel: &str) -> Option<String> {
        self.channel_names.get(channel, USER_FRESH_FOR)
    }

    pub fn remember_channel_name(&self, channel: &str, name: &str) {
        if !name.is_empty() {
            self.channel_names.put(channel, name.to_string());
        }
    }

    pub fn dm(&self, user_id: &str) -> Option<String> {
        self.dms.lock().unwrap_or_else(|e| e.into_inner()).get(user_id).cloned()
    }

    pub fn remember_dm(&self, user_id: &str, channel: &str) {
        self.dms.lock().unwrap_or_else(|e| e.into_inner()).insert(user_id.to_string(), channel.to_string());
    }
}

/// Values by key with the instant each was learned.
struct Cache<T> {
    entries: Mutex<HashMap<String, (Instant, T)>>,
}

impl<T> Default for Cache<T> {
    fn default() -> Self {
        Cache { entries: Mutex::new(HashMap::new()) }
    }
}

impl<T: Clone> Cache<T> {
    fn get(&self, key: &str, fresh_for: Duration) -> Option<T> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(key).filter(|(at, _)| at.elapsed() < fresh_for).map(|(_, v)| v.clone())
    }

    fn put(&self, key: &str, value: T) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() > TIDY_ABOVE {
            entries.retain(|_, (at, _)| at.elapsed() < USER_FRESH_FOR);
        }
        entries.insert(key.to_string(), (Instant::now(), value));
    }

    fn remove(&self, key: &str) {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_join_or_leave_forgets_the_channels_members_only() {
        let directory = Directory::default();
        directory.remember_members("C1", vec!["U1".into()]);
        directory.remember_members("C2", vec!["U2".into()]);
        directory.remember_channel_name("C1", "general");
        assert_eq!(directory.members("C1"), Some(vec!["U1".to_string()]));
        directory.forget_members("C1");
        assert_eq!(directory.members("C1"), None);
        assert_eq!(directory.members("C2"), Some(vec!["U2".to_string()]));
        assert_eq!(directory.channel_name("C1").as_deref(), Some("general"));
    }
}
