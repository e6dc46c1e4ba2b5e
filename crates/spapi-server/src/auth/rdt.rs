//! Restricted Data Tokens: `createRestrictedDataToken` of the Tokens API.

use super::caller::RestrictedResource;
use super::error::AuthError;
use super::personal_data;
use super::{ACCESS_TOKEN_TTL, Auth, Caller, DataAccess};
use crate::store::TokenKind;
use spapi_model::Operation;

/// Most resources one RDT may cover.
pub const MAX_RESOURCES: usize = 50;

fn invalid(message: impl Into<String>) -> AuthError {
    AuthError::Invalid(message.into())
}

impl Auth {
    /// Creates an RDT for `resources` on behalf of `caller` (a seller's access token).
    /// `find_operation` resolves a resource's method and path to its SP-API operation (the
    /// HTTP router's job). Returns the token and its lifetime in seconds.
    pub async fn create_rdt(
        &self,
        find_operation: impl Fn(&str, &str) -> Option<&'static Operation>,
        caller: &Caller,
        resources: Vec<RestrictedResource>,
    ) -> Result<(String, i64), AuthError> {
        // Only a seller's access token can ask for an RDT (not a grantless token, not an RDT).
        let (Some(authorization_id), DataAccess::None) =
            (caller.authorization_id, &caller.data_access)
        else {
            return Err(AuthError::Denied);
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
            let op = match find_operation(&r.method, path) {
                Some(op) => op,
                None => {
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
        let restricted =
            serde_json::to_value(&resources).map_err(|e| AuthError::Internal(e.to_string()))?;
        let token = self
            .issue_access_token(
                TokenKind::Rdt,
                &caller.application_id,
                Some(authorization_id),
                None,
                Some(&restricted),
            )
            .await?;
        Ok((token, ACCESS_TOKEN_TTL.as_secs()))
    }
}
