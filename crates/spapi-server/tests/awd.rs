//! Amazon Warehousing and Distribution 2024-05-09 over real HTTP, on SQLite and PostgreSQL:
//! an inbound order (eligibility, DRAFT, update, confirm, the 409s of the wrong states), its
//! shipment on the clock into AWD inventory, labels as a PDF document, a replenishment order
//! into the seller's FBA stock (inbound stages, ledger receipt) from which a buyer order
//! ships, outbound orders, lists with paging, auto-replenishment through the control plane,
//! and seller isolation; every answer conforms to the model.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;

const MODEL: &str = "models/amazon-warehousing-and-distribution-model/awd_2024-05-09.json";
const ORDERS_MODEL: &str = "models/orders-api-model/ordersV0.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const BASE: &str = "/awd/2024-05-09";
const HOUR: f64 = 3600.0;
const DAY: f64 = 86400.0;

struct Api<'a> {
    w: &'a World,
    token: std::sync::Mutex<String>,
    /// Another seller's refresh token: that seller takes a fresh access token for each call
    /// (the clock moves on under it).
    refresh: Option<String>,
}

impl Api<'_> {
    /// Advances the clock (running the due jobs) and takes a fresh token.
    async fn advance(&self, seconds: f64) {
        self.w.advance(seconds).await;
        *self.token.lock().unwrap() = self.w.access_token().await;
    }

    async fn call(
        &self,
        op: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        if let Some(refresh) = &self.refresh {
            let (s, b) = self
                .w
                .token_request(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh),
                    ("client_id", &self.w.client_id),
                    ("client_secret", &self.w.client_secret),
                ])
                .await;
            assert_eq!(s, 200, "{b}");
            *self.token.lock().unwrap() = b["access_token"].as_str().unwrap().to_string();
        }
        let token = self.token.lock().unwrap().clone();
        self.w
            .call(MODEL, op, &token, method, &format!("{BASE}{path}"), body)
            .await
    }

    async fn ok(&self, op: &str, method: Method, path: &str, body: Option<Value>) -> Value {
        let (s, b) = self.call(op, method, path, body).await;
        assert!(s == 200 || s == 201 || s == 204, "{op} {path}: {s} {b}");
        b
    }

    async fn inbound(&self, id: &str) -> Value {
        self.ok(
            "getInbound",
            Method::GET,
            &format!("/inboundOrders/{id}"),
            None,
        )
        .await
    }

    async fn shipment(&self, id: &str) -> Value {
        self.ok(
            "getInboundShipment",
            Method::GET,
            &format!("/inboundShipments/{id}?skuQuantities=SHOW"),
            None,
        )
        .await
    }

    async fn replenishment(&self, id: &str) -> Value {
        self.ok(
            "getReplenishmentOrder",
            Method::GET,
            &format!("/replenishmentOrders/{id}"),
            None,
        )
        .await
    }

    async fn outbound(&self, id: &str) -> Value {
        self.ok(
            "getOutbound",
            Method::GET,
            &format!("/outboundOrders/{id}"),
            None,
        )
        .await
    }

    /// The listInventory entry of a SKU (details shown).
    async fn inventory(&self, sku: &str) -> Value {
        let b = self
            .ok(
                "listInventory",
                Method::GET,
                &format!("/inventory?details=SHOW&sku={}", enc(sku)),
                None,
            )
            .await;
        let list = b["inventory"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{b}");
        list[0].clone()
    }
}

/// A second seller in the US, authorized for the app: its refresh token.
async fn other_seller(w: &World) -> String {
    let (s, created) = w
        .control(
            Method::POST,
            "/sellers",
            Some(
                json!({"name": "Other Shop", "email": "other-awd@example.com",
                "password": "a good password", "region": "NA", "marketplace_ids": [US]}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let id = created["selling_partner_id"].as_str().unwrap();
    let (s, auth) = w
        .control(
            Method::POST,
            &format!("/sellers/{id}/authorizations"),
            Some(json!({"application_id": w.application_id})),
        )
        .await;
    assert_eq!(s, 201, "{auth}");
    auth["refresh_token"].as_str().unwrap().to_string()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn address() -> Value {
    json!({"name": "Acme Goods", "addressLine1": "10 Factory Rd", "city": "Reno",
        "stateOrRegion": "NV", "postalCode": "89502", "countryCode": "US"})
}

fn package(count: i64, lines: &[(&str, i64)], expiration: Option<&str>) -> Value {
    let products: Vec<Value> = lines
        .iter()
        .map(|(sku, q)| {
            let mut p = json!({"sku": sku, "quantity": q,
                "prepDetails": {"prepCategory": "NO_PREP", "prepOwner": "SELF", "labelOwner": "SELF"}});
            if let Some(e) = expiration {
                p["expiration"] = json!(e);
            }
            p
        })
        .collect();
    json!({"count": count, "distributionPackage": {
        "type": "CASE",
        "contents": {"products": products},
        "measurements": {
            "dimensions": {"height": 12, "length": 18, "width": 12, "unitOfMeasurement": "INCHES"},
            "weight": {"weight": 20, "unitOfMeasurement": "POUNDS"}
        }
    }})
}

/// (fulfillable, pending customer order, inbound working, shipped, receiving) of an FBA SKU.
async fn fba(w: &World, sku: &str) -> (i64, i64, i64, i64, i64) {
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
    let n = |k: &str| b[k].as_i64().unwrap();
    (
        n("fulfillable"),
        n("pending_customer_order"),
        n("inbound_working"),
        n("inbound_shipped"),
        n("inbound_receiving"),
    )
}

fn assert_bad_request(s: u16, b: &Value, contains: &str) {
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "BAD_REQUEST", "{b}");
    assert!(
        b["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(contains),
        "{contains}: {b}"
    );
}

fn assert_conflict(s: u16, b: &Value) {
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["errors"][0]["code"], "ConflictException", "{b}");
}

fn assert_not_found(s: u16, b: &Value) {
    assert_eq!(s, 404, "{b}");
    assert_eq!(b["errors"][0]["code"], "NOT_FOUND", "{b}");
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
        refresh: None,
    };
    let other = Api {
        w: &w,
        token: std::sync::Mutex::new(String::new()),
        refresh: Some(other_seller(&w).await),
    };

    // A world with FBA listings and no buyer simulator; listing A starts with no FBA units.
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 7, "products": 24, "days": 1, "orders_per_day": 1})),
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
    let find = |channel: &str| {
        listings["listings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| {
                l["fulfillment_channel"] == channel
                    && l["marketplace_id"] == US
                    && l["status"] == "BUYABLE"
                    && l["reserved"] == 0
            })
            .unwrap_or_else(|| panic!("a buyable {channel} listing"))["sku"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let a = find("AFN");
    let mfn = find("MFN");
    let a = a.as_str();
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/fba-inventory", w.seller_id),
            Some(json!({"sku": a, "marketplace_id": US, "fulfillable": 0})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(fba(&w, a).await, (0, 0, 0, 0, 0));

    // --- Eligibility: listed SKUs are eligible, unknown ones are not.
    let b = api
        .ok(
            "checkInboundEligibility",
            Method::POST,
            "/inboundEligibility",
            Some(json!({"packagesToInbound": [package(2, &[(a, 12)], None), package(1, &[("NO-SUCH-SKU", 5)], None)]})),
        )
        .await;
    assert_eq!(b["status"], "INELIGIBLE", "{b}");
    assert_eq!(b["packagesToInbound"][0]["status"], "ELIGIBLE");
    assert_eq!(b["packagesToInbound"][1]["status"], "INELIGIBLE");
    assert_eq!(
        b["packagesToInbound"][1]["ineligibilityReasons"][0]["code"],
        "INVALID_MSKU"
    );
    assert_eq!(b["previewedAt"], "2025-06-01T12:00:00.000Z");

    // --- Inbound order: DRAFT, update, refusals.
    let create = |pkgs: Value| {
        json!({"originAddress": address(), "packagesToInbound": pkgs,
        "externalReferenceId": "PO-1001", "preferences": {"destinationRegion": "us-west"}})
    };
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(create(json!([package(
                2,
                &[(a, 12)],
                Some("2026-12-31T00:00:00Z")
            )]))),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let order = b["orderId"].as_str().unwrap().to_string();
    let o = api.inbound(&order).await;
    assert_eq!(o["orderStatus"], "DRAFT");
    assert_eq!(o["externalReferenceId"], "PO-1001");
    assert_eq!(o["packagesToInbound"][0]["count"], 2);
    assert!(o.get("destinationDetails").is_none(), "{o}");

    let mut pallet = package(1, &[(a, 1)], None);
    pallet["distributionPackage"]["type"] = json!("PALLET");
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(create(json!([pallet]))),
        )
        .await;
    assert_bad_request(s, &b, "PALLET");
    let mut odd = package(1, &[(a, 1)], None);
    odd["distributionPackage"]["type"] = json!("TEST");
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(create(json!([odd]))),
        )
        .await;
    assert_bad_request(
        s,
        &b,
        "Invalid value (`TEST`) passed for `DistributionPackageType`",
    );
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(create(json!([]))),
        )
        .await;
    assert_bad_request(s, &b, "packagesToInbound");
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(create(json!([package(1, &[(a, 0)], None)]))),
        )
        .await;
    assert_bad_request(s, &b, "quantity");
    let mut bad_region = create(json!([package(1, &[(a, 1)], None)]));
    bad_region["preferences"]["destinationRegion"] = json!("us-north");
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(bad_region),
        )
        .await;
    assert_bad_request(s, &b, "us-north");
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(json!({"packagesToInbound": []})),
        )
        .await;
    assert_eq!(s, 400, "a body without originAddress: {b}");
    let (s, b) = api
        .call(
            "getInbound",
            Method::GET,
            "/inboundOrders/AWDINNOSUCH",
            None,
        )
        .await;
    assert_not_found(s, &b);
    let (s, b) = other
        .call(
            "getInbound",
            Method::GET,
            &format!("/inboundOrders/{order}"),
            None,
        )
        .await;
    assert_not_found(s, &b);

    // Update: three cases instead of two; the body's orderId must be the path's.
    let mut updated = o.clone();
    updated["packagesToInbound"] = json!([package(3, &[(a, 12)], Some("2026-12-31T00:00:00Z"))]);
    let (s, b) = api
        .call(
            "updateInbound",
            Method::PUT,
            &format!("/inboundOrders/{order}"),
            Some(updated.clone()),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(
        api.inbound(&order).await["packagesToInbound"][0]["count"],
        3
    );
    let mut wrong = updated.clone();
    wrong["orderId"] = json!("AWDINOTHER");
    let (s, b) = api
        .call(
            "updateInbound",
            Method::PUT,
            &format!("/inboundOrders/{order}"),
            Some(wrong),
        )
        .await;
    assert_bad_request(s, &b, "orderId");
    let (s, b) = other
        .call(
            "updateInbound",
            Method::PUT,
            &format!("/inboundOrders/{order}"),
            Some(updated.clone()),
        )
        .await;
    assert_not_found(s, &b);

    // A draft naming an unlisted SKU cannot be confirmed; cancelled, it refuses everything.
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(create(json!([package(1, &[("NO-SUCH-SKU", 5)], None)]))),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let doomed = b["orderId"].as_str().unwrap().to_string();
    let (s, b) = api
        .call(
            "confirmInbound",
            Method::POST,
            &format!("/inboundOrders/{doomed}/confirmation"),
            None,
        )
        .await;
    assert_bad_request(s, &b, "NO-SUCH-SKU");
    assert_eq!(api.inbound(&doomed).await["orderStatus"], "DRAFT");
    let (s, b) = other
        .call(
            "cancelInbound",
            Method::POST,
            &format!("/inboundOrders/{doomed}/cancellation"),
            None,
        )
        .await;
    assert_not_found(s, &b);
    let (s, b) = api
        .call(
            "cancelInbound",
            Method::POST,
            &format!("/inboundOrders/{doomed}/cancellation"),
            None,
        )
        .await;
    assert_eq!(s, 204, "{b}");
    assert_eq!(api.inbound(&doomed).await["orderStatus"], "CANCELLED");
    let (s, b) = api
        .call(
            "cancelInbound",
            Method::POST,
            &format!("/inboundOrders/{doomed}/cancellation"),
            None,
        )
        .await;
    assert_conflict(s, &b);
    let (s, b) = api
        .call(
            "confirmInbound",
            Method::POST,
            &format!("/inboundOrders/{doomed}/confirmation"),
            None,
        )
        .await;
    assert_conflict(s, &b);
    let mut doomed_doc = api.inbound(&doomed).await;
    doomed_doc["externalReferenceId"] = json!("PO-2");
    let (s, b) = api
        .call(
            "updateInbound",
            Method::PUT,
            &format!("/inboundOrders/{doomed}"),
            Some(doomed_doc),
        )
        .await;
    assert_conflict(s, &b);

    // Confirm: CONFIRMED with a shipment to the preferred region; the units are inbound.
    let (s, b) = api
        .call(
            "confirmInbound",
            Method::POST,
            &format!("/inboundOrders/{order}/confirmation"),
            None,
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let o = api.inbound(&order).await;
    assert_eq!(o["orderStatus"], "CONFIRMED");
    assert_eq!(o["destinationDetails"]["destinationRegion"], "us-west");
    let shipment = o["destinationDetails"]["shipmentId"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, b) = api
        .call(
            "confirmInbound",
            Method::POST,
            &format!("/inboundOrders/{order}/confirmation"),
            None,
        )
        .await;
    assert_conflict(s, &b);
    let (s, b) = api
        .call(
            "updateInbound",
            Method::PUT,
            &format!("/inboundOrders/{order}"),
            Some(updated),
        )
        .await;
    assert_conflict(s, &b);
    let inv = api.inventory(a).await;
    assert_eq!(inv["totalInboundQuantity"], 36, "{inv}");
    assert_eq!(inv["totalOnhandQuantity"], 0, "{inv}");

    let sh = api.shipment(&shipment).await;
    assert_eq!(sh["shipmentStatus"], "CREATED");
    assert_eq!(sh["orderId"], order.as_str());
    assert_eq!(sh["shipmentSkuQuantities"][0]["sku"], a);
    assert_eq!(
        sh["shipmentSkuQuantities"][0]["expectedQuantity"]["quantity"],
        36.0
    );
    let plain = api
        .ok(
            "getInboundShipment",
            Method::GET,
            &format!("/inboundShipments/{shipment}"),
            None,
        )
        .await;
    assert!(plain.get("shipmentSkuQuantities").is_none(), "{plain}");
    let (s, b) = other
        .call(
            "getInboundShipment",
            Method::GET,
            &format!("/inboundShipments/{shipment}"),
            None,
        )
        .await;
    assert_not_found(s, &b);

    // Labels: GENERATING, then GENERATED with a PDF behind a signed URL.
    let b = api
        .ok(
            "getLabelPageTypes",
            Method::GET,
            &format!("/inboundShipments/{shipment}/labelPageTypes"),
            None,
        )
        .await;
    assert_eq!(b["labelStatus"], "NOT_READY");
    assert!(
        b["pageTypes"]
            .as_array()
            .unwrap()
            .contains(&json!("PLAIN_PAPER"))
    );
    let labels_path =
        format!("/inboundShipments/{shipment}/labels?pageType=PLAIN_PAPER&formatType=PDF");
    let b = api
        .ok("getInboundShipmentLabels", Method::GET, &labels_path, None)
        .await;
    assert_eq!(b["labelStatus"], "GENERATING", "{b}");
    assert!(b.get("labelDownloadURL").is_none());
    let (s, b) = api
        .call(
            "getInboundShipmentLabels",
            Method::GET,
            &format!("/inboundShipments/{shipment}/labels?pageType=THERMAL"),
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    api.advance(30.0).await;
    let b = api
        .ok("getInboundShipmentLabels", Method::GET, &labels_path, None)
        .await;
    assert_eq!(b["labelStatus"], "GENERATED", "{b}");
    let url = b["labelDownloadURL"].as_str().unwrap().to_string();
    let resp = w.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    let pdf = resp.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-1.4"));
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/Count 3"), "one page per case");
    assert!(text.contains(&format!("Shipment {shipment}")));
    let b = api
        .ok(
            "getLabelPageTypes",
            Method::GET,
            &format!("/inboundShipments/{shipment}/labelPageTypes"),
            None,
        )
        .await;
    assert_eq!(b["labelStatus"], "GENERATED");

    // Transport details ship it; then it cannot be cancelled.
    let (s, b) = api
        .call(
            "updateInboundShipmentTransportDetails",
            Method::PUT,
            &format!("/inboundShipments/{shipment}/transport"),
            Some(json!({"trackingDetails": []})),
        )
        .await;
    assert_bad_request(s, &b, "trackingDetails");
    let (s, b) = api
        .call(
            "updateInboundShipmentTransportDetails",
            Method::PUT,
            &format!("/inboundShipments/{shipment}/transport"),
            Some(json!({"trackingDetails": [{"bookingId": "BOOK-77", "carrierCode": {"carrierCodeType": "SCAC", "carrierCodeValue": "ABFS"}}]})),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let sh = api.shipment(&shipment).await;
    assert_eq!(sh["shipmentStatus"], "SHIPPED");
    assert_eq!(sh["trackingId"], "BOOK-77");
    assert_eq!(sh["carrierCode"]["carrierCodeValue"], "ABFS");
    let (s, b) = api
        .call(
            "cancelInbound",
            Method::POST,
            &format!("/inboundOrders/{order}/cancellation"),
            None,
        )
        .await;
    assert_conflict(s, &b);

    // listInboundShipments: filters, sort, bad parameters.
    let b = api
        .ok(
            "listInboundShipments",
            Method::GET,
            "/inboundShipments?shipmentStatus=SHIPPED",
            None,
        )
        .await;
    assert_eq!(b["shipments"][0]["shipmentId"], shipment.as_str());
    assert_eq!(b["shipments"][0]["externalReferenceId"], "PO-1001");
    let b = api
        .ok(
            "listInboundShipments",
            Method::GET,
            "/inboundShipments?shipmentStatus=CLOSED",
            None,
        )
        .await;
    assert_eq!(b["shipments"], json!([]));
    let b = api
        .ok(
            "listInboundShipments",
            Method::GET,
            &format!(
                "/inboundShipments?updatedAfter={}",
                enc("2025-06-02T00:00:00Z")
            ),
            None,
        )
        .await;
    assert_eq!(b["shipments"], json!([]));
    let (s, b) = api
        .call(
            "listInboundShipments",
            Method::GET,
            "/inboundShipments?sortBy=TEST",
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .call(
            "listInboundShipments",
            Method::GET,
            "/inboundShipments?nextToken=garbage",
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let b = other
        .ok(
            "listInboundShipments",
            Method::GET,
            "/inboundShipments",
            None,
        )
        .await;
    assert_eq!(b["shipments"], json!([]), "another seller sees nothing");

    // On the clock: in transit, delivered, receiving, closed; the units are on hand.
    api.advance(HOUR).await;
    assert_eq!(
        api.shipment(&shipment).await["shipmentStatus"],
        "IN_TRANSIT"
    );
    api.advance(2.0 * DAY).await;
    assert_eq!(api.shipment(&shipment).await["shipmentStatus"], "DELIVERED");
    api.advance(2.0 * HOUR).await;
    assert_eq!(api.shipment(&shipment).await["shipmentStatus"], "RECEIVING");
    assert_eq!(api.inventory(a).await["totalOnhandQuantity"], 0);
    api.advance(DAY).await;
    let sh = api.shipment(&shipment).await;
    assert_eq!(sh["shipmentStatus"], "CLOSED");
    assert_eq!(sh["receivedQuantity"][0]["quantity"], 36.0);
    assert_eq!(
        sh["shipmentSkuQuantities"][0]["receivedQuantity"]["quantity"],
        36.0
    );
    assert_eq!(api.inbound(&order).await["orderStatus"], "CLOSED");
    let inv = api.inventory(a).await;
    assert_eq!(inv["totalOnhandQuantity"], 36, "{inv}");
    assert_eq!(inv["totalInboundQuantity"], 0);
    assert_eq!(
        inv["inventoryDetails"]["availableDistributableQuantity"],
        36
    );
    assert_eq!(inv["inventoryDetails"]["reservedDistributableQuantity"], 0);
    assert_eq!(
        inv["expirationDetails"][0]["expiration"],
        "2026-12-31T00:00:00.000Z"
    );
    assert_eq!(inv["expirationDetails"][0]["onhandQuantity"], 36);
    let b = api
        .ok("listInventory", Method::GET, "/inventory", None)
        .await;
    assert!(
        b["inventory"][0].get("inventoryDetails").is_none(),
        "details hidden by default: {b}"
    );
    let b = other
        .ok("listInventory", Method::GET, "/inventory", None)
        .await;
    assert_eq!(b["inventory"], json!([]));
    assert_eq!(
        fba(&w, a).await,
        (0, 0, 0, 0, 0),
        "AWD units are not FBA units"
    );

    // --- Replenishment to FBA.
    let replenish = |lines: &[(&str, i64)]| {
        let products: Vec<Value> = lines
            .iter()
            .map(|(s, q)| json!({"sku": s, "quantity": q}))
            .collect();
        json!({"products": products})
    };
    let (s, b) = api
        .call(
            "createReplenishmentOrder",
            Method::POST,
            "/replenishmentOrders",
            Some(replenish(&[])),
        )
        .await;
    assert_bad_request(s, &b, "products");
    let (s, b) = api
        .call(
            "createReplenishmentOrder",
            Method::POST,
            "/replenishmentOrders",
            Some(replenish(&[(a, 50)])),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let too_many = b["orderId"].as_str().unwrap().to_string();
    let (s, b) = api
        .call(
            "createReplenishmentOrder",
            Method::POST,
            "/replenishmentOrders",
            Some(replenish(&[(&mfn, 1)])),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let not_fba = b["orderId"].as_str().unwrap().to_string();
    let (s, b) = api
        .call(
            "createReplenishmentOrder",
            Method::POST,
            "/replenishmentOrders",
            Some(replenish(&[(a, 20)])),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let ro = b["orderId"].as_str().unwrap().to_string();
    assert_eq!(api.replenishment(&ro).await["status"], "CREATED");
    let confirm_ro = |id: &str| format!("/replenishmentOrders/{id}/confirmation");
    let (s, b) = api
        .call(
            "confirmReplenishmentOrder",
            Method::POST,
            &confirm_ro(&ro),
            None,
        )
        .await;
    assert_bad_request(s, &b, "ELIGIBLE");
    api.advance(60.0).await;
    let r = api.replenishment(&too_many).await;
    assert_eq!(r["status"], "INELIGIBLE", "{r}");
    assert_eq!(
        r["distributionIneligibleReasons"][0]["failureCode"],
        "INSUFFICIENT_INVENTORY"
    );
    let r = api.replenishment(&not_fba).await;
    assert_eq!(r["status"], "INELIGIBLE", "{r}");
    assert_eq!(
        r["distributionIneligibleReasons"][0]["failureCode"],
        "INVALID_MSKU"
    );
    let (s, b) = api
        .call(
            "confirmReplenishmentOrder",
            Method::POST,
            &confirm_ro(&too_many),
            None,
        )
        .await;
    assert_bad_request(s, &b, "INELIGIBLE");
    let r = api.replenishment(&ro).await;
    assert_eq!(r["status"], "ELIGIBLE", "{r}");
    assert_eq!(r["eligibleProducts"][0]["quantity"], 20);
    let (s, b) = other
        .call(
            "confirmReplenishmentOrder",
            Method::POST,
            &confirm_ro(&ro),
            None,
        )
        .await;
    assert_not_found(s, &b);
    let (s, b) = api
        .call(
            "confirmReplenishmentOrder",
            Method::POST,
            &confirm_ro(&ro),
            None,
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = api
        .call(
            "confirmReplenishmentOrder",
            Method::POST,
            &confirm_ro(&ro),
            None,
        )
        .await;
    assert_bad_request(s, &b, "CONFIRMED");
    let r = api.replenishment(&ro).await;
    assert_eq!(r["status"], "CONFIRMED");
    assert_eq!(r["confirmedOn"], api.replenishment(&ro).await["updatedAt"]);
    let inv = api.inventory(a).await;
    assert_eq!(inv["inventoryDetails"]["reservedDistributableQuantity"], 20);
    assert_eq!(
        inv["inventoryDetails"]["availableDistributableQuantity"],
        16
    );
    assert_eq!(
        fba(&w, a).await,
        (0, 0, 20, 0, 0),
        "confirmed: working inbound units"
    );

    api.advance(30.0 * 60.0).await;
    assert_eq!(api.replenishment(&ro).await["status"], "EXECUTING");
    api.advance(2.0 * HOUR).await;
    let r = api.replenishment(&ro).await;
    assert_eq!(r["status"], "INVENTORY_OUTBOUND", "{r}");
    assert_eq!(r["outboundShipments"][0]["shipmentStatus"], "IN_TRANSIT");
    let out_shipment = r["outboundShipments"][0]["shipmentId"]
        .as_str()
        .unwrap()
        .to_string();
    let inv = api.inventory(a).await;
    assert_eq!(inv["totalOnhandQuantity"], 16, "{inv}");
    assert_eq!(inv["inventoryDetails"]["reservedDistributableQuantity"], 0);
    assert_eq!(inv["inventoryDetails"]["replenishmentQuantity"], 20);
    assert_eq!(fba(&w, a).await, (0, 0, 0, 20, 0), "shipped to FBA");
    api.advance(2.0 * DAY).await;
    let r = api.replenishment(&ro).await;
    assert_eq!(
        r["outboundShipments"][0]["shipmentStatus"], "RECEIVING",
        "{r}"
    );
    assert_eq!(fba(&w, a).await, (0, 0, 0, 0, 20), "being received at FBA");
    api.advance(DAY).await;
    let r = api.replenishment(&ro).await;
    assert_eq!(r["status"], "SUCCESS", "{r}");
    assert_eq!(r["outboundShipments"][0]["shipmentStatus"], "CLOSED");
    assert_eq!(r["shippedProducts"][0]["quantity"], 20);
    assert_eq!(fba(&w, a).await, (20, 0, 0, 0, 0), "fulfillable at FBA");
    assert_eq!(
        api.inventory(a).await["inventoryDetails"]["replenishmentQuantity"],
        0
    );
    let (s, ledger) = w
        .control(
            Method::GET,
            &format!(
                "/sellers/{}/fba-ledger?marketplace_id={US}&sku={}",
                w.seller_id,
                enc(a)
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{ledger}");
    assert!(
        ledger["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == "Receipts"
                && e["quantity"] == 20
                && e["reference_id"] == out_shipment.as_str()),
        "{ledger}"
    );

    // A buyer order ships from the replenished units.
    let (s, placed) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/orders", w.seller_id),
            Some(json!({"marketplace_id": US, "items": [{"sku": a, "quantity": 2}]})),
        )
        .await;
    assert_eq!(s, 201, "{placed}");
    let buyer_order = placed["order"]["AmazonOrderId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(fba(&w, a).await, (18, 2, 0, 0, 0));
    api.advance(13.0 * HOUR).await;
    let token = api.token.lock().unwrap().clone();
    let (s, b) = w
        .call(
            ORDERS_MODEL,
            "getOrder",
            &token,
            Method::GET,
            &format!("/orders/v0/orders/{buyer_order}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["OrderStatus"], "Shipped", "{b}");
    assert_eq!(fba(&w, a).await, (18, 0, 0, 0, 0));

    // --- Outbound orders: partial preference, update, confirm.
    let (s, b) = api
        .call(
            "createOutbound",
            Method::POST,
            "/outboundOrders",
            Some(json!({})),
        )
        .await;
    assert_bad_request(s, &b, "productsToOutbound");
    let (s, b) = api
        .call(
            "createOutbound",
            Method::POST,
            "/outboundOrders",
            Some(json!({"productsToOutbound": [{"sku": a, "quantity": 5}, {"sku": "NO-SUCH-SKU", "quantity": 1}],
                "orderPreferences": [{"orderPreference": "PARTIAL_ORDER", "orderPreferenceValue": "SET"}]})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let ob = b["orderId"].as_str().unwrap().to_string();
    assert_eq!(api.outbound(&ob).await["orderStatus"], "DRAFT");
    api.advance(60.0).await;
    let o = api.outbound(&ob).await;
    assert_eq!(o["orderStatus"], "ELIGIBLE", "{o}");
    assert_eq!(o["eligibleProductsToOutbound"][0]["sku"], a);
    assert_eq!(o["executionErrors"][0]["sku"], "NO-SUCH-SKU");
    let mut change = o.clone();
    change["productsToOutbound"] = json!([{"sku": a, "quantity": 4}]);
    change.as_object_mut().unwrap().remove("orderPreferences");
    let b = api
        .ok(
            "updateOutbound",
            Method::PUT,
            &format!("/outboundOrders/{ob}"),
            Some(change.clone()),
        )
        .await;
    assert_eq!(b["orderId"], ob.as_str());
    assert_eq!(api.outbound(&ob).await["orderStatus"], "VALIDATING");
    let (s, b) = api
        .call(
            "confirmOutbound",
            Method::POST,
            &format!("/outboundOrders/{ob}/confirmation"),
            None,
        )
        .await;
    assert_bad_request(s, &b, "VALIDATING");
    api.advance(60.0).await;
    let o = api.outbound(&ob).await;
    assert_eq!(o["orderStatus"], "ELIGIBLE", "{o}");
    assert!(o.get("executionErrors").is_none(), "{o}");
    let (s, b) = api
        .call(
            "confirmOutbound",
            Method::POST,
            &format!("/outboundOrders/{ob}/confirmation"),
            None,
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = api
        .call(
            "updateOutbound",
            Method::PUT,
            &format!("/outboundOrders/{ob}"),
            Some(change),
        )
        .await;
    assert_bad_request(s, &b, "CONFIRMED");
    assert_eq!(fba(&w, a).await, (18, 0, 4, 0, 0));
    api.advance(4.0 * DAY).await;
    let o = api.outbound(&ob).await;
    assert_eq!(o["orderStatus"], "SUCCESS", "{o}");
    assert_eq!(o["outboundShipments"][0]["shipmentStatus"], "CLOSED");
    assert_eq!(o["shippedOutboundProducts"][0]["quantity"], 4);
    assert_eq!(fba(&w, a).await, (22, 0, 0, 0, 0));
    assert_eq!(api.inventory(a).await["totalOnhandQuantity"], 12);

    // Lists page with tokens that carry the search.
    let b = api
        .ok(
            "listReplenishmentOrders",
            Method::GET,
            "/replenishmentOrders?maxResults=2&sortOrder=ASCENDING",
            None,
        )
        .await;
    let first: Vec<Value> = b["orders"].as_array().unwrap().clone();
    assert_eq!(first.len(), 2);
    let token = b["nextToken"].as_str().unwrap();
    let b = api
        .ok(
            "listReplenishmentOrders",
            Method::GET,
            &format!("/replenishmentOrders?nextToken={}", enc(token)),
            None,
        )
        .await;
    let second = b["orders"].as_array().unwrap();
    assert_eq!(second.len(), 1, "{b}");
    assert!(b.get("nextToken").is_none());
    let mut ids: Vec<&str> = first
        .iter()
        .chain(second)
        .map(|o| o["orderId"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![too_many.as_str(), not_fba.as_str(), ro.as_str()];
    expected.sort();
    assert_eq!(ids, expected);
    let b = api
        .ok(
            "listOutbounds",
            Method::GET,
            "/outboundOrders?maxResults=1",
            None,
        )
        .await;
    assert_eq!(b["outboundOrders"][0]["orderId"], ob.as_str());
    let (s, b) = api
        .call(
            "listOutbounds",
            Method::GET,
            "/outboundOrders?maxResults=101",
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let b = other
        .ok(
            "listReplenishmentOrders",
            Method::GET,
            "/replenishmentOrders",
            None,
        )
        .await;
    assert_eq!(b["orders"], json!([]));

    // --- Auto-replenishment: FBA holds 22 units, below 30: AWD sends up to 10 at once.
    let rule = format!("/sellers/{}/awd/auto-replenishment/{}", w.seller_id, enc(a));
    let (s, b) = w
        .control(
            Method::PUT,
            &rule,
            Some(json!({"threshold": 30, "quantity": 10})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    api.advance(1.0).await;
    let b = api
        .ok(
            "listReplenishmentOrders",
            Method::GET,
            "/replenishmentOrders?maxResults=1",
            None,
        )
        .await;
    let auto = &b["orders"][0];
    assert_eq!(auto["status"], "CONFIRMED", "{b}");
    assert_eq!(auto["products"][0]["quantity"], 10);
    assert_eq!(fba(&w, a).await, (22, 0, 10, 0, 0));
    // The next check counts the inbound units: no second order.
    api.advance(HOUR).await;
    let b = api
        .ok(
            "listReplenishmentOrders",
            Method::GET,
            "/replenishmentOrders",
            None,
        )
        .await;
    assert_eq!(b["orders"].as_array().unwrap().len(), 4, "{b}");
    let (s, b) = w.control(Method::DELETE, &rule, None).await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = w.control(Method::DELETE, &rule, None).await;
    assert_eq!(s, 404, "{b}");
}

#[tokio::test]
async fn awd_inbound_to_inventory_to_fba_and_a_buyer_order() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn awd_inbound_to_inventory_to_fba_and_a_buyer_order_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}

#[tokio::test]
async fn awd_refusals_expiry_cancellation_and_control_plane_steps() {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let api = Api {
        w: &w,
        token: std::sync::Mutex::new(w.access_token().await),
        refresh: None,
    };
    // An FBA SKU of the seller (no stock).
    let token = api.token.lock().unwrap().clone();
    let (s, b) = w
        .call(
            "models/fba-inventory-api-model/fbaInventory.json",
            "createInventoryItem",
            &token,
            Method::POST,
            "/fba/inventory/v1/items",
            Some(json!({"sellerSku": "AWD-B", "marketplaceId": US, "productName": "Bulk widget"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let sku = "AWD-B";

    // A seller outside the US has no AWD.
    let (_, eu_token) = w.other_seller("EU", &["A1PA6795UKMFR9"]).await;
    let (s, b) = w
        .call(
            MODEL,
            "listInventory",
            &eu_token,
            Method::GET,
            &format!("{BASE}/inventory"),
            None,
        )
        .await;
    assert_eq!(s, 403, "{b}");

    // Malformed bodies and parameters are AWD's BAD_REQUEST.
    let mut body =
        json!({"originAddress": address(), "packagesToInbound": [package(1, &[(sku, 4)], None)]});
    body["packagesToInbound"][0]["count"] = json!("two");
    let (s, b) = api
        .call("createInbound", Method::POST, "/inboundOrders", Some(body))
        .await;
    assert_bad_request(s, &b, "count");
    for query in [
        "sortOrder=UNKNOWN",
        "maxResults=0",
        "maxResults=201",
        "updatedAfter=yesterday",
        "shipmentStatus=LOST",
    ] {
        let (s, b) = api
            .call(
                "listInboundShipments",
                Method::GET,
                &format!("/inboundShipments?{query}"),
                None,
            )
            .await;
        assert_bad_request(s, &b, "");
    }
    let (s, b) = api
        .call(
            "listInventory",
            Method::GET,
            "/inventory?nextToken=%2B%2F%2B%2Fxx",
            None,
        )
        .await;
    assert_bad_request(s, &b, "NextToken");
    let mut bad_addr =
        json!({"originAddress": address(), "packagesToInbound": [package(1, &[(sku, 4)], None)]});
    bad_addr["originAddress"]["countryCode"] = json!("USA");
    let (s, b) = api
        .call(
            "createInbound",
            Method::POST,
            "/inboundOrders",
            Some(bad_addr),
        )
        .await;
    assert_bad_request(s, &b, "countryCode");

    let create = |count: i64| json!({"originAddress": address(), "packagesToInbound": [package(count, &[(sku, 4)], None)]});
    let new_order = |count: i64| {
        let api = &api;
        async move {
            let b = api
                .ok(
                    "createInbound",
                    Method::POST,
                    "/inboundOrders",
                    Some(create(count)),
                )
                .await;
            b["orderId"].as_str().unwrap().to_string()
        }
    };

    // A confirmed order whose shipment has not left can be cancelled: nothing stays inbound.
    let cancelled = new_order(2).await;
    api.ok(
        "confirmInbound",
        Method::POST,
        &format!("/inboundOrders/{cancelled}/confirmation"),
        None,
    )
    .await;
    let o = api.inbound(&cancelled).await;
    assert_eq!(
        o["destinationDetails"]["destinationRegion"], "us-west",
        "Nevada is west"
    );
    let gone = o["destinationDetails"]["shipmentId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(api.inventory(sku).await["totalInboundQuantity"], 8);
    api.ok(
        "cancelInbound",
        Method::POST,
        &format!("/inboundOrders/{cancelled}/cancellation"),
        None,
    )
    .await;
    assert_eq!(api.inbound(&cancelled).await["orderStatus"], "CANCELLED");
    assert_eq!(api.shipment(&gone).await["shipmentStatus"], "CANCELLED");
    assert_eq!(api.inventory(sku).await["totalInboundQuantity"], 0);
    let (s, b) = api
        .call(
            "getInboundShipmentLabels",
            Method::GET,
            &format!("/inboundShipments/{gone}/labels"),
            None,
        )
        .await;
    assert_bad_request(s, &b, "CANCELLED");
    let (s, b) = api
        .call(
            "updateInboundShipmentTransportDetails",
            Method::PUT,
            &format!("/inboundShipments/{gone}/transport"),
            Some(json!({"trackingDetails": [{"bookingId": "B-1"}]})),
        )
        .await;
    assert_bad_request(s, &b, "CANCELLED");
    let step = |id: &str| {
        format!(
            "/sellers/{}/awd/inbound-shipments/{id}/advance",
            w.seller_id
        )
    };
    let (s, b) = w.control(Method::POST, &step(&gone), None).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = w.control(Method::POST, &step("AWDSHNOSUCH"), None).await;
    assert_eq!(s, 404, "{b}");

    // The control plane moves a shipment on step by step; its units end on hand.
    let moved = new_order(3).await;
    api.ok(
        "confirmInbound",
        Method::POST,
        &format!("/inboundOrders/{moved}/confirmation"),
        None,
    )
    .await;
    let shipment = api.inbound(&moved).await["destinationDetails"]["shipmentId"]
        .as_str()
        .unwrap()
        .to_string();
    for expected in ["SHIPPED", "IN_TRANSIT", "DELIVERED", "RECEIVING", "CLOSED"] {
        let (s, b) = w.control(Method::POST, &step(&shipment), None).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["shipmentStatus"], expected);
        assert_eq!(api.shipment(&shipment).await["shipmentStatus"], expected);
    }
    let (s, b) = w.control(Method::POST, &step(&shipment), None).await;
    assert_eq!(s, 400, "a closed shipment does not move: {b}");
    assert_eq!(api.inbound(&moved).await["orderStatus"], "CLOSED");
    let inv = api.inventory(sku).await;
    assert_eq!(inv["totalOnhandQuantity"], 12, "{inv}");
    assert_eq!(inv["expirationDetails"], json!([]), "no expiration given");
    let (s, b) = api
        .call(
            "cancelInbound",
            Method::POST,
            &format!("/inboundOrders/{moved}/cancellation"),
            None,
        )
        .await;
    assert_conflict(s, &b);

    // A replenishment with AUTO confirmation confirms itself once ELIGIBLE.
    let b = api
        .ok(
            "createReplenishmentOrder",
            Method::POST,
            "/replenishmentOrders",
            Some(json!({"products": [{"sku": sku, "quantity": 5}], "preferences": {"confirmation": "AUTO"}})),
        )
        .await;
    let auto = b["orderId"].as_str().unwrap().to_string();
    let (s, b) = api
        .call(
            "getOutbound",
            Method::GET,
            &format!("/outboundOrders/{auto}"),
            None,
        )
        .await;
    assert_not_found(s, &b);
    api.advance(60.0).await;
    let r = api.replenishment(&auto).await;
    assert_eq!(r["status"], "CONFIRMED", "{r}");
    assert_eq!(
        api.inventory(sku).await["inventoryDetails"]["availableDistributableQuantity"],
        7
    );

    // An outbound without the partial preference is INELIGIBLE as a whole.
    let b = api
        .ok(
            "createOutbound",
            Method::POST,
            "/outboundOrders",
            Some(json!({"productsToOutbound": [{"sku": sku, "quantity": 5}, {"sku": sku, "quantity": 5}]})),
        )
        .await;
    let ob = b["orderId"].as_str().unwrap().to_string();
    api.advance(60.0).await;
    let o = api.outbound(&ob).await;
    assert_eq!(
        o["orderStatus"], "INELIGIBLE",
        "10 units asked, 7 available: {o}"
    );
    assert_eq!(
        o["executionErrors"][0]["failureCode"],
        "INSUFFICIENT_INVENTORY"
    );
    let (s, b) = api
        .call(
            "confirmOutbound",
            Method::POST,
            &format!("/outboundOrders/{ob}/confirmation"),
            None,
        )
        .await;
    assert_bad_request(s, &b, "INELIGIBLE");
    let (s, b) = api
        .call(
            "getOutbound",
            Method::GET,
            "/outboundOrders/AWDOBNOSUCH",
            None,
        )
        .await;
    assert_not_found(s, &b);

    // A draft left unconfirmed expires.
    let stale = new_order(1).await;
    api.advance(31.0 * DAY).await;
    assert_eq!(api.inbound(&stale).await["orderStatus"], "EXPIRED");
    let (s, b) = api
        .call(
            "confirmInbound",
            Method::POST,
            &format!("/inboundOrders/{stale}/confirmation"),
            None,
        )
        .await;
    assert_conflict(s, &b);
}
