//! A chat platform for tests that records every call the bot makes, in order and with the
//! (tokio) time it was made, and fails or slows calls on request: a 429, a transient or a
//! permanent error, a slow send. It stands alone (an in-memory platform) or wraps a real
//! adapter, so the same conformance checks run against the console and, later, the Slack and
//! Discord adapters.

use async_trait::async_trait;
use meridian::chat::{
    Attachment, ChannelRef, ChatPlatform, FileRef, Message, MessageRef, PlatformError, PlatformKind, ReplyTarget,
    UserInfo, UserRef,
};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// One call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub at: Instant,
    pub kind: CallKind,
    /// Whether the platform accepted it.
    pub ok: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CallKind {
    Post { channel: String, message: Message },
    Update { channel: String, message_ref: String, message: Message },
    Reply { handle: String, user_id: String, message: Message },
    Settle { handle: String, replied: bool },
    Ephemeral { channel: String, user_id: String, message: Message },
    Direct { user_id: String, message: Message },
    Upload { name: String, bytes: usize },
    Members { channel: String },
    User { user_id: String },
}

/// What the next matching call does instead of (or before) succeeding.
#[derive(Debug, Clone)]
pub enum Fault {
    Fail(PlatformError),
    Delay(Duration),
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Faults by the name of the call they apply to ("post", "direct", ...), in order.
    faults: Vec<(&'static str, VecDeque<Fault>)>,
    members: Option<Vec<String>>,
    next_id: u64,
}

pub struct Recorder {
    kind: PlatformKind,
    inner: Option<Arc<dyn ChatPlatform>>,
    /// Store uploaded files and return references (as Slack does), or keep them inline.
    uploads: bool,
    state: Mutex<State>,
}

impl Recorder {
    /// An in-memory platform of its own.
    pub fn new(kind: PlatformKind) -> Arc<Recorder> {
        Arc::new(Recorder { kind, inner: None, uploads: false, state: Mutex::default() })
    }

    /// An in-memory platform that stores files and hands back references.
    pub fn with_uploads(kind: PlatformKind) -> Arc<Recorder> {
        Arc::new(Recorder { kind, inner: None, uploads: true, state: Mutex::default() })
    }

    /// Records the calls made to a real adapter, which still carries them out.
    pub fn wrapping(inner: Arc<dyn ChatPlatform>) -> Arc<Recorder> {
        Arc::new(Recorder { kind: inner.kind(), inner: Some(inner), uploads: false, state: Mutex::default() })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next `call` ("post", "update", "reply", "direct", "upload", ...) meets `fault`.
    pub fn fault(&self, call: &'static str, fault: Fault) {
        let mut state = self.state();
        match state.faults.iter_mut().find(|(c, _)| *c == call) {
            Some((_, queue)) => queue.push_back(fault),
            None => state.faults.push((call, VecDeque::from([fault]))),
        }
    }

    /// The member list `members()` reports (the platform's own, as Slack and Discord keep one).
    pub fn set_members(&self, members: &[&str]) {
        self.state().members = Some(members.iter().map(|m| m.to_string()).collect());
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The messages posted (accepted posts only), in order.
    pub fn posts(&self) -> Vec<Message> {
        self.calls()
            .into_iter()
            .filter(|c| c.ok)
            .filter_map(|c| match c.kind {
                CallKind::Post { message, .. } => Some(message),
                _ => None,
            })
            .collect()
    }

    /// The private answers sent through reply targets (accepted only), with their handles.
    pub fn replies(&self) -> Vec<(String, Message)> {
        self.calls()
            .into_iter()
            .filter(|c| c.ok)
            .filter_map(|c| match c.kind {
                CallKind::Reply { handle, message, .. } => Some((handle, message)),
                _ => None,
            })
            .collect()
    }

    /// Applies the next fault for `call`, if any (one per call); `Err` is what it returns.
    async fn meet_fault(&self, call: &'static str) -> Result<(), PlatformError> {
        let fault = {
            let mut state = self.state();
            state.faults.iter_mut().find(|(c, _)| *c == call).and_then(|(_, q)| q.pop_front())
        };
        match fault {
            None => Ok(()),
            Some(Fault::Delay(d)) => {
                tokio::time::sleep(d).await;
                Ok(())
            }
            Some(Fault::Fail(e)) => Err(e),
        }
    }

    fn record(&self, kind: CallKind, ok: bool) {
        self.state().calls.push(Call { at: Instant::now(), kind, ok });
    }

    /// Runs `call` through faults and the inner adapter, recording the outcome.
    async fn call<T>(
        &self,
        name: &'static str,
        kind: CallKind,
        inner: impl std::future::Future<Output = Option<Result<T, PlatformError>>>,
        own: impl FnOnce(&Self) -> T,
    ) -> Result<T, PlatformError> {
        if let Err(e) = self.meet_fault(name).await {
            self.record(kind, false);
            return Err(e);
        }
        let result = match inner.await {
            Some(result) => result,
            None => Ok(own(self)),
        };
        self.record(kind, result.is_ok());
        result
    }
}

#[async_trait]
impl ChatPlatform for Recorder {
    fn kind(&self) -> PlatformKind {
        self.kind
    }

    async fn post(&self, channel: &ChannelRef, message: &Message) -> Result<MessageRef, PlatformError> {
        let kind = CallKind::Post { channel: channel.id.clone(), message: message.clone() };
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.post(channel, message).await),
                None => None,
            }
        };
        self.call("post", kind, inner, |me| {
            let mut state = me.state();
            state.next_id += 1;
            MessageRef(format!("{}-{}", channel.id, state.next_id))
        })
        .await
    }

    async fn update(
        &self,
        channel: &ChannelRef,
        message_ref: &MessageRef,
        message: &Message,
    ) -> Result<(), PlatformError> {
        let kind = CallKind::Update {
            channel: channel.id.clone(),
            message_ref: message_ref.0.clone(),
            message: message.clone(),
        };
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.update(channel, message_ref, message).await),
                None => None,
            }
        };
        self.call("update", kind, inner, |_| ()).await
    }

    async fn reply(&self, to: &ReplyTarget, message: &Message) -> Result<(), PlatformError> {
        let kind = CallKind::Reply { handle: to.handle.clone(), user_id: to.user_id.clone(), message: message.clone() };
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.reply(to, message).await),
                None => None,
            }
        };
        self.call("reply", kind, inner, |_| ()).await
    }

    async fn settle(&self, to: &ReplyTarget, replied: bool) -> Result<(), PlatformError> {
        let kind = CallKind::Settle { handle: to.handle.clone(), replied };
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.settle(to, replied).await),
                None => None,
            }
        };
        self.call("settle", kind, inner, |_| ()).await
    }

    async fn ephemeral(&self, channel: &ChannelRef, user_id: &str, message: &Message) -> Result<(), PlatformError> {
        let kind =
            CallKind::Ephemeral { channel: channel.id.clone(), user_id: user_id.into(), message: message.clone() };
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.ephemeral(channel, user_id, message).await),
                None => None,
            }
        };
        self.call("ephemeral", kind, inner, |_| ()).await
    }

    async fn direct(&self, user: &UserRef, message: &Message) -> Result<(), PlatformError> {
        let kind = CallKind::Direct { user_id: user.user_id.clone(), message: message.clone() };
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.direct(user, message).await),
                None => None,
            }
        };
        self.call("direct", kind, inner, |_| ()).await
    }

    async fn upload(&self, channel: &ChannelRef, file: &Attachment) -> Result<Option<FileRef>, PlatformError> {
        let kind = CallKind::Upload { name: file.name.clone(), bytes: file.bytes.len() };
        let uploads = self.uploads;
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.upload(channel, file).await),
                None => None,
            }
        };
        self.call("upload", kind, inner, |me| {
            uploads.then(|| {
                let mut state = me.state();
                state.next_id += 1;
                FileRef::Uploaded { id: format!("F{}", state.next_id), url: None }
            })
        })
        .await
    }

    async fn members(&self, channel: &ChannelRef) -> Result<Option<Vec<String>>, PlatformError> {
        let kind = CallKind::Members { channel: channel.id.clone() };
        let own = self.state().members.clone();
        let ask_inner = own.is_none();
        let inner = async {
            match &self.inner {
                Some(p) if ask_inner => Some(p.members(channel).await),
                _ => None,
            }
        };
        self.call("members", kind, inner, move |_| own).await
    }

    async fn user(&self, user: &UserRef) -> Result<Option<UserInfo>, PlatformError> {
        let kind = CallKind::User { user_id: user.user_id.clone() };
        let inner = async {
            match &self.inner {
                Some(p) => Some(p.user(user).await),
                None => None,
            }
        };
        self.call("user", kind, inner, |_| None).await
    }
}
