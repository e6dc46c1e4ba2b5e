//! Where a notification goes besides the built-in inbox: the spapi HTTP sink of a destination
//! (`POST` of the envelope, signed with HMAC-SHA256), and an SQS endpoint speaking the AWS JSON
//! protocol (`AmazonSQS.SendMessage`).
//!

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Write as _;
use std::time::Duration;

/// How long one attempt may take (connect, send, answer).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The signature header of the HTTP sink: `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Spapi-Signature";

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    let mut out = String::from("sha256=");
    for b in mac.finalize().into_bytes() {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Checks a sink URL: absolute `http://` or `https://` with a host.
pub fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("{url:?} is not an http(s):// URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.contains(char::is_whitespace) {
        return Err(format!("{url:?} has no usable host"));
    }
    Ok(())
}

fn client() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .user_agent("spapi-notifier")
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default()
    })
}

/// POSTs `body` to `url` with `headers`; `Ok` on a 2xx answer, else the reason.
pub async fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> Result<(), String> {
    let mut req = client().post(url).body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.map_err(|e| format!("POST {url}: {e}"))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let text = resp.text().await.unwrap_or_default();
    let text: String = text.chars().take(200).collect();
    Err(format!("HTTP {}: {}", status.as_u16(), text.trim()))
}

/// The HTTP sink: POSTs the envelope, signed with `secret`.
pub async fn http_sink(url: &str, secret: &str, body: &[u8]) -> Result<(), String> {
    post(
        url,
        &[
            ("Content-Type", "application/json".to_string()),
            (SIGNATURE_HEADER, signature(secret, body)),
        ],
        body,
    )
    .await
}

/// The queue URL of an SQS ARN at `endpoint`: `<endpoint>/<account>/<name>`.
pub fn sqs_queue_url(endpoint: &str, arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", "aws", "sqs", _region, account, name] => Some(format!(
            "{}/{account}/{name}",
            endpoint.trim_end_matches('/')
        )),
        _ => None,
    }
}

/// `AmazonSQS.SendMessage` of the envelope to the queue of `arn` at `endpoint` (AWS JSON 1.0
/// protocol; requests are not signed, as local SQS servers accept).
pub async fn sqs_send(endpoint: &str, arn: &str, body: &[u8]) -> Result<(), String> {
    let queue_url =
        sqs_queue_url(endpoint, arn).ok_or_else(|| format!("{arn:?} is not an SQS ARN"))?;
    let request = serde_json::json!({
        "QueueUrl": queue_url,
        "MessageBody": String::from_utf8_lossy(body),
    })
    .to_string();
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    post(
        &url,
        &[
            ("Content-Type", "application/x-amz-json-1.0".to_string()),
            ("X-Amz-Target", "AmazonSQS.SendMessage".to_string()),
        ],
        request.as_bytes(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("http://127.0.0.1:9/hook?x=1").is_ok());
        assert!(check_url("https://hooks.example.com/x").is_ok());
        assert!(check_url("ftp://example.com/").is_err());
        assert!(check_url("http:///nohost").is_err());
        assert_eq!(
            sqs_queue_url(
                "http://127.0.0.1:5000/",
                "arn:aws:sqs:us-east-1:123456789012:q1"
            )
            .as_deref(),
            Some("http://127.0.0.1:5000/123456789012/q1")
        );
    }

    #[test]
    fn signature_is_hex_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
