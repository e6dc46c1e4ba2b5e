//! Uploads 2020-11-01: `createUploadDestinationForResource` over `market::uploads`.
//!
//! The binding is implemented on the market service itself ([`Uploads`]).

use crate::generated::uploads_2020_11_01::Uploads20201101Api;
use crate::http::{ApiError, RequestContext};
use crate::market::uploads::UploadRequest;
use serde_json::{Map, Value};
use spapi_model::uploads_2020_11_01 as m;

pub use crate::market::uploads::Uploads;

#[async_trait::async_trait]
impl Uploads20201101Api for Uploads {
    fn implemented(&self) -> &'static [&'static str] {
        &["createUploadDestinationForResource"]
    }

    async fn create_upload_destination_for_resource(
        &self,
        ctx: &RequestContext,
        params: m::params::CreateUploadDestinationForResource,
    ) -> Result<m::CreateUploadDestinationResponse, ApiError> {
        let request = UploadRequest {
            marketplace_ids: params.marketplace_ids,
            content_md5: params.content_md5,
            resource: params.resource,
            content_type: params.content_type,
        };
        let dest = self.destination(&ctx.caller, request).await?;
        let headers: Map<String, Value> = dest
            .headers
            .into_iter()
            .map(|(name, value)| (name.to_string(), Value::String(value)))
            .collect();
        Ok(m::CreateUploadDestinationResponse {
            payload: Some(m::UploadDestination {
                upload_destination_id: Some(dest.id),
                url: Some(dest.url),
                headers: Some(headers),
            }),
            errors: None,
        })
    }
}
