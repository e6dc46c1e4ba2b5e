//! The inbound plan document and the steps of its workflow, as pure functions over it.
//!
//! Each asynchronous call is one [`Request`]; [`apply`] checks it against the plan and
//! changes the plan, returning the [`Effects`] on the rest of the world (stock moves, shipment
//! jobs, warnings). The call runs it once on a copy (so a call in the wrong state is refused
//! at once with Amazon's 400), and the operation's job runs it again for real a few seconds
//! later: a plan changed meanwhile makes the operation FAILED with the same message, and the
//! plan stays as it was.

use crate::error::{Error, Result};
use crate::market::marketplaces;
use crate::time::{iso_us, parse_date_time};
use serde::{Deserialize, Serialize};
use spapi_model::fulfillment_inbound_2024_03_20 as m;
use std::collections::BTreeMap;

/// µs per hour.
pub const HOUR: i64 = 3_600_000_000;
/// µs per day.
pub const DAY: i64 = 24 * HOUR;
/// How long generated options (packing, placement, transportation quotes, delivery windows,
/// content update previews) stay valid.
pub const OPTION_TTL: i64 = 7 * DAY;
/// Largest side of a standard box: 25 in (63.5 cm).
const MAX_BOX_SIDE_IN: f64 = 25.0;
/// Heaviest box: 50 lb (22.68 kg).
const MAX_BOX_WEIGHT_LB: f64 = 50.0;
/// Most shipments Amazon splits a plan into here.
const MAX_SHIPMENTS: usize = 3;

/// One item of the plan, with what the world knows of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanItem {
    /// Seller SKU.
    pub msku: String,
    /// Its catalog item.
    pub asin: String,
    /// Its FNSKU.
    pub fnsku: String,
    /// Units.
    pub quantity: i64,
    /// AMAZON, SELLER, NONE.
    pub label_owner: String,
    /// AMAZON, SELLER, NONE.
    pub prep_owner: String,
    /// Prep types the item needs (empty: none).
    pub prep_types: Vec<String>,
    /// Expiration date (YYYY-MM-DD).
    pub expiration: Option<String>,
    /// Lot code.
    pub lot: Option<String>,
}

/// A packing group: items packed together.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PackingGroup {
    /// `pg...`.
    pub id: String,
    /// The packing option it belongs to.
    pub option_id: String,
    /// Units per SKU.
    pub items: Vec<(String, i64)>,
    /// Boxes set by setPackingInformation.
    pub boxes: Vec<m::Box>,
    /// Whether setPackingInformation described it.
    pub packed: bool,
}

/// A shipment (of a placement option; the confirmed option's are the plan's shipments).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Ship {
    /// The getShipment answer.
    pub shipment: m::Shipment,
    /// Units per SKU.
    pub items: Vec<(String, i64)>,
    /// Its boxes.
    pub boxes: Vec<m::Box>,
    /// Its pallets (from the transportation configuration).
    pub pallets: Vec<m::Pallet>,
    /// Delivery window options.
    pub delivery_windows: Vec<m::DeliveryWindowOption>,
    /// Content update previews.
    pub previews: Vec<m::ContentUpdatePreview>,
    /// Self-ship appointment slots.
    pub slots: Vec<m::AppointmentSlot>,
    /// When the slots expire.
    pub slots_expire: Option<String>,
    /// Units lost at receipt per SKU (damaged, missing), set by the control plane.
    pub losses: BTreeMap<String, (i64, i64)>,
    /// Where its units are in the FBA inbound stages: "", working, shipped, receiving, done.
    pub stage: String,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Plan {
    /// `wf...`.
    pub id: String,
    /// Name.
    pub name: String,
    /// ACTIVE, VOIDED, SHIPPED, ERRORED.
    pub status: String,
    /// Creation, µs.
    pub created_at: i64,
    /// Last change, µs.
    pub updated_at: i64,
    /// The destination marketplace.
    pub marketplace_id: String,
    /// Where the goods come from.
    pub source_address: m::Address,
    /// Items.
    pub items: Vec<PlanItem>,
    /// Packing options (after generatePackingOptions).
    pub packing_options: Vec<m::PackingOption>,
    /// Packing groups of every packing option.
    pub packing_groups: Vec<PackingGroup>,
    /// Placement options.
    pub placement_options: Vec<m::PlacementOption>,
    /// Shipments of every placement option.
    pub shipments: Vec<Ship>,
    /// Transportation options.
    pub transport_options: Vec<m::TransportationOption>,
    /// confirmTransportationOptions succeeded.
    pub transport_confirmed: bool,
}

/// One asynchronous call, as its operation's job applies it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Request {
    /// createInboundPlan (the plan exists already; the job only finishes the operation).
    CreatePlan,
    /// cancelInboundPlan.
    CancelPlan,
    /// generatePackingOptions.
    GeneratePacking,
    /// confirmPackingOption.
    ConfirmPacking {
        /// The option.
        option_id: String,
    },
    /// setPackingInformation.
    SetPacking {
        /// The body.
        body: m::SetPackingInformationRequest,
    },
    /// generatePlacementOptions.
    GeneratePlacement {
        /// The body.
        body: m::GeneratePlacementOptionsRequest,
    },
    /// confirmPlacementOption.
    ConfirmPlacement {
        /// The option.
        option_id: String,
    },
    /// generateTransportationOptions.
    GenerateTransport {
        /// The body.
        body: m::GenerateTransportationOptionsRequest,
    },
    /// confirmTransportationOptions.
    ConfirmTransport {
        /// The body.
        body: m::ConfirmTransportationOptionsRequest,
    },
    /// generateDeliveryWindowOptions.
    GenerateWindows {
        /// The shipment.
        shipment_id: String,
    },
    /// confirmDeliveryWindowOptions.
    ConfirmWindow {
        /// The shipment.
        shipment_id: String,
        /// The option.
        option_id: String,
    },
    /// updateShipmentSourceAddress.
    UpdateSource {
        /// The shipment.
        shipment_id: String,
        /// The body.
        body: m::UpdateShipmentSourceAddressRequest,
    },
    /// updateShipmentTrackingDetails.
    UpdateTracking {
        /// The shipment.
        shipment_id: String,
        /// The body.
        body: m::UpdateShipmentTrackingDetailsRequest,
    },
    /// generateShipmentContentUpdatePreviews.
    GeneratePreviews {
        /// The shipment.
        shipment_id: String,
        /// The body.
        body: m::GenerateShipmentContentUpdatePreviewsRequest,
    },
    /// confirmShipmentContentUpdatePreview.
    ConfirmPreview {
        /// The shipment.
        shipment_id: String,
        /// The preview.
        preview_id: String,
    },
    /// generateSelfShipAppointmentSlots.
    GenerateSlots {
        /// The shipment.
        shipment_id: String,
        /// The body.
        body: m::GenerateSelfShipAppointmentSlotsRequest,
    },
    /// cancelSelfShipAppointment.
    CancelAppointment {
        /// The shipment.
        shipment_id: String,
    },
    /// setPrepDetails (no plan).
    SetPrep {
        /// The body.
        body: m::SetPrepDetailsRequest,
    },
    /// updateItemComplianceDetails (no plan).
    UpdateCompliance {
        /// The marketplace.
        marketplace_id: String,
        /// The body.
        body: m::UpdateItemComplianceDetailsRequest,
    },
}

impl Request {
    /// The operationId of the call.
    pub fn operation(&self) -> &'static str {
        match self {
            Request::CreatePlan => "createInboundPlan",
            Request::CancelPlan => "cancelInboundPlan",
            Request::GeneratePacking => "generatePackingOptions",
            Request::ConfirmPacking { .. } => "confirmPackingOption",
            Request::SetPacking { .. } => "setPackingInformation",
            Request::GeneratePlacement { .. } => "generatePlacementOptions",
            Request::ConfirmPlacement { .. } => "confirmPlacementOption",
            Request::GenerateTransport { .. } => "generateTransportationOptions",
            Request::ConfirmTransport { .. } => "confirmTransportationOptions",
            Request::GenerateWindows { .. } => "generateDeliveryWindowOptions",
            Request::ConfirmWindow { .. } => "confirmDeliveryWindowOptions",
            Request::UpdateSource { .. } => "updateShipmentSourceAddress",
            Request::UpdateTracking { .. } => "updateShipmentTrackingDetails",
            Request::GeneratePreviews { .. } => "generateShipmentContentUpdatePreviews",
            Request::ConfirmPreview { .. } => "confirmShipmentContentUpdatePreview",
            Request::GenerateSlots { .. } => "generateSelfShipAppointmentSlots",
            Request::CancelAppointment { .. } => "cancelSelfShipAppointment",
            Request::SetPrep { .. } => "setPrepDetails",
            Request::UpdateCompliance { .. } => "updateItemComplianceDetails",
        }
    }
}

/// A move of a SKU's units between the FBA inbound stages (deltas).
#[derive(Debug, Clone, PartialEq)]
pub struct StageMove {
    /// The SKU.
    pub msku: String,
    /// Change of working units.
    pub working: i64,
    /// Change of shipped units.
    pub shipped: i64,
    /// Change of receiving units.
    pub receiving: i64,
}

/// What applying a request does beyond the plan.
#[derive(Debug, Default)]
pub struct Effects {
    /// Stock moves.
    pub moves: Vec<StageMove>,
    /// Shipments whose progress starts: (shipment id, the status it leaves, when).
    pub schedule: Vec<(String, String, i64)>,
    /// Warnings of a successful operation.
    pub warnings: Vec<m::OperationProblem>,
}

/// A new id: two letters and a UUID (38 characters, as Amazon's).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4())
}

/// A new shipment confirmation id (`FBA` and 9 upper-case letters and digits).
pub fn confirmation_id() -> String {
    format!(
        "FBA{}",
        crate::auth::secret::random_token(9).to_ascii_uppercase()
    )
}

fn bad(message: impl Into<String>) -> Error {
    Error::invalid_input(message)
}

/// A warning of a successful operation.
pub fn warning(code: &str, message: &str, details: Option<String>) -> m::OperationProblem {
    m::OperationProblem {
        code: code.into(),
        message: message.into(),
        details,
        severity: "WARNING".into(),
    }
}

/// Money in the plan's currency.
pub fn currency(marketplace_id: &str, amount: f64) -> m::Currency {
    let code = marketplaces::marketplace(marketplace_id)
        .map(|mp| mp.currency)
        .unwrap_or("USD");
    m::Currency {
        amount: (amount * 100.0).round() / 100.0,
        code: code.into(),
    }
}

fn incentive(kind: &str, target: &str, description: &str, value: m::Currency) -> m::Incentive {
    m::Incentive {
        description: description.into(),
        target: target.into(),
        r#type: kind.into(),
        value,
    }
}

impl Plan {
    /// The wire item of SKU `msku` with `quantity` units.
    pub fn item(&self, msku: &str, quantity: i64) -> m::Item {
        let i = self.items.iter().find(|i| i.msku == msku);
        m::Item {
            asin: i.map(|i| i.asin.clone()).unwrap_or_default(),
            expiration: i.and_then(|i| i.expiration.clone()),
            fnsku: i.map(|i| i.fnsku.clone()).unwrap_or_default(),
            label_owner: i.map(|i| i.label_owner.clone()).unwrap_or_default(),
            manufacturing_lot_code: i.and_then(|i| i.lot.clone()),
            msku: msku.to_string(),
            prep_instructions: i
                .map(|i| {
                    i.prep_types
                        .iter()
                        .map(|t| m::PrepInstruction {
                            fee: (i.prep_owner == "AMAZON")
                                .then(|| currency(&self.marketplace_id, 0.55 * quantity as f64)),
                            prep_owner: Some(i.prep_owner.clone()),
                            prep_type: Some(t.clone()),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            quantity,
        }
    }

    /// The confirmed packing option, if any.
    pub fn confirmed_packing(&self) -> Option<&m::PackingOption> {
        self.packing_options.iter().find(|o| o.status == "ACCEPTED")
    }

    /// The confirmed placement option, if any.
    pub fn confirmed_placement(&self) -> Option<&m::PlacementOption> {
        self.placement_options
            .iter()
            .find(|o| o.status == "ACCEPTED")
    }

    /// The plan's shipments: those of the confirmed placement option.
    pub fn confirmed_shipments(&self) -> Vec<&Ship> {
        match self.confirmed_placement() {
            Some(p) => self
                .shipments
                .iter()
                .filter(|s| s.shipment.placement_option_id == p.placement_option_id)
                .collect(),
            None => vec![],
        }
    }

    /// A shipment of the plan (of any placement option).
    pub fn shipment(&self, id: &str) -> Result<&Ship> {
        self.shipments
            .iter()
            .find(|s| s.shipment.shipment_id == id)
            .ok_or_else(|| bad(format!("The requested shipment {id} does not exist.")))
    }

    fn shipment_mut(&mut self, id: &str) -> Result<&mut Ship> {
        self.shipments
            .iter_mut()
            .find(|s| s.shipment.shipment_id == id)
            .ok_or_else(|| bad(format!("The requested shipment {id} does not exist.")))
    }

    /// A shipment of the confirmed placement option.
    fn confirmed_shipment_mut(&mut self, id: &str) -> Result<&mut Ship> {
        let confirmed = self
            .confirmed_placement()
            .map(|p| p.placement_option_id.clone());
        let s = self.shipment_mut(id)?;
        if confirmed.as_deref() != Some(s.shipment.placement_option_id.as_str()) {
            return Err(bad(format!(
                "The shipment {id} is not part of the confirmed placement option. Confirm a \
                 placement option first."
            )));
        }
        Ok(s)
    }

    /// Every box of the plan: the shipments' once placement is confirmed, else the packing
    /// groups'.
    pub fn boxes(&self) -> Vec<m::Box> {
        if self.confirmed_placement().is_some() {
            self.confirmed_shipments()
                .iter()
                .flat_map(|s| s.boxes.clone())
                .collect()
        } else {
            self.packing_groups
                .iter()
                .filter(|g| {
                    Some(&g.option_id) == self.confirmed_packing().map(|o| &o.packing_option_id)
                })
                .flat_map(|g| g.boxes.clone())
                .collect()
        }
    }
}

/// Checks that the plan can take `operation` at all (not cancelled, not errored).
pub fn check_open(plan: &Plan, operation: &str) -> Result<()> {
    match plan.status.as_str() {
        "VOIDED" => Err(bad(format!(
            "ERROR: Operation {} can not be processed on a cancelled inbound plan.",
            capitalized(operation)
        ))),
        "ERRORED" => Err(bad(format!(
            "ERROR: Operation {} can not be processed on an inbound plan that failed to be \
             created.",
            capitalized(operation)
        ))),
        _ => Ok(()),
    }
}

fn capitalized(op: &str) -> String {
    let mut c = op.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

fn check_stage_before_transport(plan: &Plan, what: &str) -> Result<()> {
    if plan.transport_confirmed {
        return Err(bad(format!(
            "The inbound plan is not in a valid state to {what}: transportation options are \
             already confirmed."
        )));
    }
    Ok(())
}

/// Applies `req` to `plan` at `now` (µs).
pub fn apply(plan: &mut Plan, req: &Request, now: i64) -> Result<Effects> {
    check_open(plan, req.operation())?;
    let mut fx = Effects::default();
    match req {
        Request::CreatePlan => {}
        Request::CancelPlan => cancel(plan, &mut fx)?,
        Request::GeneratePacking => generate_packing(plan, now)?,
        Request::ConfirmPacking { option_id } => confirm_packing(plan, option_id, now)?,
        Request::SetPacking { body } => set_packing(plan, body, &mut fx)?,
        Request::GeneratePlacement { body } => generate_placement(plan, body, now)?,
        Request::ConfirmPlacement { option_id } => {
            confirm_placement(plan, option_id, now, &mut fx)?
        }
        Request::GenerateTransport { body } => generate_transport(plan, body, now)?,
        Request::ConfirmTransport { body } => confirm_transport(plan, body, now, &mut fx)?,
        Request::GenerateWindows { shipment_id } => generate_windows(plan, shipment_id, now)?,
        Request::ConfirmWindow {
            shipment_id,
            option_id,
        } => confirm_window(plan, shipment_id, option_id, now)?,
        Request::UpdateSource { shipment_id, body } => {
            check_stage_before_transport(plan, "update the source address")?;
            let s = plan.shipment_mut(shipment_id)?;
            s.shipment.source.address = Some(address(&body.address)?);
            // A new origin invalidates the quotes of this shipment.
            plan.transport_options
                .retain(|o| &o.shipment_id != shipment_id);
        }
        Request::UpdateTracking { shipment_id, body } => update_tracking(plan, shipment_id, body)?,
        Request::GeneratePreviews { shipment_id, body } => {
            generate_previews(plan, shipment_id, body, now)?
        }
        Request::ConfirmPreview {
            shipment_id,
            preview_id,
        } => confirm_preview(plan, shipment_id, preview_id, now, &mut fx)?,
        Request::GenerateSlots { shipment_id, body } => {
            generate_slots(plan, shipment_id, body, now)?
        }
        Request::CancelAppointment { shipment_id } => {
            let s = plan.confirmed_shipment_mut(shipment_id)?;
            let Some(a) = s
                .shipment
                .self_ship_appointment_details
                .as_mut()
                .and_then(|v| v.last_mut())
                .filter(|a| a.appointment_status.as_deref() != Some("CANCELLED"))
            else {
                return Err(bad(format!(
                    "The shipment {shipment_id} has no self-ship appointment to cancel."
                )));
            };
            a.appointment_status = Some("CANCELLED".into());
        }
        Request::SetPrep { .. } | Request::UpdateCompliance { .. } => {}
    }
    plan.updated_at = now;
    Ok(fx)
}

/// Parses an address input into the plan's address, checking what Amazon checks.
pub fn address(a: &m::AddressInput) -> Result<m::Address> {
    for (field, v) in [
        ("addressLine1", &a.address_line1),
        ("city", &a.city),
        ("countryCode", &a.country_code),
        ("name", &a.name),
        ("phoneNumber", &a.phone_number),
        ("postalCode", &a.postal_code),
    ] {
        if v.trim().is_empty() {
            return Err(Error::invalid_parameter(
                field,
                format!("ERROR: Provided address is invalid: {field} is required."),
            ));
        }
    }
    if a.country_code.len() != 2 || !a.country_code.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::invalid_parameter(
            "countryCode",
            "ERROR: Provided address is invalid. countryCode must be an ISO 3166-1 alpha-2 code.",
        ));
    }
    Ok(m::Address {
        address_line1: a.address_line1.clone(),
        address_line2: a.address_line2.clone(),
        city: a.city.clone(),
        company_name: a.company_name.clone(),
        country_code: a.country_code.clone(),
        district_or_county: a.district_or_county.clone(),
        email: a.email.clone(),
        name: a.name.clone(),
        phone_number: Some(a.phone_number.clone()),
        postal_code: a.postal_code.clone(),
        state_or_province_code: a.state_or_province_code.clone(),
    })
}

fn cancel(plan: &mut Plan, fx: &mut Effects) -> Result<()> {
    if plan.status == "SHIPPED"
        || plan
            .confirmed_shipments()
            .iter()
            .any(|s| !matches!(s.stage.as_str(), "" | "working"))
    {
        return Err(bad(
            "The inbound plan cannot be cancelled: a shipment of it has already shipped.",
        ));
    }
    for s in plan.shipments.iter_mut() {
        if s.stage == "working" {
            for (msku, q) in &s.items {
                fx.moves.push(StageMove {
                    msku: msku.clone(),
                    working: -q,
                    shipped: 0,
                    receiving: 0,
                });
            }
            s.stage = String::new();
        }
        if s.shipment.status.as_deref() != Some("UNCONFIRMED") {
            s.shipment.status = Some("CANCELLED".into());
        }
    }
    plan.status = "VOIDED".into();
    Ok(())
}

fn generate_packing(plan: &mut Plan, now: i64) -> Result<()> {
    if plan.confirmed_packing().is_some() {
        return Err(bad(
            "The inbound plan is not in a valid state to generate packing options: a packing \
             option is already confirmed.",
        ));
    }
    let expiration = Some(iso_us(now + OPTION_TTL));
    let configs = vec![m::PackingConfiguration {
        box_packing_methods: Some(vec![
            m::BoxContentInformationSource::BoxContentProvided,
            m::BoxContentInformationSource::ManualProcess,
            m::BoxContentInformationSource::Barcode2d,
        ]),
        box_requirements: Some(m::BoxRequirements {
            weight: m::WeightRange {
                maximum: MAX_BOX_WEIGHT_LB,
                minimum: 0.1,
                unit: m::UnitOfWeight::Lb,
            },
        }),
        shipping_requirements: Some(vec![
            m::ShippingRequirements {
                modes: vec!["GROUND_SMALL_PARCEL".into(), "FREIGHT_LTL".into()],
                solution: "AMAZON_PARTNERED_CARRIER".into(),
            },
            m::ShippingRequirements {
                modes: vec!["GROUND_SMALL_PARCEL".into(), "FREIGHT_LTL".into()],
                solution: "USE_YOUR_OWN_CARRIER".into(),
            },
        ]),
    }];
    let shipping = vec![
        m::ShippingConfiguration {
            shipping_mode: Some("GROUND_SMALL_PARCEL".into()),
            shipping_solution: Some("AMAZON_PARTNERED_CARRIER".into()),
        },
        m::ShippingConfiguration {
            shipping_mode: Some("GROUND_SMALL_PARCEL".into()),
            shipping_solution: Some("USE_YOUR_OWN_CARRIER".into()),
        },
    ];
    // Option 1 packs everything together; option 2 (two SKUs or more) packs each half of the
    // SKUs apart, which Amazon rewards with nothing here: it is there so that a client has a
    // choice to make, as at Amazon.
    let all: Vec<(String, i64)> = plan
        .items
        .iter()
        .map(|i| (i.msku.clone(), i.quantity))
        .collect();
    let mut splits = vec![vec![all.clone()]];
    if all.len() >= 2 {
        let half = all.len().div_ceil(2);
        splits.push(vec![all[..half].to_vec(), all[half..].to_vec()]);
    }
    plan.packing_options.clear();
    plan.packing_groups.clear();
    for groups in splits {
        let option_id = new_id("po");
        let mut ids = vec![];
        for items in groups {
            let id = new_id("pg");
            ids.push(id.clone());
            plan.packing_groups.push(PackingGroup {
                id,
                option_id: option_id.clone(),
                items,
                boxes: vec![],
                packed: false,
            });
        }
        plan.packing_options.push(m::PackingOption {
            discounts: vec![],
            expiration: expiration.clone(),
            fees: vec![],
            packing_groups: ids,
            packing_option_id: option_id,
            status: "OFFERED".into(),
            supported_configurations: configs.clone(),
            supported_shipping_configurations: shipping.clone(),
        });
    }
    Ok(())
}

fn expired(expiration: Option<&str>, now: i64) -> bool {
    expiration
        .and_then(parse_date_time)
        .is_some_and(|t| t.as_microsecond() <= now)
}

fn confirm_packing(plan: &mut Plan, option_id: &str, now: i64) -> Result<()> {
    if plan.packing_options.is_empty() {
        return Err(bad(
            "The inbound plan is not in a valid state to confirm a packing option: no packing \
             options were generated. Call generatePackingOptions first.",
        ));
    }
    if plan.confirmed_packing().is_some() {
        return Err(bad(
            "A packing option is already confirmed for this inbound plan.",
        ));
    }
    let o = plan
        .packing_options
        .iter_mut()
        .find(|o| o.packing_option_id == option_id)
        .ok_or_else(|| {
            bad(format!(
                "The requested packing option {option_id} does not exist."
            ))
        })?;
    if expired(o.expiration.as_deref(), now) {
        o.status = "EXPIRED".into();
        return Err(bad(format!("The packing option {option_id} has expired.")));
    }
    o.status = "ACCEPTED".into();
    Ok(())
}

/// Inches of a length in `unit`.
fn inches(v: f64, unit: &m::UnitOfMeasurement) -> f64 {
    match unit {
        m::UnitOfMeasurement::Cm => v / 2.54,
        _ => v,
    }
}

/// Pounds of a weight in `unit`.
fn pounds(v: f64, unit: &m::UnitOfWeight) -> f64 {
    match unit {
        m::UnitOfWeight::Kg => v * 2.204_62,
        _ => v,
    }
}

/// One box as given: contents source, dimensions, items, how many such boxes, weight.
type BoxInputRef<'a> = (
    m::BoxContentInformationSource,
    &'a m::Dimensions,
    &'a Option<Vec<m::ItemInput>>,
    i64,
    &'a m::Weight,
);

/// Boxes made, with the units per SKU they hold (`None` when contents are not given).
type MadeBoxes = (Vec<m::Box>, Option<BTreeMap<String, i64>>);

/// Checks boxes and makes the stored boxes; returns them with the units per SKU they hold
/// (`None` when a box's contents are not given).
fn boxes_of(
    plan: &Plan,
    inputs: &[BoxInputRef<'_>],
    allowed: &[(String, i64)],
    what: &str,
) -> Result<MadeBoxes> {
    if inputs.is_empty() {
        return Err(bad(format!("At least one box is required for {what}.")));
    }
    if inputs.len() > 5000 {
        return Err(bad("At most 5000 boxes can be given per grouping."));
    }
    let mut totals: Option<BTreeMap<String, i64>> = Some(BTreeMap::new());
    let mut out = vec![];
    for (n, (source, dims, items, quantity, weight)) in inputs.iter().enumerate() {
        let at = format!("box {}", n + 1);
        if matches!(source, m::BoxContentInformationSource::Unknown(_)) {
            return Err(Error::invalid_parameter(
                "contentInformationSource",
                format!("{at}: contentInformationSource {source} is not supported."),
            ));
        }
        if !(1..=10_000).contains(quantity) {
            return Err(Error::invalid_parameter(
                "quantity",
                format!("{at}: quantity must be between 1 and 10000."),
            ));
        }
        if matches!(dims.unit_of_measurement, m::UnitOfMeasurement::Unknown(_))
            || matches!(weight.unit, m::UnitOfWeight::Unknown(_))
        {
            return Err(bad(format!("{at}: unknown unit of measurement.")));
        }
        for side in [dims.length, dims.width, dims.height] {
            if !(side.is_finite() && side > 0.0) {
                return Err(Error::invalid_parameter(
                    "dimensions",
                    format!("{at}: box dimensions must be greater than 0."),
                ));
            }
            if inches(side, &dims.unit_of_measurement) > MAX_BOX_SIDE_IN + 1e-9 {
                return Err(Error::invalid_parameter(
                    "dimensions",
                    format!("{at}: a box side exceeds the standard limit of 25 in (63.5 cm)."),
                ));
            }
        }
        if !(weight.value.is_finite() && weight.value > 0.0) {
            return Err(Error::invalid_parameter(
                "weight",
                format!("{at}: box weight must be greater than 0."),
            ));
        }
        if pounds(weight.value, &weight.unit) > MAX_BOX_WEIGHT_LB + 1e-9 {
            return Err(Error::invalid_parameter(
                "weight",
                format!("{at}: box weight exceeds the limit of 50 lb (22.68 kg)."),
            ));
        }
        let provided = *source == m::BoxContentInformationSource::BoxContentProvided;
        let items: Vec<m::ItemInput> = items.as_ref().cloned().unwrap_or_default();
        if provided && items.is_empty() {
            return Err(bad(format!(
                "{at}: items are required when contentInformationSource is BOX_CONTENT_PROVIDED."
            )));
        }
        if !provided && !items.is_empty() {
            return Err(bad(format!(
                "{at}: items must be empty when contentInformationSource is {source}."
            )));
        }
        let mut box_items = vec![];
        for i in &items {
            if !allowed.iter().any(|(k, _)| k == &i.msku) {
                return Err(bad(format!(
                    "{at}: the msku {} is not part of {what}.",
                    i.msku
                )));
            }
            if i.quantity < 1 {
                return Err(Error::invalid_parameter(
                    "quantity",
                    format!("{at}: the quantity of {} must be at least 1.", i.msku),
                ));
            }
            if let Some(t) = totals.as_mut() {
                *t.entry(i.msku.clone()).or_default() += i.quantity * quantity;
            }
            box_items.push(plan.item(&i.msku, i.quantity));
        }
        if !provided {
            totals = None;
        }
        out.push(m::Box {
            box_id: None,
            content_information_source: Some(source.clone()),
            destination_region: None,
            dimensions: Some((*dims).clone()),
            external_container_identifier: None,
            external_container_identifier_type: None,
            items: provided.then_some(box_items),
            package_id: new_id("pk"),
            quantity: Some(*quantity),
            template_name: None,
            weight: Some((*weight).clone()),
        });
    }
    if let Some(t) = &totals {
        for (msku, want) in allowed {
            let got = t.get(msku).copied().unwrap_or(0);
            if got != *want {
                return Err(bad(format!(
                    "The boxes of {what} hold {got} units of {msku}; {want} are expected."
                )));
            }
        }
    }
    Ok((out, totals))
}

fn set_packing(
    plan: &mut Plan,
    body: &m::SetPackingInformationRequest,
    fx: &mut Effects,
) -> Result<()> {
    if body.package_groupings.is_empty() {
        return Err(Error::invalid_parameter(
            "packageGroupings",
            "At least one package grouping is required.",
        ));
    }
    check_stage_before_transport(plan, "set packing information")?;
    for g in &body.package_groupings {
        let inputs: Vec<_> = g
            .boxes
            .iter()
            .map(|b| {
                (
                    b.content_information_source.clone(),
                    &b.dimensions,
                    &b.items,
                    b.quantity,
                    &b.weight,
                )
            })
            .collect();
        match (&g.packing_group_id, &g.shipment_id) {
            (Some(pg), None) => {
                // packingGroupId is for plans whose placement is not confirmed yet.
                if plan.confirmed_placement().is_some() {
                    return Err(bad(
                        "packingGroupId can only be used before a placement option is \
                         confirmed; use shipmentId.",
                    ));
                }
                let Some(option) = plan
                    .confirmed_packing()
                    .map(|o| o.packing_option_id.clone())
                else {
                    return Err(bad(
                        "The inbound plan is not in a valid state to set packing information: \
                         no packing option is confirmed.",
                    ));
                };
                let Some(idx) = plan
                    .packing_groups
                    .iter()
                    .position(|x| &x.id == pg && x.option_id == option)
                else {
                    return Err(bad(format!(
                        "The packing group {pg} is not part of the confirmed packing option."
                    )));
                };
                let allowed = plan.packing_groups[idx].items.clone();
                let (boxes, _) = boxes_of(plan, &inputs, &allowed, &format!("packing group {pg}"))?;
                let g = &mut plan.packing_groups[idx];
                g.boxes = boxes;
                g.packed = true;
                // New boxes make earlier placement options stale.
                plan.placement_options.clear();
                plan.shipments.clear();
                plan.transport_options.clear();
            }
            (None, Some(sh)) => {
                if plan.confirmed_placement().is_none() {
                    return Err(bad(
                        "shipmentId can only be used after a placement option is confirmed; \
                         use packingGroupId.",
                    ));
                }
                let allowed = plan.confirmed_shipment_mut(sh)?.items.clone();
                let confirmation = plan.shipment(sh)?.shipment.shipment_confirmation_id.clone();
                let (mut boxes, _) = boxes_of(plan, &inputs, &allowed, &format!("shipment {sh}"))?;
                number_boxes(&mut boxes, confirmation.as_deref());
                plan.confirmed_shipment_mut(sh)?.boxes = boxes;
                plan.transport_options.retain(|o| &o.shipment_id != sh);
            }
            _ => {
                return Err(bad(
                    "Each package grouping needs exactly one of packingGroupId and shipmentId.",
                ));
            }
        }
    }
    let unpacked = plan
        .packing_groups
        .iter()
        .filter(|g| {
            Some(&g.option_id) == plan.confirmed_packing().map(|o| &o.packing_option_id)
                && !g.packed
        })
        .count();
    if unpacked > 0 && plan.confirmed_placement().is_none() {
        fx.warnings.push(warning(
            "FBA_INB_0330",
            "WARNING: Packing information is still missing for some packing groups.",
            Some(format!("{unpacked} packing group(s) have no boxes yet.")),
        ));
    }
    Ok(())
}

/// Gives boxes their box ids: the shipment confirmation id, `U` and a 6-digit index.
fn number_boxes(boxes: &mut [m::Box], confirmation: Option<&str>) {
    let Some(c) = confirmation else {
        return;
    };
    for (n, b) in boxes.iter_mut().enumerate() {
        b.box_id = Some(format!("{c}U{:06}", n + 1));
    }
}

/// Fulfillment centers a marketplace's shipments go to: (warehouse id, street, city, state,
/// postal code).
fn warehouses(country: &str) -> Vec<(String, String, String, String, String)> {
    let t: &[(&str, &str, &str, &str, &str)] = match country {
        "US" => &[
            ("ABE8", "309 Cedar Lane", "Florence", "NJ", "08518"),
            ("ONT8", "24300 Nandina Ave", "Moreno Valley", "CA", "92551"),
            ("MDW2", "250 Emerald Dr", "Joliet", "IL", "60433"),
            ("PHX7", "800 N 75th Ave", "Phoenix", "AZ", "85043"),
        ],
        "CA" => &[
            ("YYZ4", "8050 Heritage Rd", "Brampton", "ON", "L6Y 0C9"),
            ("YVR2", "450 Derwent Pl", "Delta", "BC", "V3M 5Y9"),
            (
                "YYC1",
                "293069 Colonel Robertson Way",
                "Rocky View",
                "AB",
                "T4A 0E2",
            ),
        ],
        "GB" | "UK" => &[
            ("LTN1", "Marston Gate", "Ridgmont", "BED", "MK43 0ZA"),
            ("BHX4", "Plot 1 Prologis Park", "Coventry", "WAR", "CV6 4QJ"),
            ("MAN1", "Airport City", "Manchester", "MAN", "M90 5AA"),
        ],
        "DE" => &[
            ("FRA7", "Am Schloss Eichhof", "Bad Hersfeld", "HE", "36251"),
            ("DTM2", "Kaltbandstrasse 4", "Dortmund", "NW", "44145"),
            ("LEJ1", "Amazonstrasse 1", "Leipzig", "SN", "04347"),
        ],
        _ => &[],
    };
    if t.is_empty() {
        return (1..=3)
            .map(|n| {
                (
                    format!("{country}F{n}"),
                    format!("{n} Fulfillment Road"),
                    "Fulfillment City".into(),
                    String::new(),
                    format!("{n}0000"),
                )
            })
            .collect();
    }
    t.iter()
        .map(|(a, b, c, d, e)| {
            (
                a.to_string(),
                b.to_string(),
                c.to_string(),
                d.to_string(),
                e.to_string(),
            )
        })
        .collect()
}

fn generate_placement(
    plan: &mut Plan,
    body: &m::GeneratePlacementOptionsRequest,
    now: i64,
) -> Result<()> {
    let Some(packing) = plan
        .confirmed_packing()
        .map(|o| o.packing_option_id.clone())
    else {
        return Err(bad(
            "The inbound plan is not in a valid state to generate placement options: no \
             packing option is confirmed. Call confirmPackingOption first.",
        ));
    };
    if plan.confirmed_placement().is_some() {
        return Err(bad(
            "The inbound plan is not in a valid state to generate placement options: a \
             placement option is already confirmed.",
        ));
    }
    let groups: Vec<&PackingGroup> = plan
        .packing_groups
        .iter()
        .filter(|g| g.option_id == packing)
        .collect();
    if let Some(g) = groups.iter().find(|g| !g.packed) {
        return Err(bad(format!(
            "The inbound plan is not in a valid state to generate placement options: packing \
             information is missing for packing group {}. Call setPackingInformation first.",
            g.id
        )));
    }
    let country = marketplaces::marketplace(&plan.marketplace_id)
        .map(|m| m.country_code)
        .unwrap_or("US");
    if body
        .custom_placement
        .as_ref()
        .is_some_and(|c| !c.is_empty())
        && country != "IN"
    {
        return Err(bad(
            "customPlacement is only supported for inbound plans to the India marketplace.",
        ));
    }
    // Every box entry (identical boxes travel together), with its units per SKU.
    let mut entries: Vec<(m::Box, Vec<(String, i64)>)> = vec![];
    for g in &groups {
        for b in &g.boxes {
            let n = b.quantity.unwrap_or(1);
            let units: Vec<(String, i64)> = match &b.items {
                Some(items) => items
                    .iter()
                    .map(|i| (i.msku.clone(), i.quantity * n))
                    .collect(),
                None => vec![],
            };
            entries.push((b.clone(), units));
        }
        // Boxes without contents: the group's units go with its first box entry.
        let described: i64 = g.boxes.iter().filter(|b| b.items.is_some()).count() as i64;
        if described == 0
            && let Some(first) = entries.iter_mut().rev().take(g.boxes.len()).last()
        {
            first.1 = g.items.clone();
        }
    }
    let houses = warehouses(country);
    let most = entries.len().clamp(1, MAX_SHIPMENTS).min(houses.len());
    let mut splits = vec![most];
    if most > 1 {
        splits.push(1);
    }
    let units: i64 = plan.items.iter().map(|i| i.quantity).sum();
    plan.placement_options.clear();
    plan.shipments.clear();
    plan.transport_options.clear();
    for k in splits {
        let option_id = new_id("pl");
        let mut ships: Vec<Ship> = (0..k)
            .map(|n| {
                let (wh, street, city, state, zip) = houses[n].clone();
                Ship {
                    shipment: m::Shipment {
                        destination: m::ShipmentDestination {
                            address: Some(m::Address {
                                address_line1: street,
                                city,
                                country_code: country.to_string(),
                                name: format!("Amazon {wh}"),
                                postal_code: zip,
                                state_or_province_code: (!state.is_empty()).then_some(state),
                                ..Default::default()
                            }),
                            destination_type: "AMAZON_OPTIMIZED".into(),
                            warehouse_id: Some(wh),
                        },
                        placement_option_id: option_id.clone(),
                        shipment_id: new_id("sh"),
                        source: m::ShipmentSource {
                            address: Some(plan.source_address.clone()),
                            source_type: "SELLER_FACILITY".into(),
                        },
                        status: Some("UNCONFIRMED".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                }
            })
            .collect();
        for (n, (b, units)) in entries.iter().enumerate() {
            let s = &mut ships[n % k];
            s.boxes.push(b.clone());
            for (msku, q) in units {
                match s.items.iter_mut().find(|(k, _)| k == msku) {
                    Some(x) => x.1 += q,
                    None => s.items.push((msku.clone(), *q)),
                }
            }
        }
        ships.retain(|s| !s.boxes.is_empty());
        // Fewer shipments cost a placement fee per unit (Amazon's inbound placement service
        // fee: the minimal split costs most, Amazon's optimized split nothing).
        let per_unit = match ships.len() {
            1 if most > 1 => 0.30,
            2 => 0.15,
            _ => 0.0,
        };
        let fees = if per_unit > 0.0 {
            vec![incentive(
                "FEE",
                "Placement Services",
                "Inbound placement service fee",
                currency(&plan.marketplace_id, per_unit * units as f64),
            )]
        } else {
            vec![incentive(
                "FEE",
                "Placement Services",
                "Amazon-optimized shipment splits: no placement fee",
                currency(&plan.marketplace_id, 0.0),
            )]
        };
        plan.placement_options.push(m::PlacementOption {
            discounts: vec![],
            expiration: Some(iso_us(now + OPTION_TTL)),
            fees,
            placement_option_id: option_id,
            shipment_ids: ships
                .iter()
                .map(|s| s.shipment.shipment_id.clone())
                .collect(),
            status: "OFFERED".into(),
        });
        plan.shipments.extend(ships);
    }
    Ok(())
}

fn confirm_placement(plan: &mut Plan, option_id: &str, now: i64, fx: &mut Effects) -> Result<()> {
    if plan.placement_options.is_empty() {
        return Err(bad(
            "The inbound plan is not in a valid state to confirm a placement option: no \
             placement options were generated. Call generatePlacementOptions first.",
        ));
    }
    if plan.confirmed_placement().is_some() {
        return Err(bad(
            "A placement option is already confirmed for this inbound plan.",
        ));
    }
    let o = plan
        .placement_options
        .iter_mut()
        .find(|o| o.placement_option_id == option_id)
        .ok_or_else(|| {
            bad(format!(
                "The requested placement option {option_id} does not exist."
            ))
        })?;
    if expired(o.expiration.as_deref(), now) {
        o.status = "EXPIRED".into();
        return Err(bad(format!(
            "The placement option {option_id} has expired."
        )));
    }
    o.status = "ACCEPTED".into();
    // Only the chosen option's shipments stay.
    plan.shipments
        .retain(|s| s.shipment.placement_option_id == option_id);
    plan.transport_options.retain(|t| {
        plan.shipments
            .iter()
            .any(|s| s.shipment.shipment_id == t.shipment_id)
    });
    let date = jiff::Timestamp::from_microsecond(now)
        .map(|t| t.strftime("%m/%d/%Y %H:%M").to_string())
        .unwrap_or_default();
    for (n, s) in plan.shipments.iter_mut().enumerate() {
        let c = confirmation_id();
        s.shipment.shipment_confirmation_id = Some(c.clone());
        s.shipment.status = Some("WORKING".into());
        s.shipment.name = Some(format!("FBA ({date})-{}", (b'A' + n as u8) as char));
        number_boxes(&mut s.boxes, Some(&c));
        s.stage = "working".into();
        for (msku, q) in &s.items {
            fx.moves.push(StageMove {
                msku: msku.clone(),
                working: *q,
                shipped: 0,
                receiving: 0,
            });
        }
    }
    Ok(())
}

fn weight_lb(boxes: &[m::Box]) -> f64 {
    boxes
        .iter()
        .map(|b| {
            let w = b
                .weight
                .as_ref()
                .map(|w| pounds(w.value, &w.unit))
                .unwrap_or(1.0);
            w * b.quantity.unwrap_or(1) as f64
        })
        .sum()
}

fn box_count(boxes: &[m::Box]) -> i64 {
    boxes.iter().map(|b| b.quantity.unwrap_or(1)).sum()
}

/// The partnered small-parcel quote of a shipment: per box, a base and a rate per pound.
fn spd_cost(marketplace_id: &str, boxes: &[m::Box]) -> m::Currency {
    currency(
        marketplace_id,
        6.0 * box_count(boxes) as f64 + 0.42 * weight_lb(boxes),
    )
}

fn generate_transport(
    plan: &mut Plan,
    body: &m::GenerateTransportationOptionsRequest,
    now: i64,
) -> Result<()> {
    if plan.placement_options.is_empty() {
        return Err(bad(
            "The inbound plan is not in a valid state to generate transportation options: no \
             placement options were generated. Call generatePlacementOptions first.",
        ));
    }
    check_stage_before_transport(plan, "generate transportation options")?;
    let Some(option) = plan
        .placement_options
        .iter()
        .find(|o| o.placement_option_id == body.placement_option_id)
        .cloned()
    else {
        return Err(bad(format!(
            "The requested placement option {} does not exist.",
            body.placement_option_id
        )));
    };
    if body.shipment_transportation_configurations.is_empty() {
        return Err(Error::invalid_parameter(
            "shipmentTransportationConfigurations",
            "At least one shipment transportation configuration is required.",
        ));
    }
    let today = now - now.rem_euclid(DAY);
    for c in &body.shipment_transportation_configurations {
        if !option.shipment_ids.contains(&c.shipment_id) {
            return Err(bad(format!(
                "The shipment {} is not part of placement option {}.",
                c.shipment_id, option.placement_option_id
            )));
        }
        let Some(start) = parse_date_time(&c.ready_to_ship_window.start) else {
            return Err(Error::invalid_parameter(
                "readyToShipWindow.start",
                "readyToShipWindow.start must be an ISO 8601 date-time.",
            ));
        };
        let start = start.as_microsecond();
        if start < today {
            return Err(Error::invalid_parameter(
                "readyToShipWindow.start",
                "readyToShipWindow.start cannot be in the past.",
            ));
        }
        let mut pallets = vec![];
        for p in c.pallets.iter().flatten() {
            if p.quantity < 1 {
                return Err(Error::invalid_parameter(
                    "pallets.quantity",
                    "A pallet quantity must be at least 1.",
                ));
            }
            pallets.push(m::Pallet {
                dimensions: p.dimensions.clone(),
                package_id: new_id("pk"),
                quantity: Some(p.quantity),
                stackability: p.stackability.clone(),
                weight: p.weight.clone(),
            });
        }
        let mp = plan.marketplace_id.clone();
        let s = plan.shipment_mut(&c.shipment_id)?;
        s.shipment.dates = Some(m::Dates {
            ready_to_ship_window: Some(m::Window {
                editable_until: Some(iso_us(start)),
                end: iso_us(start + 6 * DAY),
                start: iso_us(start),
            }),
        });
        s.shipment.contact_information = c.contact_information.clone();
        s.shipment.freight_information = c.freight_information.clone();
        s.pallets = pallets;
        let quote = |cost: m::Currency| {
            Some(m::Quote {
                cost,
                expiration: Some(iso_us(now + OPTION_TTL)),
                voidable_until: None,
            })
        };
        let mut options = vec![
            m::TransportationOption {
                carrier: m::Carrier {
                    alpha_code: Some("UPSN".into()),
                    name: Some("United Parcel Service Inc.".into()),
                },
                carrier_appointment: None,
                preconditions: vec![],
                quote: quote(spd_cost(&mp, &s.boxes)),
                shipment_id: c.shipment_id.clone(),
                shipping_mode: "GROUND_SMALL_PARCEL".into(),
                shipping_solution: "AMAZON_PARTNERED_CARRIER".into(),
                transportation_option_id: new_id("to"),
            },
            // The seller's own carrier must book a delivery window first (Amazon asks this
            // of non-partnered shipments).
            m::TransportationOption {
                carrier: m::Carrier {
                    alpha_code: Some("OTHR".into()),
                    name: Some("Other".into()),
                },
                carrier_appointment: None,
                preconditions: vec!["CONFIRMED_DELIVERY_WINDOW".into()],
                quote: None,
                shipment_id: c.shipment_id.clone(),
                shipping_mode: "GROUND_SMALL_PARCEL".into(),
                shipping_solution: "USE_YOUR_OWN_CARRIER".into(),
                transportation_option_id: new_id("to"),
            },
        ];
        if !s.pallets.is_empty() {
            let pallets: i64 = s.pallets.iter().map(|p| p.quantity.unwrap_or(1)).sum();
            if c.contact_information.is_some() && c.freight_information.is_some() {
                options.push(m::TransportationOption {
                    carrier: m::Carrier {
                        alpha_code: Some("ABFS".into()),
                        name: Some("ABF Freight".into()),
                    },
                    carrier_appointment: Some(m::CarrierAppointment {
                        end_time: iso_us(start + DAY + 4 * HOUR),
                        start_time: iso_us(start + DAY),
                    }),
                    preconditions: vec![],
                    quote: quote(currency(&mp, 150.0 + 85.0 * pallets as f64)),
                    shipment_id: c.shipment_id.clone(),
                    shipping_mode: "FREIGHT_LTL".into(),
                    shipping_solution: "AMAZON_PARTNERED_CARRIER".into(),
                    transportation_option_id: new_id("to"),
                });
            }
            options.push(m::TransportationOption {
                carrier: m::Carrier {
                    alpha_code: Some("OTHR".into()),
                    name: Some("Other".into()),
                },
                carrier_appointment: None,
                preconditions: vec!["CONFIRMED_DELIVERY_WINDOW".into()],
                quote: None,
                shipment_id: c.shipment_id.clone(),
                shipping_mode: "FREIGHT_LTL".into(),
                shipping_solution: "USE_YOUR_OWN_CARRIER".into(),
                transportation_option_id: new_id("to"),
            });
        }
        plan.transport_options
            .retain(|o| o.shipment_id != c.shipment_id);
        plan.transport_options.extend(options);
    }
    Ok(())
}

fn generate_windows(plan: &mut Plan, shipment_id: &str, now: i64) -> Result<()> {
    let s = plan.confirmed_shipment_mut(shipment_id)?;
    if !matches!(s.stage.as_str(), "working") {
        return Err(bad(format!(
            "ERROR: Shipment is in an invalid state. Delivery windows of shipment {shipment_id} \
             cannot be generated after it shipped."
        )));
    }
    let from = s
        .shipment
        .dates
        .as_ref()
        .and_then(|d| d.ready_to_ship_window.as_ref())
        .and_then(|w| parse_date_time(&w.start))
        .map(|t| t.as_microsecond())
        .unwrap_or(now)
        .max(now);
    let first = from - from.rem_euclid(DAY) + 2 * DAY;
    s.delivery_windows = (0..5)
        .map(|n| m::DeliveryWindowOption {
            availability_type: if n == 1 { "CONGESTED" } else { "AVAILABLE" }.into(),
            delivery_window_option_id: new_id("dw"),
            discounts: None,
            end_date: iso_us(first + (2 * n + 7) * DAY - 1_000_000),
            start_date: iso_us(first + 2 * n * DAY),
            valid_until: iso_us(now + OPTION_TTL),
        })
        .collect();
    Ok(())
}

fn confirm_window(plan: &mut Plan, shipment_id: &str, option_id: &str, now: i64) -> Result<()> {
    let s = plan.confirmed_shipment_mut(shipment_id)?;
    if s.delivery_windows.is_empty() {
        return Err(bad(format!(
            "No delivery window options were generated for shipment {shipment_id}. Call \
             generateDeliveryWindowOptions first."
        )));
    }
    if matches!(s.stage.as_str(), "receiving" | "done") {
        return Err(bad("ERROR: Shipment is in an invalid state."));
    }
    let Some(w) = s
        .delivery_windows
        .iter()
        .find(|w| w.delivery_window_option_id == option_id)
        .cloned()
    else {
        return Err(bad(format!(
            "The requested delivery window option {option_id} does not exist."
        )));
    };
    if expired(Some(&w.valid_until), now) {
        return Err(bad(format!(
            "The delivery window option {option_id} has expired."
        )));
    }
    s.shipment.selected_delivery_window = Some(m::SelectedDeliveryWindow {
        availability_type: w.availability_type.clone(),
        delivery_window_option_id: w.delivery_window_option_id.clone(),
        editable_until: Some(w.start_date.clone()),
        end_date: w.end_date.clone(),
        start_date: w.start_date.clone(),
    });
    Ok(())
}

fn confirm_transport(
    plan: &mut Plan,
    body: &m::ConfirmTransportationOptionsRequest,
    now: i64,
    fx: &mut Effects,
) -> Result<()> {
    if plan.confirmed_placement().is_none() {
        return Err(bad(
            "ERROR: No placement option was confirmed. Call confirmPlacementOption before \
             confirming transportation options.",
        ));
    }
    if plan.transport_confirmed {
        return Err(bad(
            "Transportation options are already confirmed for this inbound plan.",
        ));
    }
    let shipments: Vec<String> = plan
        .confirmed_shipments()
        .iter()
        .map(|s| s.shipment.shipment_id.clone())
        .collect();
    let mut chosen = BTreeMap::new();
    for sel in &body.transportation_selections {
        if !shipments.contains(&sel.shipment_id) {
            return Err(bad(format!(
                "The shipment {} is not part of the confirmed placement option.",
                sel.shipment_id
            )));
        }
        if chosen.contains_key(&sel.shipment_id) {
            return Err(bad(format!(
                "The shipment {} is selected more than once.",
                sel.shipment_id
            )));
        }
        let Some(o) = plan
            .transport_options
            .iter()
            .find(|o| o.transportation_option_id == sel.transportation_option_id)
        else {
            return Err(bad(format!(
                "The requested transportation option {} does not exist.",
                sel.transportation_option_id
            )));
        };
        if o.shipment_id != sel.shipment_id {
            return Err(bad(format!(
                "The transportation option {} is not an option of shipment {}.",
                sel.transportation_option_id, sel.shipment_id
            )));
        }
        if expired(o.quote.as_ref().and_then(|q| q.expiration.as_deref()), now) {
            return Err(bad(format!(
                "The transportation option {} has expired. Generate transportation options \
                 again.",
                sel.transportation_option_id
            )));
        }
        let s = plan.shipment(&sel.shipment_id)?;
        if o.preconditions
            .iter()
            .any(|p| p == "CONFIRMED_DELIVERY_WINDOW")
            && s.shipment.selected_delivery_window.is_none()
        {
            return Err(bad(format!(
                "The transportation option {} requires a confirmed delivery window for \
                 shipment {}. Call confirmDeliveryWindowOptions first.",
                sel.transportation_option_id, sel.shipment_id
            )));
        }
        chosen.insert(
            sel.shipment_id.clone(),
            (o.clone(), sel.contact_information.clone()),
        );
    }
    if let Some(missing) = shipments.iter().find(|s| !chosen.contains_key(*s)) {
        return Err(bad(format!(
            "A transportation option must be selected for every shipment of the inbound plan; \
             shipment {missing} has none."
        )));
    }
    for (id, (o, contact)) in chosen {
        let partnered = o.shipping_solution == "AMAZON_PARTNERED_CARRIER";
        let s = plan.shipment_mut(&id)?;
        s.shipment.selected_transportation_option_id = Some(o.transportation_option_id.clone());
        if contact.is_some() {
            s.shipment.contact_information = contact;
        }
        s.shipment.status = Some("READY_TO_SHIP".into());
        if partnered && o.shipping_mode == "GROUND_SMALL_PARCEL" {
            // Amazon's partnered carrier tracks each box itself.
            let items = s
                .boxes
                .iter()
                .map(|b| m::SpdTrackingItem {
                    box_id: b.box_id.clone(),
                    tracking_id: Some(format!(
                        "1Z{}",
                        crate::auth::secret::random_token(16).to_ascii_uppercase()
                    )),
                    tracking_number_validation_status: Some("VALIDATED".into()),
                })
                .collect();
            s.shipment.tracking_details = Some(m::TrackingDetails {
                ltl_tracking_detail: None,
                spd_tracking_detail: Some(m::SpdTrackingDetail {
                    spd_tracking_items: Some(items),
                }),
            });
        }
        if partnered && o.shipping_mode != "GROUND_SMALL_PARCEL" {
            s.shipment.amazon_reference_id =
                Some(crate::auth::secret::random_token(8).to_ascii_uppercase());
        }
        let ready = s
            .shipment
            .dates
            .as_ref()
            .and_then(|d| d.ready_to_ship_window.as_ref())
            .and_then(|w| parse_date_time(&w.start))
            .map(|t| t.as_microsecond())
            .unwrap_or(now);
        // The seller hands the boxes over on the ready-to-ship day.
        fx.schedule.push((
            id.clone(),
            "READY_TO_SHIP".into(),
            ready.max(now) + 4 * HOUR,
        ));
        // Partnered quotes can be voided for 24 hours (small parcel) or 1 hour (freight).
        let void = if o.shipping_mode == "GROUND_SMALL_PARCEL" {
            DAY
        } else {
            HOUR
        };
        if let Some(t) = plan
            .transport_options
            .iter_mut()
            .find(|t| t.transportation_option_id == o.transportation_option_id)
            && let Some(q) = t.quote.as_mut()
        {
            q.voidable_until = Some(iso_us(now + void));
        }
    }
    plan.transport_confirmed = true;
    Ok(())
}

fn update_tracking(
    plan: &mut Plan,
    shipment_id: &str,
    body: &m::UpdateShipmentTrackingDetailsRequest,
) -> Result<()> {
    let selected = plan
        .confirmed_shipment_mut(shipment_id)?
        .shipment
        .selected_transportation_option_id
        .clone();
    let Some(selected) = selected else {
        return Err(bad(format!(
            "Tracking details can only be given once transportation is confirmed for shipment \
             {shipment_id}."
        )));
    };
    let option = plan
        .transport_options
        .iter()
        .find(|o| o.transportation_option_id == selected)
        .cloned()
        .unwrap_or_default();
    if option.shipping_solution == "AMAZON_PARTNERED_CARRIER" {
        return Err(bad(
            "Tracking details of shipments with an Amazon-partnered carrier are provided by \
             the carrier.",
        ));
    }
    let s = plan.shipment_mut(shipment_id)?;
    if matches!(s.stage.as_str(), "receiving" | "done") {
        return Err(bad("ERROR: Shipment is in an invalid state."));
    }
    let t = &body.tracking_details;
    match (&t.spd_tracking_detail, &t.ltl_tracking_detail) {
        (Some(spd), None) => {
            if option.shipping_mode != "GROUND_SMALL_PARCEL" {
                return Err(bad(
                    "spdTrackingDetail is for small parcel shipments; use ltlTrackingDetail.",
                ));
            }
            if spd.spd_tracking_items.is_empty() {
                return Err(Error::invalid_parameter(
                    "spdTrackingItems",
                    "At least one tracking item is required.",
                ));
            }
            let mut items = vec![];
            for i in &spd.spd_tracking_items {
                if !s
                    .boxes
                    .iter()
                    .any(|b| b.box_id.as_deref() == Some(i.box_id.as_str()))
                {
                    return Err(bad(format!(
                        "The box {} is not a box of shipment {shipment_id}.",
                        i.box_id
                    )));
                }
                if i.tracking_id.is_empty() || i.tracking_id.len() > 64 {
                    return Err(Error::invalid_parameter(
                        "trackingId",
                        "A tracking id must be 1 to 64 characters.",
                    ));
                }
                items.push(m::SpdTrackingItem {
                    box_id: Some(i.box_id.clone()),
                    tracking_id: Some(i.tracking_id.clone()),
                    // Carriers' numbers are long; a short one is one the carrier does not know.
                    tracking_number_validation_status: Some(
                        if i.tracking_id.len() >= 8 {
                            "VALIDATED"
                        } else {
                            "NOT_VALIDATED"
                        }
                        .into(),
                    ),
                });
            }
            s.shipment.tracking_details = Some(m::TrackingDetails {
                ltl_tracking_detail: None,
                spd_tracking_detail: Some(m::SpdTrackingDetail {
                    spd_tracking_items: Some(items),
                }),
            });
        }
        (None, Some(ltl)) => {
            if ltl.freight_bill_number.is_empty() {
                return Err(Error::invalid_parameter(
                    "freightBillNumber",
                    "At least one freight bill number is required.",
                ));
            }
            s.shipment.tracking_details = Some(m::TrackingDetails {
                ltl_tracking_detail: Some(m::LtlTrackingDetail {
                    bill_of_lading_number: ltl.bill_of_lading_number.clone(),
                    freight_bill_number: Some(ltl.freight_bill_number.clone()),
                }),
                spd_tracking_detail: None,
            });
        }
        _ => {
            return Err(bad(
                "Exactly one of spdTrackingDetail and ltlTrackingDetail is required.",
            ));
        }
    }
    Ok(())
}

fn generate_previews(
    plan: &mut Plan,
    shipment_id: &str,
    body: &m::GenerateShipmentContentUpdatePreviewsRequest,
    now: i64,
) -> Result<()> {
    let selected = plan
        .confirmed_shipment_mut(shipment_id)?
        .shipment
        .selected_transportation_option_id
        .clone();
    let Some(selected) = selected else {
        return Err(bad(format!(
            "Content updates can only be previewed once transportation is confirmed for \
             shipment {shipment_id}."
        )));
    };
    if plan.shipment(shipment_id)?.stage != "working" {
        return Err(bad("ERROR: Shipment is in an invalid state."));
    }
    if body.items.is_empty() {
        return Err(Error::invalid_parameter(
            "items",
            "At least one item is required.",
        ));
    }
    let mut wanted = vec![];
    for i in &body.items {
        if !plan.items.iter().any(|x| x.msku == i.msku) {
            return Err(bad(format!(
                "The msku {} is not part of the inbound plan.",
                i.msku
            )));
        }
        if i.quantity < 1 {
            return Err(Error::invalid_parameter(
                "quantity",
                format!("The quantity of {} must be at least 1.", i.msku),
            ));
        }
        if wanted.iter().any(|(k, _): &(String, i64)| k == &i.msku) {
            return Err(bad(format!("The msku {} is given more than once.", i.msku)));
        }
        wanted.push((i.msku.clone(), i.quantity));
    }
    let inputs: Vec<_> = body
        .boxes
        .iter()
        .map(|b| {
            (
                b.content_information_source.clone(),
                &b.dimensions,
                &b.items,
                b.quantity,
                &b.weight,
            )
        })
        .collect();
    let (boxes, _) = boxes_of(plan, &inputs, &wanted, &format!("shipment {shipment_id}"))?;
    let old = plan
        .transport_options
        .iter()
        .find(|o| o.transportation_option_id == selected)
        .cloned()
        .unwrap_or_default();
    let mut option = old.clone();
    option.transportation_option_id = new_id("to");
    if let Some(q) = option.quote.as_mut() {
        q.cost = spd_cost(&plan.marketplace_id, &boxes);
        q.expiration = Some(iso_us(now + DAY));
        q.voidable_until = None;
    }
    let s = plan.shipment_mut(shipment_id)?;
    s.previews.push(m::ContentUpdatePreview {
        content_update_preview_id: new_id("cu"),
        expiration: iso_us(now + DAY),
        requested_updates: m::RequestedUpdates {
            boxes: Some(body.boxes.clone()),
            items: Some(body.items.clone()),
        },
        transportation_option: option,
    });
    Ok(())
}

fn confirm_preview(
    plan: &mut Plan,
    shipment_id: &str,
    preview_id: &str,
    now: i64,
    fx: &mut Effects,
) -> Result<()> {
    let s = plan.confirmed_shipment_mut(shipment_id)?;
    if s.stage != "working" {
        return Err(bad("ERROR: Shipment is in an invalid state."));
    }
    let Some(p) = s
        .previews
        .iter()
        .find(|p| p.content_update_preview_id == preview_id)
        .cloned()
    else {
        return Err(bad(format!(
            "The requested content update preview {preview_id} does not exist."
        )));
    };
    if expired(Some(&p.expiration), now) {
        return Err(bad(format!(
            "The content update preview {preview_id} has expired."
        )));
    }
    let items: Vec<(String, i64)> = p
        .requested_updates
        .items
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|i| (i.msku.clone(), i.quantity))
        .collect();
    let inputs: Vec<_> = p
        .requested_updates
        .boxes
        .iter()
        .flatten()
        .map(|b| {
            (
                b.content_information_source.clone(),
                &b.dimensions,
                &b.items,
                b.quantity,
                &b.weight,
            )
        })
        .collect();
    let (mut boxes, _) = boxes_of(plan, &inputs, &items, &format!("shipment {shipment_id}"))?;
    let s = plan.shipment_mut(shipment_id)?;
    number_boxes(&mut boxes, s.shipment.shipment_confirmation_id.as_deref());
    let mut mskus: Vec<String> = s.items.iter().map(|(k, _)| k.clone()).collect();
    mskus.extend(items.iter().map(|(k, _)| k.clone()));
    mskus.sort();
    mskus.dedup();
    for msku in mskus {
        let before = s.items.iter().find(|(k, _)| *k == msku).map_or(0, |x| x.1);
        let after = items.iter().find(|(k, _)| *k == msku).map_or(0, |x| x.1);
        if before != after {
            fx.moves.push(StageMove {
                msku,
                working: after - before,
                shipped: 0,
                receiving: 0,
            });
        }
    }
    s.items = items;
    s.boxes = boxes;
    s.previews.clear();
    s.shipment.selected_transportation_option_id =
        Some(p.transportation_option.transportation_option_id.clone());
    plan.transport_options.push(p.transportation_option);
    Ok(())
}

/// Countries where sellers book self-ship appointments.
const SELF_SHIP: &[&str] = &["MX", "BR", "EG", "SA", "AE", "IN"];

/// Checks that self-ship appointments exist in the plan's marketplace.
pub fn check_self_ship(plan: &Plan) -> Result<()> {
    let country = marketplaces::marketplace(&plan.marketplace_id)
        .map(|m| m.country_code)
        .unwrap_or("US");
    if !SELF_SHIP.contains(&country) {
        return Err(bad(format!(
            "Self-ship appointments are not supported in marketplace {}.",
            plan.marketplace_id
        )));
    }
    Ok(())
}

fn generate_slots(
    plan: &mut Plan,
    shipment_id: &str,
    body: &m::GenerateSelfShipAppointmentSlotsRequest,
    now: i64,
) -> Result<()> {
    check_self_ship(plan)?;
    let s = plan.confirmed_shipment_mut(shipment_id)?;
    if s.stage != "working" {
        return Err(bad("ERROR: Shipment is in an invalid state."));
    }
    let parse = |v: &Option<String>, field: &str| -> Result<Option<i64>> {
        match v {
            None => Ok(None),
            Some(v) => parse_date_time(v)
                .map(|t| Some(t.as_microsecond()))
                .ok_or_else(|| {
                    Error::invalid_parameter(
                        field,
                        format!("{field} must be an ISO 8601 date-time."),
                    )
                }),
        }
    };
    let start = parse(&body.desired_start_date, "desiredStartDate")?
        .unwrap_or(now)
        .max(now);
    let end = parse(&body.desired_end_date, "desiredEndDate")?.unwrap_or(start + 7 * DAY);
    if end <= start {
        return Err(Error::invalid_parameter(
            "desiredEndDate",
            "desiredEndDate must be after desiredStartDate.",
        ));
    }
    let mut day = start - start.rem_euclid(DAY) + DAY;
    let mut slots = vec![];
    while day < end && slots.len() < 20 {
        for hour in [9, 14] {
            slots.push(m::AppointmentSlot {
                slot_id: new_id("sl"),
                slot_time: m::AppointmentSlotTime {
                    end_time: iso_us(day + (hour + 2) * HOUR),
                    start_time: iso_us(day + hour * HOUR),
                },
            });
        }
        day += DAY;
    }
    s.slots = slots;
    s.slots_expire = Some(iso_us(now + DAY));
    Ok(())
}

/// scheduleSelfShipAppointment (synchronous): books a slot.
pub fn schedule_appointment(
    plan: &mut Plan,
    shipment_id: &str,
    slot_id: &str,
    now: i64,
) -> Result<m::SelfShipAppointmentDetails> {
    check_open(plan, "scheduleSelfShipAppointment")?;
    check_self_ship(plan)?;
    let s = plan.confirmed_shipment_mut(shipment_id)?;
    let Some(slot) = s.slots.iter().find(|x| x.slot_id == slot_id).cloned() else {
        return Err(bad(format!("The requested slot {slot_id} does not exist.")));
    };
    if expired(s.slots_expire.as_deref(), now) {
        return Err(bad(
            "The appointment slots have expired. Generate them again.",
        ));
    }
    let details = m::SelfShipAppointmentDetails {
        appointment_id: Some((now % 1_000_000_000) as f64),
        appointment_slot_time: Some(slot.slot_time),
        appointment_status: Some("ARRIVAL_SCHEDULED".into()),
    };
    s.shipment
        .self_ship_appointment_details
        .get_or_insert_with(Vec::new)
        .push(details.clone());
    plan.updated_at = now;
    Ok(details)
}
