//! FBA Inventory v1 over real HTTP, on SQLite and PostgreSQL: items seeded with
//! createInventoryItem / addInventory, stock moved through the control plane (receipts,
//! damage, units missing and found, inbound shipments), getInventorySummaries with its filters
//! and expiring pages, deleteInventoryItem; the ledger sums to the summaries, no quantity is
//! negative, and every response conforms to the model (every notification to its schema).

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;
use std::collections::BTreeMap;
use std::time::Duration;

const MODEL: &str = "models/fba-inventory-api-model/fbaInventory.json";
const NOTIFICATIONS: &str = "models/notifications-api-model/notifications.json";
const FBA_SCHEMA: &str = "schemas/notifications/FBAInventoryAvailabilityChangeNotification.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const UK: &str = "A1F83G8C2ARO7P";
const ARN: &str = "arn:aws:sqs:us-east-1:123456789012:spapi-fba";
const SUMMARIES: &str = "/fba/inventory/v1/summaries";

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
    async fn call(
        &self,
        op: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        idempotency: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .w
            .http
            .request(method, format!("{}{path}", self.w.base))
            .header("x-amz-access-token", &self.token);
        if let Some(t) = idempotency {
            req = req.header("x-amzn-idempotency-token", t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
        assert!(status < 500, "{op} {path}: {status} {body}");
        let model = if op.contains("Subscription") || op.contains("Destination") {
            NOTIFICATIONS
        } else {
            MODEL
        };
        conforms(model, op, status, &body);
        (status, body)
    }

    async fn summaries(&self, query: &str) -> (u16, Value) {
        self.call(
            "getInventorySummaries",
            Method::GET,
            &format!("{SUMMARIES}?{query}"),
            None,
            None,
        )
        .await
    }

    /// A page that must succeed: its summaries.
    async fn page(&self, query: &str) -> (Vec<Value>, Option<String>) {
        let (s, b) = self.summaries(query).await;
        assert_eq!(s, 200, "{query}: {b}");
        assert_eq!(
            b["payload"]["granularity"]["granularityType"],
            "Marketplace"
        );
        assert_eq!(b["payload"]["granularity"]["granularityId"], US);
        let list = b["payload"]["inventorySummaries"]
            .as_array()
            .unwrap()
            .clone();
        let next = b["pagination"]["nextToken"].as_str().map(str::to_string);
        (list, next)
    }

    async fn create(&self, sku: &str, marketplace: &str, name: &str) -> (u16, Value) {
        self.call(
            "createInventoryItem",
            Method::POST,
            "/fba/inventory/v1/items",
            Some(json!({"sellerSku": sku, "marketplaceId": marketplace, "productName": name})),
            None,
        )
        .await
    }

    async fn add(&self, token: Option<&str>, items: Value) -> (u16, Value) {
        self.call(
            "addInventory",
            Method::POST,
            "/fba/inventory/v1/items/inventory",
            Some(json!({"inventoryItems": items})),
            token,
        )
        .await
    }

    async fn delete(&self, sku: &str) -> (u16, Value) {
        self.call(
            "deleteInventoryItem",
            Method::DELETE,
            &format!("/fba/inventory/v1/items/{sku}?marketplaceId={US}"),
            None,
            None,
        )
        .await
    }
}

fn base(query: &str) -> String {
    let q = format!("granularityType=Marketplace&granularityId={US}&marketplaceIds={US}");
    if query.is_empty() {
        q
    } else {
        format!("{q}&{query}")
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
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

async fn movement(w: &World, sku: &str, kind: &str, body: Value) -> Value {
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/fba-stock/{sku}/{kind}", w.seller_id),
            Some(body),
        )
        .await;
    assert_eq!(s, 200, "{kind} {sku}: {b}");
    b
}

async fn ledger(w: &World, sku: &str) -> Vec<Value> {
    let (s, b) = w
        .control(
            Method::GET,
            &format!(
                "/sellers/{}/fba-ledger?marketplace_id={US}&sku={}",
                w.seller_id,
                enc(sku)
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    b["entries"].as_array().unwrap().clone()
}

/// The units of a SKU's ledger per disposition.
async fn ledger_sums(w: &World, sku: &str) -> BTreeMap<String, i64> {
    let mut sums = BTreeMap::new();
    for e in ledger(w, sku).await {
        *sums
            .entry(e["disposition"].as_str().unwrap().to_string())
            .or_insert(0) += e["quantity"].as_i64().unwrap();
    }
    sums
}

fn q(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not a quantity: {v}"))
}

/// Checks a detailed summary's invariants (no negative quantity, totals are the sums of their
/// parts) and that its SKU's ledger sums to it.
async fn check_invariants(w: &World, s: &Value) {
    let d = &s["inventoryDetails"];
    let r = &d["reservedQuantity"];
    let x = &d["researchingQuantity"];
    let u = &d["unfulfillableQuantity"];
    let reserved = q(&r["pendingCustomerOrderQuantity"])
        + q(&r["pendingTransshipmentQuantity"])
        + q(&r["fcProcessingQuantity"]);
    assert_eq!(q(&r["totalReservedQuantity"]), reserved, "{s}");
    let researching: i64 = x["researchingQuantityBreakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| q(&e["quantity"]))
        .sum();
    assert_eq!(q(&x["totalResearchingQuantity"]), researching, "{s}");
    let parts = [
        "customerDamagedQuantity",
        "warehouseDamagedQuantity",
        "distributorDamagedQuantity",
        "carrierDamagedQuantity",
        "defectiveQuantity",
        "expiredQuantity",
    ];
    let unfulfillable: i64 = parts.iter().map(|p| q(&u[*p])).sum();
    assert_eq!(q(&u["totalUnfulfillableQuantity"]), unfulfillable, "{s}");
    let inbound = q(&d["inboundWorkingQuantity"])
        + q(&d["inboundShippedQuantity"])
        + q(&d["inboundReceivingQuantity"]);
    let fulfillable = q(&d["fulfillableQuantity"]);
    assert_eq!(
        q(&s["totalQuantity"]),
        fulfillable + reserved + researching + unfulfillable + inbound,
        "{s}"
    );
    for v in [
        fulfillable,
        reserved,
        researching,
        unfulfillable,
        q(&d["inboundWorkingQuantity"]),
        q(&d["inboundShippedQuantity"]),
        q(&d["inboundReceivingQuantity"]),
    ] {
        assert!(v >= 0, "{s}");
    }
    // The ledger: SELLABLE is what is on the shelf (fulfillable and reserved), each damaged
    // disposition its bucket; researching units left it with reason M and come back with F.
    let sku = s["sellerSku"].as_str().unwrap();
    let sums = ledger_sums(w, sku).await;
    let sum = |k: &str| sums.get(k).copied().unwrap_or(0);
    assert_eq!(sum("SELLABLE"), fulfillable + reserved, "{sku}: {sums:?}");
    for (disposition, part) in [
        "CUSTOMER_DAMAGED",
        "WAREHOUSE_DAMAGED",
        "DISTRIBUTOR_DAMAGED",
        "CARRIER_DAMAGED",
        "DEFECTIVE",
        "EXPIRED",
    ]
    .iter()
    .zip(parts)
    {
        assert_eq!(
            sum(disposition),
            q(&u[part]),
            "{sku} {disposition}: {sums:?}"
        );
    }
    let entries = ledger(w, sku).await;
    let missing_and_found: i64 = entries
        .iter()
        .filter(|e| e["reason"] == "M" || e["reason"] == "F")
        .map(|e| q(&e["quantity"]))
        .sum();
    assert_eq!(-missing_and_found, researching, "{sku}: {entries:#?}");
}

async fn detail(api: &Api<'_>, sku: &str) -> Value {
    let (list, _) = api
        .page(&base(&format!("details=true&sellerSku={}", enc(sku))))
        .await;
    assert_eq!(list.len(), 1, "{sku}: {list:#?}");
    check_invariants(api.w, &list[0]).await;
    list[0].clone()
}

/// The FBA_INVENTORY_AVAILABILITY_CHANGES envelopes delivered, once there are at least `n`.
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
        token: w.access_token().await,
    };
    let grantless = Api {
        w: &w,
        token: w.grantless_token("sellingpartnerapi::notifications").await,
    };
    let (s, b) = grantless
        .call(
            "createDestination",
            Method::POST,
            "/notifications/v1/destinations",
            Some(json!({"name": "fba", "resourceSpecification": {"sqs": {"arn": ARN}}})),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let destination = b["payload"]["destinationId"].as_str().unwrap().to_string();
    let (s, b) = api
        .call(
            "createSubscription",
            Method::POST,
            "/notifications/v1/subscriptions/FBA_INVENTORY_AVAILABILITY_CHANGES",
            Some(json!({"payloadVersion": "1.0", "destinationId": destination})),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let subscription = b["payload"]["subscriptionId"].as_str().unwrap().to_string();

    // Seeding: 55 items, created in a shuffled order (pages come by SKU).
    let mut skus: Vec<String> = (0..55).map(|i| format!("FBA-{i:03}")).collect();
    skus.reverse();
    for sku in &skus {
        let (s, b) = api.create(sku, US, &format!("Item {sku}")).await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b, json!({}));
    }
    skus.sort();
    let (s, b) = api.create("FBA-000", US, "Again").await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (400, Some("InvalidInput")),
        "{b}"
    );
    for (sku, mp, name) in [
        ("NEW-1", "NOTAMARKETPLACE", "x"),
        ("NEW-1", UK, "x"),
        ("", US, "x"),
        ("NEW-1", US, " "),
    ] {
        let (s, b) = api.create(sku, mp, name).await;
        assert_eq!(s, 400, "{sku} {mp} {name:?}: {b}");
        assert_eq!(b["errors"][0]["code"], "InvalidInput", "{b}");
    }

    // addInventory: the same token twice adds once; another request with it is refused.
    let items = json!([
        {"sellerSku": "FBA-000", "marketplaceId": US, "quantity": 10},
        {"sellerSku": "FBA-001", "marketplaceId": US, "quantity": 5},
    ]);
    for _ in 0..2 {
        let (s, b) = api.add(Some("seed-1"), items.clone()).await;
        assert_eq!((s, &b), (200, &json!({})));
    }
    let (s, b) = api
        .add(
            Some("seed-1"),
            json!([{"sellerSku": "FBA-000", "marketplaceId": US, "quantity": 11}]),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    // One unknown SKU: nothing of the request is added (and its token stays unused).
    let (s, b) = api
        .add(
            Some("seed-2"),
            json!([
                {"sellerSku": "FBA-002", "marketplaceId": US, "quantity": 4},
                {"sellerSku": "NO-SUCH-SKU", "marketplaceId": US, "quantity": 1},
            ]),
        )
        .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (404, Some("NotFound")),
        "{b}"
    );
    for bad in [
        json!([{"sellerSku": "FBA-002", "marketplaceId": US, "quantity": 0}]),
        json!([{"sellerSku": "FBA-002", "marketplaceId": UK, "quantity": 1}]),
        json!([]),
    ] {
        let (s, b) = api.add(Some("seed-3"), bad.clone()).await;
        assert_eq!(s, 400, "{bad}: {b}");
    }
    let (s, b) = api.add(None, items.clone()).await;
    assert_eq!(s, 400, "no idempotency token: {b}");
    let (s, b) = api
        .add(
            Some("seed-2"),
            json!([{"sellerSku": "FBA-002", "marketplaceId": US, "quantity": 4}]),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    let d = detail(&api, "FBA-000").await;
    assert_eq!(d["inventoryDetails"]["fulfillableQuantity"], 10, "{d}");
    assert_eq!(d["totalQuantity"], 10);
    assert_eq!(d["productName"], "Item FBA-000");
    assert_eq!(d["condition"], "NewItem");
    assert!(d["fnSku"].as_str().unwrap().starts_with("X00"), "{d}");
    assert_eq!(detail(&api, "FBA-001").await["totalQuantity"], 5);
    assert_eq!(detail(&api, "FBA-002").await["totalQuantity"], 4);

    // Pages of 50 by SKU, without details unless asked.
    let (first, next) = api.page(&base("")).await;
    assert_eq!(first.len(), 50);
    let got: Vec<&str> = first
        .iter()
        .map(|s| s["sellerSku"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        skus[..50].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(first.iter().all(|s| s.get("inventoryDetails").is_none()));
    let token = next.expect("a second page");
    advance(&w, 10.0).await;
    let (second, last) = api
        .page(&base(&format!("details=true&nextToken={}", enc(&token))))
        .await;
    assert_eq!(second.len(), 5);
    assert_eq!(second[0]["sellerSku"], "FBA-050");
    assert!(last.is_none());
    for s in &second {
        check_invariants(&w, s).await;
    }
    // The token with other filters, mangled, or older than 30 seconds.
    let (s, b) = api
        .summaries(&base(&format!(
            "sellerSku=FBA-001&nextToken={}",
            enc(&token)
        )))
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .summaries(&base(&format!(
            "nextToken={}",
            enc(&token[..token.len() - 3])
        )))
        .await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (400, Some("InvalidInput")),
        "{b}"
    );
    advance(&w, 21.0).await;
    let (s, b) = api
        .summaries(&base(&format!("nextToken={}", enc(&token))))
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidInput");
    assert_eq!(
        b["errors"][0]["message"],
        "Next token is invalid or expired"
    );

    // sellerSkus wins over sellerSku.
    let (list, _) = api
        .page(&base("sellerSkus=FBA-002,FBA-001&sellerSku=FBA-000"))
        .await;
    let got: Vec<&str> = list
        .iter()
        .map(|s| s["sellerSku"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["FBA-001", "FBA-002"]);
    let (list, _) = api.page(&base("sellerSku=FBA-003")).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["totalQuantity"], 0);
    let (list, _) = api.page(&base("sellerSku=NOPE")).await;
    assert!(list.is_empty());

    // The stock moves at Amazon: an inbound shipment is received, units are damaged, go
    // missing, and some are found 12 days later.
    movement(
        &w,
        "FBA-000",
        "inbound",
        json!({"working": 3, "shipped": 2, "receiving": 4}),
    )
    .await;
    let after = movement(&w, "FBA-000", "receipt", json!({"quantity": 4})).await;
    assert_eq!(after["fulfillable"], 14, "{after}");
    assert_eq!(after["inbound_receiving"], 0, "{after}");
    movement(
        &w,
        "FBA-000",
        "damage",
        json!({"quantity": 2, "disposition": "WAREHOUSE_DAMAGED"}),
    )
    .await;
    movement(
        &w,
        "FBA-000",
        "damage",
        json!({"quantity": 1, "disposition": "CUSTOMER_DAMAGED"}),
    )
    .await;
    movement(&w, "FBA-000", "missing", json!({"quantity": 3})).await;
    advance(&w, 12.0 * 86_400.0).await;
    // Access tokens live an hour of the clock.
    let api = Api {
        w: &w,
        token: w.access_token().await,
    };
    movement(&w, "FBA-000", "found", json!({"quantity": 1})).await;
    let d = detail(&api, "FBA-000").await;
    let inv = &d["inventoryDetails"];
    assert_eq!(inv["fulfillableQuantity"], 9, "{d}");
    assert_eq!(inv["inboundWorkingQuantity"], 3);
    assert_eq!(inv["inboundShippedQuantity"], 2);
    assert_eq!(inv["inboundReceivingQuantity"], 0);
    assert_eq!(inv["unfulfillableQuantity"]["warehouseDamagedQuantity"], 2);
    assert_eq!(inv["unfulfillableQuantity"]["customerDamagedQuantity"], 1);
    assert_eq!(inv["researchingQuantity"]["totalResearchingQuantity"], 2);
    assert_eq!(
        inv["researchingQuantity"]["researchingQuantityBreakdown"],
        json!([
            {"name": "researchingQuantityInShortTerm", "quantity": 0},
            {"name": "researchingQuantityInMidTerm", "quantity": 2},
            {"name": "researchingQuantityInLongTerm", "quantity": 0},
        ])
    );
    assert_eq!(d["totalQuantity"], 9 + 3 + 2 + 3 + 2);
    // Movements the stock does not have are refused, and change nothing.
    for (kind, body) in [
        ("missing", json!({"quantity": 100})),
        ("found", json!({"quantity": 3})),
        ("damage", json!({"quantity": 1})),
        ("damage", json!({"quantity": 1, "disposition": "SCRATCHED"})),
        ("receipt", json!({"quantity": -1})),
        ("teleport", json!({"quantity": 1})),
    ] {
        let (s, b) = w
            .control(
                Method::POST,
                &format!("/sellers/{}/fba-stock/FBA-000/{kind}", w.seller_id),
                Some(body.clone()),
            )
            .await;
        assert!(s == 400 || s == 404, "{kind} {body}: {s} {b}");
    }
    assert_eq!(detail(&api, "FBA-000").await, d);

    // startDateTime: changes after it, whatever sellerSku(s) say; inbound changes do not count.
    let start = now(&w).await;
    advance(&w, 1.0).await;
    movement(&w, "FBA-001", "inbound", json!({"working": 7})).await;
    movement(&w, "FBA-002", "missing", json!({"quantity": 1})).await;
    let (list, _) = api
        .page(&base(&format!(
            "details=true&startDateTime={}&sellerSku=FBA-001",
            enc(&start)
        )))
        .await;
    let got: Vec<&str> = list
        .iter()
        .map(|s| s["sellerSku"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["FBA-002"]);
    assert_eq!(detail(&api, "FBA-001").await["totalQuantity"], 5 + 7);

    // Stock set elsewhere (the control plane's stock setter, as orders and feeds write the
    // listing) reaches the ledger through listing_changed.
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/fba-inventory", w.seller_id),
            Some(json!({"sku": "FBA-003", "marketplace_id": US, "fulfillable": 20})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/fba-inventory", w.seller_id),
            Some(json!({"sku": "FBA-003", "marketplace_id": US, "fulfillable": 18})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let events: Vec<(String, i64)> = ledger(&w, "FBA-003")
        .await
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap().to_string(),
                q(&e["quantity"]),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("Receipts".to_string(), 20),
            ("Adjustments".to_string(), -2)
        ]
    );
    assert_eq!(detail(&api, "FBA-003").await["totalQuantity"], 18);

    // deleteInventoryItem: units on hand leave the ledger, the SKU is gone.
    movement(&w, "FBA-054", "receipt", json!({"quantity": 6})).await;
    movement(
        &w,
        "FBA-054",
        "damage",
        json!({"quantity": 1, "disposition": "EXPIRED"}),
    )
    .await;
    detail(&api, "FBA-054").await;
    let (s, b) = api.delete("FBA-054").await;
    assert_eq!((s, &b), (200, &json!({})));
    assert!(ledger_sums(&w, "FBA-054").await.values().all(|v| *v == 0));
    let (list, _) = api.page(&base("sellerSku=FBA-054")).await;
    assert!(list.is_empty());
    let (s, b) = api.delete("FBA-054").await;
    assert_eq!(
        (s, b["errors"][0]["code"].as_str()),
        (404, Some("NotFound")),
        "{b}"
    );

    // Bad requests, as the model and Amazon answer them.
    let two = format!("granularityType=Marketplace&granularityId={US}&marketplaceIds={US},{UK}");
    let many: Vec<String> = (0..51).map(|i| format!("S{i}")).collect();
    for query in [
        two,
        format!("granularityType=Country&granularityId={US}&marketplaceIds={US}"),
        format!("granularityType=Marketplace&granularityId={UK}&marketplaceIds={US}"),
        format!("granularityType=Marketplace&granularityId={UK}&marketplaceIds={UK}"),
        format!("granularityId={US}&marketplaceIds={US}"),
        base("startDateTime=yesterday"),
        base("startDateTime=2020-01-01T00:00:00Z"),
        base(&format!("sellerSkus={}", many.join(","))),
        base("details=maybe"),
    ] {
        let (s, b) = api.summaries(&query).await;
        assert_eq!(s, 400, "{query}: {b}");
        assert_eq!(b["errors"][0]["code"], "InvalidInput", "{query}: {b}");
    }

    // Every summary keeps the invariants.
    let (list, next) = api.page(&base("details=true")).await;
    for s in &list {
        check_invariants(&w, s).await;
    }
    let (rest, _) = api
        .page(&base(&format!(
            "details=true&nextToken={}",
            enc(&next.unwrap())
        )))
        .await;
    for s in &rest {
        check_invariants(&w, s).await;
    }
    assert_eq!(list.len() + rest.len(), 54);

    // Every movement of fulfillable units told the seller, in Amazon's notification shape:
    // 55 items created, 3 additions, 1 receipt, 2 damages, 1 missing, 1 found (FBA-000),
    // 1 missing (FBA-002), 2 stock settings (FBA-003), a receipt and a damage and the
    // deletion (FBA-054).
    let envs = delivered(&w, &subscription, 55 + 3 + 5 + 1 + 2 + 2).await;
    for e in &envs {
        assert_eq!(e["NotificationType"], "FBA_INVENTORY_AVAILABILITY_CHANGES");
        if let Some(c) = spapi_conformance::Conformance::global()
            && let Err(err) = spapi_conformance::validate_schema_file(c.dir(), FBA_SCHEMA, e)
        {
            panic!("envelope does not conform: {err:#?}\n{e:#}");
        }
    }
}

#[tokio::test]
async fn fba_inventory_is_seeded_moved_and_summarized() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn fba_inventory_is_seeded_moved_and_summarized_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
