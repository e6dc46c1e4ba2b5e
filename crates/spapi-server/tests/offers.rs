//! ANY_OFFER_CHANGED and FBA_INVENTORY_AVAILABILITY_CHANGES over real HTTP: two sellers
//! compete on one ASIN through the Listings Items API, buyers order, FBA stock arrives through
//! the control plane and ships on the clock; the notifications each seller's subscriptions
//! receive are checked for their facts and against Amazon's notification schemas.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::auth::NewSeller;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const LISTINGS: &str = "models/listings-items-api-model/listingsItems_2021-08-01.json";
const NOTIFICATIONS: &str = "models/notifications-api-model/notifications.json";
const OFFER_SCHEMA: &str = "schemas/notifications/AnyOfferChangedNotification.json";
const FBA_SCHEMA: &str = "schemas/notifications/FBAInventoryAvailabilityChangeNotification.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const EAN: &str = "4006381333986";
const ARN: &str = "arn:aws:sqs:us-east-1:123456789012:spapi-offers";

static CHECKED: AtomicUsize = AtomicUsize::new(0);

fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
        CHECKED.fetch_add(1, Ordering::Relaxed);
    }
}

fn envelope_conforms(schema: &str, envelope: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        if let Err(e) = spapi_conformance::validate_schema_file(c.dir(), schema, envelope) {
            panic!("envelope does not conform to {schema}: {e:#?}\n{envelope:#}");
        }
        CHECKED.fetch_add(1, Ordering::Relaxed);
    }
}

/// One seller's SP-API calls (its own access token) on the shared server.
struct Seller<'a> {
    w: &'a World,
    id: String,
    token: String,
}

impl Seller<'_> {
    async fn call(
        &self,
        op: (&str, &str),
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self
            .w
            .http
            .request(method, format!("{}{path}", self.w.base))
            .header("x-amz-access-token", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        conforms(op.0, op.1, status, &body);
        assert_eq!(status, 200, "{} {path}: {body}", op.1);
        body
    }

    async fn put(&self, sku: &str, body: Value) -> Value {
        let path = format!(
            "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}&includedData=identifiers",
            self.id
        );
        let b = self
            .call(
                (LISTINGS, "putListingsItem"),
                Method::PUT,
                &path,
                Some(body),
            )
            .await;
        assert_eq!(b["status"], "ACCEPTED", "{b}");
        b
    }

    async fn reprice(&self, sku: &str, price: f64) {
        let path = format!(
            "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}",
            self.id
        );
        let patch = json!({"productType": "SHIRT", "patches": [{"op": "replace",
            "path": "/attributes/purchasable_offer",
            "value": [{"currency": "USD", "marketplace_id": US,
                "our_price": [{"schedule": [{"value_with_tax": price}]}]}]}]});
        let b = self
            .call(
                (LISTINGS, "patchListingsItem"),
                Method::PATCH,
                &path,
                Some(patch),
            )
            .await;
        assert_eq!(b["status"], "ACCEPTED", "{b}");
    }

    /// Subscribes to `notification_type` through `destination`; the subscription id.
    async fn subscribe(&self, notification_type: &str, destination: &str) -> String {
        let b = self
            .call(
                (NOTIFICATIONS, "createSubscription"),
                Method::POST,
                &format!("/notifications/v1/subscriptions/{notification_type}"),
                Some(json!({"payloadVersion": "1.0", "destinationId": destination})),
            )
            .await;
        b["payload"]["subscriptionId"].as_str().unwrap().to_string()
    }
}

/// An SQS destination of the app (grantless); its id.
async fn sqs_destination(w: &World, name: &str) -> String {
    let grantless = Seller {
        w,
        id: String::new(),
        token: w.grantless_token("sellingpartnerapi::notifications").await,
    };
    grantless
        .call(
            (NOTIFICATIONS, "createDestination"),
            Method::POST,
            "/notifications/v1/destinations",
            Some(json!({"name": name, "resourceSpecification": {"sqs": {"arn": ARN}}})),
        )
        .await["payload"]["destinationId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The world's own seller, with a fresh access token.
async fn main_seller(w: &World) -> Seller<'_> {
    Seller {
        w,
        id: w.seller_id.clone(),
        token: w.access_token().await,
    }
}

/// A complete SHIRT listing of the test product: MFN with `quantity` units, or FBA.
fn shirt(price: f64, mfn_quantity: Option<i64>) -> Value {
    let availability = match mfn_quantity {
        Some(q) => json!([{"fulfillment_channel_code": "DEFAULT", "quantity": q}]),
        None => json!([{"fulfillment_channel_code": "AMAZON_NA"}]),
    };
    json!({
        "productType": "SHIRT",
        "requirements": "LISTING",
        "attributes": {
            "item_name": [{"value": "Harbor Linen Shirt, Sand", "language_tag": "en_US", "marketplace_id": US}],
            "brand": [{"value": "Harbor", "language_tag": "en_US", "marketplace_id": US}],
            "externally_assigned_product_identifier": [{"type": "ean", "value": EAN, "marketplace_id": US}],
            "color": [{"value": "Sand", "language_tag": "en_US", "marketplace_id": US}],
            "size": [{"value": "M", "marketplace_id": US}],
            "department": [{"value": "mens", "marketplace_id": US}],
            "bullet_point": [{"value": "Pure linen", "language_tag": "en_US", "marketplace_id": US}],
            "product_description": [{"value": "A light shirt.", "language_tag": "en_US", "marketplace_id": US}],
            "condition_type": [{"value": "new_new", "marketplace_id": US}],
            "purchasable_offer": [{"currency": "USD", "marketplace_id": US,
                "our_price": [{"schedule": [{"value_with_tax": price}]}]}],
            "fulfillment_availability": availability,
        }
    })
}

async fn control(w: &World, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    w.control(method, path, body).await
}

async fn advance(w: &World, seconds: i64) {
    let (s, b) = control(
        w,
        Method::POST,
        "/clock",
        Some(json!({"advance_seconds": seconds})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
}

async fn order(w: &World, seller: &str, sku: &str, quantity: i64) {
    let (s, b) = control(
        w,
        Method::POST,
        &format!("/sellers/{seller}/orders"),
        Some(json!({"marketplace_id": US, "items": [{"sku": sku, "quantity": quantity}]})),
    )
    .await;
    assert_eq!(s, 201, "{b}");
}

/// The envelopes delivered for a subscription, oldest first, once there are at least `n`.
async fn delivered(w: &World, subscription: &str, n: usize) -> Vec<Value> {
    let mut last = vec![];
    for _ in 0..200 {
        let (s, b) = control(
            w,
            Method::GET,
            &format!("/notifications?subscription={subscription}&limit=500"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        last = b["notifications"].as_array().cloned().unwrap_or_default();
        if last.len() >= n {
            let mut envs: Vec<Value> = last.iter().map(|x| x["envelope"].clone()).collect();
            envs.sort_by_key(|e| e["NotificationMetadata"]["PublishTime"].to_string());
            return envs;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{subscription}: {n} notifications expected, got {last:#?}");
}

fn aoc(env: &Value) -> &Value {
    &env["Payload"]["AnyOfferChangedNotification"]
}

/// (seller, listing price, buy box winner) of each offer listed.
fn offers_of(env: &Value) -> Vec<(String, f64, bool)> {
    aoc(env)["Offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["SellerId"].as_str().unwrap().to_string(),
                o["ListingPrice"]["Amount"].as_f64().unwrap(),
                o["IsBuyBoxWinner"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let auth = w.server.auth();
    let other = auth
        .create_seller(NewSeller {
            name: "Rival Seller".into(),
            email: format!("rival-{}@example.com", uuid::Uuid::new_v4()),
            password: "a good password".into(),
            region: "NA".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let rival_refresh = auth
        .self_authorize(&w.application_id, &other.selling_partner_id)
        .await
        .unwrap();
    let (s, b) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rival_refresh),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(s, 200, "{b}");
    let a = main_seller(&w).await;
    let b = Seller {
        w: &w,
        id: other.selling_partner_id.clone(),
        token: b["access_token"].as_str().unwrap().to_string(),
    };
    let dest = sqs_destination(&w, "offers").await;
    let a_offers = a.subscribe("ANY_OFFER_CHANGED", &dest).await;
    let b_offers = b.subscribe("ANY_OFFER_CHANGED", &dest).await;
    let a_fba = a
        .subscribe("FBA_INVENTORY_AVAILABILITY_CHANGES", &dest)
        .await;

    // Seller A creates the product; its offer appears when the ASIN does.
    a.put("LINEN-A", shirt(24.5, Some(7))).await;
    advance(&w, 11 * 60).await;
    let envs = delivered(&w, &a_offers, 1).await;
    let asin = aoc(&envs[0])["OfferChangeTrigger"]["ASIN"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(asin.starts_with("B0"), "{asin}");
    assert_eq!(offers_of(&envs[0]), [(a.id.clone(), 24.5, true)]);

    // Seller B lists the same product (same EAN) cheaper: both sellers hear of it; B has the
    // Buy Box (22.00 + 3.99 shipping against 24.50 + 3.99).
    let put = b.put("RIVAL-1", shirt(22.0, Some(5))).await;
    assert_eq!(put["identifiers"][0]["asin"], asin.as_str(), "{put}");
    let envs = delivered(&w, &a_offers, 2).await;
    let n = aoc(&envs[1]);
    assert_eq!(n["SellerId"], a.id.as_str());
    assert_eq!(n["OfferChangeTrigger"]["MarketplaceId"], US);
    assert_eq!(n["OfferChangeTrigger"]["ItemCondition"], "new");
    assert_eq!(n["OfferChangeTrigger"]["OfferChangeType"], "Internal");
    assert_eq!(
        offers_of(&envs[1]),
        [(b.id.clone(), 22.0, true), (a.id.clone(), 24.5, false)]
    );
    assert_eq!(
        n["Summary"]["NumberOfOffers"],
        json!([{"Condition": "new", "FulfillmentChannel": "Merchant", "OfferCount": 2}])
    );
    assert_eq!(
        n["Summary"]["LowestPrices"][0]["LandedPrice"]["Amount"],
        25.99
    );
    assert_eq!(
        n["Summary"]["BuyBoxPrices"][0]["ListingPrice"]["Amount"],
        22.0
    );
    assert_eq!(n["Summary"]["TotalBuyBoxEligibleOffers"], 2);
    let theirs = delivered(&w, &b_offers, 1).await;
    assert_eq!(aoc(&theirs[0])["SellerId"], b.id.as_str());
    assert_eq!(aoc(&theirs[0])["Offers"], n["Offers"]);

    // A reprices below B and takes the Buy Box.
    a.reprice("LINEN-A", 20.0).await;
    let envs = delivered(&w, &a_offers, 3).await;
    assert_eq!(
        offers_of(&envs[2]),
        [(a.id.clone(), 20.0, true), (b.id.clone(), 22.0, false)]
    );
    // A buyer takes one of A's seven units: a stock movement, not an offer change.
    order(&w, &a.id, "LINEN-A", 1).await;
    // B sells out: its offer leaves the page.
    order(&w, &b.id, "RIVAL-1", 5).await;
    let envs = delivered(&w, &a_offers, 4).await;
    assert_eq!(
        envs.len(),
        4,
        "the 1-unit order changed no offer: {envs:#?}"
    );
    assert_eq!(offers_of(&envs[3]), [(a.id.clone(), 20.0, true)]);
    assert_eq!(delivered(&w, &b_offers, 3).await.len(), 3);

    // FBA: A lists the product fulfilled by Amazon (no stock yet), stock arrives, a buyer
    // orders, Amazon ships.
    a.put("LINEN-A-FBA", shirt(21.0, None)).await;
    let path = format!("/sellers/{}/fba-inventory", a.id);
    let (s, got) = control(
        &w,
        Method::POST,
        &path,
        Some(json!({"sku": "LINEN-A-FBA", "marketplace_id": US, "fulfillable": 30})),
    )
    .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["quantity"], 30);
    // The FBA offer (21.00, free shipping) now wins against A's own MFN offer (20.00 + 3.99).
    let envs = delivered(&w, &a_offers, 5).await;
    let n = aoc(&envs[4]);
    let fba_offer = &n["Offers"][0];
    assert_eq!(fba_offer["IsFulfilledByAmazon"], true);
    assert_eq!(fba_offer["IsBuyBoxWinner"], true);
    assert_eq!(fba_offer["Shipping"]["Amount"], 0.0);
    assert_eq!(fba_offer["PrimeInformation"]["IsOfferPrime"], true);
    assert_eq!(
        n["Summary"]["NumberOfOffers"],
        json!([
            {"Condition": "new", "FulfillmentChannel": "Amazon", "OfferCount": 1},
            {"Condition": "new", "FulfillmentChannel": "Merchant", "OfferCount": 1},
        ])
    );
    order(&w, &a.id, "LINEN-A-FBA", 2).await;
    // The payment hold, then Amazon ships FBA orders on the clock.
    advance(&w, 10 * 60).await;
    advance(&w, 13 * 3600).await;
    let fba = delivered(&w, &a_fba, 4).await;
    let facts: Vec<(i64, i64)> = fba
        .iter()
        .map(|e| {
            let p = &e["Payload"];
            assert_eq!(p["SellerId"], a.id.as_str());
            assert_eq!(p["SKU"], "LINEN-A-FBA");
            assert_eq!(p["ASIN"], asin.as_str());
            assert!(p["FNSKU"].as_str().unwrap().starts_with("X00"), "{p}");
            let inv = &p["FulfillmentInventoryByMarketplace"][0];
            assert_eq!(inv["MarketplaceId"], US);
            assert_eq!(inv["ItemName"], "Harbor Linen Shirt, Sand");
            let f = &inv["FulfillmentInventory"];
            (
                f["Fulfillable"].as_i64().unwrap(),
                f["ReservedQuantityBreakdown"]["PendingCustomerOrder"]
                    .as_i64()
                    .unwrap(),
            )
        })
        .collect();
    // Listed without stock, received, ordered (reserved), shipped.
    assert_eq!(facts, [(0, 0), (30, 0), (28, 2), (28, 0)]);

    for e in delivered(&w, &a_offers, 5).await {
        envelope_conforms(OFFER_SCHEMA, &e);
    }
    for e in delivered(&w, &b_offers, 3).await {
        envelope_conforms(OFFER_SCHEMA, &e);
    }
    for e in &fba {
        envelope_conforms(FBA_SCHEMA, e);
        assert_eq!(e["NotificationType"], "FBA_INVENTORY_AVAILABILITY_CHANGES");
    }

    // The control plane refuses what it cannot do, with SP-API errors.
    for (body, status, code) in [
        (
            json!({"sku": "NO-SUCH-SKU", "fulfillable": 3}),
            404,
            "NotFound",
        ),
        (
            json!({"sku": "LINEN-A", "fulfillable": 3}),
            400,
            "InvalidInput",
        ),
        (
            json!({"sku": "LINEN-A-FBA", "fulfillable": -1}),
            400,
            "InvalidInput",
        ),
        (json!({"sku": "LINEN-A-FBA"}), 400, "InvalidInput"),
    ] {
        let (s, got) = control(&w, Method::POST, &path, Some(body.clone())).await;
        assert_eq!(s, status, "{body}: {got}");
        assert_eq!(got["errors"][0]["code"], code, "{got}");
    }
    eprintln!(
        "{} responses and envelopes validated",
        CHECKED.load(Ordering::Relaxed)
    );
}

#[tokio::test]
async fn competing_offers_and_fba_stock_notify_the_sellers_of_the_item() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn competing_offers_and_fba_stock_notify_the_sellers_of_the_item_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}

/// sendTestNotification gives, for every type spapi produces, an envelope that conforms to
/// Amazon's schema of that type.
#[tokio::test]
async fn test_notifications_of_every_produced_type_conform() {
    let w = World::start().await;
    let seller = main_seller(&w).await;
    let dest = sqs_destination(&w, "all").await;
    for (ty, version, schema) in [
        ("ORDER_CHANGE", "1.0", "OrderChangeNotification.json"),
        (
            "ANY_OFFER_CHANGED",
            "1.0",
            "AnyOfferChangedNotification.json",
        ),
        (
            "FBA_INVENTORY_AVAILABILITY_CHANGES",
            "1.0",
            "FBAInventoryAvailabilityChangeNotification.json",
        ),
        (
            "LISTINGS_ITEM_STATUS_CHANGE",
            "1.0",
            "ListingsItemStatusChangeNotification.json",
        ),
        (
            "LISTINGS_ITEM_ISSUES_CHANGE",
            "1.0",
            "ListingsItemIssuesChangeNotification.json",
        ),
        (
            "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
            "1.0",
            "ListingsItemMfnQuantityChange.json",
        ),
        (
            "REPORT_PROCESSING_FINISHED",
            "2020-09-04",
            "ReportProcessingFinishedNotification.json",
        ),
        (
            "FEED_PROCESSING_FINISHED",
            "2020-09-04",
            "FeedProcessingFinishedNotification.json",
        ),
    ] {
        let sub = seller
            .call(
                (NOTIFICATIONS, "createSubscription"),
                Method::POST,
                &format!("/notifications/v1/subscriptions/{ty}"),
                Some(json!({"payloadVersion": version, "destinationId": dest})),
            )
            .await["payload"]["subscriptionId"]
            .as_str()
            .unwrap()
            .to_string();
        seller
            .call(
                (NOTIFICATIONS, "sendTestNotification"),
                Method::POST,
                &format!("/notifications/v1/subscriptions/{ty}/testNotification"),
                Some(json!({"testNotification": {"payloadVersion": version,
                    "testScenario": "TEST"}})),
            )
            .await;
        let env = delivered(&w, &sub, 1).await.remove(0);
        let mut checked = env.clone();
        if ty == "LISTINGS_ITEM_STATUS_CHANGE" {
            // Amazon's schema enumerates the type as LISTINGS_ITEM_STATUS_CHANGED, a name it
            // does not use (subscriptions and notifications say LISTINGS_ITEM_STATUS_CHANGE):
            // the rest of the envelope is checked as is.
            checked["NotificationType"] = json!("LISTINGS_ITEM_STATUS_CHANGED");
        }
        envelope_conforms(&format!("schemas/notifications/{schema}"), &checked);
        let ty_key = if env.get("NotificationType").is_some() {
            "NotificationType"
        } else {
            "notificationType"
        };
        assert_eq!(env[ty_key], ty, "{env}");
    }
}

/// Waits until the notifier has fanned out every outbox event.
async fn fanned_out(w: &World) {
    for _ in 0..200 {
        let (_, b) = control(w, Method::GET, "/outbox", None).await;
        if b["events"].as_array().is_some_and(Vec::is_empty) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox was not fanned out");
}

/// aggregationSettings: one ANY_OFFER_CHANGED per item per period, with the latest offers.
#[tokio::test]
async fn aggregated_offer_changes_arrive_once_per_period_with_the_latest_offers() {
    aggregation(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn aggregated_offer_changes_arrive_once_per_period_with_the_latest_offers_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    aggregation(StoreConfig::Postgres(url)).await;
}

async fn aggregation(store: StoreConfig) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let a = main_seller(&w).await;
    let dest = sqs_destination(&w, "offers").await;
    let sub = a
        .call(
            (NOTIFICATIONS, "createSubscription"),
            Method::POST,
            "/notifications/v1/subscriptions/ANY_OFFER_CHANGED",
            Some(json!({"payloadVersion": "1.0", "destinationId": dest,
                "processingDirective": {"eventFilter": {"eventFilterType": "ANY_OFFER_CHANGED",
                    "marketplaceIds": [US],
                    "aggregationSettings": {"aggregationTimePeriod": "FiveMinutes"}}}})),
        )
        .await["payload"]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_string();
    a.put("LINEN-A", shirt(24.5, Some(7))).await;
    // The ASIN comes at +10 min: the first offer change, due at +15 min.
    advance(&w, 11 * 60).await;
    a.reprice("LINEN-A", 20.0).await;
    a.reprice("LINEN-A", 19.0).await;
    fanned_out(&w).await;
    advance(&w, 5 * 60).await;
    let envs = delivered(&w, &sub, 1).await;
    assert_eq!(offers_of(&envs[0]), [(a.id.clone(), 19.0, true)]);
    // A change after the period opens a new one.
    a.reprice("LINEN-A", 18.0).await;
    fanned_out(&w).await;
    advance(&w, 5 * 60).await;
    let envs = delivered(&w, &sub, 2).await;
    assert_eq!(envs.len(), 2, "{envs:#?}");
    assert_eq!(offers_of(&envs[1]), [(a.id.clone(), 18.0, true)]);
    for e in &envs {
        envelope_conforms(OFFER_SCHEMA, e);
    }
}
