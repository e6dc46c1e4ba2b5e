//! The single-order reads of Orders v0 (getOrder, getOrderBuyerInfo, getOrderAddress,
//! getOrderItems, getOrderItemsBuyerInfo) and the personal-data rule applied to what they
//! show.

use super::{into_order_doc, order_doc, order_items, seller_order, seller_order_header};
use crate::auth::Caller;
use crate::auth::personal_data::{self, BUYER_INFO, BUYER_TAX_INFORMATION, SHIPPING_ADDRESS};
use crate::error::{Error, Result};
use crate::store::Store;
use spapi_model::orders_v0 as m;
use spapi_model::{OPERATIONS, Operation};

/// The Orders v0 operation `id` of the table: what the personal-data rule is asked about.
/// Looked up once per process: reads call it on every request.
pub(super) fn operation(id: &str) -> Result<&'static Operation> {
    static ORDERS: std::sync::OnceLock<
        std::collections::HashMap<&'static str, &'static Operation>,
    > = std::sync::OnceLock::new();
    ORDERS
        .get_or_init(|| {
            OPERATIONS
                .iter()
                .filter(|o| o.api == "orders_v0")
                .map(|o| (o.operation_id, o))
                .collect()
        })
        .get(id)
        .copied()
        .ok_or_else(|| Error::internal(format!("orders_v0 has no operation {id}")))
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
pub(super) fn redact_order(order: &mut m::Order, caller: &Caller, op: &Operation) {
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
pub(super) fn redact_items(items: &mut [m::OrderItem], caller: &Caller, op: &Operation) {
    if !personal_data::may_see(caller, op, BUYER_INFO) {
        for i in items {
            i.buyer_info = None;
        }
    }
}

/// `getOrder`: the caller's order `id` (404 if it is not the caller's), without the personal
/// data the call may not see.
pub async fn get_order(store: &Store, caller: &Caller, id: &str) -> Result<m::Order> {
    let op = operation("getOrder")?;
    let row = seller_order_header(store, caller, id).await?;
    let mut order = into_order_doc(row)?;
    redact_order(&mut order, caller, op);
    Ok(order)
}

/// `getOrderBuyerInfo`: the buyer of the caller's order `id`. The whole answer is personal
/// data: without a Restricted Data Token for the call only the order id is shown.
pub async fn get_order_buyer_info(
    store: &Store,
    caller: &Caller,
    id: &str,
) -> Result<m::OrderBuyerInfo> {
    let op = operation("getOrderBuyerInfo")?;
    let row = seller_order_header(store, caller, id).await?;
    let order = order_doc(&row)?;
    let mut info = m::OrderBuyerInfo {
        amazon_order_id: row.amazon_order_id,
        ..Default::default()
    };
    if personal_data::may_see(caller, op, BUYER_INFO)
        && let Some(b) = order.buyer_info
    {
        info.buyer_email = b.buyer_email;
        info.buyer_name = b.buyer_name;
        info.buyer_county = b.buyer_county;
        info.buyer_tax_info = b.buyer_tax_info;
        info.purchase_order_number = b.purchase_order_number;
    }
    Ok(info)
}

/// `getOrderAddress`: the ship-to address of the caller's order `id`; without a Restricted
/// Data Token only its coarse parts (city, region, postal code, country).
pub async fn get_order_address(
    store: &Store,
    caller: &Caller,
    id: &str,
) -> Result<m::OrderAddress> {
    let op = operation("getOrderAddress")?;
    let row = seller_order_header(store, caller, id).await?;
    let mut order = order_doc(&row)?;
    let full = personal_data::may_see(caller, op, SHIPPING_ADDRESS);
    redact_order(&mut order, caller, op);
    let company = if full {
        order
            .shipping_address
            .as_ref()
            .and_then(|a| a.company_name.clone())
    } else {
        None
    };
    Ok(m::OrderAddress {
        amazon_order_id: row.amazon_order_id,
        buyer_company_name: company,
        shipping_address: order.shipping_address,
        delivery_preferences: None,
    })
}

/// Orders here never span pages of items: a NextToken can only be a stale one.
fn no_item_pages(next_token: Option<&str>) -> Result<()> {
    match next_token {
        Some(_) => Err(Error::invalid_parameter("NextToken", "Invalid NextToken.")),
        None => Ok(()),
    }
}

/// `getOrderItems`: the items of the caller's order `id`, without the buyer's personal data
/// unless the call may see it.
pub async fn get_order_items(
    store: &Store,
    caller: &Caller,
    id: &str,
    next_token: Option<&str>,
) -> Result<m::OrderItemsList> {
    let op = operation("getOrderItems")?;
    let row = seller_order(store, caller, id).await?;
    no_item_pages(next_token)?;
    let mut items = order_items(&row)?;
    redact_items(&mut items, caller, op);
    Ok(m::OrderItemsList {
        order_items: items,
        next_token: None,
        amazon_order_id: row.amazon_order_id,
    })
}

/// `getOrderItemsBuyerInfo`: the buyer's item-level information (gift wrap, messages,
/// customizations) of the caller's order `id`; empty without a Restricted Data Token.
pub async fn get_order_items_buyer_info(
    store: &Store,
    caller: &Caller,
    id: &str,
    next_token: Option<&str>,
) -> Result<m::OrderItemsBuyerInfoList> {
    let op = operation("getOrderItemsBuyerInfo")?;
    let row = seller_order(store, caller, id).await?;
    no_item_pages(next_token)?;
    let visible = personal_data::may_see(caller, op, BUYER_INFO);
    let items = order_items(&row)?
        .into_iter()
        .map(|i| {
            let info = if visible { i.buyer_info } else { None }.unwrap_or_default();
            m::OrderItemBuyerInfo {
                order_item_id: i.order_item_id,
                buyer_customized_info: info.buyer_customized_info,
                gift_wrap_price: info.gift_wrap_price,
                gift_wrap_tax: info.gift_wrap_tax,
                gift_message_text: info.gift_message_text,
                gift_wrap_level: info.gift_wrap_level,
            }
        })
        .collect();
    Ok(m::OrderItemsBuyerInfoList {
        order_items: items,
        next_token: None,
        amazon_order_id: row.amazon_order_id,
    })
}
