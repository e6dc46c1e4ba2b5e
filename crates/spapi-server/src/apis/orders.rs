//! Orders v0.

use crate::auth::personal_data::{self, BUYER_INFO, SHIPPING_ADDRESS};
use crate::clock::Clock;
use crate::generated::orders_v0::OrdersV0Api;
use crate::http::{ApiError, RequestContext};
use crate::market::orders::{
    self, order_doc, order_items, redact_items, redact_order, seller_order, seller_order_header,
};
use crate::store::Store;
use spapi_model::orders_v0 as m;

/// Orders over the world's store.
pub struct Orders {
    store: Store,
    clock: Clock,
}

impl Orders {
    /// Orders of the world in `store`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Orders { store, clock }
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
        let page = orders::search(&self.store, &ctx.caller, self.clock.now(), &params).await?;
        let mut list = Vec::with_capacity(page.rows.len());
        for row in page.rows {
            let mut order = orders::into_order_doc(row)?;
            redact_order(&mut order, &ctx.caller, ctx.operation);
            list.push(order);
        }
        Ok(m::GetOrdersResponse {
            payload: Some(m::OrdersList {
                orders: list,
                next_token: page.next_token,
                last_updated_before: page.last_updated_before,
                created_before: page.created_before,
            }),
            errors: None,
        })
    }

    async fn get_order(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrder,
    ) -> Result<m::GetOrderResponse, ApiError> {
        let row = seller_order_header(&self.store, &ctx.caller, &params.order_id).await?;
        let mut order = orders::into_order_doc(row)?;
        redact_order(&mut order, &ctx.caller, ctx.operation);
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
        let row = seller_order_header(&self.store, &ctx.caller, &params.order_id).await?;
        let order = order_doc(&row)?;
        let mut info = m::OrderBuyerInfo {
            amazon_order_id: row.amazon_order_id.clone(),
            ..Default::default()
        };
        // The whole answer is personal data: only an RDT for this call shows it.
        if personal_data::may_see(&ctx.caller, ctx.operation, BUYER_INFO)
            && let Some(b) = order.buyer_info
        {
            info.buyer_email = b.buyer_email;
            info.buyer_name = b.buyer_name;
            info.buyer_county = b.buyer_county;
            info.buyer_tax_info = b.buyer_tax_info;
            info.purchase_order_number = b.purchase_order_number;
        }
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
        let row = seller_order_header(&self.store, &ctx.caller, &params.order_id).await?;
        let mut order = order_doc(&row)?;
        let full = personal_data::may_see(&ctx.caller, ctx.operation, SHIPPING_ADDRESS);
        redact_order(&mut order, &ctx.caller, ctx.operation);
        let company = if full {
            order
                .shipping_address
                .as_ref()
                .and_then(|a| a.company_name.clone())
        } else {
            None
        };
        Ok(m::GetOrderAddressResponse {
            payload: Some(m::OrderAddress {
                amazon_order_id: row.amazon_order_id.clone(),
                buyer_company_name: company,
                shipping_address: order.shipping_address,
                delivery_preferences: None,
            }),
            errors: None,
        })
    }

    async fn get_order_items(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderItems,
    ) -> Result<m::GetOrderItemsResponse, ApiError> {
        let row = seller_order(&self.store, &ctx.caller, &params.order_id).await?;
        if params.next_token.is_some() {
            // Orders here never span pages of items; a token can only be a stale one.
            return Err(ApiError::invalid_parameter(
                "NextToken",
                "Invalid NextToken.",
            ));
        }
        let mut items = order_items(&row)?;
        redact_items(&mut items, &ctx.caller, ctx.operation);
        Ok(m::GetOrderItemsResponse {
            payload: Some(m::OrderItemsList {
                order_items: items,
                next_token: None,
                amazon_order_id: row.amazon_order_id.clone(),
            }),
            errors: None,
        })
    }

    async fn get_order_items_buyer_info(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderItemsBuyerInfo,
    ) -> Result<m::GetOrderItemsBuyerInfoResponse, ApiError> {
        let row = seller_order(&self.store, &ctx.caller, &params.order_id).await?;
        if params.next_token.is_some() {
            return Err(ApiError::invalid_parameter(
                "NextToken",
                "Invalid NextToken.",
            ));
        }
        let visible = personal_data::may_see(&ctx.caller, ctx.operation, BUYER_INFO);
        let items = order_items(&row)?
            .into_iter()
            .map(|i| {
                let info = if visible { i.buyer_info.clone() } else { None }.unwrap_or_default();
                m::OrderItemBuyerInfo {
                    order_item_id: i.order_item_id,
                    buyer_customized_info: info.buyer_customized_info,
                    gift_wrap_price: info.gift_wrap_price,
                    gift_wrap_tax: info.gift_wrap_tax,
                    gift_message_text: info.gift_message_text,
                    gift_wrap_level: info.gift_wrap_level,
                }
            })
            .collect();
        Ok(m::GetOrderItemsBuyerInfoResponse {
            payload: Some(m::OrderItemsBuyerInfoList {
                order_items: items,
                next_token: None,
                amazon_order_id: row.amazon_order_id.clone(),
            }),
            errors: None,
        })
    }

    async fn get_order_regulated_info(
        &self,
        ctx: &RequestContext,
        params: m::params::GetOrderRegulatedInfo,
    ) -> Result<m::GetOrderRegulatedInfoResponse, ApiError> {
        let info =
            orders::regulated(&self.store, &ctx.caller, ctx.operation, &params.order_id).await?;
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
        orders::update_verification(
            &self.store,
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
        orders::update_shipment_status(
            &self.store,
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
        orders::confirm_shipment(
            &self.store,
            &ctx.caller,
            &params.order_id,
            &params.body,
            self.clock.now(),
        )
        .await?;
        Ok(())
    }
}
