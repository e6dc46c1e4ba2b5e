//! Orders: how they are made, found, shown (under the personal-data rule) and shipped.
//!
//! Orders are stored in their wire shape (`Order` and `OrderItem` of Orders v0); the market
//! reads and writes those documents and keeps the filter columns beside them in step. This
//! module turns order facts into stored rows and rows back into documents; its parts:
//!
//! - [`search`]: getOrders (filters, windows, page tokens);
//! - [`read`]: the single-order reads, under the personal-data rule;
//! - [`place`]: placing buyer orders and reserving their stock;
//! - [`ship`]: the payment hold, FBA shipping, confirmShipment, shipment status, cancellation;
//! - [`regulated`]: regulated orders and their verification;
//! - [`events`]: the ORDER_CHANGE payloads every change writes.
//!
//! [`OrderBook`] is the service the Orders and Sales bindings hold.

pub mod events;
pub mod place;
pub mod read;
pub mod regulated;
pub mod search;
pub mod ship;

pub use events::{ORDER_CHANGE, order_change_payload, record_change};
pub use place::{JOB_RELEASE_PENDING, NewOrder, NewOrderLine, PENDING_FOR, default_address, place};
pub use read::{
    get_order, get_order_address, get_order_buyer_info, get_order_items, get_order_items_buyer_info,
};
pub use regulated::{get_order_regulated_info, update_verification_status};
pub use search::{MAX_RESULTS_PER_PAGE, get_orders};
pub use ship::{
    FBA_SHIPS_AFTER, JOB_FBA_SHIP, cancel, check_can_ship, confirm_shipment, fba_ship,
    release_pending, ship_lines, update_shipment_status,
};

use super::marketplaces::{Marketplace, marketplace};
use super::money::{self, money};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::store::{OrderRow, Store};
use crate::time::iso;
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use spapi_model::orders_v0 as m;
use spapi_model::sales_v1;

/// The orders of one world: the service the Orders and Sales bindings hold. Each method is
/// one operation, answered by the function of the same name in this module (or in
/// [`super::sales`]) with the world's store.
#[derive(Clone)]
pub struct OrderBook {
    store: Store,
}

impl OrderBook {
    /// The orders of the world in `store`.
    pub fn new(store: Store) -> Self {
        OrderBook { store }
    }

    /// [`get_orders`].
    pub async fn get_orders(
        &self,
        caller: &Caller,
        now: Timestamp,
        params: &m::params::GetOrders,
    ) -> Result<m::OrdersList> {
        get_orders(&self.store, caller, now, params).await
    }

    /// [`get_order`].
    pub async fn get_order(&self, caller: &Caller, id: &str) -> Result<m::Order> {
        get_order(&self.store, caller, id).await
    }

    /// [`get_order_buyer_info`].
    pub async fn get_order_buyer_info(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<m::OrderBuyerInfo> {
        get_order_buyer_info(&self.store, caller, id).await
    }

    /// [`get_order_address`].
    pub async fn get_order_address(&self, caller: &Caller, id: &str) -> Result<m::OrderAddress> {
        get_order_address(&self.store, caller, id).await
    }

    /// [`get_order_items`].
    pub async fn get_order_items(
        &self,
        caller: &Caller,
        id: &str,
        next_token: Option<&str>,
    ) -> Result<m::OrderItemsList> {
        get_order_items(&self.store, caller, id, next_token).await
    }

    /// [`get_order_items_buyer_info`].
    pub async fn get_order_items_buyer_info(
        &self,
        caller: &Caller,
        id: &str,
        next_token: Option<&str>,
    ) -> Result<m::OrderItemsBuyerInfoList> {
        get_order_items_buyer_info(&self.store, caller, id, next_token).await
    }

    /// [`get_order_regulated_info`].
    pub async fn get_order_regulated_info(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<m::OrderRegulatedInfo> {
        get_order_regulated_info(&self.store, caller, id).await
    }

    /// [`update_verification_status`].
    pub async fn update_verification_status(
        &self,
        caller: &Caller,
        id: &str,
        body: &m::UpdateVerificationStatusRequestBody,
        now: Timestamp,
    ) -> Result<()> {
        update_verification_status(&self.store, caller, id, body, now).await
    }

    /// [`update_shipment_status`].
    pub async fn update_shipment_status(
        &self,
        caller: &Caller,
        id: &str,
        body: &m::UpdateShipmentStatusRequest,
        now: Timestamp,
    ) -> Result<()> {
        update_shipment_status(&self.store, caller, id, body, now).await
    }

    /// [`confirm_shipment`].
    pub async fn confirm_shipment(
        &self,
        caller: &Caller,
        id: &str,
        body: &m::ConfirmShipmentRequest,
        now: Timestamp,
    ) -> Result<()> {
        confirm_shipment(&self.store, caller, id, body, now).await
    }

    /// [`super::sales::get_order_metrics`].
    pub async fn get_order_metrics(
        &self,
        caller: &Caller,
        now: Timestamp,
        params: &sales_v1::params::GetOrderMetrics,
    ) -> Result<Vec<sales_v1::OrderMetricsInterval>> {
        super::sales::get_order_metrics(&self.store, caller, now, params).await
    }
}

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// One line of an order being assembled.
#[derive(Debug, Clone)]
pub struct LineFacts {
    /// 14-digit order item id.
    pub order_item_id: String,
    /// Catalog item.
    pub asin: String,
    /// Seller SKU.
    pub sku: String,
    /// Title.
    pub title: String,
    /// Units ordered.
    pub quantity: i64,
    /// Units shipped.
    pub quantity_shipped: i64,
    /// Unit price in minor units.
    pub unit_price_minor: i64,
    /// Shipping charged for the line, minor units.
    pub shipping_minor: i64,
    /// Promotion discount on the line, minor units.
    pub promotion_minor: i64,
    /// Promotion id, when discounted.
    pub promotion_id: Option<String>,
}

/// Everything an order is made of.
#[derive(Debug, Clone)]
pub struct OrderFacts {
    /// `NNN-NNNNNNN-NNNNNNN`.
    pub amazon_order_id: String,
    /// The seller.
    pub seller_id: String,
    /// Where it was placed.
    pub marketplace: &'static Marketplace,
    /// `MFN` or `AFN`.
    pub channel: &'static str,
    /// `OrderStatus`.
    pub status: String,
    /// Purchase time.
    pub purchase: Timestamp,
    /// Last update.
    pub updated: Timestamp,
    /// Prime order.
    pub prime: bool,
    /// Business (B2B) order.
    pub business: bool,
    /// `Other`, `COD` or `CVS`.
    pub payment_method: &'static str,
    /// Buyer name.
    pub buyer_name: String,
    /// Anonymized buyer email.
    pub buyer_email: String,
    /// Company of a business buyer.
    pub buyer_company: Option<String>,
    /// Ship-to address.
    pub ship_to: m::Address,
    /// The seller's own order id.
    pub seller_order_id: Option<String>,
    /// In-store pickup at this store (store chain store id); MFN only.
    pub ispu_store: Option<String>,
    /// `EasyShipShipmentStatus` of an Amazon Easy Ship order (MFN, Amazon picks the package
    /// up); `None` for every other order.
    pub easy_ship_status: Option<&'static str>,
    /// `ElectronicInvoiceStatus`, where the marketplace or program tracks the seller's invoice
    /// (Easy Ship orders, Brazil).
    pub electronic_invoice_status: Option<&'static str>,
    /// Lines.
    pub lines: Vec<LineFacts>,
}

fn tax_minor(price_minor: i64, marketplace: &Marketplace) -> i64 {
    match marketplace.region {
        // Sales tax on top of the price.
        "NA" => price_minor * 8 / 100,
        // VAT included in the price: its share of it.
        _ => price_minor * 19 / 119,
    }
}

/// Builds the stored order (documents and filter columns) from its facts.
pub fn assemble(f: &OrderFacts) -> OrderRow {
    let cur = f.marketplace.currency;
    let mut total = 0i64;
    let mut shipped = 0i64;
    let mut unshipped = 0i64;
    let items: Vec<m::OrderItem> = f
        .lines
        .iter()
        .map(|l| {
            let price = l.unit_price_minor * l.quantity;
            let tax = tax_minor(price, f.marketplace);
            let ship_tax = tax_minor(l.shipping_minor, f.marketplace);
            total += price + l.shipping_minor - l.promotion_minor;
            if f.marketplace.region == "NA" {
                total += tax + ship_tax;
            }
            shipped += l.quantity_shipped;
            unshipped += l.quantity - l.quantity_shipped;
            m::OrderItem {
                asin: l.asin.clone(),
                seller_sku: Some(l.sku.clone()),
                order_item_id: l.order_item_id.clone(),
                title: Some(l.title.clone()),
                quantity_ordered: l.quantity,
                quantity_shipped: Some(l.quantity_shipped),
                product_info: Some(m::ProductInfoDetail {
                    number_of_items: Some("1".into()),
                }),
                item_price: Some(money(price, cur)),
                shipping_price: Some(money(l.shipping_minor, cur)),
                item_tax: Some(money(tax, cur)),
                shipping_tax: Some(money(ship_tax, cur)),
                shipping_discount: Some(money(0, cur)),
                shipping_discount_tax: Some(money(0, cur)),
                promotion_discount: Some(money(l.promotion_minor, cur)),
                promotion_discount_tax: Some(money(0, cur)),
                promotion_ids: l.promotion_id.clone().map(|p| vec![p]),
                is_gift: Some("false".into()),
                store_chain_store_id: f.ispu_store.clone(),
                condition_id: Some("New".into()),
                condition_subtype_id: Some("New".into()),
                is_transparency: Some(false),
                serial_number_required: Some(false),
                buyer_requested_cancel: Some(m::BuyerRequestedCancel {
                    is_buyer_requested_cancel: Some("false".into()),
                    buyer_cancel_reason: None,
                }),
                ..Default::default()
            }
        })
        .collect();
    let ship_days = if f.prime { 1 } else { 2 };
    let deliver_days = if f.prime { (1, 2) } else { (3, 7) };
    let day = SignedDuration::from_hours(24);
    let at = |days: i64| {
        f.purchase
            .checked_add(day * days as i32)
            .unwrap_or(f.purchase)
    };
    let pending = f.status == "Pending";
    let order = m::Order {
        amazon_order_id: f.amazon_order_id.clone(),
        seller_order_id: f.seller_order_id.clone(),
        purchase_date: iso(f.purchase),
        last_update_date: iso(f.updated),
        order_status: m::OrderOrderStatus::from_wire(&f.status),
        fulfillment_channel: Some(m::OrderFulfillmentChannel::from_wire(f.channel)),
        sales_channel: Some(f.marketplace.name.to_string()),
        ship_service_level: Some(
            if f.prime {
                "Expedited"
            } else {
                "Std Cont US Street Addr"
            }
            .into(),
        ),
        // Amazon leaves the total out while an order is Pending.
        order_total: (!pending).then(|| money(total, cur)),
        number_of_items_shipped: Some(shipped),
        number_of_items_unshipped: Some(unshipped),
        payment_method: Some(m::OrderPaymentMethod::from_wire(f.payment_method)),
        payment_method_details: Some(vec!["Standard".into()]),
        marketplace_id: Some(f.marketplace.id.to_string()),
        shipment_service_level_category: Some(
            if f.prime { "Expedited" } else { "Standard" }.into(),
        ),
        order_type: Some(m::OrderOrderType::from_wire("StandardOrder")),
        earliest_ship_date: Some(iso(f.purchase)),
        latest_ship_date: Some(iso(at(ship_days))),
        earliest_delivery_date: Some(iso(at(deliver_days.0))),
        latest_delivery_date: Some(iso(at(deliver_days.1))),
        is_business_order: Some(f.business),
        is_prime: Some(f.prime),
        is_premium_order: Some(false),
        is_global_express_enabled: Some(false),
        is_replacement_order: Some(false),
        is_sold_by_ab: Some(false),
        is_ispu: Some(f.ispu_store.is_some()),
        is_access_point_order: Some(false),
        has_regulated_items: Some(false),
        shipping_address: Some(f.ship_to.clone()),
        buyer_info: Some(m::BuyerInfo {
            buyer_email: Some(f.buyer_email.clone()),
            buyer_name: Some(f.buyer_name.clone()),
            purchase_order_number: f
                .business
                .then(|| format!("PO-{}", &f.amazon_order_id[12..])),
            ..Default::default()
        }),
        buyer_tax_information: f.buyer_company.as_ref().map(|c| m::BuyerTaxInformation {
            buyer_legal_company_name: Some(c.clone()),
            buyer_business_address: Some(f.ship_to.address_line1.clone().unwrap_or_default()),
            buyer_tax_registration_id: Some(format!("TAX{}", &f.amazon_order_id[12..])),
            buyer_tax_office: None,
        }),
        automated_shipping_settings: Some(m::AutomatedShippingSettings {
            has_automated_shipping_settings: Some(false),
            ..Default::default()
        }),
        easy_ship_shipment_status: f.easy_ship_status.map(m::EasyShipShipmentStatus::from_wire),
        electronic_invoice_status: f
            .electronic_invoice_status
            .map(m::ElectronicInvoiceStatus::from_wire),
        ..Default::default()
    };
    OrderRow {
        id: 0,
        amazon_order_id: f.amazon_order_id.clone(),
        seller_id: f.seller_id.clone(),
        marketplace_id: f.marketplace.id.to_string(),
        order_status: f.status.clone(),
        fulfillment_channel: f.channel.to_string(),
        payment_method: Some(f.payment_method.to_string()),
        buyer_email: Some(f.buyer_email.clone()),
        seller_order_id: f.seller_order_id.clone(),
        easy_ship_status: f.easy_ship_status.map(str::to_string),
        electronic_invoice_status: f.electronic_invoice_status.map(str::to_string),
        is_ispu: f.ispu_store.is_some(),
        store_chain_store_id: f.ispu_store.clone(),
        supply_source_id: f.ispu_store.as_ref().map(|s| format!("SS-{s}")),
        purchase_at_us: us(f.purchase),
        updated_at_us: us(f.updated),
        earliest_delivery_at_us: Some(us(at(deliver_days.0))),
        latest_delivery_at_us: Some(us(at(deliver_days.1))),
        latest_ship_at_us: Some(us(at(ship_days))),
        doc: serde_json::to_value(&order).unwrap_or(Value::Null),
        items: serde_json::to_value(&items).unwrap_or(Value::Null),
    }
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("stored order does not parse: {e}"))
}

/// The stored `Order` of a row.
pub fn order_doc(row: &OrderRow) -> Result<m::Order> {
    serde_json::from_value(row.doc.clone()).map_err(corrupt)
}

/// [`order_doc`], taking the row (no copy of the document).
pub fn into_order_doc(row: OrderRow) -> Result<m::Order> {
    serde_json::from_value(row.doc).map_err(corrupt)
}

/// The stored `OrderItem`s of a row.
pub fn order_items(row: &OrderRow) -> Result<Vec<m::OrderItem>> {
    serde_json::from_value(row.items.clone()).map_err(corrupt)
}

/// Sets the status (and the update time and counts in the document).
pub fn set_status(row: &mut OrderRow, status: &str, at: Timestamp) -> Result<()> {
    let mut order = order_doc(row)?;
    let items = order_items(row)?;
    order.order_status = m::OrderOrderStatus::from_wire(status);
    order.last_update_date = iso(at);
    let shipped: i64 = items.iter().map(|i| i.quantity_shipped.unwrap_or(0)).sum();
    let ordered: i64 = items.iter().map(|i| i.quantity_ordered).sum();
    order.number_of_items_shipped = Some(shipped);
    order.number_of_items_unshipped = Some(ordered - shipped);
    if status != "Pending" && order.order_total.is_none() {
        order.order_total = Some(order_total(&items, row)?);
    }
    row.order_status = status.to_string();
    row.updated_at_us = us(at);
    row.doc = serde_json::to_value(&order).map_err(Error::internal)?;
    Ok(())
}

fn order_total(items: &[m::OrderItem], row: &OrderRow) -> Result<m::Money> {
    let mp = marketplace(&row.marketplace_id).ok_or_else(|| corrupt("unknown marketplace"))?;
    let cur = mp.currency;
    let amount = |m: &Option<m::Money>| {
        m.as_ref()
            .and_then(|m| m.amount.as_deref())
            .and_then(|a| money::parse(a, cur))
            .unwrap_or(0)
    };
    let mut total = 0;
    for i in items {
        total += amount(&i.item_price) + amount(&i.shipping_price) - amount(&i.promotion_discount);
        if mp.region == "NA" {
            total += amount(&i.item_tax) + amount(&i.shipping_tax);
        }
    }
    Ok(money(total, cur))
}

/// The order `id` if it belongs to the caller's seller; otherwise 404, as if it did not exist.
async fn seller_order(store: &Store, caller: &Caller, id: &str) -> Result<OrderRow> {
    let row = store.get_order(id).await?;
    mine(row, caller, id)
}

/// [`seller_order`] without the order's items (`items` is empty): for the calls that answer
/// from the order document alone.
async fn seller_order_header(store: &Store, caller: &Caller, id: &str) -> Result<OrderRow> {
    let row = store.get_order_without_items(id).await?;
    mine(row, caller, id)
}

/// The order if it is the caller's; 404 otherwise (another seller's order does not exist for
/// the caller).
fn mine(row: Option<OrderRow>, caller: &Caller, id: &str) -> Result<OrderRow> {
    match row {
        Some(r) if Some(&r.seller_id) == caller.selling_partner_id.as_ref() => Ok(r),
        _ => Err(Error::not_found().with_details(format!("Order {id} was not found."))),
    }
}

/// 400 `InvalidInput` about request parameter `field`.
fn bad(field: &str, details: impl Into<String>) -> Error {
    Error::invalid_parameter(field, details)
}
