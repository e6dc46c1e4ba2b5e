//! Implementations of the generated API traits: thin, each calls into `auth` or `market`.

pub mod notifications;
pub mod orders;
pub mod sales;
pub mod sellers;
pub mod tokens;
