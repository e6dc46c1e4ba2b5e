//! Traffic: the usage-plan, fault and request-log stages' shared state, and their control-plane
//! routes (`/emulator/v1/limits`, `/faults`, `/requests`).
//!
//! The request log is written off the request path: the pipeline hands each entry to a bounded
//! channel and a background task writes them in batches (one transaction per batch). Reading
//! the log through the control plane first waits until everything this instance has answered
//! so far is written. If the writer falls behind by more than [`LOG_QUEUE`] entries, new entries
//! are dropped and counted (`dropped` in `GET /requests`) rather than slowing the calls down.
//! The log keeps the newest [`REQUEST_LOG_KEEP`] entries: every few thousand writes the older
//! ones are deleted, so long load runs do not grow the store without end.

use super::ApiError;
use super::faults::{Faults, NewFault};
use super::throttle::{
    FALLBACK_PLAN, LimitOverride, SANDBOX_PLAN, Throttle, ThrottleMode, base_plan,
};
use crate::clock::Clock;
use crate::store::Store;
use crate::store::traffic::{TrafficEntry, TrafficQuery};
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use spapi_model::OPERATIONS;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, oneshot};

/// Entries waiting to be written before new ones are dropped.
pub const LOG_QUEUE: usize = 16 * 1024;

/// Entries written per transaction at most.
const LOG_BATCH: usize = 512;

enum LogMsg {
    Entry(Box<TrafficEntry>),
    /// Answered once everything sent before it is written.
    Flush(oneshot::Sender<()>),
    /// Like `Flush`, then the writer stops.
    Close(oneshot::Sender<()>),
}

/// The `meta` key under which instances sharing a PostgreSQL store keep the usage-plan mode
/// and overrides.
pub const THROTTLE_META_KEY: &str = "traffic.throttle";

/// On a shared store, how long a read of the request log through the control plane waits for
/// entries other instances have queued (each writes its own log in the background, within
/// milliseconds of answering).
pub const SHARED_LOG_GRACE: std::time::Duration = std::time::Duration::from_millis(100);

/// The usage plans, the fault rules and the request log of one instance.
pub struct Traffic {
    /// The usage-plan stage.
    pub throttle: Throttle,
    /// The fault-injection stage.
    pub faults: Faults,
    store: Store,
    log: Option<mpsc::Sender<LogMsg>>,
    dropped: AtomicU64,
    /// The stored usage-plan settings' text this instance last wrote or adopted.
    seen: std::sync::Mutex<Option<String>>,
    /// The instances sharing the world, waited for after a change of the settings.
    fleet: Option<Arc<crate::fleet::Fleet>>,
}

impl std::fmt::Debug for Traffic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Traffic")
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

impl Traffic {
    /// The traffic stages over `store`: buckets in memory on SQLite and in the database on
    /// PostgreSQL, and a request-log writer task (so this must run inside a Tokio runtime).
    pub fn start(
        store: Store,
        clock: Clock,
        mode: ThrottleMode,
        fleet: Option<Arc<crate::fleet::Fleet>>,
    ) -> Arc<Traffic> {
        let (tx, rx) = mpsc::channel(LOG_QUEUE);
        tokio::spawn(write_log(store.clone(), rx));
        Arc::new(Traffic {
            throttle: Throttle::for_store(mode, clock, &store),
            faults: Faults::new(),
            store,
            log: Some(tx),
            dropped: AtomicU64::new(0),
            seen: Default::default(),
            fleet,
        })
    }

    /// On a shared store, adopts the usage-plan settings another instance stored since this
    /// one last wrote or adopted them.
    pub async fn refresh(&self) {
        if !self.throttle.shared() {
            return;
        }
        match self.store.get_meta(THROTTLE_META_KEY).await {
            Ok(Some(text)) => {
                let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                if seen.as_deref() != Some(text.as_str()) && self.throttle.adopt_settings(&text) {
                    *seen = Some(text);
                }
            }
            Ok(None) => {}
            Err(e) => tracing::debug!(error = %e, "reading the shared usage-plan settings"),
        }
    }

    /// On a shared store, writes this instance's usage-plan settings for the others and
    /// waits until every instance has taken them.
    pub async fn publish(&self) -> Result<(), ApiError> {
        if !self.throttle.shared() {
            return Ok(());
        }
        let text = self.throttle.settings_text();
        let mut tx = self.store.begin().await.map_err(ApiError::internal)?;
        tx.set_meta(THROTTLE_META_KEY, &text)
            .await
            .map_err(ApiError::internal)?;
        let version = tx
            .bump_settings_version()
            .await
            .map_err(ApiError::internal)?;
        tx.commit().await.map_err(ApiError::internal)?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(text);
        if let Some(fleet) = &self.fleet {
            fleet.wait_for(version).await;
        }
        Ok(())
    }

    /// Stages that do nothing: no throttling, no faults, no log.
    pub fn inert(store: Store, clock: Clock) -> Arc<Traffic> {
        Arc::new(Traffic {
            throttle: Throttle::in_memory(ThrottleMode::Off, clock),
            faults: Faults::new(),
            store,
            log: None,
            dropped: AtomicU64::new(0),
            seen: Default::default(),
            fleet: None,
        })
    }

    /// Queues a request-log entry.
    pub fn record(&self, entry: TrafficEntry) {
        if let Some(tx) = &self.log
            && let Err(mpsc::error::TrySendError::Full(_)) =
                tx.try_send(LogMsg::Entry(Box::new(entry)))
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until every entry queued so far is written.
    pub async fn flush(&self) {
        if let Some(tx) = &self.log {
            let (ack, done) = oneshot::channel();
            if tx.send(LogMsg::Flush(ack)).await.is_ok() {
                let _ = done.await;
            }
        }
    }

    /// Writes what is queued and stops the writer (before the store closes).
    pub async fn close(&self) {
        if let Some(tx) = &self.log {
            let (ack, done) = oneshot::channel();
            if tx.send(LogMsg::Close(ack)).await.is_ok() {
                let _ = done.await;
            }
        }
    }

    /// Entries dropped because the writer fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The store the log is written to.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// How many request-log entries are kept: the newest ones (older ones are deleted as new ones
/// are written).
pub const REQUEST_LOG_KEEP: i64 = 200_000;
/// Entries written between two trims of the log.
const TRIM_EVERY: usize = 5_000;

async fn write_log(store: Store, mut rx: mpsc::Receiver<LogMsg>) {
    let mut batch: Vec<TrafficEntry> = Vec::new();
    let mut since_trim = 0usize;
    let mut acks: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = rx.recv().await {
        let mut closing = false;
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                LogMsg::Entry(e) => batch.push(*e),
                LogMsg::Flush(ack) => acks.push(ack),
                LogMsg::Close(ack) => {
                    acks.push(ack);
                    closing = true;
                    break;
                }
            }
            if batch.len() >= LOG_BATCH {
                break;
            }
            next = rx.try_recv().ok();
        }
        if let Err(e) = store.log_traffic(&batch).await {
            tracing::error!(error = %e, entries = batch.len(), "writing the request log");
        }
        since_trim += batch.len();
        batch.clear();
        if since_trim >= TRIM_EVERY {
            since_trim = 0;
            if let Err(e) = store.trim_traffic(REQUEST_LOG_KEEP).await {
                tracing::warn!(error = %e, "trimming the request log");
            }
        }
        for ack in acks.drain(..) {
            let _ = ack.send(());
        }
        if closing {
            break;
        }
    }
}

/// The routes, to be merged into the control plane (which guards them with the admin token).
/// The handlers find the [`Traffic`] state in an `Extension<Arc<Traffic>>`.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/limits", get(get_limits).post(set_limits))
        .route("/limits/operations", get(limit_operations))
        .route(
            "/limits/overrides",
            get(list_overrides)
                .post(add_override)
                .delete(clear_overrides),
        )
        .route("/limits/overrides/{id}", delete(remove_override))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/faults/{id}", delete(remove_fault))
        .route("/requests", get(list_requests))
}

type Reply = Result<Response, ApiError>;
type State = Extension<Arc<Traffic>>;

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        ApiError::invalid_input(format!("Invalid request body: [{}]", e.path()))
            .with_details(e.into_inner().to_string())
    })
}

fn plan_json(rate: f64, burst: u32) -> Value {
    json!({"rate": rate, "burst": burst})
}

fn limits_view(t: &Traffic) -> Value {
    json!({
        "mode": t.throttle.mode(),
        "shared_buckets": t.throttle.shared(),
        "fallback_plan": plan_json(FALLBACK_PLAN.rate, FALLBACK_PLAN.burst),
        "sandbox_plan": plan_json(SANDBOX_PLAN.rate, SANDBOX_PLAN.burst),
        "overrides": t.throttle.overrides(),
    })
}

async fn get_limits(Extension(t): State) -> Reply {
    Ok(Json(limits_view(&t)).into_response())
}

/// `{"mode": "real" | "off" | "scaled:N"}`, `{"reset": true}` (refill every bucket).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsBody {
    mode: Option<String>,
    #[serde(default)]
    reset: bool,
}

async fn set_limits(Extension(t): State, body: bytes::Bytes) -> Reply {
    let b: LimitsBody = parse(&body)?;
    t.refresh().await;
    if let Some(m) = &b.mode {
        let mode: ThrottleMode = m
            .parse()
            .map_err(|e: String| ApiError::invalid_parameter("mode", e))?;
        t.throttle.set_mode(mode);
        t.publish().await?;
    }
    if b.reset {
        t.throttle.clear_buckets(None).await;
    }
    Ok(Json(limits_view(&t)).into_response())
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

fn query_get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Every operation with the plan a call would get (for `seller` and `app` when given).
async fn limit_operations(Extension(t): State, RawQuery(q): RawQuery) -> Reply {
    let pairs = query_pairs(q.as_deref());
    let seller = query_get(&pairs, "seller").unwrap_or("");
    let app = query_get(&pairs, "app").unwrap_or("");
    let api = query_get(&pairs, "api");
    let ops: Vec<Value> = OPERATIONS
        .iter()
        .filter(|op| api.is_none_or(|a| a == op.api))
        .map(|op| {
            let (base, source) = base_plan(op);
            let (applied, header) = t.throttle.plan_for(op, app, seller, false);
            json!({
                "api": op.api,
                "operation": op.operation_id,
                "method": op.method.as_str(),
                "path": op.path,
                "plan": plan_json(base.rate, base.burst),
                "source": source,
                "applied": applied.map(|(r, b)| plan_json(r, b)),
                "rate_limit_header": header.to_str().unwrap_or_default(),
            })
        })
        .collect();
    Ok(Json(json!({"mode": t.throttle.mode(), "operations": ops})).into_response())
}

async fn list_overrides(Extension(t): State) -> Reply {
    Ok(Json(json!({"overrides": t.throttle.overrides()})).into_response())
}

async fn add_override(Extension(t): State, body: bytes::Bytes) -> Reply {
    let o: LimitOverride = parse(&body)?;
    t.refresh().await;
    let o = t
        .throttle
        .add_override(o)
        .await
        .map_err(ApiError::invalid_input)?;
    t.publish().await?;
    Ok((StatusCode::CREATED, Json(o)).into_response())
}

async fn clear_overrides(Extension(t): State) -> Reply {
    t.refresh().await;
    let n = t.throttle.clear_overrides().await;
    t.publish().await?;
    Ok(Json(json!({"removed": n})).into_response())
}

fn parse_id(id: &str) -> Result<u64, ApiError> {
    id.parse()
        .map_err(|_| ApiError::invalid_parameter("id", format!("{id:?} is not a number")))
}

async fn remove_override(Extension(t): State, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id)?;
    t.refresh().await;
    if t.throttle.remove_override(id).await {
        t.publish().await?;
        Ok(Json(json!({"removed": 1})).into_response())
    } else {
        Err(ApiError::not_found().with_details(format!("override {id} does not exist.")))
    }
}

async fn list_faults(Extension(t): State) -> Reply {
    Ok(Json(json!({"faults": t.faults.list()})).into_response())
}

async fn add_fault(Extension(t): State, body: bytes::Bytes) -> Reply {
    let f: NewFault = parse(&body)?;
    let rule = t.faults.add(f).map_err(ApiError::invalid_input)?;
    Ok((StatusCode::CREATED, Json(rule)).into_response())
}

async fn clear_faults(Extension(t): State) -> Reply {
    Ok(Json(json!({"removed": t.faults.clear()})).into_response())
}

async fn remove_fault(Extension(t): State, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id)?;
    if t.faults.remove(id) {
        Ok(Json(json!({"removed": 1})).into_response())
    } else {
        Err(ApiError::not_found().with_details(format!("fault {id} does not exist.")))
    }
}

/// The most entries one call returns.
const MAX_REQUESTS: u32 = 1000;

use crate::time::iso_exact as iso;

/// How the control plane shows a request-log entry.
pub fn entry_view(e: &TrafficEntry) -> Value {
    json!({
        "id": e.id,
        "request_id": e.request_id,
        "at": iso(e.at_us),
        "method": e.method,
        "path": e.path,
        "operation": e.operation_id,
        "status": e.status,
        "seller": e.seller_id,
        "app": e.app_id,
        "latency_ms": e.duration_us as f64 / 1000.0,
        "throttled": e.throttled,
        "fault": e.fault,
        "sandbox": e.sandbox,
    })
}

/// `GET /requests?limit=50&after=ID&operation=getOrders&seller=..&app=..&status=429&throttled=true&faulted=true`:
/// the newest entries first, or with `after` the entries after that id, oldest first (to follow
/// the log).
async fn list_requests(Extension(t): State, RawQuery(q): RawQuery) -> Reply {
    let pairs = query_pairs(q.as_deref());
    let num = |name: &str| -> Result<Option<i64>, ApiError> {
        query_get(&pairs, name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    ApiError::invalid_parameter(name, format!("{v:?} is not an integer"))
                })
            })
            .transpose()
    };
    let flag = |name: &str| matches!(query_get(&pairs, name), Some("true" | "1"));
    let limit = num("limit")?
        .unwrap_or(50)
        .clamp(1, i64::from(MAX_REQUESTS));
    let status = num("status")?
        .map(|s| {
            u16::try_from(s).map_err(|_| ApiError::invalid_parameter("status", "not a status"))
        })
        .transpose()?;
    let query = TrafficQuery {
        limit: u32::try_from(limit).unwrap_or(MAX_REQUESTS),
        after_id: num("after")?,
        operation_id: query_get(&pairs, "operation").map(str::to_string),
        seller_id: query_get(&pairs, "seller").map(str::to_string),
        app_id: query_get(&pairs, "app").map(str::to_string),
        status,
        throttled: flag("throttled"),
        faulted: flag("faulted"),
    };
    t.flush().await;
    if t.throttle.shared() {
        // Other instances write their entries within milliseconds of answering: wait that
        // long, so that a call answered through any instance is in the log read here.
        tokio::time::sleep(SHARED_LOG_GRACE).await;
    }
    let entries = t.store.traffic(&query).await.map_err(ApiError::internal)?;
    Ok(Json(json!({
        "requests": entries.iter().map(entry_view).collect::<Vec<_>>(),
        "dropped": t.dropped(),
    }))
    .into_response())
}
