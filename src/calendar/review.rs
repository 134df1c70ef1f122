//! The culture review: what the calendar files say to people, read across all of them before a
//! company posts it in a multinational channel. `meridian calendars check` runs it after the
//! files parse, and fails on any finding; the bot still loads files with findings, since a
//! sentence to reword is no reason to stop posting reminders.
//!
//! The checks, each reported at the file and line of the field:
//! - **Language.** A greeting or note may not use a phrase of a language the region does not
//!   use: Malay phrases ("Selamat Hari Raya", "balik kampung") outside Malaysia, Singapore,
//!   Brunei and Indonesia; Marathi and Hindi phrases, or Devanagari script, in the southern
//!   Indian states, whose languages are Kannada, Telugu, Tamil and Malayalam.
//! - **Copies.** The same `greeting` or `expect` text in two countries is reported for review:
//!   most such copies were pasted to the wrong region. Sentences that are right everywhere
//!   ("Merry Christmas!") are listed in `calendars/shared-text.txt`.
//! - **Solemn days.** An event that names a day of mourning or remembrance (Good Friday, Anzac
//!   Day, Remembrance Day, Ashura, Truth and Reconciliation, Yom HaShoah, a state funeral)
//!   must say `tone = "solemn"`; the parser then refuses a greeting on it.
//! - **Emoji.** 🏳️ (surrender) and 🚩 ("red flag" in chat) are refused everywhere; on a
//!   solemn day so are skulls and party emoji.
//! - **Staffing-only days.** An event with `announce = false` is never posted, so it carries
//!   no note or emoji: a note there would only be read when the flag is changed by mistake.

use super::file::{parse_region_file, FileError};
use super::model::{Event, Region, RegionCode, Tone};
use std::collections::BTreeMap;

/// Sentences that may appear in several countries' files, one a line (`#` starts a comment).
const SHIPPED_SHARED_TEXT: &str = include_str!("../../calendars/shared-text.txt");

/// A language whose phrases are checked, and the regions whose files may use them.
struct Language {
    name: &'static str,
    /// Lower-case phrases, matched case-insensitively as whole words.
    phrases: &'static [&'static str],
    /// Nations or subdivisions that use the language; empty means any not in `not_in`.
    used_in: &'static [&'static str],
    /// Subdivisions that do not, though their nation is in `used_in` (or `used_in` is empty).
    not_in: &'static [&'static str],
    /// Where it belongs, for the message.
    belongs: &'static str,
}

/// The southern Indian states and union territory: Kannada, Telugu, Tamil, Malayalam.
const SOUTH_INDIA: &[&str] = &["IN-AP", "IN-KA", "IN-KL", "IN-PY", "IN-TG", "IN-TN"];

const LANGUAGES: &[Language] = &[
    Language {
        name: "Malay",
        phrases: &[
            "selamat",
            "hari raya",
            "aidilfitri",
            "aidiladha",
            "maaf zahir",
            "zahir dan batin",
            "balik kampung",
            "berpuasa",
        ],
        used_in: &["MY", "SG", "BN", "ID"],
        not_in: &[],
        belongs: "Malaysia, Singapore, Brunei and Indonesia",
    },
    Language {
        name: "Marathi",
        phrases: &["bappa morya", "ganpati bappa", "hardik shubhechha", "shubhechha"],
        used_in: &[],
        not_in: SOUTH_INDIA,
        belongs: "Maharashtra, not the southern states (use Kannada, Telugu, Tamil or Malayalam there)",
    },
    Language {
        name: "Hindi",
        phrases: &["shubhkamnayein", "shubhkamnaye", "ki shubhkamnayein", "hardik shubhkamnayein"],
        used_in: &[],
        not_in: SOUTH_INDIA,
        belongs: "the Hindi-speaking north, not the southern states (use Kannada, Telugu, Tamil or Malayalam there)",
    },
];

/// Devanagari (Hindi, Marathi) does not belong in the southern states' notes either.
const DEVANAGARI: std::ops::RangeInclusive<char> = '\u{0900}'..='\u{097F}';

/// Names (lower case) that mark a day of mourning or remembrance: such an event must be solemn.
const SOLEMN_NAMES: &[&str] = &[
    "good friday",
    "karfreitag",
    "viernes santo",
    "sexta-feira santa",
    "anzac",
    "remembrance",
    "ashura",
    "truth and reconciliation",
    "yom hashoah",
    "holocaust",
    "mourning",
    "funeral",
];
/// Ids that do the same where the name alone does not (India's "Muharram" holiday is Ashura;
/// Malaysia's "Awal Muharram" is the Islamic New Year and is not solemn).
const SOLEMN_IDS: &[&str] = &["muharram"];

/// Refused in any emoji field: 🏳 reads as surrender, 🚩 as "red flag" in chat.
const DENIED_EMOJI: &[(char, &str)] =
    &[('\u{1F3F3}', "🏳️ reads as surrender"), ('\u{1F6A9}', "🚩 reads as \"red flag\" in chat")];
/// Also refused on a solemn day.
const DENIED_ON_SOLEMN_DAYS: &[char] = &[
    '\u{1F480}', // 💀
    '\u{2620}',  // ☠️
    '\u{1F389}', // 🎉
    '\u{1F38A}', // 🎊
    '\u{1F973}', // 🥳
    '\u{1F386}', // 🎆
    '\u{1F387}', // 🎇
    '\u{1F942}', // 🥂
    '\u{1F37B}', // 🍻
    '\u{1F37A}', // 🍺
];

/// The sentences allowed in several countries' files.
#[derive(Debug, Clone, Default)]
pub struct SharedText(Vec<String>);

impl SharedText {
    /// The shipped list, `calendars/shared-text.txt`.
    pub fn shipped() -> SharedText {
        SharedText::parse(SHIPPED_SHARED_TEXT)
    }

    /// One sentence a line; blank lines and lines starting with `#` are skipped.
    pub fn parse(text: &str) -> SharedText {
        SharedText(
            text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect(),
        )
    }

    fn allows(&self, text: &str) -> bool {
        self.0.iter().any(|s| s == text.trim())
    }
}

/// Reviews the notes of `files` ((file name, text) pairs; a later file of the same name
/// replaces an earlier one, as when the bot loads them). Files that do not parse are skipped:
/// the parser reports them. Findings come out by file and line.
pub fn review(files: impl IntoIterator<Item = (String, String)>, shared: &SharedText) -> Vec<FileError> {
    let regions: Vec<Region> =
        super::library::latest_by_name(files).into_iter().filter_map(|(f, t)| parse_region_file(&f, &t).ok()).collect();
    let mut findings = Vec::new();
    for region in &regions {
        for event in &region.events {
            review_event(region, event, &mut findings);
        }
    }
    copies(&regions, shared, &mut findings);
    findings.sort_by(|a, b| (&a.file, a.line, &a.message).cmp(&(&b.file, b.line, &b.message)));
    findings
}

fn review_event(region: &Region, event: &Event, findings: &mut Vec<FileError>) {
    let at = |line: Option<usize>, message: String| FileError {
        file: region.file.clone(),
        line: line.unwrap_or(event.line),
        message,
    };
    let Some(culture) = event.culture.as_deref() else {
        if names_a_solemn_day(event) {
            findings.push(at(None, solemn_message(event)));
        }
        return;
    };
    let lines = &event.note_lines;
    let fields = [
        ("about", &culture.about, lines.about),
        ("greeting", &culture.greeting, lines.greeting),
        ("expect", &culture.expect, lines.expect),
    ];
    for (field, text, line) in fields {
        let Some(text) = text else { continue };
        for problem in language_problems(&region.code, text) {
            findings.push(at(line, format!("{field} of '{}': {problem}", event.name)));
        }
    }
    if culture.tone != Tone::Solemn && names_a_solemn_day(event) {
        findings.push(at(None, solemn_message(event)));
    }
    if let Some(emoji) = &culture.emoji {
        for problem in emoji_problems(emoji, culture.tone) {
            findings.push(at(lines.emoji, format!("emoji of '{}': {problem}", event.name)));
        }
    }
    if !culture.announce {
        let noted: Vec<&str> = [
            ("about", &culture.about),
            ("greeting", &culture.greeting),
            ("expect", &culture.expect),
            ("emoji", &culture.emoji),
        ]
        .into_iter()
        .filter_map(|(field, value)| value.as_ref().map(|_| field))
        .collect();
        if !noted.is_empty() {
            findings.push(at(
                None,
                format!(
                    "'{}' is never posted (announce = false), so it takes no {}; explain it in a # comment instead",
                    event.name,
                    noted.join(", ")
                ),
            ));
        }
    }
}

fn solemn_message(event: &Event) -> String {
    format!(
        "'{}' is a day of mourning or remembrance: add tone = \"solemn\" (no greeting; say in `expect` that it is a day of reflection)",
        event.name
    )
}

fn names_a_solemn_day(event: &Event) -> bool {
    let name = event.name.to_lowercase();
    SOLEMN_NAMES.iter().any(|n| name.contains(n)) || SOLEMN_IDS.contains(&event.id.as_str())
}

/// Phrases of `text` in a language that `region` does not use, as messages.
fn language_problems(region: &RegionCode, text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let code = region.as_str();
    let nation = region.nation().unwrap_or_else(|| region.clone());
    let mut out = Vec::new();
    for language in LANGUAGES {
        let used = (language.used_in.is_empty()
            || language.used_in.contains(&code)
            || language.used_in.contains(&nation.as_str()))
            && !language.not_in.contains(&code);
        if used {
            continue;
        }
        if let Some(phrase) = language.phrases.iter().find(|p| contains_word(&lower, p)) {
            out.push(format!(
                "'{phrase}' is {}, which is not a language of {code}; {} phrases belong in {}",
                language.name, language.name, language.belongs
            ));
        }
    }
    if SOUTH_INDIA.contains(&code) && text.chars().any(|c| DEVANAGARI.contains(&c)) {
        out.push(format!(
            "Devanagari script (Hindi, Marathi) is not used in {code}; write the greeting in the state's language"
        ));
    }
    out
}

/// Whether `phrase` occurs in `text` with no letter or digit joined on either side.
fn contains_word(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Refused emoji in an emoji field. A denied code point that is part of a longer sequence
/// (🏳️‍🌈, a flag built with tag characters) is a different emoji and is allowed.
fn emoji_problems(emoji: &str, tone: Tone) -> Vec<String> {
    let chars: Vec<char> = emoji.chars().filter(|c| *c != '\u{FE0F}').collect();
    let joined = |i: usize| {
        let next = chars.get(i + 1).copied();
        let previous = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        next.is_some_and(|c| c == '\u{200D}' || ('\u{E0020}'..='\u{E007F}').contains(&c))
            || previous == Some('\u{200D}')
    };
    let mut out = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if joined(i) {
            continue;
        }
        if let Some((_, why)) = DENIED_EMOJI.iter().find(|(d, _)| d == c) {
            out.push(format!("{why}; choose another"));
        } else if tone == Tone::Solemn && DENIED_ON_SOLEMN_DAYS.contains(c) {
            out.push(format!("{c} is not for a solemn day; use 🕊️ or 🕯️, or no emoji"));
        }
    }
    out
}

/// Where a text is written: the nation of the file's region, the file, the line.
type Place<'a> = (RegionCode, &'a str, usize);

/// The same greeting or expect text in more than one country, once per text, at its first
/// place, naming the others.
fn copies(regions: &[Region], shared: &SharedText, findings: &mut Vec<FileError>) {
    // (field, text) -> where it is written, in file order.
    let mut seen: BTreeMap<(&str, &str), Vec<Place>> = BTreeMap::new();
    for region in regions {
        let nation = region.code.nation().unwrap_or_else(|| region.code.clone());
        for event in &region.events {
            let Some(culture) = event.culture.as_deref() else { continue };
            let lines = &event.note_lines;
            for (field, text, line) in
                [("greeting", &culture.greeting, lines.greeting), ("expect", &culture.expect, lines.expect)]
            {
                let Some(text) = text else { continue };
                seen.entry((field, text.trim())).or_default().push((
                    nation.clone(),
                    &region.file,
                    line.unwrap_or(event.line),
                ));
            }
        }
    }
    for ((field, text), places) in seen {
        let first_nation = &places[0].0;
        if places.iter().all(|(n, _, _)| n == first_nation) || shared.allows(text) {
            continue;
        }
        let (_, file, line) = &places[0];
        let others: Vec<String> = places[1..].iter().map(|(_, f, l)| format!("{}:{l}", short(f))).collect();
        let nations: Vec<&str> = places.iter().map(|(n, _, _)| n.as_str()).collect();
        findings.push(FileError {
            file: file.to_string(),
            line: *line,
            message: format!(
                "the same {field} is in {} countries ({}), also at {}: \"{text}\". Write it for each \
                 country, or, if the words are right everywhere, add the line to calendars/shared-text.txt",
                distinct(&nations).len(),
                distinct(&nations).join(", "),
                others.join(", "),
            ),
        });
    }
}

fn distinct<'a>(items: &[&'a str]) -> Vec<&'a str> {
    let mut out: Vec<&str> = items.to_vec();
    out.sort_unstable();
    out.dedup();
    out
}

/// The file name without its folder, to keep messages short.
fn short(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phrase_matches_whole_words_only() {
        assert!(contains_word("eid mubarak! (selamat hari raya haji)", "selamat"));
        assert!(!contains_word("unselamatic", "selamat"));
        assert!(contains_word("ganpati bappa morya!", "bappa morya"));
    }

    #[test]
    fn a_flag_built_on_a_denied_code_point_is_another_emoji() {
        assert_eq!(emoji_problems("🏳️‍🌈", Tone::Normal), Vec::<String>::new());
        assert_eq!(emoji_problems("🏴󠁧󠁢󠁳󠁣󠁴󠁿", Tone::Normal), Vec::<String>::new());
        assert_eq!(emoji_problems("🏳️", Tone::Normal).len(), 1);
        assert_eq!(emoji_problems("🚩", Tone::Normal).len(), 1);
        assert_eq!(emoji_problems("💀", Tone::Normal), Vec::<String>::new());
        assert_eq!(emoji_problems("💀", Tone::Solemn).len(), 1);
    }

    #[test]
    fn the_shared_text_list_skips_comments_and_blank_lines() {
        let shared = SharedText::parse("# why\n\nMerry Christmas!\n  Happy New Year!  \n");
        assert!(shared.allows("Merry Christmas!"));
        assert!(shared.allows("Happy New Year!"));
        assert!(!shared.allows("# why"));
    }
}
