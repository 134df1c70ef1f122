//! `meridian calendar import|export`: ICS in, into a company calendar kept in the database,
//! and ICS out, of any calendar meridian knows.

use super::app::load_parts;
use super::setup::Setup;
use crate::calendar::command::NewCalendar;
use crate::calendar::held::import_events;
use crate::calendar::{read_ics, write_ics, Kind, LiveLibrary, RegionCode};
use crate::service::library::{edit_held, sources};
use crate::store::Store;
use anyhow::{bail, Context};
use chrono::{Datelike, NaiveDate, Utc};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The ICS file.
    file: PathBuf,
    /// The company calendar to import into (ACME-PUNE); made when it does not exist yet.
    #[arg(long)]
    calendar: String,
    /// The kind of the events whose CATEGORIES name none: public, bank, optional, observance,
    /// festival or milestone. Public and bank days are days off for the calendar's members.
    #[arg(long, default_value = "observance")]
    kind: String,
    /// A new calendar's name (default: its code).
    #[arg(long)]
    name: Option<String>,
    /// A new calendar builds on this one (IN-MH): its holidays, zone and weekend.
    #[arg(long)]
    parent: Option<String>,
    /// A new calendar's time zone (default: its parent's, else UTC).
    #[arg(long)]
    tz: Option<String>,
    #[command(flatten)]
    setup: Setup,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// The calendar: a region (IN, AU-NSW) or a company calendar (ACME-PUNE).
    #[arg(long, visible_alias = "calendar")]
    region: String,
    /// A year, 1900 to 2200 (default: this year and the next).
    #[arg(long)]
    year: Option<i32>,
    #[command(flatten)]
    setup: Setup,
}

pub fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let code: RegionCode = args.calendar.parse().map_err(|e| anyhow::anyhow!("--calendar: {e}"))?;
    let kind: Kind = args.kind.parse().map_err(|e| anyhow::anyhow!("--kind: {e}"))?;
    let parent: Option<RegionCode> =
        args.parent.as_deref().map(str::parse).transpose().map_err(|e| anyhow::anyhow!("--parent: {e}"))?;
    let timezone =
        args.tz.as_deref().map(crate::team::parse_timezone).transpose().map_err(|e| anyhow::anyhow!("--tz: {e}"))?;
    let new = NewCalendar { name: args.name.clone(), parent, timezone };
    let bytes = std::fs::metadata(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?.len();
    if bytes > crate::calendar::MAX_ICS_BYTES as u64 {
        bail!(
            "{}: the file is {bytes} bytes; an ICS file may be at most {}",
            args.file.display(),
            crate::calendar::MAX_ICS_BYTES
        );
    }
    let text = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let text =
        String::from_utf8(text).map_err(|_| anyhow::anyhow!("{}: not a text file (UTF-8)", args.file.display()))?;
    let source = args.file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "file.ics".into());
    let parts = load_parts(args.setup.load()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = Store::connect(parts.config.database.expose()).await.context("cannot open the database")?;
        let library = library_with_store(&parts.calendars, &parts.config.calendars_dir, &store).await?;
        let zone = library
            .get(&code)
            .map(|c| c.timezone)
            .or(new.timezone)
            .or_else(|| new.parent.as_ref().and_then(|p| library.get(p)).map(|c| c.timezone))
            .unwrap_or(chrono_tz::UTC);
        let events = match read_ics(&args.file.display().to_string(), &text, zone) {
            Ok(events) => events,
            Err(errors) => {
                for e in &errors {
                    eprintln!("{e}");
                }
                bail!("{} error(s) in {}; nothing was imported", errors.len(), args.file.display());
            }
        };
        let count = events.len();
        let merge =
            edit_held(&store, &library, &code, Some(&new), chrono_tz::UTC, &source, "cli", Utc::now(), |file, text| {
                import_events(file, text, &source, kind, &events)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}; nothing was imported"))?;
        println!(
            "imported {count} events from {} into {code}: {} added, {} updated, {} removed, {} unchanged",
            args.file.display(),
            merge.added,
            merge.updated,
            merge.removed,
            merge.unchanged
        );
        store.close().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    if let Some(year) = args.year.filter(|y| !crate::chat::YEARS.contains(y)) {
        bail!("--year: '{year}' is not a year from 1900 to 2200");
    }
    let parts = load_parts(args.setup.load()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let library = runtime.block_on(async {
        // The company calendars kept in the database, when there is one; the files alone else.
        match Store::connect_existing(parts.config.database.expose()).await {
            Ok(store) => {
                let library = library_with_store(&parts.calendars, &parts.config.calendars_dir, &store).await;
                store.close().await;
                library
            }
            Err(_) => Ok(parts.calendars.current()),
        }
    })?;
    let calendar = library.find(&args.region)?;
    let this_year = Utc::now().year();
    let (from, to) = match args.year {
        Some(y) => (y, y),
        None => (this_year, this_year + 1),
    };
    let first = NaiveDate::from_ymd_opt(from, 1, 1).context("--year is out of range")?;
    let last = NaiveDate::from_ymd_opt(to, 12, 31).context("--year is out of range")?;
    let (occurrences, gaps) = calendar.occurrences(first, last);
    if let Some(line) = crate::calendar::TableGap::summary(&gaps) {
        eprintln!("warning: {line}");
    }
    super::print_out(&write_ics(&calendar.name, &occurrences, Utc::now()))?;
    Ok(ExitCode::SUCCESS)
}

/// The files' library with the company calendars kept in `store` added.
async fn library_with_store(
    live: &LiveLibrary,
    dir: &std::path::Path,
    store: &Store,
) -> anyhow::Result<std::sync::Arc<crate::calendar::Library>> {
    let (files, _) = sources(dir, store).await?;
    let reload = live.reload(files);
    if !reload.is_clean() {
        eprintln!("warning: calendar files have errors (run `meridian calendars check`):\n{}", reload.describe());
    }
    Ok(live.current())
}
