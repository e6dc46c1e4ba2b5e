//! Delivery of notifications to AWS through AWS's own protocols: moto's server
//! (`.venv/bin/moto_server`) plays SQS and EventBridge on loopback, spapi runs with
//! `sqs_endpoint` / `eventbridge_endpoint` pointing at it, and a notification about an order
//! placed through the control plane arrives as a schema-conforming envelope: ORDER_CHANGE in the
//! destination's queue; LISTINGS_ITEM_MFN_QUANTITY_CHANGE (Amazon's EventBridge types are the
//! listings ones) as a partner event routed by an EventBridge rule to a queue.
//!
//! moto comes from `.ci/python.sh` (`ensure_python_venv`). Without it the test is skipped,
//! except under CI (`CI` set), where it fails.

#![cfg(unix)]

mod common;

use common::World;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::notify::transport::sqs_queue_url;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ORDER_SCHEMA: &str = "schemas/notifications/OrderChangeNotification.json";
const MFN_QUANTITY_SCHEMA: &str = "schemas/notifications/ListingsItemMfnQuantityChange.json";
const SCOPE: &str = "sellingpartnerapi::notifications";
/// moto's default account.
const ACCOUNT: &str = "123456789012";
/// A fake SigV4 credential: moto routes on the credential's service and region, and does not
/// check the signature.
const AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0";

fn moto_server() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server")
}

/// A moto server on a free loopback port; killed (with its process group) on drop.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn start(bin: &Path) -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(bin)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("starting moto_server");
        let mut moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited before listening: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on {addr} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto.url = format!("http://{addr}");
        moto
    }

    /// One call of the SQS JSON protocol; panics unless it answers 200.
    async fn sqs(&self, http: &reqwest::Client, action: &str, request: Value) -> Value {
        self.call(http, "AmazonSQS", "1.0", AUTHORIZATION, action, request)
            .await
    }

    /// One call of the EventBridge JSON protocol; panics unless it answers 200.
    async fn events(&self, http: &reqwest::Client, action: &str, request: Value) -> Value {
        let authorization = AUTHORIZATION.replace("/sqs/", "/events/");
        self.call(http, "AWSEvents", "1.1", &authorization, action, request)
            .await
    }

    async fn call(
        &self,
        http: &reqwest::Client,
        service: &str,
        json_version: &str,
        authorization: &str,
        action: &str,
        request: Value,
    ) -> Value {
        let resp = http
            .post(format!("{}/", self.url))
            .header("X-Amz-Target", format!("{service}.{action}"))
            .header(
                "Content-Type",
                format!("application/x-amz-json-{json_version}"),
            )
            .header("Authorization", authorization)
            .body(request.to_string())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{action}: {e}"));
        let status = resp.status();
        let text = resp.text().await.unwrap();
        assert!(status.is_success(), "{action}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{action}: {e}: {text}"))
    }
}

async fn control(
    w: &World,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = w
        .http
        .request(method, format!("{}/emulator/v1{path}", w.base))
        .bearer_auth(w.server.admin_token());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Generates a small world for the seller and places an MFN order; returns its id.
async fn place_order(w: &World) -> String {
    place_mfn_order(w).await.0
}

/// [`place_order`], also naming the SKU ordered.
async fn place_mfn_order(w: &World) -> (String, String) {
    let seller = &w.seller_id;
    let (status, body) = control(
        w,
        reqwest::Method::POST,
        &format!("/sellers/{seller}/world"),
        Some(json!({"seed": 3, "products": 24, "days": 1, "orders_per_day": 1})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, listings) = control(
        w,
        reqwest::Method::GET,
        &format!("/sellers/{seller}/listings"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{listings}");
    let sku = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| {
            l["fulfillment_channel"] == "MFN"
                && l["marketplace_id"] == "ATVPDKIKX0DER"
                && l["quantity"].as_i64().unwrap_or(0) >= 1
        })
        .expect("an MFN listing with stock")["sku"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, placed) = control(
        w,
        reqwest::Method::POST,
        &format!("/sellers/{seller}/orders"),
        Some(json!({"marketplace_id": "ATVPDKIKX0DER", "items": [{"sku": sku, "quantity": 1}]})),
    )
    .await;
    assert_eq!(status, 201, "{placed}");
    let order = placed["order"]["AmazonOrderId"]
        .as_str()
        .unwrap()
        .to_string();
    (order, sku)
}

/// moto's server, or `None` (the test is skipped) when it is not installed outside CI.
fn moto_or_skip(test: &str) -> Option<PathBuf> {
    let bin = moto_server();
    if bin.is_file() {
        return Some(bin);
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!(
            "{} is missing; under CI (CI is set) {test} is required: run .ci/python.sh's \
             ensure_python_venv (moto)",
            bin.display()
        );
    }
    eprintln!("skipping {test}: run .ci/python.sh's ensure_python_venv (moto)");
    None
}

/// Receives from `queue_url` (bounded: 50 x 200 ms) until `find` picks a message body; returns
/// it and how many messages were received in all.
async fn receive_until(
    moto: &Moto,
    http: &reqwest::Client,
    queue_url: &str,
    mut find: impl FnMut(Value) -> Option<Value>,
) -> (Option<Value>, usize) {
    let mut received = 0;
    for _ in 0..50 {
        let answer = moto
            .sqs(
                http,
                "ReceiveMessage",
                json!({"QueueUrl": queue_url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0}),
            )
            .await;
        for m in answer["Messages"].as_array().into_iter().flatten() {
            received += 1;
            let body = m["Body"].as_str().expect("message Body");
            let body: Value = serde_json::from_str(body)
                .unwrap_or_else(|e| panic!("message body is not JSON: {e}: {body}"));
            if let Some(found) = find(body) {
                return (Some(found), received);
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (None, received)
}

/// Checks an ORDER_CHANGE envelope against its schema (when the models are there) and says
/// whether it is about `order`.
fn order_change_about(
    models: &Option<PathBuf>,
    envelope: &Value,
    order: &str,
    seller: &str,
) -> bool {
    if let Some(dir) = models
        && let Err(errors) = spapi_conformance::validate_schema_file(dir, ORDER_SCHEMA, envelope)
    {
        panic!("envelope does not conform: {errors:#?}\n{envelope:#}");
    }
    assert_eq!(envelope["NotificationType"], "ORDER_CHANGE", "{envelope:#}");
    let o = &envelope["Payload"]["OrderChangeNotification"];
    if o["AmazonOrderId"] == order {
        assert_eq!(o["SellerId"], seller, "{envelope:#}");
        return true;
    }
    false
}

#[tokio::test]
async fn order_change_arrives_in_an_sqs_queue() {
    let Some(bin) = moto_or_skip("the SQS test") else {
        return;
    };
    let models = spapi_conformance::models_dir();
    let moto = Moto::start(&bin);
    let http = common::client();

    // The queue, and the URL spapi derives from its ARN is the one moto gives it.
    let name = "spapi-notifications";
    let created = moto
        .sqs(&http, "CreateQueue", json!({"QueueName": name}))
        .await;
    let queue_url = created["QueueUrl"].as_str().expect("QueueUrl").to_string();
    let arn = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}");
    assert_eq!(
        sqs_queue_url(&moto.url, &arn).as_deref(),
        Some(queue_url.as_str()),
        "spapi's queue URL of {arn} differs from moto's"
    );

    let w = World::start_with(
        ServerConfig {
            sqs_endpoint: Some(moto.url.clone()),
            ..ServerConfig::ephemeral()
        },
        &[],
    )
    .await;

    // An SQS destination (grantless) and the seller's ORDER_CHANGE subscription to it.
    let grantless = w.grantless_token(SCOPE).await;
    let resp = w
        .http
        .post(format!("{}/notifications/v1/destinations", w.base))
        .header("x-amz-access-token", &grantless)
        .json(&json!({"name": "moto", "resourceSpecification": {"sqs": {"arn": arn}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    let destination = body["payload"]["destinationId"]
        .as_str()
        .expect("destinationId")
        .to_string();
    let seller = w.access_token().await;
    let resp = w
        .http
        .post(format!(
            "{}/notifications/v1/subscriptions/ORDER_CHANGE",
            w.base
        ))
        .header("x-amz-access-token", &seller)
        .json(&json!({"payloadVersion": "1.0", "destinationId": destination}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let order = place_order(&w).await;

    let (found, received) = receive_until(&moto, &http, &queue_url, |envelope| {
        order_change_about(&models, &envelope, &order, &w.seller_id).then_some(envelope)
    })
    .await;
    let envelope = found.unwrap_or_else(|| {
        panic!("no notification about {order} in {queue_url} after 10 s ({received} others)")
    });
    eprintln!(
        "order_change_arrives_in_an_sqs_queue: {received} message(s) received, envelope {}",
        if models.is_some() {
            "validated against OrderChangeNotification.json"
        } else {
            "not validated (no models)"
        }
    );
    assert_eq!(
        envelope["Payload"]["OrderChangeNotification"]["AmazonOrderId"],
        order.as_str()
    );

    // The buyer simulator's orders arrive the same way: 60 orders an hour for an hour of
    // simulated time (history orders send no events, so any other NewOrder is the simulator's).
    let (status, body) = control(
        &w,
        reqwest::Method::POST,
        &format!("/sellers/{}/buyers", w.seller_id),
        Some(json!({"orders_per_hour": 60})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = control(
        &w,
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 3600})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (found, received) = receive_until(&moto, &http, &queue_url, |envelope| {
        if let Some(dir) = &models
            && let Err(errors) =
                spapi_conformance::validate_schema_file(dir, ORDER_SCHEMA, &envelope)
        {
            panic!("envelope does not conform: {errors:#?}\n{envelope:#}");
        }
        let n = &envelope["Payload"]["OrderChangeNotification"];
        (n["AmazonOrderId"] != order.as_str()
            && n["OrderChangeTrigger"]["ChangeReason"] == "NewOrder"
            && n["SellerId"] == w.seller_id.as_str())
        .then_some(envelope)
    })
    .await;
    assert!(
        found.is_some(),
        "no notification about a simulated buyer's order after 10 s ({received} others)"
    );
}

#[tokio::test]
async fn a_listings_notification_arrives_through_eventbridge() {
    let Some(bin) = moto_or_skip("the EventBridge test") else {
        return;
    };
    let models = spapi_conformance::models_dir();
    let moto = Moto::start(&bin);
    let http = common::client();

    // The app's side in AWS: a queue, and a rule sending SP-API's partner events to it.
    let created = moto
        .sqs(
            &http,
            "CreateQueue",
            json!({"QueueName": "from-eventbridge"}),
        )
        .await;
    let queue_url = created["QueueUrl"].as_str().expect("QueueUrl").to_string();
    let queue_arn = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:from-eventbridge");
    // moto routes partner events to the account's default bus (AWS routes them to the bus
    // associated with the partner event source); the rule matches on the partner source.
    moto.events(
        &http,
        "PutRule",
        json!({"Name": "sp-api", "EventPattern":
            json!({"source": [{"prefix": "aws.partner/sellingpartnerapi.amazon/"}]}).to_string()}),
    )
    .await;
    moto.events(
        &http,
        "PutTargets",
        json!({"Rule": "sp-api", "Targets": [{"Id": "queue", "Arn": queue_arn}]}),
    )
    .await;

    let w = World::start_with(
        ServerConfig {
            eventbridge_endpoint: Some(moto.url.clone()),
            ..ServerConfig::ephemeral()
        },
        &[],
    )
    .await;
    let grantless = w.grantless_token(SCOPE).await;
    let resp = w
        .http
        .post(format!("{}/notifications/v1/destinations", w.base))
        .header("x-amz-access-token", &grantless)
        .json(&json!({"name": "bus", "resourceSpecification":
            {"eventBridge": {"region": "us-east-1", "accountId": ACCOUNT}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    let destination = body["payload"]["destinationId"]
        .as_str()
        .expect("destinationId")
        .to_string();
    let source = body["payload"]["resource"]["eventBridge"]["name"]
        .as_str()
        .expect("the partner event source name")
        .to_string();
    let seller = w.access_token().await;
    let subscribe = |ty: &'static str| {
        w.http
            .post(format!("{}/notifications/v1/subscriptions/{ty}", w.base))
            .header("x-amz-access-token", &seller)
            .json(&json!({"payloadVersion": "1.0", "destinationId": destination}))
            .send()
    };
    // Amazon sends ORDER_CHANGE through SQS only.
    let resp = subscribe("ORDER_CHANGE").await.unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let refused: Value = resp.json().await.unwrap();
    assert_eq!(refused["errors"][0]["code"], "InvalidInput", "{refused}");
    let resp = subscribe("LISTINGS_ITEM_MFN_QUANTITY_CHANGE")
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    // A buyer order takes a unit of an MFN listing: its new quantity is announced.
    let (_, sku) = place_mfn_order(&w).await;
    let (found, received) = receive_until(&moto, &http, &queue_url, |event| {
        // The queue gets the EventBridge event; its detail is the notification envelope.
        assert_eq!(event["source"], source.as_str(), "{event:#}");
        assert_eq!(
            event["detail-type"], "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
            "{event:#}"
        );
        let envelope = &event["detail"];
        if let Some(dir) = &models
            && let Err(errors) =
                spapi_conformance::validate_schema_file(dir, MFN_QUANTITY_SCHEMA, envelope)
        {
            panic!("envelope does not conform: {errors:#?}\n{envelope:#}");
        }
        let p = &envelope["Payload"];
        assert_eq!(p["SellerId"], w.seller_id.as_str(), "{envelope:#}");
        (p["Sku"] == sku.as_str()).then_some(event)
    })
    .await;
    if found.is_none() {
        let (_, inbox) = control(&w, reqwest::Method::GET, "/notifications", None).await;
        panic!(
            "no event about {sku} in {queue_url} after 10 s ({received} others); inbox: {inbox:#}"
        );
    }
    // The partner event source exists in the account, as Amazon makes it.
    let described = moto
        .events(&http, "DescribeEventSource", json!({"Name": source}))
        .await;
    assert_eq!(described["Name"], source.as_str(), "{described:#}");
}
