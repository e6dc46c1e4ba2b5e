//! Real SP-API clients against spapi: the pytest suite in `tests/python` drives a spapi started
//! here with Amazon's official Python SDK (`amzn-sp-api`) and with `python-amazon-sp-api`,
//! each unchanged but for its endpoint.
//!
//! This test starts spapi in-process on a free loopback port, creates an app, a seller, its
//! authorization and its world through the control plane, and runs
//! `.venv/bin/python -m pytest tests/python -q` with the endpoint and credentials in
//! `SPAPI_TEST_*` variables. The venv at the repository root comes from `bash .ci/python.sh`
//! (or `.ci/run`); without it the test skips with that hint, except under `CI`, where it fails.

use serde_json::{Value, json};
use spapi_server::auth::ROLES;
use spapi_server::{Server, ServerConfig};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The marketplace the suite's clients use (amazon.com).
const US: &str = "ATVPDKIKX0DER";

/// The longest the Python suite may run.
const SUITE_TIMEOUT: Duration = Duration::from_secs(900);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The venv's Python when it has pytest and both clients; otherwise why not.
fn venv_python(root: &Path) -> Result<PathBuf, String> {
    let python = root.join(".venv/bin/python");
    if !python.exists() {
        return Err(format!("{} does not exist", python.display()));
    }
    let out = Command::new(&python)
        .args(["-c", "import pytest, spapi, sp_api"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "the venv lacks the suite's packages: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(python)
}

struct Control {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Control {
    async fn post(&self, path: &str, body: Value) -> Value {
        let resp = self
            .http
            .post(format!("{}/emulator/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }
}

/// Runs `python -m pytest tests/python -q` with `env`, killing it after `SUITE_TIMEOUT`;
/// (success, combined output).
fn run_pytest(root: &Path, python: &Path, env: &[(&str, String)]) -> (bool, String) {
    let mut cmd = Command::new(python);
    cmd.args([
        "-m",
        "pytest",
        "tests/python",
        "-q",
        "-p",
        "no:cacheprovider",
    ])
    .current_dir(root)
    .env("PYTHONDONTWRITEBYTECODE", "1")
    // python-amazon-sp-api would replace the suite's marketplace object with this one.
    .env_remove("SP_API_DEFAULT_MARKETPLACE")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start pytest");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + SUITE_TIMEOUT;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = format!(
        "{}\n{}",
        out_reader.join().unwrap_or_default(),
        err_reader.join().unwrap_or_default()
    );
    match status {
        Some(s) => (s.success(), out),
        None => (
            false,
            format!("pytest did not finish within {SUITE_TIMEOUT:?}\n{out}"),
        ),
    }
}

#[tokio::test]
async fn python_clients_drive_spapi_unchanged() {
    let root = repo_root();
    let python = match venv_python(&root) {
        Ok(p) => p,
        Err(why) => {
            let hint = format!(
                "python clients suite: {why}; create the venv with `bash -c '. .ci/python.sh && \
                 ensure_python_venv'` at the repository root (or run `bash .ci/run`)"
            );
            if std::env::var_os("CI").is_some() {
                panic!("{hint}");
            }
            eprintln!("skipped: {hint}");
            return;
        }
    };

    let server = Server::start(ServerConfig::ephemeral()).await.unwrap();
    let base = server.base_url();
    let control = Control {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        base: base.clone(),
        token: server.admin_token().to_string(),
    };
    let app = control
        .post(
            "/apps",
            json!({
                "name": "Python clients",
                "redirect_uris": ["https://app.example.com/callback"],
                "roles": ROLES,
            }),
        )
        .await;
    let seller = control
        .post(
            "/sellers",
            json!({
                "name": "Python Shop",
                "email": format!("python-{}@example.com", uuid_like()),
                "password": "a good password",
                "region": "NA",
            }),
        )
        .await;
    let seller_id = seller["selling_partner_id"].as_str().unwrap().to_string();
    assert!(
        seller["marketplace_ids"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m == US),
        "{seller}"
    );
    let auth = control
        .post(
            &format!("/sellers/{seller_id}/authorizations"),
            json!({"application_id": app["application_id"]}),
        )
        .await;
    // Enough history for getOrders to page many times (about 20 orders a day for 30 days).
    let world = control
        .post(
            &format!("/sellers/{seller_id}/world"),
            json!({"products": 12, "days": 30, "orders_per_day": 20}),
        )
        .await;
    assert!(
        world["created"]["orders"].as_u64().unwrap() > 300,
        "{world}"
    );

    let env = [
        ("SPAPI_TEST_ENDPOINT", base.clone()),
        ("SPAPI_TEST_LWA_ENDPOINT", format!("{base}/auth/o2/token")),
        (
            "SPAPI_TEST_CLIENT_ID",
            app["client_id"].as_str().unwrap().to_string(),
        ),
        (
            "SPAPI_TEST_CLIENT_SECRET",
            app["client_secret"].as_str().unwrap().to_string(),
        ),
        (
            "SPAPI_TEST_REFRESH_TOKEN",
            auth["refresh_token"].as_str().unwrap().to_string(),
        ),
        ("SPAPI_TEST_SELLER_ID", seller_id.clone()),
        ("SPAPI_TEST_MARKETPLACE_ID", US.to_string()),
        ("SPAPI_TEST_ADMIN_TOKEN", server.admin_token().to_string()),
    ];
    let (root2, python2) = (root.clone(), python.clone());
    let (ok, output) = tokio::task::spawn_blocking(move || run_pytest(&root2, &python2, &env))
        .await
        .unwrap();
    println!("{output}");
    assert!(ok, "the Python clients suite failed:\n{output}");
    // pytest's summary line: something ran and passed.
    assert!(
        output.lines().any(|l| l.contains(" passed")),
        "no test passed:\n{output}"
    );
    server.shutdown().await.unwrap();
}

/// A unique suffix for the seller's sign-in email.
fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
