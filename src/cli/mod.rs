//! The command line: parses arguments with clap and runs one command. An edge: errors are
//! `anyhow` here, printed once, and turned into an exit code.

mod app;
mod brief;
mod calendar_io;
mod calendars;
mod console;
mod discord;
mod holidays;
mod members;
mod memory;
mod milestones;
mod preview;
mod pulse;
mod run;
mod setup;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "meridian", version, about = "A chat bot for distributed, cross-cultural teams", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot: Slack and Discord when their tokens are set, else the console.
    Run(run::RunArgs),
    /// The console platform: act as team members, move a simulated clock, run scripts.
    Console(console::Args),
    /// Show what a channel would post and when, without posting.
    Preview(preview::Args),
    /// Print a channel's daily brief for a date, without posting it.
    Brief(brief::Args),
    /// Pulse results: `meridian pulse export --channel NAME --csv`.
    #[command(subcommand)]
    Pulse(pulse::Command),
    /// Apply the database migrations and exit.
    Migrate {
        /// Database URL (overrides meridian.toml and DATABASE_URL).
        #[arg(long)]
        database: Option<String>,
    },
    /// List the holidays, festivals and observances of a region.
    Holidays(holidays::Args),
    /// Calendars: check or list the files, import ICS, export ICS (`meridian calendar ...`
    /// works too).
    #[command(subcommand, visible_alias = "calendar")]
    Calendars(calendars::Command),
    /// Members: `meridian members import people.csv` sets region, company calendar, zone and
    /// hours for a whole team.
    #[command(subcommand)]
    Members(members::Command),
    /// Milestones: `meridian milestones import milestones.csv` adds team dates to channels.
    #[command(subcommand)]
    Milestones(milestones::Command),
    /// Setting up the Discord bot: `meridian discord invite-url`.
    #[command(subcommand)]
    Discord(discord::Command),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to standard error (standard output is the console's and the commands' own);
    // MERIDIAN_LOG takes a filter such as `debug` or `meridian=debug,sqlx=warn`, and
    // MERIDIAN_LOG_FORMAT=json makes every line a JSON object.
    crate::telemetry::logs::init();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Console(args) => console::run(args, false),
        Command::Preview(args) => preview::run(args),
        Command::Brief(args) => brief::run(args),
        Command::Pulse(command) => pulse::run(command),
        Command::Migrate { database } => migrate(database),
        Command::Holidays(args) => holidays::run(args),
        Command::Calendars(command) => calendars::run(command),
        Command::Members(command) => members::run(command),
        Command::Milestones(command) => milestones::run(command),
        Command::Discord(command) => discord::run(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            crate::telemetry::logs::failure(&format!("error: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

fn migrate(database: Option<String>) -> anyhow::Result<ExitCode> {
    let config = setup::Setup { database, config: None }.load()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = crate::store::Store::connect(config.database.expose()).await?;
        let version = store.schema_version().await?;
        println!("database is at schema version {}", version.unwrap_or(0));
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Writes command output to stdout; a reader that hangs up early (`| head`) is not an error.
pub(crate) fn print_out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
