//! Amazon Warehousing and Distribution (AWD 2024-05-09): bulk storage upstream of FBA.
//!
//! # One stock, two tiers
//!
//! AWD is a US program: its units are kept per seller and SKU (`awd_inventory`: on hand,
//! reserved by confirmed distribution orders, inbound from confirmed inbound orders, and
//! replenishing, i.e. on their way to FBA). Units leave AWD for FBA through replenishment and
//! outbound orders; on the way they are the FBA SKU's inbound units in the marketplace
//! ATVPDKIKX0DER (working once confirmed, shipped once they leave AWD, receiving once at the
//! fulfillment center) through `market::fba::stock::apply_in` with deltas, and end as an FBA
//! receipt (ledger `Receipts`, FBA_INVENTORY_AVAILABILITY_CHANGES, ANY_OFFER_CHANGED), where
//! buyer orders take them. A SKU sent to FBA must be an AFN listing of the seller in the US.
//!
//! # Inbound (`inbound`)
//!
//! `DRAFT` at creation (updatable, cancellable), `CONFIRMED` with one inbound shipment
//! (`CREATED`), `CLOSED` once its shipment is received, `CANCELLED`, or `EXPIRED` when a draft
//! is left unconfirmed for [`inbound::DRAFT_EXPIRES_AFTER`]. The shipment moves on the clock
//! once the seller gives its transport details (or the control plane ships it): `SHIPPED`,
//! `IN_TRANSIT`, `DELIVERED`, `RECEIVING`, `CLOSED`; at `CLOSED` its units are on hand.
//!
//! # Distribution (`distribution`)
//!
//! Outbound and replenishment orders are validated on the clock (`ELIGIBLE` / `INELIGIBLE`),
//! confirmed (`CONFIRMED`, units reserved; a replenishment with `confirmation: AUTO` confirms
//! itself), then `EXECUTING`, `INVENTORY_OUTBOUND` (the shipment leaves AWD) and `SUCCESS`
//! once FBA has received the units.

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::documents::Documents;
use crate::store::awd::InventoryRow;
use crate::store::{Store, StoreTx};
use jiff::Timestamp;
use serde_json::Value;
use spapi_model::awd_2024_05_09 as m;
use std::collections::BTreeMap;

pub mod distribution;
pub mod inbound;
pub mod labels;

/// The marketplace AWD serves and sends stock to.
pub const US: &str = "ATVPDKIKX0DER";
/// Every AWD job kind starts with this.
pub const JOB_PREFIX: &str = "awd.";

/// The AWD message Amazon puts in `details` of a 400.
pub const BAD_REQUEST_DETAILS: &str = "This exception is thrown when client inputs are invalid";

/// The world's AWD: the store, the clock and the documents its labels are served from.
#[derive(Clone)]
pub struct Awd {
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    pub(crate) docs: Documents,
}

impl Awd {
    /// The AWD of the world in `store`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Awd { store, clock, docs }
    }

    pub(crate) fn now_us(&self) -> i64 {
        self.clock.now().as_microsecond()
    }
}

/// The calling seller, who must sell in the US marketplace (AWD is a US program).
pub(crate) fn seller(caller: &Caller) -> Result<&str> {
    let id = caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)?;
    if !caller.marketplace_ids.iter().any(|m| m == US) {
        return Err(Error::Forbidden(format!(
            "Amazon Warehousing and Distribution is available to sellers of the US marketplace \
             ({US}) only."
        )));
    }
    Ok(id)
}

/// A new id: `prefix` and 10 upper-case alphanumerics (random).
pub(crate) fn new_id(prefix: &str) -> String {
    let u = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    format!("{prefix}{}", &u[..10])
}

pub(crate) fn iso(us: i64) -> String {
    crate::time::iso_millis(us)
}

pub(crate) fn parse_time(field: &str, v: Option<&str>) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => crate::time::parse_date_time(s)
            .map(|t| Some(t.as_microsecond()))
            .ok_or_else(|| {
                Error::invalid_parameter(
                    field,
                    format!(
                        "Invalid value: {s} passed for {field}. It must be an ISO 8601 date-time."
                    ),
                )
            }),
    }
}

/// `ASCENDING` / `DESCENDING` (validated by the operation table), with the default.
pub(crate) fn descending(v: Option<&str>, default_descending: bool) -> Result<bool> {
    match v {
        None => Ok(default_descending),
        Some("ASCENDING") => Ok(false),
        Some("DESCENDING") => Ok(true),
        Some(other) => Err(Error::invalid_parameter(
            "sortOrder",
            format!(
                "Invalid value: {other} passed for sort order. Possible values are: [ASCENDING, DESCENDING]"
            ),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Inventory.

/// Units on hand by expiration (`""`: none), earliest first.
pub(crate) type Lots = BTreeMap<String, i64>;

pub(crate) fn lots(row: &InventoryRow) -> Lots {
    serde_json::from_str(&row.expirations).unwrap_or_default()
}

pub(crate) async fn inventory(
    tx: &mut StoreTx,
    seller_id: &str,
    sku: &str,
    at_us: i64,
) -> Result<InventoryRow> {
    Ok(tx
        .get_awd_inventory(seller_id, sku)
        .await?
        .unwrap_or_else(|| InventoryRow {
            seller_id: seller_id.to_string(),
            sku: sku.to_string(),
            expirations: "{}".into(),
            updated_at_us: at_us,
            ..InventoryRow::default()
        }))
}

/// Changes a SKU's AWD units by deltas, refusing any bucket below 0 (an internal failure: the
/// callers check availability first).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct InventoryChange {
    pub onhand: i64,
    pub reserved: i64,
    pub inbound: i64,
    pub replenishing: i64,
}

pub(crate) async fn change_inventory(
    tx: &mut StoreTx,
    seller_id: &str,
    sku: &str,
    change: InventoryChange,
    received: &[(Option<String>, i64)],
    at_us: i64,
) -> Result<()> {
    let mut row = inventory(tx, seller_id, sku, at_us).await?;
    row.onhand += change.onhand;
    row.reserved += change.reserved;
    row.inbound += change.inbound;
    row.replenishing += change.replenishing;
    if row.onhand < 0 || row.reserved < 0 || row.inbound < 0 || row.replenishing < 0 {
        return Err(Error::internal(format!(
            "AWD inventory of {sku} would fall below 0: {row:?}"
        )));
    }
    let mut l = lots(&row);
    for (expiration, q) in received {
        *l.entry(expiration.clone().unwrap_or_default()).or_default() += q;
    }
    if change.onhand < 0 {
        // Units leave first-expired-first-out; units without an expiration last.
        let mut left = -change.onhand;
        let keys: Vec<String> = l
            .keys()
            .filter(|k| !k.is_empty())
            .cloned()
            .chain(std::iter::once(String::new()))
            .collect();
        for k in keys {
            if let Some(q) = l.get_mut(&k) {
                let take = (*q).min(left);
                *q -= take;
                left -= take;
            }
        }
    }
    l.retain(|_, q| *q > 0);
    row.expirations = serde_json::to_string(&l).map_err(Error::internal)?;
    row.updated_at_us = at_us;
    tx.put_awd_inventory(&row).await?;
    Ok(())
}

#[derive(serde::Serialize, serde::Deserialize)]
struct InventoryCursor {
    sku: Option<String>,
    desc: bool,
    details: bool,
    limit: u32,
    after: String,
}

/// The listInventory query.
#[derive(Debug, Clone, Default)]
pub struct InventoryQuery {
    /// One SKU.
    pub sku: Option<String>,
    /// `ASCENDING` (default) or `DESCENDING`, by SKU.
    pub sort_order: Option<String>,
    /// `SHOW` or `HIDE` (default).
    pub details: Option<String>,
    /// Page size (1-200, default 25).
    pub max_results: Option<i64>,
    /// The token of a previous page (it carries the search).
    pub next_token: Option<String>,
}

impl Awd {
    /// listInventory: the seller's AWD units per SKU.
    pub async fn list_inventory(
        &self,
        caller: &Caller,
        q: &InventoryQuery,
    ) -> Result<m::InventoryListing> {
        let seller_id = seller(caller)?;
        let cursor = match &q.next_token {
            Some(t) => paging_decode::<InventoryCursor>(t)?,
            None => InventoryCursor {
                sku: q.sku.clone(),
                desc: descending(q.sort_order.as_deref(), false)?,
                details: q.details.as_deref() == Some("SHOW"),
                limit: page_size(q.max_results, 200)?,
                after: String::new(),
            },
        };
        let after = (!cursor.after.is_empty()).then_some(cursor.after.as_str());
        let mut rows = self
            .store
            .list_awd_inventory(
                seller_id,
                cursor.sku.as_deref(),
                cursor.desc,
                after,
                cursor.limit + 1,
            )
            .await?;
        let more = rows.len() > cursor.limit as usize;
        rows.truncate(cursor.limit as usize);
        let next_token = match (more, rows.last()) {
            (true, Some(last)) => Some(crate::market::paging::encode_token(&InventoryCursor {
                after: last.sku.clone(),
                sku: cursor.sku.clone(),
                ..cursor
            })),
            _ => None,
        };
        let inventory = rows
            .iter()
            .map(|r| m::InventorySummary {
                sku: r.sku.clone(),
                total_onhand_quantity: Some(r.onhand),
                total_inbound_quantity: Some(r.inbound),
                inventory_details: cursor.details.then(|| m::InventoryDetails {
                    available_distributable_quantity: Some(r.onhand - r.reserved),
                    reserved_distributable_quantity: Some(r.reserved),
                    replenishment_quantity: Some(r.replenishing),
                }),
                expiration_details: cursor.details.then(|| {
                    lots(r)
                        .into_iter()
                        .filter(|(e, q)| !e.is_empty() && *q > 0)
                        .map(|(e, q)| m::ExpirationDetails {
                            expiration: Some(e),
                            onhand_quantity: Some(q),
                        })
                        .collect()
                }),
            })
            .collect();
        Ok(m::InventoryListing {
            inventory,
            next_token,
        })
    }
}

pub(crate) fn paging_decode<T: serde::de::DeserializeOwned>(token: &str) -> Result<T> {
    crate::market::paging::decode_token(token)
        .map_err(|_| Error::invalid_parameter("nextToken", crate::market::paging::UNDECODABLE))
}

pub(crate) fn page_size(v: Option<i64>, max: i64) -> Result<u32> {
    match v {
        None => Ok(25),
        Some(n) if (1..=max).contains(&n) => Ok(n as u32),
        Some(n) => Err(Error::invalid_parameter(
            "maxResults",
            format!("maxResults must be between 1 and {max}, not {n}."),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Jobs.

/// Runs an AWD job (`kind` starts with [`JOB_PREFIX`]).
pub async fn run_job(store: &Store, kind: &str, payload: &Value, at: Timestamp) -> Result<()> {
    let field = |k: &str| payload[k].as_str().unwrap_or_default().to_string();
    let at_us = at.as_microsecond();
    match kind {
        inbound::JOB_SHIPMENT => {
            inbound::advance_shipment(
                store,
                &field("sellerId"),
                &field("shipmentId"),
                &field("from"),
                at_us,
            )
            .await
        }
        inbound::JOB_EXPIRE => {
            inbound::expire(store, &field("sellerId"), &field("orderId"), at_us).await
        }
        inbound::JOB_LABELS => {
            inbound::generate_labels(store, &field("sellerId"), &field("shipmentId"), at_us).await
        }
        distribution::JOB_VALIDATE => {
            let version = payload["version"].as_i64().unwrap_or_default();
            distribution::validate(store, &field("sellerId"), &field("orderId"), version, at_us)
                .await
        }
        distribution::JOB_ADVANCE => {
            distribution::advance(
                store,
                &field("sellerId"),
                &field("orderId"),
                &field("from"),
                at_us,
            )
            .await
        }
        distribution::JOB_AUTO => {
            let check_at = payload["checkAt"].as_i64().unwrap_or_default();
            distribution::auto_check(store, &field("sellerId"), &field("sku"), check_at, at_us)
                .await
        }
        other => {
            tracing::warn!(kind = other, "unknown AWD job kind");
            Ok(())
        }
    }
}
