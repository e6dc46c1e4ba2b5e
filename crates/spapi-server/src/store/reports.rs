//! `reports` and `report_schedules`: the Reports API's jobs as the API shows them. Their
//! processing runs as `jobs` rows. The state machine ([`Processing`], [`StoreTx::transition`])
//! and the getReports / getFeeds search ([`JobQuery`]) serve `feeds` ([`super::feeds`]) too.

use serde_json::Value;
use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// The public reportId of store id `id` (Amazon's report ids are 11-digit numbers).
pub fn report_public_id(id: i64) -> String {
    (53_000_000_000 + id).to_string()
}

/// The store id of a public reportId, if it is one of spapi's.
pub fn report_store_id(public: &str) -> Option<i64> {
    public
        .parse::<i64>()
        .ok()
        .map(|n| n - 53_000_000_000)
        .filter(|n| *n > 0)
}

/// A row of `reports`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    /// Store id ([`report_public_id`] gives the reportId).
    pub id: i64,
    /// The seller.
    pub seller_id: String,
    /// `GET_...`.
    pub report_type: String,
    /// Marketplaces the report covers.
    pub marketplace_ids: Vec<String>,
    /// `reportOptions`.
    pub options: Option<Value>,
    /// Data window start, epoch µs.
    pub data_start_us: Option<i64>,
    /// Data window end, epoch µs.
    pub data_end_us: Option<i64>,
    /// The schedule that created it.
    pub schedule_id: Option<String>,
    /// `IN_QUEUE`, `IN_PROGRESS`, `DONE`, `CANCELLED`, `FATAL`.
    pub status: String,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
    /// Processing start, epoch µs.
    pub processing_start_us: Option<i64>,
    /// Processing end, epoch µs.
    pub processing_end_us: Option<i64>,
    /// The report document (DONE) or error document (FATAL).
    pub document_id: Option<String>,
}

/// A row of `report_schedules`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleRow {
    /// reportScheduleId.
    pub id: String,
    /// The seller.
    pub seller_id: String,
    /// Report type.
    pub report_type: String,
    /// Marketplaces, sorted.
    pub marketplace_ids: Vec<String>,
    /// `reportOptions`.
    pub options: Option<Value>,
    /// ISO-8601 period (`PT5M` ... `P1M`).
    pub period: String,
    /// When the next report is created, epoch µs.
    pub next_at_us: i64,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
}

/// A getReports / getFeeds search, newest first, paged by keyset.
#[derive(Debug, Clone, Default)]
pub struct JobQuery {
    /// The seller.
    pub seller_id: String,
    /// Types (any of); empty: all.
    pub types: Vec<String>,
    /// Statuses (any of); empty: all.
    pub statuses: Vec<String>,
    /// Marketplaces (any of); empty: all.
    pub marketplace_ids: Vec<String>,
    /// Created at or after, epoch µs.
    pub since_us: i64,
    /// Created at or before, epoch µs.
    pub until_us: i64,
    /// Keyset: only rows before (created_at, id) in newest-first order.
    pub before: Option<(i64, i64)>,
    /// Page size.
    pub limit: u32,
}

pub(super) fn json_list(s: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad JSON list: {e}")))
}

pub(super) fn json_opt(s: Option<String>) -> Result<Option<Value>, StoreError> {
    s.map(|s| serde_json::from_str(&s))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("bad JSON document: {e}")))
}

type ReportTuple = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

const REPORT_COLUMNS: &str = "id, seller_id, report_type, marketplace_ids, options, data_start, \
    data_end, schedule_id, status, created_at, processing_start, processing_end, document_id";

fn report_from(t: ReportTuple) -> Result<ReportRow, StoreError> {
    Ok(ReportRow {
        id: t.0,
        seller_id: t.1,
        report_type: t.2,
        marketplace_ids: json_list(&t.3)?,
        options: json_opt(t.4)?,
        data_start_us: t.5,
        data_end_us: t.6,
        schedule_id: t.7,
        status: t.8,
        created_at_us: t.9,
        processing_start_us: t.10,
        processing_end_us: t.11,
        document_id: t.12,
    })
}

type ScheduleTuple = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
    i64,
);

const SCHEDULE_COLUMNS: &str =
    "id, seller_id, report_type, marketplace_ids, options, period, next_at, created_at";

fn schedule_from(t: ScheduleTuple) -> Result<ScheduleRow, StoreError> {
    Ok(ScheduleRow {
        id: t.0,
        seller_id: t.1,
        report_type: t.2,
        marketplace_ids: json_list(&t.3)?,
        options: json_opt(t.4)?,
        period: t.5,
        next_at_us: t.6,
        created_at_us: t.7,
    })
}

/// The WHERE clause and binds of a [`JobQuery`] on `table` with its type column.
pub(super) fn job_query_sql(
    table: &str,
    type_col: &str,
    columns: &str,
    q: &JobQuery,
) -> (String, Vec<Bind>) {
    let mut binds = vec![
        Bind::Text(q.seller_id.clone()),
        Bind::Int(q.since_us),
        Bind::Int(q.until_us),
    ];
    let mut sql = format!(
        "SELECT {columns} FROM {table} WHERE seller_id = $1 AND created_at >= $2 \
         AND created_at <= $3"
    );
    let any_of = |sql: &mut String, binds: &mut Vec<Bind>, col: &str, vals: &[String]| {
        if vals.is_empty() {
            return;
        }
        let marks: Vec<String> = vals
            .iter()
            .map(|v| {
                binds.push(Bind::Text(v.clone()));
                format!("${}", binds.len())
            })
            .collect();
        sql.push_str(&format!(" AND {col} IN ({})", marks.join(", ")));
    };
    any_of(&mut sql, &mut binds, type_col, &q.types);
    any_of(&mut sql, &mut binds, "status", &q.statuses);
    if !q.marketplace_ids.is_empty() {
        // The marketplaces are a JSON array of quoted ids: a LIKE on the quoted id matches
        // exactly one element on both backends.
        let likes: Vec<String> = q
            .marketplace_ids
            .iter()
            .map(|m| {
                binds.push(Bind::Text(format!("%\"{}\"%", m.replace(['%', '_'], ""))));
                format!("marketplace_ids LIKE ${}", binds.len())
            })
            .collect();
        sql.push_str(&format!(" AND ({})", likes.join(" OR ")));
    }
    if let Some((t, id)) = q.before {
        binds.push(Bind::Int(t));
        let tn = binds.len();
        binds.push(Bind::Int(id));
        let idn = binds.len();
        sql.push_str(&format!(
            " AND (created_at < ${tn} OR (created_at = ${tn} AND id < ${idn}))"
        ));
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id DESC LIMIT {}",
        q.limit.max(1)
    ));
    (sql, binds)
}

pub(super) enum Bind {
    Text(String),
    Int(i64),
}

macro_rules! run_binds {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }};
}
pub(super) use run_binds;

async fn insert_report(conn: Conn<'_>, r: &ReportRow) -> Result<i64, StoreError> {
    let mps = serde_json::to_string(&r.marketplace_ids).unwrap_or_default();
    let opts = r.options.as_ref().map(Value::to_string);
    Ok(on_conn!(conn, |c| {
        sqlx::query_scalar(
            "INSERT INTO reports (seller_id, report_type, marketplace_ids, options, data_start, \
             data_end, schedule_id, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&r.seller_id)
        .bind(&r.report_type)
        .bind(&mps)
        .bind(opts.as_deref())
        .bind(r.data_start_us)
        .bind(r.data_end_us)
        .bind(r.schedule_id.as_deref())
        .bind(&r.status)
        .bind(r.created_at_us)
        .fetch_one(c)
        .await?
    }))
}

async fn get_report(conn: Conn<'_>, id: i64) -> Result<Option<ReportRow>, StoreError> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
    let row: Option<ReportTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    row.map(report_from).transpose()
}

/// Moves a report from one of `from` to `to`, setting the given times and document; false if
/// the report was not in one of `from`.
#[allow(clippy::too_many_arguments)]
async fn transition(
    conn: Conn<'_>,
    table: &str,
    doc_col: &str,
    id: i64,
    from: &[&str],
    to: &str,
    start_us: Option<i64>,
    end_us: Option<i64>,
    document_id: Option<&str>,
) -> Result<bool, StoreError> {
    let froms: Vec<String> = from.iter().map(|s| format!("'{s}'")).collect();
    let sql = format!(
        "UPDATE {table} SET status = $2, processing_start = COALESCE($3, processing_start), \
         processing_end = COALESCE($4, processing_end), {doc_col} = COALESCE($5, {doc_col}) \
         WHERE id = $1 AND status IN ({})",
        froms.join(", ")
    );
    Ok(on_conn!(conn, |c| {
        sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .bind(to)
            .bind(start_us)
            .bind(end_us)
            .bind(document_id)
            .execute(c)
            .await?
            .rows_affected()
            > 0
    }))
}

async fn get_schedule(conn: Conn<'_>, id: &str) -> Result<Option<ScheduleRow>, StoreError> {
    let sql = format!("SELECT {SCHEDULE_COLUMNS} FROM report_schedules WHERE id = $1");
    let row: Option<ScheduleTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    row.map(schedule_from).transpose()
}

impl Store {
    /// One report by store id.
    pub async fn get_report(&self, id: i64) -> Result<Option<ReportRow>, StoreError> {
        get_report(self.acquire().await?.conn(), id).await
    }

    /// A page of a getReports search, newest first.
    pub async fn query_reports(&self, q: &JobQuery) -> Result<Vec<ReportRow>, StoreError> {
        let (sql, binds) = job_query_sql("reports", "report_type", REPORT_COLUMNS, q);
        let rows: Vec<ReportTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            run_binds!(sqlx::query_as(AssertSqlSafe(sql)), &binds)
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(report_from).collect()
    }

    /// One report schedule.
    pub async fn get_schedule(&self, id: &str) -> Result<Option<ScheduleRow>, StoreError> {
        get_schedule(self.acquire().await?.conn(), id).await
    }

    /// A seller's schedules of the given types (all types when empty), oldest first.
    pub async fn schedules_of_seller(
        &self,
        seller_id: &str,
        types: &[String],
    ) -> Result<Vec<ScheduleRow>, StoreError> {
        let sql = format!(
            "SELECT {SCHEDULE_COLUMNS} FROM report_schedules WHERE seller_id = $1 \
             ORDER BY created_at, id"
        );
        let rows: Vec<ScheduleTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .fetch_all(c)
                .await?
        });
        let rows = rows
            .into_iter()
            .map(schedule_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows
            .into_iter()
            .filter(|s| types.is_empty() || types.contains(&s.report_type))
            .collect())
    }
}

/// The resources processed through IN_QUEUE -> IN_PROGRESS -> DONE/FATAL (or CANCELLED):
/// reports and feeds, one table each with the same state columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Processing {
    /// A report (`reports`, its document in `document_id`).
    Report,
    /// A feed (`feeds`, its processing report in `result_document_id`).
    Feed,
}

impl StoreTx {
    /// Inserts a report; returns its store id.
    pub async fn insert_report(&mut self, r: &ReportRow) -> Result<i64, StoreError> {
        insert_report(self.conn(), r).await
    }

    /// One report, as this transaction sees it.
    pub async fn get_report(&mut self, id: i64) -> Result<Option<ReportRow>, StoreError> {
        get_report(self.conn(), id).await
    }

    /// Moves a report or a feed from one of the states `from` to `to`; false if it was in
    /// none of them. `None` times and document leave the stored values.
    #[allow(clippy::too_many_arguments)]
    pub async fn transition(
        &mut self,
        kind: Processing,
        id: i64,
        from: &[&str],
        to: &str,
        start_us: Option<i64>,
        end_us: Option<i64>,
        document_id: Option<&str>,
    ) -> Result<bool, StoreError> {
        let (table, doc_col) = match kind {
            Processing::Report => ("reports", "document_id"),
            Processing::Feed => ("feeds", "result_document_id"),
        };
        transition(
            self.conn(),
            table,
            doc_col,
            id,
            from,
            to,
            start_us,
            end_us,
            document_id,
        )
        .await
    }

    /// One schedule, as this transaction sees it.
    pub async fn get_schedule(&mut self, id: &str) -> Result<Option<ScheduleRow>, StoreError> {
        get_schedule(self.conn(), id).await
    }

    /// Inserts a schedule.
    pub async fn insert_schedule(&mut self, s: &ScheduleRow) -> Result<(), StoreError> {
        let mps = serde_json::to_string(&s.marketplace_ids).unwrap_or_default();
        let opts = s.options.as_ref().map(Value::to_string);
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO report_schedules (id, seller_id, report_type, marketplace_ids, \
                 options, period, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&s.id)
            .bind(&s.seller_id)
            .bind(&s.report_type)
            .bind(&mps)
            .bind(opts.as_deref())
            .bind(&s.period)
            .bind(s.next_at_us)
            .bind(s.created_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Deletes a schedule; false if there was none.
    pub async fn delete_schedule(&mut self, id: &str) -> Result<bool, StoreError> {
        Ok(on_conn!(self.conn(), |c| {
            sqlx::query("DELETE FROM report_schedules WHERE id = $1")
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
                > 0
        }))
    }

    /// Moves a schedule's next creation time from `from_us` to `to_us`; false if it was not at
    /// `from_us` (a concurrent run moved it, or it is gone).
    pub async fn advance_schedule(
        &mut self,
        id: &str,
        from_us: i64,
        to_us: i64,
    ) -> Result<bool, StoreError> {
        Ok(on_conn!(self.conn(), |c| {
            sqlx::query("UPDATE report_schedules SET next_at = $3 WHERE id = $1 AND next_at = $2")
                .bind(id)
                .bind(from_us)
                .bind(to_us)
                .execute(c)
                .await?
                .rows_affected()
                > 0
        }))
    }

    /// The ids of a seller's schedules of `report_type` over exactly `marketplace_ids` (sorted).
    pub async fn matching_schedules(
        &mut self,
        seller_id: &str,
        report_type: &str,
        marketplace_ids: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mps = serde_json::to_string(marketplace_ids).unwrap_or_default();
        Ok(on_conn!(self.conn(), |c| {
            sqlx::query_scalar(
                "SELECT id FROM report_schedules WHERE seller_id = $1 AND report_type = $2 \
                 AND marketplace_ids = $3",
            )
            .bind(seller_id)
            .bind(report_type)
            .bind(&mps)
            .fetch_all(c)
            .await?
        }))
    }
}

/// Keyset pages over a seller's listings and orders, for report generators: each call reads
/// one bounded page, so a report over a large world never holds it in memory.
impl Store {
    /// Up to `limit` listings of a seller in the given marketplaces, by (sku, marketplace),
    /// after `after`.
    pub async fn listings_page(
        &self,
        seller_id: &str,
        marketplace_ids: &[String],
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<super::ListingRow>, StoreError> {
        let mut binds = vec![Bind::Text(seller_id.to_string())];
        let mut sql = format!(
            "SELECT {} FROM listings WHERE seller_id = $1",
            super::world::LISTING_COLUMNS
        );
        if let Some((sku, mp)) = after {
            binds.push(Bind::Text(sku.to_string()));
            binds.push(Bind::Text(mp.to_string()));
            // `sku >= $2` narrows the index range; the OR alone would not.
            sql.push_str(" AND sku >= $2 AND (sku > $2 OR (sku = $2 AND marketplace_id > $3))");
        }
        if !marketplace_ids.is_empty() {
            let marks: Vec<String> = marketplace_ids
                .iter()
                .map(|m| {
                    binds.push(Bind::Text(m.clone()));
                    format!("${}", binds.len())
                })
                .collect();
            sql.push_str(&format!(" AND marketplace_id IN ({})", marks.join(", ")));
        }
        sql.push_str(&format!(
            " ORDER BY sku, marketplace_id LIMIT {}",
            limit.max(1)
        ));
        let rows: Vec<super::world::ListingTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            run_binds!(sqlx::query_as(AssertSqlSafe(sql)), &binds)
                .fetch_all(c)
                .await?
        });
        Ok(rows.into_iter().map(super::world::listing_from).collect())
    }
}
