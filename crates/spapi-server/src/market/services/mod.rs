//! Services v1: the service jobs buyers book with products (installation, assembly), their
//! appointments, the capacity of the seller's service stores and the documents technicians
//! upload as proof of appointment.
//!
//! # How the world makes service jobs
//!
//! - A buyer order placed in a marketplace with Amazon Home Services ([`HOME_SERVICES`]) gets
//!   one job per line whose catalog item has a product type with a service ([`SERVICES`]:
//!   FURNITURE -> assembly, LAMP -> installation, SPORTING_GOODS -> equipment assembly), in
//!   the transaction that places the order. The control plane creates one for any line of an
//!   order (`POST /emulator/v1/sellers/{id}/service-jobs`).
//! - Every seller has one service store per Home Services marketplace
//!   ([`store_id`]); it is the job's `storeId` and the `resourceId` of the capacity
//!   operations. Its technicians are the seller's ([`DEFAULT_TECHNICIANS`] until the
//!   control plane sets them).
//! - Lifecycle (the models do not spell it out; spapi's choice): `PENDING_SCHEDULE` at
//!   creation; `NOT_SERVICED` once an appointment is set (scheduled, not yet serviced);
//!   `COMPLETED` by completeServiceJobByServiceJobId once the appointment has started;
//!   `CANCELLED` by cancelServiceJobByServiceJobId. `HOLD`, `PAYMENT_DECLINED` and
//!   `NOT_FULFILLABLE` are side states the control plane sets. COMPLETED and CANCELLED are
//!   final: every change is refused with 422 as Amazon answers it.
//! - An associated item's `itemStatus` follows its buyer order when read (Shipped ->
//!   SHIPPED, Canceled -> CANCELLED, else ACTIVE).
//! - Another seller's job is not found (422 "No job exist with jobId ..."), as spapi never
//!   shows another seller's objects.

mod appointments;
mod capacity;
mod documents;

pub use appointments::{RESCHEDULE_REASONS, SKILLS_CODE_PREFIX, SetAppointment};

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::documents::Documents;
use crate::market::marketplaces::marketplace;
use crate::market::paging::{UNDECODABLE, decode_token, encode_token};
use crate::store::services::{ServiceJobRow, TechnicianRow};
use crate::store::{OrderRow, Store, StoreTx};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use spapi_model::services_v1 as m;

/// Marketplaces with Amazon Home Services (spapi's list: US, CA, UK, DE, FR, IT, ES, IN, JP).
pub const HOME_SERVICES: &[&str] = &[
    "ATVPDKIKX0DER",
    "A2EUQ1WTGCTBG2",
    "A1F83G8C2ARO7P",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "APJ6JRA9NG5V4",
    "A1RKKUPIHCS9HS",
    "A21TJRUUN4KGV",
    "A1VC38T7YXB528",
];

/// A service sold with products of a product type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceKind {
    /// The product type whose items come with it.
    pub product_type: &'static str,
    /// The service's title (`scopeOfWork.title`).
    pub title: &'static str,
    /// The skills a technician needs (`scopeOfWork.requiredSkills`).
    pub skills: &'static [&'static str],
    /// The appointment's length in minutes when the request gives none.
    pub minutes: i64,
    /// The price, in minor units of the marketplace's currency.
    pub price_minor: i64,
}

/// The product types that come with a service (spapi's choice).
pub const SERVICES: &[ServiceKind] = &[
    ServiceKind {
        product_type: "FURNITURE",
        title: "Furniture assembly",
        skills: &["FURNITURE_ASSEMBLY"],
        minutes: 120,
        price_minor: 8900,
    },
    ServiceKind {
        product_type: "LAMP",
        title: "Light fixture installation",
        skills: &["ELECTRICAL_INSTALLATION"],
        minutes: 60,
        price_minor: 6900,
    },
    ServiceKind {
        product_type: "SPORTING_GOODS",
        title: "Fitness equipment assembly",
        skills: &["EQUIPMENT_ASSEMBLY"],
        minutes: 90,
        price_minor: 7900,
    },
];

/// The service of a product type, if it has one.
pub fn service_for(product_type: &str) -> Option<&'static ServiceKind> {
    SERVICES.iter().find(|s| s.product_type == product_type)
}

/// The technicians of a seller the control plane has not given any: (id, name, skills).
pub const DEFAULT_TECHNICIANS: &[(&str, &str, &[&str])] = &[
    (
        "TECH0001",
        "Alex Rivera",
        &[
            "FURNITURE_ASSEMBLY",
            "ELECTRICAL_INSTALLATION",
            "EQUIPMENT_ASSEMBLY",
        ],
    ),
    (
        "TECH0002",
        "Sam Carter",
        &["FURNITURE_ASSEMBLY", "EQUIPMENT_ASSEMBLY"],
    ),
];

const PENDING_SCHEDULE: &str = "PENDING_SCHEDULE";
const NOT_SERVICED: &str = "NOT_SERVICED";
const COMPLETED: &str = "COMPLETED";
const CANCELLED: &str = "CANCELLED";

/// Statuses the control plane may set.
pub const SETTABLE_STATUSES: &[&str] = &[
    PENDING_SCHEDULE,
    NOT_SERVICED,
    "HOLD",
    "PAYMENT_DECLINED",
    "NOT_FULFILLABLE",
];

/// Cancellation reason codes spapi accepts (Amazon does not publish its list; spapi's choice).
pub const CANCELLATION_REASONS: &[&str] = &[
    "V1",
    "V2",
    "V3",
    "V4",
    "V5",
    "CUSTOMER_REQUEST",
    "TECHNICIAN_UNAVAILABLE",
    "PRODUCT_NOT_DELIVERED",
    "OUT_OF_SERVICE_AREA",
    "DUPLICATE_JOB",
    "OTHER",
];

/// The seller's service store in a marketplace: a stable UUID-shaped id derived from both.
pub fn store_id(seller_id: &str, marketplace_id: &str) -> String {
    let d = Sha256::digest(format!("service-store:{seller_id}:{marketplace_id}").as_bytes());
    let h: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The marketplace of one of the seller's service stores, if `resource_id` is one.
pub fn store_marketplace(
    caller_marketplaces: &[String],
    seller_id: &str,
    resource_id: &str,
) -> Option<String> {
    caller_marketplaces
        .iter()
        .filter(|mp| HOME_SERVICES.contains(&mp.as_str()))
        .find(|mp| store_id(seller_id, mp) == resource_id)
        .cloned()
}

/// A technician: id, name, skills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Technician {
    /// `resourceId` / `technicianId`.
    pub technician_id: String,
    /// Name.
    pub name: String,
    /// Skills.
    pub skills: Vec<String>,
}

/// A seller's technicians (the defaults until the control plane sets them).
pub async fn technicians_in(tx: &mut StoreTx, seller_id: &str) -> Result<Vec<Technician>> {
    let rows = tx.service_technicians(seller_id).await?;
    technicians_from(rows)
}

fn technicians_from(rows: Vec<TechnicianRow>) -> Result<Vec<Technician>> {
    if rows.is_empty() {
        return Ok(DEFAULT_TECHNICIANS
            .iter()
            .map(|(id, name, skills)| Technician {
                technician_id: id.to_string(),
                name: name.to_string(),
                skills: skills.iter().map(|s| s.to_string()).collect(),
            })
            .collect());
    }
    rows.into_iter()
        .map(|r| {
            Ok(Technician {
                technician_id: r.technician_id,
                name: r.name,
                skills: serde_json::from_str(&r.skills).map_err(Error::internal)?,
            })
        })
        .collect()
}

/// A seller's technicians (control plane).
pub async fn technicians(store: &Store, seller_id: &str) -> Result<Vec<Technician>> {
    technicians_from(store.service_technicians(seller_id).await?)
}

/// Replaces a seller's technicians (control plane).
pub async fn set_technicians(store: &Store, seller_id: &str, list: &[Technician]) -> Result<()> {
    if list.is_empty() {
        return Err(Error::invalid_input("At least one technician is required."));
    }
    let mut rows = Vec::new();
    for t in list {
        // The model's `uploadingTechnician` pattern is `^[A-Z0-9]*$`.
        let ok = !t.technician_id.is_empty()
            && t.technician_id.len() <= 100
            && t.technician_id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            return Err(Error::invalid_input(
                "A technician id has 1 to 100 upper-case letters and digits.",
            ));
        }
        rows.push(TechnicianRow {
            seller_id: seller_id.into(),
            technician_id: t.technician_id.clone(),
            name: t.name.clone(),
            skills: serde_json::to_string(&t.skills).map_err(Error::internal)?,
        });
    }
    let mut tx = store.begin().await?;
    tx.replace_service_technicians(seller_id, &rows).await?;
    tx.commit().await?;
    Ok(())
}

/// A line of a new buyer order, as the service hook needs it.
#[derive(Debug, Clone)]
pub struct OrderedItem {
    /// ASIN.
    pub asin: String,
    /// Product title.
    pub title: String,
    /// Brand.
    pub brand: Option<String>,
    /// Units.
    pub quantity: i64,
    /// The catalog item's product type.
    pub product_type: Option<String>,
}

/// Called where a buyer order is placed, in its transaction: one job per line with a service,
/// when the marketplace has Home Services. Returns the new jobs' ids.
pub async fn jobs_for_new_order(
    tx: &mut StoreTx,
    order: &OrderRow,
    items: &[OrderedItem],
    now_us: i64,
) -> Result<Vec<String>> {
    if !HOME_SERVICES.contains(&order.marketplace_id.as_str()) {
        return Ok(Vec::new());
    }
    let mut ids = Vec::new();
    for item in items {
        let Some(kind) = item.product_type.as_deref().and_then(service_for) else {
            continue;
        };
        ids.push(insert_job(tx, order, item, kind, now_us).await?);
    }
    Ok(ids)
}

/// The control plane's job for a line of an existing order (`asin`, default the first line),
/// with the service of the item's product type, or assembly when it has none.
pub async fn create_for_order(
    store: &Store,
    seller_id: &str,
    order_id: &str,
    asin: Option<&str>,
    now_us: i64,
) -> Result<String> {
    let mut tx = store.begin().await?;
    let Some(order) = tx.get_order(order_id).await? else {
        return Err(Error::NotFound(format!("Order {order_id} was not found.")));
    };
    if order.seller_id != seller_id {
        return Err(Error::NotFound(format!("Order {order_id} was not found.")));
    }
    if !HOME_SERVICES.contains(&order.marketplace_id.as_str()) {
        return Err(Error::invalid_input(format!(
            "Marketplace {} has no Home Services.",
            order.marketplace_id
        )));
    }
    let lines = order.items.as_array().cloned().unwrap_or_default();
    let line = lines
        .iter()
        .find(|l| asin.is_none_or(|a| l["ASIN"].as_str() == Some(a)))
        .ok_or_else(|| Error::invalid_input("The order has no such line."))?;
    let line_asin = line["ASIN"].as_str().unwrap_or_default().to_string();
    let catalog = tx.get_catalog_item(&line_asin).await?;
    let item = OrderedItem {
        asin: line_asin,
        title: line["Title"].as_str().unwrap_or_default().to_string(),
        brand: catalog.as_ref().map(|c| c.brand.clone()),
        quantity: line["QuantityOrdered"].as_i64().unwrap_or(1),
        product_type: catalog.map(|c| c.product_type),
    };
    let kind = item
        .product_type
        .as_deref()
        .and_then(service_for)
        .unwrap_or(&SERVICES[0]);
    let id = insert_job(&mut tx, &order, &item, kind, now_us).await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets a job's status (control plane: the side states HOLD, PAYMENT_DECLINED,
/// NOT_FULFILLABLE, or back to PENDING_SCHEDULE / NOT_SERVICED).
pub async fn set_status(
    store: &Store,
    seller_id: &str,
    service_job_id: &str,
    status: &str,
    now_us: i64,
) -> Result<()> {
    if !SETTABLE_STATUSES.contains(&status) {
        return Err(Error::invalid_input(format!(
            "status must be one of {}.",
            SETTABLE_STATUSES.join(", ")
        )));
    }
    let mut tx = store.begin().await?;
    let (mut row, mut job) = job_in(&mut tx, seller_id, service_job_id).await?;
    job.service_job_status = Some(m::ServiceJobServiceJobStatus::from_wire(status));
    row.status = status.into();
    save(&mut tx, &mut row, &job, now_us).await?;
    tx.commit().await?;
    Ok(())
}

fn digits(seed: &[u8], n: usize) -> String {
    let d = Sha256::digest(seed);
    d.iter()
        .cycle()
        .take(n)
        .map(|b| char::from(b'0' + b % 10))
        .collect()
}

async fn insert_job(
    tx: &mut StoreTx,
    order: &OrderRow,
    item: &OrderedItem,
    kind: &ServiceKind,
    now_us: i64,
) -> Result<String> {
    let job_id = uuid::Uuid::new_v4().to_string();
    let mp = marketplace(&order.marketplace_id)
        .ok_or_else(|| Error::internal("order of an unknown marketplace"))?;
    let seed = job_id.as_bytes();
    let service_order_id = format!(
        "{}-{}-{}",
        mp.order_prefix,
        digits(seed, 7),
        digits(&[seed, b"2"].concat(), 7)
    );
    let store = store_id(&order.seller_id, &order.marketplace_id);
    let ship = &order.doc["ShippingAddress"];
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let buyer_name = text(&order.doc["BuyerInfo"]["BuyerName"])
        .or_else(|| text(&ship["Name"]))
        .unwrap_or_else(|| "Jane Buyer".into());
    let address = m::Address {
        name: text(&ship["Name"]).unwrap_or_else(|| buyer_name.clone()),
        address_line1: text(&ship["AddressLine1"]).unwrap_or_else(|| "410 Terry Ave N".into()),
        address_line2: text(&ship["AddressLine2"]),
        city: text(&ship["City"]),
        state_or_region: text(&ship["StateOrRegion"]),
        postal_code: text(&ship["PostalCode"]),
        country_code: text(&ship["CountryCode"]).or_else(|| Some(mp.country_code.into())),
        phone: text(&ship["Phone"]),
        ..Default::default()
    };
    // The buyer's preferred time: the next day at 10:00 UTC.
    let preferred = (now_us / DAY_US + 1) * DAY_US + 10 * HOUR_US;
    let job = m::ServiceJob {
        create_time: Some(crate::time::iso_us(now_us)),
        service_job_id: Some(job_id.clone()),
        service_job_status: Some(m::ServiceJobServiceJobStatus::PendingSchedule),
        scope_of_work: Some(m::ScopeOfWork {
            asin: Some(item.asin.clone()),
            title: Some(kind.title.into()),
            quantity: Some(item.quantity),
            required_skills: Some(kind.skills.iter().map(|s| s.to_string()).collect()),
        }),
        seller: Some(m::Seller {
            seller_id: Some(order.seller_id.clone()),
        }),
        service_job_provider: Some(m::ServiceJobProvider {
            service_job_provider_id: Some(order.seller_id.clone()),
        }),
        preferred_appointment_times: Some(vec![m::AppointmentTime {
            start_time: crate::time::iso_us(preferred),
            duration_in_minutes: kind.minutes,
        }]),
        appointments: Some(Vec::new()),
        service_order_id: Some(service_order_id.clone()),
        product_order_ids: Some(vec![order.amazon_order_id.clone()]),
        tracking_ids: None,
        marketplace_id: Some(order.marketplace_id.clone()),
        store_id: Some(store.clone()),
        buyer: Some(m::Buyer {
            // The model's pattern is `^[A-Z0-9]*$`.
            buyer_id: Some(format!("A{}", digits(order.amazon_order_id.as_bytes(), 13))),
            name: Some(buyer_name),
            phone: text(&ship["Phone"]),
            is_prime_member: order.doc["IsPrime"].as_bool(),
        }),
        associated_items: Some(vec![m::AssociatedItem {
            asin: Some(item.asin.clone()),
            title: Some(item.title.clone()),
            quantity: Some(item.quantity),
            order_id: Some(order.amazon_order_id.clone()),
            item_status: Some(m::AssociatedItemItemStatus::Active),
            brand_name: item.brand.clone(),
            item_delivery: Some(m::ItemDelivery {
                estimated_delivery_date: order.latest_delivery_at_us.map(crate::time::iso_us),
                item_delivery_promise: None,
            }),
            linked_assets: None,
        }]),
        service_location: Some(m::ServiceLocation {
            service_location_type: Some(m::ServiceLocationServiceLocationType::InHome),
            address: Some(address),
        }),
        payments: Some(vec![m::Payment {
            amount: Some(m::MoneyAmount {
                value: crate::market::money::to_decimal(
                    kind.price_minor * item.quantity,
                    mp.currency,
                ),
                currency: mp.currency.into(),
            }),
            instrument: Some("CREDIT_CARD".into()),
        }]),
    };
    let mut row = ServiceJobRow {
        id: 0,
        seller_id: order.seller_id.clone(),
        service_job_id: job_id.clone(),
        service_order_id,
        product_order_id: order.amazon_order_id.clone(),
        marketplace_id: order.marketplace_id.clone(),
        store_id: store,
        status: PENDING_SCHEDULE.into(),
        created_at_us: now_us,
        updated_at_us: now_us,
        schedule_start_us: None,
        doc: serde_json::to_string(&job).map_err(Error::internal)?,
    };
    row.id = tx.insert_service_job(&row).await?;
    Ok(job_id)
}

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// Amazon's answer for a job the caller does not have.
fn no_job(service_job_id: &str) -> Error {
    Error::NotFound(format!("No job exist with jobId : {service_job_id}"))
}

/// The caller's job and its document, in a transaction.
async fn job_in(
    tx: &mut StoreTx,
    seller_id: &str,
    service_job_id: &str,
) -> Result<(ServiceJobRow, m::ServiceJob)> {
    let row = tx
        .service_job(seller_id, service_job_id)
        .await?
        .ok_or_else(|| no_job(service_job_id))?;
    let job = serde_json::from_str(&row.doc).map_err(Error::internal)?;
    Ok((row, job))
}

/// Writes a job back with its status, update time and the start of its active appointment.
async fn save(
    tx: &mut StoreTx,
    row: &mut ServiceJobRow,
    job: &m::ServiceJob,
    now_us: i64,
) -> Result<()> {
    row.updated_at_us = now_us;
    row.schedule_start_us = job
        .appointments
        .iter()
        .flatten()
        .filter(|a| {
            matches!(
                a.appointment_status,
                Some(m::AppointmentAppointmentStatus::Active)
                    | Some(m::AppointmentAppointmentStatus::Completed)
            )
        })
        .filter_map(|a| a.appointment_time.as_ref())
        .filter_map(|t| crate::time::parse_date_time(&t.start_time))
        .map(|t| t.as_microsecond())
        .max();
    row.doc = serde_json::to_string(job).map_err(Error::internal)?;
    tx.update_service_job(row).await?;
    Ok(())
}

/// Refuses a change to a job in a final or side state, as Amazon words it.
fn check_open(row: &ServiceJobRow) -> Result<()> {
    if [PENDING_SCHEDULE, NOT_SERVICED].contains(&row.status.as_str()) {
        return Ok(());
    }
    Err(Error::conflict(format!(
        "Operation not allowed on job with jobId : {} and jobState : {}",
        row.service_job_id, row.status
    )))
}

fn seller_of(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

/// The Services world: what the Services binding holds.
#[derive(Clone)]
pub struct Services {
    store: Store,
    clock: Clock,
    docs: Documents,
}

/// A getServiceJobs search (all of it travels in the page token).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct JobSearch {
    /// serviceOrderIds.
    pub service_order_ids: Vec<String>,
    /// productOrderIds.
    pub product_order_ids: Vec<String>,
    /// trackingIds.
    pub tracking_ids: Vec<String>,
    /// serviceJobStatus.
    pub statuses: Vec<String>,
    /// pageSize.
    pub page_size: Option<i64>,
    /// sortField.
    pub sort_field: Option<String>,
    /// sortOrder.
    pub sort_order: Option<String>,
    /// createdAfter.
    pub created_after: Option<String>,
    /// createdBefore.
    pub created_before: Option<String>,
    /// lastUpdatedAfter.
    pub last_updated_after: Option<String>,
    /// lastUpdatedBefore.
    pub last_updated_before: Option<String>,
    /// scheduleStartDate.
    pub schedule_start: Option<String>,
    /// scheduleEndDate.
    pub schedule_end: Option<String>,
    /// marketplaceIds.
    pub marketplace_ids: Vec<String>,
    /// asins.
    pub asins: Vec<String>,
    /// requiredSkills.
    pub required_skills: Vec<String>,
    /// storeIds.
    pub store_ids: Vec<String>,
}

/// The search and position a getServiceJobs page token carries.
#[derive(Serialize, Deserialize)]
struct JobsToken {
    k: String,
    s: JobSearch,
    /// Window end fixed at the first page (µs).
    until: i64,
    offset: usize,
}

const JOBS_TOKEN: &str = "serviceJobs";

/// A page of getServiceJobs.
#[derive(Debug, Clone)]
pub struct JobPage {
    /// Matches in all.
    pub total: i64,
    /// The jobs of this page.
    pub jobs: Vec<m::ServiceJob>,
    /// The next page.
    pub next_token: Option<String>,
    /// The previous page.
    pub previous_token: Option<String>,
}

fn date(field: &str, v: &Option<String>) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => crate::time::parse_date_time(s)
            .map(|t| Some(t.as_microsecond()))
            .ok_or_else(|| {
                Error::invalid_parameter(field, format!("{s} is not an ISO 8601 date-time."))
            }),
    }
}

impl Services {
    /// The Services world of `store`, on `clock`; uploads are served by `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Services { store, clock, docs }
    }

    /// Item statuses follow the buyer orders when a job is read.
    async fn present(&self, row: &ServiceJobRow) -> Result<m::ServiceJob> {
        let mut job: m::ServiceJob = serde_json::from_str(&row.doc).map_err(Error::internal)?;
        let order = self
            .store
            .get_order_without_items(&row.product_order_id)
            .await?;
        let status = match order.as_ref().map(|o| o.order_status.as_str()) {
            Some("Shipped") => m::AssociatedItemItemStatus::Shipped,
            Some("Canceled") => m::AssociatedItemItemStatus::Cancelled,
            _ => m::AssociatedItemItemStatus::Active,
        };
        for item in job.associated_items.iter_mut().flatten() {
            item.item_status = Some(status.clone());
        }
        Ok(job)
    }

    /// getServiceJobByServiceJobId.
    pub async fn get(&self, caller: &Caller, service_job_id: &str) -> Result<m::ServiceJob> {
        let seller = seller_of(caller)?;
        let row = self
            .store
            .service_job(seller, service_job_id)
            .await?
            .ok_or_else(|| no_job(service_job_id))?;
        self.present(&row).await
    }

    /// cancelServiceJobByServiceJobId: the job and its active appointment are cancelled.
    pub async fn cancel(&self, caller: &Caller, service_job_id: &str, reason: &str) -> Result<()> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let (mut row, mut job) = job_in(&mut tx, seller, service_job_id).await?;
        if row.status == COMPLETED || row.status == CANCELLED {
            return Err(Error::conflict(format!(
                "Job with jobId {service_job_id} and jobStatus {} cannot be cancelled",
                row.status
            )));
        }
        if !CANCELLATION_REASONS.contains(&reason) {
            return Err(Error::conflict(format!(
                "Received invalid input reason code {reason} for jobId {service_job_id}"
            )));
        }
        for a in job.appointments.iter_mut().flatten() {
            if a.appointment_status == Some(m::AppointmentAppointmentStatus::Active) {
                a.appointment_status = Some(m::AppointmentAppointmentStatus::Cancelled);
            }
        }
        job.service_job_status = Some(m::ServiceJobServiceJobStatus::Cancelled);
        row.status = CANCELLED.into();
        save(&mut tx, &mut row, &job, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// completeServiceJobByServiceJobId: needs an active appointment that has started.
    pub async fn complete(&self, caller: &Caller, service_job_id: &str) -> Result<()> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let (mut row, mut job) = job_in(&mut tx, seller, service_job_id).await?;
        check_open(&row)?;
        let active = job
            .appointments
            .iter_mut()
            .flatten()
            .find(|a| a.appointment_status == Some(m::AppointmentAppointmentStatus::Active));
        let Some(active) = active else {
            return Err(Error::conflict(format!(
                "Operation not allowed on job with jobId : {service_job_id} and jobState : {}",
                row.status
            )));
        };
        let start = active
            .appointment_time
            .as_ref()
            .and_then(|t| crate::time::parse_date_time(&t.start_time))
            .map(|t| t.as_microsecond())
            .unwrap_or(i64::MAX);
        if start > now {
            return Err(Error::conflict(format!(
                "Job with jobId {service_job_id} cannot be completed before its appointment starts."
            )));
        }
        active.appointment_status = Some(m::AppointmentAppointmentStatus::Completed);
        job.service_job_status = Some(m::ServiceJobServiceJobStatus::Completed);
        row.status = COMPLETED.into();
        save(&mut tx, &mut row, &job, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// getServiceJobs: filters, sort and pages as the model describes them; with a token the
    /// token's search continues and the other parameters are ignored.
    pub async fn list(
        &self,
        caller: &Caller,
        search: JobSearch,
        page_token: Option<&str>,
    ) -> Result<JobPage> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let (s, until, offset) = match page_token {
            Some(t) => {
                let tok: JobsToken = decode_token(t)?;
                if tok.k != JOBS_TOKEN {
                    return Err(Error::invalid_input(UNDECODABLE));
                }
                (tok.s, tok.until, tok.offset)
            }
            None => (search, now, 0),
        };
        crate::market::marketplaces::check_participating(caller, &s.marketplace_ids).map_err(
            |_| {
                Error::invalid_parameter(
                    "marketplaceIds",
                    "The seller does not participate in this marketplace.",
                )
            },
        )?;
        let marketplace_id = s.marketplace_ids[0].clone();
        let created_after = date("createdAfter", &s.created_after)?;
        let created_before = date("createdBefore", &s.created_before)?;
        let updated_after = date("lastUpdatedAfter", &s.last_updated_after)?;
        let updated_before = date("lastUpdatedBefore", &s.last_updated_before)?;
        let schedule_start = date("scheduleStartDate", &s.schedule_start)?;
        let schedule_end = date("scheduleEndDate", &s.schedule_end)?;
        match (created_after, updated_after) {
            (None, None) => {
                return Err(Error::invalid_parameter(
                    "createdAfter",
                    "One of createdAfter or lastUpdatedAfter is required.",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(Error::invalid_parameter(
                    "createdAfter, lastUpdatedAfter",
                    "Specify createdAfter or lastUpdatedAfter, not both.",
                ));
            }
            _ => {}
        }
        if let (Some(a), Some(b)) = (created_after, created_before)
            && b < a
        {
            return Err(Error::invalid_parameter(
                "createdBefore",
                "createdBefore is before createdAfter.",
            ));
        }
        if let (Some(a), Some(b)) = (updated_after, updated_before)
            && b < a
        {
            return Err(Error::invalid_parameter(
                "lastUpdatedBefore",
                "lastUpdatedBefore is before lastUpdatedAfter.",
            ));
        }
        if let (Some(a), Some(b)) = (schedule_start, schedule_end)
            && b < a
        {
            return Err(Error::invalid_parameter(
                "scheduleEndDate",
                "Schedule end date should not be earlier than schedule start date.",
            ));
        }
        let size = match s.page_size {
            None => 20,
            Some(n) if (1..=20).contains(&n) => n as usize,
            Some(_) => {
                return Err(Error::invalid_parameter(
                    "pageSize",
                    "pageSize must be between 1 and 20.",
                ));
            }
        };
        let (by_update, from, to) = match (created_after, updated_after) {
            (Some(a), _) => (false, a, created_before.unwrap_or(until).min(until)),
            (_, Some(a)) => (true, a, updated_before.unwrap_or(until).min(until)),
            _ => (false, 0, until),
        };
        let rows = self
            .store
            .service_jobs_in_window(seller, &marketplace_id, by_update, from, to)
            .await?;
        let mut matched = Vec::new();
        for row in rows {
            // Both windows apply when both are given.
            if by_update {
                if created_before.is_some_and(|b| row.created_at_us > b) {
                    continue;
                }
            } else if updated_before.is_some_and(|b| row.updated_at_us > b) {
                continue;
            }
            if !s.service_order_ids.is_empty()
                && !s.service_order_ids.contains(&row.service_order_id)
            {
                continue;
            }
            if !s.product_order_ids.is_empty()
                && !s.product_order_ids.contains(&row.product_order_id)
            {
                continue;
            }
            if !s.statuses.is_empty() && !s.statuses.contains(&row.status) {
                continue;
            }
            if !s.store_ids.is_empty() && !s.store_ids.contains(&row.store_id) {
                continue;
            }
            if schedule_start.is_some() || schedule_end.is_some() {
                let Some(at) = row.schedule_start_us else {
                    continue;
                };
                if schedule_start.is_some_and(|a| at < a) || schedule_end.is_some_and(|b| at > b) {
                    continue;
                }
            }
            let job: m::ServiceJob = serde_json::from_str(&row.doc).map_err(Error::internal)?;
            let scope = job.scope_of_work.clone().unwrap_or_default();
            if !s.asins.is_empty() && !scope.asin.as_ref().is_some_and(|a| s.asins.contains(a)) {
                continue;
            }
            if !s.required_skills.is_empty()
                && !scope
                    .required_skills
                    .iter()
                    .flatten()
                    .any(|k| s.required_skills.contains(k))
            {
                continue;
            }
            if !s.tracking_ids.is_empty()
                && !job
                    .tracking_ids
                    .iter()
                    .flatten()
                    .any(|t| s.tracking_ids.contains(t))
            {
                continue;
            }
            matched.push(row);
        }
        let descending = s.sort_order.as_deref() == Some("DESC");
        match s.sort_field.as_deref() {
            Some("JOB_STATUS") => matched.sort_by(|a, b| {
                (a.status.as_str(), a.created_at_us, a.id).cmp(&(
                    b.status.as_str(),
                    b.created_at_us,
                    b.id,
                ))
            }),
            _ => matched.sort_by_key(|r| (r.created_at_us, r.id)),
        }
        if descending {
            matched.reverse();
        }
        let total = matched.len();
        let mut jobs = Vec::new();
        for row in matched.iter().skip(offset).take(size) {
            jobs.push(self.present(row).await?);
        }
        let token = |offset: usize| {
            encode_token(&JobsToken {
                k: JOBS_TOKEN.into(),
                s: s.clone(),
                until,
                offset,
            })
        };
        let next_token = (offset + size < total).then(|| token(offset + size));
        let previous_token = (offset > 0).then(|| token(offset.saturating_sub(size)));
        Ok(JobPage {
            total: total as i64,
            jobs,
            next_token,
            previous_token,
        })
    }
}
