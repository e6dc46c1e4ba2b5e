//! Product Type Definitions 2020-09-01, and the schema documents their links point to.

use crate::generated::definitions_product_types_2020_09_01::DefinitionsProductTypes20200901Api;
use crate::http::{ApiError, RequestContext};
use crate::market::marketplaces::marketplace;
use crate::market::product_types::{self, Requirements};
use axum::extract::{Path, Query};
use axum::response::IntoResponse;
use serde_json::json;
use spapi_model::definitions_product_types_2020_09_01 as m;

/// The path the schema documents are served under (an spapi path: Amazon links to presigned
/// S3 URLs, which an emulator cannot serve; the document is public like those are).
pub const SCHEMA_PATH: &str = "/spapi/product-type-schemas";

/// Product type definitions.
pub struct Definitions {
    public_base: String,
}

impl Definitions {
    /// Definitions whose schema links start with `public_base` (`http://host:port`).
    pub fn new(public_base: String) -> Self {
        Definitions { public_base }
    }
}

fn to_model<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(ApiError::internal)
}

fn check_marketplaces(ids: &[String]) -> Result<(), ApiError> {
    for id in ids {
        if marketplace(id).is_none() {
            return Err(ApiError::invalid_parameter(
                "marketplaceIds",
                format!("'{id}' is not a valid marketplace id"),
            ));
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl DefinitionsProductTypes20200901Api for Definitions {
    fn implemented(&self) -> &'static [&'static str] {
        &["searchDefinitionsProductTypes", "getDefinitionsProductType"]
    }

    async fn search_definitions_product_types(
        &self,
        _ctx: &RequestContext,
        params: m::params::SearchDefinitionsProductTypes,
    ) -> Result<m::ProductTypeList, ApiError> {
        check_marketplaces(&params.marketplace_ids)?;
        if !params.keywords.is_empty() && params.item_name.is_some() {
            return Err(ApiError::invalid_input(
                "Cannot use keywords and itemName together.",
            ));
        }
        let found = product_types::search(&params.keywords, params.item_name.as_deref());
        let list: Vec<_> = found
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "displayName": p.display_name,
                    "marketplaceIds": params.marketplace_ids,
                })
            })
            .collect();
        to_model(json!({
            "productTypes": list,
            // One release covers every product type at once.
            "productTypeVersion": "UAPI-2020-09-01",
        }))
    }

    async fn get_definitions_product_type(
        &self,
        ctx: &RequestContext,
        params: m::params::GetDefinitionsProductType,
    ) -> Result<m::ProductTypeDefinition, ApiError> {
        check_marketplaces(&params.marketplace_ids)?;
        if let Some(s) = &params.seller_id
            && ctx.caller.selling_partner_id.as_deref() != Some(s.as_str())
        {
            return Err(ApiError::unauthorized());
        }
        let spec = product_types::spec(&params.product_type).ok_or_else(ApiError::not_found)?;
        let requirements = match params.requirements.as_deref() {
            None => Requirements::Listing,
            Some(r) => Requirements::parse(r).ok_or_else(|| {
                ApiError::invalid_parameter("requirements", format!("'{r}' is not valid"))
            })?,
        };
        let enforced = match params.requirements_enforced.as_deref() {
            None | Some("ENFORCED") => true,
            Some("NOT_ENFORCED") => false,
            Some(o) => {
                return Err(ApiError::invalid_parameter(
                    "requirementsEnforced",
                    format!("'{o}' is not valid"),
                ));
            }
        };
        let version = product_types::version_of(spec);
        match params.product_type_version.as_deref() {
            None | Some("LATEST") => {}
            Some(v) if v == version => {}
            Some(_) => return Err(ApiError::not_found()),
        }
        let locale = match params.locale.as_deref() {
            None | Some("DEFAULT") => params
                .marketplace_ids
                .first()
                .and_then(|m| marketplace(m))
                .map(|m| m.language)
                .unwrap_or("en_US")
                .to_string(),
            Some(l) => l.to_string(),
        };
        let doc = product_types::schema(spec, requirements, enforced);
        let link = format!(
            "{}{SCHEMA_PATH}/{}?requirements={}&requirementsEnforced={}",
            self.public_base,
            spec.name,
            requirements.as_str(),
            if enforced { "ENFORCED" } else { "NOT_ENFORCED" }
        );
        // No `metaSchema` link: spapi serves no copy of Amazon's meta-schema (the documents
        // name it in `$schema` and use only standard JSON Schema keywords).
        to_model(json!({
            "schema": {"link": {"resource": link, "verb": "GET"}, "checksum": doc.checksum},
            "requirements": requirements.as_str(),
            "requirementsEnforced": if enforced { "ENFORCED" } else { "NOT_ENFORCED" },
            "propertyGroups": product_types::property_groups(spec),
            "locale": locale,
            "marketplaceIds": params.marketplace_ids,
            "productType": spec.name,
            "displayName": spec.display_name,
            "productTypeVersion": {"version": version, "latest": true, "releaseCandidate": false},
        }))
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SchemaQuery {
    requirements: Option<String>,
    requirements_enforced: Option<String>,
}

/// `GET {SCHEMA_PATH}/{productType}`: the schema document a definition links to.
async fn schema_document(
    Path(product_type): Path<String>,
    Query(q): Query<SchemaQuery>,
) -> axum::response::Response {
    let Some(spec) = product_types::spec(&product_type) else {
        return ApiError::not_found().into_response();
    };
    let req = q
        .requirements
        .as_deref()
        .and_then(Requirements::parse)
        .unwrap_or(Requirements::Listing);
    let enforced = q.requirements_enforced.as_deref() != Some("NOT_ENFORCED");
    axum::Json(product_types::schema(spec, req, enforced).doc).into_response()
}

/// The routes of the schema documents.
pub fn routes() -> axum::Router {
    axum::Router::new().route(
        &format!("{SCHEMA_PATH}/{{product_type}}"),
        axum::routing::get(schema_document),
    )
}
