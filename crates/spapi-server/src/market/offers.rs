//! Offers and stock: what a listing change means for the item's offers and for FBA inventory,
//! and the notifications it sends.
//!
//! # Rules
//!
//! - **One entry point.** Every writer of a listing row (Listings Items API, feeds, buyer
//!   orders, cancellations, FBA shipments, the control plane) calls [`listing_changed`] with the
//!   row before and after, in the transaction of the write, so the events commit with it.
//! - **Offers.** A listing is an *offer* on its ASIN's detail page when it has an ASIN, is
//!   `BUYABLE`, has a price and sellable units. Every seller's listings of the ASIN in the
//!   marketplace compete. An offer appearing, disappearing, or changing price, channel or
//!   condition is an offer change; a quantity change that leaves units is not (Amazon sends
//!   ANY_OFFER_CHANGED for changes among the top offers, not for stock movements).
//! - **ANY_OFFER_CHANGED** goes to every seller with a listing of the ASIN in the marketplace
//!   after the change (Amazon: sellers who sell the item), each with its own `SellerId`.
//!   `Offers` are the top 20 offers of the triggering condition by landed price; the summary
//!   counts and lowest prices cover every condition and channel.
//! - **Buy Box.** The featured offer of a condition is the lowest landed price, FBA first on a
//!   tie, then by seller id. Every active offer is Buy Box eligible.
//! - **Simulated prices** (spapi's choice; Amazon takes them from outside the seller world):
//!   `ListPrice` is 120% of the highest offer price (or of the changed listing's price when no
//!   offer is left), `MinimumAdvertisedPrice` 75% of it, `CompetitivePriceThreshold` (the
//!   external price) 85% of it, `SuggestedLowerPricePlusShipping` the featured landed price of
//!   the triggering condition. Shipping: free for FBA, the marketplace's 3.99 for MFN (as
//!   generated orders charge it).
//! - **FBA_INVENTORY_AVAILABILITY_CHANGES** goes to the seller when an FBA listing's
//!   fulfillable or reserved units change, with the SKU's inventory in each marketplace it is
//!   listed in. Fulfillable is the listing quantity and `PendingCustomerOrder` its reserved
//!   units; spapi has no inbound shipments, so inbound, researching and future supply are 0.
//! - **LISTINGS_ITEM_MFN_QUANTITY_CHANGE** goes to the seller when a seller-fulfilled
//!   listing's quantity changes.

use super::catalog;
use super::marketplaces::{Marketplace, marketplace};
use super::money;
use crate::error::Error;
use crate::store::{ListingDoc, ListingRow, StoreTx};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Notification type of an offer change on an item the seller sells.
pub const ANY_OFFER_CHANGED: &str = "ANY_OFFER_CHANGED";
/// Notification type of an FBA inventory availability change.
pub const FBA_INVENTORY_AVAILABILITY_CHANGES: &str = "FBA_INVENTORY_AVAILABILITY_CHANGES";
/// Notification type of an MFN quantity change.
pub const MFN_QUANTITY_CHANGE: &str = "LISTINGS_ITEM_MFN_QUANTITY_CHANGE";

/// How many offers ANY_OFFER_CHANGED lists.
const TOP_OFFERS: usize = 20;

/// Puts in the outbox the events a listing row change causes for stock and offers (see the
/// module rules). `before`/`after`: the row before and after the write (`None`: absent);
/// `at_us`: when it happened (emulator clock, epoch µs). Call it inside the transaction that
/// wrote `after`.
pub async fn listing_changed(
    tx: &mut StoreTx,
    before: Option<&ListingRow>,
    after: Option<&ListingRow>,
    at_us: i64,
) -> Result<(), Error> {
    super::fba::stock::follow_listing(tx, before, after, at_us).await?;
    let mfn_qty = |l: &ListingRow| (l.fulfillment_channel == "MFN").then_some(l.quantity);
    if let Some(a) = after
        && let Some(q) = mfn_qty(a)
        && before.and_then(mfn_qty) != Some(q)
    {
        let payload = json!({
            "SellerId": a.seller_id,
            "FulfillmentChannelCode": "DEFAULT",
            "Sku": a.sku,
            "Quantity": q,
        });
        tx.push_outbox(MFN_QUANTITY_CHANGE, Some(&a.seller_id), &payload)
            .await?;
    }
    let fba = |l: &ListingRow| (l.fulfillment_channel == "AFN").then_some((l.quantity, l.reserved));
    let fba_before = before.and_then(fba);
    let fba_after = after.and_then(fba);
    if fba_before != fba_after
        && let Some(l) = after.or(before)
    {
        fba_availability(tx, &l.seller_id, &l.sku).await?;
    }
    let offer_before = before.and_then(offer_state);
    let offer_after = after.and_then(offer_state);
    if offer_before != offer_after
        && let Some(l) = after.or(before)
    {
        let asin = if l.asin.is_empty() {
            before.map(|b| b.asin.as_str()).unwrap_or_default()
        } else {
            &l.asin
        };
        if !asin.is_empty() {
            let reference = money::parse(&l.price, &l.currency);
            any_offer_changed(tx, asin, l, reference, at_us).await?;
        }
    }
    Ok(())
}

/// What makes a listing an offer, as compared between before and after: price, channel
/// (`None`: not an offer).
fn offer_state(l: &ListingRow) -> Option<(String, String)> {
    (l.status == "BUYABLE"
        && l.quantity > 0
        && !l.asin.is_empty()
        && money::parse(&l.price, &l.currency).is_some())
    .then(|| (l.price.clone(), l.fulfillment_channel.clone()))
}

/// An offer on the detail page.
struct Offer<'a> {
    doc: &'a ListingDoc,
    condition: &'static str,
    sub_condition: &'static str,
    price: i64,
    shipping: i64,
    afn: bool,
}

impl Offer<'_> {
    fn landed(&self) -> i64 {
        self.price + self.shipping
    }
}

/// `(Condition, SubCondition)` of a listing's `condition_type` (`used_very_good` ->
/// `used`, `very_good`), as the pricing APIs spell them; generated listings are new.
fn condition_of(condition_type: Option<&str>) -> (&'static str, &'static str) {
    match condition_type.unwrap_or("new_new") {
        "new_open_box" => ("new", "open_box"),
        "new_oem" => ("new", "oem"),
        "used_like_new" => ("used", "mint"),
        "used_very_good" => ("used", "very_good"),
        "used_good" => ("used", "good"),
        "used_acceptable" => ("used", "acceptable"),
        "collectible_like_new" => ("collectible", "mint"),
        "collectible_very_good" => ("collectible", "very_good"),
        "collectible_good" => ("collectible", "good"),
        "collectible_acceptable" => ("collectible", "acceptable"),
        "refurbished_refurbished" => ("refurbished", "refurbished"),
        "club_club" => ("club", "club"),
        _ => ("new", "new"),
    }
}

/// Shipping a buyer pays for an offer: free for FBA, the marketplace's standard rate for MFN.
pub fn offer_shipping_minor(afn: bool, mp: &Marketplace) -> i64 {
    if afn {
        0
    } else {
        super::world::localize(399, mp)
    }
}

/// The state or region an offer ships from: one of a few for the US (by seller), else the
/// marketplace's usual region.
fn ships_from_state(mp: &Marketplace, seller_hash: u64) -> String {
    const US_STATES: &[&str] = &["WA", "CA", "TX", "NY", "FL", "IL", "NJ", "GA", "OH", "PA"];
    if mp.country_code == "US" {
        return US_STATES[(seller_hash % US_STATES.len() as u64) as usize].to_string();
    }
    super::orders::default_address(mp)
        .state_or_region
        .unwrap_or_default()
}

/// The Buy Box order: lowest landed price, FBA first on a tie, then seller id.
fn rank(a: &Offer, b: &Offer) -> std::cmp::Ordering {
    a.landed()
        .cmp(&b.landed())
        .then(b.afn.cmp(&a.afn))
        .then(a.doc.row.seller_id.cmp(&b.doc.row.seller_id))
        .then(a.doc.row.sku.cmp(&b.doc.row.sku))
}

fn amount(minor: i64, currency: &str) -> Value {
    json!({"Amount": money::to_decimal(minor, currency), "CurrencyCode": currency})
}

fn channel_name(afn: bool) -> &'static str {
    if afn { "Amazon" } else { "Merchant" }
}

fn hash_u64(s: &str) -> u64 {
    let d = Sha256::digest(s.as_bytes());
    u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// ANY_OFFER_CHANGED for every seller of `asin` in the marketplace.
async fn any_offer_changed(
    tx: &mut StoreTx,
    asin: &str,
    changed: &ListingRow,
    reference_price: Option<i64>,
    at_us: i64,
) -> Result<(), Error> {
    let Some(mp) = marketplace(&changed.marketplace_id) else {
        return Ok(());
    };
    let docs = tx.listings_of_asin(asin, mp.id).await?;
    if docs.is_empty() {
        return Ok(());
    }
    let item = tx.get_catalog_item(asin).await?;
    let mut sellers: Vec<&str> = docs.iter().map(|d| d.row.seller_id.as_str()).collect();
    sellers.dedup();
    let change = OfferChange {
        asin,
        mp,
        docs: &docs,
        item: item.as_ref(),
        changed,
        reference_price,
        at_us,
    }
    .build();
    for seller in sellers {
        tx.push_outbox(
            ANY_OFFER_CHANGED,
            Some(seller),
            &for_seller(&change, seller),
        )
        .await?;
    }
    Ok(())
}

/// The facts of an offer change on one ASIN in one marketplace.
pub struct OfferChange<'a> {
    /// The item.
    pub asin: &'a str,
    /// Its marketplace.
    pub mp: &'static Marketplace,
    /// Every seller's listing of the ASIN there, after the change.
    pub docs: &'a [ListingDoc],
    /// The catalog item (sales ranks).
    pub item: Option<&'a crate::store::CatalogItemRow>,
    /// The listing that changed (its condition is the trigger's).
    pub changed: &'a ListingRow,
    /// A price to derive list prices from when no offer is left (minor units).
    pub reference_price: Option<i64>,
    /// When, epoch µs.
    pub at_us: i64,
}

impl OfferChange<'_> {
    /// The `AnyOfferChangedNotification` object without its `SellerId` (the same for every
    /// recipient): `OfferChangeTrigger`, `Summary`, `Offers`.
    pub fn build(&self) -> Value {
        let OfferChange {
            asin,
            mp,
            docs,
            item,
            changed,
            reference_price,
            at_us,
        } = *self;
        let marketplace_id = mp.id;
        let mut offers: Vec<Offer> = docs
            .iter()
            .filter(|d| offer_state(&d.row).is_some())
            .filter_map(|d| {
                let afn = d.row.fulfillment_channel == "AFN";
                let (condition, sub_condition) = condition_of(d.condition_type.as_deref());
                Some(Offer {
                    doc: d,
                    condition,
                    sub_condition,
                    price: money::parse(&d.row.price, mp.currency)?,
                    shipping: offer_shipping_minor(afn, mp),
                    afn,
                })
            })
            .collect();
        offers.sort_by(rank);
        // The condition whose offers changed: the changed listing's (new when it is gone).
        let trigger_condition = docs
            .iter()
            .find(|d| d.row.seller_id == changed.seller_id && d.row.sku == changed.sku)
            .map(|d| condition_of(d.condition_type.as_deref()).0)
            .unwrap_or("new");
        let currency = mp.currency;
        let mut counts: Vec<(&str, bool, i64)> = vec![];
        let mut lowest: Vec<&Offer> = vec![];
        for o in &offers {
            match counts
                .iter_mut()
                .find(|(c, afn, _)| *c == o.condition && *afn == o.afn)
            {
                Some(e) => e.2 += 1,
                None => {
                    counts.push((o.condition, o.afn, 1));
                    // Offers are sorted: the first of a group is its lowest.
                    lowest.push(o);
                }
            }
        }
        let mut featured: Vec<&Offer> = vec![];
        for o in &offers {
            if !featured.iter().any(|f| f.condition == o.condition) {
                featured.push(o);
            }
        }
        let top = offers
            .iter()
            .map(|o| o.price)
            .max()
            .or(reference_price)
            .unwrap_or(0);
        let list_price = top * 6 / 5;
        let suggested = featured
            .iter()
            .find(|f| f.condition == trigger_condition)
            .map(|f| f.landed())
            .unwrap_or(list_price);
        let count_json = |(c, afn, n): &(&str, bool, i64)| json!({"Condition": c, "FulfillmentChannel": channel_name(*afn), "OfferCount": n});
        let summary = json!({
            "NumberOfOffers": counts.iter().map(count_json).collect::<Vec<_>>(),
            "LowestPrices": lowest.iter().map(|o| json!({
                "Condition": o.condition,
                "FulfillmentChannel": channel_name(o.afn),
                "LandedPrice": amount(o.landed(), currency),
                "ListingPrice": amount(o.price, currency),
                "Shipping": amount(o.shipping, currency),
            })).collect::<Vec<_>>(),
            "BuyBoxPrices": featured.iter().map(|o| json!({
                "Condition": o.condition,
                "LandedPrice": amount(o.landed(), currency),
                "ListingPrice": amount(o.price, currency),
                "Shipping": amount(o.shipping, currency),
            })).collect::<Vec<_>>(),
            "ListPrice": amount(list_price, currency),
            "MinimumAdvertisedPrice": amount(list_price * 3 / 4, currency),
            "SuggestedLowerPricePlusShipping": amount(suggested, currency),
            "TotalBuyBoxEligibleOffers": offers.len(),
            "SalesRankings": item.map(catalog::sales_rankings).unwrap_or_default()
                .into_iter()
                .map(|(id, rank)| json!({"ProductCategoryId": id, "Rank": rank}))
                .collect::<Vec<_>>(),
            "NumberOfBuyBoxEligibleOffers": counts.iter().map(count_json).collect::<Vec<_>>(),
            "CompetitivePriceThreshold": amount(list_price * 17 / 20, currency),
        });
        let now = crate::time::iso_millis(at_us);
        let listed: Vec<Value> = offers
            .iter()
            .filter(|o| o.condition == trigger_condition)
            .take(TOP_OFFERS)
            .map(|o| {
                let seller = &o.doc.row.seller_id;
                let h = hash_u64(seller);
                json!({
                    "SellerId": seller,
                    "SubCondition": o.sub_condition,
                    "SellerFeedbackRating": {
                        "FeedbackCount": 50 + (h % 20_000) as i64,
                        "SellerPositiveFeedbackRating": 90 + ((h >> 20) % 11) as i64,
                    },
                    "ShippingTime": {
                        "MinimumHours": if o.afn { 0 } else { 24 },
                        "MaximumHours": if o.afn { 0 } else { 48 },
                        "AvailabilityType": "NOW",
                        "AvailableDate": now,
                    },
                    "ListingPrice": amount(o.price, currency),
                    // Amazon Points exist in Japan only; elsewhere they are 0.
                    "Points": {"PointsNumber": 0},
                    "ShipsFrom": {"Country": mp.country_code, "State": ships_from_state(mp, h)},
                    "Shipping": amount(o.shipping, currency),
                    "IsFulfilledByAmazon": o.afn,
                    "IsBuyBoxWinner": featured.iter().any(|f| std::ptr::eq(*f, o)),
                    "PrimeInformation": {"IsOfferPrime": o.afn, "IsOfferNationalPrime": o.afn},
                    "IsExpeditedShippingAvailable": o.afn,
                    "IsFeaturedMerchant": true,
                    "ShipsDomestically": true,
                    "ShipsInternationally": false,
                })
            })
            .collect();
        let trigger = json!({
            "MarketplaceId": marketplace_id,
            "ASIN": asin,
            "ItemCondition": trigger_condition,
            "TimeOfOfferChange": now,
            "OfferChangeType": "Internal",
        });
        json!({
            "OfferChangeTrigger": trigger,
            "Summary": summary,
            "Offers": listed,
        })
    }
}

/// The payload of [`OfferChange::build`] for one recipient.
pub fn for_seller(built: &Value, seller_id: &str) -> Value {
    let mut p = built.clone();
    p["SellerId"] = json!(seller_id);
    p
}

/// A stable FNSKU (`X00` + 7 alphanumerics) for a seller's SKU.
pub fn fnsku(seller_id: &str, sku: &str) -> String {
    format!(
        "X00{}",
        super::alnum_tail(&format!("fnsku|{seller_id}|{sku}"), 7)
    )
}

/// FBA_INVENTORY_AVAILABILITY_CHANGES for a seller's SKU: its FBA inventory in every
/// marketplace it is listed in (nothing when it has no FBA listing left).
async fn fba_availability(tx: &mut StoreTx, seller_id: &str, sku: &str) -> Result<(), Error> {
    let docs = tx.listings_of_sku(seller_id, sku).await?;
    let afn: Vec<&ListingDoc> = docs
        .iter()
        .filter(|d| d.row.fulfillment_channel == "AFN")
        .collect();
    let Some(first) = afn.first() else {
        return Ok(());
    };
    let asin = afn
        .iter()
        .map(|d| d.row.asin.as_str())
        .find(|a| !a.is_empty())
        .unwrap_or_default()
        .to_string();
    let title = if asin.is_empty() {
        None
    } else {
        tx.get_catalog_item(&asin).await?.map(|c| c.title)
    };
    let payload = fba_payload(seller_id, &first.row.sku, &asin, &afn, title.as_deref());
    tx.push_outbox(
        FBA_INVENTORY_AVAILABILITY_CHANGES,
        Some(seller_id),
        &payload,
    )
    .await
    .map(drop)
    .map_err(Error::internal)
}

/// Sets the fulfillable units of an FBA listing, as a receipt or an adjustment at the
/// fulfillment center would (a control-plane scenario driver; the listing APIs cannot set FBA
/// stock). The listing row and its events commit together. Errors: 404 when the seller has no
/// such listing, 400 when it is seller-fulfilled or the quantity is negative.
pub async fn set_fba_fulfillable(
    store: &crate::store::Store,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
    fulfillable: i64,
    at_us: i64,
) -> Result<ListingRow, Error> {
    if fulfillable < 0 {
        return Err(Error::invalid_input("fulfillable must be 0 or more."));
    }
    let mut tx = store.begin().await?;
    let Some(before) = tx.get_listing(seller_id, sku, marketplace_id).await? else {
        return Err(Error::not_found().with_details(format!(
            "SKU {sku} is not listed in marketplace {marketplace_id}."
        )));
    };
    if before.fulfillment_channel != "AFN" {
        return Err(Error::invalid_input(format!(
            "SKU {sku} is seller-fulfilled: its quantity is set through the Listings Items API \
             or a feed."
        )));
    }
    let mut after = before.clone();
    after.quantity = fulfillable;
    after.updated_at_us = at_us;
    tx.upsert_listing(&after).await?;
    listing_changed(&mut tx, Some(&before), Some(&after), at_us).await?;
    tx.commit().await?;
    Ok(after)
}

/// The FBA_INVENTORY_AVAILABILITY_CHANGES payload of a seller's SKU from its FBA listings
/// (one entry per marketplace); `title`: the item name (else the SKU).
pub fn fba_payload(
    seller_id: &str,
    sku: &str,
    asin: &str,
    afn: &[&ListingDoc],
    title: Option<&str>,
) -> Value {
    let by_marketplace: Vec<Value> = afn
        .iter()
        .map(|d| {
            json!({
                "MarketplaceId": d.row.marketplace_id,
                "ItemName": title.unwrap_or(&d.row.sku),
                "FulfillmentInventory": {
                    "InboundQuantityBreakdown": {"Working": 0, "Shipped": 0, "Receiving": 0},
                    "Fulfillable": d.row.quantity,
                    "Unfulfillable": 0,
                    "Researching": 0,
                    "ReservedQuantityBreakdown": {
                        "WarehouseProcessing": 0,
                        "WarehouseTransfer": 0,
                        "PendingCustomerOrder": d.row.reserved,
                    },
                    "FutureSupplyBuyable": 0,
                    "PendingCustomerOrderInTransit": 0,
                },
            })
        })
        .collect();
    json!({
        "SellerId": seller_id,
        "FNSKU": fnsku(seller_id, sku),
        "ASIN": asin,
        "SKU": sku,
        "FulfillmentInventoryByMarketplace": by_marketplace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_split_as_the_pricing_apis_spell_them() {
        assert_eq!(condition_of(None), ("new", "new"));
        assert_eq!(condition_of(Some("new_new")), ("new", "new"));
        assert_eq!(condition_of(Some("used_very_good")), ("used", "very_good"));
        assert_eq!(condition_of(Some("used_like_new")), ("used", "mint"));
        assert_eq!(
            condition_of(Some("refurbished_refurbished")),
            ("refurbished", "refurbished")
        );
        assert_eq!(
            condition_of(Some("collectible_good")),
            ("collectible", "good")
        );
    }

    #[test]
    fn fnsku_is_stable_and_amazon_shaped() {
        let a = fnsku("A1SELLER", "SKU-1");
        assert_eq!(a, fnsku("A1SELLER", "SKU-1"));
        assert_ne!(a, fnsku("A1SELLER", "SKU-2"));
        assert_eq!(a.len(), 10);
        assert!(a.starts_with("X00"));
        assert!(
            a.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
    }
}
