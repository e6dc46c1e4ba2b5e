//! Finances 2024-06-19 `listTransactions` over the same stored events as v0: one transaction
//! per event, its total the event's total, so the two versions agree to the cent.
//!
//! Every posted event is `RELEASED` (the world defers nothing). A transaction's breakdowns
//! are `Sales` (the charges: price, shipping, tax and the tax Amazon withholds again),
//! `Promotion` and `Expenses` (Amazon's fees by type); each item carries the same breakdowns of
//! its own and a `ProductContext`.

use super::v0::{MIN_AGE_US, Window, same_arguments, seller_of, window};
use super::{FinanceService, shipment_event};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::marketplace;
use crate::market::paging::{decode_token, encode_token};
use crate::store::finances::{FinanceEventQuery, FinanceEventRow};
use crate::time::iso_us;
use serde::{Deserialize, Serialize};
use spapi_model::finances_2024_06_19 as t;
use spapi_model::finances_v0 as f;

/// Transactions per page.
const PAGE: i64 = 100;
/// The one status of the world's transactions.
const RELEASED: &str = "RELEASED";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TxToken {
    w: Window,
    mp: String,
    st: String,
    g: String,
    o: String,
    at: (i64, i64),
}

fn money(v: f64, cur: &str) -> t::Currency {
    t::Currency {
        currency_code: Some(cur.to_string()),
        currency_amount: Some((v * 100.0).round() / 100.0),
    }
}

fn amount_of(c: &Option<f::Currency>) -> f64 {
    c.as_ref().and_then(|c| c.currency_amount).unwrap_or(0.0)
}

fn breakdown(kind: &str, parts: Vec<(String, f64)>, cur: &str) -> Option<t::Breakdown> {
    if parts.is_empty() {
        return None;
    }
    let total: f64 = parts.iter().map(|p| p.1).sum();
    Some(t::Breakdown {
        breakdown_type: Some(kind.to_string()),
        breakdown_amount: Some(money(total, cur)),
        breakdowns: Some(
            parts
                .into_iter()
                .map(|(k, v)| t::Breakdown {
                    breakdown_type: Some(k),
                    breakdown_amount: Some(money(v, cur)),
                    breakdowns: None,
                })
                .collect(),
        ),
    })
}

/// The breakdowns of one shipped item and their total.
fn item_breakdowns(i: &f::ShipmentItem, cur: &str) -> (Vec<t::Breakdown>, f64) {
    let mut sales: Vec<(String, f64)> = Vec::new();
    for c in i.item_charge_list.iter().flatten() {
        sales.push((
            c.charge_type.clone().unwrap_or_default(),
            amount_of(&c.charge_amount),
        ));
    }
    for w in i.item_tax_withheld_list.iter().flatten() {
        for c in w.taxes_withheld.iter().flatten() {
            sales.push((
                c.charge_type.clone().unwrap_or_default(),
                amount_of(&c.charge_amount),
            ));
        }
    }
    let promos: Vec<(String, f64)> = i
        .promotion_list
        .iter()
        .flatten()
        .map(|p| {
            (
                p.promotion_type.clone().unwrap_or_default(),
                amount_of(&p.promotion_amount),
            )
        })
        .collect();
    let fees: Vec<(String, f64)> = i
        .item_fee_list
        .iter()
        .flatten()
        .map(|x| {
            (
                x.fee_type.clone().unwrap_or_default(),
                amount_of(&x.fee_amount),
            )
        })
        .collect();
    let total: f64 = sales.iter().chain(&promos).chain(&fees).map(|p| p.1).sum();
    let list = [
        breakdown("Sales", sales, cur),
        breakdown("Promotion", promos, cur),
        breakdown("Expenses", fees, cur),
    ]
    .into_iter()
    .flatten()
    .collect();
    (list, total)
}

/// The transaction of a stored event.
fn transaction(r: &FinanceEventRow) -> Result<t::Transaction> {
    let e = shipment_event(r.doc.clone())?;
    let cur = r.currency.as_str();
    let afn = r.doc.to_string().contains("FBAPerUnitFulfillmentFee");
    let mut items = Vec::new();
    let mut all: Vec<t::Breakdown> = Vec::new();
    for i in e.shipment_item_list.iter().flatten() {
        let (breakdowns, total) = item_breakdowns(i, cur);
        merge(&mut all, &breakdowns);
        items.push(t::Item {
            description: i.seller_sku.clone(),
            related_identifiers: Some(vec![t::ItemRelatedIdentifier {
                item_related_identifier_name: Some("ORDER_ADJUSTMENT_ITEM_ID".into()),
                item_related_identifier_value: i.order_item_id.clone(),
            }]),
            total_amount: Some(money(total, cur)),
            breakdowns: Some(breakdowns),
            contexts: Some(vec![t::Context {
                context_type: "ProductContext".into(),
                sku: i.seller_sku.clone(),
                quantity_shipped: i.quantity_shipped,
                fulfillment_network: Some(if afn { "AFN" } else { "MFN" }.into()),
                ..Default::default()
            }]),
        });
    }
    let name = marketplace(&r.marketplace_id).map(|m| m.name.to_string());
    Ok(t::Transaction {
        selling_partner_metadata: Some(t::SellingPartnerMetadata {
            selling_partner_id: Some(r.seller_id.clone()),
            account_type: Some("Standard Orders".into()),
            marketplace_id: Some(r.marketplace_id.clone()),
        }),
        related_identifiers: Some(vec![
            t::RelatedIdentifier {
                related_identifier_name: Some(t::RelatedIdentifierRelatedIdentifierName::OrderId),
                related_identifier_value: Some(r.amazon_order_id.clone()),
            },
            t::RelatedIdentifier {
                related_identifier_name: Some(
                    t::RelatedIdentifierRelatedIdentifierName::FinancialEventGroupId,
                ),
                related_identifier_value: Some(r.group_id.clone()),
            },
        ]),
        transaction_type: Some(r.kind.clone()),
        transaction_id: Some(crate::market::alnum_tail(&format!("txn:{}", r.id), 32)),
        transaction_status: Some(RELEASED.into()),
        description: Some(
            if r.kind == "Refund" {
                "Refund Order"
            } else {
                "Order Payment"
            }
            .into(),
        ),
        posted_date: Some(iso_us(r.posted_at_us)),
        total_amount: Some(t::Currency {
            currency_code: Some(cur.to_string()),
            currency_amount: Some(crate::market::money::to_decimal(r.total, cur)),
        }),
        marketplace_details: Some(t::MarketplaceDetails {
            marketplace_id: Some(r.marketplace_id.clone()),
            marketplace_name: name,
        }),
        items: Some(items),
        contexts: None,
        breakdowns: Some(all),
    })
}

/// Adds `more` into `all`, by breakdown type (two levels).
fn merge(all: &mut Vec<t::Breakdown>, more: &[t::Breakdown]) {
    for b in more {
        match all
            .iter_mut()
            .find(|a| a.breakdown_type == b.breakdown_type)
        {
            None => all.push(b.clone()),
            Some(a) => {
                add(&mut a.breakdown_amount, &b.breakdown_amount);
                let subs = a.breakdowns.get_or_insert_with(Vec::new);
                for s in b.breakdowns.iter().flatten() {
                    match subs
                        .iter_mut()
                        .find(|x| x.breakdown_type == s.breakdown_type)
                    {
                        None => subs.push(s.clone()),
                        Some(x) => add(&mut x.breakdown_amount, &s.breakdown_amount),
                    }
                }
            }
        }
    }
}

fn add(a: &mut Option<t::Currency>, b: &Option<t::Currency>) {
    if let (Some(a), Some(b)) = (a.as_mut(), b.as_ref()) {
        let sum = a.currency_amount.unwrap_or(0.0) + b.currency_amount.unwrap_or(0.0);
        a.currency_amount = Some((sum * 100.0).round() / 100.0);
    }
}

impl FinanceService {
    /// listTransactions: the seller's transactions posted in the window, or those of one order
    /// or settlement group.
    pub async fn list_transactions(
        &self,
        caller: &Caller,
        p: &t::params::ListTransactions,
    ) -> Result<t::TransactionsPayload> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let (group, order) = match (
            p.related_identifier_name.as_deref(),
            p.related_identifier_value.as_deref(),
        ) {
            (None, None) => (String::new(), String::new()),
            (Some("ORDER_ID"), Some(v)) => (String::new(), v.to_string()),
            (Some("FINANCIAL_EVENT_GROUP_ID"), Some(v)) => (v.to_string(), String::new()),
            (Some(_), Some(_)) => {
                return Err(Error::invalid_parameter(
                    "relatedIdentifierName",
                    "relatedIdentifierName filters by ORDER_ID or FINANCIAL_EVENT_GROUP_ID.",
                ));
            }
            _ => {
                return Err(Error::invalid_input(
                    "relatedIdentifierName and relatedIdentifierValue go together.",
                ));
            }
        };
        let by_identifier = !group.is_empty() || !order.is_empty();
        if p.posted_after.is_none() && !by_identifier && p.next_token.is_none() {
            return Err(Error::invalid_input("Start date cannot be null"));
        }
        let w = if p.posted_after.is_none() && p.posted_before.is_none() {
            Window {
                from: None,
                to: Some(now - MIN_AGE_US),
            }
        } else {
            window(
                "postedAfter",
                "postedBefore",
                &p.posted_after,
                &p.posted_before,
                now,
            )?
        };
        let mp = p.marketplace_id.clone().unwrap_or_default();
        if !mp.is_empty() && marketplace(&mp).is_none() {
            return Err(Error::invalid_parameter(
                "marketplaceId",
                format!("'{mp}' is not a valid marketplace id"),
            ));
        }
        let st = p.transaction_status.clone().unwrap_or_default();
        let (w, after) = match &p.next_token {
            None => (w, (i64::MIN, 0)),
            Some(tok) => {
                let tok: TxToken = decode_token(tok)?;
                if tok.w.from != w.from
                    || (p.posted_before.is_some() && tok.w.to != w.to)
                    || tok.mp != mp
                    || tok.st != st
                    || tok.g != group
                    || tok.o != order
                {
                    return Err(same_arguments());
                }
                (tok.w, tok.at)
            }
        };
        let rows = self
            .world
            .finance_events(&FinanceEventQuery {
                seller_id: seller,
                posted_from_us: w.from.unwrap_or(i64::MIN),
                posted_to_us: w.to.unwrap_or(i64::MAX),
                order_id: order.clone(),
                group_id: group.clone(),
                after,
                limit: PAGE + 1,
            })
            .await?;
        let mut out = Vec::new();
        let mut next = None;
        for (n, r) in rows.iter().enumerate() {
            if n as i64 == PAGE {
                let last = &rows[n - 1];
                next = Some(encode_token(&TxToken {
                    w,
                    mp: mp.clone(),
                    st: st.clone(),
                    g: group.clone(),
                    o: order.clone(),
                    at: (last.posted_at_us, last.id),
                }));
                break;
            }
            if (!mp.is_empty() && r.marketplace_id != mp) || (!st.is_empty() && st != RELEASED) {
                continue;
            }
            out.push(transaction(r)?);
        }
        Ok(t::TransactionsPayload {
            next_token: next,
            transactions: Some(out),
        })
    }
}

/// Every event of a seller posted in `[from, to)` (of one group when `group` is not empty).
async fn all_events(
    s: &FinanceService,
    seller: &str,
    from: i64,
    to: i64,
    group: &str,
) -> Result<Vec<FinanceEventRow>> {
    let mut out: Vec<FinanceEventRow> = Vec::new();
    loop {
        let after = out.last().map(|r| (r.posted_at_us, r.id));
        let page = s
            .world
            .finance_events(&FinanceEventQuery {
                seller_id: seller.to_string(),
                posted_from_us: from,
                posted_to_us: to,
                order_id: String::new(),
                group_id: group.to_string(),
                after: after.unwrap_or((i64::MIN, 0)),
                limit: 500,
            })
            .await?;
        let done = page.len() < 500;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// The marketplaces asked about (all of the caller's when none), each known.
fn marketplaces_of(caller: &Caller, ids: &[String]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(caller.marketplace_ids.clone());
    }
    crate::market::marketplaces::check_known("marketplaceIds", ids)?;
    Ok(ids.to_vec())
}

fn date_param(field: &str, v: &Option<String>) -> Result<Option<i64>> {
    v.as_ref()
        .map(|s| {
            // The model says `date` (`2025-06-03`); a date-time is taken too.
            crate::time::parse_date_time(s)
                .or_else(|| crate::time::parse_date_time(&format!("{s}T00:00:00Z")))
                .map(|t| t.as_microsecond())
                .ok_or_else(|| {
                    Error::invalid_parameter(field, format!("{field} is not an ISO 8601 date."))
                })
        })
        .transpose()
}

fn currency_of(mp: &str) -> &'static str {
    marketplace(mp).map(|m| m.currency).unwrap_or("USD")
}

fn minor_money(minor: i64, cur: &str) -> t::Currency {
    t::Currency {
        currency_code: Some(cur.to_string()),
        currency_amount: Some(crate::market::money::to_decimal(minor, cur)),
    }
}

fn partner(seller: &str, mp: &str) -> t::PartnerMetadata {
    t::PartnerMetadata {
        partner_id: Some(seller.to_string()),
        account_type: Some("Standard Orders".into()),
        marketplace_id: Some(mp.to_string()),
    }
}

impl FinanceService {
    /// listBalances: per marketplace, what the open settlement cycle holds at `asOfDate` (or
    /// now). Nothing is deferred or reserved in the world: the total is available.
    pub async fn list_balances(
        &self,
        caller: &Caller,
        p: &t::params::ListBalances,
    ) -> Result<t::ListBalancesResponse> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let mps = marketplaces_of(caller, &p.marketplace_ids)?;
        let as_of = date_param("asOfDate", &p.as_of_date)?;
        if as_of.is_some_and(|a| a > now) {
            return Err(Error::invalid_parameter(
                "asOfDate",
                "asOfDate cannot be in the future.",
            ));
        }
        let kind = p.balance_type.clone();
        if let Some(k) = &kind
            && !matches!(
                k.as_str(),
                "AVAILABLE" | "RESERVED" | "TOTAL" | "DEFERRED" | "ACCOUNT_LEVEL_RESERVE"
            )
        {
            return Err(Error::invalid_parameter(
                "balanceType",
                format!("'{k}' is not a balance type."),
            ));
        }
        let at = as_of.unwrap_or(now);
        let events = all_events(self, &seller, super::cycle_start(at), at, "").await?;
        let mut out = Vec::new();
        for mp in &mps {
            let cur = currency_of(mp);
            let total: i64 = events
                .iter()
                .filter(|e| &e.marketplace_id == mp)
                .map(|e| e.total)
                .sum();
            let leaf = |k: &str, v: i64| t::Balance {
                partner_metadata: Some(partner(&seller, mp)),
                balance_type: Some(k.into()),
                amount: Some(minor_money(v, cur)),
                balances: None,
                as_of_date: as_of.map(iso_us),
                last_updated_time: as_of.is_none().then(|| iso_us(now)),
            };
            let mut reserved = leaf("RESERVED", 0);
            reserved.balances = Some(vec![leaf("DEFERRED", 0), leaf("ACCOUNT_LEVEL_RESERVE", 0)]);
            let mut top = leaf("TOTAL", total);
            top.balances = Some(vec![leaf("AVAILABLE", total), reserved]);
            match kind.as_deref() {
                None | Some("TOTAL") => out.push(top),
                Some("AVAILABLE") => out.push(leaf("AVAILABLE", total)),
                Some(k) => out.push(leaf(k, 0)),
            }
        }
        Ok(t::ListBalancesResponse {
            balances: Some(out),
            next_token: None,
        })
    }

    /// listSummary: per marketplace, the net proceeds of the events of a period (the open
    /// cycle by default) or of one settlement (`SETTLEMENT_ID`: a group id) and their
    /// breakdowns.
    pub async fn list_summary(
        &self,
        caller: &Caller,
        p: &t::params::ListSummary,
    ) -> Result<t::SummaryResponse> {
        let seller = seller_of(caller)?;
        let now = self.clock.now_us();
        let mps = marketplaces_of(caller, &p.marketplace_ids)?;
        let group = match (
            p.related_identifier_name.as_deref(),
            p.related_identifier_value.as_deref(),
        ) {
            (None, None) => String::new(),
            (Some("SETTLEMENT_ID"), Some(v)) => v.to_string(),
            (Some(_), Some(_)) => {
                return Err(Error::invalid_parameter(
                    "relatedIdentifierName",
                    "The only relatedIdentifierName is SETTLEMENT_ID.",
                ));
            }
            _ => {
                return Err(Error::invalid_input(
                    "relatedIdentifierName and relatedIdentifierValue go together.",
                ));
            }
        };
        let start = date_param("periodStart", &p.period_start)?;
        let end = date_param("periodEnd", &p.period_end)?;
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(Error::invalid_parameter(
                "periodEnd",
                "periodEnd must not be before periodStart.",
            ));
        }
        let from = start.unwrap_or(if group.is_empty() {
            super::cycle_start(now)
        } else {
            i64::MIN
        });
        // periodEnd is inclusive: a date takes its whole day.
        let day = 24 * 3600 * 1_000_000;
        let whole_day = p.period_end.as_ref().is_some_and(|s| s.len() == 10);
        let to = end
            .map(|e| e.saturating_add(if whole_day { day } else { 1 }))
            .unwrap_or(now + 1);
        let events = all_events(self, &seller, from, to, &group).await?;
        let mut out = Vec::new();
        for mp in &mps {
            let cur = currency_of(mp);
            let mut total = 0;
            let mut breakdowns = Vec::new();
            for e in events.iter().filter(|e| &e.marketplace_id == mp) {
                total += e.total;
                merge(
                    &mut breakdowns,
                    &transaction(e)?.breakdowns.unwrap_or_default(),
                );
            }
            let first = events.iter().map(|e| e.posted_at_us).min();
            out.push(t::Summary {
                partner_metadata: Some(partner(&seller, mp)),
                net_proceeds: Some(minor_money(total, cur)),
                related_identifiers: (!group.is_empty()).then(|| {
                    vec![t::RelatedIdentifier {
                        related_identifier_name: Some(
                            t::RelatedIdentifierRelatedIdentifierName::SettlementId,
                        ),
                        related_identifier_value: Some(group.clone()),
                    }]
                }),
                breakdowns: Some(breakdowns),
                period_start: Some(iso_us(if from == i64::MIN {
                    first.unwrap_or(now)
                } else {
                    from
                })),
                period_end: Some(iso_us(to - 1)),
            });
        }
        Ok(t::SummaryResponse {
            summaries: Some(out),
            next_token: None,
        })
    }
}
