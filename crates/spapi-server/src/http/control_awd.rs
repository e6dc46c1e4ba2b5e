//! Control plane for Amazon Warehousing and Distribution:
//!
//! - `PUT    /sellers/{seller}/awd/auto-replenishment/{sku}` `{threshold, quantity}`: when the
//!   SKU's FBA units (fulfillable + inbound) in the US fall below `threshold`, AWD sends up to
//!   `quantity` units (a replenishment order confirmed automatically). Checked at once, then
//!   every hour of the clock. 200 with the rule.
//! - `DELETE /sellers/{seller}/awd/auto-replenishment/{sku}`: switches it off (204, 404 when
//!   there was none).
//! - `GET    /sellers/{seller}/awd/auto-replenishment`: the rules.
//! - `POST   /sellers/{seller}/awd/inbound-shipments/{shipmentId}/advance`: moves an inbound
//!   shipment one step now (CREATED is shipped as if the carrier had taken it; a later
//!   status takes its next step at once). 200 `{shipmentStatus}`.

use super::ApiError;
use super::control::{ControlPlane, Reply, parse};
use crate::auth::AuthError;
use crate::market::awd::{distribution, inbound};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use serde_json::json;

/// The routes, merged into the control plane.
pub fn routes() -> Router<ControlPlane> {
    Router::new()
        .route(
            "/sellers/{seller_id}/awd/auto-replenishment",
            get(list_rules),
        )
        .route(
            "/sellers/{seller_id}/awd/auto-replenishment/{sku}",
            put(set_rule).delete(delete_rule),
        )
        .route(
            "/sellers/{seller_id}/awd/inbound-shipments/{shipment_id}/advance",
            post(advance_shipment),
        )
}

async fn check_seller(cp: &ControlPlane, id: &str) -> Result<(), ApiError> {
    cp.auth
        .store()
        .get_seller(id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::from(AuthError::NotFound(format!("seller {id}"))))?;
    Ok(())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    threshold: i64,
    quantity: i64,
}

fn rule_json(r: &crate::store::awd::AutoRule) -> serde_json::Value {
    json!({"sku": r.sku, "threshold": r.threshold, "quantity": r.quantity,
        "next_check": crate::time::iso_exact(r.check_at_us)})
}

async fn set_rule(
    State(cp): State<ControlPlane>,
    Path((id, sku)): Path<(String, String)>,
    body: bytes::Bytes,
) -> Reply {
    check_seller(&cp, &id).await?;
    let b: RuleBody = parse(&body)?;
    let now = cp.auth.clock().now().as_microsecond();
    let rule =
        distribution::set_auto_rule(cp.auth.store(), &id, &sku, b.threshold, b.quantity, now)
            .await?;
    Ok(Json(rule_json(&rule)).into_response())
}

async fn delete_rule(
    State(cp): State<ControlPlane>,
    Path((id, sku)): Path<(String, String)>,
) -> Reply {
    check_seller(&cp, &id).await?;
    if distribution::delete_auto_rule(cp.auth.store(), &id, &sku).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found().with_details(format!("No auto-replenishment rule for {sku}.")))
    }
}

async fn list_rules(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    check_seller(&cp, &id).await?;
    let rules = cp
        .auth
        .store()
        .awd_auto_rules(&id)
        .await
        .map_err(ApiError::internal)?;
    let list: Vec<_> = rules.iter().map(rule_json).collect();
    Ok(Json(json!({"rules": list})).into_response())
}

async fn advance_shipment(
    State(cp): State<ControlPlane>,
    Path((id, shipment_id)): Path<(String, String)>,
) -> Reply {
    check_seller(&cp, &id).await?;
    let now = cp.auth.clock().now().as_microsecond();
    let status = inbound::step_shipment(cp.auth.store(), &id, &shipment_id, now).await?;
    Ok(Json(json!({"shipmentStatus": status})).into_response())
}
