//! Random secrets, hashes and signatures.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Characters of generated tokens: no `+ & = %` (one official SDK does not URL-encode tokens).
const TOKEN_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A random string of `len` token characters.
pub fn random_token(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| TOKEN_CHARS[rng.random_range(0..TOKEN_CHARS.len())] as char)
        .collect()
}

/// `len` random lower-case hex digits.
pub fn random_hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// A client secret in Amazon's shape (`amzn1.oa2-cs.v1.<64 hex>`).
pub fn client_secret() -> String {
    format!("amzn1.oa2-cs.v1.{}", random_hex(64))
}

/// A selling partner id: `A` and 13 upper-case letters or digits.
pub fn selling_partner_id() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut rng = rand::rng();
    let rest: String = (0..13)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect();
    format!("A{rest}")
}

/// SHA-256 hex of a high-entropy secret (token, code, client secret).
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// argon2id hash of a password, computed off the async runtime.
pub async fn hash_password(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt =
            SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| e.to_string())?;
        argon2::Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

/// Whether `password` matches an argon2 PHC string, checked off the async runtime.
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A fixed argon2 hash to verify against when the email is unknown.
pub fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::encode_b64(b"spapi-dummy-salt").expect("static salt");
            argon2::Argon2::default()
                .hash_password(b"not a password", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// A redirect URI must be absolute https, or http on a loopback host (local development;
/// Amazon requires https).
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.contains('#') {
        // Amazon refuses fragments at consent (MD5110): such an app could never be authorized.
        return Err(format!(
            "redirect URI {uri:?} must not contain a fragment (#)"
        ));
    }
    let lower = uri.to_ascii_lowercase();
    let host_of = |rest: &str| {
        rest.split(['/', '?', '#'])
            .next()
            .unwrap_or("")
            .rsplit('@')
            .next()
            .unwrap_or("")
            .to_string()
    };
    if let Some(rest) = lower.strip_prefix("https://") {
        if host_of(rest).is_empty() {
            return Err(format!("redirect URI {uri:?} has no host"));
        }
        return Ok(());
    }
    if let Some(rest) = lower.strip_prefix("http://") {
        let host = host_of(rest);
        // Drop the port: after the `]` of an IPv6 literal, or after the last `:` otherwise.
        let host = match host.strip_prefix('[') {
            Some(v6) => v6
                .split(']')
                .next()
                .map(|h| format!("[{h}]"))
                .unwrap_or_default(),
            None => host
                .rsplit_once(':')
                .map_or(host.clone(), |(h, _)| h.to_string()),
        };
        let host = host.as_str();
        if matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return Ok(());
        }
    }
    Err(format!(
        "redirect URI {uri:?} must be https (or http on localhost)"
    ))
}

type HmacSha256 = Hmac<Sha256>;

/// `payload.signature`, the signature an HMAC-SHA256 of the payload under `key`.
pub fn sign(key: &[u8], payload: &str) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    let sig = mac.finalize().into_bytes();
    let mut out = format!("{payload}.");
    for b in sig {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The payload of a value made by [`sign`], if the signature is valid (constant-time check).
pub fn verify<'a>(key: &[u8], signed: &'a str) -> Option<&'a str> {
    let (payload, sig_hex) = signed.rsplit_once('.')?;
    if sig_hex.len() != 64 || !sig_hex.is_ascii() {
        return None;
    }
    let sig: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&sig_hex[2 * i..2 * i + 2], 16))
        .collect::<Result<_, _>>()
        .ok()?;
    let mut mac = HmacSha256::new_from_slice(key).ok()?;
    mac.update(payload.as_bytes());
    mac.verify_slice(&sig).ok()?;
    Some(payload)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_avoid_characters_sdks_do_not_encode() {
        let t = random_token(2000);
        assert!(!t.contains(['+', '&', '=', '%']));
        assert_eq!(t.len(), 2000);
    }

    #[test]
    fn signatures_verify_and_reject_tampering() {
        let s = sign(b"k", "seller.123");
        assert_eq!(verify(b"k", &s), Some("seller.123"));
        assert_eq!(verify(b"other", &s), None);
        assert_eq!(verify(b"k", &s.replace("123", "124")), None);
        assert_eq!(verify(b"k", "garbage"), None);
        let multibyte = format!("p.{}", "é".repeat(32));
        assert_eq!(verify(b"k", &multibyte), None);
    }

    #[test]
    fn redirect_uris() {
        assert!(check_redirect_uri("https://app.example.com/cb").is_ok());
        assert!(check_redirect_uri("http://localhost:3000/cb").is_ok());
        assert!(check_redirect_uri("http://127.0.0.1/cb").is_ok());
        assert!(check_redirect_uri("http://example.com/cb").is_err());
        assert!(check_redirect_uri("http://[::1]/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]:8080/cb").is_ok());
        assert!(check_redirect_uri("https://app.example.com/cb#x").is_err());
        assert!(check_redirect_uri("ftp://x").is_err());
    }

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let h = hash_password("correct horse".into()).await.unwrap();
        assert!(verify_password("correct horse".into(), h.clone()).await);
        assert!(!verify_password("wrong".into(), h).await);
    }
}
