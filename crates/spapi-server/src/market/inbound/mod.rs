//! FBA Inbound 2024-03-20: inbound plans that become shipments to Amazon's fulfillment
//! centers, which arrive on the clock and become the seller's FBA stock.
//!
//! # One plan, one document
//!
//! A plan is one `inbound_plans` row whose document ([`workflow::Plan`]) holds everything:
//! items, packing options and groups with their boxes, placement options with their
//! shipments, transportation and delivery window options, content update previews. Every
//! step reads it, checks and changes it, and writes it back in one transaction with the stock
//! moves and jobs it causes.
//!
//! # Asynchronous calls
//!
//! Each mutating call (202 + `operationId`) is checked at once against the plan (a call in the
//! wrong state, or naming an unknown id, is 400 `BadRequest` with Amazon's kind of message,
//! never 404), then recorded as an `IN_PROGRESS` operation with a job [`OPERATION_DELAY_US`]
//! later that applies it for real: SUCCESS (possibly with WARNING problems), or FAILED with
//! `operationProblems` and the plan unchanged (the control plane can queue a problem for the
//! next operation of a kind). Until the job ran, lists show what was there before (an empty
//! `placementOptions` until generation finishes, as at Amazon).
//!
//! # Ties to the world
//!
//! Items are the seller's AFN listings in the destination marketplace with a catalog item.
//! Confirming placement puts the shipments' units in `inboundWorking`; shipping moves them to
//! `inboundShipped`, check-in to `inboundReceiving`, and closing the shipment receives them
//! (`market::fba::stock` Receipt with the shipment confirmation id, then any units the control
//! plane said were damaged or missing), so the ledger, FBA availability and offers follow.

pub mod eligibility;

pub mod shipments;
pub mod workflow;

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::documents::{DocumentWriter, Documents, UrlOp, new_document_id};
use crate::market::fba::stock::{self, Movement};
use crate::market::{marketplaces, offers, paging, pdf};
use crate::store::documents::DocumentRow;
use crate::store::inbound::{InboundOperationRow, InboundPlanRow};
use crate::store::{Store, StoreTx};
use serde::{Deserialize, Serialize};
use serde_json::json;
use spapi_model::fulfillment_inbound_2024_03_20 as m;
use workflow::{Effects, Plan, PlanItem, Request};

/// Job: finish an operation.
pub const JOB_OPERATION: &str = "inbound.operation";
/// Job: move a shipment one status on.
pub const JOB_SHIPMENT: &str = "inbound.shipment";
/// How long an operation stays IN_PROGRESS (simulated).
pub const OPERATION_DELAY_US: i64 = 5_000_000;
const MAX_NAME: usize = 40;

/// The inbound service: the store, the clock and the document URLs.
#[derive(Clone)]
pub struct Inbound {
    store: Store,
    clock: Clock,
    docs: Documents,
}

fn seller(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

fn bad(message: impl Into<String>) -> Error {
    Error::invalid_input(message)
}

/// Checks the shape of an id Amazon gives out (38 characters of letters, digits and `-`).
pub fn check_id(field: &str, v: &str) -> Result<()> {
    if v.len() != 38 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(bad(format!("The {field} is malformed.")));
    }
    Ok(())
}

fn decode(row: &InboundPlanRow) -> Result<Plan> {
    serde_json::from_str(&row.doc).map_err(Error::internal)
}

fn encode(seller: &str, plan: &Plan) -> Result<InboundPlanRow> {
    Ok(InboundPlanRow {
        seller_id: seller.to_string(),
        plan_id: plan.id.clone(),
        status: plan.status.clone(),
        name: plan.name.clone(),
        created_at_us: plan.created_at,
        updated_at_us: plan.updated_at,
        doc: serde_json::to_string(plan).map_err(Error::internal)?,
    })
}

/// A seller's plan in a transaction; 400 as Amazon answers an unknown id.
async fn load(tx: &mut StoreTx, seller: &str, plan_id: &str) -> Result<Plan> {
    check_id("inboundPlanId", plan_id)?;
    let row = tx
        .get_inbound_plan(seller, plan_id)
        .await?
        .ok_or_else(|| bad("The requested inbound plan does not exist."))?;
    decode(&row)
}

/// Writes a plan back.
async fn save(tx: &mut StoreTx, seller: &str, plan: &Plan) -> Result<()> {
    tx.update_inbound_plan(&encode(seller, plan)?).await?;
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    scope: String,
    offset: usize,
}

/// One page of `all` for a list of `scope` (the token only continues the same list).
pub fn page<T: Clone>(
    all: &[T],
    scope: &str,
    page_size: Option<i64>,
    token: Option<&str>,
    default_size: i64,
) -> Result<(Vec<T>, m::Pagination)> {
    let size = page_size.unwrap_or(default_size).max(1) as usize;
    let offset = match token {
        Some(t) => {
            let c: Cursor = paging::decode_token(t)?;
            if c.scope != scope {
                return Err(bad(paging::UNDECODABLE));
            }
            c.offset
        }
        None => 0,
    };
    let items: Vec<T> = all.iter().skip(offset).take(size).cloned().collect();
    let next = (offset + size < all.len()).then(|| {
        paging::encode_token(&Cursor {
            scope: scope.to_string(),
            offset: offset + size,
        })
    });
    Ok((items, m::Pagination { next_token: next }))
}

/// The default plan name: `FBA (MM/DD/YYYY, HH:MM AM)`.
fn default_name(now: i64) -> String {
    jiff::Timestamp::from_microsecond(now)
        .map(|t| t.strftime("FBA (%m/%d/%Y, %I:%M %p)").to_string())
        .unwrap_or_else(|_| "FBA".into())
}

fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().count() > MAX_NAME {
        return Err(Error::invalid_parameter(
            "name",
            format!("The name must be 1 to {MAX_NAME} characters."),
        ));
    }
    Ok(())
}

/// The prep an item needs, from its catalog product type (apparel is bagged, the rest needs
/// none), unless the seller set its prep details.
fn default_prep(product_type: &str) -> (m::PrepCategory, Vec<m::PrepType>) {
    const TEXTILE: &[&str] = &[
        "SHIRT", "PANTS", "DRESS", "COAT", "SWEATER", "SHORTS", "SKIRT", "APPAREL",
    ];
    if TEXTILE.contains(&product_type) {
        (m::PrepCategory::Textile, vec![m::PrepType::ItemPolybagging])
    } else {
        (m::PrepCategory::None, vec![m::PrepType::ItemNoPrep])
    }
}

/// A plan summary of the list.
fn summary(p: &Plan) -> m::InboundPlanSummary {
    m::InboundPlanSummary {
        created_at: crate::time::iso_us(p.created_at),
        inbound_plan_id: p.id.clone(),
        last_updated_at: crate::time::iso_us(p.updated_at),
        marketplace_ids: vec![p.marketplace_id.clone()],
        name: p.name.clone(),
        source_address: p.source_address.clone(),
        status: p.status.clone(),
    }
}

impl Inbound {
    /// The service.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Inbound { store, clock, docs }
    }

    fn now(&self) -> i64 {
        self.clock.now_us()
    }

    /// A seller's plan (read only).
    pub async fn plan(&self, caller: &Caller, plan_id: &str) -> Result<Plan> {
        let seller = seller(caller)?;
        check_id("inboundPlanId", plan_id)?;
        let row = self
            .store
            .get_inbound_plan(seller, plan_id)
            .await?
            .ok_or_else(|| bad("The requested inbound plan does not exist."))?;
        decode(&row)
    }

    /// The prep an SKU needs: the seller's prep details, else its catalog product type's.
    async fn prep_of(
        &self,
        seller: &str,
        marketplace_id: &str,
        msku: &str,
        product_type: &str,
    ) -> Result<(m::PrepCategory, Vec<m::PrepType>)> {
        let details = self
            .store
            .get_inbound_sku_details(seller, marketplace_id, &[msku.to_string()])
            .await?;
        if let Some(p) = details.first().and_then(|d| d.prep.as_deref()) {
            let p: m::MskuPrepDetailInput = serde_json::from_str(p).map_err(Error::internal)?;
            return Ok((p.prep_category, p.prep_types));
        }
        Ok(default_prep(product_type))
    }

    /// A listing of the seller's that can go to FBA: (asin, product type); 400 naming the SKU
    /// otherwise.
    async fn fba_item(
        &self,
        seller: &str,
        marketplace_id: &str,
        msku: &str,
    ) -> Result<(String, String)> {
        let listing = self.store.get_listing(seller, msku, marketplace_id).await?;
        let Some(l) = listing else {
            return Err(bad(format!(
                "ERROR: The msku {msku} is not listed in marketplace {marketplace_id}."
            )));
        };
        if l.fulfillment_channel != "AFN" {
            return Err(bad(format!(
                "ERROR: The msku {msku} is not fulfilled by Amazon (its fulfillment channel is \
                 not AMAZON_*). Convert it to FBA first."
            )));
        }
        let item = if l.asin.is_empty() {
            None
        } else {
            self.store.get_catalog_item(&l.asin).await?
        };
        let Some(item) = item else {
            return Err(bad(format!(
                "ERROR: The msku {msku} has no catalog item in marketplace {marketplace_id} \
                 yet (FBA_INB_0017)."
            )));
        };
        Ok((l.asin, item.product_type))
    }

    /// createInboundPlan: the plan (ACTIVE at once) and its operation.
    pub async fn create_plan(
        &self,
        caller: &Caller,
        body: &m::CreateInboundPlanRequest,
    ) -> Result<(String, String)> {
        let seller = seller(caller)?;
        let now = self.now();
        if body.destination_marketplaces.len() != 1 {
            return Err(Error::invalid_parameter(
                "destinationMarketplaces",
                "Exactly one destination marketplace is required.",
            ));
        }
        marketplaces::check_participating(caller, &body.destination_marketplaces)?;
        let mp = body.destination_marketplaces[0].clone();
        let country = marketplaces::marketplace(&mp)
            .map(|m| m.country_code)
            .unwrap_or("US");
        if body.items.is_empty() || body.items.len() > 2000 {
            return Err(Error::invalid_parameter(
                "items",
                "An inbound plan takes 1 to 2000 items.",
            ));
        }
        let name = match &body.name {
            Some(n) => {
                check_name(n)?;
                n.clone()
            }
            None => default_name(now),
        };
        let source = workflow::address(&body.source_address)?;
        let mut items: Vec<PlanItem> = vec![];
        for i in &body.items {
            if i.msku.is_empty() || i.msku.chars().count() > 255 {
                return Err(Error::invalid_parameter(
                    "msku",
                    "msku must be 1 to 255 characters.",
                ));
            }
            if !(1..=500_000).contains(&i.quantity) {
                return Err(Error::invalid_parameter(
                    "quantity",
                    format!("The quantity of {} must be between 1 and 500000.", i.msku),
                ));
            }
            if items.iter().any(|x| x.msku == i.msku) {
                return Err(bad(format!(
                    "ERROR: The msku {} is given more than once.",
                    i.msku
                )));
            }
            if matches!(i.label_owner, m::LabelOwner::Unknown(_)) {
                return Err(Error::invalid_parameter(
                    "labelOwner",
                    "labelOwner must be AMAZON, SELLER or NONE.",
                ));
            }
            if matches!(i.prep_owner, m::PrepOwner::Unknown(_)) {
                return Err(Error::invalid_parameter(
                    "prepOwner",
                    "prepOwner must be AMAZON, SELLER or NONE.",
                ));
            }
            // Amazon no longer labels items for sellers in the US.
            if country == "US" && i.label_owner == m::LabelOwner::Amazon {
                return Err(bad(format!(
                    "ERROR: labelOwner AMAZON is not available in marketplace {mp} for msku {}.",
                    i.msku
                )));
            }
            if let Some(e) = &i.expiration
                && jiff::civil::Date::strptime("%Y-%m-%d", e).is_err()
            {
                return Err(Error::invalid_parameter(
                    "expiration",
                    format!("The expiration of {} must be a date YYYY-MM-DD.", i.msku),
                ));
            }
            let (asin, product_type) = self.fba_item(seller, &mp, &i.msku).await?;
            let (category, types) = self.prep_of(seller, &mp, &i.msku, &product_type).await?;
            let needs_prep = category != m::PrepCategory::None;
            if needs_prep && i.prep_owner == m::PrepOwner::None {
                return Err(bad(format!(
                    "ERROR: The msku {} needs prep ({}); prepOwner must be AMAZON or SELLER.",
                    i.msku, category
                )));
            }
            if !needs_prep && i.prep_owner != m::PrepOwner::None {
                return Err(bad(format!(
                    "ERROR: The msku {} needs no prep; prepOwner must be NONE.",
                    i.msku
                )));
            }
            items.push(PlanItem {
                msku: i.msku.clone(),
                asin,
                fnsku: offers::fnsku(seller, &i.msku),
                quantity: i.quantity,
                label_owner: i.label_owner.as_str().to_string(),
                prep_owner: i.prep_owner.as_str().to_string(),
                prep_types: if needs_prep {
                    types.iter().map(|t| t.as_str().to_string()).collect()
                } else {
                    vec![]
                },
                expiration: i.expiration.clone(),
                lot: i.manufacturing_lot_code.clone(),
            });
        }
        let plan = Plan {
            id: workflow::new_id("wf"),
            name,
            status: "ACTIVE".into(),
            created_at: now,
            updated_at: now,
            marketplace_id: mp,
            source_address: source,
            items,
            ..Default::default()
        };
        let mut tx = self.store.begin().await?;
        tx.insert_inbound_plan(&encode(seller, &plan)?).await?;
        let op = record(&mut tx, seller, &plan.id, &Request::CreatePlan, now).await?;
        tx.commit().await?;
        Ok((plan.id, op))
    }

    /// listInboundPlans.
    pub async fn list_plans(
        &self,
        caller: &Caller,
        p: &m::params::ListInboundPlans,
    ) -> Result<(Vec<m::InboundPlanSummary>, m::Pagination)> {
        let seller = seller(caller)?;
        #[derive(Serialize, Deserialize)]
        struct PlansCursor {
            status: Option<String>,
            by_update: bool,
            desc: bool,
            offset: i64,
        }
        let size = p.page_size.unwrap_or(10).clamp(1, 30);
        let c = match &p.pagination_token {
            Some(t) => paging::decode_token::<PlansCursor>(t)?,
            None => {
                if let Some(s) = &p.status
                    && !["ACTIVE", "VOIDED", "SHIPPED"].contains(&s.as_str())
                {
                    return Err(Error::invalid_parameter(
                        "status",
                        "status must be ACTIVE, VOIDED or SHIPPED.",
                    ));
                }
                let by_update = match p.sort_by.as_deref() {
                    None | Some("CREATION_TIME") => false,
                    Some("LAST_UPDATED_TIME") => true,
                    Some(_) => {
                        return Err(Error::invalid_parameter(
                            "sortBy",
                            "sortBy must be CREATION_TIME or LAST_UPDATED_TIME.",
                        ));
                    }
                };
                let desc = match p.sort_order.as_deref() {
                    None | Some("ASC") => false,
                    Some("DESC") => true,
                    Some(_) => {
                        return Err(Error::invalid_parameter(
                            "sortOrder",
                            "sortOrder must be ASC or DESC.",
                        ));
                    }
                };
                PlansCursor {
                    status: p.status.clone(),
                    by_update,
                    desc,
                    offset: 0,
                }
            }
        };
        let rows = self
            .store
            .list_inbound_plans(
                seller,
                c.status.as_deref(),
                c.by_update,
                c.desc,
                c.offset,
                size + 1,
            )
            .await?;
        let more = rows.len() as i64 > size;
        let mut out = vec![];
        for r in rows.iter().take(size as usize) {
            out.push(summary(&decode(r)?));
        }
        let next = more.then(|| {
            paging::encode_token(&PlansCursor {
                offset: c.offset + size,
                ..c
            })
        });
        Ok((out, m::Pagination { next_token: next }))
    }

    /// getInboundPlan.
    pub async fn get_plan(&self, caller: &Caller, plan_id: &str) -> Result<m::InboundPlan> {
        let p = self.plan(caller, plan_id).await?;
        let s = summary(&p);
        Ok(m::InboundPlan {
            created_at: s.created_at,
            inbound_plan_id: s.inbound_plan_id,
            last_updated_at: s.last_updated_at,
            marketplace_ids: s.marketplace_ids,
            name: s.name,
            packing_options: Some(
                p.packing_options
                    .iter()
                    .map(|o| m::PackingOptionSummary {
                        packing_option_id: o.packing_option_id.clone(),
                        status: o.status.clone(),
                    })
                    .collect(),
            ),
            placement_options: Some(
                p.placement_options
                    .iter()
                    .map(|o| m::PlacementOptionSummary {
                        placement_option_id: o.placement_option_id.clone(),
                        status: o.status.clone(),
                    })
                    .collect(),
            ),
            // Only the chosen placement option's shipments are the plan's.
            shipments: Some(
                p.confirmed_shipments()
                    .iter()
                    .map(|s| m::ShipmentSummary {
                        shipment_id: s.shipment.shipment_id.clone(),
                        status: s.shipment.status.clone().unwrap_or_default(),
                    })
                    .collect(),
            ),
            source_address: s.source_address,
            status: s.status,
        })
    }

    /// updateInboundPlanName (synchronous).
    pub async fn update_plan_name(&self, caller: &Caller, plan_id: &str, name: &str) -> Result<()> {
        let seller = seller(caller)?;
        check_name(name)?;
        let mut tx = self.store.begin().await?;
        let mut plan = load(&mut tx, seller, plan_id).await?;
        workflow::check_open(&plan, "updateInboundPlanName")?;
        plan.name = name.to_string();
        plan.updated_at = self.now();
        save(&mut tx, seller, &plan).await?;
        tx.commit().await?;
        Ok(())
    }

    /// updateShipmentName (synchronous).
    pub async fn update_shipment_name(
        &self,
        caller: &Caller,
        plan_id: &str,
        shipment_id: &str,
        name: &str,
    ) -> Result<()> {
        let seller = seller(caller)?;
        check_name(name)?;
        check_id("shipmentId", shipment_id)?;
        let mut tx = self.store.begin().await?;
        let mut plan = load(&mut tx, seller, plan_id).await?;
        workflow::check_open(&plan, "updateShipmentName")?;
        let confirmed = plan
            .confirmed_shipments()
            .iter()
            .any(|s| s.shipment.shipment_id == shipment_id);
        plan.shipment(shipment_id)?;
        if !confirmed {
            return Err(bad(format!(
                "The shipment {shipment_id} is not part of the confirmed placement option."
            )));
        }
        if let Some(s) = plan
            .shipments
            .iter_mut()
            .find(|s| s.shipment.shipment_id == shipment_id)
        {
            s.shipment.name = Some(name.to_string());
        }
        plan.updated_at = self.now();
        save(&mut tx, seller, &plan).await?;
        tx.commit().await?;
        Ok(())
    }

    /// scheduleSelfShipAppointment (synchronous).
    pub async fn schedule_appointment(
        &self,
        caller: &Caller,
        plan_id: &str,
        shipment_id: &str,
        slot_id: &str,
    ) -> Result<m::SelfShipAppointmentDetails> {
        let seller = seller(caller)?;
        check_id("shipmentId", shipment_id)?;
        let mut tx = self.store.begin().await?;
        let mut plan = load(&mut tx, seller, plan_id).await?;
        let d = workflow::schedule_appointment(&mut plan, shipment_id, slot_id, self.now())?;
        save(&mut tx, seller, &plan).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// An asynchronous call on a plan: checked now, applied by its operation's job.
    pub async fn submit(&self, caller: &Caller, plan_id: &str, req: Request) -> Result<String> {
        let seller = seller(caller)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let plan = load(&mut tx, seller, plan_id).await?;
        // A dry run: the same checks the job makes.
        let mut copy = plan.clone();
        workflow::apply(&mut copy, &req, now)?;
        let op = record(&mut tx, seller, plan_id, &req, now).await?;
        tx.commit().await?;
        Ok(op)
    }

    /// An asynchronous call on a seller's SKUs (prep or compliance details).
    pub async fn submit_sku(&self, caller: &Caller, req: Request) -> Result<String> {
        let seller = seller(caller)?;
        let now = self.now();
        let (mp, mskus): (String, Vec<String>) = match &req {
            Request::SetPrep { body } => {
                if body.msku_prep_details.is_empty() || body.msku_prep_details.len() > 100 {
                    return Err(Error::invalid_parameter(
                        "mskuPrepDetails",
                        "1 to 100 prep details are required.",
                    ));
                }
                for d in &body.msku_prep_details {
                    if matches!(d.prep_category, m::PrepCategory::Unknown(_)) {
                        return Err(Error::invalid_parameter(
                            "prepCategory",
                            format!("prepCategory {} is not supported.", d.prep_category),
                        ));
                    }
                    if d.prep_types
                        .iter()
                        .any(|t| matches!(t, m::PrepType::Unknown(_)))
                    {
                        return Err(Error::invalid_parameter("prepTypes", "Unknown prep type."));
                    }
                    let none = d.prep_category == m::PrepCategory::None;
                    let only_no_prep = d.prep_types.iter().all(|t| *t == m::PrepType::ItemNoPrep);
                    if none != only_no_prep {
                        return Err(bad(format!(
                            "ERROR: The prep types of {} do not fit prep category {}.",
                            d.msku, d.prep_category
                        )));
                    }
                }
                (
                    body.marketplace_id.clone(),
                    body.msku_prep_details
                        .iter()
                        .map(|d| d.msku.clone())
                        .collect(),
                )
            }
            Request::UpdateCompliance {
                marketplace_id,
                body,
            } => {
                if let Some(h) = &body.tax_details.hsn_code
                    && (h.len() < 4 || !h.chars().all(|c| c.is_ascii_digit()))
                {
                    return Err(Error::invalid_parameter(
                        "hsnCode",
                        "hsnCode must be 4 to 8 digits.",
                    ));
                }
                (marketplace_id.clone(), vec![body.msku.clone()])
            }
            _ => return Err(Error::internal("not a SKU request")),
        };
        marketplaces::check_participating(caller, std::slice::from_ref(&mp))?;
        for msku in &mskus {
            self.fba_item(seller, &mp, msku).await?;
        }
        let mut tx = self.store.begin().await?;
        let op = record(&mut tx, seller, "", &req, now).await?;
        tx.commit().await?;
        Ok(op)
    }

    /// getInboundOperationStatus.
    pub async fn operation_status(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<m::InboundOperationStatus> {
        let seller = seller(caller)?;
        let op = self
            .store
            .get_inbound_operation(id)
            .await?
            .filter(|o| o.seller_id == seller)
            .ok_or_else(|| bad(format!("The requested operation {id} does not exist.")))?;
        let problems: Vec<m::OperationProblem> =
            serde_json::from_str(&op.problems).map_err(Error::internal)?;
        Ok(m::InboundOperationStatus {
            operation: op.operation,
            operation_id: op.operation_id,
            operation_problems: problems,
            operation_status: m::OperationStatus::from_wire(&op.status),
        })
    }

    /// listPrepDetails.
    pub async fn prep_details(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        mskus: &[String],
    ) -> Result<Vec<m::MskuPrepDetail>> {
        let seller = seller(caller)?;
        marketplaces::check_participating(caller, &[marketplace_id.to_string()])?;
        check_mskus(mskus)?;
        let mut out = vec![];
        for msku in mskus {
            let (_, pt) = self.fba_item(seller, marketplace_id, msku).await?;
            let (category, types) = self.prep_of(seller, marketplace_id, msku, &pt).await?;
            let none = category == m::PrepCategory::None;
            out.push(m::MskuPrepDetail {
                all_owners_constraint: None,
                label_owner_constraint: None,
                msku: msku.clone(),
                prep_category: category,
                prep_owner_constraint: none.then_some(m::OwnerConstraint::NoneOnly),
                prep_types: types,
            });
        }
        Ok(out)
    }

    /// listItemComplianceDetails.
    pub async fn compliance_details(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        mskus: &[String],
    ) -> Result<Vec<m::ComplianceDetail>> {
        let seller = seller(caller)?;
        marketplaces::check_participating(caller, &[marketplace_id.to_string()])?;
        check_mskus(mskus)?;
        let stored = self
            .store
            .get_inbound_sku_details(seller, marketplace_id, mskus)
            .await?;
        let mut out = vec![];
        for msku in mskus {
            let (asin, _) = self.fba_item(seller, marketplace_id, msku).await?;
            let tax = stored
                .iter()
                .find(|d| &d.msku == msku)
                .and_then(|d| d.compliance.as_deref())
                .map(serde_json::from_str::<m::TaxDetails>)
                .transpose()
                .map_err(Error::internal)?;
            out.push(m::ComplianceDetail {
                asin: Some(asin),
                fnsku: Some(offers::fnsku(seller, msku)),
                msku: Some(msku.clone()),
                tax_details: tax,
            });
        }
        Ok(out)
    }

    /// createMarketplaceItemLabels: a PDF of FNSKU labels, served by a signed URL.
    pub async fn item_labels(
        &self,
        caller: &Caller,
        body: &m::CreateMarketplaceItemLabelsRequest,
    ) -> Result<Vec<m::DocumentDownload>> {
        let seller = seller(caller)?;
        marketplaces::check_participating(caller, std::slice::from_ref(&body.marketplace_id))?;
        if body.msku_quantities.is_empty() || body.msku_quantities.len() > 100 {
            return Err(Error::invalid_parameter(
                "mskuQuantities",
                "1 to 100 mskuQuantities are required.",
            ));
        }
        let (w, h) = match &body.label_type {
            m::LabelPrintType::ThermalPrinting => {
                let (Some(w), Some(h)) = (body.width, body.height) else {
                    return Err(Error::invalid_parameter(
                        "width",
                        "width and height are required for THERMAL_PRINTING.",
                    ));
                };
                for (f, v) in [("width", w), ("height", h)] {
                    if !(25.0..=100.0).contains(&v) {
                        return Err(Error::invalid_parameter(
                            f,
                            format!("{f} must be between 25 and 100 (mm)."),
                        ));
                    }
                }
                (w, h)
            }
            m::LabelPrintType::StandardFormat => {
                if body.page_type.is_none() {
                    return Err(Error::invalid_parameter(
                        "pageType",
                        "pageType is required for STANDARD_FORMAT.",
                    ));
                }
                (66.0, 25.4)
            }
            other => {
                return Err(Error::invalid_parameter(
                    "labelType",
                    format!("labelType {other} is not supported."),
                ));
            }
        };
        let mut labels = vec![];
        for q in &body.msku_quantities {
            if !(1..=10_000).contains(&q.quantity) {
                return Err(Error::invalid_parameter(
                    "quantity",
                    format!("The quantity of {} must be between 1 and 10000.", q.msku),
                ));
            }
            let (asin, _) = self.fba_item(seller, &body.marketplace_id, &q.msku).await?;
            let title = self
                .store
                .get_catalog_item(&asin)
                .await?
                .map(|c| c.title)
                .unwrap_or_default();
            labels.push((offers::fnsku(seller, &q.msku), title, q.quantity));
        }
        // Millimetres to points.
        let pt = |mm: f64| mm * 72.0 / 25.4;
        let mut pages = vec![];
        for (fnsku, title, n) in &labels {
            for _ in 0..*n {
                let mut p = pdf::Page::new(pt(w), pt(h));
                let ph = p.height();
                p.code39(pt(3.0), ph * 0.45, pt(w) - pt(6.0), ph * 0.45, fnsku);
                p.text(pt(3.0), ph * 0.27, (ph * 0.13).min(9.0), fnsku);
                let short: String = title.chars().take(40).collect();
                p.text(
                    pt(3.0),
                    ph * 0.08,
                    (ph * 0.1).min(7.0),
                    &format!("{short} New"),
                );
                pages.push(p);
            }
        }
        let bytes = pdf::document("FNSKU labels", &pages);
        let id = self
            .store_pdf(seller, "inbound_item_labels", &bytes)
            .await?;
        Ok(vec![m::DocumentDownload {
            download_type: "URL".into(),
            expiration: Some(crate::time::iso_us(
                self.now() + crate::market::documents::URL_TTL_US,
            )),
            uri: self.docs.url(UrlOp::Get, &id),
        }])
    }

    /// Stores a PDF as a document of the seller's; its id.
    async fn store_pdf(&self, seller: &str, kind: &str, bytes: &[u8]) -> Result<String> {
        let id = new_document_id();
        let mut w = DocumentWriter::new(self.store.clone(), &id, false);
        w.write(bytes).await?;
        let (generation, size) = w.finish().await?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        // The documents table knows the kinds of reports and feeds only (a CHECK constraint of
        // migration 8); a label is served as a report document is (download only), marked as
        // what it is by its resource.
        tx.insert_document(&DocumentRow {
            id: id.clone(),
            seller_id: seller.to_string(),
            kind: "report".into(),
            content_type: "application/pdf".into(),
            compression: None,
            resource: Some(kind.to_string()),
            content_md5: None,
            generation: None,
            size: 0,
            created_at_us: now,
            uploaded_at_us: None,
        })
        .await?;
        tx.switch_document_content(&id, generation, size, now)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// getDeliveryChallanDocument (India): a PDF of the shipment's contents.
    pub async fn delivery_challan(
        &self,
        caller: &Caller,
        plan_id: &str,
        shipment_id: &str,
    ) -> Result<m::DocumentDownload> {
        let seller = seller(caller)?;
        let plan = self.plan(caller, plan_id).await?;
        check_id("shipmentId", shipment_id)?;
        let s = plan.shipment(shipment_id)?;
        let country = marketplaces::marketplace(&plan.marketplace_id).map(|m| m.country_code);
        if country != Some("IN") {
            return Err(bad(
                "Delivery challan documents exist only for shipments to India.",
            ));
        }
        if s.shipment.selected_transportation_option_id.is_none() {
            return Err(bad(
                "The delivery challan is available once transportation is confirmed.",
            ));
        }
        let mut p = pdf::Page::new(595.0, 842.0);
        let c = s
            .shipment
            .shipment_confirmation_id
            .clone()
            .unwrap_or_default();
        p.text(40.0, 790.0, 18.0, "Delivery Challan");
        p.text(40.0, 765.0, 11.0, &format!("Shipment {c}"));
        p.code39(40.0, 700.0, 300.0, 50.0, &c);
        let mut y = 670.0;
        for (msku, q) in &s.items {
            p.text(40.0, y, 10.0, &format!("{msku}  x {q}"));
            y -= 14.0;
            if y < 40.0 {
                break;
            }
        }
        let bytes = pdf::document("Delivery Challan", &[p]);
        let id = self.store_pdf(seller, "inbound_challan", &bytes).await?;
        Ok(m::DocumentDownload {
            download_type: "URL".into(),
            expiration: Some(crate::time::iso_us(
                self.now() + crate::market::documents::URL_TTL_US,
            )),
            uri: self.docs.url(UrlOp::Get, &id),
        })
    }

    /// Box labels of a shipment (control plane): a PDF, one page per box with the shipment
    /// confirmation id and the box id as barcodes; its signed URL.
    pub async fn box_labels(
        &self,
        seller: &str,
        plan_id: &str,
        shipment_id: &str,
    ) -> Result<String> {
        let mut tx = self.store.begin().await?;
        let plan = load(&mut tx, seller, plan_id).await?;
        tx.commit().await?;
        let s = plan.shipment(shipment_id)?;
        let Some(c) = s.shipment.shipment_confirmation_id.clone() else {
            return Err(bad(
                "Box labels exist once the placement option is confirmed.",
            ));
        };
        let mut pages = vec![];
        let total: i64 = s.boxes.iter().map(|b| b.quantity.unwrap_or(1)).sum();
        let mut n = 0;
        for b in &s.boxes {
            for _ in 0..b.quantity.unwrap_or(1) {
                n += 1;
                let box_id = format!("{c}U{n:06}");
                let mut p = pdf::Page::new(288.0, 432.0);
                p.frame(8.0, 8.0, 272.0, 416.0);
                p.text(20.0, 395.0, 14.0, "FBA: ");
                p.text(60.0, 395.0, 14.0, &plan.name);
                p.text(
                    20.0,
                    375.0,
                    10.0,
                    &format!(
                        "SHIP TO: {}",
                        s.shipment
                            .destination
                            .warehouse_id
                            .clone()
                            .unwrap_or_default()
                    ),
                );
                p.code39(20.0, 290.0, 248.0, 60.0, &c);
                p.text(20.0, 275.0, 12.0, &c);
                p.code39(20.0, 180.0, 248.0, 60.0, &box_id);
                p.text(20.0, 165.0, 12.0, &box_id);
                p.text(20.0, 140.0, 10.0, &format!("Box {n} of {total}"));
                p.text(20.0, 30.0, 9.0, "PLEASE LEAVE THIS LABEL UNCOVERED");
                pages.push(p);
            }
        }
        let bytes = pdf::document(&format!("{c} box labels"), &pages);
        let id = self.store_pdf(seller, "inbound_box_labels", &bytes).await?;
        Ok(self.docs.url(UrlOp::Get, &id))
    }
}

fn check_mskus(mskus: &[String]) -> Result<()> {
    if mskus.is_empty() || mskus.len() > 100 {
        return Err(Error::invalid_parameter(
            "mskus",
            "1 to 100 mskus are required.",
        ));
    }
    Ok(())
}

/// Records an operation of `req` and the job that finishes it.
async fn record(
    tx: &mut StoreTx,
    seller: &str,
    plan_id: &str,
    req: &Request,
    now: i64,
) -> Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    tx.insert_inbound_operation(&InboundOperationRow {
        operation_id: id.clone(),
        seller_id: seller.to_string(),
        plan_id: plan_id.to_string(),
        operation: req.operation().to_string(),
        status: "IN_PROGRESS".into(),
        problems: "[]".into(),
        request: serde_json::to_string(req).map_err(Error::internal)?,
        created_at_us: now,
    })
    .await?;
    tx.enqueue_job(
        JOB_OPERATION,
        now + OPERATION_DELAY_US,
        &json!({"operationId": id}),
    )
    .await?;
    Ok(id)
}

fn problem(code: &str, message: &str) -> m::OperationProblem {
    m::OperationProblem {
        code: code.into(),
        message: message.into(),
        details: None,
        severity: "ERROR".into(),
    }
}

/// The code of a refused step's problem.
fn code_of(e: &Error) -> &'static str {
    match e {
        Error::InvalidParameter { .. } => "FBA_INB_0103",
        _ => "FBA_INB_0344",
    }
}

/// The job of an operation: applies its request (SUCCESS with warnings) or records why not
/// (FAILED, nothing changed).
pub async fn finish_operation(store: &Store, operation_id: &str, at_us: i64) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(op) = tx.get_inbound_operation(operation_id).await? else {
        return Ok(());
    };
    if op.status != "IN_PROGRESS" {
        return Ok(());
    }
    let req: Request = serde_json::from_str(&op.request).map_err(Error::internal)?;
    let seller = op.seller_id.as_str();
    let fail = |problems: Vec<m::OperationProblem>| {
        serde_json::to_string(&problems).unwrap_or_else(|_| "[]".into())
    };
    if let Some((code, message)) = tx.take_inbound_fault(seller, &op.operation).await? {
        if let Request::CreatePlan = req
            && let Some(row) = tx.get_inbound_plan(seller, &op.plan_id).await?
        {
            let mut plan = decode(&row)?;
            plan.status = "ERRORED".into();
            plan.updated_at = at_us;
            save(&mut tx, seller, &plan).await?;
        }
        tx.finish_inbound_operation(
            operation_id,
            "FAILED",
            &fail(vec![problem(&code, &message)]),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let warnings = match &req {
        Request::SetPrep { body } => {
            for d in &body.msku_prep_details {
                let doc = serde_json::to_string(d).map_err(Error::internal)?;
                tx.set_inbound_sku_detail(seller, &body.marketplace_id, &d.msku, Some(&doc), None)
                    .await?;
            }
            vec![]
        }
        Request::UpdateCompliance {
            marketplace_id,
            body,
        } => {
            let doc = serde_json::to_string(&body.tax_details).map_err(Error::internal)?;
            tx.set_inbound_sku_detail(seller, marketplace_id, &body.msku, None, Some(&doc))
                .await?;
            vec![]
        }
        _ => {
            let Some(row) = tx.get_inbound_plan(seller, &op.plan_id).await? else {
                return Ok(());
            };
            let mut plan = decode(&row)?;
            match workflow::apply(&mut plan, &req, at_us) {
                Err(e) if e.is_refusal() => {
                    let message = match &e {
                        Error::InvalidParameter { details, .. } => details.clone(),
                        Error::Invalid(m) | Error::Conflict(m) | Error::NotFound(m) => m.clone(),
                        other => other.to_string(),
                    };
                    tx.finish_inbound_operation(
                        operation_id,
                        "FAILED",
                        &fail(vec![problem(code_of(&e), &message)]),
                    )
                    .await?;
                    tx.commit().await?;
                    return Ok(());
                }
                Err(e) => return Err(e),
                Ok(fx) => {
                    apply_effects(&mut tx, seller, &plan, &fx, at_us).await?;
                    save(&mut tx, seller, &plan).await?;
                    fx.warnings
                }
            }
        }
    };
    tx.finish_inbound_operation(operation_id, "SUCCESS", &fail(warnings))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves stock and schedules shipment jobs in the caller's transaction.
async fn apply_effects(
    tx: &mut StoreTx,
    seller: &str,
    plan: &Plan,
    fx: &Effects,
    at_us: i64,
) -> Result<()> {
    for mv in &fx.moves {
        stock::apply_in(
            tx,
            seller,
            &mv.msku,
            &plan.marketplace_id,
            &Movement::InboundChange {
                working: mv.working,
                shipped: mv.shipped,
                receiving: mv.receiving,
            },
            at_us,
        )
        .await?;
    }
    for (shipment, from, at) in &fx.schedule {
        shipments::schedule(tx, seller, &plan.id, shipment, from, *at).await?;
    }
    Ok(())
}

/// Control plane: the seller's next operation `operation` fails with `code` and `message`.
pub async fn queue_fault(
    store: &Store,
    seller: &str,
    operation: &str,
    code: &str,
    message: &str,
) -> Result<()> {
    if !OPERATIONS.contains(&operation) {
        return Err(Error::invalid_parameter(
            "operation",
            format!("{operation} is not an asynchronous inbound operation."),
        ));
    }
    store
        .set_inbound_fault(seller, operation, code, message)
        .await?;
    Ok(())
}

/// The asynchronous operations (those a fault can be queued for).
pub const OPERATIONS: &[&str] = &[
    "createInboundPlan",
    "cancelInboundPlan",
    "generatePackingOptions",
    "confirmPackingOption",
    "setPackingInformation",
    "generatePlacementOptions",
    "confirmPlacementOption",
    "generateTransportationOptions",
    "confirmTransportationOptions",
    "generateDeliveryWindowOptions",
    "confirmDeliveryWindowOptions",
    "updateShipmentSourceAddress",
    "updateShipmentTrackingDetails",
    "generateShipmentContentUpdatePreviews",
    "confirmShipmentContentUpdatePreview",
    "generateSelfShipAppointmentSlots",
    "cancelSelfShipAppointment",
    "setPrepDetails",
    "updateItemComplianceDetails",
];

/// Control plane: a plan as stored (any of the seller's).
pub async fn plan_of(store: &Store, seller: &str, plan_id: &str) -> Result<Plan> {
    let row = store
        .get_inbound_plan(seller, plan_id)
        .await?
        .ok_or_else(|| Error::not_found().with_details(format!("inbound plan {plan_id}")))?;
    decode(&row)
}
