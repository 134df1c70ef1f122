//! A fake Slack for meridian's Slack adapter tests: one HTTP server on `127.0.0.1:<random port>`
//! that speaks Slack's wire format closely enough for the real `slack-morphism` client.
//!
//! It serves, from one port:
//! * the Web API under `/api/<method>` (GET query string, POST form-urlencoded or POST JSON, token
//!   in `Authorization: Bearer …` or, for POSTs, a `token` parameter), answering the JSON Slack
//!   documents, always HTTP 200 with `ok`/`error` except for rate limits (HTTP 429 + `Retry-After`);
//! * the upload URLs handed out by `files.getUploadURLExternal` (`/upload/v1/<ticket>`);
//! * `response_url`s (`/response/<id>`), whose POSTs are recorded;
//! * the Socket Mode WebSocket (`ws://…/link/?ticket=…`) handed out by `apps.connections.open`.
//!
//! The test owns a small workspace model ([`Workspace`]: one team, users, channels), arms faults
//! ([`FakeSlack::rate_limit_next`], [`FakeSlack::fail_next`], [`FakeSlack::delay`]), drives Socket Mode
//! ([`FakeSlack::send_slash_command`], [`FakeSlack::send_block_action`], [`FakeSlack::send_event`],
//! [`FakeSlack::disconnect`], [`FakeSlack::drop_socket`]) and asserts on what the bot did
//! ([`FakeSlack::calls`], [`FakeSlack::wait_for`], [`FakeSlack::responses`], [`FakeSlack::uploads`]).
//! For HTTP mode, [`sign`] and [`SignedRequest`] build the exact signed bodies Slack POSTs.
//!
//! Point slack-morphism at [`FakeSlack::api_base`] (`http://127.0.0.1:PORT/api`, **no trailing
//! slash**: slack-morphism builds `format!("{api_base}/{method}")`). Its default
//! `SlackClientHyperHttpsConnector::new()` is `https_only`, so the adapter must build its connector
//! with `https_or_http()` (or a plain `HttpConnector`) for a `http://` base to work.
//!
//! Everything is bounded: every wait has a timeout, and dropping the [`FakeSlack`] shuts the server
//! and its sockets down.
//!
//! ```ignore
//! let slack = FakeSlack::start().await; // workspace T0001: alice/bob/carol, #general (C0001) with the bot
//! // meridian config: api_base = slack.api_base(), bot_token = slack.bot_token(), app_token = slack.app_token()
//! slack.wait_connected(1).await?;
//! let ack = slack.send_slash_command(&SlashCommand::new("/meridian", "help")).await?;
//! assert!(ack.elapsed < Duration::from_secs(3));
//! slack.wait_for("chat.postMessage", |p| p["channel"] == "C0001", Duration::from_secs(2)).await?;
//! let ts = slack.messages().last().unwrap().ts.clone();
//! slack.send_event(slack.reaction_added("U0002", "thumbsup", "C0001", &ts)).await?;
//! ```
//!
//! Over 600 lines on purpose: one platform's wire format (Slack's REST or Web API, its
//! WebSocket, signatures, rate limits) behind one test-facing handle; its sections are marked,
//! and splitting them into modules would make every internal of the fake crate-visible.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{json, Map, Value};
use sha2::Sha256;
use tokio::sync::{mpsc, oneshot, watch};

/// Slack's acknowledgement deadline for Socket Mode envelopes.
pub const DEFAULT_ACK_TIMEOUT: Duration = Duration::from_secs(3);
/// How long waits for a (re)connection give the client (slack-morphism reconnects at once).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Placeholder for the deprecated verification token Slack still puts in payloads.
pub const VERIFICATION_TOKEN: &str = "fake-verification-token";
/// Slack retries an Events API delivery 3 times after the first attempt.
const MAX_EVENT_ATTEMPTS: u32 = 4;
/// Uploads can be bigger than axum's 2 MB default body limit.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Workspace model
// ---------------------------------------------------------------------------------------------

/// A workspace member as `users.info` reports it.
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    /// The handle (`name`), e.g. `alice`.
    pub name: String,
    pub real_name: String,
    pub display_name: String,
    /// IANA zone name, e.g. `Asia/Kolkata`.
    pub tz: String,
    pub tz_label: String,
    /// Seconds east of UTC, as Slack reports it (`19800` for Asia/Kolkata).
    pub tz_offset: i32,
    pub is_admin: bool,
    pub is_owner: bool,
    pub is_bot: bool,
    pub deleted: bool,
}

impl User {
    /// A plain member in UTC; chain the setters for the rest.
    pub fn new(id: &str, name: &str) -> Self {
        User {
            id: id.to_string(),
            name: name.to_string(),
            real_name: name.to_string(),
            display_name: name.to_string(),
            tz: "Etc/UTC".to_string(),
            tz_label: "Coordinated Universal Time".to_string(),
            tz_offset: 0,
            is_admin: false,
            is_owner: false,
            is_bot: false,
            deleted: false,
        }
    }
    pub fn real_name(mut self, real_name: &str) -> Self {
        self.real_name = real_name.to_string();
        self
    }
    pub fn display_name(mut self, display_name: &str) -> Self {
        self.display_name = display_name.to_string();
        self
    }
    /// Zone, Slack's label for it and its current offset in seconds (the fake has no tz database).
    pub fn tz(mut self, tz: &str, label: &str, offset_secs: i32) -> Self {
        self.tz = tz.to_string();
        self.tz_label = label.to_string();
        self.tz_offset = offset_secs;
        self
    }
    pub fn admin(mut self) -> Self {
        self.is_admin = true;
        self
    }
    pub fn owner(mut self) -> Self {
        self.is_owner = true;
        self
    }
    pub fn bot(mut self) -> Self {
        self.is_bot = true;
        self
    }
}

/// A conversation. `members` is exactly what `conversations.members` returns; the bot can post
/// only where its user id is a member (else `not_in_channel`, as Slack answers).
#[derive(Clone, Debug)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
    pub is_private: bool,
    /// A direct message (created by `conversations.open`); `name` is then the other user's id.
    pub is_im: bool,
    pub created: i64,
}

impl Channel {
    pub fn new(id: &str, name: &str) -> Self {
        Channel {
            id: id.to_string(),
            name: name.to_string(),
            members: Vec::new(),
            is_private: false,
            is_im: false,
            created: 1_600_000_000,
        }
    }
    pub fn members<I, S>(mut self, members: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.members = members.into_iter().map(Into::into).collect();
        self
    }
    pub fn private(mut self) -> Self {
        self.is_private = true;
        self
    }
}

/// The workspace the fake serves: one team, its users and channels, the app and its tokens.
#[derive(Clone, Debug)]
pub struct Workspace {
    pub team_id: String,
    pub team_name: String,
    pub team_domain: String,
    pub app_id: String,
    pub bot_user_id: String,
    pub bot_id: String,
    pub bot_name: String,
    /// Accepted on every Web API method except `apps.connections.open`.
    pub bot_token: String,
    /// Accepted only on `apps.connections.open`.
    pub app_token: String,
    pub users: Vec<User>,
    pub channels: Vec<Channel>,
}

impl Default for Workspace {
    /// Team `T0001`; users `U0001` alice (Asia/Kolkata, admin), `U0002` bob (America/New_York),
    /// `U0003` carol (Europe/Berlin, owner) and the bot `U0BOT`; channel `C0001` #general with all
    /// of them, `C0002` #random without the bot.
    fn default() -> Self {
        let bot_user_id = "U0BOT".to_string();
        Workspace {
            team_id: "T0001".into(),
            team_name: "Meridian Test".into(),
            team_domain: "meridian-test".into(),
            app_id: "A0001".into(),
            bot_user_id: bot_user_id.clone(),
            bot_id: "B0001".into(),
            bot_name: "meridian".into(),
            bot_token: "xoxb-0001-fake-bot-token".into(),
            app_token: "xapp-1-A0001-fake-app-token".into(),
            users: vec![
                User::new("U0001", "alice")
                    .real_name("Alice Rao")
                    .tz("Asia/Kolkata", "India Standard Time", 19_800)
                    .admin(),
                User::new("U0002", "bob").real_name("Bob Stone").tz(
                    "America/New_York",
                    "Eastern Standard Time",
                    -18_000,
                ),
                User::new("U0003", "carol")
                    .real_name("Carol Weiss")
                    .tz("Europe/Berlin", "Central European Time", 3_600)
                    .owner(),
                User::new(&bot_user_id, "meridian").real_name("Meridian").bot(),
            ],
            channels: vec![
                Channel::new("C0001", "general").members(["U0001", "U0002", "U0003", "U0BOT"]),
                Channel::new("C0002", "random").members(["U0001", "U0002"]),
            ],
        }
    }
}

impl Workspace {
    fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }
    fn channel(&self, id: &str) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }
    fn channel_mut(&mut self, id: &str) -> Option<&mut Channel> {
        self.channels.iter_mut().find(|c| c.id == id)
    }
}

// ---------------------------------------------------------------------------------------------
// Records and results handed to tests
// ---------------------------------------------------------------------------------------------

/// Which kind of token a request carried, judged by its prefix (validity is checked separately).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// `xoxb-…`
    Bot,
    /// `xapp-…`
    App,
    /// `xoxp-…`
    User,
    Other,
    Missing,
}

/// One Web API request as the fake received and answered it.
#[derive(Clone, Debug)]
pub struct ApiCall {
    pub method: String,
    /// Arrival time (the call is recorded once answered, after any [`FakeSlack::delay`]).
    pub received_at: Instant,
    /// `GET` or `POST`.
    pub http_method: String,
    pub content_type: Option<String>,
    /// Parameters as one JSON object, whatever the encoding. Form values stay strings, except the
    /// JSON-valued ones (`blocks`, `attachments`, `files`, `metadata`), which are parsed.
    pub params: Value,
    pub token: TokenKind,
    /// The HTTP status answered (200, or 429 when rate limited).
    pub status: u16,
    pub response: Value,
}

/// A POST the bot made to a `response_url`.
#[derive(Clone, Debug)]
pub struct ResponsePost {
    /// The `<id>` of `/response/<id>`.
    pub id: String,
    pub received_at: Instant,
    /// The JSON body: `text`, `blocks`, `response_type`, `replace_original`, `delete_original`, …
    pub body: Value,
}

/// Bytes the bot POSTed to an upload URL.
#[derive(Clone, Debug)]
pub struct Upload {
    pub file_id: String,
    /// As given to `files.getUploadURLExternal` (or the multipart part's filename).
    pub filename: String,
    /// The `length` given to `files.getUploadURLExternal`.
    pub declared_length: u64,
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    pub multipart: bool,
}

/// A message the bot posted, as the fake stores it (`chat.update` edits it in place).
#[derive(Clone, Debug)]
pub struct StoredMessage {
    pub channel: String,
    pub ts: String,
    /// The message object as Slack returns it (`type`, `text`, `user`, `bot_id`, `ts`, `blocks`, …).
    pub message: Value,
    /// `Some(user)` for `chat.postEphemeral` messages.
    pub ephemeral_to: Option<String>,
    pub deleted: bool,
}

/// The client's acknowledgement of a Socket Mode envelope.
#[derive(Clone, Debug)]
pub struct Ack {
    pub envelope_id: String,
    /// The ack's `payload` (a slash-command response, a `response_action`, …), if any.
    pub payload: Option<Value>,
    /// From sending the acked delivery to receiving the ack.
    pub elapsed: Duration,
    /// 0 for the first delivery, n for the n-th retry.
    pub retry_attempt: u32,
}

/// Result of [`FakeSlack::send_event_with_lost_ack`]: the bot saw the event twice.
#[derive(Clone, Debug)]
pub struct Redelivery {
    /// The ack of the first delivery, which the fake treated as lost.
    pub first: Ack,
    /// The ack of the retry (`retry_attempt` 1, `retry_reason` `timeout`).
    pub retry: Ack,
}

/// Why a Socket Mode operation or a wait did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FakeError {
    /// No Socket Mode connection was open within the connect timeout.
    NotConnected,
    /// The envelope was delivered but not acknowledged in time.
    AckTimeout { envelope_id: String, after: Duration },
    /// The socket closed before the ack, and Slack does not retry this kind of envelope
    /// (only `events_api` envelopes are retried).
    ConnectionLost { envelope_id: String },
    /// A `wait_*` helper gave up.
    Timeout(String),
    /// The fake is shutting down.
    ShutDown,
}

impl fmt::Display for FakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FakeError::NotConnected => write!(f, "no Socket Mode connection is open"),
            FakeError::AckTimeout { envelope_id, after } => {
                write!(f, "envelope {envelope_id} was not acknowledged within {after:?}")
            }
            FakeError::ConnectionLost { envelope_id } => {
                write!(f, "the socket closed before envelope {envelope_id} was acknowledged")
            }
            FakeError::Timeout(what) => write!(f, "timed out waiting for {what}"),
            FakeError::ShutDown => write!(f, "the fake Slack is shutting down"),
        }
    }
}

impl std::error::Error for FakeError {}

// ---------------------------------------------------------------------------------------------
// Inputs for the payloads the fake sends
// ---------------------------------------------------------------------------------------------

/// A slash command typed by a user. Defaults: user `U0001`, channel `C0001`.
#[derive(Clone, Debug)]
pub struct SlashCommand {
    pub command: String,
    pub text: String,
    pub user_id: String,
    pub channel_id: String,
}

impl SlashCommand {
    pub fn new(command: &str, text: &str) -> Self {
        SlashCommand {
            command: command.to_string(),
            text: text.to_string(),
            user_id: "U0001".to_string(),
            channel_id: "C0001".to_string(),
        }
    }
    pub fn by(mut self, user_id: &str) -> Self {
        self.user_id = user_id.to_string();
        self
    }
    pub fn in_channel(mut self, channel_id: &str) -> Self {
        self.channel_id = channel_id.to_string();
        self
    }
}

/// A button click (`block_actions`). Without [`BlockAction::on_message`] it clicks the most recent
/// message the bot posted (or a synthetic one in `C0001` if there is none).
#[derive(Clone, Debug)]
pub struct BlockAction {
    pub action_id: String,
    pub value: String,
    /// `None`: taken from the message's blocks when the button is there, else `actions`.
    pub block_id: Option<String>,
    pub user_id: String,
    /// `(channel, message_ts)`.
    pub message: Option<(String, String)>,
}

impl BlockAction {
    pub fn button(action_id: &str, value: &str) -> Self {
        BlockAction {
            action_id: action_id.to_string(),
            value: value.to_string(),
            block_id: None,
            user_id: "U0001".to_string(),
            message: None,
        }
    }
    pub fn by(mut self, user_id: &str) -> Self {
        self.user_id = user_id.to_string();
        self
    }
    pub fn on_message(mut self, channel: &str, ts: &str) -> Self {
        self.message = Some((channel.to_string(), ts.to_string()));
        self
    }
    pub fn block_id(mut self, block_id: &str) -> Self {
        self.block_id = Some(block_id.to_string());
        self
    }
}

// ---------------------------------------------------------------------------------------------
// The fake
// ---------------------------------------------------------------------------------------------

/// The running fake. Serves until dropped.
pub struct FakeSlack {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        // The signal closes idle keep-alive connections and aborts the sockets; aborting the
        // accept loop stops new connections at once.
        let _ = self.shared.shutdown.send(true);
        self.server.abort();
    }
}

impl FakeSlack {
    /// Starts with [`Workspace::default`].
    pub async fn start() -> FakeSlack {
        Self::start_with(Workspace::default()).await
    }

    /// Binds `127.0.0.1:0` and serves `workspace`.
    pub async fn start_with(workspace: Workspace) -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("fake Slack: cannot bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake Slack: no local address");
        let (changed, _) = watch::channel(0u64);
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            inner: Mutex::new(Inner::new(workspace)),
            changed,
            shutdown,
        });
        let app = Router::new()
            .route("/api/{method}", any(api_handler))
            .route("/upload/v1/{ticket}", post(upload_handler))
            .route("/response/{id}", post(response_url_handler))
            .route("/link", get(socket_handler))
            .route("/link/", get(socket_handler))
            .fallback(|| async { (StatusCode::NOT_FOUND, "not found") })
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(shared.clone());
        let stop = shared.shutdown.subscribe();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).with_graceful_shutdown(stopped(stop)).await;
        });
        FakeSlack { shared, addr, server }
    }

    // --- addresses and identity ---------------------------------------------------------------

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }
    /// `http://127.0.0.1:PORT/api` — meridian's `[slack] api_base` and slack-morphism's
    /// `with_slack_api_url`. No trailing slash: slack-morphism appends `/<method>` itself.
    pub fn api_base(&self) -> String {
        format!("{}/api", self.shared.base_url)
    }
    pub fn bot_token(&self) -> String {
        self.shared.lock().ws.bot_token.clone()
    }
    pub fn app_token(&self) -> String {
        self.shared.lock().ws.app_token.clone()
    }
    pub fn team_id(&self) -> String {
        self.shared.lock().ws.team_id.clone()
    }
    pub fn app_id(&self) -> String {
        self.shared.lock().ws.app_id.clone()
    }
    pub fn bot_user_id(&self) -> String {
        self.shared.lock().ws.bot_user_id.clone()
    }
    pub fn workspace(&self) -> Workspace {
        self.shared.lock().ws.clone()
    }

    // --- workspace changes ---------------------------------------------------------------------

    /// Adds or replaces (same id) a user.
    pub fn add_user(&self, user: User) {
        self.shared.update(|inner| {
            inner.ws.users.retain(|u| u.id != user.id);
            inner.ws.users.push(user);
        });
    }
    /// Adds or replaces (same id) a channel.
    pub fn add_channel(&self, channel: Channel) {
        self.shared.update(|inner| {
            inner.ws.channels.retain(|c| c.id != channel.id);
            inner.ws.channels.push(channel);
        });
    }
    /// Adds `user` to `channel`'s members and returns the `member_joined_channel` event Slack
    /// would send (pass it to [`FakeSlack::send_event`]).
    pub fn join_channel(&self, user: &str, channel: &str) -> Value {
        self.shared.update(|inner| {
            let team = inner.ws.team_id.clone();
            let ts = inner.clock.next();
            let (channel_type, inviter) = match inner.ws.channel_mut(channel) {
                Some(c) => {
                    if !c.members.iter().any(|m| m == user) {
                        c.members.push(user.to_string());
                    }
                    (if c.is_private { "G" } else { "C" }, None::<String>)
                }
                None => ("C", None),
            };
            let mut event = json!({
                "type": "member_joined_channel", "user": user, "channel": channel,
                "channel_type": channel_type, "team": team, "event_ts": ts,
            });
            if let Some(inviter) = inviter {
                event["inviter"] = json!(inviter);
            }
            event
        })
    }
    /// Removes `user` from `channel` and returns the `member_left_channel` event.
    pub fn leave_channel(&self, user: &str, channel: &str) -> Value {
        self.shared.update(|inner| {
            let team = inner.ws.team_id.clone();
            let ts = inner.clock.next();
            let channel_type = match inner.ws.channel_mut(channel) {
                Some(c) => {
                    c.members.retain(|m| m != user);
                    if c.is_private {
                        "G"
                    } else {
                        "C"
                    }
                }
                None => "C",
            };
            json!({
                "type": "member_left_channel", "user": user, "channel": channel,
                "channel_type": channel_type, "team": team, "event_ts": ts,
            })
        })
    }
    /// The `reaction_added` event for `user` reacting to the message `(channel, ts)`.
    pub fn reaction_added(&self, user: &str, reaction: &str, channel: &str, ts: &str) -> Value {
        self.reaction_event("reaction_added", user, reaction, channel, ts)
    }
    /// The `reaction_removed` event.
    pub fn reaction_removed(&self, user: &str, reaction: &str, channel: &str, ts: &str) -> Value {
        self.reaction_event("reaction_removed", user, reaction, channel, ts)
    }
    fn reaction_event(&self, kind: &str, user: &str, reaction: &str, channel: &str, ts: &str) -> Value {
        let mut inner = self.shared.lock();
        let event_ts = inner.clock.next();
        let item_user = inner
            .find_message(channel, ts)
            .and_then(|m| m.message.get("user").and_then(Value::as_str).map(str::to_string));
        let channel_type = inner.ws.channel(channel).map(channel_type_word).unwrap_or("channel");
        let mut event = json!({
            "type": kind, "user": user, "reaction": reaction,
            "item": {"type": "message", "channel": channel, "ts": ts, "channel_type": channel_type},
            "event_ts": event_ts,
        });
        if let Some(item_user) = item_user {
            event["item_user"] = json!(item_user);
        }
        event
    }

    // --- fault knobs ---------------------------------------------------------------------------

    /// The next call to `method` gets HTTP 429, `Retry-After: <secs>` and
    /// `{"ok":false,"error":"ratelimited"}`. Knobs queue per method, first armed first used.
    pub fn rate_limit_next(&self, method: &str, retry_after_secs: u64) {
        self.shared.update(|inner| {
            inner.faults.entry(method.to_string()).or_default().push_back(Fault::RateLimit(retry_after_secs));
        });
    }
    /// The next call to `method` answers `{"ok":false,"error":<error>}` (HTTP 200, as Slack does).
    pub fn fail_next(&self, method: &str, error: &str) {
        self.shared.update(|inner| {
            inner.faults.entry(method.to_string()).or_default().push_back(Fault::Error(error.to_string()));
        });
    }
    /// Every call to `method` is answered after `delay` (`Duration::ZERO` clears it).
    pub fn delay(&self, method: &str, delay: Duration) {
        self.shared.update(|inner| {
            if delay.is_zero() {
                inner.delays.remove(method);
            } else {
                inner.delays.insert(method.to_string(), delay);
            }
        });
    }
    /// How long a Socket Mode send waits for the ack (default 3 s, Slack's limit).
    pub fn set_ack_timeout(&self, timeout: Duration) {
        self.shared.update(|inner| inner.ack_timeout = timeout);
    }

    // --- records -------------------------------------------------------------------------------

    /// The parameters of every call to `method`, in arrival order.
    pub fn calls(&self, method: &str) -> Vec<Value> {
        self.shared.lock().calls.iter().filter(|c| c.method == method).map(|c| c.params.clone()).collect()
    }
    /// Every Web API call, in arrival order.
    pub fn api_calls(&self) -> Vec<ApiCall> {
        self.shared.lock().calls.clone()
    }
    /// The first call to `method` (already received or still to come) whose params satisfy
    /// `predicate`, or `Timeout` with the calls seen so far.
    pub async fn wait_for(
        &self,
        method: &str,
        predicate: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Result<Value, FakeError> {
        let found = self
            .shared
            .wait_until(timeout, |inner| {
                inner.calls.iter().find(|c| c.method == method && predicate(&c.params)).map(|c| c.params.clone())
            })
            .await;
        found.ok_or_else(|| {
            let seen: Vec<String> =
                self.shared.lock().calls.iter().map(|c| format!("{} {}", c.method, c.params)).collect();
            FakeError::Timeout(format!("a matching {method} call; calls so far: {seen:?}"))
        })
    }
    /// POSTs to `response_url`s, in arrival order.
    pub fn responses(&self) -> Vec<ResponsePost> {
        self.shared.lock().responses.clone()
    }
    /// The first `response_url` POST whose body satisfies `predicate`.
    pub async fn wait_for_response(
        &self,
        predicate: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Result<ResponsePost, FakeError> {
        self.shared
            .wait_until(timeout, |inner| inner.responses.iter().find(|r| predicate(&r.body)).cloned())
            .await
            .ok_or_else(|| FakeError::Timeout("a matching response_url POST".into()))
    }
    /// Bytes POSTed to upload URLs, in arrival order.
    pub fn uploads(&self) -> Vec<Upload> {
        self.shared.lock().uploads.clone()
    }
    /// Messages the bot posted (including deleted and ephemeral ones), oldest first.
    pub fn messages(&self) -> Vec<StoredMessage> {
        self.shared.lock().messages.clone()
    }
    /// The current (possibly updated) message at `(channel, ts)`, unless deleted.
    pub fn message(&self, channel: &str, ts: &str) -> Option<Value> {
        self.shared.lock().find_message(channel, ts).map(|m| m.message.clone())
    }
    /// Every frame the client sent over Socket Mode (acks and anything else), as JSON.
    pub fn client_frames(&self) -> Vec<Value> {
        self.shared.lock().client_frames.clone()
    }

    // --- Socket Mode ---------------------------------------------------------------------------

    /// Waits (up to 10 s) until the `n`-th Socket Mode connection since start has received its
    /// `hello`.
    pub async fn wait_connected(&self, n: usize) -> Result<(), FakeError> {
        self.shared
            .wait_until(DEFAULT_CONNECT_TIMEOUT, |inner| (inner.connections_opened >= n).then_some(()))
            .await
            .ok_or_else(|| FakeError::Timeout(format!("Socket Mode connection #{n}")))
    }
    /// Connections opened since start.
    pub fn connections_opened(&self) -> usize {
        self.shared.lock().connections_opened
    }
    /// Connections open now.
    pub fn open_connections(&self) -> usize {
        self.shared.lock().conns.iter().filter(|c| c.ready).count()
    }

    /// Builds the slash-command payload Slack sends (with a fresh `response_url` on the fake).
    pub fn slash_command_payload(&self, cmd: &SlashCommand) -> Value {
        let base = self.shared.base_url.clone();
        let mut inner = self.shared.lock();
        let response_url = inner.new_response_url(&base);
        let trigger_id = inner.trigger_id();
        let ws = &inner.ws;
        let user_name = ws.user(&cmd.user_id).map(|u| u.name.clone()).unwrap_or_else(|| cmd.user_id.clone());
        let channel_name = match ws.channel(&cmd.channel_id) {
            Some(c) if c.is_im => "directmessage".to_string(),
            Some(c) => c.name.clone(),
            None => "unknown".to_string(),
        };
        json!({
            "token": VERIFICATION_TOKEN,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": cmd.channel_id,
            "channel_name": channel_name,
            "user_id": cmd.user_id,
            "user_name": user_name,
            "command": cmd.command,
            "text": cmd.text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        })
    }

    /// Builds the `block_actions` payload Slack sends for a button click.
    pub fn block_actions_payload(&self, action: &BlockAction) -> Value {
        let base = self.shared.base_url.clone();
        let mut inner = self.shared.lock();
        let response_url = inner.new_response_url(&base);
        let trigger_id = inner.trigger_id();
        let action_ts = inner.clock.next();
        let target = match &action.message {
            Some((channel, ts)) => inner
                .messages
                .iter()
                .rev()
                .find(|m| &m.channel == channel && &m.ts == ts)
                .cloned()
                .map(Ok)
                .unwrap_or_else(|| Err((channel.clone(), ts.clone()))),
            None => inner
                .messages
                .iter()
                .rev()
                .find(|m| !m.deleted && m.ephemeral_to.is_none())
                .cloned()
                .map(Ok)
                .unwrap_or_else(|| Err(("C0001".to_string(), "1600000000.000100".to_string()))),
        };
        let (channel, message_ts, stored) = match target {
            Ok(m) => (m.channel.clone(), m.ts.clone(), Some(m)),
            Err((c, t)) => (c, t, None),
        };
        let ws = &inner.ws;
        let user_name = ws.user(&action.user_id).map(|u| u.name.clone()).unwrap_or_else(|| action.user_id.clone());
        let channel_name = ws.channel(&channel).map(|c| c.name.clone()).unwrap_or_else(|| "unknown".into());
        let is_ephemeral = stored.as_ref().is_some_and(|m| m.ephemeral_to.is_some());
        let block_id = action
            .block_id
            .clone()
            .or_else(|| stored.as_ref().and_then(|m| block_id_of_action(&m.message, &action.action_id)))
            .unwrap_or_else(|| "actions".to_string());
        let mut payload = json!({
            "type": "block_actions",
            "user": {"id": action.user_id, "username": user_name, "name": user_name, "team_id": ws.team_id},
            "api_app_id": ws.app_id,
            "token": VERIFICATION_TOKEN,
            "container": {
                "type": "message", "message_ts": message_ts, "channel_id": channel,
                "is_ephemeral": is_ephemeral,
            },
            "trigger_id": trigger_id,
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": {"id": channel, "name": channel_name},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [{
                "action_id": action.action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": action.value, "emoji": true},
                "value": action.value,
                "type": "button",
                "action_ts": action_ts,
            }],
        });
        // Slack omits `message` for clicks on ephemeral messages.
        if !is_ephemeral {
            payload["message"] = match stored {
                Some(m) => m.message,
                None => json!({
                    "type": "message", "user": ws.bot_user_id, "bot_id": ws.bot_id,
                    "text": "", "ts": message_ts, "team": ws.team_id,
                }),
            };
        }
        payload
    }

    /// Wraps an event in the Events API `event_callback` envelope Slack sends.
    pub fn event_callback(&self, event: Value) -> Value {
        let mut inner = self.shared.lock();
        inner.seq += 1;
        let event_id = format!("Ev{:08}", inner.seq);
        let ws = &inner.ws;
        let event_type = event.get("type").and_then(Value::as_str).unwrap_or("event").to_string();
        let channel = event
            .get("channel")
            .and_then(Value::as_str)
            .or_else(|| event.pointer("/item/channel").and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        json!({
            "token": VERIFICATION_TOKEN,
            "team_id": ws.team_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": unix_secs(),
            "authorizations": [{
                "enterprise_id": null, "team_id": ws.team_id, "user_id": ws.bot_user_id,
                "is_bot": true, "is_enterprise_install": false,
            }],
            "is_ext_shared_channel": false,
            "event_context": format!("4-{event_type}-{}-{channel}", ws.team_id),
        })
    }

    /// Sends a `slash_commands` envelope and waits for its ack (whose payload is the response).
    pub async fn send_slash_command(&self, cmd: &SlashCommand) -> Result<Ack, FakeError> {
        let payload = self.slash_command_payload(cmd);
        self.send_envelope("slash_commands", payload, true).await
    }
    /// Sends an `interactive` envelope with a `block_actions` payload and waits for its ack.
    pub async fn send_block_action(&self, action: &BlockAction) -> Result<Ack, FakeError> {
        let payload = self.block_actions_payload(action);
        self.send_envelope("interactive", payload, false).await
    }
    /// Wraps `event` (e.g. from [`FakeSlack::reaction_added`]) in an `event_callback`, sends it
    /// as an `events_api` envelope and waits for its ack.
    pub async fn send_event(&self, event: Value) -> Result<Ack, FakeError> {
        let payload = self.event_callback(event);
        self.send_envelope("events_api", payload, false).await
    }
    /// Sends any envelope (`kind`: `events_api`, `interactive`, `slash_commands`) to the newest
    /// open connection and waits for the ack. `events_api` envelopes whose socket drops before the
    /// ack are re-sent on the next connection with `retry_attempt`/`retry_reason`, as Slack does;
    /// other kinds fail with `ConnectionLost`. A plain ack timeout is not retried.
    pub async fn send_envelope(
        &self,
        kind: &str,
        payload: Value,
        accepts_response_payload: bool,
    ) -> Result<Ack, FakeError> {
        let (id, rx) = self.deliver_new(kind, payload, accepts_response_payload, false).await?;
        self.await_ack(&id, rx.ack).await
    }
    /// Delivers `event`, waits for the bot's ack, treats that ack as lost in transit, drops the
    /// socket and waits for the ack of the redelivery Slack makes after the client reconnects.
    /// The bot has then seen the same `event_id` twice.
    pub async fn send_event_with_lost_ack(&self, event: Value) -> Result<Redelivery, FakeError> {
        let payload = self.event_callback(event);
        let (id, rx) = self.deliver_new("events_api", payload, false, true).await?;
        let timeout = self.shared.lock().ack_timeout;
        let first = match rx.lost {
            Some(lost) => match tokio::time::timeout(timeout, lost).await {
                Ok(Ok(ack)) => ack,
                Ok(Err(_)) => return Err(FakeError::ShutDown),
                Err(_) => {
                    self.shared.update(|inner| inner.pending.remove(&id));
                    return Err(FakeError::AckTimeout { envelope_id: id, after: timeout });
                }
            },
            None => return Err(FakeError::ShutDown),
        };
        let conn = self.shared.lock().pending.get(&id).map(|p| p.conn_id);
        if let Some(conn) = conn {
            self.shared.command(conn, ConnCommand::Abort);
        }
        let retry = self.await_ack(&id, rx.ack).await?;
        Ok(Redelivery { first, retry })
    }
    /// Sends Slack's `{"type":"disconnect","reason":<reason>,…}` on the newest open connection
    /// (`refresh_requested`, `warning`, `link_disabled`, …). The client is expected to reconnect.
    pub async fn disconnect(&self, reason: &str) -> Result<(), FakeError> {
        let conn = self.shared.wait_for_connection().await?;
        let frame = json!({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake-1"}});
        self.shared.command(conn, ConnCommand::Text(frame.to_string()));
        Ok(())
    }
    /// Closes the newest open connection's TCP stream without a WebSocket close frame.
    pub async fn drop_socket(&self) -> Result<(), FakeError> {
        let conn = self.shared.newest_open_conn().ok_or(FakeError::NotConnected)?;
        self.shared.command(conn, ConnCommand::Abort);
        Ok(())
    }

    async fn deliver_new(
        &self,
        kind: &str,
        payload: Value,
        accepts_response_payload: bool,
        lose_first_ack: bool,
    ) -> Result<(String, AckReceivers), FakeError> {
        let conn = self.shared.wait_for_connection().await?;
        let (ack_tx, ack_rx) = oneshot::channel();
        let (lost_tx, lost_rx) = if lose_first_ack {
            let (tx, rx) = oneshot::channel();
            (Some(tx), Some(rx))
        } else {
            (None, None)
        };
        let id = envelope_id();
        let pending = Pending {
            kind: kind.to_string(),
            payload,
            accepts_response_payload,
            conn_id: conn,
            attempts: 1,
            delivered_at: Instant::now(),
            dropped_at: None,
            ack_tx: Some(ack_tx),
            lost_tx,
        };
        let frame = pending.frame(&id);
        self.shared.update(|inner| {
            inner.pending.insert(id.clone(), pending);
        });
        self.shared.command(conn, ConnCommand::Text(frame));
        Ok((id, AckReceivers { ack: ack_rx, lost: lost_rx }))
    }

    /// Waits for the ack of any delivery of `id`. The deadline follows the latest delivery: the ack
    /// timeout after it, or the connect timeout after a drop while a redelivery is due.
    async fn await_ack(&self, id: &str, mut rx: oneshot::Receiver<Result<Ack, FakeError>>) -> Result<Ack, FakeError> {
        loop {
            let deadline = self.shared.lock().ack_deadline(id);
            let Some(deadline) = deadline else {
                // Settled under the lock: the outcome is in the channel.
                return rx.await.unwrap_or(Err(FakeError::ShutDown));
            };
            if let Ok(outcome) = tokio::time::timeout_at(deadline.into(), &mut rx).await {
                return outcome.unwrap_or(Err(FakeError::ShutDown));
            }
            // The deadline may have moved (a redelivery) while we slept; give up only if it has not.
            let mut inner = self.shared.lock();
            if inner.ack_deadline(id).is_some_and(|d| d <= Instant::now()) {
                let ack_timeout = inner.ack_timeout;
                let redelivery_due = inner.pending.remove(id).is_some_and(|p| p.dropped_at.is_some());
                // A drop with no reconnection in time is a connection problem, not a slow bot.
                return Err(if redelivery_due {
                    FakeError::NotConnected
                } else {
                    FakeError::AckTimeout { envelope_id: id.to_string(), after: ack_timeout }
                });
            }
        }
    }
}

struct AckReceivers {
    ack: oneshot::Receiver<Result<Ack, FakeError>>,
    lost: Option<oneshot::Receiver<Ack>>,
}

// ---------------------------------------------------------------------------------------------
// Shared state
// ---------------------------------------------------------------------------------------------

struct Shared {
    base_url: String,
    inner: Mutex<Inner>,
    /// Bumped on every state change; waiters re-check on it.
    changed: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
}

enum Fault {
    RateLimit(u64),
    Error(String),
}

struct FileRecord {
    filename: String,
    length: u64,
    title: Option<String>,
}

struct Conn {
    id: usize,
    tx: mpsc::UnboundedSender<ConnCommand>,
    /// Hello sent; envelopes may be delivered.
    ready: bool,
}

enum ConnCommand {
    Text(String),
    /// Drop the TCP stream without a close frame.
    Abort,
}

/// A delivered envelope awaiting its ack.
struct Pending {
    kind: String,
    payload: Value,
    accepts_response_payload: bool,
    conn_id: usize,
    /// Deliveries so far (1 = first).
    attempts: u32,
    delivered_at: Instant,
    /// Set when the socket closed before the ack and a redelivery is due.
    dropped_at: Option<Instant>,
    ack_tx: Option<oneshot::Sender<Result<Ack, FakeError>>>,
    /// When set, the next ack is reported here and otherwise ignored (lost in transit).
    lost_tx: Option<oneshot::Sender<Ack>>,
}

impl Pending {
    /// The envelope as Slack frames it; only `events_api` envelopes carry retry fields.
    fn frame(&self, envelope_id: &str) -> String {
        let mut frame = json!({
            "envelope_id": envelope_id,
            "payload": self.payload,
            "type": self.kind,
            "accepts_response_payload": self.accepts_response_payload,
        });
        if self.kind == "events_api" {
            frame["retry_attempt"] = json!(self.attempts - 1);
            frame["retry_reason"] = json!(if self.attempts > 1 { "timeout" } else { "" });
        }
        frame.to_string()
    }
}

struct Inner {
    ws: Workspace,
    clock: TsClock,
    seq: u64,
    calls: Vec<ApiCall>,
    faults: HashMap<String, VecDeque<Fault>>,
    delays: HashMap<String, Duration>,
    messages: Vec<StoredMessage>,
    dms: HashMap<String, String>,
    response_ids: HashSet<String>,
    responses: Vec<ResponsePost>,
    files: HashMap<String, FileRecord>,
    upload_tickets: HashMap<String, String>,
    uploads: Vec<Upload>,
    socket_tickets: HashSet<String>,
    conns: Vec<Conn>,
    connections_opened: usize,
    pending: HashMap<String, Pending>,
    client_frames: Vec<Value>,
    ack_timeout: Duration,
}

impl Inner {
    fn new(ws: Workspace) -> Self {
        Inner {
            ws,
            clock: TsClock::default(),
            seq: 0,
            calls: Vec::new(),
            faults: HashMap::new(),
            delays: HashMap::new(),
            messages: Vec::new(),
            dms: HashMap::new(),
            response_ids: HashSet::new(),
            responses: Vec::new(),
            files: HashMap::new(),
            upload_tickets: HashMap::new(),
            uploads: Vec::new(),
            socket_tickets: HashSet::new(),
            conns: Vec::new(),
            connections_opened: 0,
            pending: HashMap::new(),
            client_frames: Vec::new(),
            ack_timeout: DEFAULT_ACK_TIMEOUT,
        }
    }
    fn next_id(&mut self, prefix: &str) -> String {
        self.seq += 1;
        format!("{prefix}{:010}", self.seq)
    }
    fn new_response_url(&mut self, base: &str) -> String {
        self.seq += 1;
        let id = format!("{}-{}-{:016x}", self.ws.team_id, self.seq, rand::thread_rng().gen::<u64>());
        self.response_ids.insert(id.clone());
        format!("{base}/response/{id}")
    }
    fn trigger_id(&mut self) -> String {
        self.seq += 1;
        format!("{}.{}.{:032x}", unix_secs(), self.seq, rand::thread_rng().gen::<u128>())
    }
    /// When the wait for `id`'s ack ends, or `None` once it is settled.
    fn ack_deadline(&self, id: &str) -> Option<Instant> {
        let pending = self.pending.get(id)?;
        Some(match pending.dropped_at {
            Some(dropped) => dropped + DEFAULT_CONNECT_TIMEOUT,
            None => pending.delivered_at + self.ack_timeout,
        })
    }
    fn find_message(&self, channel: &str, ts: &str) -> Option<&StoredMessage> {
        self.messages.iter().find(|m| m.channel == channel && m.ts == ts && !m.deleted)
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A test thread that panicked while holding the lock must not wedge the server.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
    /// Runs `f` under the lock and wakes waiters.
    fn update<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let out = f(&mut self.lock());
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        out
    }
    async fn wait_until<T>(&self, timeout: Duration, mut check: impl FnMut(&Inner) -> Option<T>) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.changed.subscribe();
        loop {
            if let Some(found) = check(&self.lock()) {
                return Some(found);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => return check(&self.lock()),
            }
        }
    }
    fn newest_open_conn(&self) -> Option<usize> {
        self.lock().conns.iter().rev().find(|c| c.ready).map(|c| c.id)
    }
    async fn wait_for_connection(&self) -> Result<usize, FakeError> {
        self.wait_until(DEFAULT_CONNECT_TIMEOUT, |inner| inner.conns.iter().rev().find(|c| c.ready).map(|c| c.id))
            .await
            .ok_or(FakeError::NotConnected)
    }
    fn command(&self, conn: usize, command: ConnCommand) {
        if let Some(c) = self.lock().conns.iter().find(|c| c.id == conn) {
            let _ = c.tx.send(command);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Web API
// ---------------------------------------------------------------------------------------------

/// What a method handler produced.
enum Answer {
    Ok(Value),
    Err(String),
    RateLimited(u64),
}

async fn api_handler(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    http_method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let params = parse_params(&http_method, content_type.as_deref(), query.as_deref(), &body);
    let bearer = bearer_token(&headers);
    // Slack takes the token from the header or a POST parameter (never from a query string).
    let body_token = if http_method == Method::POST { params.get("token").and_then(Value::as_str) } else { None };
    let token = bearer.clone().or_else(|| body_token.map(str::to_string));
    let received_at = Instant::now();

    let delay = shared.lock().delays.get(&method).copied();
    if let Some(delay) = delay {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stopped(shared.shutdown.subscribe()) => {}
        }
    }

    // Answer and record in one step, so a test that sees the call also sees its effects.
    let (status, body, retry_after) = shared.update(|inner| {
        let answer = answer(inner, &shared.base_url, &method, &params, bearer.as_deref(), token.as_deref());
        let (status, body, retry_after) = match answer {
            Answer::Ok(value) => {
                let mut object = Map::new();
                object.insert("ok".into(), Value::Bool(true));
                if let Value::Object(fields) = value {
                    object.extend(fields);
                }
                (StatusCode::OK, Value::Object(object), None)
            }
            Answer::Err(error) => {
                let mut body = json!({"ok": false, "error": error});
                if error == "unknown_method" {
                    body["req_method"] = json!(method);
                }
                (StatusCode::OK, body, None)
            }
            Answer::RateLimited(secs) => {
                (StatusCode::TOO_MANY_REQUESTS, json!({"ok": false, "error": "ratelimited"}), Some(secs))
            }
        };
        inner.calls.push(ApiCall {
            method: method.clone(),
            received_at,
            http_method: http_method.to_string(),
            content_type: content_type.clone(),
            params: params.clone(),
            token: token_kind(token.as_deref()),
            status: status.as_u16(),
            response: body.clone(),
        });
        (status, body, retry_after)
    });
    let mut response = json_response(status, &body);
    if let Some(secs) = retry_after {
        if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

/// Methods that take the bot token; anything else but `apps.connections.open`/`api.test` is
/// `unknown_method`.
const BOT_METHODS: &[&str] = &[
    "auth.test",
    "chat.postMessage",
    "chat.update",
    "chat.postEphemeral",
    "chat.delete",
    "users.info",
    "conversations.members",
    "conversations.info",
    "conversations.open",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
];

fn answer(
    inner: &mut Inner,
    base: &str,
    method: &str,
    params: &Value,
    bearer: Option<&str>,
    token: Option<&str>,
) -> Answer {
    let known = BOT_METHODS.contains(&method) || method == "apps.connections.open" || method == "api.test";
    if !known {
        return Answer::Err("unknown_method".into());
    }
    if let Some(fault) = inner.faults.get_mut(method).and_then(VecDeque::pop_front) {
        return match fault {
            Fault::RateLimit(secs) => Answer::RateLimited(secs),
            Fault::Error(error) => Answer::Err(error),
        };
    }
    if method == "api.test" {
        return Answer::Ok(json!({"args": params}));
    }
    // apps.connections.open only reads the header; the other methods also take a POST `token`.
    let presented = if method == "apps.connections.open" { bearer } else { token };
    let expected = if method == "apps.connections.open" { &inner.ws.app_token } else { &inner.ws.bot_token };
    match presented {
        None => return Answer::Err("not_authed".into()),
        Some(t) if t == expected => {}
        Some(t) if t == inner.ws.app_token || t == inner.ws.bot_token => {
            return Answer::Err("not_allowed_token_type".into())
        }
        Some(_) => return Answer::Err("invalid_auth".into()),
    }
    let result = match method {
        "auth.test" => Ok(auth_test(inner)),
        "apps.connections.open" => Ok(connections_open(inner, base)),
        "chat.postMessage" => post_message(inner, params),
        "chat.update" => update_message(inner, params),
        "chat.postEphemeral" => post_ephemeral(inner, params),
        "chat.delete" => delete_message(inner, params),
        "users.info" => users_info(inner, params),
        "conversations.members" => conversations_members(inner, params),
        "conversations.info" => conversations_info(inner, params),
        "conversations.open" => conversations_open(inner, params),
        "files.getUploadURLExternal" => get_upload_url(inner, base, params),
        "files.completeUploadExternal" => complete_upload(inner, params),
        _ => Err("unknown_method".to_string()),
    };
    match result {
        Ok(value) => Answer::Ok(value),
        Err(error) => Answer::Err(error),
    }
}

fn auth_test(inner: &Inner) -> Value {
    let ws = &inner.ws;
    json!({
        "url": format!("https://{}.slack.com/", ws.team_domain),
        "team": ws.team_name,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": false,
    })
}

fn connections_open(inner: &mut Inner, base: &str) -> Value {
    let ticket = format!("{:032x}", rand::thread_rng().gen::<u128>());
    inner.socket_tickets.insert(ticket.clone());
    let ws_base = base.replacen("http://", "ws://", 1);
    json!({"url": format!("{ws_base}/link/?ticket={ticket}&app_id={}", inner.ws.app_id)})
}

/// A channel id, `#name`, or a user id (which Slack resolves to the DM with the bot).
fn resolve_channel(inner: &mut Inner, target: &str) -> Result<String, String> {
    if let Some(name) = target.strip_prefix('#') {
        return inner
            .ws
            .channels
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id.clone())
            .ok_or_else(|| "channel_not_found".into());
    }
    if inner.ws.channel(target).is_some() {
        return Ok(target.to_string());
    }
    if inner.ws.user(target).is_some() {
        return Ok(open_dm(inner, target).0);
    }
    Err("channel_not_found".into())
}

/// Returns the DM channel id with `user` and whether it already existed.
fn open_dm(inner: &mut Inner, user: &str) -> (String, bool) {
    if let Some(id) = inner.dms.get(user) {
        return (id.clone(), true);
    }
    let id = inner.next_id("D");
    let bot = inner.ws.bot_user_id.clone();
    let mut channel = Channel::new(&id, user).members([user.to_string(), bot]);
    channel.is_im = true;
    channel.is_private = true;
    channel.created = unix_secs();
    inner.ws.channels.push(channel);
    inner.dms.insert(user.to_string(), id.clone());
    (id, false)
}

fn bot_is_member(inner: &Inner, channel: &str) -> bool {
    inner.ws.channel(channel).is_some_and(|c| c.members.contains(&inner.ws.bot_user_id))
}

/// The content fields of a message request; `no_text` / `invalid_blocks` as Slack answers.
fn message_content(params: &Value, require: bool) -> Result<Map<String, Value>, String> {
    let mut content = Map::new();
    if let Some(text) = param_string(params, "text") {
        content.insert("text".into(), json!(text));
    }
    for key in ["blocks", "attachments"] {
        match params.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                content.insert(key.into(), Value::Array(items.clone()));
            }
            Some(Value::String(s)) if s.is_empty() => {}
            Some(_) => return Err(format!("invalid_{key}")),
        }
    }
    if let Some(metadata) = params.get("metadata").filter(|m| m.is_object()) {
        content.insert("metadata".into(), metadata.clone());
    }
    if require
        && content.get("text").is_none()
        && content.get("blocks").is_none()
        && content.get("attachments").is_none()
    {
        return Err("no_text".into());
    }
    Ok(content)
}

fn post_message(inner: &mut Inner, params: &Value) -> Result<Value, String> {
    let target = param_string(params, "channel").ok_or("channel_not_found")?;
    let channel = resolve_channel(inner, &target)?;
    if !bot_is_member(inner, &channel) {
        return Err("not_in_channel".into());
    }
    let content = message_content(params, true)?;
    let ts = inner.clock.next();
    let ws = &inner.ws;
    let mut message = json!({
        "type": "message", "text": "", "user": ws.bot_user_id, "bot_id": ws.bot_id,
        "app_id": ws.app_id, "team": ws.team_id, "ts": ts,
        "bot_profile": {"id": ws.bot_id, "app_id": ws.app_id, "name": ws.bot_name, "deleted": false, "team_id": ws.team_id},
    });
    merge(&mut message, content);
    if let Some(thread_ts) = param_string(params, "thread_ts") {
        message["thread_ts"] = json!(thread_ts);
    }
    inner.messages.push(StoredMessage {
        channel: channel.clone(),
        ts: ts.clone(),
        message: message.clone(),
        ephemeral_to: None,
        deleted: false,
    });
    Ok(json!({"channel": channel, "ts": ts, "message": message}))
}

fn update_message(inner: &mut Inner, params: &Value) -> Result<Value, String> {
    let channel = param_string(params, "channel").ok_or("channel_not_found")?;
    if inner.ws.channel(&channel).is_none() {
        return Err("channel_not_found".into());
    }
    let ts = param_string(params, "ts").ok_or("message_not_found")?;
    let content = message_content(params, true)?;
    let edited_ts = inner.clock.next();
    let bot = inner.ws.bot_user_id.clone();
    let stored = inner
        .messages
        .iter_mut()
        .find(|m| m.channel == channel && m.ts == ts && !m.deleted && m.ephemeral_to.is_none())
        .ok_or("message_not_found")?;
    // Slack keeps fields the update leaves out (blocks, attachments).
    merge(&mut stored.message, content);
    stored.message["edited"] = json!({"user": bot, "ts": edited_ts});
    let mut message = stored.message.clone();
    if let Some(object) = message.as_object_mut() {
        for key in ["ts", "type", "team", "app_id", "bot_profile", "thread_ts"] {
            object.remove(key);
        }
    }
    let text = stored.message.get("text").cloned().unwrap_or(json!(""));
    Ok(json!({"channel": channel, "ts": ts, "text": text, "message": message}))
}

fn post_ephemeral(inner: &mut Inner, params: &Value) -> Result<Value, String> {
    let target = param_string(params, "channel").ok_or("channel_not_found")?;
    let user = param_string(params, "user").ok_or("user_not_found")?;
    if inner.ws.user(&user).is_none() {
        return Err("user_not_found".into());
    }
    let channel = resolve_channel(inner, &target)?;
    if !bot_is_member(inner, &channel) {
        return Err("not_in_channel".into());
    }
    if !inner.ws.channel(&channel).is_some_and(|c| c.members.contains(&user)) {
        return Err("user_not_in_channel".into());
    }
    let content = message_content(params, true)?;
    let ts = inner.clock.next();
    let mut message =
        json!({"type": "message", "text": "", "user": inner.ws.bot_user_id, "bot_id": inner.ws.bot_id, "ts": ts});
    merge(&mut message, content);
    inner.messages.push(StoredMessage { channel, ts: ts.clone(), message, ephemeral_to: Some(user), deleted: false });
    Ok(json!({"message_ts": ts}))
}

fn delete_message(inner: &mut Inner, params: &Value) -> Result<Value, String> {
    let channel = param_string(params, "channel").ok_or("channel_not_found")?;
    if inner.ws.channel(&channel).is_none() {
        return Err("channel_not_found".into());
    }
    let ts = param_string(params, "ts").ok_or("message_not_found")?;
    let stored = inner
        .messages
        .iter_mut()
        .find(|m| m.channel == channel && m.ts == ts && !m.deleted && m.ephemeral_to.is_none())
        .ok_or("message_not_found")?;
    stored.deleted = true;
    Ok(json!({"channel": channel, "ts": ts}))
}

fn users_info(inner: &Inner, params: &Value) -> Result<Value, String> {
    let id = param_string(params, "user").ok_or("user_not_found")?;
    let user = inner.ws.user(&id).ok_or("user_not_found")?;
    Ok(json!({"user": user_json(&inner.ws, user)}))
}

fn user_json(ws: &Workspace, u: &User) -> Value {
    let mut profile = json!({
        "title": "", "phone": "", "skype": "",
        "real_name": u.real_name, "real_name_normalized": u.real_name,
        "display_name": u.display_name, "display_name_normalized": u.display_name,
        "status_text": "", "status_emoji": "", "status_expiration": 0,
        "avatar_hash": "g000000000000", "first_name": u.real_name.split(' ').next().unwrap_or(""),
        "team": ws.team_id,
    });
    if u.is_bot && u.id == ws.bot_user_id {
        profile["bot_id"] = json!(ws.bot_id);
        profile["api_app_id"] = json!(ws.app_id);
        profile["always_active"] = json!(false);
    }
    json!({
        "id": u.id, "team_id": ws.team_id, "name": u.name, "deleted": u.deleted, "color": "9f69e7",
        "real_name": u.real_name, "tz": u.tz, "tz_label": u.tz_label, "tz_offset": u.tz_offset,
        "profile": profile,
        "is_admin": u.is_admin, "is_owner": u.is_owner, "is_primary_owner": u.is_owner,
        "is_restricted": false, "is_ultra_restricted": false, "is_bot": u.is_bot, "is_app_user": false,
        "updated": 1_700_000_000, "is_email_confirmed": !u.is_bot, "who_can_share_contact_card": "EVERYONE",
    })
}

fn conversations_members(inner: &Inner, params: &Value) -> Result<Value, String> {
    let id = param_string(params, "channel").ok_or("channel_not_found")?;
    let channel = inner.ws.channel(&id).ok_or("channel_not_found")?;
    let limit = param_u64(params, "limit").filter(|l| *l > 0).unwrap_or(100).min(1000) as usize;
    // Cursors are opaque to clients; Slack's are base64 of `user:<next member id>`.
    let start = match param_string(params, "cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(cursor) => {
            let decoded = base64_decode(&cursor).and_then(|b| String::from_utf8(b).ok()).ok_or("invalid_cursor")?;
            let next = decoded.strip_prefix("user:").ok_or("invalid_cursor")?;
            channel.members.iter().position(|m| m == next).ok_or("invalid_cursor")?
        }
    };
    let end = (start + limit).min(channel.members.len());
    let page = &channel.members[start..end];
    let next_cursor =
        channel.members.get(end).map(|next| base64_encode(format!("user:{next}").as_bytes())).unwrap_or_default();
    Ok(json!({"members": page, "response_metadata": {"next_cursor": next_cursor}}))
}

fn conversations_info(inner: &Inner, params: &Value) -> Result<Value, String> {
    let id = param_string(params, "channel").ok_or("channel_not_found")?;
    let channel = inner.ws.channel(&id).ok_or("channel_not_found")?;
    let mut info = channel_json(&inner.ws, channel);
    if param_bool(params, "include_num_members") && !channel.is_im {
        info["num_members"] = json!(channel.members.len());
    }
    Ok(json!({"channel": info}))
}

fn channel_type_word(c: &Channel) -> &'static str {
    match (c.is_im, c.is_private) {
        (true, _) => "im",
        (false, true) => "group",
        (false, false) => "channel",
    }
}

fn channel_json(ws: &Workspace, c: &Channel) -> Value {
    if c.is_im {
        let user = c.members.iter().find(|m| **m != ws.bot_user_id).cloned().unwrap_or_default();
        return json!({
            "id": c.id, "created": c.created, "is_im": true, "is_org_shared": false,
            "context_team_id": ws.team_id, "updated": c.created * 1000, "user": user,
            "last_read": "0000000000.000000", "latest": null, "unread_count": 0,
            "unread_count_display": 0, "is_open": true, "priority": 0,
        });
    }
    let empty_detail = json!({"value": "", "creator": "", "last_set": 0});
    json!({
        "id": c.id, "name": c.name, "name_normalized": c.name,
        "is_channel": !c.is_private, "is_group": false, "is_im": false, "is_mpim": false,
        "is_private": c.is_private, "created": c.created, "creator": c.members.first().cloned().unwrap_or_default(),
        "is_archived": false, "is_general": c.name == "general", "unlinked": 0,
        "is_shared": false, "is_org_shared": false, "is_ext_shared": false, "is_pending_ext_shared": false,
        "pending_shared": [], "context_team_id": ws.team_id, "shared_team_ids": [ws.team_id],
        "updated": c.created * 1000, "parent_conversation": null,
        "is_member": c.members.contains(&ws.bot_user_id),
        "topic": empty_detail, "purpose": empty_detail, "previous_names": [],
    })
}

fn conversations_open(inner: &mut Inner, params: &Value) -> Result<Value, String> {
    let return_im = param_bool(params, "return_im");
    let users = param_list(params, "users");
    let (id, already_open) = if let Some(channel) = param_string(params, "channel").filter(|_| users.is_empty()) {
        match inner.ws.channel(&channel) {
            Some(c) if c.is_im => (c.id.clone(), true),
            _ => return Err("channel_not_found".into()),
        }
    } else {
        match users.as_slice() {
            [] => return Err("users_list_not_supplied".into()),
            [user] => {
                if inner.ws.user(user).is_none() {
                    return Err("user_not_found".into());
                }
                open_dm(inner, user)
            }
            many => {
                if many.iter().any(|u| inner.ws.user(u).is_none()) {
                    return Err("user_not_found".into());
                }
                let id = inner.next_id("G");
                let mut members = many.to_vec();
                members.push(inner.ws.bot_user_id.clone());
                let mut channel = Channel::new(&id, &format!("mpdm-{}", many.join("--"))).members(members).private();
                channel.created = unix_secs();
                inner.ws.channels.push(channel);
                (id, false)
            }
        }
    };
    let channel = if return_im {
        inner.ws.channel(&id).map(|c| channel_json(&inner.ws, c)).unwrap_or_else(|| json!({"id": id}))
    } else {
        json!({"id": id})
    };
    let mut out = json!({"channel": channel});
    if already_open {
        out["no_op"] = json!(true);
        out["already_open"] = json!(true);
    }
    Ok(out)
}

fn get_upload_url(inner: &mut Inner, base: &str, params: &Value) -> Result<Value, String> {
    let filename = param_string(params, "filename").filter(|f| !f.is_empty()).ok_or("invalid_arguments")?;
    let length = param_u64(params, "length").ok_or("invalid_arguments")?;
    let file_id = inner.next_id("F");
    let ticket = format!("{:032x}", rand::thread_rng().gen::<u128>());
    inner.upload_tickets.insert(ticket.clone(), file_id.clone());
    inner.files.insert(file_id.clone(), FileRecord { filename, length, title: None });
    Ok(json!({"upload_url": format!("{base}/upload/v1/{ticket}"), "file_id": file_id}))
}

fn complete_upload(inner: &mut Inner, params: &Value) -> Result<Value, String> {
    let files = params.get("files").and_then(Value::as_array).filter(|f| !f.is_empty()).ok_or("invalid_arguments")?;
    let mut targets: Vec<String> = Vec::new();
    if let Some(channel) = param_string(params, "channel_id") {
        targets.push(channel);
    }
    targets.extend(param_list(params, "channels"));
    for target in &targets {
        let channel = resolve_channel(inner, target)?;
        if !bot_is_member(inner, &channel) {
            return Err("not_in_channel".into());
        }
    }
    let mut out = Vec::new();
    for file in files {
        let id = file.get("id").and_then(Value::as_str).ok_or("invalid_arguments")?;
        let record = inner.files.get_mut(id).ok_or("file_not_found")?;
        if let Some(title) = file.get("title").and_then(Value::as_str) {
            record.title = Some(title.to_string());
        }
        // Slack's documented success response: just the ids and titles.
        out.push(json!({"id": id, "title": record.title.clone().unwrap_or_else(|| record.filename.clone())}));
    }
    Ok(json!({"files": out}))
}

// ---------------------------------------------------------------------------------------------
// Upload URLs and response_urls
// ---------------------------------------------------------------------------------------------

async fn upload_handler(
    State(shared): State<Arc<Shared>>,
    Path(ticket): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
    let recorded = shared.update(|inner| {
        let file_id = inner.upload_tickets.get(&ticket)?.clone();
        let record = inner.files.get(&file_id)?;
        let multipart =
            content_type.as_deref().is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"));
        let (filename, bytes) =
            match multipart.then(|| multipart_file(content_type.as_deref().unwrap_or(""), &body)).flatten() {
                Some((name, bytes)) => (name.unwrap_or_else(|| record.filename.clone()), bytes),
                None => (record.filename.clone(), body.to_vec()),
            };
        let len = bytes.len();
        inner.uploads.push(Upload {
            file_id,
            filename,
            declared_length: record.length,
            bytes,
            content_type: content_type.clone(),
            multipart,
        });
        Some(len)
    });
    match recorded {
        // Slack's upload endpoint answers in plain text.
        Some(len) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("OK - {len}"))
            .into_response(),
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

async fn response_url_handler(State(shared): State<Arc<Shared>>, Path(id): Path<String>, body: Bytes) -> Response {
    let known = shared.lock().response_ids.contains(&id);
    if !known {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let Ok(parsed) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    };
    shared.update(|inner| inner.responses.push(ResponsePost { id, received_at: Instant::now(), body: parsed }));
    json_response(StatusCode::OK, &json!({"ok": true}))
}

// ---------------------------------------------------------------------------------------------
// Socket Mode
// ---------------------------------------------------------------------------------------------

async fn socket_handler(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ticket = form_decode(query.as_deref().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "ticket")
        .map(|(_, v)| v)
        .unwrap_or_default();
    // Tickets from apps.connections.open are single-use, like Slack's.
    if !shared.update(|inner| inner.socket_tickets.remove(&ticket)) {
        return (StatusCode::UNAUTHORIZED, "invalid ticket").into_response();
    }
    upgrade.on_upgrade(move |socket| run_socket(socket, shared))
}

async fn run_socket(mut socket: WebSocket, shared: Arc<Shared>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (conn_id, hello) = shared.update(|inner| {
        // Never reused, so a command meant for a closed connection cannot reach a new one.
        inner.seq += 1;
        let id = inner.seq as usize;
        inner.conns.push(Conn { id, tx, ready: false });
        let open = inner.conns.iter().filter(|c| c.ready).count() + 1;
        let hello = json!({
            "type": "hello",
            "num_connections": open,
            "debug_info": {"host": "applink-fake-1", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": inner.ws.app_id},
        });
        (id, hello)
    });
    if socket.send(WsMessage::text(hello.to_string())).await.is_ok() {
        shared.update(|inner| {
            if let Some(c) = inner.conns.iter_mut().find(|c| c.id == conn_id) {
                c.ready = true;
            }
            inner.connections_opened += 1;
            redeliver(inner, conn_id);
        });
        let mut stop = std::pin::pin!(stopped(shared.shutdown.subscribe()));
        loop {
            tokio::select! {
                _ = &mut stop => break,
                command = rx.recv() => match command {
                    Some(ConnCommand::Text(text)) => {
                        if socket.send(WsMessage::text(text)).await.is_err() {
                            break;
                        }
                    }
                    Some(ConnCommand::Abort) | None => break,
                },
                incoming = socket.recv() => match incoming {
                    Some(Ok(WsMessage::Text(text))) => on_client_frame(&shared, text.as_str()),
                    Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {} // pings are answered by the WebSocket layer
                },
            }
        }
    }
    // Dropping the socket closes the TCP stream (without a close frame when aborting).
    drop(socket);
    shared.update(|inner| on_conn_closed(inner, conn_id));
}

fn on_client_frame(shared: &Shared, text: &str) {
    let frame: Value = serde_json::from_str(text).unwrap_or_else(|_| json!({"unparsed": text}));
    shared.update(|inner| {
        let envelope_id = frame.get("envelope_id").and_then(Value::as_str).map(str::to_string);
        let payload = frame.get("payload").filter(|p| !p.is_null()).cloned();
        inner.client_frames.push(frame);
        let Some(id) = envelope_id else { return };
        let Some(pending) = inner.pending.get_mut(&id) else { return };
        let ack = Ack {
            envelope_id: id.clone(),
            payload,
            elapsed: pending.delivered_at.elapsed(),
            retry_attempt: pending.attempts - 1,
        };
        if let Some(lost) = pending.lost_tx.take() {
            let _ = lost.send(ack);
            return;
        }
        if let Some(pending) = inner.pending.remove(&id) {
            if let Some(tx) = pending.ack_tx {
                let _ = tx.send(Ok(ack));
            }
        }
    });
}

fn on_conn_closed(inner: &mut Inner, conn_id: usize) {
    inner.conns.retain(|c| c.id != conn_id);
    let now = Instant::now();
    let mut lost = Vec::new();
    for (id, pending) in inner.pending.iter_mut().filter(|(_, p)| p.conn_id == conn_id && p.dropped_at.is_none()) {
        if pending.kind == "events_api" && pending.attempts < MAX_EVENT_ATTEMPTS {
            pending.dropped_at = Some(now);
        } else {
            lost.push(id.clone());
        }
    }
    for id in lost {
        if let Some(tx) = inner.pending.remove(&id).and_then(|p| p.ack_tx) {
            let _ = tx.send(Err(FakeError::ConnectionLost { envelope_id: id }));
        }
    }
    if let Some(other) = inner.conns.iter().rev().find(|c| c.ready).map(|c| c.id) {
        redeliver(inner, other);
    }
}

/// Re-sends, on `conn_id`, every envelope whose socket dropped before its ack.
fn redeliver(inner: &mut Inner, conn_id: usize) {
    let Some(tx) = inner.conns.iter().find(|c| c.id == conn_id && c.ready).map(|c| c.tx.clone()) else { return };
    for (id, pending) in inner.pending.iter_mut().filter(|(_, p)| p.dropped_at.is_some()) {
        pending.attempts += 1;
        pending.conn_id = conn_id;
        pending.delivered_at = Instant::now();
        pending.dropped_at = None;
        let _ = tx.send(ConnCommand::Text(pending.frame(id)));
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP mode: request signing and the bodies Slack POSTs
// ---------------------------------------------------------------------------------------------

/// Slack's request signature: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` keyed with the
/// signing secret.
pub fn sign(signing_secret: &str, timestamp: i64, body: impl AsRef<[u8]>) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body.as_ref());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// A request as Slack POSTs it to an HTTP-mode endpoint: body, content type and signature headers.
#[derive(Clone, Debug)]
pub struct SignedRequest {
    pub body: String,
    pub content_type: &'static str,
    pub timestamp: i64,
    pub signature: String,
    /// `(X-Slack-Retry-Num, X-Slack-Retry-Reason)` for Events API retries.
    pub retry: Option<(u32, String)>,
}

impl SignedRequest {
    /// Signs `body` now.
    pub fn new(signing_secret: &str, body: String, content_type: &'static str) -> Self {
        let timestamp = unix_secs();
        let signature = sign(signing_secret, timestamp, &body);
        SignedRequest { body, content_type, timestamp, signature, retry: None }
    }
    /// A slash command: the payload's fields, form-urlencoded in the order Slack sends them.
    pub fn slash_command(signing_secret: &str, payload: &Value) -> Self {
        const ORDER: &[&str] = &[
            "token",
            "team_id",
            "team_domain",
            "channel_id",
            "channel_name",
            "user_id",
            "user_name",
            "command",
            "text",
            "api_app_id",
            "is_enterprise_install",
            "response_url",
            "trigger_id",
        ];
        let field =
            |key: &str| payload.get(key).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
        let mut pairs: Vec<(String, String)> =
            ORDER.iter().filter_map(|key| field(key).map(|value| (key.to_string(), value))).collect();
        if let Some(object) = payload.as_object() {
            for key in object.keys().filter(|key| !ORDER.contains(&key.as_str())) {
                pairs.extend(field(key).map(|value| (key.clone(), value)));
            }
        }
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Self::new(signing_secret, form_encode(&borrowed), "application/x-www-form-urlencoded")
    }
    /// An interactive payload: one form field, `payload=<json>`.
    pub fn interactive(signing_secret: &str, payload: &Value) -> Self {
        let body = form_encode(&[("payload", payload.to_string().as_str())]);
        Self::new(signing_secret, body, "application/x-www-form-urlencoded")
    }
    /// An Events API request: the `event_callback` JSON as the body.
    pub fn event(signing_secret: &str, event_callback: &Value) -> Self {
        Self::new(signing_secret, event_callback.to_string(), "application/json")
    }
    /// The `url_verification` challenge Slack sends when the Request URL is saved.
    pub fn url_verification(signing_secret: &str, challenge: &str) -> Self {
        let body = json!({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"});
        Self::event(signing_secret, &body)
    }
    /// Re-signs with another timestamp (e.g. a stale one, to test replay rejection).
    pub fn at(mut self, signing_secret: &str, timestamp: i64) -> Self {
        self.timestamp = timestamp;
        self.signature = sign(signing_secret, timestamp, &self.body);
        self
    }
    /// Marks an Events API request as Slack's `num`-th retry (`reason`: `http_timeout`, …).
    pub fn retry(mut self, num: u32, reason: &str) -> Self {
        self.retry = Some((num, reason.to_string()));
        self
    }
    /// The headers Slack sends with it.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = vec![
            ("content-type", self.content_type.to_string()),
            ("x-slack-request-timestamp", self.timestamp.to_string()),
            ("x-slack-signature", self.signature.clone()),
        ];
        if let Some((num, reason)) = &self.retry {
            headers.push(("x-slack-retry-num", num.to_string()));
            headers.push(("x-slack-retry-reason", reason.clone()));
        }
        headers
    }
}

/// `application/x-www-form-urlencoded`, as browsers and Slack encode it (space as `+`).
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// Resolves once the fake is dropped.
async fn stopped(mut shutdown: watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|s| *s).await;
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body.to_string()).into_response()
}

fn unix_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Slack-style message timestamps: `<unix secs>.<6 digits>`, unique and increasing.
#[derive(Default)]
struct TsClock {
    secs: i64,
    micros: u32,
}

impl TsClock {
    fn next(&mut self) -> String {
        let now = unix_secs();
        if now > self.secs {
            self.secs = now;
            self.micros = 0;
        }
        self.micros += 100;
        if self.micros >= 1_000_000 {
            self.secs += 1;
            self.micros = 100;
        }
        format!("{}.{:06}", self.secs, self.micros)
    }
}

fn envelope_id() -> String {
    let hex = format!("{:032x}", rand::thread_rng().gen::<u128>());
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_string()).filter(|t| !t.is_empty())
}

fn token_kind(token: Option<&str>) -> TokenKind {
    match token {
        None => TokenKind::Missing,
        Some(t) if t.starts_with("xoxb-") => TokenKind::Bot,
        Some(t) if t.starts_with("xapp-") => TokenKind::App,
        Some(t) if t.starts_with("xoxp-") => TokenKind::User,
        Some(_) => TokenKind::Other,
    }
}

/// Keys whose form values are JSON text (Slack: "a JSON-based array …, presented as a URL-encoded
/// string"); parsed so records look the same whatever the encoding.
const JSON_VALUED_KEYS: &[&str] = &["blocks", "attachments", "files", "metadata"];

fn parse_params(method: &Method, content_type: Option<&str>, query: Option<&str>, body: &[u8]) -> Value {
    let mut params = Map::new();
    for (k, v) in form_decode(query.unwrap_or("")) {
        params.insert(k, Value::String(v));
    }
    if *method == Method::POST && !body.is_empty() {
        let content_type = content_type.unwrap_or("").to_ascii_lowercase();
        if content_type.starts_with("application/json") {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(fields)) => params.extend(fields),
                Ok(other) => {
                    params.insert("_body".into(), other);
                }
                Err(_) => {
                    params.insert("_body".into(), Value::String(String::from_utf8_lossy(body).into_owned()));
                }
            }
        } else {
            for (k, v) in form_decode(&String::from_utf8_lossy(body)) {
                params.insert(k, Value::String(v));
            }
        }
    }
    for key in JSON_VALUED_KEYS {
        if let Some(Value::String(text)) = params.get(*key) {
            if let Ok(parsed) = serde_json::from_str::<Value>(text) {
                params.insert((*key).to_string(), parsed);
            }
        }
    }
    Value::Object(params)
}

fn param_string(params: &Value, key: &str) -> Option<String> {
    match params.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A list parameter: Slack documents comma-separated strings; JSON clients (slack-morphism's
/// `conversations.open`) also send arrays.
fn param_list(params: &Value, key: &str) -> Vec<String> {
    let items: Vec<String> = match params.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect(),
        Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
        _ => Vec::new(),
    };
    items.into_iter().map(|i| i.trim().to_string()).filter(|i| !i.is_empty()).collect()
}

fn param_u64(params: &Value, key: &str) -> Option<u64> {
    match params.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn param_bool(params: &Value, key: &str) -> bool {
    match params.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        Some(Value::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    }
}

fn merge(target: &mut Value, fields: Map<String, Value>) {
    if let Some(object) = target.as_object_mut() {
        object.extend(fields);
    }
}

/// The `block_id` of the block holding the element with `action_id`, if the message has one.
fn block_id_of_action(message: &Value, action_id: &str) -> Option<String> {
    message.get("blocks")?.as_array()?.iter().find_map(|block| {
        let holds = |e: &Value| e.get("action_id").and_then(Value::as_str) == Some(action_id);
        let in_elements = block.get("elements").and_then(Value::as_array).is_some_and(|es| es.iter().any(holds));
        let in_accessory = block.get("accessory").is_some_and(holds);
        (in_elements || in_accessory)
            .then(|| block.get("block_id").and_then(Value::as_str).unwrap_or("actions").to_string())
    })
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for byte in s.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn form_decode(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(decoded) => {
                        out.push(decoded);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let value = BASE64.iter().position(|b| *b == c)? as u32;
        buffer = buffer << 6 | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits & 0xff) as u8);
        }
    }
    Some(out)
}

/// The file part of a `multipart/form-data` body: the part with a `filename`, else the one named
/// `file`, else the first. Returns `(filename, bytes)`.
fn multipart_file(content_type: &str, body: &[u8]) -> Option<(Option<String>, Vec<u8>)> {
    let boundary = content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .next()?
        .trim_matches('"')
        .to_string();
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    let mut position = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        if body[position..].starts_with(b"--") {
            break;
        }
        let start = position + if body[position..].starts_with(b"\r\n") { 2 } else { 0 };
        let next = find(body, &delimiter, start)?;
        let part = &body[start..next];
        let header_end = find(part, b"\r\n\r\n", 0)?;
        let headers = String::from_utf8_lossy(&part[..header_end]).into_owned();
        let mut content = &part[header_end + 4..];
        if content.ends_with(b"\r\n") {
            content = &content[..content.len() - 2];
        }
        parts.push((headers, content.to_vec()));
        position = next + delimiter.len();
        if position >= body.len() {
            break;
        }
    }
    let attribute = |headers: &str, name: &str| -> Option<String> {
        let marker = format!("{name}=\"");
        let start = headers.find(&marker)? + marker.len();
        let end = headers[start..].find('"')? + start;
        Some(headers[start..end].to_string())
    };
    let chosen = parts
        .iter()
        .find(|(h, _)| attribute(h, "filename").is_some())
        .or_else(|| parts.iter().find(|(h, _)| attribute(h, "name").as_deref() == Some("file")))
        .or_else(|| parts.first())?;
    Some((attribute(&chosen.0, "filename"), chosen.1.clone()))
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}
