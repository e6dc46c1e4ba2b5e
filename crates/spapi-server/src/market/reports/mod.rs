//! Reports: jobs on the clock that turn the seller world into documents.
//!
//! A report is created `IN_QUEUE`; [`JOB_START`] moves it to `IN_PROGRESS` after
//! [`QUEUED_FOR`], and [`JOB_GENERATE`] writes its document [`PROCESSING_FOR`] later and ends it
//! `DONE` (or `FATAL` with an error document when spapi cannot generate the type). Only an
//! `IN_QUEUE` report can be cancelled. The end of processing and its
//! REPORT_PROCESSING_FINISHED event commit in one transaction, and the document id is derived
//! from the report, so a job that runs again after a crash (its lease expired) finishes the
//! report exactly once. Schedules ([`JOB_SCHEDULE`]) create a report at each period.
//!
//! Generators ([`generate_content`]) read the world in keyset pages and write the document
//! chunk by chunk: memory stays bounded whatever the world's size.
//!
//! [`Reports`] is the API's side: the operations of Reports 2021-06-30 for a caller, with
//! their rules (the caller's own reports and marketplaces, dates, the Restricted Data Token for
//! restricted documents); getReports' search and paging are in [`search`].

mod fba;
mod inventory;
mod listings;
mod orders;
mod sales_traffic;
pub mod search;
mod tsv;

use crate::auth::{Caller, DataAccess};
use crate::clock::Clock;
use crate::error::Error;
use crate::market::documents::{DocumentWriter, Documents, UrlOp, derived_document_id};
use crate::market::marketplaces::check_participating;
use crate::store::documents::DocumentRow;
use crate::store::reports::{Processing, report_store_id};
use crate::store::{Store, StoreError};
use crate::time::parse_date_time;
use jiff::{SignedDuration, Timestamp};
use search::{Filters, Kind, Page};
use serde_json::{Value, json};
use spapi_model::reports_2021_06_30 as m;

pub use crate::store::reports::{ReportRow, ScheduleRow, report_public_id};

/// Job kind: an IN_QUEUE report starts processing.
pub const JOB_START: &str = "report.start";
/// Job kind: an IN_PROGRESS report is generated and finished.
pub const JOB_GENERATE: &str = "report.generate";
/// Job kind: a schedule creates its next report.
pub const JOB_SCHEDULE: &str = "report.schedule";
/// The notification type of finished reports.
pub const REPORT_PROCESSING_FINISHED: &str = "REPORT_PROCESSING_FINISHED";
/// How long a report waits in the queue (emulator time).
pub const QUEUED_FOR: SignedDuration = SignedDuration::from_secs(2);
/// How long processing takes (emulator time) before the document is written.
pub const PROCESSING_FOR: SignedDuration = SignedDuration::from_secs(3);

/// Test hook (documented in the README): when set to a number of seconds, a report
/// generation job pauses that long after writing its content and before finishing the report,
/// and says so on stderr, so a test can kill the process in the middle of a job.
pub const PAUSE_ENV: &str = "SPAPI_TEST_REPORT_PAUSE_SECS";

/// Report types spapi generates from the world.
pub const SUPPORTED: &[&str] = &[
    "GET_MERCHANT_LISTINGS_ALL_DATA",
    "GET_MERCHANT_LISTINGS_DATA",
    "GET_FLAT_FILE_OPEN_LISTINGS_DATA",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
    "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
    "GET_AFN_INVENTORY_DATA",
    "GET_SALES_AND_TRAFFIC_REPORT",
    fba::MYI_ALL,
    fba::RESERVED,
    fba::LEDGER_DETAIL,
    fba::LEDGER_SUMMARY,
];

/// Report types whose documents hold personal data: getReportDocument needs a Restricted Data
/// Token for them.
pub const RESTRICTED: &[&str] = &[
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_INVOICING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_TAX",
    "GET_ORDER_REPORT_DATA_SHIPPING",
    "GET_ORDER_REPORT_DATA_INVOICING",
    "GET_ORDER_REPORT_DATA_TAX",
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_INVOICING",
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_TAX",
    "GET_EASYSHIP_DOCUMENTS",
    "GET_VAT_TRANSACTION_DATA",
    "SC_VAT_TAX_REPORT",
];

/// Amazon's schedule periods.
pub const PERIODS: &[&str] = &[
    "PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "PT4H", "PT8H", "PT12H", "P1D", "P2D", "P3D",
    "PT84H", "P7D", "P14D", "P15D", "P18D", "P30D", "P1M",
];

/// Whether documents of `report_type` need a Restricted Data Token.
pub fn is_restricted(report_type: &str) -> bool {
    RESTRICTED.contains(&report_type)
}

/// Whether documents of `report_type` are gzip-compressed (`compressionAlgorithm: GZIP`):
/// the order reports and the JSON analytics report, as Amazon compresses them.
pub fn is_compressed(report_type: &str) -> bool {
    report_type.starts_with("GET_FLAT_FILE_ALL_ORDERS_DATA")
        || report_type == "GET_SALES_AND_TRAFFIC_REPORT"
}

/// The content type a document of `report_type` is served with.
pub fn content_type(report_type: &str) -> &'static str {
    if report_type == "GET_SALES_AND_TRAFFIC_REPORT" {
        "application/json"
    } else {
        "text/tab-separated-values; charset=UTF-8"
    }
}

/// The time `period` after `from`; `None` for a period Amazon does not offer.
pub fn next_time(period: &str, from: Timestamp) -> Option<Timestamp> {
    if !PERIODS.contains(&period) {
        return None;
    }
    if period == "P1M" {
        let utc = jiff::tz::TimeZone::UTC;
        let dt = utc.to_datetime(from);
        let next = dt.checked_add(jiff::Span::new().months(1)).ok()?;
        return utc.to_timestamp(next).ok();
    }
    let span: jiff::Span = period.parse().ok()?;
    // Days are 24 hours here (UTC has no DST).
    let secs =
        span.get_days() as i64 * 86_400 + span.get_hours() as i64 * 3_600 + span.get_minutes() * 60;
    from.checked_add(SignedDuration::from_secs(secs)).ok()
}

fn internal(e: impl std::fmt::Display) -> Error {
    Error::internal(e)
}

/// A report to create.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The seller.
    pub seller_id: String,
    /// The type.
    pub report_type: String,
    /// Marketplaces.
    pub marketplace_ids: Vec<String>,
    /// `reportOptions`.
    pub options: Option<Value>,
    /// Data window.
    pub data_start: Option<Timestamp>,
    /// Data window.
    pub data_end: Option<Timestamp>,
    /// The schedule creating it.
    pub schedule_id: Option<String>,
}

/// Creates a report `IN_QUEUE` at `at` and enqueues its start; returns the store id.
pub async fn create(store: &Store, new: NewReport, at: Timestamp) -> Result<i64, Error> {
    let mut tx = store.begin().await?;
    let id = insert(&mut tx, new, at).await?;
    tx.commit().await?;
    Ok(id)
}

async fn insert(
    tx: &mut crate::store::StoreTx,
    new: NewReport,
    at: Timestamp,
) -> Result<i64, Error> {
    let row = ReportRow {
        id: 0,
        seller_id: new.seller_id,
        report_type: new.report_type,
        marketplace_ids: new.marketplace_ids,
        options: new.options,
        data_start_us: new.data_start.map(|t| t.as_microsecond()),
        data_end_us: new.data_end.map(|t| t.as_microsecond()),
        schedule_id: new.schedule_id,
        status: "IN_QUEUE".into(),
        created_at_us: at.as_microsecond(),
        processing_start_us: None,
        processing_end_us: None,
        document_id: None,
    };
    let id = tx.insert_report(&row).await?;
    let run_at = at.checked_add(QUEUED_FOR).unwrap_or(at).as_microsecond();
    tx.enqueue_job(JOB_START, run_at, &json!({"reportId": id}))
        .await?;
    Ok(id)
}

/// [`JOB_START`]: IN_QUEUE -> IN_PROGRESS, and the generation is enqueued. A cancelled report
/// stays cancelled.
pub async fn start(store: &Store, id: i64, at: Timestamp) -> Result<(), Error> {
    let next = (JOB_GENERATE, "reportId", PROCESSING_FOR);
    start_processing(store, Processing::Report, id, at, next).await
}

/// The start job of a report or a feed: IN_QUEUE -> IN_PROGRESS, and `next` = (job, id key,
/// delay) enqueued (payload `{key: id}`) that much later, in one transaction. Anything no longer
/// IN_QUEUE (cancelled, or started by another worker) is left as it is.
pub(crate) async fn start_processing(
    store: &Store,
    kind: Processing,
    id: i64,
    at: Timestamp,
    (next_job, key, after): (&str, &str, SignedDuration),
) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    let moved = tx
        .transition(
            kind,
            id,
            &["IN_QUEUE"],
            "IN_PROGRESS",
            Some(at.as_microsecond()),
            None,
            None,
        )
        .await?;
    if moved {
        let run_at = at.checked_add(after).unwrap_or(at).as_microsecond();
        tx.enqueue_job(next_job, run_at, &json!({ key: id }))
            .await?;
    }
    tx.commit().await.map_err(internal)
}

/// The REPORT_PROCESSING_FINISHED payload object (`reportProcessingFinishedNotification`).
pub fn finished_payload(r: &ReportRow, status: &str, document_id: Option<&str>) -> Value {
    let mut p = json!({
        "sellerId": r.seller_id,
        "accountId": format!("amzn1.merchant.o.{}", r.seller_id),
        "reportId": report_public_id(r.id),
        "reportType": r.report_type,
        "processingStatus": status,
    });
    if let Some(d) = document_id {
        p["reportDocumentId"] = json!(d);
    }
    p
}

/// [`JOB_GENERATE`]: writes the document of an IN_PROGRESS report and finishes it (DONE, or
/// FATAL with an error document). Runs again harmlessly: a report that is no longer
/// IN_PROGRESS is left alone, and leftovers of an interrupted run are removed first.
/// Links in the document (listing images) start with `public_base` (`http://host:port`).
pub async fn generate(
    store: &Store,
    id: i64,
    at: Timestamp,
    public_base: &str,
) -> Result<(), Error> {
    let Some(report) = store.get_report(id).await? else {
        return Ok(());
    };
    if report.status != "IN_PROGRESS" {
        return Ok(());
    }
    let doc_id = derived_document_id(&format!("report:{}:{}", report.seller_id, report.id));
    // Chunks of a run that died before finishing the report.
    store.delete_orphan_chunks(&doc_id).await?;
    // Processing ends when the work is done: at the job's time plus the real time it took.
    let started = std::time::Instant::now();
    let supported = SUPPORTED.contains(&report.report_type.as_str());
    let gzip = supported && is_compressed(&report.report_type);
    let mut writer = DocumentWriter::new(store.clone(), &doc_id, gzip);
    let (status, content_type) = if supported {
        match generate_content(store, &report, at, public_base, &mut writer).await {
            Ok(()) => ("DONE", content_type(&report.report_type)),
            Err(e) => {
                // A generator failure is the report's failure (FATAL with an error document), as
                // at Amazon; the store error goes to the log.
                tracing::warn!(report = id, error = %e, "report generation failed");
                writer = DocumentWriter::new(store.clone(), &doc_id, false);
                write_error(
                    &mut writer,
                    "spapi could not generate this report: internal error.",
                )
                .await?;
                ("FATAL", "application/json")
            }
        }
    } else {
        write_error(
            &mut writer,
            &format!(
                "spapi cannot generate reports of type {} yet; supported types: {}.",
                report.report_type,
                SUPPORTED.join(", ")
            ),
        )
        .await?;
        ("FATAL", "application/json")
    };
    let (generation, size) = writer.finish().await?;
    if let Ok(secs) = std::env::var(PAUSE_ENV)
        && let Ok(secs) = secs.parse::<u64>()
    {
        eprintln!(
            "spapi test hook: report {} paused in the middle of its job",
            report_public_id(id)
        );
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
    let took = SignedDuration::try_from(started.elapsed()).unwrap_or_default();
    let at = at.checked_add(took).unwrap_or(at);
    let mut tx = store.begin().await?;
    let doc = DocumentRow {
        id: doc_id.clone(),
        seller_id: report.seller_id.clone(),
        kind: "report".into(),
        content_type: content_type.into(),
        compression: (status == "DONE" && gzip).then(|| "GZIP".into()),
        resource: Some(report_public_id(id)),
        content_md5: None,
        generation: None,
        size: 0,
        created_at_us: at.as_microsecond(),
        uploaded_at_us: None,
    };
    if tx.get_document(&doc_id).await?.is_none() {
        tx.insert_document(&doc).await?;
    }
    tx.switch_document_content(&doc_id, generation, size, at.as_microsecond())
        .await?;
    let moved = tx
        .transition(
            Processing::Report,
            id,
            &["IN_PROGRESS"],
            status,
            None,
            Some(at.as_microsecond()),
            Some(&doc_id),
        )
        .await?;
    if !moved {
        // Finished by another worker meanwhile: keep its outcome.
        tx.rollback().await?;
        return Ok(());
    }
    tx.push_outbox(
        REPORT_PROCESSING_FINISHED,
        Some(&report.seller_id),
        &finished_payload(&report, status, Some(&doc_id)),
    )
    .await?;
    tx.commit().await.map_err(internal)
}

async fn write_error(w: &mut DocumentWriter, message: &str) -> Result<(), StoreError> {
    // Amazon's FATAL report documents are small JSON documents naming the problem.
    let doc = json!({"errorDetails": message});
    w.write(doc.to_string().as_bytes()).await
}

/// Writes the content of a supported report type; links start with `public_base`.
pub async fn generate_content(
    store: &Store,
    report: &ReportRow,
    now: Timestamp,
    public_base: &str,
    w: &mut DocumentWriter,
) -> Result<(), StoreError> {
    match report.report_type.as_str() {
        "GET_MERCHANT_LISTINGS_ALL_DATA" => {
            listings::merchant_listings(store, report, public_base, w, false).await
        }
        "GET_MERCHANT_LISTINGS_DATA" => {
            listings::merchant_listings(store, report, public_base, w, true).await
        }
        "GET_FLAT_FILE_OPEN_LISTINGS_DATA" => listings::open_listings(store, report, w).await,
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL" => {
            orders::all_orders(store, report, now, w, false).await
        }
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL" => {
            orders::all_orders(store, report, now, w, true).await
        }
        "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING" => orders::shipping(store, report, now, w).await,
        // spapi has no suppressed or archived FBA listings: both MYI reports list every FBA
        // SKU, read from the same stock as getInventorySummaries.
        "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA" => fba::myi_all(store, report, now, w).await,
        "GET_AFN_INVENTORY_DATA" => inventory::afn(store, report, w).await,
        fba::MYI_ALL => fba::myi_all(store, report, now, w).await,
        fba::RESERVED => fba::reserved(store, report, now, w).await,
        fba::LEDGER_DETAIL => fba::ledger_detail(store, report, now, w).await,
        fba::LEDGER_SUMMARY => fba::ledger_summary(store, report, now, w).await,
        "GET_SALES_AND_TRAFFIC_REPORT" => sales_traffic::generate(store, report, now, w).await,
        other => Err(StoreError::Corrupt(format!("no generator for {other}"))),
    }
}

/// Cancels a seller's report: only IN_QUEUE reports can be cancelled (400 otherwise, as at
/// Amazon). The cancellation sends REPORT_PROCESSING_FINISHED with CANCELLED.
pub async fn cancel(store: &Store, seller_id: &str, id: i64, at: Timestamp) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    let report = match tx.get_report(id).await? {
        Some(r) if r.seller_id == seller_id => r,
        _ => return Err(Error::not_found()),
    };
    let moved = tx
        .transition(
            Processing::Report,
            id,
            &["IN_QUEUE"],
            "CANCELLED",
            None,
            Some(at.as_microsecond()),
            None,
        )
        .await?;
    if !moved {
        return Err(Error::invalid_input(format!(
            "The report cannot be cancelled: its processingStatus is {}; only IN_QUEUE reports can be cancelled.",
            report.status
        )));
    }
    tx.push_outbox(
        REPORT_PROCESSING_FINISHED,
        Some(seller_id),
        &finished_payload(&report, "CANCELLED", None),
    )
    .await?;
    tx.commit().await.map_err(internal)
}

/// Creates (or replaces: Amazon cancels a schedule of the same type and marketplaces) a
/// report schedule; the first report is created at `first` (now when absent).
#[allow(clippy::too_many_arguments)]
pub async fn create_schedule(
    store: &Store,
    seller_id: &str,
    report_type: &str,
    mut marketplace_ids: Vec<String>,
    options: Option<Value>,
    period: &str,
    first: Timestamp,
    now: Timestamp,
) -> Result<String, Error> {
    marketplace_ids.sort();
    marketplace_ids.dedup();
    let mut tx = store.begin().await?;
    for old in tx
        .matching_schedules(seller_id, report_type, &marketplace_ids)
        .await?
    {
        tx.delete_schedule(&old).await?;
    }
    let id = format!("{}", 50_000_000_000u64 + u64::from(rand::random::<u32>()));
    let row = ScheduleRow {
        id: id.clone(),
        seller_id: seller_id.into(),
        report_type: report_type.into(),
        marketplace_ids,
        options,
        period: period.into(),
        next_at_us: first.as_microsecond(),
        created_at_us: now.as_microsecond(),
    };
    tx.insert_schedule(&row).await?;
    tx.enqueue_job(
        JOB_SCHEDULE,
        row.next_at_us,
        &json!({"scheduleId": id, "at": row.next_at_us}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// [`JOB_SCHEDULE`]: if the schedule still exists and is due at `at_us`, creates its report
/// (data window: the period before `at`) and moves the schedule on by its period.
pub async fn schedule_tick(store: &Store, schedule_id: &str, at_us: i64) -> Result<(), Error> {
    let mut tx = store.begin().await?;
    let Some(s) = tx.get_schedule(schedule_id).await? else {
        return Ok(());
    };
    let at = Timestamp::from_microsecond(at_us).map_err(Error::internal)?;
    let Some(next) = next_time(&s.period, at) else {
        return Ok(());
    };
    if !tx
        .advance_schedule(schedule_id, at_us, next.as_microsecond())
        .await?
    {
        // Replaced or already run.
        return Ok(());
    }
    let span = next.duration_since(at);
    insert(
        &mut tx,
        NewReport {
            seller_id: s.seller_id.clone(),
            report_type: s.report_type.clone(),
            marketplace_ids: s.marketplace_ids.clone(),
            options: s.options.clone(),
            data_start: at.checked_sub(span).ok(),
            data_end: Some(at),
            schedule_id: Some(s.id.clone()),
        },
        at,
    )
    .await?;
    tx.enqueue_job(
        JOB_SCHEDULE,
        next.as_microsecond(),
        &json!({"scheduleId": s.id, "at": next.as_microsecond()}),
    )
    .await?;
    tx.commit().await.map_err(internal)
}

/// The seller a call acts for; 403 for a call without one (grantless).
pub(crate) fn seller(caller: &Caller) -> Result<&str, Error> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

/// A date-time field of a request body, if given; 400 naming it when it is not a date-time.
fn body_time(field: &str, value: Option<&str>) -> Result<Option<Timestamp>, Error> {
    value
        .map(|s| {
            parse_date_time(s).ok_or_else(|| {
                Error::invalid_input(format!("Invalid Date-Time field(s) [{field}]."))
            })
        })
        .transpose()
}

/// A document a caller may fetch: its id, a pre-signed download URL, and its compression.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentLink {
    /// The document id.
    pub id: String,
    /// Where to download it (valid for a few minutes).
    pub url: String,
    /// `GZIP` when the content is compressed.
    pub compression: Option<String>,
}

/// The Reports API over the world: every operation for a caller, on the world's clock, with
/// documents served by the document service.
#[derive(Clone)]
pub struct Reports {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl Reports {
    /// Reports of the world in `store`, on `clock`, with documents served by `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Reports { store, clock, docs }
    }

    /// getReports: one page of the caller's reports, newest first (see [`search`]).
    pub async fn search(
        &self,
        caller: &Caller,
        filters: Filters,
    ) -> Result<Page<ReportRow>, Error> {
        let q = search::query(Kind::Reports, seller(caller)?, filters, self.clock.now())?;
        let store = &self.store;
        search::page(
            Kind::Reports,
            q,
            |q| async move { store.query_reports(&q).await },
            |r: &ReportRow| (r.created_at_us, r.id),
        )
        .await
    }

    /// createReport: a report of the caller's in marketplaces they sell in; its reportId.
    pub async fn request(
        &self,
        caller: &Caller,
        spec: m::CreateReportSpecification,
    ) -> Result<String, Error> {
        let seller_id = seller(caller)?.to_string();
        if spec.report_type.trim().is_empty() {
            return Err(Error::invalid_input("reportType is required."));
        }
        check_participating(caller, &spec.marketplace_ids)?;
        fba::check_options(&spec.report_type, spec.report_options.as_ref())?;
        let start = body_time("dataStartTime", spec.data_start_time.as_deref())?;
        let end = body_time("dataEndTime", spec.data_end_time.as_deref())?;
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            return Err(Error::invalid_input(
                "dataStartTime must be before dataEndTime.",
            ));
        }
        let new = NewReport {
            seller_id,
            report_type: spec.report_type,
            marketplace_ids: spec.marketplace_ids,
            options: spec.report_options.map(|o| json!(o)),
            data_start: start,
            data_end: end,
            schedule_id: None,
        };
        let id = create(&self.store, new, self.clock.now()).await?;
        Ok(report_public_id(id))
    }

    /// getReport: the caller's report `report_id`; 404 for an unknown id or another seller's.
    pub async fn report(&self, caller: &Caller, report_id: &str) -> Result<ReportRow, Error> {
        let seller_id = seller(caller)?;
        let Some(id) = report_store_id(report_id) else {
            return Err(Error::not_found());
        };
        match self.store.get_report(id).await? {
            Some(r) if r.seller_id == seller_id => Ok(r),
            _ => Err(Error::not_found()),
        }
    }

    /// cancelReport: cancels the caller's report `report_id`, which must be IN_QUEUE (the
    /// free function [`cancel`] holds the rule); 404 for an unknown id or another seller's.
    pub async fn cancel(&self, caller: &Caller, report_id: &str) -> Result<(), Error> {
        let seller_id = seller(caller)?;
        let Some(id) = report_store_id(report_id) else {
            return Err(Error::not_found());
        };
        cancel(&self.store, seller_id, id, self.clock.now()).await
    }

    /// getReportSchedules: the caller's schedules of `report_types` (required), oldest first.
    pub async fn schedules(
        &self,
        caller: &Caller,
        report_types: &[String],
    ) -> Result<Vec<ScheduleRow>, Error> {
        let seller_id = seller(caller)?;
        if report_types.is_empty() {
            return Err(Error::invalid_parameter(
                "reportTypes",
                "reportTypes is required.",
            ));
        }
        Ok(self
            .store
            .schedules_of_seller(seller_id, report_types)
            .await?)
    }

    /// createReportSchedule: see [`create_schedule`]; a first creation time in the past is
    /// now. Its reportScheduleId.
    pub async fn request_schedule(
        &self,
        caller: &Caller,
        spec: m::CreateReportScheduleSpecification,
    ) -> Result<String, Error> {
        let seller_id = seller(caller)?;
        if spec.report_type.trim().is_empty() {
            return Err(Error::invalid_input("reportType is required."));
        }
        check_participating(caller, &spec.marketplace_ids)?;
        let period = spec.period.as_str();
        if !PERIODS.contains(&period) {
            return Err(Error::invalid_input(format!(
                "Invalid period {period}: use one of {}.",
                PERIODS.join(", ")
            )));
        }
        let now = self.clock.now();
        let first = body_time(
            "nextReportCreationTime",
            spec.next_report_creation_time.as_deref(),
        )?
        .unwrap_or(now);
        create_schedule(
            &self.store,
            seller_id,
            &spec.report_type,
            spec.marketplace_ids,
            spec.report_options.map(|o| json!(o)),
            period,
            first.max(now),
            now,
        )
        .await
    }

    /// getReportSchedule: the caller's schedule `id`; 404 for an unknown one or another
    /// seller's.
    pub async fn schedule(&self, caller: &Caller, id: &str) -> Result<ScheduleRow, Error> {
        let seller_id = seller(caller)?;
        match self.store.get_schedule(id).await? {
            Some(s) if s.seller_id == seller_id => Ok(s),
            _ => Err(Error::not_found()),
        }
    }

    /// cancelReportSchedule: deletes the caller's schedule `id` (its pending tick then finds
    /// nothing to do).
    pub async fn cancel_schedule(&self, caller: &Caller, id: &str) -> Result<(), Error> {
        let s = self.schedule(caller, id).await?;
        let mut tx = self.store.begin().await?;
        tx.delete_schedule(&s.id).await?;
        Ok(tx.commit().await?)
    }

    /// getReportDocument: a report document of the caller's. Documents of restricted report
    /// types ([`is_restricted`]) need a Restricted Data Token for the call.
    pub async fn document(&self, caller: &Caller, id: &str) -> Result<DocumentLink, Error> {
        let seller_id = seller(caller)?;
        let doc = match self.store.get_document(id).await? {
            Some(d) if d.seller_id == seller_id && d.kind == "report" => d,
            _ => return Err(Error::not_found()),
        };
        let report_type = match doc.resource.as_deref().and_then(report_store_id) {
            Some(report) => self
                .store
                .get_report(report)
                .await?
                .map(|r| r.report_type)
                .unwrap_or_default(),
            None => String::new(),
        };
        // Amazon serves restricted report types (personal data) only to a Restricted Data
        // Token for this call; a plain access token is refused.
        if is_restricted(&report_type) && caller.data_access == DataAccess::None {
            return Err(Error::forbidden().with_details(
                "This report contains restricted data: call getReportDocument with a Restricted Data Token.",
            ));
        }
        Ok(DocumentLink {
            url: self.docs.url(UrlOp::Get, &doc.id),
            id: doc.id,
            compression: doc.compression,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_move_schedules_on() {
        let t: Timestamp = "2025-01-31T10:00:00Z".parse().unwrap();
        let at = |p: &str| next_time(p, t).unwrap().to_string();
        assert_eq!(at("PT5M"), "2025-01-31T10:05:00Z");
        assert_eq!(at("PT84H"), "2025-02-03T22:00:00Z");
        assert_eq!(at("P7D"), "2025-02-07T10:00:00Z");
        // A calendar month, clamped to the shorter month.
        assert_eq!(at("P1M"), "2025-02-28T10:00:00Z");
        assert!(next_time("PT7M", t).is_none());
        assert!(next_time("P1Y", t).is_none());
    }

    #[test]
    fn restricted_and_compressed_types() {
        assert!(is_restricted("GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"));
        assert!(!is_restricted(
            "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
        ));
        assert!(is_compressed("GET_SALES_AND_TRAFFIC_REPORT"));
        assert!(!is_compressed("GET_MERCHANT_LISTINGS_ALL_DATA"));
        assert_eq!(
            content_type("GET_SALES_AND_TRAFFIC_REPORT"),
            "application/json"
        );
    }
}
