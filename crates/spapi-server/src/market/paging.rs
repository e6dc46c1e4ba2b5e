//! The one page-token codec: every paged operation carries its search and position in an
//! opaque token of this shape.
//!
//! Amazon's tokens are standard base64 (with `+`, `/` and `=`), so an app that forgets to
//! URL-encode them breaks at Amazon; spapi's break the same way. The token is a version byte,
//! the JSON of the page state, and four bytes of its SHA-256, so a truncated or mangled token
//! is refused with Amazon's message instead of being misread.

use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// Amazon's answer to a token it cannot read.
pub const UNDECODABLE: &str = "We could not decode your NextToken. Possible reasons include: a transmission error, improper quoting or a truncation problem.";

const VERSION: u8 = 1;
/// Tokens longer than this are not spapi's (and are not decoded).
const MAX_TOKEN_LEN: usize = 8192;

/// The token of a page state.
pub fn encode_token<T: Serialize>(state: &T) -> String {
    let json = serde_json::to_vec(state).unwrap_or_default();
    let mut raw = Vec::with_capacity(json.len() + 5);
    raw.push(VERSION);
    raw.extend_from_slice(&json);
    raw.extend_from_slice(&Sha256::digest(&json)[..4]);
    STANDARD.encode(raw)
}

/// The page state of a token that parameter `field` carried; 400 `InvalidInput` with Amazon's
/// message when it is not a token spapi made for this kind of page.
pub fn decode_token<T: DeserializeOwned>(token: &str, field: &str) -> Result<T> {
    let bad = || Error::invalid_parameter(field, UNDECODABLE);
    if token.len() > MAX_TOKEN_LEN {
        return Err(bad());
    }
    let raw = STANDARD.decode(token.trim()).map_err(|_| bad())?;
    if raw.len() < 5 || raw[0] != VERSION {
        return Err(bad());
    }
    let (json, sum) = raw[1..].split_at(raw.len() - 5);
    if Sha256::digest(json)[..4] != *sum {
        return Err(bad());
    }
    serde_json::from_slice(json).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Page {
        after: (i64, i64),
        filter: Vec<String>,
    }

    #[test]
    fn round_trips_and_refuses_damage() {
        let p = Page {
            after: (1_700_000_000_000_000, 42),
            filter: vec!["ATVPDKIKX0DER".into(), "Unshipped".into()],
        };
        let t = encode_token(&p);
        assert!(t.ends_with('=') || t.len().is_multiple_of(4));
        assert_eq!(decode_token::<Page>(&t, "NextToken").unwrap(), p);
        // Truncated, mangled (a `+` turned into a space by a missing URL-encoding), foreign.
        let spaced = t.replace(['+', '/'], " ");
        for bad in [&t[..t.len() - 4], "abc", "", "not base64!", &spaced] {
            if bad == t {
                continue;
            }
            let e = decode_token::<Page>(bad, "NextToken").unwrap_err();
            assert!(
                matches!(&e, Error::InvalidParameter { field, details } if field == "NextToken" && details == UNDECODABLE),
                "{bad:?}: {e:?}"
            );
        }
    }
}
