//! The product image links on spapi's port ([`crate::market::images`] makes the pictures).

use crate::market::images::{PATH_PREFIX, find, render_jpeg};
use crate::store::Store;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Images are immutable for their id: clients and proxies may keep them for a year.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The routes of image links (merge into the app; outside the SP-API pipeline).
pub fn routes(store: Store) -> Router {
    Router::new()
        .route(
            &format!("{PATH_PREFIX}/{{file}}"),
            axum::routing::get(get_image),
        )
        .with_state(store)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "No such image.\n",
    )
        .into_response()
}

async fn get_image(
    State(store): State<Store>,
    file: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    // A name that is not even UTF-8 is no image either.
    let Ok(Path(file)) = file else {
        return not_found();
    };
    let (asin, variant, w, h) = match find(&store, &file).await {
        Ok(Some(found)) => found,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::warn!(error = %e, "reading a catalog item for its image failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "Try again.\n").into_response();
        }
    };
    let jpeg = tokio::task::spawn_blocking(move || render_jpeg(&asin, &variant, w, h)).await;
    match jpeg {
        Ok(Some(bytes)) => {
            let mut resp = bytes.into_response();
            let headers = resp.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_CONTROL),
            );
            resp
        }
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The image could not be made.\n",
        )
            .into_response(),
    }
}
