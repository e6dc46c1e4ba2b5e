//! Catalog Items 2022-04-01.

use crate::error::Error;
use crate::generated::catalog_items_2022_04_01::CatalogItems20220401Api;
use crate::http::{ApiError, RequestContext};
use crate::market::catalog::CatalogService;
use axum::http::StatusCode;
use spapi_model::catalog_items_2022_04_01 as m;

/// Catalog Items 2022-04-01 over the catalog service.
pub struct CatalogItems {
    catalog: CatalogService,
}

impl CatalogItems {
    /// The API over `catalog`.
    pub fn new(catalog: CatalogService) -> Self {
        CatalogItems { catalog }
    }
}

#[async_trait::async_trait]
impl CatalogItems20220401Api for CatalogItems {
    fn implemented(&self) -> &'static [&'static str] {
        &["searchCatalogItems", "getCatalogItem"]
    }

    async fn search_catalog_items(
        &self,
        ctx: &RequestContext,
        params: m::params::SearchCatalogItems,
    ) -> Result<m::ItemSearchResults, ApiError> {
        Ok(self.catalog.search(&ctx.caller, &params).await?)
    }

    async fn get_catalog_item(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetCatalogItem,
    ) -> Result<m::Item, ApiError> {
        self.catalog.get_item(&params).await.map_err(|e| match e {
            // This API's 404 has a code and message of its own.
            Error::NotFound(message) => ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", message),
            other => other.into(),
        })
    }
}
