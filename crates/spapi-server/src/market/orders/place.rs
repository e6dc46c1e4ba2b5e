//! Placing buyer orders (control plane and buyer simulator): checks against the listings,
//! stock reserved at placement and settled when units ship or come back.

use super::events::{ORDER_CHANGE, order_change_payload};
use super::regulated::regulated_info;
use super::{LineFacts, OrderFacts, assemble, order_doc, us};
use crate::error::{Error, Result};
use crate::market::marketplaces::{Marketplace, marketplace};
use crate::market::{money, offers, services};
use crate::store::{OrderRow, Store, StoreError, StoreTx};
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use spapi_model::orders_v0 as m;

/// A line of a new order: SKU and quantity.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewOrderLine {
    /// Seller SKU.
    pub sku: String,
    /// Units.
    pub quantity: i64,
}

/// A buyer order to place (control plane and buyer simulator).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct NewOrder {
    /// Marketplace (default: the seller's first).
    #[serde(default)]
    pub marketplace_id: Option<String>,
    /// Lines.
    pub items: Vec<NewOrderLine>,
    /// Prime.
    #[serde(default)]
    pub prime: bool,
    /// Business buyer.
    #[serde(default)]
    pub business: bool,
    /// Ship-to address (SP-API `Address` shape); default: a generated one.
    #[serde(default)]
    pub ship_to: Option<m::Address>,
    /// Buyer name; default: generated.
    #[serde(default)]
    pub buyer_name: Option<String>,
    /// The seller's own order id.
    #[serde(default)]
    pub seller_order_id: Option<String>,
    /// In-store pickup (ISPU) at this store chain store id; seller-fulfilled SKUs only.
    #[serde(default)]
    pub pickup_store: Option<String>,
    /// A regulated order (a veterinary prescription item): it needs the seller's
    /// verification (`updateVerificationStatus`) before it can ship.
    #[serde(default)]
    pub regulated: bool,
}

/// Why an order cannot be placed.
fn refuse(message: impl Into<String>) -> Error {
    Error::invalid_input(message)
}

/// Places a buyer order now: checks the listings (buyable, stock), reserves stock, stores the
/// order as Pending and queues its move to Unshipped, with an ORDER_CHANGE event, in one
/// transaction.
pub async fn place(
    store: &Store,
    seller_id: &str,
    seller_marketplaces: &[String],
    new: &NewOrder,
    now: Timestamp,
    ids: &mut impl FnMut() -> (String, Vec<String>),
) -> Result<OrderRow> {
    if new.items.is_empty() || new.items.len() > 20 {
        return Err(refuse("An order has between 1 and 20 lines."));
    }
    let mp_id = new
        .marketplace_id
        .clone()
        .or_else(|| seller_marketplaces.first().cloned())
        .ok_or_else(|| refuse("The seller has no marketplace."))?;
    if !seller_marketplaces.contains(&mp_id) {
        return Err(refuse(format!(
            "The seller does not sell in marketplace {mp_id}."
        )));
    }
    let mp = marketplace(&mp_id).ok_or_else(|| refuse(format!("Unknown marketplace {mp_id}.")))?;
    let (order_id, item_ids) = ids();
    let mut tx = store.begin().await?;
    let mut lines = Vec::new();
    let mut ordered = Vec::new();
    let mut channel: Option<&'static str> = None;
    for (i, line) in new.items.iter().enumerate() {
        if !(1..=1000).contains(&line.quantity) {
            return Err(refuse(format!(
                "Quantity of {} must be between 1 and 1000.",
                line.sku
            )));
        }
        let Some(mut listing) = tx.get_listing(seller_id, &line.sku, &mp_id).await? else {
            return Err(refuse(format!(
                "SKU {} is not listed in {mp_id}.",
                line.sku
            )));
        };
        if listing.status != "BUYABLE" {
            return Err(refuse(format!("SKU {} is not buyable.", line.sku)));
        }
        if listing.quantity < line.quantity {
            return Err(refuse(format!(
                "SKU {} has {} units available; {} were ordered.",
                line.sku, listing.quantity, line.quantity
            )));
        }
        let this_channel: &'static str = if listing.fulfillment_channel == "AFN" {
            "AFN"
        } else {
            "MFN"
        };
        if channel.is_some_and(|c| c != this_channel) {
            return Err(refuse(
                "An order is fulfilled by one channel: do not mix FBA and MFN SKUs.",
            ));
        }
        channel = Some(this_channel);
        let price = money::parse(&listing.price, mp.currency)
            .ok_or_else(|| Error::internal("listing price does not parse"))?;
        // Inside the transaction: an in-memory store has one connection, which the
        // transaction holds.
        let catalog_item = tx.get_catalog_item(&listing.asin).await?;
        let title = catalog_item
            .as_ref()
            .map(|c| c.title.clone())
            .unwrap_or_else(|| listing.sku.clone());
        ordered.push(services::OrderedItem {
            asin: listing.asin.clone(),
            title: title.clone(),
            brand: catalog_item.as_ref().map(|c| c.brand.clone()),
            quantity: line.quantity,
            product_type: catalog_item.map(|c| c.product_type),
        });
        lines.push(LineFacts {
            order_item_id: item_ids.get(i).cloned().unwrap_or_default(),
            asin: listing.asin.clone(),
            sku: listing.sku.clone(),
            title,
            quantity: line.quantity,
            quantity_shipped: 0,
            unit_price_minor: price,
            shipping_minor: if new.prime { 0 } else { 499 },
            promotion_minor: 0,
            promotion_id: None,
        });
        let before = listing.clone();
        listing.quantity -= line.quantity;
        listing.reserved += line.quantity;
        listing.updated_at_us = us(now);
        tx.upsert_listing(&listing).await?;
        offers::listing_changed(&mut tx, Some(&before), Some(&listing), us(now)).await?;
    }
    let facts = OrderFacts {
        amazon_order_id: order_id,
        seller_id: seller_id.to_string(),
        marketplace: mp,
        channel: channel.unwrap_or("MFN"),
        status: "Pending".into(),
        purchase: now,
        updated: now,
        prime: new.prime,
        business: new.business,
        payment_method: "Other",
        buyer_name: new
            .buyer_name
            .clone()
            .unwrap_or_else(|| "Jane Buyer".into()),
        buyer_email: String::new(),
        buyer_company: new.business.then(|| "Buyer Company Ltd".to_string()),
        ship_to: new.ship_to.clone().unwrap_or_else(|| default_address(mp)),
        seller_order_id: new.seller_order_id.clone(),
        ispu_store: new.pickup_store.clone(),
        easy_ship_status: None,
        electronic_invoice_status: None,
        lines,
    };
    if facts.ispu_store.is_some() && facts.channel != "MFN" {
        return Err(refuse("In-store pickup needs seller-fulfilled (MFN) SKUs."));
    }
    let mut facts = facts;
    facts.buyer_email = format!(
        "{}@marketplace.amazon.{}",
        &facts.amazon_order_id[12..],
        mp.country_code.to_lowercase()
    );
    let mut row = assemble(&facts);
    if new.regulated {
        let mut doc = order_doc(&row)?;
        doc.has_regulated_items = Some(true);
        row.doc = serde_json::to_value(&doc).map_err(Error::internal)?;
    }
    row.id = tx.insert_order(&row).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::internal("order id collision"),
        other => Error::internal(other),
    })?;
    if new.regulated {
        let info = regulated_info(&row.amazon_order_id, &facts.buyer_name);
        let info = serde_json::to_value(&info).map_err(Error::internal)?;
        tx.set_regulated(&row.amazon_order_id, &info).await?;
    }
    // Items with a service (installation, assembly) get their service jobs with the order.
    services::jobs_for_new_order(&mut tx, &row, &ordered, us(now)).await?;
    let payload = order_change_payload(&row, "NewOrder", now)?;
    tx.push_outbox(ORDER_CHANGE, Some(seller_id), &payload)
        .await?;
    let run_at = now.checked_add(PENDING_FOR).unwrap_or(now);
    tx.enqueue_job(
        JOB_RELEASE_PENDING,
        us(run_at),
        &json!({"amazonOrderId": row.amazon_order_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

/// How long a new order stays Pending (payment authorization) before it can ship.
pub const PENDING_FOR: SignedDuration = SignedDuration::from_mins(5);
/// Job: move a Pending order to Unshipped.
pub const JOB_RELEASE_PENDING: &str = "order.release_pending";

/// A plausible ship-to address in the marketplace's country.
pub fn default_address(mp: &Marketplace) -> m::Address {
    let (city, region, postal) = match mp.country_code {
        "US" => ("Seattle", "WA", "98109"),
        "CA" => ("Toronto", "ON", "M5V 2T6"),
        "GB" => ("London", "London", "EC1A 1BB"),
        "DE" => ("Berlin", "Berlin", "10115"),
        "FR" => ("Paris", "Ile-de-France", "75001"),
        "IT" => ("Milano", "MI", "20121"),
        "ES" => ("Madrid", "Madrid", "28001"),
        "JP" => ("Tokyo", "Tokyo", "100-0001"),
        _ => ("Capital City", "Region", "10000"),
    };
    m::Address {
        name: Some("Jane Buyer".into()),
        address_line1: Some("410 Terry Ave N".into()),
        city: Some(city.into()),
        state_or_region: Some(region.into()),
        postal_code: Some(postal.into()),
        country_code: Some(mp.country_code.into()),
        phone: Some("+1 206-555-0100".into()),
        address_type: Some(m::AddressAddressType::from_wire("Residential")),
        ..Default::default()
    }
}

/// Releases stock reservations of shipped units (or returns units of a canceled order).
pub(super) async fn settle_stock(
    tx: &mut StoreTx,
    row: &OrderRow,
    sku: &str,
    shipped: i64,
    returned: i64,
    at: Timestamp,
) -> Result<()> {
    if let Some(mut l) = tx
        .get_listing(&row.seller_id, sku, &row.marketplace_id)
        .await?
    {
        let before = l.clone();
        l.reserved = (l.reserved - shipped - returned).max(0);
        l.quantity += returned;
        l.updated_at_us = us(at);
        tx.upsert_listing(&l).await?;
        offers::listing_changed(tx, Some(&before), Some(&l), us(at)).await?;
    }
    Ok(())
}
