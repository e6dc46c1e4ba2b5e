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

    /// Deletes `key`.
    pub async fn delete_meta(&self, key: &str) -> Result<(), StoreError> {
        on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query("DELETE FROM meta WHERE key = $1")
                .bind(key)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Every key starting with `prefix`, with its value.
    pub async fn meta_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        // substr rather than LIKE: LIKE is case-insensitive on SQLite.
        Ok(on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as("SELECT key, value FROM meta WHERE substr(key, 1, $1) = $2")
                .bind(prefix.len() as i32)
                .bind(prefix)
                .fetch_all(c)
                .await?
        }))
    }

    /// The version of the world's shared settings (the clock, usage plans): bumped by every
    /// change of them ([`StoreTx::bump_settings_version`]); 0 before the first.
    pub async fn settings_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .get_meta(SETTINGS_VERSION_KEY)
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

/// The `meta` key of the shared settings' version.
pub const SETTINGS_VERSION_KEY: &str = "fleet.settings_version";

impl StoreTx {
    /// The value stored under `key`, as seen by this transaction.
    pub async fn get_meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        get(self.conn(), key).await
    }

    /// Stores `value` under `key` in this transaction, replacing any previous value.
    pub async fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        set(self.conn(), key, value).await
    }

    /// Bumps the version of the world's shared settings in this transaction (with the change
    /// that causes it); the new version.
    pub async fn bump_settings_version(&mut self) -> Result<i64, StoreError> {
        let v: i64 = self
            .lock_meta(SETTINGS_VERSION_KEY, "0")
            .await?
            .parse()
            .unwrap_or(0)
            + 1;
        self.set_meta(SETTINGS_VERSION_KEY, &v.to_string()).await?;
        Ok(v)
    }

    /// The value under `key`, locked until this transaction ends, so that a read-modify-write
    /// of it is serialized with every other instance's; `initial` is stored first when the key
    /// has no value (and returned).
    pub async fn lock_meta(&mut self, key: &str, initial: &str) -> Result<String, StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(initial)
            .execute(&mut *c)
            .await?;
        });
        // Backend difference: PostgreSQL locks the row; SQLite's transactions start with
        // `BEGIN IMMEDIATE` (see `Store::begin`), which already excludes every other writer.
        Ok(match self.conn() {
            Conn::Sqlite(c) => {
                sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_one(c)
                    .await?
            }
            Conn::Postgres(c) => {
                sqlx::query_scalar("SELECT value FROM meta WHERE key = $1 FOR UPDATE")
                    .bind(key)
                    .fetch_one(c)
                    .await?
            }
        })
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
