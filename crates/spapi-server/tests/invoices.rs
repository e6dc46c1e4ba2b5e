//! Invoices 2024-06-19 over real HTTP, for a Brazilian seller with order history: attributes,
//! getInvoices (filters, both sort orders, paging, the 400 of a token mixed with filters),
//! getInvoice, exports on the clock down to the ZIP of NF-e XML behind the document URL, and
//! government invoices (PROCESSING -> SUCCESS / ERROR, XML and PDF documents). Another seller
//! sees none of it; errors are this API's own (`code` "400"). Every answer is checked against
//! the model. The scenario runs on SQLite and on PostgreSQL.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::store::StoreConfig;
use std::collections::HashSet;

const MODEL: &str = "models/invoices-api-model/InvoicesApiModel_2024-06-19.json";
const ORDERS: &str = "models/orders-api-model/ordersV0.json";
const BR: &str = "A2Q3Y263D00KWC";
const BASE: &str = "/tax/invoices/2024-06-19";

async fn get(w: &World, token: &str, op: &str, path: &str) -> (u16, Value) {
    w.call(MODEL, op, token, Method::GET, path, None).await
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Asserts this API's 400: `code` "400" and `details` containing `needle`.
fn bad_request(status: u16, body: &Value, needle: &str) {
    assert_eq!(status, 400, "{body}");
    let e = &body["errors"][0];
    assert_eq!(e["code"], "400", "{body}");
    assert_eq!(e["message"], "Invalid Request.", "{body}");
    assert!(
        e["details"].as_str().unwrap_or("").contains(needle),
        "{needle:?} not in {body}"
    );
}

fn not_found(status: u16, body: &Value) {
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["errors"][0]["code"], "404", "{body}");
}

fn mod11(ds: &str, weights: &[u32]) -> u32 {
    let sum: u32 = ds
        .bytes()
        .zip(weights)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    if sum % 11 < 2 { 0 } else { 11 - sum % 11 }
}

fn cnpj_ok(s: &str) -> bool {
    s.len() == 14
        && mod11(&s[..12], &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
            == u32::from(s.as_bytes()[12] - b'0')
        && mod11(&s[..13], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
            == u32::from(s.as_bytes()[13] - b'0')
}

fn key_ok(k: &str) -> bool {
    if k.len() != 44 || !k.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = k[..43]
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * (2 + i as u32 % 8))
        .sum();
    let dv = if sum % 11 < 2 { 0 } else { 11 - sum % 11 };
    dv == u32::from(k.as_bytes()[43] - b'0')
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    s.split(open)
        .skip(1)
        .filter_map(|p| p.split(close).next())
        .collect()
}

/// The files of a ZIP of stored entries (checking each CRC-32 and the central directory).
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
    let eocd = bytes.len() - 22;
    assert_eq!(u32_at(eocd), 0x0605_4b50, "no end of central directory");
    let entries = u16_at(eocd + 10);
    let mut files = Vec::new();
    let mut at = 0;
    while u32_at(at) == 0x0403_4b50 {
        assert_eq!(u16_at(at + 8), 0, "stored entries only");
        let crc = u32_at(at + 14);
        let size = u32_at(at + 18) as usize;
        let name_len = u16_at(at + 26);
        let extra = u16_at(at + 28);
        let name = String::from_utf8(bytes[at + 30..at + 30 + name_len].to_vec()).unwrap();
        let start = at + 30 + name_len + extra;
        let data = &bytes[start..start + size];
        let mut c = flate2::Crc::new();
        c.update(data);
        assert_eq!(c.sum(), crc, "CRC of {name}");
        files.push((name, String::from_utf8(data.to_vec()).unwrap()));
        at = start + size;
    }
    assert_eq!(files.len(), entries);
    if !files.is_empty() {
        assert_eq!(
            u32_at(at),
            0x0201_4b50,
            "central directory follows the files"
        );
    }
    files
}

/// Every invoice of a search, page by page (asserting the order and no repeats).
async fn all_invoices(w: &World, token: &str, query: &str, ascending: bool) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let (s, mut page) = get(w, token, "getInvoices", &format!("{BASE}/invoices?{query}")).await;
    assert_eq!(s, 200, "{page}");
    loop {
        out.extend(page["invoices"].as_array().unwrap().iter().cloned());
        let Some(t) = page["nextToken"].as_str() else {
            break;
        };
        let (s, next) = get(
            w,
            token,
            "getInvoices",
            &format!("{BASE}/invoices?marketplaceId={BR}&nextToken={}", enc(t)),
        )
        .await;
        assert_eq!(s, 200, "{next}");
        page = next;
    }
    let dates: Vec<&str> = out.iter().map(|i| i["date"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    if !ascending {
        sorted.reverse();
    }
    assert_eq!(dates, sorted, "invoices in date order");
    let ids: HashSet<&str> = out.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), out.len(), "no invoice twice");
    out
}

fn tid<'a>(inv: &'a Value, name: &str) -> &'a str {
    inv["transactionIds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["id"].as_str())
        .unwrap()
}

async fn download(w: &World, url: &str) -> Vec<u8> {
    let resp = w.http.get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap().to_vec()
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
            Some(json!({"seed": 11, "products": 16, "days": 20, "orders_per_day": 12})),
        )
        .await;
    assert_eq!(s, 201, "{b}");

    // Attributes.
    let (s, b) = get(
        &w,
        &token,
        "getInvoicesAttributes",
        &format!("{BASE}/attributes?marketplaceId={BR}"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let values = |k: &str| -> Vec<String> {
        b["invoicesAttributes"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        values("invoiceStatusOptions"),
        ["AUTHORIZED", "REJECTED", "CANCELED"]
    );
    assert!(values("transactionIdentifierNameOptions").contains(&"ORDER_ID".to_string()));
    // The pipeline's parameter errors and the world's refusals speak this API's family.
    let (s, e) = get(
        &w,
        &token,
        "getInvoicesAttributes",
        &format!("{BASE}/attributes?marketplaceId=ATVPDKIKX0DER"),
    )
    .await;
    bad_request(s, &e, "Brazil");
    let (s, e) = get(
        &w,
        &token,
        "getInvoicesAttributes",
        &format!("{BASE}/attributes"),
    )
    .await;
    bad_request(s, &e, "marketplaceId");

    // Every invoice of the last 25 days, newest first in pages of 7, then oldest first.
    let start = "2000-01-01T00:00:00Z";
    let desc = all_invoices(
        &w,
        &token,
        &format!("marketplaceId={BR}&dateStart={start}&pageSize=7"),
        false,
    )
    .await;
    assert!(desc.len() > 14, "several pages: {}", desc.len());
    let asc = all_invoices(
        &w,
        &token,
        &format!(
            "marketplaceId={BR}&dateStart={start}&pageSize=200&sortOrder=ASC&sortBy=START_DATE_TIME"
        ),
        true,
    )
    .await;
    assert_eq!(asc.len(), desc.len());
    // The default window is the last 24 hours.
    let (s, recent) = get(
        &w,
        &token,
        "getInvoices",
        &format!("{BASE}/invoices?marketplaceId={BR}&pageSize=200"),
    )
    .await;
    assert_eq!(s, 200, "{recent}");
    assert!(recent["invoices"].as_array().unwrap().len() < desc.len());

    // Invoices agree with the orders: each names its order, whose invoice status says the same.
    let mut seen_afn = false;
    let mut seen_mfn = false;
    for inv in desc.iter().take(40) {
        assert_eq!(inv["invoiceType"], "CUSTOMER_SALES");
        assert_eq!(inv["transactionType"], "CUSTOMER_SALES");
        let order_id = tid(inv, "ORDER_ID");
        let (s, o) = w
            .call(
                ORDERS,
                "getOrder",
                &token,
                Method::GET,
                &format!("/orders/v0/orders/{order_id}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{o}");
        let o = &o["payload"];
        match o["FulfillmentChannel"].as_str().unwrap() {
            "AFN" => {
                seen_afn = true;
                assert_eq!(o["OrderStatus"], "Shipped");
                assert_eq!(inv["series"], "2");
                assert_eq!(inv["status"], "AUTHORIZED");
            }
            _ => {
                seen_mfn = true;
                assert_eq!(inv["series"], "1");
                let expected = match o["ElectronicInvoiceStatus"].as_str().unwrap() {
                    "Accepted" => "AUTHORIZED",
                    "Errored" => "REJECTED",
                    other => panic!("an invoice for an order whose invoice is {other}"),
                };
                assert_eq!(inv["status"], expected, "{inv}");
                if expected == "REJECTED" {
                    assert_ne!(inv["errorCode"], "");
                }
            }
        }
    }
    assert!(seen_afn && seen_mfn, "FBA and seller-fulfilled invoices");

    // Filters.
    let only = |q: &str| format!("marketplaceId={BR}&dateStart={start}&pageSize=200&{q}");
    let fba = all_invoices(&w, &token, &only("series=2"), false).await;
    assert!(!fba.is_empty() && fba.len() < desc.len());
    assert!(fba.iter().all(|i| i["series"] == "2"));
    let authorized = all_invoices(&w, &token, &only("statuses=AUTHORIZED"), false).await;
    let rejected = all_invoices(&w, &token, &only("statuses=REJECTED"), false).await;
    assert!(authorized.iter().all(|i| i["status"] == "AUTHORIZED"));
    assert!(rejected.iter().all(|i| i["status"] == "REJECTED"));
    assert_eq!(authorized.len() + rejected.len(), desc.len());
    let both = all_invoices(&w, &token, &only("statuses=AUTHORIZED,REJECTED"), false).await;
    assert_eq!(both.len(), desc.len());
    let pick = &desc[3];
    for (name, q) in [
        ("ORDER_ID", tid(pick, "ORDER_ID")),
        ("SHIPMENT_ID", tid(pick, "SHIPMENT_ID")),
        (
            "BUSINESS_TRANSACTION_ID",
            tid(pick, "BUSINESS_TRANSACTION_ID"),
        ),
    ] {
        let found = all_invoices(
            &w,
            &token,
            &only(&format!(
                "transactionIdentifierName={name}&transactionIdentifierId={q}"
            )),
            false,
        )
        .await;
        assert_eq!(found, vec![pick.clone()], "{name}");
    }
    let by_number = all_invoices(
        &w,
        &token,
        &only(&format!(
            "externalInvoiceId={}&series={}",
            pick["externalInvoiceId"].as_str().unwrap(),
            pick["series"].as_str().unwrap()
        )),
        false,
    )
    .await;
    assert_eq!(by_number, vec![pick.clone()]);
    let none = all_invoices(&w, &token, &only("invoiceType=REMITTANCE"), false).await;
    assert!(none.is_empty());

    // Bad searches.
    let (s, first) = get(
        &w,
        &token,
        "getInvoices",
        &format!(
            "{BASE}/invoices?{}",
            only("pageSize=2").replace("pageSize=200&", "")
        ),
    )
    .await;
    assert_eq!(s, 200, "{first}");
    let t = enc(first["nextToken"].as_str().unwrap());
    for extra in [
        "statuses=REJECTED",
        "series=1",
        "pageSize=3",
        "sortOrder=ASC",
    ] {
        let (s, e) = get(
            &w,
            &token,
            "getInvoices",
            &format!("{BASE}/invoices?marketplaceId={BR}&nextToken={t}&{extra}"),
        )
        .await;
        bad_request(s, &e, "Specifying nextToken with any other parameters");
    }
    for (q, needle) in [
        ("statuses=PAID", "statuses"),
        (
            "transactionIdentifierName=ORDER_ID",
            "transactionIdentifierId",
        ),
        ("transactionIdentifierId=x", "transactionIdentifierName"),
        (
            "transactionIdentifierName=NOPE&transactionIdentifierId=x",
            "transactionIdentifierName",
        ),
        ("pageSize=0", "pageSize"),
        ("pageSize=201", "pageSize"),
        ("dateStart=yesterday", "dateStart"),
        (
            "dateStart=2030-01-01T00:00:00Z&dateEnd=2029-01-01T00:00:00Z",
            "dateStart",
        ),
        ("nextToken=garbage", "decode"),
        ("sortOrder=UP", "sortOrder"),
    ] {
        let (s, e) = get(
            &w,
            &token,
            "getInvoices",
            &format!("{BASE}/invoices?marketplaceId={BR}&{q}"),
        )
        .await;
        assert_eq!(s, 400, "{q}: {e}");
        assert_eq!(e["errors"][0]["code"], "400", "{q}: {e}");
        let text = e.to_string();
        assert!(text.contains(needle), "{q}: {needle} not in {e}");
    }
    // Another seller's token is no token for this search.
    let (s, e) = get(
        &w,
        &other,
        "getInvoices",
        &format!("{BASE}/invoices?marketplaceId={BR}&nextToken={t}"),
    )
    .await;
    bad_request(s, &e, "decode");

    // getInvoice.
    let id = pick["id"].as_str().unwrap();
    let (s, b) = get(
        &w,
        &token,
        "getInvoice",
        &format!("{BASE}/invoices/{id}?marketplaceId={BR}"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(&b["invoice"], pick);
    let (s, e) = get(
        &w,
        &other,
        "getInvoice",
        &format!("{BASE}/invoices/{id}?marketplaceId={BR}"),
    )
    .await;
    not_found(s, &e);
    let (s, e) = get(
        &w,
        &token,
        "getInvoice",
        &format!("{BASE}/invoices/not-an-invoice?marketplaceId={BR}"),
    )
    .await;
    not_found(s, &e);
    let (s, e) = get(&w, &token, "getInvoice", &format!("{BASE}/invoices/{id}")).await;
    bad_request(s, &e, "marketplaceId");

    // An export of the authorized invoices: REQUESTED -> PROCESSING -> DONE on the clock.
    let (s, b) = w
        .call(
            MODEL,
            "createInvoicesExport",
            &token,
            Method::POST,
            &format!("{BASE}/exports"),
            Some(
                json!({"marketplaceId": BR, "dateStart": start, "fileFormat": "XML",
                "statuses": ["AUTHORIZED"]}),
            ),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let export_id = b["exportId"].as_str().unwrap().to_string();
    let export = |token: String| {
        let w = &w;
        let export_id = export_id.clone();
        async move {
            get(
                w,
                &token,
                "getInvoicesExport",
                &format!("{BASE}/exports/{export_id}"),
            )
            .await
        }
    };
    let (s, b) = export(token.clone()).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["export"]["status"], "REQUESTED");
    assert_eq!(b["export"]["invoicesDocumentIds"], json!([]));
    w.advance(3.0).await;
    let (_, b) = export(token.clone()).await;
    assert_eq!(b["export"]["status"], "PROCESSING");
    assert!(b["export"]["generateExportStartedAt"].is_string());
    w.advance(11.0).await;
    let (_, b) = export(token.clone()).await;
    assert_eq!(b["export"]["status"], "DONE", "{b}");
    assert!(b["export"]["generateExportFinishedAt"].is_string());
    let docs = b["export"]["invoicesDocumentIds"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(docs.len(), 1);
    let doc_id = docs[0].as_str().unwrap();
    let (s, e) = export(other.clone()).await;
    not_found(s, &e);

    let (s, d) = get(
        &w,
        &token,
        "getInvoicesDocument",
        &format!("{BASE}/documents/{doc_id}"),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["invoicesDocument"]["invoicesDocumentId"], doc_id);
    let zip = download(
        &w,
        d["invoicesDocument"]["invoicesDocumentUrl"]
            .as_str()
            .unwrap(),
    )
    .await;
    let files = unzip(&zip);
    assert_eq!(
        files.len(),
        authorized.len(),
        "one NF-e per authorized invoice"
    );
    let numbers: HashSet<String> = authorized
        .iter()
        .map(|i| i["externalInvoiceId"].as_str().unwrap().to_string())
        .collect();
    for (name, xml) in &files {
        let key = &between(xml, "<chNFe>", "</chNFe>")[0];
        assert!(key_ok(key), "access key {key}");
        assert_eq!(name, &format!("{key}-nfe.xml"));
        assert!(xml.contains(&format!("Id=\"NFe{key}\"")));
        let cnpj = between(xml, "<CNPJ>", "</CNPJ>")[0];
        assert!(cnpj_ok(cnpj), "emitter CNPJ {cnpj}");
        assert!(numbers.contains(between(xml, "<nNF>", "</nNF>")[0]));
        assert_eq!(between(xml, "<cStat>", "</cStat>"), ["100"]);
        for tax in ["<vICMS>", "<vPIS>", "<vCOFINS>", "<vIPI>", "<CFOP>"] {
            assert!(xml.contains(tax), "{tax} in {name}");
        }
    }
    let (s, e) = get(
        &w,
        &other,
        "getInvoicesDocument",
        &format!("{BASE}/documents/{doc_id}"),
    )
    .await;
    not_found(s, &e);
    let (s, e) = get(
        &w,
        &token,
        "getInvoicesDocument",
        &format!("{BASE}/documents/nope"),
    )
    .await;
    not_found(s, &e);

    // A second export, then the list: newest first, pages of one, the status filter.
    let (s, b) = w
        .call(
            MODEL,
            "createInvoicesExport",
            &token,
            Method::POST,
            &format!("{BASE}/exports"),
            Some(json!({"marketplaceId": BR, "dateStart": "2020-01-01", "dateEnd": "2020-01-02"})),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let second = b["exportId"].as_str().unwrap().to_string();
    let (s, b) = get(
        &w,
        &token,
        "getInvoicesExports",
        &format!("{BASE}/exports?marketplaceId={BR}&pageSize=1"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["exports"][0]["exportId"], second.as_str());
    let t = enc(b["nextToken"].as_str().unwrap());
    let (s, b2) = get(
        &w,
        &token,
        "getInvoicesExports",
        &format!("{BASE}/exports?marketplaceId={BR}&nextToken={t}"),
    )
    .await;
    assert_eq!(s, 200, "{b2}");
    assert_eq!(b2["exports"][0]["exportId"], export_id.as_str());
    assert!(b2.get("nextToken").is_none(), "{b2}");
    let (s, e) = get(
        &w,
        &token,
        "getInvoicesExports",
        &format!("{BASE}/exports?marketplaceId={BR}&nextToken={t}&status=DONE"),
    )
    .await;
    bad_request(s, &e, "Specifying nextToken with any other parameters");
    let (s, b) = get(
        &w,
        &token,
        "getInvoicesExports",
        &format!("{BASE}/exports?marketplaceId={BR}&status=DONE"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let done: Vec<&str> = b["exports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["exportId"].as_str().unwrap())
        .collect();
    assert_eq!(done, [export_id.as_str()]);
    // The export of a window without invoices is an archive without files.
    w.advance(15.0).await;
    let (_, b) = get(
        &w,
        &token,
        "getInvoicesExport",
        &format!("{BASE}/exports/{second}"),
    )
    .await;
    assert_eq!(b["export"]["status"], "DONE", "{b}");
    let doc = b["export"]["invoicesDocumentIds"][0].as_str().unwrap();
    let (_, d) = get(
        &w,
        &token,
        "getInvoicesDocument",
        &format!("{BASE}/documents/{doc}"),
    )
    .await;
    let zip = download(
        &w,
        d["invoicesDocument"]["invoicesDocumentUrl"]
            .as_str()
            .unwrap(),
    )
    .await;
    assert!(unzip(&zip).is_empty());
    let (s, b) = get(
        &w,
        &other,
        "getInvoicesExports",
        &format!("{BASE}/exports?marketplaceId={BR}"),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["exports"], json!([]));
    for (body, needle) in [
        (json!({}), "marketplaceId"),
        (json!({"marketplaceId": "ATVPDKIKX0DER"}), "Brazil"),
        (
            json!({"marketplaceId": BR, "fileFormat": "PDF"}),
            "fileFormat",
        ),
        (json!({"marketplaceId": BR, "statuses": []}), "statuses"),
        (
            json!({"marketplaceId": BR, "dateStart": "soon"}),
            "dateStart",
        ),
        (json!({"marketplaceId": 5}), "marketplaceId"),
    ] {
        let (s, e) = w
            .call(
                MODEL,
                "createInvoicesExport",
                &token,
                Method::POST,
                &format!("{BASE}/exports"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, 400, "{body}: {e}");
        assert_eq!(e["errors"][0]["code"], "400", "{body}: {e}");
        assert!(e.to_string().contains(needle), "{needle} not in {e}");
    }
    let (s, e) = get(
        &w,
        &token,
        "getInvoicesExport",
        &format!("{BASE}/exports/nope"),
    )
    .await;
    not_found(s, &e);

    // Government invoices of an inbound shipment.
    let gov = |shipment: &str, plate: &str| {
        json!({"marketplaceId": BR, "transactionType": "INBOUND_SHIPMENT",
            "invoiceType": "REMITTANCE", "shipmentId": shipment, "inboundPlanId": "wf-1",
            "contexts": [{"contextType": "CarrierDetailsContext", "name": "Transportes Rapidos",
                "federalTaxId": "11.222.333/0001-81", "regionCode": "SP",
                "vehicleLicensePlate": plate, "vehicleRegistrationRegionCode": "SP"}]})
    };
    let gov_query = |shipment: &str| {
        format!(
            "marketplaceId={BR}&transactionType=INBOUND_SHIPMENT&invoiceType=REMITTANCE&shipmentId={shipment}"
        )
    };
    let create_gov = |body: Value, token: String| {
        let w = &w;
        async move {
            w.call(
                MODEL,
                "createGovernmentInvoice",
                &token,
                Method::POST,
                &format!("{BASE}/governmentInvoiceRequests"),
                Some(body),
            )
            .await
        }
    };
    let (s, b) = create_gov(gov("sh-1", "ABC1D23"), token.clone()).await;
    assert_eq!(s, 204, "{b}");
    let (s, e) = create_gov(gov("sh-1", "ABC1D23"), token.clone()).await;
    bad_request(s, &e, "being processed");
    let (s, b) = get(
        &w,
        &token,
        "getGovernmentInvoiceStatus",
        &format!("{BASE}/governmentInvoiceRequests?{}", gov_query("sh-1")),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["status"], "PROCESSING");
    let (s, e) = get(
        &w,
        &token,
        "getGovernmentInvoiceDocument",
        &format!(
            "{BASE}/governmentInvoiceRequests/sh-1?{}",
            gov_query("sh-1")
        ),
    )
    .await;
    bad_request(s, &e, "PROCESSING");
    let (s, b) = create_gov(gov("sh-2", "BAD-PLATE"), token.clone()).await;
    assert_eq!(s, 204, "{b}");
    w.advance(31.0).await;
    let (_, b) = get(
        &w,
        &token,
        "getGovernmentInvoiceStatus",
        &format!("{BASE}/governmentInvoiceRequests?{}", gov_query("sh-1")),
    )
    .await;
    assert_eq!(b["status"], "SUCCESS", "{b}");
    let key = b["invoiceExternalDocumentId"].as_str().unwrap().to_string();
    assert!(key_ok(&key), "{key}");
    let (s, b) = get(
        &w,
        &token,
        "getGovernmentInvoiceDocument",
        &format!(
            "{BASE}/governmentInvoiceRequests/sh-1?{}",
            gov_query("sh-1")
        ),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let xml = download(
        &w,
        b["invoiceDocument"]["invoiceDocumentUrl"].as_str().unwrap(),
    )
    .await;
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains(&format!("<chNFe>{key}</chNFe>")));
    assert!(xml.contains("<CFOP>5905</CFOP>"));
    let (s, b) = get(
        &w,
        &token,
        "getGovernmentInvoiceDocument",
        &format!(
            "{BASE}/governmentInvoiceRequests/sh-1?{}&fileFormat=PDF",
            gov_query("sh-1")
        ),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let pdf = download(
        &w,
        b["invoiceDocument"]["invoiceDocumentUrl"].as_str().unwrap(),
    )
    .await;
    assert!(pdf.starts_with(b"%PDF-1.4"));
    let (s, e) = create_gov(gov("sh-1", "ABC1D23"), token.clone()).await;
    bad_request(s, &e, "already issued");
    let (_, b) = get(
        &w,
        &token,
        "getGovernmentInvoiceStatus",
        &format!("{BASE}/governmentInvoiceRequests?{}", gov_query("sh-2")),
    )
    .await;
    assert_eq!(b["status"], "ERROR", "{b}");
    assert!(
        b["invoiceErrors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("BAD-PLATE")
    );
    assert!(b.get("invoiceExternalDocumentId").is_none());
    // After an error the request may be sent again.
    let (s, b) = create_gov(gov("sh-2", "ABC1234"), token.clone()).await;
    assert_eq!(s, 204, "{b}");
    w.advance(31.0).await;
    let (_, b) = get(
        &w,
        &token,
        "getGovernmentInvoiceStatus",
        &format!("{BASE}/governmentInvoiceRequests?{}", gov_query("sh-2")),
    )
    .await;
    assert_eq!(b["status"], "SUCCESS", "{b}");
    // Not the other seller's; unknown shipments; bad requests.
    let (s, e) = get(
        &w,
        &other,
        "getGovernmentInvoiceStatus",
        &format!("{BASE}/governmentInvoiceRequests?{}", gov_query("sh-1")),
    )
    .await;
    not_found(s, &e);
    let (s, e) = get(
        &w,
        &token,
        "getGovernmentInvoiceDocument",
        &format!(
            "{BASE}/governmentInvoiceRequests/sh-9?{}",
            gov_query("sh-9")
        ),
    )
    .await;
    not_found(s, &e);
    let (s, e) = get(
        &w,
        &token,
        "getGovernmentInvoiceStatus",
        &format!("{BASE}/governmentInvoiceRequests?marketplaceId={BR}&shipmentId=sh-1"),
    )
    .await;
    bad_request(s, &e, "transactionType");
    let mut bad_tax = gov("sh-3", "ABC1D23");
    bad_tax["contexts"][0]["federalTaxId"] = json!("11222333000180");
    let mut bad_type = gov("sh-3", "ABC1D23");
    bad_type["invoiceType"] = json!("SALE");
    let mut no_shipment = gov("sh-3", "ABC1D23");
    no_shipment.as_object_mut().unwrap().remove("shipmentId");
    for (body, needle) in [
        (bad_tax, "federalTaxId"),
        (bad_type, "invoiceType"),
        (no_shipment, "shipmentId"),
    ] {
        let (s, e) = create_gov(body, token.clone()).await;
        bad_request(s, &e, needle);
    }
}

#[tokio::test]
async fn invoices_search_export_and_government_invoices() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn invoices_search_export_and_government_invoices_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
