//! The seller world: rules that every API applies the same way. No HTTP here.

pub mod awd;
pub mod buyers;
pub mod carriers;
pub mod catalog;
pub mod documents;
pub mod fba;
pub mod feeds;
pub mod fees;
pub mod finances;
pub mod images;
pub mod inbound;
pub mod invoices;
pub mod labels;
pub mod listings;
pub mod marketplaces;
pub mod mcf;
pub mod money;
pub mod notifications;
pub mod offers;
pub mod orders;
pub mod paging;
pub mod pdf;
pub mod pricing;
pub mod product_types;
pub mod reports;
pub mod restrictions;
pub mod sales;
pub mod sellers;
pub mod services;
pub mod shipping;
pub mod supply;
pub mod uploads;
pub mod world;

/// A document the world rendered as JSON, as the model type it was rendered for (a mismatch is
/// spapi's bug: an internal error, never the caller's).
pub(crate) fn to_model<T: serde::de::DeserializeOwned>(
    v: serde_json::Value,
) -> crate::error::Result<T> {
    serde_json::from_value(v).map_err(crate::error::Error::internal)
}

/// `n` upper-case alphanumerics derived from `label` (SHA-256): the stable tails of the ids
/// Amazon makes up (FNSKUs, listing ids).
pub(crate) fn alnum_tail(label: &str, n: usize) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(label.as_bytes())
        .iter()
        .take(n.min(32))
        .map(|b| {
            let c = b % 36;
            if c < 10 {
                (b'0' + c) as char
            } else {
                (b'A' + c - 10) as char
            }
        })
        .collect()
}
