//! The app's side of the website authorization workflow:
//!
//! 1. [`ConsentRequest::new`] builds the consent URL with a random `state` (from the operating
//!    system's CSPRNG) that the app remembers;
//! 2. the seller signs in to Seller Central, confirms, and is redirected to the app's redirect URI
//!    with `state`, `selling_partner_id` and `spapi_oauth_code`;
//! 3. [`Redirect::verify`] checks that the `state` is the one sent (a mismatch is
//!    [`Error::StateMismatch`]: the redirect may be forged and is not acted on) and yields the
//!    code;
//! 4. [`crate::token::Lwa::exchange_code`] trades the code (valid 5 minutes, once) for the
//!    seller's refresh token, which the app keeps safe.
//!
//! [`LoopbackReceiver`] receives the redirect on a loopback port, for command-line tools and
//! desktop apps.

use crate::error::Error;
use rand::TryRngCore;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A random `state`: 32 bytes from the OS CSPRNG, hex-encoded.
pub fn random_state() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random generator works");
    hex(&bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The consent URL of one authorization attempt and the `state` to check on the redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRequest {
    /// Where to send the seller.
    pub url: String,
    /// The state to expect back.
    pub state: String,
}

impl ConsentRequest {
    /// The consent page of `consent_base` (a Seller Central URL, or spapi's base URL) for the
    /// app `application_id`. `redirect_uri`: one of the app's registered URIs (default: its
    /// first). `beta`: authorize the draft version of the app (`version=beta`).
    pub fn new(
        consent_base: &str,
        application_id: &str,
        redirect_uri: Option<&str>,
        beta: bool,
    ) -> Self {
        let state = random_state();
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("application_id", application_id);
        q.append_pair("state", &state);
        if let Some(r) = redirect_uri {
            q.append_pair("redirect_uri", r);
        }
        if beta {
            q.append_pair("version", "beta");
        }
        ConsentRequest {
            url: format!(
                "{}/apps/authorize/consent?{}",
                consent_base.trim_end_matches('/'),
                q.finish()
            ),
            state,
        }
    }
}

/// The parameters of a consent redirect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redirect {
    /// `state` as sent back.
    pub state: Option<String>,
    /// The seller who authorized.
    pub selling_partner_id: Option<String>,
    /// The authorization code.
    pub spapi_oauth_code: Option<String>,
    /// For hybrid apps, the MWS token.
    pub mws_auth_token: Option<String>,
    /// `error` (`access_denied` when the seller cancelled).
    pub error: Option<String>,
}

/// A verified redirect: the code to exchange, and who gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    /// `spapi_oauth_code`.
    pub code: String,
    /// The seller's id.
    pub selling_partner_id: Option<String>,
    /// For hybrid apps, the MWS token.
    pub mws_auth_token: Option<String>,
}

impl Redirect {
    /// Reads the redirect from a full URL (`https://app/cb?state=..`) or its query string.
    pub fn parse(url_or_query: &str) -> Self {
        let query = match url_or_query.split_once('?') {
            Some((_, q)) => q,
            None => url_or_query,
        };
        let query = query.split('#').next().unwrap_or("");
        let mut r = Redirect::default();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v = Some(v.into_owned());
            match k.as_ref() {
                "state" => r.state = v,
                "selling_partner_id" => r.selling_partner_id = v,
                "spapi_oauth_code" => r.spapi_oauth_code = v,
                "mws_auth_token" => r.mws_auth_token = v,
                "error" => r.error = v,
                _ => {}
            }
        }
        r
    }

    /// Checks the `state` (in constant time) and returns the code. The state is checked first,
    /// so a forged redirect is refused whatever else it carries.
    pub fn verify(self, expected_state: &str) -> Result<AuthorizationCode, Error> {
        let given = self.state.as_deref().unwrap_or("");
        if expected_state.is_empty()
            || !constant_time_eq(given.as_bytes(), expected_state.as_bytes())
        {
            return Err(Error::StateMismatch);
        }
        if let Some(e) = self.error {
            return Err(Error::ConsentDenied(e));
        }
        let code = self
            .spapi_oauth_code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                Error::ConsentDenied("the redirect carries no spapi_oauth_code".into())
            })?;
        Ok(AuthorizationCode {
            code,
            selling_partner_id: self.selling_partner_id,
            mws_auth_token: self.mws_auth_token,
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Receives a consent redirect on a loopback address (`http://127.0.0.1:PORT/callback`, which
/// must be one of the app's registered redirect URIs).
#[derive(Debug)]
pub struct LoopbackReceiver {
    listener: TcpListener,
    path: String,
}

impl LoopbackReceiver {
    /// Listens on `addr` (a loopback address; port 0 picks a free one) for redirects to `path`.
    pub async fn bind(addr: SocketAddr, path: &str) -> Result<Self, Error> {
        if !addr.ip().is_loopback() {
            return Err(Error::InvalidRequest(format!(
                "the callback listener listens on loopback addresses only, not {addr}"
            )));
        }
        Ok(LoopbackReceiver {
            listener: TcpListener::bind(addr).await?,
            path: if path.starts_with('/') {
                path.to_string()
            } else {
                format!("/{path}")
            },
        })
    }

    /// The address listened on.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        Ok(self.listener.local_addr()?)
    }

    /// `http://ADDR/PATH`: the redirect URI this receiver answers.
    pub fn redirect_uri(&self) -> Result<String, Error> {
        Ok(format!("http://{}{}", self.local_addr()?, self.path))
    }

    /// Waits (at most `timeout`) for the redirect to the receiver's path, answers the browser
    /// with a short page, checks `state` and returns the code. Requests to other paths
    /// (`/favicon.ico`) get 404 and are skipped; a redirect with the wrong state is answered
    /// with an error page and refused with [`Error::StateMismatch`].
    pub async fn receive(
        &self,
        expected_state: &str,
        timeout: Duration,
    ) -> Result<AuthorizationCode, Error> {
        tokio::time::timeout(timeout, self.receive_inner(expected_state))
            .await
            .map_err(|_| {
                Error::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no consent redirect came within {timeout:?}"),
                ))
            })?
    }

    async fn receive_inner(&self, expected_state: &str) -> Result<AuthorizationCode, Error> {
        loop {
            let (mut stream, _) = self.listener.accept().await?;
            let mut buf = Vec::with_capacity(2048);
            let mut chunk = [0u8; 1024];
            // Read the request head (a browser sends a GET without a body).
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                let n = match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
                    .await
                {
                    Ok(Ok(n)) => n,
                    _ => 0,
                };
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let head = String::from_utf8_lossy(&buf);
            let target = head
                .lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .unwrap_or("")
                .to_string();
            let path = target.split('?').next().unwrap_or("");
            if path != self.path {
                let _ = respond(&mut stream, "404 Not Found", "Not found.").await;
                continue;
            }
            let result = Redirect::parse(&target).verify(expected_state);
            let page = match &result {
                Ok(_) => "Authorization received. You can close this window and return to the terminal.".to_string(),
                Err(Error::StateMismatch) => "This authorization response does not belong to the request this app made (state mismatch); it was ignored.".to_string(),
                Err(e) => format!("The authorization did not complete: {e}"),
            };
            let status = if result.is_ok() {
                "200 OK"
            } else {
                "400 Bad Request"
            };
            let _ = respond(&mut stream, status, &page).await;
            return result;
        }
    }
}

async fn respond(
    stream: &mut tokio::net::TcpStream,
    status: &str,
    text: &str,
) -> std::io::Result<()> {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>spapi</title><p>{}</p>",
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    );
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(resp.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_url_and_state() {
        let a = ConsentRequest::new(
            "http://127.0.0.1:1/",
            "amzn1.sellerapps.app.x",
            Some("http://127.0.0.1:2/cb"),
            true,
        );
        let b = ConsentRequest::new("http://127.0.0.1:1", "amzn1.sellerapps.app.x", None, false);
        assert_ne!(a.state, b.state);
        assert_eq!(a.state.len(), 64);
        assert!(a.url.starts_with(
            "http://127.0.0.1:1/apps/authorize/consent?application_id=amzn1.sellerapps.app.x&state="
        ));
        assert!(
            a.url
                .ends_with("&redirect_uri=http%3A%2F%2F127.0.0.1%3A2%2Fcb&version=beta"),
            "{}",
            a.url
        );
    }

    #[test]
    fn redirects_are_verified() {
        let r = Redirect::parse(
            "https://app/cb?state=abc&selling_partner_id=A1&spapi_oauth_code=ANxyz",
        );
        assert_eq!(r.clone().verify("abc").unwrap().code, "ANxyz");
        assert!(matches!(r.clone().verify("abd"), Err(Error::StateMismatch)));
        assert!(matches!(r.verify(""), Err(Error::StateMismatch)));
        let denied = Redirect::parse("state=abc&error=access_denied");
        assert!(matches!(denied.verify("abc"), Err(Error::ConsentDenied(_))));
        // A forged redirect without state is refused before anything else.
        assert!(matches!(
            Redirect::parse("spapi_oauth_code=x").verify("abc"),
            Err(Error::StateMismatch)
        ));
    }
}
