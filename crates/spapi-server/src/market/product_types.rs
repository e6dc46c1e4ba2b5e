//! Product types: the attribute schemas listings are validated against, in the style of
//! Amazon's product type definitions (a JSON schema per product type whose properties are the
//! listing attributes, each an array of objects with a `value` and optional `marketplace_id` /
//! `language_tag`).
//!
//! The schemas are written by spapi from the attribute names and rules Amazon documents (not
//! copied from Amazon's documents): a set of common attributes (identity, offer, package), plus
//! a few attributes per product type. The same document that `getDefinitionsProductType` links
//! to is the one [`validate`] enforces, so a client that validates locally against the served
//! schema agrees with the emulator.

use super::restrictions::CONDITIONS;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Which attributes a submission must carry (`requirements` of a put and of a definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirements {
    /// Product facts and sales terms.
    Listing,
    /// Product facts only.
    ListingProductOnly,
    /// Sales terms only (the product exists in the catalog).
    ListingOfferOnly,
}

impl Requirements {
    /// From the wire value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "LISTING" => Some(Self::Listing),
            "LISTING_PRODUCT_ONLY" => Some(Self::ListingProductOnly),
            "LISTING_OFFER_ONLY" => Some(Self::ListingOfferOnly),
            _ => None,
        }
    }

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "LISTING",
            Self::ListingProductOnly => "LISTING_PRODUCT_ONLY",
            Self::ListingOfferOnly => "LISTING_OFFER_ONLY",
        }
    }
}

/// The shape of an attribute's value.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// Free text up to a length.
    Text(u32),
    /// One of the listed values.
    Enum(&'static [&'static str]),
    /// A positive integer.
    Integer,
    /// `{value, unit}` with a unit from the list.
    Measure(&'static [&'static str]),
    /// `{length, width, height}` each `{value, unit}`.
    Dimensions,
    /// `{value, currency}`.
    ListPrice,
    /// `{currency, our_price: [{schedule: [{value_with_tax}]}]}`.
    PurchasableOffer,
    /// `{fulfillment_channel_code, quantity}`.
    FulfillmentAvailability,
    /// `{type, value}` (EAN, UPC, GTIN, ISBN, JAN).
    ExternalId,
    /// An ASIN.
    Asin,
    /// `{child_relationship_type, parent_sku}`.
    ChildParent,
    /// `{name}` of a variation theme.
    VariationTheme,
}

/// Which property group an attribute belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Identity,
    Offer,
    Fulfillment,
    Details,
    Variations,
    Safety,
}

impl Group {
    fn name(self) -> &'static str {
        match self {
            Group::Identity => "product_identity",
            Group::Offer => "offer",
            Group::Fulfillment => "fulfillment",
            Group::Details => "product_details",
            Group::Variations => "variations",
            Group::Safety => "safety_and_compliance",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Group::Identity => "Product Identity",
            Group::Offer => "Offer",
            Group::Fulfillment => "Fulfillment",
            Group::Details => "Product Details",
            Group::Variations => "Variations",
            Group::Safety => "Safety & Compliance",
        }
    }

    fn all() -> [Group; 6] {
        [
            Group::Identity,
            Group::Variations,
            Group::Offer,
            Group::Fulfillment,
            Group::Details,
            Group::Safety,
        ]
    }
}

/// One attribute of a product type.
#[derive(Debug, Clone, Copy)]
struct Attr {
    name: &'static str,
    title: &'static str,
    kind: Kind,
    group: Group,
    /// Needed when product facts are required.
    product_required: bool,
    /// Needed when sales terms are required.
    offer_required: bool,
    /// Values are per marketplace (`marketplace_id`).
    per_marketplace: bool,
    /// Values are per language (`language_tag`).
    localized: bool,
    max_items: u32,
}

const fn a(name: &'static str, title: &'static str, kind: Kind, group: Group) -> Attr {
    Attr {
        name,
        title,
        kind,
        group,
        product_required: false,
        offer_required: false,
        per_marketplace: true,
        localized: false,
        max_items: 1,
    }
}

const fn text(name: &'static str, title: &'static str, max: u32) -> Attr {
    let mut x = a(name, title, Kind::Text(max), Group::Details);
    x.localized = true;
    x
}

const fn product(mut x: Attr) -> Attr {
    x.product_required = true;
    x
}

const fn many(mut x: Attr, n: u32) -> Attr {
    x.max_items = n;
    x
}

const LENGTH_UNITS: &[&str] = &["centimeters", "millimeters", "meters", "inches", "feet"];
const WEIGHT_UNITS: &[&str] = &["grams", "kilograms", "ounces", "pounds"];
const VOLUME_UNITS: &[&str] = &["milliliters", "liters", "fluid_ounces"];
const SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL", "One Size"];
const AGE_GROUPS: &[&str] = &["adult", "big_kid", "little_kid", "toddler", "infant"];
const GENDERS: &[&str] = &["male", "female", "unisex"];
const BINDINGS: &[&str] = &["paperback", "hardcover", "mass_market", "board_book"];
const MATERIALS: &[&str] = &[
    "cotton",
    "polyester",
    "leather",
    "stainless_steel",
    "plastic",
    "ceramic",
    "glass",
    "wood",
    "nylon",
    "rubber",
];

/// The attributes every product type has.
const COMMON: &[Attr] = &[
    product({
        let mut x = a("item_name", "Item Name", Kind::Text(200), Group::Identity);
        x.localized = true;
        x
    }),
    product({
        let mut x = a("brand", "Brand Name", Kind::Text(100), Group::Identity);
        x.localized = true;
        x
    }),
    a(
        "externally_assigned_product_identifier",
        "External Product ID",
        Kind::ExternalId,
        Group::Identity,
    ),
    a(
        "merchant_suggested_asin",
        "Merchant Suggested ASIN",
        Kind::Asin,
        Group::Identity,
    ),
    a(
        "supplier_declared_has_product_identifier_exemption",
        "Product Identifier Exemption",
        Kind::Enum(&["true", "false"]),
        Group::Identity,
    ),
    {
        let mut x = a(
            "item_type_keyword",
            "Item Type Keyword",
            Kind::Text(100),
            Group::Identity,
        );
        x.localized = true;
        x
    },
    text("manufacturer", "Manufacturer", 100),
    text("model_number", "Model Number", 40),
    text("part_number", "Part Number", 40),
    text("product_description", "Product Description", 2000),
    many(text("bullet_point", "Bullet Point", 500), 10),
    many(text("generic_keyword", "Search Terms", 250), 5),
    text("color", "Color", 100),
    many(
        a(
            "material",
            "Material",
            Kind::Enum(MATERIALS),
            Group::Details,
        ),
        3,
    ),
    a(
        "country_of_origin",
        "Country of Origin",
        Kind::Text(2),
        Group::Safety,
    ),
    a(
        "supplier_declared_dg_hz_regulation",
        "Dangerous Goods Regulations",
        Kind::Enum(&[
            "not_applicable",
            "ghs",
            "storage",
            "transportation",
            "other",
        ]),
        Group::Safety,
    ),
    a(
        "batteries_required",
        "Batteries Required",
        Kind::Enum(&["true", "false"]),
        Group::Safety,
    ),
    {
        let mut x = a(
            "condition_type",
            "Item Condition",
            Kind::Enum(CONDITIONS),
            Group::Offer,
        );
        x.offer_required = true;
        x
    },
    text("condition_note", "Offer Condition Note", 1000),
    a("list_price", "List Price", Kind::ListPrice, Group::Offer),
    a(
        "purchasable_offer",
        "Purchasable Offer",
        Kind::PurchasableOffer,
        Group::Offer,
    ),
    a(
        "cost_price",
        "Procurement Cost",
        Kind::ListPrice,
        Group::Offer,
    ),
    a(
        "max_order_quantity",
        "Maximum Order Quantity",
        Kind::Integer,
        Group::Offer,
    ),
    {
        let mut x = a(
            "fulfillment_availability",
            "Fulfillment Availability",
            Kind::FulfillmentAvailability,
            Group::Fulfillment,
        );
        x.per_marketplace = false;
        x
    },
    a(
        "merchant_shipping_group",
        "Shipping Template",
        Kind::Text(100),
        Group::Fulfillment,
    ),
    a(
        "item_package_dimensions",
        "Item Package Dimensions",
        Kind::Dimensions,
        Group::Fulfillment,
    ),
    a(
        "item_package_weight",
        "Item Package Weight",
        Kind::Measure(WEIGHT_UNITS),
        Group::Fulfillment,
    ),
    a(
        "number_of_items",
        "Number of Items",
        Kind::Integer,
        Group::Details,
    ),
    a(
        "parentage_level",
        "Parentage Level",
        Kind::Enum(&["parent", "child"]),
        Group::Variations,
    ),
    a(
        "child_parent_sku_relationship",
        "Child Parent SKU Relationship",
        Kind::ChildParent,
        Group::Variations,
    ),
    a(
        "variation_theme",
        "Variation Theme",
        Kind::VariationTheme,
        Group::Variations,
    ),
];

/// A product type: its name, display name, the words that find it, its browse classification
/// and the attributes it adds to the common ones.
#[derive(Debug, Clone, Copy)]
pub struct ProductTypeSpec {
    /// `SHIRT`, `HOME`, ...
    pub name: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Words that find it in `searchDefinitionsProductTypes`.
    pub keywords: &'static [&'static str],
    /// Its browse classification (node id, display name) in the catalog.
    pub classification: (&'static str, &'static str),
    /// Whether items of the type come in size/color variations.
    pub variations: bool,
    extra: &'static [Attr],
}

const fn pt(
    name: &'static str,
    display_name: &'static str,
    keywords: &'static [&'static str],
    classification: (&'static str, &'static str),
    variations: bool,
    extra: &'static [Attr],
) -> ProductTypeSpec {
    ProductTypeSpec {
        name,
        display_name,
        keywords,
        classification,
        variations,
        extra,
    }
}

const APPAREL: &[Attr] = &[
    product(a("size", "Size", Kind::Enum(SIZES), Group::Details)),
    product(a(
        "department",
        "Department",
        Kind::Enum(&["mens", "womens", "boys", "girls", "unisex-adult"]),
        Group::Details,
    )),
    product(text("color", "Color", 100)),
    a(
        "target_gender",
        "Target Gender",
        Kind::Enum(GENDERS),
        Group::Details,
    ),
    a(
        "age_range_description",
        "Age Range",
        Kind::Enum(AGE_GROUPS),
        Group::Details,
    ),
    text("fabric_type", "Fabric Type", 200),
];

/// Every product type spapi knows.
pub const PRODUCT_TYPES: &[ProductTypeSpec] = &[
    pt(
        "PRODUCT",
        "Product",
        &["product", "general", "other", "misc"],
        ("16310091", "Industrial & Scientific"),
        false,
        &[],
    ),
    pt(
        "SHIRT",
        "Shirt",
        &[
            "shirt", "t-shirt", "tee", "blouse", "top", "polo", "clothing", "apparel",
        ],
        ("2476517011", "Shirts"),
        true,
        APPAREL,
    ),
    pt(
        "PANTS",
        "Pants",
        &[
            "pants", "trousers", "jeans", "chinos", "leggings", "clothing",
        ],
        ("1045684", "Pants"),
        true,
        APPAREL,
    ),
    pt(
        "DRESS",
        "Dress",
        &["dress", "gown", "sundress", "clothing"],
        ("1045024", "Dresses"),
        true,
        APPAREL,
    ),
    pt(
        "SHOES",
        "Shoes",
        &[
            "shoes", "sneakers", "running", "boots", "sandals", "footwear",
        ],
        ("679255011", "Shoes"),
        true,
        &[
            product(a(
                "footwear_size",
                "Footwear Size",
                Kind::Enum(&["6", "7", "8", "9", "10", "11", "12"]),
                Group::Details,
            )),
            product(text("color", "Color", 100)),
            a(
                "target_gender",
                "Target Gender",
                Kind::Enum(GENDERS),
                Group::Details,
            ),
            text("sole_material", "Sole Material", 100),
        ],
    ),
    pt(
        "LUGGAGE",
        "Luggage",
        &["luggage", "suitcase", "carry-on", "travel", "bag"],
        ("15743631", "Luggage"),
        false,
        &[
            a(
                "capacity",
                "Capacity",
                Kind::Measure(VOLUME_UNITS),
                Group::Details,
            ),
            a(
                "wheel_type",
                "Wheel Type",
                Kind::Enum(&["spinner", "inline", "none"]),
                Group::Details,
            ),
        ],
    ),
    pt(
        "BACKPACK",
        "Backpack",
        &["backpack", "rucksack", "daypack", "bag", "school"],
        ("360832011", "Backpacks"),
        false,
        &[a(
            "capacity",
            "Capacity",
            Kind::Measure(VOLUME_UNITS),
            Group::Details,
        )],
    ),
    pt(
        "HOME",
        "Home",
        &["home", "pillow", "decor", "cushion", "blanket", "throw"],
        ("1063498", "Home Décor"),
        false,
        &[text("style", "Style", 100), text("pattern", "Pattern", 100)],
    ),
    pt(
        "KITCHEN",
        "Kitchen",
        &["kitchen", "knife", "cookware", "utensil", "chef", "cutlery"],
        ("284507", "Kitchen & Dining"),
        false,
        &[
            product(many(
                a(
                    "material",
                    "Material",
                    Kind::Enum(MATERIALS),
                    Group::Details,
                ),
                3,
            )),
            a(
                "blade_length",
                "Blade Length",
                Kind::Measure(LENGTH_UNITS),
                Group::Details,
            ),
            a(
                "is_dishwasher_safe",
                "Dishwasher Safe",
                Kind::Enum(&["true", "false"]),
                Group::Details,
            ),
        ],
    ),
    pt(
        "DRINKING_CUP",
        "Drinking Cup",
        &["mug", "cup", "coffee", "tea", "tumbler"],
        ("915194", "Coffee Mugs"),
        false,
        &[a(
            "capacity",
            "Capacity",
            Kind::Measure(VOLUME_UNITS),
            Group::Details,
        )],
    ),
    pt(
        "BOTTLE",
        "Bottle",
        &["bottle", "water", "flask", "hydration"],
        ("3741511", "Water Bottles"),
        false,
        &[product(a(
            "capacity",
            "Capacity",
            Kind::Measure(VOLUME_UNITS),
            Group::Details,
        ))],
    ),
    pt(
        "LAMP",
        "Lamp",
        &["lamp", "light", "lighting", "desk", "led"],
        ("1063292", "Lamps"),
        false,
        &[
            a(
                "light_source_type",
                "Light Source",
                Kind::Enum(&["led", "incandescent", "halogen", "fluorescent"]),
                Group::Details,
            ),
            a(
                "wattage",
                "Wattage",
                Kind::Measure(&["watts"]),
                Group::Details,
            ),
        ],
    ),
    pt(
        "TOY_FIGURE",
        "Toy Figure",
        &["toy", "figure", "action figure", "collectible", "kids"],
        ("166026011", "Action Figures"),
        false,
        &[
            product(a(
                "age_range_description",
                "Age Range",
                Kind::Enum(AGE_GROUPS),
                Group::Details,
            )),
            a(
                "manufacturer_minimum_age",
                "Minimum Age (months)",
                Kind::Integer,
                Group::Safety,
            ),
            a(
                "is_assembly_required",
                "Assembly Required",
                Kind::Enum(&["true", "false"]),
                Group::Details,
            ),
        ],
    ),
    pt(
        "BOOK",
        "Book",
        &["book", "novel", "paperback", "hardcover", "reading"],
        ("283155", "Books"),
        false,
        &[
            product(many(text("author", "Author", 200), 5)),
            product(a(
                "binding",
                "Binding",
                Kind::Enum(BINDINGS),
                Group::Details,
            )),
            text("publisher", "Publisher", 200),
            a("pages", "Number of Pages", Kind::Integer, Group::Details),
            text("language", "Language", 50),
        ],
    ),
    pt(
        "SPORTING_GOODS",
        "Sporting Goods",
        &["sport", "yoga", "mat", "fitness", "exercise", "outdoor"],
        ("3407731", "Yoga Mats"),
        false,
        &[text("sport_type", "Sport", 100)],
    ),
    pt(
        "WATCH",
        "Watch",
        &["watch", "wristwatch", "timepiece"],
        ("6358539011", "Watches"),
        false,
        &[
            a(
                "water_resistance_level",
                "Water Resistance",
                Kind::Enum(&["not_water_resistant", "water_resistant", "waterproof"]),
                Group::Details,
            ),
            a(
                "band_material_type",
                "Band Material",
                Kind::Enum(MATERIALS),
                Group::Details,
            ),
        ],
    ),
    pt(
        "HEADPHONES",
        "Headphones",
        &["headphones", "earbuds", "headset", "audio", "wireless"],
        ("172541", "Headphones"),
        false,
        &[
            a(
                "connectivity_technology",
                "Connectivity",
                Kind::Enum(&["wired", "bluetooth", "usb"]),
                Group::Details,
            ),
            product(a(
                "batteries_required",
                "Batteries Required",
                Kind::Enum(&["true", "false"]),
                Group::Safety,
            )),
        ],
    ),
    pt(
        "CELLULAR_PHONE_CASE",
        "Cellular Phone Case",
        &["phone case", "case", "cover", "iphone", "smartphone"],
        ("2407760011", "Cell Phone Cases"),
        false,
        &[product(text(
            "compatible_phone_models",
            "Compatible Phone Models",
            200,
        ))],
    ),
    pt(
        "PET_SUPPLIES",
        "Pet Supplies",
        &["pet", "dog", "cat", "leash", "bowl", "toy"],
        ("2619533011", "Pet Supplies"),
        false,
        &[a(
            "target_species",
            "Target Species",
            Kind::Enum(&["dog", "cat", "bird", "fish", "small_animal"]),
            Group::Details,
        )],
    ),
    pt(
        "BEAUTY",
        "Beauty",
        &["beauty", "makeup", "cosmetic", "lipstick", "skin"],
        ("3760911", "Beauty & Personal Care"),
        false,
        &[
            text("scent", "Scent", 100),
            a(
                "item_volume",
                "Volume",
                Kind::Measure(VOLUME_UNITS),
                Group::Details,
            ),
        ],
    ),
    pt(
        "OFFICE_PRODUCTS",
        "Office Products",
        &["office", "stationery", "pen", "notebook", "desk", "paper"],
        ("1064954", "Office Products"),
        false,
        &[],
    ),
    pt(
        "GROCERY",
        "Grocery",
        &["grocery", "food", "snack", "coffee beans", "tea"],
        ("16310101", "Grocery & Gourmet Food"),
        false,
        &[
            product(a(
                "item_package_weight",
                "Item Package Weight",
                Kind::Measure(WEIGHT_UNITS),
                Group::Fulfillment,
            )),
            text("flavor", "Flavor", 100),
        ],
    ),
    pt(
        "FURNITURE",
        "Furniture",
        &["furniture", "chair", "table", "desk", "shelf", "sofa"],
        ("1063306", "Furniture"),
        false,
        &[a(
            "is_assembly_required",
            "Assembly Required",
            Kind::Enum(&["true", "false"]),
            Group::Details,
        )],
    ),
    pt(
        "SUNGLASSES",
        "Sunglasses",
        &["sunglasses", "eyewear", "shades"],
        ("1045002", "Sunglasses"),
        false,
        &[a(
            "lens_material_type",
            "Lens Material",
            Kind::Enum(&["plastic", "glass", "polycarbonate"]),
            Group::Details,
        )],
    ),
];

/// The product type `name`.
pub fn spec(name: &str) -> Option<&'static ProductTypeSpec> {
    PRODUCT_TYPES.iter().find(|p| p.name == name)
}

impl ProductTypeSpec {
    /// Common attributes plus the type's own (the type's win on a name clash).
    fn attrs(&self) -> Vec<Attr> {
        let mut out: Vec<Attr> = COMMON
            .iter()
            .filter(|c| !self.extra.iter().any(|e| e.name == c.name))
            .copied()
            .collect();
        out.extend(self.extra.iter().copied());
        out
    }
}

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

/// Product types matching `keywords` (any, against name, display name and keywords) and an
/// item name (its words against the keywords), best match first.
pub fn search(keywords: &[String], item_name: Option<&str>) -> Vec<&'static ProductTypeSpec> {
    let words: Vec<String> = item_name
        .map(|n| {
            n.split(|c: char| !c.is_alphanumeric() && c != '-')
                .filter(|w| w.len() > 2)
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default();
    let kws: Vec<String> = keywords
        .iter()
        .map(|k| k.trim().to_lowercase())
        .filter(|k| !k.is_empty())
        .collect();
    if kws.is_empty() && words.is_empty() {
        return PRODUCT_TYPES.iter().collect();
    }
    let mut scored: Vec<(usize, &'static ProductTypeSpec)> = PRODUCT_TYPES
        .iter()
        .filter_map(|p| {
            let name = p.name.to_lowercase();
            let display = p.display_name.to_lowercase();
            let mut score = 0;
            for k in &kws {
                if name == *k || display == *k {
                    score += 10;
                } else if name.contains(k.as_str())
                    || display.contains(k.as_str())
                    || p.keywords.iter().any(|w| w.contains(k.as_str()))
                {
                    score += 3;
                }
            }
            for w in &words {
                let singular = w.trim_end_matches('s');
                if p.keywords
                    .iter()
                    .any(|k| k.split(' ').any(|kw| kw == w || kw == singular))
                {
                    score += 2;
                }
            }
            (score > 0).then_some((score, p))
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(b.1.name)));
    if !words.is_empty() && kws.is_empty() {
        // An item name recommends the best product types only.
        let best = scored.first().map(|s| s.0).unwrap_or(0);
        scored.retain(|s| s.0 == best);
    }
    scored.into_iter().map(|(_, p)| p).collect()
}

/// One problem with a submission, in the Listings API's `Issue` shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Amazon's issue code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// `ERROR` or `WARNING`.
    pub severity: &'static str,
    /// The attributes concerned.
    pub attribute_names: Vec<String>,
    /// `MISSING_ATTRIBUTE`, `INVALID_ATTRIBUTE`...
    pub categories: Vec<&'static str>,
}

impl Issue {
    /// The issue as the Listings API's `Issue` JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "attributeNames": self.attribute_names,
            "categories": self.categories,
        })
    }
}

// Issue codes as Amazon reports them: 90220 for a required attribute that is missing, 99022
// for a value without enough fields or items, 4000001 for a value that is not valid.
/// A required attribute is missing.
pub const MISSING: &str = "90220";
/// A value is not valid.
pub const INVALID: &str = "4000001";
/// A value lacks a field or has too few / too many values.
pub const INCOMPLETE: &str = "99022";

fn missing(name: &str, title: &str) -> Issue {
    Issue {
        code: MISSING,
        message: format!("'{title}' is required but not supplied."),
        severity: "ERROR",
        attribute_names: vec![name.to_string()],
        categories: vec!["MISSING_ATTRIBUTE"],
    }
}

fn invalid(name: &str, title: &str, why: &str) -> Issue {
    Issue {
        code: INVALID,
        message: format!("The provided value for '{title}' is invalid. {why}"),
        severity: "ERROR",
        attribute_names: vec![name.to_string()],
        categories: vec!["INVALID_ATTRIBUTE"],
    }
}

fn incomplete(name: &str, title: &str, why: &str) -> Issue {
    Issue {
        code: INCOMPLETE,
        message: format!("The attribute '{title}' is incomplete. {why}"),
        severity: "ERROR",
        attribute_names: vec![name.to_string()],
        categories: vec!["INVALID_ATTRIBUTE"],
    }
}

/// Checks `value` against a (subset of JSON Schema) `schema`; the first problem, if any.
/// Understood: type, enum, minLength, maxLength, minimum, maximum, pattern (the few shapes the
/// product type schemas use), minItems, maxItems, items, required, properties,
/// additionalProperties: false.
fn check(schema: &Value, value: &Value, at: &str) -> Option<(bool, String)> {
    // (true, _) = a field is missing (incomplete), (false, _) = a value is wrong.
    let ty = schema.get("type").and_then(Value::as_str);
    match ty {
        Some("object") => {
            let Some(obj) = value.as_object() else {
                return Some((false, format!("{at} must be an object.")));
            };
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        return Some((true, format!("Required value missing for field '{r}'.")));
                    }
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => {
                        if let Some(p) = check(s, v, k) {
                            return Some(p);
                        }
                    }
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Some((false, format!("The field '{k}' is not allowed.")));
                    }
                    None => {}
                }
            }
            None
        }
        Some("array") => {
            let Some(arr) = value.as_array() else {
                return Some((false, format!("{at} must be an array.")));
            };
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = schema.get("maxItems").and_then(Value::as_u64);
            if arr.len() < min {
                return Some((
                    true,
                    format!(
                        "'{at}' does not have enough values. The required minimum is '{min}' value(s)."
                    ),
                ));
            }
            if let Some(max) = max
                && arr.len() as u64 > max
            {
                return Some((
                    false,
                    format!("'{at}' has too many values. The allowed maximum is '{max}' value(s)."),
                ));
            }
            let items = schema.get("items")?;
            arr.iter().find_map(|v| check(items, v, at))
        }
        Some("string") => {
            let Some(s) = value.as_str() else {
                return Some((false, format!("'{at}' must be text.")));
            };
            if let Some(e) = schema.get("enum").and_then(Value::as_array)
                && !e.iter().any(|x| x.as_str() == Some(s))
            {
                let allowed: Vec<&str> = e.iter().filter_map(Value::as_str).collect();
                return Some((
                    false,
                    format!(
                        "'{s}' is not one of the allowed values: {}.",
                        allowed.join(", ")
                    ),
                ));
            }
            let n = s.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && n < min
            {
                return Some((false, format!("'{at}' is shorter than {min} characters.")));
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && n > max
            {
                return Some((false, format!("'{at}' is longer than {max} characters.")));
            }
            if let Some(p) = schema.get("pattern").and_then(Value::as_str)
                && !pattern_matches(p, s)
            {
                return Some((false, format!("'{s}' is not in the expected format.")));
            }
            None
        }
        Some("number") | Some("integer") => {
            let ok = if ty == Some("integer") {
                value.is_i64() || value.is_u64()
            } else {
                value.is_number()
            };
            if !ok {
                return Some((
                    false,
                    format!(
                        "'{at}' must be {}.",
                        if ty == Some("integer") {
                            "a whole number"
                        } else {
                            "a number"
                        }
                    ),
                ));
            }
            let v = value.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && v < min
            {
                return Some((false, format!("'{at}' must be at least {min}.")));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && v > max
            {
                return Some((false, format!("'{at}' must be at most {max}.")));
            }
            None
        }
        _ => None,
    }
}

/// The few patterns the schemas use: `^[0-9]{a,b}$`, `^[0-9A-Z]{n}$`, `^[A-Z]{n}$`.
fn pattern_matches(pattern: &str, s: &str) -> bool {
    let Some(inner) = pattern.strip_prefix('^').and_then(|p| p.strip_suffix('$')) else {
        return true;
    };
    let Some((class, count)) = inner.split_once(']') else {
        return true;
    };
    let class = class.trim_start_matches('[');
    let ok_char = |c: char| {
        (class.contains("0-9") && c.is_ascii_digit())
            || (class.contains("A-Z") && c.is_ascii_uppercase())
    };
    let count = count.trim_start_matches('{').trim_end_matches('}');
    let (lo, hi) = match count.split_once(',') {
        Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(usize::MAX)),
        None => {
            let n = count.parse().unwrap_or(0);
            (n, n)
        }
    };
    let n = s.chars().count();
    n >= lo && n <= hi && s.chars().all(ok_char)
}

/// Validates `attributes` against the product type's schema for `req` (as served by
/// `getDefinitionsProductType` with the same requirements, enforced). Returns the issues,
/// ordered by attribute name; none means valid.
pub fn validate(
    spec: &ProductTypeSpec,
    req: Requirements,
    attributes: &Map<String, Value>,
    marketplace_id: &str,
) -> Vec<Issue> {
    let doc = schema(spec, req, true).doc;
    let props = doc["properties"].as_object().cloned().unwrap_or_default();
    let attrs = spec.attrs();
    let title_of = |name: &str| {
        attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.title)
            .unwrap_or("")
            .to_string()
    };
    let mut issues = Vec::new();
    for name in doc["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !attributes.contains_key(name) {
            issues.push(missing(name, &title_of(name)));
        }
    }
    if let Some(any) = doc.get("anyOf").and_then(Value::as_array) {
        let names: Vec<&str> = any
            .iter()
            .filter_map(|s| s["required"][0].as_str())
            .collect();
        if !names.iter().any(|n| attributes.contains_key(*n)) {
            issues.push(Issue {
                code: MISSING,
                message: "A product identifier is required but not supplied: provide \
                          'External Product ID', 'Merchant Suggested ASIN' or a product \
                          identifier exemption."
                    .into(),
                severity: "ERROR",
                attribute_names: names.iter().map(|n| n.to_string()).collect(),
                categories: vec!["MISSING_ATTRIBUTE"],
            });
        }
    }
    for (name, value) in attributes {
        let Some(schema) = props.get(name) else {
            issues.push(invalid(
                name,
                name,
                &format!(
                    "'{name}' is not an attribute of product type '{}'.",
                    spec.name
                ),
            ));
            continue;
        };
        let title = title_of(name);
        if let Some((is_missing, why)) = check(schema, value, name) {
            issues.push(if is_missing {
                incomplete(name, &title, &why)
            } else {
                invalid(name, &title, &why)
            });
            continue;
        }
        // Values for another marketplace than the one submitted to are refused.
        let foreign = value.as_array().into_iter().flatten().any(|v| {
            v.get("marketplace_id")
                .and_then(Value::as_str)
                .is_some_and(|m| m != marketplace_id)
        });
        if foreign {
            issues.push(invalid(
                name,
                &title,
                &format!(
                    "The marketplace_id must be the submitted marketplace '{marketplace_id}'."
                ),
            ));
        }
    }
    issues.sort_by(|a, b| a.attribute_names.cmp(&b.attribute_names));
    issues
}

/// Whether `name` is an offer (sales terms) attribute.
pub fn is_offer_attribute(name: &str) -> bool {
    COMMON
        .iter()
        .any(|a| a.name == name && matches!(a.group, Group::Offer | Group::Fulfillment))
}

/// Product facts for a generated catalog item of this type: every attribute product facts
/// require, plus identity, description and package attributes, in the catalog's form (values
/// without `marketplace_id`). `pick` chooses among `n` values; `ean` is the item's EAN.
pub fn example_attributes(
    spec: &ProductTypeSpec,
    item_name: &str,
    brand: &str,
    color: &str,
    ean: &str,
    pick: &mut dyn FnMut(usize) -> usize,
) -> Map<String, Value> {
    let lang = "en_US";
    let mut out = Map::new();
    let text = |v: &str| json!([{"value": v, "language_tag": lang}]);
    out.insert("item_name".into(), text(item_name));
    out.insert("brand".into(), text(brand));
    out.insert("manufacturer".into(), text(brand));
    out.insert(
        "externally_assigned_product_identifier".into(),
        json!([{"type": "ean", "value": ean}]),
    );
    out.insert(
        "item_type_keyword".into(),
        text(&spec.display_name.to_lowercase().replace(' ', "-")),
    );
    out.insert("color".into(), text(color));
    out.insert(
        "bullet_point".into(),
        json!([
            {"value": format!("{brand} quality you can rely on"), "language_tag": lang},
            {"value": format!("{} for everyday use", spec.display_name), "language_tag": lang},
        ]),
    );
    out.insert(
        "product_description".into(),
        text(&format!("The {item_name} by {brand}.")),
    );
    out.insert(
        "model_number".into(),
        json!([{"value": format!("{}-{}", &spec.name[..spec.name.len().min(3)], &ean[ean.len() - 5..]), "language_tag": lang}]),
    );
    let cm = |n: usize| json!({"value": (n as f64) + 0.5, "unit": "centimeters"});
    out.insert(
        "item_package_dimensions".into(),
        json!([{"length": cm(5 + pick(50)), "width": cm(5 + pick(30)), "height": cm(2 + pick(25))}]),
    );
    out.insert(
        "item_package_weight".into(),
        json!([{"value": 80 + pick(3900), "unit": "grams"}]),
    );
    for at in spec.attrs() {
        if !at.product_required || out.contains_key(at.name) {
            continue;
        }
        let mut v = match at.kind {
            Kind::Text(_) => json!({"value": format!("{} {}", brand, at.title)}),
            Kind::Enum(values) => json!({"value": values[pick(values.len())]}),
            Kind::Integer => json!({"value": 1 + pick(10)}),
            Kind::Measure(units) => json!({"value": 100 + pick(900), "unit": units[0]}),
            _ => continue,
        };
        if at.localized {
            v["language_tag"] = json!(lang);
        }
        out.insert(at.name.into(), json!([v]));
    }
    out
}
