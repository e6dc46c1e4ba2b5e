//! Implementations of the generated API traits: thin, each calls into `auth` or `market`.

pub mod feeds;
pub mod notifications;
pub mod orders;
pub mod reports;
pub mod sales;
pub mod sellers;
pub mod tokens;
pub mod uploads;
