//! Implementations of the generated API traits: thin, each calls into `auth` or `market`.

pub mod catalog_items;
pub mod catalog_v0;
pub mod definitions;
pub mod fba_inventory;
pub mod feeds;
pub mod finances_2024;
pub mod finances_v0;
pub mod invoices;
pub mod listings;
pub mod mcf;
pub mod notifications;
pub mod orders;
pub mod pricing_2022;
pub mod pricing_v0;
pub mod product_fees;
pub mod reports;
pub mod restrictions;
pub mod sales;
pub mod sellers;
pub mod shipment_invoicing;
pub mod supply_sources;
pub mod tokens;
pub mod uploads;
