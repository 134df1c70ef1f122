//! The grammars of configuration values: who a person is (`slack:U024BE7LH`), database and
//! API URLs, times of day, time zones, lengths of time, Discord shard ranges and modes. Each
//! returns a reason a person can act on; `file.rs` adds the file, line and key.

use chrono::NaiveTime;
use chrono_tz::Tz;
use std::time::Duration;

use super::{DatabaseUrl, SlackMode, UserRef};
use crate::store::Platform;

pub(super) fn parse_user_ref(text: &str) -> Result<UserRef, String> {
    let (platform, user_id) = text.split_once(':').ok_or_else(|| {
        format!("'{text}' should be platform:user-id, such as slack:U024BE7LH or discord:80351110224678912")
    })?;
    let platform: Platform = platform.parse().map_err(|e| format!("in '{text}': {e}"))?;
    let user_id = user_id.trim();
    if user_id.is_empty() || user_id.contains(char::is_whitespace) {
        return Err(format!("'{text}' has no valid user id after the colon"));
    }
    Ok(UserRef { platform, user_id: user_id.to_string() })
}

pub fn parse_database_url(url: &str) -> Result<DatabaseUrl, String> {
    if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DatabaseUrl(url.to_string()))
    } else {
        let scheme = url.split(':').next().unwrap_or_default();
        let shown: String = if url.contains(':') { scheme.chars().take(20).collect() } else { "none".to_string() };
        Err(format!(
            "the URL must start with sqlite: (e.g. sqlite://meridian.db) or postgres:// \
             (scheme given: {shown})"
        ))
    }
}

pub(super) fn parse_http_base(url: &str) -> Result<String, String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url.trim_end_matches('/').to_string())
    } else {
        Err(format!("'{url}' is not an http:// or https:// URL"))
    }
}

/// An IANA time zone name such as `Asia/Kolkata`, read as people type it (case-blind, near
/// misses suggested): the same reading as `tz:` in chat commands.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    crate::team::parse_timezone(name).map_err(|e| e.to_string())
}

/// `HH:MM` (or `HH:MM:SS`), 24-hour.
pub fn parse_time_of_day(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .map_err(|_| format!("'{text}' is not a time of day such as 08:30"))
}

/// A length of time in the bot's one grammar (see `crate::period`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    text.parse::<crate::period::Period>().map(crate::period::Period::as_std).map_err(|e| e.to_string())
}

// ---- [discord]: sharding, roles, interactions ------------------------------------------------

/// Discord's REST API, version 10: the default `[discord] api_base`.
pub const DISCORD_API_BASE: &str = "https://discord.com/api/v10";

/// The shards one process runs, written `first-last/total` (`0-3/8`: shards 0 to 3 of 8), or
/// `n/total` for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl std::str::FromStr for ShardRange {
    type Err = String;

    fn from_str(text: &str) -> Result<ShardRange, String> {
        let bad = || format!("'{text}' is not a shard range such as \"0-3/8\" (shards 0 to 3 of 8) or \"2/8\"");
        let (range, total) = text.trim().split_once('/').ok_or_else(bad)?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        let (first, last) = match range.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(range)?, number(range)?),
        };
        let total = number(total)?;
        if total == 0 || first > last || last >= total {
            return Err(format!(
                "'{text}': shards are numbered from 0 to one less than the total, first to last \
                 (e.g. \"0-3/8\")"
            ));
        }
        Ok(ShardRange { first, last, total })
    }
}

/// Where Discord sends interactions (commands, clicks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InteractionsMode {
    /// Over the gateway WebSocket, with everything else.
    #[default]
    Gateway,
    /// As signed HTTP requests to `/discord/interactions` (the application's Interactions
    /// Endpoint URL); the gateway still brings reactions.
    Http,
}

impl std::str::FromStr for InteractionsMode {
    type Err = String;

    fn from_str(text: &str) -> Result<InteractionsMode, String> {
        match text {
            "gateway" => Ok(InteractionsMode::Gateway),
            "http" => Ok(InteractionsMode::Http),
            other => Err(format!("'{other}' is neither \"gateway\" nor \"http\"")),
        }
    }
}

impl std::str::FromStr for SlackMode {
    type Err = String;

    fn from_str(text: &str) -> Result<SlackMode, String> {
        match text {
            "socket" => Ok(SlackMode::Socket),
            "http" => Ok(SlackMode::Http),
            other => Err(format!(
                "'{other}' is not a mode; write \"socket\" (Socket Mode) or \"http\" (Events API requests)"
            )),
        }
    }
}
