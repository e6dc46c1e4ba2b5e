//! Fault injection over real HTTP: errors for the next N calls or with a probability, added
//! latency, dropped connections and LWA token-endpoint faults, set through the control plane and
//! seen by a client (the `spapi-client` library, whose retries must get through) and in the
//! request log.

mod common;

use common::World;
use serde_json::{Value, json};
use spapi_client::model::orders_v0::params::GetOrders;
use spapi_client::retry::RetryPolicy;
use spapi_client::{Client, Endpoint};
use spapi_model::OPERATIONS;
use std::time::{Duration, Instant};

const ACCESS_TOKEN: &str = "x-amz-access-token";
const GET_ORDERS: &str =
    "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-01-01T00:00:00Z";

async fn control(
    w: &World,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    w.control(method, path, body).await
}

async fn add_fault(w: &World, rule: Value) -> Value {
    let (status, v) = control(w, reqwest::Method::POST, "/faults", Some(rule)).await;
    assert_eq!(status, 201, "{v}");
    v
}

async fn requests(w: &World, query: &str) -> Vec<Value> {
    let (status, v) = control(w, reqwest::Method::GET, &format!("/requests?{query}"), None).await;
    assert_eq!(status, 200, "{v}");
    v["requests"].as_array().unwrap().clone()
}

async fn get_orders(
    w: &World,
    token: &str,
) -> Result<(u16, reqwest::header::HeaderMap, Value), reqwest::Error> {
    let resp = w
        .http
        .get(format!("{}{GET_ORDERS}", w.base))
        .header(ACCESS_TOKEN, token)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await?;
    Ok((
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    ))
}

fn client(w: &World) -> Client {
    Client::builder(Endpoint::custom(w.base.clone()))
        .credentials(w.client_id.clone(), w.client_secret.clone())
        .refresh_token(w.refresh_token.clone())
        .selling_partner_id(w.seller_id.clone())
        .retry(RetryPolicy {
            max_retries: 5,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(100),
            jitter: false,
        })
        .build()
        .unwrap()
}

fn get_orders_params() -> GetOrders {
    GetOrders {
        marketplace_ids: vec!["ATVPDKIKX0DER".into()],
        created_after: Some("2025-01-01T00:00:00Z".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_next_three_get_orders_calls_answer_503_and_the_client_retries_through() {
    let w = World::start().await;
    let rule = add_fault(
        &w,
        json!({"operation": "getOrders", "error": {"status": 503, "code": "ServiceUnavailable"}, "times": 3}),
    )
    .await;
    assert_eq!(rule["remaining"], 3);
    assert_eq!(rule["target"], "sp-api");

    // The client library retries the 503s (getOrders is a GET) and gets the orders.
    let c = client(&w);
    let orders = c.orders_v0().get_orders(get_orders_params()).await;
    assert!(orders.is_ok(), "{orders:?}");

    // The rule is spent and gone; the log shows three 503s, then the answer.
    let (_, list) = control(&w, reqwest::Method::GET, "/faults", None).await;
    assert_eq!(list["faults"], json!([]));
    let log = requests(&w, "operation=getOrders").await;
    assert_eq!(log.len(), 4, "{log:?}");
    // Newest first.
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[0]["fault"], Value::Null);
    for e in &log[1..] {
        assert_eq!(e["status"], 503);
        assert_eq!(e["fault"], "error 503 ServiceUnavailable");
        assert_eq!(e["throttled"], false);
        assert_eq!(e["seller"], w.seller_id.as_str());
        assert_eq!(e["app"], w.application_id.as_str());
    }

    // What the client saw: Amazon's 503 envelope, no rate header.
    add_fault(
        &w,
        json!({"operation": "orders_v0.getOrders", "error": {"status": 503}, "times": 1}),
    )
    .await;
    let token = w.access_token().await;
    let (status, headers, body) = get_orders(&w, &token).await.unwrap();
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({"errors": [{"code": "ServiceUnavailable", "message": "Service temporarily unavailable. Please try again."}]})
    );
    assert!(!headers.contains_key("x-amzn-ratelimit-limit"));
    assert!(headers.contains_key("x-amzn-requestid"));
    if let Some(c) = spapi_conformance::Conformance::global() {
        let op = OPERATIONS
            .iter()
            .find(|o| o.operation_id == "getOrders")
            .unwrap();
        c.assert_conforms(op.model, "getOrders", 503, &body);
    }
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_same_scenario_with_raw_http_retries() {
    // The fault scenario without the client library: a plain retry loop.
    let w = World::start().await;
    add_fault(
        &w,
        json!({"operation": "getOrders", "error": {"status": 503}, "times": 3}),
    )
    .await;
    let token = w.access_token().await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let (status, _, _) = get_orders(&w, &token).await.unwrap();
        statuses.push(status);
        if status != 503 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(statuses[..3], [503, 503, 503]);
    assert_eq!(statuses.len(), 4);
    assert_ne!(statuses[3], 503);
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn rules_match_by_operation_seller_app_and_probability() {
    let w = World::start().await;
    let token = w.access_token().await;
    // Another seller's rule, another operation's rule and a rule that never fires.
    add_fault(
        &w,
        json!({"seller": "A2OTHERSELLER", "error": {"status": 500}}),
    )
    .await;
    add_fault(
        &w,
        json!({"operation": "getOrder", "error": {"status": 500}}),
    )
    .await;
    add_fault(
        &w,
        json!({"app": w.application_id, "error": {"status": 500}, "probability": 0.0}),
    )
    .await;
    for _ in 0..5 {
        let (status, _, body) = get_orders(&w, &token).await.unwrap();
        assert_ne!(status, 500, "{body}");
    }
    // A rule for this app with no count hits every call until removed.
    let rule = add_fault(
        &w,
        json!({"app": w.application_id, "error": {"status": 500, "code": "InternalFailure"}}),
    )
    .await;
    for _ in 0..3 {
        let (status, headers, body) = get_orders(&w, &token).await.unwrap();
        assert_eq!(status, 500);
        assert_eq!(body["errors"][0]["code"], "InternalFailure");
        assert!(!headers.contains_key("x-amzn-ratelimit-limit"));
    }
    let (_, list) = control(&w, reqwest::Method::GET, "/faults", None).await;
    let listed = list["faults"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == rule["id"])
        .unwrap()
        .clone();
    assert_eq!(listed["hits"], 3);
    let (status, _) = control(
        &w,
        reqwest::Method::DELETE,
        &format!("/faults/{}", rule["id"]),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = get_orders(&w, &token).await.unwrap();
    assert_ne!(status, 500);
    // An injected 429 is Amazon's, and an injected 400 carries the rate header like a real one.
    add_fault(&w, json!({"error": {"status": 429}, "times": 1})).await;
    let (status, headers, body) = get_orders(&w, &token).await.unwrap();
    assert_eq!(status, 429);
    assert_eq!(
        body,
        json!({"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}]})
    );
    assert!(!headers.contains_key("x-amzn-ratelimit-limit"));
    add_fault(
        &w,
        json!({"error": {"status": 400, "code": "InvalidInput", "message": "Bad"}, "times": 1}),
    )
    .await;
    let (status, headers, body) = get_orders(&w, &token).await.unwrap();
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["message"], "Bad");
    assert_eq!(headers["x-amzn-ratelimit-limit"], "0.0167");
    let (_, cleared) = control(&w, reqwest::Method::DELETE, "/faults", None).await;
    assert_eq!(cleared["removed"], 3);
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn latency_and_dropped_connections() {
    let w = World::start().await;
    let token = w.access_token().await;
    add_fault(
        &w,
        json!({"operation": "getOrders", "latency_ms": 300, "times": 1}),
    )
    .await;
    let started = Instant::now();
    let (status, _, _) = get_orders(&w, &token).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_ne!(status, 503);

    add_fault(
        &w,
        json!({"operation": "getOrders", "drop": true, "times": 1}),
    )
    .await;
    // Not even a status line arrives.
    let sent = w
        .http
        .get(format!("{}{GET_ORDERS}", w.base))
        .header(ACCESS_TOKEN, &token)
        .send()
        .await;
    assert!(
        sent.is_err(),
        "the connection drops without an answer: {sent:?}"
    );
    // The next call is answered.
    let (status, _, _) = get_orders(&w, &token).await.unwrap();
    assert_eq!(status, 200);

    let log = requests(&w, "operation=getOrders&faulted=true").await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0]["fault"], "drop");
    assert_eq!(log[0]["status"], 0);
    assert_eq!(log[1]["fault"], "latency 300ms");
    assert!(log[1]["latency_ms"].as_f64().unwrap() >= 300.0);
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn lwa_token_endpoint_faults() {
    let w = World::start().await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", w.refresh_token.as_str()),
        ("client_id", w.client_id.as_str()),
        ("client_secret", w.client_secret.as_str()),
    ];
    add_fault(
        &w,
        json!({"target": "lwa", "error": {"status": 503}, "times": 2}),
    )
    .await;
    for _ in 0..2 {
        let resp = w
            .http
            .post(format!("{}/auth/o2/token", w.base))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers()["cache-control"], "no-store");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "temporarily_unavailable");
    }
    let (status, body) = w.token_request(&form).await;
    assert_eq!(status, 200, "{body}");

    // Filtered by app: its client id or its application id.
    add_fault(
        &w,
        json!({"target": "lwa", "app": "amzn1.application-oa2-client.someone-else", "error": {"status": 500}}),
    )
    .await;
    let (status, _) = w.token_request(&form).await;
    assert_eq!(status, 200);
    add_fault(
        &w,
        json!({"target": "lwa", "app": w.application_id, "error": {"status": 500}, "times": 1}),
    )
    .await;
    let (status, body) = w.token_request(&form).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"], "server_error");
    add_fault(&w, json!({"target": "lwa", "drop": true, "times": 1})).await;
    let dropped = w
        .http
        .post(format!("{}/auth/o2/token", w.base))
        .form(&form)
        .send()
        .await;
    assert!(dropped.is_err(), "{dropped:?}");
    let (status, _) = w.token_request(&form).await;
    assert_eq!(status, 200);

    // An SP-API rule does not touch LWA, nor an LWA rule SP-API calls.
    let token = w.access_token().await;
    add_fault(&w, json!({"target": "lwa", "error": {"status": 500}})).await;
    let (status, _, _) = get_orders(&w, &token).await.unwrap();
    assert_eq!(status, 200);
    let log = requests(&w, "faulted=true").await;
    assert!(log.iter().all(|e| e["path"] == "/auth/o2/token"), "{log:?}");
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_rules_are_refused() {
    let w = World::start().await;
    for bad in [
        json!({}),
        json!({"error": {"status": 503}, "drop": true}),
        json!({"error": {"status": 200}}),
        json!({"error": {"status": 503}, "probability": 2}),
        json!({"error": {"status": 503}, "times": 0}),
        json!({"operation": "getOrderz", "drop": true}),
        json!({"target": "lwa", "operation": "getOrders", "drop": true}),
        json!({"target": "lwa", "seller": "A1", "drop": true}),
        json!({"drop": true, "colour": "red"}),
    ] {
        let (status, body) = control(&w, reqwest::Method::POST, "/faults", Some(bad.clone())).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["errors"][0]["code"], "InvalidInput", "{bad}");
    }
    // Without the admin token, nothing.
    let resp = w
        .http
        .post(format!("{}/emulator/v1/faults", w.base))
        .json(&json!({"drop": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let (status, _) = control(&w, reqwest::Method::DELETE, "/faults/99", None).await;
    assert_eq!(status, 404);
    w.server.shutdown().await.unwrap();
}
