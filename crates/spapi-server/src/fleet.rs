//! Several instances on one world: which instances are alive, and which version of the world's
//! shared settings (the clock, the usage-plan mode and overrides) each has taken.
//!
//! Every change of a shared setting bumps the settings version in its transaction
//! (`StoreTx::bump_settings_version`). Each instance on a shared (PostgreSQL) store polls the
//! version every [`POLL_EVERY`], adopts what changed, and reports the version it has taken
//! under its own `meta` key (`fleet.instance.<id>`, with a heartbeat of real time). The
//! instance that made a change waits ([`Fleet::wait_for`]) until every live instance has
//! reported it, so that when a control-plane call answers, the next SP-API call sees the new
//! clock or plan on whichever instance the load balancer picks. An instance that stops
//! reporting for [`LIVE_FOR`] is no longer waited for (it died; when it comes back it adopts
//! the current settings before it serves).
//!
//! Heartbeats use real time, not the emulator clock, which may be frozen.

use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often an instance on a shared store reads the settings version.
pub const POLL_EVERY: Duration = Duration::from_millis(50);
/// How often an instance reports itself when nothing changed.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// An instance that has not reported for this long is not waited for.
pub const LIVE_FOR: Duration = Duration::from_secs(3);
/// The longest [`Fleet::wait_for`] waits.
pub const WAIT_AT_MOST: Duration = Duration::from_secs(3);

const INSTANCE_PREFIX: &str = "fleet.instance.";

#[derive(Serialize, Deserialize)]
struct Report {
    /// The settings version the instance has taken.
    seen: i64,
    /// When it reported, in milliseconds since the epoch (real time).
    at_ms: i64,
}

fn real_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// This instance's membership of the fleet sharing its store.
#[derive(Debug)]
pub struct Fleet {
    store: Store,
    id: String,
    /// Whether other instances may share the store (PostgreSQL); on SQLite, one instance.
    shared: bool,
    seen: AtomicI64,
}

impl Fleet {
    /// This instance, on `store`; `shared` when other instances may use the same store.
    pub fn new(store: Store, shared: bool) -> Arc<Fleet> {
        Arc::new(Fleet {
            store,
            id: uuid::Uuid::new_v4().simple().to_string(),
            shared,
            seen: AtomicI64::new(0),
        })
    }

    /// Whether other instances may share the store.
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// This instance's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The settings version this instance last reported.
    pub fn seen(&self) -> i64 {
        self.seen.load(Ordering::Relaxed)
    }

    /// Reports that this instance has taken settings version `seen`.
    pub async fn report(&self, seen: i64) -> Result<(), StoreError> {
        self.seen.fetch_max(seen, Ordering::Relaxed);
        if !self.shared {
            return Ok(());
        }
        let text = serde_json::to_string(&Report {
            seen: self.seen(),
            at_ms: real_ms(),
        })
        .unwrap_or_default();
        self.store
            .set_meta(&format!("{INSTANCE_PREFIX}{}", self.id), &text)
            .await
    }

    /// Removes this instance from the fleet (a clean shutdown).
    pub async fn leave(&self) {
        if self.shared {
            let _ = self
                .store
                .delete_meta(&format!("{INSTANCE_PREFIX}{}", self.id))
                .await;
        }
    }

    /// The live instances that have not reported settings version `version` yet.
    pub async fn behind(&self, version: i64) -> Result<Vec<String>, StoreError> {
        let now = real_ms();
        let live = LIVE_FOR.as_millis() as i64;
        Ok(self
            .store
            .meta_with_prefix(INSTANCE_PREFIX)
            .await?
            .into_iter()
            .filter_map(|(key, value)| {
                let r: Report = serde_json::from_str(&value).ok()?;
                let id = key.strip_prefix(INSTANCE_PREFIX)?.to_string();
                (id != self.id && now - r.at_ms < live && r.seen < version).then_some(id)
            })
            .collect())
    }

    /// Waits until every live instance has taken settings version `version` (this one took
    /// it when it made the change), at most [`WAIT_AT_MOST`].
    pub async fn wait_for(&self, version: i64) {
        self.seen.fetch_max(version, Ordering::Relaxed);
        if !self.shared {
            return;
        }
        let _ = self.report(version).await;
        let deadline = tokio::time::Instant::now() + WAIT_AT_MOST;
        loop {
            match self.behind(version).await {
                Ok(b) if b.is_empty() => return,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the fleet's reports");
                    return;
                }
                Ok(b) if tokio::time::Instant::now() >= deadline => {
                    tracing::warn!(instances = ?b, version, "instances did not take the new settings in time");
                    return;
                }
                Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }
}
