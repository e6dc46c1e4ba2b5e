//! Helpers of the reports, feeds and documents tests: calls checked against the official
//! models, the clock, downloads, and Amazon's JSON schemas read from the models directory.

#![allow(dead_code)]

use crate::common::World;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;

pub const REPORTS: &str = "models/reports-api-model/reports_2021-06-30.json";
pub const FEEDS: &str = "models/feeds-api-model/feeds_2021-06-30.json";
pub const UPLOADS: &str = "models/uploads-api-model/uploads_2020-11-01.json";
pub const US: &str = "ATVPDKIKX0DER";

/// A world with a seller's token.
pub struct Sp {
    pub w: World,
    pub token: String,
}

impl Sp {
    /// A server on a frozen clock with a generated world for the seller.
    pub async fn start() -> Sp {
        Self::start_with(ServerConfig {
            clock: Clock::frozen("2025-03-10T08:00:00Z".parse().unwrap()),
            ..ServerConfig::ephemeral()
        })
        .await
    }

    /// A server with `config` and a generated world.
    pub async fn start_with(config: ServerConfig) -> Sp {
        let w = World::start_with(config, &[]).await;
        let token = w.access_token().await;
        let (status, body) = w
            .control(
                reqwest::Method::POST,
                &format!("/sellers/{}/world", w.seller_id),
                // Sellers' ids are random, so their worlds are too: 30 products make a world without
                // an FBA or two MFN listings in the home marketplace vanishingly unlikely.
                Some(json!({"seed": 11, "products": 30, "days": 5, "orders_per_day": 6})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        Sp { w, token }
    }

    /// Calls an SP-API operation with the seller's token (or `token`); the answer is checked
    /// against the model's schema of `operation_id` for its status.
    pub async fn call_with(
        &self,
        token: &str,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
        model: &str,
        operation_id: &str,
    ) -> (u16, Value) {
        let mut req = self
            .w
            .http
            .request(method, format!("{}{path_and_query}", self.w.base))
            .header("x-amz-access-token", token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        assert!(resp.headers().contains_key("x-amzn-RequestId"));
        let text = resp.text().await.unwrap();
        let body: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        assert!(status < 500, "server error {status}: {body}");
        if let Some(c) = spapi_conformance::Conformance::global()
            && !body.is_null()
        {
            c.assert_conforms(model, operation_id, status, &body);
        }
        (status, body)
    }

    /// [`Sp::call_with`] with the seller's token.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
        body: Option<Value>,
        model: &str,
        operation_id: &str,
    ) -> (u16, Value) {
        self.call_with(
            &self.token,
            method,
            path_and_query,
            body,
            model,
            operation_id,
        )
        .await
    }

    /// Moves the emulator clock on (due jobs run before this returns).
    pub async fn advance(&self, seconds: i64) {
        let (status, body) = self
            .w
            .control(
                reqwest::Method::POST,
                "/clock",
                Some(json!({"advance_seconds": seconds})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// The seller's listings (control plane).
    pub async fn listings(&self) -> Vec<Value> {
        let (status, body) = self
            .w
            .control(
                reqwest::Method::GET,
                &format!("/sellers/{}/listings", self.w.seller_id),
                None,
            )
            .await;
        assert_eq!(status, 200);
        body["listings"].as_array().unwrap().clone()
    }

    /// Pending outbox events of `topic`.
    pub async fn events(&self, topic: &str) -> Vec<Value> {
        let (status, body) = self
            .w
            .control(reqwest::Method::GET, "/outbox?limit=1000", None)
            .await;
        assert_eq!(status, 200);
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["topic"] == topic)
            .map(|e| e["payload"].clone())
            .collect()
    }

    /// A Restricted Data Token for one resource.
    pub async fn rdt(&self, method: &str, path: &str) -> String {
        let (status, body) = self
            .w
            .http
            .post(format!(
                "{}/tokens/2021-03-01/restrictedDataToken",
                self.w.base
            ))
            .header("x-amz-access-token", &self.token)
            .json(&json!({"restrictedResources": [{"method": method, "path": path}]}))
            .send()
            .await
            .map(|r| (r.status().as_u16(), r))
            .unwrap();
        let body: Value = body.json().await.unwrap();
        assert_eq!(status, 200, "{body}");
        body["restrictedDataToken"].as_str().unwrap().to_string()
    }
}

/// GETs a document URL: status, content type, bytes.
pub async fn download(http: &reqwest::Client, url: &str) -> (u16, String, Vec<u8>) {
    let resp = http.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ct, resp.bytes().await.unwrap().to_vec())
}

/// Gunzips.
pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// Checks `value` against one of Amazon's JSON schemas (`schemas/...` under the models
/// directory). Without the models (outside CI) the check is skipped with a message.
pub fn assert_schema(relative: &str, value: &Value) {
    let Some(dir) = spapi_conformance::models_dir() else {
        eprintln!("models directory absent: {relative} not checked");
        return;
    };
    let text = std::fs::read_to_string(dir.join(relative)).expect("schema file");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{relative}: {errors:#?}\n{value:#}");
}

/// Checks an outbox payload of REPORT_PROCESSING_FINISHED / FEED_PROCESSING_FINISHED, wrapped
/// in the envelope spapi's notifier sends, against Amazon's notification schema.
pub fn assert_notification(schema_file: &str, kind: &str, payload: &Value) {
    use spapi_server::notify::envelope::Envelope;
    use spapi_server::store::notify::SubscriptionRow;
    let subscription = SubscriptionRow {
        id: "sub-1".into(),
        application_id: "amzn1.sellerapps.app.test".into(),
        seller_id: "A1".into(),
        notification_type: kind.into(),
        payload_version: "2020-09-04".into(),
        destination_id: "d".into(),
        processing_directive: None,
        created_at_us: 0,
    };
    let envelope = Envelope {
        subscription: &subscription,
        event_time_us: 1_741_593_605_000_000,
        publish_time_us: 1_741_593_606_000_000,
        notification_id: "n-1",
        payload,
    }
    .to_json();
    assert_schema(&format!("schemas/notifications/{schema_file}"), &envelope);
}

/// Parses a TSV document into a header and rows.
pub fn tsv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(String::from)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>();
    for r in &rows {
        assert_eq!(r.len(), header.len(), "row width: {r:?}");
    }
    (header, rows)
}
