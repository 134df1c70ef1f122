//! The Interactions Endpoint URL (`POST /discord/interactions`): Discord sends commands and
//! clicks as HTTP requests signed with the application's Ed25519 key. A request whose
//! signature does not verify, or whose timestamp is stale, gets 401 and changes nothing;
//! Discord's PING is answered with PONG; anything else is answered in the response body,
//! and its work follows as it does for the gateway.

use super::listener::Listener;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serenity::all::Interaction;
use serenity::interactions_endpoint::Verifier;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub const PATH: &str = "/discord/interactions";

/// A signed request older (or newer) than this is refused, so a captured one cannot be
/// replayed later.
const FRESH_SECS: i64 = 300;

struct Endpoint {
    listener: Arc<Listener>,
    verifier: Verifier,
}

/// The route, verifying with `public_key` (64 hex digits, checked by the configuration).
pub fn routes(listener: Arc<Listener>, public_key: &str) -> anyhow::Result<Router> {
    let bytes: [u8; 32] = hex::decode(public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("[discord] public_key: not 64 hex digits"))?;
    let verifier = Verifier::try_new(bytes)
        .map_err(|_| anyhow::anyhow!("[discord] public_key: not a valid Ed25519 public key"))?;
    Ok(Router::new().route(PATH, post(interaction)).with_state(Arc::new(Endpoint { listener, verifier })))
}

async fn interaction(State(endpoint): State<Arc<Endpoint>>, headers: HeaderMap, body: Bytes) -> Response {
    let started = std::time::Instant::now();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let (signature, timestamp) = (header("x-signature-ed25519"), header("x-signature-timestamp"));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let fresh = timestamp.parse::<i64>().is_ok_and(|t| (now - t).abs() <= FRESH_SECS);
    if !fresh || endpoint.verifier.verify(signature, timestamp, &body).is_err() {
        tracing::warn!("refused an interaction request with a bad signature");
        return (StatusCode::UNAUTHORIZED, "invalid request signature\n").into_response();
    }
    let interaction: Interaction = match serde_json::from_slice(&body) {
        Ok(interaction) => interaction,
        Err(e) => {
            tracing::warn!(error = %e, "an interaction meridian could not read");
            return (StatusCode::BAD_REQUEST, "unreadable interaction\n").into_response();
        }
    };
    let Some(answered) = endpoint.listener.answer(&interaction).await else {
        return (StatusCode::CONFLICT, "interaction already handled\n").into_response();
    };
    if let Some(work) = answered.work {
        // The follow-up may reach Discord before this response does; the platform waits
        // for the acknowledgement to land (a young interaction's unknown token is retried).
        endpoint.listener.follow_up(work);
    }
    crate::telemetry::metrics::acknowledged(crate::chat::PlatformKind::Discord, started.elapsed());
    Json(answered.response.json).into_response()
}
