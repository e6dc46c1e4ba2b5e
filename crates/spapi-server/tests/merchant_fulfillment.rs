//! Merchant Fulfillment v0 over the carrier world: services for an MFN order, a label bought
//! (the order ships), read, cancelled (refund on the clock), and what Amazon refuses.

mod common;

use base64::Engine;
use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::clock::Clock;
use spapi_server::server::ServerConfig;
use spapi_server::store::StoreConfig;
use std::io::Read;

const MFN: &str = "models/merchant-fulfillment-api-model/merchantFulfillmentV0.json";
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
    async fn mfn(&self, op: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.w.call(MFN, op, &self.token, method, path, body).await
    }

    async fn order(&self, id: &str) -> Value {
        let (s, b) = self
            .w
            .call(
                ORDERS,
                "getOrder",
                &self.token,
                Method::GET,
                &format!("/orders/v0/orders/{id}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["payload"].clone()
    }
}

/// A world with listings; the caller's access token.
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

/// A listing of `channel` (`MFN`/`AFN`) in the US with at least `units`.
async fn listing(w: &World, channel: &str, units: i64) -> String {
    w.listing_with_stock(US, channel, units).await
}

/// Places an order of `units` of `sku`; its id and first order item id.
async fn place(w: &World, sku: &str, units: i64) -> (String, String) {
    w.place_order(US, sku, units).await
}

fn ship_from() -> Value {
    json!({"Name": "Shop Warehouse", "AddressLine1": "1 Dock Rd", "Email": "ops@shop.example",
           "City": "Seattle", "StateOrProvinceCode": "WA", "PostalCode": "98101",
           "CountryCode": "US", "Phone": "2065550100"})
}

fn details(order: &str, item: &str, units: i64) -> Value {
    json!({
        "AmazonOrderId": order,
        "ItemList": [{"OrderItemId": item, "Quantity": units}],
        "ShipFromAddress": ship_from(),
        "PackageDimensions": {"Length": 10, "Width": 8, "Height": 4, "Unit": "inches"},
        "Weight": {"Value": 24, "Unit": "oz"},
        "ShippingServiceOptions": {"DeliveryExperience": "DeliveryConfirmationWithoutSignature",
                                   "CarrierWillPickUp": false, "LabelFormat": "PNG"}
    })
}

async fn services(api: &Api<'_>, order: &str, item: &str, units: i64) -> Value {
    let (s, b) = api
        .mfn(
            "getEligibleShipmentServices",
            Method::POST,
            "/mfn/v0/eligibleShippingServices",
            Some(json!({"ShipmentRequestDetails": details(order, item, units)})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["payload"].clone()
}

fn create_body(order: &str, item: &str, units: i64, service: &Value) -> Value {
    json!({
        "ShipmentRequestDetails": details(order, item, units),
        "ShippingServiceId": service["ShippingServiceId"],
        "ShippingServiceOfferId": service["ShippingServiceOfferId"],
    })
}

/// The label file of a shipment: base64 of gzip, checked against its MD5.
fn label_file(shipment: &Value) -> Vec<u8> {
    let fc = &shipment["Label"]["FileContents"];
    let b64 = base64::engine::general_purpose::STANDARD;
    let gz = b64.decode(fc["Contents"].as_str().unwrap()).unwrap();
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut raw)
        .unwrap();
    use md5::Digest;
    assert_eq!(
        fc["Checksum"].as_str().unwrap(),
        b64.encode(md5::Md5::digest(&raw)),
        "checksum of the label file"
    );
    raw
}

async fn order_changes(w: &World, order: &str) -> Vec<String> {
    let (_, outbox) = w.control(Method::GET, "/outbox?limit=1000", None).await;
    outbox["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["topic"] == "ORDER_CHANGE" && e["payload"]["AmazonOrderId"] == order)
        .map(|e| {
            e["payload"]["OrderChangeTrigger"]["ChangeReason"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// The seed's MFN workflow: order placed -> services -> label bought (decodable, its barcode
/// the tracking number) -> order Shipped -> cancelled -> refund on the clock -> a replacement
/// label ships nothing twice.
async fn mfn_scenario(config: ServerConfig) {
    let (w, token) = world(config).await;
    let api = Api { w: &w, token };
    let sku = listing(&w, "MFN", 2).await;
    let (order, item) = place(&w, &sku, 2).await;

    // Pending orders (payment hold) cannot have labels yet.
    let (s, b) = api
        .mfn(
            "getEligibleShipmentServices",
            Method::POST,
            "/mfn/v0/eligibleShippingServices",
            Some(json!({"ShipmentRequestDetails": details(&order, &item, 2)})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["details"]
            .as_str()
            .unwrap()
            .contains("Pending"),
        "{b}"
    );
    w.advance(600.0).await;

    let offers = services(&api, &order, &item, 2).await;
    let list = offers["ShippingServiceList"].as_array().unwrap();
    assert!(list.len() >= 4, "{offers}");
    for s in list {
        assert!(!s["ShippingServiceOfferId"].as_str().unwrap().is_empty());
        assert!(s["Rate"]["Amount"].as_f64().unwrap() > 0.0);
        assert_eq!(s["Rate"]["CurrencyCode"], "USD");
        assert!(
            s["EarliestEstimatedDeliveryDate"].as_str().unwrap()
                <= s["LatestEstimatedDeliveryDate"].as_str().unwrap()
        );
    }
    let ups = list
        .iter()
        .find(|s| s["ShippingServiceId"] == "UPS_PTP_2ND_DAY_AIR")
        .expect("UPS 2nd Day Air is offered");
    assert_eq!(ups["CarrierName"], "UPS");

    // Buy it: the label is a PNG whose barcode is the tracking number.
    let (s, created) = api
        .mfn(
            "createShipment",
            Method::POST,
            "/mfn/v0/shipments",
            Some(create_body(&order, &item, 2, ups)),
        )
        .await;
    assert_eq!(s, 200, "{created}");
    let shipment = &created["payload"];
    assert_eq!(shipment["Status"], "Purchased");
    assert_eq!(shipment["Label"]["FileContents"]["FileType"], "image/png");
    let tracking = shipment["TrackingId"].as_str().unwrap().to_string();
    assert!(tracking.starts_with("1Z"), "{tracking}");
    let png = label_file(shipment);
    assert_eq!(
        spapi_server::market::labels::read_png_barcode(&png).as_deref(),
        Some(tracking.as_str())
    );
    // No Restricted Data Token: the buyer's name and street are not shown.
    assert_eq!(shipment["ShipToAddress"]["Name"], "");
    assert_ne!(shipment["ShipToAddress"]["PostalCode"], "");
    let id = shipment["ShipmentId"].as_str().unwrap().to_string();

    // The order shipped, once.
    let o = api.order(&order).await;
    assert_eq!(o["OrderStatus"], "Shipped", "{o}");
    assert_eq!(o["NumberOfItemsShipped"], 2);
    assert_eq!(
        order_changes(&w, &order).await,
        ["NewOrder", "PaymentAuthorized", "ShipmentConfirmed"]
    );

    // The same units cannot have a second label while the first is live.
    let again = services(&api, &order, &item, 2).await;
    let (s, b) = api
        .mfn(
            "createShipment",
            Method::POST,
            "/mfn/v0/shipments",
            Some(create_body(
                &order,
                &item,
                2,
                &again["ShippingServiceList"][0],
            )),
        )
        .await;
    assert_eq!(s, 400, "{b}");

    // Read back; with an RDT the address is there.
    let (s, got) = api
        .mfn(
            "getShipment",
            Method::GET,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["payload"]["TrackingId"], tracking.as_str());
    let (s, rdt) = w
        .call(
            "models/tokens-api-model/tokens_2021-03-01.json",
            "createRestrictedDataToken",
            &api.token,
            Method::POST,
            "/tokens/2021-03-01/restrictedDataToken",
            Some(json!({"restrictedResources": [{"method": "GET", "path": format!("/mfn/v0/shipments/{id}")}]})),
        )
        .await;
    assert_eq!(s, 200, "{rdt}");
    let (s, full) = w
        .call(
            MFN,
            "getShipment",
            rdt["restrictedDataToken"].as_str().unwrap(),
            Method::GET,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{full}");
    assert_ne!(full["payload"]["ShipToAddress"]["Name"], "", "{full}");

    // Cancel before pickup: RefundPending, then RefundApplied on the clock; the order stays
    // Shipped (Amazon's model says so).
    let (s, c) = api
        .mfn(
            "cancelShipment",
            Method::DELETE,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["payload"]["Status"], "RefundPending");
    assert_eq!(
        c["payload"]["Label"]["FileContents"]["Contents"]
            .as_str()
            .map(|s| s.is_empty()),
        Some(false)
    );
    let (s, b) = api
        .mfn(
            "cancelShipment",
            Method::DELETE,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 400, "cancelled twice: {b}");
    w.advance(3600.0).await;
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let (_, got) = api
        .mfn(
            "getShipment",
            Method::GET,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(got["payload"]["Status"], "RefundApplied", "{got}");
    assert_eq!(api.order(&order).await["OrderStatus"], "Shipped");

    // A replacement label for the same units: allowed, and nothing ships twice.
    let fresh = services(&api, &order, &item, 2).await;
    let usps = fresh["ShippingServiceList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["CarrierName"] == "USPS")
        .unwrap()
        .clone();
    let mut body = create_body(&order, &item, 2, &usps);
    body["ShipmentRequestDetails"]["ShippingServiceOptions"]["LabelFormat"] = json!("ZPL203");
    let (s, second) = api
        .mfn(
            "createShipment",
            Method::POST,
            "/mfn/v0/shipments",
            Some(body),
        )
        .await;
    assert_eq!(s, 200, "{second}");
    let zpl = String::from_utf8(label_file(&second["payload"])).unwrap();
    assert!(zpl.starts_with("^XA") && zpl.contains("^BCN"), "{zpl}");
    assert_eq!(second["payload"]["Label"]["LabelFormat"], "ZPL203");
    assert_eq!(
        order_changes(&w, &order).await.len(),
        3,
        "no second shipment"
    );
    let o = api.order(&order).await;
    assert_eq!(o["NumberOfItemsShipped"], 2);
}

#[tokio::test]
async fn mfn_scenario_on_sqlite() {
    mfn_scenario(frozen(StoreConfig::SqliteMemory)).await;
}

#[tokio::test]
async fn mfn_scenario_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        mfn_scenario(frozen(StoreConfig::Postgres(url))).await;
    }
}

#[tokio::test]
async fn mfn_refuses_what_amazon_refuses() {
    let (w, token) = world(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let sku = listing(&w, "MFN", 3).await;
    let (order, item) = place(&w, &sku, 1).await;
    let (afn_order, afn_item) = place(&w, &listing(&w, "AFN", 1).await, 1).await;
    let (cancelled, cancelled_item) = place(&w, &sku, 1).await;
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/orders/{cancelled}/cancel", w.seller_id),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    w.advance(600.0).await;
    let eligible = |body: Value| {
        let api = &api;
        async move {
            api.mfn(
                "getEligibleShipmentServices",
                Method::POST,
                "/mfn/v0/eligibleShippingServices",
                Some(json!({"ShipmentRequestDetails": body})),
            )
            .await
        }
    };

    // FBA and cancelled orders get no labels.
    for (o, i, word) in [
        (&afn_order, &afn_item, "fulfilled by Amazon"),
        (&cancelled, &cancelled_item, "canceled"),
    ] {
        let (s, b) = eligible(details(o, i, 1)).await;
        assert_eq!(s, 400, "{b}");
        assert_eq!(b["errors"][0]["code"], "InvalidInput");
        assert!(
            b["errors"][0]["details"].as_str().unwrap().contains(word),
            "{b}"
        );
    }
    // An unknown order, another seller's order: not found.
    let (s, b) = eligible(details("111-0000000-0000000", &item, 1)).await;
    assert_eq!(s, 404, "{b}");
    let (_, other_token) = w.other_seller("NA", &[US]).await;
    let (s, b) = w
        .call(
            MFN,
            "getEligibleShipmentServices",
            &other_token,
            Method::POST,
            "/mfn/v0/eligibleShippingServices",
            Some(json!({"ShipmentRequestDetails": details(&order, &item, 1)})),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    // Bad fields are named.
    let mut d = details(&order, &item, 1);
    d["ShipFromAddress"]["CountryCode"] = json!("USA");
    let (s, b) = eligible(d).await;
    assert_eq!(s, 400);
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("shipmentRequestDetails.shipFromAddress.countryCode"),
        "{b}"
    );
    let mut d = details(&order, &item, 1);
    d["Weight"]["Value"] = json!(-3);
    let (s, b) = eligible(d).await;
    assert_eq!(s, 400);
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ShipmentRequestDetails.Weight"),
        "{b}"
    );
    let (s, b) = eligible(details(&order, "99999999999999", 1)).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = eligible(details(&order, &item, 5)).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .mfn(
            "getEligibleShipmentServices",
            Method::POST,
            "/mfn/v0/eligibleShippingServices",
            Some(json!({"ShipmentRequestDetails": {"AmazonOrderId": order}})),
        )
        .await;
    assert_eq!(s, 400, "{b}");

    // A PO box leaves out the carriers that do not go there; a heavy parcel the light services.
    let mut d = details(&order, &item, 1);
    d["Weight"] = json!({"Value": 40000, "Unit": "g"});
    let (s, b) = eligible(d).await;
    assert_eq!(s, 200, "{b}");
    let rejected = b["payload"]["RejectedShippingServiceList"]
        .as_array()
        .unwrap();
    assert!(
        rejected
            .iter()
            .any(|r| r["RejectionReasonCode"] == "CARRIER_CANNOT_SHIP_OVERWEIGHT_PACKAGE"),
        "{b}"
    );
    assert!(
        b["payload"]["ShippingServiceList"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["CarrierName"] != "USPS")
    );

    // An offer expires after 10 minutes of the clock.
    let offers = services(&api, &order, &item, 1).await;
    let first = offers["ShippingServiceList"][0].clone();
    w.advance(601.0).await;
    let (s, b) = api
        .mfn(
            "createShipment",
            Method::POST,
            "/mfn/v0/shipments",
            Some(create_body(&order, &item, 1, &first)),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("has expired"),
        "{b}"
    );
    // An unknown offer id, an unknown service.
    let mut body = create_body(&order, &item, 1, &first);
    body["ShippingServiceOfferId"] = json!("bm90IGFuIG9mZmVy");
    let (s, b) = api
        .mfn(
            "createShipment",
            Method::POST,
            "/mfn/v0/shipments",
            Some(body),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let mut body = create_body(&order, &item, 1, &first);
    body["ShippingServiceId"] = json!("NO_SUCH_SERVICE");
    body.as_object_mut()
        .unwrap()
        .remove("ShippingServiceOfferId");
    let (s, b) = api
        .mfn(
            "createShipment",
            Method::POST,
            "/mfn/v0/shipments",
            Some(body),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ShippingServiceId"),
        "{b}"
    );
    // Without an offer id the service is quoted again and bought; the order ships.
    let mut body = create_body(&order, &item, 1, &first);
    body.as_object_mut()
        .unwrap()
        .remove("ShippingServiceOfferId");
    let (s, b) = api
        .mfn(
            "createShipment",
            Method::POST,
            "/mfn/v0/shipments",
            Some(body),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(api.order(&order).await["OrderStatus"], "Shipped");
    let id = b["payload"]["ShipmentId"].as_str().unwrap().to_string();

    // Shipment ids: malformed is Amazon's validation message, unknown and another seller's 404.
    let (s, b) = api
        .mfn(
            "getShipment",
            Method::GET,
            "/mfn/v0/shipments/not-a-uuid",
            None,
        )
        .await;
    assert_eq!(s, 400);
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("shipmentId"),
        "{b}"
    );
    let (s, _) = api
        .mfn(
            "getShipment",
            Method::GET,
            "/mfn/v0/shipments/3b3c8d4e-0000-4000-8000-000000000000",
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = w
        .call(
            MFN,
            "getShipment",
            &other_token,
            Method::GET,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = w
        .call(
            MFN,
            "cancelShipment",
            &other_token,
            Method::DELETE,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 404);

    // After the carrier's first scan the refund is rejected.
    w.advance(2.0 * 86400.0).await;
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let (s, c) = api
        .mfn(
            "cancelShipment",
            Method::DELETE,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["payload"]["Status"], "RefundPending");
    w.advance(3600.0).await;
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    let (_, got) = api
        .mfn(
            "getShipment",
            Method::GET,
            &format!("/mfn/v0/shipments/{id}"),
            None,
        )
        .await;
    assert_eq!(got["payload"]["Status"], "RefundRejected", "{got}");
}

#[tokio::test]
async fn additional_seller_inputs_for_domestic_and_international_shipments() {
    let (w, token) = world(frozen(StoreConfig::SqliteMemory)).await;
    let api = Api { w: &w, token };
    let (order, _) = place(&w, &listing(&w, "MFN", 1).await, 1).await;
    w.advance(600.0).await;
    let ask = |from: Value, service: &str| json!({"ShippingServiceId": service, "ShipFromAddress": from, "OrderId": order});
    let (s, b) = api
        .mfn(
            "getAdditionalSellerInputs",
            Method::POST,
            "/mfn/v0/additionalSellerInputs",
            Some(ask(ship_from(), "UPS_PTP_GND")),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["ShipmentLevelFields"], json!([]));
    let mut abroad = ship_from();
    abroad["CountryCode"] = json!("CA");
    abroad["PostalCode"] = json!("M5V 2T6");
    let (s, b) = api
        .mfn(
            "getAdditionalSellerInputs",
            Method::POST,
            "/mfn/v0/additionalSellerInputs",
            Some(ask(abroad, "UPS_PTP_GND")),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["payload"]["ShipmentLevelFields"][0]["AdditionalInputFieldName"],
        "CUSTOMS_DESCRIPTION"
    );
    assert!(
        !b["payload"]["ItemLevelFieldsList"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (s, b) = api
        .mfn(
            "getAdditionalSellerInputs",
            Method::POST,
            "/mfn/v0/additionalSellerInputs",
            Some(ask(ship_from(), "NOPE")),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, _) = api
        .mfn("getAdditionalSellerInputs", Method::POST, "/mfn/v0/additionalSellerInputs", Some(json!({"ShippingServiceId": "UPS_PTP_GND", "ShipFromAddress": ship_from(), "OrderId": "111-0000000-0000000"})))
        .await;
    assert_eq!(s, 404);
}
