//! Login with Amazon: the token endpoint calls of the authorization workflow, and a provider
//! that keeps an access token fresh.
//!
//! [`Lwa`] speaks to the token endpoint (`authorization_code`, `refresh_token` and
//! `client_credentials` grants). [`TokenProvider`] caches the access token one grant yields,
//! refreshes it ahead of its expiry, and lets concurrent calls share a single refresh: however
//! many calls find the token stale at once, one token request goes out and the others wait for
//! its answer.

use crate::error::{Error, lwa_error};
use crate::retry::RetryPolicy;
use serde::Deserialize;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// LWA scope of the grantless Notifications operations.
pub const SCOPE_NOTIFICATIONS: &str = "sellingpartnerapi::notifications";
/// LWA scope of client secret rotation.
pub const SCOPE_CLIENT_CREDENTIAL_ROTATION: &str = "sellingpartnerapi::client_credential:rotation";

/// How long before its expiry an access token is refreshed (at most half its lifetime).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// An app's LWA client credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct LwaCredentials {
    /// `amzn1.application-oa2-client....`
    pub client_id: String,
    /// The client secret (rotate every 180 days at Amazon).
    pub client_secret: String,
}

impl fmt::Debug for LwaCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LwaCredentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// A successful answer of the token endpoint.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct TokenResponse {
    /// `Atza|...`
    pub access_token: String,
    /// `Atzr|...`: for the `authorization_code` grant the seller's new refresh token; LWA sends
    /// the same one back on refresh; absent for `client_credentials`.
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// `bearer`.
    #[serde(default)]
    pub token_type: Option<String>,
    /// Lifetime of the access token in seconds (3600).
    pub expires_in: u64,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl TokenResponse {
    /// The access token of this response, expiring `expires_in` seconds from now.
    pub fn access(&self) -> AccessToken {
        AccessToken::new(
            self.access_token.clone(),
            Duration::from_secs(self.expires_in),
        )
    }
}

/// An access token and when it expires (on tokio's clock, so tests can pause time).
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token, sent in `x-amz-access-token`.
    pub token: String,
    /// When it was obtained.
    pub obtained_at: Instant,
    /// When it expires.
    pub expires_at: Instant,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl AccessToken {
    /// A token obtained now that lives `lifetime`.
    pub fn new(token: String, lifetime: Duration) -> Self {
        let now = Instant::now();
        AccessToken {
            token,
            obtained_at: now,
            expires_at: now + lifetime,
        }
    }

    /// Whether the token is still good at `now` with `margin` to spare. The margin is at most
    /// half the token's lifetime, so that a short-lived token is still used for a while.
    pub fn is_fresh_at(&self, now: Instant, margin: Duration) -> bool {
        let lifetime = self.expires_at.saturating_duration_since(self.obtained_at);
        let margin = margin.min(lifetime / 2);
        now + margin < self.expires_at
    }

    /// Time left until expiry.
    pub fn remaining(&self) -> Duration {
        self.expires_at.saturating_duration_since(Instant::now())
    }
}

/// The token endpoint of Login with Amazon, for one app.
#[derive(Clone)]
pub struct Lwa {
    http: reqwest::Client,
    url: String,
    credentials: LwaCredentials,
    retry: RetryPolicy,
}

impl fmt::Debug for Lwa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lwa")
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .finish()
    }
}

impl Lwa {
    /// The token endpoint at `url` for the app of `credentials`.
    pub fn new(http: reqwest::Client, url: impl Into<String>, credentials: LwaCredentials) -> Self {
        Lwa {
            http,
            url: url.into(),
            credentials,
            retry: RetryPolicy::default(),
        }
    }

    /// The same endpoint with another retry policy for refresh and client_credentials
    /// requests (authorization codes are never retried: they are single-use).
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The token endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The app's credentials.
    pub fn credentials(&self) -> &LwaCredentials {
        &self.credentials
    }

    /// Exchanges the `spapi_oauth_code` of a consent redirect for the seller's refresh token
    /// (and a first access token). `redirect_uri` must be the one the consent used, if any.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<TokenResponse, Error> {
        let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
        if let Some(r) = redirect_uri {
            form.push(("redirect_uri", r));
        }
        // A code is good for one try: a retry after LWA may have used it would fail anyway.
        self.post(&form, false, false).await
    }

    /// A new access token for the seller whose `refresh_token` this is. A refresh token LWA
    /// refuses with `invalid_grant` is [`Error::AuthorizationRevoked`].
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, Error> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        self.post(&form, true, true).await
    }

    /// A grantless access token for `scope` (`sellingpartnerapi::notifications`).
    pub async fn client_credentials(&self, scope: &str) -> Result<TokenResponse, Error> {
        let form = [("grant_type", "client_credentials"), ("scope", scope)];
        self.post(&form, true, false).await
    }

    async fn post(
        &self,
        grant: &[(&str, &str)],
        retry: bool,
        refresh_grant: bool,
    ) -> Result<TokenResponse, Error> {
        let mut form: Vec<(&str, &str)> = grant.to_vec();
        form.push(("client_id", &self.credentials.client_id));
        form.push(("client_secret", &self.credentials.client_secret));
        let mut delays = self.retry.delays();
        loop {
            let sent = self
                .http
                .post(&self.url)
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
                .send()
                .await;
            let transient = match sent {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let body = resp
                        .bytes()
                        .await
                        .map_err(|e| Error::transport("the LWA token endpoint", e))?;
                    if (200..300).contains(&status) {
                        return serde_json::from_slice(&body).map_err(|e| Error::Lwa {
                            status,
                            error: "unexpected_response".into(),
                            description: format!("the token response does not decode: {e}"),
                        });
                    }
                    if !(retry && matches!(status, 429 | 500 | 503)) {
                        return Err(lwa_error(status, &body, refresh_grant));
                    }
                    lwa_error(status, &body, refresh_grant)
                }
                // A connection that never opened sent nothing: safe to retry even a code.
                Err(e) if retry || e.is_connect() => Error::transport("the LWA token endpoint", e),
                Err(e) => return Err(Error::transport("the LWA token endpoint", e)),
            };
            match delays.next() {
                Some(d) => {
                    tracing::debug!(delay = ?d, error = %transient, "retrying the LWA request");
                    tokio::time::sleep(d).await;
                }
                None => return Err(transient),
            }
        }
    }
}

/// Something that can produce a fresh access token.
pub trait TokenSource: Send + Sync + 'static {
    /// Obtains a new access token.
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + '_>>;
}

/// Which LWA grant a [`TokenProvider`] uses.
#[derive(Clone, PartialEq, Eq)]
pub enum Grant {
    /// Calls on behalf of the seller whose refresh token this is.
    RefreshToken(String),
    /// Grantless calls with a `client_credentials` token of this scope.
    ClientCredentials {
        /// The LWA scope (`sellingpartnerapi::notifications`).
        scope: String,
    },
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::RefreshToken(_) => f.write_str("RefreshToken(<redacted>)"),
            Grant::ClientCredentials { scope } => write!(f, "ClientCredentials({scope})"),
        }
    }
}

/// An LWA grant as a [`TokenSource`].
#[derive(Debug, Clone)]
pub struct LwaGrant {
    /// The token endpoint.
    pub lwa: Lwa,
    /// The grant.
    pub grant: Grant,
}

impl TokenSource for LwaGrant {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + '_>> {
        Box::pin(async move {
            let resp = match &self.grant {
                Grant::RefreshToken(r) => self.lwa.refresh(r).await?,
                Grant::ClientCredentials { scope } => self.lwa.client_credentials(scope).await?,
            };
            Ok(resp.access())
        })
    }
}

/// Caches an access token, refreshes it ahead of expiry, and lets concurrent callers share one
/// refresh.
pub struct TokenProvider {
    source: Arc<dyn TokenSource>,
    cache: Mutex<Cached>,
    /// Held while a token request is out: callers that find the token stale queue here, and
    /// all but the first find a fresh token once they get it.
    refreshing: tokio::sync::Mutex<()>,
    margin: Duration,
    fetches: AtomicU64,
}

#[derive(Default)]
struct Cached {
    token: Option<AccessToken>,
    /// The source said the authorization is gone; asking again cannot succeed.
    revoked: Option<String>,
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenProvider")
            .field("margin", &self.margin)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

impl TokenProvider {
    /// A provider over `source` that refreshes [`DEFAULT_REFRESH_MARGIN`] ahead of expiry.
    pub fn new(source: impl TokenSource) -> Self {
        Self::from_arc(Arc::new(source))
    }

    /// A provider over a shared source.
    pub fn from_arc(source: Arc<dyn TokenSource>) -> Self {
        TokenProvider {
            source,
            cache: Mutex::new(Cached::default()),
            refreshing: tokio::sync::Mutex::new(()),
            margin: DEFAULT_REFRESH_MARGIN,
            fetches: AtomicU64::new(0),
        }
    }

    /// A provider for an LWA grant.
    pub fn lwa(lwa: Lwa, grant: Grant) -> Self {
        Self::new(LwaGrant { lwa, grant })
    }

    /// Refresh this long before expiry (at most half a token's lifetime).
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Starts with `token` (the access token an authorization code exchange returned), so the
    /// first call does not need a token request.
    pub fn seed(&self, token: AccessToken) {
        self.lock().token = Some(token);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fresh(&self) -> Result<Option<String>, Error> {
        let c = self.lock();
        if let Some(description) = &c.revoked {
            return Err(Error::AuthorizationRevoked {
                description: description.clone(),
            });
        }
        let now = Instant::now();
        Ok(c.token
            .as_ref()
            .filter(|t| t.is_fresh_at(now, self.margin))
            .map(|t| t.token.clone()))
    }

    /// A fresh access token: the cached one, or a new one when it is missing or about to expire.
    pub async fn access_token(&self) -> Result<String, Error> {
        if let Some(t) = self.fresh()? {
            return Ok(t);
        }
        let _guard = self.refreshing.lock().await;
        // Whoever held the lock before us may have refreshed already.
        if let Some(t) = self.fresh()? {
            return Ok(t);
        }
        Ok(self.fetch_locked().await?.token)
    }

    /// Obtains a new access token now, whatever the cached one's age.
    pub async fn refresh(&self) -> Result<AccessToken, Error> {
        let _guard = self.refreshing.lock().await;
        self.fresh()?;
        self.fetch_locked().await
    }

    async fn fetch_locked(&self) -> Result<AccessToken, Error> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        match self.source.fetch().await {
            Ok(t) => {
                self.lock().token = Some(t.clone());
                Ok(t)
            }
            Err(Error::AuthorizationRevoked { description }) => {
                let mut c = self.lock();
                c.token = None;
                c.revoked = Some(description.clone());
                Err(Error::AuthorizationRevoked { description })
            }
            Err(e) => Err(e),
        }
    }

    /// Forgets `token` if it is the cached one (SP-API refused it), so the next call gets a new
    /// one. Concurrent calls refused with the same token cause one refresh, not one each.
    pub fn invalidate(&self, token: &str) {
        let mut c = self.lock();
        if c.token.as_ref().is_some_and(|t| t.token == token) {
            c.token = None;
        }
    }

    /// The cached token, fresh or not.
    pub fn current(&self) -> Option<AccessToken> {
        self.lock().token.clone()
    }

    /// How many times the source was asked for a token.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    struct Counting {
        n: AtomicUsize,
        lifetime: Duration,
    }

    impl TokenSource for Counting {
        fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + '_>> {
            Box::pin(async move {
                let n = self.n.fetch_add(1, Ordering::SeqCst);
                // A slow token endpoint: concurrent callers pile up behind this request.
                tokio::time::sleep(Duration::from_millis(500)).await;
                Ok(AccessToken::new(format!("Atza|t{n}"), self.lifetime))
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn refreshes_ahead_of_expiry_and_shares_one_refresh() {
        let p = Arc::new(TokenProvider::new(Counting {
            n: AtomicUsize::new(0),
            lifetime: Duration::from_secs(3600),
        }));
        let calls: Vec<_> = (0..20)
            .map(|_| {
                let p = p.clone();
                tokio::spawn(async move { p.access_token().await.unwrap() })
            })
            .collect();
        for c in calls {
            assert_eq!(c.await.unwrap(), "Atza|t0");
        }
        assert_eq!(p.fetch_count(), 1);
        // 59 minutes later the token has a minute left: it is refreshed ahead of expiry.
        tokio::time::advance(Duration::from_secs(3530)).await;
        assert_eq!(p.access_token().await.unwrap(), "Atza|t0");
        tokio::time::advance(Duration::from_secs(20)).await;
        assert_eq!(p.access_token().await.unwrap(), "Atza|t1");
        assert_eq!(p.fetch_count(), 2);
        // A refused token is forgotten once, however many calls report it.
        p.invalidate("Atza|t1");
        p.invalidate("Atza|t1");
        assert_eq!(p.access_token().await.unwrap(), "Atza|t2");
        p.invalidate("Atza|t1");
        assert_eq!(p.access_token().await.unwrap(), "Atza|t2");
    }

    #[test]
    fn short_lived_tokens_use_half_their_life() {
        let t = AccessToken::new("x".into(), Duration::from_secs(40));
        assert!(t.is_fresh_at(
            t.obtained_at + Duration::from_secs(19),
            DEFAULT_REFRESH_MARGIN
        ));
        assert!(!t.is_fresh_at(
            t.obtained_at + Duration::from_secs(20),
            DEFAULT_REFRESH_MARGIN
        ));
    }
}
