//! submitFulfillmentOrderStatusUpdate: Amazon's sandbox hook that moves an order to a status
//! at once, here the emulator's way of time travel for one order.
//!
//! # Rules (the lifecycle's, taken several steps at a time)
//!
//! - A terminal order (Complete, CompletePartialled, Unfulfillable, Invalid, Cancelled) does
//!   not move; nor does an order go back (to New or Received, or Processing -> Planning).
//!   Asking for the status the order is in changes nothing.
//! - Planning, Processing, Complete, CompletePartialled run the clock's steps one after the
//!   other (the same stock movements, shipment, package and notifications); a `Hold` order is
//!   released to ship on the way. Complete needs every unit held (no unfulfillable units),
//!   CompletePartialled some units held and some not; an order holding no unit can only
//!   become Unfulfillable, Invalid or Cancelled.
//! - Cancelled follows cancelFulfillmentOrder (Received or Planning only).
//! - Unfulfillable (before shipping) and Invalid (while Received): the held units go back to
//!   the stock, every unit not cancelled is unfulfillable, a pending shipment is cancelled
//!   by the fulfiller.

use super::{Doc, Fulfillment, cancel_in, decode, encode, move_units, not_found, seller, step};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::store::StoreTx;
use crate::store::mcf::McfOrderRow;
use jiff::Timestamp;
use spapi_model::fulfillment_outbound_2020_07_01 as m;

use m::FulfillmentOrderStatus as S;

fn rank(s: &S) -> Option<u8> {
    match s {
        S::New => Some(0),
        S::Received => Some(1),
        S::Planning => Some(2),
        S::Processing => Some(3),
        _ => None,
    }
}

fn terminal(s: &S) -> bool {
    rank(s).is_none()
}

fn refuse(id: &str, from: &S, to: &S, why: &str) -> Error {
    Error::invalid_input(format!(
        "The fulfillment order {id} is {from} and cannot become {to}{why}."
    ))
}

/// Makes the order Unfulfillable or Invalid: held units back, the rest unfulfillable.
async fn fail(
    tx: &mut StoreTx,
    row: &mut McfOrderRow,
    doc: &mut Doc,
    to: S,
    at: Timestamp,
) -> Result<()> {
    let mp = doc.order.fulfillment_order.marketplace_id.clone();
    for (i, item) in doc.order.fulfillment_order_items.iter_mut().enumerate() {
        let h = doc.held.get(i).copied().unwrap_or(0);
        move_units(tx, &row.seller_id, &item.seller_sku, &mp, -h, 0, at).await?;
        item.unfulfillable_quantity = item.quantity - item.cancelled_quantity;
        item.estimated_ship_date = None;
        item.estimated_arrival_date = None;
    }
    doc.held.iter_mut().for_each(|h| *h = 0);
    let mut shipment_changed = false;
    for s in doc.order.fulfillment_shipments.iter_mut().flatten() {
        if s.fulfillment_shipment_status == m::FulfillmentShipmentFulfillmentShipmentStatus::Pending
        {
            s.fulfillment_shipment_status =
                m::FulfillmentShipmentFulfillmentShipmentStatus::CancelledByFulfiller;
            s.shipping_date = None;
            shipment_changed = true;
        }
    }
    super::set_status(doc, row, to, at);
    encode(row, doc)?;
    tx.update_mcf_order(row).await?;
    super::notify(tx, row, doc, false, at).await?;
    if shipment_changed {
        super::notify(tx, row, doc, true, at).await?;
    }
    Ok(())
}

impl Fulfillment {
    /// submitFulfillmentOrderStatusUpdate (see the module rules).
    pub async fn force_status(
        &self,
        caller: &Caller,
        id: &str,
        to: Option<&m::FulfillmentOrderStatus>,
    ) -> Result<()> {
        let seller = seller(caller)?;
        let Some(to) = to.cloned() else {
            return Err(Error::invalid_parameter(
                "fulfillmentOrderStatus",
                "fulfillmentOrderStatus is required.",
            ));
        };
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut row = tx
            .get_mcf_order(seller, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let mut doc = decode(&row)?;
        let from = doc.order.fulfillment_order.fulfillment_order_status.clone();
        if from == to && !matches!(to, S::Unknown(_)) {
            return Ok(());
        }
        if terminal(&from) {
            return Err(refuse(id, &from, &to, ": its status can no longer change"));
        }
        let held: i64 = doc.held.iter().sum();
        let short = doc
            .order
            .fulfillment_order_items
            .iter()
            .zip(&doc.held)
            .any(|(i, h)| *h < i.quantity - i.cancelled_quantity);
        match &to {
            S::New | S::Received => {
                return Err(refuse(id, &from, &to, ": an order does not go back"));
            }
            S::Cancelled => {
                if !matches!(from, S::Received | S::Planning) {
                    return Err(refuse(
                        id,
                        &from,
                        &to,
                        "; only Received or Planning orders can be cancelled",
                    ));
                }
                cancel_in(&mut tx, &mut row, &mut doc, now).await?;
            }
            S::Invalid => {
                if !matches!(from, S::New | S::Received) {
                    return Err(refuse(
                        id,
                        &from,
                        &to,
                        "; only an order not yet validated can be invalid",
                    ));
                }
                fail(&mut tx, &mut row, &mut doc, to, now).await?;
            }
            S::Unfulfillable => {
                fail(&mut tx, &mut row, &mut doc, to, now).await?;
            }
            S::Planning | S::Processing | S::Complete | S::CompletePartialled => {
                if rank(&to).is_some_and(|r| rank(&from).is_some_and(|f| r < f)) {
                    return Err(refuse(id, &from, &to, ": an order does not go back"));
                }
                if held == 0 {
                    return Err(refuse(
                        id,
                        &from,
                        &to,
                        ": it holds no units to ship, so it can only become Unfulfillable, \
                         Invalid or Cancelled",
                    ));
                }
                if to == S::Complete && short {
                    return Err(refuse(
                        id,
                        &from,
                        &to,
                        ": some of its units are unfulfillable, so it completes as \
                         CompletePartialled",
                    ));
                }
                if to == S::CompletePartialled && !short {
                    return Err(refuse(
                        id,
                        &from,
                        &to,
                        ": every unit is held, so it completes as Complete",
                    ));
                }
                doc.order.fulfillment_order.fulfillment_action = Some(m::FulfillmentAction::Ship);
                // The steps of the clock, one after the other; each leaves a job for the
                // next step, which finds the order moved on and does nothing.
                for _ in 0..4 {
                    let current = doc.order.fulfillment_order.fulfillment_order_status.clone();
                    if current == to || terminal(&current) {
                        break;
                    }
                    step(&mut tx, &mut row, &mut doc, now).await?;
                    if doc.order.fulfillment_order.fulfillment_order_status == current {
                        break;
                    }
                }
            }
            S::Unknown(v) => {
                return Err(Error::invalid_parameter(
                    "fulfillmentOrderStatus",
                    format!("{v} is not a FulfillmentOrderStatus."),
                ));
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
