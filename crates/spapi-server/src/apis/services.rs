//! Services v1: service jobs, appointments, capacity and upload destinations
//! (`market::services`).

use crate::error::Error;
use crate::generated::services_v1::ServicesV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::services::{JobSearch, SKILLS_CODE_PREFIX, Services as World};
use axum::http::StatusCode;
use spapi_model::services_v1 as m;

/// The Services API over the world's service jobs and stores.
pub struct Services {
    world: World,
}

impl Services {
    /// The API over `world`.
    pub fn new(world: World) -> Self {
        Services { world }
    }
}

/// This API's errors: 400 `InvalidInput` for bad parameters; 422 `InvalidInput` for state
/// rules and unknown jobs (Amazon's words in the message, an empty `details`), or the code a
/// rule names (`RESOURCES_MISSING_REQUIRED_SKILLS`); 403 `UnauthorizedAction`. Unknown
/// reservations and resources are 404.
fn api_error(e: Error) -> ApiError {
    let unprocessable = |code: &str, message: String| {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message).with_details("")
    };
    match e {
        Error::Conflict(message) => match message.strip_prefix(SKILLS_CODE_PREFIX) {
            Some(rest) => {
                let (code, text) = rest.split_once(": ").unwrap_or(("InvalidInput", rest));
                unprocessable(code, text.to_string())
            }
            None => unprocessable("InvalidInput", message),
        },
        Error::NotFound(message) if message.starts_with("No job exist") => {
            unprocessable("InvalidInput", message)
        }
        Error::NotFound(message) => {
            ApiError::new(StatusCode::NOT_FOUND, "NotFound", message).with_details("")
        }
        Error::Forbidden(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "UnauthorizedAction",
            "Not authorized to access this resource. Please check your input again.",
        )
        .with_details(""),
        other => other.into(),
    }
}

fn set_appointment(r: crate::market::services::SetAppointment) -> m::SetAppointmentResponse {
    m::SetAppointmentResponse {
        appointment_id: Some(r.appointment_id),
        warnings: (!r.warnings.is_empty()).then_some(r.warnings),
        errors: None,
    }
}

#[async_trait::async_trait]
impl ServicesV1Api for Services {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getServiceJobByServiceJobId",
            "cancelServiceJobByServiceJobId",
            "completeServiceJobByServiceJobId",
            "getServiceJobs",
            "addAppointmentForServiceJobByServiceJobId",
            "rescheduleAppointmentForServiceJobByServiceJobId",
            "assignAppointmentResources",
            "setAppointmentFulfillmentData",
            "getRangeSlotCapacity",
            "getFixedSlotCapacity",
            "updateSchedule",
            "createReservation",
            "updateReservation",
            "cancelReservation",
            "getAppointmmentSlotsByJobId",
            "getAppointmentSlots",
            "createServiceDocumentUploadDestination",
        ]
    }

    async fn get_service_job_by_service_job_id(
        &self,
        ctx: &RequestContext,
        params: m::params::GetServiceJobByServiceJobId,
    ) -> Result<m::GetServiceJobByServiceJobIdResponse, ApiError> {
        let job = self
            .world
            .get(&ctx.caller, &params.service_job_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetServiceJobByServiceJobIdResponse {
            payload: Some(job),
            errors: None,
        })
    }

    async fn cancel_service_job_by_service_job_id(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelServiceJobByServiceJobId,
    ) -> Result<m::CancelServiceJobByServiceJobIdResponse, ApiError> {
        self.world
            .cancel(
                &ctx.caller,
                &params.service_job_id,
                &params.cancellation_reason_code,
            )
            .await
            .map_err(api_error)?;
        Ok(m::CancelServiceJobByServiceJobIdResponse::default())
    }

    async fn complete_service_job_by_service_job_id(
        &self,
        ctx: &RequestContext,
        params: m::params::CompleteServiceJobByServiceJobId,
    ) -> Result<m::CompleteServiceJobByServiceJobIdResponse, ApiError> {
        self.world
            .complete(&ctx.caller, &params.service_job_id)
            .await
            .map_err(api_error)?;
        Ok(m::CompleteServiceJobByServiceJobIdResponse::default())
    }

    async fn get_service_jobs(
        &self,
        ctx: &RequestContext,
        params: m::params::GetServiceJobs,
    ) -> Result<m::GetServiceJobsResponse, ApiError> {
        let search = JobSearch {
            service_order_ids: params.service_order_ids,
            product_order_ids: params.product_order_ids,
            tracking_ids: params.tracking_ids,
            statuses: params.service_job_status,
            page_size: params.page_size,
            sort_field: params.sort_field,
            sort_order: params.sort_order,
            created_after: params.created_after,
            created_before: params.created_before,
            last_updated_after: params.last_updated_after,
            last_updated_before: params.last_updated_before,
            schedule_start: params.schedule_start_date,
            schedule_end: params.schedule_end_date,
            marketplace_ids: params.marketplace_ids,
            asins: params.asins,
            required_skills: params.required_skills,
            store_ids: params.store_ids,
        };
        let page = self
            .world
            .list(&ctx.caller, search, params.page_token.as_deref())
            .await
            .map_err(api_error)?;
        Ok(m::GetServiceJobsResponse {
            payload: Some(m::JobListing {
                total_result_size: Some(page.total),
                next_page_token: page.next_token,
                previous_page_token: page.previous_token,
                jobs: Some(page.jobs),
            }),
            errors: None,
        })
    }

    async fn add_appointment_for_service_job_by_service_job_id(
        &self,
        ctx: &RequestContext,
        params: m::params::AddAppointmentForServiceJobByServiceJobId,
    ) -> Result<m::SetAppointmentResponse, ApiError> {
        self.world
            .add_appointment(&ctx.caller, &params.service_job_id, &params.body)
            .await
            .map(set_appointment)
            .map_err(api_error)
    }

    async fn reschedule_appointment_for_service_job_by_service_job_id(
        &self,
        ctx: &RequestContext,
        params: m::params::RescheduleAppointmentForServiceJobByServiceJobId,
    ) -> Result<m::SetAppointmentResponse, ApiError> {
        self.world
            .reschedule_appointment(
                &ctx.caller,
                &params.service_job_id,
                &params.appointment_id,
                &params.body,
            )
            .await
            .map(set_appointment)
            .map_err(api_error)
    }

    async fn assign_appointment_resources(
        &self,
        ctx: &RequestContext,
        params: m::params::AssignAppointmentResources,
    ) -> Result<m::AssignAppointmentResourcesResponse, ApiError> {
        let warnings = self
            .world
            .assign_resources(
                &ctx.caller,
                &params.service_job_id,
                &params.appointment_id,
                &params.body,
            )
            .await
            .map_err(api_error)?;
        Ok(m::AssignAppointmentResourcesResponse {
            payload: Some(m::AssignAppointmentResourcesResponsePayload {
                warnings: (!warnings.is_empty()).then_some(warnings),
            }),
            errors: None,
        })
    }

    async fn set_appointment_fulfillment_data(
        &self,
        ctx: &RequestContext,
        params: m::params::SetAppointmentFulfillmentData,
    ) -> Result<(), ApiError> {
        // Errors of this operation are a bare array (see `http::error::bare_error_list`).
        self.world
            .set_fulfillment(
                &ctx.caller,
                &params.service_job_id,
                &params.appointment_id,
                &params.body,
            )
            .await
            .map_err(api_error)
    }

    async fn get_range_slot_capacity(
        &self,
        ctx: &RequestContext,
        params: m::params::GetRangeSlotCapacity,
    ) -> Result<m::RangeSlotCapacity, ApiError> {
        // Every range of the query is one answer; `nextPageToken` is never needed.
        self.world
            .range_capacity(
                &ctx.caller,
                &params.resource_id,
                &params.marketplace_ids,
                &params.body,
            )
            .await
            .map_err(api_error)
    }

    async fn get_fixed_slot_capacity(
        &self,
        ctx: &RequestContext,
        params: m::params::GetFixedSlotCapacity,
    ) -> Result<m::FixedSlotCapacity, ApiError> {
        self.world
            .fixed_capacity(
                &ctx.caller,
                &params.resource_id,
                &params.marketplace_ids,
                &params.body,
                params.next_page_token.as_deref(),
            )
            .await
            .map_err(api_error)
    }

    async fn update_schedule(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateSchedule,
    ) -> Result<m::UpdateScheduleResponse, ApiError> {
        let records = self
            .world
            .update_schedule(
                &ctx.caller,
                &params.resource_id,
                &params.marketplace_ids,
                &params.body,
            )
            .await
            .map_err(api_error)?;
        Ok(m::UpdateScheduleResponse {
            payload: Some(records),
            errors: None,
        })
    }

    async fn create_reservation(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateReservation,
    ) -> Result<m::CreateReservationResponse, ApiError> {
        let reservation = self
            .world
            .create_reservation(&ctx.caller, &params.marketplace_ids, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::CreateReservationResponse {
            payload: Some(m::CreateReservationRecord {
                reservation: Some(reservation),
                warnings: None,
                errors: None,
            }),
            errors: None,
        })
    }

    async fn update_reservation(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateReservation,
    ) -> Result<m::UpdateReservationResponse, ApiError> {
        let reservation = self
            .world
            .update_reservation(
                &ctx.caller,
                &params.reservation_id,
                &params.marketplace_ids,
                &params.body,
            )
            .await
            .map_err(api_error)?;
        Ok(m::UpdateReservationResponse {
            payload: Some(m::UpdateReservationRecord {
                reservation: Some(reservation),
                warnings: None,
                errors: None,
            }),
            errors: None,
        })
    }

    async fn cancel_reservation(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelReservation,
    ) -> Result<(), ApiError> {
        self.world
            .cancel_reservation(&ctx.caller, &params.reservation_id, &params.marketplace_ids)
            .await
            .map_err(api_error)
    }

    async fn get_appointmment_slots_by_job_id(
        &self,
        ctx: &RequestContext,
        params: m::params::GetAppointmmentSlotsByJobId,
    ) -> Result<m::GetAppointmentSlotsResponse, ApiError> {
        let report = self
            .world
            .slots_for_job(
                &ctx.caller,
                &params.service_job_id,
                &params.marketplace_ids,
                params.start_time.as_deref(),
                params.end_time.as_deref(),
            )
            .await
            .map_err(api_error)?;
        Ok(m::GetAppointmentSlotsResponse {
            payload: Some(report),
            errors: None,
        })
    }

    async fn get_appointment_slots(
        &self,
        ctx: &RequestContext,
        params: m::params::GetAppointmentSlots,
    ) -> Result<m::GetAppointmentSlotsResponse, ApiError> {
        let report = self
            .world
            .slots_for_asin(
                &ctx.caller,
                &params.asin,
                &params.store_id,
                &params.marketplace_ids,
                params.start_time.as_deref(),
                params.end_time.as_deref(),
            )
            .await
            .map_err(api_error)?;
        Ok(m::GetAppointmentSlotsResponse {
            payload: Some(report),
            errors: None,
        })
    }

    async fn create_service_document_upload_destination(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateServiceDocumentUploadDestination,
    ) -> Result<m::CreateServiceDocumentUploadDestination, ApiError> {
        let destination = self
            .world
            .upload_destination(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::CreateServiceDocumentUploadDestination {
            payload: Some(destination),
            errors: None,
        })
    }
}
