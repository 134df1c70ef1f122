//! Slack's payloads as the core's events: slash commands (`/meridian`, `/pulse`,
//! `/milestone`, `/brief`), `block_actions` button clicks, `reaction_added` / `reaction_removed`, and
//! `member_joined_channel` / `member_left_channel`. The same code reads them from Socket Mode
//! envelopes and from HTTP requests. Who the person is (name, admin or not) is looked up
//! afterwards, so this stays pure.

use super::blocks::{action_of, unescape};
use crate::chat::{Actor, ChannelRef, Event, MessageRef, PlatformKind, ReplyTarget};
use serde_json::Value;
use slack_morphism::prelude::*;

/// A Slack payload meridian acts on, before the person behind it is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub channel_id: String,
    /// When the payload names the channel (commands and clicks do; events do not).
    pub channel_name: Option<String>,
    pub user_id: String,
    pub what: What,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// `command` without its slash; `response_url` answers the person privately.
    Command {
        command: String,
        args: String,
        response_url: String,
    },
    /// A button: the action and value meridian put on it, on the message `message_ts`.
    Click {
        message_ts: String,
        action: String,
        value: String,
        response_url: String,
    },
    Reaction {
        message_ts: String,
        emoji: String,
        added: bool,
        /// Who wrote the message (Slack's `item_user`), when Slack says.
        author: Option<String>,
    },
    Joined,
    Left,
}

impl Incoming {
    /// The core's event, in the channel of workspace `team_id`, by `actor`.
    pub fn into_event(self, team_id: &str, channel_name: &str, actor: Actor) -> Event {
        let channel = ChannelRef {
            platform: PlatformKind::Slack,
            workspace: team_id.to_string(),
            id: self.channel_id,
            name: channel_name.to_string(),
        };
        let reply = |handle: String| ReplyTarget { channel: channel.clone(), user_id: actor.user_id.clone(), handle };
        match self.what {
            What::Command { command, args, response_url } => {
                let reply = reply(response_url);
                Event::Command { channel, actor, command, args, reply }
            }
            What::Click { message_ts, action, value, response_url } => {
                let reply = reply(response_url);
                Event::Click { channel, actor, message: MessageRef(message_ts), action, value, reply }
            }
            What::Reaction { message_ts, emoji, added, .. } => {
                Event::Reaction { channel, actor, message: MessageRef(message_ts), emoji, added }
            }
            What::Joined => Event::MemberJoined { channel, actor },
            What::Left => Event::MemberLeft { channel, actor },
        }
    }

    pub fn is_membership(&self) -> bool {
        matches!(self.what, What::Joined | What::Left)
    }
}

/// A slash command. Slack escapes `&`, `<` and `>` in what was typed; the core gets it as typed.
pub fn from_command(event: &SlackCommandEvent) -> Incoming {
    Incoming {
        channel_id: event.channel_id.0.clone(),
        channel_name: event.channel_name.clone().filter(|n| !n.is_empty()),
        user_id: event.user_id.0.clone(),
        what: What::Command {
            command: event.command.0.trim_start_matches('/').to_string(),
            args: unescape(event.text.as_deref().unwrap_or_default().trim()),
            response_url: event.response_url.0.to_string(),
        },
    }
}

/// A button click on a message. Other interactions (shortcuts, modals) are not meridian's.
pub fn from_interaction(event: &SlackInteractionEvent) -> Option<Incoming> {
    let SlackInteractionEvent::BlockActions(click) = event else { return None };
    let action = click.actions.as_ref()?.first()?;
    let (message_ts, container_channel) = match &click.container {
        SlackInteractionActionContainer::Message(m) => (m.message_ts.0.clone(), m.channel_id.clone()),
        SlackInteractionActionContainer::MessageAttachment(m) => (m.message_ts.0.clone(), m.channel_id.clone()),
        SlackInteractionActionContainer::View(_) => return None,
    };
    let channel_id = click.channel.as_ref().map(|c| c.id.0.clone()).or(container_channel.map(|c| c.0))?;
    Some(Incoming {
        channel_id,
        channel_name: click.channel.as_ref().and_then(|c| c.name.clone()).filter(|n| !n.is_empty()),
        user_id: click.user.as_ref()?.id.0.clone(),
        what: What::Click {
            message_ts,
            action: action_of(&action.action_id.0).to_string(),
            value: action.value.clone().unwrap_or_default(),
            response_url: click.response_url.as_ref().map(|u| u.0.to_string()).unwrap_or_default(),
        },
    })
}

/// An Events API event meridian acts on; reactions to files and other events are not.
pub fn from_push(callback: &SlackPushEventCallback) -> Option<Incoming> {
    match &callback.event {
        SlackEventCallbackBody::ReactionAdded(r) => reaction(&r.user, &r.reaction, &r.item, &r.item_user, true),
        SlackEventCallbackBody::ReactionRemoved(r) => reaction(&r.user, &r.reaction, &r.item, &r.item_user, false),
        SlackEventCallbackBody::MemberJoinedChannel(m) => membership(&m.user.0, &m.channel.0, What::Joined),
        SlackEventCallbackBody::MemberLeftChannel(m) => membership(&m.user.0, &m.channel.0, What::Left),
        // slack-morphism types a membership event only when it carries `team` and
        // `channel_type`; Slack does not always send them.
        SlackEventCallbackBody::Unknown(raw) => {
            let what = match raw["type"].as_str()? {
                "member_joined_channel" => What::Joined,
                "member_left_channel" => What::Left,
                _ => return None,
            };
            membership(raw["user"].as_str()?, raw["channel"].as_str()?, what)
        }
        _ => None,
    }
}

fn reaction(
    user: &SlackUserId,
    emoji: &SlackReactionName,
    item: &SlackReactionsItem,
    author: &Option<SlackUserId>,
    added: bool,
) -> Option<Incoming> {
    let SlackReactionsItem::Message(message) = item else { return None };
    Some(Incoming {
        channel_id: message.origin.channel.as_ref()?.0.clone(),
        channel_name: None,
        user_id: user.0.clone(),
        what: What::Reaction {
            message_ts: message.origin.ts.0.clone(),
            emoji: emoji.0.clone(),
            added,
            author: author.as_ref().map(|a| a.0.clone()),
        },
    })
}

fn membership(user: &str, channel: &str, what: What) -> Option<Incoming> {
    (!user.is_empty() && !channel.is_empty()).then(|| Incoming {
        channel_id: channel.to_string(),
        channel_name: None,
        user_id: user.to_string(),
        what,
    })
}

/// An Events API payload from JSON (HTTP mode), or `None` when it is not one.
pub fn push_event(body: &Value) -> Option<SlackPushEvent> {
    serde_json::from_value(body.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn command(text: &str) -> SlackCommandEvent {
        serde_json::from_value(json!({
            "team_id": "T1", "channel_id": "C1", "channel_name": "general", "user_id": "U1",
            "command": "/pulse", "text": text, "response_url": "https://hooks.slack.com/commands/T1/1/x",
            "trigger_id": "1.2.3",
        }))
        .unwrap()
    }

    #[test]
    fn a_slash_command_keeps_what_was_typed_and_where_to_answer() {
        let incoming = from_command(&command(" \"Q&amp;A &lt;today&gt;?\" scale:1-5 "));
        assert_eq!(incoming.channel_name.as_deref(), Some("general"));
        let actor = Actor { user_id: "U1".into(), display_name: "alice".into(), capabilities: Default::default() };
        let Event::Command { command, args, reply, channel, .. } = incoming.into_event("T1", "general", actor) else {
            panic!()
        };
        assert_eq!((command.as_str(), args.as_str()), ("pulse", "\"Q&A <today>?\" scale:1-5"));
        assert_eq!(reply.handle, "https://hooks.slack.com/commands/T1/1/x");
        assert_eq!((channel.workspace.as_str(), channel.id.as_str()), ("T1", "C1"));
    }

    #[test]
    fn a_click_carries_the_buttons_action_and_value_and_the_message() {
        let click: SlackInteractionEvent = serde_json::from_value(json!({
            "type": "block_actions",
            "user": {"id": "U2", "username": "bob", "team_id": "T1"},
            "api_app_id": "A1", "token": "x", "trigger_id": "1.2",
            "team": {"id": "T1", "domain": "t"},
            "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C1"},
            "channel": {"id": "C1", "name": "general"},
            "response_url": "https://hooks.slack.com/actions/T1/2/y",
            "actions": [{"type": "button", "action_id": "pulse#2", "block_id": "b", "value": "7:2",
                         "action_ts": "1700000001.000200"}],
        }))
        .unwrap();
        let incoming = from_interaction(&click).unwrap();
        assert_eq!(incoming.user_id, "U2");
        assert_eq!(
            incoming.what,
            What::Click {
                message_ts: "1700000000.000100".into(),
                action: "pulse".into(),
                value: "7:2".into(),
                response_url: "https://hooks.slack.com/actions/T1/2/y".into(),
            }
        );
    }

    fn callback(event: Value) -> SlackPushEventCallback {
        serde_json::from_value(json!({
            "team_id": "T1", "api_app_id": "A1", "event": event, "type": "event_callback",
            "event_id": "Ev1", "event_time": 1700000000,
        }))
        .unwrap()
    }

    #[test]
    fn reactions_to_messages_and_membership_changes_are_read_even_without_optional_fields() {
        let added = callback(json!({
            "type": "reaction_added", "user": "U3", "reaction": "tada", "item_user": "UBOT",
            "item": {"type": "message", "channel": "C1", "ts": "1700000000.000100"}, "event_ts": "1.2",
        }));
        assert_eq!(
            from_push(&added).unwrap().what,
            What::Reaction {
                message_ts: "1700000000.000100".into(),
                emoji: "tada".into(),
                added: true,
                author: Some("UBOT".into())
            }
        );
        let on_file = callback(json!({
            "type": "reaction_added", "user": "U3", "reaction": "tada",
            "item": {"type": "file", "file": "F1"}, "event_ts": "1.2",
        }));
        assert_eq!(from_push(&on_file), None);
        let bare_join = callback(json!({"type": "member_joined_channel", "user": "U4", "channel": "C1"}));
        let joined = from_push(&bare_join).unwrap();
        assert_eq!((joined.user_id.as_str(), joined.what), ("U4", What::Joined));
        let left = callback(json!({
            "type": "member_left_channel", "user": "U4", "channel": "C1", "channel_type": "C", "team": "T1",
        }));
        assert_eq!(from_push(&left).unwrap().what, What::Left);
        assert_eq!(
            from_push(&callback(json!({"type": "app_mention", "user": "U1", "text": "hi",
            "ts": "1.1", "channel": "C1", "event_ts": "1.1"}))),
            None
        );
    }
}
