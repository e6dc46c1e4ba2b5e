//! Prices and competing offers (Product Pricing v0 and 2022-05-01) from the world's listings.
//!
//! # Rules
//!
//! - **One computation of offers.** The offers on an item's detail page, their order (the Buy
//!   Box: lowest landed price, FBA first on a tie), the summary counts and lowest prices and the
//!   simulated reference prices are the ones ANY_OFFER_CHANGED carries:
//!   [`crate::market::offers::OfferChange::build`] computes them, and this module reads its
//!   answer. So getItemOffers, getCompetitiveSummary and the notification always agree.
//! - **One condition per call.** The offers listed are those of the condition asked
//!   (`New` unless said otherwise); the summary counts cover every condition.
//! - **The caller's own prices** (getPricing) are its listings' columns: price, the channel's
//!   shipping (free for FBA, the marketplace's standard rate for MFN, as offers carry it).
//! - **Featured offer expected price**: the highest listing price at which the seller's offer
//!   would win the Buy Box against the best offer of the other sellers: their landed price
//!   minus the seller's shipping, one minor unit less unless the seller would win the tie (an
//!   FBA offer against an MFN one). Without another seller's offer: `NO_COMPETING_OFFER`.
//! - **No simulated competitors.** The offers are the world's sellers' only (no Amazon retail
//!   offer, no B2B prices, no quantity discounts); `CustomerType` Business sees the same offers.
//! - **Refusals.** A bad marketplace refuses a single-item call; in a batch every item stands
//!   alone (its own status and error body).

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::marketplaces::{Marketplace, check_known, check_participating, marketplace};
use crate::market::offers::{OfferChange, offer_shipping_minor};
use crate::market::{catalog, money};
use crate::store::{CatalogItemRow, ListingDoc, ListingRow, Store};
use serde_json::Value;

/// The most requests a pricing batch takes.
pub const MAX_BATCH: usize = 20;
/// The most requests a featured offer expected price batch takes.
pub const MAX_FOEP_BATCH: usize = 40;

/// Amazon's message for an SKU the seller does not have (Pricing 2022-05-01 `INVALID_SKU`).
pub const INVALID_SKU_MESSAGE: &str =
    "The requested SKU does not exist for the seller in the requested Amazon store.";

/// A count of offers of a condition and channel.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferCount {
    /// `new`, `used`...
    pub condition: String,
    /// Fulfilled by Amazon.
    pub afn: bool,
    /// How many.
    pub count: i64,
}

/// A price of the summary (lowest of a condition and channel, or the Buy Box of a condition).
#[derive(Debug, Clone, PartialEq)]
pub struct PricePoint {
    /// `new`, `used`...
    pub condition: String,
    /// The channel (`None` for a Buy Box price).
    pub afn: Option<bool>,
    /// Listing price (minor units).
    pub listing: i64,
    /// Shipping (minor units).
    pub shipping: i64,
    /// The seller holding it, where known (the Buy Box of the condition asked).
    pub seller_id: Option<String>,
}

impl PricePoint {
    /// Listing price plus shipping.
    pub fn landed(&self) -> i64 {
        self.listing + self.shipping
    }
}

/// One offer on the detail page.
#[derive(Debug, Clone, PartialEq)]
pub struct CompetingOffer {
    /// The seller.
    pub seller_id: String,
    /// `new`, `used`...
    pub condition: String,
    /// `new`, `very_good`, `mint`...
    pub sub_condition: String,
    /// Listing price (minor units).
    pub listing: i64,
    /// Shipping (minor units).
    pub shipping: i64,
    /// Fulfilled by Amazon (Prime).
    pub afn: bool,
    /// Holds the Buy Box of its condition.
    pub buy_box_winner: bool,
    /// The caller's own offer.
    pub mine: bool,
    /// Feedback count.
    pub feedback_count: i64,
    /// Positive feedback, percent.
    pub feedback_rating: f64,
    /// Handling time, hours.
    pub min_hours: i64,
    /// Handling time, hours.
    pub max_hours: i64,
    /// Country it ships from.
    pub ships_from_country: String,
    /// State or region it ships from.
    pub ships_from_state: String,
}

impl CompetingOffer {
    /// Listing price plus shipping.
    pub fn landed(&self) -> i64 {
        self.listing + self.shipping
    }
}

/// The competition on one item in one marketplace, for one condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Competition {
    /// The item.
    pub asin: String,
    /// The caller's SKU, when asked by SKU.
    pub sku: Option<String>,
    /// The marketplace.
    pub marketplace_id: &'static str,
    /// Its currency.
    pub currency: &'static str,
    /// The condition asked (`new`...).
    pub condition: String,
    /// Offers per condition and channel (every condition).
    pub counts: Vec<OfferCount>,
    /// Buy Box eligible offers per condition and channel.
    pub eligible: Vec<OfferCount>,
    /// Lowest prices per condition and channel.
    pub lowest: Vec<PricePoint>,
    /// Buy Box prices per condition.
    pub buy_box: Vec<PricePoint>,
    /// Simulated list price (none without offers).
    pub list_price: Option<i64>,
    /// Simulated external competitive price (none without offers).
    pub competitive_price: Option<i64>,
    /// The featured landed price of the condition (none without offers).
    pub suggested_lower: Option<i64>,
    /// Sales ranks (category, rank).
    pub sales_rankings: Vec<(String, i64)>,
    /// The offers of the condition asked, Buy Box order, at most 20.
    pub offers: Vec<CompetingOffer>,
    /// When (epoch µs).
    pub at_us: i64,
}

impl Competition {
    /// Every offer of every condition.
    pub fn total_offers(&self) -> i64 {
        self.counts.iter().map(|c| c.count).sum()
    }
}

/// One request of a getItemOffersBatch / getListingOffersBatch.
#[derive(Debug, Clone, PartialEq)]
pub struct OffersAsk {
    /// The request's `uri`.
    pub uri: String,
    /// The request's `method`.
    pub method: String,
    /// `MarketplaceId`.
    pub marketplace_id: String,
    /// `ItemCondition`.
    pub condition: String,
}

/// The caller's own offer of an item (getPricing).
#[derive(Debug, Clone, PartialEq)]
pub struct OwnOffer {
    /// Its SKU.
    pub sku: String,
    /// `New`, `Used`...
    pub condition: String,
    /// `New`, `VeryGood`...
    pub sub_condition: String,
    /// Listing price (minor units).
    pub listing: i64,
    /// Shipping (minor units).
    pub shipping: i64,
    /// Fulfilled by Amazon.
    pub afn: bool,
}

/// The competitive price of a condition (getCompetitivePricing).
#[derive(Debug, Clone, PartialEq)]
pub struct CompetitivePrice {
    /// `1` new Buy Box, `2` used Buy Box.
    pub id: &'static str,
    /// The Buy Box price.
    pub price: PricePoint,
    /// The caller holds it.
    pub mine: bool,
}

/// One item of getPricing / getCompetitivePricing.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedItem {
    /// `Success` or `ClientError`.
    pub status: &'static str,
    /// The ASIN asked, or the SKU's.
    pub asin: Option<String>,
    /// The SKU asked.
    pub sku: Option<String>,
    /// The caller's offers (getPricing).
    pub own: Vec<OwnOffer>,
    /// Buy Box prices (getCompetitivePricing).
    pub competitive: Vec<CompetitivePrice>,
    /// Offers per condition (getCompetitivePricing).
    pub counts: Vec<(String, i64)>,
    /// Sales ranks (getCompetitivePricing).
    pub sales_rankings: Vec<(String, i64)>,
}

/// The answer of getPricing / getCompetitivePricing.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    /// The seller.
    pub seller_id: String,
    /// The marketplace.
    pub marketplace_id: &'static str,
    /// Its currency.
    pub currency: &'static str,
    /// One per item asked, in order.
    pub items: Vec<PricedItem>,
}

/// An offer in a featured offer answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturedOffer {
    /// The seller.
    pub seller_id: String,
    /// Fulfilled by Amazon.
    pub afn: bool,
    /// `New`...
    pub condition: String,
    /// Listing price (minor units).
    pub listing: i64,
    /// Shipping (minor units).
    pub shipping: i64,
}

/// One featured offer expected price.
#[derive(Debug, Clone, PartialEq)]
pub struct Foep {
    /// The SKU's ASIN.
    pub asin: String,
    /// The SKU.
    pub sku: String,
    /// The marketplace.
    pub marketplace_id: &'static str,
    /// Its currency.
    pub currency: &'static str,
    /// The seller.
    pub seller_id: String,
    /// The SKU is fulfilled by Amazon.
    pub afn: bool,
    /// `VALID_FOEP`, `NO_COMPETING_OFFER`, `OFFER_NOT_ELIGIBLE`, `OFFER_NOT_FOUND`.
    pub result_status: &'static str,
    /// The expected price (minor units) when valid.
    pub price: Option<i64>,
    /// The best offer of the other sellers.
    pub competing: Option<FeaturedOffer>,
    /// The Buy Box now.
    pub current: Option<FeaturedOffer>,
}

/// One request of getFeaturedOfferExpectedPriceBatch.
#[derive(Debug, Clone, PartialEq)]
pub struct FoepAsk {
    /// The request's `uri`.
    pub uri: String,
    /// The request's `method`.
    pub method: String,
    /// `marketplaceId`.
    pub marketplace_id: String,
    /// `sku`.
    pub sku: String,
}

/// One request of getCompetitiveSummary.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryAsk {
    /// The request's `uri`.
    pub uri: String,
    /// The request's `method`.
    pub method: String,
    /// `asin`.
    pub asin: String,
    /// `marketplaceId`.
    pub marketplace_id: String,
    /// `includedData`.
    pub included: Vec<String>,
    /// `lowestPricedOffersInputs` conditions (`New`...); empty: New.
    pub lowest_conditions: Vec<String>,
}

/// One competitive summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The item.
    pub asin: String,
    /// The marketplace.
    pub marketplace_id: &'static str,
    /// Its currency.
    pub currency: &'static str,
    /// The featured (Buy Box) offer of the New buying option, when asked.
    pub featured: Option<Vec<CompetingOffer>>,
    /// Reference prices (name, minor units), when asked.
    pub reference_prices: Option<Vec<(&'static str, i64)>>,
    /// The lowest priced offers per condition asked (`New`...), when asked.
    pub lowest: Option<Vec<(String, Vec<CompetingOffer>)>>,
    /// Whether similar items were asked (the world knows none).
    pub similar_items: bool,
}

/// The pricing service over the world.
#[derive(Debug, Clone)]
pub struct PricingService {
    world: Store,
    clock: Clock,
}

impl PricingService {
    /// Pricing over the world in `world`, on the emulator clock.
    pub fn new(world: Store, clock: Clock) -> Self {
        PricingService { world, clock }
    }

    /// The emulator clock's time (epoch µs): the `Date` of batch items.
    pub fn now_us(&self) -> i64 {
        self.clock.now_us()
    }

    /// getItemOffers: the offers of `condition` on `asin`.
    pub async fn item_offers(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        asin: &str,
        condition: &str,
    ) -> Result<Competition> {
        let (seller, mp) = checked(caller, "MarketplaceId", marketplace_id)?;
        self.competition(&seller, mp, asin, &lower(condition))
            .await?
            .ok_or_else(|| unknown_asin(asin, mp))
    }

    /// getListingOffers: the offers of `condition` on the item of the caller's `sku`.
    pub async fn listing_offers(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        sku: &str,
        condition: &str,
    ) -> Result<Competition> {
        let (seller, mp) = checked(caller, "MarketplaceId", marketplace_id)?;
        let listing = self.world.get_listing(&seller, sku, mp.id).await?;
        let Some(l) = listing.filter(|l| !l.asin.is_empty()) else {
            return Err(Error::not_found().with_details(format!(
                "SKU {sku} is not listed with an ASIN in marketplace {}.",
                mp.id
            )));
        };
        let mut c = self
            .competition(&seller, mp, &l.asin, &lower(condition))
            .await?
            .ok_or_else(|| unknown_asin(&l.asin, mp))?;
        c.sku = Some(sku.to_string());
        Ok(c)
    }

    /// getItemOffersBatch (`by_sku` false) / getListingOffersBatch (true): each request on
    /// its own.
    pub async fn offers_batch(
        &self,
        caller: &Caller,
        asks: &[OffersAsk],
        by_sku: bool,
    ) -> Result<Vec<Result<Competition>>> {
        batch_size(asks.len(), MAX_BATCH)?;
        let (prefix, param) = if by_sku {
            ("/products/pricing/v0/listings/", "SellerSKU")
        } else {
            ("/products/pricing/v0/items/", "Asin")
        };
        let mut out = Vec::with_capacity(asks.len());
        for ask in asks {
            let id = ask
                .uri
                .strip_prefix(prefix)
                .and_then(|r| r.strip_suffix("/offers"))
                .filter(|id| !id.is_empty() && !id.contains('/'))
                .map(|id| percent_encoding::percent_decode_str(id).decode_utf8_lossy());
            let item = match id {
                None => Err(Error::invalid_parameter(
                    "uri",
                    format!("'{}' is not {prefix}{{{param}}}/offers.", ask.uri),
                )),
                Some(_) if !ask.method.eq_ignore_ascii_case("GET") => Err(
                    Error::invalid_parameter("method", "The method must be GET."),
                ),
                Some(id) if by_sku => {
                    self.listing_offers(caller, &ask.marketplace_id, &id, &ask.condition)
                        .await
                }
                Some(id) => {
                    self.item_offers(caller, &ask.marketplace_id, &id, &ask.condition)
                        .await
                }
            };
            match item {
                Err(e @ (Error::Store(_) | Error::Internal(_))) => return Err(e),
                other => out.push(other),
            }
        }
        Ok(out)
    }

    /// getPricing: the caller's own offers of each ASIN or SKU (`by_sku`), of `condition`
    /// when given; B2B asks find none (the world has no business prices).
    pub async fn own_prices(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        ids: &[String],
        by_sku: bool,
        condition: Option<&str>,
        business: bool,
    ) -> Result<Priced> {
        let (seller, mp) = checked(caller, "MarketplaceId", marketplace_id)?;
        ids_given(ids, by_sku)?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let (asin, docs) = if by_sku {
                match self.world.get_listing_doc(&seller, id, mp.id).await? {
                    Some(d) if !d.row.asin.is_empty() => (Some(d.row.asin.clone()), vec![d]),
                    _ => (None, vec![]),
                }
            } else if self.world.get_catalog_item(id).await?.is_some() {
                let docs = self
                    .world
                    .listings_of_asins(&seller, mp.id, std::slice::from_ref(id))
                    .await?;
                (Some(id.clone()), docs)
            } else {
                (None, vec![])
            };
            let own = docs
                .iter()
                .filter(|_| !business)
                .filter_map(|d| own_offer(d, mp))
                .filter(|o| condition.is_none_or(|c| c.eq_ignore_ascii_case(&o.condition)))
                .collect();
            items.push(PricedItem {
                status: if asin.is_some() {
                    "Success"
                } else {
                    "ClientError"
                },
                asin: if by_sku { asin } else { Some(id.clone()) },
                sku: by_sku.then(|| id.clone()),
                own,
                competitive: vec![],
                counts: vec![],
                sales_rankings: vec![],
            });
        }
        Ok(Priced {
            seller_id: seller,
            marketplace_id: mp.id,
            currency: mp.currency,
            items,
        })
    }

    /// getCompetitivePricing: the Buy Box prices (new, used), the offer counts and the sales
    /// ranks of each ASIN or SKU's item.
    pub async fn competitive_prices(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        ids: &[String],
        by_sku: bool,
    ) -> Result<Priced> {
        let (seller, mp) = checked(caller, "MarketplaceId", marketplace_id)?;
        ids_given(ids, by_sku)?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let asin = if by_sku {
                self.world
                    .get_listing(&seller, id, mp.id)
                    .await?
                    .map(|l| l.asin)
                    .filter(|a| !a.is_empty())
            } else {
                Some(id.clone())
            };
            let loaded = match &asin {
                Some(a) => self.load(a, mp).await?,
                None => None,
            };
            let mut item = PricedItem {
                status: "ClientError",
                asin: asin.clone(),
                sku: by_sku.then(|| id.clone()),
                own: vec![],
                competitive: vec![],
                counts: vec![],
                sales_rankings: vec![],
            };
            if let Some((catalog_item, docs)) = loaded {
                item.status = "Success";
                let now = self.clock.now_us();
                for (condition, price_id) in [("new", "1"), ("used", "2")] {
                    let c = competition_of(&seller, mp, &catalog_item, &docs, condition, now);
                    if let Some(p) = c
                        .buy_box
                        .iter()
                        .find(|p| p.condition == condition && p.seller_id.is_some())
                    {
                        item.competitive.push(CompetitivePrice {
                            id: price_id,
                            mine: p.seller_id.as_deref() == Some(seller.as_str()),
                            price: p.clone(),
                        });
                    }
                    if condition == "new" {
                        for cnt in &c.counts {
                            match item.counts.iter_mut().find(|(k, _)| *k == cnt.condition) {
                                Some(e) => e.1 += cnt.count,
                                None => item.counts.push((cnt.condition.clone(), cnt.count)),
                            }
                        }
                        item.sales_rankings = c.sales_rankings.clone();
                    }
                }
            }
            items.push(item);
        }
        Ok(Priced {
            seller_id: seller,
            marketplace_id: mp.id,
            currency: mp.currency,
            items,
        })
    }

    /// getFeaturedOfferExpectedPriceBatch: each request on its own; an SKU the seller does not
    /// have is the item's `NotFound` (`INVALID_SKU`).
    pub async fn featured_offer_expected_prices(
        &self,
        caller: &Caller,
        asks: &[FoepAsk],
    ) -> Result<Vec<Result<Foep>>> {
        batch_size(asks.len(), MAX_FOEP_BATCH)?;
        let mut out = Vec::with_capacity(asks.len());
        for ask in asks {
            let item = self.foep(caller, ask).await;
            match item {
                Err(e @ (Error::Store(_) | Error::Internal(_))) => return Err(e),
                other => out.push(other),
            }
        }
        Ok(out)
    }

    async fn foep(&self, caller: &Caller, ask: &FoepAsk) -> Result<Foep> {
        if ask.uri != "/products/pricing/2022-05-01/offer/featuredOfferExpectedPrice" {
            return Err(Error::invalid_parameter(
                "uri",
                "The uri must be /products/pricing/2022-05-01/offer/featuredOfferExpectedPrice.",
            ));
        }
        if !ask.method.eq_ignore_ascii_case("GET") {
            return Err(Error::invalid_parameter(
                "method",
                "The method must be GET.",
            ));
        }
        let (seller, mp) = checked(caller, "marketplaceId", &ask.marketplace_id)?;
        let Some(doc) = self.world.get_listing_doc(&seller, &ask.sku, mp.id).await? else {
            return Err(Error::not_found().with_details(INVALID_SKU_MESSAGE));
        };
        let afn = doc.row.fulfillment_channel == "AFN";
        let mut foep = Foep {
            asin: doc.row.asin.clone(),
            sku: ask.sku.clone(),
            marketplace_id: mp.id,
            currency: mp.currency,
            seller_id: seller.clone(),
            afn,
            result_status: "OFFER_NOT_FOUND",
            price: None,
            competing: None,
            current: None,
        };
        let loaded = if doc.row.asin.is_empty() {
            None
        } else {
            self.load(&doc.row.asin, mp).await?
        };
        let Some((item, docs)) = loaded else {
            return Ok(foep);
        };
        let condition = condition_prefix(&doc).to_string();
        let c = competition_of(&seller, mp, &item, &docs, &condition, self.clock.now_us());
        let featured = |o: &CompetingOffer| FeaturedOffer {
            seller_id: o.seller_id.clone(),
            afn: o.afn,
            condition: capitalized(&o.condition),
            listing: o.listing,
            shipping: o.shipping,
        };
        foep.current = c.offers.iter().find(|o| o.buy_box_winner).map(featured);
        let rival = c.offers.iter().find(|o| o.seller_id != seller);
        foep.competing = rival.map(featured);
        if money::parse(&doc.row.price, mp.currency).is_none() {
            return Ok(foep);
        }
        if doc.row.status != "BUYABLE" || doc.row.quantity <= 0 {
            foep.result_status = "OFFER_NOT_ELIGIBLE";
            return Ok(foep);
        }
        let Some(rival) = rival else {
            // The model's spelling (its sandbox says NO_COMPETING_OFFERS).
            foep.result_status = "NO_COMPETING_OFFER";
            return Ok(foep);
        };
        let shipping = offer_shipping_minor(afn, mp);
        // The Buy Box order: landed price, FBA first on a tie, then seller id.
        let wins_tie = (afn && !rival.afn) || (afn == rival.afn && seller < rival.seller_id);
        let price = rival.landed() - shipping - if wins_tie { 0 } else { 1 };
        if price <= 0 {
            foep.result_status = "OFFER_NOT_ELIGIBLE";
            return Ok(foep);
        }
        foep.result_status = "VALID_FOEP";
        foep.price = Some(price);
        Ok(foep)
    }

    /// getCompetitiveSummary: each request on its own; an ASIN the catalog does not have is
    /// the item's `NotFound` (`INVALID_ASIN`).
    pub async fn competitive_summaries(
        &self,
        caller: &Caller,
        asks: &[SummaryAsk],
    ) -> Result<Vec<Result<Summary>>> {
        batch_size(asks.len(), MAX_BATCH)?;
        let mut out = Vec::with_capacity(asks.len());
        for ask in asks {
            let item = self.summary(caller, ask).await;
            match item {
                Err(e @ (Error::Store(_) | Error::Internal(_))) => return Err(e),
                other => out.push(other),
            }
        }
        Ok(out)
    }

    async fn summary(&self, caller: &Caller, ask: &SummaryAsk) -> Result<Summary> {
        if ask.uri != "/products/pricing/2022-05-01/items/competitiveSummary" {
            return Err(Error::invalid_parameter(
                "uri",
                "The uri must be /products/pricing/2022-05-01/items/competitiveSummary.",
            ));
        }
        if !ask.method.eq_ignore_ascii_case("GET") {
            return Err(Error::invalid_parameter(
                "method",
                "The method must be GET.",
            ));
        }
        let (seller, mp) = checked(caller, "marketplaceId", &ask.marketplace_id)?;
        let Some((item, docs)) = self.load(&ask.asin, mp).await? else {
            return Err(
                Error::not_found().with_details(format!("{} is not a valid ASIN", ask.asin))
            );
        };
        let now = self.clock.now_us();
        let asked = |k: &str| ask.included.iter().any(|i| i == k);
        let new = competition_of(&seller, mp, &item, &docs, "new", now);
        let mut s = Summary {
            asin: item.asin.clone(),
            marketplace_id: mp.id,
            currency: mp.currency,
            featured: None,
            reference_prices: None,
            lowest: None,
            similar_items: asked("similarItems"),
        };
        if asked("featuredBuyingOptions") {
            s.featured = Some(
                new.offers
                    .iter()
                    .filter(|o| o.buy_box_winner)
                    .cloned()
                    .collect(),
            );
        }
        if asked("referencePrices") {
            // CompetitivePrice: the simulated external price ANY_OFFER_CHANGED carries as its
            // CompetitivePriceThreshold. No WasPrice: the world keeps no price history.
            s.reference_prices = Some(
                new.competitive_price
                    .map(|p| vec![("CompetitivePrice", p)])
                    .unwrap_or_default(),
            );
        }
        if asked("lowestPricedOffers") {
            let conditions = if ask.lowest_conditions.is_empty() {
                vec!["New".to_string()]
            } else {
                ask.lowest_conditions.clone()
            };
            let mut lowest = vec![];
            for c in conditions {
                let comp = competition_of(&seller, mp, &item, &docs, &lower(&c), now);
                lowest.push((c, comp.offers));
            }
            s.lowest = Some(lowest);
        }
        Ok(s)
    }

    /// Competition for one condition, `None` when the catalog has no such ASIN.
    async fn competition(
        &self,
        seller: &str,
        mp: &'static Marketplace,
        asin: &str,
        condition: &str,
    ) -> Result<Option<Competition>> {
        Ok(self.load(asin, mp).await?.map(|(item, docs)| {
            competition_of(seller, mp, &item, &docs, condition, self.clock.now_us())
        }))
    }

    /// The catalog item and every seller's listing of it in `mp`, as one snapshot.
    async fn load(
        &self,
        asin: &str,
        mp: &'static Marketplace,
    ) -> Result<Option<(CatalogItemRow, Vec<ListingDoc>)>> {
        // One transaction, so that the item and the listings are read at one instant; it
        // writes nothing and is rolled back.
        let mut tx = self.world.begin().await?;
        let Some(item) = tx.get_catalog_item(asin).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        let docs = tx.listings_of_asin(asin, mp.id).await?;
        tx.rollback().await?;
        Ok(Some((item, docs)))
    }
}

/// The seller and the marketplace of a call: known, and one the seller sells in.
fn checked(
    caller: &Caller,
    field: &str,
    marketplace_id: &str,
) -> Result<(String, &'static Marketplace)> {
    let seller = caller
        .selling_partner_id
        .clone()
        .ok_or_else(Error::forbidden)?;
    let ids = [marketplace_id.to_string()];
    check_known(field, &ids)?;
    check_participating(caller, &ids)?;
    let mp = marketplace(marketplace_id)
        .ok_or_else(|| Error::invalid_parameter(field, "unknown marketplace"))?;
    Ok((seller, mp))
}

fn batch_size(n: usize, max: usize) -> Result<()> {
    if n == 0 || n > max {
        return Err(Error::invalid_parameter(
            "requests",
            format!("A batch takes 1 to {max} requests; it had {n}."),
        ));
    }
    Ok(())
}

fn ids_given(ids: &[String], by_sku: bool) -> Result<()> {
    let field = if by_sku { "Skus" } else { "Asins" };
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(Error::invalid_parameter(
            field,
            format!("{field} must name 1 to {MAX_BATCH} items for this ItemType."),
        ));
    }
    Ok(())
}

fn unknown_asin(asin: &str, mp: &Marketplace) -> Error {
    Error::not_found().with_details(format!(
        "ASIN {asin} is not in the catalog of marketplace {}.",
        mp.id
    ))
}

fn lower(condition: &str) -> String {
    condition.to_ascii_lowercase()
}

/// `new` -> `New`.
pub fn capitalized(condition: &str) -> String {
    let mut c = condition.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// `very_good` -> `VeryGood`, `oem` -> `OEM`, `open_box` -> `OpenBox`: the sub-condition as
/// the 2022-05-01 API and getPricing spell it.
pub fn camel_sub_condition(sub: &str) -> String {
    if sub == "oem" {
        return "OEM".into();
    }
    sub.split('_').map(capitalized).collect()
}

/// A listing's condition as the pricing APIs group offers (`used_very_good` -> `used`;
/// generated listings are new).
fn condition_prefix(d: &ListingDoc) -> &str {
    d.condition_type
        .as_deref()
        .and_then(|c| c.split('_').next())
        .filter(|c| !c.is_empty())
        .unwrap_or("new")
}

/// The caller's offer of a listing: it has an ASIN and a price.
fn own_offer(d: &ListingDoc, mp: &'static Marketplace) -> Option<OwnOffer> {
    let price = money::parse(&d.row.price, mp.currency)?;
    if d.row.asin.is_empty() {
        return None;
    }
    let afn = d.row.fulfillment_channel == "AFN";
    let condition = condition_prefix(d);
    let sub = d
        .condition_type
        .as_deref()
        .and_then(|c| c.split_once('_'))
        .map(|(_, s)| s)
        .unwrap_or("new");
    Some(OwnOffer {
        sku: d.row.sku.clone(),
        condition: capitalized(condition),
        sub_condition: camel_sub_condition(sub),
        listing: price,
        shipping: offer_shipping_minor(afn, mp),
        afn,
    })
}

/// The competition of one condition, read from the ANY_OFFER_CHANGED computation over
/// `docs` (every seller's listing of the item in `mp`).
fn competition_of(
    seller: &str,
    mp: &'static Marketplace,
    item: &CatalogItemRow,
    docs: &[ListingDoc],
    condition: &str,
    at_us: i64,
) -> Competition {
    // The offer computation lists the offers of the condition of the listing that
    // "changed": any listing of the condition asked serves; without one, no offer of the
    // condition exists and only the summary is read.
    let placeholder = ListingRow {
        seller_id: String::new(),
        sku: String::new(),
        marketplace_id: mp.id.to_string(),
        asin: item.asin.clone(),
        fulfillment_channel: "MFN".into(),
        price: String::new(),
        currency: mp.currency.to_string(),
        quantity: 0,
        reserved: 0,
        status: String::new(),
        created_at_us: at_us,
        updated_at_us: at_us,
    };
    let changed = docs
        .iter()
        .find(|d| condition_prefix(d) == condition)
        .map(|d| &d.row)
        .unwrap_or(&placeholder);
    let built = OfferChange {
        asin: &item.asin,
        mp,
        docs,
        item: Some(item),
        changed,
        reference_price: None,
        at_us,
    }
    .build();
    let cur = mp.currency;
    let amount = |v: &Value| money::from_decimal(v["Amount"].as_f64().unwrap_or(0.0), cur);
    let arr = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let summary = &built["Summary"];
    let counts_of = |v: &Value| -> Vec<OfferCount> {
        arr(v)
            .iter()
            .map(|c| OfferCount {
                condition: text(&c["Condition"]),
                afn: c["FulfillmentChannel"] == "Amazon",
                count: c["OfferCount"].as_i64().unwrap_or(0),
            })
            .collect()
    };
    let counts = counts_of(&summary["NumberOfOffers"]);
    let listed_condition = built["OfferChangeTrigger"]["ItemCondition"] == condition;
    let offers: Vec<CompetingOffer> = if listed_condition {
        arr(&built["Offers"])
            .iter()
            .map(|o| CompetingOffer {
                seller_id: text(&o["SellerId"]),
                condition: condition.to_string(),
                sub_condition: text(&o["SubCondition"]),
                listing: amount(&o["ListingPrice"]),
                shipping: amount(&o["Shipping"]),
                afn: o["IsFulfilledByAmazon"].as_bool().unwrap_or(false),
                buy_box_winner: o["IsBuyBoxWinner"].as_bool().unwrap_or(false),
                mine: o["SellerId"] == seller,
                feedback_count: o["SellerFeedbackRating"]["FeedbackCount"]
                    .as_i64()
                    .unwrap_or(0),
                feedback_rating: o["SellerFeedbackRating"]["SellerPositiveFeedbackRating"]
                    .as_f64()
                    .unwrap_or(0.0),
                min_hours: o["ShippingTime"]["MinimumHours"].as_i64().unwrap_or(0),
                max_hours: o["ShippingTime"]["MaximumHours"].as_i64().unwrap_or(0),
                ships_from_country: text(&o["ShipsFrom"]["Country"]),
                ships_from_state: text(&o["ShipsFrom"]["State"]),
            })
            .collect()
    } else {
        vec![]
    };
    let winner = offers
        .iter()
        .find(|o| o.buy_box_winner)
        .map(|o| o.seller_id.clone());
    let point = |p: &Value, afn: Option<bool>| PricePoint {
        condition: text(&p["Condition"]),
        afn,
        listing: amount(&p["ListingPrice"]),
        shipping: amount(&p["Shipping"]),
        seller_id: None,
    };
    let lowest = arr(&summary["LowestPrices"])
        .iter()
        .map(|p| point(p, Some(p["FulfillmentChannel"] == "Amazon")))
        .collect();
    let buy_box = arr(&summary["BuyBoxPrices"])
        .iter()
        .map(|p| {
            let mut pp = point(p, None);
            if pp.condition == condition {
                pp.seller_id = winner.clone();
            }
            pp
        })
        .collect();
    let any = !counts.is_empty();
    Competition {
        asin: item.asin.clone(),
        sku: None,
        marketplace_id: mp.id,
        currency: cur,
        condition: condition.to_string(),
        eligible: counts_of(&summary["NumberOfBuyBoxEligibleOffers"]),
        counts,
        lowest,
        buy_box,
        list_price: any.then(|| amount(&summary["ListPrice"])),
        competitive_price: any.then(|| amount(&summary["CompetitivePriceThreshold"])),
        suggested_lower: (any && listed_condition)
            .then(|| amount(&summary["SuggestedLowerPricePlusShipping"])),
        sales_rankings: catalog::sales_rankings(item),
        offers,
        at_us,
    }
}

/// An HTTP `Date` (RFC 7231) of epoch microseconds: the header batch items echo.
pub fn http_date(us: i64) -> String {
    jiff::Timestamp::from_microsecond(us)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_are_spelled_as_each_api_spells_them() {
        assert_eq!(capitalized("new"), "New");
        assert_eq!(camel_sub_condition("very_good"), "VeryGood");
        assert_eq!(camel_sub_condition("oem"), "OEM");
        assert_eq!(camel_sub_condition("open_box"), "OpenBox");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
