//! Listings Items 2021-08-01.

use crate::generated::listings_items_2021_08_01::ListingsItems20210801Api;
use crate::http::{ApiError, RequestContext};
use crate::market::listings::ListingsService;
use spapi_model::listings_items_2021_08_01 as m;

/// Listings Items over the listings service.
pub struct Listings {
    listings: ListingsService,
}

impl Listings {
    /// The API over `listings`.
    pub fn new(listings: ListingsService) -> Self {
        Listings { listings }
    }
}

#[async_trait::async_trait]
impl ListingsItems20210801Api for Listings {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getListingsItem",
            "putListingsItem",
            "patchListingsItem",
            "deleteListingsItem",
            "searchListingsItems",
        ]
    }

    async fn get_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::GetListingsItem,
    ) -> Result<m::Item, ApiError> {
        Ok(self.listings.get(&ctx.caller, &params).await?)
    }

    async fn put_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::PutListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse, ApiError> {
        Ok(self.listings.put(&ctx.caller, &params).await?)
    }

    async fn patch_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::PatchListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse, ApiError> {
        Ok(self.listings.patch(&ctx.caller, &params).await?)
    }

    async fn delete_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::DeleteListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse, ApiError> {
        Ok(self.listings.delete(&ctx.caller, &params).await?)
    }

    async fn search_listings_items(
        &self,
        ctx: &RequestContext,
        params: m::params::SearchListingsItems,
    ) -> Result<m::ItemSearchResults, ApiError> {
        Ok(self.listings.search(&ctx.caller, &params).await?)
    }
}
