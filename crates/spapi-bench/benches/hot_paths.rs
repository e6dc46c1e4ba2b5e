//! Criterion benches of the request pipeline's hot paths: routing, the token check, the
//! usage-plan lookup, serializing a getOrders page, and world generation.
//!
//! `cargo bench -p spapi-bench` (not part of the test run).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use http::HeaderMap;
use spapi_model::orders_v0 as m;
use spapi_model::table::OPERATIONS;
use spapi_server::auth::Auth;
use spapi_server::clock::Clock;
use spapi_server::http::router::Router;
use spapi_server::http::throttle::{Throttle, ThrottleMode};
use spapi_server::market::world::{self, WorldSpec};
use spapi_server::store::{OrderQuery, Store};
use std::collections::HashMap;
use std::hint::black_box;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn op(operation_id: &str) -> &'static spapi_model::operation::Operation {
    OPERATIONS
        .iter()
        .find(|o| o.operation_id == operation_id)
        .expect("operation in the table")
}

/// A world of one demo app and two sellers with `orders_per_day` x 90 days of orders each.
async fn world(orders_per_day: usize) -> (Auth, spapi_server::demo::DemoCredentials) {
    let store = Store::open_sqlite_in_memory().await.expect("store");
    let auth = Auth::new(store, Clock::real()).await.expect("auth");
    let spec = WorldSpec {
        orders_per_day,
        ..WorldSpec::default()
    };
    let creds = spapi_server::demo::create(&auth, "http://127.0.0.1:0", "admin", &spec)
        .await
        .expect("demo world");
    (auth, creds)
}

fn routing(c: &mut Criterion) {
    let router = Router::from_operations(OPERATIONS);
    let mut g = c.benchmark_group("routing");
    for (name, method, path) in [
        ("getOrder", "GET", "/orders/v0/orders/902-3159896-1390916"),
        (
            "getOrderItems",
            "GET",
            "/orders/v0/orders/902-3159896-1390916/orderItems",
        ),
        (
            "putListingsItem",
            "PUT",
            "/listings/2021-08-01/items/A3TH9S8BH6GOGM/SKU-1",
        ),
        ("unknown path", "GET", "/nothing/here/at/all"),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(router.find(black_box(method), black_box(path))))
        });
    }
    g.finish();
}

fn token_and_throttle(c: &mut Criterion) {
    let rt = runtime();
    let (auth, creds) = rt.block_on(world(1));
    let params: HashMap<String, String> = [
        ("grant_type", "refresh_token"),
        ("refresh_token", creds.sellers[0].refresh_token.as_str()),
        ("client_id", creds.client_id.as_str()),
        ("client_secret", creds.client_secret.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let token = rt
        .block_on(auth.token(&params))
        .expect("access token")
        .access_token;
    let mut headers = HeaderMap::new();
    headers.insert("x-amz-access-token", token.parse().expect("header"));
    let get_order = op("getOrder");
    let path = "/orders/v0/orders/902-3159896-1390916";

    c.bench_function("token check (getOrder)", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                auth.authenticate(&headers, get_order, path)
                    .await
                    .expect("a valid token"),
            )
        })
    });
    c.bench_function("LWA refresh_token grant", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(auth.token(&params).await.expect("token")) })
    });

    let throttle = Throttle::in_memory(ThrottleMode::Real, Clock::real());
    let seller = creds.sellers[0].selling_partner_id.clone();
    c.bench_function("usage plan lookup and take (getOrder)", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                throttle
                    .check(get_order, &creds.application_id, &seller, false)
                    .await,
            )
        })
    });
}

fn get_orders_page(c: &mut Criterion) {
    let rt = runtime();
    let (auth, creds) = rt.block_on(world(12));
    let query = OrderQuery {
        seller_id: creds.sellers[0].selling_partner_id.clone(),
        limit: 100,
        ..OrderQuery::default()
    };
    let rows = rt
        .block_on(auth.store().query_orders(&query))
        .expect("orders");
    assert_eq!(rows.len(), 100, "a full page");
    c.bench_function("getOrders page of 100: typed and serialized", |b| {
        b.iter(|| {
            let orders: Vec<m::Order> = rows
                .iter()
                .map(|r| serde_json::from_value(r.doc.clone()).expect("an Order"))
                .collect();
            let page = m::GetOrdersResponse {
                payload: Some(m::OrdersList {
                    orders,
                    next_token: Some("token".into()),
                    last_updated_before: None,
                    created_before: Some("2026-11-28T00:00:00Z".into()),
                }),
                errors: None,
            };
            black_box(serde_json::to_vec(&page).expect("json"))
        })
    });
    c.bench_function("getOrders page of 100: store query", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(auth.store().query_orders(&query).await.expect("orders")) })
    });
}

fn generation(c: &mut Criterion) {
    let rt = runtime();
    let mut g = c.benchmark_group("world generation");
    g.sample_size(10);
    g.bench_function("10k orders, 200 products", |b| {
        b.to_async(&rt).iter_batched(
            || (),
            |()| async {
                let store = Store::open_sqlite_in_memory().await.expect("store");
                let auth = Auth::new(store, Clock::real()).await.expect("auth");
                let seller = auth
                    .create_seller(spapi_server::auth::NewSeller {
                        selling_partner_id: None,
                        name: "Bench".into(),
                        email: "bench@example.com".into(),
                        password: "bench-password".into(),
                        region: "NA".into(),
                        marketplace_ids: Vec::new(),
                    })
                    .await
                    .expect("seller");
                let spec = WorldSpec {
                    seed: 1,
                    products: 200,
                    days: 100,
                    orders_per_day: 100,
                };
                black_box(
                    world::generate(auth.store(), &seller, &spec, jiff::Timestamp::now())
                        .await
                        .expect("world"),
                )
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(
    benches,
    routing,
    token_and_throttle,
    get_orders_page,
    generation
);
criterion_main!(benches);
