//! GET_SALES_AND_TRAFFIC_REPORT (JSON): sales by date and by ASIN from the orders of the data
//! window; traffic is simulated from the sales (spapi has no shoppers browsing), consistently:
//! ten sessions per order item, two page views per session, 60 % of them in browsers.
//! Aggregates are kept per day and per ASIN (bounded by the window and the catalog), never
//! per order.

use super::orders::{OrderPages, window};
use crate::market::documents::DocumentWriter;
use crate::store::reports::ReportRow;
use crate::store::{Store, StoreError};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Default, Clone)]
struct Agg {
    sales_minor: i64,
    units: i64,
    items: i64,
    shipped_minor: i64,
    units_shipped: i64,
    orders_shipped: i64,
}

fn minor(v: &Value) -> i64 {
    let s = v.as_str().unwrap_or("0");
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    let frac = format!("{:0<2}", &frac[..frac.len().min(2)]);
    whole.parse::<i64>().unwrap_or(0) * 100 + frac.parse::<i64>().unwrap_or(0)
}

fn amount(minor: i64, currency: &str) -> Value {
    json!({"amount": minor as f64 / 100.0, "currencyCode": currency})
}

fn pct(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        ((part as f64 * 10000.0 / whole as f64).round() / 100.0).min(100.0)
    }
}

/// Writes the report.
pub async fn generate(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let (start, end) = window(report, now);
    let mut by_date: BTreeMap<String, Agg> = BTreeMap::new();
    let mut by_asin: BTreeMap<String, Agg> = BTreeMap::new();
    let mut currency = String::from("USD");
    let mut pages = OrderPages::new(report, now, false);
    while let Some(page) = pages.next(store).await? {
        for o in page {
            if o.order_status == "Canceled" {
                continue;
            }
            let day = Timestamp::from_microsecond(o.purchase_at_us)
                .unwrap_or(Timestamp::UNIX_EPOCH)
                .strftime("%Y-%m-%d")
                .to_string();
            // InvoiceUnconfirmed orders have shipped every item too.
            let shipped = matches!(o.order_status.as_str(), "Shipped" | "InvoiceUnconfirmed");
            let empty = Vec::new();
            let entry = by_date.entry(day.clone()).or_default();
            if shipped {
                entry.orders_shipped += 1;
            }
            for item in o.items.as_array().unwrap_or(&empty) {
                let price = minor(&item["ItemPrice"]["Amount"]);
                if let Some(c) = item["ItemPrice"]["CurrencyCode"].as_str() {
                    currency = c.to_string();
                }
                let units = item["QuantityOrdered"].as_i64().unwrap_or(0);
                let units_shipped = item["QuantityShipped"].as_i64().unwrap_or(0);
                let asin = item["ASIN"].as_str().unwrap_or_default().to_string();
                let on_day = by_date.get_mut(&day).expect("inserted above");
                for a in [on_day, by_asin.entry(asin).or_default()] {
                    a.sales_minor += price;
                    a.units += units;
                    a.items += 1;
                    a.units_shipped += units_shipped;
                    if units_shipped > 0 && units > 0 {
                        a.shipped_minor += price * units_shipped / units;
                    }
                }
            }
        }
    }
    let cur = currency.as_str();
    let dates: Vec<Value> = by_date
        .iter()
        .map(|(day, a)| {
            let sessions = a.items * 10;
            let views = sessions * 2;
            let browser_sessions = sessions * 6 / 10;
            let browser_views = views * 6 / 10;
            json!({
                "date": day,
                "salesByDate": {
                    "orderedProductSales": amount(a.sales_minor, cur),
                    "unitsOrdered": a.units,
                    "totalOrderItems": a.items,
                    "averageSalesPerOrderItem": amount(if a.items > 0 { a.sales_minor / a.items } else { 0 }, cur),
                    "averageUnitsPerOrderItem": if a.items > 0 { a.units as f64 / a.items as f64 } else { 0.0 },
                    "averageSellingPrice": amount(if a.units > 0 { a.sales_minor / a.units } else { 0 }, cur),
                    "unitsRefunded": 0,
                    "refundRate": 0.0,
                    "claimsGranted": 0,
                    "claimsAmount": amount(0, cur),
                    "shippedProductSales": amount(a.shipped_minor, cur),
                    "unitsShipped": a.units_shipped,
                    "ordersShipped": a.orders_shipped,
                },
                "trafficByDate": {
                    "browserPageViews": browser_views,
                    "mobileAppPageViews": views - browser_views,
                    "pageViews": views,
                    "browserSessions": browser_sessions,
                    "mobileAppSessions": sessions - browser_sessions,
                    "sessions": sessions,
                    "buyBoxPercentage": if a.items > 0 { 100.0 } else { 0.0 },
                    "orderItemSessionPercentage": pct(a.items, sessions),
                    "unitSessionPercentage": pct(a.units, sessions),
                    "averageOfferCount": 1,
                    "averageParentItems": 1,
                    "feedbackReceived": 0,
                    "negativeFeedbackReceived": 0,
                    "receivedNegativeFeedbackRate": 0.0,
                },
            })
        })
        .collect();
    let total_sessions: i64 = by_asin.values().map(|a| a.items * 10).sum();
    let asins: Vec<Value> = by_asin
        .iter()
        .map(|(asin, a)| {
            let sessions = a.items * 10;
            let views = sessions * 2;
            let browser_sessions = sessions * 6 / 10;
            let browser_views = views * 6 / 10;
            json!({
                "parentAsin": asin,
                "childAsin": asin,
                "salesByAsin": {
                    "unitsOrdered": a.units,
                    "orderedProductSales": amount(a.sales_minor, cur),
                    "totalOrderItems": a.items,
                },
                "trafficByAsin": {
                    "browserSessions": browser_sessions,
                    "mobileAppSessions": sessions - browser_sessions,
                    "sessions": sessions,
                    "browserSessionPercentage": pct(browser_sessions, total_sessions),
                    "mobileAppSessionPercentage": pct(sessions - browser_sessions, total_sessions),
                    "sessionPercentage": pct(sessions, total_sessions),
                    "browserPageViews": browser_views,
                    "mobileAppPageViews": views - browser_views,
                    "pageViews": views,
                    "browserPageViewsPercentage": pct(browser_views, total_sessions * 2),
                    "mobileAppPageViewsPercentage": pct(views - browser_views, total_sessions * 2),
                    "pageViewsPercentage": pct(views, total_sessions * 2),
                    "buyBoxPercentage": 100.0,
                    "unitSessionPercentage": pct(a.units, sessions),
                },
            })
        })
        .collect();
    let day = |us: i64| {
        Timestamp::from_microsecond(us)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .strftime("%Y-%m-%d")
            .to_string()
    };
    let options = report.options.clone().unwrap_or_else(|| json!({}));
    let doc = json!({
        "reportSpecification": {
            "reportType": "GET_SALES_AND_TRAFFIC_REPORT",
            "reportOptions": {
                "dateGranularity": options.get("dateGranularity").and_then(Value::as_str).unwrap_or("DAY"),
                "asinGranularity": options.get("asinGranularity").and_then(Value::as_str).unwrap_or("PARENT"),
            },
            "dataStartTime": day(start),
            "dataEndTime": day(end),
            "marketplaceIds": report.marketplace_ids,
        },
        "salesAndTrafficByDate": dates,
        "salesAndTrafficByAsin": asins,
    });
    w.write(doc.to_string().as_bytes()).await
}
