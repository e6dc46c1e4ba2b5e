//! The fee schedule as data: referral fees by category (percentages, price bands and portions,
//! per-item minimums, the variable closing fee of media), the FBA fulfillment fee by size tier
//! and shipping weight, and the size tier computed from an item's package dimensions and
//! weight.
//!
//! # Sources and certainty
//!
//! The numbers are Amazon.com's (US, USD) 2024/2025 schedule as third parties copy it; Amazon
//! said US referral and FBA fees would not rise in 2025. Where the numbers are not certain the
//! entry says **unsure**. The 2026 changes (price-banded fulfillment fees, the small/large bulky
//! split, the Overmax handling fee, a fuel surcharge) are not modelled (**unsure** themselves).
//!
//! Other marketplaces use the US schedule converted into their currency with the world's
//! exchange factors (see [`super::super::world`]): Amazon's European, Japanese and other
//! schedules differ in rates and structure (VAT-inclusive referral bases, other size tiers);
//! spapi simulates them, **unsure** by construction.

use crate::market::marketplaces::Marketplace;

/// How a referral percentage applies to the total sales price (minor units, basis points).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rate {
    /// One percentage of the whole price.
    Flat(u32),
    /// The whole price at the percentage of the band it falls in: `(up to and including,
    /// basis points)`, the last band without a bound (`i64::MAX`).
    Bands(&'static [(i64, u32)]),
    /// Each portion of the price at its own percentage (`15% up to $100, 8% above`):
    /// `(portion up to, basis points)`, the last without a bound (`i64::MAX`).
    Portions(&'static [(i64, u32)]),
}

/// A referral fee category: which product types it covers and how much it takes.
#[derive(Debug, Clone, Copy)]
pub struct Referral {
    /// Amazon's category name on the fee schedule.
    pub category: &'static str,
    /// spapi's product types in the category.
    pub product_types: &'static [&'static str],
    /// The percentage rule (amounts in US cents).
    pub rate: Rate,
    /// The per-item minimum referral fee (US cents); 0 where the category has none.
    pub minimum: i64,
    /// The variable closing fee per unit (media only; US cents).
    pub closing_fee: i64,
}

const fn cat(
    category: &'static str,
    product_types: &'static [&'static str],
    rate: Rate,
    minimum: i64,
    closing_fee: i64,
) -> Referral {
    Referral {
        category,
        product_types,
        rate,
        minimum,
        closing_fee,
    }
}

/// Where no range is bounded: the last band or portion.
const OPEN: i64 = i64::MAX;

/// The US referral fee schedule, one entry per category of the world's product types.
pub const REFERRALS: &[Referral] = &[
    // Since 2024 tiered on the whole price: 5% up to $15, 10% up to $20, 17% above (unsure;
    // before 2024 a flat 17%).
    cat(
        "Clothing & Accessories",
        &["SHIRT", "PANTS", "DRESS"],
        Rate::Bands(&[(1500, 500), (2000, 1000), (OPEN, 1700)]),
        30,
        0,
    ),
    cat(
        "Shoes, Handbags & Sunglasses",
        &["SHOES", "SUNGLASSES"],
        Rate::Flat(1500),
        30,
        0,
    ),
    cat(
        "Luggage & Travel Accessories",
        &["LUGGAGE", "BACKPACK"],
        Rate::Flat(1500),
        30,
        0,
    ),
    // 16% up to $1,500 and 3% above (unsure: not in the researched facts).
    cat(
        "Watches",
        &["WATCH"],
        Rate::Portions(&[(150_000, 1600), (OPEN, 300)]),
        30,
        0,
    ),
    cat(
        "Home & Kitchen",
        &["HOME", "KITCHEN", "DRINKING_CUP", "LAMP"],
        Rate::Flat(1500),
        30,
        0,
    ),
    // 15% up to $200 and 10% above (unsure: not in the researched facts).
    cat(
        "Furniture",
        &["FURNITURE"],
        Rate::Portions(&[(20_000, 1500), (OPEN, 1000)]),
        30,
        0,
    ),
    cat(
        "Sports & Outdoors",
        &["SPORTING_GOODS", "BOTTLE"],
        Rate::Flat(1500),
        30,
        0,
    ),
    cat("Toys & Games", &["TOY_FIGURE"], Rate::Flat(1500), 30, 0),
    // Media: 15%, no per-item minimum, plus the variable closing fee of $1.80 per unit (unsure
    // amount).
    cat("Books", &["BOOK"], Rate::Flat(1500), 0, 180),
    cat(
        "Consumer Electronics",
        &["HEADPHONES"],
        Rate::Flat(800),
        30,
        0,
    ),
    cat(
        "Electronics Accessories",
        &["CELLULAR_PHONE_CASE"],
        Rate::Portions(&[(10_000, 1500), (OPEN, 800)]),
        30,
        0,
    ),
    cat("Pet Products", &["PET_SUPPLIES"], Rate::Flat(1500), 30, 0),
    cat(
        "Beauty, Health & Personal Care",
        &["BEAUTY"],
        Rate::Bands(&[(1000, 800), (OPEN, 1500)]),
        30,
        0,
    ),
    cat(
        "Office Products",
        &["OFFICE_PRODUCTS"],
        Rate::Flat(1500),
        30,
        0,
    ),
    // 8% up to $15 and 15% above (unsure: not in the researched facts).
    cat(
        "Grocery & Gourmet",
        &["GROCERY"],
        Rate::Bands(&[(1500, 800), (OPEN, 1500)]),
        0,
        0,
    ),
    cat(
        "Business, Industrial & Scientific Supplies",
        &["PRODUCT"],
        Rate::Flat(1200),
        30,
        0,
    ),
];

/// Categories not listed: "Everything Else", 15% with the usual $0.30 minimum.
pub const EVERYTHING_ELSE: Referral = cat("Everything Else", &[], Rate::Flat(1500), 30, 0);

/// The referral category of a product type.
pub fn referral_of(product_type: &str) -> &'static Referral {
    REFERRALS
        .iter()
        .find(|r| r.product_types.contains(&product_type))
        .unwrap_or(&EVERYTHING_ELSE)
}

/// The per-item fee of the Individual selling plan ($0.99, US cents). Professional sellers
/// pay a monthly subscription instead (in finances, not in estimates), and every seller of
/// the world is Professional (Sellers API `getAccount`).
pub const INDIVIDUAL_PER_ITEM_FEE: i64 = 99;

/// FBA size tiers (US, 2024/2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeTier {
    /// ≤ 15 × 12 × 0.75 in and ≤ 16 oz.
    SmallStandard,
    /// ≤ 18 × 14 × 8 in and ≤ 20 lb.
    LargeStandard,
    /// ≤ 59 × 33 × 33 in, length + girth ≤ 130 in, ≤ 50 lb.
    LargeBulky,
    /// Beyond large bulky.
    ExtraLarge,
}

/// A fee that grows by steps above a weight: `base` up to `free_oz`, then `per_step` for each
/// started `step_oz` above it; valid up to `up_to_oz` (inclusive).
#[derive(Debug, Clone, Copy)]
pub struct Stepped {
    /// The heaviest shipping weight of the band (ounces).
    pub up_to_oz: f64,
    /// The fee at or below `free_oz` (US cents).
    pub base: i64,
    /// The weight the base covers (ounces).
    pub free_oz: f64,
    /// The step (ounces).
    pub step_oz: f64,
    /// The fee per started step (US cents).
    pub per_step: i64,
}

impl Stepped {
    fn fee(&self, oz: f64) -> i64 {
        if oz <= self.free_oz {
            return self.base;
        }
        let steps = ((oz - self.free_oz) / self.step_oz).ceil() as i64;
        self.base + steps * self.per_step
    }
}

const fn stepped(up_to_lb: f64, base: i64, free_lb: f64, step_oz: f64, per_step: i64) -> Stepped {
    Stepped {
        up_to_oz: up_to_lb * 16.0,
        base,
        free_oz: free_lb * 16.0,
        step_oz,
        per_step,
    }
}

/// Small standard: `(up to ounces, fee in US cents)`, price band $10-$50 (unsure to the cent).
pub const SMALL_STANDARD: &[(f64, i64)] = &[
    (2.0, 306),
    (4.0, 315),
    (6.0, 324),
    (8.0, 333),
    (10.0, 343),
    (12.0, 353),
    (14.0, 360),
    (16.0, 365),
];

/// Large standard up to 3 lb: `(up to ounces, fee in US cents)` (unsure to the cent).
pub const LARGE_STANDARD: &[(f64, i64)] = &[
    (4.0, 368),
    (8.0, 390),
    (12.0, 415),
    (16.0, 455),
    (20.0, 499),
    (24.0, 537),
    (28.0, 552),
    (32.0, 577),
    (36.0, 587),
    (40.0, 605),
    (44.0, 621),
    (48.0, 662),
];

/// Large standard 3-20 lb: $6.92 + $0.08 per 4 oz above 3 lb.
pub const LARGE_STANDARD_HEAVY: Stepped = stepped(20.0, 692, 3.0, 4.0, 8);

/// Large bulky 0-50 lb: $9.61 + $0.38 per lb above the first lb.
pub const LARGE_BULKY: Stepped = stepped(50.0, 961, 1.0, 16.0, 38);

/// Extra-large by weight band: 0-50 lb $26.33 + $0.38/lb above 1 lb; 50-70 lb $40.12 +
/// $0.75/lb above 51 lb; 70-150 lb $54.81 + $0.75/lb above 71 lb; 150+ lb $194.95 + $0.19/lb
/// above 151 lb.
pub const EXTRA_LARGE: &[Stepped] = &[
    stepped(50.0, 2633, 1.0, 16.0, 38),
    stepped(70.0, 4012, 51.0, 16.0, 75),
    stepped(150.0, 5481, 71.0, 16.0, 75),
    stepped(f64::MAX / 16.0, 19495, 151.0, 16.0, 19),
];

/// Items priced under $10 get the Low-Price FBA rates: about $0.77 less (unsure).
pub const LOW_PRICE_THRESHOLD: i64 = 1000;
/// The Low-Price FBA reduction (US cents; unsure).
pub const LOW_PRICE_DISCOUNT: i64 = 77;

/// The dimensional weight divisor (cubic inches per pound).
pub const DIM_DIVISOR: f64 = 139.0;

/// An item's package: its three sides (inches) and its unit weight (ounces).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Package {
    /// Sides in inches, any order.
    pub sides_in: [f64; 3],
    /// Unit weight in ounces.
    pub weight_oz: f64,
}

impl Package {
    fn sorted(&self) -> [f64; 3] {
        let mut s = self.sides_in;
        s.sort_by(|a, b| b.total_cmp(a));
        s
    }

    /// Dimensional weight in ounces (L × W × H / 139 lb).
    fn dim_weight_oz(&self) -> f64 {
        let [l, w, h] = self.sorted();
        l * w * h / DIM_DIVISOR * 16.0
    }

    /// The FBA size tier.
    pub fn tier(&self) -> SizeTier {
        let [l, m, s] = self.sorted();
        let girth = l + 2.0 * (m + s);
        let heavier = self.weight_oz.max(self.dim_weight_oz());
        if l <= 15.0 && m <= 12.0 && s <= 0.75 && self.weight_oz <= 16.0 {
            SizeTier::SmallStandard
        } else if l <= 18.0 && m <= 14.0 && s <= 8.0 && heavier <= 20.0 * 16.0 {
            SizeTier::LargeStandard
        } else if l <= 59.0 && m <= 33.0 && s <= 33.0 && girth <= 130.0 && heavier <= 50.0 * 16.0 {
            SizeTier::LargeBulky
        } else {
            SizeTier::ExtraLarge
        }
    }

    /// The shipping weight the fee is read at (ounces): the unit weight for small standard
    /// and for extra-large of 150 lb and more, else the greater of unit and dimensional weight.
    pub fn shipping_weight_oz(&self) -> f64 {
        match self.tier() {
            SizeTier::SmallStandard => self.weight_oz,
            SizeTier::ExtraLarge if self.weight_oz >= 150.0 * 16.0 => self.weight_oz,
            _ => self.weight_oz.max(self.dim_weight_oz()),
        }
    }
}

/// The US FBA fulfillment fee of a package (US cents, before the Low-Price reduction), split
/// as `(pick and pack, weight handling)`: the tier's lightest rate and what weight adds.
pub fn fulfillment_fee_usd(p: &Package) -> (i64, i64) {
    let oz = p.shipping_weight_oz();
    let band = |table: &[(f64, i64)]| table.iter().find(|(max, _)| oz <= *max).map(|b| b.1);
    let (first, total) = match p.tier() {
        SizeTier::SmallStandard => (SMALL_STANDARD[0].1, band(SMALL_STANDARD).unwrap_or(365)),
        SizeTier::LargeStandard => (
            LARGE_STANDARD[0].1,
            band(LARGE_STANDARD).unwrap_or_else(|| LARGE_STANDARD_HEAVY.fee(oz)),
        ),
        SizeTier::LargeBulky => (LARGE_BULKY.base, LARGE_BULKY.fee(oz)),
        SizeTier::ExtraLarge => {
            let s = EXTRA_LARGE
                .iter()
                .find(|s| oz <= s.up_to_oz)
                .unwrap_or(&EXTRA_LARGE[EXTRA_LARGE.len() - 1]);
            (EXTRA_LARGE[0].base, s.fee(oz))
        }
    };
    (first, total - first)
}

/// The referral fee (US-schedule rule, amounts already in the marketplace's minor units) of
/// a total sales price.
pub fn referral_fee(r: &Referral, price: i64, convert: impl Fn(i64) -> i64) -> i64 {
    let pct = |amount: i64, bp: u32| (amount * bp as i64 + 5_000) / 10_000;
    let fee = match r.rate {
        Rate::Flat(bp) => pct(price, bp),
        Rate::Bands(bands) => {
            let bp = bands
                .iter()
                .find(|(upto, _)| *upto == OPEN || price <= convert(*upto))
                .map(|b| b.1)
                .unwrap_or(0);
            pct(price, bp)
        }
        Rate::Portions(portions) => {
            let mut fee = 0;
            let mut lower = 0;
            for (upto, bp) in portions {
                let upper = if *upto == OPEN {
                    price
                } else {
                    convert(*upto).min(price)
                };
                if upper > lower {
                    fee += pct(upper - lower, *bp);
                    lower = upper;
                }
            }
            fee
        }
    };
    fee.max(convert(r.minimum))
}

/// US cents in a marketplace's currency (minor units), with the world's exchange factors
/// (`market::world::localize`, read at a large amount so that its price rounding vanishes).
pub fn converter(mp: &'static Marketplace) -> impl Fn(i64) -> i64 {
    const BASE: i64 = 100_000_000;
    let factor = crate::market::world::localize(BASE, mp) as f64 / BASE as f64;
    move |usd_cents: i64| {
        if mp.currency == "USD" {
            usd_cents
        } else {
            (usd_cents as f64 * factor).round() as i64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(l: f64, w: f64, h: f64, oz: f64) -> Package {
        Package {
            sides_in: [l, w, h],
            weight_oz: oz,
        }
    }

    #[test]
    fn tiers_follow_the_size_limits() {
        assert_eq!(pkg(10.0, 8.0, 0.5, 6.0).tier(), SizeTier::SmallStandard);
        assert_eq!(pkg(10.0, 8.0, 1.0, 6.0).tier(), SizeTier::LargeStandard);
        assert_eq!(pkg(30.0, 20.0, 10.0, 160.0).tier(), SizeTier::LargeBulky);
        assert_eq!(pkg(70.0, 20.0, 10.0, 160.0).tier(), SizeTier::ExtraLarge);
    }

    #[test]
    fn fulfillment_fees_read_the_weight_bands() {
        // 6 oz small standard: 3.24.
        assert_eq!(fulfillment_fee_usd(&pkg(10.0, 8.0, 0.5, 6.0)), (306, 18));
        // Large standard, 1.1 lb unit weight, dimensional weight 10*8*2/139 lb = 1.15 lb
        // (18.4 oz): the 1.0-1.25 lb band, 4.99.
        let (a, b) = fulfillment_fee_usd(&pkg(10.0, 8.0, 2.0, 17.6));
        assert_eq!(a + b, 499);
        // Large standard 4 lb: 6.92 + 4 steps of 4 oz.
        let (a, b) = fulfillment_fee_usd(&pkg(12.0, 8.0, 2.0, 64.0));
        assert_eq!(a + b, 692 + 4 * 8);
        // Large bulky 20 lb (heavier than its 12.9 lb dimensional weight): 9.61 + 19 lb.
        let (a, b) = fulfillment_fee_usd(&pkg(30.0, 20.0, 3.0, 320.0));
        assert_eq!(a + b, 961 + 19 * 38);
    }

    #[test]
    fn referral_fees_apply_bands_portions_and_minimums() {
        let id = |x: i64| x;
        let shirt = referral_of("SHIRT");
        assert_eq!(referral_fee(shirt, 1200, id), 60);
        assert_eq!(referral_fee(shirt, 1800, id), 180);
        assert_eq!(referral_fee(shirt, 2450, id), 417);
        let case = referral_of("CELLULAR_PHONE_CASE");
        assert_eq!(referral_fee(case, 20_000, id), 1500 + 800);
        assert_eq!(referral_fee(referral_of("HOME"), 100, id), 30);
        assert_eq!(referral_fee(referral_of("BOOK"), 100, id), 15);
        assert_eq!(referral_of("UNKNOWN").category, "Everything Else");
    }
}
