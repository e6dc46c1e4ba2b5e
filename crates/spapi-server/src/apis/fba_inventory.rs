//! FBA Inventory v1: the world's FBA stock (`market::fba`).

use crate::generated::fba_inventory_v1::FbaInventoryV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::fba::Inventory;
use crate::market::fba::stock::Stock;
use spapi_model::fba_inventory_v1 as m;

/// The FBA Inventory API over the world's FBA inventory.
pub struct FbaInventory {
    inventory: Inventory,
}

impl FbaInventory {
    /// The API over `inventory`.
    pub fn new(inventory: Inventory) -> Self {
        FbaInventory { inventory }
    }
}

/// The model's summary of a SKU's stock; `details`: with `inventoryDetails`.
fn summary(s: &Stock, details: bool) -> m::InventorySummary {
    let inventory_details = details.then(|| {
        let r = &s.researching;
        let u = &s.unfulfillable;
        let entry = |name: m::ResearchingQuantityEntryName, quantity| m::ResearchingQuantityEntry {
            name,
            quantity,
        };
        m::InventoryDetails {
            fulfillable_quantity: Some(s.fulfillable),
            inbound_working_quantity: Some(s.inbound_working),
            inbound_shipped_quantity: Some(s.inbound_shipped),
            inbound_receiving_quantity: Some(s.inbound_receiving),
            reserved_quantity: Some(m::ReservedQuantity {
                total_reserved_quantity: Some(s.total_reserved()),
                pending_customer_order_quantity: Some(s.pending_customer_order),
                pending_transshipment_quantity: Some(s.pending_transshipment),
                fc_processing_quantity: Some(s.fc_processing),
            }),
            researching_quantity: Some(m::ResearchingQuantity {
                total_researching_quantity: Some(s.total_researching()),
                researching_quantity_breakdown: Some(vec![
                    entry(
                        m::ResearchingQuantityEntryName::ResearchingQuantityInShortTerm,
                        r.short_term,
                    ),
                    entry(
                        m::ResearchingQuantityEntryName::ResearchingQuantityInMidTerm,
                        r.mid_term,
                    ),
                    entry(
                        m::ResearchingQuantityEntryName::ResearchingQuantityInLongTerm,
                        r.long_term,
                    ),
                ]),
            }),
            unfulfillable_quantity: Some(m::UnfulfillableQuantity {
                total_unfulfillable_quantity: Some(s.total_unfulfillable()),
                customer_damaged_quantity: Some(u.customer_damaged),
                warehouse_damaged_quantity: Some(u.warehouse_damaged),
                distributor_damaged_quantity: Some(u.distributor_damaged),
                carrier_damaged_quantity: Some(u.carrier_damaged),
                defective_quantity: Some(u.defective),
                expired_quantity: Some(u.expired),
            }),
        }
    });
    m::InventorySummary {
        asin: (!s.asin.is_empty()).then(|| s.asin.clone()),
        fn_sku: Some(s.fnsku.clone()),
        seller_sku: Some(s.sku.clone()),
        // Units of new items (spapi's FBA stock is new).
        condition: Some("NewItem".into()),
        inventory_details,
        last_updated_time: Some(crate::time::iso_us(s.updated_at_us)),
        product_name: s.product_name.clone(),
        total_quantity: Some(s.total()),
        stores: None,
    }
}

#[async_trait::async_trait]
impl FbaInventoryV1Api for FbaInventory {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getInventorySummaries",
            "createInventoryItem",
            "deleteInventoryItem",
            "addInventory",
        ]
    }

    async fn get_inventory_summaries(
        &self,
        ctx: &RequestContext,
        params: m::params::GetInventorySummaries,
    ) -> Result<m::GetInventorySummariesResponse, ApiError> {
        let page = self.inventory.summaries(&ctx.caller, &params).await?;
        let details = params.details.unwrap_or(false);
        Ok(m::GetInventorySummariesResponse {
            payload: Some(m::GetInventorySummariesResult {
                granularity: m::Granularity {
                    granularity_type: Some("Marketplace".into()),
                    granularity_id: Some(page.marketplace_id.clone()),
                },
                inventory_summaries: page.summaries.iter().map(|s| summary(s, details)).collect(),
            }),
            pagination: page.next_token.map(|t| m::Pagination {
                next_token: Some(t),
            }),
            errors: None,
        })
    }

    async fn create_inventory_item(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateInventoryItem,
    ) -> Result<m::CreateInventoryItemResponse, ApiError> {
        self.inventory
            .create_item(&ctx.caller, &params.body)
            .await?;
        Ok(m::CreateInventoryItemResponse::default())
    }

    async fn delete_inventory_item(
        &self,
        ctx: &RequestContext,
        params: m::params::DeleteInventoryItem,
    ) -> Result<m::DeleteInventoryItemResponse, ApiError> {
        self.inventory
            .delete_item(&ctx.caller, &params.seller_sku, &params.marketplace_id)
            .await?;
        Ok(m::DeleteInventoryItemResponse::default())
    }

    async fn add_inventory(
        &self,
        ctx: &RequestContext,
        params: m::params::AddInventory,
    ) -> Result<m::AddInventoryResponse, ApiError> {
        self.inventory
            .add_inventory(&ctx.caller, &params.x_amzn_idempotency_token, &params.body)
            .await?;
        Ok(m::AddInventoryResponse::default())
    }
}
