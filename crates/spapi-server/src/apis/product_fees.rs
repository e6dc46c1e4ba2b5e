//! Product Fees v0: fee estimates for an SKU, an ASIN, or a batch of both.

use crate::generated::product_fees_v0::ProductFeesV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::fees::{Amount, Ask, Estimates, FeeService, IdKind, Outcome};
use spapi_model::product_fees_v0 as m;

/// Product Fees over the world's fee schedule.
pub struct ProductFees {
    fees: FeeService,
}

impl ProductFees {
    /// Product Fees answered by `fees`.
    pub fn new(fees: FeeService) -> Self {
        ProductFees { fees }
    }
}

/// The domain's question from a request body item.
fn ask_of(kind: IdKind, id: &str, r: &m::FeesEstimateRequest) -> Ask {
    let amount = |a: &m::MoneyType| Amount {
        value: a.amount,
        currency: a.currency_code.clone(),
    };
    Ask {
        kind,
        id: id.to_string(),
        marketplace_id: r.marketplace_id.clone(),
        amazon_fulfilled: r.is_amazon_fulfilled,
        listing_price: amount(&r.price_to_estimate_fees.listing_price),
        shipping: r.price_to_estimate_fees.shipping.as_ref().map(amount),
    }
}

fn type_of(kind: IdKind) -> m::IdType {
    match kind {
        IdKind::Asin => m::IdType::Asin,
        IdKind::SellerSku => m::IdType::SellerSKU,
    }
}

fn money(minor: i64, currency: &str) -> m::MoneyType {
    m::MoneyType {
        currency_code: Some(currency.to_string()),
        amount: Some(crate::market::money::to_decimal(minor, currency)),
    }
}

/// A `FeesEstimateResult` of one item: the identifier echoes the request, then the estimate
/// or the item's error.
fn result(
    e: &Estimates,
    outcome: &Outcome,
    id_type: m::IdType,
    id: &str,
    r: &m::FeesEstimateRequest,
) -> m::FeesEstimateResult {
    let mut identifier = m::FeesEstimateIdentifier {
        marketplace_id: Some(r.marketplace_id.clone()),
        seller_id: Some(e.seller_id.clone()),
        id_type: Some(id_type),
        id_value: Some(id.to_string()),
        is_amazon_fulfilled: r.is_amazon_fulfilled,
        price_to_estimate_fees: Some(r.price_to_estimate_fees.clone()),
        seller_input_identifier: Some(r.identifier.clone()),
        optional_fulfillment_program: r.optional_fulfillment_program.clone(),
    };
    match outcome {
        Outcome::Estimated(est) => {
            identifier.is_amazon_fulfilled = Some(est.amazon_fulfilled);
            let c = est.currency;
            let lines = est
                .lines
                .iter()
                .map(|l| m::FeeDetail {
                    fee_type: l.fee_type.to_string(),
                    fee_amount: money(l.amount, c),
                    fee_promotion: Some(money(0, c)),
                    tax_amount: Some(money(0, c)),
                    final_fee: money(l.amount, c),
                    included_fee_detail_list: (!l.included.is_empty()).then(|| {
                        l.included
                            .iter()
                            .map(|(t, a)| m::IncludedFeeDetail {
                                fee_type: t.to_string(),
                                fee_amount: money(*a, c),
                                fee_promotion: Some(money(0, c)),
                                tax_amount: Some(money(0, c)),
                                final_fee: money(*a, c),
                            })
                            .collect()
                    }),
                })
                .collect();
            m::FeesEstimateResult {
                status: Some("Success".into()),
                fees_estimate_identifier: Some(identifier),
                fees_estimate: Some(m::FeesEstimate {
                    time_of_fees_estimation: crate::time::iso_us(e.at_us),
                    total_fees_estimate: Some(money(est.total, c)),
                    fee_detail_list: Some(lines),
                }),
                error: None,
            }
        }
        Outcome::ClientError(why) => {
            tracing::debug!(%why, "fee estimate refused");
            m::FeesEstimateResult {
                status: Some("ClientError".into()),
                fees_estimate_identifier: Some(identifier),
                fees_estimate: None,
                // Amazon's words for every refused item (its own typo included).
                error: Some(m::FeesEstimateError {
                    r#type: "Sender".into(),
                    code: "InvalidParameterValue".into(),
                    message: "There is an client-side error. Please verify your inputs.".into(),
                    detail: vec![],
                }),
            }
        }
    }
}

/// The body's `FeesEstimateRequest`, which the model leaves optional and Amazon requires.
fn required(body: &m::GetMyFeesEstimateRequest) -> Result<&m::FeesEstimateRequest, ApiError> {
    body.fees_estimate_request.as_ref().ok_or_else(|| {
        ApiError::invalid_input("Missing objects [FeesEstimateRequest] in body parameters.")
    })
}

impl ProductFees {
    async fn single(
        &self,
        ctx: &RequestContext,
        kind: IdKind,
        id: &str,
        body: &m::GetMyFeesEstimateRequest,
    ) -> Result<m::GetMyFeesEstimateResponse, ApiError> {
        let r = required(body)?;
        let e = self
            .fees
            .estimate(&ctx.caller, &ask_of(kind, id, r))
            .await?;
        let outcome = e
            .outcomes
            .first()
            .ok_or_else(|| ApiError::internal("no outcome"))?;
        Ok(m::GetMyFeesEstimateResponse {
            payload: Some(m::GetMyFeesEstimateResult {
                fees_estimate_result: Some(result(&e, outcome, type_of(kind), id, r)),
            }),
            errors: None,
        })
    }
}

#[async_trait::async_trait]
impl ProductFeesV0Api for ProductFees {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getMyFeesEstimateForSKU",
            "getMyFeesEstimateForASIN",
            "getMyFeesEstimates",
        ]
    }

    async fn get_my_fees_estimate_for_sku(
        &self,
        ctx: &RequestContext,
        params: m::params::GetMyFeesEstimateForSKU,
    ) -> Result<m::GetMyFeesEstimateResponse, ApiError> {
        self.single(ctx, IdKind::SellerSku, &params.seller_sku, &params.body)
            .await
    }

    async fn get_my_fees_estimate_for_asin(
        &self,
        ctx: &RequestContext,
        params: m::params::GetMyFeesEstimateForASIN,
    ) -> Result<m::GetMyFeesEstimateResponse, ApiError> {
        self.single(ctx, IdKind::Asin, &params.asin, &params.body)
            .await
    }

    async fn get_my_fees_estimates(
        &self,
        ctx: &RequestContext,
        params: m::params::GetMyFeesEstimates,
    ) -> Result<m::GetMyFeesEstimatesResponse, ApiError> {
        // An item without its FeesEstimateRequest is that item's error, not the batch's.
        let empty = m::FeesEstimateRequest::default();
        let items: Vec<(&m::IdType, &str, &m::FeesEstimateRequest)> = params
            .body
            .iter()
            .map(|i| {
                let r = i.fees_estimate_request.as_ref().unwrap_or(&empty);
                (&i.id_type, i.id_value.as_str(), r)
            })
            .collect();
        let asks: Vec<Ask> = items
            .iter()
            .map(|(t, id, r)| {
                // An IdType outside the model's two is looked up as an SKU, which names no
                // listing: the item's ClientError.
                let kind = if **t == m::IdType::Asin {
                    IdKind::Asin
                } else {
                    IdKind::SellerSku
                };
                let mut ask = ask_of(kind, id, r);
                if matches!(t, m::IdType::Unknown(_)) {
                    ask.id.clear();
                }
                ask
            })
            .collect();
        let e = self.fees.estimate_batch(&ctx.caller, &asks).await?;
        Ok(items
            .iter()
            .zip(&e.outcomes)
            .map(|((t, id, r), o)| result(&e, o, (*t).clone(), id, r))
            .collect())
    }
}
