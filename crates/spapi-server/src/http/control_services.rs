//! Control plane for Services v1 (spapi extension):
//!
//! - `GET  /sellers/{seller}/service-stores`: the seller's service stores, one per Home
//!   Services marketplace it sells in (`{"stores":[{"marketplace_id","store_id"}]}`); a store
//!   id is a job's `storeId` and the `resourceId` of the capacity operations.
//! - `POST /sellers/{seller}/service-jobs` `{order_id, asin?}`: a service job for a line of
//!   one of the seller's orders (default the first line), 201 `{"service_job_id"}`.
//! - `POST /sellers/{seller}/service-jobs/{jobId}/status` `{status}`: moves a job to
//!   `HOLD`, `PAYMENT_DECLINED`, `NOT_FULFILLABLE`, `PENDING_SCHEDULE` or `NOT_SERVICED`.
//! - `GET` / `PUT /sellers/{seller}/service-technicians` `{"technicians":[{technician_id,
//!   name, skills}]}`: the seller's technicians (the `resourceId`s of
//!   assignAppointmentResources).

use super::ApiError;
use super::control::{ControlPlane, Reply, parse};
use crate::auth::AuthError;
use crate::market::services::{self, HOME_SERVICES, Technician};
use crate::store::SellerRecord;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::json;

/// The routes, merged into the control plane.
pub fn routes() -> Router<ControlPlane> {
    Router::new()
        .route("/sellers/{seller_id}/service-stores", get(stores))
        .route("/sellers/{seller_id}/service-jobs", post(create_job))
        .route(
            "/sellers/{seller_id}/service-jobs/{service_job_id}/status",
            post(set_status),
        )
        .route(
            "/sellers/{seller_id}/service-technicians",
            get(technicians).put(set_technicians),
        )
}

async fn seller(cp: &ControlPlane, id: &str) -> Result<SellerRecord, ApiError> {
    cp.auth
        .store()
        .get_seller(id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| AuthError::NotFound(format!("seller {id}")).into())
}

async fn stores(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    let seller = seller(&cp, &id).await?;
    let list: Vec<_> = seller
        .marketplace_ids
        .iter()
        .filter(|mp| HOME_SERVICES.contains(&mp.as_str()))
        .map(|mp| json!({"marketplace_id": mp, "store_id": services::store_id(&id, mp)}))
        .collect();
    Ok(Json(json!({"stores": list})).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewJob {
    order_id: String,
    #[serde(default)]
    asin: Option<String>,
}

async fn create_job(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    seller(&cp, &id).await?;
    let b: NewJob = parse(&body)?;
    let now = cp.auth.clock().now_us();
    let job_id =
        services::create_for_order(cp.auth.store(), &id, &b.order_id, b.asin.as_deref(), now)
            .await?;
    Ok((StatusCode::CREATED, Json(json!({"service_job_id": job_id}))).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
}

async fn set_status(
    State(cp): State<ControlPlane>,
    Path((id, job_id)): Path<(String, String)>,
    body: bytes::Bytes,
) -> Reply {
    seller(&cp, &id).await?;
    let b: StatusBody = parse(&body)?;
    let now = cp.auth.clock().now_us();
    services::set_status(cp.auth.store(), &id, &job_id, &b.status, now).await?;
    Ok(Json(json!({"service_job_id": job_id, "status": b.status})).into_response())
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Technicians {
    technicians: Vec<Technician>,
}

async fn technicians(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    seller(&cp, &id).await?;
    let list = services::technicians(cp.auth.store(), &id).await?;
    Ok(Json(Technicians { technicians: list }).into_response())
}

async fn set_technicians(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    seller(&cp, &id).await?;
    let b: Technicians = parse(&body)?;
    services::set_technicians(cp.auth.store(), &id, &b.technicians).await?;
    Ok(Json(b).into_response())
}
