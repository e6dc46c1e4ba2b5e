//! Tokens API 2021-03-01.

use crate::auth::Auth;
use crate::auth::caller::RestrictedResource;
use crate::generated::tokens_2021_03_01::Tokens20210301Api;
use crate::http::router::{Match, Router};
use crate::http::{ApiError, RequestContext};
use spapi_model::tokens_2021_03_01 as m;
use std::sync::Arc;

/// `createRestrictedDataToken`.
pub struct Tokens {
    auth: Auth,
    router: Arc<Router>,
}

impl Tokens {
    /// Tokens over the auth service; `router` resolves the resources' paths.
    pub fn new(auth: Auth, router: Arc<Router>) -> Self {
        Tokens { auth, router }
    }
}

#[async_trait::async_trait]
impl Tokens20210301Api for Tokens {
    fn implemented(&self) -> &'static [&'static str] {
        &["createRestrictedDataToken"]
    }

    async fn create_restricted_data_token(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateRestrictedDataToken,
    ) -> Result<m::CreateRestrictedDataTokenResponse, ApiError> {
        let resources = params
            .body
            .restricted_resources
            .into_iter()
            .map(|r| RestrictedResource {
                method: r.method.as_str().to_string(),
                path: r.path,
                data_elements: r.data_elements.unwrap_or_default(),
            })
            .collect();
        let (token, expires_in) = self
            .auth
            .create_rdt(
                |method, path| match self.router.find(method, path) {
                    Match::Found(op, _) => Some(op),
                    _ => None,
                },
                &ctx.caller,
                resources,
            )
            .await?;
        Ok(m::CreateRestrictedDataTokenResponse {
            restricted_data_token: Some(token),
            expires_in: Some(expires_in),
        })
    }
}
