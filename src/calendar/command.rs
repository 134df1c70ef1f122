//! `/calendar ...`: HR's commands for the company's own calendars, parsed into
//! [`CalendarCommand`] with usage errors that name the argument and say how to write it.

use super::model::{Kind, RegionCode};
use crate::chat::{calendar_date, split_args, UsageError, YEARS};
use chrono::NaiveDate;
use chrono_tz::Tz;

pub const USAGE: &str = "\
*`/calendar`: the company's own calendars* (HR and managers change them; anyone may look)
• `/calendar list [CODE]`: the calendars, or one calendar's dates for the next year with their ids
• `/calendar add ACME-PUNE 2027-01-14 \"Pongal\" [kind:festival] [note:\"...\"]`: add a date (a new code makes a new calendar: `name:\"Acme Pune\" parent:IN-MH` or `tz:Asia/Kolkata`)
• `/calendar remove [CODE] ID`: remove a date by the id `/calendar list CODE` shows
• `/calendar import ACME-PUNE https://.../holidays.ics [kind:public]`: import an ICS file (a link, or a file shared here); importing it again replaces its events
• `/calendar export CODE [YEAR]`: the calendar as an ICS file
• `/calendar members https://.../people.csv`: set members' region, company calendar, zone and hours from a CSV
• `/calendar reload`: read the calendar files again, and say what is wrong in them";

const LIST: &str = "/calendar list [CODE]";
const ADD: &str = "/calendar add ACME-PUNE 2027-01-14 \"Pongal\" [kind:festival] [note:\"...\"] [name:\"Acme Pune\"] [parent:IN-MH] [tz:Asia/Kolkata]";
const REMOVE: &str = "/calendar remove [CODE] ID";
const IMPORT: &str = "/calendar import ACME-PUNE https://.../holidays.ics [kind:public] [name:\"Acme Pune\"] [parent:IN-MH] [tz:Asia/Kolkata]";
const EXPORT: &str = "/calendar export CODE [YEAR]";
const MEMBERS: &str = "/calendar members https://.../people.csv";

/// How a new calendar is described when a command creates it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCalendar {
    pub name: Option<String>,
    pub parent: Option<RegionCode>,
    pub timezone: Option<Tz>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarCommand {
    Help,
    List { code: Option<RegionCode> },
    Add { code: RegionCode, date: NaiveDate, name: String, kind: Kind, note: Option<String>, new: NewCalendar },
    Remove { code: Option<RegionCode>, id: String },
    Import { code: RegionCode, url: String, kind: Kind, new: NewCalendar },
    Export { code: RegionCode, year: Option<i32> },
    Members { url: String },
    Reload,
}

impl CalendarCommand {
    /// Whether only HR and managers may run it: it changes a calendar or the members.
    pub fn needs_hr(&self) -> bool {
        matches!(
            self,
            CalendarCommand::Add { .. }
                | CalendarCommand::Remove { .. }
                | CalendarCommand::Import { .. }
                | CalendarCommand::Members { .. }
                | CalendarCommand::Reload
        )
    }

    pub fn parse(args: &str) -> Result<CalendarCommand, UsageError> {
        let words = split_args(args)?;
        let Some((sub, rest)) = words.split_first() else { return Ok(CalendarCommand::Help) };
        match sub.to_ascii_lowercase().as_str() {
            "help" | "?" => Ok(CalendarCommand::Help),
            "list" | "show" => match rest {
                [] => Ok(CalendarCommand::List { code: None }),
                [code] => Ok(CalendarCommand::List { code: Some(code_arg("list", LIST, code)?) }),
                _ => Err(bad("list", LIST, "give at most one calendar code")),
            },
            "add" => parse_add(rest),
            "remove" | "delete" => match rest {
                [id] => Ok(CalendarCommand::Remove { code: None, id: id.clone() }),
                [code, id] => {
                    Ok(CalendarCommand::Remove { code: Some(code_arg("remove", REMOVE, code)?), id: id.clone() })
                }
                [] => Err(bad("remove", REMOVE, "give the id `/calendar list CODE` shows")),
                _ => Err(bad("remove", REMOVE, "too many arguments")),
            },
            "import" => {
                let (code, rest) =
                    rest.split_first().ok_or_else(|| bad("import", IMPORT, "give the calendar's code and a link"))?;
                let code = code_arg("import", IMPORT, code)?;
                let (url, rest) = rest
                    .split_first()
                    .ok_or_else(|| bad("import", IMPORT, "give the link of the ICS file after the code"))?;
                if !url.contains("://") {
                    return Err(bad(
                        "import",
                        IMPORT,
                        format!("'{url}' is not a link; give an https:// URL or share the file here"),
                    ));
                }
                let (kind, _, new) = options("import", IMPORT, rest, false)?;
                Ok(CalendarCommand::Import { code, url: url.clone(), kind: kind.unwrap_or(Kind::Observance), new })
            }
            "export" => match rest {
                [code] => Ok(CalendarCommand::Export { code: code_arg("export", EXPORT, code)?, year: None }),
                [code, year] => {
                    let year =
                        year.parse::<i32>().ok().filter(|y| YEARS.contains(y)).ok_or_else(|| {
                            bad("export", EXPORT, format!("'{year}' is not a year from 1900 to 2200"))
                        })?;
                    Ok(CalendarCommand::Export { code: code_arg("export", EXPORT, code)?, year: Some(year) })
                }
                _ => Err(bad("export", EXPORT, "give a calendar code, and a year if you want one")),
            },
            "members" | "people" => match rest {
                [url] if url.contains("://") => Ok(CalendarCommand::Members { url: url.clone() }),
                [other] => Err(bad(
                    "members",
                    MEMBERS,
                    format!("'{other}' is not a link; give an https:// URL or share the CSV here"),
                )),
                _ => Err(bad("members", MEMBERS, "give the link of the CSV file")),
            },
            "reload" => match rest {
                [] => Ok(CalendarCommand::Reload),
                _ => Err(bad("reload", "/calendar reload", "it takes no arguments")),
            },
            other => Err(bad("calendar", "/calendar help", format!("unknown action '{other}'"))),
        }
    }
}

fn bad(command: &'static str, usage: &'static str, problem: impl Into<String>) -> UsageError {
    UsageError::Bad { command, problem: problem.into(), usage }
}

fn code_arg(command: &'static str, usage: &'static str, word: &str) -> Result<RegionCode, UsageError> {
    word.parse::<RegionCode>().map_err(|e| bad(command, usage, e.to_string()))
}

fn parse_add(rest: &[String]) -> Result<CalendarCommand, UsageError> {
    let (code, rest) = rest.split_first().ok_or_else(|| bad("add", ADD, "give a calendar code, a date and a name"))?;
    let code = code_arg("add", ADD, code)?;
    let (date, rest) = rest.split_first().ok_or_else(|| bad("add", ADD, "give a date after the code"))?;
    let date = calendar_date(date).ok_or_else(|| {
        bad(
            "add",
            ADD,
            format!("'{date}' is not a date; expected YYYY-MM-DD from {} to {}", YEARS.start(), YEARS.end()),
        )
    })?;
    let (name, rest) = rest.split_first().ok_or_else(|| bad("add", ADD, "give the date's name after it, in quotes"))?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 || (name.contains(':') && !name.contains(' ')) {
        return Err(bad("add", ADD, "the name must be 1 to 120 characters, in quotes when it has spaces"));
    }
    let (kind, note, new) = options("add", ADD, rest, true)?;
    Ok(CalendarCommand::Add { code, date, name: name.to_string(), kind: kind.unwrap_or(Kind::Public), note, new })
}

type Options = (Option<Kind>, Option<String>, NewCalendar);

fn options(
    command: &'static str,
    usage: &'static str,
    words: &[String],
    note_allowed: bool,
) -> Result<Options, UsageError> {
    let mut kind = None;
    let mut note = None;
    let mut new = NewCalendar::default();
    for word in words {
        let Some((key, value)) = word.split_once(':').filter(|(_, v)| !v.trim().is_empty()) else {
            return Err(bad(command, usage, format!("'{word}' is not a key:value argument")));
        };
        match key.to_ascii_lowercase().as_str() {
            "kind" => kind = Some(value.parse::<Kind>().map_err(|e| bad(command, usage, format!("kind: {e}")))?),
            "note" | "about" if note_allowed => {
                if value.chars().count() > 500 {
                    return Err(bad(command, usage, "note: at most 500 characters"));
                }
                note = Some(value.trim().to_string());
            }
            "name" => {
                if value.chars().count() > 80 {
                    return Err(bad(command, usage, "name: at most 80 characters"));
                }
                new.name = Some(value.trim().to_string());
            }
            "parent" => {
                new.parent = Some(code_arg(command, usage, value).map_err(|_| {
                    bad(command, usage, format!("parent: '{value}' is not a calendar code such as IN-MH"))
                })?)
            }
            "tz" | "timezone" => {
                new.timezone =
                    Some(crate::team::parse_timezone(value).map_err(|e| bad(command, usage, format!("tz: {e}")))?)
            }
            other => {
                let known = if note_allowed { "kind, note, name, parent or tz" } else { "kind, name, parent or tz" };
                return Err(bad(command, usage, format!("unknown option '{other}'; expected {known}")));
            }
        }
    }
    Ok((kind, note, new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_reads_the_code_date_name_and_options() {
        let c = CalendarCommand::parse("add ACME-PUNE 2027-01-14 “Pongal” kind:festival note:\"Harvest festival\"")
            .unwrap();
        assert_eq!(
            c,
            CalendarCommand::Add {
                code: "ACME-PUNE".parse().unwrap(),
                date: NaiveDate::from_ymd_opt(2027, 1, 14).unwrap(),
                name: "Pongal".into(),
                kind: Kind::Festival,
                note: Some("Harvest festival".into()),
                new: NewCalendar::default(),
            }
        );
        assert!(c.needs_hr());
    }

    #[test]
    fn usage_errors_name_the_argument() {
        let e = CalendarCommand::parse("add ACME-PUNE 2027-02-30 Pongal").unwrap_err().to_string();
        assert!(e.starts_with("add: '2027-02-30' is not a date"), "{e}");
        let e = CalendarCommand::parse("add ACME-PUNE 2027-01-14 Pongal kind:holiday").unwrap_err().to_string();
        assert!(e.starts_with("add: kind: 'holiday' is not a kind"), "{e}");
        let e = CalendarCommand::parse("add AC+ME 2027-01-14 Pongal").unwrap_err().to_string();
        assert!(e.contains("'AC+ME' is not a region code"), "{e}");
        let e = CalendarCommand::parse("import ACME holidays.ics").unwrap_err().to_string();
        assert!(e.contains("'holidays.ics' is not a link"), "{e}");
        let e = CalendarCommand::parse("export ACME 3000").unwrap_err().to_string();
        assert!(e.contains("'3000' is not a year"), "{e}");
    }

    #[test]
    fn looking_is_for_everyone() {
        assert!(!CalendarCommand::parse("list").unwrap().needs_hr());
        assert!(!CalendarCommand::parse("export IN 2027").unwrap().needs_hr());
        assert_eq!(CalendarCommand::parse("").unwrap(), CalendarCommand::Help);
        assert!(CalendarCommand::parse("reload").unwrap().needs_hr());
    }
}
