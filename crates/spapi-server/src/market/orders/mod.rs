//! Orders: how they are made, found, shown (under the personal-data rule) and shipped.
//!
//! Orders are stored in their wire shape (`Order` and `OrderItem` of Orders v0); the market
//! reads and writes those documents and keeps the filter columns beside them in step.

use super::marketplaces::{Marketplace, marketplace};
use super::money::{self, money};
use super::offers;
use crate::auth::Caller;
use crate::auth::personal_data::{self, BUYER_INFO, BUYER_TAX_INFORMATION, SHIPPING_ADDRESS};
use crate::error::Error;
use crate::store::{OrderQuery, OrderRow, Store, StoreError, StoreTx};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spapi_model::Operation;
use spapi_model::orders_v0 as m;

/// Outbox topic of order changes.
pub const ORDER_CHANGE: &str = "ORDER_CHANGE";

use crate::time::iso;

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
pub fn order_doc(row: &OrderRow) -> Result<m::Order, Error> {
    serde_json::from_value(row.doc.clone()).map_err(corrupt)
}

/// [`order_doc`], taking the row (no copy of the document).
pub fn into_order_doc(row: OrderRow) -> Result<m::Order, Error> {
    serde_json::from_value(row.doc).map_err(corrupt)
}

/// The stored `OrderItem`s of a row.
pub fn order_items(row: &OrderRow) -> Result<Vec<m::OrderItem>, Error> {
    serde_json::from_value(row.items.clone()).map_err(corrupt)
}

/// Keeps only the parts of an address that are not personal data (city, region, postal code,
/// country, type), as Amazon shows it without a Restricted Data Token.
fn coarse_address(a: &m::Address) -> m::Address {
    m::Address {
        city: a.city.clone(),
        state_or_region: a.state_or_region.clone(),
        postal_code: a.postal_code.clone(),
        country_code: a.country_code.clone(),
        address_type: a.address_type.clone(),
        ..Default::default()
    }
}

/// Applies the personal-data rule to an order for this call.
pub fn redact_order(order: &mut m::Order, caller: &Caller, op: &Operation) {
    if !personal_data::may_see(caller, op, SHIPPING_ADDRESS) {
        order.shipping_address = order.shipping_address.as_ref().map(coarse_address);
    }
    if !personal_data::may_see(caller, op, BUYER_INFO) {
        order.buyer_info = None;
    }
    if !personal_data::may_see(caller, op, BUYER_TAX_INFORMATION) {
        order.buyer_tax_information = None;
        if let Some(b) = order.buyer_info.as_mut() {
            b.buyer_tax_info = None;
        }
    }
}

/// Applies the personal-data rule to order items for this call.
pub fn redact_items(items: &mut [m::OrderItem], caller: &Caller, op: &Operation) {
    if !personal_data::may_see(caller, op, BUYER_INFO) {
        for i in items {
            i.buyer_info = None;
        }
    }
}

/// The order `id` if it belongs to the caller's seller; otherwise 404, as if it did not exist.
pub async fn seller_order(store: &Store, caller: &Caller, id: &str) -> Result<OrderRow, Error> {
    let row = store.get_order(id).await?;
    mine(row, caller, id)
}

/// [`seller_order`] without the order's items (`items` is empty): for the calls that answer
/// from the order document alone.
pub async fn seller_order_header(
    store: &Store,
    caller: &Caller,
    id: &str,
) -> Result<OrderRow, Error> {
    let row = store.get_order_without_items(id).await?;
    mine(row, caller, id)
}

/// The order if it is the caller's; 404 otherwise (another seller's order does not exist for
/// the caller).
fn mine(row: Option<OrderRow>, caller: &Caller, id: &str) -> Result<OrderRow, Error> {
    match row {
        Some(r) if Some(&r.seller_id) == caller.selling_partner_id.as_ref() => Ok(r),
        _ => Err(Error::not_found().with_details(format!("Order {id} was not found."))),
    }
}

/// The getOrders request, as parsed by the binding.
pub type GetOrdersParams = m::params::GetOrders;

/// The largest page getOrders returns.
pub const MAX_RESULTS_PER_PAGE: i64 = 100;

fn bad(field: &str, details: impl Into<String>) -> Error {
    Error::invalid_parameter(field, details)
}

fn date(field: &str, v: &Option<String>) -> Result<Option<Timestamp>, Error> {
    match v {
        None => Ok(None),
        Some(s) => crate::time::parse_date_time(s)
            .map(Some)
            .ok_or_else(|| bad(field, format!("Invalid Date-Time field(s) [{field}]."))),
    }
}

/// A getOrders page.
pub struct OrdersPage {
    /// Orders on the page, stored form.
    pub rows: Vec<OrderRow>,
    /// Token of the next page.
    pub next_token: Option<String>,
    /// `CreatedBefore` of the answer (the window's end, for created-window searches).
    pub created_before: Option<String>,
    /// `LastUpdatedBefore` of the answer (for update-window searches).
    pub last_updated_before: Option<String>,
}

/// Runs getOrders for the caller's seller, by Amazon's rules: exactly one of CreatedAfter and
/// LastUpdatedAfter (unless AmazonOrderIds), window ends at least two minutes in the past,
/// pages of at most 100 in window order, and a NextToken that only works with the same
/// filters sent again.
pub async fn search(
    store: &Store,
    caller: &Caller,
    now: Timestamp,
    p: &GetOrdersParams,
) -> Result<OrdersPage, Error> {
    let seller = caller
        .selling_partner_id
        .clone()
        .ok_or_else(Error::forbidden)?;
    let created_after = date("CreatedAfter", &p.created_after)?;
    let created_before = date("CreatedBefore", &p.created_before)?;
    let updated_after = date("LastUpdatedAfter", &p.last_updated_after)?;
    let updated_before = date("LastUpdatedBefore", &p.last_updated_before)?;
    let by_ids = !p.amazon_order_ids.is_empty();
    if created_after.is_some() && updated_after.is_some() {
        return Err(bad(
            "CreatedAfter",
            "CreatedAfter and LastUpdatedAfter cannot be combined; give exactly one.",
        ));
    }
    if created_after.is_none() && updated_after.is_none() && !by_ids {
        return Err(bad(
            "CreatedAfter",
            "Either CreatedAfter or LastUpdatedAfter is required.",
        ));
    }
    if created_before.is_some() && created_after.is_none() {
        return Err(bad("CreatedBefore", "CreatedBefore requires CreatedAfter."));
    }
    if updated_before.is_some() && updated_after.is_none() {
        return Err(bad(
            "LastUpdatedBefore",
            "LastUpdatedBefore requires LastUpdatedAfter.",
        ));
    }
    // Amazon only answers for windows that end two minutes or more in the past.
    let latest = now.checked_sub(SignedDuration::from_mins(2)).unwrap_or(now);
    for (field, t) in [
        ("CreatedAfter", created_after),
        ("CreatedBefore", created_before),
        ("LastUpdatedAfter", updated_after),
        ("LastUpdatedBefore", updated_before),
    ] {
        if t.is_some_and(|t| t > latest) {
            return Err(bad(
                field,
                format!(
                    "{field} must be no later than two minutes before the time of the request."
                ),
            ));
        }
    }
    if let (Some(a), Some(b)) = (created_after, created_before)
        && b < a
    {
        return Err(bad(
            "CreatedBefore",
            "CreatedBefore must be after CreatedAfter.",
        ));
    }
    if let (Some(a), Some(b)) = (updated_after, updated_before)
        && b < a
    {
        return Err(bad(
            "LastUpdatedBefore",
            "LastUpdatedBefore must be after LastUpdatedAfter.",
        ));
    }
    let limit = p.max_results_per_page.unwrap_or(MAX_RESULTS_PER_PAGE);
    if !(1..=MAX_RESULTS_PER_PAGE).contains(&limit) {
        return Err(bad(
            "MaxResultsPerPage",
            "MaxResultsPerPage must be between 1 and 100.",
        ));
    }
    if p.amazon_order_ids.len() > 50 {
        return Err(bad(
            "AmazonOrderIds",
            "AmazonOrderIds takes at most 50 values.",
        ));
    }
    for mp in &p.marketplace_ids {
        if !caller.marketplace_ids.contains(mp) {
            // The marketplace is not one the seller sells in (or not in this region).
            return Err(Error::invalid_parameter(
                "MarketplaceIds",
                format!("Invalid marketplace id {mp} for this seller."),
            ));
        }
    }
    let by_update = updated_after.is_some();
    let (from, to) = if by_update {
        (updated_after, Some(updated_before.unwrap_or(latest)))
    } else if created_after.is_some() {
        (created_after, Some(created_before.unwrap_or(latest)))
    } else {
        (None, None)
    };
    let delivery = |field: &str, v: &Option<String>| date(field, v).map(|t| t.map(us));
    let mut q = OrderQuery {
        seller_id: seller,
        by_update,
        from_us: from.map(us),
        to_us: to.map(us),
        marketplace_ids: p.marketplace_ids.clone(),
        statuses: p.order_statuses.clone(),
        channels: p.fulfillment_channels.clone(),
        payment_methods: p.payment_methods.clone(),
        buyer_email: p.buyer_email.clone(),
        seller_order_id: p.seller_order_id.clone(),
        amazon_order_ids: p.amazon_order_ids.clone(),
        easy_ship_statuses: p.easy_ship_shipment_statuses.clone(),
        electronic_invoice_statuses: p.electronic_invoice_statuses.clone(),
        is_ispu: p.is_ispu,
        store_chain_store_id: p.store_chain_store_id.clone(),
        supply_source_id: p.actual_fulfillment_supply_source_id.clone(),
        // getOrders shows orders without their items.
        without_items: true,
        earliest_delivery_before_us: delivery(
            "EarliestDeliveryDateBefore",
            &p.earliest_delivery_date_before,
        )?,
        earliest_delivery_after_us: delivery(
            "EarliestDeliveryDateAfter",
            &p.earliest_delivery_date_after,
        )?,
        latest_delivery_before_us: delivery(
            "LatestDeliveryDateBefore",
            &p.latest_delivery_date_before,
        )?,
        latest_delivery_after_us: delivery(
            "LatestDeliveryDateAfter",
            &p.latest_delivery_date_after,
        )?,
        after: None,
        limit: 0,
    };
    // The fingerprint covers the filters as sent; a window end that was not sent (now minus
    // two minutes on the first page) travels in the token, so every page sees one window.
    let explicit_end = if by_update {
        updated_before
    } else {
        created_before
    };
    let fingerprint = filter_fingerprint(&q, explicit_end.map(us));
    let mut to = to;
    if let Some(token) = &p.next_token {
        let (t, id, end_us) = decode_token(token, &fingerprint)?;
        q.after = Some((t, id));
        if explicit_end.is_none() && q.to_us.is_some() {
            q.to_us = Some(end_us);
            to = jiff::Timestamp::from_microsecond(end_us).ok();
        }
    }
    // One more than the page tells whether there is a next page.
    q.limit = limit as u32 + 1;
    let mut rows = store.query_orders(&q).await?;
    let next_token = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| {
            let t = if by_update {
                r.updated_at_us
            } else {
                r.purchase_at_us
            };
            encode_token(t, r.id, q.to_us.unwrap_or(0), &fingerprint)
        })
    } else {
        None
    };
    let end = to.map(iso);
    Ok(OrdersPage {
        rows,
        next_token,
        created_before: if by_update { None } else { end.clone() },
        last_updated_before: if by_update { end } else { None },
    })
}

fn filter_fingerprint(q: &OrderQuery, explicit_end_us: Option<i64>) -> String {
    let canon = json!([
        q.seller_id,
        q.by_update,
        q.from_us,
        explicit_end_us,
        q.marketplace_ids,
        q.statuses,
        q.channels,
        q.payment_methods,
        q.buyer_email,
        q.seller_order_id,
        q.amazon_order_ids,
        q.easy_ship_statuses,
        q.electronic_invoice_statuses,
        q.is_ispu,
        q.store_chain_store_id,
        q.supply_source_id,
        q.earliest_delivery_before_us,
        q.earliest_delivery_after_us,
        q.latest_delivery_before_us,
        q.latest_delivery_after_us
    ]);
    let d = Sha256::digest(canon.to_string().as_bytes());
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

// NextToken: opaque to clients; it carries the position (time, id), the window's end and a
// fingerprint of the filters, because Amazon expects the same filters with the token.
fn encode_token(t: i64, id: i64, end_us: i64, fingerprint: &str) -> String {
    let raw = format!("{t}:{id}:{end_us}:{fingerprint}");
    raw.bytes().map(|b| format!("{b:02X}")).collect()
}

fn decode_token(token: &str, fingerprint: &str) -> Result<(i64, i64, i64), Error> {
    let invalid = || {
        bad(
            "NextToken",
            "Invalid NextToken; send it back unchanged with the same filters.",
        )
    };
    if !token.len().is_multiple_of(2) || token.len() > 200 {
        return Err(invalid());
    }
    let bytes: Vec<u8> = (0..token.len() / 2)
        .map(|i| u8::from_str_radix(&token[2 * i..2 * i + 2], 16))
        .collect::<Result<_, _>>()
        .map_err(|_| invalid())?;
    let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
    let parts: Vec<&str> = raw.split(':').collect();
    let [t, id, end, fp] = parts[..] else {
        return Err(invalid());
    };
    if fp != fingerprint {
        return Err(invalid());
    }
    let num = |v: &str| v.parse::<i64>().map_err(|_| invalid());
    Ok((num(t)?, num(id)?, num(end)?))
}

/// The ORDER_CHANGE notification payload (`OrderChangeNotification`) for an order.
pub fn order_change_payload(row: &OrderRow, reason: &str, at: Timestamp) -> Result<Value, Error> {
    let order = order_doc(row)?;
    let items = order_items(row)?;
    let postal = order
        .shipping_address
        .as_ref()
        .and_then(|a| a.postal_code.clone());
    Ok(json!({
        "NotificationLevel": "OrderLevel",
        "SellerId": row.seller_id,
        "AmazonOrderId": row.amazon_order_id,
        "OrderChangeType": "OrderStatusChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": iso(at), "ChangeReason": reason},
        "Summary": {
            "MarketplaceId": row.marketplace_id,
            "OrderStatus": row.order_status,
            "PurchaseDate": order.purchase_date,
            "DestinationPostalCode": postal,
            "FulfillmentType": row.fulfillment_channel,
            "OrderType": "StandardOrder",
            "NumberOfItemsShipped": order.number_of_items_shipped,
            "NumberOfItemsUnshipped": order.number_of_items_unshipped,
            "EarliestDeliveryDate": order.earliest_delivery_date,
            "LatestDeliveryDate": order.latest_delivery_date,
            "EarliestShipDate": order.earliest_ship_date,
            "LatestShipDate": order.latest_ship_date,
            "OrderPrograms": if order.is_prime == Some(true) { json!(["Prime"]) } else { json!([]) },
            "OrderItems": items.iter().map(|i| {
                let shipped = i.quantity_shipped.unwrap_or(0);
                json!({
                    "OrderItemId": i.order_item_id,
                    "SellerSKU": i.seller_sku,
                    "SupplySourceId": null,
                    "OrderItemStatus": if shipped >= i.quantity_ordered { "Shipped" } else { "Unshipped" },
                    "Quantity": i.quantity_ordered,
                    "QuantityShipped": shipped,
                    "IsBuyerRequestedCancel": false,
                })
            }).collect::<Vec<_>>(),
        }
    }))
}

/// Writes an order change and its ORDER_CHANGE event in the caller's transaction.
pub async fn record_change(
    tx: &mut StoreTx,
    row: &OrderRow,
    reason: &str,
    at: Timestamp,
) -> Result<(), Error> {
    tx.update_order(row).await?;
    let payload = order_change_payload(row, reason, at)?;
    tx.push_outbox(ORDER_CHANGE, Some(&row.seller_id), &payload)
        .await?;
    Ok(())
}

/// Sets the status (and the update time and counts in the document).
pub fn set_status(row: &mut OrderRow, status: &str, at: Timestamp) -> Result<(), Error> {
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

fn order_total(items: &[m::OrderItem], row: &OrderRow) -> Result<m::Money, Error> {
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
) -> Result<OrderRow, Error> {
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
        let title = tx
            .get_catalog_item(&listing.asin)
            .await?
            .map(|c| c.title)
            .unwrap_or_else(|| listing.sku.clone());
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
/// How long after it becomes Unshipped an FBA order ships by itself.
pub const FBA_SHIPS_AFTER: SignedDuration = SignedDuration::from_hours(12);
/// Job: move a Pending order to Unshipped.
pub const JOB_RELEASE_PENDING: &str = "order.release_pending";
/// Job: Amazon ships an FBA order.
pub const JOB_FBA_SHIP: &str = "order.fba_ship";

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
async fn settle_stock(
    tx: &mut StoreTx,
    row: &OrderRow,
    sku: &str,
    shipped: i64,
    returned: i64,
    at: Timestamp,
) -> Result<(), Error> {
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

/// The job that moves a Pending order to Unshipped (and schedules FBA shipment).
pub async fn release_pending(store: &Store, id: &str, at: Timestamp) -> Result<(), Error> {
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
pub async fn fba_ship(store: &Store, id: &str, at: Timestamp) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    let Some(mut row) = tx.get_order(id).await? else {
        return Ok(());
    };
    if row.order_status != "Unshipped" {
        return Ok(());
    }
    let mut items = order_items(&row)?;
    for i in &mut items {
        let remaining = i.quantity_ordered - i.quantity_shipped.unwrap_or(0);
        i.quantity_shipped = Some(i.quantity_ordered);
        if let Some(sku) = i.seller_sku.clone() {
            settle_stock(&mut tx, &row, &sku, remaining, 0, at).await?;
        }
    }
    row.items = serde_json::to_value(&items).map_err(Error::internal)?;
    set_status(&mut row, "Shipped", at)?;
    record_change(&mut tx, &row, "Shipped", at).await?;
    tx.commit().await.map_err(Error::internal)
}

/// `confirmShipment`: the seller ships a package of an MFN order.
pub async fn confirm_shipment(
    store: &Store,
    caller: &Caller,
    order_id: &str,
    req: &m::ConfirmShipmentRequest,
    now: Timestamp,
) -> Result<(), Error> {
    let row = seller_order(store, caller, order_id).await?;
    if req.marketplace_id != row.marketplace_id {
        return Err(bad(
            "marketplaceId",
            "marketplaceId is not the order's marketplace.",
        ));
    }
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
    let mut items = order_items(&row)?;
    let mut shipped_now: Vec<(String, i64)> = Vec::new();
    for pi in &pkg.order_items {
        let Some(item) = items
            .iter_mut()
            .find(|i| i.order_item_id == pi.order_item_id)
        else {
            return Err(bad(
                "packageDetail.orderItems",
                format!(
                    "Order item {} is not in order {order_id}.",
                    pi.order_item_id
                ),
            ));
        };
        let remaining = item.quantity_ordered - item.quantity_shipped.unwrap_or(0);
        if pi.quantity < 1 || pi.quantity > remaining {
            return Err(bad(
                "packageDetail.orderItems",
                format!(
                    "Quantity {} of order item {} exceeds the {remaining} unshipped units.",
                    pi.quantity, pi.order_item_id
                ),
            ));
        }
        item.quantity_shipped = Some(item.quantity_shipped.unwrap_or(0) + pi.quantity);
        shipped_now.push((item.seller_sku.clone().unwrap_or_default(), pi.quantity));
    }
    let all_shipped = items
        .iter()
        .all(|i| i.quantity_shipped.unwrap_or(0) >= i.quantity_ordered);
    let mut row = row;
    row.items = serde_json::to_value(&items).map_err(Error::internal)?;
    let mut tx = store.begin().await?;
    for (sku, q) in &shipped_now {
        settle_stock(&mut tx, &row, sku, *q, 0, now).await?;
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
    record_change(&mut tx, &row, "ShipmentConfirmed", now).await?;
    tx.commit().await.map_err(Error::internal)
}

/// Cancels an order that has not shipped (control plane: a buyer cancellation).
pub async fn cancel(
    store: &Store,
    seller_id: &str,
    order_id: &str,
    now: Timestamp,
) -> Result<OrderRow, Error> {
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
) -> Result<(), Error> {
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
            for i in &mut items {
                let remaining = i.quantity_ordered - i.quantity_shipped.unwrap_or(0);
                i.quantity_shipped = Some(i.quantity_ordered);
                if let Some(sku) = i.seller_sku.clone() {
                    settle_stock(&mut tx, &row, &sku, remaining, 0, now).await?;
                }
            }
            row.items = serde_json::to_value(&items).map_err(Error::internal)?;
            set_status(&mut row, "Shipped", now)?;
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

/// Rejection reasons a regulated (veterinary prescription) order offers.
const REJECTION_REASONS: &[(&str, &str)] = &[
    (
        "shield_pom_vps_reject_product",
        "This medicine is not suitable for your pet.",
    ),
    (
        "shield_pom_vps_reject_age",
        "Your pet is too young for this medicine.",
    ),
    (
        "shield_pom_vps_reject_incorrect_weight",
        "Your pet's weight does not match the medicine.",
    ),
];

/// The regulated information of a new regulated order, pending verification.
fn regulated_info(order_id: &str, buyer: &str) -> m::OrderRegulatedInfo {
    let field = |id: &str, label: &str, value: &str| m::RegulatedInformationField {
        field_id: id.into(),
        field_label: label.into(),
        field_type: m::RegulatedInformationFieldFieldType::from_wire("Text"),
        field_value: value.into(),
    };
    m::OrderRegulatedInfo {
        amazon_order_id: order_id.into(),
        regulated_information: m::RegulatedInformation {
            fields: vec![
                field("pet_prescription_name", "Name", "Buddy"),
                field("pet_prescription_species", "Species", "Dog"),
                field("pet_prescription_owner", "Owner", buyer),
            ],
        },
        requires_dosage_label: true,
        regulated_order_verification_status: m::RegulatedOrderVerificationStatus {
            status: m::VerificationStatus::from_wire("Pending"),
            requires_merchant_action: true,
            valid_rejection_reasons: REJECTION_REASONS
                .iter()
                .map(|(id, text)| m::RejectionReason {
                    rejection_reason_id: (*id).into(),
                    rejection_reason_description: (*text).into(),
                })
                .collect(),
            ..Default::default()
        },
    }
}

async fn regulated_of(store: &Store, row: &OrderRow) -> Result<m::OrderRegulatedInfo, Error> {
    let info = store.get_regulated(&row.amazon_order_id).await?;
    let Some(info) = info else {
        return Err(Error::invalid_input(format!(
            "Order {} has no regulated items.",
            row.amazon_order_id
        )));
    };
    serde_json::from_value(info).map_err(corrupt)
}

/// `getOrderRegulatedInfo`: the regulated information (personal data: only an RDT for the call
/// shows the fields' values) and the verification status.
pub async fn regulated(
    store: &Store,
    caller: &Caller,
    op: &Operation,
    order_id: &str,
) -> Result<m::OrderRegulatedInfo, Error> {
    let row = seller_order(store, caller, order_id).await?;
    let mut info = regulated_of(store, &row).await?;
    if !personal_data::may_see(caller, op, "") {
        info.regulated_information.fields.clear();
    }
    Ok(info)
}

/// `updateVerificationStatus`: the seller approves or rejects a regulated order. A rejection
/// cancels the order and returns its stock.
pub async fn update_verification(
    store: &Store,
    caller: &Caller,
    order_id: &str,
    body: &m::UpdateVerificationStatusRequestBody,
    now: Timestamp,
) -> Result<(), Error> {
    let mut row = seller_order(store, caller, order_id).await?;
    let mut info = regulated_of(store, &row).await?;
    let status = &mut info.regulated_order_verification_status;
    if status.status.as_str() != "Pending" {
        return Err(Error::invalid_input(format!(
            "The verification is {} already.",
            status.status.as_str()
        )));
    }
    if body.external_reviewer_id.trim().is_empty() {
        return Err(bad("externalReviewerId", "externalReviewerId is required."));
    }
    let new_status = body.status.as_ref().map(|s| s.as_str()).unwrap_or("");
    let mut tx = store.begin().await?;
    match new_status {
        "Approved" => {}
        "Rejected" => {
            let reason = body.rejection_reason_id.as_deref().unwrap_or("");
            let Some(r) = status
                .valid_rejection_reasons
                .iter()
                .find(|r| r.rejection_reason_id == reason)
            else {
                return Err(bad(
                    "rejectionReasonId",
                    "A rejection needs one of the order's ValidRejectionReasons.",
                ));
            };
            status.rejection_reason = Some(r.clone());
            if matches!(row.order_status.as_str(), "Pending" | "Unshipped") {
                for i in order_items(&row)? {
                    if let Some(sku) = &i.seller_sku {
                        settle_stock(&mut tx, &row, sku, 0, i.quantity_ordered, now).await?;
                    }
                }
                set_status(&mut row, "Canceled", now)?;
                record_change(&mut tx, &row, "VerificationRejected", now).await?;
            }
        }
        other => {
            return Err(bad(
                "status",
                format!("status must be Approved or Rejected, not {other:?}."),
            ));
        }
    }
    status.status = m::VerificationStatus::from_wire(new_status);
    status.requires_merchant_action = false;
    status.review_date = Some(iso(now));
    status.external_reviewer_id = Some(body.external_reviewer_id.clone());
    let doc = serde_json::to_value(&info).map_err(Error::internal)?;
    tx.set_regulated(order_id, &doc).await?;
    tx.commit().await.map_err(Error::internal)
}
