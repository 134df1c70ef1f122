//! Configuration: `meridian.toml` (optional; sane defaults without it) plus the environment,
//! which alone carries secrets.
//!
//! [`Config::load`] reads the file, applies the environment (`DATABASE_URL`, `DISCORD_TOKEN`,
//! `SLACK_BOT_TOKEN`, `SLACK_APP_TOKEN`, `SLACK_SIGNING_SECRET`) and validates everything
//! before the bot starts: every mistake in the file at once, each naming its line, its key and
//! what is wrong (`meridian.toml:14: key 'defaults.lead_days': -3 is not a number of days from
//! 0 to 366`). `file.rs` reads the file, `values.rs` holds the grammars of its values.
//!
//! Tokens live in [`Secret`], whose `Debug` and `Display` print `***`; the database URL in
//! [`DatabaseUrl`], which hides its password. No error message repeats a secret: a token put in
//! the file is refused by key name, and TOML syntax errors give a position, not the line.
//! The environment is passed in as a map, so tests never touch the process environment.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::store::{ChannelSettings, Platform};

mod file;
#[cfg(test)]
mod tests;
mod values;

pub(crate) use file::{Key, Problems};
pub use values::{
    parse_database_url, parse_duration, parse_time_of_day, parse_timezone, InteractionsMode, ShardRange,
    DISCORD_API_BASE,
};

/// The file read when no path is given, in the working directory.
pub const DEFAULT_FILE: &str = "meridian.toml";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://meridian.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax { file: String, line: usize, column: usize, message: String },
    /// `place` is the file, with the line when it is known (`meridian.toml:12`).
    #[error("{place}: key '{key}': {reason}")]
    Invalid { place: String, key: String, reason: String },
    #[error("environment variable {var}: {reason}")]
    Env { var: &'static str, reason: String },
    /// Several problems, all reported at once (unknown keys, misplaced secrets).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ConfigError>),
}

/// A token or signing secret. Prints as `***`; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A database URL; printing it hides the password (in the authority or as `password=`).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn redacted(&self) -> String {
        let url = &self.0;
        let mut out = match url.split_once("://") {
            Some((scheme, rest)) => {
                let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
                let (authority, tail) = rest.split_at(authority_end);
                match authority.rsplit_once('@') {
                    Some((userinfo, host)) => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        let hidden = if userinfo.contains(':') { ":***" } else { "" };
                        format!("{scheme}://{user}{hidden}@{host}{tail}")
                    }
                    None => url.clone(),
                }
            }
            None => url.clone(),
        };
        if let Some(start) = out.find("password=") {
            let value_start = start + "password=".len();
            let value_end = out[value_start..].find('&').map_or(out.len(), |i| value_start + i);
            out.replace_range(value_start..value_end, "***");
        }
        out
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The file that was read; `None` when meridian runs on defaults.
    pub source: Option<PathBuf>,
    pub database: DatabaseUrl,
    /// Folder of regional calendar files that win over the shipped ones.
    pub calendars_dir: PathBuf,
    pub roles: Roles,
    /// What a channel starts with until someone changes it (`[defaults]`).
    pub defaults: ChannelSettings,
    pub pulse: PulseConfig,
    pub slack: SlackConfig,
    pub discord: DiscordConfig,
    pub http: HttpConfig,
    /// `[brief]`: customers' business hours and headline feeds (see `brief::config`).
    pub brief: crate::brief::BriefConfig,
}

/// A person on a platform, written `platform:user-id` in the file (`slack:U024BE7LH`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserRef {
    pub platform: Platform,
    pub user_id: String,
}

/// Who may do what beyond an ordinary member.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Roles {
    /// May run pulses and see their results.
    pub managers: Vec<UserRef>,
    /// May import calendars and see results across channels.
    pub hr: Vec<UserRef>,
}

impl Roles {
    pub fn is_manager(&self, platform: Platform, user_id: &str) -> bool {
        contains(&self.managers, platform, user_id)
    }

    pub fn is_hr(&self, platform: Platform, user_id: &str) -> bool {
        contains(&self.hr, platform, user_id)
    }

    /// What the configured lists grant a person; adapters add what the platform grants.
    pub fn capabilities(&self, platform: Platform, user_id: &str) -> crate::chat::Capabilities {
        crate::chat::Capabilities { manager: self.is_manager(platform, user_id), hr: self.is_hr(platform, user_id) }
    }
}

fn contains(list: &[UserRef], platform: Platform, user_id: &str) -> bool {
    list.iter().any(|u| u.platform == platform && u.user_id == user_id)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulseConfig {
    /// Results are shown only for groups of at least this many voters.
    pub min_group: u32,
    /// How long a pulse stays open unless its command says otherwise.
    pub default_duration: Duration,
}

impl Default for PulseConfig {
    fn default() -> Self {
        PulseConfig { min_group: 5, default_duration: Duration::from_secs(24 * 3600) }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlackConfig {
    /// `SLACK_BOT_TOKEN` (xoxb-...): calls the Web API.
    pub bot_token: Option<Secret>,
    /// `SLACK_APP_TOKEN` (xapp-...): opens a Socket Mode connection.
    pub app_token: Option<Secret>,
    /// `SLACK_SIGNING_SECRET`: verifies requests to the HTTP endpoints.
    pub signing_secret: Option<Secret>,
    /// Web API base; tests point it at a fake server. Never ends in `/`.
    pub api_base: String,
    /// How Slack reaches meridian: a Socket Mode connection, or requests to `[http] listen`.
    pub mode: SlackMode,
    /// How long to wait before opening Socket Mode again when Slack refused to open it.
    pub reconnect_delay: Duration,
}

/// How Slack delivers events to meridian.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SlackMode {
    /// meridian opens a WebSocket to Slack (`SLACK_APP_TOKEN`): no public URL needed.
    #[default]
    Socket,
    /// Slack POSTs to meridian's HTTP server, signed with `SLACK_SIGNING_SECRET`.
    Http,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            bot_token: None,
            app_token: None,
            signing_secret: None,
            api_base: "https://slack.com/api".to_string(),
            mode: SlackMode::Socket,
            reconnect_delay: Duration::from_secs(30),
        }
    }
}

impl SlackConfig {
    /// Slack runs when there is a bot token to call it with.
    pub fn enabled(&self) -> bool {
        self.bot_token.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscordConfig {
    /// `DISCORD_TOKEN`: the bot token.
    pub token: Option<Secret>,
    /// The application (client) id, for the invite URL and command registration.
    pub application_id: Option<String>,
    /// The application's Ed25519 public key (hex), for verifying interaction requests; not a
    /// secret.
    pub public_key: Option<String>,
    /// REST API base; tests point it at a fake server.
    pub api_base: String,
    /// Guilds whose commands are registered one by one (at once, for trying meridian);
    /// empty: the commands are registered globally.
    pub guild_ids: Vec<u64>,
    /// The shards this process runs; `None`: one shard, the whole bot.
    pub shards: Option<ShardRange>,
    /// Role ids whose members are managers, and HR.
    pub manager_roles: Vec<u64>,
    pub hr_roles: Vec<u64>,
    /// How interactions reach meridian: the gateway, or the Interactions Endpoint URL.
    pub interactions: InteractionsMode,
    /// The privileged Server Members intent is switched on in the developer portal, so
    /// meridian may list members and hear them join and leave.
    pub guild_members: bool,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token: None,
            application_id: None,
            public_key: None,
            api_base: DISCORD_API_BASE.to_string(),
            guild_ids: Vec::new(),
            shards: None,
            manager_roles: Vec::new(),
            hr_roles: Vec::new(),
            interactions: InteractionsMode::Gateway,
            guild_members: false,
        }
    }
}

impl DiscordConfig {
    pub fn enabled(&self) -> bool {
        self.token.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    /// Where health, metrics, ICS feeds and Slack's endpoints listen.
    pub listen: SocketAddr,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig { listen: SocketAddr::from(([127, 0, 0, 1], 8080)) }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            source: None,
            database: DatabaseUrl(DEFAULT_DATABASE_URL.to_string()),
            calendars_dir: PathBuf::from("calendars"),
            roles: Roles::default(),
            defaults: ChannelSettings::default(),
            pulse: PulseConfig::default(),
            slack: SlackConfig::default(),
            discord: DiscordConfig::default(),
            http: HttpConfig::default(),
            brief: crate::brief::BriefConfig::default(),
        }
    }
}

impl Config {
    /// Loads `path`, or `meridian.toml` in the working directory when `path` is `None` (and
    /// defaults if that does not exist), then applies `env`.
    pub fn load(path: Option<&Path>, env: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let (file, text) = match path {
            Some(path) => (
                path.to_path_buf(),
                Some(
                    std::fs::read_to_string(path)
                        .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?,
                ),
            ),
            None => {
                let path = PathBuf::from(DEFAULT_FILE);
                match std::fs::read_to_string(&path) {
                    Ok(text) => (path, Some(text)),
                    // A link to nowhere is a mistake to report, not "no file": it would
                    // silently run on defaults.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && path.symlink_metadata().is_ok() => {
                        let target = std::fs::read_link(&path).map(|t| t.display().to_string()).unwrap_or_default();
                        let source = std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            format!("it is a link to '{target}', which does not exist"),
                        );
                        return Err(ConfigError::Read { path, source });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => (path, None),
                    Err(source) => return Err(ConfigError::Read { path, source }),
                }
            }
        };
        let mut config = match text {
            Some(text) => {
                let mut config = Config::from_toml(&file.display().to_string(), &text)?;
                config.source = Some(file);
                config
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        Ok(config)
    }

    /// [`Config::load`] with the process environment.
    pub fn load_from_process_env(path: Option<&Path>) -> Result<Config, ConfigError> {
        let env =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
        Config::load(path, &env)
    }

    /// Parses the text of a configuration file; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Config, ConfigError> {
        file::read(file, text)
    }

    /// Applies the environment: the database URL and the platform secrets. Empty variables
    /// count as unset.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let get = |var: &str| env.get(var).map(|v| v.trim()).filter(|v| !v.is_empty());
        if let Some(url) = get("DATABASE_URL") {
            self.database =
                parse_database_url(url).map_err(|reason| ConfigError::Env { var: "DATABASE_URL", reason })?;
        }
        if let Some(token) = get("SLACK_BOT_TOKEN") {
            self.slack.bot_token = Some(token_with_prefix("SLACK_BOT_TOKEN", token, "xoxb-")?);
        }
        if let Some(token) = get("SLACK_APP_TOKEN") {
            self.slack.app_token = Some(token_with_prefix("SLACK_APP_TOKEN", token, "xapp-")?);
        }
        if let Some(secret) = get("SLACK_SIGNING_SECRET") {
            self.slack.signing_secret = Some(Secret::new(secret));
        }
        if let Some(token) = get("DISCORD_TOKEN") {
            // Discord shows the token bare; a copied "Bot " prefix is the header's, not ours.
            let token = token.strip_prefix("Bot ").unwrap_or(token).trim();
            self.discord.token = Some(Secret::new(token));
        }
        Ok(())
    }
}

fn token_with_prefix(var: &'static str, token: &str, prefix: &str) -> Result<Secret, ConfigError> {
    if token.starts_with(prefix) {
        Ok(Secret::new(token))
    } else {
        // Name the expected prefix, never the value.
        Err(ConfigError::Env {
            var,
            reason: format!("this is not the right kind of token: it should start with {prefix}"),
        })
    }
}
