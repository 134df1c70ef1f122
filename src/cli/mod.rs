//! The command line: parses arguments with clap and runs one command. An edge: errors are
//! `anyhow` here, printed once, and turned into an exit code.

mod calendars;
mod holidays;

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
    /// List the holidays, festivals and observances of a region.
    Holidays(holidays::Args),
    /// Check or list calendar files.
    #[command(subcommand)]
    Calendars(calendars::Command),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Holidays(args) => holidays::run(args),
        Command::Calendars(command) => calendars::run(command),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Writes command output to stdout; a reader that hangs up early (`| head`) is not an error.
pub(crate) fn print_out(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
