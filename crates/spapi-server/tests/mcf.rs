//! Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfillment) over real HTTP, on SQLite and
//! PostgreSQL: orders created on the seller's FBA stock (the same units buyers order), their
//! lifecycle on the clock (Received -> Planning -> Processing -> Complete, a shipment with a
//! package and a tracking number), hold and release, cancellation rules, orders larger than
//! the stock under each policy, an MCF order selling a listing out for buyers, listing with
//! queryStartDate and nextToken; every response conforms to the model.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;
use std::time::Duration;

const MODEL: &str = "models/fulfillment-outbound-api-model/fulfillmentOutbound_2020-07-01.json";
const NOTIFICATIONS: &str = "models/notifications-api-model/notifications.json";
const FBA_MODEL: &str = "models/fba-inventory-api-model/fbaInventory.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const ARN: &str = "arn:aws:sqs:us-east-1:123456789012:spapi-mcf";
const ORDERS: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";

fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
    }
}

struct Api<'a> {
    w: &'a World,
    token: std::sync::Mutex<String>,
}

impl Api<'_> {
    /// Advances the clock (running the due jobs) and takes a fresh access token, as the
    /// old one may have expired on the way.
    async fn advance(&self, seconds: f64) {
        advance(self.w, seconds).await;
        *self.token.lock().unwrap() = self.w.access_token().await;
    }

    async fn call(
        &self,
        op: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .w
            .http
            .request(method, format!("{}{path}", self.w.base))
            .header("x-amz-access-token", self.token.lock().unwrap().clone());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
        assert!(status < 500, "{op} {path}: {status} {body}");
        let model = if op.contains("Inventory") {
            FBA_MODEL
        } else {
            MODEL
        };
        conforms(model, op, status, &body);
        (status, body)
    }

    async fn notifications_call(&self, op: &str, path: &str, body: Value) -> (u16, Value) {
        let token = self.token.lock().unwrap().clone();
        let resp = self
            .w
            .http
            .post(format!("{}{path}", self.w.base))
            .header("x-amz-access-token", token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        conforms(NOTIFICATIONS, op, status, &body);
        (status, body)
    }

    async fn create(&self, body: Value) -> (u16, Value) {
        self.call("createFulfillmentOrder", Method::POST, ORDERS, Some(body))
            .await
    }

    async fn get(&self, id: &str) -> (u16, Value) {
        self.call(
            "getFulfillmentOrder",
            Method::GET,
            &format!("{ORDERS}/{id}"),
            None,
        )
        .await
    }

    /// The payload of an order that must exist.
    async fn order(&self, id: &str) -> Value {
        let (s, b) = self.get(id).await;
        assert_eq!(s, 200, "{id}: {b}");
        b["payload"].clone()
    }

    async fn status(&self, id: &str) -> String {
        self.order(id).await["fulfillmentOrder"]["fulfillmentOrderStatus"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn cancel(&self, id: &str) -> (u16, Value) {
        self.call(
            "cancelFulfillmentOrder",
            Method::PUT,
            &format!("{ORDERS}/{id}/cancel"),
            None,
        )
        .await
    }

    async fn update(&self, id: &str, body: Value) -> (u16, Value) {
        self.call(
            "updateFulfillmentOrder",
            Method::PUT,
            &format!("{ORDERS}/{id}"),
            Some(body),
        )
        .await
    }

    async fn tracking(&self, package: &Value) -> (u16, Value) {
        self.call(
            "getPackageTrackingDetails",
            Method::GET,
            &format!("/fba/outbound/2020-07-01/tracking?packageNumber={package}"),
            None,
        )
        .await
    }

    async fn list(&self, query: &str) -> (u16, Value) {
        self.call(
            "listAllFulfillmentOrders",
            Method::GET,
            &format!("{ORDERS}?{query}"),
            None,
        )
        .await
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
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
        "displayableOrderComment": "Thank you for your order",
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

async fn advance(w: &World, seconds: f64) {
    let (s, b) = w
        .control(
            Method::POST,
            "/clock",
            Some(json!({"advance_seconds": seconds})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

async fn now(w: &World) -> String {
    let (s, b) = w.control(Method::GET, "/clock", None).await;
    assert_eq!(s, 200, "{b}");
    b["now"].as_str().unwrap().to_string()
}

/// (fulfillable, pending customer order) units of a SKU.
async fn stock(w: &World, sku: &str) -> (i64, i64) {
    let (s, b) = w
        .control(
            Method::GET,
            &format!(
                "/sellers/{}/fba-stock/{}?marketplace_id={US}",
                w.seller_id,
                enc(sku)
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    (
        b["fulfillable"].as_i64().unwrap(),
        b["pending_customer_order"].as_i64().unwrap(),
    )
}

async fn set_stock(w: &World, sku: &str, units: i64) {
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/fba-inventory", w.seller_id),
            Some(json!({"sku": sku, "marketplace_id": US, "fulfillable": units})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

/// The envelopes delivered to `subscription`, once there are at least `n`.
async fn delivered(w: &World, subscription: &str, n: usize) -> Vec<Value> {
    let mut last = vec![];
    for _ in 0..200 {
        let (s, b) = w
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

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let api = Api {
        w: &w,
        token: std::sync::Mutex::new(w.access_token().await),
    };

    let grantless = Api {
        w: &w,
        token: std::sync::Mutex::new(w.grantless_token("sellingpartnerapi::notifications").await),
    };
    let (s, b) = grantless
        .notifications_call(
            "createDestination",
            "/notifications/v1/destinations",
            json!({"name": "mcf", "resourceSpecification": {"sqs": {"arn": ARN}}}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let destination = b["payload"]["destinationId"].as_str().unwrap().to_string();
    let (s, b) = api
        .notifications_call(
            "createSubscription",
            "/notifications/v1/subscriptions/FULFILLMENT_ORDER_STATUS",
            json!({"payloadVersion": "1.0", "destinationId": destination}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let subscription = b["payload"]["subscriptionId"].as_str().unwrap().to_string();

    // A world with a buyable FBA listing (A), and a SKU created for FBA (B); no buyer
    // simulator, so that only this test moves the stock.
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 3, "products": 24, "days": 1, "orders_per_day": 1})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/buyers", w.seller_id),
            Some(json!({"orders_per_hour": 0.0})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, listings) = w
        .control(
            Method::GET,
            &format!("/sellers/{}/listings", w.seller_id),
            None,
        )
        .await;
    assert_eq!(s, 200, "{listings}");
    let a = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["fulfillment_channel"] == "AFN"
                && l["marketplace_id"] == US
                && l["status"] == "BUYABLE"
                && l["reserved"] == 0
        })
        .expect("a buyable FBA listing no order holds units of")["sku"]
        .as_str()
        .unwrap()
        .to_string();
    let a = a.as_str();
    set_stock(&w, a, 10).await;
    let (_, a_reserved) = stock(&w, a).await;
    let (s, b) = api
        .call(
            "createInventoryItem",
            Method::POST,
            "/fba/inventory/v1/items",
            Some(json!({"sellerSku": "MCF-B", "marketplaceId": US, "productName": "Widget"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    set_stock(&w, "MCF-B", 2).await;

    // Create: 200 with an empty body; the units are held on the listing at once.
    let (s, b) = api.create(order("MCF-1", &[(a, 2)], json!({}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b, json!({}));
    assert_eq!(stock(&w, a).await, (8, a_reserved + 2));
    let o = api.order("MCF-1").await;
    let fo = &o["fulfillmentOrder"];
    assert_eq!(fo["fulfillmentOrderStatus"], "Received");
    assert_eq!(fo["fulfillmentPolicy"], "FillOrKill");
    assert_eq!(fo["fulfillmentAction"], "Ship");
    assert_eq!(fo["displayableOrderId"], "SHOP-MCF-1");
    assert_eq!(fo["receivedDate"], T0);
    assert_eq!(o["fulfillmentOrderItems"][0]["quantity"], 2);
    assert_eq!(o["fulfillmentOrderItems"][0]["unfulfillableQuantity"], 0);
    assert_eq!(o["returnItems"], json!([]));
    assert!(o.get("fulfillmentShipments").is_none(), "{o}");

    // Unique ids, known SKUs, a valid address.
    let (s, b) = api
        .create(order(
            "MCF-1",
            &[(a, 1)],
            json!({"displayableOrderId": "OTHER"}),
        ))
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidInput");
    let (s, b) = api
        .create(order(
            "MCF-X",
            &[(a, 1)],
            json!({"displayableOrderId": "SHOP-MCF-1"}),
        ))
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .create(order("MCF-X", &[("NO-SUCH-SKU", 1)], json!({})))
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("the SellerSKU for Item Id: MCF-X-0 is invalid."),
        "{b}"
    );
    let mut bad = order("MCF-X", &[(a, 1)], json!({}));
    bad["destinationAddress"]["postalCode"] = json!("");
    bad["destinationAddress"]
        .as_object_mut()
        .unwrap()
        .remove("city");
    let (s, b) = api.create(bad).await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("[PostalCode, City]"),
        "{b}"
    );
    let (s, b) = api.create(order("MCF-X", &[(a, 0)], json!({}))).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .create(order(
            "MCF-X",
            &[(a, 1)],
            json!({"fulfillmentAction": "Hold", "shippingSpeedCategory": "ScheduledDelivery"}),
        ))
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.get("MCF-X").await;
    assert_eq!(s, 404, "{b}");
    assert_eq!(b["errors"][0]["code"], "NotFound");
    assert_eq!(
        stock(&w, a).await,
        (8, a_reserved + 2),
        "refused orders hold nothing"
    );

    // Hold: units held, nothing moves until updateFulfillmentOrder says Ship.
    let (s, b) = api
        .create(order(
            "MCF-2",
            &[(a, 1)],
            json!({"fulfillmentAction": "Hold"}),
        ))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(stock(&w, a).await, (7, a_reserved + 3));
    api.advance(1800.0).await;
    assert_eq!(api.status("MCF-1").await, "Planning");
    assert_eq!(api.status("MCF-2").await, "Received");
    api.advance(3600.0).await;
    assert_eq!(api.status("MCF-2").await, "Received");
    let (s, b) = api
        .update(
            "MCF-2",
            json!({"fulfillmentAction": "Ship", "displayableOrderComment": "Gift"}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let o = api.order("MCF-2").await;
    assert_eq!(o["fulfillmentOrder"]["fulfillmentAction"], "Ship");
    assert_eq!(o["fulfillmentOrder"]["displayableOrderComment"], "Gift");
    let (s, b) = api
        .update("MCF-2", json!({"fulfillmentAction": "Hold"}))
        .await;
    assert_eq!(s, 400, "{b}");
    api.advance(1800.0).await;
    assert_eq!(api.status("MCF-2").await, "Planning");
    // Cancel while Planning: the units go back.
    let (s, b) = api.cancel("MCF-2").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b, json!({}));
    let o = api.order("MCF-2").await;
    assert_eq!(o["fulfillmentOrder"]["fulfillmentOrderStatus"], "Cancelled");
    assert_eq!(o["fulfillmentOrderItems"][0]["cancelledQuantity"], 1);
    assert_eq!(stock(&w, a).await, (8, a_reserved + 2));
    let (s, b) = api.cancel("MCF-2").await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.cancel("MCF-X").await;
    assert_eq!(s, 404, "{b}");

    // MCF-1 is picked (Processing, a pending shipment) and ships.
    api.advance(3600.0).await;
    let o = api.order("MCF-1").await;
    assert_eq!(
        o["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Processing"
    );
    let shipment = &o["fulfillmentShipments"][0];
    assert_eq!(shipment["fulfillmentShipmentStatus"], "PENDING");
    assert_eq!(shipment["fulfillmentShipmentItem"][0]["quantity"], 2);
    let package = &shipment["fulfillmentShipmentPackage"][0];
    assert!(
        package["trackingNumber"]
            .as_str()
            .unwrap()
            .starts_with("TBA")
    );
    let package_number = package["packageNumber"].clone();
    let (s, b) = api.tracking(&package_number).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["trackingNumber"], package["trackingNumber"]);
    assert_eq!(
        b["payload"]["trackingEvents"],
        json!([]),
        "not shipped yet: {b}"
    );
    let (s, b) = api.tracking(&json!(7)).await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = api.cancel("MCF-1").await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Processing"),
        "{b}"
    );
    let (s, b) = api
        .update("MCF-1", json!({"displayableOrderComment": "late"}))
        .await;
    assert_eq!(s, 400, "{b}");
    api.advance(4.0 * 3600.0).await;
    let o = api.order("MCF-1").await;
    assert_eq!(o["fulfillmentOrder"]["fulfillmentOrderStatus"], "Complete");
    assert_eq!(
        o["fulfillmentShipments"][0]["fulfillmentShipmentStatus"],
        "SHIPPED"
    );
    assert_eq!(
        stock(&w, a).await,
        (8, a_reserved),
        "shipped units left the stock"
    );
    let (s, b) = api.tracking(&package_number).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["currentStatus"], "IN_TRANSIT", "{b}");
    assert_eq!(
        b["payload"]["trackingEvents"][0]["eventCode"], "EVENT_101",
        "{b}"
    );
    let (s, b) = api.cancel("MCF-1").await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Complete"),
        "{b}"
    );

    // More units than exist: accepted; FillOrKill holds nothing and turns Unfulfillable,
    // FillAllAvailable holds and ships what exists.
    let (s, b) = api.create(order("MCF-3", &[("MCF-B", 5)], json!({}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(stock(&w, "MCF-B").await, (2, 0));
    let (s, b) = api
        .create(order(
            "MCF-4",
            &[("MCF-B", 5)],
            json!({"fulfillmentPolicy": "FillAllAvailable"}),
        ))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(stock(&w, "MCF-B").await, (0, 2));
    api.advance(1800.0).await;
    let o = api.order("MCF-3").await;
    assert_eq!(
        o["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "Unfulfillable"
    );
    assert_eq!(o["fulfillmentOrderItems"][0]["unfulfillableQuantity"], 5);
    let o = api.order("MCF-4").await;
    assert_eq!(o["fulfillmentOrder"]["fulfillmentOrderStatus"], "Planning");
    assert_eq!(o["fulfillmentOrderItems"][0]["unfulfillableQuantity"], 3);
    api.advance(6.0 * 3600.0).await;
    let o = api.order("MCF-4").await;
    assert_eq!(
        o["fulfillmentOrder"]["fulfillmentOrderStatus"],
        "CompletePartialled"
    );
    assert_eq!(
        o["fulfillmentShipments"][0]["fulfillmentShipmentItem"][0]["quantity"],
        2
    );
    assert_eq!(stock(&w, "MCF-B").await, (0, 0));

    // Preview: per speed, against the fulfillable units (A has 8, B none).
    let preview = |lines: Value, speeds: Value| {
        json!({
            "marketplaceId": US,
            "address": {"name": "Pat", "addressLine1": "1 Main St", "city": "Portland",
                "stateOrRegion": "OR", "postalCode": "97201", "countryCode": "US"},
            "items": lines,
            "shippingSpeedCategories": speeds,
        })
    };
    let (s, b) = api
        .call(
            "getFulfillmentPreview",
            Method::POST,
            "/fba/outbound/2020-07-01/fulfillmentOrders/preview",
            Some(preview(
                json!([{"sellerSku": a, "quantity": 8, "sellerFulfillmentOrderItemId": "p1"}]),
                json!(["Standard", "Priority", "ScheduledDelivery"]),
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let previews = b["payload"]["fulfillmentPreviews"].as_array().unwrap();
    assert_eq!(previews.len(), 3);
    assert_eq!(previews[0]["isFulfillable"], true, "{b}");
    assert_eq!(previews[1]["isFulfillable"], true, "{b}");
    assert!(
        previews[0]["fulfillmentPreviewShipments"][0]["earliestArrivalDate"].as_str()
            > previews[1]["fulfillmentPreviewShipments"][0]["earliestArrivalDate"].as_str(),
        "Standard arrives after Priority: {b}"
    );
    assert_eq!(previews[2]["isFulfillable"], false, "JP only: {b}");
    assert_eq!(
        previews[2]["orderUnfulfillableReasons"],
        json!(["DeliverySLAUnavailable"])
    );
    let (s, b) = api
        .call(
            "getFulfillmentPreview",
            Method::POST,
            "/fba/outbound/2020-07-01/fulfillmentOrders/preview",
            Some(preview(
                json!([
                    {"sellerSku": a, "quantity": 9, "sellerFulfillmentOrderItemId": "p1"},
                    {"sellerSku": "NOPE", "quantity": 1, "sellerFulfillmentOrderItemId": "p2"}
                ]),
                json!(["Standard"]),
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let p = &b["payload"]["fulfillmentPreviews"][0];
    assert_eq!(p["isFulfillable"], false, "{b}");
    let reasons: Vec<&Value> = p["unfulfillablePreviewItems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["itemUnfulfillableReasons"][0])
        .collect();
    assert_eq!(
        reasons,
        [&json!("InventoryUnavailable"), &json!("InvalidSKU")]
    );
    assert_eq!(
        stock(&w, a).await,
        (8, a_reserved),
        "a preview holds nothing"
    );

    // One stock: an MCF order sells A out, and a buyer can no longer order it.
    api.advance(1.0).await;
    let start = now(&w).await;
    api.advance(1.0).await;
    let (s, b) = api.create(order("MCF-5", &[(a, 8)], json!({}))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(stock(&w, a).await, (0, a_reserved + 8));
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/orders", w.seller_id),
            Some(json!({"marketplace_id": US, "items": [{"sku": a, "quantity": 1}]})),
        )
        .await;
    assert_eq!(s, 400, "a buyer order of a sold-out listing: {b}");
    let (s, b) = api
        .call(
            "getInventorySummaries",
            Method::GET,
            &format!(
                "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}\
                 &marketplaceIds={US}&details=true&sellerSku={}",
                enc(a)
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let d = &b["payload"]["inventorySummaries"][0]["inventoryDetails"];
    assert_eq!(d["fulfillableQuantity"], 0);
    assert_eq!(
        d["reservedQuantity"]["pendingCustomerOrderQuantity"],
        a_reserved + 8
    );

    // listAllFulfillmentOrders: every order, or those changed since a time; a bad token.
    let (s, b) = api.list("").await;
    assert_eq!(s, 200, "{b}");
    let ids: Vec<&str> = b["payload"]["fulfillmentOrders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["sellerFulfillmentOrderId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
    assert!(b["payload"].get("nextToken").is_none());
    let (s, b) = api.list(&format!("queryStartDate={}", enc(&start))).await;
    assert_eq!(s, 200, "{b}");
    let ids: Vec<&str> = b["payload"]["fulfillmentOrders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["sellerFulfillmentOrderId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["MCF-5"]);
    let (s, b) = api.list("nextToken=not-a-token").await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("We could not decode your NextToken"),
        "{b}"
    );
    let (s, b) = api.list("queryStartDate=yesterday").await;
    assert_eq!(s, 400, "{b}");

    // FULFILLMENT_ORDER_STATUS: MCF-1's status changes (Order events) and its shipment's
    // (Shipment events, with the package), in order.
    // MCF-1: 6, MCF-2: 3 (to Cancelled), MCF-3: 2, MCF-4: 6, MCF-5: 1.
    let envs = delivered(&w, &subscription, 18).await;
    assert_eq!(envs.len(), 18);
    let mcf1: Vec<(String, String, Option<String>)> = envs
        .iter()
        .map(|e| &e["Payload"]["FulfillmentOrderStatusNotification"])
        .filter(|n| n["SellerFulfillmentOrderId"] == "MCF-1")
        .map(|n| {
            assert_eq!(n["SellerId"], w.seller_id.as_str());
            (
                n["EventType"].as_str().unwrap().to_string(),
                n["FulfillmentOrderStatus"].as_str().unwrap().to_string(),
                n["FulfillmentShipment"]["FulfillmentShipmentStatus"]
                    .as_str()
                    .map(str::to_string),
            )
        })
        .collect();
    let ev =
        |t: &str, s: &str, sh: Option<&str>| (t.to_string(), s.to_string(), sh.map(str::to_string));
    assert_eq!(
        mcf1,
        [
            ev("Order", "Received", None),
            ev("Order", "Planning", None),
            ev("Order", "Processing", None),
            ev("Shipment", "Processing", Some("Pending")),
            ev("Order", "Complete", None),
            ev("Shipment", "Complete", Some("Shipped")),
        ]
    );
    for e in &envs {
        assert_eq!(e["NotificationType"], "FULFILLMENT_ORDER_STATUS");
    }

    // The package progresses on the clock: delivered by its estimated arrival.
    api.advance(6.0 * 86400.0).await;
    let (s, b) = api.tracking(&package_number).await;
    assert_eq!(s, 200, "{b}");
    let events = b["payload"]["trackingEvents"].as_array().unwrap();
    assert_eq!(b["payload"]["currentStatus"], "DELIVERED", "{b}");
    assert_eq!(events[0]["eventCode"], "EVENT_301", "{b}");
    assert_eq!(events.len(), 6, "{b}");

    // A Hold order never released is cancelled after 14 days; its units go back.
    set_stock(&w, "MCF-B", 1).await;
    let (s, b) = api
        .create(order(
            "MCF-6",
            &[("MCF-B", 1)],
            json!({"fulfillmentAction": "Hold"}),
        ))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(stock(&w, "MCF-B").await, (0, 1));
    api.advance(13.0 * 86400.0).await;
    assert_eq!(api.status("MCF-6").await, "Received");
    api.advance(86400.0).await;
    assert_eq!(api.status("MCF-6").await, "Cancelled");
    assert_eq!(stock(&w, "MCF-B").await, (1, 0));
}

#[tokio::test]
async fn mcf_orders_share_the_fba_stock_and_ship_on_the_clock() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn mcf_orders_share_the_fba_stock_and_ship_on_the_clock_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
