//! Shared fixtures: a running spapi with an app and a seller, a browser that walks the consent
//! pages, and tiny loopback servers that answer what a test scripts.

#![allow(dead_code)]

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use spapi_server::auth::{CreatedApp, NewApp, NewSeller, ROLES};
use spapi_server::store::SellerRecord;
use spapi_server::{Server, ServerConfig};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[path = "browser.rs"]
mod browser;
#[allow(unused_imports)]
pub use browser::Browser;

pub const EMAIL_DOMAIN: &str = "example.com";
pub const PASSWORD: &str = "a good password";

/// A running spapi with one app (redirecting to `redirect_uris`) and one seller.
pub struct World {
    pub server: Server,
    pub app: CreatedApp,
    pub seller: SellerRecord,
    pub email: String,
}

impl World {
    pub async fn start(redirect_uris: Vec<String>) -> World {
        let server = Server::start(ServerConfig::ephemeral()).await.unwrap();
        let app = server
            .auth()
            .create_app(NewApp {
                name: "Client Test App".into(),
                redirect_uris,
                roles: ROLES.iter().map(|r| r.to_string()).collect(),
                ..NewApp::default()
            })
            .await
            .unwrap();
        let email = format!("seller-{}@{EMAIL_DOMAIN}", std::process::id());
        let seller = server
            .auth()
            .create_seller(NewSeller {
                name: "Client Test Seller".into(),
                email: email.clone(),
                password: PASSWORD.into(),
                region: "NA".into(),
                ..NewSeller::default()
            })
            .await
            .unwrap();
        World {
            server,
            app,
            seller,
            email,
        }
    }

    pub fn base(&self) -> String {
        self.server.base_url()
    }

    /// The seller revokes the app through the control plane.
    pub async fn revoke(&self) {
        let resp = http()
            .delete(format!(
                "{}/emulator/v1/sellers/{}/authorizations/{}",
                self.base(),
                self.seller.selling_partner_id,
                self.app.app.application_id
            ))
            .bearer_auth(self.server.admin_token())
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
    }
}

/// A plain HTTP client (built by the library, so that with the `rustls` feature the crypto
/// provider is installed first).
pub fn http() -> reqwest::Client {
    spapi_client::http_client(Some(Duration::from_secs(30))).unwrap()
}

/// One scripted answer of a mock server.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Value,
}

impl Answer {
    pub fn json(status: u16, body: Value) -> Self {
        Answer {
            status,
            headers: vec![("x-amzn-RequestId", format!("mock-{status}"))],
            body,
        }
    }

    pub fn error(status: u16, code: &str) -> Self {
        Self::json(
            status,
            json!({"errors": [{"code": code, "message": "scripted", "details": ""}]}),
        )
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }
}

/// What a mock server saw.
#[derive(Default)]
pub struct Seen {
    /// SP-API requests: (method, path and query, access token).
    pub calls: Mutex<Vec<(String, String, String)>>,
    pub token_requests: AtomicUsize,
}

struct MockState {
    script: Mutex<VecDeque<Answer>>,
    fallback: Answer,
    seen: Arc<Seen>,
    token_delay: Duration,
}

/// A loopback server: LWA at `/auth/o2/token` (a new token each time, after `token_delay`),
/// and every other path answered from the script, then with `fallback`.
pub struct Mock {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Mock {
    pub async fn start(script: Vec<Answer>, fallback: Answer, token_delay: Duration) -> Mock {
        let seen = Arc::new(Seen::default());
        let state = Arc::new(MockState {
            script: Mutex::new(script.into()),
            fallback,
            seen: seen.clone(),
            token_delay,
        });
        let app = Router::new()
            .route("/auth/o2/token", axum::routing::post(token))
            .fallback(answer)
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Mock { addr, seen, task }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn calls(&self) -> Vec<(String, String, String)> {
        self.seen.calls.lock().unwrap().clone()
    }

    pub fn token_requests(&self) -> usize {
        self.seen.token_requests.load(Ordering::SeqCst)
    }
}

async fn token(State(s): State<Arc<MockState>>) -> Response {
    let n = s.seen.token_requests.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(s.token_delay).await;
    axum::Json(json!({
        "access_token": format!("Atza|mock-{n}"),
        "refresh_token": "Atzr|mock",
        "token_type": "bearer",
        "expires_in": 3600
    }))
    .into_response()
}

async fn answer(State(s): State<Arc<MockState>>, req: axum::extract::Request) -> Response {
    let token = req
        .headers()
        .get("x-amz-access-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    s.seen
        .calls
        .lock()
        .unwrap()
        .push((req.method().to_string(), target, token));
    let a = s
        .script
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or_else(|| s.fallback.clone());
    let mut headers = HeaderMap::new();
    for (k, v) in &a.headers {
        headers.insert(*k, v.parse().unwrap());
    }
    (
        StatusCode::from_u16(a.status).unwrap(),
        headers,
        axum::Json(a.body),
    )
        .into_response()
}
