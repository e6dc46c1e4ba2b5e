//! FBA Inbound 2024-03-20 and FBA Inbound Eligibility v1 over real HTTP, on SQLite and
//! PostgreSQL: the whole plan workflow from createInboundPlan to fulfillable stock (packing,
//! placement split across fulfillment centers, partnered and own carriers, delivery windows,
//! tracking, shipments moving on the clock through the FBA inbound stages into the ledger),
//! wrong-order calls answering 400 `BadRequest` like Amazon, operations that fail with the
//! problem the control plane queued, cancellation, another seller's ids, labels as PDFs, and
//! eligibility previews from the catalog. Every response conforms to the model.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;

const MODEL: &str = "models/fulfillment-inbound-api-model/fulfillmentInbound_2024-03-20.json";
const ELIGIBILITY: &str = "models/fba-inbound-eligibility-api-model/fbaInbound.json";
const T0: &str = "2025-06-02T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const BASE: &str = "/inbound/fba/2024-03-20";

struct Api<'a> {
    w: &'a World,
    token: std::sync::Mutex<String>,
}

impl Api<'_> {
    async fn new(w: &World) -> Api<'_> {
        Api {
            w,
            token: std::sync::Mutex::new(w.access_token().await),
        }
    }

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
        let token = self.token.lock().unwrap().clone();
        let model = if op == "getItemEligibilityPreview" {
            ELIGIBILITY
        } else {
            MODEL
        };
        self.w.call(model, op, &token, method, path, body).await
    }

    async fn get(&self, op: &str, path: &str) -> Value {
        let (s, b) = self.call(op, Method::GET, path, None).await;
        assert_eq!(s, 200, "{op} {path}: {b}");
        b
    }

    /// A 202 call: its operation id.
    async fn start(&self, op: &str, method: Method, path: &str, body: Option<Value>) -> String {
        let (s, b) = self.call(op, method, path, body).await;
        assert!(s == 202 || s == 201, "{op}: {s} {b}");
        b["operationId"].as_str().unwrap().to_string()
    }

    async fn operation(&self, id: &str) -> Value {
        self.get(
            "getInboundOperationStatus",
            &format!("{BASE}/operations/{id}"),
        )
        .await
    }

    /// Runs a 202 call to its end: SUCCESS expected; the status document.
    async fn run(&self, op: &str, method: Method, path: &str, body: Option<Value>) -> Value {
        let id = self.start(op, method, path, body).await;
        let s = self.operation(&id).await;
        assert_eq!(s["operationStatus"], "IN_PROGRESS", "{s}");
        assert_eq!(s["operation"], op);
        self.advance(10.0).await;
        let s = self.operation(&id).await;
        assert_eq!(s["operationStatus"], "SUCCESS", "{op}: {s}");
        s
    }

    /// A call refused at once with 400 BadRequest; its message.
    async fn refused(&self, op: &str, method: Method, path: &str, body: Option<Value>) -> String {
        let (s, b) = self.call(op, method, path, body).await;
        assert_eq!(s, 400, "{op} {path}: {b}");
        assert_eq!(b["errors"][0]["code"], "BadRequest", "{b}");
        b["errors"][0]["message"].as_str().unwrap().to_string()
    }
}

fn address() -> Value {
    json!({"name": "Ann Seller", "companyName": "Ann's Goods", "addressLine1": "123 Main St",
        "city": "Seattle", "stateOrProvinceCode": "WA", "postalCode": "98101", "countryCode": "US",
        "phoneNumber": "2065550100", "email": "ann@example.com"})
}

async fn stock(w: &World, sku: &str) -> Value {
    let (s, b) = w
        .control(
            Method::GET,
            &format!(
                "/sellers/{}/fba-stock/{}?marketplace_id={US}",
                w.seller_id, sku
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b
}

/// A world with generated FBA listings and no buyers; `n` US AFN SKUs with an ASIN and no
/// order holding units, with the prep owner each needs.
async fn world(
    store: StoreConfig,
    products: u32,
    n: usize,
) -> (World, Vec<(String, String, String)>) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 5, "products": products, "days": 1, "orders_per_day": 1})),
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
    let skus: Vec<(String, String)> = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            l["fulfillment_channel"] == "AFN"
                && l["marketplace_id"] == US
                && l["reserved"] == 0
                && l["asin"].as_str().is_some_and(|a| !a.is_empty())
        })
        .map(|l| {
            (
                l["sku"].as_str().unwrap().to_string(),
                l["asin"].as_str().unwrap().to_string(),
            )
        })
        .take(n)
        .collect();
    assert_eq!(skus.len(), n, "not enough FBA listings in the world");
    let api = Api::new(&w).await;
    let mut out = vec![];
    for chunk in skus.chunks(100) {
        let q: Vec<String> = chunk
            .iter()
            .map(|(s, _)| format!("mskus={}", enc(s)))
            .collect();
        let b = api
            .get(
                "listPrepDetails",
                &format!(
                    "{BASE}/items/prepDetails?marketplaceId={US}&{}",
                    q.join("&")
                ),
            )
            .await;
        for (d, (sku, asin)) in b["mskuPrepDetails"].as_array().unwrap().iter().zip(chunk) {
            assert_eq!(d["msku"], sku.as_str());
            let owner = if d["prepOwnerConstraint"] == "NONE_ONLY" {
                "NONE"
            } else {
                "SELLER"
            };
            out.push((sku.clone(), asin.clone(), owner.to_string()));
        }
    }
    drop(api);
    (w, out)
}

fn enc(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.~".contains(c) {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32)
            }
        })
        .collect()
}

fn items(skus: &[(String, String, String)], qty: impl Fn(usize) -> i64) -> Value {
    Value::Array(
        skus.iter()
            .enumerate()
            .map(|(i, (sku, _, owner))| {
                json!({"msku": sku, "quantity": qty(i), "prepOwner": owner, "labelOwner": "SELLER"})
            })
            .collect(),
    )
}

fn a_box(sku: &str, units: i64, boxes: i64) -> Value {
    json!({"contentInformationSource": "BOX_CONTENT_PROVIDED", "quantity": boxes,
        "dimensions": {"length": 20, "width": 15, "height": 10, "unitOfMeasurement": "IN"},
        "weight": {"value": 12.5, "unit": "LB"},
        "items": [{"msku": sku, "quantity": units, "prepOwner": "SELLER", "labelOwner": "SELLER"}]})
}

async fn scenario(store: StoreConfig) {
    let (w, skus) = world(store, 24, 3).await;
    let api = Api::new(&w).await;
    let qty = |i: usize| 10 * (i as i64 + 1);
    let before: Vec<i64> = {
        let mut v = vec![];
        for (sku, _, _) in &skus {
            let s = stock(&w, sku).await;
            assert_eq!(s["inbound_working"], 0);
            v.push(s["fulfillable"].as_i64().unwrap());
        }
        v
    };

    // createInboundPlan: 202 with the plan and its operation; the plan exists at once.
    let (s, b) = api
        .call(
            "createInboundPlan",
            Method::POST,
            &format!("{BASE}/inboundPlans"),
            Some(
                json!({"destinationMarketplaces": [US], "sourceAddress": address(),
                "items": items(&skus, qty)}),
            ),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let plan = b["inboundPlanId"].as_str().unwrap().to_string();
    assert_eq!(plan.len(), 38);
    assert!(plan.starts_with("wf"));
    let op = b["operationId"].as_str().unwrap().to_string();
    assert_eq!(api.operation(&op).await["operationStatus"], "IN_PROGRESS");
    api.advance(10.0).await;
    assert_eq!(api.operation(&op).await["operationStatus"], "SUCCESS");
    let p = api
        .get("getInboundPlan", &format!("{BASE}/inboundPlans/{plan}"))
        .await;
    assert_eq!(p["status"], "ACTIVE");
    assert_eq!(p["name"], "FBA (06/02/2025, 12:00 PM)");
    assert_eq!(p["marketplaceIds"], json!([US]));
    let pp = format!("{BASE}/inboundPlans/{plan}");
    let b = api
        .get("listInboundPlanItems", &format!("{pp}/items?pageSize=2"))
        .await;
    assert_eq!(b["items"].as_array().unwrap().len(), 2);
    assert_eq!(b["items"][0]["msku"], skus[0].0.as_str());
    assert_eq!(b["items"][0]["asin"], skus[0].1.as_str());
    assert!(b["items"][0]["fnsku"].as_str().unwrap().starts_with("X00"));
    let token = b["pagination"]["nextToken"].as_str().unwrap().to_string();
    let b = api
        .get(
            "listInboundPlanItems",
            &format!("{pp}/items?pageSize=2&paginationToken={}", enc(&token)),
        )
        .await;
    assert_eq!(b["items"].as_array().unwrap().len(), 1);
    assert!(b["pagination"].get("nextToken").is_none(), "{b}");

    // Wrong order: placement before packing, transport before placement.
    let m = api
        .refused(
            "generatePlacementOptions",
            Method::POST,
            &format!("{pp}/placementOptions"),
            Some(json!({})),
        )
        .await;
    assert!(m.contains("no packing option is confirmed"), "{m}");
    let m = api
        .refused(
            "confirmTransportationOptions",
            Method::POST,
            &format!("{pp}/transportationOptions/confirmation"),
            Some(json!({"transportationSelections": []})),
        )
        .await;
    assert!(m.contains("No placement option was confirmed"), "{m}");
    let m = api
        .refused(
            "generateTransportationOptions",
            Method::POST,
            &format!("{pp}/transportationOptions"),
            Some(
                json!({"placementOptionId": format!("pl{}", uuid::Uuid::new_v4()),
                "shipmentTransportationConfigurations": []}),
            ),
        )
        .await;
    assert!(m.contains("no placement options were generated"), "{m}");

    // Packing options: empty until generation finishes.
    let id = api
        .start(
            "generatePackingOptions",
            Method::POST,
            &format!("{pp}/packingOptions"),
            None,
        )
        .await;
    let b = api
        .get("listPackingOptions", &format!("{pp}/packingOptions"))
        .await;
    assert_eq!(b["packingOptions"], json!([]));
    api.advance(10.0).await;
    assert_eq!(api.operation(&id).await["operationStatus"], "SUCCESS");
    let b = api
        .get("listPackingOptions", &format!("{pp}/packingOptions"))
        .await;
    let options = b["packingOptions"].as_array().unwrap();
    assert_eq!(options.len(), 2, "{b}");
    let po = options[0]["packingOptionId"].as_str().unwrap().to_string();
    assert_eq!(options[0]["status"], "OFFERED");
    let groups = options[0]["packingGroups"].as_array().unwrap().clone();
    assert_eq!(groups.len(), 1);
    let pg = groups[0].as_str().unwrap().to_string();
    let b = api
        .get(
            "listPackingGroupItems",
            &format!("{pp}/packingGroups/{pg}/items"),
        )
        .await;
    assert_eq!(b["items"].as_array().unwrap().len(), 3);
    // setPackingInformation before confirming a packing option.
    let packing = json!({"packageGroupings": [{"packingGroupId": pg, "boxes": [
        a_box(&skus[0].0, 10, 1), a_box(&skus[1].0, 10, 2), a_box(&skus[2].0, 15, 2)]}]});
    let m = api
        .refused(
            "setPackingInformation",
            Method::POST,
            &format!("{pp}/packingInformation"),
            Some(packing.clone()),
        )
        .await;
    assert!(m.contains("no packing option is confirmed"), "{m}");
    let m = api
        .refused(
            "confirmPackingOption",
            Method::POST,
            &format!(
                "{pp}/packingOptions/po{}/confirmation",
                uuid::Uuid::new_v4()
            ),
            None,
        )
        .await;
    assert!(m.contains("does not exist"), "{m}");
    api.run(
        "confirmPackingOption",
        Method::POST,
        &format!("{pp}/packingOptions/{po}/confirmation"),
        None,
    )
    .await;
    let b = api
        .get("listPackingOptions", &format!("{pp}/packingOptions"))
        .await;
    assert_eq!(b["packingOptions"][0]["status"], "ACCEPTED");
    // Boxes must hold exactly the group's units and be within limits.
    let short = json!({"packageGroupings": [{"packingGroupId": pg, "boxes": [
        a_box(&skus[0].0, 10, 1), a_box(&skus[1].0, 10, 1), a_box(&skus[2].0, 15, 2)]}]});
    let m = api
        .refused(
            "setPackingInformation",
            Method::POST,
            &format!("{pp}/packingInformation"),
            Some(short),
        )
        .await;
    assert!(
        m.contains("hold 10 units") && m.contains("20 are expected"),
        "{m}"
    );
    let mut heavy = packing.clone();
    heavy["packageGroupings"][0]["boxes"][0]["weight"] = json!({"value": 60, "unit": "LB"});
    let m = api
        .refused(
            "setPackingInformation",
            Method::POST,
            &format!("{pp}/packingInformation"),
            Some(heavy),
        )
        .await;
    assert!(m.contains("50 lb"), "{m}");
    api.run(
        "setPackingInformation",
        Method::POST,
        &format!("{pp}/packingInformation"),
        Some(packing),
    )
    .await;
    let b = api
        .get("listInboundPlanBoxes", &format!("{pp}/boxes"))
        .await;
    assert_eq!(b["boxes"].as_array().unwrap().len(), 3);
    let b = api
        .get(
            "listPackingGroupBoxes",
            &format!("{pp}/packingGroups/{pg}/boxes"),
        )
        .await;
    assert_eq!(b["boxes"][1]["quantity"], 2);

    // Placement options: Amazon's split across three FCs for free, or one FC with a fee.
    api.run(
        "generatePlacementOptions",
        Method::POST,
        &format!("{pp}/placementOptions"),
        Some(json!({})),
    )
    .await;
    let b = api
        .get("listPlacementOptions", &format!("{pp}/placementOptions"))
        .await;
    let options = b["placementOptions"].as_array().unwrap().clone();
    assert_eq!(options.len(), 2, "{b}");
    assert_eq!(options[0]["shipmentIds"].as_array().unwrap().len(), 3);
    assert_eq!(options[0]["fees"][0]["value"]["amount"], 0.0);
    assert_eq!(options[1]["shipmentIds"].as_array().unwrap().len(), 1);
    assert_eq!(
        options[1]["fees"][0]["value"]["amount"], 18.0,
        "60 units at 0.30"
    );
    assert_eq!(options[1]["fees"][0]["target"], "Placement Services");
    let pl = options[0]["placementOptionId"]
        .as_str()
        .unwrap()
        .to_string();
    let shipments: Vec<String> = options[0]["shipmentIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    let sh = |i: usize| format!("{pp}/shipments/{}", shipments[i]);
    let s0 = api.get("getShipment", &sh(0)).await;
    assert_eq!(s0["status"], "UNCONFIRMED");
    let mut warehouses: Vec<String> = vec![];
    for i in 0..3 {
        let s = api.get("getShipment", &sh(i)).await;
        warehouses.push(
            s["destination"]["warehouseId"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    warehouses.dedup();
    assert_eq!(
        warehouses.len(),
        3,
        "three fulfillment centers: {warehouses:?}"
    );

    // Transportation options are quoted for the placement option before confirming it.
    let ready = "2025-06-03T00:00:00Z";
    let configs: Vec<Value> = shipments
        .iter()
        .map(|s| json!({"shipmentId": s, "readyToShipWindow": {"start": ready},
            "contactInformation": {"name": "Ann", "phoneNumber": "2065550100", "email": "ann@example.com"}}))
        .collect();
    api.run(
        "generateTransportationOptions",
        Method::POST,
        &format!("{pp}/transportationOptions"),
        Some(json!({"placementOptionId": pl, "shipmentTransportationConfigurations": configs})),
    )
    .await;
    let b = api
        .get(
            "listTransportationOptions",
            &format!("{pp}/transportationOptions?placementOptionId={pl}&pageSize=20"),
        )
        .await;
    let transport = b["transportationOptions"].as_array().unwrap().clone();
    assert_eq!(transport.len(), 6, "{b}");
    let option = |i: usize, solution: &str| -> String {
        transport
            .iter()
            .find(|o| o["shipmentId"] == shipments[i].as_str() && o["shippingSolution"] == solution)
            .unwrap()["transportationOptionId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let partnered = transport
        .iter()
        .find(|o| o["shippingSolution"] == "AMAZON_PARTNERED_CARRIER")
        .unwrap();
    assert!(partnered["quote"]["cost"]["amount"].as_f64().unwrap() > 0.0);
    // Confirming transportation before placement: still refused.
    let m = api
        .refused(
            "confirmTransportationOptions",
            Method::POST,
            &format!("{pp}/transportationOptions/confirmation"),
            Some(
                json!({"transportationSelections": [{"shipmentId": shipments[0],
                "transportationOptionId": option(0, "AMAZON_PARTNERED_CARRIER")}]}),
            ),
        )
        .await;
    assert!(m.contains("No placement option was confirmed"), "{m}");

    api.run(
        "confirmPlacementOption",
        Method::POST,
        &format!("{pp}/placementOptions/{pl}/confirmation"),
        None,
    )
    .await;
    let b = api
        .get("listPlacementOptions", &format!("{pp}/placementOptions"))
        .await;
    assert_eq!(b["placementOptions"].as_array().unwrap().len(), 1);
    assert_eq!(b["placementOptions"][0]["status"], "ACCEPTED");
    let p = api.get("getInboundPlan", &pp).await;
    assert_eq!(p["shipments"].as_array().unwrap().len(), 3);
    assert!(
        p["shipments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "WORKING")
    );
    // Units of a WORKING shipment are inbound working.
    for (i, (sku, _, _)) in skus.iter().enumerate() {
        assert_eq!(stock(&w, sku).await["inbound_working"], qty(i), "{sku}");
    }
    let s2 = api.get("getShipment", &sh(2)).await;
    let confirmation = s2["shipmentConfirmationId"].as_str().unwrap().to_string();
    assert!(
        confirmation.starts_with("FBA") && confirmation.len() == 12,
        "{confirmation}"
    );
    let b = api
        .get("listShipmentBoxes", &format!("{}/boxes", sh(2)))
        .await;
    let box_ids: Vec<String> = b["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["boxId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(box_ids[0], format!("{confirmation}U000001"));
    let b = api
        .get("listShipmentItems", &format!("{}/items", sh(2)))
        .await;
    assert_eq!(b["items"].as_array().unwrap().len(), 1);
    let (s, _) = api
        .call(
            "updateShipmentName",
            Method::PUT,
            &format!("{}/name", sh(2)),
            Some(json!({"name": "Third box run"})),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(
        api.get("getShipment", &sh(2)).await["name"],
        "Third box run"
    );

    // Shipment 3 goes with the seller's own carrier, which needs a delivery window first.
    let selections = json!({"transportationSelections": [
        {"shipmentId": shipments[0], "transportationOptionId": option(0, "AMAZON_PARTNERED_CARRIER")},
        {"shipmentId": shipments[1], "transportationOptionId": option(1, "AMAZON_PARTNERED_CARRIER")},
        {"shipmentId": shipments[2], "transportationOptionId": option(2, "USE_YOUR_OWN_CARRIER")}]});
    let m = api
        .refused(
            "confirmTransportationOptions",
            Method::POST,
            &format!("{pp}/transportationOptions/confirmation"),
            Some(selections.clone()),
        )
        .await;
    assert!(m.contains("requires a confirmed delivery window"), "{m}");
    let m = api
        .refused(
            "confirmTransportationOptions",
            Method::POST,
            &format!("{pp}/transportationOptions/confirmation"),
            Some(json!({"transportationSelections": [
                {"shipmentId": shipments[0], "transportationOptionId": option(0, "AMAZON_PARTNERED_CARRIER")}]})),
        )
        .await;
    assert!(m.contains("every shipment"), "{m}");
    api.run(
        "generateDeliveryWindowOptions",
        Method::POST,
        &format!("{}/deliveryWindowOptions", sh(2)),
        None,
    )
    .await;
    let b = api
        .get(
            "listDeliveryWindowOptions",
            &format!("{}/deliveryWindowOptions", sh(2)),
        )
        .await;
    let windows = b["deliveryWindowOptions"].as_array().unwrap();
    assert_eq!(windows.len(), 5);
    let dw = windows[0]["deliveryWindowOptionId"]
        .as_str()
        .unwrap()
        .to_string();
    api.run(
        "confirmDeliveryWindowOptions",
        Method::POST,
        &format!("{}/deliveryWindowOptions/{dw}/confirmation", sh(2)),
        None,
    )
    .await;
    assert_eq!(
        api.get("getShipment", &sh(2)).await["selectedDeliveryWindow"]["deliveryWindowOptionId"],
        dw.as_str()
    );
    api.run(
        "confirmTransportationOptions",
        Method::POST,
        &format!("{pp}/transportationOptions/confirmation"),
        Some(selections.clone()),
    )
    .await;
    let s0 = api.get("getShipment", &sh(0)).await;
    assert_eq!(s0["status"], "READY_TO_SHIP");
    assert_eq!(
        s0["selectedTransportationOptionId"],
        option(0, "AMAZON_PARTNERED_CARRIER").as_str()
    );
    assert!(
        s0["trackingDetails"]["spdTrackingDetail"]["spdTrackingItems"][0]["trackingId"]
            .as_str()
            .unwrap()
            .starts_with("1Z")
    );
    // Once transportation is confirmed it cannot be generated or confirmed again.
    let m = api
        .refused(
            "confirmTransportationOptions",
            Method::POST,
            &format!("{pp}/transportationOptions/confirmation"),
            Some(selections),
        )
        .await;
    assert!(m.contains("already confirmed"), "{m}");
    let m = api
        .refused(
            "generateTransportationOptions",
            Method::POST,
            &format!("{pp}/transportationOptions"),
            Some(
                json!({"placementOptionId": pl, "shipmentTransportationConfigurations": [
                {"shipmentId": shipments[0], "readyToShipWindow": {"start": ready}}]}),
            ),
        )
        .await;
    assert!(m.contains("already confirmed"), "{m}");
    // Tracking of the own-carrier shipment; a partnered one refuses it.
    let tracking = json!({"trackingDetails": {"spdTrackingDetail": {"spdTrackingItems": [
        {"boxId": box_ids[0], "trackingId": "1Z999AA10123456784"}]}}});
    let m = api
        .refused(
            "updateShipmentTrackingDetails",
            Method::PUT,
            &format!("{}/trackingDetails", sh(0)),
            Some(tracking.clone()),
        )
        .await;
    assert!(m.contains("partnered"), "{m}");
    api.run(
        "updateShipmentTrackingDetails",
        Method::PUT,
        &format!("{}/trackingDetails", sh(2)),
        Some(tracking),
    )
    .await;
    let s2 = api.get("getShipment", &sh(2)).await;
    assert_eq!(
        s2["trackingDetails"]["spdTrackingDetail"]["spdTrackingItems"][0]["trackingNumberValidationStatus"],
        "VALIDATED"
    );
    // The plan cannot be cancelled... it still can: nothing has shipped. It is not cancelled here.

    // Receipt losses for shipment 1's SKU (the control plane).
    let first_sku = api
        .get("listShipmentItems", &format!("{}/items", sh(0)))
        .await["items"][0]["msku"]
        .as_str()
        .unwrap()
        .to_string();
    let first_qty = api
        .get("listShipmentItems", &format!("{}/items", sh(0)))
        .await["items"][0]["quantity"]
        .as_i64()
        .unwrap();
    let (s, b) = w
        .control(
            Method::POST,
            &format!(
                "/sellers/{}/inbound/plans/{plan}/shipments/{}/losses",
                w.seller_id, shipments[0]
            ),
            Some(json!({"msku": first_sku, "damaged": 1, "missing": 1})),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // On the clock: shipped the ready day (4 hours after the window opens), in transit 6 hours
    // later, delivered 2 days later, checked in, receiving, closed.
    api.advance(17.0 * 3600.0).await;
    for i in 0..3 {
        assert_eq!(api.get("getShipment", &sh(i)).await["status"], "SHIPPED");
    }
    assert_eq!(api.get("getInboundPlan", &pp).await["status"], "SHIPPED");
    for (i, (sku, _, _)) in skus.iter().enumerate() {
        let s = stock(&w, sku).await;
        assert_eq!(s["inbound_working"], 0, "{sku}");
        assert_eq!(s["inbound_shipped"], qty(i), "{sku}");
    }
    let m = api
        .refused(
            "cancelInboundPlan",
            Method::PUT,
            &format!("{pp}/cancellation"),
            None,
        )
        .await;
    assert!(m.contains("already shipped"), "{m}");
    api.advance(2.0 * 86400.0 + 12.0 * 3600.0).await;
    assert_eq!(api.get("getShipment", &sh(0)).await["status"], "RECEIVING");
    for (i, (sku, _, _)) in skus.iter().enumerate() {
        let s = stock(&w, sku).await;
        assert_eq!(s["inbound_shipped"], 0, "{sku}");
        assert_eq!(s["inbound_receiving"], qty(i), "{sku}");
    }
    api.advance(86400.0).await;
    for i in 0..3 {
        assert_eq!(api.get("getShipment", &sh(i)).await["status"], "CLOSED");
    }
    for (i, (sku, _, _)) in skus.iter().enumerate() {
        let s = stock(&w, sku).await;
        assert_eq!(s["inbound_receiving"], 0, "{sku}");
        let lost = if *sku == first_sku { 2 } else { 0 };
        assert_eq!(
            s["fulfillable"].as_i64().unwrap(),
            before[i] + qty(i) - lost,
            "{sku}: {s}"
        );
        if *sku == first_sku {
            assert_eq!(s["researching"]["short_term"], 1, "{s}");
            assert_eq!(s["unfulfillable"]["warehouse_damaged"], 1, "{s}");
        }
    }
    let _ = first_qty;
    // The ledger's receipts name the shipment.
    let (s, ledger) = w
        .control(
            Method::GET,
            &format!(
                "/sellers/{}/fba-ledger?marketplace_id={US}&sku={}",
                w.seller_id,
                enc(&skus[2].0)
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{ledger}");
    let receipts: Vec<&Value> = ledger["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "Receipts" && e["reference_id"] == confirmation.as_str())
        .collect();
    assert_eq!(receipts.len(), 1, "{ledger}");
    assert_eq!(receipts[0]["quantity"], qty(2));
    // The inventory summary agrees.
    let token = api.token.lock().unwrap().clone();
    let (s, b) = w
        .call(
            "models/fba-inventory-api-model/fbaInventory.json",
            "getInventorySummaries",
            &token,
            Method::GET,
            &format!(
                "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId={US}\
                 &marketplaceIds={US}&details=true&sellerSkus={}",
                enc(&skus[2].0)
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let summary = &b["payload"]["inventorySummaries"][0];
    assert_eq!(
        summary["inventoryDetails"]["fulfillableQuantity"]
            .as_i64()
            .unwrap(),
        before[2] + qty(2)
    );

    // listInboundPlans: status filter and sort.
    let b = api
        .get(
            "listInboundPlans",
            &format!("{BASE}/inboundPlans?status=SHIPPED"),
        )
        .await;
    assert_eq!(b["inboundPlans"].as_array().unwrap().len(), 1);
    let b = api
        .get(
            "listInboundPlans",
            &format!("{BASE}/inboundPlans?status=ACTIVE"),
        )
        .await;
    assert_eq!(b["inboundPlans"], json!([]));

    // A second plan: an operation made to fail leaves the plan as it was; then cancel it.
    let (s, b) = api
        .call(
            "createInboundPlan",
            Method::POST,
            &format!("{BASE}/inboundPlans"),
            Some(
                json!({"destinationMarketplaces": [US], "sourceAddress": address(),
                "items": items(&skus[..1], |_| 5), "name": "Second"}),
            ),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let plan2 = b["inboundPlanId"].as_str().unwrap().to_string();
    let pp2 = format!("{BASE}/inboundPlans/{plan2}");
    api.advance(10.0).await;
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/inbound/faults", w.seller_id),
            Some(json!({"operation": "generatePackingOptions", "code": "InternalServerError"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let id = api
        .start(
            "generatePackingOptions",
            Method::POST,
            &format!("{pp2}/packingOptions"),
            None,
        )
        .await;
    api.advance(10.0).await;
    let st = api.operation(&id).await;
    assert_eq!(st["operationStatus"], "FAILED", "{st}");
    assert_eq!(st["operationProblems"][0]["code"], "InternalServerError");
    assert_eq!(st["operationProblems"][0]["severity"], "ERROR");
    assert_eq!(
        api.get("listPackingOptions", &format!("{pp2}/packingOptions"))
            .await["packingOptions"],
        json!([])
    );
    // Sorted by creation, newest first.
    let b = api
        .get(
            "listInboundPlans",
            &format!("{BASE}/inboundPlans?sortBy=CREATION_TIME&sortOrder=DESC&pageSize=1"),
        )
        .await;
    assert_eq!(b["inboundPlans"][0]["inboundPlanId"], plan2.as_str());
    assert!(b["pagination"]["nextToken"].is_string());
    let (s, _) = api
        .call(
            "updateInboundPlanName",
            Method::PUT,
            &format!("{pp2}/name"),
            Some(json!({"name": "Renamed"})),
        )
        .await;
    assert_eq!(s, 204);
    assert_eq!(api.get("getInboundPlan", &pp2).await["name"], "Renamed");
    api.run(
        "cancelInboundPlan",
        Method::PUT,
        &format!("{pp2}/cancellation"),
        None,
    )
    .await;
    assert_eq!(api.get("getInboundPlan", &pp2).await["status"], "VOIDED");
    let m = api
        .refused(
            "generatePackingOptions",
            Method::POST,
            &format!("{pp2}/packingOptions"),
            None,
        )
        .await;
    assert_eq!(
        m,
        "ERROR: Operation GeneratePackingOptions can not be processed on a cancelled inbound plan."
    );
    let m = api
        .refused(
            "cancelInboundPlan",
            Method::PUT,
            &format!("{pp2}/cancellation"),
            None,
        )
        .await;
    assert!(m.contains("cancelled"), "{m}");

    // Unknown, malformed and other sellers' ids: 400 BadRequest, never 404.
    let m = api
        .refused(
            "getInboundPlan",
            Method::GET,
            &format!("{BASE}/inboundPlans/wf{}", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(m, "The requested inbound plan does not exist.");
    let m = api
        .refused(
            "getInboundOperationStatus",
            Method::GET,
            &format!("{BASE}/operations/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert!(m.contains("does not exist"), "{m}");
    let (_, other) = w.other_seller("NA", &[US]).await;
    let (s, b) = w
        .call(MODEL, "getInboundPlan", &other, Method::GET, &pp, None)
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(
        b["errors"][0]["message"],
        "The requested inbound plan does not exist."
    );
    let (s, b) = w
        .call(
            MODEL,
            "getInboundOperationStatus",
            &other,
            Method::GET,
            &format!("{BASE}/operations/{op}"),
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");

    // Item labels: a PDF behind a signed URL.
    let (s, b) = api
        .call(
            "createMarketplaceItemLabels",
            Method::POST,
            &format!("{BASE}/items/labels"),
            Some(json!({"marketplaceId": US, "labelType": "THERMAL_PRINTING", "width": 50, "height": 25,
                "mskuQuantities": [{"msku": skus[0].0, "quantity": 3}]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let url = b["documentDownloads"][0]["uri"].as_str().unwrap();
    let pdf = w.http.get(url).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-1.4"));
    assert!(String::from_utf8_lossy(&bytes).contains("/Count 3"));
}

#[tokio::test]
async fn an_inbound_plan_goes_from_creation_to_fulfillable_stock() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn an_inbound_plan_goes_from_creation_to_fulfillable_stock_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}

#[tokio::test]
async fn create_inbound_plan_checks_items_against_the_world() {
    let (w, skus) = world(StoreConfig::SqliteMemory, 24, 2).await;
    let api = Api::new(&w).await;
    let create = |items: Value| json!({"destinationMarketplaces": [US], "sourceAddress": address(), "items": items});
    let path = format!("{BASE}/inboundPlans");
    let m = api
        .refused(
            "createInboundPlan",
            Method::POST,
            &path,
            Some(create(json!([{"msku": "NO-SUCH-SKU", "quantity": 1, "prepOwner": "NONE", "labelOwner": "SELLER"}]))),
        )
        .await;
    assert!(m.contains("NO-SUCH-SKU") && m.contains("not listed"), "{m}");
    let mut bad = items(&skus, |_| 0);
    let m = api
        .refused(
            "createInboundPlan",
            Method::POST,
            &path,
            Some(create(bad.clone())),
        )
        .await;
    assert!(m.contains("between 1 and 500000"), "{m}");
    bad = items(&skus, |_| 1);
    bad[0]["labelOwner"] = json!("AMAZON");
    let m = api
        .refused("createInboundPlan", Method::POST, &path, Some(create(bad)))
        .await;
    assert!(m.contains("labelOwner AMAZON"), "{m}");
    let dup = items(&[skus[0].clone(), skus[0].clone()], |_| 1);
    let m = api
        .refused("createInboundPlan", Method::POST, &path, Some(create(dup)))
        .await;
    assert!(m.contains("more than once"), "{m}");
    let mut wrong_prep = items(&skus[..1], |_| 1);
    wrong_prep[0]["prepOwner"] = json!(if skus[0].2 == "NONE" {
        "SELLER"
    } else {
        "NONE"
    });
    let m = api
        .refused(
            "createInboundPlan",
            Method::POST,
            &path,
            Some(create(wrong_prep)),
        )
        .await;
    assert!(m.contains("prepOwner"), "{m}");
    let mut no_phone = create(items(&skus, |_| 1));
    no_phone["sourceAddress"]["phoneNumber"] = json!("");
    let m = api
        .refused("createInboundPlan", Method::POST, &path, Some(no_phone))
        .await;
    assert!(m.contains("address is invalid"), "{m}");
    let mut two = create(items(&skus, |_| 1));
    two["destinationMarketplaces"] = json!([US, "A2EUQ1WTGCTBG2"]);
    let (s, _) = api
        .call("createInboundPlan", Method::POST, &path, Some(two))
        .await;
    assert_eq!(s, 400);
    let (s, b) = api
        .call(
            "createInboundPlan",
            Method::POST,
            &path,
            Some(json!({"items": 3})),
        )
        .await;
    assert_eq!(s, 400, "{b}");

    // An MFN listing cannot be sent to FBA.
    let (_, listings) = w
        .control(
            Method::GET,
            &format!("/sellers/{}/listings", w.seller_id),
            None,
        )
        .await;
    if let Some(mfn) = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["fulfillment_channel"] == "MFN" && l["marketplace_id"] == US)
    {
        let sku = mfn["sku"].as_str().unwrap();
        let m = api
            .refused(
                "createInboundPlan",
                Method::POST,
                &path,
                Some(create(json!([{"msku": sku, "quantity": 1, "prepOwner": "NONE", "labelOwner": "SELLER"}]))),
            )
            .await;
        assert!(m.contains("not fulfilled by Amazon"), "{m}");
    }

    // A createInboundPlan made to fail: the plan is ERRORED and takes nothing more.
    let (s, _) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/inbound/faults", w.seller_id),
            Some(json!({"operation": "createInboundPlan", "code": "FBA_INB_0115",
                "message": "ERROR: Provided address is invalid. Please correct the address and try again."})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, b) = api
        .call(
            "createInboundPlan",
            Method::POST,
            &path,
            Some(create(items(&skus, |_| 2))),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let plan = b["inboundPlanId"].as_str().unwrap().to_string();
    let op = b["operationId"].as_str().unwrap().to_string();
    api.advance(10.0).await;
    let st = api.operation(&op).await;
    assert_eq!(st["operationStatus"], "FAILED");
    assert_eq!(st["operationProblems"][0]["code"], "FBA_INB_0115");
    assert_eq!(
        api.get("getInboundPlan", &format!("{path}/{plan}")).await["status"],
        "ERRORED"
    );
    let m = api
        .refused(
            "generatePackingOptions",
            Method::POST,
            &format!("{path}/{plan}/packingOptions"),
            None,
        )
        .await;
    assert!(m.contains("failed to be created"), "{m}");

    // Prep details set by the seller change what createInboundPlan asks for.
    let id = api
        .start(
            "setPrepDetails",
            Method::POST,
            &format!("{BASE}/items/prepDetails"),
            Some(
                json!({"marketplaceId": US, "mskuPrepDetails": [{"msku": skus[1].0,
                "prepCategory": "FRAGILE", "prepTypes": ["ITEM_BUBBLEWRAP"]}]}),
            ),
        )
        .await;
    api.advance(10.0).await;
    assert_eq!(api.operation(&id).await["operationStatus"], "SUCCESS");
    let b = api
        .get(
            "listPrepDetails",
            &format!(
                "{BASE}/items/prepDetails?marketplaceId={US}&mskus={}",
                enc(&skus[1].0)
            ),
        )
        .await;
    assert_eq!(b["mskuPrepDetails"][0]["prepCategory"], "FRAGILE");
    assert_eq!(
        b["mskuPrepDetails"][0]["prepTypes"],
        json!(["ITEM_BUBBLEWRAP"])
    );
    let mut none = items(&skus[1..], |_| 1);
    none[0]["prepOwner"] = json!("NONE");
    let m = api
        .refused("createInboundPlan", Method::POST, &path, Some(create(none)))
        .await;
    assert!(m.contains("needs prep"), "{m}");

    // Compliance details.
    let id = api
        .start(
            "updateItemComplianceDetails",
            Method::PUT,
            &format!("{BASE}/items/compliance?marketplaceId={US}"),
            Some(json!({"msku": skus[0].0, "taxDetails": {"hsnCode": "8471", "declaredValue": {"amount": 12.5, "code": "USD"}}})),
        )
        .await;
    api.advance(10.0).await;
    assert_eq!(api.operation(&id).await["operationStatus"], "SUCCESS");
    let b = api
        .get(
            "listItemComplianceDetails",
            &format!(
                "{BASE}/items/compliance?marketplaceId={US}&mskus={}",
                enc(&skus[0].0)
            ),
        )
        .await;
    assert_eq!(b["complianceDetails"][0]["taxDetails"]["hsnCode"], "8471");
    assert_eq!(b["complianceDetails"][0]["asin"], skus[0].1.as_str());

    // Eligibility from the catalog.
    let b = api
        .get(
            "getItemEligibilityPreview",
            &format!("/fba/inbound/v1/eligibility/itemPreview?asin={}&program=INBOUND&marketplaceIds={US}", skus[0].1),
        )
        .await;
    assert_eq!(b["payload"]["asin"], skus[0].1.as_str());
    assert_eq!(b["payload"]["program"], "INBOUND");
    assert_eq!(b["payload"]["marketplaceId"], US);
    let b = api
        .get(
            "getItemEligibilityPreview",
            &format!("/fba/inbound/v1/eligibility/itemPreview?asin=B0NOSUCH00&program=INBOUND&marketplaceIds={US}"),
        )
        .await;
    assert_eq!(b["payload"]["isEligibleForProgram"], false);
    assert_eq!(
        b["payload"]["ineligibilityReasonList"],
        json!(["FBA_INB_0017"])
    );
    let (s, b) = api
        .call(
            "getItemEligibilityPreview",
            Method::GET,
            &format!(
                "/fba/inbound/v1/eligibility/itemPreview?asin={}&program=INBOUND",
                skus[0].1
            ),
            None,
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let b = api
        .get(
            "getItemEligibilityPreview",
            &format!(
                "/fba/inbound/v1/eligibility/itemPreview?asin={}&program=COMMINGLING",
                skus[0].1
            ),
        )
        .await;
    assert!(b["payload"].get("marketplaceId").is_none(), "{b}");

    // Self-ship appointments do not exist in the US.
    let (s, b) = api
        .call(
            "createInboundPlan",
            Method::POST,
            &path,
            Some(create(items(&skus[..1], |_| 1))),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let plan = b["inboundPlanId"].as_str().unwrap();
    let m = api
        .refused(
            "getSelfShipAppointmentSlots",
            Method::GET,
            &format!(
                "{path}/{plan}/shipments/sh{}/selfShipAppointmentSlots",
                uuid::Uuid::new_v4()
            ),
            None,
        )
        .await;
    assert!(m.contains("not supported"), "{m}");
}

/// A plan of 200 SKUs across 3 shipments, from creation to CLOSED (wall time printed).
#[tokio::test]
async fn a_plan_of_200_skus_goes_to_closed_across_three_shipments() {
    let (w, skus) = world(StoreConfig::SqliteMemory, 600, 200).await;
    let api = Api::new(&w).await;
    let started = std::time::Instant::now();
    let (s, b) = api
        .call(
            "createInboundPlan",
            Method::POST,
            &format!("{BASE}/inboundPlans"),
            Some(
                json!({"destinationMarketplaces": [US], "sourceAddress": address(),
                "items": items(&skus, |_| 4)}),
            ),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let pp = format!(
        "{BASE}/inboundPlans/{}",
        b["inboundPlanId"].as_str().unwrap()
    );
    api.advance(10.0).await;
    api.run(
        "generatePackingOptions",
        Method::POST,
        &format!("{pp}/packingOptions"),
        None,
    )
    .await;
    let b = api
        .get("listPackingOptions", &format!("{pp}/packingOptions"))
        .await;
    let po = b["packingOptions"][0]["packingOptionId"]
        .as_str()
        .unwrap()
        .to_string();
    let pg = b["packingOptions"][0]["packingGroups"][0]
        .as_str()
        .unwrap()
        .to_string();
    api.run(
        "confirmPackingOption",
        Method::POST,
        &format!("{pp}/packingOptions/{po}/confirmation"),
        None,
    )
    .await;
    let boxes: Vec<Value> = skus.iter().map(|(s, _, _)| a_box(s, 4, 1)).collect();
    api.run(
        "setPackingInformation",
        Method::POST,
        &format!("{pp}/packingInformation"),
        Some(json!({"packageGroupings": [{"packingGroupId": pg, "boxes": boxes}]})),
    )
    .await;
    api.run(
        "generatePlacementOptions",
        Method::POST,
        &format!("{pp}/placementOptions"),
        Some(json!({})),
    )
    .await;
    let b = api
        .get("listPlacementOptions", &format!("{pp}/placementOptions"))
        .await;
    let pl = b["placementOptions"][0]["placementOptionId"]
        .as_str()
        .unwrap()
        .to_string();
    let shipments: Vec<String> = b["placementOptions"][0]["shipmentIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    assert_eq!(shipments.len(), 3);
    api.run(
        "confirmPlacementOption",
        Method::POST,
        &format!("{pp}/placementOptions/{pl}/confirmation"),
        None,
    )
    .await;
    let configs: Vec<Value> = shipments
        .iter()
        .map(|s| json!({"shipmentId": s, "readyToShipWindow": {"start": "2025-06-03T00:00:00Z"}}))
        .collect();
    api.run(
        "generateTransportationOptions",
        Method::POST,
        &format!("{pp}/transportationOptions"),
        Some(json!({"placementOptionId": pl, "shipmentTransportationConfigurations": configs})),
    )
    .await;
    let b = api
        .get(
            "listTransportationOptions",
            &format!("{pp}/transportationOptions?placementOptionId={pl}&pageSize=20"),
        )
        .await;
    let selections: Vec<Value> = shipments
        .iter()
        .map(|s| {
            let o = b["transportationOptions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| {
                    o["shipmentId"] == s.as_str()
                        && o["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"
                })
                .unwrap();
            json!({"shipmentId": s, "transportationOptionId": o["transportationOptionId"]})
        })
        .collect();
    api.run(
        "confirmTransportationOptions",
        Method::POST,
        &format!("{pp}/transportationOptions/confirmation"),
        Some(json!({"transportationSelections": selections})),
    )
    .await;
    api.advance(6.0 * 86400.0).await;
    for s in &shipments {
        assert_eq!(
            api.get("getShipment", &format!("{pp}/shipments/{s}")).await["status"],
            "CLOSED"
        );
    }
    let b = api
        .get("listInboundPlanBoxes", &format!("{pp}/boxes?pageSize=1000"))
        .await;
    assert_eq!(b["boxes"].as_array().unwrap().len(), 200);
    let s = stock(&w, &skus[199].0).await;
    assert_eq!(s["inbound_receiving"], 0);
    eprintln!(
        "200 SKUs, 3 shipments, create to CLOSED: {:?} of wall time",
        started.elapsed()
    );
}
