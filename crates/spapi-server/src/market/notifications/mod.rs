//! Notifications: destinations (per application) and subscriptions (per seller, application,
//! notification type and payload version), with their rules: the resources a destination may
//! name, which types an EventBridge destination takes, one subscription per type and payload
//! version, and the processing directive's filters. Delivery is the notifier's (`notify`).

pub mod envelope;
pub mod types;

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::store::notify::{DestinationRow, NewDelivery, SubscriptionRow};
use crate::store::{Store, StoreError};
use envelope::Envelope;
use regex::Regex;
use spapi_model::notifications_v1 as m;
use std::sync::OnceLock;
use types::{TypeInfo, type_info};

/// The Notifications service over the seller world: destinations, subscriptions and test
/// notifications, answered as the Notifications API's documents.
#[derive(Debug, Clone)]
pub struct Notifications {
    store: Store,
    clock: Clock,
}

/// One page of `getSubscriptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionPage {
    /// The subscriptions of the page.
    pub subscriptions: Vec<m::Subscription>,
    /// The token of the next page, if there is one.
    pub next_token: Option<String>,
}

/// The calling seller.
fn seller(caller: &Caller) -> Result<&str> {
    // Only seller tokens reach the seller-scoped operations (the binding checks the grant);
    // a grantless caller cannot arrive here.
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

/// 404 naming `what` (`Destination <id>`, `A subscription to ORDER_CHANGE`).
fn not_found(what: &str) -> Error {
    Error::not_found().with_details(format!("{what} does not exist."))
}

/// The known type `notification_type`, or an invalid `field`.
fn known_type(field: &str, notification_type: &str) -> Result<&'static TypeInfo> {
    type_info(notification_type).ok_or_else(|| {
        Error::invalid_parameter(
            field,
            format!("{notification_type:?} is not a notification type."),
        )
    })
}

/// An EventBridge destination takes only the EventBridge types. (SQS destinations take every
/// type here: Amazon has opened SQS to the listings types too, so spapi does not refuse them.)
fn check_destination_kind(info: &TypeInfo, d: &DestinationRow) -> Result<()> {
    if d.resource.get("eventBridge").is_some() && !info.event_bridge {
        return Err(Error::invalid_parameter(
            "destinationId",
            format!(
                "{} notifications cannot be delivered to an Amazon EventBridge \
                 destination; use an Amazon SQS destination.",
                info.name
            ),
        ));
    }
    Ok(())
}

/// `arn:aws:sqs:<region>:<12-digit account>:<queue name>` (standard queues: FIFO queues are
/// not supported by the Notifications API).
fn valid_sqs_arn(arn: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^arn:aws:sqs:[a-z]{2}(-gov)?-[a-z]+-\d:\d{12}:[A-Za-z0-9_-]{1,80}$")
            .expect("valid regex")
    })
    .is_match(arn)
}

fn valid_region(region: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[a-z]{2}(-gov)?-[a-z]+-\d$").expect("valid regex"))
        .is_match(region)
}

/// The stored destination as the API's `Destination`.
fn destination_doc(row: &DestinationRow) -> Result<m::Destination> {
    Ok(m::Destination {
        name: row.name.clone(),
        destination_id: row.id.clone(),
        resource: serde_json::from_value(row.resource.clone()).map_err(Error::internal)?,
    })
}

/// The stored subscription as the API's `Subscription`.
fn subscription_doc(row: &SubscriptionRow) -> Result<m::Subscription> {
    Ok(m::Subscription {
        subscription_id: row.id.clone(),
        payload_version: row.payload_version.clone(),
        destination_id: row.destination_id.clone(),
        processing_directive: row
            .processing_directive
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(Error::internal)?,
    })
}

/// The resource a destination specification names, checked, and the key that makes it unique
/// per application (`sqs:<arn>`, `eventBridge:<region>:<account>`).
fn destination_resource(
    caller: &Caller,
    spec: m::DestinationResourceSpecification,
) -> Result<(m::DestinationResource, String)> {
    match (spec.sqs, spec.event_bridge) {
        (Some(sqs), None) => {
            if !valid_sqs_arn(&sqs.arn) {
                return Err(Error::invalid_parameter(
                    "arn",
                    format!(
                        "{:?} is not the ARN of an SQS standard queue (arn:aws:sqs:<region>:<account id>:<queue name>).",
                        sqs.arn
                    ),
                ));
            }
            let key = format!("sqs:{}", sqs.arn);
            Ok((
                m::DestinationResource {
                    sqs: Some(sqs),
                    event_bridge: None,
                },
                key,
            ))
        }
        (None, Some(eb)) => {
            if !valid_region(&eb.region) {
                return Err(Error::invalid_parameter(
                    "region",
                    format!("{:?} is not an AWS region.", eb.region),
                ));
            }
            if eb.account_id.len() != 12 || !eb.account_id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Error::invalid_parameter(
                    "accountId",
                    format!("{:?} is not an AWS account id.", eb.account_id),
                ));
            }
            let key = format!("eventBridge:{}:{}", eb.region, eb.account_id);
            Ok((
                m::DestinationResource {
                    sqs: None,
                    event_bridge: Some(m::EventBridgeResource {
                        // The partner event source Amazon creates in the account.
                        name: format!(
                            "aws.partner/sellingpartnerapi.amazon/{}/{}",
                            eb.account_id, caller.application_id
                        ),
                        region: eb.region,
                        account_id: eb.account_id,
                    }),
                },
                key,
            ))
        }
        _ => Err(Error::invalid_parameter(
            "resourceSpecification",
            "Give exactly one of sqs and eventBridge.",
        )),
    }
}

/// The rules of a processing directive for a notification type.
fn check_directive(notification_type: &str, d: &m::ProcessingDirective) -> Result<()> {
    let bad = |details: String| Error::invalid_parameter("processingDirective", details);
    if d.event_filter.is_some() && d.filter_expression.is_some() {
        return Err(bad(
            "eventFilter and filterExpression exclude each other.".into()
        ));
    }
    let Some(f) = &d.event_filter else {
        return Ok(());
    };
    let filter_type = f.event_filter_type.as_str();
    if filter_type != notification_type {
        return Err(bad(format!(
            "eventFilterType {filter_type} does not apply to {notification_type}."
        )));
    }
    if !matches!(filter_type, "ANY_OFFER_CHANGED" | "ORDER_CHANGE") {
        return Err(bad(format!(
            "{notification_type} does not support an eventFilter."
        )));
    }
    if f.order_change_types.is_some() && filter_type != "ORDER_CHANGE" {
        return Err(bad("orderChangeTypes applies to ORDER_CHANGE only.".into()));
    }
    if let Some(types) = &f.order_change_types
        && let Some(t) = types
            .iter()
            .find(|t| matches!(t, m::OrderChangeTypeEnum::Unknown(_)))
    {
        return Err(bad(format!(
            "{:?} is not an order change type.",
            t.as_str()
        )));
    }
    if let Some(a) = &f.aggregation_settings {
        if filter_type != "ANY_OFFER_CHANGED" {
            return Err(bad(
                "aggregationSettings applies to ANY_OFFER_CHANGED only.".into(),
            ));
        }
        if let m::AggregationTimePeriod::Unknown(p) = &a.aggregation_time_period {
            return Err(bad(format!("{p:?} is not an aggregation time period.")));
        }
    }
    if f.tracking_identifier.is_some() {
        return Err(bad(format!(
            "trackingIdentifier does not apply to {notification_type}."
        )));
    }
    Ok(())
}

impl Notifications {
    /// Notifications of the world in `store`, on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Notifications { store, clock }
    }

    /// The caller's subscription `id` of `notification_type` (grantless: any seller of the app).
    async fn app_subscription(
        &self,
        caller: &Caller,
        notification_type: &str,
        id: &str,
    ) -> Result<SubscriptionRow> {
        match self.store.get_subscription(id).await? {
            Some(s)
                if s.application_id == caller.application_id
                    && s.notification_type == notification_type =>
            {
                Ok(s)
            }
            _ => Err(not_found(&format!("Subscription {id}"))),
        }
    }

    /// The caller's destination `id`.
    async fn app_destination(&self, caller: &Caller, id: &str) -> Result<DestinationRow> {
        match self.store.get_destination(id).await? {
            Some(d) if d.application_id == caller.application_id => Ok(d),
            _ => Err(not_found(&format!("Destination {id}"))),
        }
    }

    /// The calling seller's subscription of `notification_type` for the caller's application
    /// (of `payload_version`, else of the latest payload version it has).
    async fn seller_subscription(
        &self,
        seller: &str,
        caller: &Caller,
        info: &TypeInfo,
        payload_version: Option<&str>,
    ) -> Result<SubscriptionRow> {
        self.store
            .subscriptions_of(seller, &caller.application_id)
            .await?
            .into_iter()
            .filter(|s| s.notification_type == info.name)
            .filter(|s| payload_version.is_none_or(|v| v == s.payload_version))
            .max_by(|a, b| a.payload_version.cmp(&b.payload_version))
            .ok_or_else(|| not_found(&format!("A subscription to {}", info.name)))
    }

    /// `getSubscriptions`: the calling seller's subscriptions of the caller's application to
    /// any of `p.notification_types` (of `p.payload_version` if given), a page at a time.
    pub async fn subscriptions(
        &self,
        caller: &Caller,
        p: &m::params::GetSubscriptions,
    ) -> Result<SubscriptionPage> {
        let seller = seller(caller)?;
        for t in &p.notification_types {
            known_type("notificationTypes", t)?;
        }
        // The binding checks the model's range (30..=100); 30 is the documented default.
        let page_size = p.page_size.unwrap_or(30).clamp(1, 100);
        let all: Vec<SubscriptionRow> = self
            .store
            .subscriptions_of(seller, &caller.application_id)
            .await?
            .into_iter()
            .filter(|s| p.notification_types.contains(&s.notification_type))
            .filter(|s| {
                p.payload_version
                    .as_ref()
                    .is_none_or(|v| *v == s.payload_version)
            })
            .collect();
        // The token carries the id of the first subscription of the next page.
        let start = match &p.next_token {
            Some(token) => {
                let first: String = crate::market::paging::decode_token(token)?;
                all.iter()
                    .position(|s| s.id == first)
                    .ok_or_else(|| Error::invalid_input(crate::market::paging::UNDECODABLE))?
            }
            None => 0,
        };
        let end = (start + page_size as usize).min(all.len());
        Ok(SubscriptionPage {
            subscriptions: all[start..end]
                .iter()
                .map(subscription_doc)
                .collect::<Result<Vec<_>>>()?,
            next_token: all
                .get(end)
                .map(|s| crate::market::paging::encode_token(&s.id)),
        })
    }

    /// `getSubscription`: the calling seller's subscription of `notification_type` (of
    /// `payload_version`; without it, the latest payload version's).
    pub async fn subscription(
        &self,
        caller: &Caller,
        notification_type: &str,
        payload_version: Option<&str>,
    ) -> Result<m::Subscription> {
        let seller = seller(caller)?;
        let info = known_type("notificationType", notification_type)?;
        let s = self
            .seller_subscription(seller, caller, info, payload_version)
            .await?;
        subscription_doc(&s)
    }

    /// `createSubscription`: subscribes the calling seller, for the caller's application, to
    /// `notification_type` through one of the application's destinations. One subscription per
    /// type and payload version: a second is a conflict.
    pub async fn create_subscription(
        &self,
        caller: &Caller,
        notification_type: &str,
        body: m::CreateSubscriptionRequest,
    ) -> Result<m::Subscription> {
        let seller = seller(caller)?;
        let info = known_type("notificationType", notification_type)?;
        if !info.versions.contains(&body.payload_version.as_str()) {
            return Err(Error::invalid_parameter(
                "payloadVersion",
                format!(
                    "{} supports payload version(s) {}.",
                    info.name,
                    info.versions.join(", ")
                ),
            ));
        }
        if let Some(d) = &body.processing_directive {
            check_directive(info.name, d)?;
        }
        match self.store.get_destination(&body.destination_id).await? {
            Some(d) if d.application_id == caller.application_id => {
                check_destination_kind(info, &d)?;
            }
            _ => {
                return Err(Error::invalid_parameter(
                    "destinationId",
                    format!("Destination {} does not exist.", body.destination_id),
                ));
            }
        }
        let row = SubscriptionRow {
            id: uuid::Uuid::new_v4().to_string(),
            application_id: caller.application_id.clone(),
            seller_id: seller.to_string(),
            notification_type: info.name.to_string(),
            payload_version: body.payload_version,
            destination_id: body.destination_id,
            processing_directive: body
                .processing_directive
                .as_ref()
                .map(serde_json::to_value)
                .transpose()
                .map_err(Error::internal)?,
            created_at_us: self.clock.now_us(),
        };
        match self.store.insert_subscription(&row).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(Error::conflict(format!(
                    "A subscription to {} (payload version {}) already exists for this application and selling partner.",
                    info.name, row.payload_version
                )));
            }
            Err(e) => return Err(e.into()),
        }
        subscription_doc(&row)
    }

    /// `getSubscriptionById`: the caller's application's subscription `id` of
    /// `notification_type` (grantless).
    pub async fn subscription_by_id(
        &self,
        caller: &Caller,
        notification_type: &str,
        id: &str,
    ) -> Result<m::Subscription> {
        let s = self.app_subscription(caller, notification_type, id).await?;
        subscription_doc(&s)
    }

    /// `deleteSubscriptionById`: deletes the caller's application's subscription `id` of
    /// `notification_type` (its pending deliveries are cancelled by the store).
    pub async fn delete_subscription(
        &self,
        caller: &Caller,
        notification_type: &str,
        id: &str,
    ) -> Result<()> {
        let s = self.app_subscription(caller, notification_type, id).await?;
        self.store.delete_subscription(&s.id).await?;
        Ok(())
    }

    /// `sendTestNotification`: queues a made-up event of `notification_type` for the calling
    /// seller's subscription (of the body's payload version, else the latest), to the body's
    /// destination or the subscription's. Returns the id of the notification queued.
    pub async fn send_test_notification(
        &self,
        caller: &Caller,
        notification_type: &str,
        body: &m::SendTestNotificationRequest,
    ) -> Result<String> {
        let seller = seller(caller)?;
        let info = known_type("notificationType", notification_type)?;
        if let Some(t) = &body.test_notification
            && t.test_scenario.as_deref().is_none_or(str::is_empty)
        {
            return Err(Error::invalid_parameter(
                "testScenario",
                "testScenario must not be empty.",
            ));
        }
        let version = body
            .test_notification
            .as_ref()
            .map(|t| t.payload_version.as_str());
        let sub = self
            .seller_subscription(seller, caller, info, version)
            .await?;
        let destination_id = match &body.destination_id {
            Some(id) => {
                let d = self.app_destination(caller, id).await?;
                check_destination_kind(info, &d)?;
                d.id
            }
            None => sub.destination_id.clone(),
        };
        let now = self.clock.now_us();
        let payload = envelope::test_payload(info.name, seller, now);
        let notification_id = uuid::Uuid::new_v4().to_string();
        let env = Envelope {
            subscription: &sub,
            event_time_us: now,
            publish_time_us: now,
            notification_id: &notification_id,
            payload: &payload,
        }
        .to_json();
        self.store
            .insert_delivery(&NewDelivery {
                subscription: sub,
                destination_id,
                notification_id: notification_id.clone(),
                envelope: env,
                aggregate: None,
            })
            .await?;
        Ok(notification_id)
    }

    /// `getDestinations`: the caller's application's destinations.
    pub async fn destinations(&self, caller: &Caller) -> Result<Vec<m::Destination>> {
        self.store
            .destinations_of_app(&caller.application_id)
            .await?
            .iter()
            .map(destination_doc)
            .collect()
    }

    /// `createDestination`: a destination of the caller's application for one SQS queue or one
    /// EventBridge account and region; one per resource and application.
    pub async fn create_destination(
        &self,
        caller: &Caller,
        body: m::CreateDestinationRequest,
    ) -> Result<m::Destination> {
        if body.name.trim().is_empty() || body.name.chars().count() > 256 {
            return Err(Error::invalid_parameter(
                "name",
                "name must have 1 to 256 characters.",
            ));
        }
        let (resource, key) = destination_resource(caller, body.resource_specification)?;
        let row = DestinationRow {
            id: uuid::Uuid::new_v4().to_string(),
            application_id: caller.application_id.clone(),
            name: body.name,
            resource: serde_json::to_value(&resource).map_err(Error::internal)?,
            resource_key: key,
            // The HTTP sink is a spapi extension set through the control plane only.
            http_url: None,
            http_secret: None,
            created_at_us: self.clock.now_us(),
        };
        match self.store.insert_destination(&row).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(Error::conflict(
                    "A destination for this resource already exists for this application.",
                ));
            }
            Err(e) => return Err(e.into()),
        }
        destination_doc(&row)
    }

    /// `getDestination`: the caller's application's destination `id`.
    pub async fn destination(&self, caller: &Caller, id: &str) -> Result<m::Destination> {
        let d = self.app_destination(caller, id).await?;
        destination_doc(&d)
    }

    /// `deleteDestination`: deletes the caller's application's destination `id`, unless a
    /// subscription still uses it (a conflict).
    pub async fn delete_destination(&self, caller: &Caller, id: &str) -> Result<()> {
        match self
            .store
            .delete_destination(&caller.application_id, id)
            .await
        {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound(_)) => Err(not_found(&format!("Destination {id}"))),
            Err(StoreError::Conflict(_)) => Err(Error::conflict(
                "The destination is used by a subscription: delete the subscription first.",
            )),
            Err(e) => Err(e.into()),
        }
    }
}
