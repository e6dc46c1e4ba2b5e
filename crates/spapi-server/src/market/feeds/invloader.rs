//! POST_FLAT_FILE_INVLOADER_DATA: a tab-separated inventory loader file (a header row naming
//! Amazon's columns, then one row per SKU) that sets the price and quantity of listings, adds
//! listings of catalog ASINs (`product-id` with `product-id-type` 1) and deletes them
//! (`add-delete` `d` or `x`). The processing report is Amazon's text summary and error table.

use super::{Outcome, parse_price, save_listing};
use crate::error::Error;
use crate::store::feeds::FeedRow;
use crate::store::{ListingRow, StoreTx};
use jiff::Timestamp;

struct RowError {
    line: usize,
    sku: String,
    code: &'static str,
    message: String,
}

/// Processes the feed document.
pub async fn process(
    tx: &mut StoreTx,
    feed: &FeedRow,
    bytes: &[u8],
    at: Timestamp,
) -> Result<Outcome, Error> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Ok(summary(0, &[], Some("The file is empty.")));
    };
    let cols: Vec<String> = header
        .split('\t')
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| cols.iter().position(|c| c == name);
    let Some(sku_col) = col("sku") else {
        return Ok(summary(0, &[], Some("The header row has no 'sku' column.")));
    };
    let (price_col, qty_col, ad_col, pid_col, pidt_col) = (
        col("price"),
        col("quantity"),
        col("add-delete"),
        col("product-id"),
        col("product-id-type"),
    );
    let mut processed = 0;
    let mut errors = Vec::new();
    for (n, line) in lines {
        processed += 1;
        let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
        let get = |c: Option<usize>| {
            c.and_then(|i| cells.get(i).copied())
                .filter(|s| !s.is_empty())
        };
        let sku = get(Some(sku_col)).unwrap_or_default().to_string();
        let fail = |code: &'static str, message: String| RowError {
            line: n + 1,
            sku: sku.clone(),
            code,
            message,
        };
        if sku.is_empty() {
            errors.push(fail("8560", "The sku field is required.".into()));
            continue;
        }
        let price = match get(price_col) {
            Some(p) => match parse_price(p) {
                Some(p) => Some(p),
                None => {
                    errors.push(fail("8560", format!("'{p}' is not a valid price.")));
                    continue;
                }
            },
            None => None,
        };
        let quantity = match get(qty_col) {
            Some(q) => match q.parse::<i64>().ok().filter(|q| *q >= 0) {
                Some(q) => Some(q),
                None => {
                    errors.push(fail("8560", format!("'{q}' is not a valid quantity.")));
                    continue;
                }
            },
            None => None,
        };
        let delete = matches!(get(ad_col), Some("d" | "x" | "D" | "X"));
        for mp in &feed.marketplace_ids {
            let before = tx.get_listing(&feed.seller_id, &sku, mp).await?;
            if delete {
                tx.delete_listing(&feed.seller_id, &sku, mp).await?;
                crate::market::offers::listing_changed(
                    tx,
                    before.as_ref(),
                    None,
                    at.as_microsecond(),
                )
                .await?;
                continue;
            }
            let after = match &before {
                Some(b) => {
                    let mut a = b.clone();
                    if let Some(p) = &price {
                        a.price = p.clone();
                    }
                    if let Some(q) = quantity {
                        if b.fulfillment_channel == "AFN" {
                            errors.push(fail(
                                "13016",
                                "The SKU is fulfilled by Amazon: its quantity cannot be set."
                                    .into(),
                            ));
                            break;
                        }
                        a.quantity = q;
                    }
                    a
                }
                None => {
                    let asin = match (get(pid_col), get(pidt_col)) {
                        (Some(id), Some("1")) => id.to_string(),
                        _ => {
                            errors.push(fail(
                                "8058",
                                "A new SKU needs product-id with product-id-type 1 (ASIN).".into(),
                            ));
                            break;
                        }
                    };
                    if tx.get_catalog_item(&asin).await?.is_none() {
                        errors.push(fail(
                            "8541",
                            format!("The ASIN {asin} does not exist in the catalog."),
                        ));
                        break;
                    }
                    let Some(p) = &price else {
                        errors.push(fail("8058", "A new SKU needs a price.".into()));
                        break;
                    };
                    ListingRow {
                        seller_id: feed.seller_id.clone(),
                        sku: sku.clone(),
                        marketplace_id: mp.clone(),
                        asin,
                        fulfillment_channel: "MFN".into(),
                        price: p.clone(),
                        currency: crate::market::marketplaces::marketplace(mp)
                            .map(|m| m.currency)
                            .unwrap_or("USD")
                            .into(),
                        quantity: quantity.unwrap_or(0),
                        reserved: 0,
                        status: "BUYABLE".into(),
                        created_at_us: at.as_microsecond(),
                        updated_at_us: at.as_microsecond(),
                    }
                }
            };
            let mut after = after;
            after.updated_at_us = at.as_microsecond();
            save_listing(tx, before.as_ref(), &after).await?;
        }
    }
    Ok(summary(processed, &errors, None))
}

fn summary(processed: usize, errors: &[RowError], fatal: Option<&str>) -> Outcome {
    let mut failed: Vec<usize> = errors.iter().map(|e| e.line).collect();
    failed.dedup();
    let mut s = String::from("Feed Processing Summary:\n");
    s.push_str(&format!("\tNumber of records processed\t\t{processed}\n"));
    s.push_str(&format!(
        "\tNumber of records successful\t\t{}\n\n",
        processed.saturating_sub(failed.len())
    ));
    s.push_str("original-record-number\tsku\terror-code\terror-type\terror-message\n");
    if let Some(f) = fatal {
        s.push_str(&format!("0\t\t5001\tError\t{f}\n"));
    }
    for e in errors {
        s.push_str(&format!(
            "{}\t{}\t{}\tError\t{}\n",
            e.line,
            e.sku,
            e.code,
            e.message.replace(['\t', '\n'], " ")
        ));
    }
    Outcome {
        status: if fatal.is_some() { "FATAL" } else { "DONE" },
        report: s.into_bytes(),
        content_type: "text/tab-separated-values; charset=UTF-8",
    }
}
