//! A submitted product becomes a catalog item: the job that creates it (a new ASIN) and links
//! variation children to their parent.

use super::events::record_events;
use super::us;
use crate::error::Error;
use crate::market::catalog;
use crate::market::money;
use crate::market::product_types;
use crate::store::{CatalogItemRow, Store};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

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
