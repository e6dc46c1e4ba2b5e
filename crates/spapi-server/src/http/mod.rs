//! The HTTP binding: routing from the operation table, the request pipeline, the error envelope.
//!
//! A request's way through: request id -> route (method + path) -> parameter validation ->
//! body -> generated binding -> `apis` implementation -> response with `x-amzn-RequestId`
//! and, on 2xx/400/404, `x-amzn-RateLimit-Limit`.

pub mod binding;
pub mod control;
pub mod error;
pub mod query;
pub mod router;
pub mod validate;

pub use error::{ApiError, ErrorEntry};

use crate::auth::{Auth, Caller};
use crate::generated::{self, Apis};
use axum::Router as AxumRouter;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use binding::Bound;
use query::QueryParams;
use router::{Match, Router};
use spapi_model::Operation;
use std::sync::Arc;

/// Name of the request id header on every response.
pub const REQUEST_ID: &str = "x-amzn-RequestId";
/// Name of the usage plan header.
pub const RATE_LIMIT: &str = "x-amzn-RateLimit-Limit";

/// What an operation's implementation knows about the call it serves.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id sent back in `x-amzn-RequestId`.
    pub request_id: String,
    /// The operation being served.
    pub operation: &'static Operation,
    /// The request path (for RDT resource checks and paging links).
    pub path: String,
    /// Who is calling (from the access token).
    pub caller: Caller,
}

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
}

impl SpApi {
    /// The SP-API surface over the given implementations, routed by `router`.
    pub fn new(router: Arc<Router>, apis: Apis, auth: Auth, config: HttpConfig) -> Self {
        SpApi {
            router,
            apis,
            auth,
            config,
        }
    }
}

/// Builds the axum app: the LWA token endpoint, the consent pages, the control plane, and every
/// SP-API operation (the fallback), under the shared middleware.
pub fn app(sp: Arc<SpApi>, control: control::ControlPlane) -> AxumRouter {
    let lwa = AxumRouter::new()
        .route("/auth/o2/token", axum::routing::post(token_endpoint))
        .with_state(sp.auth.clone());
    let consent = crate::auth::consent::routes(sp.auth.clone());
    let operations = AxumRouter::new().fallback(serve_operation).with_state(sp);
    AxumRouter::new()
        .merge(lwa)
        .merge(consent)
        .nest("/emulator/v1", control::routes(control))
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

/// `POST /auth/o2/token`.
async fn token_endpoint(
    State(auth): State<Auth>,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let params = crate::auth::lwa::parse_token_request(&headers, &body);
    match auth.token(&params).await {
        Ok(t) => t.into_response(),
        Err(e) => e.into_response(),
    }
}

/// The SP-API pipeline for one request.
async fn serve_operation(State(sp): State<Arc<SpApi>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let (op, path_params) = match sp.router.find(parts.method.as_str(), parts.uri.path()) {
        Match::Found(op, p) => (op, p),
        Match::NotFound => return ApiError::not_found().into_response(),
        Match::MethodNotAllowed(allowed) => return method_not_allowed(&parts.method, &allowed),
    };
    let query = QueryParams::parse(parts.uri.query());
    let result = async {
        // As at Amazon's gateway, the token is checked before the parameters.
        let caller = sp
            .auth
            .authenticate(&parts.headers, op, parts.uri.path())
            .await?;
        validate::validate(&sp.router, op, &path_params, &query, &parts.headers)?;
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
        generated::dispatch(&sp.apis, &ctx, &bound).await
    }
    .await;
    let mut resp = match result {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    };
    add_rate_limit(op, &mut resp);
    resp
}

/// `x-amzn-RateLimit-Limit` comes on 2xx, 400 and 404, never on 401/403/429.
fn add_rate_limit(op: &Operation, resp: &mut Response) {
    let s = resp.status();
    if !(s.is_success() || s == StatusCode::BAD_REQUEST || s == StatusCode::NOT_FOUND) {
        return;
    }
    if let Some(plan) = op.usage_plan {
        resp.headers_mut()
            .insert(RATE_LIMIT, HeaderValue::from_static(plan.rate_text));
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
