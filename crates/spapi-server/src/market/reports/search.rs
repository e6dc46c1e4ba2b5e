//! getReports and getFeeds: the search a request's filters describe, its pages (newest first),
//! and the `nextToken` that carries the whole search to the next page.
//!
//! Amazon documents for both operations that a call with `nextToken` ignores every other
//! parameter: the token alone is enough, and filters sent again with it are accepted and
//! ignored. So the token (in [`crate::market::paging`]'s format) holds the filters, the page
//! size and the position after the last row served.

use crate::error::{Error, Result};
use crate::market::paging;
use crate::store::StoreError;
use crate::store::reports::JobQuery;
use crate::time::parse_date_time;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The page size when `pageSize` is absent.
const DEFAULT_PAGE_SIZE: i64 = 10;
/// The largest `pageSize`.
const MAX_PAGE_SIZE: i64 = 100;
/// How far back a search reaches when `createdSince` is absent (Amazon: 90 days).
const DEFAULT_LOOKBACK: SignedDuration = SignedDuration::from_hours(90 * 24);

/// Which operation a search serves (a token of one is not a token of the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// getReports.
    Reports,
    /// getFeeds.
    Feeds,
}

impl Kind {
    /// The tag a token of this kind carries.
    fn tag(self) -> &'static str {
        match self {
            Kind::Reports => "reports",
            Kind::Feeds => "feeds",
        }
    }

    /// The types parameter (`reportTypes`, `feedTypes`).
    fn types_field(self) -> &'static str {
        match self {
            Kind::Reports => "reportTypes",
            Kind::Feeds => "feedTypes",
        }
    }
}

/// The filters of a getReports / getFeeds request, as sent.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// `reportTypes` / `feedTypes`: required unless `next_token` is given.
    pub types: Vec<String>,
    /// `processingStatuses` (any of; none: all).
    pub statuses: Vec<String>,
    /// `marketplaceIds` (any of; none: all).
    pub marketplace_ids: Vec<String>,
    /// `pageSize`: 1 to 100, 10 when absent.
    pub page_size: Option<i64>,
    /// `createdSince`: 90 days ago when absent.
    pub created_since: Option<String>,
    /// `createdUntil`: now when absent.
    pub created_until: Option<String>,
    /// `nextToken`: when given, the search it carries; the other filters are ignored.
    pub next_token: Option<String>,
}

/// One page of a search.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows, newest first.
    pub rows: Vec<T>,
    /// The token of the next page, when more rows follow.
    pub next_token: Option<String>,
}

/// What a token carries: the search without its seller (always the caller's), and the
/// position after the last row served.
#[derive(Serialize, Deserialize)]
struct TokenState {
    kind: String,
    types: Vec<String>,
    statuses: Vec<String>,
    marketplaces: Vec<String>,
    since_us: i64,
    until_us: i64,
    size: u32,
    before: (i64, i64),
}

/// The search of a request for `seller_id`: the one its `nextToken` carries, or the one its
/// filters describe (with their defaults) at `now`.
pub fn query(kind: Kind, seller_id: &str, filters: Filters, now: Timestamp) -> Result<JobQuery> {
    match filters.next_token.as_deref() {
        Some(token) => from_token(kind, seller_id, token),
        None => from_filters(kind, seller_id, filters, now),
    }
}

fn from_filters(kind: Kind, seller_id: &str, f: Filters, now: Timestamp) -> Result<JobQuery> {
    let field = kind.types_field();
    if f.types.is_empty() {
        return Err(Error::invalid_parameter(
            field,
            format!("{field} is required when nextToken is not given."),
        ));
    }
    let date = |name: &str, v: Option<&str>| -> Result<Option<Timestamp>> {
        v.map(|s| {
            parse_date_time(s).ok_or_else(|| {
                Error::invalid_parameter(name, format!("Invalid Date-Time field(s) [{name}]."))
            })
        })
        .transpose()
    };
    let until = date("createdUntil", f.created_until.as_deref())?.unwrap_or(now);
    let since = date("createdSince", f.created_since.as_deref())?
        .unwrap_or_else(|| now.checked_sub(DEFAULT_LOOKBACK).unwrap_or(now));
    if since > until {
        return Err(Error::invalid_input(
            "createdSince must be before createdUntil.",
        ));
    }
    let size = f.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&size) {
        return Err(Error::invalid_parameter(
            "pageSize",
            "pageSize must be from 1 to 100.",
        ));
    }
    Ok(JobQuery {
        seller_id: seller_id.into(),
        types: f.types,
        statuses: f.statuses,
        marketplace_ids: f.marketplace_ids,
        since_us: since.as_microsecond(),
        until_us: until.as_microsecond(),
        before: None,
        limit: size as u32,
    })
}

fn from_token(kind: Kind, seller_id: &str, token: &str) -> Result<JobQuery> {
    let s: TokenState = paging::decode_token(token)?;
    // A token of the other operation, or one no page of spapi's could carry, is as undecodable
    // as a mangled one.
    if s.kind != kind.tag() || !(1..=MAX_PAGE_SIZE as u32).contains(&s.size) {
        return Err(Error::invalid_input(paging::UNDECODABLE));
    }
    Ok(JobQuery {
        seller_id: seller_id.into(),
        types: s.types,
        statuses: s.statuses,
        marketplace_ids: s.marketplaces,
        since_us: s.since_us,
        until_us: s.until_us,
        before: Some(s.before),
        limit: s.size,
    })
}

fn to_token(kind: Kind, q: &JobQuery, before: (i64, i64)) -> String {
    paging::encode_token(&TokenState {
        kind: kind.tag().into(),
        types: q.types.clone(),
        statuses: q.statuses.clone(),
        marketplaces: q.marketplace_ids.clone(),
        since_us: q.since_us,
        until_us: q.until_us,
        size: q.limit,
        before,
    })
}

/// One page of search `q`: asks `fetch` for one row more than the page, to know whether
/// another page follows, and gives the page's rows with the token of the rest (the same
/// search, resumed after the page's last row by its `key`: creation time and store id).
pub async fn page<T, Fut>(
    kind: Kind,
    q: JobQuery,
    fetch: impl FnOnce(JobQuery) -> Fut,
    key: impl Fn(&T) -> (i64, i64),
) -> Result<Page<T>>
where
    Fut: std::future::Future<Output = Result<Vec<T>, StoreError>>,
{
    let limit = q.limit as usize;
    let mut rows = fetch(JobQuery {
        limit: q.limit + 1,
        ..q.clone()
    })
    .await?;
    if rows.len() <= limit {
        return Ok(Page {
            rows,
            next_token: None,
        });
    }
    rows.truncate(limit);
    let next_token = rows.last().map(|last| to_token(kind, &q, key(last)));
    Ok(Page { rows, next_token })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2025-03-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_token_carries_the_whole_search_of_its_kind() {
        let f = Filters {
            types: vec!["GET_AFN_INVENTORY_DATA".into()],
            statuses: vec!["DONE".into()],
            marketplace_ids: vec!["ATVPDKIKX0DER".into()],
            page_size: Some(2),
            ..Filters::default()
        };
        let q = query(Kind::Reports, "S1", f, now()).unwrap();
        let token = to_token(Kind::Reports, &q, (7, 3));
        let resumed = query(
            Kind::Reports,
            "S1",
            Filters {
                next_token: Some(token.clone()),
                ..Filters::default()
            },
            now(),
        )
        .unwrap();
        assert_eq!(resumed.types, q.types);
        assert_eq!(resumed.statuses, q.statuses);
        assert_eq!(resumed.marketplace_ids, q.marketplace_ids);
        assert_eq!(
            (resumed.since_us, resumed.until_us),
            (q.since_us, q.until_us)
        );
        assert_eq!((resumed.limit, resumed.before), (2, Some((7, 3))));
        // A getReports token is no getFeeds token.
        let other = Filters {
            next_token: Some(token),
            ..Filters::default()
        };
        let e = query(Kind::Feeds, "S1", other, now()).unwrap_err();
        assert!(
            matches!(&e, Error::Invalid(message) if message == paging::UNDECODABLE),
            "{e:?}"
        );
    }
}
