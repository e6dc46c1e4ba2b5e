//! The store suite. Every case is written once as `async fn case_xxx(store: Store)` and runs on
//! three stores: SQLite in memory, SQLite in a file (in a fresh directory under the system temp
//! dir) and PostgreSQL (a fresh database per test, so tests run in parallel).
//!
//! PostgreSQL: `SPAPI_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! names an administrative connection used to create and drop `spapi_test_<uuid>` databases. If
//! it cannot be reached the PostgreSQL tests are skipped with a message, except under CI (`CI`
//! set), where they fail.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use spapi_server::store::traffic::{TrafficEntry, TrafficQuery};
use spapi_server::store::{Backend, JobState, SCHEMA_VERSION, Store, StoreConfig, StoreError};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// Generates one `#[tokio::test]` per case and backend: `sqlite_memory::case_x`,
/// `sqlite_file::case_x`, `postgres::case_x`.
macro_rules! store_cases {
    ($($case:ident),* $(,)?) => {
        mod sqlite_memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::run_sqlite_memory(crate::$case).await;
                }
            )*
        }
        mod sqlite_file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::run_sqlite_file(crate::$case).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    crate::run_postgres(crate::$case).await;
                }
            )*
        }
    };
}

store_cases!(
    case_migrations_are_idempotent,
    case_meta_upsert,
    case_tx_rollback_and_commit,
    case_claim_respects_run_at_order,
    case_concurrent_claimers_never_share_a_job,
    case_fail_job_retry,
    case_expired_lease_is_reclaimed,
    case_outbox_order_and_delivery,
    case_request_log_newest_first,
    case_request_log_keeps_the_newest,
    case_reset_empties_the_world,
    case_apps_sellers_and_tokens,
);

// ---------------------------------------------------------------------------------------------
// Runners
// ---------------------------------------------------------------------------------------------

async fn run_sqlite_memory<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let store = Store::open_sqlite_in_memory()
        .await
        .expect("open in-memory SQLite store");
    assert_eq!(store.backend(), Backend::Sqlite);
    case(store).await;
}

async fn run_sqlite_file<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = TempDir::new();
    // A parent directory that does not exist yet: opening must create it.
    let path = dir.path().join("data").join("spapi.db");
    let store = Store::open_sqlite_file(&path)
        .await
        .expect("open SQLite file store");
    assert!(path.exists(), "the database file is created");
    case(store.clone()).await;
    store.close().await;
}

async fn run_postgres<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let store = Store::open_postgres(&db.url)
        .await
        .expect("open PostgreSQL store");
    assert_eq!(store.backend(), Backend::Postgres);
    // Run the case in its own task so that a failing assertion still lets us drop the database.
    let outcome = tokio::spawn(case(store.clone())).await;
    store.close().await;
    db.drop_database().await;
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// A directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "spapi-store-test-{}",
            uuid::Uuid::new_v4().simple()
        ));
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh PostgreSQL database for one test.
struct PgTestDb {
    admin: PgConnection,
    name: String,
    url: String,
}

impl PgTestDb {
    /// Creates the database, or returns `None` (after saying why) when PostgreSQL is not
    /// reachable outside CI. Panics under CI.
    async fn create() -> Option<PgTestDb> {
        let admin_url = std::env::var("SPAPI_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let connect =
            tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&admin_url));
        let mut admin = match connect.await {
            Ok(Ok(conn)) => conn,
            Ok(Err(err)) => return unreachable_postgres(&err.to_string()),
            Err(_) => return unreachable_postgres("connection timed out after 10 s"),
        };
        let name = format!("spapi_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let url = with_database(&admin_url, &name);
        Some(PgTestDb { admin, name, url })
    }

    /// Drops the database, best effort.
    async fn drop_database(mut self) {
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(err) = sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut self.admin)
            .await
        {
            eprintln!("could not drop test database {}: {err}", self.name);
        }
        let _ = self.admin.close().await;
    }
}

fn unreachable_postgres(reason: &str) -> Option<PgTestDb> {
    if std::env::var_os("CI").is_some() {
        panic!(
            "PostgreSQL store tests must run under CI but PostgreSQL is unreachable: {reason} \
             (start PostgreSQL on 127.0.0.1:5432 or set SPAPI_TEST_DATABASE_URL)"
        );
    }
    eprintln!(
        "skipping PostgreSQL store tests: {reason} \
         (start PostgreSQL on 127.0.0.1:5432 or set SPAPI_TEST_DATABASE_URL)"
    );
    None
}

/// `url` with its database (path) replaced by `database`, keeping the query string.
fn with_database(url: &str, database: &str) -> String {
    let authority_start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[authority_start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| authority_start + i);
    let query = url[authority_end..]
        .find('?')
        .map_or("", |i| &url[authority_end + i..]);
    format!("{}/{database}{query}", &url[..authority_end])
}

/// A second handle on the same database: a second pool for a file or PostgreSQL (as a second
/// instance would have), a clone for an in-memory database (which only one pool can see).
async fn second_handle(store: &Store) -> Store {
    match store.config() {
        StoreConfig::SqliteMemory => store.clone(),
        config => Store::open(config.clone())
            .await
            .expect("open a second handle on the same database"),
    }
}

/// `store` with a fixed time source.
fn at(store: Store, now_us: i64) -> Store {
    store.with_time_source(move || now_us)
}

const MINUTE_US: i64 = 60_000_000;

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

async fn case_migrations_are_idempotent(store: Store) {
    assert_eq!(
        store.get_meta("schema.version").await.unwrap().as_deref(),
        Some(SCHEMA_VERSION)
    );
    store.ping().await.unwrap();
    store.set_meta("seed", "42").await.unwrap();

    if *store.config() == StoreConfig::SqliteMemory {
        // A private in-memory database cannot be opened twice; a fresh one migrates from zero.
        let other = Store::open_sqlite_in_memory().await.unwrap();
        assert_eq!(other.get_meta("seed").await.unwrap(), None);
        return;
    }
    // Opening again runs the migrator on an up-to-date database: a no-op that sees the data.
    let again = Store::open(store.config().clone()).await.unwrap();
    assert_eq!(again.get_meta("seed").await.unwrap().as_deref(), Some("42"));
    assert_eq!(
        again.get_meta("schema.version").await.unwrap().as_deref(),
        Some(SCHEMA_VERSION)
    );
    again.close().await;
}

async fn case_meta_upsert(store: Store) {
    assert_eq!(store.get_meta("seed").await.unwrap(), None);
    store.set_meta("seed", "1").await.unwrap();
    assert_eq!(store.get_meta("seed").await.unwrap().as_deref(), Some("1"));
    store.set_meta("seed", "2").await.unwrap();
    assert_eq!(store.get_meta("seed").await.unwrap().as_deref(), Some("2"));
    store.set_meta("other", "x").await.unwrap();
    assert_eq!(store.get_meta("seed").await.unwrap().as_deref(), Some("2"));

    let mut tx = store.begin().await.unwrap();
    tx.set_meta("seed", "3").await.unwrap();
    assert_eq!(tx.get_meta("seed").await.unwrap().as_deref(), Some("3"));
    tx.commit().await.unwrap();
    assert_eq!(store.get_meta("seed").await.unwrap().as_deref(), Some("3"));
}

async fn case_tx_rollback_and_commit(store: Store) {
    let store = at(store, 1_000);

    // Explicit rollback.
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.backend(), store.backend());
    tx.set_meta("listing", "created").await.unwrap();
    tx.push_outbox(
        "LISTINGS_ITEM_STATUS_CHANGE",
        Some("S1"),
        &json!({"sku": "A"}),
    )
    .await
    .unwrap();
    tx.enqueue_job("report.process", 2_000, &json!({"reportId": "1"}))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(store.get_meta("listing").await.unwrap(), None);
    assert!(store.pending_outbox(10).await.unwrap().is_empty());
    assert_eq!(store.next_job_due().await.unwrap(), None);

    // Dropping without commit rolls back as well.
    {
        let mut tx = store.begin().await.unwrap();
        tx.push_outbox("ORDER_CHANGE", None, &json!({}))
            .await
            .unwrap();
        tx.enqueue_job("noop", 0, &json!(null)).await.unwrap();
    }
    assert!(store.pending_outbox(10).await.unwrap().is_empty());
    assert_eq!(store.next_job_due().await.unwrap(), None);

    // Commit keeps the write and both of its consequences.
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.now_us(), 1_000);
    tx.set_meta("listing", "created").await.unwrap();
    let event = tx
        .push_outbox(
            "LISTINGS_ITEM_STATUS_CHANGE",
            Some("S1"),
            &json!({"sku": "A"}),
        )
        .await
        .unwrap();
    let job = tx
        .enqueue_job("report.process", 2_000, &json!({"reportId": "1"}))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    assert_eq!(
        store.get_meta("listing").await.unwrap().as_deref(),
        Some("created")
    );
    let outbox = store.pending_outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].id, event);
    assert_eq!(outbox[0].topic, "LISTINGS_ITEM_STATUS_CHANGE");
    assert_eq!(outbox[0].seller_id.as_deref(), Some("S1"));
    assert_eq!(outbox[0].payload, json!({"sku": "A"}));
    assert_eq!(outbox[0].created_at_us, 1_000);
    assert_eq!(outbox[0].delivered_at_us, None);

    let stored = store
        .get_job(job)
        .await
        .unwrap()
        .expect("the committed job");
    assert_eq!(stored.kind, "report.process");
    assert_eq!(stored.run_at_us, 2_000);
    assert_eq!(stored.payload, json!({"reportId": "1"}));
    assert_eq!(stored.state, JobState::Pending);
    assert_eq!(stored.attempts, 0);
    assert_eq!(stored.created_at_us, 1_000);
    assert_eq!(store.next_job_due().await.unwrap(), Some(2_000));
}

async fn case_claim_respects_run_at_order(store: Store) {
    let store = at(store, 0);
    let a = store
        .enqueue_job("a", 300, &json!({"n": "a"}))
        .await
        .unwrap();
    let b = store
        .enqueue_job("b", 100, &json!({"n": "b"}))
        .await
        .unwrap();
    let c = store
        .enqueue_job("c", 200, &json!({"n": "c"}))
        .await
        .unwrap();
    let d = store
        .enqueue_job("d", 100, &json!({"n": "d"}))
        .await
        .unwrap();
    let future = store
        .enqueue_job("e", 5_000, &json!({"n": "e"}))
        .await
        .unwrap();
    assert_eq!(store.next_job_due().await.unwrap(), Some(100));

    let first = store
        .claim_due_jobs(1_000, 3, "w1", MINUTE_US)
        .await
        .unwrap();
    assert_eq!(ids(&first), vec![b, d, c], "run_at order, then id");
    for job in &first {
        assert_eq!(job.state, JobState::Running);
        assert_eq!(job.locked_by.as_deref(), Some("w1"));
        assert_eq!(job.locked_until_us, Some(1_000 + MINUTE_US));
        assert_eq!(job.attempts, 0);
    }
    assert_eq!(first[0].payload, json!({"n": "b"}));

    let second = store
        .claim_due_jobs(1_000, 10, "w1", MINUTE_US)
        .await
        .unwrap();
    assert_eq!(ids(&second), vec![a], "the future job is not claimed");
    assert!(
        store
            .claim_due_jobs(1_000, 10, "w1", MINUTE_US)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.next_job_due().await.unwrap(), Some(5_000));

    assert!(
        store
            .claim_due_jobs(4_999, 10, "w1", MINUTE_US)
            .await
            .unwrap()
            .is_empty()
    );
    let last = store
        .claim_due_jobs(5_000, 10, "w1", MINUTE_US)
        .await
        .unwrap();
    assert_eq!(ids(&last), vec![future], "run_at == now is due");

    for id in [a, b, c, d, future] {
        store.complete_job(id).await.unwrap();
        assert_eq!(
            store.get_job(id).await.unwrap().unwrap().state,
            JobState::Done
        );
    }
    assert_eq!(store.next_job_due().await.unwrap(), None);
}

async fn case_concurrent_claimers_never_share_a_job(store: Store) {
    const JOBS: usize = 50;
    const CLAIMERS_PER_HANDLE: usize = 2;
    let store = at(store, 0);
    let mut all = BTreeSet::new();
    for n in 0..JOBS {
        let id = store
            .enqueue_job("parallel", (n % 5) as i64, &json!({ "n": n }))
            .await
            .unwrap();
        all.insert(id);
    }

    // Two handles: on PostgreSQL and on a SQLite file two pools, as two instances would have.
    let other = second_handle(&store).await;
    let handles = [store.clone(), other.clone()];
    let start = Arc::new(tokio::sync::Barrier::new(
        handles.len() * CLAIMERS_PER_HANDLE,
    ));
    let mut tasks = Vec::new();
    for (h, handle) in handles.iter().enumerate() {
        for t in 0..CLAIMERS_PER_HANDLE {
            let handle = handle.clone();
            let start = start.clone();
            let worker = format!("worker-{h}-{t}");
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                let mut claimed = Vec::new();
                loop {
                    let batch = handle
                        .claim_due_jobs(10, 4, &worker, MINUTE_US)
                        .await
                        .unwrap();
                    if batch.is_empty() {
                        break claimed;
                    }
                    assert!(
                        batch
                            .iter()
                            .all(|j| j.locked_by.as_deref() == Some(worker.as_str()))
                    );
                    claimed.extend(ids(&batch));
                    tokio::task::yield_now().await;
                }
            }));
        }
    }

    let mut seen = BTreeSet::new();
    let mut total = 0;
    for task in tasks {
        let claimed = task.await.unwrap();
        total += claimed.len();
        for id in claimed {
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(total, JOBS);
    assert_eq!(seen, all);
    assert!(
        store
            .claim_due_jobs(10, 100, "late", MINUTE_US)
            .await
            .unwrap()
            .is_empty()
    );
    if !matches!(store.config(), StoreConfig::SqliteMemory) {
        other.close().await;
    }
}

async fn case_fail_job_retry(store: Store) {
    let store = at(store, 0);
    let id = store
        .enqueue_job("feed.process", 100, &json!({}))
        .await
        .unwrap();
    let claimed = store
        .claim_due_jobs(100, 10, "w1", MINUTE_US)
        .await
        .unwrap();
    assert_eq!(ids(&claimed), vec![id]);

    store.fail_job(id, "boom", Some(500)).await.unwrap();
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Pending);
    assert_eq!(job.attempts, 1);
    assert_eq!(job.last_error.as_deref(), Some("boom"));
    assert_eq!(job.run_at_us, 500);
    assert_eq!(job.locked_by, None);
    assert_eq!(job.locked_until_us, None);
    assert_eq!(store.next_job_due().await.unwrap(), Some(500));

    assert!(
        store
            .claim_due_jobs(499, 10, "w1", MINUTE_US)
            .await
            .unwrap()
            .is_empty()
    );
    let retried = store
        .claim_due_jobs(500, 10, "w2", MINUTE_US)
        .await
        .unwrap();
    assert_eq!(ids(&retried), vec![id]);
    assert_eq!(retried[0].attempts, 1);

    // Without a retry time the job fails for good.
    store.fail_job(id, "fatal", None).await.unwrap();
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Failed);
    assert_eq!(job.attempts, 2);
    assert_eq!(job.last_error.as_deref(), Some("fatal"));
    assert_eq!(store.next_job_due().await.unwrap(), None);
    assert!(
        store
            .claim_due_jobs(i64::MAX / 2, 10, "w1", MINUTE_US)
            .await
            .unwrap()
            .is_empty()
    );

    // Transitions from the wrong state, and unknown ids.
    assert!(matches!(
        store.complete_job(id).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.fail_job(id, "x", None).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.complete_job(9_999).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.fail_job(9_999, "x", None).await,
        Err(StoreError::NotFound(_))
    ));
    let pending = store
        .enqueue_job("pending", 1_000, &json!({}))
        .await
        .unwrap();
    assert!(matches!(
        store.complete_job(pending).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn case_expired_lease_is_reclaimed(store: Store) {
    let store = at(store, 0);
    let id = store
        .enqueue_job("inbound.plan", 0, &json!({"plan": 1}))
        .await
        .unwrap();
    let first = store.claim_due_jobs(100, 10, "w1", 1_000).await.unwrap();
    assert_eq!(ids(&first), vec![id]);
    assert_eq!(first[0].locked_until_us, Some(1_100));
    assert_eq!(
        store.next_job_due().await.unwrap(),
        Some(1_100),
        "wakes up at lease end"
    );

    assert!(
        store
            .claim_due_jobs(1_099, 10, "w2", 1_000)
            .await
            .unwrap()
            .is_empty()
    );
    let reclaimed = store.claim_due_jobs(1_100, 10, "w2", 1_000).await.unwrap();
    assert_eq!(ids(&reclaimed), vec![id]);
    let job = &reclaimed[0];
    assert_eq!(job.state, JobState::Running);
    assert_eq!(job.locked_by.as_deref(), Some("w2"));
    assert_eq!(job.locked_until_us, Some(2_100));
    assert_eq!(
        job.attempts, 1,
        "an expired lease counts as a failed attempt"
    );
    assert!(job.last_error.as_deref().unwrap().contains("lease expired"));
    assert_eq!(job.payload, json!({"plan": 1}));

    store.complete_job(id).await.unwrap();
    let job = store.get_job(id).await.unwrap().unwrap();
    assert_eq!(job.state, JobState::Done);
    assert_eq!(job.locked_by, None);
    assert_eq!(job.locked_until_us, None);
    assert_eq!(store.next_job_due().await.unwrap(), None);
    assert!(
        store
            .claim_due_jobs(i64::MAX / 2, 10, "w3", 1_000)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn case_outbox_order_and_delivery(store: Store) {
    let store = at(store, 7);
    let first = store
        .push_outbox("ORDER_CHANGE", Some("S1"), &json!({"order": 1}))
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let second = tx
        .push_outbox("ORDER_CHANGE", Some("S2"), &json!({"order": 2}))
        .await
        .unwrap();
    let third = tx
        .push_outbox("EMULATOR", None, &json!([1, 2, 3]))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(first < second && second < third);

    let pending = store.pending_outbox(10).await.unwrap();
    assert_eq!(
        pending.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![first, second, third]
    );
    assert_eq!(pending[1].seller_id.as_deref(), Some("S2"));
    assert_eq!(pending[2].seller_id, None);
    assert_eq!(pending[2].payload, json!([1, 2, 3]));
    assert!(
        pending
            .iter()
            .all(|e| e.created_at_us == 7 && e.delivered_at_us.is_none())
    );

    let limited = store.pending_outbox(2).await.unwrap();
    assert_eq!(
        limited.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![first, second]
    );

    store.mark_delivered(second, 777).await.unwrap();
    let pending = store.pending_outbox(10).await.unwrap();
    assert_eq!(
        pending.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![first, third]
    );

    // Marking again is a no-op; an unknown id is NotFound.
    store.mark_delivered(second, 888).await.unwrap();
    assert!(matches!(
        store.mark_delivered(9_999, 1).await,
        Err(StoreError::NotFound(_))
    ));

    store.mark_delivered(first, 778).await.unwrap();
    store.mark_delivered(third, 779).await.unwrap();
    assert!(store.pending_outbox(10).await.unwrap().is_empty());
}

async fn case_request_log_newest_first(store: Store) {
    let entry = |request_id: &str, at_us: i64, status: u16| TrafficEntry {
        id: 0,
        request_id: request_id.to_owned(),
        at_us,
        method: "GET".to_owned(),
        path: "/orders/v0/orders".to_owned(),
        operation_id: Some("getOrders".to_owned()),
        status,
        seller_id: Some("S1".to_owned()),
        app_id: Some("amzn1.sp.solution.app".to_owned()),
        duration_us: 1_234,
        ..Default::default()
    };
    store
        .log_traffic(&[
            entry("r1", 300, 200),
            entry("r2", 100, 429),
            TrafficEntry {
                operation_id: None,
                seller_id: None,
                app_id: None,
                method: "POST".to_owned(),
                path: "/auth/o2/token".to_owned(),
                ..entry("r3", 300, 400)
            },
        ])
        .await
        .unwrap();

    let newest = |limit| TrafficQuery {
        limit,
        ..Default::default()
    };
    let recent = store.traffic(&newest(10)).await.unwrap();
    assert_eq!(
        recent
            .iter()
            .map(|e| e.request_id.as_str())
            .collect::<Vec<_>>(),
        vec!["r3", "r2", "r1"],
        "the latest logged first"
    );
    assert_eq!(
        recent[2],
        TrafficEntry {
            id: recent[2].id,
            ..entry("r1", 300, 200)
        }
    );
    assert_eq!(recent[0].operation_id, None);
    assert_eq!(recent[0].status, 400);
    assert_eq!(recent[0].method, "POST");
    assert_eq!(recent[1].status, 429);

    let one = store.traffic(&newest(1)).await.unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].request_id, "r3");
}

async fn case_request_log_keeps_the_newest(store: Store) {
    let entries: Vec<TrafficEntry> = (0..30)
        .map(|i| TrafficEntry {
            request_id: format!("r{i}"),
            at_us: i,
            method: "GET".to_owned(),
            path: "/sellers/v1/marketplaceParticipations".to_owned(),
            status: 200,
            ..Default::default()
        })
        .collect();
    store.log_traffic(&entries).await.unwrap();
    assert_eq!(store.trim_traffic(10).await.unwrap(), 20);
    let left = store
        .traffic(&TrafficQuery {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let ids: Vec<&str> = left.iter().map(|e| e.request_id.as_str()).collect();
    let want: Vec<String> = (20..30).rev().map(|i| format!("r{i}")).collect();
    assert_eq!(ids, want);
    // Under the bound nothing goes; an empty log trims to nothing.
    assert_eq!(store.trim_traffic(10).await.unwrap(), 0);
    assert_eq!(store.trim_traffic(100).await.unwrap(), 0);
}

async fn case_reset_empties_the_world(store: Store) {
    let store = at(store, 0);
    store.set_meta("seed", "42").await.unwrap();
    let job = store.enqueue_job("a", 0, &json!({})).await.unwrap();
    store.enqueue_job("b", 0, &json!({})).await.unwrap();
    store.push_outbox("T", None, &json!({})).await.unwrap();
    store.push_outbox("T", None, &json!({})).await.unwrap();
    store
        .log_traffic(&[TrafficEntry {
            request_id: "r".into(),
            at_us: 1,
            method: "GET".into(),
            path: "/".into(),
            status: 200,
            duration_us: 1,
            ..Default::default()
        }])
        .await
        .unwrap();

    store.reset().await.unwrap();

    assert_eq!(store.get_meta("seed").await.unwrap(), None);
    assert_eq!(
        store.get_meta("schema.version").await.unwrap().as_deref(),
        Some(SCHEMA_VERSION),
        "schema information survives a reset"
    );
    assert_eq!(store.get_job(job).await.unwrap(), None);
    assert_eq!(store.next_job_due().await.unwrap(), None);
    assert!(store.pending_outbox(10).await.unwrap().is_empty());
    assert!(
        store
            .traffic(&TrafficQuery {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
    );

    // Ids restart, as in a brand-new world.
    assert_eq!(store.enqueue_job("a", 0, &json!({})).await.unwrap(), 1);
    assert_eq!(store.push_outbox("T", None, &json!({})).await.unwrap(), 1);
}

async fn case_apps_sellers_and_tokens(store: Store) {
    use spapi_server::store::{AppRecord, AuthCodeRecord, NewAccessToken, SellerRecord, TokenKind};
    let app = AppRecord {
        application_id: "amzn1.sellerapps.app.1".into(),
        name: "App".into(),
        client_id: "amzn1.application-oa2-client.1".into(),
        client_secret_hash: "h1".into(),
        redirect_uris: vec!["https://a.example.com/cb".into()],
        roles: vec!["Pricing".into()],
        draft: true,
        hybrid: false,
        created_at_us: 5,
    };
    store.insert_app(&app).await.unwrap();
    assert_eq!(
        store.get_app(&app.application_id).await.unwrap().as_ref(),
        Some(&app)
    );
    assert_eq!(
        store
            .get_app_by_client_id(&app.client_id)
            .await
            .unwrap()
            .as_ref(),
        Some(&app)
    );
    assert!(matches!(
        store.insert_app(&app).await,
        Err(StoreError::Conflict(_))
    ));
    let seller = SellerRecord {
        selling_partner_id: "A1SELLER".into(),
        name: "S".into(),
        email: "s@example.com".into(),
        password_hash: "$argon2id$x".into(),
        region: "NA".into(),
        marketplace_ids: vec!["ATVPDKIKX0DER".into()],
        created_at_us: 6,
    };
    store.insert_seller(&seller).await.unwrap();
    assert_eq!(
        store
            .get_seller_by_email("S@Example.com")
            .await
            .unwrap()
            .as_ref(),
        Some(&seller)
    );
    let roles = vec!["Pricing".to_string()];
    let auth_id = store
        .insert_authorization("amzn1.sellerapps.app.1", "A1SELLER", &roles, "rt", 10, 100)
        .await
        .unwrap();
    let found = store
        .authorization_by_refresh_token("rt")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.id, found.roles.clone(), found.revoked_at_us),
        (auth_id, roles.clone(), None)
    );

    // A code is taken once.
    let code = AuthCodeRecord {
        application_id: app.application_id.clone(),
        selling_partner_id: seller.selling_partner_id.clone(),
        roles: roles.clone(),
        redirect_uri: Some("https://a.example.com/cb".into()),
        expires_at_us: 50,
    };
    store.insert_auth_code("ch", &code).await.unwrap();
    assert_eq!(store.take_auth_code("ch", 20).await.unwrap(), Some(code));
    assert_eq!(store.take_auth_code("ch", 21).await.unwrap(), None);

    // The token check reads token, authorization and seller in one query.
    let resources = json!([{"method": "GET", "path": "/x", "dataElements": []}]);
    for (hash, kind, authz, scope, restricted) in [
        ("t1", TokenKind::Seller, Some(auth_id), None, None),
        (
            "t2",
            TokenKind::Grantless,
            None,
            Some("sellingpartnerapi::notifications"),
            None,
        ),
        ("t3", TokenKind::Rdt, Some(auth_id), None, Some(&resources)),
    ] {
        store
            .insert_access_token(&NewAccessToken {
                token_hash: hash,
                kind,
                application_id: &app.application_id,
                authorization_id: authz,
                scope,
                restricted,
                created_at_us: 10,
                expires_at_us: 70,
            })
            .await
            .unwrap();
    }
    let g = store.token_grant("t1").await.unwrap().unwrap();
    assert_eq!(g.kind, TokenKind::Seller);
    assert_eq!(g.marketplace_ids, vec!["ATVPDKIKX0DER".to_string()]);
    assert_eq!(
        g.authorization.as_ref().unwrap().selling_partner_id,
        "A1SELLER"
    );
    let g = store.token_grant("t2").await.unwrap().unwrap();
    assert_eq!(
        (g.kind, g.scope.as_deref(), g.authorization),
        (
            TokenKind::Grantless,
            Some("sellingpartnerapi::notifications"),
            None
        )
    );
    let g = store.token_grant("t3").await.unwrap().unwrap();
    assert_eq!(g.restricted, Some(resources.clone()));
    assert_eq!(store.token_grant("nope").await.unwrap(), None);

    // Revocation is seen by the token check.
    assert_eq!(
        store
            .revoke_authorizations(&app.application_id, "A1SELLER", 30)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .revoke_authorizations(&app.application_id, "A1SELLER", 31)
            .await
            .unwrap(),
        0
    );
    let g = store.token_grant("t1").await.unwrap().unwrap();
    assert_eq!(g.authorization.unwrap().revoked_at_us, Some(30));
    assert_eq!(store.purge_expired_tokens(71).await.unwrap(), 3);
    assert_eq!(
        store
            .authorizations_of_seller("A1SELLER")
            .await
            .unwrap()
            .len(),
        1
    );
    store.reset().await.unwrap();
    assert!(store.list_apps().await.unwrap().is_empty());
    assert!(store.list_sellers().await.unwrap().is_empty());
}

fn ids(jobs: &[spapi_server::store::Job]) -> Vec<i64> {
    jobs.iter().map(|j| j.id).collect()
}

// ---------------------------------------------------------------------------------------------
// Backend-independent
// ---------------------------------------------------------------------------------------------

#[test]
fn store_config_parses_locations() {
    let parse = |s: &str| s.parse::<StoreConfig>().unwrap();
    assert_eq!(parse("sqlite::memory:"), StoreConfig::SqliteMemory);
    assert_eq!(parse(":memory:"), StoreConfig::SqliteMemory);
    assert_eq!(
        parse("sqlite:///var/lib/spapi/spapi.db"),
        StoreConfig::SqliteFile("/var/lib/spapi/spapi.db".into())
    );
    assert_eq!(
        parse("sqlite:data/spapi.db"),
        StoreConfig::SqliteFile("data/spapi.db".into())
    );
    assert_eq!(
        parse("spapi.db"),
        StoreConfig::SqliteFile("spapi.db".into())
    );
    assert_eq!(
        parse("postgres://u:p@db:5432/spapi"),
        StoreConfig::Postgres("postgres://u:p@db:5432/spapi".into())
    );
    assert!("".parse::<StoreConfig>().is_err());
    assert!("sqlite://x.db?mode=ro".parse::<StoreConfig>().is_err());
}

#[test]
fn store_config_hides_passwords() {
    let config =
        StoreConfig::Postgres("postgresql://spapi:s3cret@db:5432/spapi?sslmode=require".into());
    assert_eq!(
        config.to_string(),
        "postgresql://spapi:***@db:5432/spapi?sslmode=require"
    );
    assert!(!format!("{config:?}").contains("s3cret"));
    let no_password = StoreConfig::Postgres("postgres://postgres@127.0.0.1/test".into());
    assert_eq!(
        no_password.to_string(),
        "postgres://postgres@127.0.0.1/test"
    );
}

#[test]
fn with_database_replaces_the_path() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
}
