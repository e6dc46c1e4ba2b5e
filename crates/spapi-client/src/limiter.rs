//! The client side of SP-API's usage plans: a token bucket per (selling partner, operation)
//! that makes a call wait for its turn rather than fail.
//!
//! Amazon throttles each (application, selling partner, operation) with a bucket that refills
//! at `rate` tokens a second up to `burst`; a call on an empty bucket gets 429. The limiter keeps
//! the same bucket on the client: the first `burst` calls go at once, the next ones wait
//! `1/rate` seconds each. Buckets start from the operation's documented plan and follow the
//! rate the server announces in `x-amzn-RateLimit-Limit` (Amazon raises rates per seller, and
//! its sandbox throttles everything at a flat 5/s).
//!
//! Written by hand rather than with `governor`: it waits on tokio's clock, so tests pause and
//! advance time instead of sleeping, and a waiter reserves its slot at once (first come, first
//! served) instead of polling.

use spapi_model::Operation;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
struct Bucket {
    rate: f64,
    burst: f64,
    /// Tokens left; below zero, the slots reserved by waiting calls.
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.updated = now;
    }
}

type Key = (Arc<str>, &'static str);

/// Token buckets per (selling partner, operationId). Share one limiter (`Arc`) between the
/// clients of one seller so that they draw from the same buckets.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<Key, Bucket>>,
    waits: std::sync::atomic::AtomicU64,
}

impl RateLimiter {
    /// An empty limiter; buckets are created full on first use.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Bucket>> {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a token for a call of `op` on behalf of `seller`, waiting until the bucket has
    /// one. Returns how long the call waited. Operations without a usage plan never wait
    /// (unless the server announced a rate for them).
    pub async fn acquire(&self, seller: &str, op: &'static Operation) -> Duration {
        let wait = self.reserve(seller, op, Instant::now());
        if !wait.is_zero() {
            self.waits
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::debug!(
                operation = op.operation_id,
                ?wait,
                "waiting for the usage plan"
            );
            tokio::time::sleep(wait).await;
        }
        wait
    }

    /// Reserves the next slot and returns how long until it comes.
    fn reserve(&self, seller: &str, op: &'static Operation, now: Instant) -> Duration {
        let mut buckets = self.lock();
        let key: Key = (Arc::from(seller), op.operation_id);
        let bucket = match buckets.get_mut(&key) {
            Some(b) => b,
            None => {
                let Some(plan) = op.usage_plan else {
                    return Duration::ZERO;
                };
                let burst = f64::from(plan.burst.max(1));
                buckets.entry(key).or_insert(Bucket {
                    rate: plan.rate,
                    burst,
                    tokens: burst,
                    updated: now,
                })
            }
        };
        bucket.refill(now);
        bucket.tokens -= 1.0;
        if bucket.tokens >= 0.0 || bucket.rate <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.tokens / bucket.rate)
        }
    }

    /// Follows the rate the server announced for (`seller`, `op`) in `x-amzn-RateLimit-Limit`.
    pub fn observe_rate(&self, seller: &str, op: &'static Operation, rate: f64) {
        if !(rate.is_finite() && rate > 0.0) {
            return;
        }
        let now = Instant::now();
        let mut buckets = self.lock();
        let burst = op.usage_plan.map_or(1.0, |p| f64::from(p.burst.max(1)));
        let bucket = buckets
            .entry((Arc::from(seller), op.operation_id))
            .or_insert(Bucket {
                rate,
                burst,
                tokens: burst,
                updated: now,
            });
        if (bucket.rate - rate).abs() > f64::EPSILON {
            bucket.refill(now);
            bucket.rate = rate;
        }
    }

    /// The rate (requests per second) the limiter holds for (`seller`, `op`): the announced
    /// one, else the documented plan's.
    pub fn rate(&self, seller: &str, op: &'static Operation) -> Option<f64> {
        self.lock()
            .get(&(Arc::from(seller), op.operation_id))
            .map(|b| b.rate)
            .or(op.usage_plan.map(|p| p.rate))
    }

    /// How many calls had to wait so far.
    pub fn wait_count(&self) -> u64 {
        self.waits.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str) -> &'static Operation {
        spapi_model::OPERATIONS
            .iter()
            .find(|o| o.operation_id == id)
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_at_once_then_calls_wait_for_the_rate() {
        // getOrderItems: 0.5 requests a second, burst 30.
        let op = op("getOrderItems");
        let plan = op.usage_plan.unwrap();
        assert_eq!((plan.rate, plan.burst), (0.5, 30));
        let limiter = Arc::new(RateLimiter::new());
        let start = Instant::now();
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let l = limiter.clone();
                tokio::spawn(async move {
                    l.acquire("A1SELLER", op).await;
                    Instant::now().duration_since(start)
                })
            })
            .collect();
        let mut done = Vec::new();
        for t in tasks {
            done.push(t.await.unwrap());
        }
        done.sort();
        assert!(done[..30].iter().all(|d| d.is_zero()), "{done:?}");
        // The k-th call past the burst goes k / rate seconds in.
        for (k, d) in done[30..].iter().enumerate() {
            let expected = Duration::from_secs(2 * (k as u64 + 1));
            assert!(
                d.abs_diff(expected) < Duration::from_millis(5),
                "call {} at {d:?}",
                31 + k
            );
        }
        // Never more calls in a window than burst + rate * window.
        for (i, a) in done.iter().enumerate() {
            for (j, b) in done.iter().enumerate().skip(i) {
                let window = b.saturating_sub(*a).as_secs_f64();
                assert!((j - i + 1) as f64 <= 30.0 + 0.5 * window + 1e-6);
            }
        }
        assert_eq!(limiter.wait_count(), 10);
        // Another seller has its own bucket.
        assert!(limiter.acquire("A2OTHER", op).await.is_zero());
    }

    #[tokio::test(start_paused = true)]
    async fn the_bucket_refills_and_follows_the_announced_rate() {
        let op = op("getOrder"); // 0.5/s, burst 30
        let limiter = RateLimiter::new();
        for _ in 0..30 {
            assert!(limiter.acquire("S", op).await.is_zero());
        }
        tokio::time::advance(Duration::from_secs(10)).await;
        // Five tokens came back in ten seconds.
        for _ in 0..5 {
            assert!(limiter.acquire("S", op).await.is_zero());
        }
        // The server says this seller may call 10 times a second.
        limiter.observe_rate("S", op, 10.0);
        assert_eq!(limiter.rate("S", op), Some(10.0));
        let waited = limiter.acquire("S", op).await;
        assert_eq!(waited, Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn operations_without_a_plan_do_not_wait() {
        let op = spapi_model::OPERATIONS
            .iter()
            .find(|o| o.usage_plan.is_none());
        if let Some(op) = op {
            let limiter = RateLimiter::new();
            for _ in 0..1000 {
                assert!(limiter.acquire("S", op).await.is_zero());
            }
        }
    }
}
