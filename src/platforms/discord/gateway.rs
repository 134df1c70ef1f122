//! The gateway connection (serenity's client and shard manager) with the fewest intents
//! meridian needs: GUILDS (servers and their channels, interactions) and
//! GUILD_MESSAGE_REACTIONS (reactions to its posts), plus the privileged GUILD_MEMBERS only
//! when `[discord] guild_members` says the portal allows it (members joining and leaving).
//! serenity resumes a dropped session and replays what was missed; the listener handles an
//! interaction once even if it comes again.

use super::listener::Listener;
use crate::config::DiscordConfig;
use serenity::all::{
    ClientBuilder, ConnectionStage, Context, EventHandler, GatewayIntents, Guild, GuildChannel, GuildId, Http,
    Interaction, Member, Reaction, Ready, ResumedEvent, ShardManager, ShardStageUpdateEvent, User,
};
use serenity::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// The intents for a configuration (see the module's header).
pub fn intents(config: &DiscordConfig) -> GatewayIntents {
    let mut intents = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGE_REACTIONS;
    if config.guild_members {
        intents |= GatewayIntents::GUILD_MEMBERS;
    }
    intents
}

/// The running gateway: its shards, stopped together.
pub struct Gateway {
    shards: Arc<ShardManager>,
    task: tokio::task::JoinHandle<()>,
    /// Why Discord closed the gateway for good, if it did.
    failed: tokio::sync::oneshot::Receiver<String>,
}

impl Gateway {
    /// Connects the shards this process runs (`[discord] shards`, or the one shard of a
    /// small bot) and hands their events to `listener`.
    pub async fn start(listener: Arc<Listener>, http: Http, config: &DiscordConfig) -> anyhow::Result<Gateway> {
        let mut client = ClientBuilder::new_with_http(http, intents(config))
            .event_handler(Handler(listener))
            .await
            .map_err(|e| anyhow::anyhow!("discord: cannot set up the gateway client: {e}"))?;
        let shards = client.shard_manager.clone();
        let range = config.shards;
        match range {
            Some(r) => (r.first..=r.last).for_each(|id| crate::telemetry::ready::expect(&shard_name(id))),
            None => crate::telemetry::ready::expect(&shard_name(0)),
        }
        let (fail, failed) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            // serenity counts the range's end in (0..3 of 8 runs shards 0, 1, 2 and 3).
            let ended = match range {
                Some(r) => client.start_shard_range(r.first..r.last, r.total).await,
                None => client.start().await,
            };
            if let Err(e) = ended {
                tracing::error!(error = %e, "the Discord gateway stopped");
                let _ = fail.send(why(&e));
            }
        });
        Ok(Gateway { shards, task, failed })
    }

    /// Resolves, with what to fix, if Discord closes the gateway for good; never otherwise.
    pub async fn failure(&mut self) -> String {
        match (&mut self.failed).await {
            Ok(reason) => reason,
            Err(_) => std::future::pending().await,
        }
    }

    /// Closes every shard's connection.
    pub async fn stop(self) {
        self.shards.shutdown_all().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// What the operator should know of a gateway that stopped.
fn why(error: &serenity::Error) -> String {
    use serenity::all::GatewayError;
    match error {
        serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents) => {
            "discord: the gateway refused the Server Members intent; switch it on in the developer portal \
             (Bot, Privileged Gateway Intents) or set [discord] guild_members = false"
                .to_string()
        }
        serenity::Error::Gateway(GatewayError::InvalidAuthentication) => {
            "discord: the gateway refused DISCORD_TOKEN".to_string()
        }
        other => format!("discord: the gateway stopped: {other}"),
    }
}

/// A shard as `/readyz` names it.
pub fn shard_name(id: u32) -> String {
    format!("discord shard {id}")
}

/// serenity's callbacks, each run in a task of its own, handed to the listener.
struct Handler(Arc<Listener>);

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _: Context, ready: Ready) {
        let shard = ready.shard.map(|s| format!("{}/{}", s.id, s.total)).unwrap_or_else(|| "0/1".into());
        tracing::info!(user = %ready.user.name, %shard, guilds = ready.guilds.len(), "discord gateway ready");
        crate::telemetry::ready::set(&shard_name(ready.shard.map_or(0, |s| s.id.0)), true);
        crate::telemetry::logs::status(&format!(
            "meridian: discord connected as {} (shard {shard}, {} servers)",
            ready.user.name,
            ready.guilds.len()
        ));
    }

    async fn resume(&self, _: Context, _: ResumedEvent) {
        tracing::info!("discord gateway resumed");
    }

    async fn shard_stage_update(&self, _: Context, event: ShardStageUpdateEvent) {
        crate::telemetry::ready::set(&shard_name(event.shard_id.0), event.new == ConnectionStage::Connected);
    }

    async fn guild_create(&self, _: Context, guild: Guild, _: Option<bool>) {
        self.0.guild(&guild);
    }

    async fn channel_create(&self, _: Context, channel: GuildChannel) {
        self.0.channel(&channel);
    }

    async fn channel_update(&self, _: Context, _: Option<GuildChannel>, channel: GuildChannel) {
        self.0.channel(&channel);
    }

    async fn interaction_create(&self, _: Context, interaction: Interaction) {
        self.0.interaction(interaction).await;
    }

    async fn reaction_add(&self, _: Context, reaction: Reaction) {
        self.0.reaction(&reaction, true).await;
    }

    async fn reaction_remove(&self, _: Context, reaction: Reaction) {
        self.0.reaction(&reaction, false).await;
    }

    async fn guild_member_addition(&self, _: Context, member: Member) {
        self.0.member_joined(&member).await;
    }

    async fn guild_member_removal(&self, _: Context, guild_id: GuildId, user: User, _: Option<Member>) {
        self.0.member_left(guild_id, &user).await;
    }
}
