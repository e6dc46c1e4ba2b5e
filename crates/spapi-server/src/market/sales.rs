//! Sales metrics computed from the orders (`getOrderMetrics`).
//!
//! Counted: orders placed in the interval in the marketplace, except Canceled ones. totalSales
//! is the item price (no shipping, tax or promotions), averageUnitPrice is totalSales divided by
//! units. Buckets follow the granularity in granularityTimeZone; the first and last bucket are
//! cut at the interval's ends, as Amazon does; empty buckets are listed with zeros.

use super::marketplaces::marketplace;
use super::money;
use super::orders::order_items;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::store::{OrderQuery, Store};
use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ZonedDateTime as Zoned};
use spapi_model::sales_v1 as m;

/// One bucket of metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// `start--end` as Amazon writes it.
    pub interval: String,
    /// Units.
    pub units: i64,
    /// Order items.
    pub items: i64,
    /// Orders.
    pub orders: i64,
    /// Item price total, minor units.
    pub sales_minor: i64,
}

/// The request, as the binding parsed it.
pub type Params = m::params::GetOrderMetrics;

fn bad(field: &str, details: impl Into<String>) -> Error {
    Error::invalid_parameter(field, details)
}

/// Parses `start--end` (absolute times with `Z` or an offset); returns the instants and the
/// offset written on the start.
fn parse_interval(s: &str) -> Result<(Timestamp, Timestamp, String)> {
    let invalid = || {
        bad(
            "interval",
            "interval must be two ISO-8601 date-times with offsets separated by '--'.",
        )
    };
    let (a, b) = s.split_once("--").ok_or_else(invalid)?;
    let start: Timestamp = a.trim().parse().map_err(|_| invalid())?;
    let end: Timestamp = b.trim().parse().map_err(|_| invalid())?;
    if end <= start {
        return Err(bad(
            "interval",
            "The interval's end must be after its start.",
        ));
    }
    let offset = if a.trim().ends_with('Z') || a.trim().ends_with('z') {
        "Z".to_string()
    } else {
        a.trim()
            .get(a.trim().len().saturating_sub(6)..)
            .unwrap_or("")
            .to_string()
    };
    Ok((start, end, offset))
}

fn fmt_bound(z: &Zoned) -> String {
    let off = z.offset();
    let off = if off.seconds() == 0 {
        "Z".to_string()
    } else {
        let s = off.seconds();
        let sign = if s < 0 { '-' } else { '+' };
        let s = s.abs();
        format!("{sign}{:02}:{:02}", s / 3600, (s % 3600) / 60)
    };
    format!("{}{off}", z.strftime("%Y-%m-%dT%H:%M"))
}

/// The start of the bucket that holds `z`.
fn floor(z: &Zoned, granularity: &str, first_day: Weekday) -> Result<Zoned> {
    let day = z.start_of_day().map_err(Error::internal)?;
    Ok(match granularity {
        "Hour" => z
            .with()
            .minute(0)
            .second(0)
            .subsec_nanosecond(0)
            .build()
            .map_err(Error::internal)?,
        "Day" => day,
        "Week" => {
            let back =
                (7 + day.weekday().to_monday_zero_offset() - first_day.to_monday_zero_offset()) % 7;
            day.checked_sub(Span::new().days(back as i64))
                .map_err(Error::internal)?
        }
        "Month" => day.first_of_month().map_err(Error::internal)?,
        _ => day.first_of_year().map_err(Error::internal)?,
    })
}

fn step(granularity: &str) -> Span {
    match granularity {
        "Hour" => Span::new().hours(1),
        "Day" => Span::new().days(1),
        "Week" => Span::new().weeks(1),
        "Month" => Span::new().months(1),
        _ => Span::new().years(1),
    }
}

/// `getOrderMetrics` for the caller's seller: one interval of the model per bucket, with
/// money in the marketplace's currency.
pub async fn get_order_metrics(
    store: &Store,
    caller: &Caller,
    now: Timestamp,
    p: &Params,
) -> Result<Vec<m::OrderMetricsInterval>> {
    let seller = caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)?;
    let (buckets, currency) = order_metrics(store, seller, &caller.marketplace_ids, now, p).await?;
    let money = |minor: i64| m::Money {
        currency_code: currency.to_string(),
        amount: money::format(minor, currency),
    };
    Ok(buckets
        .into_iter()
        .map(|b| m::OrderMetricsInterval {
            interval: b.interval,
            unit_count: b.units,
            order_item_count: b.items,
            order_count: b.orders,
            average_unit_price: money(if b.units > 0 {
                b.sales_minor / b.units
            } else {
                0
            }),
            total_sales: money(b.sales_minor),
        })
        .collect())
}

/// The metrics of `seller_id`'s orders in buckets, and the marketplace's currency.
async fn order_metrics(
    store: &Store,
    seller_id: &str,
    seller_marketplaces: &[String],
    now: Timestamp,
    p: &Params,
) -> Result<(Vec<Bucket>, &'static str)> {
    if p.marketplace_ids.len() != 1 {
        return Err(bad(
            "marketplaceIds",
            "Exactly one marketplace can be specified.",
        ));
    }
    let mp_id = &p.marketplace_ids[0];
    let mp = marketplace(mp_id)
        .filter(|_| seller_marketplaces.contains(mp_id))
        .ok_or_else(|| {
            bad(
                "marketplaceIds",
                format!("Invalid marketplace id {mp_id} for this seller."),
            )
        })?;
    let (start, end, offset) = parse_interval(&p.interval)?;
    let granularity = p.granularity.as_str();
    if p.asin.is_some() && p.sku.is_some() {
        return Err(bad("asin", "Specify asin or sku, not both."));
    }
    let zone = match p.granularity_time_zone.as_deref() {
        Some(name) => TimeZone::get(name)
            .map_err(|_| bad("granularityTimeZone", format!("Unknown time zone {name}.")))?,
        None if matches!(granularity, "Hour" | "Total") => TimeZone::UTC,
        None => {
            return Err(bad(
                "granularityTimeZone",
                "granularityTimeZone is required for granularities coarser than Hour.",
            ));
        }
    };
    // The zone must agree with the offset written in the interval.
    let zoned_start = start.to_zoned_datetime(zone.clone());
    let written = if offset == "Z" {
        0
    } else {
        zoned_start.offset().seconds()
    };
    let expected = if offset == "Z" {
        0
    } else {
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let h: i32 = offset.get(1..3).and_then(|v| v.parse().ok()).unwrap_or(0);
        let m: i32 = offset.get(4..6).and_then(|v| v.parse().ok()).unwrap_or(0);
        sign * (h * 3600 + m * 60)
    };
    if p.granularity_time_zone.is_some() && written != expected {
        return Err(bad(
            "granularityTimeZone",
            "granularityTimeZone does not match the offset of the interval.",
        ));
    }
    let limit = if granularity == "Hour" { 30 } else { 730 };
    if now.duration_since(start).as_hours() > limit * 24 {
        return Err(bad(
            "interval",
            format!(
                "With granularity {granularity} the interval may reach back at most {limit} days."
            ),
        ));
    }
    // Buckets.
    let first_day = if p.first_day_of_week.as_deref() == Some("Sunday") {
        Weekday::Sunday
    } else {
        Weekday::Monday
    };
    let zoned_end = end.to_zoned_datetime(zone.clone());
    let mut bounds = vec![zoned_start.clone()];
    if granularity != "Total" {
        let mut b = floor(&zoned_start, granularity, first_day)?;
        loop {
            b = b.checked_add(step(granularity)).map_err(Error::internal)?;
            if b.timestamp() >= end {
                break;
            }
            bounds.push(b.clone());
            if bounds.len() > 20_000 {
                return Err(bad(
                    "interval",
                    "The interval holds too many buckets for this granularity.",
                ));
            }
        }
    }
    bounds.push(zoned_end);
    let mut buckets: Vec<Bucket> = bounds
        .windows(2)
        .map(|w| Bucket {
            interval: format!("{}--{}", fmt_bound(&w[0]), fmt_bound(&w[1])),
            units: 0,
            items: 0,
            orders: 0,
            sales_minor: 0,
        })
        .collect();
    let edges: Vec<i64> = bounds
        .iter()
        .map(|z| z.timestamp().as_microsecond())
        .collect();
    // The orders of the interval, a page at a time.
    let mut q = OrderQuery {
        seller_id: seller_id.to_string(),
        from_us: Some(start.as_microsecond()),
        to_us: Some(end.as_microsecond() - 1),
        marketplace_ids: vec![mp.id.to_string()],
        channels: p.fulfillment_network.clone().into_iter().collect(),
        limit: 1000,
        ..Default::default()
    };
    loop {
        let page = store.query_orders(&q).await?;
        let Some(last) = page.last() else { break };
        q.after = Some((last.purchase_at_us, last.id));
        for row in &page {
            if row.order_status == "Canceled" {
                continue;
            }
            let business = row.doc["IsBusinessOrder"].as_bool().unwrap_or(false);
            match p.buyer_type.as_deref() {
                Some("B2B") if !business => continue,
                Some("B2C") if business => continue,
                _ => {}
            }
            if p.amazon_program.is_some() {
                // No order of the world belongs to a special program.
                continue;
            }
            let items: Vec<_> = order_items(row)?
                .into_iter()
                .filter(|i| p.asin.as_ref().is_none_or(|a| &i.asin == a))
                .filter(|i| {
                    p.sku
                        .as_ref()
                        .is_none_or(|s| i.seller_sku.as_ref() == Some(s))
                })
                .collect();
            if items.is_empty() {
                continue;
            }
            let k = edges
                .partition_point(|&e| e <= row.purchase_at_us)
                .saturating_sub(1);
            let Some(b) = buckets.get_mut(k.min(edges.len().saturating_sub(2))) else {
                continue;
            };
            b.orders += 1;
            for i in items {
                b.items += 1;
                b.units += i.quantity_ordered;
                b.sales_minor += i
                    .item_price
                    .as_ref()
                    .and_then(|m| m.amount.as_deref())
                    .and_then(|a| money::parse(a, mp.currency))
                    .unwrap_or(0);
            }
        }
        if page.len() < 1000 {
            break;
        }
    }
    Ok((buckets, mp.currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_with_offsets() {
        let (s, e, off) =
            parse_interval("2018-09-01T00:00:00-07:00--2018-09-04T00:00:00-07:00").unwrap();
        assert_eq!(off, "-07:00");
        assert_eq!(e.duration_since(s).as_hours(), 72);
        assert!(parse_interval("2018-09-04T00:00:00Z--2018-09-01T00:00:00Z").is_err());
        assert!(parse_interval("yesterday").is_err());
    }
}
