//! Feeds 2021-06-30 end to end: createFeedDocument -> PUT -> createFeed -> poll -> processing
//! report -> listings changed, for JSON_LISTINGS_FEED (checked against Amazon's feed and
//! processing-report schemas), the XML inventory and pricing feeds and the flat-file loader;
//! bad messages never lose the good ones; cancel while queued; FEED_PROCESSING_FINISHED.

mod common;
mod jobs_common;

use jobs_common::*;
use reqwest::Method;
use serde_json::{Value, json};

const LISTINGS: &str = "models/listings-items-api-model/listingsItems_2021-08-01.json";

/// Uploads `content` as a feed document of `content_type`; its id.
async fn upload(sp: &Sp, content_type: &str, content: Vec<u8>) -> String {
    let (status, d) = sp
        .call(
            Method::POST,
            "/feeds/2021-06-30/documents",
            Some(json!({"contentType": content_type})),
            FEEDS,
            "createFeedDocument",
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let resp =
        sp.w.http
            .put(d["url"].as_str().unwrap())
            .header("content-type", content_type)
            .body(content)
            .send()
            .await
            .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    d["feedDocumentId"].as_str().unwrap().to_string()
}

async fn create_feed(sp: &Sp, feed_type: &str, doc: &str) -> String {
    let (status, b) = sp
        .call(
            Method::POST,
            "/feeds/2021-06-30/feeds",
            Some(
                json!({"feedType": feed_type, "marketplaceIds": [US], "inputFeedDocumentId": doc}),
            ),
            FEEDS,
            "createFeed",
        )
        .await;
    assert_eq!(status, 202, "{b}");
    b["feedId"].as_str().unwrap().to_string()
}

async fn get_feed(sp: &Sp, id: &str) -> Value {
    let (status, b) = sp
        .call(
            Method::GET,
            &format!("/feeds/2021-06-30/feeds/{id}"),
            None,
            FEEDS,
            "getFeed",
        )
        .await;
    assert_eq!(status, 200, "{b}");
    b
}

/// The processing report of a finished feed.
async fn result(sp: &Sp, feed: &Value) -> Vec<u8> {
    let (status, d) = sp
        .call(
            Method::GET,
            &format!(
                "/feeds/2021-06-30/documents/{}",
                feed["resultFeedDocumentId"].as_str().unwrap()
            ),
            None,
            FEEDS,
            "getFeedDocument",
        )
        .await;
    assert_eq!(status, 200, "{d}");
    let (status, _, bytes) = download(&sp.w.http, d["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    bytes
}

/// Two MFN listings and one FBA listing of the US marketplace.
async fn pick(sp: &Sp) -> (Value, Value, Value) {
    let ls: Vec<Value> = sp
        .listings()
        .await
        .into_iter()
        .filter(|l| l["marketplace_id"] == US)
        .collect();
    let mfn: Vec<&Value> = ls
        .iter()
        .filter(|l| l["fulfillment_channel"] == "MFN")
        .collect();
    let afn = ls
        .iter()
        .find(|l| l["fulfillment_channel"] == "AFN")
        .expect("an FBA listing");
    (mfn[0].clone(), mfn[1].clone(), afn.clone())
}

/// The product type of a listing, as the Listings Items API reports it.
async fn product_type(sp: &Sp, sku: &Value) -> String {
    let (status, item) = sp
        .call(
            Method::GET,
            &format!(
                "/listings/2021-08-01/items/{}/{}?marketplaceIds={US}&includedData=summaries",
                sp.w.seller_id,
                sku.as_str().unwrap()
            ),
            None,
            LISTINGS,
            "getListingsItem",
        )
        .await;
    assert_eq!(status, 200, "{item}");
    item["summaries"][0]["productType"]
        .as_str()
        .expect("productType")
        .to_string()
}

fn listing<'a>(ls: &'a [Value], sku: &str) -> Option<&'a Value> {
    ls.iter()
        .find(|l| l["sku"] == sku && l["marketplace_id"] == US)
}

#[tokio::test]
async fn a_json_listings_feed_changes_listings_and_reports_each_message() {
    let sp = Sp::start().await;
    let (a, b, fba) = pick(&sp).await;
    let asin = a["asin"].as_str().unwrap();
    // Each message names the listing's own product type, as the Listings Items API needs.
    let (type_a, type_fba) = (
        product_type(&sp, &a["sku"]).await,
        product_type(&sp, &fba["sku"]).await,
    );
    let feed = json!({
        "header": {"sellerId": sp.w.seller_id, "version": "2.0", "issueLocale": "en_US",
                   "report": {"includedData": ["summaries", "offers", "fulfillmentAvailability"], "apiVersion": "2021-08-01"}},
        "messages": [
            {"messageId": 1, "sku": a["sku"], "operationType": "PATCH", "productType": type_a,
             "patches": [
                {"op": "replace", "path": "/attributes/purchasable_offer",
                 "value": [{"marketplace_id": US, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 12.34}]}]}]},
                {"op": "replace", "path": "/attributes/fulfillment_availability",
                 "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 77}]}
             ]},
            {"messageId": 2, "sku": b["sku"], "operationType": "DELETE"},
            // Invalid: a bad price; the others still apply.
            {"messageId": 3, "sku": a["sku"], "operationType": "PARTIAL_UPDATE", "productType": type_a,
             "attributes": {"purchasable_offer": [{"marketplace_id": US, "our_price": [{"schedule": [{"value_with_tax": "cheap"}]}]}]}},
            // A DEFAULT (seller-fulfilled) availability moves an FBA SKU to the seller, as the
            // Listings Items API does.
            {"messageId": 4, "sku": fba["sku"], "operationType": "PATCH", "productType": type_fba,
             "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                          "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}]}]},
            // A new offer-only listing of a catalog ASIN.
            {"messageId": 5, "sku": "NEW-SKU-1", "operationType": "UPDATE", "productType": type_a,
             "requirements": "LISTING_OFFER_ONLY",
             "attributes": {
                "merchant_suggested_asin": [{"value": asin, "marketplace_id": US}],
                "condition_type": [{"value": "new_new", "marketplace_id": US}],
                "purchasable_offer": [{"marketplace_id": US, "currency": "USD", "our_price": [{"schedule": [{"value_with_tax": 9.99}]}]}],
                "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]}}
        ]
    });
    assert_schema("schemas/feeds/listings-feed-schema-v2.json", &feed);
    let doc = upload(
        &sp,
        "application/json; charset=UTF-8",
        feed.to_string().into_bytes(),
    )
    .await;
    let id = create_feed(&sp, "JSON_LISTINGS_FEED", &doc).await;
    assert_eq!(get_feed(&sp, &id).await["processingStatus"], "IN_QUEUE");
    sp.advance(2).await;
    assert_eq!(get_feed(&sp, &id).await["processingStatus"], "IN_PROGRESS");
    sp.advance(3).await;
    let f = get_feed(&sp, &id).await;
    assert_eq!(f["processingStatus"], "DONE", "{f}");
    let report: Value = serde_json::from_slice(&result(&sp, &f).await).unwrap();
    assert_schema(
        "schemas/feeds/listings-feed-processing-report-schema-v2.json",
        &report,
    );
    assert_eq!(report["header"]["feedId"], id.as_str());
    assert_eq!(report["summary"]["messagesProcessed"], 5);
    assert_eq!(report["summary"]["messagesAccepted"], 4, "{report:#}");
    assert_eq!(report["summary"]["messagesInvalid"], 1);
    let bad: Vec<i64> = report["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["messageId"].as_i64().unwrap())
        .collect();
    assert_eq!(bad, [3], "{report:#}");
    // The listings as they are after the feed, for the data the header asked for.
    let items = report["items"].as_array().unwrap();
    let item_a = items.iter().find(|i| i["sku"] == a["sku"]).unwrap();
    assert_eq!(item_a["offers"][0]["price"]["amount"], "12.34");
    assert_eq!(item_a["fulfillmentAvailability"][0]["quantity"], 77);
    assert_eq!(item_a["summaries"][0]["asin"], a["asin"]);
    assert!(!items.iter().any(|i| i["sku"] == b["sku"]), "deleted");
    let ls = sp.listings().await;
    let a2 = listing(&ls, a["sku"].as_str().unwrap()).unwrap();
    assert_eq!(a2["price"], "12.34");
    assert_eq!(a2["quantity"], 77);
    assert!(listing(&ls, b["sku"].as_str().unwrap()).is_none());
    let moved = listing(&ls, fba["sku"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            moved["fulfillment_channel"].as_str(),
            moved["quantity"].as_i64()
        ),
        (Some("MFN"), Some(5)),
        "{moved}"
    );
    let new = listing(&ls, "NEW-SKU-1").unwrap();
    assert_eq!(
        (
            new["price"].as_str(),
            new["quantity"].as_i64(),
            new["asin"].as_str()
        ),
        (Some("9.99"), Some(3), Some(asin))
    );
    // Events: the feed's end, and the MFN quantity changes the world emits.
    let events = sp.events("FEED_PROCESSING_FINISHED").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["resultFeedDocumentId"], f["resultFeedDocumentId"]);
    assert_notification(
        "FeedProcessingFinishedNotification.json",
        "FEED_PROCESSING_FINISHED",
        &events[0],
    );
    let qty = sp.events("LISTINGS_ITEM_MFN_QUANTITY_CHANGE").await;
    assert!(
        qty.iter()
            .any(|e| e["Sku"] == a["sku"] && e["Quantity"] == 77)
    );
    // Running the clock further applies nothing twice.
    sp.advance(60).await;
    assert_eq!(sp.events("FEED_PROCESSING_FINISHED").await.len(), 1);
}

#[tokio::test]
async fn unreadable_feeds_end_fatal_and_queued_feeds_cancel() {
    let sp = Sp::start().await;
    let doc = upload(&sp, "application/json", b"{not json".to_vec()).await;
    let id = create_feed(&sp, "JSON_LISTINGS_FEED", &doc).await;
    sp.advance(6).await;
    let f = get_feed(&sp, &id).await;
    assert_eq!(f["processingStatus"], "FATAL");
    let report: Value = serde_json::from_slice(&result(&sp, &f).await).unwrap();
    assert_schema(
        "schemas/feeds/listings-feed-processing-report-schema-v2.json",
        &report,
    );
    // A document never uploaded.
    let (_, d) = sp
        .call(
            Method::POST,
            "/feeds/2021-06-30/documents",
            Some(json!({"contentType": "text/xml"})),
            FEEDS,
            "createFeedDocument",
        )
        .await;
    let id = create_feed(
        &sp,
        "POST_PRODUCT_PRICING_DATA",
        d["feedDocumentId"].as_str().unwrap(),
    )
    .await;
    sp.advance(6).await;
    assert_eq!(get_feed(&sp, &id).await["processingStatus"], "FATAL");
    // Cancel while queued; not after.
    let doc = upload(&sp, "text/xml", b"<AmazonEnvelope/>".to_vec()).await;
    let id = create_feed(&sp, "POST_PRODUCT_PRICING_DATA", &doc).await;
    let path = format!("/feeds/2021-06-30/feeds/{id}");
    let (status, _) = sp
        .call(Method::DELETE, &path, None, FEEDS, "cancelFeed")
        .await;
    assert_eq!(status, 200);
    sp.advance(6).await;
    assert_eq!(get_feed(&sp, &id).await["processingStatus"], "CANCELLED");
    let (status, _) = sp
        .call(Method::DELETE, &path, None, FEEDS, "cancelFeed")
        .await;
    assert_eq!(status, 400);
    // getFeeds, filters, bad input.
    let (_, list) = sp
        .call(Method::GET, "/feeds/2021-06-30/feeds?feedTypes=POST_PRODUCT_PRICING_DATA,JSON_LISTINGS_FEED&pageSize=2", None, FEEDS, "getFeeds")
        .await;
    assert_eq!(list["feeds"].as_array().unwrap().len(), 2);
    assert!(list["nextToken"].is_string());
    let (_, list) = sp
        .call(Method::GET, "/feeds/2021-06-30/feeds?feedTypes=POST_PRODUCT_PRICING_DATA&processingStatuses=CANCELLED", None, FEEDS, "getFeeds")
        .await;
    assert_eq!(list["feeds"].as_array().unwrap().len(), 1);
    let (status, _) = sp
        .call(
            Method::GET,
            "/feeds/2021-06-30/feeds",
            None,
            FEEDS,
            "getFeeds",
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = sp
        .call(
            Method::POST,
            "/feeds/2021-06-30/feeds",
            Some(json!({"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [US], "inputFeedDocumentId": "amzn1.tortuga.nope"})),
            FEEDS,
            "createFeed",
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = sp
        .call(
            Method::GET,
            "/feeds/2021-06-30/feeds/51000000999",
            None,
            FEEDS,
            "getFeed",
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn xml_inventory_and_pricing_feeds_apply_per_message() {
    let sp = Sp::start().await;
    let (a, b, _) = pick(&sp).await;
    let (sa, sb) = (a["sku"].as_str().unwrap(), b["sku"].as_str().unwrap());
    let inventory = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>{}</MerchantIdentifier></Header>
  <MessageType>Inventory</MessageType>
  <Message><MessageID>1</MessageID><OperationType>Update</OperationType><Inventory><SKU>{sa}</SKU><Quantity>41</Quantity></Inventory></Message>
  <Message><MessageID>2</MessageID><OperationType>Update</OperationType><Inventory><SKU>NO-SUCH-SKU</SKU><Quantity>1</Quantity></Inventory></Message>
  <Message><MessageID>3</MessageID><OperationType>Update</OperationType><Inventory><SKU>{sb}</SKU><Quantity>-4</Quantity></Inventory></Message>
</AmazonEnvelope>"#,
        sp.w.seller_id
    );
    let doc = upload(&sp, "text/xml; charset=UTF-8", inventory.into_bytes()).await;
    let id = create_feed(&sp, "POST_INVENTORY_AVAILABILITY_DATA", &doc).await;
    let pricing = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>
  <MessageType>Price</MessageType>
  <Message><MessageID>1</MessageID><Price><SKU>{sb}</SKU><StandardPrice currency="USD">23.45</StandardPrice></Price></Message>
  <Message><MessageID>2</MessageID><Price><SKU>{sa}</SKU><StandardPrice currency="EUR">1.00</StandardPrice></Price></Message>
</AmazonEnvelope>"#
    );
    let doc = upload(&sp, "text/xml; charset=UTF-8", pricing.into_bytes()).await;
    let id2 = create_feed(&sp, "POST_PRODUCT_PRICING_DATA", &doc).await;
    sp.advance(6).await;
    let f = get_feed(&sp, &id).await;
    assert_eq!(f["processingStatus"], "DONE");
    let report = String::from_utf8(result(&sp, &f).await).unwrap();
    assert!(
        report.contains("<MessagesProcessed>3</MessagesProcessed>"),
        "{report}"
    );
    assert!(
        report.contains("<MessagesSuccessful>1</MessagesSuccessful>"),
        "{report}"
    );
    assert!(report.contains("<MessagesWithError>2</MessagesWithError>"));
    let f2 = get_feed(&sp, &id2).await;
    let report2 = String::from_utf8(result(&sp, &f2).await).unwrap();
    assert!(
        report2.contains("<MessagesWithError>1</MessagesWithError>"),
        "{report2}"
    );
    let ls = sp.listings().await;
    assert_eq!(listing(&ls, sa).unwrap()["quantity"], 41);
    assert_eq!(listing(&ls, sb).unwrap()["quantity"], b["quantity"]);
    assert_eq!(listing(&ls, sb).unwrap()["price"], "23.45");
    assert_eq!(listing(&ls, sa).unwrap()["price"], a["price"]);
}

#[tokio::test]
async fn the_flat_file_loader_sets_price_and_quantity_and_reports_bad_rows() {
    let sp = Sp::start().await;
    let (a, b, _) = pick(&sp).await;
    let (sa, sb) = (a["sku"].as_str().unwrap(), b["sku"].as_str().unwrap());
    let file = format!(
        "sku\tproduct-id\tproduct-id-type\tprice\tquantity\tadd-delete\n\
         {sa}\t\t\t19.50\t8\ta\n\
         {sb}\t\t\t\t\td\n\
         BAD-ROW\t\t\tabc\t1\ta\n\
         NEW-FLAT\t{}\t1\t5.00\t2\ta\n",
        a["asin"].as_str().unwrap()
    );
    let doc = upload(
        &sp,
        "text/tab-separated-values; charset=UTF-8",
        file.into_bytes(),
    )
    .await;
    let id = create_feed(&sp, "POST_FLAT_FILE_INVLOADER_DATA", &doc).await;
    sp.advance(6).await;
    let f = get_feed(&sp, &id).await;
    assert_eq!(f["processingStatus"], "DONE");
    let report = String::from_utf8(result(&sp, &f).await).unwrap();
    assert!(
        report.contains("Number of records processed\t\t4"),
        "{report}"
    );
    assert!(
        report.contains("Number of records successful\t\t3"),
        "{report}"
    );
    assert!(report.contains("BAD-ROW"));
    let ls = sp.listings().await;
    let a2 = listing(&ls, sa).unwrap();
    assert_eq!(
        (a2["price"].as_str(), a2["quantity"].as_i64()),
        (Some("19.50"), Some(8))
    );
    assert!(listing(&ls, sb).is_none());
    assert_eq!(listing(&ls, "NEW-FLAT").unwrap()["quantity"], 2);
}

#[tokio::test]
async fn feeds_run_the_same_on_postgresql() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    let sp = Sp::start_with(spapi_server::ServerConfig {
        store: spapi_server::store::StoreConfig::Postgres(url),
        clock: spapi_server::clock::Clock::frozen("2025-03-10T08:00:00Z".parse().unwrap()),
        ..spapi_server::ServerConfig::ephemeral()
    })
    .await;
    let (a, _, _) = pick(&sp).await;
    let sa = a["sku"].as_str().unwrap();
    let type_a = product_type(&sp, &a["sku"]).await;
    let feed = json!({
        "header": {"sellerId": sp.w.seller_id, "version": "2.0"},
        "messages": [{"messageId": 1, "sku": sa, "operationType": "PATCH", "productType": type_a,
            "patches": [{"op": "replace", "path": "/attributes/fulfillment_availability",
                         "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}]}]}]
    });
    let doc = upload(&sp, "application/json", feed.to_string().into_bytes()).await;
    let id = create_feed(&sp, "JSON_LISTINGS_FEED", &doc).await;
    sp.advance(6).await;
    let f = get_feed(&sp, &id).await;
    assert_eq!(f["processingStatus"], "DONE");
    let report: Value = serde_json::from_slice(&result(&sp, &f).await).unwrap();
    assert_eq!(report["summary"]["messagesAccepted"], 1, "{report:#}");
    assert_eq!(listing(&sp.listings().await, sa).unwrap()["quantity"], 5);
}

/// getFeeds with `query`: its status and the page's feed ids, next token and body.
async fn feeds_page(sp: &Sp, query: &str) -> (u16, Vec<String>, Option<String>, Value) {
    let (status, b) = sp
        .call(
            Method::GET,
            &format!("/feeds/2021-06-30/feeds?{query}"),
            None,
            FEEDS,
            "getFeeds",
        )
        .await;
    let ids = b["feeds"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["feedId"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    let next = b["nextToken"].as_str().map(String::from);
    (status, ids, next, b)
}

fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[tokio::test]
async fn a_next_token_pages_alone_or_with_the_filters_sent_again() {
    let sp = Sp::start().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let doc = upload(&sp, "text/xml", b"<AmazonEnvelope/>".to_vec()).await;
        ids.push(create_feed(&sp, "POST_PRODUCT_PRICING_DATA", &doc).await);
    }
    ids.reverse();
    let filters = "feedTypes=POST_PRODUCT_PRICING_DATA,JSON_LISTINGS_FEED&pageSize=2";
    let (status, first, token, _) = feeds_page(&sp, filters).await;
    assert_eq!(status, 200);
    assert_eq!(first, ids[..2]);
    let token = token.expect("a second page");
    // The token alone carries the filters and the page size.
    let alone = format!("nextToken={}", urlencode(&token));
    let (status, second, next, _) = feeds_page(&sp, &alone).await;
    assert_eq!(status, 200);
    assert_eq!(second, ids[2..]);
    assert!(next.is_none());
    // Filters sent again with the token, the same or others, are ignored.
    for resent in [
        format!("{filters}&{alone}"),
        format!("feedTypes=JSON_LISTINGS_FEED&pageSize=1&{alone}"),
    ] {
        let (status, again, again_next, _) = feeds_page(&sp, &resent).await;
        assert_eq!(status, 200, "{resent}");
        assert_eq!((&again, &again_next), (&second, &next), "{resent}");
    }
    // A truncated token is Amazon's undecodable token.
    let truncated = format!("nextToken={}", urlencode(&token[..token.len() - 6]));
    let (status, _, _, body) = feeds_page(&sp, &truncated).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "InvalidInput");
    assert_eq!(
        body["errors"][0]["message"],
        spapi_server::market::paging::UNDECODABLE
    );
    // A getReports token is not a getFeeds token.
    for _ in 0..2 {
        let (status, b) = sp
            .call(
                Method::POST,
                "/reports/2021-06-30/reports",
                Some(json!({"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US]})),
                REPORTS,
                "createReport",
            )
            .await;
        assert_eq!(status, 202, "{b}");
    }
    let (_, reports) = sp
        .call(
            Method::GET,
            "/reports/2021-06-30/reports?reportTypes=GET_AFN_INVENTORY_DATA&pageSize=1",
            None,
            REPORTS,
            "getReports",
        )
        .await;
    let foreign = reports["nextToken"].as_str().expect("a second page");
    let (status, _, _, body) = feeds_page(&sp, &format!("nextToken={}", urlencode(foreign))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        spapi_server::market::paging::UNDECODABLE
    );
}
