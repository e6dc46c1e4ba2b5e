//! Listings Restrictions 2021-08-01.

use super::listings::check_seller;
use crate::generated::listings_restrictions_2021_08_01::ListingsRestrictions20210801Api;
use crate::http::{ApiError, RequestContext};
use crate::market::marketplaces::marketplace;
use crate::market::restrictions::{self, CONDITIONS, GATED_BRANDS};
use crate::store::Store;
use serde_json::{Value, json};
use spapi_model::listings_restrictions_2021_08_01 as m;

/// Listings Restrictions over the world's store.
pub struct Restrictions {
    store: Store,
}

impl Restrictions {
    /// Restrictions of the world in `store`.
    pub fn new(store: Store) -> Self {
        Restrictions { store }
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
        check_seller(ctx, &params.seller_id)?;
        let mut mps = Vec::new();
        for id in &params.marketplace_ids {
            mps.push(marketplace(id).ok_or_else(|| {
                ApiError::invalid_parameter(
                    "marketplaceIds",
                    format!("'{id}' is not a valid marketplace id"),
                )
            })?);
        }
        let conditions: Vec<&str> = match params.condition_type.as_deref() {
            Some(c) if CONDITIONS.contains(&c) => vec![c],
            Some(c) => {
                return Err(ApiError::invalid_parameter(
                    "conditionType",
                    format!("'{c}' is not a valid condition type"),
                ));
            }
            None => CONDITIONS.to_vec(),
        };
        let item = self
            .store
            .get_catalog_item(&params.asin)
            .await
            .map_err(ApiError::internal)?;
        let mut list = Vec::new();
        for mp in mps {
            let approved = match &item {
                Some(i) if GATED_BRANDS.contains(&i.brand.as_str()) => self
                    .store
                    .seller_sells_brand(&params.seller_id, mp.id, &i.brand)
                    .await
                    .map_err(ApiError::internal)?,
                _ => true,
            };
            if item.is_none() {
                let r = restrictions::reasons(mp, &params.asin, None, "new_new", approved);
                list.push(json!({"marketplaceId": mp.id, "reasons": reasons_json(&r)}));
                continue;
            }
            for c in &conditions {
                let r = restrictions::reasons(mp, &params.asin, item.as_ref(), c, approved);
                if !r.is_empty() {
                    list.push(json!({
                        "marketplaceId": mp.id,
                        "conditionType": c,
                        "reasons": reasons_json(&r),
                    }));
                }
            }
        }
        serde_json::from_value(json!({"restrictions": list})).map_err(ApiError::internal)
    }
}

fn reasons_json(r: &[restrictions::Reason]) -> Value {
    Value::Array(
        r.iter()
            .map(|r| {
                let mut v = json!({"message": r.message, "reasonCode": r.code});
                if let Some(l) = &r.approval_link {
                    v["links"] = json!([{
                        "resource": l,
                        "verb": "GET",
                        "title": "Request Approval via Seller Central.",
                        "type": "text/html",
                    }]);
                }
                v
            })
            .collect(),
    )
}
