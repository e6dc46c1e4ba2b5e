//! Document URLs: the feed upload PUT (content type checked, expiry on the clock), download of
//! what was uploaded, and Uploads API destinations with their Content-MD5 check.

mod common;
mod jobs_common;

use base64::Engine;
use jobs_common::*;
use md5::{Digest, Md5};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn feed_documents_take_a_put_of_their_content_type_and_serve_it_back() {
    let sp = Sp::start().await;
    let (status, d) = sp
        .call(
            Method::POST,
            "/feeds/2021-06-30/documents",
            Some(json!({"contentType": "text/tab-separated-values; charset=UTF-8"})),
            FEEDS,
            "createFeedDocument",
        )
        .await;
    assert_eq!(status, 201);
    let url = d["url"].as_str().unwrap();
    let id = d["feedDocumentId"].as_str().unwrap();
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let put = |ct: &'static str, body: Vec<u8>| {
        sp.w.http
            .put(url)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let r = put("text/plain", content.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("SignatureDoesNotMatch"));
    let r = put("text/tab-separated-values;charset=utf-8", content.clone())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().contains_key("etag"));
    let (status, got) = sp
        .call(
            Method::GET,
            &format!("/feeds/2021-06-30/documents/{id}"),
            None,
            FEEDS,
            "getFeedDocument",
        )
        .await;
    assert_eq!(status, 200);
    let (status, ct, bytes) = download(&sp.w.http, got["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "text/tab-separated-values; charset=UTF-8");
    assert_eq!(bytes, content, "three chunks round-trip");
    // A GET URL does not take a PUT, and the PUT URL expires after 5 minutes of the clock.
    let r =
        sp.w.http
            .put(got["url"].as_str().unwrap())
            .body("x")
            .send()
            .await
            .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    sp.advance(301).await;
    let r = put("text/tab-separated-values; charset=UTF-8", b"late".to_vec())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    assert!(r.text().await.unwrap().contains("expired"));
    // Unknown documents and other sellers' documents are 404; a missing content type is 400.
    let (status, _) = sp
        .call(
            Method::GET,
            "/feeds/2021-06-30/documents/amzn1.tortuga.none",
            None,
            FEEDS,
            "getFeedDocument",
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = sp
        .call(
            Method::POST,
            "/feeds/2021-06-30/documents",
            Some(json!({"contentType": " "})),
            FEEDS,
            "createFeedDocument",
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn upload_destinations_check_the_content_md5() {
    let sp = Sp::start().await;
    let content = b"an A+ content image, or so".to_vec();
    let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&content));
    let q = format!(
        "/uploads/2020-11-01/uploadDestinations/aplus/2020-11-01/contentDocuments?marketplaceIds={US}&contentMD5={}&contentType=image/png",
        percent_encoding::utf8_percent_encode(&md5, percent_encoding::NON_ALPHANUMERIC)
    );
    let (status, b) = sp
        .call(
            Method::POST,
            &q,
            None,
            UPLOADS,
            "createUploadDestinationForResource",
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let p = &b["payload"];
    assert!(p["uploadDestinationId"].is_string());
    assert_eq!(p["headers"]["Content-MD5"], md5.as_str());
    let url = p["url"].as_str().unwrap();
    let r =
        sp.w.http
            .put(url)
            .header("content-type", "image/png")
            .body(b"other bytes".to_vec())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.unwrap().contains("BadDigest"));
    let r =
        sp.w.http
            .put(url)
            .header("content-type", "image/png")
            .body(content.clone())
            .send()
            .await
            .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let doc =
        sp.w.server
            .store()
            .get_document(p["uploadDestinationId"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        doc.resource.as_deref(),
        Some("aplus/2020-11-01/contentDocuments")
    );
    assert_eq!(doc.size, content.len() as i64);
    for bad in ["contentMD5=notbase64", "contentMD5=AAAA"] {
        let q = format!(
            "/uploads/2020-11-01/uploadDestinations/aplus/2020-11-01/contentDocuments?marketplaceIds={US}&{bad}"
        );
        let (status, body) = sp
            .call(
                Method::POST,
                &q,
                None,
                UPLOADS,
                "createUploadDestinationForResource",
            )
            .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}
