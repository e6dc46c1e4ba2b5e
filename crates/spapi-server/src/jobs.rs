//! Durable jobs on the emulator's clock: order state machines and, as they land, reports,
//! feeds and inbound operations. A job is a store row with `run_at`; the runner claims the due
//! ones in `run_at` order, so advancing the clock by a day runs that day's jobs in order,
//! including jobs that earlier jobs of the interval scheduled.

use crate::clock::Clock;
use crate::market::{buyers, feeds, listings, orders, reports};
use crate::store::{Job, Store};
use jiff::Timestamp;
use std::time::Duration;

/// How long a claimed job may run without renewing its lease before another worker may take
/// it over, in real time (an instance that died holding it).
const LEASE_US: i64 = 10_000_000;
/// How often a running job renews its lease (real time).
const HEARTBEAT: Duration = Duration::from_secs(3);

/// Real time in epoch microseconds: the time line of leases (see
/// [`Store::claim_due_jobs_leased`]).
fn real_now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}
/// Jobs claimed per round.
const BATCH: u32 = 50;
/// How long [`Runner::settle`] waits for jobs other instances are running (real time).
const SETTLE_LIMIT: Duration = Duration::from_secs(30);

/// Aborts a task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs due jobs.
#[derive(Clone)]
pub struct Runner {
    store: Store,
    clock: Clock,
    worker_id: String,
    /// `http://host:port` that links in generated documents start with (report image URLs).
    public_base: std::sync::Arc<str>,
    /// One round at a time per instance: a caller of `run_due` (the control plane after a
    /// clock change) waits for the background round in progress, so that when it returns
    /// everything due has run. Other instances on a shared PostgreSQL store run their own.
    round: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("worker_id", &self.worker_id)
            .finish()
    }
}

impl Runner {
    /// A runner over `store`, on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Runner {
            store,
            clock,
            worker_id: format!("worker-{}", uuid::Uuid::new_v4()),
            public_base: crate::config::default_public_base().into(),
            round: Default::default(),
        }
    }

    /// The same, for a server reachable at `public_base` (`http://host:port`).
    pub fn with_public_base(mut self, public_base: &str) -> Self {
        self.public_base = public_base.into();
        self
    }

    /// Runs every job due now, in `run_at` order, until none is left; returns how many ran.
    pub async fn run_due(&self) -> usize {
        let _round = self.round.lock().await;
        let mut ran = 0;
        loop {
            let now = self.clock.now_us();
            let jobs = match self
                .store
                .claim_due_jobs_leased(now, real_now_us(), BATCH, &self.worker_id, LEASE_US)
                .await
            {
                Ok(j) => j,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming jobs failed");
                    return ran;
                }
            };
            if jobs.is_empty() {
                return ran;
            }
            for job in jobs {
                self.run(job).await;
                ran += 1;
            }
        }
    }

    /// [`Runner::run_due`], then waits until no job due now is running on another instance
    /// (several instances on one PostgreSQL world claim due jobs concurrently), running what
    /// those jobs made due; gives up waiting after [`SETTLE_LIMIT`] of real time (a job whose
    /// instance died is taken over when its lease expires, on the emulator clock). What a clock
    /// change through the control plane calls, so that when it answers everything due has run,
    /// wherever it was claimed.
    pub async fn settle(&self) -> usize {
        let deadline = tokio::time::Instant::now() + SETTLE_LIMIT;
        let mut ran = self.run_due().await;
        loop {
            let now = self.clock.now_us();
            match self
                .store
                .count_running_elsewhere(now, real_now_us(), &self.worker_id)
                .await
            {
                Ok(0) | Err(_) => return ran,
                Ok(_) if tokio::time::Instant::now() >= deadline => {
                    tracing::warn!("jobs claimed by other instances are still running");
                    return ran;
                }
                Ok(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    ran += self.run_due().await;
                }
            }
        }
    }

    async fn run(&self, job: Job) {
        // Long jobs (a report over a large world) keep their lease while they make progress.
        // The heartbeat stops with the run, however it ends (a run dropped half-way must not
        // keep a lease alive for a job nobody runs).
        let _heartbeat = AbortOnDrop({
            let (store, worker, id) = (self.store.clone(), self.worker_id.clone(), job.id);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(HEARTBEAT);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let until = real_now_us() + LEASE_US;
                    if !matches!(store.extend_job_lease(id, &worker, until).await, Ok(true)) {
                        return;
                    }
                }
            })
        });
        self.run_job(job).await;
    }

    async fn run_job(&self, job: Job) {
        // The job happens at its own time, not at the time the runner got to it.
        let at = Timestamp::from_microsecond(job.run_at_us).unwrap_or_else(|_| self.clock.now());
        let order_id = job.payload["amazonOrderId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let result = match job.kind.as_str() {
            orders::JOB_RELEASE_PENDING => {
                orders::release_pending(&self.store, &order_id, at).await
            }
            orders::JOB_FBA_SHIP => orders::fba_ship(&self.store, &order_id, at).await,
            crate::market::mcf::JOB_ADVANCE => {
                let field = |k: &str| job.payload[k].as_str().unwrap_or_default().to_string();
                crate::market::mcf::advance(
                    &self.store,
                    &field("sellerId"),
                    &field("sellerFulfillmentOrderId"),
                    &field("from"),
                    at,
                )
                .await
            }
            crate::market::invoices::JOB_EXPORT => {
                let field = |k: &str| job.payload[k].as_str().unwrap_or_default().to_string();
                crate::market::invoices::run_export(
                    &self.store,
                    &field("exportId"),
                    &field("step"),
                    at,
                )
                .await
            }
            crate::market::invoices::shipments::JOB_PROCESS => {
                let field = |k: &str| job.payload[k].as_str().unwrap_or_default().to_string();
                crate::market::invoices::shipments::process(
                    &self.store,
                    &field("sellerId"),
                    &field("shipmentId"),
                    job.payload["submittedAt"].as_i64().unwrap_or_default(),
                    at,
                )
                .await
            }
            crate::market::invoices::government::JOB_ISSUE => {
                crate::market::invoices::government::issue(&self.store, &job.payload, at).await
            }
            buyers::JOB_BUYER_TICK => {
                let seller = job.payload["sellerId"].as_str().unwrap_or_default();
                let generation = job.payload["generation"].as_i64().unwrap_or(0);
                buyers::tick(&self.store, seller, generation, at).await
            }
            reports::JOB_START | reports::JOB_GENERATE => {
                let id = job.payload["reportId"].as_i64().unwrap_or_default();
                if job.kind == reports::JOB_START {
                    reports::start(&self.store, id, at).await
                } else {
                    reports::generate(&self.store, id, at, &self.public_base).await
                }
            }
            reports::JOB_SCHEDULE => {
                let id = job.payload["scheduleId"].as_str().unwrap_or_default();
                reports::schedule_tick(&self.store, id, job.run_at_us).await
            }
            feeds::JOB_START => {
                let id = job.payload["feedId"].as_i64().unwrap_or_default();
                feeds::start(&self.store, id, at).await
            }
            feeds::JOB_PROCESS => {
                let id = job.payload["feedId"].as_i64().unwrap_or_default();
                feeds::process(&self.store, id, at).await
            }
            listings::JOB_CREATE_ASIN => {
                let p = &job.payload;
                let field = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                listings::create_asin(
                    &self.store,
                    &field("sellerId"),
                    &field("sku"),
                    &field("marketplaceId"),
                    at,
                )
                .await
            }
            kind if kind.starts_with(crate::market::awd::JOB_PREFIX) => {
                crate::market::awd::run_job(&self.store, kind, &job.payload, at).await
            }
            crate::market::inbound::JOB_OPERATION => {
                let id = job.payload["operationId"].as_str().unwrap_or_default();
                crate::market::inbound::finish_operation(&self.store, id, job.run_at_us).await
            }
            crate::market::inbound::JOB_SHIPMENT => {
                let field = |k: &str| job.payload[k].as_str().unwrap_or_default().to_string();
                crate::market::inbound::shipments::advance(
                    &self.store,
                    &field("sellerId"),
                    &field("inboundPlanId"),
                    &field("shipmentId"),
                    &field("from"),
                    job.run_at_us,
                )
                .await
            }
            other => {
                tracing::warn!(kind = other, "unknown job kind");
                Ok(())
            }
        };
        let done = match result {
            Ok(()) => self.store.complete_job(job.id).await,
            Err(e) => {
                tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
                let retry = (job.attempts < 5).then(|| self.clock.now_us() + 60_000_000);
                self.store.fail_job(job.id, &e.to_string(), retry).await
            }
        };
        if let Err(e) = done {
            tracing::warn!(job = job.id, error = %e, "recording a job outcome failed");
        }
    }

    /// Polls for due jobs every `every` of real time until the task is dropped.
    pub fn spawn(self, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                self.run_due().await;
            }
        })
    }
}
