//! The console script language, parsed into [`Line`]s. One instruction per line:
//!
//! ```text
//! # a comment
//! at 2026-11-05T08:00Z             set the clock (UTC with Z, else the session's --tz)
//! advance 1d                       move the clock forward (w, d, h, m), posting what falls due
//! as alice in #support: /meridian follow IN PH
//! as bob (manager) in #support: /milestone add "Go-live" 2027-02-01
//! as carol in #support: click LAST 4      (button 4 of the last post; or post 3: `click 3 4`)
//! as carol in #support: react LAST :tada: (or `unreact`)
//! as dave in #support: join       (`leave`: leaves the channel)
//! as alice in #support             from now on, lines without `as` are alice's in #support:
//! /meridian help                   ... a command,
//! click LAST 2                     ... a click (also react, unreact, join, leave)
//! fail next post                   the next post's send fails after its ledger claim
//! crash before next post           the process exits (code 70) after the next post's claim
//! restart                          drop the bot and reopen the database, as after a crash
//! ```

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Nothing,
    At(DateTime<Utc>),
    Advance(Duration),
    Act {
        user: String,
        roles: Vec<String>,
        channel: String,
        action: Action,
    },
    /// `as alice in #support` alone: who the following lines without `as` speak for.
    Speaker {
        user: String,
        roles: Vec<String>,
        channel: String,
    },
    /// An action without `as`, by the current speaker.
    ActAsSpeaker(Action),
    FailNextPost,
    CrashBeforeNextPost,
    Restart,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `/meridian follow IN`: command `meridian`, args `follow IN`.
    Command {
        command: String,
        args: String,
    },
    Click {
        post: PostRef,
        button: usize,
    },
    React {
        post: PostRef,
        emoji: String,
        added: bool,
    },
    Join,
    Leave,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostRef {
    Last,
    Number(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ScriptError {
    pub line: usize,
    pub message: String,
}

/// Parses one line (`number` is for errors); `tz` reads times written without `Z`.
pub fn parse_line(number: usize, text: &str, tz: Tz) -> Result<Line, ScriptError> {
    let fail = |message: String| ScriptError { line: number, message };
    let text = text.trim();
    if text.is_empty() || text.starts_with('#') {
        return Ok(Line::Nothing);
    }
    // A name is the console's to check; what follows the colon is the bot's (as in chat).
    let names = text.split_once(':').map_or(text, |(names, _)| names);
    if let Some((at, c)) = names.chars().enumerate().find(|(_, c)| c.is_control() && *c != '\t') {
        return Err(fail(format!("character {} is a control character (U+{:04X}); remove it", at + 1, c as u32)));
    }
    if let Some(rest) = text.strip_prefix("at ") {
        return parse_instant(rest.trim(), tz).map(Line::At).ok_or_else(|| {
            fail(format!(
                "'{}' is not a time from 1900 to 2200; expected 2026-11-05T08:00Z or 2026-11-05T08:00 (in {tz})",
                rest.trim()
            ))
        });
    }
    if let Some(rest) = text.strip_prefix("advance ") {
        return parse_duration(rest.trim()).map(Line::Advance).ok_or_else(|| {
            fail(format!("'{}' is not a duration of up to ten years; expected e.g. 1d, 2h, 30m, 1w", rest.trim()))
        });
    }
    if text == "restart" {
        return Ok(Line::Restart);
    }
    if text == "fail next post" {
        return Ok(Line::FailNextPost);
    }
    if text == "crash before next post" {
        return Ok(Line::CrashBeforeNextPost);
    }
    let Some(rest) = text.strip_prefix("as ") else {
        if let Ok(action) = parse_action(text) {
            return Ok(Line::ActAsSpeaker(action));
        }
        return Err(fail(format!(
            "'{text}' is not an instruction; expected `as USER in #CHANNEL: ...`, `as USER in #CHANNEL` then \
             `/meridian help`, `at TIME`, `advance 1d`, `restart` or a # comment"
        )));
    };
    let (who, rest) =
        rest.split_once(" in ").ok_or_else(|| fail("expected `as USER in #CHANNEL: ACTION`".to_string()))?;
    let (channel, action) = match rest.split_once(':') {
        Some(split) => split,
        None => (rest, ""),
    };
    let (user, roles) = match who.split_once('(') {
        Some((user, roles)) => (
            user.trim().to_string(),
            roles.trim_end_matches(')').split(',').map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect(),
        ),
        None => (who.trim().to_string(), Vec::new()),
    };
    if user.is_empty() || user.contains(char::is_whitespace) {
        return Err(fail(format!("'{}' is not a user name (one word)", who.trim())));
    }
    let channel = channel.trim().trim_start_matches('#').to_string();
    if channel.is_empty() {
        return Err(fail("the channel name is empty".to_string()));
    }
    if channel.contains(char::is_whitespace) {
        return Err(fail(format!("'#{channel}' is not a channel name; expected `as USER in #CHANNEL: ACTION`")));
    }
    if action.trim().is_empty() {
        return Ok(Line::Speaker { user, roles, channel });
    }
    let action = parse_action(action.trim()).map_err(fail)?;
    Ok(Line::Act { user, roles, channel, action })
}

fn parse_action(text: &str) -> Result<Action, String> {
    if let Some(command) = text.strip_prefix('/') {
        let (command, args) = command.split_once(' ').unwrap_or((command, ""));
        return Ok(Action::Command { command: command.to_string(), args: args.trim().to_string() });
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["join"] => Ok(Action::Join),
        ["leave"] => Ok(Action::Leave),
        ["click", post, button] => Ok(Action::Click {
            post: post_ref(post)?,
            button: button
                .parse()
                .ok()
                .filter(|b| *b >= 1)
                .ok_or(format!("'{button}' is not a button number (1, 2, ...)"))?,
        }),
        [verb @ ("react" | "unreact"), post, emoji] => Ok(Action::React {
            post: post_ref(post)?,
            emoji: emoji.trim_matches(':').to_string(),
            added: *verb == "react",
        }),
        _ => Err(format!("'{text}' is not an action; expected /command, click POST N, react POST :emoji:, or join")),
    }
}

fn post_ref(text: &str) -> Result<PostRef, String> {
    if text.eq_ignore_ascii_case("last") {
        return Ok(PostRef::Last);
    }
    text.trim_start_matches('#')
        .parse()
        .map(PostRef::Number)
        .map_err(|_| format!("'{text}' is not a post; expected LAST or a post number"))
}

pub fn parse_instant(text: &str, tz: Tz) -> Option<DateTime<Utc>> {
    // Only years a team can plan in (see `chat::YEARS`): date sums near the ends of time panic.
    let within = |t: DateTime<Utc>| crate::chat::YEARS.contains(&chrono::Datelike::year(&t)).then_some(t);
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return within(t.with_timezone(&Utc));
    }
    let naive = text.trim_end_matches('Z');
    let parsed = NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(naive, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(naive, "%Y-%m-%d %H:%M"))
        .ok()?;
    if text.ends_with('Z') {
        within(parsed.and_utc())
    } else {
        tz.from_local_datetime(&parsed).earliest().map(|t| t.with_timezone(&Utc)).and_then(within)
    }
}

/// `1d`, `2h`, `30m`, `1w`, or several together (the bot's one grammar for lengths of time),
/// up to ten years: more than any script needs.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let period = text.parse::<crate::period::Period>().ok()?.as_delta();
    (period <= Duration::days(3660)).then_some(period)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Kolkata;

    #[test]
    fn a_speaker_set_once_speaks_the_lines_without_as() {
        let tz = chrono_tz::UTC;
        assert_eq!(
            parse_line(1, "as bob (manager) in #ops", tz),
            Ok(Line::Speaker { user: "bob".into(), roles: vec!["manager".into()], channel: "ops".into() })
        );
        assert_eq!(
            parse_line(2, "/meridian help", tz),
            Ok(Line::ActAsSpeaker(Action::Command { command: "meridian".into(), args: "help".into() }))
        );
        assert_eq!(
            parse_line(3, "click LAST 2", tz),
            Ok(Line::ActAsSpeaker(Action::Click { post: PostRef::Last, button: 2 }))
        );
        // A forgotten colon is not taken for a channel called "ops /meridian".
        assert!(parse_line(4, "as bob in #ops /meridian help", tz)
            .unwrap_err()
            .message
            .contains("is not a channel name"));
        assert!(parse_line(5, "hello there", tz).unwrap_err().message.contains("is not an instruction"));
    }

    #[test]
    fn acting_lines_name_user_roles_channel_and_action() {
        assert_eq!(
            parse_line(1, "as bob (manager) in #support: /meridian follow IN PH", Kolkata),
            Ok(Line::Act {
                user: "bob".into(),
                roles: vec!["manager".into()],
                channel: "support".into(),
                action: Action::Command { command: "meridian".into(), args: "follow IN PH".into() },
            })
        );
        assert_eq!(
            parse_line(2, "as carol in #support: click LAST 4", Kolkata).unwrap(),
            Line::Act {
                user: "carol".into(),
                roles: vec![],
                channel: "support".into(),
                action: Action::Click { post: PostRef::Last, button: 4 }
            }
        );
    }

    #[test]
    fn times_without_z_are_read_in_the_session_zone() {
        let Line::At(t) = parse_line(1, "at 2026-11-05T08:00", Kolkata).unwrap() else { panic!() };
        assert_eq!(t.to_rfc3339(), "2026-11-05T02:30:00+00:00");
        let Line::At(t) = parse_line(1, "at 2026-11-05T08:00Z", Kolkata).unwrap() else { panic!() };
        assert_eq!(t.to_rfc3339(), "2026-11-05T08:00:00+00:00");
    }

    #[test]
    fn mistakes_name_the_line() {
        assert_eq!(
            parse_line(7, "advance 3 fortnights", Kolkata).unwrap_err().to_string(),
            "line 7: '3 fortnights' is not a duration of up to ten years; expected e.g. 1d, 2h, 30m, 1w"
        );
        assert!(parse_line(3, "as alice in #support: dance", Kolkata)
            .unwrap_err()
            .to_string()
            .starts_with("line 3: 'dance'"));
    }
}
