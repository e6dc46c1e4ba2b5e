//! Catalog Items v0 (deprecated by Amazon; answered from the same catalog as 2022-04-01).

use crate::generated::catalog_items_v0::CatalogItemsV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::catalog;
use crate::store::{CatalogItemRow, CatalogQuery, Store};
use serde_json::{Value, json};
use spapi_model::catalog_items_v0 as m;

/// Items a v0 query answers at most (v0 does not page).
const MAX_ITEMS: i64 = 10;

/// Catalog Items v0 over the world's store.
pub struct CatalogV0 {
    store: Store,
    /// `http://host:port` that image links start with.
    public_base: String,
}

impl CatalogV0 {
    /// The catalog of the world in `store`, for a server reachable at `public_base`.
    pub fn new(store: Store, public_base: String) -> Self {
        CatalogV0 { store, public_base }
    }

    /// The ASIN of one of the caller's SKUs in a marketplace.
    async fn asin_of_sku(
        &self,
        ctx: &RequestContext,
        marketplace_id: &str,
        sku: &str,
    ) -> Result<Option<String>, ApiError> {
        let Some(seller) = ctx.caller.selling_partner_id.as_deref() else {
            return Err(ApiError::unauthorized());
        };
        Ok(self
            .store
            .get_listing_doc(seller, sku, marketplace_id)
            .await
            .map_err(ApiError::internal)?
            .map(|d| d.row.asin)
            .filter(|a| !a.is_empty()))
    }
}

fn to_model<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(ApiError::internal)
}

fn check_marketplace(id: &str) -> Result<(), ApiError> {
    crate::market::marketplaces::marketplace(id)
        .map(|_| ())
        .ok_or_else(|| {
            ApiError::invalid_parameter(
                "MarketplaceId",
                format!("'{id}' is not a valid marketplace id"),
            )
        })
}

fn not_found(asin: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "NotFound",
        format!("Item {asin} not found."),
    )
}

#[async_trait::async_trait]
impl CatalogItemsV0Api for CatalogV0 {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "listCatalogItems",
            "getCatalogItem",
            "listCatalogCategories",
        ]
    }

    async fn list_catalog_items(
        &self,
        ctx: &RequestContext,
        params: m::params::ListCatalogItems,
    ) -> Result<m::ListCatalogItemsResponse, ApiError> {
        check_marketplace(&params.marketplace_id)?;
        let given: Vec<(&str, &String)> = [
            ("Query", params.query.as_ref()),
            ("SellerSKU", params.seller_sku.as_ref()),
            ("UPC", params.upc.as_ref()),
            ("EAN", params.ean.as_ref()),
            ("ISBN", params.isbn.as_ref()),
            ("JAN", params.jan.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let [(kind, value)] = given.as_slice() else {
            return Err(ApiError::invalid_input(
                "Exactly one of Query, SellerSKU, UPC, EAN, ISBN or JAN is required.",
            ));
        };
        let rows: Vec<CatalogItemRow> = match *kind {
            "Query" => {
                let keywords: Vec<String> = value.split_whitespace().map(str::to_string).collect();
                self.store
                    .search_catalog(&CatalogQuery {
                        keywords,
                        limit: MAX_ITEMS,
                        ..Default::default()
                    })
                    .await
                    .map_err(ApiError::internal)?
                    .items
            }
            "SellerSKU" => {
                let asins: Vec<String> = self
                    .asin_of_sku(ctx, &params.marketplace_id, value)
                    .await?
                    .into_iter()
                    .collect();
                self.store
                    .get_catalog_items(&asins)
                    .await
                    .map_err(ApiError::internal)?
            }
            t => {
                let asins: Vec<String> = self
                    .store
                    .asins_by_identifier(t, &[value.to_string()])
                    .await
                    .map_err(ApiError::internal)?
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect();
                self.store
                    .get_catalog_items(&asins)
                    .await
                    .map_err(ApiError::internal)?
            }
        };
        let items: Vec<Value> = rows
            .iter()
            .map(|r| catalog::item_v0(r, &params.marketplace_id, &self.public_base))
            .collect();
        to_model(json!({"payload": {"Items": items}}))
    }

    async fn get_catalog_item(
        &self,
        _ctx: &RequestContext,
        params: m::params::GetCatalogItem,
    ) -> Result<m::GetCatalogItemResponse, ApiError> {
        check_marketplace(&params.marketplace_id)?;
        let item = self
            .store
            .get_catalog_item(&params.asin)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| not_found(&params.asin))?;
        to_model(
            json!({"payload": catalog::item_v0(&item, &params.marketplace_id, &self.public_base)}),
        )
    }

    async fn list_catalog_categories(
        &self,
        ctx: &RequestContext,
        params: m::params::ListCatalogCategories,
    ) -> Result<m::ListCatalogCategoriesResponse, ApiError> {
        check_marketplace(&params.marketplace_id)?;
        let asin = match (&params.asin, &params.seller_sku) {
            (Some(a), None) => a.clone(),
            (None, Some(sku)) => self
                .asin_of_sku(ctx, &params.marketplace_id, sku)
                .await?
                .ok_or_else(|| not_found(sku))?,
            _ => {
                return Err(ApiError::invalid_input(
                    "Exactly one of ASIN or SellerSKU is required.",
                ));
            }
        };
        let item = self
            .store
            .get_catalog_item(&asin)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| not_found(&asin))?;
        to_model(json!({"payload": catalog::categories_v0(&item)}))
    }
}
