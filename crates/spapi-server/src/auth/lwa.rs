//! `POST /auth/o2/token`: Login with Amazon's token endpoint.
//!
//! Grants: `authorization_code`, `refresh_token`, `client_credentials`. Errors are LWA's OAuth
//! JSON (`{"error","error_description"}`), not the SP-API envelope.

use super::secret::hash_token;
use super::{Auth, SCOPE_NOTIFICATIONS, SCOPE_ROTATION};
use crate::store::{AppRecord, StoreError, TokenKind};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::HashMap;

/// A successful token response.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenResponse {
    /// `Atza|...`
    pub access_token: String,
    /// `Atzr|...` (not for client_credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// Seconds.
    pub expires_in: i64,
}

/// An LWA error.
#[derive(Debug, Clone, PartialEq)]
pub struct LwaError {
    /// HTTP status.
    pub status: StatusCode,
    /// OAuth error code.
    pub error: &'static str,
    /// Description, as LWA words it.
    pub description: String,
}

impl LwaError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        LwaError {
            status,
            error,
            description: description.into(),
        }
    }

    /// 401 `invalid_client`.
    pub fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed",
        )
    }

    /// 400 `invalid_request` for a missing parameter.
    pub fn missing(param: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("The request is missing a required parameter : {param}"),
        )
    }

    /// 400 `invalid_grant` for the authorization code.
    pub fn invalid_code() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : code",
        )
    }

    /// 400 `invalid_grant` for the redirect URI.
    pub fn invalid_redirect_uri() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : redirect_uri",
        )
    }

    /// 400 `invalid_grant` for the refresh token.
    pub fn invalid_refresh_token() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The request has an invalid grant parameter : refresh_token. User may have revoked or didn't grant the permission.",
        )
    }

    /// 400 `unauthorized_client`.
    pub fn unauthorized_client() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            "Not authorized for requested operation",
        )
    }

    /// 400 `invalid_scope`.
    pub fn invalid_scope() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "The request has an invalid parameter : scope",
        )
    }

    /// 400 `unsupported_grant_type`.
    pub fn unsupported_grant_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server",
        )
    }

    /// 500 `server_error` (the store failed).
    pub fn server_error(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "token endpoint failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "The authorization server encountered an unexpected condition",
        )
    }
}

impl From<StoreError> for LwaError {
    fn from(e: StoreError) -> Self {
        Self::server_error(e)
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

fn no_store(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
}

impl IntoResponse for LwaError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&ErrorBody {
            error: self.error,
            error_description: &self.description,
        })
        .unwrap_or_default();
        let mut resp = (self.status, body).into_response();
        no_store(&mut resp);
        resp
    }
}

impl IntoResponse for TokenResponse {
    fn into_response(self) -> Response {
        let mut resp = (
            StatusCode::OK,
            serde_json::to_vec(&self).unwrap_or_default(),
        )
            .into_response();
        no_store(&mut resp);
        resp
    }
}

/// Reads the token request: a form (URL-encoded or, as one official SDK sends it, not
/// encoded at all) or a JSON object (as the npm client sends it).
pub fn parse_token_request(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if is_json {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) {
            return map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    serde_json::Value::String(s) => Some((k, s)),
                    serde_json::Value::Null => None,
                    other => Some((k, other.to_string())),
                })
                .collect();
        }
        return HashMap::new();
    }
    let text = String::from_utf8_lossy(body);
    let mut out = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        // A client that does not encode sends `|` and `.` raw, which decoding leaves alone;
        // spapi's tokens and secrets never contain `+ & = %`, so nothing else can be mangled.
        let decode = |s: &str| {
            let s = s.replace('+', " ");
            percent_encoding::percent_decode_str(&s)
                .decode_utf8_lossy()
                .into_owned()
        };
        out.insert(decode(k), decode(v).trim().to_string());
    }
    out
}

impl Auth {
    /// Answers a token request.
    pub async fn token(&self, params: &HashMap<String, String>) -> Result<TokenResponse, LwaError> {
        let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
        let grant = get("grant_type").ok_or_else(|| LwaError::missing("grant_type"))?;
        match grant {
            "authorization_code" | "refresh_token" | "client_credentials" => {}
            _ => return Err(LwaError::unsupported_grant_type()),
        }
        let client_id = get("client_id").ok_or_else(|| LwaError::missing("client_id"))?;
        let client_secret =
            get("client_secret").ok_or_else(|| LwaError::missing("client_secret"))?;
        let app = self.client(client_id, client_secret).await?;
        match grant {
            "authorization_code" => {
                let code = get("code").ok_or_else(|| LwaError::missing("code"))?;
                self.exchange_code(&app, code, get("redirect_uri")).await
            }
            "refresh_token" => {
                let refresh =
                    get("refresh_token").ok_or_else(|| LwaError::missing("refresh_token"))?;
                self.refresh(&app, refresh).await
            }
            _ => {
                let scope = get("scope").ok_or_else(|| LwaError::missing("scope"))?;
                self.client_credentials(&app, scope).await
            }
        }
    }

    /// Client authentication: the app of `client_id` whose secret hashes to the stored hash.
    async fn client(&self, client_id: &str, secret: &str) -> Result<AppRecord, LwaError> {
        match self.store.get_app_by_client_id(client_id).await? {
            Some(app) if app.client_secret_hash == hash_token(secret) => Ok(app),
            _ => Err(LwaError::invalid_client()),
        }
    }

    async fn exchange_code(
        &self,
        app: &AppRecord,
        code: &str,
        redirect_uri: Option<&str>,
    ) -> Result<TokenResponse, LwaError> {
        let now = self.now_us();
        // Taking the code marks it used whatever happens next: a code is good for one try.
        let Some(record) = self.store.take_auth_code(&hash_token(code), now).await? else {
            return Err(LwaError::invalid_code());
        };
        if record.application_id != app.application_id || record.expires_at_us <= now {
            return Err(LwaError::invalid_code());
        }
        if let Some(expected) = &record.redirect_uri {
            match redirect_uri {
                None => return Err(LwaError::missing("redirect_uri")),
                Some(given) if given != expected => return Err(LwaError::invalid_redirect_uri()),
                Some(_) => {}
            }
        }
        let (refresh, authorization_id) = self
            .authorize_with_id(
                &app.application_id,
                &record.selling_partner_id,
                &record.roles,
            )
            .await
            .map_err(LwaError::server_error)?;
        self.seller_tokens(app, authorization_id, refresh).await
    }

    /// A new access token for an authorization, answered with its refresh token.
    async fn seller_tokens(
        &self,
        app: &AppRecord,
        authorization_id: i64,
        refresh: String,
    ) -> Result<TokenResponse, LwaError> {
        let access = self
            .issue_access_token(
                TokenKind::Seller,
                &app.application_id,
                Some(authorization_id),
                None,
                None,
            )
            .await?;
        Ok(TokenResponse {
            access_token: access,
            refresh_token: Some(refresh),
            token_type: "bearer",
            expires_in: super::ACCESS_TOKEN_TTL.as_secs(),
        })
    }

    async fn refresh(&self, app: &AppRecord, refresh: &str) -> Result<TokenResponse, LwaError> {
        let Some(authorization) = self
            .store
            .authorization_by_refresh_token(&hash_token(refresh))
            .await?
        else {
            return Err(LwaError::invalid_refresh_token());
        };
        if authorization.application_id != app.application_id {
            return Err(LwaError::unauthorized_client());
        }
        if authorization.revoked_at_us.is_some() || authorization.expires_at_us <= self.now_us() {
            return Err(LwaError::invalid_refresh_token());
        }
        // LWA sends the refresh token back unchanged.
        self.seller_tokens(app, authorization.id, refresh.to_string())
            .await
    }

    async fn client_credentials(
        &self,
        app: &AppRecord,
        scope: &str,
    ) -> Result<TokenResponse, LwaError> {
        if scope != SCOPE_NOTIFICATIONS && scope != SCOPE_ROTATION {
            return Err(LwaError::invalid_scope());
        }
        let access = self
            .issue_access_token(
                TokenKind::Grantless,
                &app.application_id,
                None,
                Some(scope),
                None,
            )
            .await?;
        Ok(TokenResponse {
            access_token: access,
            refresh_token: None,
            token_type: "bearer",
            expires_in: super::ACCESS_TOKEN_TTL.as_secs(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_forms_encoded_or_not_and_json() {
        let h = HeaderMap::new();
        let p = parse_token_request(
            &h,
            b"grant_type=refresh_token&refresh_token=Atzr|IwEBab-c_d&client_id=amzn1.application-oa2-client.x&client_secret=amzn1.oa2-cs.v1.ff",
        );
        assert_eq!(p["refresh_token"], "Atzr|IwEBab-c_d");
        assert_eq!(p["client_secret"], "amzn1.oa2-cs.v1.ff");
        let p = parse_token_request(&h, b"grant_type=refresh_token&refresh_token=Atzr%7CIwEB");
        assert_eq!(p["refresh_token"], "Atzr|IwEB");
        let p = parse_token_request(&h, br#"{"grant_type":"client_credentials","scope":"x"}"#);
        assert_eq!(p["grant_type"], "client_credentials");
    }
}
