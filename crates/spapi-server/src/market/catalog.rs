//! The catalog: items (ASINs) shared by every seller, their attributes, identifiers, images,
//! browse classifications, variations and sales ranks, rendered as Catalog Items 2022-04-01
//! and v0 show them. [`CatalogService`] answers both APIs' operations.
//!
//! # The stored document
//!
//! `catalog_items.doc` is spapi's own shape (the APIs render from it per marketplace):
//! `attributes` (listing-style attribute arrays without marketplace ids), `identifiers`
//! (`[{identifierType, identifier}]`), `images` (`[{variant, link, height, width}]`),
//! `itemClassification` (`BASE_PRODUCT` / `VARIATION_PARENT`), `parentAsins`, `childAsins`,
//! `variationTheme`, `salesRank`.

mod service;
mod v0;

pub use service::CatalogService;

use super::product_types::{self, ProductTypeSpec};
use crate::store::CatalogItemRow;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::to_model;

/// The `includedData` groups of Catalog Items 2022-04-01 that spapi fills.
pub const INCLUDED_DATA: &[&str] = &[
    "attributes",
    "classifications",
    "dimensions",
    "identifiers",
    "images",
    "productTypes",
    "relationships",
    "salesRanks",
    "summaries",
    "vendorDetails",
];

/// The top-level browse classification every product type's node sits under.
const ROOT_CLASSIFICATION: (&str, &str) = ("1055398", "Home & Kitchen");

/// The root node per product type's display group (for the classification's `parent`).
fn root_of(spec: &ProductTypeSpec) -> (&'static str, &'static str) {
    match spec.name {
        "SHIRT" | "PANTS" | "DRESS" | "SHOES" | "WATCH" | "SUNGLASSES" | "LUGGAGE" | "BACKPACK" => {
            ("7141123011", "Clothing, Shoes & Jewelry")
        }
        "BOOK" => ("1000", "Subjects"),
        "TOY_FIGURE" => ("165793011", "Toys & Games"),
        "HEADPHONES" | "CELLULAR_PHONE_CASE" => ("172282", "Electronics"),
        "SPORTING_GOODS" | "BOTTLE" => ("3375251", "Sports & Outdoors"),
        "BEAUTY" => ("3760911", "Beauty & Personal Care"),
        "GROCERY" => ("16310101", "Grocery & Gourmet Food"),
        "PET_SUPPLIES" => ("2619533011", "Pet Supplies"),
        "OFFICE_PRODUCTS" => ("1064954", "Office Products"),
        "PRODUCT" => ("16310091", "Industrial & Scientific"),
        _ => ROOT_CLASSIFICATION,
    }
}

/// The website display group of a product type (`home_display_on_website`...).
fn display_group(spec: &ProductTypeSpec) -> (String, String) {
    let (_, root) = root_of(spec);
    let key = match spec.name {
        "BOOK" => "book_display_on_website".to_string(),
        other => format!("{}_display_on_website", other.to_lowercase()),
    };
    (key, root.to_string())
}

/// The browse classification of a product type, with its parent.
pub fn classification(spec: &ProductTypeSpec) -> Value {
    let (id, name) = spec.classification;
    let (root_id, root_name) = root_of(spec);
    if root_id == id {
        return json!({"displayName": name, "classificationId": id});
    }
    json!({
        "displayName": name,
        "classificationId": id,
        "parent": {"displayName": root_name, "classificationId": root_id},
    })
}

/// The display name of a classification id, if it is one of spapi's.
pub fn classification_name(id: &str) -> Option<String> {
    product_types::PRODUCT_TYPES.iter().find_map(|p| {
        if p.classification.0 == id {
            return Some(p.classification.1.to_string());
        }
        let (rid, rname) = root_of(p);
        (rid == id).then(|| rname.to_string())
    })
}

fn hash_u64(s: &str) -> u64 {
    let d = Sha256::digest(s.as_bytes());
    u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// Image entries for an item: a main image and two alternates, 1000 px square, on spapi's
/// own image host ([`crate::images`]). Links are stored relative to the host; the APIs make
/// them absolute with [`resolve_images`].
pub fn images_for(asin: &str) -> Value {
    let mk = |variant: &str| {
        json!({
            "variant": variant,
            "link": crate::market::images::image_path(asin, variant),
            "height": 1000,
            "width": 1000,
        })
    };
    json!([mk("MAIN"), mk("PT01"), mk("PT02")])
}

/// Where worlds made by older spapi versions stored image links (Amazon's image host, with
/// made-up ids that never resolved); such links are shown as spapi's own.
const LEGACY_IMAGE_HOST: &str = "https://m.media-amazon.com/images/I/";

/// An item's image entries as clients see them: spapi's links absolute under `public_base`
/// (`http://host:port`), other links as stored.
pub fn resolve_images(images: &Value, asin: &str, public_base: &str) -> Value {
    let Some(list) = images.as_array() else {
        return json!([]);
    };
    Value::Array(
        list.iter()
            .map(|i| {
                let mut i = i.clone();
                let link = i.get("link").and_then(Value::as_str).unwrap_or("");
                let variant = i.get("variant").and_then(Value::as_str).unwrap_or("MAIN");
                let resolved = if link.starts_with(LEGACY_IMAGE_HOST) {
                    crate::market::images::absolute_link(
                        public_base,
                        &crate::market::images::image_path(asin, variant),
                    )
                } else {
                    crate::market::images::absolute_link(public_base, link)
                };
                i["link"] = json!(resolved);
                i
            })
            .collect(),
    )
}

/// The item's image entries (stored, or the default set) with links resolved under
/// `public_base`.
pub fn item_images(item: &CatalogItemRow, public_base: &str) -> Value {
    match item.doc.get("images") {
        Some(images) => resolve_images(images, &item.asin, public_base),
        None => resolve_images(&images_for(&item.asin), &item.asin, public_base),
    }
}

/// The item with its stored image links resolved under `public_base`, for renderers that
/// copy links from the document as they are (listing summaries).
pub fn with_resolved_images(item: &CatalogItemRow, public_base: &str) -> CatalogItemRow {
    let mut item = item.clone();
    if item.doc.get("images").is_some() {
        item.doc["images"] = item_images(&item, public_base);
    }
    item
}

/// A sales rank derived from the ASIN (stable, spread over 1..500 000).
fn sales_rank(asin: &str) -> i64 {
    (hash_u64(asin) % 500_000) as i64 + 1
}

/// The first `value` of an attribute, as text.
pub fn first_value(attrs: &Map<String, Value>, name: &str) -> Option<String> {
    let v = attrs.get(name)?.as_array()?.first()?.get("value")?;
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A copy of an attribute's value list (`[{value, marketplace_id, ...}]`) with `edit` applied
/// to each value object.
pub fn edit_values(values: &Value, edit: impl Fn(&mut Map<String, Value>)) -> Value {
    Value::Array(
        values
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                let mut x = x.clone();
                if let Some(o) = x.as_object_mut() {
                    edit(o);
                }
                x
            })
            .collect(),
    )
}

/// Attributes with the marketplace (and language) of each value set for `marketplace_id`.
fn attributes_for(attrs: &Map<String, Value>, marketplace_id: &str, language: &str) -> Value {
    let mut out = Map::new();
    for (k, v) in attrs {
        let list = edit_values(v, |o| {
            o.insert("marketplace_id".into(), json!(marketplace_id));
            if o.contains_key("language_tag") {
                o.insert("language_tag".into(), json!(language));
            }
        });
        out.insert(k.clone(), list);
    }
    Value::Object(out)
}

fn measure(v: &Value) -> Option<Value> {
    let value = v.get("value")?.as_f64()?;
    let unit = v.get("unit")?.as_str()?;
    Some(json!({"value": value, "unit": unit}))
}

/// The attributes stored in the doc.
pub fn doc_attributes(item: &CatalogItemRow) -> Map<String, Value> {
    item.doc
        .get("attributes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// A Catalog Items 2022-04-01 `Item` for `marketplace_ids` with the `included` data groups.
/// Image links are made absolute under `public_base` (`http://host:port`).
pub fn item_2022(
    item: &CatalogItemRow,
    marketplace_ids: &[String],
    included: &[String],
    public_base: &str,
) -> Value {
    let has = |g: &str| included.iter().any(|i| i == g);
    let spec = product_types::spec(&item.product_type).or_else(|| product_types::spec("PRODUCT"));
    let attrs = doc_attributes(item);
    let mut out = json!({"asin": item.asin});
    let language = |mp: &str| {
        crate::market::marketplaces::marketplace(mp)
            .map(|m| m.language)
            .unwrap_or("en_US")
    };
    let per_mp = |f: &dyn Fn(&str) -> Value| -> Value {
        Value::Array(marketplace_ids.iter().map(|m| f(m)).collect())
    };
    if has("attributes") {
        let mut merged = Map::new();
        for mp in marketplace_ids {
            if let Value::Object(a) = attributes_for(&attrs, mp, language(mp)) {
                for (k, v) in a {
                    let e = merged.entry(k).or_insert_with(|| Value::Array(vec![]));
                    if let (Some(list), Some(new)) = (e.as_array_mut(), v.as_array()) {
                        list.extend(new.iter().cloned());
                    }
                }
            }
        }
        out["attributes"] = Value::Object(merged);
    }
    if has("classifications") {
        let c = spec.map(classification);
        out["classifications"] = per_mp(
            &|mp| json!({"marketplaceId": mp, "classifications": c.iter().cloned().collect::<Vec<_>>()}),
        );
    }
    if has("dimensions") {
        let mut package = Map::new();
        if let Some(d) = attrs.get("item_package_dimensions").and_then(|v| v.get(0)) {
            for k in ["length", "width", "height"] {
                if let Some(m) = d.get(k).and_then(measure) {
                    package.insert(k.into(), m);
                }
            }
        }
        if let Some(w) = attrs
            .get("item_package_weight")
            .and_then(|v| v.get(0))
            .and_then(measure)
        {
            package.insert("weight".into(), w);
        }
        let package = Value::Object(package);
        out["dimensions"] = per_mp(&|mp| {
            let mut e = json!({"marketplaceId": mp});
            if package.as_object().is_some_and(|p| !p.is_empty()) {
                e["package"] = package.clone();
            }
            e
        });
    }
    if has("identifiers") {
        let ids = item.doc.get("identifiers").cloned().unwrap_or(json!([]));
        out["identifiers"] = per_mp(&|mp| json!({"marketplaceId": mp, "identifiers": ids}));
    }
    if has("images") {
        let images = item_images(item, public_base);
        out["images"] = per_mp(&|mp| json!({"marketplaceId": mp, "images": images}));
    }
    if has("productTypes") {
        out["productTypes"] =
            per_mp(&|mp| json!({"marketplaceId": mp, "productType": item.product_type}));
    }
    if has("relationships") {
        let parents = item.doc.get("parentAsins").cloned().unwrap_or(json!([]));
        let children = item.doc.get("childAsins").cloned().unwrap_or(json!([]));
        let theme = item.doc.get("variationTheme").cloned();
        let mut rels = Vec::new();
        let non_empty = |v: &Value| v.as_array().is_some_and(|a| !a.is_empty());
        if non_empty(&parents) || non_empty(&children) {
            let mut r = json!({"type": "VARIATION"});
            if non_empty(&parents) {
                r["parentAsins"] = parents.clone();
            }
            if non_empty(&children) {
                r["childAsins"] = children.clone();
            }
            if let Some(t) = &theme {
                r["variationTheme"] = t.clone();
            }
            rels.push(r);
        }
        out["relationships"] = per_mp(&|mp| json!({"marketplaceId": mp, "relationships": rels}));
    }
    if has("salesRanks") {
        let is_parent =
            item.doc.get("itemClassification").and_then(Value::as_str) == Some("VARIATION_PARENT");
        let rank = item
            .doc
            .get("salesRank")
            .and_then(Value::as_i64)
            .unwrap_or_else(|| sales_rank(&item.asin));
        out["salesRanks"] = per_mp(&|mp| {
            let mut e = json!({"marketplaceId": mp});
            // Variation parents are not ranked; their children are.
            if !is_parent && let Some(spec) = spec {
                let (group, group_name) = display_group(spec);
                let domain = crate::market::marketplaces::marketplace(mp)
                    .map(|m| m.domain)
                    .unwrap_or("www.amazon.com");
                e["classificationRanks"] = json!([{
                    "classificationId": spec.classification.0,
                    "title": spec.classification.1,
                    "link": format!("http://{domain}/gp/bestsellers/{}", spec.classification.0),
                    "rank": (rank / 37).max(1),
                }]);
                e["displayGroupRanks"] = json!([{
                    "websiteDisplayGroup": group,
                    "title": group_name,
                    "link": format!("http://{domain}/gp/bestsellers/{}", group.trim_end_matches("_display_on_website")),
                    "rank": rank,
                }]);
            }
            e
        });
    }
    if has("summaries") {
        out["summaries"] = per_mp(&|mp| summary(item, spec, &attrs, mp));
    }
    if has("vendorDetails") {
        // Vendor details are for vendors; a seller sees none.
        out["vendorDetails"] = json!([]);
    }
    out
}

fn summary(
    item: &CatalogItemRow,
    spec: Option<&ProductTypeSpec>,
    attrs: &Map<String, Value>,
    mp: &str,
) -> Value {
    let mut s = json!({
        "marketplaceId": mp,
        "brand": item.brand,
        "itemName": item.title,
        "itemClassification": item.doc.get("itemClassification").and_then(Value::as_str).unwrap_or("BASE_PRODUCT"),
        "adultProduct": false,
        "autographed": false,
        "memorabilia": false,
        "tradeInEligible": false,
    });
    if let Some(spec) = spec {
        let (group, group_name) = display_group(spec);
        s["websiteDisplayGroup"] = json!(group);
        s["websiteDisplayGroupName"] = json!(group_name);
        s["browseClassification"] = classification(spec);
    }
    for (attr, key) in [
        ("color", "color"),
        ("size", "size"),
        ("footwear_size", "size"),
        ("style", "style"),
        ("manufacturer", "manufacturer"),
        ("model_number", "modelNumber"),
        ("part_number", "partNumber"),
    ] {
        if let Some(v) = first_value(attrs, attr) {
            s[key] = json!(v);
        }
    }
    if let Some(n) = first_value(attrs, "number_of_items").and_then(|v| v.parse::<i64>().ok()) {
        s["packageQuantity"] = json!(n);
    }
    let authors: Vec<Value> = attrs
        .get("author")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("value").and_then(Value::as_str))
        .map(|a| json!({"role": {"displayName": "Author", "value": "author"}, "value": a}))
        .collect();
    if !authors.is_empty() {
        s["contributors"] = Value::Array(authors);
    }
    s
}

/// A Catalog Items v0 `Item` (identifiers, attribute set, relationships, sales rankings);
/// the small image's link is absolute under `public_base`.
pub fn item_v0(item: &CatalogItemRow, marketplace_id: &str, public_base: &str) -> Value {
    let attrs = doc_attributes(item);
    let mut set = json!({
        "Title": item.title,
        "Brand": item.brand,
        "ProductTypeName": item.product_type,
        "ProductGroup": product_types::spec(&item.product_type).map(|s| s.display_name).unwrap_or("Product"),
    });
    for (attr, key) in [
        ("color", "Color"),
        ("size", "Size"),
        ("manufacturer", "Manufacturer"),
        ("model_number", "Model"),
        ("part_number", "PartNumber"),
        ("publisher", "Publisher"),
    ] {
        if let Some(v) = first_value(&attrs, attr) {
            set[key] = json!(v);
        }
    }
    let bullets: Vec<Value> = attrs
        .get("bullet_point")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|b| b.get("value").cloned())
        .collect();
    if !bullets.is_empty() {
        set["Feature"] = Value::Array(bullets);
    }
    if let Some(d) = attrs.get("item_package_dimensions").and_then(|v| v.get(0)) {
        let mut dims = Map::new();
        for (k, key) in [
            ("length", "Length"),
            ("width", "Width"),
            ("height", "Height"),
        ] {
            if let Some(m) = d.get(k) {
                dims.insert(
                    key.into(),
                    json!({"value": m.get("value").cloned().unwrap_or(json!(0)), "Units": m.get("unit").cloned().unwrap_or(json!(""))}),
                );
            }
        }
        if let Some(w) = attrs.get("item_package_weight").and_then(|v| v.get(0)) {
            dims.insert(
                "Weight".into(),
                json!({"value": w.get("value").cloned().unwrap_or(json!(0)), "Units": w.get("unit").cloned().unwrap_or(json!(""))}),
            );
        }
        set["PackageDimensions"] = Value::Object(dims);
    }
    // v0 shows the main image as a 75 px thumbnail: Amazon's `._SL75_` size of the main
    // image (the shorter side scaled alike).
    let images = item_images(item, public_base);
    if let Some(main) = images.get(0) {
        let variant = main
            .get("variant")
            .and_then(Value::as_str)
            .unwrap_or("MAIN");
        let (w, h) = (
            main.get("width").and_then(Value::as_u64).unwrap_or(1000),
            main.get("height").and_then(Value::as_u64).unwrap_or(1000),
        );
        let link = main.get("link").and_then(Value::as_str).unwrap_or_default();
        let (sw, sh) = crate::market::images::served_size(w, h, Some(75)).unwrap_or((75, 75));
        let url = if link.starts_with(public_base) {
            crate::market::images::absolute_link(
                public_base,
                &crate::market::images::scaled_image_path(&item.asin, variant, 75),
            )
        } else {
            link.to_string()
        };
        set["SmallImage"] = json!({
            "URL": url,
            "Height": {"value": sh, "Units": "pixels"},
            "Width": {"value": sw, "Units": "pixels"},
        });
    }
    let mut rels = Vec::new();
    for key in ["parentAsins", "childAsins"] {
        for a in item
            .doc
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            rels.push(json!({"Identifiers": {"MarketplaceASIN": {"MarketplaceId": marketplace_id, "ASIN": a}}}));
        }
    }
    let spec = product_types::spec(&item.product_type);
    let ranks: Vec<Value> = spec
        .filter(|_| {
            item.doc.get("itemClassification").and_then(Value::as_str) != Some("VARIATION_PARENT")
        })
        .map(|s| {
            let rank = item
                .doc
                .get("salesRank")
                .and_then(Value::as_i64)
                .unwrap_or_else(|| sales_rank(&item.asin));
            vec![
                json!({"ProductCategoryId": display_group(s).0, "Rank": rank}),
                json!({"ProductCategoryId": s.classification.0, "Rank": (rank / 37).max(1)}),
            ]
        })
        .unwrap_or_default();
    json!({
        "Identifiers": {"MarketplaceASIN": {"MarketplaceId": marketplace_id, "ASIN": item.asin}},
        "AttributeSets": [set],
        "Relationships": rels,
        "SalesRankings": ranks,
    })
}

/// The v0 categories of an item: its classification node with its parent chain.
pub fn categories_v0(item: &CatalogItemRow) -> Value {
    let Some(spec) = product_types::spec(&item.product_type) else {
        return json!([]);
    };
    let (id, name) = spec.classification;
    let (root_id, root_name) = root_of(spec);
    let mut c = json!({"ProductCategoryId": id, "ProductCategoryName": name});
    if root_id != id {
        c["parent"] = json!({"ProductCategoryId": root_id, "ProductCategoryName": root_name});
    }
    json!([c])
}

/// Product identifiers of a doc as (type, value) pairs (`EAN`, `UPC`...).
pub fn identifiers_of(doc: &Value) -> Vec<(String, String)> {
    doc.get("identifiers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            Some((
                i.get("identifierType")?.as_str()?.to_string(),
                i.get("identifier")?.as_str()?.to_string(),
            ))
        })
        .collect()
}

/// A new ASIN for a product a seller created (`B0` + 8), derived from the submission.
pub fn new_asin(label: &str) -> String {
    const C: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let d = Sha256::digest(label.as_bytes());
    let tail: String = d
        .iter()
        .take(8)
        .map(|b| C[(*b as usize) % C.len()] as char)
        .collect();
    format!("B0{tail}")
}

/// The item's sales ranks as notifications carry them (`ProductCategoryId`, rank): its website
/// display group, then its classification; none for a variation parent (parents are not
/// ranked) or an item of a product type spapi does not know. The ranks agree with the
/// `salesRanks` of the Catalog Items API.
pub fn sales_rankings(item: &CatalogItemRow) -> Vec<(String, i64)> {
    if item.doc.get("itemClassification").and_then(Value::as_str) == Some("VARIATION_PARENT") {
        return vec![];
    }
    let Some(spec) = product_types::spec(&item.product_type) else {
        return vec![];
    };
    let rank = item
        .doc
        .get("salesRank")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| sales_rank(&item.asin));
    let (group, _) = display_group(spec);
    vec![
        (group, rank),
        (spec.classification.0.to_string(), (rank / 37).max(1)),
    ]
}
