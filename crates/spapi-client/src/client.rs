//! The client: sends calls with the right token, through the usage-plan limiter, with retries.

use crate::endpoint::Endpoint;
use crate::error::{Error, api_error};
use crate::limiter::RateLimiter;
use crate::paging::Paging;
use crate::rdt::{RdtCache, RestrictedResource};
use crate::request::OpRequest;
use crate::retry::{RetryPolicy, is_idempotent, retry_status};
use crate::token::{Grant, Lwa, LwaCredentials, TokenProvider};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use spapi_model::Operation;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The header that carries the access token or RDT.
pub const ACCESS_TOKEN_HEADER: &str = "x-amz-access-token";
/// The response header with the request id.
pub const REQUEST_ID_HEADER: &str = "x-amzn-RequestId";
/// The response header with the operation's rate (requests per second).
pub const RATE_LIMIT_HEADER: &str = "x-amzn-RateLimit-Limit";
/// The `User-Agent` the client sends, in the form Amazon asks for (`App/Version (Language=..)`).
pub const USER_AGENT: &str = concat!(
    "spapi-client/",
    env!("CARGO_PKG_VERSION"),
    " (Language=Rust)"
);

/// The operation `operation_id` of API `api` in the table.
///
/// # Panics
/// When the table has no such operation (generated code only asks for operations it was
/// generated from).
pub fn operation(api: &str, operation_id: &str) -> &'static Operation {
    spapi_model::OPERATIONS
        .iter()
        .find(|o| o.api == api && o.operation_id == operation_id)
        .unwrap_or_else(|| panic!("no operation {api}::{operation_id} in the table"))
}

/// Finds an operation by operationId (`getOrders`) or `api.operationId` (`orders_v0.getOrders`,
/// for the operationIds that several APIs share, such as `getShipment`).
pub fn find_operation(name: &str) -> Result<&'static Operation, Error> {
    let (api, id) = match name.split_once(['.', ':']) {
        Some((a, i)) => (Some(a), i),
        None => (None, name),
    };
    let found: Vec<&'static Operation> = spapi_model::OPERATIONS
        .iter()
        .filter(|o| o.operation_id == id && api.is_none_or(|a| a == o.api))
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::InvalidRequest(format!(
            "no operation {name}; `spapi operations` lists them"
        ))),
        many => Err(Error::InvalidRequest(format!(
            "{id} is an operation of several APIs; say which: {}",
            many.iter()
                .map(|o| format!("{}.{}", o.api, o.operation_id))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A response of SP-API.
#[derive(Debug, Clone)]
pub struct Response {
    /// The operation called.
    pub operation_id: &'static str,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Response {
    /// `x-amzn-RequestId`.
    pub fn request_id(&self) -> Option<String> {
        header_str(&self.headers, REQUEST_ID_HEADER)
    }

    /// `x-amzn-RateLimit-Limit` as a number.
    pub fn rate_limit(&self) -> Option<f64> {
        header_str(&self.headers, RATE_LIMIT_HEADER).and_then(|v| v.trim().parse().ok())
    }

    /// The body decoded as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|source| Error::Decode {
            operation_id: self.operation_id,
            status: self.status,
            request_id: self.request_id(),
            source,
        })
    }

    /// The body as JSON (`null` when empty).
    pub fn value(&self) -> Result<serde_json::Value, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(serde_json::Value::Null);
        }
        self.json()
    }
}

fn header_str(h: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(String::from)
}

/// Builds a [`Client`].
#[must_use]
pub struct ClientBuilder {
    endpoint: Endpoint,
    credentials: Option<LwaCredentials>,
    refresh_token: Option<String>,
    seller_tokens: Option<Arc<TokenProvider>>,
    selling_partner_id: Option<String>,
    limiter: Option<Arc<RateLimiter>>,
    limit: bool,
    retry: RetryPolicy,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    refresh_margin: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("endpoint", &self.endpoint)
            .field("credentials", &self.credentials)
            .field("selling_partner_id", &self.selling_partner_id)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// A builder for calls to `endpoint`.
    pub fn new(endpoint: Endpoint) -> Self {
        ClientBuilder {
            endpoint,
            credentials: None,
            refresh_token: None,
            seller_tokens: None,
            selling_partner_id: None,
            limiter: None,
            limit: true,
            retry: RetryPolicy::default(),
            http: None,
            timeout: Some(Duration::from_secs(60)),
            refresh_margin: None,
        }
    }

    /// The app's LWA client id and secret (for refresh and grantless tokens).
    pub fn credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(LwaCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        });
        self
    }

    /// The seller's refresh token: calls act for that seller.
    pub fn refresh_token(mut self, refresh_token: impl Into<String>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// Seller access tokens from this provider instead of one built from the refresh token
    /// (to share one provider between clients, or to plug in another token source).
    pub fn token_provider(mut self, provider: Arc<TokenProvider>) -> Self {
        self.seller_tokens = Some(provider);
        self
    }

    /// The seller's id: the key of the usage-plan buckets (default: one bucket set per client).
    pub fn selling_partner_id(mut self, id: impl Into<String>) -> Self {
        self.selling_partner_id = Some(id.into());
        self
    }

    /// Use this limiter (shared with other clients of the same seller).
    pub fn rate_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self.limit = true;
        self
    }

    /// Send calls without waiting for the usage plan (the server's 429s are still retried).
    pub fn without_rate_limiter(mut self) -> Self {
        self.limit = false;
        self
    }

    /// The retry policy (default: 5 retries, 0.5 s doubling to 60 s, jittered).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Timeout of one HTTP request (default 60 s; `None`: no timeout).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Refresh access tokens this long before they expire (default 60 s).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// Use this HTTP client (its timeout and TLS settings) instead of building one.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client. Refuses to send credentials over plain http to anything but a
    /// loopback address.
    pub fn build(self) -> Result<Client, Error> {
        if cfg!(not(feature = "rustls"))
            && [&self.endpoint.base_url, &self.endpoint.lwa_url]
                .iter()
                .any(|u| u.to_ascii_lowercase().starts_with("https://"))
        {
            return Err(Error::InvalidRequest(
                "https endpoints (Amazon) need the `rustls` feature of spapi-client".into(),
            ));
        }
        if !self.endpoint.is_loopback_or_https() {
            return Err(Error::InvalidRequest(format!(
                "refusing to send tokens over plain http to {} / {}: use https (or a loopback address)",
                self.endpoint.base_url, self.endpoint.lwa_url
            )));
        }
        let http = match self.http {
            Some(h) => h,
            None => http_client(self.timeout)?,
        };
        let lwa = self.credentials.map(|c| {
            Lwa::new(http.clone(), self.endpoint.lwa_url.clone(), c).with_retry(self.retry)
        });
        let seller = match (self.seller_tokens, &self.refresh_token, &lwa) {
            (Some(p), _, _) => Some(p),
            (None, Some(r), Some(lwa)) => {
                let mut p = TokenProvider::lwa(lwa.clone(), Grant::RefreshToken(r.clone()));
                if let Some(m) = self.refresh_margin {
                    p = p.with_refresh_margin(m);
                }
                Some(Arc::new(p))
            }
            (None, Some(_), None) => {
                return Err(Error::InvalidRequest(
                    "a refresh token needs the app's client id and secret".into(),
                ));
            }
            (None, None, _) => None,
        };
        let limiter = if self.limit {
            Some(self.limiter.unwrap_or_default())
        } else {
            None
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                limiter_key: self
                    .selling_partner_id
                    .clone()
                    .unwrap_or_else(|| "default".into())
                    .into(),
                selling_partner_id: self.selling_partner_id,
                endpoint: self.endpoint,
                lwa,
                seller,
                grantless: Mutex::new(HashMap::new()),
                limiter,
                retry: self.retry,
                rdt: RdtCache::default(),
                refresh_margin: self.refresh_margin,
            }),
        })
    }
}

/// Installs ring as rustls' process-wide crypto provider (with the `rustls` feature; otherwise
/// does nothing). [`http_client`] does it; a program that also builds its own `reqwest` clients
/// calls this first, since reqwest's rustls without aws-lc has no provider of its own.
pub fn install_crypto_provider() {
    #[cfg(feature = "rustls")]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// An HTTP client for SP-API and LWA: rustls on ring, the client's `User-Agent`, no redirects
/// (a redirect from SP-API would be unexpected, and LWA does not redirect).
pub fn http_client(timeout: Option<Duration>) -> Result<reqwest::Client, Error> {
    // reqwest's rustls has no crypto provider of its own here (aws-lc is slow to build and needs
    // cmake): install ring's as the process default, unless the program installed one.
    install_crypto_provider();
    let mut b = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(t) = timeout {
        b = b.timeout(t);
    }
    b.build()
        .map_err(|e| Error::transport("building the HTTP client", e))
}

struct Inner {
    http: reqwest::Client,
    endpoint: Endpoint,
    lwa: Option<Lwa>,
    seller: Option<Arc<TokenProvider>>,
    selling_partner_id: Option<String>,
    grantless: Mutex<HashMap<String, Arc<TokenProvider>>>,
    limiter: Option<Arc<RateLimiter>>,
    limiter_key: Arc<str>,
    retry: RetryPolicy,
    rdt: RdtCache,
    refresh_margin: Option<Duration>,
}

/// An SP-API client for one app and (optionally) one seller. Cheap to clone: clones share
/// tokens, RDTs and usage-plan buckets.
///
/// Typed calls are on the API handles: `client.orders_v0().get_orders(params)`.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("selling_partner_id", &self.inner.selling_partner_id)
            .finish_non_exhaustive()
    }
}

/// Which token a call carried, to forget the right one when the server refuses it.
enum Used {
    Seller,
    Grantless(Arc<TokenProvider>),
    Rdt,
}

impl Client {
    /// A builder for calls to `endpoint`.
    pub fn builder(endpoint: Endpoint) -> ClientBuilder {
        ClientBuilder::new(endpoint)
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The LWA token endpoint with the app's credentials, if the client has them.
    pub fn lwa(&self) -> Option<&Lwa> {
        self.inner.lwa.as_ref()
    }

    /// The provider of the seller's access tokens, if the client acts for a seller.
    pub fn seller_tokens(&self) -> Option<&Arc<TokenProvider>> {
        self.inner.seller.as_ref()
    }

    /// The usage-plan limiter, unless turned off.
    pub fn rate_limiter(&self) -> Option<&Arc<RateLimiter>> {
        self.inner.limiter.as_ref()
    }

    /// A handle for raw calls of any operation (what the typed API handles wrap).
    pub fn handle(&self) -> ApiHandle {
        ApiHandle::new(self.clone())
    }

    fn grantless_provider(&self, scope: &str) -> Result<Arc<TokenProvider>, Error> {
        let lwa = self.inner.lwa.as_ref().ok_or_else(|| {
            Error::InvalidRequest(format!(
                "a grantless call ({scope}) needs the app's client id and secret"
            ))
        })?;
        let mut map = self
            .inner
            .grantless
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        Ok(map
            .entry(scope.to_string())
            .or_insert_with(|| {
                let mut p = TokenProvider::lwa(
                    lwa.clone(),
                    Grant::ClientCredentials {
                        scope: scope.to_string(),
                    },
                );
                if let Some(m) = self.inner.refresh_margin {
                    p = p.with_refresh_margin(m);
                }
                Arc::new(p)
            })
            .clone())
    }

    fn seller_provider(&self, op: &Operation) -> Result<&Arc<TokenProvider>, Error> {
        self.inner.seller.as_ref().ok_or_else(|| {
            Error::InvalidRequest(format!(
                "{} acts for a seller: give the client the seller's refresh token",
                op.operation_id
            ))
        })
    }

    /// The token for a call of `op` at `path`: a grantless token for grantless operations, an
    /// RDT for restricted operations when `restricted` asks for one, else the seller's.
    async fn token_for(
        &self,
        op: &'static Operation,
        path: &str,
        restricted: Option<&[String]>,
    ) -> Result<(String, Used), Error> {
        if let Some(scope) = op.grantless_scope {
            let p = self.grantless_provider(scope)?;
            let t = p.access_token().await?;
            return Ok((t, Used::Grantless(p)));
        }
        if op.restricted
            && let Some(elements) = restricted
        {
            let resource = crate::rdt::resource_for(op, path, elements);
            let t = self.restricted_data_token(&[resource]).await?;
            return Ok((t, Used::Rdt));
        }
        let t = self.seller_provider(op)?.access_token().await?;
        Ok((t, Used::Seller))
    }

    /// A Restricted Data Token for `resources` (at most 50), from the cache while it has a
    /// fresh one, else from `createRestrictedDataToken`.
    pub async fn restricted_data_token(
        &self,
        resources: &[RestrictedResource],
    ) -> Result<String, Error> {
        let key = RdtCache::key(resources);
        if let Some(t) = self.inner.rdt.get(&key) {
            return Ok(t);
        }
        let op = operation("tokens_2021_03_01", "createRestrictedDataToken");
        let mut req = OpRequest::new(op);
        req.body = Some(serde_json::json!({ "restrictedResources": key }));
        // The RDT request itself carries the seller's access token.
        let resp = Box::pin(self.send(req, None)).await?;
        #[derive(serde::Deserialize)]
        struct Rdt {
            #[serde(rename = "restrictedDataToken")]
            token: String,
            #[serde(rename = "expiresIn")]
            expires_in: u64,
        }
        let rdt: Rdt = resp.json()?;
        let token = crate::token::AccessToken::new(rdt.token, Duration::from_secs(rdt.expires_in));
        let t = token.token.clone();
        self.inner.rdt.put(key, token);
        Ok(t)
    }

    /// How many RDTs the cache holds.
    pub fn cached_rdt_count(&self) -> usize {
        self.inner.rdt.len()
    }

    /// Sends a call, with the limiter, the token it needs and the retry rule of
    /// [`crate::retry`]. `restricted`: for a restricted operation, the data elements of the RDT
    /// to call it with (`Some(&[])` for an RDT without elements; `None`: the plain access
    /// token, and the response lacks the personal data).
    pub async fn send(
        &self,
        req: OpRequest,
        restricted: Option<&[String]>,
    ) -> Result<Response, Error> {
        let op = req.op;
        let path = req.path()?;
        let url = req.url(&self.inner.endpoint.base_url)?;
        let method = reqwest::Method::from_bytes(op.method.as_str().as_bytes())
            .unwrap_or(reqwest::Method::GET);
        let idempotent = is_idempotent(op.method);
        let body = match &req.body {
            Some(b) => Some(
                serde_json::to_vec(b).map_err(|e| Error::InvalidRequest(format!("body: {e}")))?,
            ),
            None => None,
        };
        let retry = self.inner.retry;
        let mut delays = retry.delays();
        let mut refreshed_token = false;
        loop {
            if let Some(l) = &self.inner.limiter {
                l.acquire(&self.inner.limiter_key, op).await;
            }
            let (token, used) = self.token_for(op, &path, restricted).await?;
            let mut rb = self
                .inner
                .http
                .request(method.clone(), &url)
                .header(ACCESS_TOKEN_HEADER, &token)
                .header(reqwest::header::ACCEPT, "application/json");
            for (k, v) in &req.headers {
                rb = rb.header(*k, v);
            }
            if let Some(b) = &body {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            // (Amazon dropped AWS SigV4 signing in 2023: the access token is all a call needs.)
            let (err, throttled) = match rb.send().await {
                Err(e) => {
                    // A connection that never opened sent nothing; anything else may have
                    // reached the server.
                    let retryable = e.is_connect() || idempotent;
                    let err = Error::transport(op.operation_id, e);
                    if !retryable {
                        return Err(err);
                    }
                    (err, false)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let bytes = match resp.bytes().await {
                        Ok(b) => b,
                        Err(e) if idempotent => {
                            let err = Error::transport(op.operation_id, e);
                            match delays.next() {
                                Some(d) => {
                                    tokio::time::sleep(d).await;
                                    continue;
                                }
                                None => return Err(err),
                            }
                        }
                        Err(e) => return Err(Error::transport(op.operation_id, e)),
                    };
                    let response = Response {
                        operation_id: op.operation_id,
                        status,
                        headers,
                        body: bytes,
                    };
                    if let (Some(l), Some(rate)) = (&self.inner.limiter, response.rate_limit()) {
                        l.observe_rate(&self.inner.limiter_key, op, rate);
                    }
                    if (200..300).contains(&status) {
                        return Ok(response);
                    }
                    if status == 403 && !refreshed_token && token_refused(&response.body) {
                        // The token was refused before the call did anything: get a new one
                        // once. A revoked authorization then fails at LWA with
                        // AuthorizationRevoked.
                        refreshed_token = true;
                        match used {
                            Used::Seller => {
                                if let Some(p) = &self.inner.seller {
                                    p.invalidate(&token);
                                }
                            }
                            Used::Grantless(p) => p.invalidate(&token),
                            Used::Rdt => self.inner.rdt.forget(&token),
                        }
                        continue;
                    }
                    let err = api_error(
                        op.operation_id,
                        status,
                        response.request_id(),
                        &response.body,
                    );
                    if !retry_status(status, idempotent) {
                        return Err(err);
                    }
                    (err, status == 429)
                }
            };
            let Some(delay) = delays.next() else {
                return Err(err);
            };
            let delay = if throttled {
                let rate = self
                    .inner
                    .limiter
                    .as_ref()
                    .and_then(|l| l.rate(&self.inner.limiter_key, op))
                    .or(op.usage_plan.map(|p| p.rate));
                retry.throttled_delay(delay, rate)
            } else {
                delay
            };
            tracing::debug!(operation = op.operation_id, ?delay, error = %err, "retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// Calls any operation by name (`getOrders` or `orders_v0.getOrders`) with name/value
    /// parameters, as `spapi call` does.
    pub async fn call(
        &self,
        operation: &str,
        params: &[(String, String)],
        body: Option<serde_json::Value>,
    ) -> Result<Response, Error> {
        let op = find_operation(operation)?;
        self.send(OpRequest::from_pairs(op, params, body)?, None)
            .await
    }
}

/// Whether a 403 says the access token itself was refused (revoked, malformed, invalid or
/// expired), as opposed to a missing role.
fn token_refused(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct E {
        #[serde(default)]
        errors: Vec<crate::error::ApiErrorEntry>,
    }
    serde_json::from_slice::<E>(body).is_ok_and(|e| {
        e.errors.iter().any(|e| {
            e.code == "Unauthorized"
                && e.details
                    .as_deref()
                    .is_some_and(|d| d.contains("access token") || d.contains("expired"))
        })
    })
}

/// A client with the call options of an API handle. The typed handles
/// (`client.orders_v0()`) wrap one.
#[derive(Clone)]
pub struct ApiHandle {
    client: Client,
    restricted: Option<Arc<[String]>>,
}

impl fmt::Debug for ApiHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiHandle")
            .field("restricted", &self.restricted)
            .finish_non_exhaustive()
    }
}

impl ApiHandle {
    /// A handle without options.
    pub fn new(client: Client) -> Self {
        ApiHandle {
            client,
            restricted: None,
        }
    }

    /// Call restricted operations with a Restricted Data Token asking for `data_elements`
    /// (`buyerInfo`, `shippingAddress`, `buyerTaxInformation`; ignored by operations that take
    /// none), so that responses include the personal data. Other operations are unaffected.
    pub fn restricted<I, S>(mut self, data_elements: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.restricted = Some(data_elements.into_iter().map(Into::into).collect());
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends a call with this handle's options.
    pub async fn send(&self, req: OpRequest) -> Result<Response, Error> {
        self.client.send(req, self.restricted.as_deref()).await
    }

    /// Sends a call and decodes the success body.
    pub async fn json<T: DeserializeOwned>(
        &self,
        req: Result<OpRequest, Error>,
    ) -> Result<T, Error> {
        self.send(req?).await?.json()
    }

    /// Sends a call whose success has no body.
    pub async fn empty(&self, req: Result<OpRequest, Error>) -> Result<(), Error> {
        self.send(req?).await.map(|_| ())
    }

    /// Every page of a call, decoded.
    pub fn pages<T: DeserializeOwned + Send + 'static>(
        &self,
        req: Result<OpRequest, Error>,
        paging: &'static Paging,
    ) -> crate::paging::Pages<T> {
        crate::paging::pages(self.clone(), req, paging)
    }

    /// Every page of a call, raw.
    pub fn pages_raw(
        &self,
        req: Result<OpRequest, Error>,
        paging: &'static Paging,
    ) -> crate::paging::Pages<Response> {
        crate::paging::pages_raw(self.clone(), req, paging)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Region;

    #[test]
    fn amazon_endpoints_need_tls_and_plain_http_must_be_loopback() {
        let amazon = Client::builder(Endpoint::production(Region::NorthAmerica))
            .credentials("id", "secret")
            .refresh_token("Atzr|x")
            .build();
        // Building sends nothing: no request to Amazon is ever made here.
        if cfg!(feature = "rustls") {
            assert!(amazon.is_ok(), "{amazon:?}");
        } else {
            let e = amazon.unwrap_err().to_string();
            assert!(e.contains("rustls"), "{e}");
        }
        let remote = Client::builder(Endpoint::custom("http://203.0.113.9:8910")).build();
        assert!(remote.is_err());
        let grantless_only = Client::builder(Endpoint::custom("http://127.0.0.1:1"))
            .credentials("id", "secret")
            .build()
            .unwrap();
        assert!(grantless_only.seller_tokens().is_none());
    }

    #[test]
    fn operations_are_found_by_name() {
        assert_eq!(find_operation("getOrders").unwrap().api, "orders_v0");
        assert_eq!(
            find_operation("orders_v0.getOrders").unwrap().operation_id,
            "getOrders"
        );
        let shared = find_operation("getShipment").unwrap_err().to_string();
        assert!(
            shared.contains("merchant_fulfillment_v0.getShipment"),
            "{shared}"
        );
        assert!(find_operation("nope").is_err());
    }

    #[test]
    fn refused_tokens_are_told_from_missing_roles() {
        assert!(token_refused(br#"{"errors":[{"code":"Unauthorized","message":"m","details":"The access token you provided is revoked, malformed or invalid."}]}"#));
        assert!(token_refused(br#"{"errors":[{"code":"Unauthorized","message":"m","details":"The access token you provided has expired."}]}"#));
        assert!(!token_refused(
            br#"{"errors":[{"code":"Unauthorized","message":"m","details":""}]}"#
        ));
    }
}
