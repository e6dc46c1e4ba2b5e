//! The one error type of the SP-API surface, rendered as SP-API's error envelope
//! `{"errors":[{"code","message","details"}]}`.

use crate::auth::error::AuthError;
use crate::error::Error;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One entry of the `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ErrorEntry {
    /// Error code (`InvalidInput`, `NotFound`, `QuotaExceeded`...).
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Extra detail, e.g. the field at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// An SP-API error response: a status and the entries of the envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The `errors` array.
    pub errors: Vec<ErrorEntry>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    errors: &'a [ErrorEntry],
}

impl ApiError {
    /// An error with one entry.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            errors: vec![ErrorEntry {
                code: code.into(),
                message: message.into(),
                details: None,
            }],
        }
    }

    /// Sets `details` on the (first) entry.
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        if let Some(e) = self.errors.first_mut() {
            e.details = Some(details.into());
        }
        self
    }

    /// The code of the first entry.
    pub fn code(&self) -> &str {
        self.errors.first().map(|e| e.code.as_str()).unwrap_or("")
    }

    /// 400 `InvalidInput` about request parameter `field`; `details` says what is wrong.
    ///
    /// The message is the one SP-API gives for bad parameters
    /// (`Missing or invalid request parameters: [MarketplaceIds]`).
    pub fn invalid_parameter(field: &str, details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "InvalidInput",
            format!("Missing or invalid request parameters: [{field}]"),
        )
        .with_details(details)
    }

    /// 400 `InvalidInput` with a free message.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "InvalidInput", message)
    }

    /// 404 `NotFound`.
    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            "The requested resource doesn't exist.",
        )
    }

    /// 403 `Unauthorized` (a missing role, or with details, a bad token).
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            "Access to requested resource is denied.",
        )
    }

    /// 429 `QuotaExceeded`.
    pub fn quota_exceeded() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "QuotaExceeded",
            "You exceeded your quota for the requested resource.",
        )
    }

    /// 500 `InternalFailure`. The cause goes to the log, not to the client.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            "We encountered an internal error. Please try again.",
        )
    }

    /// 503 `ServiceUnavailable`.
    pub fn service_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            "Service temporarily unavailable. Please try again.",
        )
    }

    /// 501 `NotImplemented`: the operation exists in SP-API but spapi does not emulate it yet.
    pub fn not_implemented(operation_id: &str) -> Self {
        // spapi extension: Amazon has no such case; the coverage table lists these operations.
        Self::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("spapi does not implement the operation {operation_id} yet."),
        )
    }

    /// The envelope as JSON bytes.
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&Envelope {
            errors: &self.errors,
        })
        .unwrap_or_default()
    }
}

/// Operations whose error answers are a bare JSON array of errors, not `{"errors": [...]}`
/// (Services' setAppointmentFulfillmentData: every error status of its model is `ErrorList`).
pub fn bare_error_list(operation_id: &str) -> bool {
    operation_id == "setAppointmentFulfillmentData"
}

impl ApiError {
    /// The error as a response whose body is the bare array of entries (see
    /// [`bare_error_list`]).
    pub fn into_bare_response(self) -> Response {
        let body = serde_json::to_vec(&self.errors).unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

/// Invoices 2024-06-19 answers a bad request with `code` `"400"` and
/// `message` "Invalid Request.", the parameter at fault in `details`.
fn invoices_family(api: &str, mut e: ApiError) -> ApiError {
    if api == "invoices_2024_06_19"
        && e.status == StatusCode::BAD_REQUEST
        && e.code() == "InvalidInput"
    {
        for entry in &mut e.errors {
            let details = match entry.details.take() {
                Some(d) if !d.is_empty() => format!("{} {d}", entry.message),
                _ => entry.message.clone(),
            };
            entry.code = "400".into();
            entry.message = "Invalid Request.".into();
            entry.details = Some(details);
        }
    }
    e
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code())?;
        if let Some(e) = self.errors.first() {
            write!(f, ": {}", e.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, self.body()).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp
    }
}

/// A 400 of parameter validation or body parsing (`InvalidInput`) in the error family of the
/// operation's API, for the APIs whose family differs: AWD answers `BAD_REQUEST` with its
/// fixed `details`, Invoices 2024-06-19 `code` "400" (see `invoices_family`). Other errors, and
/// other APIs, are left as they are. Applied to every error the pipeline answers, so the bindings'
/// own errors (already in their family) pass through unchanged.
pub fn in_family(op: &spapi_model::Operation, e: ApiError) -> ApiError {
    let mut e = invoices_family(op.api, e);
    if op.api == "awd_2024_05_09" && e.status == StatusCode::BAD_REQUEST {
        for entry in &mut e.errors {
            if entry.code == "InvalidInput" {
                entry.code = "BAD_REQUEST".into();
                let detail = entry.details.take().unwrap_or_default();
                if !detail.is_empty() {
                    entry.message = format!("{} {detail}", entry.message);
                }
                entry.details = Some(crate::market::awd::BAD_REQUEST_DETAILS.into());
            }
        }
    }
    e
}

/// The world's errors in SP-API's common envelope: 400 `InvalidInput` (with the parameter named
/// as SP-API names it), 404 `NotFound`, 403 `Unauthorized`, 500 `InternalFailure` (the cause is
/// logged, never sent). A refused state change is 400 `InvalidInput` naming the state, as the v0
/// and 2020-2021 APIs answer it; APIs with a 409 (AWD) map [`Error::Conflict`] themselves.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match e {
            Error::InvalidParameter { field, details } => {
                ApiError::invalid_parameter(&field, details)
            }
            Error::Invalid(message) | Error::Conflict(message) => ApiError::invalid_input(message),
            Error::NotFound(details) if details.is_empty() => ApiError::not_found(),
            Error::NotFound(details) => ApiError::not_found().with_details(details),
            Error::Forbidden(details) if details.is_empty() => ApiError::unauthorized(),
            Error::Forbidden(details) => ApiError::unauthorized().with_details(details),
            Error::Store(cause) => ApiError::internal(cause),
            Error::Internal(cause) => ApiError::internal(cause),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

/// Authentication failures as SP-API answers them: no token is 403
/// `MissingAuthenticationToken`; a bad, revoked or expired token 403 `Unauthorized` with the
/// reason in `details`; a missing role or grant 403 `Unauthorized` with an empty `details`, as
/// Amazon sends it.
impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::MissingToken => ApiError::new(
                StatusCode::FORBIDDEN,
                "MissingAuthenticationToken",
                "Missing Authentication Token",
            ),
            AuthError::BadToken => ApiError::unauthorized()
                .with_details("The access token you provided is revoked, malformed or invalid."),
            AuthError::ExpiredToken => {
                ApiError::unauthorized().with_details("The access token you provided has expired.")
            }
            AuthError::Denied => ApiError::unauthorized().with_details(""),
            AuthError::Invalid(message) => ApiError::invalid_input(message),
            AuthError::Store(cause) => ApiError::internal(cause),
            AuthError::Internal(cause) => ApiError::internal(cause),
        }
    }
}
