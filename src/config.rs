//! Configuration: `meridian.toml` (optional; sane defaults without it) plus the environment,
//! which alone carries secrets.
//!
//! [`Config::load`] reads the file, applies the environment (`DATABASE_URL`, `DISCORD_TOKEN`,
//! `SLACK_BOT_TOKEN`, `SLACK_APP_TOKEN`, `SLACK_SIGNING_SECRET`) and validates everything
//! before the bot starts, so a mistake is reported once, naming the key and what is wrong:
//! `meridian.toml: key 'defaults.lead_days': -3 is not a number of days >= 0`.
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

use chrono::NaiveTime;
use chrono_tz::Tz;
use toml::{Table, Value};

use crate::store::{ChannelSettings, Platform};

/// The file read when no path is given, in the working directory.
pub const DEFAULT_FILE: &str = "meridian.toml";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://meridian.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{file}:{line}:{column}: {message}")]
    Syntax { file: String, line: usize, column: usize, message: String },
    #[error("{file}: key '{key}': {reason}")]
    Invalid { file: String, key: String, reason: String },
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
    pub defaults: Defaults,
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

/// What a channel starts with until someone changes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Defaults {
    pub timezone: Tz,
    pub reminder_schedule: crate::reminders::PostingSchedule,
    pub lead_days: Vec<u32>,
    pub brief_time: Option<NaiveTime>,
}

impl Defaults {
    pub fn channel_settings(&self) -> ChannelSettings {
        ChannelSettings {
            timezone: self.timezone,
            reminder_schedule: self.reminder_schedule.clone(),
            lead_days: self.lead_days.clone(),
            brief_time: self.brief_time,
        }
    }
}

impl Default for Defaults {
    fn default() -> Self {
        let c = ChannelSettings::default();
        Defaults {
            timezone: c.timezone,
            reminder_schedule: c.reminder_schedule,
            lead_days: c.lead_days,
            brief_time: c.brief_time,
        }
    }
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
            defaults: Defaults::default(),
            pulse: PulseConfig::default(),
            slack: SlackConfig::default(),
            discord: DiscordConfig::default(),
            http: HttpConfig::default(),
            brief: crate::brief::BriefConfig::default(),
        }
    }
}

/// Keys the file may hold, per section; anything else is reported as unknown (a typo would
/// otherwise be silently ignored).
const KNOWN: &[(&str, &[&str])] = &[
    ("database", &["url"]),
    ("calendars", &["dir"]),
    ("roles", &["managers", "hr"]),
    ("defaults", &["timezone", "reminder_cron", "lead_days", "brief_time"]),
    ("pulse", &["min_group", "default_duration"]),
    ("slack", &["api_base", "mode", "reconnect_delay"]),
    (
        "discord",
        &[
            "application_id",
            "public_key",
            "api_base",
            "guild_ids",
            "shards",
            "manager_roles",
            "hr_roles",
            "interactions",
            "guild_members",
        ],
    ),
    ("http", &["listen"]),
    ("brief", crate::brief::config::KEYS),
];

/// Keys that would hold a secret, and the variable to use instead.
const SECRET_KEYS: &[(&str, &str, &str)] = &[
    ("slack", "bot_token", "SLACK_BOT_TOKEN"),
    ("slack", "token", "SLACK_BOT_TOKEN"),
    ("slack", "app_token", "SLACK_APP_TOKEN"),
    ("slack", "signing_secret", "SLACK_SIGNING_SECRET"),
    ("discord", "token", "DISCORD_TOKEN"),
    ("discord", "bot_token", "DISCORD_TOKEN"),
];

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
        let table: Table = text.parse().map_err(|e: toml::de::Error| {
            let offset = e.span().map_or(0, |s| s.start);
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            ConfigError::Syntax {
                file: file.to_string(),
                line,
                column,
                // The message only, not toml's excerpt of the line: it may hold a token.
                message: e.message().trim().to_string(),
            }
        })?;
        let reader = Reader { file, table: &table };
        reader.check_keys()?;

        let mut config = Config::default();
        if let Some(url) = reader.string("database", "url")? {
            config.database = parse_database_url(&url).map_err(|reason| reader.invalid("database", "url", reason))?;
        }
        if let Some(dir) = reader.string("calendars", "dir")? {
            config.calendars_dir = PathBuf::from(dir);
        }
        config.roles.managers = reader.users("roles", "managers")?;
        config.roles.hr = reader.users("roles", "hr")?;

        let d = &mut config.defaults;
        if let Some(tz) = reader.string("defaults", "timezone")? {
            d.timezone = parse_timezone(&tz).map_err(|reason| reader.invalid("defaults", "timezone", reason))?;
        }
        if let Some(cron) = reader.string("defaults", "reminder_cron")? {
            d.reminder_schedule = crate::reminders::PostingSchedule::parse(&cron)
                .map_err(|e| reader.invalid("defaults", "reminder_cron", e.to_string()))?;
        }
        if let Some(days) = reader.integers("defaults", "lead_days")? {
            if days.is_empty() {
                return Err(reader.invalid(
                    "defaults",
                    "lead_days",
                    "an empty list would never remind of anything; use [0] for the day itself",
                ));
            }
            d.lead_days = days
                .into_iter()
                .map(|n| {
                    u32::try_from(n).ok().filter(|&n| n <= 366).ok_or_else(|| {
                        reader.invalid("defaults", "lead_days", format!("{n} is not a number of days from 0 to 366"))
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(time) = reader.string("defaults", "brief_time")? {
            d.brief_time =
                Some(parse_time_of_day(&time).map_err(|reason| reader.invalid("defaults", "brief_time", reason))?);
        }

        if let Some(n) = reader.integer("pulse", "min_group")? {
            config.pulse.min_group = u32::try_from(n).ok().filter(|&n| n >= 3).ok_or_else(|| {
                reader.invalid(
                    "pulse",
                    "min_group",
                    format!(
                        "{n} is too small: results for fewer than 3 voters would show how \
                         individuals voted"
                    ),
                )
            })?;
        }
        if let Some(text) = reader.string("pulse", "default_duration")? {
            let duration =
                parse_duration(&text).map_err(|reason| reader.invalid("pulse", "default_duration", reason))?;
            // The same bounds as `/pulse ... for:`: a default no command could ask for is a mistake.
            let (min, max) = (crate::pulse::command::MIN_DURATION, crate::pulse::command::MAX_DURATION);
            if duration < min.to_std().unwrap_or_default() || duration > max.to_std().unwrap_or_default() {
                return Err(reader.invalid(
                    "pulse",
                    "default_duration",
                    format!("'{text}' is outside what a pulse may stay open: from 5m to 14d"),
                ));
            }
            config.pulse.default_duration = duration;
        }

        if let Some(base) = reader.string("slack", "api_base")? {
            config.slack.api_base = parse_http_base(&base).map_err(|r| reader.invalid("slack", "api_base", r))?;
        }
        if let Some(mode) = reader.string("slack", "mode")? {
            config.slack.mode = match mode.as_str() {
                "socket" => SlackMode::Socket,
                "http" => SlackMode::Http,
                other => {
                    return Err(reader.invalid(
                        "slack",
                        "mode",
                        format!(
                            "'{other}' is not a mode; write \"socket\" (Socket Mode) or \"http\" (Events API requests)"
                        ),
                    ))
                }
            };
        }
        if let Some(text) = reader.string("slack", "reconnect_delay")? {
            let delay = parse_duration(&text).map_err(|reason| reader.invalid("slack", "reconnect_delay", reason))?;
            if delay > Duration::from_secs(600) {
                return Err(reader.invalid("slack", "reconnect_delay", format!("'{text}' is longer than 10m")));
            }
            config.slack.reconnect_delay = delay;
        }
        if let Some(base) = reader.string("discord", "api_base")? {
            config.discord.api_base = parse_http_base(&base).map_err(|r| reader.invalid("discord", "api_base", r))?;
        }
        if let Some(id) = reader.string("discord", "application_id")? {
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
                return Err(reader.invalid(
                    "discord",
                    "application_id",
                    format!("'{id}' is not a Discord application id (digits only)"),
                ));
            }
            config.discord.application_id = Some(id);
        }
        if let Some(key) = reader.string("discord", "public_key")? {
            if key.len() != 64 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(reader.invalid(
                    "discord",
                    "public_key",
                    "expected the 64 hex digits shown as 'Public Key' in the Discord developer \
                     portal",
                ));
            }
            config.discord.public_key = Some(key.to_ascii_lowercase());
        }
        read_discord(&reader, &mut config.discord)?;

        config.brief = crate::brief::BriefConfig::from_toml(file, table.get("brief"))?;
        if let Some(listen) = reader.string("http", "listen")? {
            config.http.listen = listen.parse().map_err(|_| {
                reader.invalid(
                    "http",
                    "listen",
                    format!("'{listen}' is not an address and port such as 127.0.0.1:8080"),
                )
            })?;
        }
        Ok(config)
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

/// Reads typed values out of the parsed file, with errors naming `section.key`.
struct Reader<'a> {
    file: &'a str,
    table: &'a Table,
}

impl Reader<'_> {
    fn invalid(&self, section: &str, key: &str, reason: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            file: self.file.to_string(),
            key: if key.is_empty() { section.to_string() } else { format!("{section}.{key}") },
            reason: reason.into(),
        }
    }

    /// Every unknown section or key and every secret written in the file, all at once: a
    /// person fixing typos should not need a run per typo.
    fn check_keys(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        for (section, value) in self.table {
            let Some((_, keys)) = KNOWN.iter().find(|(name, _)| name == section) else {
                let sections: Vec<_> = KNOWN.iter().map(|(name, _)| *name).collect();
                problems.push(self.invalid(
                    section,
                    "",
                    format!("unknown section; the sections are {}", sections.join(", ")),
                ));
                continue;
            };
            let Value::Table(table) = value else {
                problems.push(self.invalid(section, "", "expected a [section] of keys"));
                continue;
            };
            for key in table.keys() {
                if let Some((_, _, var)) = SECRET_KEYS.iter().find(|(s, k, _)| s == section && k == key) {
                    problems.push(self.invalid(
                        section,
                        key,
                        format!(
                            "secrets are read only from the environment: remove this key and \
                             set {var} instead"
                        ),
                    ));
                } else if !keys.contains(&key.as_str()) {
                    problems.push(self.invalid(
                        section,
                        key,
                        format!("unknown key; [{section}] takes {}", keys.join(", ")),
                    ));
                }
            }
        }
        match problems.len() {
            0 => Ok(()),
            1 => Err(problems.remove(0)),
            _ => Err(ConfigError::Several(problems)),
        }
    }

    fn value(&self, section: &str, key: &str) -> Option<&Value> {
        self.table.get(section)?.as_table()?.get(key)
    }

    fn string(&self, section: &str, key: &str) -> Result<Option<String>, ConfigError> {
        match self.value(section, key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => {
                Err(self.invalid(section, key, format!("expected a string in quotes, found {}", other.type_str())))
            }
        }
    }

    fn integer(&self, section: &str, key: &str) -> Result<Option<i64>, ConfigError> {
        match self.value(section, key) {
            None => Ok(None),
            Some(Value::Integer(n)) => Ok(Some(*n)),
            Some(other) => {
                Err(self.invalid(section, key, format!("expected a whole number, found {}", other.type_str())))
            }
        }
    }

    fn integers(&self, section: &str, key: &str) -> Result<Option<Vec<i64>>, ConfigError> {
        let Some(value) = self.value(section, key) else {
            return Ok(None);
        };
        let wrong = |found: &str| {
            self.invalid(section, key, format!("expected a list of whole numbers such as [7, 1, 0], found {found}"))
        };
        let Value::Array(items) = value else {
            return Err(wrong(value.type_str()));
        };
        items
            .iter()
            .map(|item| item.as_integer().ok_or_else(|| wrong(item.type_str())))
            .collect::<Result<_, _>>()
            .map(Some)
    }

    fn users(&self, section: &str, key: &str) -> Result<Vec<UserRef>, ConfigError> {
        let Some(value) = self.value(section, key) else {
            return Ok(Vec::new());
        };
        let wrong = |reason: String| self.invalid(section, key, reason);
        let Value::Array(items) = value else {
            return Err(wrong(format!("expected a list such as [\"slack:U024BE7LH\"], found {}", value.type_str())));
        };
        items
            .iter()
            .map(|item| {
                let text =
                    item.as_str().ok_or_else(|| wrong(format!("expected strings, found {}", item.type_str())))?;
                parse_user_ref(text).map_err(wrong)
            })
            .collect()
    }
}

fn parse_user_ref(text: &str) -> Result<UserRef, String> {
    let (platform, user_id) = text.split_once(':').ok_or_else(|| {
        format!("'{text}' should be platform:user-id, such as slack:U024BE7LH or discord:80351110224678912")
    })?;
    let platform: Platform = platform.parse().map_err(|e| format!("in '{text}': {e}"))?;
    let user_id = user_id.trim();
    if user_id.is_empty() || user_id.contains(char::is_whitespace) {
        return Err(format!("'{text}' has no valid user id after the colon"));
    }
    Ok(UserRef { platform, user_id: user_id.to_string() })
}

pub fn parse_database_url(url: &str) -> Result<DatabaseUrl, String> {
    if url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DatabaseUrl(url.to_string()))
    } else {
        let scheme = url.split(':').next().unwrap_or_default();
        let shown: String = if url.contains(':') { scheme.chars().take(20).collect() } else { "none".to_string() };
        Err(format!(
            "the URL must start with sqlite: (e.g. sqlite://meridian.db) or postgres:// \
             (scheme given: {shown})"
        ))
    }
}

fn parse_http_base(url: &str) -> Result<String, String> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url.trim_end_matches('/').to_string())
    } else {
        Err(format!("'{url}' is not an http:// or https:// URL"))
    }
}

/// An IANA time zone name such as `Asia/Kolkata`.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("'{name}' is not an IANA time zone name such as Europe/London or Asia/Manila"))
}

/// `HH:MM` (or `HH:MM:SS`), 24-hour.
pub fn parse_time_of_day(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .map_err(|_| format!("'{text}' is not a time of day such as 08:30"))
}

/// A duration such as `24h`, `90m`, `2d` or `1h30m`; must be more than zero.
/// A length of time in the bot's one grammar (see `crate::period`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    text.parse::<crate::period::Period>().map(crate::period::Period::as_std).map_err(|e| e.to_string())
}

// ---- [discord]: sharding, roles, interactions ------------------------------------------------

/// Discord's REST API, version 10: the default `[discord] api_base`.
pub const DISCORD_API_BASE: &str = "https://discord.com/api/v10";

/// The shards one process runs, written `first-last/total` (`0-3/8`: shards 0 to 3 of 8), or
/// `n/total` for one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl std::str::FromStr for ShardRange {
    type Err = String;

    fn from_str(text: &str) -> Result<ShardRange, String> {
        let bad = || format!("'{text}' is not a shard range such as \"0-3/8\" (shards 0 to 3 of 8) or \"2/8\"");
        let (range, total) = text.trim().split_once('/').ok_or_else(bad)?;
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        let (first, last) = match range.split_once('-') {
            Some((first, last)) => (number(first)?, number(last)?),
            None => (number(range)?, number(range)?),
        };
        let total = number(total)?;
        if total == 0 || first > last || last >= total {
            return Err(format!(
                "'{text}': shards are numbered from 0 to one less than the total, first to last \
                 (e.g. \"0-3/8\")"
            ));
        }
        Ok(ShardRange { first, last, total })
    }
}

/// Where Discord sends interactions (commands, clicks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InteractionsMode {
    /// Over the gateway WebSocket, with everything else.
    #[default]
    Gateway,
    /// As signed HTTP requests to `/discord/interactions` (the application's Interactions
    /// Endpoint URL); the gateway still brings reactions.
    Http,
}

fn read_discord(reader: &Reader<'_>, discord: &mut DiscordConfig) -> Result<(), ConfigError> {
    if discord.api_base != DISCORD_API_BASE && !discord.api_base.ends_with("/api/v10") {
        return Err(reader.invalid(
            "discord",
            "api_base",
            format!(
                "'{}' must end with /api/v10 (meridian speaks version 10 of Discord's API), \
                 e.g. http://127.0.0.1:8090/api/v10",
                discord.api_base
            ),
        ));
    }
    discord.guild_ids = reader.snowflakes("discord", "guild_ids")?;
    discord.manager_roles = reader.snowflakes("discord", "manager_roles")?;
    discord.hr_roles = reader.snowflakes("discord", "hr_roles")?;
    if let Some(text) = reader.string("discord", "shards")? {
        discord.shards = Some(text.parse().map_err(|reason| reader.invalid("discord", "shards", reason))?);
    }
    if let Some(mode) = reader.string("discord", "interactions")? {
        discord.interactions = match mode.as_str() {
            "gateway" => InteractionsMode::Gateway,
            "http" => InteractionsMode::Http,
            other => {
                return Err(reader.invalid(
                    "discord",
                    "interactions",
                    format!("'{other}' is neither \"gateway\" nor \"http\""),
                ))
            }
        };
    }
    if discord.interactions == InteractionsMode::Http && discord.public_key.is_none() {
        return Err(reader.invalid(
            "discord",
            "interactions",
            "\"http\" needs [discord] public_key, to verify that requests come from Discord",
        ));
    }
    match reader.value("discord", "guild_members") {
        None => {}
        Some(Value::Boolean(on)) => discord.guild_members = *on,
        Some(other) => {
            return Err(reader.invalid(
                "discord",
                "guild_members",
                format!("expected true or false, found {}", other.type_str()),
            ))
        }
    }
    Ok(())
}

impl Reader<'_> {
    /// A list of Discord ids (snowflakes), as strings of digits or as whole numbers.
    fn snowflakes(&self, section: &str, key: &str) -> Result<Vec<u64>, ConfigError> {
        let Some(value) = self.value(section, key) else {
            return Ok(Vec::new());
        };
        let wrong = |found: String| {
            self.invalid(
                section,
                key,
                format!("expected a list of Discord ids such as [\"123456789012345678\"], {found}"),
            )
        };
        let Value::Array(items) = value else {
            return Err(wrong(format!("found {}", value.type_str())));
        };
        items
            .iter()
            .map(|item| {
                let id = match item {
                    Value::String(s) => s.trim().parse::<u64>().ok(),
                    Value::Integer(n) => u64::try_from(*n).ok(),
                    _ => None,
                };
                id.filter(|id| *id > 0).ok_or_else(|| wrong(format!("found {item}")))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_toml("meridian.toml", text)
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn no_file_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("meridian.toml");
        // An explicit path must exist; the implicit one may be absent.
        assert!(Config::load(Some(&missing), &env(&[])).is_err());
        let config = Config::default();
        assert_eq!(config.database.expose(), "sqlite://meridian.db");
        assert_eq!(config.defaults.lead_days, vec![7, 1, 0]);
        assert_eq!(config.defaults.reminder_schedule.expression(), "0 9 * * MON-FRI");
        assert_eq!(config.pulse.min_group, 5);
        assert_eq!(config.pulse.default_duration, Duration::from_secs(86_400));
        assert_eq!(config.http.listen.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn the_example_file_is_valid_and_says_the_defaults() {
        let text = include_str!("../meridian.example.toml");
        let config = parse(text).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn a_full_file_is_read() {
        let config = parse(
            r#"
            [database]
            url = "postgres://bot@db/meridian"
            [calendars]
            dir = "/etc/meridian/calendars"
            [roles]
            managers = ["slack:U1", "discord:42"]
            hr = ["console:priya"]
            [defaults]
            timezone = "Asia/Kolkata"
            reminder_cron = "30 8 * * 1-5"
            lead_days = [14, 2, 0]
            brief_time = "08:45"
            [pulse]
            min_group = 7
            default_duration = "2d"
            [slack]
            api_base = "http://127.0.0.1:9/api/"
            mode = "http"
            reconnect_delay = "2s"
            [discord]
            application_id = "1234567890"
            public_key = "ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
            [http]
            listen = "0.0.0.0:9000"
            "#,
        )
        .unwrap();
        assert_eq!(config.defaults.timezone, chrono_tz::Asia::Kolkata);
        assert_eq!(config.defaults.lead_days, vec![14, 2, 0]);
        assert_eq!(config.defaults.brief_time, NaiveTime::from_hms_opt(8, 45, 0));
        assert!(config.roles.is_manager(Platform::Discord, "42"));
        assert!(!config.roles.is_manager(Platform::Slack, "42"));
        assert!(config.roles.is_hr(Platform::Console, "priya"));
        assert_eq!(config.pulse.default_duration, Duration::from_secs(2 * 86_400));
        assert_eq!(config.discord.public_key.as_deref().map(str::len), Some(64));
        assert_eq!(config.http.listen.port(), 9000);
        assert_eq!(config.slack.api_base, "http://127.0.0.1:9/api", "no trailing slash");
        assert_eq!(config.slack.mode, SlackMode::Http);
        assert_eq!(config.slack.reconnect_delay, Duration::from_secs(2));
    }

    #[test]
    fn a_negative_lead_day_is_named_with_its_key() {
        assert_eq!(
            error("[defaults]\nlead_days = [7, -3]"),
            "meridian.toml: key 'defaults.lead_days': -3 is not a number of days from 0 to 366"
        );
    }

    #[test]
    fn bad_values_name_the_key_and_the_reason() {
        let cases = [
            ("[defaults]\ntimezone = \"India\"", "defaults.timezone", "IANA"),
            ("[defaults]\nreminder_cron = \"9 * *\"", "defaults.reminder_cron", "it has 3 fields; expected 5"),
            ("[defaults]\nreminder_cron = \"0 25 * * *\"", "defaults.reminder_cron", "hour '25' is not valid"),
            ("[defaults]\nbrief_time = \"8am\"", "defaults.brief_time", "time of day"),
            ("[defaults]\nlead_days = \"7\"", "defaults.lead_days", "list of whole numbers"),
            ("[pulse]\nmin_group = 1", "pulse.min_group", "too small"),
            ("[pulse]\ndefault_duration = \"soon\"", "pulse.default_duration", "24h"),
            ("[database]\nurl = \"mysql://x\"", "database.url", "sqlite:"),
            ("[roles]\nmanagers = [\"U123\"]", "roles.managers", "platform:user-id"),
            ("[roles]\nhr = [\"teams:U1\"]", "roles.hr", "not a platform"),
            ("[http]\nlisten = \"localhost\"", "http.listen", "address and port"),
            ("[discord]\npublic_key = \"abc\"", "discord.public_key", "64 hex"),
            ("[slack]\nmode = \"websocket\"", "slack.mode", "\"socket\" (Socket Mode) or \"http\""),
            ("[slack]\nreconnect_delay = \"2h\"", "slack.reconnect_delay", "longer than 10m"),
            ("[slack]\nreconnect_delay = \"0s\"", "slack.reconnect_delay", "length of time"),
            ("[defaults]\ntimezon = \"UTC\"", "defaults.timezon", "unknown key"),
            ("[remindrs]\nx = 1", "remindrs", "unknown section"),
            ("[pulse]\ndefault_duration = \"400d\"", "pulse.default_duration", "from 5m to 14d"),
            ("[defaults]\nlead_days = []", "defaults.lead_days", "never remind"),
        ];
        for (text, key, reason) in cases {
            let message = error(text);
            assert!(message.starts_with(&format!("meridian.toml: key '{key}': ")), "{text}: {message}");
            assert!(message.contains(reason), "{text}: {message}");
        }
    }

    #[test]
    fn every_unknown_key_is_reported_at_once() {
        let message =
            error("[defaults]\ntimezon = \"UTC\"\nleads = [1]\n[remindrs]\nx = 1\n[slack]\nbot_token = \"xoxb-1\"");
        for part in [
            "'defaults.timezon': unknown key",
            "'defaults.leads': unknown key",
            "'remindrs': unknown section",
            "set SLACK_BOT_TOKEN",
        ] {
            assert!(message.contains(part), "{part}: {message}");
        }
        assert_eq!(message.lines().count(), 4, "{message}");
    }

    #[test]
    fn the_discord_section_reads_guilds_shards_roles_and_interactions() {
        let config = parse(
            r#"
            [discord]
            public_key = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
            guild_ids = ["1200000000000000001", 1200000000000000002]
            shards = "0-3/8"
            manager_roles = ["1500000000000000001"]
            hr_roles = ["1500000000000000003"]
            interactions = "http"
            guild_members = true
            "#,
        )
        .unwrap();
        let d = &config.discord;
        assert_eq!(d.guild_ids, vec![1_200_000_000_000_000_001, 1_200_000_000_000_000_002]);
        assert_eq!(d.shards, Some(ShardRange { first: 0, last: 3, total: 8 }));
        assert_eq!((d.manager_roles.len(), d.hr_roles.len()), (1, 1));
        assert_eq!(d.interactions, InteractionsMode::Http);
        assert!(d.guild_members);
        assert_eq!("2/8".parse(), Ok(ShardRange { first: 2, last: 2, total: 8 }));
    }

    #[test]
    fn bad_discord_values_name_their_key() {
        let cases = [
            ("[discord]\nshards = \"4-3/8\"", "discord.shards", "first to last"),
            ("[discord]\nshards = \"0-8/8\"", "discord.shards", "one less than the total"),
            ("[discord]\nshards = \"all\"", "discord.shards", "0-3/8"),
            ("[discord]\nguild_ids = [\"general\"]", "discord.guild_ids", "Discord ids"),
            ("[discord]\nmanager_roles = \"1\"", "discord.manager_roles", "list of Discord ids"),
            ("[discord]\ninteractions = \"webhook\"", "discord.interactions", "neither"),
            ("[discord]\ninteractions = \"http\"", "discord.interactions", "public_key"),
            ("[discord]\nguild_members = \"yes\"", "discord.guild_members", "true or false"),
            ("[discord]\napi_base = \"http://127.0.0.1:9/api\"", "discord.api_base", "/api/v10"),
        ];
        for (text, key, reason) in cases {
            let message = error(text);
            assert!(message.starts_with(&format!("meridian.toml: key '{key}': ")), "{text}: {message}");
            assert!(message.contains(reason), "{text}: {message}");
        }
    }

    #[test]
    fn a_token_in_the_file_is_refused_without_repeating_it() {
        let message = error("[slack]\nbot_token = \"xoxb-very-secret\"");
        assert!(message.contains("slack.bot_token"), "{message}");
        assert!(message.contains("SLACK_BOT_TOKEN"), "{message}");
        assert!(!message.contains("very-secret"), "{message}");
    }

    #[test]
    fn a_syntax_error_gives_a_position_but_not_the_line() {
        let message = error("[slack]\napi_base = \"https://x\"\nbroken = \"xoxb-secret");
        assert!(message.starts_with("meridian.toml:3:"), "{message}");
        assert!(!message.contains("xoxb-secret"), "{message}");
    }

    #[test]
    fn the_environment_overrides_the_database_and_supplies_secrets() {
        let mut config = parse("[database]\nurl = \"sqlite://file.db\"").unwrap();
        config
            .apply_env(&env(&[
                ("DATABASE_URL", "postgres://bot:hunter2@db:5432/meridian"),
                ("SLACK_BOT_TOKEN", "xoxb-123"),
                ("SLACK_APP_TOKEN", "xapp-456"),
                ("SLACK_SIGNING_SECRET", "s3cr3t"),
                ("DISCORD_TOKEN", "Bot abc.def"),
            ]))
            .unwrap();
        assert_eq!(config.database.expose(), "postgres://bot:hunter2@db:5432/meridian");
        assert_eq!(config.slack.bot_token.as_ref().unwrap().expose(), "xoxb-123");
        assert_eq!(config.discord.token.as_ref().unwrap().expose(), "abc.def");
        assert!(config.slack.enabled() && config.discord.enabled());
    }

    #[test]
    fn secrets_never_print() {
        let mut config = Config::default();
        config
            .apply_env(&env(&[
                ("DATABASE_URL", "postgres://bot:hunter2@db/meridian?password=hunter3"),
                ("SLACK_BOT_TOKEN", "xoxb-123"),
                ("SLACK_APP_TOKEN", "xapp-456"),
                ("SLACK_SIGNING_SECRET", "s3cr3t"),
                ("DISCORD_TOKEN", "abc.def"),
            ]))
            .unwrap();
        let shown = format!("{config:?} {} {}", config.database, config.slack.bot_token.as_ref().unwrap());
        for secret in ["hunter2", "hunter3", "xoxb-123", "xapp-456", "s3cr3t", "abc.def"] {
            assert!(!shown.contains(secret), "{secret} printed in {shown}");
        }
        assert!(shown.contains("postgres://bot:***@db/meridian"), "{shown}");
    }

    #[test]
    fn a_swapped_slack_token_is_reported_without_its_value() {
        let mut config = Config::default();
        let err = config.apply_env(&env(&[("SLACK_BOT_TOKEN", "xapp-1-secret")])).unwrap_err().to_string();
        assert!(err.contains("SLACK_BOT_TOKEN") && err.contains("xoxb-"), "{err}");
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn a_bad_database_url_in_the_environment_is_named() {
        let mut config = Config::default();
        let err = config.apply_env(&env(&[("DATABASE_URL", "mysql://root:pw@x/db")])).unwrap_err().to_string();
        assert!(err.starts_with("environment variable DATABASE_URL:"), "{err}");
        assert!(!err.contains("pw@"), "{err}");
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let mut config = Config::default();
        config.apply_env(&env(&[("DATABASE_URL", ""), ("SLACK_BOT_TOKEN", " ")])).unwrap();
        assert_eq!(config.database.expose(), DEFAULT_DATABASE_URL);
        assert!(!config.slack.enabled());
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        for bad in ["", "0h", "h", "24", "1.5h", "-1h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
