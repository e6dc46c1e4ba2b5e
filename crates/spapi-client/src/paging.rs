//! Pagination as async streams.
//!
//! An operation pages when it takes a page token in the query (`NextToken`, `nextToken`,
//! `pageToken`, `paginationToken`, `nextPageToken`) and its response carries the next one. Where
//! the response carries it differs by API: `payload.NextToken` (v0 APIs), `nextToken` at the
//! top level, `pagination.nextToken`, `payload.nextPageToken`... codegen finds the field in each
//! model and writes the table [`crate::generated::PAGING`]. A stream sends the first request,
//! yields each page, and asks for the next one while the response names a token.
//!
//! What a follow-up request carries besides the token differs too (see [`PageMode`]).

use crate::client::{ApiHandle, Response};
use crate::error::Error;
use crate::request::OpRequest;
use futures_util::stream::{self, StreamExt};
use serde::de::DeserializeOwned;

/// What a follow-up page request sends besides the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageMode {
    /// Every parameter of the first request again (Orders `getOrders` expects the filters
    /// to be sent again with `NextToken`); the default.
    Repeat,
    /// The token alone: Reports `getReports` and Feeds `getFeeds` fail when other parameters
    /// come with `nextToken` (their models say to send "this token as the only parameter").
    TokenOnly,
    /// The required parameters and the token: Invoices `getInvoices` and `getInvoicesExports`
    /// refuse `nextToken` with the optional filters (their models' examples), yet need
    /// `marketplaceId`.
    RequiredAndToken,
}

/// How one operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// API module key (`orders_v0`).
    pub api: &'static str,
    /// The operationId.
    pub operation_id: &'static str,
    /// The query parameter that takes the page token.
    pub token_param: &'static str,
    /// JSON pointer to the next token in the response (`/payload/NextToken`).
    pub token_pointer: &'static str,
    /// What a follow-up request carries.
    pub mode: PageMode,
}

impl Paging {
    /// The next token named by a response body, if any.
    pub fn next_token(&self, body: &serde_json::Value) -> Option<String> {
        body.pointer(self.token_pointer)
            .and_then(serde_json::Value::as_str)
            .filter(|t| !t.is_empty())
            .map(String::from)
    }
}

/// How the operation `operation_id` of `api` pages, if it does.
pub fn lookup(api: &str, operation_id: &str) -> Option<&'static Paging> {
    crate::generated::PAGING
        .iter()
        .find(|p| p.api == api && p.operation_id == operation_id)
}

/// A stream of pages (boxed, so it is `Unpin`: `while let Some(p) = pages.try_next().await?`).
pub type Pages<T> = futures_util::stream::BoxStream<'static, Result<T, Error>>;

enum State {
    Next(OpRequest, Option<String>),
    Failed(Error),
    Done,
}

/// Every page of a call as raw responses, in order; stops after the first error.
pub fn pages_raw(
    handle: ApiHandle,
    first: Result<OpRequest, Error>,
    paging: &'static Paging,
) -> Pages<Response> {
    let start = match first {
        Ok(r) => State::Next(r, None),
        Err(e) => State::Failed(e),
    };
    stream::unfold(start, move |state| {
        let handle = handle.clone();
        async move {
            let (req, previous) = match state {
                State::Next(r, previous) => (r, previous),
                State::Failed(e) => return Some((Err(e), State::Done)),
                State::Done => return None,
            };
            match handle.send(req.clone()).await {
                Ok(resp) => {
                    let next = resp
                        .value()
                        .ok()
                        .and_then(|v| paging.next_token(&v))
                        // A server that hands back the token it was given would loop forever.
                        .filter(|t| previous.as_deref() != Some(t.as_str()));
                    let state = match next {
                        Some(t) => State::Next(
                            req.for_next_page(paging.mode, paging.token_param, &t),
                            Some(t),
                        ),
                        None => State::Done,
                    };
                    Some((Ok(resp), state))
                }
                Err(e) => Some((Err(e), State::Done)),
            }
        }
    })
    .boxed()
}

/// Every page of a call, decoded as `T`.
pub fn pages<T: DeserializeOwned + Send + 'static>(
    handle: ApiHandle,
    first: Result<OpRequest, Error>,
    paging: &'static Paging,
) -> Pages<T> {
    pages_raw(handle, first, paging)
        .map(|r| r.and_then(|resp| resp.json()))
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_paging_entry_names_an_operation_and_its_token_parameter() {
        assert!(crate::generated::PAGING.len() >= 40);
        for p in crate::generated::PAGING {
            let op = crate::operation(p.api, p.operation_id);
            let param = op.param(p.token_param).expect("token parameter");
            assert_eq!(param.location, spapi_model::Location::Query, "{p:?}");
            assert!(p.token_pointer.starts_with('/'), "{p:?}");
        }
        let orders = lookup("orders_v0", "getOrders").unwrap();
        assert_eq!(orders.token_pointer, "/payload/NextToken");
        assert_eq!(orders.mode, PageMode::Repeat);
        assert_eq!(
            lookup("reports_2021_06_30", "getReports").unwrap().mode,
            PageMode::TokenOnly
        );
        let next = orders.next_token(&serde_json::json!({"payload": {"NextToken": "x"}}));
        assert_eq!(next.as_deref(), Some("x"));
    }
}
