//! What the generated bindings read a request through, and what they answer with.
//!
//! Parameters were already validated against the operation table (see `validate`), so the
//! accessors here only convert; they still fail with 400 rather than panic if they meet
//! something validation let through.

use super::error::ApiError;
use super::query::QueryParams;
use crate::auth::Caller;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use spapi_model::{Location, Operation};

/// What an operation's implementation knows about the call it serves.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id sent back in `x-amzn-RequestId`.
    pub request_id: String,
    /// The operation being served.
    pub operation: &'static Operation,
    /// The request path (for RDT resource checks and paging links).
    pub path: String,
    /// Who is calling (from the access token).
    pub caller: Caller,
}

/// A request matched to an operation: path parameters, query, headers and body.
pub struct Bound<'a> {
    /// The matched operation.
    pub op: &'static Operation,
    /// Path parameters, percent-decoded, in template order.
    pub path: &'a [(&'static str, String)],
    /// The query string.
    pub query: &'a QueryParams,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// The raw body.
    pub body: &'a Bytes,
}

impl Bound<'_> {
    /// The raw value of a non-body parameter, or its documented default.
    fn raw(&self, name: &str) -> Option<String> {
        let param = self.op.param(name)?;
        let value = match param.location {
            Location::Path => self
                .path
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone()),
            Location::Query => self.query.first(name).map(str::to_string),
            Location::Header => self
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            Location::Body => None,
        };
        value.or_else(|| param.default.map(str::to_string))
    }

    /// A string parameter that may be absent.
    pub fn opt_string(&self, name: &str) -> Result<Option<String>, ApiError> {
        Ok(self.raw(name))
    }

    /// A required string parameter.
    pub fn req_string(&self, name: &str) -> Result<String, ApiError> {
        self.raw(name).ok_or_else(|| missing(name))
    }

    /// An integer parameter that may be absent.
    pub fn opt_i64(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.raw(name).map(|v| parse(name, &v)).transpose()
    }

    /// A required integer parameter.
    pub fn req_i64(&self, name: &str) -> Result<i64, ApiError> {
        self.opt_i64(name)?.ok_or_else(|| missing(name))
    }

    /// A number parameter that may be absent.
    pub fn opt_f64(&self, name: &str) -> Result<Option<f64>, ApiError> {
        self.raw(name).map(|v| parse(name, &v)).transpose()
    }

    /// A required number parameter.
    pub fn req_f64(&self, name: &str) -> Result<f64, ApiError> {
        self.opt_f64(name)?.ok_or_else(|| missing(name))
    }

    /// A boolean parameter that may be absent.
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.raw(name).map(|v| parse_bool(name, &v)).transpose()
    }

    /// A required boolean parameter.
    pub fn req_bool(&self, name: &str) -> Result<bool, ApiError> {
        self.opt_bool(name)?.ok_or_else(|| missing(name))
    }

    /// An array query parameter (empty when absent).
    pub fn array(&self, name: &str) -> Result<Vec<String>, ApiError> {
        match self.op.param(name) {
            Some(p) => Ok(self.query.array(p)),
            None => Ok(Vec::new()),
        }
    }

    /// The JSON body as `T`; a body that does not fit is 400 `InvalidInput` naming the field.
    pub fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid_input("The request body is missing.")
                .with_details("A JSON request body is required."));
        }
        let de = &mut serde_json::Deserializer::from_slice(self.body);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "body".to_string()
            } else {
                format!("body.{path}")
            };
            ApiError::invalid_input(format!("Invalid request body: [{field}]"))
                .with_details(e.into_inner().to_string())
        })
    }

    /// The JSON body as `T` when the operation's body is optional.
    pub fn opt_body<T: DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.body().map(Some)
    }
}

fn missing(name: &str) -> ApiError {
    ApiError::invalid_parameter(name, format!("{name} is required."))
}

fn parse<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, ApiError> {
    v.trim().parse().map_err(|_| {
        ApiError::invalid_parameter(name, format!("{name} has an invalid value '{v}'."))
    })
}

fn parse_bool(name: &str, v: &str) -> Result<bool, ApiError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::invalid_parameter(
            name,
            format!("{name} must be true or false."),
        )),
    }
}

/// A successful answer of an operation.
#[derive(Debug)]
pub struct Reply {
    /// Status (the operation's documented success status).
    pub status: StatusCode,
    /// JSON body, if any.
    pub body: Option<Vec<u8>>,
}

impl Reply {
    /// A JSON body.
    pub fn json<T: serde::Serialize>(status: u16, value: &T) -> Result<Reply, ApiError> {
        let body = serde_json::to_vec(value).map_err(ApiError::internal)?;
        Ok(Reply {
            status: status_code(status),
            body: Some(body),
        })
    }

    /// No body (204 and the like).
    pub fn empty(status: u16) -> Reply {
        Reply {
            status: status_code(status),
            body: None,
        }
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self.body {
            Some(body) => {
                let mut r = (self.status, body).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                r
            }
            None => self.status.into_response(),
        }
    }
}
