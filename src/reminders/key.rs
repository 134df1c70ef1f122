//! The name of one reminder post in the ledger: its occurrence and its lead,
//! `IN:diwali:2026-11-08:lead1`.

use crate::calendar::OccurrenceKey;
use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Names one reminder across restarts and instances. Everything that reads a stored key back
/// (engagement counts the reactions to all reminders of one event together) parses it here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReminderKey {
    pub occurrence: OccurrenceKey,
    /// The plan's lead this post stands for.
    pub lead: u32,
}

impl fmt::Display for ReminderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:lead{}", self.occurrence, self.lead)
    }
}

impl Serialize for ReminderKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Keys order as their text does: a digest lists two same-named events at one slot in the
/// order the ledger always has (`christmas-day` before `christmas`), which posts already made
/// and the scheduler's goldens rely on.
impl Ord for ReminderKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.to_string().cmp(&other.to_string())
    }
}

impl PartialOrd for ReminderKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Text that is not a [`ReminderKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a reminder key; expected OCCURRENCE:leadN such as IN:diwali:2026-11-08:lead1")]
pub struct NotAReminderKey(pub String);

impl FromStr for ReminderKey {
    type Err = NotAReminderKey;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wrong = || NotAReminderKey(text.to_string());
        let (occurrence, lead) = text.rsplit_once(":lead").ok_or_else(wrong)?;
        if lead.is_empty() || !lead.bytes().all(|b| b.is_ascii_digit()) {
            return Err(wrong());
        }
        Ok(ReminderKey {
            occurrence: occurrence.parse().map_err(|_| wrong())?,
            lead: lead.parse().map_err(|_| wrong())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn key(text: &str) -> Result<ReminderKey, NotAReminderKey> {
        text.parse()
    }

    #[test]
    fn a_key_reads_back_as_it_was_written() {
        for text in [
            "IN:diwali:2026-11-08:lead1",
            "GB:boxing-day:2026-12-28:observed:lead0",
            "TEAM:milestone-12:2027-03-01:lead7",
            "ACME-PUNE:founders-day:2028-02-29:lead14",
            "IN-KA:kannada-rajyotsava:2026-11-01:lead0",
        ] {
            let parsed = key(text).unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        let parsed = key("GB:boxing-day:2026-12-28:observed:lead0").unwrap();
        assert!(parsed.occurrence.observed);
        assert_eq!(parsed.occurrence.date, NaiveDate::from_ymd_opt(2026, 12, 28).unwrap());
        assert!(key("TEAM:milestone-3:2026-12-01:lead0").unwrap().occurrence.region.is_team());
    }

    #[test]
    fn what_is_not_a_key_says_so() {
        for text in [
            "",
            "pulse-12",
            "IN:diwali:2026-11-08",
            "IN:diwali:2026-11-08:lead",
            "IN:diwali:2026-11-08:lead-1",
            "IN:diwali:2026-02-30:lead0",
            "IN::2026-11-08:lead0",
            "I:diwali:2026-11-08:lead0",
            "IN:a:b:2026-11-08:lead0",
        ] {
            assert_eq!(key(text), Err(NotAReminderKey(text.to_string())), "{text:?}");
        }
    }

    #[test]
    fn keys_order_as_their_text() {
        let mut keys: Vec<ReminderKey> =
            ["GB:christmas:2026-12-25:lead0", "GB:christmas-day:2026-12-25:lead0", "AU:christmas:2026-12-25:lead0"]
                .into_iter()
                .map(|t| key(t).unwrap())
                .collect();
        keys.sort();
        let texts: Vec<String> = keys.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            ["AU:christmas:2026-12-25:lead0", "GB:christmas-day:2026-12-25:lead0", "GB:christmas:2026-12-25:lead0"]
        );
    }
}
