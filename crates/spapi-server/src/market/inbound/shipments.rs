//! Shipments on the clock: after transportation is confirmed a shipment moves
//! READY_TO_SHIP -> SHIPPED -> IN_TRANSIT -> DELIVERED -> CHECKED_IN -> RECEIVING -> CLOSED by
//! jobs, moving its units through the FBA inbound stages and finally into fulfillable stock.

use super::workflow::{DAY, HOUR, Plan};
use super::{JOB_SHIPMENT, decode, save};
use crate::error::{Error, Result};
use crate::market::fba::stock::{self, Disposition, Movement};
use crate::store::{Store, StoreTx};
use serde_json::json;

/// The statuses a shipment moves through after transportation is confirmed, each with the
/// time to the next one (the time Amazon's carriers and fulfillment centers take is not
/// documented; these are typical of a domestic small-parcel shipment).
pub const PROGRESS: &[(&str, i64)] = &[
    ("READY_TO_SHIP", 0),
    ("SHIPPED", 6 * HOUR),
    ("IN_TRANSIT", 2 * DAY),
    ("DELIVERED", 2 * HOUR),
    ("CHECKED_IN", 4 * HOUR),
    ("RECEIVING", DAY),
    ("CLOSED", 0),
];

fn position(status: &str) -> Option<usize> {
    PROGRESS.iter().position(|(s, _)| *s == status)
}

/// Schedules the job that moves `shipment` on from `from` at `at_us`.
pub async fn schedule(
    tx: &mut StoreTx,
    seller: &str,
    plan_id: &str,
    shipment: &str,
    from: &str,
    at_us: i64,
) -> Result<()> {
    tx.enqueue_job(
        JOB_SHIPMENT,
        at_us,
        &json!({"sellerId": seller, "inboundPlanId": plan_id, "shipmentId": shipment, "from": from}),
    )
    .await?;
    Ok(())
}

/// Moves a shipment one status on in the caller's transaction: its status, the stock, the
/// next job and the plan's status.
async fn step(
    tx: &mut StoreTx,
    seller: &str,
    plan: &mut Plan,
    idx: usize,
    at_us: i64,
) -> Result<()> {
    let mp = plan.marketplace_id.clone();
    let s = &mut plan.shipments[idx];
    let from = s.shipment.status.clone().unwrap_or_default();
    let Some(pos) = position(&from).filter(|p| p + 1 < PROGRESS.len()) else {
        return Ok(());
    };
    let to = PROGRESS[pos + 1].0;
    let reference = s.shipment.shipment_confirmation_id.clone();
    for (msku, q) in s.items.clone() {
        let change = |working, shipped, receiving| Movement::InboundChange {
            working,
            shipped,
            receiving,
        };
        let moves: Vec<Movement> = match to {
            "SHIPPED" => vec![change(-q, q, 0)],
            "RECEIVING" => vec![change(0, -q, q)],
            "CLOSED" => {
                let (damaged, missing) = s.losses.get(&msku).copied().unwrap_or((0, 0));
                let damaged = damaged.clamp(0, q);
                let missing = missing.clamp(0, q - damaged);
                let mut v = vec![Movement::Receipt {
                    quantity: q,
                    reference_id: reference.clone(),
                }];
                if damaged > 0 {
                    v.push(Movement::Damage {
                        quantity: damaged,
                        disposition: Disposition::WarehouseDamaged,
                    });
                }
                if missing > 0 {
                    v.push(Movement::Missing { quantity: missing });
                }
                v
            }
            _ => vec![],
        };
        for mv in moves {
            stock::apply_in(tx, seller, &msku, &mp, &mv, at_us).await?;
        }
    }
    s.stage = match to {
        "SHIPPED" | "IN_TRANSIT" | "DELIVERED" | "CHECKED_IN" => "shipped",
        "RECEIVING" => "receiving",
        "CLOSED" => "done",
        _ => "working",
    }
    .into();
    s.shipment.status = Some(to.to_string());
    let id = s.shipment.shipment_id.clone();
    if pos + 2 < PROGRESS.len() {
        let delay = PROGRESS[pos + 1].1;
        schedule(tx, seller, &plan.id, &id, to, at_us + delay).await?;
    }
    // A plan is SHIPPED once every shipment of it has left.
    if plan.status == "ACTIVE"
        && plan
            .confirmed_shipments()
            .iter()
            .all(|s| matches!(s.stage.as_str(), "shipped" | "receiving" | "done"))
    {
        plan.status = "SHIPPED".into();
    }
    plan.updated_at = at_us;
    Ok(())
}

/// The job: moves the shipment on from `from` (a no-op when it moved meanwhile).
pub async fn advance(
    store: &Store,
    seller: &str,
    plan_id: &str,
    shipment_id: &str,
    from: &str,
    at_us: i64,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(row) = tx.get_inbound_plan(seller, plan_id).await? else {
        return Ok(());
    };
    let mut plan = decode(&row)?;
    let Some(idx) = plan
        .shipments
        .iter()
        .position(|s| s.shipment.shipment_id == shipment_id)
    else {
        return Ok(());
    };
    if plan.shipments[idx].shipment.status.as_deref() != Some(from) || plan.status == "VOIDED" {
        return Ok(());
    }
    step(&mut tx, seller, &mut plan, idx, at_us).await?;
    save(&mut tx, seller, &plan).await?;
    tx.commit().await?;
    Ok(())
}

/// Control plane: moves a shipment on to `target` now, through every status between.
pub async fn move_to(
    store: &Store,
    seller: &str,
    plan_id: &str,
    shipment_id: &str,
    target: &str,
    at_us: i64,
) -> Result<String> {
    let Some(goal) = position(target) else {
        return Err(Error::invalid_parameter(
            "status",
            format!(
                "status must be one of {}.",
                PROGRESS
                    .iter()
                    .map(|(s, _)| *s)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let mut tx = store.begin().await?;
    let row = tx
        .get_inbound_plan(seller, plan_id)
        .await?
        .ok_or_else(|| Error::not_found().with_details(format!("inbound plan {plan_id}")))?;
    let mut plan = decode(&row)?;
    let Some(idx) = plan
        .shipments
        .iter()
        .position(|s| s.shipment.shipment_id == shipment_id)
    else {
        return Err(Error::not_found().with_details(format!("shipment {shipment_id}")));
    };
    let current = plan.shipments[idx]
        .shipment
        .status
        .clone()
        .unwrap_or_default();
    let Some(now) = position(&current) else {
        return Err(Error::conflict(format!(
            "The shipment is {current}: it moves on the clock once its transportation is confirmed."
        )));
    };
    if goal < now {
        return Err(Error::conflict(format!(
            "The shipment is already {current}; it cannot go back to {target}."
        )));
    }
    for _ in now..goal {
        step(&mut tx, seller, &mut plan, idx, at_us).await?;
    }
    save(&mut tx, seller, &plan).await?;
    tx.commit().await?;
    Ok(plan.shipments[idx]
        .shipment
        .status
        .clone()
        .unwrap_or_default())
}

/// Control plane: units of a SKU the shipment loses at receipt (damaged, missing).
pub async fn set_losses(
    store: &Store,
    seller: &str,
    plan_id: &str,
    shipment_id: &str,
    msku: &str,
    damaged: i64,
    missing: i64,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let row = tx
        .get_inbound_plan(seller, plan_id)
        .await?
        .ok_or_else(|| Error::not_found().with_details(format!("inbound plan {plan_id}")))?;
    let mut plan = decode(&row)?;
    let Some(s) = plan
        .shipments
        .iter_mut()
        .find(|s| s.shipment.shipment_id == shipment_id)
    else {
        return Err(Error::not_found().with_details(format!("shipment {shipment_id}")));
    };
    let Some(q) = s.items.iter().find(|(k, _)| k == msku).map(|x| x.1) else {
        return Err(Error::invalid_parameter(
            "msku",
            format!("{msku} is not in the shipment."),
        ));
    };
    if damaged < 0 || missing < 0 || damaged + missing > q {
        return Err(Error::invalid_parameter(
            "damaged",
            format!("damaged and missing must be at least 0 and at most {q} together."),
        ));
    }
    if s.stage == "done" {
        return Err(Error::conflict("The shipment is closed already."));
    }
    s.losses.insert(msku.to_string(), (damaged, missing));
    save(&mut tx, seller, &plan).await?;
    tx.commit().await?;
    Ok(())
}
