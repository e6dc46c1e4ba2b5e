//! What the tests that run the real-clients suite (`tests/python`) share: the venv's Python,
//! running pytest with a time limit, a fresh PostgreSQL database, and building the suite's app,
//! seller and world through the control plane.

#![allow(dead_code)]

use serde_json::{Value, json};
use spapi_server::auth::ROLES;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The marketplace the suite's clients use (amazon.com).
pub const US: &str = "ATVPDKIKX0DER";

/// The longest the Python suite may run.
pub const SUITE_TIMEOUT: Duration = Duration::from_secs(900);

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The venv's Python when it has pytest and both clients; otherwise why not.
pub fn venv_python(root: &Path) -> Result<PathBuf, String> {
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

pub struct Control {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Control {
    pub async fn post(&self, path: &str, body: Value) -> Value {
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
pub fn run_pytest(root: &Path, python: &Path, env: &[(&str, String)]) -> (bool, String) {
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
    // Loopback only, whatever proxy the environment names.
    .env("NO_PROXY", "127.0.0.1,localhost")
    .env("no_proxy", "127.0.0.1,localhost")
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

pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The venv's Python, or `None` after saying how to create it (a failure under `CI`).
pub fn python_or_skip(root: &Path) -> Option<PathBuf> {
    match venv_python(root) {
        Ok(p) => Some(p),
        Err(why) => {
            let hint = format!(
                "python clients suite: {why}; create the venv with `bash -c '. .ci/python.sh && \
                 ensure_python_venv'` at the repository root (or run `bash .ci/run`)"
            );
            if under_ci() {
                panic!("{hint}");
            }
            eprintln!("skipped: {hint}");
            None
        }
    }
}

/// Runs one SQL statement with `psql` against `url`.
pub fn psql(url: &str, sql: &str) -> Result<(), String> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// A new database on the test PostgreSQL (`SPAPI_TEST_DATABASE_URL`, default the local
/// cluster with trust auth): (admin URL, database name, its URL).
pub fn postgres_database() -> Option<(String, String, String)> {
    let admin = std::env::var("SPAPI_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("spapi_pyclients_{}", unique());
    if let Err(why) = psql(&admin, &format!("CREATE DATABASE {name}")) {
        if under_ci() {
            panic!("PostgreSQL is required under CI: {why}");
        }
        eprintln!("skipped: no PostgreSQL for the python clients suite: {why}");
        return None;
    }
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or_else(|| admin.clone());
    let url = format!("{base}/{name}");
    Some((admin, name, url))
}

/// Creates the suite's app, seller, authorization and world through the control plane at
/// `base` (admin token `admin_token`); the `SPAPI_TEST_*` variables the suite reads.
pub async fn prepare_suite(base: &str, admin_token: &str) -> Vec<(&'static str, String)> {
    let base = base.to_string();
    let control = Control {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        base: base.clone(),
        token: admin_token.to_string(),
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
                "email": format!("python-{}@example.com", unique()),
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

    vec![
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
        ("SPAPI_TEST_ADMIN_TOKEN", admin_token.to_string()),
    ]
}

/// Runs the Python suite with `env` off the async runtime and asserts it passed.
pub async fn run_suite_with(root: &Path, python: &Path, env: Vec<(&'static str, String)>) {
    let (root2, python2) = (root.to_path_buf(), python.to_path_buf());
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
}

/// A unique suffix (seller emails, database names).
pub fn unique() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}
