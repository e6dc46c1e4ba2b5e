//! Listings Restrictions 2021-08-01 over real HTTP: brand gating and category condition rules
//! of the world, with reasons and approval links, and the same rules applied to listings
//! submissions. Every response is checked against the official model.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};

const MODEL: &str = "models/listings-restrictions-api-model/listingsRestrictions_2021-08-01.json";
const LISTINGS: &str = "models/listings-items-api-model/listingsItems_2021-08-01.json";
const CATALOG: &str = "models/catalog-items-api-model/catalogItems_2022-04-01.json";
const US: &str = "ATVPDKIKX0DER";

fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
    }
}

async fn call(
    w: &World,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = w
        .http
        .request(method, format!("{}{path}", w.base))
        .header("x-amz-access-token", token);
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (
        status,
        serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

async fn restrictions(w: &World, token: &str, seller: &str, asin: &str, q: &str) -> (u16, Value) {
    let (s, b) = call(
        w,
        token,
        Method::GET,
        &format!(
            "/listings/2021-08-01/restrictions?asin={asin}&sellerId={seller}&marketplaceIds={US}{q}"
        ),
        None,
    )
    .await;
    conforms(MODEL, "getListingsRestrictions", s, &b);
    (s, b)
}

/// A seller with a generated world (approved for the brands it lists).
async fn seller_with_world() -> World {
    let a = World::start().await;
    let (s, b) = a
        .control(
            Method::POST,
            &format!("/sellers/{}/world", a.seller_id),
            // Enough products that the gated brands occur (worlds differ with the seller id).
            Some(json!({"seed": 5, "products": 80, "days": 1, "orders_per_day": 1})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    a
}

/// An ASIN of the generated catalog of `brand` and `product_type` (any when `None`).
async fn find(
    w: &World,
    token: &str,
    brand: Option<&str>,
    types: &[&str],
) -> Option<(String, String)> {
    // Every generated title has one of these words.
    let mut items: Vec<Value> = Vec::new();
    for word in [
        "classic", "premium", "everyday", "compact", "deluxe", "eco", "travel", "pro", "soft",
        "rugged",
    ] {
        let mut token_next: Option<String> = None;
        loop {
            let page_token = token_next
                .as_deref()
                // Tokens are base64 (`+`, `/`, `=`): encoded, as a client must.
                .map(|t| {
                    let t = t
                        .replace('+', "%2B")
                        .replace('/', "%2F")
                        .replace('=', "%3D");
                    format!("&pageToken={t}")
                })
                .unwrap_or_default();
            let (s, page) = call(
                w,
                token,
                Method::GET,
                &format!("/catalog/2022-04-01/items?marketplaceIds={US}&keywords={word}&pageSize=20&includedData=summaries,productTypes{page_token}"),
                None,
            )
            .await;
            conforms(CATALOG, "searchCatalogItems", s, &page);
            let found = page["items"]
                .as_array()
                .unwrap_or_else(|| panic!("searchCatalogItems: {s} {page}"));
            items.extend(found.iter().cloned());
            token_next = page["pagination"]["nextToken"].as_str().map(String::from);
            if token_next.is_none() {
                break;
            }
        }
    }
    items.into_iter().find_map(|i| {
        let b = i["summaries"][0]["brand"].as_str()?.to_string();
        let t = i["productTypes"][0]["productType"].as_str()?.to_string();
        let class = i["summaries"][0]["itemClassification"].as_str()?;
        (class == "BASE_PRODUCT"
            && brand.is_none_or(|x| x == b)
            && (types.is_empty() || types.contains(&t.as_str())))
        .then(|| (i["asin"].as_str().unwrap().to_string(), t))
    })
}

#[tokio::test]
async fn gated_brands_need_approval_and_hygiene_categories_take_new_items_only() {
    let a = seller_with_world().await;
    let token = a.access_token().await;
    // Seller A lists items of a gated brand: approved. A fresh seller on the same server is not.
    let (gated, _) = find(&a, &token, Some("Kestrel"), &[])
        .await
        .or(find(&a, &token, Some("Lumina"), &[]).await)
        .expect("the generated catalog has a gated brand");
    let (s, b) = restrictions(&a, &token, &a.seller_id, &gated, "&conditionType=new_new").await;
    assert_eq!(s, 200, "{b}");
    // The generated listing's own parent ASIN differs; the item listed may be a variation
    // sibling: the approval is per brand, so new_new is unrestricted for A.
    assert_eq!(b["restrictions"], json!([]), "{b}");

    let other = a
        .server
        .auth()
        .create_seller(spapi_server::auth::NewSeller {
            name: "Other".into(),
            email: "other@example.com".into(),
            password: "a good password".into(),
            region: "NA".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let refresh = a
        .server
        .auth()
        .self_authorize(&a.application_id, &other.selling_partner_id)
        .await
        .unwrap();
    let (_, t) = a
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", &a.client_id),
            ("client_secret", &a.client_secret),
        ])
        .await;
    let other_token = t["access_token"].as_str().unwrap().to_string();
    let (s, b) = restrictions(
        &a,
        &other_token,
        &other.selling_partner_id,
        &gated,
        "&conditionType=new_new",
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let r = &b["restrictions"][0];
    assert_eq!(r["marketplaceId"], US);
    assert_eq!(r["conditionType"], "new_new");
    assert_eq!(r["reasons"][0]["reasonCode"], "APPROVAL_REQUIRED");
    let link = r["reasons"][0]["links"][0]["resource"].as_str().unwrap();
    assert!(
        link.starts_with(
            "https://sellercentral.amazon.com/hz/approvalrequest/restrictions/approve?asin="
        ),
        "{link}"
    );
    assert!(link.contains(&gated));
    // Listing it anyway is refused with the same reason.
    let offer = json!({"productType": "PRODUCT", "requirements": "LISTING_OFFER_ONLY", "attributes": {
        "merchant_suggested_asin": [{"value": gated, "marketplace_id": US}],
        "condition_type": [{"value": "new_new", "marketplace_id": US}],
    }});
    let (s, b) = call(
        &a,
        &other_token,
        Method::PUT,
        &format!(
            "/listings/2021-08-01/items/{}/GATED-1?marketplaceIds={US}",
            other.selling_partner_id
        ),
        Some(&offer),
    )
    .await;
    conforms(LISTINGS, "putListingsItem", s, &b);
    assert_eq!(b["status"], "INVALID", "{b}");
    assert_eq!(b["issues"][0]["code"], "6039");

    // Hygiene categories: used is not eligible, for everyone.
    if let Some((shirt, _)) = find(&a, &token, None, &["SHIRT", "SHOES"]).await {
        let (_, b) =
            restrictions(&a, &token, &a.seller_id, &shirt, "&conditionType=used_good").await;
        let reasons = &b["restrictions"][0]["reasons"];
        assert!(
            reasons
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["reasonCode"] == "NOT_ELIGIBLE"),
            "{b}"
        );
        // Without a condition: one restriction per restricted condition, none for new ones.
        let (_, b) = restrictions(&a, &token, &a.seller_id, &shirt, "").await;
        let conditions: Vec<&str> = b["restrictions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["conditionType"].as_str().unwrap())
            .collect();
        assert!(
            conditions.contains(&"used_good") && !conditions.iter().any(|c| c.starts_with("new_")),
            "{conditions:?}"
        );
    }
    // Unknown ASIN; bad condition; another seller's id.
    let (_, b) = restrictions(&a, &token, &a.seller_id, "B0NOTHERE0", "").await;
    assert_eq!(
        b["restrictions"][0]["reasons"][0]["reasonCode"],
        "ASIN_NOT_FOUND"
    );
    let (s, _) = restrictions(&a, &token, &a.seller_id, &gated, "&conditionType=mint").await;
    assert_eq!(s, 400);
    let (s, _) = restrictions(&a, &token, &other.selling_partner_id, &gated, "").await;
    assert_eq!(s, 403);
}
