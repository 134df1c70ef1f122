//! Who may do what on Discord, in meridian's terms: managers are members with Manage Server or
//! Manage Channels (or a configured role), HR a configured role; and who is "in" a channel
//! (response rates, nudges): the server's members who can see it, by Discord's documented
//! permission arithmetic (roles, then the channel's overwrites).

use crate::chat::Capabilities;
use crate::config::DiscordConfig;
use serde_json::Value;
use std::collections::HashMap;

pub const ADMINISTRATOR: u64 = 1 << 3;
pub const MANAGE_CHANNELS: u64 = 1 << 4;
pub const MANAGE_GUILD: u64 = 1 << 5;
pub const VIEW_CHANNEL: u64 = 1 << 10;
pub const SEND_MESSAGES: u64 = 1 << 11;
pub const EMBED_LINKS: u64 = 1 << 14;
pub const ATTACH_FILES: u64 = 1 << 15;

/// What the bot needs in a channel, and all it asks for in its invite: see the channel (and
/// its reactions), post, show embeds, attach the pulse chart.
pub const BOT_PERMISSIONS: u64 = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES;

/// A member's capabilities from their permissions in the channel (as an interaction carries
/// them) and their roles.
pub fn capabilities(config: &DiscordConfig, permissions: u64, roles: &[u64]) -> Capabilities {
    let manages = permissions & (ADMINISTRATOR | MANAGE_GUILD | MANAGE_CHANNELS) != 0;
    Capabilities {
        manager: manages || roles.iter().any(|r| config.manager_roles.contains(r)),
        hr: roles.iter().any(|r| config.hr_roles.contains(r)),
    }
}

/// A guild's owner and role permissions, from `GET /guilds/{id}`.
#[derive(Debug, Clone, Default)]
pub struct GuildRoles {
    pub guild_id: u64,
    pub owner_id: u64,
    pub roles: HashMap<u64, u64>,
}

impl GuildRoles {
    pub fn from_json(guild: &Value) -> GuildRoles {
        let roles = guild["roles"]
            .as_array()
            .map(|roles| roles.iter().filter_map(|r| Some((id(&r["id"])?, bits(&r["permissions"])))).collect())
            .unwrap_or_default();
        GuildRoles { guild_id: id(&guild["id"]).unwrap_or(0), owner_id: id(&guild["owner_id"]).unwrap_or(0), roles }
    }
}

/// A channel's permission overwrite: for a role (`kind` 0) or a member (1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overwrite {
    pub id: u64,
    pub kind: u8,
    pub allow: u64,
    pub deny: u64,
}

/// A channel's overwrites, from `GET /channels/{id}`.
pub fn overwrites(channel: &Value) -> Vec<Overwrite> {
    channel["permission_overwrites"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|o| {
                    Some(Overwrite {
                        id: id(&o["id"])?,
                        kind: o["type"].as_u64().unwrap_or(0) as u8,
                        allow: bits(&o["allow"]),
                        deny: bits(&o["deny"]),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a member with `roles` can see a channel with `overwrites`.
pub fn can_view(guild: &GuildRoles, overwrites: &[Overwrite], user_id: u64, roles: &[u64]) -> bool {
    if user_id == guild.owner_id {
        return true;
    }
    let role_bits = |id: &u64| guild.roles.get(id).copied().unwrap_or(0);
    let mut bits = role_bits(&guild.guild_id) | roles.iter().map(role_bits).fold(0, |a, b| a | b);
    if bits & ADMINISTRATOR != 0 {
        return true;
    }
    if let Some(everyone) = overwrites.iter().find(|o| o.kind == 0 && o.id == guild.guild_id) {
        bits = (bits & !everyone.deny) | everyone.allow;
    }
    let (allow, deny) = overwrites
        .iter()
        .filter(|o| o.kind == 0 && roles.contains(&o.id))
        .fold((0, 0), |(allow, deny), o| (allow | o.allow, deny | o.deny));
    bits = (bits & !deny) | allow;
    if let Some(own) = overwrites.iter().find(|o| o.kind == 1 && o.id == user_id) {
        bits = (bits & !own.deny) | own.allow;
    }
    bits & VIEW_CHANNEL != 0
}

/// A snowflake, sent as a string.
pub fn id(v: &Value) -> Option<u64> {
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_u64())
}

/// A permission bit set, sent as a decimal string.
pub fn bits(v: &Value) -> u64 {
    v.as_str().and_then(|s| s.parse().ok()).or_else(|| v.as_u64()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const GUILD: u64 = 100;
    const STAFF: u64 = 200;
    const MUTED: u64 = 300;

    fn guild() -> GuildRoles {
        GuildRoles::from_json(&json!({
            "id": "100", "owner_id": "1",
            "roles": [
                {"id": "100", "permissions": (VIEW_CHANNEL | SEND_MESSAGES).to_string()},
                {"id": "200", "permissions": "0"},
                {"id": "300", "permissions": "0"},
                {"id": "400", "permissions": ADMINISTRATOR.to_string()},
            ],
        }))
    }

    #[test]
    fn a_private_channel_is_seen_by_its_role_its_owner_and_admins_only() {
        let private = overwrites(&json!({"permission_overwrites": [
            {"id": "100", "type": 0, "allow": "0", "deny": VIEW_CHANNEL.to_string()},
            {"id": "200", "type": 0, "allow": VIEW_CHANNEL.to_string(), "deny": "0"},
            {"id": "7", "type": 1, "allow": "0", "deny": VIEW_CHANNEL.to_string()},
        ]}));
        let g = guild();
        assert!(!can_view(&g, &private, 5, &[]), "an ordinary member");
        assert!(can_view(&g, &private, 6, &[STAFF]), "the staff role");
        assert!(!can_view(&g, &private, 7, &[STAFF]), "a member shut out by name");
        assert!(can_view(&g, &private, 1, &[]), "the owner");
        assert!(can_view(&g, &private, 8, &[400]), "an administrator");
        assert!(can_view(&g, &[], 5, &[MUTED]), "an open channel: everyone");
        assert_eq!(g.guild_id, GUILD);
    }

    #[test]
    fn managers_are_who_manage_the_server_or_its_channels_or_hold_a_configured_role() {
        let config = DiscordConfig { manager_roles: vec![STAFF], hr_roles: vec![MUTED], ..Default::default() };
        assert!(capabilities(&config, MANAGE_GUILD, &[]).manager);
        assert!(capabilities(&config, MANAGE_CHANNELS, &[]).manager);
        assert!(!capabilities(&config, SEND_MESSAGES, &[]).manager);
        assert!(capabilities(&config, 0, &[STAFF]).manager);
        assert_eq!(capabilities(&config, 0, &[MUTED]), Capabilities::HR);
        assert_eq!(BOT_PERMISSIONS, 52_224);
    }
}
