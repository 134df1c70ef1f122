//! What every long-running or database-reading command builds first: the configuration, the
//! calendars, templates and question bank (with HR's local overrides), and channel lookup.

use super::calendars::load_live;
use crate::bot::Parts;
use crate::config::Config;
use crate::pulse::QuestionBank;
use crate::render::Templates;
use crate::store::{Channel, Store};
use std::path::Path;
use std::sync::Arc;

/// The bot's parts: shipped files, replaced by any of the same name in the configured
/// calendars folder, `prompts/messages/` and `prompts/pulse/`.
pub fn load_parts(config: Config) -> anyhow::Result<Parts> {
    // The default folder may be absent (the shipped calendars are compiled in); a folder the
    // configuration names must be there, or HR's calendars would be silently left out.
    let dir = config.calendars_dir.as_path();
    if !dir.is_dir() && dir != Path::new("calendars") {
        anyhow::bail!(
            "{}: key 'calendars.dir': '{}' is not a folder (paths are read from where meridian runs)",
            config.source.as_deref().map(|p| p.display().to_string()).unwrap_or_else(|| "meridian.toml".into()),
            dir.display()
        );
    }
    let calendars = load_live(Some(dir).filter(|d| d.is_dir()))?;
    let messages = Path::new("prompts/messages");
    let templates = if messages.is_dir() { Templates::with_overrides(messages)? } else { Templates::shipped()? };
    let questions = Path::new("prompts/pulse");
    let bank = if questions.is_dir() { QuestionBank::load_dir(questions)? } else { QuestionBank::shipped() };
    Ok(Parts {
        config: Arc::new(config),
        calendars: Arc::new(calendars),
        templates: Arc::new(templates),
        bank: Arc::new(bank),
    })
}

/// A channel by its name (with or without #), or an error listing the known ones.
pub async fn find_channel(store: &Store, name: &str) -> anyhow::Result<Channel> {
    let wanted = name.trim_start_matches('#');
    let channels = store.channels().await?;
    let known: Vec<String> = channels.iter().map(|c| format!("#{}", c.name)).collect();
    match channels.into_iter().find(|c| c.name == wanted) {
        Some(channel) => Ok(channel),
        None => anyhow::bail!(
            "--channel: no channel named '{wanted}'; known: {}",
            if known.is_empty() { "none yet".into() } else { known.join(", ") }
        ),
    }
}
