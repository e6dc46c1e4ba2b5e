//! The one query layer: a borrowed connection on either backend and the macro that runs a query
//! body on it.
//!
//! Every query is written once, with `$1, $2` placeholders (accepted by both SQLite and
//! PostgreSQL), as the body of [`on_conn!`]. The macro expands that body once per backend, so the
//! SQL text and the list of binds exist a single time in the source while each expansion is
//! type-checked against its native driver (`SqliteConnection` or `PgConnection`). Rows are decoded
//! into tuples, which implement `FromRow` for both drivers, and then into the public structs.

use sqlx::{PgConnection, SqliteConnection};

use super::Backend;

/// A connection of either backend, borrowed from a pool connection or from a transaction.
///
/// Functions that run queries take a `Conn` so that the same function serves autocommit calls on
/// a [`Store`](super::Store) and calls inside a [`StoreTx`](super::StoreTx).
pub(crate) enum Conn<'c> {
    /// A SQLite connection.
    Sqlite(&'c mut SqliteConnection),
    /// A PostgreSQL connection.
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    /// The backend this connection belongs to.
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// A shorter-lived `Conn` on the same connection, to run several queries in sequence.
    pub(crate) fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Conn::Sqlite(c) => Conn::Sqlite(c),
            Conn::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// Runs `$body` with `$c` bound to the native connection (`&mut SqliteConnection` or
/// `&mut PgConnection`) of the [`Conn`] `$conn`.
///
/// ```ignore
/// let value: Option<String> = on_conn!(conn, |c| {
///     sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
///         .bind(key)
///         .fetch_optional(c)
///         .await?
/// });
/// ```
///
/// Use `&mut *c` to run several statements on the same connection.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite($c) => $body,
            $crate::store::Conn::Postgres($c) => $body,
        }
    };
}

pub(crate) use on_conn;
