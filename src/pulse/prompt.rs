//! The pulse message people answer: the question, why we ask, the buttons, and the short
//! replies to a click, as plain values for the platform adapters to render.

use std::fmt;
use std::str::FromStr;

use chrono::TimeDelta;

use super::id::PulseId;
use super::nudge::remaining;
use super::question::{AnswerKind, Question, Theme};

/// The ephemeral reply to a click. The same text for a first vote and a changed one, so
/// the reply does not reveal to an onlooker whether someone had voted before.
pub const VOTE_RECORDED: &str = "Thanks, your answer is in. It is anonymous; click another button to change it.";

/// The ephemeral reply to a click on a pulse that has closed.
pub const PULSE_CLOSED: &str = "This pulse has closed and no longer takes answers.";

/// One button under the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// What a click on it votes for.
    pub choice: Choice,
    /// The text on the button.
    pub label: String,
}

/// What a pulse button stands for: one answer of one pulse. It travels through the platform
/// as the button's value, `12:3` (pulse 12, its fourth answer), and comes back with the click;
/// a value that does not read as one is not a meridian button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Choice {
    pub pulse: PulseId,
    /// The 0-based answer index the store records.
    pub index: usize,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.pulse.0, self.index)
    }
}

/// A button value that is not a [`Choice`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a pulse button's value; expected PULSE:ANSWER such as 12:3")]
pub struct NotAChoice(pub String);

impl FromStr for Choice {
    type Err = NotAChoice;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let whole = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let (pulse, index) =
            s.split_once(':').filter(|(p, i)| whole(p) && whole(i)).ok_or_else(|| NotAChoice(s.into()))?;
        match (pulse.parse(), index.parse()) {
            (Ok(pulse), Ok(index)) => Ok(Choice { pulse: PulseId(pulse), index }),
            _ => Err(NotAChoice(s.to_string())),
        }
    }
}

/// A composed pulse message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PulsePrompt {
    /// "Pulse #12 · Trust", or "Pulse #12" for a manager's own question.
    pub title: String,
    /// The question.
    pub question: String,
    /// Why we ask, for bank questions.
    pub why: Option<String>,
    /// What the ends of a labelled scale mean: "1 = Very unclear · 5 = Very clear".
    pub scale_hint: Option<String>,
    /// The buttons, in order.
    pub buttons: Vec<Button>,
    /// Anonymity, one vote per person, and when it closes.
    pub footer: String,
}

impl PulsePrompt {
    /// Composes the message for any question, bank or custom.
    pub fn compose(
        pulse_id: PulseId,
        text: &str,
        answer: &AnswerKind,
        theme: Option<Theme>,
        why: Option<&str>,
        closes_in: TimeDelta,
    ) -> Self {
        let title = match theme {
            Some(theme) => format!("Pulse {pulse_id} · {}", theme.title()),
            None => format!("Pulse {pulse_id}"),
        };
        let scale_hint = match answer {
            AnswerKind::Scale { min, max, labels: Some((low, high)) } => {
                Some(format!("{min} = {low} · {max} = {high}"))
            }
            _ => None,
        };
        let buttons = answer
            .choice_labels()
            .into_iter()
            .enumerate()
            .map(|(index, label)| Button { choice: Choice { pulse: pulse_id, index }, label })
            .collect();
        PulsePrompt {
            title,
            question: text.to_string(),
            why: why.map(str::to_string),
            scale_hint,
            buttons,
            footer: format!(
                "Anonymous: no one can see who answered what. One answer per person; \
                 click again to change yours. Closes in {}.",
                remaining(closes_in)
            ),
        }
    }

    /// Composes the message for a question from the bank.
    pub fn for_question(pulse_id: PulseId, question: &Question, closes_in: TimeDelta) -> Self {
        Self::compose(pulse_id, &question.text, &question.answer, Some(question.theme), Some(&question.why), closes_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::QuestionBank;
    use crate::pulse::QuestionId;

    #[test]
    fn a_bank_question_shows_its_theme_why_and_scale_ends() {
        let bank = QuestionBank::shipped();
        let question = bank.get(&QuestionId::new("handoff-clarity").unwrap()).unwrap();
        let prompt = PulsePrompt::for_question(PulseId(12), question, TimeDelta::hours(24));
        assert_eq!(prompt.title, "Pulse #12 · Communication clarity");
        assert_eq!(prompt.why.as_deref(), Some(question.why.as_str()));
        assert_eq!(prompt.scale_hint.as_deref(), Some("1 = Very unclear · 5 = Very clear"));
        let labels: Vec<&str> = prompt.buttons.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["1", "2", "3", "4", "5"]);
        assert_eq!(prompt.buttons[4].choice, Choice { pulse: PulseId(12), index: 4 });
        assert!(prompt.footer.ends_with("Closes in about 24 hours."));
    }

    #[test]
    fn a_custom_question_has_no_theme_or_why() {
        let answer = AnswerKind::Options(vec!["Yes".into(), "No".into()]);
        let prompt =
            PulsePrompt::compose(PulseId(3), "Did the new rota help?", &answer, None, None, TimeDelta::minutes(30));
        assert_eq!(prompt.title, "Pulse #3");
        assert_eq!(prompt.why, None);
        assert_eq!(prompt.scale_hint, None);
        assert_eq!(prompt.buttons.len(), 2);
        assert!(prompt.footer.ends_with("Closes in about 30 minutes."));
    }

    #[test]
    fn a_choice_travels_as_pulse_colon_answer_and_nothing_else_reads_as_one() {
        let choice = Choice { pulse: PulseId(12), index: 3 };
        assert_eq!(choice.to_string(), "12:3");
        assert_eq!("12:3".parse::<Choice>(), Ok(choice));
        for bad in ["", "12", "12:", ":3", "12:3:1", "#12:3", "12:-1", "x:3", "12: 3", "99999999999999999999:1"] {
            assert_eq!(bad.parse::<Choice>(), Err(NotAChoice(bad.to_string())), "{bad:?}");
        }
    }
}
