//! `request_log`: every HTTP request the emulator answered, for the control plane.

use super::{Store, StoreError, on_conn};

/// One answered HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLogEntry {
    /// Assigned by the store; ignored by [`Store::log_request`].
    pub id: i64,
    /// The `x-amzn-RequestId` the emulator answered with.
    pub request_id: String,
    /// When the request arrived, epoch microseconds.
    pub at_us: i64,
    /// HTTP method, e.g. `"GET"`.
    pub method: String,
    /// Request path (without the query string).
    pub path: String,
    /// The SP-API operationId the request was routed to, if any.
    pub operation_id: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
    /// The seller whose token made the request, if any.
    pub seller_id: Option<String>,
    /// The app whose token made the request, if any.
    pub app_id: Option<String>,
    /// How long the emulator took to answer, microseconds.
    pub duration_us: i64,
}

/// A `request_log` row as decoded by both drivers, in column order of the queries below.
type RequestLogRow = (
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
);

impl TryFrom<RequestLogRow> for RequestLogEntry {
    type Error = StoreError;

    fn try_from(row: RequestLogRow) -> Result<Self, Self::Error> {
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
        ) = row;
        Ok(RequestLogEntry {
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
        })
    }
}

impl Store {
    /// Appends `entry` to the request log (its `id` is ignored) and returns the assigned id.
    pub async fn log_request(&self, entry: &RequestLogEntry) -> Result<i64, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_scalar(
                "INSERT INTO request_log \
                 (request_id, at, method, path, operation_id, status, seller_id, app_id, duration_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(&entry.request_id)
            .bind(entry.at_us)
            .bind(&entry.method)
            .bind(&entry.path)
            .bind(entry.operation_id.as_deref())
            .bind(i32::from(entry.status))
            .bind(entry.seller_id.as_deref())
            .bind(entry.app_id.as_deref())
            .bind(entry.duration_us)
            .fetch_one(c)
            .await?
        }))
    }

    /// The `limit` most recent entries, newest (latest `at`, then highest id) first.
    pub async fn recent_requests(&self, limit: u32) -> Result<Vec<RequestLogEntry>, StoreError> {
        let rows: Vec<RequestLogRow> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(
                "SELECT id, request_id, at, method, path, operation_id, status, seller_id, \
                 app_id, duration_us FROM request_log ORDER BY at DESC, id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
        });
        rows.into_iter().map(RequestLogEntry::try_from).collect()
    }
}
