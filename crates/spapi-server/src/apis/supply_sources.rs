//! Supply Sources 2020-07-01: a seller's supply sources (`market::supply`).

use crate::error::Error;
use crate::generated::supply_sources_2020_07_01::SupplySources20200701Api;
use crate::http::{ApiError, RequestContext};
use crate::market::supply::{self, Source, SupplySources as World};
use spapi_model::supply_sources_2020_07_01 as m;

/// The Supply Sources API over the world's supply sources.
pub struct SupplySources {
    world: World,
}

impl SupplySources {
    /// The API over `world`.
    pub fn new(world: World) -> Self {
        SupplySources { world }
    }
}

/// This API's errors: the common envelope, with the numeric details Amazon gives for a used
/// code (`1004`) and a change to an archived source (`1005`).
fn api_error(e: Error) -> ApiError {
    match &e {
        Error::Invalid(message) if message == supply::DUPLICATE_CODE => {
            ApiError::invalid_input(message.clone()).with_details(supply::DUPLICATE_CODE_DETAILS)
        }
        Error::Conflict(message) if message == supply::ARCHIVED => {
            ApiError::invalid_input(message.clone()).with_details(supply::ARCHIVED_DETAILS)
        }
        _ => e.into(),
    }
}

fn status(s: &str) -> m::SupplySourceStatusReadOnly {
    match s {
        "Active" => m::SupplySourceStatusReadOnly::Active,
        "Inactive" => m::SupplySourceStatusReadOnly::Inactive,
        "Archived" => m::SupplySourceStatusReadOnly::Archived,
        other => m::SupplySourceStatusReadOnly::Unknown(other.to_string()),
    }
}

fn source(s: Source) -> m::SupplySource {
    m::SupplySource {
        supply_source_id: Some(s.supply_source_id),
        supply_source_code: Some(s.code),
        alias: Some(s.alias),
        status: Some(status(&s.status)),
        address: Some(s.address),
        configuration: s.configuration,
        capabilities: s.capabilities,
        created_at: Some(crate::time::iso_millis(s.created_at_us)),
        updated_at: Some(crate::time::iso_millis(s.updated_at_us)),
    }
}

#[async_trait::async_trait]
impl SupplySources20200701Api for SupplySources {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getSupplySources",
            "createSupplySource",
            "getSupplySource",
            "updateSupplySource",
            "archiveSupplySource",
            "updateSupplySourceStatus",
        ]
    }

    async fn get_supply_sources(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSupplySources,
    ) -> Result<m::GetSupplySourcesResponse, ApiError> {
        let page = self
            .world
            .list(
                &ctx.caller,
                params.page_size,
                params.next_page_token.as_deref(),
            )
            .await
            .map_err(api_error)?;
        Ok(m::GetSupplySourcesResponse {
            supply_sources: Some(
                page.sources
                    .into_iter()
                    .map(|s| m::SupplySourceListInnerItem {
                        alias: Some(s.alias),
                        supply_source_id: Some(s.supply_source_id),
                        supply_source_code: Some(s.code),
                        address: Some(s.address),
                    })
                    .collect(),
            ),
            next_page_token: page.next_token,
        })
    }

    async fn create_supply_source(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateSupplySource,
    ) -> Result<m::CreateSupplySourceResponse, ApiError> {
        let s = self
            .world
            .create(&ctx.caller, &params.body)
            .await
            .map_err(api_error)?;
        Ok(m::CreateSupplySourceResponse {
            supply_source_id: s.supply_source_id,
            supply_source_code: s.code,
        })
    }

    async fn get_supply_source(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSupplySource,
    ) -> Result<m::SupplySource, ApiError> {
        let s = self
            .world
            .get(&ctx.caller, &params.supply_source_id)
            .await
            .map_err(api_error)?;
        Ok(source(s))
    }

    async fn update_supply_source(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateSupplySource,
    ) -> Result<(), ApiError> {
        self.world
            .update(&ctx.caller, &params.supply_source_id, params.body.as_ref())
            .await
            .map_err(api_error)
    }

    async fn archive_supply_source(
        &self,
        ctx: &RequestContext,
        params: m::params::ArchiveSupplySource,
    ) -> Result<(), ApiError> {
        self.world
            .archive(&ctx.caller, &params.supply_source_id)
            .await
            .map_err(api_error)
    }

    async fn update_supply_source_status(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateSupplySourceStatus,
    ) -> Result<(), ApiError> {
        let status = params.body.as_ref().and_then(|b| b.status.as_ref());
        self.world
            .set_status(&ctx.caller, &params.supply_source_id, status)
            .await
            .map_err(api_error)
    }
}
