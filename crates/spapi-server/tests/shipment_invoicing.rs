//! Shipment Invoicing v0 over real HTTP, for a Brazilian seller with order history: shipment
//! details (buyer data only with an RDT), submitInvoice checked at once (base64, MD5, state)
//! and against the shipment on the clock (Processing -> Accepted / Errored), the accepted NF-e
//! showing in the Invoices API, and an InvoiceUnconfirmed order becoming Shipped. Another
//! seller sees none of it. Every answer is checked against the model. SQLite and PostgreSQL.

mod common;

use base64::Engine;
use common::World;
use md5::{Digest, Md5};
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::store::StoreConfig;

const MODEL: &str = "models/shipment-invoicing-api-model/shipmentInvoicingV0.json";
const INVOICES: &str = "models/invoices-api-model/InvoicesApiModel_2024-06-19.json";
const ORDERS: &str = "models/orders-api-model/ordersV0.json";
const BR: &str = "A2Q3Y263D00KWC";
const BASE: &str = "/fba/outbound/brazil/v0/shipments";

fn mod11(ds: &str, weights: &[u32]) -> u32 {
    let sum: u32 = ds
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    if sum % 11 < 2 { 0 } else { 11 - sum % 11 }
}

/// A valid access key for number `n` of series 1 by CNPJ 11222333000181.
fn key(n: u32) -> String {
    let k43 = format!("35241211222333000181550010{n:08}112345678");
    let sum: u32 = k43
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * (2 + i as u32 % 8))
        .sum();
    let dv = if sum % 11 < 2 { 0 } else { 11 - sum % 11 };
    format!("{k43}{dv}")
}

fn amount(v: &Value) -> f64 {
    v["Amount"]
        .as_str()
        .map(|a| a.parse().unwrap())
        .unwrap_or(0.0)
}

/// The seller's NF-e for a shipment, from its details; `price_delta` changes every amount.
fn nfe(details: &Value, number: u32, price_delta: f64) -> String {
    assert_eq!(
        mod11("112223330001", &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]),
        8
    );
    let cpf = details["BuyerTaxInfo"]["TaxClassifications"][0]["Value"]
        .as_str()
        .unwrap();
    let mut det = String::new();
    let mut total = 0.0;
    for (i, it) in details["ShipmentItems"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let price = amount(&it["ItemPrice"]) + price_delta;
        total += price + amount(&it["ShippingPrice"])
            - amount(&it["PromotionDiscount"])
            - amount(&it["ShippingDiscount"]);
        det.push_str(&format!(
            "<det nItem=\"{}\"><prod><cProd>{}</cProd><xProd>x</xProd><CFOP>6108</CFOP>\
             <qCom>{}.0000</qCom><vProd>{price:.2}</vProd></prod></det>",
            i + 1,
            it["SellerSKU"].as_str().unwrap(),
            it["QuantityOrdered"].as_f64().unwrap() as i64,
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><NFe xmlns=\"http://www.portalfiscal.inf.br/nfe\">\
         <infNFe Id=\"NFe{k}\" versao=\"4.00\"><ide><mod>55</mod><serie>1</serie><nNF>{number}</nNF></ide>\
         <emit><CNPJ>11222333000181</CNPJ><xNome>Loja &amp; Cia</xNome></emit>\
         <dest><CPF>{cpf}</CPF></dest>{det}<total><ICMSTot><vNF>{total:.2}</vNF></ICMSTot></total>\
         </infNFe></NFe>",
        k = key(number)
    )
}

fn body(xml: &str) -> Value {
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"InvoiceContent": b64.encode(xml), "MarketplaceId": BR,
        "ContentMD5Value": b64.encode(Md5::digest(xml.as_bytes()))})
}

async fn status(w: &World, token: &str, id: &str) -> (u16, Value) {
    w.call(
        MODEL,
        "getInvoiceStatus",
        token,
        Method::GET,
        &format!("{BASE}/{id}/invoice/status"),
        None,
    )
    .await
}

async fn submit(w: &World, token: &str, id: &str, body: Value) -> (u16, Value) {
    w.call(
        MODEL,
        "submitInvoice",
        token,
        Method::POST,
        &format!("{BASE}/{id}/invoice"),
        Some(body),
    )
    .await
}

async fn details(w: &World, token: &str, id: &str) -> (u16, Value) {
    w.call(
        MODEL,
        "getShipmentDetails",
        token,
        Method::GET,
        &format!("{BASE}/{id}"),
        None,
    )
    .await
}

async fn rdt(w: &World, token: &str, id: &str) -> String {
    let resp = w
        .http
        .post(format!("{}/tokens/2021-03-01/restrictedDataToken", w.base))
        .header("x-amz-access-token", token)
        .json(&json!({"restrictedResources": [{"method": "GET", "path": format!("{BASE}/{id}")}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let b: Value = resp.json().await.unwrap();
    b["restrictedDataToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{b}"))
        .to_string()
}

fn invoice_status(b: &Value) -> &str {
    b["payload"]["Shipments"]["InvoiceStatus"]
        .as_str()
        .unwrap_or_else(|| panic!("{b}"))
}

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let (br_id, token) = w.other_seller("NA", &[BR]).await;
    let (_, other) = w.other_seller("NA", &[BR]).await;
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{br_id}/world"),
            Some(json!({"seed": 5, "products": 16, "days": 20, "orders_per_day": 12})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, list) = w
        .control(
            Method::GET,
            &format!("/sellers/{br_id}/brazil-shipments"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{list}");
    let shipments = list["shipments"].as_array().unwrap();
    let find = |channel: &str, status: &str| {
        shipments
            .iter()
            .find(|s| s["fulfillment_channel"] == channel && s["order_status"] == status)
            .unwrap_or_else(|| panic!("a {channel} {status} shipment in {list}"))
            .clone()
    };
    let fba = find("AFN", "Shipped");
    let unconfirmed = find("MFN", "InvoiceUnconfirmed");
    let fba_id = fba["amazon_shipment_id"].as_str().unwrap();
    let mfn_id = unconfirmed["amazon_shipment_id"].as_str().unwrap();
    let mfn_order = unconfirmed["amazon_order_id"].as_str().unwrap();

    // Details: without an RDT no buyer data; with one, the buyer's CPF.
    let (s, plain) = details(&w, &token, fba_id).await;
    assert_eq!(s, 200, "{plain}");
    let p = &plain["payload"];
    assert_eq!(p["AmazonShipmentId"], fba_id);
    assert_eq!(p["AmazonOrderId"], fba["amazon_order_id"]);
    assert_eq!(p["MarketplaceId"], BR);
    assert!(
        p.get("BuyerTaxInfo").is_none() && p.get("BuyerName").is_none(),
        "{p}"
    );
    assert!(!p["ShipmentItems"].as_array().unwrap().is_empty());
    let fba_rdt = rdt(&w, &token, fba_id).await;
    let (s, full) = details(&w, &fba_rdt, fba_id).await;
    assert_eq!(s, 200, "{full}");
    let fba_details = full["payload"].clone();
    let cpf = fba_details["BuyerTaxInfo"]["TaxClassifications"][0]["Value"]
        .as_str()
        .unwrap();
    assert_eq!(cpf.len(), 11);
    assert_eq!(
        mod11(&cpf[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]),
        u32::from(cpf.as_bytes()[9] - b'0')
    );
    let mfn_rdt = rdt(&w, &token, mfn_id).await;
    let (s, full) = details(&w, &mfn_rdt, mfn_id).await;
    assert_eq!(s, 200, "{full}");
    let mfn_details = full["payload"].clone();

    // Bad shipments.
    let (s, e) = details(&w, &token, "BadShipId").await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["errors"][0]["message"], "Invalid Shipment ID");
    let (s, e) = details(&w, &other, fba_id).await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = status(&w, &other, fba_id).await;
    assert_eq!(s, 404, "{e}");
    let (s, e) = submit(&w, &other, fba_id, body(&nfe(&fba_details, 1, 0.0))).await;
    assert_eq!(s, 404, "{e}");

    // Nothing submitted yet.
    let (s, b) = status(&w, &token, fba_id).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(invoice_status(&b), "NotFound");

    // Refused at once: not base64, a wrong MD5, another marketplace.
    let mut bad = body(&nfe(&fba_details, 1, 0.0));
    bad["InvoiceContent"] = json!("%%% not base64 %%%");
    let (s, e) = submit(&w, &token, fba_id, bad).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("InvoiceContent"), "{e}");
    let mut bad = body(&nfe(&fba_details, 1, 0.0));
    bad["ContentMD5Value"] = json!("AAAAAAAAAAAAAAAAAAAAAA==");
    let (s, e) = submit(&w, &token, fba_id, bad).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("ContentMD5Value"), "{e}");
    let mut bad = body(&nfe(&fba_details, 1, 0.0));
    bad["MarketplaceId"] = json!("ATVPDKIKX0DER");
    let (s, e) = submit(&w, &token, fba_id, bad).await;
    assert_eq!(s, 400, "{e}");

    // An NF-e whose amounts differ: Processing, then Errored on the clock.
    let (s, b) = submit(&w, &token, fba_id, body(&nfe(&fba_details, 1, 1.0))).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b, json!({}));
    let (_, b) = status(&w, &token, fba_id).await;
    assert_eq!(invoice_status(&b), "Processing");
    let (s, e) = submit(&w, &token, fba_id, body(&nfe(&fba_details, 1, 0.0))).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("being processed"), "{e}");
    w.advance(121.0).await;
    let (_, b) = status(&w, &token, fba_id).await;
    assert_eq!(invoice_status(&b), "Errored");
    let (_, list) = w
        .control(
            Method::GET,
            &format!("/sellers/{br_id}/brazil-shipments"),
            None,
        )
        .await;
    let row = list["shipments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["amazon_shipment_id"] == fba_id)
        .unwrap()
        .clone();
    assert!(row["invoice_errors"].to_string().contains("vProd"), "{row}");

    // A corrected NF-e is accepted, and becomes the order's invoice with its own number.
    let (s, b) = submit(&w, &token, fba_id, body(&nfe(&fba_details, 4242, 0.0))).await;
    assert_eq!(s, 200, "{b}");
    w.advance(121.0).await;
    let (_, b) = status(&w, &token, fba_id).await;
    assert_eq!(invoice_status(&b), "Accepted");
    let (s, e) = submit(&w, &token, fba_id, body(&nfe(&fba_details, 4243, 0.0))).await;
    assert_eq!(s, 400, "{e}");
    assert!(e.to_string().contains("already accepted"), "{e}");
    let order_id = fba["amazon_order_id"].as_str().unwrap();
    let (s, inv) = w
        .call(
            INVOICES,
            "getInvoices",
            &token,
            Method::GET,
            &format!(
                "/tax/invoices/2024-06-19/invoices?marketplaceId={BR}&transactionIdentifierName=ORDER_ID&transactionIdentifierId={order_id}&dateStart=2000-01-01T00:00:00Z"
            ),
            None,
        )
        .await;
    assert_eq!(s, 200, "{inv}");
    let invoices = inv["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 1, "{inv}");
    assert_eq!(invoices[0]["externalInvoiceId"], "4242");
    assert_eq!(invoices[0]["series"], "1");
    assert_eq!(invoices[0]["status"], "AUTHORIZED");

    // The unconfirmed seller-fulfilled order: a wrong buyer CPF errs, the right NF-e confirms it.
    let mut wrong = mfn_details.clone();
    wrong["BuyerTaxInfo"]["TaxClassifications"][0]["Value"] = json!("11144477735");
    let (s, b) = submit(&w, &token, mfn_id, body(&nfe(&wrong, 77, 0.0))).await;
    assert_eq!(s, 200, "{b}");
    w.advance(121.0).await;
    let (_, b) = status(&w, &token, mfn_id).await;
    assert_eq!(invoice_status(&b), "Errored");
    let get_order = || async {
        let (s, o) = w
            .call(
                ORDERS,
                "getOrder",
                &token,
                Method::GET,
                &format!("/orders/v0/orders/{mfn_order}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{o}");
        o["payload"].clone()
    };
    let o = get_order().await;
    assert_eq!(o["OrderStatus"], "InvoiceUnconfirmed");
    assert_eq!(o["ElectronicInvoiceStatus"], "Errored");
    let (s, b) = submit(&w, &token, mfn_id, body(&nfe(&mfn_details, 78, 0.0))).await;
    assert_eq!(s, 200, "{b}");
    w.advance(121.0).await;
    let (_, b) = status(&w, &token, mfn_id).await;
    assert_eq!(invoice_status(&b), "Accepted");
    let o = get_order().await;
    assert_eq!(o["OrderStatus"], "Shipped");
    assert_eq!(o["ElectronicInvoiceStatus"], "Accepted");
    // Confirmed, it is no longer a shipment waiting for its invoice.
    let (s, e) = details(&w, &token, mfn_id).await;
    assert_eq!(s, 404, "{e}");
    let (s, outbox) = w.control(Method::GET, "/outbox", None).await;
    assert_eq!(s, 200, "{outbox}");
    assert!(
        outbox.to_string().contains("InvoiceConfirmed"),
        "an ORDER_CHANGE for the confirmation"
    );
}

#[tokio::test]
async fn shipment_invoices_checked_on_the_clock() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn shipment_invoices_checked_on_the_clock_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
