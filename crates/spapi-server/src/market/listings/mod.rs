//! Listings: put, patch and delete validated against product type schemas, and how a listing
//! change reaches the rest of the world.
//!
//! # Rules
//!
//! - A listing is the `listings` row orders and the buyer simulator use (price, quantity,
//!   channel, status) plus the submitted document (product type, condition, attributes,
//!   issues). A put or patch writes both, so the next buyer order sees the new price and stock.
//! - A submission is validated against the product type's schema for its requirements
//!   (`LISTING` by default on put; a patch is checked against `LISTING_OFFER_ONLY` plus the
//!   value rules of every attribute it leaves). Errors make it `INVALID` and change nothing;
//!   warnings are kept on the listing.
//! - The product: `merchant_suggested_asin` must be a catalog ASIN; else an external product
//!   id (EAN, UPC...) matching a catalog item attaches the listing to it; else the submission
//!   creates a product: the catalog item (a new ASIN) appears [`NEW_ASIN_AFTER`] later on the
//!   clock, and the listing has no ASIN and no status until then.
//! - Status: `DISCOVERABLE` once the listing has an ASIN; also `BUYABLE` when it has an offer
//!   (a price in `purchasable_offer`) and sellable units.
//! - Channel: `fulfillment_availability` with `DEFAULT` is merchant fulfilled (its quantity is
//!   the MFN stock); an `AMAZON_*` code is FBA (the quantity is the FBA fulfillable stock,
//!   which a listing submission does not set: 0 for a new FBA SKU).
//! - Events, in the same transaction: LISTINGS_ITEM_STATUS_CHANGE when the status set changes
//!   (`DELETED` on delete), LISTINGS_ITEM_ISSUES_CHANGE when the issue severities change,
//!   and the stock and offer events of [`crate::market::offers::listing_changed`] (MFN
//!   quantity, FBA availability, ANY_OFFER_CHANGED).
//!
//! The module is split by concern: `present` shows a listing as the Listings API does, `apply`
//! validates and applies a submission, `events` writes the notifications a change causes,
//! `product` creates the catalog item of a new product, and [`ListingsService`] answers the
//! Listings Items API's operations (`service`, `search`).

mod apply;
mod events;
mod present;
mod product;
mod search;
mod service;

pub use apply::{apply, submit};
pub use present::{api_status, effective_attributes, fn_sku, item_json};
pub use product::create_asin;
pub use service::{ListingsService, check_seller};

use super::marketplaces::Marketplace;
use super::product_types::Issue;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value};

/// Job kind: a submitted product becomes a catalog item.
pub const JOB_CREATE_ASIN: &str = "listings.create_asin";
/// How long Amazon takes to create a catalog item for a new product (simulated).
pub const NEW_ASIN_AFTER: SignedDuration = SignedDuration::from_mins(10);

/// Notification type of a listing status change.
pub const STATUS_CHANGE: &str = "LISTINGS_ITEM_STATUS_CHANGE";
/// Notification type of a listing issues change.
pub const ISSUES_CHANGE: &str = "LISTINGS_ITEM_ISSUES_CHANGE";
pub use super::offers::MFN_QUANTITY_CHANGE;

/// What a submission does.
#[derive(Debug, Clone)]
pub enum Change {
    /// Replace the listing (create it if new).
    Put {
        /// Product type.
        product_type: String,
        /// Requirements (default `LISTING`).
        requirements: Option<String>,
        /// Attributes.
        attributes: Map<String, Value>,
    },
    /// Change some attributes of an existing listing.
    Patch {
        /// Product type.
        product_type: String,
        /// `(op, path, value)`: op `add` / `replace` / `delete`, path `/attributes/NAME`.
        patches: Vec<(String, String, Option<Value>)>,
    },
    /// Delete the listing.
    Delete,
}

/// One listings submission: what the Listings API and a JSON_LISTINGS_FEED message carry.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The seller.
    pub seller_id: String,
    /// Seller SKU.
    pub sku: String,
    /// The one marketplace it applies to.
    pub marketplace_id: String,
    /// What to do.
    pub change: Change,
    /// `VALIDATION_PREVIEW`: validate only, change nothing.
    pub preview: bool,
}

/// The result of a submission.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// `ACCEPTED`, `INVALID` or (preview) `VALID`.
    pub status: &'static str,
    /// Issues found (errors make the status `INVALID`).
    pub issues: Vec<Issue>,
    /// The listing's ASIN when known.
    pub asin: Option<String>,
}

/// The FBA channel code of a marketplace (`AMAZON_NA`, `AMAZON_EU`, `AMAZON_JP`...).
pub fn fba_channel(mp: &Marketplace) -> String {
    match mp.country_code {
        "JP" => "AMAZON_JP".into(),
        "IN" => "AMAZON_IN".into(),
        "AU" => "AMAZON_AU".into(),
        _ => format!("AMAZON_{}", mp.region),
    }
}

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

use crate::time::iso_us as ts;
