//! searchListingsItems: a seller's listings in one marketplace, filtered, sorted and paged.
//!
//! # Paging
//!
//! `pageToken` (the one codec, [`crate::market::paging`]) carries the search it belongs to (its
//! filters as resolved: times in µs, the sort) and the position of the page. A request with the
//! token and the same filters pages on, as Amazon expects it; so does one that sends the token
//! without any filter (the required seller and marketplace aside), as older clients do: the
//! token's search applies. A token sent with other filters is refused; a token that does not
//! decode answers the codec's message.

use super::item_json;
use super::service::{
    ListingsService, check_seller, included_or_summaries, one_marketplace, to_model,
};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::paging::{decode_token, encode_token};
use crate::store::ListingQuery;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use spapi_model::listings_items_2021_08_01 as m;

/// A search's filters, resolved: what a page token carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListingSearch {
    seller_id: String,
    marketplace_id: String,
    identifiers: Vec<String>,
    identifiers_type: Option<String>,
    variation_parent_sku: Option<String>,
    package_hierarchy_sku: Option<String>,
    created_after_us: Option<i64>,
    created_before_us: Option<i64>,
    updated_after_us: Option<i64>,
    updated_before_us: Option<i64>,
    with_issue_severity: Vec<String>,
    with_status: Vec<String>,
    without_status: Vec<String>,
    /// `sku`, `createdDate` or `lastUpdatedDate`.
    sort_by: String,
    descending: bool,
}

/// What a searchListingsItems page token carries: the search and the first row of the page.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListingPage {
    search: ListingSearch,
    offset: i64,
}

/// Identifier types a listings search takes.
const IDENTIFIER_TYPES: &[&str] = &["SKU", "ASIN", "EAN", "UPC", "GTIN", "ISBN", "JAN"];

/// The listings column a `sortBy` value sorts on.
fn sort_column(sort_by: &str) -> Option<&'static str> {
    match sort_by {
        "sku" => Some("sku"),
        "createdDate" => Some("created_at"),
        "lastUpdatedDate" => Some("updated_at"),
        _ => None,
    }
}

/// A date-time filter in µs; 400 naming the parameter when it is not a date-time.
fn time_param(name: &str, v: &Option<String>) -> Result<Option<i64>> {
    v.as_deref()
        .map(|s| {
            crate::time::parse_date_time(s)
                .map(|t| t.as_microsecond())
                .ok_or_else(|| Error::invalid_parameter(name, format!("'{s}' is not a date-time")))
        })
        .transpose()
}

/// Whether the request sends any filter of the search (beyond seller and marketplace). The
/// sort counts only when it is not the model's default (`lastUpdatedDate`, `DESC`): the
/// binding fills defaults in, so a default cannot be told from an absent parameter.
fn sends_filters(p: &m::params::SearchListingsItems) -> bool {
    !p.identifiers.is_empty()
        || p.identifiers_type.is_some()
        || p.variation_parent_sku.is_some()
        || p.package_hierarchy_sku.is_some()
        || p.created_after.is_some()
        || p.created_before.is_some()
        || p.last_updated_after.is_some()
        || p.last_updated_before.is_some()
        || !p.with_issue_severity.is_empty()
        || !p.with_status.is_empty()
        || !p.without_status.is_empty()
        || p.sort_by.as_deref().is_some_and(|s| s != "lastUpdatedDate")
        || p.sort_order.as_deref().is_some_and(|s| s != "DESC")
}

impl ListingSearch {
    /// The search a request asks for, checked.
    fn of(p: &m::params::SearchListingsItems, marketplace_id: String) -> Result<Self> {
        if !p.identifiers.is_empty() {
            match p.identifiers_type.as_deref() {
                None => {
                    return Err(Error::invalid_parameter(
                        "identifiersType",
                        "identifiersType is required with identifiers",
                    ));
                }
                Some(t) if !IDENTIFIER_TYPES.contains(&t) => {
                    return Err(Error::invalid_parameter(
                        "identifiersType",
                        format!("'{t}' is not supported"),
                    ));
                }
                Some(_) => {}
            }
        }
        let search = ListingSearch {
            seller_id: p.seller_id.clone(),
            marketplace_id,
            identifiers: p.identifiers.clone(),
            identifiers_type: p.identifiers_type.clone(),
            variation_parent_sku: p.variation_parent_sku.clone(),
            package_hierarchy_sku: p.package_hierarchy_sku.clone(),
            created_after_us: time_param("createdAfter", &p.created_after)?,
            created_before_us: time_param("createdBefore", &p.created_before)?,
            updated_after_us: time_param("lastUpdatedAfter", &p.last_updated_after)?,
            updated_before_us: time_param("lastUpdatedBefore", &p.last_updated_before)?,
            with_issue_severity: p.with_issue_severity.clone(),
            with_status: p.with_status.clone(),
            without_status: p.without_status.clone(),
            sort_by: p
                .sort_by
                .clone()
                .unwrap_or_else(|| "lastUpdatedDate".into()),
            descending: p.sort_order.as_deref().unwrap_or("DESC") != "ASC",
        };
        if sort_column(&search.sort_by).is_none() {
            return Err(Error::invalid_parameter(
                "sortBy",
                format!("'{}' is not a valid sort", search.sort_by),
            ));
        }
        Ok(search)
    }

    /// The relationship filter: listings whose parent SKU is this one.
    fn parent_sku(&self) -> Option<&str> {
        self.variation_parent_sku
            .as_deref()
            .or(self.package_hierarchy_sku.as_deref())
    }
}

impl ListingsService {
    /// searchListingsItems: the seller's listings in the marketplace matching the filters, one
    /// page of them, in the requested order.
    pub async fn search(
        &self,
        caller: &Caller,
        p: &m::params::SearchListingsItems,
    ) -> Result<m::ItemSearchResults> {
        check_seller(caller, &p.seller_id)?;
        let mp = one_marketplace(caller, &p.marketplace_ids)?;
        let mut search = ListingSearch::of(p, mp)?;
        let size = p.page_size.unwrap_or(10);
        if !(1..=20).contains(&size) {
            return Err(Error::invalid_parameter(
                "pageSize",
                "pageSize must be between 1 and 20",
            ));
        }
        let offset = match &p.page_token {
            Some(t) => {
                let page: ListingPage = decode_token(t)?;
                let same_place = page.search.seller_id == search.seller_id
                    && page.search.marketplace_id == search.marketplace_id;
                if page.search != search && (sends_filters(p) || !same_place) {
                    return Err(Error::invalid_parameter(
                        "pageToken",
                        "The pageToken belongs to a search with other parameters; send it with \
                         the parameters of the search that returned it.",
                    ));
                }
                search = page.search;
                page.offset.max(0)
            }
            None => 0,
        };
        let (docs, total) = self.run(&search, offset, size).await?;
        let included = included_or_summaries(&p.included_data);
        let mut items = Vec::with_capacity(docs.len());
        for d in &docs {
            let item = if d.row.asin.is_empty()
                || !included
                    .iter()
                    .any(|i| i == "summaries" || i == "attributes")
            {
                None
            } else {
                self.catalog_item(&d.row.asin).await?
            };
            items.push(to_model::<m::Item>(item_json(d, item.as_ref(), &included))?);
        }
        let token = |offset: i64| {
            encode_token(&ListingPage {
                search: search.clone(),
                offset,
            })
        };
        let pagination = m::Pagination {
            next_token: (offset + (docs.len() as i64) < total).then(|| token(offset + size)),
            previous_token: (offset > 0).then(|| token((offset - size).max(0))),
        };
        let has_pages = pagination.next_token.is_some() || pagination.previous_token.is_some();
        Ok(m::ItemSearchResults {
            number_of_results: total,
            pagination: has_pages.then_some(pagination),
            items,
        })
    }

    /// The page of `search` that starts at `offset`, and how many listings match in all.
    async fn run(
        &self,
        search: &ListingSearch,
        offset: i64,
        size: i64,
    ) -> Result<(Vec<crate::store::ListingDoc>, i64)> {
        let mut q = ListingQuery {
            seller_id: search.seller_id.clone(),
            marketplace_id: search.marketplace_id.clone(),
            ..Default::default()
        };
        if !search.identifiers.is_empty() {
            match search.identifiers_type.as_deref() {
                Some("SKU") => q.skus = search.identifiers.clone(),
                Some("ASIN") => q.asins = search.identifiers.clone(),
                Some(t @ ("EAN" | "UPC" | "GTIN" | "ISBN" | "JAN")) => {
                    let hits = self
                        .store
                        .asins_by_identifier(t, &search.identifiers)
                        .await?;
                    q.asins = hits.into_iter().map(|(_, a)| a).collect();
                    if q.asins.is_empty() {
                        // No catalog item carries them: match nothing.
                        q.asins.push(String::from("\u{0}"));
                    }
                }
                other => {
                    return Err(Error::invalid_parameter(
                        "identifiersType",
                        format!("'{}' is not supported", other.unwrap_or_default()),
                    ));
                }
            }
        }
        q.created_after_us = search.created_after_us;
        q.created_before_us = search.created_before_us;
        q.updated_after_us = search.updated_after_us;
        q.updated_before_us = search.updated_before_us;
        q.severities = search.with_issue_severity.clone();
        q.with_status = search.with_status.clone();
        q.without_status = search.without_status.clone();
        q.sort_column = sort_column(&search.sort_by).unwrap_or("updated_at");
        q.descending = search.descending;
        let Some(parent) = search.parent_sku() else {
            q.offset = offset;
            q.limit = size;
            return Ok(self.store.search_listing_docs(&q).await?);
        };
        // Relationship filters read the documents: take the seller's whole marketplace, then
        // page what matches.
        q.offset = 0;
        q.limit = i64::MAX / 4;
        let (docs, _) = self.store.search_listing_docs(&q).await?;
        let all: Vec<_> = docs
            .into_iter()
            .filter(|d| {
                d.attributes
                    .as_ref()
                    .and_then(|a| a.pointer("/child_parent_sku_relationship/0/parent_sku"))
                    .and_then(Value::as_str)
                    == Some(parent)
            })
            .collect();
        let total = all.len() as i64;
        Ok((
            all.into_iter()
                .skip(offset as usize)
                .take(size as usize)
                .collect(),
            total,
        ))
    }
}
