//! Appointments of service jobs: add, reschedule, assign technicians, fulfillment data.
//!
//! Rules (Amazon's sandbox cases, words included): a job has at most one ACTIVE appointment;
//! a start is UTC, in the future, at most 365 days ahead and on a slot the store has capacity
//! for (slots start on the half hour); a reschedule needs a known reason code and makes a new
//! appointment that points at the old one (`rescheduledAppointmentId`), the old one becoming
//! CANCELLED and its technicians unassigned (warning `RESOURCES_UNASSIGNED`). Technicians must
//! be the seller's and have the job's skills; one already booked at an overlapping time gives
//! the warning `RESOURCES_OVERBOOKED`.

use super::capacity::{MAX_APPOINTMENT_US, MINUTE_US, SLOT_STEP_US, slot_available};
use super::{
    NOT_SERVICED, Services, Technician, check_open, job_in, save, seller_of, technicians_in,
};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::store::StoreTx;
use spapi_model::services_v1 as m;

/// Reschedule reason codes spapi accepts (Amazon does not publish its list; spapi's choice).
pub const RESCHEDULE_REASONS: &[&str] = &[
    "APPOINTMENT_REQUESTED_BY_CUSTOMER",
    "CUSTOMER_UNAVAILABLE",
    "TECHNICIAN_UNAVAILABLE",
    "PRODUCT_NOT_DELIVERED",
    "INCLEMENT_WEATHER",
    "OTHER",
];

const MAX_AHEAD_US: i64 = 365 * 24 * 60 * MINUTE_US;

/// The appointment length of a job's service.
pub(super) fn job_minutes(job: &m::ServiceJob) -> i64 {
    job.preferred_appointment_times
        .as_ref()
        .and_then(|t| t.first())
        .map(|t| t.duration_in_minutes)
        .filter(|m| *m > 0)
        .unwrap_or(60)
}

/// Parses a UTC time as Amazon's appointment operations do.
fn utc(s: &str) -> Result<i64> {
    let t = crate::time::parse_date_time(s)
        .ok_or_else(|| Error::conflict(format!("Failed to parse ISO8601 input: {s}")))?;
    let trimmed = s.trim();
    if !(trimmed.ends_with('Z') || trimmed.ends_with("+00:00") || trimmed.ends_with("-00:00")) {
        return Err(Error::conflict(format!("ISO8601 time {s} is not in UTC.")));
    }
    Ok(t.as_microsecond())
}

fn failed(job_id: &str, reason: &str) -> Error {
    Error::conflict(format!(
        "Failed to add appointment for jobId : {job_id}, reason : {reason}"
    ))
}

/// The answer of add and reschedule.
#[derive(Debug, Clone)]
pub struct SetAppointment {
    /// The new appointment.
    pub appointment_id: String,
    /// Warnings (`RESOURCES_UNASSIGNED`).
    pub warnings: Vec<m::Warning>,
}

fn active_appointment(job: &m::ServiceJob) -> Option<&m::Appointment> {
    job.appointments
        .iter()
        .flatten()
        .find(|a| a.appointment_status == Some(m::AppointmentAppointmentStatus::Active))
}

impl Services {
    /// Checks a new appointment time for `job` and returns (start, minutes).
    async fn check_time(
        &self,
        tx: &mut StoreTx,
        seller: &str,
        row: &crate::store::services::ServiceJobRow,
        job: &m::ServiceJob,
        input: &m::AppointmentTimeInput,
        except: Option<&str>,
    ) -> Result<(i64, i64)> {
        let id = &row.service_job_id;
        let start = utc(&input.start_time)?;
        let minutes = match input.duration_in_minutes {
            None => job_minutes(job),
            Some(d) if d > 0 && d * MINUTE_US <= MAX_APPOINTMENT_US => d,
            Some(_) => {
                return Err(Error::invalid_parameter(
                    "appointmentTime.durationInMinutes",
                    "durationInMinutes must be between 1 and 1440.",
                ));
            }
        };
        let now = self.clock.now_us();
        if start <= now {
            return Err(failed(
                id,
                "Start time of appointment should be in the future.",
            ));
        }
        if start - now > MAX_AHEAD_US {
            return Err(failed(
                id,
                "Start time for appointment is beyond the maximum allowed period of 365 days.",
            ));
        }
        if start.rem_euclid(SLOT_STEP_US) != 0
            || !slot_available(
                tx,
                seller,
                &row.store_id,
                start,
                start + minutes * MINUTE_US,
                except,
            )
            .await?
        {
            return Err(failed(id, "Appointment slot is not available."));
        }
        Ok((start, minutes))
    }

    /// addAppointmentForServiceJobByServiceJobId.
    pub async fn add_appointment(
        &self,
        caller: &Caller,
        service_job_id: &str,
        body: &m::AddAppointmentRequest,
    ) -> Result<SetAppointment> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let (mut row, mut job) = job_in(&mut tx, seller, service_job_id).await?;
        check_open(&row)?;
        if active_appointment(&job).is_some() {
            return Err(failed(
                service_job_id,
                "Job already has an active appointmentId.",
            ));
        }
        let (start, minutes) = self
            .check_time(&mut tx, seller, &row, &job, &body.appointment_time, None)
            .await?;
        let appointment_id = format!("{service_job_id}_{}", uuid::Uuid::new_v4());
        job.appointments
            .get_or_insert_with(Vec::new)
            .push(m::Appointment {
                appointment_id: Some(appointment_id.clone()),
                appointment_status: Some(m::AppointmentAppointmentStatus::Active),
                appointment_time: Some(m::AppointmentTime {
                    start_time: crate::time::iso_us(start),
                    duration_in_minutes: minutes,
                }),
                assigned_technicians: None,
                rescheduled_appointment_id: None,
                poa: None,
            });
        job.service_job_status = Some(m::ServiceJobServiceJobStatus::NotServiced);
        row.status = NOT_SERVICED.into();
        save(&mut tx, &mut row, &job, now).await?;
        tx.commit().await?;
        Ok(SetAppointment {
            appointment_id,
            warnings: Vec::new(),
        })
    }

    /// rescheduleAppointmentForServiceJobByServiceJobId.
    pub async fn reschedule_appointment(
        &self,
        caller: &Caller,
        service_job_id: &str,
        appointment_id: &str,
        body: &m::RescheduleAppointmentRequest,
    ) -> Result<SetAppointment> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let (mut row, mut job) = job_in(&mut tx, seller, service_job_id).await?;
        check_open(&row)?;
        let Some(old) = job
            .appointments
            .iter()
            .flatten()
            .find(|a| a.appointment_id.as_deref() == Some(appointment_id))
            .cloned()
        else {
            return Err(Error::conflict(format!(
                "Failed to Update Appointment for jobId : {service_job_id}, appointmentId : {appointment_id}, reason : No appointment exists with appointmentId : {appointment_id}"
            )));
        };
        if old.appointment_status != Some(m::AppointmentAppointmentStatus::Active) {
            return Err(Error::conflict(format!(
                "Appointment metadata update is not allowed for appointmentId {appointment_id}"
            )));
        }
        let (start, minutes) = self
            .check_time(
                &mut tx,
                seller,
                &row,
                &job,
                &body.appointment_time,
                Some(appointment_id),
            )
            .await?;
        if !RESCHEDULE_REASONS.contains(&body.reschedule_reason_code.as_str()) {
            return Err(failed(
                service_job_id,
                "Appointment reschedule reason code is not valid.",
            ));
        }
        let mut warnings = Vec::new();
        if old
            .assigned_technicians
            .as_ref()
            .is_some_and(|t| !t.is_empty())
        {
            warnings.push(m::Warning {
                code: "RESOURCES_UNASSIGNED".into(),
                message: "The technicians of the rescheduled appointment were unassigned; assign them again.".into(),
                details: None,
            });
        }
        let new_id = format!("{service_job_id}_{}", uuid::Uuid::new_v4());
        for a in job.appointments.iter_mut().flatten() {
            if a.appointment_id.as_deref() == Some(appointment_id) {
                a.appointment_status = Some(m::AppointmentAppointmentStatus::Cancelled);
            }
        }
        job.appointments
            .get_or_insert_with(Vec::new)
            .push(m::Appointment {
                appointment_id: Some(new_id.clone()),
                appointment_status: Some(m::AppointmentAppointmentStatus::Active),
                appointment_time: Some(m::AppointmentTime {
                    start_time: crate::time::iso_us(start),
                    duration_in_minutes: minutes,
                }),
                assigned_technicians: None,
                rescheduled_appointment_id: Some(appointment_id.into()),
                poa: None,
            });
        save(&mut tx, &mut row, &job, now).await?;
        tx.commit().await?;
        Ok(SetAppointment {
            appointment_id: new_id,
            warnings,
        })
    }

    /// Checks technicians for a job: they must be the seller's and have the job's skills.
    /// Errors carry Amazon's codes as `code: message` lines (see the binding).
    async fn technicians_for(
        &self,
        tx: &mut StoreTx,
        seller: &str,
        job: &m::ServiceJob,
        resources: &[m::AppointmentResource],
    ) -> Result<Vec<Technician>> {
        let roster = technicians_in(tx, seller).await?;
        let mut chosen: Vec<Technician> = Vec::new();
        for r in resources {
            let id = r.resource_id.as_deref().unwrap_or_default();
            let Some(t) = roster.iter().find(|t| t.technician_id == id) else {
                return Err(Error::conflict(format!(
                    "Invalid resourceId : {id} provided in the input."
                )));
            };
            if !chosen.iter().any(|c| c.technician_id == id) {
                chosen.push(t.clone());
            }
        }
        let skills: Vec<String> = job
            .scope_of_work
            .as_ref()
            .and_then(|s| s.required_skills.clone())
            .unwrap_or_default();
        let missing: Vec<&String> = skills
            .iter()
            .filter(|k| !chosen.iter().any(|t| t.skills.contains(k)))
            .collect();
        if !missing.is_empty() {
            let applicable: Vec<&str> = roster
                .iter()
                .filter(|t| skills.iter().all(|k| t.skills.contains(k)))
                .map(|t| t.technician_id.as_str())
                .collect();
            return Err(Error::conflict(format!(
                "{}{}: Resources missing required {} skills. Applicable resources: {}",
                SKILLS_CODE_PREFIX,
                "RESOURCES_MISSING_REQUIRED_SKILLS",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                applicable.join(",")
            )));
        }
        Ok(chosen)
    }

    /// assignAppointmentResources: sets the appointment's technicians; warnings
    /// `RESOURCES_OVERBOOKED` for one booked elsewhere at an overlapping time.
    pub async fn assign_resources(
        &self,
        caller: &Caller,
        service_job_id: &str,
        appointment_id: &str,
        body: &m::AssignAppointmentResourcesRequest,
    ) -> Result<Vec<m::Warning>> {
        let seller = seller_of(caller)?;
        if body.resources.is_empty() {
            return Err(Error::invalid_input(
                "Resources must have size greater than or equal to 1.",
            ));
        }
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let (mut row, mut job) = job_in(&mut tx, seller, service_job_id).await?;
        check_open(&row)?;
        let Some(appointment) = job
            .appointments
            .iter()
            .flatten()
            .find(|a| a.appointment_id.as_deref() == Some(appointment_id))
            .cloned()
        else {
            return Err(Error::conflict(format!(
                "Failed to Update Appointment for jobId : {service_job_id}, appointmentId : {appointment_id}, reason : No appointment exists with appointmentId : {appointment_id}"
            )));
        };
        if appointment.appointment_status != Some(m::AppointmentAppointmentStatus::Active) {
            return Err(Error::conflict(format!(
                "Appointment metadata update is not allowed for appointmentId {appointment_id}"
            )));
        }
        let chosen = self
            .technicians_for(&mut tx, seller, &job, &body.resources)
            .await?;
        let (start, end) = window_of(&appointment);
        let mut overbooked = Vec::new();
        for other in tx
            .service_jobs_scheduled(seller, &row.store_id, start - MAX_APPOINTMENT_US, end)
            .await?
        {
            let other_job: m::ServiceJob =
                serde_json::from_str(&other.doc).map_err(Error::internal)?;
            for a in other_job.appointments.iter().flatten() {
                if a.appointment_id.as_deref() == Some(appointment_id)
                    || a.appointment_status != Some(m::AppointmentAppointmentStatus::Active)
                {
                    continue;
                }
                let (s, e) = window_of(a);
                if s >= end || e <= start {
                    continue;
                }
                for t in a.assigned_technicians.iter().flatten() {
                    if let Some(id) = &t.technician_id
                        && chosen.iter().any(|c| &c.technician_id == id)
                        && !overbooked.contains(id)
                    {
                        overbooked.push(id.clone());
                    }
                }
            }
        }
        for a in job.appointments.iter_mut().flatten() {
            if a.appointment_id.as_deref() == Some(appointment_id) {
                a.assigned_technicians = Some(
                    chosen
                        .iter()
                        .map(|t| m::Technician {
                            technician_id: Some(t.technician_id.clone()),
                            name: Some(t.name.clone()),
                        })
                        .collect(),
                );
            }
        }
        save(&mut tx, &mut row, &job, now).await?;
        tx.commit().await?;
        Ok(overbooked
            .into_iter()
            .map(|id| m::Warning {
                code: "RESOURCES_OVERBOOKED".into(),
                message: format!("Resource {id} has another appointment at this time."),
                details: None,
            })
            .collect())
    }

    /// setAppointmentFulfillmentData: arrival window, fulfillment time, technicians and
    /// proof-of-appointment documents (uploaded through createServiceDocumentUploadDestination).
    pub async fn set_fulfillment(
        &self,
        caller: &Caller,
        service_job_id: &str,
        appointment_id: &str,
        body: &m::SetAppointmentFulfillmentDataRequest,
    ) -> Result<()> {
        let seller = seller_of(caller)?;
        if body.estimated_arrival_time.is_none()
            && body.fulfillment_time.is_none()
            && body.appointment_resources.is_none()
            && body.fulfillment_documents.is_none()
        {
            return Err(Error::invalid_input(
                "No fulfillment artifacts provided in JSON payload.",
            ));
        }
        // Before the transaction: an in-memory store has one connection, which it holds.
        let mut documents = 0;
        for (i, d) in body.fulfillment_documents.iter().flatten().enumerate() {
            let Some(id) = d.upload_destination_id.as_deref() else {
                return Err(Error::conflict(format!(
                    "fulfillmentDocuments[{i}].uploadDestinationId is required."
                )));
            };
            let sha_ok = d.content_sha256.as_deref().is_some_and(|s| {
                use base64::Engine;
                (s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()))
                    || base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .is_ok_and(|b| b.len() == 32)
            });
            if !sha_ok {
                return Err(Error::conflict(format!(
                    "fulfillmentDocuments[{i}].contentSha256 must be the SHA-256 digest of the document (hex or base64)."
                )));
            }
            self.check_uploaded(seller, id).await?;
            documents += 1;
        }
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        let (mut row, mut job) = job_in(&mut tx, seller, service_job_id).await?;
        if row.status != NOT_SERVICED && row.status != super::COMPLETED {
            return Err(Error::conflict(format!(
                "Job with id {service_job_id} can not be updated. Please check if the job is in valid status."
            )));
        }
        let Some(appointment) = job
            .appointments
            .iter()
            .flatten()
            .find(|a| a.appointment_id.as_deref() == Some(appointment_id))
            .cloned()
        else {
            return Err(Error::conflict(format!(
                "Appointment with id {appointment_id} is not present in the job. Please check the input again."
            )));
        };
        if appointment.appointment_status == Some(m::AppointmentAppointmentStatus::Cancelled) {
            return Err(Error::conflict(format!(
                "Appointment with appointment id {appointment_id} is not valid to update. Please check the input again"
            )));
        }
        let time = |s: &str| -> Result<i64> {
            let t = crate::time::parse_date_time(s).ok_or_else(|| {
                Error::conflict(format!(
                    "Could not parse given time input {s}. Please provide time in ISO8601 format"
                ))
            })?;
            let trimmed = s.trim();
            if !(trimmed.ends_with('Z') || trimmed.ends_with("+00:00")) {
                return Err(Error::conflict(format!(
                    "ISO8601 time {s} is not in UTC format. Please provide time in UTC"
                )));
            }
            Ok(t.as_microsecond())
        };
        if let Some(arrival) = &body.estimated_arrival_time {
            let s = time(&arrival.start_time)?;
            let e = time(&arrival.end_time)?;
            if e <= s {
                return Err(Error::conflict(
                    "Estimated arrival end time must be after its start time.",
                ));
            }
        }
        let mut fulfilled: Option<(i64, i64)> = None;
        if let Some(ft) = &body.fulfillment_time {
            let Some(start) = &ft.start_time else {
                return Err(Error::conflict(
                    "Appointment start time is required. Please check the input again.",
                ));
            };
            let Some(end) = &ft.end_time else {
                return Err(Error::conflict(
                    "Appointment end time is required. Please check the input again.",
                ));
            };
            let s = time(start)?;
            let e = time(end)?;
            if e <= s {
                return Err(Error::conflict(
                    "Appointment end time must be after its start time. Please check the input again.",
                ));
            }
            if e > now {
                return Err(Error::conflict(
                    "Appointment end time cannot be in the future. Please check the input again.",
                ));
            }
            fulfilled = Some((s, e));
        }
        let technicians = match &body.appointment_resources {
            Some(list) if !list.is_empty() => {
                Some(self.technicians_for(&mut tx, seller, &job, list).await?)
            }
            Some(_) => {
                return Err(Error::conflict(
                    "appointmentResources must name at least one resource.",
                ));
            }
            None => None,
        };
        for a in job.appointments.iter_mut().flatten() {
            if a.appointment_id.as_deref() != Some(appointment_id) {
                continue;
            }
            let techs = technicians.as_ref().map(|list| {
                list.iter()
                    .map(|t| m::Technician {
                        technician_id: Some(t.technician_id.clone()),
                        name: Some(t.name.clone()),
                    })
                    .collect::<Vec<_>>()
            });
            if let Some(t) = &techs {
                a.assigned_technicians = Some(t.clone());
            }
            let mut poa = a.poa.clone().unwrap_or_default();
            if let Some((s, e)) = fulfilled {
                poa.appointment_time = Some(m::AppointmentTime {
                    start_time: crate::time::iso_us(s),
                    duration_in_minutes: (e - s) / MINUTE_US,
                });
            }
            let who = techs.or_else(|| a.assigned_technicians.clone());
            if who.is_some() {
                poa.uploading_technician = who
                    .as_ref()
                    .and_then(|w| w.first())
                    .and_then(|t| t.technician_id.clone());
                poa.technicians = who;
            }
            if documents > 0 {
                poa.upload_time = Some(crate::time::iso_us(now));
                poa.poa_type = Some(m::PoaPoaType::PoaReceipt);
            } else if poa.poa_type.is_none() {
                poa.poa_type = Some(m::PoaPoaType::NoSignatureDummyPos);
            }
            a.poa = Some(poa);
        }
        save(&mut tx, &mut row, &job, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Prefix of an error message that carries its own code (`code: message`), for the binding.
pub const SKILLS_CODE_PREFIX: &str = "code=";

fn window_of(a: &m::Appointment) -> (i64, i64) {
    a.appointment_time
        .as_ref()
        .and_then(|t| {
            crate::time::parse_date_time(&t.start_time).map(|s| {
                let s = s.as_microsecond();
                (s, s + t.duration_in_minutes * MINUTE_US)
            })
        })
        .unwrap_or((0, 0))
}
