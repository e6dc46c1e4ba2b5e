//! Fulfillment Outbound 2020-07-01 beyond orders, over real HTTP: customer returns of MCF
//! orders (listReturnReasonCodes, createFulfillmentReturn, the units coming back into the FBA
//! stock and its ledger on the clock, FULFILLMENT_ORDER_STATUS Return events) on SQLite and
//! PostgreSQL; submitFulfillmentOrderStatusUpdate and its state rules; the MCF features; and
//! deliveryOffers against the preview's promise. Every answer conforms to the model, every
//! notification to its schema.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;
use std::collections::BTreeMap;
use std::time::Duration;

const MODEL: &str = "models/fulfillment-outbound-api-model/fulfillmentOutbound_2020-07-01.json";
const FBA_MODEL: &str = "models/fba-inventory-api-model/fbaInventory.json";
const NOTIFICATIONS: &str = "models/notifications-api-model/notifications.json";
const SCHEMA: &str = "schemas/notifications/FulfillmentOrderStatusNotification.json";
const T0: &str = "2025-06-02T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const ORDERS: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";
const ARN: &str = "arn:aws:sqs:us-east-1:123456789012:spapi-mcf-returns";

/// A world on a frozen clock, and the seller's token (renewed after the clock moves).
struct Api {
    w: World,
    token: String,
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Api {
    async fn start(store: StoreConfig) -> Api {
        let config = ServerConfig {
            clock: Clock::frozen(T0.parse().unwrap()),
            store,
            ..ServerConfig::ephemeral()
        };
        let w = World::start_with(config, &[]).await;
        let token = w.access_token().await;
        Api { w, token }
    }

    async fn call(
        &self,
        op: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let model = if op == "getInventorySummaries" || op == "createInventoryItem" {
            FBA_MODEL
        } else {
            MODEL
        };
        self.w
            .call(model, op, &self.token, method, path, body)
            .await
    }

    async fn advance(&mut self, seconds: f64) {
        self.w.advance(seconds).await;
        self.token = self.w.access_token().await;
    }

    /// An FBA SKU of the seller in the US with `units` fulfillable.
    async fn sku(&self, sku: &str, units: i64) {
        let (s, b) = self
            .call(
                "createInventoryItem",
                Method::POST,
                "/fba/inventory/v1/items",
                Some(json!({"sellerSku": sku, "marketplaceId": US, "productName": sku})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        self.set_stock(sku, units).await;
    }

    async fn set_stock(&self, sku: &str, units: i64) {
        let (s, b) = self
            .w
            .control(
                Method::POST,
                &format!("/sellers/{}/fba-inventory", self.w.seller_id),
                Some(json!({"sku": sku, "marketplace_id": US, "fulfillable": units})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    /// The control plane's view of a SKU's stock.
    async fn stock(&self, sku: &str) -> Value {
        let (s, b) = self
            .w
            .control(
                Method::GET,
                &format!(
                    "/sellers/{}/fba-stock/{}?marketplace_id={US}",
                    self.w.seller_id,
                    enc(sku)
                ),
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b
    }

    async fn ledger(&self, sku: &str) -> Vec<Value> {
        let (s, b) = self
            .w
            .control(
                Method::GET,
                &format!(
                    "/sellers/{}/fba-ledger?marketplace_id={US}&sku={}",
                    self.w.seller_id,
                    enc(sku)
                ),
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["entries"].as_array().unwrap().clone()
    }

    async fn create(&self, id: &str, lines: &[(&str, i64)], extra: Value) {
        let (s, b) = self
            .call(
                "createFulfillmentOrder",
                Method::POST,
                ORDERS,
                Some(order(id, lines, extra)),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    async fn order(&self, id: &str) -> Value {
        let (s, b) = self
            .call(
                "getFulfillmentOrder",
                Method::GET,
                &format!("{ORDERS}/{id}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{id}: {b}");
        b["payload"].clone()
    }

    async fn status(&self, id: &str) -> String {
        self.order(id).await["fulfillmentOrder"]["fulfillmentOrderStatus"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn force(&self, id: &str, status: &str) -> (u16, Value) {
        self.call(
            "submitFulfillmentOrderStatusUpdate",
            Method::PUT,
            &format!("{ORDERS}/{id}/status"),
            Some(json!({"fulfillmentOrderStatus": status})),
        )
        .await
    }

    async fn give_back(&self, id: &str, items: Value) -> (u16, Value) {
        self.call(
            "createFulfillmentReturn",
            Method::PUT,
            &format!("{ORDERS}/{id}/return"),
            Some(json!({ "items": items })),
        )
        .await
    }

    async fn reasons(&self, query: &str) -> (u16, Value) {
        self.call(
            "listReturnReasonCodes",
            Method::GET,
            &format!("/fba/outbound/2020-07-01/returnReasonCodes?{query}"),
            None,
        )
        .await
    }

    /// A subscription to FULFILLMENT_ORDER_STATUS delivered to the built-in inbox.
    async fn subscribe(&self) -> String {
        let grantless = self
            .w
            .grantless_token("sellingpartnerapi::notifications")
            .await;
        let (s, b) = self
            .w
            .call(
                NOTIFICATIONS,
                "createDestination",
                &grantless,
                Method::POST,
                "/notifications/v1/destinations",
                Some(json!({"name": "mcf", "resourceSpecification": {"sqs": {"arn": ARN}}})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let destination = b["payload"]["destinationId"].as_str().unwrap().to_string();
        let (s, b) = self
            .w
            .call(
                NOTIFICATIONS,
                "createSubscription",
                &self.token,
                Method::POST,
                "/notifications/v1/subscriptions/FULFILLMENT_ORDER_STATUS",
                Some(json!({"payloadVersion": "1.0", "destinationId": destination})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["payload"]["subscriptionId"].as_str().unwrap().to_string()
    }

    /// The envelopes delivered to `subscription`, once there are at least `n`.
    async fn delivered(&self, subscription: &str, n: usize) -> Vec<Value> {
        let mut last = vec![];
        for _ in 0..200 {
            let (s, b) = self
                .w
                .control(
                    Method::GET,
                    &format!("/notifications?subscription={subscription}&limit=500"),
                    None,
                )
                .await;
            assert_eq!(s, 200, "{b}");
            last = b["notifications"].as_array().cloned().unwrap_or_default();
            if last.len() >= n {
                return last.iter().map(|x| x["envelope"].clone()).collect();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{subscription}: {n} notifications expected, got {last:#?}");
    }
}

/// A createFulfillmentOrder body.
fn order(id: &str, lines: &[(&str, i64)], extra: Value) -> Value {
    let items: Vec<Value> = lines
        .iter()
        .enumerate()
        .map(|(i, (sku, q))| {
            json!({"sellerSku": sku, "sellerFulfillmentOrderItemId": format!("{id}-{i}"), "quantity": q})
        })
        .collect();
    let mut b = json!({
        "marketplaceId": US,
        "sellerFulfillmentOrderId": id,
        "displayableOrderId": format!("SHOP-{id}"),
        "displayableOrderDate": T0,
        "displayableOrderComment": "Thank you",
        "shippingSpeedCategory": "Standard",
        "destinationAddress": {
            "name": "Pat Customer", "addressLine1": "1 Main St", "city": "Portland",
            "stateOrRegion": "OR", "postalCode": "97201", "countryCode": "US"
        },
        "items": items,
    });
    if let (Some(b), Some(e)) = (b.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    b
}

/// A createFulfillmentReturn item.
fn item(id: &str, order_item: &str, shipment: &Value, reason: &str) -> Value {
    json!({"sellerReturnItemId": id, "sellerFulfillmentOrderItemId": order_item,
        "amazonShipmentId": shipment, "returnReasonCode": reason, "returnComment": "test"})
}

/// Checks an envelope against Amazon's FULFILLMENT_ORDER_STATUS schema. The schema requires
/// `FulfillmentShipment` and `FulfillmentReturnItem` in every payload while Amazon sends each
/// only in its own kind of event (spapi follows Amazon): exactly those two absences are
/// allowed, and only in the events that do not carry them.
fn schema_valid(envelope: &Value) {
    let Some(c) = spapi_conformance::Conformance::global() else {
        return;
    };
    let Err(errors) = spapi_conformance::validate_schema_file(c.dir(), SCHEMA, envelope) else {
        return;
    };
    let n = &envelope["Payload"]["FulfillmentOrderStatusNotification"];
    let kind = n["EventType"].as_str().unwrap_or_default();
    for e in &errors {
        let shipment_absent =
            e.contains("\"FulfillmentShipment\" is a required property") && kind != "Shipment";
        let return_absent =
            e.contains("\"FulfillmentReturnItem\" is a required property") && kind != "Return";
        assert!(
            shipment_absent || return_absent,
            "{e}\n{envelope:#}\n(all: {errors:?})"
        );
    }
}

async fn returns_scenario(store: StoreConfig) {
    let mut api = Api::start(store).await;
    let subscription = api.subscribe().await;
    api.sku("RET-A", 10).await;
    api.sku("RET-B", 3).await;

    // An order shipped on the clock.
    api.create("R-1", &[("RET-A", 3), ("RET-B", 1)], json!({}))
        .await;
    let (s, b) = api
        .give_back(
            "R-1",
            json!([item("early", "R-1-0", &json!("NOPE"), "CR-DEFECTIVE")]),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["returnItems"], json!([]));
    assert_eq!(
        b["payload"]["invalidReturnItems"][0]["invalidItemReason"]["invalidItemReasonCode"],
        "InvalidValues",
        "no such shipment yet: {b}"
    );
    api.advance(1800.0 + 7200.0).await;
    assert_eq!(api.status("R-1").await, "Processing");
    let shipment = api.order("R-1").await["fulfillmentShipments"][0]["amazonShipmentId"].clone();
    let (s, b) = api
        .give_back(
            "R-1",
            json!([item("early", "R-1-0", &shipment, "CR-DEFECTIVE")]),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["payload"]["invalidReturnItems"][0]["invalidItemReason"]["invalidItemReasonCode"],
        "NoCompletedShipItems",
        "{b}"
    );
    api.advance(4.0 * 3600.0).await;
    assert_eq!(api.status("R-1").await, "Complete");
    let a_before = api.stock("RET-A").await;
    assert_eq!(a_before["fulfillable"], 7);
    assert_eq!(a_before["pending_customer_order"], 0);

    // Reason codes: the SKU's, translated on request.
    let (s, b) = api
        .reasons(&format!("sellerSku=RET-A&marketplaceId={US}"))
        .await;
    assert_eq!(s, 200, "{b}");
    let codes: Vec<&str> = b["payload"]["reasonCodeDetails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["returnReasonCode"].as_str().unwrap())
        .collect();
    for c in ["CR-UNWANTED_ITEM", "CR-DEFECTIVE", "CR-DAMAGED_BY_CARRIER"] {
        assert!(codes.contains(&c), "{codes:?}");
    }
    assert!(
        b["payload"]["reasonCodeDetails"][0]
            .get("translatedDescription")
            .is_none()
    );
    let (s, b) = api
        .reasons("sellerSku=RET-A&sellerFulfillmentOrderId=R-1&language=de_DE")
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(
        b["payload"]["reasonCodeDetails"][0]["translatedDescription"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{b}"
    );
    let (s, b) = api.reasons("sellerSku=NOPE").await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidInput");
    api.sku("RET-C", 1).await;
    let (s, b) = api
        .reasons("sellerSku=RET-C&sellerFulfillmentOrderId=R-1")
        .await;
    assert_eq!(s, 400, "not in the order: {b}");
    let (s, b) = api
        .reasons("sellerSku=RET-A&sellerFulfillmentOrderId=NO-SUCH")
        .await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = api.reasons("marketplaceId=ATVPDKIKX0DER").await;
    assert_eq!(s, 400, "sellerSku is required: {b}");

    // A return: valid units are authorized, the others say why.
    let (s, b) = api
        .give_back(
            "R-1",
            json!([
                item("ret-1", "R-1-0", &shipment, "CR-UNWANTED_ITEM"),
                item("ret-2", "R-1-0", &shipment, "CR-DEFECTIVE"),
                item("ret-3", "R-1-1", &shipment, "CR-DAMAGED_BY_CARRIER"),
                item("ret-1", "R-1-0", &shipment, "CR-UNWANTED_ITEM"),
                item("ret-5", "R-1-0", &shipment, "NOT-A-REASON"),
                item("ret-6", "R-1-9", &shipment, "CR-UNWANTED_ITEM"),
                item("ret-7", "R-1-1", &shipment, "CR-UNWANTED_ITEM"),
            ]),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let p = &b["payload"];
    let accepted: Vec<&str> = p["returnItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sellerReturnItemId"].as_str().unwrap())
        .collect();
    assert_eq!(accepted, ["ret-1", "ret-2", "ret-3"]);
    let refused: Vec<(&str, &str)> = p["invalidReturnItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["sellerReturnItemId"].as_str().unwrap(),
                r["invalidItemReason"]["invalidItemReasonCode"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("ret-1", "DuplicateRequest"),
            ("ret-5", "InvalidValues"),
            ("ret-6", "InvalidValues"),
            ("ret-7", "NoReturnableQuantity"),
        ]
    );
    // Each item's authorization sends it to the center that holds its SKU (the ledger's).
    let center_of = |entries: &[Value]| entries[0]["fulfillment_center"].clone();
    let a_center = center_of(&api.ledger("RET-A").await);
    let b_center = center_of(&api.ledger("RET-B").await);
    let auths = p["returnAuthorizations"].as_array().unwrap();
    let expected = if a_center == b_center { 1 } else { 2 };
    assert_eq!(auths.len(), expected, "{p}");
    for (r, center) in p["returnItems"]
        .as_array()
        .unwrap()
        .iter()
        .zip([&a_center, &a_center, &b_center])
    {
        assert_eq!(r["status"], "New");
        // T0 + 30 min + 2 h + 4 h: the order shipped and the return was asked for then.
        assert_eq!(r["statusChangedDate"], "2025-06-02T18:30:00Z");
        let auth = auths
            .iter()
            .find(|a| a["returnAuthorizationId"] == r["returnAuthorizationId"])
            .expect("an authorization of the item");
        assert_eq!(&auth["fulfillmentCenterId"], center);
        assert_eq!(auth["returnToAddress"]["countryCode"], "US");
        assert!(
            auth["rmaPageURL"]
                .as_str()
                .unwrap()
                .ends_with(auth["amazonRmaId"].as_str().unwrap())
        );
    }
    // getFulfillmentOrder shows them.
    let o = api.order("R-1").await;
    assert_eq!(o["returnItems"].as_array().unwrap().len(), 3);
    assert_eq!(o["returnAuthorizations"], p["returnAuthorizations"]);
    assert_eq!(o["fulfillmentOrder"]["fulfillmentOrderStatus"], "Complete");

    // Not back before 5 days; then received by their reason's condition.
    api.advance(5.0 * 86400.0 - 60.0).await;
    let o = api.order("R-1").await;
    assert!(
        o["returnItems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "New")
    );
    assert_eq!(api.stock("RET-A").await["fulfillable"], 7);
    api.advance(60.0).await;
    let o = api.order("R-1").await;
    let conditions: Vec<(&str, &str)> = o["returnItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["status"], "Processed");
            assert!(r["fulfillmentCenterId"].is_string());
            (
                r["sellerReturnItemId"].as_str().unwrap(),
                r["returnReceivedCondition"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        conditions,
        [
            ("ret-1", "Sellable"),
            ("ret-2", "Defective"),
            ("ret-3", "CarrierDamaged")
        ]
    );
    let a = api.stock("RET-A").await;
    assert_eq!(a["fulfillable"], 8);
    assert_eq!(a["unfulfillable"]["defective"], 1);
    assert_eq!(a["total"], 9);
    let b = api.stock("RET-B").await;
    assert_eq!(b["fulfillable"], 2);
    assert_eq!(b["unfulfillable"]["carrier_damaged"], 1);
    // The ledger: one CustomerReturns entry per disposition, referencing the order.
    let returns: Vec<(i64, String, String)> = api
        .ledger("RET-A")
        .await
        .iter()
        .filter(|e| e["event_type"] == "CustomerReturns")
        .map(|e| {
            (
                e["quantity"].as_i64().unwrap(),
                e["disposition"].as_str().unwrap().to_string(),
                e["reference_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        returns,
        [
            (1, "SELLABLE".to_string(), "R-1".to_string()),
            (1, "DEFECTIVE".to_string(), "R-1".to_string())
        ]
    );
    // The ledger's SELLABLE balance is the units on hand.
    let sellable: i64 = api
        .ledger("RET-A")
        .await
        .iter()
        .filter(|e| e["disposition"] == "SELLABLE")
        .map(|e| e["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(sellable, 8);
    // FBA Inventory agrees.
    let (s, inv) = api
        .call(
            "getInventorySummaries",
            Method::GET,
            &format!(
                "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}\
                 &marketplaceIds={US}&details=true&sellerSku=RET-A"
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{inv}");
    let d = &inv["payload"]["inventorySummaries"][0];
    assert_eq!(d["inventoryDetails"]["fulfillableQuantity"], 8);
    assert_eq!(
        d["inventoryDetails"]["unfulfillableQuantity"]["defectiveQuantity"],
        1
    );
    assert_eq!(d["totalQuantity"], 9);

    // The third unit of RET-A can still come back, a fourth cannot.
    let (s, b) = api
        .give_back(
            "R-1",
            json!([
                item("ret-8", "R-1-0", &shipment, "CR-UNWANTED_ITEM"),
                item("ret-9", "R-1-0", &shipment, "CR-UNWANTED_ITEM"),
            ]),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["returnItems"].as_array().unwrap().len(), 1);
    assert_eq!(
        b["payload"]["invalidReturnItems"][0]["invalidItemReason"]["invalidItemReasonCode"],
        "NoReturnableQuantity"
    );
    let o = api.order("R-1").await;
    assert_eq!(
        o["returnAuthorizations"].as_array().unwrap().len(),
        expected + 1
    );

    // Bad requests: unknown order, no items, a malformed body, another seller's order.
    let (s, b) = api
        .give_back(
            "NO-SUCH",
            json!([item("x", "R-1-0", &shipment, "CR-DEFECTIVE")]),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    assert_eq!(b["errors"][0]["code"], "NotFound");
    let (s, b) = api.give_back("R-1", json!([])).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .call(
            "createFulfillmentReturn",
            Method::PUT,
            &format!("{ORDERS}/R-1/return"),
            Some(json!({"items": "all of them"})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (_, other) = api.w.other_seller("NA", &[US]).await;
    let (s, b) = api
        .w
        .call(
            MODEL,
            "createFulfillmentReturn",
            &other,
            Method::PUT,
            &format!("{ORDERS}/R-1/return"),
            Some(json!({"items": [item("x", "R-1-0", &shipment, "CR-DEFECTIVE")]})),
        )
        .await;
    assert_eq!(s, 404, "another seller's order: {b}");
    let (s, b) = api
        .w
        .call(
            MODEL,
            "listReturnReasonCodes",
            &other,
            Method::GET,
            "/fba/outbound/2020-07-01/returnReasonCodes?sellerSku=RET-A&sellerFulfillmentOrderId=R-1",
            None,
        )
        .await;
    assert_eq!(s, 404, "{b}");

    // FULFILLMENT_ORDER_STATUS: R-1's 6 lifecycle events, then one Return event per SKU.
    let envelopes = api.delivered(&subscription, 8).await;
    assert_eq!(envelopes.len(), 8, "{envelopes:#?}");
    for e in &envelopes {
        schema_valid(e);
    }
    let returns: Vec<(String, i64)> = envelopes
        .iter()
        .map(|e| &e["Payload"]["FulfillmentOrderStatusNotification"])
        .filter(|n| n["EventType"] == "Return")
        .map(|n| {
            assert_eq!(n["FulfillmentOrderStatus"], "Complete");
            assert_eq!(n["SellerFulfillmentOrderId"], "R-1");
            let r = &n["FulfillmentReturnItem"];
            (
                r["SellerSKU"].as_str().unwrap().to_string(),
                r["ReturnedQuantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        returns,
        [("RET-A".to_string(), 2), ("RET-B".to_string(), 1)]
    );
    let shipments = envelopes
        .iter()
        .filter(|e| e["Payload"]["FulfillmentOrderStatusNotification"]["EventType"] == "Shipment")
        .count();
    assert_eq!(shipments, 2);
}

#[tokio::test]
async fn returned_units_come_back_into_the_fba_stock_on_the_clock() {
    returns_scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn returned_units_come_back_into_the_fba_stock_on_the_clock_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    returns_scenario(StoreConfig::Postgres(url)).await;
}

#[tokio::test]
async fn submit_fulfillment_order_status_update_follows_the_lifecycle_rules() {
    let api = Api::start(StoreConfig::SqliteMemory).await;
    let subscription = api.subscribe().await;
    api.sku("ST-A", 10).await;

    // Forward, one status at a time or several at once; the same stock movements.
    api.create("S-1", &[("ST-A", 2)], json!({})).await;
    assert_eq!(api.stock("ST-A").await["fulfillable"], 8);
    let (s, b) = api.force("S-1", "Planning").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b, json!({}));
    assert_eq!(api.status("S-1").await, "Planning");
    let (s, b) = api.force("S-1", "Received").await;
    assert_eq!(s, 400, "no going back: {b}");
    assert_eq!(b["errors"][0]["code"], "InvalidInput");
    let (s, b) = api.force("S-1", "Planning").await;
    assert_eq!(s, 200, "the status it is in: {b}");
    let (s, b) = api.force("S-1", "Complete").await;
    assert_eq!(s, 200, "{b}");
    let o = api.order("S-1").await;
    assert_eq!(o["fulfillmentOrder"]["fulfillmentOrderStatus"], "Complete");
    assert_eq!(
        o["fulfillmentShipments"][0]["fulfillmentShipmentStatus"],
        "SHIPPED"
    );
    let st = api.stock("ST-A").await;
    assert_eq!(
        (
            st["fulfillable"].clone(),
            st["pending_customer_order"].clone()
        ),
        (json!(8), json!(0))
    );
    let package =
        o["fulfillmentShipments"][0]["fulfillmentShipmentPackage"][0]["packageNumber"].clone();
    let (s, b) = api
        .call(
            "getPackageTrackingDetails",
            Method::GET,
            &format!("/fba/outbound/2020-07-01/tracking?packageNumber={package}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = api.force("S-1", "Cancelled").await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Complete"),
        "the state is named: {b}"
    );
    // The jobs the forced steps left behind find the order moved on.
    let mut api = api;
    api.advance(86400.0).await;
    assert_eq!(api.status("S-1").await, "Complete");

    // Cancelled: Received or Planning only, units back.
    api.create("S-2", &[("ST-A", 3)], json!({"fulfillmentAction": "Hold"}))
        .await;
    assert_eq!(api.stock("ST-A").await["fulfillable"], 5);
    let (s, b) = api.force("S-2", "Cancelled").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(api.status("S-2").await, "Cancelled");
    assert_eq!(api.stock("ST-A").await["fulfillable"], 8);

    // Unfulfillable while Processing: units back, the pending shipment cancelled.
    api.create("S-3", &[("ST-A", 1)], json!({})).await;
    let (s, b) = api.force("S-3", "Processing").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(api.stock("ST-A").await["fulfillable"], 7);
    let (s, b) = api.force("S-3", "Invalid").await;
    assert_eq!(s, 400, "only before validation: {b}");
    let (s, b) = api.force("S-3", "Cancelled").await;
    assert_eq!(s, 400, "not while Processing: {b}");
    let (s, b) = api.force("S-3", "Unfulfillable").await;
    assert_eq!(s, 200, "{b}");
    let o = api.order("S-3").await;
    assert_eq!(
        o["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Unfulfillable"
    );
    assert_eq!(o["fulfillmentOrderItems"][0]["unfulfillableQuantity"], 1);
    assert_eq!(
        o["fulfillmentShipments"][0]["fulfillmentShipmentStatus"],
        "CANCELLED_BY_FULFILLER"
    );
    assert_eq!(api.stock("ST-A").await["fulfillable"], 8);

    // Invalid while Received.
    api.create("S-4", &[("ST-A", 1)], json!({})).await;
    let (s, b) = api.force("S-4", "Invalid").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(api.status("S-4").await, "Invalid");
    assert_eq!(api.stock("ST-A").await["fulfillable"], 8);

    // Short orders: FillOrKill holds nothing (Unfulfillable only); FillAllAvailable
    // completes partialled, never Complete.
    api.create("S-5", &[("ST-A", 50)], json!({})).await;
    let (s, b) = api.force("S-5", "Complete").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.force("S-5", "Unfulfillable").await;
    assert_eq!(s, 200, "{b}");
    api.create(
        "S-6",
        &[("ST-A", 50)],
        json!({"fulfillmentPolicy": "FillAllAvailable"}),
    )
    .await;
    assert_eq!(api.stock("ST-A").await["fulfillable"], 0);
    let (s, b) = api.force("S-6", "Complete").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.force("S-6", "CompletePartialled").await;
    assert_eq!(s, 200, "{b}");
    let o = api.order("S-6").await;
    assert_eq!(
        o["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "CompletePartialled"
    );
    assert_eq!(
        o["fulfillmentShipments"][0]["fulfillmentShipmentItem"][0]["quantity"],
        8
    );

    // Bad input.
    let (s, b) = api.force("NO-SUCH", "Complete").await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = api.force("S-6", "Shipped").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .call(
            "submitFulfillmentOrderStatusUpdate",
            Method::PUT,
            &format!("{ORDERS}/S-6/status"),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (_, other) = api.w.other_seller("NA", &[US]).await;
    api.create(
        "S-7",
        &[("ST-A", 1)],
        json!({"fulfillmentPolicy": "FillAll"}),
    )
    .await;
    let (s, b) = api
        .w
        .call(
            MODEL,
            "submitFulfillmentOrderStatusUpdate",
            &other,
            Method::PUT,
            &format!("{ORDERS}/S-7/status"),
            Some(json!({"fulfillmentOrderStatus": "Cancelled"})),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    assert_eq!(api.status("S-7").await, "Received");

    // Every step notified, in order, schema-checked.
    // S-1: Received, Planning, Processing, Shipment, Complete, Shipment = 6; S-2: 2;
    // S-3: Received, Planning, Processing, Shipment, Unfulfillable, Shipment = 6; S-4: 2;
    // S-5: 2; S-6: 6; S-7: 1.
    let envelopes = api.delivered(&subscription, 25).await;
    assert_eq!(envelopes.len(), 25);
    for e in &envelopes {
        schema_valid(e);
    }
    let s1: Vec<String> = envelopes
        .iter()
        .map(|e| &e["Payload"]["FulfillmentOrderStatusNotification"])
        .filter(|n| n["SellerFulfillmentOrderId"] == "S-1")
        .map(|n| {
            format!(
                "{}:{}",
                n["EventType"].as_str().unwrap(),
                n["FulfillmentOrderStatus"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        s1,
        [
            "Order:Received",
            "Order:Planning",
            "Order:Processing",
            "Shipment:Processing",
            "Order:Complete",
            "Shipment:Complete"
        ]
    );
}

#[tokio::test]
async fn features_list_the_eligible_fba_skus_with_paging() {
    let api = Api::start(StoreConfig::SqliteMemory).await;
    let features = |mp: &'static str| {
        let api = &api;
        async move {
            api.call(
                "getFeatures",
                Method::GET,
                &format!("/fba/outbound/2020-07-01/features?marketplaceId={mp}"),
                None,
            )
            .await
        }
    };
    let (s, b) = features(US).await;
    assert_eq!(s, 200, "{b}");
    let names: Vec<&str> = b["payload"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["sellerEligible"], true);
            f["featureName"].as_str().unwrap()
        })
        .collect();
    for n in ["BLANK_BOX", "BLOCK_AMZL", "SIGNATURE_CONFIRMATION"] {
        assert!(names.contains(&n), "{names:?}");
    }
    let (s, b) = features("A2EUQ1WTGCTBG2").await;
    assert_eq!(s, 200, "{b}");
    let ca: Vec<&str> = b["payload"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["featureName"].as_str().unwrap())
        .collect();
    assert!(
        ca.contains(&"BLANK_BOX") && !ca.contains(&"SIGNATURE_CONFIRMATION"),
        "{ca:?}"
    );
    let (s, b) = features("NOT-A-MARKETPLACE").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = features("A1PA6795UKMFR9").await;
    assert_eq!(s, 400, "a marketplace the seller does not sell in: {b}");

    // 55 SKUs with units, one without.
    for i in 0..55 {
        api.sku(&format!("FEAT-{i:03}"), i + 1).await;
    }
    api.sku("FEAT-EMPTY", 0).await;
    let sku = |feature: &str, sku: &str| {
        let api = &api;
        let path = format!(
            "/fba/outbound/2020-07-01/features/inventory/{feature}/{}?marketplaceId={US}",
            enc(sku)
        );
        async move { api.call("getFeatureSKU", Method::GET, &path, None).await }
    };
    let (s, b) = sku("BLANK_BOX", "FEAT-004").await;
    assert_eq!(s, 200, "{b}");
    let p = &b["payload"];
    assert_eq!(p["isEligible"], true, "{b}");
    assert_eq!(p["skuCount"], 5.0);
    assert_eq!(p["sellerSku"], "FEAT-004");
    assert!(p["fnSku"].as_str().unwrap().starts_with('X'));
    let (s, b) = sku("BLANK_BOX", "FEAT-EMPTY").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["isEligible"], false);
    assert_eq!(
        b["payload"]["ineligibleReasons"],
        json!(["SKU_NOT_ELIGIBLE"])
    );
    assert!(b["payload"].get("sellerSku").is_none(), "{b}");
    let (s, b) = sku("BLANK_BOX", "NO-SUCH-SKU").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["ineligibleReasons"], json!(["INVALID_SKU"]));
    let (s, b) = sku("NOT_A_FEATURE", "FEAT-004").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .call(
            "getFeatureSKU",
            Method::GET,
            "/fba/outbound/2020-07-01/features/inventory/SIGNATURE_CONFIRMATION/FEAT-004?marketplaceId=A2EUQ1WTGCTBG2",
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["payload"]["ineligibleReasons"],
        json!(["MERCHANT_NOT_ENROLLED"])
    );

    // The inventory: pages of 50 by SKU, every SKU with units once.
    let inventory = |query: String| {
        let api = &api;
        async move {
            api.call(
                "getFeatureInventory",
                Method::GET,
                &format!("/fba/outbound/2020-07-01/features/inventory/BLANK_BOX?marketplaceId={US}{query}"),
                None,
            )
            .await
        }
    };
    let (s, b) = inventory(String::new()).await;
    assert_eq!(s, 200, "{b}");
    let first: Vec<String> = b["payload"]["featureSkus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sellerSku"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(first.len(), 50);
    let token = b["payload"]["nextToken"]
        .as_str()
        .expect("a next page")
        .to_string();
    let (s, b) = inventory(format!("&nextToken={}", enc(&token))).await;
    assert_eq!(s, 200, "{b}");
    let second: Vec<String> = b["payload"]["featureSkus"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sellerSku"].as_str().unwrap().to_string())
        .collect();
    assert!(b["payload"].get("nextToken").is_none(), "{b}");
    let all: Vec<String> = first.into_iter().chain(second).collect();
    let expected: Vec<String> = (0..55).map(|i| format!("FEAT-{i:03}")).collect();
    assert_eq!(all, expected, "sorted, complete, without the empty SKU");
    let (s, b) = api
        .call(
            "getFeatureInventory",
            Method::GET,
            &format!(
                "/fba/outbound/2020-07-01/features/inventory/PACKING_SLIP?marketplaceId={US}&nextToken={}",
                enc(&token)
            ),
            None,
        )
        .await;
    assert_eq!(s, 400, "a token of another feature: {b}");
    let (s, b) = inventory("&nextToken=garbage".into()).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = inventory("&queryStartDate=not-a-date".into()).await;
    assert_eq!(s, 400, "{b}");

    // queryStartDate: only SKUs whose stock changed since.
    let mut api = api;
    api.advance(3600.0).await;
    let (_, clock) = api.w.control(Method::GET, "/clock", None).await;
    let since = clock["now"].as_str().unwrap().to_string();
    api.set_stock("FEAT-010", 99).await;
    let (s, b) = api
        .call(
            "getFeatureInventory",
            Method::GET,
            &format!(
                "/fba/outbound/2020-07-01/features/inventory/BLANK_BOX?marketplaceId={US}&queryStartDate={}",
                enc(&since)
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let changed = &b["payload"]["featureSkus"];
    assert_eq!(changed.as_array().unwrap().len(), 1, "{b}");
    assert_eq!(changed[0]["sellerSku"], "FEAT-010");
    assert_eq!(changed[0]["skuCount"], 99.0);
}

#[tokio::test]
async fn delivery_offers_promise_what_the_preview_promises() {
    let api = Api::start(StoreConfig::SqliteMemory).await;
    api.sku("DO-A", 4).await;
    let body = |sku: &str, amount: Value, country: &str, destination: Value| {
        json!({
            "product": {"productIdentifier": {"merchantSku": sku},
                "amount": {"unitOfMeasure": "Eaches", "value": amount}},
            "terms": {"origin": {"countryCode": country}, "destination": destination}
        })
    };
    let home = json!({"deliveryAddress": {"addressLine1": "1 Main St", "city": "Portland",
        "stateOrRegion": "OR", "postalCode": "97201", "countryCode": "US"}});
    let offers = |b: Value| {
        let api = &api;
        async move {
            api.call(
                "deliveryOffers",
                Method::POST,
                "/fba/outbound/2020-07-01/deliveryOffers",
                Some(b),
            )
            .await
        }
    };
    let (s, b) = offers(body("DO-A", json!("2"), "US", home.clone())).await;
    assert_eq!(s, 200, "{b}");
    let list = b["payload"]["deliveryOffers"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{b}");
    let offer = &list[0];
    // T0 + 1 h.
    assert_eq!(offer["expiresAt"], "2025-06-02T13:00:00Z");
    assert!(
        offer["policy"]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Get it ")
    );
    let (s, p) = api
        .call(
            "getFulfillmentPreview",
            Method::POST,
            "/fba/outbound/2020-07-01/fulfillmentOrders/preview",
            Some(json!({
                "marketplaceId": US,
                "address": {"name": "Pat", "addressLine1": "1 Main St", "city": "Portland",
                    "stateOrRegion": "OR", "postalCode": "97201", "countryCode": "US"},
                "items": [{"sellerSku": "DO-A", "quantity": 2, "sellerFulfillmentOrderItemId": "1"}],
                "shippingSpeedCategories": ["Standard"],
            })),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let shipment = &p["payload"]["fulfillmentPreviews"][0]["fulfillmentPreviewShipments"][0];
    assert_eq!(
        offer["dateRange"]["earliest"], shipment["earliestArrivalDate"],
        "{b} {p}"
    );
    assert!(offer["dateRange"]["latest"].as_str() > shipment["latestArrivalDate"].as_str());

    // More than the stock, or abroad: no offer.
    let (s, b) = offers(body("DO-A", json!("5"), "US", home.clone())).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["deliveryOffers"], json!([]));
    let abroad = json!({"deliveryAddress": {"city": "Toronto", "postalCode": "M5V 2T6",
        "countryCode": "CA"}});
    let (s, b) = offers(body("DO-A", json!("1"), "US", abroad)).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["deliveryOffers"], json!([]));
    let (s, b) = offers(body(
        "DO-A",
        json!("1"),
        "US",
        json!({"ipAddress": "203.0.113.9"}),
    ))
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["deliveryOffers"].as_array().unwrap().len(), 1);

    // Bad input.
    let (s, b) = offers(body("NOPE", json!("1"), "US", home.clone())).await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("is invalid"),
        "{b}"
    );
    let (s, b) = offers(body("DO-A", json!("1.5"), "US", home.clone())).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = offers(body("DO-A", json!("0"), "US", home.clone())).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = offers(body("DO-A", json!("1"), "DE", home.clone())).await;
    assert_eq!(s, 400, "a country the seller does not sell in: {b}");
    let (s, b) = offers(body("DO-A", json!("1"), "US", json!({}))).await;
    assert_eq!(s, 400, "no destination: {b}");
    let (s, b) = offers(json!({"product": {}})).await;
    assert_eq!(s, 400, "{b}");
}

const REPORTS: &str = "models/reports-api-model/reports_2021-06-30.json";

impl Api {
    /// Creates a report; (status, body) of createReport.
    async fn request_report(&self, body: Value) -> (u16, Value) {
        self.w
            .call(
                REPORTS,
                "createReport",
                &self.token,
                Method::POST,
                "/reports/2021-06-30/reports",
                Some(body),
            )
            .await
    }

    /// A DONE report's TSV: header and rows.
    async fn report_rows(&self, report_id: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let (s, r) = self
            .w
            .call(
                REPORTS,
                "getReport",
                &self.token,
                Method::GET,
                &format!("/reports/2021-06-30/reports/{report_id}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["processingStatus"], "DONE", "{r}");
        let (s, d) = self
            .w
            .call(
                REPORTS,
                "getReportDocument",
                &self.token,
                Method::GET,
                &format!(
                    "/reports/2021-06-30/documents/{}",
                    r["reportDocumentId"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(s, 200, "{d}");
        assert!(d.get("compressionAlgorithm").is_none(), "{d}");
        let resp = self
            .w
            .http
            .get(d["url"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        let text = resp.text().await.unwrap();
        let mut lines = text
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>());
        let header = lines.next().expect("a header");
        let rows: Vec<Vec<String>> = lines.collect();
        for r in &rows {
            assert_eq!(r.len(), header.len(), "{header:?} {r:?}");
        }
        (header, rows)
    }
}

/// The value of `column` in `row` of a report with `header`.
fn cell<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let i = header
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    &row[i]
}

#[tokio::test]
async fn fba_reports_agree_with_the_stock_and_its_ledger() {
    let mut api = Api::start(StoreConfig::SqliteMemory).await;
    api.sku("REP-A", 10).await;
    api.sku("REP-B", 4).await;
    // REP-A: 2 shipped by MCF, 1 returned defective; 1 damaged in the warehouse; 3 held by an
    // order not shipped yet.
    api.create("REP-1", &[("REP-A", 2)], json!({})).await;
    let (s, b) = api.force("REP-1", "Complete").await;
    assert_eq!(s, 200, "{b}");
    let shipment = api.order("REP-1").await["fulfillmentShipments"][0]["amazonShipmentId"].clone();
    let (s, b) = api
        .give_back(
            "REP-1",
            json!([item("r1", "REP-1-0", &shipment, "CR-DEFECTIVE")]),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    api.advance(5.0 * 86400.0).await;
    let (s, b) = api
        .w
        .control(
            Method::POST,
            &format!("/sellers/{}/fba-stock/REP-A/damage", api.w.seller_id),
            Some(json!({"quantity": 1, "disposition": "WAREHOUSE_DAMAGED", "marketplace_id": US})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    api.create(
        "REP-2",
        &[("REP-A", 3)],
        json!({"fulfillmentAction": "Hold"}),
    )
    .await;
    let stock = api.stock("REP-A").await;
    assert_eq!(stock["fulfillable"], 4);
    assert_eq!(stock["pending_customer_order"], 3);
    assert_eq!(stock["total_unfulfillable"], 2);

    // A bad reportOption is refused at createReport.
    let (s, b) = api
        .request_report(json!({"reportType": "GET_LEDGER_SUMMARY_VIEW_DATA",
            "marketplaceIds": [US], "reportOptions": {"aggregateByLocation": "PLANET"}}))
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .request_report(json!({"reportType": "GET_LEDGER_SUMMARY_VIEW_DATA",
            "marketplaceIds": [US], "reportOptions": {"colour": "blue"}}))
        .await;
    assert_eq!(s, 400, "{b}");

    let mut ids = BTreeMap::new();
    for (name, body) in [
        (
            "myi",
            json!({"reportType": "GET_FBA_MYI_ALL_INVENTORY_DATA", "marketplaceIds": [US]}),
        ),
        (
            "unsuppressed",
            json!({"reportType": "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA", "marketplaceIds": [US]}),
        ),
        (
            "reserved",
            json!({"reportType": "GET_RESERVED_INVENTORY_DATA", "marketplaceIds": [US]}),
        ),
        (
            "detail",
            json!({"reportType": "GET_LEDGER_DETAIL_VIEW_DATA", "marketplaceIds": [US]}),
        ),
        (
            "summary",
            json!({"reportType": "GET_LEDGER_SUMMARY_VIEW_DATA", "marketplaceIds": [US]}),
        ),
        (
            "summary-fc",
            json!({"reportType": "GET_LEDGER_SUMMARY_VIEW_DATA", "marketplaceIds": [US],
            "reportOptions": {"aggregateByLocation": "FC", "aggregatedByTimePeriod": "DAILY"}}),
        ),
    ] {
        let (s, b) = api.request_report(body).await;
        assert_eq!(s, 202, "{b}");
        ids.insert(name, b["reportId"].as_str().unwrap().to_string());
    }
    api.advance(10.0).await;

    // MYI: the summaries' numbers.
    let (s, inv) = api
        .call(
            "getInventorySummaries",
            Method::GET,
            &format!(
                "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}\
                 &marketplaceIds={US}&details=true"
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{inv}");
    let summaries = inv["payload"]["inventorySummaries"].as_array().unwrap();
    for name in ["myi", "unsuppressed"] {
        let (h, rows) = api.report_rows(&ids[name]).await;
        assert_eq!(rows.len(), summaries.len(), "{name}: {rows:?}");
        for sm in summaries {
            let sku = sm["sellerSku"].as_str().unwrap();
            let row = rows.iter().find(|r| r[0] == sku).expect("a row per SKU");
            let d = &sm["inventoryDetails"];
            assert_eq!(cell(&h, row, "fnsku"), sm["fnSku"].as_str().unwrap());
            assert_eq!(
                cell(&h, row, "afn-fulfillable-quantity"),
                d["fulfillableQuantity"].to_string()
            );
            assert_eq!(
                cell(&h, row, "afn-unsellable-quantity"),
                d["unfulfillableQuantity"]["totalUnfulfillableQuantity"].to_string()
            );
            assert_eq!(
                cell(&h, row, "afn-reserved-quantity"),
                d["reservedQuantity"]["totalReservedQuantity"].to_string()
            );
            assert_eq!(
                cell(&h, row, "afn-total-quantity"),
                sm["totalQuantity"].to_string()
            );
        }
    }
    let (h, rows) = api.report_rows(&ids["myi"]).await;
    let a = rows.iter().find(|r| r[0] == "REP-A").unwrap();
    assert_eq!(cell(&h, a, "afn-fulfillable-quantity"), "4");
    assert_eq!(cell(&h, a, "afn-unsellable-quantity"), "2");
    assert_eq!(cell(&h, a, "afn-total-quantity"), "9");

    // Reserved: only REP-A holds units.
    let (h, rows) = api.report_rows(&ids["reserved"]).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(cell(&h, &rows[0], "sku"), "REP-A");
    assert_eq!(cell(&h, &rows[0], "reserved_qty"), "3");
    assert_eq!(cell(&h, &rows[0], "reserved_customerorders"), "3");

    // Ledger detail: the control plane's ledger, entry for entry.
    let (h, rows) = api.report_rows(&ids["detail"]).await;
    let mut ledger = api.ledger("REP-A").await;
    ledger.extend(api.ledger("REP-B").await);
    assert_eq!(rows.len(), ledger.len(), "{rows:?}\n{ledger:#?}");
    let returns: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| cell(&h, r, "Event Type") == "CustomerReturns")
        .collect();
    assert_eq!(returns.len(), 1);
    assert_eq!(cell(&h, returns[0], "MSKU"), "REP-A");
    assert_eq!(cell(&h, returns[0], "Quantity"), "1");
    assert_eq!(cell(&h, returns[0], "Disposition"), "DEFECTIVE");
    assert_eq!(cell(&h, returns[0], "Reference ID"), "REP-1");
    assert_eq!(cell(&h, returns[0], "Country"), "US");
    assert_eq!(cell(&h, returns[0], "Date"), "06/07/2025");
    let shipped: i64 = rows
        .iter()
        .filter(|r| cell(&h, r, "Event Type") == "Shipments")
        .map(|r| cell(&h, r, "Quantity").parse::<i64>().unwrap())
        .sum();
    assert_eq!(shipped, -2);

    // Ledger summary, by country and month: REP-A's SELLABLE units end at what is on hand
    // (fulfillable + reserved), its DEFECTIVE units at the return.
    let (h, rows) = api.report_rows(&ids["summary"]).await;
    let row = |disposition: &str| {
        rows.iter()
            .find(|r| cell(&h, r, "MSKU") == "REP-A" && cell(&h, r, "Disposition") == disposition)
            .unwrap_or_else(|| panic!("no {disposition} row: {rows:?}"))
            .clone()
    };
    let sellable = row("SELLABLE");
    assert_eq!(cell(&h, &sellable, "Date"), "06/2025");
    assert_eq!(cell(&h, &sellable, "Location"), "US");
    assert_eq!(cell(&h, &sellable, "Customer Shipments"), "-2");
    assert_eq!(cell(&h, &sellable, "Ending Warehouse Balance"), "7");
    let defective = row("DEFECTIVE");
    assert_eq!(cell(&h, &defective, "Customer Returns"), "1");
    assert_eq!(cell(&h, &defective, "Ending Warehouse Balance"), "1");
    assert_eq!(cell(&h, &row("WAREHOUSE_DAMAGED"), "Damaged"), "1");
    // By fulfillment center and day: the SKU's center, one row per day with a movement.
    let (h, rows) = api.report_rows(&ids["summary-fc"]).await;
    let center = api.ledger("REP-A").await[0]["fulfillment_center"]
        .as_str()
        .unwrap()
        .to_string();
    let a_rows: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| cell(&h, r, "MSKU") == "REP-A")
        .collect();
    assert!(!a_rows.is_empty());
    for r in &a_rows {
        assert_eq!(cell(&h, r, "Location"), center);
    }
    let last_day = a_rows
        .iter()
        .filter(|r| cell(&h, r, "Disposition") == "SELLABLE")
        .max_by_key(|r| cell(&h, r, "Date").to_string())
        .unwrap();
    assert_eq!(cell(&h, last_day, "Date"), "06/07/2025");
    assert_eq!(cell(&h, last_day, "Ending Warehouse Balance"), "7");
}
