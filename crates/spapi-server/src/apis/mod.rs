//! Implementations of the generated API traits: thin, each calls into `auth` or `market`.

pub mod tokens;
