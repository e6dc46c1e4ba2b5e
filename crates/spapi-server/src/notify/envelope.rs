//! The event filters of a subscription's processing directive, applied at fan-out. The
//! envelope itself and the notification types are the seller world's
//! (`market::notifications`).

use crate::store::notify::SubscriptionRow;
use serde_json::Value;

/// Amazon's notification envelope (kept under this path for the notifier's callers).
pub use crate::market::notifications::envelope::Envelope;

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
