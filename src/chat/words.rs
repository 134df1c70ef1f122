//! The one tokenizer for everything people type after a slash command: words split on
//! spaces, a `"quoted phrase"` kept whole (curly quotes as chat apps send them on macOS and
//! phones too, a `\"` inside for a quote mark), a phrase in single quotes when a word starts
//! with one (an apostrophe inside a word, as in `Founders' Day`, is just an apostrophe),
//! and `key:value` words told apart (`options:"Yes, mostly,No"`).

/// One word of a command's arguments, quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// `options` in `options:"Yes,No"` (lower-cased).
    pub key: Option<String>,
    /// `Yes,No` in `options:"Yes,No"`; the whole word otherwise.
    pub value: String,
    /// The whole word was one quoted phrase (a pulse question, a cron expression).
    pub quoted: bool,
}

impl Word {
    /// The word as typed, without its quotes: `options:Yes,No`.
    pub fn as_typed(&self) -> String {
        match &self.key {
            Some(key) => format!("{key}:{}", self.value),
            None => self.value.clone(),
        }
    }
}

/// A quote that is opened and never closed; `after` is the start of what it held.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a quote is not closed after \"{after}\"")]
pub struct UnclosedQuote {
    pub after: String,
}

fn opens(c: char) -> Option<&'static [char]> {
    match c {
        '"' | '“' | '”' | '„' => Some(&['"', '”', '“']),
        _ => None,
    }
}

fn opens_at_word_start(c: char) -> Option<&'static [char]> {
    match c {
        '\'' | '‘' | '’' => Some(&['\'', '’', '‘']),
        other => opens(other),
    }
}

/// Splits `input` into words (see the module's header).
pub fn words(input: &str) -> Result<Vec<Word>, UnclosedQuote> {
    let mut out = Vec::new();
    let mut chars = input.trim().chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Ok(out);
        }
        let mut word = String::new();
        let mut key: Option<String> = None;
        let mut quoted_parts = 0usize;
        let mut bare_chars = 0usize;
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                break;
            }
            chars.next();
            let at_start = word.is_empty() && quoted_parts == 0;
            let closers = if at_start { opens_at_word_start(c) } else { opens(c) };
            if let Some(closers) = closers {
                quoted_parts += 1;
                let mut closed = false;
                let mut inner = String::new();
                while let Some(c) = chars.next() {
                    if c == '\\' && chars.peek().is_some_and(|n| closers.contains(n)) {
                        inner.push(chars.next().unwrap_or('"'));
                    } else if closers.contains(&c) {
                        closed = true;
                        break;
                    } else {
                        inner.push(c);
                    }
                }
                if !closed {
                    return Err(UnclosedQuote { after: inner.chars().take(30).collect() });
                }
                word.push_str(&inner);
            } else if c == ':'
                && key.is_none()
                && quoted_parts == 0
                && !word.is_empty()
                && word.chars().all(|c| c.is_ascii_alphabetic() || c == '-' || c == '_')
            {
                key = Some(word.to_lowercase());
                word.clear();
            } else {
                bare_chars += 1;
                word.push(c);
            }
        }
        out.push(Word { quoted: key.is_none() && quoted_parts > 0 && bare_chars == 0, key, value: word });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(input: &str) -> Vec<String> {
        words(input).unwrap().iter().map(Word::as_typed).collect()
    }

    #[test]
    fn phrases_keys_and_apostrophes() {
        assert_eq!(
            typed("add \"Pune team go-live\" 2027-02-01 yearly"),
            ["add", "Pune team go-live", "2027-02-01", "yearly"]
        );
        assert_eq!(typed("add “Go live” 2027-02-01"), ["add", "Go live", "2027-02-01"]);
        assert_eq!(typed("add 'Go live' 2027-02-01"), ["add", "Go live", "2027-02-01"]);
        assert_eq!(typed("add Founders' Day"), ["add", "Founders'", "Day"]);
        assert_eq!(
            typed("settings schedule:\"0 9 * * MON-FRI\" tz:Asia/Kolkata"),
            ["settings", "schedule:0 9 * * MON-FRI", "tz:Asia/Kolkata"]
        );
        let w = words("\"How clear?\" options:\"Yes, mostly|No\"").unwrap();
        assert!(w[0].quoted && w[0].key.is_none());
        assert_eq!((w[1].key.as_deref(), w[1].value.as_str(), w[1].quoted), (Some("options"), "Yes, mostly|No", false));
        assert_eq!(typed("\"Was the \\\"quiet hour\\\" useful?\""), ["Was the \"quiet hour\" useful?"]);
        assert_eq!(words("add \"unclosed"), Err(UnclosedQuote { after: "unclosed".into() }));
    }
}
