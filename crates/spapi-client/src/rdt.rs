//! Restricted Data Tokens: the token a call of a restricted operation (buyer names, addresses,
//! tax data) carries instead of the access token to see the personal data.
//!
//! An RDT comes from `POST /tokens/2021-03-01/restrictedDataToken` for a list of resources
//! (method, concrete path, data elements) and works only for those. The cache keeps one per list
//! of resources until shortly before it expires (3600 s).

use crate::token::AccessToken;
use serde::{Deserialize, Serialize};
use spapi_model::Operation;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// How long before expiry a cached RDT is no longer used.
const RDT_MARGIN: Duration = Duration::from_secs(60);

/// One resource a Restricted Data Token covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RestrictedResource {
    /// `GET`, `POST`...
    pub method: String,
    /// The concrete path (`/orders/v0/orders/902-3159896-1390916`) or the operation's
    /// template (`/orders/v0/orders/{orderId}`) for a token that covers every order.
    pub path: String,
    /// `buyerInfo`, `shippingAddress`, `buyerTaxInformation`, for the operations that take them.
    #[serde(
        rename = "dataElements",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub data_elements: Vec<String>,
}

/// The operations that take `dataElements` in their RDT resource. Orders' other restricted
/// operations (getOrderAddress, getOrderBuyerInfo, ...) and those of other APIs name no
/// elements: their whole response is the restricted data.
const TAKES_DATA_ELEMENTS: &[(&str, &str)] = &[
    ("orders_v0", "getOrders"),
    ("orders_v0", "getOrder"),
    ("orders_v0", "getOrderItems"),
];

/// Whether `op`'s RDT resource names data elements.
pub fn takes_data_elements(op: &Operation) -> bool {
    TAKES_DATA_ELEMENTS
        .iter()
        .any(|(a, o)| *a == op.api && *o == op.operation_id)
}

/// The resource a call of `op` at `path` needs, asking for `data_elements` where the
/// operation takes them.
pub fn resource_for(op: &Operation, path: &str, data_elements: &[String]) -> RestrictedResource {
    RestrictedResource {
        method: op.method.as_str().to_string(),
        path: path.to_string(),
        data_elements: if takes_data_elements(op) {
            data_elements.to_vec()
        } else {
            Vec::new()
        },
    }
}

/// Cached RDTs by the resources they cover.
#[derive(Debug, Default)]
pub(crate) struct RdtCache {
    tokens: Mutex<HashMap<Vec<RestrictedResource>, AccessToken>>,
}

impl RdtCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<RestrictedResource>, AccessToken>> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Canonical key: sorted resources with sorted elements.
    pub fn key(resources: &[RestrictedResource]) -> Vec<RestrictedResource> {
        let mut k: Vec<RestrictedResource> = resources
            .iter()
            .cloned()
            .map(|mut r| {
                r.data_elements.sort();
                r.data_elements.dedup();
                r
            })
            .collect();
        k.sort();
        k.dedup();
        k
    }

    pub fn get(&self, key: &[RestrictedResource]) -> Option<String> {
        let now = Instant::now();
        let mut tokens = self.lock();
        tokens.retain(|_, t| t.is_fresh_at(now, RDT_MARGIN));
        tokens.get(key).map(|t| t.token.clone())
    }

    pub fn put(&self, key: Vec<RestrictedResource>, token: AccessToken) {
        self.lock().insert(key, token);
    }

    /// Forgets `token` (the server refused it).
    pub fn forget(&self, token: &str) {
        self.lock().retain(|_, t| t.token != token);
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }
}
