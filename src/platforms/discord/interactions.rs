//! What people do on Discord as the core's events, and the core's acknowledgements as
//! Discord's interaction responses. Application commands become `Event::Command` (their
//! typed options turned back into text by [`commands`](super::commands)), buttons
//! `Event::Click` (action and value from the `custom_id`), reactions `Event::Reaction`.
//! Nothing here does I/O, so an interaction is answered as fast as the core decides.

use super::commands;
use super::permissions;
use super::render::{self, decode_custom_id, Payload};
use crate::bot::Ack;
use crate::calendar::Library;
use crate::chat::{Actor, ChannelRef, Event, Message, MessageRef, PlatformKind, ReplyTarget};
use crate::config::Config;
use serde_json::json;
use serenity::all::{
    ChannelId, CommandInteraction, ComponentInteraction, GuildId, Interaction, InteractionId, Member, PartialChannel,
    Reaction, ReactionType, User,
};

/// Interaction callback types (Discord's "Interaction Callback Type").
const PONG: u8 = 1;
const CHANNEL_MESSAGE: u8 = 4;
const DEFERRED_CHANNEL_MESSAGE: u8 = 5;
const AUTOCOMPLETE_RESULT: u8 = 8;
/// Message flag: only the person who acted sees it.
pub const EPHEMERAL: u64 = 1 << 6;

/// What to do with an interaction.
#[derive(Debug)]
pub enum Incoming {
    /// Discord checking the endpoint (HTTP interactions only).
    Ping,
    /// Something for the core.
    Event(Box<Event>),
    /// Suggestions for the option being typed.
    Suggest(Vec<(String, String)>),
    /// Not something the core handles; answered at once, privately.
    Answer(Message),
}

/// The adapter's reply handle for an interaction: its id and token. A follow-up answers
/// through the token (edit the original response, or a follow-up message).
pub fn handle(id: InteractionId, token: &str) -> String {
    format!("{id}:{token}")
}

/// The interaction id and token of a reply handle.
pub fn parse_handle(handle: &str) -> Option<(InteractionId, &str)> {
    let (id, token) = handle.split_once(':')?;
    let id = id.parse::<u64>().ok().filter(|id| *id > 0)?;
    (!token.is_empty()).then_some((InteractionId::new(id), token))
}

/// Reads an interaction.
pub fn incoming(config: &Config, library: &Library, interaction: &Interaction) -> Incoming {
    match interaction {
        Interaction::Ping(_) => Incoming::Ping,
        Interaction::Command(command) => command_event(config, command),
        Interaction::Autocomplete(command) => Incoming::Suggest(
            commands::focused(&command.data)
                .map(|(kind, typed)| commands::suggestions(library, kind, &typed))
                .unwrap_or_default(),
        ),
        Interaction::Component(click) => click_event(config, click),
        _ => Incoming::Answer(Message::text("meridian does not use forms.")),
    }
}

const GUILDS_ONLY: &str = "meridian works in a server's channels: use its commands there.";

fn command_event(config: &Config, command: &CommandInteraction) -> Incoming {
    let (Some(guild), Some(member)) = (command.guild_id, command.member.as_deref()) else {
        return Incoming::Answer(Message::text(GUILDS_ONLY));
    };
    let Some((name, args)) = commands::arguments(&command.data) else {
        return Incoming::Answer(Message::text(
            "meridian does not know this command (an old registration?). Try `/meridian help`.",
        ));
    };
    let channel = channel_ref(guild, command.channel_id, command.channel.as_ref());
    let actor = actor(config, &command.user, Some(member));
    let reply = ReplyTarget {
        channel: channel.clone(),
        user_id: actor.user_id.clone(),
        handle: handle(command.id, &command.token),
    };
    Incoming::Event(Box::new(Event::Command { channel, actor, command: name, args, reply }))
}

fn click_event(config: &Config, click: &ComponentInteraction) -> Incoming {
    let Some(guild) = click.guild_id else { return Incoming::Answer(Message::text(GUILDS_ONLY)) };
    let Some((action, value)) = decode_custom_id(&click.data.custom_id) else {
        return Incoming::Answer(Message::text("That button is not one meridian knows."));
    };
    let channel = channel_ref(guild, click.channel_id, click.channel.as_ref());
    let actor = actor(config, &click.user, click.member.as_ref());
    let reply = ReplyTarget {
        channel: channel.clone(),
        user_id: actor.user_id.clone(),
        handle: handle(click.id, &click.token),
    };
    Incoming::Event(Box::new(Event::Click {
        channel,
        actor,
        message: MessageRef(click.message.id.to_string()),
        action: action.to_string(),
        value: value.to_string(),
        reply,
    }))
}

/// A reaction added or removed on a message in a server channel; `None` in a DM or when the
/// bot's own reaction comes back.
pub fn reaction_event(
    config: &Config,
    reaction: &Reaction,
    added: bool,
    bot: serenity::all::UserId,
    channel_name: Option<String>,
) -> Option<Event> {
    let guild = reaction.guild_id?;
    let user_id = reaction.user_id.filter(|u| *u != bot)?;
    let display = reaction.member.as_ref().map(display_name).unwrap_or_else(|| user_id.to_string());
    let actor = crate::bot::actor(config, PlatformKind::Discord, &user_id.to_string(), &display, Default::default());
    let channel = ChannelRef {
        platform: PlatformKind::Discord,
        workspace: guild.to_string(),
        id: reaction.channel_id.to_string(),
        name: channel_name.unwrap_or_else(|| reaction.channel_id.to_string()),
    };
    Some(Event::Reaction {
        channel,
        actor,
        message: MessageRef(reaction.message_id.to_string()),
        emoji: emoji(&reaction.emoji),
        added,
    })
}

/// A unicode emoji as itself, a server's own emoji by its name.
pub fn emoji(reaction: &ReactionType) -> String {
    match reaction {
        ReactionType::Unicode(s) => s.clone(),
        ReactionType::Custom { name, id, .. } => name.clone().unwrap_or_else(|| id.to_string()),
        other => other.to_string(),
    }
}

/// The channel of an interaction, named as the interaction names it.
fn channel_ref(guild: GuildId, channel_id: ChannelId, channel: Option<&PartialChannel>) -> ChannelRef {
    ChannelRef {
        platform: PlatformKind::Discord,
        workspace: guild.to_string(),
        id: channel_id.to_string(),
        name: channel.and_then(|c| c.name.clone()).unwrap_or_else(|| channel_id.to_string()),
    }
}

/// The person acting, with what their permissions, roles and the configuration allow.
pub fn actor(config: &Config, user: &User, member: Option<&Member>) -> Actor {
    let permissions = member.and_then(|m| m.permissions).map_or(0, |p| p.bits());
    let roles: Vec<u64> = member.map(|m| m.roles.iter().map(|r| r.get()).collect()).unwrap_or_default();
    let from_discord = permissions::capabilities(&config.discord, permissions, &roles);
    let name = member.map(display_name).unwrap_or_else(|| user_name(user));
    crate::bot::actor(config, PlatformKind::Discord, &user.id.to_string(), &name, from_discord)
}

/// A member as the server shows them: nickname, else display name, else user name.
pub fn display_name(member: &Member) -> String {
    member.nick.clone().unwrap_or_else(|| user_name(&member.user))
}

fn user_name(user: &User) -> String {
    user.global_name.clone().unwrap_or_else(|| user.name.clone())
}

/// The interaction response for the core's acknowledgement: the whole answer (type 4), or
/// "thinking…" (type 5) that the follow-up edits. Both only for the person who acted.
pub fn acknowledgement(ack: &Ack) -> Payload {
    match ack {
        Ack::Reply(message) => answer(message),
        // An outcome is acknowledged with its answer when it comes in time (see the listener);
        // otherwise, as here, by "thinking…".
        Ack::Deferred | Ack::Silent | Ack::Outcome => {
            Payload { json: json!({"type": DEFERRED_CHANNEL_MESSAGE, "data": {"flags": EPHEMERAL}}), files: Vec::new() }
        }
    }
}

/// An immediate private answer.
pub fn answer(message: &Message) -> Payload {
    let data = render::message(message).with("flags", json!(EPHEMERAL));
    Payload { json: json!({"type": CHANNEL_MESSAGE, "data": data.json}), files: data.files }
}

pub fn suggestions(choices: &[(String, String)]) -> Payload {
    let choices: Vec<_> = choices.iter().map(|(name, value)| json!({"name": name, "value": value})).collect();
    Payload { json: json!({"type": AUTOCOMPLETE_RESULT, "data": {"choices": choices}}), files: Vec::new() }
}

pub fn pong() -> Payload {
    Payload { json: json!({"type": PONG}), files: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn config() -> Config {
        let mut config = Config::default();
        config.discord.manager_roles = vec![1_500_000_000_000_000_009];
        config
    }

    /// An INTERACTION_CREATE `d` as Discord sends it (the fields serenity insists on).
    fn interaction(kind: u8, data: Value, permissions: u64, roles: &[&str]) -> Interaction {
        let mut v = json!({
            "id": "1600000000000000001", "application_id": "1100000000000000001", "type": kind,
            "token": "tok-en", "version": 1, "locale": "en-US", "entitlements": [],
            "attachment_size_limit": 10485760, "authorizing_integration_owners": {},
            "guild_id": "1200000000000000001", "channel_id": "1400000000000000001",
            "channel": {"id": "1400000000000000001", "type": 0, "name": "general"},
            "member": {
                "user": {"id": "1300000000000000002", "username": "alice", "global_name": "Alice", "discriminator": "0"},
                "roles": roles, "joined_at": "2024-01-15T09:00:00.000000+00:00", "deaf": false, "mute": false,
                "flags": 0, "pending": false, "permissions": permissions.to_string(), "nick": null,
            },
            "data": data,
        });
        if kind == 3 {
            v["message"] = json!({
                "id": "1700000000000000001", "channel_id": "1400000000000000001", "type": 0, "content": "",
                "author": {"id": "1100000000000000001", "username": "Meridian", "discriminator": "0", "bot": true},
                "timestamp": "2026-11-05T08:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
                "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "embeds": [],
                "pinned": false, "flags": 0, "components": [],
            });
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_slash_command_becomes_the_core_command_with_a_reply_handle_and_capabilities() {
        let data = json!({"id": "9", "name": "meridian", "type": 1,
            "options": [{"name": "follow", "type": 1, "options": [{"name": "regions", "type": 3, "value": "IN PH"}]}]});
        let library = Library::shipped().unwrap();
        let Incoming::Event(event) =
            incoming(&config(), &library, &interaction(2, data.clone(), permissions::MANAGE_GUILD, &[]))
        else {
            panic!()
        };
        let Event::Command { channel, actor, command, args, reply } = *event else { panic!() };
        assert_eq!((command.as_str(), args.as_str()), ("meridian", "follow IN PH"));
        assert_eq!(
            (channel.workspace.as_str(), channel.id.as_str(), channel.name.as_str()),
            ("1200000000000000001", "1400000000000000001", "general")
        );
        assert_eq!((actor.display_name.as_str(), actor.capabilities.manager), ("Alice", true));
        assert_eq!(parse_handle(&reply.handle), Some((InteractionId::new(1_600_000_000_000_000_001), "tok-en")));

        let plain = incoming(&config(), &library, &interaction(2, data.clone(), permissions::SEND_MESSAGES, &[]));
        assert!(matches!(plain, Incoming::Event(e) if !e.actor().capabilities.manager));
        let by_role = incoming(&config(), &library, &interaction(2, data, 0, &["1500000000000000009"]));
        assert!(matches!(by_role, Incoming::Event(e) if e.actor().capabilities.manager));
    }

    #[test]
    fn a_button_becomes_a_click_on_its_message() {
        let data = json!({"custom_id": "pulse:3:4", "component_type": 2});
        let library = Library::shipped().unwrap();
        let Incoming::Event(event) = incoming(&config(), &library, &interaction(3, data, 0, &[])) else { panic!() };
        let Event::Click { message, action, value, .. } = *event else { panic!() };
        assert_eq!((message.0.as_str(), action.as_str(), value.as_str()), ("1700000000000000001", "pulse", "3:4"));
    }

    #[test]
    fn acknowledgements_are_private() {
        let deferred = acknowledgement(&Ack::Deferred);
        assert_eq!(deferred.json, json!({"type": 5, "data": {"flags": 64}}));
        let now = acknowledgement(&Ack::Reply(Message::text("Only managers can start a pulse.")));
        assert_eq!(now.json["type"], 4);
        assert_eq!(now.json["data"]["flags"], 64);
        assert_eq!(now.json["data"]["content"], "Only managers can start a pulse.");
        assert_eq!(parse_handle("x:y"), None);
    }
}
