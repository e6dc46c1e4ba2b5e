//! Sellers v1 over real HTTP: each seller's account comes from the world (in its home country,
//! the same every time) and the control plane changes it; every answer is checked against the
//! official model. The scenario runs on SQLite and on PostgreSQL.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::store::StoreConfig;

const SELLERS: &str = "models/sellers-api-model/sellers.json";
const ACCOUNT: &str = "/sellers/v1/account";
const PARTICIPATIONS: &str = "/sellers/v1/marketplaceParticipations";
const JP: &str = "A1VC38T7YXB528";
const DE: &str = "A1PA6795UKMFR9";
const FR: &str = "A13V1IB3VIYZZH";

fn conforms(op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(SELLERS, op, status, body);
    }
}

/// A seller of `region` selling in `marketplaces` (first: its home), authorized for the
/// world's app; its id and an access token.
async fn seller(w: &World, name: &str, region: &str, marketplaces: &[&str]) -> (String, String) {
    let (status, created) = w
        .control(
            Method::POST,
            "/sellers",
            Some(
                json!({"name": name, "email": format!("{}@example.com", uuid::Uuid::new_v4()),
                "password": "a good password", "region": region, "marketplace_ids": marketplaces}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["selling_partner_id"].as_str().unwrap().to_string();
    let (status, auth) = w
        .control(
            Method::POST,
            &format!("/sellers/{id}/authorizations"),
            Some(json!({"application_id": w.application_id})),
        )
        .await;
    assert_eq!(status, 201, "{auth}");
    let (status, token) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", auth["refresh_token"].as_str().unwrap()),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(status, 200, "{token}");
    (id, token["access_token"].as_str().unwrap().to_string())
}

async fn get(w: &World, token: &str, path: &str) -> (u16, Value) {
    let resp = w
        .http
        .get(format!("{}{path}", w.base))
        .header("x-amz-access-token", token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// getAccount's payload, checked against the model.
async fn account(w: &World, token: &str) -> Value {
    let (status, body) = get(w, token, ACCOUNT).await;
    assert_eq!(status, 200, "{body}");
    conforms("getAccount", 200, &body);
    body["payload"].clone()
}

async fn put_account(w: &World, id: &str, body: Value) -> (u16, Value) {
    w.control(Method::PUT, &format!("/sellers/{id}/account"), Some(body))
        .await
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A Japanese address: postal code `NNN-NNNN`, a prefecture (都, 府 or 県) and Japanese script.
fn assert_japanese(a: &Value) {
    assert_eq!(a["countryCode"], "JP", "{a}");
    let postal = a["postalCode"].as_str().unwrap();
    let (head, tail) = postal.split_once('-').unwrap();
    assert!(head.len() == 3 && all_digits(head) && tail.len() == 4 && all_digits(tail));
    let prefecture = a["stateOrProvinceCode"].as_str().unwrap();
    assert!(prefecture.ends_with(['都', '府', '県']), "{a}");
    assert!(!a["city"].as_str().unwrap().is_ascii(), "{a}");
    assert!(!a["addressLine1"].as_str().unwrap().is_ascii(), "{a}");
}

/// A German address: a five-digit postal code, a state code, a street then a number.
fn assert_german(a: &Value) {
    assert_eq!(a["countryCode"], "DE", "{a}");
    let postal = a["postalCode"].as_str().unwrap();
    assert!(postal.len() == 5 && all_digits(postal), "{a}");
    let state = a["stateOrProvinceCode"].as_str().unwrap();
    assert!(["BE", "BY", "HH", "NW"].contains(&state), "{a}");
    let line = a["addressLine1"].as_str().unwrap();
    assert!(line.ends_with(|c: char| c.is_ascii_digit()), "{a}");
    assert!(!line.contains("Terry Ave"), "{a}");
}

fn assert_model_values(account: &Value) {
    let types = [
        "CHARITY",
        "CRAFTSMAN",
        "NATURAL_PERSON_COMPANY",
        "PUBLIC_LISTED",
        "PRIVATE_LIMITED",
        "SOLE_PROPRIETORSHIP",
        "STATE_OWNED",
        "INDIVIDUAL",
    ];
    assert!(types.contains(&account["businessType"].as_str().unwrap()));
    assert!(["PROFESSIONAL", "INDIVIDUAL"].contains(&account["sellingPlan"].as_str().unwrap()));
}

async fn scenario(config: ServerConfig) {
    let w = World::start_with(config, &[]).await;
    let (jp_id, jp) = seller(&w, "Tokyo Shop", "FE", &[]).await;
    let (de_id, de) = seller(&w, "Berlin Shop", "EU", &[DE, FR]).await;

    // Each seller's account is in its home country, the country of its first marketplace.
    let jp_account = account(&w, &jp).await;
    let de_account = account(&w, &de).await;
    assert_model_values(&jp_account);
    assert_model_values(&de_account);
    assert_eq!(
        jp_account["marketplaceParticipationList"][0]["marketplace"]["id"],
        JP
    );
    assert_eq!(
        de_account["marketplaceParticipationList"][0]["marketplace"]["id"],
        DE
    );
    assert_eq!(
        de_account["marketplaceParticipationList"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_japanese(&jp_account["business"]["registeredBusinessAddress"]);
    assert_japanese(&jp_account["primaryContact"]["address"]);
    assert_german(&de_account["business"]["registeredBusinessAddress"]);
    assert_german(&de_account["primaryContact"]["address"]);
    // Japan writes names in its own script too; Germany does not.
    assert!(
        jp_account["business"]["nonLatinName"].is_string(),
        "{jp_account}"
    );
    assert!(jp_account["primaryContact"]["nonLatinName"].is_string());
    assert!(de_account["business"].get("nonLatinName").is_none());
    assert!(de_account["primaryContact"].get("nonLatinName").is_none());
    assert_ne!(jp_account["business"], de_account["business"]);

    // The same seller gets the same account every time.
    assert_eq!(account(&w, &jp).await, jp_account);
    assert_eq!(account(&w, &de).await, de_account);
    let (status, body) = get(&w, &jp, PARTICIPATIONS).await;
    assert_eq!(status, 200);
    conforms("getMarketplaceParticipations", 200, &body);
    assert_eq!(body["payload"], jp_account["marketplaceParticipationList"]);

    // The control plane changes the account; getAccount shows it.
    let business = json!({
        "name": "Feinkost Wagner",
        "registeredBusinessAddress": {"addressLine1": "Grimmaische Straße 2", "city": "Leipzig",
            "stateOrProvinceCode": "SN", "postalCode": "04109", "countryCode": "DE"},
        "companyTaxIdentificationNumber": "DE123456789"
    });
    let (status, set) = put_account(
        &w,
        &de_id,
        json!({"businessType": "SOLE_PROPRIETORSHIP", "sellingPlan": "INDIVIDUAL",
            "business": business}),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["business"], business);
    let changed = account(&w, &de).await;
    assert_eq!(changed["businessType"], "SOLE_PROPRIETORSHIP");
    assert_eq!(changed["sellingPlan"], "INDIVIDUAL");
    assert_eq!(changed["business"], business);
    // Fields not given keep their value.
    assert_eq!(changed["primaryContact"], de_account["primaryContact"]);
    assert_eq!(
        changed["marketplaceParticipationList"],
        de_account["marketplaceParticipationList"]
    );
    let contact = json!({"name": "Hanna Wagner", "address": {"addressLine1": "Karl-Liebknecht-Straße 9",
        "addressLine2": "3. OG", "city": "Leipzig", "postalCode": "04107", "countryCode": "DE"}});
    let (status, set) = put_account(
        &w,
        &de_id,
        json!({"sellingPlan": "PROFESSIONAL", "primaryContact": contact}),
    )
    .await;
    assert_eq!(status, 200, "{set}");
    let changed = account(&w, &de).await;
    assert_eq!(changed["sellingPlan"], "PROFESSIONAL");
    assert_eq!(changed["businessType"], "SOLE_PROPRIETORSHIP");
    assert_eq!(changed["business"], business);
    assert_eq!(changed["primaryContact"], contact);
    // Another seller's account is its own.
    assert_eq!(account(&w, &jp).await, jp_account);

    // Refused changes: 404 for an unknown seller, 400 for an invalid account; nothing changes.
    let (status, body) =
        put_account(&w, "A0000000000000", json!({"sellingPlan": "INDIVIDUAL"})).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["errors"][0]["code"], "NotFound");
    let address =
        |fields: Value| json!({"business": {"name": "X", "registeredBusinessAddress": fields}});
    let bad = [
        (json!({"businessType": "LLC"}), "businessType"),
        (json!({"sellingPlan": "FREE"}), "sellingPlan"),
        (
            address(json!({"city": "Leipzig", "countryCode": "DE"})),
            "registeredBusinessAddress",
        ),
        (
            address(json!({"addressLine1": "Markt 1"})),
            "registeredBusinessAddress",
        ),
        (
            address(json!({"addressLine1": "  ", "countryCode": "DE"})),
            "addressLine1",
        ),
        (
            address(json!({"addressLine1": "Markt 1", "countryCode": "Germany"})),
            "countryCode",
        ),
        (
            json!({"business": {"registeredBusinessAddress": {"addressLine1": "Markt 1", "countryCode": "DE"}}}),
            "business",
        ),
        (
            json!({"primaryContact": {"name": "", "address": {"addressLine1": "Markt 1", "countryCode": "DE"}}}),
            "primaryContact.name",
        ),
        (json!({"primaryContact": {"name": "Y"}}), "primaryContact"),
        (
            json!({"marketplaceParticipationList": []}),
            "marketplaceParticipationList",
        ),
        (json!("SOLE_PROPRIETORSHIP"), "Invalid request body"),
    ];
    for (body, names) in bad {
        let (status, answer) = put_account(&w, &de_id, body.clone()).await;
        assert_eq!(status, 400, "{body} -> {answer}");
        let error = &answer["errors"][0];
        assert_eq!(error["code"], "InvalidInput", "{answer}");
        assert!(error.to_string().contains(names), "{body} -> {answer}");
    }
    let (status, body) = put_account(
        &w,
        &jp_id,
        json!({"businessType": "INDIVIDUAL", "sellingPlan": "SOMETIMES"}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        account(&w, &jp).await,
        jp_account,
        "a refused change changes nothing"
    );
    assert_eq!(account(&w, &de).await, changed);

    // The control plane needs its token.
    let resp = w
        .http
        .put(format!("{}/emulator/v1/sellers/{de_id}/account", w.base))
        .json(&json!({"sellingPlan": "INDIVIDUAL"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(account(&w, &de).await, changed);
}

#[tokio::test]
async fn accounts_on_sqlite() {
    scenario(ServerConfig::ephemeral()).await;
}

#[tokio::test]
async fn accounts_on_postgres() {
    if let Some(url) = common::postgres_database().await {
        scenario(ServerConfig {
            store: StoreConfig::Postgres(url),
            ..ServerConfig::ephemeral()
        })
        .await;
    }
}

/// A seller with a fixed id in `w`, authorized for the world's app; an access token.
async fn fixed_seller(w: &World, id: &str) -> String {
    let body = json!({"selling_partner_id": id, "name": "Shop", "email": "shop@example.com",
        "password": "a good password", "region": "EU", "marketplace_ids": [FR, DE]});
    let (status, created) = w.control(Method::POST, "/sellers", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let (status, auth) = w
        .control(
            Method::POST,
            &format!("/sellers/{id}/authorizations"),
            Some(json!({"application_id": w.application_id})),
        )
        .await;
    assert_eq!(status, 201, "{auth}");
    let (status, token) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", auth["refresh_token"].as_str().unwrap()),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(status, 200, "{token}");
    token["access_token"].as_str().unwrap().to_string()
}

/// A seller created with the same id in another world gets the same account; the world's
/// first seller (NA) has its business in the US.
#[tokio::test]
async fn the_account_follows_the_seller_id() {
    let first = World::start().await;
    let second = World::start().await;
    let a = account(&first, &fixed_seller(&first, "A1SELLERACCT42").await).await;
    let b = account(&second, &fixed_seller(&second, "A1SELLERACCT42").await).await;
    assert_eq!(a, b);
    let home = &a["business"]["registeredBusinessAddress"];
    assert_eq!(home["countryCode"], "FR", "{home}");
    assert!(all_digits(home["postalCode"].as_str().unwrap()));

    let us = account(&first, &first.access_token().await).await;
    assert_eq!(
        us["business"]["registeredBusinessAddress"]["countryCode"],
        "US"
    );
    assert_eq!(us["primaryContact"]["address"]["countryCode"], "US");
}
