//! The Listings Items API's operations over the world: who may call them, which marketplace a
//! call addresses, and the answers (`Item`, submission responses). Searches are in `search`.

use super::{Change, Outcome, Submission, item_json, submit};
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::catalog;
use crate::store::{CatalogItemRow, Store};
use serde_json::{Value, json};
use spapi_model::listings_items_2021_08_01 as m;

/// Listings Items 2021-08-01 over the world's store.
#[derive(Clone)]
pub struct ListingsService {
    pub(super) store: Store,
    clock: Clock,
    /// `http://host:port` that image links start with.
    public_base: String,
}

/// The caller must act for the seller in the path; another seller's id is refused
/// ([`Error::Forbidden`], as Amazon answers it).
pub fn check_seller(caller: &Caller, seller_id: &str) -> Result<()> {
    match caller.selling_partner_id.as_deref() {
        Some(s) if s == seller_id => Ok(()),
        _ => Err(Error::forbidden()),
    }
}

/// The one marketplace of a Listings call; it must be one of the seller's.
pub(super) fn one_marketplace(caller: &Caller, ids: &[String]) -> Result<String> {
    match ids {
        [one] if caller.marketplace_ids.contains(one) => Ok(one.clone()),
        [one] => Err(Error::invalid_parameter(
            "marketplaceIds",
            format!("The seller does not participate in marketplace '{one}'."),
        )),
        _ => Err(Error::invalid_parameter(
            "marketplaceIds",
            "exactly one marketplace id is supported",
        )),
    }
}

/// The `includedData` groups asked for (`summaries` when none).
pub(super) fn included_or_summaries(included: &[String]) -> Vec<String> {
    if included.is_empty() {
        vec!["summaries".to_string()]
    } else {
        included.to_vec()
    }
}

pub(super) use crate::market::to_model;

/// Whether `mode` asks for a validation preview.
fn preview(mode: Option<&str>) -> Result<bool> {
    match mode {
        None => Ok(false),
        Some("VALIDATION_PREVIEW") => Ok(true),
        Some(other) => Err(Error::invalid_parameter(
            "mode",
            format!("'{other}' is not a valid mode"),
        )),
    }
}

/// The submission response of an outcome, with the `included` data (`issues` by default).
fn response(
    sku: &str,
    marketplace_id: &str,
    out: &Outcome,
    included: &[String],
) -> Result<m::ListingsItemSubmissionResponse> {
    let included: Vec<&str> = if included.is_empty() {
        vec!["issues"]
    } else {
        included.iter().map(String::as_str).collect()
    };
    let mut v = json!({
        "sku": sku,
        "status": out.status,
        "submissionId": uuid::Uuid::new_v4().simple().to_string(),
    });
    if included.contains(&"issues") {
        v["issues"] = Value::Array(
            out.issues
                .iter()
                .map(|i| {
                    let mut j = i.to_json();
                    j["marketplaceIds"] = json!([marketplace_id]);
                    j
                })
                .collect(),
        );
    }
    if included.contains(&"identifiers") {
        v["identifiers"] = match &out.asin {
            Some(a) => json!([{"marketplaceId": marketplace_id, "asin": a}]),
            None => json!([]),
        };
    }
    to_model(v)
}

impl ListingsService {
    /// Listings of the world in `store` on `clock`, for a server reachable at `public_base`
    /// (`http://host:port`: image links start with it).
    pub fn new(store: Store, clock: Clock, public_base: String) -> Self {
        ListingsService {
            store,
            clock,
            public_base,
        }
    }

    /// The catalog item of an ASIN with its image links as clients see them.
    pub(super) async fn catalog_item(&self, asin: &str) -> Result<Option<CatalogItemRow>> {
        Ok(self
            .store
            .get_catalog_item(asin)
            .await?
            .map(|i| catalog::with_resolved_images(&i, &self.public_base)))
    }

    /// getListingsItem. A SKU the seller does not list in the marketplace is
    /// [`Error::NotFound`].
    pub async fn get(&self, caller: &Caller, p: &m::params::GetListingsItem) -> Result<m::Item> {
        check_seller(caller, &p.seller_id)?;
        let mp = one_marketplace(caller, &p.marketplace_ids)?;
        let doc = self
            .store
            .get_listing_doc(&p.seller_id, &p.sku, &mp)
            .await?
            .ok_or_else(Error::not_found)?;
        let item = if doc.row.asin.is_empty() {
            None
        } else {
            self.catalog_item(&doc.row.asin).await?
        };
        let included = included_or_summaries(&p.included_data);
        to_model(item_json(&doc, item.as_ref(), &included))
    }

    /// putListingsItem: creates or replaces the listing (or previews it).
    pub async fn put(
        &self,
        caller: &Caller,
        p: &m::params::PutListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse> {
        check_seller(caller, &p.seller_id)?;
        let mp = one_marketplace(caller, &p.marketplace_ids)?;
        let sub = Submission {
            seller_id: p.seller_id.clone(),
            sku: p.sku.clone(),
            marketplace_id: mp.clone(),
            change: Change::Put {
                product_type: p.body.product_type.clone(),
                requirements: p.body.requirements.as_ref().map(|r| r.as_str().to_string()),
                attributes: p.body.attributes.clone(),
            },
            preview: preview(p.mode.as_deref())?,
        };
        let out = submit(&self.store, &sub, self.clock.now()).await?;
        response(&p.sku, &mp, &out, &p.included_data)
    }

    /// patchListingsItem: changes attributes of an existing listing (or previews it).
    pub async fn patch(
        &self,
        caller: &Caller,
        p: &m::params::PatchListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse> {
        check_seller(caller, &p.seller_id)?;
        let mp = one_marketplace(caller, &p.marketplace_ids)?;
        if p.body.patches.is_empty() {
            return Err(Error::invalid_input("patches must not be empty."));
        }
        let patches = p
            .body
            .patches
            .iter()
            .map(|op| {
                (
                    op.op.as_str().to_string(),
                    op.path.clone(),
                    op.value
                        .as_ref()
                        .map(|v| Value::Array(v.iter().cloned().map(Value::Object).collect())),
                )
            })
            .collect();
        let sub = Submission {
            seller_id: p.seller_id.clone(),
            sku: p.sku.clone(),
            marketplace_id: mp.clone(),
            change: Change::Patch {
                product_type: p.body.product_type.clone(),
                patches,
            },
            preview: preview(p.mode.as_deref())?,
        };
        let out = submit(&self.store, &sub, self.clock.now()).await?;
        response(&p.sku, &mp, &out, &p.included_data)
    }

    /// deleteListingsItem.
    pub async fn delete(
        &self,
        caller: &Caller,
        p: &m::params::DeleteListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse> {
        check_seller(caller, &p.seller_id)?;
        let mp = one_marketplace(caller, &p.marketplace_ids)?;
        let sub = Submission {
            seller_id: p.seller_id.clone(),
            sku: p.sku.clone(),
            marketplace_id: mp.clone(),
            change: Change::Delete,
            preview: false,
        };
        let out = submit(&self.store, &sub, self.clock.now()).await?;
        response(&p.sku, &mp, &out, &[])
    }
}
