//! Messages as Discord shows them: a message of plain sections becomes Discord markdown in
//! `content`; anything richer (a title, small print, a picture) becomes one embed, with the
//! first line of the plain-text fallback in `content` for notifications and screen readers.
//! Buttons become message components whose `custom_id` carries the core's action and value;
//! files travel inline as multipart `files[n]`, shown in the embed through `attachment://name`.

use crate::chat::{Attachment, Block, Button, ButtonStyle, FileRef, Message, Rich, Span};
use serde_json::{json, Map, Value};

/// Discord's limits (Message and Embed objects, "Limits" in the developer documentation).
const CONTENT_MAX: usize = 2000;
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 4096;
const FOOTER_MAX: usize = 2048;
const EMBED_TOTAL_MAX: usize = 6000;
const BUTTON_LABEL_MAX: usize = 80;
const BUTTONS_PER_ROW: usize = 5;
const ROWS_MAX: usize = 5;
/// A component's `custom_id` holds at most this many characters.
pub const CUSTOM_ID_MAX: usize = 100;
/// meridian's colour down the side of an embed.
const ACCENT: u32 = 0x2f80ed;

/// A message ready to send: the JSON payload (`payload_json` when there are files) and the
/// files that go with it as `files[0]`, `files[1]`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub json: Value,
    pub files: Vec<Attachment>,
}

impl Payload {
    /// Sets a top-level field (`flags`, `nonce`, ...).
    pub fn with(mut self, key: &str, value: Value) -> Payload {
        if let Value::Object(map) = &mut self.json {
            map.insert(key.to_string(), value);
        }
        self
    }
}

/// Renders a message. An edit sends the same fields, so a message that loses its buttons or
/// its embed loses them on Discord too (`components: []`, `embeds: []`).
pub fn message(message: &Message) -> Payload {
    let mut body = Map::new();
    let simple = message.blocks.iter().all(|b| matches!(b, Block::Section { .. } | Block::Buttons { .. }));
    let sections: Vec<String> = message
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Section { text } => Some(markdown(text)),
            _ => None,
        })
        .collect();
    let as_content = sections.join("\n\n");
    let embeds = if simple && as_content.chars().count() <= CONTENT_MAX {
        body.insert("content".into(), json!(non_empty(as_content, &message.text)));
        Vec::new()
    } else {
        // A long plain answer is all description; a rich message keeps its summary above.
        let summary = if simple { "" } else { message.text.lines().find(|l| !l.trim().is_empty()).unwrap_or_default() };
        if !summary.is_empty() {
            body.insert("content".into(), json!(truncate(&escape(summary), CONTENT_MAX)));
        }
        embeds(message, summary)
    };
    body.insert("embeds".into(), json!(embeds));
    body.insert("components".into(), json!(components(&message.blocks)));
    // One file a message: all meridian sends is one chart, and serenity numbers every file
    // it is given `files[0]`.
    if message.attachments.len() > 1 {
        tracing::warn!(
            files = message.attachments.len(),
            "Discord messages carry one file here; the rest are left out"
        );
    }
    let files: Vec<Attachment> = message.attachments.iter().take(1).cloned().collect();
    if !files.is_empty() {
        let described: Vec<Value> = files
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut entry = json!({"id": i, "filename": a.name});
                if let Some(alt) = alt_of(message, &a.name).filter(|alt| !alt.is_empty()) {
                    entry["description"] = json!(truncate(alt, 1024));
                }
                entry
            })
            .collect();
        body.insert("attachments".into(), json!(described));
    }
    // Mentions of people notify them; @everyone, @here and roles in a text never do.
    body.insert("allowed_mentions".into(), json!({"parse": ["users"]}));
    Payload { json: Value::Object(body), files }
}

fn non_empty(content: String, fallback: &str) -> String {
    if !content.trim().is_empty() {
        content
    } else if !fallback.trim().is_empty() {
        truncate(&escape(fallback), CONTENT_MAX)
    } else {
        // Discord refuses an empty message; a blank answer is still an answer.
        "…".to_string()
    }
}

/// The picture's description of an attachment, from the image block that shows it.
fn alt_of<'a>(message: &'a Message, name: &str) -> Option<&'a str> {
    message.blocks.iter().find_map(|b| match b {
        Block::Image { file: FileRef::Attachment { name: n }, alt } if n == name => Some(alt.as_str()),
        _ => None,
    })
}

/// One embed for the blocks (a second one per extra picture: an embed shows one image).
fn embeds(message: &Message, content_line: &str) -> Vec<Value> {
    let mut title = None;
    let mut description: Vec<String> = Vec::new();
    let mut images = Vec::new();
    // The last small print, when nothing follows it but buttons, is the embed's footer;
    // other small print stays where it is, as Discord's subtext (`-#`).
    let last_said = message
        .blocks
        .iter()
        .rposition(|b| !matches!(b, Block::Context { .. } | Block::Buttons { .. } | Block::Divider));
    let footer_at =
        message.blocks.iter().rposition(|b| matches!(b, Block::Context { .. })).filter(|i| last_said < Some(*i));
    let mut footer = Vec::new();
    for (i, block) in message.blocks.iter().enumerate() {
        match block {
            // The first line of `content` says it already when it is the title.
            Block::Header { text } if title.is_none() && text.trim() != content_line.trim() => {
                title = Some(truncate(text, TITLE_MAX))
            }
            Block::Header { text } if title.is_some() => description.push(format!("**{}**", escape(text))),
            Block::Header { .. } => {}
            Block::Section { text } => description.push(markdown(text)),
            Block::Context { items } if Some(i) == footer_at => footer.extend(items.iter().map(Rich::to_plain)),
            Block::Context { items } => {
                let line = items.iter().map(markdown).collect::<Vec<_>>().join(" · ");
                description.push(line.lines().map(|l| format!("-# {l}")).collect::<Vec<_>>().join("\n"));
            }
            Block::Image { file, .. } => {
                if let Some(url) = image_url(file) {
                    images.push(url);
                }
            }
            Block::Buttons { .. } | Block::Divider => {}
        }
    }
    let footer = truncate(&footer.join(" · "), FOOTER_MAX);
    let budget = EMBED_TOTAL_MAX
        .saturating_sub(title.as_deref().map_or(0, |t| t.chars().count()))
        .saturating_sub(footer.chars().count())
        .min(DESCRIPTION_MAX);
    let description = truncate(&description.join("\n\n"), budget);
    let mut embed = json!({"type": "rich", "color": ACCENT});
    if let Some(title) = title {
        embed["title"] = json!(title);
    }
    if !description.is_empty() {
        embed["description"] = json!(description);
    }
    if !footer.is_empty() {
        embed["footer"] = json!({"text": footer});
    }
    let mut images = images.into_iter();
    if let Some(url) = images.next() {
        embed["image"] = json!({"url": url});
    }
    let mut all = vec![embed];
    all.extend(images.take(9).map(|url| json!({"type": "rich", "color": ACCENT, "image": {"url": url}})));
    all
}

fn image_url(file: &FileRef) -> Option<String> {
    match file {
        FileRef::Attachment { name } => Some(format!("attachment://{name}")),
        FileRef::Uploaded { url, .. } => url.clone(),
    }
}

/// Action rows of buttons: each block of buttons starts a row, five buttons a row at most.
fn components(blocks: &[Block]) -> Vec<Value> {
    let mut rows = Vec::new();
    for block in blocks {
        if let Block::Buttons { buttons } = block {
            for chunk in buttons.chunks(BUTTONS_PER_ROW) {
                let row: Vec<Value> = chunk.iter().filter_map(button).collect();
                if !row.is_empty() && rows.len() < ROWS_MAX {
                    rows.push(json!({"type": 1, "components": row}));
                }
            }
        }
    }
    rows
}

fn button(b: &Button) -> Option<Value> {
    let Some(custom_id) = encode_custom_id(&b.action, &b.value) else {
        tracing::warn!(action = %b.action, "a button's action and value do not fit Discord's custom_id; left out");
        return None;
    };
    let style = match b.style {
        ButtonStyle::Primary => 1,
        ButtonStyle::Default => 2,
        ButtonStyle::Danger => 4,
    };
    Some(json!({"type": 2, "style": style, "label": truncate(&b.label, BUTTON_LABEL_MAX), "custom_id": custom_id}))
}

/// A button's `custom_id`: the core's action and value, `action:value` (the action has no
/// colon; the value may). `None` when it would pass Discord's 100 characters.
pub fn encode_custom_id(action: &str, value: &str) -> Option<String> {
    let id = format!("{action}:{value}");
    (!action.is_empty() && !action.contains(':') && id.chars().count() <= CUSTOM_ID_MAX).then_some(id)
}

/// The action and value a `custom_id` carries.
pub fn decode_custom_id(custom_id: &str) -> Option<(&str, &str)> {
    custom_id.split_once(':').filter(|(action, _)| !action.is_empty())
}

/// Rich text as Discord markdown: text escaped, `**bold**`, `*italic*`, code, masked links,
/// `<@user>` and `<#channel>` mentions, and `<t:unix:f>` so each reader sees their own zone.
pub fn markdown(rich: &Rich) -> String {
    let mut out = String::new();
    for span in &rich.0 {
        match span {
            Span::Text(t) => out.push_str(&escape(t)),
            Span::Bold(t) => out.push_str(&format!("**{}**", escape(t))),
            Span::Italic(t) => out.push_str(&format!("*{}*", escape(t))),
            Span::Code(t) if t.contains('`') => out.push_str(&format!("`` {} ``", t.replace("``", "`\u{200b}`"))),
            Span::Code(t) => out.push_str(&format!("`{t}`")),
            Span::Preformatted(t) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&format!("```\n{}\n```\n", t.replace("```", "`\u{200b}``")));
            }
            Span::Link { url, label } if label.is_empty() || label == url => out.push_str(&link_target(url)),
            Span::Link { url, label } => out.push_str(&format!("[{}]({})", escape(label), link_target(url))),
            Span::User(id) => out.push_str(&format!("<@{id}>")),
            Span::Channel(id) => out.push_str(&format!("<#{id}>")),
            Span::Time { at, .. } => out.push_str(&format!("<t:{}:f>", at.timestamp())),
        }
    }
    out.trim_end_matches('\n').to_string()
}

/// A URL inside `(...)`: no spaces or closing parenthesis to end it early.
fn link_target(url: &str) -> String {
    url.replace(' ', "%20").replace(')', "%29")
}

/// Text that means itself in Discord markdown: emphasis marks, mentions and quotes escaped,
/// and a line start that would make a heading, list or quote. Web addresses stay as they
/// are, so they still work as links.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let indent = line.len() - line.trim_start().len();
        out.push_str(&line[..indent]);
        let body = &line[indent..];
        // Headings (`# `), subtext (`-# `), lists (`- `, `* `, `1. `) and quotes (`> `).
        let starts_block = body.starts_with('#')
            || body.starts_with("- ")
            || body.starts_with("-#")
            || body.starts_with("+ ")
            || body.split_once(". ").is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        if starts_block {
            out.push('\\');
        }
        for (i, word) in body.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if word.starts_with("https://") || word.starts_with("http://") {
                out.push_str(word);
                continue;
            }
            for c in word.chars() {
                if matches!(c, '\\' | '*' | '_' | '~' | '`' | '|' | '[' | ']' | '<' | '>' | '@') {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out
}

/// At most `max` characters, cut with an ellipsis.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn section(markup: &str) -> Block {
        Block::Section { text: Rich::parse(markup) }
    }

    #[test]
    fn rich_text_becomes_discord_markdown_with_the_text_itself_escaped() {
        let at = chrono::Utc.with_ymd_and_hms(2026, 11, 5, 8, 0, 0).unwrap();
        let rich = Rich::parse(
            "**Diwali** is _today_: run `/meridian help` or see [the docs](https://x.example/a_b) <@42> <#7>",
        )
        .text(" at ")
        .0
        .into_iter()
        .chain([Span::Time { at, fallback: "08:00 UTC".into() }])
        .collect::<Vec<_>>();
        assert_eq!(
            markdown(&Rich(rich)),
            "**Diwali** is *today*: run `/meridian help` or see [the docs](https://x.example/a_b) <@42> <#7> at \
             <t:1793865600:f>"
        );
        assert_eq!(escape("2*3 = 6_ish ~ `x` | <@everyone> [a]"), r"2\*3 = 6\_ish \~ \`x\` \| \<\@everyone\> \[a\]");
        assert_eq!(
            escape("# not a heading\n- not a list\n1. nor this\n> nor a quote"),
            "\\# not a heading\n\\- not a list\n\\1. nor this\n\\> nor a quote"
        );
        assert_eq!(escape("see https://x.example/snake_case_path"), "see https://x.example/snake_case_path");
        assert_eq!(markdown(&Rich(vec![Span::Bold("a*b".into())])), r"**a\*b**");
    }

    #[test]
    fn a_plain_answer_is_content_only_and_a_rich_message_is_an_embed_under_its_summary() {
        let plain = message(&Message::text("Your answer is in. **Thank you!**"));
        assert_eq!(plain.json["content"], "Your answer is in. **Thank you!**");
        assert_eq!(plain.json["embeds"], json!([]));
        assert_eq!(plain.json["components"], json!([]), "an edit to this clears old buttons");

        let rich = Message::of(vec![
            Block::Header { text: "Diwali in 7 days".into() },
            section("**Diwali** (IN) on Sunday 8 November."),
            Block::Context { items: vec![Rich::plain("You follow IN"), Rich::plain("reminders at 09:00")] },
        ]);
        let payload = message(&rich);
        assert_eq!(payload.json["content"], "Diwali in 7 days", "the summary for notifications");
        let embed = &payload.json["embeds"][0];
        assert!(embed.get("title").is_none(), "not said twice: {embed}");
        assert_eq!(embed["description"], "**Diwali** (IN) on Sunday 8 November.");
        assert_eq!(embed["footer"]["text"], "You follow IN · reminders at 09:00");
    }

    #[test]
    fn a_pulse_has_buttons_carrying_action_and_value_and_small_print_in_place() {
        let buttons = (1..=7)
            .map(|i| Button {
                action: "pulse".into(),
                label: i.to_string(),
                value: format!("3:{i}"),
                style: ButtonStyle::Default,
            })
            .collect();
        let pulse = Message {
            text: "Pulse #3: How clear were handoffs?".into(),
            blocks: vec![
                Block::Header { text: "Pulse #3".into() },
                section("**How clear were handoffs?**"),
                Block::Context { items: vec![Rich::plain("Why we ask: handoffs cross zones")] },
                Block::Buttons { buttons },
                Block::Context { items: vec![Rich::plain("Anonymous · closes in 24h")] },
            ],
            attachments: vec![],
        };
        let payload = message(&pulse);
        let embed = &payload.json["embeds"][0];
        assert_eq!(embed["title"], "Pulse #3");
        assert_eq!(embed["description"], "**How clear were handoffs?**\n\n-# Why we ask: handoffs cross zones");
        assert_eq!(embed["footer"]["text"], "Anonymous · closes in 24h");
        let rows = payload.json["components"].as_array().unwrap();
        assert_eq!(rows.len(), 2, "five buttons to a row");
        assert_eq!(rows[0]["components"][0], json!({"type": 2, "style": 2, "label": "1", "custom_id": "pulse:3:1"}));
        assert_eq!(decode_custom_id("pulse:3:1"), Some(("pulse", "3:1")));
        assert_eq!(encode_custom_id("pulse", &"x".repeat(100)), None, "longer than Discord takes");
    }

    #[test]
    fn a_chart_travels_as_a_file_and_shows_in_the_embed() {
        let png = Attachment { name: "pulse-3.png".into(), mime: "image/png".into(), bytes: vec![0x89, b'P'] };
        let results = Message::of(vec![Block::Header { text: "Pulse #3 results".into() }, section("5 answers")])
            .with_image(png, "Bar chart of 5 answers");
        let payload = message(&results);
        assert_eq!(payload.files.len(), 1);
        assert_eq!(payload.json["embeds"][0]["image"]["url"], "attachment://pulse-3.png");
        assert_eq!(
            payload.json["attachments"],
            json!([{"id": 0, "filename": "pulse-3.png", "description": "Bar chart of 5 answers"}])
        );
    }

    #[test]
    fn discord_limits_are_kept() {
        let long = "word ".repeat(2000);
        let payload = message(&Message::text(&long));
        let description = payload.json["embeds"][0]["description"].as_str().unwrap();
        assert!(description.chars().count() <= DESCRIPTION_MAX, "too long for content: an embed");
        assert!(payload.json.get("content").is_none(), "not said twice");
        assert_eq!(message(&Message::of(vec![])).json["content"], "…", "never an empty message");
    }
}
