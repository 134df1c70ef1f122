//! `meridian milestones import milestones.csv`: the team's dates (name, date, yearly, channel)
//! for many channels at once. Every row is checked first (a channel meridian does not know is
//! a bad row); with a bad one nothing is written, unless `--skip-bad-rows` writes the good ones.

use super::app::load_parts;
use super::setup::CsvImport;
use crate::store::{EventKind, EventScope, NewCustomEvent, Store};
use anyhow::{bail, Context};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Add milestones from a CSV with a header row: name, date (YYYY-MM-DD), yearly (yes/no,
    /// optional), channel (its name). A past date needs yearly; the same name and date twice
    /// in a channel is skipped.
    Import(CsvImport),
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    let Command::Import(args) = command;
    let text = args.read()?;
    let parts = load_parts(args.setup.load()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = Store::connect(parts.config.database.expose()).await.context("cannot open the database")?;
        let name = args.file.display().to_string();
        let (rows, mut errors) = crate::roster::read_milestones(&name, &text);
        let channels = store.channels().await?;
        let today = chrono::Utc::now().date_naive();
        let mut adding = Vec::new();
        let mut skipped_twins = 0;
        for row in rows {
            let Some(channel) = channels.iter().find(|c| c.name == row.channel) else {
                let known: Vec<String> = channels.iter().map(|c| format!("#{}", c.name)).collect();
                errors.push(crate::roster::RosterError {
                    file: name.clone(),
                    line: row.line,
                    column: 0,
                    column_name: "channel".into(),
                    message: format!("no channel named '{}'; known: {}", row.channel, known.join(", ")),
                });
                continue;
            };
            if !row.yearly && row.date < today {
                errors.push(crate::roster::RosterError {
                    file: name.clone(),
                    line: row.line,
                    column: 0,
                    column_name: "date".into(),
                    message: format!("{} is in the past; give a later date, or yearly = yes", row.date),
                });
                continue;
            }
            let existing = store.custom_events(EventScope::Channel(channel.id)).await?;
            if existing.iter().any(|e| e.date == row.date && e.name.eq_ignore_ascii_case(&row.name)) {
                skipped_twins += 1;
                continue;
            }
            let event = NewCustomEvent {
                scope: EventScope::Channel(channel.id),
                name: row.name,
                date: row.date,
                yearly: row.yearly,
                kind: EventKind::Milestone,
                note: None,
                created_by: "cli".into(),
            };
            adding.push((channel.clone(), event));
        }
        errors.sort_by_key(|e| e.line);
        for e in &errors {
            eprintln!("{e}");
        }
        if !errors.is_empty() && !args.skip_bad_rows {
            bail!("{} error(s) in {name}; nothing was written (--skip-bad-rows writes the good rows)", errors.len());
        }
        store.add_channel_events(&adding).await?;
        for channel in adding.iter().map(|(c, _)| c.id).collect::<std::collections::BTreeSet<_>>() {
            crate::service::calendar::start_channel(&store, channel, chrono::Utc::now()).await?;
        }
        println!("added {} milestones from {name} ({skipped_twins} already there)", adding.len());
        store.close().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
