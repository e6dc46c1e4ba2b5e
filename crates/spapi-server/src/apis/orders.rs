//! Orders v0: each operation parses its parameters, asks the world's [`OrderBook`] and wraps
//! the answer in the model's response.

use crate::clock::Clock;
use crate::generated::orders_v0::OrdersV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::orders::OrderBook;
use spapi_model::orders_v0 as m;

/// Orders of a world.
pub struct Orders {
    book: OrderBook,
    clock: Clock,
}

impl Orders {
    /// The Orders API over the world's order book, on its `clock`.
    pub fn new(book: OrderBook, clock: Clock) -> Self {
        Orders { book, clock }
    }
}

#[async_trait::async_trait]
impl OrdersV0Api for Orders {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getOrders",
            "getOrder",
            "getOrderBuyerInfo",
            "getOrderAddress",
            "getOrderItems",
            "getOrderItemsBuyerInfo",
            "confirmShipment",
            "updateShipmentStatus",
            "getOrderRegulatedInfo",
            "updateVerificationStatus",
        ]
    }

    async fn get_orders(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrders,
    ) -> Result<m::GetOrdersResponse, ApiError> {
        let list = self
            .book
            .get_orders(&ctx.caller, self.clock.now(), &params)
            .await?;
        Ok(m::GetOrdersResponse {
            payload: Some(list),
            errors: None,
        })
    }

    async fn get_order(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrder,
    ) -> Result<m::GetOrderResponse, ApiError> {
        let order = self.book.get_order(&ctx.caller, &params.order_id).await?;
        Ok(m::GetOrderResponse {
            payload: Some(order),
            errors: None,
        })
    }

    async fn get_order_buyer_info(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderBuyerInfo,
    ) -> Result<m::GetOrderBuyerInfoResponse, ApiError> {
        let info = self
            .book
            .get_order_buyer_info(&ctx.caller, &params.order_id)
            .await?;
        Ok(m::GetOrderBuyerInfoResponse {
            payload: Some(info),
            errors: None,
        })
    }

    async fn get_order_address(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderAddress,
    ) -> Result<m::GetOrderAddressResponse, ApiError> {
        let address = self
            .book
            .get_order_address(&ctx.caller, &params.order_id)
            .await?;
        Ok(m::GetOrderAddressResponse {
            payload: Some(address),
            errors: None,
        })
    }

    async fn get_order_items(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderItems,
    ) -> Result<m::GetOrderItemsResponse, ApiError> {
        let items = self
            .book
            .get_order_items(&ctx.caller, &params.order_id, params.next_token.as_deref())
            .await?;
        Ok(m::GetOrderItemsResponse {
            payload: Some(items),
            errors: None,
        })
    }

    async fn get_order_items_buyer_info(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderItemsBuyerInfo,
    ) -> Result<m::GetOrderItemsBuyerInfoResponse, ApiError> {
        let items = self
            .book
            .get_order_items_buyer_info(&ctx.caller, &params.order_id, params.next_token.as_deref())
            .await?;
        Ok(m::GetOrderItemsBuyerInfoResponse {
            payload: Some(items),
            errors: None,
        })
    }

    async fn get_order_regulated_info(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderRegulatedInfo,
    ) -> Result<m::GetOrderRegulatedInfoResponse, ApiError> {
        let info = self
            .book
            .get_order_regulated_info(&ctx.caller, &params.order_id)
            .await?;
        Ok(m::GetOrderRegulatedInfoResponse {
            payload: Some(info),
            errors: None,
        })
    }

    async fn update_verification_status(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateVerificationStatus,
    ) -> Result<(), ApiError> {
        self.book
            .update_verification_status(
                &ctx.caller,
                &params.order_id,
                &params.body.regulated_order_verification_status,
                self.clock.now(),
            )
            .await?;
        Ok(())
    }

    async fn update_shipment_status(
        &self,
        ctx: &RequestContext,
        params: m::params::UpdateShipmentStatus,
    ) -> Result<(), ApiError> {
        self.book
            .update_shipment_status(
                &ctx.caller,
                &params.order_id,
                &params.body,
                self.clock.now(),
            )
            .await?;
        Ok(())
    }

    async fn confirm_shipment(
        &self,
        ctx: &RequestContext,
        params: m::params::ConfirmShipment,
    ) -> Result<(), ApiError> {
        self.book
            .confirm_shipment(
                &ctx.caller,
                &params.order_id,
                &params.body,
                self.clock.now(),
            )
            .await?;
        Ok(())
    }
}
