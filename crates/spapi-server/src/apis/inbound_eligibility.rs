//! FBA Inbound Eligibility v1 over the catalog (`market::inbound::eligibility`).

use crate::generated::fba_inbound_v1::FbaInboundV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::inbound::eligibility::Eligibility;
use spapi_model::fba_inbound_v1 as m;

/// The FBA Inbound Eligibility API.
pub struct InboundEligibility {
    eligibility: Eligibility,
}

impl InboundEligibility {
    /// The API over `eligibility`.
    pub fn new(eligibility: Eligibility) -> Self {
        InboundEligibility { eligibility }
    }
}

#[async_trait::async_trait]
impl FbaInboundV1Api for InboundEligibility {
    fn implemented(&self) -> &'static [&'static str] {
        &["getItemEligibilityPreview"]
    }

    async fn get_item_eligibility_preview(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetItemEligibilityPreview,
    ) -> Result<m::GetItemEligibilityPreviewResponse, ApiError> {
        let marketplace = params.marketplace_ids.first().map(String::as_str);
        if params.marketplace_ids.len() > 1 {
            return Err(ApiError::invalid_parameter(
                "marketplaceIds",
                "Only one marketplace id is accepted.",
            ));
        }
        let p = self
            .eligibility
            .preview(&params.asin, &params.program, marketplace)
            .await?;
        // Amazon answers a COMMINGLING preview without the marketplace.
        let marketplace_id = (params.program == "INBOUND")
            .then(|| marketplace.map(str::to_string))
            .flatten();
        Ok(m::GetItemEligibilityPreviewResponse {
            payload: Some(m::ItemEligibilityPreview {
                asin: params.asin,
                marketplace_id,
                program: m::ItemEligibilityPreviewProgram::from_wire(&params.program),
                is_eligible_for_program: p.eligible,
                ineligibility_reason_list: (!p.eligible).then(|| {
                    p.reasons
                        .iter()
                        .map(|r| m::ItemEligibilityPreviewIneligibilityReasonListItem::from_wire(r))
                        .collect()
                }),
            }),
            errors: None,
        })
    }
}
