//! A real headless Chromium walks the website authorization workflow: consent link -> sign-in
//! form -> consent screen -> Confirm -> the app's callback with `state`, `selling_partner_id`
//! and `spapi_oauth_code`. Driven through chromedriver's WebDriver HTTP API (no extra crates);
//! screenshots of every page go to `target/test-artifacts/browser/`.
//!
//! Chromium and chromedriver come from Debian's packages (`.ci/chromium.sh`). Without them the
//! test is skipped, except under CI (`CI` set), where it fails. `SPAPI_CHROMIUM` and
//! `SPAPI_CHROMEDRIVER` point it at other binaries.

#![cfg(unix)]

use serde_json::{Value, json};
use spapi_server::auth::{NewApp, NewSeller};
use spapi_server::{Server, ServerConfig};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Chromium's binary; `SPAPI_CHROMIUM` overrides.
const CHROMIUM: &str = "/usr/bin/chromium";
const EMAIL: &str = "owner@acme-tools.example";
const PASSWORD: &str = "correct horse battery";
/// WebDriver's key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn chromium() -> PathBuf {
    std::env::var_os("SPAPI_CHROMIUM").map_or_else(|| PathBuf::from(CHROMIUM), PathBuf::from)
}

/// chromedriver: `SPAPI_CHROMEDRIVER`, else `/usr/bin/chromedriver`, else on `PATH`.
fn chromedriver() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SPAPI_CHROMEDRIVER") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let candidates = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("chromedriver"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    std::iter::once(PathBuf::from("/usr/bin/chromedriver"))
        .chain(candidates)
        .find(|p| p.is_file())
}

fn artifacts_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) if Path::new(&t).is_absolute() => PathBuf::from(t),
        Some(t) => workspace.join(t),
        None => workspace.join("target"),
    };
    target.join("test-artifacts").join("browser")
}

/// A chromedriver process with (at most) one Chromium session; both end on drop.
struct Driver {
    child: Child,
    addr: SocketAddr,
    http: reqwest::Client,
    session: Option<String>,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Closing the session ends Chromium; drop cannot await, so plain blocking HTTP.
        if let Some(s) = self.session.take() {
            let _ = delete_session_blocking(self.addr, &s);
        }
        // chromedriver leads its own process group, which Chromium's processes join: should a
        // session outlive the DELETE above, the whole group goes. Only processes this test
        // started are in it.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn delete_session_blocking(addr: SocketAddr, session: &str) -> std::io::Result<()> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    s.set_write_timeout(Some(Duration::from_secs(2)))?;
    write!(
        s,
        "DELETE /session/{session} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    // chromedriver answers once Chromium is gone; the connection may stay open after that.
    let mut buf = [0u8; 1024];
    let _ = s.read(&mut buf)?;
    Ok(())
}

impl Driver {
    async fn start(chromedriver: &Path) -> Driver {
        // A free loopback port for chromedriver (it has no "pick one" option).
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let log = artifacts_dir().join("chromedriver.log");
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("starting chromedriver");
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let profile =
            std::env::temp_dir().join(format!("spapi-chromium-{}-{stamp}", std::process::id()));
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let driver = Driver {
            child,
            addr,
            http,
            session: None,
            profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = match driver.http.get(driver.url("/status")).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not come up on {addr}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        driver
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Ends the session (and Chromium).
    async fn quit(&mut self) {
        if let Some(s) = self.session.take() {
            self.call(reqwest::Method::DELETE, &format!("/session/{s}"), None)
                .await;
        }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self.http.request(method.clone(), self.url(path));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status();
        let v: Value = resp
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v["value"].clone()
    }

    async fn new_session(&mut self) {
        std::fs::create_dir_all(&self.profile).unwrap();
        let args = [
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--no-default-browser-check".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--window-size=1280,1100".into(),
            format!("--user-data-dir={}", self.profile.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": 30000, "script": 10000, "implicit": 0},
            "goog:chromeOptions": {"binary": chromium(), "args": args},
        }}});
        let v = self
            .call(reqwest::Method::POST, "/session", Some(caps))
            .await;
        self.session = Some(v["sessionId"].as_str().expect("sessionId").to_string());
    }

    fn s(&self, rest: &str) -> String {
        format!(
            "/session/{}{rest}",
            self.session.as_deref().expect("a session")
        )
    }

    async fn goto(&self, url: &str) {
        self.call(
            reqwest::Method::POST,
            &self.s("/url"),
            Some(json!({"url": url})),
        )
        .await;
    }

    async fn current_url(&self) -> String {
        self.call(reqwest::Method::GET, &self.s("/url"), None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn source(&self) -> String {
        self.call(reqwest::Method::GET, &self.s("/source"), None)
            .await
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn element(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                &self.s("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css).await;
        let path = self.s(&format!("/element/{e}/value"));
        self.call(reqwest::Method::POST, &path, Some(json!({"text": text})))
            .await;
    }

    async fn click(&self, css: &str) {
        let e = self.element(css).await;
        self.call(
            reqwest::Method::POST,
            &self.s(&format!("/element/{e}/click")),
            Some(json!({})),
        )
        .await;
    }

    /// Waits until the page's URL satisfies `pred`.
    async fn wait_for_url(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let url = self.current_url().await;
            if pred(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "waited for {what}; at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) -> PathBuf {
        let v = self
            .call(reqwest::Method::GET, &self.s("/screenshot"), None)
            .await;
        let png = base64_decode(v.as_str().expect("base64 PNG"));
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let path = artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The app's side: a callback page on loopback that records the query it was called with.
async fn start_app() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    let app = axum::Router::new().route(
        "/callback",
        axum::routing::get(move |axum::extract::RawQuery(q): axum::extract::RawQuery| {
            let record = record.clone();
            async move {
                record.lock().unwrap().push(q.unwrap_or_default());
                axum::response::Html(
                    "<!doctype html><html><head><title>Repricer Pro</title></head>\
                     <body style=\"font:16px system-ui,sans-serif;margin:48px\">\
                     <h1>Repricer Pro is connected</h1>\
                     <p>The app's callback received the authorization code.</p></body></html>",
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_authorizes_an_app() {
    let driver_path = chromedriver();
    if !chromium().is_file() || driver_path.is_none() {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!(
                "Chromium or chromedriver is missing under CI (source .ci/chromium.sh; ensure_chromium)"
            );
        }
        println!(
            "skipping browser test: chromium not installed (apt-get install chromium chromium-driver)"
        );
        return;
    }
    std::fs::create_dir_all(artifacts_dir()).unwrap();
    tokio::time::timeout(Duration::from_secs(240), walk(driver_path.unwrap()))
        .await
        .expect("the browser test finished in time");
}

async fn walk(driver_path: PathBuf) {
    let server = Server::start(ServerConfig::ephemeral()).await.unwrap();
    let (app_addr, seen) = start_app().await;
    let callback = format!("http://{app_addr}/callback");
    let app = server
        .auth()
        .create_app(NewApp {
            name: "Repricer Pro".into(),
            redirect_uris: vec![callback.clone()],
            roles: vec![
                "Pricing".into(),
                "Inventory and Order Tracking".into(),
                "Product Listing".into(),
                "Direct-to-Consumer Shipping".into(),
            ],
            ..NewApp::default()
        })
        .await
        .unwrap();
    let seller = server
        .auth()
        .create_seller(NewSeller {
            name: "Acme Tools LLC".into(),
            email: EMAIL.into(),
            password: PASSWORD.into(),
            region: "NA".into(),
            ..NewSeller::default()
        })
        .await
        .unwrap();

    let mut driver = Driver::start(&driver_path).await;
    driver.new_session().await;

    let state = "xyz 42/é";
    let consent_url = format!(
        "{}/apps/authorize/consent?application_id={}&state={}&redirect_uri={}",
        server.base_url(),
        enc(&app.app.application_id),
        enc(state),
        enc(&callback)
    );

    // A link with a redirect URI that is not registered: the MD5101 page.
    driver
        .goto(&format!(
            "{}/apps/authorize/consent?application_id={}&state=s&redirect_uri={}",
            server.base_url(),
            enc(&app.app.application_id),
            enc("https://elsewhere.example.com/cb")
        ))
        .await;
    assert!(driver.source().await.contains("MD5101"));
    let error_png = driver.screenshot("00-error-md5101").await;

    // Sign in, once wrongly.
    driver.goto(&consent_url).await;
    let page = driver.source().await;
    assert!(
        page.contains("Sign in") && page.contains("Repricer Pro"),
        "{page}"
    );
    let signin_png = driver.screenshot("01-sign-in").await;
    driver.type_into("input[name=email]", EMAIL).await;
    driver
        .type_into("input[name=password]", "not the password")
        .await;
    driver.click("button[type=submit]").await;
    driver
        .wait_for_url("the sign-in answer", |u| {
            u.contains("/apps/authorize/signin")
        })
        .await;
    let page = driver.source().await;
    assert!(
        page.contains("The email address or password is incorrect."),
        "{page}"
    );
    driver.screenshot("01b-sign-in-failed").await;
    driver.type_into("input[name=password]", PASSWORD).await;
    driver.click("button[type=submit]").await;

    // The consent screen.
    driver
        .wait_for_url("the consent screen", |u| {
            u.contains("/apps/authorize/consent")
        })
        .await;
    let page = driver.source().await;
    for text in [
        "Repricer Pro",
        "Acme Tools LLC",
        &seller.selling_partner_id,
        "Pricing",
        "Confirm",
    ] {
        assert!(page.contains(text), "consent screen lacks {text}: {page}");
    }
    let consent_png = driver.screenshot("02-consent").await;

    // Confirm: the browser lands on the app's callback.
    driver.click("button[value=confirm]").await;
    let landed = driver
        .wait_for_url("the app's callback", |u| u.starts_with(&callback))
        .await;
    let final_png = driver.screenshot("03-callback").await;
    let query = landed
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default();
    let params: std::collections::HashMap<String, String> =
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(params["state"], state);
    assert_eq!(params["selling_partner_id"], seller.selling_partner_id);
    let code = &params["spapi_oauth_code"];
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        std::slice::from_ref(&query),
        "the app saw the same query"
    );

    // The code works at the token endpoint.
    let tokens: Value = reqwest::Client::new()
        .post(format!("{}/auth/o2/token", server.base_url()))
        .timeout(Duration::from_secs(30))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", callback.as_str()),
            ("client_id", app.app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        tokens["refresh_token"]
            .as_str()
            .is_some_and(|t| t.starts_with("Atzr|")),
        "{tokens}"
    );

    for p in [error_png, signin_png, consent_png, final_png] {
        println!("screenshot: {}", p.display());
    }
    driver.quit().await;
    drop(driver);
    server.shutdown().await.unwrap();
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
