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
            "deliveryOffers",
            "listReturnReasonCodes",
            "createFulfillmentReturn",
            "submitFulfillmentOrderStatusUpdate",
            "getFeatures",
            "getFeatureInventory",
            "getFeatureSKU",
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

    async fn delivery_offers(
        &self,
        ctx: &RequestContext,
        params: m::params::DeliveryOffers,
    ) -> Result<m::GetDeliveryOffersResponse, ApiError> {
        let offers = self
            .fulfillment
            .delivery_offers(&ctx.caller, &params.body)
            .await?;
        Ok(m::GetDeliveryOffersResponse {
            payload: Some(m::GetDeliveryOffersResult {
                delivery_offers: Some(offers),
            }),
            errors: None,
        })
    }

    async fn list_return_reason_codes(
        &self,
        ctx: &RequestContext,
        params: m::params::ListReturnReasonCodes,
    ) -> Result<m::ListReturnReasonCodesResponse, ApiError> {
        let codes = self
            .fulfillment
            .reason_codes(
                &ctx.caller,
                &params.seller_sku,
                params.marketplace_id.as_deref(),
                params.seller_fulfillment_order_id.as_deref(),
                params.language.as_deref(),
            )
            .await?;
        Ok(m::ListReturnReasonCodesResponse {
            payload: Some(m::ListReturnReasonCodesResult {
                reason_code_details: Some(codes),
            }),
            errors: None,
        })
    }

    async fn create_fulfillment_return(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateFulfillmentReturn,
    ) -> Result<m::CreateFulfillmentReturnResponse, ApiError> {
        let result = self
            .fulfillment
            .create_return(
                &ctx.caller,
                &params.seller_fulfillment_order_id,
                &params.body,
            )
            .await?;
        Ok(m::CreateFulfillmentReturnResponse {
            payload: Some(result),
            errors: None,
        })
    }

    // Amazon serves this operation on its sandbox hosts only; spapi serves it everywhere as
    // the way to move one order on without advancing the clock.
    async fn submit_fulfillment_order_status_update(
        &self,
        ctx: &RequestContext,
        params: m::params::SubmitFulfillmentOrderStatusUpdate,
    ) -> Result<m::SubmitFulfillmentOrderStatusUpdateResponse, ApiError> {
        self.fulfillment
            .force_status(
                &ctx.caller,
                &params.seller_fulfillment_order_id,
                params.body.fulfillment_order_status.as_ref(),
            )
            .await?;
        Ok(m::SubmitFulfillmentOrderStatusUpdateResponse::default())
    }

    async fn get_features(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeatures,
    ) -> Result<m::GetFeaturesResponse, ApiError> {
        let features = self
            .fulfillment
            .features(&ctx.caller, &params.marketplace_id)
            .await?;
        Ok(m::GetFeaturesResponse {
            payload: Some(m::GetFeaturesResult { features }),
            errors: None,
        })
    }

    async fn get_feature_inventory(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeatureInventory,
    ) -> Result<m::GetFeatureInventoryResponse, ApiError> {
        let result = self
            .fulfillment
            .feature_inventory(
                &ctx.caller,
                &params.marketplace_id,
                &params.feature_name,
                params.query_start_date.as_deref(),
                params.next_token.as_deref(),
            )
            .await?;
        Ok(m::GetFeatureInventoryResponse {
            payload: Some(result),
            errors: None,
        })
    }

    async fn get_feature_sku(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFeatureSKU,
    ) -> Result<m::GetFeatureSkuResponse, ApiError> {
        let result = self
            .fulfillment
            .feature_sku(
                &ctx.caller,
                &params.marketplace_id,
                &params.feature_name,
                &params.seller_sku,
            )
            .await?;
        Ok(m::GetFeatureSkuResponse {
            payload: Some(result),
            errors: None,
        })
    }
}
