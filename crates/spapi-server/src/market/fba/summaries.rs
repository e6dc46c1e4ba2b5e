//! getInventorySummaries: a seller's FBA stock in one marketplace, by SKU.
//!
//! Amazon's rules: `granularityType` Marketplace with the marketplace as `granularityId`, one
//! marketplace; `startDateTime` (no earlier than 18 months ago) wins over `sellerSkus`, which
//! wins over `sellerSku`; none of them: every SKU. Changes of the inbound quantities do not
//! count for `startDateTime`. Pages of 50 by SKU; the `nextToken` lives 30 seconds (of the
//! emulator clock) and must come with the filters of the first page (Amazon asks clients to
//! resend `startDateTime` with it).

use super::stock::Stock;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::{marketplaces, paging};
use crate::store::Store;
use crate::store::fba::FbaSummaryQuery;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The request, as the binding parsed it.
pub type Params = spapi_model::fba_inventory_v1::params::GetInventorySummaries;

/// Summaries per page.
pub const PAGE_SIZE: usize = 50;

/// How long a `nextToken` can be used, in µs of the emulator clock.
pub const TOKEN_LIFETIME_US: i64 = 30_000_000;

/// Amazon's answer to a `nextToken` that is too old.
pub const TOKEN_EXPIRED: &str = "Next token is invalid or expired";

/// One page of summaries.
#[derive(Debug, Clone)]
pub struct Page {
    /// The marketplace (the granularity id).
    pub marketplace_id: String,
    /// The stock of each SKU, by SKU.
    pub summaries: Vec<Stock>,
    /// The token of the next page.
    pub next_token: Option<String>,
}

/// What a `nextToken` carries.
#[derive(Debug, Serialize, Deserialize)]
struct PageToken {
    /// The last SKU of the page before.
    after: String,
    /// When the token was issued, epoch µs.
    issued: i64,
    /// A fingerprint of the filters it was issued for.
    filter: String,
}

/// Which summaries a request asks for, after the precedence rules.
enum Filter {
    ChangedAfter(Timestamp),
    Skus(Vec<String>),
    All,
}

fn filter_of(p: &Params, now: Timestamp) -> Result<Filter> {
    if let Some(s) = p.start_date_time.as_deref() {
        let start = crate::time::parse_date_time(s).ok_or_else(|| {
            Error::invalid_parameter(
                "startDateTime",
                "Query parameter [startDateTime] value is not a valid ISO date-time object.",
            )
        })?;
        let earliest = now
            .in_tz("UTC")
            .ok()
            .and_then(|z| z.checked_sub(18.months()).ok())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::UNIX_EPOCH);
        if start < earliest {
            return Err(Error::invalid_parameter(
                "startDateTime",
                "startDateTime may be no earlier than 18 months before the time of the call.",
            ));
        }
        return Ok(Filter::ChangedAfter(start));
    }
    let skus: Vec<String> = p
        .seller_skus
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if !skus.is_empty() {
        return Ok(Filter::Skus(skus));
    }
    match p.seller_sku.as_deref().map(str::trim) {
        Some(s) if !s.is_empty() => Ok(Filter::Skus(vec![s.to_string()])),
        _ => Ok(Filter::All),
    }
}

fn fingerprint(marketplace_id: &str, f: &Filter) -> String {
    let text = match f {
        Filter::ChangedAfter(t) => format!("{marketplace_id}|after|{}", t.as_microsecond()),
        Filter::Skus(skus) => format!("{marketplace_id}|skus|{}", skus.join("\u{1}")),
        Filter::All => format!("{marketplace_id}|all"),
    };
    Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A page of the caller's FBA inventory summaries (see the module rules). `now`: the emulator
/// clock.
pub async fn summaries(store: &Store, caller: &Caller, p: &Params, now: Timestamp) -> Result<Page> {
    let seller = caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)?;
    if p.granularity_type != "Marketplace" {
        return Err(Error::invalid_parameter(
            "granularityType",
            "granularityType must be Marketplace.",
        ));
    }
    if p.marketplace_ids.len() != 1 {
        return Err(Error::invalid_parameter(
            "marketplaceIds",
            "Exactly one marketplace id is required.",
        ));
    }
    marketplaces::check_known("marketplaceIds", &p.marketplace_ids)?;
    marketplaces::check_participating(caller, &p.marketplace_ids)?;
    let marketplace_id = p.marketplace_ids[0].clone();
    if p.granularity_id != marketplace_id {
        return Err(Error::invalid_parameter(
            "granularityId",
            "granularityId must be the marketplace id given in marketplaceIds.",
        ));
    }
    let filter = filter_of(p, now)?;
    let print = fingerprint(&marketplace_id, &filter);
    let now_us = now.as_microsecond();
    let after = match p.next_token.as_deref() {
        None => None,
        Some(t) => {
            let token: PageToken = paging::decode_token(t)?;
            if now_us - token.issued > TOKEN_LIFETIME_US {
                return Err(Error::invalid_input(TOKEN_EXPIRED));
            }
            if token.filter != print {
                return Err(Error::invalid_input(
                    "The nextToken belongs to a request with other filters: send it with the \
                     startDateTime, sellerSkus and sellerSku of the first page.",
                ));
            }
            Some(token.after)
        }
    };
    let (skus, changed_after_us) = match &filter {
        Filter::ChangedAfter(t) => (vec![], Some(t.as_microsecond())),
        Filter::Skus(s) => (s.clone(), None),
        Filter::All => (vec![], None),
    };
    let mut rows = store
        .fba_summaries(&FbaSummaryQuery {
            seller_id: seller.to_string(),
            marketplace_id: marketplace_id.clone(),
            skus,
            changed_after_us,
            after_sku: after,
            limit: PAGE_SIZE as u32 + 1,
        })
        .await?;
    let more = rows.len() > PAGE_SIZE;
    rows.truncate(PAGE_SIZE);
    let page_skus: Vec<String> = rows.iter().map(|r| r.listing.sku.clone()).collect();
    let lots = store
        .fba_researching(seller, &marketplace_id, &page_skus)
        .await?;
    let summaries: Vec<Stock> = rows
        .iter()
        .map(|r| {
            let mine: Vec<(i64, i64)> = lots
                .iter()
                .filter(|(sku, _, _)| *sku == r.listing.sku)
                .map(|(_, since, q)| (*since, *q))
                .collect();
            Stock::of(r, &mine, now_us)
        })
        .collect();
    let next_token = match (more, summaries.last()) {
        (true, Some(last)) => Some(paging::encode_token(&PageToken {
            after: last.sku.clone(),
            issued: now_us,
            filter: print,
        })),
        _ => None,
    };
    Ok(Page {
        marketplace_id,
        summaries,
        next_token,
    })
}
