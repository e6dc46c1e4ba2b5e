//! Shipping v2 over the carrier world (`market::shipping::v2`).

use crate::error::Error;
use crate::generated::shipping_v2::ShippingV2Api;
use crate::http::{ApiError, RequestContext};
use crate::market::shipping::v2::{self, ShippingV2 as World};
use axum::http::StatusCode;
use spapi_model::shipping_v2 as m;

/// The Shipping v2 API over the world's labels.
pub struct ShippingV2 {
    world: World,
}

impl ShippingV2 {
    /// The API over `world`.
    pub fn new(world: World) -> Self {
        ShippingV2 { world }
    }
}

/// Shipping v2's own error family: `InvalidRequest` for bad input (the field named in
/// `details`), `TOKEN_EXPIRED` for a rate bought after its 10 minutes, `NotFound`.
fn api_error(e: Error) -> ApiError {
    match e {
        Error::InvalidParameter { field, details } => ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "Request is missing or has invalid parameters",
        )
        .with_details(format!("{field}: {details}")),
        Error::Conflict(message) if message == v2::CLAIM_EXISTS => {
            ApiError::new(StatusCode::BAD_REQUEST, "InvalidInputException", message)
        }
        Error::Conflict(message) if message == v2::TOKEN_EXPIRED => {
            ApiError::new(StatusCode::BAD_REQUEST, "TOKEN_EXPIRED", message)
        }
        Error::Invalid(message) | Error::Conflict(message) => {
            ApiError::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
        }
        Error::NotFound(details) => ApiError::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "The requested resource does not exist.",
        )
        .with_details(details),
        other => other.into(),
    }
}

fn business(id: &Option<String>) -> Result<(), ApiError> {
    v2::check_business_id(id.as_deref()).map_err(api_error)
}

#[async_trait::async_trait]
impl ShippingV2Api for ShippingV2 {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getRates",
            "directPurchaseShipment",
            "purchaseShipment",
            "oneClickShipment",
            "getTracking",
            "getShipmentDocuments",
            "cancelShipment",
            "getAdditionalInputs",
            "getCarrierAccountFormInputs",
            "getCarrierAccounts",
            "linkCarrierAccount",
            "linkCarrierAccount_1",
            "unlinkCarrierAccount",
            "submitNdrFeedback",
            "createClaim",
            "generateCollectionForm",
            "getCollectionFormHistory",
            "getUnmanifestedShipments",
            "getCollectionForm",
            "getAccessPoints",
        ]
    }

    async fn get_rates(
        &self,
        ctx: &RequestContext,
        params: m::params::GetRates,
    ) -> Result<m::GetRatesResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .get_rates(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::GetRatesResponse { payload: Some(r) })
    }

    async fn direct_purchase_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::DirectPurchaseShipment,
    ) -> Result<m::DirectPurchaseResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .direct_purchase(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::DirectPurchaseResponse { payload: Some(r) })
    }

    async fn purchase_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::PurchaseShipment,
    ) -> Result<m::PurchaseShipmentResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .purchase(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::PurchaseShipmentResponse { payload: Some(r) })
    }

    async fn one_click_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::OneClickShipment,
    ) -> Result<m::OneClickShipmentResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .one_click(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::OneClickShipmentResponse { payload: Some(r) })
    }

    async fn get_tracking(
        &self,
        ctx: &RequestContext,
        params: m::params::GetTracking,
    ) -> Result<m::GetTrackingResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .tracking(&ctx.caller, &params.tracking_id, &params.carrier_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetTrackingResponse { payload: Some(r) })
    }

    async fn get_shipment_documents(
        &self,
        ctx: &RequestContext,
        params: m::params::GetShipmentDocuments,
    ) -> Result<m::GetShipmentDocumentsResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .documents(
                &ctx.caller,
                &params.shipment_id,
                &params.package_client_reference_id,
                params.format.as_deref(),
                params.dpi,
            )
            .await
            .map_err(api_error)?;
        Ok(m::GetShipmentDocumentsResponse { payload: Some(r) })
    }

    async fn cancel_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelShipment,
    ) -> Result<m::CancelShipmentResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        self.world
            .cancel(&ctx.caller, &params.shipment_id)
            .await
            .map_err(api_error)?;
        Ok(m::CancelShipmentResponse {
            payload: Some(m::CancelShipmentResult::default()),
        })
    }

    async fn get_additional_inputs(
        &self,
        ctx: &RequestContext,
        params: m::params::GetAdditionalInputs,
    ) -> Result<m::GetAdditionalInputsResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .additional_inputs(&ctx.caller, &params.request_token, &params.rate_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetAdditionalInputsResponse { payload: Some(r) })
    }

    async fn get_carrier_account_form_inputs(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetCarrierAccountFormInputs,
    ) -> Result<m::GetCarrierAccountFormInputsResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let country = v2::business_country(params.x_amzn_shipping_business_id.as_deref());
        Ok(self.world.carrier_form_inputs(country))
    }

    async fn get_carrier_accounts(
        &self,
        ctx: &RequestContext,
        params: m::params::GetCarrierAccounts,
    ) -> Result<m::GetCarrierAccountsResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let accounts = self
            .world
            .carrier_accounts(&ctx.caller)
            .await
            .map_err(api_error)?;
        Ok(m::GetCarrierAccountsResponse {
            active_accounts: accounts,
        })
    }

    async fn link_carrier_account_1(
        &self,
        ctx: &RequestContext,
        params: m::params::LinkCarrierAccount1,
    ) -> Result<m::LinkCarrierAccountResponse, ApiError> {
        // The POST twin of linkCarrierAccount (see codegen's patches): the same operation.
        self.link_carrier_account(
            ctx,
            m::params::LinkCarrierAccount {
                x_amzn_shipping_business_id: params.x_amzn_shipping_business_id,
                carrier_id: params.carrier_id,
                body: params.body,
            },
        )
        .await
    }

    async fn link_carrier_account(
        &self,
        ctx: &RequestContext,
        params: m::params::LinkCarrierAccount,
    ) -> Result<m::LinkCarrierAccountResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let country = v2::business_country(params.x_amzn_shipping_business_id.as_deref());
        self.world
            .link_account(&ctx.caller, &params.carrier_id, &params.body, country)
            .await
            .map_err(api_error)
    }

    async fn unlink_carrier_account(
        &self,
        ctx: &RequestContext,
        params: m::params::UnlinkCarrierAccount,
    ) -> Result<m::UnlinkCarrierAccountResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        self.world
            .unlink_account(
                &ctx.caller,
                &params.carrier_id,
                params.body.account_id.as_deref(),
            )
            .await
            .map_err(api_error)?;
        Ok(m::UnlinkCarrierAccountResponse {
            is_unlinked: Some(true),
        })
    }

    async fn submit_ndr_feedback(
        &self,
        ctx: &RequestContext,
        params: m::params::SubmitNdrFeedback,
    ) -> Result<(), ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        self.world
            .ndr_feedback(&ctx.caller, &params.body)
            .await
            .map_err(api_error)
    }

    async fn create_claim(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateClaim,
    ) -> Result<m::CreateClaimResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let id = self
            .world
            .create_claim(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::CreateClaimResponse { claim_id: Some(id) })
    }

    async fn generate_collection_form(
        &self,
        ctx: &RequestContext,
        params: m::params::GenerateCollectionForm,
    ) -> Result<m::GenerateCollectionFormResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let doc = self
            .world
            .generate_form(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::GenerateCollectionFormResponse {
            collections_form_document: Some(doc),
        })
    }

    async fn get_collection_form_history(
        &self,
        ctx: &RequestContext,
        params: m::params::GetCollectionFormHistory,
    ) -> Result<m::GetCollectionFormHistoryResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let list = self
            .world
            .form_history(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::GetCollectionFormHistoryResponse {
            collection_forms_history_record_list: Some(list),
            last_refreshed_date: Some(self.world.now_iso()),
        })
    }

    async fn get_unmanifested_shipments(
        &self,
        ctx: &RequestContext,
        params: m::params::GetUnmanifestedShipments,
    ) -> Result<m::GetUnmanifestedShipmentsResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let list = self
            .world
            .unmanifested_shipments(&ctx.caller)
            .await
            .map_err(api_error)?;
        Ok(m::GetUnmanifestedShipmentsResponse {
            unmanifested_carrier_information_list: Some(list),
        })
    }

    async fn get_collection_form(
        &self,
        ctx: &RequestContext,
        params: m::params::GetCollectionForm,
    ) -> Result<m::GetCollectionFormResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let doc = self
            .world
            .get_form(&ctx.caller, &params.collection_form_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetCollectionFormResponse {
            collections_form_document: Some(doc),
        })
    }

    async fn get_access_points(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetAccessPoints,
    ) -> Result<m::GetAccessPointsResponse, ApiError> {
        business(&params.x_amzn_shipping_business_id)?;
        let r = self
            .world
            .access_points(
                &params.access_point_types,
                &params.country_code,
                &params.postal_code,
            )
            .map_err(api_error)?;
        Ok(m::GetAccessPointsResponse { payload: Some(r) })
    }
}
