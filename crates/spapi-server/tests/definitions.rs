//! Product Type Definitions 2020-09-01 over real HTTP: search by keywords and item name, the
//! definition of each product type with its requirements, and the schema document the
//! definition links to, which is the one listings are validated against.

mod common;

use common::World;
use serde_json::Value;

const MODEL: &str =
    "models/product-type-definitions-api-model/definitionsProductTypes_2020-09-01.json";
const US: &str = "ATVPDKIKX0DER";

fn conforms(op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(MODEL, op, status, body);
    }
}

async fn get(w: &World, token: &str, op: &str, path: &str) -> (u16, Value) {
    let resp = w
        .http
        .get(format!("{}{path}", w.base))
        .header("x-amz-access-token", token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null);
    conforms(op, status, &body);
    (status, body)
}

fn names(body: &Value) -> Vec<String> {
    body["productTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn search_finds_product_types_by_keywords_and_item_name() {
    let w = World::start().await;
    let token = w.access_token().await;
    let search = |q: String| {
        let w = &w;
        let token = token.clone();
        async move {
            get(
                w,
                &token,
                "searchDefinitionsProductTypes",
                &format!("/definitions/2020-09-01/productTypes?marketplaceIds={US}{q}"),
            )
            .await
        }
    };
    let (s, all) = search(String::new()).await;
    assert_eq!(s, 200, "{all}");
    let all = names(&all);
    assert!(all.len() >= 20, "{all:?}");
    for pt in [
        "PRODUCT",
        "SHIRT",
        "SHOES",
        "LUGGAGE",
        "HOME",
        "KITCHEN",
        "TOY_FIGURE",
        "BOOK",
    ] {
        assert!(all.contains(&pt.to_string()), "{pt}");
    }
    let (_, b) = search("&keywords=luggage".into()).await;
    assert_eq!(names(&b)[0], "LUGGAGE");
    let (_, b) = search("&keywords=suitcase,sneakers".into()).await;
    let found = names(&b);
    assert!(
        found.contains(&"LUGGAGE".into()) && found.contains(&"SHOES".into()),
        "{found:?}"
    );
    let (_, b) = search("&itemName=Kestrel%20Trail%20Running%20Shoes%20for%20Men".into()).await;
    assert_eq!(names(&b), vec!["SHOES"]);
    let (_, b) = search("&keywords=zeppelin".into()).await;
    assert!(names(&b).is_empty());
    let (s, b) = search("&keywords=shoe&itemName=shoe".into()).await;
    assert_eq!(s, 400, "{b}");
    let (s, _) = get(
        &w,
        &token,
        "searchDefinitionsProductTypes",
        "/definitions/2020-09-01/productTypes?marketplaceIds=NOPE",
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn a_definition_links_the_schema_that_listings_are_validated_against() {
    let w = World::start().await;
    let token = w.access_token().await;
    let path = |pt: &str, q: &str| {
        format!("/definitions/2020-09-01/productTypes/{pt}?marketplaceIds={US}{q}")
    };
    let (s, def) = get(&w, &token, "getDefinitionsProductType", &path("SHIRT", "")).await;
    assert_eq!(s, 200, "{def}");
    assert_eq!(def["productType"], "SHIRT");
    assert_eq!(def["requirements"], "LISTING");
    assert_eq!(def["requirementsEnforced"], "ENFORCED");
    assert_eq!(def["locale"], "en_US");
    assert_eq!(def["productTypeVersion"]["latest"], true);
    let groups = def["propertyGroups"].as_object().unwrap();
    let grouped: Vec<&str> = groups
        .values()
        .flat_map(|g| {
            g["propertyNames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
        })
        .collect();
    for attr in [
        "item_name",
        "brand",
        "externally_assigned_product_identifier",
        "merchant_suggested_asin",
        "list_price",
        "purchasable_offer",
        "fulfillment_availability",
        "condition_type",
        "item_package_dimensions",
        "size",
    ] {
        assert!(grouped.contains(&attr), "{attr} not in any property group");
    }
    // The schema document: served by spapi, matching its checksum.
    let link = def["schema"]["link"]["resource"].as_str().unwrap();
    assert!(link.starts_with(&w.base), "{link}");
    let resp = w.http.get(link).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(schema.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(def["schema"]["checksum"], digest);
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for r in [
        "item_name",
        "brand",
        "condition_type",
        "size",
        "color",
        "department",
    ] {
        assert!(required.contains(&r), "{r} required: {required:?}");
    }
    assert_eq!(
        schema["properties"]["condition_type"]["items"]["properties"]["value"]["enum"][0],
        "new_new"
    );
    // Requirements change what is required.
    let (_, offer) = get(
        &w,
        &token,
        "getDefinitionsProductType",
        &path("SHIRT", "&requirements=LISTING_OFFER_ONLY"),
    )
    .await;
    let resp = w
        .http
        .get(offer["schema"]["link"]["resource"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let offer_schema: Value = resp.json().await.unwrap();
    assert_eq!(
        offer_schema["required"],
        serde_json::json!(["condition_type"])
    );
    let (_, loose) = get(
        &w,
        &token,
        "getDefinitionsProductType",
        &path("SHIRT", "&requirementsEnforced=NOT_ENFORCED"),
    )
    .await;
    assert_eq!(loose["requirementsEnforced"], "NOT_ENFORCED");
    let resp = w
        .http
        .get(loose["schema"]["link"]["resource"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let loose_schema: Value = resp.json().await.unwrap();
    assert!(loose_schema.get("required").is_none());
    // Versions: LATEST and the current version are the same; another is not found.
    let version = def["productTypeVersion"]["version"].as_str().unwrap();
    let (s, _) = get(
        &w,
        &token,
        "getDefinitionsProductType",
        &path("SHIRT", &format!("&productTypeVersion={version}")),
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = get(
        &w,
        &token,
        "getDefinitionsProductType",
        &path("SHIRT", "&productTypeVersion=U0000"),
    )
    .await;
    assert_eq!(s, 404);
    // Each product type has a definition; unknown ones are 404; bad parameters 400.
    for pt in [
        "PRODUCT",
        "SHOES",
        "LUGGAGE",
        "HOME",
        "KITCHEN",
        "TOY_FIGURE",
        "BOOK",
    ] {
        let (s, d) = get(&w, &token, "getDefinitionsProductType", &path(pt, "")).await;
        assert_eq!(s, 200, "{pt}: {d}");
        assert_eq!(d["productType"], pt);
    }
    let (s, _) = get(
        &w,
        &token,
        "getDefinitionsProductType",
        &path("SPACESHIP", ""),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = get(
        &w,
        &token,
        "getDefinitionsProductType",
        &path("SHIRT", "&requirements=EVERYTHING"),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = get(
        &w,
        &token,
        "getDefinitionsProductType",
        &path("SHIRT", "&sellerId=A000000000000"),
    )
    .await;
    assert_eq!(s, 403);
    let resp = w
        .http
        .get(format!("{}/spapi/product-type-schemas/SPACESHIP", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}
