//! Traffic commands of the control plane: usage plans (`spapi limits`), fault injection
//! (`spapi faults`) and the request log (`spapi requests tail`). Each maps to an
//! `/emulator/v1` call.

use crate::control::{Client, Target, print, seg};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use std::time::Duration;

/// `spapi limits ...`
#[derive(Subcommand)]
pub enum LimitsCommand {
    /// Shows the mode, the plans spapi adds, and the overrides.
    Show,
    /// Sets the mode: `real` (as at Amazon), `off`, or `scaled:N` (every rate times N).
    Mode {
        /// real, off or scaled:N.
        mode: String,
    },
    /// Refills every bucket.
    Reset,
    /// Lists every operation with its plan (as it applies to a seller and app, if given).
    Operations {
        /// Only this API (`orders_v0`).
        #[arg(long)]
        api: Option<String>,
        /// The plan as this seller gets it (overrides applied).
        #[arg(long)]
        seller: Option<String>,
        /// The plan as this app gets it.
        #[arg(long)]
        app: Option<String>,
    },
    /// Gives a seller its own plan (for one operation or all, one app or all).
    Override {
        /// Selling partner id.
        #[arg(long)]
        seller: String,
        /// Only calls of this app.
        #[arg(long)]
        app: Option<String>,
        /// Only this operation (`getOrders` or `orders_v0.getOrders`).
        #[arg(long)]
        operation: Option<String>,
        /// Requests per second.
        #[arg(long)]
        rate: Option<f64>,
        /// Bucket size (0 refuses every call).
        #[arg(long)]
        burst: Option<u32>,
        /// No throttling at all.
        #[arg(long)]
        unlimited: bool,
    },
    /// Lists the overrides.
    Overrides,
    /// Removes one override.
    RemoveOverride {
        /// Override id.
        id: u64,
    },
    /// Removes every override.
    ClearOverrides,
}

/// `spapi faults ...`
#[derive(Subcommand)]
pub enum FaultsCommand {
    /// Adds a fault rule.
    Add(AddFault),
    /// Lists the rules in force.
    List,
    /// Removes one rule.
    Remove {
        /// Rule id.
        id: u64,
    },
    /// Removes every rule.
    Clear,
}

/// `spapi faults add`: exactly one of `--error`, `--latency`, `--drop`.
#[derive(Args)]
pub struct AddFault {
    /// A fault of the LWA token endpoint instead of SP-API operations.
    #[arg(long)]
    lwa: bool,
    /// Only this operation (`getOrders` or `orders_v0.getOrders`); default every operation.
    #[arg(long)]
    operation: Option<String>,
    /// Only calls for this seller.
    #[arg(long)]
    seller: Option<String>,
    /// Only calls of this app (application id; for --lwa also the client id).
    #[arg(long)]
    app: Option<String>,
    /// Answer with this error: `503`, `503:ServiceUnavailable`, `429:QuotaExceeded`.
    #[arg(long, conflicts_with_all = ["latency", "drop"])]
    error: Option<String>,
    /// The error's message (default: Amazon's for the code).
    #[arg(long, requires = "error")]
    message: Option<String>,
    /// Add latency: `500ms`, `2s`, or milliseconds.
    #[arg(long, conflicts_with = "drop")]
    latency: Option<String>,
    /// Drop the connection without answering.
    #[arg(long)]
    drop: bool,
    /// Chance that a matching call is hit, 0 to 1.
    #[arg(long)]
    probability: Option<f64>,
    /// Hit only the next N matching calls.
    #[arg(long)]
    times: Option<u32>,
}

/// `spapi requests ...`
#[derive(Subcommand)]
pub enum RequestsCommand {
    /// Prints the latest calls, oldest first; with --follow keeps printing new ones.
    Tail(Tail),
}

/// `spapi requests tail`
#[derive(Args)]
pub struct Tail {
    /// How many of the latest calls to print first.
    #[arg(short = 'n', long, default_value_t = 20)]
    lines: u32,
    /// Keep printing calls as they come.
    #[arg(short, long)]
    follow: bool,
    /// Poll interval with --follow (`500ms`, `2s`).
    #[arg(long, default_value = "1s")]
    interval: String,
    /// Only this operationId.
    #[arg(long)]
    operation: Option<String>,
    /// Only this seller.
    #[arg(long)]
    seller: Option<String>,
    /// Only this app.
    #[arg(long)]
    app: Option<String>,
    /// Only this status.
    #[arg(long)]
    status: Option<u16>,
    /// Only throttled calls.
    #[arg(long)]
    throttled: bool,
    /// Only calls that met a fault.
    #[arg(long)]
    faulted: bool,
    /// One JSON object per line instead of columns.
    #[arg(long)]
    json: bool,
}

/// A query string from the pairs that have a value.
fn query(pairs: &[(&str, Option<String>)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", seg(v))))
        .collect();
    if q.is_empty() {
        String::new()
    } else {
        format!("?{}", q.join("&"))
    }
}

/// Milliseconds in `500ms`, `2s`, `1m`, or a bare number of milliseconds.
pub fn parse_millis(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (s, 1.0)
    };
    let n: f64 = num
        .trim()
        .parse()
        .with_context(|| format!("not a duration: {s}"))?;
    if !(n.is_finite() && n >= 0.0) {
        bail!("not a duration: {s}");
    }
    Ok((n * mult).round() as u64)
}

/// `503` or `503:ServiceUnavailable` as the control plane's `error` object.
pub fn parse_error(s: &str, message: Option<String>) -> anyhow::Result<Value> {
    let (status, code) = match s.split_once(':') {
        Some((st, code)) => (st, Some(code.trim().to_string())),
        None => (s, None),
    };
    let status: u16 = status
        .trim()
        .parse()
        .with_context(|| format!("not a status: {status}"))?;
    let mut e = json!({"status": status});
    if let Some(c) = code.filter(|c| !c.is_empty()) {
        e["code"] = json!(c);
    }
    if let Some(m) = message {
        e["message"] = json!(m);
    }
    Ok(e)
}

/// `spapi limits`.
pub async fn limits(t: Target<LimitsCommand>) -> anyhow::Result<()> {
    use reqwest::Method;
    let c = Client::new(&t)?;
    let v = match t.command {
        LimitsCommand::Show => c.call(Method::GET, "/limits", None).await?,
        LimitsCommand::Mode { mode } => {
            c.call(Method::POST, "/limits", Some(json!({"mode": mode})))
                .await?
        }
        LimitsCommand::Reset => {
            c.call(Method::POST, "/limits", Some(json!({"reset": true})))
                .await?
        }
        LimitsCommand::Operations { api, seller, app } => {
            let q = query(&[("api", api), ("seller", seller), ("app", app)]);
            let v = c
                .call(Method::GET, &format!("/limits/operations{q}"), None)
                .await?;
            println!("mode: {}", v["mode"].as_str().unwrap_or_default());
            for op in v["operations"].as_array().into_iter().flatten() {
                let applied = match &op["applied"] {
                    Value::Null => "not throttled".to_string(),
                    a => format!("{}/s burst {}", a["rate"], a["burst"]),
                };
                println!(
                    "{:<40} {:<45} {:>8}/s burst {:<4} {:<10} applied: {applied}",
                    op["api"].as_str().unwrap_or_default(),
                    op["operation"].as_str().unwrap_or_default(),
                    op["plan"]["rate"],
                    op["plan"]["burst"],
                    op["source"].as_str().unwrap_or_default(),
                );
            }
            return Ok(());
        }
        LimitsCommand::Override {
            seller,
            app,
            operation,
            rate,
            burst,
            unlimited,
        } => {
            let body = json!({"seller": seller, "app": app, "operation": operation,
                "rate": rate, "burst": burst, "unlimited": unlimited});
            c.call(Method::POST, "/limits/overrides", Some(body))
                .await?
        }
        LimitsCommand::Overrides => c.call(Method::GET, "/limits/overrides", None).await?,
        LimitsCommand::RemoveOverride { id } => {
            c.call(Method::DELETE, &format!("/limits/overrides/{id}"), None)
                .await?
        }
        LimitsCommand::ClearOverrides => c.call(Method::DELETE, "/limits/overrides", None).await?,
    };
    print(&v)
}

/// `spapi faults`.
pub async fn faults(t: Target<FaultsCommand>) -> anyhow::Result<()> {
    use reqwest::Method;
    let c = Client::new(&t)?;
    let v = match t.command {
        FaultsCommand::Add(a) => {
            let mut body = json!({
                "target": if a.lwa { "lwa" } else { "sp-api" },
                "operation": a.operation,
                "seller": a.seller,
                "app": a.app,
                "probability": a.probability,
                "times": a.times,
            });
            match (&a.error, &a.latency, a.drop) {
                (Some(e), None, false) => body["error"] = parse_error(e, a.message.clone())?,
                (None, Some(l), false) => body["latency_ms"] = json!(parse_millis(l)?),
                (None, None, true) => body["drop"] = json!(true),
                _ => bail!("give exactly one of --error, --latency, --drop"),
            }
            c.call(Method::POST, "/faults", Some(body)).await?
        }
        FaultsCommand::List => c.call(Method::GET, "/faults", None).await?,
        FaultsCommand::Remove { id } => {
            c.call(Method::DELETE, &format!("/faults/{id}"), None)
                .await?
        }
        FaultsCommand::Clear => c.call(Method::DELETE, "/faults", None).await?,
    };
    print(&v)
}

/// One request-log entry as a line.
pub fn format_entry(e: &Value) -> String {
    let status = match e["status"].as_u64() {
        Some(0) | None => "---".to_string(),
        Some(s) => s.to_string(),
    };
    let what = e["operation"]
        .as_str()
        .or(e["path"].as_str())
        .unwrap_or_default();
    let mut line = format!(
        "{}  {status:>3}  {:<6} {what:<40} {:>9.1}ms",
        e["at"].as_str().unwrap_or_default(),
        e["method"].as_str().unwrap_or_default(),
        e["latency_ms"].as_f64().unwrap_or_default(),
    );
    if let Some(s) = e["seller"].as_str() {
        line.push_str(&format!("  seller={s}"));
    }
    if let Some(a) = e["app"].as_str() {
        line.push_str(&format!("  app={a}"));
    }
    if e["throttled"] == true {
        line.push_str("  THROTTLED");
    }
    if let Some(f) = e["fault"].as_str() {
        line.push_str(&format!("  FAULT({f})"));
    }
    if e["sandbox"] == true {
        line.push_str("  sandbox");
    }
    line
}

/// `spapi requests`.
pub async fn requests(t: Target<RequestsCommand>) -> anyhow::Result<()> {
    let c = Client::new(&t)?;
    let RequestsCommand::Tail(tail) = t.command;
    let interval = Duration::from_millis(parse_millis(&tail.interval)?.max(50));
    let flag = |on: bool| on.then(|| "true".to_string());
    let filters = vec![
        ("operation", tail.operation.clone()),
        ("seller", tail.seller.clone()),
        ("app", tail.app.clone()),
        ("status", tail.status.map(|s| s.to_string())),
        ("throttled", flag(tail.throttled)),
        ("faulted", flag(tail.faulted)),
    ];
    let show = |e: &Value| {
        if tail.json {
            println!("{e}");
        } else {
            println!("{}", format_entry(e));
        }
    };
    let mut pairs = filters.clone();
    pairs.push(("limit", Some(tail.lines.clamp(1, 1000).to_string())));
    let v = c
        .call(
            reqwest::Method::GET,
            &format!("/requests{}", query(&pairs)),
            None,
        )
        .await?;
    let mut entries: Vec<Value> = v["requests"].as_array().cloned().unwrap_or_default();
    // The control plane gives the newest first.
    entries.reverse();
    let mut last = entries.last().and_then(|e| e["id"].as_i64()).unwrap_or(0);
    for e in &entries {
        show(e);
    }
    if !tail.follow {
        return Ok(());
    }
    if last == 0 {
        // Nothing yet (or nothing matching): start after the newest entry of the whole log.
        let v = c
            .call(reqwest::Method::GET, "/requests?limit=1", None)
            .await?;
        last = v["requests"][0]["id"].as_i64().unwrap_or(0);
    }
    loop {
        tokio::time::sleep(interval).await;
        let mut pairs = filters.clone();
        pairs.push(("after", Some(last.to_string())));
        pairs.push(("limit", Some("1000".to_string())));
        let v = c
            .call(
                reqwest::Method::GET,
                &format!("/requests{}", query(&pairs)),
                None,
            )
            .await?;
        for e in v["requests"].as_array().into_iter().flatten() {
            show(e);
            last = last.max(e["id"].as_i64().unwrap_or(last));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded() {
        assert_eq!(
            query(&[("seller", Some("A 1|x".into())), ("app", None)]),
            "?seller=A%201%7Cx"
        );
        assert_eq!(query(&[("app", None)]), "");
    }

    #[test]
    fn durations_in_milliseconds() {
        assert_eq!(parse_millis("500ms").unwrap(), 500);
        assert_eq!(parse_millis("2s").unwrap(), 2000);
        assert_eq!(parse_millis("1.5s").unwrap(), 1500);
        assert_eq!(parse_millis("1m").unwrap(), 60_000);
        assert_eq!(parse_millis("250").unwrap(), 250);
        assert!(parse_millis("soon").is_err());
    }

    #[test]
    fn errors_with_and_without_a_code() {
        assert_eq!(parse_error("503", None).unwrap(), json!({"status": 503}));
        assert_eq!(
            parse_error("429:QuotaExceeded", Some("slow".into())).unwrap(),
            json!({"status": 429, "code": "QuotaExceeded", "message": "slow"})
        );
        assert!(parse_error("oops", None).is_err());
    }

    #[test]
    fn entries_print_on_one_line() {
        let e = json!({"id": 7, "at": "2025-03-01T12:00:00Z", "method": "GET",
            "operation": "getOrders", "path": "/orders/v0/orders", "status": 429,
            "latency_ms": 1.25, "seller": "A1", "app": "amzn1.sellerapps.app.x",
            "throttled": true, "fault": null, "sandbox": false});
        let line = format_entry(&e);
        assert!(line.contains(" 429 "), "{line}");
        assert!(line.contains("getOrders"), "{line}");
        assert!(line.contains("THROTTLED"), "{line}");
        assert!(!line.contains("FAULT"), "{line}");
        let dropped = json!({"status": 0, "fault": "drop", "method": "GET", "path": "/x"});
        assert!(format_entry(&dropped).contains("---"));
        assert!(format_entry(&dropped).contains("FAULT(drop)"));
    }
}
