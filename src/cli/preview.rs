//! `meridian preview --channel NAME --days 14`: what a channel would post and when (reminders,
//! pulses, daily briefs), in its own time zone, without posting anything.

use super::app::{find_channel, load_parts};
use super::setup::Setup;
use crate::chat::Platforms;
use crate::clock::SystemClock;
use crate::posts::when;
use crate::store::Store;
use anyhow::Context;
use chrono::{Duration, Utc};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The channel's name (as shown in the console or chat, without #).
    #[arg(long)]
    channel: String,
    /// How many days ahead (1 to 366).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=366))]
    days: u32,
    /// Start from this instant instead of now (RFC 3339, e.g. 2026-11-01T00:00:00Z).
    #[arg(long, value_parser = parse_from)]
    from: Option<chrono::DateTime<Utc>>,
    #[command(flatten)]
    setup: Setup,
}

fn parse_from(text: &str) -> Result<chrono::DateTime<Utc>, String> {
    crate::platforms::console::parse_instant(text, chrono_tz::UTC)
        .ok_or_else(|| format!("'{text}' is not a time from 1900 to 2200 such as 2026-11-01T00:00:00Z"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let parts = load_parts(args.setup.load()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let store =
            Store::connect_existing(parts.config.database.expose()).await.context("cannot open the database")?;
        let channel = &find_channel(&store, &args.channel).await?;
        let scheduler = parts.bot(store, Arc::new(SystemClock), Platforms::default()).scheduler();
        let from = args.from.unwrap_or_else(Utc::now);
        let to = from + Duration::days(i64::from(args.days));
        let tz = channel.settings.timezone;
        let reminders = scheduler.preview(channel, from, to).await?;
        let mut lines: Vec<(chrono::DateTime<Utc>, String)> = reminders
            .iter()
            .map(|r| {
                let what = format!(
                    "{} — {} ({}, {})",
                    r.occurrence.name,
                    when(r.days_before, r.occurrence.date),
                    r.occurrence.region,
                    r.occurrence.date
                );
                (r.post_at, what)
            })
            .collect();
        lines.extend(scheduler.preview_pulses(channel, from, to).await?);
        lines.extend(scheduler.preview_briefs(channel, from, to).await?);
        lines.sort();
        let mut out = format!(
            "#{} would post {} time(s) in the next {} days (times in {}):\n",
            channel.name,
            lines.len(),
            args.days,
            tz.name()
        );
        for (at, what) in &lines {
            out += &format!("{}  {what}\n", crate::posts::local_moment(*at, tz, "%a %Y-%m-%d %H:%M"));
        }
        super::print_out(&out)
    })?;
    Ok(ExitCode::SUCCESS)
}
