//! Product Pricing v0: the seller's prices, competitive prices and the offers on an item.

use crate::error::Error;
use crate::generated::product_pricing_v0::ProductPricingV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::pricing::{self, Competition, Priced, PricingService};
use spapi_model::product_pricing_v0 as m;

/// Product Pricing v0 over the world's offers.
pub struct PricingV0 {
    pricing: PricingService,
}

impl PricingV0 {
    /// Pricing v0 answered by `pricing`.
    pub fn new(pricing: PricingService) -> Self {
        PricingV0 { pricing }
    }
}

fn money(minor: i64, currency: &str) -> m::MoneyType {
    m::MoneyType {
        currency_code: Some(currency.to_string()),
        amount: Some(crate::market::money::to_decimal(minor, currency)),
    }
}

fn channel(afn: bool) -> m::FulfillmentChannelType {
    if afn {
        m::FulfillmentChannelType::Amazon
    } else {
        m::FulfillmentChannelType::Merchant
    }
}

/// A `GetOffersResult` of the competition on an item (by ASIN, or by the caller's SKU).
fn offers_result(c: &Competition) -> m::GetOffersResult {
    let cur = c.currency;
    let condition = m::ConditionType::from_wire(&pricing::capitalized(&c.condition));
    let counts = |list: &[pricing::OfferCount]| {
        list.iter()
            .map(|n| m::OfferCountType {
                condition: Some(n.condition.clone()),
                fulfillment_channel: Some(channel(n.afn)),
                offer_count: Some(n.count),
            })
            .collect::<Vec<_>>()
    };
    let summary = m::Summary {
        total_offer_count: c.total_offers(),
        number_of_offers: Some(counts(&c.counts)),
        lowest_prices: Some(
            c.lowest
                .iter()
                .map(|p| m::LowestPriceType {
                    condition: p.condition.clone(),
                    fulfillment_channel: channel(p.afn.unwrap_or(false)).as_str().to_string(),
                    landed_price: Some(money(p.landed(), cur)),
                    listing_price: money(p.listing, cur),
                    shipping: Some(money(p.shipping, cur)),
                    ..Default::default()
                })
                .collect(),
        ),
        buy_box_prices: Some(
            c.buy_box
                .iter()
                .map(|p| m::BuyBoxPriceType {
                    condition: p.condition.clone(),
                    landed_price: money(p.landed(), cur),
                    listing_price: money(p.listing, cur),
                    shipping: money(p.shipping, cur),
                    seller_id: p.seller_id.clone(),
                    ..Default::default()
                })
                .collect(),
        ),
        list_price: c.list_price.map(|p| money(p, cur)),
        competitive_price_threshold: c.competitive_price.map(|p| money(p, cur)),
        suggested_lower_price_plus_shipping: c.suggested_lower.map(|p| money(p, cur)),
        sales_rankings: (!c.sales_rankings.is_empty()).then(|| {
            c.sales_rankings
                .iter()
                .map(|(id, rank)| m::SalesRankType {
                    product_category_id: id.clone(),
                    rank: *rank,
                })
                .collect()
        }),
        buy_box_eligible_offers: Some(counts(&c.eligible)),
        offers_available_time: None,
    };
    let offers = c
        .offers
        .iter()
        .map(|o| m::OfferDetail {
            my_offer: Some(o.mine),
            sub_condition: o.sub_condition.clone(),
            seller_id: Some(o.seller_id.clone()),
            seller_feedback_rating: Some(m::SellerFeedbackType {
                seller_positive_feedback_rating: Some(o.feedback_rating),
                feedback_count: o.feedback_count,
            }),
            shipping_time: m::DetailedShippingTimeType {
                minimum_hours: Some(o.min_hours),
                maximum_hours: Some(o.max_hours),
                available_date: None,
                availability_type: Some(m::DetailedShippingTimeTypeAvailabilityType::Now),
            },
            listing_price: money(o.listing, cur),
            shipping: money(o.shipping, cur),
            ships_from: Some(m::ShipsFromType {
                state: Some(o.ships_from_state.clone()).filter(|s| !s.is_empty()),
                country: Some(o.ships_from_country.clone()),
            }),
            is_fulfilled_by_amazon: o.afn,
            prime_information: Some(m::PrimeInformationType {
                is_prime: o.afn,
                is_national_prime: o.afn,
            }),
            is_buy_box_winner: Some(o.buy_box_winner),
            // Every active offer is Buy Box eligible in the world.
            is_featured_merchant: Some(true),
            ..Default::default()
        })
        .collect();
    m::GetOffersResult {
        marketplace_id: c.marketplace_id.to_string(),
        asin: if c.sku.is_some() {
            None
        } else {
            Some(c.asin.clone())
        },
        sku: c.sku.clone(),
        item_condition: condition.clone(),
        status: "Success".into(),
        identifier: m::ItemIdentifier {
            marketplace_id: c.marketplace_id.to_string(),
            asin: if c.sku.is_some() {
                None
            } else {
                Some(c.asin.clone())
            },
            seller_sku: c.sku.clone(),
            item_condition: condition,
        },
        summary,
        offers,
    }
}

/// One batch item: its status line, headers and body (the result or the error envelope).
fn batch_item(
    ctx: &RequestContext,
    date: &str,
    item: Result<Competition, Error>,
) -> (
    m::GetOffersHttpStatusLine,
    m::HttpResponseHeaders,
    m::GetOffersResponse,
) {
    let headers = m::HttpResponseHeaders {
        date: Some(date.to_string()),
        x_amzn_request_id: Some(ctx.request_id.clone()),
    };
    match item {
        Ok(c) => (
            m::GetOffersHttpStatusLine {
                status_code: Some(200),
                reason_phrase: Some("OK".into()),
            },
            headers,
            m::GetOffersResponse {
                payload: Some(offers_result(&c)),
                errors: None,
            },
        ),
        Err(e) => {
            let e = ApiError::from(e);
            (
                m::GetOffersHttpStatusLine {
                    status_code: Some(e.status.as_u16() as i64),
                    reason_phrase: e.status.canonical_reason().map(str::to_string),
                },
                headers,
                m::GetOffersResponse {
                    payload: None,
                    errors: Some(
                        e.errors
                            .into_iter()
                            .map(|x| m::Error {
                                code: x.code,
                                message: x.message,
                                details: x.details,
                            })
                            .collect(),
                    ),
                },
            )
        }
    }
}

/// A getPricing / getCompetitivePricing answer.
fn price_list(p: &Priced, competitive: bool) -> Vec<m::Price> {
    let cur = p.currency;
    p.items
        .iter()
        .map(|i| {
            let product = i
                .asin
                .as_ref()
                .filter(|_| i.status == "Success")
                .map(|asin| {
                    let mut product = m::Product {
                        identifiers: m::IdentifierType {
                            marketplace_asin: m::ASINIdentifier {
                                marketplace_id: p.marketplace_id.to_string(),
                                asin: asin.clone(),
                            },
                            sku_identifier: i.sku.as_ref().map(|sku| m::SellerSKUIdentifier {
                                marketplace_id: p.marketplace_id.to_string(),
                                seller_id: p.seller_id.clone(),
                                seller_sku: sku.clone(),
                            }),
                        },
                        ..Default::default()
                    };
                    if competitive {
                        product.competitive_pricing = Some(m::CompetitivePricingType {
                            competitive_prices: i
                                .competitive
                                .iter()
                                .map(|c| m::CompetitivePriceType {
                                    competitive_price_id: c.id.to_string(),
                                    price: m::PriceType {
                                        landed_price: Some(money(c.price.landed(), cur)),
                                        listing_price: money(c.price.listing, cur),
                                        shipping: Some(money(c.price.shipping, cur)),
                                        points: None,
                                    },
                                    condition: Some(c.price.condition.clone()),
                                    belongs_to_requester: Some(c.mine),
                                    ..Default::default()
                                })
                                .collect(),
                            number_of_offer_listings: i
                                .counts
                                .iter()
                                .map(|(condition, count)| m::OfferListingCountType {
                                    count: *count,
                                    condition: condition.clone(),
                                })
                                .collect(),
                            trade_in_value: None,
                        });
                        product.sales_rankings = Some(
                            i.sales_rankings
                                .iter()
                                .map(|(id, rank)| m::SalesRankType {
                                    product_category_id: id.clone(),
                                    rank: *rank,
                                })
                                .collect(),
                        );
                    } else {
                        product.offers = Some(
                            i.own
                                .iter()
                                .map(|o| m::OfferType {
                                    offer_type: Some(m::OfferCustomerType::B2c),
                                    buying_price: m::PriceType {
                                        landed_price: Some(money(o.listing + o.shipping, cur)),
                                        listing_price: money(o.listing, cur),
                                        shipping: Some(money(o.shipping, cur)),
                                        points: None,
                                    },
                                    regular_price: money(o.listing, cur),
                                    fulfillment_channel: if o.afn { "AMAZON" } else { "MERCHANT" }
                                        .into(),
                                    item_condition: o.condition.clone(),
                                    item_sub_condition: o.sub_condition.clone(),
                                    seller_sku: o.sku.clone(),
                                    ..Default::default()
                                })
                                .collect(),
                        );
                    }
                    product
                });
            m::Price {
                status: i.status.to_string(),
                seller_sku: i.sku.clone(),
                asin: i.asin.clone(),
                product,
            }
        })
        .collect()
}

/// `ItemType` and the list it selects: `(ids, by SKU)`.
fn ids_of(item_type: &str, asins: Vec<String>, skus: Vec<String>) -> (Vec<String>, bool) {
    if item_type == "Sku" {
        (skus, true)
    } else {
        (asins, false)
    }
}

#[async_trait::async_trait]
impl ProductPricingV0Api for PricingV0 {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getPricing",
            "getCompetitivePricing",
            "getListingOffers",
            "getItemOffers",
            "getItemOffersBatch",
            "getListingOffersBatch",
        ]
    }

    async fn get_pricing(
        &self,
        ctx: &RequestContext,
        params: m::params::GetPricing,
    ) -> Result<m::GetPricingResponse, ApiError> {
        let (ids, by_sku) = ids_of(&params.item_type, params.asins, params.skus);
        let business = params.offer_type.as_deref() == Some("B2B");
        let priced = self
            .pricing
            .own_prices(
                &ctx.caller,
                &params.marketplace_id,
                &ids,
                by_sku,
                params.item_condition.as_deref(),
                business,
            )
            .await?;
        Ok(m::GetPricingResponse {
            payload: Some(price_list(&priced, false)),
            errors: None,
        })
    }

    async fn get_competitive_pricing(
        &self,
        ctx: &RequestContext,
        params: m::params::GetCompetitivePricing,
    ) -> Result<m::GetPricingResponse, ApiError> {
        let (ids, by_sku) = ids_of(&params.item_type, params.asins, params.skus);
        let priced = self
            .pricing
            .competitive_prices(&ctx.caller, &params.marketplace_id, &ids, by_sku)
            .await?;
        Ok(m::GetPricingResponse {
            payload: Some(price_list(&priced, true)),
            errors: None,
        })
    }

    async fn get_listing_offers(
        &self,
        ctx: &RequestContext,
        params: m::params::GetListingOffers,
    ) -> Result<m::GetOffersResponse, ApiError> {
        let c = self
            .pricing
            .listing_offers(
                &ctx.caller,
                &params.marketplace_id,
                &params.seller_sku,
                &params.item_condition,
            )
            .await?;
        Ok(m::GetOffersResponse {
            payload: Some(offers_result(&c)),
            errors: None,
        })
    }

    async fn get_item_offers(
        &self,
        ctx: &RequestContext,
        params: m::params::GetItemOffers,
    ) -> Result<m::GetOffersResponse, ApiError> {
        let c = self
            .pricing
            .item_offers(
                &ctx.caller,
                &params.marketplace_id,
                &params.asin,
                &params.item_condition,
            )
            .await?;
        Ok(m::GetOffersResponse {
            payload: Some(offers_result(&c)),
            errors: None,
        })
    }

    async fn get_item_offers_batch(
        &self,
        ctx: &RequestContext,
        params: m::params::GetItemOffersBatch,
    ) -> Result<m::GetItemOffersBatchResponse, ApiError> {
        let requests = params.body.requests.unwrap_or_default();
        let asks: Vec<pricing::OffersAsk> = requests
            .iter()
            .map(|r| pricing::OffersAsk {
                uri: r.uri.clone(),
                method: r.method.as_str().to_string(),
                marketplace_id: r.marketplace_id.clone(),
                condition: r.item_condition.as_str().to_string(),
            })
            .collect();
        let items = self.pricing.offers_batch(&ctx.caller, &asks, false).await?;
        let date = pricing::http_date(self.pricing.now_us());
        let responses = requests
            .into_iter()
            .zip(items)
            .map(|(r, item)| {
                let asin = r
                    .uri
                    .strip_prefix("/products/pricing/v0/items/")
                    .and_then(|x| x.strip_suffix("/offers"))
                    .map(str::to_string);
                let (status, headers, body) = batch_item(ctx, &date, item);
                m::ItemOffersResponse {
                    headers: Some(headers),
                    status: Some(status),
                    body,
                    request: m::ItemOffersRequestParams {
                        marketplace_id: r.marketplace_id,
                        item_condition: r.item_condition,
                        customer_type: r.customer_type,
                        asin,
                    },
                }
            })
            .collect();
        Ok(m::GetItemOffersBatchResponse {
            responses: Some(responses),
        })
    }

    async fn get_listing_offers_batch(
        &self,
        ctx: &RequestContext,
        params: m::params::GetListingOffersBatch,
    ) -> Result<m::GetListingOffersBatchResponse, ApiError> {
        let requests = params.body.requests.unwrap_or_default();
        let asks: Vec<pricing::OffersAsk> = requests
            .iter()
            .map(|r| pricing::OffersAsk {
                uri: r.uri.clone(),
                method: r.method.as_str().to_string(),
                marketplace_id: r.marketplace_id.clone(),
                condition: r.item_condition.as_str().to_string(),
            })
            .collect();
        let items = self.pricing.offers_batch(&ctx.caller, &asks, true).await?;
        let date = pricing::http_date(self.pricing.now_us());
        let responses = requests
            .into_iter()
            .zip(items)
            .map(|(r, item)| {
                let sku = r
                    .uri
                    .strip_prefix("/products/pricing/v0/listings/")
                    .and_then(|x| x.strip_suffix("/offers"))
                    .map(|x| {
                        percent_encoding::percent_decode_str(x)
                            .decode_utf8_lossy()
                            .into_owned()
                    })
                    .unwrap_or_default();
                let (status, headers, body) = batch_item(ctx, &date, item);
                m::ListingOffersResponse {
                    headers: Some(headers),
                    status: Some(status),
                    body,
                    request: Some(m::ListingOffersRequestParams {
                        marketplace_id: r.marketplace_id,
                        item_condition: r.item_condition,
                        customer_type: r.customer_type,
                        seller_sku: sku,
                    }),
                }
            })
            .collect();
        Ok(m::GetListingOffersBatchResponse {
            responses: Some(responses),
        })
    }
}
