//! The Discord adapter (serenity): one connection serves every server the bot is in.
//!
//! - [`rest`] — Discord's REST API through serenity's client (and its rate limiter);
//!   [`errors`] sorts failures into the contract's platform errors.
//! - [`platform`] — the contract: posts, edits, private answers through interaction tokens,
//!   DMs, member lists; [`render`] turns messages into embeds, components and markdown.
//! - [`commands`] — the slash commands' typed options, turned back into the core's text;
//!   [`interactions`] — interactions and reactions as core events, acknowledgements as
//!   interaction responses; [`permissions`] — managers, HR, who can see a channel.
//! - [`listener`] — events in, from [`gateway`] (serenity's shards) or [`endpoint`] (the
//!   signed Interactions Endpoint URL).
//!
//! [`Discord::connect`] checks the token and the API before anything starts, learns the
//! application, and registers the commands; [`Discord::serve`] starts listening with a bot.

mod commands;
mod endpoint;
mod errors;
mod gateway;
mod interactions;
mod listener;
mod permissions;
mod platform;
pub mod render;
mod rest;

pub use commands::definitions as command_definitions;
pub use endpoint::PATH as INTERACTIONS_PATH;
pub use gateway::{intents, Gateway};
pub use listener::Listener;
pub use permissions::BOT_PERMISSIONS;
pub use platform::DiscordPlatform;

use crate::bot::Bot;
use crate::chat::PlatformError;
use crate::config::{DiscordConfig, InteractionsMode};
use anyhow::Context as _;
use serenity::all::{ApplicationId, GuildId, UserId};
use std::sync::Arc;

/// A checked connection to Discord, before it listens.
pub struct Discord {
    platform: Arc<DiscordPlatform>,
    config: DiscordConfig,
}

impl Discord {
    /// Checks the token and that Discord (or `[discord] api_base`) answers, learns the
    /// application and the bot's user, and registers the commands: per server with
    /// `guild_ids` (they appear at once), globally otherwise. Any failure here stops
    /// meridian with a message saying what to fix, rather than a bot that never connects.
    pub async fn connect(config: &DiscordConfig) -> anyhow::Result<Discord> {
        let token = config.token.as_ref().context("DISCORD_TOKEN is not set")?;
        let rest = rest::Rest::new(&config.api_base, token.expose())?;
        let explain = |what: &str, e: PlatformError| match e {
            PlatformError::Forbidden { .. } => {
                anyhow::anyhow!("discord: {what}: {e}. Is DISCORD_TOKEN the bot token of your application?")
            }
            e => anyhow::anyhow!("discord: {what} at {}: {e}", config.api_base),
        };
        let me = rest.current_user().await.map_err(|e| explain("cannot check the bot token", e))?;
        let bot_id = permissions::id(&me["id"]).context("discord: /users/@me answered without an id")?;
        let application = rest.current_application().await.map_err(|e| explain("cannot read the application", e))?;
        let application_id =
            permissions::id(&application["id"]).context("discord: the application came without an id")?;
        if let Some(configured) = &config.application_id {
            if configured != &application_id.to_string() {
                tracing::warn!(%configured, actual = application_id, "[discord] application_id is not this token's application");
            }
        }
        // serenity would quietly fall back to Discord's own gateway if this failed.
        let gateway = rest.gateway().await.map_err(|e| explain("cannot find the gateway", e))?;
        if gateway["url"].as_str().is_none_or(str::is_empty) {
            anyhow::bail!("discord: {} gave no gateway URL", config.api_base);
        }
        let application_id = ApplicationId::new(application_id);
        register_commands(&rest, application_id, &config.guild_ids).await;
        let platform = DiscordPlatform::new(rest, application_id, UserId::new(bot_id), config.guild_members);
        Ok(Discord { platform: Arc::new(platform), config: config.clone() })
    }

    /// The connection as the bot delivers through it.
    pub fn platform(&self) -> Arc<DiscordPlatform> {
        self.platform.clone()
    }

    /// Starts listening with `bot`: the gateway's shards, and (with `interactions = "http"`)
    /// the routes of the Interactions Endpoint URL to serve.
    pub async fn serve(self, bot: Arc<Bot>) -> anyhow::Result<(axum::Router, Gateway)> {
        let listener = Arc::new(Listener::new(self.platform.clone(), bot));
        let routes = match (&self.config.interactions, &self.config.public_key) {
            (InteractionsMode::Http, Some(key)) => endpoint::routes(listener.clone(), key)?,
            _ => axum::Router::new(),
        };
        let gateway = Gateway::start(listener, self.platform.rest().gateway_http(), &self.config).await?;
        Ok((routes, gateway))
    }
}

/// Registers the commands; a refusal is logged, not fatal (the last registration stands).
async fn register_commands(rest: &rest::Rest, application_id: ApplicationId, guild_ids: &[u64]) {
    let definitions = commands::definitions();
    let targets: Vec<Option<GuildId>> =
        if guild_ids.is_empty() { vec![None] } else { guild_ids.iter().map(|g| Some(GuildId::new(*g))).collect() };
    for guild in targets {
        let place = guild.map_or_else(|| "globally".to_string(), |g| format!("in server {g}"));
        match rest.overwrite_commands(application_id, guild, &definitions).await {
            Ok(registered) => tracing::info!(count = registered.len(), "discord commands registered {place}"),
            Err(e) => {
                tracing::error!(error = %e, "discord commands could not be registered {place}");
                crate::telemetry::logs::status(&format!(
                    "meridian: discord commands could not be registered {place}: {e}"
                ));
            }
        }
    }
}

/// The OAuth2 URL that adds the bot to a server, with the `bot` and
/// `applications.commands` scopes and exactly the permissions meridian uses.
pub fn invite_url(application_id: &str) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application_id}&scope=bot%20applications.commands&permissions={BOT_PERMISSIONS}"
    )
}

/// The permissions of [`invite_url`], as the developer portal names them.
pub const PERMISSION_NAMES: &[(&str, u64)] = &[
    ("View Channels", permissions::VIEW_CHANNEL),
    ("Send Messages", permissions::SEND_MESSAGES),
    ("Embed Links", permissions::EMBED_LINKS),
    ("Attach Files", permissions::ATTACH_FILES),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invite_asks_for_the_two_scopes_and_only_the_permissions_used() {
        let url = invite_url("1100000000000000001");
        assert!(url.contains("client_id=1100000000000000001"));
        assert!(url.contains("scope=bot%20applications.commands"));
        assert!(url.ends_with("permissions=52224"));
        assert_eq!(PERMISSION_NAMES.iter().fold(0, |all, (_, bit)| all | bit), BOT_PERMISSIONS);
    }
}
