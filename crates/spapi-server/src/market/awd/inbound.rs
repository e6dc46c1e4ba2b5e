//! AWD inbound orders, their shipment, its labels and the eligibility check.

use super::{Awd, InventoryChange, change_inventory, iso, new_id, seller};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::documents::{UrlOp, derived_document_id};
use crate::store::awd::{DocQuery, DocRow, DocTable};
use crate::store::documents::DocumentRow;
use crate::store::{Store, StoreTx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use spapi_model::awd_2024_05_09 as m;
use std::collections::BTreeMap;

/// Job: move an inbound shipment one step on (`from`: the status it must still be in).
pub const JOB_SHIPMENT: &str = "awd.shipment";
/// Job: expire a draft inbound order left unconfirmed.
pub const JOB_EXPIRE: &str = "awd.inbound_expire";
/// Job: finish generating a shipment's labels.
pub const JOB_LABELS: &str = "awd.labels";

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;
/// How long a draft waits for confirmInbound before it expires (unsure: Amazon does not
/// publish the period; 30 days is spapi's choice).
pub const DRAFT_EXPIRES_AFTER_US: i64 = 30 * DAY_US;
/// The ship-by date given to a new shipment, after confirmation.
const SHIP_BY_AFTER_US: i64 = 14 * DAY_US;
/// Labels are ready this long after they are first asked for.
pub const LABELS_AFTER_US: i64 = 30_000_000;
/// The steps of a shipment once shipped, and how long each takes.
const STEPS: &[(&str, &str, i64)] = &[
    ("SHIPPED", "IN_TRANSIT", HOUR_US),
    ("IN_TRANSIT", "DELIVERED", 2 * DAY_US),
    ("DELIVERED", "RECEIVING", 2 * HOUR_US),
    ("RECEIVING", "CLOSED", DAY_US),
];
/// The regions AWD assigns.
pub const REGIONS: [&str; 4] = ["us-west", "us-east", "us-southcentral", "us-southeast"];
const MAX_SKU_LEN: usize = 40;
const MAX_PACKAGES: usize = 200;

/// What the shipment document keeps beside the wire shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShipmentDoc {
    pub shipment: m::InboundShipment,
    /// Expected units per (SKU, expiration).
    pub lots: Vec<Lot>,
    /// `NOT_READY`, `GENERATING` or `GENERATED`.
    pub label_status: String,
    /// The label document, once generated.
    pub label_document: Option<String>,
}

/// Units of one SKU and expiration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Lot {
    pub sku: String,
    pub expiration: Option<String>,
    pub quantity: i64,
}

fn not_found(what: &str, id: &str) -> Error {
    Error::not_found().with_details(format!("The {what} {id} was not found."))
}

fn decode<T: serde::de::DeserializeOwned>(row: &DocRow) -> Result<T> {
    serde_json::from_str(&row.doc).map_err(Error::internal)
}

fn encode<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(Error::internal)
}

fn bad(field: &str, details: impl Into<String>) -> Error {
    Error::invalid_parameter(field, details)
}

/// Checks an address of the request.
pub(crate) fn check_address(field: &str, a: &m::Address) -> Result<()> {
    for (name, v) in [
        ("name", &a.name),
        ("addressLine1", &a.address_line1),
        ("stateOrRegion", &a.state_or_region),
    ] {
        if v.trim().is_empty() {
            return Err(bad(
                &format!("{field}.{name}"),
                format!("{field}.{name} must not be empty."),
            ));
        }
    }
    if a.country_code.len() != 2 || !a.country_code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(bad(
            &format!("{field}.countryCode"),
            format!(
                "Invalid value ({}) passed for {field}.countryCode: a two-letter ISO 3166 code is expected.",
                a.country_code
            ),
        ));
    }
    Ok(())
}

fn check_enum<T: std::fmt::Display>(
    field: &str,
    value: &T,
    unknown: bool,
    valid: &str,
) -> Result<()> {
    if unknown {
        return Err(bad(
            field,
            format!("Invalid value (`{value}`) passed for `{field}`. Valid values are: {valid}"),
        ));
    }
    Ok(())
}

/// Checks packages and adds their units to `out` (`multiplier`: the count of the packages
/// holding them).
pub(crate) fn package_units(
    field: &str,
    pkgs: &[m::DistributionPackageQuantity],
    multiplier: i64,
    depth: usize,
    out: &mut Vec<Lot>,
) -> Result<()> {
    if depth > 3 {
        return Err(bad(field, "Packages may be nested at most 3 levels deep."));
    }
    if pkgs.len() > MAX_PACKAGES {
        return Err(bad(
            field,
            format!("At most {MAX_PACKAGES} packages are accepted."),
        ));
    }
    for (i, p) in pkgs.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if p.count < 1 {
            return Err(bad(&format!("{f}.count"), "count must be at least 1."));
        }
        let d = &p.distribution_package;
        check_enum(
            "DistributionPackageType",
            &d.r#type,
            matches!(d.r#type, m::DistributionPackageType::Unknown(_)),
            "`CASE`, `PALLET`",
        )?;
        if d.r#type == m::DistributionPackageType::Pallet {
            return Err(Error::invalid_input(format!(
                "{f}.distributionPackage.type: PALLET packages are not supported yet; send CASE packages."
            )));
        }
        let w = &d.measurements.weight;
        check_enum(
            "WeightUnitOfMeasurement",
            &w.unit_of_measurement,
            matches!(
                w.unit_of_measurement,
                m::WeightUnitOfMeasurement::Unknown(_)
            ),
            "`POUNDS`, `KILOGRAMS`",
        )?;
        if !(w.weight.is_finite() && w.weight > 0.0) {
            return Err(bad(
                &format!("{f}.distributionPackage.measurements.weight.weight"),
                "weight must be greater than 0.",
            ));
        }
        if let Some(dim) = &d.measurements.dimensions {
            check_enum(
                "DimensionUnitOfMeasurement",
                &dim.unit_of_measurement,
                matches!(
                    dim.unit_of_measurement,
                    m::DimensionUnitOfMeasurement::Unknown(_)
                ),
                "`INCHES`, `CENTIMETERS`",
            )?;
            if [dim.height, dim.length, dim.width]
                .iter()
                .any(|v| !(v.is_finite() && *v > 0.0))
            {
                return Err(bad(
                    &format!("{f}.distributionPackage.measurements.dimensions"),
                    "height, length and width must be greater than 0.",
                ));
            }
        }
        if let Some(v) = &d.measurements.volume {
            check_enum(
                "VolumeUnitOfMeasurement",
                &v.unit_of_measurement,
                matches!(
                    v.unit_of_measurement,
                    m::VolumeUnitOfMeasurement::Unknown(_)
                ),
                "`CU_IN`, `CBM`, `CC`",
            )?;
        }
        let count = multiplier
            .checked_mul(p.count)
            .ok_or_else(|| bad(&format!("{f}.count"), "count is too large."))?;
        let products = d.contents.products.as_deref().unwrap_or_default();
        let inner = d.contents.packages.as_deref().unwrap_or_default();
        if products.is_empty() && inner.is_empty() {
            return Err(bad(
                &format!("{f}.distributionPackage.contents"),
                "A package must contain products or packages.",
            ));
        }
        for (j, pr) in products.iter().enumerate() {
            let pf = format!("{f}.distributionPackage.contents.products[{j}]");
            product_units(&pf, pr, count, out)?;
        }
        package_units(
            &format!("{f}.distributionPackage.contents.packages"),
            inner,
            count,
            depth + 1,
            out,
        )?;
    }
    Ok(())
}

/// Checks one product line and adds its units.
pub(crate) fn product_units(
    field: &str,
    pr: &m::ProductQuantity,
    multiplier: i64,
    out: &mut Vec<Lot>,
) -> Result<()> {
    check_sku(&format!("{field}.sku"), &pr.sku)?;
    if pr.quantity < 1 {
        return Err(bad(
            &format!("{field}.quantity"),
            "quantity must be at least 1.",
        ));
    }
    let expiration = match &pr.expiration {
        None => None,
        Some(e) => Some(
            crate::time::parse_date_time(e)
                .map(|t| iso(t.as_microsecond()))
                .ok_or_else(|| {
                    bad(
                        &format!("{field}.expiration"),
                        format!("Invalid value ({e}) passed for expiration: an ISO 8601 date-time is expected."),
                    )
                })?,
        ),
    };
    if let Some(p) = &pr.prep_details {
        if let Some(c) = &p.prep_category {
            check_enum(
                "PrepCategory",
                c,
                matches!(c, m::PrepCategory::Unknown(_)),
                "`ADULT`, `BABY`, `FC_PROVIDED`, `FRAGILE`, `GRANULAR`, `HANGER`, `LIQUID`, `PERFORATED`, `SET`, `SHARP`, `SMALL`, `TEXTILE`, `NO_PREP`, `UNKNOWN`",
            )?;
        }
        for o in [&p.prep_owner].into_iter().flatten() {
            check_enum(
                "PrepOwner",
                o,
                matches!(o, m::PrepOwner::Unknown(_)),
                "`AMAZON`, `SELF`",
            )?;
        }
        if let Some(o) = &p.label_owner {
            check_enum(
                "LabelOwner",
                o,
                matches!(o, m::LabelOwner::Unknown(_)),
                "`AMAZON`, `SELF`",
            )?;
        }
    }
    let quantity = multiplier
        .checked_mul(pr.quantity)
        .ok_or_else(|| bad(&format!("{field}.quantity"), "quantity is too large."))?;
    match out
        .iter_mut()
        .find(|l| l.sku == pr.sku && l.expiration == expiration)
    {
        Some(l) => {
            l.quantity = l
                .quantity
                .checked_add(quantity)
                .ok_or_else(|| bad(&format!("{field}.quantity"), "quantity is too large."))?
        }
        None => out.push(Lot {
            sku: pr.sku.clone(),
            expiration,
            quantity,
        }),
    }
    Ok(())
}

pub(crate) fn check_sku(field: &str, sku: &str) -> Result<()> {
    if sku.trim().is_empty() || sku.chars().count() > MAX_SKU_LEN {
        return Err(bad(
            field,
            format!("{field} must be 1 to {MAX_SKU_LEN} characters."),
        ));
    }
    Ok(())
}

fn inbound_lots(pkgs: &[m::DistributionPackageQuantity]) -> Result<Vec<Lot>> {
    if pkgs.is_empty() {
        return Err(bad(
            "packagesToInbound",
            "packagesToInbound must not be empty.",
        ));
    }
    let mut out = vec![];
    package_units("packagesToInbound", pkgs, 1, 0, &mut out)?;
    Ok(out)
}

fn check_region(p: &Option<m::InboundPreferences>) -> Result<()> {
    if let Some(r) = p.as_ref().and_then(|p| p.destination_region.as_deref())
        && !REGIONS.contains(&r)
    {
        return Err(bad(
            "preferences.destinationRegion",
            format!(
                "Invalid value ({r}) passed for destinationRegion. Valid values are: {}",
                REGIONS.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The region a shipment goes to: the preference, else the one nearest the origin's state.
fn region_for(order: &m::InboundOrder) -> &'static str {
    if let Some(r) = order
        .preferences
        .as_ref()
        .and_then(|p| p.destination_region.as_deref())
        .and_then(|r| REGIONS.iter().find(|x| **x == r))
    {
        return r;
    }
    let state = order
        .origin_address
        .state_or_region
        .trim()
        .to_ascii_uppercase();
    let west = [
        "WA", "OR", "CA", "NV", "AZ", "UT", "ID", "MT", "WY", "CO", "NM", "AK", "HI",
    ];
    let south_central = ["TX", "OK", "AR", "LA", "KS", "MO", "NE"];
    let south_east = ["FL", "GA", "AL", "MS", "SC", "NC", "TN"];
    if west.contains(&state.as_str()) {
        "us-west"
    } else if south_central.contains(&state.as_str()) {
        "us-southcentral"
    } else if south_east.contains(&state.as_str()) {
        "us-southeast"
    } else {
        "us-east"
    }
}

/// The AWD warehouse of a region (spapi's made-up addresses).
pub(crate) fn warehouse(region: &str) -> m::Address {
    let (city, state, postal, line) = match region {
        "us-west" => ("Stockton", "CA", "95206", "4400 Logistics Dr"),
        "us-southcentral" => ("Dallas", "TX", "75241", "2100 Distribution Pkwy"),
        "us-southeast" => ("Atlanta", "GA", "30336", "780 Westgate Blvd"),
        _ => ("Carlisle", "PA", "17013", "300 Keystone Way"),
    };
    m::Address {
        name: format!("Amazon AWD {region}"),
        address_line1: line.into(),
        city: Some(city.into()),
        state_or_region: state.into(),
        postal_code: Some(postal.into()),
        country_code: "US".into(),
        ..m::Address::default()
    }
}

async fn seller_listing_in_us(tx: &mut StoreTx, seller_id: &str, sku: &str) -> Result<bool> {
    Ok(tx.get_listing(seller_id, sku, super::US).await?.is_some())
}

/// Why the SKUs of a package cannot go to AWD (empty: they can).
async fn package_problems(
    tx: &mut StoreTx,
    seller_id: &str,
    p: &m::DistributionPackageQuantity,
) -> Result<Vec<m::SkuIneligibilityReason>> {
    let mut lots = vec![];
    package_units(
        "packagesToInbound",
        std::slice::from_ref(p),
        1,
        0,
        &mut lots,
    )?;
    let mut out = vec![];
    for l in lots {
        if !seller_listing_in_us(tx, seller_id, &l.sku).await?
            && !out
                .iter()
                .any(|r: &m::SkuIneligibilityReason| r.description.contains(&l.sku))
        {
            out.push(m::SkuIneligibilityReason {
                code: "INVALID_MSKU".into(),
                description: format!(
                    "The MSKU {} is not a listing of the seller in the US marketplace.",
                    l.sku
                ),
            });
        }
    }
    Ok(out)
}

#[derive(Serialize, Deserialize)]
struct ShipmentCursor {
    status: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    by_created: bool,
    desc: bool,
    limit: u32,
    after: Option<(i64, String)>,
}

/// The listInboundShipments query.
#[derive(Debug, Clone, Default)]
pub struct ShipmentQuery {
    /// `UPDATED_AT` (default) or `CREATED_AT`.
    pub sort_by: Option<String>,
    /// `DESCENDING` (default) or `ASCENDING`.
    pub sort_order: Option<String>,
    /// One status.
    pub shipment_status: Option<String>,
    /// Updated at or after.
    pub updated_after: Option<String>,
    /// Updated at or before.
    pub updated_before: Option<String>,
    /// Page size (1-200, default 25).
    pub max_results: Option<i64>,
    /// The token of a previous page (it carries the search).
    pub next_token: Option<String>,
}

fn row(seller_id: &str, id: &str, group: &str, status: &str, at_us: i64, doc: String) -> DocRow {
    DocRow {
        seller_id: seller_id.into(),
        id: id.into(),
        group: group.into(),
        status: status.into(),
        created_at_us: at_us,
        updated_at_us: at_us,
        doc,
    }
}

async fn load_order(
    tx: &mut StoreTx,
    seller_id: &str,
    id: &str,
) -> Result<(DocRow, m::InboundOrder)> {
    let r = tx
        .get_awd(DocTable::Orders, seller_id, id)
        .await?
        .filter(|r| r.group == "INBOUND")
        .ok_or_else(|| not_found("inbound order", id))?;
    let o = decode(&r)?;
    Ok((r, o))
}

async fn save_order(
    tx: &mut StoreTx,
    r: &mut DocRow,
    o: &mut m::InboundOrder,
    at_us: i64,
) -> Result<()> {
    o.updated_at = Some(iso(at_us));
    r.status = o.order_status.to_string();
    r.updated_at_us = at_us;
    r.doc = encode(o)?;
    tx.update_awd(DocTable::Orders, r).await?;
    Ok(())
}

async fn load_shipment(
    tx: &mut StoreTx,
    seller_id: &str,
    id: &str,
) -> Result<(DocRow, ShipmentDoc)> {
    let r = tx
        .get_awd(DocTable::Shipments, seller_id, id)
        .await?
        .ok_or_else(|| not_found("inbound shipment", id))?;
    let d = decode(&r)?;
    Ok((r, d))
}

async fn save_shipment(
    tx: &mut StoreTx,
    r: &mut DocRow,
    d: &mut ShipmentDoc,
    at_us: i64,
) -> Result<()> {
    d.shipment.updated_at = Some(iso(at_us));
    r.status = d.shipment.shipment_status.to_string();
    r.updated_at_us = at_us;
    r.doc = encode(d)?;
    tx.update_awd(DocTable::Shipments, r).await?;
    Ok(())
}

fn units(lots: &[Lot]) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for l in lots {
        *m.entry(l.sku.clone()).or_insert(0) += l.quantity;
    }
    m
}

impl Awd {
    /// checkInboundEligibility: whether each package's SKUs can be sent to AWD (the seller
    /// lists them in the US marketplace).
    pub async fn check_inbound_eligibility(
        &self,
        caller: &Caller,
        body: &m::InboundPackages,
    ) -> Result<m::InboundEligibility> {
        let seller_id = seller(caller)?;
        inbound_lots(&body.packages_to_inbound)?;
        let mut tx = self.store.begin().await?;
        let mut packages = vec![];
        for p in &body.packages_to_inbound {
            let problems = package_problems(&mut tx, seller_id, p).await?;
            packages.push(m::SkuEligibility {
                status: if problems.is_empty() {
                    m::InboundEligibilityStatus::Eligible
                } else {
                    m::InboundEligibilityStatus::Ineligible
                },
                ineligibility_reasons: (!problems.is_empty()).then_some(problems),
                package_quantity: p.clone(),
            });
        }
        tx.rollback().await?;
        let eligible = packages
            .iter()
            .all(|p| p.status == m::InboundEligibilityStatus::Eligible);
        Ok(m::InboundEligibility {
            ineligibility_reasons: Some(vec![]),
            packages_to_inbound: packages,
            previewed_at: iso(self.now_us()),
            status: if eligible {
                m::InboundEligibilityStatus::Eligible
            } else {
                m::InboundEligibilityStatus::Ineligible
            },
        })
    }

    /// createInbound: a DRAFT inbound order.
    pub async fn create_inbound(
        &self,
        caller: &Caller,
        body: &m::InboundOrderCreationData,
    ) -> Result<String> {
        let seller_id = seller(caller)?;
        check_address("originAddress", &body.origin_address)?;
        inbound_lots(&body.packages_to_inbound)?;
        check_region(&body.preferences)?;
        if let Some(e) = &body.external_reference_id
            && (e.is_empty() || e.chars().count() > 64)
        {
            return Err(bad(
                "externalReferenceId",
                "externalReferenceId must be 1 to 64 characters.",
            ));
        }
        let now = self.now_us();
        let id = new_id("AWDIN");
        let order = m::InboundOrder {
            created_at: iso(now),
            destination_details: None,
            external_reference_id: body.external_reference_id.clone(),
            order_id: id.clone(),
            order_status: m::InboundStatus::Draft,
            origin_address: body.origin_address.clone(),
            packages_to_inbound: body.packages_to_inbound.clone(),
            preferences: body.preferences.clone(),
            updated_at: Some(iso(now)),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_awd(
            DocTable::Orders,
            &row(seller_id, &id, "INBOUND", "DRAFT", now, encode(&order)?),
        )
        .await?;
        tx.enqueue_job(
            JOB_EXPIRE,
            now + DRAFT_EXPIRES_AFTER_US,
            &json!({"sellerId": seller_id, "orderId": id}),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// getInbound.
    pub async fn get_inbound(&self, caller: &Caller, id: &str) -> Result<m::InboundOrder> {
        let seller_id = seller(caller)?;
        let r = self
            .store
            .get_awd(DocTable::Orders, seller_id, id)
            .await?
            .filter(|r| r.group == "INBOUND")
            .ok_or_else(|| not_found("inbound order", id))?;
        decode(&r)
    }

    /// updateInbound: a DRAFT's origin, packages, preferences and reference (409 otherwise).
    pub async fn update_inbound(
        &self,
        caller: &Caller,
        id: &str,
        body: &m::InboundOrder,
    ) -> Result<()> {
        let seller_id = seller(caller)?;
        if body.order_id != id {
            return Err(bad(
                "orderId",
                format!(
                    "The orderId of the body ({}) is not the orderId of the path ({id}).",
                    body.order_id
                ),
            ));
        }
        check_address("originAddress", &body.origin_address)?;
        inbound_lots(&body.packages_to_inbound)?;
        check_region(&body.preferences)?;
        let now = self.now_us();
        let mut tx = self.store.begin().await?;
        let (mut r, mut o) = load_order(&mut tx, seller_id, id).await?;
        if o.order_status != m::InboundStatus::Draft {
            return Err(Error::conflict(format!(
                "The inbound order {id} is {} and can only be updated in DRAFT.",
                o.order_status
            )));
        }
        o.origin_address = body.origin_address.clone();
        o.packages_to_inbound = body.packages_to_inbound.clone();
        o.preferences = body.preferences.clone();
        o.external_reference_id = body.external_reference_id.clone();
        save_order(&mut tx, &mut r, &mut o, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// cancelInbound: a DRAFT, or a CONFIRMED order whose shipment has not left (409 otherwise).
    pub async fn cancel_inbound(&self, caller: &Caller, id: &str) -> Result<()> {
        let seller_id = seller(caller)?;
        let now = self.now_us();
        let mut tx = self.store.begin().await?;
        let (mut r, mut o) = load_order(&mut tx, seller_id, id).await?;
        match o.order_status {
            m::InboundStatus::Draft => {}
            m::InboundStatus::Confirmed => {
                let sid = o
                    .destination_details
                    .as_ref()
                    .and_then(|d| d.shipment_id.clone())
                    .unwrap_or_default();
                let (mut sr, mut sd) = load_shipment(&mut tx, seller_id, &sid).await?;
                if sd.shipment.shipment_status != m::InboundShipmentStatus::Created {
                    return Err(Error::conflict(format!(
                        "The inbound order {id} cannot be cancelled: its shipment {sid} is {}.",
                        sd.shipment.shipment_status
                    )));
                }
                sd.shipment.shipment_status = m::InboundShipmentStatus::Cancelled;
                save_shipment(&mut tx, &mut sr, &mut sd, now).await?;
                for (sku, q) in units(&sd.lots) {
                    let change = InventoryChange {
                        inbound: -q,
                        ..Default::default()
                    };
                    change_inventory(&mut tx, seller_id, &sku, change, &[], now).await?;
                }
            }
            _ => {
                return Err(Error::conflict(format!(
                    "The inbound order {id} is {} and cannot be cancelled.",
                    o.order_status
                )));
            }
        }
        o.order_status = m::InboundStatus::Cancelled;
        save_order(&mut tx, &mut r, &mut o, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// confirmInbound: a DRAFT becomes CONFIRMED with its shipment (409 in another state; 400
    /// when a SKU cannot go to AWD).
    pub async fn confirm_inbound(&self, caller: &Caller, id: &str) -> Result<()> {
        let seller_id = seller(caller)?;
        let now = self.now_us();
        let mut tx = self.store.begin().await?;
        let (mut r, mut o) = load_order(&mut tx, seller_id, id).await?;
        if o.order_status != m::InboundStatus::Draft {
            return Err(Error::conflict(format!(
                "The inbound order {id} is {} and can only be confirmed in DRAFT.",
                o.order_status
            )));
        }
        for p in &o.packages_to_inbound {
            if let Some(problem) = package_problems(&mut tx, seller_id, p).await?.first() {
                return Err(Error::invalid_input(format!(
                    "The inbound order {id} is not eligible: {} ({}).",
                    problem.description, problem.code
                )));
            }
        }
        let lots = inbound_lots(&o.packages_to_inbound)?;
        let region = region_for(&o);
        let sid = new_id("AWDSH");
        let destination = warehouse(region);
        let shipment = m::InboundShipment {
            carrier_code: None,
            created_at: Some(iso(now)),
            destination_address: destination.clone(),
            external_reference_id: o.external_reference_id.clone(),
            order_id: id.to_string(),
            origin_address: o.origin_address.clone(),
            received_quantity: None,
            ship_by: Some(iso(now + SHIP_BY_AFTER_US)),
            shipment_container_quantities: o.packages_to_inbound.clone(),
            shipment_id: sid.clone(),
            shipment_sku_quantities: None,
            destination_region: Some(region.to_string()),
            shipment_status: m::InboundShipmentStatus::Created,
            tracking_id: None,
            updated_at: Some(iso(now)),
            warehouse_reference_id: Some(format!("WR{}", &sid[5..])),
        };
        let doc = ShipmentDoc {
            shipment,
            lots: lots.clone(),
            label_status: "NOT_READY".into(),
            label_document: None,
        };
        tx.insert_awd(
            DocTable::Shipments,
            &row(seller_id, &sid, id, "CREATED", now, encode(&doc)?),
        )
        .await?;
        for (sku, q) in units(&lots) {
            let change = InventoryChange {
                inbound: q,
                ..Default::default()
            };
            change_inventory(&mut tx, seller_id, &sku, change, &[], now).await?;
        }
        o.order_status = m::InboundStatus::Confirmed;
        o.destination_details = Some(m::DestinationDetails {
            destination_address: Some(destination),
            destination_region: Some(region.to_string()),
            shipment_id: Some(sid),
        });
        save_order(&mut tx, &mut r, &mut o, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// getInboundShipment (SKU quantities with `skuQuantities=SHOW`).
    pub async fn get_inbound_shipment(
        &self,
        caller: &Caller,
        id: &str,
        sku_quantities: bool,
    ) -> Result<m::InboundShipment> {
        let seller_id = seller(caller)?;
        let r = self
            .store
            .get_awd(DocTable::Shipments, seller_id, id)
            .await?
            .ok_or_else(|| not_found("inbound shipment", id))?;
        let d: ShipmentDoc = decode(&r)?;
        let mut s = d.shipment;
        if sku_quantities {
            let received = s.shipment_status == m::InboundShipmentStatus::Closed;
            s.shipment_sku_quantities = Some(
                units(&d.lots)
                    .into_iter()
                    .map(|(sku, q)| m::SkuQuantity {
                        expected_quantity: product_units_q(q),
                        received_quantity: received.then(|| product_units_q(q)),
                        sku,
                    })
                    .collect(),
            );
        }
        Ok(s)
    }

    /// listInboundShipments.
    pub async fn list_inbound_shipments(
        &self,
        caller: &Caller,
        q: &ShipmentQuery,
    ) -> Result<m::ShipmentListing> {
        let seller_id = seller(caller)?;
        let c = match &q.next_token {
            Some(t) => super::paging_decode::<ShipmentCursor>(t)?,
            None => ShipmentCursor {
                status: q.shipment_status.clone(),
                from: super::parse_time("updatedAfter", q.updated_after.as_deref())?,
                to: super::parse_time("updatedBefore", q.updated_before.as_deref())?,
                by_created: match q.sort_by.as_deref() {
                    None | Some("UPDATED_AT") => false,
                    Some("CREATED_AT") => true,
                    Some(other) => {
                        return Err(bad(
                            "sortBy",
                            format!("Invalid shipment sortable field received: {other}"),
                        ));
                    }
                },
                desc: super::descending(q.sort_order.as_deref(), true)?,
                limit: super::page_size(q.max_results, 200)?,
                after: None,
            },
        };
        let mut rows = self
            .store
            .list_awd(
                DocTable::Shipments,
                seller_id,
                &DocQuery {
                    group: None,
                    status: c.status.as_deref(),
                    updated_from: c.from,
                    updated_to: c.to,
                    by_created: c.by_created,
                    descending: c.desc,
                    after: c.after.as_ref().map(|(t, id)| (*t, id.as_str())),
                    limit: c.limit + 1,
                },
            )
            .await?;
        let more = rows.len() > c.limit as usize;
        rows.truncate(c.limit as usize);
        let next_token = match (more, rows.last()) {
            (true, Some(last)) => {
                let at = if c.by_created {
                    last.created_at_us
                } else {
                    last.updated_at_us
                };
                Some(crate::market::paging::encode_token(&ShipmentCursor {
                    after: Some((at, last.id.clone())),
                    status: c.status.clone(),
                    ..c
                }))
            }
            _ => None,
        };
        let mut shipments = vec![];
        for r in &rows {
            let d: ShipmentDoc = decode(r)?;
            shipments.push(m::InboundShipmentSummary {
                created_at: d.shipment.created_at,
                external_reference_id: d.shipment.external_reference_id,
                order_id: d.shipment.order_id,
                shipment_id: d.shipment.shipment_id,
                shipment_status: d.shipment.shipment_status,
                updated_at: d.shipment.updated_at,
            });
        }
        Ok(m::ShipmentListing {
            next_token,
            shipments: Some(shipments),
        })
    }

    /// updateInboundShipmentTransportDetails: the carrier's booking; a CREATED shipment is
    /// then SHIPPED and moves on on the clock.
    pub async fn update_transport(
        &self,
        caller: &Caller,
        id: &str,
        body: &m::TransportationDetails,
    ) -> Result<()> {
        let seller_id = seller(caller)?;
        let Some(first) = body.tracking_details.first() else {
            return Err(bad("trackingDetails", "trackingDetails must not be empty."));
        };
        for (i, t) in body.tracking_details.iter().enumerate() {
            if t.booking_id.trim().is_empty() || t.booking_id.len() > 64 {
                return Err(bad(
                    &format!("trackingDetails[{i}].bookingId"),
                    "bookingId must be 1 to 64 characters.",
                ));
            }
            if let Some(c) = &t.carrier_code
                && let Some(ty) = &c.carrier_code_type
            {
                check_enum(
                    "CarrierCodeType",
                    ty,
                    matches!(ty, m::CarrierCodeType::Unknown(_)),
                    "`SCAC`",
                )?;
            }
        }
        let now = self.now_us();
        let mut tx = self.store.begin().await?;
        let (mut r, mut d) = load_shipment(&mut tx, seller_id, id).await?;
        use m::InboundShipmentStatus as S;
        match d.shipment.shipment_status {
            S::Created | S::Shipped | S::InTransit => {}
            ref other => {
                return Err(Error::conflict(format!(
                    "The transport details of inbound shipment {id} cannot change: it is {other}."
                )));
            }
        }
        d.shipment.tracking_id = Some(first.booking_id.clone());
        d.shipment.carrier_code = first.carrier_code.clone();
        if d.shipment.shipment_status == S::Created {
            ship(&mut tx, &mut r, &mut d, now).await?;
        } else {
            save_shipment(&mut tx, &mut r, &mut d, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// getInboundShipmentLabels: starts generating the labels the first time (GENERATING),
    /// then answers GENERATED with a download URL.
    pub async fn labels(&self, caller: &Caller, id: &str) -> Result<m::ShipmentLabels> {
        let seller_id = seller(caller)?;
        let now = self.now_us();
        let mut tx = self.store.begin().await?;
        let (mut r, mut d) = load_shipment(&mut tx, seller_id, id).await?;
        if d.shipment.shipment_status == m::InboundShipmentStatus::Cancelled {
            return Err(Error::invalid_input(format!(
                "The inbound shipment {id} is CANCELLED: it has no labels."
            )));
        }
        let answer = match d.label_status.as_str() {
            "GENERATED" => m::ShipmentLabels {
                label_download_url: d
                    .label_document
                    .as_deref()
                    .map(|doc| self.docs.url(UrlOp::Get, doc)),
                label_status: m::LabelStatus::Generated,
            },
            "GENERATING" => m::ShipmentLabels {
                label_download_url: None,
                label_status: m::LabelStatus::Generating,
            },
            _ => {
                d.label_status = "GENERATING".into();
                // Asking for labels is not a change of the shipment: its update time stays.
                r.doc = encode(&d)?;
                tx.update_awd(DocTable::Shipments, &r).await?;
                tx.enqueue_job(
                    JOB_LABELS,
                    now + LABELS_AFTER_US,
                    &json!({"sellerId": seller_id, "shipmentId": id}),
                )
                .await?;
                m::ShipmentLabels {
                    label_download_url: None,
                    label_status: m::LabelStatus::Generating,
                }
            }
        };
        tx.commit().await?;
        Ok(answer)
    }

    /// getLabelPageTypes: the label status and the page types labels can be printed on.
    pub async fn label_page_types(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<m::ShipmentLabelPageTypes> {
        let seller_id = seller(caller)?;
        let r = self
            .store
            .get_awd(DocTable::Shipments, seller_id, id)
            .await?
            .ok_or_else(|| not_found("inbound shipment", id))?;
        let d: ShipmentDoc = decode(&r)?;
        use m::PageType as P;
        Ok(m::ShipmentLabelPageTypes {
            label_status: m::LabelStatus::from_wire(&d.label_status),
            page_types: Some(vec![
                P::PlainPaper,
                P::LetterPcpFulfillmentlabel,
                P::Letter2Horizontal,
                P::Letter2,
                P::ThermalNoCarrierRotation,
                P::Thermal,
                P::A4Paper,
                P::A42Horizontal,
                P::ThermalSquare10cm,
            ]),
        })
    }
}

fn product_units_q(q: i64) -> m::InventoryQuantity {
    m::InventoryQuantity {
        quantity: q as f64,
        unit_of_measurement: m::InventoryUnitOfMeasurement::ProductUnits,
    }
}

/// CREATED -> SHIPPED, and the next step on the clock.
async fn ship(tx: &mut StoreTx, r: &mut DocRow, d: &mut ShipmentDoc, at_us: i64) -> Result<()> {
    d.shipment.shipment_status = m::InboundShipmentStatus::Shipped;
    save_shipment(tx, r, d, at_us).await?;
    schedule_next(tx, r, "SHIPPED", at_us).await
}

async fn schedule_next(tx: &mut StoreTx, r: &DocRow, from: &str, at_us: i64) -> Result<()> {
    if let Some((_, _, after)) = STEPS.iter().find(|(f, _, _)| *f == from) {
        tx.enqueue_job(
            JOB_SHIPMENT,
            at_us + after,
            &json!({"sellerId": r.seller_id, "shipmentId": r.id, "from": from}),
        )
        .await?;
    }
    Ok(())
}

/// Moves a shipment one step on now (the control plane): CREATED is shipped, a later status
/// takes its next step at once. The answer is the new status.
pub async fn step_shipment(store: &Store, seller_id: &str, id: &str, at_us: i64) -> Result<String> {
    let mut tx = store.begin().await?;
    let (mut r, mut d) = load_shipment(&mut tx, seller_id, id).await?;
    let status = d.shipment.shipment_status.to_string();
    if status == "CREATED" {
        ship(&mut tx, &mut r, &mut d, at_us).await?;
        tx.commit().await?;
        return Ok("SHIPPED".into());
    }
    if !STEPS.iter().any(|(f, _, _)| *f == status) {
        return Err(Error::conflict(format!(
            "The inbound shipment {id} is {status}: it does not move on."
        )));
    }
    tx.rollback().await?;
    advance_shipment(store, seller_id, id, &status, at_us).await?;
    Ok(store
        .get_awd(DocTable::Shipments, seller_id, id)
        .await?
        .map(|r| r.status)
        .unwrap_or_default())
}

/// The shipment job: the next status if the shipment is still `from`; at CLOSED its units are
/// on hand in AWD and the order is closed.
pub async fn advance_shipment(
    store: &Store,
    seller_id: &str,
    id: &str,
    from: &str,
    at_us: i64,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(r) = tx.get_awd(DocTable::Shipments, seller_id, id).await? else {
        return Ok(());
    };
    if r.status != from {
        return Ok(());
    }
    let Some((_, to, _)) = STEPS.iter().find(|(f, _, _)| *f == from) else {
        return Ok(());
    };
    let mut r = r;
    let mut d: ShipmentDoc = decode(&r)?;
    d.shipment.shipment_status = m::InboundShipmentStatus::from_wire(to);
    if *to == "CLOSED" {
        let total: i64 = d.lots.iter().map(|l| l.quantity).sum();
        d.shipment.received_quantity = Some(vec![product_units_q(total)]);
        for (sku, q) in units(&d.lots) {
            let received: Vec<(Option<String>, i64)> = d
                .lots
                .iter()
                .filter(|l| l.sku == sku)
                .map(|l| (l.expiration.clone(), l.quantity))
                .collect();
            let change = InventoryChange {
                onhand: q,
                inbound: -q,
                ..Default::default()
            };
            change_inventory(&mut tx, seller_id, &sku, change, &received, at_us).await?;
        }
        let (mut or, mut o) = load_order(&mut tx, seller_id, &r.group.clone()).await?;
        o.order_status = m::InboundStatus::Closed;
        save_order(&mut tx, &mut or, &mut o, at_us).await?;
    }
    save_shipment(&mut tx, &mut r, &mut d, at_us).await?;
    schedule_next(&mut tx, &r, to, at_us).await?;
    tx.commit().await?;
    Ok(())
}

/// The expiry job: a draft still unconfirmed is EXPIRED.
pub async fn expire(store: &Store, seller_id: &str, id: &str, at_us: i64) -> Result<()> {
    let mut tx = store.begin().await?;
    let Ok((mut r, mut o)) = load_order(&mut tx, seller_id, id).await else {
        return Ok(());
    };
    if o.order_status != m::InboundStatus::Draft {
        return Ok(());
    }
    o.order_status = m::InboundStatus::Expired;
    save_order(&mut tx, &mut r, &mut o, at_us).await?;
    tx.commit().await?;
    Ok(())
}

/// The labels job: writes the label PDF (one page per case) as a document and marks the
/// labels GENERATED, in one transaction.
pub async fn generate_labels(store: &Store, seller_id: &str, id: &str, at_us: i64) -> Result<()> {
    let mut tx = store.begin().await?;
    let Ok((mut r, mut d)) = load_shipment(&mut tx, seller_id, id).await else {
        return Ok(());
    };
    if d.label_status != "GENERATING" {
        return Ok(());
    }
    let doc_id = derived_document_id(&format!("awd-labels:{seller_id}:{id}"));
    let pdf = super::labels::shipment_labels(&d.shipment);
    if tx.get_document(&doc_id).await?.is_none() {
        tx.insert_document(&DocumentRow {
            id: doc_id.clone(),
            seller_id: seller_id.to_string(),
            kind: "label".into(),
            content_type: "application/pdf".into(),
            compression: None,
            resource: Some(id.to_string()),
            content_md5: None,
            generation: None,
            size: 0,
            created_at_us: at_us,
            uploaded_at_us: None,
        })
        .await?;
    }
    let generation = i64::from(rand::random::<u32>()) + 1;
    tx.put_document_bytes(&doc_id, generation, &pdf).await?;
    tx.switch_document_content(&doc_id, generation, pdf.len() as i64, at_us)
        .await?;
    d.label_status = "GENERATED".into();
    d.label_document = Some(doc_id);
    r.doc = encode(&d)?;
    tx.update_awd(DocTable::Shipments, &r).await?;
    tx.commit().await?;
    Ok(())
}
