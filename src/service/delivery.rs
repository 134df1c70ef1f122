//! The delivery layer between the core and the platforms: uploads a message's files first,
//! spaces bursts in one channel as the platform asks, waits out rate limits, retries
//! transient failures with backoff, and reports permanent ones at once. Whatever still fails
//! is returned, never dropped: a ledger post stays undelivered and the scheduler sends it
//! on its next run.

use crate::chat::{ChannelRef, MessageRef, Outgoing, PlatformError, PlatformKind, Platforms};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// How hard one delivery tries before handing the failure back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries for a transient failure, the first one included.
    pub attempts: u32,
    /// The wait after the first transient failure; it doubles after each further one.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// The most time spent waiting out rate limits for one delivery. Kept under the
    /// PostgreSQL claim lease (two minutes), so that another instance never takes over a
    /// post this one is still patiently waiting to send.
    pub max_rate_limit_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

/// A channel as the pacing knows it.
type ChannelKey = (PlatformKind, String, String);

pub struct Delivery {
    platforms: Platforms,
    policy: RetryPolicy,
    /// The earliest instant each channel may take its next message.
    next_turn: Mutex<HashMap<ChannelKey, Instant>>,
}

impl Delivery {
    pub fn new(platforms: Platforms, policy: RetryPolicy) -> Delivery {
        Delivery { platforms, policy, next_turn: Mutex::new(HashMap::new()) }
    }

    pub fn platforms(&self) -> &Platforms {
        &self.platforms
    }

    /// Carries out one delivery with uploads, pacing and retries; a new post returns its id.
    pub async fn send(&self, outgoing: &Outgoing) -> Result<Option<MessageRef>, PlatformError> {
        self.send_keyed(outgoing, None).await
    }

    /// [`Delivery::send`] of a delivery the ledger knows by `key`: a platform may use the key
    /// to keep a repeated post from appearing twice (see `ChatPlatform::post_once`).
    pub async fn send_keyed(
        &self,
        outgoing: &Outgoing,
        key: Option<&str>,
    ) -> Result<Option<MessageRef>, PlatformError> {
        let (kind, workspace) = outgoing.workspace();
        let _queued = crate::telemetry::metrics::Queued::enter();
        let is_post = matches!(outgoing, Outgoing::Post { .. });
        let sent = self.send_to(kind, workspace, outgoing, key).await;
        if is_post {
            match &sent {
                Ok(_) => crate::telemetry::metrics::post_sent(kind),
                Err(_) => crate::telemetry::metrics::post_failed(kind),
            }
        }
        sent
    }

    async fn send_to(
        &self,
        kind: PlatformKind,
        workspace: &str,
        outgoing: &Outgoing,
        key: Option<&str>,
    ) -> Result<Option<MessageRef>, PlatformError> {
        let platform = self.platforms.get(kind, workspace)?.clone();
        let mut outgoing = outgoing.clone();
        if let Some(channel) = outgoing.channel().cloned() {
            let files = outgoing.message().attachments.clone();
            for file in files {
                let uploaded = self.retrying(|| platform.upload(&channel, &file)).await?;
                if let Some(reference) = uploaded {
                    outgoing.message_mut().uploaded(&file.name, reference);
                }
            }
            if matches!(outgoing, Outgoing::Post { .. } | Outgoing::Ephemeral { .. }) {
                self.wait_turn(&channel, platform.pacing()).await;
            }
        }
        self.retrying(|| self.platforms.deliver_keyed(&outgoing, key)).await
    }

    /// The work after an acknowledgement is over (see `ChatPlatform::settle`).
    pub async fn settle(&self, to: &crate::chat::ReplyTarget, replied: bool) -> Result<(), PlatformError> {
        let platform = self.platforms.for_channel(&to.channel)?.clone();
        self.retrying(|| platform.settle(to, replied)).await
    }

    /// The token that reads a file shared on the channel's platform (see
    /// `ChatPlatform::file_token`).
    pub fn file_token(&self, channel: &ChannelRef, url: &str) -> Option<String> {
        self.platforms.for_channel(channel).ok()?.file_token(url)
    }

    /// The platform's member list of a channel (see `ChatPlatform::members`).
    pub async fn members(&self, channel: &ChannelRef) -> Result<Option<Vec<String>>, PlatformError> {
        let platform = self.platforms.for_channel(channel)?.clone();
        self.retrying(|| platform.members(channel)).await
    }

    /// What the platform knows of a person.
    pub async fn user(&self, user: &crate::chat::UserRef) -> Result<Option<crate::chat::UserInfo>, PlatformError> {
        let platform = self.platforms.get(user.platform, &user.workspace)?.clone();
        self.retrying(|| platform.user(user)).await
    }

    /// Runs `call` until it succeeds, fails for good, or the policy's patience runs out.
    async fn retrying<T, F, Fut>(&self, mut call: F) -> Result<T, PlatformError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, PlatformError>>,
    {
        let mut failures = 0;
        let mut waited_for_limits = Duration::ZERO;
        loop {
            match call().await {
                Ok(value) => return Ok(value),
                Err(PlatformError::RateLimited { retry_after, platform })
                    if waited_for_limits + retry_after <= self.policy.max_rate_limit_wait =>
                {
                    crate::telemetry::metrics::rate_limited(platform);
                    tracing::info!(?retry_after, "rate limited; waiting before trying again");
                    waited_for_limits += retry_after;
                    tokio::time::sleep(retry_after).await;
                }
                Err(e @ PlatformError::Unavailable { .. }) => {
                    failures += 1;
                    if failures >= self.policy.attempts {
                        return Err(e);
                    }
                    let backoff = self.policy.first_backoff.saturating_mul(1 << (failures - 1).min(16));
                    tracing::info!(error = %e, ?backoff, "transient failure; trying again");
                    tokio::time::sleep(backoff.min(self.policy.max_backoff)).await;
                }
                Err(e) => {
                    if let PlatformError::RateLimited { platform, .. } = &e {
                        crate::telemetry::metrics::rate_limited(*platform);
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Waits until `channel` may take another message, and books the turn after it.
    async fn wait_turn(&self, channel: &ChannelRef, pacing: Duration) {
        if pacing.is_zero() {
            return;
        }
        let key = (channel.platform, channel.workspace.clone(), channel.id.clone());
        let turn = {
            let mut next = self.next_turn.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let turn = next.get(&key).copied().filter(|t| *t > now).unwrap_or(now);
            next.insert(key, turn + pacing);
            // Forget channels that have been quiet for a while, so the map stays small.
            if next.len() > 10_000 {
                next.retain(|_, t| *t > now);
            }
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
}
