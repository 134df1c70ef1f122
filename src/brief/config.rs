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
use crate::config::ConfigError;
use crate::team::WorkingHours;
use chrono::NaiveTime;
use std::collections::BTreeMap;
use std::time::Duration;
use toml::Value;

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

/// The keys `[brief]` takes.
pub const KEYS: &[&str] = &["business_hours", "headlines", "feed_timeout", "feed_max_bytes", "feeds"];

/// The longest a fetch may be allowed: a brief must never wait longer for a feed.
const MAX_TIMEOUT: Duration = Duration::from_secs(60);

impl BriefConfig {
    /// Reads `[brief]` (`section` is its value, if the file has one); `file` names the file in
    /// errors, which name the key as `brief.KEY`.
    pub fn from_toml(file: &str, section: Option<&Value>) -> Result<BriefConfig, ConfigError> {
        let mut config = BriefConfig::default();
        let Some(section) = section else { return Ok(config) };
        let invalid = |key: &str, reason: String| ConfigError::Invalid {
            file: file.to_string(),
            key: format!("brief.{key}"),
            reason,
        };
        let Value::Table(table) = section else {
            return Err(ConfigError::Invalid {
                file: file.to_string(),
                key: "brief".into(),
                reason: "expected a [section] of keys".into(),
            });
        };
        let string = |key: &str| -> Result<Option<String>, ConfigError> {
            match table.get(key) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(other) => Err(invalid(key, format!("expected a string in quotes, found {}", other.type_str()))),
            }
        };
        let integer = |key: &str| -> Result<Option<i64>, ConfigError> {
            match table.get(key) {
                None => Ok(None),
                Some(Value::Integer(n)) => Ok(Some(*n)),
                Some(other) => Err(invalid(key, format!("expected a whole number, found {}", other.type_str()))),
            }
        };
        if let Some(hours) = string("business_hours")? {
            config.business_hours =
                hours.parse().map_err(|e: crate::team::TeamError| invalid("business_hours", e.to_string()))?;
        }
        if let Some(n) = integer("headlines")? {
            config.headlines = usize::try_from(n)
                .ok()
                .filter(|n| *n <= 10)
                .ok_or_else(|| invalid("headlines", format!("{n} is not a number of headlines from 0 to 10")))?;
        }
        if let Some(text) = string("feed_timeout")? {
            let timeout = crate::config::parse_duration(&text).map_err(|r| invalid("feed_timeout", r))?;
            if timeout > MAX_TIMEOUT {
                return Err(invalid(
                    "feed_timeout",
                    format!("'{text}' is too long; at most 60s, so no brief waits longer"),
                ));
            }
            config.feed_timeout = timeout;
        }
        if let Some(n) = integer("feed_max_bytes")? {
            config.feed_max_bytes = usize::try_from(n)
                .ok()
                .filter(|n| (1_000..=50_000_000).contains(n))
                .ok_or_else(|| invalid("feed_max_bytes", format!("{n} is not a size from 1000 to 50000000 bytes")))?;
        }
        match table.get("feeds") {
            None => {}
            Some(Value::Table(feeds)) => {
                for (region, urls) in feeds {
                    let key = format!("feeds.{region}");
                    let code: RegionCode =
                        region.parse().map_err(|e: crate::calendar::RegionCodeError| invalid(&key, e.to_string()))?;
                    // Headlines are a country's news; a company calendar has none.
                    if code.is_company() {
                        return Err(invalid(
                            &key,
                            format!("'{region}' is not a country or subdivision code such as AU or US-CA"),
                        ));
                    }
                    let Value::Array(items) = urls else {
                        return Err(invalid(
                            &key,
                            format!("expected a list of URLs such as [\"https://...\"], found {}", urls.type_str()),
                        ));
                    };
                    let mut list = Vec::new();
                    for item in items {
                        let url = item.as_str().ok_or_else(|| {
                            invalid(&key, format!("expected URLs in quotes, found {}", item.type_str()))
                        })?;
                        let url = url.trim();
                        if !(url.starts_with("https://") || url.starts_with("http://"))
                            || url.contains(char::is_whitespace)
                        {
                            return Err(invalid(&key, format!("'{url}' is not an http:// or https:// URL")));
                        }
                        list.push(url.to_string());
                    }
                    config.feeds.entry(code).or_default().extend(list);
                }
            }
            Some(other) => {
                return Err(invalid(
                    "feeds",
                    format!(
                        "expected a table of regions such as [brief.feeds] AU = [\"https://...\"], found {}",
                        other.type_str()
                    ),
                ))
            }
        }
        for key in table.keys() {
            if !KEYS.contains(&key.as_str()) {
                return Err(invalid(key, format!("unknown key; [brief] takes {}", KEYS.join(", "))));
            }
        }
        Ok(config)
    }

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

    fn read(text: &str) -> Result<BriefConfig, ConfigError> {
        let table: toml::Table = text.parse().unwrap();
        BriefConfig::from_toml("meridian.toml", table.get("brief"))
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
        assert!(e.starts_with("meridian.toml: key 'brief.feed_timeout':"), "{e}");
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
