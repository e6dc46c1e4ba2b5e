//! Invoices 2024-06-19: the NF-e of the seller's Brazilian orders, their exports and
//! government invoices (`market::invoices`).

use crate::error::Error;
use crate::generated::invoices_2024_06_19::Invoices20240619Api;
use crate::http::{ApiError, RequestContext};
use crate::market::invoices::government::GovernmentInvoices;
use crate::market::invoices::{Filters, InvoicesService};
use axum::http::StatusCode;
use spapi_model::invoices_2024_06_19 as m;

/// The Invoices API over the world's invoices.
pub struct Invoices {
    world: InvoicesService,
    government: GovernmentInvoices,
}

impl Invoices {
    /// The API over `world` and `government`.
    pub fn new(world: InvoicesService, government: GovernmentInvoices) -> Self {
        Invoices { world, government }
    }
}

/// This API's error family: `code` is the HTTP status as a string, `message` Amazon's
/// "Invalid Request." for a bad request, the field and what is wrong in `details`.
pub fn api_error(e: Error) -> ApiError {
    match e {
        Error::InvalidParameter { field, details } => {
            let details = if details.contains(&field) {
                details
            } else {
                format!("{field}: {details}")
            };
            ApiError::new(StatusCode::BAD_REQUEST, "400", "Invalid Request.").with_details(details)
        }
        Error::Invalid(details) | Error::Conflict(details) => {
            ApiError::new(StatusCode::BAD_REQUEST, "400", "Invalid Request.").with_details(details)
        }
        Error::NotFound(details) => {
            ApiError::new(StatusCode::NOT_FOUND, "404", "Resource not found.").with_details(details)
        }
        Error::Forbidden(details) => ApiError::new(
            StatusCode::FORBIDDEN,
            "403",
            "Access to requested resource is denied.",
        )
        .with_details(details),
        other => {
            let mut e: ApiError = other.into();
            for entry in &mut e.errors {
                entry.code = "500".into();
            }
            e
        }
    }
}

#[async_trait::async_trait]
impl Invoices20240619Api for Invoices {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getInvoicesAttributes",
            "getInvoicesDocument",
            "getInvoicesExports",
            "createInvoicesExport",
            "getInvoicesExport",
            "getGovernmentInvoiceStatus",
            "createGovernmentInvoice",
            "getGovernmentInvoiceDocument",
            "getInvoices",
            "getInvoice",
        ]
    }

    async fn get_invoices_attributes(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInvoicesAttributes,
    ) -> Result<m::GetInvoicesAttributesResponse, ApiError> {
        let a = self
            .world
            .attributes(&ctx.caller, &params.marketplace_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetInvoicesAttributesResponse {
            invoices_attributes: Some(a),
        })
    }

    async fn get_invoices_document(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInvoicesDocument,
    ) -> Result<m::GetInvoicesDocumentResponse, ApiError> {
        let d = self
            .world
            .document(&ctx.caller, &params.invoices_document_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetInvoicesDocumentResponse {
            invoices_document: Some(d),
        })
    }

    async fn get_invoices_exports(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInvoicesExports,
    ) -> Result<m::GetInvoicesExportsResponse, ApiError> {
        let page = self
            .world
            .list_exports(
                &ctx.caller,
                &params.marketplace_id,
                params.date_start.as_deref(),
                params.date_end.as_deref(),
                params.status.as_deref(),
                params.page_size,
                params.next_token.as_deref(),
            )
            .await
            .map_err(api_error)?;
        Ok(m::GetInvoicesExportsResponse {
            exports: Some(page.exports),
            next_token: page.next_token,
        })
    }

    async fn create_invoices_export(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateInvoicesExport,
    ) -> Result<m::ExportInvoicesResponse, ApiError> {
        let id = self
            .world
            .create_export(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::ExportInvoicesResponse {
            export_id: Some(id),
        })
    }

    async fn get_invoices_export(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInvoicesExport,
    ) -> Result<m::GetInvoicesExportResponse, ApiError> {
        let e = self
            .world
            .get_export(&ctx.caller, &params.export_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetInvoicesExportResponse { export: Some(e) })
    }

    async fn get_government_invoice_status(
        &self,
        ctx: &RequestContext,
        params: m::params::GetGovernmentInvoiceStatus,
    ) -> Result<m::GovernmentInvoiceStatusResponse, ApiError> {
        self.government
            .status(
                &ctx.caller,
                &params.marketplace_id,
                &params.shipment_id,
                &params.invoice_type,
                &params.transaction_type,
            )
            .await
            .map_err(api_error)
    }

    async fn create_government_invoice(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateGovernmentInvoice,
    ) -> Result<(), ApiError> {
        self.government
            .create(&ctx.caller, &params.body)
            .await
            .map_err(api_error)
    }

    async fn get_government_invoice_document(
        &self,
        ctx: &RequestContext,
        params: m::params::GetGovernmentInvoiceDocument,
    ) -> Result<m::GovtInvoiceDocumentResponse, ApiError> {
        let d = self
            .government
            .document(
                &ctx.caller,
                &params.marketplace_id,
                &params.shipment_id,
                &params.invoice_type,
                &params.transaction_type,
                params.file_format.as_deref(),
            )
            .await
            .map_err(api_error)?;
        Ok(m::GovtInvoiceDocumentResponse {
            invoice_document: Some(d),
        })
    }

    async fn get_invoices(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInvoices,
    ) -> Result<m::GetInvoicesResponse, ApiError> {
        let filters = Filters {
            marketplace_id: params.marketplace_id,
            date_start: params.date_start,
            date_end: params.date_end,
            statuses: params.statuses,
            invoice_type: params.invoice_type,
            transaction_type: params.transaction_type,
            transaction_identifier_name: params.transaction_identifier_name,
            transaction_identifier_id: params.transaction_identifier_id,
            series: params.series,
            external_invoice_id: params.external_invoice_id,
            ascending: params.sort_order.as_deref() == Some("ASC"),
        };
        // sortOrder and sortBy shape the first page only; with a token they are "other
        // parameters" too.
        let sorting = params.sort_order.is_some() || params.sort_by.is_some();
        if params.next_token.is_some() && sorting {
            return Err(api_error(Error::invalid_input(
                crate::market::invoices::NEXT_TOKEN_ALONE,
            )));
        }
        let page = self
            .world
            .list(
                &ctx.caller,
                &filters,
                params.page_size,
                params.next_token.as_deref(),
            )
            .await
            .map_err(api_error)?;
        Ok(m::GetInvoicesResponse {
            invoices: Some(page.invoices),
            next_token: page.next_token,
        })
    }

    async fn get_invoice(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInvoice,
    ) -> Result<m::GetInvoiceResponse, ApiError> {
        let i = self
            .world
            .get(&ctx.caller, &params.marketplace_id, &params.invoice_id)
            .await
            .map_err(api_error)?;
        Ok(m::GetInvoiceResponse { invoice: Some(i) })
    }
}
