//! Notifications API v1: destinations (per application, grantless) and subscriptions (per
//! seller, application, notification type and payload version). Delivery is `crate::notify`.

use crate::auth::Caller;
use crate::clock::Clock;
use crate::generated::notifications_v1::NotificationsV1Api;
use crate::http::{ApiError, RequestContext};
use crate::notify::envelope::{self, type_info};
use crate::store::notify::{DestinationRow, NewDelivery, SubscriptionRow};
use crate::store::{Store, StoreError};
use axum::http::StatusCode;
use regex::Regex;
use spapi_model::notifications_v1 as m;
use std::sync::OnceLock;

/// The Notifications API over the store.
pub struct Notifications {
    store: Store,
    clock: Clock,
}

/// The notification types Amazon delivers through EventBridge (its "EventBridge workflow");
/// every other type is delivered through SQS only.
pub const EVENTBRIDGE_TYPES: &[&str] = &[
    "BRANDED_ITEM_CONTENT_CHANGE",
    "ITEM_PRODUCT_TYPE_CHANGE",
    "LISTINGS_ITEM_STATUS_CHANGE",
    "LISTINGS_ITEM_ISSUES_CHANGE",
    "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
    "PRODUCT_TYPE_DEFINITIONS_CHANGE",
];

/// An EventBridge destination takes only the EventBridge types. (SQS destinations take every
/// type here: Amazon has opened SQS to the listings types too, so spapi does not refuse them.)
fn check_destination_kind(notification_type: &str, d: &DestinationRow) -> Result<(), ApiError> {
    if d.resource.get("eventBridge").is_some() && !EVENTBRIDGE_TYPES.contains(&notification_type) {
        return Err(ApiError::invalid_parameter(
            "destinationId",
            format!(
                "{notification_type} notifications cannot be delivered to an Amazon EventBridge \
                 destination; use an Amazon SQS destination."
            ),
        ));
    }
    Ok(())
}

impl Notifications {
    /// Notifications of the world in `store`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Notifications { store, clock }
    }
}

fn internal(e: StoreError) -> ApiError {
    ApiError::internal(e)
}

fn conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "Conflict", message)
}

fn not_found(what: &str) -> ApiError {
    ApiError::not_found().with_details(format!("{what} does not exist."))
}

fn seller(caller: &Caller) -> Result<&str, ApiError> {
    // The generated binding only routes seller tokens here; a grantless caller cannot arrive.
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(|| ApiError::unauthorized().with_details(""))
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

fn destination_doc(row: &DestinationRow) -> Result<m::Destination, ApiError> {
    Ok(m::Destination {
        name: row.name.clone(),
        destination_id: row.id.clone(),
        resource: serde_json::from_value(row.resource.clone()).map_err(ApiError::internal)?,
    })
}

fn subscription_doc(row: &SubscriptionRow) -> Result<m::Subscription, ApiError> {
    Ok(m::Subscription {
        subscription_id: row.id.clone(),
        payload_version: row.payload_version.clone(),
        destination_id: row.destination_id.clone(),
        processing_directive: row
            .processing_directive
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(ApiError::internal)?,
    })
}

fn known_type(notification_type: &str) -> Result<&'static envelope::TypeInfo, ApiError> {
    type_info(notification_type).ok_or_else(|| {
        ApiError::invalid_parameter(
            "notificationType",
            format!("{notification_type:?} is not a notification type."),
        )
    })
}

/// The rules of a processing directive for a notification type.
fn check_directive(notification_type: &str, d: &m::ProcessingDirective) -> Result<(), ApiError> {
    let bad = |details: String| ApiError::invalid_parameter("processingDirective", details);
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
    /// The caller's subscription `id` of `notification_type` (grantless: any seller of the app).
    async fn app_subscription(
        &self,
        caller: &Caller,
        notification_type: &str,
        id: &str,
    ) -> Result<SubscriptionRow, ApiError> {
        match self.store.get_subscription(id).await.map_err(internal)? {
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
    async fn app_destination(&self, caller: &Caller, id: &str) -> Result<DestinationRow, ApiError> {
        match self.store.get_destination(id).await.map_err(internal)? {
            Some(d) if d.application_id == caller.application_id => Ok(d),
            _ => Err(not_found(&format!("Destination {id}"))),
        }
    }
}

#[async_trait::async_trait]
impl NotificationsV1Api for Notifications {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getSubscriptions",
            "getSubscription",
            "createSubscription",
            "getSubscriptionById",
            "deleteSubscriptionById",
            "sendTestNotification",
            "getDestinations",
            "createDestination",
            "getDestination",
            "deleteDestination",
        ]
    }

    async fn get_subscriptions(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSubscriptions,
    ) -> Result<m::GetSubscriptionsResponse, ApiError> {
        let seller = seller(&ctx.caller)?;
        for t in &params.notification_types {
            known_type(t).map_err(|_| {
                ApiError::invalid_parameter(
                    "notificationTypes",
                    format!("{t:?} is not a notification type."),
                )
            })?;
        }
        // The binding checks the model's range (30..=100); 30 is the documented default.
        let page_size = params.page_size.unwrap_or(30).clamp(1, 100);
        let all: Vec<SubscriptionRow> = self
            .store
            .subscriptions_of(seller, &ctx.caller.application_id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|s| params.notification_types.contains(&s.notification_type))
            .filter(|s| {
                params
                    .payload_version
                    .as_ref()
                    .is_none_or(|v| *v == s.payload_version)
            })
            .collect();
        // The token is the id of the first subscription of the next page.
        let start = match &params.next_token {
            Some(token) => all
                .iter()
                .position(|s| &s.id == token)
                .ok_or_else(|| ApiError::invalid_parameter("nextToken", "Invalid nextToken."))?,
            None => 0,
        };
        let end = (start + page_size as usize).min(all.len());
        let subscriptions = all[start..end]
            .iter()
            .map(subscription_doc)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(m::GetSubscriptionsResponse {
            payload: Some(m::GetSubscriptionsPayload {
                subscriptions: Some(subscriptions),
                next_token: all.get(end).map(|s| s.id.clone()),
            }),
            errors: None,
        })
    }

    async fn get_subscription(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSubscription,
    ) -> Result<m::GetSubscriptionResponse, ApiError> {
        let seller = seller(&ctx.caller)?;
        known_type(&params.notification_type)?;
        // Without payloadVersion: the latest payload version's subscription.
        let found = self
            .store
            .subscriptions_of(seller, &ctx.caller.application_id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|s| s.notification_type == params.notification_type)
            .filter(|s| {
                params
                    .payload_version
                    .as_ref()
                    .is_none_or(|v| *v == s.payload_version)
            })
            .max_by(|a, b| a.payload_version.cmp(&b.payload_version));
        let Some(s) = found else {
            return Err(not_found(&format!(
                "A subscription to {}",
                params.notification_type
            )));
        };
        Ok(m::GetSubscriptionResponse {
            payload: Some(subscription_doc(&s)?),
            errors: None,
        })
    }

    async fn create_subscription(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateSubscription,
    ) -> Result<m::CreateSubscriptionResponse, ApiError> {
        let seller = seller(&ctx.caller)?;
        let info = known_type(&params.notification_type)?;
        let body = params.body;
        if !info.versions.contains(&body.payload_version.as_str()) {
            return Err(ApiError::invalid_parameter(
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
        match self
            .store
            .get_destination(&body.destination_id)
            .await
            .map_err(internal)?
        {
            Some(d) if d.application_id == ctx.caller.application_id => {
                check_destination_kind(info.name, &d)?;
            }
            _ => {
                return Err(ApiError::invalid_parameter(
                    "destinationId",
                    format!("Destination {} does not exist.", body.destination_id),
                ));
            }
        }
        let row = SubscriptionRow {
            id: uuid::Uuid::new_v4().to_string(),
            application_id: ctx.caller.application_id.clone(),
            seller_id: seller.to_string(),
            notification_type: info.name.to_string(),
            payload_version: body.payload_version.clone(),
            destination_id: body.destination_id.clone(),
            processing_directive: body
                .processing_directive
                .as_ref()
                .map(serde_json::to_value)
                .transpose()
                .map_err(ApiError::internal)?,
            created_at_us: self.clock.now_us(),
        };
        match self.store.insert_subscription(&row).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(conflict(format!(
                    "A subscription to {} (payload version {}) already exists for this application and selling partner.",
                    info.name, body.payload_version
                )));
            }
            Err(e) => return Err(internal(e)),
        }
        Ok(m::CreateSubscriptionResponse {
            payload: Some(subscription_doc(&row)?),
            errors: None,
        })
    }

    async fn get_subscription_by_id(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSubscriptionById,
    ) -> Result<m::GetSubscriptionByIdResponse, ApiError> {
        let s = self
            .app_subscription(
                &ctx.caller,
                &params.notification_type,
                &params.subscription_id,
            )
            .await?;
        Ok(m::GetSubscriptionByIdResponse {
            payload: Some(subscription_doc(&s)?),
            errors: None,
        })
    }

    async fn delete_subscription_by_id(
        &self,
        ctx: &RequestContext,
        params: m::params::DeleteSubscriptionById,
    ) -> Result<m::DeleteSubscriptionByIdResponse, ApiError> {
        let s = self
            .app_subscription(
                &ctx.caller,
                &params.notification_type,
                &params.subscription_id,
            )
            .await?;
        self.store
            .delete_subscription(&s.id)
            .await
            .map_err(internal)?;
        Ok(m::DeleteSubscriptionByIdResponse { errors: None })
    }

    async fn send_test_notification(
        &self,
        ctx: &RequestContext,
        params: m::params::SendTestNotification,
    ) -> Result<m::SendTestNotificationResponse, ApiError> {
        let seller = seller(&ctx.caller)?;
        let info = known_type(&params.notification_type)?;
        let body = params.body;
        if let Some(t) = &body.test_notification
            && t.test_scenario.as_deref().is_none_or(str::is_empty)
        {
            return Err(ApiError::invalid_parameter(
                "testScenario",
                "testScenario must not be empty.",
            ));
        }
        let version = body.test_notification.as_ref().map(|t| &t.payload_version);
        let sub = self
            .store
            .subscriptions_of(seller, &ctx.caller.application_id)
            .await
            .map_err(internal)?
            .into_iter()
            .filter(|s| s.notification_type == info.name)
            .filter(|s| version.is_none_or(|v| *v == s.payload_version))
            .max_by(|a, b| a.payload_version.cmp(&b.payload_version))
            .ok_or_else(|| not_found(&format!("A subscription to {}", info.name)))?;
        let destination_id = match &body.destination_id {
            Some(id) => {
                let d = self.app_destination(&ctx.caller, id).await?;
                check_destination_kind(info.name, &d)?;
                d.id
            }
            None => sub.destination_id.clone(),
        };
        let now = self.clock.now_us();
        let payload = envelope::test_payload(info.name, seller, now);
        let notification_id = uuid::Uuid::new_v4().to_string();
        let env = envelope::Envelope {
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
            .await
            .map_err(internal)?;
        Ok(m::SendTestNotificationResponse {
            // spapi extension: the id of the notification queued (the payload is free-form).
            payload: Some(serde_json::json!({ "notificationId": notification_id })),
            errors: None,
        })
    }

    async fn get_destinations(
        &self,
        ctx: &RequestContext,
        _params: m::params::GetDestinations,
    ) -> Result<m::GetDestinationsResponse, ApiError> {
        let list = self
            .store
            .destinations_of_app(&ctx.caller.application_id)
            .await
            .map_err(internal)?
            .iter()
            .map(destination_doc)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(m::GetDestinationsResponse {
            payload: Some(list),
            errors: None,
        })
    }

    async fn create_destination(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateDestination,
    ) -> Result<m::CreateDestinationResponse, ApiError> {
        let body = params.body;
        if body.name.trim().is_empty() || body.name.chars().count() > 256 {
            return Err(ApiError::invalid_parameter(
                "name",
                "name must have 1 to 256 characters.",
            ));
        }
        let spec = body.resource_specification;
        let (resource, key) = match (spec.sqs, spec.event_bridge) {
            (Some(sqs), None) => {
                if !valid_sqs_arn(&sqs.arn) {
                    return Err(ApiError::invalid_parameter(
                        "arn",
                        format!(
                            "{:?} is not the ARN of an SQS standard queue (arn:aws:sqs:<region>:<account id>:<queue name>).",
                            sqs.arn
                        ),
                    ));
                }
                let key = format!("sqs:{}", sqs.arn);
                (
                    m::DestinationResource {
                        sqs: Some(sqs),
                        event_bridge: None,
                    },
                    key,
                )
            }
            (None, Some(eb)) => {
                if !valid_region(&eb.region) {
                    return Err(ApiError::invalid_parameter(
                        "region",
                        format!("{:?} is not an AWS region.", eb.region),
                    ));
                }
                if eb.account_id.len() != 12 || !eb.account_id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ApiError::invalid_parameter(
                        "accountId",
                        format!("{:?} is not an AWS account id.", eb.account_id),
                    ));
                }
                let key = format!("eventBridge:{}:{}", eb.region, eb.account_id);
                (
                    m::DestinationResource {
                        sqs: None,
                        event_bridge: Some(m::EventBridgeResource {
                            // The partner event source Amazon creates in the account.
                            name: format!(
                                "aws.partner/sellingpartnerapi.amazon/{}/{}",
                                eb.account_id, ctx.caller.application_id
                            ),
                            region: eb.region,
                            account_id: eb.account_id,
                        }),
                    },
                    key,
                )
            }
            _ => {
                return Err(ApiError::invalid_parameter(
                    "resourceSpecification",
                    "Give exactly one of sqs and eventBridge.",
                ));
            }
        };
        let row = DestinationRow {
            id: uuid::Uuid::new_v4().to_string(),
            application_id: ctx.caller.application_id.clone(),
            name: body.name,
            resource: serde_json::to_value(&resource).map_err(ApiError::internal)?,
            resource_key: key,
            http_url: None,
            http_secret: None,
            created_at_us: self.clock.now_us(),
        };
        match self.store.insert_destination(&row).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                return Err(conflict(
                    "A destination for this resource already exists for this application.",
                ));
            }
            Err(e) => return Err(internal(e)),
        }
        Ok(m::CreateDestinationResponse {
            payload: Some(destination_doc(&row)?),
            errors: None,
        })
    }

    async fn get_destination(
        &self,
        ctx: &RequestContext,
        params: m::params::GetDestination,
    ) -> Result<m::GetDestinationResponse, ApiError> {
        let d = self
            .app_destination(&ctx.caller, &params.destination_id)
            .await?;
        Ok(m::GetDestinationResponse {
            payload: Some(destination_doc(&d)?),
            errors: None,
        })
    }

    async fn delete_destination(
        &self,
        ctx: &RequestContext,
        params: m::params::DeleteDestination,
    ) -> Result<m::DeleteDestinationResponse, ApiError> {
        match self
            .store
            .delete_destination(&ctx.caller.application_id, &params.destination_id)
            .await
        {
            Ok(()) => Ok(m::DeleteDestinationResponse { errors: None }),
            Err(StoreError::NotFound(_)) => {
                Err(not_found(&format!("Destination {}", params.destination_id)))
            }
            Err(StoreError::Conflict(_)) => Err(conflict(
                "The destination is used by a subscription: delete the subscription first.",
            )),
            Err(e) => Err(internal(e)),
        }
    }
}
