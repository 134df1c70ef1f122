//! The `[brief]` section of `meridian.toml`: customers' business hours, and headline feeds per
//! region with the limits that keep a slow or huge feed from costing the brief anything.
//!
//! ```toml
//! [brief]
//! business_hours = "09:00-17:00"   # a customer region's hours, in its own clock
//! headlines = 3                    # items per region at most (0 for none)
//! feed_timeout = "5s"              # per fetch, connection to last byte
//! feed_max_bytes = 2000000         # a bigger feed is dropped, not read to the end
//!
//! [brief.feeds]
//! AU = ["https://example.com/au/rss.xml"]
//! GB = ["https://example.com/uk/atom.xml"]
//! ```

use crate::calendar::RegionCode;
use crate::config::{Key, Problems};
use crate::team::WorkingHours;
use chrono::NaiveTime;
use std::collections::BTreeMap;
use std::time::Duration;

/// How briefs read business hours and headlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BriefConfig {
    /// A customer region's business hours on its working days, in its own clock.
    pub business_hours: WorkingHours,
    /// Feed URLs per region.
    pub feeds: BTreeMap<RegionCode, Vec<String>>,
    /// At most this many headlines per region.
    pub headlines: usize,
    /// How long one fetch may take, from connecting to the last byte.
    pub feed_timeout: Duration,
    /// A feed larger than this is not read.
    pub feed_max_bytes: usize,
}

impl Default for BriefConfig {
    fn default() -> Self {
        BriefConfig {
            business_hours: WorkingHours {
                start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
                end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default(),
            },
            feeds: BTreeMap::new(),
            headlines: 3,
            feed_timeout: Duration::from_secs(5),
            feed_max_bytes: 2_000_000,
        }
    }
}

/// `[brief]` as the file writes it; [`BriefSection::apply`] checks it.
#[derive(serde::Deserialize, Default)]
#[serde(default, expecting = "a [brief] section of keys")]
pub(crate) struct BriefSection {
    business_hours: Key<String>,
    headlines: Key<i64>,
    feed_timeout: Key<String>,
    feed_max_bytes: Key<i64>,
    feeds: Key<BTreeMap<String, toml::Value>>,
}

/// The longest a fetch may be allowed: a brief must never wait longer for a feed.
const MAX_TIMEOUT: Duration = Duration::from_secs(60);

impl BriefSection {
    /// Checks each key into `config`, naming every mistake in `problems` as `brief.KEY`.
    pub(crate) fn apply(self, p: &mut Problems<'_>, config: &mut BriefConfig) {
        let hours = "hours in quotes such as \"09:00-17:00\"";
        if let Some(hours) = p.read("brief.business_hours", self.business_hours, hours, |h| {
            h.trim().parse::<WorkingHours>().map_err(|e| e.to_string())
        }) {
            config.business_hours = hours;
        }
        if let Some(n) = p.read("brief.headlines", self.headlines, "a whole number", |n| {
            usize::try_from(n)
                .ok()
                .filter(|n| *n <= 10)
                .ok_or_else(|| format!("{n} is not a number of headlines from 0 to 10"))
        }) {
            config.headlines = n;
        }
        let length = "a length of time in quotes such as \"5s\"";
        if let Some(timeout) = p.read("brief.feed_timeout", self.feed_timeout, length, |text| {
            let timeout = crate::config::parse_duration(text.trim())?;
            if timeout > MAX_TIMEOUT {
                return Err(format!("'{text}' is too long; at most 60s, so no brief waits longer"));
            }
            Ok(timeout)
        }) {
            config.feed_timeout = timeout;
        }
        if let Some(n) = p.read("brief.feed_max_bytes", self.feed_max_bytes, "a whole number", |n| {
            usize::try_from(n)
                .ok()
                .filter(|n| (1_000..=50_000_000).contains(n))
                .ok_or_else(|| format!("{n} is not a size from 1000 to 50000000 bytes"))
        }) {
            config.feed_max_bytes = n;
        }
        let regions = "a table of regions such as [brief.feeds] AU = [\"https://...\"]";
        let Some(feeds) = p.read("brief.feeds", self.feeds, regions, Ok) else { return };
        for (region, urls) in feeds {
            let key = format!("brief.feeds.{region}");
            match feed_urls(&region, urls) {
                Ok((code, urls)) => config.feeds.entry(code).or_default().extend(urls),
                Err(reason) => p.at(&key, None, reason),
            }
        }
    }
}

/// One region's line of `[brief.feeds]`.
fn feed_urls(region: &str, urls: toml::Value) -> Result<(RegionCode, Vec<String>), String> {
    let code: RegionCode = region.parse().map_err(|e: crate::calendar::RegionCodeError| e.to_string())?;
    // Headlines are a country's news; a company calendar has none.
    if code.is_company() {
        return Err(format!("'{region}' is not a country or subdivision code such as AU or US-CA"));
    }
    let toml::Value::Array(items) = urls else {
        return Err(format!("expected a list of URLs such as [\"https://...\"], found {}", urls.type_str()));
    };
    let mut list = Vec::new();
    for item in items {
        let url = item.as_str().ok_or_else(|| format!("expected URLs in quotes, found {}", item.type_str()))?.trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(char::is_whitespace) {
            return Err(format!("'{url}' is not an http:// or https:// URL"));
        }
        list.push(url.to_string());
    }
    Ok((code, list))
}

impl BriefConfig {
    /// The feeds of these regions, each with the region it is for. A subdivision's brief also
    /// reads its nation's feeds (US-CA reads US's).
    pub fn feeds_for(&self, regions: &[RegionCode]) -> Vec<(RegionCode, String)> {
        let mut out: Vec<(RegionCode, String)> = Vec::new();
        for region in regions {
            let own = self.feeds.get(region).into_iter().flatten();
            let nation = region.nation().and_then(|n| self.feeds.get(&n)).into_iter().flatten();
            for url in own.chain(nation) {
                if !out.iter().any(|(_, u)| u == url) {
                    out.push((region.clone(), url.clone()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<BriefConfig, crate::config::ConfigError> {
        crate::config::Config::from_toml("meridian.toml", text).map(|c| c.brief)
    }

    #[test]
    fn feeds_are_read_per_region_and_limits_have_defaults() {
        let c = read("[brief]\nheadlines = 2\n[brief.feeds]\nAU = [\"https://a.example/rss\"]\nus = [\"http://127.0.0.1:9/x\"]\n").unwrap();
        assert_eq!(c.headlines, 2);
        assert_eq!(c.feed_timeout, Duration::from_secs(5));
        let au: RegionCode = "AU".parse().unwrap();
        assert_eq!(c.feeds[&au], ["https://a.example/rss"]);
        let ca: RegionCode = "US-CA".parse().unwrap();
        assert_eq!(c.feeds_for(std::slice::from_ref(&ca)), [(ca, "http://127.0.0.1:9/x".to_string())]);
        assert_eq!(read("").unwrap(), BriefConfig::default());
    }

    #[test]
    fn mistakes_name_the_key() {
        let e = read("[brief]\nfeed_timeout = \"5 minutes\"\n").unwrap_err().to_string();
        assert!(e.starts_with("meridian.toml:2: key 'brief.feed_timeout':"), "{e}");
        let e = read("[brief]\nfeed_timeout = \"10m\"\n").unwrap_err().to_string();
        assert!(e.contains("at most 60s"), "{e}");
        let e = read("[brief.feeds]\nAU = \"https://a.example/rss\"\n").unwrap_err().to_string();
        assert!(e.contains("key 'brief.feeds.AU': expected a list of URLs"), "{e}");
        let e = read("[brief.feeds]\nAU = [\"ftp://a.example/rss\"]\n").unwrap_err().to_string();
        assert!(e.contains("is not an http:// or https:// URL"), "{e}");
        let e = read("[brief]\nbusiness_hours = \"9-5\"\n").unwrap_err().to_string();
        assert!(e.contains("key 'brief.business_hours'"), "{e}");
        let e = read("[brief]\nheadline = 3\n").unwrap_err().to_string();
        assert!(e.contains("key 'brief.headline': unknown key"), "{e}");
        let e = read("[brief.feeds]\nAustralia = [\"https://a.example/rss\"]\n").unwrap_err().to_string();
        assert!(e.contains("key 'brief.feeds.Australia'"), "{e}");
    }
}
