//! Finances v0 over the stored events: groups, and events by window, group or order.
//!
//! Windows follow Amazon's rules: `PostedAfter` (and `FinancialEventGroupStartedAfter`) must be
//! more than two minutes before the request, `PostedBefore` later than `PostedAfter` and more
//! than two minutes before the request (it defaults to then); `PostedBefore` needs
//! `PostedAfter`; windows more than 180 days wide answer an empty page. A `NextToken` must come
//! with the arguments of the call that produced it.

use super::{group_doc, shipment_event};
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::paging::{decode_token, encode_token};
use crate::store::Store;
use crate::store::finances::FinanceEventQuery;
use crate::time::parse_date_time;
use serde::{Deserialize, Serialize};
use spapi_model::finances_v0 as f;

pub(super) const MIN_AGE_US: i64 = 2 * 60 * 1_000_000;
pub(super) const MAX_SPAN_US: i64 = 180 * 24 * 3600 * 1_000_000;

/// Finances v0 over the world's financial events.
#[derive(Debug, Clone)]
pub struct FinanceService {
    pub(super) world: Store,
    pub(super) clock: Clock,
}

/// A window of posted (or group start) times, µs: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Window {
    pub(super) from: Option<i64>,
    pub(super) to: Option<i64>,
}

/// The state a NextToken carries: the arguments and the position.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct EventsToken {
    w: Window,
    g: String,
    o: String,
    at: (i64, i64),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct GroupsToken {
    w: Window,
    skip: usize,
}

pub(super) fn seller_of(caller: &Caller) -> Result<String> {
    caller
        .selling_partner_id
        .clone()
        .ok_or_else(Error::forbidden)
}

fn date(field: &str, v: &Option<String>) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => parse_date_time(s)
            .map(|t| Some(t.as_microsecond()))
            .ok_or_else(|| {
                Error::invalid_parameter(field, format!("{field} is not an ISO 8601 date-time."))
            }),
    }
}

/// Checks a window against Amazon's rules at `now_us`.
pub(super) fn window(
    after_name: &str,
    before_name: &str,
    after: &Option<String>,
    before: &Option<String>,
    now_us: i64,
) -> Result<Window> {
    let from = date(after_name, after)?;
    let to = date(before_name, before)?;
    let latest = now_us - MIN_AGE_US;
    if to.is_some() && from.is_none() {
        return Err(Error::invalid_input(format!(
            "{after_name} is required when {before_name} is specified."
        )));
    }
    if let Some(a) = from
        && a > latest
    {
        return Err(Error::invalid_input(format!(
            "{after_name} must be no later than 2 minutes before the request time."
        )));
    }
    if let Some(b) = to {
        if b > latest {
            return Err(Error::invalid_input(format!(
                "{before_name} must be no later than 2 minutes before the request time."
            )));
        }
        if from.is_some_and(|a| b <= a) {
            return Err(Error::invalid_input(format!(
                "{before_name} must be later than {after_name}."
            )));
        }
    }
    Ok(Window {
        from,
        to: Some(to.unwrap_or(latest)),
    })
}

fn page_size(v: Option<i64>, default: i64) -> Result<i64> {
    let n = v.unwrap_or(default);
    if !(1..=100).contains(&n) {
        return Err(Error::invalid_parameter(
            "MaxResultsPerPage",
            "MaxResultsPerPage must be between 1 and 100.",
        ));
    }
    Ok(n)
}

impl FinanceService {
    /// Finances over the world in `world`, on the emulator clock.
    pub fn new(world: Store, clock: Clock) -> Self {
        FinanceService { world, clock }
    }

    /// listFinancialEventGroups: the seller's groups that started in the window, by start.
    pub async fn list_groups(
        &self,
        caller: &Caller,
        p: &f::params::ListFinancialEventGroups,
    ) -> Result<f::ListFinancialEventGroupsPayload> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let limit = page_size(p.max_results_per_page, 10)? as usize;
        let w = window(
            "FinancialEventGroupStartedAfter",
            "FinancialEventGroupStartedBefore",
            &p.financial_event_group_started_after,
            &p.financial_event_group_started_before,
            now,
        )?;
        let explicit_end = p.financial_event_group_started_before.is_some();
        let (w, skip) = match &p.next_token {
            None => (w, 0),
            Some(t) => {
                let tok: GroupsToken = decode_token(t)?;
                if tok.w.from != w.from || (explicit_end && tok.w.to != w.to) {
                    return Err(same_arguments());
                }
                // Without the end argument the end is where the first page put it.
                (tok.w, tok.skip)
            }
        };
        let from = w.from.unwrap_or(i64::MIN);
        let to = w.to.unwrap_or(i64::MAX);
        if to.saturating_sub(from) > MAX_SPAN_US && w.from.is_some() {
            return Ok(f::ListFinancialEventGroupsPayload {
                next_token: None,
                financial_event_group_list: Some(vec![]),
            });
        }
        let groups = self.world.finance_groups(&seller, from, to).await?;
        let page: Vec<_> = groups
            .iter()
            .skip(skip)
            .take(limit)
            .map(|g| group_doc(&g.group_id, &g.currency, g.group_start_us, g.total, now))
            .collect();
        let next = (groups.len() > skip + limit).then(|| {
            encode_token(&GroupsToken {
                w,
                skip: skip + limit,
            })
        });
        Ok(f::ListFinancialEventGroupsPayload {
            next_token: next,
            financial_event_group_list: Some(page),
        })
    }

    /// listFinancialEvents: the seller's events posted in the window.
    pub async fn list_events(
        &self,
        caller: &Caller,
        p: &f::params::ListFinancialEvents,
    ) -> Result<f::ListFinancialEventsPayload> {
        let w = window(
            "PostedAfter",
            "PostedBefore",
            &p.posted_after,
            &p.posted_before,
            self.clock.now_us(),
        )?;
        let explicit_end = p.posted_before.is_some();
        self.events(
            caller,
            w,
            explicit_end,
            "",
            "",
            p.max_results_per_page,
            &p.next_token,
        )
        .await
    }

    /// listFinancialEventsByGroupId: the events of one group (optionally in a window).
    pub async fn list_events_by_group(
        &self,
        caller: &Caller,
        p: &f::params::ListFinancialEventsByGroupId,
    ) -> Result<f::ListFinancialEventsPayload> {
        let w = window(
            "PostedAfter",
            "PostedBefore",
            &p.posted_after,
            &p.posted_before,
            self.clock.now_us(),
        )?;
        let explicit_end = p.posted_before.is_some();
        self.events(
            caller,
            w,
            explicit_end,
            &p.event_group_id,
            "",
            p.max_results_per_page,
            &p.next_token,
        )
        .await
    }

    /// listFinancialEventsByOrderId: the events of one order.
    pub async fn list_events_by_order(
        &self,
        caller: &Caller,
        p: &f::params::ListFinancialEventsByOrderId,
    ) -> Result<f::ListFinancialEventsPayload> {
        let w = Window {
            from: None,
            to: Some(self.clock.now_us() - MIN_AGE_US),
        };
        self.events(
            caller,
            w,
            false,
            "",
            &p.order_id,
            p.max_results_per_page,
            &p.next_token,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn events(
        &self,
        caller: &Caller,
        w: Window,
        explicit_end: bool,
        group: &str,
        order: &str,
        max: Option<i64>,
        token: &Option<String>,
    ) -> Result<f::ListFinancialEventsPayload> {
        let seller = seller_of(caller)?;
        let limit = page_size(max, 100)?;
        let (w, after) = match token {
            None => (w, (i64::MIN, 0)),
            Some(t) => {
                let tok: EventsToken = decode_token(t)?;
                if tok.w.from != w.from
                    || (explicit_end && tok.w.to != w.to)
                    || tok.g != group
                    || tok.o != order
                {
                    return Err(same_arguments());
                }
                // Without PostedBefore the end is where the first page put it.
                (tok.w, tok.at)
            }
        };
        let from = w.from.unwrap_or(i64::MIN);
        let to = w.to.unwrap_or(i64::MAX);
        let mut shipments = Vec::new();
        let mut refunds = Vec::new();
        let mut next = None;
        if !(w.from.is_some() && to.saturating_sub(from) > MAX_SPAN_US) {
            let rows = self
                .world
                .finance_events(&FinanceEventQuery {
                    seller_id: seller,
                    posted_from_us: from,
                    posted_to_us: to,
                    order_id: order.to_string(),
                    group_id: group.to_string(),
                    after,
                    limit: limit + 1,
                })
                .await?;
            for (n, r) in rows.iter().enumerate() {
                if n as i64 == limit {
                    let last = &rows[n - 1];
                    next = Some(encode_token(&EventsToken {
                        w,
                        g: group.to_string(),
                        o: order.to_string(),
                        at: (last.posted_at_us, last.id),
                    }));
                    break;
                }
                let e = shipment_event(r.doc.clone())?;
                if r.kind == "Refund" {
                    refunds.push(e);
                } else {
                    shipments.push(e);
                }
            }
        }
        Ok(f::ListFinancialEventsPayload {
            next_token: next,
            financial_events: Some(f::FinancialEvents {
                shipment_event_list: Some(shipments),
                refund_event_list: Some(refunds),
                ..Default::default()
            }),
        })
    }
}

pub(super) fn same_arguments() -> Error {
    Error::invalid_input(
        "The NextToken was issued for other arguments: send it with the arguments of the call that produced it.",
    )
}
