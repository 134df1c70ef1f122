//! Message templates (`prompts/messages/*.j2`, minijinja) turned into platform-neutral
//! [`Message`]s. The shipped templates are compiled in; a prompts folder can override them.
//!
//! A template renders plain text with a few line conventions, so HR can edit wording without
//! knowing any platform's block format: `# ` starts a header, `~ ` a line of small print,
//! `---` a divider, and blank lines separate paragraphs (one section each). Within a line,
//! meridian markup (`**bold**`, `_italic_`, `` `code` ``, links; see `chat::Rich`) gives
//! emphasis that each platform shows its own way.

use crate::chat::{Block, Message, Rich};
use minijinja::value::Serde;
use minijinja::Environment;
use serde::Serialize;
use std::path::Path;

const SHIPPED: &[(&str, &str)] = &[
    ("brief", include_str!("../prompts/messages/brief.j2")),
    ("brief_events", include_str!("../prompts/messages/brief_events.j2")),
    ("brief_settings", include_str!("../prompts/messages/brief_settings.j2")),
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
    /// A template that does not parse, or fails when rendered with a sample: found at start,
    /// named by its file and line, rather than when a post is due.
    #[error("{file}:{line}: {message}")]
    Broken { file: String, line: usize, message: String },
}

/// Where a template came from, for errors: `prompts/messages/NAME.j2`, or the override's path.
fn origin(name: &str) -> String {
    format!("prompts/messages/{name}.j2")
}

fn broken(file: &str, e: &minijinja::Error) -> RenderError {
    let message = match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    };
    RenderError::Broken { file: file.to_string(), line: e.line().unwrap_or(1), message }
}

/// The message templates, ready to render.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// The templates shipped in `prompts/messages/`.
    pub fn shipped() -> Result<Templates, RenderError> {
        Templates::build(SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string(), origin(n))))
    }

    /// The shipped templates, with any `NAME.j2` in `dir` replacing the shipped one.
    pub fn with_overrides(dir: &Path) -> Result<Templates, RenderError> {
        let mut all: Vec<(String, String, String)> =
            SHIPPED.iter().map(|(n, t)| (n.to_string(), t.to_string(), origin(n))).collect();
        for (name, text, from) in &mut all {
            let path = dir.join(format!("{name}.j2"));
            if path.is_file() {
                *text = std::fs::read_to_string(&path)
                    .map_err(|source| RenderError::Read { path: path.display().to_string(), source })?;
                *from = path.display().to_string();
            }
        }
        Templates::build(all)
    }

    /// Parses every template, then renders each once with an empty context and those with a
    /// sample with it (the brief), so that a mistake is reported now, with its file and line,
    /// and not at 08:30 when the first brief is due.
    fn build(templates: impl IntoIterator<Item = (String, String, String)>) -> Result<Templates, RenderError> {
        let mut env = Environment::new();
        // Block tags on their own lines leave no blank lines behind.
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(|e| broken("(syntax)", &e))?;
        env.set_syntax(syntax);
        // A missing field renders as nothing rather than failing a post: HR edits these.
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        let mut origins = Vec::new();
        for (name, text, from) in templates {
            env.add_template_owned(name.clone(), text).map_err(|e| broken(&from, &e))?;
            origins.push((name, from));
        }
        let samples = [("brief", crate::brief::message::sample_context())];
        for (name, from) in &origins {
            let template = env.get_template(name).map_err(|e| broken(from, &e))?;
            template.render(Serde(serde_json::json!({}))).map_err(|e| broken(from, &e))?;
            for (_, sample) in samples.iter().filter(|(n, _)| n == name) {
                template.render(Serde(sample)).map_err(|e| broken(from, &e))?;
            }
        }
        Ok(Templates { env })
    }

    /// Renders template `name` with `context` into a message.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<Message, RenderError> {
        let template =
            self.env.get_template(name).map_err(|source| RenderError::Template { name: name.into(), source })?;
        let text =
            template.render(Serde(context)).map_err(|source| RenderError::Template { name: name.into(), source })?;
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
    fn a_broken_template_is_reported_at_start_with_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("brief.j2"), "# Brief\n{% if quiet %}\nquiet\n{% endfor %}\n").unwrap();
        let e = Templates::with_overrides(dir.path()).err().expect("refused").to_string();
        let file = dir.path().join("brief.j2").display().to_string();
        assert!(e.starts_with(&format!("{file}:4: syntax error")), "{e}");
        // One that parses but fails when it runs (an unknown filter) is found too.
        std::fs::write(dir.path().join("brief.j2"), "# Brief\n\n{{ date | shout }}\n").unwrap();
        let e = Templates::with_overrides(dir.path()).err().expect("refused").to_string();
        assert!(e.starts_with(&format!("{file}:3: ")) && e.contains("shout"), "{e}");
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
