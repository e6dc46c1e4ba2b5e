//! # spapi-client
//!
//! A Selling Partner API client that does what the authorization workflow asks of an app, against
//! Amazon or against spapi:
//!
//! - **Endpoints** per region for production and sandbox, or a custom base URL (spapi), with a
//!   custom LWA URL ([`Endpoint`]).
//! - **Tokens**: the refresh token and client credentials grants of Login with Amazon; the
//!   access token is cached, refreshed ahead of expiry, and concurrent calls share one refresh
//!   ([`token::TokenProvider`]). A seller's revocation is its own error,
//!   [`Error::AuthorizationRevoked`].
//! - **Typed calls** for every operation of the generated table, one handle per API
//!   (`client.orders_v0()`, behind a cargo feature of the same name), and **pagination** as
//!   async streams (`get_orders_pages`; the operations that page are in [`generated::PAGING`]).
//! - **Restricted Data Tokens** obtained and cached for the resources of a call
//!   (`client.orders_v0().restricted(["buyerInfo"])`).
//! - **Retries** with jittered exponential backoff on 429, 500, 503 and connection errors,
//!   bounded, honouring `x-amzn-RateLimit-Limit`; a non-idempotent call is not retried after the
//!   server may have acted on it ([`retry`] has the rule).
//! - **Usage plans**: a token bucket per (seller, operation) that makes calls wait rather than
//!   fail ([`limiter::RateLimiter`]).
//! - **Consent**: the consent URL with a random `state`, the redirect check, a loopback receiver
//!   ([`consent`]).
//!
//! ## Calling spapi
//!
//! ```no_run
//! use spapi_client::{Client, Endpoint};
//! use spapi_client::model::orders_v0::params::GetOrders;
//! use futures_util::TryStreamExt;
//!
//! # async fn run() -> Result<(), spapi_client::Error> {
//! let client = Client::builder(Endpoint::custom("http://127.0.0.1:8910"))
//!     .credentials("amzn1.application-oa2-client.…", "amzn1.oa2-cs.v1.…")
//!     .refresh_token("Atzr|…")
//!     .selling_partner_id("A1EXAMPLESELLER")
//!     .build()?;
//! let params = GetOrders {
//!     marketplace_ids: vec!["ATVPDKIKX0DER".into()],
//!     created_after: Some("2025-01-01T00:00:00Z".into()),
//!     ..Default::default()
//! };
//! // One page...
//! let first = client.orders_v0().get_orders(params.clone()).await?;
//! println!("{:?}", first.payload.map(|p| p.orders.len()));
//! // ...or all of them, with buyer information through a Restricted Data Token.
//! let pages: Vec<_> = client
//!     .orders_v0()
//!     .restricted(["buyerInfo", "shippingAddress"])
//!     .get_orders_pages(params)
//!     .try_collect()
//!     .await?;
//! println!("{} pages", pages.len());
//! # Ok(()) }
//! ```
//!
//! ## Calling Amazon
//!
//! Only the endpoint changes. Amazon's hosts are https: turn on the `rustls` feature
//! (`spapi-client = { version = "…", features = ["rustls"] }`), which uses rustls on ring with
//! the platform's root certificates (without it, building a client for an https endpoint is an
//! error):
//!
//! ```no_run
//! use spapi_client::{Client, Endpoint, Region};
//! # fn run() -> Result<(), spapi_client::Error> {
//! let client = Client::builder(Endpoint::production(Region::Europe))
//!     .credentials(std::env::var("LWA_CLIENT_ID").unwrap(), std::env::var("LWA_CLIENT_SECRET").unwrap())
//!     .refresh_token(std::env::var("SP_API_REFRESH_TOKEN").unwrap())
//!     .build()?;
//! # let _ = client; Ok(()) }
//! ```
//!
//! See `examples/` for the whole consent workflow.

pub mod consent;
pub mod endpoint;
pub mod error;
pub mod limiter;
pub mod paging;
pub mod rdt;
pub mod request;
pub mod retry;
pub mod token;

mod client;
pub mod generated;

pub use client::{
    ACCESS_TOKEN_HEADER, ApiHandle, Client, ClientBuilder, RATE_LIMIT_HEADER, REQUEST_ID_HEADER,
    Response, USER_AGENT, find_operation, http_client, install_crypto_provider, operation,
};
pub use endpoint::{Endpoint, Region};
pub use error::{ApiError, ApiErrorEntry, Error};
pub use request::OpRequest;
/// The generated wire types, parameters and operation table.
pub use spapi_model as model;

/// The README's examples, compiled as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
