//! The Slack adapter (slack-morphism): one workspace per bot token, reached over the Web API,
//! with Slack's events arriving through Socket Mode (the default; no public URL needed) or
//! as signed HTTP requests to meridian's own server. No feature logic lives here: payloads
//! become `chat::Event`s for the bot, the bot's deliveries become Web API calls.
//!
//! - [`platform`] — the workspace as a `ChatPlatform`: posts, updates, private answers,
//!   DMs, uploads, members and profiles.
//! - [`blocks`] — Block Kit and mrkdwn.
//! - [`events`] — Slack payloads as core events.
//! - [`dispatch`] — payload → person → acknowledgement → work, shared by both modes.
//! - [`socket`] and [`http`] — the two ways Slack delivers.
//! - [`members`] — the cached directory; [`errors`] — Slack's answers as `PlatformError`s.

pub mod blocks;
pub mod dispatch;
pub mod errors;
pub mod events;
pub mod http;
pub mod liveness;
pub mod members;
pub mod platform;
pub mod socket;

pub use dispatch::Dispatcher;
pub use http::{verify as verify_signature, HttpMode, Refusal};
pub use platform::{client, Client, Identity, SlackPlatform};
pub use socket::SocketMode;

use crate::bot::Bot;
use crate::config::{Secret, SlackConfig, SlackMode};
use anyhow::Context;
use std::sync::Arc;
use std::time::Duration;

/// How this process hears from Slack.
enum Listening {
    Socket { app_token: Secret, reconnect_delay: Duration, running: tokio::sync::Mutex<Option<SocketMode>> },
    Http(Arc<HttpMode>),
}

/// A connected workspace: its platform for deliveries, and its listener.
pub struct Slack {
    platform: Arc<SlackPlatform>,
    listening: Listening,
    /// Set once the listener has started: it starts once.
    started: std::sync::atomic::AtomicBool,
}

/// The connection's name on `/readyz`.
pub const READY_NAME: &str = "slack";

impl Slack {
    /// Checks the configuration for the chosen mode, then the bot token (`auth.test`).
    pub async fn connect(config: &SlackConfig) -> anyhow::Result<Slack> {
        let bot_token = config.bot_token.as_ref().context("SLACK_BOT_TOKEN is not set")?;
        let listening = match config.mode {
            SlackMode::Socket => Listening::Socket {
                app_token: config.app_token.clone().context(
                    "SLACK_APP_TOKEN is not set: Socket Mode ([slack] mode = \"socket\", the default) needs the \
                     app-level token (xapp-...) with the connections:write scope; or set [slack] mode = \"http\" \
                     and SLACK_SIGNING_SECRET",
                )?,
                reconnect_delay: config.reconnect_delay,
                running: tokio::sync::Mutex::new(None),
            },
            SlackMode::Http => Listening::Http(HttpMode::new(config.signing_secret.clone().context(
                "SLACK_SIGNING_SECRET is not set: HTTP mode ([slack] mode = \"http\") verifies every request \
                 with it (Basic Information → Signing Secret in the app's settings)",
            )?)),
        };
        let client = Arc::new(client(&config.api_base)?);
        let platform = SlackPlatform::connect(client, bot_token).await.with_context(|| {
            format!("Slack refused SLACK_BOT_TOKEN or could not be reached at {} (auth.test)", config.api_base)
        })?;
        let identity = platform.identity();
        tracing::info!(team = %identity.team_id, name = %identity.team_name, bot = %identity.bot_user_id, "slack: connected");
        Ok(Slack { platform: Arc::new(platform), listening, started: Default::default() })
    }

    pub fn team_id(&self) -> &str {
        &self.platform.identity().team_id
    }

    pub fn platform(&self) -> Arc<SlackPlatform> {
        self.platform.clone()
    }

    /// The HTTP routes of HTTP mode (none in Socket Mode).
    pub fn routes(&self) -> axum::Router {
        match &self.listening {
            Listening::Http(state) => http::routes(state.clone()),
            Listening::Socket { .. } => axum::Router::new(),
        }
    }

    /// Starts handing Slack's events to `bot`.
    pub async fn start(&self, bot: Arc<Bot>) -> anyhow::Result<()> {
        if self.started.swap(true, std::sync::atomic::Ordering::SeqCst) {
            anyhow::bail!("the Slack listener is already running");
        }
        let dispatcher = Dispatcher::new(bot, self.platform.clone());
        match &self.listening {
            Listening::Http(state) => {
                state.serve(dispatcher);
                // Slack calls in; there is no connection to wait for past `auth.test`.
                crate::telemetry::ready::set(READY_NAME, true);
                tracing::info!(
                    "slack: HTTP mode; Slack's requests go to {}, {} and {}",
                    http::EVENTS_PATH,
                    http::INTERACTIONS_PATH,
                    http::COMMANDS_PATH
                );
            }
            Listening::Socket { app_token, reconnect_delay, running } => {
                // Ready once Slack says hello on the socket.
                crate::telemetry::ready::expect(READY_NAME);
                let socket = SocketMode::start(dispatcher, self.platform.client().clone(), app_token, *reconnect_delay)
                    .await
                    .context("cannot start Socket Mode")?;
                *running.lock().await = Some(socket);
            }
        }
        Ok(())
    }

    /// Closes the Socket Mode connection. The work already acknowledged is the bot's to
    /// finish (`Services::underway`), for every platform at once.
    pub async fn stop(&self) {
        if let Listening::Socket { running, .. } = &self.listening {
            if let Some(socket) = running.lock().await.take() {
                socket.stop().await;
            }
        }
    }
}
