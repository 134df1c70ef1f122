//! The Discord connection as the core sees it: the platform contract over Discord's REST API.
//! One connection serves every server (guild) the bot is in. Private answers go through the
//! interaction's token (the deferred "thinking…" response is edited first, later answers are
//! ephemeral follow-ups); Discord has no unprompted ephemeral message, so those go as DMs.

use super::interactions::{parse_handle, EPHEMERAL};
use super::permissions::{self, GuildRoles};
use super::render::{self, Payload};
use super::rest::Rest;
use crate::chat::{
    ChannelRef, ChatPlatform, Message, MessageRef, PlatformError, PlatformKind, ReplyTarget, UserInfo, UserRef,
};
use async_trait::async_trait;
use serde_json::{json, Value};
use serenity::all::{ApplicationId, ChannelId, GuildId, MessageId, UserId};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DISCORD: PlatformKind = PlatformKind::Discord;

/// Discord asks for no more than five messages in five seconds in a channel.
const PACING: Duration = Duration::from_secs(1);

/// How long after an interaction its token may still be unknown to Discord: over HTTP, a
/// follow-up can reach Discord before the response that acknowledged the interaction.
const ACK_IN_FLIGHT: Duration = Duration::from_secs(15);

/// Milliseconds of the Discord epoch (2015-01-01), the base of snowflake timestamps.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

pub struct DiscordPlatform {
    rest: Rest,
    application_id: ApplicationId,
    bot_id: UserId,
    /// The Server Members intent is on: member lists can be read.
    guild_members: bool,
    /// Reply handles whose deferred original response a reply has already filled.
    answered: Mutex<HashSet<String>>,
    /// Open DM channels, by person.
    dm_channels: Mutex<HashMap<UserId, ChannelId>>,
}

impl DiscordPlatform {
    pub fn new(rest: Rest, application_id: ApplicationId, bot_id: UserId, guild_members: bool) -> DiscordPlatform {
        DiscordPlatform {
            rest,
            application_id,
            bot_id,
            guild_members,
            answered: Mutex::default(),
            dm_channels: Mutex::default(),
        }
    }

    pub fn rest(&self) -> &Rest {
        &self.rest
    }

    pub fn bot_id(&self) -> UserId {
        self.bot_id
    }

    pub fn application_id(&self) -> ApplicationId {
        self.application_id
    }

    async fn send(&self, channel_id: ChannelId, payload: &Payload) -> Result<MessageRef, PlatformError> {
        let message = self.rest.create_message(channel_id, payload).await?;
        let id = message["id"].as_str().ok_or_else(|| PlatformError::Unavailable {
            platform: DISCORD,
            reason: "Discord answered a new message without its id".into(),
        })?;
        Ok(MessageRef(id.to_string()))
    }

    async fn dm_channel(&self, user_id: UserId) -> Result<ChannelId, PlatformError> {
        if let Some(channel) = self.dm_channels.lock().unwrap_or_else(|e| e.into_inner()).get(&user_id) {
            return Ok(*channel);
        }
        let channel = self.rest.dm_channel(user_id).await?;
        let id = permissions::id(&channel["id"]).map(ChannelId::new).ok_or_else(|| PlatformError::Unavailable {
            platform: DISCORD,
            reason: "Discord answered a DM channel without its id".into(),
        })?;
        self.dm_channels.lock().unwrap_or_else(|e| e.into_inner()).insert(user_id, id);
        Ok(id)
    }

    fn answered(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.answered.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The guild's members (user ids and roles, bots left out), page by page.
    async fn guild_members(&self, guild_id: GuildId) -> Result<Vec<(u64, Vec<u64>)>, PlatformError> {
        let mut members = Vec::new();
        let mut after = 0;
        loop {
            let page = self.rest.guild_members(guild_id, after).await?;
            let count = page.len();
            for member in page {
                let Some(user) = permissions::id(&member["user"]["id"]) else { continue };
                after = after.max(user);
                if member["user"]["bot"].as_bool() != Some(true) {
                    let roles = member["roles"].as_array().into_iter().flatten().filter_map(permissions::id).collect();
                    members.push((user, roles));
                }
            }
            if count < 1000 {
                return Ok(members);
            }
        }
    }
}

/// A snowflake named by the core, back as a Discord id.
fn snowflake(text: &str, what: &str) -> Result<u64, PlatformError> {
    text.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| PlatformError::NotFound { platform: DISCORD, what: format!("{what} '{text}'") })
}

/// Discord's `nonce` (at most 25 characters) for a ledger key: a hash of it.
pub fn nonce(key: &str) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..12])
}

/// Whether an interaction was created so recently that Discord may not know yet that it
/// was acknowledged.
fn recent(interaction_id: u64) -> bool {
    let created = (interaction_id >> 22) + DISCORD_EPOCH_MS;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    now.saturating_sub(created) < ACK_IN_FLIGHT.as_millis() as u64
}

#[async_trait]
impl ChatPlatform for DiscordPlatform {
    fn kind(&self) -> PlatformKind {
        DISCORD
    }

    fn pacing(&self) -> Duration {
        PACING
    }

    async fn post(&self, channel: &ChannelRef, message: &Message) -> Result<MessageRef, PlatformError> {
        let channel_id = ChannelId::new(snowflake(&channel.id, "channel")?);
        self.send(channel_id, &render::message(message)).await
    }

    async fn post_once(&self, channel: &ChannelRef, message: &Message, key: &str) -> Result<MessageRef, PlatformError> {
        let channel_id = ChannelId::new(snowflake(&channel.id, "channel")?);
        let payload = render::message(message).with("nonce", json!(nonce(key))).with("enforce_nonce", json!(true));
        self.send(channel_id, &payload).await
    }

    async fn update(
        &self,
        channel: &ChannelRef,
        message_ref: &MessageRef,
        message: &Message,
    ) -> Result<(), PlatformError> {
        let channel_id = ChannelId::new(snowflake(&channel.id, "channel")?);
        let message_id = MessageId::new(snowflake(&message_ref.0, "message")?);
        self.rest.edit_message(channel_id, message_id, &render::message(message)).await.map(drop)
    }

    async fn reply(&self, to: &ReplyTarget, message: &Message) -> Result<(), PlatformError> {
        let (interaction_id, token) = parse_handle(&to.handle)
            .ok_or_else(|| PlatformError::NotFound { platform: DISCORD, what: "the interaction to answer".into() })?;
        let payload = render::message(message).with("flags", json!(EPHEMERAL));
        let first = !self.answered().contains(&to.handle);
        let sent = if first {
            self.rest.edit_original(self.application_id, token, &payload).await
        } else {
            self.rest.create_followup(self.application_id, token, &payload).await
        };
        match sent {
            Ok(()) => {
                self.answered().insert(to.handle.clone());
                Ok(())
            }
            Err(PlatformError::NotFound { what, .. }) if recent(interaction_id.get()) => {
                Err(PlatformError::Unavailable { platform: DISCORD, reason: format!("not acknowledged yet: {what}") })
            }
            Err(e) => Err(e),
        }
    }

    async fn settle(&self, to: &ReplyTarget, replied: bool) -> Result<(), PlatformError> {
        let Some((interaction_id, token)) = parse_handle(&to.handle) else { return Ok(()) };
        self.answered().remove(&to.handle);
        if replied {
            return Ok(());
        }
        // Nothing to say privately (the answer was a post in the channel): the "thinking…"
        // placeholder goes.
        match self.rest.delete_original(self.application_id, token).await {
            Err(PlatformError::NotFound { what, .. }) if recent(interaction_id.get()) => {
                Err(PlatformError::Unavailable { platform: DISCORD, reason: format!("not acknowledged yet: {what}") })
            }
            // Gone already, or the token expired: nothing is left to remove.
            Err(PlatformError::NotFound { .. }) => Ok(()),
            other => other,
        }
    }

    async fn ephemeral(&self, _channel: &ChannelRef, user_id: &str, message: &Message) -> Result<(), PlatformError> {
        let user = UserId::new(snowflake(user_id, "user")?);
        let channel = self.dm_channel(user).await?;
        self.send(channel, &render::message(message)).await.map(drop)
    }

    async fn direct(&self, user: &UserRef, message: &Message) -> Result<(), PlatformError> {
        let user = UserId::new(snowflake(&user.user_id, "user")?);
        let channel = self.dm_channel(user).await?;
        self.send(channel, &render::message(message)).await.map(drop)
    }

    async fn members(&self, channel: &ChannelRef) -> Result<Option<Vec<String>>, PlatformError> {
        if !self.guild_members {
            return Ok(None);
        }
        let guild_id = GuildId::new(snowflake(&channel.workspace, "server")?);
        let channel_id = ChannelId::new(snowflake(&channel.id, "channel")?);
        let members = match self.guild_members(guild_id).await {
            Ok(members) => members,
            // The intent is configured but not switched on in the portal: meridian's own
            // record of who is in the channel stands in.
            Err(PlatformError::Forbidden { reason, .. }) => {
                tracing::warn!(%reason, "Discord refused the member list: is the Server Members intent on?");
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let guild = GuildRoles::from_json(&self.rest.guild(guild_id).await?);
        let overwrites = permissions::overwrites(&self.rest.channel(channel_id).await?);
        Ok(Some(
            members
                .into_iter()
                .filter(|(user, roles)| {
                    *user != self.bot_id.get() && permissions::can_view(&guild, &overwrites, *user, roles)
                })
                .map(|(user, _)| user.to_string())
                .collect(),
        ))
    }

    async fn user(&self, user: &UserRef) -> Result<Option<UserInfo>, PlatformError> {
        let user_id = UserId::new(snowflake(&user.user_id, "user")?);
        let guild = user.workspace.parse::<u64>().ok().filter(|g| *g > 0).map(GuildId::new);
        let (member, person): (Value, Value) = match guild {
            Some(guild) => match self.rest.member(guild, user_id).await {
                Ok(member) => (member.clone(), member["user"].clone()),
                Err(PlatformError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            },
            None => match self.rest.user(user_id).await {
                Ok(person) => (Value::Null, person),
                Err(PlatformError::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        let display_name = member["nick"]
            .as_str()
            .or(person["global_name"].as_str())
            .or(person["username"].as_str())
            .unwrap_or(&user.user_id)
            .to_string();
        Ok(Some(UserInfo {
            display_name,
            // Discord does not tell bots a person's time zone.
            timezone: None,
            is_admin: false,
            is_owner: false,
            is_bot: person["bot"].as_bool().unwrap_or(false),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_key_becomes_a_short_stable_nonce() {
        let n = nonce("12/pulse-results/pulse-3");
        assert_eq!(n.len(), 24, "Discord takes 25 characters at most");
        assert_eq!(n, nonce("12/pulse-results/pulse-3"));
        assert_ne!(n, nonce("12/pulse-results/pulse-4"));
    }
}
