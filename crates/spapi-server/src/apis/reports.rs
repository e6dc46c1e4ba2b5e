//! Reports 2021-06-30: the nine operations over `market::reports`.
//!
//! The binding is implemented on the market service itself ([`Reports`]): each operation takes
//! its parameters, asks the service, and shapes the answer into the model's types.

use crate::generated::reports_2021_06_30::Reports20210630Api;
use crate::http::{ApiError, RequestContext};
use crate::market::reports::search::Filters;
use crate::market::reports::{ReportRow, ScheduleRow, report_public_id};
use crate::time::iso_us;
use spapi_model::reports_2021_06_30 as m;

pub use crate::market::reports::Reports;

fn report_json(r: &ReportRow) -> m::Report {
    m::Report {
        marketplace_ids: Some(r.marketplace_ids.clone()),
        report_id: report_public_id(r.id),
        report_type: r.report_type.clone(),
        data_start_time: r.data_start_us.map(iso_us),
        data_end_time: r.data_end_us.map(iso_us),
        report_schedule_id: r.schedule_id.clone(),
        created_time: iso_us(r.created_at_us),
        processing_status: m::ReportProcessingStatus::from_wire(&r.status),
        processing_start_time: r.processing_start_us.map(iso_us),
        processing_end_time: r.processing_end_us.map(iso_us),
        report_document_id: r.document_id.clone(),
    }
}

fn schedule_json(s: &ScheduleRow) -> m::ReportSchedule {
    m::ReportSchedule {
        report_schedule_id: s.id.clone(),
        report_type: s.report_type.clone(),
        marketplace_ids: Some(s.marketplace_ids.clone()),
        report_options: s
            .options
            .as_ref()
            .and_then(|v| serde_json::from_value(v.clone()).ok()),
        period: s.period.clone(),
        next_report_creation_time: Some(iso_us(s.next_at_us)),
    }
}

#[async_trait::async_trait]
impl Reports20210630Api for Reports {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getReports",
            "createReport",
            "getReport",
            "cancelReport",
            "getReportSchedules",
            "createReportSchedule",
            "getReportSchedule",
            "cancelReportSchedule",
            "getReportDocument",
        ]
    }

    async fn get_reports(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReports,
    ) -> Result<m::GetReportsResponse, ApiError> {
        let filters = Filters {
            types: params.report_types,
            statuses: params.processing_statuses,
            marketplace_ids: params.marketplace_ids,
            page_size: params.page_size,
            created_since: params.created_since,
            created_until: params.created_until,
            next_token: params.next_token,
        };
        let page = self.search(&ctx.caller, filters).await?;
        Ok(m::GetReportsResponse {
            reports: page.rows.iter().map(report_json).collect(),
            next_token: page.next_token,
        })
    }

    async fn create_report(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateReport,
    ) -> Result<m::CreateReportResponse, ApiError> {
        let report_id = self.request(&ctx.caller, params.body).await?;
        Ok(m::CreateReportResponse { report_id })
    }

    async fn get_report(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReport,
    ) -> Result<m::Report, ApiError> {
        Ok(report_json(
            &self.report(&ctx.caller, &params.report_id).await?,
        ))
    }

    async fn cancel_report(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelReport,
    ) -> Result<(), ApiError> {
        Ok(self.cancel(&ctx.caller, &params.report_id).await?)
    }

    async fn get_report_schedules(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReportSchedules,
    ) -> Result<m::ReportScheduleList, ApiError> {
        let rows = self.schedules(&ctx.caller, &params.report_types).await?;
        Ok(m::ReportScheduleList {
            report_schedules: rows.iter().map(schedule_json).collect(),
        })
    }

    async fn create_report_schedule(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateReportSchedule,
    ) -> Result<m::CreateReportScheduleResponse, ApiError> {
        let report_schedule_id = self.request_schedule(&ctx.caller, params.body).await?;
        Ok(m::CreateReportScheduleResponse { report_schedule_id })
    }

    async fn get_report_schedule(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReportSchedule,
    ) -> Result<m::ReportSchedule, ApiError> {
        Ok(schedule_json(
            &self
                .schedule(&ctx.caller, &params.report_schedule_id)
                .await?,
        ))
    }

    async fn cancel_report_schedule(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelReportSchedule,
    ) -> Result<(), ApiError> {
        Ok(self
            .cancel_schedule(&ctx.caller, &params.report_schedule_id)
            .await?)
    }

    async fn get_report_document(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReportDocument,
    ) -> Result<m::ReportDocument, ApiError> {
        let doc = self
            .document(&ctx.caller, &params.report_document_id)
            .await?;
        Ok(m::ReportDocument {
            report_document_id: doc.id,
            url: doc.url,
            compression_algorithm: doc
                .compression
                .as_deref()
                .map(m::ReportDocumentCompressionAlgorithm::from_wire),
        })
    }
}
