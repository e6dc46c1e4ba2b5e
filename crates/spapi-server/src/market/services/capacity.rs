//! The capacity of a seller's service stores (the `resourceId` of the capacity operations):
//! schedules, reservations, the capacity they leave, and the appointment slots made from it.
//!
//! - **Scheduled** capacity comes from the store's schedule (`updateSchedule`); until one is
//!   set, Monday to Saturday 08:00-18:00 UTC with one unit per technician (spapi's default).
//! - **Encumbered** capacity is taken by appointments of the store's jobs (ACTIVE or
//!   COMPLETED), one unit each for their duration.
//! - **Reserved** capacity is taken by reservations (breaks, training, travel...), their
//!   `capacity` units (default 1) for each occurrence.
//! - **Available** = scheduled - encumbered - reserved, never below 0.
//! - An AvailabilityRecord's `startTime`..`endTime` is its first occurrence; with a
//!   `recurrence` the same window repeats each day (restricted to `daysOfWeek` and
//!   `daysOfMonth` when given) until `recurrence.endTime`.
//! - updateSchedule adds its records to the schedule; an old record whose span overlaps a new
//!   one is replaced, with the warning `ScheduleOverride`. The first updateSchedule replaces
//!   the default schedule.
//! - Appointment slots start on the half hour and last the service's duration; a slot is
//!   offered while the store has at least one unit available through all of it.

use super::{Services, seller_of, technicians_in};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::paging::{UNDECODABLE, decode_token, encode_token};
use crate::store::StoreTx;
use crate::store::services::ReservationRow;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use spapi_model::services_v1 as m;

pub(super) const MINUTE_US: i64 = 60_000_000;
const HOUR_US: i64 = 60 * MINUTE_US;
const DAY_US: i64 = 24 * HOUR_US;
/// Appointment slots start on this grid (the half hour).
pub(super) const SLOT_STEP_US: i64 = 30 * MINUTE_US;
/// The longest range a capacity or slot query covers (Amazon: 90 days for slots).
const MAX_RANGE_US: i64 = 90 * DAY_US;
/// The longest appointment spapi accepts (so that a window query finds every overlap).
pub(super) const MAX_APPOINTMENT_US: i64 = DAY_US;
/// Fixed slots per page of getFixedSlotCapacity.
const FIXED_PAGE: usize = 500;
/// The slot window when the request gives none (Amazon: "as per business configuration").
const DEFAULT_SLOT_WINDOW_US: i64 = 14 * DAY_US;

fn ts(field: &str, s: &str) -> Result<i64> {
    crate::time::parse_date_time(s)
        .map(|t| t.as_microsecond())
        .ok_or_else(|| {
            Error::invalid_parameter(field, format!("{s} is not an ISO 8601 date-time."))
        })
}

fn iso(us: i64) -> String {
    crate::time::iso_us(us)
}

/// Monday = 0.
fn weekday(us: i64) -> i64 {
    (us.div_euclid(DAY_US) + 3).rem_euclid(7)
}

fn day_of_month(us: i64) -> i64 {
    jiff::Timestamp::from_microsecond(us)
        .map(|t| TimeZone::UTC.to_datetime(t).day() as i64)
        .unwrap_or(0)
}

fn weekday_name(d: &m::DayOfWeek) -> Option<i64> {
    Some(match d {
        m::DayOfWeek::Monday => 0,
        m::DayOfWeek::Tuesday => 1,
        m::DayOfWeek::Wednesday => 2,
        m::DayOfWeek::Thursday => 3,
        m::DayOfWeek::Friday => 4,
        m::DayOfWeek::Saturday => 5,
        m::DayOfWeek::Sunday => 6,
        _ => return None,
    })
}

/// Checks an AvailabilityRecord (`field` names it in errors).
pub(super) fn check_record(field: &str, r: &m::AvailabilityRecord) -> Result<()> {
    let start = ts(&format!("{field}.startTime"), &r.start_time)?;
    let end = ts(&format!("{field}.endTime"), &r.end_time)?;
    if end <= start {
        return Err(Error::invalid_parameter(
            &format!("{field}.endTime"),
            "endTime must be after startTime.",
        ));
    }
    if r.capacity.is_some_and(|c| c < 1) {
        return Err(Error::invalid_parameter(
            &format!("{field}.capacity"),
            "capacity must be at least 1.",
        ));
    }
    if let Some(rec) = &r.recurrence {
        let rec_end = ts(&format!("{field}.recurrence.endTime"), &rec.end_time)?;
        if rec_end <= start {
            return Err(Error::invalid_parameter(
                &format!("{field}.recurrence.endTime"),
                "The recurrence must end after the record's startTime.",
            ));
        }
        if end - start > DAY_US {
            return Err(Error::invalid_parameter(
                &format!("{field}.endTime"),
                "A recurring record lasts at most one day.",
            ));
        }
        if rec
            .days_of_week
            .iter()
            .flatten()
            .any(|d| weekday_name(d).is_none())
        {
            return Err(Error::invalid_parameter(
                &format!("{field}.recurrence.daysOfWeek"),
                "daysOfWeek takes MONDAY to SUNDAY.",
            ));
        }
        if rec
            .days_of_month
            .iter()
            .flatten()
            .any(|d| !(1..=31).contains(d))
        {
            return Err(Error::invalid_parameter(
                &format!("{field}.recurrence.daysOfMonth"),
                "daysOfMonth takes 1 to 31.",
            ));
        }
    }
    Ok(())
}

/// The occurrences of a record overlapping `[from, to)`.
fn occurrences(r: &m::AvailabilityRecord, from: i64, to: i64) -> Vec<(i64, i64)> {
    let (Some(s), Some(e)) = (
        crate::time::parse_date_time(&r.start_time).map(|t| t.as_microsecond()),
        crate::time::parse_date_time(&r.end_time).map(|t| t.as_microsecond()),
    ) else {
        return Vec::new();
    };
    let Some(rec) = &r.recurrence else {
        return if s < to && e > from {
            vec![(s, e)]
        } else {
            Vec::new()
        };
    };
    let Some(rec_end) = crate::time::parse_date_time(&rec.end_time).map(|t| t.as_microsecond())
    else {
        return Vec::new();
    };
    let dur = e - s;
    let tod = s.rem_euclid(DAY_US);
    let days: Vec<i64> = rec
        .days_of_week
        .iter()
        .flatten()
        .filter_map(weekday_name)
        .collect();
    let dom: Vec<i64> = rec.days_of_month.iter().flatten().copied().collect();
    let mut out = Vec::new();
    let first_day = (from - dur).div_euclid(DAY_US).max(s.div_euclid(DAY_US)) * DAY_US;
    let mut day = first_day;
    while day < to.min(rec_end) {
        let os = day + tod;
        day += DAY_US;
        if os < s || os >= rec_end || os >= to || os + dur <= from {
            continue;
        }
        if !days.is_empty() && !days.contains(&weekday(os)) {
            continue;
        }
        if !dom.is_empty() && !dom.contains(&day_of_month(os)) {
            continue;
        }
        out.push((os, os + dur));
    }
    out
}

/// The three capacity profiles of a store over a window, as intervals with a value.
struct Profile {
    scheduled: Vec<(i64, i64, i64)>,
    encumbered: Vec<(i64, i64, i64)>,
    reserved: Vec<(i64, i64, i64)>,
}

/// One piece of constant capacity.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: i64,
    end: i64,
    scheduled: i64,
    encumbered: i64,
    reserved: i64,
}

impl Piece {
    fn available(&self) -> i64 {
        (self.scheduled - self.encumbered - self.reserved).max(0)
    }

    fn value(&self, t: &m::CapacityType) -> i64 {
        match t {
            m::CapacityType::AvailableCapacity => self.available(),
            m::CapacityType::EncumberedCapacity => self.encumbered,
            m::CapacityType::ReservedCapacity => self.reserved,
            _ => self.scheduled,
        }
    }
}

fn sum_at(list: &[(i64, i64, i64)], t: i64) -> i64 {
    list.iter()
        .filter(|(s, e, _)| *s <= t && t < *e)
        .map(|(_, _, v)| v)
        .sum()
}

impl Profile {
    fn pieces(&self, from: i64, to: i64) -> Vec<Piece> {
        let mut edges = vec![from, to];
        for (s, e, _) in self
            .scheduled
            .iter()
            .chain(&self.encumbered)
            .chain(&self.reserved)
        {
            for x in [*s, *e] {
                if x > from && x < to {
                    edges.push(x);
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        edges
            .windows(2)
            .map(|w| Piece {
                start: w[0],
                end: w[1],
                scheduled: sum_at(&self.scheduled, w[0]),
                encumbered: sum_at(&self.encumbered, w[0]),
                reserved: sum_at(&self.reserved, w[0]),
            })
            .collect()
    }

    /// The least available capacity through `[from, to)`.
    fn min_available(&self, from: i64, to: i64) -> i64 {
        self.pieces(from, to)
            .iter()
            .map(Piece::available)
            .min()
            .unwrap_or(0)
    }
}

/// Reads a store's profile over `[from, to)`, leaving out appointment `except` (a reschedule)
/// and reservation `except_reservation` (an update).
async fn profile(
    tx: &mut StoreTx,
    seller_id: &str,
    store: &str,
    from: i64,
    to: i64,
    except: Option<&str>,
    except_reservation: Option<&str>,
) -> Result<Profile> {
    let mut scheduled = Vec::new();
    match tx.service_schedule(seller_id, store).await? {
        Some(doc) => {
            let records: Vec<m::AvailabilityRecord> =
                serde_json::from_str(&doc).map_err(Error::internal)?;
            for r in &records {
                let cap = r.capacity.unwrap_or(1);
                for (s, e) in occurrences(r, from, to) {
                    scheduled.push((s, e, cap));
                }
            }
        }
        None => {
            let techs = technicians_in(tx, seller_id).await?.len() as i64;
            let mut day = from.div_euclid(DAY_US) * DAY_US;
            while day < to {
                if weekday(day) < 6 {
                    scheduled.push((day + 8 * HOUR_US, day + 18 * HOUR_US, techs));
                }
                day += DAY_US;
            }
        }
    }
    let mut encumbered = Vec::new();
    for row in tx
        .service_jobs_scheduled(seller_id, store, from - MAX_APPOINTMENT_US, to)
        .await?
    {
        let job: m::ServiceJob = serde_json::from_str(&row.doc).map_err(Error::internal)?;
        for a in job.appointments.iter().flatten() {
            if !matches!(
                a.appointment_status,
                Some(m::AppointmentAppointmentStatus::Active)
                    | Some(m::AppointmentAppointmentStatus::Completed)
            ) || a.appointment_id.is_some() && a.appointment_id.as_deref() == except
            {
                continue;
            }
            let Some(t) = &a.appointment_time else {
                continue;
            };
            let Some(s) = crate::time::parse_date_time(&t.start_time) else {
                continue;
            };
            let s = s.as_microsecond();
            let e = s + t.duration_in_minutes * MINUTE_US;
            if s < to && e > from {
                encumbered.push((s, e, 1));
            }
        }
    }
    let mut reserved = Vec::new();
    for r in tx.service_reservations_of(seller_id, store).await? {
        if Some(r.reservation_id.as_str()) == except_reservation {
            continue;
        }
        let a: m::AvailabilityRecord =
            serde_json::from_str(&r.availability).map_err(Error::internal)?;
        let cap = a.capacity.unwrap_or(1);
        for (s, e) in occurrences(&a, from, to) {
            reserved.push((s, e, cap));
        }
    }
    Ok(Profile {
        scheduled,
        encumbered,
        reserved,
    })
}

/// Whether the store has a unit available through `[start, end)` (appointment `except`
/// left out).
pub(super) async fn slot_available(
    tx: &mut StoreTx,
    seller_id: &str,
    store: &str,
    start: i64,
    end: i64,
    except: Option<&str>,
) -> Result<bool> {
    Ok(profile(tx, seller_id, store, start, end, except, None)
        .await?
        .min_available(start, end)
        >= 1)
}

/// The store's appointment slots of `minutes` in `[from, to)`.
async fn slots(
    tx: &mut StoreTx,
    seller_id: &str,
    store: &str,
    minutes: i64,
    from: i64,
    to: i64,
) -> Result<Vec<m::AppointmentSlot>> {
    let dur = minutes * MINUTE_US;
    let p = profile(tx, seller_id, store, from, to + dur, None, None).await?;
    let mut out = Vec::new();
    let mut s = (from + SLOT_STEP_US - 1).div_euclid(SLOT_STEP_US) * SLOT_STEP_US;
    while s + dur <= to {
        let cap = p.min_available(s, s + dur);
        if cap >= 1 {
            out.push(m::AppointmentSlot {
                start_time: Some(iso(s)),
                end_time: Some(iso(s + dur)),
                capacity: Some(cap),
            });
        }
        s += SLOT_STEP_US;
    }
    Ok(out)
}

/// The position a getFixedSlotCapacity token carries.
#[derive(Serialize, Deserialize)]
struct FixedToken {
    k: String,
    resource: String,
    from: i64,
    to: i64,
    types: Vec<String>,
    minutes: i64,
}

const FIXED_TOKEN: &str = "fixedSlots";

fn capacity_types(types: &Option<Vec<m::CapacityType>>) -> Result<Vec<m::CapacityType>> {
    let list = match types {
        Some(t) if !t.is_empty() => t.clone(),
        _ => vec![m::CapacityType::ScheduledCapacity],
    };
    for t in &list {
        if let m::CapacityType::Unknown(v) = t {
            return Err(Error::invalid_parameter(
                "capacityTypes",
                format!("{v} is not a capacity type."),
            ));
        }
    }
    Ok(list)
}

fn window(from: &str, to: &str) -> Result<(i64, i64)> {
    let from = ts("startDateTime", from)?;
    let to = ts("endDateTime", to)?;
    if to <= from {
        return Err(Error::invalid_parameter(
            "endDateTime",
            "endDateTime must be after startDateTime.",
        ));
    }
    if to - from > MAX_RANGE_US {
        return Err(Error::invalid_parameter(
            "endDateTime",
            "The range covers at most 90 days.",
        ));
    }
    Ok((from, to))
}

/// The validated query of a slots operation: `[from, to)`.
fn slot_window(now: i64, start: Option<&str>, end: Option<&str>) -> Result<(i64, i64)> {
    match (start, end) {
        (None, None) => Ok((now, now + DEFAULT_SLOT_WINDOW_US)),
        (Some(_), None) => Err(Error::invalid_parameter(
            "endTime",
            "If startTime is provided, endTime should also be provided.",
        )),
        (None, Some(_)) => Err(Error::invalid_parameter(
            "startTime",
            "If endTime is provided, startTime should also be provided.",
        )),
        (Some(s), Some(e)) => {
            let s = ts("startTime", s)?;
            let e = ts("endTime", e)?;
            if e <= s {
                return Err(Error::invalid_parameter(
                    "endTime",
                    "endTime must be after startTime.",
                ));
            }
            if e - s > MAX_RANGE_US {
                return Err(Error::invalid_parameter(
                    "endTime",
                    "Maximum range of appointment slots can be 90 days.",
                ));
            }
            Ok((s.max(now), e))
        }
    }
}

fn reservation_id_of(r: &ReservationRow) -> Result<m::Reservation> {
    Ok(m::Reservation {
        reservation_id: Some(r.reservation_id.clone()),
        r#type: m::ReservationType::from_wire(&r.kind),
        availability: serde_json::from_str(&r.availability).map_err(Error::internal)?,
    })
}

fn reservation_not_found() -> Error {
    Error::NotFound("Reservation does not exist".into())
}

impl Services {
    /// The caller's service store `resource_id` in the one marketplace of `marketplace_ids`.
    fn resource<'c>(
        &self,
        caller: &'c Caller,
        resource_id: &str,
        marketplace_ids: &[String],
    ) -> Result<&'c str> {
        let seller = seller_of(caller)?;
        crate::market::marketplaces::check_participating(caller, marketplace_ids).map_err(
            |_| {
                Error::invalid_parameter(
                    "marketplaceIds",
                    "The seller does not participate in this marketplace.",
                )
            },
        )?;
        let mp = &marketplace_ids[0];
        if super::store_marketplace(&caller.marketplace_ids, seller, resource_id).as_ref()
            != Some(mp)
        {
            return Err(Error::NotFound(format!(
                "Resource {resource_id} was not found."
            )));
        }
        Ok(seller)
    }

    /// getRangeSlotCapacity: for each capacity type, the ranges of constant, non-zero capacity.
    pub async fn range_capacity(
        &self,
        caller: &Caller,
        resource_id: &str,
        marketplace_ids: &[String],
        q: &m::RangeSlotCapacityQuery,
    ) -> Result<m::RangeSlotCapacity> {
        let seller = self.resource(caller, resource_id, marketplace_ids)?;
        let types = capacity_types(&q.capacity_types)?;
        let (from, to) = window(&q.start_date_time, &q.end_date_time)?;
        let mut tx = self.store.begin().await?;
        let pieces = profile(&mut tx, seller, resource_id, from, to, None, None)
            .await?
            .pieces(from, to);
        drop(tx);
        let capacities = types
            .iter()
            .map(|t| {
                let mut slots: Vec<m::RangeSlot> = Vec::new();
                let mut open: Option<(i64, i64, i64)> = None;
                for p in &pieces {
                    let v = p.value(t);
                    match open {
                        Some((s, e, ov)) if ov == v && e == p.start => open = Some((s, p.end, v)),
                        _ => {
                            if let Some((s, e, ov)) = open.take()
                                && ov > 0
                            {
                                slots.push(range_slot(s, e, ov));
                            }
                            open = Some((p.start, p.end, v));
                        }
                    }
                }
                if let Some((s, e, v)) = open
                    && v > 0
                {
                    slots.push(range_slot(s, e, v));
                }
                m::RangeCapacity {
                    capacity_type: Some(t.clone()),
                    slots: Some(slots),
                }
            })
            .collect();
        Ok(m::RangeSlotCapacity {
            resource_id: Some(resource_id.into()),
            capacities: Some(capacities),
            next_page_token: None,
        })
    }

    /// getFixedSlotCapacity: slots of `slotDuration` minutes (default 30) from the start,
    /// each with the least scheduled and available and the most encumbered and reserved
    /// capacity through it; pages of 500 slots.
    pub async fn fixed_capacity(
        &self,
        caller: &Caller,
        resource_id: &str,
        marketplace_ids: &[String],
        q: &m::FixedSlotCapacityQuery,
        next_token: Option<&str>,
    ) -> Result<m::FixedSlotCapacity> {
        let seller = self.resource(caller, resource_id, marketplace_ids)?;
        let (from, to, types, minutes) = match next_token {
            Some(t) => {
                let tok: FixedToken = decode_token(t)?;
                if tok.k != FIXED_TOKEN || tok.resource != resource_id {
                    return Err(Error::invalid_input(UNDECODABLE));
                }
                let types = tok
                    .types
                    .iter()
                    .map(|t| m::CapacityType::from_wire(t))
                    .collect();
                (tok.from, tok.to, types, tok.minutes)
            }
            None => {
                let types = capacity_types(&q.capacity_types)?;
                let (from, to) = window(&q.start_date_time, &q.end_date_time)?;
                let minutes = match q.slot_duration {
                    None => 30,
                    Some(d)
                        if d.fract() == 0.0 && (5.0..=360.0).contains(&d) && d as i64 % 5 == 0 =>
                    {
                        d as i64
                    }
                    Some(_) => {
                        return Err(Error::invalid_parameter(
                            "slotDuration",
                            "slotDuration must be a multiple of 5 between 5 and 360.",
                        ));
                    }
                };
                (from, to, types, minutes)
            }
        };
        let step = minutes * MINUTE_US;
        let page_end = (from + step * FIXED_PAGE as i64).min(to);
        let mut tx = self.store.begin().await?;
        let p = profile(&mut tx, seller, resource_id, from, page_end, None, None).await?;
        drop(tx);
        let mut capacities = Vec::new();
        let mut s = from;
        while s + step <= page_end {
            let pieces = p.pieces(s, s + step);
            let min = |f: fn(&Piece) -> i64| pieces.iter().map(f).min().unwrap_or(0);
            let max = |f: fn(&Piece) -> i64| pieces.iter().map(f).max().unwrap_or(0);
            let want = |t: m::CapacityType| types.contains(&t);
            capacities.push(m::FixedSlot {
                start_date_time: Some(iso(s)),
                scheduled_capacity: want(m::CapacityType::ScheduledCapacity)
                    .then(|| min(|p| p.scheduled)),
                available_capacity: want(m::CapacityType::AvailableCapacity)
                    .then(|| min(Piece::available)),
                encumbered_capacity: want(m::CapacityType::EncumberedCapacity)
                    .then(|| max(|p| p.encumbered)),
                reserved_capacity: want(m::CapacityType::ReservedCapacity)
                    .then(|| max(|p| p.reserved)),
            });
            s += step;
        }
        let next_page_token = (s + step <= to).then(|| {
            encode_token(&FixedToken {
                k: FIXED_TOKEN.into(),
                resource: resource_id.into(),
                from: s,
                to,
                types: types.iter().map(|t| t.as_str().to_string()).collect(),
                minutes,
            })
        });
        Ok(m::FixedSlotCapacity {
            resource_id: Some(resource_id.into()),
            slot_duration: Some(minutes as f64),
            capacities: Some(capacities),
            next_page_token,
        })
    }

    /// updateSchedule: adds the records to the store's schedule, replacing the ones they
    /// overlap (warning `ScheduleOverride`).
    pub async fn update_schedule(
        &self,
        caller: &Caller,
        resource_id: &str,
        marketplace_ids: &[String],
        body: &m::UpdateScheduleRequest,
    ) -> Result<Vec<m::UpdateScheduleRecord>> {
        let seller = self.resource(caller, resource_id, marketplace_ids)?;
        if body.schedules.is_empty() {
            return Err(Error::invalid_parameter(
                "schedules",
                "At least one schedule is required.",
            ));
        }
        for (i, r) in body.schedules.iter().enumerate() {
            check_record(&format!("schedules[{i}]"), r)?;
        }
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let mut current: Vec<m::AvailabilityRecord> =
            match tx.service_schedule(seller, resource_id).await? {
                Some(doc) => serde_json::from_str(&doc).map_err(Error::internal)?,
                None => Vec::new(),
            };
        let mut out = Vec::new();
        for r in &body.schedules {
            let (s, e) = span(r);
            let before = current.len();
            current.retain(|old| {
                let (os, oe) = span(old);
                !(os < e && s < oe)
            });
            let warnings = (current.len() < before).then(|| {
                vec![m::Warning {
                    code: "ScheduleOverride".into(),
                    message: format!(
                        "The schedule replaces {} overlapping schedule record(s).",
                        before - current.len()
                    ),
                    details: None,
                }]
            });
            current.push(r.clone());
            out.push(m::UpdateScheduleRecord {
                availability: Some(r.clone()),
                warnings,
                errors: None,
            });
        }
        let doc = serde_json::to_string(&current).map_err(Error::internal)?;
        tx.put_service_schedule(seller, resource_id, &doc, now)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// createReservation: takes capacity from the store where it has that much available.
    pub async fn create_reservation(
        &self,
        caller: &Caller,
        marketplace_ids: &[String],
        body: &m::CreateReservationRequest,
    ) -> Result<m::Reservation> {
        self.put_reservation(
            caller,
            marketplace_ids,
            None,
            &body.resource_id,
            &body.reservation,
        )
        .await
    }

    /// updateReservation: replaces a reservation's type and availability.
    pub async fn update_reservation(
        &self,
        caller: &Caller,
        reservation_id: &str,
        marketplace_ids: &[String],
        body: &m::UpdateReservationRequest,
    ) -> Result<m::Reservation> {
        self.put_reservation(
            caller,
            marketplace_ids,
            Some(reservation_id),
            &body.resource_id,
            &body.reservation,
        )
        .await
    }

    async fn put_reservation(
        &self,
        caller: &Caller,
        marketplace_ids: &[String],
        existing: Option<&str>,
        resource_id: &str,
        reservation: &m::Reservation,
    ) -> Result<m::Reservation> {
        let seller = self.resource(caller, resource_id, marketplace_ids)?;
        if let m::ReservationType::Unknown(v) = &reservation.r#type {
            return Err(Error::invalid_parameter(
                "reservation.type",
                format!("{v} is not a reservation type."),
            ));
        }
        check_record("reservation.availability", &reservation.availability)?;
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let created_at = match existing {
            Some(id) => {
                tx.service_reservation(seller, id)
                    .await?
                    .ok_or_else(reservation_not_found)?
                    .created_at_us
            }
            None => now,
        };
        // The reservation must fit the capacity left by the others, through every
        // occurrence in the coming 90 days (and its first one).
        let a = &reservation.availability;
        let (s, _) = span(a);
        let horizon_end = s.max(now) + MAX_RANGE_US;
        let p = profile(&mut tx, seller, resource_id, s, horizon_end, None, existing).await?;
        let need = a.capacity.unwrap_or(1);
        for (os, oe) in occurrences(a, s, horizon_end) {
            if p.min_available(os, oe) < need {
                return Err(Error::invalid_input(format!(
                    "Resource {resource_id} does not have {need} unit(s) of available capacity from {} to {}.",
                    iso(os),
                    iso(oe)
                )));
            }
        }
        let row = ReservationRow {
            seller_id: seller.into(),
            reservation_id: existing
                .map(str::to_string)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            resource_id: resource_id.into(),
            kind: reservation.r#type.as_str().to_string(),
            availability: serde_json::to_string(a).map_err(Error::internal)?,
            created_at_us: created_at,
            updated_at_us: now,
        };
        tx.put_service_reservation(&row).await?;
        tx.commit().await?;
        reservation_id_of(&row)
    }

    /// cancelReservation: gives the capacity back.
    pub async fn cancel_reservation(
        &self,
        caller: &Caller,
        reservation_id: &str,
        marketplace_ids: &[String],
    ) -> Result<()> {
        let seller = seller_of(caller)?;
        crate::market::marketplaces::check_participating(caller, marketplace_ids).map_err(
            |_| {
                Error::invalid_parameter(
                    "marketplaceIds",
                    "The seller does not participate in this marketplace.",
                )
            },
        )?;
        let mut tx = self.store.begin().await?;
        if !tx
            .delete_service_reservation(seller, reservation_id)
            .await?
        {
            return Err(reservation_not_found());
        }
        tx.commit().await?;
        Ok(())
    }

    /// getAppointmmentSlotsByJobId: the slots of the job's store for the job's service.
    pub async fn slots_for_job(
        &self,
        caller: &Caller,
        service_job_id: &str,
        marketplace_ids: &[String],
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<m::AppointmentSlotReport> {
        let seller = seller_of(caller)?;
        crate::market::marketplaces::check_participating(caller, marketplace_ids).map_err(
            |_| {
                Error::invalid_parameter(
                    "marketplaceIds",
                    "The seller does not participate in this marketplace.",
                )
            },
        )?;
        let now = self.clock.now_us();
        let (from, to) = slot_window(now, start, end)?;
        let mut tx = self.store.begin().await?;
        let (row, job) = super::job_in(&mut tx, seller, service_job_id).await?;
        if row.marketplace_id != marketplace_ids[0] {
            return Err(super::no_job(service_job_id));
        }
        let minutes = super::appointments::job_minutes(&job);
        let list = slots(&mut tx, seller, &row.store_id, minutes, from, to).await?;
        Ok(report(from, to, list))
    }

    /// getAppointmentSlots: the slots of one of the seller's stores for the service of an
    /// ASIN.
    pub async fn slots_for_asin(
        &self,
        caller: &Caller,
        asin: &str,
        store_id: &str,
        marketplace_ids: &[String],
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<m::AppointmentSlotReport> {
        let seller = self.resource(caller, store_id, marketplace_ids)?;
        let now = self.clock.now_us();
        let (from, to) = slot_window(now, start, end)?;
        let item = self.store.get_catalog_item(asin).await?;
        let Some(kind) = item
            .as_ref()
            .and_then(|i| super::service_for(&i.product_type))
        else {
            return Err(Error::conflict(format!(
                "No service is offered for ASIN {asin}."
            )));
        };
        let mut tx = self.store.begin().await?;
        let list = slots(&mut tx, seller, store_id, kind.minutes, from, to).await?;
        Ok(report(from, to, list))
    }
}

fn report(from: i64, to: i64, list: Vec<m::AppointmentSlot>) -> m::AppointmentSlotReport {
    m::AppointmentSlotReport {
        scheduling_type: Some(m::AppointmentSlotReportSchedulingType::RealTimeScheduling),
        start_time: Some(iso(from)),
        end_time: Some(iso(to)),
        appointment_slots: Some(list),
    }
}

fn range_slot(s: i64, e: i64, v: i64) -> m::RangeSlot {
    m::RangeSlot {
        start_date_time: Some(iso(s)),
        end_date_time: Some(iso(e)),
        capacity: Some(v),
    }
}

/// The whole span of a record: first start to the end of its recurrence (or its end).
fn span(r: &m::AvailabilityRecord) -> (i64, i64) {
    let p = |s: &str| {
        crate::time::parse_date_time(s)
            .map(|t| t.as_microsecond())
            .unwrap_or(0)
    };
    let s = p(&r.start_time);
    let e = match &r.recurrence {
        Some(rec) => p(&rec.end_time).max(p(&r.end_time)),
        None => p(&r.end_time),
    };
    (s, e)
}
