//! The question bank: loading `prompts/pulse/*.toml` with located errors, and choosing a
//! question deterministically.
//!
//! A bank file looks like this (see `prompts/pulse/README.md` for the writing guide):
//!
//! ```toml
//! theme = "communication"          # the default theme of every question in the file
//!
//! [[question]]
//! id = "handoff-clarity"           # stable: trends key on it
//! text = "How clear were the handoffs between our locations this week?"
//! why = "Work crosses time zones at handoff; ..."
//! scale = { min = 1, max = 5, low = "Very unclear", high = "Very clear" }
//! # or: emoji = ["😞", "🙁", "😐", "🙂", "😄"]
//! # or: options = ["Yes", "Somewhat", "No"]
//! # optional: theme = "trust"      # overrides the file's theme
//! ```
//!
//! Loading is the only I/O in the pulse core, and [`QuestionBank::load_dir`] is a thin
//! shell around the pure [`QuestionBank::from_sources`].

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use thiserror::Error;
use toml::Spanned;

use super::question::{AnswerKind, Question, QuestionId, Theme, MAX_QUESTION_CHARS};

/// The shipped bank, embedded so the binary works from any directory. In file-name order,
/// as [`QuestionBank::load_dir`] reads them, so both give the same picks.
const SHIPPED: [(&str, &str); 7] = [
    ("prompts/pulse/communication.toml", include_str!("../../prompts/pulse/communication.toml")),
    ("prompts/pulse/culture.toml", include_str!("../../prompts/pulse/culture.toml")),
    ("prompts/pulse/customer.toml", include_str!("../../prompts/pulse/customer.toml")),
    ("prompts/pulse/recognition.toml", include_str!("../../prompts/pulse/recognition.toml")),
    ("prompts/pulse/trust.toml", include_str!("../../prompts/pulse/trust.toml")),
    ("prompts/pulse/valued.toml", include_str!("../../prompts/pulse/valued.toml")),
    ("prompts/pulse/workload.toml", include_str!("../../prompts/pulse/workload.toml")),
];

/// Where in a bank file something is: `prompts/pulse/trust.toml:12:1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file as it was named to the loader.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Location {
    fn of(file: &str, source: &str, span: Range<usize>) -> Self {
        let mut start = span.start.min(source.len());
        while !source.is_char_boundary(start) {
            start -= 1;
        }
        let before = &source[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location { file: file.to_string(), line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Why the bank could not be loaded. Every content error names the file and line, so the
/// person editing the bank can go straight to it.
#[derive(Debug, Error)]
pub enum BankError {
    /// The file is not valid TOML, or a question in it is not valid.
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The directory holds no `*.toml` files, or they hold no questions.
    #[error("{dir}: no questions found (expected *.toml files with [[question]] tables)")]
    Empty {
        /// The directory.
        dir: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    theme: Option<Spanned<String>>,
    #[serde(default)]
    question: Vec<Spanned<RawQuestion>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    theme: Option<Spanned<String>>,
    text: Spanned<String>,
    why: Spanned<String>,
    scale: Option<Spanned<RawScale>>,
    emoji: Option<Spanned<Vec<String>>>,
    options: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    min: u8,
    max: u8,
    low: Option<String>,
    high: Option<String>,
}

/// The questions a pulse can be drawn from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionBank {
    questions: Vec<Question>,
}

impl QuestionBank {
    /// The bank shipped in `prompts/pulse/`, compiled into the binary.
    ///
    /// # Panics
    /// Only if a shipped file is invalid, which `cargo test` rules out before release.
    pub fn shipped() -> Self {
        match Self::from_sources(SHIPPED) {
            Ok(bank) => bank,
            Err(err) => panic!("the shipped question bank is invalid: {err}"),
        }
    }

    /// Reads every `*.toml` file in `dir`, in file-name order (so the order, and therefore
    /// [`QuestionBank::pick`], does not depend on the file system).
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Self, BankError> {
        let dir = dir.as_ref();
        let entries =
            std::fs::read_dir(dir).map_err(|source| BankError::Read { file: dir.display().to_string(), source })?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| BankError::Read { file: dir.display().to_string(), source })?;
            let path = entry.path();
            if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let mut sources = Vec::with_capacity(paths.len());
        for path in &paths {
            let text = std::fs::read_to_string(path)
                .map_err(|source| BankError::Read { file: path.display().to_string(), source })?;
            sources.push((path.display().to_string(), text));
        }
        let bank = Self::from_sources(sources.iter().map(|(f, t)| (f.as_str(), t.as_str())))?;
        if bank.questions.is_empty() {
            return Err(BankError::Empty { dir: dir.display().to_string() });
        }
        Ok(bank)
    }

    /// Parses bank files given as `(file name, contents)` pairs; the name is only used in
    /// error messages. Question ids must be unique across all files.
    pub fn from_sources<'a>(sources: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, BankError> {
        let mut questions = Vec::new();
        let mut first_seen: HashMap<QuestionId, Location> = HashMap::new();
        for (file, text) in sources {
            for (question, location) in parse_file(file, text)? {
                if let Some(first) = first_seen.get(&question.id) {
                    return Err(BankError::Invalid {
                        location,
                        message: format!("question id \"{}\" is already used at {first}", question.id),
                    });
                }
                first_seen.insert(question.id.clone(), location);
                questions.push(question);
            }
        }
        Ok(QuestionBank { questions })
    }

    /// Every question, in file order.
    pub fn questions(&self) -> &[Question] {
        &self.questions
    }

    /// How many questions there are.
    pub fn len(&self) -> usize {
        self.questions.len()
    }

    /// Whether the bank has no questions.
    pub fn is_empty(&self) -> bool {
        self.questions.is_empty()
    }

    /// The question with this id.
    pub fn get(&self, id: &QuestionId) -> Option<&Question> {
        self.questions.iter().find(|q| &q.id == id)
    }

    /// The questions of one theme.
    pub fn of_theme(&self, theme: Theme) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(move |q| q.theme == theme)
    }

    /// Chooses the next question, deterministically: the same inputs give the same answer,
    /// so a test, a retry or a second instance of the bot agree.
    ///
    /// * `theme` narrows the choice; `None` draws from the whole bank.
    /// * `recently_asked` lists the questions already asked in the channel, newest first.
    ///   Questions never asked come first; when every candidate has been asked, the one
    ///   asked longest ago is chosen, so the bank rotates before repeating.
    /// * `seed` breaks ties among the never-asked questions (`seed % count`); pass any
    ///   varying number (a pulse counter, a hash of the channel and date). The core holds
    ///   no random generator of its own.
    ///
    /// Returns `None` only when no question has the theme.
    pub fn pick(&self, theme: Option<Theme>, recently_asked: &[QuestionId], seed: u64) -> Option<&Question> {
        let candidates: Vec<&Question> = self
            .questions
            .iter()
            .filter(|q| match theme {
                Some(t) => q.theme == t,
                None => true,
            })
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let last_asked = |q: &Question| recently_asked.iter().position(|id| *id == q.id);
        let never: Vec<&Question> = candidates.iter().copied().filter(|q| last_asked(q).is_none()).collect();
        if !never.is_empty() {
            let index = (seed % never.len() as u64) as usize;
            return Some(never[index]);
        }
        // Every candidate was asked: the largest position in the newest-first list is the
        // one asked longest ago. `max_by_key` keeps the last of equals; positions are unique.
        candidates.into_iter().max_by_key(|q| last_asked(q))
    }
}

fn parse_file(file: &str, text: &str) -> Result<Vec<(Question, Location)>, BankError> {
    let at = |span: Range<usize>| Location::of(file, text, span);
    let invalid = |span: Range<usize>, message: String| BankError::Invalid { location: at(span), message };
    let raw: RawFile = toml::from_str(text).map_err(|err| BankError::Invalid {
        location: at(err.span().unwrap_or(0..0)),
        message: err.message().trim().to_string(),
    })?;
    let file_theme = match &raw.theme {
        Some(theme) => Some(theme.get_ref().parse::<Theme>().map_err(|e| invalid(theme.span(), e.to_string()))?),
        None => None,
    };
    let mut out = Vec::with_capacity(raw.question.len());
    for spanned in raw.question {
        let q_span = spanned.span();
        let q = spanned.into_inner();
        let id = QuestionId::new(q.id.get_ref()).map_err(|e| invalid(q.id.span(), e.to_string()))?;
        let theme = match &q.theme {
            Some(theme) => theme.get_ref().parse::<Theme>().map_err(|e| invalid(theme.span(), e.to_string()))?,
            None => file_theme.ok_or_else(|| {
                invalid(
                    q_span.clone(),
                    format!(
                        "question \"{id}\" has no theme; set `theme` at the top of the file \
                         or in the question (one of: {})",
                        Theme::valid_list()
                    ),
                )
            })?,
        };
        let text_value = q.text.get_ref().trim();
        if text_value.is_empty() {
            return Err(invalid(q.text.span(), "`text` is empty".to_string()));
        }
        if text_value.chars().count() > MAX_QUESTION_CHARS {
            return Err(invalid(q.text.span(), format!("`text` is longer than {MAX_QUESTION_CHARS} characters")));
        }
        let why = q.why.get_ref().trim();
        if why.is_empty() {
            return Err(invalid(q.why.span(), "`why` is empty; say in one line why we ask this".to_string()));
        }
        let (answer, answer_span) = match (q.scale, q.emoji, q.options) {
            (Some(scale), None, None) => {
                let span = scale.span();
                let s = scale.into_inner();
                let labels = match (s.low, s.high) {
                    (Some(low), Some(high)) => Some((low, high)),
                    (None, None) => None,
                    _ => {
                        return Err(invalid(span, "a scale needs both `low` and `high` labels, or neither".to_string()))
                    }
                };
                let answer = AnswerKind::Scale { min: s.min, max: s.max, labels };
                (answer, span)
            }
            (None, Some(emoji), None) => {
                let span = emoji.span();
                (AnswerKind::EmojiScale(trimmed(emoji.into_inner())), span)
            }
            (None, None, Some(options)) => {
                let span = options.span();
                (AnswerKind::Options(trimmed(options.into_inner())), span)
            }
            _ => {
                return Err(invalid(
                    q_span,
                    format!("question \"{id}\" needs exactly one of `scale`, `emoji` or `options`"),
                ))
            }
        };
        answer.validate().map_err(|e| invalid(answer_span, e.to_string()))?;
        out.push((Question { id, theme, text: text_value.to_string(), answer, why: why.to_string() }, at(q_span)));
    }
    Ok(out)
}

fn trimmed(labels: Vec<String>) -> Vec<String> {
    labels.into_iter().map(|l| l.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"
theme = "trust"

[[question]]
id = "first"
text = "First?"
why = "Because."
scale = { min = 1, max = 5 }

[[question]]
id = "second"
text = "Second?"
why = "Because."
options = ["Yes", "No"]
"#;

    fn bank(text: &str) -> Result<QuestionBank, BankError> {
        QuestionBank::from_sources([("bank.toml", text)])
    }

    fn ids(list: &[&str]) -> Vec<QuestionId> {
        list.iter().map(|id| QuestionId::new(id).unwrap()).collect()
    }

    #[test]
    fn questions_take_the_theme_of_their_file() {
        let bank = bank(TWO).unwrap();
        assert_eq!(bank.len(), 2);
        assert!(bank.questions().iter().all(|q| q.theme == Theme::Trust));
        assert_eq!(bank.questions()[1].answer, AnswerKind::Options(vec!["Yes".into(), "No".into()]));
    }

    #[test]
    fn an_unknown_field_is_reported_at_its_line() {
        let text =
            "theme = \"trust\"\n\n[[question]]\nid = \"a\"\ntext = \"A?\"\nwhy = \"W\"\noptoins = [\"Yes\", \"No\"]\n";
        let err = bank(text).unwrap_err().to_string();
        assert!(err.starts_with("bank.toml:7:1: unknown field `optoins`"), "{err}");
    }

    #[test]
    fn an_unknown_theme_is_reported_at_its_value() {
        let err = bank("theme = \"morale\"\n").unwrap_err().to_string();
        assert!(err.starts_with("bank.toml:1:9: unknown theme \"morale\"; valid themes are:"), "{err}");
    }

    #[test]
    fn a_question_with_two_answer_kinds_is_rejected() {
        let text = "theme = \"trust\"\n[[question]]\nid = \"a\"\ntext = \"A?\"\nwhy = \"W\"\noptions = [\"Yes\", \"No\"]\nscale = { min = 1, max = 5 }\n";
        let err = bank(text).unwrap_err().to_string();
        assert!(err.starts_with("bank.toml:2:"), "{err}");
        assert!(err.ends_with("question \"a\" needs exactly one of `scale`, `emoji` or `options`"), "{err}");
    }

    #[test]
    fn an_invalid_scale_is_reported_at_the_scale() {
        let text =
            "theme = \"trust\"\n[[question]]\nid = \"a\"\ntext = \"A?\"\nwhy = \"W\"\nscale = { min = 5, max = 1 }\n";
        let err = bank(text).unwrap_err().to_string();
        assert_eq!(err, "bank.toml:6:9: a scale needs its lowest point below its highest (got 5-1)");
    }

    #[test]
    fn a_duplicate_id_names_both_places() {
        let err = QuestionBank::from_sources([("a.toml", TWO), ("b.toml", TWO)]).unwrap_err().to_string();
        assert!(err.starts_with("b.toml:4:1: question id \"first\" is already used at a.toml:4:1"), "{err}");
    }

    #[test]
    fn a_missing_why_is_an_error() {
        let text = "theme = \"trust\"\n[[question]]\nid = \"a\"\ntext = \"A?\"\nscale = { min = 1, max = 5 }\n";
        let err = bank(text).unwrap_err().to_string();
        assert!(err.contains("missing field `why`"), "{err}");
        assert!(err.starts_with("bank.toml:2:"), "{err}");
    }

    #[test]
    fn pick_prefers_questions_never_asked_and_uses_the_seed_among_them() {
        let bank = bank(TWO).unwrap();
        assert_eq!(bank.pick(None, &[], 0).unwrap().id.as_str(), "first");
        assert_eq!(bank.pick(None, &[], 1).unwrap().id.as_str(), "second");
        assert_eq!(bank.pick(None, &ids(&["first"]), 0).unwrap().id.as_str(), "second");
        assert_eq!(bank.pick(None, &ids(&["first"]), 7).unwrap().id.as_str(), "second");
    }

    #[test]
    fn pick_rotates_to_the_question_asked_longest_ago() {
        let bank = bank(TWO).unwrap();
        // Newest first: "second" was asked last, so "first" is due.
        let history = ids(&["second", "first", "second"]);
        assert_eq!(bank.pick(None, &history, 0).unwrap().id.as_str(), "first");
        let history = ids(&["first", "second"]);
        assert_eq!(bank.pick(None, &history, 0).unwrap().id.as_str(), "second");
    }

    #[test]
    fn pick_is_none_when_no_question_has_the_theme() {
        let bank = bank(TWO).unwrap();
        assert!(bank.pick(Some(Theme::Customer), &[], 0).is_none());
        assert!(bank.pick(Some(Theme::Trust), &[], 0).is_some());
    }
}
