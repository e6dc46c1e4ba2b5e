//! The one error type of the client.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One entry of SP-API's error envelope `{"errors":[{"code","message","details"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorEntry {
    /// Error code (`InvalidInput`, `Unauthorized`, `QuotaExceeded`, ...).
    pub code: String,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
    /// More about the error, where the server gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// An error status from SP-API, with what the response said.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The operationId that was called.
    pub operation_id: &'static str,
    /// The error list of the envelope (empty when the body was not an envelope).
    pub errors: Vec<ApiErrorEntry>,
    /// `x-amzn-RequestId` of the response: quote it to Amazon's support.
    pub request_id: Option<String>,
    /// The body when it was not an error envelope (truncated).
    pub body: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} answered {}", self.operation_id, self.status)?;
        for e in &self.errors {
            write!(f, ": {} {}", e.code, e.message)?;
            if let Some(d) = e.details.as_deref().filter(|d| !d.is_empty()) {
                write!(f, " ({d})")?;
            }
        }
        if self.errors.is_empty()
            && let Some(b) = &self.body
        {
            write!(f, ": {b}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong in a call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SP-API answered with an error status (after retries, where the call was retried).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The seller revoked the app's authorization (or it expired after 365 days): LWA refuses the
    /// refresh token. The seller must authorize the app again through the consent page; retrying
    /// does not help.
    #[error(
        "the selling partner revoked this app's authorization (or it expired): LWA said {description:?}; the seller must authorize the app again"
    )]
    AuthorizationRevoked {
        /// LWA's `error_description`.
        description: String,
    },
    /// Login with Amazon refused a token request (bad client credentials, a used or expired
    /// authorization code, an unknown scope...).
    #[error("Login with Amazon answered {status} {error}: {description}")]
    Lwa {
        /// HTTP status.
        status: u16,
        /// OAuth error code (`invalid_client`, `invalid_grant`, ...).
        error: String,
        /// LWA's `error_description`.
        description: String,
    },
    /// The `state` of a consent redirect is not the one this app sent: the redirect may be
    /// forged (cross-site request forgery) and must not be acted on.
    #[error("the state of the consent redirect does not match the state sent; refusing it")]
    StateMismatch,
    /// The seller did not authorize the app (the redirect carries `error=...`, or no code).
    #[error("the consent was not given: {0}")]
    ConsentDenied(String),
    /// The request could not be built from the parameters given (a missing path parameter, a
    /// name the operation does not take, a grantless client calling a seller operation...).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The request could not be sent or the response not read.
    #[error("transport error calling {operation}: {source}")]
    Transport {
        /// What was being called.
        operation: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A success response whose body is not the documented type.
    #[error("{operation_id} answered {status} with a body that does not decode: {source}")]
    Decode {
        /// The operationId.
        operation_id: &'static str,
        /// HTTP status.
        status: u16,
        /// `x-amzn-RequestId` of the response.
        request_id: Option<String>,
        /// The decoder's error.
        #[source]
        source: serde_json::Error,
    },
    /// Local I/O (the consent callback listener).
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// HTTP status of an SP-API or LWA error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Lwa { status, .. } => Some(*status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// SP-API's error list (empty for other errors).
    pub fn errors(&self) -> &[ApiErrorEntry] {
        match self {
            Error::Api(e) => &e.errors,
            _ => &[],
        }
    }

    /// `x-amzn-RequestId` of the response that failed, where there was one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id.as_deref(),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// Whether the seller's authorization is gone (revoked or expired).
    pub fn is_revoked(&self) -> bool {
        matches!(self, Error::AuthorizationRevoked { .. })
    }

    pub(crate) fn transport(operation: impl Into<String>, source: reqwest::Error) -> Self {
        Error::Transport {
            operation: operation.into(),
            source,
        }
    }
}

/// The envelope `{"errors": [...]}`.
#[derive(Deserialize)]
pub(crate) struct Envelope {
    #[serde(default)]
    pub errors: Vec<ApiErrorEntry>,
}

/// LWA's OAuth error body.
#[derive(Deserialize)]
pub(crate) struct LwaErrorBody {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: String,
}

/// Builds an [`Error::Api`] from an error response.
pub(crate) fn api_error(
    operation_id: &'static str,
    status: u16,
    request_id: Option<String>,
    body: &[u8],
) -> Error {
    let errors = serde_json::from_slice::<Envelope>(body)
        .map(|e| e.errors)
        .unwrap_or_default();
    let text = if errors.is_empty() && !body.is_empty() {
        let t = String::from_utf8_lossy(body);
        Some(t.chars().take(500).collect())
    } else {
        None
    };
    Error::Api(Box::new(ApiError {
        status,
        operation_id,
        errors,
        request_id,
        body: text,
    }))
}

/// Builds the error of a refused LWA request. A refresh token LWA no longer accepts
/// (`invalid_grant`, which LWA words "User may have revoked or didn't grant the permission") is
/// [`Error::AuthorizationRevoked`].
pub(crate) fn lwa_error(status: u16, body: &[u8], refresh_grant: bool) -> Error {
    let parsed: Option<LwaErrorBody> = serde_json::from_slice(body).ok();
    let (error, description) = match parsed {
        Some(b) if !b.error.is_empty() => (b.error, b.error_description),
        _ => (
            "unexpected_response".to_string(),
            String::from_utf8_lossy(body).chars().take(300).collect(),
        ),
    };
    if refresh_grant && error == "invalid_grant" {
        return Error::AuthorizationRevoked { description };
    }
    Error::Lwa {
        status,
        error,
        description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_read_the_envelope() {
        let e = api_error(
            "getOrders",
            400,
            Some("rid".into()),
            br#"{"errors":[{"code":"InvalidInput","message":"bad","details":"x"}]}"#,
        );
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.errors()[0].code, "InvalidInput");
        assert_eq!(e.request_id(), Some("rid"));
        assert_eq!(
            e.to_string(),
            "getOrders answered 400: InvalidInput bad (x) [request id rid]"
        );
    }

    #[test]
    fn invalid_grant_on_refresh_is_revocation() {
        let body = br#"{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission."}"#;
        assert!(lwa_error(400, body, true).is_revoked());
        assert!(matches!(lwa_error(400, body, false), Error::Lwa { .. }));
    }
}
