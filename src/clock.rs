//! The clock, injected: the system clock in production, a clock a test or the console moves.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// How long a span of this clock's time lasts in real time: what to sleep (tokio's
    /// timers run in real time) to wait until an instant on this clock. Zero for a span
    /// already past.
    fn real_duration(&self, span: chrono::TimeDelta) -> std::time::Duration {
        span.to_std().unwrap_or_default()
    }
}

/// Real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Real time, shifted to start at a chosen instant: `meridian run --clock` for a rehearsal
/// (or a test) of what the bot does at a given moment, with time then flowing as usual — or,
/// with `--clock-rate`, `rate` times faster, so that a month of posting can be rehearsed in
/// minutes.
#[derive(Debug, Clone, Copy)]
pub struct ShiftedClock {
    start: DateTime<Utc>,
    /// The real instant at which the clock reads `start`.
    anchor: DateTime<Utc>,
    rate: u32,
}

impl ShiftedClock {
    /// A clock that reads `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self::flowing(start, Utc::now(), 1)
    }

    /// A clock that reads `start` at the real instant `anchor` and runs `rate` times faster
    /// than real time from there (a rate of 0 counts as 1). Instances given the same three
    /// read the same time, whenever each started.
    pub fn flowing(start: DateTime<Utc>, anchor: DateTime<Utc>, rate: u32) -> Self {
        ShiftedClock { start, anchor, rate: rate.max(1) }
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        self.start + (Utc::now() - self.anchor) * self.rate as i32
    }

    fn real_duration(&self, span: chrono::TimeDelta) -> std::time::Duration {
        (span / self.rate as i32).to_std().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_faster_clock_reads_its_start_at_its_anchor_and_shortens_real_waits() {
        let start: DateTime<Utc> = "2026-11-06T03:29:52Z".parse().unwrap();
        let anchor = Utc::now() - chrono::TimeDelta::seconds(2);
        let clock = ShiftedClock::flowing(start, anchor, 3600);
        // Two real seconds since the anchor are two hours on this clock (and a little more
        // for the time this test takes).
        let read = clock.now() - start;
        assert!(read >= chrono::TimeDelta::hours(2) && read < chrono::TimeDelta::hours(3), "{read}");
        assert_eq!(clock.real_duration(chrono::TimeDelta::hours(1)), std::time::Duration::from_secs(1));
        assert_eq!(SystemClock.real_duration(chrono::TimeDelta::hours(1)), std::time::Duration::from_secs(3600));
        assert_eq!(clock.real_duration(chrono::TimeDelta::seconds(-5)), std::time::Duration::ZERO);
    }
}
