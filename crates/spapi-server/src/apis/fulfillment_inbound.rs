//! Fulfillment Inbound 2024-03-20 over the world's inbound plans (`market::inbound`).
//!
//! Every refusal of this API is 400 `BadRequest` with Amazon's kind of message, unknown and
//! malformed ids included (Amazon answers no 404 here).

use crate::error::Error;
use crate::generated::fulfillment_inbound_2024_03_20::FulfillmentInbound20240320Api;
use crate::http::{ApiError, RequestContext};
use crate::market::inbound::workflow::{Plan, Request};
use crate::market::inbound::{Inbound, check_id, page};
use axum::http::StatusCode;
use spapi_model::fulfillment_inbound_2024_03_20 as m;

/// The Fulfillment Inbound API over the world's inbound plans.
pub struct FulfillmentInbound {
    inbound: Inbound,
}

impl FulfillmentInbound {
    /// The API over `inbound`.
    pub fn new(inbound: Inbound) -> Self {
        FulfillmentInbound { inbound }
    }

    async fn plan(&self, ctx: &RequestContext, id: &str) -> Result<Plan, ApiError> {
        self.inbound.plan(&ctx.caller, id).await.map_err(api_error)
    }

    async fn submit(
        &self,
        ctx: &RequestContext,
        plan_id: &str,
        req: Request,
    ) -> Result<String, ApiError> {
        self.inbound
            .submit(&ctx.caller, plan_id, req)
            .await
            .map_err(api_error)
    }
}

/// This API's error family: `BadRequest` for every refusal.
fn api_error(e: Error) -> ApiError {
    let bad = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "BadRequest", message);
    match e {
        Error::InvalidParameter { field, details } => bad(details).with_details(field),
        Error::Invalid(message) | Error::Conflict(message) => bad(message),
        Error::NotFound(message) if !message.is_empty() => bad(message),
        Error::NotFound(_) => bad("The requested resource does not exist.".into()),
        other => other.into(),
    }
}

fn shipment_id(id: &str) -> Result<(), ApiError> {
    check_id("shipmentId", id).map_err(api_error)
}

#[async_trait::async_trait]
impl FulfillmentInbound20240320Api for FulfillmentInbound {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "listInboundPlans",
            "createInboundPlan",
            "getInboundPlan",
            "listInboundPlanBoxes",
            "cancelInboundPlan",
            "listInboundPlanItems",
            "updateInboundPlanName",
            "listPackingGroupBoxes",
            "listPackingGroupItems",
            "setPackingInformation",
            "listPackingOptions",
            "generatePackingOptions",
            "confirmPackingOption",
            "listInboundPlanPallets",
            "listPlacementOptions",
            "generatePlacementOptions",
            "confirmPlacementOption",
            "getShipment",
            "listShipmentBoxes",
            "listShipmentContentUpdatePreviews",
            "generateShipmentContentUpdatePreviews",
            "getShipmentContentUpdatePreview",
            "confirmShipmentContentUpdatePreview",
            "getDeliveryChallanDocument",
            "listDeliveryWindowOptions",
            "generateDeliveryWindowOptions",
            "confirmDeliveryWindowOptions",
            "listShipmentItems",
            "updateShipmentName",
            "listShipmentPallets",
            "cancelSelfShipAppointment",
            "getSelfShipAppointmentSlots",
            "generateSelfShipAppointmentSlots",
            "scheduleSelfShipAppointment",
            "updateShipmentSourceAddress",
            "updateShipmentTrackingDetails",
            "listTransportationOptions",
            "generateTransportationOptions",
            "confirmTransportationOptions",
            "listItemComplianceDetails",
            "updateItemComplianceDetails",
            "createMarketplaceItemLabels",
            "listPrepDetails",
            "setPrepDetails",
            "getInboundOperationStatus",
        ]
    }

    async fn list_inbound_plans(
        &self,
        ctx: &RequestContext,
        params: m::params::ListInboundPlans,
    ) -> Result<m::ListInboundPlansResponse, ApiError> {
        let (plans, pagination) = self
            .inbound
            .list_plans(&ctx.caller, &params)
            .await
            .map_err(api_error)?;
        Ok(m::ListInboundPlansResponse {
            inbound_plans: Some(plans),
            pagination: Some(pagination),
        })
    }

    async fn create_inbound_plan(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateInboundPlan,
    ) -> Result<m::CreateInboundPlanResponse, ApiError> {
        let (inbound_plan_id, operation_id) = self
            .inbound
            .create_plan(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::CreateInboundPlanResponse {
            inbound_plan_id,
            operation_id,
        })
    }

    async fn get_inbound_plan(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInboundPlan,
    ) -> Result<m::InboundPlan, ApiError> {
        self.inbound
            .get_plan(&ctx.caller, &params.inbound_plan_id)
            .await
            .map_err(api_error)
    }

    async fn list_inbound_plan_boxes(
        &self,
        ctx: &RequestContext,
        params: m::params::ListInboundPlanBoxes,
    ) -> Result<m::ListInboundPlanBoxesResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let (boxes, pagination) = page(
            &plan.boxes(),
            &format!("boxes:{}", plan.id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListInboundPlanBoxesResponse {
            boxes,
            pagination: Some(pagination),
        })
    }

    async fn cancel_inbound_plan(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelInboundPlan,
    ) -> Result<m::CancelInboundPlanResponse, ApiError> {
        let operation_id = self
            .submit(ctx, &params.inbound_plan_id, Request::CancelPlan)
            .await?;
        Ok(m::CancelInboundPlanResponse { operation_id })
    }

    async fn list_inbound_plan_items(
        &self,
        ctx: &RequestContext,
        params: m::params::ListInboundPlanItems,
    ) -> Result<m::ListInboundPlanItemsResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let all: Vec<m::Item> = plan
            .items
            .iter()
            .map(|i| plan.item(&i.msku, i.quantity))
            .collect();
        let (items, pagination) = page(
            &all,
            &format!("items:{}", plan.id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListInboundPlanItemsResponse {
            items,
            pagination: Some(pagination),
        })
    }

    async fn update_inbound_plan_name(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateInboundPlanName,
    ) -> Result<(), ApiError> {
        self.inbound
            .update_plan_name(&ctx.caller, &params.inbound_plan_id, &params.body.name)
            .await
            .map_err(api_error)
    }

    async fn list_packing_group_boxes(
        &self,
        ctx: &RequestContext,
        params: m::params::ListPackingGroupBoxes,
    ) -> Result<m::ListPackingGroupBoxesResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let g = packing_group(&plan, &params.packing_group_id)?;
        let (boxes, pagination) = page(
            &g.boxes,
            &format!("pgboxes:{}", g.id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListPackingGroupBoxesResponse {
            boxes,
            pagination: Some(pagination),
        })
    }

    async fn list_packing_group_items(
        &self,
        ctx: &RequestContext,
        params: m::params::ListPackingGroupItems,
    ) -> Result<m::ListPackingGroupItemsResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let g = packing_group(&plan, &params.packing_group_id)?;
        let all: Vec<m::Item> = g.items.iter().map(|(k, q)| plan.item(k, *q)).collect();
        let (items, pagination) = page(
            &all,
            &format!("pgitems:{}", g.id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListPackingGroupItemsResponse {
            items,
            pagination: Some(pagination),
        })
    }

    async fn set_packing_information(
        &self,
        ctx: &RequestContext,
        params: m::params::SetPackingInformation,
    ) -> Result<m::SetPackingInformationResponse, ApiError> {
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::SetPacking { body: params.body },
            )
            .await?;
        Ok(m::SetPackingInformationResponse { operation_id })
    }

    async fn list_packing_options(
        &self,
        ctx: &RequestContext,
        params: m::params::ListPackingOptions,
    ) -> Result<m::ListPackingOptionsResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let (packing_options, pagination) = page(
            &plan.packing_options,
            &format!("packing:{}", plan.id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListPackingOptionsResponse {
            packing_options,
            pagination: Some(pagination),
        })
    }

    async fn generate_packing_options(
        &self,
        ctx: &RequestContext,
        params: m::params::GeneratePackingOptions,
    ) -> Result<m::GeneratePackingOptionsResponse, ApiError> {
        let operation_id = self
            .submit(ctx, &params.inbound_plan_id, Request::GeneratePacking)
            .await?;
        Ok(m::GeneratePackingOptionsResponse { operation_id })
    }

    async fn confirm_packing_option(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmPackingOption,
    ) -> Result<m::ConfirmPackingOptionResponse, ApiError> {
        check_id("packingOptionId", &params.packing_option_id).map_err(api_error)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::ConfirmPacking {
                    option_id: params.packing_option_id,
                },
            )
            .await?;
        Ok(m::ConfirmPackingOptionResponse { operation_id })
    }

    async fn list_inbound_plan_pallets(
        &self,
        ctx: &RequestContext,
        params: m::params::ListInboundPlanPallets,
    ) -> Result<m::ListInboundPlanPalletsResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let all: Vec<m::Pallet> = plan
            .confirmed_shipments()
            .iter()
            .flat_map(|s| s.pallets.clone())
            .collect();
        let (pallets, pagination) = page(
            &all,
            &format!("pallets:{}", plan.id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListInboundPlanPalletsResponse {
            pallets,
            pagination: Some(pagination),
        })
    }

    async fn list_placement_options(
        &self,
        ctx: &RequestContext,
        params: m::params::ListPlacementOptions,
    ) -> Result<m::ListPlacementOptionsResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        // Once one is confirmed, only it is listed.
        let all: Vec<m::PlacementOption> = match plan.confirmed_placement() {
            Some(p) => vec![p.clone()],
            None => plan.placement_options.clone(),
        };
        let (placement_options, pagination) = page(
            &all,
            &format!("placement:{}", plan.id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListPlacementOptionsResponse {
            placement_options,
            pagination: Some(pagination),
        })
    }

    async fn generate_placement_options(
        &self,
        ctx: &RequestContext,
        params: m::params::GeneratePlacementOptions,
    ) -> Result<m::GeneratePlacementOptionsResponse, ApiError> {
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::GeneratePlacement { body: params.body },
            )
            .await?;
        Ok(m::GeneratePlacementOptionsResponse { operation_id })
    }

    async fn confirm_placement_option(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmPlacementOption,
    ) -> Result<m::ConfirmPlacementOptionResponse, ApiError> {
        check_id("placementOptionId", &params.placement_option_id).map_err(api_error)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::ConfirmPlacement {
                    option_id: params.placement_option_id,
                },
            )
            .await?;
        Ok(m::ConfirmPlacementOptionResponse { operation_id })
    }

    async fn get_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::GetShipment,
    ) -> Result<m::Shipment, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        Ok(s.shipment.clone())
    }

    async fn list_shipment_boxes(
        &self,
        ctx: &RequestContext,
        params: m::params::ListShipmentBoxes,
    ) -> Result<m::ListShipmentBoxesResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        let (boxes, pagination) = page(
            &s.boxes,
            &format!("shboxes:{}", params.shipment_id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListShipmentBoxesResponse {
            boxes,
            pagination: Some(pagination),
        })
    }

    async fn list_shipment_content_update_previews(
        &self,
        ctx: &RequestContext,
        params: m::params::ListShipmentContentUpdatePreviews,
    ) -> Result<m::ListShipmentContentUpdatePreviewsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        let (content_update_previews, pagination) = page(
            &s.previews,
            &format!("previews:{}", params.shipment_id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListShipmentContentUpdatePreviewsResponse {
            content_update_previews,
            pagination: Some(pagination),
        })
    }

    async fn generate_shipment_content_update_previews(
        &self,
        ctx: &RequestContext,
        params: m::params::GenerateShipmentContentUpdatePreviews,
    ) -> Result<m::GenerateShipmentContentUpdatePreviewsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::GeneratePreviews {
                    shipment_id: params.shipment_id,
                    body: params.body,
                },
            )
            .await?;
        Ok(m::GenerateShipmentContentUpdatePreviewsResponse { operation_id })
    }

    async fn get_shipment_content_update_preview(
        &self,
        ctx: &RequestContext,
        params: m::params::GetShipmentContentUpdatePreview,
    ) -> Result<m::ContentUpdatePreview, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        s.previews
            .iter()
            .find(|p| p.content_update_preview_id == params.content_update_preview_id)
            .cloned()
            .ok_or_else(|| {
                api_error(Error::invalid_input(format!(
                    "The requested content update preview {} does not exist.",
                    params.content_update_preview_id
                )))
            })
    }

    async fn confirm_shipment_content_update_preview(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmShipmentContentUpdatePreview,
    ) -> Result<m::ConfirmShipmentContentUpdatePreviewResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::ConfirmPreview {
                    shipment_id: params.shipment_id,
                    preview_id: params.content_update_preview_id,
                },
            )
            .await?;
        Ok(m::ConfirmShipmentContentUpdatePreviewResponse { operation_id })
    }

    async fn get_delivery_challan_document(
        &self,
        ctx: &RequestContext,
        params: m::params::GetDeliveryChallanDocument,
    ) -> Result<m::GetDeliveryChallanDocumentResponse, ApiError> {
        let document_download = self
            .inbound
            .delivery_challan(&ctx.caller, &params.inbound_plan_id, &params.shipment_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetDeliveryChallanDocumentResponse { document_download })
    }

    async fn list_delivery_window_options(
        &self,
        ctx: &RequestContext,
        params: m::params::ListDeliveryWindowOptions,
    ) -> Result<m::ListDeliveryWindowOptionsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        let (delivery_window_options, pagination) = page(
            &s.delivery_windows,
            &format!("windows:{}", params.shipment_id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListDeliveryWindowOptionsResponse {
            delivery_window_options,
            pagination: Some(pagination),
        })
    }

    async fn generate_delivery_window_options(
        &self,
        ctx: &RequestContext,
        params: m::params::GenerateDeliveryWindowOptions,
    ) -> Result<m::GenerateDeliveryWindowOptionsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::GenerateWindows {
                    shipment_id: params.shipment_id,
                },
            )
            .await?;
        Ok(m::GenerateDeliveryWindowOptionsResponse { operation_id })
    }

    async fn confirm_delivery_window_options(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmDeliveryWindowOptions,
    ) -> Result<m::ConfirmDeliveryWindowOptionsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::ConfirmWindow {
                    shipment_id: params.shipment_id,
                    option_id: params.delivery_window_option_id,
                },
            )
            .await?;
        Ok(m::ConfirmDeliveryWindowOptionsResponse { operation_id })
    }

    async fn list_shipment_items(
        &self,
        ctx: &RequestContext,
        params: m::params::ListShipmentItems,
    ) -> Result<m::ListShipmentItemsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        let all: Vec<m::Item> = s.items.iter().map(|(k, q)| plan.item(k, *q)).collect();
        let (items, pagination) = page(
            &all,
            &format!("shitems:{}", params.shipment_id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListShipmentItemsResponse {
            items,
            pagination: Some(pagination),
        })
    }

    async fn update_shipment_name(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateShipmentName,
    ) -> Result<(), ApiError> {
        self.inbound
            .update_shipment_name(
                &ctx.caller,
                &params.inbound_plan_id,
                &params.shipment_id,
                &params.body.name,
            )
            .await
            .map_err(api_error)
    }

    async fn list_shipment_pallets(
        &self,
        ctx: &RequestContext,
        params: m::params::ListShipmentPallets,
    ) -> Result<m::ListShipmentPalletsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        let (pallets, pagination) = page(
            &s.pallets,
            &format!("shpallets:{}", params.shipment_id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListShipmentPalletsResponse {
            pallets,
            pagination: Some(pagination),
        })
    }

    async fn cancel_self_ship_appointment(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelSelfShipAppointment,
    ) -> Result<m::CancelSelfShipAppointmentResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::CancelAppointment {
                    shipment_id: params.shipment_id,
                },
            )
            .await?;
        Ok(m::CancelSelfShipAppointmentResponse { operation_id })
    }

    async fn get_self_ship_appointment_slots(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSelfShipAppointmentSlots,
    ) -> Result<m::GetSelfShipAppointmentSlotsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        crate::market::inbound::workflow::check_self_ship(&plan).map_err(api_error)?;
        let s = plan.shipment(&params.shipment_id).map_err(api_error)?;
        let (slots, pagination) = page(
            &s.slots,
            &format!("slots:{}", params.shipment_id),
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::GetSelfShipAppointmentSlotsResponse {
            pagination: Some(pagination),
            self_ship_appointment_slots_availability: m::SelfShipAppointmentSlotsAvailability {
                expires_at: s.slots_expire.clone(),
                slots: Some(slots),
            },
        })
    }

    async fn generate_self_ship_appointment_slots(
        &self,
        ctx: &RequestContext,
        params: m::params::GenerateSelfShipAppointmentSlots,
    ) -> Result<m::GenerateSelfShipAppointmentSlotsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::GenerateSlots {
                    shipment_id: params.shipment_id,
                    body: params.body,
                },
            )
            .await?;
        Ok(m::GenerateSelfShipAppointmentSlotsResponse { operation_id })
    }

    async fn schedule_self_ship_appointment(
        &self,
        ctx: &RequestContext,
        params: m::params::ScheduleSelfShipAppointment,
    ) -> Result<m::ScheduleSelfShipAppointmentResponse, ApiError> {
        let self_ship_appointment_details = self
            .inbound
            .schedule_appointment(
                &ctx.caller,
                &params.inbound_plan_id,
                &params.shipment_id,
                &params.slot_id,
            )
            .await
            .map_err(api_error)?;
        Ok(m::ScheduleSelfShipAppointmentResponse {
            self_ship_appointment_details,
        })
    }

    async fn update_shipment_source_address(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateShipmentSourceAddress,
    ) -> Result<m::UpdateShipmentSourceAddressResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::UpdateSource {
                    shipment_id: params.shipment_id,
                    body: params.body,
                },
            )
            .await?;
        Ok(m::UpdateShipmentSourceAddressResponse { operation_id })
    }

    async fn update_shipment_tracking_details(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateShipmentTrackingDetails,
    ) -> Result<m::UpdateShipmentTrackingDetailsResponse, ApiError> {
        shipment_id(&params.shipment_id)?;
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::UpdateTracking {
                    shipment_id: params.shipment_id,
                    body: params.body,
                },
            )
            .await?;
        Ok(m::UpdateShipmentTrackingDetailsResponse { operation_id })
    }

    async fn list_transportation_options(
        &self,
        ctx: &RequestContext,
        params: m::params::ListTransportationOptions,
    ) -> Result<m::ListTransportationOptionsResponse, ApiError> {
        let plan = self.plan(ctx, &params.inbound_plan_id).await?;
        let (scope, all): (String, Vec<m::TransportationOption>) =
            match (&params.placement_option_id, &params.shipment_id) {
                (Some(p), None) => {
                    let Some(o) = plan
                        .placement_options
                        .iter()
                        .find(|o| &o.placement_option_id == p)
                    else {
                        return Err(api_error(Error::invalid_input(format!(
                            "The requested placement option {p} does not exist."
                        ))));
                    };
                    (
                        format!("transport:{p}"),
                        plan.transport_options
                            .iter()
                            .filter(|t| o.shipment_ids.contains(&t.shipment_id))
                            .cloned()
                            .collect(),
                    )
                }
                (None, Some(s)) => {
                    shipment_id(s)?;
                    plan.shipment(s).map_err(api_error)?;
                    (
                        format!("transport:{s}"),
                        plan.transport_options
                            .iter()
                            .filter(|t| &t.shipment_id == s)
                            .cloned()
                            .collect(),
                    )
                }
                _ => {
                    return Err(api_error(Error::invalid_input(
                        "Exactly one of placementOptionId and shipmentId is required.",
                    )));
                }
            };
        let (transportation_options, pagination) = page(
            &all,
            &scope,
            params.page_size,
            params.pagination_token.as_deref(),
            10,
        )
        .map_err(api_error)?;
        Ok(m::ListTransportationOptionsResponse {
            transportation_options,
            pagination: Some(pagination),
        })
    }

    async fn generate_transportation_options(
        &self,
        ctx: &RequestContext,
        params: m::params::GenerateTransportationOptions,
    ) -> Result<m::GenerateTransportationOptionsResponse, ApiError> {
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::GenerateTransport { body: params.body },
            )
            .await?;
        Ok(m::GenerateTransportationOptionsResponse { operation_id })
    }

    async fn confirm_transportation_options(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmTransportationOptions,
    ) -> Result<m::ConfirmTransportationOptionsResponse, ApiError> {
        let operation_id = self
            .submit(
                ctx,
                &params.inbound_plan_id,
                Request::ConfirmTransport { body: params.body },
            )
            .await?;
        Ok(m::ConfirmTransportationOptionsResponse { operation_id })
    }

    async fn list_item_compliance_details(
        &self,
        ctx: &RequestContext,
        params: m::params::ListItemComplianceDetails,
    ) -> Result<m::ListItemComplianceDetailsResponse, ApiError> {
        let details = self
            .inbound
            .compliance_details(&ctx.caller, &params.marketplace_id, &params.mskus)
            .await
            .map_err(api_error)?;
        Ok(m::ListItemComplianceDetailsResponse {
            compliance_details: Some(details),
        })
    }

    async fn update_item_compliance_details(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateItemComplianceDetails,
    ) -> Result<m::UpdateItemComplianceDetailsResponse, ApiError> {
        let operation_id = self
            .inbound
            .submit_sku(
                &ctx.caller,
                Request::UpdateCompliance {
                    marketplace_id: params.marketplace_id,
                    body: params.body,
                },
            )
            .await
            .map_err(api_error)?;
        Ok(m::UpdateItemComplianceDetailsResponse { operation_id })
    }

    async fn create_marketplace_item_labels(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateMarketplaceItemLabels,
    ) -> Result<m::CreateMarketplaceItemLabelsResponse, ApiError> {
        let document_downloads = self
            .inbound
            .item_labels(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::CreateMarketplaceItemLabelsResponse { document_downloads })
    }

    async fn list_prep_details(
        &self,
        ctx: &RequestContext,
        params: m::params::ListPrepDetails,
    ) -> Result<m::ListPrepDetailsResponse, ApiError> {
        let msku_prep_details = self
            .inbound
            .prep_details(&ctx.caller, &params.marketplace_id, &params.mskus)
            .await
            .map_err(api_error)?;
        Ok(m::ListPrepDetailsResponse { msku_prep_details })
    }

    async fn set_prep_details(
        &self,
        ctx: &RequestContext,
        params: m::params::SetPrepDetails,
    ) -> Result<m::SetPrepDetailsResponse, ApiError> {
        let operation_id = self
            .inbound
            .submit_sku(&ctx.caller, Request::SetPrep { body: params.body })
            .await
            .map_err(api_error)?;
        Ok(m::SetPrepDetailsResponse { operation_id })
    }

    async fn get_inbound_operation_status(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInboundOperationStatus,
    ) -> Result<m::InboundOperationStatus, ApiError> {
        self.inbound
            .operation_status(&ctx.caller, &params.operation_id)
            .await
            .map_err(api_error)
    }
}

fn packing_group<'a>(
    plan: &'a Plan,
    id: &str,
) -> Result<&'a crate::market::inbound::workflow::PackingGroup, ApiError> {
    plan.packing_groups
        .iter()
        .find(|g| g.id == id)
        .ok_or_else(|| {
            api_error(Error::invalid_input(format!(
                "The requested packing group {id} does not exist."
            )))
        })
}
