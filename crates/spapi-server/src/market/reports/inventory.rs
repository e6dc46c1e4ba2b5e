//! GET_AFN_INVENTORY_DATA, from the seller's FBA (AFN) listings: `quantity` is fulfillable
//! stock. The reports that read every bucket of the FBA stock are in `fba.rs`.

use super::listings::ListingPages;
use super::tsv::Tsv;
use crate::market::documents::DocumentWriter;
use crate::store::reports::ReportRow;
use crate::store::{ListingRow, Store, StoreError};

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
