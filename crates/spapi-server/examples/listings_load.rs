//! A load run of the listings and catalog reads on a big world: starts spapi on loopback (a
//! SQLite file, usage plans off), generates one seller with about `--listings` listings
//! (three marketplaces per product), then drives getListingsItem and searchCatalogItems from
//! `--connections` concurrent clients and prints latency percentiles as Markdown.
//!
//! ```text
//! cargo run --release -p spapi-server --example listings_load -- [--listings N] [--requests R] [--connections C]
//! ```

use rand::{Rng, SeedableRng};
use serde_json::Value;
use spapi_server::auth::{NewApp, NewSeller, ROLES};
use spapi_server::store::StoreConfig;
use spapi_server::{Server, ServerConfig};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Options {
    listings: usize,
    requests: usize,
    connections: usize,
}

fn options() -> Options {
    let mut o = Options {
        listings: 100_000,
        requests: 20_000,
        connections: 16,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v: usize = args
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{a} needs a number"));
        match a.as_str() {
            "--listings" => o.listings = v,
            "--requests" => o.requests = v,
            "--connections" => o.connections = v,
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// Latency percentiles of one run.
fn report(name: &str, mut lat: Vec<Duration>, wall: Duration, errors: usize) {
    lat.sort_unstable();
    let p = |q: f64| {
        let i = ((lat.len() as f64 - 1.0) * q).round() as usize;
        lat[i].as_secs_f64() * 1000.0
    };
    println!(
        "| {name} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {errors} |",
        lat.len(),
        lat.len() as f64 / wall.as_secs_f64(),
        p(0.5),
        p(0.9),
        p(0.99),
        lat.last().map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0),
    );
}

/// Makes the path of one request.
type MakePath = Arc<dyn Fn(&mut rand::rngs::StdRng) -> String + Send + Sync>;

/// Runs `requests` GETs of the paths `make` returns over `connections` clients.
async fn drive(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    requests: usize,
    connections: usize,
    make: MakePath,
) -> (Vec<Duration>, Duration, usize) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections {
        let http = http.clone();
        let base = base.to_string();
        let token = token.to_string();
        let make = make.clone();
        let n = requests / connections;
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let mut lat = Vec::with_capacity(n);
            let mut errors = 0;
            for _ in 0..n {
                let path = make(&mut rng);
                let t = Instant::now();
                let resp = http
                    .get(format!("{base}{path}"))
                    .header("x-amz-access-token", &token)
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                lat.push(t.elapsed());
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    (all, started.elapsed(), errors)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = options();
    let dir = std::env::temp_dir().join(format!("spapi-listings-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let server = Server::start(ServerConfig {
        store: StoreConfig::SqliteFile(dir.join("world.sqlite")),
        ..ServerConfig::ephemeral()
    })
    .await?;
    let auth = server.auth();
    let app = auth
        .create_app(NewApp {
            name: "Load".into(),
            redirect_uris: vec!["https://app.example.com/cb".into()],
            roles: ROLES.iter().map(|r| r.to_string()).collect(),
            draft: false,
            hybrid: false,
        })
        .await?;
    let seller = auth
        .create_seller(NewSeller {
            name: "Load Seller".into(),
            email: "load@example.com".into(),
            password: "a good password".into(),
            region: "NA".into(),
            ..Default::default()
        })
        .await?;
    let refresh = auth
        .self_authorize(&app.app.application_id, &seller.selling_partner_id)
        .await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.connections)
        .build()?;
    let base = server.base_url();
    let token: Value = http
        .post(format!("{base}/auth/o2/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", app.app.client_id.as_str()),
            ("client_secret", app.client_secret.as_str()),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"].as_str().unwrap().to_string();
    let t = Instant::now();
    let spec = spapi_server::market::world::WorldSpec {
        seed: 1,
        products: o.listings.div_ceil(3),
        days: 1,
        orders_per_day: 10,
    };
    let stats =
        spapi_server::market::world::generate(server.store(), &seller, &spec, server.clock().now())
            .await?;
    eprintln!("generated {stats:?} in {:.1?}", t.elapsed());
    let listings = server
        .store()
        .listings_of_seller(&seller.selling_partner_id)
        .await?;
    let skus: Arc<Vec<(String, String)>> = Arc::new(
        listings
            .iter()
            .map(|l| (l.sku.clone(), l.marketplace_id.clone()))
            .collect(),
    );
    let asins: Arc<Vec<String>> = Arc::new(listings.iter().map(|l| l.asin.clone()).collect());
    println!(
        "{} listings, {} catalog items: {} requests per row over {} connections (SQLite file, release build)\n",
        listings.len(),
        stats.products,
        o.requests,
        o.connections
    );
    println!("| operation | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |");
    println!("|---|---|---|---|---|---|---|---|");
    let sid = seller.selling_partner_id.clone();
    let runs: Vec<(&str, MakePath)> = vec![
        ("getListingsItem (all includedData)", {
            let skus = skus.clone();
            Arc::new(move |rng| {
                let (sku, mp) = &skus[rng.random_range(0..skus.len())];
                format!(
                    "/listings/2021-08-01/items/{sid}/{sku}?marketplaceIds={mp}&includedData=summaries,attributes,issues,offers,fulfillmentAvailability"
                )
            })
        }),
        ("searchCatalogItems (1 ASIN, all includedData)", {
            let asins = asins.clone();
            Arc::new(move |rng| {
                let a = &asins[rng.random_range(0..asins.len())];
                format!(
                    "/catalog/2022-04-01/items?marketplaceIds=ATVPDKIKX0DER&identifiers={a}&identifiersType=ASIN&includedData=attributes,classifications,dimensions,identifiers,images,productTypes,relationships,salesRanks,summaries"
                )
            })
        }),
        ("searchCatalogItems (2 keywords, page of 20)", {
            Arc::new(move |rng| {
                const A: &[&str] = &[
                    "classic", "premium", "eco", "travel", "pro", "soft", "rugged", "compact",
                ];
                const N: &[&str] = &[
                    "shirt", "shoes", "mug", "lamp", "backpack", "bottle", "knife", "novel",
                ];
                format!(
                    "/catalog/2022-04-01/items?marketplaceIds=ATVPDKIKX0DER&keywords={},{}&pageSize=20",
                    A[rng.random_range(0..A.len())],
                    N[rng.random_range(0..N.len())]
                )
            })
        }),
    ];
    for (name, make) in runs {
        let (lat, wall, errors) =
            drive(&http, &base, &token, o.requests, o.connections, make).await;
        report(name, lat, wall, errors);
    }
    server.shutdown().await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
