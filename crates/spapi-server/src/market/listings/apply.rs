//! One submission (put, patch, delete) validated against its product type and applied: the
//! listing row and document, the product it attaches to, the restrictions it meets.

use super::events::record_events;
use super::{
    Change, JOB_CREATE_ASIN, NEW_ASIN_AFTER, Outcome, Submission, effective_attributes, us,
};
use crate::error::Error;
use crate::market::catalog;
use crate::market::marketplaces::{Marketplace, marketplace};
use crate::market::money;
use crate::market::product_types::{self, Issue, Requirements};
use crate::market::restrictions;
use crate::store::{ListingDoc, ListingRow, Store, StoreTx};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

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
    Ok(Some(money::from_decimal(v, mp.currency)))
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
