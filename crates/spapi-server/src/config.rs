//! Settings every layer may read: where spapi listens unless told otherwise.

/// The port `spapi serve` listens on by default.
pub const DEFAULT_PORT: u16 = 8910;

/// The public base URL of a server on the default port (`http://127.0.0.1:8910`): what links
/// point at before the listener is bound.
pub fn default_public_base() -> String {
    format!("http://127.0.0.1:{DEFAULT_PORT}")
}
