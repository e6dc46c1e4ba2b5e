//! Finances: the financial events the world posts and the settlement groups they fall in.
//!
//! # Rules
//!
//! - **Events from what happens.** When units of an order ship (Amazon's fulfillment network
//!   for FBA, confirmShipment or an in-store pickup for seller-fulfilled orders), a
//!   `ShipmentEvent` is posted in the transaction of the shipment: per shipped item the charges
//!   (`Principal`, `ShippingCharge`, and in NA, where Amazon collects sales tax as marketplace
//!   facilitator, `Tax`/`ShippingTax` withheld again as `MarketplaceFacilitatorTax-*`), the
//!   promotion, and the fees of [`crate::market::fees::estimate`] for the SKU at the unit price
//!   of the sale: `Commission` (the referral fee), `VariableClosingFee` (media) and
//!   `FBAPerUnitFulfillmentFee` for FBA orders, times the units shipped. Money to the seller is
//!   positive, fees and promotions negative. A partial shipment posts the share of the units it
//!   ships.
//! - **Groups.** Settlement cycles are 14 days per seller and currency, on the emulator clock
//!   from the Unix epoch. A group is Open until its cycle ends, then Closed with
//!   `FundTransferStatus` `Succeeded` and `FundTransferDate` its end; its total is the sum of its
//!   events. No reserves are held, so every `BeginningBalance` is 0. A group exists once an event
//!   falls in it.

mod transactions;
mod v0;

pub use v0::FinanceService;

use crate::error::{Error, Result};
use crate::market::fees::{self, package_in, package_of};
use crate::market::marketplaces::marketplace;
use crate::market::money;
use crate::store::finances::FinanceEventRow;
use crate::store::{OrderRow, StoreTx};
use crate::time::iso_us;
use jiff::Timestamp;
use serde_json::Value;
use spapi_model::finances_v0 as f;
use spapi_model::orders_v0 as o;

/// The length of a settlement cycle, µs (14 days).
pub const CYCLE_US: i64 = 14 * 24 * 3600 * 1_000_000;

/// Start of the cycle that holds `at_us`.
pub fn cycle_start(at_us: i64) -> i64 {
    at_us.div_euclid(CYCLE_US) * CYCLE_US
}

/// The `FinancialEventGroupId` of a seller's cycle in a currency (stable: derived from them).
pub fn group_id(seller_id: &str, currency: &str, start_us: i64) -> String {
    crate::market::alnum_tail(&format!("group:{seller_id}:{currency}:{start_us}"), 32)
}

fn amount(m: &Option<o::Money>, cur: &str) -> i64 {
    m.as_ref()
        .and_then(|m| m.amount.as_deref())
        .and_then(|a| money::parse(a, cur))
        .unwrap_or(0)
}

/// A `Currency` of minor units.
pub(crate) fn currency(minor: i64, cur: &str) -> f::Currency {
    f::Currency {
        currency_code: Some(cur.to_string()),
        currency_amount: Some(money::to_decimal(minor, cur)),
    }
}

fn charge(kind: &str, minor: i64, cur: &str) -> f::ChargeComponent {
    f::ChargeComponent {
        charge_type: Some(kind.into()),
        charge_amount: Some(currency(minor, cur)),
    }
}

fn fee(kind: &str, minor: i64, cur: &str) -> f::FeeComponent {
    f::FeeComponent {
        fee_type: Some(kind.into()),
        fee_amount: Some(currency(minor, cur)),
    }
}

/// Posts the `ShipmentEvent` of units of `row` shipping now, in the shipment's transaction.
/// `shipped`: the order items and how many of their units ship (items with 0 are skipped).
pub async fn post_shipment(
    tx: &mut StoreTx,
    row: &OrderRow,
    shipped: &[(o::OrderItem, i64)],
    at: Timestamp,
) -> Result<()> {
    let mp = marketplace(&row.marketplace_id)
        .ok_or_else(|| Error::internal("order in an unknown marketplace"))?;
    let cur = mp.currency;
    let afn = row.fulfillment_channel == "AFN";
    let na = mp.region == "NA";
    let mut items = Vec::new();
    let mut total = 0i64;
    for (item, q) in shipped {
        let q = *q;
        if q < 1 || item.quantity_ordered < 1 {
            continue;
        }
        // The item's amounts are for all its units: the share of the units shipping now.
        let share = |m: &Option<o::Money>| amount(m, cur) * q / item.quantity_ordered;
        let principal = share(&item.item_price);
        let shipping = share(&item.shipping_price);
        let tax = share(&item.item_tax);
        let ship_tax = share(&item.shipping_tax);
        let promo = share(&item.promotion_discount);
        let mut charges = vec![charge("Principal", principal, cur)];
        let mut withheld = Vec::new();
        if na {
            charges.push(charge("Tax", tax, cur));
        }
        charges.push(charge("ShippingCharge", shipping, cur));
        if na {
            charges.push(charge("ShippingTax", ship_tax, cur));
            withheld.push(charge("MarketplaceFacilitatorTax-Principal", -tax, cur));
            withheld.push(charge("MarketplaceFacilitatorTax-Shipping", -ship_tax, cur));
        }
        total += principal + shipping - promo;
        // The fees of one unit at the unit price of the sale, times the units.
        let sku = item.seller_sku.clone().unwrap_or_default();
        let unit_price = amount(&item.item_price, cur) / item.quantity_ordered;
        let unit_ship = amount(&item.shipping_price, cur) / item.quantity_ordered;
        let listing = tx.get_listing_doc(&row.seller_id, &sku, mp.id).await?;
        let asin = listing
            .as_ref()
            .map(|d| d.row.asin.clone())
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| item.asin.clone());
        let catalog = tx.get_catalog_item(&asin).await?;
        let product_type = catalog
            .as_ref()
            .map(|c| c.product_type.clone())
            .unwrap_or_default();
        let package = if afn {
            listing
                .as_ref()
                .and_then(|d| d.attributes.as_ref().and_then(package_in))
                .or_else(|| catalog.as_ref().and_then(package_of))
        } else {
            None
        };
        let est = fees::estimate(mp, &product_type, unit_price, unit_ship, package.as_ref());
        let mut item_fees = Vec::new();
        for line in &est.lines {
            let name = match line.fee_type {
                "ReferralFee" => "Commission",
                "VariableClosingFee" => "VariableClosingFee",
                "FBAFees" if afn => "FBAPerUnitFulfillmentFee",
                _ => continue,
            };
            if line.amount == 0 && name != "Commission" {
                continue;
            }
            total -= line.amount * q;
            item_fees.push(fee(name, -line.amount * q, cur));
        }
        let promotions = (promo != 0).then(|| {
            vec![f::Promotion {
                promotion_type: Some("PromotionMetaDataDefinitionValue".into()),
                promotion_id: item.promotion_ids.as_ref().and_then(|p| p.first().cloned()),
                promotion_amount: Some(currency(-promo, cur)),
            }]
        });
        items.push(f::ShipmentItem {
            seller_sku: Some(sku),
            order_item_id: Some(item.order_item_id.clone()),
            quantity_shipped: Some(q),
            item_charge_list: Some(charges),
            item_fee_list: Some(item_fees),
            item_tax_withheld_list: na.then(|| {
                vec![f::TaxWithheldComponent {
                    tax_collection_model: Some("MarketplaceFacilitator".into()),
                    taxes_withheld: Some(withheld),
                }]
            }),
            promotion_list: promotions,
            ..Default::default()
        });
    }
    if items.is_empty() {
        return Ok(());
    }
    let at_us = at.as_microsecond();
    let event = f::ShipmentEvent {
        amazon_order_id: Some(row.amazon_order_id.clone()),
        seller_order_id: row
            .seller_order_id
            .clone()
            .or_else(|| Some(row.amazon_order_id.clone())),
        marketplace_name: Some(mp.name.to_string()),
        posted_date: Some(iso_us(at_us)),
        shipment_item_list: Some(items),
        ..Default::default()
    };
    let start = cycle_start(at_us);
    tx.insert_finance_event(&FinanceEventRow {
        id: 0,
        seller_id: row.seller_id.clone(),
        marketplace_id: mp.id.to_string(),
        currency: cur.to_string(),
        amazon_order_id: row.amazon_order_id.clone(),
        kind: "Shipment".into(),
        group_id: group_id(&row.seller_id, cur, start),
        group_start_us: start,
        posted_at_us: at_us,
        total,
        doc: serde_json::to_value(&event).map_err(Error::internal)?,
    })
    .await?;
    Ok(())
}

/// The `FinancialEventGroup` of a cycle with `total` at time `now_us`.
pub(crate) fn group_doc(
    id: &str,
    cur: &str,
    start_us: i64,
    total: i64,
    now_us: i64,
) -> f::FinancialEventGroup {
    let end_us = start_us + CYCLE_US;
    let closed = now_us >= end_us;
    f::FinancialEventGroup {
        financial_event_group_id: Some(id.to_string()),
        processing_status: Some(if closed { "Closed" } else { "Open" }.into()),
        fund_transfer_status: closed.then(|| "Succeeded".into()),
        original_total: Some(currency(total, cur)),
        converted_total: closed.then(|| currency(total, cur)),
        fund_transfer_date: closed.then(|| iso_us(end_us)),
        trace_id: closed.then(|| crate::market::alnum_tail(&format!("trace:{id}"), 20)),
        account_tail: closed.then(|| "123".into()),
        beginning_balance: Some(currency(0, cur)),
        financial_event_group_start: Some(iso_us(start_us)),
        financial_event_group_end: closed.then(|| iso_us(end_us)),
    }
}

/// The shape a stored event document is served in (checked on the way out).
pub(crate) fn shipment_event(doc: Value) -> Result<f::ShipmentEvent> {
    crate::market::to_model(doc)
}
