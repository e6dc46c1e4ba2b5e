//! The product type table: every product type spapi knows, its attributes and their rules.

use crate::market::restrictions::CONDITIONS;
use serde_json::{Map, Value, json};

/// The shape of an attribute's value.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
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
pub(super) enum Group {
    Identity,
    Offer,
    Fulfillment,
    Details,
    Variations,
    Safety,
}

impl Group {
    pub(super) fn name(self) -> &'static str {
        match self {
            Group::Identity => "product_identity",
            Group::Offer => "offer",
            Group::Fulfillment => "fulfillment",
            Group::Details => "product_details",
            Group::Variations => "variations",
            Group::Safety => "safety_and_compliance",
        }
    }

    pub(super) fn title(self) -> &'static str {
        match self {
            Group::Identity => "Product Identity",
            Group::Offer => "Offer",
            Group::Fulfillment => "Fulfillment",
            Group::Details => "Product Details",
            Group::Variations => "Variations",
            Group::Safety => "Safety & Compliance",
        }
    }

    pub(super) fn all() -> [Group; 6] {
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
pub(super) struct Attr {
    pub(super) name: &'static str,
    pub(super) title: &'static str,
    pub(super) kind: Kind,
    pub(super) group: Group,
    /// Needed when product facts are required.
    pub(super) product_required: bool,
    /// Needed when sales terms are required.
    pub(super) offer_required: bool,
    /// Values are per marketplace (`marketplace_id`).
    pub(super) per_marketplace: bool,
    /// Values are per language (`language_tag`).
    pub(super) localized: bool,
    pub(super) max_items: u32,
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

pub(super) const LENGTH_UNITS: &[&str] =
    &["centimeters", "millimeters", "meters", "inches", "feet"];
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
    pub(super) fn attrs(&self) -> Vec<Attr> {
        let mut out: Vec<Attr> = COMMON
            .iter()
            .filter(|c| !self.extra.iter().any(|e| e.name == c.name))
            .copied()
            .collect();
        out.extend(self.extra.iter().copied());
        out
    }
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
