//! FBA inventory: the stock of a seller's SKU at Amazon, its movements and its ledger.
//!
//! # The stock model
//!
//! One stock per (seller, SKU, marketplace), the grain of the world's AFN listing rows:
//! fulfillable units are the listing's `quantity` and units held by pending customer orders its
//! `reserved` (orders, feeds and the Listings Items API keep writing them there); the other
//! buckets of FBA Inventory v1 live beside it (`store::fba`): inbound working / shipped /
//! receiving, researching (each lot with the time it went missing, for the 1-10 / 11-20 / 21+
//! day breakdown) and unfulfillable by disposition. spapi does not pool stock across the
//! marketplaces of a region (Amazon's region pools): each marketplace's listing has its own
//! units, as everywhere else in the world.
//!
//! `totalQuantity` is the sum of every bucket: fulfillable + reserved + researching +
//! unfulfillable + the three inbound ones ("units in an inbound shipment or in Amazon
//! fulfillment centers"). No bucket is ever negative.
//!
//! # The ledger
//!
//! Every movement of units on hand is a ledger entry (date, FNSKU, SKU, event type, signed
//! quantity, reference id, fulfillment center, disposition, reason), written in the
//! transaction of the movement. Per disposition the entries sum to the units on hand in it:
//! `SELLABLE` to fulfillable + reserved (reserved units are still on the shelf), each damaged
//! disposition to its unfulfillable bucket. Reservations and releases move no unit, so they
//! are no entry; inbound units are not on hand until received.
//!
//! Movements caused elsewhere (orders shipping, feeds, the Listings Items API) pass through
//! `market::offers::listing_changed`, which calls [`stock::follow_listing`]: what the listing
//! row's units and the ledger disagree by becomes an entry (a shipment when reserved units
//! left, a receipt when units came, an adjustment otherwise). Stock that existed before the
//! ledger (generated worlds) gets an opening `Receipts` entry the first time it moves.

pub mod sandbox;
pub mod stock;
pub mod summaries;

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::Result;
use crate::store::Store;
use spapi_model::fba_inventory_v1 as m;

/// The FBA inventory of the world, as the FBA Inventory API sees it: the store and the clock
/// its operations read and write.
#[derive(Clone)]
pub struct Inventory {
    store: Store,
    clock: Clock,
}

impl Inventory {
    /// The FBA inventory of the world in `store`, on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Inventory { store, clock }
    }

    /// getInventorySummaries ([`summaries::summaries`]).
    pub async fn summaries(
        &self,
        caller: &Caller,
        params: &summaries::Params,
    ) -> Result<summaries::Page> {
        summaries::summaries(&self.store, caller, params, self.clock.now()).await
    }

    /// createInventoryItem ([`sandbox::create_item`]).
    pub async fn create_item(
        &self,
        caller: &Caller,
        body: &m::CreateInventoryItemRequest,
    ) -> Result<()> {
        sandbox::create_item(&self.store, caller, body, self.now_us()).await
    }

    /// addInventory ([`sandbox::add_inventory`]).
    pub async fn add_inventory(
        &self,
        caller: &Caller,
        idempotency_token: &str,
        body: &m::AddInventoryRequest,
    ) -> Result<()> {
        sandbox::add_inventory(&self.store, caller, idempotency_token, body, self.now_us()).await
    }

    /// deleteInventoryItem ([`sandbox::delete_item`]).
    pub async fn delete_item(
        &self,
        caller: &Caller,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<()> {
        sandbox::delete_item(&self.store, caller, sku, marketplace_id, self.now_us()).await
    }

    fn now_us(&self) -> i64 {
        self.clock.now().as_microsecond()
    }
}
