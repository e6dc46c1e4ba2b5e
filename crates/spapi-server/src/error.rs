//! The seller world's error: what a rule of the world can refuse, below HTTP.
//!
//! `market`, `jobs` and `notify` return [`Error`]; they never name a status code. The HTTP layer
//! turns it into SP-API's envelope in one place (`http::error`), and a binding whose API answers
//! in another family (AWD's `ConflictException`, Invoices' `"400"` codes...) maps the kind itself.

use crate::store::StoreError;

/// Everything the seller world can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request parameter or body field is missing or invalid. `field` is its name as the
    /// model spells it (`MarketplaceIds`, `body.attributes`); `details` says what is wrong.
    #[error("invalid parameter {field}: {details}")]
    InvalidParameter {
        /// The parameter or field at fault.
        field: String,
        /// What is wrong with it.
        details: String,
    },
    /// The input is refused for a reason that is not one field (a rule of the world).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The addressed resource does not exist, or is not the caller's to see. The text, when
    /// not empty, says which (`Order 902-... was not found.`).
    #[error("not found: {0}")]
    NotFound(String),
    /// The caller may not do this (a missing role, a restricted resource without its token).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The resource is in a state that does not allow the request (cancelling a finished
    /// report, confirming a cancelled plan). The message names the state.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store failed, or holds data that cannot be read: an internal failure.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Any other internal failure (a stored document that does not parse, a writer that failed).
    #[error("internal: {0}")]
    Internal(String),
}

/// The world's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// [`Error::InvalidParameter`] about `field`.
    pub fn invalid_parameter(field: &str, details: impl Into<String>) -> Self {
        Error::InvalidParameter {
            field: field.to_owned(),
            details: details.into(),
        }
    }

    /// [`Error::Invalid`] with a message for the caller.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Error::Invalid(message.into())
    }

    /// [`Error::NotFound`] with no further detail.
    pub fn not_found() -> Self {
        Error::NotFound(String::new())
    }

    /// Adds the detail a caller is told to a [`Error::NotFound`] or [`Error::Forbidden`];
    /// other kinds carry their text already and are returned as they are.
    pub fn with_details(self, details: impl Into<String>) -> Self {
        match self {
            Error::NotFound(_) => Error::NotFound(details.into()),
            Error::Forbidden(_) => Error::Forbidden(details.into()),
            other => other,
        }
    }

    /// [`Error::Forbidden`] with no further detail.
    pub fn forbidden() -> Self {
        Error::Forbidden(String::new())
    }

    /// [`Error::Conflict`] naming the state that refuses the request.
    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict(message.into())
    }

    /// [`Error::Internal`]: the cause is for the log, never for the caller.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Error::Internal(cause.to_string())
    }

    /// Whether the caller is at fault (a 4xx at the HTTP layer), as opposed to an internal
    /// failure. Feed processing uses it: a refused message is an issue in the processing
    /// report, a failure aborts the feed.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, Error::Store(_) | Error::Internal(_))
    }
}
