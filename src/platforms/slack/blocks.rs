//! Messages as Slack shows them: Block Kit JSON, rich text as mrkdwn (with `&`, `<` and `>`
//! escaped, so nothing a person typed turns into a mention or a link), and the plain `text`
//! fallback that notifications and screen readers read, always set.

use crate::chat::{Block, Button, ButtonStyle, FileRef, Message, Rich, Span};
use serde_json::{json, Value};

/// Block Kit's limits (api.slack.com/reference/block-kit/blocks): longer text is refused
/// with `invalid_blocks`, so it is cut here, visibly, instead.
const MAX_BLOCKS: usize = 50;
const MAX_HEADER: usize = 150;
const MAX_SECTION: usize = 3000;
const MAX_CONTEXT_ELEMENTS: usize = 10;
const MAX_BUTTONS_PER_BLOCK: usize = 25;
const MAX_BUTTON_LABEL: usize = 75;
const MAX_BUTTON_VALUE: usize = 2000;
const MAX_ACTION_ID: usize = 255;
const MAX_ALT_TEXT: usize = 2000;
/// Slack truncates a message's `text` beyond 40,000 characters; the fallback needs far less.
const MAX_FALLBACK: usize = 4000;

/// Separates a button's action from its position in the action id: Slack wants the action
/// ids of one block to differ, and meridian's buttons in a row share an action.
const ACTION_INDEX: char = '#';

/// The `text` and `blocks` of a message, as `chat.postMessage`, `chat.update`,
/// `chat.postEphemeral` and `response_url` take them.
pub fn content(message: &Message) -> Value {
    let mut body = json!({ "text": fallback(message) });
    let blocks = blocks(&message.blocks);
    if !blocks.is_empty() {
        body["blocks"] = Value::Array(blocks);
    }
    body
}

/// The notification text: the message's own, else what its blocks say; never empty (Slack
/// refuses a message without text or blocks, and warns about blocks without text).
pub fn fallback(message: &Message) -> String {
    let text =
        if message.text.trim().is_empty() { crate::chat::plain_text(&message.blocks) } else { message.text.clone() };
    let text = if text.trim().is_empty() { "(meridian)".to_string() } else { text };
    escape(&truncate(&text, MAX_FALLBACK))
}

/// Block Kit for meridian's blocks. A picture not uploaded yet has nothing Slack can show
/// and is left out (the delivery layer uploads every attachment first).
pub fn blocks(blocks: &[Block]) -> Vec<Value> {
    let mut out = Vec::new();
    for block in blocks {
        match block {
            Block::Header { text } if !text.trim().is_empty() => out.push(json!({
                "type": "header",
                "text": {"type": "plain_text", "text": truncate(text.trim(), MAX_HEADER), "emoji": true},
            })),
            Block::Section { text } if !text.is_empty() => out.push(json!({
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate(&mrkdwn(text), MAX_SECTION)},
            })),
            Block::Context { items } => {
                let elements: Vec<Value> = items
                    .iter()
                    .filter(|item| !item.is_empty())
                    .take(MAX_CONTEXT_ELEMENTS)
                    .map(|item| json!({"type": "mrkdwn", "text": truncate(&mrkdwn(item), MAX_SECTION)}))
                    .collect();
                if !elements.is_empty() {
                    out.push(json!({"type": "context", "elements": elements}));
                }
            }
            Block::Buttons { buttons } => {
                let mut index = 0;
                for row in buttons.chunks(MAX_BUTTONS_PER_BLOCK) {
                    let elements: Vec<Value> = row
                        .iter()
                        .map(|b| {
                            let element = button(b, index);
                            index += 1;
                            element
                        })
                        .collect();
                    out.push(json!({"type": "actions", "elements": elements}));
                }
            }
            Block::Divider => out.push(json!({"type": "divider"})),
            Block::Image { file: FileRef::Uploaded { id, url }, alt } => {
                let alt_text = truncate(if alt.trim().is_empty() { "image" } else { alt }, MAX_ALT_TEXT);
                // A file of the workspace's own is shown by id (no public URL needed).
                let source = match url {
                    Some(url) if id.is_empty() => json!({"image_url": url}),
                    _ => json!({"slack_file": {"id": id}}),
                };
                let mut image = json!({"type": "image", "alt_text": alt_text});
                if let (Some(image), Some(source)) = (image.as_object_mut(), source.as_object()) {
                    image.extend(source.clone());
                }
                out.push(image);
            }
            Block::Header { .. } | Block::Section { .. } | Block::Image { file: FileRef::Attachment { .. }, .. } => {}
        }
    }
    out.truncate(MAX_BLOCKS);
    out
}

fn button(b: &Button, index: usize) -> Value {
    let mut element = json!({
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(&b.label, MAX_BUTTON_LABEL), "emoji": true},
        "action_id": truncate(&format!("{}{ACTION_INDEX}{index}", b.action), MAX_ACTION_ID),
        "value": truncate(&b.value, MAX_BUTTON_VALUE),
    });
    match b.style {
        ButtonStyle::Default => {}
        ButtonStyle::Primary => element["style"] = json!("primary"),
        ButtonStyle::Danger => element["style"] = json!("danger"),
    }
    element
}

/// The action a clicked button carried, from its Slack action id (`pulse#3` → `pulse`).
pub fn action_of(action_id: &str) -> &str {
    match action_id.rsplit_once(ACTION_INDEX) {
        Some((action, index)) if !index.is_empty() && index.chars().all(|c| c.is_ascii_digit()) => action,
        _ => action_id,
    }
}

/// Rich text as Slack mrkdwn.
pub fn mrkdwn(rich: &Rich) -> String {
    let mut out = String::new();
    for span in &rich.0 {
        match span {
            Span::Text(t) => out.push_str(&escape(t)),
            Span::Bold(t) => emphasis(&mut out, t, '*'),
            Span::Italic(t) => emphasis(&mut out, t, '_'),
            Span::Code(t) => emphasis(&mut out, t, '`'),
            Span::Preformatted(t) => {
                // A code block must start and end on lines of its own.
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("```\n");
                out.push_str(&escape(t.trim_end_matches('\n')));
                out.push_str("\n```\n");
            }
            Span::Link { url, label } => {
                let target = link_target(url);
                if label.is_empty() || label == url {
                    out.push_str(&format!("<{target}>"));
                } else {
                    out.push_str(&format!("<{target}|{}>", escape(&label.replace('|', "/"))));
                }
            }
            Span::User(id) => out.push_str(&format!("<@{id}>")),
            Span::Channel(id) => out.push_str(&format!("<#{id}>")),
            Span::Time { at, fallback } => out.push_str(&format!(
                "<!date^{}^{{date_short_pretty}} {{time}}|{}>",
                at.timestamp(),
                escape(&fallback.replace('|', "/"))
            )),
        }
    }
    out
}

/// `*bold*`, `_italic_` or `` `code` ``: Slack reads a mark only when it touches the text,
/// so spaces at either end go outside the marks.
fn emphasis(out: &mut String, text: &str, mark: char) {
    let inner = text.trim();
    if inner.is_empty() {
        out.push_str(&escape(text));
        return;
    }
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    out.push_str(&escape(&text[..start]));
    out.push(mark);
    out.push_str(&escape(inner));
    out.push(mark);
    out.push_str(&escape(&text[end..]));
}

/// A link's address with the characters that would end Slack's `<url|label>` early encoded.
fn link_target(url: &str) -> String {
    url.replace('&', "&amp;").replace('<', "%3C").replace('>', "%3E").replace('|', "%7C")
}

/// Slack's three control characters in mrkdwn and message text.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// What Slack sends for what a person typed (`&amp;` in a slash command's text), as typed.
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// At most `max` characters, ending in `…` when cut.
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
    use crate::chat::Attachment;

    #[test]
    fn what_people_typed_cannot_become_a_mention_or_a_link() {
        let rich = Rich::plain("Q&A <!channel> <@U1> 5 > 3");
        assert_eq!(mrkdwn(&rich), "Q&amp;A &lt;!channel&gt; &lt;@U1&gt; 5 &gt; 3");
        let message = Message { text: "a <b> & c".into(), blocks: vec![], attachments: vec![] };
        assert_eq!(fallback(&message), "a &lt;b&gt; &amp; c");
        assert_eq!(unescape("a &lt;b&gt; &amp;amp; c"), "a <b> &amp; c");
    }

    #[test]
    fn emphasis_mentions_links_and_times_use_slacks_syntax() {
        let rich = Rich::parse(
            "**Diwali** is _today_ for <@U1> in <#C2>; see [the note](https://x.example/a?b=1&c=2) or `/meridian help`",
        );
        assert_eq!(
            mrkdwn(&rich),
            "*Diwali* is _today_ for <@U1> in <#C2>; see <https://x.example/a?b=1&amp;c=2|the note> or `/meridian help`"
        );
        let bold = Rich::new().bold(" spaced ").text("x");
        assert_eq!(mrkdwn(&bold), " *spaced* x", "marks touch the words");
        let at: chrono::DateTime<chrono::Utc> = "2026-11-06T03:30:00Z".parse().unwrap();
        let time = Rich(vec![Span::Time { at, fallback: "09:00 IST".into() }]);
        assert_eq!(mrkdwn(&time), "<!date^1793935800^{date_short_pretty} {time}|09:00 IST>");
    }

    #[test]
    fn a_preformatted_chart_is_a_code_block_on_lines_of_its_own() {
        let rich = Rich::plain("Results:").preformatted("1 ██ 2\n5 █ 1");
        assert_eq!(mrkdwn(&rich), "Results:\n```\n1 ██ 2\n5 █ 1\n```\n");
    }

    #[test]
    fn every_block_kind_becomes_block_kit_with_the_fallback_set() {
        let mut message = Message::of(vec![
            Block::Header { text: "Pulse #1".into() },
            Block::Section { text: Rich::new().bold("How clear were handoffs?") },
            Block::Context { items: vec![Rich::plain("Why we ask"), Rich::plain("1 = not at all")] },
            Block::Buttons {
                buttons: (0..3)
                    .map(|i| Button {
                        action: "pulse".into(),
                        label: format!("{}", i + 1),
                        value: format!("1:{i}"),
                        style: if i == 0 { ButtonStyle::Primary } else { ButtonStyle::Default },
                    })
                    .collect(),
            },
            Block::Divider,
        ]);
        let png = Attachment { name: "pulse-1.png".into(), mime: "image/png".into(), bytes: vec![1] };
        message = message.with_image(png, "Chart");
        let before_upload = content(&message);
        assert!(before_upload["blocks"].as_array().unwrap().iter().all(|b| b["type"] != "image"));
        message.uploaded("pulse-1.png", FileRef::Uploaded { id: "F123".into(), url: None });
        let body = content(&message);
        assert!(body["text"].as_str().unwrap().starts_with("Pulse #1\nHow clear were handoffs?"), "{body}");
        let blocks = body["blocks"].as_array().unwrap();
        let kinds: Vec<&str> = blocks.iter().map(|b| b["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["header", "section", "context", "actions", "divider", "image"]);
        assert_eq!(blocks[0]["text"], json!({"type": "plain_text", "text": "Pulse #1", "emoji": true}));
        assert_eq!(blocks[1]["text"]["text"], "*How clear were handoffs?*");
        assert_eq!(blocks[2]["elements"].as_array().unwrap().len(), 2);
        let buttons = blocks[3]["elements"].as_array().unwrap();
        let ids: Vec<&str> = buttons.iter().map(|b| b["action_id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["pulse#0", "pulse#1", "pulse#2"], "unique within the block");
        assert_eq!(buttons[1]["value"], "1:1");
        assert_eq!(buttons[0]["style"], "primary");
        assert!(buttons[1].get("style").is_none());
        assert_eq!(blocks[5], json!({"type": "image", "alt_text": "Chart", "slack_file": {"id": "F123"}}));
    }

    #[test]
    fn a_clicked_action_id_gives_back_the_buttons_action() {
        assert_eq!(action_of("pulse#3"), "pulse");
        assert_eq!(action_of("pulse"), "pulse");
        assert_eq!(action_of("a#b"), "a#b");
        assert_eq!(action_of("x#"), "x#");
    }

    #[test]
    fn text_over_slacks_limits_is_cut_visibly_and_empty_blocks_are_left_out() {
        let long = "x".repeat(MAX_SECTION + 10);
        let out = blocks(&[
            Block::Section { text: Rich::plain(long) },
            Block::Section { text: Rich::plain("") },
            Block::Header { text: " ".into() },
            Block::Context { items: vec![] },
        ]);
        assert_eq!(out.len(), 1);
        let text = out[0]["text"]["text"].as_str().unwrap();
        assert_eq!(text.chars().count(), MAX_SECTION);
        assert!(text.ends_with('…'));
        assert_eq!(fallback(&Message::default()), "(meridian)");
    }
}
