//! `meridian holidays`: a region's events for a year or a date range, as a table or JSON.

use super::calendars::load;
use super::print_out;
use crate::calendar::{Kind, Occurrence};
use anyhow::{bail, Context};
use chrono::{Datelike, NaiveDate};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Region code (IN, US, AU-NSW) or name (India).
    #[arg(long, short)]
    region: String,
    /// A calendar year, 1900 to 2200 (default: this year).
    #[arg(long, short, conflicts_with_all = ["from", "to"], value_parser = parse_year)]
    year: Option<i32>,
    /// First date, YYYY-MM-DD (with --to).
    #[arg(long, requires = "to", value_parser = parse_date)]
    from: Option<NaiveDate>,
    /// Last date, YYYY-MM-DD, inclusive (with --from).
    #[arg(long, requires = "from", value_parser = parse_date)]
    to: Option<NaiveDate>,
    /// Only these kinds (public, bank, optional, observance, festival, milestone).
    #[arg(long, value_delimiter = ',', value_parser = parse_kind)]
    kind: Vec<Kind>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
    /// A folder of calendar files that add to or replace the shipped ones.
    #[arg(long)]
    calendars: Option<PathBuf>,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    crate::chat::calendar_date(text)
        .ok_or_else(|| format!("'{text}' is not a date from 1900 to 2200; expected YYYY-MM-DD"))
}

fn parse_year(text: &str) -> Result<i32, String> {
    text.parse::<i32>()
        .ok()
        .filter(|y| crate::chat::YEARS.contains(y))
        .ok_or_else(|| format!("'{text}' is not a year from 1900 to 2200"))
}

fn parse_kind(text: &str) -> Result<Kind, String> {
    text.parse()
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let library = load(args.calendars.as_deref())?;
    let calendar = library.find(&args.region)?;
    let (from, to) = match (args.from, args.to) {
        (Some(from), Some(to)) if from > to => bail!("--from {from} is after --to {to}"),
        (Some(from), Some(to)) => (from, to),
        _ => {
            let year = args.year.unwrap_or_else(|| chrono::Utc::now().year());
            let from = NaiveDate::from_ymd_opt(year, 1, 1).with_context(|| format!("--year {year} is out of range"))?;
            (from, NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(from))
        }
    };
    let (mut occurrences, gaps) = calendar.occurrences(from, to);
    if !args.kind.is_empty() {
        occurrences.retain(|o| args.kind.contains(&o.kind));
    }
    // One line however long the query: every gap is an event past its table.
    if let Some(line) = crate::calendar::TableGap::summary(&gaps) {
        eprintln!("warning: {line}");
    }
    if args.json {
        print_out(&(serde_json::to_string_pretty(&occurrences)? + "\n"))?;
    } else {
        let title =
            format!("{} ({}), {from} to {to}, times in {}\n", calendar.name, calendar.code, calendar.timezone.name());
        print_out(&(title + &table(&occurrences)))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn table(occurrences: &[Occurrence]) -> String {
    if occurrences.is_empty() {
        return "(nothing in this range)\n".to_string();
    }
    let width = occurrences.iter().map(|o| o.name.chars().count()).max().unwrap_or(4).max(4);
    let mut out = format!("{:<10}  {:<3}  {:<width$}  {:<10}  {}\n", "DATE", "DAY", "NAME", "KIND", "REGION");
    for o in occurrences {
        let pad = width - o.name.chars().count();
        out.push_str(&format!(
            "{}  {}  {}{}  {:<10}  {}\n",
            o.date,
            o.date.format("%a"),
            o.name,
            " ".repeat(pad),
            o.kind.as_str(),
            o.region
        ));
    }
    out
}
