//! When and how a call is retried.
//!
//! The rule:
//!
//! - **429 QuotaExceeded** is retried for every method: the server throttled the call before
//!   acting on it. The wait is the jittered exponential backoff, and at least one period of the
//!   operation's rate (`1 / x-amzn-RateLimit-Limit` seconds, as the npm client does), capped at
//!   [`RetryPolicy::max_delay`].
//! - **500 InternalFailure and 503 ServiceUnavailable** are retried for `GET` only. A `POST`,
//!   `PUT`, `PATCH` or `DELETE` is not retried once it was sent: the server may have acted on it
//!   (created the report, confirmed the shipment) before failing, and doing it twice is worse
//!   than reporting the error. `PUT` and `DELETE` are idempotent in HTTP, but SP-API's are not
//!   always (`createFulfillmentOrder` and friends are `POST`s, yet `PUT`s such as
//!   `putListingsItem` bump versions and fire notifications), so they are treated alike.
//! - **Connection errors**: a connection that could not be opened sent nothing, so every method
//!   is retried; any other transport error (a reset or a timeout after the request went out) is
//!   retried for `GET` only.
//! - **403 with a revoked or expired access token**: the token is refreshed once and the call
//!   sent again (the server refused it before acting). If LWA then refuses the refresh token,
//!   the call fails with [`crate::Error::AuthorizationRevoked`].
//!
//! Retries are bounded by [`RetryPolicy::max_retries`]; the last error is returned.

use backon::{BackoffBuilder, ExponentialBuilder};
use std::time::Duration;

/// Bounded, jittered exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: never retry).
    pub max_retries: usize,
    /// First delay; each next one doubles.
    pub min_delay: Duration,
    /// Longest delay, also the cap of a rate-derived wait.
    pub max_delay: Duration,
    /// Add a random part (up to the delay itself) so that many clients do not retry in step.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The delays before each retry, in order; ends after `max_retries`.
    pub fn delays(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        let mut b = ExponentialBuilder::new()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries);
        if self.jitter {
            b = b.with_jitter();
        }
        b.build()
    }

    /// The wait before retrying a throttled call: the backoff `delay`, and at least one period
    /// of the operation's `rate` (requests per second), never more than `max_delay`.
    pub fn throttled_delay(&self, delay: Duration, rate: Option<f64>) -> Duration {
        let period = rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| Duration::from_secs_f64((1.0 / r).min(self.max_delay.as_secs_f64())))
            .unwrap_or_default();
        delay.max(period)
    }
}

/// Whether a call of `method` that got `status` is retried (see the module docs).
pub fn retry_status(status: u16, idempotent: bool) -> bool {
    match status {
        429 => true,
        500 | 503 => idempotent,
        _ => false,
    }
}

/// Whether a call of `method` is idempotent for the retry rule: only `GET`.
pub fn is_idempotent(method: spapi_model::Method) -> bool {
    method == spapi_model::Method::Get
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_are_bounded_and_grow() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        let d: Vec<Duration> = p.delays().collect();
        assert_eq!(d.len(), 5);
        assert_eq!(d[0], Duration::from_millis(500));
        assert_eq!(d[1], Duration::from_secs(1));
        assert!(RetryPolicy::none().delays().next().is_none());
        let j: Vec<Duration> = RetryPolicy::default().delays().collect();
        for (i, d) in j.iter().enumerate() {
            let base = Duration::from_millis(500) * 2u32.pow(i as u32);
            assert!(*d >= base && *d <= base * 2, "{d:?}");
        }
    }

    #[test]
    fn the_rule() {
        assert!(retry_status(429, false));
        assert!(retry_status(503, true));
        assert!(!retry_status(503, false));
        assert!(!retry_status(500, false));
        assert!(!retry_status(400, true));
        let p = RetryPolicy::default();
        assert_eq!(
            p.throttled_delay(Duration::from_millis(500), Some(0.5)),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.throttled_delay(Duration::from_millis(500), Some(0.0001)),
            Duration::from_secs(60)
        );
        assert_eq!(
            p.throttled_delay(Duration::from_secs(3), Some(10.0)),
            Duration::from_secs(3)
        );
    }
}
