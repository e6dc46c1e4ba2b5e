//! The LISTINGS_ITEM_* notifications a listing change causes, written in its transaction.

use super::{ISSUES_CHANGE, STATUS_CHANGE, api_status, ts};
use crate::error::Error;
use crate::market::offers;
use crate::store::{ListingDoc, StoreTx};
use serde_json::{Value, json};

fn severities(d: &ListingDoc) -> Vec<&'static str> {
    let mut out = vec![];
    for i in d.issues.as_array().into_iter().flatten() {
        match i.get("severity").and_then(Value::as_str) {
            Some("ERROR") if !out.contains(&"ERROR") => out.push("ERROR"),
            Some("WARNING") if !out.contains(&"WARNING") => out.push("WARNING"),
            _ => {}
        }
    }
    if out.is_empty() {
        out.push("NONE");
    }
    out.sort_unstable();
    out
}

/// Writes the LISTINGS_ITEM_* events a change causes.
pub(super) async fn record_events(
    tx: &mut StoreTx,
    before: Option<&ListingDoc>,
    after: Option<&ListingDoc>,
    at_us: i64,
) -> Result<(), Error> {
    let Some(any) = after.or(before) else {
        return Ok(());
    };
    let l = &any.row;
    let asin = if l.asin.is_empty() {
        before.map(|b| b.row.asin.clone()).unwrap_or_default()
    } else {
        l.asin.clone()
    };
    let base = |extra: Value| {
        let mut p =
            json!({"SellerId": l.seller_id, "MarketplaceId": l.marketplace_id, "Sku": l.sku});
        if !asin.is_empty() {
            p["Asin"] = json!(asin);
        }
        if let (Some(o), Some(e)) = (p.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                o.insert(k.clone(), v.clone());
            }
        }
        p
    };
    let old_status: Vec<&str> = before.map(api_status).unwrap_or_default();
    let new_status: Vec<&str> = match after {
        Some(a) => api_status(a),
        None => vec!["DELETED"],
    };
    if old_status != new_status && (before.is_some() || !new_status.is_empty()) {
        let payload = base(json!({
            "CreatedDate": ts(l.created_at_us),
            "Status": new_status,
        }));
        tx.push_outbox(STATUS_CHANGE, Some(&l.seller_id), &payload)
            .await?;
    }
    if let Some(a) = after {
        let old_sev = before.map(severities).unwrap_or_else(|| vec!["NONE"]);
        let new_sev = severities(a);
        if old_sev != new_sev {
            let payload = base(json!({"Severities": new_sev, "EnforcementActions": []}));
            tx.push_outbox(ISSUES_CHANGE, Some(&l.seller_id), &payload)
                .await?;
        }
    }
    offers::listing_changed(tx, before.map(|b| &b.row), after.map(|a| &a.row), at_us).await
}
