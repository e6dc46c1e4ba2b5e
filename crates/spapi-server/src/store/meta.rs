//! `meta`: world settings and schema information as key/value text.

use super::{Conn, SCHEMA_META_PREFIX, Store, StoreError, StoreTx, on_conn};

impl Store {
    /// The value stored under `key`, if any.
    pub async fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        get(self.acquire().await?.conn(), key).await
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        set(self.acquire().await?.conn(), key, value).await
    }
}

impl StoreTx {
    /// The value stored under `key`, as seen by this transaction.
    pub async fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        get(self.conn(), key).await
    }

    /// Stores `value` under `key` in this transaction, replacing any previous value.
    pub async fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        set(self.conn(), key, value).await
    }
}

async fn get(conn: Conn<'_>, key: &str) -> Result<Option<String>, StoreError> {
    Ok(on_conn!(conn, |c| {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(c)
            .await?
    }))
}

async fn set(conn: Conn<'_>, key: &str, value: &str) -> Result<(), StoreError> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Deletes every key that is not schema information (see [`SCHEMA_META_PREFIX`]).
pub(super) async fn delete_world_keys(conn: Conn<'_>) -> Result<(), StoreError> {
    // substr rather than LIKE: LIKE is case-insensitive on SQLite and case-sensitive on
    // PostgreSQL, substr compares exactly on both.
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM meta WHERE substr(key, 1, $1) <> $2")
            .bind(SCHEMA_META_PREFIX.len() as i32)
            .bind(SCHEMA_META_PREFIX)
            .execute(c)
            .await?;
    });
    Ok(())
}
