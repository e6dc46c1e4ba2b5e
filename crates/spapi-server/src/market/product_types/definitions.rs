//! The Product Type Definitions API's answers: product type searches, definitions, and the
//! schema documents definitions link to.

use super::{Requirements, property_groups, schema, spec, version_of};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::marketplaces::{check_known, marketplace};
use serde_json::Value;
use spapi_model::definitions_product_types_2020_09_01 as m;

/// The version every product type list names: one release covers every product type at once.
const PRODUCT_TYPE_LIST_VERSION: &str = "UAPI-2020-09-01";

/// The wire value of `requirementsEnforced`.
fn enforced_str(enforced: bool) -> &'static str {
    if enforced { "ENFORCED" } else { "NOT_ENFORCED" }
}

/// searchDefinitionsProductTypes: product types matching keywords or an item name.
pub fn search_definitions(
    p: &m::params::SearchDefinitionsProductTypes,
) -> Result<m::ProductTypeList> {
    check_known("marketplaceIds", &p.marketplace_ids)?;
    if !p.keywords.is_empty() && p.item_name.is_some() {
        return Err(Error::invalid_input(
            "Cannot use keywords and itemName together.",
        ));
    }
    Ok(m::ProductTypeList {
        product_types: super::search(&p.keywords, p.item_name.as_deref())
            .iter()
            .map(|t| m::ProductType {
                name: t.name.to_string(),
                display_name: t.display_name.to_string(),
                marketplace_ids: p.marketplace_ids.clone(),
            })
            .collect(),
        product_type_version: PRODUCT_TYPE_LIST_VERSION.to_string(),
    })
}

/// getDefinitionsProductType: the definition of a product type, whose schema link is
/// `{schema_base}/{productType}?requirements=...&requirementsEnforced=...` (the document
/// [`schema_document`] serves). A `sellerId` must be the caller's; an unknown product type
/// or version is [`Error::NotFound`].
pub fn definition(
    caller: &Caller,
    p: &m::params::GetDefinitionsProductType,
    schema_base: &str,
) -> Result<m::ProductTypeDefinition> {
    check_known("marketplaceIds", &p.marketplace_ids)?;
    if let Some(s) = &p.seller_id
        && caller.selling_partner_id.as_deref() != Some(s.as_str())
    {
        return Err(Error::forbidden());
    }
    let spec = spec(&p.product_type).ok_or_else(Error::not_found)?;
    let requirements = match p.requirements.as_deref() {
        None => Requirements::Listing,
        Some(r) => Requirements::parse(r).ok_or_else(|| {
            Error::invalid_parameter("requirements", format!("'{r}' is not valid"))
        })?,
    };
    let enforced = match p.requirements_enforced.as_deref() {
        None | Some("ENFORCED") => true,
        Some("NOT_ENFORCED") => false,
        Some(o) => {
            return Err(Error::invalid_parameter(
                "requirementsEnforced",
                format!("'{o}' is not valid"),
            ));
        }
    };
    let version = version_of(spec);
    match p.product_type_version.as_deref() {
        None | Some("LATEST") => {}
        Some(v) if v == version => {}
        Some(_) => return Err(Error::not_found()),
    }
    let locale = match p.locale.as_deref() {
        None | Some("DEFAULT") => p
            .marketplace_ids
            .first()
            .and_then(|id| marketplace(id))
            .map(|mp| mp.language)
            .unwrap_or("en_US")
            .to_string(),
        Some(l) => l.to_string(),
    };
    let doc = schema(spec, requirements, enforced);
    let link = format!(
        "{schema_base}/{}?requirements={}&requirementsEnforced={}",
        spec.name,
        requirements.as_str(),
        enforced_str(enforced)
    );
    let property_groups = serde_json::from_value(property_groups(spec)).map_err(Error::internal)?;
    // No `metaSchema` link: spapi serves no copy of Amazon's meta-schema (the documents name
    // it in `$schema` and use only standard JSON Schema keywords).
    Ok(m::ProductTypeDefinition {
        meta_schema: None,
        schema: m::SchemaLink {
            link: m::SchemaLinkLink {
                resource: link,
                verb: m::SchemaLinkLinkVerb::Get,
            },
            checksum: doc.checksum,
        },
        requirements: requirements.as_str().into(),
        requirements_enforced: enforced_str(enforced).into(),
        property_groups,
        locale,
        marketplace_ids: p.marketplace_ids.clone(),
        product_type: spec.name.to_string(),
        display_name: spec.display_name.to_string(),
        product_type_version: m::ProductTypeVersion {
            version,
            latest: true,
            release_candidate: Some(false),
        },
    })
}

/// The schema document a definition links to, from the link's query: `requirements`
/// (`LISTING` when absent or unknown) and `requirementsEnforced` (enforced unless
/// `NOT_ENFORCED`). An unknown product type is [`Error::NotFound`].
pub fn schema_document(
    product_type: &str,
    requirements: Option<&str>,
    requirements_enforced: Option<&str>,
) -> Result<Value> {
    let spec = spec(product_type).ok_or_else(Error::not_found)?;
    let requirements = requirements
        .and_then(Requirements::parse)
        .unwrap_or(Requirements::Listing);
    let enforced = requirements_enforced != Some("NOT_ENFORCED");
    Ok(schema(spec, requirements, enforced).doc)
}
