//! Where a notification goes besides the built-in inbox: the spapi HTTP sink of a destination
//! (`POST` of the envelope, signed with HMAC-SHA256), an SQS endpoint speaking the AWS JSON
//! protocol (`AmazonSQS.SendMessage`), and an EventBridge endpoint, to which spapi speaks as the
//! partner Amazon is (`AWSEvents.CreatePartnerEventSource`, `AWSEvents.PutPartnerEvents`).
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

/// POSTs `body` to `url` with `headers`; the answer's body on a 2xx answer, else the reason.
pub async fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> Result<String, String> {
    let mut req = client().post(url).body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let resp = req.send().await.map_err(|e| format!("POST {url}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    if status.is_success() {
        return Ok(text);
    }
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
    .map(drop)
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

/// The `Authorization` header of a request to a local AWS emulator: SigV4-shaped with a fake
/// credential and no real signature. Local servers such as moto route on the credential's
/// service and region (without it moto takes the request for S3 and still answers 200), and
/// do not check the signature.
pub fn fake_sigv4(region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=SPAPIEMULATOR/20240101/{region}/{service}/aws4_request, \
         SignedHeaders=content-type;host;x-amz-target, Signature=0"
    )
}

/// `AmazonSQS.SendMessage` of the envelope to the queue of `arn` at `endpoint` (AWS JSON 1.0
/// protocol; requests carry a fake credential and are not signed, as local SQS servers
/// accept). The answer must be SQS's JSON with a `MessageId`.
pub async fn sqs_send(endpoint: &str, arn: &str, body: &[u8]) -> Result<(), String> {
    let queue_url =
        sqs_queue_url(endpoint, arn).ok_or_else(|| format!("{arn:?} is not an SQS ARN"))?;
    let region = arn.split(':').nth(3).unwrap_or("us-east-1");
    let request = serde_json::json!({
        "QueueUrl": queue_url,
        "MessageBody": String::from_utf8_lossy(body),
    })
    .to_string();
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let answer = post(
        &url,
        &[
            ("Content-Type", "application/x-amz-json-1.0".to_string()),
            ("X-Amz-Target", "AmazonSQS.SendMessage".to_string()),
            ("Authorization", fake_sigv4(region, "sqs")),
        ],
        request.as_bytes(),
    )
    .await?;
    let answer: serde_json::Value = serde_json::from_str(&answer).map_err(|_| {
        let text: String = answer.chars().take(200).collect();
        format!(
            "SendMessage answered something else than SQS JSON: {}",
            text.trim()
        )
    })?;
    if answer.get("MessageId").and_then(|v| v.as_str()).is_none() {
        return Err(format!(
            "SendMessage answered without a MessageId: {answer}"
        ));
    }
    Ok(())
}

/// The event `source` of SP-API's partner events, and the prefix of its partner event sources.
pub const PARTNER_SOURCE_PREFIX: &str = "aws.partner/sellingpartnerapi.amazon";

/// One AWS JSON 1.1 call to EventBridge (`AWSEvents.<action>`) at `endpoint`, in `region`;
/// the answer as JSON.
async fn eventbridge_call(
    endpoint: &str,
    region: &str,
    action: &str,
    request: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let url = format!("{}/", endpoint.trim_end_matches('/'));
    let answer = post(
        &url,
        &[
            ("Content-Type", "application/x-amz-json-1.1".to_string()),
            ("X-Amz-Target", format!("AWSEvents.{action}")),
            ("Authorization", fake_sigv4(region, "events")),
        ],
        request.to_string().as_bytes(),
    )
    .await?;
    serde_json::from_str(&answer).map_err(|_| {
        let text: String = answer.chars().take(200).collect();
        format!(
            "{action} answered something else than JSON: {}",
            text.trim()
        )
    })
}

/// Makes sure the partner event source `name` exists for `account` (what Amazon does when an
/// EventBridge destination is created): describes it, and creates it when that fails.
pub async fn eventbridge_ensure_source(
    endpoint: &str,
    region: &str,
    name: &str,
    account: &str,
) -> Result<(), String> {
    let described = eventbridge_call(
        endpoint,
        region,
        "DescribePartnerEventSource",
        &serde_json::json!({ "Name": name }),
    )
    .await;
    if described.is_ok() {
        return Ok(());
    }
    eventbridge_call(
        endpoint,
        region,
        "CreatePartnerEventSource",
        &serde_json::json!({ "Name": name, "Account": account }),
    )
    .await
    .map(drop)
}

/// `AWSEvents.PutPartnerEvents` of one notification: `Source` is the destination's partner event
/// source, `DetailType` the notification type, `Detail` the envelope (a JSON object), `Time` its
/// event time (ISO 8601, sent as epoch seconds). EventBridge must report no failed entry.
pub async fn eventbridge_put(
    endpoint: &str,
    region: &str,
    source: &str,
    detail_type: &str,
    time: Option<&str>,
    envelope: &[u8],
) -> Result<(), String> {
    let mut entry = serde_json::json!({
        "Source": source,
        "DetailType": detail_type,
        "Detail": String::from_utf8_lossy(envelope),
        "Resources": [],
    });
    // AWS JSON timestamps are epoch seconds.
    if let Some(t) = time.and_then(|t| t.parse::<jiff::Timestamp>().ok()) {
        entry["Time"] = serde_json::json!(t.as_second());
    }
    let answer = eventbridge_call(
        endpoint,
        region,
        "PutPartnerEvents",
        &serde_json::json!({ "Entries": [entry] }),
    )
    .await?;
    match answer.get("FailedEntryCount").and_then(|v| v.as_i64()) {
        Some(0) | None
            if answer
                .pointer("/Entries/0/ErrorCode")
                .is_none_or(|c| c.is_null()) =>
        {
            Ok(())
        }
        _ => Err(format!("PutPartnerEvents failed: {answer}")),
    }
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
