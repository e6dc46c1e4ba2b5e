//! Retries, the usage-plan limiter and shared token refreshes, against a loopback server that
//! answers what each test scripts (spapi's own throttling and faults are tested with spapi).

mod common;

use common::{Answer, Mock};
use futures_util::TryStreamExt;
use serde_json::json;
use spapi_client::model::orders_v0::params::GetOrders;
use spapi_client::model::reports_2021_06_30::CreateReportSpecification;
use spapi_client::model::reports_2021_06_30::params::{CreateReport, GetReports};
use spapi_client::retry::RetryPolicy;
use spapi_client::{Client, Endpoint, Error};
use std::sync::Arc;
use std::time::Duration;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        jitter: true,
    }
}

fn client(mock: &Mock) -> Client {
    Client::builder(Endpoint::custom(mock.base()))
        .credentials("amzn1.application-oa2-client.test", "secret")
        .refresh_token("Atzr|test")
        .selling_partner_id("A1TESTSELLER")
        .retry(fast_retries())
        .build()
        .unwrap()
}

fn orders_page(next: Option<&str>) -> serde_json::Value {
    let mut payload = json!({"Orders": [{"AmazonOrderId": "902-0000000-0000001", "PurchaseDate": "2025-01-01T00:00:00Z",
        "LastUpdateDate": "2025-01-01T00:00:00Z", "OrderStatus": "Shipped"}]});
    if let Some(n) = next {
        payload["NextToken"] = json!(n);
    }
    json!({ "payload": payload })
}

fn get_orders() -> GetOrders {
    GetOrders {
        marketplace_ids: vec!["ATVPDKIKX0DER".into()],
        created_after: Some("2025-01-01T00:00:00Z".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn throttled_calls_are_retried_and_then_succeed() {
    let mock = Mock::start(
        vec![
            Answer::error(429, "QuotaExceeded"),
            Answer::error(429, "QuotaExceeded"),
        ],
        Answer::json(200, orders_page(None)).with_header("x-amzn-RateLimit-Limit", "0.0167"),
        Duration::ZERO,
    )
    .await;
    let c = client(&mock);
    let resp = c.orders_v0().get_orders(get_orders()).await.unwrap();
    assert_eq!(resp.payload.unwrap().orders.len(), 1);
    assert_eq!(mock.calls().len(), 3);
    // A POST is retried on 429 too: the server did not act on it.
    let mock = Mock::start(
        vec![Answer::error(429, "QuotaExceeded")],
        Answer::json(202, json!({"reportId": "50001"})),
        Duration::ZERO,
    )
    .await;
    let c = client(&mock);
    let created = c
        .reports_2021_06_30()
        .create_report(CreateReport {
            body: CreateReportSpecification {
                report_type: "GET_MERCHANT_LISTINGS_ALL_DATA".into(),
                marketplace_ids: vec!["ATVPDKIKX0DER".into()],
                ..Default::default()
            },
        })
        .await
        .unwrap();
    assert_eq!(created.report_id, "50001");
    assert_eq!(mock.calls().len(), 2);
}

#[tokio::test]
async fn server_errors_are_retried_for_gets_only() {
    let mock = Mock::start(
        vec![
            Answer::error(503, "ServiceUnavailable"),
            Answer::error(500, "InternalFailure"),
        ],
        Answer::json(200, orders_page(None)),
        Duration::ZERO,
    )
    .await;
    client(&mock)
        .orders_v0()
        .get_orders(get_orders())
        .await
        .unwrap();
    assert_eq!(mock.calls().len(), 3);

    // A POST that got 503 may have been acted on: it is not sent again.
    let mock = Mock::start(
        vec![],
        Answer::error(503, "ServiceUnavailable"),
        Duration::ZERO,
    )
    .await;
    let err = client(&mock)
        .reports_2021_06_30()
        .create_report(CreateReport {
            body: CreateReportSpecification {
                report_type: "GET_MERCHANT_LISTINGS_ALL_DATA".into(),
                marketplace_ids: vec!["ATVPDKIKX0DER".into()],
                ..Default::default()
            },
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.errors()[0].code, "ServiceUnavailable");
    assert_eq!(err.request_id(), Some("mock-503"));
    assert_eq!(mock.calls().len(), 1);
}

#[tokio::test]
async fn retries_are_bounded() {
    let mock = Mock::start(vec![], Answer::error(429, "QuotaExceeded"), Duration::ZERO).await;
    let err = client(&mock)
        .orders_v0()
        .get_orders(get_orders())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    // The first attempt and max_retries more.
    assert_eq!(mock.calls().len(), 5);
    // Client errors are not retried at all.
    let mock = Mock::start(vec![], Answer::error(400, "InvalidInput"), Duration::ZERO).await;
    let err = client(&mock)
        .orders_v0()
        .get_orders(get_orders())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api(_)));
    assert_eq!(mock.calls().len(), 1);
}

/// A server that reads each request and drops the connection without answering.
async fn dropping_server() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            drop(s);
        }
    });
    (format!("http://{addr}"), accepted)
}

#[tokio::test]
async fn connection_errors_after_sending_are_retried_for_gets_only() {
    let lwa = Mock::start(vec![], Answer::json(200, json!({})), Duration::ZERO).await;
    let (base, accepted) = dropping_server().await;
    let c = Client::builder(
        Endpoint::custom(&base).with_lwa_url(format!("{}/auth/o2/token", lwa.base())),
    )
    .credentials("id", "secret")
    .refresh_token("Atzr|x")
    .retry(fast_retries())
    .build()
    .unwrap();
    let err = c.orders_v0().get_orders(get_orders()).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 5);
    accepted.store(0, std::sync::atomic::Ordering::SeqCst);
    let err = c
        .reports_2021_06_30()
        .create_report(CreateReport::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connections_that_never_opened_are_retried_for_posts_too() {
    let lwa = Mock::start(vec![], Answer::json(200, json!({})), Duration::ZERO).await;
    // A port nothing listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let c = Client::builder(
        Endpoint::custom(format!("http://{closed}"))
            .with_lwa_url(format!("{}/auth/o2/token", lwa.base())),
    )
    .credentials("id", "secret")
    .refresh_token("Atzr|x")
    .retry(fast_retries())
    .build()
    .unwrap();
    let err = c
        .reports_2021_06_30()
        .create_report(CreateReport::default())
        .await
        .unwrap_err();
    match err {
        Error::Transport { source, .. } => assert!(source.is_connect(), "{source:?}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn concurrent_calls_during_a_refresh_cause_one_token_request() {
    // A slow token endpoint, so that every call arrives while the first refresh is out.
    let mock = Mock::start(
        vec![],
        Answer::json(200, orders_page(None)),
        Duration::from_millis(300),
    )
    .await;
    let c = Client::builder(Endpoint::custom(mock.base()))
        .credentials("id", "secret")
        .refresh_token("Atzr|x")
        .without_rate_limiter()
        .build()
        .unwrap();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.orders_v0().get_orders(get_orders()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(mock.token_requests(), 1);
    let seen = mock.calls();
    assert_eq!(seen.len(), 16);
    assert!(seen.iter().all(|(_, _, token)| token == "Atza|mock-0"));
}

#[tokio::test]
async fn a_refused_access_token_is_refreshed_once() {
    let refused = json!({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.",
        "details": "The access token you provided is revoked, malformed or invalid."}]});
    let mock = Mock::start(
        vec![Answer::json(403, refused.clone())],
        Answer::json(200, orders_page(None)),
        Duration::ZERO,
    )
    .await;
    let c = client(&mock);
    c.orders_v0().get_orders(get_orders()).await.unwrap();
    assert_eq!(mock.token_requests(), 2);
    let seen = mock.calls();
    assert_eq!(seen[0].2, "Atza|mock-0");
    assert_eq!(seen[1].2, "Atza|mock-1");
    // A 403 for a missing role is not about the token: no refresh, no retry.
    let denied = json!({"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied.", "details": ""}]});
    let mock = Mock::start(vec![], Answer::json(403, denied), Duration::ZERO).await;
    let err = client(&mock)
        .orders_v0()
        .get_orders(get_orders())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(mock.token_requests(), 1);
    assert_eq!(mock.calls().len(), 1);
}

#[tokio::test]
async fn the_limiter_keeps_a_burst_within_the_usage_plan() {
    // getOrders: 0.0167 requests a second, burst 20. 24 calls at once: 20 go, the 21st would
    // go a minute later.
    let mock = Mock::start(vec![], Answer::json(200, orders_page(None)), Duration::ZERO).await;
    let c = client(&mock);
    let calls: Vec<_> = (0..24)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.orders_v0().get_orders(get_orders()).await })
        })
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while mock.calls().len() < 20 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Give any call that would break the plan a chance to arrive (the next slot is 60 s away).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mock.calls().len(), 20);
    assert_eq!(c.rate_limiter().unwrap().wait_count(), 4);
    for call in calls {
        call.abort();
    }
}

#[tokio::test]
async fn pages_follow_the_token_and_resend_what_the_operation_needs() {
    let mock = Mock::start(
        vec![
            Answer::json(200, orders_page(Some("tok/1+2"))),
            Answer::json(200, orders_page(Some("tok2"))),
        ],
        Answer::json(200, orders_page(None)),
        Duration::ZERO,
    )
    .await;
    let pages: Vec<_> = client(&mock)
        .orders_v0()
        .get_orders_pages(get_orders())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let calls = mock.calls();
    assert_eq!(
        calls[0].1,
        "/orders/v0/orders?CreatedAfter=2025-01-01T00%3A00%3A00Z&MarketplaceIds=ATVPDKIKX0DER"
    );
    // getOrders wants its filters again with NextToken; the token travels encoded, unchanged.
    assert_eq!(
        calls[1].1,
        "/orders/v0/orders?CreatedAfter=2025-01-01T00%3A00%3A00Z&MarketplaceIds=ATVPDKIKX0DER&NextToken=tok%2F1%2B2"
    );
    assert!(calls[2].1.ends_with("&NextToken=tok2"));

    // getReports takes the token alone.
    let mock = Mock::start(
        vec![Answer::json(200, json!({"reports": [], "nextToken": "r2"}))],
        Answer::json(200, json!({"reports": []})),
        Duration::ZERO,
    )
    .await;
    let pages: Vec<_> = client(&mock)
        .reports_2021_06_30()
        .get_reports_pages(GetReports {
            report_types: vec!["GET_MERCHANT_LISTINGS_ALL_DATA".into()],
            ..Default::default()
        })
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(
        mock.calls()[1].1,
        "/reports/2021-06-30/reports?nextToken=r2"
    );
}

#[tokio::test]
async fn restricted_calls_carry_an_rdt_for_their_path() {
    let mock = Mock::start(
        vec![Answer::json(
            200,
            json!({"restrictedDataToken": "Atz.sprdt|one", "expiresIn": 3600}),
        )],
        Answer::json(
            200,
            json!({"payload": {"AmazonOrderId": "902-1", "PurchaseDate": "2025-01-01T00:00:00Z",
                "LastUpdateDate": "2025-01-01T00:00:00Z", "OrderStatus": "Shipped"}}),
        ),
        Duration::ZERO,
    )
    .await;
    let c = client(&mock);
    let orders = c.orders_v0().restricted(["buyerInfo", "shippingAddress"]);
    for _ in 0..2 {
        orders
            .get_order(spapi_client::model::orders_v0::params::GetOrder {
                order_id: "902-1".into(),
            })
            .await
            .unwrap();
    }
    let calls = mock.calls();
    // One RDT request, with the concrete path and the elements; two calls with the RDT.
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].1, "/tokens/2021-03-01/restrictedDataToken");
    assert_eq!(calls[0].2, "Atza|mock-0");
    assert_eq!(
        calls[1],
        (
            "GET".into(),
            "/orders/v0/orders/902-1".into(),
            "Atz.sprdt|one".into()
        )
    );
    assert_eq!(calls[2].2, "Atz.sprdt|one");
    // Without `restricted`, the plain access token.
    c.orders_v0()
        .get_order(spapi_client::model::orders_v0::params::GetOrder {
            order_id: "902-1".into(),
        })
        .await
        .unwrap();
    assert_eq!(mock.calls()[3].2, "Atza|mock-0");
}
