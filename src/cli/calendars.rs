//! `meridian calendars check|list`: validate calendar files, list the known regions.

use crate::calendar::{read_calendar_files, review, CalendarError, Library, SharedText};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Validate calendar files (a folder or one file) and review their culture notes (wrong
    /// language, copies across countries, solemn days, refused emoji); every problem names
    /// the file and line, and any problem makes the exit code 1.
    Check {
        /// A calendar file or a folder of them.
        #[arg(default_value = "calendars")]
        path: PathBuf,
    },
    /// List the known regions with their time zone and number of events.
    List {
        /// A folder of calendar files that add to or replace the shipped ones.
        #[arg(long)]
        calendars: Option<PathBuf>,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check { path } => check(&path),
        Command::List { calendars } => {
            let library = load(calendars.as_deref())?;
            let mut out = format!("{:<8} {:<28} {:<22} {:>6}\n", "CODE", "NAME", "TIME ZONE", "EVENTS");
            for c in library.regions() {
                out += &format!("{:<8} {:<28} {:<22} {:>6}\n", c.code, c.name, c.timezone.name(), c.event_count());
            }
            super::print_out(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let files =
        read_calendar_files(path).with_context(|| format!("cannot read calendar files at {}", path.display()))?;
    if files.is_empty() {
        anyhow::bail!("no calendar files (*.toml) at {}", path.display());
    }
    let count = files.len();
    // Shipped files go first so a subdivision checked alone still finds its nation, and so
    // that a copy of a shipped note in a local file is seen.
    let all: Vec<(String, String)> = crate::calendar::shipped_files().chain(files).collect();
    let errors = match Library::from_files(all.clone()) {
        Ok(_) => Vec::new(),
        Err(CalendarError::Files(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    let findings = review(all, &SharedText::shipped());
    if errors.is_empty() && findings.is_empty() {
        println!("ok: {count} calendar file(s) at {} are valid and pass the culture review", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    for e in errors.iter().chain(&findings) {
        eprintln!("{e}");
    }
    eprintln!(
        "{} error(s) and {} culture-review finding(s) in calendar files at {} (calendars/README.md says how to fix each)",
        errors.len(),
        findings.len(),
        path.display()
    );
    Ok(ExitCode::FAILURE)
}

/// The shipped calendars, overlaid with the files of `dir` when given (or when `./calendars`
/// exists), so HR's edits take effect without a rebuild.
pub fn load(dir: Option<&Path>) -> anyhow::Result<Library> {
    let default = Path::new("calendars");
    let dir = dir.or_else(|| default.is_dir().then_some(default));
    let extra = match dir {
        Some(d) => read_calendar_files(d).with_context(|| format!("cannot read calendar files at {}", d.display()))?,
        None => Vec::new(),
    };
    Library::from_files(crate::calendar::shipped_files().chain(extra))
        .context("the calendar files have errors (run `meridian calendars check`)")
}
