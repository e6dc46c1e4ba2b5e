//! Black-box tests of the SP-API surface: every operation of the table answers at its method
//! and path over real HTTP, with the error envelope, a request id, and parameter validation
//! from the table.

mod common;

use common::World;
use reqwest::{Method as HttpMethod, StatusCode};
use serde_json::Value;
use spapi_model::{Location, OPERATIONS, Operation, Param, ParamType};
use spapi_server::ServerConfig;

/// A value that satisfies the constraints of `p` (or of its items, for arrays).
fn sample(p: &Param) -> String {
    if let Some(first) = p.enum_values.first() {
        return first.to_string();
    }
    let ty = if p.ty == ParamType::Array {
        p.item_type.unwrap_or(ParamType::String)
    } else {
        p.ty
    };
    match (ty, p.format) {
        (_, Some("date-time")) => "2024-01-01T00:00:00Z".into(),
        (_, Some("date")) => "2024-01-01".into(),
        (ParamType::Integer | ParamType::Number, _) => {
            let n = p.minimum.unwrap_or(1.0).max(1.0);
            let n = p.maximum.map_or(n, |m| n.min(m));
            format!("{}", n as i64)
        }
        (ParamType::Boolean, _) => "true".into(),
        _ if p.greedy => "aplus/2020-11-01/contentDocuments".into(),
        _ if p.pattern.is_some_and(|pat| pat.contains("{8}-")) => {
            "0b6d5d43-6a1e-4d37-9a43-5a2b0c3d4e5f".into()
        }
        _ => "A".repeat(p.min_length.unwrap_or(1).max(1) as usize),
    }
}

const ACCESS_TOKEN: &str = "x-amz-access-token";

/// A seller token and a grantless token of the test app.
struct Tokens {
    seller: String,
    grantless: String,
}

impl Tokens {
    async fn of(world: &World) -> Tokens {
        Tokens {
            seller: world.access_token().await,
            grantless: world
                .grantless_token("sellingpartnerapi::notifications")
                .await,
        }
    }

    /// The token an operation takes: grantless operations a grantless token.
    fn for_op(&self, op: &Operation) -> &str {
        if op.grantless_scope.is_some() {
            &self.grantless
        } else {
            &self.seller
        }
    }

    fn seller(&self) -> Vec<(&'static str, String)> {
        vec![(ACCESS_TOKEN, self.seller.clone())]
    }
}

struct Call {
    method: HttpMethod,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: Option<Value>,
}

/// A request for `op` with every required parameter present and valid, except `omit`.
fn valid_call(base: &str, op: &Operation, omit: Option<&str>, tokens: &Tokens) -> Call {
    let mut path = op.path.to_string();
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut headers = vec![(ACCESS_TOKEN, tokens.for_op(op).to_string())];
    for p in op
        .params
        .iter()
        .filter(|p| p.required && Some(p.name) != omit)
    {
        match p.location {
            Location::Path => {
                let v = sample(p);
                let v = if p.greedy {
                    v
                } else {
                    percent_encoding::utf8_percent_encode(&v, percent_encoding::NON_ALPHANUMERIC)
                        .to_string()
                };
                path = path.replace(&format!("{{{}}}", p.name), &v);
            }
            Location::Query => {
                query.append_pair(p.name, &sample(p));
            }
            Location::Header => headers.push((p.name, sample(p))),
            Location::Body => {}
        }
    }
    let q = query.finish();
    let url = if q.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    };
    let body = spapi_server::generated::default_body(op);
    Call {
        method: HttpMethod::from_bytes(op.method.as_str().as_bytes()).unwrap(),
        url,
        headers,
        body,
    }
}

async fn send(
    client: &reqwest::Client,
    call: Call,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = client.request(call.method, &call.url);
    for (k, v) in call.headers {
        req = req.header(k, v);
    }
    if let Some(b) = call.body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.expect("request");
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, headers, body)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

fn error_code(body: &Value) -> &str {
    // Services' setAppointmentFulfillmentData answers its errors as a bare array (its model).
    let errors = if body.is_array() {
        body
    } else {
        &body["errors"]
    };
    errors[0]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn every_operation_answers_at_its_method_and_path() {
    assert_eq!(OPERATIONS.len(), 231, "operations in scope");
    let world = World::start().await;
    let tokens = Tokens::of(&world).await;
    let base = world.base.clone();
    let client = client();
    let implemented = spapi_server::server::coverage_apis().await.unwrap();
    for op in OPERATIONS {
        let (status, headers, body) = send(&client, valid_call(&base, op, None, &tokens)).await;
        let what = format!("{} {} {}", op.operation_id, op.method.as_str(), op.path);
        assert!(
            headers.contains_key("x-amzn-requestid"),
            "{what}: no request id"
        );
        if implemented.implemented(op.api).contains(&op.operation_id) {
            // Implemented: routed and answered by the implementation (which may well reject
            // the sample request), never a routing error or a failure.
            // A 404 from the implementation (an unknown order) carries the operation's usage
            // plan header; a routing 404 has none.
            let routed =
                status != StatusCode::NOT_FOUND || headers.contains_key("x-amzn-ratelimit-limit");
            assert!(
                routed && ![405, 501].contains(&status.as_u16()) && !status.is_server_error(),
                "{what}: {status} {body}"
            );
            if !status.is_success() {
                assert!(!error_code(&body).is_empty(), "{what}: no envelope: {body}");
            }
            continue;
        }
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{what}: {body}");
        assert_eq!(error_code(&body), "NotImplemented", "{what}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(op.operation_id), "{what}");
        // 501 is neither 2xx, 400 nor 404: no usage plan header.
        assert!(!headers.contains_key("x-amzn-ratelimit-limit"), "{what}");
    }
    world.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_missing_required_query_parameter_is_invalid_input_naming_it() {
    let world = World::start().await;
    let tokens = Tokens::of(&world).await;
    let base = world.base.clone();
    let client = client();
    let conformance = spapi_conformance::Conformance::global();
    let mut checked = 0;
    for op in OPERATIONS {
        for p in op
            .params
            .iter()
            .filter(|p| p.required && p.location == Location::Query)
        {
            let (status, headers, body) =
                send(&client, valid_call(&base, op, Some(p.name), &tokens)).await;
            let what = format!("{} without {}", op.operation_id, p.name);
            assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
            // Invoices 2024-06-19 answers in its own family: `code` "400".
            let expected = if op.api == "invoices_2024_06_19" {
                "400"
            } else {
                "InvalidInput"
            };
            assert_eq!(error_code(&body), expected, "{what}: {body}");
            let text = format!(
                "{} {}",
                body["errors"][0]["message"], body["errors"][0]["details"]
            );
            assert!(text.contains(p.name), "{what}: {body}");
            assert!(headers.contains_key("x-amzn-requestid"), "{what}");
            if let Some(plan) = op.usage_plan {
                assert_eq!(headers["x-amzn-ratelimit-limit"], plan.rate_text, "{what}");
            }
            let key = format!("{} {}", op.method.as_str(), op.path);
            if let Some(c) = conformance
                && c.documented_statuses(op.model, &key).contains(&400)
            {
                c.assert_conforms(op.model, &key, 400, &body);
            }
            checked += 1;
        }
    }
    // 80 at the time of writing; fewer means the table lost constraints.
    assert!(
        checked >= 80,
        "only {checked} required query parameters checked"
    );
    world.server.shutdown().await.unwrap();
}

fn op(id: &str) -> &'static Operation {
    OPERATIONS.iter().find(|o| o.operation_id == id).unwrap()
}

#[tokio::test]
async fn parameter_constraints_from_the_table_are_enforced() {
    let world = World::start().await;
    let tokens = Tokens::of(&world).await;
    let base = world.base.clone();
    let client = client();
    let orders = format!("{base}/orders/v0/orders");
    let many: Vec<String> = (0..51).map(|i| format!("M{i}")).collect();
    let cases: Vec<(String, &str, &str)> = vec![
        // bad date-time
        (
            format!("{orders}?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=yesterday"),
            "CreatedAfter",
            "Invalid Date-Time field(s) [CreatedAfter].",
        ),
        // bad enum value in an array
        (
            format!(
                "{base}/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA&processingStatuses=DONE,XYZ"
            ),
            "processingStatuses",
            "is not one of",
        ),
        // too many items
        (
            format!(
                "{orders}?MarketplaceIds={}&CreatedAfter=2024-01-01T00:00:00Z",
                many.join(",")
            ),
            "MarketplaceIds",
            "at most 50",
        ),
        // out of range
        (
            format!(
                "{base}/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA&pageSize=101"
            ),
            "pageSize",
            "at most 100",
        ),
        // not an integer
        (
            format!(
                "{base}/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA&pageSize=ten"
            ),
            "pageSize",
            "integer",
        ),
        // pattern mismatch (a path parameter)
        (
            format!(
                "{base}/inbound/fba/2024-03-20/inboundPlans/{}",
                "%24".repeat(38)
            ),
            "inboundPlanId",
            "pattern",
        ),
        // too long
        (
            format!(
                "{base}/inbound/fba/2024-03-20/inboundPlans/{}",
                "a".repeat(39)
            ),
            "inboundPlanId",
            "longer than 38",
        ),
    ];
    for (url, field, detail) in cases {
        let (status, headers, body) = send(
            &client,
            Call {
                method: HttpMethod::GET,
                url: url.clone(),
                headers: tokens.seller(),
                body: None,
            },
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        assert_eq!(error_code(&body), "InvalidInput", "{url}");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(field),
            "{url}: {body}"
        );
        assert!(
            body["errors"][0]["details"]
                .as_str()
                .unwrap()
                .contains(detail),
            "{url}: {body}"
        );
        assert!(headers.contains_key("x-amzn-ratelimit-limit"), "{url}");
    }
    world.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn unknown_paths_and_methods_get_the_envelope() {
    let world = World::start().await;
    let tokens = Tokens::of(&world).await;
    let base = world.base.clone();
    let client = client();
    let (status, headers, body) = send(
        &client,
        Call {
            method: HttpMethod::GET,
            url: format!("{base}/orders/v0/nowhere/x/y"),
            headers: tokens.seller(),
            body: None,
        },
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "NotFound");
    assert!(headers.contains_key("x-amzn-requestid"));
    assert!(
        !headers.contains_key("x-amzn-ratelimit-limit"),
        "no operation, no usage plan"
    );

    let (status, headers, body) = send(
        &client,
        Call {
            method: HttpMethod::DELETE,
            url: format!("{base}/orders/v0/orders"),
            headers: tokens.seller(),
            body: None,
        },
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(&body), "MethodNotAllowed");
    assert_eq!(headers["allow"], "GET");
    assert!(headers.contains_key("x-amzn-requestid"));
    world.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn what_real_clients_send_is_tolerated() {
    let world = World::start().await;
    let tokens = Tokens::of(&world).await;
    let base = world.base.clone();
    let client = client();
    // A wrong Host, SigV4 headers, junk query parameters, repeated csv parameters: the request
    // still reaches getOrders.
    let url = format!(
        "{base}/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&MarketplaceIds=A2EUQ1WTGCTBG2\
         &CreatedAfter=2024-01-01T00%3A00%3A00.000Z&MarketplaceId=junk&marketplace_ids=junk"
    );
    let resp = client
        .get(&url)
        .header("host", "sellingpartnerapi-eu.amazon.com")
        .header(ACCESS_TOKEN, &tokens.seller)
        .header("authorization", "AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc")
        .header("x-amz-date", "20240101T000000Z")
        .header("x-amz-security-token", "token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(op("getOrders").model, "getOrders", 200, &body);
    }

    // Unknown body keys are ignored; a body of the wrong shape names the field.
    let create = format!("{base}/reports/2021-06-30/reports");
    let ok = serde_json::json!({"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"], "junk": 1});
    let (status, _, _) = send(
        &client,
        Call {
            method: HttpMethod::POST,
            url: create.clone(),
            headers: tokens.seller(),
            body: Some(ok),
        },
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let bad = serde_json::json!({"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": "ATVPDKIKX0DER"});
    let (status, headers, body) = send(
        &client,
        Call {
            method: HttpMethod::POST,
            url: create.clone(),
            headers: tokens.seller(),
            body: Some(bad),
        },
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_code(&body), "InvalidInput");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("marketplaceIds"),
        "{body}"
    );
    assert_eq!(
        headers["x-amzn-ratelimit-limit"],
        op("createReport").usage_plan.unwrap().rate_text
    );
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(op("createReport").model, "createReport", 400, &body);
    }
    let missing = client
        .post(&create)
        .header(ACCESS_TOKEN, &tokens.seller)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::BAD_REQUEST);
    let garbage = client
        .post(&create)
        .header(ACCESS_TOKEN, &tokens.seller)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    world.server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_oversized_body_is_refused_in_the_envelope() {
    let mut config = ServerConfig::ephemeral();
    config.http.body_limit = 1024;
    let world = World::start_with(config, &[]).await;
    let tokens = Tokens::of(&world).await;
    let server = &world.server;
    let url = format!("{}/reports/2021-06-30/reports", server.base_url());
    let big = format!("{{\"reportType\":\"{}\"}}", "x".repeat(4096));
    let resp = client()
        .post(&url)
        .header(ACCESS_TOKEN, &tokens.seller)
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(resp.headers().contains_key("x-amzn-requestid"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(error_code(&body), "RequestEntityTooLarge");
    world.server.shutdown().await.unwrap();
}
