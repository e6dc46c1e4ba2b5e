//! World generation: a deterministic catalog, listings and order history for a seller, from a
//! seed. The same seed, seller and clock give the same world.

use crate::market::marketplaces::{Marketplace, marketplace};
use crate::market::money;
use crate::market::orders::{self, LineFacts, OrderFacts};
use crate::store::{CatalogItemRow, ListingRow, SellerRecord, Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How big a world to make for one seller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct WorldSpec {
    /// Seed of every random choice.
    pub seed: u64,
    /// Catalog items the seller lists.
    pub products: usize,
    /// Days of order history, ending now.
    pub days: i64,
    /// Average orders a day.
    pub orders_per_day: usize,
}

impl Default for WorldSpec {
    fn default() -> Self {
        WorldSpec {
            seed: 42,
            products: 40,
            days: 90,
            orders_per_day: 12,
        }
    }
}

/// What a generation made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct WorldStats {
    /// Catalog items.
    pub products: usize,
    /// Listings (SKU x marketplace).
    pub listings: usize,
    /// Orders.
    pub orders: usize,
}

/// A random generator for `seed` and a label (the seller, a purpose), so that each seller's
/// world is its own and reproducible.
pub fn rng_for(seed: u64, label: &str) -> StdRng {
    let d = Sha256::digest(format!("{seed}:{label}").as_bytes());
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&d);
    StdRng::from_seed(bytes)
}

const BRANDS: &[&str] = &[
    "Northwind",
    "Acme",
    "Bluepeak",
    "Cedar & Co",
    "Lumina",
    "Orbit",
    "Stonefield",
    "Willow",
    "Kestrel",
    "Harbor",
];
const ADJECTIVES: &[&str] = &[
    "Classic", "Premium", "Everyday", "Compact", "Deluxe", "Eco", "Travel", "Pro", "Soft", "Rugged",
];
/// (noun, product type)
const NOUNS: &[(&str, &str)] = &[
    ("Cotton T-Shirt", "SHIRT"),
    ("Running Shoes", "SHOES"),
    ("Carry-On Suitcase", "LUGGAGE"),
    ("Throw Pillow", "HOME"),
    ("Chef's Knife", "KITCHEN"),
    ("Action Figure", "TOY_FIGURE"),
    ("Paperback Novel", "BOOK"),
    ("Water Bottle", "BOTTLE"),
    ("Desk Lamp", "LAMP"),
    ("Yoga Mat", "SPORTING_GOODS"),
    ("Backpack", "BACKPACK"),
    ("Coffee Mug", "DRINKING_CUP"),
];
const COLORS: &[&str] = &["Black", "Navy", "Red", "Olive", "Grey", "White", "Teal"];
const FIRST: &[&str] = &[
    "Alex", "Sam", "Maria", "Jonas", "Aiko", "Priya", "Lucas", "Emma", "Noah", "Chloe", "Mateo",
    "Lena",
];
const LAST: &[&str] = &[
    "Smith", "Garcia", "Müller", "Rossi", "Tanaka", "Patel", "Dubois", "Jones", "Kim", "Novak",
];

fn pick<'a, T>(rng: &mut StdRng, list: &'a [T]) -> &'a T {
    &list[rng.random_range(0..list.len())]
}

fn alnum(rng: &mut StdRng, n: usize) -> String {
    const C: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| C[rng.random_range(0..C.len())] as char)
        .collect()
}

fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// An Amazon-shaped order id for a marketplace.
pub fn order_id(rng: &mut StdRng, mp: &Marketplace) -> String {
    format!("{}-{}-{}", mp.order_prefix, digits(rng, 7), digits(rng, 7))
}

/// A 14-digit order item id.
pub fn order_item_id(rng: &mut StdRng) -> String {
    format!("{}{}", rng.random_range(1..10u8), digits(rng, 13))
}

/// A selling partner id derived from the seed (demo sellers are reproducible).
pub fn selling_partner_id(seed: u64, label: &str) -> String {
    let mut rng = rng_for(seed, label);
    format!("A{}", alnum(&mut rng, 13))
}

/// Currency conversion of a USD-like base price to a marketplace's currency (rounded).
pub(crate) fn localize(base_minor: i64, mp: &Marketplace) -> i64 {
    let (num, den) = match mp.currency {
        "USD" => (1, 1),
        "CAD" => (135, 100),
        "MXN" => (17, 1),
        "BRL" => (5, 1),
        "GBP" => (79, 100),
        "EUR" => (92, 100),
        "SEK" => (105, 10),
        "PLN" => (4, 1),
        "TRY" => (32, 1),
        "AED" | "SAR" => (367, 100),
        "EGP" => (48, 1),
        "INR" => (83, 1),
        "ZAR" => (18, 1),
        "JPY" => (150, 100),
        "AUD" => (150, 100),
        "SGD" => (134, 100),
        _ => (1, 1),
    };
    let v = base_minor * num / den;
    // Prices end in 9 (x.99 style).
    if money::exponent(mp.currency) == 0 {
        (v / 10) * 10 + 9
    } else {
        (v / 100) * 100 + 99
    }
}

/// Makes a seller's catalog, listings and order history in one transaction.
pub async fn generate(
    store: &Store,
    seller: &SellerRecord,
    spec: &WorldSpec,
    now: Timestamp,
) -> Result<WorldStats, StoreError> {
    generate_with_progress(store, seller, spec, now, &AtomicUsize::new(0)).await
}

/// Orders written per transaction: big worlds commit as they go, so memory stays flat and
/// progress is visible.
const ORDERS_PER_COMMIT: usize = 5_000;

/// An order made by the generator, with the job that moves it on, if any (kind, due time).
type MadeOrder = (crate::store::OrderRow, Option<(&'static str, i64)>);

/// Orders per INSERT statement (20 values each: well under SQLite's and PostgreSQL's limits).
const ORDERS_PER_INSERT: usize = 200;

/// The number of orders `spec` makes.
pub fn total_orders(spec: &WorldSpec) -> usize {
    spec.orders_per_day * spec.days.max(0) as usize
}

/// [`generate`], counting the orders written into `progress`.
pub async fn generate_with_progress(
    store: &Store,
    seller: &SellerRecord,
    spec: &WorldSpec,
    now: Timestamp,
    progress: &AtomicUsize,
) -> Result<WorldStats, StoreError> {
    // The label includes how many orders the seller has, so that generating again into an
    // existing world adds to it (new ids) while the same sequence of calls stays reproducible.
    let existing = store.count_orders(&seller.selling_partner_id).await?;
    let mut rng = rng_for(
        spec.seed,
        &format!("{}:{existing}", seller.selling_partner_id),
    );
    let mut stats = WorldStats::default();
    // The seller sells in its first three marketplaces; most orders come from the first.
    let markets: Vec<&'static Marketplace> = seller
        .marketplace_ids
        .iter()
        .filter_map(|id| marketplace(id))
        .take(3)
        .collect();
    if markets.is_empty() {
        return Ok(stats);
    }
    let mut tx = store.begin().await?;
    let now_us = now.as_microsecond();
    let mut listings: Vec<(ListingRow, String)> = Vec::new();
    for n in 0..spec.products {
        let brand = *pick(&mut rng, BRANDS);
        let adjective = *pick(&mut rng, ADJECTIVES);
        let (noun, product_type) = *pick(&mut rng, NOUNS);
        let color = *pick(&mut rng, COLORS);
        let asin = format!("B0{}", alnum(&mut rng, 8));
        let title = format!("{brand} {adjective} {noun}, {color}");
        // The generator's draws for the old package facts are kept, so the rest of the world
        // (listings, orders) stays the same for a seed; the facts now come from the catalog's
        // own stream.
        let _ = (
            rng.random_range(80..4000i32),
            rng.random_range(5..60i32),
            rng.random_range(5..40i32),
            rng.random_range(2..30i32),
        );
        for (item, classification, identifiers) in catalog_entries(
            spec.seed,
            &asin,
            &title,
            brand,
            adjective,
            noun,
            product_type,
            color,
        ) {
            tx.put_catalog_item(&item, &classification, now_us, &identifiers)
                .await?;
        }
        stats.products += 1;
        let sku = format!(
            "{}-{}-{:04}",
            brand
                .chars()
                .filter(|c| c.is_ascii_alphabetic())
                .take(3)
                .collect::<String>()
                .to_uppercase(),
            product_type.chars().take(3).collect::<String>(),
            n + 1
        );
        let afn = rng.random_bool(0.4);
        let base_price = rng.random_range(5..150) * 100 + 99;
        for mp in &markets {
            let quantity = if rng.random_bool(0.08) {
                0
            } else {
                rng.random_range(5..400)
            };
            let listing = ListingRow {
                seller_id: seller.selling_partner_id.clone(),
                sku: sku.clone(),
                marketplace_id: mp.id.to_string(),
                asin: asin.clone(),
                fulfillment_channel: if afn { "AFN" } else { "MFN" }.into(),
                price: money::format(localize(base_price, mp), mp.currency),
                currency: mp.currency.to_string(),
                quantity,
                reserved: 0,
                status: "BUYABLE".into(),
                created_at_us: now_us - spec.days * 86_400_000_000 - 86_400_000_000,
                updated_at_us: now_us - spec.days * 86_400_000_000 - 86_400_000_000,
            };
            listings.push((listing, title.clone()));
            stats.listings += 1;
        }
    }
    // Orders: spread over the days, oldest first.
    let total = total_orders(spec);
    let span_us = spec.days * 86_400_000_000;
    let mut times: Vec<i64> = (0..total)
        .map(|_| now_us - rng.random_range(120_000_000..span_us.max(120_000_001)))
        .collect();
    times.sort_unstable();
    // The listings of each marketplace, and of each (marketplace, channel), in listing order:
    // computed once, not per order (a big catalog made this scan the cost of generation).
    let in_market_of: Vec<Vec<usize>> = markets
        .iter()
        .map(|mp| {
            listings
                .iter()
                .enumerate()
                .filter(|(_, (l, _))| l.marketplace_id == mp.id)
                .map(|(i, _)| i)
                .collect()
        })
        .collect();
    let channel_of: Vec<[Vec<usize>; 2]> = in_market_of
        .iter()
        .map(|ids| {
            let of = |afn: bool| -> Vec<usize> {
                ids.iter()
                    .copied()
                    .filter(|&i| (listings[i].0.fulfillment_channel == "AFN") == afn)
                    .collect()
            };
            [of(false), of(true)]
        })
        .collect();
    // Orders are made on a blocking thread and written here as they come: the two halves of
    // the work (building the documents, the store's writes) run on two cores at once. The
    // channel holds a few batches, so memory stays flat whatever the size.
    let (out, mut batches) = tokio::sync::mpsc::channel::<Vec<MadeOrder>>(4);
    let seller_id = seller.selling_partner_id.clone();
    // Marketplace programs (Easy Ship, invoice confirmation) draw from a stream of their own,
    // so that worlds of other marketplaces stay what they were for a seed.
    let mut programs = rng_for(
        spec.seed,
        &format!("{}:{existing}:programs", seller.selling_partner_id),
    );
    let maker = tokio::task::spawn_blocking(move || {
        let mut batch: Vec<MadeOrder> = Vec::with_capacity(ORDERS_PER_INSERT);
        for purchase_us in times {
            let purchase = Timestamp::from_microsecond(purchase_us).unwrap_or(now);
            let age = now.duration_since(purchase);
            // Most orders come from the home marketplace.
            let m = if rng.random_bool(0.8) {
                0
            } else {
                rng.random_range(0..markets.len())
            };
            let mp = markets[m];
            let in_market = &in_market_of[m];
            if in_market.is_empty() {
                continue;
            }
            let first = *pick(&mut rng, in_market);
            let afn = listings[first].0.fulfillment_channel == "AFN";
            // Lines of one order share its channel.
            let same_channel = &channel_of[m][afn as usize];
            let n_lines = if rng.random_bool(0.15) {
                rng.random_range(2..4)
            } else {
                1
            };
            let mut chosen = vec![first];
            while chosen.len() < n_lines.min(same_channel.len()) {
                let c = *pick(&mut rng, same_channel);
                if !chosen.contains(&c) {
                    chosen.push(c);
                }
            }
            let status = history_status(&mut rng, age, afn);
            // Some seller-fulfilled orders where Amazon Easy Ship runs go by Easy Ship
            // (Amazon picks the package up); such a package goes whole, never in parts.
            let easy_ship = !afn
                && EASY_SHIP_MARKETPLACES.contains(&mp.id)
                && programs.random_bool(EASY_SHIP_SHARE);
            let status = if easy_ship && status == "PartiallyShipped" {
                "Unshipped"
            } else {
                status
            };
            // Where the seller confirms the invoice sent to the buyer, some shipped orders
            // wait for that confirmation: mostly recent ones, a few old ones forever.
            let status = if !afn
                && status == "Shipped"
                && INVOICE_CONFIRMATION_MARKETPLACES.contains(&mp.id)
                && programs.random_bool(if age < SignedDuration::from_hours(7 * 24) {
                    0.3
                } else {
                    0.04
                }) {
                "InvoiceUnconfirmed"
            } else {
                status
            };
            let prime = if afn {
                rng.random_bool(0.6)
            } else {
                rng.random_bool(0.1)
            };
            let shipped_all = matches!(status, "Shipped" | "InvoiceUnconfirmed");
            let mut lines = Vec::new();
            for (k, &i) in chosen.iter().enumerate() {
                let (l, title) = &listings[i];
                let quantity = if rng.random_bool(0.8) {
                    1
                } else {
                    rng.random_range(2..4)
                };
                let unit = money::parse(&l.price, mp.currency).unwrap_or(999);
                let promo = rng.random_bool(0.1);
                // A partially shipped order has shipped its first line.
                let quantity_shipped = if shipped_all || (status == "PartiallyShipped" && k == 0) {
                    quantity
                } else {
                    0
                };
                lines.push(LineFacts {
                    order_item_id: order_item_id(&mut rng),
                    asin: l.asin.clone(),
                    sku: l.sku.clone(),
                    title: title.clone(),
                    quantity,
                    quantity_shipped,
                    unit_price_minor: unit,
                    shipping_minor: if prime || afn { 0 } else { localize(399, mp) },
                    promotion_minor: if promo { unit * quantity / 10 } else { 0 },
                    promotion_id: promo.then(|| format!("PROMO-{}", alnum(&mut rng, 6))),
                });
                if matches!(status, "Pending" | "Unshipped" | "PartiallyShipped") {
                    listings[i].0.reserved += quantity - quantity_shipped;
                }
            }
            let status = if status == "PartiallyShipped" && lines.len() < 2 {
                "Unshipped"
            } else {
                status
            };
            let id = order_id(&mut rng, mp);
            let buyer_name = format!("{} {}", pick(&mut rng, FIRST), pick(&mut rng, LAST));
            let business = rng.random_bool(0.1);
            let updated = match status {
                "Shipped" | "InvoiceUnconfirmed" | "Canceled" | "Unfulfillable" => purchase
                    .checked_add(SignedDuration::from_hours(rng.random_range(2..48)))
                    .unwrap_or(purchase),
                "Pending" => purchase,
                _ => purchase
                    .checked_add(SignedDuration::from_mins(5))
                    .unwrap_or(purchase),
            };
            let updated = updated.min(now);
            let facts = OrderFacts {
                buyer_email: format!(
                    "{}@marketplace.amazon.{}",
                    digits(&mut rng, 14),
                    mp.country_code.to_lowercase()
                ),
                amazon_order_id: id,
                seller_id: seller_id.clone(),
                marketplace: mp,
                channel: if afn { "AFN" } else { "MFN" },
                status: status.to_string(),
                purchase,
                updated,
                prime,
                business,
                payment_method: "Other",
                buyer_name: buyer_name.clone(),
                buyer_company: business.then(|| {
                    format!(
                        "{} Trading Ltd",
                        buyer_name.split(' ').nth(1).unwrap_or("Acme")
                    )
                }),
                ship_to: {
                    let mut a = orders::default_address(mp);
                    a.name = Some(buyer_name);
                    a
                },
                seller_order_id: rng
                    .random_bool(0.3)
                    .then(|| format!("SO-{}", digits(&mut rng, 8))),
                // A few MFN orders in the home marketplace are picked up in a store.
                ispu_store: (!afn
                    && mp.id == markets[0].id
                    && status != "PartiallyShipped"
                    && rng.random_bool(0.03)
                    && !easy_ship)
                    .then(|| format!("STORE-{}", digits(&mut rng, 4))),
                easy_ship_status: easy_ship.then(|| easy_ship_status(&mut programs, status, age)),
                electronic_invoice_status: electronic_invoice_status(
                    &mut programs,
                    mp,
                    afn,
                    easy_ship,
                    status,
                ),
                lines,
            };
            let row = orders::assemble(&facts);
            // Orders still moving get their next step on the clock.
            let job = if status == "Pending" {
                let at = purchase
                    .checked_add(orders::PENDING_FOR)
                    .unwrap_or(purchase);
                Some((orders::JOB_RELEASE_PENDING, at.as_microsecond()))
            } else if status == "Unshipped" && afn {
                let at = updated
                    .checked_add(orders::FBA_SHIPS_AFTER)
                    .unwrap_or(updated);
                Some((orders::JOB_FBA_SHIP, at.as_microsecond()))
            } else {
                None
            };
            batch.push((row, job));
            if batch.len() >= ORDERS_PER_INSERT
                && out.blocking_send(std::mem::take(&mut batch)).is_err()
            {
                // The writer stopped (a store error): it reports why.
                return listings;
            }
        }
        if !batch.is_empty() {
            let _ = out.blocking_send(batch);
        }
        listings
    });
    let mut committed = 0;
    while let Some(batch) = batches.recv().await {
        let mut rows = Vec::with_capacity(batch.len());
        for (row, job) in batch {
            if let Some((kind, at)) = job {
                tx.enqueue_job(kind, at, &json!({"amazonOrderId": row.amazon_order_id}))
                    .await?;
            }
            rows.push(row);
        }
        tx.insert_orders(&rows).await?;
        stats.orders += rows.len();
        progress.store(stats.orders, Ordering::Relaxed);
        if stats.orders / ORDERS_PER_COMMIT > committed {
            committed = stats.orders / ORDERS_PER_COMMIT;
            tx.commit().await?;
            tx = store.begin().await?;
        }
    }
    let listings = maker
        .await
        .map_err(|e| StoreError::Corrupt(format!("making orders failed: {e}")))?;
    for (l, _) in &listings {
        tx.upsert_listing(l).await?;
    }
    tx.commit().await?;
    Ok(stats)
}

/// Marketplaces where Amazon Easy Ship runs (the Easy Ship API's marketplaces): Amazon picks
/// the seller's package up (or the seller drops it off) and delivers it.
pub const EASY_SHIP_MARKETPLACES: &[&str] = &[
    "A21TJRUUN4KGV",  // IN
    "A1VC38T7YXB528", // JP
    "A1805IZSGTT6HS", // NL
    "A1C3SOZRARQ6R3", // PL
];

/// The share of seller-fulfilled orders in an Easy Ship marketplace that go by Easy Ship.
const EASY_SHIP_SHARE: f64 = 0.35;

/// Marketplaces whose shipped seller-fulfilled orders wait for the seller to confirm the
/// invoice sent to the buyer (`InvoiceUnconfirmed`).
// Amazon documented InvoiceUnconfirmed for Amazon.cn only, which is no SP-API marketplace.
// spapi shows the documented behaviour where the seller's invoice is tracked through the
// Orders API (`ElectronicInvoiceStatus`): Brazil, where every seller-fulfilled shipment needs
// the seller's electronic invoice.
pub const INVOICE_CONFIRMATION_MARKETPLACES: &[&str] = &["A2Q3Y263D00KWC"];

/// Where an Easy Ship package is, for an order of this status and age.
fn easy_ship_status(rng: &mut StdRng, status: &str, age: SignedDuration) -> &'static str {
    let roll: f64 = rng.random();
    let hours = age.as_secs() / 3600;
    match status {
        "Unshipped" => {
            if roll < 0.45 {
                "PendingSchedule"
            } else if roll < 0.9 {
                "PendingPickUp"
            } else {
                "PendingDropOff"
            }
        }
        // Canceled before the package went: never scheduled, or the pickup called off.
        "Canceled" => {
            if roll < 0.5 {
                "PendingSchedule"
            } else {
                "LabelCanceled"
            }
        }
        "Shipped" | "InvoiceUnconfirmed" => {
            if hours < 24 {
                if roll < 0.85 {
                    "PickedUp"
                } else {
                    "DroppedOff"
                }
            } else if hours < 48 {
                "AtOriginFC"
            } else if hours < 72 {
                "AtDestinationFC"
            } else if hours < 96 {
                "OutForDelivery"
            } else if roll < 0.9 {
                "Delivered"
            } else if roll < 0.93 {
                "ReturnedToSeller"
            } else if roll < 0.95 {
                "Undeliverable"
            } else if roll < 0.97 {
                "RejectedByBuyer"
            } else if roll < 0.98 {
                "ReturningToSeller"
            } else if roll < 0.99 {
                "Lost"
            } else {
                "Damaged"
            }
        }
        // Pending: not ready to ship, nothing scheduled yet.
        _ => "PendingSchedule",
    }
}

/// `ElectronicInvoiceStatus` of an order, where it applies: Brazil's orders (the seller's
/// electronic invoice for seller-fulfilled orders; Amazon's own for FBA) and Easy Ship orders.
fn electronic_invoice_status(
    rng: &mut StdRng,
    mp: &Marketplace,
    afn: bool,
    easy_ship: bool,
    status: &str,
) -> Option<&'static str> {
    if mp.id == "A2Q3Y263D00KWC" {
        let roll: f64 = rng.random();
        return Some(match status {
            _ if afn => "NotRequired",
            "Canceled" => "NotRequired",
            "Shipped" => "Accepted",
            "Pending" => "NotFound",
            // Not confirmed: not uploaded yet, still processing, or refused.
            _ if roll < 0.5 => "NotFound",
            _ if roll < 0.85 => "Processing",
            _ => "Errored",
        });
    }
    // Easy Ship elsewhere: Amazon issues the invoice with the label.
    easy_ship.then_some("NotRequired")
}

/// A realistic status for an order of this age.
fn history_status(rng: &mut StdRng, age: SignedDuration, afn: bool) -> &'static str {
    let hours = age.as_secs() / 3600;
    let roll: f64 = rng.random();
    if age < orders::PENDING_FOR {
        return "Pending";
    }
    if hours < 12 {
        return if roll < 0.05 {
            "Canceled"
        } else if !afn && roll < 0.15 {
            "PartiallyShipped"
        } else {
            "Unshipped"
        };
    }
    if hours < 48 && !afn && roll < 0.4 {
        return if roll < 0.1 {
            "PartiallyShipped"
        } else {
            "Unshipped"
        };
    }
    if roll < 0.04 {
        "Canceled"
    } else if afn && roll < 0.05 {
        "Unfulfillable"
    } else {
        "Shipped"
    }
}

/// An EAN-13 (with its check digit) derived from a label.
fn ean_for(label: &str) -> String {
    let mut rng = rng_for(0, &format!("ean:{label}"));
    let body: String = format!("{}{}", rng.random_range(1..10u8), digits(&mut rng, 11));
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// A catalog item to store: the row, its browse classification and its (type, value)
/// identifiers.
type CatalogEntry = (CatalogItemRow, String, Vec<(String, String)>);

/// The catalog items a generated product brings: the item itself with real attributes of its
/// product type, an EAN, images, a classification and a sales rank; for product types sold in
/// variations also a variation parent and two sibling variations (other sizes), linked both
/// ways. Details come from their own random stream (seed and ASIN), so that they do not
/// change the rest of the world.
#[allow(clippy::too_many_arguments)]
fn catalog_entries(
    seed: u64,
    asin: &str,
    title: &str,
    brand: &str,
    adjective: &str,
    noun: &str,
    product_type: &str,
    color: &str,
) -> Vec<CatalogEntry> {
    use crate::market::{catalog, product_types};
    let Some(spec) = product_types::spec(product_type) else {
        return vec![];
    };
    let mut rng = rng_for(seed, &format!("catalog:{asin}"));
    let classification = spec.classification.0.to_string();
    let make = |asin: &str, title: &str, rng: &mut StdRng| {
        let ean = ean_for(&format!("{seed}:{asin}"));
        let mut pick = |n: usize| rng.random_range(0..n.max(1));
        let attrs = product_types::example_attributes(spec, title, brand, color, &ean, &mut pick);
        let doc = json!({
            "attributes": attrs,
            "identifiers": [{"identifierType": "EAN", "identifier": ean}],
            "images": catalog::images_for(asin),
            "itemClassification": "BASE_PRODUCT",
            "parentAsins": [],
            "childAsins": [],
        });
        (
            CatalogItemRow {
                asin: asin.to_string(),
                title: title.to_string(),
                brand: brand.to_string(),
                product_type: product_type.to_string(),
                doc,
            },
            classification.clone(),
            vec![("EAN".to_string(), ean)],
        )
    };
    let main = make(asin, title, &mut rng);
    if !spec.variations {
        return vec![main];
    }
    let parent_asin = format!("B0{}", alnum(&mut rng, 8));
    let mut children = vec![main];
    for k in 0..2 {
        let child = format!("B0{}", alnum(&mut rng, 8));
        let size = ["S", "M", "L", "XL"][k + rng.random_range(0..2)];
        children.push(make(&child, &format!("{title}, Size {size}"), &mut rng));
    }
    let theme = json!({"attributes": ["size", "color"], "theme": "SIZE/COLOR"});
    let child_asins: Vec<String> = children.iter().map(|c| c.0.asin.clone()).collect();
    let mut parent = make(
        &parent_asin,
        &format!("{brand} {adjective} {noun}"),
        &mut rng,
    );
    parent.0.doc["itemClassification"] = json!("VARIATION_PARENT");
    parent.0.doc["childAsins"] = json!(child_asins);
    parent.0.doc["variationTheme"] = theme.clone();
    parent.0.doc["identifiers"] = json!([]);
    parent.2.clear();
    if let Some(a) = parent.0.doc["attributes"].as_object_mut() {
        a.remove("externally_assigned_product_identifier");
        a.insert("parentage_level".into(), json!([{"value": "parent"}]));
        a.insert("variation_theme".into(), json!([{"name": "SIZE/COLOR"}]));
    }
    for c in &mut children {
        c.0.doc["parentAsins"] = json!([parent_asin]);
        c.0.doc["variationTheme"] = theme.clone();
        if let Some(a) = c.0.doc["attributes"].as_object_mut() {
            a.insert("parentage_level".into(), json!([{"value": "child"}]));
        }
    }
    children.push(parent);
    children
}
