//! The stock of one SKU and the movements that change it (see the module rules in
//! [`super`]).

use crate::error::{Error, Result};
use crate::market::marketplaces::marketplace;
use crate::market::offers;
use crate::store::fba::{FbaStockRow, FbaSummaryQuery, FbaSummaryRow, LedgerEntry};
use crate::store::{ListingRow, Store, StoreTx};
use serde::{Deserialize, Serialize};

/// The disposition of sellable units in the ledger.
pub const SELLABLE: &str = "SELLABLE";

/// Ledger event types (Amazon's inventory ledger).
pub mod event {
    /// Units shipped to customers.
    pub const SHIPMENTS: &str = "Shipments";
    /// Units customers sent back.
    pub const CUSTOMER_RETURNS: &str = "CustomerReturns";
    /// Units received at a fulfillment center.
    pub const RECEIPTS: &str = "Receipts";
    /// Units found, lost, damaged or otherwise corrected.
    pub const ADJUSTMENTS: &str = "Adjustments";
    /// Units removed (returned to the seller or disposed of).
    pub const VENDOR_RETURNS: &str = "VendorReturns";
    /// Units moved between fulfillment centers.
    pub const WHSE_TRANSFERS: &str = "WhseTransfers";
}

/// Reference id of the entry that opens the ledger of stock that existed before it.
pub const OPENING_BALANCE: &str = "OPENING-BALANCE";

const DAY_US: i64 = 86_400_000_000;

/// Why a SKU's units are unfulfillable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Disposition {
    /// Damaged by the customer (a return).
    CustomerDamaged,
    /// Damaged at the fulfillment center.
    WarehouseDamaged,
    /// Damaged by the distributor.
    DistributorDamaged,
    /// Damaged by the carrier.
    CarrierDamaged,
    /// Defective.
    Defective,
    /// Past its expiration date.
    Expired,
}

impl Disposition {
    /// Every disposition, in the order the API lists them.
    pub const ALL: [Disposition; 6] = [
        Disposition::CustomerDamaged,
        Disposition::WarehouseDamaged,
        Disposition::DistributorDamaged,
        Disposition::CarrierDamaged,
        Disposition::Defective,
        Disposition::Expired,
    ];

    /// The ledger's name (`WAREHOUSE_DAMAGED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::CustomerDamaged => "CUSTOMER_DAMAGED",
            Disposition::WarehouseDamaged => "WAREHOUSE_DAMAGED",
            Disposition::DistributorDamaged => "DISTRIBUTOR_DAMAGED",
            Disposition::CarrierDamaged => "CARRIER_DAMAGED",
            Disposition::Defective => "DEFECTIVE",
            Disposition::Expired => "EXPIRED",
        }
    }

    fn bucket(self, s: &mut FbaStockRow) -> &mut i64 {
        match self {
            Disposition::CustomerDamaged => &mut s.customer_damaged,
            Disposition::WarehouseDamaged => &mut s.warehouse_damaged,
            Disposition::DistributorDamaged => &mut s.distributor_damaged,
            Disposition::CarrierDamaged => &mut s.carrier_damaged,
            Disposition::Defective => &mut s.defective,
            Disposition::Expired => &mut s.expired,
        }
    }
}

/// A movement of a SKU's units, applied by [`apply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Movement {
    /// Sets the units of the seller's inbound shipments by stage (not on hand: no ledger entry,
    /// and not a change for getInventorySummaries' `startDateTime`).
    Inbound {
        /// Units in shipments being prepared.
        working: i64,
        /// Units in shipments on their way.
        shipped: i64,
        /// Units being received.
        receiving: i64,
    },
    /// Moves units of the seller's inbound shipments between stages by deltas (an inbound plan
    /// or an AWD replenishment moving on: units leave one stage and enter the next). Several
    /// sources of inbound units (FBA inbound shipments, AWD replenishments) share the stages,
    /// so each moves its own units with deltas instead of setting totals; no stage may fall
    /// below 0. Like [`Movement::Inbound`], not on hand.
    InboundChange {
        /// Change of the units in shipments being prepared.
        working: i64,
        /// Change of the units in shipments on their way.
        shipped: i64,
        /// Change of the units being received.
        receiving: i64,
    },
    /// Units received: fulfillable (taken from the receiving units first). A `Receipts`
    /// entry.
    Receipt {
        /// Units, more than 0.
        quantity: i64,
        /// The inbound shipment (generated when `None`).
        reference_id: Option<String>,
    },
    /// Fulfillable units become unfulfillable. Two `Adjustments` entries (out of SELLABLE,
    /// into the disposition).
    Damage {
        /// Units, more than 0 and at most the fulfillable ones.
        quantity: i64,
        /// Where they go.
        disposition: Disposition,
    },
    /// Fulfillable units go missing: researching. An `Adjustments` entry, reason `M`.
    Missing {
        /// Units, more than 0 and at most the fulfillable ones.
        quantity: i64,
    },
    /// Researching units are found (the longest missing first): fulfillable. An
    /// `Adjustments` entry, reason `F`.
    Found {
        /// Units, more than 0 and at most the researching ones.
        quantity: i64,
    },
    /// Units a customer sent back arrive at the fulfillment center: fulfillable when
    /// `disposition` is `None` (sellable), else unfulfillable in that disposition. One
    /// `CustomerReturns` entry in the disposition the units went to.
    CustomerReturn {
        /// Units, more than 0.
        quantity: i64,
        /// Where the units go (`None`: sellable).
        disposition: Option<Disposition>,
        /// The return's reference (the fulfillment order or the customer order).
        reference_id: String,
    },
}

/// Researching units by how long they have been missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Researching {
    /// Missing 1 to 10 days.
    pub short_term: i64,
    /// Missing 11 to 20 days.
    pub mid_term: i64,
    /// Missing 21 days or more.
    pub long_term: i64,
}

/// Unfulfillable units by disposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Unfulfillable {
    /// `CUSTOMER_DAMAGED`.
    pub customer_damaged: i64,
    /// `WAREHOUSE_DAMAGED`.
    pub warehouse_damaged: i64,
    /// `DISTRIBUTOR_DAMAGED`.
    pub distributor_damaged: i64,
    /// `CARRIER_DAMAGED`.
    pub carrier_damaged: i64,
    /// `DEFECTIVE`.
    pub defective: i64,
    /// `EXPIRED`.
    pub expired: i64,
}

/// The stock of a seller's SKU in a marketplace, every bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stock {
    /// Seller SKU.
    pub sku: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// The item (empty until the SKU has one).
    pub asin: String,
    /// Amazon's id of the SKU's units.
    pub fnsku: String,
    /// The item's name.
    pub product_name: Option<String>,
    /// Units that can be picked for an order.
    pub fulfillable: i64,
    /// Units held by customer orders not yet shipped.
    pub pending_customer_order: i64,
    /// Units being moved between fulfillment centers (spapi has no transfers: 0).
    pub pending_transshipment: i64,
    /// Units set aside at the fulfillment center (spapi's orders hold units as pending
    /// customer orders until they ship: 0).
    pub fc_processing: i64,
    /// Inbound: shipments being prepared.
    pub inbound_working: i64,
    /// Inbound: shipments on their way.
    pub inbound_shipped: i64,
    /// Inbound: being received.
    pub inbound_receiving: i64,
    /// Researching units.
    pub researching: Researching,
    /// Unfulfillable units.
    pub unfulfillable: Unfulfillable,
    /// Last change of any quantity, epoch µs.
    pub updated_at_us: i64,
}

impl Stock {
    /// Every reserved unit.
    pub fn total_reserved(&self) -> i64 {
        self.pending_customer_order + self.pending_transshipment + self.fc_processing
    }

    /// Every researching unit.
    pub fn total_researching(&self) -> i64 {
        let r = &self.researching;
        r.short_term + r.mid_term + r.long_term
    }

    /// Every unfulfillable unit.
    pub fn total_unfulfillable(&self) -> i64 {
        let u = &self.unfulfillable;
        u.customer_damaged
            + u.warehouse_damaged
            + u.distributor_damaged
            + u.carrier_damaged
            + u.defective
            + u.expired
    }

    /// Every unit in an inbound shipment or at a fulfillment center.
    pub fn total(&self) -> i64 {
        self.fulfillable
            + self.total_reserved()
            + self.total_researching()
            + self.total_unfulfillable()
            + self.inbound_working
            + self.inbound_shipped
            + self.inbound_receiving
    }

    /// The stock of a summary row; `lots`: `(since µs, units)` of its researching units.
    pub(crate) fn of(row: &FbaSummaryRow, lots: &[(i64, i64)], now_us: i64) -> Stock {
        let l = &row.listing;
        let blank = FbaStockRow::default();
        let s = row.stock.as_ref().unwrap_or(&blank);
        let mut researching = Researching::default();
        for &(since, q) in lots {
            // Day 1 is the day the units went missing.
            match (now_us - since).max(0) / DAY_US {
                0..=9 => researching.short_term += q,
                10..=19 => researching.mid_term += q,
                _ => researching.long_term += q,
            }
        }
        Stock {
            sku: l.sku.clone(),
            marketplace_id: l.marketplace_id.clone(),
            asin: l.asin.clone(),
            fnsku: offers::fnsku(&l.seller_id, &l.sku),
            product_name: s.product_name.clone().or_else(|| row.title.clone()),
            fulfillable: l.quantity,
            pending_customer_order: l.reserved,
            pending_transshipment: 0,
            fc_processing: 0,
            inbound_working: s.inbound_working,
            inbound_shipped: s.inbound_shipped,
            inbound_receiving: s.inbound_receiving,
            researching,
            unfulfillable: Unfulfillable {
                customer_damaged: s.customer_damaged,
                warehouse_damaged: s.warehouse_damaged,
                distributor_damaged: s.distributor_damaged,
                carrier_damaged: s.carrier_damaged,
                defective: s.defective,
                expired: s.expired,
            },
            updated_at_us: l.updated_at_us.max(s.updated_at_us),
        }
    }
}

/// The fulfillment center that holds a SKU's units in a marketplace (one per SKU, stable).
pub fn fulfillment_center(marketplace_id: &str, sku: &str) -> &'static str {
    let centers: &[&'static str] = match marketplace(marketplace_id).map(|m| m.country_code) {
        Some("US") => &["PHX7", "ONT8", "SDF8", "BFI4", "MDW2", "TEB9"],
        Some("CA") => &["YYZ4", "YVR2"],
        Some("MX") => &["MEX1"],
        Some("BR") => &["GRU5"],
        Some("GB" | "UK") => &["LTN1", "BHX4"],
        Some("DE") => &["FRA1", "LEJ1"],
        Some("FR") => &["ORY1", "LYS1"],
        Some("IT") => &["MXP5", "FCO1"],
        Some("ES") => &["MAD4", "BCN1"],
        Some("NL") => &["RTM1"],
        Some("PL") => &["WRO1", "POZ1"],
        Some("SE") => &["ARN1"],
        Some("JP") => &["NRT1", "KIX1"],
        Some("IN") => &["BOM5", "DEL4"],
        Some("AU") => &["SYD1", "MEL1"],
        _ => &["XFC1"],
    };
    let h = crate::market::alnum_tail(&format!("fc|{sku}"), 1);
    let i = h.bytes().next().unwrap_or(0) as usize % centers.len();
    centers[i]
}

fn entry(
    l: &ListingRow,
    at_us: i64,
    event_type: &str,
    quantity: i64,
    disposition: &str,
    reason: &str,
    reference_id: &str,
) -> LedgerEntry {
    LedgerEntry {
        id: 0,
        seller_id: l.seller_id.clone(),
        sku: l.sku.clone(),
        marketplace_id: l.marketplace_id.clone(),
        fnsku: offers::fnsku(&l.seller_id, &l.sku),
        at_us,
        event_type: event_type.to_string(),
        quantity,
        reference_id: reference_id.to_string(),
        fulfillment_center: fulfillment_center(&l.marketplace_id, &l.sku).to_string(),
        disposition: disposition.to_string(),
        reason: reason.to_string(),
    }
}

/// The SELLABLE balance of a listing's ledger, opening the ledger first when the listing had
/// units before it had a ledger (`before`: the row before the change at hand).
async fn sellable_balance(
    tx: &mut StoreTx,
    l: &ListingRow,
    before: Option<&ListingRow>,
    at_us: i64,
) -> Result<i64> {
    let (entries, sum) = tx
        .fba_ledger_balance(&l.seller_id, &l.sku, &l.marketplace_id, SELLABLE)
        .await?;
    if entries > 0 {
        return Ok(sum);
    }
    let open = before.map(|b| b.quantity + b.reserved).unwrap_or(0);
    if open > 0 {
        let e = entry(
            l,
            at_us,
            event::RECEIPTS,
            open,
            SELLABLE,
            "",
            OPENING_BALANCE,
        );
        tx.push_fba_ledger(&e).await?;
    }
    Ok(open)
}

/// Writes the ledger entry of a listing change made elsewhere (an order shipping, a feed, the
/// control plane's stock setter): the difference between the listing's units on hand
/// (fulfillable + reserved) and its SELLABLE ledger. A shipment when reserved units left, a
/// receipt when units came, an adjustment otherwise. Nothing for seller-fulfilled listings or
/// a deleted one. Called by `market::offers::listing_changed`, in the transaction of the
/// change.
pub async fn follow_listing(
    tx: &mut StoreTx,
    before: Option<&ListingRow>,
    after: Option<&ListingRow>,
    at_us: i64,
) -> Result<()> {
    let Some(a) = after.filter(|a| a.fulfillment_channel == "AFN") else {
        return Ok(());
    };
    let before = before.filter(|b| {
        b.fulfillment_channel == "AFN"
            && b.seller_id == a.seller_id
            && b.sku == a.sku
            && b.marketplace_id == a.marketplace_id
    });
    // A reservation, a price or a status change leaves the sellable units as they were: no
    // movement, and no ledger read on the order's hot path.
    if before.is_some_and(|b| b.quantity + b.reserved == a.quantity + a.reserved) {
        return Ok(());
    }
    let balance = sellable_balance(tx, a, before, at_us).await?;
    let diff = a.quantity + a.reserved - balance;
    if diff == 0 {
        return Ok(());
    }
    let shipped = before.is_some_and(|b| a.reserved < b.reserved);
    let event_type = if diff < 0 && shipped {
        event::SHIPMENTS
    } else if diff > 0 {
        event::RECEIPTS
    } else {
        event::ADJUSTMENTS
    };
    tx.push_fba_ledger(&entry(a, at_us, event_type, diff, SELLABLE, "", ""))
        .await?;
    Ok(())
}

fn positive(quantity: i64) -> Result<()> {
    if quantity <= 0 {
        return Err(Error::invalid_parameter(
            "quantity",
            "quantity must be greater than 0.",
        ));
    }
    Ok(())
}

/// A blank stock row of a listing.
pub(crate) fn blank_stock(l: &ListingRow, at_us: i64) -> FbaStockRow {
    FbaStockRow {
        seller_id: l.seller_id.clone(),
        sku: l.sku.clone(),
        marketplace_id: l.marketplace_id.clone(),
        changed_at_us: at_us,
        updated_at_us: at_us,
        ..FbaStockRow::default()
    }
}

/// The seller's AFN listing of a SKU, as the transaction sees it; 404 when there is none,
/// 400 when the SKU is seller-fulfilled there.
pub(crate) async fn afn_listing(
    tx: &mut StoreTx,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
) -> Result<ListingRow> {
    let Some(l) = tx.get_listing(seller_id, sku, marketplace_id).await? else {
        return Err(Error::not_found().with_details(format!(
            "The sellerSku {sku} is not in the FBA inventory of marketplace {marketplace_id}."
        )));
    };
    if l.fulfillment_channel != "AFN" {
        return Err(Error::invalid_input(format!(
            "The sellerSku {sku} is fulfilled by the seller in marketplace {marketplace_id}, \
             not by Amazon."
        )));
    }
    Ok(l)
}

/// Applies a movement in the caller's transaction: the listing row, the other buckets, the
/// ledger entries, and (when fulfillable units changed) the events of
/// `market::offers::listing_changed`.
pub async fn apply_in(
    tx: &mut StoreTx,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
    movement: &Movement,
    at_us: i64,
) -> Result<()> {
    let before = afn_listing(tx, seller_id, sku, marketplace_id).await?;
    sellable_balance(tx, &before, Some(&before), at_us).await?;
    let mut l = before.clone();
    let mut s = tx
        .get_fba_stock(seller_id, sku, marketplace_id)
        .await?
        .unwrap_or_else(|| blank_stock(&before, at_us));
    let mut entries = vec![];
    let take_fulfillable = |l: &mut ListingRow, q: i64| -> Result<()> {
        positive(q)?;
        if l.quantity < q {
            return Err(Error::invalid_input(format!(
                "The sellerSku {sku} has {} fulfillable units, fewer than {q}.",
                l.quantity
            )));
        }
        l.quantity -= q;
        Ok(())
    };
    match movement {
        Movement::Inbound {
            working,
            shipped,
            receiving,
        } => {
            if *working < 0 || *shipped < 0 || *receiving < 0 {
                return Err(Error::invalid_input(
                    "Inbound quantities must be 0 or more.",
                ));
            }
            s.inbound_working = *working;
            s.inbound_shipped = *shipped;
            s.inbound_receiving = *receiving;
        }
        Movement::InboundChange {
            working,
            shipped,
            receiving,
        } => {
            let (w, sh, r) = (
                s.inbound_working + working,
                s.inbound_shipped + shipped,
                s.inbound_receiving + receiving,
            );
            if w < 0 || sh < 0 || r < 0 {
                return Err(Error::invalid_input(format!(
                    "The sellerSku {sku} has {} working, {} shipped and {} receiving inbound \
                     units; the change would make one of them negative.",
                    s.inbound_working, s.inbound_shipped, s.inbound_receiving
                )));
            }
            s.inbound_working = w;
            s.inbound_shipped = sh;
            s.inbound_receiving = r;
        }
        Movement::Receipt {
            quantity,
            reference_id,
        } => {
            positive(*quantity)?;
            l.quantity += quantity;
            s.inbound_receiving -= s.inbound_receiving.min(*quantity);
            let reference = reference_id.clone().unwrap_or_else(|| {
                format!(
                    "FBA15{}",
                    crate::market::alnum_tail(&format!("shipment|{seller_id}|{sku}|{at_us}"), 7)
                )
            });
            entries.push(entry(
                &l,
                at_us,
                event::RECEIPTS,
                *quantity,
                SELLABLE,
                "",
                &reference,
            ));
        }
        Movement::Damage {
            quantity,
            disposition,
        } => {
            take_fulfillable(&mut l, *quantity)?;
            *disposition.bucket(&mut s) += quantity;
            // Amazon's adjustment reason for units damaged at a fulfillment center is 6; the
            // other dispositions are recorded with the disposition alone.
            let reason = if *disposition == Disposition::WarehouseDamaged {
                "6"
            } else {
                ""
            };
            entries.push(entry(
                &l,
                at_us,
                event::ADJUSTMENTS,
                -quantity,
                SELLABLE,
                reason,
                "",
            ));
            entries.push(entry(
                &l,
                at_us,
                event::ADJUSTMENTS,
                *quantity,
                disposition.as_str(),
                reason,
                "",
            ));
        }
        Movement::Missing { quantity } => {
            take_fulfillable(&mut l, *quantity)?;
            tx.add_fba_researching(seller_id, sku, marketplace_id, at_us, *quantity)
                .await?;
            entries.push(entry(
                &l,
                at_us,
                event::ADJUSTMENTS,
                -quantity,
                SELLABLE,
                "M",
                "",
            ));
        }
        Movement::Found { quantity } => {
            positive(*quantity)?;
            let taken = tx
                .take_fba_researching(seller_id, sku, marketplace_id, *quantity)
                .await?;
            if taken < *quantity {
                // The transaction is dropped: the lots taken so far come back.
                return Err(Error::invalid_input(format!(
                    "The sellerSku {sku} has {taken} researching units, fewer than {quantity}."
                )));
            }
            l.quantity += quantity;
            entries.push(entry(
                &l,
                at_us,
                event::ADJUSTMENTS,
                *quantity,
                SELLABLE,
                "F",
                "",
            ));
        }
        Movement::CustomerReturn {
            quantity,
            disposition,
            reference_id,
        } => {
            positive(*quantity)?;
            let into = match disposition {
                None => {
                    l.quantity += quantity;
                    SELLABLE
                }
                Some(d) => {
                    *d.bucket(&mut s) += quantity;
                    d.as_str()
                }
            };
            entries.push(entry(
                &l,
                at_us,
                event::CUSTOMER_RETURNS,
                *quantity,
                into,
                "",
                reference_id,
            ));
        }
    }
    s.updated_at_us = at_us;
    if !matches!(
        movement,
        Movement::Inbound { .. } | Movement::InboundChange { .. }
    ) {
        // Inbound changes are not changes for getInventorySummaries' startDateTime.
        s.changed_at_us = at_us;
    }
    tx.put_fba_stock(&s).await?;
    for e in &entries {
        tx.push_fba_ledger(e).await?;
    }
    if l != before {
        l.updated_at_us = at_us;
        tx.upsert_listing(&l).await?;
        offers::listing_changed(tx, Some(&before), Some(&l), at_us).await?;
    }
    Ok(())
}

/// Applies a movement in its own transaction; the stock after it.
pub async fn apply(
    store: &Store,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
    movement: &Movement,
    at_us: i64,
) -> Result<Stock> {
    let mut tx = store.begin().await?;
    apply_in(&mut tx, seller_id, sku, marketplace_id, movement, at_us).await?;
    tx.commit().await?;
    view(store, seller_id, sku, marketplace_id, at_us).await
}

/// The stock of a seller's AFN SKU in a marketplace; 404 when there is no such listing.
pub async fn view(
    store: &Store,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
    now_us: i64,
) -> Result<Stock> {
    let rows = store
        .fba_summaries(&FbaSummaryQuery {
            seller_id: seller_id.to_string(),
            marketplace_id: marketplace_id.to_string(),
            skus: vec![sku.to_string()],
            limit: 1,
            ..FbaSummaryQuery::default()
        })
        .await?;
    let Some(row) = rows.first() else {
        return Err(Error::not_found().with_details(format!(
            "The sellerSku {sku} is not in the FBA inventory of marketplace {marketplace_id}."
        )));
    };
    let lots: Vec<(i64, i64)> = store
        .fba_researching(seller_id, marketplace_id, &[sku.to_string()])
        .await?
        .into_iter()
        .map(|(_, since, q)| (since, q))
        .collect();
    Ok(Stock::of(row, &lots, now_us))
}

/// A seller's ledger in a marketplace (one SKU's when given), oldest first.
pub async fn ledger(
    store: &Store,
    seller_id: &str,
    marketplace_id: &str,
    sku: Option<&str>,
) -> Result<Vec<LedgerEntry>> {
    Ok(store.fba_ledger(seller_id, marketplace_id, sku).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> FbaSummaryRow {
        FbaSummaryRow {
            listing: ListingRow {
                seller_id: "A1SELLER".into(),
                sku: "SKU-1".into(),
                marketplace_id: "ATVPDKIKX0DER".into(),
                asin: "B000000001".into(),
                fulfillment_channel: "AFN".into(),
                price: "10.00".into(),
                currency: "USD".into(),
                quantity: 7,
                reserved: 2,
                status: "BUYABLE".into(),
                created_at_us: 0,
                updated_at_us: 5,
            },
            stock: Some(FbaStockRow {
                inbound_working: 1,
                inbound_shipped: 2,
                inbound_receiving: 3,
                warehouse_damaged: 4,
                expired: 1,
                changed_at_us: 9,
                updated_at_us: 9,
                ..FbaStockRow::default()
            }),
            title: Some("Item".into()),
        }
    }

    #[test]
    fn total_is_the_sum_of_the_buckets_and_researching_ages_by_day() {
        let now = 100 * DAY_US;
        let lots = [
            (now - DAY_US / 2, 1),
            (now - 10 * DAY_US, 2),
            (now - 25 * DAY_US, 3),
        ];
        let s = Stock::of(&row(), &lots, now);
        assert_eq!(
            s.researching,
            Researching {
                short_term: 1,
                mid_term: 2,
                long_term: 3
            }
        );
        assert_eq!(s.total_reserved(), 2);
        assert_eq!(s.total_unfulfillable(), 5);
        assert_eq!(s.total(), 7 + 2 + 6 + 5 + 1 + 2 + 3);
        assert_eq!(s.updated_at_us, 9);
        assert_eq!(s.product_name.as_deref(), Some("Item"));
    }

    #[test]
    fn fulfillment_centers_are_stable_per_sku() {
        let a = fulfillment_center("ATVPDKIKX0DER", "SKU-1");
        assert_eq!(a, fulfillment_center("ATVPDKIKX0DER", "SKU-1"));
        assert_eq!(a.len(), 4);
    }
}
