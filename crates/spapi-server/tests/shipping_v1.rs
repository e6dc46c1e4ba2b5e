//! Shipping v1 over the carrier world: shipments with rates that expire, labels bought and
//! printed again, tracking on the clock, cancellation, and what is refused.

mod common;

use base64::Engine;
use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::clock::Clock;
use spapi_server::server::ServerConfig;
use spapi_server::store::StoreConfig;

const V1: &str = "models/shipping-api-model/shipping.json";
/// A Monday morning.
const T0: &str = "2025-06-02T10:00:00Z";

fn frozen(store: StoreConfig) -> ServerConfig {
    ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    }
}

fn address(name: &str, city: &str, postal: &str) -> Value {
    json!({"name": name, "addressLine1": "1 High Street", "city": city,
        "stateOrRegion": "England", "postalCode": postal, "countryCode": "GB"})
}

fn container(reference: &str) -> Value {
    json!({
        "containerType": "PACKAGE", "containerReferenceId": reference,
        "value": {"value": 20.0, "unit": "GBP"},
        "dimensions": {"length": 30.0, "width": 20.0, "height": 10.0, "unit": "CM"},
        "weight": {"value": 1.2, "unit": "kg"},
        "items": [{"quantity": 1.0, "unitPrice": {"value": 20.0, "unit": "GBP"},
            "unitWeight": {"value": 1.2, "unit": "kg"}, "title": "Teapot"}]
    })
}

fn shipment(reference: &str) -> Value {
    json!({
        "clientReferenceId": reference,
        "shipFrom": address("Shop Ltd", "London", "EC1A 1BB"),
        "shipTo": address("Pat Buyer", "Manchester", "M1 1AE"),
        "containers": [container("box-1")]
    })
}

fn label_spec() -> Value {
    json!({"labelFormat": "PNG", "labelStockSize": "4x6"})
}

struct Api<'a> {
    w: &'a World,
    token: String,
}

impl Api<'_> {
    async fn call(
        &self,
        op: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.w.call(V1, op, &self.token, method, path, body).await
    }

    async fn create(&self, reference: &str) -> Value {
        let (s, body) = self
            .call(
                "createShipment",
                Method::POST,
                "/shipping/v1/shipments",
                Some(shipment(reference)),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        body["payload"].clone()
    }

    async fn purchase(&self, id: &str, rate_id: &str) -> (u16, Value) {
        self.call(
            "purchaseLabels",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/purchaseLabels"),
            Some(json!({"rateId": rate_id, "labelSpecification": label_spec()})),
        )
        .await
    }

    async fn tracking(&self, tracking_id: &str) -> (u16, Value) {
        self.call(
            "getTrackingInformation",
            Method::GET,
            &format!("/shipping/v1/tracking/{tracking_id}"),
            None,
        )
        .await
    }
}

fn png_of(stream: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(stream.as_str().unwrap())
        .unwrap()
}

/// create -> rates -> purchase labels -> retrieve label -> tracking moves with the clock ->
/// cancel refused after pickup.
async fn scenario(config: ServerConfig) {
    let w = World::start_with(config, &[]).await;
    let mut api = Api {
        w: &w,
        token: w.access_token().await,
    };

    let (s, account) = api
        .call("getAccount", Method::GET, "/shipping/v1/account", None)
        .await;
    assert_eq!(s, 200, "{account}");
    let account_id = account["payload"]["accountId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!account_id.is_empty() && account_id.len() <= 10);

    let (s, rates) = api
        .call(
            "getRates",
            Method::POST,
            "/shipping/v1/rates",
            Some(json!({
                "shipFrom": address("Shop Ltd", "London", "EC1A 1BB"),
                "shipTo": address("Pat Buyer", "Manchester", "M1 1AE"),
                "serviceTypes": ["Amazon Shipping Ground", "Amazon Shipping Premium"],
                "containerSpecifications": [{
                    "dimensions": {"length": 30.0, "width": 20.0, "height": 10.0, "unit": "CM"},
                    "weight": {"value": 1.2, "unit": "kg"}
                }]
            })),
        )
        .await;
    assert_eq!(s, 200, "{rates}");
    let service_rates = rates["payload"]["serviceRates"].as_array().unwrap();
    assert_eq!(service_rates.len(), 2, "{rates}");
    assert!(
        service_rates
            .iter()
            .all(|r| r["totalCharge"]["unit"] == "GBP")
    );

    let created = api.create("order-1").await;
    let id = created["shipmentId"].as_str().unwrap().to_string();
    let eligible = created["eligibleRates"].as_array().unwrap();
    assert_eq!(eligible.len(), 3, "{created}");
    let ground = eligible
        .iter()
        .find(|r| r["serviceType"] == "Amazon Shipping Ground")
        .unwrap();
    let premium = eligible
        .iter()
        .find(|r| r["serviceType"] == "Amazon Shipping Premium")
        .unwrap();
    assert!(ground["totalCharge"]["value"].as_f64() <= premium["totalCharge"]["value"].as_f64());
    // Quoted for the same container as getRates: the same price.
    let quoted_ground = service_rates
        .iter()
        .find(|r| r["serviceType"] == "Amazon Shipping Ground")
        .unwrap();
    assert_eq!(quoted_ground["totalCharge"], ground["totalCharge"]);

    let (s, got) = api
        .call(
            "getShipment",
            Method::GET,
            &format!("/shipping/v1/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["payload"]["clientReferenceId"], "order-1");
    assert!(got["payload"].get("acceptedRate").is_none(), "{got}");
    assert_eq!(got["payload"]["shipper"]["accountId"], account_id.as_str());

    let (s, bought) = api.purchase(&id, ground["rateId"].as_str().unwrap()).await;
    assert_eq!(s, 200, "{bought}");
    let p = &bought["payload"];
    assert_eq!(p["shipmentId"], id.as_str());
    assert_eq!(p["acceptedRate"]["totalCharge"], ground["totalCharge"]);
    let result = &p["labelResults"][0];
    assert_eq!(result["containerReferenceId"], "box-1");
    let tracking_id = result["trackingId"].as_str().unwrap().to_string();
    let png = png_of(&result["label"]["labelStream"]);
    assert_eq!(
        spapi_server::market::labels::read_png_barcode(&png).as_deref(),
        Some(tracking_id.as_str())
    );

    // Bought once: the other rates are gone.
    let (s, again) = api.purchase(&id, premium["rateId"].as_str().unwrap()).await;
    assert_eq!(s, 400, "{again}");

    let (s, label) = api
        .call(
            "retrieveShippingLabel",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/containers/{tracking_id}/label"),
            Some(json!({"labelSpecification": label_spec()})),
        )
        .await;
    assert_eq!(s, 200, "{label}");
    assert_eq!(png_of(&label["payload"]["labelStream"]), png);

    let (s, got) = api
        .call(
            "getShipment",
            Method::GET,
            &format!("/shipping/v1/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(
        got["payload"]["acceptedRate"]["serviceType"],
        "Amazon Shipping Ground"
    );

    let (s, before) = api.tracking(&tracking_id).await;
    assert_eq!(s, 200, "{before}");
    let events_before = before["payload"]["eventHistory"].as_array().unwrap().len();
    let status_before = before["payload"]["summary"]["status"].clone();

    w.advance(10.0 * 86_400.0).await;
    api.token = w.access_token().await;
    let (s, after) = api.tracking(&tracking_id).await;
    assert_eq!(s, 200, "{after}");
    let events = after["payload"]["eventHistory"].as_array().unwrap();
    assert!(events.len() > events_before, "{before} {after}");
    assert_ne!(
        after["payload"]["summary"]["status"], status_before,
        "{after}"
    );
    assert!(
        events
            .windows(2)
            .all(|e| e[0]["eventTime"].as_str() <= e[1]["eventTime"].as_str())
    );

    let (s, refused) = api
        .call(
            "cancelShipment",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 400, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "InvalidInput");
}

#[tokio::test]
async fn v1_scenario_on_sqlite() {
    scenario(frozen(StoreConfig::SqliteMemory)).await;
}

#[tokio::test]
async fn v1_scenario_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        scenario(frozen(StoreConfig::Postgres(url))).await;
    }
}

#[tokio::test]
async fn v1_purchase_shipment_and_cancel_before_pickup() {
    let w = World::start_with(frozen(StoreConfig::SqliteMemory), &[]).await;
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let mut body = shipment("one-step");
    body["serviceType"] = json!("Amazon Shipping Premium");
    body["labelSpecification"] = label_spec();
    let (s, bought) = api
        .call(
            "purchaseShipment",
            Method::POST,
            "/shipping/v1/purchaseShipment",
            Some(body.clone()),
        )
        .await;
    assert_eq!(s, 200, "{bought}");
    let p = &bought["payload"];
    assert_eq!(p["serviceRate"]["serviceType"], "Amazon Shipping Premium");
    let id = p["shipmentId"].as_str().unwrap().to_string();
    let tracking_id = p["labelResults"][0]["trackingId"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!png_of(&p["labelResults"][0]["label"]["labelStream"]).is_empty());
    let (s, got) = api
        .call(
            "getShipment",
            Method::GET,
            &format!("/shipping/v1/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(
        got["payload"]["acceptedRate"]["serviceType"],
        "Amazon Shipping Premium"
    );
    assert_eq!(got["payload"]["clientReferenceId"], "one-step");

    // Cancelled before the carrier comes: the label is void, tracking says so.
    let (s, body_c) = api
        .call(
            "cancelShipment",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{body_c}");
    let (s, twice) = api
        .call(
            "cancelShipment",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 400, "{twice}");
    let (s, label) = api
        .call(
            "retrieveShippingLabel",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/containers/{tracking_id}/label"),
            Some(json!({"labelSpecification": label_spec()})),
        )
        .await;
    assert_eq!(s, 400, "{label}");
    let (s, t) = api.tracking(&tracking_id).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["payload"]["summary"]["status"], "PickupCancelled", "{t}");

    // A shipment cancelled before purchase: its rates can no longer be bought.
    let created = api.create("never").await;
    let id2 = created["shipmentId"].as_str().unwrap();
    let (s, _) = api
        .call(
            "cancelShipment",
            Method::POST,
            &format!("/shipping/v1/shipments/{id2}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, refused) = api
        .purchase(id2, created["eligibleRates"][0]["rateId"].as_str().unwrap())
        .await;
    assert_eq!(s, 400, "{refused}");

    // An unknown service type.
    body["serviceType"] = json!("Amazon Shipping Overnight");
    let (s, bad) = api
        .call(
            "purchaseShipment",
            Method::POST,
            "/shipping/v1/purchaseShipment",
            Some(body),
        )
        .await;
    assert_eq!(s, 400, "{bad}");
}

#[tokio::test]
async fn v1_unhappy_paths() {
    let w = World::start_with(frozen(StoreConfig::SqliteMemory), &[]).await;
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let created = api.create("mine").await;
    let id = created["shipmentId"].as_str().unwrap().to_string();
    let rate_id = created["eligibleRates"][0]["rateId"]
        .as_str()
        .unwrap()
        .to_string();

    // Unknown ids.
    let (s, e) = api
        .call(
            "getShipment",
            Method::GET,
            "/shipping/v1/shipments/99999999999999",
            None,
        )
        .await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(e["errors"][0]["code"], "NotFound");
    let (s, e) = api
        .call(
            "cancelShipment",
            Method::POST,
            "/shipping/v1/shipments/99999999999999/cancel",
            None,
        )
        .await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = api.purchase("99999999999999", &rate_id).await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = api.purchase(&id, "not-a-rate").await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = api.tracking("1ZUNKNOWN").await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = api
        .call(
            "retrieveShippingLabel",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/containers/NOPE/label"),
            Some(json!({"labelSpecification": label_spec()})),
        )
        .await;
    assert_eq!(s, 404, "{e}");

    // A v1 shipment id and rate id are no Shipping v2 quote (both keep rates in one table):
    // 400, not a 500.
    let resp = w
        .http
        .post(format!("{}/shipping/v2/shipments", w.base))
        .header("x-amz-access-token", &api.token)
        .header("x-amzn-shipping-business-id", "AmazonShipping_US")
        .json(&json!({"requestToken": id, "rateId": rate_id,
            "requestedDocumentSpecification": {"format": "PDF",
                "size": {"width": 4, "length": 6, "unit": "INCH"}, "dpi": 203,
                "pageLayout": "LEFT", "needFileJoining": false,
                "requestedDocumentTypes": ["LABEL"]}}))
        .send()
        .await
        .unwrap();
    let s = resp.status().as_u16();
    let e: Value = resp.json().await.unwrap();
    assert_eq!(s, 400, "{e}");
    common::conforms(
        "models/shipping-api-model/shippingV2.json",
        "purchaseShipment",
        s,
        &e,
    );

    // Bad bodies, the field named.
    let mut bad = shipment("x");
    bad["containers"][0]["weight"]["unit"] = json!("stone");
    let (s, e) = api
        .call(
            "createShipment",
            Method::POST,
            "/shipping/v1/shipments",
            Some(bad),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("weight"), "{e}");
    let mut bad = shipment("x");
    bad["shipTo"]["postalCode"] = json!("");
    let (s, e) = api
        .call(
            "createShipment",
            Method::POST,
            "/shipping/v1/shipments",
            Some(bad),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("shipTo.postalCode"), "{e}");
    let mut bad = shipment("x");
    bad["containers"] = json!([]);
    let (s, e) = api
        .call(
            "createShipment",
            Method::POST,
            "/shipping/v1/shipments",
            Some(bad),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = api
        .call(
            "createShipment",
            Method::POST,
            "/shipping/v1/shipments",
            Some(json!({"shipTo": 1})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let (s, e) = api
        .call(
            "purchaseLabels",
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/purchaseLabels"),
            Some(json!({"rateId": rate_id, "labelSpecification": {"labelFormat": "PDF", "labelStockSize": "4x6"}})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("labelFormat"), "{e}");

    // getRates: no service type, a negative side, a bad ship date.
    let rates = |types: Value, length: f64, date: &str| {
        json!({
            "shipFrom": address("Shop Ltd", "London", "EC1A 1BB"),
            "shipTo": address("Pat Buyer", "Manchester", "M1 1AE"),
            "serviceTypes": types,
            "shipDate": date,
            "containerSpecifications": [{
                "dimensions": {"length": length, "width": 20.0, "height": 10.0, "unit": "CM"},
                "weight": {"value": 1.2, "unit": "kg"}
            }]
        })
    };
    for (body, field) in [
        (rates(json!([]), 30.0, T0), "serviceTypes"),
        (
            rates(json!(["Amazon Shipping Ground"]), -1.0, T0),
            "containerSpecifications.dimensions",
        ),
        (
            rates(json!(["Amazon Shipping Ground"]), 30.0, "soon"),
            "shipDate",
        ),
    ] {
        let (s, e) = api
            .call("getRates", Method::POST, "/shipping/v1/rates", Some(body))
            .await;
        assert_eq!(s, 400, "{e}");
        assert!(e.to_string().contains(field), "{field}: {e}");
    }

    // Another seller sees none of it.
    let (_, other) = w.other_seller("EU", &["A1F83G8C2ARO7P"]).await;
    let (s, e) = w
        .call(
            V1,
            "getShipment",
            &other,
            Method::GET,
            &format!("/shipping/v1/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = w
        .call(
            V1,
            "purchaseLabels",
            &other,
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/purchaseLabels"),
            Some(json!({"rateId": rate_id, "labelSpecification": label_spec()})),
        )
        .await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = w
        .call(
            V1,
            "cancelShipment",
            &other,
            Method::POST,
            &format!("/shipping/v1/shipments/{id}/cancel"),
            None,
        )
        .await;
    assert_eq!(s, 404, "{e}");

    // An expired rate: 10 minutes after the quote.
    w.advance(601.0).await;
    let (s, e) = api.purchase(&id, &rate_id).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("expired"), "{e}");

    // A fresh shipment bought; another seller cannot track it.
    let fresh = api.create("fresh").await;
    let fid = fresh["shipmentId"].as_str().unwrap();
    let (s, bought) = api
        .purchase(fid, fresh["eligibleRates"][0]["rateId"].as_str().unwrap())
        .await;
    assert_eq!(s, 200, "{bought}");
    let tracking_id = bought["payload"]["labelResults"][0]["trackingId"]
        .as_str()
        .unwrap();
    let (s, e) = w
        .call(
            V1,
            "getTrackingInformation",
            &other,
            Method::GET,
            &format!("/shipping/v1/tracking/{tracking_id}"),
            None,
        )
        .await;
    assert_eq!(s, 404, "{e}");
}
