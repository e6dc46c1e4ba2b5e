//! Sales v1.

use crate::clock::Clock;
use crate::generated::sales_v1::SalesV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::{money, sales};
use crate::store::Store;
use spapi_model::sales_v1 as m;

/// Sales metrics over the world's orders.
pub struct Sales {
    store: Store,
    clock: Clock,
}

impl Sales {
    /// Sales of the world in `store`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Sales { store, clock }
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
        let seller = ctx
            .caller
            .selling_partner_id
            .as_deref()
            .ok_or_else(ApiError::unauthorized)?;
        let (buckets, currency) = sales::order_metrics(
            &self.store,
            seller,
            &ctx.caller.marketplace_ids,
            self.clock.now(),
            &params,
        )
        .await?;
        let money = |minor: i64| m::Money {
            currency_code: currency.to_string(),
            amount: money::format(minor, currency),
        };
        let list = buckets
            .into_iter()
            .map(|b| m::OrderMetricsInterval {
                interval: b.interval,
                unit_count: b.units,
                order_item_count: b.items,
                order_count: b.orders,
                average_unit_price: money(if b.units > 0 {
                    b.sales_minor / b.units
                } else {
                    0
                }),
                total_sales: money(b.sales_minor),
            })
            .collect();
        Ok(m::GetOrderMetricsResponse {
            payload: Some(list),
            errors: None,
        })
    }
}
