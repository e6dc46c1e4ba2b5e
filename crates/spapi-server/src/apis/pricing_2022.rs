//! Product Pricing 2022-05-01: featured offer expected prices and competitive summaries.
//!
//! Errors inside batch items are this API's own: `INVALID_SKU` for an SKU the seller does not
//! have, `INVALID_ASIN` for an ASIN the catalog does not have; other refusals keep the common
//! codes (`InvalidInput`).

use crate::error::Error;
use crate::generated::product_pricing_2022_05_01::ProductPricing20220501Api;
use crate::http::{ApiError, RequestContext};
use crate::market::pricing::{self, CompetingOffer, FeaturedOffer, PricingService};
use spapi_model::product_pricing_2022_05_01 as m;
use std::collections::BTreeMap;

/// Product Pricing 2022-05-01 over the world's offers.
pub struct Pricing2022 {
    pricing: PricingService,
}

impl Pricing2022 {
    /// Pricing 2022-05-01 answered by `pricing`.
    pub fn new(pricing: PricingService) -> Self {
        Pricing2022 { pricing }
    }
}

fn money(minor: i64, currency: &str) -> m::MoneyType {
    m::MoneyType {
        currency_code: Some(currency.to_string()),
        amount: Some(crate::market::money::to_decimal(minor, currency)),
    }
}

fn fulfillment(afn: bool) -> m::FulfillmentType {
    if afn {
        m::FulfillmentType::Afn
    } else {
        m::FulfillmentType::Mfn
    }
}

fn status_line(status: u16) -> m::HttpStatusLine {
    m::HttpStatusLine {
        status_code: Some(status as i64),
        reason_phrase: Some(
            if status == 200 {
                "Success"
            } else {
                axum::http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error")
            }
            .to_string(),
        ),
    }
}

/// An item's refusal in this API's family: `not_found_code` for the item that does not
/// exist, the common envelope's code otherwise.
fn item_error(e: Error, not_found_code: &str) -> (u16, Vec<m::Error>) {
    if let Error::NotFound(message) = &e {
        return (
            400,
            vec![m::Error {
                code: not_found_code.into(),
                message: message.clone(),
                details: None,
            }],
        );
    }
    let api = ApiError::from(e);
    (
        api.status.as_u16(),
        api.errors
            .into_iter()
            .map(|x| m::Error {
                code: x.code,
                message: x.message,
                details: x.details,
            })
            .collect(),
    )
}

fn featured_offer(
    o: &FeaturedOffer,
    asin: &str,
    marketplace_id: &str,
    currency: &str,
) -> m::FeaturedOffer {
    m::FeaturedOffer {
        offer_identifier: m::OfferIdentifier {
            marketplace_id: marketplace_id.to_string(),
            seller_id: Some(o.seller_id.clone()),
            sku: None,
            asin: asin.to_string(),
            fulfillment_type: Some(fulfillment(o.afn)),
        },
        condition: Some(m::Condition::from_wire(&o.condition)),
        price: Some(m::Price {
            listing_price: money(o.listing, currency),
            shipping_price: Some(money(o.shipping, currency)),
            points: None,
        }),
    }
}

fn prime(afn: bool) -> m::PrimeDetails {
    m::PrimeDetails {
        eligibility: if afn {
            m::PrimeDetailsEligibility::National
        } else {
            m::PrimeDetailsEligibility::None
        },
    }
}

fn offer(o: &CompetingOffer, currency: &str) -> m::Offer {
    m::Offer {
        seller_id: o.seller_id.clone(),
        condition: m::Condition::from_wire(&pricing::capitalized(&o.condition)),
        sub_condition: Some(m::OfferSubCondition::from_wire(
            &pricing::camel_sub_condition(&o.sub_condition),
        )),
        fulfillment_type: fulfillment(o.afn),
        listing_price: money(o.listing, currency),
        shipping_options: Some(vec![m::ShippingOption {
            shipping_option_type: m::ShippingOptionShippingOptionType::Default,
            price: money(o.shipping, currency),
        }]),
        points: None,
        prime_details: Some(prime(o.afn)),
        promotions: None,
    }
}

fn segmented(o: &CompetingOffer, currency: &str) -> m::SegmentedFeaturedOffer {
    m::SegmentedFeaturedOffer {
        seller_id: o.seller_id.clone(),
        condition: m::Condition::from_wire(&pricing::capitalized(&o.condition)),
        sub_condition: Some(m::SegmentedFeaturedOfferSubCondition::from_wire(
            &pricing::camel_sub_condition(&o.sub_condition),
        )),
        fulfillment_type: fulfillment(o.afn),
        listing_price: money(o.listing, currency),
        shipping_options: Some(vec![m::ShippingOption {
            shipping_option_type: m::ShippingOptionShippingOptionType::Default,
            price: money(o.shipping, currency),
        }]),
        points: None,
        prime_details: Some(prime(o.afn)),
        promotions: None,
        // The world has one Buy Box for every customer: it is featured to all of them.
        featured_offer_segments: vec![m::FeaturedOfferSegment {
            customer_membership: m::FeaturedOfferSegmentCustomerMembership::Default,
            segment_details: m::SegmentDetails {
                glance_view_weight_percentage: Some(100.0),
                sample_location: None,
            },
        }],
    }
}

#[async_trait::async_trait]
impl ProductPricing20220501Api for Pricing2022 {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getFeaturedOfferExpectedPriceBatch",
            "getCompetitiveSummary",
        ]
    }

    async fn get_featured_offer_expected_price_batch(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeaturedOfferExpectedPriceBatch,
    ) -> Result<m::GetFeaturedOfferExpectedPriceBatchResponse, ApiError> {
        let requests = params.body.requests.unwrap_or_default();
        let asks: Vec<pricing::FoepAsk> = requests
            .iter()
            .map(|r| pricing::FoepAsk {
                uri: r.uri.clone(),
                method: r.method.as_str().to_string(),
                marketplace_id: r.marketplace_id.clone(),
                sku: r.sku.clone(),
            })
            .collect();
        let items = self
            .pricing
            .featured_offer_expected_prices(&ctx.caller, &asks)
            .await?;
        let date = pricing::http_date(self.pricing.now_us());
        let responses = requests
            .into_iter()
            .zip(items)
            .map(|(r, item)| {
                let headers = BTreeMap::from([
                    ("x-amzn-RequestId".to_string(), ctx.request_id.clone()),
                    ("Date".to_string(), date.clone()),
                ]);
                let request = m::FeaturedOfferExpectedPriceRequestParams {
                    marketplace_id: r.marketplace_id,
                    sku: r.sku,
                    segment: r.segment,
                };
                let (status, body) = match item {
                    Ok(f) => {
                        let cur = f.currency;
                        let result = m::FeaturedOfferExpectedPriceResult {
                            featured_offer_expected_price: f.price.map(|p| {
                                m::FeaturedOfferExpectedPrice {
                                    listing_price: money(p, cur),
                                    points: None,
                                }
                            }),
                            result_status: f.result_status.to_string(),
                            competing_featured_offer: f
                                .competing
                                .as_ref()
                                .map(|o| featured_offer(o, &f.asin, f.marketplace_id, cur)),
                            current_featured_offer: f
                                .current
                                .as_ref()
                                .map(|o| featured_offer(o, &f.asin, f.marketplace_id, cur)),
                        };
                        (
                            200,
                            m::FeaturedOfferExpectedPriceResponseBody {
                                offer_identifier: Some(m::OfferIdentifier {
                                    marketplace_id: f.marketplace_id.to_string(),
                                    seller_id: Some(f.seller_id.clone()),
                                    sku: Some(f.sku.clone()),
                                    asin: f.asin.clone(),
                                    fulfillment_type: Some(fulfillment(f.afn)),
                                }),
                                featured_offer_expected_price_results: Some(vec![result]),
                                errors: None,
                            },
                        )
                    }
                    Err(e) => {
                        let (status, errors) = item_error(e, "INVALID_SKU");
                        (
                            status,
                            m::FeaturedOfferExpectedPriceResponseBody {
                                errors: Some(errors),
                                ..Default::default()
                            },
                        )
                    }
                };
                m::FeaturedOfferExpectedPriceResponse {
                    headers,
                    status: status_line(status),
                    request,
                    body: Some(body),
                }
            })
            .collect();
        Ok(m::GetFeaturedOfferExpectedPriceBatchResponse {
            responses: Some(responses),
        })
    }

    async fn get_competitive_summary(
        &self,
        ctx: &RequestContext,
        params: m::params::GetCompetitiveSummary,
    ) -> Result<m::CompetitiveSummaryBatchResponse, ApiError> {
        let requests = params.body.requests;
        let asks: Vec<pricing::SummaryAsk> = requests
            .iter()
            .map(|r| pricing::SummaryAsk {
                uri: r.uri.clone(),
                method: r.method.as_str().to_string(),
                asin: r.asin.clone(),
                marketplace_id: r.marketplace_id.clone(),
                included: r
                    .included_data
                    .iter()
                    .map(|d| d.as_str().to_string())
                    .collect(),
                lowest_conditions: r
                    .lowest_priced_offers_inputs
                    .iter()
                    .flatten()
                    .map(|i| i.item_condition.as_str().to_string())
                    .collect(),
            })
            .collect();
        let items = self
            .pricing
            .competitive_summaries(&ctx.caller, &asks)
            .await?;
        let responses = requests
            .into_iter()
            .zip(items)
            .map(|(r, item)| match item {
                Ok(s) => {
                    let cur = s.currency;
                    let body = m::CompetitiveSummaryResponseBody {
                        asin: s.asin.clone(),
                        marketplace_id: s.marketplace_id.to_string(),
                        featured_buying_options: s.featured.as_ref().map(|offers| {
                            if offers.is_empty() {
                                return vec![];
                            }
                            vec![m::FeaturedBuyingOption {
                                buying_option_type: m::FeaturedBuyingOptionBuyingOptionType::New,
                                segmented_featured_offers: offers
                                    .iter()
                                    .map(|o| segmented(o, cur))
                                    .collect(),
                            }]
                        }),
                        lowest_priced_offers: s.lowest.as_ref().map(|groups| {
                            groups
                                .iter()
                                .map(|(condition, offers)| m::LowestPricedOffer {
                                    lowest_priced_offers_input: m::LowestPricedOffersInput {
                                        item_condition: m::Condition::from_wire(condition),
                                        offer_type: m::LowestPricedOffersInputOfferType::Consumer,
                                    },
                                    offers: offers.iter().map(|o| offer(o, cur)).collect(),
                                })
                                .collect()
                        }),
                        reference_prices: s.reference_prices.as_ref().map(|prices| {
                            prices
                                .iter()
                                .map(|(name, p)| m::ReferencePrice {
                                    name: name.to_string(),
                                    price: money(*p, cur),
                                })
                                .collect()
                        }),
                        similar_items: s.similar_items.then(Vec::new),
                        errors: None,
                    };
                    m::CompetitiveSummaryResponse {
                        status: status_line(200),
                        body,
                    }
                }
                Err(e) => {
                    let (status, errors) = item_error(e, "INVALID_ASIN");
                    m::CompetitiveSummaryResponse {
                        status: status_line(status),
                        body: m::CompetitiveSummaryResponseBody {
                            asin: r.asin,
                            marketplace_id: r.marketplace_id,
                            errors: Some(errors),
                            ..Default::default()
                        },
                    }
                }
            })
            .collect();
        Ok(m::CompetitiveSummaryBatchResponse { responses })
    }
}
