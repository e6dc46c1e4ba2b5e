//! Catalog Items 2022-04-01.

use super::listings::{fingerprint, parse_token, token};
use crate::generated::catalog_items_2022_04_01::CatalogItems20220401Api;
use crate::http::{ApiError, RequestContext};
use crate::market::catalog::{self, INCLUDED_DATA};
use crate::market::marketplaces::marketplace;
use crate::store::{CatalogItemRow, CatalogQuery, Store};
use serde_json::{Value, json};
use spapi_model::catalog_items_2022_04_01 as m;
use std::collections::BTreeMap;

/// Most identifiers or keywords in one search.
const MAX_TERMS: usize = 20;

/// Catalog Items over the world's store.
pub struct CatalogItems {
    store: Store,
    /// `http://host:port` that image links start with.
    public_base: String,
}

impl CatalogItems {
    /// The catalog of the world in `store`, for a server reachable at `public_base`.
    pub fn new(store: Store, public_base: String) -> Self {
        CatalogItems { store, public_base }
    }
}

fn to_model<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(ApiError::internal)
}

pub(crate) fn check_marketplaces(ids: &[String]) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Err(ApiError::invalid_parameter(
            "marketplaceIds",
            "at least one marketplace id is required",
        ));
    }
    for id in ids {
        if marketplace(id).is_none() {
            return Err(ApiError::invalid_parameter(
                "marketplaceIds",
                format!("'{id}' is not a valid marketplace id"),
            ));
        }
    }
    Ok(())
}

fn included(data: &[String]) -> Result<Vec<String>, ApiError> {
    if data.is_empty() {
        return Ok(vec!["summaries".into()]);
    }
    for d in data {
        if !INCLUDED_DATA.contains(&d.as_str()) {
            return Err(ApiError::invalid_parameter(
                "includedData",
                format!("'{d}' is not a valid value"),
            ));
        }
    }
    Ok(data.to_vec())
}

fn refinements(items: &[CatalogItemRow]) -> Value {
    let mut brands: BTreeMap<&str, i64> = BTreeMap::new();
    let mut classes: BTreeMap<String, i64> = BTreeMap::new();
    for i in items {
        *brands.entry(i.brand.as_str()).or_default() += 1;
        if let Some(spec) = crate::market::product_types::spec(&i.product_type) {
            *classes
                .entry(spec.classification.0.to_string())
                .or_default() += 1;
        }
    }
    refinement_json(
        brands
            .into_iter()
            .map(|(b, n)| (b.to_string(), n))
            .collect(),
        classes.into_iter().collect(),
    )
}

fn refinement_json(brands: Vec<(String, i64)>, classes: Vec<(String, i64)>) -> Value {
    json!({
        "brands": brands.iter().map(|(b, n)| json!({"numberOfResults": n, "brandName": b})).collect::<Vec<_>>(),
        "classifications": classes
            .iter()
            .filter(|(c, _)| !c.is_empty())
            .map(|(c, n)| json!({
                "numberOfResults": n,
                "displayName": catalog::classification_name(c).unwrap_or_else(|| c.clone()),
                "classificationId": c,
            }))
            .collect::<Vec<_>>(),
    })
}

#[async_trait::async_trait]
impl CatalogItems20220401Api for CatalogItems {
    fn implemented(&self) -> &'static [&'static str] {
        &["searchCatalogItems", "getCatalogItem"]
    }

    async fn search_catalog_items(
        &self,
        ctx: &RequestContext,
        params: m::params::SearchCatalogItems,
    ) -> Result<m::ItemSearchResults, ApiError> {
        check_marketplaces(&params.marketplace_ids)?;
        let included = included(&params.included_data)?;
        let size = params.page_size.unwrap_or(10);
        if !(1..=20).contains(&size) {
            return Err(ApiError::invalid_parameter(
                "pageSize",
                "pageSize must be between 1 and 20",
            ));
        }
        match (params.identifiers.is_empty(), params.keywords.is_empty()) {
            (false, false) => {
                return Err(ApiError::invalid_input(
                    "Cannot use identifiers and keywords in the same request.",
                ));
            }
            (true, true) => {
                return Err(ApiError::invalid_input(
                    "Either identifiers or keywords must be provided.",
                ));
            }
            _ => {}
        }
        if params.identifiers.len() > MAX_TERMS || params.keywords.len() > MAX_TERMS {
            return Err(ApiError::invalid_input(format!(
                "At most {MAX_TERMS} identifiers or keywords are allowed."
            )));
        }
        if !params.identifiers.is_empty() {
            if !params.brand_names.is_empty() || !params.classification_ids.is_empty() {
                return Err(ApiError::invalid_input(
                    "brandNames and classificationIds can only be used with keywords.",
                ));
            }
            if params.page_token.is_some() {
                return Err(ApiError::invalid_parameter(
                    "pageToken",
                    "identifier searches are not paged",
                ));
            }
            let Some(t) = params.identifiers_type.as_deref() else {
                return Err(ApiError::invalid_parameter(
                    "identifiersType",
                    "identifiersType is required with identifiers",
                ));
            };
            let asins: Vec<String> = match t {
                "ASIN" => params.identifiers.clone(),
                "SKU" => {
                    let Some(seller) = params.seller_id.as_deref() else {
                        return Err(ApiError::invalid_parameter(
                            "sellerId",
                            "sellerId is required when identifiersType is SKU",
                        ));
                    };
                    if ctx.caller.selling_partner_id.as_deref() != Some(seller) {
                        return Err(ApiError::unauthorized());
                    }
                    let mut out = Vec::new();
                    for mp in &params.marketplace_ids {
                        for sku in &params.identifiers {
                            if let Some(d) = self
                                .store
                                .get_listing_doc(seller, sku, mp)
                                .await
                                .map_err(ApiError::internal)?
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
                    .asins_by_identifier(t, &params.identifiers)
                    .await
                    .map_err(ApiError::internal)?
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect(),
                other => {
                    return Err(ApiError::invalid_parameter(
                        "identifiersType",
                        format!("'{other}' is not a valid identifier type"),
                    ));
                }
            };
            let rows = self
                .store
                .get_catalog_items(&asins)
                .await
                .map_err(ApiError::internal)?;
            let items: Vec<Value> = rows
                .iter()
                .map(|r| {
                    catalog::item_2022(r, &params.marketplace_ids, &included, &self.public_base)
                })
                .collect();
            return to_model(json!({
                "numberOfResults": items.len(),
                "pagination": {},
                "refinements": refinements(&rows),
                "items": items,
            }));
        }
        if params.identifiers_type.is_some() {
            return Err(ApiError::invalid_parameter(
                "identifiersType",
                "identifiersType is only used with identifiers",
            ));
        }
        let fp = fingerprint(&[
            &params.marketplace_ids.join(","),
            &params.keywords.join(","),
            &params.brand_names.join(","),
            &params.classification_ids.join(","),
        ]);
        let offset = match &params.page_token {
            Some(t) => parse_token(t, &fp)?,
            None => 0,
        };
        let found = self
            .store
            .search_catalog(&CatalogQuery {
                keywords: params.keywords.clone(),
                brands: params.brand_names.clone(),
                classification_ids: params.classification_ids.clone(),
                offset,
                limit: size,
            })
            .await
            .map_err(ApiError::internal)?;
        let items: Vec<Value> = found
            .items
            .iter()
            .map(|r| catalog::item_2022(r, &params.marketplace_ids, &included, &self.public_base))
            .collect();
        let mut pagination = json!({});
        if offset + (items.len() as i64) < found.total {
            pagination["nextToken"] = json!(token(offset + size, &fp));
        }
        if offset > 0 {
            pagination["previousToken"] = json!(token((offset - size).max(0), &fp));
        }
        to_model(json!({
            "numberOfResults": found.total,
            "pagination": pagination,
            "refinements": refinement_json(found.brands, found.classifications),
            "items": items,
        }))
    }

    async fn get_catalog_item(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetCatalogItem,
    ) -> Result<m::Item, ApiError> {
        check_marketplaces(&params.marketplace_ids)?;
        let included = included(&params.included_data)?;
        let item = self
            .store
            .get_catalog_item(&params.asin)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| {
                ApiError::new(
                    axum::http::StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    format!(
                        "Requested item '{}' not found in marketplace(s) {}.",
                        params.asin,
                        params.marketplace_ids.join(",")
                    ),
                )
            })?;
        to_model(catalog::item_2022(
            &item,
            &params.marketplace_ids,
            &included,
            &self.public_base,
        ))
    }
}
