//! What a pulse asks: a question, its theme, and the kind of answer its buttons offer.
//!
//! Values here are checked once, where they are made (the bank loader and the `/pulse`
//! parser call [`AnswerKind::validate`] and [`QuestionId::new`]), so the tally, the chart
//! and the chat handler can trust them without checking again.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// The most buttons one question may offer. An 0–10 scale needs 11; more than that no
/// longer fits one Slack actions block or Discord message comfortably, and is no longer quick.
pub const MAX_CHOICES: usize = 11;

/// The longest button label: Slack cuts button text at 75 characters (Discord at 80).
pub const MAX_LABEL_CHARS: usize = 75;

/// The longest question text. A pulse is meant to be read in one glance.
pub const MAX_QUESTION_CHARS: usize = 300;

/// The five faces of the default emoji scale, from least to most favourable.
pub const DEFAULT_EMOJI_SCALE: [&str; 5] = ["😞", "🙁", "😐", "🙂", "😄"];

/// The area of cross-cultural collaboration a question measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Theme {
    /// Clarity of communication across sites, languages and time zones.
    Communication,
    /// Whether people feel their work and ideas are valued wherever they sit.
    Valued,
    /// Safety to raise problems, reliability of commitments, fair escalation.
    Trust,
    /// Fair sharing of work and of inconvenient hours.
    Workload,
    /// Understanding of each other's working norms, holidays and backgrounds.
    Culture,
    /// Empathy for the customers served, across markets and cultures.
    Customer,
    /// Credit and recognition that crosses locations.
    Recognition,
}

impl Theme {
    /// Every theme, in the order they are listed to people.
    pub const ALL: [Theme; 7] = [
        Theme::Communication,
        Theme::Valued,
        Theme::Trust,
        Theme::Workload,
        Theme::Culture,
        Theme::Customer,
        Theme::Recognition,
    ];

    /// The word used in commands and bank files: `theme:trust`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Communication => "communication",
            Theme::Valued => "valued",
            Theme::Trust => "trust",
            Theme::Workload => "workload",
            Theme::Culture => "culture",
            Theme::Customer => "customer",
            Theme::Recognition => "recognition",
        }
    }

    /// A short human title for result messages and exports.
    pub fn title(self) -> &'static str {
        match self {
            Theme::Communication => "Communication clarity",
            Theme::Valued => "Feeling valued",
            Theme::Trust => "Trust",
            Theme::Workload => "Workload fairness",
            Theme::Culture => "Cultural understanding",
            Theme::Customer => "Customer empathy",
            Theme::Recognition => "Recognition",
        }
    }

    /// The valid theme words, comma-separated, for error messages and help.
    pub fn valid_list() -> String {
        Theme::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A theme word that is not one of [`Theme::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown theme \"{given}\"; valid themes are: {}", Theme::valid_list())]
pub struct UnknownTheme {
    /// What was written.
    pub given: String,
}

impl FromStr for Theme {
    type Err = UnknownTheme;

    /// Case-insensitive; a few natural spellings of the longer names are accepted too,
    /// because people type what they read in the results ("workload fairness").
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let word = s.trim().to_lowercase().replace(['_', ' '], "-");
        let theme = match word.as_str() {
            "communication" | "communication-clarity" => Theme::Communication,
            "valued" | "feeling-valued" => Theme::Valued,
            "trust" => Theme::Trust,
            "workload" | "workload-fairness" => Theme::Workload,
            "culture" | "cultural-understanding" => Theme::Culture,
            "customer" | "customer-empathy" => Theme::Customer,
            "recognition" => Theme::Recognition,
            _ => return Err(UnknownTheme { given: s.trim().to_string() }),
        };
        Ok(theme)
    }
}

/// A question's stable name in the bank, e.g. `handoff-clarity`. Trends and the
/// least-recently-asked rotation key on it, so it must not change once shipped.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuestionId(String);

/// A question id that is not lowercase letters, digits and dashes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("question id \"{given}\" must be 1 to 64 lowercase letters, digits or dashes")]
pub struct InvalidQuestionId {
    /// What was written.
    pub given: String,
}

impl QuestionId {
    /// Ids are plain ASCII so they survive CSV exports, URLs and button payloads unchanged.
    pub fn new(id: &str) -> Result<Self, InvalidQuestionId> {
        let ok = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(QuestionId(id.to_string()))
        } else {
            Err(InvalidQuestionId { given: id.to_string() })
        }
    }

    /// The id for a manager's own question, which is not in the bank. Trends for custom
    /// questions match on the exact text, so the id is derived from it.
    pub fn custom(text: &str) -> Self {
        // FNV-1a: stable across Rust versions and platforms, unlike `DefaultHasher`.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in text.trim().to_lowercase().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        QuestionId(format!("custom-{hash:016x}"))
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for QuestionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How people answer: the buttons under the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerKind {
    /// Numbered buttons `min..=max`; higher is the favourable end by convention, so a
    /// rising mean reads as improvement. `labels` name the two ends.
    Scale {
        /// The lowest point, e.g. 1.
        min: u8,
        /// The highest point, e.g. 5.
        max: u8,
        /// Words for the lowest and highest points, e.g. ("Very unclear", "Very clear").
        labels: Option<(String, String)>,
    },
    /// An ordered row of emoji, least to most favourable; tallied like a scale 1..=n.
    EmojiScale(Vec<String>),
    /// Unordered named options; no mean, the trend follows the leading option's share.
    Options(Vec<String>),
}

/// Why an answer kind cannot be offered as buttons.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InvalidAnswer {
    /// `scale:5-1`, `scale:3-3`.
    #[error("a scale needs its lowest point below its highest (got {min}-{max})")]
    ScaleOrder {
        /// The lowest point given.
        min: u8,
        /// The highest point given.
        max: u8,
    },
    /// More buttons than fit.
    #[error("{count} choices is too many; at most {MAX_CHOICES} fit under a question")]
    TooManyChoices {
        /// How many were given.
        count: usize,
    },
    /// `options:"Yes"`.
    #[error("at least 2 choices are needed (got {count})")]
    TooFewChoices {
        /// How many were given.
        count: usize,
    },
    /// `options:"Yes,,No"`.
    #[error("choice {position} is empty")]
    EmptyChoice {
        /// 1-based position of the empty choice.
        position: usize,
    },
    /// A label longer than a button can show.
    #[error("choice \"{label}\" is longer than {MAX_LABEL_CHARS} characters")]
    LongChoice {
        /// The label as given.
        label: String,
    },
    /// `options:"Yes,No,yes"`: two buttons nobody could tell apart.
    #[error("choice \"{label}\" appears twice")]
    DuplicateChoice {
        /// The repeated label.
        label: String,
    },
}

impl AnswerKind {
    /// The usual 1–5 scale without end labels.
    pub fn scale_1_to_5() -> Self {
        AnswerKind::Scale { min: 1, max: 5, labels: None }
    }

    /// The default five-face emoji scale.
    pub fn default_emoji_scale() -> Self {
        AnswerKind::EmojiScale(DEFAULT_EMOJI_SCALE.iter().map(|e| e.to_string()).collect())
    }

    /// Checks that the answer can be shown as buttons and tallied.
    pub fn validate(&self) -> Result<(), InvalidAnswer> {
        match self {
            AnswerKind::Scale { min, max, labels } => {
                if min >= max {
                    return Err(InvalidAnswer::ScaleOrder { min: *min, max: *max });
                }
                let count = usize::from(max - min) + 1;
                if count > MAX_CHOICES {
                    return Err(InvalidAnswer::TooManyChoices { count });
                }
                if let Some((low, high)) = labels {
                    check_labels(&[low.clone(), high.clone()], false)?;
                }
                Ok(())
            }
            AnswerKind::EmojiScale(faces) => check_labels(faces, true),
            AnswerKind::Options(options) => check_labels(options, true),
        }
    }

    /// How many buttons there are.
    pub fn choice_count(&self) -> usize {
        match self {
            AnswerKind::Scale { min, max, .. } => usize::from(max.saturating_sub(*min)) + 1,
            AnswerKind::EmojiScale(faces) => faces.len(),
            AnswerKind::Options(options) => options.len(),
        }
    }

    /// The button labels, in order: "1".."5", the emoji, or the option words.
    pub fn choice_labels(&self) -> Vec<String> {
        match self {
            AnswerKind::Scale { min, max, .. } => (*min..=*max).map(|n| n.to_string()).collect(),
            AnswerKind::EmojiScale(faces) => faces.clone(),
            AnswerKind::Options(options) => options.clone(),
        }
    }

    /// The numeric value of a choice on an ordered answer (scales and emoji scales),
    /// used for means; `None` for options, which have no order.
    pub fn value_of(&self, choice: usize) -> Option<f64> {
        if choice >= self.choice_count() {
            return None;
        }
        match self {
            AnswerKind::Scale { min, .. } => Some(f64::from(*min) + choice as f64),
            AnswerKind::EmojiScale(_) => Some(choice as f64 + 1.0),
            AnswerKind::Options(_) => None,
        }
    }

    /// Whether a mean is meaningful.
    pub fn is_ordered(&self) -> bool {
        !matches!(self, AnswerKind::Options(_))
    }

    /// A one-line description of the scale for results: "1–5 (1 = Very unclear, 5 = Very
    /// clear)" or "1–5 (😞 … 😄)"; `None` for options.
    pub fn scale_legend(&self) -> Option<String> {
        match self {
            AnswerKind::Scale { min, max, labels } => Some(match labels {
                Some((low, high)) => format!("{min}–{max} ({min} = {low}, {max} = {high})"),
                None => format!("{min}–{max}"),
            }),
            AnswerKind::EmojiScale(faces) => Some(format!(
                "1–{} ({} … {})",
                faces.len(),
                faces.first().map(String::as_str).unwrap_or(""),
                faces.last().map(String::as_str).unwrap_or("")
            )),
            AnswerKind::Options(_) => None,
        }
    }
}

fn check_labels(labels: &[String], need_choices: bool) -> Result<(), InvalidAnswer> {
    if need_choices {
        if labels.len() < 2 {
            return Err(InvalidAnswer::TooFewChoices { count: labels.len() });
        }
        if labels.len() > MAX_CHOICES {
            return Err(InvalidAnswer::TooManyChoices { count: labels.len() });
        }
    }
    let mut seen: Vec<String> = Vec::with_capacity(labels.len());
    for (i, label) in labels.iter().enumerate() {
        let trimmed = label.trim();
        if trimmed.is_empty() {
            return Err(InvalidAnswer::EmptyChoice { position: i + 1 });
        }
        if trimmed.chars().count() > MAX_LABEL_CHARS {
            return Err(InvalidAnswer::LongChoice { label: trimmed.to_string() });
        }
        let folded = trimmed.to_lowercase();
        if need_choices && seen.contains(&folded) {
            return Err(InvalidAnswer::DuplicateChoice { label: trimmed.to_string() });
        }
        seen.push(folded);
    }
    Ok(())
}

/// One question as people see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// Stable name; see [`QuestionId`].
    pub id: QuestionId,
    /// What it measures.
    pub theme: Theme,
    /// The question itself, as shown above the buttons.
    pub text: String,
    /// The buttons.
    pub answer: AnswerKind,
    /// One line telling people why we ask; shown under the question, because people answer
    /// more honestly when they know what an answer will be used for.
    pub why: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn themes_parse_case_insensitively_and_from_their_titles() {
        assert_eq!("Trust".parse::<Theme>(), Ok(Theme::Trust));
        assert_eq!("workload fairness".parse::<Theme>(), Ok(Theme::Workload));
        for theme in Theme::ALL {
            assert_eq!(theme.as_str().parse::<Theme>(), Ok(theme));
        }
    }

    #[test]
    fn an_unknown_theme_lists_the_valid_ones() {
        let err = "morale".parse::<Theme>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown theme \"morale\"; valid themes are: communication, valued, trust, \
             workload, culture, customer, recognition"
        );
    }

    #[test]
    fn question_ids_are_lowercase_ascii_with_dashes() {
        assert!(QuestionId::new("handoff-clarity").is_ok());
        assert!(QuestionId::new("Handoff").is_err());
        assert!(QuestionId::new("").is_err());
        assert!(QuestionId::new("hand off").is_err());
    }

    #[test]
    fn a_custom_question_id_is_stable_and_ignores_case_and_outer_spaces() {
        let a = QuestionId::custom("How clear were handoffs?");
        let b = QuestionId::custom("  how clear were HANDOFFS? ");
        assert_eq!(a, b);
        assert_eq!(a.as_str(), QuestionId::custom("How clear were handoffs?").as_str());
        assert_ne!(a, QuestionId::custom("How clear were meetings?"));
        assert!(QuestionId::new(a.as_str()).is_ok());
    }

    #[test]
    fn scale_values_start_at_the_lowest_point() {
        let scale = AnswerKind::Scale { min: 0, max: 10, labels: None };
        assert_eq!(scale.choice_count(), 11);
        assert_eq!(scale.value_of(0), Some(0.0));
        assert_eq!(scale.value_of(10), Some(10.0));
        assert_eq!(scale.value_of(11), None);
        assert_eq!(AnswerKind::default_emoji_scale().value_of(4), Some(5.0));
        assert_eq!(AnswerKind::Options(vec!["Yes".into(), "No".into()]).value_of(0), None);
    }

    #[test]
    fn answers_that_cannot_be_buttons_are_rejected() {
        let bad_scale = AnswerKind::Scale { min: 5, max: 1, labels: None };
        assert_eq!(bad_scale.validate(), Err(InvalidAnswer::ScaleOrder { min: 5, max: 1 }));
        let wide = AnswerKind::Scale { min: 1, max: 20, labels: None };
        assert_eq!(wide.validate(), Err(InvalidAnswer::TooManyChoices { count: 20 }));
        let one = AnswerKind::Options(vec!["Yes".into()]);
        assert_eq!(one.validate(), Err(InvalidAnswer::TooFewChoices { count: 1 }));
        let twice = AnswerKind::Options(vec!["Yes".into(), "No".into(), "yes".into()]);
        assert_eq!(twice.validate(), Err(InvalidAnswer::DuplicateChoice { label: "yes".into() }));
        let empty = AnswerKind::Options(vec!["Yes".into(), " ".into()]);
        assert_eq!(empty.validate(), Err(InvalidAnswer::EmptyChoice { position: 2 }));
        assert!(AnswerKind::default_emoji_scale().validate().is_ok());
    }

    #[test]
    fn the_scale_legend_names_both_ends() {
        let scale = AnswerKind::Scale { min: 1, max: 5, labels: Some(("Very unclear".into(), "Very clear".into())) };
        assert_eq!(scale.scale_legend().as_deref(), Some("1–5 (1 = Very unclear, 5 = Very clear)"));
        assert_eq!(AnswerKind::default_emoji_scale().scale_legend().as_deref(), Some("1–5 (😞 … 😄)"));
    }
}
