//! Listings Items 2021-08-01 over real HTTP: put, patch, delete, get and search, validation
//! against the product type schemas (one test per rule), and how a listing change reaches the
//! catalog, the buyer simulator, FBA stock and the outbox. Every response is checked against
//! Amazon's model; every LISTINGS_ITEM_* payload against Amazon's notification schema.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::market::paging::UNDECODABLE;
use spapi_server::store::StoreConfig;
use std::sync::atomic::{AtomicUsize, Ordering};

const LISTINGS: &str = "models/listings-items-api-model/listingsItems_2021-08-01.json";
const CATALOG: &str = "models/catalog-items-api-model/catalogItems_2022-04-01.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";

static CHECKED: AtomicUsize = AtomicUsize::new(0);

fn frozen(store: StoreConfig) -> ServerConfig {
    ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    }
}

fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
        CHECKED.fetch_add(1, Ordering::Relaxed);
    }
}

struct Api<'a> {
    w: &'a World,
    token: String,
}

impl Api<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut req = self
            .w
            .http
            .request(method, format!("{}{path}", self.w.base))
            .header("x-amz-access-token", &self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn item_path(&self, sku: &str) -> String {
        format!("/listings/2021-08-01/items/{}/{sku}", self.w.seller_id)
    }

    async fn put(&self, sku: &str, query: &str, body: &Value) -> (u16, Value) {
        let path = format!("{}?marketplaceIds={US}{query}", self.item_path(sku));
        let (s, b) = self.call(Method::PUT, &path, Some(body)).await;
        conforms(LISTINGS, "putListingsItem", s, &b);
        (s, b)
    }

    async fn patch(&self, sku: &str, query: &str, body: &Value) -> (u16, Value) {
        let path = format!("{}?marketplaceIds={US}{query}", self.item_path(sku));
        let (s, b) = self.call(Method::PATCH, &path, Some(body)).await;
        conforms(LISTINGS, "patchListingsItem", s, &b);
        (s, b)
    }

    async fn delete(&self, sku: &str) -> (u16, Value) {
        let path = format!("{}?marketplaceIds={US}", self.item_path(sku));
        let (s, b) = self.call(Method::DELETE, &path, None).await;
        conforms(LISTINGS, "deleteListingsItem", s, &b);
        (s, b)
    }

    async fn get(&self, sku: &str, included: &str) -> (u16, Value) {
        let path = format!(
            "{}?marketplaceIds={US}&includedData={included}",
            self.item_path(sku)
        );
        let (s, b) = self.call(Method::GET, &path, None).await;
        conforms(LISTINGS, "getListingsItem", s, &b);
        (s, b)
    }

    async fn search(&self, query: &str) -> (u16, Value) {
        let path = format!(
            "/listings/2021-08-01/items/{}?marketplaceIds={US}{query}",
            self.w.seller_id
        );
        let (s, b) = self.call(Method::GET, &path, None).await;
        conforms(LISTINGS, "searchListingsItems", s, &b);
        (s, b)
    }

    async fn catalog(&self, path: &str, op: &str) -> (u16, Value) {
        let (s, b) = self.call(Method::GET, path, None).await;
        conforms(CATALOG, op, s, &b);
        (s, b)
    }

    async fn advance(&self, seconds: i64) {
        let (s, b) = self
            .w
            .control(
                Method::POST,
                "/clock",
                Some(json!({"advance_seconds": seconds})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    async fn outbox(&self) -> Vec<Value> {
        let (_, b) = self
            .w
            .control(Method::GET, "/outbox?limit=1000", None)
            .await;
        b["events"].as_array().cloned().unwrap_or_default()
    }
}

/// A page token as a query value: Amazon's tokens are base64 with `+`, `/` and `=`.
fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn start(store: StoreConfig) -> (World, String) {
    let w = World::start_with(frozen(store), &[]).await;
    let token = w.access_token().await;
    (w, token)
}

/// A complete SHIRT listing: product facts and an MFN offer.
fn shirt(ean: &str, price: f64, quantity: i64) -> Value {
    json!({
        "productType": "SHIRT",
        "requirements": "LISTING",
        "attributes": {
            "item_name": [{"value": "Harbor Linen Shirt, Sand", "language_tag": "en_US", "marketplace_id": US}],
            "brand": [{"value": "Harbor", "language_tag": "en_US", "marketplace_id": US}],
            "externally_assigned_product_identifier": [{"type": "ean", "value": ean, "marketplace_id": US}],
            "color": [{"value": "Sand", "language_tag": "en_US", "marketplace_id": US}],
            "size": [{"value": "M", "marketplace_id": US}],
            "department": [{"value": "mens", "marketplace_id": US}],
            "bullet_point": [{"value": "Pure linen", "language_tag": "en_US", "marketplace_id": US}],
            "product_description": [{"value": "A light shirt.", "language_tag": "en_US", "marketplace_id": US}],
            "condition_type": [{"value": "new_new", "marketplace_id": US}],
            "purchasable_offer": [{"currency": "USD", "marketplace_id": US,
                "our_price": [{"schedule": [{"value_with_tax": price}]}]}],
            "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
        }
    })
}

fn issue_codes(body: &Value) -> Vec<(String, Vec<String>, String)> {
    body["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["code"].as_str().unwrap().to_string(),
                i["attributeNames"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
                i["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Checks an outbox payload of `topic` against the `Payload` of Amazon's notification schema.
fn payload_conforms(topic: &str, payload: &Value) {
    let Some(c) = spapi_conformance::Conformance::global() else {
        return;
    };
    let file = match topic {
        "LISTINGS_ITEM_STATUS_CHANGE" => "ListingsItemStatusChangeNotification.json",
        "LISTINGS_ITEM_ISSUES_CHANGE" => "ListingsItemIssuesChangeNotification.json",
        "LISTINGS_ITEM_MFN_QUANTITY_CHANGE" => "ListingsItemMfnQuantityChange.json",
        _ => return,
    };
    let text = std::fs::read_to_string(c.dir().join("schemas/notifications").join(file)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let mut sub = schema["properties"]["Payload"].clone();
    sub["$schema"] = schema["$schema"].clone();
    let dir = std::env::temp_dir().join(format!("spapi-listings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(file), sub.to_string()).unwrap();
    if let Err(e) = spapi_conformance::validate_schema_file(&dir, file, payload) {
        panic!("{topic} payload does not conform: {e:#?}\n{payload:#}");
    }
    CHECKED.fetch_add(1, Ordering::Relaxed);
}

fn events_of<'a>(events: &'a [Value], topic: &str, sku: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["topic"] == topic && e["payload"]["Sku"] == sku)
        .map(|e| &e["payload"])
        .collect()
}

#[tokio::test]
async fn a_new_product_gets_an_asin_on_the_clock_and_the_catalog_finds_it() {
    let (w, token) = start(StoreConfig::SqliteMemory).await;
    let api = Api { w: &w, token };
    let (s, b) = api
        .put(
            "LINEN-M",
            "&includedData=issues,identifiers",
            &shirt("4006381333931", 24.5, 7),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "ACCEPTED");
    assert_eq!(b["sku"], "LINEN-M");
    assert!(b["identifiers"].as_array().unwrap().is_empty(), "{b}");
    // Not in the catalog yet: no ASIN, no status.
    let (s, got) = api
        .get("LINEN-M", "summaries,offers,fulfillmentAvailability")
        .await;
    assert_eq!(s, 200, "{got}");
    let summary = &got["summaries"][0];
    assert!(summary.get("asin").is_none(), "{got}");
    assert_eq!(summary["status"], json!([]));
    assert_eq!(got["offers"][0]["price"]["amount"], "24.50");
    assert_eq!(got["fulfillmentAvailability"][0]["quantity"], 7);
    let by_ean = "/catalog/2022-04-01/items?marketplaceIds=ATVPDKIKX0DER&identifiers=4006381333931&identifiersType=EAN";
    let (_, found) = api.catalog(by_ean, "searchCatalogItems").await;
    assert_eq!(found["numberOfResults"], 0);

    api.advance(11 * 60).await;
    let (_, got) = api.get("LINEN-M", "summaries,attributes").await;
    let summary = &got["summaries"][0];
    let asin = summary["asin"].as_str().expect("an ASIN after the delay");
    assert!(asin.starts_with("B0") && asin.len() == 10, "{asin}");
    assert_eq!(summary["status"], json!(["BUYABLE", "DISCOVERABLE"]));
    assert_eq!(summary["itemName"], "Harbor Linen Shirt, Sand");
    assert_eq!(summary["conditionType"], "new_new");
    assert_eq!(
        got["attributes"]["merchant_suggested_asin"][0]["value"],
        asin
    );
    // The catalog has the product: by EAN, by keywords, by ASIN with every data group.
    let (_, found) = api.catalog(by_ean, "searchCatalogItems").await;
    assert_eq!(found["numberOfResults"], 1, "{found}");
    assert_eq!(found["items"][0]["asin"], asin);
    let (_, found) = api
        .catalog(
            "/catalog/2022-04-01/items?marketplaceIds=ATVPDKIKX0DER&keywords=linen,harbor&includedData=summaries,identifiers",
            "searchCatalogItems",
        )
        .await;
    assert_eq!(found["items"][0]["asin"], asin, "{found}");
    assert_eq!(found["refinements"]["brands"][0]["brandName"], "Harbor");
    let (s, item) = api
        .catalog(
            &format!("/catalog/2022-04-01/items/{asin}?marketplaceIds=ATVPDKIKX0DER&includedData=attributes,summaries,productTypes,identifiers,dimensions,images,classifications"),
            "getCatalogItem",
        )
        .await;
    assert_eq!(s, 200, "{item}");
    assert_eq!(item["productTypes"][0]["productType"], "SHIRT");
    assert_eq!(item["summaries"][0]["brand"], "Harbor");
    assert_eq!(item["summaries"][0]["size"], "M");
    assert_eq!(
        item["identifiers"][0]["identifiers"][0],
        json!({"identifierType": "EAN", "identifier": "4006381333931"})
    );
    // Offer attributes stay with the listing; the catalog has the product facts.
    assert!(
        item["attributes"].get("purchasable_offer").is_none(),
        "{item}"
    );
    assert_eq!(item["attributes"]["color"][0]["value"], "Sand");
    // A second seller's listing with the same EAN attaches to the same ASIN at once: here the
    // same seller with another SKU.
    let (_, b) = api
        .put(
            "LINEN-M-2",
            "&includedData=identifiers",
            &shirt("4006381333931", 23.0, 1),
        )
        .await;
    assert_eq!(b["identifiers"][0]["asin"], asin, "{b}");

    // Events: status (none -> buyable), quantity, and the warnings-free issues.
    let events = api.outbox().await;
    for e in &events {
        payload_conforms(e["topic"].as_str().unwrap(), &e["payload"]);
    }
    let status = events_of(&events, "LISTINGS_ITEM_STATUS_CHANGE", "LINEN-M");
    assert_eq!(status.len(), 1, "{events:#?}");
    assert_eq!(status[0]["Status"], json!(["BUYABLE", "DISCOVERABLE"]));
    assert_eq!(status[0]["Asin"], asin);
    let qty = events_of(&events, "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "LINEN-M");
    assert_eq!(qty.len(), 1);
    assert_eq!(qty[0]["Quantity"], 7);
    assert_eq!(qty[0]["FulfillmentChannelCode"], "DEFAULT");
    eprintln!(
        "{} responses/payloads validated",
        CHECKED.load(Ordering::Relaxed)
    );
}

#[tokio::test]
async fn the_buyer_simulator_orders_a_put_listing_and_its_quantity_falls() {
    let (w, token) = start(StoreConfig::SqliteMemory).await;
    let api = Api { w: &w, token };
    let (_, b) = api
        .put("LINEN-L", "", &shirt("4006381333948", 19.99, 40))
        .await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    api.advance(11 * 60).await;
    let seller = w.seller_id.clone();
    let (s, _) = w
        .control(
            Method::POST,
            &format!("/sellers/{seller}/buyers"),
            Some(json!({"orders_per_hour": 6})),
        )
        .await;
    assert_eq!(s, 200);
    api.advance(3 * 3600).await;
    // Access tokens live an hour of the emulator's clock.
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let placed = w.server.store().count_orders(&seller).await.unwrap();
    assert!(placed > 0, "the buyers ordered the listing");
    let (_, got) = api
        .get("LINEN-L", "fulfillmentAvailability,summaries")
        .await;
    let left = got["fulfillmentAvailability"][0]["quantity"]
        .as_i64()
        .unwrap_or_else(|| panic!("{got}"));
    assert!(left < 40, "quantity fell: {got}");
    // Each order line took one or two units.
    assert!(
        (40 - 2 * placed..=40 - placed).contains(&left),
        "{left} after {placed} orders"
    );
    // The orders are at the listed price.
    let (s, orders) = api
        .call(
            Method::GET,
            "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-06-01T00:00:00Z",
            None,
        )
        .await;
    assert_eq!(s, 200, "{orders}");
    conforms(
        "models/orders-api-model/ordersV0.json",
        "getOrders",
        s,
        &orders,
    );
    let first = orders["payload"]["Orders"][0]["AmazonOrderId"]
        .as_str()
        .unwrap_or_else(|| panic!("{orders}"));
    let (_, items) = api
        .call(
            Method::GET,
            &format!("/orders/v0/orders/{first}/orderItems"),
            None,
        )
        .await;
    let item = &items["payload"]["OrderItems"][0];
    assert_eq!(item["SellerSKU"], "LINEN-L");
    let q = item["QuantityOrdered"].as_i64().unwrap();
    assert_eq!(
        item["ItemPrice"]["Amount"],
        format!("{:.2}", 19.99 * q as f64)
    );
    // Sold out: no longer buyable, still discoverable.
    let (_, b) = api
        .patch(
            "LINEN-L",
            "",
            &json!({"productType": "SHIRT", "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}]}),
        )
        .await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    let (_, got) = api.get("LINEN-L", "summaries").await;
    assert_eq!(got["summaries"][0]["status"], json!(["DISCOVERABLE"]));
    let events = api.outbox().await;
    let status = events_of(&events, "LISTINGS_ITEM_STATUS_CHANGE", "LINEN-L");
    assert_eq!(status.last().unwrap()["Status"], json!(["DISCOVERABLE"]));
    let qty = events_of(&events, "LISTINGS_ITEM_MFN_QUANTITY_CHANGE", "LINEN-L");
    assert_eq!(qty.last().unwrap()["Quantity"], 0);
    // Between the put (40) and the patch (0), each buyer order announced the quantity it left,
    // down to what the listing showed.
    let quantities: Vec<i64> = qty.iter().filter_map(|e| e["Quantity"].as_i64()).collect();
    assert_eq!(quantities.first(), Some(&40), "{quantities:?}");
    let by_orders = &quantities[1..quantities.len() - usize::from(left != 0)];
    assert_eq!(by_orders.len() as i64, placed, "{quantities:?}");
    assert_eq!(by_orders.last(), Some(&left), "{quantities:?}");
    assert!(by_orders.windows(2).all(|w| w[1] < w[0]), "{quantities:?}");
}

#[tokio::test]
async fn each_validation_rule_makes_the_submission_invalid_and_changes_nothing() {
    let (w, token) = start(StoreConfig::SqliteMemory).await;
    let api = Api { w: &w, token };
    let base = shirt("4006381333955", 10.0, 3);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut b = base.clone();
        f(&mut b);
        b
    };
    // (case, body, expected (code, attribute))
    let cases: Vec<(&str, Value, (&str, &str))> = vec![
        (
            "missing required attribute",
            with(&|b| {
                b["attributes"].as_object_mut().unwrap().remove("item_name");
            }),
            ("90220", "item_name"),
        ),
        (
            "missing type-specific attribute",
            with(&|b| {
                b["attributes"].as_object_mut().unwrap().remove("size");
            }),
            ("90220", "size"),
        ),
        (
            "value not in the enumeration",
            with(&|b| b["attributes"]["size"][0]["value"] = json!("XXXL")),
            ("4000001", "size"),
        ),
        (
            "text too long",
            with(&|b| b["attributes"]["item_name"][0]["value"] = json!("x".repeat(201))),
            ("4000001", "item_name"),
        ),
        (
            "wrong type",
            with(&|b| b["attributes"]["fulfillment_availability"][0]["quantity"] = json!("seven")),
            ("4000001", "fulfillment_availability"),
        ),
        (
            "negative number",
            with(&|b| b["attributes"]["fulfillment_availability"][0]["quantity"] = json!(-1)),
            ("4000001", "fulfillment_availability"),
        ),
        (
            "missing field of a value",
            with(&|b| {
                b["attributes"]["purchasable_offer"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("our_price");
            }),
            ("99022", "purchasable_offer"),
        ),
        (
            "too many values",
            with(&|b| {
                b["attributes"]["item_name"] = json!([
                    {"value": "a", "language_tag": "en_US", "marketplace_id": US},
                    {"value": "b", "language_tag": "en_US", "marketplace_id": US}
                ])
            }),
            ("4000001", "item_name"),
        ),
        (
            "unknown attribute",
            with(&|b| b["attributes"]["flux_capacitor"] = json!([{"value": "1.21 GW"}])),
            ("4000001", "flux_capacitor"),
        ),
        (
            "unknown field in a value",
            with(&|b| b["attributes"]["brand"][0]["colour"] = json!("red")),
            ("4000001", "brand"),
        ),
        (
            "badly formed identifier",
            with(&|b| {
                b["attributes"]["externally_assigned_product_identifier"][0]["value"] =
                    json!("12AB")
            }),
            ("4000001", "externally_assigned_product_identifier"),
        ),
        (
            "no product identifier",
            with(&|b| {
                b["attributes"]
                    .as_object_mut()
                    .unwrap()
                    .remove("externally_assigned_product_identifier");
            }),
            ("90220", "externally_assigned_product_identifier"),
        ),
        (
            "currency of another marketplace",
            with(&|b| b["attributes"]["purchasable_offer"][0]["currency"] = json!("EUR")),
            ("4000001", "purchasable_offer"),
        ),
        (
            "value for another marketplace",
            with(&|b| b["attributes"]["color"][0]["marketplace_id"] = json!("A1F83G8C2ARO7P")),
            ("4000001", "color"),
        ),
        (
            "suggested ASIN not in the catalog",
            with(&|b| {
                b["attributes"]["merchant_suggested_asin"] =
                    json!([{"value": "B0ZZZZZZZZ", "marketplace_id": US}])
            }),
            ("4000001", "merchant_suggested_asin"),
        ),
    ];
    for (case, body, (code, attribute)) in &cases {
        for mode in ["", "&mode=VALIDATION_PREVIEW"] {
            let (s, b) = api.put("RULES", mode, body).await;
            assert_eq!(s, 200, "{case}: {b}");
            assert_eq!(b["status"], "INVALID", "{case}{mode}: {b}");
            let issues = issue_codes(&b);
            assert!(
                issues.iter().any(|(c, names, sev)| c == code
                    && names.iter().any(|n| n == attribute)
                    && sev == "ERROR"),
                "{case}: expected {code} on {attribute}, got {issues:?}"
            );
        }
        let (s, _) = api.get("RULES", "summaries").await;
        assert_eq!(s, 404, "{case}: an invalid submission stores nothing");
    }
    // An offer alone needs only sales terms and a product that exists.
    let offer_only = json!({"productType": "SHIRT", "requirements": "LISTING_OFFER_ONLY", "attributes": {
        "condition_type": [{"value": "new_new", "marketplace_id": US}],
        "externally_assigned_product_identifier": [{"type": "ean", "value": "4006381333955", "marketplace_id": US}],
    }});
    let (_, b) = api.put("OFFER", "", &offer_only).await;
    assert_eq!(b["status"], "INVALID", "no such product yet: {b}");
    assert_eq!(issue_codes(&b)[0].0, "90220");
    // Product facts only: no condition needed.
    let mut product_only = base.clone();
    product_only["requirements"] = json!("LISTING_PRODUCT_ONLY");
    for k in [
        "condition_type",
        "purchasable_offer",
        "fulfillment_availability",
    ] {
        product_only["attributes"]
            .as_object_mut()
            .unwrap()
            .remove(k);
    }
    let (_, b) = api
        .put("PRODUCT", "&mode=VALIDATION_PREVIEW", &product_only)
        .await;
    assert_eq!(b["status"], "VALID", "{b}");
    let (_, b) = api.put("PRODUCT", "", &product_only).await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    api.advance(11 * 60).await;
    let (_, got) = api.get("PRODUCT", "summaries,offers").await;
    assert_eq!(
        got["summaries"][0]["status"],
        json!(["DISCOVERABLE"]),
        "{got}"
    );
    assert_eq!(got["offers"], json!([]));
    let (_, b) = api
        .put("OFFER", "&includedData=identifiers", &offer_only)
        .await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    assert_eq!(
        b["identifiers"][0]["asin"], got["summaries"][0]["asin"],
        "the offer found the product by EAN"
    );
    // Recommended attributes missing: accepted with warnings.
    let mut sparse = base.clone();
    sparse["attributes"]
        .as_object_mut()
        .unwrap()
        .remove("bullet_point");
    sparse["attributes"]["externally_assigned_product_identifier"][0]["value"] =
        json!("4006381333962");
    let (_, b) = api.put("SPARSE", "", &sparse).await;
    assert_eq!(b["status"], "ACCEPTED");
    assert_eq!(
        issue_codes(&b),
        vec![(
            "90220".into(),
            vec!["bullet_point".into()],
            "WARNING".into()
        )]
    );
    let (_, got) = api.get("SPARSE", "issues").await;
    assert_eq!(got["issues"][0]["severity"], "WARNING");
    let (_, found) = api.search("&withIssueSeverity=WARNING").await;
    let skus: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sku"].as_str().unwrap())
        .collect();
    assert_eq!(skus, vec!["SPARSE"]);
    let events = api.outbox().await;
    let issues = events_of(&events, "LISTINGS_ITEM_ISSUES_CHANGE", "SPARSE");
    assert_eq!(issues[0]["Severities"], json!(["WARNING"]));
    payload_conforms("LISTINGS_ITEM_ISSUES_CHANGE", issues[0]);
}

#[tokio::test]
async fn bad_requests_are_amazons_400s_and_404s() {
    let (w, token) = start(StoreConfig::SqliteMemory).await;
    let api = Api { w: &w, token };
    let body = shirt("4006381333979", 10.0, 1);
    let mut unknown_type = body.clone();
    unknown_type["productType"] = json!("SPACESHIP");
    let (s, b) = api.put("X", "", &unknown_type).await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidInput");
    let (s, b) = api.put("X", "&mode=DRY_RUN", &body).await;
    assert_eq!(s, 400, "{b}");
    // Two marketplaces at once.
    let path = format!("{}?marketplaceIds={US},A2EUQ1WTGCTBG2", api.item_path("X"));
    let (s, b) = api.call(Method::PUT, &path, Some(&body)).await;
    assert_eq!(s, 400, "{b}");
    conforms(LISTINGS, "putListingsItem", s, &b);
    // Another seller's id.
    let (s, b) = api
        .call(
            Method::GET,
            &format!("/listings/2021-08-01/items/A000000000000/X?marketplaceIds={US}"),
            None,
        )
        .await;
    assert_eq!(s, 403, "{b}");
    let (s, b) = api.get("NOPE", "summaries").await;
    assert_eq!(s, 404, "{b}");
    let (s, _) = api.delete("NOPE").await;
    assert_eq!(s, 400);
    let patch =
        json!({"productType": "SHIRT", "patches": [{"op": "delete", "path": "/attributes/color"}]});
    let (s, _) = api.patch("NOPE", "", &patch).await;
    assert_eq!(s, 400);
    api.put("X", "", &body).await;
    for bad in [
        json!({"productType": "SHIRT", "patches": [{"op": "replace", "path": "/price", "value": [{"value": 1}]}]}),
        json!({"productType": "SHIRT", "patches": [{"op": "replace", "path": "/attributes/color"}]}),
        json!({"productType": "SHIRT", "patches": []}),
    ] {
        let (s, b) = api.patch("X", "", &bad).await;
        assert_eq!(s, 400, "{bad}: {b}");
    }
    // A body that is not the model's shape.
    let (s, b) = api
        .call(
            Method::PUT,
            &format!("{}?marketplaceIds={US}", api.item_path("X")),
            Some(&json!({"attributes": {}})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.search("&pageSize=50").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.search("&pageToken=zz").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.search("&identifiers=X").await;
    assert_eq!(s, 400, "{b}");
}

#[tokio::test]
async fn patch_follows_amazons_json_patch_semantics() {
    let (w, token) = start(StoreConfig::SqliteMemory).await;
    let api = Api { w: &w, token };
    api.put("P", "", &shirt("4006381333986", 30.0, 5)).await;
    api.advance(11 * 60).await;
    let (_, b) = api
        .patch(
            "P",
            "&includedData=issues,identifiers",
            &json!({"productType": "SHIRT", "patches": [
                {"op": "replace", "path": "/attributes/purchasable_offer", "value": [
                    {"currency": "USD", "marketplace_id": US, "our_price": [{"schedule": [{"value_with_tax": 27.25}]}]}]},
                {"op": "add", "path": "/attributes/generic_keyword", "value": [
                    {"value": "summer", "language_tag": "en_US", "marketplace_id": US}]},
                {"op": "delete", "path": "/attributes/bullet_point"},
            ]}),
        )
        .await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    assert!(b["identifiers"][0]["asin"].is_string());
    let (_, got) = api
        .get("P", "attributes,offers,fulfillmentAvailability")
        .await;
    assert_eq!(got["offers"][0]["price"]["amount"], "27.25");
    assert_eq!(got["attributes"]["generic_keyword"][0]["value"], "summer");
    assert!(got["attributes"].get("bullet_point").is_none());
    assert_eq!(
        got["fulfillmentAvailability"][0]["quantity"], 5,
        "stock untouched"
    );
    // Delete with values removes only the matching ones.
    api.patch(
        "P",
        "",
        &json!({"productType": "SHIRT", "patches": [{"op": "add", "path": "/attributes/generic_keyword", "value": [
            {"value": "summer", "language_tag": "en_US", "marketplace_id": US},
            {"value": "beach", "language_tag": "en_US", "marketplace_id": US}]}]}),
    )
    .await;
    api.patch(
        "P",
        "",
        &json!({"productType": "SHIRT", "patches": [{"op": "delete", "path": "/attributes/generic_keyword", "value": [
            {"value": "summer"}]}]}),
    )
    .await;
    let (_, got) = api.get("P", "attributes").await;
    assert_eq!(
        got["attributes"]["generic_keyword"],
        json!([{"value": "beach", "language_tag": "en_US", "marketplace_id": US}])
    );
    // An invalid patch changes nothing.
    let (_, b) = api
        .patch(
            "P",
            "",
            &json!({"productType": "SHIRT", "patches": [{"op": "replace", "path": "/attributes/condition_type",
                "value": [{"value": "brand_new", "marketplace_id": US}]}]}),
        )
        .await;
    assert_eq!(b["status"], "INVALID", "{b}");
    let (_, b) = api
        .patch(
            "P",
            "&mode=VALIDATION_PREVIEW",
            &json!({"productType": "SHIRT", "patches": [{"op": "delete", "path": "/attributes/condition_type"}]}),
        )
        .await;
    assert_eq!(
        b["status"], "INVALID",
        "condition is required for an offer: {b}"
    );
    let (_, got) = api.get("P", "summaries").await;
    assert_eq!(got["summaries"][0]["conditionType"], "new_new");
    // Moving the SKU to FBA: the FBA stock starts empty, the listing stops being buyable.
    let (_, b) = api
        .patch(
            "P",
            "",
            &json!({"productType": "SHIRT", "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                "value": [{"fulfillment_channel_code": "AMAZON_NA"}]}]}),
        )
        .await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    let (_, got) = api.get("P", "summaries,fulfillmentAvailability").await;
    assert_eq!(
        got["fulfillmentAvailability"],
        json!([{"fulfillmentChannelCode": "AMAZON_NA", "quantity": 0}])
    );
    assert!(
        got["summaries"][0]["fnSku"]
            .as_str()
            .unwrap()
            .starts_with("X00")
    );
    assert_eq!(got["summaries"][0]["status"], json!(["DISCOVERABLE"]));
    // Delete: gone, and a DELETED status event.
    let (s, b) = api.delete("P").await;
    assert_eq!((s, b["status"].as_str()), (200, Some("ACCEPTED")));
    let (s, _) = api.get("P", "summaries").await;
    assert_eq!(s, 404);
    let events = api.outbox().await;
    let last = events_of(&events, "LISTINGS_ITEM_STATUS_CHANGE", "P");
    assert_eq!(last.last().unwrap()["Status"], json!(["DELETED"]));
    for e in &events {
        payload_conforms(e["topic"].as_str().unwrap(), &e["payload"]);
    }
}

#[tokio::test]
async fn generated_listings_show_attributes_and_search_pages_filters_and_sorts() {
    let (w, token) = start(StoreConfig::SqliteMemory).await;
    let api = Api { w: &w, token };
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 3, "products": 23, "days": 2, "orders_per_day": 2})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let mut seen = Vec::new();
    let mut query = "&pageSize=10&sortBy=sku&sortOrder=ASC&includedData=summaries,attributes,offers,fulfillmentAvailability,issues".to_string();
    loop {
        let (s, page) = api.search(&query).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["numberOfResults"], 23);
        for i in page["items"].as_array().unwrap() {
            seen.push(i["sku"].as_str().unwrap().to_string());
            let attrs = &i["attributes"];
            assert!(attrs["item_name"][0]["value"].is_string(), "{i}");
            assert_eq!(attrs["condition_type"][0]["value"], "new_new");
            assert_eq!(
                attrs["merchant_suggested_asin"][0]["value"],
                i["summaries"][0]["asin"]
            );
        }
        match page["pagination"]["nextToken"].as_str() {
            Some(t) => {
                query = format!(
                    "&pageSize=10&sortBy=sku&sortOrder=ASC&includedData=summaries,attributes,offers,fulfillmentAvailability,issues&pageToken={}",
                    urlencode(t)
                )
            }
            None => break,
        }
    }
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "every listing once, by SKU");
    // A generated listing validates as is: a patch of its price is accepted.
    let sku = &seen[0];
    let (_, got) = api.get(sku, "summaries").await;
    let product_type = got["summaries"][0]["productType"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, b) = api
        .patch(
            sku,
            "",
            &json!({"productType": product_type, "patches": [{"op": "replace", "path": "/attributes/purchasable_offer",
                "value": [{"currency": "USD", "marketplace_id": US, "our_price": [{"schedule": [{"value_with_tax": 9.99}]}]}]}]}),
        )
        .await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    let (_, got) = api
        .search(&format!(
            "&identifiers={sku}&identifiersType=SKU&includedData=offers"
        ))
        .await;
    assert_eq!(got["numberOfResults"], 1);
    assert_eq!(got["items"][0]["offers"][0]["price"]["amount"], "9.99");
    // Status filters agree with the summaries.
    let (_, buyable) = api.search("&withStatus=BUYABLE&pageSize=20").await;
    let (_, not_buyable) = api.search("&withoutStatus=BUYABLE&pageSize=20").await;
    assert_eq!(
        buyable["numberOfResults"].as_i64().unwrap()
            + not_buyable["numberOfResults"].as_i64().unwrap(),
        23
    );
    for i in not_buyable["items"].as_array().unwrap() {
        assert!(
            !i["summaries"][0]["status"]
                .as_array()
                .unwrap()
                .contains(&json!("BUYABLE"))
        );
    }
    // By update time, newest first: the patched SKU leads.
    let (_, recent) = api.search("&sortBy=lastUpdatedDate&pageSize=1").await;
    assert_eq!(recent["items"][0]["sku"], sku.as_str());
    let (_, window) = api.search("&lastUpdatedAfter=2025-06-01T11:59:00Z").await;
    assert_eq!(window["numberOfResults"], 1);
}

#[tokio::test]
async fn search_pages_carry_their_search_and_walk_every_listing_once() {
    let (w, token) = start(StoreConfig::SqliteMemory).await;
    let api = Api { w: &w, token };
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 5, "products": 11, "days": 1, "orders_per_day": 1})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let q = "&pageSize=4&sortBy=sku&sortOrder=ASC";
    let (s, first) = api.search(q).await;
    assert_eq!(s, 200, "{first}");
    let total = first["numberOfResults"].as_i64().unwrap();
    assert!(total > 4, "{first}");
    let skus = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["sku"].as_str().unwrap().to_string())
            .collect()
    };
    // With the same filters, and with the token alone (as older clients send it): the
    // token's search goes on either way.
    for with_filters in [true, false] {
        let mut seen = skus(&first);
        let mut page = first.clone();
        while let Some(t) = page["pagination"]["nextToken"].as_str() {
            let query = if with_filters {
                format!("{q}&pageToken={}", urlencode(t))
            } else {
                format!("&pageSize=4&pageToken={}", urlencode(t))
            };
            let (s, next) = api.search(&query).await;
            assert_eq!(s, 200, "{next}");
            assert_eq!(next["numberOfResults"], total);
            seen.extend(skus(&next));
            page = next;
        }
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(seen, sorted, "every listing once, by SKU");
        assert_eq!(seen.len() as i64, total);
    }
    let t = first["pagination"]["nextToken"].as_str().unwrap();
    // A truncated token: Amazon's message for a token it cannot decode.
    let (s, b) = api
        .search(&format!("{q}&pageToken={}", urlencode(&t[..t.len() - 6])))
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidInput");
    assert_eq!(b["errors"][0]["message"], UNDECODABLE, "{b}");
    // A token sent with other filters is refused.
    let (s, b) = api
        .search(&format!(
            "&pageSize=4&sortBy=sku&sortOrder=DESC&pageToken={}",
            urlencode(t)
        ))
        .await;
    assert_eq!(s, 400, "{b}");
    // The second page's previousToken leads back to the first.
    let (_, second) = api.search(&format!("{q}&pageToken={}", urlencode(t))).await;
    let back = second["pagination"]["previousToken"].as_str().unwrap();
    let (_, again) = api
        .search(&format!("{q}&pageToken={}", urlencode(back)))
        .await;
    assert_eq!(skus(&again), skus(&first));
}

#[tokio::test]
async fn listings_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let (w, token) = start(StoreConfig::Postgres(url)).await;
    let api = Api { w: &w, token };
    let (_, b) = api.put("PG-1", "", &shirt("4006381333993", 12.0, 3)).await;
    assert_eq!(b["status"], "ACCEPTED", "{b}");
    api.advance(11 * 60).await;
    let (_, got) = api.get("PG-1", "summaries,offers").await;
    let asin = got["summaries"][0]["asin"].as_str().unwrap().to_string();
    assert_eq!(
        got["summaries"][0]["status"],
        json!(["BUYABLE", "DISCOVERABLE"])
    );
    let (_, found) = api
        .catalog(
            "/catalog/2022-04-01/items?marketplaceIds=ATVPDKIKX0DER&keywords=LINEN",
            "searchCatalogItems",
        )
        .await;
    assert_eq!(found["items"][0]["asin"], asin);
    let (_, found) = api.search("&withStatus=BUYABLE").await;
    assert_eq!(found["numberOfResults"], 1, "{found}");
    let (s, _) = api.delete("PG-1").await;
    assert_eq!(s, 200);
    let (_, found) = api.search("").await;
    assert_eq!(found["numberOfResults"], 0);
}
