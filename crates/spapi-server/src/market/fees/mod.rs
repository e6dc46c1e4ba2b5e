//! Fee estimates (Product Fees v0) from the fee schedule and the world: the seller's listing
//! (its channel), the catalog item (its product type and package), the price asked about.
//!
//! # Rules
//!
//! - **Fee lines** are Amazon's: `ReferralFee` (the category's percentage of the total sales
//!   price, listing price plus shipping, at least the category's minimum), `VariableClosingFee`
//!   (media), `PerItemFee` (0: every seller of the world is on the Professional plan) and
//!   `FBAFees` (the fulfillment fee of the item's size tier and shipping weight, split into
//!   `FBAPickAndPack` and `FBAWeightHandling`; 0 for seller-fulfilled offers). No fee promotions
//!   run in the world: `FeePromotion` and `TaxAmount` are 0, `FinalFee` = `FeeAmount`, and the
//!   total is the sum of the final fees.
//! - **Channel.** `IsAmazonFulfilled` when given, else the listing's channel (an SKU) or
//!   seller-fulfilled (an ASIN).
//! - **Package.** `item_package_dimensions` and `item_package_weight`: for an SKU those the
//!   seller submitted with the listing (Amazon uses the measured dimensions; the world measures
//!   nothing, so the declared ones stand in), else the catalog item's; for an ASIN the catalog
//!   item's (Amazon's catalog size), else those of the seller's own listing of it (items that
//!   sellers create keep package attributes on the listing, not in the catalog).
//! - **Refusals.** An unknown or foreign marketplace refuses the whole single-item call
//!   (`Incorrect Marketplace identifier.`); anything about one item (unknown SKU or ASIN, a
//!   price in another currency, an FBA estimate of an item without dimensions) is that item's
//!   `ClientError` inside a 200, and in a batch never fails the other items.

pub mod schedule;

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::marketplaces::{Marketplace, marketplace};
use crate::market::money;
use crate::store::{CatalogItemRow, Store};
use schedule::Package;
use serde_json::Value;

/// The message of a refused marketplace, as Amazon words it.
pub const INCORRECT_MARKETPLACE: &str = "Incorrect Marketplace identifier.";

/// The most items a getMyFeesEstimates batch takes (Amazon documents 20 in prose; unsure).
pub const MAX_BATCH: usize = 20;

/// What an estimate is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// An ASIN of the catalog.
    Asin,
    /// One of the seller's SKUs.
    SellerSku,
}

/// An amount as the request gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    /// The decimal value.
    pub value: Option<f64>,
    /// The currency, when given.
    pub currency: Option<String>,
}

/// One estimate request.
#[derive(Debug, Clone, PartialEq)]
pub struct Ask {
    /// ASIN or SKU.
    pub kind: IdKind,
    /// The ASIN or SKU.
    pub id: String,
    /// The marketplace.
    pub marketplace_id: String,
    /// `IsAmazonFulfilled`, when given.
    pub amazon_fulfilled: Option<bool>,
    /// `PriceToEstimateFees.ListingPrice`.
    pub listing_price: Amount,
    /// `PriceToEstimateFees.Shipping`.
    pub shipping: Option<Amount>,
}

/// One fee line of an estimate (minor units of the marketplace's currency).
#[derive(Debug, Clone, PartialEq)]
pub struct FeeLine {
    /// Amazon's fee type (`ReferralFee`, `FBAFees`...).
    pub fee_type: &'static str,
    /// The fee.
    pub amount: i64,
    /// The parts of the fee (`FBAPickAndPack`...), empty when it has none.
    pub included: Vec<(&'static str, i64)>,
}

/// An estimate of one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimated {
    /// Whether the estimate is for an FBA offer.
    pub amazon_fulfilled: bool,
    /// The marketplace's currency.
    pub currency: &'static str,
    /// The fee lines.
    pub lines: Vec<FeeLine>,
    /// The sum of the lines.
    pub total: i64,
}

/// The outcome of one item.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Estimated.
    Estimated(Estimated),
    /// Refused as the client's error; the text says why (for the log and the tests).
    ClientError(String),
}

/// Estimates of one call: the seller, when, and one outcome per item in request order.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimates {
    /// The calling seller.
    pub seller_id: String,
    /// When the fees were estimated (epoch µs of the emulator clock).
    pub at_us: i64,
    /// One outcome per item.
    pub outcomes: Vec<Outcome>,
}

/// The Product Fees service over the world.
#[derive(Debug, Clone)]
pub struct FeeService {
    world: Store,
    clock: Clock,
}

impl FeeService {
    /// Fees over the world in `world`, estimated at the emulator clock's time.
    pub fn new(world: Store, clock: Clock) -> Self {
        FeeService { world, clock }
    }

    /// getMyFeesEstimateForSKU / ForASIN: one item. An unknown or foreign marketplace refuses
    /// the call; item errors are its `ClientError`.
    pub async fn estimate(&self, caller: &Caller, ask: &Ask) -> Result<Estimates> {
        let seller = seller_of(caller)?;
        if participating(caller, &ask.marketplace_id).is_none() {
            return Err(Error::invalid_input(INCORRECT_MARKETPLACE));
        }
        let outcome = self.outcome(&seller, caller, ask).await?;
        Ok(Estimates {
            seller_id: seller,
            at_us: self.clock.now_us(),
            outcomes: vec![outcome],
        })
    }

    /// getMyFeesEstimates: every item on its own (a bad item is its own `ClientError`).
    pub async fn estimate_batch(&self, caller: &Caller, asks: &[Ask]) -> Result<Estimates> {
        let seller = seller_of(caller)?;
        if asks.len() > MAX_BATCH {
            return Err(Error::invalid_input(format!(
                "A request may estimate at most {MAX_BATCH} items; it named {}.",
                asks.len()
            )));
        }
        let mut outcomes = Vec::with_capacity(asks.len());
        for ask in asks {
            outcomes.push(self.outcome(&seller, caller, ask).await?);
        }
        Ok(Estimates {
            seller_id: seller,
            at_us: self.clock.now_us(),
            outcomes,
        })
    }

    async fn outcome(&self, seller: &str, caller: &Caller, ask: &Ask) -> Result<Outcome> {
        let Some(mp) = participating(caller, &ask.marketplace_id) else {
            return Ok(Outcome::ClientError(INCORRECT_MARKETPLACE.into()));
        };
        // The package the seller declared on its listing, else the catalog's.
        let (item, listed_afn, declared) = match ask.kind {
            IdKind::SellerSku => {
                let Some(d) = self.world.get_listing_doc(seller, &ask.id, mp.id).await? else {
                    return Ok(Outcome::ClientError(format!(
                        "SKU {} is not listed in marketplace {}.",
                        ask.id, mp.id
                    )));
                };
                let item = if d.row.asin.is_empty() {
                    None
                } else {
                    self.world.get_catalog_item(&d.row.asin).await?
                };
                let declared = d.attributes.as_ref().and_then(package_in);
                (item, d.row.fulfillment_channel == "AFN", declared)
            }
            IdKind::Asin => {
                let item = self.world.get_catalog_item(&ask.id).await?;
                let own = if item.is_some() {
                    self.world
                        .listings_of_asins(seller, mp.id, std::slice::from_ref(&ask.id))
                        .await?
                } else {
                    vec![]
                };
                let declared = own
                    .iter()
                    .find_map(|d| d.attributes.as_ref().and_then(package_in));
                (item, false, declared)
            }
        };
        let Some(item) = item else {
            return Ok(Outcome::ClientError(format!(
                "{} has no catalog item.",
                ask.id
            )));
        };
        let afn = ask.amazon_fulfilled.unwrap_or(listed_afn);
        let price = match minor(&ask.listing_price, mp) {
            Ok(p) => p,
            Err(why) => return Ok(Outcome::ClientError(format!("ListingPrice: {why}"))),
        };
        let shipping = match ask.shipping.as_ref().map(|s| minor(s, mp)).transpose() {
            Ok(s) => s.unwrap_or(0),
            Err(why) => return Ok(Outcome::ClientError(format!("Shipping: {why}"))),
        };
        let package = match ask.kind {
            IdKind::SellerSku => declared.or_else(|| package_of(&item)),
            IdKind::Asin => package_of(&item).or(declared),
        };
        if afn && package.is_none() {
            return Ok(Outcome::ClientError(format!(
                "{} has no package dimensions and weight: FBA fees cannot be estimated.",
                item.asin
            )));
        }
        Ok(Outcome::Estimated(estimate(
            mp,
            &item.product_type,
            price,
            shipping,
            afn.then_some(package).flatten().as_ref(),
        )))
    }
}

/// The fees of selling one unit at `price` + `shipping` (minor units) in `mp`: the
/// schedule's lines; `package`: the item's package for an FBA offer (`None`: seller-fulfilled).
pub fn estimate(
    mp: &'static Marketplace,
    product_type: &str,
    price: i64,
    shipping: i64,
    package: Option<&Package>,
) -> Estimated {
    let convert = schedule::converter(mp);
    let referral = schedule::referral_of(product_type);
    let referral_fee = schedule::referral_fee(referral, price + shipping, &convert);
    let closing = convert(referral.closing_fee);
    let mut lines = vec![
        FeeLine {
            fee_type: "ReferralFee",
            amount: referral_fee,
            included: vec![],
        },
        FeeLine {
            fee_type: "VariableClosingFee",
            amount: closing,
            included: vec![],
        },
        // Professional plan: no per-item fee (Individual sellers pay
        // schedule::INDIVIDUAL_PER_ITEM_FEE).
        FeeLine {
            fee_type: "PerItemFee",
            amount: 0,
            included: vec![],
        },
    ];
    let fba = match package {
        Some(p) => {
            let (pick, weight) = schedule::fulfillment_fee_usd(p);
            let discount = if price < convert(schedule::LOW_PRICE_THRESHOLD) {
                schedule::LOW_PRICE_DISCOUNT.min(pick)
            } else {
                0
            };
            let (pick, weight) = (convert(pick - discount), convert(weight));
            FeeLine {
                fee_type: "FBAFees",
                amount: pick + weight,
                included: vec![("FBAPickAndPack", pick), ("FBAWeightHandling", weight)],
            }
        }
        None => FeeLine {
            fee_type: "FBAFees",
            amount: 0,
            included: vec![],
        },
    };
    lines.push(fba);
    let total = lines.iter().map(|l| l.amount).sum();
    Estimated {
        amazon_fulfilled: package.is_some(),
        currency: mp.currency,
        lines,
        total,
    }
}

fn seller_of(caller: &Caller) -> Result<String> {
    caller
        .selling_partner_id
        .clone()
        .ok_or_else(Error::forbidden)
}

/// The marketplace if it exists and the seller participates in it.
fn participating(caller: &Caller, id: &str) -> Option<&'static Marketplace> {
    marketplace(id).filter(|_| caller.marketplace_ids.iter().any(|m| m == id))
}

/// An amount in the marketplace's minor units: not negative, in its currency.
fn minor(a: &Amount, mp: &Marketplace) -> std::result::Result<i64, String> {
    if let Some(c) = &a.currency
        && c != mp.currency
    {
        return Err(format!(
            "currency {c} is not the marketplace's ({}).",
            mp.currency
        ));
    }
    let v = a.value.ok_or("the amount is missing.")?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("{v} is not an amount."));
    }
    Ok(money::from_decimal(v, mp.currency))
}

/// The package of a catalog item from its `item_package_dimensions` and
/// `item_package_weight` attributes, when it has both.
pub fn package_of(item: &CatalogItemRow) -> Option<Package> {
    package_in(item.doc.get("attributes")?)
}

/// The package in an attribute map (a catalog item's or a listing's submitted attributes).
pub fn package_in(attrs: &Value) -> Option<Package> {
    let dims = attrs.get("item_package_dimensions")?.get(0)?;
    let side = |k: &str| -> Option<f64> {
        let m = dims.get(k)?;
        Some(m.get("value")?.as_f64()? * inches_per(m.get("unit").and_then(Value::as_str))?)
    };
    let w = attrs.get("item_package_weight")?.get(0)?;
    let weight_oz = w.get("value")?.as_f64()? * ounces_per(w.get("unit").and_then(Value::as_str))?;
    Some(Package {
        sides_in: [side("length")?, side("width")?, side("height")?],
        weight_oz,
    })
}

fn inches_per(unit: Option<&str>) -> Option<f64> {
    Some(match unit? {
        "inches" | "in" => 1.0,
        "centimeters" | "cm" => 1.0 / 2.54,
        "millimeters" | "mm" => 1.0 / 25.4,
        "meters" | "m" => 39.370_08,
        "feet" | "ft" => 12.0,
        _ => return None,
    })
}

fn ounces_per(unit: Option<&str>) -> Option<f64> {
    Some(match unit? {
        "ounces" | "oz" => 1.0,
        "pounds" | "lb" => 16.0,
        "grams" | "g" => 1.0 / 28.349_523,
        "kilograms" | "kg" => 35.273_962,
        "milligrams" | "mg" => 1.0 / 28_349.523,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_add_up_to_the_total() {
        let us = marketplace("ATVPDKIKX0DER").unwrap();
        let p = Package {
            sides_in: [10.0, 8.0, 0.5],
            weight_oz: 6.0,
        };
        let e = estimate(us, "SHIRT", 2450, 0, Some(&p));
        assert_eq!(e.total, e.lines.iter().map(|l| l.amount).sum::<i64>());
        assert_eq!(e.lines[0].amount, 417);
        assert_eq!(e.lines[3].amount, 324);
        let mfn = estimate(us, "BOOK", 1000, 399, None);
        // 15% of 13.99 and the closing fee.
        assert_eq!(mfn.lines[0].amount, 210);
        assert_eq!(mfn.lines[1].amount, 180);
        assert_eq!(mfn.total, 390);
    }
}
