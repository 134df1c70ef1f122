//! The `/brief` grammar: the text after `/brief` parsed into a [`BriefCommand`], with usage
//! errors that name the argument and say what to write instead.
//!
//! ```text
//! /brief                                      this channel's brief settings
//! /brief regions AU GB US-CA                  the customers' regions (codes, names, aliases)
//! /brief time 08:30                           post every working day at 08:30 channel time
//! /brief off                                  no more briefs
//! /brief days working|every                   working days only (default), or every day
//! /brief quiet line|silent                    a quiet day posts one line (default), or nothing
//! /brief event add AU 2027-03-05 "End-of-financial-year sale"
//! /brief event list       /brief event remove ID
//! /brief now                                  post today's brief now
//! /brief preview [YYYY-MM-DD]                 see a brief privately
//! /brief help
//! ```

use super::{BriefDays, QuietDay};
use crate::chat::{calendar_date, split_args, YEARS};
use chrono::{NaiveDate, NaiveTime};

/// What `/brief` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BriefCommand {
    Show,
    Help,
    /// Regions as typed; the calendar library resolves them.
    Regions(Vec<String>),
    Time(NaiveTime),
    Off,
    Days(BriefDays),
    Quiet(QuietDay),
    EventAdd {
        region: String,
        date: NaiveDate,
        name: String,
    },
    EventList,
    EventRemove {
        id: i64,
    },
    Now,
    Preview {
        date: Option<NaiveDate>,
    },
}

impl BriefCommand {
    /// Whether only managers and HR may run it: it changes or posts what the whole channel
    /// sees.
    pub fn needs_manager(&self) -> bool {
        !matches!(
            self,
            BriefCommand::Show | BriefCommand::Help | BriefCommand::EventList | BriefCommand::Preview { .. }
        )
    }

    /// Parses the text after `/brief`.
    pub fn parse(args: &str) -> Result<BriefCommand, BriefUsageError> {
        let words = split_args(args).map_err(|_| bad("brief", USAGE_LINE, "a quote is not closed"))?;
        let Some((sub, rest)) = words.split_first() else { return Ok(BriefCommand::Show) };
        match sub.to_ascii_lowercase().as_str() {
            "help" | "?" => none_after("help", rest, BriefCommand::Help),
            "settings" | "show" => none_after("settings", rest, BriefCommand::Show),
            "regions" | "region" | "customers" => {
                let regions: Vec<String> = rest
                    .iter()
                    .flat_map(|w| w.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string))
                    .collect();
                if regions.is_empty() {
                    return Err(bad("regions", REGIONS, "name at least one region"));
                }
                if regions.len() > MAX_REGIONS {
                    return Err(bad(
                        "regions",
                        REGIONS,
                        format!("{} regions is too many; at most {MAX_REGIONS}", regions.len()),
                    ));
                }
                Ok(BriefCommand::Regions(regions))
            }
            "time" => match rest {
                [time] => crate::config::parse_time_of_day(time).map(BriefCommand::Time).map_err(|_| {
                    bad("time", TIME, format!("'{time}' is not a time of day; expected HH:MM such as 08:30"))
                }),
                [] => Err(bad("time", TIME, "give the time of day, such as 08:30")),
                _ => Err(bad("time", TIME, "give one time of day")),
            },
            "off" | "stop" => none_after("off", rest, BriefCommand::Off),
            "days" => match rest {
                [days] => days.parse().map(BriefCommand::Days).map_err(|e| bad("days", DAYS, format!("days: {e}"))),
                _ => Err(bad("days", DAYS, "give working or every")),
            },
            "quiet" => match rest {
                [quiet] => {
                    quiet.parse().map(BriefCommand::Quiet).map_err(|e| bad("quiet", QUIET, format!("quiet: {e}")))
                }
                _ => Err(bad("quiet", QUIET, "give line or silent")),
            },
            "event" | "events" => parse_event(rest),
            "now" => none_after("now", rest, BriefCommand::Now),
            "preview" => match rest {
                [] => Ok(BriefCommand::Preview { date: None }),
                [date] if date.eq_ignore_ascii_case("today") => Ok(BriefCommand::Preview { date: None }),
                [date] => Ok(BriefCommand::Preview { date: Some(date_argument("preview", PREVIEW, date)?) }),
                _ => Err(bad("preview", PREVIEW, "give at most one date")),
            },
            other => Err(bad("brief", USAGE_LINE, format!("unknown action '{other}'"))),
        }
    }
}

/// The most customer regions one channel's brief covers: enough for any desk, few enough that
/// the brief stays short.
pub const MAX_REGIONS: usize = 12;

/// The longest name a brief event may have.
pub const MAX_EVENT_NAME: usize = 120;

/// `/brief help`, and the end of a usage error.
pub const USAGE: &str = "\
/brief — a short daily brief on what your customers' regions are living through
  /brief                                     this channel's brief settings
  /brief regions AU GB US-CA                 the customers' regions (managers)
  /brief time 08:30                          post every working day at 08:30 channel time (managers)
  /brief off                                 stop the brief (managers)
  /brief days working|every                  working days only, or every day (managers)
  /brief quiet line|silent                   a quiet day posts one line, or nothing (managers)
  /brief event add AU 2027-03-05 \"Sale\"      a date of your customers' (managers)
  /brief event list · /brief event remove ID
  /brief now                                 post today's brief now (managers)
  /brief preview [YYYY-MM-DD]                see a brief privately";

const USAGE_LINE: &str = "/brief help";
const REGIONS: &str = "/brief regions AU GB US-CA";
const TIME: &str = "/brief time 08:30";
const DAYS: &str = "/brief days working|every";
const QUIET: &str = "/brief quiet line|silent";
const EVENT: &str =
    "/brief event add AU 2027-03-05 \"End-of-financial-year sale\" | /brief event list | /brief event remove ID";
const PREVIEW: &str = "/brief preview [YYYY-MM-DD]";

/// A `/brief` usage error: which part, what was wrong, and how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("brief {part}: {problem}. Usage: `{usage}`")]
pub struct BriefUsageError {
    pub part: &'static str,
    pub problem: String,
    pub usage: &'static str,
}

fn bad(part: &'static str, usage: &'static str, problem: impl Into<String>) -> BriefUsageError {
    BriefUsageError { part, problem: problem.into(), usage }
}

fn none_after(part: &'static str, rest: &[String], command: BriefCommand) -> Result<BriefCommand, BriefUsageError> {
    match rest.first() {
        None => Ok(command),
        Some(extra) => Err(bad(part, USAGE_LINE, format!("unexpected '{extra}'"))),
    }
}

fn date_argument(part: &'static str, usage: &'static str, word: &str) -> Result<NaiveDate, BriefUsageError> {
    calendar_date(word).ok_or_else(|| {
        let (first, last) = (YEARS.start(), YEARS.end());
        bad(part, usage, format!("'{word}' is not a date; expected YYYY-MM-DD from {first} to {last}"))
    })
}

fn parse_event(words: &[String]) -> Result<BriefCommand, BriefUsageError> {
    let Some((action, rest)) = words.split_first() else { return Ok(BriefCommand::EventList) };
    match action.to_ascii_lowercase().as_str() {
        "list" => none_after("event list", rest, BriefCommand::EventList),
        "add" => {
            let [region, date, name @ ..] = rest else {
                return Err(bad("event add", EVENT, "give a region, a date and a name"));
            };
            let date = date_argument("event add", EVENT, date)?;
            // A name may be quoted or not: `"Sale"` and `Sale day` both work.
            let name = name.join(" ");
            let name = name.trim();
            if name.is_empty() {
                return Err(bad("event add", EVENT, "give the event's name after the date"));
            }
            if name.chars().count() > MAX_EVENT_NAME {
                return Err(bad("event add", EVENT, format!("the name must be at most {MAX_EVENT_NAME} characters")));
            }
            Ok(BriefCommand::EventAdd { region: region.clone(), date, name: name.to_string() })
        }
        "remove" | "delete" => match rest {
            [id] => id
                .trim_start_matches('#')
                .parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .map(|id| BriefCommand::EventRemove { id })
                .ok_or_else(|| bad("event remove", EVENT, format!("'{id}' is not an event id"))),
            _ => Err(bad("event remove", EVENT, "give the id shown by /brief event list")),
        },
        other => Err(bad("event", EVENT, format!("unknown action '{other}'; expected add, list or remove"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_issue_s_examples_parse() {
        assert_eq!(
            BriefCommand::parse("regions AU GB US-CA"),
            Ok(BriefCommand::Regions(vec!["AU".into(), "GB".into(), "US-CA".into()]))
        );
        assert_eq!(
            BriefCommand::parse("time 08:30"),
            Ok(BriefCommand::Time(NaiveTime::from_hms_opt(8, 30, 0).unwrap()))
        );
        assert_eq!(BriefCommand::parse("off"), Ok(BriefCommand::Off));
        assert_eq!(
            BriefCommand::parse("event add AU 2027-03-05 \"End-of-financial-year sale\""),
            Ok(BriefCommand::EventAdd {
                region: "AU".into(),
                date: date(2027, 3, 5),
                name: "End-of-financial-year sale".into()
            })
        );
        assert_eq!(BriefCommand::parse("event list"), Ok(BriefCommand::EventList));
        assert_eq!(BriefCommand::parse("event remove 3"), Ok(BriefCommand::EventRemove { id: 3 }));
        assert_eq!(BriefCommand::parse("now"), Ok(BriefCommand::Now));
        assert_eq!(BriefCommand::parse("preview"), Ok(BriefCommand::Preview { date: None }));
        assert_eq!(
            BriefCommand::parse("preview 2026-12-24"),
            Ok(BriefCommand::Preview { date: Some(date(2026, 12, 24)) })
        );
        assert_eq!(BriefCommand::parse(""), Ok(BriefCommand::Show));
    }

    #[test]
    fn usage_errors_name_the_argument() {
        let e = BriefCommand::parse("time 8h30").unwrap_err().to_string();
        assert_eq!(
            e,
            "brief time: '8h30' is not a time of day; expected HH:MM such as 08:30. Usage: `/brief time 08:30`"
        );
        let e = BriefCommand::parse("preview 2026-02-30").unwrap_err().to_string();
        assert!(e.starts_with("brief preview: '2026-02-30' is not a date"), "{e}");
        let e = BriefCommand::parse("event add AU tomorrow Sale").unwrap_err().to_string();
        assert!(e.starts_with("brief event add: 'tomorrow' is not a date"), "{e}");
        let e = BriefCommand::parse("days weekends").unwrap_err().to_string();
        assert!(e.contains("days: 'weekends' is not one of working or every"), "{e}");
        let e = BriefCommand::parse("regions").unwrap_err().to_string();
        assert!(e.contains("name at least one region"), "{e}");
        let e = BriefCommand::parse("event remove x").unwrap_err().to_string();
        assert!(e.contains("'x' is not an event id"), "{e}");
        assert!(BriefCommand::parse("now please").is_err());
        assert!(BriefCommand::parse("event add AU 2027-03-05").is_err(), "a name is needed");
        assert!(BriefCommand::parse("event add AU 2027-03-05 \"unclosed").is_err());
    }

    #[test]
    fn changes_need_a_manager_and_looking_does_not() {
        for text in [
            "regions AU",
            "time 08:30",
            "off",
            "days every",
            "quiet silent",
            "event add AU 2027-03-05 x",
            "event remove 1",
            "now",
        ] {
            assert!(BriefCommand::parse(text).unwrap().needs_manager(), "{text}");
        }
        for text in ["", "help", "event list", "preview", "preview 2026-12-24"] {
            assert!(!BriefCommand::parse(text).unwrap().needs_manager(), "{text}");
        }
    }

    #[test]
    fn an_unquoted_name_and_curly_quotes_both_work() {
        assert_eq!(
            BriefCommand::parse("event add gb 2026-11-27 Black Friday"),
            Ok(BriefCommand::EventAdd { region: "gb".into(), date: date(2026, 11, 27), name: "Black Friday".into() })
        );
        assert_eq!(
            BriefCommand::parse("event add US 2026-11-27 “Black Friday”"),
            Ok(BriefCommand::EventAdd { region: "US".into(), date: date(2026, 11, 27), name: "Black Friday".into() })
        );
    }
}
