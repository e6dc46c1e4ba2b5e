//! The JSON Schema writer: a product type's attribute schema for a set of requirements, the
//! document `getDefinitionsProductType` links to.

use super::Requirements;
use super::table::{Attr, Group, Kind, LENGTH_UNITS, PRODUCT_TYPES, ProductTypeSpec};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

fn unit_schema(units: &[&str]) -> Value {
    json!({
        "type": "object",
        "required": ["value", "unit"],
        "additionalProperties": false,
        "properties": {
            "value": {"type": "number", "minimum": 0},
            "unit": {"type": "string", "enum": units},
        }
    })
}

fn money_value() -> Value {
    json!({"type": "number", "minimum": 0})
}

fn currency() -> Value {
    json!({"type": "string", "pattern": "^[A-Z]{3}$"})
}

/// The JSON schema of one value (one element of the attribute's array).
fn value_schema(attr: &Attr) -> Value {
    let mut props = Map::new();
    let mut required = vec![];
    match attr.kind {
        Kind::Text(max) => {
            props.insert(
                "value".into(),
                json!({"type": "string", "minLength": 1, "maxLength": max}),
            );
            required.push("value");
        }
        Kind::Enum(values) => {
            props.insert("value".into(), json!({"type": "string", "enum": values}));
            required.push("value");
        }
        Kind::Integer => {
            props.insert("value".into(), json!({"type": "integer", "minimum": 0}));
            required.push("value");
        }
        Kind::Measure(units) => {
            props.insert("value".into(), json!({"type": "number", "minimum": 0}));
            props.insert("unit".into(), json!({"type": "string", "enum": units}));
            required.extend(["value", "unit"]);
        }
        Kind::Dimensions => {
            for d in ["length", "width", "height"] {
                props.insert(d.into(), unit_schema(LENGTH_UNITS));
                required.push(d);
            }
        }
        Kind::ListPrice => {
            props.insert("value".into(), money_value());
            props.insert("currency".into(), currency());
            required.extend(["value", "currency"]);
        }
        Kind::PurchasableOffer => {
            props.insert("currency".into(), currency());
            props.insert(
                "audience".into(),
                json!({"type": "string", "enum": ["ALL", "B2B"]}),
            );
            props.insert(
                "our_price".into(),
                json!({
                    "type": "array", "minItems": 1, "maxItems": 1,
                    "items": {
                        "type": "object", "required": ["schedule"], "additionalProperties": false,
                        "properties": {"schedule": {
                            "type": "array", "minItems": 1, "maxItems": 1,
                            "items": {
                                "type": "object", "required": ["value_with_tax"],
                                "additionalProperties": false,
                                "properties": {"value_with_tax": money_value()}
                            }
                        }}
                    }
                }),
            );
            required.extend(["currency", "our_price"]);
        }
        Kind::FulfillmentAvailability => {
            props.insert(
                "fulfillment_channel_code".into(),
                json!({"type": "string", "minLength": 1}),
            );
            props.insert(
                "quantity".into(),
                json!({"type": "integer", "minimum": 0, "maximum": 99999}),
            );
            props.insert(
                "lead_time_to_ship_max_days".into(),
                json!({"type": "integer", "minimum": 0, "maximum": 30}),
            );
            required.push("fulfillment_channel_code");
        }
        Kind::ExternalId => {
            props.insert(
                "type".into(),
                json!({"type": "string", "enum": ["ean", "upc", "gtin", "isbn", "jan"]}),
            );
            props.insert(
                "value".into(),
                json!({"type": "string", "pattern": "^[0-9]{8,14}$"}),
            );
            required.extend(["type", "value"]);
        }
        Kind::Asin => {
            props.insert(
                "value".into(),
                json!({"type": "string", "pattern": "^[0-9A-Z]{10}$"}),
            );
            required.push("value");
        }
        Kind::ChildParent => {
            props.insert(
                "child_relationship_type".into(),
                json!({"type": "string", "enum": ["variation", "package_hierarchy"]}),
            );
            props.insert(
                "parent_sku".into(),
                json!({"type": "string", "minLength": 1, "maxLength": 40}),
            );
            required.extend(["child_relationship_type", "parent_sku"]);
        }
        Kind::VariationTheme => {
            props.insert(
                "name".into(),
                json!({"type": "string", "enum": ["SIZE", "COLOR", "SIZE/COLOR"]}),
            );
            required.push("name");
        }
    }
    if attr.per_marketplace {
        props.insert("marketplace_id".into(), json!({"type": "string"}));
    }
    if attr.localized {
        props.insert("language_tag".into(), json!({"type": "string"}));
    }
    json!({
        "type": "object",
        "required": required,
        "additionalProperties": false,
        "properties": props,
    })
}

/// A served schema: the product type's attribute schema for a set of requirements.
#[derive(Debug, Clone)]
pub struct SchemaDoc {
    /// The document.
    pub doc: Value,
    /// Its checksum (hex SHA-256 of the document text).
    pub checksum: String,
    /// The product type version it belongs to.
    pub version: String,
}

/// The attribute names a submission must carry for `req`.
fn required_names(spec: &ProductTypeSpec, req: Requirements) -> Vec<&'static str> {
    spec.attrs()
        .iter()
        .filter(|a| match req {
            Requirements::Listing => a.product_required || a.offer_required,
            Requirements::ListingProductOnly => a.product_required,
            Requirements::ListingOfferOnly => a.offer_required,
        })
        .map(|a| a.name)
        .collect()
}

/// The schema document of a product type for a set of requirements, enforced or not.
pub fn schema(spec: &ProductTypeSpec, req: Requirements, enforced: bool) -> SchemaDoc {
    let attrs = spec.attrs();
    let mut properties = Map::new();
    for at in &attrs {
        properties.insert(
            at.name.into(),
            json!({
                "title": at.title,
                "type": "array",
                "minItems": 1,
                "maxItems": at.max_items,
                "items": value_schema(at),
            }),
        );
    }
    let mut doc = json!({
        "$schema": "https://schemas.amazon.com/selling-partners/definitions/product-types/meta-schema/v1",
        "$id": format!("spapi:product-type:{}:{}", spec.name, req.as_str()),
        "title": format!("{} ({})", spec.display_name, req.as_str()),
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    });
    if enforced {
        doc["required"] = json!(required_names(spec, req));
        // A product is identified by an external id, a suggested ASIN or an exemption.
        doc["anyOf"] = json!([
            {"required": ["externally_assigned_product_identifier"]},
            {"required": ["merchant_suggested_asin"]},
            {"required": ["supplier_declared_has_product_identifier_exemption"]},
        ]);
    }
    let text = doc.to_string();
    let digest = Sha256::digest(text.as_bytes());
    let checksum: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let version = version_of(spec);
    SchemaDoc {
        doc,
        checksum,
        version,
    }
}

/// The version of a product type: derived from its full schema, so it changes when the
/// schema does (`U` + 12 hex digits).
pub fn version_of(spec: &ProductTypeSpec) -> String {
    static VERSIONS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    let all = VERSIONS.get_or_init(|| {
        PRODUCT_TYPES
            .iter()
            .map(|p| {
                let attrs = p.attrs();
                let names: Vec<String> = attrs
                    .iter()
                    .map(|a| format!("{}:{:?}:{}", a.name, a.kind, a.max_items))
                    .collect();
                let d = Sha256::digest(names.join(",").as_bytes());
                let hex: String = d.iter().take(6).map(|b| format!("{b:02X}")).collect();
                (p.name.to_string(), format!("U{hex}"))
            })
            .collect()
    });
    all.iter()
        .find(|(n, _)| n == spec.name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// The property groups of a product type (`propertyGroups` of a definition).
pub fn property_groups(spec: &ProductTypeSpec) -> Value {
    let attrs = spec.attrs();
    let mut groups = Map::new();
    for g in Group::all() {
        let names: Vec<&str> = attrs
            .iter()
            .filter(|a| a.group == g)
            .map(|a| a.name)
            .collect();
        if names.is_empty() {
            continue;
        }
        groups.insert(
            g.name().into(),
            json!({"title": g.title(), "description": g.title(), "propertyNames": names}),
        );
    }
    Value::Object(groups)
}
