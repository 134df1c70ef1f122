//! Slash commands as typed values: `/meridian ...` and `/milestone ...` arguments parsed into
//! [`Command`], with usage errors that name the argument and say what was expected.

use crate::calendar::RegionCode;
use chrono::NaiveDate;
use chrono_tz::Tz;

/// A command a person typed, parsed and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Regions as typed: codes (`IN`, `au-nsw`), names (`Philippines`, `"United Kingdom"`)
    /// or common aliases (`UK`); the calendar library resolves them.
    Follow(Vec<String>),
    Unfollow(Vec<String>),
    Regions,
    Me(MeUpdate),
    Upcoming {
        days: u32,
    },
    WhosOff {
        date: DayRef,
    },
    Settings(SettingsUpdate),
    /// Reactions to the channel's reminders over the last `days`.
    Engagement {
        days: u32,
    },
    Help,
    MilestoneAdd {
        name: String,
        date: NaiveDate,
        yearly: bool,
    },
    MilestoneList,
    MilestoneRemove {
        id: i64,
    },
}

/// A date as people say it in a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayRef {
    Today,
    Tomorrow,
    On(NaiveDate),
}

/// What `/meridian me` changes; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeUpdate {
    pub region: Option<RegionCode>,
    pub timezone: Option<Tz>,
    /// Validated by the team module, which owns working hours.
    pub hours: Option<String>,
    pub opted_out: Option<bool>,
    /// `calendar:ACME-PUNE` sets the company calendar, `calendar:none` clears it.
    pub calendar: Option<Option<RegionCode>>,
}

/// What `/meridian settings` changes; all `None` shows the settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsUpdate {
    pub timezone: Option<Tz>,
    /// Validated by the reminders module, which owns posting schedules.
    pub schedule: Option<String>,
    pub lead_days: Option<Vec<u32>>,
    /// `brief:08:30` sets the daily brief's time, `brief:off` turns it off.
    pub brief_time: Option<Option<chrono::NaiveTime>>,
}

impl SettingsUpdate {
    pub fn is_empty(&self) -> bool {
        self.timezone.is_none() && self.schedule.is_none() && self.lead_days.is_none() && self.brief_time.is_none()
    }
}

impl Command {
    /// Whether only managers (and HR) may run it: it changes what a whole channel sees, or
    /// shows how the team engages.
    pub fn needs_manager(&self) -> bool {
        match self {
            Command::Follow(_)
            | Command::Unfollow(_)
            | Command::Engagement { .. }
            | Command::MilestoneAdd { .. }
            | Command::MilestoneRemove { .. } => true,
            Command::Settings(update) => !update.is_empty(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("unknown command '{0}'. Try `/meridian help`.")]
    Unknown(String),
    #[error("{command}: {problem}. Usage: `{usage}`")]
    Bad { command: &'static str, problem: String, usage: &'static str },
    /// A quote opened and never closed (the tokenizer's words say after what).
    #[error("{0}; close it, or leave the quote out")]
    Quotes(String),
}

const FOLLOW: &str = "/meridian follow IN PH";
const UNFOLLOW: &str = "/meridian unfollow PH";
const ME: &str =
    "/meridian me region:IN-KA tz:Asia/Kolkata hours:09:00-18:00 [calendar:ACME-PUNE|none] [optout:yes|no]";
const UPCOMING: &str = "/meridian upcoming [days]";
const WHOSOFF: &str = "/meridian whosoff [YYYY-MM-DD|today|tomorrow]";
const ENGAGEMENT: &str = "/meridian engagement [days]";
const SETTINGS: &str =
    "/meridian settings [tz:Asia/Manila] [schedule:\"0 9 * * MON-FRI\"] [leads:7,1,0] [brief:08:30|off]";
const MILESTONE: &str =
    "/milestone add \"Pune team go-live\" 2027-02-01 [yearly] | /milestone list | /milestone remove ID";

/// The words of a command's arguments, as typed without their quotes (the bot's one
/// tokenizer: `chat::words`).
pub fn split_args(args: &str) -> Result<Vec<String>, UsageError> {
    Ok(super::words::words(args)
        .map_err(|e| UsageError::Quotes(e.to_string()))?
        .iter()
        .map(super::Word::as_typed)
        .collect())
}

/// Parses the arguments of `/{command}` (`meridian` or `milestone`).
pub fn parse(command: &str, args: &str) -> Result<Command, UsageError> {
    let words = split_args(args)?;
    match command.trim_start_matches('/') {
        "meridian" => parse_meridian(&words),
        "milestone" => parse_milestone(&words),
        other => Err(UsageError::Unknown(format!("/{other}"))),
    }
}

fn bad(command: &'static str, usage: &'static str, problem: impl Into<String>) -> UsageError {
    UsageError::Bad { command, problem: problem.into(), usage }
}

fn parse_meridian(words: &[String]) -> Result<Command, UsageError> {
    let Some((sub, rest)) = words.split_first() else { return Ok(Command::Help) };
    match sub.to_ascii_lowercase().as_str() {
        "help" | "?" => Ok(Command::Help),
        "follow" => Ok(Command::Follow(regions("follow", FOLLOW, rest)?)),
        "unfollow" => Ok(Command::Unfollow(regions("unfollow", UNFOLLOW, rest)?)),
        "regions" => Ok(Command::Regions),
        "upcoming" => match rest {
            [] => Ok(Command::Upcoming { days: 14 }),
            [days] => match days.parse::<u32>() {
                Ok(d) if (1..=366).contains(&d) => Ok(Command::Upcoming { days: d }),
                _ => Err(bad("upcoming", UPCOMING, format!("'{days}' is not a number of days from 1 to 366"))),
            },
            _ => Err(bad("upcoming", UPCOMING, "too many arguments")),
        },
        "whosoff" | "who's-off" | "off" => match rest {
            [] => Ok(Command::WhosOff { date: DayRef::Today }),
            [day] => Ok(Command::WhosOff {
                date: day_ref(day).ok_or_else(|| {
                    bad("whosoff", WHOSOFF, format!("'{day}' is not a date; expected YYYY-MM-DD, today or tomorrow"))
                })?,
            }),
            _ => Err(bad("whosoff", WHOSOFF, "too many arguments")),
        },
        "me" => parse_me(rest),
        "engagement" | "stats" => match rest {
            [] => Ok(Command::Engagement { days: 90 }),
            [days] => match days.parse::<u32>() {
                Ok(d) if (1..=3660).contains(&d) => Ok(Command::Engagement { days: d }),
                _ => Err(bad("engagement", ENGAGEMENT, format!("'{days}' is not a number of days"))),
            },
            _ => Err(bad("engagement", ENGAGEMENT, "too many arguments")),
        },
        "settings" => parse_settings(rest),
        "milestone" => parse_milestone(rest),
        other => Err(UsageError::Unknown(other.to_string())),
    }
}

fn regions(command: &'static str, usage: &'static str, words: &[String]) -> Result<Vec<String>, UsageError> {
    let regions: Vec<String> = words
        .iter()
        .flat_map(|w| w.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect::<Vec<_>>())
        .collect();
    if regions.is_empty() {
        return Err(bad(command, usage, "name at least one region"));
    }
    Ok(regions)
}

fn day_ref(word: &str) -> Option<DayRef> {
    match word.to_ascii_lowercase().as_str() {
        "today" => Some(DayRef::Today),
        "tomorrow" => Some(DayRef::Tomorrow),
        _ => calendar_date(word).map(DayRef::On),
    }
}

/// The years a date in a command may name: wide enough for any team's history and plans,
/// narrow enough that every date sum meridian does with it (a year's horizon, lead days)
/// stays inside the calendar.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// `YYYY-MM-DD` exactly (four-digit year, no sign), within [`YEARS`].
pub fn calendar_date(word: &str) -> Option<NaiveDate> {
    let shape = word.len() == 10
        && word.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    let date = NaiveDate::parse_from_str(word, "%Y-%m-%d").ok().filter(|_| shape)?;
    YEARS.contains(&chrono::Datelike::year(&date)).then_some(date)
}

/// `key:value` arguments, keys lower-cased; a word without a colon is an error naming it.
fn key_values(
    command: &'static str,
    usage: &'static str,
    words: &[String],
) -> Result<Vec<(String, String)>, UsageError> {
    words
        .iter()
        .map(|w| match w.split_once([':', '=']) {
            Some((k, v)) if !v.is_empty() => Ok((k.to_ascii_lowercase(), v.to_string())),
            _ => Err(bad(command, usage, format!("'{w}' is not a key:value argument"))),
        })
        .collect()
}

/// A zone as people type it: `Asia/Kolkata`, `asia/kolkata`, with close matches suggested.
fn timezone(command: &'static str, usage: &'static str, value: &str) -> Result<Tz, UsageError> {
    crate::team::parse_timezone(value).map_err(|e| bad(command, usage, format!("tz: {e}")))
}

fn parse_me(words: &[String]) -> Result<Command, UsageError> {
    let mut update = MeUpdate::default();
    for (key, value) in key_values("me", ME, words)? {
        match key.as_str() {
            "region" => {
                update.region =
                    Some(value.parse().map_err(|e: crate::calendar::RegionCodeError| bad("me", ME, e.to_string()))?)
            }
            "tz" | "timezone" => update.timezone = Some(timezone("me", ME, &value)?),
            "hours" => update.hours = Some(value),
            "calendar" | "company" => {
                update.calendar = Some(match value.to_ascii_lowercase().as_str() {
                    "none" | "off" | "-" => None,
                    _ => Some(
                        value
                            .parse()
                            .map_err(|e: crate::calendar::RegionCodeError| bad("me", ME, format!("calendar: {e}")))?,
                    ),
                })
            }
            "optout" | "opt-out" => {
                update.opted_out = Some(match value.to_ascii_lowercase().as_str() {
                    "yes" | "true" | "on" => true,
                    "no" | "false" | "off" => false,
                    _ => return Err(bad("me", ME, format!("optout: '{value}' is not yes or no"))),
                })
            }
            _ => {
                return Err(bad(
                    "me",
                    ME,
                    format!("unknown setting '{key}'; expected region, tz, hours, calendar or optout"),
                ))
            }
        }
    }
    Ok(Command::Me(update))
}

fn parse_settings(words: &[String]) -> Result<Command, UsageError> {
    let mut update = SettingsUpdate::default();
    for (key, value) in key_values("settings", SETTINGS, words)? {
        match key.as_str() {
            "tz" | "timezone" => update.timezone = Some(timezone("settings", SETTINGS, &value)?),
            "schedule" => update.schedule = Some(value),
            "leads" | "lead" => {
                let leads: Result<Vec<u32>, _> = value.split(',').map(|d| d.trim().parse::<u32>()).collect();
                match leads {
                    Ok(l) if !l.is_empty() && l.iter().all(|d| *d <= 366) => update.lead_days = Some(l),
                    _ => {
                        return Err(bad(
                            "settings",
                            SETTINGS,
                            format!("leads: '{value}' is not a list of days from 0 to 366 such as 7,1,0"),
                        ))
                    }
                }
            }
            "brief" => {
                update.brief_time = Some(match value.to_ascii_lowercase().as_str() {
                    "off" | "none" | "no" => None,
                    _ => Some(crate::config::parse_time_of_day(&value).map_err(|_| {
                        bad(
                            "settings",
                            SETTINGS,
                            format!("brief: '{value}' is not a time of day such as 08:30, or off"),
                        )
                    })?),
                })
            }
            _ => {
                return Err(bad(
                    "settings",
                    SETTINGS,
                    format!("unknown setting '{key}'; expected tz, schedule, leads or brief"),
                ))
            }
        }
    }
    Ok(Command::Settings(update))
}

fn parse_milestone(words: &[String]) -> Result<Command, UsageError> {
    let Some((sub, rest)) = words.split_first() else { return Ok(Command::MilestoneList) };
    match sub.to_ascii_lowercase().as_str() {
        "list" => Ok(Command::MilestoneList),
        "add" => {
            let (name, rest) =
                rest.split_first().ok_or_else(|| bad("milestone", MILESTONE, "give a name and a date"))?;
            let (date, rest) =
                rest.split_first().ok_or_else(|| bad("milestone", MILESTONE, "give a date after the name"))?;
            let date = calendar_date(date).ok_or_else(|| {
                let (first, last) = (YEARS.start(), YEARS.end());
                bad(
                    "milestone",
                    MILESTONE,
                    format!("'{date}' is not a date; expected YYYY-MM-DD from {first} to {last}"),
                )
            })?;
            let yearly = match rest {
                [] => false,
                [y] if y.eq_ignore_ascii_case("yearly") => true,
                [other, ..] => {
                    return Err(bad(
                        "milestone",
                        MILESTONE,
                        format!("unexpected '{other}'; only 'yearly' may follow the date"),
                    ))
                }
            };
            if name.trim().is_empty() || name.chars().count() > 120 {
                return Err(bad("milestone", MILESTONE, "the name must be 1 to 120 characters"));
            }
            Ok(Command::MilestoneAdd { name: name.trim().to_string(), date, yearly })
        }
        "remove" | "delete" => match rest {
            [id] => id
                .trim_start_matches('#')
                .parse()
                .map(|id| Command::MilestoneRemove { id })
                .map_err(|_| bad("milestone", MILESTONE, format!("'{id}' is not a milestone id"))),
            _ => Err(bad("milestone", MILESTONE, "give the id shown by /milestone list")),
        },
        other => Err(bad("milestone", MILESTONE, format!("unknown action '{other}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        s.parse().unwrap()
    }

    #[test]
    fn follow_takes_regions_separated_by_spaces_or_commas() {
        assert_eq!(
            parse("meridian", "follow IN ph,au-nsw"),
            Ok(Command::Follow(vec!["IN".into(), "ph".into(), "au-nsw".into()]))
        );
    }

    #[test]
    fn follow_needs_a_region() {
        assert_eq!(
            parse("meridian", "follow , ").unwrap_err().to_string(),
            "follow: name at least one region. Usage: `/meridian follow IN PH`"
        );
    }

    #[test]
    fn me_reads_key_values_and_rejects_unknown_zones() {
        let Ok(Command::Me(me)) = parse("meridian", "me region:IN-KA tz:Asia/Kolkata hours:09:00-18:00") else {
            panic!()
        };
        assert_eq!(me.region, Some(code("IN-KA")));
        assert_eq!(me.timezone, Some(chrono_tz::Asia::Kolkata));
        assert_eq!(me.hours.as_deref(), Some("09:00-18:00"));
        let unknown = parse("meridian", "me tz:Asia/Bangalore").unwrap_err().to_string();
        assert!(unknown.contains("tz: 'Asia/Bangalore' is not a time zone"), "{unknown}");
        // Case does not matter: people type zones as they say them.
        let Ok(Command::Me(me)) = parse("meridian", "me tz:asia/kolkata") else { panic!() };
        assert_eq!(me.timezone, Some(chrono_tz::Asia::Kolkata));
    }

    #[test]
    fn milestone_add_accepts_smart_quotes_from_chat_apps() {
        assert_eq!(
            parse("milestone", "add “Pune team go-live” 2027-02-01 yearly"),
            Ok(Command::MilestoneAdd {
                name: "Pune team go-live".into(),
                date: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
                yearly: true
            })
        );
        assert_eq!(
            parse("milestone", "add \"Go-live\" 2027-02-30").unwrap_err().to_string(),
            format!(
                "milestone: '2027-02-30' is not a date; expected YYYY-MM-DD from 1900 to 2200. Usage: `{MILESTONE}`"
            )
        );
    }

    #[test]
    fn dates_far_outside_any_plan_are_refused_at_parse_time() {
        // Accepted by chrono's %Y; it overflowed the date arithmetic of `/milestone list`.
        for word in ["+262142-06-01", "262142-06-01", "-0001-01-01", "1899-12-31", "2201-01-01", "2027-2-01"] {
            assert_eq!(calendar_date(word), None, "{word}");
            assert!(parse("milestone", &format!("add x {word}")).is_err(), "{word}");
        }
        assert!(matches!(parse("meridian", "whosoff +262142-06-01"), Err(UsageError::Bad { .. })));
        assert_eq!(calendar_date("2028-02-29"), NaiveDate::from_ymd_opt(2028, 2, 29));
    }

    #[test]
    fn settings_parse_leads_and_know_who_may_change_them() {
        let Ok(Command::Settings(s)) = parse("meridian", "settings leads:3,0 schedule:\"0 8 * * MON-FRI\"") else {
            panic!()
        };
        assert_eq!(s.lead_days, Some(vec![3, 0]));
        assert_eq!(s.schedule.as_deref(), Some("0 8 * * MON-FRI"));
        assert!(Command::Settings(s).needs_manager());
        assert!(!parse("meridian", "settings").unwrap().needs_manager());
        assert!(parse("meridian", "settings leads:7,x").is_err());
    }

    #[test]
    fn settings_take_the_brief_time_or_off() {
        let Ok(Command::Settings(s)) = parse("meridian", "settings brief:08:30") else { panic!() };
        assert_eq!(s.brief_time, Some(chrono::NaiveTime::from_hms_opt(8, 30, 0)));
        assert!(Command::Settings(s).needs_manager());
        let Ok(Command::Settings(s)) = parse("meridian", "settings brief:off") else { panic!() };
        assert_eq!(s.brief_time, Some(None));
        let e = parse("meridian", "settings brief:8h30").unwrap_err().to_string();
        assert!(e.starts_with("settings: brief: '8h30' is not a time of day such as 08:30, or off."), "{e}");
    }

    #[test]
    fn unknown_subcommands_point_to_help() {
        assert_eq!(
            parse("meridian", "folow IN").unwrap_err().to_string(),
            "unknown command 'folow'. Try `/meridian help`."
        );
        assert_eq!(parse("meridian", ""), Ok(Command::Help));
    }
}
