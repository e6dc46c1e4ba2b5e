//! Shipping v1 over the carrier world (`market::shipping::v1`). Errors are the classic
//! envelope: 400 `InvalidInput` naming the field, 404 `NotFound`.

use crate::generated::shipping_v1::ShippingV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::shipping::v1::ShippingV1 as World;
use spapi_model::shipping_v1 as m;

/// The Shipping v1 API over the world's labels.
pub struct ShippingV1 {
    world: World,
}

impl ShippingV1 {
    /// The API over `world`.
    pub fn new(world: World) -> Self {
        ShippingV1 { world }
    }
}

#[async_trait::async_trait]
impl ShippingV1Api for ShippingV1 {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "createShipment",
            "getShipment",
            "cancelShipment",
            "purchaseLabels",
            "retrieveShippingLabel",
            "purchaseShipment",
            "getRates",
            "getAccount",
            "getTrackingInformation",
        ]
    }

    async fn create_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateShipment,
    ) -> Result<m::CreateShipmentResponse, ApiError> {
        let r = self.world.create(&ctx.caller, &params.body).await?;
        Ok(m::CreateShipmentResponse {
            payload: Some(r),
            errors: None,
        })
    }

    async fn get_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::GetShipment,
    ) -> Result<m::GetShipmentResponse, ApiError> {
        let r = self.world.get(&ctx.caller, &params.shipment_id).await?;
        Ok(m::GetShipmentResponse {
            payload: Some(r),
            errors: None,
        })
    }

    async fn cancel_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelShipment,
    ) -> Result<m::CancelShipmentResponse, ApiError> {
        self.world.cancel(&ctx.caller, &params.shipment_id).await?;
        Ok(m::CancelShipmentResponse { errors: None })
    }

    async fn purchase_labels(
        &self,
        ctx: &RequestContext,
        params: m::params::PurchaseLabels,
    ) -> Result<m::PurchaseLabelsResponse, ApiError> {
        let r = self
            .world
            .purchase_labels(&ctx.caller, &params.shipment_id, &params.body)
            .await?;
        Ok(m::PurchaseLabelsResponse {
            payload: Some(r),
            errors: None,
        })
    }

    async fn retrieve_shipping_label(
        &self,
        ctx: &RequestContext,
        params: m::params::RetrieveShippingLabel,
    ) -> Result<m::RetrieveShippingLabelResponse, ApiError> {
        let r = self
            .world
            .retrieve_label(
                &ctx.caller,
                &params.shipment_id,
                &params.tracking_id,
                &params.body,
            )
            .await?;
        Ok(m::RetrieveShippingLabelResponse {
            payload: Some(r),
            errors: None,
        })
    }

    async fn purchase_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::PurchaseShipment,
    ) -> Result<m::PurchaseShipmentResponse, ApiError> {
        let r = self
            .world
            .purchase_shipment(&ctx.caller, &params.body)
            .await?;
        Ok(m::PurchaseShipmentResponse {
            payload: Some(r),
            errors: None,
        })
    }

    async fn get_rates(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetRates,
    ) -> Result<m::GetRatesResponse, ApiError> {
        let r = self.world.rates(&params.body)?;
        Ok(m::GetRatesResponse {
            payload: Some(r),
            errors: None,
        })
    }

    async fn get_account(
        &self,
        ctx: &RequestContext,
        _params: m::params::GetAccount,
    ) -> Result<m::GetAccountResponse, ApiError> {
        Ok(m::GetAccountResponse {
            payload: Some(self.world.account(&ctx.caller)),
            errors: None,
        })
    }

    async fn get_tracking_information(
        &self,
        ctx: &RequestContext,
        params: m::params::GetTrackingInformation,
    ) -> Result<m::GetTrackingInformationResponse, ApiError> {
        let r = self
            .world
            .tracking(&ctx.caller, &params.tracking_id)
            .await?;
        Ok(m::GetTrackingInformationResponse {
            payload: Some(r),
            errors: None,
        })
    }
}
