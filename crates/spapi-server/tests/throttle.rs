//! Usage plans over real HTTP: a token bucket per (app, seller, operation) that refills on the
//! emulator clock, 429 `QuotaExceeded` without the rate header, the modes, per-seller
//! overrides, the plans of operations Amazon documents none for, the request log, and buckets
//! shared by two instances on one PostgreSQL database.

mod common;

use common::World;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use spapi_model::{OPERATIONS, Operation};
use spapi_server::ServerConfig;
use spapi_server::auth::NewSeller;
use spapi_server::clock::Clock;
use spapi_server::http::throttle::ThrottleMode;
use std::time::Duration;

const ACCESS_TOKEN: &str = "x-amz-access-token";
const GET_ORDERS: &str =
    "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2025-01-01T00:00:00Z";

fn t0() -> Timestamp {
    "2025-03-01T12:00:00Z".parse().unwrap()
}

/// A frozen clock and real throttling.
fn real_config() -> ServerConfig {
    ServerConfig {
        clock: Clock::frozen(t0()),
        throttle: ThrottleMode::Real,
        ..ServerConfig::ephemeral()
    }
}

fn op(id: &str) -> &'static Operation {
    OPERATIONS.iter().find(|o| o.operation_id == id).unwrap()
}

async fn get(w: &World, path: &str, token: &str) -> (u16, HeaderMap, Value) {
    let resp = w
        .http
        .get(format!("{}{path}", w.base))
        .header(ACCESS_TOKEN, token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// A control-plane call; panics unless it succeeds.
async fn control(w: &World, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut req = w
        .http
        .request(method, format!("{}/emulator/v1{path}", w.base))
        .bearer_auth(w.server.admin_token());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

fn advance(w: &World, secs: i64) {
    w.server.clock().advance(SignedDuration::from_secs(secs));
}

fn quota_exceeded() -> Value {
    json!({"errors": [{
        "code": "QuotaExceeded",
        "message": "You exceeded your quota for the requested resource.",
        "details": ""
    }]})
}

/// Calls `path` `n` times and checks that none was throttled and each carried `rate`.
async fn expect_allowed(w: &World, path: &str, token: &str, n: usize, rate: &str) {
    for i in 0..n {
        let (status, headers, body) = get(w, path, token).await;
        assert_ne!(status, 429, "call {} of {n}: {body}", i + 1);
        if (200..300).contains(&status) || status == 400 || status == 404 {
            assert_eq!(headers["x-amzn-ratelimit-limit"], rate, "call {}", i + 1);
        }
    }
}

async fn expect_throttled(w: &World, path: &str, token: &str) {
    let (status, headers, body) = get(w, path, token).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body, quota_exceeded());
    assert!(
        !headers.contains_key("x-amzn-ratelimit-limit"),
        "no rate header on 429"
    );
    assert!(headers.contains_key("x-amzn-requestid"));
}

#[tokio::test]
async fn get_orders_past_its_burst_is_throttled_and_refills_on_the_emulator_clock() {
    let w = World::start_with(real_config(), &[]).await;
    let token = w.access_token().await;
    let plan = op("getOrders").usage_plan.unwrap();
    assert_eq!((plan.rate_text, plan.burst), ("0.0167", 20));

    // The burst: 20 calls at once.
    expect_allowed(&w, GET_ORDERS, &token, 20, "0.0167").await;
    // The 21st is refused, in Amazon's words and without the rate header.
    expect_throttled(&w, GET_ORDERS, &token).await;
    if let Some(c) = spapi_conformance::Conformance::global() {
        let (_, _, body) = get(&w, GET_ORDERS, &token).await;
        c.assert_conforms(op("getOrders").model, "getOrders", 429, &body);
    }

    // 0.0167 tokens a second: 59 s are not a token yet, 60 s are (0.0167 * 60 = 1.002).
    advance(&w, 59);
    expect_throttled(&w, GET_ORDERS, &token).await;
    advance(&w, 1);
    expect_allowed(&w, GET_ORDERS, &token, 1, "0.0167").await;
    expect_throttled(&w, GET_ORDERS, &token).await;

    // A long pause refills the bucket to its burst and no further.
    advance(&w, 1800);
    expect_allowed(&w, GET_ORDERS, &token, 20, "0.0167").await;
    expect_throttled(&w, GET_ORDERS, &token).await;

    // Other operations have their own buckets (getOrder: 0.5/s, burst 30).
    let (status, headers, _) = get(&w, "/orders/v0/orders/902-3159896-1390916", &token).await;
    assert_ne!(status, 429);
    if status == 404 || status == 200 {
        assert_eq!(headers["x-amzn-ratelimit-limit"], "0.5");
    }

    // So does every other seller of the same app.
    let other = w
        .server
        .auth()
        .create_seller(NewSeller {
            name: "Other Seller".into(),
            email: format!("other-{}@example.com", uuid::Uuid::new_v4()),
            password: "a good password".into(),
            region: "NA".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let refresh = w
        .server
        .auth()
        .self_authorize(&w.application_id, &other.selling_partner_id)
        .await
        .unwrap();
    let (status, body) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(status, 200, "{body}");
    let other_token = body["access_token"].as_str().unwrap().to_string();
    expect_allowed(&w, GET_ORDERS, &other_token, 20, "0.0167").await;
    expect_throttled(&w, GET_ORDERS, &other_token).await;

    // The request log shows the throttled calls.
    let log = control(
        &w,
        reqwest::Method::GET,
        &format!("/requests?throttled=true&seller={}&limit=100", w.seller_id),
        None,
    )
    .await;
    let entries = log["requests"].as_array().unwrap();
    assert!(entries.len() >= 4, "{log}");
    for e in entries {
        assert_eq!(e["operation"], "getOrders");
        assert_eq!(e["status"], 429);
        assert_eq!(e["throttled"], true);
        assert_eq!(e["app"], w.application_id.as_str());
        assert!(e["latency_ms"].as_f64().unwrap() >= 0.0);
    }
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn modes_switch_at_run_time() {
    let w = World::start_with(real_config(), &[]).await;
    let token = w.access_token().await;
    let limits = control(&w, reqwest::Method::GET, "/limits", None).await;
    assert_eq!(limits["mode"], "real");
    assert_eq!(limits["shared_buckets"], false);

    // off: no bucket at all, the header still says the documented rate.
    control(
        &w,
        reqwest::Method::POST,
        "/limits",
        Some(json!({"mode": "off"})),
    )
    .await;
    expect_allowed(&w, GET_ORDERS, &token, 45, "0.0167").await;

    // scaled:60: the same burst, 60 times the rate (about one token a second).
    let v = control(
        &w,
        reqwest::Method::POST,
        "/limits",
        Some(json!({"mode": "scaled:60", "reset": true})),
    )
    .await;
    assert_eq!(v["mode"], "scaled:60");
    expect_allowed(&w, GET_ORDERS, &token, 20, "1.002").await;
    expect_throttled(&w, GET_ORDERS, &token).await;
    advance(&w, 1);
    expect_allowed(&w, GET_ORDERS, &token, 1, "1.002").await;
    expect_throttled(&w, GET_ORDERS, &token).await;

    // A bad mode is refused in the envelope.
    let resp = w
        .http
        .post(format!("{}/emulator/v1/limits", w.base))
        .bearer_auth(w.server.admin_token())
        .json(&json!({"mode": "scaled:-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "InvalidInput");
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn per_seller_overrides_replace_the_plan() {
    let w = World::start_with(real_config(), &[]).await;
    let token = w.access_token().await;
    // Spend part of the default bucket first: an override starts from a full bucket.
    expect_allowed(&w, GET_ORDERS, &token, 5, "0.0167").await;
    let o = control(
        &w,
        reqwest::Method::POST,
        "/limits/overrides",
        Some(json!({"seller": w.seller_id, "operation": "getOrders", "rate": 2, "burst": 3})),
    )
    .await;
    let id = o["id"].as_u64().unwrap();
    expect_allowed(&w, GET_ORDERS, &token, 3, "2").await;
    expect_throttled(&w, GET_ORDERS, &token).await;
    advance(&w, 1);
    expect_allowed(&w, GET_ORDERS, &token, 2, "2").await;
    expect_throttled(&w, GET_ORDERS, &token).await;

    // The operations table the control plane shows agrees.
    let ops = control(
        &w,
        reqwest::Method::GET,
        &format!("/limits/operations?api=orders_v0&seller={}", w.seller_id),
        None,
    )
    .await;
    let get_orders = ops["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operation"] == "getOrders")
        .unwrap();
    assert_eq!(get_orders["applied"], json!({"rate": 2.0, "burst": 3}));
    assert_eq!(get_orders["plan"], json!({"rate": 0.0167, "burst": 20}));
    assert_eq!(get_orders["source"], "documented");

    // An unlimited seller is never throttled.
    control(
        &w,
        reqwest::Method::POST,
        "/limits/overrides",
        Some(json!({"seller": w.seller_id, "unlimited": true})),
    )
    .await;
    expect_allowed(&w, GET_ORDERS, &token, 30, "0.0167").await;

    // Removing the overrides brings back the documented plan, from a full bucket.
    control(
        &w,
        reqwest::Method::DELETE,
        &format!("/limits/overrides/{id}"),
        None,
    )
    .await;
    let v = control(&w, reqwest::Method::DELETE, "/limits/overrides", None).await;
    assert_eq!(v["removed"], 1);
    expect_allowed(&w, GET_ORDERS, &token, 20, "0.0167").await;
    expect_throttled(&w, GET_ORDERS, &token).await;

    // Overrides are checked: an unknown operation, nothing to override.
    for bad in [
        json!({"seller": w.seller_id, "operation": "getOrderz", "rate": 1}),
        json!({"seller": w.seller_id}),
        json!({"seller": w.seller_id, "rate": 0}),
    ] {
        let resp = w
            .http
            .post(format!("{}/emulator/v1/limits/overrides", w.base))
            .bearer_auth(w.server.admin_token())
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn operations_without_a_documented_plan_get_the_default_ones() {
    let w = World::start_with(real_config(), &[]).await;
    let token = w.access_token().await;
    // searchDefinitionsProductTypes: 5/s, burst 10 (documented in a form codegen skips).
    let path = "/definitions/2020-09-01/productTypes?marketplaceIds=ATVPDKIKX0DER";
    for _ in 0..10 {
        let (status, _, body) = get(&w, path, &token).await;
        assert_ne!(status, 429, "{body}");
    }
    expect_throttled(&w, path, &token).await;
    // getSupplySources: nothing documented, spapi's fallback of 1/s, burst 5.
    let path = "/supplySources/2020-07-01/supplySources";
    for _ in 0..5 {
        let (status, _, body) = get(&w, path, &token).await;
        assert_ne!(status, 429, "{body}");
    }
    expect_throttled(&w, path, &token).await;
    advance(&w, 1);
    let (status, _, _) = get(&w, path, &token).await;
    assert_ne!(status, 429);
    let ops = control(
        &w,
        reqwest::Method::GET,
        "/limits/operations?api=supply_sources_2020_07_01",
        None,
    )
    .await;
    assert_eq!(ops["operations"][0]["source"], "fallback");
    assert_eq!(ops["operations"][0]["rate_limit_header"], "1");
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unauthenticated_calls_do_not_use_the_bucket() {
    let w = World::start_with(real_config(), &[]).await;
    let token = w.access_token().await;
    for _ in 0..30 {
        let (status, headers, _) = get(&w, GET_ORDERS, "Atza|not-a-token").await;
        assert_eq!(status, 403);
        assert!(!headers.contains_key("x-amzn-ratelimit-limit"));
    }
    expect_allowed(&w, GET_ORDERS, &token, 20, "0.0167").await;
    w.server.shutdown().await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// Two instances on one PostgreSQL database share the buckets.
// ---------------------------------------------------------------------------------------------

async fn pg_database() -> Option<(String, String)> {
    use sqlx::Connection;
    let admin_url = std::env::var("SPAPI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let connect = tokio::time::timeout(
        Duration::from_secs(10),
        sqlx::PgConnection::connect(&admin_url),
    );
    let mut admin = match connect.await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return unreachable_postgres(&e.to_string()),
        Err(_) => return unreachable_postgres("connection timed out after 10 s"),
    };
    let name = format!("spapi_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let authority_start = admin_url.find("://").map_or(0, |i| i + 3);
    let authority_end = admin_url[authority_start..]
        .find(['/', '?'])
        .map_or(admin_url.len(), |i| authority_start + i);
    Some((format!("{}/{name}", &admin_url[..authority_end]), name))
}

fn unreachable_postgres(reason: &str) -> Option<(String, String)> {
    if std::env::var_os("CI").is_some() {
        panic!("PostgreSQL is required under CI but unreachable: {reason}");
    }
    eprintln!("skipping the PostgreSQL throttle test: {reason}");
    None
}

async fn drop_database(name: &str) {
    use sqlx::Connection;
    let admin_url = std::env::var("SPAPI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await;
        let _ = admin.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_postgres_database_share_the_buckets() {
    let Some((url, name)) = pg_database().await else {
        return;
    };
    let outcome = tokio::spawn(async move {
        let config = |url: &str| ServerConfig {
            store: url.parse().unwrap(),
            clock: Clock::frozen(t0()),
            throttle: ThrottleMode::Real,
            ..ServerConfig::ephemeral()
        };
        let a = World::start_with(config(&url), &[]).await;
        let b = spapi_server::Server::start(config(&url)).await.unwrap();
        let token = a.access_token().await;
        let limits = control(&a, reqwest::Method::GET, "/limits", None).await;
        assert_eq!(limits["shared_buckets"], true);
        // 20 calls alternating between the instances spend the one bucket.
        let http = common::client();
        for i in 0..20 {
            let base = if i % 2 == 0 {
                a.base.clone()
            } else {
                b.base_url()
            };
            let resp = http
                .get(format!("{base}{GET_ORDERS}"))
                .header(ACCESS_TOKEN, &token)
                .send()
                .await
                .unwrap();
            assert_ne!(resp.status(), 429, "call {}", i + 1);
        }
        for base in [a.base.clone(), b.base_url()] {
            let resp = http
                .get(format!("{base}{GET_ORDERS}"))
                .header(ACCESS_TOKEN, &token)
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 429, "{base}");
        }
        // Both refill on the (same) emulator time.
        a.server.clock().advance(SignedDuration::from_secs(60));
        b.clock().advance(SignedDuration::from_secs(60));
        let resp = http
            .get(format!("{}{GET_ORDERS}", b.base_url()))
            .header(ACCESS_TOKEN, &token)
            .send()
            .await
            .unwrap();
        assert_ne!(resp.status(), 429);
        let resp = http
            .get(format!("{}{GET_ORDERS}", a.base))
            .header(ACCESS_TOKEN, &token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 429);
        // The request log is shared too: both instances' 429s are in it.
        b.traffic().flush().await;
        let log = control(&a, reqwest::Method::GET, "/requests?throttled=true", None).await;
        assert_eq!(log["requests"].as_array().unwrap().len(), 3, "{log}");
        b.shutdown().await.unwrap();
        a.server.shutdown().await.unwrap();
    })
    .await;
    drop_database(&name).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
