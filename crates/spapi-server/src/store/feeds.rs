//! `feeds`: the Feeds API's jobs as the API shows them. Processing runs as `jobs` rows; the
//! state columns and the getFeeds search are shared with reports ([`super::reports`]).

use serde_json::Value;
use sqlx::AssertSqlSafe;

use super::reports::{Bind, JobQuery, job_query_sql, json_list, json_opt, run_binds};
use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// The public feedId of store id `id`.
pub fn feed_public_id(id: i64) -> String {
    (51_000_000_000 + id).to_string()
}

/// The store id of a public feedId.
pub fn feed_store_id(public: &str) -> Option<i64> {
    public
        .parse::<i64>()
        .ok()
        .map(|n| n - 51_000_000_000)
        .filter(|n| *n > 0)
}

/// A row of `feeds`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRow {
    /// Store id ([`feed_public_id`] gives the feedId).
    pub id: i64,
    /// The seller.
    pub seller_id: String,
    /// `JSON_LISTINGS_FEED`, `POST_...`.
    pub feed_type: String,
    /// Marketplaces.
    pub marketplace_ids: Vec<String>,
    /// `feedOptions`.
    pub options: Option<Value>,
    /// The uploaded feed document.
    pub input_document_id: String,
    /// `IN_QUEUE`, `IN_PROGRESS`, `DONE`, `CANCELLED`, `FATAL`.
    pub status: String,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
    /// Processing start, epoch µs.
    pub processing_start_us: Option<i64>,
    /// Processing end, epoch µs.
    pub processing_end_us: Option<i64>,
    /// The processing report.
    pub result_document_id: Option<String>,
}

type FeedTuple = (
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

const FEED_COLUMNS: &str = "id, seller_id, feed_type, marketplace_ids, options, \
    input_document_id, status, created_at, processing_start, processing_end, result_document_id";

fn feed_from(t: FeedTuple) -> Result<FeedRow, StoreError> {
    Ok(FeedRow {
        id: t.0,
        seller_id: t.1,
        feed_type: t.2,
        marketplace_ids: json_list(&t.3)?,
        options: json_opt(t.4)?,
        input_document_id: t.5,
        status: t.6,
        created_at_us: t.7,
        processing_start_us: t.8,
        processing_end_us: t.9,
        result_document_id: t.10,
    })
}

async fn insert_feed(conn: Conn<'_>, f: &FeedRow) -> Result<i64, StoreError> {
    let mps = serde_json::to_string(&f.marketplace_ids).unwrap_or_default();
    let opts = f.options.as_ref().map(Value::to_string);
    Ok(on_conn!(conn, |c| {
        sqlx::query_scalar(
            "INSERT INTO feeds (seller_id, feed_type, marketplace_ids, options, \
             input_document_id, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(&f.seller_id)
        .bind(&f.feed_type)
        .bind(&mps)
        .bind(opts.as_deref())
        .bind(&f.input_document_id)
        .bind(&f.status)
        .bind(f.created_at_us)
        .fetch_one(c)
        .await?
    }))
}

async fn get_feed(conn: Conn<'_>, id: i64) -> Result<Option<FeedRow>, StoreError> {
    let sql = format!("SELECT {FEED_COLUMNS} FROM feeds WHERE id = $1");
    let row: Option<FeedTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    row.map(feed_from).transpose()
}

impl Store {
    /// One feed by store id.
    pub async fn get_feed(&self, id: i64) -> Result<Option<FeedRow>, StoreError> {
        get_feed(self.acquire().await?.conn(), id).await
    }

    /// A page of a getFeeds search, newest first.
    pub async fn query_feeds(&self, q: &JobQuery) -> Result<Vec<FeedRow>, StoreError> {
        let (sql, binds) = job_query_sql("feeds", "feed_type", FEED_COLUMNS, q);
        let rows: Vec<FeedTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            run_binds!(sqlx::query_as(AssertSqlSafe(sql)), &binds)
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(feed_from).collect()
    }
}

impl StoreTx {
    /// Inserts a feed; returns its store id.
    pub async fn insert_feed(&mut self, f: &FeedRow) -> Result<i64, StoreError> {
        insert_feed(self.conn(), f).await
    }

    /// One feed, as this transaction sees it.
    pub async fn get_feed(&mut self, id: i64) -> Result<Option<FeedRow>, StoreError> {
        get_feed(self.conn(), id).await
    }
}
