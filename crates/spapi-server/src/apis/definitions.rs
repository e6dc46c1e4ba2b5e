//! Product Type Definitions 2020-09-01, and the schema documents their links point to.

use crate::generated::definitions_product_types_2020_09_01::DefinitionsProductTypes20200901Api;
use crate::http::{ApiError, RequestContext};
use crate::market::product_types;
use axum::extract::{Path, Query};
use axum::response::IntoResponse;
use spapi_model::definitions_product_types_2020_09_01 as m;

/// The path the schema documents are served under (an spapi path: Amazon links to presigned
/// S3 URLs, which an emulator cannot serve; the document is public like those are).
pub const SCHEMA_PATH: &str = "/spapi/product-type-schemas";

/// Product type definitions.
pub struct Definitions {
    /// Where schema links start: `http://host:port` and [`SCHEMA_PATH`].
    schema_base: String,
}

impl Definitions {
    /// Definitions whose schema links start with `public_base` (`http://host:port`).
    pub fn new(public_base: String) -> Self {
        Definitions {
            schema_base: format!("{public_base}{SCHEMA_PATH}"),
        }
    }
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
        Ok(product_types::search_definitions(&params)?)
    }

    async fn get_definitions_product_type(
        &self,
        ctx: &RequestContext,
        params: m::params::GetDefinitionsProductType,
    ) -> Result<m::ProductTypeDefinition, ApiError> {
        Ok(product_types::definition(
            &ctx.caller,
            &params,
            &self.schema_base,
        )?)
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
    match product_types::schema_document(
        &product_type,
        q.requirements.as_deref(),
        q.requirements_enforced.as_deref(),
    ) {
        Ok(doc) => axum::Json(doc).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The routes of the schema documents.
pub fn routes() -> axum::Router {
    axum::Router::new().route(
        &format!("{SCHEMA_PATH}/{{product_type}}"),
        axum::routing::get(schema_document),
    )
}
