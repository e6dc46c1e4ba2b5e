//! Control plane for Brazil's invoices: the shipments Shipment Invoicing serves, with the
//! state of their submitted NF-e (and why it was refused), so that a tester can find the
//! `AmazonShipmentId` that Amazon announces in FBA_OUTBOUND_SHIPMENT_STATUS.
//!
//! - `GET /sellers/{seller}/brazil-shipments`: newest first.

use super::ApiError;
use super::control::{ControlPlane, Reply};
use crate::auth::AuthError;
use crate::market::invoices::shipments;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::json;

/// The routes, merged into the control plane.
pub fn routes() -> Router<ControlPlane> {
    Router::new().route("/sellers/{seller_id}/brazil-shipments", get(list))
}

async fn list(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
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
    let list = shipments::list_shipments(cp.auth.store(), &id)
        .await
        .map_err(ApiError::from)?;
    Ok(Json(json!({"shipments": list})).into_response())
}
