//! JSON_LISTINGS_FEED: the document checked against the rules of Amazon's
//! `listings-feed-schema-v2`, each message applied as the Listings API would apply it, and a
//! processing report in the shape of `listings-feed-processing-report-schema-v2`.

use super::Outcome;
use crate::error::Error;
use crate::market::listings::{self, Change, Submission};
use crate::store::StoreTx;
use crate::store::feeds::{FeedRow, feed_public_id};
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

/// Applies one valid message to the seller's listing in `marketplace` exactly as the Listings
/// Items API applies a call ([`listings::apply`]: product-type validation, propagation, events),
/// inside the feed's transaction; the issues found (none when the message was accepted).
///
/// Mapping: UPDATE is a put, PATCH a patch, PARTIAL_UPDATE a patch that replaces each attribute
/// it names, DELETE a delete. A request the API would refuse with a 400 (patching a SKU that
/// does not exist, an unknown product type) becomes an ERROR issue of the message.
pub async fn apply_listings_message(
    tx: &mut StoreTx,
    seller_id: &str,
    marketplace: &str,
    message: &Value,
    at: Timestamp,
) -> Result<Vec<Issue>, Error> {
    let sku = message["sku"].as_str().unwrap_or_default();
    let op = message["operationType"].as_str().unwrap_or_default();
    let product_type = message["productType"]
        .as_str()
        .unwrap_or("PRODUCT")
        .to_string();
    let attributes = message["attributes"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let change = match op {
        "DELETE" => {
            // Amazon accepts deleting an absent SKU.
            let existing = tx.get_listing(seller_id, sku, marketplace).await?;
            if existing.is_none() {
                return Ok(Vec::new());
            }
            Change::Delete
        }
        "UPDATE" => Change::Put {
            product_type,
            requirements: message["requirements"].as_str().map(str::to_string),
            attributes,
        },
        "PATCH" => Change::Patch {
            product_type,
            patches: message["patches"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        p["op"].as_str().unwrap_or_default().to_string(),
                        p["path"].as_str().unwrap_or_default().to_string(),
                        p.get("value").cloned(),
                    )
                })
                .collect(),
        },
        // PARTIAL_UPDATE: each attribute given replaces the listing's.
        _ => Change::Patch {
            product_type,
            patches: attributes
                .into_iter()
                .map(|(name, value)| {
                    (
                        "replace".to_string(),
                        format!("/attributes/{name}"),
                        Some(value),
                    )
                })
                .collect(),
        },
    };
    let sub = Submission {
        seller_id: seller_id.to_string(),
        sku: sku.to_string(),
        marketplace_id: marketplace.to_string(),
        change,
        preview: false,
    };
    match listings::apply(tx, &sub, at).await {
        Ok(outcome) => Ok(outcome
            .issues
            .into_iter()
            .map(|i| Issue {
                message_id: None,
                sku: None,
                code: i.code.to_string(),
                severity: i.severity,
                message: i.message,
                attribute_name: i.attribute_names.into_iter().next(),
            })
            .collect()),
        // What the Listings Items API would refuse with a 400 is an issue on this message; the
        // feed goes on with the next one.
        Err(Error::InvalidParameter { field, details }) => {
            let why = if details.is_empty() {
                format!("Missing or invalid request parameters: [{field}]")
            } else {
                details
            };
            Ok(vec![Issue::error("4000001", why)])
        }
        Err(Error::Invalid(why) | Error::Conflict(why)) => Ok(vec![Issue::error("4000001", why)]),
        Err(e) => Err(e),
    }
}

/// Processes the feed document.
pub async fn process(
    tx: &mut StoreTx,
    feed: &FeedRow,
    bytes: &[u8],
    at: Timestamp,
) -> Result<Outcome, Error> {
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
) -> Result<Vec<Value>, Error> {
    let mut skus: Vec<&str> = messages.iter().filter_map(|m| m["sku"].as_str()).collect();
    skus.sort_unstable();
    skus.dedup();
    let mut out = Vec::new();
    for sku in skus {
        let mut summaries = Vec::new();
        let mut offers = Vec::new();
        let mut availability = Vec::new();
        for mp in &feed.marketplace_ids {
            let Some(l) = tx.get_listing(&feed.seller_id, sku, mp).await? else {
                continue;
            };
            let item = tx.get_catalog_item(&l.asin).await?;
            let time = |us: i64| crate::time::iso_us(us);
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
