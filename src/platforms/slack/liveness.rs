//! When the Socket Mode connection ends, for `/readyz`: slack-morphism's listener offers a
//! callback for Slack's hello (readiness up, see `socket`) but none for a connection that
//! ends. Every way one ends — Slack closes it or asks for a refresh, a read fails, pongs stop
//! coming, a ping cannot be sent — goes through its client restart, which logs "Destroying
//! WSS client" first (and its shutdown does the same). This tracing layer watches for that
//! one event on slack-morphism's Socket Mode client and marks Slack not connected until the
//! next hello. A reconnection that Slack refuses keeps it so.
//!
//! Tied to slack-morphism's log text (2.x): `tests/slack_readiness.rs` drops the socket at the
//! fake Slack and fails if a new version stops saying it.

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::filter::{FilterFn, Filtered};
use tracing_subscriber::layer::{Context, Layer};

/// The module of slack-morphism that runs a Socket Mode connection.
const CLIENT_TARGET: &str = "slack_morphism::hyper_tokio::socket_mode::tungstenite_wss_client";
/// What it logs (at debug) as it gives up a connection, before any reconnection.
const ENDED: &str = "Destroying WSS client";

/// Which events the watcher sees.
type Watched = FilterFn<fn(&Metadata<'_>) -> bool>;

/// The layer, seeing only slack-morphism's connection client at debug level whatever the
/// log filter says (it is not a log line: nothing is printed).
pub fn layer<S>() -> Filtered<ConnectionEnds, Watched, S>
where
    S: Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let watched: fn(&Metadata<'_>) -> bool = |m| *m.level() == Level::DEBUG && m.target() == CLIENT_TARGET;
    ConnectionEnds.with_filter(FilterFn::new(watched))
}

/// Marks Slack not connected when slack-morphism gives up a connection.
pub struct ConnectionEnds;

impl<S: Subscriber> Layer<S> for ConnectionEnds {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut message = MessageText(String::new());
        event.record(&mut message);
        if ended(&message.0) {
            tracing::info!("slack: socket mode connection closed; not ready until Slack says hello again");
            crate::telemetry::ready::set(super::READY_NAME, false);
        }
    }
}

fn ended(message: &str) -> bool {
    message.contains(ENDED)
}

/// An event's message, as text.
struct MessageText(String);

impl Visit for MessageText {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::prelude::*;

    #[test]
    fn the_client_giving_up_its_connection_makes_slack_not_ready_and_nothing_else_does() {
        let subscriber = tracing_subscriber::registry().with(layer());
        tracing::subscriber::with_default(subscriber, || {
            crate::telemetry::ready::set(crate::platforms::slack::READY_NAME, true);
            tracing::debug!(target: "slack_morphism::elsewhere", "[0] Destroying WSS client");
            tracing::info!(target: CLIENT_TARGET, "[0] Destroying WSS client");
            tracing::debug!(target: CLIENT_TARGET, "[0/0/0] Connected to wss://example");
            assert!(!crate::telemetry::ready::not_connected().contains(&"slack".to_string()));
            tracing::debug!(target: CLIENT_TARGET, slack_wss_client_id = "0/0/0", "[{}] Destroying WSS client", "0/0/0");
            assert!(crate::telemetry::ready::not_connected().contains(&"slack".to_string()));
        });
    }
}
