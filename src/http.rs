//! The bot's HTTP server (axum) on `[http] listen`: health for operators and load balancers,
//! and the routes the platform adapters add (Slack's Events API, interactivity and slash
//! commands in HTTP mode; Discord's Interactions Endpoint URL).

use axum::routing::get;
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;

/// The routes every running bot serves, before the adapters add theirs.
pub fn base_routes() -> Router {
    Router::new().route("/healthz", get(|| async { "ok\n" }))
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
