//! The token check on every SP-API call, and what it tells the handler about the caller.

use super::Auth;
use super::error::AuthError;
use super::secret::hash_token;
use crate::store::{TokenGrant, TokenKind};
use axum::http::HeaderMap;
use serde::Deserialize;
use spapi_model::Operation;
use std::collections::HashMap;

/// The header that carries the LWA access token or a Restricted Data Token.
pub const ACCESS_TOKEN_HEADER: &str = "x-amz-access-token";

/// One resource a Restricted Data Token covers.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct RestrictedResource {
    /// HTTP method.
    pub method: String,
    /// A specific path (`/orders/v0/orders/902-...`) or the operation's template
    /// (`/orders/v0/orders/{orderId}`).
    pub path: String,
    /// Data elements (`buyerInfo`, `shippingAddress`, `buyerTaxInformation`), where the
    /// operation takes them.
    #[serde(rename = "dataElements", default)]
    pub data_elements: Vec<String>,
}

/// Which restricted (personal) data a call may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataAccess {
    /// A plain access token: restricted operations answer without personal data.
    None,
    /// A Restricted Data Token for this call: personal data is shown; for operations that
    /// take data elements, only the elements listed.
    Restricted {
        /// The data elements granted (empty for operations without data elements).
        data_elements: Vec<String>,
    },
}

impl DataAccess {
    /// Whether personal data of `element` may be shown. Operations without data elements
    /// (getOrderAddress, getOrderBuyerInfo, ...) ask for their implied element, which any RDT
    /// for the call grants.
    pub fn allows(&self, element: &str, operation_takes_elements: bool) -> bool {
        match self {
            DataAccess::None => false,
            DataAccess::Restricted { data_elements } => {
                !operation_takes_elements || data_elements.iter().any(|e| e == element)
            }
        }
    }
}

/// Who is calling: filled by the token check and handed to every operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    /// The calling app.
    pub application_id: String,
    /// The seller the app acts for (none for grantless calls).
    pub selling_partner_id: Option<String>,
    /// The seller's marketplaces.
    pub marketplace_ids: Vec<String>,
    /// The seller's region.
    pub region: Option<String>,
    /// Roles of the authorization.
    pub roles: Vec<String>,
    /// The LWA scope of a grantless call.
    pub scope: Option<String>,
    /// Personal data access of this call.
    pub data_access: DataAccess,
    /// The authorization the token acts under (seller tokens and RDTs).
    pub authorization_id: Option<i64>,
}

fn missing_token() -> AuthError {
    AuthError::MissingToken
}

fn bad_token() -> AuthError {
    AuthError::BadToken
}

fn expired_token() -> AuthError {
    AuthError::ExpiredToken
}

fn denied() -> AuthError {
    AuthError::Denied
}

/// Whether `resource` names this call: same method, and its path is the operation's template
/// or the concrete request path.
pub fn resource_matches(resource: &RestrictedResource, op: &Operation, request_path: &str) -> bool {
    resource.method.eq_ignore_ascii_case(op.method.as_str())
        && (resource.path == op.path
            || resource.path.trim_end_matches('/') == request_path.trim_end_matches('/'))
}

/// How long a checked token's grant is reused without reading the store again (real time).
/// The emulator clock still decides expiry on every call; a revocation through this instance
/// clears the cache at once, one through another instance sharing a PostgreSQL store is seen
/// within this time.
pub const GRANT_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Grants entered before this many are cached are dropped all at once (memory stays bounded).
const GRANT_CACHE_MAX: usize = 10_000;

/// Grants of recently checked tokens, by token hash: the token check reads the store once a
/// second per token instead of on every call.
#[derive(Default)]
pub(crate) struct GrantCache {
    map: std::sync::Mutex<HashMap<String, (std::time::Instant, TokenGrant)>>,
}

impl GrantCache {
    fn get(&self, hash: &str) -> Option<TokenGrant> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(hash)
            .filter(|(at, _)| at.elapsed() < GRANT_CACHE_TTL)
            .map(|(_, g)| g.clone())
    }

    fn put(&self, hash: String, grant: TokenGrant) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= GRANT_CACHE_MAX {
            map.clear();
        }
        map.insert(hash, (std::time::Instant::now(), grant));
    }

    /// Forgets every grant.
    pub(crate) fn clear(&self) {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Auth {
    /// Checks the access token of a request for `op` at `request_path`.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        op: &Operation,
        request_path: &str,
    ) -> Result<Caller, AuthError> {
        let token = headers
            .get(ACCESS_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(missing_token)?;
        let hash = hash_token(token);
        let grant = match self.grants.get(&hash) {
            Some(g) => g,
            None => {
                let g = self
                    .store()
                    .token_grant(&hash)
                    .await?
                    .ok_or_else(bad_token)?;
                self.grants.put(hash, g.clone());
                g
            }
        };
        let now = self.clock().now_us();
        if grant.expires_at_us <= now {
            return Err(expired_token());
        }
        match (grant.kind, op.grantless_scope) {
            (TokenKind::Grantless, Some(scope)) if grant.scope.as_deref() == Some(scope) => {
                return Ok(Caller {
                    application_id: grant.application_id,
                    selling_partner_id: None,
                    marketplace_ids: Vec::new(),
                    region: None,
                    roles: Vec::new(),
                    scope: grant.scope,
                    data_access: DataAccess::None,
                    authorization_id: None,
                });
            }
            // A grantless operation takes only a token of its scope; a grantless token serves
            // nothing else.
            (TokenKind::Grantless, _) | (_, Some(_)) => return Err(denied()),
            _ => {}
        }
        let Some(authorization) = grant.authorization else {
            return Err(bad_token());
        };
        if authorization.revoked_at_us.is_some() || authorization.expires_at_us <= now {
            return Err(bad_token());
        }
        let data_access = if grant.kind == TokenKind::Rdt {
            let resources: Vec<RestrictedResource> = grant
                .restricted
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            // An RDT is bound to the resources it names.
            let Some(resource) = resources
                .iter()
                .find(|r| resource_matches(r, op, request_path))
            else {
                return Err(denied());
            };
            DataAccess::Restricted {
                data_elements: resource.data_elements.clone(),
            }
        } else {
            DataAccess::None
        };
        if !op.roles.is_empty()
            && !authorization
                .roles
                .iter()
                .any(|r| op.roles.contains(&r.as_str()))
        {
            return Err(denied());
        }
        Ok(Caller {
            application_id: grant.application_id,
            selling_partner_id: Some(authorization.selling_partner_id),
            marketplace_ids: grant.marketplace_ids,
            region: grant.region,
            roles: authorization.roles,
            scope: None,
            data_access,
            authorization_id: Some(authorization.id),
        })
    }
}
