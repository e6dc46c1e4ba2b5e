//! Sales getOrderMetrics against orders placed at known times, checked by hand.

mod common;

use common::World;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;

const SALES: &str = "models/sales-api-model/sales.json";

struct Ctx {
    w: World,
    token: String,
}

impl Ctx {
    async fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        self.w.control(method, path, body).await
    }

    async fn metrics(&self, query: &str) -> (u16, Value) {
        let resp = self
            .w
            .http
            .get(format!("{}/sales/v1/orderMetrics?{query}", self.w.base))
            .header("x-amz-access-token", &self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        if let Some(c) = spapi_conformance::Conformance::global() {
            c.assert_conforms(SALES, "getOrderMetrics", status, &body);
        }
        (status, body)
    }

    async fn place(&self, sku: &str, qty: i64) -> String {
        let (status, body) = self
            .control(
                reqwest::Method::POST,
                &format!("/sellers/{}/orders", self.w.seller_id),
                Some(json!({"items": [{"sku": sku, "quantity": qty}]})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["order"]["AmazonOrderId"].as_str().unwrap().to_string()
    }

    async fn advance(&self, seconds: i64) {
        let (status, _) = self
            .control(
                reqwest::Method::POST,
                "/clock",
                Some(json!({"advance_seconds": seconds})),
            )
            .await;
        assert_eq!(status, 200);
    }
}

/// Two SKUs with stock in the US marketplace and their prices in cents.
async fn two_skus(ctx: &Ctx) -> Vec<(String, i64)> {
    let (_, l) = ctx
        .control(
            reqwest::Method::GET,
            &format!("/sellers/{}/listings", ctx.w.seller_id),
            None,
        )
        .await;
    l["listings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["marketplace_id"] == "ATVPDKIKX0DER" && l["quantity"].as_i64().unwrap() >= 10)
        .take(2)
        .map(|l| {
            let price = l["price"]
                .as_str()
                .unwrap()
                .replace('.', "")
                .parse::<i64>()
                .unwrap();
            (l["sku"].as_str().unwrap().to_string(), price)
        })
        .collect()
}

fn cents(v: &Value) -> i64 {
    v["amount"]
        .as_str()
        .unwrap()
        .replace('.', "")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn order_metrics_match_a_computation_by_hand() {
    let config = ServerConfig {
        clock: Clock::frozen("2025-03-10T08:00:00Z".parse().unwrap()),
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let token = w.access_token().await;
    let ctx = Ctx { w, token };
    let (status, _) = ctx
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{}/world", ctx.w.seller_id),
            Some(json!({"seed": 3, "products": 8, "days": 2, "orders_per_day": 5})),
        )
        .await;
    assert_eq!(status, 201);
    let skus = two_skus(&ctx).await;
    assert_eq!(skus.len(), 2, "two SKUs with stock");
    let (a, pa) = (&skus[0].0, skus[0].1);
    let (b, pb) = (&skus[1].0, skus[1].1);
    // Day 1 (March 10, UTC): 2 x A and 1 x B in two orders; a third order is canceled.
    ctx.place(a, 2).await;
    ctx.advance(3600).await;
    ctx.place(b, 1).await;
    let canceled = ctx.place(b, 3).await;
    let (status, _) = ctx
        .control(
            reqwest::Method::POST,
            &format!("/sellers/{}/orders/{canceled}/cancel", ctx.w.seller_id),
            None,
        )
        .await;
    assert_eq!(status, 200);
    // Day 2 (March 11): 1 x A.
    ctx.advance(24 * 3600).await;
    ctx.place(a, 1).await;
    ctx.advance(24 * 3600).await;
    // Two days on, the access token has expired: refresh as an app would.
    let ctx = Ctx {
        token: ctx.w.access_token().await,
        ..ctx
    };

    let interval = "2025-03-10T08:00:00Z--2025-03-12T00:00:00Z";
    let (status, body) = ctx
        .metrics(&format!("marketplaceIds=ATVPDKIKX0DER&interval={interval}&granularity=Day&granularityTimeZone=UTC"))
        .await;
    assert_eq!(status, 200, "{body}");
    let days = body["payload"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    // The first bucket starts where the interval does.
    assert_eq!(days[0]["interval"], "2025-03-10T08:00Z--2025-03-11T00:00Z");
    assert_eq!(days[1]["interval"], "2025-03-11T00:00Z--2025-03-12T00:00Z");
    assert_eq!(
        (
            days[0]["orderCount"].as_i64(),
            days[0]["unitCount"].as_i64(),
            days[0]["orderItemCount"].as_i64()
        ),
        (Some(2), Some(3), Some(2))
    );
    assert_eq!(cents(&days[0]["totalSales"]), 2 * pa + pb);
    assert_eq!(cents(&days[0]["averageUnitPrice"]), (2 * pa + pb) / 3);
    assert_eq!(
        (
            days[1]["orderCount"].as_i64(),
            days[1]["unitCount"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(cents(&days[1]["totalSales"]), pa);

    // Total over the interval, and the SKU filter.
    let (_, total) = ctx
        .metrics(&format!(
            "marketplaceIds=ATVPDKIKX0DER&interval={interval}&granularity=Total"
        ))
        .await;
    let t = &total["payload"][0];
    assert_eq!(
        (t["orderCount"].as_i64(), t["unitCount"].as_i64()),
        (Some(3), Some(4))
    );
    let (_, by_sku) = ctx
        .metrics(&format!(
            "marketplaceIds=ATVPDKIKX0DER&interval={interval}&granularity=Total&sku={b}"
        ))
        .await;
    assert_eq!(by_sku["payload"][0]["unitCount"], 1);
    // Hours: 40 buckets, the placed orders in the first and second hour.
    let (_, hours) = ctx
        .metrics(&format!(
            "marketplaceIds=ATVPDKIKX0DER&interval={interval}&granularity=Hour"
        ))
        .await;
    let hours = hours["payload"].as_array().unwrap();
    assert_eq!(hours.len(), 40);
    assert_eq!(hours[0]["unitCount"], 2);
    assert_eq!(hours[1]["unitCount"], 1);
    // B2B only: none of these orders is a business order.
    let (_, b2b) = ctx
        .metrics(&format!(
            "marketplaceIds=ATVPDKIKX0DER&interval={interval}&granularity=Total&buyerType=B2B"
        ))
        .await;
    assert_eq!(b2b["payload"][0]["orderCount"], 0);
}

#[tokio::test]
async fn order_metrics_validate_their_input() {
    let config = ServerConfig {
        clock: Clock::frozen("2025-02-01T00:00:00Z".parse().unwrap()),
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let token = w.access_token().await;
    let ctx = Ctx { w, token };
    for query in [
        "marketplaceIds=ATVPDKIKX0DER,A2EUQ1WTGCTBG2&interval=2025-01-01T00:00:00Z--2025-01-02T00:00:00Z&granularity=Total",
        "marketplaceIds=ATVPDKIKX0DER&interval=2025-01-02T00:00:00Z--2025-01-01T00:00:00Z&granularity=Total",
        "marketplaceIds=ATVPDKIKX0DER&interval=garbage&granularity=Total",
        "marketplaceIds=ATVPDKIKX0DER&interval=2025-01-01T00:00:00Z--2025-01-02T00:00:00Z&granularity=Day",
        "marketplaceIds=ATVPDKIKX0DER&interval=2025-01-01T00:00:00Z--2025-01-02T00:00:00Z&granularity=Day&granularityTimeZone=Mars/Olympus",
        "marketplaceIds=ATVPDKIKX0DER&interval=2025-01-01T00:00:00-08:00--2025-01-02T00:00:00-08:00&granularity=Day&granularityTimeZone=Europe/Berlin",
        "marketplaceIds=ATVPDKIKX0DER&interval=2025-01-01T00:00:00Z--2025-01-02T00:00:00Z&granularity=Total&asin=B000000001&sku=X",
        "marketplaceIds=A1PA6795UKMFR9&interval=2025-01-01T00:00:00Z--2025-01-02T00:00:00Z&granularity=Total",
        "marketplaceIds=ATVPDKIKX0DER&interval=2025-01-01T00:00:00Z--2025-01-02T00:00:00Z&granularity=Fortnight",
        // Hours reach back 30 days at most.
        "marketplaceIds=ATVPDKIKX0DER&interval=2024-12-01T00:00:00Z--2024-12-02T00:00:00Z&granularity=Hour",
    ] {
        let (status, body) = ctx.metrics(query).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["errors"][0]["code"], "InvalidInput");
    }
    // An offset interval with its matching zone is fine.
    let (status, body) = ctx
        .metrics("marketplaceIds=ATVPDKIKX0DER&interval=2025-01-01T00:00:00-08:00--2025-01-03T00:00:00-08:00&granularity=Day&granularityTimeZone=US/Pacific")
        .await;
    assert_eq!(status, 200, "{body}");
    let days = body["payload"].as_array().unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(
        days[0]["interval"],
        "2025-01-01T00:00-08:00--2025-01-02T00:00-08:00"
    );
}
