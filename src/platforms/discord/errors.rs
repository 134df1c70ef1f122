//! Discord's failures as the contract's [`PlatformError`]s, sorted by what the delivery layer
//! should do: wait (429), try again (network, 5xx), or give up and report (unknown channel,
//! message or user; missing access or permission; a payload Discord refused).

use crate::chat::{PlatformError, PlatformKind};
use serenity::all::HttpError;
use std::time::Duration;

const DISCORD: PlatformKind = PlatformKind::Discord;

/// When Discord gives no `retry_after` (it always should), the wait before trying again.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// A failed response: its status, Discord's JSON error `code` (0 when none) and `message`,
/// and for a 429 how long to wait (from the body's `retry_after`, or the `Retry-After`
/// header).
pub fn from_response(status: u16, code: i64, message: &str, retry_after: Option<f64>) -> PlatformError {
    let reason = if code > 0 { format!("{message} ({code})") } else { format!("{message} (HTTP {status})") };
    match (status, code) {
        (429, _) => PlatformError::RateLimited {
            platform: DISCORD,
            retry_after: retry_after
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs_f64),
        },
        (500..=599, _) => PlatformError::Unavailable { platform: DISCORD, reason },
        // Unknown channel, guild, member, message, user, webhook, interaction.
        (_, 10003 | 10004 | 10007 | 10008 | 10013 | 10015 | 10062) | (404, _) => {
            PlatformError::NotFound { platform: DISCORD, what: reason }
        }
        // Missing access, missing permissions, cannot DM this user, bad token.
        (_, 50001 | 50013 | 50007) | (401 | 403, _) => PlatformError::Forbidden { platform: DISCORD, reason },
        // 50035 Invalid Form Body, and any other request Discord refuses as it is.
        _ => PlatformError::Rejected { platform: DISCORD, reason },
    }
}

/// A serenity error (the path through serenity's own rate limiter, against Discord itself).
pub fn from_serenity(error: serenity::Error) -> PlatformError {
    match error {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => from_response(
            response.status_code.as_u16(),
            response.error.code as i64,
            &response.error.message,
            // serenity keeps neither the body's `retry_after` nor the headers of a 429.
            None,
        ),
        serenity::Error::Http(HttpError::Request(e)) => unavailable(&e),
        other => PlatformError::Rejected { platform: DISCORD, reason: other.to_string() },
    }
}

/// The network failed: no answer, a timeout, a broken connection.
pub fn unavailable(error: &reqwest::Error) -> PlatformError {
    PlatformError::Unavailable { platform: DISCORD, reason: error.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_failure_is_sorted_by_what_to_do_about_it() {
        let wait = from_response(429, 0, "You are being rate limited.", Some(2.5));
        assert_eq!(wait, PlatformError::RateLimited { platform: DISCORD, retry_after: Duration::from_millis(2500) });
        assert!(matches!(from_response(502, 0, "Bad Gateway", None), PlatformError::Unavailable { .. }));
        for code in [10003, 10008, 10013] {
            assert!(matches!(from_response(404, code, "Unknown", None), PlatformError::NotFound { .. }), "{code}");
        }
        for code in [50001, 50013] {
            assert!(matches!(from_response(403, code, "Missing", None), PlatformError::Forbidden { .. }), "{code}");
        }
        let refused = from_response(400, 50035, "Invalid Form Body", None);
        assert_eq!(refused.to_string(), "discord rejected the request: Invalid Form Body (50035)");
        assert!(!refused.is_transient() && wait.is_transient());
    }
}
