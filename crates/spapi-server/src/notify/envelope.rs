//! Amazon's notification envelope, the payload object of each notification type, and the
//! event filters of a subscription's processing directive.

use crate::store::notify::SubscriptionRow;
use serde_json::{Value, json};

/// What spapi knows about a notification type: its payload object name (the key under
/// `Payload`; `None`: the payload is the object itself), whether its envelope uses camelCase
/// keys (the newer types), and the payload versions it has.
#[derive(Debug, Clone, Copy)]
pub struct TypeInfo {
    /// `NotificationType`.
    pub name: &'static str,
    /// The key under `Payload`, e.g. `OrderChangeNotification`.
    pub payload_object: Option<&'static str>,
    /// `notificationVersion`, `payload`... instead of `NotificationVersion`, `Payload`...
    pub camel_case: bool,
    /// The payload versions Amazon documents.
    pub versions: &'static [&'static str],
}

const fn t(
    name: &'static str,
    payload_object: Option<&'static str>,
    camel_case: bool,
    versions: &'static [&'static str],
) -> TypeInfo {
    TypeInfo {
        name,
        payload_object,
        camel_case,
        versions,
    }
}

const V1: &[&str] = &["1.0"];

/// Amazon's notification types (from the notification schemas and the type values table).
pub const TYPES: &[TypeInfo] = &[
    t(
        "ACCOUNT_STATUS_CHANGED",
        Some("AccountStatusChangeNotification"),
        false,
        V1,
    ),
    t(
        "ANY_OFFER_CHANGED",
        Some("AnyOfferChangedNotification"),
        false,
        V1,
    ),
    t(
        "B2B_ANY_OFFER_CHANGED",
        Some("AnyOfferChangedNotification"),
        false,
        V1,
    ),
    t("BRANDED_ITEM_CONTENT_CHANGE", None, false, V1),
    t(
        "DATA_KIOSK_QUERY_PROCESSING_FINISHED",
        None,
        true,
        &["2023-11-15"],
    ),
    t("DETAIL_PAGE_TRAFFIC_EVENT", None, true, V1),
    t(
        "EXTERNAL_FULFILLMENT_SHIPMENT_STATUS_CHANGE",
        None,
        false,
        V1,
    ),
    // Its payload is the notification object itself, not wrapped under a key.
    t("FBA_INVENTORY_AVAILABILITY_CHANGES", None, false, V1),
    t(
        "FBA_OUTBOUND_SHIPMENT_STATUS",
        Some("FBAOutboundShipmentStatusNotification"),
        false,
        V1,
    ),
    t("FEE_PROMOTION", Some("FeePromotionNotification"), false, V1),
    t(
        "FEED_PROCESSING_FINISHED",
        Some("feedProcessingFinishedNotification"),
        true,
        &["2020-09-04"],
    ),
    t(
        "FULFILLMENT_ORDER_STATUS",
        Some("FulfillmentOrderStatusNotification"),
        false,
        V1,
    ),
    t("ITEM_INVENTORY_EVENT_CHANGE", None, true, V1),
    t("ITEM_PRODUCT_TYPE_CHANGE", None, false, V1),
    t("ITEM_SALES_EVENT_CHANGE", None, true, V1),
    t(
        "LISTINGS_ITEM_ISSUES_CHANGE",
        None,
        false,
        &["1.0", "2023-12-13"],
    ),
    t("LISTINGS_ITEM_MFN_QUANTITY_CHANGE", None, false, V1),
    t("LISTINGS_ITEM_STATUS_CHANGE", None, false, V1),
    t("ORDER_CHANGE", Some("OrderChangeNotification"), false, V1),
    t("PRICING_HEALTH", None, false, V1),
    t("PRODUCT_TYPE_DEFINITIONS_CHANGE", None, false, V1),
    t(
        "REPORT_PROCESSING_FINISHED",
        Some("reportProcessingFinishedNotification"),
        true,
        &["2020-09-04"],
    ),
    t(
        "TRANSACTION_UPDATE",
        Some("TransactionUpdateNotification"),
        false,
        V1,
    ),
];

/// The known type `name`.
pub fn type_info(name: &str) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.name == name)
}

use crate::time::iso_millis as notification_time;

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

/// Whether the subscription's event filter lets `payload` (an event of its type) through.
///
/// Applied: ORDER_CHANGE's `orderChangeTypes` (against `OrderChangeType`) and `marketplaceIds`
/// of either filter type (against the payload's marketplace). `aggregationSettings` delays and
/// merges deliveries ([`aggregation`]); `filterExpression` is stored but not applied.
pub fn passes_filter(s: &SubscriptionRow, payload: &Value) -> bool {
    let Some(filter) = s
        .processing_directive
        .as_ref()
        .and_then(|d| d.get("eventFilter"))
    else {
        return true;
    };
    if let Some(types) = filter.get("orderChangeTypes").and_then(Value::as_array)
        && !types.is_empty()
    {
        let ty = payload.get("OrderChangeType").and_then(Value::as_str);
        if !types.iter().any(|t| t.as_str() == ty) {
            return false;
        }
    }
    if let Some(ids) = filter.get("marketplaceIds").and_then(Value::as_array)
        && !ids.is_empty()
    {
        let mp = payload
            .pointer("/Summary/MarketplaceId")
            .or_else(|| payload.pointer("/OfferChangeTrigger/MarketplaceId"))
            .or_else(|| payload.get("MarketplaceId"))
            .and_then(Value::as_str);
        if let Some(mp) = mp
            && !ids.iter().any(|i| i.as_str() == Some(mp))
        {
            return false;
        }
    }
    true
}

/// The aggregation of an event for a subscription whose event filter has
/// `aggregationSettings` (ANY_OFFER_CHANGED): the item key (ASIN, marketplace, condition) and
/// the end of the period that starts with the event (`FiveMinutes`, `TenMinutes`). `None`:
/// delivered at once.
pub fn aggregation(s: &SubscriptionRow, payload: &Value, event_us: i64) -> Option<(String, i64)> {
    let period = s
        .processing_directive
        .as_ref()?
        .pointer("/eventFilter/aggregationSettings/aggregationTimePeriod")?
        .as_str()?;
    let minutes = match period {
        "FiveMinutes" => 5,
        "TenMinutes" => 10,
        _ => return None,
    };
    let trigger = payload.get("OfferChangeTrigger")?;
    let field = |k: &str| trigger.get(k).and_then(Value::as_str).unwrap_or_default();
    let key = format!(
        "{}|{}|{}",
        field("ASIN"),
        field("MarketplaceId"),
        field("ItemCondition")
    );
    Some((key, event_us + minutes * 60_000_000))
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
