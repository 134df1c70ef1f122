//! The bot's HTTP server (axum) on `[http] listen`: health, readiness and metrics for
//! operators, load balancers and Prometheus, and the routes the platform adapters add
//! (Slack's Events API, interactivity and slash commands in HTTP mode; Discord's Interactions
//! Endpoint URL).

use crate::store::Store;
use crate::telemetry;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

/// How long `/readyz` waits for the database before calling it unreachable.
const DATABASE_CHECK: Duration = Duration::from_secs(2);

/// The routes every running bot serves, before the adapters add theirs.
pub fn base_routes() -> Router {
    Router::new().route("/healthz", get(|| async { "ok\n" }))
}

/// `/readyz` (the database answers and every configured platform is connected: 200, else
/// 503 naming what is not ready) and `/metrics` (Prometheus text format).
pub fn operations_routes(store: Store) -> Router {
    Router::new().route("/readyz", get(move || ready(store.clone()))).route("/metrics", get(metrics))
}

async fn ready(store: Store) -> Response {
    let database = match tokio::time::timeout(DATABASE_CHECK, store.schema_version()).await {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(format!("database: {e}")),
        Err(_) => Some(format!("database: no answer within {DATABASE_CHECK:?}")),
    };
    let mut not_ready: Vec<String> = database.into_iter().collect();
    not_ready.extend(telemetry::ready::not_connected().into_iter().map(|name| format!("{name}: not connected")));
    if telemetry::ready::is_stopping() {
        not_ready.push("meridian: stopping".to_string());
    }
    let status = if not_ready.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(json!({ "ready": not_ready.is_empty(), "not_ready": not_ready }))).into_response()
}

async fn metrics() -> Response {
    match telemetry::metrics::render() {
        Some(text) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text).into_response(),
        None => (StatusCode::NOT_FOUND, "metrics are not recorded in this process\n").into_response(),
    }
}

/// Binds `listen` and serves `routes` until `shutdown` resolves; returns the bound address
/// (port 0 picks a free one) and the serving task.
pub async fn serve(
    listen: SocketAddr,
    routes: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let bound = listener.local_addr()?;
    let task = tokio::spawn(async move { axum::serve(listener, routes).with_graceful_shutdown(shutdown).await });
    Ok((bound, task))
}
