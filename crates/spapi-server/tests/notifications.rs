//! Notifications API v1 and the delivery of notifications: destinations and subscriptions
//! with Amazon's rules, ORDER_CHANGE envelopes in the inbox and through an HTTP sink (signed),
//! retries, dead letters, order per subscription, and restart safety. Every SP-API response is
//! checked against Amazon's model and every envelope against the notification schema.

mod common;

use common::World;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;
use spapi_server::{Server, ServerConfig};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const MODEL: &str = "models/notifications-api-model/notifications.json";
const ORDER_SCHEMA: &str = "schemas/notifications/OrderChangeNotification.json";
const T0: &str = "2025-06-01T12:00:00Z";
const SCOPE: &str = "sellingpartnerapi::notifications";
const ARN: &str = "arn:aws:sqs:us-east-1:123456789012:spapi-notifications";

/// How many responses and envelopes were checked against Amazon's schemas.
static RESPONSES_CHECKED: AtomicUsize = AtomicUsize::new(0);
static ENVELOPES_CHECKED: AtomicUsize = AtomicUsize::new(0);

fn conforms(op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        let body = if status == 200 && body.is_null() {
            &Value::Null
        } else {
            body
        };
        c.assert_conforms(MODEL, op, status, body);
        RESPONSES_CHECKED.fetch_add(1, Ordering::Relaxed);
    }
}

fn envelope_conforms(envelope: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        if let Err(errors) =
            spapi_conformance::validate_schema_file(c.dir(), ORDER_SCHEMA, envelope)
        {
            panic!("envelope does not conform: {errors:#?}\n{envelope:#}");
        }
        ENVELOPES_CHECKED.fetch_add(1, Ordering::Relaxed);
    }
}

fn report(test: &str) {
    eprintln!(
        "{test}: {} responses and {} envelopes validated so far in this binary",
        RESPONSES_CHECKED.load(Ordering::Relaxed),
        ENVELOPES_CHECKED.load(Ordering::Relaxed)
    );
}

fn frozen(store: StoreConfig) -> ServerConfig {
    ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        admin_token: Some("test-admin-token".into()),
        ..ServerConfig::ephemeral()
    }
}

/// Calls of one server: SP-API with a token, and the control plane.
struct Api {
    base: String,
    admin: String,
    http: reqwest::Client,
}

impl Api {
    fn of(server: &Server) -> Api {
        Api {
            base: server.base_url(),
            admin: server.admin_token().to_string(),
            http: common::client(),
        }
    }

    /// An SP-API call; the response is checked against the model for `op`.
    async fn sp(
        &self,
        op: &str,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-amz-access-token", token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let body: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        conforms(op, status, &body);
        (status, body)
    }

    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/emulator/v1{path}", self.base))
            .bearer_auth(&self.admin);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn advance(&self, seconds: u64) {
        let (status, body) = self
            .control(
                reqwest::Method::POST,
                "/clock",
                Some(json!({"advance_seconds": seconds})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    async fn inbox(&self, query: &str) -> Vec<Value> {
        let (status, body) = self
            .control(
                reqwest::Method::GET,
                &format!("/notifications?{query}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["notifications"].as_array().unwrap().clone()
    }

    async fn dead_letters(&self, query: &str) -> Vec<Value> {
        let (status, body) = self
            .control(
                reqwest::Method::GET,
                &format!("/notifications/dead-letters?{query}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["notifications"].as_array().unwrap().clone()
    }

    async fn create_destination(&self, grantless: &str, name: &str, arn: &str) -> String {
        let (status, body) = self
            .sp(
                "createDestination",
                reqwest::Method::POST,
                "/notifications/v1/destinations",
                grantless,
                Some(json!({"name": name, "resourceSpecification": {"sqs": {"arn": arn}}})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["payload"]["destinationId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn subscribe(&self, seller: &str, destination: &str, directive: Option<Value>) -> String {
        let mut body = json!({"payloadVersion": "1.0", "destinationId": destination});
        if let Some(d) = directive {
            body["processingDirective"] = d;
        }
        let (status, body) = self
            .sp(
                "createSubscription",
                reqwest::Method::POST,
                "/notifications/v1/subscriptions/ORDER_CHANGE",
                seller,
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["payload"]["subscriptionId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn set_sink(&self, destination: &str, url: &str, secret: &str) {
        let (status, body) = self
            .control(
                reqwest::Method::POST,
                &format!("/destinations/{destination}/http-sink"),
                Some(json!({"url": url, "secret": secret})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Generates a small world for `seller` and places an MFN order; returns its id.
    async fn place_order(&self, seller: &str) -> String {
        let (status, listings) = self
            .control(
                reqwest::Method::GET,
                &format!("/sellers/{seller}/listings"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        if listings["listings"].as_array().is_none_or(Vec::is_empty) {
            let (status, body) = self
                .control(
                    reqwest::Method::POST,
                    &format!("/sellers/{seller}/world"),
                    Some(json!({"seed": 3, "products": 24, "days": 1, "orders_per_day": 1})),
                )
                .await;
            assert_eq!(status, 201, "{body}");
            return Box::pin(self.place_order(seller)).await;
        }
        let sku = listings["listings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| {
                l["fulfillment_channel"] == "MFN"
                    && l["marketplace_id"] == "ATVPDKIKX0DER"
                    && l["quantity"].as_i64().unwrap() >= 1
            })
            .expect("an MFN listing with stock")["sku"]
            .as_str()
            .unwrap()
            .to_string();
        let (status, placed) = self
            .control(
                reqwest::Method::POST,
                &format!("/sellers/{seller}/orders"),
                Some(json!({"marketplace_id": "ATVPDKIKX0DER", "items": [{"sku": sku, "quantity": 1}]})),
            )
            .await;
        assert_eq!(status, 201, "{placed}");
        placed["order"]["AmazonOrderId"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// Polls `f` every 50 ms for up to 10 s until it returns `Some`.
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..200 {
        if let Some(v) = f().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A tiny HTTP sink: records every body whose signature is valid, answers 500 to the first
/// `fail_first` requests (all of them with `always_fail`).
struct Sink {
    secret: String,
    fail_first: usize,
    always_fail: bool,
    requests: AtomicUsize,
    bad_signatures: AtomicUsize,
    /// Every correctly signed body, answered 2xx or not.
    received: Mutex<Vec<Value>>,
    accepted: Mutex<Vec<Value>>,
}

impl Sink {
    async fn start(secret: &str, fail_first: usize, always_fail: bool) -> (Arc<Sink>, String) {
        let sink = Arc::new(Sink {
            secret: secret.into(),
            fail_first,
            always_fail,
            requests: AtomicUsize::new(0),
            bad_signatures: AtomicUsize::new(0),
            received: Mutex::new(Vec::new()),
            accepted: Mutex::new(Vec::new()),
        });
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(sink.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        (sink, url)
    }

    fn accepted(&self) -> Vec<Value> {
        self.accepted.lock().unwrap().clone()
    }

    /// How many correctly signed requests were about one of `orders`.
    fn received_about(&self, orders: &[&str]) -> usize {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|e| orders.contains(&order_of(e).0.as_str()))
            .count()
    }
}

async fn hook(
    axum::extract::State(sink): axum::extract::State<Arc<Sink>>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let n = sink.requests.fetch_add(1, Ordering::SeqCst);
    let mut mac = Hmac::<Sha256>::new_from_slice(sink.secret.as_bytes()).unwrap();
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let given = headers
        .get("x-spapi-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if given != format!("sha256={expected}") {
        sink.bad_signatures.fetch_add(1, Ordering::SeqCst);
        return axum::http::StatusCode::UNAUTHORIZED;
    }
    sink.received
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    if sink.always_fail || n < sink.fail_first {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR;
    }
    sink.accepted
        .lock()
        .unwrap()
        .push(serde_json::from_slice(&body).unwrap());
    axum::http::StatusCode::NO_CONTENT
}

/// The notifications about one of `orders` (the generated world's own orders also change on
/// the clock and fire ORDER_CHANGE events of their own).
fn about(list: Vec<Value>, orders: &[&str]) -> Vec<Value> {
    list.into_iter()
        .filter(|n| {
            let env = n.get("envelope").unwrap_or(n);
            orders.contains(&order_of(env).0.as_str())
        })
        .collect()
}

fn order_of(envelope: &Value) -> (String, String) {
    let o = &envelope["Payload"]["OrderChangeNotification"];
    (
        o["AmazonOrderId"].as_str().unwrap().to_string(),
        o["OrderChangeTrigger"]["ChangeReason"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[tokio::test]
async fn destinations_and_subscriptions_follow_amazons_rules() {
    let w = World::start_with(frozen(StoreConfig::SqliteMemory), &[]).await;
    let api = Api::of(&w.server);
    let grantless = w.grantless_token(SCOPE).await;
    let seller = w.access_token().await;
    use reqwest::Method;

    // Destinations are grantless: a seller token is refused.
    let (status, _) = api
        .sp(
            "getDestinations",
            Method::GET,
            "/notifications/v1/destinations",
            &seller,
            None,
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = api
        .sp(
            "getDestinations",
            Method::GET,
            "/notifications/v1/destinations",
            &grantless,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["payload"], json!([]));

    // Bad ARNs and resource specifications.
    for arn in [
        "arn:aws:sqs:us-east-1:12345:queue",
        "arn:aws:sns:us-east-1:123456789012:topic",
        "arn:aws:sqs:us-east-1:123456789012:queue.fifo",
        "arn:aws:sqs:mars:123456789012:queue",
        "arn:aws:sqs:us-east-1:123456789012:",
    ] {
        let (status, body) = api
            .sp(
                "createDestination",
                Method::POST,
                "/notifications/v1/destinations",
                &grantless,
                Some(json!({"name": "d", "resourceSpecification": {"sqs": {"arn": arn}}})),
            )
            .await;
        assert_eq!(status, 400, "{arn}: {body}");
        assert_eq!(body["errors"][0]["code"], "InvalidInput");
    }
    for spec in [
        json!({}),
        json!({"sqs": {"arn": ARN}, "eventBridge": {"region": "us-east-1", "accountId": "123456789012"}}),
        json!({"eventBridge": {"region": "us-east-1", "accountId": "42"}}),
    ] {
        let (status, body) = api
            .sp(
                "createDestination",
                Method::POST,
                "/notifications/v1/destinations",
                &grantless,
                Some(json!({"name": "d", "resourceSpecification": spec})),
            )
            .await;
        assert_eq!(status, 400, "{spec}: {body}");
    }

    // An SQS and an EventBridge destination; the same resource twice is a conflict.
    let sqs = api.create_destination(&grantless, "queue", ARN).await;
    assert_eq!(uuid::Uuid::parse_str(&sqs).unwrap().get_version_num(), 4);
    let (status, body) = api
        .sp(
            "createDestination",
            Method::POST,
            "/notifications/v1/destinations",
            &grantless,
            Some(json!({"name": "again", "resourceSpecification": {"sqs": {"arn": ARN}}})),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = api
        .sp(
            "createDestination",
            Method::POST,
            "/notifications/v1/destinations",
            &grantless,
            Some(json!({"name": "bus", "resourceSpecification": {"eventBridge": {"region": "us-west-2", "accountId": "210987654321"}}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let bus = body["payload"]["destinationId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        body["payload"]["resource"]["eventBridge"]["region"],
        "us-west-2"
    );
    assert_eq!(
        body["payload"]["resource"]["eventBridge"]["accountId"],
        "210987654321"
    );
    let (status, body) = api
        .sp(
            "getDestination",
            Method::GET,
            &format!("/notifications/v1/destinations/{sqs}"),
            &grantless,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["payload"]["resource"]["sqs"]["arn"], ARN);
    assert_eq!(body["payload"]["name"], "queue");
    let (_, body) = api
        .sp(
            "getDestinations",
            Method::GET,
            "/notifications/v1/destinations",
            &grantless,
            None,
        )
        .await;
    assert_eq!(body["payload"].as_array().unwrap().len(), 2);
    let unknown = uuid::Uuid::new_v4();
    for (op, method) in [
        ("getDestination", Method::GET),
        ("deleteDestination", Method::DELETE),
    ] {
        let (status, body) = api
            .sp(
                op,
                method,
                &format!("/notifications/v1/destinations/{unknown}"),
                &grantless,
                None,
            )
            .await;
        assert_eq!(status, 404, "{op}: {body}");
    }

    // Subscriptions need a seller token; grantless ones are refused.
    let create = |dest: &str| json!({"payloadVersion": "1.0", "destinationId": dest});
    let (status, _) = api
        .sp(
            "createSubscription",
            Method::POST,
            "/notifications/v1/subscriptions/ORDER_CHANGE",
            &grantless,
            Some(create(&sqs)),
        )
        .await;
    assert_eq!(status, 403);
    let (status, body) = api
        .sp(
            "getSubscription",
            Method::GET,
            "/notifications/v1/subscriptions/ORDER_CHANGE",
            &seller,
            None,
        )
        .await;
    assert_eq!(status, 404, "{body}");
    // Unknown type, version, destination; bad directives.
    for (path_type, body) in [
        ("NOT_A_TYPE", create(&sqs)),
        (
            "ORDER_CHANGE",
            json!({"payloadVersion": "9.9", "destinationId": sqs}),
        ),
        ("ORDER_CHANGE", create(&unknown.to_string())),
        (
            "ORDER_CHANGE",
            json!({"payloadVersion": "1.0", "destinationId": sqs, "processingDirective":
                {"eventFilter": {"eventFilterType": "ANY_OFFER_CHANGED"}}}),
        ),
        (
            "ORDER_CHANGE",
            json!({"payloadVersion": "1.0", "destinationId": sqs, "processingDirective":
                {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "aggregationSettings": {"aggregationTimePeriod": "FiveMinutes"}}}}),
        ),
        (
            "ORDER_CHANGE",
            json!({"payloadVersion": "1.0", "destinationId": sqs, "processingDirective":
                {"eventFilter": {"eventFilterType": "ORDER_CHANGE"}, "filterExpression": "true"}}),
        ),
    ] {
        let (status, resp) = api
            .sp(
                "createSubscription",
                Method::POST,
                &format!("/notifications/v1/subscriptions/{path_type}"),
                &seller,
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, 400, "{path_type} {body}: {resp}");
    }
    let directive = json!({"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["OrderStatusChange"]}});
    let sub = api.subscribe(&seller, &sqs, Some(directive.clone())).await;
    // One per seller, app, type and payload version.
    let (status, body) = api
        .sp(
            "createSubscription",
            Method::POST,
            "/notifications/v1/subscriptions/ORDER_CHANGE",
            &seller,
            Some(create(&sqs)),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["errors"][0]["code"], "Conflict");
    // EventBridge destinations take the listings types only: ORDER_CHANGE goes through SQS.
    let (status, body) = api
        .sp(
            "createSubscription",
            Method::POST,
            "/notifications/v1/subscriptions/ORDER_CHANGE",
            &seller,
            Some(create(&bus)),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "InvalidInput");
    // ANY_OFFER_CHANGED with its aggregation settings is kept as given.
    let offer_directive = json!({"eventFilter": {"eventFilterType": "ANY_OFFER_CHANGED",
        "marketplaceIds": ["ATVPDKIKX0DER"], "aggregationSettings": {"aggregationTimePeriod": "FiveMinutes"}}});
    let (status, body) = api
        .sp(
            "createSubscription",
            Method::POST,
            "/notifications/v1/subscriptions/ANY_OFFER_CHANGED",
            &seller,
            Some(json!({"payloadVersion": "1.0", "destinationId": sqs, "processingDirective": offer_directive})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["payload"]["processingDirective"], offer_directive);
    let offer_sub = body["payload"]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_string();

    let (status, body) = api
        .sp(
            "getSubscription",
            Method::GET,
            "/notifications/v1/subscriptions/ORDER_CHANGE?payloadVersion=1.0",
            &seller,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["payload"]["subscriptionId"], sub.as_str());
    assert_eq!(body["payload"]["destinationId"], sqs.as_str());
    assert_eq!(body["payload"]["processingDirective"], directive);
    let (status, body) = api
        .sp(
            "getSubscriptions",
            Method::GET,
            "/notifications/v1/subscriptions?notificationTypes=ANY_OFFER_CHANGED&pageSize=30",
            &seller,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let list = body["payload"]["subscriptions"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["subscriptionId"], offer_sub.as_str());
    assert!(body["payload"].get("nextToken").is_none());
    // One type per request (the model's maxItems), a page of 30 to 100.
    for query in [
        "notificationTypes=ORDER_CHANGE,ANY_OFFER_CHANGED",
        "notificationTypes=ORDER_CHANGE&pageSize=5",
        "notificationTypes=ORDER_CHANGE&nextToken=garbage",
    ] {
        let (status, body) = api
            .sp(
                "getSubscriptions",
                Method::GET,
                &format!("/notifications/v1/subscriptions?{query}"),
                &seller,
                None,
            )
            .await;
        assert_eq!(status, 400, "{query}: {body}");
    }

    // By id, grantless; a wrong type or id is 404.
    let by_id = format!("/notifications/v1/subscriptions/ORDER_CHANGE/{sub}");
    let (status, _) = api
        .sp("getSubscriptionById", Method::GET, &by_id, &seller, None)
        .await;
    assert_eq!(status, 403);
    let (status, body) = api
        .sp("getSubscriptionById", Method::GET, &by_id, &grantless, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["payload"]["subscriptionId"], sub.as_str());
    for path in [
        format!("/notifications/v1/subscriptions/ANY_OFFER_CHANGED/{sub}"),
        format!("/notifications/v1/subscriptions/ORDER_CHANGE/{unknown}"),
    ] {
        let (status, _) = api
            .sp("getSubscriptionById", Method::GET, &path, &grantless, None)
            .await;
        assert_eq!(status, 404, "{path}");
    }

    // A destination in use cannot be deleted.
    let (status, body) = api
        .sp(
            "deleteDestination",
            Method::DELETE,
            &format!("/notifications/v1/destinations/{sqs}"),
            &grantless,
            None,
        )
        .await;
    assert_eq!(status, 409, "{body}");

    // A test notification goes through the subscription's destination into the inbox.
    let (status, body) = api
        .sp(
            "sendTestNotification",
            Method::POST,
            "/notifications/v1/subscriptions/ORDER_CHANGE/testNotification",
            &seller,
            Some(json!({"testNotification": {"payloadVersion": "1.0", "testScenario": "ORDER_STATUS_CHANGE"}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["payload"]["notificationId"]
        .as_str()
        .unwrap()
        .to_string();
    let delivered = eventually("the test notification", || async {
        api.inbox(&format!("subscription={sub}"))
            .await
            .into_iter()
            .find(|n| n["notification_id"] == id.as_str())
    })
    .await;
    envelope_conforms(&delivered["envelope"]);
    assert_eq!(delivered["destination_id"], sqs.as_str());
    let (status, _) = api
        .sp(
            "sendTestNotification",
            Method::POST,
            "/notifications/v1/subscriptions/ORDER_CHANGE/testNotification",
            &seller,
            Some(json!({"testNotification": {"payloadVersion": "1.0", "testScenario": ""}})),
        )
        .await;
    assert_eq!(status, 400);

    // Deleting the subscriptions frees the destinations.
    for (ty, id) in [("ORDER_CHANGE", &sub), ("ANY_OFFER_CHANGED", &offer_sub)] {
        let path = format!("/notifications/v1/subscriptions/{ty}/{id}");
        let (status, body) = api
            .sp(
                "deleteSubscriptionById",
                Method::DELETE,
                &path,
                &grantless,
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = api
            .sp(
                "deleteSubscriptionById",
                Method::DELETE,
                &path,
                &grantless,
                None,
            )
            .await;
        assert_eq!(status, 404);
    }
    for d in [&sqs, &bus] {
        let (status, body) = api
            .sp(
                "deleteDestination",
                Method::DELETE,
                &format!("/notifications/v1/destinations/{d}"),
                &grantless,
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (_, body) = api
        .sp(
            "getDestinations",
            Method::GET,
            "/notifications/v1/destinations",
            &grantless,
            None,
        )
        .await;
    assert_eq!(body["payload"], json!([]));
    report("destinations_and_subscriptions_follow_amazons_rules");
}

#[tokio::test]
async fn order_change_reaches_the_inbox_and_a_signed_http_sink() {
    order_change_scenario(StoreConfig::SqliteMemory).await;
    report("order_change_reaches_the_inbox_and_a_signed_http_sink");
}

#[tokio::test]
async fn order_change_reaches_the_inbox_and_a_signed_http_sink_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    order_change_scenario(StoreConfig::Postgres(url)).await;
    report("order_change_reaches_the_inbox_and_a_signed_http_sink_on_postgres");
}

/// An ORDER_CHANGE subscription with an HTTP sink: an order placed and moved on the clock.
async fn order_change_scenario(store: StoreConfig) {
    let w = World::start_with(frozen(store), &[]).await;
    let api = Api::of(&w.server);
    let grantless = w.grantless_token(SCOPE).await;
    let seller = w.access_token().await;
    let dest = api.create_destination(&grantless, "orders", ARN).await;
    let (sink, url) = Sink::start("s3cret", 0, false).await;
    api.set_sink(&dest, &url, "s3cret").await;
    let sub = api.subscribe(&seller, &dest, None).await;

    let order = api.place_order(&w.seller_id).await;
    // The payment hold passes on the clock: Pending -> Unshipped.
    api.advance(600).await;
    let inbox = eventually("two notifications", || async {
        let n = api
            .inbox(&format!("subscription={sub}&type=ORDER_CHANGE"))
            .await;
        let n = about(n, &[&order]);
        (n.len() >= 2).then_some(n)
    })
    .await;
    assert_eq!(inbox.len(), 2, "{inbox:#?}");
    for n in &inbox {
        let env = &n["envelope"];
        envelope_conforms(env);
        assert_eq!(env["NotificationVersion"], "1.0");
        assert_eq!(env["NotificationType"], "ORDER_CHANGE");
        assert_eq!(env["PayloadVersion"], "1.0");
        assert_eq!(
            env["NotificationMetadata"]["ApplicationId"],
            w.application_id.as_str()
        );
        assert_eq!(env["NotificationMetadata"]["SubscriptionId"], sub.as_str());
        let nid = env["NotificationMetadata"]["NotificationId"]
            .as_str()
            .unwrap();
        assert!(uuid::Uuid::parse_str(nid).is_ok(), "{nid}");
        assert_eq!(
            env["Payload"]["OrderChangeNotification"]["SellerId"],
            w.seller_id.as_str()
        );
        assert_eq!(n["state"], "delivered");
        assert_eq!(n["attempts"], 1);
    }
    assert_eq!(
        inbox
            .iter()
            .map(|n| order_of(&n["envelope"]))
            .collect::<Vec<_>>(),
        [
            (order.clone(), "NewOrder".to_string()),
            (order.clone(), "PaymentAuthorized".to_string())
        ]
    );
    assert_eq!(
        inbox[1]["envelope"]["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"],
        "Unshipped"
    );
    // The sink got the same envelopes, signed.
    let got = about(sink.accepted(), &[&order]);
    assert_eq!(sink.bad_signatures.load(Ordering::SeqCst), 0);
    assert_eq!(
        got,
        inbox
            .iter()
            .map(|n| n["envelope"].clone())
            .collect::<Vec<_>>()
    );
    assert!(api.dead_letters("").await.is_empty());

    // A filter on other change types lets nothing through (after resubscribing with it).
    let (status, _) = api
        .sp(
            "deleteSubscriptionById",
            reqwest::Method::DELETE,
            &format!("/notifications/v1/subscriptions/ORDER_CHANGE/{sub}"),
            &grantless,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let filtered = api
        .subscribe(
            &seller,
            &dest,
            Some(json!({"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["BuyerRequestedChange"]}})),
        )
        .await;
    let second = api.place_order(&w.seller_id).await;
    api.advance(600).await;
    // The outbox drains (the events were fanned out) and nothing matched.
    eventually("the outbox to drain", || async {
        let (_, body) = api.control(reqwest::Method::GET, "/outbox", None).await;
        body["events"].as_array().unwrap().is_empty().then_some(())
    })
    .await;
    assert!(
        api.inbox(&format!("subscription={filtered}"))
            .await
            .is_empty()
    );
    assert!(!sink.accepted().iter().any(|e| order_of(e).0 == second));
    // The dead-letter and inbox filters.
    assert!(api.dead_letters("limit=5").await.is_empty());
    assert!(api.inbox("type=ANY_OFFER_CHANGED").await.is_empty());
}

#[tokio::test]
async fn a_failing_sink_gets_retries_in_order() {
    let w = World::start_with(frozen(StoreConfig::SqliteMemory), &[]).await;
    let api = Api::of(&w.server);
    let grantless = w.grantless_token(SCOPE).await;
    let seller = w.access_token().await;
    let dest = api.create_destination(&grantless, "flaky", ARN).await;
    let (sink, url) = Sink::start("k", 3, false).await;
    api.set_sink(&dest, &url, "k").await;
    let sub = api.subscribe(&seller, &dest, None).await;
    let a = api.place_order(&w.seller_id).await;
    let b = api.place_order(&w.seller_id).await;
    // Let the first attempt fail, then move the clock past each backoff.
    let mut rounds = 0;
    let delivered = loop {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let got = about(sink.accepted(), &[&a, &b]);
        if got.len() >= 4 {
            break got;
        }
        rounds += 1;
        assert!(rounds < 100, "not delivered: {got:#?}");
        // The first advance also releases the payment holds (two more events).
        api.advance(600).await;
    };
    assert_eq!(
        sink.received_about(&[&a, &b]),
        3 + 4,
        "three failures, four deliveries"
    );
    let all = api.inbox(&format!("subscription={sub}&limit=1000")).await;
    let all_events: Vec<i64> = all
        .iter()
        .map(|n| n["event_id"].as_i64().unwrap())
        .collect();
    assert!(all_events.windows(2).all(|p| p[0] < p[1]), "{all_events:?}");
    let inbox = about(all, &[&a, &b]);
    assert_eq!(inbox.len(), 4);
    // The head notification needed four attempts; the others one each, after it.
    assert_eq!(inbox[0]["attempts"], 4);
    assert!(
        inbox[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("HTTP 500")
    );
    assert!(inbox[1..].iter().all(|n| n["attempts"] == 1));
    // Order per subscription: the sink saw the events in the order they happened.
    let events: Vec<i64> = inbox
        .iter()
        .map(|n| n["event_id"].as_i64().unwrap())
        .collect();
    assert!(events.windows(2).all(|p| p[0] < p[1]), "{events:?}");
    assert_eq!(
        delivered,
        inbox
            .iter()
            .map(|n| n["envelope"].clone())
            .collect::<Vec<_>>()
    );
    let seen: Vec<(String, String)> = delivered.iter().map(order_of).collect();
    assert_eq!(seen[0], (a.clone(), "NewOrder".into()));
    assert_eq!(seen[1], (b.clone(), "NewOrder".into()));
    assert_eq!(seen[2].1, "PaymentAuthorized");
    assert_eq!(seen[3].1, "PaymentAuthorized");
    for e in &delivered {
        envelope_conforms(e);
    }
    assert!(api.dead_letters("").await.is_empty());
    report("a_failing_sink_gets_retries_in_order");
}

#[tokio::test]
async fn a_sink_that_always_fails_ends_in_dead_letters() {
    let w = World::start_with(frozen(StoreConfig::SqliteMemory), &[]).await;
    let api = Api::of(&w.server);
    let grantless = w.grantless_token(SCOPE).await;
    let seller = w.access_token().await;
    let dest = api.create_destination(&grantless, "down", ARN).await;
    let (sink, url) = Sink::start("k", 0, true).await;
    api.set_sink(&dest, &url, "k").await;
    let sub = api.subscribe(&seller, &dest, None).await;
    let order = api.place_order(&w.seller_id).await;
    let dead = eventually("dead letters", || async {
        let dead = about(
            api.dead_letters(&format!("subscription={sub}&limit=1000"))
                .await,
            &[&order],
        );
        if dead.len() >= 2 {
            return Some(dead);
        }
        api.advance(700).await;
        None
    })
    .await;
    assert_eq!(dead.len(), 2);
    let max = spapi_server::notify::MAX_ATTEMPTS as i64;
    for d in &dead {
        assert_eq!(d["state"], "dead");
        assert_eq!(d["attempts"].as_i64(), Some(max));
        assert!(
            d["last_error"].as_str().unwrap().contains("HTTP 500"),
            "{d}"
        );
        envelope_conforms(&d["envelope"]);
    }
    // Dead in event order, the first one before the second was tried.
    assert_eq!(
        dead.iter()
            .map(|d| order_of(&d["envelope"]))
            .collect::<Vec<_>>(),
        [
            (order.clone(), "NewOrder".to_string()),
            (order.clone(), "PaymentAuthorized".to_string())
        ]
    );
    assert_eq!(sink.received_about(&[&order]), 2 * max as usize);
    assert!(api.inbox(&format!("subscription={sub}")).await.is_empty());
    report("a_sink_that_always_fails_ends_in_dead_letters");
}

#[tokio::test]
async fn undelivered_notifications_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("spapi-notify-{}", uuid::Uuid::new_v4()));
    let file = dir.join("spapi.sqlite");
    let w = World::start_with(frozen(StoreConfig::SqliteFile(file.clone())), &[]).await;
    let api = Api::of(&w.server);
    let grantless = w.grantless_token(SCOPE).await;
    let seller = w.access_token().await;
    let dest = api.create_destination(&grantless, "restart", ARN).await;
    // The sink is down during the first run.
    let (down, down_url) = Sink::start("k", 0, true).await;
    api.set_sink(&dest, &down_url, "k").await;
    let sub = api.subscribe(&seller, &dest, None).await;
    let order = api.place_order(&w.seller_id).await;
    eventually("a failed attempt", || async {
        (down.requests.load(Ordering::SeqCst) > 0).then_some(())
    })
    .await;
    // An event committed just before the stop (maybe not even fanned out yet).
    let payload = json!({"NotificationLevel": "OrderLevel", "SellerId": w.seller_id, "AmazonOrderId": order,
        "OrderChangeType": "OrderStatusChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": T0, "ChangeReason": "LastBeforeStop"},
        "Summary": {"MarketplaceId": "ATVPDKIKX0DER", "OrderStatus": "Pending", "PurchaseDate": T0,
            "DestinationPostalCode": null, "FulfillmentType": "MFN", "OrderType": "StandardOrder", "NumberOfItemsShipped": 0,
            "NumberOfItemsUnshipped": 1, "OrderItems": []}});
    w.server
        .store()
        .push_outbox("ORDER_CHANGE", Some(&w.seller_id), &payload)
        .await
        .unwrap();
    let World { server, .. } = w;
    server.shutdown().await.unwrap();

    // Same file, a later clock, and the sink is up.
    let config = ServerConfig {
        clock: Clock::frozen("2025-06-01T13:00:00Z".parse().unwrap()),
        ..frozen(StoreConfig::SqliteFile(file.clone()))
    };
    let server = Server::start(config).await.unwrap();
    let api = Api::of(&server);
    let (up, up_url) = Sink::start("k2", 0, false).await;
    api.set_sink(&dest, &up_url, "k2").await;
    let inbox = eventually("the notifications after the restart", || async {
        let n = about(api.inbox(&format!("subscription={sub}")).await, &[&order]);
        if n.len() >= 3 {
            return Some(n);
        }
        // The new instance may have tried the old (down) sink before the new one was set:
        // move past the backoff.
        api.advance(700).await;
        None
    })
    .await;
    // The two events of the first run, then the payment hold the later clock released.
    let reasons: Vec<String> = inbox.iter().map(|n| order_of(&n["envelope"]).1).collect();
    assert_eq!(reasons, ["NewOrder", "LastBeforeStop", "PaymentAuthorized"]);
    assert_eq!(
        about(up.accepted(), &[&order]),
        inbox
            .iter()
            .map(|n| n["envelope"].clone())
            .collect::<Vec<_>>()
    );
    for n in &inbox {
        envelope_conforms(&n["envelope"]);
    }
    assert!(inbox[0]["attempts"].as_i64().unwrap() >= 2, "{}", inbox[0]);
    server.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    report("undelivered_notifications_survive_a_restart");
}
