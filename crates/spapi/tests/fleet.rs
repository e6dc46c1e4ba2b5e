//! Several instances of spapi on one PostgreSQL world behind a real load balancer: three
//! `spapi serve` processes on one database and nginx (Debian's package) round-robin in front of
//! them, on loopback. The real-clients suite (`tests/python`) runs through nginx unchanged, so
//! consecutive calls of one client land on different instances: tokens minted by one are
//! honoured by the others, NextTokens and document URLs cross instances, usage plans and their
//! overrides are shared, and a clock change through any instance is the world's.
//!
//! Needs PostgreSQL, nginx and the suite's venv; skips with a message when one is missing,
//! except under `CI`, where it fails (`.ci/run` installs them).

mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{
    postgres_database, psql, python_or_skip, repo_root, run_suite_with, under_ci, unique,
};

const NGINX: &str = "/usr/sbin/nginx";
const ADMIN: &str = "spapi-admin-fleet-test";
const INSTANCES: usize = 3;

/// Kills a child process when the test ends, whatever happens.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free loopback port (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn nginx_or_skip() -> Option<&'static str> {
    if Path::new(NGINX).exists() {
        return Some(NGINX);
    }
    let hint = format!(
        "fleet test: {NGINX} is missing; install it with `bash -c '. .ci/nginx.sh && \
         ensure_nginx'` (or run `bash .ci/run`)"
    );
    if under_ci() {
        panic!("{hint}");
    }
    eprintln!("skipped: {hint}");
    None
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("spapi-fleet-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `spapi serve` on `port` over the shared database, handing out links to `public`; its log
/// goes to `instance-{port}.log` in `dir`.
fn instance(database_url: &str, port: u16, public: &str, dir: &Path) -> Running {
    instance_with(database_url, port, public, dir, &[])
}

fn instance_with(
    database_url: &str,
    port: u16,
    public: &str,
    dir: &Path,
    envs: &[(&str, &str)],
) -> Running {
    let log = std::fs::File::create(dir.join(format!("instance-{port}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_spapi"))
        .env_remove("SPAPI_TEST_REPORT_PAUSE_SECS")
        .envs(envs.iter().copied())
        .args(["serve", "--no-demo", "--throttle", "off"])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .args(["--database-url", database_url])
        .args(["--admin-token", ADMIN])
        .args(["--public-url", public])
        .arg("--data-dir")
        .arg(dir.join(format!("data-{port}")))
        .env("SPAPI_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start spapi serve");
    Running(child)
}

/// nginx on `port`, round-robin over `upstreams`, logging which upstream served each request.
fn nginx(binary: &str, dir: &Path, port: u16, upstreams: &[u16]) -> Running {
    let servers: String = upstreams
        .iter()
        .map(|p| format!("        server 127.0.0.1:{p};\n"))
        .collect();
    let d = dir.display();
    let conf = format!(
        "worker_processes 1;
master_process off;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$upstream_addr $status $request_method $uri';
    access_log {d}/access.log upstream;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    client_max_body_size 100m;
    upstream spapi {{
{servers}        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://spapi;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 300s;
        }}
    }}
}}
"
    );
    let path = dir.join("nginx.conf");
    std::fs::write(&path, conf).unwrap();
    let child = Command::new(binary)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start nginx");
    Running(child)
}

/// Waits until `GET {base}/emulator/v1/health` answers 200 (60 s at most).
async fn ready(http: &reqwest::Client, base: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = http.get(format!("{base}/emulator/v1/health")).send().await
            && r.status() == 200
        {
            return;
        }
        assert!(Instant::now() < deadline, "{what} did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn control(
    http: &reqwest::Client,
    base: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut req = http
        .request(method, format!("{base}/emulator/v1{path}"))
        .bearer_auth(ADMIN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path} on {base}: {status} {v}");
    v
}

/// The clock's time as `GET /clock` on `base` shows it.
async fn clock_now(http: &reqwest::Client, base: &str) -> jiff::Timestamp {
    let v = control(http, base, reqwest::Method::GET, "/clock", None).await;
    v["now"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_behind_nginx_serve_one_world() {
    let root = repo_root();
    let Some(python) = python_or_skip(&root) else {
        return;
    };
    let Some(nginx_bin) = nginx_or_skip() else {
        return;
    };
    let Some((admin_url, db_name, db_url)) = postgres_database() else {
        return;
    };
    let dir = temp_dir("run");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let lb_port = free_port();
    let public = format!("http://127.0.0.1:{lb_port}");
    let ports: Vec<u16> = (0..INSTANCES).map(|_| free_port()).collect();
    let bases: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    // The first instance creates the schema; the others open it.
    let mut instances = vec![instance(&db_url, ports[0], &public, &dir)];
    ready(&http, &bases[0], "the first instance").await;
    for &p in &ports[1..] {
        instances.push(instance(&db_url, p, &public, &dir));
    }
    for (i, b) in bases.iter().enumerate().skip(1) {
        ready(&http, b, &format!("instance {i}")).await;
    }
    let _lb = nginx(nginx_bin, &dir, lb_port, &ports);
    ready(&http, &public, "nginx").await;

    // One clock: a change through one instance is seen by the others within the stated bound
    // (spapi_server::clock::FOLLOW_EVERY, 200 ms), and changes through different instances
    // compose.
    let t0: jiff::Timestamp = "2031-03-01T12:00:00Z".parse().unwrap();
    control(
        &http,
        &bases[0],
        reqwest::Method::POST,
        "/clock",
        Some(json!({"freeze": true, "set": t0.to_string()})),
    )
    .await;
    control(
        &http,
        &bases[1],
        reqwest::Method::POST,
        "/clock",
        Some(json!({"advance_seconds": 3600})),
    )
    .await;
    let t1 = t0 + jiff::SignedDuration::from_hours(1);
    for b in &bases {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let now = clock_now(&http, b).await;
            if now == t1 {
                break;
            }
            assert!(Instant::now() < deadline, "{b} shows {now}, not {t1}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Back to a running clock for the suite (from the advanced time).
    control(
        &http,
        &bases[2],
        reqwest::Method::POST,
        "/clock",
        Some(json!({"resume": true})),
    )
    .await;

    // The real clients, unchanged, through the load balancer.
    let env = support::prepare_suite(&public, ADMIN).await;
    run_suite_with(&root, &python, env).await;

    // Round-robin really spread the suite's calls over every instance.
    let log = std::fs::read_to_string(dir.join("access.log")).unwrap_or_default();
    let served: BTreeSet<&str> = log
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|u| *u != "-")
        .collect();
    for p in &ports {
        assert!(
            served.contains(format!("127.0.0.1:{p}").as_str()),
            "instance {p} served nothing: {served:?}"
        );
    }
    let requests = log.lines().count();
    assert!(
        requests > 100,
        "only {requests} requests went through nginx"
    );
    println!(
        "{requests} requests through nginx over {} instances",
        served.len()
    );

    drop(instances);
    psql(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
    )
    .ok();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `sql` with `psql` against `url`; its rows, one per line.
fn psql_rows(url: &str, sql: &str) -> Vec<String> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-Atqc", sql])
        .stdin(Stdio::null())
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The first value under `key` anywhere in `v`.
fn find<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(key).or_else(|| m.values().find_map(|x| find(x, key))),
        Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}

async fn sp_get(http: &reqwest::Client, base: &str, token: &str, path: &str) -> Value {
    http.get(format!("{base}{path}"))
        .header("x-amz-access-token", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// An instance killed with SIGKILL while it holds a report job (held mid-way by the test hook
/// `SPAPI_TEST_REPORT_PAUSE_SECS`) and while the buyer simulator's orders move on: the other
/// instances take its claims over once the lease (60 s of the emulator clock) has expired. The
/// report finishes exactly once (one document, one REPORT_PROCESSING_FINISHED), and every order
/// change is recorded exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_holding_claims_loses_nothing_and_duplicates_nothing() {
    if nginx_or_skip().is_none() {
        // Not needed here, but the fleet tests are one set: skip them together.
        return;
    }
    let Some((admin_url, db_name, db_url)) = postgres_database() else {
        return;
    };
    let dir = temp_dir("kill");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let bases: Vec<String> = ports
        .iter()
        .map(|p| format!("http://127.0.0.1:{p}"))
        .collect();
    // The victim starts alone, so that it is the one that claims the report job.
    let victim = instance_with(
        &db_url,
        ports[2],
        &bases[2],
        &dir,
        &[("SPAPI_TEST_REPORT_PAUSE_SECS", "600")],
    );
    ready(&http, &bases[2], "the victim").await;
    let v = &bases[2];
    let post = reqwest::Method::POST;
    control(
        &http,
        v,
        post.clone(),
        "/clock",
        Some(json!({"freeze": true, "set": "2031-05-01T08:00:00Z"})),
    )
    .await;
    let app = control(&http, v, post.clone(), "/apps", Some(json!({"name": "Fleet", "redirect_uris": ["https://app.example.com/cb"], "roles": spapi_server::auth::ROLES}))).await;
    let seller = control(&http, v, post.clone(), "/sellers", Some(json!({"name": "Fleet Shop", "email": format!("fleet-{}@example.com", unique()), "password": "a good password", "region": "NA"}))).await;
    let seller_id = seller["selling_partner_id"].as_str().unwrap().to_string();
    let auth = control(
        &http,
        v,
        post.clone(),
        &format!("/sellers/{seller_id}/authorizations"),
        Some(json!({"application_id": app["application_id"]})),
    )
    .await;
    control(
        &http,
        v,
        post.clone(),
        &format!("/sellers/{seller_id}/world"),
        Some(json!({"products": 8, "days": 2, "orders_per_day": 5})),
    )
    .await;
    let mint = |base: String| {
        let (http, app, auth) = (http.clone(), app.clone(), auth.clone());
        async move {
            let t: Value = http
                .post(format!("{base}/auth/o2/token"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", auth["refresh_token"].as_str().unwrap()),
                    ("client_id", app["client_id"].as_str().unwrap()),
                    ("client_secret", app["client_secret"].as_str().unwrap()),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            t["access_token"].as_str().unwrap().to_string()
        }
    };
    let token = mint(v.to_string()).await;
    let created: Value = http
        .post(format!("{v}/reports/2021-06-30/reports"))
        .header("x-amz-access-token", &token)
        .json(&json!({"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let report_id = created["reportId"].as_str().unwrap().to_string();
    // The report's jobs fall due; the victim takes them and stops mid-way in the hook (while
    // running what falls due, so the call does not answer: let it go).
    let _ = http
        .post(format!("{v}/emulator/v1/clock"))
        .bearer_auth(ADMIN)
        .json(&json!({"advance_seconds": 10}))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    let log = dir.join(format!("instance-{}.log", ports[2]));
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains(&format!("report {report_id} paused"))
    {
        assert!(
            Instant::now() < deadline,
            "the victim never reached the hook"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The survivors join; buyers order while the victim still holds its claim.
    let survivors: Vec<Running> = (0..2)
        .map(|i| instance(&db_url, ports[i], &bases[i], &dir))
        .collect();
    for b in &bases[..2] {
        ready(&http, b, b).await;
    }
    let a = &bases[0];
    control(
        &http,
        a,
        post.clone(),
        &format!("/sellers/{seller_id}/buyers"),
        Some(json!({"orders_per_hour": 30})),
    )
    .await;
    for _ in 0..3 {
        control(
            &http,
            a,
            post.clone(),
            "/clock",
            Some(json!({"advance_seconds": 600})),
        )
        .await;
    }
    let report = sp_get(
        &http,
        a,
        &token,
        &format!("/reports/2021-06-30/reports/{report_id}"),
    )
    .await;
    assert_eq!(report["processingStatus"], "IN_PROGRESS", "{report}");

    // SIGKILL: no shutdown, the claim stays with the dead instance until its lease expires.
    drop(victim);
    for i in 0..6 {
        control(
            &http,
            &bases[i % 2],
            post.clone(),
            "/clock",
            Some(json!({"advance_seconds": 600})),
        )
        .await;
    }
    control(
        &http,
        a,
        post.clone(),
        &format!("/sellers/{seller_id}/buyers"),
        Some(json!({"orders_per_hour": 0})),
    )
    .await;
    // Let the orders placed last finish their steps.
    control(
        &http,
        a,
        post.clone(),
        "/clock",
        Some(json!({"advance_seconds": 86400})),
    )
    .await;
    // A day has passed on the clock: a new access token (minted by another instance).
    let token = mint(bases[1].clone()).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let report = loop {
        let r = sp_get(
            &http,
            &bases[1],
            &token,
            &format!("/reports/2021-06-30/reports/{report_id}"),
        )
        .await;
        if r["processingStatus"] == "DONE" || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(report["processingStatus"], "DONE", "{report}");

    // Exactly once, as the database holds it.
    let docs = psql_rows(
        &db_url,
        "SELECT count(*) FROM documents WHERE kind = 'report'",
    );
    assert_eq!(docs, vec!["1".to_string()], "one report document");
    let finished = psql_rows(
        &db_url,
        &format!(
            "SELECT count(*) FROM outbox WHERE topic = 'REPORT_PROCESSING_FINISHED' \
             AND payload LIKE '%\"{report_id}\"%'"
        ),
    );
    assert_eq!(
        finished,
        vec!["1".to_string()],
        "one REPORT_PROCESSING_FINISHED"
    );
    let changes = psql_rows(
        &db_url,
        "SELECT payload FROM outbox WHERE topic = 'ORDER_CHANGE' ORDER BY id",
    );
    let mut seen = std::collections::BTreeMap::new();
    for line in &changes {
        let p: Value = serde_json::from_str(line).unwrap();
        let key = (
            find(&p, "AmazonOrderId").unwrap().to_string(),
            find(&p, "OrderStatus")
                .map(|v| v.to_string())
                .unwrap_or_default(),
            find(&p, "ChangeReason")
                .map(|v| v.to_string())
                .unwrap_or_default(),
        );
        *seen.entry(key).or_insert(0) += 1;
    }
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "order changes recorded twice: {twice:?}");
    let orders: BTreeSet<&String> = seen.keys().map(|k| &k.0).collect();
    assert!(
        orders.len() >= 10,
        "the buyers placed {} orders",
        orders.len()
    );
    // Nothing due is left unfinished or failed, whoever claimed it (the buyers are stopped).
    let now: jiff::Timestamp = clock_now(&http, a).await;
    let left = psql_rows(
        &db_url,
        &format!(
            "SELECT count(*) FROM jobs WHERE kind <> 'buyers.tick' AND \
             ((state IN ('pending', 'running') AND run_at <= {}) OR state = 'failed')",
            now.as_microsecond()
        ),
    );
    assert_eq!(left, vec!["0".to_string()], "jobs left behind or failed");
    println!(
        "{} orders, {} order changes, report {report_id} done once",
        orders.len(),
        changes.len()
    );

    drop(survivors);
    psql(
        &admin_url,
        &format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"),
    )
    .ok();
    let _ = std::fs::remove_dir_all(&dir);
}
