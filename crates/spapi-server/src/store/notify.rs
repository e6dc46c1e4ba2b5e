//! Notifications: `notify_destinations`, `notify_subscriptions` and `notify_deliveries`.
//!
//! Destinations belong to an application, subscriptions to (seller, application, notification
//! type, payload version). The notifier turns each outbox event into one delivery row per
//! matching subscription *in the transaction that marks the event delivered*
//! ([`Store::fan_out`]), so an event is fanned out exactly once even across restarts; then it
//! delivers each subscription's pending rows one at a time in id order, with retries, until
//! they are `delivered` or `dead`.

use serde_json::Value;

use super::{Conn, OutboxEntry, Store, StoreError, on_conn};

/// A row of `notify_destinations`.
#[derive(Debug, Clone, PartialEq)]
pub struct DestinationRow {
    /// The destination id (a UUID).
    pub id: String,
    /// The application that owns it.
    pub application_id: String,
    /// The developer's name for it.
    pub name: String,
    /// The Notifications API `DestinationResource` document.
    pub resource: Value,
    /// What identifies the resource (`sqs:<arn>`, `eventBridge:<region>:<account>`).
    pub resource_key: String,
    /// The spapi HTTP sink, if the control plane set one.
    pub http_url: Option<String>,
    /// The HMAC secret of the HTTP sink.
    pub http_secret: Option<String>,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
}

/// A row of `notify_subscriptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRow {
    /// The subscription id (a UUID).
    pub id: String,
    /// The subscribing application.
    pub application_id: String,
    /// The seller whose events it receives.
    pub seller_id: String,
    /// `ORDER_CHANGE`, `ANY_OFFER_CHANGED`, ...
    pub notification_type: String,
    /// Payload version, e.g. `1.0`.
    pub payload_version: String,
    /// Where notifications go.
    pub destination_id: String,
    /// The `ProcessingDirective` document, if any.
    pub processing_directive: Option<Value>,
    /// Creation time, epoch µs (events older than this are not sent to it).
    pub created_at_us: i64,
}

/// The state of a delivery.
pub mod state {
    /// Waiting for (another) attempt.
    pub const PENDING: &str = "pending";
    /// Accepted by every transport.
    pub const DELIVERED: &str = "delivered";
    /// Gave up after the last retry: a dead letter.
    pub const DEAD: &str = "dead";
    /// The subscription was deleted before delivery.
    pub const CANCELLED: &str = "cancelled";
}

/// A row of `notify_deliveries`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    /// Assigned by the store; a subscription's deliveries go out in this order.
    pub id: i64,
    /// The subscription.
    pub subscription_id: String,
    /// The subscribing application.
    pub application_id: String,
    /// The seller of the event.
    pub seller_id: Option<String>,
    /// The notification type.
    pub notification_type: String,
    /// The destination it goes to.
    pub destination_id: String,
    /// The outbox event it was made from (none for test notifications).
    pub event_id: Option<i64>,
    /// `NotificationMetadata.NotificationId`.
    pub notification_id: String,
    /// The envelope, as sent.
    pub envelope: Value,
    /// See [`state`].
    pub state: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due, epoch µs (emulator clock).
    pub next_attempt_at_us: i64,
    /// The error of the last failed attempt.
    pub last_error: Option<String>,
    /// When it was made, epoch µs.
    pub created_at_us: i64,
    /// When it was delivered, dead-lettered or cancelled, epoch µs.
    pub finished_at_us: Option<i64>,
}

/// A delivery that is due, with where it goes.
#[derive(Debug, Clone, PartialEq)]
pub struct DueDelivery {
    /// The delivery.
    pub delivery: DeliveryRow,
    /// The destination's `DestinationResource` (none if the destination is gone).
    pub resource: Option<Value>,
    /// The destination's HTTP sink.
    pub http_url: Option<String>,
    /// The HTTP sink's secret.
    pub http_secret: Option<String>,
}

/// A new delivery made by [`Store::fan_out`] or a test notification.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// The subscription.
    pub subscription: SubscriptionRow,
    /// Where it goes (the subscription's destination, or another for a test notification).
    pub destination_id: String,
    /// `NotificationMetadata.NotificationId`.
    pub notification_id: String,
    /// The envelope.
    pub envelope: Value,
    /// Aggregation (ANY_OFFER_CHANGED's `aggregationSettings`): the item the event is about and
    /// the end of the period. A pending, never attempted delivery of the subscription with the
    /// same key takes this envelope instead of a new delivery; else the new one waits until the
    /// period ends.
    pub aggregate: Option<(String, i64)>,
}

/// Filters of the inbox and dead-letter listings.
#[derive(Debug, Clone, Default)]
pub struct DeliveryQuery {
    /// Only this subscription.
    pub subscription_id: Option<String>,
    /// Only this notification type.
    pub notification_type: Option<String>,
    /// The newest this many.
    pub limit: u32,
}

const DEST_COLUMNS: &str = "id, application_id, name, resource, resource_key, http_url, \
    http_secret, created_at";
const SUB_COLUMNS: &str = "id, application_id, seller_id, notification_type, payload_version, \
    destination_id, processing_directive, created_at";
const DELIVERY_COLUMNS: &str = "d.id, d.subscription_id, d.application_id, d.seller_id, \
    d.notification_type, d.destination_id, d.event_id, d.notification_id, d.envelope, d.state, \
    d.attempts, d.next_attempt_at, d.last_error, d.created_at, d.finished_at";

type DestTuple = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);
type SubTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
);

fn json(what: &str, s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

fn dest(t: DestTuple) -> Result<DestinationRow, StoreError> {
    Ok(DestinationRow {
        resource: json("destination resource", &t.3)?,
        id: t.0,
        application_id: t.1,
        name: t.2,
        resource_key: t.4,
        http_url: t.5,
        http_secret: t.6,
        created_at_us: t.7,
    })
}

fn sub(t: SubTuple) -> Result<SubscriptionRow, StoreError> {
    Ok(SubscriptionRow {
        processing_directive: t
            .6
            .as_deref()
            .map(|s| json("processing directive", s))
            .transpose()?,
        id: t.0,
        application_id: t.1,
        seller_id: t.2,
        notification_type: t.3,
        payload_version: t.4,
        destination_id: t.5,
        created_at_us: t.7,
    })
}

/// Decodes the `DELIVERY_COLUMNS` of a row (expanded per backend inside `on_conn!`).
macro_rules! delivery_row {
    ($r:expr) => {{
        let r = $r;
        let envelope: String = r.try_get(8)?;
        DeliveryRow {
            id: r.try_get(0)?,
            subscription_id: r.try_get(1)?,
            application_id: r.try_get(2)?,
            seller_id: r.try_get(3)?,
            notification_type: r.try_get(4)?,
            destination_id: r.try_get(5)?,
            event_id: r.try_get(6)?,
            notification_id: r.try_get(7)?,
            envelope: json("delivery envelope", &envelope)?,
            state: r.try_get(9)?,
            attempts: r.try_get(10)?,
            next_attempt_at_us: r.try_get(11)?,
            last_error: r.try_get(12)?,
            created_at_us: r.try_get(13)?,
            finished_at_us: r.try_get(14)?,
        }
    }};
}

async fn insert_delivery(
    conn: Conn<'_>,
    d: &NewDelivery,
    event_id: Option<i64>,
    now_us: i64,
) -> Result<i64, StoreError> {
    let envelope = d.envelope.to_string();
    let (key, due) = match &d.aggregate {
        Some((key, until)) => (Some(key.as_str()), (*until).max(now_us)),
        None => (None, now_us),
    };
    Ok(on_conn!(conn, |c| {
        sqlx::query_scalar(
            "INSERT INTO notify_deliveries (subscription_id, application_id, seller_id, \
             notification_type, destination_id, event_id, notification_id, envelope, state, \
             attempts, next_attempt_at, created_at, coalesce_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $10, $9, $11) RETURNING id",
        )
        .bind(&d.subscription.id)
        .bind(&d.subscription.application_id)
        .bind(&d.subscription.seller_id)
        .bind(&d.subscription.notification_type)
        .bind(&d.destination_id)
        .bind(event_id)
        .bind(&d.notification_id)
        .bind(&envelope)
        .bind(now_us)
        .bind(due)
        .bind(key)
        .fetch_one(c)
        .await?
    }))
}

impl Store {
    /// Creates a destination; `Conflict` when the app already has one for the same resource.
    pub async fn insert_destination(&self, d: &DestinationRow) -> Result<(), StoreError> {
        let resource = d.resource.to_string();
        on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "INSERT INTO notify_destinations (id, application_id, name, resource, \
                 resource_key, http_url, http_secret, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&d.id)
            .bind(&d.application_id)
            .bind(&d.name)
            .bind(&resource)
            .bind(&d.resource_key)
            .bind(&d.http_url)
            .bind(&d.http_secret)
            .bind(d.created_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The destination `id`, whoever owns it.
    pub async fn get_destination(&self, id: &str) -> Result<Option<DestinationRow>, StoreError> {
        let sql = format!("SELECT {DEST_COLUMNS} FROM notify_destinations WHERE id = $1");
        let row: Option<DestTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.map(dest).transpose()
    }

    /// The destinations of an application, oldest first.
    pub async fn destinations_of_app(
        &self,
        application_id: &str,
    ) -> Result<Vec<DestinationRow>, StoreError> {
        let sql = format!(
            "SELECT {DEST_COLUMNS} FROM notify_destinations WHERE application_id = $1 \
             ORDER BY created_at, id"
        );
        let rows: Vec<DestTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(application_id)
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(dest).collect()
    }

    /// Deletes destination `id` of `application_id` unless a subscription uses it.
    /// `NotFound` if there is no such destination, `Conflict` if it is in use.
    pub async fn delete_destination(
        &self,
        application_id: &str,
        id: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let exists: Option<String> = on_conn!(tx.conn(), |c| {
            sqlx::query_scalar(
                "SELECT id FROM notify_destinations WHERE id = $1 AND application_id = $2",
            )
            .bind(id)
            .bind(application_id)
            .fetch_optional(c)
            .await?
        });
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("destination {id}")));
        }
        let used: i64 = on_conn!(tx.conn(), |c| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM notify_subscriptions WHERE destination_id = $1",
            )
            .bind(id)
            .fetch_one(c)
            .await?
        });
        if used > 0 {
            return Err(StoreError::Conflict(format!(
                "destination {id} is used by {used} subscription(s)"
            )));
        }
        on_conn!(tx.conn(), |c| {
            sqlx::query("DELETE FROM notify_destinations WHERE id = $1")
                .bind(id)
                .execute(c)
                .await?;
        });
        tx.commit().await
    }

    /// Sets (or with `None`, removes) the HTTP sink of destination `id`.
    pub async fn set_destination_http_sink(
        &self,
        id: &str,
        sink: Option<(&str, &str)>,
    ) -> Result<(), StoreError> {
        let (url, secret) = sink.unzip();
        let n = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "UPDATE notify_destinations SET http_url = $2, http_secret = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(url)
            .bind(secret)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!("destination {id}")));
        }
        Ok(())
    }

    /// Creates a subscription; `Conflict` when (seller, app, type, payload version) has one.
    pub async fn insert_subscription(&self, s: &SubscriptionRow) -> Result<(), StoreError> {
        let directive = s.processing_directive.as_ref().map(Value::to_string);
        on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "INSERT INTO notify_subscriptions (id, application_id, seller_id, \
                 notification_type, payload_version, destination_id, processing_directive, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&s.id)
            .bind(&s.application_id)
            .bind(&s.seller_id)
            .bind(&s.notification_type)
            .bind(&s.payload_version)
            .bind(&s.destination_id)
            .bind(&directive)
            .bind(s.created_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// The subscription `id`, whoever owns it.
    pub async fn get_subscription(&self, id: &str) -> Result<Option<SubscriptionRow>, StoreError> {
        let sql = format!("SELECT {SUB_COLUMNS} FROM notify_subscriptions WHERE id = $1");
        let row: Option<SubTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(c)
                .await?
        });
        row.map(sub).transpose()
    }

    /// The subscriptions of (seller, app), oldest first; of the given types when not empty.
    pub async fn subscriptions_of(
        &self,
        seller_id: &str,
        application_id: &str,
    ) -> Result<Vec<SubscriptionRow>, StoreError> {
        let sql = format!(
            "SELECT {SUB_COLUMNS} FROM notify_subscriptions \
             WHERE seller_id = $1 AND application_id = $2 ORDER BY created_at, id"
        );
        let rows: Vec<SubTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(application_id)
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(sub).collect()
    }

    /// Deletes subscription `id` and cancels its pending deliveries.
    pub async fn delete_subscription(&self, id: &str) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let now = tx.now_us();
        on_conn!(tx.conn(), |c| {
            sqlx::query(
                "UPDATE notify_deliveries SET state = 'cancelled', finished_at = $2, \
                 last_error = 'subscription deleted' \
                 WHERE subscription_id = $1 AND state = 'pending'",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query("DELETE FROM notify_subscriptions WHERE id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        tx.commit().await
    }

    /// Whether any subscription exists (while none does, the notifier leaves the outbox alone).
    pub async fn any_subscription(&self) -> Result<bool, StoreError> {
        let n: Option<String> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_scalar("SELECT id FROM notify_subscriptions LIMIT 1")
                .fetch_optional(c)
                .await?
        });
        Ok(n.is_some())
    }

    /// Fans outbox `event` out, in one transaction: marks it delivered (if nobody did yet),
    /// asks `make` for the delivery of each subscription of the event's topic and seller
    /// created no later than the event (`None`: filtered out), and inserts them in
    /// subscription order. Returns how many deliveries were made, or `None` when the event
    /// had already been fanned out (by another instance).
    pub async fn fan_out(
        &self,
        event: &OutboxEntry,
        mut make: impl FnMut(&SubscriptionRow) -> Option<NewDelivery>,
    ) -> Result<Option<usize>, StoreError> {
        let mut tx = self.begin().await?;
        let now = tx.now_us();
        // Taking the event first: a concurrent fan-out of the same event waits here and then
        // finds it delivered.
        let taken = on_conn!(tx.conn(), |c| {
            sqlx::query(
                "UPDATE outbox SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL",
            )
            .bind(event.id)
            .bind(now)
            .execute(c)
            .await?
            .rows_affected()
        });
        if taken == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let Some(seller) = event.seller_id.as_deref() else {
            tx.commit().await?;
            return Ok(Some(0));
        };
        let sql = format!(
            "SELECT {SUB_COLUMNS} FROM notify_subscriptions \
             WHERE notification_type = $1 AND seller_id = $2 AND created_at <= $3 \
             ORDER BY created_at, id"
        );
        let rows: Vec<SubTuple> = on_conn!(tx.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(&event.topic)
                .bind(seller)
                .bind(event.created_at_us)
                .fetch_all(c)
                .await?
        });
        let mut made = 0;
        for row in rows {
            let s = sub(row)?;
            let Some(d) = make(&s) else { continue };
            if let Some((key, _)) = &d.aggregate {
                // The latest state of the item replaces the one waiting in the period.
                let envelope = d.envelope.to_string();
                let replaced = on_conn!(tx.conn(), |c| {
                    sqlx::query(
                        "UPDATE notify_deliveries SET envelope = $1, notification_id = $2, \
                         event_id = $3 WHERE subscription_id = $4 AND coalesce_key = $5 \
                         AND state = 'pending' AND attempts = 0 AND locked_until IS NULL",
                    )
                    .bind(&envelope)
                    .bind(&d.notification_id)
                    .bind(event.id)
                    .bind(&d.subscription.id)
                    .bind(key)
                    .execute(c)
                    .await?
                    .rows_affected()
                });
                if replaced > 0 {
                    continue;
                }
            }
            insert_delivery(tx.conn(), &d, Some(event.id), now).await?;
            made += 1;
        }
        tx.commit().await?;
        Ok(Some(made))
    }

    /// Queues one delivery outside the outbox (a test notification).
    pub async fn insert_delivery(&self, d: &NewDelivery) -> Result<i64, StoreError> {
        let now = self.now_us();
        insert_delivery(self.acquire().await?.conn(), d, None, now).await
    }

    /// The deliveries due at `now_us`: for each subscription, its oldest pending delivery if
    /// its next attempt is due and no worker holds it, with its destination. At most `limit`.
    pub async fn due_deliveries(
        &self,
        now_us: i64,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        use sqlx::Row;
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS}, dest.resource, dest.http_url, dest.http_secret \
             FROM notify_deliveries d \
             LEFT JOIN notify_destinations dest ON dest.id = d.destination_id \
             WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
               AND (d.locked_until IS NULL OR d.locked_until <= $1) \
               AND d.id = (SELECT MIN(h.id) FROM notify_deliveries h \
                           WHERE h.subscription_id = d.subscription_id AND h.state = 'pending') \
             ORDER BY d.id LIMIT $2"
        );
        on_conn!(self.acquire().await?.conn(), |c| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now_us)
                .bind(i64::from(limit))
                .fetch_all(c)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let resource: Option<String> = r.try_get(15)?;
                out.push(DueDelivery {
                    delivery: delivery_row!(r),
                    resource: resource
                        .as_deref()
                        .map(|s| json("destination resource", s))
                        .transpose()?,
                    http_url: r.try_get(16)?,
                    http_secret: r.try_get(17)?,
                });
            }
            Ok(out)
        })
    }

    /// Takes delivery `id` for an attempt until `until_us` (a lease, so that another instance
    /// does not send it at the same time). False when it is not pending or someone holds it.
    pub async fn claim_delivery(
        &self,
        id: i64,
        now_us: i64,
        until_us: i64,
    ) -> Result<bool, StoreError> {
        let n = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query(
                "UPDATE notify_deliveries SET locked_until = $3 WHERE id = $1 \
                 AND state = 'pending' AND (locked_until IS NULL OR locked_until <= $2)",
            )
            .bind(id)
            .bind(now_us)
            .bind(until_us)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    /// Records an attempt of delivery `id`: delivered (`Ok`), or failed with the error and
    /// either the time of the next attempt or, with `None`, dead-lettered.
    pub async fn record_attempt(
        &self,
        id: i64,
        now_us: i64,
        outcome: Result<(), (&str, Option<i64>)>,
    ) -> Result<(), StoreError> {
        on_conn!(self.acquire().await?.conn(), |c| {
            match outcome {
                Ok(()) => {
                    sqlx::query(
                        "UPDATE notify_deliveries SET state = 'delivered', \
                         attempts = attempts + 1, finished_at = $2, locked_until = NULL \
                         WHERE id = $1 AND state = 'pending'",
                    )
                    .bind(id)
                    .bind(now_us)
                    .execute(c)
                    .await?;
                }
                Err((error, next)) => {
                    sqlx::query(
                        "UPDATE notify_deliveries SET attempts = attempts + 1, last_error = $3, \
                         locked_until = NULL, \
                         state = CASE WHEN $4 IS NULL THEN 'dead' ELSE 'pending' END, \
                         next_attempt_at = COALESCE($4, next_attempt_at), \
                         finished_at = CASE WHEN $4 IS NULL THEN $2 ELSE NULL END \
                         WHERE id = $1 AND state = 'pending'",
                    )
                    .bind(id)
                    .bind(now_us)
                    .bind(error)
                    .bind(next)
                    .execute(c)
                    .await?;
                }
            }
        });
        Ok(())
    }

    /// The newest `limit` deliveries in `state` (by the time they finished, oldest of them
    /// first), filtered by subscription and type.
    pub async fn finished_deliveries(
        &self,
        state: &str,
        q: &DeliveryQuery,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        use sqlx::Row;
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM notify_deliveries d WHERE d.state = $1 \
             AND ($2 IS NULL OR d.subscription_id = $2) \
             AND ($3 IS NULL OR d.notification_type = $3) \
             ORDER BY d.finished_at DESC, d.id DESC LIMIT $4"
        );
        let mut rows = on_conn!(self.acquire().await?.conn(), |c| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(state)
                .bind(&q.subscription_id)
                .bind(&q.notification_type)
                .bind(i64::from(q.limit))
                .fetch_all(c)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(delivery_row!(r));
            }
            out
        });
        rows.reverse();
        Ok(rows)
    }

    /// Every delivery of subscription `id` in any state, in delivery order.
    pub async fn deliveries_of_subscription(
        &self,
        id: &str,
    ) -> Result<Vec<DeliveryRow>, StoreError> {
        use sqlx::Row;
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM notify_deliveries d WHERE d.subscription_id = $1 \
             ORDER BY d.id"
        );
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_all(c)
                .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(delivery_row!(r));
            }
            out
        }))
    }
}
