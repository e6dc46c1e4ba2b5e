//! Sales v1: getOrderMetrics, answered from the world's orders.

use crate::clock::Clock;
use crate::generated::sales_v1::SalesV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::orders::OrderBook;
use spapi_model::sales_v1 as m;

/// Sales metrics over a world's orders.
pub struct Sales {
    book: OrderBook,
    clock: Clock,
}

impl Sales {
    /// The Sales API over the world's order book, on its `clock`.
    pub fn new(book: OrderBook, clock: Clock) -> Self {
        Sales { book, clock }
    }
}

#[async_trait::async_trait]
impl SalesV1Api for Sales {
    fn implemented(&self) -> &'static [&'static str] {
        &["getOrderMetrics"]
    }

    async fn get_order_metrics(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderMetrics,
    ) -> Result<m::GetOrderMetricsResponse, ApiError> {
        let intervals = self
            .book
            .get_order_metrics(&ctx.caller, self.clock.now(), &params)
            .await?;
        Ok(m::GetOrderMetricsResponse {
            payload: Some(intervals),
            errors: None,
        })
    }
}
