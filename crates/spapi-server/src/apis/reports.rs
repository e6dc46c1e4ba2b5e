//! Reports 2021-06-30: the nine operations over `market::reports`.

use crate::clock::Clock;
use crate::generated::reports_2021_06_30::Reports20210630Api;
use crate::http::{ApiError, RequestContext};
use crate::market::documents::{Documents, UrlOp};
use crate::market::reports::{self, NewReport, PERIODS};
use crate::store::Store;
use crate::store::reports::{JobQuery, ReportRow, ScheduleRow, report_public_id, report_store_id};
use crate::time::iso;
use crate::time::parse_date_time;
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use spapi_model::reports_2021_06_30 as m;

/// Reports over the world's store.
pub struct Reports {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl Reports {
    /// Reports of the world in `store`, with documents served by `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Reports { store, clock, docs }
    }
}

/// The calling seller, or 403.
pub(crate) fn seller(ctx: &RequestContext) -> Result<&str, ApiError> {
    ctx.caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(ApiError::unauthorized)
}

/// Time in SP-API's format from epoch µs.
pub(crate) fn time(us: i64) -> String {
    iso(Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// Checks that every marketplace is one of the caller's; 400 `InvalidInput` otherwise.
pub(crate) fn check_marketplaces(ctx: &RequestContext, ids: &[String]) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Err(ApiError::invalid_input(
            "marketplaceIds must name at least one marketplace.",
        ));
    }
    for id in ids {
        if !ctx.caller.marketplace_ids.contains(id) {
            return Err(ApiError::invalid_input(format!(
                "Invalid marketplaceId {id}: the seller does not participate in it."
            )));
        }
    }
    Ok(())
}

/// A getReports / getFeeds query and position, carried opaquely in `nextToken` (Amazon uses
/// only the token when one is sent).
pub(crate) fn encode_token(q: &JobQuery) -> String {
    let v = json!({
        "t": q.types, "s": q.statuses, "m": q.marketplace_ids,
        "since": q.since_us, "until": q.until_us, "size": q.limit,
        "before": q.before.map(|(t, id)| [t, id]),
    });
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

/// The query of a `nextToken`; 400 for a token spapi did not make.
pub(crate) fn decode_token(seller_id: &str, token: &str) -> Result<JobQuery, ApiError> {
    let bad = || ApiError::invalid_parameter("nextToken", "Invalid nextToken.");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let list = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let before = v["before"]
        .as_array()
        .and_then(|a| Some((a.first()?.as_i64()?, a.get(1)?.as_i64()?)));
    Ok(JobQuery {
        seller_id: seller_id.into(),
        types: list("t"),
        statuses: list("s"),
        marketplace_ids: list("m"),
        since_us: v["since"].as_i64().ok_or_else(bad)?,
        until_us: v["until"].as_i64().ok_or_else(bad)?,
        before: Some(before.ok_or_else(bad)?),
        limit: v["size"].as_u64().unwrap_or(10) as u32,
    })
}

/// One page of a getReports / getFeeds query: asks `fetch` for one row more than the page, to
/// know whether another page follows; the page's rows and the `nextToken` of the rest (the same
/// query, resumed after the page's last row by its `key`, creation time and id).
pub(crate) async fn page_of<T, Fut>(
    mut q: JobQuery,
    fetch: impl FnOnce(JobQuery) -> Fut,
    key: impl Fn(&T) -> (i64, i64),
) -> Result<(Vec<T>, Option<String>), ApiError>
where
    Fut: std::future::Future<Output = Result<Vec<T>, crate::store::StoreError>>,
{
    let limit = q.limit;
    let mut rows = fetch(JobQuery {
        limit: limit + 1,
        ..q.clone()
    })
    .await
    .map_err(ApiError::internal)?;
    if rows.len() <= limit as usize {
        return Ok((rows, None));
    }
    rows.truncate(limit as usize);
    q.before = rows.last().map(key);
    Ok((rows, Some(encode_token(&q))))
}

/// A query from the request's filters (one argument per getReports / getFeeds filter) (`createdSince` defaults to 90 days ago, `createdUntil`
/// to now, `pageSize` to 10).
#[allow(clippy::too_many_arguments)]
pub(crate) fn query_from(
    seller_id: &str,
    types: Vec<String>,
    statuses: Vec<String>,
    marketplace_ids: Vec<String>,
    page_size: Option<i64>,
    since: Option<&str>,
    until: Option<&str>,
    now: Timestamp,
) -> Result<JobQuery, ApiError> {
    let parse = |name: &str, v: Option<&str>| -> Result<Option<Timestamp>, ApiError> {
        v.map(|s| {
            parse_date_time(s).ok_or_else(|| {
                ApiError::invalid_parameter(name, format!("Invalid Date-Time field(s) [{name}]."))
            })
        })
        .transpose()
    };
    let until = parse("createdUntil", until)?.unwrap_or(now);
    let since = parse("createdSince", since)?.unwrap_or_else(|| {
        now.checked_sub(SignedDuration::from_hours(90 * 24))
            .unwrap_or(now)
    });
    if since > until {
        return Err(ApiError::invalid_input(
            "createdSince must be before createdUntil.",
        ));
    }
    let size = page_size.unwrap_or(10);
    if !(1..=100).contains(&size) {
        return Err(ApiError::invalid_parameter(
            "pageSize",
            "pageSize must be from 1 to 100.",
        ));
    }
    Ok(JobQuery {
        seller_id: seller_id.into(),
        types,
        statuses,
        marketplace_ids,
        since_us: since.as_microsecond(),
        until_us: until.as_microsecond(),
        before: None,
        limit: size as u32,
    })
}

fn report_json(r: &ReportRow) -> m::Report {
    m::Report {
        marketplace_ids: Some(r.marketplace_ids.clone()),
        report_id: report_public_id(r.id),
        report_type: r.report_type.clone(),
        data_start_time: r.data_start_us.map(time),
        data_end_time: r.data_end_us.map(time),
        report_schedule_id: r.schedule_id.clone(),
        created_time: time(r.created_at_us),
        processing_status: m::ReportProcessingStatus::from_wire(&r.status),
        processing_start_time: r.processing_start_us.map(time),
        processing_end_time: r.processing_end_us.map(time),
        report_document_id: r.document_id.clone(),
    }
}

fn schedule_json(s: &ScheduleRow) -> m::ReportSchedule {
    m::ReportSchedule {
        report_schedule_id: s.id.clone(),
        report_type: s.report_type.clone(),
        marketplace_ids: Some(s.marketplace_ids.clone()),
        report_options: options_map(&s.options),
        period: s.period.clone(),
        next_report_creation_time: Some(time(s.next_at_us)),
    }
}

fn options_map(v: &Option<Value>) -> Option<m::ReportOptions> {
    v.as_ref()
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

impl Reports {
    async fn own_report(&self, ctx: &RequestContext, id: &str) -> Result<ReportRow, ApiError> {
        let seller_id = seller(ctx)?;
        let Some(store_id) = report_store_id(id) else {
            return Err(ApiError::not_found());
        };
        match self
            .store
            .get_report(store_id)
            .await
            .map_err(ApiError::internal)?
        {
            Some(r) if r.seller_id == seller_id => Ok(r),
            _ => Err(ApiError::not_found()),
        }
    }

    async fn own_schedule(&self, ctx: &RequestContext, id: &str) -> Result<ScheduleRow, ApiError> {
        let seller_id = seller(ctx)?;
        match self
            .store
            .get_schedule(id)
            .await
            .map_err(ApiError::internal)?
        {
            Some(s) if s.seller_id == seller_id => Ok(s),
            _ => Err(ApiError::not_found()),
        }
    }
}

#[async_trait::async_trait]
impl Reports20210630Api for Reports {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getReports",
            "createReport",
            "getReport",
            "cancelReport",
            "getReportSchedules",
            "createReportSchedule",
            "getReportSchedule",
            "cancelReportSchedule",
            "getReportDocument",
        ]
    }

    async fn get_reports(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReports,
    ) -> Result<m::GetReportsResponse, ApiError> {
        let seller_id = seller(ctx)?;
        let q = match &params.next_token {
            Some(t) => decode_token(seller_id, t)?,
            None => {
                if params.report_types.is_empty() {
                    return Err(ApiError::invalid_parameter(
                        "reportTypes",
                        "reportTypes is required when nextToken is not given.",
                    ));
                }
                query_from(
                    seller_id,
                    params.report_types,
                    params.processing_statuses,
                    params.marketplace_ids,
                    params.page_size,
                    params.created_since.as_deref(),
                    params.created_until.as_deref(),
                    self.clock.now(),
                )?
            }
        };
        let store = &self.store;
        let (rows, next_token) = page_of(
            q,
            |q| async move { store.query_reports(&q).await },
            |r: &ReportRow| (r.created_at_us, r.id),
        )
        .await?;
        Ok(m::GetReportsResponse {
            reports: rows.iter().map(report_json).collect(),
            next_token,
        })
    }

    async fn create_report(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateReport,
    ) -> Result<m::CreateReportResponse, ApiError> {
        let seller_id = seller(ctx)?.to_string();
        let body = params.body;
        if body.report_type.trim().is_empty() {
            return Err(ApiError::invalid_input("reportType is required."));
        }
        check_marketplaces(ctx, &body.marketplace_ids)?;
        let parse = |name: &str, v: &Option<String>| -> Result<Option<Timestamp>, ApiError> {
            v.as_deref()
                .map(|s| {
                    parse_date_time(s).ok_or_else(|| {
                        ApiError::invalid_input(format!("Invalid Date-Time field(s) [{name}]."))
                    })
                })
                .transpose()
        };
        let start = parse("dataStartTime", &body.data_start_time)?;
        let end = parse("dataEndTime", &body.data_end_time)?;
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            return Err(ApiError::invalid_input(
                "dataStartTime must be before dataEndTime.",
            ));
        }
        let id = reports::create(
            &self.store,
            NewReport {
                seller_id,
                report_type: body.report_type,
                marketplace_ids: body.marketplace_ids,
                options: body.report_options.map(|o| json!(o)),
                data_start: start,
                data_end: end,
                schedule_id: None,
            },
            self.clock.now(),
        )
        .await?;
        Ok(m::CreateReportResponse {
            report_id: report_public_id(id),
        })
    }

    async fn get_report(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReport,
    ) -> Result<m::Report, ApiError> {
        Ok(report_json(&self.own_report(ctx, &params.report_id).await?))
    }

    async fn cancel_report(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelReport,
    ) -> Result<(), ApiError> {
        let r = self.own_report(ctx, &params.report_id).await?;
        reports::cancel(&self.store, &r.seller_id, r.id, self.clock.now()).await?;
        Ok(())
    }

    async fn get_report_schedules(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReportSchedules,
    ) -> Result<m::ReportScheduleList, ApiError> {
        let seller_id = seller(ctx)?;
        if params.report_types.is_empty() {
            return Err(ApiError::invalid_parameter(
                "reportTypes",
                "reportTypes is required.",
            ));
        }
        let rows = self
            .store
            .schedules_of_seller(seller_id, &params.report_types)
            .await
            .map_err(ApiError::internal)?;
        Ok(m::ReportScheduleList {
            report_schedules: rows.iter().map(schedule_json).collect(),
        })
    }

    async fn create_report_schedule(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateReportSchedule,
    ) -> Result<m::CreateReportScheduleResponse, ApiError> {
        let seller_id = seller(ctx)?.to_string();
        let body = params.body;
        if body.report_type.trim().is_empty() {
            return Err(ApiError::invalid_input("reportType is required."));
        }
        check_marketplaces(ctx, &body.marketplace_ids)?;
        let period = body.period.as_str().to_string();
        if !PERIODS.contains(&period.as_str()) {
            return Err(ApiError::invalid_input(format!(
                "Invalid period {period}: use one of {}.",
                PERIODS.join(", ")
            )));
        }
        let now = self.clock.now();
        let first = match body.next_report_creation_time.as_deref() {
            Some(s) => parse_date_time(s).ok_or_else(|| {
                ApiError::invalid_input("Invalid Date-Time field(s) [nextReportCreationTime].")
            })?,
            None => now,
        };
        let id = reports::create_schedule(
            &self.store,
            &seller_id,
            &body.report_type,
            body.marketplace_ids,
            body.report_options.map(|o| json!(o)),
            &period,
            first.max(now),
            now,
        )
        .await?;
        Ok(m::CreateReportScheduleResponse {
            report_schedule_id: id,
        })
    }

    async fn get_report_schedule(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReportSchedule,
    ) -> Result<m::ReportSchedule, ApiError> {
        Ok(schedule_json(
            &self.own_schedule(ctx, &params.report_schedule_id).await?,
        ))
    }

    async fn cancel_report_schedule(
        &self,
        ctx: &RequestContext,
        params: m::params::CancelReportSchedule,
    ) -> Result<(), ApiError> {
        let s = self.own_schedule(ctx, &params.report_schedule_id).await?;
        let mut tx = self.store.begin().await.map_err(ApiError::internal)?;
        tx.delete_schedule(&s.id)
            .await
            .map_err(ApiError::internal)?;
        tx.commit().await.map_err(ApiError::internal)
    }

    async fn get_report_document(
        &self,
        ctx: &RequestContext,
        params: m::params::GetReportDocument,
    ) -> Result<m::ReportDocument, ApiError> {
        let seller_id = seller(ctx)?;
        let doc = match self
            .store
            .get_document(&params.report_document_id)
            .await
            .map_err(ApiError::internal)?
        {
            Some(d) if d.seller_id == seller_id && d.kind == "report" => d,
            _ => return Err(ApiError::not_found()),
        };
        // Restricted report types (personal data) are served only to a Restricted Data Token
        // for this call; a plain access token is refused as at Amazon.
        let report_type = match doc.resource.as_deref().and_then(report_store_id) {
            Some(id) => self
                .store
                .get_report(id)
                .await
                .map_err(ApiError::internal)?
                .map(|r| r.report_type)
                .unwrap_or_default(),
            None => String::new(),
        };
        if reports::is_restricted(&report_type)
            && ctx.caller.data_access == crate::auth::DataAccess::None
        {
            return Err(ApiError::unauthorized().with_details(
                "This report contains restricted data: call getReportDocument with a Restricted Data Token.",
            ));
        }
        Ok(m::ReportDocument {
            report_document_id: doc.id.clone(),
            url: self.docs.url(UrlOp::Get, &doc.id),
            compression_algorithm: doc
                .compression
                .as_deref()
                .map(m::ReportDocumentCompressionAlgorithm::from_wire),
        })
    }
}
