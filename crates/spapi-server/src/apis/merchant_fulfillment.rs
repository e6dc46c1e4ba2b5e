//! Merchant Fulfillment v0 over the carrier world (`market::shipping::mfn`).

use crate::auth::personal_data;
use crate::generated::merchant_fulfillment_v0::MerchantFulfillmentV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::shipping::mfn::MerchantFulfillment as World;
use spapi_model::merchant_fulfillment_v0 as m;

/// The Merchant Fulfillment API over the world's labels.
pub struct MerchantFulfillment {
    world: World,
}

impl MerchantFulfillment {
    /// The API over `world`.
    pub fn new(world: World) -> Self {
        MerchantFulfillment { world }
    }
}

/// Whether this call may see the buyer's address (a Restricted Data Token for it).
fn shows_address(ctx: &RequestContext) -> bool {
    personal_data::may_see(&ctx.caller, ctx.operation, personal_data::SHIPPING_ADDRESS)
}

#[async_trait::async_trait]
impl MerchantFulfillmentV0Api for MerchantFulfillment {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getEligibleShipmentServices",
            "getShipment",
            "cancelShipment",
            "createShipment",
            "getAdditionalSellerInputs",
        ]
    }

    async fn get_eligible_shipment_services(
        &self,
        ctx: &RequestContext,
        params: m::params::GetEligibleShipmentServices,
    ) -> Result<m::GetEligibleShipmentServicesResponse, ApiError> {
        let result = self
            .world
            .eligible_services(&ctx.caller, &params.body)
            .await?;
        Ok(m::GetEligibleShipmentServicesResponse {
            payload: Some(result),
            errors: None,
        })
    }

    async fn get_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::GetShipment,
    ) -> Result<m::GetShipmentResponse, ApiError> {
        let s = self
            .world
            .get(&ctx.caller, &params.shipment_id, shows_address(ctx))
            .await?;
        Ok(m::GetShipmentResponse {
            payload: Some(s),
            errors: None,
        })
    }

    async fn cancel_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelShipment,
    ) -> Result<m::CancelShipmentResponse, ApiError> {
        let s = self
            .world
            .cancel(&ctx.caller, &params.shipment_id, shows_address(ctx))
            .await?;
        Ok(m::CancelShipmentResponse {
            payload: Some(s),
            errors: None,
        })
    }

    async fn create_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateShipment,
    ) -> Result<m::CreateShipmentResponse, ApiError> {
        let s = self
            .world
            .create(&ctx.caller, &params.body, shows_address(ctx))
            .await?;
        Ok(m::CreateShipmentResponse {
            payload: Some(s),
            errors: None,
        })
    }

    async fn get_additional_seller_inputs(
        &self,
        ctx: &RequestContext,
        params: m::params::GetAdditionalSellerInputs,
    ) -> Result<m::GetAdditionalSellerInputsResponse, ApiError> {
        let result = self
            .world
            .additional_seller_inputs(&ctx.caller, &params.body)
            .await?;
        Ok(m::GetAdditionalSellerInputsResponse {
            payload: Some(result),
            errors: None,
        })
    }
}
