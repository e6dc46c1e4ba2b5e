//! Catalog Items 2022-04-01 and the deprecated v0 operations over a generated world, over real
//! HTTP, every response checked against the official model: searches by identifiers and by
//! keywords with refinements and paging, every includedData group, variations, and v0
//! answering from the same catalog.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::market::paging::UNDECODABLE;
use spapi_server::store::StoreConfig;

const V2022: &str = "models/catalog-items-api-model/catalogItems_2022-04-01.json";
const V0: &str = "models/catalog-items-api-model/catalogItemsV0-with-deprecated-operations.json";
const LISTINGS: &str = "models/listings-items-api-model/listingsItems_2021-08-01.json";
const US: &str = "ATVPDKIKX0DER";

fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
    }
}

struct Api<'a> {
    w: &'a World,
    token: String,
}

impl Api<'_> {
    async fn get(&self, model: &str, op: &str, path: &str) -> (u16, Value) {
        let resp = self
            .w
            .http
            .get(format!("{}{path}", self.w.base))
            .header("x-amz-access-token", &self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
        conforms(model, op, status, &body);
        (status, body)
    }

    async fn search(&self, query: &str) -> (u16, Value) {
        self.get(
            V2022,
            "searchCatalogItems",
            &format!("/catalog/2022-04-01/items?marketplaceIds={US}{query}"),
        )
        .await
    }

    async fn item(&self, asin: &str, query: &str) -> (u16, Value) {
        self.get(
            V2022,
            "getCatalogItem",
            &format!("/catalog/2022-04-01/items/{asin}?marketplaceIds={US}{query}"),
        )
        .await
    }
}

/// A page token as a query value: Amazon's tokens are base64 with `+`, `/` and `=`.
fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn world() -> (World, String) {
    let w = World::start_with(
        ServerConfig {
            clock: Clock::frozen("2025-06-01T12:00:00Z".parse().unwrap()),
            store: StoreConfig::SqliteMemory,
            ..ServerConfig::ephemeral()
        },
        &[],
    )
    .await;
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            // Enough products that every product type occurs (seller ids, and so worlds, differ
            // from run to run).
            Some(json!({"seed": 11, "products": 80, "days": 1, "orders_per_day": 1})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let token = w.access_token().await;
    (w, token)
}

/// The seller's listings (SKU, ASIN) in the US marketplace.
async fn listed(api: &Api<'_>) -> Vec<(String, String)> {
    let (_, b) = api
        .get(
            LISTINGS,
            "searchListingsItems",
            &format!(
                "/listings/2021-08-01/items/{}?marketplaceIds={US}&pageSize=20&sortBy=sku&sortOrder=ASC",
                api.w.seller_id
            ),
        )
        .await;
    b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sku"].as_str().unwrap().to_string(),
                i["summaries"][0]["asin"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn get_catalog_item_serves_every_data_group() {
    let (w, token) = world().await;
    let api = Api { w: &w, token };
    let (sku, asin) = listed(&api).await.remove(0);
    let all = "attributes,classifications,dimensions,identifiers,images,productTypes,relationships,salesRanks,summaries";
    let (s, item) = api.item(&asin, &format!("&includedData={all}")).await;
    assert_eq!(s, 200, "{item}");
    assert_eq!(item["asin"], asin.as_str());
    for group in all.split(',') {
        assert!(item.get(group).is_some(), "{group} missing: {item}");
    }
    let summary = &item["summaries"][0];
    assert_eq!(summary["marketplaceId"], US);
    assert!(summary["itemName"].is_string());
    assert!(summary["browseClassification"]["classificationId"].is_string());
    assert_eq!(item["attributes"]["item_name"][0]["marketplace_id"], US);
    assert_eq!(
        item["attributes"]["item_name"][0]["value"],
        summary["itemName"]
    );
    let ean = item["identifiers"][0]["identifiers"][0]["identifier"]
        .as_str()
        .unwrap();
    assert_eq!(ean.len(), 13);
    assert_eq!(item["images"][0]["images"][0]["variant"], "MAIN");
    assert!(item["dimensions"][0]["package"]["weight"]["value"].is_number());
    assert!(
        item["salesRanks"][0]["displayGroupRanks"][0]["rank"]
            .as_i64()
            .unwrap()
            > 0
    );
    // The listing and the catalog agree on the product.
    let (_, listing) = api
        .get(
            LISTINGS,
            "getListingsItem",
            &format!(
                "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}&includedData=summaries",
                w.seller_id
            ),
        )
        .await;
    assert_eq!(listing["summaries"][0]["itemName"], summary["itemName"]);
    assert_eq!(
        listing["summaries"][0]["productType"],
        item["productTypes"][0]["productType"]
    );
    // Default: summaries only. Several marketplaces: one entry each.
    let (_, item) = api.item(&asin, "").await;
    assert_eq!(item.as_object().unwrap().len(), 2, "{item}");
    let (_, item) = api
        .get(
            V2022,
            "getCatalogItem",
            &format!("/catalog/2022-04-01/items/{asin}?marketplaceIds={US},A2EUQ1WTGCTBG2&includedData=summaries,productTypes"),
        )
        .await;
    assert_eq!(item["summaries"].as_array().unwrap().len(), 2);
    // Unknown ASIN, bad data group, bad marketplace.
    let (s, b) = api.item("B0NOTHERE0", "").await;
    assert_eq!(s, 404, "{b}");
    let (s, _) = api.item(&asin, "&includedData=everything").await;
    assert_eq!(s, 400);
    let (s, _) = api
        .get(
            V2022,
            "getCatalogItem",
            &format!("/catalog/2022-04-01/items/{asin}?marketplaceIds=XX"),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn variations_link_parents_and_children_both_ways() {
    let (w, token) = world().await;
    let api = Api { w: &w, token };
    // Apparel comes in variations.
    let (_, found) = api
        .search("&keywords=shirt&includedData=relationships,summaries&pageSize=20")
        .await;
    let (_, shoes) = api
        .search("&keywords=shoes&includedData=relationships,summaries&pageSize=20")
        .await;
    let child = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(shoes["items"].as_array().unwrap())
        .find(|i| i["summaries"][0]["itemClassification"] == "BASE_PRODUCT")
        .unwrap_or_else(|| panic!("a shirt variation: {found}"))
        .clone();
    let rel = &child["relationships"][0]["relationships"][0];
    assert_eq!(rel["type"], "VARIATION");
    assert_eq!(rel["variationTheme"]["theme"], "SIZE/COLOR");
    let parent = rel["parentAsins"][0].as_str().unwrap();
    let (_, p) = api
        .item(parent, "&includedData=relationships,summaries,salesRanks")
        .await;
    assert_eq!(p["summaries"][0]["itemClassification"], "VARIATION_PARENT");
    let children = p["relationships"][0]["relationships"][0]["childAsins"]
        .as_array()
        .unwrap();
    assert_eq!(children.len(), 3);
    assert!(children.contains(&child["asin"]));
    // Parents are not ranked.
    assert!(p["salesRanks"][0].get("displayGroupRanks").is_none(), "{p}");
}

#[tokio::test]
async fn search_by_identifiers_and_keywords_with_refinements_and_pages() {
    let (w, token) = world().await;
    let api = Api { w: &w, token };
    let listed = listed(&api).await;
    // By ASIN and by SKU.
    let asins: Vec<&str> = listed.iter().take(3).map(|(_, a)| a.as_str()).collect();
    let (s, b) = api
        .search(&format!(
            "&identifiers={}&identifiersType=ASIN",
            asins.join(",")
        ))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["numberOfResults"], 3);
    let skus: Vec<&str> = listed.iter().take(2).map(|(s, _)| s.as_str()).collect();
    let (_, b) = api
        .search(&format!(
            "&identifiers={}&identifiersType=SKU&sellerId={}",
            skus.join(","),
            w.seller_id
        ))
        .await;
    let got: Vec<&str> = b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["asin"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![listed[0].1.as_str(), listed[1].1.as_str()]);
    // By EAN: the identifiers of an item find it.
    let (_, item) = api.item(&listed[0].1, "&includedData=identifiers").await;
    let ean = item["identifiers"][0]["identifiers"][0]["identifier"]
        .as_str()
        .unwrap();
    let (_, b) = api
        .search(&format!(
            "&identifiers={ean}&identifiersType=EAN&includedData=identifiers"
        ))
        .await;
    assert_eq!(b["items"][0]["asin"], listed[0].1.as_str());
    // Keywords: refinements count over all results, pages walk them once.
    let (_, first) = api.search("&keywords=classic&pageSize=3").await;
    let total = first["numberOfResults"].as_i64().unwrap();
    let brand_sum: i64 = first["refinements"]["brands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["numberOfResults"].as_i64().unwrap())
        .sum();
    assert!(total > 0);
    assert!(brand_sum <= total && brand_sum > 0);
    let mut seen = 0;
    let mut page = first;
    let mut pages = 0;
    loop {
        pages += 1;
        for i in page["items"].as_array().unwrap() {
            assert!(
                i["summaries"][0]["itemName"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("classic")
            );
            seen += 1;
        }
        let Some(t) = page["pagination"]["nextToken"].as_str() else {
            break;
        };
        let (s, next) = api
            .search(&format!(
                "&keywords=classic&pageSize=3&pageToken={}",
                urlencode(t)
            ))
            .await;
        assert_eq!(s, 200, "{next}");
        page = next;
    }
    assert_eq!(seen, total);
    assert!(pages > 1 || total <= 3);
    // A brand refinement narrows the search.
    let brand = page["items"]
        .as_array()
        .unwrap()
        .first()
        .map(|i| i["summaries"][0]["brand"].clone());
    if let Some(Value::String(brand)) = brand {
        let (_, narrowed) = api
            .search(&format!(
                "&keywords=classic&brandNames={}",
                brand.replace('&', "%26").replace(' ', "%20")
            ))
            .await;
        for i in narrowed["items"].as_array().unwrap() {
            assert_eq!(i["summaries"][0]["brand"], brand.as_str());
        }
    }
    // A classification refinement, from an item's browse node.
    let (_, item) = api
        .item(&listed[0].1, "&includedData=classifications,summaries")
        .await;
    let node = item["classifications"][0]["classifications"][0]["classificationId"]
        .as_str()
        .unwrap();
    let word = item["summaries"][0]["itemName"]
        .as_str()
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let (_, narrowed) = api
        .search(&format!(
            "&keywords={word}&classificationIds={node}&includedData=productTypes"
        ))
        .await;
    assert!(
        narrowed["numberOfResults"].as_i64().unwrap() >= 1,
        "{narrowed}"
    );
    for i in narrowed["items"].as_array().unwrap() {
        assert_eq!(
            i["productTypes"][0]["productType"],
            item_type(&api, &listed[0].1).await
        );
    }
}

async fn item_type(api: &Api<'_>, asin: &str) -> String {
    let (_, item) = api.item(asin, "&includedData=productTypes").await;
    item["productTypes"][0]["productType"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn bad_searches_are_400s() {
    let (w, token) = world().await;
    let api = Api { w: &w, token };
    for (q, why) in [
        ("", "neither identifiers nor keywords"),
        (
            "&keywords=x&identifiers=B000000000&identifiersType=ASIN",
            "both",
        ),
        ("&identifiers=B000000000", "identifiers without a type"),
        (
            "&identifiers=ABC&identifiersType=SKU",
            "SKU without sellerId",
        ),
        (
            "&identifiers=ABC&identifiersType=SKU&sellerId=A000000000000",
            "another seller",
        ),
        (
            "&identifiers=ABC&identifiersType=ASIN&brandNames=Acme",
            "brand filter without keywords",
        ),
        ("&keywords=x&pageSize=21", "page too big"),
        ("&keywords=x&pageToken=00", "a token of another query"),
        ("&keywords=x&includedData=nothing", "bad data group"),
    ] {
        let (s, b) = api.search(q).await;
        assert!(s == 400 || s == 403, "{why}: {s} {b}");
        assert!(b["errors"][0]["code"].is_string(), "{why}: {b}");
    }
    // A token only works with the query it came from.
    let (_, b) = api.search("&keywords=classic&pageSize=1").await;
    if let Some(t) = b["pagination"]["nextToken"].as_str() {
        let (s, _) = api
            .search(&format!(
                "&keywords=pro&pageSize=1&pageToken={}",
                urlencode(t)
            ))
            .await;
        assert_eq!(s, 400);
    }
}

#[tokio::test]
async fn keyword_pages_carry_their_search_and_walk_every_item_once() {
    let (w, token) = world().await;
    let api = Api { w: &w, token };
    // A title word with at least three matches: several pages of two.
    let mut found = None;
    for word in [
        "classic", "premium", "everyday", "compact", "deluxe", "eco", "travel",
    ] {
        let q = format!("&keywords={word}&pageSize=2&includedData=summaries");
        let (s, first) = api.search(&q).await;
        assert_eq!(s, 200, "{first}");
        if first["numberOfResults"].as_i64().unwrap() >= 3 {
            found = Some((q, first));
            break;
        }
    }
    let (q, first) = found.expect("a word of several titles");
    let total = first["numberOfResults"].as_i64().unwrap();
    let mut seen: Vec<String> = Vec::new();
    let mut page = first.clone();
    let mut second = None;
    loop {
        for i in page["items"].as_array().unwrap() {
            seen.push(i["asin"].as_str().unwrap().to_string());
        }
        let Some(t) = page["pagination"]["nextToken"].as_str() else {
            break;
        };
        let (s, next) = api.search(&format!("{q}&pageToken={}", urlencode(t))).await;
        assert_eq!(s, 200, "{next}");
        assert_eq!(next["numberOfResults"], total);
        second.get_or_insert_with(|| next.clone());
        page = next;
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "every item once: {seen:?}");
    assert_eq!(seen.len() as i64, total);
    assert!(page["pagination"].get("nextToken").is_none());
    // The second page's previousToken leads back to the first page.
    let second = second.unwrap();
    let back = second["pagination"]["previousToken"].as_str().unwrap();
    let (s, again) = api
        .search(&format!("{q}&pageToken={}", urlencode(back)))
        .await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["items"], first["items"]);
    let t = first["pagination"]["nextToken"].as_str().unwrap();
    // A truncated token: Amazon's message for a token it cannot decode.
    let (s, b) = api
        .search(&format!("{q}&pageToken={}", urlencode(&t[..t.len() - 6])))
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["errors"][0]["code"], "InvalidInput");
    assert_eq!(b["errors"][0]["message"], UNDECODABLE, "{b}");
    // The token belongs to its search: other keywords, or none (Amazon wants the search's
    // parameters sent again with the token), are 400s.
    let (s, b) = api
        .search(&format!(
            "&keywords=zzz&pageSize=2&pageToken={}",
            urlencode(t)
        ))
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api.search(&format!("&pageToken={}", urlencode(t))).await;
    assert_eq!(s, 400, "{b}");
}

#[tokio::test]
async fn v0_answers_from_the_same_catalog() {
    let (w, token) = world().await;
    let api = Api { w: &w, token };
    let listed = listed(&api).await;
    let (sku, asin) = &listed[0];
    let (s, b) = api
        .get(
            V0,
            "getCatalogItem",
            &format!("/catalog/v0/items/{asin}?MarketplaceId={US}"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (_, new) = api.item(asin, "&includedData=summaries").await;
    let set = &b["payload"]["AttributeSets"][0];
    assert_eq!(set["Title"], new["summaries"][0]["itemName"]);
    assert_eq!(set["Brand"], new["summaries"][0]["brand"]);
    assert_eq!(
        b["payload"]["Identifiers"]["MarketplaceASIN"]["ASIN"],
        asin.as_str()
    );
    // By SellerSKU, by EAN, by query.
    let (_, by_sku) = api
        .get(
            V0,
            "listCatalogItems",
            &format!("/catalog/v0/items?MarketplaceId={US}&SellerSKU={sku}"),
        )
        .await;
    assert_eq!(
        by_sku["payload"]["Items"][0]["Identifiers"]["MarketplaceASIN"]["ASIN"],
        asin.as_str()
    );
    let (_, ids) = api.item(asin, "&includedData=identifiers").await;
    let ean = ids["identifiers"][0]["identifiers"][0]["identifier"]
        .as_str()
        .unwrap();
    let (_, by_ean) = api
        .get(
            V0,
            "listCatalogItems",
            &format!("/catalog/v0/items?MarketplaceId={US}&EAN={ean}"),
        )
        .await;
    assert_eq!(
        by_ean["payload"]["Items"][0]["Identifiers"]["MarketplaceASIN"]["ASIN"],
        asin.as_str()
    );
    let word = set["Title"]
        .as_str()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .to_string();
    let (_, by_query) = api
        .get(
            V0,
            "listCatalogItems",
            &format!("/catalog/v0/items?MarketplaceId={US}&Query={word}"),
        )
        .await;
    assert!(!by_query["payload"]["Items"].as_array().unwrap().is_empty());
    // Categories: the item's browse node and its parent.
    let (s, cats) = api
        .get(
            V0,
            "listCatalogCategories",
            &format!("/catalog/v0/categories?MarketplaceId={US}&ASIN={asin}"),
        )
        .await;
    assert_eq!(s, 200, "{cats}");
    let (_, cl) = api.item(asin, "&includedData=classifications").await;
    assert_eq!(
        cats["payload"][0]["ProductCategoryId"],
        cl["classifications"][0]["classifications"][0]["classificationId"]
    );
    let (_, by_sku) = api
        .get(
            V0,
            "listCatalogCategories",
            &format!("/catalog/v0/categories?MarketplaceId={US}&SellerSKU={sku}"),
        )
        .await;
    assert_eq!(by_sku["payload"], cats["payload"]);
    // Errors.
    let (s, _) = api
        .get(
            V0,
            "getCatalogItem",
            &format!("/catalog/v0/items/B0NOTHERE0?MarketplaceId={US}"),
        )
        .await;
    assert_eq!(s, 404);
    let (s, _) = api
        .get(
            V0,
            "listCatalogItems",
            &format!("/catalog/v0/items?MarketplaceId={US}&Query=a&EAN=1"),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = api
        .get(
            V0,
            "listCatalogCategories",
            &format!("/catalog/v0/categories?MarketplaceId={US}"),
        )
        .await;
    assert_eq!(s, 400);
}

/// The (width, height) of a baseline JPEG's frame header (SOF0), after checking that the bytes
/// start with SOI and end with EOI.
fn jpeg_size(bytes: &[u8]) -> (u16, u16) {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "no SOI");
    assert_eq!(&bytes[bytes.len() - 2..], &[0xFF, 0xD9], "no EOI");
    let mut i = 2;
    while i + 4 <= bytes.len() {
        assert_eq!(bytes[i], 0xFF, "not a marker at {i}");
        let marker = bytes[i + 1];
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if marker == 0xC0 {
            let height = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
            let width = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
            return (width, height);
        }
        assert_ne!(marker, 0xDA, "scan before a baseline frame header");
        i += 2 + len;
    }
    panic!("no SOF0 segment");
}

/// GETs an image link: status, content type, cache control and bytes.
async fn fetch(w: &World, url: &str) -> (u16, String, String, Vec<u8>) {
    let resp = w.http.get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (ct, cc) = (header("content-type"), header("cache-control"));
    (status, ct, cc, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn product_images_are_jpegs_served_by_spapi() {
    let (w, token) = world().await;
    let api = Api { w: &w, token };
    let (sku, asin) = listed(&api).await.remove(0);
    let (s, item) = api.item(&asin, "&includedData=images").await;
    assert_eq!(s, 200, "{item}");
    let images = item["images"][0]["images"].as_array().unwrap();
    assert!(images.len() >= 2, "{item}");
    let prefix = format!("{}/spapi-images/", w.base);
    for image in images {
        let link = image["link"].as_str().unwrap();
        assert!(link.starts_with(&prefix), "{link}");
        assert!(link.ends_with(".jpg"), "{link}");
        let (status, ct, cc, bytes) = fetch(&w, link).await;
        assert_eq!(status, 200, "{link}");
        assert_eq!(ct, "image/jpeg");
        assert!(cc.contains("max-age="), "{cc}");
        let (width, height) = jpeg_size(&bytes);
        assert_eq!(i64::from(width), image["width"].as_i64().unwrap());
        assert_eq!(i64::from(height), image["height"].as_i64().unwrap());
        // The same image every time.
        assert_eq!(fetch(&w, link).await.3, bytes);
    }
    let main = images[0]["link"].as_str().unwrap();
    // The listing's main image is the catalog's.
    let (_, listing) = api
        .get(
            LISTINGS,
            "getListingsItem",
            &format!(
                "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}&includedData=summaries",
                w.seller_id
            ),
        )
        .await;
    assert_eq!(listing["summaries"][0]["mainImage"]["link"], main);
    // v0's small image: the main image at 75 px.
    let (s, v0) = api
        .get(
            V0,
            "getCatalogItem",
            &format!("/catalog/v0/items/{asin}?MarketplaceId={US}"),
        )
        .await;
    assert_eq!(s, 200, "{v0}");
    let small = &v0["payload"]["AttributeSets"][0]["SmallImage"];
    let url = small["URL"].as_str().unwrap();
    assert!(url.starts_with(&prefix), "{url}");
    let (status, ct, _, bytes) = fetch(&w, url).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert_eq!(jpeg_size(&bytes), (75, 75));
    assert_eq!(small["Height"]["value"].as_f64(), Some(75.0));
    // Unknown or malformed ids are 404s, never errors; sizes are capped.
    for bad in [
        "nothing.jpg".to_string(),
        "B0NOTHERE0.MAIN.jpg".to_string(),
        format!("{asin}.PT99.jpg"),
        format!("{asin}.MAIN"),
        format!("{asin}.MAIN.png"),
        format!("{asin}.MAIN._SL99999999_.jpg"),
        format!("{asin}.MAIN._SL1001_.jpg"),
        format!("{asin}.MAIN._SL0_.jpg"),
        format!("{}.MAIN.jpg", asin.to_lowercase()),
        "..%2F..%2Fetc%2Fpasswd".to_string(),
        "%FF%FE.jpg".to_string(),
    ] {
        let (status, _, _, _) = fetch(&w, &format!("{prefix}{bad}")).await;
        assert_eq!(status, 404, "{bad}");
    }
}

#[tokio::test]
async fn image_links_follow_the_server_to_a_new_port() {
    let dir = std::env::temp_dir().join(format!("spapi-images-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = ServerConfig {
        clock: Clock::frozen("2025-06-01T12:00:00Z".parse().unwrap()),
        store: StoreConfig::SqliteFile(dir.join("spapi.db")),
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config.clone(), &[]).await;
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 5, "products": 3, "days": 1, "orders_per_day": 1})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let token = w.access_token().await;
    let api = Api { w: &w, token };
    let (_, asin) = listed(&api).await.remove(0);
    let (_, item) = api.item(&asin, "&includedData=images").await;
    let old = item["images"][0]["images"][0]["link"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(old.starts_with(&w.base), "{old}");
    // The same store behind a server on another port.
    let World {
        server,
        client_id,
        client_secret,
        refresh_token,
        ..
    } = w;
    server.shutdown().await.unwrap();
    let moved = World {
        server: spapi_server::Server::start(config).await.unwrap(),
        base: String::new(),
        http: common::client(),
        application_id: String::new(),
        client_id,
        client_secret,
        seller_id: String::new(),
        refresh_token,
    };
    let moved = World {
        base: moved.server.base_url(),
        ..moved
    };
    let token = moved.access_token().await;
    let api = Api { w: &moved, token };
    let (s, item) = api.item(&asin, "&includedData=images").await;
    assert_eq!(s, 200, "{item}");
    let new = item["images"][0]["images"][0]["link"].as_str().unwrap();
    assert!(new.starts_with(&moved.base), "{new}");
    // The same image, on the new port.
    let path = |l: &str| l.splitn(4, '/').nth(3).unwrap().to_string();
    assert_eq!(path(new), path(&old));
    assert_ne!(new, old);
    let (status, ct, _, _) = fetch(&moved, new).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    moved.server.shutdown().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
