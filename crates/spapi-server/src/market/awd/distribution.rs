//! AWD distribution orders: outbound orders and replenishment orders, which move units out
//! of AWD and into the seller's FBA stock (see the module rules in [`super`]).

use super::inbound::{Lot, check_sku, package_units, product_units, warehouse};
use super::{Awd, InventoryChange, US, change_inventory, iso, new_id, seller};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::fba::stock::{Movement, apply_in};
use crate::store::awd::{AutoRule, DocQuery, DocRow, DocTable};
use crate::store::{Store, StoreTx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use spapi_model::awd_2024_05_09 as m;
use std::collections::BTreeMap;

/// Job: validate an order (`version`: the order's version it validates).
pub const JOB_VALIDATE: &str = "awd.validate";
/// Job: move a confirmed order one step on (`from`: its stage).
pub const JOB_ADVANCE: &str = "awd.distribute";
/// Job: the auto-replenishment check of a SKU.
pub const JOB_AUTO: &str = "awd.auto_replenish";

const MINUTE_US: i64 = 60_000_000;
const HOUR_US: i64 = 60 * MINUTE_US;
const DAY_US: i64 = 24 * HOUR_US;
/// Validation takes this long.
pub const VALIDATION_AFTER_US: i64 = MINUTE_US;
/// Stages after confirmation: (from, to, how long `from` lasts).
const STAGES: &[(&str, &str, i64)] = &[
    ("CONFIRMED", "EXECUTING", 30 * MINUTE_US),
    ("EXECUTING", "INVENTORY_OUTBOUND", 2 * HOUR_US),
    ("INVENTORY_OUTBOUND", "RECEIVING", 2 * DAY_US),
    ("RECEIVING", "SUCCESS", DAY_US),
];
/// How often an auto-replenishment rule is checked.
pub const AUTO_CHECK_EVERY_US: i64 = HOUR_US;
/// Code of a line whose SKU is no FBA (AFN) listing of the seller in the US.
pub const NOT_FBA: &str = "INVALID_MSKU";
/// Code of a line AWD does not hold enough units for.
pub const INSUFFICIENT: &str = "INSUFFICIENT_INVENTORY";

/// The two kinds of distribution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// createOutbound.
    Outbound,
    /// createReplenishmentOrder.
    Replenishment,
}

impl Kind {
    fn group(self) -> &'static str {
        match self {
            Kind::Outbound => "OUTBOUND",
            Kind::Replenishment => "REPLENISHMENT",
        }
    }
    fn what(self) -> &'static str {
        match self {
            Kind::Outbound => "outbound order",
            Kind::Replenishment => "replenishment order",
        }
    }
}

/// Units of one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Line {
    sku: String,
    quantity: i64,
}

/// Why a SKU cannot go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Problem {
    sku: String,
    code: String,
    reason: String,
}

/// The order's shipment from AWD to FBA.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Shipment {
    id: String,
    status: String,
    created_us: i64,
    updated_us: i64,
}

/// A distribution order as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Dist {
    kind: Kind,
    order_id: String,
    status: String,
    created_us: i64,
    updated_us: i64,
    confirmed_us: Option<i64>,
    /// Bumped by every update: a validation of an older version does nothing.
    version: i64,
    auto_confirm: bool,
    products: Option<Vec<m::ProductQuantity>>,
    packages: Option<Vec<m::DistributionPackageQuantity>>,
    preferences: Option<Vec<m::OrderAttribute>>,
    lines: Vec<Line>,
    eligible: Vec<Line>,
    problems: Vec<Problem>,
    reserved: Vec<Line>,
    shipped: Vec<Line>,
    shipment: Option<Shipment>,
}

fn not_found(kind: Kind, id: &str) -> Error {
    Error::not_found().with_details(format!("The {} {id} was not found.", kind.what()))
}

fn lines_of(lots: &[Lot]) -> Vec<Line> {
    let mut by: BTreeMap<&str, i64> = BTreeMap::new();
    for l in lots {
        *by.entry(&l.sku).or_insert(0) += l.quantity;
    }
    by.into_iter()
        .map(|(sku, quantity)| Line {
            sku: sku.to_string(),
            quantity,
        })
        .collect()
}

fn outbound_lines(
    products: Option<&[m::ProductQuantity]>,
    packages: Option<&[m::DistributionPackageQuantity]>,
) -> Result<Vec<Line>> {
    let mut lots = vec![];
    for (i, p) in products.unwrap_or_default().iter().enumerate() {
        product_units(&format!("productsToOutbound[{i}]"), p, 1, &mut lots)?;
    }
    package_units(
        "packagesToOutbound",
        packages.unwrap_or_default(),
        1,
        0,
        &mut lots,
    )?;
    if lots.is_empty() {
        return Err(Error::invalid_input(
            "An outbound order needs productsToOutbound or packagesToOutbound.",
        ));
    }
    Ok(lines_of(&lots))
}

fn check_preferences(p: Option<&[m::OrderAttribute]>) -> Result<bool> {
    let mut partial = false;
    for (i, a) in p.unwrap_or_default().iter().enumerate() {
        if matches!(a.order_preference, m::OrderPreference::Unknown(_)) {
            return Err(Error::invalid_parameter(
                &format!("orderPreferences[{i}].orderPreference"),
                format!(
                    "Invalid value (`{}`) passed for `OrderPreference`. Valid values are: `PARTIAL_ORDER`",
                    a.order_preference
                ),
            ));
        }
        match &a.order_preference_value {
            m::OrderPreferenceValue::Set => partial = true,
            m::OrderPreferenceValue::Unset => partial = false,
            other => {
                return Err(Error::invalid_parameter(
                    &format!("orderPreferences[{i}].orderPreferenceValue"),
                    format!(
                        "Invalid value (`{other}`) passed for `OrderPreferenceValue`. Valid values are: `SET`, `UNSET`"
                    ),
                ));
            }
        }
    }
    Ok(partial)
}

fn partial(d: &Dist) -> bool {
    check_preferences(d.preferences.as_deref()).unwrap_or(false)
}

fn decode(r: &DocRow) -> Result<Dist> {
    serde_json::from_str(&r.doc).map_err(Error::internal)
}

async fn load(tx: &mut StoreTx, kind: Kind, seller_id: &str, id: &str) -> Result<(DocRow, Dist)> {
    let r = tx
        .get_awd(DocTable::Orders, seller_id, id)
        .await?
        .filter(|r| r.group == kind.group())
        .ok_or_else(|| not_found(kind, id))?;
    let d = decode(&r)?;
    Ok((r, d))
}

async fn save(tx: &mut StoreTx, r: &mut DocRow, d: &mut Dist, at_us: i64) -> Result<()> {
    d.updated_us = at_us;
    r.status = d.status.clone();
    r.updated_at_us = at_us;
    r.doc = serde_json::to_string(d).map_err(Error::internal)?;
    tx.update_awd(DocTable::Orders, r).await?;
    Ok(())
}

async fn insert(tx: &mut StoreTx, seller_id: &str, d: &Dist) -> Result<()> {
    tx.insert_awd(
        DocTable::Orders,
        &DocRow {
            seller_id: seller_id.to_string(),
            id: d.order_id.clone(),
            group: d.kind.group().into(),
            status: d.status.clone(),
            created_at_us: d.created_us,
            updated_at_us: d.updated_us,
            doc: serde_json::to_string(d).map_err(Error::internal)?,
        },
    )
    .await?;
    Ok(())
}

async fn schedule_validation(
    tx: &mut StoreTx,
    seller_id: &str,
    d: &Dist,
    at_us: i64,
) -> Result<()> {
    tx.enqueue_job(
        JOB_VALIDATE,
        at_us + VALIDATION_AFTER_US,
        &json!({"sellerId": seller_id, "orderId": d.order_id, "version": d.version}),
    )
    .await?;
    Ok(())
}

/// The stage a confirmed order is in: its status, or RECEIVING once its shipment is being
/// received at FBA.
fn stage(d: &Dist) -> String {
    match &d.shipment {
        Some(s) if d.status == "INVENTORY_OUTBOUND" && s.status == "RECEIVING" => {
            "RECEIVING".into()
        }
        _ => d.status.clone(),
    }
}

async fn schedule_stage(tx: &mut StoreTx, seller_id: &str, d: &Dist, at_us: i64) -> Result<()> {
    let from = stage(d);
    if let Some((_, _, after)) = STAGES.iter().find(|(f, _, _)| *f == from) {
        tx.enqueue_job(
            JOB_ADVANCE,
            at_us + after,
            &json!({"sellerId": seller_id, "orderId": d.order_id, "from": from}),
        )
        .await?;
    }
    Ok(())
}

/// Validates the lines: each SKU must be an AFN listing of the seller in the US with enough
/// available units in AWD.
async fn check_lines(tx: &mut StoreTx, seller_id: &str, d: &mut Dist, at_us: i64) -> Result<()> {
    d.eligible.clear();
    d.problems.clear();
    for l in &d.lines {
        let listing = tx.get_listing(seller_id, &l.sku, US).await?;
        let inv = super::inventory(tx, seller_id, &l.sku, at_us).await?;
        let available = inv.onhand - inv.reserved;
        if listing.is_none_or(|x| x.fulfillment_channel != "AFN") {
            d.problems.push(Problem {
                sku: l.sku.clone(),
                code: NOT_FBA.into(),
                reason: format!(
                    "The MSKU {} is not an FBA listing of the seller in the US marketplace.",
                    l.sku
                ),
            });
        } else if available < l.quantity {
            d.problems.push(Problem {
                sku: l.sku.clone(),
                code: INSUFFICIENT.into(),
                reason: format!(
                    "AWD holds {available} available units of {}, fewer than the {} asked for.",
                    l.sku, l.quantity
                ),
            });
        } else {
            d.eligible.push(l.clone());
        }
    }
    let ok = d.problems.is_empty() || (partial(d) && !d.eligible.is_empty());
    d.status = if ok { "ELIGIBLE" } else { "INELIGIBLE" }.into();
    Ok(())
}

/// Confirms an ELIGIBLE order in the caller's transaction: the units are reserved in AWD and
/// become inbound (working) units of the FBA SKU.
async fn confirm_in(
    tx: &mut StoreTx,
    seller_id: &str,
    r: &mut DocRow,
    d: &mut Dist,
    at_us: i64,
) -> Result<()> {
    if d.status != "ELIGIBLE" {
        return Err(Error::conflict(format!(
            "The {} {} is {}; only an ELIGIBLE order can be confirmed.",
            d.kind.what(),
            d.order_id,
            d.status
        )));
    }
    // Every line is checked before anything moves: a refusal leaves nothing half-applied.
    for l in &d.eligible {
        let inv = super::inventory(tx, seller_id, &l.sku, at_us).await?;
        if inv.onhand - inv.reserved < l.quantity {
            return Err(Error::invalid_input(format!(
                "AWD holds {} available units of {} now, fewer than the {} of the order.",
                inv.onhand - inv.reserved,
                l.sku,
                l.quantity
            )));
        }
        let afn = tx
            .get_listing(seller_id, &l.sku, US)
            .await?
            .is_some_and(|x| x.fulfillment_channel == "AFN");
        if !afn {
            return Err(Error::invalid_input(format!(
                "The MSKU {} is no longer an FBA listing of the seller in the US marketplace.",
                l.sku
            )));
        }
    }
    for l in &d.eligible {
        let change = InventoryChange {
            reserved: l.quantity,
            ..Default::default()
        };
        change_inventory(tx, seller_id, &l.sku, change, &[], at_us).await?;
        let working = Movement::InboundChange {
            working: l.quantity,
            shipped: 0,
            receiving: 0,
        };
        apply_in(tx, seller_id, &l.sku, US, &working, at_us).await?;
    }
    d.reserved = d.eligible.clone();
    d.status = "CONFIRMED".into();
    d.confirmed_us = Some(at_us);
    save(tx, r, d, at_us).await?;
    schedule_stage(tx, seller_id, d, at_us).await
}

#[derive(Serialize, Deserialize)]
struct ListCursor {
    from: Option<i64>,
    to: Option<i64>,
    desc: bool,
    limit: u32,
    after: Option<(i64, String)>,
}

/// The query of listOutbounds and listReplenishmentOrders.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    /// Updated at or after.
    pub updated_after: Option<String>,
    /// Updated at or before.
    pub updated_before: Option<String>,
    /// `ASCENDING` or `DESCENDING` (default), by update time.
    pub sort_order: Option<String>,
    /// Page size (1-100, default 25).
    pub max_results: Option<i64>,
    /// The token of a previous page (it carries the search).
    pub next_token: Option<String>,
}

fn product(l: &Line) -> m::DistributionProduct {
    m::DistributionProduct {
        attributes: None,
        quantity: l.quantity,
        sku: l.sku.clone(),
    }
}

fn product_quantity(l: &Line) -> m::ProductQuantity {
    m::ProductQuantity {
        quantity: l.quantity,
        sku: l.sku.clone(),
        ..Default::default()
    }
}

fn fba_center() -> m::Address {
    m::Address {
        name: format!(
            "Amazon.com Services {}",
            crate::market::fba::stock::fulfillment_center(US, "awd")
        ),
        address_line1: "1 Fulfillment Center Way".into(),
        city: Some("Shepherdsville".into()),
        state_or_region: "KY".into(),
        postal_code: Some("40165".into()),
        country_code: "US".into(),
        ..Default::default()
    }
}

fn shipment_status(s: &Shipment) -> m::OutboundShipmentStatus {
    m::OutboundShipmentStatus::from_wire(&s.status)
}

fn render_outbound(d: &Dist) -> m::OutboundOrder {
    let eligible_done = !matches!(d.status.as_str(), "DRAFT" | "VALIDATING" | "INELIGIBLE");
    m::OutboundOrder {
        confirmed_on: d.confirmed_us.map(iso),
        created_at: Some(iso(d.created_us)),
        eligible_packages_to_outbound: (eligible_done && d.problems.is_empty())
            .then(|| d.packages.clone())
            .flatten(),
        eligible_products_to_outbound: eligible_done
            .then(|| d.eligible.iter().map(product_quantity).collect()),
        execution_errors: (!d.problems.is_empty()).then(|| {
            d.problems
                .iter()
                .map(|p| m::OutboundExecutionError {
                    failure_code: p.code.clone(),
                    failure_reasons: vec![p.reason.clone()],
                    sku: Some(p.sku.clone()),
                })
                .collect()
        }),
        order_id: d.order_id.clone(),
        order_preferences: d.preferences.clone(),
        order_status: m::OutboundStatus::from_wire(&d.status),
        outbound_shipments: d
            .shipment
            .iter()
            .map(|s| m::OutboundShipment {
                created_at: Some(iso(s.created_us)),
                destination_address: fba_center(),
                order_id: d.order_id.clone(),
                origin_address: warehouse("us-east"),
                shipment_package_quantities: d.packages.clone(),
                shipment_id: s.id.clone(),
                shipment_product_quantities: Some(d.shipped.iter().map(product_quantity).collect()),
                shipment_status: shipment_status(s),
                updated_at: Some(iso(s.updated_us)),
            })
            .collect(),
        packages_to_outbound: d.packages.clone(),
        products_to_outbound: d.products.clone(),
        shipped_outbound_packages: (d.status == "SUCCESS")
            .then(|| d.packages.clone())
            .flatten(),
        shipped_outbound_products: (!d.shipped.is_empty())
            .then(|| d.shipped.iter().map(product_quantity).collect()),
        updated_at: Some(iso(d.updated_us)),
    }
}

fn render_replenishment(d: &Dist) -> m::ReplenishmentOrder {
    let validated = !matches!(d.status.as_str(), "CREATED" | "VALIDATING");
    m::ReplenishmentOrder {
        confirmed_on: d.confirmed_us.map(iso),
        created_at: Some(iso(d.created_us)),
        distribution_ineligible_reasons: (!d.problems.is_empty()).then(|| {
            d.problems
                .iter()
                .map(|p| m::DistributionIneligibleReason {
                    failure_code: p.code.clone(),
                    failure_reasons: vec![p.reason.clone()],
                    sku: Some(p.sku.clone()),
                })
                .collect()
        }),
        eligible_products: validated.then(|| d.eligible.iter().map(product).collect()),
        order_id: d.order_id.clone(),
        status: m::ReplenishmentOrderStatus::from_wire(&d.status),
        outbound_shipments: d
            .shipment
            .iter()
            .map(|s| m::OutboundShipmentSummary {
                created_at: Some(iso(s.created_us)),
                order_id: d.order_id.clone(),
                shipment_id: s.id.clone(),
                shipment_status: shipment_status(s),
                updated_at: Some(iso(s.updated_us)),
            })
            .collect(),
        products: Some(d.lines.iter().map(product).collect()),
        shipped_products: (!d.shipped.is_empty()).then(|| d.shipped.iter().map(product).collect()),
        updated_at: Some(iso(d.updated_us)),
    }
}

fn new_dist(kind: Kind, at_us: i64, lines: Vec<Line>) -> Dist {
    Dist {
        kind,
        order_id: new_id(match kind {
            Kind::Outbound => "AWDOB",
            Kind::Replenishment => "AWDRO",
        }),
        status: match kind {
            Kind::Outbound => "DRAFT",
            Kind::Replenishment => "CREATED",
        }
        .into(),
        created_us: at_us,
        updated_us: at_us,
        confirmed_us: None,
        version: 1,
        auto_confirm: false,
        products: None,
        packages: None,
        preferences: None,
        lines,
        eligible: vec![],
        problems: vec![],
        reserved: vec![],
        shipped: vec![],
        shipment: None,
    }
}

impl Awd {
    async fn list_dist(
        &self,
        caller: &Caller,
        kind: Kind,
        q: &OrderQuery,
    ) -> Result<(Vec<Dist>, Option<String>)> {
        let seller_id = seller(caller)?;
        let c = match &q.next_token {
            Some(t) => super::paging_decode::<ListCursor>(t)?,
            None => ListCursor {
                from: super::parse_time("updatedAfter", q.updated_after.as_deref())?,
                to: super::parse_time("updatedBefore", q.updated_before.as_deref())?,
                desc: super::descending(q.sort_order.as_deref(), true)?,
                limit: super::page_size(q.max_results, 100)?,
                after: None,
            },
        };
        let mut rows = self
            .store
            .list_awd(
                DocTable::Orders,
                seller_id,
                &DocQuery {
                    group: Some(kind.group()),
                    status: None,
                    updated_from: c.from,
                    updated_to: c.to,
                    by_created: false,
                    descending: c.desc,
                    after: c.after.as_ref().map(|(t, id)| (*t, id.as_str())),
                    limit: c.limit + 1,
                },
            )
            .await?;
        let more = rows.len() > c.limit as usize;
        rows.truncate(c.limit as usize);
        let next = match (more, rows.last()) {
            (true, Some(last)) => Some(crate::market::paging::encode_token(&ListCursor {
                after: Some((last.updated_at_us, last.id.clone())),
                ..c
            })),
            _ => None,
        };
        let orders = rows.iter().map(decode).collect::<Result<Vec<_>>>()?;
        Ok((orders, next))
    }

    async fn get_dist(&self, caller: &Caller, kind: Kind, id: &str) -> Result<Dist> {
        let seller_id = seller(caller)?;
        let r = self
            .store
            .get_awd(DocTable::Orders, seller_id, id)
            .await?
            .filter(|r| r.group == kind.group())
            .ok_or_else(|| not_found(kind, id))?;
        decode(&r)
    }

    async fn confirm_dist(&self, caller: &Caller, kind: Kind, id: &str) -> Result<()> {
        let seller_id = seller(caller)?;
        let now = self.now_us();
        let mut tx = self.store.begin().await?;
        let (mut r, mut d) = load(&mut tx, kind, seller_id, id).await?;
        confirm_in(&mut tx, seller_id, &mut r, &mut d, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// createOutbound: a DRAFT outbound order, validated on the clock.
    pub async fn create_outbound(
        &self,
        caller: &Caller,
        body: &m::OutboundOrderCreationData,
    ) -> Result<String> {
        let seller_id = seller(caller)?;
        check_preferences(body.order_preferences.as_deref())?;
        let lines = outbound_lines(
            body.products_to_outbound.as_deref(),
            body.packages_to_outbound.as_deref(),
        )?;
        let now = self.now_us();
        let mut d = new_dist(Kind::Outbound, now, lines);
        d.products = body.products_to_outbound.clone();
        d.packages = body.packages_to_outbound.clone();
        d.preferences = body.order_preferences.clone();
        let mut tx = self.store.begin().await?;
        insert(&mut tx, seller_id, &d).await?;
        schedule_validation(&mut tx, seller_id, &d, now).await?;
        tx.commit().await?;
        Ok(d.order_id)
    }

    /// getOutbound.
    pub async fn get_outbound(&self, caller: &Caller, id: &str) -> Result<m::OutboundOrder> {
        Ok(render_outbound(
            &self.get_dist(caller, Kind::Outbound, id).await?,
        ))
    }

    /// listOutbounds.
    pub async fn list_outbounds(
        &self,
        caller: &Caller,
        q: &OrderQuery,
    ) -> Result<m::OutboundListing> {
        let (orders, next_token) = self.list_dist(caller, Kind::Outbound, q).await?;
        Ok(m::OutboundListing {
            next_token,
            outbound_orders: Some(orders.iter().map(render_outbound).collect()),
        })
    }

    /// updateOutbound: the products, packages and preferences of an order not confirmed yet
    /// (DRAFT, ELIGIBLE or INELIGIBLE); validation starts again.
    pub async fn update_outbound(
        &self,
        caller: &Caller,
        id: &str,
        body: &m::OutboundOrder,
    ) -> Result<String> {
        let seller_id = seller(caller)?;
        if body.order_id != id {
            return Err(Error::invalid_parameter(
                "orderId",
                format!(
                    "The orderId of the body ({}) is not the orderId of the path ({id}).",
                    body.order_id
                ),
            ));
        }
        check_preferences(body.order_preferences.as_deref())?;
        let lines = outbound_lines(
            body.products_to_outbound.as_deref(),
            body.packages_to_outbound.as_deref(),
        )?;
        let now = self.now_us();
        let mut tx = self.store.begin().await?;
        let (mut r, mut d) = load(&mut tx, Kind::Outbound, seller_id, id).await?;
        if !matches!(
            d.status.as_str(),
            "DRAFT" | "ELIGIBLE" | "INELIGIBLE" | "VALIDATING"
        ) {
            return Err(Error::conflict(format!(
                "The outbound order {id} is {} and can no longer be updated.",
                d.status
            )));
        }
        d.products = body.products_to_outbound.clone();
        d.packages = body.packages_to_outbound.clone();
        d.preferences = body.order_preferences.clone();
        d.lines = lines;
        d.eligible.clear();
        d.problems.clear();
        d.version += 1;
        d.status = "VALIDATING".into();
        save(&mut tx, &mut r, &mut d, now).await?;
        schedule_validation(&mut tx, seller_id, &d, now).await?;
        tx.commit().await?;
        Ok(id.to_string())
    }

    /// confirmOutbound: an ELIGIBLE order starts.
    pub async fn confirm_outbound(&self, caller: &Caller, id: &str) -> Result<()> {
        self.confirm_dist(caller, Kind::Outbound, id).await
    }

    /// createReplenishmentOrder: CREATED, validated on the clock; with `confirmation: AUTO`
    /// it confirms itself once ELIGIBLE.
    pub async fn create_replenishment(
        &self,
        caller: &Caller,
        body: &m::ReplenishmentOrderCreationData,
    ) -> Result<String> {
        let seller_id = seller(caller)?;
        let products = body.products.as_deref().unwrap_or_default();
        if products.is_empty() {
            return Err(Error::invalid_parameter(
                "products",
                "products must not be empty.",
            ));
        }
        let mut lots = vec![];
        for (i, p) in products.iter().enumerate() {
            check_sku(&format!("products[{i}].sku"), &p.sku)?;
            product_units(
                &format!("products[{i}]"),
                &m::ProductQuantity {
                    quantity: p.quantity,
                    sku: p.sku.clone(),
                    ..Default::default()
                },
                1,
                &mut lots,
            )?;
        }
        let auto = match body
            .preferences
            .as_ref()
            .and_then(|p| p.confirmation.as_ref())
        {
            None | Some(m::ConfirmationMode::Manual) => false,
            Some(m::ConfirmationMode::Auto) => true,
            Some(other) => {
                return Err(Error::invalid_parameter(
                    "preferences.confirmation",
                    format!(
                        "Invalid value (`{other}`) passed for `ConfirmationMode`. Valid values are: `AUTO`, `MANUAL`"
                    ),
                ));
            }
        };
        let now = self.now_us();
        let mut d = new_dist(Kind::Replenishment, now, lines_of(&lots));
        d.auto_confirm = auto;
        let mut tx = self.store.begin().await?;
        insert(&mut tx, seller_id, &d).await?;
        schedule_validation(&mut tx, seller_id, &d, now).await?;
        tx.commit().await?;
        Ok(d.order_id)
    }

    /// getReplenishmentOrder.
    pub async fn get_replenishment(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<m::ReplenishmentOrder> {
        Ok(render_replenishment(
            &self.get_dist(caller, Kind::Replenishment, id).await?,
        ))
    }

    /// listReplenishmentOrders.
    pub async fn list_replenishments(
        &self,
        caller: &Caller,
        q: &OrderQuery,
    ) -> Result<m::ReplenishmentOrderListing> {
        let (orders, next_token) = self.list_dist(caller, Kind::Replenishment, q).await?;
        Ok(m::ReplenishmentOrderListing {
            next_token,
            orders: Some(orders.iter().map(render_replenishment).collect()),
        })
    }

    /// confirmReplenishmentOrder: an ELIGIBLE order starts.
    pub async fn confirm_replenishment(&self, caller: &Caller, id: &str) -> Result<()> {
        self.confirm_dist(caller, Kind::Replenishment, id).await
    }
}

/// The validation job.
pub async fn validate(
    store: &Store,
    seller_id: &str,
    id: &str,
    version: i64,
    at_us: i64,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(mut r) = tx.get_awd(DocTable::Orders, seller_id, id).await? else {
        return Ok(());
    };
    let mut d = decode(&r)?;
    if d.version != version || !matches!(d.status.as_str(), "DRAFT" | "CREATED" | "VALIDATING") {
        return Ok(());
    }
    check_lines(&mut tx, seller_id, &mut d, at_us).await?;
    save(&mut tx, &mut r, &mut d, at_us).await?;
    if d.status == "ELIGIBLE" && d.auto_confirm {
        // check_lines has just seen the units available, in this transaction.
        confirm_in(&mut tx, seller_id, &mut r, &mut d, at_us).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The stage job: the next stage if the order is still at `from`.
pub async fn advance(
    store: &Store,
    seller_id: &str,
    id: &str,
    from: &str,
    at_us: i64,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(mut r) = tx.get_awd(DocTable::Orders, seller_id, id).await? else {
        return Ok(());
    };
    let mut d = decode(&r)?;
    if stage(&d) != from {
        return Ok(());
    }
    match from {
        "CONFIRMED" => d.status = "EXECUTING".into(),
        "EXECUTING" => {
            // The units leave AWD: on their way to FBA.
            for l in &d.reserved {
                let change = InventoryChange {
                    onhand: -l.quantity,
                    reserved: -l.quantity,
                    replenishing: l.quantity,
                    ..Default::default()
                };
                change_inventory(&mut tx, seller_id, &l.sku, change, &[], at_us).await?;
                let m = Movement::InboundChange {
                    working: -l.quantity,
                    shipped: l.quantity,
                    receiving: 0,
                };
                apply_in(&mut tx, seller_id, &l.sku, US, &m, at_us).await?;
            }
            d.shipped = std::mem::take(&mut d.reserved);
            d.shipment = Some(Shipment {
                id: new_id("AWDOS"),
                status: "IN_TRANSIT".into(),
                created_us: at_us,
                updated_us: at_us,
            });
            d.status = "INVENTORY_OUTBOUND".into();
        }
        "INVENTORY_OUTBOUND" => {
            for l in &d.shipped {
                let m = Movement::InboundChange {
                    working: 0,
                    shipped: -l.quantity,
                    receiving: l.quantity,
                };
                apply_in(&mut tx, seller_id, &l.sku, US, &m, at_us).await?;
            }
            if let Some(s) = d.shipment.as_mut() {
                s.status = "RECEIVING".into();
                s.updated_us = at_us;
            }
        }
        "RECEIVING" => {
            let reference = d.shipment.as_ref().map(|s| s.id.clone());
            for l in &d.shipped {
                let m = Movement::Receipt {
                    quantity: l.quantity,
                    reference_id: reference.clone(),
                };
                apply_in(&mut tx, seller_id, &l.sku, US, &m, at_us).await?;
                let change = InventoryChange {
                    replenishing: -l.quantity,
                    ..Default::default()
                };
                change_inventory(&mut tx, seller_id, &l.sku, change, &[], at_us).await?;
            }
            if let Some(s) = d.shipment.as_mut() {
                s.status = "CLOSED".into();
                s.updated_us = at_us;
            }
            d.status = "SUCCESS".into();
        }
        _ => return Ok(()),
    }
    save(&mut tx, &mut r, &mut d, at_us).await?;
    schedule_stage(&mut tx, seller_id, &d, at_us).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets an auto-replenishment rule and checks it now (the control plane).
pub async fn set_auto_rule(
    store: &Store,
    seller_id: &str,
    sku: &str,
    threshold: i64,
    quantity: i64,
    at_us: i64,
) -> Result<AutoRule> {
    check_sku("sku", sku)?;
    if threshold < 0 || quantity < 1 {
        return Err(Error::invalid_input(
            "threshold must be 0 or more and quantity at least 1.",
        ));
    }
    let rule = AutoRule {
        seller_id: seller_id.to_string(),
        sku: sku.to_string(),
        threshold,
        quantity,
        check_at_us: at_us,
    };
    let mut tx = store.begin().await?;
    tx.put_awd_auto_rule(&rule).await?;
    tx.enqueue_job(
        JOB_AUTO,
        at_us,
        &json!({"sellerId": seller_id, "sku": sku, "checkAt": at_us}),
    )
    .await?;
    tx.commit().await?;
    Ok(rule)
}

/// Removes an auto-replenishment rule (its pending check does nothing).
pub async fn delete_auto_rule(store: &Store, seller_id: &str, sku: &str) -> Result<bool> {
    let mut tx = store.begin().await?;
    let gone = tx.delete_awd_auto_rule(seller_id, sku).await?;
    tx.commit().await?;
    Ok(gone)
}

/// The auto-replenishment check: when the SKU's FBA units (fulfillable and inbound) are below
/// the rule's threshold and AWD has units available, a replenishment order (AUTO) of up to
/// the rule's quantity is created and confirmed; then the next check is scheduled.
pub async fn auto_check(
    store: &Store,
    seller_id: &str,
    sku: &str,
    check_at: i64,
    at_us: i64,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(mut rule) = tx.get_awd_auto_rule(seller_id, sku).await? else {
        return Ok(());
    };
    if rule.check_at_us != check_at {
        return Ok(());
    }
    let listing = tx
        .get_listing(seller_id, sku, US)
        .await?
        .filter(|l| l.fulfillment_channel == "AFN");
    if let Some(l) = listing {
        let stock = tx.get_fba_stock(seller_id, sku, US).await?;
        let inbound = stock
            .map(|s| s.inbound_working + s.inbound_shipped + s.inbound_receiving)
            .unwrap_or(0);
        let inv = super::inventory(&mut tx, seller_id, sku, at_us).await?;
        let available = inv.onhand - inv.reserved;
        if l.quantity + inbound < rule.threshold && available > 0 {
            let q = rule.quantity.min(available);
            let mut d = new_dist(
                Kind::Replenishment,
                at_us,
                vec![Line {
                    sku: sku.to_string(),
                    quantity: q,
                }],
            );
            d.auto_confirm = true;
            insert(&mut tx, seller_id, &d).await?;
            let mut r = tx
                .get_awd(DocTable::Orders, seller_id, &d.order_id)
                .await?
                .ok_or_else(|| Error::internal("a new replenishment order vanished"))?;
            check_lines(&mut tx, seller_id, &mut d, at_us).await?;
            save(&mut tx, &mut r, &mut d, at_us).await?;
            if d.status == "ELIGIBLE" {
                confirm_in(&mut tx, seller_id, &mut r, &mut d, at_us).await?;
            }
        }
    }
    rule.check_at_us = at_us + AUTO_CHECK_EVERY_US;
    tx.put_awd_auto_rule(&rule).await?;
    tx.enqueue_job(
        JOB_AUTO,
        rule.check_at_us,
        &json!({"sellerId": seller_id, "sku": sku, "checkAt": rule.check_at_us}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
