//! A report job survives a crash: `spapi serve` on a SQLite file is killed with SIGKILL in
//! the middle of generating a report (held there by the documented test hook
//! `SPAPI_TEST_REPORT_PAUSE_SECS`), restarted without the hook, and once the dead worker's
//! lease has expired the job is reclaimed and the report completes exactly once: one
//! document, one REPORT_PROCESSING_FINISHED event, no leftover chunks.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `spapi serve` on `dir`; its URL and its stderr lines.
fn start(dir: &std::path::Path, pause: bool) -> (Running, String, Receiver<String>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spapi"));
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .env_remove("SPAPI_ADMIN_TOKEN")
        .env_remove("SPAPI_DATABASE_URL")
        .env_remove("SPAPI_TEST_REPORT_PAUSE_SECS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if pause {
        cmd.env("SPAPI_TEST_REPORT_PAUSE_SECS", "600");
    }
    let mut child = cmd.spawn().expect("spawn spapi serve");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let running = Running(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (etx, erx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if etx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
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
    (running, url.expect("spapi serve printed its URL"), erx)
}

async fn token(http: &reqwest::Client, creds: &Value) -> String {
    let t: Value = http
        .post(creds["lwa_endpoint"].as_str().unwrap())
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
        .unwrap()
        .json()
        .await
        .unwrap();
    t["access_token"].as_str().unwrap().to_string()
}

async fn report(http: &reqwest::Client, url: &str, token: &str, id: &str) -> Value {
    http.get(format!("{url}/reports/2021-06-30/reports/{id}"))
        .header("x-amz-access-token", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_report_job_killed_mid_way_completes_exactly_once_after_restart() {
    let dir = std::env::temp_dir().join(format!("spapi-jobs-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let (server, url, stderr) = start(&dir, true);
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap())
            .unwrap();
    let access = token(&http, &creds).await;
    let resp = http
        .post(format!("{url}/reports/2021-06-30/reports"))
        .header("x-amz-access-token", &access)
        .json(&json!({"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let id = resp.json::<Value>().await.unwrap()["reportId"]
        .as_str()
        .unwrap()
        .to_string();
    // Wait for the hook: the content is written, the report not yet finished.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut paused = false;
    while Instant::now() < deadline && !paused {
        if let Ok(line) = stderr.recv_timeout(Duration::from_millis(200)) {
            paused = line.contains(&format!("report {id} paused"));
        }
    }
    assert!(paused, "the job reached the test hook");
    assert_eq!(
        report(&http, &url, &access, &id).await["processingStatus"],
        "IN_PROGRESS"
    );
    // SIGKILL: no shutdown, the lease stays with the dead worker.
    drop(server);

    let (server, url, _stderr) = start(&dir, false);
    let creds: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("demo-credentials.json")).unwrap())
            .unwrap();
    let access = token(&http, &creds).await;
    assert_eq!(
        report(&http, &url, &access, &id).await["processingStatus"],
        "IN_PROGRESS"
    );
    // The dead worker's lease (10 s of real time) expires and a round reclaims the job; the
    // clock advance only moves the report past its processing delay.
    let resp = http
        .post(format!("{url}/emulator/v1/clock"))
        .bearer_auth(creds["admin_token"].as_str().unwrap())
        .json(&json!({"advance_seconds": 120}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut done = Value::Null;
    while Instant::now() < deadline {
        done = report(&http, &url, &access, &id).await;
        if done["processingStatus"] == "DONE" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(done["processingStatus"], "DONE", "{done}");
    let doc_id = done["reportDocumentId"].as_str().unwrap().to_string();
    let d: Value = http
        .get(format!("{url}/reports/2021-06-30/documents/{doc_id}"))
        .header("x-amz-access-token", &access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = http
        .get(d["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.starts_with("item-name\t"), "{body}");
    assert!(body.lines().count() > 1);
    drop(server);

    // Exactly once, as the store holds it.
    use sqlx::Connection;
    let mut db = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        dir.join("spapi.sqlite").display()
    ))
    .await
    .unwrap();
    let docs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM documents WHERE resource = $1 AND kind = 'report'",
    )
    .bind(&id)
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(docs, 1);
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE topic = 'REPORT_PROCESSING_FINISHED' AND payload LIKE $1",
    )
    .bind(format!("%\"reportId\":\"{id}\"%"))
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(events, 1);
    let chunks: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM document_chunks c JOIN documents d ON d.id = c.document_id \
         WHERE d.id = $1 AND c.generation <> d.generation",
    )
    .bind(&doc_id)
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(chunks, 0, "no chunks of the killed run remain");
    let jobs: Vec<(String, i32)> =
        sqlx::query_as("SELECT state, attempts FROM jobs WHERE kind = 'report.generate'")
            .fetch_all(&mut db)
            .await
            .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].0, "done");
    assert_eq!(
        jobs[0].1, 1,
        "the expired lease counted as one failed attempt"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
