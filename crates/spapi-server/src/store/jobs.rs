//! `jobs`: durable jobs on the clock (report generation, feed processing, schedules...).
//!
//! Life of a job: `pending` (waiting for `run_at`) -> claimed by a worker: `running` with a lease
//! -> `done`, or back to `pending` for a retry, or `failed`. A running job whose lease expired
//! (the worker died) is due again and is reclaimed by the next claim.

use std::fmt;
use std::str::FromStr;

use super::{Backend, Conn, Store, StoreError, StoreTx, on_conn};
use serde_json::Value;

/// The state of a [`Job`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its `run_at`.
    Pending,
    /// Claimed by a worker holding a lease.
    Running,
    /// Finished successfully.
    Done,
    /// Failed without a retry.
    Failed,
}

impl JobState {
    /// The value stored in the `state` column.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JobState {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(JobState::Pending),
            "running" => Ok(JobState::Running),
            "done" => Ok(JobState::Done),
            "failed" => Ok(JobState::Failed),
            other => Err(StoreError::Corrupt(format!("unknown job state {other:?}"))),
        }
    }
}

/// A row of the `jobs` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Assigned by the store, increasing.
    pub id: i64,
    /// What to do; the job runner dispatches on it (e.g. `"report.process"`).
    pub kind: String,
    /// When the job becomes due, epoch microseconds.
    pub run_at_us: i64,
    /// The job's arguments.
    pub payload: Value,
    /// Where the job is in its life.
    pub state: JobState,
    /// How many runs failed so far (by [`Store::fail_job`] or by an expired lease).
    pub attempts: i32,
    /// The error of the last failed run.
    pub last_error: Option<String>,
    /// The worker holding the lease while running.
    pub locked_by: Option<String>,
    /// When the lease ends, epoch microseconds; after it the job can be reclaimed.
    pub locked_until_us: Option<i64>,
    /// When the job was enqueued, epoch microseconds.
    pub created_at_us: i64,
}

/// The column list matching [`JobRow`]; a macro so that it can be `concat!`ed into SQL literals.
macro_rules! job_columns {
    () => {
        "id, kind, run_at, payload, state, attempts, last_error, locked_by, locked_until, created_at"
    };
}

/// A `jobs` row as decoded by both drivers, in [`job_columns!`] order.
type JobRow = (
    i64,
    String,
    i64,
    String,
    String,
    i32,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
);

impl TryFrom<JobRow> for Job {
    type Error = StoreError;

    fn try_from(row: JobRow) -> Result<Self, Self::Error> {
        let (
            id,
            kind,
            run_at_us,
            payload,
            state,
            attempts,
            last_error,
            locked_by,
            locked_until_us,
            created_at_us,
        ) = row;
        Ok(Job {
            id,
            payload: serde_json::from_str(&payload)
                .map_err(|e| StoreError::Corrupt(format!("payload of job {id}: {e}")))?,
            state: state.parse()?,
            kind,
            run_at_us,
            attempts,
            last_error,
            locked_by,
            locked_until_us,
            created_at_us,
        })
    }
}

/// The claim statement; `$lock` is the only backend difference.
///
/// Due rows are pending ones whose `run_at` has come and running ones whose lease has expired. A
/// reclaimed running row counts as a failed attempt. `SET` expressions all see the old row, so
/// the `CASE`s test the state before the update. `RETURNING` order is unspecified; the caller
/// sorts.
macro_rules! claim_sql {
    ($lock:literal) => {
        concat!(
            "WITH due AS MATERIALIZED (
                SELECT id FROM jobs
                WHERE (state = 'pending' AND run_at <= $1)
                   OR (state = 'running' AND locked_until <= $5)
                ORDER BY run_at, id
                LIMIT $2 ",
            $lock,
            "
            )
            UPDATE jobs SET
                attempts = attempts + CASE WHEN state = 'running' THEN 1 ELSE 0 END,
                last_error = CASE WHEN state = 'running'
                    THEN 'lease expired (worker ' || COALESCE(locked_by, '?') || ')'
                    ELSE last_error END,
                state = 'running',
                locked_by = $3,
                locked_until = $5 + $4
            WHERE id IN (SELECT id FROM due)
            RETURNING ",
            job_columns!()
        )
    };
}

// Backend difference: on PostgreSQL several instances claim at once; `FOR UPDATE SKIP LOCKED`
// makes each skip the rows another claimer has locked, and a row that another claimer has just
// committed as running is re-checked against the WHERE clause and dropped, so no job is claimed
// twice. SQLite has a single writer: the claim runs in a `BEGIN IMMEDIATE` transaction, which
// already excludes every other writer, and SQLite has no row locks (nor the syntax).
const CLAIM_SQLITE: &str = claim_sql!("");
const CLAIM_POSTGRES: &str = claim_sql!("FOR UPDATE SKIP LOCKED");

impl Store {
    /// Enqueues a job in its own transaction. Prefer [`StoreTx::enqueue_job`] when the job is
    /// caused by a write.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        run_at_us: i64,
        payload: &Value,
    ) -> Result<i64, StoreError> {
        let now = self.now_us();
        enqueue(self.acquire().await?.conn(), kind, run_at_us, payload, now).await
    }

    /// Atomically claims up to `limit` due jobs for `worker_id` and returns them ordered by
    /// `run_at`, then id.
    ///
    /// Due means pending with `run_at <= now_us`, or running with an expired lease
    /// (`locked_until <= now_us`; that counts as a failed attempt). Claimed jobs become running
    /// with `locked_by = worker_id` and `locked_until = now_us + lease_us`. Concurrent claimers
    /// (tasks or, on PostgreSQL, instances) never receive the same job.
    pub async fn claim_due_jobs(
        &self,
        now_us: i64,
        limit: u32,
        worker_id: &str,
        lease_us: i64,
    ) -> Result<Vec<Job>, StoreError> {
        self.claim_due_jobs_leased(now_us, now_us, limit, worker_id, lease_us)
            .await
    }

    /// [`Store::claim_due_jobs`] with leases on another time line than `run_at`: due means
    /// pending with `run_at <= now_us` (the emulator clock) or running with
    /// `locked_until <= lease_now_us`, and claimed jobs get `locked_until = lease_now_us +
    /// lease_us`. The runner keeps leases in real time: whether a worker is alive has nothing
    /// to do with the simulated time, which another instance may move on by hours at once.
    pub async fn claim_due_jobs_leased(
        &self,
        now_us: i64,
        lease_now_us: i64,
        limit: u32,
        worker_id: &str,
        lease_us: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let mut tx = self.begin().await?;
        let conn = tx.conn();
        let sql = match conn.backend() {
            Backend::Sqlite => CLAIM_SQLITE,
            Backend::Postgres => CLAIM_POSTGRES,
        };
        let rows: Vec<JobRow> = on_conn!(conn, |c| {
            sqlx::query_as(sql)
                .bind(now_us)
                .bind(i64::from(limit))
                .bind(worker_id)
                .bind(lease_us)
                .bind(lease_now_us)
                .fetch_all(c)
                .await?
        });
        tx.commit().await?;
        let mut jobs = rows
            .into_iter()
            .map(Job::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        jobs.sort_by_key(|j| (j.run_at_us, j.id));
        Ok(jobs)
    }

    /// Marks a running job done and releases its lease.
    ///
    /// [`StoreError::NotFound`] if there is no such job, [`StoreError::Conflict`] if it is not
    /// running.
    pub async fn complete_job(&self, id: i64) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let mut conn = pc.conn();
        let updated = on_conn!(conn.reborrow(), |c| {
            sqlx::query(
                "UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL \
                 WHERE id = $1 AND state = 'running'",
            )
            .bind(id)
            .execute(c)
            .await?
            .rows_affected()
        });
        if updated == 0 {
            return Err(not_running(conn, id).await);
        }
        Ok(())
    }

    /// Records a failed run of a running job: `attempts + 1`, `last_error = error`, lease
    /// released. With `retry_at_us` the job goes back to pending at that time, without it the job
    /// is failed for good.
    ///
    /// [`StoreError::NotFound`] if there is no such job, [`StoreError::Conflict`] if it is not
    /// running.
    pub async fn fail_job(
        &self,
        id: i64,
        error: &str,
        retry_at_us: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let mut conn = pc.conn();
        let updated = on_conn!(conn.reborrow(), |c| {
            sqlx::query(
                "UPDATE jobs SET
                    state = CASE WHEN $3 IS NULL THEN 'failed' ELSE 'pending' END,
                    run_at = COALESCE($3, run_at),
                    attempts = attempts + 1,
                    last_error = $2,
                    locked_by = NULL,
                    locked_until = NULL
                 WHERE id = $1 AND state = 'running'",
            )
            .bind(id)
            .bind(error)
            .bind(retry_at_us)
            .execute(c)
            .await?
            .rows_affected()
        });
        if updated == 0 {
            return Err(not_running(conn, id).await);
        }
        Ok(())
    }

    /// Extends the lease of a job that `worker_id` is running to `until_us` (a heartbeat of
    /// long jobs, so that another worker does not take over a job that is still making
    /// progress); false if the job is no longer running under that worker.
    pub async fn extend_job_lease(
        &self,
        id: i64,
        worker_id: &str,
        until_us: i64,
    ) -> Result<bool, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "UPDATE jobs SET locked_until = $3 \
                 WHERE id = $1 AND state = 'running' AND locked_by = $2",
            )
            .bind(id)
            .bind(worker_id)
            .bind(until_us)
            .execute(c)
            .await?
            .rows_affected()
                > 0
        }))
    }

    /// The earliest time at which [`Store::claim_due_jobs`] would return a job: the smallest
    /// `run_at` of pending jobs, or the end of an expired-to-be lease of a running job if that
    /// is earlier. `None` when no job is pending or running. A scheduler sleeps until then.
    pub async fn next_job_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_scalar(
                "SELECT MIN(CASE WHEN state = 'pending' THEN run_at ELSE locked_until END) \
                 FROM jobs WHERE state IN ('pending', 'running')",
            )
            .fetch_one(c)
            .await?
        }))
    }

    /// How many jobs due at or before `now_us` are running under another worker than
    /// `worker_id` with a lease that has not expired at `lease_now_us`: jobs another instance
    /// is doing now.
    pub async fn count_running_elsewhere(
        &self,
        now_us: i64,
        lease_now_us: i64,
        worker_id: &str,
    ) -> Result<i64, StoreError> {
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM jobs WHERE state = 'running' AND run_at <= $1 \
                 AND locked_until > $3 AND locked_by <> $2",
            )
            .bind(now_us)
            .bind(worker_id)
            .bind(lease_now_us)
            .fetch_one(c)
            .await?
        }))
    }

    /// The job with `id`, if any.
    pub async fn get_job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        let row: Option<JobRow> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(concat!(
                "SELECT ",
                job_columns!(),
                " FROM jobs WHERE id = $1"
            ))
            .bind(id)
            .fetch_optional(c)
            .await?
        });
        row.map(Job::try_from).transpose()
    }
}

impl StoreTx {
    /// Enqueues a job in this transaction (it exists only if the transaction commits) and
    /// returns its id. `created_at` is [`StoreTx::now_us`].
    pub async fn enqueue_job(
        &mut self,
        kind: &str,
        run_at_us: i64,
        payload: &Value,
    ) -> Result<i64, StoreError> {
        let now = self.now_us();
        enqueue(self.conn(), kind, run_at_us, payload, now).await
    }
}

async fn enqueue(
    conn: Conn<'_>,
    kind: &str,
    run_at_us: i64,
    payload: &Value,
    now_us: i64,
) -> Result<i64, StoreError> {
    let payload = payload.to_string();
    Ok(on_conn!(conn, |c| {
        sqlx::query_scalar(
            "INSERT INTO jobs (kind, run_at, payload, state, attempts, created_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4) RETURNING id",
        )
        .bind(kind)
        .bind(run_at_us)
        .bind(&payload)
        .bind(now_us)
        .fetch_one(c)
        .await?
    }))
}

/// The error for a job transition that matched no running row: missing job or wrong state.
async fn not_running(conn: Conn<'_>, id: i64) -> StoreError {
    let state: Result<Option<String>, sqlx::Error> = on_conn!(conn, |c| {
        sqlx::query_scalar("SELECT state FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await
    });
    match state {
        Ok(Some(state)) => StoreError::Conflict(format!("job {id} is {state}, not running")),
        Ok(None) => StoreError::NotFound(format!("job {id}")),
        Err(e) => e.into(),
    }
}
