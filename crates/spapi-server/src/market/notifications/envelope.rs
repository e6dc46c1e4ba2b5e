//! Amazon's notification envelope around an event's payload, and the made-up events
//! `sendTestNotification` sends.

use super::types::type_info;
use crate::store::notify::SubscriptionRow;
use crate::time::iso_millis as notification_time;
use serde_json::{Value, json};

/// The facts of one notification.
pub struct Envelope<'a> {
    /// The subscription it is sent for.
    pub subscription: &'a SubscriptionRow,
    /// When the event happened, epoch µs.
    pub event_time_us: i64,
    /// When it is published, epoch µs.
    pub publish_time_us: i64,
    /// `NotificationMetadata.NotificationId`.
    pub notification_id: &'a str,
    /// The payload object (the outbox event's document).
    pub payload: &'a Value,
}

impl Envelope<'_> {
    /// The envelope as Amazon sends it.
    pub fn to_json(&self) -> Value {
        let s = self.subscription;
        let info = type_info(&s.notification_type);
        let payload = match info.and_then(|i| i.payload_object) {
            Some(key) => json!({ key: self.payload }),
            None => self.payload.clone(),
        };
        if info.is_some_and(|i| i.camel_case) {
            json!({
                "notificationVersion": "1.0",
                "notificationType": s.notification_type,
                "payloadVersion": s.payload_version,
                "eventTime": notification_time(self.event_time_us),
                "payload": payload,
                "notificationMetadata": {
                    "applicationId": s.application_id,
                    "subscriptionId": s.id,
                    "publishTime": notification_time(self.publish_time_us),
                    "notificationId": self.notification_id,
                },
            })
        } else {
            json!({
                "NotificationVersion": "1.0",
                "NotificationType": s.notification_type,
                "PayloadVersion": s.payload_version,
                "EventTime": notification_time(self.event_time_us),
                "Payload": payload,
                "NotificationMetadata": {
                    "ApplicationId": s.application_id,
                    "SubscriptionId": s.id,
                    "PublishTime": notification_time(self.publish_time_us),
                    "NotificationId": self.notification_id,
                },
            })
        }
    }
}

/// A test payload for `sendTestNotification`: a plausible event of the type for `seller_id`.
pub fn test_payload(notification_type: &str, seller_id: &str, at_us: i64) -> Value {
    let at = notification_time(at_us);
    match notification_type {
        "ORDER_CHANGE" => json!({
            "NotificationLevel": "OrderLevel",
            "SellerId": seller_id,
            "AmazonOrderId": "902-0000000-0000000",
            "OrderChangeType": "OrderStatusChange",
            "OrderChangeTrigger": {"TimeOfOrderChange": at, "ChangeReason": "TestNotification"},
            "Summary": {
                "MarketplaceId": "ATVPDKIKX0DER",
                "OrderStatus": "Unshipped",
                "PurchaseDate": at,
                "DestinationPostalCode": "98101",
                "FulfillmentType": "MFN",
                "OrderType": "StandardOrder",
                "NumberOfItemsShipped": 0,
                "NumberOfItemsUnshipped": 1,
                "OrderItems": [{
                    "OrderItemId": "00000000000000",
                    "SellerSKU": "TEST-SKU",
                    "SupplySourceId": null,
                    "OrderItemStatus": "Unshipped",
                    "Quantity": 1,
                    "QuantityShipped": 0,
                }],
            },
        }),
        "ANY_OFFER_CHANGED" | "FBA_INVENTORY_AVAILABILITY_CHANGES" => {
            stock_test_payload(notification_type, seller_id, at_us)
        }
        "LISTINGS_ITEM_STATUS_CHANGE" => json!({
            "SellerId": seller_id, "MarketplaceId": TEST_MARKETPLACE, "Asin": TEST_ASIN,
            "Sku": TEST_SKU, "CreatedDate": at, "Status": ["BUYABLE", "DISCOVERABLE"],
        }),
        "LISTINGS_ITEM_ISSUES_CHANGE" => json!({
            "SellerId": seller_id, "MarketplaceId": TEST_MARKETPLACE, "Asin": TEST_ASIN,
            "Sku": TEST_SKU, "Severities": ["WARNING"], "EnforcementActions": [],
        }),
        "LISTINGS_ITEM_MFN_QUANTITY_CHANGE" => json!({
            "SellerId": seller_id, "FulfillmentChannelCode": "DEFAULT", "Sku": TEST_SKU,
            "Quantity": 12,
        }),
        "REPORT_PROCESSING_FINISHED" => json!({
            "sellerId": seller_id, "accountId": format!("amzn1.merchant.o.{seller_id}"),
            "reportId": "50000000000", "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA",
            "processingStatus": "DONE",
            "reportDocumentId": "amzn1.spdoc.1.4.na.00000000-0000-0000-0000-000000000000",
        }),
        "FEED_PROCESSING_FINISHED" => json!({
            "sellerId": seller_id, "accountId": format!("amzn1.merchant.o.{seller_id}"),
            "feedId": "50000000000", "feedType": "JSON_LISTINGS_FEED",
            "processingStatus": "DONE",
            "resultFeedDocumentId": "amzn1.tortuga.4.na.00000000-0000-0000-0000-000000000000",
        }),
        // spapi produces no events of the other types yet: a minimal object naming the seller.
        _ => json!({"SellerId": seller_id, "TestNotification": true}),
    }
}

const TEST_MARKETPLACE: &str = "ATVPDKIKX0DER";
const TEST_ASIN: &str = "B000000000";
const TEST_SKU: &str = "TEST-SKU";

/// Test payloads of the offer and FBA stock types, built by the same code as real events from
/// one made-up FBA listing of the seller.
fn stock_test_payload(notification_type: &str, seller_id: &str, at_us: i64) -> Value {
    use crate::market::marketplaces::marketplace;
    use crate::market::offers;
    use crate::store::{ListingDoc, ListingRow};
    let Some(mp) = marketplace(TEST_MARKETPLACE) else {
        return json!({"SellerId": seller_id});
    };
    let doc = ListingDoc {
        row: ListingRow {
            seller_id: seller_id.to_string(),
            sku: TEST_SKU.into(),
            marketplace_id: mp.id.into(),
            asin: TEST_ASIN.into(),
            fulfillment_channel: "AFN".into(),
            price: "19.99".into(),
            currency: mp.currency.into(),
            quantity: 25,
            reserved: 2,
            status: "BUYABLE".into(),
            created_at_us: at_us,
            updated_at_us: at_us,
        },
        product_type: None,
        condition_type: Some("new_new".into()),
        attributes: None,
        issues: json!([]),
        issue_severity: None,
    };
    if notification_type == offers::FBA_INVENTORY_AVAILABILITY_CHANGES {
        return offers::fba_payload(seller_id, TEST_SKU, TEST_ASIN, &[&doc], Some("Test Item"));
    }
    let docs = [doc];
    let built = offers::OfferChange {
        asin: TEST_ASIN,
        mp,
        docs: &docs,
        item: None,
        changed: &docs[0].row,
        reference_price: None,
        at_us,
    }
    .build();
    offers::for_seller(&built, seller_id)
}
