//! Orders v0 and Sellers v1 against a generated world, over real HTTP, every response checked
//! against the official model; and the order scenario on SQLite and PostgreSQL.

mod common;

use common::World;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::market::paging::UNDECODABLE;
use spapi_server::store::StoreConfig;

const ORDERS: &str = "models/orders-api-model/ordersV0.json";
const SELLERS: &str = "models/sellers-api-model/sellers.json";
const T0: &str = "2025-06-01T12:00:00Z";

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
    }
}

struct Api<'a> {
    w: &'a World,
    token: String,
}

impl Api<'_> {
    async fn get(&self, path: &str) -> (u16, Value) {
        self.get_with(path, &self.token).await
    }

    async fn get_with(&self, path: &str, token: &str) -> (u16, Value) {
        let resp = self
            .w
            .http
            .get(format!("{}{path}", self.w.base))
            .header("x-amz-access-token", token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let resp = self
            .w
            .http
            .post(format!("{}{path}", self.w.base))
            .header("x-amz-access-token", &self.token)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.w.control(method, path, body).await
    }

    async fn rdt(&self, resources: Value) -> String {
        let (status, body) = self
            .post(
                "/tokens/2021-03-01/restrictedDataToken",
                &json!({"restrictedResources": resources}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["restrictedDataToken"].as_str().unwrap().to_string()
    }
}

async fn world_with_history(config: ServerConfig) -> (World, String) {
    let w = World::start_with(config, &[]).await;
    let token = w.access_token().await;
    let api = Api {
        w: &w,
        token: token.clone(),
    };
    let (status, body) = api
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 7, "products": 12, "days": 20, "orders_per_day": 8})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert!(body["created"]["orders"].as_u64().unwrap() > 100);
    (w, token)
}

fn orders_of(body: &Value) -> &Vec<Value> {
    body["payload"]["Orders"].as_array().unwrap()
}

#[tokio::test]
async fn get_orders_pages_through_the_window_in_order() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let base = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&MaxResultsPerPage=25";
    let mut url = base.to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let (status, body) = api.get(&url).await;
        assert_eq!(status, 200, "{body}");
        conforms(ORDERS, "getOrders", 200, &body);
        pages += 1;
        for o in orders_of(&body) {
            seen.push((
                o["PurchaseDate"].as_str().unwrap().to_string(),
                o["AmazonOrderId"].as_str().unwrap().to_string(),
            ));
            assert_eq!(o["MarketplaceId"], "ATVPDKIKX0DER");
            // No personal data without a Restricted Data Token.
            assert!(o.get("BuyerInfo").is_none(), "{o}");
            assert!(o["ShippingAddress"].get("AddressLine1").is_none(), "{o}");
            assert!(o["ShippingAddress"].get("PostalCode").is_some(), "{o}");
        }
        assert_eq!(
            body["payload"]["CreatedBefore"], "2025-06-01T11:58:00Z",
            "window ends two minutes ago"
        );
        match body["payload"]["NextToken"].as_str() {
            Some(t) => {
                assert!(orders_of(&body).len() == 25);
                url = format!("{base}&NextToken={}", urlencode(t));
            }
            None => break,
        }
        assert!(pages < 100);
    }
    assert!(pages > 2, "several pages");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "ascending purchase date");
    let ids: std::collections::BTreeSet<_> = seen.iter().map(|s| &s.1).collect();
    assert_eq!(ids.len(), seen.len(), "no order twice");
    // With a NextToken the token's search is used: other filters sent with it are ignored,
    // as Amazon does.
    let (_, first) = api.get(base).await;
    let token = first["payload"]["NextToken"].as_str().unwrap();
    let (status, same) = api
        .get(&format!("{base}&NextToken={}", urlencode(token)))
        .await;
    assert_eq!(status, 200, "{same}");
    let (status, other) = api
        .get(&format!(
            "{base}&OrderStatuses=Shipped&NextToken={}",
            urlencode(token)
        ))
        .await;
    assert_eq!(status, 200, "{other}");
    assert_eq!(other, same);
    let (status, body) = api.get(&format!("{base}&NextToken=garbage")).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["message"], UNDECODABLE, "{body}");
    conforms(ORDERS, "getOrders", 400, &body);
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn get_orders_filters() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let all = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER,A2EUQ1WTGCTBG2,A1AM78C64UM0Y8&CreatedAfter=2025-05-01T00:00:00Z";
    let (_, body) = api.get(all).await;
    let orders = orders_of(&body).clone();
    assert!(!orders.is_empty());
    for (filter, check) in [
        ("OrderStatuses=Shipped", ("OrderStatus", "Shipped")),
        (
            "OrderStatuses=Unshipped,PartiallyShipped",
            ("OrderStatus", ""),
        ),
        ("FulfillmentChannels=AFN", ("FulfillmentChannel", "AFN")),
        ("FulfillmentChannels=MFN", ("FulfillmentChannel", "MFN")),
        ("PaymentMethods=Other", ("PaymentMethod", "Other")),
        (
            "MarketplaceIds=A2EUQ1WTGCTBG2",
            ("MarketplaceId", "A2EUQ1WTGCTBG2"),
        ),
    ] {
        let url = if filter.starts_with("MarketplaceIds") {
            format!("/orders/v0/orders?{filter}&CreatedAfter=2025-05-01T00:00:00Z")
        } else {
            format!("{all}&{filter}")
        };
        let (status, body) = api.get(&url).await;
        assert_eq!(status, 200, "{filter}: {body}");
        conforms(ORDERS, "getOrders", 200, &body);
        let got = orders_of(&body);
        assert!(!got.is_empty(), "{filter} finds something");
        if !check.1.is_empty() {
            assert!(got.iter().all(|o| o[check.0] == check.1), "{filter}");
        } else {
            assert!(
                got.iter()
                    .all(|o| o["OrderStatus"] == "Unshipped"
                        || o["OrderStatus"] == "PartiallyShipped")
            );
        }
    }
    // By ids, by seller order id, by last update.
    let some: Vec<&str> = orders
        .iter()
        .take(3)
        .map(|o| o["AmazonOrderId"].as_str().unwrap())
        .collect();
    let (_, body) = api.get(&format!("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER,A2EUQ1WTGCTBG2,A1AM78C64UM0Y8&AmazonOrderIds={}", some.join(","))).await;
    let mut got: Vec<&str> = orders_of(&body)
        .iter()
        .map(|o| o["AmazonOrderId"].as_str().unwrap())
        .collect();
    got.sort();
    let mut want = some.clone();
    want.sort();
    assert_eq!(got, want);
    if let Some(with_id) = orders.iter().find(|o| o.get("SellerOrderId").is_some()) {
        let soid = with_id["SellerOrderId"].as_str().unwrap();
        let (_, body) = api.get(&format!("{all}&SellerOrderId={soid}")).await;
        assert_eq!(orders_of(&body).len(), 1);
    }
    let (status, body) = api
        .get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2025-05-25T00:00:00Z&LastUpdatedBefore=2025-05-30T00:00:00Z")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["payload"]["LastUpdatedBefore"], "2025-05-30T00:00:00Z");
    for o in orders_of(&body) {
        let t: Timestamp = o["LastUpdateDate"].as_str().unwrap().parse().unwrap();
        assert!(
            t >= "2025-05-25T00:00:00Z".parse().unwrap()
                && t <= "2025-05-30T00:00:00Z".parse().unwrap()
        );
    }
    // Delivery window filter.
    let (status, body) = api
        .get(&format!(
            "{all}&EarliestDeliveryDateAfter=2025-05-20T00:00:00Z"
        ))
        .await;
    assert_eq!(status, 200);
    for o in orders_of(&body) {
        let t: Timestamp = o["EarliestDeliveryDate"].as_str().unwrap().parse().unwrap();
        assert!(t >= "2025-05-20T00:00:00Z".parse().unwrap());
    }
}

#[tokio::test]
async fn get_orders_rejects_what_amazon_rejects() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    for (query, field) in [
        ("MarketplaceIds=ATVPDKIKX0DER", "CreatedAfter"),
        (
            "MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&LastUpdatedAfter=2025-05-01T00:00:00Z",
            "CreatedAfter",
        ),
        (
            "MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-06-01T11:59:00Z",
            "CreatedAfter",
        ),
        (
            "MarketplaceIds=ATVPDKIKX0DER&LastUpdatedBefore=2025-05-01T00:00:00Z&CreatedAfter=2025-05-01T00:00:00Z",
            "LastUpdatedBefore",
        ),
        (
            "MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&CreatedBefore=2025-04-01T00:00:00Z",
            "CreatedBefore",
        ),
        (
            "MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&MaxResultsPerPage=101",
            "MaxResultsPerPage",
        ),
        (
            "MarketplaceIds=A1PA6795UKMFR9&CreatedAfter=2025-05-01T00:00:00Z",
            "MarketplaceIds",
        ),
        (
            "MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=not-a-date",
            "CreatedAfter",
        ),
    ] {
        let (status, body) = api.get(&format!("/orders/v0/orders?{query}")).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["errors"][0]["code"], "InvalidInput", "{query}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{query}: {body}"
        );
        conforms(ORDERS, "getOrders", 400, &body);
    }
}

#[tokio::test]
async fn one_order_its_items_and_personal_data_under_the_rdt_rule() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let (_, body) = api.get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&MaxResultsPerPage=5").await;
    let id = orders_of(&body)[0]["AmazonOrderId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(regex_like_order_id(&id), "{id}");

    let (status, body) = api.get(&format!("/orders/v0/orders/{id}")).await;
    assert_eq!(status, 200);
    conforms(ORDERS, "getOrder", 200, &body);
    assert!(body["payload"].get("BuyerInfo").is_none());
    let (status, items) = api.get(&format!("/orders/v0/orders/{id}/orderItems")).await;
    assert_eq!(status, 200);
    conforms(ORDERS, "getOrderItems", 200, &items);
    let first = &items["payload"]["OrderItems"][0];
    assert!(first["ASIN"].as_str().unwrap().starts_with("B0"));
    assert_eq!(first["ItemPrice"]["CurrencyCode"], "USD");
    let (status, addr) = api.get(&format!("/orders/v0/orders/{id}/address")).await;
    assert_eq!(status, 200);
    conforms(ORDERS, "getOrderAddress", 200, &addr);
    assert!(
        addr["payload"]["ShippingAddress"].get("Name").is_none(),
        "{addr}"
    );
    let (status, buyer) = api.get(&format!("/orders/v0/orders/{id}/buyerInfo")).await;
    assert_eq!(status, 200);
    conforms(ORDERS, "getOrderBuyerInfo", 200, &buyer);
    assert!(buyer["payload"].get("BuyerEmail").is_none(), "{buyer}");
    let (status, ib) = api
        .get(&format!("/orders/v0/orders/{id}/orderItems/buyerInfo"))
        .await;
    assert_eq!(status, 200);
    conforms(ORDERS, "getOrderItemsBuyerInfo", 200, &ib);

    // With an RDT for these calls the personal data is there.
    let rdt = api
        .rdt(json!([
            {"method": "GET", "path": format!("/orders/v0/orders/{id}/address")},
            {"method": "GET", "path": "/orders/v0/orders/{orderId}/buyerInfo"},
            {"method": "GET", "path": "/orders/v0/orders/{orderId}", "dataElements": ["shippingAddress"]}
        ]))
        .await;
    let (status, addr) = api
        .get_with(&format!("/orders/v0/orders/{id}/address"), &rdt)
        .await;
    assert_eq!(status, 200);
    conforms(ORDERS, "getOrderAddress", 200, &addr);
    assert!(
        addr["payload"]["ShippingAddress"]["Name"].is_string(),
        "{addr}"
    );
    assert!(addr["payload"]["ShippingAddress"]["AddressLine1"].is_string());
    let (_, buyer) = api
        .get_with(&format!("/orders/v0/orders/{id}/buyerInfo"), &rdt)
        .await;
    assert!(
        buyer["payload"]["BuyerEmail"]
            .as_str()
            .unwrap()
            .contains("@marketplace.amazon."),
        "{buyer}"
    );
    let (_, order) = api.get_with(&format!("/orders/v0/orders/{id}"), &rdt).await;
    assert!(
        order["payload"]["ShippingAddress"]["AddressLine1"].is_string(),
        "{order}"
    );
    // shippingAddress only: buyer info stays hidden.
    assert!(order["payload"].get("BuyerInfo").is_none(), "{order}");

    // Unknown orders, and orders of another seller, do not exist for this caller.
    let (status, body) = api.get("/orders/v0/orders/111-0000000-0000000").await;
    assert_eq!(status, 404);
    conforms(ORDERS, "getOrder", 404, &body);
}

fn regex_like_order_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 3
        && [3, 7, 7]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
}

#[tokio::test]
async fn sellers_describe_the_seller_record() {
    let w = World::start().await;
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let (status, body) = api.get("/sellers/v1/marketplaceParticipations").await;
    assert_eq!(status, 200);
    conforms(SELLERS, "getMarketplaceParticipations", 200, &body);
    let list = body["payload"].as_array().unwrap();
    assert_eq!(list.len(), 4, "every NA marketplace");
    assert_eq!(list[0]["marketplace"]["id"], "ATVPDKIKX0DER");
    assert_eq!(list[0]["marketplace"]["defaultCurrencyCode"], "USD");
    let (status, body) = api.get("/sellers/v1/account").await;
    assert_eq!(status, 200);
    conforms(SELLERS, "getAccount", 200, &body);
}

/// The scripted scenario: place an order, find it, confirm its shipment, see it Shipped and
/// the ORDER_CHANGE events in the outbox.
async fn order_scenario(config: ServerConfig) {
    let (w, token) = world_with_history(config).await;
    let api = Api { w: &w, token };
    let seller = w.seller_id.clone();
    let (_, listings) = api
        .control(
            reqwest::Method::GET,
            &format!("/sellers/{seller}/listings"),
            None,
        )
        .await;
    let mfn = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["fulfillment_channel"] == "MFN"
                && l["marketplace_id"] == "ATVPDKIKX0DER"
                && l["quantity"].as_i64().unwrap() >= 3
        })
        .expect("an MFN listing with stock")
        .clone();
    let sku = mfn["sku"].as_str().unwrap();
    let stock = mfn["quantity"].as_i64().unwrap();
    // More than the stock is refused.
    let (status, _) = api
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{seller}/orders"),
            Some(json!({"items": [{"sku": sku, "quantity": stock + 1}]})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, placed) = api
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{seller}/orders"),
            Some(json!({"marketplace_id": "ATVPDKIKX0DER", "items": [{"sku": sku, "quantity": 2}], "prime": true})),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let id = placed["order"]["AmazonOrderId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(placed["order"]["OrderStatus"], "Pending");
    let (_, after) = api
        .control(
            reqwest::Method::GET,
            &format!("/sellers/{seller}/listings"),
            None,
        )
        .await;
    let now_listing = after["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == sku && l["marketplace_id"] == "ATVPDKIKX0DER")
        .unwrap();
    assert_eq!(
        now_listing["quantity"].as_i64().unwrap(),
        stock - 2,
        "stock reserved"
    );

    // Pending orders cannot ship.
    let item_id = placed["orderItems"][0]["OrderItemId"]
        .as_str()
        .unwrap()
        .to_string();
    let confirm = |qty: i64| {
        json!({"marketplaceId": "ATVPDKIKX0DER", "packageDetail": {
            "packageReferenceId": "1", "carrierCode": "UPS", "trackingNumber": "1Z999",
            "shipDate": "2025-06-01T12:00:00Z", "orderItems": [{"orderItemId": item_id, "quantity": qty}]}})
    };
    let (status, body) = api
        .post(
            &format!("/orders/v0/orders/{id}/shipmentConfirmation"),
            &confirm(1),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // The payment hold passes on the clock.
    let (status, _) = api
        .control(
            reqwest::Method::POST,
            "/clock",
            Some(json!({"advance_seconds": 600})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, order) = api.get(&format!("/orders/v0/orders/{id}")).await;
    assert_eq!(order["payload"]["OrderStatus"], "Unshipped", "{order}");
    // Found by getOrders once its update is two minutes old.
    let (_, found) = api
        .get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2025-06-01T12:00:00Z")
        .await;
    assert!(
        orders_of(&found)
            .iter()
            .any(|o| o["AmazonOrderId"] == id.as_str()),
        "{found}"
    );

    // Too many units, then a partial and a full shipment.
    let (status, body) = api
        .post(
            &format!("/orders/v0/orders/{id}/shipmentConfirmation"),
            &confirm(3),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    conforms(ORDERS, "confirmShipment", 400, &body);
    let (status, body) = api
        .post(
            &format!("/orders/v0/orders/{id}/shipmentConfirmation"),
            &confirm(1),
        )
        .await;
    assert_eq!(status, 204, "{body}");
    let (_, order) = api.get(&format!("/orders/v0/orders/{id}")).await;
    assert_eq!(order["payload"]["OrderStatus"], "PartiallyShipped");
    let (status, _) = api
        .post(
            &format!("/orders/v0/orders/{id}/shipmentConfirmation"),
            &confirm(1),
        )
        .await;
    assert_eq!(status, 204);
    let (_, order) = api.get(&format!("/orders/v0/orders/{id}")).await;
    assert_eq!(order["payload"]["OrderStatus"], "Shipped");
    assert_eq!(order["payload"]["NumberOfItemsShipped"], 2);
    conforms(ORDERS, "getOrder", 200, &order);
    let (status, _) = api
        .post(
            &format!("/orders/v0/orders/{id}/shipmentConfirmation"),
            &confirm(1),
        )
        .await;
    assert_eq!(status, 400, "nothing left to ship");

    // The events, in order, each a valid ORDER_CHANGE payload.
    let (_, outbox) = api
        .control(reqwest::Method::GET, "/outbox?limit=1000", None)
        .await;
    let events: Vec<&Value> = outbox["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["AmazonOrderId"] == id.as_str())
        .collect();
    let reasons: Vec<&str> = events
        .iter()
        .map(|e| {
            e["payload"]["OrderChangeTrigger"]["ChangeReason"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "NewOrder",
            "PaymentAuthorized",
            "ShipmentConfirmed",
            "ShipmentConfirmed"
        ]
    );
    let statuses: Vec<&str> = events
        .iter()
        .map(|e| e["payload"]["Summary"]["OrderStatus"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["Pending", "Unshipped", "PartiallyShipped", "Shipped"]
    );
    if let Some(dir) = spapi_conformance::models_dir() {
        for e in events {
            assert_eq!(e["topic"], "ORDER_CHANGE");
            let envelope = json!({
                "NotificationVersion": "1.0", "NotificationType": "ORDER_CHANGE", "PayloadVersion": "1.0",
                "EventTime": e["created_at"], "Payload": {"OrderChangeNotification": e["payload"]},
                "NotificationMetadata": {"ApplicationId": w.application_id, "SubscriptionId": "s",
                    "PublishTime": e["created_at"], "NotificationId": "n"}
            });
            spapi_conformance::validate_schema_file(
                &dir,
                "schemas/notifications/OrderChangeNotification.json",
                &envelope,
            )
            .unwrap_or_else(|errs| panic!("{errs:?}\n{envelope}"));
        }
    }
}

#[tokio::test]
async fn order_scenario_on_sqlite() {
    order_scenario(frozen(StoreConfig::SqliteMemory)).await;
}

#[tokio::test]
async fn order_scenario_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        order_scenario(frozen(StoreConfig::Postgres(url))).await;
    }
}

#[tokio::test]
async fn fba_orders_ship_by_themselves_on_the_clock() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let seller = w.seller_id.clone();
    let (_, listings) = api
        .control(
            reqwest::Method::GET,
            &format!("/sellers/{seller}/listings"),
            None,
        )
        .await;
    let afn = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["fulfillment_channel"] == "AFN"
                && l["marketplace_id"] == "ATVPDKIKX0DER"
                && l["quantity"].as_i64().unwrap() >= 1
        })
        .expect("an FBA listing with stock")
        .clone();
    let (status, placed) = api
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{seller}/orders"),
            Some(json!({"items": [{"sku": afn["sku"], "quantity": 1}]})),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let id = placed["order"]["AmazonOrderId"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _) = api
        .control(
            reqwest::Method::POST,
            "/clock",
            Some(json!({"advance_seconds": SignedDuration::from_hours(13).as_secs()})),
        )
        .await;
    // Thirteen hours on, the access token has expired: refresh, as an app would.
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let (_, order) = api.get(&format!("/orders/v0/orders/{id}")).await;
    assert_eq!(order["payload"]["OrderStatus"], "Shipped", "{order}");
    // Sellers cannot confirm FBA shipments.
    let (status, _) = api
        .post(
            &format!("/orders/v0/orders/{id}/shipmentConfirmation"),
            &json!({"marketplaceId": "ATVPDKIKX0DER", "packageDetail": {"packageReferenceId": "1", "carrierCode": "UPS",
                "trackingNumber": "1Z", "shipDate": "2025-06-01T12:00:00Z", "orderItems": []}}),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_seller_never_sees_another_sellers_orders() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let (_, body) = api.get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&MaxResultsPerPage=1").await;
    let id = orders_of(&body)[0]["AmazonOrderId"]
        .as_str()
        .unwrap()
        .to_string();
    // A second seller of the same app, in the same world.
    let auth = w.server.auth();
    let other = auth
        .create_seller(spapi_server::auth::NewSeller {
            name: "Other".into(),
            email: "other@example.com".into(),
            password: "long enough".into(),
            region: "NA".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let refresh = auth
        .self_authorize(&w.application_id, &other.selling_partner_id)
        .await
        .unwrap();
    let (_, t) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    let other_api = Api {
        w: &w,
        token: t["access_token"].as_str().unwrap().to_string(),
    };
    let (status, _) = other_api.get(&format!("/orders/v0/orders/{id}")).await;
    assert_eq!(status, 404);
    let (status, body) = other_api
        .get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z")
        .await;
    assert_eq!(status, 200);
    assert!(orders_of(&body).is_empty());
}

#[tokio::test]
async fn the_buyer_simulator_orders_at_its_rate_on_the_clock() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let seller = w.seller_id.clone();
    let before = w.server.store().count_orders(&seller).await.unwrap();
    let (status, _) = api
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{seller}/buyers"),
            Some(json!({"orders_per_hour": 30})),
        )
        .await;
    assert_eq!(status, 200);
    // Reconfiguring does not start a second stream of buyers.
    let (status, _) = api
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{seller}/buyers"),
            Some(json!({"orders_per_hour": 30})),
        )
        .await;
    assert_eq!(status, 200);
    api.control(
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 4 * 3600})),
    )
    .await;
    let placed = w.server.store().count_orders(&seller).await.unwrap() - before;
    // 120 expected; a Poisson count stays well inside this range.
    assert!(
        (60..=200).contains(&placed),
        "{placed} orders in four hours at 30/h"
    );
    let (_, events) = api
        .control(reqwest::Method::GET, "/outbox?limit=1000", None)
        .await;
    let new_orders = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["OrderChangeTrigger"]["ChangeReason"] == "NewOrder")
        .count() as i64;
    assert_eq!(
        new_orders, placed,
        "every simulated order fired ORDER_CHANGE"
    );
    // Stopped, nothing more arrives.
    api.control(
        reqwest::Method::POST,
        &format!("/sellers/{seller}/buyers"),
        Some(json!({"orders_per_hour": 0})),
    )
    .await;
    let stopped = w.server.store().count_orders(&seller).await.unwrap();
    api.control(
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 3600})),
    )
    .await;
    assert_eq!(
        w.server.store().count_orders(&seller).await.unwrap(),
        stopped
    );
    let (status, _) = api
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{seller}/buyers"),
            Some(json!({"orders_per_hour": -1})),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_next_token_keeps_its_window_while_the_clock_runs() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let url = "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&MaxResultsPerPage=10";
    let (_, first) = api.get(url).await;
    let end = first["payload"]["CreatedBefore"]
        .as_str()
        .unwrap()
        .to_string();
    let next = first["payload"]["NextToken"].as_str().unwrap().to_string();
    // Time passes between pages (the default window end moves on); the token still works and
    // the pages still describe the first page's window.
    api.control(
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 300})),
    )
    .await;
    let (status, second) = api
        .get(&format!("{url}&NextToken={}", urlencode(&next)))
        .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["payload"]["CreatedBefore"], end.as_str());
    conforms(ORDERS, "getOrders", 200, &second);
}

/// The ids of a getOrders search page by page from `first` (a query), each page checked
/// against the model and against `window_end` (its `CreatedBefore`); `next` makes the query of
/// the page after a NextToken. Returns the ids in the order served and the NextTokens.
async fn page_through(
    api: &Api<'_>,
    first: &str,
    next: impl Fn(&str) -> String,
) -> (Vec<String>, Vec<String>) {
    let mut ids = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut url = format!("/orders/v0/orders?{first}");
    let mut end: Option<Value> = None;
    loop {
        let (status, body) = api.get(&url).await;
        assert_eq!(status, 200, "{url}: {body}");
        conforms(ORDERS, "getOrders", 200, &body);
        let window_end = body["payload"]["CreatedBefore"].clone();
        assert!(window_end.is_string(), "{body}");
        assert_eq!(end.get_or_insert(window_end.clone()), &window_end);
        ids.extend(
            orders_of(&body)
                .iter()
                .map(|o| o["AmazonOrderId"].as_str().unwrap().to_string()),
        );
        match body["payload"]["NextToken"].as_str() {
            Some(t) => {
                assert!(
                    t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
                    "a standard base64 token: {t}"
                );
                url = format!("/orders/v0/orders?{}", next(t));
                tokens.push(t.to_string());
            }
            None => return (ids, tokens),
        }
        assert!(tokens.len() < 200, "no end to the pages");
    }
}

/// getOrders paging: the NextToken carries the whole search, so MarketplaceIds and the token
/// alone give the next page; filters sent again with it are ignored; a token that does not
/// arrive as it was sent is 400 with Amazon's message.
async fn next_token_scenario(config: ServerConfig) {
    let (w, token) = world_with_history(config).await;
    let api = Api { w: &w, token };
    let search = "MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-01T00:00:00Z&OrderStatuses=Shipped,Unshipped,Canceled";
    // The whole search in pages of 100, filters sent again with every token.
    let expected: Vec<String> = all_orders(&api, search)
        .await
        .iter()
        .map(|o| o["AmazonOrderId"].as_str().unwrap().to_string())
        .collect();
    assert!(expected.len() > 30, "{} orders", expected.len());

    // The token alone (with the MarketplaceIds the model requires): every order once, in
    // order, in pages of the first request's size, in the first request's window.
    let first = format!("{search}&MaxResultsPerPage=10");
    let (alone, tokens) = page_through(&api, &first, |t| {
        format!("MarketplaceIds=ATVPDKIKX0DER&NextToken={}", urlencode(t))
    })
    .await;
    assert!(tokens.len() >= 3, "{} pages", tokens.len() + 1);
    assert_eq!(alone, expected);

    // The filters sent again with the token: the same pages.
    let (resent, resent_tokens) = page_through(&api, &first, |t| {
        format!("{first}&NextToken={}", urlencode(t))
    })
    .await;
    assert_eq!(resent, expected);
    assert_eq!(resent_tokens, tokens);

    // Other filters sent with the token are ignored: the token's search is used.
    let (status, alone_page) = api
        .get(&format!(
            "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&NextToken={}",
            urlencode(&tokens[0])
        ))
        .await;
    assert_eq!(status, 200, "{alone_page}");
    let (status, other_page) = api
        .get(&format!(
            "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-05-30T00:00:00Z&OrderStatuses=Pending&MaxResultsPerPage=1&NextToken={}",
            urlencode(&tokens[0])
        ))
        .await;
    assert_eq!(status, 200, "{other_page}");
    assert_eq!(other_page, alone_page);
    assert_eq!(orders_of(&other_page).len(), 10);

    let undecodable = |status: u16, body: &Value| {
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["code"], "InvalidInput", "{body}");
        assert_eq!(body["errors"][0]["message"], UNDECODABLE, "{body}");
        conforms(ORDERS, "getOrders", 400, body);
    };
    // A truncated token.
    let t = &tokens[0];
    let (status, body) = api
        .get(&format!(
            "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&NextToken={}",
            urlencode(&t[..t.len() - 6])
        ))
        .await;
    undecodable(status, &body);
    // A token with a `+` sent without URL-encoding: the `+` arrives as a space, as it would
    // at Amazon.
    let plus = tokens
        .iter()
        .find(|t| t.contains('+'))
        .expect("a token with a '+'");
    let raw = urlencode(plus).replace("%2B", "+");
    let (status, body) = api
        .get(&format!(
            "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&NextToken={raw}"
        ))
        .await;
    undecodable(status, &body);
    let (status, body) = api
        .get(&format!(
            "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&NextToken={}",
            urlencode(plus)
        ))
        .await;
    assert_eq!(status, 200, "the same token, encoded: {body}");
}

#[tokio::test]
async fn next_token_carries_the_search_on_sqlite() {
    next_token_scenario(frozen(StoreConfig::SqliteMemory)).await;
}

#[tokio::test]
async fn next_token_carries_the_search_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        next_token_scenario(frozen(StoreConfig::Postgres(url))).await;
    }
}

#[tokio::test]
async fn in_store_pickup_orders_take_shipment_status_updates() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let seller = w.seller_id.clone();
    let (_, listings) = api
        .control(
            reqwest::Method::GET,
            &format!("/sellers/{seller}/listings"),
            None,
        )
        .await;
    let mfn: Vec<Value> = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["fulfillment_channel"] == "MFN"
                && l["marketplace_id"] == "ATVPDKIKX0DER"
                && l["quantity"].as_i64().unwrap() >= 2
        })
        .cloned()
        .collect();
    let place = |sku: Value, store: Option<&str>| {
        let api = &api;
        let seller = seller.clone();
        let body = json!({"items": [{"sku": sku, "quantity": 1}], "pickup_store": store});
        async move {
            let (status, placed) = api
                .control(
                    reqwest::Method::POST,
                    &format!("/sellers/{seller}/orders"),
                    Some(body),
                )
                .await;
            assert_eq!(status, 201, "{placed}");
            placed["order"]["AmazonOrderId"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let pickup = place(mfn[0]["sku"].clone(), Some("STORE-0042")).await;
    let refused = place(mfn[1 % mfn.len()]["sku"].clone(), Some("STORE-0042")).await;
    let delivered = place(mfn[0]["sku"].clone(), None).await;
    api.control(
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 600})),
    )
    .await;
    let update = |id: &str, status: &str| {
        let api = &api;
        let path = format!("/orders/v0/orders/{id}/shipment");
        let body = json!({"marketplaceId": "ATVPDKIKX0DER", "shipmentStatus": status});
        async move { api.post(&path, &body).await }
    };
    // Not a pickup order.
    let (status, body) = update(&delivered, "ReadyForPickup").await;
    assert_eq!(status, 400, "{body}");
    conforms(ORDERS, "updateShipmentStatus", 400, &body);
    // Ready, then picked up: shipped.
    assert_eq!(update(&pickup, "ReadyForPickup").await.0, 204);
    assert_eq!(update(&pickup, "PickedUp").await.0, 204);
    let (_, order) = api.get(&format!("/orders/v0/orders/{pickup}")).await;
    assert_eq!(order["payload"]["OrderStatus"], "Shipped");
    assert_eq!(order["payload"]["IsISPU"], true);
    conforms(ORDERS, "getOrder", 200, &order);
    // Refused: canceled.
    assert_eq!(update(&refused, "RefusedPickup").await.0, 204);
    let (_, order) = api.get(&format!("/orders/v0/orders/{refused}")).await;
    assert_eq!(order["payload"]["OrderStatus"], "Canceled");
    // Found by the ISPU filters, once the updates are two minutes old.
    api.control(
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 300})),
    )
    .await;
    let (_, found) = api
        .get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&LastUpdatedAfter=2025-06-01T12:00:00Z&IsISPU=true&StoreChainStoreId=STORE-0042")
        .await;
    let ids: Vec<&str> = orders_of(&found)
        .iter()
        .map(|o| o["AmazonOrderId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&pickup.as_str())
            && ids.contains(&refused.as_str())
            && !ids.contains(&delivered.as_str()),
        "{ids:?}"
    );
    // Nothing more to update once shipped; an unknown status is 400.
    assert_eq!(update(&pickup, "PickedUp").await.0, 400);
    let (status, _) = update(&pickup, "Teleported").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn regulated_orders_wait_for_the_sellers_verification() {
    let (w, token) = world_with_history(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let seller = w.seller_id.clone();
    let (_, listings) = api
        .control(
            reqwest::Method::GET,
            &format!("/sellers/{seller}/listings"),
            None,
        )
        .await;
    let sku = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["fulfillment_channel"] == "MFN"
                && l["marketplace_id"] == "ATVPDKIKX0DER"
                && l["quantity"].as_i64().unwrap() >= 3
        })
        .unwrap()["sku"]
        .clone();
    let mut ids = Vec::new();
    for regulated in [true, true, false] {
        let (status, placed) = api
            .control(
                reqwest::Method::POST,
                &format!("/sellers/{seller}/orders"),
                Some(json!({"items": [{"sku": sku, "quantity": 1}], "regulated": regulated})),
            )
            .await;
        assert_eq!(status, 201, "{placed}");
        ids.push((
            placed["order"]["AmazonOrderId"]
                .as_str()
                .unwrap()
                .to_string(),
            placed["orderItems"][0]["OrderItemId"]
                .as_str()
                .unwrap()
                .to_string(),
        ));
    }
    api.control(
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 600})),
    )
    .await;
    let (approved, item) = &ids[0];
    let (rejected, _) = &ids[1];
    let (plain, _) = &ids[2];
    // Without an RDT the status shows, the regulated fields do not.
    let (status, info) = api
        .get(&format!("/orders/v0/orders/{approved}/regulatedInfo"))
        .await;
    assert_eq!(status, 200, "{info}");
    conforms(ORDERS, "getOrderRegulatedInfo", 200, &info);
    assert_eq!(
        info["payload"]["RegulatedOrderVerificationStatus"]["Status"],
        "Pending"
    );
    assert!(
        info["payload"]["RegulatedInformation"]["Fields"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let rdt = api
        .rdt(json!([{"method": "GET", "path": "/orders/v0/orders/{orderId}/regulatedInfo"}]))
        .await;
    let (_, info) = api
        .get_with(&format!("/orders/v0/orders/{approved}/regulatedInfo"), &rdt)
        .await;
    assert_eq!(
        info["payload"]["RegulatedInformation"]["Fields"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // Not shippable before approval.
    let confirm = json!({"marketplaceId": "ATVPDKIKX0DER", "packageDetail": {"packageReferenceId": "1",
        "carrierCode": "UPS", "trackingNumber": "1Z", "shipDate": "2025-06-01T12:00:00Z",
        "orderItems": [{"orderItemId": item, "quantity": 1}]}});
    let (status, _) = api
        .post(
            &format!("/orders/v0/orders/{approved}/shipmentConfirmation"),
            &confirm,
        )
        .await;
    assert_eq!(status, 400);
    let patch = |id: &str, body: Value| {
        let api = &api;
        let url = format!("{}/orders/v0/orders/{id}/regulatedInfo", api.w.base);
        async move {
            let resp = api
                .w
                .http
                .patch(url)
                .header("x-amz-access-token", &api.token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, body) = patch(approved, json!({"regulatedOrderVerificationStatus": {"status": "Approved", "externalReviewerId": "vet-1"}})).await;
    assert_eq!(status, 204, "{body}");
    let (_, info) = api
        .get(&format!("/orders/v0/orders/{approved}/regulatedInfo"))
        .await;
    assert_eq!(
        info["payload"]["RegulatedOrderVerificationStatus"]["Status"],
        "Approved"
    );
    assert_eq!(
        info["payload"]["RegulatedOrderVerificationStatus"]["ExternalReviewerId"],
        "vet-1"
    );
    conforms(ORDERS, "getOrderRegulatedInfo", 200, &info);
    let (status, body) = api
        .post(
            &format!("/orders/v0/orders/{approved}/shipmentConfirmation"),
            &confirm,
        )
        .await;
    assert_eq!(status, 204, "{body}");
    // Decided once only.
    let (status, _) = patch(approved, json!({"regulatedOrderVerificationStatus": {"status": "Approved", "externalReviewerId": "vet-1"}})).await;
    assert_eq!(status, 400);
    // A rejection needs a valid reason, and cancels the order.
    let (status, body) = patch(rejected, json!({"regulatedOrderVerificationStatus": {"status": "Rejected", "externalReviewerId": "vet-1", "rejectionReasonId": "nope"}})).await;
    assert_eq!(status, 400);
    conforms(ORDERS, "updateVerificationStatus", 400, &body);
    let (status, _) = patch(rejected, json!({"regulatedOrderVerificationStatus": {"status": "Rejected", "externalReviewerId": "vet-1", "rejectionReasonId": "shield_pom_vps_reject_age"}})).await;
    assert_eq!(status, 204);
    let (_, order) = api.get(&format!("/orders/v0/orders/{rejected}")).await;
    assert_eq!(order["payload"]["OrderStatus"], "Canceled");
    // Orders without regulated items have no regulated information.
    let (status, body) = api
        .get(&format!("/orders/v0/orders/{plain}/regulatedInfo"))
        .await;
    assert_eq!(status, 400, "{body}");
    conforms(ORDERS, "getOrderRegulatedInfo", 400, &body);
}

/// A second seller of `w`'s app, selling in `marketplaces` of `region`, with a generated
/// history of `orders_per_day` orders a day for `days` days; its API.
async fn seller_with_history<'a>(
    w: &'a World,
    region: &str,
    marketplaces: &[&str],
    days: u64,
    orders_per_day: u64,
) -> Api<'a> {
    let auth = w.server.auth();
    let seller = auth
        .create_seller(spapi_server::auth::NewSeller {
            name: format!("Seller in {}", marketplaces.join(",")),
            email: format!("seller-{}@example.com", uuid::Uuid::new_v4()),
            password: "long enough".into(),
            region: region.into(),
            marketplace_ids: marketplaces.iter().map(|m| m.to_string()).collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    let refresh = auth
        .self_authorize(&w.application_id, &seller.selling_partner_id)
        .await
        .unwrap();
    let (_, t) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    let (status, body) = w
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{}/world", seller.selling_partner_id),
            Some(
                json!({"seed": 3, "products": 12, "days": days, "orders_per_day": orders_per_day}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    Api {
        w,
        token: t["access_token"].as_str().unwrap().to_string(),
    }
}

/// Every order of a getOrders search, page by page, each page checked against the model.
async fn all_orders(api: &Api<'_>, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut url = format!("/orders/v0/orders?{query}&MaxResultsPerPage=100");
    loop {
        let (status, body) = api.get(&url).await;
        assert_eq!(status, 200, "{body}");
        conforms(ORDERS, "getOrders", 200, &body);
        out.extend(orders_of(&body).iter().cloned());
        match body["payload"]["NextToken"].as_str() {
            Some(t) => {
                url = format!(
                    "/orders/v0/orders?{query}&MaxResultsPerPage=100&NextToken={}",
                    urlencode(t)
                )
            }
            None => return out,
        }
    }
}

#[tokio::test]
async fn easy_ship_orders_in_generated_history() {
    let w = World::start_with(frozen(StoreConfig::SqliteMemory), &[]).await;
    const IN: &str = "A21TJRUUN4KGV";
    let api = seller_with_history(&w, "EU", &[IN], 10, 60).await;
    let window = format!("MarketplaceIds={IN}&CreatedAfter=2025-05-01T00:00:00Z");
    let orders = all_orders(&api, &window).await;
    assert!(orders.len() > 500, "{}", orders.len());
    let easy: Vec<&Value> = orders
        .iter()
        .filter(|o| o.get("EasyShipShipmentStatus").is_some())
        .collect();
    let mfn = orders
        .iter()
        .filter(|o| o["FulfillmentChannel"] == "MFN")
        .count();
    // A share of the seller-fulfilled orders, never all of them.
    assert!(
        !easy.is_empty() && easy.len() < mfn,
        "{} of {mfn}",
        easy.len()
    );
    for o in &easy {
        assert_eq!(o["FulfillmentChannel"], "MFN", "{o}");
        assert_eq!(o["ElectronicInvoiceStatus"], "NotRequired", "{o}");
        let es = o["EasyShipShipmentStatus"].as_str().unwrap();
        let allowed: &[&str] = match o["OrderStatus"].as_str().unwrap() {
            "Pending" => &["PendingSchedule"],
            "Unshipped" => &["PendingSchedule", "PendingPickUp", "PendingDropOff"],
            "Canceled" => &["PendingSchedule", "LabelCanceled"],
            "Shipped" => &[
                "PickedUp",
                "DroppedOff",
                "AtOriginFC",
                "AtDestinationFC",
                "OutForDelivery",
                "Delivered",
                "ReturnedToSeller",
                "Undeliverable",
                "RejectedByBuyer",
                "ReturningToSeller",
                "Lost",
                "Damaged",
            ],
            other => panic!("an Easy Ship order is never {other}: {o}"),
        };
        assert!(allowed.contains(&es), "{o}");
    }
    // Other orders carry no Easy Ship status.
    assert!(
        orders
            .iter()
            .filter(|o| o.get("EasyShipShipmentStatus").is_none())
            .all(|o| o.get("ElectronicInvoiceStatus").is_none())
    );
    // The filter finds exactly the Easy Ship orders of those statuses.
    for statuses in ["Delivered", "PendingSchedule,PendingPickUp,PendingDropOff"] {
        let found = all_orders(
            &api,
            &format!("{window}&EasyShipShipmentStatuses={statuses}"),
        )
        .await;
        let want = easy
            .iter()
            .filter(|o| {
                statuses
                    .split(',')
                    .any(|s| o["EasyShipShipmentStatus"] == s)
            })
            .count();
        assert!(want > 0, "{statuses}");
        assert_eq!(found.len(), want, "{statuses}");
        assert!(found.iter().all(|o| {
            statuses
                .split(',')
                .any(|s| o["EasyShipShipmentStatus"] == s)
        }));
    }
    // getOrder shows the same.
    let id = easy[0]["AmazonOrderId"].as_str().unwrap();
    let (status, body) = api.get(&format!("/orders/v0/orders/{id}")).await;
    assert_eq!(status, 200, "{body}");
    conforms(ORDERS, "getOrder", 200, &body);
    assert_eq!(
        body["payload"]["EasyShipShipmentStatus"],
        easy[0]["EasyShipShipmentStatus"]
    );
}

#[tokio::test]
async fn invoice_unconfirmed_orders_in_generated_history() {
    let w = World::start_with(frozen(StoreConfig::SqliteMemory), &[]).await;
    const BR: &str = "A2Q3Y263D00KWC";
    let api = seller_with_history(&w, "NA", &[BR], 20, 30).await;
    let window = format!("MarketplaceIds={BR}&CreatedAfter=2025-05-01T00:00:00Z");
    let unconfirmed = all_orders(&api, &format!("{window}&OrderStatuses=InvoiceUnconfirmed")).await;
    assert!(!unconfirmed.is_empty());
    for o in &unconfirmed {
        assert_eq!(o["OrderStatus"], "InvoiceUnconfirmed", "{o}");
        assert_eq!(o["FulfillmentChannel"], "MFN", "{o}");
        // Every item has shipped; the invoice is what waits.
        assert_eq!(o["NumberOfItemsUnshipped"], 0, "{o}");
        assert!(o["NumberOfItemsShipped"].as_i64().unwrap() > 0, "{o}");
        assert!(
            ["NotFound", "Processing", "Errored"]
                .contains(&o["ElectronicInvoiceStatus"].as_str().unwrap()),
            "{o}"
        );
    }
    let id = unconfirmed[0]["AmazonOrderId"].as_str().unwrap();
    let (status, body) = api.get(&format!("/orders/v0/orders/{id}/orderItems")).await;
    assert_eq!(status, 200, "{body}");
    conforms(ORDERS, "getOrderItems", 200, &body);
    for item in body["payload"]["OrderItems"].as_array().unwrap() {
        assert_eq!(item["QuantityShipped"], item["QuantityOrdered"], "{item}");
    }
    // Shipped seller-fulfilled orders in Brazil have their invoice accepted.
    let accepted = all_orders(
        &api,
        &format!("{window}&ElectronicInvoiceStatuses=Accepted&FulfillmentChannels=MFN"),
    )
    .await;
    assert!(!accepted.is_empty());
    assert!(accepted.iter().all(|o| o["OrderStatus"] == "Shipped"));
}
