//! Merchant-fulfilled shipping over the carrier world: Merchant Fulfillment v0 ([`mfn`]),
//! Shipping v2 ([`v2`]) and Shipping v1 ([`v1`]).
//!
//! What the APIs share lives here: a bought label is a `shipment` record
//! ([`crate::store::shipping::RecordRow`]) holding a [`Kept`] document (the quote bought, the
//! label's content and format, the tracking plan, the order lines it ships, the API's own
//! answer). Labels are rendered from it when asked for (the same bytes every time); tracking
//! shows the planned scans whose time has come on the clock.
//!
//! Ties to the order: buying a label for an Amazon order ships the units it carries in the
//! same transaction (`market::orders::ship_lines`: stock, Shipped/PartiallyShipped,
//! ORDER_CHANGE, the finance ShipmentEvent), never twice: the units a label carries count
//! against the order while the label is live, and only units beyond what the order already
//! shipped are shipped. A cancelled (refunded) label leaves the order as it is, as Amazon's
//! Merchant Fulfillment model says ("the status of the order remains Shipped"), and its units
//! may be labelled again (a replacement label) without shipping anything twice.

pub mod mfn;
pub mod v1;
pub mod v2;

use crate::error::{Error, Result};
use crate::market::carriers::{self, Place, Scan};
use crate::market::labels::{self, Format, LabelContent, Size};
use crate::market::orders;
use crate::store::shipping::RecordRow;
use crate::store::{OrderRow, Store, StoreTx};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The record kind of a bought label.
pub const KIND_SHIPMENT: &str = "shipment";

/// How long after a label's cancellation its refund is decided (`RefundPending` until then).
pub const REFUND_AFTER_US: i64 = 60 * 60 * 1_000_000;

/// A label's format and size as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelSpec {
    /// `PDF`, `PNG` or `ZPL`.
    pub format: String,
    /// Width, in `unit`.
    pub width: f64,
    /// Length, in `unit`.
    pub length: f64,
    /// `INCH` or `CENTIMETER`.
    pub unit: String,
    /// Dots per inch.
    pub dpi: u32,
}

impl LabelSpec {
    /// A 4x6 inch label of `format` at `dpi`.
    pub fn four_by_six(format: &str, dpi: u32) -> Self {
        LabelSpec {
            format: format.into(),
            width: 4.0,
            length: 6.0,
            unit: "INCH".into(),
            dpi,
        }
    }

    fn render_format(&self) -> Format {
        match self.format.as_str() {
            "PDF" => Format::Pdf,
            "ZPL" => Format::Zpl,
            _ => Format::Png,
        }
    }

    fn size(&self) -> Size {
        let inches = |v: f64| {
            if self.unit.eq_ignore_ascii_case("CENTIMETER") {
                v / 2.54
            } else {
                v
            }
        };
        Size {
            width_in: inches(self.width).clamp(1.0, 12.0),
            length_in: inches(self.length).clamp(1.0, 12.0),
            dpi: self.dpi.clamp(72, 600),
        }
    }

    /// The MIME type of the rendered label.
    pub fn mime(&self) -> &'static str {
        self.render_format().mime()
    }
}

/// What a label prints, as kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Printed {
    /// Ship-from lines.
    pub from: Vec<String>,
    /// Ship-to lines.
    pub to: Vec<String>,
    /// A reference (order id, custom text).
    pub reference: Option<String>,
}

/// A bought label, as kept in its `shipment` record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// `mfn`, `v2` or `v1`.
    pub api: String,
    /// The carrier service bought.
    pub service_id: String,
    /// The package's tracking number.
    pub tracking_id: String,
    /// Currency of `total`.
    pub currency: String,
    /// What the label cost, minor units.
    pub total: i64,
    /// Billed weight, grams.
    pub billed_g: f64,
    /// Bought at, epoch µs.
    pub bought_us: i64,
    /// Promised pickup window, epoch µs.
    pub pickup: (i64, i64),
    /// Promised delivery window, epoch µs.
    pub delivery: (i64, i64),
    /// The planned tracking scans.
    pub plan: Vec<Scan>,
    /// When the label was cancelled, if it was.
    pub cancelled_us: Option<i64>,
    /// The refund decided at cancellation: `Applied` or `Rejected`.
    pub refund: Option<String>,
    /// The Amazon order it ships, and its lines (order item id, units).
    pub order_id: Option<String>,
    /// Order lines it carries.
    pub order_lines: Vec<(String, i64)>,
    /// Format and size.
    pub label: LabelSpec,
    /// What it prints.
    pub printed: Printed,
    /// Ship-from place.
    pub from: Place,
    /// Ship-to place.
    pub to: Place,
    /// The client's package reference (Shipping v2 `packageClientReferenceId`).
    pub package_ref: Option<String>,
    /// The collection form that manifested it.
    pub collection_form: Option<String>,
    /// NDR feedback given.
    pub ndr: Option<Value>,
    /// The API's own answer for the shipment (without label bytes).
    pub api_doc: Value,
}

impl Kept {
    /// The carrier service.
    pub fn service(&self) -> Result<&'static carriers::Service> {
        carriers::service(&self.service_id)
            .ok_or_else(|| Error::internal(format!("unknown service {}", self.service_id)))
    }

    /// The label's bytes in its kept format.
    pub fn label_bytes(&self) -> Result<Vec<u8>> {
        self.label_bytes_as(&self.label)
    }

    /// The label's bytes in another format or size (a reprint).
    pub fn label_bytes_as(&self, spec: &LabelSpec) -> Result<Vec<u8>> {
        let s = self.service()?;
        let content = LabelContent {
            carrier: s.carrier_name.into(),
            service: s.name.into(),
            tracking_id: self.tracking_id.clone(),
            from: self.printed.from.clone(),
            to: self.printed.to.clone(),
            reference: self.printed.reference.clone(),
            weight: format!("{:.2} kg", self.billed_g / 1000.0),
        };
        Ok(labels::render(spec.render_format(), spec.size(), &content))
    }

    /// The scans that have happened by `now_us`: the plan up to now; a label cancelled before
    /// pickup stops at its cancellation with `PickupCancelled`.
    pub fn scans(&self, now_us: i64) -> Vec<Scan> {
        let mut out: Vec<Scan> = carriers::seen(&self.plan, now_us).cloned().collect();
        if let Some(c) = self.cancelled_us
            && self.refund.as_deref() == Some("Applied")
        {
            out.retain(|s| s.at_us <= c);
            if c <= now_us {
                out.push(Scan {
                    code: "PickupCancelled".into(),
                    at_us: c,
                    place: self.from.clone(),
                    leg: "FORWARD".into(),
                });
            }
        }
        out
    }

    /// The summary status of the package now (Shipping v2's `summary.status`).
    pub fn tracking_status(&self, now_us: i64) -> &'static str {
        let scans = self.scans(now_us);
        if scans.last().is_some_and(|s| s.code == "PickupCancelled") {
            return "PickupCancelled";
        }
        carriers::summary_status(&scans, now_us)
    }

    /// Whether the carrier has the package (a refund is no longer possible).
    pub fn picked_up(&self, now_us: i64) -> bool {
        carriers::picked_up(&self.plan, now_us)
    }

    /// Whether the label is live (not cancelled).
    pub fn live(&self) -> bool {
        self.cancelled_us.is_none()
    }

    /// Cancels the label at `now_us`: refunded when the carrier has not scanned it and the
    /// service's void window is open, else rejected (decided now, shown after
    /// [`REFUND_AFTER_US`]).
    pub fn cancel(&mut self, now_us: i64) -> Result<()> {
        let s = self.service()?;
        let window_open = now_us <= self.bought_us + s.void_hours * 3_600_000_000;
        self.cancelled_us = Some(now_us);
        self.refund = Some(
            if !self.picked_up(now_us) && window_open {
                "Applied"
            } else {
                "Rejected"
            }
            .into(),
        );
        Ok(())
    }
}

/// Parses a kept shipment.
pub fn kept(r: &RecordRow) -> Result<Kept> {
    serde_json::from_str(&r.doc).map_err(Error::internal)
}

/// A new shipment record for `k`.
pub fn record(seller_id: &str, id: &str, k: &Kept, status: &str, now_us: i64) -> Result<RecordRow> {
    Ok(RecordRow {
        kind: KIND_SHIPMENT.into(),
        id: id.into(),
        seller_id: seller_id.into(),
        tracking_id: Some(k.tracking_id.clone()),
        order_id: k.order_id.clone(),
        status: status.into(),
        created_at_us: now_us,
        updated_at_us: now_us,
        doc: serde_json::to_string(k).map_err(Error::internal)?,
    })
}

/// The caller's order `order_id`, read in `tx`; another seller's order does not exist.
pub async fn seller_order_in(
    tx: &mut StoreTx,
    seller_id: &str,
    order_id: &str,
) -> Result<OrderRow> {
    match tx.get_order(order_id).await? {
        Some(r) if r.seller_id == seller_id => Ok(r),
        _ => Err(Error::not_found().with_details(format!("Order {order_id} was not found."))),
    }
}

/// Whether labels may be bought for `row`: seller-fulfilled and not cancelled (Amazon ships
/// FBA orders itself).
pub fn check_labellable(row: &OrderRow, field: &str) -> Result<()> {
    if row.fulfillment_channel != "MFN" {
        return Err(Error::invalid_parameter(
            field,
            format!(
                "Order {} is fulfilled by Amazon; labels are bought for seller-fulfilled orders only.",
                row.amazon_order_id
            ),
        ));
    }
    if row.order_status == "Canceled" {
        return Err(Error::invalid_parameter(
            field,
            format!("Order {} is canceled.", row.amazon_order_id),
        ));
    }
    if row.order_status == "Pending" {
        return Err(Error::invalid_parameter(
            field,
            format!(
                "Order {} is Pending (payment not yet authorized); it cannot ship yet.",
                row.amazon_order_id
            ),
        ));
    }
    Ok(())
}

/// Refuses a label for a regulated order that has not been approved (read before the
/// label's transaction: an in-memory SQLite store has one connection).
pub async fn check_regulated(store: &Store, order_id: &str) -> Result<()> {
    if let Some(info) = store.get_regulated(order_id).await?
        && info["RegulatedOrderVerificationStatus"]["Status"] != "Approved"
    {
        return Err(Error::invalid_input(
            "The regulated order has not been approved (updateVerificationStatus) and cannot ship.",
        ));
    }
    Ok(())
}

/// Ties a label for `lines` of the caller's order to the order in `tx`: the lines must be
/// items of the order, and with the order's other live labels not exceed what was ordered;
/// units not yet shipped ship now (ORDER_CHANGE, stock, finances). `field` is named in errors.
pub async fn tie_to_order(
    tx: &mut StoreTx,
    row: OrderRow,
    lines: &[(String, i64)],
    field: &str,
    now: Timestamp,
) -> Result<()> {
    check_labellable(&row, field)?;
    let items = orders::order_items(&row)?;
    let live: Vec<Kept> = tx
        .ship_records_of_order(&row.seller_id, KIND_SHIPMENT, &row.amazon_order_id)
        .await?
        .iter()
        .map(kept)
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .filter(Kept::live)
        .collect();
    let mut to_ship = Vec::new();
    for (id, q) in lines {
        let Some(item) = items.iter().find(|i| &i.order_item_id == id) else {
            return Err(Error::invalid_parameter(
                field,
                format!("Order item {id} is not in order {}.", row.amazon_order_id),
            ));
        };
        let covered: i64 = live
            .iter()
            .flat_map(|k| k.order_lines.iter())
            .filter(|(i, _)| i == id)
            .map(|(_, n)| n)
            .sum();
        if *q < 1 || covered + q > item.quantity_ordered {
            return Err(Error::invalid_parameter(
                field,
                format!(
                    "Order item {id} has {} units; {covered} already have a label and {q} more were asked for.",
                    item.quantity_ordered
                ),
            ));
        }
        let shipped = item.quantity_shipped.unwrap_or(0);
        let need = (covered + q - shipped).min(*q);
        if need > 0 {
            to_ship.push((id.clone(), need));
        }
    }
    if to_ship.is_empty() {
        return Ok(());
    }
    orders::check_can_ship(&row)?;
    orders::ship_lines(tx, row, &to_ship, field, "ShipmentConfirmed", now).await?;
    Ok(())
}

/// The place of an order's shipping address (city, region, postal code, country), and its
/// printed lines (name and street only with personal data at hand, which the world has).
pub fn order_destination(row: &OrderRow) -> Result<(Place, Vec<String>, bool)> {
    let order = orders::order_doc(row)?;
    let a = order.shipping_address.unwrap_or_default();
    let place = Place {
        city: a.city.clone().unwrap_or_default(),
        state: a.state_or_region.clone().unwrap_or_default(),
        postal: a.postal_code.clone().unwrap_or_default(),
        country: a.country_code.clone().unwrap_or_default(),
    };
    let line1 = a.address_line1.clone().unwrap_or_default();
    let po_box = carriers::is_po_box(&line1);
    let lines = vec![
        a.name.clone().unwrap_or_default(),
        line1,
        format!("{} {} {}", place.city, place.state, place.postal),
        place.country.clone(),
    ];
    Ok((place, lines, po_box))
}

/// Checks an address's required lines (`(name, value)`, named `field.name` when empty) and
/// its two-letter country code (Shipping v1 and v2 share the rule).
pub fn check_address_lines(lines: &[(&str, &str)], country: &str, field: &str) -> Result<()> {
    for (name, v) in lines.iter().chain([("countryCode", country)].iter()) {
        if v.trim().is_empty() {
            return Err(Error::invalid_parameter(
                &format!("{field}.{name}"),
                format!("{name} is required."),
            ));
        }
    }
    if country.chars().count() != 2 {
        return Err(Error::invalid_parameter(
            &format!("{field}.countryCode"),
            "countryCode is a two-letter ISO 3166 code.",
        ));
    }
    Ok(())
}

/// A random numeric id of `n` digits (Shipping v1/v2 shipment ids look like this).
pub fn numeric_id(n: usize) -> String {
    let u = uuid::Uuid::new_v4();
    let mut out = String::new();
    for b in u.as_bytes().iter().cycle().take(n) {
        out.push(char::from(b'0' + b % 10));
    }
    if out.starts_with('0') {
        out.replace_range(0..1, "1");
    }
    out
}
