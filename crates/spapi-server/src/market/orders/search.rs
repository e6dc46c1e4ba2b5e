//! getOrders: the search by Amazon's rules (filters, windows that end two minutes in the past,
//! pages in window order) and the NextToken that carries a search from page to page.

use super::read::{operation, redact_order};
use super::{bad, into_order_doc, us};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::paging::{UNDECODABLE, decode_token, encode_token};
use crate::store::{OrderQuery, Store};
use crate::time::iso_us;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use spapi_model::orders_v0 as m;

/// The largest page getOrders returns.
pub const MAX_RESULTS_PER_PAGE: i64 = 100;

fn date(field: &str, v: &Option<String>) -> Result<Option<Timestamp>> {
    match v {
        None => Ok(None),
        Some(s) => crate::time::parse_date_time(s)
            .map(Some)
            .ok_or_else(|| bad(field, format!("Invalid Date-Time field(s) [{field}]."))),
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A getOrders search: the filters of the first request, its window with the end fixed when
/// the first page was asked for, the page size, and (in a NextToken) where the next page
/// starts. The NextToken is this, encoded by [`encode_token`]; short field names keep it short.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Search {
    /// The window is on the last-update time (else on the purchase time).
    #[serde(rename = "u", default, skip_serializing_if = "is_false")]
    by_update: bool,
    /// Window start, inclusive (none for a search by order ids alone).
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    from_us: Option<i64>,
    /// Window end, inclusive.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    to_us: Option<i64>,
    #[serde(rename = "m", default, skip_serializing_if = "Vec::is_empty")]
    marketplace_ids: Vec<String>,
    #[serde(rename = "s", default, skip_serializing_if = "Vec::is_empty")]
    statuses: Vec<String>,
    #[serde(rename = "c", default, skip_serializing_if = "Vec::is_empty")]
    channels: Vec<String>,
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    payment_methods: Vec<String>,
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    buyer_email: Option<String>,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    seller_order_id: Option<String>,
    #[serde(rename = "i", default, skip_serializing_if = "Vec::is_empty")]
    amazon_order_ids: Vec<String>,
    #[serde(rename = "es", default, skip_serializing_if = "Vec::is_empty")]
    easy_ship_statuses: Vec<String>,
    #[serde(rename = "ei", default, skip_serializing_if = "Vec::is_empty")]
    electronic_invoice_statuses: Vec<String>,
    #[serde(rename = "ip", default, skip_serializing_if = "Option::is_none")]
    is_ispu: Option<bool>,
    #[serde(rename = "sc", default, skip_serializing_if = "Option::is_none")]
    store_chain_store_id: Option<String>,
    #[serde(rename = "ss", default, skip_serializing_if = "Option::is_none")]
    supply_source_id: Option<String>,
    #[serde(rename = "edb", default, skip_serializing_if = "Option::is_none")]
    earliest_delivery_before_us: Option<i64>,
    #[serde(rename = "eda", default, skip_serializing_if = "Option::is_none")]
    earliest_delivery_after_us: Option<i64>,
    #[serde(rename = "ldb", default, skip_serializing_if = "Option::is_none")]
    latest_delivery_before_us: Option<i64>,
    #[serde(rename = "lda", default, skip_serializing_if = "Option::is_none")]
    latest_delivery_after_us: Option<i64>,
    /// Page size.
    #[serde(rename = "n")]
    limit: u32,
    /// The next page starts after this (time, row id).
    #[serde(rename = "a", default, skip_serializing_if = "Option::is_none")]
    after: Option<(i64, i64)>,
}

impl Search {
    /// The store query for `seller`'s orders, one row more than a page (which tells whether
    /// there is a next page).
    fn query(&self, seller_id: String) -> OrderQuery {
        OrderQuery {
            seller_id,
            by_update: self.by_update,
            from_us: self.from_us,
            to_us: self.to_us,
            marketplace_ids: self.marketplace_ids.clone(),
            statuses: self.statuses.clone(),
            channels: self.channels.clone(),
            payment_methods: self.payment_methods.clone(),
            buyer_email: self.buyer_email.clone(),
            seller_order_id: self.seller_order_id.clone(),
            amazon_order_ids: self.amazon_order_ids.clone(),
            easy_ship_statuses: self.easy_ship_statuses.clone(),
            electronic_invoice_statuses: self.electronic_invoice_statuses.clone(),
            is_ispu: self.is_ispu,
            store_chain_store_id: self.store_chain_store_id.clone(),
            supply_source_id: self.supply_source_id.clone(),
            earliest_delivery_before_us: self.earliest_delivery_before_us,
            earliest_delivery_after_us: self.earliest_delivery_after_us,
            latest_delivery_before_us: self.latest_delivery_before_us,
            latest_delivery_after_us: self.latest_delivery_after_us,
            after: self.after,
            limit: self.limit + 1,
            // getOrders shows orders without their items.
            without_items: true,
        }
    }
}

/// The marketplaces of a search must be ones the seller sells in (and in this region).
fn check_marketplaces(caller: &Caller, ids: &[String]) -> Result<()> {
    for mp in ids {
        if !caller.marketplace_ids.contains(mp) {
            return Err(Error::invalid_parameter(
                "MarketplaceIds",
                format!("Invalid marketplace id {mp} for this seller."),
            ));
        }
    }
    Ok(())
}

/// The search of a first request, by Amazon's rules: exactly one of CreatedAfter and
/// LastUpdatedAfter (unless AmazonOrderIds), a window that ends at least two minutes before
/// `now` (there when not sent), at most 100 orders a page.
fn first_search(caller: &Caller, now: Timestamp, p: &m::params::GetOrders) -> Result<Search> {
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
    check_marketplaces(caller, &p.marketplace_ids)?;
    let by_update = updated_after.is_some();
    // The window's end is fixed now: a NextToken carries it, so every page of the search
    // sees the same window however much later it is asked for.
    let (from, to) = if by_update {
        (updated_after, Some(updated_before.unwrap_or(latest)))
    } else if created_after.is_some() {
        (created_after, Some(created_before.unwrap_or(latest)))
    } else {
        (None, None)
    };
    let delivery = |field: &str, v: &Option<String>| date(field, v).map(|t| t.map(us));
    Ok(Search {
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
        limit: limit as u32,
        after: None,
    })
}

/// `getOrders` for the caller's seller: a page of at most 100 orders in window order (time,
/// then id), without the personal data the call may not see, and the NextToken of the next
/// page.
///
/// A NextToken carries the whole search (filters, window end, page size, position): with
/// one, only MarketplaceIds (which the model requires) and the token are needed, and filters
/// sent again are ignored, as Amazon does. A token spapi cannot read is 400 `InvalidInput`
/// with Amazon's message.
pub async fn get_orders(
    store: &Store,
    caller: &Caller,
    now: Timestamp,
    p: &m::params::GetOrders,
) -> Result<m::OrdersList> {
    let op = operation("getOrders")?;
    let seller = caller
        .selling_partner_id
        .clone()
        .ok_or_else(Error::forbidden)?;
    let search = match p.next_token.as_deref() {
        Some(token) => {
            let search: Search = decode_token(token)?;
            if !(1..=MAX_RESULTS_PER_PAGE).contains(&i64::from(search.limit)) {
                return Err(Error::invalid_input(UNDECODABLE));
            }
            // A token is not bound to a seller: its marketplaces must be the caller's too.
            check_marketplaces(caller, &search.marketplace_ids)?;
            search
        }
        None => first_search(caller, now, p)?,
    };
    let mut rows = store.query_orders(&search.query(seller)).await?;
    let limit = search.limit as usize;
    let next_token = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| {
            let t = if search.by_update {
                r.updated_at_us
            } else {
                r.purchase_at_us
            };
            encode_token(&Search {
                after: Some((t, r.id)),
                ..search.clone()
            })
        })
    } else {
        None
    };
    let mut orders = Vec::with_capacity(rows.len());
    for row in rows {
        let mut order = into_order_doc(row)?;
        redact_order(&mut order, caller, op);
        orders.push(order);
    }
    // The answer says where the window ends (on the side the search is on).
    let end = search.to_us.map(iso_us);
    Ok(m::OrdersList {
        orders,
        next_token,
        created_before: if search.by_update { None } else { end.clone() },
        last_updated_before: if search.by_update { end } else { None },
    })
}
