//! `spapi serve` as a user runs it: it starts, builds the demo world, writes the demo
//! credentials, and a client can call at once with them.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data_dir: &std::path::Path, extra: &[&str]) -> (Running, String) {
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
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut url = None;
    while Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("spapi is serving the Selling Partner API at ") {
            url = Some(rest.trim().to_string());
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    (running, url.expect("spapi serve printed its URL in time"))
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
