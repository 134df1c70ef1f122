//! Parsing the text after `/pulse` into a [`PulseCommand`], with errors that name the bad
//! argument and say what was expected.
//!
//! ```text
//! /pulse                                          a question from the bank
//! /pulse theme:trust for:2h                       a bank question on one theme
//! /pulse "How clear were handoffs?" scale:1-5 for:2h
//! /pulse "Did the new rota help?" options:"Yes,Somewhat,No"
//! /pulse "How was this week?" scale:emoji         (or emoji:"😞,😐,😄")
//! /pulse schedule "0 10 * * FRI" theme:trust for:1d
//! /pulse close [id]    /pulse results [id]    /pulse list    /pulse help
//! ```
//!
//! Words are separated by spaces; `"double quotes"` (or the curly quotes phones and Slack
//! put in) group words, also after a key (`options:"Yes, mostly,No"`); `\"` is a literal
//! quote inside quotes. A custom question without `scale`, `options` or `emoji` gets a 1–5
//! scale. Options are split on `,`, or on `|` when the value contains one, so an option
//! can hold a comma.

use chrono::TimeDelta;
use thiserror::Error;

use super::cron_spec::{CronError, CronSpec};
use super::id::PulseId;
use super::question::{AnswerKind, Theme, MAX_QUESTION_CHARS};

/// The shortest time a pulse may stay open.
pub const MIN_DURATION: TimeDelta = TimeDelta::minutes(5);

/// The longest time a pulse may stay open.
pub const MAX_DURATION: TimeDelta = TimeDelta::days(14);

/// The help text for `/pulse help` and the end of usage errors.
pub const USAGE: &str = "\
/pulse — quick anonymous polls about how we work together
  /pulse                                       ask a question from the bank
  /pulse theme:trust                           ask a bank question on one theme
  /pulse \"Your question?\" scale:1-5 for:2h     ask your own question (scale, options or emoji)
  /pulse \"Your question?\" options:\"Yes,Somewhat,No\"
  /pulse schedule \"0 10 * * FRI\" theme:trust   ask every Friday at 10:00 (channel time)
  /pulse unschedule ID                         stop a recurring pulse
  /pulse close [id]                            close a pulse and post its results
  /pulse results [id]                          show a pulse's results
  /pulse list                                  open and scheduled pulses
Themes: communication, valued, trust, workload, culture, customer, recognition.
Durations: 30m, 2h, 1d, 1h30m (5m to 14d). Starting, scheduling and closing are for managers.";

/// The polite reply to a member who tries a manager-only command; sent ephemerally.
pub const MANAGER_ONLY: &str = "Only managers can start, schedule or close a pulse. \
You can still answer any open pulse, and `/pulse results` shows results once a pulse closes.";

/// Which question a new pulse asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionSpec {
    /// Drawn from the question bank, optionally from one theme.
    Bank {
        /// The theme to draw from; `None` for any.
        theme: Option<Theme>,
    },
    /// Written by the manager.
    Custom {
        /// The question.
        text: String,
        /// Its buttons.
        answer: AnswerKind,
    },
}

/// What a `/pulse` command asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum PulseCommand {
    /// Start a pulse now.
    Start {
        /// Which question.
        question: QuestionSpec,
        /// How long it stays open; `None` for the channel's default.
        duration: Option<TimeDelta>,
    },
    /// Start a bank question on a recurring schedule.
    Schedule {
        /// When.
        cron: CronSpec,
        /// The theme to draw from; `None` for any.
        theme: Option<Theme>,
        /// How long each pulse stays open; `None` for the channel's default.
        duration: Option<TimeDelta>,
    },
    /// Close a pulse (the latest open one in the channel when no id is given).
    Close {
        /// Which pulse.
        id: Option<PulseId>,
    },
    /// Show results (the latest pulse in the channel when no id is given).
    Results {
        /// Which pulse.
        id: Option<PulseId>,
    },
    /// List open and scheduled pulses.
    List,
    /// Stop a recurring pulse (its id is shown by `/pulse list`).
    Unschedule {
        /// Which schedule.
        id: u64,
    },
    /// Show [`USAGE`].
    Help,
}

impl PulseCommand {
    /// Parses the text after `/pulse`.
    pub fn parse(args: &str) -> Result<Self, CommandError> {
        let tokens = tokenize(args)?;
        let Some(first) = tokens.first() else {
            return Ok(PulseCommand::Start { question: QuestionSpec::Bank { theme: None }, duration: None });
        };
        if first.key.is_some() || first.quoted {
            return parse_start(&tokens);
        }
        let rest = &tokens[1..];
        match first.value.to_lowercase().as_str() {
            "help" | "?" => {
                no_more(rest, "help", "/pulse help")?;
                Ok(PulseCommand::Help)
            }
            "list" => {
                no_more(rest, "list", "/pulse list")?;
                Ok(PulseCommand::List)
            }
            "close" => Ok(PulseCommand::Close { id: optional_id(rest, "close", "/pulse close [id]")? }),
            "results" => Ok(PulseCommand::Results { id: optional_id(rest, "results", "/pulse results [id]")? }),
            "schedule" => parse_schedule(rest),
            "unschedule" => match rest {
                [t] if t.key.is_none() => {
                    t.value.trim_start_matches('#').parse().map(|id| PulseCommand::Unschedule { id }).map_err(|_| {
                        CommandError::UnknownArgument { arg: t.as_typed(), expected: "a schedule id from /pulse list" }
                    })
                }
                _ => Err(CommandError::UnknownArgument {
                    arg: rest.iter().map(|t| t.as_typed()).collect::<Vec<_>>().join(" "),
                    expected: "one schedule id from /pulse list",
                }),
            },
            _ => Err(CommandError::UnknownSubcommand { word: first.value.clone() }),
        }
    }

    /// Whether only a manager may run this command.
    pub fn needs_manager(&self) -> bool {
        matches!(
            self,
            PulseCommand::Start { .. }
                | PulseCommand::Schedule { .. }
                | PulseCommand::Unschedule { .. }
                | PulseCommand::Close { .. }
        )
    }
}

/// Why a `/pulse` command could not be understood. Each message names the argument and
/// what was expected; the handler may append [`USAGE`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CommandError {
    /// `"How clear were` with no closing quote.
    #[error("missing closing quote after \"{after}\"")]
    UnterminatedQuote {
        /// The start of the unclosed text.
        after: String,
    },
    /// `/pulse resuls`.
    #[error(
        "unknown subcommand `{word}`; expected close, results, list, schedule or help, \
         theme:NAME, or your own question in \"double quotes\""
    )]
    UnknownSubcommand {
        /// The word.
        word: String,
    },
    /// `colour:red`, or a bare word where only `key:value` arguments fit.
    #[error("unknown argument `{arg}`; expected {expected}")]
    UnknownArgument {
        /// The argument as typed.
        arg: String,
        /// The arguments that fit here.
        expected: &'static str,
    },
    /// `for:2x`, `scale:1-50`, `theme:morale`.
    #[error("`{arg}`: {problem}")]
    InvalidValue {
        /// The argument as typed.
        arg: String,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// `for:1h for:2h`.
    #[error("`{key}:` is given twice; give it once")]
    DuplicateArgument {
        /// The key.
        key: String,
    },
    /// `scale:1-5 options:"Yes,No"`.
    #[error("`{first}` and `{second}` both set the answer buttons; use only one of scale, options or emoji")]
    ConflictingAnswers {
        /// The first answer argument.
        first: String,
        /// The second.
        second: String,
    },
    /// `scale:1-5` without a question of one's own.
    #[error("`{arg}` needs your own question in \"double quotes\" before it, e.g. /pulse \"How clear were handoffs this week?\" scale:1-5")]
    AnswerWithoutQuestion {
        /// The answer argument.
        arg: String,
    },
    /// A custom question with `theme:`.
    #[error(
        "`{arg}` picks a question from the bank, so it cannot be combined with your own question; use one or the other"
    )]
    ThemeWithCustomQuestion {
        /// The theme argument.
        arg: String,
    },
    /// Two questions in one command.
    #[error("only one question per pulse; `\"{extra}\"` is a second one")]
    SecondQuestion {
        /// The extra question.
        extra: String,
    },
    /// An empty or overlong question.
    #[error("the question must be 1 to {MAX_QUESTION_CHARS} characters (got {chars})")]
    QuestionLength {
        /// Its length in characters.
        chars: usize,
    },
    /// `close 12 13`.
    #[error("`{command}` does not take `{arg}`; usage: {usage}")]
    ExtraArgument {
        /// The subcommand.
        command: &'static str,
        /// The extra argument.
        arg: String,
        /// The subcommand's usage line.
        usage: &'static str,
    },
    /// `schedule` with no cron expression.
    #[error("`schedule` needs a cron expression, e.g. /pulse schedule \"0 10 * * FRI\" theme:trust")]
    MissingCron,
    /// `schedule "…" "Your question?"`.
    #[error("a scheduled pulse draws from the question bank; choose with theme:NAME instead of writing a question")]
    ScheduledCustomQuestion,
    /// The cron expression was refused.
    #[error(transparent)]
    Cron(#[from] CronError),
}

/// A word of the command line: the bot's one tokenizer's.
type Token = crate::chat::Word;

fn tokenize(input: &str) -> Result<Vec<Token>, CommandError> {
    crate::chat::words(input).map_err(|e| CommandError::UnterminatedQuote { after: e.after })
}

const START_ARGS: &str = "scale:1-5, options:\"A,B,C\", emoji:\"😞,😐,😄\", theme:NAME or for:DURATION";
const SCHEDULE_ARGS: &str = "theme:NAME or for:DURATION";

fn parse_start(tokens: &[Token]) -> Result<PulseCommand, CommandError> {
    let mut text: Option<String> = None;
    let mut answer: Option<(AnswerKind, String)> = None;
    let mut theme: Option<(Theme, String)> = None;
    let mut duration: Option<TimeDelta> = None;
    for token in tokens {
        let Some(key) = &token.key else {
            if token.quoted {
                if text.is_some() {
                    return Err(CommandError::SecondQuestion { extra: token.value.clone() });
                }
                text = Some(token.value.clone());
                continue;
            }
            return Err(CommandError::UnknownArgument { arg: token.as_typed(), expected: START_ARGS });
        };
        match key.as_str() {
            "scale" | "options" | "emoji" => {
                let parsed = parse_answer(token)?;
                if let Some((_, first)) = &answer {
                    if first.split(':').next() == Some(key.as_str()) {
                        return Err(CommandError::DuplicateArgument { key: key.clone() });
                    }
                    return Err(CommandError::ConflictingAnswers { first: first.clone(), second: token.as_typed() });
                }
                answer = Some((parsed, token.as_typed()));
            }
            "theme" => {
                if theme.is_some() {
                    return Err(CommandError::DuplicateArgument { key: key.clone() });
                }
                theme = Some((parse_theme(token)?, token.as_typed()));
            }
            "for" => {
                if duration.is_some() {
                    return Err(CommandError::DuplicateArgument { key: key.clone() });
                }
                duration = Some(parse_duration_arg(token)?);
            }
            _ => return Err(CommandError::UnknownArgument { arg: token.as_typed(), expected: START_ARGS }),
        }
    }
    let question = match (text, answer, theme) {
        (Some(_), _, Some((_, arg))) => return Err(CommandError::ThemeWithCustomQuestion { arg }),
        (None, Some((_, arg)), _) => return Err(CommandError::AnswerWithoutQuestion { arg }),
        (Some(text), answer, None) => {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let chars = text.chars().count();
            if chars == 0 || chars > MAX_QUESTION_CHARS {
                return Err(CommandError::QuestionLength { chars });
            }
            QuestionSpec::Custom { text, answer: answer.map_or_else(AnswerKind::scale_1_to_5, |(a, _)| a) }
        }
        (None, None, theme) => QuestionSpec::Bank { theme: theme.map(|(t, _)| t) },
    };
    Ok(PulseCommand::Start { question, duration })
}

fn parse_schedule(tokens: &[Token]) -> Result<PulseCommand, CommandError> {
    // The cron expression is one quoted word, or (forgiving a forgotten pair of quotes)
    // the bare words up to the first key:value argument.
    let (cron_text, rest) = match tokens.first() {
        Some(t) if t.quoted => (t.value.clone(), &tokens[1..]),
        _ => {
            let bare = tokens.iter().take_while(|t| t.key.is_none() && !t.quoted).count();
            let words: Vec<&str> = tokens[..bare].iter().map(|t| t.value.as_str()).collect();
            (words.join(" "), &tokens[bare..])
        }
    };
    if cron_text.trim().is_empty() {
        return Err(match rest.first() {
            Some(t) if t.quoted => CommandError::ScheduledCustomQuestion,
            _ => CommandError::MissingCron,
        });
    }
    let cron: CronSpec = cron_text.parse()?;
    let mut theme = None;
    let mut duration = None;
    for token in rest {
        match token.key.as_deref() {
            Some("theme") if theme.is_none() => theme = Some(parse_theme(token)?),
            Some("for") if duration.is_none() => duration = Some(parse_duration_arg(token)?),
            Some(key @ ("theme" | "for")) => return Err(CommandError::DuplicateArgument { key: key.to_string() }),
            None if token.quoted => return Err(CommandError::ScheduledCustomQuestion),
            _ => return Err(CommandError::UnknownArgument { arg: token.as_typed(), expected: SCHEDULE_ARGS }),
        }
    }
    Ok(PulseCommand::Schedule { cron, theme, duration })
}

fn no_more(rest: &[Token], command: &'static str, usage: &'static str) -> Result<(), CommandError> {
    match rest.first() {
        Some(extra) => Err(CommandError::ExtraArgument { command, arg: extra.as_typed(), usage }),
        None => Ok(()),
    }
}

fn optional_id(rest: &[Token], command: &'static str, usage: &'static str) -> Result<Option<PulseId>, CommandError> {
    let Some(first) = rest.first() else {
        return Ok(None);
    };
    no_more(&rest[1..], command, usage)?;
    if first.key.is_some() {
        return Err(CommandError::ExtraArgument { command, arg: first.as_typed(), usage });
    }
    first.value.parse::<PulseId>().map(Some).map_err(|_| CommandError::InvalidValue {
        arg: first.value.clone(),
        problem: "expected a pulse number like 12 or #12".to_string(),
    })
}

fn parse_theme(token: &Token) -> Result<Theme, CommandError> {
    token.value.parse::<Theme>().map_err(|_| CommandError::InvalidValue {
        arg: token.as_typed(),
        problem: format!("expected one of: {}", Theme::valid_list()),
    })
}

fn parse_duration_arg(token: &Token) -> Result<TimeDelta, CommandError> {
    let invalid = |problem: String| CommandError::InvalidValue { arg: token.as_typed(), problem };
    let duration = parse_duration(&token.value)
        .ok_or_else(|| invalid("expected a duration like 30m, 2h, 1d or 1h30m".to_string()))?;
    if duration < MIN_DURATION || duration > MAX_DURATION {
        return Err(invalid("a pulse stays open for at least 5m and at most 14d".to_string()));
    }
    Ok(duration)
}

/// Reads `30m`, `2h`, `1d`, `1w`, `1h30m`: numbers each followed by m, h, d or w.
/// A pulse's `for:` value, in the bot's one grammar for lengths of time.
pub fn parse_duration(text: &str) -> Option<TimeDelta> {
    text.parse::<crate::period::Period>().ok().map(crate::period::Period::as_delta)
}

fn parse_answer(token: &Token) -> Result<AnswerKind, CommandError> {
    let arg = token.as_typed();
    let invalid = |problem: String| CommandError::InvalidValue { arg: arg.clone(), problem };
    let answer = match token.key.as_deref() {
        Some("scale") => {
            let value = token.value.trim().to_lowercase();
            if value == "emoji" {
                AnswerKind::default_emoji_scale()
            } else {
                let (min, max) = value
                    .split_once(['-', '–', '—'])
                    .and_then(|(a, b)| Some((a.trim().parse::<u8>().ok()?, b.trim().parse::<u8>().ok()?)))
                    .ok_or_else(|| invalid("expected a range like 1-5 or 0-10, or emoji".to_string()))?;
                AnswerKind::Scale { min, max, labels: None }
            }
        }
        Some("options") => AnswerKind::Options(split_choices(&token.value)),
        _ => AnswerKind::EmojiScale(split_choices(&token.value)),
    };
    answer.validate().map_err(|e| invalid(e.to_string()))?;
    Ok(answer)
}

fn split_choices(value: &str) -> Vec<String> {
    let separator = if value.contains('|') { '|' } else { ',' };
    value.split(separator).map(|s| s.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> PulseCommand {
        PulseCommand::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn error(s: &str) -> String {
        PulseCommand::parse(s).unwrap_err().to_string()
    }

    #[test]
    fn the_tokenizer_keeps_quoted_words_together() {
        let tokens = tokenize(r#""How clear?" options:"Yes, mostly|No" for:2h"#).unwrap();
        assert_eq!(tokens.len(), 3);
        assert!(tokens[0].quoted);
        assert_eq!(tokens[0].value, "How clear?");
        assert_eq!(tokens[1].key.as_deref(), Some("options"));
        assert_eq!(tokens[1].value, "Yes, mostly|No");
        assert!(!tokens[1].quoted);
        assert_eq!(tokens[2].key.as_deref(), Some("for"));
    }

    #[test]
    fn curly_quotes_and_escaped_quotes_are_understood() {
        let tokens = tokenize("“Was the \\\"quiet hour\\\" useful?”").unwrap();
        assert_eq!(tokens[0].value, "Was the \"quiet hour\" useful?");
        assert!(tokens[0].quoted);
    }

    #[test]
    fn a_colon_inside_a_quoted_question_is_not_a_key() {
        let tokens = tokenize("\"Rate this: handoffs\"").unwrap();
        assert_eq!(tokens[0].key, None);
        assert_eq!(tokens[0].value, "Rate this: handoffs");
    }

    #[test]
    fn durations_combine_units() {
        assert_eq!(parse_duration("90m"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("1h30m"), Some(TimeDelta::minutes(90)));
        assert_eq!(parse_duration("1D"), Some(TimeDelta::days(1)));
        assert_eq!(parse_duration("1w"), Some(TimeDelta::weeks(1)));
        assert_eq!(parse_duration("2"), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("2x"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn a_scale_accepts_the_dash_autocorrect_puts_in() {
        let cmd = parse("\"Q?\" scale:1–5");
        assert_eq!(
            cmd,
            PulseCommand::Start {
                question: QuestionSpec::Custom { text: "Q?".into(), answer: AnswerKind::scale_1_to_5() },
                duration: None
            }
        );
    }

    #[test]
    fn only_start_schedule_and_close_need_a_manager() {
        assert!(parse("").needs_manager());
        assert!(parse("close").needs_manager());
        assert!(parse("schedule \"0 10 * * FRI\"").needs_manager());
        assert!(!parse("results").needs_manager());
        assert!(!parse("list").needs_manager());
        assert!(!parse("help").needs_manager());
    }

    #[test]
    fn schedule_forgives_missing_quotes_around_the_cron() {
        let PulseCommand::Schedule { cron, theme, .. } = parse("schedule 0 10 * * FRI theme:trust") else {
            panic!("not a schedule")
        };
        assert_eq!(cron.as_written(), "0 10 * * FRI");
        assert_eq!(theme, Some(Theme::Trust));
    }

    #[test]
    fn subcommands_are_case_insensitive() {
        assert_eq!(parse("LIST"), PulseCommand::List);
        assert_eq!(parse("Results #3"), PulseCommand::Results { id: Some(PulseId(3)) });
    }

    #[test]
    fn errors_in_schedule_name_the_argument() {
        assert_eq!(
            error("schedule \"0 10 * * FRI\" colour:red"),
            "unknown argument `colour:red`; expected theme:NAME or for:DURATION"
        );
        assert_eq!(
            error("schedule \"0 10 * * FRI\" \"Why?\""),
            "a scheduled pulse draws from the question bank; choose with theme:NAME instead of writing a question"
        );
        assert_eq!(
            error("schedule theme:trust"),
            "`schedule` needs a cron expression, e.g. /pulse schedule \"0 10 * * FRI\" theme:trust"
        );
    }
}
