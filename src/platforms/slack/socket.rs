//! Socket Mode: meridian opens a WebSocket to Slack (`apps.connections.open` with the app
//! token, on `[slack] api_base`) and Slack sends slash commands, clicks and events down it
//! as envelopes, each acknowledged with its `envelope_id`.
//!
//! slack-morphism's listener runs the connection: it reconnects at once when the socket
//! drops and when Slack sends a `disconnect` envelope (a refresh), and waits
//! `[slack] reconnect_delay` when Slack refuses to open one. It acknowledges an envelope
//! when its callback returns, one envelope at a time, so every callback here returns at once
//! and leaves the work to a task. Events Slack sends again (a lost acknowledgement) are
//! recognised by the dispatcher. One connection is opened, not slack-morphism's default two:
//! a second would only add a standby, and a standby opened five seconds late buys nothing
//! that the immediate reconnect does not.

use super::blocks;
use super::dispatch::Dispatcher;
use super::platform::{Client, Connector};
use crate::chat::Message;
use crate::config::Secret;
use slack_morphism::listener::{HttpStatusCode, SlackClientEventsListenerEnvironment, SlackClientEventsUserState};
use slack_morphism::prelude::*;
use std::sync::Arc;
use std::time::Duration;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The running Socket Mode listener.
pub struct SocketMode {
    listener: SlackClientSocketModeListener<Connector>,
}

impl SocketMode {
    /// Opens the connection (and keeps it open) with the app-level token.
    pub async fn start(
        dispatcher: Arc<Dispatcher>,
        client: Arc<Client>,
        app_token: &Secret,
        reconnect_delay: Duration,
    ) -> Result<SocketMode, slack_morphism::errors::SlackClientError> {
        let callbacks = SlackSocketModeListenerCallbacks::new()
            .with_hello_events(|hello, _client, _states| async move {
                tracing::info!(connections = hello.num_connections, "slack: socket mode connected");
                crate::telemetry::ready::set(super::READY_NAME, true);
            })
            .with_command_events(on_command)
            .with_interaction_events(on_interaction)
            .with_push_events(on_push);
        let environment = Arc::new(
            SlackClientEventsListenerEnvironment::new(client).with_error_handler(on_error).with_user_state(dispatcher),
        );
        let config = SlackClientSocketModeConfig::new()
            .with_max_connections_count(1)
            .with_reconnect_timeout_in_seconds(reconnect_delay.as_secs().max(1));
        let listener = SlackClientSocketModeListener::new(&config, environment, callbacks);
        let token = SlackApiToken::new(SlackApiTokenValue(app_token.expose().to_string()));
        listener.listen_for(&token).await?;
        listener.start().await;
        Ok(SocketMode { listener })
    }

    pub async fn stop(&self) {
        self.listener.shutdown().await;
    }
}

/// Marks a slash command to be acknowledged without a payload. slack-morphism acknowledges
/// a command that fails, when the error handler says so, with a bare ack; a payload of
/// `{}` would be an empty message.
#[derive(Debug)]
struct BareAck;

impl std::fmt::Display for BareAck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("acknowledged without a payload")
    }
}

impl std::error::Error for BareAck {}

async fn dispatcher(states: &SlackClientEventsUserState) -> Option<Arc<Dispatcher>> {
    states.read().await.get_user_state::<Arc<Dispatcher>>().cloned()
}

async fn on_command(
    event: SlackCommandEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> Result<SlackCommandEventResponse, BoxError> {
    let Some(dispatcher) = dispatcher(&states).await else { return Err(Box::new(BareAck)) };
    match dispatcher.command(&event).await {
        Some(answer) => Ok(ephemeral(&answer)),
        None => Err(Box::new(BareAck)),
    }
}

/// A private answer as a slash command's acknowledgement payload.
pub fn ephemeral(message: &Message) -> SlackCommandEventResponse {
    let content = serde_json::from_value::<SlackMessageContent>(blocks::content(message))
        .unwrap_or_else(|_| SlackMessageContent::new().with_text(blocks::fallback(message)));
    SlackCommandEventResponse::new(content).with_response_type(SlackMessageResponseType::Ephemeral)
}

async fn on_interaction(
    event: SlackInteractionEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> Result<(), BoxError> {
    if let Some(dispatcher) = dispatcher(&states).await {
        dispatcher.interaction(&event);
    }
    Ok(())
}

async fn on_push(
    event: SlackPushEventCallback,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> Result<(), BoxError> {
    if let Some(dispatcher) = dispatcher(&states).await {
        dispatcher.push(&event);
    }
    Ok(())
}

/// Every envelope is acknowledged whatever happened (Slack would only send it again, to the
/// same result); connection troubles are logged. slack-morphism's messages carry no token.
fn on_error(error: BoxError, _client: Arc<Client>, _states: SlackClientEventsUserState) -> HttpStatusCode {
    if !error.is::<BareAck>() {
        tracing::warn!(error = %error, "slack: socket mode");
    }
    HttpStatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Block, Button, ButtonStyle, Rich};

    #[test]
    fn a_private_answer_in_the_acknowledgement_keeps_its_blocks() {
        let message = Message::of(vec![
            Block::Header { text: "meridian".into() },
            Block::Section { text: Rich::parse("**Only managers** can do that & more") },
            Block::Context { items: vec![Rich::plain("see /meridian help")] },
            Block::Divider,
            Block::Buttons {
                buttons: vec![Button {
                    action: "pulse".into(),
                    label: "Yes".into(),
                    value: "1:0".into(),
                    style: ButtonStyle::Primary,
                }],
            },
        ]);
        let payload = serde_json::to_value(ephemeral(&message)).unwrap();
        assert_eq!(payload["response_type"], "ephemeral");
        assert!(payload["text"].as_str().unwrap().contains("can do that &amp; more"));
        let blocks = payload["blocks"].as_array().expect("blocks kept");
        assert_eq!(blocks.len(), 5, "{payload}");
        assert_eq!(blocks[1]["text"]["text"], "*Only managers* can do that &amp; more");
        assert_eq!(blocks[4]["elements"][0]["action_id"], "pulse#0");
    }
}
