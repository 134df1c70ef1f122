//! `meridian calendars check|list`: validate calendar files, list the known regions.

use crate::calendar::{read_calendar_files, review, CalendarError, Library, LiveLibrary, SharedText};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Validate calendar files (a folder or one file) and review their culture notes (wrong
    /// language, copies across countries, solemn days, refused emoji); every problem names
    /// the file and line, and any problem makes the exit code 1. Without a path: the
    /// calendars meridian would load (the shipped ones, and ./calendars when there is such a
    /// folder).
    Check {
        /// A calendar file or a folder of them.
        path: Option<PathBuf>,
        /// Also print, per event with both a table and a computed lunar rule, how the
        /// computed dates compare with the table's years (exact / one day off / other), as a
        /// Markdown table.
        #[arg(long)]
        compare: bool,
    },
    /// List the known regions with their time zone and number of events.
    List {
        /// A folder of calendar files that add to or replace the shipped ones.
        #[arg(long)]
        calendars: Option<PathBuf>,
    },
    /// Import an ICS file (Google Calendar, Outlook, a government feed) into a company
    /// calendar kept in meridian's database; a running bot picks it up within seconds.
    /// Importing the same file again replaces its events by UID (an updated event replaces
    /// the old one, a removed one disappears); events added in chat stay.
    Import(super::calendar_io::ImportArgs),
    /// Print a calendar as ICS (all-day events with stable UIDs), e.g.
    /// `meridian calendar export --region IN --year 2027 > IN.ics`.
    Export(super::calendar_io::ExportArgs),
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import(args) => super::calendar_io::import(args),
        Command::Export(args) => super::calendar_io::export(args),
        Command::Check { path, compare: true } => {
            let status = run(Command::Check { path: path.clone(), compare: false })?;
            let folder = path.or_else(|| Path::new("calendars").is_dir().then(|| PathBuf::from("calendars")));
            let library = match folder {
                Some(dir) => load(Some(&dir))?,
                None => Library::shipped()?,
            };
            super::print_out(&comparison_table(&crate::calendar::compare(&library, i32::MIN, i32::MAX)))?;
            Ok(status)
        }
        Command::Check { path: Some(path), compare: false } => check(&path),
        Command::Check { path: None, compare: false } => {
            let folder = Path::new("calendars");
            if folder.is_dir() {
                check(folder)
            } else {
                // The shipped calendars alone.
                let count = crate::calendar::shipped_files().count();
                report(
                    crate::calendar::shipped_files().collect(),
                    Vec::new(),
                    &format!("the {count} shipped calendar file(s)"),
                )
            }
        }
        Command::List { calendars } => {
            let library = load(calendars.as_deref())?;
            let rows: Vec<[String; 4]> = library
                .regions()
                .map(|c| {
                    [c.code.to_string(), c.name.clone(), c.timezone.name().to_string(), c.event_count().to_string()]
                })
                .collect();
            super::print_out(&table(["CODE", "NAME", "TIME ZONE", "EVENTS"], &rows))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The comparison of computed dates with tables as a Markdown table, then one total line per
/// family of calendars.
fn comparison_table(rows: &[crate::calendar::Comparison]) -> String {
    let mut out = String::from(
        "| Region | Event | Computed rule | Years | Exact | 1 day off | Other |\n|---|---|---|--:|--:|--:|--:|\n",
    );
    for r in rows {
        out += &format!(
            "| {} | {} | `{}` | {} | {} | {} | {} |\n",
            r.region,
            r.name,
            r.rule,
            r.years(),
            r.exact,
            r.one_day_off,
            r.other
        );
    }
    let mut families: Vec<_> = rows.iter().map(|r| r.family).collect();
    families.sort();
    families.dedup();
    out += "\n";
    for family in families {
        let of: Vec<_> = rows.iter().filter(|r| r.family == family).collect();
        let sum = |f: fn(&crate::calendar::Comparison) -> u32| of.iter().map(|r| f(r)).sum::<u32>();
        out += &format!(
            "{}: {} event(s), {} table years: {} exact, {} one day off, {} other\n",
            family.as_str(),
            of.len(),
            sum(|r| r.years()),
            sum(|r| r.exact),
            sum(|r| r.one_day_off),
            sum(|r| r.other)
        );
    }
    out
}

/// Columns as wide as their widest cell (in characters), the last one right-aligned.
fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0);
    let widths: Vec<usize> = (0..N).map(width).collect();
    let line = |cells: [&str; N]| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i + 1 == N {
                out += &format!("{}{cell}", " ".repeat(pad));
            } else {
                out += &format!("{cell}{}  ", " ".repeat(pad));
            }
        }
        out + "\n"
    };
    let mut out = line(header);
    for row in rows {
        out += &line(std::array::from_fn(|i| row[i].as_str()));
    }
    out
}

fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let files =
        read_calendar_files(path).with_context(|| format!("cannot read calendar files at {}", path.display()))?;
    if files.texts.is_empty() && files.unreadable.is_empty() {
        anyhow::bail!("no calendar files (*.toml) at {}", path.display());
    }
    let count = files.texts.len() + files.unreadable.len();
    // Shipped files go first so a subdivision checked alone still finds its nation, and so
    // that a copy of a shipped note in a local file is seen.
    let all: Vec<(String, String)> = crate::calendar::shipped_files().chain(files.texts).collect();
    report(all, files.unreadable, &format!("{count} calendar file(s) at {}", path.display()))
}

/// Parses and reviews `files`, prints every error and finding (file:line first) and says
/// whether `what` passed. `unreadable` are files that could not be read as text.
fn report(
    files: Vec<(String, String)>,
    unreadable: Vec<crate::calendar::FileError>,
    what: &str,
) -> anyhow::Result<ExitCode> {
    let mut errors = match Library::from_files(files.clone()) {
        Ok(_) => Vec::new(),
        Err(CalendarError::Files(errors)) => errors,
        Err(e) => return Err(e.into()),
    };
    errors.splice(0..0, unreadable);
    let findings = review(files, &SharedText::shipped());
    if errors.is_empty() && findings.is_empty() {
        println!("ok: {what} are valid and pass the culture review");
        return Ok(ExitCode::SUCCESS);
    }
    for e in errors.iter().chain(&findings) {
        eprintln!("{e}");
    }
    eprintln!(
        "{} error(s) and {} culture-review finding(s) in {what} (calendars/README.md says how to fix each)",
        errors.len(),
        findings.len(),
    );
    Ok(ExitCode::FAILURE)
}

/// The shipped calendars, overlaid with the files of `dir` when given (or when `./calendars`
/// exists), so HR's edits take effect without a rebuild. A file with errors is reported on
/// standard error and left out (the shipped calendar of its name stays), so one bad file
/// stops no command.
pub fn load(dir: Option<&Path>) -> anyhow::Result<Library> {
    Ok(load_live(dir)?.current().as_ref().clone())
}

/// [`load`], as the library a running bot keeps current.
pub fn load_live(dir: Option<&Path>) -> anyhow::Result<LiveLibrary> {
    let default = Path::new("calendars");
    let dir = dir.or_else(|| default.is_dir().then_some(default));
    let (extra, unreadable) = match dir {
        Some(d) => {
            let files =
                read_calendar_files(d).with_context(|| format!("cannot read calendar files at {}", d.display()))?;
            (files.texts, files.unreadable)
        }
        None => (Vec::new(), Vec::new()),
    };
    let (live, reload) = LiveLibrary::load(extra);
    let problems: Vec<String> =
        unreadable.iter().map(ToString::to_string).chain((!reload.is_clean()).then(|| reload.describe())).collect();
    if !problems.is_empty() {
        tracing::warn!("calendar files have errors (run `meridian calendars check`):\n{}", problems.join("\n"));
    }
    Ok(live)
}
