//! Persistence: SQLite (the default, embedded) and PostgreSQL behind one query layer.
//!
//! # Design
//!
//! - [`Store`] is a cheap-to-clone handle over a native pool of either backend. sqlx's `Any`
//!   driver is not used: it lacks json/uuid/timestamptz, and the native drivers let each backend
//!   use its own strengths (`FOR UPDATE SKIP LOCKED`, `TRUNCATE`) where it matters.
//! - One query layer: each query is written once with `$1, $2` placeholders and run through
//!   `on_conn!`, which compiles the same body against each driver. Where the backends really
//!   differ, the difference is local and commented.
//! - [`StoreTx`] is one transaction. A domain write and the events it causes (outbox rows, jobs)
//!   go through the same `StoreTx`, so they commit or roll back together.
//! - Times are `i64` epoch microseconds, JSON documents are stored as text, ids are `i64`
//!   assigned by the database (never reused, restarting at 1 after [`Store::reset`]).
//! - The store never reads the system time on its own for anything that matters: callers pass
//!   "now" where it decides behavior ([`Store::claim_due_jobs`]); bookkeeping stamps
//!   (`created_at`) come from the store's time source, which the server points at its clock
//!   ([`Store::with_time_source`]).
//!
//! # Adding a table
//!
//! Add it to both migration directories (see the `migrate` module), give it a module here with
//! its row struct and queries, and list it in `WORLD_TABLES` unless it survives a reset.

mod auth;
pub mod awd;
mod catalog;
mod conn;
pub mod documents;
mod error;
pub mod fba;
pub mod feeds;
pub mod finances;
pub mod inbound;
pub mod invoices;
mod jobs;
pub mod mcf;
mod meta;
mod migrate;
pub mod notify;
mod outbox;
pub mod reports;
pub mod services;
pub mod shipping;
pub mod supply;
pub mod traffic;
mod world;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

pub use auth::{
    AppRecord, AuthCodeRecord, AuthorizationRecord, NewAccessToken, SellerRecord, TokenGrant,
    TokenKind,
};
pub use catalog::{CatalogItemRow, CatalogQuery, CatalogSearch, ListingDoc, ListingQuery};
pub(crate) use conn::{Conn, on_conn};
pub use error::StoreError;
pub use jobs::{Job, JobState};
pub use outbox::OutboxEntry;
pub use world::{ListingRow, OrderQuery, OrderRow};

/// How long a SQLite connection waits for another writer before failing with `SQLITE_BUSY`.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Maximum connections of a SQLite file pool (readers run concurrently in WAL mode; writers are
/// serialized by SQLite itself).
const SQLITE_FILE_MAX_CONNECTIONS: u32 = 8;

/// Maximum connections of a PostgreSQL pool, per instance.
const POSTGRES_MAX_CONNECTIONS: u32 = 10;

/// Tables holding the simulated world, emptied by [`Store::reset`]. Children before parents, so
/// that a plain `DELETE` per table satisfies foreign keys.
const WORLD_TABLES: &[&str] = &[
    "service_jobs",
    "service_technicians",
    "service_schedules",
    "service_reservations",
    "service_uploads",
    "awd_orders",
    "awd_shipments",
    "awd_inventory",
    "awd_auto_replenishment",
    "ship_offers",
    "ship_records",
    "government_invoices",
    "shipment_invoices",
    "invoice_exports",
    "invoices",
    "supply_sources",
    "finance_events",
    "mcf_orders",
    "inbound_plans",
    "inbound_operations",
    "inbound_sku_details",
    "inbound_faults",
    "fba_ledger",
    "fba_researching",
    "fba_stock",
    "fba_idempotency",
    "document_chunks",
    "documents",
    "reports",
    "report_schedules",
    "feeds",
    "notify_deliveries",
    "notify_subscriptions",
    "notify_destinations",
    "orders",
    "listings",
    "catalog_identifiers",
    "catalog_keywords",
    "catalog_items",
    "jobs",
    "outbox",
    "request_log",
    "throttle_buckets",
    // Children before parents (foreign keys).
    "access_tokens",
    "auth_codes",
    "authorizations",
    "sellers",
    "apps",
];

/// The schema version the migrations bring a store to (`meta` key `schema.version`).
pub const SCHEMA_VERSION: &str = "19";

/// `meta` keys with this prefix describe the schema and survive [`Store::reset`].
pub const SCHEMA_META_PREFIX: &str = "schema.";

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// SQLite, embedded (a file or in memory).
    Sqlite,
    /// PostgreSQL, for several instances sharing one world.
    Postgres,
}

impl Backend {
    /// The lowercase name (`"sqlite"` or `"postgres"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a [`Store`] keeps its data.
///
/// Parses from a string ([`FromStr`]): `postgres://...` / `postgresql://...` is PostgreSQL,
/// `sqlite::memory:` or `:memory:` is an in-memory SQLite database, `sqlite://PATH` /
/// `sqlite:PATH` or a bare path is a SQLite file. `Display` and `Debug` hide a password.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// A SQLite database file; it and its parent directory are created if missing.
    SqliteFile(PathBuf),
    /// A private in-memory SQLite database, gone when the store is dropped (tests,
    /// `spapi serve --in-memory`).
    SqliteMemory,
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/database`).
    Postgres(String),
}

impl FromStr for StoreConfig {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(StoreError::Config("empty database location".into()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(StoreConfig::Postgres(s.to_owned()));
        }
        if matches!(s, ":memory:" | "sqlite::memory:" | "sqlite://:memory:") {
            return Ok(StoreConfig::SqliteMemory);
        }
        let path = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
            .unwrap_or(s);
        if path.is_empty() || path.contains('?') {
            return Err(StoreError::Config(format!(
                "unsupported SQLite location {s:?}: give a file path"
            )));
        }
        Ok(StoreConfig::SqliteFile(PathBuf::from(path)))
    }
}

impl fmt::Display for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreConfig::SqliteFile(path) => write!(f, "sqlite://{}", path.display()),
            StoreConfig::SqliteMemory => f.write_str("sqlite::memory:"),
            StoreConfig::Postgres(url) => f.write_str(&redact_password(url)),
        }
    }
}

impl fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreConfig::SqliteFile(path) => f.debug_tuple("SqliteFile").field(path).finish(),
            StoreConfig::SqliteMemory => f.write_str("SqliteMemory"),
            StoreConfig::Postgres(url) => f
                .debug_tuple("Postgres")
                .field(&redact_password(url))
                .finish(),
        }
    }
}

/// `postgres://user:secret@host/db` -> `postgres://user:***@host/db`.
fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?'])
        .map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &authority[..colon],
            &url[scheme_end + at..]
        ),
        _ => url.to_owned(),
    }
}

/// The source of "now" (epoch microseconds) for bookkeeping timestamps; see
/// [`Store::with_time_source`].
pub type TimeSource = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The pool of either backend.
#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A pool connection of either backend.
enum PooledConn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl PooledConn {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            PooledConn::Sqlite(c) => Conn::Sqlite(c),
            PooledConn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// The handle to the emulator's database: a connection pool of either backend.
///
/// Cloning is cheap and clones share the pool. Methods on `Store` run in their own (autocommit or
/// short) transaction; to combine writes atomically use [`Store::begin`].
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    config: Arc<StoreConfig>,
    now: TimeSource,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the store described by `config` and applies pending migrations.
    pub async fn open(config: StoreConfig) -> Result<Store, StoreError> {
        match config {
            StoreConfig::SqliteFile(path) => Store::open_sqlite_file(path).await,
            StoreConfig::SqliteMemory => Store::open_sqlite_in_memory().await,
            StoreConfig::Postgres(url) => Store::open_postgres(&url).await,
        }
    }

    /// Opens (creating it and its parent directory if needed) a SQLite database file in WAL mode
    /// with foreign keys on and a busy timeout, and applies pending migrations.
    pub async fn open_sqlite_file(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL + NORMAL never corrupts the database and never loses a commit on an application
            // crash; only an OS crash or power loss may roll back the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            // A 32 MiB page cache per connection (SQLite's default is 2 MiB): big worlds insert
            // into and read from indexes far larger than the default cache.
            .pragma("cache_size", "-32768");
        let pool = SqlitePoolOptions::new()
            .max_connections(SQLITE_FILE_MAX_CONNECTIONS)
            .connect_with(options)
            .await?;
        Store::init(Pool::Sqlite(pool), StoreConfig::SqliteFile(path.to_owned())).await
    }

    /// Opens a fresh, private in-memory SQLite database and applies the migrations.
    ///
    /// The pool holds exactly one connection that is never recycled (no idle timeout, no maximum
    /// lifetime): a private `:memory:` database lives as long as its connection, and with a single
    /// connection every pool user sees the same database. (The alternative, a named shared-cache
    /// database, brings SQLite's table-level locking errors.) Consequence: operations are
    /// serialized, and a task holding a [`StoreTx`] must not call other `Store` methods before
    /// committing, or it waits for itself until the pool's acquire timeout.
    pub async fn open_sqlite_in_memory() -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Store::init(Pool::Sqlite(pool), StoreConfig::SqliteMemory).await
    }

    /// Connects to PostgreSQL at `url` and applies pending migrations (under an advisory lock,
    /// so several instances may start at once).
    pub async fn open_postgres(url: &str) -> Result<Store, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(POSTGRES_MAX_CONNECTIONS)
            .connect(url)
            .await?;
        Store::init(Pool::Postgres(pool), StoreConfig::Postgres(url.to_owned())).await
    }

    async fn init(pool: Pool, config: StoreConfig) -> Result<Store, StoreError> {
        match &pool {
            Pool::Sqlite(p) => migrate::migrator(Backend::Sqlite).run(p).await?,
            Pool::Postgres(p) => migrate::migrator(Backend::Postgres).run(p).await?,
        }
        Ok(Store {
            pool,
            config: Arc::new(config),
            now: Arc::new(system_now_us),
        })
    }

    /// Replaces the source of "now" used for bookkeeping timestamps (`created_at` of jobs and
    /// outbox entries, [`StoreTx::now_us`]). The server passes its clock here so that simulated
    /// time is what gets stored; the default reads the system clock.
    pub fn with_time_source(mut self, now_us: impl Fn() -> i64 + Send + Sync + 'static) -> Store {
        self.now = Arc::new(now_us);
        self
    }

    /// The current time of the store's time source, in epoch microseconds.
    pub fn now_us(&self) -> i64 {
        (self.now)()
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The configuration this store was opened with (e.g. to open a second pool on the same
    /// database, or to log where the data lives: its `Display` hides passwords).
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        on_conn!(pc.conn(), |c| {
            sqlx::query("SELECT 1").execute(c).await?;
        });
        Ok(())
    }

    /// Closes the pool, waiting for checked-out connections to be returned. Other clones of this
    /// store become unusable. (For an in-memory database this discards the data.)
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Starts a transaction.
    ///
    /// On SQLite this is `BEGIN IMMEDIATE`: the write lock is taken up front, so a transaction
    /// that reads and then writes waits for other writers (busy timeout) instead of failing with
    /// `SQLITE_BUSY` when it tries to upgrade. On PostgreSQL it is a plain `BEGIN` (READ
    /// COMMITTED); queries that must not race take row locks.
    pub async fn begin(&self) -> Result<StoreTx, StoreError> {
        let tx = match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        };
        Ok(StoreTx {
            tx,
            now_us: self.now_us(),
        })
    }

    /// Empties the world in one transaction: every world table (jobs, outbox, request log, and
    /// the tables of the seller world as they are added) and every `meta`
    /// key except those starting with [`SCHEMA_META_PREFIX`]. Ids restart at 1.
    pub async fn reset(&self) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        reset_world(tx.conn()).await?;
        tx.commit().await
    }

    /// A connection from the pool, for one autocommit operation.
    async fn acquire(&self) -> Result<PooledConn, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => PooledConn::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => PooledConn::Postgres(p.acquire().await?),
        })
    }
}

/// The default time source. The only place the store reads the system clock.
fn system_now_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

async fn reset_world(mut conn: Conn<'_>) -> Result<(), StoreError> {
    let tables = WORLD_TABLES.join(", ");
    match conn.reborrow() {
        // Backend difference: PostgreSQL truncates and restarts the identity sequences in one
        // statement.
        Conn::Postgres(c) => {
            sqlx::query(AssertSqlSafe(format!(
                "TRUNCATE TABLE {tables} RESTART IDENTITY"
            )))
            .execute(&mut *c)
            .await?;
        }
        // Backend difference: SQLite has no TRUNCATE; delete the rows and the AUTOINCREMENT
        // counters kept in sqlite_sequence.
        Conn::Sqlite(c) => {
            for table in WORLD_TABLES {
                sqlx::query(AssertSqlSafe(format!("DELETE FROM {table}")))
                    .execute(&mut *c)
                    .await?;
            }
            let names = WORLD_TABLES
                .iter()
                .map(|t| format!("'{t}'"))
                .collect::<Vec<_>>()
                .join(", ");
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM sqlite_sequence WHERE name IN ({names})"
            )))
            .execute(&mut *c)
            .await?;
        }
    }
    meta::delete_world_keys(conn).await
}

/// The transaction of either backend.
enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// One database transaction on either backend.
///
/// Everything done through a `StoreTx` becomes visible at [`StoreTx::commit`] and is discarded by
/// [`StoreTx::rollback`] or by dropping the `StoreTx` without committing. Domain writes and the
/// events they cause ([`StoreTx::push_outbox`], [`StoreTx::enqueue_job`]) belong in the same
/// `StoreTx`.
pub struct StoreTx {
    tx: Tx,
    now_us: i64,
}

impl fmt::Debug for StoreTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreTx")
            .field("backend", &self.backend())
            .field("now_us", &self.now_us)
            .finish_non_exhaustive()
    }
}

impl StoreTx {
    /// The backend of this transaction.
    pub fn backend(&self) -> Backend {
        match self.tx {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// The store's time when the transaction began, in epoch microseconds. Every bookkeeping
    /// timestamp written by this transaction uses it (like PostgreSQL's `now()`).
    pub fn now_us(&self) -> i64 {
        self.now_us
    }

    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.tx {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Rolls the transaction back (dropping a `StoreTx` does the same).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.tx {
            Tx::Sqlite(tx) => tx.rollback().await?,
            Tx::Postgres(tx) => tx.rollback().await?,
        }
        Ok(())
    }

    /// The transaction's connection, for queries of other server modules.
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.tx {
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
            Tx::Postgres(tx) => Conn::Postgres(tx),
        }
    }
}
