//! A fake Discord on 127.0.0.1 for meridian's Discord adapter tests and benches.
//!
//! It speaks Discord's wire format (API v10 JSON shapes from the developer documentation):
//! REST under `/api/v10/...` and the gateway WebSocket at `/gateway`, so the real `serenity`
//! client can be pointed at it with `HttpBuilder::new(token).proxy(fake.proxy_base())`.
//! Serenity then sends `GET /api/v10/gateway` and connects to the URL the fake returns.
//!
//! What a test gets:
//! - a small world (application, bot user, guilds with roles, text channels and members) built
//!   with [`World`]/[`FakeGuild`], or [`World::sample`] with the ids in [`sample`];
//! - REST routes a bot uses (gateway, users, application, commands bulk overwrite, interaction
//!   callbacks, original response and follow-ups, channel messages with JSON or multipart bodies,
//!   reactions, guilds, members, DM channels), each recorded as a [`RestCall`];
//! - knobs: [`FakeDiscord::rate_limit_next`], [`FakeDiscord::fail_next`], [`FakeDiscord::delay`];
//! - a gateway with HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, sequence numbers, RESUME
//!   with replay of the events missed while the socket was down, op 7 RECONNECT and op 9
//!   INVALID_SESSION, plus helpers to dispatch interactions, reactions and messages;
//! - Ed25519 signing for tests of an "Interactions Endpoint URL" (HTTP interactions).
//!
//! Every wait is bounded by a timeout; odd input gets Discord's error JSON, never a panic.
//!
//! Over 600 lines on purpose: one platform's wire format (Discord's REST or Web API, its
//! WebSocket, signatures, rate limits) behind one test-facing handle; its sections are marked,
//! and splitting them into modules would make every internal of the fake crate-visible.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{Body, Bytes};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use ed25519_dalek::{Signer, SigningKey};
use rand::RngCore;
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, watch, Notify};
use tokio::task::JoinHandle;

// ------------------------------------------------------------------------------------------
// Constants from Discord's documentation
// ------------------------------------------------------------------------------------------

/// Milliseconds of the Discord epoch (2015-01-01), the base of snowflake timestamps.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// Message flag EPHEMERAL (1 << 6).
pub const EPHEMERAL: u64 = 1 << 6;
/// Message flag LOADING (1 << 7): a deferred response still "thinking".
pub const LOADING: u64 = 1 << 7;
/// Discord's attachment size limit for a guild without boosts, sent in interactions.
const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

/// Gateway intent bits used by the fake (Discord's "Gateway Intents" list).
pub mod intents {
    pub const GUILDS: u64 = 1 << 0;
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_PRESENCES: u64 = 1 << 8;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const GUILD_MESSAGE_REACTIONS: u64 = 1 << 10;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const DIRECT_MESSAGE_REACTIONS: u64 = 1 << 13;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
    /// Intents an app must switch on in the developer portal before it may identify with them.
    pub const PRIVILEGED: u64 = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT;
}

/// Permission bits used by the fake (Discord's "Bitwise Permission Flags").
pub mod perms {
    pub const CREATE_INSTANT_INVITE: u64 = 1 << 0;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const CHANGE_NICKNAME: u64 = 1 << 26;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    /// Every permission Discord defines today (bits 0..=50); what owners and admins get.
    pub const ALL: u64 = (1 << 51) - 1;
    /// A typical @everyone role.
    pub const DEFAULT_EVERYONE: u64 = CREATE_INSTANT_INVITE
        | ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS;
}

/// The ids of [`World::sample`].
pub mod sample {
    pub const TOKEN: &str = "fake-meridian-bot-token";
    pub const APP: u64 = 1_100_000_000_000_000_001;
    /// Discord gives a bot user the id of its application.
    pub const BOT: u64 = APP;
    pub const GUILD: u64 = 1_200_000_000_000_000_001;
    pub const OWNER: u64 = 1_300_000_000_000_000_001;
    pub const ALICE: u64 = 1_300_000_000_000_000_002;
    pub const BOB: u64 = 1_300_000_000_000_000_003;
    /// A user who shares no guild with the bot (for DMs).
    pub const CAROL: u64 = 1_300_000_000_000_000_004;
    pub const GENERAL: u64 = 1_400_000_000_000_000_001;
    pub const ANNOUNCEMENTS: u64 = 1_400_000_000_000_000_002;
    pub const ADMIN_ROLE: u64 = 1_500_000_000_000_000_001;
    pub const BOT_ROLE: u64 = 1_500_000_000_000_000_002;
}

// ------------------------------------------------------------------------------------------
// The world a test sets up
// ------------------------------------------------------------------------------------------

/// A Discord user.
#[derive(Clone, Debug)]
pub struct FakeUser {
    pub id: u64,
    pub username: String,
    pub global_name: Option<String>,
    pub bot: bool,
}

impl FakeUser {
    pub fn new(id: u64, username: &str) -> Self {
        Self { id, username: username.into(), global_name: None, bot: false }
    }
    pub fn bot(id: u64, username: &str) -> Self {
        Self { bot: true, ..Self::new(id, username) }
    }
    pub fn global_name(mut self, name: &str) -> Self {
        self.global_name = Some(name.into());
        self
    }
}

/// A guild role; `permissions` is the bit set Discord sends as a decimal string.
#[derive(Clone, Debug)]
pub struct FakeRole {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub position: u16,
    /// Set for the role Discord makes for a bot when it joins (`tags.bot_id`).
    pub bot_id: Option<u64>,
}

/// A guild text channel (type 0) with no permission overwrites.
#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub id: u64,
    pub name: String,
    pub position: u16,
}

/// A guild member.
#[derive(Clone, Debug)]
pub struct FakeMember {
    pub user: FakeUser,
    pub roles: Vec<u64>,
    pub nick: Option<String>,
}

/// A guild; its @everyone role has the guild's id, as on Discord.
#[derive(Clone, Debug)]
pub struct FakeGuild {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    pub roles: Vec<FakeRole>,
    pub channels: Vec<FakeChannel>,
    pub members: Vec<FakeMember>,
}

impl FakeGuild {
    /// A guild with only its @everyone role ([`perms::DEFAULT_EVERYONE`]).
    pub fn new(id: u64, name: &str, owner_id: u64) -> Self {
        let everyone =
            FakeRole { id, name: "@everyone".into(), permissions: perms::DEFAULT_EVERYONE, position: 0, bot_id: None };
        Self { id, name: name.into(), owner_id, roles: vec![everyone], channels: vec![], members: vec![] }
    }
    pub fn role(mut self, id: u64, name: &str, permissions: u64) -> Self {
        let position = self.roles.len() as u16;
        self.roles.push(FakeRole { id, name: name.into(), permissions, position, bot_id: None });
        self
    }
    /// The managed role Discord creates for a bot, tagged with the bot's user id.
    pub fn bot_role(mut self, id: u64, name: &str, permissions: u64, bot_id: u64) -> Self {
        let position = self.roles.len() as u16;
        self.roles.push(FakeRole { id, name: name.into(), permissions, position, bot_id: Some(bot_id) });
        self
    }
    pub fn text_channel(mut self, id: u64, name: &str) -> Self {
        let position = self.channels.len() as u16;
        self.channels.push(FakeChannel { id, name: name.into(), position });
        self
    }
    pub fn member(mut self, user: FakeUser, roles: &[u64]) -> Self {
        self.members.push(FakeMember { user, roles: roles.to_vec(), nick: None });
        self
    }
    fn find_member(&self, user_id: u64) -> Option<&FakeMember> {
        self.members.iter().find(|m| m.user.id == user_id)
    }
    /// Base permissions of a member: owner and ADMINISTRATOR get everything; otherwise the
    /// union of @everyone and the member's roles (channels have no overwrites here).
    pub fn permissions_of(&self, user_id: u64) -> u64 {
        if user_id == self.owner_id {
            return perms::ALL;
        }
        let member_roles = self.find_member(user_id).map(|m| m.roles.clone()).unwrap_or_default();
        let bits = self
            .roles
            .iter()
            .filter(|r| r.id == self.id || member_roles.contains(&r.id))
            .fold(0, |acc, r| acc | r.permissions);
        if bits & perms::ADMINISTRATOR != 0 {
            perms::ALL
        } else {
            bits
        }
    }
}

/// Everything the fake knows before any call: credentials, the bot, guilds and other users.
#[derive(Clone, Debug)]
pub struct World {
    /// The bot token without the `Bot ` prefix.
    pub token: String,
    pub application_id: u64,
    pub application_name: String,
    pub bot: FakeUser,
    pub guilds: Vec<FakeGuild>,
    /// Users outside every guild (e.g. for DMs).
    pub users: Vec<FakeUser>,
    /// Privileged intents switched on in the developer portal. IDENTIFY asking for others is
    /// closed with 4014; `GET /guilds/{id}/members` needs GUILD_MEMBERS here (403 otherwise).
    pub portal_intents: u64,
}

impl World {
    pub fn new(token: &str, application_id: u64, bot: FakeUser) -> Self {
        Self {
            token: token.into(),
            application_id,
            application_name: bot.username.clone(),
            bot,
            guilds: vec![],
            users: vec![],
            portal_intents: intents::GUILD_MEMBERS,
        }
    }
    pub fn guild(mut self, guild: FakeGuild) -> Self {
        self.guilds.push(guild);
        self
    }
    pub fn user(mut self, user: FakeUser) -> Self {
        self.users.push(user);
        self
    }

    /// One guild "Meridian HQ" owned by olga, with alice and bob, #general and #announcements,
    /// an Admin role, the bot's managed role; carol shares no guild with the bot.
    pub fn sample() -> Self {
        use sample::*;
        let bot = FakeUser::bot(BOT, "Meridian");
        let guild = FakeGuild::new(GUILD, "Meridian HQ", OWNER)
            .role(ADMIN_ROLE, "Admin", perms::ADMINISTRATOR)
            .bot_role(BOT_ROLE, "Meridian", perms::DEFAULT_EVERYONE | perms::MANAGE_MESSAGES, BOT)
            .text_channel(GENERAL, "general")
            .text_channel(ANNOUNCEMENTS, "announcements")
            .member(FakeUser::new(OWNER, "olga").global_name("Olga"), &[ADMIN_ROLE])
            .member(FakeUser::new(ALICE, "alice").global_name("Alice"), &[])
            .member(FakeUser::new(BOB, "bob"), &[])
            .member(bot.clone(), &[BOT_ROLE]);
        World::new(TOKEN, APP, bot).guild(guild).user(FakeUser::new(CAROL, "carol").global_name("Carol"))
    }

    /// The bot and a server with only its owner (an admin) and the bot in it, for a test to
    /// add its own channels and members to before [`World::with_server`].
    pub fn bare_server() -> (FakeUser, FakeGuild) {
        use sample::*;
        let bot = FakeUser::bot(BOT, "Meridian");
        let guild = FakeGuild::new(GUILD, "Meridian HQ", OWNER)
            .role(ADMIN_ROLE, "Admin", perms::ADMINISTRATOR)
            .bot_role(BOT_ROLE, "Meridian", perms::DEFAULT_EVERYONE, BOT)
            .member(FakeUser::new(OWNER, "olga"), &[ADMIN_ROLE])
            .member(bot.clone(), &[BOT_ROLE]);
        (bot, guild)
    }

    /// A world of `bot` and `guild`, with the sample token and application.
    pub fn with_server(bot: FakeUser, guild: FakeGuild) -> Self {
        World::new(sample::TOKEN, sample::APP, bot).guild(guild)
    }

    fn find_user(&self, id: u64) -> Option<FakeUser> {
        if id == self.bot.id {
            return Some(self.bot.clone());
        }
        self.guilds
            .iter()
            .flat_map(|g| g.members.iter().map(|m| &m.user))
            .chain(self.users.iter())
            .find(|u| u.id == id)
            .cloned()
    }
    fn find_guild(&self, id: u64) -> Option<&FakeGuild> {
        self.guilds.iter().find(|g| g.id == id)
    }
    fn guild_of_channel(&self, channel_id: u64) -> Option<&FakeGuild> {
        self.guilds.iter().find(|g| g.channels.iter().any(|c| c.id == channel_id))
    }
}

/// Timing knobs.
#[derive(Clone, Debug)]
pub struct FakeOptions {
    /// Sent in HELLO. Discord sends ~41 s; tests want short.
    pub heartbeat_interval: Duration,
    /// Discord's 3-second window: a later callback gets 404 "Unknown interaction" (10062), and
    /// [`FakeDiscord::send_interaction`] gives up after it.
    pub interaction_timeout: Duration,
    /// How long helpers wait for the bot to be connected before dispatching.
    pub wait_timeout: Duration,
    /// How long `nonce` + `enforce_nonce` deduplicates ("the past few minutes").
    pub nonce_window: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_millis(1_000),
            interaction_timeout: Duration::from_secs(3),
            wait_timeout: Duration::from_secs(10),
            nonce_window: Duration::from_secs(300),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Records a test asserts on
// ------------------------------------------------------------------------------------------

/// A request body as the fake understood it.
#[derive(Clone, Debug, Default)]
pub enum RestBody {
    #[default]
    Empty,
    Json(Value),
    Multipart(MultipartBody),
    /// Not JSON and not multipart (kept for inspection).
    Raw(Vec<u8>),
}

/// A parsed `multipart/form-data` body: Discord's `payload_json` plus `files[n]` parts.
#[derive(Clone, Debug, Default)]
pub struct MultipartBody {
    pub payload_json: Option<Value>,
    /// Other text fields, in order.
    pub fields: Vec<(String, String)>,
    pub files: Vec<FilePart>,
}

/// One uploaded file.
#[derive(Clone, Debug)]
pub struct FilePart {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl FilePart {
    pub fn size(&self) -> usize {
        self.data.len()
    }
}

impl RestBody {
    /// The JSON payload: the JSON body, or `payload_json` of a multipart body.
    pub fn json(&self) -> Option<&Value> {
        match self {
            RestBody::Json(v) => Some(v),
            RestBody::Multipart(m) => m.payload_json.as_ref(),
            _ => None,
        }
    }
    pub fn files(&self) -> &[FilePart] {
        match self {
            RestBody::Multipart(m) => &m.files,
            _ => &[],
        }
    }
}

/// One REST request the fake answered.
#[derive(Clone, Debug)]
pub struct RestCall {
    pub method: String,
    /// Path without the `/api/v10` prefix and the query, percent-decoded (emoji in reaction
    /// routes read as emoji), e.g. `/channels/1/messages`.
    pub path: String,
    /// The raw query string (serenity writes `?&limit=..`), empty if none.
    pub query: String,
    pub body: RestBody,
    /// The `Authorization` header as sent.
    pub authorization: Option<String>,
    /// When the request arrived, since the fake started.
    pub at: Duration,
    /// The status the fake answered.
    pub status: u16,
}

impl RestCall {
    pub fn json(&self) -> Option<&Value> {
        self.body.json()
    }
    pub fn files(&self) -> &[FilePart] {
        self.body.files()
    }
    /// Whether this call matches a route pattern (see [`FakeDiscord::calls`]).
    pub fn matches(&self, pattern: &str) -> bool {
        route_matches(pattern, &self.method, &self.path)
    }
}

/// An interaction callback (`POST /interactions/{id}/{token}/callback`).
#[derive(Clone, Debug)]
pub struct Callback {
    pub interaction_id: u64,
    pub token: String,
    /// The callback type: 1 PONG, 4 CHANNEL_MESSAGE_WITH_SOURCE, 5 DEFERRED_CHANNEL_MESSAGE,
    /// 6 DEFERRED_UPDATE_MESSAGE, 7 UPDATE_MESSAGE, 8 AUTOCOMPLETE_RESULT, 9 MODAL.
    pub kind: u64,
    /// The callback's `data` (Null if none).
    pub data: Value,
    pub files: Vec<FilePart>,
    /// From when the fake sent the interaction to when the callback arrived.
    pub elapsed: Duration,
    /// 204 if accepted; 400 (already acknowledged) or 404 (too late / unknown) otherwise.
    pub status: u16,
}

impl Callback {
    pub fn accepted(&self) -> bool {
        self.status == 204
    }
    pub fn ephemeral(&self) -> bool {
        self.data["flags"].as_u64().unwrap_or(0) & EPHEMERAL != 0
    }
}

/// The id and token of an interaction the fake sent.
#[derive(Clone, Debug)]
pub struct SentInteraction {
    pub id: u64,
    pub token: String,
    /// The interaction JSON as sent (the `d` of INTERACTION_CREATE).
    pub payload: Value,
}

/// An HTTP interaction ready to POST to the bot's Interactions Endpoint URL.
#[derive(Clone, Debug)]
pub struct SignedInteraction {
    pub id: u64,
    pub token: String,
    pub body: String,
    /// `X-Signature-Timestamp`.
    pub timestamp: String,
    /// `X-Signature-Ed25519`.
    pub signature: String,
}

/// What went wrong in a helper (a timeout, no connected bot, an unknown id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeError(pub String);

impl std::fmt::Display for FakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fake discord: {}", self.0)
    }
}

impl std::error::Error for FakeError {}

// ------------------------------------------------------------------------------------------
// What the test sends over the gateway
// ------------------------------------------------------------------------------------------

/// A slash-command option (`type` per Discord's "Application Command Option Type").
#[derive(Clone, Debug)]
pub struct Opt {
    name: String,
    kind: u8,
    value: Value,
}

impl Opt {
    pub fn string(name: &str, v: &str) -> Self {
        Self { name: name.into(), kind: 3, value: json!(v) }
    }
    pub fn integer(name: &str, v: i64) -> Self {
        Self { name: name.into(), kind: 4, value: json!(v) }
    }
    pub fn boolean(name: &str, v: bool) -> Self {
        Self { name: name.into(), kind: 5, value: json!(v) }
    }
    /// The value is the user id as a string; the user lands in `data.resolved`.
    pub fn user(name: &str, id: u64) -> Self {
        Self { name: name.into(), kind: 6, value: json!(id.to_string()) }
    }
    pub fn channel(name: &str, id: u64) -> Self {
        Self { name: name.into(), kind: 7, value: json!(id.to_string()) }
    }
    pub fn role(name: &str, id: u64) -> Self {
        Self { name: name.into(), kind: 8, value: json!(id.to_string()) }
    }
    pub fn number(name: &str, v: f64) -> Self {
        Self { name: name.into(), kind: 10, value: json!(v) }
    }
    fn to_json(&self) -> Value {
        json!({"name": self.name, "type": self.kind, "value": self.value})
    }
}

/// Where an interaction happens and who triggers it; unset parts default to the first guild,
/// its first text channel and its first member that is neither the owner nor a bot.
#[derive(Clone, Debug, Default)]
struct Origin {
    user: Option<u64>,
    channel: Option<u64>,
    guild: Option<u64>,
    dm: bool,
    locale: Option<String>,
}

/// A CHAT_INPUT application command (interaction type 2).
#[derive(Clone, Debug)]
pub struct SlashCommand {
    name: String,
    options: Vec<Value>,
    origin: Origin,
}

impl SlashCommand {
    pub fn new(name: &str) -> Self {
        Self { name: name.into(), options: vec![], origin: Origin::default() }
    }
    pub fn option(mut self, opt: Opt) -> Self {
        self.options.push(opt.to_json());
        self
    }
    /// `/name sub ...`: a SUB_COMMAND option (type 1) holding the leaf options.
    pub fn subcommand(mut self, sub: &str, opts: Vec<Opt>) -> Self {
        let leaves: Vec<Value> = opts.iter().map(Opt::to_json).collect();
        self.options.push(json!({"name": sub, "type": 1, "options": leaves}));
        self
    }
    /// `/name group sub ...`: SUB_COMMAND_GROUP (type 2) > SUB_COMMAND (type 1) > leaves.
    pub fn subcommand_in_group(mut self, group: &str, sub: &str, opts: Vec<Opt>) -> Self {
        let leaves: Vec<Value> = opts.iter().map(Opt::to_json).collect();
        let sub = json!({"name": sub, "type": 1, "options": leaves});
        self.options.push(json!({"name": group, "type": 2, "options": [sub]}));
        self
    }
    pub fn user(mut self, id: u64) -> Self {
        self.origin.user = Some(id);
        self
    }
    pub fn channel(mut self, id: u64) -> Self {
        self.origin.channel = Some(id);
        self
    }
    pub fn guild(mut self, id: u64) -> Self {
        self.origin.guild = Some(id);
        self
    }
    /// In the user's DM with the bot (context 1, `user` instead of `member`).
    pub fn dm(mut self) -> Self {
        self.origin.dm = true;
        self
    }
    pub fn locale(mut self, locale: &str) -> Self {
        self.origin.locale = Some(locale.into());
        self
    }
}

/// A MESSAGE_COMPONENT interaction (type 3): a button click or a string select.
#[derive(Clone, Debug)]
pub struct Component {
    custom_id: String,
    component_type: u8,
    values: Vec<String>,
    message_id: Option<u64>,
    origin: Origin,
}

impl Component {
    pub fn button(custom_id: &str) -> Self {
        Self {
            custom_id: custom_id.into(),
            component_type: 2,
            values: vec![],
            message_id: None,
            origin: Origin::default(),
        }
    }
    /// A string select (component type 3) with the chosen values.
    pub fn select(custom_id: &str, values: &[&str]) -> Self {
        Self { component_type: 3, values: values.iter().map(|v| v.to_string()).collect(), ..Self::button(custom_id) }
    }
    /// The message carrying the component: a message the bot posted through the fake. Without
    /// it, the fake invents a bot message with that button in the channel.
    pub fn message(mut self, id: u64) -> Self {
        self.message_id = Some(id);
        self
    }
    pub fn user(mut self, id: u64) -> Self {
        self.origin.user = Some(id);
        self
    }
    pub fn channel(mut self, id: u64) -> Self {
        self.origin.channel = Some(id);
        self
    }
    pub fn guild(mut self, id: u64) -> Self {
        self.origin.guild = Some(id);
        self
    }
    pub fn dm(mut self) -> Self {
        self.origin.dm = true;
        self
    }
}

/// Either kind of interaction, so helpers take `impl Into<FakeInteraction>`.
#[derive(Clone, Debug)]
pub enum FakeInteraction {
    Command(SlashCommand),
    Component(Component),
}

impl From<SlashCommand> for FakeInteraction {
    fn from(c: SlashCommand) -> Self {
        FakeInteraction::Command(c)
    }
}

impl From<Component> for FakeInteraction {
    fn from(c: Component) -> Self {
        FakeInteraction::Component(c)
    }
}

/// A reaction by a user on a message (for MESSAGE_REACTION_ADD / _REMOVE).
#[derive(Clone, Debug)]
pub struct FakeReaction {
    pub user_id: u64,
    pub channel_id: u64,
    pub message_id: u64,
    /// A unicode emoji, or the name of a custom emoji.
    pub emoji: String,
    pub emoji_id: Option<u64>,
}

impl FakeReaction {
    pub fn new(user_id: u64, channel_id: u64, message_id: u64, emoji: &str) -> Self {
        Self { user_id, channel_id, message_id, emoji: emoji.into(), emoji_id: None }
    }
    pub fn custom(mut self, emoji_id: u64) -> Self {
        self.emoji_id = Some(emoji_id);
        self
    }
    fn emoji_json(&self) -> Value {
        match self.emoji_id {
            Some(id) => json!({"id": id.to_string(), "name": self.emoji, "animated": false}),
            None => json!({"id": null, "name": self.emoji}),
        }
    }
    /// The key the REST routes use: `name:id` for custom emoji, the emoji itself otherwise.
    fn key(&self) -> String {
        match self.emoji_id {
            Some(id) => format!("{}:{id}", self.emoji),
            None => self.emoji.clone(),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Shared state
// ------------------------------------------------------------------------------------------

/// A one-shot answer replacing the next matching REST call.
#[derive(Clone, Debug)]
enum Injected {
    RateLimit { secs: f64, global: bool },
    Fail { status: u16, code: u64, message: String },
}

#[derive(Default)]
struct Knobs {
    once: Vec<(String, Injected)>,
    delays: Vec<(String, Duration)>,
}

#[derive(Default)]
struct Records {
    calls: Vec<RestCall>,
    callbacks: Vec<Callback>,
    /// Gateway payloads the bot sent (IDENTIFY, RESUME, heartbeats...).
    gateway_in: Vec<Value>,
    /// Gateway payloads the fake sent, as text.
    gateway_out: Vec<String>,
}

struct StoredMessage {
    channel_id: u64,
    id: u64,
    value: Value,
    deleted: bool,
}

struct InteractionRec {
    id: u64,
    token: String,
    channel_id: u64,
    guild_id: Option<u64>,
    user_id: u64,
    /// 2 application command, 3 component.
    kind: u64,
    sent_at: Instant,
    acked: bool,
    original: Option<u64>,
    /// The message carrying the clicked component.
    source_message: Option<u64>,
    followups: Vec<u64>,
}

#[derive(Default)]
struct Store {
    /// The bot's user id, for `me` in reaction summaries.
    bot_id: u64,
    messages: Vec<StoredMessage>,
    /// (channel, nonce) -> (message id, when).
    nonces: HashMap<(u64, String), (u64, Instant)>,
    global_commands: Vec<Value>,
    guild_commands: HashMap<u64, Vec<Value>>,
    /// Ids for commands the test invokes without having registered them.
    adhoc_command_ids: HashMap<String, u64>,
    /// user id -> DM channel id.
    dm_channels: HashMap<u64, u64>,
    interactions: HashMap<u64, InteractionRec>,
    /// (message id, emoji key) -> users, in order.
    reactions: HashMap<(u64, String), Vec<u64>>,
}

/// A live gateway connection: the socket task reads commands from this channel.
struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<ConnCmd>,
}

enum ConnCmd {
    Send(String),
    Close(u16, String),
    /// Drop the TCP connection without a close frame.
    Drop,
}

struct Session {
    id: String,
    seq: u64,
    intents: u64,
    /// (seq, frame) of every dispatch in this session, for replay on RESUME.
    history: Vec<(u64, String)>,
}

#[derive(Default)]
struct GatewayState {
    session: Option<Session>,
    /// The connection that identified or resumed last; None while the bot is away.
    conn: Option<Conn>,
    next_conn_id: u64,
    /// Off to simulate a zombie connection (heartbeats go unanswered).
    no_heartbeat_acks: bool,
    identifies: usize,
    resumes: usize,
    heartbeats: usize,
}

struct Shared {
    started: Instant,
    addr: SocketAddr,
    options: FakeOptions,
    world: Mutex<World>,
    store: Mutex<Store>,
    knobs: Mutex<Knobs>,
    records: Mutex<Records>,
    gateway: Mutex<GatewayState>,
    /// Woken on every new record, callback or gateway state change.
    changed: Notify,
    last_id: AtomicU64,
    signing_key: SigningKey,
    shutdown: watch::Sender<bool>,
}

/// Locks a mutex even if a panicking test thread poisoned it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// A fresh snowflake: milliseconds since the Discord epoch << 22, strictly increasing.
    fn snowflake(&self) -> u64 {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
        let candidate = ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        let mut last = self.last_id.load(Ordering::Relaxed);
        loop {
            let next = candidate.max(last + 1);
            match self.last_id.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }

    fn world(&self) -> World {
        lock(&self.world).clone()
    }

    fn gateway_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    /// Waits until `check` yields a value or the deadline passes.
    async fn wait_until<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut check: impl FnMut(&Shared) -> Option<T>,
    ) -> Result<T, FakeError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(v) = check(self) {
                return Ok(v);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return check(self).ok_or_else(|| FakeError(format!("timed out after {timeout:?} waiting for {what}")));
            }
        }
    }
}

// ------------------------------------------------------------------------------------------
// The fake
// ------------------------------------------------------------------------------------------

/// A running fake Discord. Dropping it stops the server and closes gateway sockets.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        let _ = self.shared.shutdown.send(true);
        self.server.abort();
    }
}

impl FakeDiscord {
    /// [`World::sample`] with default [`FakeOptions`].
    pub async fn start() -> Self {
        Self::start_with(World::sample(), FakeOptions::default()).await
    }

    /// Binds 127.0.0.1:0 and serves REST and the gateway.
    ///
    /// Panics only if the loopback port cannot be bound: nothing could be tested then.
    pub async fn start_with(world: World, options: FakeOptions) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (shutdown, _) = watch::channel(false);
        let bot_id = world.bot.id;
        let shared = Arc::new(Shared {
            started: Instant::now(),
            addr,
            options,
            world: Mutex::new(world),
            store: Mutex::new(Store { bot_id, ..Store::default() }),
            knobs: Mutex::default(),
            records: Mutex::default(),
            gateway: Mutex::default(),
            changed: Notify::new(),
            last_id: AtomicU64::new(0),
            signing_key: SigningKey::generate(&mut rand::rngs::OsRng),
            shutdown,
        });
        let app = Router::new()
            .route("/gateway", any(gateway_entry))
            .route("/", any(gateway_entry))
            .fallback(rest_entry)
            // Discord takes uploads up to 25 MiB; axum's default limit is 2 MB.
            .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { shared, server }
    }

    // ---- addresses and world ----

    /// What to give `serenity::http::HttpBuilder::proxy`: `http://127.0.0.1:PORT` (scheme and
    /// host only; serenity replaces `https://discord.com` in each URL with it).
    pub fn proxy_base(&self) -> String {
        format!("http://{}", self.shared.addr)
    }
    /// `http://127.0.0.1:PORT/api/v10`, for clients that take an API base.
    pub fn api_base(&self) -> String {
        format!("http://{}/api/v10", self.shared.addr)
    }
    /// What `GET /gateway` returns: `ws://127.0.0.1:PORT/gateway`.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url()
    }
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }
    /// The bot token (without `Bot `).
    pub fn token(&self) -> String {
        lock(&self.shared.world).token.clone()
    }
    pub fn application_id(&self) -> u64 {
        lock(&self.shared.world).application_id
    }
    pub fn world(&self) -> World {
        self.shared.world()
    }
    /// Changes the world (e.g. adds a member); later responses and events see the change.
    pub fn update_world(&self, f: impl FnOnce(&mut World)) {
        f(&mut lock(&self.shared.world));
    }

    // ---- knobs ----

    /// The next call matching `route` gets 429 with Discord's body and headers
    /// (`Retry-After` rounded up to whole seconds, as Discord sends it; `X-RateLimit-Scope: user`).
    pub fn rate_limit_next(&self, route: &str, retry_after_secs: f64) {
        let injected = Injected::RateLimit { secs: retry_after_secs.max(0.0), global: false };
        lock(&self.shared.knobs).once.push((route.into(), injected));
    }
    /// Like [`Self::rate_limit_next`] but the global limit (`X-RateLimit-Global: true`).
    pub fn rate_limit_global_next(&self, route: &str, retry_after_secs: f64) {
        let injected = Injected::RateLimit { secs: retry_after_secs.max(0.0), global: true };
        lock(&self.shared.knobs).once.push((route.into(), injected));
    }
    /// The next call matching `route` gets `status` with `{"message": message, "code": code}`.
    pub fn fail_next(&self, route: &str, status: u16, code: u64, message: &str) {
        let injected = Injected::Fail { status, code, message: message.into() };
        lock(&self.shared.knobs).once.push((route.into(), injected));
    }
    /// Every call matching `route` is handled `by` later, as if it took that long to arrive
    /// (times in records and the 3-second interaction window count from then);
    /// `Duration::ZERO` removes the delay.
    pub fn delay(&self, route: &str, by: Duration) {
        let mut knobs = lock(&self.shared.knobs);
        knobs.delays.retain(|(r, _)| r != route);
        if !by.is_zero() {
            knobs.delays.push((route.into(), by));
        }
    }

    // ---- REST records ----

    /// Calls matching a route pattern, oldest first. A pattern is `"[METHOD ]path"`: with a `*`
    /// in the path, segments must match one by one (`*` = any one segment), e.g.
    /// `"POST /channels/*/messages"`; without, the path must contain it, e.g. `"/reactions/"`.
    /// The `/api/v10` prefix is optional. `""` matches everything.
    pub fn calls(&self, pattern: &str) -> Vec<RestCall> {
        lock(&self.shared.records).calls.iter().filter(|c| c.matches(pattern)).cloned().collect()
    }
    /// Waits for a call matching `pattern` for which `predicate` holds (earlier calls count too).
    pub async fn wait_for(
        &self,
        pattern: &str,
        predicate: impl Fn(&RestCall) -> bool,
        timeout: Duration,
    ) -> Result<RestCall, FakeError> {
        self.shared
            .wait_until(timeout, &format!("a call matching {pattern:?}"), |sh| {
                lock(&sh.records).calls.iter().find(|c| c.matches(pattern) && predicate(c)).cloned()
            })
            .await
    }
    /// Every interaction callback, in arrival order (rejected ones too).
    pub fn callbacks(&self) -> Vec<Callback> {
        lock(&self.shared.records).callbacks.clone()
    }
    /// Waits for the first callback to an interaction.
    pub async fn wait_callback(&self, interaction_id: u64, timeout: Duration) -> Result<Callback, FakeError> {
        self.shared
            .wait_until(timeout, &format!("the callback of interaction {interaction_id}"), |sh| {
                lock(&sh.records).callbacks.iter().find(|c| c.interaction_id == interaction_id).cloned()
            })
            .await
    }
    /// Messages in a channel (current state, after edits; deleted ones left out), oldest first.
    /// Includes interaction responses and follow-ups (ephemeral ones carry flag 64).
    pub fn messages(&self, channel_id: u64) -> Vec<Value> {
        let store = lock(&self.shared.store);
        store
            .messages
            .iter()
            .filter(|m| m.channel_id == channel_id && !m.deleted)
            .map(|m| message_view(&store, m))
            .collect()
    }
    /// A message by id, if it exists and was not deleted.
    pub fn message(&self, message_id: u64) -> Option<Value> {
        let store = lock(&self.shared.store);
        store.messages.iter().find(|m| m.id == message_id && !m.deleted).map(|m| message_view(&store, m))
    }
    /// The original response of an interaction (after edits), once there is one.
    pub fn original_response(&self, interaction_id: u64) -> Option<Value> {
        let original = lock(&self.shared.store).interactions.get(&interaction_id)?.original?;
        self.message(original)
    }
    /// Follow-up messages of an interaction, oldest first.
    pub fn followups(&self, interaction_id: u64) -> Vec<Value> {
        let ids =
            lock(&self.shared.store).interactions.get(&interaction_id).map(|r| r.followups.clone()).unwrap_or_default();
        ids.into_iter().filter_map(|id| self.message(id)).collect()
    }
    /// Registered commands: `None` for global ones, `Some(guild)` for a guild's.
    pub fn commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        let store = lock(&self.shared.store);
        match guild_id {
            None => store.global_commands.clone(),
            Some(g) => store.guild_commands.get(&g).cloned().unwrap_or_default(),
        }
    }
    /// The DM channel the bot has with a user, if one was opened.
    pub fn dm_channel(&self, user_id: u64) -> Option<u64> {
        lock(&self.shared.store).dm_channels.get(&user_id).copied()
    }

    // ---- gateway records and control ----

    /// Successful IDENTIFYs so far.
    pub fn identify_count(&self) -> usize {
        lock(&self.shared.gateway).identifies
    }
    /// Successful RESUMEs so far.
    pub fn resume_count(&self) -> usize {
        lock(&self.shared.gateway).resumes
    }
    pub fn heartbeat_count(&self) -> usize {
        lock(&self.shared.gateway).heartbeats
    }
    /// The `d` of every op 2 IDENTIFY received (token, intents, shard, properties...).
    pub fn identifies(&self) -> Vec<Value> {
        self.gateway_received().into_iter().filter(|v| v["op"] == 2).map(|v| v["d"].clone()).collect()
    }
    /// Every payload the bot sent over the gateway.
    pub fn gateway_received(&self) -> Vec<Value> {
        lock(&self.shared.records).gateway_in.clone()
    }
    /// Every payload the fake sent over the gateway, as text.
    pub fn gateway_sent(&self) -> Vec<String> {
        lock(&self.shared.records).gateway_out.clone()
    }
    /// Whether a bot is connected with a live session.
    pub fn connected(&self) -> bool {
        let gw = lock(&self.shared.gateway);
        gw.conn.is_some() && gw.session.is_some()
    }
    /// Waits until a bot has identified (or resumed) and is connected.
    pub async fn wait_ready(&self, timeout: Duration) -> Result<(), FakeError> {
        self.shared
            .wait_until(timeout, "the bot to connect to the gateway", |sh| {
                let gw = lock(&sh.gateway);
                (gw.conn.is_some() && gw.session.is_some()).then_some(())
            })
            .await
    }
    /// Waits until the resume count reaches `n`.
    pub async fn wait_resumes(&self, n: usize, timeout: Duration) -> Result<(), FakeError> {
        self.shared
            .wait_until(timeout, &format!("{n} resumes"), |sh| (lock(&sh.gateway).resumes >= n).then_some(()))
            .await
    }
    /// Waits until the identify count reaches `n`.
    pub async fn wait_identifies(&self, n: usize, timeout: Duration) -> Result<(), FakeError> {
        self.shared
            .wait_until(timeout, &format!("{n} identifies"), |sh| (lock(&sh.gateway).identifies >= n).then_some(()))
            .await
    }
    /// Closes the bot's socket abruptly (no close frame), like a network drop. Events
    /// dispatched until the bot resumes are buffered and replayed on RESUME.
    pub fn drop_socket(&self) -> bool {
        let conn = lock(&self.shared.gateway).conn.take();
        self.shared.changed.notify_waiters();
        conn.map(|c| c.tx.send(ConnCmd::Drop).is_ok()).unwrap_or(false)
    }
    /// Closes the bot's socket with a close frame (e.g. 4000 resumable, 4004 auth failed).
    pub fn close_socket(&self, code: u16, reason: &str) -> bool {
        let conn = lock(&self.shared.gateway).conn.take();
        self.shared.changed.notify_waiters();
        conn.map(|c| c.tx.send(ConnCmd::Close(code, reason.into())).is_ok()).unwrap_or(false)
    }
    /// Sends op 7 RECONNECT; the bot should reconnect and resume.
    pub fn send_reconnect(&self) -> bool {
        self.send_op(json!({"op": 7, "d": null, "s": null, "t": null}))
    }
    /// Sends op 9 INVALID_SESSION. When not resumable the session is forgotten, so the bot
    /// must IDENTIFY again (a RESUME gets another op 9).
    pub fn invalidate_session(&self, resumable: bool) -> bool {
        let sent = self.send_op(json!({"op": 9, "d": resumable, "s": null, "t": null}));
        if !resumable {
            lock(&self.shared.gateway).session = None;
        }
        sent
    }
    /// Sends op 1: Discord asking for an immediate heartbeat.
    pub fn request_heartbeat(&self) -> bool {
        self.send_op(json!({"op": 1, "d": null, "s": null, "t": null}))
    }
    /// Stops (false) or resumes (true) answering heartbeats with op 11, to test how the bot
    /// handles a zombie connection.
    pub fn set_heartbeat_acks(&self, on: bool) {
        lock(&self.shared.gateway).no_heartbeat_acks = !on;
    }
    fn send_op(&self, payload: Value) -> bool {
        let gw = lock(&self.shared.gateway);
        let text = payload.to_string();
        let sent = gw.conn.as_ref().map(|c| c.tx.send(ConnCmd::Send(text.clone())).is_ok()).unwrap_or(false);
        if sent {
            lock(&self.shared.records).gateway_out.push(text);
        }
        sent
    }

    /// Dispatches any event (op 0). Waits (bounded) for a session; buffered while the bot is away.
    pub async fn dispatch(&self, event: &str, data: Value) -> Result<u64, FakeError> {
        self.wait_session().await?;
        dispatch(&self.shared, event, data, None)
    }

    async fn wait_session(&self) -> Result<(), FakeError> {
        self.shared
            .wait_until(self.shared.options.wait_timeout, "a gateway session (did the bot IDENTIFY?)", |sh| {
                lock(&sh.gateway).session.is_some().then_some(())
            })
            .await
    }

    // ---- interactions ----

    /// Sends INTERACTION_CREATE and returns the first callback, or an error after
    /// [`FakeOptions::interaction_timeout`] (3 s by default).
    pub async fn send_interaction(&self, interaction: impl Into<FakeInteraction>) -> Result<Callback, FakeError> {
        let timeout = self.shared.options.interaction_timeout;
        self.send_interaction_timeout(interaction, timeout).await
    }

    /// [`Self::send_interaction`] with an explicit timeout.
    pub async fn send_interaction_timeout(
        &self,
        interaction: impl Into<FakeInteraction>,
        timeout: Duration,
    ) -> Result<Callback, FakeError> {
        let sent = self.post_interaction(interaction).await?;
        self.wait_callback(sent.id, timeout).await
    }

    /// Sends INTERACTION_CREATE without waiting for the callback.
    pub async fn post_interaction(
        &self,
        interaction: impl Into<FakeInteraction>,
    ) -> Result<SentInteraction, FakeError> {
        self.wait_session().await?;
        let sent = build_interaction(&self.shared, &interaction.into())?;
        dispatch(&self.shared, "INTERACTION_CREATE", sent.payload.clone(), None)?;
        Ok(sent)
    }

    /// MESSAGE_REACTION_ADD by a user (needs GUILD_MESSAGE_REACTIONS, or
    /// DIRECT_MESSAGE_REACTIONS in a DM, in the bot's intents: an error says when it was not
    /// delivered). Also recorded, so `GET .../reactions/{emoji}` lists the user.
    pub async fn send_reaction_add(&self, reaction: FakeReaction) -> Result<u64, FakeError> {
        self.wait_session().await?;
        reaction_event(&self.shared, &reaction, true)
    }

    /// MESSAGE_REACTION_REMOVE by a user.
    pub async fn send_reaction_remove(&self, reaction: FakeReaction) -> Result<u64, FakeError> {
        self.wait_session().await?;
        reaction_event(&self.shared, &reaction, false)
    }

    /// A user DMs the bot: stores the message and dispatches MESSAGE_CREATE (DIRECT_MESSAGES
    /// intent). Returns the message id.
    pub async fn send_dm(&self, user_id: u64, content: &str) -> Result<u64, FakeError> {
        self.wait_session().await?;
        let world = self.shared.world();
        let user = world.find_user(user_id).ok_or_else(|| FakeError(format!("unknown user {user_id}")))?;
        let channel_id = dm_channel_for(&self.shared, user_id);
        let body = json!({"content": content});
        let msg = build_message(&self.shared, MessageSpec::plain(channel_id, user_json(&user), 0), &body, &[]);
        let id = store_message(&self.shared, channel_id, msg.clone());
        let mut event = msg;
        event["mentions"] = json!([]);
        dispatch(&self.shared, "MESSAGE_CREATE", event, Some(intents::DIRECT_MESSAGES))?;
        Ok(id)
    }

    // ---- HTTP interactions (Interactions Endpoint URL) ----

    /// The application's Ed25519 public key, hex (also `verify_key` of the application).
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.shared.signing_key.verifying_key().to_bytes())
    }
    /// `(X-Signature-Timestamp, X-Signature-Ed25519)` for a body: the signature covers the
    /// timestamp followed by the body, as Discord documents.
    pub fn signed_request(&self, body: &str) -> (String, String) {
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0).to_string();
        let signature = self.sign(&timestamp, body);
        (timestamp, signature)
    }
    /// Signs with an explicit timestamp (for replay / stale-timestamp tests).
    pub fn sign(&self, timestamp: &str, body: &str) -> String {
        let message = [timestamp.as_bytes(), body.as_bytes()].concat();
        hex::encode(self.shared.signing_key.sign(&message).to_bytes())
    }
    /// A PING (type 1) body as Discord posts it to verify the endpoint; answer `{"type": 1}`.
    pub fn ping_body(&self) -> String {
        let app = self.application_id();
        json!({
            "id": self.shared.snowflake().to_string(),
            "application_id": app.to_string(),
            "type": 1,
            "token": random_token(),
            "version": 1,
            "entitlements": [],
            "authorizing_integration_owners": {},
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        })
        .to_string()
    }
    /// An interaction as Discord would POST it to the bot's endpoint, signed. The fake knows
    /// it, so follow-ups and `@original` edits work once [`Self::ack_http_interaction`] is told
    /// the bot's HTTP response.
    pub fn http_interaction(&self, interaction: impl Into<FakeInteraction>) -> Result<SignedInteraction, FakeError> {
        let sent = build_interaction(&self.shared, &interaction.into())?;
        let body = sent.payload.to_string();
        let (timestamp, signature) = self.signed_request(&body);
        Ok(SignedInteraction { id: sent.id, token: sent.token, body, timestamp, signature })
    }
    /// Records the bot's HTTP response to an HTTP interaction as its callback.
    pub fn ack_http_interaction(&self, interaction_id: u64, response: &Value) -> Callback {
        let token =
            lock(&self.shared.store).interactions.get(&interaction_id).map(|r| r.token.clone()).unwrap_or_default();
        let body = RestBody::Json(response.clone());
        let (callback, _) =
            interaction_callback(&self.shared, &interaction_id.to_string(), &token, &body, Instant::now());
        callback.unwrap_or(Callback {
            interaction_id,
            token,
            kind: 0,
            data: Value::Null,
            files: vec![],
            elapsed: Duration::ZERO,
            status: 404,
        })
    }
}

// ------------------------------------------------------------------------------------------
// Small helpers
// ------------------------------------------------------------------------------------------

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn now_iso() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse::<u64>().ok().filter(|id| *id > 0)
}

/// Parses a snowflake in JSON (Discord sends strings; accept numbers too).
fn json_id(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => parse_id(s),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// See [`FakeDiscord::calls`] for the pattern syntax.
fn route_matches(pattern: &str, method: &str, path: &str) -> bool {
    let pattern = pattern.trim();
    let (want_method, path_pattern) = match pattern.split_once(' ') {
        Some((m, p)) if !m.is_empty() && m.chars().all(|c| c.is_ascii_uppercase()) => (Some(m), p.trim()),
        _ if !pattern.is_empty() && pattern.chars().all(|c| c.is_ascii_uppercase()) => (Some(pattern), ""),
        _ => (None, pattern),
    };
    if want_method.is_some_and(|m| m != method) {
        return false;
    }
    let path_pattern = strip_api_prefix(path_pattern);
    if path_pattern.contains('*') {
        let want: Vec<&str> = path_pattern.trim_matches('/').split('/').collect();
        let have: Vec<&str> = path.trim_matches('/').split('/').collect();
        want.len() == have.len() && want.iter().zip(&have).all(|(w, h)| *w == "*" || w == h)
    } else {
        path.contains(path_pattern)
    }
}

/// `/api/v10/users/@me` -> `/users/@me` (also `/api/v9`, `/api`).
fn strip_api_prefix(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/api") else { return path };
    if let Some(after_v) = rest.strip_prefix("/v") {
        let digits = after_v.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 {
            return &after_v[digits..];
        }
    }
    rest
}

/// Decodes `%XX` escapes (emoji in reaction routes).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=2` (serenity writes `?&limit=..`) -> pairs; empty pieces are skipped.
fn query_pairs(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parses `multipart/form-data` from the boundary in the content type. Returns None if the
/// body is not well-formed; parts without a name are skipped.
fn parse_multipart(content_type: &str, body: &[u8]) -> Option<MultipartBody> {
    let boundary = content_type.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?.trim_matches('"');
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = MultipartBody::default();
    let start = find(body, &delimiter)?;
    let mut rest = &body[start + delimiter.len()..];
    // After each delimiter: "--" ends the body, otherwise CRLF, headers, CRLF CRLF, data.
    while !rest.starts_with(b"--") {
        let after_crlf = rest.strip_prefix(b"\r\n").unwrap_or(rest);
        let end = find(after_crlf, &delimiter)?;
        let part = &after_crlf[..end];
        parse_part(part.strip_suffix(b"\r\n").unwrap_or(part), &mut out);
        rest = &after_crlf[end + delimiter.len()..];
    }
    Some(out)
}

fn parse_part(part: &[u8], out: &mut MultipartBody) {
    let Some(split) = find(part, b"\r\n\r\n") else { return };
    let head = String::from_utf8_lossy(&part[..split]);
    let data = &part[split + 4..];
    let (mut name, mut filename, mut content_type) = (None, None, None);
    for line in head.split("\r\n") {
        let Some((key, value)) = line.split_once(':') else { continue };
        match key.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => {
                name = disposition_param(value, "name");
                filename = disposition_param(value, "filename");
            }
            "content-type" => content_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let Some(name) = name else { return };
    match filename {
        Some(filename) => out.files.push(FilePart { field: name, filename, content_type, data: data.to_vec() }),
        None if name == "payload_json" => out.payload_json = serde_json::from_slice(data).ok(),
        None => out.fields.push((name, String::from_utf8_lossy(data).into_owned())),
    }
}

fn disposition_param(value: &str, key: &str) -> Option<String> {
    value.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(data: &[u8]) -> Option<(u32, u32)> {
    if data.len() < 24 || !data.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    let w = u32::from_be_bytes(data[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(data[20..24].try_into().ok()?);
    Some((w, h))
}

// ------------------------------------------------------------------------------------------
// JSON shapes (Discord's object structures)
// ------------------------------------------------------------------------------------------

fn user_json(u: &FakeUser) -> Value {
    let mut v = json!({
        "id": u.id.to_string(),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
        "collectibles": null,
    });
    if u.bot {
        v["bot"] = json!(true);
    }
    v
}

fn role_json(r: &FakeRole) -> Value {
    let mut v = json!({
        "id": r.id.to_string(),
        "name": r.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": r.position,
        "permissions": r.permissions.to_string(),
        "managed": r.bot_id.is_some(),
        "mentionable": false,
        "flags": 0,
    });
    if let Some(bot_id) = r.bot_id {
        v["tags"] = json!({"bot_id": bot_id.to_string()});
    }
    v
}

/// A guild text channel; GUILD_CREATE leaves `guild_id` out, REST puts it in.
fn channel_json(guild_id: u64, c: &FakeChannel, with_guild_id: bool) -> Value {
    let mut v = json!({
        "id": c.id.to_string(),
        "type": 0,
        "name": c.name,
        "position": c.position,
        "permission_overwrites": [],
        "topic": null,
        "nsfw": false,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "parent_id": null,
        "last_pin_timestamp": null,
        "flags": 0,
    });
    if with_guild_id {
        v["guild_id"] = json!(guild_id.to_string());
    }
    v
}

fn dm_channel_json(channel_id: u64, user: &FakeUser) -> Value {
    json!({
        "id": channel_id.to_string(),
        "type": 1,
        "last_message_id": null,
        "flags": 0,
        "recipients": [user_json(user)],
    })
}

/// A guild member; interactions add `permissions`.
fn member_json(m: &FakeMember, with_user: bool) -> Value {
    let mut v = json!({
        "nick": m.nick,
        "avatar": null,
        "banner": null,
        "roles": m.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        "joined_at": "2024-01-15T09:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
        "avatar_decoration_data": null,
    });
    if with_user {
        v["user"] = user_json(&m.user);
    }
    v
}

/// The guild object as `GET /guilds/{id}` returns it.
fn guild_json(g: &FakeGuild) -> Value {
    json!({
        "id": g.id.to_string(),
        "name": g.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": g.owner_id.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": g.roles.iter().map(role_json).collect::<Vec<_>>(),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": g.channels.first().map(|c| c.id.to_string()),
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    })
}

/// The GUILD_CREATE `d`: the guild plus the extra fields. Without GUILD_PRESENCES, Discord's
/// `members` hold only the bot (and users in voice), so that is what the fake sends.
fn guild_create_json(g: &FakeGuild, bot_id: u64, session_intents: u64) -> Value {
    let all_members = session_intents & intents::GUILD_PRESENCES != 0;
    let members: Vec<Value> =
        g.members.iter().filter(|m| all_members || m.user.id == bot_id).map(|m| member_json(m, true)).collect();
    let mut v = guild_json(g);
    let extra = json!({
        "joined_at": "2024-01-15T09:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": g.members.len(),
        "voice_states": [],
        "members": members,
        "channels": g.channels.iter().map(|c| channel_json(g.id, c, false)).collect::<Vec<_>>(),
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    });
    if let (Some(v), Value::Object(extra)) = (v.as_object_mut(), extra) {
        v.extend(extra);
    }
    v
}

fn application_json(world: &World, verify_key: &str) -> Value {
    json!({
        "id": world.application_id.to_string(),
        "name": world.application_name,
        "icon": null,
        "description": "",
        "type": null,
        "bot": user_json(&world.bot),
        "summary": "",
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": verify_key,
        "flags": 0,
        "hook": true,
        "is_monetized": false,
        "owner": world.guilds.first().and_then(|g| world.find_user(g.owner_id)).map(|u| user_json(&u)),
        "team": null,
        "interactions_endpoint_url": null,
        "redirect_uris": [],
        "tags": [],
        "integration_types_config": {"0": {}},
        "approximate_guild_count": world.guilds.len(),
    })
}

// ------------------------------------------------------------------------------------------
// Messages
// ------------------------------------------------------------------------------------------

/// Who posts a message and how it is tagged.
struct MessageSpec {
    channel_id: u64,
    author: Value,
    /// Message type: 0 DEFAULT, 20 CHAT_INPUT_COMMAND.
    kind: u8,
    /// Set for interaction responses and follow-ups (`webhook_id` = application id).
    application_id: Option<u64>,
    /// Flags added to the requested ones (LOADING for a deferred response).
    extra_flags: u64,
}

impl MessageSpec {
    fn plain(channel_id: u64, author: Value, kind: u8) -> Self {
        Self { channel_id, author, kind, application_id: None, extra_flags: 0 }
    }
}

/// Builds a message object from a create-message payload and uploaded files.
fn build_message(sh: &Shared, spec: MessageSpec, body: &Value, files: &[FilePart]) -> Value {
    let id = sh.snowflake();
    let attachments = attachments_json(sh, spec.channel_id, body, files);
    let embeds = embeds_json(body, &attachments);
    let flags = body["flags"].as_u64().unwrap_or(0) | spec.extra_flags;
    let mut v = json!({
        "id": id.to_string(),
        "channel_id": spec.channel_id.to_string(),
        "author": spec.author,
        "content": body["content"].as_str().unwrap_or(""),
        "timestamp": now_iso(),
        "edited_timestamp": null,
        "tts": body["tts"].as_bool().unwrap_or(false),
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": embeds,
        "pinned": false,
        "type": spec.kind,
        "flags": flags,
        "components": body.get("components").cloned().unwrap_or(json!([])),
    });
    if let Some(nonce) = body.get("nonce").filter(|n| !n.is_null()) {
        v["nonce"] = nonce.clone();
    }
    if let Some(app) = spec.application_id {
        v["webhook_id"] = json!(app.to_string());
        v["application_id"] = json!(app.to_string());
    }
    if let Some(reference) = body.get("message_reference").filter(|r| r.is_object()) {
        v["message_reference"] = reference.clone();
    }
    v
}

/// Attachment objects for uploaded files; `attachments[]` in the payload may add descriptions.
fn attachments_json(sh: &Shared, channel_id: u64, body: &Value, files: &[FilePart]) -> Vec<Value> {
    files
        .iter()
        .enumerate()
        .map(|(index, f)| {
            let id = sh.snowflake();
            let url = format!("https://cdn.discordapp.com/attachments/{channel_id}/{id}/{}", f.filename);
            let proxy_url = format!("https://media.discordapp.net/attachments/{channel_id}/{id}/{}", f.filename);
            let mut a = json!({
                "id": id.to_string(),
                "filename": f.filename,
                "size": f.size(),
                "url": url,
                "proxy_url": proxy_url,
            });
            if let Some(ct) = &f.content_type {
                a["content_type"] = json!(ct);
            }
            if let Some((w, h)) = png_size(&f.data) {
                a["width"] = json!(w);
                a["height"] = json!(h);
            }
            // `files[n]` pairs with the `attachments` entry whose id is n.
            let n = f.field.trim_start_matches("files[").trim_end_matches(']').to_string();
            let described = body["attachments"].as_array().and_then(|list| {
                list.iter().find(|d| d["id"].to_string().trim_matches('"') == n || (d["id"].is_null() && index == 0))
            });
            if let Some(desc) = described.and_then(|d| d["description"].as_str()) {
                a["description"] = json!(desc);
            }
            a
        })
        .collect()
}

/// Embeds as Discord returns them: `type: "rich"`, `attachment://name` resolved to the upload.
fn embeds_json(body: &Value, attachments: &[Value]) -> Vec<Value> {
    let Some(list) = body["embeds"].as_array() else { return vec![] };
    list.iter()
        .filter(|e| e.is_object())
        .map(|e| {
            let mut e = e.clone();
            if e.get("type").is_none() {
                e["type"] = json!("rich");
            }
            for key in ["image", "thumbnail"] {
                let Some(url) = e[key]["url"].as_str().and_then(|u| u.strip_prefix("attachment://")).map(String::from)
                else {
                    continue;
                };
                if let Some(a) = attachments.iter().find(|a| a["filename"] == url.as_str()) {
                    e[key]["url"] = a["url"].clone();
                    e[key]["proxy_url"] = a["proxy_url"].clone();
                    if let (Some(w), Some(h)) = (a.get("width"), a.get("height")) {
                        e[key]["width"] = w.clone();
                        e[key]["height"] = h.clone();
                    }
                }
            }
            e
        })
        .collect()
}

/// Discord's checks on a message payload: not empty, content ≤ 2000, ≤ 10 embeds, embed text
/// ≤ 6000 in total and per-field limits. Returns the 400 to send, if any.
fn validate_message(body: &Value, files: &[FilePart], creating: bool) -> Option<Reply> {
    let content = body["content"].as_str().unwrap_or("");
    let embeds = body["embeds"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let components = body["components"].as_array().map(Vec::len).unwrap_or(0);
    if content.chars().count() > 2000 {
        return Some(Reply::form_error("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."));
    }
    if embeds.len() > 10 {
        return Some(Reply::form_error("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."));
    }
    let len = |v: &Value| v.as_str().map(|s| s.chars().count()).unwrap_or(0);
    let mut total = 0;
    for (i, e) in embeds.iter().enumerate() {
        let limits = [
            ("title", &e["title"], 256),
            ("description", &e["description"], 4096),
            ("footer.text", &e["footer"]["text"], 2048),
            ("author.name", &e["author"]["name"], 256),
        ];
        for (field, value, max) in limits {
            total += len(value);
            if len(value) > max {
                return Some(Reply::form_error(
                    &format!("embeds.{i}.{field}"),
                    "BASE_TYPE_MAX_LENGTH",
                    &format!("Must be {max} or fewer in length."),
                ));
            }
        }
        let fields = e["fields"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        if fields.len() > 25 {
            return Some(Reply::form_error(
                &format!("embeds.{i}.fields"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            ));
        }
        for (j, f) in fields.iter().enumerate() {
            total += len(&f["name"]) + len(&f["value"]);
            if len(&f["name"]) > 256 || len(&f["value"]) > 1024 {
                return Some(Reply::form_error(
                    &format!("embeds.{i}.fields.{j}"),
                    "BASE_TYPE_MAX_LENGTH",
                    "Embed field too long.",
                ));
            }
        }
    }
    if total > 6000 {
        return Some(Reply::form_error("embeds", "MESSAGE_EMBED_TOO_LONG", "Embed size exceeds maximum size of 6000"));
    }
    if let Some(nonce) = body["nonce"].as_str() {
        if nonce.chars().count() > 25 {
            return Some(Reply::form_error("nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."));
        }
    }
    let has_sticker = body["sticker_ids"].as_array().is_some_and(|s| !s.is_empty());
    let has_poll = body["poll"].is_object();
    if creating
        && content.is_empty()
        && embeds.is_empty()
        && files.is_empty()
        && components == 0
        && !has_sticker
        && !has_poll
    {
        return Some(Reply::error(400, 50006, "Cannot send an empty message"));
    }
    None
}

/// Applies an edit payload to a stored message (content, embeds, components, flags, files).
fn apply_edit(sh: &Shared, msg: &mut Value, body: &Value, files: &[FilePart]) {
    let channel_id = json_id(&msg["channel_id"]).unwrap_or(0);
    for key in ["content", "components"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            msg[key] = v.clone();
        }
    }
    let mut attachments: Vec<Value> = msg["attachments"].as_array().cloned().unwrap_or_default();
    // `attachments` in an edit lists the existing attachments to keep.
    if let Some(keep) = body["attachments"].as_array() {
        let keep_ids: Vec<String> = keep.iter().map(|a| a["id"].to_string().trim_matches('"').to_string()).collect();
        attachments.retain(|a| keep_ids.contains(&a["id"].as_str().unwrap_or("").to_string()));
    }
    attachments.extend(attachments_json(sh, channel_id, body, files));
    if body.get("embeds").is_some_and(|e| !e.is_null()) {
        msg["embeds"] = json!(embeds_json(body, &attachments));
    }
    msg["attachments"] = json!(attachments);
    // An edit may only add SUPPRESS_EMBEDS; ephemeral stays as it was; LOADING ends.
    let old = msg["flags"].as_u64().unwrap_or(0);
    let mut flags = old & !LOADING;
    if let Some(requested) = body["flags"].as_u64() {
        flags = (flags & EPHEMERAL) | (requested & !EPHEMERAL & !LOADING);
    }
    msg["flags"] = json!(flags);
    msg["edited_timestamp"] = json!(now_iso());
}

fn store_message(sh: &Shared, channel_id: u64, value: Value) -> u64 {
    let id = json_id(&value["id"]).unwrap_or_else(|| sh.snowflake());
    lock(&sh.store).messages.push(StoredMessage { channel_id, id, value, deleted: false });
    sh.changed.notify_waiters();
    id
}

/// A stored message with its current `reactions` summary.
fn message_view(store: &Store, m: &StoredMessage) -> Value {
    let mut v = m.value.clone();
    let mut reactions: Vec<Value> = store
        .reactions
        .iter()
        .filter(|((mid, _), users)| *mid == m.id && !users.is_empty())
        .map(|((_, key), users)| {
            let emoji = match key.split_once(':') {
                Some((name, id)) => json!({"id": id, "name": name}),
                None => json!({"id": null, "name": key}),
            };
            json!({
                "count": users.len(),
                "count_details": {"burst": 0, "normal": users.len()},
                "me": users.contains(&store.bot_id),
                "me_burst": false,
                "burst_colors": [],
                "emoji": emoji,
            })
        })
        .collect();
    reactions.sort_by(|a, b| a["emoji"]["name"].as_str().cmp(&b["emoji"]["name"].as_str()));
    if !reactions.is_empty() {
        v["reactions"] = json!(reactions);
    }
    v
}

fn dm_channel_for(sh: &Shared, user_id: u64) -> u64 {
    let mut store = lock(&sh.store);
    if let Some(id) = store.dm_channels.get(&user_id) {
        return *id;
    }
    let id = sh.snowflake();
    store.dm_channels.insert(user_id, id);
    id
}

/// A channel the bot can post in: a guild text channel or an opened DM channel.
enum ChannelRef {
    Guild(FakeGuild, FakeChannel),
    Dm(FakeUser),
}

fn find_channel(sh: &Shared, world: &World, channel_id: u64) -> Option<ChannelRef> {
    if let Some(g) = world.guild_of_channel(channel_id) {
        let c = g.channels.iter().find(|c| c.id == channel_id)?.clone();
        return Some(ChannelRef::Guild(g.clone(), c));
    }
    let user_id = lock(&sh.store).dm_channels.iter().find(|(_, c)| **c == channel_id).map(|(u, _)| *u)?;
    world.find_user(user_id).map(ChannelRef::Dm)
}

// ------------------------------------------------------------------------------------------
// Gateway
// ------------------------------------------------------------------------------------------

/// Dispatches an event in the current session (op 0 with the next `s`). Sent at once if the
/// bot is connected, kept for replay either way. `intent`: the event is dropped, with an
/// error, when the session did not ask for it.
fn dispatch(sh: &Shared, event: &str, data: Value, intent: Option<u64>) -> Result<u64, FakeError> {
    let mut gw = lock(&sh.gateway);
    let seq = push_dispatch(sh, &mut gw, event, data, intent)?;
    drop(gw);
    sh.changed.notify_waiters();
    Ok(seq)
}

fn push_dispatch(
    sh: &Shared,
    gw: &mut GatewayState,
    event: &str,
    data: Value,
    intent: Option<u64>,
) -> Result<u64, FakeError> {
    let session = gw.session.as_mut().ok_or_else(|| FakeError("no gateway session".into()))?;
    if let Some(bit) = intent {
        if session.intents & bit == 0 {
            return Err(FakeError(format!("{event} not delivered: the bot did not identify with intent bit {bit:#x}")));
        }
    }
    session.seq += 1;
    let seq = session.seq;
    let frame = json!({"op": 0, "t": event, "s": seq, "d": data}).to_string();
    session.history.push((seq, frame.clone()));
    if let Some(conn) = &gw.conn {
        if conn.tx.send(ConnCmd::Send(frame.clone())).is_ok() {
            lock(&sh.records).gateway_out.push(frame);
        }
    }
    Ok(seq)
}

async fn gateway_entry(
    State(sh): State<Arc<Shared>>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match ws {
        Ok(ws) => ws.on_upgrade(move |socket| run_connection(sh, socket)),
        Err(_) => Reply::error(404, 0, "404: Not Found").into_response(),
    }
}

/// One gateway connection: HELLO, then frames from the bot and commands from the fake.
async fn run_connection(sh: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel::<ConnCmd>();
    let conn_id = {
        let mut gw = lock(&sh.gateway);
        gw.next_conn_id += 1;
        gw.next_conn_id
    };
    let mut shutdown = sh.shutdown.subscribe();
    let interval = sh.options.heartbeat_interval.as_millis() as u64;
    let hello = json!({"op": 10, "d": {"heartbeat_interval": interval}, "s": null, "t": null}).to_string();
    lock(&sh.records).gateway_out.push(hello.clone());
    if socket.send(WsMessage::Text(hello.into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => on_frame(&sh, conn_id, &tx, text.as_str()),
                // The fake never negotiates compression, so binary frames are a decode error.
                Some(Ok(WsMessage::Binary(_))) => { let _ = tx.send(ConnCmd::Close(4002, "Error while decoding payload.".into())); }
                Some(Ok(WsMessage::Close(_))) => {
                    // Reading on lets the WebSocket layer flush its close reply, so the bot sees
                    // a clean closing handshake.
                    let _ = tokio::time::timeout(Duration::from_secs(1), socket.recv()).await;
                    break;
                }
                Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            cmd = rx.recv() => match cmd {
                Some(ConnCmd::Send(text)) => {
                    if socket.send(WsMessage::Text(text.into())).await.is_err() { break; }
                }
                Some(ConnCmd::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = socket.send(WsMessage::Close(Some(frame))).await;
                    break;
                }
                Some(ConnCmd::Drop) | None => break,
            },
            _ = shutdown.changed() => break,
        }
    }
    // Dropping `socket` here closes TCP; forget the connection if it was the live one.
    let mut gw = lock(&sh.gateway);
    if gw.conn.as_ref().is_some_and(|c| c.id == conn_id) {
        gw.conn = None;
    }
    drop(gw);
    sh.changed.notify_waiters();
}

/// Handles one payload from the bot. Replies go through `tx` so they keep their order.
fn on_frame(sh: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<ConnCmd>, text: &str) {
    let Ok(payload) = serde_json::from_str::<Value>(text) else {
        let _ = tx.send(ConnCmd::Close(4002, "Error while decoding payload.".into()));
        return;
    };
    lock(&sh.records).gateway_in.push(payload.clone());
    let reply = |v: Value| {
        let text = v.to_string();
        lock(&sh.records).gateway_out.push(text.clone());
        let _ = tx.send(ConnCmd::Send(text));
    };
    match payload["op"].as_u64() {
        Some(1) => {
            let mut gw = lock(&sh.gateway);
            gw.heartbeats += 1;
            let ack = !gw.no_heartbeat_acks;
            drop(gw);
            if ack {
                reply(json!({"op": 11, "d": null, "s": null, "t": null}));
            }
        }
        Some(2) => on_identify(sh, conn_id, tx, &payload["d"]),
        Some(6) => on_resume(sh, conn_id, tx, &payload["d"], &reply),
        // Presence update, voice state, request guild members, request soundboard sounds:
        // recorded above, nothing to answer in this fake.
        Some(3) | Some(4) | Some(8) | Some(31) => {}
        _ => {
            let _ = tx.send(ConnCmd::Close(4001, "Unknown opcode.".into()));
        }
    }
    sh.changed.notify_waiters();
}

fn token_matches(world: &World, sent: &str) -> bool {
    let sent = sent.trim();
    sent.strip_prefix("Bot ").unwrap_or(sent) == world.token
}

/// Makes `conn_id` the live connection; an older live socket is dropped.
fn make_current(gw: &mut GatewayState, conn_id: u64, tx: &mpsc::UnboundedSender<ConnCmd>) {
    if let Some(old) = gw.conn.take() {
        if old.id != conn_id {
            let _ = old.tx.send(ConnCmd::Drop);
        }
    }
    gw.conn = Some(Conn { id: conn_id, tx: tx.clone() });
}

fn on_identify(sh: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<ConnCmd>, d: &Value) {
    let world = sh.world();
    if !token_matches(&world, d["token"].as_str().unwrap_or("")) {
        let _ = tx.send(ConnCmd::Close(4004, "Authentication failed.".into()));
        return;
    }
    let requested = d["intents"].as_u64().unwrap_or(0);
    if requested & intents::PRIVILEGED & !world.portal_intents != 0 {
        let _ = tx.send(ConnCmd::Close(4014, "Disallowed intent(s).".into()));
        return;
    }
    let mut gw = lock(&sh.gateway);
    if gw.conn.as_ref().is_some_and(|c| c.id == conn_id) {
        drop(gw);
        let _ = tx.send(ConnCmd::Close(4005, "Already authenticated.".into()));
        return;
    }
    gw.identifies += 1;
    gw.session = Some(Session { id: random_token(), seq: 0, intents: requested, history: vec![] });
    make_current(&mut gw, conn_id, tx);
    let session_id = gw.session.as_ref().map(|s| s.id.clone()).unwrap_or_default();
    let shard = if d["shard"].is_array() { d["shard"].clone() } else { json!([0, 1]) };
    let ready = json!({
        "v": 10,
        "user": user_json(&world.bot),
        "guilds": world.guilds.iter().map(|g| json!({"id": g.id.to_string(), "unavailable": true})).collect::<Vec<_>>(),
        "session_id": session_id,
        "resume_gateway_url": sh.gateway_url(),
        "shard": shard,
        "application": {"id": world.application_id.to_string(), "flags": 0},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "user_settings": {},
        "guild_join_requests": [],
        "session_type": "normal",
        "auth": {},
    });
    let _ = push_dispatch(sh, &mut gw, "READY", ready, None);
    for g in &world.guilds {
        let _ = push_dispatch(
            sh,
            &mut gw,
            "GUILD_CREATE",
            guild_create_json(g, world.bot.id, requested),
            Some(intents::GUILDS),
        );
    }
}

fn on_resume(sh: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<ConnCmd>, d: &Value, reply: &dyn Fn(Value)) {
    let world = sh.world();
    if !token_matches(&world, d["token"].as_str().unwrap_or("")) {
        let _ = tx.send(ConnCmd::Close(4004, "Authentication failed.".into()));
        return;
    }
    let mut gw = lock(&sh.gateway);
    let wanted = d["session_id"].as_str().unwrap_or("");
    let Some(session) = gw.session.as_ref().filter(|s| s.id == wanted) else {
        drop(gw);
        reply(json!({"op": 9, "d": false, "s": null, "t": null}));
        return;
    };
    // Replay what the bot missed, in order, then RESUMED (Discord's documented sequence).
    let since = d["seq"].as_u64().unwrap_or(0);
    let missed: Vec<String> = session.history.iter().filter(|(s, _)| *s > since).map(|(_, f)| f.clone()).collect();
    gw.resumes += 1;
    make_current(&mut gw, conn_id, tx);
    for frame in missed {
        lock(&sh.records).gateway_out.push(frame.clone());
        let _ = tx.send(ConnCmd::Send(frame));
    }
    let _ = push_dispatch(sh, &mut gw, "RESUMED", json!({}), None);
}

// ------------------------------------------------------------------------------------------
// Interactions the fake sends
// ------------------------------------------------------------------------------------------

/// Resolved place of an interaction.
struct Place {
    guild: Option<FakeGuild>,
    channel_id: u64,
    user: FakeUser,
}

fn resolve_origin(sh: &Shared, world: &World, o: &Origin) -> Result<Place, FakeError> {
    let guild = if o.dm {
        None
    } else {
        let g = match o.guild.or_else(|| o.channel.and_then(|c| world.guild_of_channel(c).map(|g| g.id))) {
            Some(id) => world.find_guild(id).ok_or_else(|| FakeError(format!("unknown guild {id}")))?,
            None => world.guilds.first().ok_or_else(|| FakeError("the world has no guild".into()))?,
        };
        Some(g.clone())
    };
    let user_id = match (o.user, &guild) {
        (Some(u), _) => u,
        (None, Some(g)) => g
            .members
            .iter()
            .find(|m| !m.user.bot && m.user.id != g.owner_id)
            .or_else(|| g.members.iter().find(|m| !m.user.bot))
            .map(|m| m.user.id)
            .ok_or_else(|| FakeError("the guild has no human member".into()))?,
        (None, None) => world.users.first().map(|u| u.id).ok_or_else(|| FakeError("no user for a DM".into()))?,
    };
    let user = world.find_user(user_id).ok_or_else(|| FakeError(format!("unknown user {user_id}")))?;
    let channel_id = match &guild {
        Some(g) => {
            let c = o
                .channel
                .or_else(|| g.channels.first().map(|c| c.id))
                .ok_or_else(|| FakeError("the guild has no channel".into()))?;
            if !g.channels.iter().any(|x| x.id == c) {
                return Err(FakeError(format!("channel {c} is not in guild {}", g.id)));
            }
            c
        }
        None => dm_channel_for(sh, user_id),
    };
    if let Some(g) = &guild {
        if g.find_member(user_id).is_none() {
            return Err(FakeError(format!("user {user_id} is not a member of guild {}", g.id)));
        }
    }
    Ok(Place { guild, channel_id, user })
}

/// The fields every interaction has, per "Interaction Object" in Discord's docs.
fn interaction_base(sh: &Shared, world: &World, place: &Place, kind: u8, locale: &str) -> (u64, String, Value) {
    let id = sh.snowflake();
    let token = format!("aW50ZXJhY3Rpb246{}", random_token());
    let mut v = json!({
        "id": id.to_string(),
        "application_id": world.application_id.to_string(),
        "type": kind,
        "channel_id": place.channel_id.to_string(),
        "token": token,
        "version": 1,
        "locale": locale,
        "entitlements": [],
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    });
    match &place.guild {
        Some(g) => {
            let member = g.find_member(place.user.id).cloned().unwrap_or(FakeMember {
                user: place.user.clone(),
                roles: vec![],
                nick: None,
            });
            let perms = g.permissions_of(place.user.id);
            let app_perms = g.permissions_of(world.bot.id);
            let mut member_v = member_json(&member, true);
            member_v["permissions"] = json!(perms.to_string());
            let channel = g.channels.iter().find(|c| c.id == place.channel_id).cloned().unwrap_or(FakeChannel {
                id: place.channel_id,
                name: String::new(),
                position: 0,
            });
            let mut channel_v = channel_json(g.id, &channel, true);
            channel_v["permissions"] = json!(perms.to_string());
            v["guild_id"] = json!(g.id.to_string());
            v["guild"] = json!({"id": g.id.to_string(), "locale": "en-US", "features": []});
            v["guild_locale"] = json!("en-US");
            v["member"] = member_v;
            v["channel"] = channel_v;
            v["app_permissions"] = json!(app_perms.to_string());
            v["authorizing_integration_owners"] = json!({"0": g.id.to_string()});
            v["context"] = json!(0);
        }
        None => {
            let mut channel_v = dm_channel_json(place.channel_id, &place.user);
            let dm_perms = perms::DEFAULT_EVERYONE;
            channel_v["permissions"] = json!(dm_perms.to_string());
            v["user"] = user_json(&place.user);
            v["channel"] = channel_v;
            v["app_permissions"] = json!(dm_perms.to_string());
            // "0" for GUILD_INSTALL in the bot's DM, as Discord documents.
            v["authorizing_integration_owners"] = json!({"0": "0"});
            v["context"] = json!(1);
        }
    }
    (id, token, v)
}

/// `data.resolved` for user/channel/role options, as Discord attaches it.
fn resolved_json(world: &World, guild: Option<&FakeGuild>, options: &[Value]) -> Value {
    let mut leaves = vec![];
    let mut stack: Vec<&Value> = options.iter().collect();
    while let Some(o) = stack.pop() {
        match o["options"].as_array() {
            Some(children) => stack.extend(children.iter()),
            None => leaves.push(o),
        }
    }
    let (mut users, mut members, mut channels, mut roles) = (Map::new(), Map::new(), Map::new(), Map::new());
    for o in leaves {
        let Some(id) = json_id(&o["value"]) else { continue };
        match o["type"].as_u64() {
            Some(6) => {
                if let Some(u) = world.find_user(id) {
                    users.insert(id.to_string(), user_json(&u));
                }
                if let Some((g, m)) = guild.and_then(|g| g.find_member(id).map(|m| (g, m))) {
                    let mut mv = member_json(m, false);
                    mv["permissions"] = json!(g.permissions_of(id).to_string());
                    members.insert(id.to_string(), mv);
                }
            }
            Some(7) => {
                if let Some((g, c)) =
                    world.guild_of_channel(id).and_then(|g| g.channels.iter().find(|c| c.id == id).map(|c| (g, c)))
                {
                    let mut cv = channel_json(g.id, c, false);
                    cv["permissions"] = json!(perms::ALL.to_string());
                    channels.insert(id.to_string(), cv);
                }
            }
            Some(8) => {
                if let Some(r) = guild.and_then(|g| g.roles.iter().find(|r| r.id == id)) {
                    roles.insert(id.to_string(), role_json(r));
                }
            }
            _ => {}
        }
    }
    let mut resolved = Map::new();
    for (key, map) in [("users", users), ("members", members), ("channels", channels), ("roles", roles)] {
        if !map.is_empty() {
            resolved.insert(key.into(), Value::Object(map));
        }
    }
    Value::Object(resolved)
}

/// The id Discord would put in `data.id`: the registered command's, or a stable made-up one.
fn command_id(sh: &Shared, name: &str, guild_id: Option<u64>) -> (u64, Option<u64>) {
    let mut store = lock(&sh.store);
    let in_guild = guild_id
        .and_then(|g| store.guild_commands.get(&g))
        .and_then(|cmds| cmds.iter().find(|c| c["name"] == name))
        .and_then(|c| json_id(&c["id"]));
    if let Some(id) = in_guild {
        return (id, guild_id);
    }
    if let Some(id) = store.global_commands.iter().find(|c| c["name"] == name).and_then(|c| json_id(&c["id"])) {
        return (id, None);
    }
    let next = sh.snowflake();
    (*store.adhoc_command_ids.entry(name.to_string()).or_insert(next), None)
}

fn build_interaction(sh: &Shared, interaction: &FakeInteraction) -> Result<SentInteraction, FakeError> {
    let world = sh.world();
    let (origin, kind) = match interaction {
        FakeInteraction::Command(c) => (&c.origin, 2u8),
        FakeInteraction::Component(c) => (&c.origin, 3u8),
    };
    let place = resolve_origin(sh, &world, origin)?;
    let locale = origin.locale.clone().unwrap_or_else(|| "en-US".into());
    let (id, token, mut payload) = interaction_base(sh, &world, &place, kind, &locale);
    let mut source_message = None;
    match interaction {
        FakeInteraction::Command(c) => {
            let (cmd_id, cmd_guild) = command_id(sh, &c.name, place.guild.as_ref().map(|g| g.id));
            let mut data = json!({"id": cmd_id.to_string(), "name": c.name, "type": 1});
            if !c.options.is_empty() {
                data["options"] = json!(c.options);
                let resolved = resolved_json(&world, place.guild.as_ref(), &c.options);
                if resolved.as_object().is_some_and(|m| !m.is_empty()) {
                    data["resolved"] = resolved;
                }
            }
            if let Some(g) = cmd_guild {
                data["guild_id"] = json!(g.to_string());
            }
            payload["data"] = data;
        }
        FakeInteraction::Component(c) => {
            let mut data = json!({"custom_id": c.custom_id, "component_type": c.component_type});
            if c.component_type != 2 {
                data["values"] = json!(c.values);
            }
            payload["data"] = data;
            let message = component_message(sh, &world, place.channel_id, c)?;
            source_message = json_id(&message["id"]);
            payload["message"] = message;
        }
    }
    let rec = InteractionRec {
        id,
        token: token.clone(),
        channel_id: place.channel_id,
        guild_id: place.guild.as_ref().map(|g| g.id),
        user_id: place.user.id,
        kind: kind as u64,
        sent_at: Instant::now(),
        acked: false,
        original: None,
        source_message,
        followups: vec![],
    };
    lock(&sh.store).interactions.insert(id, rec);
    Ok(SentInteraction { id, token, payload })
}

/// The message carrying a component: the stored one, or a bot message invented for it.
fn component_message(sh: &Shared, world: &World, channel_id: u64, c: &Component) -> Result<Value, FakeError> {
    if let Some(id) = c.message_id {
        let store = lock(&sh.store);
        return store
            .messages
            .iter()
            .find(|m| m.id == id && !m.deleted)
            .map(|m| message_view(&store, m))
            .ok_or_else(|| FakeError(format!("unknown message {id}")));
    }
    let button = json!({"type": 2, "style": 1, "label": c.custom_id, "custom_id": c.custom_id});
    let select = json!({"type": 3, "custom_id": c.custom_id, "options": c.values.iter().map(|v| json!({"label": v, "value": v})).collect::<Vec<_>>()});
    let component = if c.component_type == 2 { button } else { select };
    let body = json!({"content": "", "components": [{"type": 1, "components": [component]}]});
    let msg = build_message(sh, MessageSpec::plain(channel_id, user_json(&world.bot), 0), &body, &[]);
    store_message(sh, channel_id, msg.clone());
    Ok(msg)
}

fn reaction_event(sh: &Shared, r: &FakeReaction, add: bool) -> Result<u64, FakeError> {
    let world = sh.world();
    let guild = world.guild_of_channel(r.channel_id).cloned();
    let author = {
        let mut store = lock(&sh.store);
        let users = store.reactions.entry((r.message_id, r.key())).or_default();
        users.retain(|u| *u != r.user_id);
        if add {
            users.push(r.user_id);
        }
        store.messages.iter().find(|m| m.id == r.message_id).and_then(|m| json_id(&m.value["author"]["id"]))
    };
    let mut d = json!({
        "user_id": r.user_id.to_string(),
        "channel_id": r.channel_id.to_string(),
        "message_id": r.message_id.to_string(),
        "emoji": r.emoji_json(),
        "burst": false,
        "type": 0,
    });
    if let Some(g) = &guild {
        d["guild_id"] = json!(g.id.to_string());
    }
    if add {
        if let Some(m) = guild.as_ref().and_then(|g| g.find_member(r.user_id)) {
            d["member"] = member_json(m, true);
        }
        if let Some(a) = author {
            d["message_author_id"] = json!(a.to_string());
        }
        d["burst_colors"] = json!([]);
    }
    let intent = if guild.is_some() { intents::GUILD_MESSAGE_REACTIONS } else { intents::DIRECT_MESSAGE_REACTIONS };
    let event = if add { "MESSAGE_REACTION_ADD" } else { "MESSAGE_REACTION_REMOVE" };
    dispatch(sh, event, d, Some(intent))
}

// ------------------------------------------------------------------------------------------
// REST
// ------------------------------------------------------------------------------------------

/// A REST answer before it becomes an HTTP response.
struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Self { status, body: Some(body), headers: vec![] }
    }
    fn ok(body: Value) -> Self {
        Self::json(200, body)
    }
    fn no_content() -> Self {
        Self { status: 204, body: None, headers: vec![] }
    }
    /// Discord's error JSON: `{"message": ..., "code": ...}`.
    fn error(status: u16, code: u64, message: &str) -> Self {
        Self::json(status, json!({"message": message, "code": code}))
    }
    /// 400 "Invalid Form Body" (50035) with one error at a dotted path, as Discord nests them.
    fn form_error(path: &str, code: &str, message: &str) -> Self {
        let mut errors = json!({"_errors": [{"code": code, "message": message}]});
        for key in path.rsplit('.') {
            errors = json!({ key: errors });
        }
        Self::json(400, json!({"message": "Invalid Form Body", "code": 50035, "errors": errors}))
    }
    fn not_found() -> Self {
        Self::error(404, 0, "404: Not Found")
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut builder =
            Response::builder().status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
        for (k, v) in &self.headers {
            if let (Ok(k), Ok(v)) = (HeaderName::try_from(*k), HeaderValue::from_str(v)) {
                builder = builder.header(k, v);
            }
        }
        let body = match self.body {
            Some(v) => {
                builder = builder.header("content-type", "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        builder.body(body).unwrap_or_else(|_| Response::new(Body::empty()))
    }
}

/// Rate-limit headers Discord sends on normal responses; generous so the bot never waits.
fn ok_ratelimit_headers(path: &str) -> Vec<(&'static str, String)> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    vec![
        ("x-ratelimit-limit", "50".into()),
        ("x-ratelimit-remaining", "49".into()),
        ("x-ratelimit-reset", format!("{:.3}", now + 1.0)),
        ("x-ratelimit-reset-after", "1.000".into()),
        ("x-ratelimit-bucket", bucket_of(path)),
    ]
}

/// A stable made-up bucket hash per route shape (ids replaced).
fn bucket_of(path: &str) -> String {
    let shape: String = path
        .split('/')
        .map(|s| if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() { "id" } else { s })
        .collect::<Vec<_>>()
        .join("/");
    let hash = shape.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    format!("{hash:016x}")
}

fn rate_limited(secs: f64, global: bool, path: &str) -> Reply {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let mut reply =
        Reply::json(429, json!({"message": "You are being rate limited.", "retry_after": secs, "global": global}));
    reply.headers.push(("retry-after", format!("{}", secs.ceil() as u64)));
    if global {
        reply.headers.push(("x-ratelimit-global", "true".into()));
        reply.headers.push(("x-ratelimit-scope", "global".into()));
    } else {
        reply.headers.push(("x-ratelimit-limit", "5".into()));
        reply.headers.push(("x-ratelimit-remaining", "0".into()));
        reply.headers.push(("x-ratelimit-reset", format!("{:.3}", now + secs)));
        reply.headers.push(("x-ratelimit-reset-after", format!("{secs:.3}")));
        reply.headers.push(("x-ratelimit-bucket", bucket_of(path)));
        reply.headers.push(("x-ratelimit-scope", "user".into()));
    }
    reply
}

fn parse_body(headers: &HeaderMap, body: &[u8]) -> RestBody {
    if body.is_empty() {
        return RestBody::Empty;
    }
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("multipart/form-data") {
        return parse_multipart(content_type, body)
            .map(RestBody::Multipart)
            .unwrap_or_else(|| RestBody::Raw(body.to_vec()));
    }
    serde_json::from_slice(body).map(RestBody::Json).unwrap_or_else(|_| RestBody::Raw(body.to_vec()))
}

async fn rest_entry(
    State(sh): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = percent_decode(strip_api_prefix(uri.path()));
    let query = uri.query().unwrap_or("").to_string();
    let method = method.as_str().to_string();
    let body = parse_body(&headers, &body);
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(String::from);

    let delay = lock(&sh.knobs).delays.iter().find(|(p, _)| route_matches(p, &method, &path)).map(|(_, d)| *d);
    // A delay acts as if the request took that much longer to arrive (so a delayed interaction
    // callback can miss the 3-second window).
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let arrived = Instant::now();
    let injected = {
        let mut knobs = lock(&sh.knobs);
        let pos = knobs.once.iter().position(|(p, _)| route_matches(p, &method, &path));
        pos.map(|i| knobs.once.remove(i).1)
    };
    let invalid_json = matches!(body, RestBody::Raw(_))
        && headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.starts_with("application/json"));
    let mut reply = match injected {
        Some(Injected::RateLimit { secs, global }) => rate_limited(secs, global, &path),
        Some(Injected::Fail { status, code, message }) => Reply::error(status, code, &message),
        None => {
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            // Interaction callbacks and webhook routes authenticate by the token in the path.
            let token_in_path = matches!(segments.first(), Some(&"interactions") | Some(&"webhooks"));
            let world = sh.world();
            let authorized =
                authorization.as_deref().is_some_and(|a| a.strip_prefix("Bot ").is_some_and(|t| t == world.token));
            if !token_in_path && !authorized {
                Reply::error(401, 0, "401: Unauthorized")
            } else if invalid_json {
                Reply::error(400, 50109, "The request body contains invalid JSON.")
            } else {
                route(&sh, &world, &method, &segments, &query, &body, arrived)
            }
        }
    };
    if reply.status < 400 || reply.status == 404 {
        reply.headers.extend(ok_ratelimit_headers(&path));
    }
    let call = RestCall {
        method,
        path,
        query,
        body,
        authorization,
        at: arrived.duration_since(sh.started),
        status: reply.status,
    };
    lock(&sh.records).calls.push(call);
    sh.changed.notify_waiters();
    reply.into_response()
}

/// Routes one REST call. `segments` are the path pieces after `/api/v10`, percent-decoded.
fn route(
    sh: &Shared,
    world: &World,
    method: &str,
    segments: &[&str],
    query: &str,
    body: &RestBody,
    arrived: Instant,
) -> Reply {
    let app = world.application_id.to_string();
    match (method, segments) {
        ("GET", ["gateway"]) => Reply::ok(json!({"url": sh.gateway_url()})),
        ("GET", ["gateway", "bot"]) => Reply::ok(json!({
            "url": sh.gateway_url(),
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
        })),
        ("GET", ["users", "@me"]) => {
            let mut me = user_json(&world.bot);
            me["verified"] = json!(true);
            me["mfa_enabled"] = json!(false);
            me["email"] = Value::Null;
            me["locale"] = json!("en-US");
            Reply::ok(me)
        }
        ("POST", ["users", "@me", "channels"]) => create_dm(sh, world, body),
        ("GET", ["users", id]) => match parse_id(id).and_then(|id| world.find_user(id)) {
            Some(u) => Reply::ok(user_json(&u)),
            None => Reply::error(404, 10013, "Unknown User"),
        },
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
            let key = hex::encode(sh.signing_key.verifying_key().to_bytes());
            Reply::ok(application_json(world, &key))
        }
        (_, ["applications", a, ..]) if *a != app => Reply::error(404, 10002, "Unknown Application"),
        ("GET", ["applications", _, "commands"]) => Reply::ok(json!(lock(&sh.store).global_commands)),
        ("PUT", ["applications", _, "commands"]) => overwrite_commands(sh, world, None, body),
        ("POST", ["applications", _, "commands"]) => upsert_command(sh, world, None, body),
        (_, ["applications", _, "guilds", g, "commands"]) => {
            match parse_id(g).filter(|g| world.find_guild(*g).is_some()) {
                None => Reply::error(404, 10004, "Unknown Guild"),
                Some(g) => match method {
                    "GET" => Reply::ok(json!(lock(&sh.store).guild_commands.get(&g).cloned().unwrap_or_default())),
                    "PUT" => overwrite_commands(sh, world, Some(g), body),
                    "POST" => upsert_command(sh, world, Some(g), body),
                    _ => Reply::error(405, 0, "405: Method Not Allowed"),
                },
            }
        }
        ("POST", ["interactions", id, token, "callback"]) => {
            let (callback, reply) = interaction_callback(sh, id, token, body, arrived);
            if let Some(cb) = callback {
                lock(&sh.records).callbacks.push(cb);
            }
            reply
        }
        (_, ["webhooks", a, token, rest @ ..]) => {
            if *a != app {
                return Reply::error(404, 10015, "Unknown Webhook");
            }
            webhook_route(sh, world, method, token, rest, body)
        }
        (_, ["channels", c, rest @ ..]) => match parse_id(c).and_then(|c| find_channel(sh, world, c).map(|r| (c, r))) {
            None => Reply::error(404, 10003, "Unknown Channel"),
            Some((channel_id, channel)) => channel_route(sh, world, method, channel_id, &channel, rest, query, body),
        },
        (_, ["guilds", g, rest @ ..]) => match parse_id(g).and_then(|g| world.find_guild(g)) {
            None => Reply::error(404, 10004, "Unknown Guild"),
            Some(guild) => guild_route(world, method, guild, rest, query),
        },
        _ => Reply::not_found(),
    }
}

fn create_dm(sh: &Shared, world: &World, body: &RestBody) -> Reply {
    let Some(user_id) = body.json().and_then(|b| json_id(&b["recipient_id"])) else {
        return Reply::form_error("recipient_id", "BASE_TYPE_REQUIRED", "This field is required");
    };
    let Some(user) = world.find_user(user_id) else {
        return Reply::error(404, 10013, "Unknown User");
    };
    let channel_id = dm_channel_for(sh, user_id);
    Reply::ok(dm_channel_json(channel_id, &user))
}

/// Checks one command object roughly as Discord does (CHAT_INPUT names and descriptions).
fn validate_command(index: Option<usize>, c: &Value) -> Option<Reply> {
    let at = |field: &str| index.map(|i| format!("{i}.{field}")).unwrap_or_else(|| field.to_string());
    let name = c["name"].as_str().unwrap_or("");
    let kind = c["type"].as_u64().unwrap_or(1);
    let name_ok = !name.is_empty()
        && name.chars().count() <= 32
        && (kind != 1 || name.chars().all(|ch| ch == '-' || ch == '_' || (ch.is_alphanumeric() && !ch.is_uppercase())));
    if !name_ok {
        return Some(Reply::form_error(&at("name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"));
    }
    let desc = c["description"].as_str().map(|d| d.chars().count()).unwrap_or(0);
    if kind == 1 && !(1..=100).contains(&desc) {
        return Some(Reply::form_error(
            &at("description"),
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ));
    }
    None
}

/// A command as Discord returns it, keeping the id of an existing command with that name.
fn command_json(sh: &Shared, world: &World, guild: Option<u64>, c: &Value, existing: &[Value]) -> Value {
    let name = c["name"].as_str().unwrap_or("");
    let id =
        existing.iter().find(|e| e["name"] == name).and_then(|e| json_id(&e["id"])).unwrap_or_else(|| sh.snowflake());
    let mut v = json!({
        "id": id.to_string(),
        "application_id": world.application_id.to_string(),
        "version": sh.snowflake().to_string(),
        "default_member_permissions": null,
        "type": 1,
        "name": name,
        "name_localizations": null,
        "description": "",
        "description_localizations": null,
        "dm_permission": true,
        "contexts": null,
        "integration_types": [0],
        "nsfw": false,
    });
    if let (Some(v), Some(c)) = (v.as_object_mut(), c.as_object()) {
        for (k, val) in c {
            if k != "id" && k != "application_id" && k != "version" {
                v.insert(k.clone(), val.clone());
            }
        }
    }
    if let Some(g) = guild {
        v["guild_id"] = json!(g.to_string());
        if let Some(o) = v.as_object_mut() {
            o.remove("dm_permission");
        }
    }
    v
}

/// Bulk overwrite: the list replaces every command (global or the guild's).
fn overwrite_commands(sh: &Shared, world: &World, guild: Option<u64>, body: &RestBody) -> Reply {
    let Some(list) = body.json().and_then(Value::as_array) else {
        return Reply::form_error("_root", "BASE_TYPE_ARRAY", "Must be an array.");
    };
    if let Some(err) = list.iter().enumerate().find_map(|(i, c)| validate_command(Some(i), c)) {
        return err;
    }
    let mut store = lock(&sh.store);
    let existing = match guild {
        None => store.global_commands.clone(),
        Some(g) => store.guild_commands.get(&g).cloned().unwrap_or_default(),
    };
    let commands: Vec<Value> = list.iter().map(|c| command_json(sh, world, guild, c, &existing)).collect();
    match guild {
        None => store.global_commands = commands.clone(),
        Some(g) => {
            store.guild_commands.insert(g, commands.clone());
        }
    }
    Reply::ok(json!(commands))
}

/// Create (201) or update (200) one command by name.
fn upsert_command(sh: &Shared, world: &World, guild: Option<u64>, body: &RestBody) -> Reply {
    let Some(c) = body.json().filter(|c| c.is_object()) else {
        return Reply::form_error("_root", "BASE_TYPE_REQUIRED", "This field is required");
    };
    if let Some(err) = validate_command(None, c) {
        return err;
    }
    let mut store = lock(&sh.store);
    let list = match guild {
        None => &mut store.global_commands,
        Some(g) => store.guild_commands.entry(g).or_default(),
    };
    let command = command_json(sh, world, guild, c, list);
    let existed = list.iter().position(|e| e["id"] == command["id"]);
    match existed {
        Some(i) => list[i] = command.clone(),
        None => list.push(command.clone()),
    }
    Reply::json(if existed.is_some() { 200 } else { 201 }, command)
}

/// `POST /interactions/{id}/{token}/callback`: returns the callback record and the answer.
fn interaction_callback(
    sh: &Shared,
    id: &str,
    token: &str,
    body: &RestBody,
    arrived: Instant,
) -> (Option<Callback>, Reply) {
    let world = sh.world();
    let payload = body.json().cloned().unwrap_or(Value::Null);
    let kind = payload["type"].as_u64();
    let data = payload.get("data").cloned().unwrap_or(Value::Null);
    let mut store = lock(&sh.store);
    let Some(rec) = parse_id(id).and_then(|id| store.interactions.get_mut(&id)).filter(|r| r.token == token) else {
        return (None, Reply::error(404, 10062, "Unknown interaction"));
    };
    let elapsed = arrived.saturating_duration_since(rec.sent_at);
    let mut callback = Callback {
        interaction_id: rec.id,
        token: rec.token.clone(),
        kind: kind.unwrap_or(0),
        data: data.clone(),
        files: body.files().to_vec(),
        elapsed,
        status: 204,
    };
    let reply = if rec.acked {
        Reply::error(400, 40060, "Interaction has already been acknowledged.")
    } else if elapsed > sh.options.interaction_timeout {
        Reply::error(404, 10062, "Unknown interaction")
    } else {
        match kind {
            Some(1) | Some(8) | Some(9) | Some(10) | Some(12) => {
                rec.acked = true;
                Reply::no_content()
            }
            Some(4) | Some(5) => {
                if let Some(err) = (kind == Some(4)).then(|| validate_message(&data, body.files(), true)).flatten() {
                    err
                } else {
                    rec.acked = true;
                    let spec = MessageSpec {
                        channel_id: rec.channel_id,
                        author: user_json(&world.bot),
                        kind: if rec.kind == 2 { 20 } else { 0 },
                        application_id: Some(world.application_id),
                        extra_flags: if kind == Some(5) { LOADING } else { 0 },
                    };
                    let content = if kind == Some(5) { json!({"flags": data["flags"]}) } else { data.clone() };
                    let msg = build_message(sh, spec, &content, body.files());
                    let msg_id = json_id(&msg["id"]).unwrap_or(0);
                    rec.original = Some(msg_id);
                    let channel_id = rec.channel_id;
                    store.messages.push(StoredMessage { channel_id, id: msg_id, value: msg, deleted: false });
                    Reply::no_content()
                }
            }
            Some(6) | Some(7) if rec.kind == 3 => {
                rec.acked = true;
                rec.original = rec.source_message;
                let source = rec.source_message;
                if kind == Some(7) {
                    if let Some(m) = store.messages.iter_mut().find(|m| Some(m.id) == source) {
                        apply_edit(sh, &mut m.value, &data, body.files());
                    }
                }
                Reply::no_content()
            }
            _ => Reply::form_error("type", "BASE_TYPE_CHOICES", "Value must be one of the valid callback types."),
        }
    };
    callback.status = reply.status;
    drop(store);
    sh.changed.notify_waiters();
    (Some(callback), reply)
}

/// `/webhooks/{app}/{token}[/messages/{id|@original}]`: the interaction's original response
/// and follow-ups. Tokens not from an interaction are unknown webhooks.
fn webhook_route(sh: &Shared, world: &World, method: &str, token: &str, rest: &[&str], body: &RestBody) -> Reply {
    let mut store = lock(&sh.store);
    let Some(rec) = store.interactions.values_mut().find(|r| r.token == token) else {
        return Reply::error(404, 10015, "Unknown Webhook");
    };
    // Before the first callback the token cannot be used (Discord answers Unknown Webhook).
    if !rec.acked {
        return Reply::error(404, 10015, "Unknown Webhook");
    }
    let channel_id = rec.channel_id;
    match (method, rest) {
        ("POST", []) => {
            let payload = body.json().cloned().unwrap_or(Value::Null);
            if let Some(err) = validate_message(&payload, body.files(), true) {
                return err;
            }
            let spec = MessageSpec {
                channel_id,
                author: user_json(&world.bot),
                kind: 0,
                application_id: Some(world.application_id),
                extra_flags: 0,
            };
            let msg = build_message(sh, spec, &payload, body.files());
            let id = json_id(&msg["id"]).unwrap_or(0);
            rec.followups.push(id);
            store.messages.push(StoredMessage { channel_id, id, value: msg.clone(), deleted: false });
            Reply::ok(msg)
        }
        (_, ["messages", which]) => {
            let target = if *which == "@original" {
                rec.original
            } else {
                parse_id(which).filter(|id| Some(*id) == rec.original || rec.followups.contains(id))
            };
            let Some(target) = target else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            let Some(pos) = store.messages.iter().position(|m| m.id == target && !m.deleted) else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            match method {
                "GET" => Reply::ok(message_view(&store, &store.messages[pos])),
                "PATCH" => {
                    let payload = body.json().cloned().unwrap_or(Value::Null);
                    if let Some(err) = validate_message(&payload, body.files(), false) {
                        return err;
                    }
                    apply_edit(sh, &mut store.messages[pos].value, &payload, body.files());
                    Reply::ok(message_view(&store, &store.messages[pos]))
                }
                "DELETE" => {
                    store.messages[pos].deleted = true;
                    Reply::no_content()
                }
                _ => Reply::error(405, 0, "405: Method Not Allowed"),
            }
        }
        _ => Reply::not_found(),
    }
}

#[allow(clippy::too_many_arguments)]
fn channel_route(
    sh: &Shared,
    world: &World,
    method: &str,
    channel_id: u64,
    channel: &ChannelRef,
    rest: &[&str],
    query: &str,
    body: &RestBody,
) -> Reply {
    match (method, rest) {
        ("GET", []) => Reply::ok(match channel {
            ChannelRef::Guild(g, c) => channel_json(g.id, c, true),
            ChannelRef::Dm(u) => dm_channel_json(channel_id, u),
        }),
        ("POST", ["messages"]) => create_message(sh, world, channel_id, channel, body),
        ("GET", ["messages"]) => {
            let q = query_pairs(query);
            let limit = q.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(50).clamp(1, 100);
            let store = lock(&sh.store);
            let list: Vec<Value> = store
                .messages
                .iter()
                .rev()
                .filter(|m| {
                    m.channel_id == channel_id && !m.deleted && m.value["flags"].as_u64().unwrap_or(0) & EPHEMERAL == 0
                })
                .take(limit)
                .map(|m| message_view(&store, m))
                .collect();
            Reply::ok(json!(list))
        }
        ("POST", ["typing"]) => Reply::no_content(),
        (_, ["messages", mid, tail @ ..]) => {
            let mut store = lock(&sh.store);
            let Some(pos) = parse_id(mid).and_then(|id| {
                store.messages.iter().position(|m| m.id == id && m.channel_id == channel_id && !m.deleted)
            }) else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            let message_id = store.messages[pos].id;
            match (method, tail) {
                ("GET", []) => Reply::ok(message_view(&store, &store.messages[pos])),
                ("PATCH", []) => {
                    if json_id(&store.messages[pos].value["author"]["id"]) != Some(world.bot.id) {
                        return Reply::error(403, 50005, "Cannot edit a message authored by another user");
                    }
                    let payload = body.json().cloned().unwrap_or(Value::Null);
                    if let Some(err) = validate_message(&payload, body.files(), false) {
                        return err;
                    }
                    apply_edit(sh, &mut store.messages[pos].value, &payload, body.files());
                    Reply::ok(message_view(&store, &store.messages[pos]))
                }
                ("DELETE", []) => {
                    store.messages[pos].deleted = true;
                    Reply::no_content()
                }
                (_, ["reactions", emoji, who @ ..]) => {
                    drop(store);
                    reaction_route(sh, world, method, channel_id, message_id, emoji, who, query)
                }
                _ => Reply::not_found(),
            }
        }
        _ => Reply::not_found(),
    }
}

fn create_message(sh: &Shared, world: &World, channel_id: u64, channel: &ChannelRef, body: &RestBody) -> Reply {
    let payload = body.json().cloned().unwrap_or(Value::Null);
    if let Some(err) = validate_message(&payload, body.files(), true) {
        return err;
    }
    // `enforce_nonce`: the same nonce within the window returns the first message.
    let nonce = match &payload["nonce"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let enforce = payload["enforce_nonce"].as_bool().unwrap_or(false);
    if let (Some(nonce), true) = (&nonce, enforce) {
        let store = lock(&sh.store);
        let earlier = store
            .nonces
            .get(&(channel_id, nonce.clone()))
            .filter(|(_, at)| at.elapsed() <= sh.options.nonce_window)
            .map(|(id, _)| *id);
        if let Some(m) = earlier.and_then(|id| store.messages.iter().find(|m| m.id == id)) {
            return Reply::ok(message_view(&store, m));
        }
    }
    let spec = MessageSpec::plain(channel_id, user_json(&world.bot), 0);
    let msg = build_message(sh, spec, &payload, body.files());
    let id = store_message(sh, channel_id, msg.clone());
    if let (Some(nonce), true) = (nonce, enforce) {
        lock(&sh.store).nonces.insert((channel_id, nonce), (id, Instant::now()));
    }
    // Discord echoes the bot's own message as MESSAGE_CREATE when it has the intent.
    let mut event = msg.clone();
    let intent = match channel {
        ChannelRef::Guild(g, _) => {
            event["guild_id"] = json!(g.id.to_string());
            if let Some(m) = g.find_member(world.bot.id) {
                event["member"] = member_json(m, false);
            }
            intents::GUILD_MESSAGES
        }
        ChannelRef::Dm(_) => intents::DIRECT_MESSAGES,
    };
    let _ = dispatch(sh, "MESSAGE_CREATE", event, Some(intent));
    Reply::ok(msg)
}

#[allow(clippy::too_many_arguments)]
fn reaction_route(
    sh: &Shared,
    world: &World,
    method: &str,
    channel_id: u64,
    message_id: u64,
    emoji: &str,
    who: &[&str],
    query: &str,
) -> Reply {
    let (name, emoji_id) = match emoji.split_once(':') {
        Some((n, id)) => (n.to_string(), parse_id(id)),
        None => (emoji.to_string(), None),
    };
    if name.is_empty() {
        return Reply::error(400, 10014, "Unknown Emoji");
    }
    let reaction = |user_id: u64| FakeReaction { user_id, channel_id, message_id, emoji: name.clone(), emoji_id };
    match (method, who) {
        ("PUT", ["@me"]) => {
            // The bot's own reaction comes back as a gateway event, as on Discord.
            let r = reaction(world.bot.id);
            let already =
                lock(&sh.store).reactions.get(&(message_id, r.key())).is_some_and(|u| u.contains(&world.bot.id));
            if !already {
                let _ = reaction_event(sh, &r, true);
            }
            Reply::no_content()
        }
        ("DELETE", [user]) => {
            let user_id = if *user == "@me" { Some(world.bot.id) } else { parse_id(user) };
            let Some(user_id) = user_id else { return Reply::error(404, 10013, "Unknown User") };
            let r = reaction(user_id);
            let present = lock(&sh.store).reactions.get(&(message_id, r.key())).is_some_and(|u| u.contains(&user_id));
            if present {
                let _ = reaction_event(sh, &r, false);
            }
            Reply::no_content()
        }
        ("GET", []) => {
            let q = query_pairs(query);
            let limit = q.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(25).clamp(1, 100);
            let after = q.get("after").and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
            let users = lock(&sh.store).reactions.get(&(message_id, reaction(0).key())).cloned().unwrap_or_default();
            let mut ids: Vec<u64> = users.into_iter().filter(|u| *u > after).collect();
            ids.sort_unstable();
            let list: Vec<Value> =
                ids.into_iter().take(limit).filter_map(|u| world.find_user(u)).map(|u| user_json(&u)).collect();
            Reply::ok(json!(list))
        }
        _ => Reply::not_found(),
    }
}

fn guild_route(world: &World, method: &str, g: &FakeGuild, rest: &[&str], query: &str) -> Reply {
    match (method, rest) {
        ("GET", []) => {
            let mut v = guild_json(g);
            if query_pairs(query).get("with_counts").is_some_and(|w| w == "true") {
                v["approximate_member_count"] = json!(g.members.len());
                v["approximate_presence_count"] = json!(0);
            }
            Reply::ok(v)
        }
        ("GET", ["channels"]) => {
            Reply::ok(json!(g.channels.iter().map(|c| channel_json(g.id, c, true)).collect::<Vec<_>>()))
        }
        ("GET", ["roles"]) => Reply::ok(json!(g.roles.iter().map(role_json).collect::<Vec<_>>())),
        ("GET", ["members"]) => {
            // List Guild Members needs the Server Members intent switched on in the portal.
            if world.portal_intents & intents::GUILD_MEMBERS == 0 {
                return Reply::error(403, 50001, "Missing Access");
            }
            let q = query_pairs(query);
            let limit = q.get("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(1);
            if !(1..=1000).contains(&limit) {
                return Reply::form_error("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 1000.");
            }
            let after = q.get("after").and_then(|a| a.parse::<u64>().ok()).unwrap_or(0);
            let mut members: Vec<&FakeMember> = g.members.iter().filter(|m| m.user.id > after).collect();
            members.sort_by_key(|m| m.user.id);
            Reply::ok(json!(members.into_iter().take(limit).map(|m| member_json(m, true)).collect::<Vec<_>>()))
        }
        ("GET", ["members", uid]) => match parse_id(uid).and_then(|u| g.find_member(u)) {
            Some(m) => Reply::ok(member_json(m, true)),
            None => Reply::error(404, 10007, "Unknown Member"),
        },
        _ => Reply::not_found(),
    }
}

/// Everything a message says: its content and its embeds' text.
pub fn said(message: &Value) -> String {
    let mut text = message["content"].as_str().unwrap_or_default().to_string();
    for e in message["embeds"].as_array().into_iter().flatten() {
        for part in [&e["title"], &e["description"], &e["footer"]["text"]] {
            text.push('\n');
            text.push_str(part.as_str().unwrap_or_default());
        }
    }
    text
}

impl FakeDiscord {
    /// The first message in `channel` with buttons: its id and the buttons' custom ids.
    pub fn message_with_buttons(&self, channel: u64) -> Option<(u64, Vec<String>)> {
        self.messages(channel).into_iter().find_map(|m| {
            let ids: Vec<String> = m["components"]
                .as_array()?
                .iter()
                .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
                .filter_map(|b| b["custom_id"].as_str().map(String::from))
                .collect();
            let id = m["id"].as_str()?.parse().ok()?;
            (!ids.is_empty()).then_some((id, ids))
        })
    }
}
