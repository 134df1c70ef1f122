//! Rich text without any platform's syntax: the few kinds of emphasis meridian uses (bold,
//! italic, code, links, mentions, emoji, a moment in time), which each adapter renders its
//! own way (Slack mrkdwn, Discord markdown, console text).
//!
//! Templates and the core write *meridian markup*, read by [`Rich::parse`]:
//! `**bold**`, `_italic_`, `` `code` ``, a fenced block between lines of three backticks,
//! `[label](https://...)`, `<@user-id>` and `<#channel-id>`. Everything else is text, so a
//! lone `*` (as in a cron expression) means itself.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A run of text with its emphasis. Line breaks are `\n` inside [`Span::Text`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rich(pub Vec<Span>);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Span {
    Text(String),
    Bold(String),
    Italic(String),
    Code(String),
    /// Lines shown as they are, in a fixed-width font (a text chart).
    Preformatted(String),
    Link {
        url: String,
        label: String,
    },
    /// A person, by the platform's user id.
    User(String),
    /// A channel, by the platform's channel id.
    Channel(String),
    /// A moment each reader sees in their own zone where the platform can (Slack, Discord);
    /// `fallback` elsewhere.
    Time {
        at: DateTime<Utc>,
        fallback: String,
    },
}

impl Rich {
    pub fn new() -> Rich {
        Rich::default()
    }

    /// Plain text, no emphasis.
    pub fn plain(text: impl Into<String>) -> Rich {
        Rich(vec![Span::Text(text.into())])
    }

    pub fn text(mut self, text: impl Into<String>) -> Rich {
        self.0.push(Span::Text(text.into()));
        self
    }

    pub fn bold(mut self, text: impl Into<String>) -> Rich {
        self.0.push(Span::Bold(text.into()));
        self
    }

    pub fn preformatted(mut self, text: impl Into<String>) -> Rich {
        self.0.push(Span::Preformatted(text.into()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|s| matches!(s, Span::Text(t) if t.is_empty()))
    }

    /// What the text says without emphasis: notification previews and screen readers.
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for span in &self.0 {
            match span {
                Span::Text(t) | Span::Bold(t) | Span::Italic(t) | Span::Code(t) | Span::Preformatted(t) => {
                    out.push_str(t)
                }
                Span::Link { url, label } if label.is_empty() || label == url => out.push_str(url),
                Span::Link { url, label } => out.push_str(&format!("{label} ({url})")),
                Span::User(id) => out.push_str(&format!("@{id}")),
                Span::Channel(id) => out.push_str(&format!("#{id}")),
                Span::Time { fallback, .. } => out.push_str(fallback),
            }
        }
        out
    }

    /// Reads meridian markup (see the module's header).
    pub fn parse(markup: &str) -> Rich {
        let mut spans = Vec::new();
        let mut text = String::new();
        let mut rest = markup;
        let flush = |text: &mut String, spans: &mut Vec<Span>| {
            if !text.is_empty() {
                spans.push(Span::Text(std::mem::take(text)));
            }
        };
        while let Some(c) = rest.chars().next() {
            let at_word_start = text.chars().last().is_none_or(|p| !p.is_alphanumeric());
            if let Some((span, after)) = fenced(rest)
                .or_else(|| delimited(rest, "**", Span::Bold))
                .or_else(|| delimited(rest, "`", Span::Code))
                .or_else(|| if at_word_start { italic(rest) } else { None })
                .or_else(|| link(rest))
                .or_else(|| mention(rest))
            {
                flush(&mut text, &mut spans);
                spans.push(span);
                rest = after;
            } else {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        flush(&mut text, &mut spans);
        Rich(spans)
    }
}

impl From<&str> for Rich {
    fn from(markup: &str) -> Rich {
        Rich::parse(markup)
    }
}

impl From<String> for Rich {
    fn from(markup: String) -> Rich {
        Rich::parse(&markup)
    }
}

/// `open` text `open` on one line, not empty.
fn delimited<'a>(rest: &'a str, mark: &str, span: fn(String) -> Span) -> Option<(Span, &'a str)> {
    let inner = rest.strip_prefix(mark)?;
    let end = inner.find(mark)?;
    let body = &inner[..end];
    (!body.is_empty() && !body.contains('\n') && !body.starts_with(' '))
        .then(|| (span(body.into()), &inner[end + mark.len()..]))
}

/// `_italic_`, closed before a non-word character, so `snake_case_words` stay text.
fn italic(rest: &str) -> Option<(Span, &str)> {
    let (span, after) = delimited(rest, "_", Span::Italic)?;
    after.chars().next().is_none_or(|c| !c.is_alphanumeric()).then_some((span, after))
}

/// A block between two lines of three backticks.
fn fenced(rest: &str) -> Option<(Span, &str)> {
    let inner = rest.strip_prefix("```")?.strip_prefix('\n')?;
    let end = inner.find("\n```")?;
    let after = &inner[end + 4..];
    Some((Span::Preformatted(inner[..end].to_string()), after.strip_prefix('\n').unwrap_or(after)))
}

/// `[label](http...)`.
fn link(rest: &str) -> Option<(Span, &str)> {
    let inner = rest.strip_prefix('[')?;
    let close = inner.find("](")?;
    let label = &inner[..close];
    let after_label = &inner[close + 2..];
    let end = after_label.find(')')?;
    let url = &after_label[..end];
    let ok = !label.contains('\n') && (url.starts_with("https://") || url.starts_with("http://")) && !url.contains(' ');
    ok.then(|| (Span::Link { url: url.into(), label: label.into() }, &after_label[end + 1..]))
}

/// `<@U123>` or `<#C123>`.
fn mention(rest: &str) -> Option<(Span, &str)> {
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    let body = &inner[..end];
    let id_ok = |id: &str| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let span = match body.split_at_checked(1)? {
        ("@", id) if id_ok(id) => Span::User(id.into()),
        ("#", id) if id_ok(id) => Span::Channel(id.into()),
        _ => return None,
    };
    Some((span, &inner[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Span {
        Span::Text(s.into())
    }

    #[test]
    fn markup_becomes_spans() {
        let rich =
            Rich::parse("**Diwali** is _today_; run `/meridian help` or see [docs](https://x.example/a) <@U1> <#C2>");
        assert_eq!(
            rich.0,
            vec![
                Span::Bold("Diwali".into()),
                t(" is "),
                Span::Italic("today".into()),
                t("; run "),
                Span::Code("/meridian help".into()),
                t(" or see "),
                Span::Link { url: "https://x.example/a".into(), label: "docs".into() },
                t(" "),
                Span::User("U1".into()),
                t(" "),
                Span::Channel("C2".into()),
            ]
        );
    }

    #[test]
    fn lone_marks_and_words_with_underscores_stay_text() {
        for text in ["0 9 * * MON-FRI", "snake_case_name", "a ** b", "5 < 6 > 4", "[not a link](ftp://x)", "_ spaced_"]
        {
            assert_eq!(Rich::parse(text).0, vec![t(text)], "{text}");
        }
    }

    #[test]
    fn a_fenced_block_is_preformatted() {
        let rich = Rich::parse("Results:\n```\n1 ██ 2\n5 █ 1\n```\nafter");
        assert_eq!(rich.0, vec![t("Results:\n"), Span::Preformatted("1 ██ 2\n5 █ 1".into()), t("after")]);
    }

    #[test]
    fn plain_text_drops_emphasis_but_keeps_what_it_says() {
        let rich = Rich::parse("**Eid** with [the note](https://x.example) for <@U9>");
        assert_eq!(rich.to_plain(), "Eid with the note (https://x.example) for @U9");
    }
}
