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
use support::{postgres_database, psql, python_or_skip, repo_root, run_suite_with, under_ci};

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

/// `spapi serve` on `port` over the shared database, handing out links to `public`.
fn instance(database_url: &str, port: u16, public: &str, dir: &Path) -> Running {
    let log = std::fs::File::create(dir.join(format!("instance-{port}.log"))).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_spapi"))
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
