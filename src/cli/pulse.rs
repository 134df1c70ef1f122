//! `meridian pulse export --channel NAME --csv`: a channel's pulse results as aggregates
//! (counts per choice and disclosed group), never individual votes.

use super::app::{find_channel, load_parts};
use super::setup::Setup;
use crate::chat::Platforms;
use crate::clock::SystemClock;
use crate::pulse::{to_csv, PulseRecord, QuestionId};
use crate::service::pulses::{answer_of, eligible, tally_of};
use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Write a channel's pulse results as CSV to standard output.
    Export {
        /// The channel's name (without #).
        #[arg(long)]
        channel: String,
        /// CSV output (the only format).
        #[arg(long, default_value_t = true)]
        csv: bool,
        #[command(flatten)]
        setup: Setup,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    let Command::Export { channel, csv: _, setup } = command;
    let parts = load_parts(setup.load()?)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async move {
        let store =
            Store::connect_existing(parts.config.database.expose()).await.context("cannot open the database")?;
        let channel = find_channel(&store, &channel).await?;
        let bot = parts.bot(store, Arc::new(SystemClock), Platforms::default());
        let mut records = Vec::new();
        let mut pulses = bot.store.pulses_in_channel(channel.id).await?;
        pulses.sort_by_key(|p| p.opens_at);
        // The command line has no platform to ask: the members meridian knows stand in, as they
        // do in the results post on a platform without a member list.
        let members = bot.store.members_of_channel(channel.id).await?.len();
        for p in pulses {
            let answer = answer_of(&bot, &p);
            let eligible = eligible(&bot, &p, members).await;
            let tally = tally_of(&bot, &p, &answer, Some(eligible)).await?;
            records.push(PulseRecord {
                pulse_id: p.id,
                channel: channel.name.clone(),
                question_id: p
                    .question_id
                    .as_deref()
                    .and_then(|id| QuestionId::new(id).ok())
                    .unwrap_or_else(|| QuestionId::custom(&p.question)),
                theme: p.theme.as_deref().and_then(|t| t.parse().ok()),
                question: p.question.clone(),
                opened_at: p.opens_at,
                closed_at: p.closed_at,
                tally,
            });
        }
        super::print_out(&to_csv(&records))
    })?;
    Ok(ExitCode::SUCCESS)
}
