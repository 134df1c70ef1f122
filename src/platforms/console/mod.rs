//! The console platform: the whole bot in a terminal, no tokens. A person (or a test) types
//! script lines — act as a member in a channel, click, react, move the clock — and sees every
//! post, ephemeral answer and DM the bot makes, with its channel and local time.

mod script;
mod session;

pub use script::{parse_instant, parse_line, Action, Line, PostRef, ScriptError};
pub use session::{Session, SessionOptions};

use crate::chat::{
    Block, ChannelRef, ChatPlatform, FileRef, Message, MessageRef, PlatformError, PlatformKind, ReplyTarget, Rich,
    Span, UserInfo, UserRef,
};
use crate::clock::Clock;
use async_trait::async_trait;
use chrono_tz::Tz;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// A post as the console remembers it, so a script can click its buttons later.
#[derive(Debug, Clone)]
pub struct ConsolePost {
    pub number: u64,
    pub channel: ChannelRef,
    pub message: Message,
}

struct State {
    posts: Vec<ConsolePost>,
    fail_next_post: bool,
    crash_next_post: bool,
}

/// Post numbers restart with each process; message ids must not, since the ledger keeps them.
fn session_tag() -> String {
    format!("{:08x}", rand::random::<u32>())
}

/// The exit code of a simulated crash (`crash before next post`).
pub const CRASH_EXIT_CODE: i32 = 70;

/// Where console output goes: stdout for people, a buffer for tests.
pub type Output = Arc<Mutex<dyn Write + Send>>;

pub struct ConsolePlatform {
    state: Mutex<State>,
    out: Output,
    clock: Arc<dyn Clock>,
    /// The zone times are shown in.
    tz: Tz,
    tag: String,
}

impl ConsolePlatform {
    pub fn new(out: Output, clock: Arc<dyn Clock>, tz: Tz) -> Self {
        ConsolePlatform {
            state: Mutex::new(State { posts: Vec::new(), fail_next_post: false, crash_next_post: false }),
            out,
            clock,
            tz,
            tag: session_tag(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next post fails as if the process died after claiming it.
    pub fn fail_next_post(&self) {
        self.state().fail_next_post = true;
    }

    /// The process dies at the next post, after the ledger claim and before the send.
    pub fn crash_before_next_post(&self) {
        self.state().crash_next_post = true;
    }

    pub fn find(&self, post: PostRef) -> Option<ConsolePost> {
        let state = self.state();
        match post {
            PostRef::Last => state.posts.last().cloned(),
            PostRef::Number(n) => state.posts.iter().find(|p| p.number == n).cloned(),
        }
    }

    /// The platform id of post `number` of this session.
    pub fn message_ref(&self, number: u64) -> MessageRef {
        MessageRef(format!("console-{}-{number}", self.tag))
    }

    /// Writes a line of the session's own (not the bot's) output.
    pub fn note(&self, text: &str) {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn print(&self, heading: &str, message: &Message) {
        let now = crate::posts::local_moment(self.clock.now(), self.tz, "%a %Y-%m-%d %H:%M");
        let mut text = format!("=== {heading} · {now}\n");
        text.push_str(&render(message));
        self.note(text.trim_end());
        self.note("");
    }
}

/// A message as console text: headers and sections as they are, small print behind `~`,
/// buttons numbered for `click`.
pub fn render(message: &Message) -> String {
    let mut out = String::new();
    for block in &message.blocks {
        match block {
            Block::Header { text } => out.push_str(&format!("# {text}\n")),
            Block::Section { text } => out.push_str(&format!("{}\n", text_of(text))),
            Block::Context { items } => {
                out.push_str(&format!("~ {}\n", items.iter().map(text_of).collect::<Vec<_>>().join(" · ")))
            }
            Block::Divider => out.push_str("---\n"),
            Block::Buttons { buttons } => {
                let labels: Vec<String> =
                    buttons.iter().enumerate().map(|(i, b)| format!("[{}] {}", i + 1, b.label)).collect();
                out.push_str(&format!("buttons: {}\n", labels.join("  ")));
            }
            // The console keeps files with the message: the attachment line below shows it.
            Block::Image { file: FileRef::Attachment { .. }, .. } => {}
            Block::Image { file: FileRef::Uploaded { id, .. }, alt } => out.push_str(&format!("image: {id} ({alt})\n")),
        }
    }
    for a in &message.attachments {
        out.push_str(&format!("attachment: {} ({}, {} bytes)\n", a.name, a.mime, a.bytes.len()));
    }
    out
}

/// Rich text as a terminal shows it: `*bold*` and `_italic_` as people type them in chat,
/// code in backticks, a fenced block for preformatted lines.
pub fn text_of(rich: &Rich) -> String {
    let mut out = String::new();
    for span in &rich.0 {
        match span {
            Span::Text(t) => out.push_str(t),
            Span::Bold(t) => out.push_str(&format!("*{t}*")),
            Span::Italic(t) => out.push_str(&format!("_{t}_")),
            Span::Code(t) => out.push_str(&format!("`{t}`")),
            Span::Preformatted(t) => out.push_str(&format!("```\n{t}\n```")),
            Span::Link { url, label } if label.is_empty() || label == url => out.push_str(url),
            Span::Link { url, label } => out.push_str(&format!("{label} <{url}>")),
            Span::User(id) => out.push_str(&format!("@{id}")),
            Span::Channel(id) => out.push_str(&format!("#{id}")),
            Span::Time { fallback, .. } => out.push_str(fallback),
        }
    }
    out
}

#[async_trait]
impl ChatPlatform for ConsolePlatform {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Console
    }

    async fn post(&self, channel: &ChannelRef, message: &Message) -> Result<MessageRef, PlatformError> {
        let number = {
            let mut state = self.state();
            if state.crash_next_post {
                self.note("--- meridian crashed");
                std::process::exit(CRASH_EXIT_CODE);
            }
            if std::mem::take(&mut state.fail_next_post) {
                // Permanent, so the delivery layer hands it straight back and the ledger's
                // retry on a later run is what a script sees.
                return Err(PlatformError::Rejected {
                    platform: PlatformKind::Console,
                    reason: "simulated failure (fail next post)".into(),
                });
            }
            let number = state.posts.len() as u64 + 1;
            state.posts.push(ConsolePost { number, channel: channel.clone(), message: message.clone() });
            number
        };
        self.print(&format!("#{} · post {number}", channel.name), message);
        Ok(self.message_ref(number))
    }

    async fn update(
        &self,
        channel: &ChannelRef,
        message_ref: &MessageRef,
        message: &Message,
    ) -> Result<(), PlatformError> {
        let number = message_ref.0.rsplit('-').next().and_then(|n| n.parse::<u64>().ok());
        if let Some(n) = number {
            if let Some(post) = self.state().posts.iter_mut().find(|p| p.number == n) {
                post.message = message.clone();
            }
        }
        let label = number.map(|n| format!("post {n} updated")).unwrap_or_else(|| "post updated".into());
        self.print(&format!("#{} · {label}", channel.name), message);
        Ok(())
    }

    async fn reply(&self, to: &ReplyTarget, message: &Message) -> Result<(), PlatformError> {
        self.ephemeral(&to.channel, &to.user_id, message).await
    }

    async fn ephemeral(&self, channel: &ChannelRef, user_id: &str, message: &Message) -> Result<(), PlatformError> {
        self.print(&format!("#{} · only {user_id} sees this", channel.name), message);
        Ok(())
    }

    async fn direct(&self, user: &UserRef, message: &Message) -> Result<(), PlatformError> {
        self.print(&format!("DM to {}", user.user_id), message);
        Ok(())
    }

    /// The console has no member list of its own: the people who acted in a channel, as
    /// meridian recorded them, are its members.
    async fn members(&self, _channel: &ChannelRef) -> Result<Option<Vec<String>>, PlatformError> {
        Ok(None)
    }

    async fn user(&self, _user: &UserRef) -> Result<Option<UserInfo>, PlatformError> {
        Ok(None)
    }
}
