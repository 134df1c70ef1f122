//! Slack's answers, sorted into what the delivery layer does about them: wait (429), try
//! again later (network, 5xx, Slack's own internal errors), or report for good (not found,
//! not allowed, a request Slack refuses as malformed). The adapter itself never retries.

use crate::chat::{PlatformError, PlatformKind};
use slack_morphism::errors::SlackClientError;
use std::time::Duration;

const SLACK: PlatformKind = PlatformKind::Slack;

/// Slack sends `Retry-After` with every 429; this stands in if a proxy dropped it.
const RETRY_AFTER_UNKNOWN: Duration = Duration::from_secs(5);

/// What a failed Web API call means, for `what` (e.g. "channel C123").
pub fn platform_error(error: SlackClientError, what: &str) -> PlatformError {
    match error {
        SlackClientError::RateLimitError(e) => {
            PlatformError::RateLimited { platform: SLACK, retry_after: e.retry_after.unwrap_or(RETRY_AFTER_UNKNOWN) }
        }
        SlackClientError::ApiError(e) => api_error(&e.code, what),
        SlackClientError::HttpError(e) => {
            let status = e.status_code;
            if status.is_server_error() || status.as_u16() == 408 {
                PlatformError::Unavailable { platform: SLACK, reason: format!("HTTP {status}") }
            } else if status.as_u16() == 404 || status.as_u16() == 410 {
                PlatformError::NotFound { platform: SLACK, what: what.to_string() }
            } else if status.as_u16() == 401 || status.as_u16() == 403 {
                PlatformError::Forbidden { platform: SLACK, reason: format!("HTTP {status} for {what}") }
            } else {
                PlatformError::Rejected { platform: SLACK, reason: format!("HTTP {status} for {what}") }
            }
        }
        // The connection failed or the answer was not Slack's (a proxy's error page): the
        // same call may well work in a moment.
        SlackClientError::HttpProtocolError(_)
        | SlackClientError::EndOfStream(_)
        | SlackClientError::SystemError(_)
        | SlackClientError::SocketModeProtocolError(_)
        | SlackClientError::ProtocolError(_) => PlatformError::Unavailable {
            platform: SLACK,
            reason: format!("no usable answer for {what}: {}", kind(&error)),
        },
    }
}

/// A Web API `error` code (`{"ok": false, "error": ...}`), sorted.
pub fn api_error(code: &str, what: &str) -> PlatformError {
    match code {
        "channel_not_found" | "message_not_found" | "user_not_found" | "users_not_found" | "file_not_found"
        | "thread_not_found" | "team_not_found" | "no_such_subteam" => {
            PlatformError::NotFound { platform: SLACK, what: format!("{what} ({code})") }
        }
        "not_in_channel"
        | "is_archived"
        | "channel_is_archived"
        | "restricted_action"
        | "missing_scope"
        | "cant_update_message"
        | "edit_window_closed"
        | "user_not_in_channel"
        | "cannot_dm_bot"
        | "messages_tab_disabled"
        | "not_allowed_token_type"
        | "invalid_auth"
        | "not_authed"
        | "account_inactive"
        | "token_revoked"
        | "token_expired"
        | "no_permission"
        | "access_denied"
        | "ekm_access_denied"
        | "team_access_not_granted"
        | "org_login_required"
        | "restricted_action_read_only_channel"
        | "restricted_action_thread_only_channel"
        | "restricted_action_non_threadable_channel" => {
            PlatformError::Forbidden { platform: SLACK, reason: format!("{code} ({what})") }
        }
        "ratelimited" | "rate_limited" => {
            PlatformError::RateLimited { platform: SLACK, retry_after: RETRY_AFTER_UNKNOWN }
        }
        "internal_error" | "fatal_error" | "service_unavailable" | "request_timeout" | "team_added_to_org" => {
            PlatformError::Unavailable { platform: SLACK, reason: format!("{code} ({what})") }
        }
        // invalid_blocks, invalid_arguments, msg_too_long, no_text, ...: the request itself.
        other => PlatformError::Rejected { platform: SLACK, reason: format!("{other} ({what})") },
    }
}

/// A short name for a failure, without its details (which may quote a response body).
fn kind(error: &SlackClientError) -> &'static str {
    match error {
        SlackClientError::ApiError(_) => "API error",
        SlackClientError::HttpError(_) => "HTTP error",
        SlackClientError::HttpProtocolError(_) => "connection failed",
        SlackClientError::EndOfStream(_) => "connection closed",
        SlackClientError::SystemError(_) => "client error",
        SlackClientError::ProtocolError(_) => "unreadable answer",
        SlackClientError::SocketModeProtocolError(_) => "socket mode error",
        SlackClientError::RateLimitError(_) => "rate limited",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slacks_error_codes_are_sorted_by_what_to_do_about_them() {
        let sorted = |code: &str| match api_error(code, "x") {
            PlatformError::NotFound { .. } => "not found",
            PlatformError::Forbidden { .. } => "forbidden",
            PlatformError::Rejected { .. } => "rejected",
            PlatformError::Unavailable { .. } => "unavailable",
            PlatformError::RateLimited { .. } => "rate limited",
            PlatformError::NotConnected { .. } => "not connected",
        };
        for (code, expected) in [
            ("channel_not_found", "not found"),
            ("message_not_found", "not found"),
            ("user_not_found", "not found"),
            ("not_in_channel", "forbidden"),
            ("is_archived", "forbidden"),
            ("restricted_action", "forbidden"),
            ("missing_scope", "forbidden"),
            ("invalid_auth", "forbidden"),
            ("invalid_blocks", "rejected"),
            ("msg_too_long", "rejected"),
            ("no_text", "rejected"),
            ("internal_error", "unavailable"),
            ("ratelimited", "rate limited"),
        ] {
            assert_eq!(sorted(code), expected, "{code}");
        }
        assert!(api_error("internal_error", "x").is_transient());
        assert!(!api_error("not_in_channel", "x").is_transient());
    }
}
