//! JSON_LISTINGS_FEED: the document checked against the rules of Amazon's
//! `listings-feed-schema-v2`, each message applied as the Listings API would apply it, and a
//! processing report in the shape of `listings-feed-processing-report-schema-v2`.

use super::{Outcome, parse_price, save_listing};
use crate::http::ApiError;
use crate::store::reports::{FeedRow, feed_public_id};
use crate::store::{ListingRow, StoreTx};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

/// One issue of the processing report.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// The message it is about.
    pub message_id: Option<i64>,
    /// Its SKU.
    pub sku: Option<String>,
    /// Amazon's issue code.
    pub code: String,
    /// `ERROR`, `WARNING` or `INFO`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: String,
    /// The attribute at fault.
    pub attribute_name: Option<String>,
}

impl Issue {
    fn error(code: &str, message: impl Into<String>) -> Self {
        Issue {
            message_id: None,
            sku: None,
            code: code.into(),
            severity: "ERROR",
            message: message.into(),
            attribute_name: None,
        }
    }

    fn attribute(mut self, name: &str) -> Self {
        self.attribute_name = Some(name.into());
        self
    }

    fn to_json(&self) -> Value {
        let mut o = Map::new();
        if let Some(id) = self.message_id {
            o.insert("messageId".into(), json!(id));
        }
        if let Some(sku) = &self.sku {
            o.insert("sku".into(), json!(sku));
        }
        o.insert("code".into(), json!(self.code));
        o.insert("severity".into(), json!(self.severity));
        o.insert("message".into(), json!(self.message));
        if let Some(a) = &self.attribute_name {
            o.insert("attributeName".into(), json!(a));
        }
        Value::Object(o)
    }
}

const OPERATIONS: &[&str] = &["UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE"];
const REQUIREMENTS: &[&str] = &["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"];
const PATCH_OPS: &[&str] = &["add", "replace", "merge", "delete"];

/// Checks one message against the feed schema's rules; the problems found.
pub fn validate_message(m: &Value) -> Vec<Issue> {
    let mut out = Vec::new();
    let Some(o) = m.as_object() else {
        return vec![Issue::error("4000001", "The message is not a JSON object.")];
    };
    match o.get("messageId").and_then(Value::as_i64) {
        Some(id) if (1..=2_147_483_647).contains(&id) => {}
        _ => out.push(Issue::error(
            "4000001",
            "messageId is required and must be an integer from 1 to 2147483647.",
        )),
    }
    match o.get("sku").and_then(Value::as_str) {
        Some(s) if !s.is_empty() => {}
        _ => out.push(Issue::error(
            "4000001",
            "sku is required and must be a non-empty string.",
        )),
    }
    let op = o.get("operationType").and_then(Value::as_str).unwrap_or("");
    if !OPERATIONS.contains(&op) {
        out.push(Issue::error(
            "4000001",
            format!("operationType must be one of {}.", OPERATIONS.join(", ")),
        ));
        return out;
    }
    let has = |k: &str| o.contains_key(k);
    if let Some(pt) = o.get("productType")
        && pt.as_str().is_none_or(str::is_empty)
    {
        out.push(Issue::error(
            "4000001",
            "productType must be a non-empty string.",
        ));
    }
    if let Some(r) = o.get("requirements")
        && !r.as_str().is_some_and(|r| REQUIREMENTS.contains(&r))
    {
        out.push(Issue::error(
            "4000001",
            format!("requirements must be one of {}.", REQUIREMENTS.join(", ")),
        ));
    }
    if let Some(a) = o.get("attributes")
        && a.as_object().is_none_or(|a| a.is_empty())
    {
        out.push(Issue::error(
            "4000001",
            "attributes must be an object with at least one attribute.",
        ));
    }
    let forbid = |out: &mut Vec<Issue>, k: &str| {
        if has(k) {
            out.push(Issue::error(
                "4000001",
                format!("{k} is not allowed with operationType {op}."),
            ));
        }
    };
    let require = |out: &mut Vec<Issue>, k: &str| {
        if !has(k) {
            out.push(Issue::error(
                "4000001",
                format!("{k} is required with operationType {op}."),
            ));
        }
    };
    match op {
        "UPDATE" => {
            forbid(&mut out, "patches");
            require(&mut out, "productType");
            require(&mut out, "attributes");
        }
        "PARTIAL_UPDATE" => {
            forbid(&mut out, "patches");
            forbid(&mut out, "requirements");
            require(&mut out, "productType");
            require(&mut out, "attributes");
        }
        "PATCH" => {
            forbid(&mut out, "attributes");
            forbid(&mut out, "requirements");
            require(&mut out, "productType");
            require(&mut out, "patches");
            match o.get("patches").and_then(Value::as_array) {
                Some(ps) if !ps.is_empty() => {
                    for p in ps {
                        let ok_op = p["op"].as_str().is_some_and(|x| PATCH_OPS.contains(&x));
                        let ok_path = p["path"].is_string();
                        let ok_value = p.get("value").is_none_or(|v| {
                            v.as_array().is_some_and(|a| a.iter().all(Value::is_object))
                        });
                        if !(ok_op && ok_path && ok_value) {
                            out.push(Issue::error(
                                "4000001",
                                "Each patch needs op (add, replace, merge, delete), path, and value as an array of objects.",
                            ));
                        }
                    }
                }
                Some(_) => out.push(Issue::error("4000001", "patches must not be empty.")),
                None if has("patches") => {
                    out.push(Issue::error("4000001", "patches must be an array."))
                }
                None => {}
            }
        }
        _ => {
            for k in ["requirements", "attributes", "productType", "patches"] {
                forbid(&mut out, k);
            }
        }
    }
    out
}

/// The price in `purchasable_offer` for `marketplace` (`our_price[0].schedule[0].value_with_tax`).
fn offer_price(values: &Value, marketplace: &str) -> Result<Option<String>, Box<Issue>> {
    let Some(arr) = values.as_array() else {
        return Err(Box::new(
            Issue::error("99022", "purchasable_offer must be an array.")
                .attribute("purchasable_offer"),
        ));
    };
    for v in arr {
        if v["marketplace_id"]
            .as_str()
            .is_some_and(|m| m != marketplace)
        {
            continue;
        }
        let Some(price) = v.pointer("/our_price/0/schedule/0/value_with_tax") else {
            return Err(Box::new(Issue::error(
                "99022",
                "The field 'schedule' for the attribute 'purchasable_offer.our_price' does not have enough values. The required minimum is '1' value(s).",
            )
            .attribute("purchasable_offer.our_price")));
        };
        let text = match price {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        return parse_price(&text).map(Some).ok_or_else(|| {
            Box::new(
                Issue::error(
                    "4000002",
                    format!("'{text}' is not a valid price for 'purchasable_offer.our_price'."),
                )
                .attribute("purchasable_offer.our_price"),
            )
        });
    }
    Ok(None)
}

/// The quantity in `fulfillment_availability` (`[0].quantity`, DEFAULT channel).
fn availability(values: &Value) -> Result<Option<i64>, Box<Issue>> {
    let Some(arr) = values.as_array() else {
        return Err(Box::new(
            Issue::error("99022", "fulfillment_availability must be an array.")
                .attribute("fulfillment_availability"),
        ));
    };
    for v in arr {
        if v["fulfillment_channel_code"]
            .as_str()
            .is_some_and(|c| c != "DEFAULT")
        {
            continue;
        }
        return match &v["quantity"] {
            Value::Null => Ok(None),
            q => q.as_i64().filter(|q| *q >= 0).map(Some).ok_or_else(|| {
                Box::new(
                    Issue::error("4000002", "quantity must be a non-negative integer.")
                        .attribute("fulfillment_availability"),
                )
            }),
        };
    }
    Ok(None)
}

/// The ASIN a message names for a new listing (`merchant_suggested_asin`).
fn suggested_asin(attrs: &Value) -> Option<String> {
    attrs
        .pointer("/merchant_suggested_asin/0/value")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Applies one valid message to the seller's listing in `marketplace`; the issues found (an
/// empty list when the message was accepted).
///
/// This applies what the current `listings` table holds: price (from `purchasable_offer`),
/// quantity (from `fulfillment_availability`), creation from a `merchant_suggested_asin` of the
/// catalog, and DELETE. It is the one place to delegate to `market::listings` (the Listings
/// Items API's put/patch/delete with product-type validation) once that lands, so that a
/// feed message and an API call change a listing the same way.
pub async fn apply_listings_message(
    tx: &mut StoreTx,
    seller_id: &str,
    marketplace: &str,
    message: &Value,
    at: Timestamp,
) -> Result<Vec<Issue>, ApiError> {
    let sku = message["sku"].as_str().unwrap_or_default();
    let op = message["operationType"].as_str().unwrap_or_default();
    let existing = tx
        .get_listing(seller_id, sku, marketplace)
        .await
        .map_err(ApiError::internal)?;
    if op == "DELETE" {
        if existing.is_some() {
            tx.delete_listing(seller_id, sku, marketplace)
                .await
                .map_err(ApiError::internal)?;
        }
        // Amazon accepts deleting an absent SKU.
        return Ok(Vec::new());
    }
    // What the message sets: price and quantity.
    let mut price = None;
    let mut quantity = None;
    let mut asin = None;
    let mut issues = Vec::new();
    // PATCH: the patched attributes as one attributes object.
    let mut zero_quantity = false;
    let attrs = if op == "PATCH" {
        let mut merged = Map::new();
        let empty = Vec::new();
        for p in message["patches"].as_array().unwrap_or(&empty) {
            let path = p["path"].as_str().unwrap_or_default();
            let Some(attr) = path.strip_prefix("/attributes/") else {
                issues.push(Issue::error(
                    "4000001",
                    format!("Unsupported patch path '{path}'."),
                ));
                continue;
            };
            if p["op"] == "delete" {
                if attr == "fulfillment_availability" {
                    zero_quantity = true;
                }
                continue;
            }
            merged.insert(
                attr.to_string(),
                p.get("value").cloned().unwrap_or(Value::Null),
            );
        }
        Value::Object(merged)
    } else {
        message["attributes"].clone()
    };
    if let Some(v) = attrs.get("purchasable_offer") {
        match offer_price(v, marketplace) {
            Ok(p) => price = p,
            Err(i) => issues.push(*i),
        }
    }
    if let Some(v) = attrs.get("fulfillment_availability") {
        match availability(v) {
            Ok(q) => quantity = q,
            Err(i) => issues.push(*i),
        }
    }
    if zero_quantity {
        quantity = Some(0);
    }
    asin = suggested_asin(&attrs).or(asin);
    if !issues.is_empty() {
        return Ok(issues);
    }
    let listing = match (&existing, op) {
        (Some(l), _) => {
            let mut l = l.clone();
            if op == "UPDATE" && quantity.is_none() && l.fulfillment_channel == "MFN" {
                // UPDATE replaces the whole listing: no availability means none to sell.
                quantity = Some(0);
            }
            if let Some(p) = &price {
                l.price = p.clone();
            }
            if let Some(q) = quantity {
                if l.fulfillment_channel == "AFN" {
                    return Ok(vec![Issue::error(
                        "8026",
                        "The SKU is fulfilled by Amazon: its quantity is Amazon's stock and cannot be set.",
                    )
                    .attribute("fulfillment_availability")]);
                }
                l.quantity = q;
            }
            l
        }
        (None, "PATCH") => {
            return Ok(vec![Issue::error(
                "4000003",
                format!(
                    "The SKU '{sku}' does not exist in marketplace {marketplace}: PATCH needs an existing listing."
                ),
            )]);
        }
        (None, _) => {
            let Some(asin) = asin.clone() else {
                return Ok(vec![
                    Issue::error(
                        "90220",
                        "'[merchant_suggested_asin]' is required but not supplied.",
                    )
                    .attribute("merchant_suggested_asin"),
                ]);
            };
            let Some(_item) = tx
                .get_catalog_item(&asin)
                .await
                .map_err(ApiError::internal)?
            else {
                return Ok(vec![
                    Issue::error(
                        "8541",
                        format!("The ASIN {asin} does not exist in the catalog."),
                    )
                    .attribute("merchant_suggested_asin"),
                ]);
            };
            let Some(price) = price.clone() else {
                return Ok(vec![
                    Issue::error(
                        "90220",
                        "'[purchasable_offer]' is required but not supplied.",
                    )
                    .attribute("purchasable_offer"),
                ]);
            };
            let currency = crate::market::marketplaces::marketplace(marketplace)
                .map(|m| m.currency)
                .unwrap_or("USD");
            ListingRow {
                seller_id: seller_id.into(),
                sku: sku.into(),
                marketplace_id: marketplace.into(),
                asin,
                fulfillment_channel: "MFN".into(),
                price,
                currency: currency.into(),
                quantity: quantity.unwrap_or(0),
                reserved: 0,
                status: "BUYABLE".into(),
                created_at_us: at.as_microsecond(),
                updated_at_us: at.as_microsecond(),
            }
        }
    };
    let mut listing = listing;
    listing.updated_at_us = at.as_microsecond();
    save_listing(tx, existing.as_ref(), &listing).await?;
    Ok(Vec::new())
}

/// Processes the feed document.
pub async fn process(
    tx: &mut StoreTx,
    feed: &FeedRow,
    bytes: &[u8],
    at: Timestamp,
) -> Result<Outcome, ApiError> {
    let fatal = |why: String| {
        Outcome {
        status: "FATAL",
        report: json!({
            "header": {"sellerId": feed.seller_id, "version": "2.0", "feedId": feed_public_id(feed.id)},
            "issues": [{"code": "4000000", "severity": "ERROR", "message": why}],
            "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 0, "messagesAccepted": 0, "messagesInvalid": 0},
        })
        .to_string()
        .into_bytes(),
        content_type: "application/json",
    }
    };
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Ok(fatal(format!("The feed is not valid JSON: {e}"))),
    };
    let header = &doc["header"];
    if !header.is_object() || !header["sellerId"].is_string() || header["version"] != "2.0" {
        return Ok(fatal(
            "The feed header must be an object with sellerId and version \"2.0\".".into(),
        ));
    }
    if header["sellerId"].as_str() != Some(feed.seller_id.as_str()) {
        return Ok(fatal(format!(
            "The header's sellerId {} is not the seller who submitted the feed.",
            header["sellerId"]
        )));
    }
    let Some(messages) = doc["messages"]
        .as_array()
        .filter(|m| !m.is_empty() && m.len() <= 25_000)
    else {
        return Ok(fatal(
            "messages must be an array of 1 to 25000 messages.".into(),
        ));
    };
    let mut issues: Vec<Issue> = Vec::new();
    let mut accepted = 0;
    let mut invalid = 0;
    for m in messages {
        let message_id = m["messageId"].as_i64();
        let sku = m["sku"].as_str().map(str::to_string);
        let mut found = validate_message(m);
        if found.is_empty() {
            for mp in &feed.marketplace_ids {
                found.extend(apply_listings_message(tx, &feed.seller_id, mp, m, at).await?);
            }
        }
        if found.iter().any(|i| i.severity == "ERROR") {
            invalid += 1;
        } else {
            accepted += 1;
        }
        for mut i in found {
            i.message_id = i.message_id.or(message_id);
            i.sku = i.sku.or(sku.clone());
            issues.push(i);
        }
    }
    let errors = issues.iter().filter(|i| i.severity == "ERROR").count();
    let warnings = issues.iter().filter(|i| i.severity == "WARNING").count();
    let mut report_header = json!({
        "sellerId": feed.seller_id,
        "version": "2.0",
        "feedId": feed_public_id(feed.id),
    });
    if header["report"].is_object() {
        report_header["report"] = header["report"].clone();
    }
    let mut report = json!({
        "header": report_header,
        "issues": issues.iter().map(Issue::to_json).collect::<Vec<_>>(),
        "summary": {
            "errors": errors,
            "warnings": warnings,
            "messagesProcessed": messages.len(),
            "messagesAccepted": accepted,
            "messagesInvalid": invalid,
        },
    });
    let included: Vec<&str> = header
        .pointer("/report/includedData")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !included.is_empty() {
        report["items"] = json!(items(tx, feed, messages, &included).await?);
    }
    Ok(Outcome {
        status: "DONE",
        report: report.to_string().into_bytes(),
        content_type: "application/json",
    })
}

/// The listings of the feed's SKUs after processing, as the Listings Items API shows them, with
/// the `includedData` the feed header asked for (summaries, offers, fulfillmentAvailability;
/// other data sets are not kept by spapi's listings yet).
async fn items(
    tx: &mut StoreTx,
    feed: &FeedRow,
    messages: &[Value],
    included: &[&str],
) -> Result<Vec<Value>, ApiError> {
    let mut skus: Vec<&str> = messages.iter().filter_map(|m| m["sku"].as_str()).collect();
    skus.sort_unstable();
    skus.dedup();
    let mut out = Vec::new();
    for sku in skus {
        let mut summaries = Vec::new();
        let mut offers = Vec::new();
        let mut availability = Vec::new();
        for mp in &feed.marketplace_ids {
            let Some(l) = tx
                .get_listing(&feed.seller_id, sku, mp)
                .await
                .map_err(ApiError::internal)?
            else {
                continue;
            };
            let item = tx
                .get_catalog_item(&l.asin)
                .await
                .map_err(ApiError::internal)?;
            let time = |us: i64| {
                crate::market::orders::iso(Timestamp::from_microsecond(us).unwrap_or_default())
            };
            let mut status = vec!["DISCOVERABLE"];
            if l.status == "BUYABLE" {
                status.insert(0, "BUYABLE");
            }
            summaries.push(json!({
                "marketplaceId": mp,
                "asin": l.asin,
                "productType": item.as_ref().map(|i| i.product_type.as_str()).unwrap_or("PRODUCT"),
                "conditionType": "new_new",
                "status": status,
                "itemName": item.as_ref().map(|i| i.title.as_str()),
                "createdDate": time(l.created_at_us),
                "lastUpdatedDate": time(l.updated_at_us),
            }));
            offers.push(json!({
                "marketplaceId": mp,
                "offerType": "B2C",
                "price": {"currencyCode": l.currency, "amount": l.price},
            }));
            if l.fulfillment_channel == "MFN" {
                availability
                    .push(json!({"fulfillmentChannelCode": "DEFAULT", "quantity": l.quantity}));
            }
        }
        if summaries.is_empty() {
            continue;
        }
        let mut item = Map::new();
        item.insert("sku".into(), json!(sku));
        if included.contains(&"summaries") {
            item.insert("summaries".into(), json!(summaries));
        }
        if included.contains(&"offers") {
            item.insert("offers".into(), json!(offers));
        }
        if included.contains(&"fulfillmentAvailability") {
            item.insert("fulfillmentAvailability".into(), json!(availability));
        }
        out.push(Value::Object(item));
    }
    Ok(out)
}
