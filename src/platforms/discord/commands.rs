//! meridian's application (slash) commands, `/meridian`, `/pulse`, `/milestone`, `/brief` and
//! `/calendar`, as one
//! table: it gives Discord the typed options (choices, ranges, autocomplete) to register,
//! and turns what a person picked back into the argument text the core parses, so the core's
//! parsers stay the one grammar. `/meridian follow regions:IN PH` becomes `follow IN PH`.
//!
//! Over 600 lines on purpose: most of it is the table itself (every option of five commands,
//! as data), which registration and parsing must read from one place.

use crate::calendar::Library;
use crate::pulse::Theme;
use serde_json::{json, Value};
use serenity::all::{CommandData, CommandDataOptionValue};

/// A slash command and its subcommands.
pub struct CommandDef {
    pub name: &'static str,
    description: &'static str,
    subcommands: &'static [Sub],
}

struct Sub {
    name: &'static str,
    description: &'static str,
    /// What the core's text starts with (`follow`); empty for none (`/pulse` asking a question).
    word: &'static str,
    options: &'static [Opt],
}

struct Opt {
    name: &'static str,
    description: &'static str,
    kind: Kind,
    required: bool,
    /// How the value is written in the core's text.
    write: Write,
    choices: &'static [(&'static str, &'static str)],
    range: Option<(i64, i64)>,
    complete: Option<Complete>,
}

#[derive(Clone, Copy)]
enum Kind {
    String,
    Integer,
    Boolean,
    /// A file the person attaches (an ICS calendar, a CSV): its link goes into the text.
    Attachment,
}

#[derive(Clone, Copy)]
enum Write {
    /// As typed: a list of words the core splits itself (`IN PH`).
    Raw,
    /// One word, quoted when it holds spaces.
    Word,
    /// Always in quotes (a question, a cron expression, a milestone's name).
    Quoted,
    /// `key:value`, the value quoted when it holds spaces.
    Key(&'static str),
    /// A word present when the boolean is true (`yearly`).
    Flag(&'static str),
    /// `key:yes` or `key:no`.
    YesNo(&'static str),
}

/// Suggestions Discord asks for while a person types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Complete {
    /// One region code.
    Region,
    /// Region codes separated by spaces; the last one is being typed.
    Regions,
    /// An IANA time zone.
    TimeZone,
}

const fn opt(name: &'static str, description: &'static str, kind: Kind, write: Write) -> Opt {
    Opt { name, description, kind, required: false, write, choices: &[], range: None, complete: None }
}

const fn required(mut o: Opt) -> Opt {
    o.required = true;
    o
}

const fn completed(mut o: Opt, c: Complete) -> Opt {
    o.complete = Some(c);
    o
}

const fn ranged(mut o: Opt, min: i64, max: i64) -> Opt {
    o.range = Some((min, max));
    o
}

const fn chosen(mut o: Opt, choices: &'static [(&'static str, &'static str)]) -> Opt {
    o.choices = choices;
    o
}

const fn sub(name: &'static str, description: &'static str, options: &'static [Opt]) -> Sub {
    Sub { name, description, word: name, options }
}

const THEMES: &[(&str, &str)] = &[
    ("Communication", "communication"),
    ("Feeling valued", "valued"),
    ("Trust", "trust"),
    ("Workload", "workload"),
    ("Culture", "culture"),
    ("Customer", "customer"),
    ("Recognition", "recognition"),
];

const SCALES: &[(&str, &str)] = &[("1 to 5", "1-5"), ("1 to 7", "1-7"), ("0 to 10", "0-10"), ("Emoji faces", "emoji")];

const TZ: Opt =
    completed(opt("tz", "An IANA time zone, e.g. Asia/Kolkata", Kind::String, Write::Key("tz")), Complete::TimeZone);

/// The commands meridian registers, in the order Discord lists them.
pub static COMMANDS: &[CommandDef] = &[
    CommandDef {
        name: "meridian",
        description: "Holidays, working hours and reminders across your team's regions",
        subcommands: &[
            sub("help", "What meridian can do", &[]),
            sub(
                "follow",
                "Follow regions' holidays in this channel (managers)",
                &[required(completed(
                    opt("regions", "Region codes, e.g. IN PH AU-NSW", Kind::String, Write::Raw),
                    Complete::Regions,
                ))],
            ),
            sub(
                "unfollow",
                "Stop following regions in this channel (managers)",
                &[required(completed(
                    opt("regions", "Region codes, e.g. PH", Kind::String, Write::Raw),
                    Complete::Regions,
                ))],
            ),
            sub("regions", "The regions this channel follows", &[]),
            sub(
                "upcoming",
                "Holidays in the coming days",
                &[ranged(opt("days", "How many days ahead (default 14)", Kind::Integer, Write::Word), 1, 366)],
            ),
            sub(
                "whosoff",
                "Who is off on a day",
                &[opt("date", "today, tomorrow or YYYY-MM-DD", Kind::String, Write::Word)],
            ),
            sub(
                "me",
                "Your region, time zone and working hours",
                &[
                    completed(
                        opt("region", "Your region code, e.g. IN-KA", Kind::String, Write::Key("region")),
                        Complete::Region,
                    ),
                    TZ,
                    opt("hours", "Working hours, e.g. 09:00-18:00", Kind::String, Write::Key("hours")),
                    opt("optout", "Leave out of reminders and pulses", Kind::Boolean, Write::YesNo("optout")),
                ],
            ),
            sub(
                "engagement",
                "Reactions to this channel's reminders",
                &[ranged(opt("days", "Over how many days (default 90)", Kind::Integer, Write::Word), 1, 3660)],
            ),
            sub(
                "settings",
                "Show or change this channel's settings (changing: managers)",
                &[
                    TZ,
                    opt("schedule", "When reminders post, cron: 0 9 * * MON-FRI", Kind::String, Write::Key("schedule")),
                    opt("leads", "Days before a holiday to remind, e.g. 7,1,0", Kind::String, Write::Key("leads")),
                    opt("brief", "Daily brief time, e.g. 08:30, or off", Kind::String, Write::Key("brief")),
                ],
            ),
        ],
    },
    CommandDef {
        name: "pulse",
        description: "Quick anonymous polls about how the team works together",
        subcommands: &[
            Sub {
                name: "ask",
                description: "Ask a question now: your own, or one from the bank (managers)",
                word: "",
                options: &[
                    opt("question", "Your own question (leave out for one from the bank)", Kind::String, Write::Quoted),
                    chosen(opt("theme", "A bank question on this theme", Kind::String, Write::Key("theme")), THEMES),
                    chosen(opt("scale", "Answer buttons: a scale", Kind::String, Write::Key("scale")), SCALES),
                    opt(
                        "options",
                        "Answer buttons: your own, e.g. Yes,Somewhat,No",
                        Kind::String,
                        Write::Key("options"),
                    ),
                    opt("emoji", "Answer buttons: emoji, e.g. 😞,😐,😄", Kind::String, Write::Key("emoji")),
                    opt("for", "How long it stays open, e.g. 2h or 1d", Kind::String, Write::Key("for")),
                ],
            },
            sub(
                "schedule",
                "Ask a bank question on a schedule (managers)",
                &[
                    required(opt("cron", "When, in channel time: 0 10 * * FRI", Kind::String, Write::Quoted)),
                    chosen(opt("theme", "Questions on this theme", Kind::String, Write::Key("theme")), THEMES),
                    opt("for", "How long each stays open, e.g. 1d", Kind::String, Write::Key("for")),
                ],
            ),
            sub(
                "unschedule",
                "Stop a recurring pulse (managers)",
                &[required(ranged(
                    opt("id", "The schedule id from /pulse list", Kind::Integer, Write::Word),
                    1,
                    i64::MAX,
                ))],
            ),
            sub(
                "close",
                "Close a pulse and post its results (managers)",
                &[ranged(opt("id", "Which pulse (default: the latest)", Kind::Integer, Write::Word), 1, i64::MAX)],
            ),
            sub(
                "results",
                "A pulse's results",
                &[ranged(opt("id", "Which pulse (default: the latest)", Kind::Integer, Write::Word), 1, i64::MAX)],
            ),
            sub("list", "Open and scheduled pulses", &[]),
            sub("help", "How pulses work", &[]),
        ],
    },
    CommandDef {
        name: "milestone",
        description: "The team's own dates: go-lives, anniversaries",
        subcommands: &[
            sub(
                "add",
                "Add a milestone (managers)",
                &[
                    required(opt("name", "What it is, e.g. Pune team go-live", Kind::String, Write::Quoted)),
                    required(opt("date", "YYYY-MM-DD", Kind::String, Write::Word)),
                    opt("yearly", "Every year on that date", Kind::Boolean, Write::Flag("yearly")),
                ],
            ),
            sub("list", "This channel's milestones", &[]),
            sub(
                "remove",
                "Remove a milestone (managers)",
                &[required(ranged(opt("id", "The id from /milestone list", Kind::Integer, Write::Word), 1, i64::MAX))],
            ),
        ],
    },
    BRIEF,
    CALENDAR,
];

const KINDS: &[(&str, &str)] = &[
    ("Public holiday (a day off)", "public"),
    ("Bank holiday (a day off)", "bank"),
    ("Optional holiday", "optional"),
    ("Observance", "observance"),
    ("Festival", "festival"),
    ("Milestone", "milestone"),
];

const CODE: Opt =
    completed(opt("code", "A calendar code, e.g. ACME-PUNE", Kind::String, Write::Word), Complete::Region);

/// HR's company calendars (issue 14).
const CALENDAR: CommandDef = CommandDef {
    name: "calendar",
    description: "The company's own calendars: dates, ICS import and export, members",
    subcommands: &[
        sub("list", "The company calendars, or one calendar's dates and ids", &[CODE]),
        sub(
            "add",
            "Add a date to a company calendar (HR)",
            &[
                required(CODE),
                required(opt("date", "YYYY-MM-DD", Kind::String, Write::Word)),
                required(opt("name", "What it is, e.g. Pongal", Kind::String, Write::Quoted)),
                chosen(
                    opt("kind", "What kind of day (default: public holiday)", Kind::String, Write::Key("kind")),
                    KINDS,
                ),
                opt("note", "A short note on the day", Kind::String, Write::Key("note")),
                completed(
                    opt(
                        "parent",
                        "A new calendar builds on this region, e.g. IN-MH",
                        Kind::String,
                        Write::Key("parent"),
                    ),
                    Complete::Region,
                ),
                opt("name-of-calendar", "A new calendar's name, e.g. Acme Pune", Kind::String, Write::Key("name")),
            ],
        ),
        sub(
            "remove",
            "Remove a date by its id (HR)",
            &[required(CODE), required(opt("id", "The id from /calendar list CODE", Kind::String, Write::Word))],
        ),
        sub(
            "import",
            "Import an ICS file into a company calendar (HR)",
            &[
                required(CODE),
                opt("file", "The .ics file", Kind::Attachment, Write::Word),
                opt("url", "Or an https:// link to it", Kind::String, Write::Word),
                chosen(opt("kind", "Events' kind when the file says none", Kind::String, Write::Key("kind")), KINDS),
                completed(
                    opt(
                        "parent",
                        "A new calendar builds on this region, e.g. IN-MH",
                        Kind::String,
                        Write::Key("parent"),
                    ),
                    Complete::Region,
                ),
            ],
        ),
        sub(
            "export",
            "A calendar as an ICS file",
            &[
                required(CODE),
                ranged(opt("year", "Which year (default: this and next)", Kind::Integer, Write::Word), 1900, 2200),
            ],
        ),
        sub(
            "members",
            "Set up members from a CSV: user, region, calendar, tz, hours (HR)",
            &[
                opt("file", "The .csv file", Kind::Attachment, Write::Word),
                opt("url", "Or an https:// link to it", Kind::String, Write::Word),
            ],
        ),
        sub("reload", "Read the calendar files again and show their errors (HR)", &[]),
        sub("help", "How company calendars work", &[]),
    ],
};

/// `/brief`'s subcommands whose core text is two words (`event add`): Discord has no spaces in
/// a subcommand's name.
const fn sub_words(name: &'static str, word: &'static str, description: &'static str, options: &'static [Opt]) -> Sub {
    Sub { name, description, word, options }
}

/// The daily brief's command (issue 13).
const BRIEF: CommandDef = CommandDef {
    name: "brief",
    description: "A daily brief on what your customers' regions are living through",
    subcommands: &[
        sub("settings", "This channel's brief: regions, time, days", &[]),
        sub(
            "regions",
            "The customers' regions (managers)",
            &[required(completed(
                opt("regions", "Region codes, e.g. AU GB US-CA", Kind::String, Write::Raw),
                Complete::Regions,
            ))],
        ),
        sub(
            "time",
            "Post every working day at this time, channel time (managers)",
            &[required(opt("time", "HH:MM, e.g. 08:30", Kind::String, Write::Word))],
        ),
        sub("off", "Stop the daily brief (managers)", &[]),
        sub(
            "days",
            "Post on working days only, or every day (managers)",
            &[required(chosen(
                opt("days", "Which days", Kind::String, Write::Word),
                &[("Working days", "working"), ("Every day", "every")],
            ))],
        ),
        sub(
            "quiet",
            "What a quiet day posts (managers)",
            &[required(chosen(
                opt("quiet", "On a quiet day", Kind::String, Write::Word),
                &[("One short line", "line"), ("Nothing", "silent")],
            ))],
        ),
        sub_words(
            "event-add",
            "event add",
            "Add a date of your customers' to the brief (managers)",
            &[
                required(completed(opt("region", "Region code, e.g. AU", Kind::String, Write::Word), Complete::Region)),
                required(opt("date", "YYYY-MM-DD", Kind::String, Write::Word)),
                required(opt("name", "What it is, e.g. End-of-financial-year sale", Kind::String, Write::Quoted)),
            ],
        ),
        sub_words("event-list", "event list", "The dates added to the brief", &[]),
        sub_words(
            "event-remove",
            "event remove",
            "Remove a date from the brief (managers)",
            &[required(ranged(opt("id", "The id from /brief event-list", Kind::Integer, Write::Word), 1, i64::MAX))],
        ),
        sub("now", "Post today's brief now (managers)", &[]),
        sub(
            "preview",
            "See a brief privately",
            &[opt("date", "YYYY-MM-DD (default: today)", Kind::String, Write::Word)],
        ),
        sub("help", "How the daily brief works", &[]),
    ],
};

/// The commands as Discord's "Create Application Command" JSON, for a bulk overwrite.
pub fn definitions() -> Value {
    Value::Array(COMMANDS.iter().map(CommandDef::to_json).collect())
}

impl CommandDef {
    fn to_json(&self) -> Value {
        let subs: Vec<Value> = self
            .subcommands
            .iter()
            .map(|s| {
                let options: Vec<Value> = s.options.iter().map(Opt::to_json).collect();
                json!({"type": 1, "name": s.name, "description": s.description, "options": options})
            })
            .collect();
        // Guild channels only (context 0): every command is about a channel.
        json!({
            "type": 1,
            "name": self.name,
            "description": self.description,
            "options": subs,
            "contexts": [0],
            "dm_permission": false,
        })
    }
}

impl Opt {
    fn to_json(&self) -> Value {
        let kind = match self.kind {
            Kind::String => 3,
            Kind::Integer => 4,
            Kind::Boolean => 5,
            Kind::Attachment => 11,
        };
        let mut v =
            json!({"type": kind, "name": self.name, "description": self.description, "required": self.required});
        if !self.choices.is_empty() {
            v["choices"] = json!(self
                .choices
                .iter()
                .map(|(name, value)| json!({"name": name, "value": value}))
                .collect::<Vec<_>>());
        }
        if let Some((min, max)) = self.range {
            v["min_value"] = json!(min);
            if max < i64::MAX {
                v["max_value"] = json!(max);
            }
        }
        if self.complete.is_some() {
            v["autocomplete"] = json!(true);
        }
        v
    }
}

/// The command and argument text the core parses, from what a person picked. `None` for a
/// command or subcommand meridian does not know (an old registration).
pub fn arguments(data: &CommandData) -> Option<(String, String)> {
    let def = COMMANDS.iter().find(|c| c.name == data.name)?;
    let (sub_name, leaves) = data.options.iter().find_map(|o| match &o.value {
        CommandDataOptionValue::SubCommand(leaves) => Some((o.name.as_str(), leaves.as_slice())),
        _ => None,
    })?;
    let sub = def.subcommands.iter().find(|s| s.name == sub_name)?;
    let mut words: Vec<String> = Vec::new();
    if !sub.word.is_empty() {
        words.push(sub.word.to_string());
    }
    // In the table's order, whatever order they were typed in: the text reads the same.
    for opt in sub.options {
        let Some(value) = leaves.iter().find(|l| l.name == opt.name).map(|l| &l.value) else { continue };
        // An attached file is given to the core as its link, which meridian then fetches.
        if let CommandDataOptionValue::Attachment(id) = value {
            if let Some(file) = data.resolved.attachments.get(id) {
                words.push(quoted_if_needed(&file.url));
            }
            continue;
        }
        if let Some(word) = write(opt.write, value) {
            words.push(word);
        }
    }
    Some((def.name.to_string(), words.join(" ")))
}

fn write(how: Write, value: &CommandDataOptionValue) -> Option<String> {
    let text = match value {
        CommandDataOptionValue::String(s) => s.trim().to_string(),
        CommandDataOptionValue::Integer(n) => n.to_string(),
        CommandDataOptionValue::Number(n) => n.to_string(),
        CommandDataOptionValue::Boolean(b) => {
            return match how {
                Write::Flag(word) => b.then(|| word.to_string()),
                Write::YesNo(key) => Some(format!("{key}:{}", if *b { "yes" } else { "no" })),
                _ => Some(b.to_string()),
            }
        }
        _ => return None,
    };
    if text.is_empty() {
        return None;
    }
    Some(match how {
        Write::Raw => text,
        Write::Word => quoted_if_needed(&text),
        Write::Quoted => quoted(&text),
        Write::Key(key) => format!("{key}:{}", quoted_if_needed(&text)),
        Write::Flag(word) => word.to_string(),
        Write::YesNo(key) => format!("{key}:{text}"),
    })
}

fn quoted_if_needed(text: &str) -> String {
    let plain =
        !text.chars().any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '“' | '”' | '„' | '‘' | '’'));
    if plain {
        text.to_string()
    } else {
        quoted(text)
    }
}

/// `"text"`, escaped for the bot's one tokenizer (`chat::words`): a quote mark inside is
/// written `\"`; nothing else is special.
fn quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        if matches!(c, '"' | '“' | '”') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The option being typed, and what kind of suggestions it takes.
pub fn focused(data: &CommandData) -> Option<(Complete, String)> {
    let def = COMMANDS.iter().find(|c| c.name == data.name)?;
    for top in &data.options {
        let CommandDataOptionValue::SubCommand(leaves) = &top.value else { continue };
        let sub = def.subcommands.iter().find(|s| s.name == top.name)?;
        for leaf in leaves {
            if let CommandDataOptionValue::Autocomplete { value, .. } = &leaf.value {
                let opt = sub.options.iter().find(|o| o.name == leaf.name)?;
                return Some((opt.complete?, value.clone()));
            }
        }
    }
    None
}

/// Up to 25 suggestions (`name`, `value`) for what is typed so far.
pub fn suggestions(library: &Library, complete: Complete, typed: &str) -> Vec<(String, String)> {
    const MAX: usize = 25;
    match complete {
        Complete::Region | Complete::Regions => {
            // For a list, suggest the last word and keep the ones before it.
            let (before, last) = match complete {
                Complete::Regions => match typed.trim_start().rsplit_once([' ', ',']) {
                    Some((before, last)) => (format!("{} ", before.trim_end_matches([' ', ','])), last),
                    None => (String::new(), typed.trim()),
                },
                _ => (String::new(), typed.trim()),
            };
            let want = last.to_ascii_lowercase();
            let mut regions: Vec<_> = library.regions().collect();
            regions.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
            let (starts, contains): (Vec<_>, Vec<_>) = regions
                .into_iter()
                .filter(|r| {
                    r.code.as_str().to_ascii_lowercase().starts_with(&want) || r.name.to_lowercase().contains(&want)
                })
                .partition(|r| r.code.as_str().to_ascii_lowercase().starts_with(&want));
            starts
                .into_iter()
                .chain(contains)
                .take(MAX)
                .map(|r| {
                    let value = format!("{before}{}", r.code);
                    (clip(&format!("{value} — {}", r.name)), clip(&value))
                })
                .collect()
        }
        Complete::TimeZone => {
            let want = typed.trim().to_ascii_lowercase().replace(' ', "_");
            let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
            let (starts, contains): (Vec<_>, Vec<_>) = names
                .filter(|n| n.to_ascii_lowercase().contains(&want))
                .partition(|n| n.to_ascii_lowercase().starts_with(&want));
            starts.into_iter().chain(contains).take(MAX).map(|n| (n.to_string(), n.to_string())).collect()
        }
    }
}

/// Discord's 100 characters for a choice's name and value.
fn clip(text: &str) -> String {
    text.chars().take(100).collect()
}

// The themes offered as choices are the bank's themes, no more, no fewer.
const _: () = assert!(THEMES.len() == Theme::ALL.len());

#[cfg(test)]
mod tests {
    use super::*;

    /// An interaction's `data` as Discord sends it.
    fn data(name: &str, sub: &str, leaves: Value) -> CommandData {
        serde_json::from_value(json!({
            "id": "1", "name": name, "type": 1,
            "options": [{"name": sub, "type": 1, "options": leaves}],
        }))
        .unwrap()
    }

    fn args(name: &str, sub: &str, leaves: Value) -> String {
        let (command, args) = arguments(&data(name, sub, leaves)).unwrap();
        assert_eq!(command, name);
        args
    }

    #[test]
    fn typed_options_become_the_text_the_core_parses() {
        assert_eq!(
            args("meridian", "follow", json!([{"name": "regions", "type": 3, "value": "IN PH"}])),
            "follow IN PH"
        );
        assert_eq!(args("meridian", "upcoming", json!([{"name": "days", "type": 4, "value": 30}])), "upcoming 30");
        assert_eq!(args("meridian", "help", json!([])), "help");
        assert_eq!(
            args(
                "meridian",
                "me",
                json!([
                    {"name": "optout", "type": 5, "value": false},
                    {"name": "tz", "type": 3, "value": "Asia/Kolkata"},
                    {"name": "region", "type": 3, "value": "IN-KA"},
                ])
            ),
            "me region:IN-KA tz:Asia/Kolkata optout:no",
            "in the table's order, whatever the order typed"
        );
        assert_eq!(
            args("meridian", "settings", json!([{"name": "schedule", "type": 3, "value": "0 8 * * MON-FRI"}])),
            "settings schedule:\"0 8 * * MON-FRI\""
        );
        assert_eq!(
            args(
                "milestone",
                "add",
                json!([
                    {"name": "name", "type": 3, "value": "The \"big\" go-live"},
                    {"name": "date", "type": 3, "value": "2027-02-01"},
                    {"name": "yearly", "type": 5, "value": true},
                ])
            ),
            r#"add "The \"big\" go-live" 2027-02-01 yearly"#
        );
        assert_eq!(
            args(
                "pulse",
                "ask",
                json!([
                    {"name": "for", "type": 3, "value": "2h"},
                    {"name": "question", "type": 3, "value": "How clear were “handoffs”?"},
                    {"name": "scale", "type": 3, "value": "1-5"},
                ])
            ),
            "\"How clear were \\“handoffs\\”?\" scale:1-5 for:2h"
        );
        assert_eq!(args("pulse", "ask", json!([])), "", "a question from the bank");
        assert_eq!(args("pulse", "close", json!([{"name": "id", "type": 4, "value": 3}])), "close 3");
    }

    #[test]
    fn the_text_parses_in_the_core_as_the_person_meant() {
        let text = args(
            "milestone",
            "add",
            json!([{"name": "name", "type": 3, "value": "Go \"live\" \\ now"}, {"name": "date", "type": 3, "value": "2027-02-01"}]),
        );
        let parsed = crate::chat::parse_command("milestone", &text).unwrap();
        assert!(matches!(parsed, crate::chat::Command::MilestoneAdd { name, .. } if name == "Go \"live\" \\ now"));
        let text = args("pulse", "ask", json!([{"name": "question", "type": 3, "value": "Was the \"rota\" fair?"}]));
        let parsed = crate::pulse::PulseCommand::parse(&text).unwrap();
        assert!(format!("{parsed:?}").contains(r#"Was the \"rota\" fair?"#), "{parsed:?}");
    }

    #[test]
    fn brief_options_become_the_text_the_brief_grammar_parses() {
        use crate::brief::BriefCommand;
        let text = args(
            "brief",
            "event-add",
            json!([
                {"name": "name", "type": 3, "value": "End-of-financial-year \"sale\""},
                {"name": "region", "type": 3, "value": "AU"},
                {"name": "date", "type": 3, "value": "2027-03-05"},
            ]),
        );
        assert_eq!(text, r#"event add AU 2027-03-05 "End-of-financial-year \"sale\"""#);
        assert!(matches!(
            BriefCommand::parse(&text),
            Ok(BriefCommand::EventAdd { name, .. }) if name == "End-of-financial-year \"sale\""
        ));
        assert_eq!(
            args("brief", "regions", json!([{"name": "regions", "type": 3, "value": "AU GB US-CA"}])),
            "regions AU GB US-CA"
        );
        assert_eq!(args("brief", "event-remove", json!([{"name": "id", "type": 4, "value": 3}])), "event remove 3");
        assert_eq!(args("brief", "days", json!([{"name": "days", "type": 3, "value": "every"}])), "days every");
        for (sub, leaves) in [
            ("settings", json!([])),
            ("now", json!([])),
            ("preview", json!([])),
            ("event-list", json!([])),
            ("time", json!([{"name": "time", "type": 3, "value": "08:30"}])),
        ] {
            let text = args("brief", sub, leaves);
            assert!(BriefCommand::parse(&text).is_ok(), "{sub}: {text}");
        }
        assert_eq!(
            args("meridian", "settings", json!([{"name": "brief", "type": 3, "value": "08:30"}])),
            "settings brief:08:30"
        );
    }

    #[test]
    fn every_registered_command_meets_discords_rules() {
        let all = definitions();
        for command in all.as_array().unwrap() {
            let name = command["name"].as_str().unwrap();
            assert!(name.len() <= 32 && name.chars().all(|c| c.is_ascii_lowercase()), "{name}");
            for sub in command["options"].as_array().unwrap() {
                let description = sub["description"].as_str().unwrap();
                assert!((1..=100).contains(&description.chars().count()), "{name} {}", sub["name"]);
                let options = sub["options"].as_array().unwrap();
                assert!(options.len() <= 25);
                // Discord wants required options first.
                let first_optional = options.iter().position(|o| o["required"] == false).unwrap_or(options.len());
                assert!(options[first_optional..].iter().all(|o| o["required"] == false), "{name} {}", sub["name"]);
                for o in options {
                    assert!((1..=100).contains(&o["description"].as_str().unwrap().chars().count()), "{o}");
                }
            }
        }
    }

    #[test]
    fn regions_and_time_zones_are_suggested_while_typing() {
        let library = Library::shipped().unwrap();
        let regions = suggestions(&library, Complete::Regions, "IN ph");
        assert_eq!(regions.first().map(|(_, v)| v.as_str()), Some("IN PH"), "{regions:?}");
        let karnataka = suggestions(&library, Complete::Region, "karna");
        assert_eq!(karnataka.first().map(|(_, v)| v.as_str()), Some("IN-KA"), "{karnataka:?}");
        let zones = suggestions(&library, Complete::TimeZone, "kolk");
        assert_eq!(zones, vec![("Asia/Kolkata".to_string(), "Asia/Kolkata".to_string())]);
        assert!(suggestions(&library, Complete::TimeZone, "").len() <= 25);
        let focused_on =
            focused(&data("meridian", "me", json!([{"name": "tz", "type": 3, "value": "Asia/Ko", "focused": true}])));
        assert_eq!(focused_on, Some((Complete::TimeZone, "Asia/Ko".to_string())));
    }
}
