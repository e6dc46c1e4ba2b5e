//! Sellers v1: the seller's marketplaces and account, from `market::sellers`.

use crate::generated::sellers_v1::SellersV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::sellers::{Participation, SellerAccounts};
use spapi_model::sellers_v1 as m;

/// Sellers over the world's sellers.
pub struct Sellers {
    world: SellerAccounts,
}

impl Sellers {
    /// The Sellers API over the world's seller accounts.
    pub fn new(world: SellerAccounts) -> Self {
        Sellers { world }
    }
}

/// A participation in the model's shape.
fn participation(p: Participation) -> m::MarketplaceParticipation {
    let Participation {
        marketplace: mp,
        store_name,
        is_participating,
        has_suspended_listings,
    } = p;
    m::MarketplaceParticipation {
        marketplace: m::Marketplace {
            id: mp.id.to_string(),
            name: mp.name.to_string(),
            country_code: mp.country_code.to_string(),
            default_currency_code: mp.currency.to_string(),
            default_language_code: mp.language.to_string(),
            domain_name: mp.domain.to_string(),
        },
        participation: m::Participation {
            is_participating,
            has_suspended_listings,
        },
        store_name,
    }
}

#[async_trait::async_trait]
impl SellersV1Api for Sellers {
    fn implemented(&self) -> &'static [&'static str] {
        &["getMarketplaceParticipations", "getAccount"]
    }

    async fn get_marketplace_participations(
        &self,
        ctx: &RequestContext,
        _params: m::params::GetMarketplaceParticipations,
    ) -> Result<m::GetMarketplaceParticipationsResponse, ApiError> {
        let list = self.world.participations(&ctx.caller).await?;
        Ok(m::GetMarketplaceParticipationsResponse {
            payload: Some(list.into_iter().map(participation).collect()),
            errors: None,
        })
    }

    async fn get_account(
        &self,
        ctx: &RequestContext,
        _params: m::params::GetAccount,
    ) -> Result<m::GetAccountResponse, ApiError> {
        let found = self.world.account(&ctx.caller).await?;
        let a = found.account;
        Ok(m::GetAccountResponse {
            payload: Some(m::Account {
                marketplace_participation_list: found
                    .participations
                    .into_iter()
                    .map(participation)
                    .collect(),
                business_type: a.business_type,
                selling_plan: a.selling_plan,
                business: a.business,
                primary_contact: a.primary_contact,
            }),
            errors: None,
        })
    }
}
