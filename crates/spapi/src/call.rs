//! `spapi call` (any operation by operationId) and the convenience commands `spapi orders list`
//! and `spapi reports fetch`. JSON goes to stdout; progress of multi-page and long runs to
//! stderr.

use crate::auth_cmd::{ProfileArgs, client_from, revoked_hint};
use crate::profile::Profiles;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use serde_json::Value;
use spapi_client::model::Location;
use spapi_client::{Client, OpRequest, find_operation};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// `spapi call`.
#[derive(Args, Debug)]
pub struct CallArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// The operationId (`getOrders`), or `api.operationId` where several APIs share it.
    pub operation: String,
    /// A parameter `name=value` (repeatable; arrays comma-separated or repeated).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The JSON body, from a file or `-` for standard input.
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<String>,
    /// Follow the page token and print every page (a JSON array).
    #[arg(long)]
    pub all_pages: bool,
    /// Call a restricted operation with a Restricted Data Token for these data elements
    /// (comma-separated; empty for operations without elements).
    #[arg(long, value_name = "ELEMENTS")]
    pub restricted: Option<Option<String>>,
    /// Retries on 429/500/503 (default 5).
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub retries: usize,
}

/// `spapi orders ...`
#[derive(Args, Debug)]
pub struct OrdersArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(subcommand)]
    pub command: OrdersCommand,
}

/// Orders commands.
#[derive(Subcommand, Debug)]
pub enum OrdersCommand {
    /// Lists orders (every page of getOrders): a JSON array of orders.
    List {
        /// Marketplace id (repeatable; default: ATVPDKIKX0DER).
        #[arg(long = "marketplace")]
        marketplaces: Vec<String>,
        /// Orders created at or after (ISO-8601); default: 30 days ago.
        #[arg(long)]
        created_after: Option<String>,
        /// Orders created before (ISO-8601).
        #[arg(long)]
        created_before: Option<String>,
        /// Order status (repeatable).
        #[arg(long = "status")]
        statuses: Vec<String>,
        /// Include buyer info and shipping addresses (through a Restricted Data Token).
        #[arg(long)]
        with_pii: bool,
        /// Stop after this many orders.
        #[arg(long)]
        max: Option<usize>,
    },
}

/// `spapi reports ...`
#[derive(Args, Debug)]
pub struct ReportsArgs {
    #[command(flatten)]
    pub profile: ProfileArgs,
    #[command(subcommand)]
    pub command: ReportsCommand,
}

/// Reports commands.
#[derive(Subcommand, Debug)]
pub enum ReportsCommand {
    /// Requests a report, waits for it, downloads and decompresses the document.
    Fetch {
        /// Report type (`GET_MERCHANT_LISTINGS_ALL_DATA`).
        report_type: String,
        /// Marketplace id (repeatable; default: ATVPDKIKX0DER).
        #[arg(long = "marketplace")]
        marketplaces: Vec<String>,
        /// Start of the data period (ISO-8601).
        #[arg(long)]
        start: Option<String>,
        /// End of the data period (ISO-8601).
        #[arg(long)]
        end: Option<String>,
        /// Write the document here instead of standard output.
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Seconds between polls of the report's status.
        #[arg(long, default_value_t = 15.0)]
        poll_interval: f64,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
    },
}

fn client(p: &ProfileArgs, retries: usize) -> anyhow::Result<Client> {
    let profiles = Profiles::open(&p.dir())?;
    client_from(&profiles, &p.profile, retries)
}

fn parse_params(raw: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    raw.iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .with_context(|| format!("--param {kv:?} is not NAME=VALUE"))
        })
        .collect()
}

fn read_body(arg: &str) -> anyhow::Result<Value> {
    let text = if arg == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(arg).with_context(|| format!("reading {arg}"))?
    };
    serde_json::from_str(&text).context("the body is not JSON")
}

fn print_json(v: &Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_vec_pretty(v)?;
    text.push(b'\n');
    write_stdout(&text)
}

/// Writes to standard output; a reader that went away (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Runs `spapi call`.
pub async fn call(a: CallArgs) -> anyhow::Result<()> {
    let client = client(&a.profile, a.retries)?;
    let op = find_operation(&a.operation)?;
    let params = parse_params(&a.params)?;
    let body = a.body.as_deref().map(read_body).transpose()?;
    if body.is_none()
        && op
            .params
            .iter()
            .any(|p| p.location == Location::Body && p.required)
    {
        eprintln!(
            "note: {} takes a JSON body (--body FILE or --body -)",
            op.operation_id
        );
    }
    let req = OpRequest::from_pairs(op, &params, body)?;
    let mut handle = client.handle();
    if let Some(elements) = &a.restricted {
        let list: Vec<String> = elements
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        handle = handle.restricted(list);
    }
    if a.all_pages {
        let paging = spapi_client::paging::lookup(op.api, op.operation_id)
            .with_context(|| format!("{} does not page", op.operation_id))?;
        let mut pages = handle.pages_raw(Ok(req), paging);
        let mut all = Vec::new();
        while let Some(resp) = pages.try_next().await.map_err(revoked_hint)? {
            all.push(resp.value()?);
            eprintln!("page {} ({})", all.len(), op.operation_id);
        }
        return print_json(&Value::Array(all));
    }
    let started = std::time::Instant::now();
    let resp = handle.send(req).await.map_err(revoked_hint)?;
    if started.elapsed() > Duration::from_secs(5) {
        eprintln!(
            "{} answered {} after {:.1} s (waits for the usage plan and retries included)",
            op.operation_id,
            resp.status,
            started.elapsed().as_secs_f64()
        );
    }
    print_json(&resp.value()?)
}

/// Runs `spapi orders`.
pub async fn orders(a: OrdersArgs) -> anyhow::Result<()> {
    let client = client(&a.profile, 0)?;
    match a.command {
        OrdersCommand::List {
            marketplaces,
            created_after,
            created_before,
            statuses,
            with_pii,
            max,
        } => {
            let created_after = created_after.unwrap_or_else(|| {
                let t = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(30 * 24);
                t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
            });
            let params = spapi_client::model::orders_v0::params::GetOrders {
                marketplace_ids: default_marketplaces(marketplaces),
                created_after: Some(created_after),
                created_before,
                order_statuses: statuses,
                ..Default::default()
            };
            let mut api = client.orders_v0();
            if with_pii {
                api = api.restricted(["buyerInfo", "shippingAddress"]);
            }
            let mut pages = api.get_orders_pages(params);
            let mut orders = Vec::new();
            let mut n = 0;
            while let Some(page) = pages.try_next().await.map_err(revoked_hint)? {
                n += 1;
                let list = page.payload.map(|p| p.orders).unwrap_or_default();
                eprintln!("page {n}: {} orders", list.len());
                for o in list {
                    orders.push(serde_json::to_value(o)?);
                    if max.is_some_and(|m| orders.len() >= m) {
                        return print_json(&Value::Array(orders));
                    }
                }
            }
            print_json(&Value::Array(orders))
        }
    }
}

fn default_marketplaces(m: Vec<String>) -> Vec<String> {
    if m.is_empty() {
        vec!["ATVPDKIKX0DER".into()]
    } else {
        m
    }
}

/// Report types whose documents hold restricted data: getReportDocument needs an RDT for them.
const RESTRICTED_REPORT_TYPES: &[&str] = &[
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_INVOICING",
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_TAX",
    "GET_EASYSHIP_DOCUMENTS",
    "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_INVOICING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_TAX",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_INVOICING",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_TAX",
    "GET_ORDER_REPORT_DATA_INVOICING",
    "GET_ORDER_REPORT_DATA_SHIPPING",
    "GET_ORDER_REPORT_DATA_TAX",
    "GET_VAT_TRANSACTION_DATA",
    "SC_VAT_TAX_REPORT",
];

/// Runs `spapi reports`.
pub async fn reports(a: ReportsArgs) -> anyhow::Result<()> {
    let client = client(&a.profile, 0)?;
    match a.command {
        ReportsCommand::Fetch {
            report_type,
            marketplaces,
            start,
            end,
            output,
            poll_interval,
            timeout,
        } => {
            let bytes = fetch_report(
                &client,
                &report_type,
                default_marketplaces(marketplaces),
                start,
                end,
                Duration::from_secs_f64(poll_interval.max(0.0)),
                Duration::from_secs(timeout),
            )
            .await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &bytes)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {} bytes to {}", bytes.len(), path.display());
                }
                None => write_stdout(&bytes)?,
            }
            Ok(())
        }
    }
}

/// createReport -> getReport until done -> getReportDocument -> download -> decompress.
pub async fn fetch_report(
    client: &Client,
    report_type: &str,
    marketplaces: Vec<String>,
    start: Option<String>,
    end: Option<String>,
    poll_interval: Duration,
    timeout: Duration,
) -> anyhow::Result<Vec<u8>> {
    use spapi_client::model::reports_2021_06_30 as r;
    let api = client.reports_2021_06_30();
    let created = api
        .create_report(r::params::CreateReport {
            body: r::CreateReportSpecification {
                report_type: report_type.to_string(),
                marketplace_ids: marketplaces,
                data_start_time: start,
                data_end_time: end,
                ..Default::default()
            },
        })
        .await
        .map_err(revoked_hint)?;
    let id = created.report_id;
    eprintln!("report {id} requested ({report_type})");
    let deadline = tokio::time::Instant::now() + timeout;
    let document_id = loop {
        let report = api
            .get_report(r::params::GetReport {
                report_id: id.clone(),
            })
            .await
            .map_err(revoked_hint)?;
        let status = report.processing_status.as_str().to_string();
        match status.as_str() {
            "DONE" => {
                break report
                    .report_document_id
                    .context("the report is DONE but names no document")?;
            }
            "CANCELLED" => bail!(
                "report {id} was cancelled (Amazon cancels a report that has no data for the period)"
            ),
            "FATAL" => {
                // A FATAL report may still name a document that explains the failure.
                bail!(
                    "report {id} failed (FATAL){}",
                    report
                        .report_document_id
                        .map(|d| format!("; its document {d} may say why"))
                        .unwrap_or_default()
                )
            }
            other => eprintln!("report {id}: {other}"),
        }
        if tokio::time::Instant::now() + poll_interval > deadline {
            bail!("report {id} was not done within {timeout:?}");
        }
        tokio::time::sleep(poll_interval).await;
    };
    let mut docs = api.clone();
    if RESTRICTED_REPORT_TYPES.contains(&report_type) {
        docs = docs.restricted(Vec::<String>::new());
    }
    let doc = docs
        .get_report_document(r::params::GetReportDocument {
            report_document_id: document_id.clone(),
            ..Default::default()
        })
        .await
        .map_err(revoked_hint)?;
    eprintln!("downloading document {document_id}");
    // The document URL is presigned: it takes no access token, and it expires in minutes.
    let http = spapi_client::http_client(Some(Duration::from_secs(600)))?;
    let resp = http
        .get(&doc.url)
        .send()
        .await
        .with_context(|| format!("downloading {}", doc.url))?;
    if !resp.status().is_success() {
        bail!("downloading the document answered {}", resp.status());
    }
    let bytes = resp.bytes().await?.to_vec();
    let gzip = doc
        .compression_algorithm
        .as_ref()
        .is_some_and(|c| c.as_str().eq_ignore_ascii_case("GZIP"));
    if gzip {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .context("the document is not valid gzip")?;
        eprintln!("{} bytes ({} compressed)", out.len(), bytes.len());
        Ok(out)
    } else {
        Ok(bytes)
    }
}
