//! The emulator's one clock. Everything that needs the time (token lifetimes, codes, jobs,
//! order state machines) reads it from here, never from the system directly, so that tests and
//! users can freeze, set and advance it.
//!
//! The clock is part of the world: a server changes it through [`apply`], which changes the
//! state stored in the world (`meta` key [`META_KEY`]) in one transaction that locks it, and
//! [`load`] puts a reopened world's clock back where it was. Several instances on one
//! PostgreSQL database share the stored clock: each follows it ([`refresh`], which the server
//! calls when the world's settings version moves, see `crate::fleet`), so a change made
//! through any instance is seen by all,
//! and [`apply`] starts from the stored state when another instance changed it, so changes
//! through different instances compose (an advance through one after a set through another
//! advances from the set time). Reads ([`Clock::now`]) never touch the store. The in-memory
//! methods ([`Clock::advance`], ...) change only this process's clock (tests use them
//! directly); they hold until the stored clock changes.

use crate::store::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, RwLock};

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
    /// The stored setting's text this process last wrote or adopted: a stored text that
    /// differs was written by another instance.
    seen: Arc<Mutex<Option<String>>>,
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

/// Applies `changes` in order to the world's clock: in one transaction that locks the stored
/// setting, starting from it when another instance changed it (else from this process's clock),
/// then puts `clock` at the result; the world's new settings version (see
/// `crate::fleet`). The one way a server changes its clock, so that a restart
/// on the same store resumes it and every instance on a shared store follows.
pub async fn apply(
    store: &Store,
    clock: &Clock,
    changes: &[ClockChange],
) -> Result<i64, StoreError> {
    let _order = clock.persist.lock().await;
    let mut tx = store.begin().await?;
    let stored = tx.lock_meta(META_KEY, &clock.setting().to_text()).await?;
    // Worked out on a scratch clock, so that a failed write leaves this process's clock as it
    // was.
    let next = Clock::real();
    next.restore(clock.setting());
    if clock.seen().as_deref() != Some(stored.as_str())
        && let Some(setting) = ClockSetting::from_text(&stored)
    {
        next.restore(setting);
    }
    for change in changes {
        match *change {
            ClockChange::Freeze => next.freeze(),
            ClockChange::Resume => next.resume(),
            ClockChange::Set(at) => next.set(at),
            ClockChange::Advance(by) => next.advance(by),
        }
    }
    let setting = next.setting();
    let text = setting.to_text();
    tx.set_meta(META_KEY, &text).await?;
    let version = tx.bump_settings_version().await?;
    tx.commit().await?;
    clock.restore(setting);
    clock.set_seen(text);
    Ok(version)
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
            clock.set_seen(text);
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

/// Reads the stored clock once and adopts it when another instance changed it since this
/// process last wrote or adopted it; whether it did.
pub async fn refresh(store: &Store, clock: &Clock) -> Result<bool, StoreError> {
    // A change of this process in progress writes the store itself; skip this round.
    let Ok(_order) = clock.persist.try_lock() else {
        return Ok(false);
    };
    let Some(text) = store.get_meta(META_KEY).await? else {
        return Ok(false);
    };
    if clock.seen().as_deref() == Some(text.as_str()) {
        return Ok(false);
    }
    let Some(setting) = ClockSetting::from_text(&text) else {
        return Ok(false);
    };
    clock.restore(setting);
    clock.set_seen(text);
    Ok(true)
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
            seen: Arc::new(Mutex::new(None)),
        }
    }

    fn seen(&self) -> Option<String> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    fn set_seen(&self, text: String) {
        *self
            .seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(text);
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

    #[tokio::test]
    async fn two_clocks_on_one_store_follow_each_other_and_compose() {
        // Two instances' clocks on one world.
        let store = Store::open_sqlite_in_memory().await.unwrap();
        let (a, b) = (Clock::real(), Clock::real());
        let t0: Timestamp = "2031-01-01T00:00:00Z".parse().unwrap();
        apply(&store, &a, &[ClockChange::Freeze, ClockChange::Set(t0)])
            .await
            .unwrap();
        assert_ne!(b.now(), t0, "b has not read the store yet");
        assert!(refresh(&store, &b).await.unwrap());
        assert_eq!(b.now(), t0);
        assert!(!refresh(&store, &b).await.unwrap(), "nothing new");
        // An advance through b starts from the stored time, even before a has refreshed.
        apply(
            &store,
            &b,
            &[ClockChange::Advance(SignedDuration::from_hours(2))],
        )
        .await
        .unwrap();
        // a, which has not refreshed, advances from b's result, not from its own state.
        apply(
            &store,
            &a,
            &[ClockChange::Advance(SignedDuration::from_hours(1))],
        )
        .await
        .unwrap();
        let t3: Timestamp = "2031-01-01T03:00:00Z".parse().unwrap();
        assert_eq!(a.now(), t3);
        assert!(refresh(&store, &b).await.unwrap());
        assert_eq!(b.now(), t3);
        // An in-process change holds until the stored clock changes.
        b.advance(SignedDuration::from_secs(60));
        assert!(!refresh(&store, &b).await.unwrap());
        assert_eq!(
            b.now(),
            "2031-01-01T03:01:00Z".parse::<Timestamp>().unwrap()
        );
        apply(
            &store,
            &b,
            &[ClockChange::Advance(SignedDuration::from_secs(60))],
        )
        .await
        .unwrap();
        assert_eq!(
            b.now(),
            "2031-01-01T03:02:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(refresh(&store, &a).await.unwrap());
        assert_eq!(a.now(), b.now());
    }
}
