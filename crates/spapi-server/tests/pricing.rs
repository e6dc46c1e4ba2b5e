//! Product Pricing v0 and 2022-05-01 over real HTTP: two sellers compete on one ASIN through
//! the Listings Items API, a rival undercuts, the Buy Box moves; getItemOffers,
//! getListingOffers, the batches, getCompetitiveSummary, the featured offer expected price and
//! ANY_OFFER_CHANGED agree. Every response is checked against its model.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::auth::NewSeller;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;
use std::time::Duration;

const LISTINGS: &str = "models/listings-items-api-model/listingsItems_2021-08-01.json";
const NOTIFICATIONS: &str = "models/notifications-api-model/notifications.json";
const V0: &str = "models/product-pricing-api-model/productPricingV0.json";
const V2022: &str = "models/product-pricing-api-model/productPricing_2022-05-01.json";
const T0: &str = "2025-06-01T12:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const EAN: &str = "4006381333986";

fn conforms(model: &str, op: &str, status: u16, body: &Value) {
    if let Some(c) = spapi_conformance::Conformance::global() {
        c.assert_conforms(model, op, status, body);
    }
}

/// One seller's calls with its own access token.
struct Seller<'a> {
    w: &'a World,
    id: String,
    token: String,
}

impl Seller<'_> {
    /// Any call: status and body, the body checked against `op`'s model.
    async fn send(
        &self,
        op: (&str, &str),
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .w
            .http
            .request(method, format!("{}{path}", self.w.base))
            .header("x-amz-access-token", &self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        conforms(op.0, op.1, status, &body);
        (status, body)
    }

    /// A call that must succeed.
    async fn ok(&self, op: (&str, &str), method: Method, path: &str, body: Option<Value>) -> Value {
        let (s, b) = self.send(op, method, path, body).await;
        assert_eq!(s, 200, "{} {path}: {b}", op.1);
        b
    }

    async fn put(&self, sku: &str, body: Value) -> Value {
        let path = format!(
            "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}&includedData=identifiers",
            self.id
        );
        let b = self
            .ok(
                (LISTINGS, "putListingsItem"),
                Method::PUT,
                &path,
                Some(body),
            )
            .await;
        assert_eq!(b["status"], "ACCEPTED", "{b}");
        b
    }

    async fn reprice(&self, sku: &str, price: f64) {
        let path = format!(
            "/listings/2021-08-01/items/{}/{sku}?marketplaceIds={US}",
            self.id
        );
        let patch = json!({"productType": "SHIRT", "patches": [{"op": "replace",
            "path": "/attributes/purchasable_offer",
            "value": [{"currency": "USD", "marketplace_id": US,
                "our_price": [{"schedule": [{"value_with_tax": price}]}]}]}]});
        let b = self
            .ok(
                (LISTINGS, "patchListingsItem"),
                Method::PATCH,
                &path,
                Some(patch),
            )
            .await;
        assert_eq!(b["status"], "ACCEPTED", "{b}");
    }

    async fn item_offers(&self, asin: &str) -> Value {
        self.ok(
            (V0, "getItemOffers"),
            Method::GET,
            &format!(
                "/products/pricing/v0/items/{asin}/offers?MarketplaceId={US}&ItemCondition=New"
            ),
            None,
        )
        .await["payload"]
            .clone()
    }

    async fn summary(&self, asin: &str) -> Value {
        let b = self
            .ok(
                (V2022, "getCompetitiveSummary"),
                Method::POST,
                "/batches/products/pricing/2022-05-01/items/competitiveSummary",
                Some(json!({"requests": [{
                    "asin": asin, "marketplaceId": US,
                    "includedData": ["featuredBuyingOptions", "referencePrices", "lowestPricedOffers"],
                    "lowestPricedOffersInputs": [{"itemCondition": "New", "offerType": "Consumer"}],
                    "method": "GET", "uri": "/products/pricing/2022-05-01/items/competitiveSummary"}]})),
            )
            .await;
        assert_eq!(b["responses"][0]["status"]["statusCode"], 200, "{b}");
        b["responses"][0]["body"].clone()
    }

    async fn foep(&self, sku: &str) -> Value {
        let b = self
            .ok(
                (V2022, "getFeaturedOfferExpectedPriceBatch"),
                Method::POST,
                "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
                Some(json!({"requests": [{"uri": "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
                    "method": "GET", "marketplaceId": US, "sku": sku}]})),
            )
            .await;
        b["responses"][0].clone()
    }
}

/// A complete MFN SHIRT listing of the test product.
fn shirt(price: f64, quantity: i64) -> Value {
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
            "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
        }
    })
}

/// (seller, listing price, Buy Box winner) of getItemOffers' offers.
fn v0_offers(p: &Value) -> Vec<(String, f64, bool)> {
    p["Offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["SellerId"].as_str().unwrap().to_string(),
                o["ListingPrice"]["Amount"].as_f64().unwrap(),
                o["IsBuyBoxWinner"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// (seller, listing price) of the lowest priced New offers of a competitive summary.
fn summary_offers(body: &Value) -> Vec<(String, f64)> {
    body["lowestPricedOffers"][0]["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["sellerId"].as_str().unwrap().to_string(),
                o["listingPrice"]["amount"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn featured_seller(body: &Value) -> String {
    body["featuredBuyingOptions"][0]["segmentedFeaturedOffers"][0]["sellerId"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The latest ANY_OFFER_CHANGED delivered to a subscription once there are `n`.
async fn latest_offer_change(w: &World, subscription: &str, n: usize) -> Value {
    for _ in 0..200 {
        let (s, b) = w
            .control(
                Method::GET,
                &format!("/notifications?subscription={subscription}&limit=500"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let mut envs: Vec<Value> = b["notifications"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|x| x["envelope"].clone())
            .collect();
        if envs.len() >= n {
            envs.sort_by_key(|e| e["NotificationMetadata"]["PublishTime"].to_string());
            return envs.pop().unwrap()["Payload"]["AnyOfferChangedNotification"].clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{subscription}: {n} notifications expected");
}

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let auth = w.server.auth();
    let rival = auth
        .create_seller(NewSeller {
            name: "Rival Seller".into(),
            email: format!("rival-{}@example.com", uuid::Uuid::new_v4()),
            password: "a good password".into(),
            region: "NA".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let rival_refresh = auth
        .self_authorize(&w.application_id, &rival.selling_partner_id)
        .await
        .unwrap();
    let (s, t) = w
        .token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rival_refresh),
            ("client_id", &w.client_id),
            ("client_secret", &w.client_secret),
        ])
        .await;
    assert_eq!(s, 200, "{t}");
    let a = Seller {
        w: &w,
        id: w.seller_id.clone(),
        token: w.access_token().await,
    };
    let b = Seller {
        w: &w,
        id: rival.selling_partner_id.clone(),
        token: t["access_token"].as_str().unwrap().to_string(),
    };
    // A hears of offer changes (the built-in inbox keeps what an SQS destination gets).
    let grantless = Seller {
        w: &w,
        id: String::new(),
        token: w.grantless_token("sellingpartnerapi::notifications").await,
    };
    let dest = grantless
        .ok(
            (NOTIFICATIONS, "createDestination"),
            Method::POST,
            "/notifications/v1/destinations",
            Some(json!({"name": "offers", "resourceSpecification":
                {"sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:spapi-pricing"}}})),
        )
        .await["payload"]["destinationId"]
        .as_str()
        .unwrap()
        .to_string();
    let sub = a
        .ok(
            (NOTIFICATIONS, "createSubscription"),
            Method::POST,
            "/notifications/v1/subscriptions/ANY_OFFER_CHANGED",
            Some(json!({"payloadVersion": "1.0", "destinationId": dest})),
        )
        .await["payload"]["subscriptionId"]
        .as_str()
        .unwrap()
        .to_string();

    // A creates the product (the ASIN comes 10 simulated minutes later); B lists it cheaper.
    a.put("LINEN-A", shirt(24.5, 7)).await;
    let (s, c) = w
        .control(
            Method::POST,
            "/clock",
            Some(json!({"advance_seconds": 660})),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    let put = b.put("RIVAL-1", shirt(22.0, 5)).await;
    let asin = put["identifiers"][0]["asin"].as_str().unwrap().to_string();
    assert!(asin.starts_with("B0"), "{put}");

    // B undercuts: the Buy Box is B's (22.00 + 3.99 against 24.50 + 3.99).
    let p = a.item_offers(&asin).await;
    assert_eq!(p["ASIN"], asin.as_str());
    assert_eq!(p["ItemCondition"], "New");
    assert_eq!(p["status"], "Success");
    assert_eq!(
        v0_offers(&p),
        [(b.id.clone(), 22.0, true), (a.id.clone(), 24.5, false)]
    );
    assert_eq!(p["Offers"][1]["MyOffer"], true);
    assert_eq!(p["Offers"][0]["MyOffer"], false);
    assert_eq!(p["Summary"]["TotalOfferCount"], 2);
    assert_eq!(
        p["Summary"]["BuyBoxPrices"][0]["LandedPrice"]["Amount"],
        25.99
    );
    assert_eq!(p["Summary"]["BuyBoxPrices"][0]["sellerId"], b.id.as_str());
    assert_eq!(
        p["Summary"]["NumberOfOffers"],
        json!([{"condition": "new", "fulfillmentChannel": "Merchant", "OfferCount": 2}])
    );
    let s = a.summary(&asin).await;
    assert_eq!(featured_seller(&s), b.id);
    assert_eq!(
        summary_offers(&s),
        [(b.id.clone(), 22.0), (a.id.clone(), 24.5)]
    );
    assert_eq!(s["referencePrices"][0]["name"], "CompetitivePrice");
    let n = latest_offer_change(&w, &sub, 2).await;
    assert_eq!(
        n["Summary"]["CompetitivePriceThreshold"]["Amount"],
        s["referencePrices"][0]["price"]["amount"]
    );

    // getListingOffers of A's SKU shows the same page.
    let l = a
        .ok(
            (V0, "getListingOffers"),
            Method::GET,
            &format!(
                "/products/pricing/v0/listings/LINEN-A/offers?MarketplaceId={US}&ItemCondition=New"
            ),
            None,
        )
        .await["payload"]
        .clone();
    assert_eq!(l["SKU"], "LINEN-A");
    assert_eq!(l["Identifier"]["SellerSKU"], "LINEN-A");
    assert_eq!(v0_offers(&l), v0_offers(&p));

    // The featured offer expected price of A: beat B's landed 25.99 with A's 3.99 shipping.
    let f = a.foep("LINEN-A").await;
    assert_eq!(f["status"]["statusCode"], 200, "{f}");
    let r = &f["body"]["featuredOfferExpectedPriceResults"][0];
    assert_eq!(r["resultStatus"], "VALID_FOEP", "{f}");
    // Both offers are seller-fulfilled: a tie goes by seller id.
    let expected = if a.id < b.id { 22.0 } else { 21.99 };
    assert_eq!(
        r["featuredOfferExpectedPrice"]["listingPrice"]["amount"],
        expected
    );
    assert_eq!(
        r["competingFeaturedOffer"]["offerIdentifier"]["sellerId"],
        b.id.as_str()
    );
    assert_eq!(
        r["currentFeaturedOffer"]["offerIdentifier"]["sellerId"],
        b.id.as_str()
    );
    assert_eq!(f["body"]["offerIdentifier"]["fulfillmentType"], "MFN");

    // A reprices at its expected price minus a cent and takes the Buy Box back.
    a.reprice("LINEN-A", 21.5).await;
    let p = a.item_offers(&asin).await;
    assert_eq!(
        v0_offers(&p),
        [(a.id.clone(), 21.5, true), (b.id.clone(), 22.0, false)]
    );
    let s = b.summary(&asin).await;
    assert_eq!(featured_seller(&s), a.id);
    assert_eq!(
        summary_offers(&s),
        [(a.id.clone(), 21.5), (b.id.clone(), 22.0)]
    );
    // ANY_OFFER_CHANGED said the same.
    let n = latest_offer_change(&w, &sub, 3).await;
    let notified: Vec<(String, f64, bool)> = n["Offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["SellerId"].as_str().unwrap().to_string(),
                o["ListingPrice"]["Amount"].as_f64().unwrap(),
                o["IsBuyBoxWinner"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(notified, v0_offers(&p));
    // Now B would have to beat A: B's expected price is below A's landed price.
    let f = b.foep("RIVAL-1").await;
    let r = &f["body"]["featuredOfferExpectedPriceResults"][0];
    let expected = if b.id < a.id { 21.5 } else { 21.49 };
    assert_eq!(
        r["featuredOfferExpectedPrice"]["listingPrice"]["amount"],
        expected
    );
    assert_eq!(
        r["currentFeaturedOffer"]["offerIdentifier"]["sellerId"],
        a.id.as_str()
    );

    // getPricing: the caller's own offer, by SKU and by ASIN.
    for q in [
        "ItemType=Sku&Skus=LINEN-A".to_string(),
        format!("ItemType=Asin&Asins={asin}"),
    ] {
        let g = a
            .ok(
                (V0, "getPricing"),
                Method::GET,
                &format!("/products/pricing/v0/price?MarketplaceId={US}&{q}"),
                None,
            )
            .await;
        let item = &g["payload"][0];
        assert_eq!(item["status"], "Success", "{g}");
        let offer = &item["Product"]["Offers"][0];
        assert_eq!(offer["SellerSKU"], "LINEN-A");
        assert_eq!(offer["BuyingPrice"]["ListingPrice"]["Amount"], 21.5);
        assert_eq!(offer["BuyingPrice"]["LandedPrice"]["Amount"], 25.49);
        assert_eq!(offer["FulfillmentChannel"], "MERCHANT");
    }
    // getCompetitivePricing: the new Buy Box, A's.
    for (seller, mine) in [(&a, true), (&b, false)] {
        let g = seller
            .ok(
                (V0, "getCompetitivePricing"),
                Method::GET,
                &format!("/products/pricing/v0/competitivePrice?MarketplaceId={US}&ItemType=Asin&Asins={asin}"),
                None,
            )
            .await;
        let cp = &g["payload"][0]["Product"]["CompetitivePricing"];
        assert_eq!(cp["CompetitivePrices"][0]["CompetitivePriceId"], "1", "{g}");
        assert_eq!(
            cp["CompetitivePrices"][0]["Price"]["LandedPrice"]["Amount"],
            25.49
        );
        assert_eq!(cp["CompetitivePrices"][0]["belongsToRequester"], mine);
        assert_eq!(cp["NumberOfOfferListings"][0]["Count"], 2);
    }

    // Batches: every item stands alone.
    let batch = a
        .ok(
            (V0, "getItemOffersBatch"),
            Method::POST,
            "/batches/products/pricing/v0/itemOffers",
            Some(json!({"requests": [
                {"uri": format!("/products/pricing/v0/items/{asin}/offers"), "method": "GET",
                 "MarketplaceId": US, "ItemCondition": "New"},
                {"uri": "/products/pricing/v0/items/B0NOSUCHAS/offers", "method": "GET",
                 "MarketplaceId": US, "ItemCondition": "New"},
                {"uri": "/somewhere/else", "method": "GET", "MarketplaceId": US, "ItemCondition": "New"},
                {"uri": format!("/products/pricing/v0/items/{asin}/offers"), "method": "GET",
                 "MarketplaceId": "NOPE", "ItemCondition": "New"},
            ]})),
        )
        .await;
    let rs = batch["responses"].as_array().unwrap();
    let statuses: Vec<i64> = rs
        .iter()
        .map(|r| r["status"]["statusCode"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 404, 400, 400], "{batch}");
    assert_eq!(v0_offers(&rs[0]["body"]["payload"]), v0_offers(&p));
    assert_eq!(rs[0]["request"]["Asin"], asin.as_str());
    assert!(rs[0]["headers"]["x-amzn-RequestId"].is_string(), "{batch}");
    assert!(rs[0]["headers"]["Date"].as_str().unwrap().ends_with("GMT"));
    assert_eq!(rs[1]["body"]["errors"][0]["code"], "NotFound");
    assert_eq!(rs[2]["body"]["errors"][0]["code"], "InvalidInput");
    let batch = b
        .ok(
            (V0, "getListingOffersBatch"),
            Method::POST,
            "/batches/products/pricing/v0/listingOffers",
            Some(json!({"requests": [
                {"uri": "/products/pricing/v0/listings/RIVAL-1/offers", "method": "GET",
                 "MarketplaceId": US, "ItemCondition": "New"},
                {"uri": "/products/pricing/v0/listings/LINEN-A/offers", "method": "GET",
                 "MarketplaceId": US, "ItemCondition": "New"},
            ]})),
        )
        .await;
    let rs = batch["responses"].as_array().unwrap();
    assert_eq!(rs[0]["status"]["statusCode"], 200, "{batch}");
    assert_eq!(rs[0]["body"]["payload"]["SKU"], "RIVAL-1");
    assert_eq!(rs[0]["request"]["SellerSKU"], "RIVAL-1");
    // Another seller's SKU is not B's.
    assert_eq!(rs[1]["status"]["statusCode"], 404, "{batch}");

    // Pricing 2022-05-01's own errors inside batch items.
    let f = a.foep("NO-SUCH-SKU").await;
    assert_eq!(f["status"]["statusCode"], 400, "{f}");
    assert_eq!(f["body"]["errors"][0]["code"], "INVALID_SKU");
    assert_eq!(
        f["body"]["errors"][0]["message"],
        "The requested SKU does not exist for the seller in the requested Amazon store."
    );
    let bad = a
        .ok(
            (V2022, "getCompetitiveSummary"),
            Method::POST,
            "/batches/products/pricing/2022-05-01/items/competitiveSummary",
            Some(json!({"requests": [
                {"asin": "11_AABB_123", "marketplaceId": US, "includedData": ["featuredBuyingOptions"],
                 "method": "GET", "uri": "/products/pricing/2022-05-01/items/competitiveSummary"},
                {"asin": asin, "marketplaceId": US, "includedData": ["featuredBuyingOptions"],
                 "method": "GET", "uri": "/products/pricing/2022-05-01/items/competitiveSummary"},
            ]})),
        )
        .await;
    let r = &bad["responses"][0];
    assert_eq!(r["status"]["statusCode"], 400, "{bad}");
    assert_eq!(r["body"]["errors"][0]["code"], "INVALID_ASIN");
    assert_eq!(
        r["body"]["errors"][0]["message"],
        "11_AABB_123 is not a valid ASIN"
    );
    assert_eq!(bad["responses"][1]["status"]["statusCode"], 200);
    assert_eq!(featured_seller(&bad["responses"][1]["body"]), a.id);

    // Bad input to the single calls: the common envelope, never a 500.
    for (op, path, status) in [
        (
            "getItemOffers",
            format!(
                "/products/pricing/v0/items/{asin}/offers?MarketplaceId=NOPE&ItemCondition=New"
            ),
            400,
        ),
        (
            "getItemOffers",
            format!("/products/pricing/v0/items/{asin}/offers?MarketplaceId={US}"),
            400,
        ),
        (
            "getItemOffers",
            format!(
                "/products/pricing/v0/items/B0NOSUCHAS/offers?MarketplaceId={US}&ItemCondition=New"
            ),
            404,
        ),
        (
            "getListingOffers",
            format!(
                "/products/pricing/v0/listings/NO-SUCH/offers?MarketplaceId={US}&ItemCondition=New"
            ),
            404,
        ),
        (
            "getPricing",
            format!("/products/pricing/v0/price?MarketplaceId={US}&ItemType=Asin"),
            400,
        ),
        (
            "getCompetitivePricing",
            format!(
                "/products/pricing/v0/competitivePrice?MarketplaceId=NOPE&ItemType=Asin&Asins={asin}"
            ),
            400,
        ),
    ] {
        let (s, body) = a.send((V0, op), Method::GET, &path, None).await;
        assert_eq!(s, status, "{path}: {body}");
        assert!(body["errors"][0]["code"].is_string(), "{body}");
    }
    // An unknown ASIN in getPricing is the item's ClientError.
    let g = a
        .ok(
            (V0, "getPricing"),
            Method::GET,
            &format!("/products/pricing/v0/price?MarketplaceId={US}&ItemType=Asin&Asins=B0NOSUCHAS,{asin}"),
            None,
        )
        .await;
    assert_eq!(g["payload"][0]["status"], "ClientError", "{g}");
    assert_eq!(g["payload"][1]["status"], "Success", "{g}");
    // An empty batch is refused whole.
    let (s, body) = a
        .send(
            (V2022, "getFeaturedOfferExpectedPriceBatch"),
            Method::POST,
            "/batches/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice",
            Some(json!({"requests": []})),
        )
        .await;
    assert_eq!(s, 400, "{body}");
}

#[tokio::test]
async fn a_rival_undercuts_and_the_buy_box_moves() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn a_rival_undercuts_and_the_buy_box_moves_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
