//! The emulator's one clock. Everything that needs the time (token lifetimes, codes, jobs,
//! order state machines) reads it from here, never from the system directly, so that tests and
//! users can freeze, set and advance it.

use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, RwLock};

/// How the clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMode {
    /// Follows the system time, shifted by an offset (set/advance move the offset).
    Running,
    /// Stands still until set or advanced.
    Frozen,
}

#[derive(Debug)]
struct State {
    mode: ClockMode,
    /// Running: simulated minus system time. Frozen: unused.
    offset: SignedDuration,
    /// Frozen: the current time.
    frozen_at: Timestamp,
}

/// A shareable clock: real time by default, or simulated (frozen, set, advanced).
#[derive(Debug, Clone)]
pub struct Clock {
    state: Arc<RwLock<State>>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::real()
    }
}

impl Clock {
    /// A clock that follows the system time.
    pub fn real() -> Self {
        Clock {
            state: Arc::new(RwLock::new(State {
                mode: ClockMode::Running,
                offset: SignedDuration::ZERO,
                frozen_at: Timestamp::UNIX_EPOCH,
            })),
        }
    }

    /// A clock frozen at `at`.
    pub fn frozen(at: Timestamp) -> Self {
        let c = Self::real();
        c.freeze_at(at);
        c
    }

    fn system_now() -> Timestamp {
        // The only place that reads the system time.
        Timestamp::now()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        let s = self.read();
        match s.mode {
            ClockMode::Frozen => s.frozen_at,
            ClockMode::Running => Self::system_now()
                .checked_add(s.offset)
                .unwrap_or_else(|_| Self::system_now()),
        }
    }

    /// The current time in epoch microseconds (the store's unit).
    pub fn now_us(&self) -> i64 {
        self.now().as_microsecond()
    }

    /// Whether the clock is running or frozen.
    pub fn mode(&self) -> ClockMode {
        self.read().mode
    }

    /// Stops the clock where it is.
    pub fn freeze(&self) {
        let now = self.now();
        self.freeze_at(now);
    }

    /// Stops the clock at `at`.
    pub fn freeze_at(&self, at: Timestamp) {
        let mut s = self.write();
        s.mode = ClockMode::Frozen;
        s.frozen_at = at;
    }

    /// Lets the clock run again from where it stands.
    pub fn resume(&self) {
        let now = self.now();
        let mut s = self.write();
        s.mode = ClockMode::Running;
        s.offset = now.duration_since(Self::system_now());
    }

    /// Sets the time, keeping the mode.
    pub fn set(&self, at: Timestamp) {
        let mut s = self.write();
        match s.mode {
            ClockMode::Frozen => s.frozen_at = at,
            ClockMode::Running => s.offset = at.duration_since(Self::system_now()),
        }
    }

    /// Moves the time forward by `by` (negative durations are refused by callers).
    pub fn advance(&self, by: SignedDuration) {
        let now = self.now();
        let to = now.checked_add(by).unwrap_or(now);
        self.set(to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_when_told() {
        let t0: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let c = Clock::frozen(t0);
        assert_eq!(c.now(), t0);
        c.advance(SignedDuration::from_secs(3600));
        assert_eq!(
            c.now(),
            "2025-01-01T01:00:00Z".parse::<Timestamp>().unwrap()
        );
        let shared = c.clone();
        shared.set(t0);
        assert_eq!(c.now(), t0, "clones share one clock");
    }

    #[test]
    fn running_clock_keeps_its_offset() {
        let c = Clock::real();
        let target: Timestamp = "2030-06-01T00:00:00Z".parse().unwrap();
        c.set(target);
        let d = c.now().duration_since(target);
        assert!(
            d >= SignedDuration::ZERO && d < SignedDuration::from_secs(5),
            "{d:?}"
        );
        c.freeze();
        let f = c.now();
        c.resume();
        assert!(c.now() >= f);
    }
}
