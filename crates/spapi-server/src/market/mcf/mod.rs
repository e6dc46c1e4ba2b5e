//! Multi-Channel Fulfillment (Fulfillment Outbound 2020-07-01): orders a seller sends to
//! Amazon's fulfillment network for customers outside Amazon, shipped from the seller's FBA
//! stock.
//!
//! # One stock
//!
//! An MCF order holds units of the same AFN listing rows Amazon orders use: at creation its
//! units move from the listing's fulfillable `quantity` to `reserved` (through
//! `market::offers::listing_changed`, in the order's transaction, so FBA availability, offer
//! and ledger events follow); at shipment they leave `reserved`; a cancellation gives them
//! back. An MCF order can therefore sell a listing out for buyers, and buyers can leave an MCF
//! order short.
//!
//! # Policies
//!
//! More units than exist are accepted, as at Amazon. `FillOrKill` (the default) holds nothing
//! unless every line can be filled, and the order turns `Unfulfillable` at planning;
//! `FillAll` and `FillAllAvailable` hold what exists, and the missing units become
//! `unfulfillableQuantity` at planning (spapi does not wait for later stock under `FillAll`;
//! the order completes partialled once the held units ship).
//!
//! # Lifecycle (jobs on the clock)
//!
//! `Received` at creation; `Planning` [`PLANNING_AFTER`] later (a `Hold` order stays
//! `Received` until updateFulfillmentOrder says `Ship`, and is cancelled after
//! [`HOLD_EXPIRES_AFTER`] without it); `Processing` [`PROCESSING_AFTER`]
//! later with one `PENDING` shipment of the held units in one package; shipped
//! [`SHIPS_AFTER`] later: `Complete`, or `CompletePartialled` when units were unfulfillable.
//! The seller may cancel in `Received` and `Planning` only.

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::marketplaces::{self, marketplace};
use crate::market::{offers, paging};
use crate::store::mcf::McfOrderRow;
use crate::store::{Store, StoreError, StoreTx};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use spapi_model::fulfillment_outbound_2020_07_01 as m;

mod delivery;
mod features;
mod returns;
mod status;

pub use delivery::OFFER_LIFETIME;
pub use features::PAGE as FEATURE_PAGE;
pub use returns::RECEIVED_AFTER as RETURN_RECEIVED_AFTER;
use returns::RETURN_JOB_PREFIX;

/// Job: move an MCF order one step on.
pub const JOB_ADVANCE: &str = "mcf.advance";
/// From `Received` (with `Ship`) to `Planning`.
pub const PLANNING_AFTER: SignedDuration = SignedDuration::from_mins(30);
/// From `Planning` to `Processing` (picking).
pub const PROCESSING_AFTER: SignedDuration = SignedDuration::from_hours(2);
/// How long a `Hold` order waits for `Ship` before Amazon cancels it.
pub const HOLD_EXPIRES_AFTER: SignedDuration = SignedDuration::from_hours(14 * 24);
/// From `Processing` to shipped.
pub const SHIPS_AFTER: SignedDuration = SignedDuration::from_hours(4);

const MAX_ID_LEN: usize = 40;
const MAX_ORDER_COMMENT_LEN: usize = 750;
const PAGE: u32 = 100;
const FULFILLMENT_CENTER: &str = "SEA8";
const CARRIER: &str = "AMZN_US";

/// The stored order: the getFulfillmentOrder answer and the units it holds per item.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Doc {
    order: m::GetFulfillmentOrderResult,
    /// Units held on the AFN listing, per item (same order as the items).
    held: Vec<i64>,
}

/// A page of listAllFulfillmentOrders.
#[derive(Debug, Clone)]
pub struct OrderPage {
    /// The orders.
    pub orders: Vec<m::FulfillmentOrder>,
    /// The next page's token.
    pub next_token: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    since: i64,
    at: i64,
    id: String,
}

/// The world's Multi-Channel Fulfillment: the store and the clock its operations use.
#[derive(Clone)]
pub struct Fulfillment {
    store: Store,
    clock: Clock,
}

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn seller(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

fn not_found(id: &str) -> Error {
    Error::not_found().with_details(format!(
        "The fulfillment order {id} was not found for this seller."
    ))
}

fn check_id(field: &str, v: &str) -> Result<()> {
    if v.trim().is_empty() || v.chars().count() > MAX_ID_LEN {
        return Err(Error::invalid_parameter(
            field,
            format!("{field} must be 1 to {MAX_ID_LEN} characters."),
        ));
    }
    Ok(())
}

fn days_for(speed: &m::ShippingSpeedCategory) -> i64 {
    match speed {
        m::ShippingSpeedCategory::Priority | m::ShippingSpeedCategory::ScheduledDelivery => 2,
        m::ShippingSpeedCategory::Expedited => 3,
        _ => 5,
    }
}

fn plus(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(t)
}

/// The promise made to an order placed at `at` with `speed`, the one getFulfillmentPreview,
/// deliveryOffers and createFulfillmentOrder give: (estimated ship date, earliest arrival,
/// latest arrival).
fn promise(at: Timestamp, speed: &m::ShippingSpeedCategory) -> (Timestamp, Timestamp, Timestamp) {
    let ship = plus(at, PLANNING_AFTER + PROCESSING_AFTER + SHIPS_AFTER);
    let arrival = plus(ship, SignedDuration::from_hours(24 * days_for(speed)));
    (ship, arrival, plus(arrival, SignedDuration::from_hours(48)))
}

fn decode(row: &McfOrderRow) -> Result<Doc> {
    serde_json::from_str(&row.doc).map_err(Error::internal)
}

fn encode(row: &mut McfOrderRow, doc: &Doc) -> Result<()> {
    row.status = doc
        .order
        .fulfillment_order
        .fulfillment_order_status
        .to_string();
    row.doc = serde_json::to_string(doc).map_err(Error::internal)?;
    Ok(())
}

fn set_status(
    doc: &mut Doc,
    row: &mut McfOrderRow,
    status: m::FulfillmentOrderStatus,
    at: Timestamp,
) {
    doc.order.fulfillment_order.fulfillment_order_status = status;
    doc.order.fulfillment_order.status_updated_date = crate::time::iso(at);
    row.status_updated_at_us = us(at);
}

async fn schedule(tx: &mut StoreTx, row: &McfOrderRow, from: &str, at: Timestamp) -> Result<()> {
    tx.enqueue_job(
        JOB_ADVANCE,
        us(at),
        &json!({"sellerId": row.seller_id, "sellerFulfillmentOrderId": row.order_id, "from": from}),
    )
    .await?;
    Ok(())
}

/// Cancels an order in the caller's transaction: held units go back to the listing, the
/// items' units not unfulfillable are cancelled.
async fn cancel_in(
    tx: &mut StoreTx,
    row: &mut McfOrderRow,
    doc: &mut Doc,
    at: Timestamp,
) -> Result<()> {
    let mp = doc.order.fulfillment_order.marketplace_id.clone();
    for (i, item) in doc.order.fulfillment_order_items.iter_mut().enumerate() {
        let h = doc.held[i];
        move_units(tx, &row.seller_id, &item.seller_sku, &mp, -h, 0, at).await?;
        item.cancelled_quantity = item.quantity - item.unfulfillable_quantity;
        item.estimated_ship_date = None;
        item.estimated_arrival_date = None;
    }
    doc.held.iter_mut().for_each(|h| *h = 0);
    set_status(doc, row, m::FulfillmentOrderStatus::Cancelled, at);
    encode(row, doc)?;
    tx.update_mcf_order(row).await?;
    notify(tx, row, doc, false, at).await
}

/// The notification type of MCF order changes.
pub const FULFILLMENT_ORDER_STATUS: &str = "FULFILLMENT_ORDER_STATUS";

/// Pushes a FULFILLMENT_ORDER_STATUS event: `Order` for a status change, `Shipment` for a
/// shipment's change (with the shipment, statuses spelt as Amazon's notifications spell
/// them: `Pending`, `Shipped`). As Amazon documents, `FulfillmentShipment` is only in
/// shipment events (the published schema marks it required everywhere).
async fn notify(
    tx: &mut StoreTx,
    row: &McfOrderRow,
    doc: &Doc,
    shipment: bool,
    at: Timestamp,
) -> Result<()> {
    let o = &doc.order.fulfillment_order;
    let mut n = json!({
        "SellerId": row.seller_id,
        "EventType": if shipment { "Shipment" } else { "Order" },
        "StatusUpdatedDateTime": crate::time::iso_millis(us(at)),
        "SellerFulfillmentOrderId": row.order_id,
        "FulfillmentOrderStatus": o.fulfillment_order_status.to_string(),
    });
    if shipment && let Some(s) = doc.order.fulfillment_shipments.iter().flatten().next() {
        let status = match s.fulfillment_shipment_status {
            m::FulfillmentShipmentFulfillmentShipmentStatus::Shipped => "Shipped",
            m::FulfillmentShipmentFulfillmentShipmentStatus::CancelledByFulfiller => {
                "CancelledByFulfiller"
            }
            m::FulfillmentShipmentFulfillmentShipmentStatus::CancelledBySeller => {
                "CancelledBySeller"
            }
            _ => "Pending",
        };
        let packages: Vec<_> = s
            .fulfillment_shipment_package
            .iter()
            .flatten()
            .map(|p| json!({"PackageNumber": p.package_number, "CarrierCode": p.carrier_code, "TrackingNumber": p.tracking_number}))
            .collect();
        // The published schema also requires `info` (the first package, as its example shows
        // it); Amazon's guide does not list it. spapi sends it: clients that ignore it lose
        // nothing, clients generated from the schema need it.
        let info = packages.first().cloned().unwrap_or_else(|| json!({}));
        n["FulfillmentShipment"] = json!({
            "FulfillmentShipmentStatus": status,
            "AmazonShipmentId": s.amazon_shipment_id,
            "EstimatedArrivalDateTime": s.estimated_arrival_date,
            "info": info,
            "FulfillmentShipmentPackages": packages,
        });
    }
    tx.push_outbox(FULFILLMENT_ORDER_STATUS, Some(&row.seller_id), &n)
        .await?;
    Ok(())
}

/// Moves `units` of an AFN listing between fulfillable and reserved (`hold` > 0 reserves,
/// < 0 releases) and removes `shipped` reserved units.
async fn move_units(
    tx: &mut StoreTx,
    seller: &str,
    sku: &str,
    marketplace_id: &str,
    hold: i64,
    shipped: i64,
    at: Timestamp,
) -> Result<()> {
    if hold == 0 && shipped == 0 {
        return Ok(());
    }
    let Some(mut l) = tx.get_listing(seller, sku, marketplace_id).await? else {
        return Ok(());
    };
    let before = l.clone();
    l.quantity = (l.quantity - hold).max(0);
    l.reserved = (l.reserved + hold - shipped).max(0);
    l.updated_at_us = us(at);
    tx.upsert_listing(&l).await?;
    offers::listing_changed(tx, Some(&before), Some(&l), us(at)).await?;
    Ok(())
}

impl Fulfillment {
    /// The MCF of the world in `store`, on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Fulfillment { store, clock }
    }

    /// createFulfillmentOrder (see the module rules).
    pub async fn create(
        &self,
        caller: &Caller,
        req: &m::CreateFulfillmentOrderRequest,
    ) -> Result<()> {
        let seller = seller(caller)?;
        let now = self.clock.now();
        check_id("sellerFulfillmentOrderId", &req.seller_fulfillment_order_id)?;
        check_id("displayableOrderId", &req.displayable_order_id)?;
        if req.displayable_order_id.contains("  ") {
            return Err(Error::invalid_parameter(
                "displayableOrderId",
                "displayableOrderId must not contain two spaces in a row.",
            ));
        }
        if req.displayable_order_comment.chars().count() > MAX_ORDER_COMMENT_LEN {
            return Err(Error::invalid_parameter(
                "displayableOrderComment",
                format!(
                    "displayableOrderComment must be at most {MAX_ORDER_COMMENT_LEN} characters."
                ),
            ));
        }
        let date = crate::time::parse_date_time(&req.displayable_order_date).ok_or_else(|| {
            Error::invalid_parameter("displayableOrderDate", "Invalid date-time.")
        })?;
        let mp_id = match &req.marketplace_id {
            Some(id) => id.clone(),
            None => caller.marketplace_ids.first().cloned().ok_or_else(|| {
                Error::invalid_parameter("marketplaceId", "marketplaceId is required.")
            })?,
        };
        let ids = [mp_id.clone()];
        marketplaces::check_known("marketplaceId", &ids)?;
        marketplaces::check_participating(caller, &ids)?;
        let mp = marketplace(&mp_id)
            .ok_or_else(|| Error::invalid_parameter("marketplaceId", "Unknown marketplace."))?;
        let a = &req.destination_address;
        let mut missing = vec![];
        if a.postal_code.trim().is_empty() {
            missing.push("PostalCode");
        }
        if a.city.as_deref().is_none_or(|c| c.trim().is_empty()) && a.country_code != "JP" {
            missing.push("City");
        }
        if !missing.is_empty() {
            return Err(Error::invalid_input(format!(
                "The following required parameters are missing: [{}]",
                missing.join(", ")
            )));
        }
        let action = req
            .fulfillment_action
            .clone()
            .unwrap_or(m::FulfillmentAction::Ship);
        if action == m::FulfillmentAction::Hold
            && req.shipping_speed_category == m::ShippingSpeedCategory::ScheduledDelivery
        {
            return Err(Error::invalid_parameter(
                "fulfillmentAction",
                "Hold is not allowed with the ScheduledDelivery shipping speed.",
            ));
        }
        let policy = req
            .fulfillment_policy
            .clone()
            .unwrap_or(m::FulfillmentPolicy::FillOrKill);
        if req.items.is_empty() {
            return Err(Error::invalid_parameter(
                "items",
                "At least one item is required.",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for i in &req.items {
            if i.quantity < 1 {
                return Err(Error::invalid_parameter(
                    "items.quantity",
                    format!(
                        "The quantity for Item Id: {} must be at least 1.",
                        i.seller_fulfillment_order_item_id
                    ),
                ));
            }
            check_id(
                "items.sellerFulfillmentOrderItemId",
                &i.seller_fulfillment_order_item_id,
            )?;
            if !seen.insert(i.seller_fulfillment_order_item_id.as_str()) {
                return Err(Error::invalid_input(format!(
                    "Item Id {} appears more than once.",
                    i.seller_fulfillment_order_item_id
                )));
            }
        }
        let mut tx = self.store.begin().await?;
        if tx
            .get_mcf_order(seller, &req.seller_fulfillment_order_id)
            .await?
            .is_some()
        {
            return Err(Error::invalid_input(format!(
                "A fulfillment order with sellerFulfillmentOrderId {} already exists.",
                req.seller_fulfillment_order_id
            )));
        }
        if tx
            .mcf_displayable_taken(seller, &req.displayable_order_id)
            .await?
        {
            return Err(Error::invalid_input(format!(
                "A fulfillment order with displayableOrderId {} already exists.",
                req.displayable_order_id
            )));
        }
        // Units available per line; a SKU listed twice draws on the same listing.
        let mut available = std::collections::BTreeMap::new();
        let mut wanted = vec![];
        for i in &req.items {
            let listing = tx.get_listing(seller, &i.seller_sku, mp.id).await?;
            let Some(l) = listing.filter(|l| l.fulfillment_channel == "AFN") else {
                return Err(Error::invalid_input(format!(
                    "the SellerSKU for Item Id: {} is invalid.",
                    i.seller_fulfillment_order_item_id
                )));
            };
            available.entry(l.sku.clone()).or_insert(l.quantity);
            wanted.push(i.quantity);
        }
        let mut held = vec![];
        for i in &req.items {
            let left = available.get_mut(&i.seller_sku).expect("looked up above");
            let take = i.quantity.min(*left);
            *left -= take;
            held.push(take);
        }
        let short = held.iter().zip(&wanted).any(|(h, w)| h < w);
        if short && policy == m::FulfillmentPolicy::FillOrKill {
            held.iter_mut().for_each(|h| *h = 0);
        }
        for (i, h) in req.items.iter().zip(&held) {
            move_units(&mut tx, seller, &i.seller_sku, mp.id, *h, 0, now).await?;
        }
        let (ship_est, arrival, _) = promise(now, &req.shipping_speed_category);
        let items = req
            .items
            .iter()
            .map(|i| m::FulfillmentOrderItem {
                seller_sku: i.seller_sku.clone(),
                seller_fulfillment_order_item_id: i.seller_fulfillment_order_item_id.clone(),
                quantity: i.quantity,
                gift_message: i.gift_message.clone(),
                displayable_comment: i.displayable_comment.clone(),
                fulfillment_network_sku: i.fulfillment_network_sku.clone(),
                order_item_disposition: Some("Sellable".into()),
                cancelled_quantity: 0,
                unfulfillable_quantity: 0,
                estimated_ship_date: Some(crate::time::iso(ship_est)),
                estimated_arrival_date: Some(crate::time::iso(arrival)),
                per_unit_price: i.per_unit_price.clone(),
                per_unit_tax: i.per_unit_tax.clone(),
                per_unit_declared_value: i.per_unit_declared_value.clone(),
            })
            .collect();
        let order = m::FulfillmentOrder {
            seller_fulfillment_order_id: req.seller_fulfillment_order_id.clone(),
            marketplace_id: mp.id.to_string(),
            displayable_order_id: req.displayable_order_id.clone(),
            displayable_order_date: crate::time::iso(date),
            displayable_order_comment: req.displayable_order_comment.clone(),
            shipping_speed_category: req.shipping_speed_category.clone(),
            delivery_window: req.delivery_window.clone(),
            destination_address: req.destination_address.clone(),
            fulfillment_action: Some(action.clone()),
            fulfillment_policy: Some(policy),
            cod_settings: req.cod_settings.clone(),
            received_date: crate::time::iso(now),
            fulfillment_order_status: m::FulfillmentOrderStatus::Received,
            status_updated_date: crate::time::iso(now),
            notification_emails: req.notification_emails.clone(),
            feature_constraints: req.feature_constraints.clone(),
        };
        let doc = Doc {
            order: m::GetFulfillmentOrderResult {
                fulfillment_order: order,
                fulfillment_order_items: items,
                fulfillment_shipments: None,
                return_items: vec![],
                return_authorizations: vec![],
                payment_information: req.payment_information.clone(),
            },
            held,
        };
        let mut row = McfOrderRow {
            seller_id: seller.to_string(),
            order_id: req.seller_fulfillment_order_id.clone(),
            displayable_order_id: req.displayable_order_id.clone(),
            status: String::new(),
            status_updated_at_us: us(now),
            package_number: None,
            doc: String::new(),
        };
        encode(&mut row, &doc)?;
        tx.insert_mcf_order(&row).await.map_err(|e| match e {
            StoreError::Conflict(_) => Error::invalid_input(format!(
                "A fulfillment order with sellerFulfillmentOrderId {} already exists.",
                req.seller_fulfillment_order_id
            )),
            other => Error::from(other),
        })?;
        notify(&mut tx, &row, &doc, false, now).await?;
        if action == m::FulfillmentAction::Ship {
            schedule(&mut tx, &row, "Received", plus(now, PLANNING_AFTER)).await?;
        } else {
            schedule(&mut tx, &row, "Hold", plus(now, HOLD_EXPIRES_AFTER)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// getFulfillmentOrder.
    pub async fn get(&self, caller: &Caller, id: &str) -> Result<m::GetFulfillmentOrderResult> {
        let seller = seller(caller)?;
        let row = self
            .store
            .get_mcf_order(seller, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        Ok(decode(&row)?.order)
    }

    /// listAllFulfillmentOrders: orders whose status changed at or after `query_start_date`
    /// (every order when absent), oldest change first, pages of 100.
    pub async fn list(
        &self,
        caller: &Caller,
        query_start_date: Option<&str>,
        next_token: Option<&str>,
    ) -> Result<OrderPage> {
        let seller = seller(caller)?;
        let (since, after) = match next_token {
            Some(t) => {
                let c: Cursor = paging::decode_token(t)?;
                (c.since, Some((c.at, c.id)))
            }
            None => {
                let since = match query_start_date {
                    Some(d) => us(crate::time::parse_date_time(d).ok_or_else(|| {
                        Error::invalid_parameter("queryStartDate", "Invalid date-time.")
                    })?),
                    None => 0,
                };
                (since, None)
            }
        };
        let rows = self
            .store
            .list_mcf_orders(
                seller,
                since,
                after.as_ref().map(|(a, i)| (*a, i.as_str())),
                PAGE + 1,
            )
            .await?;
        let more = rows.len() > PAGE as usize;
        let rows = &rows[..rows.len().min(PAGE as usize)];
        let next_token = match (more, rows.last()) {
            (true, Some(last)) => Some(paging::encode_token(&Cursor {
                since,
                at: last.status_updated_at_us,
                id: last.order_id.clone(),
            })),
            _ => None,
        };
        let orders = rows
            .iter()
            .map(|r| decode(r).map(|d| d.order.fulfillment_order))
            .collect::<Result<Vec<_>>>()?;
        Ok(OrderPage { orders, next_token })
    }

    /// cancelFulfillmentOrder: only in `Received` or `Planning`; held units go back.
    pub async fn cancel(&self, caller: &Caller, id: &str) -> Result<()> {
        let seller = seller(caller)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut row = tx
            .get_mcf_order(seller, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let mut doc = decode(&row)?;
        let status = doc.order.fulfillment_order.fulfillment_order_status.clone();
        if !matches!(
            status,
            m::FulfillmentOrderStatus::Received | m::FulfillmentOrderStatus::Planning
        ) {
            return Err(Error::invalid_input(format!(
                "The fulfillment order {id} is {status} and can no longer be cancelled; only Received or Planning orders can be."
            )));
        }
        cancel_in(&mut tx, &mut row, &mut doc, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// updateFulfillmentOrder: the displayable fields of an order not yet processing, and
    /// `Hold` -> `Ship` (which starts the lifecycle). `Ship` -> `Hold` is refused.
    pub async fn update(
        &self,
        caller: &Caller,
        id: &str,
        req: &m::UpdateFulfillmentOrderRequest,
    ) -> Result<()> {
        let seller = seller(caller)?;
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        let mut row = tx
            .get_mcf_order(seller, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let mut doc = decode(&row)?;
        let o = &mut doc.order.fulfillment_order;
        if !matches!(
            o.fulfillment_order_status,
            m::FulfillmentOrderStatus::Received | m::FulfillmentOrderStatus::Planning
        ) {
            return Err(Error::invalid_input(format!(
                "The fulfillment order {id} is {} and can no longer be updated.",
                o.fulfillment_order_status
            )));
        }
        if req.items.is_some() {
            return Err(Error::invalid_parameter(
                "items",
                "Changing the items of a fulfillment order is not supported; cancel it and create a new one.",
            ));
        }
        if let Some(d) = &req.displayable_order_id {
            check_id("displayableOrderId", d)?;
            if *d != o.displayable_order_id && tx.mcf_displayable_taken(seller, d).await? {
                return Err(Error::invalid_input(format!(
                    "A fulfillment order with displayableOrderId {d} already exists."
                )));
            }
            o.displayable_order_id = d.clone();
            row.displayable_order_id = d.clone();
        }
        if let Some(c) = &req.displayable_order_comment {
            if c.chars().count() > MAX_ORDER_COMMENT_LEN {
                return Err(Error::invalid_parameter(
                    "displayableOrderComment",
                    format!(
                        "displayableOrderComment must be at most {MAX_ORDER_COMMENT_LEN} characters."
                    ),
                ));
            }
            o.displayable_order_comment = c.clone();
        }
        if let Some(d) = &req.displayable_order_date {
            let t = crate::time::parse_date_time(d).ok_or_else(|| {
                Error::invalid_parameter("displayableOrderDate", "Invalid date-time.")
            })?;
            o.displayable_order_date = crate::time::iso(t);
        }
        if let Some(a) = &req.destination_address {
            o.destination_address = a.clone();
        }
        if let Some(s) = &req.shipping_speed_category {
            o.shipping_speed_category = s.clone();
        }
        if let Some(e) = &req.notification_emails {
            o.notification_emails = Some(e.clone());
        }
        if let Some(f) = &req.feature_constraints {
            o.feature_constraints = Some(f.clone());
        }
        let was = o
            .fulfillment_action
            .clone()
            .unwrap_or(m::FulfillmentAction::Ship);
        let mut start = false;
        if let Some(action) = &req.fulfillment_action {
            match (&was, action) {
                (m::FulfillmentAction::Hold, m::FulfillmentAction::Ship) => start = true,
                (m::FulfillmentAction::Ship, m::FulfillmentAction::Hold) => {
                    return Err(Error::invalid_parameter(
                        "fulfillmentAction",
                        "An order released to ship cannot be put on hold again.",
                    ));
                }
                _ => {}
            }
            o.fulfillment_action = Some(action.clone());
        }
        if let Some(p) = &req.fulfillment_policy {
            o.fulfillment_policy = Some(p.clone());
        }
        encode(&mut row, &doc)?;
        tx.update_mcf_order(&row).await?;
        if start {
            schedule(&mut tx, &row, "Received", plus(now, PLANNING_AFTER)).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A step of a package's way to the customer: after how long from shipment, Amazon's event
/// code, its description, the package's status once it happened.
const TRACK: &[(i64, &str, &str, &str)] = &[
    (
        0,
        "EVENT_101",
        "Carrier notified to pick up package.",
        "IN_TRANSIT",
    ),
    (
        2,
        "EVENT_102",
        "Shipment picked up from seller's facility.",
        "IN_TRANSIT",
    ),
    (12, "EVENT_201", "Arrival scan.", "IN_TRANSIT"),
    (14, "EVENT_202", "Departure scan.", "IN_TRANSIT"),
];

impl Fulfillment {
    /// getPackageTrackingDetails: the package of one of the seller's MCF shipments, with the
    /// carrier's events up to now (picked up, scans, out for delivery on the arrival day's
    /// morning, delivered at the estimated arrival). A package not shipped yet has no events.
    pub async fn tracking(
        &self,
        caller: &Caller,
        package_number: i64,
    ) -> Result<m::PackageTrackingDetails> {
        let seller = seller(caller)?;
        let now = self.clock.now();
        let missing = || {
            Error::not_found().with_details(format!(
                "The package {package_number} was not found for this seller."
            ))
        };
        let row = self
            .store
            .find_mcf_order_by_package(seller, package_number)
            .await?
            .ok_or_else(missing)?;
        let doc = decode(&row)?;
        let shipment = doc
            .order
            .fulfillment_shipments
            .iter()
            .flatten()
            .find(|s| {
                s.fulfillment_shipment_package
                    .iter()
                    .flatten()
                    .any(|p| p.package_number == package_number)
            })
            .ok_or_else(missing)?;
        let package = shipment
            .fulfillment_shipment_package
            .iter()
            .flatten()
            .find(|p| p.package_number == package_number)
            .ok_or_else(missing)?;
        let a = &doc.order.fulfillment_order.destination_address;
        let place = m::TrackingAddress {
            city: a.city.clone().unwrap_or_default(),
            state: a.state_or_region.clone().unwrap_or_default(),
            country: a.country_code.clone(),
        };
        let origin = m::TrackingAddress {
            city: "Kent".into(),
            state: "WA".into(),
            country: "US".into(),
        };
        let shipped = shipment.fulfillment_shipment_status
            == m::FulfillmentShipmentFulfillmentShipmentStatus::Shipped;
        let mut events = vec![];
        let mut current = None;
        let ship_date = shipment
            .shipping_date
            .as_deref()
            .and_then(crate::time::parse_date_time);
        let arrival = package
            .estimated_arrival_date
            .as_deref()
            .and_then(crate::time::parse_date_time);
        if shipped && let (Some(ship), Some(arrival)) = (ship_date, arrival) {
            let mut steps: Vec<(Timestamp, &str, &str, &str, bool)> = TRACK
                .iter()
                .map(|(h, code, text, status)| {
                    (
                        plus(ship, SignedDuration::from_hours(*h)),
                        *code,
                        *text,
                        *status,
                        *h < 12,
                    )
                })
                .collect();
            steps.push((
                plus(arrival, SignedDuration::from_hours(-6)),
                "EVENT_302",
                "Out for delivery.",
                "OUT_FOR_DELIVERY",
                false,
            ));
            steps.push((arrival, "EVENT_301", "Delivered.", "DELIVERED", false));
            for (t, code, text, status, at_origin) in steps {
                if t > now {
                    break;
                }
                events.push(m::TrackingEvent {
                    event_date: crate::time::iso(t),
                    event_address: if at_origin {
                        origin.clone()
                    } else {
                        place.clone()
                    },
                    event_code: m::EventCode::from_wire(code),
                    event_description: text.into(),
                });
                current = Some(status);
            }
        }
        // Amazon lists the latest event first.
        events.reverse();
        Ok(m::PackageTrackingDetails {
            package_number,
            tracking_number: package.tracking_number.clone(),
            customer_tracking_link: package
                .tracking_number
                .as_ref()
                .map(|t| format!("https://www.swiship.com/track?id={t}")),
            carrier_code: Some(package.carrier_code.clone()),
            carrier_phone_number: None,
            carrier_url: Some("https://www.swiship.com".into()),
            ship_date: shipped.then(|| shipment.shipping_date.clone()).flatten(),
            estimated_arrival_date: package.estimated_arrival_date.clone(),
            ship_to_address: Some(place),
            current_status: current.map(m::CurrentStatus::from_wire),
            current_status_description: None,
            delivery_window: None,
            signed_for_by: None,
            additional_location_info: None,
            tracking_events: Some(events),
        })
    }
}

fn tracking_number(seller: &str, order_id: &str) -> (i64, String) {
    let d = Sha256::digest(format!("{seller}/{order_id}").as_bytes());
    let n = i64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]]) & 0x7fff_ffff);
    let digits: String = d[4..13].iter().map(|b| format!("{:02}", b % 100)).collect();
    (n.max(1), format!("TBA{}", &digits[..12]))
}

impl Fulfillment {
    /// getFulfillmentPreview: per shipping speed (Standard, Expedited and Priority unless the
    /// request names them), whether the seller's fulfillable units cover the items, and the
    /// ship and arrival windows an order created now would get. Unknown SKUs are
    /// `InvalidSKU`, lines beyond the fulfillable units `InventoryUnavailable`;
    /// ScheduledDelivery is offered in Japan only. No fee estimate is given.
    pub async fn preview(
        &self,
        caller: &Caller,
        req: &m::GetFulfillmentPreviewRequest,
    ) -> Result<Vec<m::FulfillmentPreview>> {
        let seller = seller(caller)?;
        let now = self.clock.now();
        let mp_id = match &req.marketplace_id {
            Some(id) => id.clone(),
            None => caller.marketplace_ids.first().cloned().ok_or_else(|| {
                Error::invalid_parameter("marketplaceId", "marketplaceId is required.")
            })?,
        };
        let ids = [mp_id.clone()];
        marketplaces::check_known("marketplaceId", &ids)?;
        marketplaces::check_participating(caller, &ids)?;
        if req.items.is_empty() {
            return Err(Error::invalid_parameter(
                "items",
                "At least one item is required.",
            ));
        }
        if req.items.iter().any(|i| i.quantity < 1) {
            return Err(Error::invalid_parameter(
                "items.quantity",
                "Quantities must be at least 1.",
            ));
        }
        let mut left = std::collections::BTreeMap::new();
        let mut ok = vec![];
        let mut bad = vec![];
        for i in &req.items {
            let listing = self
                .store
                .get_listing(seller, &i.seller_sku, &mp_id)
                .await?;
            let reason = match listing.filter(|l| l.fulfillment_channel == "AFN") {
                None => Some("InvalidSKU"),
                Some(l) => {
                    let units = left.entry(l.sku.clone()).or_insert(l.quantity);
                    if *units >= i.quantity {
                        *units -= i.quantity;
                        None
                    } else {
                        Some("InventoryUnavailable")
                    }
                }
            };
            match reason {
                None => ok.push(m::FulfillmentPreviewItem {
                    seller_sku: i.seller_sku.clone(),
                    quantity: i.quantity,
                    seller_fulfillment_order_item_id: i.seller_fulfillment_order_item_id.clone(),
                    estimated_shipping_weight: None,
                    shipping_weight_calculation_method: None,
                }),
                Some(r) => bad.push(m::UnfulfillablePreviewItem {
                    seller_sku: i.seller_sku.clone(),
                    quantity: i.quantity,
                    seller_fulfillment_order_item_id: i.seller_fulfillment_order_item_id.clone(),
                    item_unfulfillable_reasons: Some(vec![r.to_string()]),
                }),
            }
        }
        let speeds = req.shipping_speed_categories.clone().unwrap_or_else(|| {
            vec![
                m::ShippingSpeedCategory::Standard,
                m::ShippingSpeedCategory::Expedited,
                m::ShippingSpeedCategory::Priority,
            ]
        });
        let in_japan = marketplace(&mp_id).is_some_and(|m| m.country_code == "JP");
        Ok(speeds
            .into_iter()
            .map(|speed| {
                let sla = speed != m::ShippingSpeedCategory::ScheduledDelivery || in_japan;
                let fulfillable = sla && bad.is_empty();
                let (ship, arrival, latest_arrival) = promise(now, &speed);
                let shipments = (sla && !ok.is_empty()).then(|| {
                    vec![m::FulfillmentPreviewShipment {
                        earliest_ship_date: Some(crate::time::iso(ship)),
                        latest_ship_date: Some(crate::time::iso(plus(
                            ship,
                            SignedDuration::from_hours(24),
                        ))),
                        earliest_arrival_date: Some(crate::time::iso(arrival)),
                        latest_arrival_date: Some(crate::time::iso(latest_arrival)),
                        shipping_notes: None,
                        fulfillment_preview_items: ok.clone(),
                    }]
                });
                m::FulfillmentPreview {
                    shipping_speed_category: speed,
                    scheduled_delivery_info: None,
                    is_fulfillable: fulfillable,
                    is_cod_capable: false,
                    estimated_shipping_weight: None,
                    estimated_fees: None,
                    fulfillment_preview_shipments: shipments,
                    unfulfillable_preview_items: (!bad.is_empty()).then(|| bad.clone()),
                    order_unfulfillable_reasons: (!sla)
                        .then(|| vec!["DeliverySLAUnavailable".to_string()]),
                    marketplace_id: mp_id.clone(),
                    feature_constraints: req.feature_constraints.clone(),
                }
            })
            .collect())
    }
}

/// The job that moves an MCF order from `from` to its next status (a no-op when the order
/// has moved meanwhile, e.g. cancelled).
pub async fn advance(
    store: &Store,
    seller: &str,
    id: &str,
    from: &str,
    at: Timestamp,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(mut row) = tx.get_mcf_order(seller, id).await? else {
        return Ok(());
    };
    if from == "Hold" {
        // A Hold order never released to ship is cancelled after 14 days.
        let mut doc = decode(&row)?;
        if row.status == "Received"
            && doc.order.fulfillment_order.fulfillment_action == Some(m::FulfillmentAction::Hold)
        {
            cancel_in(&mut tx, &mut row, &mut doc, at).await?;
            tx.commit().await?;
        }
        return Ok(());
    }
    if let Some(authorization) = from.strip_prefix(RETURN_JOB_PREFIX) {
        let mut doc = decode(&row)?;
        returns::receive(&mut tx, &mut row, &mut doc, authorization, at).await?;
        tx.commit().await?;
        return Ok(());
    }
    if row.status != from {
        return Ok(());
    }
    let mut doc = decode(&row)?;
    step(&mut tx, &mut row, &mut doc, at).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an order one status on from the one it is in (Received -> Planning or
/// Unfulfillable, Planning -> Processing with its shipment, Processing -> shipped), with its
/// stock movements, the job of the next step and the notifications, in the caller's
/// transaction. Any other status is left as it is.
async fn step(tx: &mut StoreTx, row: &mut McfOrderRow, doc: &mut Doc, at: Timestamp) -> Result<()> {
    let seller = row.seller_id.clone();
    let seller = seller.as_str();
    let id = row.order_id.clone();
    let id = id.as_str();
    let from = row.status.clone();
    let from = from.as_str();
    let mp = doc.order.fulfillment_order.marketplace_id.clone();
    let shipment_event = matches!(from, "Planning" | "Processing");
    match from {
        "Received" => {
            let total: i64 = doc.held.iter().sum();
            for (item, h) in doc.order.fulfillment_order_items.iter_mut().zip(&doc.held) {
                item.unfulfillable_quantity = item.quantity - h;
            }
            if total == 0 {
                for item in &mut doc.order.fulfillment_order_items {
                    item.estimated_ship_date = None;
                    item.estimated_arrival_date = None;
                }
                set_status(doc, row, m::FulfillmentOrderStatus::Unfulfillable, at);
            } else {
                set_status(doc, row, m::FulfillmentOrderStatus::Planning, at);
                schedule(tx, row, "Planning", plus(at, PROCESSING_AFTER)).await?;
            }
        }
        "Planning" => {
            let ship = plus(at, SHIPS_AFTER);
            let days = days_for(&doc.order.fulfillment_order.shipping_speed_category);
            let arrival = plus(ship, SignedDuration::from_hours(24 * days));
            let (package, tracking) = tracking_number(seller, id);
            let items = doc
                .order
                .fulfillment_order_items
                .iter()
                .zip(&doc.held)
                .filter(|(_, h)| **h > 0)
                .map(|(i, h)| m::FulfillmentShipmentItem {
                    seller_sku: i.seller_sku.clone(),
                    seller_fulfillment_order_item_id: i.seller_fulfillment_order_item_id.clone(),
                    quantity: *h,
                    package_number: Some(package),
                    serial_number: None,
                    manufacturer_lot_codes: None,
                })
                .collect();
            let shipment_id = format!("T{}", &tracking[3..12]);
            row.package_number = Some(package);
            doc.order.fulfillment_shipments = Some(vec![m::FulfillmentShipment {
                amazon_shipment_id: shipment_id,
                fulfillment_center_id: FULFILLMENT_CENTER.into(),
                fulfillment_shipment_status:
                    m::FulfillmentShipmentFulfillmentShipmentStatus::Pending,
                shipping_date: Some(crate::time::iso(ship)),
                estimated_arrival_date: Some(crate::time::iso(arrival)),
                shipping_notes: None,
                fulfillment_shipment_item: items,
                fulfillment_shipment_package: Some(vec![m::FulfillmentShipmentPackage {
                    package_number: package,
                    carrier_code: CARRIER.into(),
                    tracking_number: Some(tracking.clone()),
                    amazon_fulfillment_tracking_number: Some(tracking),
                    estimated_arrival_date: Some(crate::time::iso(arrival)),
                    locker_details: None,
                    delivery_information: None,
                }]),
            }]);
            for (item, h) in doc.order.fulfillment_order_items.iter_mut().zip(&doc.held) {
                if *h > 0 {
                    item.estimated_ship_date = Some(crate::time::iso(ship));
                    item.estimated_arrival_date = Some(crate::time::iso(arrival));
                }
            }
            set_status(doc, row, m::FulfillmentOrderStatus::Processing, at);
            schedule(tx, row, "Processing", ship).await?;
        }
        "Processing" => {
            for (item, h) in doc.order.fulfillment_order_items.iter().zip(&doc.held) {
                move_units(tx, seller, &item.seller_sku, &mp, 0, *h, at).await?;
            }
            doc.held.iter_mut().for_each(|h| *h = 0);
            for s in doc.order.fulfillment_shipments.iter_mut().flatten() {
                s.fulfillment_shipment_status =
                    m::FulfillmentShipmentFulfillmentShipmentStatus::Shipped;
                s.shipping_date = Some(crate::time::iso(at));
            }
            let partial = doc
                .order
                .fulfillment_order_items
                .iter()
                .any(|i| i.unfulfillable_quantity > 0);
            let status = if partial {
                m::FulfillmentOrderStatus::CompletePartialled
            } else {
                m::FulfillmentOrderStatus::Complete
            };
            set_status(doc, row, status, at);
        }
        _ => return Ok(()),
    }
    encode(row, doc)?;
    tx.update_mcf_order(row).await?;
    notify(tx, row, doc, false, at).await?;
    if shipment_event {
        notify(tx, row, doc, true, at).await?;
    }
    Ok(())
}
