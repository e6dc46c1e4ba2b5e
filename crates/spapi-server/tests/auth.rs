//! Login with Amazon, token checks on SP-API calls, grantless scopes, roles and Restricted
//! Data Tokens, over real HTTP.

mod common;

use common::World;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;

/// A token request form.
type Form<'a> = Vec<(&'a str, &'a str)>;

const ACCESS_TOKEN: &str = "x-amz-access-token";
const NOTIFICATIONS: &str = "sellingpartnerapi::notifications";

fn frozen_config() -> ServerConfig {
    let t0: Timestamp = "2025-03-01T12:00:00Z".parse().unwrap();
    ServerConfig {
        clock: Clock::frozen(t0),
        ..ServerConfig::ephemeral()
    }
}

/// GET `path` with `token`; status, headers, JSON body.
async fn get(
    w: &World,
    path: &str,
    token: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = w.http.get(format!("{}{path}", w.base));
    if let Some(t) = token {
        req = req.header(ACCESS_TOKEN, t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn post_json(w: &World, path: &str, token: &str, body: &Value) -> (u16, Value) {
    let resp = w
        .http
        .post(format!("{}{path}", w.base))
        .header(ACCESS_TOKEN, token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
    }
}

const TOKENS_MODEL: &str = "models/tokens-api-model/tokens_2021-03-01.json";
const RDT_PATH: &str = "/tokens/2021-03-01/restrictedDataToken";
const PARTICIPATIONS: &str = "/sellers/v1/marketplaceParticipations";

fn lwa_error(error: &str, description: &str) -> Value {
    json!({"error": error, "error_description": description})
}

#[tokio::test]
async fn refresh_grant_answers_like_lwa() {
    let w = World::start().await;
    let resp = w
        .http
        .post(format!("{}/auth/o2/token", w.base))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", w.refresh_token.as_str()),
            ("client_id", w.client_id.as_str()),
            ("client_secret", w.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    assert!(access.starts_with("Atza|"), "{access}");
    assert!(!access.contains(['+', '&', '=', '%']));
    assert_eq!(body["refresh_token"], w.refresh_token.as_str());
    assert!(w.refresh_token.starts_with("Atzr|"));
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body.as_object().unwrap().len(), 4);
}

#[tokio::test]
async fn token_requests_as_json_or_unencoded_forms_are_accepted() {
    let w = World::start().await;
    // The npm client sends JSON.
    let resp = w
        .http
        .post(format!("{}/auth/o2/token", w.base))
        .json(
            &json!({"grant_type": "refresh_token", "refresh_token": w.refresh_token,
            "client_id": w.client_id, "client_secret": w.client_secret}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // One official SDK does not URL-encode the form (`|` and `.` travel raw).
    let raw = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
        w.refresh_token, w.client_id, w.client_secret
    );
    let resp = w
        .http
        .post(format!("{}/auth/o2/token", w.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn token_endpoint_errors_are_exact() {
    let w = World::start().await;
    // A second app of the same world, authorized by the same seller.
    let auth = w.server.auth();
    let second = auth
        .create_app(spapi_server::auth::NewApp {
            name: "Other".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let other_refresh = auth
        .self_authorize(&second.app.application_id, &w.seller_id)
        .await
        .unwrap();
    let (id, secret, refresh) = (
        w.client_id.as_str(),
        w.client_secret.as_str(),
        w.refresh_token.as_str(),
    );
    let cases: Vec<(Form, u16, Value)> = vec![
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", id),
                ("client_secret", "wrong"),
            ],
            401,
            lwa_error("invalid_client", "Client authentication failed"),
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh),
                ("client_id", "amzn1.application-oa2-client.nope"),
                ("client_secret", secret),
            ],
            401,
            lwa_error("invalid_client", "Client authentication failed"),
        ),
        (
            vec![
                ("refresh_token", refresh),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "invalid_request",
                "The request is missing a required parameter : grant_type",
            ),
        ),
        (
            vec![
                ("grant_type", "password"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server",
            ),
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "invalid_request",
                "The request is missing a required parameter : refresh_token",
            ),
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", "Atzr|IwEBnotatoken"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "invalid_grant",
                "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.",
            ),
        ),
        (
            // Another app's refresh token.
            vec![
                ("grant_type", "refresh_token"),
                ("refresh_token", other_refresh.as_str()),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "unauthorized_client",
                "Not authorized for requested operation",
            ),
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "invalid_request",
                "The request is missing a required parameter : scope",
            ),
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("scope", "sellingpartnerapi::everything"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "invalid_scope",
                "The request has an invalid parameter : scope",
            ),
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "invalid_request",
                "The request is missing a required parameter : code",
            ),
        ),
        (
            vec![
                ("grant_type", "authorization_code"),
                ("code", "ANnotacode"),
                ("redirect_uri", "https://app.example.com/callback"),
                ("client_id", id),
                ("client_secret", secret),
            ],
            400,
            lwa_error(
                "invalid_grant",
                "The request has an invalid grant parameter : code",
            ),
        ),
    ];
    for (form, status, expected) in cases {
        let (got_status, body) = w.token_request(&form).await;
        assert_eq!((got_status, &body), (status, &expected), "{form:?}");
    }
    // A body that is no form at all is a missing grant_type, not a failure.
    let resp = w
        .http
        .post(format!("{}/auth/o2/token", w.base))
        .body("\u{0}\u{1}garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = w
        .http
        .post(format!("{}/auth/o2/token", w.base))
        .json(&json!([1, 2]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn client_credentials_give_a_grantless_token_without_refresh_token() {
    let w = World::start().await;
    let (status, body) = w
        .token_request(&[
            ("grant_type", "client_credentials"),
            ("scope", NOTIFICATIONS),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(status, 200);
    assert!(body.get("refresh_token").is_none());
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
}

#[tokio::test]
async fn authorization_code_exchange_is_single_use_and_bound_to_redirect_uri() {
    let w = World::start_with(frozen_config(), &[]).await;
    let auth = w.server.auth();
    let app = auth
        .store()
        .get_app(&w.application_id)
        .await
        .unwrap()
        .unwrap();
    let seller = auth
        .store()
        .get_seller(&w.seller_id)
        .await
        .unwrap()
        .unwrap();
    let redirect = "https://app.example.com/callback";
    let exchange = |code: String, redirect: Option<&'static str>| {
        let w = &w;
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code".to_string()),
                ("code", code),
                ("client_id", w.client_id.clone()),
                ("client_secret", w.client_secret.clone()),
            ];
            if let Some(r) = redirect {
                form.push(("redirect_uri", r.to_string()));
            }
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            w.token_request(&form).await
        }
    };
    let code = auth
        .issue_code(&app, &seller, Some(redirect))
        .await
        .unwrap();
    let (status, body) = exchange(code.clone(), Some("https://app.example.com/callback")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].as_str().unwrap().starts_with("Atzr|"));
    assert_ne!(
        body["refresh_token"],
        w.refresh_token.as_str(),
        "a new authorization"
    );
    // Replayed.
    let (status, body) = exchange(code, Some("https://app.example.com/callback")).await;
    assert_eq!(
        (status, body),
        (
            400,
            lwa_error(
                "invalid_grant",
                "The request has an invalid grant parameter : code"
            )
        )
    );
    // Wrong redirect URI.
    let code = auth
        .issue_code(&app, &seller, Some(redirect))
        .await
        .unwrap();
    let (status, body) = exchange(code, Some("https://evil.example.com/callback")).await;
    assert_eq!(
        (status, body),
        (
            400,
            lwa_error(
                "invalid_grant",
                "The request has an invalid grant parameter : redirect_uri"
            )
        )
    );
    // Missing redirect URI.
    let code = auth
        .issue_code(&app, &seller, Some(redirect))
        .await
        .unwrap();
    let (status, body) = exchange(code, None).await;
    assert_eq!(
        (status, body),
        (
            400,
            lwa_error(
                "invalid_request",
                "The request is missing a required parameter : redirect_uri"
            )
        )
    );
    // Expired: five minutes of the emulator's clock.
    let code = auth
        .issue_code(&app, &seller, Some(redirect))
        .await
        .unwrap();
    w.server.clock().advance(SignedDuration::from_secs(301));
    let (status, body) = exchange(code, Some("https://app.example.com/callback")).await;
    assert_eq!(
        (status, body),
        (
            400,
            lwa_error(
                "invalid_grant",
                "The request has an invalid grant parameter : code"
            )
        )
    );
}

#[tokio::test]
async fn sp_api_calls_check_the_token() {
    let w = World::start_with(frozen_config(), &[]).await;
    // No token.
    let (status, headers, body) = get(&w, PARTICIPATIONS, None).await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["code"], "MissingAuthenticationToken");
    assert!(headers.contains_key("x-amzn-requestid"));
    assert!(
        !headers.contains_key("x-amzn-ratelimit-limit"),
        "never on 403"
    );
    // A token spapi never issued.
    let (status, _, body) = get(&w, PARTICIPATIONS, Some("Atza|IwEBforged")).await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.",
            "details": "The access token you provided is revoked, malformed or invalid."}]})
    );
    conforms(
        "models/sellers-api-model/sellers.json",
        "getMarketplaceParticipations",
        403,
        &body,
    );
    // A good token passes (the operation itself is not implemented yet).
    let token = w.access_token().await;
    let (status, _, body) = get(&w, PARTICIPATIONS, Some(&token)).await;
    assert_ne!(status, 403, "{body}");
    // Expired after 3600 s of the emulator's clock.
    w.server.clock().advance(SignedDuration::from_secs(3601));
    let (status, _, body) = get(&w, PARTICIPATIONS, Some(&token)).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["errors"][0]["details"],
        "The access token you provided has expired."
    );
}

#[tokio::test]
async fn revocation_stops_refresh_and_issued_access_tokens() {
    let w = World::start().await;
    let token = w.access_token().await;
    let resp = w
        .http
        .delete(format!(
            "{}/emulator/v1/sellers/{}/authorizations/{}",
            w.base, w.seller_id, w.application_id
        ))
        .bearer_auth(w.server.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (status, body) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &w.refresh_token),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    let (status, _, body) = get(&w, PARTICIPATIONS, Some(&token)).await;
    assert_eq!(status, 403);
    assert_eq!(
        body["errors"][0]["details"],
        "The access token you provided is revoked, malformed or invalid."
    );
}

#[tokio::test]
async fn grantless_operations_take_only_their_scope() {
    let w = World::start().await;
    let seller = w.access_token().await;
    let grantless = w.grantless_token(NOTIFICATIONS).await;
    let rotation = w
        .grantless_token("sellingpartnerapi::client_credential:rotation")
        .await;
    let destinations = "/notifications/v1/destinations";
    let (status, _, _) = get(&w, destinations, Some(&grantless)).await;
    assert_ne!(status, 403, "grantless token on a grantless operation");
    let (status, _, body) = get(&w, destinations, Some(&seller)).await;
    assert_eq!(status, 403, "seller token on a grantless operation: {body}");
    assert_eq!(body["errors"][0]["code"], "Unauthorized");
    let (status, _, _) = get(&w, destinations, Some(&rotation)).await;
    assert_eq!(status, 403, "another scope");
    let (status, _, _) = get(&w, PARTICIPATIONS, Some(&grantless)).await;
    assert_eq!(status, 403, "grantless token on a seller operation");
}

#[tokio::test]
async fn roles_gate_operations() {
    let w = World::start_with(ServerConfig::ephemeral(), &["Pricing"]).await;
    let token = w.access_token().await;
    // Listings needs Product Listing.
    let (status, _, body) = get(
        &w,
        "/listings/2021-08-01/items/A1/SKU1?marketplaceIds=ATVPDKIKX0DER",
        Some(&token),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        json!({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": ""}]})
    );
    conforms(
        "models/listings-items-api-model/listingsItems_2021-08-01.json",
        "getListingsItem",
        403,
        &body,
    );
    // Pricing may call Product Pricing.
    let (status, _, body) = get(
        &w,
        "/products/pricing/v0/price?MarketplaceId=ATVPDKIKX0DER&ItemType=Asin&Asins=B000000001",
        Some(&token),
    )
    .await;
    assert_ne!(status, 403, "{body}");
}

#[tokio::test]
async fn restricted_data_tokens_are_bound_to_their_resources() {
    let w = World::start().await;
    let token = w.access_token().await;
    let (status, body) = post_json(
        &w,
        RDT_PATH,
        &token,
        &json!({"restrictedResources": [
            {"method": "GET", "path": "/orders/v0/orders/{orderId}/address"},
            {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["buyerInfo", "shippingAddress"]}
        ], "junk": true}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    conforms(TOKENS_MODEL, "createRestrictedDataToken", 200, &body);
    let rdt = body["restrictedDataToken"].as_str().unwrap();
    assert!(rdt.starts_with("Atz.sprdt|"), "{rdt}");
    assert_eq!(body["expiresIn"], 3600);
    // The RDT opens what it names ...
    let (status, _, body) = get(
        &w,
        "/orders/v0/orders/902-1234567-1234567/address",
        Some(rdt),
    )
    .await;
    assert_ne!(status, 403, "{body}");
    let (status, _, body) = get(
        &w,
        "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2024-01-01T00:00:00Z",
        Some(rdt),
    )
    .await;
    assert_ne!(status, 403, "{body}");
    // ... and nothing else.
    let (status, _, _) = get(
        &w,
        "/orders/v0/orders/902-1234567-1234567/orderItems",
        Some(rdt),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) = get(&w, PARTICIPATIONS, Some(rdt)).await;
    assert_eq!(status, 403);
    // An RDT cannot ask for another RDT.
    let (status, _) = post_json(
        &w,
        RDT_PATH,
        rdt,
        &json!({"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]}),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn restricted_data_token_requests_are_validated() {
    let w = World::start().await;
    let token = w.access_token().await;
    let many: Vec<Value> = (0..51)
        .map(|i| json!({"method": "GET", "path": format!("/orders/v0/orders/{i}/address")}))
        .collect();
    let bad = vec![
        // Not a restricted operation.
        json!({"restrictedResources": [{"method": "GET", "path": PARTICIPATIONS}]}),
        // Not an operation at all.
        json!({"restrictedResources": [{"method": "GET", "path": "/nowhere"}]}),
        // getOrders needs dataElements.
        json!({"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders"}]}),
        // Unknown data element.
        json!({"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["everything"]}]}),
        // Too many resources.
        json!({"restrictedResources": many}),
        // None.
        json!({"restrictedResources": []}),
        // Wrong shape.
        json!({"restrictedResources": "all"}),
    ];
    for body in bad {
        let (status, answer) = post_json(&w, RDT_PATH, &token, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["errors"][0]["code"], "InvalidInput", "{answer}");
        conforms(TOKENS_MODEL, "createRestrictedDataToken", 400, &answer);
    }
}

#[tokio::test]
async fn restricted_data_needs_a_restricted_role() {
    // Inventory and Order Tracking may call getOrders, but not see addresses.
    let w = World::start_with(ServerConfig::ephemeral(), &["Inventory and Order Tracking"]).await;
    let token = w.access_token().await;
    for body in [
        json!({"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]}),
        json!({"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders", "dataElements": ["shippingAddress"]}]}),
    ] {
        let (status, answer) = post_json(&w, RDT_PATH, &token, &body).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["errors"][0]["code"], "InvalidInput");
    }
}

#[tokio::test]
async fn control_plane_needs_the_admin_token() {
    let w = World::start().await;
    let url = format!("{}/emulator/v1/apps", w.base);
    assert_eq!(w.http.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        w.http
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let resp = w
        .http
        .get(&url)
        .bearer_auth(w.server.admin_token())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    let apps = body["apps"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert!(
        apps[0].get("client_secret").is_none(),
        "secrets are never shown again"
    );
    // Creating an app shows the secret once; bad input is 400 in the envelope.
    let resp = w
        .http
        .post(&url)
        .bearer_auth(w.server.admin_token())
        .json(&json!({"name": "Second", "redirect_uris": ["https://x.example.com/cb"], "roles": ["Pricing"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    assert!(
        created["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("amzn1.oa2-cs.v1.")
    );
    assert!(
        created["application_id"]
            .as_str()
            .unwrap()
            .starts_with("amzn1.sellerapps.app.")
    );
    assert!(
        created["client_id"]
            .as_str()
            .unwrap()
            .starts_with("amzn1.application-oa2-client.")
    );
    for bad in [
        json!({"name": "", "roles": []}),
        json!({"name": "x", "roles": ["Wizard"]}),
        json!({"name": "x", "redirect_uris": ["http://example.com/cb"]}),
        json!({"nom": "x"}),
    ] {
        let resp = w
            .http
            .post(&url)
            .bearer_auth(w.server.admin_token())
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "InvalidInput");
    }
    // Sellers: duplicates conflict, passwords are never echoed.
    let sellers = format!("{}/emulator/v1/sellers", w.base);
    let new =
        json!({"name": "S", "email": "dup@example.com", "password": "long enough", "region": "EU"});
    let resp = w
        .http
        .post(&sellers)
        .bearer_auth(w.server.admin_token())
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("password").is_none() && body.get("password_hash").is_none());
    assert_eq!(body["marketplace_ids"].as_array().unwrap().len(), 16);
    let resp = w
        .http
        .post(&sellers)
        .bearer_auth(w.server.admin_token())
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
}

#[tokio::test]
async fn secrets_are_stored_hashed() {
    let w = World::start().await;
    let token = w.access_token().await;
    let app = w
        .server
        .store()
        .get_app(&w.application_id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(app.client_secret_hash, w.client_secret);
    assert_eq!(app.client_secret_hash.len(), 64);
    let seller = w
        .server
        .store()
        .get_seller(&w.seller_id)
        .await
        .unwrap()
        .unwrap();
    assert!(seller.password_hash.starts_with("$argon2"));
    // Tokens are found by hash only.
    assert!(
        w.server
            .store()
            .token_grant(&token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        w.server
            .store()
            .authorization_by_refresh_token(&w.refresh_token)
            .await
            .unwrap()
            .is_none()
    );
}
