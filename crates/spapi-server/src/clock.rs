//! The emulator's one clock. Everything that needs the time (token lifetimes, codes, jobs,
//! order state machines) reads it from here, never from the system directly, so that tests and
//! users can freeze, set and advance it.
//!
//! The clock is part of the world: a server changes it through [`apply`], which also writes
//! its state to the store (`meta` key [`META_KEY`]), and [`load`] puts a reopened world's
//! clock back where it was. The in-memory methods ([`Clock::advance`], ...) change only this
//! process's clock (tests use them directly).

use crate::store::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};

/// The `meta` key under which the world keeps its clock.
pub const META_KEY: &str = "clock";

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
    /// Held by [`apply`] from the change to the end of the store write, so that concurrent
    /// changes reach the store in the order they were made.
    persist: Arc<tokio::sync::Mutex<()>>,
}

/// What the world keeps of a clock: enough to put it back after a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockSetting {
    /// Follows the system time, shifted by `offset` (simulated minus system time).
    Running {
        /// Simulated minus system time.
        offset: SignedDuration,
    },
    /// Stands still at `at`.
    Frozen {
        /// The time it shows.
        at: Timestamp,
    },
}

/// The stored form of a [`ClockSetting`] (JSON in `meta`): the offset as an ISO 8601 duration,
/// the frozen instant as RFC 3339, both exact to the nanosecond.
#[derive(Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
enum StoredSetting {
    Running { offset: String },
    Frozen { at: String },
}

impl ClockSetting {
    /// The text stored under [`META_KEY`].
    pub fn to_text(&self) -> String {
        let stored = match self {
            ClockSetting::Running { offset } => StoredSetting::Running {
                offset: offset.to_string(),
            },
            ClockSetting::Frozen { at } => StoredSetting::Frozen { at: at.to_string() },
        };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads the text stored under [`META_KEY`]; `None` when it is not a clock setting.
    pub fn from_text(text: &str) -> Option<Self> {
        Some(match serde_json::from_str::<StoredSetting>(text).ok()? {
            StoredSetting::Running { offset } => ClockSetting::Running {
                offset: offset.parse().ok()?,
            },
            StoredSetting::Frozen { at } => ClockSetting::Frozen {
                at: at.parse().ok()?,
            },
        })
    }
}

/// One change of the clock, as the control plane asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChange {
    /// Stop where it stands.
    Freeze,
    /// Run again from where it stands.
    Resume,
    /// Show this time, keeping the mode.
    Set(Timestamp),
    /// Move forward by this much.
    Advance(SignedDuration),
}

/// Applies `changes` in order to `clock` and writes the resulting state to the world's store:
/// the one way a server changes its clock, so that a restart on the same store resumes it.
pub async fn apply(
    store: &Store,
    clock: &Clock,
    changes: &[ClockChange],
) -> Result<(), StoreError> {
    let _order = clock.persist.lock().await;
    for change in changes {
        match *change {
            ClockChange::Freeze => clock.freeze(),
            ClockChange::Resume => clock.resume(),
            ClockChange::Set(at) => clock.set(at),
            ClockChange::Advance(by) => clock.advance(by),
        }
    }
    store.set_meta(META_KEY, &clock.setting().to_text()).await
}

/// Puts `clock` where the world's store says it was; `false` (the clock untouched) when the
/// store keeps no clock (a new world, or one whose clock was never changed).
pub async fn load(store: &Store, clock: &Clock) -> Result<bool, StoreError> {
    let Some(text) = store.get_meta(META_KEY).await? else {
        return Ok(false);
    };
    match ClockSetting::from_text(&text) {
        Some(setting) => {
            clock.restore(setting);
            Ok(true)
        }
        None => {
            // Not written by this version: the world keeps running on the given clock rather
            // than refusing to start.
            tracing::warn!(value = %text, "ignoring an unreadable stored clock");
            Ok(false)
        }
    }
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
            persist: Arc::new(tokio::sync::Mutex::new(())),
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

    /// The clock's state, as the world keeps it.
    pub fn setting(&self) -> ClockSetting {
        let s = self.read();
        match s.mode {
            ClockMode::Running => ClockSetting::Running { offset: s.offset },
            ClockMode::Frozen => ClockSetting::Frozen { at: s.frozen_at },
        }
    }

    /// Puts the clock in a state read back from the world (see [`load`]).
    pub fn restore(&self, setting: ClockSetting) {
        let mut s = self.write();
        match setting {
            ClockSetting::Running { offset } => {
                s.mode = ClockMode::Running;
                s.offset = offset;
            }
            ClockSetting::Frozen { at } => {
                s.mode = ClockMode::Frozen;
                s.frozen_at = at;
            }
        }
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

    #[test]
    fn settings_survive_their_text_exactly() {
        let frozen = ClockSetting::Frozen {
            at: "2025-01-01T01:02:03.123456789Z".parse().unwrap(),
        };
        let running = ClockSetting::Running {
            offset: SignedDuration::new(2 * 86_400 + 17, 123_456_789),
        };
        let behind = ClockSetting::Running {
            offset: SignedDuration::from_secs(-3600),
        };
        for s in [frozen, running, behind] {
            assert_eq!(
                ClockSetting::from_text(&s.to_text()),
                Some(s),
                "{}",
                s.to_text()
            );
        }
        assert_eq!(ClockSetting::from_text("yesterday"), None);
        assert_eq!(
            ClockSetting::from_text(r#"{"mode":"frozen","at":"x"}"#),
            None
        );
    }

    #[test]
    fn a_restored_clock_shows_what_the_setting_says() {
        let c = Clock::real();
        c.advance(SignedDuration::from_hours(48));
        let saved = c.setting();
        let again = Clock::real();
        again.restore(saved);
        let ahead = again.now().duration_since(Clock::system_now());
        assert!(ahead >= SignedDuration::from_hours(48) - SignedDuration::from_secs(5));
        let at: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        again.restore(ClockSetting::Frozen { at });
        assert_eq!(again.now(), at);
        assert_eq!(again.mode(), ClockMode::Frozen);
    }

    #[tokio::test]
    async fn apply_writes_the_state_and_load_reads_it() {
        let store = Store::open_sqlite_in_memory().await.unwrap();
        let c = Clock::real();
        let at: Timestamp = "2031-05-06T07:08:09Z".parse().unwrap();
        apply(
            &store,
            &c,
            &[
                ClockChange::Freeze,
                ClockChange::Set(at),
                ClockChange::Advance(SignedDuration::from_secs(60)),
            ],
        )
        .await
        .unwrap();
        let fresh = Clock::real();
        assert!(load(&store, &fresh).await.unwrap());
        assert_eq!(
            fresh.now(),
            "2031-05-06T07:09:09Z".parse::<Timestamp>().unwrap()
        );
        let empty = Store::open_sqlite_in_memory().await.unwrap();
        assert!(!load(&empty, &Clock::real()).await.unwrap());
    }
}
