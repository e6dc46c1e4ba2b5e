//! Finances over real HTTP: orders placed through the control plane ship (FBA by the clock,
//! MFN by confirmShipment), each shipment posts a ShipmentEvent whose fees are those
//! getMyFeesEstimateForSKU gives for the SKU at the price of the sale, the settlement group
//! holds the sum of its events and closes after its 14 days, and bad windows answer 400.
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
const ORDERS: &str = "models/orders-api-model/ordersV0.json";
const FINANCES: &str = "models/finances-api-model/financesV0.json";
const FINANCES_2024: &str = "models/finances-api-model/finances_2024-06-19.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const EAN: &str = "4006381333986";

async fn send(
    w: &World,
    token: &str,
    (model, op): (&str, &str),
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = w
        .http
        .request(method, format!("{}{path}", w.base))
        .header("x-amz-access-token", token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, &body);
    }
    (status, body)
}

async fn get(w: &World, token: &str, op: &str, path: &str) -> (u16, Value) {
    send(w, token, (FINANCES, op), Method::GET, path, None).await
}

/// A SHIRT listing at `price`: FBA with a 6 oz small standard package, or MFN with 5 units.
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

fn cents(v: &Value, key: &str) -> i64 {
    (v[key].as_f64().unwrap_or_else(|| panic!("{key} in {v}")) * 100.0).round() as i64
}

/// The fee lines (type, cents) of getMyFeesEstimateForSKU for one unit.
async fn estimate(w: &World, token: &str, sku: &str, price: f64, ship: f64) -> Vec<(String, i64)> {
    let (s, b) = send(
        w,
        token,
        (FEES, "getMyFeesEstimateForSKU"),
        Method::POST,
        &format!("/products/fees/v0/listings/{sku}/feesEstimate"),
        Some(json!({"FeesEstimateRequest": {
            "MarketplaceId": US,
            "PriceToEstimateFees": {
                "ListingPrice": {"CurrencyCode": "USD", "Amount": price},
                "Shipping": {"CurrencyCode": "USD", "Amount": ship},
            },
            "Identifier": sku,
        }})),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["payload"]["FeesEstimateResult"]["FeesEstimate"]["FeeDetailList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["FeeType"].as_str().unwrap().to_string(),
                (l["FinalFee"]["Amount"].as_f64().unwrap() * 100.0).round() as i64,
            )
        })
        .collect()
}

fn fee_of(lines: &[(String, i64)], kind: &str) -> i64 {
    lines.iter().find(|l| l.0 == kind).map(|l| l.1).unwrap()
}

/// The sum of every amount of a ShipmentEvent (cents) and its fees by type.
fn event_sum(e: &Value) -> (i64, Vec<(String, i64)>) {
    let mut sum = 0;
    let mut fees = vec![];
    for item in e["ShipmentItemList"].as_array().unwrap() {
        for c in item["ItemChargeList"].as_array().unwrap() {
            assert_eq!(c["ChargeAmount"]["CurrencyCode"], "USD");
            sum += cents(&c["ChargeAmount"], "CurrencyAmount");
        }
        for f in item["ItemFeeList"].as_array().unwrap() {
            let a = cents(&f["FeeAmount"], "CurrencyAmount");
            assert!(a <= 0, "fees are charged: {f}");
            sum += a;
            fees.push((f["FeeType"].as_str().unwrap().to_string(), a));
        }
        for p in item["PromotionList"].as_array().into_iter().flatten() {
            sum += cents(&p["PromotionAmount"], "CurrencyAmount");
        }
        for t in item["ItemTaxWithheldList"].as_array().into_iter().flatten() {
            for c in t["TaxesWithheld"].as_array().unwrap() {
                sum += cents(&c["ChargeAmount"], "CurrencyAmount");
            }
        }
    }
    (sum, fees)
}

async fn place(w: &World, sku: &str, quantity: i64, prime: bool) -> (String, String) {
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/orders", w.seller_id),
            Some(json!({"marketplace_id": US, "items": [{"sku": sku, "quantity": quantity}], "prime": prime})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    (
        b["order"]["AmazonOrderId"].as_str().unwrap().to_string(),
        b["orderItems"][0]["OrderItemId"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

async fn advance(w: &World, seconds: i64) {
    let (s, b) = w
        .control(
            Method::POST,
            "/clock",
            Some(json!({"advance_seconds": seconds})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
}

async fn order_events(w: &World, token: &str, id: &str) -> Vec<Value> {
    let (s, b) = get(
        w,
        token,
        "listFinancialEventsByOrderId",
        &format!("/finances/v0/orders/{id}/financialEvents"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["payload"]["FinancialEvents"]["ShipmentEventList"]
        .as_array()
        .unwrap()
        .clone()
}

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let mut token = w.access_token().await;
    for (sku, fba) in [("LINEN-MFN", false), ("LINEN-FBA", true)] {
        let path = format!(
            "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}",
            w.seller_id
        );
        let (s, b) = send(
            &w,
            &token,
            (LISTINGS, "putListingsItem"),
            Method::PUT,
            &path,
            Some(shirt(24.5, fba)),
        )
        .await;
        assert_eq!(s, 200, "{b}");
        // The first listing's catalog item is created 10 minutes later.
        advance(&w, 660).await;
    }
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/fba-stock/LINEN-FBA/receipt", w.seller_id),
            Some(json!({"quantity": 5})),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // Nothing shipped yet: no events.
    let (mfn_id, mfn_item) = place(&w, "LINEN-MFN", 1, false).await;
    let (fba_id, _) = place(&w, "LINEN-FBA", 2, true).await;
    advance(&w, 600).await;
    assert!(order_events(&w, &token, &mfn_id).await.is_empty());

    // MFN: confirmShipment posts the event.
    let (s, b) = send(
        &w,
        &token,
        (ORDERS, "confirmShipment"),
        Method::POST,
        &format!("/orders/v0/orders/{mfn_id}/shipmentConfirmation"),
        Some(json!({"marketplaceId": US, "packageDetail": {
            "packageReferenceId": "1", "carrierCode": "UPS", "trackingNumber": "1Z999",
            "shipDate": T0, "orderItems": [{"orderItemId": mfn_item, "quantity": 1}]}})),
    )
    .await;
    assert_eq!(s, 204, "{b}");
    // FBA: Amazon ships 12 hours after the payment hold.
    advance(&w, 12 * 3600 + 300).await;
    token = w.access_token().await;

    // Each order's fees are the estimate's for its SKU at the sale's price.
    let mfn_est = estimate(&w, &token, "LINEN-MFN", 24.5, 4.99).await;
    let events = order_events(&w, &token, &mfn_id).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e["AmazonOrderId"], mfn_id.as_str());
    assert_eq!(e["MarketplaceName"], "Amazon.com");
    let item = &e["ShipmentItemList"][0];
    assert_eq!(item["SellerSKU"], "LINEN-MFN");
    assert_eq!(item["OrderItemId"], mfn_item.as_str());
    assert_eq!(item["QuantityShipped"], 1);
    let charges: Vec<(String, i64)> = item["ItemChargeList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["ChargeType"].as_str().unwrap().to_string(),
                cents(&c["ChargeAmount"], "CurrencyAmount"),
            )
        })
        .collect();
    assert_eq!(fee_of(&charges, "Principal"), 2450);
    assert_eq!(fee_of(&charges, "ShippingCharge"), 499);
    let (mfn_sum, mfn_fees) = event_sum(e);
    assert_eq!(
        fee_of(&mfn_fees, "Commission"),
        -fee_of(&mfn_est, "ReferralFee")
    );
    assert!(!mfn_fees.iter().any(|f| f.0 == "FBAPerUnitFulfillmentFee"));
    assert_eq!(mfn_sum, 2450 + 499 - fee_of(&mfn_est, "ReferralFee"));

    let fba_est = estimate(&w, &token, "LINEN-FBA", 24.5, 0.0).await;
    let events = order_events(&w, &token, &fba_id).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (fba_sum, fba_fees) = event_sum(&events[0]);
    assert_eq!(events[0]["ShipmentItemList"][0]["QuantityShipped"], 2);
    assert_eq!(
        fee_of(&fba_fees, "Commission"),
        -2 * fee_of(&fba_est, "ReferralFee")
    );
    assert_eq!(
        fee_of(&fba_fees, "FBAPerUnitFulfillmentFee"),
        -2 * fee_of(&fba_est, "FBAFees")
    );
    assert_eq!(
        fba_sum,
        2 * 2450 - 2 * (fee_of(&fba_est, "ReferralFee") + fee_of(&fba_est, "FBAFees"))
    );

    // listFinancialEvents: both, one per page through the NextToken.
    let window = format!("PostedAfter={T0}");
    let (s, b) = get(
        &w,
        &token,
        "listFinancialEvents",
        &format!("/finances/v0/financialEvents?{window}&MaxResultsPerPage=1"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let first = b["payload"]["FinancialEvents"]["ShipmentEventList"].clone();
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(first[0]["AmazonOrderId"], mfn_id.as_str(), "posting order");
    let next = b["payload"]["NextToken"].as_str().expect("a next page");
    let (s, b) = get(
        &w,
        &token,
        "listFinancialEvents",
        &format!(
            "/finances/v0/financialEvents?{window}&MaxResultsPerPage=1&NextToken={}",
            urlencoding(next)
        ),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let second = &b["payload"]["FinancialEvents"]["ShipmentEventList"];
    assert_eq!(second[0]["AmazonOrderId"], fba_id.as_str());
    assert!(b["payload"]["NextToken"].is_null(), "{b}");
    // A window before the shipments is empty.
    let (s, b) = get(
        &w,
        &token,
        "listFinancialEvents",
        "/finances/v0/financialEvents?PostedAfter=2025-05-01T00:00:00Z&PostedBefore=2025-06-01T00:00:00Z",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["payload"]["FinancialEvents"]["ShipmentEventList"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Bad windows and tokens: 400 InvalidInput.
    for query in [
        "PostedBefore=2025-06-01T13:00:00Z".to_string(),
        "PostedAfter=2025-06-01T13:00:00Z&PostedBefore=2025-06-01T12:30:00Z".to_string(),
        "PostedAfter=2025-06-01T13:00:00Z&PostedBefore=2025-06-01T13:00:00Z".to_string(),
        "PostedAfter=2030-01-01T00:00:00Z".to_string(),
        format!("PostedAfter={T0}&PostedBefore=2030-01-01T00:00:00Z"),
        format!("{window}&NextToken=garbage"),
        "PostedAfter=yesterday".to_string(),
    ] {
        let (s, b) = get(
            &w,
            &token,
            "listFinancialEvents",
            &format!("/finances/v0/financialEvents?{query}"),
        )
        .await;
        assert_eq!(s, 400, "{query}: {b}");
        assert_eq!(b["errors"][0]["code"], "InvalidInput", "{query}: {b}");
    }

    // The group: open, holding the sum of the events.
    let groups_path =
        "/finances/v0/financialEventGroups?FinancialEventGroupStartedAfter=2025-05-01T00:00:00Z";
    let (s, b) = get(&w, &token, "listFinancialEventGroups", groups_path).await;
    assert_eq!(s, 200, "{b}");
    let list = b["payload"]["FinancialEventGroupList"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{b}");
    let g = &list[0];
    assert_eq!(g["ProcessingStatus"], "Open");
    assert!(g["FundTransferStatus"].is_null());
    assert_eq!(
        cents(&g["OriginalTotal"], "CurrencyAmount"),
        mfn_sum + fba_sum
    );
    let group_id = g["FinancialEventGroupId"].as_str().unwrap().to_string();
    let (s, b) = get(
        &w,
        &token,
        "listFinancialEventsByGroupId",
        &format!("/finances/v0/financialEventGroups/{group_id}/financialEvents"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let in_group = b["payload"]["FinancialEvents"]["ShipmentEventList"]
        .as_array()
        .unwrap();
    assert_eq!(in_group.len(), 2);
    let sum: i64 = in_group.iter().map(|e| event_sum(e).0).sum();
    assert_eq!(sum, mfn_sum + fba_sum);

    // 14 days on, the group is closed and paid out.
    advance(&w, 14 * 24 * 3600).await;
    token = w.access_token().await;
    let (s, b) = get(&w, &token, "listFinancialEventGroups", groups_path).await;
    assert_eq!(s, 200, "{b}");
    let g = &b["payload"]["FinancialEventGroupList"][0];
    assert_eq!(g["ProcessingStatus"], "Closed", "{g}");
    assert_eq!(g["FundTransferStatus"], "Succeeded");
    assert!(g["FundTransferDate"].is_string());
    assert_eq!(g["FinancialEventGroupEnd"], g["FundTransferDate"]);
    assert_eq!(
        cents(&g["OriginalTotal"], "CurrencyAmount"),
        mfn_sum + fba_sum
    );
    assert_eq!(g["ConvertedTotal"], g["OriginalTotal"]);
    assert_eq!(cents(&g["BeginningBalance"], "CurrencyAmount"), 0);

    // Finances 2024-06-19 agrees with v0 to the cent.
    let tx = |query: String| {
        let (w, token) = (&w, &token);
        async move {
            send(
                w,
                token,
                (FINANCES_2024, "listTransactions"),
                Method::GET,
                &format!("/finances/2024-06-19/transactions?{query}"),
                None,
            )
            .await
        }
    };
    let (s, b) = tx(format!("postedAfter={T0}")).await;
    assert_eq!(s, 200, "{b}");
    let list = b["payload"]["transactions"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{b}");
    for (t, (id, sum)) in list.iter().zip([(&mfn_id, mfn_sum), (&fba_id, fba_sum)]) {
        assert_eq!(t["transactionType"], "Shipment");
        assert_eq!(t["transactionStatus"], "RELEASED");
        assert_eq!(
            t["relatedIdentifiers"][0]["relatedIdentifierName"],
            "ORDER_ID"
        );
        assert_eq!(
            t["relatedIdentifiers"][0]["relatedIdentifierValue"],
            id.as_str()
        );
        assert_eq!(
            t["relatedIdentifiers"][1]["relatedIdentifierValue"],
            group_id.as_str()
        );
        assert_eq!(cents(&t["totalAmount"], "currencyAmount"), sum, "{t}");
        let parts: i64 = t["breakdowns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| cents(&b["breakdownAmount"], "currencyAmount"))
            .sum();
        assert_eq!(parts, sum, "{t}");
    }
    let (s, b) = tx(format!(
        "relatedIdentifierName=ORDER_ID&relatedIdentifierValue={fba_id}"
    ))
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["transactions"].as_array().unwrap().len(), 1);
    let (s, b) = tx(format!(
        "relatedIdentifierName=FINANCIAL_EVENT_GROUP_ID&relatedIdentifierValue={group_id}"
    ))
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["transactions"].as_array().unwrap().len(), 2);
    let (s, b) = tx("marketplaceId=ATVPDKIKX0DER".into()).await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["message"], "Start date cannot be null");
    let (s, b) = tx("postedAfter=2030-01-01T00:00:00Z".into()).await;
    assert_eq!(s, 400, "{b}");

    // Balances: what the open cycle holds (the closed one was paid out), then and now.
    let call = |op: &'static str, path: String| {
        let (w, token) = (&w, &token);
        async move { send(w, token, (FINANCES_2024, op), Method::GET, &path, None).await }
    };
    let (s, b) = call(
        "listBalances",
        format!("/finances/2024-06-19/balances?marketplaceIds={US}&asOfDate=2025-06-03"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let total = &b["balances"][0];
    assert_eq!(total["balanceType"], "TOTAL", "{b}");
    assert_eq!(cents(&total["amount"], "currencyAmount"), mfn_sum + fba_sum);
    assert_eq!(total["balances"][0]["balanceType"], "AVAILABLE");
    let (s, b) = call(
        "listBalances",
        format!("/finances/2024-06-19/balances?marketplaceIds={US}"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(cents(&b["balances"][0]["amount"], "currencyAmount"), 0);
    let (s, b) = call(
        "listBalances",
        "/finances/2024-06-19/balances?marketplaceIds=NOPE".into(),
    )
    .await;
    assert_eq!(s, 400, "{b}");
    // The settlement's summary: its net proceeds are the group's total.
    let (s, b) = call(
        "listSummary",
        format!("/finances/2024-06-19/summary?marketplaceIds={US}&relatedIdentifierName=SETTLEMENT_ID&relatedIdentifierValue={group_id}"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let sum = &b["summaries"][0];
    assert_eq!(
        cents(&sum["netProceeds"], "currencyAmount"),
        mfn_sum + fba_sum,
        "{b}"
    );
    let parts: i64 = sum["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| cents(&b["breakdownAmount"], "currencyAmount"))
        .sum();
    assert_eq!(parts, mfn_sum + fba_sum);
    let (s, b) = call(
        "listSummary",
        "/finances/2024-06-19/summary?relatedIdentifierName=ORDER_ID&relatedIdentifierValue=x"
            .into(),
    )
    .await;
    assert_eq!(s, 400, "{b}");

    let (s, b) = get(
        &w,
        &token,
        "listFinancialEventGroups",
        "/finances/v0/financialEventGroups?FinancialEventGroupStartedAfter=2025-06-10T00:00:00Z&FinancialEventGroupStartedBefore=2025-06-01T00:00:00Z",
    )
    .await;
    assert_eq!(s, 400, "{b}");
}

/// Percent-encodes a token for a query string.
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn shipments_post_events_and_groups_add_up() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn shipments_post_events_and_groups_add_up_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
