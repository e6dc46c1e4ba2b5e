//! Calling Amazon's production (or sandbox) SP-API: only the endpoint differs from spapi.
//! Needs the `rustls` feature for https:
//!
//! ```sh
//! LWA_CLIENT_ID=... LWA_CLIENT_SECRET=... SP_API_REFRESH_TOKEN=Atzr|... \
//!   cargo run -p spapi-client --features rustls --example amazon -- NA [sandbox]
//! ```

use futures_util::TryStreamExt;
use spapi_client::model::orders_v0::params::GetOrders;
use spapi_client::{Client, Endpoint, Error, Region};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let region: Region = args
        .next()
        .unwrap_or_else(|| "NA".into())
        .parse()
        .map_err(Error::InvalidRequest)?;
    let endpoint = match args.next().as_deref() {
        Some("sandbox") => Endpoint::sandbox(region),
        _ => Endpoint::production(region),
    };
    let var = |n: &str| std::env::var(n).map_err(|_| Error::InvalidRequest(format!("set {n}")));
    let client = Client::builder(endpoint)
        .credentials(var("LWA_CLIENT_ID")?, var("LWA_CLIENT_SECRET")?)
        .refresh_token(var("SP_API_REFRESH_TOKEN")?)
        .build()?;
    // Every page of last month's orders, with shipping addresses (needs the role and an RDT,
    // which the client obtains and caches).
    let mut pages = client
        .orders_v0()
        .restricted(["shippingAddress"])
        .get_orders_pages(GetOrders {
            marketplace_ids: vec!["ATVPDKIKX0DER".into()],
            created_after: Some("2025-01-01T00:00:00Z".into()),
            ..Default::default()
        });
    while let Some(page) = pages.try_next().await? {
        for order in page.payload.map(|p| p.orders).unwrap_or_default() {
            println!("{} {:?}", order.amazon_order_id, order.order_status);
        }
    }
    Ok(())
}
