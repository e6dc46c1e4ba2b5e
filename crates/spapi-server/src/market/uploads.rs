//! Uploads 2020-11-01: an upload destination for a resource of another API (e.g.
//! `aplus/2020-11-01/contentDocuments`) is a document of the seller, created empty with the
//! resource, content type and MD5 it must have, and a URL on spapi that takes its content.

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::documents::{Documents, UrlOp, new_document_id};
use crate::market::marketplaces::check_participating;
use crate::store::Store;
use crate::store::documents::DocumentRow;
use base64::Engine;

/// What createUploadDestinationForResource asks for.
#[derive(Debug, Clone, Default)]
pub struct UploadRequest {
    /// The marketplaces (the caller's).
    pub marketplace_ids: Vec<String>,
    /// The base64 MD5 digest of the content to upload.
    pub content_md5: String,
    /// The resource the upload is for (`aplus/2020-11-01/contentDocuments`).
    pub resource: String,
    /// The content type of the upload, if the resource needs one.
    pub content_type: Option<String>,
}

/// An upload destination: where to PUT the content, and the headers the PUT must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// `uploadDestinationId`: the id the resource's API is given afterwards.
    pub id: String,
    /// The pre-signed URL that takes the content.
    pub url: String,
    /// Headers of the PUT, in order (`Content-MD5`, then `Content-Type` when given).
    pub headers: Vec<(&'static str, String)>,
}

/// The Uploads API over the world.
#[derive(Clone)]
pub struct Uploads {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl Uploads {
    /// Uploads of the world in `store`, on `clock`, served by `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        Uploads { store, clock, docs }
    }

    /// createUploadDestinationForResource: a destination for the caller's upload of content
    /// whose MD5 is `contentMD5` (the upload is refused otherwise).
    pub async fn destination(&self, caller: &Caller, req: UploadRequest) -> Result<Destination> {
        let seller_id = caller
            .selling_partner_id
            .as_deref()
            .ok_or_else(Error::forbidden)?;
        check_participating(caller, &req.marketplace_ids)?;
        let md5 = req.content_md5.trim();
        let md5_ok = base64::engine::general_purpose::STANDARD
            .decode(md5)
            .is_ok_and(|b| b.len() == 16);
        if !md5_ok {
            return Err(Error::invalid_parameter(
                "contentMD5",
                "contentMD5 must be the base64 encoding of the content's 16-byte MD5 digest.",
            ));
        }
        let resource = req.resource.trim_matches('/');
        if resource.is_empty() {
            return Err(Error::invalid_parameter(
                "resource",
                "resource is required.",
            ));
        }
        let content_type = req.content_type.unwrap_or_default();
        // Amazon's upload destination ids start with `sc/`; a document URL takes the id in one
        // path segment, so the `/` becomes a `.`.
        let id = format!("sc/{}", new_document_id()).replace('/', ".");
        self.store
            .insert_document(&DocumentRow {
                id: id.clone(),
                seller_id: seller_id.into(),
                kind: "upload".into(),
                content_type: content_type.clone(),
                compression: None,
                resource: Some(resource.into()),
                content_md5: Some(md5.into()),
                generation: None,
                size: 0,
                created_at_us: self.clock.now_us(),
                uploaded_at_us: None,
            })
            .await?;
        let mut headers = vec![("Content-MD5", md5.to_string())];
        if !content_type.is_empty() {
            headers.push(("Content-Type", content_type));
        }
        Ok(Destination {
            url: self.docs.url(UrlOp::Put, &id),
            id,
            headers,
        })
    }
}
