//! `spapi serve` as a user runs it: it starts, builds the demo world, writes the demo
//! credentials, and a client can call at once with them.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Kills the server when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spawns `spapi serve` on `data_dir`; the server and its stdout lines.
fn spawn(data_dir: &std::path::Path, extra: &[&str]) -> (Running, Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spapi"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env_remove("SPAPI_ADMIN_TOKEN")
        .env_remove("SPAPI_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn spapi serve");
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (running, rx)
}

/// Reads `lines` until `spapi serve` printed its URL, and then until `until` holds for a line
/// (the URL line included); the URL.
fn wait_for(lines: &Receiver<String>, until: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut url = None;
    while Instant::now() < deadline {
        let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("spapi is serving the Selling Partner API at ") {
            url = Some(rest.trim().to_string());
        }
        if url.is_some() && until(&line) {
            break;
        }
    }
    url.expect("spapi serve printed its URL in time")
}

fn start(data_dir: &std::path::Path, extra: &[&str]) -> (Running, String) {
    let (running, lines) = spawn(data_dir, extra);
    let url = wait_for(&lines, |line| line.starts_with("Press Ctrl-C"));
    (running, url)
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("spapi-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[tokio::test]
async fn serve_builds_the_demo_world_and_its_credentials_work() {
    let dir = temp_dir("demo");
    let (_server, url) = start(&dir, &[]);
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap())
            .unwrap();
    assert_eq!(creds["endpoint"], url.as_str());
    let sellers = creds["sellers"].as_array().unwrap();
    assert_eq!(sellers.len(), 2);
    assert_eq!(sellers[0]["region"], "NA");
    assert_eq!(sellers[1]["region"], "EU");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("demo-credentials.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "credentials are private");
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for seller in sellers {
        let token: Value = http
            .post(creds["lwa_endpoint"].as_str().unwrap())
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", seller["refresh_token"].as_str().unwrap()),
                ("client_id", creds["client_id"].as_str().unwrap()),
                ("client_secret", creds["client_secret"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let access = token["access_token"].as_str().expect("an access token");
        let resp = http
            .post(format!("{url}/tokens/2021-03-01/restrictedDataToken"))
            .header("x-amz-access-token", access)
            .json(&json!({"restrictedResources": [{"method": "GET", "path": "/orders/v0/orders/{orderId}/address"}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    // The control plane answers with the admin token from the credentials file.
    let resp = http
        .get(format!("{url}/emulator/v1/sellers"))
        .bearer_auth(creds["admin_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_restart_keeps_the_world_and_its_credentials() {
    let dir = temp_dir("restart");
    let (server, _) = start(&dir, &[]);
    let first = std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap();
    drop(server);
    let (_server, url) = start(&dir, &[]);
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap())
            .unwrap();
    let before: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        creds["client_secret"], before["client_secret"],
        "same world, same app"
    );
    assert_eq!(creds["endpoint"], url.as_str());
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let resp = http
        .post(format!("{url}/auth/o2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                creds["sellers"][0]["refresh_token"].as_str().unwrap(),
            ),
            ("client_id", creds["client_id"].as_str().unwrap()),
            ("client_secret", creds["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "the refresh token survives a restart");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn world_commands_drive_the_control_plane() {
    let dir = temp_dir("world");
    let (_server, _url) = start(&dir, &["--no-demo"]);
    let spapi = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_spapi"))
            .args(args)
            .arg("--data-dir")
            .arg(&dir)
            .env_remove("SPAPI_ADMIN_TOKEN")
            .output()
            .expect("run spapi");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // --no-demo writes no credentials: the control plane needs the token.
    let (ok, _, err) = spapi(&["sellers", "list"]);
    assert!(!ok && err.contains("admin token"), "{err}");
    drop(_server);
    let (_server, _url) = start(&dir, &[]);
    let (ok, out, err) = spapi(&["sellers", "list"]);
    assert!(ok, "{err}");
    let sellers: Value = serde_json::from_str(&out).unwrap();
    let seller = sellers["sellers"][0]["selling_partner_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, out, err) = spapi(&[
        "world",
        "generate",
        &seller,
        "--products",
        "5",
        "--days",
        "10",
        "--orders-per-day",
        "100",
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("100% 1000/1000 orders"), "progress bar: {err}");
    let done: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done["created"]["orders"], 1000);
    let (ok, out, _) = spapi(&["world", "listings", &seller]);
    assert!(ok);
    let listings: Value = serde_json::from_str(&out).unwrap();
    let sku = listings["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["quantity"].as_i64().unwrap() > 0 && l["marketplace_id"] == "ATVPDKIKX0DER")
        .unwrap()["sku"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, out, err) = spapi(&["world", "order", &seller, "--item", &format!("{sku}:1")]);
    assert!(ok, "{err}");
    let placed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(placed["order"]["OrderStatus"], "Pending");
    let (ok, out, _) = spapi(&["clock", "advance", "10m"]);
    assert!(ok, "{out}");
    let (ok, out, _) = spapi(&["world", "events", "--limit", "10"]);
    assert!(ok);
    assert!(out.contains("ORDER_CHANGE"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The demo world is a function of the seed: two servers with the same seed have the same
/// sellers, listings and order history (the two sellers' worlds are made concurrently).
#[tokio::test]
async fn the_same_seed_gives_the_same_demo_world() {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut seen = Vec::new();
    for run in ["seed-a", "seed-b"] {
        let dir = temp_dir(run);
        let (_server, url) = start(&dir, &["--in-memory", "--seed", "11"]);
        let creds: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap(),
        )
        .unwrap();
        let mut world = Vec::new();
        for seller in creds["sellers"].as_array().unwrap() {
            let id = seller["selling_partner_id"].as_str().unwrap();
            let listings: Value = http
                .get(format!("{url}/emulator/v1/sellers/{id}/listings"))
                .bearer_auth(creds["admin_token"].as_str().unwrap())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let token: Value = http
                .post(format!("{url}/auth/o2/token"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", seller["refresh_token"].as_str().unwrap()),
                    ("client_id", creds["client_id"].as_str().unwrap()),
                    ("client_secret", creds["client_secret"].as_str().unwrap()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let since = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(100 * 24);
            let orders: Value = http
                .get(format!(
                    "{url}/orders/v0/orders?MarketplaceIds={}&CreatedAfter={}&MaxResultsPerPage=100",
                    seller["marketplace_ids"][0].as_str().unwrap(),
                    since.strftime("%Y-%m-%dT%H:%M:%SZ")
                ))
                .header(
                    "x-amz-access-token",
                    token["access_token"].as_str().unwrap(),
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let orders: Vec<(Value, Value)> = orders["payload"]["Orders"]
                .as_array()
                .expect("a page of orders")
                .iter()
                .map(|o| (o["AmazonOrderId"].clone(), o["OrderStatus"].clone()))
                .collect();
            assert!(!orders.is_empty());
            world.push((id.to_string(), listings, orders));
        }
        seen.push(world);
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert_eq!(seen[0], seen[1]);
}

/// What a CI job does: wait for the health route, then read the credentials file. The route
/// answers 503 `starting` while the demo world is built and 200 once the file is written.
#[tokio::test]
async fn health_turns_ready_once_the_credentials_file_is_written() {
    let dir = temp_dir("health");
    let (_server, lines) = spawn(&dir, &[]);
    // As soon as the port answers: the demo world is not built yet.
    let url = wait_for(&lines, |_| true);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut starting = 0;
    let ready = loop {
        assert!(Instant::now() < deadline, "not ready in time");
        let resp = http
            .get(format!("{url}/emulator/v1/health"))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        if status == 200 {
            break body;
        }
        assert_eq!(status, 503, "{body}");
        assert_eq!(body, json!({"status": "starting"}));
        starting += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // At that moment the credentials file is complete.
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap())
            .expect("the credentials file parses once ready");
    assert_eq!(creds["endpoint"], url.as_str());
    assert_eq!(creds["sellers"].as_array().unwrap().len(), 2);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        ready["now"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .is_ok()
    );
    eprintln!("health answered 503 starting {starting} time(s) before 200");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("demo-credentials"))
        .collect();
    assert_eq!(names, ["demo-credentials.json"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Advances the clock of the server on `dir` (and `extra`) two days through the control
/// plane, kills it, starts another on the same store, and expects its clock two days ahead.
async fn clock_survives_a_restart(dir: &std::path::Path, extra: &[&str]) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let two_days = jiff::SignedDuration::from_hours(48);
    let (server, url) = start(dir, extra);
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap())
            .unwrap();
    let admin = creds["admin_token"].as_str().unwrap().to_string();
    let resp = http
        .post(format!("{url}/emulator/v1/clock"))
        .bearer_auth(&admin)
        .json(&json!({"advance_seconds": two_days.as_secs()}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Killed, not stopped: the clock was kept when the control plane answered.
    drop(server);
    let (_server, url) = start(dir, extra);
    let clock: Value = http
        .get(format!("{url}/emulator/v1/clock"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let now: jiff::Timestamp = clock["now"].as_str().unwrap().parse().unwrap();
    let ahead = now.duration_since(jiff::Timestamp::now());
    assert!(
        ahead >= two_days - jiff::SignedDuration::from_secs(1),
        "after the restart the clock is only {ahead:#} ahead: {clock}"
    );
    assert_eq!(clock["mode"], "running");
}

#[tokio::test]
async fn the_clock_survives_a_restart() {
    let dir = temp_dir("clock");
    clock_survives_a_restart(&dir, &[]).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_clock_survives_a_restart_on_postgres() {
    use sqlx::Connection;
    let admin = std::env::var("SPAPI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let connect =
        tokio::time::timeout(Duration::from_secs(5), sqlx::PgConnection::connect(&admin)).await;
    let Ok(Ok(mut conn)) = connect else {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("PostgreSQL is required under CI but unreachable at {admin}");
        }
        eprintln!("skipping the PostgreSQL restart test: no PostgreSQL at {admin}");
        return;
    };
    let name = format!("spapi_serve_clock_{}", std::process::id());
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create the test database");
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    let url = format!("{base}/{name}");
    let dir = temp_dir("clock-pg");
    clock_survives_a_restart(&dir, &["--database-url", &url]).await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await;
    let _ = std::fs::remove_dir_all(&dir);
}
