//! Control plane for FBA stock: units arrive, are damaged, go missing or are found; each
//! movement writes the stock ledger and fires FBA_INVENTORY_AVAILABILITY_CHANGES (through
//! `market::offers::listing_changed`). Also the stock of a SKU and the ledger, to look at.
//!
//! - `GET  /sellers/{seller}/fba-stock/{sku}?marketplace_id=`: every bucket of the SKU.
//! - `POST /sellers/{seller}/fba-stock/{sku}/{movement}` with `marketplace_id` (default: the
//!   seller's first marketplace) and: `receipt` `{quantity, reference_id?}`; `damage`
//!   `{quantity, disposition}` (`CUSTOMER_DAMAGED`, `WAREHOUSE_DAMAGED`,
//!   `DISTRIBUTOR_DAMAGED`, `CARRIER_DAMAGED`, `DEFECTIVE`, `EXPIRED`); `missing`
//!   `{quantity}`; `found` `{quantity}`; `inbound` `{working, shipped, receiving}` (sets
//!   them). Answers the stock after the movement.
//! - `GET  /sellers/{seller}/fba-ledger?marketplace_id=&sku=`: the ledger, oldest first.

use super::ApiError;
use super::control::{ControlPlane, Reply, parse};
use crate::auth::AuthError;
use crate::market::fba::stock::{self, Disposition, Movement};
use crate::store::SellerRecord;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::json;

/// The routes, merged into the control plane.
pub fn routes() -> Router<ControlPlane> {
    Router::new()
        .route("/sellers/{seller_id}/fba-stock/{sku}", get(get_stock))
        .route(
            "/sellers/{seller_id}/fba-stock/{sku}/{movement}",
            post(move_stock),
        )
        .route("/sellers/{seller_id}/fba-ledger", get(get_ledger))
}

async fn seller(cp: &ControlPlane, id: &str) -> Result<SellerRecord, ApiError> {
    cp.auth
        .store()
        .get_seller(id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| AuthError::NotFound(format!("seller {id}")).into())
}

fn marketplace_of(seller: &SellerRecord, given: Option<String>) -> String {
    given
        .or_else(|| seller.marketplace_ids.first().cloned())
        .unwrap_or_default()
}

#[derive(serde::Deserialize)]
struct StockQuery {
    marketplace_id: Option<String>,
}

async fn get_stock(
    State(cp): State<ControlPlane>,
    Path((id, sku)): Path<(String, String)>,
    Query(q): Query<StockQuery>,
) -> Reply {
    let seller = seller(&cp, &id).await?;
    let mp = marketplace_of(&seller, q.marketplace_id);
    let now = cp.auth.clock().now().as_microsecond();
    let s = stock::view(cp.auth.store(), &id, &sku, &mp, now).await?;
    Ok(Json(stock_json(&s)).into_response())
}

fn stock_json(s: &stock::Stock) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    v["total_reserved"] = json!(s.total_reserved());
    v["total_researching"] = json!(s.total_researching());
    v["total_unfulfillable"] = json!(s.total_unfulfillable());
    v["total"] = json!(s.total());
    v
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MovementBody {
    #[serde(default)]
    marketplace_id: Option<String>,
    #[serde(default)]
    quantity: Option<i64>,
    #[serde(default)]
    disposition: Option<Disposition>,
    #[serde(default)]
    reference_id: Option<String>,
    #[serde(default)]
    working: Option<i64>,
    #[serde(default)]
    shipped: Option<i64>,
    #[serde(default)]
    receiving: Option<i64>,
}

async fn move_stock(
    State(cp): State<ControlPlane>,
    Path((id, sku, movement)): Path<(String, String, String)>,
    body: bytes::Bytes,
) -> Reply {
    let seller = seller(&cp, &id).await?;
    let b: MovementBody = parse(&body)?;
    let quantity = || {
        b.quantity
            .ok_or_else(|| ApiError::invalid_input("quantity is required."))
    };
    let m = match movement.as_str() {
        "receipt" => Movement::Receipt {
            quantity: quantity()?,
            reference_id: b.reference_id.clone(),
        },
        "damage" => Movement::Damage {
            quantity: quantity()?,
            disposition: b.disposition.ok_or_else(|| {
                ApiError::invalid_input(
                    "disposition is required: CUSTOMER_DAMAGED, WAREHOUSE_DAMAGED, \
                     DISTRIBUTOR_DAMAGED, CARRIER_DAMAGED, DEFECTIVE or EXPIRED.",
                )
            })?,
        },
        "missing" => Movement::Missing {
            quantity: quantity()?,
        },
        "found" => Movement::Found {
            quantity: quantity()?,
        },
        "inbound" => Movement::Inbound {
            working: b.working.unwrap_or(0),
            shipped: b.shipped.unwrap_or(0),
            receiving: b.receiving.unwrap_or(0),
        },
        other => {
            return Err(ApiError::not_found().with_details(format!(
                "No movement {other}: receipt, damage, missing, found or inbound."
            )));
        }
    };
    let mp = marketplace_of(&seller, b.marketplace_id.clone());
    let now = cp.auth.clock().now().as_microsecond();
    let s = stock::apply(cp.auth.store(), &id, &sku, &mp, &m, now).await?;
    Ok(Json(stock_json(&s)).into_response())
}

#[derive(serde::Deserialize)]
struct LedgerQuery {
    marketplace_id: Option<String>,
    sku: Option<String>,
}

async fn get_ledger(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Reply {
    let seller = seller(&cp, &id).await?;
    let mp = marketplace_of(&seller, q.marketplace_id);
    let entries = stock::ledger(cp.auth.store(), &id, &mp, q.sku.as_deref()).await?;
    let list: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({"id": e.id, "date": crate::time::iso_us(e.at_us), "fnsku": e.fnsku,
                "sku": e.sku, "marketplace_id": e.marketplace_id, "event_type": e.event_type,
                "quantity": e.quantity, "reference_id": e.reference_id,
                "fulfillment_center": e.fulfillment_center, "disposition": e.disposition,
                "reason": e.reason})
        })
        .collect();
    Ok(Json(json!({"entries": list})).into_response())
}
