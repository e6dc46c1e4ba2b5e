//! Shipping v2 (and v1) over the carrier world: rates that expire, labels bought for Amazon
//! orders (the order ships) and for other channels, documents, tracking on the clock,
//! cancellation, and what Amazon refuses.

mod common;

use base64::Engine;
use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::clock::Clock;
use spapi_server::server::ServerConfig;
use spapi_server::store::StoreConfig;

const V2: &str = "models/shipping-api-model/shippingV2.json";
const ORDERS: &str = "models/orders-api-model/ordersV0.json";
const US: &str = "ATVPDKIKX0DER";
/// A Monday morning.
const T0: &str = "2025-06-02T10:00:00Z";

fn frozen(store: StoreConfig) -> ServerConfig {
    ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    }
}

struct Api<'a> {
    w: &'a World,
    token: String,
}

impl Api<'_> {
    async fn v2(&self, op: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.w.call(V2, op, &self.token, method, path, body).await
    }

    async fn refresh(&mut self) {
        self.token = self.w.access_token().await;
    }
}

async fn world(config: ServerConfig) -> (World, String) {
    let w = World::start_with(config, &[]).await;
    let token = w.access_token().await;
    let (status, body) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 3, "products": 24, "days": 1, "orders_per_day": 1})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (w, token)
}

async fn listing(w: &World, channel: &str, units: i64) -> String {
    w.listing_with_stock(US, channel, units).await
}

async fn place(w: &World, sku: &str, units: i64) -> (String, String) {
    w.place_order(US, sku, units).await
}

fn address(name: &str, city: &str, postal: &str, country: &str) -> Value {
    json!({"name": name, "addressLine1": "1 Dock Rd", "city": city, "stateOrRegion": "WA",
           "postalCode": postal, "countryCode": country, "phoneNumber": "2065550100"})
}

fn package(items: Value) -> Value {
    json!({"dimensions": {"length": 10, "width": 8, "height": 4, "unit": "INCH"},
           "weight": {"value": 1.5, "unit": "POUND"},
           "insuredValue": {"value": 20, "unit": "USD"},
           "packageClientReferenceId": "pkg-1", "items": items})
}

fn amazon_rates(order: &str, item: &str, units: i64) -> Value {
    json!({
        "shipFrom": address("Shop", "Seattle", "98101", "US"),
        "packages": [package(json!([{"itemIdentifier": item, "quantity": units}]))],
        "channelDetails": {"channelType": "AMAZON", "amazonOrderDetails": {"orderId": order}}
    })
}

fn spec(format: &str) -> Value {
    json!({"format": format, "size": {"width": 4, "length": 6, "unit": "INCH"}, "dpi": 203,
           "pageLayout": "LEFT", "needFileJoining": false, "requestedDocumentTypes": ["LABEL"]})
}

async fn rates(api: &Api<'_>, body: Value) -> Value {
    let (s, b) = api
        .v2(
            "getRates",
            Method::POST,
            "/shipping/v2/shipments/rates",
            Some(body),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["payload"].clone()
}

fn label_bytes(detail: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(detail["packageDocuments"][0]["contents"].as_str().unwrap())
        .unwrap()
}

async fn tracking(api: &Api<'_>, id: &str, carrier: &str) -> Value {
    let (s, b) = api
        .v2(
            "getTracking",
            Method::GET,
            &format!("/shipping/v2/tracking?trackingId={id}&carrierId={carrier}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["payload"].clone()
}

/// The seed's MFN workflow on Shipping v2: order placed -> rates -> label bought (a PDF
/// carrying the tracking number) -> order Shipped in getOrder -> tracking moves with the
/// clock -> delivered.
async fn v2_scenario(config: ServerConfig) {
    let (w, token) = world(config).await;
    let mut api = Api { w: &w, token };
    let sku = listing(&w, "MFN", 1).await;
    let (order, item) = place(&w, &sku, 1).await;
    w.advance(600.0).await;

    let quote = rates(&api, amazon_rates(&order, &item, 1)).await;
    let token = quote["requestToken"].as_str().unwrap().to_string();
    let all = quote["rates"].as_array().unwrap();
    assert!(all.len() >= 4, "{quote}");
    let rate = all
        .iter()
        .find(|r| r["carrierId"] == "UPS")
        .unwrap()
        .clone();
    assert!(rate["totalCharge"]["value"].as_f64().unwrap() > 0.0);
    let (s, schema) = api
        .v2(
            "getAdditionalInputs",
            Method::GET,
            &format!(
                "/shipping/v2/shipments/additionalInputs/schema?requestToken={token}&rateId={}",
                rate["rateId"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{schema}");
    assert_eq!(schema["payload"]["type"], "object");

    let (s, bought) = api
        .v2(
            "purchaseShipment",
            Method::POST,
            "/shipping/v2/shipments",
            Some(json!({"requestToken": token, "rateId": rate["rateId"], "requestedDocumentSpecification": spec("PDF")})),
        )
        .await;
    assert_eq!(s, 200, "{bought}");
    let shipment = bought["payload"]["shipmentId"]
        .as_str()
        .unwrap()
        .to_string();
    let detail = &bought["payload"]["packageDocumentDetails"][0];
    let tracking_id = detail["trackingId"].as_str().unwrap().to_string();
    let pdf = label_bytes(detail);
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        text.starts_with("%PDF-") && text.contains(&tracking_id),
        "a PDF label with the tracking number"
    );

    // The rate cannot be bought twice.
    let (s, b) = api
        .v2("purchaseShipment", Method::POST, "/shipping/v2/shipments", Some(json!({"requestToken": token, "rateId": rate["rateId"], "requestedDocumentSpecification": spec("PDF")})))
        .await;
    assert_eq!(s, 400, "{b}");

    // The order shipped.
    let (_, o) = w
        .call(
            ORDERS,
            "getOrder",
            &api.token,
            Method::GET,
            &format!("/orders/v0/orders/{order}"),
            None,
        )
        .await;
    assert_eq!(o["payload"]["OrderStatus"], "Shipped", "{o}");

    // Reprint as a PNG: its barcode is the tracking number.
    let (s, docs) = api
        .v2("getShipmentDocuments", Method::GET, &format!("/shipping/v2/shipments/{shipment}/documents?packageClientReferenceId=pkg-1&format=PNG"), None)
        .await;
    assert_eq!(s, 200, "{docs}");
    let png = label_bytes(&docs["payload"]["packageDocumentDetail"]);
    assert_eq!(
        spapi_server::market::labels::read_png_barcode(&png).as_deref(),
        Some(tracking_id.as_str())
    );

    // Tracking on the clock: label created, then the carrier's scans, then delivered.
    let t = tracking(&api, &tracking_id, "UPS").await;
    assert_eq!(t["summary"]["status"], "PreTransit", "{t}");
    assert_eq!(t["eventHistory"].as_array().unwrap().len(), 1);
    let mut seen = Vec::new();
    let mut last_len = 1;
    for _ in 0..12 {
        w.advance(86400.0).await;
        api.refresh().await;
        let t = tracking(&api, &tracking_id, "UPS").await;
        let events = t["eventHistory"].as_array().unwrap();
        assert!(events.len() >= last_len, "history only grows");
        last_len = events.len();
        let times: Vec<&str> = events
            .iter()
            .map(|e| e["eventTime"].as_str().unwrap())
            .collect();
        assert!(times.windows(2).all(|p| p[0] <= p[1]), "{t}");
        seen.push(t["summary"]["status"].as_str().unwrap().to_string());
    }
    let t = tracking(&api, &tracking_id, "UPS").await;
    let events = t["eventHistory"].as_array().unwrap();
    assert_eq!(events.last().unwrap()["eventCode"], "Delivered", "{t}");
    assert!(events.iter().any(|e| e["eventCode"] == "PickupDone"));
    assert!(
        matches!(
            t["summary"]["status"].as_str(),
            Some("Delivered" | "Rejected")
        ),
        "{t}"
    );
    assert!(seen.iter().any(|s| s != "PreTransit"), "{seen:?}");
    // Delivered: too late to cancel.
    let (s, b) = api
        .v2(
            "cancelShipment",
            Method::PUT,
            &format!("/shipping/v2/shipments/{shipment}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidRequest");
}

#[tokio::test]
async fn v2_scenario_on_sqlite() {
    v2_scenario(frozen(StoreConfig::SqliteMemory)).await;
}

#[tokio::test]
async fn v2_scenario_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        v2_scenario(frozen(StoreConfig::Postgres(url))).await;
    }
}

#[tokio::test]
async fn v2_one_click_direct_purchase_and_cancel() {
    let (w, token) = world(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let external = json!({
        "shipFrom": address("Shop", "Seattle", "98101", "US"),
        "shipTo": address("Pat Buyer", "New York", "10001", "US"),
        "packages": [package(json!([{"quantity": 1, "description": "Book"}]))],
        "channelDetails": {"channelType": "EXTERNAL"},
        "labelSpecifications": spec("ZPL"),
        "serviceSelection": {"serviceId": ["UPS_PTP_GND", "USPS_PTP_PRI"]}
    });
    let (s, one) = api
        .v2(
            "oneClickShipment",
            Method::POST,
            "/shipping/v2/oneClickShipment",
            Some(external.clone()),
        )
        .await;
    assert_eq!(s, 200, "{one}");
    let p = &one["payload"];
    assert!(["UPS_PTP_GND", "USPS_PTP_PRI"].contains(&p["service"]["id"].as_str().unwrap()));
    let zpl = String::from_utf8(label_bytes(&p["packageDocumentDetails"][0])).unwrap();
    assert!(
        zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"),
        "{zpl}"
    );
    let id = p["shipmentId"].as_str().unwrap().to_string();

    // Cancel before pickup: {}; twice: refused; documents are gone; tracking says so.
    let (s, c) = api
        .v2(
            "cancelShipment",
            Method::PUT,
            &format!("/shipping/v2/shipments/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["payload"], json!({}));
    let (s, _) = api
        .v2(
            "cancelShipment",
            Method::PUT,
            &format!("/shipping/v2/shipments/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = api
        .v2(
            "getShipmentDocuments",
            Method::GET,
            &format!("/shipping/v2/shipments/{id}/documents?packageClientReferenceId=pkg-1"),
            None,
        )
        .await;
    assert_eq!(s, 400);
    let tid = p["packageDocumentDetails"][0]["trackingId"]
        .as_str()
        .unwrap();
    let carrier = p["carrier"]["id"].as_str().unwrap();
    w.advance(86400.0).await;
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let t = tracking(&api, tid, carrier).await;
    assert_eq!(t["summary"]["status"], "PickupCancelled", "{t}");

    // No requested service can ship it.
    let mut none = external.clone();
    none["serviceSelection"] = json!({"serviceId": ["NO_SUCH"]});
    let (s, b) = api
        .v2(
            "oneClickShipment",
            Method::POST,
            "/shipping/v2/oneClickShipment",
            Some(none),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidRequest");
    assert!(
        b["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("serviceSelection.serviceId")
    );

    // Direct purchase defaults to a 4x6 PNG at 203 dpi.
    let (s, d) = api
        .v2(
            "directPurchaseShipment",
            Method::POST,
            "/shipping/v2/shipments/directPurchase",
            Some(json!({"shipFrom": external["shipFrom"], "shipTo": external["shipTo"], "packages": external["packages"], "channelDetails": {"channelType": "EXTERNAL"}})),
        )
        .await;
    assert_eq!(s, 200, "{d}");
    let png = label_bytes(&d["payload"]["packageDocumentDetailList"][0]);
    let (w_px, rows) = spapi_server::market::labels::read_png(&png).unwrap();
    assert_eq!((w_px, rows.len()), (812, 1218));
}

#[tokio::test]
async fn v2_refuses_what_amazon_refuses() {
    let (w, token) = world(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let sku = listing(&w, "MFN", 2).await;
    let (order, item) = place(&w, &sku, 1).await;
    let (afn, afn_item) = place(&w, &listing(&w, "AFN", 1).await, 1).await;
    w.advance(600.0).await;
    let rates_of = |body: Value| {
        let api = &api;
        async move {
            api.v2(
                "getRates",
                Method::POST,
                "/shipping/v2/shipments/rates",
                Some(body),
            )
            .await
        }
    };
    // EXTERNAL needs shipTo; AMAZON needs the order.
    let mut b = amazon_rates(&order, &item, 1);
    b["channelDetails"] = json!({"channelType": "EXTERNAL"});
    let (s, e) = rates_of(b).await;
    assert_eq!(s, 400);
    assert_eq!(e["errors"][0]["code"], "InvalidRequest");
    assert!(
        e["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("shipTo"),
        "{e}"
    );
    let mut b = amazon_rates(&order, &item, 1);
    b["channelDetails"] = json!({"channelType": "AMAZON"});
    let (s, _) = rates_of(b).await;
    assert_eq!(s, 400);
    // FBA orders and unknown orders.
    let (s, e) = rates_of(amazon_rates(&afn, &afn_item, 1)).await;
    assert_eq!(s, 400, "{e}");
    let (s, _) = rates_of(amazon_rates("111-0000000-0000000", &item, 1)).await;
    assert_eq!(s, 404);
    // Too many units.
    let (s, e) = rates_of(amazon_rates(&order, &item, 1)).await;
    assert_eq!(s, 200, "{e}");
    // Bad weights, two packages, a bad business id.
    let mut b = amazon_rates(&order, &item, 1);
    b["packages"][0]["weight"]["value"] = json!(0);
    let (s, e) = rates_of(b).await;
    assert_eq!(s, 400);
    assert!(
        e["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("packages.weight"),
        "{e}"
    );
    let mut b = amazon_rates(&order, &item, 1);
    let p = b["packages"][0].clone();
    b["packages"] = json!([p.clone(), p]);
    let (s, _) = rates_of(b).await;
    assert_eq!(s, 400);
    let resp = w
        .http
        .post(format!("{}/shipping/v2/shipments/rates", w.base))
        .header("x-amz-access-token", &api.token)
        .header("x-amzn-shipping-business-id", "AmazonShipping_XX")
        .json(&amazon_rates(&order, &item, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);

    // An expired rate: TOKEN_EXPIRED; its additional inputs too.
    let quote = rates(&api, amazon_rates(&order, &item, 1)).await;
    let body = json!({"requestToken": quote["requestToken"], "rateId": quote["rates"][0]["rateId"], "requestedDocumentSpecification": spec("PNG")});
    // A size no rate supports, a document type no rate supports.
    let mut odd = body.clone();
    odd["requestedDocumentSpecification"]["size"] =
        json!({"width": 8, "length": 11, "unit": "INCH"});
    let (s, e) = api
        .v2(
            "purchaseShipment",
            Method::POST,
            "/shipping/v2/shipments",
            Some(odd),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let mut odd = body.clone();
    odd["requestedDocumentSpecification"]["requestedDocumentTypes"] = json!(["PACKSLIP"]);
    let (s, _) = api
        .v2(
            "purchaseShipment",
            Method::POST,
            "/shipping/v2/shipments",
            Some(odd),
        )
        .await;
    assert_eq!(s, 400);
    w.advance(601.0).await;
    let (s, e) = api
        .v2(
            "purchaseShipment",
            Method::POST,
            "/shipping/v2/shipments",
            Some(body),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["errors"][0]["code"], "TOKEN_EXPIRED");
    // Unknown rate.
    let (s, e) = api
        .v2("purchaseShipment", Method::POST, "/shipping/v2/shipments", Some(json!({"requestToken": "x", "rateId": "y", "requestedDocumentSpecification": spec("PNG")})))
        .await;
    assert_eq!(s, 400, "{e}");

    // Another seller sees neither the shipment nor its tracking.
    let quote = rates(&api, amazon_rates(&order, &item, 1)).await;
    let (s, bought) = api
        .v2("purchaseShipment", Method::POST, "/shipping/v2/shipments", Some(json!({"requestToken": quote["requestToken"], "rateId": quote["rates"][0]["rateId"], "requestedDocumentSpecification": spec("PNG")})))
        .await;
    assert_eq!(s, 200, "{bought}");
    let id = bought["payload"]["shipmentId"].as_str().unwrap();
    let tid = bought["payload"]["packageDocumentDetails"][0]["trackingId"]
        .as_str()
        .unwrap();
    let carrier = quote["rates"][0]["carrierId"].as_str().unwrap();
    // The order's one unit has a label: a second one is refused.
    let again = rates(&api, amazon_rates(&order, &item, 1)).await;
    let (s, e) = api
        .v2("purchaseShipment", Method::POST, "/shipping/v2/shipments", Some(json!({"requestToken": again["requestToken"], "rateId": again["rates"][0]["rateId"], "requestedDocumentSpecification": spec("PNG")})))
        .await;
    assert_eq!(s, 400, "{e}");
    let (_, other) = w.other_seller("NA", &[US]).await;
    let (s, _) = w
        .call(
            V2,
            "cancelShipment",
            &other,
            Method::PUT,
            &format!("/shipping/v2/shipments/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = w
        .call(
            V2,
            "getTracking",
            &other,
            Method::GET,
            &format!("/shipping/v2/tracking?trackingId={tid}&carrierId={carrier}"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = api
        .v2(
            "getTracking",
            Method::GET,
            &format!("/shipping/v2/tracking?trackingId={tid}&carrierId=NOPE"),
            None,
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = api
        .v2(
            "getShipmentDocuments",
            Method::GET,
            &format!("/shipping/v2/shipments/{id}/documents?packageClientReferenceId=other"),
            None,
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = api
        .v2(
            "getShipmentDocuments",
            Method::GET,
            "/shipping/v2/shipments/123/documents?packageClientReferenceId=pkg-1",
            None,
        )
        .await;
    assert_eq!(s, 404);
}

/// A Shipping v2 call with the business id header; status and JSON, checked against the model.
async fn call_business(
    w: &World,
    token: &str,
    op: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = w
        .http
        .request(method, format!("{}{path}", w.base))
        .header("x-amz-access-token", token)
        .header("x-amzn-shipping-business-id", "AmazonShipping_US")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    common::conforms(V2, op, status, &body);
    (status, body)
}

#[tokio::test]
async fn v2_carrier_accounts() {
    let (w, token) = world(frozen(StoreConfig::SqliteMemory)).await;
    let t = token.as_str();
    let (s, form) = call_business(
        &w,
        t,
        "getCarrierAccountFormInputs",
        Method::GET,
        "/shipping/v2/carrierAccountFormInputs",
        Value::Null,
    )
    .await;
    assert_eq!(s, 200, "{form}");
    let carriers: Vec<&str> = form["linkableCarriersList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["carrierId"].as_str().unwrap())
        .collect();
    assert!(
        carriers.contains(&"UPS") && carriers.contains(&"FEDEX"),
        "{form}"
    );
    let link = |number: &str| {
        json!({"carrierAccountType": "SHIPPER_ACCOUNT",
        "carrierAccountAttributes": [{"attributeName": "ACCOUNT_NUMBER", "propertyGroup": "ACCOUNT", "value": number}]})
    };
    let (s, ups) = call_business(
        &w,
        t,
        "linkCarrierAccount",
        Method::PUT,
        "/shipping/v2/carrierAccounts/UPS",
        link("A1B2C3"),
    )
    .await;
    assert_eq!(s, 200, "{ups}");
    assert_eq!(ups["registrationStatus"], "ACTIVE");
    let (s, fedex) = call_business(
        &w,
        t,
        "linkCarrierAccount_1",
        Method::POST,
        "/shipping/v2/carrierAccounts/FEDEX",
        link("998877"),
    )
    .await;
    assert_eq!(s, 200, "{fedex}");
    let (s, b) = call_business(
        &w,
        t,
        "linkCarrierAccount",
        Method::PUT,
        "/shipping/v2/carrierAccounts/ROYAL_MAIL",
        link("1"),
    )
    .await;
    assert_eq!(s, 400, "not a US carrier: {b}");
    let (s, b) = call_business(
        &w,
        t,
        "linkCarrierAccount",
        Method::PUT,
        "/shipping/v2/carrierAccounts/UPS",
        json!({"carrierAccountType": "SHIPPER_ACCOUNT", "carrierAccountAttributes": []}),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    let (s, got) = call_business(
        &w,
        t,
        "getCarrierAccounts",
        Method::PUT,
        "/shipping/v2/carrierAccounts",
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["activeAccounts"].as_array().unwrap().len(), 2);
    let (s, un) = call_business(
        &w,
        t,
        "unlinkCarrierAccount",
        Method::PUT,
        "/shipping/v2/carrierAccounts/UPS/unlink",
        json!({"accountId": ups["accountId"]}),
    )
    .await;
    assert_eq!(s, 200, "{un}");
    assert_eq!(un["isUnlinked"], true);
    let (s, _) = call_business(
        &w,
        t,
        "unlinkCarrierAccount",
        Method::PUT,
        "/shipping/v2/carrierAccounts/UPS/unlink",
        json!({}),
    )
    .await;
    assert_eq!(s, 404);
    let (_, got) = call_business(
        &w,
        t,
        "getCarrierAccounts",
        Method::PUT,
        "/shipping/v2/carrierAccounts",
        json!({}),
    )
    .await;
    assert_eq!(
        got["activeAccounts"],
        json!([{"accountId": fedex["accountId"], "carrierId": "FEDEX"}])
    );
    // Another seller has none.
    let (_, other) = w.other_seller("NA", &[US]).await;
    let (_, got) = call_business(
        &w,
        &other,
        "getCarrierAccounts",
        Method::PUT,
        "/shipping/v2/carrierAccounts",
        json!({}),
    )
    .await;
    assert_eq!(got["activeAccounts"], json!([]));
}

#[tokio::test]
async fn v2_ndr_feedback_and_claims() {
    let (w, token) = world(frozen(StoreConfig::SqliteMemory)).await;
    let mut api = Api { w: &w, token };
    let body = json!({
        "shipFrom": address("Shop", "Seattle", "98101", "US"),
        "shipTo": address("Pat Buyer", "New York", "10001", "US"),
        "packages": [package(json!([{"quantity": 1}]))],
        "channelDetails": {"channelType": "EXTERNAL"},
        "labelSpecifications": spec("PNG"),
        "serviceSelection": {"serviceId": ["UPS_PTP_GND"]}
    });
    // Buy labels until one's package will meet a failed delivery attempt.
    let mut attempted = None;
    let mut first = None;
    for _ in 0..60 {
        let (s, b) = api
            .v2(
                "oneClickShipment",
                Method::POST,
                "/shipping/v2/oneClickShipment",
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let tid = b["payload"]["packageDocumentDetails"][0]["trackingId"]
            .as_str()
            .unwrap()
            .to_string();
        first.get_or_insert(tid.clone());
        use spapi_server::market::carriers::Outcome;
        if matches!(Outcome::of(&tid), Outcome::Attempted | Outcome::Returned) {
            attempted = Some(tid);
            break;
        }
    }
    let tid = attempted.expect("one in five packages meets a failed attempt");
    let first = first.unwrap();
    let ndr = |t: &str, action: &str, data: Value| json!({"trackingId": t, "ndrAction": action, "ndrRequestData": data});
    // No failed attempt yet: no NDR.
    let (s, b) = api
        .v2(
            "submitNdrFeedback",
            Method::POST,
            "/shipping/v2/ndrFeedback",
            Some(ndr(
                &tid,
                "REATTEMPT",
                json!({"additionalAddressNotes": "Back door"}),
            )),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let mut found = false;
    for _ in 0..40 {
        w.advance(6.0 * 3600.0).await;
        api.refresh().await;
        if tracking(&api, &tid, "UPS").await["summary"]["status"] == "DeliveryAttempted" {
            found = true;
            break;
        }
    }
    assert!(found, "the package meets its failed attempt on the clock");
    let (s, b) = api
        .v2(
            "submitNdrFeedback",
            Method::POST,
            "/shipping/v2/ndrFeedback",
            Some(ndr(&tid, "RESCHEDULE", json!({}))),
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        b["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("RescheduleDate is missing in the request"),
        "{b}"
    );
    let (s, b) = api
        .v2(
            "submitNdrFeedback",
            Method::POST,
            "/shipping/v2/ndrFeedback",
            Some(ndr(&tid, "REATTEMPT", json!({}))),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .v2(
            "submitNdrFeedback",
            Method::POST,
            "/shipping/v2/ndrFeedback",
            Some(ndr(
                &tid,
                "REATTEMPT",
                json!({"additionalAddressNotes": "Back door"}),
            )),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, _) = api
        .v2(
            "submitNdrFeedback",
            Method::POST,
            "/shipping/v2/ndrFeedback",
            Some(ndr("NOPE", "RTO", json!({}))),
        )
        .await;
    assert_eq!(s, 404);

    // Claims: one per tracking id.
    let claim = |t: &str| json!({"trackingId": t, "claimReason": "DAMAGED_IN_TRANSIT", "settlementType": "REFUND"});
    let (s, c) = api
        .v2(
            "createClaim",
            Method::POST,
            "/shipping/v2/claims",
            Some(claim(&first)),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    assert!(!c["claimId"].as_str().unwrap().is_empty());
    let (s, c) = api
        .v2(
            "createClaim",
            Method::POST,
            "/shipping/v2/claims",
            Some(claim(&first)),
        )
        .await;
    assert_eq!(s, 400, "{c}");
    assert_eq!(c["errors"][0]["code"], "InvalidInputException");
    assert_eq!(
        c["errors"][0]["message"],
        "Claim already exists for the trackingId"
    );
    let (s, _) = api
        .v2(
            "createClaim",
            Method::POST,
            "/shipping/v2/claims",
            Some(claim("NOPE")),
        )
        .await;
    assert_eq!(s, 404);
    let (_, other) = w.other_seller("NA", &[US]).await;
    let (s, _) = w
        .call(
            V2,
            "createClaim",
            &other,
            Method::POST,
            "/shipping/v2/claims",
            Some(claim(&tid)),
        )
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn v2_collection_forms_and_access_points() {
    let (w, token) = world(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let body = json!({
        "shipFrom": address("Shop", "Seattle", "98101", "US"),
        "shipTo": address("Pat Buyer", "New York", "10001", "US"),
        "packages": [package(json!([{"quantity": 1}]))],
        "channelDetails": {"channelType": "EXTERNAL"},
        "labelSpecifications": spec("PNG"),
        "serviceSelection": {"serviceId": ["UPS_PTP_GND"]}
    });
    let mut tids = Vec::new();
    for _ in 0..2 {
        let (s, b) = api
            .v2(
                "oneClickShipment",
                Method::POST,
                "/shipping/v2/oneClickShipment",
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        tids.push(
            b["payload"]["packageDocumentDetails"][0]["trackingId"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let (s, un) = api
        .v2(
            "getUnmanifestedShipments",
            Method::PUT,
            "/shipping/v2/unmanifestedShipments",
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 200, "{un}");
    assert_eq!(
        un["unmanifestedCarrierInformationList"][0]["carrierId"], "UPS",
        "{un}"
    );
    let (s, b) = api
        .v2(
            "generateCollectionForm",
            Method::POST,
            "/shipping/v2/collectionForms",
            Some(json!({"carrierId": "FEDEX"})),
        )
        .await;
    assert_eq!(s, 400, "nothing to manifest: {b}");
    let (s, f) = api
        .v2(
            "generateCollectionForm",
            Method::POST,
            "/shipping/v2/collectionForms",
            Some(json!({"carrierId": "UPS"})),
        )
        .await;
    assert_eq!(s, 200, "{f}");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(
            f["collectionsFormDocument"]["base64EncodedContent"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.starts_with("%PDF-") && tids.iter().all(|t| text.contains(t.as_str())));
    let (_, un) = api
        .v2(
            "getUnmanifestedShipments",
            Method::PUT,
            "/shipping/v2/unmanifestedShipments",
            Some(json!({})),
        )
        .await;
    assert_eq!(un["unmanifestedCarrierInformationList"], json!([]));
    let (s, h) = api
        .v2(
            "getCollectionFormHistory",
            Method::PUT,
            "/shipping/v2/collectionForms/history",
            Some(json!({"carrierId": "UPS"})),
        )
        .await;
    assert_eq!(s, 200, "{h}");
    let id = h["collectionFormsHistoryRecordList"][0]["collectionFormId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        h["collectionFormsHistoryRecordList"][0]["generationStatus"],
        "Completed"
    );
    let (s, g) = api
        .v2(
            "getCollectionForm",
            Method::GET,
            &format!("/shipping/v2/collectionForms/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{g}");
    assert_eq!(g["collectionsFormDocument"]["documentFormat"], "PDF");
    let (s, _) = api
        .v2(
            "getCollectionForm",
            Method::GET,
            "/shipping/v2/collectionForms/000",
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (_, other) = w.other_seller("NA", &[US]).await;
    let (s, _) = w
        .call(
            V2,
            "getCollectionForm",
            &other,
            Method::GET,
            &format!("/shipping/v2/collectionForms/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 404);

    let (s, ap) = api
        .v2("getAccessPoints", Method::GET, "/shipping/v2/accessPoints?accessPointTypes=HELIX,CORE_LOCKER&countryCode=US&postalCode=98101", None)
        .await;
    assert_eq!(s, 200, "{ap}");
    assert_eq!(
        ap["payload"]["accessPointsMap"]["HELIX"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        ap["payload"]["accessPointsMap"]["CORE_LOCKER"][0]["type"],
        "CORE_LOCKER"
    );
    let (s, _) = api
        .v2(
            "getAccessPoints",
            Method::GET,
            "/shipping/v2/accessPoints?accessPointTypes=HELIX&countryCode=USA&postalCode=98101",
            None,
        )
        .await;
    assert_eq!(s, 400);
}
