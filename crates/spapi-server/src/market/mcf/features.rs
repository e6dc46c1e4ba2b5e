//! MCF features (getFeatures, getFeatureInventory, getFeatureSKU): the options an MCF order
//! can ask for in its `featureConstraints`, and the SKUs that can use them.
//!
//! # Rules
//!
//! - The features of a marketplace are [`FEATURES`]: `BLANK_BOX`, `PACKING_SLIP`, `OVERBOX`
//!   and `DELIVER_TOGETHER` everywhere, `BLOCK_AMZL` and `SIGNATURE_CONFIRMATION` in the US
//!   only. Every seller is enrolled in the features of its marketplaces (`sellerEligible`
//!   true); a feature of another marketplace is `MERCHANT_NOT_ENROLLED` for getFeatureSKU; a
//!   name that is no feature at all is 400 `InvalidInput`.
//! - A SKU is eligible when it is the seller's FBA SKU in the marketplace with fulfillable
//!   units (`skuCount`: those units); an FBA SKU without units is `SKU_NOT_ELIGIBLE` (no
//!   fulfillment center holds it); any other SKU is `INVALID_SKU`. An ineligible SKU's answer
//!   carries no SKU information, as Amazon documents. spapi's FNSKUs belong to one SKU, so
//!   `overlappingSkus` is always empty.
//! - getFeatureInventory lists the eligible SKUs by SKU, [`PAGE`] per page, the search in
//!   its `nextToken`; `queryStartDate` keeps the SKUs whose stock changed at or after it.

use super::{Fulfillment, seller};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::{self, marketplace};
use crate::market::{offers, paging};
use crate::store::fba::FbaSummaryQuery;
use serde::{Deserialize, Serialize};
use spapi_model::fulfillment_outbound_2020_07_01 as m;

/// SKUs per getFeatureInventory page.
pub const PAGE: usize = 50;

/// A feature: its name, what it does, and whether it is offered in the US only.
struct Feature {
    name: &'static str,
    description: &'static str,
    us_only: bool,
}

const FEATURES: &[Feature] = &[
    Feature {
        name: "BLANK_BOX",
        description: "Ships the order in a box without Amazon branding.",
        us_only: false,
    },
    Feature {
        name: "BLOCK_AMZL",
        description: "Keeps the order away from Amazon Logistics carriers (a surcharge applies).",
        us_only: true,
    },
    Feature {
        name: "SIGNATURE_CONFIRMATION",
        description: "Asks the carrier to collect a signature on delivery (a fee applies).",
        us_only: true,
    },
    Feature {
        name: "PACKING_SLIP",
        description: "Adds the seller's own packing slip to the package.",
        us_only: false,
    },
    Feature {
        name: "OVERBOX",
        description: "Puts the product's own box inside a shipping box.",
        us_only: false,
    },
    Feature {
        name: "DELIVER_TOGETHER",
        description: "Ships the order's items together in as few packages as possible.",
        us_only: false,
    },
];

#[derive(Serialize, Deserialize)]
struct Cursor {
    marketplace: String,
    feature: String,
    since: Option<i64>,
    after: String,
}

fn offered(f: &Feature, marketplace_id: &str) -> bool {
    !f.us_only || marketplace(marketplace_id).is_some_and(|m| m.country_code == "US")
}

fn feature(name: &str) -> Result<&'static Feature> {
    FEATURES.iter().find(|f| f.name == name).ok_or_else(|| {
        Error::invalid_parameter(
            "featureName",
            format!("{name} is not a Multi-Channel Fulfillment feature."),
        )
    })
}

fn check_marketplace(caller: &Caller, marketplace_id: &str) -> Result<()> {
    let ids = [marketplace_id.to_string()];
    marketplaces::check_known("marketplaceId", &ids)?;
    marketplaces::check_participating(caller, &ids)
}

impl Fulfillment {
    /// getFeatures: the features offered in the marketplace.
    pub async fn features(&self, caller: &Caller, marketplace_id: &str) -> Result<Vec<m::Feature>> {
        seller(caller)?;
        check_marketplace(caller, marketplace_id)?;
        Ok(FEATURES
            .iter()
            .filter(|f| offered(f, marketplace_id))
            .map(|f| m::Feature {
                feature_name: f.name.to_string(),
                feature_description: f.description.to_string(),
                seller_eligible: Some(true),
            })
            .collect())
    }

    /// getFeatureInventory (see the module rules).
    pub async fn feature_inventory(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        feature_name: &str,
        query_start_date: Option<&str>,
        next_token: Option<&str>,
    ) -> Result<m::GetFeatureInventoryResult> {
        let seller = seller(caller)?;
        check_marketplace(caller, marketplace_id)?;
        let f = feature(feature_name)?;
        let (since, mut after) = match next_token {
            Some(t) => {
                let c: Cursor = paging::decode_token(t)?;
                if c.marketplace != marketplace_id || c.feature != feature_name {
                    return Err(Error::invalid_parameter(
                        "nextToken",
                        "The nextToken belongs to another marketplace or feature.",
                    ));
                }
                (c.since, Some(c.after))
            }
            None => {
                let since = match query_start_date {
                    Some(d) => Some(
                        crate::time::parse_date_time(d)
                            .ok_or_else(|| {
                                Error::invalid_parameter("queryStartDate", "Invalid date-time.")
                            })?
                            .as_microsecond(),
                    ),
                    None => None,
                };
                (since, None)
            }
        };
        let mut skus = vec![];
        let mut more = false;
        if offered(f, marketplace_id) {
            'pages: loop {
                let rows = self
                    .store
                    .fba_summaries(&FbaSummaryQuery {
                        seller_id: seller.to_string(),
                        marketplace_id: marketplace_id.to_string(),
                        // "At or after": the store's filter is strictly after.
                        changed_after_us: since.map(|s| s - 1),
                        after_sku: after.clone(),
                        limit: 200,
                        ..FbaSummaryQuery::default()
                    })
                    .await?;
                let last_page = rows.len() < 200;
                for r in rows {
                    after = Some(r.listing.sku.clone());
                    if r.listing.quantity <= 0 {
                        continue;
                    }
                    if skus.len() == PAGE {
                        more = true;
                        break 'pages;
                    }
                    skus.push(r);
                }
                if last_page {
                    break;
                }
            }
        }
        let next_token = match (more, skus.last()) {
            (true, Some(last)) => Some(paging::encode_token(&Cursor {
                marketplace: marketplace_id.to_string(),
                feature: feature_name.to_string(),
                since,
                after: last.listing.sku.clone(),
            })),
            _ => None,
        };
        Ok(m::GetFeatureInventoryResult {
            marketplace_id: marketplace_id.to_string(),
            feature_name: feature_name.to_string(),
            next_token,
            feature_skus: Some(
                skus.iter()
                    .map(|r| m::FeatureSku {
                        seller_sku: Some(r.listing.sku.clone()),
                        fn_sku: Some(offers::fnsku(seller, &r.listing.sku)),
                        asin: (!r.listing.asin.is_empty()).then(|| r.listing.asin.clone()),
                        sku_count: Some(r.listing.quantity as f64),
                        overlapping_skus: Some(vec![]),
                    })
                    .collect(),
            ),
        })
    }

    /// getFeatureSKU (see the module rules).
    pub async fn feature_sku(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        feature_name: &str,
        sku: &str,
    ) -> Result<m::GetFeatureSkuResult> {
        let seller = seller(caller)?;
        check_marketplace(caller, marketplace_id)?;
        let f = feature(feature_name)?;
        let listing = self
            .store
            .get_listing(seller, sku, marketplace_id)
            .await?
            .filter(|l| l.fulfillment_channel == "AFN");
        let reason = match &listing {
            _ if !offered(f, marketplace_id) => Some("MERCHANT_NOT_ENROLLED"),
            None => Some("INVALID_SKU"),
            Some(l) if l.quantity <= 0 => Some("SKU_NOT_ELIGIBLE"),
            Some(_) => None,
        };
        let mut out = m::GetFeatureSkuResult {
            marketplace_id: marketplace_id.to_string(),
            feature_name: feature_name.to_string(),
            is_eligible: reason.is_none(),
            ineligible_reasons: Some(reason.into_iter().map(str::to_string).collect()),
            ..m::GetFeatureSkuResult::default()
        };
        if let (None, Some(l)) = (reason, listing) {
            out.seller_sku = Some(l.sku.clone());
            out.fn_sku = Some(offers::fnsku(seller, &l.sku));
            out.asin = (!l.asin.is_empty()).then(|| l.asin.clone());
            out.sku_count = Some(l.quantity as f64);
        }
        Ok(out)
    }
}
