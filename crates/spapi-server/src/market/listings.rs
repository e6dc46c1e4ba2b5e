//! Listings: put, patch and delete validated against product type schemas, and how a listing
//! change reaches the rest of the world.
//!
//! # Rules
//!
//! - A listing is the `listings` row orders and the buyer simulator use (price, quantity,
//!   channel, status) plus the submitted document (product type, condition, attributes,
//!   issues). A put or patch writes both, so the next buyer order sees the new price and stock.
//! - A submission is validated against the product type's schema for its requirements
//!   (`LISTING` by default on put; a patch is checked against `LISTING_OFFER_ONLY` plus the
//!   value rules of every attribute it leaves). Errors make it `INVALID` and change nothing;
//!   warnings are kept on the listing.
//! - The product: `merchant_suggested_asin` must be a catalog ASIN; else an external product
//!   id (EAN, UPC...) matching a catalog item attaches the listing to it; else the submission
//!   creates a product: the catalog item (a new ASIN) appears [`NEW_ASIN_AFTER`] later on the
//!   clock, and the listing has no ASIN and no status until then.
//! - Status: `DISCOVERABLE` once the listing has an ASIN; also `BUYABLE` when it has an offer
//!   (a price in `purchasable_offer`) and sellable units.
//! - Channel: `fulfillment_availability` with `DEFAULT` is merchant fulfilled (its quantity is
//!   the MFN stock); an `AMAZON_*` code is FBA (the quantity is the FBA fulfillable stock,
//!   which a listing submission does not set: 0 for a new FBA SKU).
//! - Events, in the same transaction: LISTINGS_ITEM_STATUS_CHANGE when the status set changes
//!   (`DELETED` on delete), LISTINGS_ITEM_ISSUES_CHANGE when the issue severities change,
//!   and the stock and offer events of [`offers::listing_changed`] (MFN quantity, FBA
//!   availability, ANY_OFFER_CHANGED).

use super::catalog;
use super::marketplaces::{Marketplace, marketplace};
use super::money;
use super::offers;
use super::product_types::{self, Issue, Requirements};
use super::restrictions;
use crate::error::Error;
use crate::store::{CatalogItemRow, ListingDoc, ListingRow, Store, StoreTx};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

/// Job kind: a submitted product becomes a catalog item.
pub const JOB_CREATE_ASIN: &str = "listings.create_asin";
/// How long Amazon takes to create a catalog item for a new product (simulated).
pub const NEW_ASIN_AFTER: SignedDuration = SignedDuration::from_mins(10);

/// Notification type of a listing status change.
pub const STATUS_CHANGE: &str = "LISTINGS_ITEM_STATUS_CHANGE";
/// Notification type of a listing issues change.
pub const ISSUES_CHANGE: &str = "LISTINGS_ITEM_ISSUES_CHANGE";
pub use super::offers::MFN_QUANTITY_CHANGE;

/// What a submission does.
#[derive(Debug, Clone)]
pub enum Change {
    /// Replace the listing (create it if new).
    Put {
        /// Product type.
        product_type: String,
        /// Requirements (default `LISTING`).
        requirements: Option<String>,
        /// Attributes.
        attributes: Map<String, Value>,
    },
    /// Change some attributes of an existing listing.
    Patch {
        /// Product type.
        product_type: String,
        /// `(op, path, value)`: op `add` / `replace` / `delete`, path `/attributes/NAME`.
        patches: Vec<(String, String, Option<Value>)>,
    },
    /// Delete the listing.
    Delete,
}

/// One listings submission: what the Listings API and a JSON_LISTINGS_FEED message carry.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The seller.
    pub seller_id: String,
    /// Seller SKU.
    pub sku: String,
    /// The one marketplace it applies to.
    pub marketplace_id: String,
    /// What to do.
    pub change: Change,
    /// `VALIDATION_PREVIEW`: validate only, change nothing.
    pub preview: bool,
}

/// The result of a submission.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `ACCEPTED`, `INVALID` or (preview) `VALID`.
    pub status: &'static str,
    /// Issues found (errors make the status `INVALID`).
    pub issues: Vec<Issue>,
    /// The listing's ASIN when known.
    pub asin: Option<String>,
}

/// The FBA channel code of a marketplace (`AMAZON_NA`, `AMAZON_EU`, `AMAZON_JP`...).
pub fn fba_channel(mp: &Marketplace) -> String {
    match mp.country_code {
        "JP" => "AMAZON_JP".into(),
        "IN" => "AMAZON_IN".into(),
        "AU" => "AMAZON_AU".into(),
        _ => format!("AMAZON_{}", mp.region),
    }
}

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

use crate::time::iso_us as ts;

/// Statuses as the Listings API reports them.
pub fn api_status(d: &ListingDoc) -> Vec<&'static str> {
    let l = &d.row;
    if l.asin.is_empty() || d.issue_severity.as_deref() == Some("ERROR") {
        return vec![];
    }
    let mut s = vec![];
    if l.status == "BUYABLE" && l.quantity > 0 {
        s.push("BUYABLE");
    }
    if matches!(l.status.as_str(), "BUYABLE" | "DISCOVERABLE") {
        s.push("DISCOVERABLE");
    }
    s
}

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

/// The attributes a listing shows: its submitted attributes, or for a generated listing the
/// catalog item's with the offer from the columns; the fulfillment availability always
/// follows the columns (orders change the stock).
pub fn effective_attributes(d: &ListingDoc, item: Option<&CatalogItemRow>) -> Map<String, Value> {
    let l = &d.row;
    let mp = l.marketplace_id.as_str();
    let mut attrs = match &d.attributes {
        Some(Value::Object(a)) => a.clone(),
        _ => {
            let mut a = Map::new();
            if let Some(item) = item {
                for (k, v) in catalog::doc_attributes(item) {
                    let list = catalog::edit_values(&v, |o| {
                        o.insert("marketplace_id".into(), json!(mp));
                    });
                    a.insert(k, list);
                }
            }
            if !l.asin.is_empty() {
                a.insert(
                    "merchant_suggested_asin".into(),
                    json!([{"value": l.asin, "marketplace_id": mp}]),
                );
            }
            a.insert(
                "condition_type".into(),
                json!([{"value": d.condition_type.as_deref().unwrap_or("new_new"), "marketplace_id": mp}]),
            );
            if let Some(minor) = money::parse(&l.price, &l.currency) {
                let v: f64 = money::format(minor, &l.currency).parse().unwrap_or(0.0);
                a.insert(
                    "purchasable_offer".into(),
                    json!([{"currency": l.currency, "marketplace_id": mp,
                        "our_price": [{"schedule": [{"value_with_tax": v}]}]}]),
                );
            }
            a
        }
    };
    let fa = if l.fulfillment_channel == "AFN" {
        let code = marketplace(mp)
            .map(fba_channel)
            .unwrap_or_else(|| "AMAZON_NA".into());
        json!([{"fulfillment_channel_code": code}])
    } else {
        json!([{"fulfillment_channel_code": "DEFAULT", "quantity": l.quantity}])
    };
    attrs.insert("fulfillment_availability".into(), fa);
    attrs
}

/// A Listings API `Item` of a listing with the `included` data groups.
pub fn item_json(d: &ListingDoc, item: Option<&CatalogItemRow>, included: &[String]) -> Value {
    let has = |g: &str| included.iter().any(|i| i == g);
    let l = &d.row;
    let mp = l.marketplace_id.as_str();
    let attrs = effective_attributes(d, item);
    let product_type = d
        .product_type
        .clone()
        .or_else(|| item.map(|i| i.product_type.clone()))
        .unwrap_or_else(|| "PRODUCT".into());
    let mut out = json!({"sku": l.sku});
    if has("summaries") {
        let mut s = json!({
            "marketplaceId": mp,
            "productType": product_type,
            "status": api_status(d),
            "createdDate": ts(l.created_at_us),
            "lastUpdatedDate": ts(l.updated_at_us),
        });
        if !l.asin.is_empty() {
            s["asin"] = json!(l.asin);
        }
        if let Some(c) = catalog::first_value(&attrs, "condition_type") {
            s["conditionType"] = json!(c);
        }
        let name =
            catalog::first_value(&attrs, "item_name").or_else(|| item.map(|i| i.title.clone()));
        if let Some(n) = name {
            s["itemName"] = json!(n);
        }
        if l.fulfillment_channel == "AFN" {
            s["fnSku"] = json!(fn_sku(&l.seller_id, &l.sku));
        }
        if let Some(main) = item
            .and_then(|i| i.doc.get("images"))
            .and_then(|i| i.get(0))
        {
            s["mainImage"] =
                json!({"link": main["link"], "height": main["height"], "width": main["width"]});
        }
        out["summaries"] = json!([s]);
    }
    if has("attributes") {
        out["attributes"] = Value::Object(attrs.clone());
    }
    if has("issues") {
        out["issues"] = d.issues.clone();
    }
    if has("offers") {
        let mut offers = vec![];
        if money::parse(&l.price, &l.currency).is_some() {
            offers.push(json!({
                "marketplaceId": mp,
                "offerType": "B2C",
                "price": {"currencyCode": l.currency, "amount": l.price},
            }));
        }
        out["offers"] = Value::Array(offers);
    }
    if has("fulfillmentAvailability") {
        let code = if l.fulfillment_channel == "AFN" {
            marketplace(mp)
                .map(fba_channel)
                .unwrap_or_else(|| "AMAZON_NA".into())
        } else {
            "DEFAULT".into()
        };
        out["fulfillmentAvailability"] =
            json!([{"fulfillmentChannelCode": code, "quantity": l.quantity.max(0)}]);
    }
    if has("procurement") {
        let cost: Vec<Value> = attrs
            .get("cost_price")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let v = c.get("value")?.as_f64()?;
                let cur = c.get("currency")?.as_str()?;
                Some(json!({"costPrice": {"currencyCode": cur, "amount": v.to_string()}}))
            })
            .collect();
        out["procurement"] = Value::Array(cost);
    }
    if has("relationships") {
        let mut rels = vec![];
        if let Some(parent) = attrs
            .get("child_parent_sku_relationship")
            .and_then(|v| v.get(0))
            .and_then(|v| v.get("parent_sku"))
            .and_then(Value::as_str)
        {
            let mut r = json!({"type": "VARIATION", "parentSkus": [parent]});
            if let Some(theme) = catalog::first_value(&attrs, "variation_theme").or_else(|| {
                attrs
                    .get("variation_theme")
                    .and_then(|v| v.get(0))
                    .and_then(|v| v.get("name"))
                    .and_then(Value::as_str)
                    .map(String::from)
            }) {
                r["variationTheme"] = json!({
                    "attributes": theme.split('/').map(|t| t.to_lowercase()).collect::<Vec<_>>(),
                    "theme": theme,
                });
            }
            rels.push(r);
        }
        out["relationships"] = json!([{"marketplaceId": mp, "relationships": rels}]);
    }
    if has("productTypes") {
        out["productTypes"] = json!([{"marketplaceId": mp, "productType": product_type}]);
    }
    out
}

/// The FBA network SKU of a seller SKU (`X00` + 7), stable.
pub fn fn_sku(seller_id: &str, sku: &str) -> String {
    let a = catalog::new_asin(&format!("fnsku:{seller_id}:{sku}"));
    format!("X00{}", &a[3..])
}

fn issue_json(issues: &[Issue], marketplace_id: &str) -> Value {
    Value::Array(
        issues
            .iter()
            .map(|i| {
                let mut v = i.to_json();
                v["marketplaceIds"] = json!([marketplace_id]);
                v
            })
            .collect(),
    )
}

fn has_errors(issues: &[Issue]) -> bool {
    issues.iter().any(|i| i.severity == "ERROR")
}

fn error(code: &'static str, message: String, attribute: &str) -> Issue {
    Issue {
        code,
        message,
        severity: "ERROR",
        attribute_names: vec![attribute.to_string()],
        categories: vec!["INVALID_ATTRIBUTE"],
    }
}

/// The price (minor units) and currency of `purchasable_offer`, if any; an issue when its
/// currency is not the marketplace's.
fn offer_of(attrs: &Map<String, Value>, mp: &Marketplace) -> Result<Option<i64>, Issue> {
    let Some(o) = attrs.get("purchasable_offer").and_then(|v| v.get(0)) else {
        return Ok(None);
    };
    let currency = o.get("currency").and_then(Value::as_str).unwrap_or("");
    if currency != mp.currency {
        return Err(error(
            product_types::INVALID,
            format!(
                "The provided value for 'Purchasable Offer' is invalid. The currency must be '{}' in this marketplace.",
                mp.currency
            ),
            "purchasable_offer",
        ));
    }
    let v = o
        .pointer("/our_price/0/schedule/0/value_with_tax")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let minor = (v * 10f64.powi(money::exponent(mp.currency) as i32)).round() as i64;
    Ok(Some(minor))
}

/// The channel (`MFN`/`AFN`) and MFN quantity of `fulfillment_availability`, if any.
fn availability_of(attrs: &Map<String, Value>) -> Option<(&'static str, Option<i64>)> {
    let f = attrs.get("fulfillment_availability")?.get(0)?;
    let code = f.get("fulfillment_channel_code")?.as_str()?;
    if code.starts_with("AMAZON_") {
        Some(("AFN", None))
    } else {
        Some(("MFN", f.get("quantity").and_then(Value::as_i64)))
    }
}

/// Finds the product of a submission: (ASIN or "" for a new product, issues).
async fn resolve_asin(
    tx: &mut StoreTx,
    existing: Option<&ListingDoc>,
    attrs: &Map<String, Value>,
    req: Requirements,
) -> Result<(String, Vec<Issue>), Error> {
    if let Some(asin) = catalog::first_value(attrs, "merchant_suggested_asin") {
        let found = tx.get_catalog_item(&asin).await?;
        if found.is_none() {
            return Ok((
                String::new(),
                vec![error(
                    product_types::INVALID,
                    format!(
                        "The provided value for 'Merchant Suggested ASIN' is invalid. ASIN '{asin}' does not exist in the catalog."
                    ),
                    "merchant_suggested_asin",
                )],
            ));
        }
        return Ok((asin, vec![]));
    }
    if let Some(id) = attrs
        .get("externally_assigned_product_identifier")
        .and_then(|v| v.get(0))
    {
        let t = id
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_uppercase();
        let v = id.get("value").and_then(Value::as_str).unwrap_or("");
        let hits = tx.asins_by_identifier(&t, &[v.to_string()]).await?;
        if let Some((_, asin)) = hits.into_iter().next() {
            return Ok((asin, vec![]));
        }
    }
    if let Some(e) = existing {
        // An existing listing keeps its product (or keeps waiting for it).
        return Ok((e.row.asin.clone(), vec![]));
    }
    if req == Requirements::ListingOfferOnly {
        return Ok((
            String::new(),
            vec![Issue {
                code: product_types::MISSING,
                message: "No catalog item matches the product identifiers of this offer; \
                          submit product facts (requirements LISTING) to create the product."
                    .into(),
                severity: "ERROR",
                attribute_names: vec![
                    "externally_assigned_product_identifier".into(),
                    "merchant_suggested_asin".into(),
                ],
                categories: vec!["MISSING_ATTRIBUTE"],
            }],
        ));
    }
    Ok((String::new(), vec![]))
}

/// The world's listing restrictions as submission issues: a gated brand without approval
/// (code 5461 for a new product of the brand, 6039 for an existing item), a condition the
/// category does not take (6039).
async fn restriction_issues(
    tx: &mut StoreTx,
    sub: &Submission,
    mp: &Marketplace,
    asin: &str,
    attrs: &Map<String, Value>,
) -> Result<Vec<Issue>, Error> {
    let condition =
        catalog::first_value(attrs, "condition_type").unwrap_or_else(|| "new_new".into());
    if asin.is_empty() {
        let brand = catalog::first_value(attrs, "brand").unwrap_or_default();
        if restrictions::GATED_BRANDS.contains(&brand.as_str())
            && !tx.seller_sells_brand(&sub.seller_id, mp.id, &brand).await?
        {
            return Ok(vec![error(
                "5461",
                format!(
                    "You may not create new ASINs for the brand {brand}. Request approval for the brand in Seller Central."
                ),
                "brand",
            )]);
        }
        return Ok(vec![]);
    }
    let item = tx.get_catalog_item(asin).await?;
    let approved = match &item {
        Some(i) if restrictions::GATED_BRANDS.contains(&i.brand.as_str()) => {
            tx.seller_sells_brand(&sub.seller_id, mp.id, &i.brand)
                .await?
        }
        _ => true,
    };
    Ok(
        restrictions::reasons(mp, asin, item.as_ref(), &condition, approved)
            .into_iter()
            .map(|r| {
                let attr = if r.code == "NOT_ELIGIBLE" {
                    "condition_type"
                } else {
                    "merchant_suggested_asin"
                };
                error("6039", r.message, attr)
            })
            .collect(),
    )
}

/// Recommended attributes of a new product: missing ones are warnings.
fn recommendations(attrs: &Map<String, Value>) -> Vec<Issue> {
    [
        ("bullet_point", "Bullet Point"),
        ("product_description", "Product Description"),
    ]
    .iter()
    .filter(|(n, _)| !attrs.contains_key(*n))
    .map(|(n, t)| Issue {
        code: product_types::MISSING,
        message: format!("'{t}' is recommended but not supplied."),
        severity: "WARNING",
        attribute_names: vec![n.to_string()],
        categories: vec!["MISSING_ATTRIBUTE"],
    })
    .collect()
}

fn apply_patches(
    attrs: &mut Map<String, Value>,
    patches: &[(String, String, Option<Value>)],
) -> Result<(), Error> {
    for (i, (op, path, value)) in patches.iter().enumerate() {
        let name = path
            .strip_prefix("/attributes/")
            .filter(|n| !n.is_empty() && !n.contains('/'))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "Invalid patch path '{path}' at patches[{i}]: expected /attributes/{{attributeName}}."
                ))
            })?;
        match op.as_str() {
            "add" | "replace" => {
                let v = value.clone().ok_or_else(|| {
                    Error::invalid_input(format!(
                        "patches[{i}]: the operation '{op}' needs a value."
                    ))
                })?;
                // Amazon's patches replace the whole attribute (all its values).
                attrs.insert(name.to_string(), v);
            }
            "delete" => match value {
                // With values, only the values matching them go (by their fields other than
                // the value itself when it is absent); without, the attribute goes.
                Some(Value::Array(remove)) if !remove.is_empty() => {
                    if let Some(Value::Array(list)) = attrs.get_mut(name) {
                        list.retain(|existing| {
                            !remove.iter().any(|r| {
                                r.as_object().is_some_and(|r| {
                                    r.iter().all(|(k, v)| existing.get(k) == Some(v))
                                })
                            })
                        });
                        if list.is_empty() {
                            attrs.remove(name);
                        }
                    }
                }
                _ => {
                    attrs.remove(name);
                }
            },
            other => {
                return Err(Error::invalid_input(format!(
                    "patches[{i}]: unknown operation '{other}'."
                )));
            }
        }
    }
    Ok(())
}

/// A patch or delete of a listing that does not exist: 400 (the operations document no 404).
fn no_listing(sub: &Submission) -> Error {
    Error::invalid_input(format!(
        "The listing for SKU '{}' does not exist in marketplace {}.",
        sub.sku, sub.marketplace_id
    ))
}

/// Applies one submission in the caller's transaction: validates, and unless it is a preview
/// or invalid, writes the listing, schedules the product's creation and records the events.
///
/// This is the one entry point of listings changes: the Listings API and the
/// JSON_LISTINGS_FEED processor both call it. Errors (400): a patch or delete of a listing
/// that does not exist, a product type spapi does not know, a malformed patch.
pub async fn apply(tx: &mut StoreTx, sub: &Submission, now: Timestamp) -> Result<Outcome, Error> {
    let mp = marketplace(&sub.marketplace_id)
        .ok_or_else(|| Error::invalid_parameter("marketplaceIds", "unknown marketplace"))?;
    let existing = tx
        .get_listing_doc(&sub.seller_id, &sub.sku, &sub.marketplace_id)
        .await?;
    let (product_type, requirements, attrs) = match &sub.change {
        Change::Delete => {
            let Some(before) = existing else {
                return Err(no_listing(sub));
            };
            let asin = (!before.row.asin.is_empty()).then(|| before.row.asin.clone());
            if !sub.preview {
                tx.delete_listing(&sub.seller_id, &sub.sku, &sub.marketplace_id)
                    .await?;
                record_events(tx, Some(&before), None, us(now)).await?;
            }
            return Ok(Outcome {
                status: if sub.preview { "VALID" } else { "ACCEPTED" },
                issues: vec![],
                asin,
            });
        }
        Change::Put {
            product_type,
            requirements,
            attributes,
        } => {
            let req = match requirements.as_deref() {
                None => Requirements::Listing,
                Some(r) => Requirements::parse(r).ok_or_else(|| {
                    Error::invalid_input(format!("'{r}' is not a valid value for requirements."))
                })?,
            };
            (product_type.clone(), req, attributes.clone())
        }
        Change::Patch {
            product_type,
            patches,
        } => {
            let Some(before) = &existing else {
                return Err(no_listing(sub));
            };
            let item = if before.row.asin.is_empty() {
                None
            } else {
                tx.get_catalog_item(&before.row.asin).await?
            };
            let mut attrs = effective_attributes(before, item.as_ref());
            // The stock shown is derived from the columns; only a patch sets it.
            if before.row.fulfillment_channel == "AFN" || before.attributes.is_none() {
                attrs.remove("fulfillment_availability");
            }
            apply_patches(&mut attrs, patches)?;
            (product_type.clone(), Requirements::ListingOfferOnly, attrs)
        }
    };
    let spec = product_types::spec(&product_type).ok_or_else(|| {
        Error::invalid_input(format!(
            "'{product_type}' is not a valid product type in marketplace {}.",
            mp.id
        ))
    })?;
    let mut issues = product_types::validate(spec, requirements, &attrs, mp.id);
    let mut asin = String::new();
    let mut price = None;
    if !has_errors(&issues) {
        match offer_of(&attrs, mp) {
            Ok(p) => price = p,
            Err(i) => issues.push(i),
        }
        let (a, more) = resolve_asin(tx, existing.as_ref(), &attrs, requirements).await?;
        asin = a;
        issues.extend(more);
    }
    if !has_errors(&issues) && !matches!(sub.change, Change::Patch { .. }) {
        issues.extend(restriction_issues(tx, sub, mp, &asin, &attrs).await?);
    }
    if has_errors(&issues) {
        return Ok(Outcome {
            status: "INVALID",
            issues,
            asin: existing.map(|e| e.row.asin).filter(|a| !a.is_empty()),
        });
    }
    if asin.is_empty()
        || matches!(sub.change, Change::Put { .. })
            && requirements != Requirements::ListingOfferOnly
    {
        issues.extend(recommendations(&attrs));
    }
    if sub.preview {
        return Ok(Outcome {
            status: "VALID",
            issues,
            asin: (!asin.is_empty()).then_some(asin),
        });
    }
    let (channel, mfn_qty) = availability_of(&attrs).unwrap_or((
        existing
            .as_ref()
            .map(|e| {
                if e.row.fulfillment_channel == "AFN" {
                    "AFN"
                } else {
                    "MFN"
                }
            })
            .unwrap_or("MFN"),
        None,
    ));
    let quantity = match (channel, &existing) {
        ("MFN", Some(e)) if e.row.fulfillment_channel == "MFN" => mfn_qty.unwrap_or(e.row.quantity),
        ("MFN", _) => mfn_qty.unwrap_or(0),
        // FBA stock is what the fulfillment centers hold: a submission does not change it.
        (_, Some(e)) if e.row.fulfillment_channel == "AFN" => e.row.quantity,
        _ => 0,
    };
    let (price_text, has_offer) = match price {
        Some(p) => (money::format(p, mp.currency), true),
        // A patch that leaves the offer alone keeps the price.
        None => match &existing {
            Some(e) if attrs.contains_key("purchasable_offer") => (e.row.price.clone(), true),
            _ => (String::new(), false),
        },
    };
    let has_condition = attrs.contains_key("condition_type");
    let status = if asin.is_empty() {
        "INCOMPLETE"
    } else if has_offer && has_condition {
        "BUYABLE"
    } else {
        "DISCOVERABLE"
    };
    let severity = if has_errors(&issues) {
        Some("ERROR".to_string())
    } else if issues.is_empty() {
        None
    } else {
        Some("WARNING".to_string())
    };
    let after = ListingDoc {
        row: ListingRow {
            seller_id: sub.seller_id.clone(),
            sku: sub.sku.clone(),
            marketplace_id: sub.marketplace_id.clone(),
            asin: asin.clone(),
            fulfillment_channel: channel.to_string(),
            price: price_text,
            currency: mp.currency.to_string(),
            quantity,
            reserved: existing.as_ref().map(|e| e.row.reserved).unwrap_or(0),
            status: status.to_string(),
            created_at_us: existing
                .as_ref()
                .map(|e| e.row.created_at_us)
                .unwrap_or(us(now)),
            updated_at_us: us(now),
        },
        product_type: Some(spec.name.to_string()),
        condition_type: catalog::first_value(&attrs, "condition_type"),
        attributes: Some(Value::Object(attrs)),
        issues: issue_json(&issues, mp.id),
        issue_severity: severity,
    };
    tx.put_listing_doc(&after).await?;
    if asin.is_empty() {
        let at = now.checked_add(NEW_ASIN_AFTER).unwrap_or(now);
        tx.enqueue_job(
            JOB_CREATE_ASIN,
            us(at),
            &json!({"sellerId": sub.seller_id, "sku": sub.sku, "marketplaceId": sub.marketplace_id}),
        )
        .await?;
    }
    record_events(tx, existing.as_ref(), Some(&after), us(now)).await?;
    Ok(Outcome {
        status: "ACCEPTED",
        issues,
        asin: (!asin.is_empty()).then_some(asin),
    })
}

/// [`apply`] in a transaction of its own.
pub async fn submit(store: &Store, sub: &Submission, now: Timestamp) -> Result<Outcome, Error> {
    let mut tx = store.begin().await?;
    let out = apply(&mut tx, sub, now).await?;
    if out.status == "ACCEPTED" {
        tx.commit().await?;
    }
    Ok(out)
}

/// Writes the LISTINGS_ITEM_* events a change causes.
async fn record_events(
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

/// The catalog document of a product a listing describes (its product facts).
fn product_doc(
    asin: &str,
    spec_name: &str,
    attrs: &Map<String, Value>,
) -> (CatalogItemRow, Vec<(String, String)>) {
    let mut product = Map::new();
    for (k, v) in attrs {
        if product_types::is_offer_attribute(k)
            || matches!(
                k.as_str(),
                "merchant_suggested_asin" | "child_parent_sku_relationship"
            )
        {
            continue;
        }
        let list = catalog::edit_values(v, |o| {
            o.remove("marketplace_id");
        });
        product.insert(k.clone(), list);
    }
    let mut identifiers = vec![];
    for id in attrs
        .get("externally_assigned_product_identifier")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(t), Some(v)) = (
            id.get("type").and_then(Value::as_str),
            id.get("value").and_then(Value::as_str),
        ) {
            identifiers.push((t.to_uppercase(), v.to_string()));
        }
    }
    let parent = catalog::first_value(attrs, "parentage_level").as_deref() == Some("parent");
    let doc = json!({
        "attributes": product,
        "identifiers": identifiers.iter().map(|(t, v)| json!({"identifierType": t, "identifier": v})).collect::<Vec<_>>(),
        "images": catalog::images_for(asin),
        "itemClassification": if parent { "VARIATION_PARENT" } else { "BASE_PRODUCT" },
        "parentAsins": [],
        "childAsins": [],
    });
    let row = CatalogItemRow {
        asin: asin.to_string(),
        title: catalog::first_value(attrs, "item_name").unwrap_or_default(),
        brand: catalog::first_value(attrs, "brand").unwrap_or_default(),
        product_type: spec_name.to_string(),
        doc,
    };
    (row, identifiers)
}

/// The job: a submitted product becomes a catalog item with a new ASIN, and the listing gets
/// it (and its status). A variation child is linked to its parent's ASIN.
pub async fn create_asin(
    store: &Store,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
    at: Timestamp,
) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    let Some(before) = tx.get_listing_doc(seller_id, sku, marketplace_id).await? else {
        return Ok(()); // deleted meanwhile
    };
    if !before.row.asin.is_empty() {
        return Ok(()); // attached meanwhile
    }
    let attrs = before
        .attributes
        .as_ref()
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let spec_name = before
        .product_type
        .clone()
        .unwrap_or_else(|| "PRODUCT".into());
    let asin = catalog::new_asin(&format!("{seller_id}:{sku}:{marketplace_id}:{}", us(at)));
    let (mut item, identifiers) = product_doc(&asin, &spec_name, &attrs);
    let classification = product_types::spec(&spec_name)
        .map(|s| s.classification.0)
        .unwrap_or("");
    // A variation child: link both ways with the parent SKU's ASIN.
    if let Some(parent_sku) = attrs
        .get("child_parent_sku_relationship")
        .and_then(|v| v.get(0))
        .and_then(|v| v.get("parent_sku"))
        .and_then(Value::as_str)
        && let Some(parent) = tx
            .get_listing_doc(seller_id, parent_sku, marketplace_id)
            .await?
        && !parent.row.asin.is_empty()
        && let Some(mut pitem) = tx.get_catalog_item(&parent.row.asin).await?
    {
        item.doc["parentAsins"] = json!([pitem.asin]);
        let theme = attrs
            .get("variation_theme")
            .or_else(|| {
                parent
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get("variation_theme"))
            })
            .and_then(|v| v.get(0))
            .and_then(|v| v.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("SIZE")
            .to_string();
        let theme = json!({
            "attributes": theme.split('/').map(|t| t.to_lowercase()).collect::<Vec<_>>(),
            "theme": theme,
        });
        item.doc["variationTheme"] = theme.clone();
        let mut children: Vec<Value> = pitem.doc["childAsins"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        children.push(json!(asin));
        pitem.doc["childAsins"] = Value::Array(children);
        pitem.doc["variationTheme"] = theme;
        pitem.doc["itemClassification"] = json!("VARIATION_PARENT");
        let pc = product_types::spec(&pitem.product_type)
            .map(|s| s.classification.0)
            .unwrap_or("");
        tx.put_catalog_item(&pitem, pc, us(at), &[]).await?;
    }
    tx.put_catalog_item(&item, classification, us(at), &identifiers)
        .await?;
    let mut after = before.clone();
    after.row.asin = asin;
    after.row.updated_at_us = us(at);
    let has_offer = money::parse(&after.row.price, &after.row.currency).is_some();
    after.row.status = if has_offer && after.condition_type.is_some() {
        "BUYABLE".into()
    } else {
        "DISCOVERABLE".into()
    };
    if let Some(Value::Object(a)) = &mut after.attributes {
        // The listing now names its product.
        a.insert(
            "merchant_suggested_asin".into(),
            json!([{"value": after.row.asin, "marketplace_id": marketplace_id}]),
        );
    }
    tx.put_listing_doc(&after).await?;
    record_events(&mut tx, Some(&before), Some(&after), us(at)).await?;
    tx.commit().await.map_err(Error::internal)
}
