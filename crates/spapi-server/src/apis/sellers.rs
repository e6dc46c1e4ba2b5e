//! Sellers v1: the seller's own record.

use crate::generated::sellers_v1::SellersV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::marketplaces::marketplace;
use crate::store::{SellerRecord, Store};
use spapi_model::sellers_v1 as m;

/// Sellers over the world's store.
pub struct Sellers {
    store: Store,
}

impl Sellers {
    /// Sellers of the world in `store`.
    pub fn new(store: Store) -> Self {
        Sellers { store }
    }

    async fn seller(&self, ctx: &RequestContext) -> Result<SellerRecord, ApiError> {
        let id = ctx
            .caller
            .selling_partner_id
            .as_deref()
            .ok_or_else(ApiError::unauthorized)?;
        self.store
            .get_seller(id)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::unauthorized().with_details(""))
    }
}

/// The seller's participations, one per marketplace of the seller record, in its order.
fn participations(seller: &SellerRecord) -> Vec<m::MarketplaceParticipation> {
    seller
        .marketplace_ids
        .iter()
        .filter_map(|id| marketplace(id))
        .map(|mp| m::MarketplaceParticipation {
            marketplace: m::Marketplace {
                id: mp.id.to_string(),
                name: mp.name.to_string(),
                country_code: mp.country_code.to_string(),
                default_currency_code: mp.currency.to_string(),
                default_language_code: mp.language.to_string(),
                domain_name: mp.domain.to_string(),
            },
            participation: m::Participation {
                is_participating: true,
                has_suspended_listings: false,
            },
            store_name: seller.name.clone(),
        })
        .collect()
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
        let seller = self.seller(ctx).await?;
        Ok(m::GetMarketplaceParticipationsResponse {
            payload: Some(participations(&seller)),
            errors: None,
        })
    }

    async fn get_account(
        &self,
        ctx: &RequestContext,
        _params: m::params::GetAccount,
    ) -> Result<m::GetAccountResponse, ApiError> {
        let seller = self.seller(ctx).await?;
        let country = seller
            .marketplace_ids
            .first()
            .and_then(|id| marketplace(id))
            .map(|mp| mp.country_code)
            .unwrap_or("US");
        let address = m::Address {
            address_line1: "410 Terry Ave N".into(),
            country_code: country.into(),
            city: Some("Seattle".into()),
            ..Default::default()
        };
        Ok(m::GetAccountResponse {
            payload: Some(m::Account {
                marketplace_participation_list: participations(&seller),
                business_type: m::AccountBusinessType::from_wire("PRIVATE_LIMITED"),
                selling_plan: m::AccountSellingPlan::from_wire("PROFESSIONAL"),
                business: Some(m::Business {
                    name: seller.name.clone(),
                    registered_business_address: address.clone(),
                    ..Default::default()
                }),
                primary_contact: Some(m::PrimaryContact {
                    name: seller.name.clone(),
                    address,
                    non_latin_name: None,
                }),
            }),
            errors: None,
        })
    }
}
