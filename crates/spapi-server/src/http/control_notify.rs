//! Control plane for notifications: the built-in inbox of delivered notifications, the dead
//! letters, and the HTTP sink of a destination (a spapi extension: deliveries are POSTed to a
//! URL, signed with `X-Spapi-Signature: sha256=<hex HMAC-SHA256 of the body>`).

use super::ApiError;
use super::control::{ControlPlane, Reply, parse};
use crate::notify::transport::check_url;
use crate::store::StoreError;
use crate::store::notify::{DeliveryQuery, DeliveryRow, state};
use crate::time::iso_millis as notification_time;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

/// The routes, merged into the control plane.
pub fn routes() -> Router<ControlPlane> {
    Router::new()
        .route("/notifications", get(inbox))
        .route("/notifications/dead-letters", get(dead_letters))
        .route(
            "/destinations/{destination_id}/http-sink",
            post(set_http_sink).delete(delete_http_sink),
        )
}

#[derive(serde::Deserialize)]
struct ListQuery {
    subscription: Option<String>,
    #[serde(rename = "type")]
    notification_type: Option<String>,
    limit: Option<u32>,
}

impl ListQuery {
    fn query(self) -> DeliveryQuery {
        DeliveryQuery {
            subscription_id: self.subscription.filter(|s| !s.is_empty()),
            notification_type: self.notification_type.filter(|s| !s.is_empty()),
            limit: self.limit.unwrap_or(100).clamp(1, 1000),
        }
    }
}

fn view(d: &DeliveryRow) -> Value {
    json!({
        "id": d.id,
        "notification_id": d.notification_id,
        "subscription_id": d.subscription_id,
        "application_id": d.application_id,
        "seller_id": d.seller_id,
        "notification_type": d.notification_type,
        "destination_id": d.destination_id,
        "event_id": d.event_id,
        "state": d.state,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "created_at": notification_time(d.created_at_us),
        "finished_at": d.finished_at_us.map(notification_time),
        "envelope": d.envelope,
    })
}

async fn list(cp: &ControlPlane, which: &str, q: ListQuery) -> Reply {
    let rows = cp
        .auth
        .store()
        .finished_deliveries(which, &q.query())
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(json!({"notifications": rows.iter().map(view).collect::<Vec<_>>()})).into_response())
}

/// The inbox: delivered notifications, newest last (`subscription`, `type`, `limit` filter).
async fn inbox(State(cp): State<ControlPlane>, Query(q): Query<ListQuery>) -> Reply {
    list(&cp, state::DELIVERED, q).await
}

/// Notifications given up after the last retry, newest last.
async fn dead_letters(State(cp): State<ControlPlane>, Query(q): Query<ListQuery>) -> Reply {
    list(&cp, state::DEAD, q).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SinkBody {
    url: String,
    #[serde(default)]
    secret: String,
}

fn sink_error(id: &str, e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound(_) => {
            ApiError::not_found().with_details(format!("destination {id} does not exist."))
        }
        e => ApiError::internal(e),
    }
}

/// `{"url": "http://127.0.0.1:PORT/hook", "secret": "..."}`: deliveries to this destination
/// are also POSTed there (an attempt fails unless every transport answers 2xx).
async fn set_http_sink(
    State(cp): State<ControlPlane>,
    Path(id): Path<String>,
    body: bytes::Bytes,
) -> Reply {
    let b: SinkBody = parse(&body)?;
    check_url(&b.url).map_err(|e| ApiError::invalid_input(format!("Invalid url: {e}")))?;
    cp.auth
        .store()
        .set_destination_http_sink(&id, Some((&b.url, &b.secret)))
        .await
        .map_err(|e| sink_error(&id, e))?;
    Ok(Json(json!({"destination_id": id, "url": b.url})).into_response())
}

/// Removes the destination's HTTP sink.
async fn delete_http_sink(State(cp): State<ControlPlane>, Path(id): Path<String>) -> Reply {
    cp.auth
        .store()
        .set_destination_http_sink(&id, None)
        .await
        .map_err(|e| sink_error(&id, e))?;
    Ok(Json(json!({"destination_id": id, "url": null})).into_response())
}
