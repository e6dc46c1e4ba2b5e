//! Fault injection: what Amazon's sandbox cannot show. Rules set through the control plane make
//! chosen calls fail with an error status and code, wait longer, or lose their connection,
//! either with a probability or for the next N matching calls; the LWA token endpoint can be
//! made to fail the same way.
//!
//! A rule matches by target (SP-API operations or the LWA token endpoint), operation
//! (`getOrders` or `orders_v0.getOrders`; default all), seller and app. For each call the rules
//! are walked in creation order: every matching latency rule that fires adds its delay; the
//! first matching error or drop rule that fires decides the answer, and later error or drop
//! rules are not consulted (their counts stay). A rule with `times` is removed once spent.
//!
//! On the SP-API side faults come after authentication and the usage plan (a faulted call
//! has used a token, as a call that fails in Amazon's backend has), before validation.

use super::ApiError;
use crate::store::Store;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use spapi_model::Operation;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// What a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultTarget {
    /// SP-API operations.
    #[default]
    SpApi,
    /// The LWA token endpoint (`POST /auth/o2/token`).
    Lwa,
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultError {
    /// HTTP status (400-599).
    pub status: u16,
    /// SP-API error code (`ServiceUnavailable`, `QuotaExceeded`...) or, for LWA, the OAuth
    /// `error` (`server_error`, `temporarily_unavailable`...); default: the usual one for the
    /// status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Message (LWA: `error_description`); default: Amazon's for the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with an error.
    Error(FaultError),
    /// Wait this many milliseconds (wall time) before going on.
    Latency {
        /// Milliseconds.
        ms: u64,
    },
    /// Close the connection without an answer.
    Drop,
}

/// A fault rule as the control plane takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFault {
    /// `sp-api` (default) or `lwa`.
    #[serde(default)]
    pub target: FaultTarget,
    /// Only this operation (`getOrders` or `orders_v0.getOrders`); default all. SP-API only.
    #[serde(default)]
    pub operation: Option<String>,
    /// Only calls for this seller. SP-API only.
    #[serde(default)]
    pub seller: Option<String>,
    /// Only calls of this app (application id; for LWA also its client id).
    #[serde(default)]
    pub app: Option<String>,
    /// Answer with this error.
    #[serde(default)]
    pub error: Option<FaultError>,
    /// Add this latency, in milliseconds.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Drop the connection.
    #[serde(default)]
    pub drop: bool,
    /// Chance that a matching call is hit, 0 to 1 (default 1).
    #[serde(default)]
    pub probability: Option<f64>,
    /// Hit only the next N matching calls, then the rule goes away (default: until removed).
    #[serde(default)]
    pub times: Option<u32>,
}

/// A rule in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultRule {
    /// Assigned on creation.
    pub id: u64,
    /// What it applies to.
    pub target: FaultTarget,
    /// Operation selector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Seller filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller: Option<String>,
    /// App filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// What it does.
    pub action: FaultAction,
    /// Chance of hitting a matching call.
    pub probability: f64,
    /// Matching calls it still hits; `None`: until removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    /// Calls it has hit so far.
    pub hits: u64,
}

/// Who is calling, as far as the rules care.
#[derive(Debug, Clone, Copy, Default)]
pub struct Subject<'a> {
    /// The operation (SP-API only).
    pub op: Option<&'a Operation>,
    /// The seller, if known.
    pub seller: Option<&'a str>,
    /// The application id, if known.
    pub app: Option<&'a str>,
    /// The LWA client id, if known.
    pub client_id: Option<&'a str>,
}

/// What the rules decided for one call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Injected {
    /// Added latency.
    pub latency: Duration,
    /// The answer instead of the normal one, if any.
    pub terminal: Option<Terminal>,
    /// What happened, for the request log (`latency 200ms; error 503 ServiceUnavailable`).
    pub label: Option<String>,
}

/// An answer that replaces the normal one.
#[derive(Debug, Clone, PartialEq)]
pub enum Terminal {
    /// An error.
    Error(FaultError),
    /// No answer: the connection is closed.
    Drop,
}

impl NewFault {
    fn into_rule(self, id: u64) -> Result<FaultRule, String> {
        let actions = usize::from(self.error.is_some())
            + usize::from(self.latency_ms.is_some())
            + usize::from(self.drop);
        if actions != 1 {
            return Err("give exactly one of error, latency_ms, drop".into());
        }
        let probability = self.probability.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&probability) {
            return Err(format!(
                "probability must be between 0 and 1, not {probability}"
            ));
        }
        if self.times == Some(0) {
            return Err("times must be at least 1".into());
        }
        if let Some(op) = &self.operation {
            if self.target == FaultTarget::Lwa {
                return Err("operation does not apply to lwa faults".into());
            }
            super::throttle::check_operation_selector(op)?;
        }
        if self.seller.is_some() && self.target == FaultTarget::Lwa {
            return Err("seller does not apply to lwa faults (filter by app)".into());
        }
        let action = if let Some(e) = self.error {
            if !(400..=599).contains(&e.status) {
                return Err(format!("error status must be 400-599, not {}", e.status));
            }
            FaultAction::Error(e)
        } else if let Some(ms) = self.latency_ms {
            if ms > 600_000 {
                return Err("latency_ms must be at most 600000".into());
            }
            FaultAction::Latency { ms }
        } else {
            FaultAction::Drop
        };
        Ok(FaultRule {
            id,
            target: self.target,
            operation: self.operation,
            seller: self.seller,
            app: self.app,
            action,
            probability,
            remaining: self.times,
            hits: 0,
        })
    }
}

impl FaultRule {
    fn matches(&self, target: FaultTarget, s: &Subject<'_>) -> bool {
        self.target == target
            && self.operation.as_deref().is_none_or(|sel| {
                s.op.is_some_and(|op| super::throttle::operation_matches(sel, op))
            })
            && self.seller.as_deref().is_none_or(|x| s.seller == Some(x))
            && self
                .app
                .as_deref()
                .is_none_or(|x| s.app == Some(x) || s.client_id == Some(x))
    }

    fn label(&self) -> String {
        match &self.action {
            FaultAction::Error(e) => match &e.code {
                Some(c) => format!("error {} {c}", e.status),
                None => format!("error {}", e.status),
            },
            FaultAction::Latency { ms } => format!("latency {ms}ms"),
            FaultAction::Drop => "drop".to_string(),
        }
    }
}

/// The rules in force.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    /// How many rules there are, read without the lock on every call.
    count: AtomicUsize,
    next_id: AtomicU64,
}

impl Faults {
    /// No rules.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a rule; returns it with its id.
    pub fn add(&self, new: NewFault) -> Result<FaultRule, String> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let rule = new.into_rule(id)?;
        let mut rules = self.lock();
        rules.push(rule.clone());
        self.count.store(rules.len(), Ordering::Release);
        Ok(rule)
    }

    /// The rules, oldest first.
    pub fn list(&self) -> Vec<FaultRule> {
        self.lock().clone()
    }

    /// Removes rule `id`; whether it existed.
    pub fn remove(&self, id: u64) -> bool {
        let mut rules = self.lock();
        let before = rules.len();
        rules.retain(|r| r.id != id);
        self.count.store(rules.len(), Ordering::Release);
        rules.len() != before
    }

    /// Removes every rule; how many there were.
    pub fn clear(&self) -> usize {
        let mut rules = self.lock();
        let n = rules.len();
        rules.clear();
        self.count.store(0, Ordering::Release);
        n
    }

    /// Decides what the rules do to a call.
    pub fn evaluate(&self, target: FaultTarget, subject: &Subject<'_>) -> Injected {
        if self.count.load(Ordering::Acquire) == 0 {
            return Injected::default();
        }
        let mut out = Injected::default();
        let mut labels = Vec::new();
        let mut rules = self.lock();
        for rule in rules.iter_mut() {
            let terminal = !matches!(rule.action, FaultAction::Latency { .. });
            if (terminal && out.terminal.is_some()) || !rule.matches(target, subject) {
                continue;
            }
            if rule.probability < 1.0 && rand::random::<f64>() >= rule.probability {
                continue;
            }
            rule.hits += 1;
            if let Some(n) = &mut rule.remaining {
                *n -= 1;
            }
            labels.push(rule.label());
            match &rule.action {
                FaultAction::Latency { ms } => out.latency += Duration::from_millis(*ms),
                FaultAction::Error(e) => out.terminal = Some(Terminal::Error(e.clone())),
                FaultAction::Drop => out.terminal = Some(Terminal::Drop),
            }
        }
        rules.retain(|r| r.remaining != Some(0));
        self.count.store(rules.len(), Ordering::Release);
        if !labels.is_empty() {
            out.label = Some(labels.join("; "));
        }
        out
    }

    /// Like [`Faults::evaluate`] for the LWA token endpoint: finds the app of `client_id` in
    /// `store` only when some LWA rule filters by app.
    pub async fn evaluate_lwa(&self, store: &Store, client_id: Option<&str>) -> Injected {
        if self.count.load(Ordering::Acquire) == 0 {
            return Injected::default();
        }
        let needs_app = self
            .lock()
            .iter()
            .any(|r| r.target == FaultTarget::Lwa && r.app.is_some());
        let app = match (needs_app, client_id) {
            (true, Some(id)) => store
                .get_app_by_client_id(id)
                .await
                .ok()
                .flatten()
                .map(|a| a.application_id),
            _ => None,
        };
        self.evaluate(
            FaultTarget::Lwa,
            &Subject {
                op: None,
                seller: None,
                app: app.as_deref(),
                client_id,
            },
        )
    }
}

/// Amazon's message for the common codes; the code for a status when none is given.
fn sp_api_error(e: &FaultError) -> ApiError {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let code = e.code.clone().unwrap_or_else(|| {
        match e.status {
            400 => "InvalidInput",
            403 => "Unauthorized",
            404 => "NotFound",
            429 => "QuotaExceeded",
            500 => "InternalFailure",
            503 => "ServiceUnavailable",
            _ => "InternalFailure",
        }
        .to_string()
    });
    let known = match code.as_str() {
        "QuotaExceeded" => Some(ApiError::quota_exceeded()),
        "InternalFailure" => Some(ApiError::new(
            status,
            "InternalFailure",
            "We encountered an internal error. Please try again.",
        )),
        "ServiceUnavailable" => Some(ApiError::service_unavailable()),
        "Unauthorized" => Some(ApiError::unauthorized()),
        "NotFound" => Some(ApiError::not_found()),
        _ => None,
    };
    let mut err = match (known, &e.message) {
        (Some(k), None) => {
            let mut k = k;
            k.status = status;
            k
        }
        (_, Some(m)) => ApiError::new(status, &code, m.clone()),
        (None, None) => ApiError::new(status, &code, format!("{code} (injected fault).")),
    };
    if code == "QuotaExceeded" {
        // Amazon's 429 carries an empty `details`.
        err = err.with_details("");
    }
    err
}

/// The SP-API answer of an injected error.
pub fn sp_api_response(e: &FaultError) -> Response {
    sp_api_error(e).into_response()
}

/// The LWA answer of an injected error: `{"error", "error_description"}`, no-store.
pub fn lwa_response(e: &FaultError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let code = e.code.clone().unwrap_or_else(|| {
        match e.status {
            503 => "temporarily_unavailable",
            400 => "invalid_request",
            401 => "invalid_client",
            _ => "server_error",
        }
        .to_string()
    });
    let description = e.message.clone().unwrap_or_else(|| {
        match code.as_str() {
            "temporarily_unavailable" => {
                "The authorization server is temporarily unable to handle the request"
            }
            "server_error" => "The authorization server encountered an unexpected condition",
            _ => "Injected fault",
        }
        .to_string()
    });
    let body = serde_json::json!({"error": code, "error_description": description}).to_string();
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// A response that never arrives: its body fails at once, so hyper closes the connection
/// before the head is written, and the client sees the connection drop without an answer.
pub fn dropped_response() -> Response {
    Response::new(Body::new(FailingBody))
}

/// A body whose first frame is an error.
struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "spapi fault injection: connection dropped",
        ))))
    }
}
