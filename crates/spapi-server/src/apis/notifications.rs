//! Notifications API v1: destinations (per application, grantless) and subscriptions (per
//! seller, application, notification type and payload version). The rules are
//! `market::notifications`; delivery is the notifier's.

use crate::error::Error;
use crate::generated::notifications_v1::NotificationsV1Api;
use crate::http::{ApiError, RequestContext};
use crate::market::notifications;
use axum::http::StatusCode;
use spapi_model::notifications_v1 as m;

/// The Notifications API over the seller world.
pub struct Notifications {
    world: notifications::Notifications,
}

impl Notifications {
    /// The API over the world's notification rules.
    pub fn new(world: notifications::Notifications) -> Self {
        Notifications { world }
    }
}

/// The world's error as the Notifications API answers it: a duplicate subscription or
/// destination, or a destination still in use, is 409 `Conflict` here, not the common 400.
fn answer(e: Error) -> ApiError {
    match e {
        Error::Conflict(message) => ApiError::new(StatusCode::CONFLICT, "Conflict", message),
        e => e.into(),
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
        let page = self
            .world
            .subscriptions(&ctx.caller, &params)
            .await
            .map_err(answer)?;
        Ok(m::GetSubscriptionsResponse {
            payload: Some(m::GetSubscriptionsPayload {
                subscriptions: Some(page.subscriptions),
                next_token: page.next_token,
            }),
            errors: None,
        })
    }

    async fn get_subscription(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSubscription,
    ) -> Result<m::GetSubscriptionResponse, ApiError> {
        let s = self
            .world
            .subscription(
                &ctx.caller,
                &params.notification_type,
                params.payload_version.as_deref(),
            )
            .await
            .map_err(answer)?;
        Ok(m::GetSubscriptionResponse {
            payload: Some(s),
            errors: None,
        })
    }

    async fn create_subscription(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateSubscription,
    ) -> Result<m::CreateSubscriptionResponse, ApiError> {
        let s = self
            .world
            .create_subscription(&ctx.caller, &params.notification_type, params.body)
            .await
            .map_err(answer)?;
        Ok(m::CreateSubscriptionResponse {
            payload: Some(s),
            errors: None,
        })
    }

    async fn get_subscription_by_id(
        &self,
        ctx: &RequestContext,
        params: m::params::GetSubscriptionById,
    ) -> Result<m::GetSubscriptionByIdResponse, ApiError> {
        let s = self
            .world
            .subscription_by_id(
                &ctx.caller,
                &params.notification_type,
                &params.subscription_id,
            )
            .await
            .map_err(answer)?;
        Ok(m::GetSubscriptionByIdResponse {
            payload: Some(s),
            errors: None,
        })
    }

    async fn delete_subscription_by_id(
        &self,
        ctx: &RequestContext,
        params: m::params::DeleteSubscriptionById,
    ) -> Result<m::DeleteSubscriptionByIdResponse, ApiError> {
        self.world
            .delete_subscription(
                &ctx.caller,
                &params.notification_type,
                &params.subscription_id,
            )
            .await
            .map_err(answer)?;
        Ok(m::DeleteSubscriptionByIdResponse { errors: None })
    }

    async fn send_test_notification(
        &self,
        ctx: &RequestContext,
        params: m::params::SendTestNotification,
    ) -> Result<m::SendTestNotificationResponse, ApiError> {
        let notification_id = self
            .world
            .send_test_notification(&ctx.caller, &params.notification_type, &params.body)
            .await
            .map_err(answer)?;
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
        let list = self.world.destinations(&ctx.caller).await.map_err(answer)?;
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
        let d = self
            .world
            .create_destination(&ctx.caller, params.body)
            .await
            .map_err(answer)?;
        Ok(m::CreateDestinationResponse {
            payload: Some(d),
            errors: None,
        })
    }

    async fn get_destination(
        &self,
        ctx: &RequestContext,
        params: m::params::GetDestination,
    ) -> Result<m::GetDestinationResponse, ApiError> {
        let d = self
            .world
            .destination(&ctx.caller, &params.destination_id)
            .await
            .map_err(answer)?;
        Ok(m::GetDestinationResponse {
            payload: Some(d),
            errors: None,
        })
    }

    async fn delete_destination(
        &self,
        ctx: &RequestContext,
        params: m::params::DeleteDestination,
    ) -> Result<m::DeleteDestinationResponse, ApiError> {
        self.world
            .delete_destination(&ctx.caller, &params.destination_id)
            .await
            .map_err(answer)?;
        Ok(m::DeleteDestinationResponse { errors: None })
    }
}
