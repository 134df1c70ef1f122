//! Fetching the brief's headline feeds, so that a slow or broken feed never costs a brief
//! anything: every fetch is bounded in time (`[brief] feed_timeout`, connection to last byte)
//! and size (`feed_max_bytes`, counted as the body arrives, so a 20 MB answer is dropped after
//! the first 2 MB), runs in a task of its own, and is started ahead of the brief (the
//! scheduler wakes for that) so its result is waiting when the brief is due. A brief never
//! waits longer than one fetch's timeout for a feed that is still coming; whatever is not in
//! by then is left out of that brief.
//!
//! A feed that fails is logged once, with its URL and why, and again only after it has worked
//! in between; a result is reused for half an hour, so several channels (or a retry) share
//! one fetch.

use crate::brief::{feed, BriefConfig, Headline};
use crate::calendar::RegionCode;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

type Outcome = Arc<Result<Vec<Headline>, String>>;

/// How long a fetched feed is reused.
const FRESH: Duration = Duration::from_secs(30 * 60);

struct Fetch {
    started: Instant,
    done: watch::Receiver<Option<Outcome>>,
}

/// The feeds' fetcher, shared by the scheduler and commands.
pub struct Headlines {
    timeout: Duration,
    max_bytes: usize,
    client: OnceLock<Option<reqwest::Client>>,
    fetches: Mutex<HashMap<String, Fetch>>,
    /// Feeds whose failure has been logged and that have not worked since.
    broken: Arc<Mutex<HashSet<String>>>,
}

impl Headlines {
    pub fn new(config: &BriefConfig) -> Headlines {
        Headlines {
            timeout: config.feed_timeout,
            max_bytes: config.feed_max_bytes,
            client: OnceLock::new(),
            fetches: Mutex::new(HashMap::new()),
            broken: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    fn client(&self) -> Option<reqwest::Client> {
        self.client
            .get_or_init(|| {
                let built = reqwest::Client::builder()
                    .timeout(self.timeout)
                    .connect_timeout(self.timeout)
                    .redirect(reqwest::redirect::Policy::limited(5))
                    .user_agent(concat!("meridian/", env!("CARGO_PKG_VERSION"), " (daily brief)"))
                    .build();
                match built {
                    Ok(client) => Some(client),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot build the HTTP client for headline feeds; briefs go out without headlines");
                        None
                    }
                }
            })
            .clone()
    }

    /// Drops every fetched result, so the next brief fetches each feed afresh (feeds that
    /// failed stay known as failed: they are not logged again until they have worked).
    pub fn forget_fetched(&self) {
        self.fetches.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Starts fetching these feeds in the background, unless a fresh fetch is already there.
    pub fn prefetch(&self, feeds: &[(RegionCode, String)]) {
        for (region, url) in feeds {
            self.fetch(region, url);
        }
    }

    /// The headlines of these feeds, each tagged with the region it was asked for, in the
    /// order given. Waits for a fetch still running at most until its timeout is up; a feed
    /// that failed or is late gives nothing.
    pub async fn collect(&self, feeds: &[(RegionCode, String)]) -> Vec<Headline> {
        let waits: Vec<_> = feeds.iter().map(|(region, url)| (region.clone(), self.fetch(region, url))).collect();
        let mut out = Vec::new();
        for (region, (started, mut done)) in waits {
            // The fetch ends itself at its timeout; a little grace for its task to report.
            let deadline = tokio::time::Instant::from_std(started + self.timeout + Duration::from_millis(250));
            let outcome = tokio::time::timeout_at(deadline, done.wait_for(Option::is_some)).await;
            let Ok(Ok(result)) = outcome else { continue };
            if let Some(Ok(items)) = result.as_deref() {
                out.extend(items.iter().map(|h| Headline { region: region.clone(), ..h.clone() }));
            }
        }
        out
    }

    /// The running or fresh fetch of `url`, or a new one.
    fn fetch(&self, region: &RegionCode, url: &str) -> (Instant, watch::Receiver<Option<Outcome>>) {
        let mut fetches = self.fetches.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = fetches.get(url).filter(|f| f.started.elapsed() < FRESH) {
            return (f.started, f.done.clone());
        }
        let (tx, rx) = watch::channel(None);
        let started = Instant::now();
        fetches.insert(url.to_string(), Fetch { started, done: rx.clone() });
        drop(fetches);
        let (client, url, region) = (self.client(), url.to_string(), region.clone());
        let (timeout, max_bytes, broken) = (self.timeout, self.max_bytes, self.broken.clone());
        tokio::spawn(async move {
            let result = match client {
                Some(client) => fetch_feed(&client, &url, &region, timeout, max_bytes).await,
                None => Err("no HTTP client".to_string()),
            };
            let mut broken = broken.lock().unwrap_or_else(|e| e.into_inner());
            match &result {
                Ok(items) => {
                    if broken.remove(&url) {
                        tracing::info!(%url, items = items.len(), "headline feed works again");
                    }
                }
                Err(reason) => {
                    if broken.insert(url.clone()) {
                        tracing::warn!(%url, %reason, "headline feed skipped; briefs go out without it (said once until it works again)");
                    }
                }
            }
            drop(broken);
            let _ = tx.send(Some(Arc::new(result)));
        });
        (started, rx)
    }
}

/// One bounded fetch: an answer within `timeout`, a success status, at most `max_bytes`, and
/// a readable feed.
async fn fetch_feed(
    client: &reqwest::Client,
    url: &str,
    region: &RegionCode,
    timeout: Duration,
    max_bytes: usize,
) -> Result<Vec<Headline>, String> {
    let work = async {
        let mut response = client
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
            )
            .send()
            .await
            .map_err(|e| describe(&e, timeout))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("answered {status}"));
        }
        let too_big = || format!("larger than {max_bytes} bytes ([brief] feed_max_bytes)");
        if response.content_length().is_some_and(|n| n > max_bytes as u64) {
            return Err(too_big());
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e, timeout))? {
            if body.len() + chunk.len() > max_bytes {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        feed::parse(&body, region).map_err(|e| e.to_string())
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(too_slow(timeout)),
    }
}

fn too_slow(timeout: Duration) -> String {
    format!("no complete answer within {}s ([brief] feed_timeout)", timeout.as_secs_f32())
}

/// A failed request in words: a timeout as such, anything else with its cause (reqwest's own
/// message names only the URL).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return too_slow(timeout);
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
