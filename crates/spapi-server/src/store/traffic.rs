//! Traffic: usage-plan buckets shared by instances (`throttle_buckets`) and the request log as
//! the control plane shows it (`request_log` with its throttled / fault / sandbox columns).
//!
//! The HTTP layer (`http::throttle`, `http::traffic`) decides when to use these; the store only
//! runs the queries.

use super::{Store, StoreError, on_conn};

/// Tokens are compared with this tolerance, so that a bucket refilled for exactly `1 / rate`
/// seconds holds a whole token despite floating-point rounding.
pub const TOKEN_EPSILON: f64 = 1e-9;

/// Which bucket a call draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BucketKey<'a> {
    /// The calling application.
    pub app_id: &'a str,
    /// The selling partner; `""` for grantless calls.
    pub seller_id: &'a str,
    /// `api.operationId`, e.g. `orders_v0.getOrders`.
    pub operation: &'a str,
    /// Whether the call came in on the sandbox port (whose flat plan has its own buckets).
    pub sandbox: bool,
}

/// One answered request, with what the traffic stages did to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrafficEntry {
    /// Assigned by the store; ignored by [`Store::log_traffic`].
    pub id: i64,
    /// The `x-amzn-RequestId` the emulator answered with.
    pub request_id: String,
    /// When the request arrived (emulator time), epoch microseconds.
    pub at_us: i64,
    /// HTTP method, e.g. `"GET"`.
    pub method: String,
    /// Request path (without the query string).
    pub path: String,
    /// The SP-API operationId the request was routed to, if any.
    pub operation_id: Option<String>,
    /// The HTTP status answered; 0 when an injected fault dropped the connection.
    pub status: u16,
    /// The seller whose token made the request, if any.
    pub seller_id: Option<String>,
    /// The app whose token made the request, if any.
    pub app_id: Option<String>,
    /// How long the emulator took to answer (wall time), microseconds.
    pub duration_us: i64,
    /// Whether the usage plan refused the call (429 `QuotaExceeded`).
    pub throttled: bool,
    /// The injected fault(s) the call met, e.g. `error 503 ServiceUnavailable`; `None`: none.
    pub fault: Option<String>,
    /// Whether the call came in on the sandbox port.
    pub sandbox: bool,
}

/// Which entries [`Store::traffic`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrafficQuery {
    /// At most this many entries.
    pub limit: u32,
    /// Only entries with a greater id, oldest first (to follow the log); without it the newest
    /// entries come, newest first.
    pub after_id: Option<i64>,
    /// Only this operationId.
    pub operation_id: Option<String>,
    /// Only this seller.
    pub seller_id: Option<String>,
    /// Only this app.
    pub app_id: Option<String>,
    /// Only this status.
    pub status: Option<u16>,
    /// Only throttled calls.
    pub throttled: bool,
    /// Only calls that met a fault.
    pub faulted: bool,
}

/// A `request_log` row as decoded by both drivers, in column order of the query below.
type TrafficRow = (
    i64,
    String,
    i64,
    String,
    String,
    Option<String>,
    i32,
    Option<String>,
    Option<String>,
    i64,
    bool,
    Option<String>,
    bool,
);

impl TryFrom<TrafficRow> for TrafficEntry {
    type Error = StoreError;

    fn try_from(row: TrafficRow) -> Result<Self, Self::Error> {
        let (
            id,
            request_id,
            at_us,
            method,
            path,
            operation_id,
            status,
            seller_id,
            app_id,
            duration_us,
            throttled,
            fault,
            sandbox,
        ) = row;
        Ok(TrafficEntry {
            id,
            request_id,
            at_us,
            method,
            path,
            operation_id,
            status: u16::try_from(status).map_err(|_| {
                StoreError::Corrupt(format!("status {status} of request log entry {id}"))
            })?,
            seller_id,
            app_id,
            duration_us,
            throttled,
            fault,
            sandbox,
        })
    }
}

/// The refilled token count of the stored bucket, as SQL (both backends): the tokens at `at`
/// plus what accrued since (never negative time), capped at the burst ($9). `excluded.at` is
/// the caller's now, $8 the rate in tokens per microsecond.
macro_rules! refilled {
    () => {
        "(CASE WHEN throttle_buckets.tokens + (CASE WHEN excluded.at > throttle_buckets.at \
         THEN excluded.at - throttle_buckets.at ELSE 0 END) * $8 >= $9 THEN $9 \
         ELSE throttle_buckets.tokens + (CASE WHEN excluded.at > throttle_buckets.at \
         THEN excluded.at - throttle_buckets.at ELSE 0 END) * $8 END)"
    };
}

impl Store {
    /// Takes one token from the bucket `key` (rate `rate` tokens a second, at most `burst`),
    /// creating it full if absent, in one statement: whether the call may proceed.
    ///
    /// Every instance on the same database shares the bucket. The refill is computed from the
    /// caller's `now_us`; a bucket never goes back in time (`at` only grows), so instances whose
    /// clocks differ slightly never mint extra tokens.
    pub async fn take_token(
        &self,
        key: &BucketKey<'_>,
        rate: f64,
        burst: u32,
        now_us: i64,
    ) -> Result<bool, StoreError> {
        let burst_f = f64::from(burst);
        let first_granted = burst >= 1;
        let first_tokens = if first_granted { burst_f - 1.0 } else { 0.0 };
        let whole = 1.0 - TOKEN_EPSILON;
        let sql = concat!(
            "INSERT INTO throttle_buckets \
             (app_id, seller_id, operation, sandbox, tokens, at, granted) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (app_id, seller_id, operation, sandbox) DO UPDATE SET \
             tokens = CASE WHEN ",
            refilled!(),
            " >= $10 THEN ",
            refilled!(),
            " - 1 ELSE ",
            refilled!(),
            " END, granted = (",
            refilled!(),
            " >= $10), at = CASE WHEN excluded.at > throttle_buckets.at THEN excluded.at \
             ELSE throttle_buckets.at END \
             RETURNING granted"
        );
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_scalar(sql)
                .bind(key.app_id)
                .bind(key.seller_id)
                .bind(key.operation)
                .bind(key.sandbox)
                .bind(first_tokens)
                .bind(now_us)
                .bind(first_granted)
                .bind(rate / 1e6)
                .bind(burst_f)
                .bind(whole)
                .fetch_one(c)
                .await?
        }))
    }

    /// Forgets every shared bucket (they start full again).
    pub async fn clear_buckets(&self) -> Result<u64, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query("DELETE FROM throttle_buckets")
                .execute(c)
                .await?
                .rows_affected()
        }))
    }

    /// Forgets the shared buckets of one seller (after its plan changed).
    pub async fn clear_seller_buckets(&self, seller_id: &str) -> Result<u64, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query("DELETE FROM throttle_buckets WHERE seller_id = $1")
                .bind(seller_id)
                .execute(c)
                .await?
                .rows_affected()
        }))
    }

    /// Appends `entries` to the request log in one transaction (their ids are ignored).
    /// Keeps the newest `keep` entries of the request log and deletes the older ones; how
    /// many went. (The log is for looking at recent traffic; without a bound a load run would
    /// grow it without end.)
    pub async fn trim_traffic(&self, keep: i64) -> Result<u64, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "DELETE FROM request_log WHERE id <= (SELECT MAX(id) FROM request_log) - $1",
            )
            .bind(keep.max(0))
            .execute(c)
            .await?
            .rows_affected()
        }))
    }

    pub async fn log_traffic(&self, entries: &[TrafficEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for e in entries {
            on_conn!(tx.conn(), |c| {
                sqlx::query(
                    "INSERT INTO request_log (request_id, at, method, path, operation_id, \
                     status, seller_id, app_id, duration_us, throttled, fault, sandbox) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(&e.request_id)
                .bind(e.at_us)
                .bind(&e.method)
                .bind(&e.path)
                .bind(e.operation_id.as_deref())
                .bind(i32::from(e.status))
                .bind(e.seller_id.as_deref())
                .bind(e.app_id.as_deref())
                .bind(e.duration_us)
                .bind(e.throttled)
                .bind(e.fault.as_deref())
                .bind(e.sandbox)
                .execute(c)
                .await?;
            });
        }
        tx.commit().await
    }

    /// Request log entries chosen by `q` (see [`TrafficQuery::after_id`] for the order).
    pub async fn traffic(&self, q: &TrafficQuery) -> Result<Vec<TrafficEntry>, StoreError> {
        // One text per order; the optional filters are `$n IS NULL OR ...` so that one
        // statement serves every combination on both backends.
        const SELECT: &str = "SELECT id, request_id, at, method, path, operation_id, status, \
             seller_id, app_id, duration_us, throttled, fault, sandbox FROM request_log \
             WHERE ($1 IS NULL OR id > $1) AND ($2 IS NULL OR operation_id = $2) \
             AND ($3 IS NULL OR seller_id = $3) AND ($4 IS NULL OR app_id = $4) \
             AND ($5 IS NULL OR status = $5) AND ($6 = 0 OR throttled = $7) \
             AND ($8 = 0 OR fault IS NOT NULL) ";
        let order = if q.after_id.is_some() {
            "ORDER BY id ASC LIMIT $9"
        } else {
            "ORDER BY id DESC LIMIT $9"
        };
        let sql = format!("{SELECT}{order}");
        let rows: Vec<TrafficRow> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
                .bind(q.after_id)
                .bind(q.operation_id.as_deref())
                .bind(q.seller_id.as_deref())
                .bind(q.app_id.as_deref())
                .bind(q.status.map(i32::from))
                .bind(i32::from(q.throttled))
                .bind(true)
                .bind(i32::from(q.faulted))
                .bind(i64::from(q.limit))
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(TrafficEntry::try_from).collect()
    }
}
