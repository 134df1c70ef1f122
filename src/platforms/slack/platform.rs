//! One Slack workspace as a [`ChatPlatform`]: the Web API calls behind every delivery
//! (`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `conversations.open`, the
//! external file upload, `response_url` POSTs) and the lookups (`conversations.members`,
//! `users.info`, `conversations.info`), each failure reported as what Slack answered. No
//! call is retried here: the delivery layer above waits out rate limits and retries.

use super::blocks;
use super::errors::platform_error;
use super::members::Directory;
use crate::chat::{
    Attachment, Capabilities, ChannelRef, ChatPlatform, FileRef, Message, MessageRef, PlatformError, PlatformKind,
    ReplyTarget, UserInfo, UserRef,
};
use crate::config::Secret;
use async_trait::async_trait;
use futures::StreamExt;
use serde_json::{json, Value};
use slack_morphism::prelude::*;
use slack_morphism::SlackClientApiCallContext;

/// The `event_type` of the metadata a ledger post carries: `{"key": "<ledger key>"}`.
pub const POST_METADATA: &str = "meridian_post";
use std::sync::Arc;
use std::time::Duration;

/// The HTTP client slack-morphism runs on: rustls, and plain `http://` too (a test fake).
pub type Connector = SlackClientHyperHttpsConnector;
pub type Client = SlackClient<Connector>;

const SLACK: PlatformKind = PlatformKind::Slack;
/// `conversations.members` page size (Slack allows up to 1,000; it suggests 200 or less).
const MEMBERS_PAGE: u32 = 200;
/// Profiles looked up at once while filtering bots out of a member list.
const LOOKUPS_AT_ONCE: usize = 4;

/// A Web API client for the Web API base `api_base` (e.g. `https://slack.com/api`; any
/// trailing slash is dropped, since slack-morphism appends `/method` itself).
pub fn client(api_base: &str) -> Result<Client, PlatformError> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| PlatformError::Unavailable { platform: SLACK, reason: format!("no TLS root certificates: {e}") })?
        .https_or_http()
        .enable_http1()
        .build();
    // Without rate control slack-morphism hands a 429 back at once, with its Retry-After,
    // which is what the delivery layer needs.
    Ok(SlackClient::new(Connector::from(https).with_slack_api_url(api_base.trim_end_matches('/'))))
}

/// Who the bot token belongs to, from `auth.test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub team_id: String,
    pub team_name: String,
    pub bot_user_id: String,
}

/// One workspace (team), reached with its bot token.
pub struct SlackPlatform {
    client: Arc<Client>,
    token: SlackApiToken,
    identity: Identity,
    directory: Directory,
}

impl std::fmt::Debug for SlackPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("SlackPlatform").field("identity", &self.identity).finish_non_exhaustive()
    }
}

impl SlackPlatform {
    /// Checks the bot token with `auth.test` and learns the workspace it belongs to.
    pub async fn connect(client: Arc<Client>, bot_token: &Secret) -> Result<SlackPlatform, PlatformError> {
        let token = SlackApiToken::new(SlackApiTokenValue(bot_token.expose().to_string()));
        let mut platform = SlackPlatform {
            client,
            token,
            identity: Identity { team_id: String::new(), team_name: String::new(), bot_user_id: String::new() },
            directory: Directory::default(),
        };
        let auth = platform.get("auth.test", &[], "the bot token").await?;
        let text = |key: &str| auth[key].as_str().unwrap_or_default().to_string();
        platform.identity =
            Identity { team_id: text("team_id"), team_name: text("team"), bot_user_id: text("user_id") };
        if platform.identity.team_id.is_empty() {
            return Err(PlatformError::Rejected { platform: SLACK, reason: "auth.test named no team".into() });
        }
        Ok(platform)
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn client(&self) -> &Arc<Client> {
        &self.client
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// What the workspace grants a person: managers are its admins and owners.
    pub async fn capabilities(&self, user_id: &str) -> Result<(String, Capabilities), PlatformError> {
        let info = self.user_info(user_id).await?;
        let manager = info.as_ref().is_some_and(|u| u.is_admin || u.is_owner);
        let name = info.map(|u| u.display_name).unwrap_or_else(|| user_id.to_string());
        Ok((name, Capabilities { manager, hr: false }))
    }

    /// `users.info`, remembered for an hour. `None`: Slack knows no such person.
    pub async fn user_info(&self, user_id: &str) -> Result<Option<UserInfo>, PlatformError> {
        if let Some(info) = self.directory.user(user_id) {
            return Ok(Some(info));
        }
        let answer = match self.get("users.info", &[("user", user_id)], &format!("user {user_id}")).await {
            Ok(answer) => answer,
            Err(PlatformError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let info = user_from(&answer["user"]);
        self.directory.remember_user(user_id, info.clone());
        Ok(Some(info))
    }

    /// The channel's name, from `conversations.info` when Slack's payload did not say it.
    pub async fn channel_name(&self, channel_id: &str) -> String {
        if let Some(name) = self.directory.channel_name(channel_id) {
            return name;
        }
        match self.get("conversations.info", &[("channel", channel_id)], &format!("channel {channel_id}")).await {
            Ok(answer) => {
                let name = answer["channel"]["name"].as_str().unwrap_or(channel_id).to_string();
                self.directory.remember_channel_name(channel_id, &name);
                name
            }
            Err(e) => {
                tracing::debug!(channel = channel_id, error = %e, "channel name unknown");
                channel_id.to_string()
            }
        }
    }

    /// Someone joined or left `channel`: its member list is read again when next needed.
    pub fn membership_changed(&self, channel_id: &str) {
        self.directory.forget_members(channel_id);
    }

    /// `chat.postMessage`, with the ledger key as metadata when there is one.
    async fn post_message(
        &self,
        channel: &ChannelRef,
        message: &Message,
        key: Option<&str>,
    ) -> Result<MessageRef, PlatformError> {
        let mut body = blocks::content(message);
        body["channel"] = json!(channel.id);
        body["unfurl_links"] = json!(false);
        if let Some(key) = key {
            body["metadata"] = json!({"event_type": POST_METADATA, "event_payload": {"key": key}});
        }
        let answer = self.post_json("chat.postMessage", &body, &format!("channel {}", channel.id)).await?;
        message_ts(&answer)
    }

    /// A Web API method over POST with a JSON body.
    async fn post_json(&self, method: &str, body: &Value, what: &str) -> Result<Value, PlatformError> {
        let session = self.client.open_session(&self.token);
        session.http_session_api.http_post(method, body, None).await.map_err(|e| platform_error(e, what))
    }

    /// A Web API method over GET with query parameters (the read methods).
    async fn get(&self, method: &str, params: &[(&str, &str)], what: &str) -> Result<Value, PlatformError> {
        let session = self.client.open_session(&self.token);
        let params: Vec<(&str, Option<String>)> = params.iter().map(|(k, v)| (*k, Some(v.to_string()))).collect();
        session.http_session_api.http_get(method, &params, None).await.map_err(|e| platform_error(e, what))
    }

    /// The open direct-message channel with a person (`conversations.open`, remembered).
    async fn dm_channel(&self, user_id: &str) -> Result<String, PlatformError> {
        if let Some(channel) = self.directory.dm(user_id) {
            return Ok(channel);
        }
        let answer =
            self.post_json("conversations.open", &json!({"users": user_id}), &format!("user {user_id}")).await?;
        let channel = answer["channel"]["id"].as_str().unwrap_or_default().to_string();
        if channel.is_empty() {
            return Err(PlatformError::Rejected {
                platform: SLACK,
                reason: "conversations.open returned no channel".into(),
            });
        }
        self.directory.remember_dm(user_id, &channel);
        Ok(channel)
    }

    /// Every page of `conversations.members`.
    async fn all_members(&self, channel_id: &str) -> Result<Vec<String>, PlatformError> {
        let what = format!("channel {channel_id}");
        let limit = MEMBERS_PAGE.to_string();
        let mut members = Vec::new();
        let mut cursor = String::new();
        loop {
            let mut params = vec![("channel", channel_id), ("limit", limit.as_str())];
            if !cursor.is_empty() {
                params.push(("cursor", cursor.as_str()));
            }
            let page = self.get("conversations.members", &params, &what).await?;
            members
                .extend(page["members"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from));
            cursor = page["response_metadata"]["next_cursor"].as_str().unwrap_or_default().to_string();
            if cursor.is_empty() {
                return Ok(members);
            }
        }
    }

    /// POSTs a private answer to a `response_url`. No token goes with it: the URL is the
    /// credential, and Slack keeps it valid for 30 minutes and five answers.
    async fn respond(&self, response_url: &str, message: &Message) -> Result<(), PlatformError> {
        let url = SlackResponseUrl(response_url.parse().map_err(|_| PlatformError::Rejected {
            platform: SLACK,
            reason: "the reply target is not a response_url".into(),
        })?);
        let mut body = blocks::content(message);
        // Slack's webhook request type has no `response_type`; without it an answer to a
        // click could replace the pulse message itself.
        body["response_type"] = json!("ephemeral");
        body["replace_original"] = json!(false);
        let span = tracing::debug_span!("slack response_url");
        let context = SlackClientApiCallContext {
            rate_control_params: None,
            token: None,
            tracing_span: &span,
            // Keeps the URL (a credential) out of slack-morphism's debug log.
            is_sensitive_url: true,
        };
        let answer: Result<Value, _> = self.client.http_api.connector.http_post_uri(url.0, &body, context).await;
        answer.map(|_| ()).map_err(|e| platform_error(e, "the response_url"))
    }
}

/// `users.info`'s user as the core wants it.
fn user_from(user: &Value) -> UserInfo {
    let profile = &user["profile"];
    let first = |values: [&Value; 3]| {
        values.into_iter().filter_map(Value::as_str).map(str::trim).find(|s| !s.is_empty()).map(String::from)
    };
    let display_name = first([&profile["display_name"], &profile["real_name"], &user["real_name"]])
        .or_else(|| user["name"].as_str().map(String::from))
        .unwrap_or_default();
    let flag = |key: &str| user[key].as_bool().unwrap_or(false);
    UserInfo {
        display_name,
        timezone: user["tz"].as_str().and_then(|tz| tz.parse().ok()),
        is_admin: flag("is_admin"),
        is_owner: flag("is_owner") || flag("is_primary_owner"),
        is_bot: flag("is_bot") || flag("deleted") || user["id"].as_str() == Some("USLACKBOT"),
    }
}

fn message_ts(answer: &Value) -> Result<MessageRef, PlatformError> {
    match answer["ts"].as_str() {
        Some(ts) if !ts.is_empty() => Ok(MessageRef(ts.to_string())),
        _ => Err(PlatformError::Rejected { platform: SLACK, reason: "Slack returned no message ts".into() }),
    }
}

#[async_trait]
impl ChatPlatform for SlackPlatform {
    fn kind(&self) -> PlatformKind {
        SLACK
    }

    /// Slack asks for no more than one message a second in a channel, in bursts too.
    fn pacing(&self) -> Duration {
        Duration::from_secs(1)
    }

    async fn post(&self, channel: &ChannelRef, message: &Message) -> Result<MessageRef, PlatformError> {
        self.post_message(channel, message, None).await
    }

    /// Slack has no idempotency key; the ledger key travels as the message's metadata, so
    /// that a message in Slack tells which ledger post it is (an operator's
    /// `conversations.history` with `include_all_metadata`, or a test counting posts).
    async fn post_once(&self, channel: &ChannelRef, message: &Message, key: &str) -> Result<MessageRef, PlatformError> {
        self.post_message(channel, message, Some(key)).await
    }

    async fn update(
        &self,
        channel: &ChannelRef,
        message_ref: &MessageRef,
        message: &Message,
    ) -> Result<(), PlatformError> {
        let mut body = blocks::content(message);
        body["channel"] = json!(channel.id);
        body["ts"] = json!(message_ref.0);
        // An update without blocks would keep the old ones (and their buttons).
        if body.get("blocks").is_none() {
            body["blocks"] = json!([]);
        }
        self.post_json("chat.update", &body, &format!("message {} in {}", message_ref.0, channel.id)).await.map(|_| ())
    }

    async fn reply(&self, to: &ReplyTarget, message: &Message) -> Result<(), PlatformError> {
        if to.handle.is_empty() {
            // Nothing to answer through (an event no one waits on): say it in the channel.
            return self.ephemeral(&to.channel, &to.user_id, message).await;
        }
        match self.respond(&to.handle, message).await {
            // Slack keeps a response_url for 30 minutes and five answers; a later answer
            // still reaches the person, privately, in the channel.
            Err(PlatformError::NotFound { .. }) => self.ephemeral(&to.channel, &to.user_id, message).await,
            answered => answered,
        }
    }

    async fn ephemeral(&self, channel: &ChannelRef, user_id: &str, message: &Message) -> Result<(), PlatformError> {
        let mut body = blocks::content(message);
        body["channel"] = json!(channel.id);
        body["user"] = json!(user_id);
        let what = format!("user {user_id} in channel {}", channel.id);
        self.post_json("chat.postEphemeral", &body, &what).await.map(|_| ())
    }

    async fn direct(&self, user: &UserRef, message: &Message) -> Result<(), PlatformError> {
        let channel = self.dm_channel(&user.user_id).await?;
        let mut body = blocks::content(message);
        body["channel"] = json!(channel);
        self.post_json("chat.postMessage", &body, &format!("a direct message to {}", user.user_id)).await.map(|_| ())
    }

    /// Slack's external upload: ask for an upload URL, send the bytes there, complete the
    /// upload without sharing it anywhere; the message then shows it by id.
    async fn upload(&self, _channel: &ChannelRef, file: &Attachment) -> Result<Option<FileRef>, PlatformError> {
        let what = format!("file {}", file.name);
        let session = self.client.open_session(&self.token);
        let ticket = session
            .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                file.name.clone(),
                file.bytes.len(),
            ))
            .await
            .map_err(|e| platform_error(e, &what))?;
        session
            .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                ticket.upload_url,
                file.bytes.clone(),
                file.mime.clone(),
            ))
            .await
            .map_err(|e| platform_error(e, &what))?;
        let complete = SlackApiFilesComplete::new(ticket.file_id.clone()).with_title(file.name.clone());
        session
            .files_complete_upload_external(&SlackApiFilesCompleteUploadExternalRequest::new(vec![complete]))
            .await
            .map_err(|e| platform_error(e, &what))?;
        Ok(Some(FileRef::Uploaded { id: ticket.file_id.0, url: None }))
    }

    /// The channel's people, bots (meridian too) and deactivated accounts left out.
    async fn members(&self, channel: &ChannelRef) -> Result<Option<Vec<String>>, PlatformError> {
        if let Some(members) = self.directory.members(&channel.id) {
            return Ok(Some(members));
        }
        let everyone = self.all_members(&channel.id).await?;
        let candidates: Vec<String> = everyone.into_iter().filter(|m| *m != self.identity.bot_user_id).collect();
        let looked_up: Vec<(String, Result<Option<UserInfo>, PlatformError>)> = futures::stream::iter(candidates)
            .map(|id| async move {
                let info = self.user_info(&id).await;
                (id, info)
            })
            .buffered(LOOKUPS_AT_ONCE)
            .collect()
            .await;
        let mut people = Vec::new();
        for (id, info) in looked_up {
            match info? {
                Some(info) if info.is_bot => {}
                _ => people.push(id),
            }
        }
        self.directory.remember_members(&channel.id, people.clone());
        Ok(Some(people))
    }

    async fn user(&self, user: &UserRef) -> Result<Option<UserInfo>, PlatformError> {
        self.user_info(&user.user_id).await
    }

    /// Slack's file links (`url_private`) are read with the bot token (scope `files:read`);
    /// no other host is ever sent it.
    fn file_token(&self, url: &str) -> Option<String> {
        let host = url.strip_prefix("https://")?.split(['/', '?', '#']).next()?;
        (host == "files.slack.com").then(|| self.token.token_value.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_gives_the_name_people_use_their_zone_and_their_role() {
        let user = json!({
            "id": "U1", "name": "alice", "real_name": "Alice Rao", "tz": "Asia/Kolkata",
            "is_admin": true, "is_owner": false, "is_bot": false,
            "profile": {"display_name": "", "real_name": "Alice Rao"},
        });
        let info = user_from(&user);
        assert_eq!(info.display_name, "Alice Rao");
        assert_eq!(info.timezone, Some(chrono_tz::Asia::Kolkata));
        assert!(info.is_admin && !info.is_owner && !info.is_bot);
        let bot = user_from(&json!({"id": "B", "name": "meridian", "is_bot": true, "tz": "Nowhere/Else"}));
        assert_eq!((bot.display_name.as_str(), bot.timezone, bot.is_bot), ("meridian", None, true));
        assert!(user_from(&json!({"id": "U2", "deleted": true})).is_bot, "a deactivated account is no member");
    }
}
