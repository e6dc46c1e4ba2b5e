//! createInventoryItem, addInventory and deleteInventoryItem: the operations Amazon serves on
//! its sandbox hosts to seed the FBA Inventory dynamic sandbox. spapi serves them on its one
//! port as a way to seed the world's FBA stock.
//!
//! - createInventoryItem makes an FBA listing of the SKU with no units (no ASIN until the
//!   catalog has one, so no offer), the name kept as its product name.
//! - addInventory receives units of existing FBA SKUs: fulfillable, a `Receipts` ledger entry
//!   whose reference is the idempotency token. One request is one transaction (all items or
//!   none). The same `x-amzn-idempotency-token` again adds nothing and answers as the first
//!   time; the same token with another request is refused.
//! - deleteInventoryItem removes the SKU's FBA listing and its buckets; units still on hand
//!   leave through `Adjustments` entries (reason `D`, disposed of), so the ledger of the SKU
//!   ends at zero. A SKU with units held by pending orders cannot be deleted.

use super::stock::{self, Disposition, Movement, SELLABLE, event};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::{self, marketplace};
use crate::market::offers;
use crate::store::fba::LedgerEntry;
use crate::store::{ListingDoc, ListingRow, Store};
use serde_json::json;
use sha2::{Digest, Sha256};
use spapi_model::fba_inventory_v1 as m;

/// Longest seller SKU Amazon accepts.
const MAX_SKU_LEN: usize = 40;

/// Most units one addInventory item may add.
const MAX_ADD: i64 = 1_000_000;

fn seller(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

fn check_marketplace(caller: &Caller, field: &str, id: &str) -> Result<()> {
    let ids = [id.to_string()];
    marketplaces::check_known(field, &ids)?;
    marketplaces::check_participating(caller, &ids)
}

fn check_sku(field: &str, sku: &str) -> Result<()> {
    if sku.trim().is_empty() {
        return Err(Error::invalid_parameter(
            field,
            "sellerSku must not be empty.",
        ));
    }
    if sku.chars().count() > MAX_SKU_LEN {
        return Err(Error::invalid_parameter(
            field,
            format!("sellerSku must be at most {MAX_SKU_LEN} characters."),
        ));
    }
    Ok(())
}

/// createInventoryItem (see the module rules).
pub async fn create_item(
    store: &Store,
    caller: &Caller,
    body: &m::CreateInventoryItemRequest,
    at_us: i64,
) -> Result<()> {
    let seller = seller(caller)?;
    check_sku("sellerSku", &body.seller_sku)?;
    check_marketplace(caller, "marketplaceId", &body.marketplace_id)?;
    let name = body.product_name.trim();
    if name.is_empty() {
        return Err(Error::invalid_parameter(
            "productName",
            "productName must not be empty.",
        ));
    }
    let mp = marketplace(&body.marketplace_id)
        .ok_or_else(|| Error::invalid_parameter("marketplaceId", "Unknown marketplace."))?;
    let mut tx = store.begin().await?;
    if tx
        .get_listing(seller, &body.seller_sku, mp.id)
        .await?
        .is_some()
    {
        return Err(Error::invalid_input(format!(
            "The sellerSku {} already exists in marketplace {}.",
            body.seller_sku, mp.id
        )));
    }
    let row = ListingRow {
        seller_id: seller.to_string(),
        sku: body.seller_sku.clone(),
        marketplace_id: mp.id.to_string(),
        asin: String::new(),
        fulfillment_channel: "AFN".into(),
        price: String::new(),
        currency: mp.currency.to_string(),
        quantity: 0,
        reserved: 0,
        // As the Listings Items API leaves a listing without an ASIN.
        status: "INCOMPLETE".into(),
        created_at_us: at_us,
        updated_at_us: at_us,
    };
    let doc = ListingDoc {
        row: row.clone(),
        product_type: Some("PRODUCT".into()),
        condition_type: Some("new_new".into()),
        attributes: Some(json!({
            "item_name": [{"value": name, "marketplace_id": mp.id}],
            "condition_type": [{"value": "new_new", "marketplace_id": mp.id}],
        })),
        issues: json!([]),
        issue_severity: None,
    };
    tx.put_listing_doc(&doc).await?;
    let mut s = stock::blank_stock(&row, at_us);
    s.product_name = Some(name.to_string());
    tx.put_fba_stock(&s).await?;
    offers::listing_changed(&mut tx, None, Some(&row), at_us).await?;
    tx.commit().await?;
    Ok(())
}

/// The fingerprint of an addInventory request (what a reused token is compared by).
fn request_hash(items: &[m::InventoryItem]) -> String {
    let text = serde_json::to_string(items).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// addInventory (see the module rules).
pub async fn add_inventory(
    store: &Store,
    caller: &Caller,
    idempotency_token: &str,
    body: &m::AddInventoryRequest,
    at_us: i64,
) -> Result<()> {
    let seller = seller(caller)?;
    let token = idempotency_token.trim();
    if token.is_empty() {
        return Err(Error::invalid_parameter(
            "x-amzn-idempotency-token",
            "x-amzn-idempotency-token must not be empty.",
        ));
    }
    let items = body.inventory_items.as_deref().unwrap_or_default();
    if items.is_empty() {
        return Err(Error::invalid_parameter(
            "inventoryItems",
            "inventoryItems must list at least one item.",
        ));
    }
    for (i, it) in items.iter().enumerate() {
        check_sku(&format!("inventoryItems[{i}].sellerSku"), &it.seller_sku)?;
        check_marketplace(
            caller,
            &format!("inventoryItems[{i}].marketplaceId"),
            &it.marketplace_id,
        )?;
        if it.quantity <= 0 || it.quantity > MAX_ADD {
            return Err(Error::invalid_parameter(
                &format!("inventoryItems[{i}].quantity"),
                format!("quantity must be between 1 and {MAX_ADD}."),
            ));
        }
    }
    let mut tx = store.begin().await?;
    match tx
        .claim_fba_idempotency(seller, token, &request_hash(items), at_us)
        .await?
    {
        None => {}
        // Already applied: the same answer, nothing added.
        Some(h) if h == request_hash(items) => return Ok(()),
        Some(_) => {
            return Err(Error::invalid_parameter(
                "x-amzn-idempotency-token",
                "This idempotency token was used with a different request.",
            ));
        }
    }
    for it in items {
        let movement = Movement::Receipt {
            quantity: it.quantity,
            reference_id: Some(token.to_string()),
        };
        stock::apply_in(
            &mut tx,
            seller,
            &it.seller_sku,
            &it.marketplace_id,
            &movement,
            at_us,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// deleteInventoryItem (see the module rules).
pub async fn delete_item(
    store: &Store,
    caller: &Caller,
    sku: &str,
    marketplace_id: &str,
    at_us: i64,
) -> Result<()> {
    let seller = seller(caller)?;
    check_sku("sellerSku", sku)?;
    check_marketplace(caller, "marketplaceId", marketplace_id)?;
    let mut tx = store.begin().await?;
    let before = stock::afn_listing(&mut tx, seller, sku, marketplace_id).await?;
    if before.reserved > 0 {
        return Err(Error::invalid_input(format!(
            "The sellerSku {sku} has {} units reserved by pending customer orders.",
            before.reserved
        )));
    }
    // Bring the ledger up to date (opening it for stock older than the ledger), then let every
    // unit on hand leave it.
    stock::follow_listing(&mut tx, Some(&before), Some(&before), at_us).await?;
    let s = tx.get_fba_stock(seller, sku, marketplace_id).await?;
    let mut leaving: Vec<(&str, i64)> = vec![(SELLABLE, before.quantity)];
    if let Some(s) = &s {
        let q = [
            s.customer_damaged,
            s.warehouse_damaged,
            s.distributor_damaged,
            s.carrier_damaged,
            s.defective,
            s.expired,
        ];
        for (d, q) in Disposition::ALL.iter().zip(q) {
            leaving.push((d.as_str(), q));
        }
    }
    for (disposition, q) in leaving.into_iter().filter(|(_, q)| *q > 0) {
        tx.push_fba_ledger(&LedgerEntry {
            id: 0,
            seller_id: seller.to_string(),
            sku: sku.to_string(),
            marketplace_id: marketplace_id.to_string(),
            fnsku: offers::fnsku(seller, sku),
            at_us,
            event_type: event::ADJUSTMENTS.into(),
            quantity: -q,
            reference_id: String::new(),
            fulfillment_center: stock::fulfillment_center(marketplace_id, sku).into(),
            disposition: disposition.into(),
            reason: "D".into(),
        })
        .await?;
    }
    tx.delete_fba_stock(seller, sku, marketplace_id).await?;
    tx.delete_listing(seller, sku, marketplace_id).await?;
    offers::listing_changed(&mut tx, Some(&before), None, at_us).await?;
    tx.commit().await?;
    Ok(())
}
