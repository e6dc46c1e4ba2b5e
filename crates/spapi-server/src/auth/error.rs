//! What authentication and Restricted Data Token requests can fail with, below HTTP.

use crate::store::StoreError;

/// A refused or failed authentication. `http::error` renders each as SP-API does.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `x-amz-access-token` header (403 `MissingAuthenticationToken`).
    #[error("missing access token")]
    MissingToken,
    /// A token that is unknown, revoked or malformed, or whose authorization is gone.
    #[error("invalid access token")]
    BadToken,
    /// A token past its lifetime on the emulator clock.
    #[error("expired access token")]
    ExpiredToken,
    /// A valid token without the role, grant or scope the operation needs.
    #[error("access denied")]
    Denied,
    /// A request the token endpoint or the Tokens API refuses (an invalid RDT resource).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Any other internal failure.
    #[error("internal: {0}")]
    Internal(String),
}
