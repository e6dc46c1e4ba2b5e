//! deliveryOffers: the delivery promise a seller can show on its own site for one product
//! sent to one destination, from the same fulfillable units and the same ship and arrival
//! dates getFulfillmentPreview and createFulfillmentOrder use.
//!
//! # Rules
//!
//! - The origin country picks the marketplace: the caller's marketplace in that country
//!   (400 naming `terms.origin.countryCode` when the seller sells in none).
//! - The destination needs a `deliveryAddress` or an `ipAddress`. spapi fulfills inside the
//!   origin country only: an address in another country gets no offer.
//! - The SKU must be the seller's FBA SKU there (400 otherwise, with Amazon's "the SellerSKU
//!   ... is invalid"); `amount` (Eaches, default 1) must be a whole number above 0. Fewer
//!   fulfillable units than the amount: no offer (an empty list).
//! - One offer, the Standard speed's promise: the arrival window of an order placed now up to
//!   one placed when the offer expires, [`OFFER_LIFETIME`] from now. The message is English
//!   (`en_US`), e.g. "Get it Tue, Jun 3 - Thu, Jun 5".

use super::{Fulfillment, promise, seller};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::MARKETPLACES;
use jiff::{SignedDuration, Timestamp};
use spapi_model::fulfillment_outbound_2020_07_01 as m;

/// How long a delivery offer holds.
pub const OFFER_LIFETIME: SignedDuration = SignedDuration::from_hours(1);

fn day(t: Timestamp) -> String {
    t.strftime("%a, %b %-d").to_string()
}

impl Fulfillment {
    /// deliveryOffers (see the module rules).
    pub async fn delivery_offers(
        &self,
        caller: &Caller,
        req: &m::GetDeliveryOffersRequest,
    ) -> Result<Vec<m::DeliveryOffer>> {
        let seller = seller(caller)?;
        let now = self.clock.now();
        let origin = req.terms.origin.country_code.to_uppercase();
        let mp = caller
            .marketplace_ids
            .iter()
            .filter_map(|id| MARKETPLACES.iter().find(|m| m.id == id))
            .find(|m| m.country_code == origin || (origin == "GB" && m.country_code == "UK"))
            .ok_or_else(|| {
                Error::invalid_parameter(
                    "terms.origin.countryCode",
                    format!("The seller does not sell in a marketplace of country {origin}."),
                )
            })?;
        let destination = &req.terms.destination;
        let address_country = match (&destination.delivery_address, &destination.ip_address) {
            (Some(a), _) => {
                if a.postal_code.trim().is_empty() || a.country_code.trim().is_empty() {
                    return Err(Error::invalid_input(
                        "The following required parameters are missing: [PostalCode, CountryCode]",
                    ));
                }
                Some(a.country_code.to_uppercase())
            }
            (None, Some(ip)) if !ip.trim().is_empty() => None,
            _ => {
                return Err(Error::invalid_parameter(
                    "terms.destination",
                    "A deliveryAddress or an ipAddress is required.",
                ));
            }
        };
        let amount = match &req.product.amount {
            None => 1,
            Some(a) => {
                let v: f64 = a.value.trim().parse().map_err(|_| {
                    Error::invalid_parameter("product.amount.value", "Not a number.")
                })?;
                if v < 1.0 || v.fract() != 0.0 || v > 1_000_000.0 {
                    return Err(Error::invalid_parameter(
                        "product.amount.value",
                        "The amount must be a whole number of units above 0.",
                    ));
                }
                v as i64
            }
        };
        let sku = &req.product.product_identifier.merchant_sku;
        let listing = self
            .store
            .get_listing(seller, sku, mp.id)
            .await?
            .filter(|l| l.fulfillment_channel == "AFN")
            .ok_or_else(|| Error::invalid_input(format!("the SellerSKU {sku} is invalid.")))?;
        let home = address_country
            .as_deref()
            .is_none_or(|c| c == mp.country_code || (c == "GB" && mp.country_code == "UK"));
        if !home || listing.quantity < amount {
            return Ok(vec![]);
        }
        let expires = now.checked_add(OFFER_LIFETIME).unwrap_or(now);
        let (_, earliest, _) = promise(now, &m::ShippingSpeedCategory::Standard);
        let (_, _, latest) = promise(expires, &m::ShippingSpeedCategory::Standard);
        let text = if day(earliest) == day(latest) {
            format!("Get it {}", day(earliest))
        } else {
            format!("Get it {} - {}", day(earliest), day(latest))
        };
        Ok(vec![m::DeliveryOffer {
            expires_at: Some(crate::time::iso(expires)),
            date_range: Some(m::DateRange {
                earliest: crate::time::iso(earliest),
                latest: crate::time::iso(latest),
            }),
            policy: Some(m::DeliveryPolicy {
                message: Some(m::DeliveryMessage {
                    text: Some(text),
                    locale: Some("en_US".into()),
                }),
            }),
        }])
    }
}
