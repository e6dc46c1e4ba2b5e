//! A listing as the Listings API shows it: statuses, attributes and the `Item` data groups.

use super::{fba_channel, ts};
use crate::market::catalog;
use crate::market::marketplaces::marketplace;
use crate::market::money;
use crate::store::{CatalogItemRow, ListingDoc};
use serde_json::{Map, Value, json};

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
