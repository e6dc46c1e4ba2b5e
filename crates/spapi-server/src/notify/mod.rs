//! Delivery of notifications: outbox events -> one delivery per matching subscription ->
//! transports, at least once, in order per subscription, with retries and dead letters.
//!
//! # How it works
//!
//! - **Fan-out.** Each round reads the pending outbox (oldest first) and, per event, in one
//!   transaction, marks it delivered and inserts a delivery row (with its envelope) for every
//!   subscription of the event's type and seller, created no later than the event, whose event
//!   filter lets it through ([`Store::fan_out`]). A crash before the commit leaves the event
//!   pending; after it, the deliveries are durable. While no subscription exists at all the
//!   notifier leaves the outbox alone (`GET /emulator/v1/outbox` keeps showing every event).
//! - **Delivery.** Only the oldest pending delivery of each subscription is ever attempted, so
//!   a subscription's notifications arrive in event order; the next one waits until it is
//!   delivered or dead. An attempt sends the envelope through every transport of the
//!   destination (the HTTP sink if the control plane set one, SQS if the destination is an SQS
//!   queue and `--sqs-endpoint` is set, EventBridge if it is an EventBridge destination and
//!   `--eventbridge-endpoint` is set); the built-in inbox always has it once delivered. A
//!   failure schedules a retry on the emulator clock after [`backoff`] (2 s doubling, at most
//!   10 min); after [`MAX_ATTEMPTS`] failures the delivery is dead (a dead letter) and the
//!   subscription moves on. A delivery sent just before a crash is sent again (at least once).
//! - **Aggregation.** A subscription to ANY_OFFER_CHANGED with `aggregationSettings` gets at
//!   most one notification per item (ASIN, marketplace, condition) per period: the first change
//!   makes a delivery due when the period ends, later changes in the period replace its
//!   envelope with theirs (the latest state), as Amazon sends the latest offers of the period.
//! - Several instances on one PostgreSQL store each run a notifier: the fan-out takes the
//!   event's row, and an attempt takes a lease on its delivery.

pub mod envelope;
pub mod transport;

use crate::clock::Clock;
use crate::store::Store;
use crate::store::notify::{DueDelivery, NewDelivery};
use std::time::Duration;

/// Attempts before a delivery becomes a dead letter.
pub const MAX_ATTEMPTS: i32 = 6;
/// Events fanned out per round.
const FAN_OUT_BATCH: u32 = 200;
/// Deliveries attempted per round (one per subscription).
const DELIVERY_BATCH: u32 = 100;
/// How long an attempt holds its delivery, emulator µs.
const LEASE_US: i64 = 60_000_000;

/// The wait after the `attempts`-th failure: 2 s, 4 s, 8 s, ... at most 10 minutes.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    Duration::from_secs(2u64.saturating_mul(1u64 << exp).min(600))
}

/// The notifier of one instance.
#[derive(Clone)]
pub struct Notifier {
    store: Store,
    clock: Clock,
    sqs_endpoint: Option<String>,
    eventbridge_endpoint: Option<String>,
    /// Partner event sources known to exist at the EventBridge endpoint.
    sources: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    round: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("sqs_endpoint", &self.sqs_endpoint)
            .field("eventbridge_endpoint", &self.eventbridge_endpoint)
            .finish()
    }
}

impl Notifier {
    /// A notifier over `store` on `clock`; SQS destinations are also sent to `sqs_endpoint`.
    pub fn new(store: Store, clock: Clock, sqs_endpoint: Option<String>) -> Self {
        Notifier {
            store,
            clock,
            sqs_endpoint,
            eventbridge_endpoint: None,
            sources: Default::default(),
            round: Default::default(),
        }
    }

    /// EventBridge destinations also get their notifications at `endpoint`, as partner events.
    pub fn with_eventbridge(mut self, endpoint: Option<String>) -> Self {
        self.eventbridge_endpoint = endpoint;
        self
    }

    /// PutPartnerEvents of one envelope to an EventBridge destination (`resource` is its
    /// `DestinationResource`), creating its partner event source first if this notifier has
    /// not seen it yet.
    async fn to_eventbridge(
        &self,
        endpoint: &str,
        resource: &serde_json::Value,
        envelope: &serde_json::Value,
        body: &[u8],
    ) -> Result<(), String> {
        let eb = resource
            .get("eventBridge")
            .ok_or("not an EventBridge destination")?;
        let text = |k: &str| eb.get(k).and_then(|v| v.as_str()).unwrap_or_default();
        let (name, region, account) = (text("name"), text("region"), text("accountId"));
        let known = self
            .sources
            .lock()
            .map(|s| s.contains(name))
            .unwrap_or(false);
        if !known {
            transport::eventbridge_ensure_source(endpoint, region, name, account).await?;
            if let Ok(mut s) = self.sources.lock() {
                s.insert(name.to_string());
            }
        }
        let detail_type = envelope
            .get("NotificationType")
            .or_else(|| envelope.get("notificationType"))
            .and_then(|v| v.as_str())
            .unwrap_or("UNKNOWN");
        let time = envelope
            .get("EventTime")
            .or_else(|| envelope.get("eventTime"))
            .and_then(|v| v.as_str());
        transport::eventbridge_put(endpoint, region, name, detail_type, time, body).await
    }

    /// One round: fans out pending events, then attempts due deliveries until none is due.
    /// Returns (deliveries made, attempts made).
    pub async fn run_once(&self) -> (usize, usize) {
        let _round = self.round.lock().await;
        let made = match self.fan_out().await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "notification fan-out failed");
                0
            }
        };
        let mut attempted = 0;
        // A subscription's next delivery becomes due when its head is done: keep going while
        // something was delivered, within reason.
        for _ in 0..50 {
            match self.deliver_due().await {
                Ok(0) => break,
                Ok(n) => attempted += n,
                Err(e) => {
                    tracing::warn!(error = %e, "notification delivery failed");
                    break;
                }
            }
        }
        (made, attempted)
    }

    async fn fan_out(&self) -> Result<usize, crate::store::StoreError> {
        if !self.store.any_subscription().await? {
            return Ok(0);
        }
        let events = self.store.pending_outbox(FAN_OUT_BATCH).await?;
        let mut made = 0;
        for event in events {
            let publish = self.clock.now_us();
            let n = self
                .store
                .fan_out(&event, |sub| {
                    if !envelope::passes_filter(sub, &event.payload) {
                        return None;
                    }
                    let notification_id = uuid::Uuid::new_v4().to_string();
                    let env = envelope::Envelope {
                        subscription: sub,
                        event_time_us: event.created_at_us,
                        publish_time_us: publish,
                        notification_id: &notification_id,
                        payload: &event.payload,
                    }
                    .to_json();
                    Some(NewDelivery {
                        subscription: sub.clone(),
                        destination_id: sub.destination_id.clone(),
                        notification_id,
                        envelope: env,
                        aggregate: envelope::aggregation(sub, &event.payload, event.created_at_us),
                    })
                })
                .await?;
            made += n.unwrap_or(0);
        }
        Ok(made)
    }

    /// Attempts every due head-of-line delivery (concurrently: they belong to different
    /// subscriptions); returns how many were attempted.
    async fn deliver_due(&self) -> Result<usize, crate::store::StoreError> {
        let now = self.clock.now_us();
        let due = self.store.due_deliveries(now, DELIVERY_BATCH).await?;
        let mut set = tokio::task::JoinSet::new();
        for d in due {
            if !self
                .store
                .claim_delivery(d.delivery.id, now, now + LEASE_US)
                .await?
            {
                continue;
            }
            let this = self.clone();
            set.spawn(async move { this.attempt(d).await });
        }
        let mut n = 0;
        while let Some(r) = set.join_next().await {
            if let Err(e) = r {
                tracing::warn!(error = %e, "a delivery attempt panicked");
            }
            n += 1;
        }
        Ok(n)
    }

    async fn attempt(&self, d: DueDelivery) {
        let body = d.delivery.envelope.to_string().into_bytes();
        let mut errors = Vec::new();
        if let Some(url) = &d.http_url {
            let secret = d.http_secret.as_deref().unwrap_or("");
            if let Err(e) = transport::http_sink(url, secret, &body).await {
                errors.push(format!("http sink: {e}"));
            }
        }
        if let (Some(endpoint), Some(arn)) = (
            &self.sqs_endpoint,
            d.resource
                .as_ref()
                .and_then(|r| r.pointer("/sqs/arn"))
                .and_then(|a| a.as_str()),
        ) && let Err(e) = transport::sqs_send(endpoint, arn, &body).await
        {
            errors.push(format!("sqs: {e}"));
        }
        if let (Some(endpoint), Some(resource)) = (&self.eventbridge_endpoint, &d.resource)
            && resource.get("eventBridge").is_some()
            && let Err(e) = self
                .to_eventbridge(endpoint, resource, &d.delivery.envelope, &body)
                .await
        {
            errors.push(format!("eventbridge: {e}"));
        }
        let now = self.clock.now_us();
        let id = d.delivery.id;
        let result = if errors.is_empty() {
            self.store.record_attempt(id, now, Ok(())).await
        } else {
            let error = errors.join("; ");
            let attempts = d.delivery.attempts + 1;
            let next = (attempts < MAX_ATTEMPTS).then(|| {
                now + i64::try_from(backoff(attempts).as_micros()).unwrap_or(i64::MAX / 2)
            });
            tracing::info!(delivery = id, attempts, %error, dead = next.is_none(), "notification delivery failed");
            self.store
                .record_attempt(id, now, Err((error.as_str(), next)))
                .await
        };
        if let Err(e) = result {
            tracing::warn!(delivery = id, error = %e, "recording a delivery attempt failed");
        }
    }

    /// Runs a round every `every` of real time until the task is dropped.
    pub fn spawn(self, every: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                self.run_once().await;
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_ten_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(5), Duration::from_secs(32));
        assert_eq!(backoff(19), Duration::from_secs(600));
    }
}
