//! The bot's metrics, named once, recorded through the `metrics` facade and rendered in the
//! Prometheus text format by `metrics-exporter-prometheus` on the bot's own `/metrics` route
//! (the exporter's own listener is not built: one HTTP server per process).
//!
//! Until [`install`] runs (in `meridian run`), every call here is a no-op, so the console,
//! the command line and the unit tests pay nothing.

use crate::chat::PlatformKind;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

pub const POSTS_SENT: &str = "meridian_posts_sent_total";
pub const POSTS_FAILED: &str = "meridian_posts_failed_total";
pub const VOTES_RECORDED: &str = "meridian_votes_recorded_total";
pub const ACK_SECONDS: &str = "meridian_ack_seconds";
pub const SCHEDULER_LAG: &str = "meridian_scheduler_lag_seconds";
pub const RATE_LIMITED: &str = "meridian_rate_limited_total";
pub const QUEUE_DEPTH: &str = "meridian_delivery_queue_depth";

/// Acknowledgement buckets, in seconds: platforms give three, and most acks take a few
/// milliseconds, so the low end is fine-grained.
const ACK_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once; later calls return the same handle).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(ACK_SECONDS.to_string()), ACK_BUCKETS)
            .expect("the acknowledgement buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder would only be installed by a test harness; keep ours readable.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only its own");
        }
        describe();
        handle
    })
}

/// The Prometheus text of every metric, or `None` before [`install`].
pub fn render() -> Option<String> {
    let handle = HANDLE.get()?;
    // Histograms are kept in rolling buckets that upkeep drains; a scrape is a good moment.
    handle.run_upkeep();
    Some(handle.render())
}

fn describe() {
    metrics::describe_counter!(POSTS_SENT, "Posts the platform accepted, by platform");
    metrics::describe_counter!(POSTS_FAILED, "Posts not delivered after retries, by platform");
    metrics::describe_counter!(VOTES_RECORDED, "Pulse votes recorded in the store");
    metrics::describe_histogram!(
        ACK_SECONDS,
        metrics::Unit::Seconds,
        "Time from receiving an interaction to acknowledging it, by platform"
    );
    metrics::describe_gauge!(
        SCHEDULER_LAG,
        metrics::Unit::Seconds,
        "How late the scheduler's last turn started after its due instant"
    );
    metrics::describe_counter!(RATE_LIMITED, "Platform answers of 429 (rate limited), by platform");
    metrics::describe_gauge!(QUEUE_DEPTH, "Deliveries waiting for or in the middle of a send");
}

pub fn post_sent(platform: PlatformKind) {
    metrics::counter!(POSTS_SENT, "platform" => platform.as_str()).increment(1);
}

pub fn post_failed(platform: PlatformKind) {
    metrics::counter!(POSTS_FAILED, "platform" => platform.as_str()).increment(1);
}

pub fn vote_recorded() {
    metrics::counter!(VOTES_RECORDED).increment(1);
}

pub fn acknowledged(platform: PlatformKind, took: Duration) {
    metrics::histogram!(ACK_SECONDS, "platform" => platform.as_str()).record(took.as_secs_f64());
}

pub fn scheduler_lag(late: Duration) {
    metrics::gauge!(SCHEDULER_LAG).set(late.as_secs_f64());
}

pub fn rate_limited(platform: PlatformKind) {
    metrics::counter!(RATE_LIMITED, "platform" => platform.as_str()).increment(1);
}

/// Counts a delivery in the queue while it lives; dropping it takes it out.
pub struct Queued(());

impl Queued {
    pub fn enter() -> Queued {
        metrics::gauge!(QUEUE_DEPTH).increment(1.0);
        Queued(())
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        metrics::gauge!(QUEUE_DEPTH).decrement(1.0);
    }
}
