//! Reading an RSS or Atom feed (already fetched) into headlines fit for a brief: titles as
//! plain text without markup that would change the message, http(s) links only, newest first.
//!
//! A headline is known across days by a key made from the feed's own id for the item (an
//! RSS guid, an Atom id), else its link, else its title, hashed so that the table remembering
//! what a channel was shown holds no more than it needs.

use super::Headline;
use crate::calendar::RegionCode;
use sha2::{Digest, Sha256};

/// Why a feed gave no headlines.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("not an RSS, Atom or JSON feed: {0}")]
    Unreadable(String),
}

/// The most items read from one feed; a brief shows a few of them.
const MAX_ITEMS: usize = 50;
/// The longest title shown.
const MAX_TITLE: usize = 160;
/// The longest link kept.
const MAX_LINK: usize = 500;

/// The headlines of a feed's text, newest first, at most [`MAX_ITEMS`].
pub fn parse(bytes: &[u8], region: &RegionCode) -> Result<Vec<Headline>, FeedError> {
    let parser = feed_rs::parser::Builder::new().id_generator(|_, _, _| String::new()).build();
    let feed = parser.parse(bytes).map_err(|e| FeedError::Unreadable(e.to_string()))?;
    let mut entries: Vec<(Option<chrono::DateTime<chrono::Utc>>, Headline)> = Vec::new();
    for entry in feed.entries {
        let title = entry.title.as_ref().map(|t| clean_title(&t.content)).unwrap_or_default();
        if title.is_empty() {
            continue;
        }
        let link = entry
            .links
            .iter()
            .filter(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .find_map(|l| clean_link(&l.href));
        let identity = if !entry.id.trim().is_empty() {
            entry.id.trim().to_string()
        } else {
            link.clone().unwrap_or_else(|| title.clone())
        };
        let key = hex::encode(Sha256::digest(identity.as_bytes()));
        entries.push((entry.published.or(entry.updated), Headline { region: region.clone(), title, link, key }));
    }
    // Newest first; items without a date keep the feed's own order, after the dated ones.
    entries.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    Ok(entries.into_iter().map(|(_, h)| h).take(MAX_ITEMS).collect())
}

/// A title as plain text on one line: tags dropped, the common entities read, brackets and
/// markup characters that would make a link or emphasis of it replaced, at most
/// [`MAX_TITLE`] characters.
pub fn clean_title(raw: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in raw.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c => text.push(c),
        }
    }
    for (entity, with) in [
        ("&nbsp;", " "),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&apos;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ] {
        text = text.replace(entity, with);
    }
    let text: String = text
        .chars()
        .map(|c| match c {
            '[' => '(',
            ']' => ')',
            '*' | '`' | '~' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    let text = words.join(" ");
    if text.chars().count() > MAX_TITLE {
        let cut: String = text.chars().take(MAX_TITLE - 1).collect();
        format!("{}…", cut.trim_end())
    } else {
        text
    }
}

/// An http(s) link without spaces, its parentheses escaped so it can sit in `[title](link)`.
fn clean_link(raw: &str) -> Option<String> {
    let link = raw.trim();
    let ok = (link.starts_with("https://") || link.starts_with("http://"))
        && link.len() <= MAX_LINK
        && !link.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| link.replace('(', "%28").replace(')', "%29"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn au() -> RegionCode {
        "AU".parse().unwrap()
    }

    const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>News</title>
<item><title>Older &lt;b&gt;story&lt;/b&gt;</title><link>https://news.example/older</link><guid>older-1</guid><pubDate>Wed, 23 Dec 2026 08:00:00 GMT</pubDate></item>
<item><title>Heatwave [update] hits **Sydney**</title><link>https://news.example/heat(1)</link><guid>heat-1</guid><pubDate>Thu, 24 Dec 2026 07:00:00 GMT</pubDate></item>
<item><title></title><link>https://news.example/untitled</link></item>
<item><title>No link here</title><link>javascript:alert(1)</link></item>
</channel></rss>"#;

    #[test]
    fn an_rss_feed_reads_newest_first_as_plain_titles_with_safe_links() {
        let items = parse(RSS.as_bytes(), &au()).unwrap();
        let titles: Vec<&str> = items.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(titles, ["Heatwave (update) hits Sydney", "Older story", "No link here"]);
        assert_eq!(items[0].link.as_deref(), Some("https://news.example/heat%281%29"));
        assert_eq!(items[2].link, None, "only http(s) links");
        assert_ne!(items[0].key, items[1].key);
        // The key is the feed's own id, so it stays the same when the title is edited.
        let edited = RSS.replace("Heatwave [update] hits **Sydney**", "Heatwave eases");
        assert_eq!(parse(edited.as_bytes(), &au()).unwrap()[0].key, items[0].key);
    }

    #[test]
    fn an_atom_feed_reads_too() {
        let atom = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id><updated>2026-12-24T00:00:00Z</updated>
<entry><title>Rail strike called off</title><id>urn:a1</id><updated>2026-12-24T06:00:00Z</updated><link href="https://news.example/a1"/></entry>
</feed>"#;
        let items = parse(atom.as_bytes(), &au()).unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].title, "Rail strike called off");
        assert_eq!(items[0].link.as_deref(), Some("https://news.example/a1"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"<html><body>Service unavailable</body></html>", &au()).is_err());
        assert!(parse(&[0xff, 0xfe, 0x00, 0x01, 0x02], &au()).is_err());
        assert!(parse(b"", &au()).is_err());
    }

    #[test]
    fn long_titles_are_cut() {
        let long = "word ".repeat(100);
        let title = clean_title(&long);
        assert_eq!(title.chars().count(), MAX_TITLE);
        assert!(title.ends_with('…'));
    }
}
