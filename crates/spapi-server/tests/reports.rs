//! Reports 2021-06-30 end to end: the job state machine on the clock, documents downloaded
//! through their URLs and compared with the world, restricted reports, cancel, filters and
//! paging, schedules, unsupported types, and the REPORT_PROCESSING_FINISHED events.

mod common;
mod jobs_common;

use jobs_common::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeMap;

async fn create(sp: &Sp, body: Value) -> String {
    let (status, b) = sp
        .call(
            Method::POST,
            "/reports/2021-06-30/reports",
            Some(body),
            REPORTS,
            "createReport",
        )
        .await;
    assert_eq!(status, 202, "{b}");
    b["reportId"].as_str().unwrap().to_string()
}

async fn get(sp: &Sp, id: &str) -> Value {
    let (status, b) = sp
        .call(
            Method::GET,
            &format!("/reports/2021-06-30/reports/{id}"),
            None,
            REPORTS,
            "getReport",
        )
        .await;
    assert_eq!(status, 200, "{b}");
    b
}

/// Runs a report to its end (2 s in the queue, 3 s processing) and returns it.
async fn finish(sp: &Sp, id: &str) -> Value {
    sp.advance(6).await;
    get(sp, id).await
}

/// getReportDocument and the download of its URL: the document, decompressed, and its
/// content type.
async fn document(sp: &Sp, doc_id: &str) -> (Value, String, Vec<u8>) {
    let (status, d) = sp
        .call(
            Method::GET,
            &format!("/reports/2021-06-30/documents/{doc_id}"),
            None,
            REPORTS,
            "getReportDocument",
        )
        .await;
    assert_eq!(status, 200, "{d}");
    let (status, ct, bytes) = download(&sp.w.http, d["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let bytes = if d["compressionAlgorithm"] == "GZIP" {
        gunzip(&bytes)
    } else {
        bytes
    };
    (d, ct, bytes)
}

#[tokio::test]
async fn a_listings_report_moves_on_the_clock_and_matches_the_world() {
    let sp = Sp::start().await;
    let id = create(
        &sp,
        json!({"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]}),
    )
    .await;
    assert_eq!(get(&sp, &id).await["processingStatus"], "IN_QUEUE");
    sp.advance(2).await;
    let r = get(&sp, &id).await;
    assert_eq!(r["processingStatus"], "IN_PROGRESS");
    assert!(r["processingStartTime"].is_string());
    sp.advance(3).await;
    let r = get(&sp, &id).await;
    assert_eq!(r["processingStatus"], "DONE", "{r}");
    let doc_id = r["reportDocumentId"].as_str().unwrap();
    let (d, ct, bytes) = document(&sp, doc_id).await;
    assert!(d.get("compressionAlgorithm").is_none());
    assert!(ct.starts_with("text/tab-separated-values"), "{ct}");
    let (header, rows) = tsv(&bytes);
    assert_eq!(header[0], "item-name");
    assert_eq!(header[3], "seller-sku");
    assert_eq!(header.last().unwrap(), "status");
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let world: BTreeMap<String, Value> = sp
        .listings()
        .await
        .into_iter()
        .filter(|l| l["marketplace_id"] == US)
        .map(|l| (l["sku"].as_str().unwrap().to_string(), l))
        .collect();
    assert!(!world.is_empty());
    assert_eq!(rows.len(), world.len());
    for row in &rows {
        let l = &world[&row[col("seller-sku")]];
        assert_eq!(row[col("price")], l["price"].as_str().unwrap());
        assert_eq!(row[col("asin1")], l["asin"].as_str().unwrap());
        // The main image, on spapi's own image host.
        assert_eq!(
            row[col("image-url")],
            format!(
                "{}/spapi-images/{}.MAIN.jpg",
                sp.w.base,
                l["asin"].as_str().unwrap()
            )
        );
        if l["fulfillment_channel"] == "MFN" {
            assert_eq!(row[col("quantity")], l["quantity"].to_string());
            assert_eq!(row[col("fulfillment-channel")], "DEFAULT");
        } else {
            assert_eq!(row[col("fulfillment-channel")], "AMAZON_NA");
        }
    }
    // One REPORT_PROCESSING_FINISHED, in Amazon's notification shape.
    let events = sp.events("REPORT_PROCESSING_FINISHED").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["reportId"], id.as_str());
    assert_eq!(events[0]["processingStatus"], "DONE");
    assert_eq!(events[0]["reportDocumentId"], doc_id);
    assert_notification(
        "ReportProcessingFinishedNotification.json",
        "REPORT_PROCESSING_FINISHED",
        &events[0],
    );
}

#[tokio::test]
async fn an_orders_report_is_gzip_and_has_one_row_per_order_item_of_the_window() {
    let sp = Sp::start().await;
    let start = "2025-03-06T00:00:00Z";
    let end = "2025-03-09T00:00:00Z";
    let id = create(
        &sp,
        json!({"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
               "marketplaceIds": [US], "dataStartTime": start, "dataEndTime": end}),
    )
    .await;
    let r = finish(&sp, &id).await;
    assert_eq!(r["processingStatus"], "DONE");
    assert_eq!(r["dataStartTime"], start);
    let (d, _, bytes) = document(&sp, r["reportDocumentId"].as_str().unwrap()).await;
    assert_eq!(d["compressionAlgorithm"], "GZIP");
    let (header, rows) = tsv(&bytes);
    assert_eq!(
        &header[..5],
        [
            "amazon-order-id",
            "merchant-order-id",
            "purchase-date",
            "last-updated-date",
            "order-status"
        ]
    );
    // The world's orders of the window, through the store.
    let q = spapi_server::store::OrderQuery {
        seller_id: sp.w.seller_id.clone(),
        from_us: Some(start.parse::<jiff::Timestamp>().unwrap().as_microsecond()),
        to_us: Some(end.parse::<jiff::Timestamp>().unwrap().as_microsecond()),
        marketplace_ids: vec![US.into()],
        limit: 100_000,
        ..Default::default()
    };
    let orders = sp.w.server.store().query_orders(&q).await.unwrap();
    assert!(!orders.is_empty());
    let items: usize = orders
        .iter()
        .map(|o| o.items.as_array().unwrap().len())
        .sum();
    assert_eq!(rows.len(), items);
    let sku_col = header.iter().position(|h| h == "sku").unwrap();
    let qty_col = header.iter().position(|h| h == "quantity").unwrap();
    for o in &orders {
        for item in o.items.as_array().unwrap() {
            assert!(rows.iter().any(|r| r[0] == o.amazon_order_id
                && r[sku_col] == item["SellerSKU"].as_str().unwrap()
                && r[qty_col].parse::<i64>().ok() == item["QuantityOrdered"].as_i64()));
        }
    }
    // No personal data in this report.
    assert!(!String::from_utf8_lossy(&bytes).contains('@'));
}

#[tokio::test]
async fn the_sales_and_traffic_report_follows_amazons_schema() {
    let sp = Sp::start().await;
    let id = create(
        &sp,
        json!({"reportType": "GET_SALES_AND_TRAFFIC_REPORT", "marketplaceIds": [US],
               "dataStartTime": "2025-03-05T00:00:00Z", "dataEndTime": "2025-03-10T00:00:00Z",
               "reportOptions": {"dateGranularity": "DAY", "asinGranularity": "CHILD"}}),
    )
    .await;
    let r = finish(&sp, &id).await;
    assert_eq!(r["processingStatus"], "DONE");
    let (d, ct, bytes) = document(&sp, r["reportDocumentId"].as_str().unwrap()).await;
    assert_eq!(d["compressionAlgorithm"], "GZIP");
    assert_eq!(ct, "application/x-gzip");
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_schema("schemas/reports/sellerSalesAndTrafficReport.json", &doc);
    assert!(!doc["salesAndTrafficByDate"].as_array().unwrap().is_empty());
    assert_eq!(
        doc["reportSpecification"]["reportOptions"]["asinGranularity"],
        "CHILD"
    );
}

#[tokio::test]
async fn every_listed_type_generates_and_inventory_reports_match_fba_stock() {
    let sp = Sp::start().await;
    for t in [
        "GET_MERCHANT_LISTINGS_DATA",
        "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
        "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
        "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
        "GET_AFN_INVENTORY_DATA",
    ] {
        create(&sp, json!({"reportType": t, "marketplaceIds": [US]})).await;
    }
    sp.advance(6).await;
    let (_, list) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA,GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA,GET_FLAT_FILE_OPEN_LISTINGS_DATA,GET_MERCHANT_LISTINGS_DATA&pageSize=10",
            None,
            REPORTS,
            "getReports",
        )
        .await;
    let reports = list["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 4);
    let fba: BTreeMap<String, i64> = sp
        .listings()
        .await
        .into_iter()
        .filter(|l| l["marketplace_id"] == US && l["fulfillment_channel"] == "AFN")
        .map(|l| {
            (
                l["sku"].as_str().unwrap().to_string(),
                l["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    for r in reports {
        assert_eq!(r["processingStatus"], "DONE", "{r}");
        let (_, _, bytes) = document(&sp, r["reportDocumentId"].as_str().unwrap()).await;
        let (header, rows) = tsv(&bytes);
        if r["reportType"] == "GET_AFN_INVENTORY_DATA" {
            assert_eq!(header[0], "seller-sku");
            assert_eq!(rows.len(), fba.len());
            for row in &rows {
                assert_eq!(row[5], fba[&row[0]].to_string());
            }
        }
        if r["reportType"] == "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA" {
            assert_eq!(header[1], "fnsku");
            let col = header
                .iter()
                .position(|h| h == "afn-fulfillable-quantity")
                .unwrap();
            for row in &rows {
                assert_eq!(row[col], fba[&row[0]].to_string());
            }
        }
        if r["reportType"] == "GET_FLAT_FILE_OPEN_LISTINGS_DATA" {
            assert_eq!(header, ["sku", "asin", "price", "quantity"]);
        }
        if r["reportType"] == "GET_MERCHANT_LISTINGS_DATA" {
            assert!(!header.contains(&"status".to_string()));
        }
    }
}

#[tokio::test]
async fn a_restricted_report_needs_a_restricted_data_token() {
    let sp = Sp::start().await;
    let id = create(
        &sp,
        json!({"reportType": "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING", "marketplaceIds": [US],
               "dataStartTime": "2025-03-01T00:00:00Z"}),
    )
    .await;
    let r = finish(&sp, &id).await;
    assert_eq!(r["processingStatus"], "DONE");
    let doc_id = r["reportDocumentId"].as_str().unwrap();
    let path = format!("/reports/2021-06-30/documents/{doc_id}");
    let (status, body) = sp
        .call(Method::GET, &path, None, REPORTS, "getReportDocument")
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "Unauthorized");
    let rdt = sp.rdt("GET", &path).await;
    let (status, d) = sp
        .call_with(&rdt, Method::GET, &path, None, REPORTS, "getReportDocument")
        .await;
    assert_eq!(status, 200, "{d}");
    let (_, _, bytes) = download(&sp.w.http, d["url"].as_str().unwrap()).await;
    let (header, rows) = tsv(&bytes);
    assert_eq!(header[0], "order-id");
    let email = header.iter().position(|h| h == "buyer-email").unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r[email].contains('@')),
        "buyer emails present"
    );
}

#[tokio::test]
async fn unsupported_types_end_fatal_with_an_error_document() {
    let sp = Sp::start().await;
    let id = create(
        &sp,
        json!({"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "marketplaceIds": [US]}),
    )
    .await;
    let r = finish(&sp, &id).await;
    assert_eq!(r["processingStatus"], "FATAL");
    let (_, _, bytes) = document(&sp, r["reportDocumentId"].as_str().unwrap()).await;
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(
        doc["errorDetails"]
            .as_str()
            .unwrap()
            .contains("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"),
        "{doc}"
    );
    let events = sp.events("REPORT_PROCESSING_FINISHED").await;
    assert_eq!(events[0]["processingStatus"], "FATAL");
}

#[tokio::test]
async fn only_queued_reports_cancel_and_bad_requests_are_400() {
    let sp = Sp::start().await;
    let id = create(
        &sp,
        json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US]}),
    )
    .await;
    let path = format!("/reports/2021-06-30/reports/{id}");
    let (status, _) = sp
        .call(Method::DELETE, &path, None, REPORTS, "cancelReport")
        .await;
    assert_eq!(status, 200);
    assert_eq!(get(&sp, &id).await["processingStatus"], "CANCELLED");
    sp.advance(10).await;
    assert_eq!(get(&sp, &id).await["processingStatus"], "CANCELLED");
    let (status, body) = sp
        .call(Method::DELETE, &path, None, REPORTS, "cancelReport")
        .await;
    assert_eq!(status, 400, "{body}");
    let events = sp.events("REPORT_PROCESSING_FINISHED").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["processingStatus"], "CANCELLED");
    assert_notification(
        "ReportProcessingFinishedNotification.json",
        "REPORT_PROCESSING_FINISHED",
        &events[0],
    );
    // Unknown ids, other marketplaces, bad dates, missing filters.
    let (status, _) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports/99",
            None,
            REPORTS,
            "getReport",
        )
        .await;
    assert_eq!(status, 404);
    for bad in [
        json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": ["A1PA6795UKMFR9"]}),
        json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": []}),
        json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US], "dataStartTime": "yesterday"}),
        json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US],
               "dataStartTime": "2025-03-09T00:00:00Z", "dataEndTime": "2025-03-01T00:00:00Z"}),
        json!({"marketplaceIds": [US]}),
    ] {
        let (status, body) = sp
            .call(
                Method::POST,
                "/reports/2021-06-30/reports",
                Some(bad.clone()),
                REPORTS,
                "createReport",
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    for q in [
        "",
        "?reportTypes=X&pageSize=0",
        "?nextToken=garbage",
        "?reportTypes=X&createdSince=nope",
    ] {
        let (status, body) = sp
            .call(
                Method::GET,
                &format!("/reports/2021-06-30/reports{q}"),
                None,
                REPORTS,
                "getReports",
            )
            .await;
        assert_eq!(status, 400, "{q}: {body}");
    }
}

#[tokio::test]
async fn get_reports_filters_and_pages_newest_first() {
    let sp = Sp::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let t = if i % 2 == 0 {
            "GET_AFN_INVENTORY_DATA"
        } else {
            "GET_FLAT_FILE_OPEN_LISTINGS_DATA"
        };
        ids.push(create(&sp, json!({"reportType": t, "marketplaceIds": [US]})).await);
        sp.advance(1).await;
    }
    // The first two have started (at +2 s), the first finished (+5 s): statuses differ.
    let mut seen = Vec::new();
    let mut path = "/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA,GET_FLAT_FILE_OPEN_LISTINGS_DATA&pageSize=2".to_string();
    loop {
        let (status, b) = sp
            .call(Method::GET, &path, None, REPORTS, "getReports")
            .await;
        assert_eq!(status, 200, "{b}");
        let page = b["reports"].as_array().unwrap();
        assert!(page.len() <= 2);
        seen.extend(
            page.iter()
                .map(|r| r["reportId"].as_str().unwrap().to_string()),
        );
        match b["nextToken"].as_str() {
            Some(t) => path = format!("/reports/2021-06-30/reports?nextToken={}", urlencode(t)),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);
    let (_, b) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA",
            None,
            REPORTS,
            "getReports",
        )
        .await;
    assert_eq!(b["reports"].as_array().unwrap().len(), 3);
    let (_, b) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA,GET_FLAT_FILE_OPEN_LISTINGS_DATA&processingStatuses=DONE",
            None,
            REPORTS,
            "getReports",
        )
        .await;
    let done: Vec<&str> = b["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reportId"].as_str().unwrap())
        .collect();
    assert_eq!(done, [ids[0].as_str()]);
    let (_, b) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA&marketplaceIds=A1PA6795UKMFR9",
            None,
            REPORTS,
            "getReports",
        )
        .await;
    assert!(b["reports"].as_array().unwrap().is_empty());
}

/// getReports with `query`: its status and the page's report ids, next token and body.
async fn reports_page(sp: &Sp, query: &str) -> (u16, Vec<String>, Option<String>, Value) {
    let (status, b) = sp
        .call(
            Method::GET,
            &format!("/reports/2021-06-30/reports?{query}"),
            None,
            REPORTS,
            "getReports",
        )
        .await;
    let ids = b["reports"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["reportId"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    let next = b["nextToken"].as_str().map(String::from);
    (status, ids, next, b)
}

#[tokio::test]
async fn a_next_token_pages_alone_or_with_the_filters_sent_again() {
    let sp = Sp::start().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let t = if i % 2 == 0 {
            "GET_AFN_INVENTORY_DATA"
        } else {
            "GET_FLAT_FILE_OPEN_LISTINGS_DATA"
        };
        ids.push(create(&sp, json!({"reportType": t, "marketplaceIds": [US]})).await);
    }
    ids.reverse();
    let filters = "reportTypes=GET_AFN_INVENTORY_DATA,GET_FLAT_FILE_OPEN_LISTINGS_DATA&pageSize=2";
    let (status, first, token, _) = reports_page(&sp, filters).await;
    assert_eq!(status, 200);
    assert_eq!(first, ids[..2]);
    let token = token.expect("a second page");
    // The token alone: it carries the filters and the page size (Amazon ignores the other
    // parameters when nextToken is given).
    let alone = format!("nextToken={}", urlencode(&token));
    let (status, second, next, _) = reports_page(&sp, &alone).await;
    assert_eq!(status, 200);
    assert_eq!(second, ids[2..4]);
    // The same filters sent again, or others: accepted and ignored.
    for resent in [
        format!("{filters}&{alone}"),
        format!("reportTypes=GET_AFN_INVENTORY_DATA&pageSize=5&{alone}"),
    ] {
        let (status, again, again_next, _) = reports_page(&sp, &resent).await;
        assert_eq!(status, 200, "{resent}");
        assert_eq!((&again, &again_next), (&second, &next), "{resent}");
    }
    let (status, last, none, _) =
        reports_page(&sp, &format!("nextToken={}", urlencode(&next.unwrap()))).await;
    assert_eq!(status, 200);
    assert_eq!(last, ids[4..]);
    assert!(none.is_none());
    // A truncated token is Amazon's undecodable token.
    let truncated = format!("nextToken={}", urlencode(&token[..token.len() - 6]));
    let (status, _, _, body) = reports_page(&sp, &truncated).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "InvalidInput");
    assert_eq!(
        body["errors"][0]["message"],
        spapi_server::market::paging::UNDECODABLE
    );
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn schedules_create_reports_on_the_clock_until_cancelled() {
    let sp = Sp::start().await;
    let (status, b) = sp
        .call(
            Method::POST,
            "/reports/2021-06-30/schedules",
            Some(json!({"reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA", "marketplaceIds": [US], "period": "PT15M"})),
            REPORTS,
            "createReportSchedule",
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let sid = b["reportScheduleId"].as_str().unwrap().to_string();
    let (status, s) = sp
        .call(
            Method::GET,
            &format!("/reports/2021-06-30/schedules/{sid}"),
            None,
            REPORTS,
            "getReportSchedule",
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(s["period"], "PT15M");
    // One report now, one at +15 min, one at +30 min.
    sp.advance(31 * 60).await;
    let (_, list) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA",
            None,
            REPORTS,
            "getReports",
        )
        .await;
    let reports = list["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 3, "{list}");
    assert!(
        reports
            .iter()
            .all(|r| r["reportScheduleId"] == sid.as_str() && r["processingStatus"] == "DONE")
    );
    let (_, all) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/schedules?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA",
            None,
            REPORTS,
            "getReportSchedules",
        )
        .await;
    assert_eq!(all["reportSchedules"].as_array().unwrap().len(), 1);
    let (status, _) = sp
        .call(
            Method::DELETE,
            &format!("/reports/2021-06-30/schedules/{sid}"),
            None,
            REPORTS,
            "cancelReportSchedule",
        )
        .await;
    assert_eq!(status, 200);
    // (Less than the access token's hour.)
    sp.advance(20 * 60).await;
    let (_, list) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports?reportTypes=GET_FLAT_FILE_OPEN_LISTINGS_DATA",
            None,
            REPORTS,
            "getReports",
        )
        .await;
    assert_eq!(
        list["reports"].as_array().expect("reports").len(),
        3,
        "{list}"
    );
    let (status, _) = sp
        .call(
            Method::GET,
            &format!("/reports/2021-06-30/schedules/{sid}"),
            None,
            REPORTS,
            "getReportSchedule",
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = sp
        .call(
            Method::POST,
            "/reports/2021-06-30/schedules",
            Some(json!({"reportType": "GET_FLAT_FILE_OPEN_LISTINGS_DATA", "marketplaceIds": [US], "period": "PT7M"})),
            REPORTS,
            "createReportSchedule",
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn document_urls_expire_and_are_signed() {
    let sp = Sp::start().await;
    let id = create(
        &sp,
        json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US]}),
    )
    .await;
    let r = finish(&sp, &id).await;
    let (_, d) = sp
        .call(
            Method::GET,
            &format!(
                "/reports/2021-06-30/documents/{}",
                r["reportDocumentId"].as_str().unwrap()
            ),
            None,
            REPORTS,
            "getReportDocument",
        )
        .await;
    let url = d["url"].as_str().unwrap();
    let (status, _, _) = download(&sp.w.http, &url.replace("signature=", "signature=0")).await;
    assert_eq!(status, 403);
    let (status, _, _) = download(&sp.w.http, &url.replace("op=get", "op=put")).await;
    assert_eq!(status, 403);
    sp.advance(5 * 60 + 1).await;
    let (status, _, body) = download(&sp.w.http, url).await;
    assert_eq!(status, 403);
    assert!(String::from_utf8_lossy(&body).contains("expired"));
}

#[tokio::test]
async fn reports_run_the_same_on_postgresql() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let sp = Sp::start_with(spapi_server::ServerConfig {
        store: spapi_server::store::StoreConfig::Postgres(url),
        clock: spapi_server::clock::Clock::frozen("2025-03-10T08:00:00Z".parse().unwrap()),
        ..spapi_server::ServerConfig::ephemeral()
    })
    .await;
    let a = create(&sp, json!({"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL", "marketplaceIds": [US]})).await;
    let b = create(
        &sp,
        json!({"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]}),
    )
    .await;
    let c = create(
        &sp,
        json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US]}),
    )
    .await;
    let (status, _) = sp
        .call(
            Method::DELETE,
            &format!("/reports/2021-06-30/reports/{c}"),
            None,
            REPORTS,
            "cancelReport",
        )
        .await;
    assert_eq!(status, 200);
    sp.advance(6).await;
    for id in [&a, &b] {
        let r = get(&sp, id).await;
        assert_eq!(r["processingStatus"], "DONE", "{r}");
        let (_, _, bytes) = document(&sp, r["reportDocumentId"].as_str().unwrap()).await;
        let (_, rows) = tsv(&bytes);
        assert!(!rows.is_empty());
    }
    let (_, list) = sp
        .call(
            Method::GET,
            &format!("/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA,GET_MERCHANT_LISTINGS_ALL_DATA&marketplaceIds={US}&pageSize=1"),
            None,
            REPORTS,
            "getReports",
        )
        .await;
    assert_eq!(list["reports"][0]["reportId"], c.as_str());
    assert!(list["nextToken"].is_string());
    assert_eq!(sp.events("REPORT_PROCESSING_FINISHED").await.len(), 3);
}

#[tokio::test]
async fn a_running_job_keeps_its_lease_while_it_renews_it() {
    let store = spapi_server::store::Store::open_sqlite_in_memory()
        .await
        .unwrap();
    store.enqueue_job("test.long", 0, &json!({})).await.unwrap();
    let claimed = store.claim_due_jobs(10, 5, "w1", 100).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let id = claimed[0].id;
    // Renewed before it expires: another worker cannot take it at the old expiry.
    assert!(store.extend_job_lease(id, "w1", 500).await.unwrap());
    assert!(
        store
            .claim_due_jobs(200, 5, "w2", 100)
            .await
            .unwrap()
            .is_empty()
    );
    // Only the holder renews; after the renewed expiry the job is reclaimed.
    assert!(!store.extend_job_lease(id, "w2", 10_000).await.unwrap());
    let again = store.claim_due_jobs(600, 5, "w2", 100).await.unwrap();
    assert_eq!(again.len(), 1);
    assert!(!store.extend_job_lease(id, "w1", 10_000).await.unwrap());
}
