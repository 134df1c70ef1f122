//! `meridian members import people.csv`: a whole team's regions, company calendars, zones and
//! working hours from one CSV (the columns are in `roster`). Every row is checked first; with
//! a bad one nothing is written, unless `--skip-bad-rows` writes the good ones.

use super::app::load_parts;
use super::setup::CsvImport;
use crate::service::library::sources;
use crate::store::{Store, WorkspaceId};
use anyhow::{bail, Context};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Set members up from a CSV with a header row: user (the platform's user id), and any of
    /// name, region (IN-MH), subdivision, calendar (ACME-PUNE), tz (Asia/Kolkata), hours
    /// (09:00-18:00). An empty cell leaves that setting as it is.
    Import(ImportArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    csv: CsvImport,
    /// The workspace the users are in, as the platform names it (Slack team T0123, Discord
    /// server id, `console`); needed when meridian knows more than one.
    #[arg(long)]
    workspace: Option<String>,
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    let Command::Import(args) = command;
    let text = args.csv.read()?;
    let parts = load_parts(args.csv.setup.load()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = Store::connect(parts.config.database.expose()).await.context("cannot open the database")?;
        let (files, _) = sources(&parts.config.calendars_dir, &store).await?;
        parts.calendars.reload(files);
        let workspace = workspace(&store, args.workspace.as_deref()).await?;
        let name = args.csv.file.display().to_string();
        let (rows, errors) = crate::roster::read_roster(&name, &text, &parts.calendars.current());
        for e in &errors {
            eprintln!("{e}");
        }
        if !errors.is_empty() && !args.csv.skip_bad_rows {
            bail!("{} error(s) in {name}; nothing was written (--skip-bad-rows writes the good rows)", errors.len());
        }
        let added = store.import_members(workspace, &rows).await?;
        println!("set up {} members from {name} ({added} new, {} updated)", rows.len(), rows.len() - added);
        if !errors.is_empty() {
            println!(
                "skipped {} bad row(s)",
                errors.iter().map(|e| e.line).collect::<std::collections::BTreeSet<_>>().len()
            );
        }
        store.close().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The workspace named, or the only one meridian knows.
async fn workspace(store: &Store, named: Option<&str>) -> anyhow::Result<WorkspaceId> {
    let mut known = Vec::new();
    for channel in store.channels().await? {
        if let Some(ws) = store.workspace(channel.workspace).await? {
            if !known.iter().any(|(id, _): &(WorkspaceId, String)| *id == ws.id) {
                known.push((ws.id, format!("{}:{}", ws.platform, ws.external_id)));
            }
        }
    }
    let listed = || known.iter().map(|(_, name)| name.clone()).collect::<Vec<_>>().join(", ");
    match named {
        Some(name) => known
            .iter()
            .find(|(_, n)| n == name || n.split_once(':').is_some_and(|(_, id)| id == name))
            .map(|(id, _)| *id)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "--workspace: no workspace '{name}'; known: {}",
                    if known.is_empty() { "none yet".into() } else { listed() }
                )
            }),
        None => match known.as_slice() {
            [(id, _)] => Ok(*id),
            [] => bail!("meridian knows no workspace yet: run the bot and use a command in a channel first"),
            _ => bail!("--workspace: meridian knows several workspaces; name one of: {}", listed()),
        },
    }
}
