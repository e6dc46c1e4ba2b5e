//! Orders on their way out: the payment hold and FBA shipping (jobs on the clock),
//! confirmShipment for seller-fulfilled orders, in-store pickup status updates, and
//! cancellation.

use super::events::record_change;
use super::place::settle_stock;
use super::{bad, order_items, seller_order, set_status, us};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::finances;
use crate::store::{OrderRow, Store, StoreTx};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use spapi_model::orders_v0 as m;

/// How long after it becomes Unshipped an FBA order ships by itself.
pub const FBA_SHIPS_AFTER: SignedDuration = SignedDuration::from_hours(12);
/// Job: Amazon ships an FBA order.
pub const JOB_FBA_SHIP: &str = "order.fba_ship";

/// The job that moves a Pending order to Unshipped (and schedules FBA shipment).
pub async fn release_pending(store: &Store, id: &str, at: Timestamp) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(mut row) = tx.get_order(id).await? else {
        return Ok(());
    };
    if row.order_status != "Pending" {
        return Ok(());
    }
    set_status(&mut row, "Unshipped", at)?;
    record_change(&mut tx, &row, "PaymentAuthorized", at).await?;
    if row.fulfillment_channel == "AFN" {
        let run_at = at.checked_add(FBA_SHIPS_AFTER).unwrap_or(at);
        tx.enqueue_job(JOB_FBA_SHIP, us(run_at), &json!({"amazonOrderId": id}))
            .await?;
    }
    tx.commit().await.map_err(Error::internal)
}

/// The job in which Amazon's fulfillment network ships an FBA order.
pub async fn fba_ship(store: &Store, id: &str, at: Timestamp) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(mut row) = tx.get_order(id).await? else {
        return Ok(());
    };
    if row.order_status != "Unshipped" {
        return Ok(());
    }
    let mut items = order_items(&row)?;
    let mut shipped = Vec::new();
    for i in &mut items {
        let remaining = i.quantity_ordered - i.quantity_shipped.unwrap_or(0);
        i.quantity_shipped = Some(i.quantity_ordered);
        if let Some(sku) = i.seller_sku.clone() {
            settle_stock(&mut tx, &row, &sku, remaining, 0, at).await?;
        }
        shipped.push((i.clone(), remaining));
    }
    row.items = serde_json::to_value(&items).map_err(Error::internal)?;
    set_status(&mut row, "Shipped", at)?;
    record_change(&mut tx, &row, "Shipped", at).await?;
    finances::post_shipment(&mut tx, &row, &shipped, at).await?;
    tx.commit().await.map_err(Error::internal)
}

/// `confirmShipment`: the seller ships a package of an MFN order.
pub async fn confirm_shipment(
    store: &Store,
    caller: &Caller,
    order_id: &str,
    req: &m::ConfirmShipmentRequest,
    now: Timestamp,
) -> Result<()> {
    let row = seller_order(store, caller, order_id).await?;
    if req.marketplace_id != row.marketplace_id {
        return Err(bad(
            "marketplaceId",
            "marketplaceId is not the order's marketplace.",
        ));
    }
    check_can_ship(&row)?;
    if let Some(info) = store.get_regulated(order_id).await?
        && info["RegulatedOrderVerificationStatus"]["Status"] != "Approved"
    {
        return Err(Error::invalid_input(
            "The regulated order has not been approved (updateVerificationStatus) and cannot ship.",
        ));
    }
    let pkg = &req.package_detail;
    if pkg.order_items.is_empty() {
        return Err(bad(
            "packageDetail.orderItems",
            "A package holds at least one order item.",
        ));
    }
    if pkg.tracking_number.trim().is_empty() || pkg.carrier_code.trim().is_empty() {
        return Err(Error::invalid_input(
            "carrierCode and trackingNumber are required.",
        ));
    }
    let ship_date = crate::time::parse_date_time(&pkg.ship_date).ok_or_else(|| {
        bad(
            "packageDetail.shipDate",
            "Invalid Date-Time field(s) [shipDate].",
        )
    })?;
    if ship_date
        > now
            .checked_add(SignedDuration::from_hours(24))
            .unwrap_or(now)
    {
        return Err(bad(
            "packageDetail.shipDate",
            "shipDate cannot be in the future.",
        ));
    }
    let lines: Vec<(String, i64)> = pkg
        .order_items
        .iter()
        .map(|i| (i.order_item_id.clone(), i.quantity))
        .collect();
    let mut tx = store.begin().await?;
    ship_lines(
        &mut tx,
        row,
        &lines,
        "packageDetail.orderItems",
        "ShipmentConfirmed",
        now,
    )
    .await?;
    tx.commit().await.map_err(Error::internal)
}

/// Whether a seller-fulfilled order can ship now (confirmShipment, a bought label): MFN, and
/// Unshipped or PartiallyShipped.
pub fn check_can_ship(row: &OrderRow) -> Result<()> {
    if row.fulfillment_channel != "MFN" {
        return Err(Error::invalid_input(
            "Only seller-fulfilled (MFN) orders can be confirmed; Amazon ships FBA orders.",
        ));
    }
    if !matches!(row.order_status.as_str(), "Unshipped" | "PartiallyShipped") {
        return Err(Error::invalid_input(format!(
            "The order is {}; only Unshipped or PartiallyShipped orders can be confirmed.",
            row.order_status
        )));
    }
    Ok(())
}

/// Ships `lines` (order item id, units) of an MFN order in the caller's transaction: each
/// line must name an item of the order with that many units unshipped (else 400 about
/// `field`); the units leave the stock reservation, the order becomes PartiallyShipped or
/// Shipped with ORDER_CHANGE `reason`, and the finance ShipmentEvent is posted. The caller has
/// checked [`check_can_ship`]. Returns the updated row.
pub async fn ship_lines(
    tx: &mut StoreTx,
    row: OrderRow,
    lines: &[(String, i64)],
    field: &str,
    reason: &str,
    now: Timestamp,
) -> Result<OrderRow> {
    let order_id = row.amazon_order_id.clone();
    let mut items = order_items(&row)?;
    let mut shipped_now: Vec<(String, i64)> = Vec::new();
    let mut shipped_items = Vec::new();
    for (item_id, quantity) in lines {
        let Some(item) = items.iter_mut().find(|i| &i.order_item_id == item_id) else {
            return Err(bad(
                field,
                format!("Order item {item_id} is not in order {order_id}."),
            ));
        };
        let remaining = item.quantity_ordered - item.quantity_shipped.unwrap_or(0);
        if *quantity < 1 || *quantity > remaining {
            return Err(bad(
                field,
                format!(
                    "Quantity {quantity} of order item {item_id} exceeds the {remaining} unshipped units."
                ),
            ));
        }
        item.quantity_shipped = Some(item.quantity_shipped.unwrap_or(0) + quantity);
        shipped_now.push((item.seller_sku.clone().unwrap_or_default(), *quantity));
        shipped_items.push((item.clone(), *quantity));
    }
    let all_shipped = items
        .iter()
        .all(|i| i.quantity_shipped.unwrap_or(0) >= i.quantity_ordered);
    let mut row = row;
    row.items = serde_json::to_value(&items).map_err(Error::internal)?;
    for (sku, q) in &shipped_now {
        settle_stock(tx, &row, sku, *q, 0, now).await?;
    }
    set_status(
        &mut row,
        if all_shipped {
            "Shipped"
        } else {
            "PartiallyShipped"
        },
        now,
    )?;
    record_change(tx, &row, reason, now).await?;
    finances::post_shipment(tx, &row, &shipped_items, now).await?;
    Ok(row)
}

/// Cancels an order that has not shipped (control plane: a buyer cancellation).
pub async fn cancel(
    store: &Store,
    seller_id: &str,
    order_id: &str,
    now: Timestamp,
) -> Result<OrderRow> {
    let mut tx = store.begin().await?;
    let row = tx.get_order(order_id).await?;
    let Some(mut row) = row.filter(|r| r.seller_id == seller_id) else {
        return Err(Error::not_found().with_details(format!("Order {order_id} was not found.")));
    };
    if !matches!(row.order_status.as_str(), "Pending" | "Unshipped") {
        return Err(Error::invalid_input(format!(
            "The order is {}; only Pending or Unshipped orders can be canceled.",
            row.order_status
        )));
    }
    for i in order_items(&row)? {
        if let Some(sku) = &i.seller_sku {
            settle_stock(&mut tx, &row, sku, 0, i.quantity_ordered, now).await?;
        }
    }
    set_status(&mut row, "Canceled", now)?;
    record_change(&mut tx, &row, "BuyerCanceled", now).await?;
    tx.commit().await?;
    Ok(row)
}

/// `updateShipmentStatus`: an in-store pickup (ISPU) order is ready, picked up, or refused.
/// Ready keeps it Unshipped (the buyer is told); PickedUp ships it; RefusedPickup cancels it and
/// returns the stock. Only ISPU orders take these updates.
pub async fn update_shipment_status(
    store: &Store,
    caller: &Caller,
    order_id: &str,
    req: &m::UpdateShipmentStatusRequest,
    now: Timestamp,
) -> Result<()> {
    let mut row = seller_order(store, caller, order_id).await?;
    if req.marketplace_id != row.marketplace_id {
        return Err(bad(
            "marketplaceId",
            "marketplaceId is not the order's marketplace.",
        ));
    }
    if !row.is_ispu {
        return Err(Error::invalid_input(
            "Only in-store pickup (ISPU) orders take shipment status updates.",
        ));
    }
    if row.order_status != "Unshipped" {
        return Err(Error::invalid_input(format!(
            "The order is {}; only Unshipped pickup orders can be updated.",
            row.order_status
        )));
    }
    let mut items = order_items(&row)?;
    if let Some(listed) = &req.order_items {
        for li in listed {
            let id = li.order_item_id.as_deref().unwrap_or("");
            let Some(item) = items.iter().find(|i| i.order_item_id == id) else {
                return Err(bad(
                    "orderItems",
                    format!("Order item {id} is not in order {order_id}."),
                ));
            };
            if li
                .quantity
                .is_some_and(|q| q < 1 || q > item.quantity_ordered)
            {
                return Err(bad(
                    "orderItems",
                    format!("Bad quantity for order item {id}."),
                ));
            }
        }
    }
    let mut tx = store.begin().await?;
    let reason = match req.shipment_status.as_str() {
        "ReadyForPickup" => {
            set_status(&mut row, "Unshipped", now)?;
            "ReadyForPickup"
        }
        "PickedUp" => {
            let mut shipped = Vec::new();
            for i in &mut items {
                let remaining = i.quantity_ordered - i.quantity_shipped.unwrap_or(0);
                i.quantity_shipped = Some(i.quantity_ordered);
                if let Some(sku) = i.seller_sku.clone() {
                    settle_stock(&mut tx, &row, &sku, remaining, 0, now).await?;
                }
                shipped.push((i.clone(), remaining));
            }
            row.items = serde_json::to_value(&items).map_err(Error::internal)?;
            set_status(&mut row, "Shipped", now)?;
            finances::post_shipment(&mut tx, &row, &shipped, now).await?;
            "PickedUp"
        }
        "RefusedPickup" => {
            for i in &items {
                if let Some(sku) = &i.seller_sku {
                    settle_stock(&mut tx, &row, sku, 0, i.quantity_ordered, now).await?;
                }
            }
            set_status(&mut row, "Canceled", now)?;
            "RefusedPickup"
        }
        other => {
            return Err(bad(
                "shipmentStatus",
                format!("Unknown shipmentStatus {other}."),
            ));
        }
    };
    record_change(&mut tx, &row, reason, now).await?;
    tx.commit().await.map_err(Error::internal)
}
