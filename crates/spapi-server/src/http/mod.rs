//! The HTTP binding: routing from the operation table, the request pipeline, the error envelope.
//!
//! A request's way through: request id -> route (method + path) -> authentication -> usage
//! plan (`throttle`) -> injected faults (`faults`) -> parameter validation -> body -> generated
//! binding -> `apis` implementation -> response with `x-amzn-RequestId` and, on 2xx/400/404,
//! `x-amzn-RateLimit-Limit`. The request log (`traffic`) records every call around all of it.
//! On the sandbox port, operations with static sandbox cases are answered from them after the
//! faults stage (`crate::sandbox`).

pub mod binding;
pub mod control;
pub mod control_awd;
pub mod control_fba;
pub mod control_inbound;
pub mod control_invoices;
pub mod control_notify;
pub mod control_services;
pub mod control_world;
pub mod documents;
pub mod error;
pub mod faults;
pub mod images;
pub mod query;
pub mod router;
pub mod throttle;
pub mod traffic;
pub mod validate;

pub use error::{ApiError, ErrorEntry};

use crate::auth::Auth;
use crate::generated::{self, Apis};
use axum::Router as AxumRouter;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use binding::Bound;
pub use binding::RequestContext;
use query::QueryParams;
use router::{Match, Router};
use std::sync::Arc;

/// Name of the request id header on every response.
pub const REQUEST_ID: &str = "x-amzn-RequestId";
/// Name of the usage plan header.
pub const RATE_LIMIT: &str = "x-amzn-RateLimit-Limit";

/// The request id of the current request, as an extension.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            body_limit: 10 * 1024 * 1024,
        }
    }
}

/// Shared state of the SP-API surface.
pub struct SpApi {
    router: Arc<Router>,
    apis: Apis,
    auth: Auth,
    config: HttpConfig,
    /// Usage plans, faults and the request log.
    traffic: Arc<traffic::Traffic>,
    /// Set on the sandbox port: Amazon's static sandbox cases.
    sandbox: Option<Arc<crate::sandbox::Sandbox>>,
}

impl SpApi {
    /// The SP-API surface over the given implementations, routed by `router`, without usage
    /// plans, faults or request log until [`SpApi::with_traffic`].
    pub fn new(router: Arc<Router>, apis: Apis, auth: Auth, config: HttpConfig) -> Self {
        let traffic = traffic::Traffic::inert(auth.store().clone(), auth.clock().clone());
        SpApi {
            router,
            apis,
            auth,
            config,
            traffic,
            sandbox: None,
        }
    }

    /// Uses `traffic` for the usage plans, faults and request log.
    pub fn with_traffic(mut self, traffic: Arc<traffic::Traffic>) -> Self {
        self.traffic = traffic;
        self
    }

    /// Makes this the sandbox surface: operations with static sandbox cases answer from them,
    /// under Amazon's flat sandbox usage plan.
    pub fn with_sandbox(mut self, sandbox: Arc<crate::sandbox::Sandbox>) -> Self {
        self.sandbox = Some(sandbox);
        self
    }

    /// What the sandbox surface loaded, if this is one.
    pub fn sandbox_stats(&self) -> Option<crate::sandbox::SandboxStats> {
        self.sandbox.as_ref().map(|s| s.stats())
    }

    /// A second surface over the same implementations and state (for the sandbox port).
    pub fn sibling(&self) -> Self {
        SpApi {
            router: self.router.clone(),
            apis: self.apis.clone(),
            auth: self.auth.clone(),
            config: self.config.clone(),
            traffic: self.traffic.clone(),
            sandbox: self.sandbox.clone(),
        }
    }
}

/// Builds the axum app: the LWA token endpoint, the consent pages, the control plane, and every
/// SP-API operation (the fallback), under the shared middleware.
pub fn app(sp: Arc<SpApi>, control: control::ControlPlane) -> AxumRouter {
    let lwa = AxumRouter::new()
        .route("/auth/o2/token", axum::routing::post(token_endpoint))
        .with_state(sp.clone());
    let consent = crate::auth::consent::routes(sp.auth.clone());
    let traffic = sp.traffic.clone();
    let operations = AxumRouter::new().fallback(serve_operation).with_state(sp);
    AxumRouter::new()
        .merge(lwa)
        .merge(consent)
        .nest(
            "/emulator/v1",
            control::routes(control).layer(axum::Extension(traffic)),
        )
        .merge(operations)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(middleware::from_fn(request_id))
}

/// The sandbox port's app: the LWA token endpoint (for convenience) and every SP-API operation,
/// answered from Amazon's static sandbox cases where the operation has them.
pub fn sandbox_app(sp: Arc<SpApi>) -> AxumRouter {
    let lwa = AxumRouter::new()
        .route("/auth/o2/token", axum::routing::post(token_endpoint))
        .with_state(sp.clone());
    let operations = AxumRouter::new().fallback(serve_operation).with_state(sp);
    AxumRouter::new()
        .merge(lwa)
        .merge(operations)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(middleware::from_fn(request_id))
}

/// Assigns the request id and puts it on every response, errors and panics included.
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().to_string();
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    resp
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("handler panicked").into_response()
}

/// Records one call in the request log when dropped: at the end of the pipeline, and also
/// when the handler panics or the client goes away mid-call (status 0 then, unless set).
struct LogGuard {
    traffic: Arc<traffic::Traffic>,
    started: std::time::Instant,
    entry: crate::store::traffic::TrafficEntry,
    /// A fault dropped the connection: the status stays 0.
    dropped: bool,
}

impl LogGuard {
    fn new(sp: &SpApi, request_id: &str, method: &Method, path: &str) -> Self {
        LogGuard {
            traffic: sp.traffic.clone(),
            started: std::time::Instant::now(),
            entry: crate::store::traffic::TrafficEntry {
                id: 0,
                request_id: request_id.to_string(),
                at_us: sp.auth.clock().now_us(),
                method: method.as_str().to_string(),
                path: path.to_string(),
                operation_id: None,
                status: 0,
                seller_id: None,
                app_id: None,
                duration_us: 0,
                throttled: false,
                fault: None,
                sandbox: sp.sandbox.is_some(),
            },
            dropped: false,
        }
    }

    fn finish(mut self, resp: &Response) {
        if !self.dropped {
            self.entry.status = resp.status().as_u16();
        }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        let mut entry = std::mem::take(&mut self.entry);
        if entry.status == 0 && !self.dropped && std::thread::panicking() {
            // The handler panicked: the client gets the 500 of the panic layer.
            entry.status = 500;
        }
        entry.duration_us = i64::try_from(self.started.elapsed().as_micros()).unwrap_or(i64::MAX);
        self.traffic.record(entry);
    }
}

fn request_id_of(parts: &axum::http::request::Parts) -> String {
    parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default()
}

/// `POST /auth/o2/token`, behind the LWA fault rules.
async fn token_endpoint(State(sp): State<Arc<SpApi>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let log = LogGuard::new(&sp, &request_id_of(&parts), &parts.method, parts.uri.path());
    token_answer(&sp, &parts.headers, body, log).await
}

async fn token_answer(
    sp: &SpApi,
    headers: &axum::http::HeaderMap,
    body: Body,
    mut log: LogGuard,
) -> Response {
    let body = match read_body(body, sp.config.body_limit).await {
        Ok(b) => b,
        Err(e) => {
            let resp = e.into_response();
            log.finish(&resp);
            return resp;
        }
    };
    let params = crate::auth::lwa::parse_token_request(headers, &body);
    let client_id = params.get("client_id").map(String::as_str);
    let injected = sp
        .traffic
        .faults
        .evaluate_lwa(sp.auth.store(), client_id)
        .await;
    log.entry.fault = injected.label.clone();
    if !injected.latency.is_zero() {
        tokio::time::sleep(injected.latency).await;
    }
    let resp = match injected.terminal {
        Some(faults::Terminal::Error(e)) => faults::lwa_response(&e),
        Some(faults::Terminal::Drop) => {
            log.dropped = true;
            faults::dropped_response()
        }
        None => match sp.auth.token(&params).await {
            Ok(t) => t.into_response(),
            Err(e) => e.into_response(),
        },
    };
    log.finish(&resp);
    resp
}

/// The SP-API pipeline for one request.
async fn serve_operation(State(sp): State<Arc<SpApi>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = request_id_of(&parts);
    let mut log = LogGuard::new(&sp, &request_id, &parts.method, parts.uri.path());
    let (op, path_params) = match sp.router.find(parts.method.as_str(), parts.uri.path()) {
        Match::Found(op, p) => (op, p),
        Match::NotFound => {
            let resp = ApiError::not_found().into_response();
            log.finish(&resp);
            return resp;
        }
        Match::MethodNotAllowed(allowed) => {
            let resp = method_not_allowed(&parts.method, &allowed);
            log.finish(&resp);
            return resp;
        }
    };
    log.entry.operation_id = Some(op.operation_id.to_string());
    let query = QueryParams::parse(parts.uri.query());
    let mut rate_limit: Option<HeaderValue> = None;
    let result: Result<Response, ApiError> = async {
        // As at Amazon's gateway, the token is checked before the parameters.
        let caller = sp
            .auth
            .authenticate(&parts.headers, op, parts.uri.path())
            .await?;
        log.entry.app_id = Some(caller.application_id.clone());
        log.entry.seller_id = caller.selling_partner_id.clone();
        let seller = caller.selling_partner_id.as_deref().unwrap_or("");
        let sandbox = sp.sandbox.is_some();
        // The usage plan of (app, seller, operation).
        let decision = sp
            .traffic
            .throttle
            .check(op, &caller.application_id, seller, sandbox)
            .await;
        rate_limit = decision.header;
        if !decision.allowed {
            log.entry.throttled = true;
            // Amazon's 429 carries an empty `details`.
            return Err(ApiError::quota_exceeded().with_details(""));
        }
        // Injected faults.
        let injected = sp.traffic.faults.evaluate(
            faults::FaultTarget::SpApi,
            &faults::Subject {
                op: Some(op),
                seller: caller.selling_partner_id.as_deref(),
                app: Some(&caller.application_id),
                client_id: None,
            },
        );
        log.entry.fault = injected.label.clone();
        if !injected.latency.is_zero() {
            tokio::time::sleep(injected.latency).await;
        }
        match injected.terminal {
            Some(faults::Terminal::Error(e)) => return Ok(faults::sp_api_response(&e)),
            Some(faults::Terminal::Drop) => {
                log.dropped = true;
                return Ok(faults::dropped_response());
            }
            None => {}
        }
        // The sandbox port answers from Amazon's static cases where the operation has them.
        if let Some(sb) = &sp.sandbox
            && let crate::sandbox::SandboxRoute::Static(cases) = sb.route(op)
        {
            let body = read_body(body, sp.config.body_limit).await?;
            return Ok(cases.answer(
                op,
                &crate::sandbox::SandboxRequest {
                    path: &path_params,
                    query: &query,
                    raw_query: parts.uri.query(),
                    headers: &parts.headers,
                    body: &body,
                },
            ));
        }
        validate::validate(&sp.router, op, &path_params, &query, &parts.headers)
            .map_err(|e| error::in_family(op, e))?;
        let body = read_body(body, sp.config.body_limit).await?;
        let bound = Bound {
            op,
            path: &path_params,
            query: &query,
            headers: &parts.headers,
            body: &body,
        };
        let ctx = RequestContext {
            request_id,
            operation: op,
            path: parts.uri.path().to_string(),
            caller,
        };
        generated::dispatch(&sp.apis, &ctx, &bound)
            .await
            .map(IntoResponse::into_response)
            .map_err(|e| error::in_family(op, e))
    }
    .await;
    let mut resp = match result {
        Ok(resp) => resp,
        Err(e) if error::bare_error_list(op.operation_id) => {
            error::in_family(op, e).into_bare_response()
        }
        Err(e) => error::in_family(op, e).into_response(),
    };
    add_rate_limit(rate_limit, &mut resp);
    log.finish(&resp);
    resp
}

/// `x-amzn-RateLimit-Limit` (the rate of the plan applied) comes on 2xx, 400 and 404, never
/// on 401/403/429.
fn add_rate_limit(rate: Option<HeaderValue>, resp: &mut Response) {
    let s = resp.status();
    if !(s.is_success() || s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND) {
        return;
    }
    if let Some(v) = rate {
        resp.headers_mut().insert(RATE_LIMIT, v);
    }
}

async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body exceeds {limit} bytes."),
        )
    })
}

fn method_not_allowed(method: &Method, allowed: &[spapi_model::Method]) -> Response {
    // spapi answers 405 in the SP-API envelope; Amazon's gateway answers such requests with 403.
    let list: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
    let mut resp = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "MethodNotAllowed",
        format!("The method {method} is not allowed on this resource."),
    )
    .with_details(format!("Allowed: {}", list.join(", ")))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&list.join(", ")) {
        resp.headers_mut().insert(header::ALLOW, v);
    }
    resp
}
