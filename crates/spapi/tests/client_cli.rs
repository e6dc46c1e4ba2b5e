//! The `spapi` client commands as a user runs them: `spapi auth` through the whole
//! authorization workflow against a running spapi, `spapi call`, and `spapi orders list` /
//! `spapi reports fetch` against a scripted loopback server.

#[path = "../../spapi-client/tests/common/browser.rs"]
mod browser;

use browser::Browser;
use serde_json::{Value, json};
use spapi_server::auth::{NewApp, NewSeller, ROLES};
use spapi_server::{Server, ServerConfig};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const PASSWORD: &str = "a good password";

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spapi-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn command(config: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spapi"));
    c.args(args)
        .env("SPAPI_CONFIG_DIR", config)
        .env_remove("SPAPI_PROFILE")
        .env_remove("SPAPI_REFRESH_TOKEN")
        .env_remove("SPAPI_CLIENT_SECRET")
        .env("SPAPI_LOG", "warn");
    c
}

/// Runs `spapi ARGS` (off the async runtime, so the in-process server keeps serving).
async fn spapi(config: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut c = command(config, args);
    for (k, v) in env {
        c.env(k, v);
    }
    let stdin = stdin.map(String::from);
    tokio::task::spawn_blocking(move || {
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn spapi");
        {
            let mut i = child.stdin.take().unwrap();
            if let Some(s) = stdin {
                i.write_all(s.as_bytes()).unwrap();
            }
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn ok(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "spapi failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A child `spapi auth callback`, started once it listens.
struct Callback {
    child: std::process::Child,
    stderr: std::sync::mpsc::Receiver<String>,
}

impl Callback {
    fn start(config: &Path, profile: &str) -> Callback {
        let mut child = command(
            config,
            &["auth", "callback", "--profile", profile, "--timeout", "60"],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("callback listens");
        assert!(line.starts_with("Listening on"), "{line}");
        Callback { child, stderr: rx }
    }

    async fn finish(self) -> (bool, String, String) {
        let Callback { child, stderr } = self;
        tokio::task::spawn_blocking(move || {
            let out = child.wait_with_output().unwrap();
            let err: Vec<String> = stderr.try_iter().collect();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                err.join("\n"),
            )
        })
        .await
        .unwrap()
    }
}

fn free_loopback_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct World {
    server: Server,
    config: PathBuf,
    app_id: String,
    client_id: String,
    client_secret: String,
    seller_id: String,
    email: String,
}

impl World {
    async fn start(name: &str) -> World {
        let server = Server::start(ServerConfig::ephemeral()).await.unwrap();
        let redirect = format!("http://127.0.0.1:{}/callback", free_loopback_port());
        let app = server
            .auth()
            .create_app(NewApp {
                name: "CLI Test App".into(),
                redirect_uris: vec![redirect.clone()],
                roles: ROLES.iter().map(|r| r.to_string()).collect(),
                ..NewApp::default()
            })
            .await
            .unwrap();
        let email = format!("cli-{name}-{}@example.com", std::process::id());
        let seller = server
            .auth()
            .create_seller(NewSeller {
                name: "CLI Seller".into(),
                email: email.clone(),
                password: PASSWORD.into(),
                region: "NA".into(),
                ..NewSeller::default()
            })
            .await
            .unwrap();
        let config = temp_dir(name);
        let w = World {
            config,
            app_id: app.app.application_id.clone(),
            client_id: app.app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            seller_id: seller.selling_partner_id.clone(),
            email,
            server,
        };
        let out = spapi(
            &w.config,
            &[
                "auth",
                "init",
                "--profile",
                "shop",
                "--endpoint",
                &w.server.base_url(),
                "--application-id",
                &w.app_id,
                "--client-id",
                &w.client_id,
                "--redirect-uri",
                &redirect,
            ],
            &[("SPAPI_CLIENT_SECRET", &w.client_secret)],
            None,
        )
        .await;
        ok(&out);
        w
    }

    async fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut all = args.to_vec();
        all.extend(["--profile", "shop"]);
        spapi(&self.config, &all, &[], stdin).await
    }
}

const RDT_BODY: &str =
    r#"{"restrictedResources":[{"method":"GET","path":"/orders/v0/orders/{orderId}/address"}]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_workflow_end_to_end_through_the_cli() {
    let w = World::start("workflow").await;
    // The profile file is private and holds no secret in clear.
    let file = w.config.join("profiles.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains(&w.client_secret), "{text}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["profiles.json", "profiles.key"] {
            let mode = std::fs::metadata(w.config.join(f))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
    }

    // url -> consent -> callback -> exchange.
    let out = w.run(&["auth", "url"], None).await;
    ok(&out);
    let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        url.contains("/apps/authorize/consent?application_id="),
        "{url}"
    );
    assert!(url.contains("&state="), "{url}");
    let callback = Callback::start(&w.config, "shop");
    let mut browser = Browser::new(&w.server.base_url());
    let location = browser.consent(&url, &w.email, PASSWORD).await;
    let landing = browser.get(&location).await;
    assert_eq!(landing.status, 200, "{}", landing.body);
    let (success, stdout, err) = callback.finish().await;
    assert!(success, "{stdout}\n{err}");
    let stored: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(stored["selling_partner_id"], w.seller_id.as_str());
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text.contains("Atzr|"),
        "the refresh token is stored encrypted: {text}"
    );

    // call.
    let out = w
        .run(
            &["call", "createRestrictedDataToken", "--body", "-"],
            Some(RDT_BODY),
        )
        .await;
    let body = ok(&out);
    assert!(
        body["restrictedDataToken"]
            .as_str()
            .unwrap()
            .starts_with("Atz.sprdt|")
    );
    // A parameter the operation does not take is refused before anything is sent.
    let out = w
        .run(&["call", "getOrders", "--param", "Bogus=1"], None)
        .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("MarketplaceIds"), "{}", stderr(&out));

    // refresh, status.
    let refreshed = ok(&w.run(&["auth", "refresh"], None).await);
    assert!(refreshed["expires_in"].as_u64().unwrap() > 3000);
    assert!(refreshed.get("access_token").is_none());
    let status = ok(&w.run(&["auth", "status", "--check"], None).await);
    assert_eq!(status["authorization"], "ok");
    assert_eq!(status["selling_partner_id"], w.seller_id.as_str());
    assert_eq!(status["refresh_token"], "stored (encrypted)");

    // revoke: the seller revokes the app; the next call says so.
    let resp = reqwest::Client::new()
        .delete(format!(
            "{}/emulator/v1/sellers/{}/authorizations/{}",
            w.server.base_url(),
            w.seller_id,
            w.app_id
        ))
        .bearer_auth(w.server.admin_token())
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let out = w
        .run(
            &["call", "createRestrictedDataToken", "--body", "-"],
            Some(RDT_BODY),
        )
        .await;
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("revoked this app's authorization"), "{err}");
    assert!(err.contains("spapi auth url"), "{err}");
    let status = ok(&w.run(&["auth", "status", "--check"], None).await);
    assert!(
        status["authorization"]
            .as_str()
            .unwrap()
            .starts_with("revoked"),
        "{status}"
    );

    // logout.
    ok(&w.run(&["auth", "logout"], None).await);
    let status = ok(&w.run(&["auth", "status"], None).await);
    assert_eq!(status["refresh_token"], "none");
    let _ = std::fs::remove_dir_all(&w.config);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_rejects_a_state_mismatch() {
    let w = World::start("mismatch").await;
    ok(&w.run(&["auth", "url"], None).await);
    let profile: Value =
        serde_json::from_str(&std::fs::read_to_string(w.config.join("profiles.json")).unwrap())
            .unwrap();
    let redirect = profile["profiles"]["shop"]["redirect_uri"]
        .as_str()
        .unwrap()
        .to_string();
    let callback = Callback::start(&w.config, "shop");
    // A redirect that is not the answer to our consent URL.
    let resp = reqwest::Client::new()
        .get(format!(
            "{redirect}?state=forged&selling_partner_id={}&spapi_oauth_code=ANforged",
            w.seller_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let (success, _, err) = callback.finish().await;
    assert!(!success);
    assert!(err.contains("state"), "{err}");
    // Nothing was stored; `exchange` with the same forged URL is refused too.
    let status = ok(&w.run(&["auth", "status"], None).await);
    assert_eq!(status["refresh_token"], "none");
    let out = w
        .run(
            &[
                "auth",
                "exchange",
                &format!("{redirect}?state=forged&spapi_oauth_code=ANx"),
            ],
            None,
        )
        .await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("state"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&w.config);
}

// ---------------------------------------------------------------------------------------------
// Convenience commands against a scripted server.

use axum::Router;
use axum::extract::{Path as AxPath, State};
use axum::routing::{get, post};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Default)]
struct Mock {
    polls: AtomicUsize,
    base: std::sync::OnceLock<String>,
}

fn order(id: &str) -> Value {
    json!({"AmazonOrderId": id, "PurchaseDate": "2025-01-01T00:00:00Z",
        "LastUpdateDate": "2025-01-01T00:00:00Z", "OrderStatus": "Unshipped"})
}

async fn start_mock() -> (String, Arc<Mock>) {
    let state = Arc::new(Mock::default());
    let app = Router::new()
        .route(
            "/auth/o2/token",
            post(|| async {
                axum::Json(json!({"access_token": "Atza|m", "token_type": "bearer", "expires_in": 3600}))
            }),
        )
        .route(
            "/orders/v0/orders",
            get(|q: axum::extract::RawQuery| async move {
                let q = q.0.unwrap_or_default();
                if q.contains("NextToken=p2") {
                    axum::Json(json!({"payload": {"Orders": [order("902-0000000-0000002")]}}))
                } else {
                    axum::Json(json!({"payload": {"Orders": [order("902-0000000-0000001")], "NextToken": "p2"}}))
                }
            }),
        )
        .route(
            "/reports/2021-06-30/reports",
            post(|| async { (axum::http::StatusCode::ACCEPTED, axum::Json(json!({"reportId": "R1"}))) }),
        )
        .route(
            "/reports/2021-06-30/reports/{id}",
            get(|State(m): State<Arc<Mock>>, AxPath(id): AxPath<String>| async move {
                let n = m.polls.fetch_add(1, Ordering::SeqCst);
                let mut r = json!({"reportId": id, "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
                    "createdTime": "2025-01-01T00:00:00Z", "processingStatus": if n < 2 { "IN_PROGRESS" } else { "DONE" }});
                if n >= 2 {
                    r["reportDocumentId"] = json!("D1");
                }
                axum::Json(r)
            }),
        )
        .route(
            "/reports/2021-06-30/documents/{id}",
            get(|State(m): State<Arc<Mock>>, AxPath(id): AxPath<String>| async move {
                axum::Json(json!({"reportDocumentId": id, "compressionAlgorithm": "GZIP",
                    "url": format!("{}/documents/{id}.gz", m.base.get().unwrap())}))
            }),
        )
        .route(
            "/documents/{file}",
            get(|| async {
                let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                gz.write_all(b"sku\tprice\nRED-SHOE-42\t19.99\n").unwrap();
                gz.finish().unwrap()
            }),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    state.base.set(base.clone()).unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_list_and_reports_fetch() {
    let (base, mock) = start_mock().await;
    let config = temp_dir("convenience");
    ok(&spapi(
        &config,
        &[
            "auth",
            "init",
            "--endpoint",
            &base,
            "--client-id",
            "amzn1.application-oa2-client.m",
        ],
        &[
            ("SPAPI_CLIENT_SECRET", "s"),
            ("SPAPI_REFRESH_TOKEN", "Atzr|m"),
        ],
        None,
    )
    .await);

    // Every page of getOrders, flattened.
    let out = spapi(
        &config,
        &["orders", "list", "--created-after", "2025-01-01T00:00:00Z"],
        &[],
        None,
    )
    .await;
    let orders = ok(&out);
    let ids: Vec<&str> = orders
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["AmazonOrderId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["902-0000000-0000001", "902-0000000-0000002"]);
    assert!(stderr(&out).contains("page 2"), "{}", stderr(&out));

    // `spapi call --all-pages` prints each page.
    let out = spapi(
        &config,
        &[
            "call",
            "getOrders",
            "-p",
            "MarketplaceIds=ATVPDKIKX0DER",
            "-p",
            "CreatedAfter=2025-01-01T00:00:00Z",
            "--all-pages",
        ],
        &[],
        None,
    )
    .await;
    assert_eq!(ok(&out).as_array().unwrap().len(), 2);

    // create -> poll -> document -> download -> gunzip.
    let out = spapi(
        &config,
        &[
            "reports",
            "fetch",
            "GET_MERCHANT_LISTINGS_ALL_DATA",
            "--poll-interval",
            "0.05",
        ],
        &[],
        None,
    )
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "sku\tprice\nRED-SHOE-42\t19.99\n"
    );
    let err = stderr(&out);
    assert!(err.contains("report R1 requested"), "{err}");
    assert!(err.contains("IN_PROGRESS"), "{err}");
    assert_eq!(mock.polls.load(Ordering::SeqCst), 3);
    let _ = std::fs::remove_dir_all(&config);
}
