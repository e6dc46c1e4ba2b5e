//! Supply sources: the locations a seller fulfils from (ship-from warehouses, stores with
//! in-store or curbside pickup), as the Supply Sources API 2020-07-01 manages them.
//!
//! # Rules
//!
//! - Each source belongs to one seller; another seller's source is not found.
//! - `supplySourceCode` is unique per seller (also among archived sources: Amazon refuses a
//!   used code with details `1004`); the alias is unique among the seller's sources that are
//!   not archived.
//! - A new source is `Inactive` (as Amazon's sandbox shows it); `updateSupplySourceStatus`
//!   moves it between `Active` and `Inactive`; `archiveSupplySource` makes it `Archived`,
//!   which is final: any later change is refused with details `1005`. An archived source can
//!   still be read by id but is no longer listed.
//! - `updateSupplySource` replaces each of alias, configuration and capabilities that the body
//!   carries and keeps the others. Operating hours are `HH:mm` with the start before the end,
//!   the timezone an IANA zone, durations and counts non-negative.

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::paging::{decode_token, encode_token};
use crate::store::supply::SupplySourceRow;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use spapi_model::supply_sources_2020_07_01 as m;

/// Amazon's message for a code the seller already uses (details [`DUPLICATE_CODE_DETAILS`]).
pub const DUPLICATE_CODE: &str = "Supply Source with given Code already exists";
/// The details Amazon gives with [`DUPLICATE_CODE`].
pub const DUPLICATE_CODE_DETAILS: &str = "1004";
/// Amazon's message for a change to an archived source (details [`ARCHIVED_DETAILS`]).
pub const ARCHIVED: &str = "Supply Source has been archived and cannot be modified.";
/// The details Amazon gives with [`ARCHIVED`].
pub const ARCHIVED_DETAILS: &str = "1005";

/// getSupplySources' page size when none is given (the model's default).
const DEFAULT_PAGE_SIZE: u32 = 10;
/// The largest page spapi serves (the model sets no maximum).
const MAX_PAGE_SIZE: u32 = 50;

const ACTIVE: &str = "Active";
const INACTIVE: &str = "Inactive";
const ARCHIVED_STATUS: &str = "Archived";

/// The seller world's supply sources: what the Supply Sources binding holds.
#[derive(Clone)]
pub struct SupplySources {
    store: Store,
    clock: Clock,
}

/// A supply source with its documents decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The id Amazon gives (a UUID).
    pub supply_source_id: String,
    /// The seller's code.
    pub code: String,
    /// The seller's alias.
    pub alias: String,
    /// `Active`, `Inactive` or `Archived`.
    pub status: String,
    /// Where it is.
    pub address: m::Address,
    /// Its configuration, once set.
    pub configuration: Option<m::SupplySourceConfiguration>,
    /// Its capabilities, once set.
    pub capabilities: Option<m::SupplySourceCapabilities>,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
}

/// A page of getSupplySources.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The sources, in creation order.
    pub sources: Vec<Source>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
}

/// The position a page token carries.
#[derive(Serialize, Deserialize)]
struct Position {
    /// Kind of token (tokens of other pages are refused).
    k: String,
    /// The store id of the last source served.
    after: i64,
}

const TOKEN_KIND: &str = "supplySources";

impl SupplySources {
    /// The supply sources of the world in `store`, on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        SupplySources { store, clock }
    }

    /// createSupplySource: a new `Inactive` source of the caller's seller.
    pub async fn create(
        &self,
        caller: &Caller,
        body: &m::CreateSupplySourceRequest,
    ) -> Result<Source> {
        let seller = seller_of(caller)?;
        let code = required("supplySourceCode", &body.supply_source_code)?;
        let alias = required("alias", &body.alias)?;
        check_address("address", &body.address)?;
        if self
            .store
            .supply_source_alias_taken(seller, &alias, "")
            .await?
        {
            return Err(alias_taken());
        }
        let now = self.clock.now_us();
        let mut row = SupplySourceRow {
            id: 0,
            seller_id: seller.to_string(),
            supply_source_id: uuid::Uuid::new_v4().to_string(),
            code,
            alias,
            status: INACTIVE.into(),
            address: to_text(&body.address)?,
            configuration: None,
            capabilities: None,
            created_at_us: now,
            updated_at_us: now,
        };
        row.id = match self.store.insert_supply_source(&row).await {
            Ok(id) => id,
            Err(StoreError::Conflict(_)) => return Err(Error::invalid_input(DUPLICATE_CODE)),
            Err(e) => return Err(e.into()),
        };
        decode(row)
    }

    /// getSupplySources: a page of the caller's sources that are not archived.
    pub async fn list(
        &self,
        caller: &Caller,
        page_size: Option<f64>,
        next_token: Option<&str>,
    ) -> Result<Page> {
        let seller = seller_of(caller)?;
        let size = match page_size {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if n.fract() == 0.0 && n >= 1.0 => (n as u32).min(MAX_PAGE_SIZE),
            Some(_) => {
                return Err(Error::invalid_parameter(
                    "pageSize",
                    "pageSize must be a positive integer.",
                ));
            }
        };
        let after = match next_token {
            None => 0,
            Some(t) => {
                let p: Position = decode_token(t)?;
                if p.k != TOKEN_KIND {
                    return Err(Error::invalid_input(crate::market::paging::UNDECODABLE));
                }
                p.after
            }
        };
        let mut rows = self
            .store
            .supply_sources_page(seller, after, size + 1)
            .await?;
        let more = rows.len() > size as usize;
        rows.truncate(size as usize);
        let next_token = match (more, rows.last()) {
            (true, Some(last)) => Some(encode_token(&Position {
                k: TOKEN_KIND.into(),
                after: last.id,
            })),
            _ => None,
        };
        let sources = rows.into_iter().map(decode).collect::<Result<_>>()?;
        Ok(Page {
            sources,
            next_token,
        })
    }

    /// getSupplySource: one of the caller's sources (archived ones included).
    pub async fn get(&self, caller: &Caller, supply_source_id: &str) -> Result<Source> {
        decode(self.row(caller, supply_source_id).await?)
    }

    /// updateSupplySource: replaces the alias, configuration and capabilities the body
    /// carries.
    pub async fn update(
        &self,
        caller: &Caller,
        supply_source_id: &str,
        body: Option<&m::UpdateSupplySourceRequest>,
    ) -> Result<()> {
        let mut row = self.changeable(caller, supply_source_id).await?;
        let Some(body) = body else {
            return Ok(());
        };
        if let Some(alias) = &body.alias {
            let alias = required("alias", alias)?;
            if self
                .store
                .supply_source_alias_taken(&row.seller_id, &alias, &row.supply_source_id)
                .await?
            {
                return Err(alias_taken());
            }
            row.alias = alias;
        }
        if let Some(c) = &body.configuration {
            check_configuration(c)?;
            row.configuration = Some(to_text(c)?);
        }
        if let Some(c) = &body.capabilities {
            check_capabilities(c)?;
            row.capabilities = Some(to_text(c)?);
        }
        row.updated_at_us = self.clock.now_us();
        self.store.update_supply_source(&row).await?;
        Ok(())
    }

    /// updateSupplySourceStatus: `Active` or `Inactive`.
    pub async fn set_status(
        &self,
        caller: &Caller,
        supply_source_id: &str,
        status: Option<&m::SupplySourceStatus>,
    ) -> Result<()> {
        let mut row = self.changeable(caller, supply_source_id).await?;
        let status = match status {
            Some(m::SupplySourceStatus::Active) => ACTIVE,
            Some(m::SupplySourceStatus::Inactive) => INACTIVE,
            Some(m::SupplySourceStatus::Unknown(s)) => {
                return Err(Error::invalid_parameter(
                    "status",
                    format!("{s} is not a valid status: use Active or Inactive."),
                ));
            }
            None => {
                return Err(Error::invalid_parameter("status", "status is required."));
            }
        };
        if row.status != status {
            row.status = status.into();
            row.updated_at_us = self.clock.now_us();
            self.store.update_supply_source(&row).await?;
        }
        Ok(())
    }

    /// archiveSupplySource: the source becomes `Archived`, for good.
    pub async fn archive(&self, caller: &Caller, supply_source_id: &str) -> Result<()> {
        let mut row = self.changeable(caller, supply_source_id).await?;
        row.status = ARCHIVED_STATUS.into();
        row.updated_at_us = self.clock.now_us();
        self.store.update_supply_source(&row).await?;
        Ok(())
    }

    async fn row(&self, caller: &Caller, supply_source_id: &str) -> Result<SupplySourceRow> {
        let seller = seller_of(caller)?;
        self.store
            .supply_source(seller, supply_source_id)
            .await?
            .ok_or_else(|| {
                Error::not_found()
                    .with_details(format!("Supply Source {supply_source_id} was not found."))
            })
    }

    /// The source, when it may still change (not archived).
    async fn changeable(&self, caller: &Caller, supply_source_id: &str) -> Result<SupplySourceRow> {
        let row = self.row(caller, supply_source_id).await?;
        if row.status == ARCHIVED_STATUS {
            return Err(Error::conflict(ARCHIVED));
        }
        Ok(row)
    }
}

fn seller_of(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

fn alias_taken() -> Error {
    Error::invalid_parameter(
        "alias",
        "Another supply source of the seller already has this alias.",
    )
}

/// `value` trimmed, refused when empty.
fn required(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::invalid_parameter(
            field,
            format!("{field} must not be empty."),
        ));
    }
    Ok(v.to_string())
}

fn check_address(field: &str, a: &m::Address) -> Result<()> {
    required(&format!("{field}.name"), &a.name)?;
    required(&format!("{field}.addressLine1"), &a.address_line1)?;
    required(&format!("{field}.stateOrRegion"), &a.state_or_region)?;
    let cc = &a.country_code;
    if cc.len() != 2 || !cc.chars().all(|c| c.is_ascii_uppercase()) {
        return Err(Error::invalid_parameter(
            &format!("{field}.countryCode"),
            "countryCode must be a two-letter ISO 3166-1 alpha-2 code.",
        ));
    }
    Ok(())
}

/// Minutes since midnight of an `HH:mm` time.
fn minutes(field: &str, t: &str) -> Result<u32> {
    let bad = || Error::invalid_parameter(field, format!("{t:?} is not a time of the form HH:mm."));
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn check_non_negative(field: &str, v: Option<i64>) -> Result<()> {
    match v {
        Some(n) if n < 0 => Err(Error::invalid_parameter(
            field,
            format!("{field} must not be negative."),
        )),
        _ => Ok(()),
    }
}

fn check_duration(field: &str, d: &Option<m::Duration>) -> Result<()> {
    let Some(d) = d else { return Ok(()) };
    check_non_negative(&format!("{field}.value"), d.value)?;
    if let Some(m::TimeUnit::Unknown(u)) = &d.time_unit {
        return Err(Error::invalid_parameter(
            &format!("{field}.timeUnit"),
            format!("{u} is not a time unit: use Hours, Minutes or Days."),
        ));
    }
    Ok(())
}

fn check_operational(field: &str, c: &Option<m::OperationalConfiguration>) -> Result<()> {
    let Some(c) = c else { return Ok(()) };
    if let Some(email) = c
        .contact_details
        .as_ref()
        .and_then(|d| d.primary.as_ref())
        .and_then(|p| p.email.as_deref())
    {
        let ok = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
        if !ok {
            return Err(Error::invalid_parameter(
                &format!("{field}.contactDetails.primary.email"),
                format!("{email:?} is not an email address."),
            ));
        }
    }
    if let Some(t) = &c.throughput_config {
        if let Some(cap) = &t.throughput_cap {
            check_duration(
                &format!("{field}.throughputConfig.throughputCap"),
                &Some(m::Duration {
                    value: cap.value,
                    time_unit: cap.time_unit.clone(),
                }),
            )?;
        }
        if let m::ThroughputUnit::Unknown(u) = &t.throughput_unit {
            return Err(Error::invalid_parameter(
                &format!("{field}.throughputConfig.throughputUnit"),
                format!("{u} is not a throughput unit: use Order."),
            ));
        }
    }
    if let Some(days) = &c.operating_hours_by_day {
        let week = [
            ("monday", &days.monday),
            ("tuesday", &days.tuesday),
            ("wednesday", &days.wednesday),
            ("thursday", &days.thursday),
            ("friday", &days.friday),
            ("saturday", &days.saturday),
            ("sunday", &days.sunday),
        ];
        for (day, hours) in week {
            let mut spans = vec![];
            for (i, h) in hours.iter().flatten().enumerate() {
                let at = format!("{field}.operatingHoursByDay.{day}[{i}]");
                let (Some(start), Some(end)) = (&h.start_time, &h.end_time) else {
                    return Err(Error::invalid_parameter(
                        &at,
                        "An operating hour needs both startTime and endTime.",
                    ));
                };
                let (s, e) = (
                    minutes(&format!("{at}.startTime"), start)?,
                    minutes(&format!("{at}.endTime"), end)?,
                );
                if s >= e {
                    return Err(Error::invalid_parameter(
                        &at,
                        "startTime must be before endTime.",
                    ));
                }
                spans.push((s, e));
            }
            spans.sort();
            if spans.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(Error::invalid_parameter(
                    &format!("{field}.operatingHoursByDay.{day}"),
                    "Operating hours of a day must not overlap.",
                ));
            }
        }
    }
    check_duration(&format!("{field}.handlingTime"), &c.handling_time)
}

fn check_configuration(c: &m::SupplySourceConfiguration) -> Result<()> {
    check_operational(
        "configuration.operationalConfiguration",
        &c.operational_configuration,
    )?;
    if let Some(tz) = &c.timezone
        && jiff::tz::TimeZone::get(tz).is_err()
    {
        return Err(Error::invalid_parameter(
            "configuration.timezone",
            format!("{tz:?} is not a known time zone (use an IANA name such as America/New_York)."),
        ));
    }
    Ok(())
}

fn check_parking(
    field: &str,
    cost: &Option<m::ParkingCostType>,
    spot: &Option<m::ParkingSpotIdentificationType>,
    spots: Option<i64>,
) -> Result<()> {
    if let Some(m::ParkingCostType::Unknown(v)) = cost {
        return Err(Error::invalid_parameter(
            &format!("{field}.parkingCostType"),
            format!("{v} is not a parking cost type: use Free or Other."),
        ));
    }
    if let Some(m::ParkingSpotIdentificationType::Unknown(v)) = spot {
        return Err(Error::invalid_parameter(
            &format!("{field}.parkingSpotIdentificationType"),
            format!("{v} is not a parking spot identification type: use Numbered or Other."),
        ));
    }
    check_non_negative(&format!("{field}.numberOfParkingSpots"), spots)
}

fn check_capabilities(c: &m::SupplySourceCapabilities) -> Result<()> {
    if let Some(o) = &c.outbound {
        let f = "capabilities.outbound";
        check_operational(
            &format!("{f}.operationalConfiguration"),
            &o.operational_configuration,
        )?;
        if let Some(r) = &o.return_location
            && let Some(a) = r
                .address_with_contact
                .as_ref()
                .and_then(|a| a.address.as_ref())
        {
            check_address(&format!("{f}.returnLocation.addressWithContact.address"), a)?;
        }
        if let Some(d) = &o.delivery_channel {
            check_operational(
                &format!("{f}.deliveryChannel.operationalConfiguration"),
                &d.operational_configuration,
            )?;
        }
        if let Some(p) = &o.pickup_channel {
            let f = format!("{f}.pickupChannel");
            check_duration(
                &format!("{f}.inventoryHoldPeriod"),
                &p.inventory_hold_period,
            )?;
            check_operational(
                &format!("{f}.operationalConfiguration"),
                &p.operational_configuration,
            )?;
            if let Some(p) = p
                .in_store_pickup_configuration
                .as_ref()
                .and_then(|s| s.parking_configuration.as_ref())
            {
                check_parking(
                    &format!("{f}.inStorePickupConfiguration.parkingConfiguration"),
                    &p.parking_cost_type,
                    &p.parking_spot_identification_type,
                    p.number_of_parking_spots,
                )?;
            }
            if let Some(c) = &p.curbside_pickup_configuration {
                let f = format!("{f}.curbsidePickupConfiguration");
                check_operational(
                    &format!("{f}.operationalConfiguration"),
                    &c.operational_configuration,
                )?;
                if let Some(p) = &c.parking_with_address_configuration {
                    let f = format!("{f}.parkingWithAddressConfiguration");
                    check_parking(
                        &f,
                        &p.parking_cost_type,
                        &p.parking_spot_identification_type,
                        p.number_of_parking_spots,
                    )?;
                    if let Some(a) = &p.address {
                        check_address(&format!("{f}.address"), a)?;
                    }
                }
            }
        }
    }
    if let Some(s) = &c.services {
        check_operational(
            "capabilities.services.operationalConfiguration",
            &s.operational_configuration,
        )?;
    }
    Ok(())
}

fn to_text<T: Serialize>(doc: &T) -> Result<String> {
    serde_json::to_string(doc).map_err(Error::internal)
}

fn from_text<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::internal(format!("stored {what}: {e}")))
}

fn decode(r: SupplySourceRow) -> Result<Source> {
    Ok(Source {
        address: from_text("address", &r.address)?,
        configuration: r
            .configuration
            .as_deref()
            .map(|t| from_text("configuration", t))
            .transpose()?,
        capabilities: r
            .capabilities
            .as_deref()
            .map(|t| from_text("capabilities", t))
            .transpose()?,
        supply_source_id: r.supply_source_id,
        code: r.code,
        alias: r.alias,
        status: r.status,
        created_at_us: r.created_at_us,
        updated_at_us: r.updated_at_us,
    })
}
