//! Documents: the bytes behind feed uploads, report downloads, feed processing reports and
//! Uploads API destinations, and the pre-signed URLs that move them.
//!
//! At Amazon these URLs point at S3 and carry an expiring signature. spapi serves them on its
//! own port under [`PATH_PREFIX`], outside the SP-API pipeline (no access token, no usage
//! plan), as S3 does: `PUT` takes an upload (the `Content-Type` must be the one the document was
//! created with, as an S3 pre-signed PUT signs it), `GET` streams the content. A URL carries the
//! document id, the operation, the expiry (5 minutes of the emulator clock) and an HMAC-SHA256
//! signature under a key kept in the store, so several instances honour each other's URLs.
//! Errors are S3's XML documents, because that is what clients meet there.
//!
//! Content is stored in chunks ([`crate::store::documents`]): an upload streams into the store
//! chunk by chunk and a download streams out of it, so memory stays bounded whatever the size.
//!
//! This module is the service (ids, keys, signatures, content); `http::documents` serves the
//! URLs.

use crate::clock::Clock;
use crate::store::documents::{CHUNK_SIZE, DocumentRow};
use crate::store::{Store, StoreError};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::{Arc, OnceLock};

/// Where document URLs live on spapi's port.
pub const PATH_PREFIX: &str = "/spapi-documents";
/// How long a document URL is valid, emulator µs (Amazon: 5 minutes).
pub const URL_TTL_US: i64 = 5 * 60 * 1_000_000;
/// The largest upload accepted (Amazon's feed limit is far larger; spapi keeps a sane cap).
pub const MAX_UPLOAD: usize = 2 * 1024 * 1024 * 1024;
/// The `meta` key of the URL signing key.
const KEY_META: &str = "documents.url_key";

/// The document service: makes and checks URLs, reads and writes content.
#[derive(Clone)]
pub struct Documents {
    store: Store,
    clock: Clock,
    key: Arc<Vec<u8>>,
    base_url: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents")
            .field("base_url", &self.base_url.get())
            .finish_non_exhaustive()
    }
}

/// What a URL allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlOp {
    /// Upload (`PUT`).
    Put,
    /// Download (`GET`).
    Get,
}

impl UrlOp {
    fn as_str(self) -> &'static str {
        match self {
            UrlOp::Put => "put",
            UrlOp::Get => "get",
        }
    }
}

/// A new random id in the shape of Amazon's document ids.
pub fn new_document_id() -> String {
    format!(
        "amzn1.tortuga.4.na.{}.T{}",
        uuid::Uuid::new_v4(),
        crate::auth::secret::random_token(13).to_ascii_uppercase()
    )
}

/// The id of the document of `label` (e.g. a report's store id), the same on every run: a
/// job that runs again after a crash writes the same document.
pub fn derived_document_id(label: &str) -> String {
    let digest = Sha256::digest(label.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    let u = uuid::Uuid::from_bytes(b);
    let tail: String = digest[16..29]
        .iter()
        .map(|x| (b'A' + x % 26) as char)
        .collect();
    format!("amzn1.tortuga.4.na.{u}.T{tail}")
}

impl Documents {
    /// The service over `store`, with the signing key of the store (created if missing).
    pub async fn new(store: Store, clock: Clock) -> Result<Self, StoreError> {
        let key = match store.get_meta(KEY_META).await? {
            Some(k) => k,
            None => {
                let k = crate::auth::secret::random_token(64);
                store.set_meta(KEY_META, &k).await?;
                store.get_meta(KEY_META).await?.unwrap_or(k)
            }
        };
        Ok(Documents {
            store,
            clock,
            key: Arc::new(key.into_bytes()),
            base_url: Arc::new(OnceLock::new()),
        })
    }

    /// Sets the `http://host:port` URLs point at (once the listener is bound).
    pub fn set_base_url(&self, base: String) {
        let _ = self.base_url.set(base);
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    fn signature(&self, op: UrlOp, id: &str, expires_us: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(format!("{}\n{id}\n{expires_us}", op.as_str()).as_bytes());
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A pre-signed URL for `op` on document `id`, valid for [`URL_TTL_US`] of the clock.
    pub fn url(&self, op: UrlOp, id: &str) -> String {
        let expires = self.clock.now_us() + URL_TTL_US;
        let base = self
            .base_url
            .get()
            .cloned()
            .unwrap_or_else(|| "http://127.0.0.1".into());
        format!(
            "{base}{PATH_PREFIX}/{id}?op={}&expires={expires}&signature={}",
            op.as_str(),
            self.signature(op, id, expires)
        )
    }

    /// Checks a URL's query for `op` on document `id`: complete, signed by this store's key
    /// for that operation, and not expired on the clock.
    pub fn check(
        &self,
        op: UrlOp,
        id: &str,
        url_op: Option<&str>,
        expires: Option<i64>,
        signature: Option<&str>,
    ) -> Result<(), UrlRefusal> {
        let (Some(o), Some(expires), Some(sig)) = (url_op, expires, signature) else {
            return Err(UrlRefusal::Incomplete);
        };
        let expected = self.signature(op, id, expires);
        if o != op.as_str() || !constant_time_eq(expected.as_bytes(), sig.as_bytes()) {
            return Err(UrlRefusal::BadSignature);
        }
        if expires <= self.clock.now_us() {
            return Err(UrlRefusal::Expired);
        }
        Ok(())
    }

    /// The clock URLs expire on.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// A writer of new content for document `id`.
    pub fn writer(&self, id: &str, gzip: bool) -> DocumentWriter {
        DocumentWriter::new(self.store.clone(), id, gzip)
    }
}

/// Why a document URL is refused (the HTTP layer answers each with S3's error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlRefusal {
    /// `op`, `expires` or `signature` is missing.
    Incomplete,
    /// The signature is not this store's for this document and operation.
    BadSignature,
    /// The URL's lifetime is over.
    Expired,
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The whole content of a document (gunzipped when it is gzip), at most `limit` bytes either
/// way; for processors that parse their input whole (feeds). Downloads stream instead.
pub async fn read_whole(store: &Store, doc: &DocumentRow, limit: usize) -> Result<Vec<u8>, String> {
    let Some(generation) = doc.generation else {
        return Err("the document has no content".into());
    };
    let mut out = Vec::new();
    let mut seq = 0;
    while let Some(chunk) = store
        .document_chunk(&doc.id, generation, seq)
        .await
        .map_err(|e| e.to_string())?
    {
        out.extend_from_slice(&chunk);
        if out.len() > limit {
            return Err(format!("The document is larger than {limit} bytes."));
        }
        seq += 1;
    }
    if doc.compression.as_deref() == Some("GZIP") || out.starts_with(&[0x1f, 0x8b]) {
        use std::io::Read;
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&out[..])
            .take(limit as u64 + 1)
            .read_to_end(&mut plain)
            .map_err(|e| format!("The document is not valid gzip: {e}"))?;
        if plain.len() > limit {
            return Err(format!("The document is larger than {limit} bytes."));
        }
        out = plain;
    }
    Ok(out)
}

/// Writes new content of a document chunk by chunk (optionally gzip-compressing it); nothing
/// is visible until [`DocumentWriter::finish`]'s generation is switched to
/// ([`crate::store::StoreTx::switch_document_content`]).
pub struct DocumentWriter {
    store: Store,
    id: String,
    generation: i64,
    seq: i64,
    size: i64,
    plain: Vec<u8>,
    gzip: Option<flate2::write::GzEncoder<Vec<u8>>>,
}

impl std::fmt::Debug for DocumentWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentWriter")
            .field("id", &self.id)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl DocumentWriter {
    /// A writer of a new generation of document `id`'s content, gzip-compressed if `gzip`.
    pub fn new(store: Store, id: &str, gzip: bool) -> Self {
        DocumentWriter {
            store,
            id: id.to_string(),
            generation: rand::random::<u32>() as i64 + 1,
            seq: 0,
            size: 0,
            plain: Vec::with_capacity(if gzip { 0 } else { CHUNK_SIZE }),
            gzip: gzip
                .then(|| flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default())),
        }
    }

    fn buffer(&mut self) -> &mut Vec<u8> {
        match &mut self.gzip {
            Some(g) => g.get_mut(),
            None => &mut self.plain,
        }
    }

    async fn flush_full(&mut self, all: bool) -> Result<(), StoreError> {
        loop {
            let len = self.buffer().len();
            if len == 0 || (!all && len < CHUNK_SIZE) {
                return Ok(());
            }
            let take = len.min(CHUNK_SIZE);
            let chunk: Vec<u8> = self.buffer().drain(..take).collect();
            self.store
                .put_document_chunk(&self.id, self.generation, self.seq, &chunk)
                .await?;
            self.seq += 1;
            self.size += chunk.len() as i64;
        }
    }

    /// Appends bytes.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        match &mut self.gzip {
            Some(g) => g.write_all(data)?,
            None => self.plain.extend_from_slice(data),
        }
        self.flush_full(false).await
    }

    /// Writes the rest; returns the generation written and its size in (stored) bytes.
    pub async fn finish(mut self) -> Result<(i64, i64), StoreError> {
        if let Some(g) = self.gzip.take() {
            self.plain = g.finish()?;
        }
        self.flush_full(true).await?;
        Ok((self.generation, self.size))
    }
}
