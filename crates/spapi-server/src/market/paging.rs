//! The one page-token codec: every paged operation carries its search and position in an
//! opaque token of this shape.
//!
//! Amazon's tokens are standard base64 (with `+`, `/` and `=`), so an app that forgets to
//! URL-encode them breaks at Amazon; spapi's break the same way. The token is a three-byte
//! header, a version byte, the JSON of the page state, and four bytes of its SHA-256, so a
//! truncated or mangled token is refused with Amazon's message instead of being misread.
//!
//! Deliberate difference: Amazon's tokens carry `+` and `/` only now and then (they are random
//! bytes), so an app that forgets to URL-encode fails there one page in many. The header of
//! spapi's tokens encodes as `+/+/`, so such an app fails here on its first page, every time.

use crate::error::{Error, Result};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// Amazon's answer to a token it cannot read.
pub const UNDECODABLE: &str = "We could not decode your NextToken. Possible reasons include: a transmission error, improper quoting or a truncation problem.";

/// Encodes as `+/+/` in base64 (6-bit groups 62, 63, 62, 63).
const HEADER: [u8; 3] = [0xFB, 0xFF, 0xBF];
const VERSION: u8 = 1;
/// Tokens longer than this are not spapi's (and are not decoded).
const MAX_TOKEN_LEN: usize = 8192;

/// The token of a page state.
pub fn encode_token<T: Serialize>(state: &T) -> String {
    let json = serde_json::to_vec(state).unwrap_or_default();
    let mut raw = Vec::with_capacity(json.len() + 8);
    raw.extend_from_slice(&HEADER);
    raw.push(VERSION);
    raw.extend_from_slice(&json);
    raw.extend_from_slice(&Sha256::digest(&json)[..4]);
    STANDARD.encode(raw)
}

/// The page state of a token; 400 `InvalidInput` with Amazon's message (in `message`, as
/// Amazon answers it) when it is not a token spapi made for this kind of page.
pub fn decode_token<T: DeserializeOwned>(token: &str) -> Result<T> {
    let bad = || Error::invalid_input(UNDECODABLE);
    if token.len() > MAX_TOKEN_LEN {
        return Err(bad());
    }
    let raw = STANDARD.decode(token.trim()).map_err(|_| bad())?;
    if raw.len() < 8 || raw[..3] != HEADER || raw[3] != VERSION {
        return Err(bad());
    }
    let (json, sum) = raw[4..].split_at(raw.len() - 8);
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
        assert!(t.len().is_multiple_of(4));
        assert!(t.starts_with("+/+/"), "{t}");
        assert_eq!(decode_token::<Page>(&t).unwrap(), p);
        // Truncated, mangled (a `+` turned into a space by a missing URL-encoding), foreign.
        let spaced = t.replace(['+', '/'], " ");
        for bad in [&t[..t.len() - 4], "abc", "", "not base64!", &spaced] {
            if bad == t {
                continue;
            }
            let e = decode_token::<Page>(bad).unwrap_err();
            assert!(
                matches!(&e, Error::Invalid(message) if message == UNDECODABLE),
                "{bad:?}: {e:?}"
            );
        }
    }
}
