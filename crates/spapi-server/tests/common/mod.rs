//! Shared fixtures of the black-box tests: a running server with an app, a seller who
//! authorized it, and tokens obtained through the real token endpoint.

#![allow(dead_code)]

use serde_json::Value;
use spapi_server::auth::{NewApp, NewSeller, ROLES};
use spapi_server::{Server, ServerConfig};

/// A server and the credentials of one app authorized by one seller.
pub struct World {
    pub server: Server,
    pub base: String,
    pub http: reqwest::Client,
    pub application_id: String,
    pub client_id: String,
    pub client_secret: String,
    pub seller_id: String,
    pub refresh_token: String,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl World {
    /// A fresh server; the app asks for `roles` (every role when empty).
    pub async fn start_with(config: ServerConfig, roles: &[&str]) -> World {
        let server = Server::start(config).await.unwrap();
        let auth = server.auth();
        let roles: Vec<String> = if roles.is_empty() {
            ROLES.iter()
        } else {
            roles.iter()
        }
        .map(|r| r.to_string())
        .collect();
        let app = auth
            .create_app(NewApp {
                name: "Test App".into(),
                redirect_uris: vec!["https://app.example.com/callback".into()],
                roles,
                draft: false,
                hybrid: false,
            })
            .await
            .unwrap();
        let seller = auth
            .create_seller(NewSeller {
                name: "Test Seller".into(),
                email: format!("seller-{}@example.com", uuid::Uuid::new_v4()),
                password: "a good password".into(),
                region: "NA".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let refresh_token = auth
            .self_authorize(&app.app.application_id, &seller.selling_partner_id)
            .await
            .unwrap();
        World {
            base: server.base_url(),
            server,
            http: client(),
            application_id: app.app.application_id,
            client_id: app.app.client_id,
            client_secret: app.client_secret,
            seller_id: seller.selling_partner_id,
            refresh_token,
        }
    }

    pub async fn start() -> World {
        Self::start_with(ServerConfig::ephemeral(), &[]).await
    }

    /// Calls the control plane (`/emulator/v1{path}`) with the admin token; status and JSON.
    pub async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/emulator/v1{path}", self.base))
            .bearer_auth(self.server.admin_token());
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// POSTs a form to the token endpoint; returns status and JSON.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}/auth/o2/token", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    /// An access token for the seller, through the refresh_token grant.
    pub async fn access_token(&self) -> String {
        let (status, body) = self
            .token_request(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &self.refresh_token),
                ("client_id", &self.client_id),
                ("client_secret", &self.client_secret),
            ])
            .await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    /// A grantless token for `scope`.
    pub async fn grantless_token(&self, scope: &str) -> String {
        let (status, body) = self
            .token_request(&[
                ("grant_type", "client_credentials"),
                ("scope", scope),
                ("client_id", &self.client_id),
                ("client_secret", &self.client_secret),
            ])
            .await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }
}

/// Checks `body` (the answer of operation `op` with `status`) against the official model file
/// `model` (relative to the models directory), when the models are there.
pub fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
    }
}

impl World {
    /// Calls an SP-API path (`path` with its query) with `token`; asserts the answer is no 500,
    /// is JSON (or an empty 204) and conforms to operation `op` of `model`; status and JSON
    /// (`Null` for a 204).
    pub async fn call(
        &self,
        model: &str,
        op: &str,
        token: &str,
        method: reqwest::Method,
        path: &str,
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
        if status == 204 {
            assert!(text.is_empty(), "{op}: 204 with a body: {text}");
            return (status, Value::Null);
        }
        let body: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{op}: {e}: {text}"));
        assert!(status < 500, "{op}: {status} {body}");
        conforms(model, op, status, &body);
        (status, body)
    }

    /// Moves the emulator clock on by `seconds` (running the jobs that fall due).
    pub async fn advance(&self, seconds: f64) {
        let (s, b) = self
            .control(
                reqwest::Method::POST,
                "/clock",
                Some(serde_json::json!({"advance_seconds": seconds})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
    }

    /// Places a buyer order of `quantity` units of `sku` in `marketplace_id` through the
    /// control plane; its order id and its first order item id.
    pub async fn place_order(
        &self,
        marketplace_id: &str,
        sku: &str,
        quantity: i64,
    ) -> (String, String) {
        let (status, placed) = self
            .control(
                reqwest::Method::POST,
                &format!("/sellers/{}/orders", self.seller_id),
                Some(serde_json::json!({"marketplace_id": marketplace_id,
                    "items": [{"sku": sku, "quantity": quantity}]})),
            )
            .await;
        assert_eq!(status, 201, "{placed}");
        let id = |v: &Value| v.as_str().unwrap().to_string();
        (
            id(&placed["order"]["AmazonOrderId"]),
            id(&placed["orderItems"][0]["OrderItemId"]),
        )
    }

    /// The SKU of a listing of the seller in `marketplace_id` on `channel` (`MFN`/`AFN`)
    /// with at least `units` in stock.
    pub async fn listing_with_stock(
        &self,
        marketplace_id: &str,
        channel: &str,
        units: i64,
    ) -> String {
        let (_, listings) = self
            .control(
                reqwest::Method::GET,
                &format!("/sellers/{}/listings", self.seller_id),
                None,
            )
            .await;
        listings["listings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| {
                l["fulfillment_channel"] == channel
                    && l["marketplace_id"] == marketplace_id
                    && l["quantity"].as_i64().unwrap_or(0) >= units
            })
            .unwrap_or_else(|| panic!("a {channel} listing with stock"))["sku"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A second seller of `region` ("NA", "EU", "FE") selling in `marketplace_ids`, authorized
    /// for the world's app: its selling partner id and an access token.
    pub async fn other_seller(&self, region: &str, marketplace_ids: &[&str]) -> (String, String) {
        let (status, created) = self
            .control(
                reqwest::Method::POST,
                "/sellers",
                Some(serde_json::json!({"name": "Other Shop",
                    "email": format!("{}@example.com", uuid::Uuid::new_v4()),
                    "password": "a good password", "region": region,
                    "marketplace_ids": marketplace_ids})),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["selling_partner_id"].as_str().unwrap().to_string();
        let (status, auth) = self
            .control(
                reqwest::Method::POST,
                &format!("/sellers/{id}/authorizations"),
                Some(serde_json::json!({"application_id": self.application_id})),
            )
            .await;
        assert_eq!(status, 201, "{auth}");
        let (status, token) = self
            .token_request(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", auth["refresh_token"].as_str().unwrap()),
                ("client_id", &self.client_id),
                ("client_secret", &self.client_secret),
            ])
            .await;
        assert_eq!(status, 200, "{token}");
        (id, token["access_token"].as_str().unwrap().to_string())
    }
}

/// A fresh PostgreSQL database for one test (`spapi_test_<uuid>`), its URL; `None` (with a
/// message) when PostgreSQL is unreachable outside CI. Under CI (`CI` set) unreachable fails.
pub async fn postgres_database() -> Option<String> {
    use sqlx::Connection;
    let admin = std::env::var("SPAPI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let connect = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        sqlx::PgConnection::connect(&admin),
    )
    .await;
    let mut conn = match connect {
        Ok(Ok(c)) => c,
        other => {
            let why = match other {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".into(),
            };
            if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
                panic!("PostgreSQL is required under CI but unreachable at {admin}: {why}");
            }
            eprintln!(
                "skipping PostgreSQL test: {why} (start PostgreSQL on 127.0.0.1:5432 or set SPAPI_TEST_DATABASE_URL)"
            );
            return None;
        }
    };
    let name = format!("spapi_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    Some(format!("{base}/{name}"))
}
