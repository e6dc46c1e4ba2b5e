//! Catalog Items v0 (deprecated by Amazon), answered from the same catalog as 2022-04-01.

use super::service::CatalogService;
use super::{categories_v0, item_v0, to_model};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::check_known;
use crate::store::{CatalogItemRow, CatalogQuery};
use serde_json::json;
use spapi_model::catalog_items_v0 as m;

/// Items a v0 query answers at most (v0 does not page).
const MAX_ITEMS: i64 = 10;

/// The one marketplace of a v0 call must be one SP-API knows.
fn check_marketplace(id: &str) -> Result<()> {
    check_known("MarketplaceId", &[id.to_string()])
}

/// v0's not-found: [`Error::NotFound`] whose text is Amazon's message (`Item ... not found.`).
fn not_found(asin: &str) -> Error {
    Error::not_found().with_details(format!("Item {asin} not found."))
}

impl CatalogService {
    /// The ASIN of one of the caller's SKUs in a marketplace.
    async fn asin_of_sku(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        sku: &str,
    ) -> Result<Option<String>> {
        let Some(seller) = caller.selling_partner_id.as_deref() else {
            return Err(Error::forbidden());
        };
        Ok(self
            .store
            .get_listing_doc(seller, sku, marketplace_id)
            .await?
            .map(|d| d.row.asin)
            .filter(|a| !a.is_empty()))
    }

    /// listCatalogItems: exactly one of Query, SellerSKU, UPC, EAN, ISBN or JAN.
    pub async fn list_items_v0(
        &self,
        caller: &Caller,
        p: &m::params::ListCatalogItems,
    ) -> Result<m::ListCatalogItemsResponse> {
        check_marketplace(&p.marketplace_id)?;
        let given: Vec<(&str, &String)> = [
            ("Query", p.query.as_ref()),
            ("SellerSKU", p.seller_sku.as_ref()),
            ("UPC", p.upc.as_ref()),
            ("EAN", p.ean.as_ref()),
            ("ISBN", p.isbn.as_ref()),
            ("JAN", p.jan.as_ref()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
        let [(kind, value)] = given.as_slice() else {
            return Err(Error::invalid_input(
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
                    .await?
                    .items
            }
            "SellerSKU" => {
                let asins: Vec<String> = self
                    .asin_of_sku(caller, &p.marketplace_id, value)
                    .await?
                    .into_iter()
                    .collect();
                self.store.get_catalog_items(&asins).await?
            }
            t => {
                let asins: Vec<String> = self
                    .store
                    .asins_by_identifier(t, &[value.to_string()])
                    .await?
                    .into_iter()
                    .map(|(_, a)| a)
                    .collect();
                self.store.get_catalog_items(&asins).await?
            }
        };
        let items: Vec<_> = rows
            .iter()
            .map(|r| item_v0(r, &p.marketplace_id, &self.public_base))
            .collect();
        to_model(json!({"payload": {"Items": items}}))
    }

    /// getCatalogItem (v0). An ASIN the catalog lacks is [`Error::NotFound`] with v0's text.
    pub async fn get_item_v0(
        &self,
        p: &m::params::GetCatalogItem,
    ) -> Result<m::GetCatalogItemResponse> {
        check_marketplace(&p.marketplace_id)?;
        let item = self
            .store
            .get_catalog_item(&p.asin)
            .await?
            .ok_or_else(|| not_found(&p.asin))?;
        to_model(json!({"payload": item_v0(&item, &p.marketplace_id, &self.public_base)}))
    }

    /// listCatalogCategories: the categories of an ASIN, or of one of the caller's SKUs.
    pub async fn categories_v0(
        &self,
        caller: &Caller,
        p: &m::params::ListCatalogCategories,
    ) -> Result<m::ListCatalogCategoriesResponse> {
        check_marketplace(&p.marketplace_id)?;
        let asin = match (&p.asin, &p.seller_sku) {
            (Some(a), None) => a.clone(),
            (None, Some(sku)) => self
                .asin_of_sku(caller, &p.marketplace_id, sku)
                .await?
                .ok_or_else(|| not_found(sku))?,
            _ => {
                return Err(Error::invalid_input(
                    "Exactly one of ASIN or SellerSKU is required.",
                ));
            }
        };
        let item = self
            .store
            .get_catalog_item(&asin)
            .await?
            .ok_or_else(|| not_found(&asin))?;
        to_model(json!({"payload": categories_v0(&item)}))
    }
}
