//! The configuration's specification: what the file and the environment may say, and how
//! every mistake is named.

use super::*;
use chrono::NaiveTime;

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
    let text = include_str!("../../meridian.example.toml");
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

/// Each file is refused with a message naming its key, on the line the key is on, and
/// containing the reason. Every case writes its key on the file's second line, or is a whole
/// section on the first.
fn each_names_its_key(cases: &[(&str, &str, &str)]) {
    for (text, key, reason) in cases {
        let message = error(text);
        let line = if key.contains('.') { 2 } else { 1 };
        assert!(message.starts_with(&format!("meridian.toml:{line}: key '{key}': ")), "{text}: {message}");
        assert!(message.contains(reason), "{text}: {message}");
    }
}

#[test]
fn a_negative_lead_day_is_named_with_its_key() {
    assert_eq!(
        error("[defaults]\nlead_days = [7, -3]"),
        "meridian.toml:2: key 'defaults.lead_days': -3 is not a number of days from 0 to 366"
    );
}

#[test]
fn bad_values_name_the_key_and_the_reason() {
    let cases = [
        ("[defaults]\ntimezone = \"Mars/Base\"", "defaults.timezone", "IANA"),
        ("[defaults]\ntimezone = \"Asia/Kolkatta\"", "defaults.timezone", "did you mean Asia/Kolkata"),
        ("[defaults]\ntimezone = 5", "defaults.timezone", "expected a time zone in quotes, found integer"),
        ("[discord]\nguild_membrs = true", "discord.guild_membrs", "guild_members"),
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
    each_names_its_key(&cases);
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
    each_names_its_key(&cases);
}

#[test]
fn every_problem_is_reported_at_once_with_its_line() {
    let message = error(
        "# meridian\n[defaults]\ntimezone = \"Mars/Base\"\n\nlead_days = [7, -1]\n[pulse]\nmin_grup = 3\nmin_group = 1\n",
    );
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 4, "{message}");
    for expected in [
        "meridian.toml:7: key 'pulse.min_grup': unknown key",
        "meridian.toml:3: key 'defaults.timezone': ",
        "meridian.toml:5: key 'defaults.lead_days': -1 is not",
        "meridian.toml:8: key 'pulse.min_group': 1 is too small",
    ] {
        assert!(lines.iter().any(|line| line.starts_with(expected)), "{expected}: {message}");
    }
}

#[test]
fn time_zones_are_read_as_people_type_them() {
    let config = parse("[defaults]\ntimezone = \"asia/kolkata\"").unwrap();
    assert_eq!(config.defaults.timezone, chrono_tz::Asia::Kolkata);
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
