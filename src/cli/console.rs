//! `meridian run` and `meridian console`: the bot in a terminal. `run` picks the console when
//! no Slack or Discord token is set; `console --script FILE` runs a script and exits.

use super::app::load_parts;
use super::setup::Setup;
use crate::platforms::console::{Session, SessionOptions};
use anyhow::Context;
use chrono::Utc;
use chrono_tz::Tz;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, BufReader};

#[derive(clap::Args)]
pub struct Args {
    /// Run this script (a file, or - for standard input) and exit.
    #[arg(long)]
    pub script: Option<PathBuf>,
    /// Start the simulated clock here (2026-11-05T08:00Z, or local to --tz); without it the
    /// console follows real time.
    #[arg(long)]
    pub clock: Option<String>,
    /// Time zone for reading --clock and script times, and for showing times.
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    #[command(flatten)]
    pub setup: Setup,
}

pub fn run(args: Args, from_run: bool) -> anyhow::Result<ExitCode> {
    let config = args.setup.load()?;
    if from_run {
        eprintln!("meridian: no SLACK_BOT_TOKEN or DISCORD_TOKEN set; running the console");
    }
    let tz: Tz = args.tz.parse().map_err(|_| anyhow::anyhow!("--tz: '{}' is not an IANA time zone", args.tz))?;
    let simulated =
        match &args.clock {
            Some(text) => Some(crate::platforms::console::parse_instant(text, tz).with_context(|| {
                format!("--clock: '{text}' is not a time from 1900 to 2200 such as 2026-11-05T08:00Z")
            })?),
            None => None,
        };
    let parts = load_parts(config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let options = SessionOptions {
            parts,
            start: simulated.unwrap_or_else(Utc::now),
            tz,
            out: Arc::new(Mutex::new(std::io::stdout())),
        };
        let mut session = Session::start(options).await?;
        match &args.script {
            Some(path) if path.as_os_str() == "-" => {
                let mut text = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
                session.run_script(&text).await?;
            }
            Some(path) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("cannot read script {}", path.display()))?;
                session.run_script(&text).await?;
            }
            None => interactive(&mut session, simulated.is_none(), from_run).await?,
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Reads lines as a person types them; with a real clock, posts whatever falls due meanwhile.
/// `meridian run` keeps going when standard input closes (it may run as a service, posting to
/// standard output) until Ctrl-C or SIGTERM; `meridian console` ends there.
async fn interactive(session: &mut Session, real_time: bool, keep_running: bool) -> anyhow::Result<()> {
    eprintln!(
        "meridian console — say who you are (`as alice in #support`), then type commands (`/meridian help`); \
         `advance 1d` moves the clock; Ctrl-D to {}",
        if keep_running { "stop reading input (posting goes on until Ctrl-C)" } else { "quit" }
    );
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut number = 0;
    let mut reading = true;
    let stop = super::run::shutdown_signal();
    tokio::pin!(stop);
    prompt(session).await;
    loop {
        let wake = tokio::time::sleep(std::time::Duration::from_secs(30));
        tokio::select! {
            line = lines.next_line(), if reading => {
                let Some(line) = line? else {
                    if !keep_running || !real_time {
                        break;
                    }
                    reading = false;
                    continue;
                };
                number += 1;
                if real_time {
                    session.catch_up_to(Utc::now()).await?;
                }
                // A mistake in a typed line is shown, not fatal.
                if let Err(e) = session.run_line(number, &line).await {
                    eprintln!("error: {e:#}");
                }
                prompt(session).await;
            }
            () = wake, if real_time => session.catch_up_to(Utc::now()).await?,
            () = &mut stop => break,
        }
    }
    Ok(())
}

/// What a person at the prompt wants to see: who they speak as, and when the bot posts next.
async fn prompt(session: &Session) {
    let next = session.next_post().await.map(|t| format!(" · next post {t}")).unwrap_or_default();
    let who = session.speaker().unwrap_or_else(|| "as ? in #?".to_string());
    eprint!("[{who}{next}] > ");
}
