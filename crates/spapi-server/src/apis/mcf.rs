//! Fulfillment Outbound 2020-07-01 (Multi-Channel Fulfillment) over the world's FBA stock
//! (`market::mcf`).

use crate::generated::fulfillment_outbound_2020_07_01::FulfillmentOutbound20200701Api;
use crate::http::{ApiError, RequestContext};
use crate::market::mcf::Fulfillment;
use spapi_model::fulfillment_outbound_2020_07_01 as m;

/// The Fulfillment Outbound API over the world's MCF orders.
pub struct Mcf {
    fulfillment: Fulfillment,
}

impl Mcf {
    /// The API over `fulfillment`.
    pub fn new(fulfillment: Fulfillment) -> Self {
        Mcf { fulfillment }
    }
}

#[async_trait::async_trait]
impl FulfillmentOutbound20200701Api for Mcf {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "createFulfillmentOrder",
            "getFulfillmentOrder",
            "listAllFulfillmentOrders",
            "cancelFulfillmentOrder",
            "updateFulfillmentOrder",
            "getPackageTrackingDetails",
            "getFulfillmentPreview",
        ]
    }

    async fn create_fulfillment_order(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateFulfillmentOrder,
    ) -> Result<m::CreateFulfillmentOrderResponse, ApiError> {
        self.fulfillment.create(&ctx.caller, &params.body).await?;
        Ok(m::CreateFulfillmentOrderResponse::default())
    }

    async fn get_fulfillment_order(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFulfillmentOrder,
    ) -> Result<m::GetFulfillmentOrderResponse, ApiError> {
        let order = self
            .fulfillment
            .get(&ctx.caller, &params.seller_fulfillment_order_id)
            .await?;
        Ok(m::GetFulfillmentOrderResponse {
            payload: Some(order),
            errors: None,
        })
    }

    async fn list_all_fulfillment_orders(
        &self,
        ctx: &RequestContext,
        params: m::params::ListAllFulfillmentOrders,
    ) -> Result<m::ListAllFulfillmentOrdersResponse, ApiError> {
        let page = self
            .fulfillment
            .list(
                &ctx.caller,
                params.query_start_date.as_deref(),
                params.next_token.as_deref(),
            )
            .await?;
        Ok(m::ListAllFulfillmentOrdersResponse {
            payload: Some(m::ListAllFulfillmentOrdersResult {
                next_token: page.next_token,
                fulfillment_orders: Some(page.orders),
            }),
            errors: None,
        })
    }

    async fn cancel_fulfillment_order(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelFulfillmentOrder,
    ) -> Result<m::CancelFulfillmentOrderResponse, ApiError> {
        self.fulfillment
            .cancel(&ctx.caller, &params.seller_fulfillment_order_id)
            .await?;
        Ok(m::CancelFulfillmentOrderResponse::default())
    }

    async fn update_fulfillment_order(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateFulfillmentOrder,
    ) -> Result<m::UpdateFulfillmentOrderResponse, ApiError> {
        self.fulfillment
            .update(
                &ctx.caller,
                &params.seller_fulfillment_order_id,
                &params.body,
            )
            .await?;
        Ok(m::UpdateFulfillmentOrderResponse::default())
    }

    async fn get_package_tracking_details(
        &self,
        ctx: &RequestContext,
        params: m::params::GetPackageTrackingDetails,
    ) -> Result<m::GetPackageTrackingDetailsResponse, ApiError> {
        let details = self
            .fulfillment
            .tracking(&ctx.caller, params.package_number)
            .await?;
        Ok(m::GetPackageTrackingDetailsResponse {
            payload: Some(details),
            errors: None,
        })
    }

    async fn get_fulfillment_preview(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFulfillmentPreview,
    ) -> Result<m::GetFulfillmentPreviewResponse, ApiError> {
        let previews = self.fulfillment.preview(&ctx.caller, &params.body).await?;
        Ok(m::GetFulfillmentPreviewResponse {
            payload: Some(m::GetFulfillmentPreviewResult {
                fulfillment_previews: Some(previews),
            }),
            errors: None,
        })
    }
}
