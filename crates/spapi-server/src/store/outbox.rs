//! `outbox`: events caused by writes, waiting for delivery to notification destinations.
//!
//! An event is pushed in the transaction of the write that causes it, so the write and its
//! event commit together; the notifier reads pending entries in id order, delivers them and
//! marks them delivered. Delivery is at least once: an entry delivered just before a crash, or
//! read by two instances at the same time, can be delivered again.

use serde_json::Value;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// A row of the `outbox` table.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Assigned by the store, increasing in insertion order. On PostgreSQL concurrent
    /// transactions can commit out of id order, so a consumer must not use the highest id it
    /// delivered as a watermark: it asks for undelivered entries instead.
    pub id: i64,
    /// What happened, e.g. an SP-API notification type such as `"ORDER_CHANGE"`.
    pub topic: String,
    /// The seller the event belongs to; `None` for events of the emulator itself.
    pub seller_id: Option<String>,
    /// The event document.
    pub payload: Value,
    /// When the event was pushed, epoch microseconds.
    pub created_at_us: i64,
    /// When it was delivered, epoch microseconds; `None` while pending.
    pub delivered_at_us: Option<i64>,
}

/// An `outbox` row as decoded by both drivers, in column order of the queries below.
type OutboxRow = (i64, String, Option<String>, String, i64, Option<i64>);

impl TryFrom<OutboxRow> for OutboxEntry {
    type Error = StoreError;

    fn try_from(row: OutboxRow) -> Result<Self, Self::Error> {
        let (id, topic, seller_id, payload, created_at_us, delivered_at_us) = row;
        Ok(OutboxEntry {
            id,
            topic,
            seller_id,
            payload: serde_json::from_str(&payload)
                .map_err(|e| StoreError::Corrupt(format!("payload of outbox entry {id}: {e}")))?,
            created_at_us,
            delivered_at_us,
        })
    }
}

impl Store {
    /// Pushes an event in its own transaction. Prefer [`StoreTx::push_outbox`] when the event is
    /// caused by a write.
    pub async fn push_outbox(
        &self,
        topic: &str,
        seller_id: Option<&str>,
        payload: &Value,
    ) -> Result<i64, StoreError> {
        let now = self.now_us();
        push(self.acquire().await?.conn(), topic, seller_id, payload, now).await
    }

    /// Up to `limit` undelivered entries, oldest (lowest id) first.
    pub async fn pending_outbox(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let rows: Vec<OutboxRow> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(
                "SELECT id, topic, seller_id, payload, created_at, delivered_at FROM outbox \
                 WHERE delivered_at IS NULL ORDER BY id LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
        });
        rows.into_iter().map(OutboxEntry::try_from).collect()
    }

    /// Marks entry `id` delivered at `at_us`. Marking an entry that is already delivered is a
    /// no-op (the first delivery time stays); [`StoreError::NotFound`] if there is no such entry.
    pub async fn mark_delivered(&self, id: i64, at_us: i64) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let mut conn = pc.conn();
        let updated = on_conn!(conn.reborrow(), |c| {
            sqlx::query(
                "UPDATE outbox SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL",
            )
            .bind(id)
            .bind(at_us)
            .execute(c)
            .await?
            .rows_affected()
        });
        if updated == 0 {
            let exists: Option<i64> = on_conn!(conn, |c| {
                sqlx::query_scalar("SELECT id FROM outbox WHERE id = $1")
                    .bind(id)
                    .fetch_optional(c)
                    .await?
            });
            if exists.is_none() {
                return Err(StoreError::NotFound(format!("outbox entry {id}")));
            }
        }
        Ok(())
    }
}

impl StoreTx {
    /// Pushes an event in this transaction (it exists only if the transaction commits) and
    /// returns its id. `created_at` is [`StoreTx::now_us`].
    pub async fn push_outbox(
        &mut self,
        topic: &str,
        seller_id: Option<&str>,
        payload: &Value,
    ) -> Result<i64, StoreError> {
        let now = self.now_us();
        push(self.conn(), topic, seller_id, payload, now).await
    }
}

async fn push(
    conn: Conn<'_>,
    topic: &str,
    seller_id: Option<&str>,
    payload: &Value,
    now_us: i64,
) -> Result<i64, StoreError> {
    let payload = payload.to_string();
    Ok(on_conn!(conn, |c| {
        sqlx::query_scalar(
            "INSERT INTO outbox (topic, seller_id, payload, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(topic)
        .bind(seller_id)
        .bind(&payload)
        .bind(now_us)
        .fetch_one(c)
        .await?
    }))
}
