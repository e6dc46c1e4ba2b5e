//! Finances 2024-06-19: transactions of the world's orders (the same events as Finances v0).

use crate::generated::finances_2024_06_19::Finances20240619Api;
use crate::http::{ApiError, RequestContext};
use crate::market::finances::FinanceService;
use spapi_model::finances_2024_06_19 as m;

/// Finances 2024-06-19 over the world's financial events.
pub struct Finances2024 {
    finances: FinanceService,
}

impl Finances2024 {
    /// Finances 2024-06-19 answered by `finances`.
    pub fn new(finances: FinanceService) -> Self {
        Finances2024 { finances }
    }
}

#[async_trait::async_trait]
impl Finances20240619Api for Finances2024 {
    fn implemented(&self) -> &'static [&'static str] {
        &["listTransactions", "listBalances", "listSummary"]
    }

    async fn list_transactions(
        &self,
        ctx: &RequestContext,
        params: m::params::ListTransactions,
    ) -> Result<m::ListTransactionsResponse, ApiError> {
        let payload = self
            .finances
            .list_transactions(&ctx.caller, &params)
            .await?;
        Ok(m::ListTransactionsResponse {
            payload: Some(payload),
        })
    }

    async fn list_balances(
        &self,
        ctx: &RequestContext,
        params: m::params::ListBalances,
    ) -> Result<m::ListBalancesResponse, ApiError> {
        Ok(self.finances.list_balances(&ctx.caller, &params).await?)
    }

    async fn list_summary(
        &self,
        ctx: &RequestContext,
        params: m::params::ListSummary,
    ) -> Result<m::SummaryResponse, ApiError> {
        Ok(self.finances.list_summary(&ctx.caller, &params).await?)
    }
}
