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

    /// The scheduler is about to wait (`true`) or has woken (`false`): a rehearsal's clock
    /// runs fast meanwhile (see [`ShiftedClock`]).
    fn waiting(&self, _waiting: bool) {}
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
/// (or a test) of what the bot does at a given moment, with time then flowing as usual —
/// and, with `--clock-rate N`, flowing N times faster while the bot waits for its next
/// post, so that a month of posting is rehearsed in minutes. Work itself (a scheduler run,
/// a vote) takes the time it really takes: a slow run never makes the clock skip past what
/// it still has to post, however busy the machine.
#[derive(Debug, Clone)]
pub struct ShiftedClock(Arc<Mutex<Flow>>);

#[derive(Debug)]
struct Flow {
    /// The clock read `at` when real time was `real`, ...
    at: DateTime<Utc>,
    real: std::time::Instant,
    /// ... and has run this many times faster since (1, or the rate while waiting).
    rate: i32,
    waiting_rate: i32,
}

impl Flow {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::TimeDelta::from_std(self.real.elapsed()).unwrap_or_default();
        self.at + elapsed * self.rate
    }
}

impl ShiftedClock {
    /// A clock that reads `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self::fast_forwarding(start, 1)
    }

    /// A clock that reads `start` now and runs `rate` times faster while the bot waits (a
    /// rate of 0 counts as 1).
    pub fn fast_forwarding(start: DateTime<Utc>, rate: u32) -> Self {
        let waiting_rate = i32::try_from(rate.max(1)).unwrap_or(i32::MAX);
        ShiftedClock(Arc::new(Mutex::new(Flow { at: start, real: std::time::Instant::now(), rate: 1, waiting_rate })))
    }

    fn flow(&self) -> std::sync::MutexGuard<'_, Flow> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        self.flow().now()
    }

    fn real_duration(&self, span: chrono::TimeDelta) -> std::time::Duration {
        (span / self.flow().waiting_rate).to_std().unwrap_or_default()
    }

    fn waiting(&self, waiting: bool) {
        let mut flow = self.flow();
        let (at, real) = (flow.now(), std::time::Instant::now());
        let rate = if waiting { flow.waiting_rate } else { 1 };
        *flow = Flow { at, real, rate, waiting_rate: flow.waiting_rate };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fast_forwarding_clock_runs_fast_only_while_waiting_and_shortens_real_waits() {
        let start: DateTime<Utc> = "2026-11-06T03:29:52Z".parse().unwrap();
        let clock = ShiftedClock::fast_forwarding(start, 3600);
        let real = std::time::Duration::from_millis(30);
        std::thread::sleep(real);
        let working = clock.now() - start;
        assert!(working >= chrono::TimeDelta::milliseconds(30) && working < chrono::TimeDelta::seconds(5), "{working}");
        clock.waiting(true);
        std::thread::sleep(real);
        clock.waiting(false);
        let waited = clock.now() - start - working;
        // 30 ms waiting are 108 s on this clock (and a little more for the time this takes).
        assert!(waited >= chrono::TimeDelta::seconds(108) && waited < chrono::TimeDelta::seconds(1000), "{waited}");
        assert_eq!(clock.real_duration(chrono::TimeDelta::hours(1)), std::time::Duration::from_secs(1));
        assert_eq!(SystemClock.real_duration(chrono::TimeDelta::hours(1)), std::time::Duration::from_secs(3600));
        assert_eq!(clock.real_duration(chrono::TimeDelta::seconds(-5)), std::time::Duration::ZERO);
    }
}
