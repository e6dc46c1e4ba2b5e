//! Control plane for FBA inbound plans: a tester queues a problem for the seller's next
//! operation of a kind, moves a shipment on to a status at once, says how many units of a SKU
//! a shipment loses at receipt, and looks at a plan's whole state.
//!
//! - `POST /sellers/{seller}/inbound/faults` `{operation, code, message?}`: the next
//!   `operation` (createInboundPlan, confirmPlacementOption, ...) of the seller ends FAILED
//!   with that problem and changes nothing.
//! - `GET  /sellers/{seller}/inbound/plans/{plan}`: the plan document (items, options,
//!   shipments with their status, boxes and stage of their units).
//! - `POST /sellers/{seller}/inbound/plans/{plan}/shipments/{shipment}/status` `{status}`: moves
//!   a shipment whose transportation is confirmed on through every status up to `status`
//!   (READY_TO_SHIP ... CLOSED), with the stock moves of each.
//! - `POST /sellers/{seller}/inbound/plans/{plan}/shipments/{shipment}/losses`
//!   `{msku, damaged, missing}`: units of the SKU damaged or missing when it is received.

use super::ApiError;
use super::control::{ControlPlane, Reply, parse};
use crate::auth::AuthError;
use crate::market::inbound::{self, shipments};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::json;

/// The routes, merged into the control plane.
pub fn routes() -> Router<ControlPlane> {
    Router::new()
        .route("/sellers/{seller_id}/inbound/faults", post(fault))
        .route("/sellers/{seller_id}/inbound/plans/{plan_id}", get(plan))
        .route(
            "/sellers/{seller_id}/inbound/plans/{plan_id}/shipments/{shipment_id}/status",
            post(status),
        )
        .route(
            "/sellers/{seller_id}/inbound/plans/{plan_id}/shipments/{shipment_id}/losses",
            post(losses),
        )
}

async fn seller(cp: &ControlPlane, id: &str) -> Result<(), ApiError> {
    cp.auth
        .store()
        .get_seller(id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| AuthError::NotFound(format!("seller {id}")).into())
        .map(|_| ())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultBody {
    operation: String,
    code: String,
    #[serde(default)]
    message: Option<String>,
}

async fn fault(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    seller(&cp, &id).await?;
    let b: FaultBody = parse(&body)?;
    let message = b
        .message
        .unwrap_or_else(|| "ERROR: Something went wrong. Please try again later.".into());
    inbound::queue_fault(cp.auth.store(), &id, &b.operation, &b.code, &message).await?;
    Ok(Json(json!({"operation": b.operation, "code": b.code, "message": message})).into_response())
}

async fn plan(
    State(cp): State<ControlPlane>,
    Path((id, plan_id)): Path<(String, String)>,
) -> Reply {
    seller(&cp, &id).await?;
    let p = inbound::plan_of(cp.auth.store(), &id, &plan_id).await?;
    Ok(Json(plan_json(&p)).into_response())
}

/// The plan's state as the control plane and `spapi inbound` show it.
pub fn plan_json(p: &inbound::workflow::Plan) -> serde_json::Value {
    let confirmed: Vec<_> = p.confirmed_shipments();
    json!({
        "inbound_plan_id": p.id,
        "name": p.name,
        "status": p.status,
        "marketplace_id": p.marketplace_id,
        "items": p.items.iter().map(|i| json!({"msku": i.msku, "quantity": i.quantity})).collect::<Vec<_>>(),
        "packing_option": p.confirmed_packing().map(|o| o.packing_option_id.clone()),
        "placement_option": p.confirmed_placement().map(|o| o.placement_option_id.clone()),
        "transportation_confirmed": p.transport_confirmed,
        "shipments": confirmed.iter().map(|s| json!({
            "shipment_id": s.shipment.shipment_id,
            "shipment_confirmation_id": s.shipment.shipment_confirmation_id,
            "status": s.shipment.status,
            "warehouse_id": s.shipment.destination.warehouse_id,
            "units_stage": s.stage,
            "items": s.items.iter().map(|(k, q)| json!({"msku": k, "quantity": q})).collect::<Vec<_>>(),
            "boxes": s.boxes.iter().map(|b| b.quantity.unwrap_or(1)).sum::<i64>(),
        })).collect::<Vec<_>>(),
    })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
}

async fn status(
    State(cp): State<ControlPlane>,
    Path((id, plan_id, shipment_id)): Path<(String, String, String)>,
    body: bytes::Bytes,
) -> Reply {
    seller(&cp, &id).await?;
    let b: StatusBody = parse(&body)?;
    let now = cp.auth.clock().now().as_microsecond();
    let s =
        shipments::move_to(cp.auth.store(), &id, &plan_id, &shipment_id, &b.status, now).await?;
    Ok(Json(json!({"shipment_id": shipment_id, "status": s})).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LossesBody {
    msku: String,
    #[serde(default)]
    damaged: i64,
    #[serde(default)]
    missing: i64,
}

async fn losses(
    State(cp): State<ControlPlane>,
    Path((id, plan_id, shipment_id)): Path<(String, String, String)>,
    body: bytes::Bytes,
) -> Reply {
    seller(&cp, &id).await?;
    let b: LossesBody = parse(&body)?;
    shipments::set_losses(
        cp.auth.store(),
        &id,
        &plan_id,
        &shipment_id,
        &b.msku,
        b.damaged,
        b.missing,
    )
    .await?;
    Ok(Json(json!({"msku": b.msku, "damaged": b.damaged, "missing": b.missing})).into_response())
}
