//! `meridian brief --channel NAME [--date 2026-12-24]`: a channel's daily brief for a date,
//! printed as the console shows it, without posting anything or remembering its headlines.

use super::app::{find_channel, load_parts};
use super::setup::Setup;
use crate::chat::Platforms;
use crate::clock::SystemClock;
use crate::store::Store;
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The channel's name (as shown in the console or chat, without #).
    #[arg(long)]
    channel: String,
    /// The brief's date (YYYY-MM-DD, 1900 to 2200); today in the channel's zone if left out.
    /// Headlines are fetched only for today's brief.
    #[arg(long, value_parser = parse_date)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    setup: Setup,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    crate::chat::calendar_date(text)
        .ok_or_else(|| format!("'{text}' is not a date from 1900 to 2200 such as 2026-12-24"))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let parts = load_parts(args.setup.load()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let store =
            Store::connect_existing(parts.config.database.expose()).await.context("cannot open the database")?;
        let channel = find_channel(&store, &args.channel).await?;
        if channel.customer_regions.is_empty() {
            anyhow::bail!(
                "--channel: #{} has no customers' regions, so it has no brief; set them in chat with `/brief regions AU GB US-CA`",
                channel.name
            );
        }
        let bot = parts.bot(store, Arc::new(SystemClock), Platforms::default());
        let now = Utc::now();
        let date = args.date.unwrap_or_else(|| now.with_timezone(&channel.settings.timezone).date_naive());
        let message = crate::service::briefs::preview(&bot, &channel, date, now).await?;
        bot.store.close().await;
        super::print_out(&crate::platforms::console::render(&message))
    })?;
    Ok(ExitCode::SUCCESS)
}
