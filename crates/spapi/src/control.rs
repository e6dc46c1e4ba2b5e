//! Control-plane commands: each maps one to one to an `/emulator/v1` call.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use spapi_server::demo::{CREDENTIALS_FILE, DemoCredentials};
use std::path::PathBuf;

/// Where the emulator is and how to authenticate to its control plane.
#[derive(Args)]
pub struct Target<C: Subcommand> {
    /// The emulator's base URL.
    #[arg(long, env = "SPAPI_ENDPOINT", global = true)]
    endpoint: Option<String>,
    /// Admin token; default: the one in the data directory's demo credentials.
    #[arg(long, env = "SPAPI_ADMIN_TOKEN", global = true)]
    admin_token: Option<String>,
    /// Data directory of `spapi serve` (to find the demo credentials).
    #[arg(
        long,
        env = "SPAPI_DATA_DIR",
        default_value = "spapi-data",
        global = true
    )]
    data_dir: PathBuf,
    #[command(subcommand)]
    pub(crate) command: C,
}

/// `spapi apps ...`
#[derive(Subcommand)]
pub enum AppsCommand {
    /// Registers a developer app; prints its client secret (shown once).
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// OAuth redirect URI (repeatable).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// Role the app asks for (repeatable); default: every non-restricted role.
        #[arg(long = "role")]
        roles: Vec<String>,
        /// A draft app (consent needs version=beta).
        #[arg(long)]
        draft: bool,
        /// A hybrid SP-API + MWS app.
        #[arg(long)]
        hybrid: bool,
    },
    /// Lists apps.
    List,
    /// Shows one app.
    Show {
        /// Application id.
        application_id: String,
    },
}

/// `spapi sellers ...`
#[derive(Subcommand)]
pub enum SellersCommand {
    /// Registers a seller.
    Create {
        /// Display name.
        #[arg(long)]
        name: String,
        /// Sign-in email.
        #[arg(long)]
        email: String,
        /// Sign-in password.
        #[arg(long)]
        password: String,
        /// NA, EU or FE.
        #[arg(long)]
        region: String,
        /// Marketplace id (repeatable); default: the whole region.
        #[arg(long = "marketplace")]
        marketplace_ids: Vec<String>,
        /// Selling partner id; generated when absent.
        #[arg(long)]
        id: Option<String>,
    },
    /// Lists sellers.
    List,
    /// Shows one seller.
    Show {
        /// Selling partner id.
        seller_id: String,
    },
    /// Self-authorizes an app for a seller (as a private app) and prints the refresh token.
    Authorize {
        /// Selling partner id.
        seller_id: String,
        /// Application id.
        #[arg(long)]
        app: String,
    },
    /// Lists a seller's authorizations.
    Authorizations {
        /// Selling partner id.
        seller_id: String,
    },
    /// The seller revokes an app.
    Revoke {
        /// Selling partner id.
        seller_id: String,
        /// Application id.
        #[arg(long)]
        app: String,
    },
    /// Sets fields of a seller's account as Sellers getAccount shows it; the fields not given
    /// keep their value. Prints the account.
    Account {
        /// Selling partner id.
        seller_id: String,
        /// CHARITY, CRAFTSMAN, NATURAL_PERSON_COMPANY, PUBLIC_LISTED, PRIVATE_LIMITED,
        /// SOLE_PROPRIETORSHIP, STATE_OWNED or INDIVIDUAL.
        #[arg(long)]
        business_type: Option<String>,
        /// PROFESSIONAL or INDIVIDUAL.
        #[arg(long)]
        selling_plan: Option<String>,
        /// The business as JSON, in the model's `Business` shape:
        /// `{"name": ..., "registeredBusinessAddress": {"addressLine1": ..., "countryCode": ...}}`.
        #[arg(long)]
        business: Option<String>,
        /// The primary contact as JSON, in the model's `PrimaryContact` shape:
        /// `{"name": ..., "address": {"addressLine1": ..., "countryCode": ...}}`.
        #[arg(long)]
        primary_contact: Option<String>,
    },
}

/// `spapi clock ...`
#[derive(Subcommand)]
pub enum ClockCommand {
    /// Shows the time and whether the clock runs.
    Show,
    /// Stops the clock.
    Freeze,
    /// Lets the clock run again.
    Resume,
    /// Sets the time (ISO-8601).
    Set {
        /// The new time.
        at: String,
    },
    /// Moves the time forward (`3600`, `90s`, `2h`, `1d`).
    Advance {
        /// How far.
        by: String,
    },
}

/// An authenticated client of the control plane.
pub(crate) struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    pub(crate) fn new<C: Subcommand>(t: &Target<C>) -> anyhow::Result<Self> {
        let creds: Option<DemoCredentials> =
            std::fs::read_to_string(t.data_dir.join(CREDENTIALS_FILE))
                .ok()
                .and_then(|s| serde_json::from_str(&s).ok());
        let base = t
            .endpoint
            .clone()
            .or_else(|| creds.as_ref().map(|c| c.endpoint.clone()))
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", spapi_server::DEFAULT_PORT));
        let Some(token) = t
            .admin_token
            .clone()
            .or_else(|| creds.map(|c| c.admin_token))
        else {
            bail!(
                "no admin token: pass --admin-token or SPAPI_ADMIN_TOKEN (spapi serve prints it), or --data-dir of the server"
            );
        };
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token,
        })
    }

    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/emulator/v1{path}", self.base);
        let mut req = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.with_context(|| format!("calling {url}"))?;
        let status = resp.status();
        let text = resp.text().await?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        if !status.is_success() {
            bail!("{status}: {}", serde_json::to_string_pretty(&value)?);
        }
        Ok(value)
    }
}

/// Prints JSON, pretty.
pub(crate) fn print(v: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// A path segment or query value, percent-encoded (unreserved characters stay).
pub(crate) fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `spapi apps`.
pub async fn apps(t: Target<AppsCommand>) -> anyhow::Result<()> {
    use reqwest::Method;
    let c = Client::new(&t)?;
    let v = match t.command {
        AppsCommand::Create {
            name,
            redirect_uris,
            roles,
            draft,
            hybrid,
        } => {
            let body = json!({"name": name, "redirect_uris": redirect_uris, "roles": roles, "draft": draft, "hybrid": hybrid});
            c.call(Method::POST, "/apps", Some(body)).await?
        }
        AppsCommand::List => c.call(Method::GET, "/apps", None).await?,
        AppsCommand::Show { application_id } => {
            c.call(
                Method::GET,
                &format!("/apps/{}", seg(&application_id)),
                None,
            )
            .await?
        }
    };
    print(&v)
}

/// `spapi sellers`.
pub async fn sellers(t: Target<SellersCommand>) -> anyhow::Result<()> {
    use reqwest::Method;
    let c = Client::new(&t)?;
    let v = match t.command {
        SellersCommand::Create {
            name,
            email,
            password,
            region,
            marketplace_ids,
            id,
        } => {
            let body = json!({"name": name, "email": email, "password": password, "region": region,
                "marketplace_ids": marketplace_ids, "selling_partner_id": id});
            c.call(Method::POST, "/sellers", Some(body)).await?
        }
        SellersCommand::List => c.call(Method::GET, "/sellers", None).await?,
        SellersCommand::Show { seller_id } => {
            c.call(Method::GET, &format!("/sellers/{}", seg(&seller_id)), None)
                .await?
        }
        SellersCommand::Authorize { seller_id, app } => {
            c.call(
                Method::POST,
                &format!("/sellers/{}/authorizations", seg(&seller_id)),
                Some(json!({"application_id": app})),
            )
            .await?
        }
        SellersCommand::Authorizations { seller_id } => {
            c.call(
                Method::GET,
                &format!("/sellers/{}/authorizations", seg(&seller_id)),
                None,
            )
            .await?
        }
        SellersCommand::Revoke { seller_id, app } => {
            c.call(
                Method::DELETE,
                &format!("/sellers/{}/authorizations/{}", seg(&seller_id), seg(&app)),
                None,
            )
            .await?
        }
        SellersCommand::Account {
            seller_id,
            business_type,
            selling_plan,
            business,
            primary_contact,
        } => {
            let body = account_body(business_type, selling_plan, business, primary_contact)?;
            c.call(
                Method::PUT,
                &format!("/sellers/{}/account", seg(&seller_id)),
                Some(body),
            )
            .await?
        }
    };
    print(&v)
}

/// The body of `PUT /sellers/{id}/account`: the fields given, the objects parsed from JSON.
fn account_body(
    business_type: Option<String>,
    selling_plan: Option<String>,
    business: Option<String>,
    primary_contact: Option<String>,
) -> anyhow::Result<Value> {
    let mut body = serde_json::Map::new();
    if let Some(v) = business_type {
        body.insert("businessType".into(), json!(v));
    }
    if let Some(v) = selling_plan {
        body.insert("sellingPlan".into(), json!(v));
    }
    for (key, flag, text) in [
        ("business", "--business", business),
        ("primaryContact", "--primary-contact", primary_contact),
    ] {
        if let Some(text) = text {
            let v: Value = serde_json::from_str(&text)
                .with_context(|| format!("{flag} is not a JSON object"))?;
            if !v.is_object() {
                bail!("{flag} must be a JSON object");
            }
            body.insert(key.into(), v);
        }
    }
    if body.is_empty() {
        bail!(
            "nothing to set: give --business-type, --selling-plan, --business or --primary-contact"
        );
    }
    Ok(Value::Object(body))
}

/// Seconds in `90`, `90s`, `15m`, `2h`, `1d`, or a jiff duration (`1h 30m`, `PT2H`).
fn parse_duration(s: &str) -> anyhow::Result<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Ok(n);
    }
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    if let Ok(n) = num.parse::<f64>() {
        let mult = match unit {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => 0.0,
        };
        if mult > 0.0 {
            return Ok(n * mult);
        }
    }
    let d: jiff::SignedDuration = s.parse().with_context(|| format!("not a duration: {s}"))?;
    Ok(d.as_secs_f64())
}

/// `spapi clock`.
pub async fn clock(t: Target<ClockCommand>) -> anyhow::Result<()> {
    use reqwest::Method;
    let c = Client::new(&t)?;
    let body = match &t.command {
        ClockCommand::Show => None,
        ClockCommand::Freeze => Some(json!({"freeze": true})),
        ClockCommand::Resume => Some(json!({"resume": true})),
        ClockCommand::Set { at } => Some(json!({"set": at})),
        ClockCommand::Advance { by } => Some(json!({"advance_seconds": parse_duration(by)?})),
    };
    let v = match body {
        None => c.call(Method::GET, "/clock", None).await?,
        Some(b) => c.call(Method::POST, "/clock", Some(b)).await?,
    };
    print(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), 90.0);
        assert_eq!(parse_duration("2h").unwrap(), 7200.0);
        assert_eq!(parse_duration("1d").unwrap(), 86400.0);
        assert_eq!(parse_duration("PT1M").unwrap(), 60.0);
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn account_bodies() {
        let b = account_body(
            Some("SOLE_PROPRIETORSHIP".into()),
            None,
            Some(r#"{"name":"X","registeredBusinessAddress":{"addressLine1":"1 A St","countryCode":"US"}}"#.into()),
            None,
        )
        .unwrap();
        assert_eq!(b["businessType"], "SOLE_PROPRIETORSHIP");
        assert_eq!(b["business"]["name"], "X");
        assert!(b.get("sellingPlan").is_none() && b.get("primaryContact").is_none());
        assert!(account_body(None, None, None, None).is_err());
        assert!(account_body(None, None, None, Some("[1]".into())).is_err());
        assert!(account_body(None, None, Some("{".into()), None).is_err());
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("amzn1.sellerapps.app.x"), "amzn1.sellerapps.app.x");
        assert_eq!(seg("a b/c"), "a%20b%2Fc");
        assert_eq!(seg("é"), "%C3%A9");
    }
}

/// `spapi world ...`
#[derive(Subcommand)]
pub enum WorldCommand {
    /// Generates a seller's catalog, listings and order history, with a progress bar.
    Generate {
        /// Selling partner id.
        seller_id: String,
        /// Seed (the same seed gives the same world).
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Catalog items.
        #[arg(long, default_value_t = 40)]
        products: usize,
        /// Days of history.
        #[arg(long, default_value_t = 90)]
        days: i64,
        /// Orders a day (1M orders: --days 100 --orders-per-day 10000).
        #[arg(long, default_value_t = 12)]
        orders_per_day: usize,
    },
    /// Places a buyer order now.
    Order {
        /// Selling partner id.
        seller_id: String,
        /// `SKU:QUANTITY` (repeatable).
        #[arg(long = "item", required = true)]
        items: Vec<String>,
        /// Marketplace id (default: the seller's first).
        #[arg(long)]
        marketplace: Option<String>,
        /// A Prime order.
        #[arg(long)]
        prime: bool,
        /// A business order.
        #[arg(long)]
        business: bool,
    },
    /// Cancels an order that has not shipped.
    Cancel {
        /// Selling partner id.
        seller_id: String,
        /// Amazon order id.
        order_id: String,
    },
    /// Sets the fulfillable units of an FBA SKU (stock received or adjusted at the fulfillment
    /// center).
    FbaStock {
        /// Selling partner id.
        seller_id: String,
        /// Seller SKU (an FBA listing).
        sku: String,
        /// Fulfillable units.
        fulfillable: i64,
        /// Marketplace id (default: the seller's first).
        #[arg(long)]
        marketplace: Option<String>,
    },
    /// Sets the buyer simulator's rate (orders per simulated hour; 0 stops it).
    Buyers {
        /// Selling partner id.
        seller_id: String,
        /// Orders per simulated hour.
        orders_per_hour: f64,
    },
    /// Lists a seller's listings.
    Listings {
        /// Selling partner id.
        seller_id: String,
    },
    /// Shows the events waiting in the outbox.
    Events {
        /// How many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

fn progress_bar(done: u64, total: u64) {
    let width = 40u64;
    let filled = (done * width)
        .checked_div(total)
        .unwrap_or(width)
        .min(width) as usize;
    let pct = (done * 100).checked_div(total).unwrap_or(100);
    eprint!(
        "\r[{}{}] {pct:>3}% {done}/{total} orders",
        "#".repeat(filled),
        " ".repeat(width as usize - filled)
    );
}

/// `spapi world`.
pub async fn world(t: Target<WorldCommand>) -> anyhow::Result<()> {
    use reqwest::Method;
    let c = Client::new(&t)?;
    let v = match t.command {
        WorldCommand::Generate {
            seller_id,
            seed,
            products,
            days,
            orders_per_day,
        } => {
            let body = json!({"seed": seed, "products": products, "days": days,
                "orders_per_day": orders_per_day, "background": true});
            let started = c
                .call(
                    Method::POST,
                    &format!("/sellers/{}/world", seg(&seller_id)),
                    Some(body),
                )
                .await?;
            let id = started["generation_id"]
                .as_str()
                .context("no generation id")?
                .to_string();
            let begun = std::time::Instant::now();
            loop {
                let g = c
                    .call(Method::GET, &format!("/generations/{}", seg(&id)), None)
                    .await?;
                progress_bar(
                    g["orders_written"].as_u64().unwrap_or(0),
                    g["orders_total"].as_u64().unwrap_or(0),
                );
                if g["done"].as_bool() == Some(true) {
                    eprintln!(" in {:.1} s", begun.elapsed().as_secs_f64());
                    if let Some(e) = g["error"].as_str() {
                        bail!("generation failed: {e}");
                    }
                    break g;
                }
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        }
        WorldCommand::Order {
            seller_id,
            items,
            marketplace,
            prime,
            business,
        } => {
            let mut lines = Vec::new();
            for item in &items {
                let (sku, qty) = item.rsplit_once(':').unwrap_or((item, "1"));
                let quantity: i64 = qty
                    .parse()
                    .with_context(|| format!("bad quantity in {item}"))?;
                lines.push(json!({"sku": sku, "quantity": quantity}));
            }
            let body = json!({"items": lines, "marketplace_id": marketplace, "prime": prime, "business": business});
            c.call(
                Method::POST,
                &format!("/sellers/{}/orders", seg(&seller_id)),
                Some(body),
            )
            .await?
        }
        WorldCommand::Cancel {
            seller_id,
            order_id,
        } => {
            c.call(
                Method::POST,
                &format!(
                    "/sellers/{}/orders/{}/cancel",
                    seg(&seller_id),
                    seg(&order_id)
                ),
                None,
            )
            .await?
        }
        WorldCommand::FbaStock {
            seller_id,
            sku,
            fulfillable,
            marketplace,
        } => {
            c.call(
                Method::POST,
                &format!("/sellers/{}/fba-inventory", seg(&seller_id)),
                Some(
                    json!({"sku": sku, "fulfillable": fulfillable, "marketplace_id": marketplace}),
                ),
            )
            .await?
        }
        WorldCommand::Buyers {
            seller_id,
            orders_per_hour,
        } => {
            c.call(
                Method::POST,
                &format!("/sellers/{}/buyers", seg(&seller_id)),
                Some(json!({"orders_per_hour": orders_per_hour})),
            )
            .await?
        }
        WorldCommand::Listings { seller_id } => {
            c.call(
                Method::GET,
                &format!("/sellers/{}/listings", seg(&seller_id)),
                None,
            )
            .await?
        }
        WorldCommand::Events { limit } => {
            c.call(Method::GET, &format!("/outbox?limit={limit}"), None)
                .await?
        }
    };
    print(&v)
}

/// `spapi inbound ...`
#[derive(Subcommand)]
pub enum InboundCommand {
    /// Shows an inbound plan's state: options chosen, shipments, their status and units.
    Show {
        /// Selling partner id.
        seller_id: String,
        /// Inbound plan id (`wf...`).
        plan_id: String,
    },
    /// Makes the seller's next operation of a kind fail with a problem.
    Fail {
        /// Selling partner id.
        seller_id: String,
        /// The operation (createInboundPlan, confirmPlacementOption, ...).
        operation: String,
        /// The problem code.
        #[arg(long, default_value = "InternalServerError")]
        code: String,
        /// The problem message.
        #[arg(long)]
        message: Option<String>,
    },
    /// Moves a shipment on to a status now (READY_TO_SHIP ... CLOSED).
    Move {
        /// Selling partner id.
        seller_id: String,
        /// Inbound plan id.
        plan_id: String,
        /// Shipment id (`sh...`).
        shipment_id: String,
        /// The status to reach.
        status: String,
    },
    /// Units of a SKU a shipment loses when it is received.
    Lose {
        /// Selling partner id.
        seller_id: String,
        /// Inbound plan id.
        plan_id: String,
        /// Shipment id.
        shipment_id: String,
        /// The SKU.
        msku: String,
        /// Units damaged.
        #[arg(long, default_value_t = 0)]
        damaged: i64,
        /// Units missing.
        #[arg(long, default_value_t = 0)]
        missing: i64,
    },
}

/// Runs `spapi inbound ...`.
pub async fn inbound(t: Target<InboundCommand>) -> anyhow::Result<()> {
    use reqwest::Method;
    let c = Client::new(&t)?;
    let v = match t.command {
        InboundCommand::Show { seller_id, plan_id } => {
            c.call(
                Method::GET,
                &format!(
                    "/sellers/{}/inbound/plans/{}",
                    seg(&seller_id),
                    seg(&plan_id)
                ),
                None,
            )
            .await?
        }
        InboundCommand::Fail {
            seller_id,
            operation,
            code,
            message,
        } => {
            c.call(
                Method::POST,
                &format!("/sellers/{}/inbound/faults", seg(&seller_id)),
                Some(json!({"operation": operation, "code": code, "message": message})),
            )
            .await?
        }
        InboundCommand::Move {
            seller_id,
            plan_id,
            shipment_id,
            status,
        } => {
            c.call(
                Method::POST,
                &format!(
                    "/sellers/{}/inbound/plans/{}/shipments/{}/status",
                    seg(&seller_id),
                    seg(&plan_id),
                    seg(&shipment_id)
                ),
                Some(json!({"status": status})),
            )
            .await?
        }
        InboundCommand::Lose {
            seller_id,
            plan_id,
            shipment_id,
            msku,
            damaged,
            missing,
        } => {
            c.call(
                Method::POST,
                &format!(
                    "/sellers/{}/inbound/plans/{}/shipments/{}/losses",
                    seg(&seller_id),
                    seg(&plan_id),
                    seg(&shipment_id)
                ),
                Some(json!({"msku": msku, "damaged": damaged, "missing": missing})),
            )
            .await?
        }
    };
    print(&v)
}
