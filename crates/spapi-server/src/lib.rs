//! The spapi emulator as a library: the SP-API surface generated from Amazon's models, its
//! HTTP binding, and the store of the seller world.

pub mod apis;
pub mod auth;
pub mod clock;
pub mod config;
pub mod coverage;
pub mod demo;
pub mod error;
pub mod fleet;
pub mod generated;
pub mod http;
pub mod jobs;
pub mod market;
pub mod notify;
pub mod sandbox;
pub mod server;
pub mod store;
pub mod time;

pub use config::DEFAULT_PORT;
pub use server::{Server, ServerConfig};
