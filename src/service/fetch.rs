//! Fetching a file HR points meridian at (an ICS calendar, a CSV of members): an https URL,
//! or a file shared on the chat platform (a Slack file, read with the bot's token; a Discord
//! attachment). Bounded in time and size, counted as the body arrives, so a slow or huge
//! answer costs at most [`FETCH_TIMEOUT`] and [`MAX_FETCH_BYTES`].

use std::time::Duration;

/// How long one fetch may take, connection to last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
/// The most bytes read: an ICS file may be at most 4 MiB ([`crate::calendar::MAX_ICS_BYTES`]);
/// a larger answer is dropped without reading the rest.
pub const MAX_FETCH_BYTES: usize = crate::calendar::MAX_ICS_BYTES;

/// Why a file could not be fetched, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("'{0}' is not an https:// URL (http:// only for this machine, such as 127.0.0.1)")]
    NotHttps(String),
    #[error("{url} answered {status}")]
    Status { url: String, status: String },
    #[error("{url} is larger than {max} bytes")]
    TooLarge { url: String, max: usize },
    #[error("{url} gave no complete answer within {}s", .timeout.as_secs())]
    TooSlow { url: String, timeout: Duration },
    #[error("{url} could not be fetched: {reason}")]
    Failed { url: String, reason: String },
    #[error("{url} is not text (UTF-8)")]
    NotText { url: String },
}

/// Whether `url` may be fetched: https anywhere, http only on this machine (tests, a local
/// file server).
pub fn check_url(url: &str) -> Result<(), FetchError> {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Ok(());
    }
    let host = lower.strip_prefix("http://").map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
    let local = host.is_some_and(|h| {
        let name = h.rsplit_once(':').map_or(h, |(n, _)| n);
        name == "localhost" || name == "[::1]" || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
    });
    if local {
        Ok(())
    } else {
        Err(FetchError::NotHttps(url.to_string()))
    }
}

/// Fetches `url` as text; `bearer` is a token the platform gives for its own file links.
pub async fn fetch_text(url: &str, bearer: Option<&str>) -> Result<String, FetchError> {
    fetch_text_with(url, bearer, FETCH_TIMEOUT, MAX_FETCH_BYTES).await
}

/// [`fetch_text`] with its limits given (tests use small ones).
pub async fn fetch_text_with(
    url: &str,
    bearer: Option<&str>,
    timeout: Duration,
    max_bytes: usize,
) -> Result<String, FetchError> {
    check_url(url)?;
    let failed = |e: reqwest::Error| FetchError::Failed { url: url.to_string(), reason: describe(&e) };
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("meridian/", env!("CARGO_PKG_VERSION"), " (calendar import)"))
        .build()
        .map_err(failed)?;
    let work = async {
        let mut request = client.get(url);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let mut response = request.send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status { url: url.to_string(), status: status.to_string() });
        }
        let too_big = || FetchError::TooLarge { url: url.to_string(), max: max_bytes };
        if response.content_length().is_some_and(|n| n > max_bytes as u64) {
            return Err(too_big());
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > max_bytes {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| FetchError::NotText { url: url.to_string() })
    };
    match tokio::time::timeout(timeout, work).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::TooSlow { url: url.to_string(), timeout }),
    }
}

/// reqwest's message names only the URL; its causes say what went wrong.
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_this_machine_is_fetched() {
        assert!(check_url("https://calendar.google.com/x.ics").is_ok());
        assert!(check_url("http://127.0.0.1:8080/x.ics").is_ok());
        assert!(check_url("http://localhost/x.ics").is_ok());
        assert!(check_url("http://example.com/x.ics").is_err());
        assert!(check_url("file:///etc/passwd").is_err());
        assert!(check_url("http://127.0.0.1.example.com/x").is_err());
    }
}
