//! Finances v0: financial event groups and financial events of the world's orders.

use crate::generated::finances_v0::FinancesV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::finances::FinanceService;
use spapi_model::finances_v0 as m;

/// Finances v0 over the world's financial events.
pub struct FinancesV0 {
    finances: FinanceService,
}

impl FinancesV0 {
    /// Finances v0 answered by `finances`.
    pub fn new(finances: FinanceService) -> Self {
        FinancesV0 { finances }
    }
}

fn events(payload: m::ListFinancialEventsPayload) -> m::ListFinancialEventsResponse {
    m::ListFinancialEventsResponse {
        payload: Some(payload),
        errors: None,
    }
}

#[async_trait::async_trait]
impl FinancesV0Api for FinancesV0 {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "listFinancialEventGroups",
            "listFinancialEventsByGroupId",
            "listFinancialEventsByOrderId",
            "listFinancialEvents",
        ]
    }

    async fn list_financial_event_groups(
        &self,
        ctx: &RequestContext,
        params: m::params::ListFinancialEventGroups,
    ) -> Result<m::ListFinancialEventGroupsResponse, ApiError> {
        let payload = self.finances.list_groups(&ctx.caller, &params).await?;
        Ok(m::ListFinancialEventGroupsResponse {
            payload: Some(payload),
            errors: None,
        })
    }

    async fn list_financial_events_by_group_id(
        &self,
        ctx: &RequestContext,
        params: m::params::ListFinancialEventsByGroupId,
    ) -> Result<m::ListFinancialEventsResponse, ApiError> {
        Ok(events(
            self.finances
                .list_events_by_group(&ctx.caller, &params)
                .await?,
        ))
    }

    async fn list_financial_events_by_order_id(
        &self,
        ctx: &RequestContext,
        params: m::params::ListFinancialEventsByOrderId,
    ) -> Result<m::ListFinancialEventsResponse, ApiError> {
        Ok(events(
            self.finances
                .list_events_by_order(&ctx.caller, &params)
                .await?,
        ))
    }

    async fn list_financial_events(
        &self,
        ctx: &RequestContext,
        params: m::params::ListFinancialEvents,
    ) -> Result<m::ListFinancialEventsResponse, ApiError> {
        Ok(events(
            self.finances.list_events(&ctx.caller, &params).await?,
        ))
    }
}
