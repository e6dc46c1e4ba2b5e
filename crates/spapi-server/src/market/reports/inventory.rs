//! FBA inventory reports: GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA and GET_AFN_INVENTORY_DATA,
//! from the seller's FBA (AFN) listings: `quantity` is fulfillable stock, `reserved` the units
//! held by pending orders.

use super::listings::{ListingPages, catalog_facts};
use super::tsv::Tsv;
use crate::market::documents::DocumentWriter;
use crate::store::reports::ReportRow;
use crate::store::{ListingRow, Store, StoreError};

const MYI: &[&str] = &[
    "sku",
    "fnsku",
    "asin",
    "product-name",
    "condition",
    "your-price",
    "mfn-listing-exists",
    "mfn-fulfillable-quantity",
    "afn-listing-exists",
    "afn-warehouse-quantity",
    "afn-fulfillable-quantity",
    "afn-unsellable-quantity",
    "afn-reserved-quantity",
    "afn-total-quantity",
    "per-unit-volume",
    "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity",
    "afn-inbound-receiving-quantity",
    "afn-researching-quantity",
    "afn-reserved-future-supply",
    "afn-future-supply-buyable",
];

const AFN: &[&str] = &[
    "seller-sku",
    "fulfillment-channel-sku",
    "asin",
    "condition-type",
    "Warehouse-Condition-code",
    "Quantity Available",
];

/// The FNSKU of a listing's SKU.
fn fnsku(l: &ListingRow) -> String {
    crate::market::offers::fnsku(&l.seller_id, &l.sku)
}

/// GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA.
pub async fn myi(
    store: &Store,
    report: &ReportRow,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let mut tsv = Tsv::new(w, MYI).await?;
    let mut pages = ListingPages::new(store, report);
    while let Some(page) = pages.next().await? {
        for l in page {
            if l.fulfillment_channel != "AFN" {
                continue;
            }
            // Only the title is shown; the image link's host does not matter.
            let (title, _) = catalog_facts(store, &l.asin, "").await?;
            let total = l.quantity + l.reserved;
            let row: Vec<String> = vec![
                l.sku.clone(),
                fnsku(&l),
                l.asin.clone(),
                title,
                "New".into(),
                l.price.clone(),
                "No".into(),
                String::new(),
                "Yes".into(),
                total.to_string(),
                l.quantity.to_string(),
                "0".into(),
                l.reserved.to_string(),
                total.to_string(),
                "0.05".into(),
                "0".into(),
                "0".into(),
                "0".into(),
                "0".into(),
                "0".into(),
                "0".into(),
            ];
            tsv.row(&row).await?;
        }
    }
    tsv.finish().await
}

/// GET_AFN_INVENTORY_DATA: one SELLABLE row per FBA SKU.
pub async fn afn(
    store: &Store,
    report: &ReportRow,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    let mut tsv = Tsv::new(w, AFN).await?;
    let mut pages = ListingPages::new(store, report);
    while let Some(page) = pages.next().await? {
        for l in page {
            if l.fulfillment_channel != "AFN" {
                continue;
            }
            let row = [
                l.sku.clone(),
                fnsku(&l),
                l.asin.clone(),
                "NewItem".to_string(),
                "SELLABLE".to_string(),
                l.quantity.to_string(),
            ];
            tsv.row(&row).await?;
        }
    }
    tsv.finish().await
}
