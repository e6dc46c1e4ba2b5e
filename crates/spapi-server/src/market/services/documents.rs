//! createServiceDocumentUploadDestination: a destination for a proof-of-appointment document.
//!
//! The destination is a spapi document (kind `upload`, resource `service/v1/documents`) with
//! a pre-signed PUT URL on spapi's port, valid 5 minutes of the clock as Amazon's S3 URLs
//! (`X-Amz-Expires=300`), checking the content's MD5 when `contentMD5` was given. The client
//! encrypts the file with AES-256-CBC (PKCS#7 padding) under the key and initialization vector
//! of `encryptionDetails` (both base64, 32 and 16 random bytes), as Amazon's document APIs
//! describe it, and PUTs the encrypted bytes. spapi keeps the key and IV with the destination;
//! it stores the uploaded bytes as they come and does not decrypt them.

use super::{Services, seller_of};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::documents::{UrlOp, new_document_id};
use crate::store::documents::DocumentRow;
use crate::store::services::ServiceUploadRow;
use base64::Engine;
use rand::RngCore;
use spapi_model::services_v1 as m;

/// The largest document (the model's `contentLength` maximum, 5 MiB).
const MAX_LENGTH: f64 = 5_242_880.0;

/// The resource a service upload destination is for.
pub const RESOURCE: &str = "service/v1/documents";

impl Services {
    /// createServiceDocumentUploadDestination.
    pub async fn upload_destination(
        &self,
        caller: &Caller,
        body: &m::ServiceUploadDocument,
    ) -> Result<m::ServiceDocumentUploadDestination> {
        let seller = seller_of(caller)?;
        if let m::ServiceUploadDocumentContentType::Unknown(v) = &body.content_type {
            return Err(Error::invalid_parameter(
                "contentType",
                format!("{v} is not one of TIFF, JPG, PNG, JPEG, GIF, PDF."),
            ));
        }
        let len = body.content_length;
        if len.fract() != 0.0 || !(1.0..=MAX_LENGTH).contains(&len) {
            return Err(Error::invalid_parameter(
                "contentLength",
                "contentLength must be a whole number of bytes from 1 to 5242880.",
            ));
        }
        let md5 = match &body.content_md5 {
            None => None,
            Some(s) => {
                let ok = s.len() == 24
                    && base64::engine::general_purpose::STANDARD
                        .decode(s)
                        .is_ok_and(|b| b.len() == 16);
                if !ok {
                    return Err(Error::invalid_parameter(
                        "contentMD5",
                        "contentMD5 must be the base64 encoding of the content's 16-byte MD5 digest.",
                    ));
                }
                Some(s.clone())
            }
        };
        let mut key = [0u8; 32];
        let mut iv = [0u8; 16];
        rand::rng().fill_bytes(&mut key);
        rand::rng().fill_bytes(&mut iv);
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        // Amazon's destination ids carry a `/`; a document URL takes the id in one path
        // segment, so spapi uses `.` (as the Uploads API does).
        let id = format!("sc.{}", new_document_id());
        let now = self.clock.now_us();
        let mut tx = self.store.begin().await?;
        tx.insert_document(&DocumentRow {
            id: id.clone(),
            seller_id: seller.into(),
            kind: "upload".into(),
            // The model gives the upload no headers, so no Content-Type is imposed.
            content_type: String::new(),
            compression: None,
            resource: Some(RESOURCE.into()),
            content_md5: md5,
            generation: None,
            size: 0,
            created_at_us: now,
            uploaded_at_us: None,
        })
        .await?;
        let row = ServiceUploadRow {
            upload_destination_id: id.clone(),
            seller_id: seller.into(),
            content_type: body.content_type.as_str().to_string(),
            content_length: len as i64,
            aes_key: b64(&key),
            aes_iv: b64(&iv),
            created_at_us: now,
        };
        tx.insert_service_upload(&row).await?;
        tx.commit().await?;
        Ok(m::ServiceDocumentUploadDestination {
            url: self.docs.url(UrlOp::Put, &id),
            upload_destination_id: id,
            encryption_details: m::EncryptionDetails {
                standard: m::EncryptionDetailsStandard::Aes,
                initialization_vector: row.aes_iv,
                key: row.aes_key,
            },
            headers: None,
        })
    }

    /// Checks that `upload_destination_id` is the seller's service upload and its content
    /// arrived.
    pub(super) async fn check_uploaded(
        &self,
        seller: &str,
        upload_destination_id: &str,
    ) -> Result<()> {
        if self
            .store
            .service_upload(seller, upload_destination_id)
            .await?
            .is_none()
        {
            return Err(Error::conflict(format!(
                "Upload destination {upload_destination_id} does not exist."
            )));
        }
        let uploaded = self
            .store
            .get_document(upload_destination_id)
            .await?
            .is_some_and(|d| d.generation.is_some() && d.size > 0);
        if !uploaded {
            return Err(Error::conflict(format!(
                "No document was uploaded to upload destination {upload_destination_id}."
            )));
        }
        Ok(())
    }
}
