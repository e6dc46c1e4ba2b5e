//! The store's error type.

/// Everything a store operation can fail with.
///
/// Domain code maps [`StoreError::NotFound`] and [`StoreError::Conflict`] to the SP-API errors of
/// the operation at hand; the other variants are internal errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The addressed row does not exist, e.g. `"job 42"`.
    #[error("{0} not found")]
    NotFound(String),
    /// The write contradicts the current state: a uniqueness violation reported by the database,
    /// or a state transition that is not allowed (completing a job that is not running).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value cannot be decoded (invalid JSON document, unknown job state).
    #[error("corrupt data in the store: {0}")]
    Corrupt(String),
    /// The store configuration cannot be used (unparseable URL, unusable path).
    #[error("invalid store configuration: {0}")]
    Config(String),
    /// Creating the directory of a SQLite file failed.
    #[error("cannot prepare the store directory: {0}")]
    Io(#[from] std::io::Error),
    /// Applying the schema migrations failed.
    #[error("store migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error (connection, I/O, SQL).
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// Unique-constraint violations become [`StoreError::Conflict`] (both backends report them
    /// through the same `is_unique_violation` classification); everything else stays a
    /// [`StoreError::Database`].
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Database(err),
        }
    }
}
