//! The document URLs on spapi's port: S3-style pre-signed `PUT` and `GET` over the document
//! service ([`crate::market::documents`]), outside the SP-API pipeline, with S3's XML errors.

use crate::market::documents::{Documents, MAX_UPLOAD, PATH_PREFIX, UrlOp, UrlRefusal};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use md5::{Digest, Md5};

/// The routes of document URLs (merged into the app; outside the SP-API pipeline).
pub fn routes(docs: Documents) -> Router {
    Router::new()
        .route(
            &format!("{PATH_PREFIX}/{{id}}"),
            axum::routing::put(put_document).get(get_document),
        )
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
        .with_state(docs)
}

/// The URL's query checked, or S3's answer to a bad one.
fn check(docs: &Documents, op: UrlOp, id: &str, q: &UrlQuery) -> Result<(), Box<Response>> {
    docs.check(op, id, q.op.as_deref(), q.expires, q.signature.as_deref())
        .map_err(|r| {
            Box::new(match r {
                UrlRefusal::Incomplete => s3_error(
                    StatusCode::FORBIDDEN,
                    "AccessDenied",
                    "Query-string authentication requires the op, expires and signature parameters.",
                ),
                UrlRefusal::BadSignature => s3_error(
                    StatusCode::FORBIDDEN,
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you provided.",
                ),
                UrlRefusal::Expired => {
                    s3_error(StatusCode::FORBIDDEN, "AccessDenied", "Request has expired")
                }
            })
        })
}

/// An S3-style XML error.
fn s3_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{}</RequestId></Error>",
        uuid::Uuid::new_v4().simple()
    );
    (status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "document store failure");
    s3_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalError",
        "We encountered an internal error. Please try again.",
    )
}

/// The query of a document URL.
#[derive(Debug, serde::Deserialize)]
struct UrlQuery {
    op: Option<String>,
    expires: Option<i64>,
    signature: Option<String>,
}

/// `Content-Type` values compare on their media type and parameters, ignoring case and blanks
/// (`text/xml; charset=UTF-8` equals `text/xml;charset=utf-8`).
fn normalize_content_type(s: &str) -> String {
    s.split(';')
        .map(|p| p.trim().to_ascii_lowercase())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(";")
}

async fn put_document(
    State(docs): State<Documents>,
    Path(id): Path<String>,
    Query(q): Query<UrlQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(r) = check(&docs, UrlOp::Put, &id, &q) {
        return *r;
    }
    let doc = match docs.store().get_document(&id).await {
        Ok(Some(d)) if d.kind == "feed" || d.kind == "upload" => d,
        Ok(_) => {
            return s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            );
        }
        Err(e) => return internal(e),
    };
    let sent_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The pre-signed PUT signs the content type: another one fails as at S3. Uploads API
    // destinations made without a content type take any.
    if !doc.content_type.is_empty()
        && normalize_content_type(sent_type) != normalize_content_type(&doc.content_type)
    {
        return s3_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            &format!(
                "The request signature we calculated does not match the signature you provided. Content-Type {sent_type:?} differs from the signed {:?}.",
                doc.content_type
            ),
        );
    }
    let mut writer = docs.writer(&id, false);
    let mut md5 = Md5::new();
    let mut stream = body.into_data_stream();
    use futures_util::StreamExt;
    while let Some(next) = stream.next().await {
        let bytes = match next {
            Ok(b) => b,
            Err(e) => {
                return s3_error(
                    StatusCode::BAD_REQUEST,
                    "IncompleteBody",
                    &format!("You did not provide the number of bytes specified: {e}"),
                );
            }
        };
        md5.update(&bytes);
        if let Err(e) = writer.write(&bytes).await {
            return internal(e);
        }
    }
    let digest = md5.finalize();
    if let Some(expected) = &doc.content_md5 {
        let got = base64::engine::general_purpose::STANDARD.encode(digest);
        if &got != expected {
            return s3_error(
                StatusCode::BAD_REQUEST,
                "BadDigest",
                "The Content-MD5 you specified did not match what we received.",
            );
        }
    }
    let (generation, size) = match writer.finish().await {
        Ok(v) => v,
        Err(e) => return internal(e),
    };
    if let Err(e) = docs
        .store()
        .switch_document_content(&id, generation, size, docs.clock().now_us())
        .await
    {
        return internal(e);
    }
    let etag: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut resp = StatusCode::OK.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{etag}\"")) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

async fn get_document(
    State(docs): State<Documents>,
    Path(id): Path<String>,
    Query(q): Query<UrlQuery>,
) -> Response {
    if let Err(r) = check(&docs, UrlOp::Get, &id, &q) {
        return *r;
    }
    let (doc, generation) = match docs.store().get_document(&id).await {
        Ok(Some(d)) => match d.generation {
            Some(g) => (d, g),
            None => {
                return s3_error(
                    StatusCode::NOT_FOUND,
                    "NoSuchKey",
                    "The specified key does not exist.",
                );
            }
        },
        Ok(None) => {
            return s3_error(
                StatusCode::NOT_FOUND,
                "NoSuchKey",
                "The specified key does not exist.",
            );
        }
        Err(e) => return internal(e),
    };
    let store = docs.store().clone();
    let doc_id = doc.id.clone();
    // One chunk in memory at a time: the next is read when the client has taken this one.
    let stream = futures_util::stream::unfold(0i64, move |seq| {
        let store = store.clone();
        let doc_id = doc_id.clone();
        async move {
            match store.document_chunk(&doc_id, generation, seq).await {
                Ok(Some(data)) => {
                    Some((Ok::<_, std::io::Error>(bytes::Bytes::from(data)), seq + 1))
                }
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), i64::MAX)),
            }
        }
    });
    // The stored bytes are served as they are: a GZIP document is gzip on the wire without
    // `Content-Encoding` (as S3 serves Amazon's report files); clients gunzip it themselves
    // because getReportDocument says `compressionAlgorithm: GZIP`.
    let mut resp = Response::new(Body::from_stream(stream));
    let content_type = if doc.compression.as_deref() == Some("GZIP") {
        "application/x-gzip".to_string()
    } else {
        doc.content_type.clone()
    };
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(doc.size));
    resp
}
