//! The load run's baseline: a bare axum server with one JSON handler and nothing else (no
//! routing table, token check, usage plan, validation or store). spapi's figures are read as
//! ratios to this one, measured on the same machine in the same run.
//!
//! `spapi-baseline [PORT]` (default 0: a free port; the chosen address is printed).

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// A body of the size and shape of a getOrder answer, built per request as a handler would.
async fn order(Path(id): Path<String>) -> Json<Value> {
    Json(json!({
        "payload": {
            "AmazonOrderId": id,
            "PurchaseDate": "2026-11-20T10:15:30Z",
            "LastUpdateDate": "2026-11-20T12:15:30Z",
            "OrderStatus": "Shipped",
            "FulfillmentChannel": "MFN",
            "SalesChannel": "Amazon.com",
            "ShipServiceLevel": "Std US D2D Dom",
            "OrderTotal": {"CurrencyCode": "USD", "Amount": "42.98"},
            "NumberOfItemsShipped": 2,
            "NumberOfItemsUnshipped": 0,
            "PaymentMethod": "Other",
            "PaymentMethodDetails": ["Standard"],
            "MarketplaceId": "ATVPDKIKX0DER",
            "ShipmentServiceLevelCategory": "Standard",
            "OrderType": "StandardOrder",
            "EarliestShipDate": "2026-11-20T10:15:30Z",
            "LatestShipDate": "2026-11-22T10:15:30Z",
            "EarliestDeliveryDate": "2026-11-23T10:15:30Z",
            "LatestDeliveryDate": "2026-11-27T10:15:30Z",
            "IsBusinessOrder": false,
            "IsPrime": false,
            "IsPremiumOrder": false,
            "IsGlobalExpressEnabled": false,
            "IsReplacementOrder": false,
            "IsSoldByAB": false,
            "IsISPU": false,
            "IsAccessPointOrder": false,
            "HasRegulatedItems": false,
            "ShippingAddress": {
                "StateOrRegion": "WA",
                "PostalCode": "98109",
                "City": "SEATTLE",
                "CountryCode": "US"
            },
            "BuyerInfo": {},
            "AutomatedShippingSettings": {"HasAutomatedShippingSettings": false}
        }
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(0);
    let app = Router::new().route("/orders/v0/orders/{id}", get(order));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
