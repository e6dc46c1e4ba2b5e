//! The catalog service: searchCatalogItems and getCatalogItem of Catalog Items 2022-04-01 over
//! the world's store (the v0 operations are in `v0`).
//!
//! # Paging
//!
//! A keyword search pages with `pageToken`. The token (the one codec, [`crate::market::paging`])
//! carries the search it belongs to and the position of the page. As at Amazon, a request with a
//! token still sends the search's parameters (`keywords` or `identifiers` are required with a
//! token too); a token sent with other filters is refused, a token that does not decode answers
//! the codec's message. Identifier searches answer every match at once and take no token.

use super::{INCLUDED_DATA, classification_name, item_2022, to_model};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::check_known;
use crate::market::paging::{decode_token, encode_token};
use crate::market::product_types;
use crate::store::{CatalogItemRow, CatalogQuery, Store};
use serde::{Deserialize, Serialize};
use spapi_model::catalog_items_2022_04_01 as m;
use std::collections::BTreeMap;

/// Most identifiers or keywords in one search.
const MAX_TERMS: usize = 20;

/// Catalog Items (2022-04-01 and v0) over the world's store: the catalog every seller shares.
#[derive(Clone)]
pub struct CatalogService {
    pub(super) store: Store,
    /// `http://host:port` that image links start with.
    pub(super) public_base: String,
}

/// The filters of a keyword search, as the request sent them: a page token belongs to one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeywordSearch {
    marketplace_ids: Vec<String>,
    keywords: Vec<String>,
    brand_names: Vec<String>,
    classification_ids: Vec<String>,
}

/// What a searchCatalogItems page token carries: the search and the first row of the page.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogPage {
    search: KeywordSearch,
    offset: i64,
}

/// The `includedData` groups asked for (`summaries` when none).
fn included(data: &[String]) -> Result<Vec<String>> {
    if data.is_empty() {
        return Ok(vec!["summaries".into()]);
    }
    for d in data {
        if !INCLUDED_DATA.contains(&d.as_str()) {
            return Err(Error::invalid_parameter(
                "includedData",
                format!("'{d}' is not a valid value"),
            ));
        }
    }
    Ok(data.to_vec())
}

/// Brand and classification refinements of a set of items.
fn refinements_of(items: &[CatalogItemRow]) -> m::Refinements {
    let mut brands: BTreeMap<&str, i64> = BTreeMap::new();
    let mut classes: BTreeMap<String, i64> = BTreeMap::new();
    for i in items {
        *brands.entry(i.brand.as_str()).or_default() += 1;
        if let Some(spec) = product_types::spec(&i.product_type) {
            *classes
                .entry(spec.classification.0.to_string())
                .or_default() += 1;
        }
    }
    refinements(
        brands
            .into_iter()
            .map(|(b, n)| (b.to_string(), n))
            .collect(),
        classes.into_iter().collect(),
    )
}

/// Refinements from (brand, count) and (classification id, count) pairs; classifications
/// without an id are left out.
fn refinements(brands: Vec<(String, i64)>, classes: Vec<(String, i64)>) -> m::Refinements {
    m::Refinements {
        brands: brands
            .into_iter()
            .map(|(brand_name, number_of_results)| m::BrandRefinement {
                number_of_results,
                brand_name,
            })
            .collect(),
        classifications: classes
            .into_iter()
            .filter(|(c, _)| !c.is_empty())
            .map(|(c, number_of_results)| m::ClassificationRefinement {
                number_of_results,
                display_name: classification_name(&c).unwrap_or_else(|| c.clone()),
                classification_id: c,
            })
            .collect(),
    }
}

impl CatalogService {
    /// The catalog of the world in `store`, for a server reachable at `public_base`
    /// (`http://host:port`: image links start with it).
    pub fn new(store: Store, public_base: String) -> Self {
        CatalogService { store, public_base }
    }

    /// `item_2022` of a row as the model's `Item`.
    fn item(&self, row: &CatalogItemRow, mps: &[String], included: &[String]) -> Result<m::Item> {
        to_model(item_2022(row, mps, included, &self.public_base))
    }

    /// searchCatalogItems: by identifiers (every match, unpaged) or by keywords (paged, with
    /// brand and classification refinements). A SKU search names the caller's own seller id.
    pub async fn search(
        &self,
        caller: &Caller,
        p: &m::params::SearchCatalogItems,
    ) -> Result<m::ItemSearchResults> {
        check_known("marketplaceIds", &p.marketplace_ids)?;
        let included = included(&p.included_data)?;
        let size = p.page_size.unwrap_or(10);
        if !(1..=20).contains(&size) {
            return Err(Error::invalid_parameter(
                "pageSize",
                "pageSize must be between 1 and 20",
            ));
        }
        match (p.identifiers.is_empty(), p.keywords.is_empty()) {
            (false, false) => {
                return Err(Error::invalid_input(
                    "Cannot use identifiers and keywords in the same request.",
                ));
            }
            (true, true) => {
                // Also with a pageToken: Amazon wants the search's parameters sent again.
                return Err(Error::invalid_input(
                    "Either identifiers or keywords must be provided.",
                ));
            }
            _ => {}
        }
        if p.identifiers.len() > MAX_TERMS || p.keywords.len() > MAX_TERMS {
            return Err(Error::invalid_input(format!(
                "At most {MAX_TERMS} identifiers or keywords are allowed."
            )));
        }
        if !p.identifiers.is_empty() {
            return self.search_identifiers(caller, p, &included).await;
        }
        if p.identifiers_type.is_some() {
            return Err(Error::invalid_parameter(
                "identifiersType",
                "identifiersType is only used with identifiers",
            ));
        }
        let search = KeywordSearch {
            marketplace_ids: p.marketplace_ids.clone(),
            keywords: p.keywords.clone(),
            brand_names: p.brand_names.clone(),
            classification_ids: p.classification_ids.clone(),
        };
        let offset = match &p.page_token {
            Some(t) => {
                let page: CatalogPage = decode_token(t)?;
                if page.search != search {
                    return Err(Error::invalid_parameter(
                        "pageToken",
                        "The pageToken belongs to a search with other parameters; send it with \
                         the parameters of the search that returned it.",
                    ));
                }
                page.offset.max(0)
            }
            None => 0,
        };
        let found = self
            .store
            .search_catalog(&CatalogQuery {
                keywords: p.keywords.clone(),
                brands: p.brand_names.clone(),
                classification_ids: p.classification_ids.clone(),
                offset,
                limit: size,
            })
            .await?;
        let items = found
            .items
            .iter()
            .map(|r| self.item(r, &p.marketplace_ids, &included))
            .collect::<Result<Vec<_>>>()?;
        let token = |offset: i64| {
            encode_token(&CatalogPage {
                search: search.clone(),
                offset,
            })
        };
        let pagination = m::Pagination {
            next_token: (offset + (items.len() as i64) < found.total).then(|| token(offset + size)),
            previous_token: (offset > 0).then(|| token((offset - size).max(0))),
        };
        Ok(m::ItemSearchResults {
            number_of_results: found.total,
            pagination: Some(pagination),
            refinements: Some(refinements(found.brands, found.classifications)),
            items,
        })
    }

    /// An identifier search: the items carrying any of the identifiers, all at once.
    async fn search_identifiers(
        &self,
        caller: &Caller,
        p: &m::params::SearchCatalogItems,
        included: &[String],
    ) -> Result<m::ItemSearchResults> {
        if !p.brand_names.is_empty() || !p.classification_ids.is_empty() {
            return Err(Error::invalid_input(
                "brandNames and classificationIds can only be used with keywords.",
            ));
        }
        if p.page_token.is_some() {
            return Err(Error::invalid_parameter(
                "pageToken",
                "identifier searches are not paged",
            ));
        }
        let Some(t) = p.identifiers_type.as_deref() else {
            return Err(Error::invalid_parameter(
                "identifiersType",
                "identifiersType is required with identifiers",
            ));
        };
        let asins: Vec<String> = match t {
            "ASIN" => p.identifiers.clone(),
            "SKU" => {
                let Some(seller) = p.seller_id.as_deref() else {
                    return Err(Error::invalid_parameter(
                        "sellerId",
                        "sellerId is required when identifiersType is SKU",
                    ));
                };
                if caller.selling_partner_id.as_deref() != Some(seller) {
                    return Err(Error::forbidden());
                }
                let mut out = Vec::new();
                for mp in &p.marketplace_ids {
                    for sku in &p.identifiers {
                        if let Some(d) = self.store.get_listing_doc(seller, sku, mp).await?
                            && !d.row.asin.is_empty()
                        {
                            out.push(d.row.asin);
                        }
                    }
                }
                out
            }
            "EAN" | "UPC" | "GTIN" | "ISBN" | "JAN" | "MINSAN" => self
                .store
                .asins_by_identifier(t, &p.identifiers)
                .await?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            other => {
                return Err(Error::invalid_parameter(
                    "identifiersType",
                    format!("'{other}' is not a valid identifier type"),
                ));
            }
        };
        let rows = self.store.get_catalog_items(&asins).await?;
        let items = rows
            .iter()
            .map(|r| self.item(r, &p.marketplace_ids, included))
            .collect::<Result<Vec<_>>>()?;
        Ok(m::ItemSearchResults {
            number_of_results: items.len() as i64,
            pagination: Some(m::Pagination::default()),
            refinements: Some(refinements_of(&rows)),
            items,
        })
    }

    /// getCatalogItem. An ASIN the catalog lacks is [`Error::NotFound`] whose text is Amazon's
    /// message (`Requested item '...' not found in marketplace(s) ...`).
    pub async fn get_item(&self, p: &m::params::GetCatalogItem) -> Result<m::Item> {
        check_known("marketplaceIds", &p.marketplace_ids)?;
        let included = included(&p.included_data)?;
        let item = self.store.get_catalog_item(&p.asin).await?.ok_or_else(|| {
            Error::not_found().with_details(format!(
                "Requested item '{}' not found in marketplace(s) {}.",
                p.asin,
                p.marketplace_ids.join(",")
            ))
        })?;
        self.item(&item, &p.marketplace_ids, &included)
    }
}
