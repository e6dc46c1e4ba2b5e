//! The control plane, `/emulator/v1/...`: what a test or a developer uses to shape the world
//! (apps, sellers, authorizations, the clock). Never mixed with SP-API paths; every call needs
//! the admin token (`Authorization: Bearer <token>`), except `GET /emulator/v1/health`, which
//! says whether the world can serve yet.

use super::ApiError;
use crate::auth::secret::hash_token;
use crate::auth::{Auth, AuthError, NewApp, NewSeller};
use crate::clock::{ClockChange, ClockMode};
use crate::store::{AppRecord, AuthorizationRecord, SellerRecord};
use axum::Json;
use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether the server can serve its world yet (what `GET /emulator/v1/health` answers): a
/// shared flag that flips once, from starting to ready.
#[derive(Debug, Clone, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    /// A flag that is still starting.
    pub fn starting() -> Self {
        Readiness::default()
    }

    /// A flag that is ready already.
    pub fn ready() -> Self {
        let r = Readiness::default();
        r.set_ready();
        r
    }

    /// Marks the server ready; it stays ready.
    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the server is ready.
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// State of the control plane.
#[derive(Clone)]
pub struct ControlPlane {
    pub(crate) auth: Auth,
    pub(crate) jobs: crate::jobs::Runner,
    admin_token_hash: String,
    readiness: Readiness,
    /// The instances sharing the world, waited for after a clock change.
    fleet: Option<Arc<crate::fleet::Fleet>>,
}

impl ControlPlane {
    /// A control plane guarded by `admin_token`; `jobs` runs what a clock change makes due.
    /// It reports ready at once unless given a [`Readiness`] ([`ControlPlane::with_readiness`]).
    pub fn new(auth: Auth, jobs: crate::jobs::Runner, admin_token: &str) -> Self {
        ControlPlane {
            auth,
            jobs,
            admin_token_hash: hash_token(admin_token),
            readiness: Readiness::ready(),
            fleet: None,
        }
    }

    /// The same control plane, reporting `readiness` on the health route.
    pub fn with_readiness(mut self, readiness: Readiness) -> Self {
        self.readiness = readiness;
        self
    }

    /// A clock change waits until every instance of `fleet` has taken it.
    pub fn with_fleet(mut self, fleet: Arc<crate::fleet::Fleet>) -> Self {
        self.fleet = Some(fleet);
        self
    }
}

/// The routes, to be nested under `/emulator/v1`.
pub fn routes(cp: ControlPlane) -> Router {
    Router::new()
        .route("/apps", get(list_apps).post(create_app))
        .route("/apps/{application_id}", get(get_app))
        .route("/sellers", get(list_sellers).post(create_seller))
        .route("/sellers/{seller_id}", get(get_seller))
        .route("/sellers/{seller_id}/account", put(set_account))
        .route(
            "/sellers/{seller_id}/authorizations",
            get(list_authorizations).post(authorize),
        )
        .route(
            "/sellers/{seller_id}/authorizations/{application_id}",
            delete(revoke),
        )
        .route("/clock", get(get_clock).post(set_clock))
        .merge(super::control_world::routes())
        .merge(super::control_fba::routes())
        .merge(super::control_awd::routes())
        .merge(super::control_inbound::routes())
        .merge(super::control_invoices::routes())
        .merge(super::control_notify::routes())
        .merge(super::control_services::routes())
        .merge(super::traffic::routes())
        .route_layer(middleware::from_fn_with_state(cp.clone(), require_admin))
        // After the admin layer, which guards only the routes added before it: a script
        // waiting for the server has no token yet.
        .route("/health", get(health))
        .with_state(cp)
}

/// `GET /emulator/v1/health`: 503 `{"status":"starting"}` until the world can serve (the
/// demo world built, its credentials written, jobs running), then 200
/// `{"status":"ready","version":...,"now":...,"clock":"running"|"frozen"}` (`now` is the
/// emulator's time).
async fn health(State(cp): State<ControlPlane>) -> Response {
    if !cp.readiness.is_ready() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            Json(json!({"status": "starting"})),
        )
            .into_response();
    }
    let clock = cp.auth.clock();
    Json(json!({
        "status": "ready",
        "version": env!("CARGO_PKG_VERSION"),
        "now": clock.now().to_string(),
        "clock": mode_name(clock.mode()),
    }))
    .into_response()
}

async fn require_admin(State(cp): State<ControlPlane>, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(t) if hash_token(t) == cp.admin_token_hash => next.run(req).await,
        Some(_) => ApiError::unauthorized()
            .with_details("The admin token is not valid for this emulator.")
            .into_response(),
        None => ApiError::new(
            StatusCode::UNAUTHORIZED,
            "MissingAuthenticationToken",
            "The control plane needs the admin token: Authorization: Bearer <token>.",
        )
        .into_response(),
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Invalid(m) => ApiError::invalid_input(m),
            AuthError::NotFound(what) => {
                ApiError::not_found().with_details(format!("{what} does not exist."))
            }
            AuthError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "Conflict", m),
            AuthError::Store(e) => ApiError::internal(e),
        }
    }
}

use crate::time::iso_exact as iso;

/// How an app is shown (never with its secret, except at creation).
pub fn app_view(app: &AppRecord) -> Value {
    json!({
        "application_id": app.application_id,
        "name": app.name,
        "client_id": app.client_id,
        "redirect_uris": app.redirect_uris,
        "roles": app.roles,
        "draft": app.draft,
        "hybrid": app.hybrid,
        "created_at": iso(app.created_at_us),
    })
}

/// How a seller is shown (never with the password hash).
pub fn seller_view(s: &SellerRecord) -> Value {
    json!({
        "selling_partner_id": s.selling_partner_id,
        "name": s.name,
        "email": s.email,
        "region": s.region,
        "marketplace_ids": s.marketplace_ids,
        "created_at": iso(s.created_at_us),
    })
}

fn authorization_view(a: &AuthorizationRecord) -> Value {
    json!({
        "id": a.id,
        "application_id": a.application_id,
        "selling_partner_id": a.selling_partner_id,
        "roles": a.roles,
        "created_at": iso(a.created_at_us),
        "expires_at": iso(a.expires_at_us),
        "revoked_at": a.revoked_at_us.map(iso),
    })
}

pub(crate) type Reply = Result<Response, ApiError>;

/// Parses a JSON body into `T`, answering 400 `InvalidInput` naming the field otherwise.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        ApiError::invalid_input(format!("Invalid request body: [{}]", e.path()))
            .with_details(e.into_inner().to_string())
    })
}

async fn list_apps(State(cp): State<ControlPlane>) -> Reply {
    let apps = cp
        .auth
        .store()
        .list_apps()
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(json!({"apps": apps.iter().map(app_view).collect::<Vec<_>>()})).into_response())
}

async fn create_app(State(cp): State<ControlPlane>, body: bytes::Bytes) -> Reply {
    let new: NewApp = parse(&body)?;
    let created = cp.auth.create_app(new).await?;
    let mut v = app_view(&created.app);
    // Shown this once; only its hash is kept.
    v["client_secret"] = json!(created.client_secret);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

async fn get_app(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    match cp
        .auth
        .store()
        .get_app(&id)
        .await
        .map_err(ApiError::internal)?
    {
        Some(app) => Ok(Json(app_view(&app)).into_response()),
        None => Err(AuthError::NotFound(format!("app {id}")).into()),
    }
}

async fn list_sellers(State(cp): State<ControlPlane>) -> Reply {
    let sellers = cp
        .auth
        .store()
        .list_sellers()
        .await
        .map_err(ApiError::internal)?;
    Ok(
        Json(json!({"sellers": sellers.iter().map(seller_view).collect::<Vec<_>>()}))
            .into_response(),
    )
}

async fn create_seller(State(cp): State<ControlPlane>, body: bytes::Bytes) -> Reply {
    let new: NewSeller = parse(&body)?;
    let seller = cp.auth.create_seller(new).await?;
    Ok((StatusCode::CREATED, Json(seller_view(&seller))).into_response())
}

async fn get_seller(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    match cp
        .auth
        .store()
        .get_seller(&id)
        .await
        .map_err(ApiError::internal)?
    {
        Some(s) => Ok(Json(seller_view(&s)).into_response()),
        None => Err(AuthError::NotFound(format!("seller {id}")).into()),
    }
}

/// Sets fields of a seller's account as getAccount shows it. Body: the Sellers API's `Account`
/// without `marketplaceParticipationList`, every field optional (`businessType`, `sellingPlan`,
/// `business`, `primaryContact`); each field given replaces the seller's. Answers the account.
async fn set_account(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    let patch: crate::market::sellers::AccountPatch = parse(&body)?;
    let account = crate::market::sellers::set_account(cp.auth.store(), &id, patch).await?;
    Ok(Json(account).into_response())
}

async fn list_authorizations(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    if cp
        .auth
        .store()
        .get_seller(&id)
        .await
        .map_err(ApiError::internal)?
        .is_none()
    {
        return Err(AuthError::NotFound(format!("seller {id}")).into());
    }
    let list = cp
        .auth
        .store()
        .authorizations_of_seller(&id)
        .await
        .map_err(ApiError::internal)?;
    Ok(
        Json(json!({"authorizations": list.iter().map(authorization_view).collect::<Vec<_>>()}))
            .into_response(),
    )
}

#[derive(Deserialize)]
struct AuthorizeBody {
    application_id: String,
}

/// Self-authorization (as a private app): the refresh token comes back directly.
async fn authorize(
    State(cp): State<ControlPlane>,
    Path(seller): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    let b: AuthorizeBody = parse(&body)?;
    let refresh = cp.auth.self_authorize(&b.application_id, &seller).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "application_id": b.application_id,
            "selling_partner_id": seller,
            "refresh_token": refresh,
        })),
    )
        .into_response())
}

async fn revoke(
    State(cp): State<ControlPlane>,
    Path((seller, app)): Path<(String, String)>,
) -> Reply {
    let n = cp.auth.revoke(&app, &seller).await?;
    if n == 0 {
        return Err(AuthError::NotFound(format!(
            "a live authorization of app {app} by seller {seller}"
        ))
        .into());
    }
    Ok(Json(json!({"revoked": n})).into_response())
}

#[derive(Serialize)]
struct ClockView {
    now: String,
    mode: &'static str,
}

fn mode_name(mode: ClockMode) -> &'static str {
    match mode {
        ClockMode::Running => "running",
        ClockMode::Frozen => "frozen",
    }
}

fn clock_view(cp: &ControlPlane) -> Json<ClockView> {
    let c = cp.auth.clock();
    Json(ClockView {
        now: c.now().to_string(),
        mode: mode_name(c.mode()),
    })
}

async fn get_clock(State(cp): State<ControlPlane>) -> Reply {
    Ok(clock_view(&cp).into_response())
}

/// `{"freeze": true}`, `{"resume": true}`, `{"set": "2025-01-01T00:00:00Z"}`,
/// `{"advance_seconds": 3600}`; several may be combined and apply in that order.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    #[serde(default)]
    freeze: bool,
    #[serde(default)]
    resume: bool,
    set: Option<String>,
    advance_seconds: Option<f64>,
}

async fn set_clock(State(cp): State<ControlPlane>, body: bytes::Bytes) -> Reply {
    let b: ClockBody = parse(&body)?;
    let clock = cp.auth.clock();
    if b.freeze && b.resume {
        return Err(ApiError::invalid_input(
            "freeze and resume exclude each other.",
        ));
    }
    let set = match &b.set {
        Some(s) => Some(crate::time::parse_date_time(s).ok_or_else(|| {
            ApiError::invalid_input(format!("Invalid Date-Time field(s) [set]: {s:?}"))
        })?),
        None => None,
    };
    let advance = match b.advance_seconds {
        Some(s) if !(0.0..=3.2e9).contains(&s) => {
            return Err(ApiError::invalid_input(
                "advance_seconds must be between 0 and 3.2e9.",
            ));
        }
        Some(s) => Some(SignedDuration::from_secs_f64(s)),
        None => None,
    };
    let changes: Vec<ClockChange> = [
        b.freeze.then_some(ClockChange::Freeze),
        b.resume.then_some(ClockChange::Resume),
        set.map(ClockChange::Set),
        advance.map(ClockChange::Advance),
    ]
    .into_iter()
    .flatten()
    .collect();
    // The new state is kept with the world, so that a restart resumes it.
    let version = crate::clock::apply(cp.auth.store(), clock, &changes)
        .await
        .map_err(ApiError::internal)?;
    // Every instance of the world shows the new time before the answer.
    if let Some(fleet) = &cp.fleet {
        fleet.wait_for(version).await;
    }
    // Whatever the new time made due happens before the answer, in order, here or on another
    // instance of the same world.
    // In a task of its own: a caller that hangs up does not cut a job off half-way.
    let jobs = cp.jobs.clone();
    let _ = tokio::spawn(async move { jobs.settle().await }).await;
    Ok(clock_view(&cp).into_response())
}
