//! Product types: the attribute schemas listings are validated against, in the style of
//! Amazon's product type definitions (a JSON schema per product type whose properties are the
//! listing attributes, each an array of objects with a `value` and optional `marketplace_id` /
//! `language_tag`).
//!
//! The schemas are written by spapi from the attribute names and rules Amazon documents (not
//! copied from Amazon's documents): a set of common attributes (identity, offer, package), plus
//! a few attributes per product type. The same document that `getDefinitionsProductType` links
//! to is the one [`validate()`] enforces, so a client that validates locally against the served
//! schema agrees with the emulator.
//!
//! The module is split by concern: `table` holds the product types and their attributes (the
//! data), `schema` writes the JSON Schema documents from it (as definitions serve them),
//! `validate` interprets such a document against a submission, and `definitions` answers the
//! Product Type Definitions API.

mod definitions;
mod schema;
mod table;
mod validate;

pub use definitions::{definition, schema_document, search_definitions};
pub use schema::{SchemaDoc, property_groups, schema, version_of};
pub use table::{
    PRODUCT_TYPES, ProductTypeSpec, example_attributes, is_offer_attribute, search, spec,
};
pub use validate::{INCOMPLETE, INVALID, Issue, MISSING, validate};

/// Which attributes a submission must carry (`requirements` of a put and of a definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirements {
    /// Product facts and sales terms.
    Listing,
    /// Product facts only.
    ListingProductOnly,
    /// Sales terms only (the product exists in the catalog).
    ListingOfferOnly,
}

impl Requirements {
    /// From the wire value.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "LISTING" => Some(Self::Listing),
            "LISTING_PRODUCT_ONLY" => Some(Self::ListingProductOnly),
            "LISTING_OFFER_ONLY" => Some(Self::ListingOfferOnly),
            _ => None,
        }
    }

    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Listing => "LISTING",
            Self::ListingProductOnly => "LISTING_PRODUCT_ONLY",
            Self::ListingOfferOnly => "LISTING_OFFER_ONLY",
        }
    }
}
