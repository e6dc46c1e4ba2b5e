//! Order reports: GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL /
//! _BY_LAST_UPDATE_GENERAL (one row per order item, no personal data) and the restricted
//! GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING (merchant-fulfilled orders with buyer and address).
//! Orders are read in keyset pages of the window's index, so memory stays bounded.

use super::tsv::Tsv;
use crate::market::documents::DocumentWriter;
use crate::store::reports::ReportRow;
use crate::store::{OrderQuery, OrderRow, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

/// Orders read per page.
const PAGE: u32 = 500;
/// The default data window when the request named none (Amazon: the last 30 days).
const DEFAULT_WINDOW: SignedDuration = SignedDuration::from_hours(30 * 24);

const ALL_ORDERS: &[&str] = &[
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
];

const SHIPPING: &[&str] = &[
    "order-id",
    "order-item-id",
    "purchase-date",
    "payments-date",
    "buyer-email",
    "buyer-name",
    "buyer-phone-number",
    "sku",
    "product-name",
    "quantity-purchased",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "ship-service-level",
    "recipient-name",
    "ship-address-1",
    "ship-address-2",
    "ship-address-3",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "ship-phone-number",
    "delivery-start-date",
    "delivery-end-date",
    "delivery-time-zone",
    "delivery-Instructions",
    "sales-channel",
];

fn s(v: &Value, ptr: &str) -> String {
    match v.pointer(ptr) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// The report's data window, epoch µs.
pub(super) fn window(report: &ReportRow, now: Timestamp) -> (i64, i64) {
    let end = report.data_end_us.unwrap_or(now.as_microsecond());
    let start = report.data_start_us.unwrap_or_else(|| {
        Timestamp::from_microsecond(end)
            .ok()
            .and_then(|e| e.checked_sub(DEFAULT_WINDOW).ok())
            .map(|t| t.as_microsecond())
            .unwrap_or(0)
    });
    (start, end)
}

/// The report's orders in the window (by purchase time, or by last update), page by page in
/// index order.
pub(super) struct OrderPages {
    q: OrderQuery,
    done: bool,
}

impl OrderPages {
    pub(super) fn new(report: &ReportRow, now: Timestamp, by_update: bool) -> Self {
        let (from, to) = window(report, now);
        OrderPages {
            q: OrderQuery {
                seller_id: report.seller_id.clone(),
                by_update,
                from_us: Some(from),
                to_us: Some(to),
                marketplace_ids: report.marketplace_ids.clone(),
                limit: PAGE,
                ..Default::default()
            },
            done: false,
        }
    }

    /// The next page, `None` at the end.
    pub(super) async fn next(
        &mut self,
        store: &Store,
    ) -> Result<Option<Vec<OrderRow>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        let page = store.query_orders(&self.q).await?;
        self.done = (page.len() as u32) < PAGE;
        let Some(last) = page.last() else {
            return Ok(None);
        };
        let key = if self.q.by_update {
            last.updated_at_us
        } else {
            last.purchase_at_us
        };
        self.q.after = Some((key, last.id));
        // The window starts at the last key, so that each page's index range begins where the
        // previous one ended (the keyset condition alone would not narrow SQLite's range scan,
        // and a large report would rescan the window for every page).
        self.q.from_us = Some(key);
        Ok(Some(page))
    }
}

/// The flat-file order status of an Orders API status.
fn flat_status(status: &str) -> &str {
    match status {
        "Pending" | "PendingAvailability" => "Pending",
        "Unshipped" | "PartiallyShipped" => "Shipping",
        "Shipped" | "InvoiceUnconfirmed" => "Shipped",
        "Canceled" => "Cancelled",
        other => other,
    }
}

fn item_status(order_status: &str, item: &Value) -> &'static str {
    let ordered = item["QuantityOrdered"].as_i64().unwrap_or(0);
    let shipped = item["QuantityShipped"].as_i64().unwrap_or(0);
    if order_status == "Canceled" {
        "Cancelled"
    } else if ordered > 0 && shipped >= ordered {
        "Shipped"
    } else {
        "Unshipped"
    }
}

/// GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL (`by_update` false) and
/// _BY_LAST_UPDATE_GENERAL.
pub async fn all_orders(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    w: &mut DocumentWriter,
    by_update: bool,
) -> Result<(), StoreError> {
    let mut tsv = Tsv::new(w, ALL_ORDERS).await?;
    let mut pages = OrderPages::new(report, now, by_update);
    while let Some(page) = pages.next(store).await? {
        for o in page {
            let d = &o.doc;
            let status = flat_status(&o.order_status).to_string();
            let channel = if o.fulfillment_channel == "AFN" {
                "Amazon"
            } else {
                "Merchant"
            };
            let sales_channel = s(d, "/SalesChannel");
            let empty = Vec::new();
            for item in o.items.as_array().unwrap_or(&empty) {
                // Amazon leaves the prices of pending merchant orders empty.
                let pending = status == "Pending" && channel == "Merchant";
                let money = |p: &str| if pending { String::new() } else { s(item, p) };
                let row = [
                    o.amazon_order_id.clone(),
                    o.seller_order_id.clone().unwrap_or_default(),
                    s(d, "/PurchaseDate"),
                    s(d, "/LastUpdateDate"),
                    status.clone(),
                    channel.to_string(),
                    sales_channel.clone(),
                    String::new(),
                    String::new(),
                    s(d, "/ShipServiceLevel"),
                    s(item, "/Title"),
                    s(item, "/SellerSKU"),
                    s(item, "/ASIN"),
                    item_status(&o.order_status, item).to_string(),
                    s(item, "/QuantityOrdered"),
                    s(item, "/ItemPrice/CurrencyCode"),
                    money("/ItemPrice/Amount"),
                    money("/ItemTax/Amount"),
                    money("/ShippingPrice/Amount"),
                    money("/ShippingTax/Amount"),
                    money("/GiftWrapPrice/Amount"),
                    money("/GiftWrapTax/Amount"),
                    money("/PromotionDiscount/Amount"),
                    money("/ShippingDiscount/Amount"),
                    s(d, "/ShippingAddress/City"),
                    s(d, "/ShippingAddress/StateOrRegion"),
                    s(d, "/ShippingAddress/PostalCode"),
                    s(d, "/ShippingAddress/CountryCode"),
                    item["PromotionIds"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default(),
                    d["IsBusinessOrder"].as_bool().unwrap_or(false).to_string(),
                    s(d, "/BuyerInfo/PurchaseOrderNumber"),
                    String::new(),
                ];
                tsv.row(&row).await?;
            }
        }
    }
    tsv.finish().await
}

/// GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING: merchant-fulfilled, not cancelled orders of the
/// window with the buyer's name, email and full ship-to address (restricted data).
pub async fn shipping(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let mut tsv = Tsv::new(w, SHIPPING).await?;
    let mut pages = OrderPages::new(report, now, false);
    while let Some(page) = pages.next(store).await? {
        for o in page {
            if o.fulfillment_channel != "MFN"
                || matches!(o.order_status.as_str(), "Canceled" | "Pending")
            {
                continue;
            }
            let d = &o.doc;
            let empty = Vec::new();
            for item in o.items.as_array().unwrap_or(&empty) {
                let row = [
                    o.amazon_order_id.clone(),
                    s(item, "/OrderItemId"),
                    s(d, "/PurchaseDate"),
                    s(d, "/PurchaseDate"),
                    s(d, "/BuyerInfo/BuyerEmail"),
                    s(d, "/BuyerInfo/BuyerName"),
                    s(d, "/ShippingAddress/Phone"),
                    s(item, "/SellerSKU"),
                    s(item, "/Title"),
                    s(item, "/QuantityOrdered"),
                    s(item, "/ItemPrice/CurrencyCode"),
                    s(item, "/ItemPrice/Amount"),
                    s(item, "/ItemTax/Amount"),
                    s(item, "/ShippingPrice/Amount"),
                    s(item, "/ShippingTax/Amount"),
                    s(d, "/ShipServiceLevel"),
                    s(d, "/ShippingAddress/Name"),
                    s(d, "/ShippingAddress/AddressLine1"),
                    s(d, "/ShippingAddress/AddressLine2"),
                    s(d, "/ShippingAddress/AddressLine3"),
                    s(d, "/ShippingAddress/City"),
                    s(d, "/ShippingAddress/StateOrRegion"),
                    s(d, "/ShippingAddress/PostalCode"),
                    s(d, "/ShippingAddress/CountryCode"),
                    s(d, "/ShippingAddress/Phone"),
                    s(d, "/EarliestDeliveryDate"),
                    s(d, "/LatestDeliveryDate"),
                    String::new(),
                    String::new(),
                    s(d, "/SalesChannel"),
                ];
                tsv.row(&row).await?;
            }
        }
    }
    tsv.finish().await
}
