//! The load run behind `docs/benchmarks.md`: starts spapi (release, usage plans off) on loopback
//! and, in the same run, the bare axum baseline; drives both with oha at 32 connections; measures
//! cold start, idle RSS and RSS under load, and the generation of a large world; prints a
//! Markdown report on stdout (progress goes to stderr).
//!
//! Run it through `bench/load.sh`, which builds the release binaries and installs oha.
//!
//! ```text
//! spapi-load [--orders N] [--duration SECS] [--connections C] [--oha PATH]
//! ```

use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What to run.
struct Options {
    /// Orders in the large world (0 skips it).
    orders: u64,
    /// Seconds per oha run.
    duration: u64,
    /// oha's connections.
    connections: u32,
    /// The oha binary.
    oha: PathBuf,
}

fn options() -> anyhow::Result<Options> {
    let mut o = Options {
        orders: 1_000_000,
        duration: 10,
        connections: 32,
        oha: PathBuf::from("oha"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().with_context(|| format!("{a} needs a value"));
        match a.as_str() {
            "--orders" => o.orders = value()?.parse()?,
            "--duration" => o.duration = value()?.parse()?,
            "--connections" => o.connections = value()?.parse()?,
            "--oha" => o.oha = PathBuf::from(value()?),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(o)
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Resident set size of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Samples a process's RSS every 50 ms while alive; returns the peak seen.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (s, p) = (stop.clone(), peak.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                if let Some(kib) = rss_kib(pid) {
                    p.fetch_max(kib, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        RssSampler {
            stop,
            peak,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.peak.load(Ordering::Relaxed)
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn sibling(name: &str) -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let path = exe.parent().context("no exe dir")?.join(name);
    if !path.exists() {
        bail!(
            "{} is missing: build it with cargo build --release -p spapi -p spapi-bench",
            path.display()
        );
    }
    Ok(path)
}

/// One oha run's figures.
#[derive(Debug, Clone, Copy)]
struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    success: f64,
}

/// One endpoint to load.
struct Target {
    name: &'static str,
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<(String, &'static str)>,
}

fn oha(o: &Options, t: &Target) -> anyhow::Result<Figures> {
    let mut cmd = Command::new(&o.oha);
    cmd.args([
        "--no-tui",
        "--output-format",
        "json",
        "-c",
        &o.connections.to_string(),
        "-z",
        &format!("{}s", o.duration),
        "-m",
        t.method,
    ]);
    for (k, v) in &t.headers {
        cmd.args(["-H", &format!("{k}: {v}")]);
    }
    if let Some((body, content_type)) = &t.body {
        cmd.args(["-d", body, "-T", content_type]);
    }
    cmd.arg(&t.url);
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", o.oha.display()))?;
    if !out.status.success() {
        bail!("oha failed for {}", t.name);
    }
    let v: Value = serde_json::from_slice(&out.stdout).context("oha's JSON")?;
    let codes = &v["statusCodeDistribution"];
    let ok: u64 = codes
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| k.starts_with('2'))
                .filter_map(|(_, n)| n.as_u64())
                .sum()
        })
        .unwrap_or(0);
    let all: u64 = codes
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    if ok == 0 {
        bail!("{}: no 2xx answers ({codes})", t.name);
    }
    let ms = |key: &str| v["latencyPercentiles"][key].as_f64().unwrap_or(f64::NAN) * 1000.0;
    Ok(Figures {
        rps: v["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0) * ok as f64 / all as f64,
        p50_ms: ms("p50"),
        p99_ms: ms("p99"),
        success: ok as f64 / all as f64,
    })
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .expect("http client")
}

/// The demo credentials the server writes.
fn read_credentials(dir: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(dir.join("demo-credentials.json")).ok()?;
    serde_json::from_str(&text).ok()
}

async fn access_token(c: &reqwest::Client, creds: &Value, seller: usize) -> anyhow::Result<String> {
    let v: Value = c
        .post(creds["lwa_endpoint"].as_str().context("lwa endpoint")?)
        .form(&[
            ("grant_type", "refresh_token"),
            (
                "refresh_token",
                creds["sellers"][seller]["refresh_token"]
                    .as_str()
                    .context("refresh token")?,
            ),
            ("client_id", creds["client_id"].as_str().context("id")?),
            (
                "client_secret",
                creds["client_secret"].as_str().context("secret")?,
            ),
        ])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(v["access_token"]
        .as_str()
        .context("access_token")?
        .to_string())
}

/// Starts spapi on a fresh SQLite data directory; returns the process, the time to the first
/// HTTP answer, and the time until the demo world answers an SP-API call.
async fn start_spapi(data: &Path, port: u16) -> anyhow::Result<(Proc, Duration, Duration, Value)> {
    let spapi = sibling("spapi")?;
    let begun = Instant::now();
    let child = Command::new(spapi)
        .args(["serve", "--throttle", "off", "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let proc = Proc(child);
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    let base = format!("http://127.0.0.1:{port}");
    let mut first_answer = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if Instant::now() > deadline {
            bail!("spapi did not come up within 60 s");
        }
        if first_answer.is_none()
            && c.get(format!("{base}/sellers/v1/marketplaceParticipations"))
                .send()
                .await
                .is_ok()
        {
            first_answer = Some(begun.elapsed());
        }
        if let Some(creds) = read_credentials(data) {
            let token = access_token(&c, &creds, 0).await?;
            let r = c
                .get(format!("{base}/sellers/v1/marketplaceParticipations"))
                .header("x-amz-access-token", token)
                .send()
                .await?;
            if r.status().is_success() {
                let ready = begun.elapsed();
                return Ok((proc, first_answer.unwrap_or(ready), ready, creds));
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Generates `orders` orders for the seller through the control plane; returns the time taken.
async fn generate(base: &str, admin: &str, seller: &str, orders: u64) -> anyhow::Result<Duration> {
    let c = http();
    let days = 100;
    let per_day = orders.div_ceil(days);
    let begun = Instant::now();
    let started: Value = c
        .post(format!("{base}/emulator/v1/sellers/{seller}/world"))
        .bearer_auth(admin)
        .json(&json!({"seed": 7, "products": 2000, "days": days,
            "orders_per_day": per_day, "background": true}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let id = started["generation_id"]
        .as_str()
        .context("generation id")?
        .to_string();
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let g: Value = c
            .get(format!("{base}/emulator/v1/generations/{id}"))
            .bearer_auth(admin)
            .send()
            .await?
            .json()
            .await?;
        if !g["error"].is_null() {
            bail!("generation failed: {g}");
        }
        if g["done"].as_bool() == Some(true) {
            return Ok(begun.elapsed());
        }
        eprint!("\r  {} orders written", g["orders_written"]);
    }
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|k| format!("{} GiB", k / 1024 / 1024))
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {mem} RAM, Linux")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
    let data = std::env::temp_dir().join(format!("spapi-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let mut report = String::new();
    let mut line = |s: String| {
        report.push_str(&s);
        report.push('\n');
    };

    // Start-up.
    let port = free_port()?;
    let (spapi, first_answer, ready, creds) = start_spapi(&data, port).await?;
    let pid = spapi.0.id();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = rss_kib(pid).unwrap_or(0);
    let base = format!("http://127.0.0.1:{port}");
    let admin = creds["admin_token"]
        .as_str()
        .context("admin token")?
        .to_string();
    let seller = creds["sellers"][0]["selling_partner_id"]
        .as_str()
        .context("seller")?
        .to_string();
    let marketplace = creds["sellers"][0]["marketplace_ids"][0]
        .as_str()
        .context("marketplace")?
        .to_string();

    // The large world.
    let mut generation = None;
    if o.orders > 0 {
        eprintln!("generating {} orders for {seller}", o.orders);
        let took = generate(&base, &admin, &seller, o.orders).await?;
        eprintln!();
        generation = Some((took, dir_size(&data)));
    }

    let c = http();
    let token = access_token(&c, &creds, 0).await?;
    let auth = vec![("x-amz-access-token".to_string(), token.clone())];
    let created_after = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 120))?
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let orders_url = format!(
        "{base}/orders/v0/orders?MarketplaceIds={marketplace}&CreatedAfter={created_after}\
         &OrderStatuses=Shipped&FulfillmentChannels=MFN&MaxResultsPerPage=100"
    );
    let page: Value = c
        .get(&orders_url)
        .header("x-amz-access-token", &token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let orders = page["payload"]["Orders"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let order_id = orders
        .first()
        .and_then(|o| o["AmazonOrderId"].as_str())
        .context("no order in the world")?
        .to_string();
    let listing: Value = c
        .get(format!("{base}/emulator/v1/sellers/{seller}/listings"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let sku = listing["listings"]
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|l| l["marketplace_id"] == marketplace.as_str())
        })
        .and_then(|l| l["sku"].as_str())
        .context("no listing in the world")?
        .to_string();
    let form = format!(
        "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
        creds["sellers"][0]["refresh_token"].as_str().unwrap_or(""),
        creds["client_id"].as_str().unwrap_or(""),
        creds["client_secret"].as_str().unwrap_or("")
    );
    let targets = vec![
        Target {
            name: "getOrder",
            method: "GET",
            url: format!("{base}/orders/v0/orders/{order_id}"),
            headers: auth.clone(),
            body: None,
        },
        Target {
            name: "getOrders (filtered, page of 100)",
            method: "GET",
            url: orders_url.clone(),
            headers: auth.clone(),
            body: None,
        },
        Target {
            name: "getListingsItem",
            method: "GET",
            url: format!(
                "{base}/listings/2021-08-01/items/{seller}/{sku}?marketplaceIds={marketplace}"
            ),
            headers: auth.clone(),
            body: None,
        },
        Target {
            name: "searchCatalogItems",
            method: "GET",
            url: format!(
                "{base}/catalog/2022-04-01/items?marketplaceIds={marketplace}&keywords=shirt"
            ),
            headers: auth.clone(),
            body: None,
        },
        Target {
            name: "LWA token (refresh_token grant)",
            method: "POST",
            url: format!("{base}/auth/o2/token"),
            headers: Vec::new(),
            body: Some((form, "application/x-www-form-urlencoded")),
        },
    ];

    // The baseline, in the same run.
    let bport = free_port()?;
    let _baseline = Proc(
        Command::new(sibling("spapi-baseline")?)
            .arg(bport.to_string())
            .stdout(Stdio::null())
            .spawn()?,
    );
    let bbase = format!("http://127.0.0.1:{bport}");
    for _ in 0..200 {
        if c.get(format!("{bbase}/orders/v0/orders/x"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let baseline = oha(
        &o,
        &Target {
            name: "baseline",
            method: "GET",
            url: format!("{bbase}/orders/v0/orders/{order_id}"),
            headers: auth.clone(),
            body: None,
        },
    )?;

    let mut rows = Vec::new();
    let mut loaded_rss = 0;
    for t in &targets {
        // Only what spapi implements is measured.
        let probe = match t.method {
            "GET" => c.get(&t.url).headers(header_map(&t.headers)).send().await?,
            _ => {
                let (body, ct) = t.body.clone().unwrap_or_default();
                c.post(&t.url)
                    .header("content-type", ct)
                    .body(body)
                    .send()
                    .await?
            }
        };
        if !probe.status().is_success() {
            rows.push((t.name, None, probe.status().as_u16()));
            continue;
        }
        let sampler = RssSampler::start(pid);
        let f = oha(&o, t)?;
        loaded_rss = loaded_rss.max(sampler.finish());
        rows.push((t.name, Some(f), 200));
    }

    line(format!("Machine: {}", machine()));
    line(format!(
        "oha {} connections, {} s per endpoint; spapi release, SQLite file store, usage plans off.",
        o.connections, o.duration
    ));
    line(String::new());
    line("| Endpoint | req/s | p50 ms | p99 ms | 2xx | req/s vs baseline |".into());
    line("|---|---:|---:|---:|---:|---:|".into());
    line(format!(
        "| bare axum JSON handler (baseline) | {:.0} | {:.2} | {:.2} | {:.1}% | 1.00 |",
        baseline.rps,
        baseline.p50_ms,
        baseline.p99_ms,
        baseline.success * 100.0
    ));
    for (name, f, status) in &rows {
        match f {
            Some(f) => line(format!(
                "| {name} | {:.0} | {:.2} | {:.2} | {:.1}% | {:.2} |",
                f.rps,
                f.p50_ms,
                f.p99_ms,
                f.success * 100.0,
                f.rps / baseline.rps
            )),
            None => line(format!(
                "| {name} | not measured: answers {status} | | | | |"
            )),
        }
    }
    line(String::new());
    line(format!(
        "Cold start (fresh data directory, demo world of 2 sellers): first HTTP answer {} ms, \
         demo world answering SP-API calls {} ms.",
        first_answer.as_millis(),
        ready.as_millis()
    ));
    line(format!(
        "RSS: idle {:.1} MiB, peak under load {:.1} MiB.",
        idle as f64 / 1024.0,
        loaded_rss as f64 / 1024.0
    ));
    if let Some((took, size)) = generation {
        line(format!(
            "World of {} orders: generated in {:.1} s ({:.0} orders/s); SQLite files {:.0} MiB.",
            o.orders,
            took.as_secs_f64(),
            o.orders as f64 / took.as_secs_f64(),
            size as f64 / 1024.0 / 1024.0
        ));
    }
    drop(spapi);
    let _ = std::fs::remove_dir_all(&data);
    println!("{report}");
    Ok(())
}

fn header_map(headers: &[(String, String)]) -> reqwest::header::HeaderMap {
    let mut m = reqwest::header::HeaderMap::new();
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            reqwest::header::HeaderName::from_bytes(k.as_bytes()),
            reqwest::header::HeaderValue::from_str(v),
        ) {
            m.insert(k, v);
        }
    }
    m
}
