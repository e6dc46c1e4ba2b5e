//! Control plane for the seller world: generate a world, place and cancel buyer orders, look
//! at listings and at the events waiting in the outbox.

use super::ApiError;
use super::control::{ControlPlane, Reply, parse};
use crate::auth::AuthError;
use crate::market::marketplaces::marketplace;
use crate::market::orders::{self, NewOrder};
use crate::market::world::{self, WorldSpec};
use crate::store::SellerRecord;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The routes, merged into the control plane.
pub fn routes() -> Router<ControlPlane> {
    Router::new()
        .route("/sellers/{seller_id}/world", post(generate))
        .route("/generations/{generation_id}", get(generation))
        .route("/sellers/{seller_id}/listings", get(listings))
        .route("/sellers/{seller_id}/orders", post(place_order))
        .route(
            "/sellers/{seller_id}/orders/{order_id}/cancel",
            post(cancel_order),
        )
        .route(
            "/sellers/{seller_id}/buyers",
            get(get_buyers).post(set_buyers),
        )
        .route(
            "/sellers/{seller_id}/fba-inventory",
            post(set_fba_inventory),
        )
        .route("/outbox", get(outbox))
}

async fn seller(cp: &ControlPlane, id: &str) -> Result<SellerRecord, ApiError> {
    cp.auth
        .store()
        .get_seller(id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| AuthError::NotFound(format!("seller {id}")).into())
}

/// A world generation running in the background.
struct Generation {
    seller_id: String,
    total: usize,
    written: AtomicUsize,
    outcome: Mutex<Option<Result<world::WorldStats, String>>>,
}

fn generations() -> &'static Mutex<HashMap<String, Arc<Generation>>> {
    static G: OnceLock<Mutex<HashMap<String, Arc<Generation>>>> = OnceLock::new();
    G.get_or_init(Default::default)
}

#[derive(serde::Deserialize)]
struct GenerateBody {
    #[serde(flatten)]
    spec: WorldSpec,
    /// Answer 202 at once and generate in the background (poll `/generations/{id}`).
    #[serde(default)]
    background: bool,
}

/// Generates the seller's catalog, listings and order history (body: a `WorldSpec`, every
/// field optional, and `background`).
async fn generate(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    let seller = seller(&cp, &id).await?;
    let b: GenerateBody = if body.iter().all(u8::is_ascii_whitespace) {
        GenerateBody {
            spec: WorldSpec::default(),
            background: false,
        }
    } else {
        parse(&body)?
    };
    let spec = b.spec;
    if spec.products == 0 || spec.products > 100_000 || spec.days < 1 || spec.days > 3650 {
        return Err(ApiError::invalid_input(
            "products must be 1..=100000 and days 1..=3650.",
        ));
    }
    if world::total_orders(&spec) > 50_000_000 {
        return Err(ApiError::invalid_input(
            "At most 50 million orders per generation.",
        ));
    }
    let now = cp.auth.clock().now();
    if !b.background {
        let stats = world::generate(cp.auth.store(), &seller, &spec, now)
            .await
            .map_err(ApiError::internal)?;
        return Ok((
            StatusCode::CREATED,
            Json(json!({"seller_id": id, "spec": spec, "created": stats})),
        )
            .into_response());
    }
    let gen_id = uuid::Uuid::new_v4().to_string();
    let g = Arc::new(Generation {
        seller_id: id.clone(),
        total: world::total_orders(&spec),
        written: AtomicUsize::new(0),
        outcome: Mutex::new(None),
    });
    generations()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(gen_id.clone(), g.clone());
    let store = cp.auth.store().clone();
    tokio::spawn(async move {
        let r = world::generate_with_progress(&store, &seller, &spec, now, &g.written).await;
        *g.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(r.map_err(|e| e.to_string()));
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({"generation_id": gen_id, "orders_total": world::total_orders(&spec)})),
    )
        .into_response())
}

/// Progress of a background generation.
async fn generation(Path(gen_id): Path<String>) -> Reply {
    let g = generations()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&gen_id)
        .cloned();
    let Some(g) = g else {
        return Err(ApiError::not_found().with_details(format!("No generation {gen_id}.")));
    };
    let outcome = g.outcome.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (done, created, error) = match outcome {
        None => (false, None, None),
        Some(Ok(stats)) => (true, Some(stats), None),
        Some(Err(e)) => (true, None, Some(e)),
    };
    Ok(Json(json!({
        "generation_id": gen_id,
        "seller_id": g.seller_id,
        "orders_total": g.total,
        "orders_written": g.written.load(Ordering::Relaxed),
        "done": done,
        "created": created,
        "error": error,
    }))
    .into_response())
}

async fn listings(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    seller(&cp, &id).await?;
    let rows = cp
        .auth
        .store()
        .listings_of_seller(&id)
        .await
        .map_err(ApiError::internal)?;
    let list: Vec<_> = rows
        .iter()
        .map(|l| {
            json!({"sku": l.sku, "marketplace_id": l.marketplace_id, "asin": l.asin,
                "fulfillment_channel": l.fulfillment_channel, "price": l.price, "currency": l.currency,
                "quantity": l.quantity, "reserved": l.reserved, "status": l.status})
        })
        .collect();
    Ok(Json(json!({"listings": list})).into_response())
}

/// Places a buyer order now (Pending; Unshipped after the payment hold on the clock).
async fn place_order(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    let seller = seller(&cp, &id).await?;
    let new: NewOrder = parse(&body)?;
    let mp_id = new
        .marketplace_id
        .clone()
        .or_else(|| seller.marketplace_ids.first().cloned())
        .unwrap_or_default();
    let mp = marketplace(&mp_id)
        .ok_or_else(|| ApiError::invalid_input(format!("Unknown marketplace {mp_id}.")))?;
    let mut ids = || {
        // Order ids of placed orders are random, not seeded: the world's history owns the seed.
        let mut rng = world::rng_for(rand::random(), "order");
        let order = world::order_id(&mut rng, mp);
        let items = (0..new.items.len())
            .map(|_| world::order_item_id(&mut rng))
            .collect();
        (order, items)
    };
    let row = orders::place(
        cp.auth.store(),
        &seller.selling_partner_id,
        &seller.marketplace_ids,
        &new,
        cp.auth.clock().now(),
        &mut ids,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"order": row.doc, "orderItems": row.items})),
    )
        .into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FbaInventoryBody {
    sku: String,
    /// Default: the seller's first marketplace.
    #[serde(default)]
    marketplace_id: Option<String>,
    fulfillable: i64,
}

/// Sets the fulfillable units of an FBA SKU (stock received or adjusted at the fulfillment
/// center): FBA_INVENTORY_AVAILABILITY_CHANGES, and ANY_OFFER_CHANGED when the offer appears
/// or sells out.
async fn set_fba_inventory(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    let seller = seller(&cp, &id).await?;
    let b: FbaInventoryBody = parse(&body)?;
    let mp = b
        .marketplace_id
        .or_else(|| seller.marketplace_ids.first().cloned())
        .unwrap_or_default();
    let l = crate::market::offers::set_fba_fulfillable(
        cp.auth.store(),
        &seller.selling_partner_id,
        &b.sku,
        &mp,
        b.fulfillable,
        cp.auth.clock().now().as_microsecond(),
    )
    .await?;
    Ok(Json(
        json!({"sku": l.sku, "marketplace_id": l.marketplace_id, "asin": l.asin,
        "fulfillment_channel": l.fulfillment_channel, "quantity": l.quantity,
        "reserved": l.reserved, "status": l.status}),
    )
    .into_response())
}

async fn cancel_order(
    State(cp): State<ControlPlane>,
    Path((id, order)): Path<(String, String)>,
) -> Reply {
    let row = orders::cancel(cp.auth.store(), &id, &order, cp.auth.clock().now()).await?;
    Ok(Json(json!({"order": row.doc})).into_response())
}

#[derive(serde::Deserialize)]
struct OutboxQuery {
    limit: Option<u32>,
}

/// Events committed with the writes that caused them and not yet delivered, oldest first.
async fn outbox(State(cp): State<ControlPlane>, Query(q): Query<OutboxQuery>) -> Reply {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let entries = cp
        .auth
        .store()
        .pending_outbox(limit)
        .await
        .map_err(ApiError::internal)?;
    let list: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({"id": e.id, "topic": e.topic, "seller_id": e.seller_id, "payload": e.payload,
            "created_at": crate::time::iso_us(e.created_at_us)})
        })
        .collect();
    Ok(Json(json!({"events": list})).into_response())
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct BuyersBody {
    orders_per_hour: f64,
}

/// The buyer simulator's rate for a seller (orders per simulated hour; 0 stops it).
async fn set_buyers(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    seller(&cp, &id).await?;
    let b: BuyersBody = parse(&body)?;
    crate::market::buyers::configure(
        cp.auth.store(),
        &id,
        b.orders_per_hour,
        cp.auth.clock().now(),
    )
    .await?;
    Ok(Json(json!({"seller_id": id, "orders_per_hour": b.orders_per_hour})).into_response())
}

async fn get_buyers(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    seller(&cp, &id).await?;
    let rate = crate::market::buyers::rate(cp.auth.store(), &id).await?;
    Ok(Json(json!({"seller_id": id, "orders_per_hour": rate})).into_response())
}
