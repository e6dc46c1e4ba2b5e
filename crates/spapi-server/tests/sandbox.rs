//! Amazon-sandbox compatibility: the sandbox port answers every static sandbox case of the
//! in-scope models with the case's response, answers what matches no case as Amazon's sandbox
//! does, throttles at Amazon's flat 5/s burst 15, and sends dynamic operations to the world.
//!
//! Needs Amazon's models (`SPAPI_MODELS_DIR`); skipped with a message without them, required
//! under CI.

mod common;

use common::World;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use spapi_model::{CollectionFormat, Location, OPERATIONS, Operation};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::http::throttle::ThrottleMode;
use spapi_server::sandbox::json_eq;
use spapi_server::server::SandboxConfig;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

const ACCESS_TOKEN: &str = "x-amz-access-token";

fn sandbox_config(dir: &Path) -> ServerConfig {
    ServerConfig {
        sandbox: Some(SandboxConfig {
            models_dir: dir.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        }),
        ..ServerConfig::ephemeral()
    }
}

/// A static case as the models state it.
struct Case {
    op: &'static Operation,
    status: u16,
    /// The `request.parameters` object.
    params: serde_json::Map<String, Value>,
    response: Option<Value>,
    headers: serde_json::Map<String, Value>,
}

fn load_cases(dir: &Path) -> Vec<Case> {
    let mut models: HashMap<&str, Value> = HashMap::new();
    let mut out = Vec::new();
    for op in OPERATIONS {
        let doc = models.entry(op.model).or_insert_with(|| {
            let text = std::fs::read_to_string(dir.join(op.model)).unwrap();
            serde_json::from_str(&text).unwrap()
        });
        let Some(node) = doc["paths"][op.path].get(op.method.as_str().to_ascii_lowercase()) else {
            continue;
        };
        let mut responses: Vec<(u16, &Value)> = node["responses"]
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(s, r)| s.parse().ok().map(|s| (s, r)))
            .collect();
        responses.sort_by_key(|(s, _)| *s);
        for (status, r) in responses {
            for c in r["x-amzn-api-sandbox"]["static"]
                .as_array()
                .into_iter()
                .flatten()
            {
                out.push(Case {
                    op,
                    status,
                    params: c["request"]["parameters"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    response: c.get("response").cloned(),
                    headers: c
                        .get("responseHeaders")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default(),
                });
            }
        }
    }
    out
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The request a client would send to hit `case`.
fn request_for(
    http: &reqwest::Client,
    base: &str,
    case: &Case,
    token: &str,
) -> reqwest::RequestBuilder {
    let op = case.op;
    let mut path = op.path.to_string();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut body: Option<Value> = None;
    for (name, spec) in &case.params {
        let value = match spec.as_object() {
            Some(m) if m.contains_key("value") => m["value"].clone(),
            Some(m) if m.is_empty() => continue,
            _ => spec.clone(),
        };
        match op.param(name).map(|p| (p.location, p)) {
            Some((Location::Path, p)) => {
                let v = text(&value);
                let v = if p.greedy {
                    v
                } else {
                    percent_encoding::utf8_percent_encode(&v, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                };
                path = path.replace(&format!("{{{name}}}"), &v);
            }
            Some((Location::Header, _)) => headers.push((name.clone(), text(&value))),
            Some((Location::Body, _)) => body = Some(value),
            Some((Location::Query, p)) => match &value {
                Value::Array(items) if p.collection_format == Some(CollectionFormat::Multi) => {
                    query.extend(items.iter().map(|i| (name.clone(), text(i))));
                }
                Value::Array(items) => query.push((
                    name.clone(),
                    items.iter().map(text).collect::<Vec<_>>().join(","),
                )),
                other => query.push((name.clone(), text(other))),
            },
            None => query.push((name.clone(), text(&value))),
        }
    }
    // Path parameters the case does not name: any value routes.
    for p in op.params.iter().filter(|p| p.location == Location::Path) {
        let filler = if p.greedy {
            "aplus/2020-11-01/contentDocuments"
        } else {
            "X1"
        };
        path = path.replace(&format!("{{{}}}", p.name), filler);
    }
    let method = reqwest::Method::from_bytes(op.method.as_str().as_bytes()).unwrap();
    let mut req = http
        .request(method, format!("{base}{path}"))
        .header(ACCESS_TOKEN, token)
        .query(&query);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req
}

#[tokio::test]
async fn every_static_case_of_the_in_scope_models_is_answered() {
    let Some(dir) = spapi_conformance::models_dir() else {
        return;
    };
    let w = World::start_with(sandbox_config(&dir), &[]).await;
    let stats = w.server.sandbox_stats().unwrap();
    let base = w.server.sandbox_url().unwrap();
    let seller = w.access_token().await;
    let grantless = w.grantless_token("sellingpartnerapi::notifications").await;
    let cases = load_cases(&dir);
    assert_eq!(cases.len(), stats.cases, "the server loaded every case");
    assert_eq!(stats.missing_operations, 0);

    let mut matched = 0;
    let mut shadowed = Vec::new();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let token = if case.op.grantless_scope.is_some() {
            &grantless
        } else {
            &seller
        };
        let resp = request_for(&w.http, &base, case, token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let got_headers = resp.headers().clone();
        let raw = resp.text().await.unwrap();
        let body: Option<Value> = if raw.is_empty() {
            None
        } else {
            serde_json::from_str(&raw).ok()
        };
        let same_body = match (&case.response, &body) {
            // HTTP 204 carries no body, whatever the case says.
            (_, None) if status == 204 => true,
            (Some(want), Some(got)) => json_eq(got, want),
            (None, None) => true,
            _ => false,
        };
        let same_headers = case.headers.iter().all(|(k, v)| {
            got_headers.get(k.as_str()).and_then(|h| h.to_str().ok())
                == Some(text(v.get("value").unwrap_or(v)).as_str())
        });
        if status == case.status && same_body && same_headers {
            matched += 1;
            if (200..300).contains(&status) || status == 400 || status == 404 {
                assert_eq!(got_headers["x-amzn-ratelimit-limit"], "5");
            }
            continue;
        }
        // A case whose request is the same as an earlier case's of the same operation cannot
        // be reached, at Amazon either: the earlier one answers.
        let earlier = cases[..i]
            .iter()
            .any(|c| std::ptr::eq(c.op, case.op) && c.params == case.params);
        let what = format!(
            "{} {} case {}: got {status} {raw:.200}",
            case.op.operation_id,
            case.status,
            serde_json::to_string(&case.params).unwrap()
        );
        // A case that gives a path parameter the empty string names a path no request has:
        // `/items/` is `/items` (a different operation) here, and at Amazon's gateway too.
        let empty_path_param = case.params.iter().any(|(name, spec)| {
            case.op
                .param(name)
                .is_some_and(|p| p.location == Location::Path)
                && spec.get("value") == Some(&json!(""))
        });
        if earlier || empty_path_param {
            shadowed.push(what);
        } else {
            failures.push(what);
        }
    }
    println!(
        "sandbox: {matched} / {} static cases answered ({} operations with static cases, {} \
         dynamic); {} unreachable (an earlier case has the same request, or the case's path has an empty segment):",
        cases.len(),
        stats.static_operations,
        stats.dynamic_operations,
        shadowed.len()
    );
    for s in &shadowed {
        println!("  {s}");
    }
    assert!(
        failures.is_empty(),
        "{} cases not answered:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(matched + shadowed.len(), cases.len());
    // 561 cases when this was written: the 400s of Sellers' and Shipping v1's getAccount have
    // the same (empty) request as their 200s, and getCatalogItem's 400 asks for an empty asin.
    assert!(shadowed.len() <= 3, "{shadowed:?}");

    // Every call went through the request log, marked as sandbox calls.
    let resp = w
        .http
        .get(format!("{}/emulator/v1/requests?limit=5", w.base))
        .bearer_auth(w.server.admin_token())
        .send()
        .await
        .unwrap();
    let log: Value = resp.json().await.unwrap();
    assert!(
        log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["sandbox"] == true),
        "{log}"
    );
    w.server.shutdown().await.unwrap();
}

fn t0() -> Timestamp {
    "2025-03-01T12:00:00Z".parse().unwrap()
}

#[tokio::test]
async fn no_match_throttling_and_the_stateful_operations() {
    let Some(dir): Option<PathBuf> = spapi_conformance::models_dir() else {
        return;
    };
    let config = ServerConfig {
        clock: Clock::frozen(t0()),
        throttle: ThrottleMode::Real,
        ..sandbox_config(&dir)
    };
    let w = World::start_with(config, &[]).await;
    let base = w.server.sandbox_url().unwrap();
    let token = w.access_token().await;
    let get = |path: &str| {
        w.http
            .get(format!("{base}{path}"))
            .header(ACCESS_TOKEN, &token)
            .send()
    };

    // A request no case matches: Amazon's answer.
    let resp = get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2022-01-01")
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["x-amzn-ratelimit-limit"], "5");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"errors": [{"code": "InvalidInput", "message": "Could not match input arguments", "details": ""}]})
    );
    // The canned case (its CreatedAfter is no date: the sandbox does not validate).
    let resp = get("/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=TEST_CASE_200")
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // Amazon's flat sandbox plan: 5/s, burst 15, per operation (getOrders has used 2).
    let participations = "/sellers/v1/marketplaceParticipations";
    for i in 0..15 {
        let resp = get(participations).await.unwrap();
        assert_eq!(resp.status(), 200, "call {}", i + 1);
        assert_eq!(resp.headers()["x-amzn-ratelimit-limit"], "5");
    }
    let resp = get(participations).await.unwrap();
    assert_eq!(resp.status(), 429);
    assert!(!resp.headers().contains_key("x-amzn-ratelimit-limit"));
    w.server.clock().advance(SignedDuration::from_millis(200));
    assert_eq!(get(participations).await.unwrap().status(), 200);
    assert_eq!(get(participations).await.unwrap().status(), 429);
    // The production port's bucket of the same operation is its own.
    let resp = w
        .http
        .get(format!("{}{participations}", w.base))
        .header(ACCESS_TOKEN, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["x-amzn-ratelimit-limit"], "0.016");

    // Without a token: refused as at Amazon.
    let resp = w
        .http
        .get(format!("{base}{participations}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);

    // Operations Amazon serves dynamically (Shipping's) and those without static cases go to
    // the stateful world, which validates them like the production port.
    let resp = w
        .http
        .post(format!("{base}/shipping/v2/shipments/rates"))
        .header(ACCESS_TOKEN, &token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_ne!(
        body["errors"][0]["message"], "Could not match input arguments",
        "{body}"
    );
    let resp = w
        .http
        .post(format!("{base}/fba/inventory/v1/items"))
        .header(ACCESS_TOKEN, &token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_ne!(
        body["errors"][0]["message"], "Could not match input arguments",
        "{body}"
    );
    w.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_models_dir_without_the_models_is_an_error_at_start() {
    let dir = std::env::temp_dir().join(format!("spapi-no-models-{}", std::process::id()));
    let err = spapi_server::Server::start(sandbox_config(&dir))
        .await
        .err()
        .expect("starting without the models fails");
    assert!(format!("{err:#}").contains("reading the model"), "{err:#}");
}
