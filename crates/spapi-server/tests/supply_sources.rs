//! Supply Sources 2020-07-01 over real HTTP: a seller creates, lists, reads, updates,
//! (de)activates and archives its supply sources; another seller sees none of them; bad
//! inputs are 400 and unknown ids 404, never 500. Every answer is checked against the
//! official model. The scenario runs on SQLite and on PostgreSQL.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::store::StoreConfig;

const MODEL: &str = "models/supply-sources-api-model/supplySources_2020-07-01.json";
const BASE: &str = "/supplySources/2020-07-01/supplySources";

fn conforms(op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(MODEL, op, status, body);
    }
}

/// A seller authorized for the world's app; its access token.
async fn other_seller(w: &World) -> String {
    let (status, created) = w
        .control(
            Method::POST,
            "/sellers",
            Some(json!({"name": "Other Shop",
                "email": format!("{}@example.com", uuid::Uuid::new_v4()),
                "password": "a good password", "region": "NA", "marketplace_ids": []})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["selling_partner_id"].as_str().unwrap().to_string();
    let (status, auth) = w
        .control(
            Method::POST,
            &format!("/sellers/{id}/authorizations"),
            Some(json!({"application_id": w.application_id})),
        )
        .await;
    assert_eq!(status, 201, "{auth}");
    let (status, token) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", auth["refresh_token"].as_str().unwrap()),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(status, 200, "{token}");
    token["access_token"].as_str().unwrap().to_string()
}

/// Calls operation `op`; checks the answer against the model (an empty 204 is only checked
/// for its emptiness); status and JSON.
async fn call(
    w: &World,
    token: &str,
    op: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = w
        .http
        .request(method, format!("{}{path}", w.base))
        .header("x-amz-access-token", token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    if status == 204 {
        assert!(text.is_empty(), "{op}: 204 with a body: {text}");
        return (status, Value::Null);
    }
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{op}: {e}: {text}"));
    assert_ne!(status, 500, "{op}: {body}");
    conforms(op, status, &body);
    (status, body)
}

fn address(name: &str) -> Value {
    json!({"name": name, "addressLine1": "100 Main St", "city": "Seattle",
        "stateOrRegion": "WA", "postalCode": "98101", "countryCode": "US"})
}

async fn create(w: &World, token: &str, code: &str, alias: &str) -> (u16, Value) {
    call(
        w,
        token,
        "createSupplySource",
        Method::POST,
        BASE,
        Some(json!({"supplySourceCode": code, "alias": alias, "address": address(alias)})),
    )
    .await
}

fn error_of(body: &Value) -> (&str, &str, &str) {
    let e = &body["errors"][0];
    (
        e["code"].as_str().unwrap_or(""),
        e["message"].as_str().unwrap_or(""),
        e["details"].as_str().unwrap_or(""),
    )
}

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let token = w.access_token().await;
    let other = other_seller(&w).await;

    // An empty world: no sources, no token.
    let (s, b) = call(&w, &token, "getSupplySources", Method::GET, BASE, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["supplySources"], json!([]));
    assert!(b.get("nextPageToken").is_none());

    // Create: the id is a UUID, the code echoed; a new source is Inactive.
    let (s, b) = create(&w, &token, "SEA-1", "Seattle store").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["supplySourceCode"], "SEA-1");
    let id = b["supplySourceId"].as_str().unwrap().to_string();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let one = format!("{BASE}/{id}");
    let (s, b) = call(&w, &token, "getSupplySource", Method::GET, &one, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["supplySourceId"], id.as_str());
    assert_eq!(b["alias"], "Seattle store");
    assert_eq!(b["status"], "Inactive");
    assert_eq!(b["address"]["countryCode"], "US");
    assert!(b["createdAt"].as_str().unwrap().ends_with('Z'));

    // The code is unique per seller (Amazon's message and details), the alias too.
    let (s, b) = create(&w, &token, "SEA-1", "Another alias").await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(
        error_of(&b),
        (
            "InvalidInput",
            "Supply Source with given Code already exists",
            "1004"
        )
    );
    let (s, b) = create(&w, &token, "SEA-2", "Seattle store").await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(error_of(&b).0, "InvalidInput");
    // Another seller may use the same code and alias.
    let (s, b) = create(&w, &other, "SEA-1", "Seattle store").await;
    assert_eq!(s, 200, "{b}");
    let others_id = b["supplySourceId"].as_str().unwrap().to_string();

    // Bad create bodies: missing fields, empty values, a bad country.
    for body in [
        json!({"alias": "x", "address": address("x")}),
        json!({"supplySourceCode": "X", "address": address("x")}),
        json!({"supplySourceCode": "X", "alias": "x"}),
        json!({"supplySourceCode": "  ", "alias": "x", "address": address("x")}),
        json!({"supplySourceCode": "X", "alias": "", "address": address("x")}),
        json!({"supplySourceCode": "X", "alias": "x",
            "address": {"name": "x", "addressLine1": "1 St", "stateOrRegion": "WA", "countryCode": "USA"}}),
        json!({"supplySourceCode": "X", "alias": "x",
            "address": {"name": "x", "stateOrRegion": "WA", "countryCode": "US"}}),
    ] {
        let (s, b) = call(
            &w,
            &token,
            "createSupplySource",
            Method::POST,
            BASE,
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(error_of(&b).0, "InvalidInput", "{body}: {b}");
    }

    // Update: configuration (operating hours, handling time, timezone) and capabilities.
    let configuration = json!({
        "operationalConfiguration": {
            "contactDetails": {"primary": {"email": "store@example.com", "phone": "+1 206 555 0100"}},
            "throughputConfig": {"throughputCap": {"value": 100, "timeUnit": "Days"}, "throughputUnit": "Order"},
            "operatingHoursByDay": {
                "monday": [{"startTime": "08:00", "endTime": "12:00"}, {"startTime": "13:00", "endTime": "20:00"}],
                "sunday": []
            },
            "handlingTime": {"value": 2, "timeUnit": "Hours"}
        },
        "timezone": "America/Los_Angeles"
    });
    let capabilities = json!({
        "outbound": {
            "isSupported": true,
            "deliveryChannel": {"isSupported": true},
            "pickupChannel": {
                "isSupported": true,
                "inventoryHoldPeriod": {"value": 3, "timeUnit": "Days"},
                "inStorePickupConfiguration": {"isSupported": true, "parkingConfiguration":
                    {"parkingCostType": "Free", "parkingSpotIdentificationType": "Numbered", "numberOfParkingSpots": 4}},
                "curbsidePickupConfiguration": {"isSupported": false}
            }
        },
        "services": {"isSupported": false}
    });
    let (s, b) = call(
        &w,
        &token,
        "updateSupplySource",
        Method::PUT,
        &one,
        Some(
            json!({"alias": "Seattle flagship", "configuration": configuration,
            "capabilities": capabilities}),
        ),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = call(&w, &token, "getSupplySource", Method::GET, &one, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["alias"], "Seattle flagship");
    assert_eq!(b["configuration"], configuration);
    assert_eq!(b["capabilities"], capabilities);
    // Only what the body carries changes.
    let (s, b) = call(
        &w,
        &token,
        "updateSupplySource",
        Method::PUT,
        &one,
        Some(json!({"alias": "Seattle store"})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (_, b) = call(&w, &token, "getSupplySource", Method::GET, &one, None).await;
    assert_eq!(b["alias"], "Seattle store");
    assert_eq!(b["configuration"], configuration);

    // Bad updates: hours, timezone, negative durations, bad enums, a bad email.
    let hours = |h: Value| json!({"configuration": {"operationalConfiguration": {"operatingHoursByDay": {"friday": h}}}});
    for body in [
        hours(json!([{"startTime": "18:00", "endTime": "09:00"}])),
        hours(json!([{"startTime": "25:00", "endTime": "26:00"}])),
        hours(json!([{"startTime": "9am", "endTime": "17:00"}])),
        hours(json!([{"startTime": "09:00"}])),
        hours(
            json!([{"startTime": "09:00", "endTime": "13:00"}, {"startTime": "12:00", "endTime": "17:00"}]),
        ),
        json!({"configuration": {"timezone": "Mars/Olympus"}}),
        json!({"configuration": {"operationalConfiguration": {"handlingTime": {"value": -1, "timeUnit": "Hours"}}}}),
        json!({"configuration": {"operationalConfiguration": {"handlingTime": {"value": 1, "timeUnit": "Weeks"}}}}),
        json!({"configuration": {"operationalConfiguration": {"contactDetails": {"primary": {"email": "not-an-email"}}}}}),
        json!({"capabilities": {"outbound": {"pickupChannel": {"inStorePickupConfiguration":
            {"parkingConfiguration": {"numberOfParkingSpots": -2}}}}}}),
        json!({"capabilities": {"outbound": {"pickupChannel": {"inStorePickupConfiguration":
            {"parkingConfiguration": {"parkingCostType": "Expensive"}}}}}}),
        json!({"alias": ""}),
        json!({"alias": 5}),
    ] {
        let (s, b) = call(
            &w,
            &token,
            "updateSupplySource",
            Method::PUT,
            &one,
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(error_of(&b).0, "InvalidInput", "{body}: {b}");
    }

    // Status: Inactive -> Active -> Inactive; no body, no status or another value is 400.
    let status_path = format!("{one}/status");
    for (to, expect) in [
        ("Active", "Active"),
        ("Active", "Active"),
        ("Inactive", "Inactive"),
    ] {
        let (s, b) = call(
            &w,
            &token,
            "updateSupplySourceStatus",
            Method::PUT,
            &status_path,
            Some(json!({"status": to})),
        )
        .await;
        assert_eq!(s, 204, "{b}");
        let (_, b) = call(&w, &token, "getSupplySource", Method::GET, &one, None).await;
        assert_eq!(b["status"], expect);
    }
    for body in [
        None,
        Some(json!({})),
        Some(json!({"status": "Archived"})),
        Some(json!({"status": "Open"})),
    ] {
        let (s, b) = call(
            &w,
            &token,
            "updateSupplySourceStatus",
            Method::PUT,
            &status_path,
            body.clone(),
        )
        .await;
        assert_eq!(s, 400, "{body:?}: {b}");
        assert_eq!(error_of(&b).0, "InvalidInput", "{body:?}: {b}");
    }

    // Another seller can neither see nor change it; unknown ids are 404.
    let unknown = format!("{BASE}/{}", uuid::Uuid::new_v4());
    for (t, path) in [(&other, &one), (&token, &unknown)] {
        let (s, b) = call(&w, t, "getSupplySource", Method::GET, path, None).await;
        assert_eq!(s, 404, "{b}");
        assert_eq!(error_of(&b).0, "NotFound");
        let (s, b) = call(
            &w,
            t,
            "updateSupplySource",
            Method::PUT,
            path,
            Some(json!({"alias": "mine"})),
        )
        .await;
        assert_eq!(s, 404, "{b}");
        let (s, b) = call(
            &w,
            t,
            "updateSupplySourceStatus",
            Method::PUT,
            &format!("{path}/status"),
            Some(json!({"status": "Active"})),
        )
        .await;
        assert_eq!(s, 404, "{b}");
        let (s, b) = call(&w, t, "archiveSupplySource", Method::DELETE, path, None).await;
        assert_eq!(s, 404, "{b}");
    }
    let (_, b) = call(&w, &other, "getSupplySources", Method::GET, BASE, None).await;
    let ids: Vec<&str> = b["supplySources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["supplySourceId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![others_id.as_str()]);

    // Paging: 12 sources in all, pages of 5 in creation order through the one codec.
    let mut created = vec![id.clone()];
    for i in 2..=12 {
        let (s, b) = create(&w, &token, &format!("SRC-{i:02}"), &format!("Source {i}")).await;
        assert_eq!(s, 200, "{b}");
        created.push(b["supplySourceId"].as_str().unwrap().to_string());
    }
    let (_, b) = call(&w, &token, "getSupplySources", Method::GET, BASE, None).await;
    assert_eq!(
        b["supplySources"].as_array().unwrap().len(),
        10,
        "default page size"
    );
    assert!(b["nextPageToken"].is_string());
    let mut seen = vec![];
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = reqwest::Url::parse(&format!("{}{BASE}", w.base)).unwrap();
        url.query_pairs_mut().append_pair("pageSize", "5");
        if let Some(t) = &next {
            url.query_pairs_mut().append_pair("nextPageToken", t);
        }
        let path = format!("{BASE}?{}", url.query().unwrap());
        let (s, b) = call(&w, &token, "getSupplySources", Method::GET, &path, None).await;
        assert_eq!(s, 200, "{b}");
        pages += 1;
        for s in b["supplySources"].as_array().unwrap() {
            assert!(s["address"]["name"].is_string(), "{s}");
            seen.push(s["supplySourceId"].as_str().unwrap().to_string());
        }
        match b["nextPageToken"].as_str() {
            Some(t) => next = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);
    for path in [
        format!("{BASE}?nextPageToken=garbage"),
        format!("{BASE}?pageSize=0"),
        format!("{BASE}?pageSize=2.5"),
    ] {
        let (s, b) = call(&w, &token, "getSupplySources", Method::GET, &path, None).await;
        assert_eq!(s, 400, "{path}: {b}");
        assert_eq!(error_of(&b).0, "InvalidInput");
    }

    // Archive: final. It can still be read, is no longer listed, and refuses every change
    // with Amazon's message and details.
    let (s, b) = call(
        &w,
        &token,
        "archiveSupplySource",
        Method::DELETE,
        &one,
        None,
    )
    .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = call(&w, &token, "getSupplySource", Method::GET, &one, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "Archived");
    let archived = (
        "InvalidInput",
        "Supply Source has been archived and cannot be modified.",
        "1005",
    );
    for (op, method, path, body) in [
        (
            "updateSupplySourceStatus",
            Method::PUT,
            status_path.clone(),
            Some(json!({"status": "Active"})),
        ),
        (
            "updateSupplySource",
            Method::PUT,
            one.clone(),
            Some(json!({"alias": "back"})),
        ),
        ("archiveSupplySource", Method::DELETE, one.clone(), None),
    ] {
        let (s, b) = call(&w, &token, op, method, &path, body).await;
        assert_eq!(s, 400, "{op}: {b}");
        assert_eq!(error_of(&b), archived, "{op}");
    }
    let (_, b) = call(
        &w,
        &token,
        "getSupplySources",
        Method::GET,
        &format!("{BASE}?pageSize=20"),
        None,
    )
    .await;
    let listed: Vec<&str> = b["supplySources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["supplySourceId"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 11);
    assert!(!listed.contains(&id.as_str()));
    // Its code stays taken; its alias is free again.
    let (s, b) = create(&w, &token, "SEA-1", "Seattle store").await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(error_of(&b).2, "1004");
    let (s, b) = create(&w, &token, "SEA-NEW", "Seattle store").await;
    assert_eq!(s, 200, "{b}");
}

#[tokio::test]
async fn supply_sources_lifecycle_paging_and_errors() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn supply_sources_lifecycle_paging_and_errors_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
