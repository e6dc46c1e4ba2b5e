//! Uploads 2020-11-01: `createUploadDestinationForResource` gives a URL on spapi that takes the
//! upload for the named resource (e.g. `aplus/2020-11-01/contentDocuments`); the content is kept
//! as a document of the seller, and its MD5 must be the `contentMD5` given here.

use super::reports::{check_marketplaces, seller};
use crate::clock::Clock;
use crate::generated::uploads_2020_11_01::Uploads20201101Api;
use crate::http::{ApiError, RequestContext};
use crate::market::documents::{Documents, UrlOp, new_document_id};
use crate::store::Store;
use crate::store::documents::DocumentRow;
use base64::Engine;
use serde_json::{Map, json};
use spapi_model::uploads_2020_11_01 as m;

/// Uploads over the world's store.
pub struct Uploads {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl Uploads {
    /// Uploads of the world in `store`, served by `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Uploads { store, clock, docs }
    }
}

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
        let seller_id = seller(ctx)?;
        check_marketplaces(ctx, &params.marketplace_ids)?;
        let md5_ok = base64::engine::general_purpose::STANDARD
            .decode(params.content_md5.trim())
            .is_ok_and(|b| b.len() == 16);
        if !md5_ok {
            return Err(ApiError::invalid_parameter(
                "contentMD5",
                "contentMD5 must be the base64 encoding of the content's 16-byte MD5 digest.",
            ));
        }
        let resource = params.resource.trim_matches('/').to_string();
        if resource.is_empty() {
            return Err(ApiError::invalid_parameter(
                "resource",
                "resource is required.",
            ));
        }
        let content_type = params.content_type.clone().unwrap_or_default();
        let id = format!("sc/{}", new_document_id());
        let doc_id = id.replace('/', ".");
        self.store
            .insert_document(&DocumentRow {
                id: doc_id.clone(),
                seller_id: seller_id.into(),
                kind: "upload".into(),
                content_type: content_type.clone(),
                compression: None,
                resource: Some(resource),
                content_md5: Some(params.content_md5.trim().to_string()),
                generation: None,
                size: 0,
                created_at_us: self.clock.now_us(),
                uploaded_at_us: None,
            })
            .await
            .map_err(ApiError::internal)?;
        let mut headers = Map::new();
        headers.insert("Content-MD5".into(), json!(params.content_md5.trim()));
        if !content_type.is_empty() {
            headers.insert("Content-Type".into(), json!(content_type));
        }
        Ok(m::CreateUploadDestinationResponse {
            payload: Some(m::UploadDestination {
                upload_destination_id: Some(doc_id.clone()),
                url: Some(self.docs.url(UrlOp::Put, &doc_id)),
                headers: Some(headers),
            }),
            errors: None,
        })
    }
}
