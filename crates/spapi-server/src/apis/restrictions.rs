//! Listings Restrictions 2021-08-01.

use crate::generated::listings_restrictions_2021_08_01::ListingsRestrictions20210801Api;
use crate::http::{ApiError, RequestContext};
use crate::market::restrictions::RestrictionsService;
use spapi_model::listings_restrictions_2021_08_01 as m;

/// Listings Restrictions over the restrictions service.
pub struct Restrictions {
    restrictions: RestrictionsService,
}

impl Restrictions {
    /// The API over `restrictions`.
    pub fn new(restrictions: RestrictionsService) -> Self {
        Restrictions { restrictions }
    }
}

#[async_trait::async_trait]
impl ListingsRestrictions20210801Api for Restrictions {
    fn implemented(&self) -> &'static [&'static str] {
        &["getListingsRestrictions"]
    }

    async fn get_listings_restrictions(
        &self,
        ctx: &RequestContext,
        params: m::params::GetListingsRestrictions,
    ) -> Result<m::RestrictionList, ApiError> {
        Ok(self.restrictions.list(&ctx.caller, &params).await?)
    }
}
