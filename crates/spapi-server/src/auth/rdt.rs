//! Restricted Data Tokens: `createRestrictedDataToken` of the Tokens API.

use super::caller::RestrictedResource;
use super::{ACCESS_TOKEN_TTL, Auth, Caller, DataAccess};
use crate::http::ApiError;
use crate::http::router::{Match, Router};
use crate::market::personal_data;
use crate::store::TokenKind;

/// Most resources one RDT may cover.
pub const MAX_RESOURCES: usize = 50;

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::invalid_input(message)
}

impl Auth {
    /// Creates an RDT for `resources` on behalf of `caller` (a seller's access token).
    /// Returns the token and its lifetime in seconds.
    pub async fn create_rdt(
        &self,
        router: &Router,
        caller: &Caller,
        resources: Vec<RestrictedResource>,
    ) -> Result<(String, i64), ApiError> {
        // Only a seller's access token can ask for an RDT (not a grantless token, not an RDT).
        let (Some(authorization_id), DataAccess::None) =
            (caller.authorization_id, &caller.data_access)
        else {
            return Err(ApiError::unauthorized().with_details(""));
        };
        if resources.is_empty() {
            return Err(invalid(
                "restrictedResources must name at least one resource.",
            ));
        }
        if resources.len() > MAX_RESOURCES {
            return Err(invalid(format!(
                "restrictedResources names {} resources; at most {MAX_RESOURCES} are allowed.",
                resources.len()
            )));
        }
        for r in &resources {
            let path = r.path.split('?').next().unwrap_or("");
            // A template path (`{orderId}`) matches its own operation: the router takes the
            // braces for a parameter value.
            let op = match router.find(&r.method, path) {
                Match::Found(op, _) => op,
                _ => {
                    return Err(invalid(format!(
                        "Invalid resource: {} {} is not an SP-API operation.",
                        r.method, r.path
                    )));
                }
            };
            if !op.restricted {
                return Err(invalid(format!(
                    "Invalid resource: {} {} ({}) is not a restricted operation.",
                    r.method, r.path, op.operation_id
                )));
            }
            let allowed = personal_data::data_elements(op);
            let needed: Vec<&str> = if allowed.is_empty() {
                personal_data::roles_for_operation(op).to_vec()
            } else {
                if r.data_elements.is_empty() {
                    return Err(invalid(format!(
                        "dataElements is required for {} ({}).",
                        r.path, op.operation_id
                    )));
                }
                let mut roles = Vec::new();
                for e in &r.data_elements {
                    if !allowed.contains(&e.as_str()) {
                        return Err(invalid(format!(
                            "Invalid data element {e:?} for {}; valid: {}.",
                            op.operation_id,
                            allowed.join(", ")
                        )));
                    }
                    let element_roles = personal_data::roles_for_element(e);
                    if !caller
                        .roles
                        .iter()
                        .any(|r| element_roles.contains(&r.as_str()))
                    {
                        return Err(invalid(
                            "Application does not have access to one or more requested data elements",
                        ));
                    }
                    roles.extend_from_slice(element_roles);
                }
                roles
            };
            if !caller
                .roles
                .iter()
                .any(|role| needed.contains(&role.as_str()))
            {
                return Err(invalid(format!(
                    "Application does not have access to the restricted resource {} {}",
                    r.method, r.path
                )));
            }
        }
        let restricted = serde_json::to_value(&resources).map_err(ApiError::internal)?;
        let token = self
            .issue_access_token(
                TokenKind::Rdt,
                &caller.application_id,
                Some(authorization_id),
                None,
                Some(&restricted),
            )
            .await
            .map_err(ApiError::internal)?;
        Ok((token, ACCESS_TOKEN_TTL.as_secs()))
    }
}
