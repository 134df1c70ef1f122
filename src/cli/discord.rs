//! `meridian discord ...`: what an operator needs to set the Discord bot up, starting with
//! the invite URL that adds it to a server with exactly the permissions it uses.

use crate::platforms::discord::{invite_url, PERMISSION_NAMES};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Print the OAuth2 URL that adds the bot to a server (scopes bot and
    /// applications.commands, and only the permissions meridian uses).
    InviteUrl {
        /// The application id (default: [discord] application_id in meridian.toml).
        #[arg(long)]
        application_id: Option<String>,
        /// Configuration file (default: meridian.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::InviteUrl { application_id, config } => {
            let config = super::setup::Setup { database: None, config }.load()?;
            let id = application_id.or(config.discord.application_id).ok_or_else(|| {
                anyhow::anyhow!(
                    "[discord] application_id is not set: put the Application ID from the Discord developer \
                     portal (General Information) in meridian.toml, or pass --application-id"
                )
            })?;
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
                anyhow::bail!("--application-id: '{id}' is not a Discord application id (digits only)");
            }
            let names: Vec<&str> = PERMISSION_NAMES.iter().map(|(name, _)| *name).collect();
            super::print_out(&format!(
                "{}\n\nScopes: bot, applications.commands. Permissions: {} ({}).\n",
                invite_url(&id),
                names.join(", "),
                crate::platforms::discord::BOT_PERMISSIONS
            ))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
