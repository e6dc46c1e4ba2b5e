//! Shipment Invoicing v0: the NF-e of Brazilian FBA shipments
//! (`market::invoices::shipments`).

use crate::generated::shipment_invoicing_v0::ShipmentInvoicingV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::invoices::shipments::ShipmentInvoicing as World;
use spapi_model::shipment_invoicing_v0 as m;

/// The Shipment Invoicing API over the world's Brazilian shipments.
pub struct ShipmentInvoicing {
    world: World,
}

impl ShipmentInvoicing {
    /// The API over `world`.
    pub fn new(world: World) -> Self {
        ShipmentInvoicing { world }
    }
}

/// A shipment id of a shape spapi never makes is Amazon's 400 "Invalid Shipment ID"; the rest
/// is the common envelope.
fn api_error(e: crate::error::Error) -> ApiError {
    match &e {
        crate::error::Error::InvalidParameter { field, details } if field == "shipmentId" => {
            ApiError::invalid_input("Invalid Shipment ID").with_details(details.clone())
        }
        _ => e.into(),
    }
}

#[async_trait::async_trait]
impl ShipmentInvoicingV0Api for ShipmentInvoicing {
    fn implemented(&self) -> &'static [&'static str] {
        &["getShipmentDetails", "submitInvoice", "getInvoiceStatus"]
    }

    async fn get_shipment_details(
        &self,
        ctx: &RequestContext,
        params: m::params::GetShipmentDetails,
    ) -> Result<m::GetShipmentDetailsResponse, ApiError> {
        // Buyer data only with a Restricted Data Token for this call.
        let personal = crate::auth::personal_data::may_see(&ctx.caller, ctx.operation, "");
        let d = self
            .world
            .details(&ctx.caller, &params.shipment_id, personal)
            .await
            .map_err(api_error)?;
        Ok(m::GetShipmentDetailsResponse {
            payload: Some(d),
            errors: None,
        })
    }

    async fn submit_invoice(
        &self,
        ctx: &RequestContext,
        params: m::params::SubmitInvoice,
    ) -> Result<m::SubmitInvoiceResponse, ApiError> {
        self.world
            .submit(&ctx.caller, &params.shipment_id, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::SubmitInvoiceResponse { errors: None })
    }

    async fn get_invoice_status(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInvoiceStatus,
    ) -> Result<m::GetInvoiceStatusResponse, ApiError> {
        let status = self
            .world
            .status(&ctx.caller, &params.shipment_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetInvoiceStatusResponse {
            payload: Some(m::ShipmentInvoiceStatusResponse {
                shipments: Some(m::ShipmentInvoiceStatusInfo {
                    amazon_shipment_id: Some(params.shipment_id),
                    invoice_status: Some(status),
                }),
            }),
            errors: None,
        })
    }
}
