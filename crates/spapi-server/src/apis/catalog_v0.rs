//! Catalog Items v0 (deprecated by Amazon; answered from the same catalog as 2022-04-01).

use crate::error::Error;
use crate::generated::catalog_items_v0::CatalogItemsV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::catalog::CatalogService;
use axum::http::StatusCode;
use spapi_model::catalog_items_v0 as m;

/// Catalog Items v0 over the catalog service.
pub struct CatalogV0 {
    catalog: CatalogService,
}

impl CatalogV0 {
    /// The API over `catalog`.
    pub fn new(catalog: CatalogService) -> Self {
        CatalogV0 { catalog }
    }
}

/// v0's 404 is `NotFound` with the item named in the message, not in `details`.
fn v0_error(e: Error) -> ApiError {
    match e {
        Error::NotFound(message) => ApiError::new(StatusCode::NOT_FOUND, "NotFound", message),
        other => other.into(),
    }
}

#[async_trait::async_trait]
impl CatalogItemsV0Api for CatalogV0 {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "listCatalogItems",
            "getCatalogItem",
            "listCatalogCategories",
        ]
    }

    async fn list_catalog_items(
        &self,
        ctx: &RequestContext,
        params: m::params::ListCatalogItems,
    ) -> Result<m::ListCatalogItemsResponse, ApiError> {
        self.catalog
            .list_items_v0(&ctx.caller, &params)
            .await
            .map_err(v0_error)
    }

    async fn get_catalog_item(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetCatalogItem,
    ) -> Result<m::GetCatalogItemResponse, ApiError> {
        self.catalog.get_item_v0(&params).await.map_err(v0_error)
    }

    async fn list_catalog_categories(
        &self,
        ctx: &RequestContext,
        params: m::params::ListCatalogCategories,
    ) -> Result<m::ListCatalogCategoriesResponse, ApiError> {
        self.catalog
            .categories_v0(&ctx.caller, &params)
            .await
            .map_err(v0_error)
    }
}
