//! Discord's REST API, the calls meridian makes, through serenity's HTTP client. Against
//! Discord itself serenity's rate limiter paces every call. With `[discord] api_base`
//! pointing elsewhere (a test server), serenity's proxy rewrites the address, but its rate
//! limiter would ignore the proxy, so it is off there: requests go out directly and a 429
//! comes back as [`PlatformError::RateLimited`] with Discord's `retry_after`, which the
//! delivery layer waits out. Either way nothing here retries: the delivery layer does.

use super::errors::{from_response, from_serenity, unavailable};
use super::render::Payload;
use crate::chat::PlatformError;
use crate::config::DISCORD_API_BASE;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use serenity::all::{
    ApplicationId, ChannelId, CreateAttachment, GuildId, Http, HttpBuilder, InteractionId, LightMethod, MessageId,
    Multipart, MultipartUpload, Request, Route, UserId,
};
use std::sync::Arc;
use std::time::Duration;

/// No Discord call may hang a delivery (or the acknowledgement) for ever.
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Rest {
    http: Arc<Http>,
    client: reqwest::Client,
    /// The test server's origin (`http://127.0.0.1:PORT`), when `api_base` is not Discord's.
    direct: Option<String>,
}

impl Rest {
    /// A client for `api_base` (see the module's header) with the bot `token`.
    pub fn new(api_base: &str, token: &str) -> anyhow::Result<Rest> {
        let client = reqwest::Client::builder().use_rustls_tls().timeout(TIMEOUT).build()?;
        // The configuration checked that a base of its own ends with /api/v10.
        let direct = (api_base != DISCORD_API_BASE).then(|| api_base.trim_end_matches("/api/v10").to_string());
        let http = build(token, &client, direct.as_deref());
        Ok(Rest { http: Arc::new(http), client, direct })
    }

    /// A serenity client for the gateway (it takes one of its own), set up as this one.
    pub fn gateway_http(&self) -> Http {
        build(self.http.token(), &self.client, self.direct.as_deref())
    }

    /// Sends one request; a failure comes back as the platform error it is.
    async fn send(&self, request: Request<'_>) -> Result<reqwest::Response, PlatformError> {
        let Some(origin) = &self.direct else {
            return self.http.request(request).await.map_err(from_serenity);
        };
        let built = request.build(&self.client, self.http.token(), Some(origin)).map_err(from_serenity)?;
        let response = built.send().await.map_err(|e| unavailable(&e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let header_wait =
            response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<f64>().ok());
        let body: Value = response.bytes().await.ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        let code = body["code"].as_i64().unwrap_or(0);
        let message = body["message"].as_str().unwrap_or("no message");
        Err(from_response(status, code, message, body["retry_after"].as_f64().or(header_wait)))
    }

    async fn json<T: DeserializeOwned>(&self, request: Request<'_>) -> Result<T, PlatformError> {
        let bytes = self.send(request).await?.bytes().await.map_err(|e| unavailable(&e))?;
        serde_json::from_slice(&bytes).map_err(|e| PlatformError::Unavailable {
            platform: crate::chat::PlatformKind::Discord,
            reason: format!("an answer meridian could not read: {e}"),
        })
    }

    async fn empty(&self, request: Request<'_>) -> Result<(), PlatformError> {
        self.send(request).await.map(drop)
    }

    // ---- the calls ----

    pub async fn current_user(&self) -> Result<Value, PlatformError> {
        self.json(Request::new(Route::UserMe, LightMethod::Get)).await
    }

    pub async fn current_application(&self) -> Result<Value, PlatformError> {
        self.json(Request::new(Route::Oauth2ApplicationCurrent, LightMethod::Get)).await
    }

    pub async fn gateway(&self) -> Result<Value, PlatformError> {
        self.json(Request::new(Route::Gateway, LightMethod::Get)).await
    }

    pub async fn create_message(&self, channel_id: ChannelId, payload: &Payload) -> Result<Value, PlatformError> {
        self.json(with_payload(Request::new(Route::ChannelMessages { channel_id }, LightMethod::Post), payload)).await
    }

    pub async fn edit_message(
        &self,
        channel_id: ChannelId,
        message_id: MessageId,
        payload: &Payload,
    ) -> Result<Value, PlatformError> {
        let route = Route::ChannelMessage { channel_id, message_id };
        self.json(with_payload(Request::new(route, LightMethod::Patch), payload)).await
    }

    /// Answers an interaction (`POST /interactions/{id}/{token}/callback`).
    pub async fn interaction_callback(
        &self,
        interaction_id: InteractionId,
        token: &str,
        response: &Payload,
    ) -> Result<(), PlatformError> {
        let route = Route::InteractionResponse { interaction_id, token };
        self.empty(with_payload(Request::new(route, LightMethod::Post), response)).await
    }

    pub async fn edit_original(
        &self,
        application_id: ApplicationId,
        token: &str,
        payload: &Payload,
    ) -> Result<(), PlatformError> {
        let route = Route::WebhookOriginalInteractionResponse { application_id, token };
        self.empty(with_payload(Request::new(route, LightMethod::Patch), payload)).await
    }

    pub async fn delete_original(&self, application_id: ApplicationId, token: &str) -> Result<(), PlatformError> {
        let route = Route::WebhookOriginalInteractionResponse { application_id, token };
        self.empty(Request::new(route, LightMethod::Delete)).await
    }

    pub async fn create_followup(
        &self,
        application_id: ApplicationId,
        token: &str,
        payload: &Payload,
    ) -> Result<(), PlatformError> {
        let route = Route::WebhookFollowupMessages { application_id, token };
        self.empty(with_payload(Request::new(route, LightMethod::Post), payload)).await
    }

    /// Opens (or finds) the DM channel with a person.
    pub async fn dm_channel(&self, user_id: UserId) -> Result<Value, PlatformError> {
        let body = json!({"recipient_id": user_id.to_string()});
        let request =
            Request::new(Route::UserMeDmChannels, LightMethod::Post).body(Some(body.to_string().into_bytes()));
        self.json(request).await
    }

    /// One page of a guild's members, after the member `after` (needs Server Members).
    pub async fn guild_members(&self, guild_id: GuildId, after: u64) -> Result<Vec<Value>, PlatformError> {
        let params = vec![("limit", "1000".to_string()), ("after", after.to_string())];
        self.json(Request::new(Route::GuildMembers { guild_id }, LightMethod::Get).params(Some(params))).await
    }

    pub async fn guild(&self, guild_id: GuildId) -> Result<Value, PlatformError> {
        self.json(Request::new(Route::Guild { guild_id }, LightMethod::Get)).await
    }

    pub async fn channel(&self, channel_id: ChannelId) -> Result<Value, PlatformError> {
        self.json(Request::new(Route::Channel { channel_id }, LightMethod::Get)).await
    }

    pub async fn user(&self, user_id: UserId) -> Result<Value, PlatformError> {
        self.json(Request::new(Route::User { user_id }, LightMethod::Get)).await
    }

    pub async fn member(&self, guild_id: GuildId, user_id: UserId) -> Result<Value, PlatformError> {
        self.json(Request::new(Route::GuildMember { guild_id, user_id }, LightMethod::Get)).await
    }

    /// Replaces the application's commands: in one guild, or globally.
    pub async fn overwrite_commands(
        &self,
        application_id: ApplicationId,
        guild_id: Option<GuildId>,
        commands: &Value,
    ) -> Result<Vec<Value>, PlatformError> {
        let route = match guild_id {
            Some(guild_id) => Route::GuildCommands { application_id, guild_id },
            None => Route::Commands { application_id },
        };
        self.json(Request::new(route, LightMethod::Put).body(Some(commands.to_string().into_bytes()))).await
    }
}

fn build(token: &str, client: &reqwest::Client, direct: Option<&str>) -> Http {
    let builder = HttpBuilder::new(token).client(client.clone());
    match direct {
        Some(origin) => builder.proxy(origin).ratelimiter_disabled(true).build(),
        None => builder.build(),
    }
}

/// A JSON body, or a multipart one (`files[0]` then `payload_json`) when files go with it.
/// One file per message: serenity numbers every file it is given `files[0]` (see
/// `render::message`, which keeps to that).
fn with_payload<'a>(request: Request<'a>, payload: &Payload) -> Request<'a> {
    match payload.files.first() {
        None => request.body(Some(payload.json.to_string().into_bytes())),
        Some(file) => request.multipart(Some(Multipart {
            upload: MultipartUpload::Attachments(vec![CreateAttachment::bytes(file.bytes.clone(), file.name.clone())]),
            fields: vec![],
            payload_json: Some(payload.json.to_string()),
        })),
    }
}
