//! The seller world: rules that every API applies the same way. No HTTP here.

pub mod buyers;
pub mod feeds;
pub mod marketplaces;
pub mod money;
pub mod orders;
pub mod personal_data;
pub mod reports;
pub mod sales;
