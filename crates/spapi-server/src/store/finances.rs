//! Financial events (`finance_events`): one row per event the world posts, with the Finances v0
//! event document, and the settlement groups computed from them.

use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// One posted financial event.
#[derive(Debug, Clone, PartialEq)]
pub struct FinanceEventRow {
    /// Store id (0 before insertion; paging key tiebreaker).
    pub id: i64,
    /// The seller.
    pub seller_id: String,
    /// Marketplace of the order.
    pub marketplace_id: String,
    /// Currency of every amount of the event.
    pub currency: String,
    /// The order.
    pub amazon_order_id: String,
    /// `Shipment` or `Refund`.
    pub kind: String,
    /// The settlement group it falls in.
    pub group_id: String,
    /// Start of the group's cycle, epoch µs.
    pub group_start_us: i64,
    /// When it was posted, epoch µs.
    pub posted_at_us: i64,
    /// The sum of its amounts, minor units.
    pub total: i64,
    /// The Finances v0 event document (`ShipmentEvent`).
    pub doc: serde_json::Value,
}

/// Which events to read, in posting order (time, then id).
#[derive(Debug, Clone)]
pub struct FinanceEventQuery {
    /// The seller.
    pub seller_id: String,
    /// Posted at or after this time (epoch µs).
    pub posted_from_us: i64,
    /// Posted before this time (epoch µs).
    pub posted_to_us: i64,
    /// Only this order (empty: every order).
    pub order_id: String,
    /// Only this group (empty: every group).
    pub group_id: String,
    /// Keyset: only events after this (posted time, id).
    pub after: (i64, i64),
    /// Page size.
    pub limit: i64,
}

/// A settlement group as its events make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinanceGroupRow {
    /// `FinancialEventGroupId`.
    pub group_id: String,
    /// Currency.
    pub currency: String,
    /// Start of the cycle, epoch µs.
    pub group_start_us: i64,
    /// The sum of its events, minor units.
    pub total: i64,
}

const COLUMNS: &str = "id, seller_id, marketplace_id, currency, amazon_order_id, kind, group_id, \
    group_start, posted_at, total, doc";

type Tuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
);

fn from(t: Tuple) -> Result<FinanceEventRow, StoreError> {
    Ok(FinanceEventRow {
        id: t.0,
        seller_id: t.1,
        marketplace_id: t.2,
        currency: t.3,
        amazon_order_id: t.4,
        kind: t.5,
        group_id: t.6,
        group_start_us: t.7,
        posted_at_us: t.8,
        total: t.9,
        doc: serde_json::from_str(&t.10).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    })
}

async fn insert(conn: Conn<'_>, e: &FinanceEventRow) -> Result<(), StoreError> {
    let doc = e.doc.to_string();
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO finance_events (seller_id, marketplace_id, currency, amazon_order_id, \
             kind, group_id, group_start, posted_at, total, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&e.seller_id)
        .bind(&e.marketplace_id)
        .bind(&e.currency)
        .bind(&e.amazon_order_id)
        .bind(&e.kind)
        .bind(&e.group_id)
        .bind(e.group_start_us)
        .bind(e.posted_at_us)
        .bind(e.total)
        .bind(&doc)
        .execute(c)
        .await?;
        Ok(())
    })
}

impl StoreTx {
    /// Posts a financial event in this transaction.
    pub async fn insert_finance_event(&mut self, e: &FinanceEventRow) -> Result<(), StoreError> {
        insert(self.conn(), e).await
    }
}

impl Store {
    /// A page of a seller's financial events in posting order.
    pub async fn finance_events(
        &self,
        q: &FinanceEventQuery,
    ) -> Result<Vec<FinanceEventRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM finance_events WHERE seller_id = $1 AND posted_at >= $2 \
             AND posted_at < $3 AND ($4 = '' OR amazon_order_id = $4) \
             AND ($5 = '' OR group_id = $5) \
             AND (posted_at > $6 OR (posted_at = $6 AND id > $7)) \
             ORDER BY posted_at, id LIMIT $8"
        );
        let mut pc = self.acquire().await?;
        let rows: Vec<Tuple> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(&q.seller_id)
                .bind(q.posted_from_us)
                .bind(q.posted_to_us)
                .bind(&q.order_id)
                .bind(&q.group_id)
                .bind(q.after.0)
                .bind(q.after.1)
                .bind(q.limit)
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(from).collect()
    }

    /// A seller's settlement groups whose cycle starts in `[from, to)` (epoch µs), by start.
    pub async fn finance_groups(
        &self,
        seller_id: &str,
        from_us: i64,
        to_us: i64,
    ) -> Result<Vec<FinanceGroupRow>, StoreError> {
        let mut pc = self.acquire().await?;
        let rows: Vec<(String, String, i64, i64)> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(
                "SELECT group_id, currency, group_start, CAST(SUM(total) AS BIGINT) \
                 FROM finance_events WHERE seller_id = $1 AND group_start >= $2 \
                 AND group_start < $3 GROUP BY group_id, currency, group_start \
                 ORDER BY group_start, group_id",
            )
            .bind(seller_id)
            .bind(from_us)
            .bind(to_us)
            .fetch_all(c)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(group_id, currency, group_start_us, total)| FinanceGroupRow {
                    group_id,
                    currency,
                    group_start_us,
                    total,
                },
            )
            .collect())
    }
}
