//! The seller world: rules that every API applies the same way. No HTTP here.

pub mod buyers;
pub mod catalog;
pub mod feeds;
pub mod listings;
pub mod marketplaces;
pub mod money;
pub mod offers;
pub mod orders;
pub mod personal_data;
pub mod product_types;
pub mod reports;
pub mod restrictions;
pub mod sales;
