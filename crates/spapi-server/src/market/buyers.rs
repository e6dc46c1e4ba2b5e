//! The buyer simulator: at a configured rate of simulated time, buyers order from a seller's
//! live listings (buyable, in stock, at the listed price). Each tick places one order and
//! schedules the next tick; the gaps are exponential, so orders arrive as a Poisson process.

use super::orders::{self, NewOrder, NewOrderLine};
use super::world;
use crate::error::Error;
use crate::store::Store;
use jiff::{SignedDuration, Timestamp};
use rand::Rng;
use serde_json::json;

/// Job kind of a buyer tick.
pub const JOB_BUYER_TICK: &str = "buyers.tick";

fn meta_key(seller_id: &str) -> String {
    format!("buyers.rate.{seller_id}")
}

/// The configured rate (orders per simulated hour) of a seller's buyers (0 when off) and the
/// generation of that configuration: ticks of an older one stop, so reconfiguring never runs
/// two chains of ticks.
async fn config(store: &Store, seller_id: &str) -> Result<(f64, i64), Error> {
    let v = store.get_meta(&meta_key(seller_id)).await?;
    let (rate, generation) = v
        .as_deref()
        .and_then(|v| v.split_once('@'))
        .map(|(r, g)| (r.parse().unwrap_or(0.0), g.parse().unwrap_or(0)))
        .unwrap_or((0.0, 0));
    Ok((rate, generation))
}

/// The configured rate (orders per simulated hour) of a seller's buyers; 0 when off.
pub async fn rate(store: &Store, seller_id: &str) -> Result<f64, Error> {
    Ok(config(store, seller_id).await?.0)
}

fn next_gap(seed: &str, rate_per_hour: f64) -> SignedDuration {
    let mut rng = world::rng_for(0, seed);
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let hours = -u.ln() / rate_per_hour;
    SignedDuration::from_secs_f64((hours * 3600.0).clamp(1.0, 30.0 * 86400.0))
}

/// Sets the rate and schedules the first tick (a rate of 0 stops the buyers).
pub async fn configure(
    store: &Store,
    seller_id: &str,
    rate_per_hour: f64,
    now: Timestamp,
) -> Result<(), Error> {
    if !(0.0..=3600.0).contains(&rate_per_hour) {
        return Err(Error::invalid_input(
            "orders_per_hour must be between 0 and 3600.",
        ));
    }
    let generation = config(store, seller_id).await?.1 + 1;
    let mut tx = store.begin().await?;
    tx.set_meta(
        &meta_key(seller_id),
        &format!("{rate_per_hour}@{generation}"),
    )
    .await?;
    if rate_per_hour > 0.0 {
        let at = now
            .checked_add(next_gap(
                &format!("{seller_id}:{}", now.as_microsecond()),
                rate_per_hour,
            ))
            .unwrap_or(now);
        let payload = json!({"sellerId": seller_id, "generation": generation});
        tx.enqueue_job(JOB_BUYER_TICK, at.as_microsecond(), &payload)
            .await?;
    }
    tx.commit().await.map_err(Error::internal)
}

/// One tick: a buyer orders from a random live listing; then the next tick is scheduled.
/// Ticks of an older configuration find the rate changed and stop.
pub async fn tick(
    store: &Store,
    seller_id: &str,
    generation: i64,
    at: Timestamp,
) -> Result<(), Error> {
    let (rate, current) = config(store, seller_id).await?;
    if rate <= 0.0 || generation != current {
        return Ok(());
    }
    let Some(seller) = store.get_seller(seller_id).await? else {
        return Ok(());
    };
    let seed = format!("{seller_id}:{}", at.as_microsecond());
    let mut rng = world::rng_for(1, &seed);
    let home = seller.marketplace_ids.first().cloned().unwrap_or_default();
    let live: Vec<_> = store
        .listings_of_seller(seller_id)
        .await?
        .into_iter()
        .filter(|l| l.marketplace_id == home && l.status == "BUYABLE" && l.quantity > 0)
        .collect();
    if !live.is_empty() {
        let l = &live[rng.random_range(0..live.len())];
        let quantity = if l.quantity >= 2 && rng.random_bool(0.2) {
            2
        } else {
            1
        };
        let new = NewOrder {
            marketplace_id: Some(home.clone()),
            items: vec![NewOrderLine {
                sku: l.sku.clone(),
                quantity,
            }],
            prime: rng.random_bool(0.4),
            business: rng.random_bool(0.1),
            ship_to: None,
            buyer_name: None,
            seller_order_id: None,
            pickup_store: None,
            regulated: false,
        };
        let mp = crate::market::marketplaces::marketplace(&home)
            .ok_or_else(|| Error::internal("unknown home marketplace"))?;
        let mut ids = || {
            (
                world::order_id(&mut rng, mp),
                vec![world::order_item_id(&mut rng)],
            )
        };
        orders::place(
            store,
            seller_id,
            &seller.marketplace_ids,
            &new,
            at,
            &mut ids,
        )
        .await?;
    }
    let next = at.checked_add(next_gap(&seed, rate)).unwrap_or(at);
    let payload = json!({"sellerId": seller_id, "generation": generation});
    store
        .enqueue_job(JOB_BUYER_TICK, next.as_microsecond(), &payload)
        .await?;
    Ok(())
}
