//! Message templates (`prompts/messages/*.j2`, minijinja) turned into platform-neutral
//! [`Message`]s. The shipped templates are compiled in; a prompts folder can override them.
//!
//! A template renders plain text with a few line conventions, so HR can edit wording without
//! knowing any platform's block format: `# ` starts a header, `~ ` a line of small print,
//! `---` a divider, and blank lines separate paragraphs (one section each). Within a line,
//! meridian markup (`**bold**`, `_italic_`, `` `code` ``, links; see `chat::Rich`) gives
//! emphasis that each platform shows its own way.

use crate::chat::{Block, Message, Rich};
use minijinja::Environment;
use serde::Serialize;
use std::path::Path;

const SHIPPED: &[(&str, &str)] = &[
    ("digest", include_str!("../prompts/messages/digest.j2")),
    ("help", include_str!("../prompts/messages/help.j2")),
    ("milestones", include_str!("../prompts/messages/milestones.j2")),
    ("regions", include_str!("../prompts/messages/regions.j2")),
    ("settings", include_str!("../prompts/messages/settings.j2")),
    ("upcoming", include_str!("../prompts/messages/upcoming.j2")),
    ("whosoff", include_str!("../prompts/messages/whosoff.j2")),
];

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template '{name}': {source}")]
    Template { name: String, source: minijinja::Error },
    #[error("cannot read template {path}: {source}")]
    Read { path: String, source: std::io::Error },
}

/// The message templates, ready to render.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The templates shipped in `prompts/messages/`.
    pub fn shipped() -> Result<Templates, RenderError> {
        Templates::build(SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string())))
    }

    /// The shipped templates, with any `NAME.j2` in `dir` replacing the shipped one.
    pub fn with_overrides(dir: &Path) -> Result<Templates, RenderError> {
        let mut all: Vec<(String, String)> = SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
        for (name, text) in &mut all {
            let path = dir.join(format!("{name}.j2"));
            if path.is_file() {
                *text = std::fs::read_to_string(&path)
                    .map_err(|source| RenderError::Read { path: path.display().to_string(), source })?;
            }
        }
        Templates::build(all)
    }

    fn build(templates: impl IntoIterator<Item = (String, String)>) -> Result<Templates, RenderError> {
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        // A missing field renders as nothing rather than failing a post: HR edits these.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, text) in templates {
            env.add_template_owned(name.clone(), text).map_err(|source| RenderError::Template { name, source })?;
        }
        Ok(Templates { env })
    }

    /// Renders template `name` with `context` into a message.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<Message, RenderError> {
        let template =
            self.env.get_template(name).map_err(|source| RenderError::Template { name: name.into(), source })?;
        let text = template.render(context).map_err(|source| RenderError::Template { name: name.into(), source })?;
        Ok(to_message(&text))
    }
}

/// Applies the line conventions described at the top of this module.
pub fn to_message(text: &str) -> Message {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let flush = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Section { text: Rich::parse(&paragraph.join("\n")) });
            paragraph.clear();
        }
    };
    for line in text.trim().lines() {
        let trimmed = line.trim_end();
        if let Some(header) = trimmed.strip_prefix("# ") {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Header { text: header.trim().to_string() });
        } else if let Some(small) = trimmed.strip_prefix("~ ") {
            flush(&mut paragraph, &mut blocks);
            match blocks.last_mut() {
                Some(Block::Context { items }) => items.push(Rich::parse(small.trim())),
                _ => blocks.push(Block::Context { items: vec![Rich::parse(small.trim())] }),
            }
        } else if trimmed == "---" {
            flush(&mut paragraph, &mut blocks);
            blocks.push(Block::Divider);
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut blocks);
        } else {
            paragraph.push(trimmed);
        }
    }
    flush(&mut paragraph, &mut blocks);
    Message::of(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn line_conventions_become_blocks() {
        let m = to_message("# Title\nfirst line\nsecond line\n\nnext paragraph\n---\n~ small\n~ print");
        assert_eq!(
            m.blocks,
            vec![
                Block::Header { text: "Title".into() },
                Block::Section { text: Rich::plain("first line\nsecond line") },
                Block::Section { text: Rich::plain("next paragraph") },
                Block::Divider,
                Block::Context { items: vec![Rich::plain("small"), Rich::plain("print")] },
            ]
        );
        assert_eq!(m.text, "Title\nfirst line\nsecond line\nnext paragraph\nsmall · print");
    }

    #[test]
    fn every_shipped_template_renders_with_an_empty_context() {
        let t = Templates::shipped().unwrap();
        for (name, _) in SHIPPED {
            t.render(name, json!({})).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn a_reminder_carries_the_culture_note() {
        let t = Templates::shipped().unwrap();
        let m = t
            .render(
                "digest",
                json!({
                    "events": [{"name": "Diwali", "date": "2026-11-08", "weekday": "Sun", "kind": "public",
                                "kind_text": "public holiday", "region_codes": "IN", "region_names": "India",
                                "holiday_in": "a public holiday in India",
                                "emoji": "🪔", "about": "The festival of lights.", "greeting": "Happy Diwali!",
                                "when": "on Sunday", "off": [{"region": "IN", "people": ["arjun"]}],
                                "anyone_off": true}],
                    "channel_timezone": "Kolkata time, UTC+5:30"
                }),
            )
            .unwrap();
        assert_eq!(m.blocks[0], Block::Header { text: "🪔 Diwali — on Sunday".into() });
        assert!(m.text.contains("Diwali is a public holiday in India on Sunday (Sun 2026-11-08)"), "{}", m.text);
        assert!(m.text.contains("How to greet: Happy Diwali!"));
        assert!(m.text.contains("Who will be off: arjun"), "{}", m.text);
        assert!(m.text.ends_with("Times are Kolkata time, UTC+5:30."), "{}", m.text);
        let Block::Section { text } = &m.blocks[1] else { panic!("{:?}", m.blocks) };
        assert_eq!(text.0[0], crate::chat::Span::Bold("Diwali".into()));
    }
}
