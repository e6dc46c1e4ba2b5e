//! FBA reports read from the FBA stock and its ledger, the numbers getInventorySummaries
//! shows: GET_FBA_MYI_ALL_INVENTORY_DATA, GET_RESERVED_INVENTORY_DATA,
//! GET_LEDGER_DETAIL_VIEW_DATA and GET_LEDGER_SUMMARY_VIEW_DATA.
//!
//! Deliberate choices where Amazon's documentation is silent: dates in the ledger reports
//! are UTC (`MM/DD/YYYY`, and ISO 8601 with `+00:00` for "Date and Time"); the ledger's
//! quantities are all reconciled (nothing is under investigation between two entries); the
//! report window defaults to the last 30 days up to now, as for the other reports.

use super::tsv::Tsv;
use crate::error::{Error, Result as WorldResult};
use crate::market::documents::DocumentWriter;
use crate::market::fba::stock::{SELLABLE, Stock, event};
use crate::market::marketplaces::marketplace;
use crate::store::fba::{FbaSummaryQuery, LedgerEntry};
use crate::store::reports::ReportRow;
use crate::store::{Store, StoreError};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;

/// GET_FBA_MYI_ALL_INVENTORY_DATA: every FBA SKU, with or without units.
pub const MYI_ALL: &str = "GET_FBA_MYI_ALL_INVENTORY_DATA";
/// GET_RESERVED_INVENTORY_DATA.
pub const RESERVED: &str = "GET_RESERVED_INVENTORY_DATA";
/// GET_LEDGER_DETAIL_VIEW_DATA.
pub const LEDGER_DETAIL: &str = "GET_LEDGER_DETAIL_VIEW_DATA";
/// GET_LEDGER_SUMMARY_VIEW_DATA.
pub const LEDGER_SUMMARY: &str = "GET_LEDGER_SUMMARY_VIEW_DATA";

const DAY_US: i64 = 86_400_000_000;
const WINDOW_US: i64 = 30 * DAY_US;
const PAGE: u32 = 500;

const MYI: &[&str] = &[
    "sku",
    "fnsku",
    "asin",
    "product-name",
    "condition",
    "your-price",
    "mfn-listing-exists",
    "mfn-fulfillable-quantity",
    "afn-listing-exists",
    "afn-warehouse-quantity",
    "afn-fulfillable-quantity",
    "afn-unsellable-quantity",
    "afn-reserved-quantity",
    "afn-total-quantity",
    "per-unit-volume",
    "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity",
    "afn-inbound-receiving-quantity",
    "afn-researching-quantity",
    "afn-reserved-future-supply",
    "afn-future-supply-buyable",
];

const RESERVED_COLUMNS: &[&str] = &[
    "sku",
    "fnsku",
    "asin",
    "product-name",
    "reserved_qty",
    "reserved_customerorders",
    "reserved_fc-transfers",
    "reserved_fc-processing",
];

const DETAIL: &[&str] = &[
    "Date",
    "FNSKU",
    "ASIN",
    "MSKU",
    "Title",
    "Event Type",
    "Reference ID",
    "Quantity",
    "Fulfillment Center",
    "Disposition",
    "Reason",
    "Country",
    "Reconciled Quantity",
    "Unreconciled Quantity",
    "Date and Time",
];

const SUMMARY: &[&str] = &[
    "Date",
    "FNSKU",
    "ASIN",
    "MSKU",
    "Title",
    "Disposition",
    "Starting Warehouse Balance",
    "In Transit Between Warehouses",
    "Receipts",
    "Customer Shipments",
    "Customer Returns",
    "Vendor Returns",
    "Warehouse Transfer In/Out",
    "Found",
    "Lost",
    "Damaged",
    "Disposed",
    "Other Events",
    "Ending Warehouse Balance",
    "Unknown Events",
    "Location",
];

/// The reportOptions of GET_LEDGER_SUMMARY_VIEW_DATA and their values (the first is the
/// default).
const SUMMARY_OPTIONS: &[(&str, &[&str])] = &[
    ("aggregateByLocation", &["COUNTRY", "FC"]),
    ("aggregatedByTimePeriod", &["MONTHLY", "WEEKLY", "DAILY"]),
];

/// Checks the reportOptions of the report types of this module at createReport (400 naming
/// the option for an unknown option or value).
pub fn check_options(
    report_type: &str,
    options: Option<&BTreeMap<String, String>>,
) -> WorldResult<()> {
    if report_type != LEDGER_SUMMARY {
        return Ok(());
    }
    for (k, v) in options.into_iter().flatten() {
        let Some((_, values)) = SUMMARY_OPTIONS.iter().find(|(name, _)| name == k) else {
            return Err(Error::invalid_parameter(
                "reportOptions",
                format!(
                    "{k} is not a reportOption of {LEDGER_SUMMARY}: aggregateByLocation, \
                     aggregatedByTimePeriod."
                ),
            ));
        };
        if !values.contains(&v.as_str()) {
            return Err(Error::invalid_parameter(
                "reportOptions",
                format!("{k} must be one of {}.", values.join(", ")),
            ));
        }
    }
    Ok(())
}

fn option<'a>(report: &'a ReportRow, name: &str) -> &'a str {
    let default = SUMMARY_OPTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v[0])
        .unwrap_or_default();
    report
        .options
        .as_ref()
        .and_then(|o| o.get(name))
        .and_then(|v| v.as_str())
        .unwrap_or(default)
}

/// The stock of the report's SKUs, page by page: (stock, listing price) per SKU.
struct StockPages<'a> {
    store: &'a Store,
    report: &'a ReportRow,
    now_us: i64,
    marketplace: usize,
    after: Option<String>,
}

impl<'a> StockPages<'a> {
    fn new(store: &'a Store, report: &'a ReportRow, now_us: i64) -> Self {
        StockPages {
            store,
            report,
            now_us,
            marketplace: 0,
            after: None,
        }
    }

    async fn next(&mut self) -> Result<Option<Vec<(Stock, String)>>, StoreError> {
        while let Some(mp) = self.report.marketplace_ids.get(self.marketplace) {
            let rows = self
                .store
                .fba_summaries(&FbaSummaryQuery {
                    seller_id: self.report.seller_id.clone(),
                    marketplace_id: mp.clone(),
                    after_sku: self.after.clone(),
                    limit: PAGE,
                    ..FbaSummaryQuery::default()
                })
                .await?;
            if (rows.len() as u32) < PAGE {
                self.marketplace += 1;
                self.after = None;
            } else {
                self.after = rows.last().map(|r| r.listing.sku.clone());
            }
            if rows.is_empty() {
                continue;
            }
            let skus: Vec<String> = rows.iter().map(|r| r.listing.sku.clone()).collect();
            let lots = self
                .store
                .fba_researching(&self.report.seller_id, mp, &skus)
                .await?;
            let page = rows
                .iter()
                .map(|r| {
                    let mine: Vec<(i64, i64)> = lots
                        .iter()
                        .filter(|(s, _, _)| *s == r.listing.sku)
                        .map(|(_, since, q)| (*since, *q))
                        .collect();
                    (Stock::of(r, &mine, self.now_us), r.listing.price.clone())
                })
                .collect();
            return Ok(Some(page));
        }
        Ok(None)
    }
}

/// The MYI row of a SKU (GET_FBA_MYI_ALL_INVENTORY_DATA).
fn myi_row(s: &Stock, price: &str) -> Vec<String> {
    let on_hand = s.fulfillable + s.total_reserved() + s.total_unfulfillable();
    vec![
        s.sku.clone(),
        s.fnsku.clone(),
        s.asin.clone(),
        s.product_name.clone().unwrap_or_default(),
        "New".into(),
        price.to_string(),
        "No".into(),
        String::new(),
        "Yes".into(),
        on_hand.to_string(),
        s.fulfillable.to_string(),
        s.total_unfulfillable().to_string(),
        s.total_reserved().to_string(),
        s.total().to_string(),
        "0.05".into(),
        s.inbound_working.to_string(),
        s.inbound_shipped.to_string(),
        s.inbound_receiving.to_string(),
        s.total_researching().to_string(),
        "0".into(),
        "0".into(),
    ]
}

/// GET_FBA_MYI_ALL_INVENTORY_DATA: every FBA SKU of the report's marketplaces with every
/// bucket of its stock (afn-total-quantity = getInventorySummaries' totalQuantity).
pub async fn myi_all(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let mut tsv = Tsv::new(w, MYI).await?;
    let mut pages = StockPages::new(store, report, now.as_microsecond());
    while let Some(page) = pages.next().await? {
        for (s, price) in &page {
            tsv.row(&myi_row(s, price)).await?;
        }
    }
    tsv.finish().await
}

/// GET_RESERVED_INVENTORY_DATA: the FBA SKUs with reserved units, by kind of reservation.
pub async fn reserved(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let mut tsv = Tsv::new(w, RESERVED_COLUMNS).await?;
    let mut pages = StockPages::new(store, report, now.as_microsecond());
    while let Some(page) = pages.next().await? {
        for (s, _) in &page {
            if s.total_reserved() == 0 {
                continue;
            }
            let row = [
                s.sku.clone(),
                s.fnsku.clone(),
                s.asin.clone(),
                s.product_name.clone().unwrap_or_default(),
                s.total_reserved().to_string(),
                s.pending_customer_order.to_string(),
                s.pending_transshipment.to_string(),
                s.fc_processing.to_string(),
            ];
            tsv.row(&row).await?;
        }
    }
    tsv.finish().await
}

/// The report's data window, epoch µs (default: the last 30 days up to now).
fn window(report: &ReportRow, now: Timestamp) -> (i64, i64) {
    let end = report.data_end_us.unwrap_or(now.as_microsecond());
    let start = report.data_start_us.unwrap_or(end - WINDOW_US);
    (start, end)
}

fn date(us: i64) -> Date {
    TimeZone::UTC
        .to_datetime(Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH))
        .date()
}

fn us_of(d: Date) -> i64 {
    TimeZone::UTC
        .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
        .map(|t| t.as_microsecond())
        .unwrap_or(0)
}

fn mdy(d: Date) -> String {
    format!("{:02}/{:02}/{:04}", d.month(), d.day(), d.year())
}

/// Title and ASIN of each SKU of a marketplace (from the FBA summaries).
async fn titles(
    store: &Store,
    seller_id: &str,
    marketplace_id: &str,
) -> Result<BTreeMap<String, (String, String)>, StoreError> {
    let mut out = BTreeMap::new();
    let mut after = None;
    loop {
        let rows = store
            .fba_summaries(&FbaSummaryQuery {
                seller_id: seller_id.to_string(),
                marketplace_id: marketplace_id.to_string(),
                after_sku: after.clone(),
                limit: PAGE,
                ..FbaSummaryQuery::default()
            })
            .await?;
        let last = (rows.len() as u32) < PAGE;
        for r in rows {
            after = Some(r.listing.sku.clone());
            out.insert(
                r.listing.sku.clone(),
                (r.listing.asin.clone(), r.title.clone().unwrap_or_default()),
            );
        }
        if last {
            return Ok(out);
        }
    }
}

fn country(marketplace_id: &str) -> String {
    match marketplace(marketplace_id).map(|m| m.country_code) {
        Some("UK") => "GB".into(),
        Some(c) => c.into(),
        None => String::new(),
    }
}

/// GET_LEDGER_DETAIL_VIEW_DATA: every ledger entry of the window, oldest first.
pub async fn ledger_detail(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let (start, end) = window(report, now);
    let mut tsv = Tsv::new(w, DETAIL).await?;
    for mp in &report.marketplace_ids {
        let names = titles(store, &report.seller_id, mp).await?;
        let country = country(mp);
        for e in store.fba_ledger(&report.seller_id, mp, None).await? {
            if e.at_us < start || e.at_us > end {
                continue;
            }
            let (asin, title) = names.get(&e.sku).cloned().unwrap_or_default();
            let at = Timestamp::from_microsecond(e.at_us).unwrap_or(Timestamp::UNIX_EPOCH);
            let row = [
                mdy(date(e.at_us)),
                e.fnsku.clone(),
                asin,
                e.sku.clone(),
                title,
                e.event_type.clone(),
                e.reference_id.clone(),
                e.quantity.to_string(),
                e.fulfillment_center.clone(),
                e.disposition.clone(),
                e.reason.clone(),
                country.clone(),
                e.quantity.to_string(),
                "0".into(),
                at.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
            ];
            tsv.row(&row).await?;
        }
    }
    tsv.finish().await
}

/// The summary column a ledger entry counts in (index into the movement columns: Receipts,
/// Customer Shipments, Customer Returns, Vendor Returns, Warehouse Transfer In/Out, Found,
/// Lost, Damaged, Disposed, Other Events).
fn column(e: &LedgerEntry) -> usize {
    match e.event_type.as_str() {
        event::RECEIPTS => 0,
        event::SHIPMENTS => 1,
        event::CUSTOMER_RETURNS => 2,
        event::VENDOR_RETURNS => 3,
        event::WHSE_TRANSFERS => 4,
        event::ADJUSTMENTS => match e.reason.as_str() {
            "F" => 5,
            "M" => 6,
            // Damage moves units out of SELLABLE into a damaged disposition.
            _ if e.disposition != SELLABLE || e.reason == "6" => 7,
            _ => 9,
        },
        _ => 9,
    }
}

/// The start of the period holding `d`.
fn period_start(d: Date, period: &str) -> Date {
    match period {
        "DAILY" => d,
        // Weeks start on Sunday, as Seller Central's weeks do.
        "WEEKLY" => d
            .checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_sunday_zero_offset())))
            .unwrap_or(d),
        _ => d.first_of_month(),
    }
}

fn period_after(d: Date, period: &str) -> Date {
    let step = match period {
        "DAILY" => jiff::Span::new().days(1),
        "WEEKLY" => jiff::Span::new().weeks(1),
        _ => jiff::Span::new().months(1),
    };
    d.checked_add(step).unwrap_or(d)
}

fn period_label(d: Date, period: &str) -> String {
    if period == "MONTHLY" {
        format!("{:02}/{:04}", d.month(), d.year())
    } else {
        mdy(d)
    }
}

/// GET_LEDGER_SUMMARY_VIEW_DATA: per period of the window (reportOption
/// `aggregatedByTimePeriod`), SKU, disposition and location (`aggregateByLocation`: the
/// country, or each fulfillment center), the balance at the period's start, the movements by
/// kind and the balance at its end. Rows without a balance or a movement are left out.
pub async fn ledger_summary(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let (start, end) = window(report, now);
    let period = option(report, "aggregatedByTimePeriod").to_string();
    let by_fc = option(report, "aggregateByLocation") == "FC";
    let mut tsv = Tsv::new(w, SUMMARY).await?;
    for mp in &report.marketplace_ids {
        let names = titles(store, &report.seller_id, mp).await?;
        let country = country(mp);
        // (sku, disposition, location) -> its entries up to the window's end.
        let mut groups: BTreeMap<(String, String, String), (String, Vec<LedgerEntry>)> =
            BTreeMap::new();
        for e in store.fba_ledger(&report.seller_id, mp, None).await? {
            if e.at_us > end {
                continue;
            }
            let location = if by_fc {
                e.fulfillment_center.clone()
            } else {
                country.clone()
            };
            groups
                .entry((e.sku.clone(), e.disposition.clone(), location))
                .or_insert_with(|| (e.fnsku.clone(), vec![]))
                .1
                .push(e);
        }
        let mut periods = vec![];
        let mut p = period_start(date(start), &period);
        while us_of(p) <= end && periods.len() < 1000 {
            periods.push(p);
            p = period_after(p, &period);
        }
        for p in periods {
            let (from, to) = (us_of(p), us_of(period_after(p, &period)));
            for ((sku, disposition, location), (fnsku, entries)) in &groups {
                let opening: i64 = entries
                    .iter()
                    .filter(|e| e.at_us < from)
                    .map(|e| e.quantity)
                    .sum();
                let mut moves = [0i64; 10];
                let mut any = false;
                for e in entries.iter().filter(|e| e.at_us >= from && e.at_us < to) {
                    moves[column(e)] += e.quantity;
                    any = true;
                }
                if opening == 0 && !any {
                    continue;
                }
                let closing = opening + moves.iter().sum::<i64>();
                let (asin, title) = names.get(sku).cloned().unwrap_or_default();
                let mut row = vec![
                    period_label(p, &period),
                    fnsku.clone(),
                    asin,
                    sku.clone(),
                    title,
                    disposition.clone(),
                    opening.to_string(),
                    "0".into(),
                ];
                row.extend(moves.iter().map(|m| m.to_string()));
                row.push(closing.to_string());
                row.push("0".into());
                row.push(location.clone());
                tsv.row(&row).await?;
            }
        }
    }
    tsv.finish().await
}
