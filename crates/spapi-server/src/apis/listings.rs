//! Listings Items 2021-08-01.

use crate::clock::Clock;
use crate::generated::listings_items_2021_08_01::ListingsItems20210801Api;
use crate::http::{ApiError, RequestContext};
use crate::market::catalog;
use crate::market::listings::{self, Change, Outcome, Submission};
use crate::store::{CatalogItemRow, ListingQuery, Store};
use serde_json::{Value, json};
use spapi_model::listings_items_2021_08_01 as m;

/// Listings Items over the world's store.
pub struct Listings {
    store: Store,
    clock: Clock,
    /// `http://host:port` that image links start with.
    public_base: String,
}

impl Listings {
    /// Listings of the world in `store`.
    pub fn new(store: Store, clock: Clock) -> Self {
        Listings {
            store,
            clock,
            public_base: crate::config::default_public_base(),
        }
    }

    /// The same, for a server reachable at `public_base` (image links start with it).
    pub fn with_public_base(mut self, public_base: &str) -> Self {
        self.public_base = public_base.to_string();
        self
    }

    /// The catalog item of an ASIN with its image links as clients see them.
    async fn catalog_item(&self, asin: &str) -> Result<Option<CatalogItemRow>, ApiError> {
        Ok(self
            .store
            .get_catalog_item(asin)
            .await
            .map_err(ApiError::internal)?
            .map(|i| catalog::with_resolved_images(&i, &self.public_base)))
    }
}

/// The caller must act for the seller in the path.
pub(crate) fn check_seller(ctx: &RequestContext, seller_id: &str) -> Result<(), ApiError> {
    match ctx.caller.selling_partner_id.as_deref() {
        Some(s) if s == seller_id => Ok(()),
        // Another seller's id in the path: Amazon refuses the call.
        _ => Err(ApiError::unauthorized()),
    }
}

/// The one marketplace of a Listings call; it must be one of the seller's.
pub(crate) fn one_marketplace(ctx: &RequestContext, ids: &[String]) -> Result<String, ApiError> {
    match ids {
        [one] if ctx.caller.marketplace_ids.contains(one) => Ok(one.clone()),
        [one] => Err(ApiError::invalid_parameter(
            "marketplaceIds",
            format!("The seller does not participate in marketplace '{one}'."),
        )),
        _ => Err(ApiError::invalid_parameter(
            "marketplaceIds",
            "exactly one marketplace id is supported",
        )),
    }
}

fn to_model<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(ApiError::internal)
}

fn preview(mode: Option<&str>) -> Result<bool, ApiError> {
    match mode {
        None => Ok(false),
        Some("VALIDATION_PREVIEW") => Ok(true),
        Some(other) => Err(ApiError::invalid_parameter(
            "mode",
            format!("'{other}' is not a valid mode"),
        )),
    }
}

fn response(
    sku: &str,
    marketplace_id: &str,
    out: &Outcome,
    included: &[String],
) -> Result<m::ListingsItemSubmissionResponse, ApiError> {
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

fn time_param(name: &str, v: &Option<String>) -> Result<Option<i64>, ApiError> {
    v.as_deref()
        .map(|s| {
            s.parse::<jiff::Timestamp>()
                .map(|t| t.as_microsecond())
                .map_err(|_| ApiError::invalid_parameter(name, format!("'{s}' is not a date-time")))
        })
        .transpose()
}

/// A page token: the offset and a fingerprint of the query it belongs to, hex-encoded (opaque
/// to clients; a token is only valid with the filters it was issued for).
pub(crate) fn token(offset: i64, fingerprint: &str) -> String {
    format!("{offset}:{fingerprint}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The offset of a page token issued for a query with `fingerprint`.
pub(crate) fn parse_token(t: &str, fingerprint: &str) -> Result<i64, ApiError> {
    let bad =
        || ApiError::invalid_parameter("pageToken", "the page token is not valid for this query");
    if !t.len().is_multiple_of(2) || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let raw: Vec<u8> = (0..t.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap_or(0))
        .collect();
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (o, f) = raw.split_once(':').ok_or_else(bad)?;
    if f != fingerprint {
        return Err(bad());
    }
    o.parse().map_err(|_| bad())
}

/// A short stable digest of a query's filters.
pub(crate) fn fingerprint(parts: &[&str]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(parts.join("\u{1f}").as_bytes());
    d.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

#[async_trait::async_trait]
impl ListingsItems20210801Api for Listings {
    fn implemented(&self) -> &'static [&'static str] {
        &[
            "getListingsItem",
            "putListingsItem",
            "patchListingsItem",
            "deleteListingsItem",
            "searchListingsItems",
        ]
    }

    async fn get_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::GetListingsItem,
    ) -> Result<m::Item, ApiError> {
        check_seller(ctx, &params.seller_id)?;
        let mp = one_marketplace(ctx, &params.marketplace_ids)?;
        let doc = self
            .store
            .get_listing_doc(&params.seller_id, &params.sku, &mp)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(ApiError::not_found)?;
        let item = if doc.row.asin.is_empty() {
            None
        } else {
            self.catalog_item(&doc.row.asin).await?
        };
        let included = if params.included_data.is_empty() {
            vec!["summaries".to_string()]
        } else {
            params.included_data
        };
        to_model(listings::item_json(&doc, item.as_ref(), &included))
    }

    async fn put_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::PutListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse, ApiError> {
        check_seller(ctx, &params.seller_id)?;
        let mp = one_marketplace(ctx, &params.marketplace_ids)?;
        let sub = Submission {
            seller_id: params.seller_id.clone(),
            sku: params.sku.clone(),
            marketplace_id: mp.clone(),
            change: Change::Put {
                product_type: params.body.product_type.clone(),
                requirements: params
                    .body
                    .requirements
                    .as_ref()
                    .map(|r| r.as_str().to_string()),
                attributes: params.body.attributes.clone(),
            },
            preview: preview(params.mode.as_deref())?,
        };
        let out = listings::submit(&self.store, &sub, self.clock.now()).await?;
        response(&params.sku, &mp, &out, &params.included_data)
    }

    async fn patch_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::PatchListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse, ApiError> {
        check_seller(ctx, &params.seller_id)?;
        let mp = one_marketplace(ctx, &params.marketplace_ids)?;
        if params.body.patches.is_empty() {
            return Err(ApiError::invalid_input("patches must not be empty."));
        }
        let patches = params
            .body
            .patches
            .iter()
            .map(|p| {
                (
                    p.op.as_str().to_string(),
                    p.path.clone(),
                    p.value
                        .as_ref()
                        .map(|v| Value::Array(v.iter().cloned().map(Value::Object).collect())),
                )
            })
            .collect();
        let sub = Submission {
            seller_id: params.seller_id.clone(),
            sku: params.sku.clone(),
            marketplace_id: mp.clone(),
            change: Change::Patch {
                product_type: params.body.product_type.clone(),
                patches,
            },
            preview: preview(params.mode.as_deref())?,
        };
        let out = listings::submit(&self.store, &sub, self.clock.now()).await?;
        response(&params.sku, &mp, &out, &params.included_data)
    }

    async fn delete_listings_item(
        &self,
        ctx: &RequestContext,
        params: m::params::DeleteListingsItem,
    ) -> Result<m::ListingsItemSubmissionResponse, ApiError> {
        check_seller(ctx, &params.seller_id)?;
        let mp = one_marketplace(ctx, &params.marketplace_ids)?;
        let sub = Submission {
            seller_id: params.seller_id.clone(),
            sku: params.sku.clone(),
            marketplace_id: mp.clone(),
            change: Change::Delete,
            preview: false,
        };
        let out = listings::submit(&self.store, &sub, self.clock.now()).await?;
        response(&params.sku, &mp, &out, &[])
    }

    async fn search_listings_items(
        &self,
        ctx: &RequestContext,
        params: m::params::SearchListingsItems,
    ) -> Result<m::ItemSearchResults, ApiError> {
        check_seller(ctx, &params.seller_id)?;
        let mp = one_marketplace(ctx, &params.marketplace_ids)?;
        let mut q = ListingQuery {
            seller_id: params.seller_id.clone(),
            marketplace_id: mp.clone(),
            ..Default::default()
        };
        if !params.identifiers.is_empty() {
            let Some(t) = params.identifiers_type.as_deref() else {
                return Err(ApiError::invalid_parameter(
                    "identifiersType",
                    "identifiersType is required with identifiers",
                ));
            };
            match t {
                "SKU" => q.skus = params.identifiers.clone(),
                "ASIN" => q.asins = params.identifiers.clone(),
                "EAN" | "UPC" | "GTIN" | "ISBN" | "JAN" => {
                    let hits = self
                        .store
                        .asins_by_identifier(t, &params.identifiers)
                        .await
                        .map_err(ApiError::internal)?;
                    q.asins = hits.into_iter().map(|(_, a)| a).collect();
                    if q.asins.is_empty() {
                        q.asins.push(String::from("\u{0}"));
                    }
                }
                other => {
                    return Err(ApiError::invalid_parameter(
                        "identifiersType",
                        format!("'{other}' is not supported"),
                    ));
                }
            }
        }
        q.created_after_us = time_param("createdAfter", &params.created_after)?;
        q.created_before_us = time_param("createdBefore", &params.created_before)?;
        q.updated_after_us = time_param("lastUpdatedAfter", &params.last_updated_after)?;
        q.updated_before_us = time_param("lastUpdatedBefore", &params.last_updated_before)?;
        q.severities = params.with_issue_severity.clone();
        q.with_status = params.with_status.clone();
        q.without_status = params.without_status.clone();
        q.sort_column = match params.sort_by.as_deref().unwrap_or("lastUpdatedDate") {
            "sku" => "sku",
            "createdDate" => "created_at",
            "lastUpdatedDate" => "updated_at",
            other => {
                return Err(ApiError::invalid_parameter(
                    "sortBy",
                    format!("'{other}' is not a valid sort"),
                ));
            }
        };
        q.descending = params.sort_order.as_deref().unwrap_or("DESC") != "ASC";
        let size = params.page_size.unwrap_or(10);
        if !(1..=20).contains(&size) {
            return Err(ApiError::invalid_parameter(
                "pageSize",
                "pageSize must be between 1 and 20",
            ));
        }
        let fp = fingerprint(&[
            &mp,
            &params.identifiers.join(","),
            params.identifiers_type.as_deref().unwrap_or(""),
            params.created_after.as_deref().unwrap_or(""),
            params.created_before.as_deref().unwrap_or(""),
            params.last_updated_after.as_deref().unwrap_or(""),
            params.last_updated_before.as_deref().unwrap_or(""),
            &params.with_issue_severity.join(","),
            &params.with_status.join(","),
            &params.without_status.join(","),
            q.sort_column,
            if q.descending { "D" } else { "A" },
            params.variation_parent_sku.as_deref().unwrap_or(""),
        ]);
        q.offset = match &params.page_token {
            Some(t) => parse_token(t, &fp)?,
            None => 0,
        };
        q.limit = size;
        let parent = params
            .variation_parent_sku
            .clone()
            .or(params.package_hierarchy_sku.clone());
        if parent.is_some() {
            // Relationship filters read the documents: take the seller's whole marketplace.
            q.offset = 0;
            q.limit = i64::MAX / 4;
        }
        let (docs, total) = self
            .store
            .search_listing_docs(&q)
            .await
            .map_err(ApiError::internal)?;
        let (docs, total) = match &parent {
            Some(p) => {
                let all: Vec<_> = docs
                    .into_iter()
                    .filter(|d| {
                        d.attributes
                            .as_ref()
                            .and_then(|a| a.pointer("/child_parent_sku_relationship/0/parent_sku"))
                            .and_then(Value::as_str)
                            == Some(p.as_str())
                    })
                    .collect();
                let n = all.len() as i64;
                let start = match &params.page_token {
                    Some(t) => parse_token(t, &fp)?,
                    None => 0,
                };
                (
                    all.into_iter()
                        .skip(start as usize)
                        .take(size as usize)
                        .collect::<Vec<_>>(),
                    n,
                )
            }
            None => (docs, total),
        };
        let offset = match &params.page_token {
            Some(t) => parse_token(t, &fp)?,
            None => 0,
        };
        let included = if params.included_data.is_empty() {
            vec!["summaries".to_string()]
        } else {
            params.included_data.clone()
        };
        let mut items = Vec::with_capacity(docs.len());
        for d in &docs {
            let item = if d.row.asin.is_empty()
                || !included
                    .iter()
                    .any(|i| i == "summaries" || i == "attributes")
            {
                None
            } else {
                self.catalog_item(&d.row.asin).await?
            };
            items.push(listings::item_json(d, item.as_ref(), &included));
        }
        let mut pagination = json!({});
        if offset + (docs.len() as i64) < total {
            pagination["nextToken"] = json!(token(offset + size, &fp));
        }
        if offset > 0 {
            pagination["previousToken"] = json!(token((offset - size).max(0), &fp));
        }
        let mut v = json!({"numberOfResults": total, "items": items});
        if pagination.as_object().is_some_and(|p| !p.is_empty()) {
            v["pagination"] = pagination;
        }
        to_model(v)
    }
}
