//! HTTP mode: Slack POSTs to meridian's own HTTP server instead of using a socket.
//! `/slack/events` (Events API, with the `url_verification` challenge), `/slack/interactions`
//! (button clicks) and `/slack/commands` (slash commands).
//!
//! Every request must carry Slack's v0 signature: `v0=` and the hex HMAC-SHA256 of
//! `v0:{X-Slack-Request-Timestamp}:{body}` keyed with the signing secret, compared in constant
//! time, with a timestamp within five minutes of now (so a captured request cannot be
//! replayed later). A request that is unsigned, stale or forged gets 401 and changes nothing.

use super::dispatch::Dispatcher;
use super::events;
use super::socket::ephemeral;
use crate::config::Secret;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;
use slack_morphism::prelude::*;
use std::sync::{Arc, OnceLock};
use subtle::ConstantTimeEq;

/// How far a request's timestamp may be from now, either way.
pub const MAX_CLOCK_SKEW_SECS: i64 = 5 * 60;

pub const EVENTS_PATH: &str = "/slack/events";
pub const INTERACTIONS_PATH: &str = "/slack/interactions";
pub const COMMANDS_PATH: &str = "/slack/commands";

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No signature or timestamp headers.
    Unsigned,
    /// The timestamp is more than five minutes away from now.
    Stale,
    /// The signature does not match the body.
    Forged,
}

/// Checks Slack's request signature over `body`, at `now` (Unix seconds).
pub fn verify(
    signing_secret: &str,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else { return Err(Refusal::Unsigned) };
    let sent: i64 = timestamp.trim().parse().map_err(|_| Refusal::Unsigned)?;
    if (now - sent).abs() > MAX_CLOCK_SKEW_SECS {
        return Err(Refusal::Stale);
    }
    let Some(given) = signature.trim().strip_prefix("v0=").and_then(|hex| hex::decode(hex).ok()) else {
        return Err(Refusal::Forged);
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_secret.as_bytes()).map_err(|_| Refusal::Forged)?;
    mac.update(b"v0:");
    mac.update(timestamp.trim().as_bytes());
    mac.update(b":");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    if bool::from(expected.as_slice().ct_eq(&given)) {
        Ok(())
    } else {
        Err(Refusal::Forged)
    }
}

/// What the HTTP routes share: the secret, and the dispatcher once the bot exists.
pub struct HttpMode {
    signing_secret: Secret,
    dispatcher: OnceLock<Arc<Dispatcher>>,
}

impl HttpMode {
    pub fn new(signing_secret: Secret) -> Arc<HttpMode> {
        Arc::new(HttpMode { signing_secret, dispatcher: OnceLock::new() })
    }

    pub fn serve(&self, dispatcher: Arc<Dispatcher>) {
        let _ = self.dispatcher.set(dispatcher);
    }

    /// The dispatcher for a request Slack signed, or the answer that refuses it.
    fn admit(&self, headers: &HeaderMap, body: &Bytes) -> Result<Arc<Dispatcher>, (StatusCode, &'static str)> {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let now = chrono::Utc::now().timestamp();
        let checked = verify(
            self.signing_secret.expose(),
            header("x-slack-request-timestamp"),
            header("x-slack-signature"),
            body,
            now,
        );
        if let Err(refusal) = checked {
            tracing::warn!(?refusal, "slack: refused a request that Slack did not sign");
            return Err((StatusCode::UNAUTHORIZED, "invalid Slack signature\n"));
        }
        self.dispatcher.get().cloned().ok_or((StatusCode::SERVICE_UNAVAILABLE, "meridian is starting\n"))
    }
}

/// Slack's three endpoints, on the bot's HTTP server.
pub fn routes(state: Arc<HttpMode>) -> Router {
    Router::new()
        .route(EVENTS_PATH, post(on_event))
        .route(INTERACTIONS_PATH, post(on_interaction))
        .route(COMMANDS_PATH, post(on_command))
        .with_state(state)
}

async fn on_event(State(state): State<Arc<HttpMode>>, headers: HeaderMap, body: Bytes) -> Response {
    let dispatcher = match state.admit(&headers, &body) {
        Ok(d) => d,
        Err(refused) => return refused.into_response(),
    };
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON\n").into_response();
    };
    match events::push_event(&json) {
        Some(SlackPushEvent::UrlVerification(check)) => Json(json!({"challenge": check.challenge})).into_response(),
        Some(SlackPushEvent::EventCallback(callback)) => {
            dispatcher.push(&callback);
            StatusCode::OK.into_response()
        }
        // Rate-limit notices and event types meridian does not subscribe to.
        _ => StatusCode::OK.into_response(),
    }
}

async fn on_interaction(State(state): State<Arc<HttpMode>>, headers: HeaderMap, body: Bytes) -> Response {
    let dispatcher = match state.admit(&headers, &body) {
        Ok(d) => d,
        Err(refused) => return refused.into_response(),
    };
    let payload = form(&body).remove("payload").and_then(|p| p.as_str().map(str::to_string));
    match payload.and_then(|p| serde_json::from_str::<SlackInteractionEvent>(&p).ok()) {
        Some(interaction) => {
            dispatcher.interaction(&interaction);
            StatusCode::OK.into_response()
        }
        None => (StatusCode::BAD_REQUEST, "no interaction payload\n").into_response(),
    }
}

async fn on_command(State(state): State<Arc<HttpMode>>, headers: HeaderMap, body: Bytes) -> Response {
    let dispatcher = match state.admit(&headers, &body) {
        Ok(d) => d,
        Err(refused) => return refused.into_response(),
    };
    let fields = form(&body);
    // Slack checks a custom certificate with `ssl_check=1`; it wants a 200 and nothing else.
    if fields.contains_key("ssl_check") {
        return StatusCode::OK.into_response();
    }
    let Ok(command) = serde_json::from_value::<SlackCommandEvent>(Value::Object(fields)) else {
        return (StatusCode::BAD_REQUEST, "not a slash command\n").into_response();
    };
    match dispatcher.command(&command).await {
        Some(answer) => Json(ephemeral(&answer)).into_response(),
        // An empty 200 acknowledges without showing anything.
        None => StatusCode::OK.into_response(),
    }
}

/// An `application/x-www-form-urlencoded` body as JSON strings.
fn form(body: &[u8]) -> Map<String, Value> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), Value::String(percent_decode(value)))
        })
        .collect()
}

/// `+` as a space and `%XX` as its byte; malformed escapes stay as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's worked example (api.slack.com/authentication/verifying-requests-from-slack).
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TIMESTAMP: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    #[test]
    fn slacks_published_example_verifies() {
        let now = 1531420618 + 30;
        assert_eq!(verify(SECRET, Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now), Ok(()));
    }

    #[test]
    fn an_unsigned_stale_or_forged_request_is_refused() {
        let now = 1531420618;
        assert_eq!(verify(SECRET, None, Some(SIGNATURE), BODY.as_bytes(), now), Err(Refusal::Unsigned));
        assert_eq!(verify(SECRET, Some(TIMESTAMP), None, BODY.as_bytes(), now), Err(Refusal::Unsigned));
        assert_eq!(verify(SECRET, Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now + 301), Err(Refusal::Stale));
        assert_eq!(verify(SECRET, Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now - 301), Err(Refusal::Stale));
        let tampered = BODY.replace("roadrunner", "coyote");
        assert_eq!(verify(SECRET, Some(TIMESTAMP), Some(SIGNATURE), tampered.as_bytes(), now), Err(Refusal::Forged));
        assert_eq!(
            verify("another-secret", Some(TIMESTAMP), Some(SIGNATURE), BODY.as_bytes(), now),
            Err(Refusal::Forged)
        );
        assert_eq!(verify(SECRET, Some(TIMESTAMP), Some("v0=zz"), BODY.as_bytes(), now), Err(Refusal::Forged));
        assert_eq!(verify(SECRET, Some(TIMESTAMP), Some("a2114d57"), BODY.as_bytes(), now), Err(Refusal::Forged));
    }

    #[test]
    fn a_form_body_decodes_as_slack_encodes_it() {
        let fields = form(BODY.as_bytes());
        assert_eq!(fields["command"], "/webhook-collect");
        assert_eq!(fields["text"], "");
        assert_eq!(
            fields["response_url"],
            "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN"
        );
        let odd = form(b"text=remind+me+at+9%3A30+%26+go+100%25+%zz+%E2%9C%93&x");
        assert_eq!(odd["text"], "remind me at 9:30 & go 100% %zz ✓");
        assert_eq!(odd["x"], "");
        let command: SlackCommandEvent = serde_json::from_value(Value::Object(form(BODY.as_bytes()))).unwrap();
        assert_eq!(command.user_id.0, "U2CERLKJA");
    }
}
