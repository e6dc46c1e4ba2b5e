//! Listing restrictions: brand gating and category (product type) condition rules of the
//! world, as getListingsRestrictions reports them and as listings submissions enforce them.
//!
//! - Gated brands ([`GATED_BRANDS`]) need approval: a seller is approved for a brand in a
//!   marketplace once it lists an item of that brand there (the generated world's sellers are
//!   approved for the brands they were generated with); anyone else gets `APPROVAL_REQUIRED`
//!   with a link to request approval.
//! - Hygiene categories ([`NEW_ONLY_TYPES`]) take new items only: other conditions are
//!   `NOT_ELIGIBLE`.
//! - An ASIN the catalog lacks is `ASIN_NOT_FOUND`.

use super::listings::check_seller;
use super::marketplaces::{Marketplace, check_known, marketplace};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::store::{CatalogItemRow, Store};
use spapi_model::listings_restrictions_2021_08_01 as m;

/// Brands that need approval.
pub const GATED_BRANDS: &[&str] = &["Kestrel", "Lumina"];

/// Product types whose items may only be sold new.
pub const NEW_ONLY_TYPES: &[&str] = &["SHIRT", "PANTS", "DRESS", "SHOES", "BEAUTY", "GROCERY"];

/// Every condition type.
pub const CONDITIONS: &[&str] = &[
    "new_new",
    "new_open_box",
    "new_oem",
    "refurbished_refurbished",
    "used_like_new",
    "used_very_good",
    "used_good",
    "used_acceptable",
    "collectible_like_new",
    "collectible_very_good",
    "collectible_good",
    "collectible_acceptable",
    "club_club",
];

/// Why a seller may not list an item in a condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// `APPROVAL_REQUIRED`, `ASIN_NOT_FOUND` or `NOT_ELIGIBLE`.
    pub code: &'static str,
    /// What to tell the seller.
    pub message: String,
    /// Where to ask for approval.
    pub approval_link: Option<String>,
}

/// Seller Central's host for a marketplace (`sellercentral.amazon.de`).
fn seller_central(mp: &Marketplace) -> String {
    format!("sellercentral.{}", mp.domain.trim_start_matches("www."))
}

/// The reasons a seller may not list `item` (`None`: not in the catalog) in `condition`.
/// `approved` says whether the seller is approved for the item's brand in the marketplace.
pub fn reasons(
    mp: &Marketplace,
    asin: &str,
    item: Option<&CatalogItemRow>,
    condition: &str,
    approved: bool,
) -> Vec<Reason> {
    let Some(item) = item else {
        return vec![Reason {
            code: "ASIN_NOT_FOUND",
            message: format!("ASIN {asin} was not found in marketplace {}.", mp.id),
            approval_link: None,
        }];
    };
    let mut out = vec![];
    if NEW_ONLY_TYPES.contains(&item.product_type.as_str()) && !condition.starts_with("new_") {
        out.push(Reason {
            code: "NOT_ELIGIBLE",
            message: format!(
                "Listings in this category must be new; condition '{condition}' is not eligible."
            ),
            approval_link: None,
        });
    }
    if GATED_BRANDS.contains(&item.brand.as_str()) && !approved {
        out.push(Reason {
            code: "APPROVAL_REQUIRED",
            message: format!(
                "You need approval to list products of the brand {} in this marketplace.",
                item.brand
            ),
            approval_link: Some(format!(
                "https://{}/hz/approvalrequest/restrictions/approve?asin={asin}&itemcondition={}",
                seller_central(mp),
                condition.split('_').next().unwrap_or("new")
            )),
        });
    }
    out
}

/// Listings Restrictions over the world's store.
#[derive(Clone)]
pub struct RestrictionsService {
    store: Store,
}

impl RestrictionsService {
    /// Restrictions of the world in `store`.
    pub fn new(store: Store) -> Self {
        RestrictionsService { store }
    }

    /// getListingsRestrictions: per marketplace, the conditions the seller may not list the
    /// ASIN in and why (one `ASIN_NOT_FOUND` entry when the catalog lacks it). The seller in
    /// the request must be the caller.
    pub async fn list(
        &self,
        caller: &Caller,
        p: &m::params::GetListingsRestrictions,
    ) -> Result<m::RestrictionList> {
        check_seller(caller, &p.seller_id)?;
        check_known("marketplaceIds", &p.marketplace_ids)?;
        let conditions: Vec<&str> = match p.condition_type.as_deref() {
            Some(c) if CONDITIONS.contains(&c) => vec![c],
            Some(c) => {
                return Err(Error::invalid_parameter(
                    "conditionType",
                    format!("'{c}' is not a valid condition type"),
                ));
            }
            None => CONDITIONS.to_vec(),
        };
        let item = self.store.get_catalog_item(&p.asin).await?;
        let mut restrictions = Vec::new();
        for mp in p.marketplace_ids.iter().filter_map(|id| marketplace(id)) {
            let approved = match &item {
                Some(i) if GATED_BRANDS.contains(&i.brand.as_str()) => {
                    self.store
                        .seller_sells_brand(&p.seller_id, mp.id, &i.brand)
                        .await?
                }
                _ => true,
            };
            if item.is_none() {
                let r = reasons(mp, &p.asin, None, "new_new", approved);
                restrictions.push(m::Restriction {
                    marketplace_id: mp.id.to_string(),
                    condition_type: None,
                    reasons: Some(r.iter().map(reason_model).collect()),
                });
                continue;
            }
            for c in &conditions {
                let r = reasons(mp, &p.asin, item.as_ref(), c, approved);
                if !r.is_empty() {
                    restrictions.push(m::Restriction {
                        marketplace_id: mp.id.to_string(),
                        condition_type: Some((*c).into()),
                        reasons: Some(r.iter().map(reason_model).collect()),
                    });
                }
            }
        }
        Ok(m::RestrictionList { restrictions })
    }
}

/// A reason as the API shows it, with the link to request approval where there is one.
fn reason_model(r: &Reason) -> m::Reason {
    m::Reason {
        message: r.message.clone(),
        reason_code: Some(r.code.into()),
        links: r.approval_link.as_ref().map(|l| {
            vec![m::Link {
                resource: l.clone(),
                verb: m::LinkVerb::Get,
                title: Some("Request Approval via Seller Central.".into()),
                r#type: Some("text/html".into()),
            }]
        }),
    }
}
