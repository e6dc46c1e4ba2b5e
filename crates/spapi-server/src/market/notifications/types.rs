//! Amazon's notification types: the payload object of each, the case of its envelope, its
//! payload versions and whether it can go to an EventBridge destination.

/// What spapi knows about a notification type: its payload object name (the key under
/// `Payload`; `None`: the payload is the object itself), whether its envelope uses camelCase
/// keys (the newer types), the payload versions it has, and whether Amazon delivers it through
/// EventBridge.
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
    /// Whether an EventBridge destination takes it (Amazon's "EventBridge workflow" types).
    pub event_bridge: bool,
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
        event_bridge: false,
    }
}

impl TypeInfo {
    /// The same type, deliverable through EventBridge too.
    const fn event_bridge(self) -> TypeInfo {
        TypeInfo {
            event_bridge: true,
            ..self
        }
    }
}

const V1: &[&str] = &["1.0"];

/// Amazon's notification types (from the notification schemas and the type values table).
// Every type goes to SQS (Amazon has opened SQS to the listings types too); only the ones
// marked `event_bridge()` go to EventBridge.
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
    t("BRANDED_ITEM_CONTENT_CHANGE", None, false, V1).event_bridge(),
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
    t("ITEM_PRODUCT_TYPE_CHANGE", None, false, V1).event_bridge(),
    t("ITEM_SALES_EVENT_CHANGE", None, true, V1),
    t(
        "LISTINGS_ITEM_ISSUES_CHANGE",
        None,
        false,
        &["1.0", "2023-12-13"],
    )
    .event_bridge(),
    t("LISTINGS_ITEM_MFN_QUANTITY_CHANGE", None, false, V1).event_bridge(),
    t("LISTINGS_ITEM_STATUS_CHANGE", None, false, V1).event_bridge(),
    t("ORDER_CHANGE", Some("OrderChangeNotification"), false, V1),
    t("PRICING_HEALTH", None, false, V1),
    t("PRODUCT_TYPE_DEFINITIONS_CHANGE", None, false, V1).event_bridge(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eventbridge_types_are_the_listings_and_product_type_ones() {
        let eb: Vec<&str> = TYPES
            .iter()
            .filter(|t| t.event_bridge)
            .map(|t| t.name)
            .collect();
        assert_eq!(
            eb,
            [
                "BRANDED_ITEM_CONTENT_CHANGE",
                "ITEM_PRODUCT_TYPE_CHANGE",
                "LISTINGS_ITEM_ISSUES_CHANGE",
                "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
                "LISTINGS_ITEM_STATUS_CHANGE",
                "PRODUCT_TYPE_DEFINITIONS_CHANGE",
            ]
        );
    }
}
