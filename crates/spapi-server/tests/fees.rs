//! Product Fees v0 over real HTTP: estimates for an FBA and a seller-fulfilled SKU of the
//! world add up (the total is the sum of the fee lines, the FBA fee the sum of its parts),
//! agree between the SKU, the ASIN and the batch, and bad input answers the API's errors.
//! Every response is checked against the model.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;

const LISTINGS: &str = "models/listings-items-api-model/listingsItems_2021-08-01.json";
const FEES: &str = "models/product-fees-api-model/productFeesV0.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const EAN: &str = "4006381333986";

async fn send(
    w: &World,
    token: &str,
    op: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let resp = w
        .http
        .request(method, format!("{}{path}", w.base))
        .header("x-amz-access-token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    let model = if op.starts_with("getMyFees") {
        FEES
    } else {
        LISTINGS
    };
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, &body);
    }
    (status, body)
}

/// A SHIRT listing at `price`: FBA with a declared 10 x 8 x 0.5 in, 6 oz package (small
/// standard), or MFN with 5 units.
fn shirt(price: f64, fba: bool) -> Value {
    let availability = if fba {
        json!([{"fulfillment_channel_code": "AMAZON_NA"}])
    } else {
        json!([{"fulfillment_channel_code": "DEFAULT", "quantity": 5}])
    };
    let inches = |v: f64| json!({"value": v, "unit": "inches"});
    json!({
        "productType": "SHIRT",
        "requirements": "LISTING",
        "attributes": {
            "item_name": [{"value": "Harbor Linen Shirt, Sand", "language_tag": "en_US", "marketplace_id": US}],
            "brand": [{"value": "Harbor", "language_tag": "en_US", "marketplace_id": US}],
            "externally_assigned_product_identifier": [{"type": "ean", "value": EAN, "marketplace_id": US}],
            "color": [{"value": "Sand", "language_tag": "en_US", "marketplace_id": US}],
            "size": [{"value": "M", "marketplace_id": US}],
            "department": [{"value": "mens", "marketplace_id": US}],
            "bullet_point": [{"value": "Pure linen", "language_tag": "en_US", "marketplace_id": US}],
            "product_description": [{"value": "A light shirt.", "language_tag": "en_US", "marketplace_id": US}],
            "condition_type": [{"value": "new_new", "marketplace_id": US}],
            "purchasable_offer": [{"currency": "USD", "marketplace_id": US,
                "our_price": [{"schedule": [{"value_with_tax": price}]}]}],
            "fulfillment_availability": availability,
            "item_package_dimensions": [{"length": inches(10.0), "width": inches(8.0),
                "height": inches(0.5), "marketplace_id": US}],
            "item_package_weight": [{"value": 6, "unit": "ounces", "marketplace_id": US}],
        }
    })
}

fn request(price: f64, shipping: f64, fba: Option<bool>, id: &str) -> Value {
    let mut r = json!({
        "MarketplaceId": US,
        "PriceToEstimateFees": {
            "ListingPrice": {"CurrencyCode": "USD", "Amount": price},
            "Shipping": {"CurrencyCode": "USD", "Amount": shipping},
        },
        "Identifier": id,
    });
    if let Some(f) = fba {
        r["IsAmazonFulfilled"] = json!(f);
    }
    r
}

fn cents(v: &Value) -> i64 {
    (v["Amount"].as_f64().unwrap() * 100.0).round() as i64
}

/// Checks that an estimate adds up; its fee lines by type (cents).
fn lines(result: &Value) -> Vec<(String, i64)> {
    assert_eq!(result["Status"], "Success", "{result}");
    let est = &result["FeesEstimate"];
    let list = est["FeeDetailList"].as_array().unwrap();
    let mut sum = 0;
    let mut out = vec![];
    for l in list {
        assert_eq!(
            cents(&l["FinalFee"]),
            cents(&l["FeeAmount"]) - cents(&l["FeePromotion"])
        );
        if let Some(parts) = l["IncludedFeeDetailList"].as_array() {
            let parts: i64 = parts.iter().map(|p| cents(&p["FinalFee"])).sum();
            assert_eq!(parts, cents(&l["FinalFee"]), "{l}");
        }
        sum += cents(&l["FinalFee"]);
        out.push((
            l["FeeType"].as_str().unwrap().to_string(),
            cents(&l["FinalFee"]),
        ));
    }
    assert_eq!(sum, cents(&est["TotalFeesEstimate"]), "{est}");
    assert_eq!(est["TotalFeesEstimate"]["CurrencyCode"], "USD");
    out
}

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let token = w.access_token().await;
    let put = |sku: &'static str, body: Value| {
        let (w, token) = (&w, &token);
        async move {
            let path = format!(
                "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}&includedData=identifiers",
                w.seller_id
            );
            let (s, b) = send(w, token, "putListingsItem", Method::PUT, &path, body).await;
            assert_eq!(s, 200, "{b}");
            b
        }
    };
    put("LINEN-MFN", shirt(24.5, false)).await;
    let (s, b) = w
        .control(
            Method::POST,
            "/clock",
            Some(json!({"advance_seconds": 660})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let fba = put("LINEN-FBA", shirt(24.5, true)).await;
    let asin = fba["identifiers"][0]["asin"].as_str().unwrap().to_string();
    let sku_path = |sku: &str| format!("/products/fees/v0/listings/{sku}/feesEstimate");

    // FBA: 17% referral of 24.50 (apparel above $20) and the small standard 4-6 oz rate.
    let (s, b) = send(
        &w,
        &token,
        "getMyFeesEstimateForSKU",
        Method::POST,
        &sku_path("LINEN-FBA"),
        json!({"FeesEstimateRequest": request(24.5, 0.0, None, "fba-1")}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let r = &b["payload"]["FeesEstimateResult"];
    let id = &r["FeesEstimateIdentifier"];
    assert_eq!(id["IdType"], "SellerSKU");
    assert_eq!(id["IdValue"], "LINEN-FBA");
    assert_eq!(id["SellerId"], w.seller_id.as_str());
    assert_eq!(id["SellerInputIdentifier"], "fba-1");
    assert_eq!(id["IsAmazonFulfilled"], true, "the listing's channel: {r}");
    let fba_lines = lines(r);
    assert_eq!(
        fba_lines,
        [
            ("ReferralFee".to_string(), 417),
            ("VariableClosingFee".to_string(), 0),
            ("PerItemFee".to_string(), 0),
            ("FBAFees".to_string(), 324),
        ]
    );

    // MFN with shipping: the referral fee is on price plus shipping; no FBA fee.
    let (s, b) = send(
        &w,
        &token,
        "getMyFeesEstimateForSKU",
        Method::POST,
        &sku_path("LINEN-MFN"),
        json!({"FeesEstimateRequest": request(24.5, 3.99, None, "mfn-1")}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let r = &b["payload"]["FeesEstimateResult"];
    assert_eq!(r["FeesEstimateIdentifier"]["IsAmazonFulfilled"], false);
    let mfn_lines = lines(r);
    assert_eq!(mfn_lines[0], ("ReferralFee".to_string(), 484));
    assert_eq!(mfn_lines[3], ("FBAFees".to_string(), 0));

    // By ASIN, FBA asked explicitly: the same fees as the FBA SKU.
    let (s, b) = send(
        &w,
        &token,
        "getMyFeesEstimateForASIN",
        Method::POST,
        &format!("/products/fees/v0/items/{asin}/feesEstimate"),
        json!({"FeesEstimateRequest": request(24.5, 0.0, Some(true), "asin-1")}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let r = &b["payload"]["FeesEstimateResult"];
    assert_eq!(r["FeesEstimateIdentifier"]["IdType"], "ASIN");
    assert_eq!(lines(r), fba_lines);

    // The batch: a bare array, one result per item, bad items as their own ClientError.
    let mut foreign = request(24.5, 0.0, None, "b-3");
    foreign["MarketplaceId"] = json!("A1F83G8C2ARO7P");
    let (s, b) = send(
        &w,
        &token,
        "getMyFeesEstimates",
        Method::POST,
        "/products/fees/v0/feesEstimate",
        json!([
            {"FeesEstimateRequest": request(24.5, 0.0, None, "b-1"), "IdType": "SellerSKU", "IdValue": "LINEN-FBA"},
            {"FeesEstimateRequest": request(24.5, 0.0, None, "b-2"), "IdType": "SellerSKU", "IdValue": "NO-SUCH-SKU"},
            {"FeesEstimateRequest": foreign, "IdType": "SellerSKU", "IdValue": "LINEN-FBA"},
            {"FeesEstimateRequest": request(24.5, 3.99, Some(false), "b-4"), "IdType": "ASIN", "IdValue": asin},
        ]),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let items = b.as_array().expect("a bare array");
    assert_eq!(items.len(), 4);
    assert_eq!(lines(&items[0]), fba_lines);
    for bad in [&items[1], &items[2]] {
        assert_eq!(bad["Status"], "ClientError", "{bad}");
        assert_eq!(bad["Error"]["Code"], "InvalidParameterValue");
        assert_eq!(bad["Error"]["Type"], "Sender");
    }
    assert_eq!(
        items[1]["FeesEstimateIdentifier"]["SellerInputIdentifier"],
        "b-2"
    );
    assert_eq!(lines(&items[3]), mfn_lines);

    // Bad input.
    let (s, b) = send(
        &w,
        &token,
        "getMyFeesEstimateForSKU",
        Method::POST,
        &sku_path("NO-SUCH-SKU"),
        json!({"FeesEstimateRequest": request(24.5, 0.0, None, "x")}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["FeesEstimateResult"]["Status"], "ClientError");
    let mut wrong_currency = request(24.5, 0.0, None, "x");
    wrong_currency["PriceToEstimateFees"]["ListingPrice"]["CurrencyCode"] = json!("EUR");
    let (s, b) = send(
        &w,
        &token,
        "getMyFeesEstimateForSKU",
        Method::POST,
        &sku_path("LINEN-FBA"),
        json!({"FeesEstimateRequest": wrong_currency}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["FeesEstimateResult"]["Status"], "ClientError");
    let mut unknown_mp = request(24.5, 0.0, None, "x");
    unknown_mp["MarketplaceId"] = json!("NOPE");
    for (body, message) in [
        (
            json!({"FeesEstimateRequest": unknown_mp}),
            Some("Incorrect Marketplace identifier."),
        ),
        (json!({}), None),
        (
            json!({"FeesEstimateRequest": {"MarketplaceId": US, "Identifier": "x"}}),
            None,
        ),
    ] {
        let (s, b) = send(
            &w,
            &token,
            "getMyFeesEstimateForSKU",
            Method::POST,
            &sku_path("LINEN-FBA"),
            body.clone(),
        )
        .await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["errors"][0]["code"], "InvalidInput", "{b}");
        if let Some(m) = message {
            assert_eq!(b["errors"][0]["message"], m);
        }
    }
}

#[tokio::test]
async fn fee_estimates_add_up_for_fba_and_mfn_skus() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn fee_estimates_add_up_for_fba_and_mfn_skus_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
