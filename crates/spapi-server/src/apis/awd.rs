//! Amazon Warehousing and Distribution 2024-05-09 (`market::awd`).

use crate::error::Error;
use crate::generated::awd_2024_05_09::Awd20240509Api;
use crate::http::{ApiError, RequestContext};
use crate::market::awd::distribution::OrderQuery;
use crate::market::awd::inbound::ShipmentQuery;
use crate::market::awd::{Awd as World, BAD_REQUEST_DETAILS, InventoryQuery};
use axum::http::StatusCode;
use spapi_model::awd_2024_05_09 as m;

/// The AWD API over the world's AWD.
pub struct Awd {
    world: World,
}

impl Awd {
    /// The API over `world`.
    pub fn new(world: World) -> Self {
        Awd { world }
    }
}

/// AWD's error family: 400 `BAD_REQUEST` (with Amazon's fixed `details`), 404 `NOT_FOUND`,
/// and for the inbound operations that document it, 409 `ConflictException` in the wrong
/// state (the other operations have no 409 and answer a wrong state with 400).
fn awd_error(e: Error, conflict_409: bool) -> ApiError {
    let bad = |message: String| {
        ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
            .with_details(BAD_REQUEST_DETAILS)
    };
    match e {
        Error::InvalidParameter { details, .. } => bad(details),
        Error::Invalid(message) => bad(message),
        Error::Conflict(message) if conflict_409 => {
            ApiError::new(StatusCode::CONFLICT, "ConflictException", message)
                .with_details("This exception is thrown when the resource is in a state that does not allow the request")
        }
        Error::Conflict(message) => bad(message),
        Error::NotFound(message) => ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            if message.is_empty() {
                "The resource specified does not exist.".to_string()
            } else {
                message
            },
        )
        .with_details("This exception is thrown when the requested resource is not found"),
        other => other.into(),
    }
}

fn err(e: Error) -> ApiError {
    awd_error(e, false)
}

fn err_409(e: Error) -> ApiError {
    awd_error(e, true)
}

#[async_trait::async_trait]
impl Awd20240509Api for Awd {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "createInbound",
            "getInbound",
            "updateInbound",
            "cancelInbound",
            "confirmInbound",
            "getInboundShipment",
            "getInboundShipmentLabels",
            "getLabelPageTypes",
            "updateInboundShipmentTransportDetails",
            "checkInboundEligibility",
            "listInboundShipments",
            "listInventory",
            "listOutbounds",
            "createOutbound",
            "getOutbound",
            "updateOutbound",
            "confirmOutbound",
            "listReplenishmentOrders",
            "createReplenishmentOrder",
            "getReplenishmentOrder",
            "confirmReplenishmentOrder",
        ]
    }

    async fn create_inbound(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateInbound,
    ) -> Result<m::InboundOrderReference, ApiError> {
        let order_id = self
            .world
            .create_inbound(&ctx.caller, &params.body)
            .await
            .map_err(err)?;
        Ok(m::InboundOrderReference { order_id })
    }

    async fn get_inbound(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInbound,
    ) -> Result<m::InboundOrder, ApiError> {
        self.world
            .get_inbound(&ctx.caller, &params.order_id)
            .await
            .map_err(err)
    }

    async fn update_inbound(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateInbound,
    ) -> Result<(), ApiError> {
        self.world
            .update_inbound(&ctx.caller, &params.order_id, &params.body)
            .await
            .map_err(err_409)
    }

    async fn cancel_inbound(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelInbound,
    ) -> Result<(), ApiError> {
        self.world
            .cancel_inbound(&ctx.caller, &params.order_id)
            .await
            .map_err(err_409)
    }

    async fn confirm_inbound(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmInbound,
    ) -> Result<(), ApiError> {
        self.world
            .confirm_inbound(&ctx.caller, &params.order_id)
            .await
            .map_err(err_409)
    }

    async fn get_inbound_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInboundShipment,
    ) -> Result<m::InboundShipment, ApiError> {
        let show = params.sku_quantities.as_deref() == Some("SHOW");
        self.world
            .get_inbound_shipment(&ctx.caller, &params.shipment_id, show)
            .await
            .map_err(err)
    }

    async fn get_inbound_shipment_labels(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInboundShipmentLabels,
    ) -> Result<m::ShipmentLabels, ApiError> {
        // pageType and formatType are checked against their enums (PLAIN_PAPER, PDF) by the
        // operation table; the one document serves every page type.
        self.world
            .labels(&ctx.caller, &params.shipment_id)
            .await
            .map_err(err)
    }

    async fn get_label_page_types(
        &self,
        ctx: &RequestContext,
        params: m::params::GetLabelPageTypes,
    ) -> Result<m::ShipmentLabelPageTypes, ApiError> {
        self.world
            .label_page_types(&ctx.caller, &params.shipment_id)
            .await
            .map_err(err)
    }

    async fn update_inbound_shipment_transport_details(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateInboundShipmentTransportDetails,
    ) -> Result<(), ApiError> {
        self.world
            .update_transport(&ctx.caller, &params.shipment_id, &params.body)
            .await
            .map_err(err)
    }

    async fn check_inbound_eligibility(
        &self,
        ctx: &RequestContext,
        params: m::params::CheckInboundEligibility,
    ) -> Result<m::InboundEligibility, ApiError> {
        self.world
            .check_inbound_eligibility(&ctx.caller, &params.body)
            .await
            .map_err(err)
    }

    async fn list_inbound_shipments(
        &self,
        ctx: &RequestContext,
        params: m::params::ListInboundShipments,
    ) -> Result<m::ShipmentListing, ApiError> {
        let q = ShipmentQuery {
            sort_by: params.sort_by,
            sort_order: params.sort_order,
            shipment_status: params.shipment_status,
            updated_after: params.updated_after,
            updated_before: params.updated_before,
            max_results: params.max_results,
            next_token: params.next_token,
        };
        self.world
            .list_inbound_shipments(&ctx.caller, &q)
            .await
            .map_err(err)
    }

    async fn list_inventory(
        &self,
        ctx: &RequestContext,
        params: m::params::ListInventory,
    ) -> Result<m::InventoryListing, ApiError> {
        let q = InventoryQuery {
            sku: params.sku,
            sort_order: params.sort_order,
            details: params.details,
            max_results: params.max_results,
            next_token: params.next_token,
        };
        self.world
            .list_inventory(&ctx.caller, &q)
            .await
            .map_err(err)
    }

    async fn list_outbounds(
        &self,
        ctx: &RequestContext,
        params: m::params::ListOutbounds,
    ) -> Result<m::OutboundListing, ApiError> {
        let q = OrderQuery {
            updated_after: params.updated_after,
            updated_before: params.updated_before,
            sort_order: params.sort_order,
            max_results: params.max_results,
            next_token: params.next_token,
        };
        self.world
            .list_outbounds(&ctx.caller, &q)
            .await
            .map_err(err)
    }

    async fn create_outbound(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateOutbound,
    ) -> Result<m::OutboundOrderReference, ApiError> {
        let order_id = self
            .world
            .create_outbound(&ctx.caller, &params.body)
            .await
            .map_err(err)?;
        Ok(m::OutboundOrderReference { order_id })
    }

    async fn get_outbound(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOutbound,
    ) -> Result<m::OutboundOrder, ApiError> {
        self.world
            .get_outbound(&ctx.caller, &params.order_id)
            .await
            .map_err(err)
    }

    async fn update_outbound(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateOutbound,
    ) -> Result<m::OutboundOrderReference, ApiError> {
        let order_id = self
            .world
            .update_outbound(&ctx.caller, &params.order_id, &params.body)
            .await
            .map_err(err)?;
        Ok(m::OutboundOrderReference { order_id })
    }

    async fn confirm_outbound(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmOutbound,
    ) -> Result<(), ApiError> {
        self.world
            .confirm_outbound(&ctx.caller, &params.order_id)
            .await
            .map_err(err)
    }

    async fn list_replenishment_orders(
        &self,
        ctx: &RequestContext,
        params: m::params::ListReplenishmentOrders,
    ) -> Result<m::ReplenishmentOrderListing, ApiError> {
        let q = OrderQuery {
            updated_after: params.updated_after,
            updated_before: params.updated_before,
            sort_order: params.sort_order,
            max_results: params.max_results,
            next_token: params.next_token,
        };
        self.world
            .list_replenishments(&ctx.caller, &q)
            .await
            .map_err(err)
    }

    async fn create_replenishment_order(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateReplenishmentOrder,
    ) -> Result<m::ReplenishmentOrderReference, ApiError> {
        let order_id = self
            .world
            .create_replenishment(&ctx.caller, &params.body)
            .await
            .map_err(err)?;
        Ok(m::ReplenishmentOrderReference { order_id })
    }

    async fn get_replenishment_order(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReplenishmentOrder,
    ) -> Result<m::ReplenishmentOrder, ApiError> {
        self.world
            .get_replenishment(&ctx.caller, &params.order_id)
            .await
            .map_err(err)
    }

    async fn confirm_replenishment_order(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmReplenishmentOrder,
    ) -> Result<(), ApiError> {
        self.world
            .confirm_replenishment(&ctx.caller, &params.order_id)
            .await
            .map_err(err)
    }
}
