//! Reading `meridian.toml` with serde: one struct per section, each key kept with its place in
//! the file and its value as written. Values are checked only once the whole file is read, so
//! every problem (an unknown key, a secret in the file, a value of the wrong type or out of
//! range) is reported at once, each as `file:line: key 'section.key': reason`.
//!
//! Unknown keys are collected with `serde_ignored` rather than refused with
//! `#[serde(deny_unknown_fields)]`, which stops at the first: a person fixing typos should not
//! need a run per typo. Messages never quote a line of the file, which may hold a token.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;

use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::values::{parse_database_url, parse_http_base, parse_time_of_day, parse_timezone, parse_user_ref};
use super::{Config, ConfigError, InteractionsMode, ShardRange, SlackMode, UserRef, DISCORD_API_BASE};

/// Keys that would hold a secret, and the variable to use instead.
const SECRET_KEYS: &[(&str, &str)] = &[
    ("slack.bot_token", "SLACK_BOT_TOKEN"),
    ("slack.token", "SLACK_BOT_TOKEN"),
    ("slack.app_token", "SLACK_APP_TOKEN"),
    ("slack.signing_secret", "SLACK_SIGNING_SECRET"),
    ("discord.token", "DISCORD_TOKEN"),
    ("discord.bot_token", "DISCORD_TOKEN"),
    ("database.password", "DATABASE_URL"),
];

/// A value as the file wrote it: of the wanted type, or whatever was found instead (named in
/// the message later, rather than failing the whole file at the first wrong type).
pub(crate) enum Written<T> {
    Read(T),
    Wrong(toml::Value),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Written<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut value = toml::Value::deserialize(deserializer)?;
        // Spaces around a value inside quotes are never meant.
        if let toml::Value::String(text) = &mut value {
            *text = text.trim().to_string();
        }
        Ok(match T::deserialize(value.clone()) {
            Ok(read) => Written::Read(read),
            Err(_) => Written::Wrong(value),
        })
    }
}

/// One key of a section: absent, or where it is and what it holds.
pub(crate) type Key<T> = Option<Spanned<Written<T>>>;

/// A Discord id as people paste it: a string of digits or a bare number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Snowflake {
    Text(String),
    Number(i64),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileSections {
    database: DatabaseSection,
    calendars: CalendarsSection,
    roles: RolesSection,
    defaults: DefaultsSection,
    pulse: PulseSection,
    slack: SlackSection,
    discord: DiscordSection,
    http: HttpSection,
    brief: crate::brief::config::BriefSection,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [database] section of keys")]
struct DatabaseSection {
    url: Key<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [calendars] section of keys")]
struct CalendarsSection {
    dir: Key<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [roles] section of keys")]
struct RolesSection {
    managers: Key<Vec<String>>,
    hr: Key<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [defaults] section of keys")]
struct DefaultsSection {
    timezone: Key<String>,
    reminder_cron: Key<String>,
    lead_days: Key<Vec<i64>>,
    brief_time: Key<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [pulse] section of keys")]
struct PulseSection {
    min_group: Key<i64>,
    default_duration: Key<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [slack] section of keys")]
struct SlackSection {
    api_base: Key<String>,
    mode: Key<String>,
    reconnect_delay: Key<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [discord] section of keys")]
struct DiscordSection {
    application_id: Key<String>,
    public_key: Key<String>,
    api_base: Key<String>,
    guild_ids: Key<Vec<Snowflake>>,
    shards: Key<String>,
    manager_roles: Key<Vec<Snowflake>>,
    hr_roles: Key<Vec<Snowflake>>,
    interactions: Key<String>,
    guild_members: Key<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default, expecting = "a [http] section of keys")]
struct HttpSection {
    listen: Key<String>,
}

/// The sections the file may hold and the keys of each, read off the structs above so that a
/// message listing them cannot fall out of date.
fn known_keys() -> Vec<(&'static str, &'static [&'static str])> {
    let sections = serde_aux::serde_introspection::serde_introspect::<FileSections>();
    let keys: [&[&str]; 9] = [
        serde_aux::serde_introspection::serde_introspect::<DatabaseSection>(),
        serde_aux::serde_introspection::serde_introspect::<CalendarsSection>(),
        serde_aux::serde_introspection::serde_introspect::<RolesSection>(),
        serde_aux::serde_introspection::serde_introspect::<DefaultsSection>(),
        serde_aux::serde_introspection::serde_introspect::<PulseSection>(),
        serde_aux::serde_introspection::serde_introspect::<SlackSection>(),
        serde_aux::serde_introspection::serde_introspect::<DiscordSection>(),
        serde_aux::serde_introspection::serde_introspect::<HttpSection>(),
        serde_aux::serde_introspection::serde_introspect::<crate::brief::config::BriefSection>(),
    ];
    sections.iter().copied().zip(keys).collect()
}

/// Reads the text of a configuration file; `file` names it in messages.
pub(super) fn read(file: &str, text: &str) -> Result<Config, ConfigError> {
    let mut unknown = Vec::new();
    let sections: FileSections = serde_ignored::deserialize(toml::Deserializer::new(text), |path| {
        unknown.push(path.to_string());
    })
    .map_err(|e| syntax_error(file, text, &e))?;
    let mut problems = Problems::new(file, text);
    for path in unknown {
        problems.unknown(&path);
    }
    let mut config = Config::default();
    sections.apply(&mut problems, &mut config);
    problems.finish().map(|()| config)
}

fn syntax_error(file: &str, text: &str, e: &toml::de::Error) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start).min(text.len());
    let before = &text[..offset];
    ConfigError::Syntax {
        file: file.to_string(),
        line: before.matches('\n').count() + 1,
        column: before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
        // The message only, not toml's excerpt of the line: it may hold a token.
        message: e.message().trim().to_string(),
    }
}

impl FileSections {
    fn apply(self, p: &mut Problems<'_>, config: &mut Config) {
        if let Some(url) = p.read("database.url", self.database.url, "a URL in quotes", |u| parse_database_url(&u)) {
            config.database = url;
        }
        if let Some(dir) = p.read("calendars.dir", self.calendars.dir, "a folder in quotes", |d| Ok(PathBuf::from(d))) {
            config.calendars_dir = dir;
        }
        let people = "a list such as [\"slack:U024BE7LH\"]";
        config.roles.managers = p.read("roles.managers", self.roles.managers, people, users).unwrap_or_default();
        config.roles.hr = p.read("roles.hr", self.roles.hr, people, users).unwrap_or_default();
        self.defaults.apply(p, &mut config.defaults);
        self.pulse.apply(p, &mut config.pulse);
        self.slack.apply(p, &mut config.slack);
        self.discord.apply(p, &mut config.discord);
        self.brief.apply(p, &mut config.brief);
        if let Some(listen) = p.read("http.listen", self.http.listen, "an address in quotes", |listen| {
            listen.parse().map_err(|_| format!("'{listen}' is not an address and port such as 127.0.0.1:8080"))
        }) {
            config.http.listen = listen;
        }
    }
}

fn users(texts: Vec<String>) -> Result<Vec<UserRef>, String> {
    texts.iter().map(|text| parse_user_ref(text.trim())).collect()
}

impl DefaultsSection {
    fn apply(self, p: &mut Problems<'_>, d: &mut crate::store::ChannelSettings) {
        if let Some(tz) = p.read("defaults.timezone", self.timezone, "a time zone in quotes", |tz| parse_timezone(&tz))
        {
            d.timezone = tz;
        }
        let cron = "a schedule in quotes";
        if let Some(schedule) = p.read("defaults.reminder_cron", self.reminder_cron, cron, |text| {
            crate::reminders::PostingSchedule::parse(&text).map_err(|e| e.to_string())
        }) {
            d.reminder_schedule = schedule;
        }
        let days = "a list of whole numbers such as [7, 1, 0]";
        if let Some(lead_days) = p.read("defaults.lead_days", self.lead_days, days, |days: Vec<i64>| {
            if days.is_empty() {
                return Err("an empty list would never remind of anything; use [0] for the day itself".to_string());
            }
            days.into_iter()
                .map(|n| {
                    u32::try_from(n)
                        .ok()
                        .filter(|&n| n <= 366)
                        .ok_or_else(|| format!("{n} is not a number of days from 0 to 366"))
                })
                .collect()
        }) {
            d.lead_days = lead_days;
        }
        let time = "a time in quotes such as \"08:30\"";
        if let Some(at) = p.read("defaults.brief_time", self.brief_time, time, |t| parse_time_of_day(&t)) {
            d.brief_time = Some(at);
        }
    }
}

impl PulseSection {
    fn apply(self, p: &mut Problems<'_>, pulse: &mut super::PulseConfig) {
        if let Some(n) = p.read("pulse.min_group", self.min_group, "a whole number", |n| {
            u32::try_from(n).ok().filter(|&n| n >= 3).ok_or_else(|| {
                format!("{n} is too small: results for fewer than 3 voters would show how individuals voted")
            })
        }) {
            pulse.min_group = n;
        }
        let length = "a length of time in quotes such as \"24h\"";
        if let Some(duration) = p.read("pulse.default_duration", self.default_duration, length, |text| {
            let duration = super::parse_duration(&text)?;
            // The same bounds as `/pulse ... for:`: a default no command could ask for is a mistake.
            let (min, max) = (crate::pulse::command::MIN_DURATION, crate::pulse::command::MAX_DURATION);
            if duration < min.to_std().unwrap_or_default() || duration > max.to_std().unwrap_or_default() {
                return Err(format!("'{text}' is outside what a pulse may stay open: from 5m to 14d"));
            }
            Ok(duration)
        }) {
            pulse.default_duration = duration;
        }
    }
}

impl SlackSection {
    fn apply(self, p: &mut Problems<'_>, slack: &mut super::SlackConfig) {
        if let Some(base) = p.read("slack.api_base", self.api_base, "a URL in quotes", |b| parse_http_base(&b)) {
            slack.api_base = base;
        }
        if let Some(mode) = p.read("slack.mode", self.mode, "\"socket\" or \"http\"", |m| m.parse::<SlackMode>()) {
            slack.mode = mode;
        }
        let length = "a length of time in quotes such as \"30s\"";
        if let Some(delay) = p.read("slack.reconnect_delay", self.reconnect_delay, length, |text| {
            let delay = super::parse_duration(&text)?;
            if delay > std::time::Duration::from_secs(600) {
                return Err(format!("'{text}' is longer than 10m"));
            }
            Ok(delay)
        }) {
            slack.reconnect_delay = delay;
        }
    }
}

impl DiscordSection {
    fn apply(self, p: &mut Problems<'_>, discord: &mut super::DiscordConfig) {
        let text = "a string in quotes";
        discord.application_id = p.read("discord.application_id", self.application_id, text, |id| {
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("'{id}' is not a Discord application id (digits only)"));
            }
            Ok(id)
        });
        let public_key_span = self.public_key.as_ref().map(Spanned::span);
        discord.public_key = p.read("discord.public_key", self.public_key, text, |key| {
            if key.len() != 64 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err("expected the 64 hex digits shown as 'Public Key' in the Discord developer portal".into());
            }
            Ok(key.to_ascii_lowercase())
        });
        if let Some(base) = p.read("discord.api_base", self.api_base, "a URL in quotes", |base| {
            let base = parse_http_base(&base)?;
            if base != DISCORD_API_BASE && !base.ends_with("/api/v10") {
                return Err(format!(
                    "'{base}' must end with /api/v10 (meridian speaks version 10 of Discord's API), \
                     e.g. http://127.0.0.1:8090/api/v10"
                ));
            }
            Ok(base)
        }) {
            discord.api_base = base;
        }
        let ids = "a list of Discord ids such as [\"123456789012345678\"]";
        discord.guild_ids = p.read("discord.guild_ids", self.guild_ids, ids, snowflakes).unwrap_or_default();
        discord.manager_roles =
            p.read("discord.manager_roles", self.manager_roles, ids, snowflakes).unwrap_or_default();
        discord.hr_roles = p.read("discord.hr_roles", self.hr_roles, ids, snowflakes).unwrap_or_default();
        discord.shards =
            p.read("discord.shards", self.shards, "a range in quotes such as \"0-3/8\"", |s| s.parse::<ShardRange>());
        let interactions_span = self.interactions.as_ref().map(Spanned::span);
        let mode = "\"gateway\" or \"http\"";
        if let Some(mode) = p.read("discord.interactions", self.interactions, mode, |m| m.parse::<InteractionsMode>()) {
            discord.interactions = mode;
        }
        // Only when public_key was not itself wrong: that mistake is already named.
        if discord.interactions == InteractionsMode::Http && discord.public_key.is_none() && public_key_span.is_none() {
            p.at(
                "discord.interactions",
                interactions_span,
                "\"http\" needs [discord] public_key, to verify that requests come from Discord",
            );
        }
        if let Some(on) = p.read("discord.guild_members", self.guild_members, "true or false", Ok) {
            discord.guild_members = on;
        }
    }
}

fn snowflakes(ids: Vec<Snowflake>) -> Result<Vec<u64>, String> {
    ids.into_iter()
        .map(|id| {
            let (shown, parsed) = match id {
                Snowflake::Text(s) => (format!("\"{s}\""), s.trim().parse::<u64>().ok()),
                Snowflake::Number(n) => (n.to_string(), u64::try_from(n).ok()),
            };
            parsed.filter(|id| *id > 0).ok_or_else(|| {
                format!("expected a list of Discord ids such as [\"123456789012345678\"], found {shown}")
            })
        })
        .collect()
}

/// Every problem found in one file, each with its line.
pub(crate) struct Problems<'a> {
    file: &'a str,
    text: &'a str,
    places: Places,
    found: Vec<ConfigError>,
}

impl<'a> Problems<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Problems<'a> {
        // A file serde could read always maps; if it did not, messages just lack lines.
        let places = toml::from_str(text).unwrap_or_default();
        Problems { file, text, places, found: Vec::new() }
    }

    /// Checks one key: a value of the wrong type is named with `expected`, a value `check`
    /// refuses with its reason; either way the default stays and `None` is returned.
    pub(crate) fn read<T, U>(
        &mut self,
        key: &str,
        written: Key<T>,
        expected: &str,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> Option<U> {
        let written = written?;
        let span = written.span();
        let outcome = match written.into_inner() {
            Written::Read(value) => check(value),
            Written::Wrong(found) => Err(format!("expected {expected}, found {}", found.type_str())),
        };
        outcome.map_err(|reason| self.at(key, Some(span), reason)).ok()
    }

    /// Records a problem with `key`; `span` places it (else the key's own place, if known).
    pub(crate) fn at(&mut self, key: &str, span: Option<Range<usize>>, reason: impl Into<String>) {
        let offset = span.map(|s| s.start).or_else(|| self.places.0.get(key).copied());
        let place = match offset {
            Some(offset) => {
                let line = self.text[..offset.min(self.text.len())].matches('\n').count() + 1;
                format!("{}:{line}", self.file)
            }
            None => self.file.to_string(),
        };
        self.found.push(ConfigError::Invalid { place, key: key.to_string(), reason: reason.into() });
    }

    /// A key serde ignored: a secret that belongs in the environment, or a typo.
    fn unknown(&mut self, path: &str) {
        // serde_ignored writes `?` for options and the private field names of `Spanned`.
        let key: Vec<&str> = path.split('.').filter(|part| *part != "?" && !part.starts_with("$__")).collect();
        let key = key.join(".");
        let known = known_keys();
        let reason = match key.split_once('.') {
            _ if SECRET_KEYS.iter().any(|(secret, _)| *secret == key) => {
                let var = SECRET_KEYS.iter().find(|(secret, _)| *secret == key).map(|(_, var)| *var).unwrap_or("");
                format!("secrets are read only from the environment: remove this key and set {var} instead")
            }
            None => {
                let sections: Vec<&str> = known.iter().map(|(name, _)| *name).collect();
                format!("unknown section; the sections are {}", sections.join(", "))
            }
            Some((section, _)) => {
                let keys = known.iter().find(|(name, _)| *name == section).map(|(_, keys)| keys.join(", "));
                format!("unknown key; [{section}] takes {}", keys.unwrap_or_default())
            }
        };
        self.at(&key, None, reason);
    }

    pub(crate) fn finish(mut self) -> Result<(), ConfigError> {
        match self.found.len() {
            0 => Ok(()),
            1 => Err(self.found.remove(0)),
            _ => Err(ConfigError::Several(self.found)),
        }
    }
}

/// Where each section (`brief`) and each key (`brief.headlines`, `brief.feeds.AU`) starts, read
/// from the keys' own spans, for the problems that concern a key rather than its value.
#[derive(Default)]
struct Places(BTreeMap<String, usize>);

impl<'de> Deserialize<'de> for Places {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut places = BTreeMap::new();
        deserializer.deserialize_map(TableKeys { prefix: String::new(), places: &mut places })?;
        Ok(Places(places))
    }
}

/// Visits one table, noting each key's place and descending into tables within it.
struct TableKeys<'p> {
    prefix: String,
    places: &'p mut BTreeMap<String, usize>,
}

impl<'de> Visitor<'de> for TableKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a table")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let path = format!("{}{}", self.prefix, key.get_ref());
            self.places.insert(path.clone(), key.span().start);
            map.next_value_seed(ValueKeys { prefix: format!("{path}."), places: self.places })?;
        }
        Ok(())
    }
}

/// A value: a table is visited for its keys; anything else is skipped.
struct ValueKeys<'p> {
    prefix: String,
    places: &'p mut BTreeMap<String, usize>,
}

impl<'de> serde::de::DeserializeSeed<'de> for ValueKeys<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueKeys<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        TableKeys { prefix: self.prefix, places: self.places }.visit_map(map)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
}
