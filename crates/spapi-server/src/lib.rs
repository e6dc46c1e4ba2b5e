//! The spapi emulator as a library: HTTP binding, auth, the seller world and its store.

pub mod store;
