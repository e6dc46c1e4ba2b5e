//! ORDER_CHANGE: the notification payload of an order change, written to the outbox in the
//! transaction of the change.

use super::{order_doc, order_items};
use crate::error::Result;
use crate::store::{OrderRow, StoreTx};
use crate::time::iso;
use jiff::Timestamp;
use serde_json::{Value, json};

/// Outbox topic of order changes.
pub const ORDER_CHANGE: &str = "ORDER_CHANGE";

/// The ORDER_CHANGE notification payload (`OrderChangeNotification`) for an order.
pub fn order_change_payload(row: &OrderRow, reason: &str, at: Timestamp) -> Result<Value> {
    let order = order_doc(row)?;
    let items = order_items(row)?;
    let postal = order
        .shipping_address
        .as_ref()
        .and_then(|a| a.postal_code.clone());
    Ok(json!({
        "NotificationLevel": "OrderLevel",
        "SellerId": row.seller_id,
        "AmazonOrderId": row.amazon_order_id,
        "OrderChangeType": "OrderStatusChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": iso(at), "ChangeReason": reason},
        "Summary": {
            "MarketplaceId": row.marketplace_id,
            "OrderStatus": row.order_status,
            "PurchaseDate": order.purchase_date,
            "DestinationPostalCode": postal,
            "FulfillmentType": row.fulfillment_channel,
            "OrderType": "StandardOrder",
            "NumberOfItemsShipped": order.number_of_items_shipped,
            "NumberOfItemsUnshipped": order.number_of_items_unshipped,
            "EarliestDeliveryDate": order.earliest_delivery_date,
            "LatestDeliveryDate": order.latest_delivery_date,
            "EarliestShipDate": order.earliest_ship_date,
            "LatestShipDate": order.latest_ship_date,
            "OrderPrograms": if order.is_prime == Some(true) { json!(["Prime"]) } else { json!([]) },
            "OrderItems": items.iter().map(|i| {
                let shipped = i.quantity_shipped.unwrap_or(0);
                json!({
                    "OrderItemId": i.order_item_id,
                    "SellerSKU": i.seller_sku,
                    "SupplySourceId": null,
                    "OrderItemStatus": if shipped >= i.quantity_ordered { "Shipped" } else { "Unshipped" },
                    "Quantity": i.quantity_ordered,
                    "QuantityShipped": shipped,
                    "IsBuyerRequestedCancel": false,
                })
            }).collect::<Vec<_>>(),
        }
    }))
}

/// Writes an order change and its ORDER_CHANGE event in the caller's transaction.
pub async fn record_change(
    tx: &mut StoreTx,
    row: &OrderRow,
    reason: &str,
    at: Timestamp,
) -> Result<()> {
    tx.update_order(row).await?;
    let payload = order_change_payload(row, reason, at)?;
    tx.push_outbox(ORDER_CHANGE, Some(&row.seller_id), &payload)
        .await?;
    Ok(())
}
