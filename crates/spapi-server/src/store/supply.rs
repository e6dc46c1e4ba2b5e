//! Supply sources (`supply_sources`): the locations a seller fulfils from, with their address,
//! configuration and capabilities as the Supply Sources API's documents (JSON text).

use super::{Store, StoreError, on_conn};

/// A seller's supply source as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplySourceRow {
    /// Store id: the listing order of a seller's sources (0 before insertion).
    pub id: i64,
    /// The seller.
    pub seller_id: String,
    /// The id Amazon gives (a UUID).
    pub supply_source_id: String,
    /// The seller's code, unique per seller.
    pub code: String,
    /// The seller's alias.
    pub alias: String,
    /// `Active`, `Inactive` or `Archived`.
    pub status: String,
    /// The `Address` document.
    pub address: String,
    /// The `SupplySourceConfiguration` document, once set.
    pub configuration: Option<String>,
    /// The `SupplySourceCapabilities` document, once set.
    pub capabilities: Option<String>,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
}

const COLUMNS: &str = "id, seller_id, supply_source_id, code, alias, status, address, \
    configuration, capabilities, created_at, updated_at";

type Tuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn row_from(t: Tuple) -> SupplySourceRow {
    SupplySourceRow {
        id: t.0,
        seller_id: t.1,
        supply_source_id: t.2,
        code: t.3,
        alias: t.4,
        status: t.5,
        address: t.6,
        configuration: t.7,
        capabilities: t.8,
        created_at_us: t.9,
        updated_at_us: t.10,
    }
}

impl Store {
    /// Inserts a supply source; a code the seller already uses is [`StoreError::Conflict`].
    pub async fn insert_supply_source(&self, r: &SupplySourceRow) -> Result<i64, StoreError> {
        let mut pc = self.acquire().await?;
        let id: (i64,) = on_conn!(pc.conn(), |c| {
            sqlx::query_as(
                "INSERT INTO supply_sources (seller_id, supply_source_id, code, alias, status, \
                 address, configuration, capabilities, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&r.seller_id)
            .bind(&r.supply_source_id)
            .bind(&r.code)
            .bind(&r.alias)
            .bind(&r.status)
            .bind(&r.address)
            .bind(&r.configuration)
            .bind(&r.capabilities)
            .bind(r.created_at_us)
            .bind(r.updated_at_us)
            .fetch_one(c)
            .await?
        });
        Ok(id.0)
    }

    /// The seller's supply source with this id, if any.
    pub async fn supply_source(
        &self,
        seller_id: &str,
        supply_source_id: &str,
    ) -> Result<Option<SupplySourceRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM supply_sources WHERE seller_id = $1 AND supply_source_id = $2"
        );
        let mut pc = self.acquire().await?;
        let row: Option<Tuple> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(seller_id)
                .bind(supply_source_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(row_from))
    }

    /// Up to `limit` of the seller's supply sources that are not archived, in creation order,
    /// after store id `after_id`.
    pub async fn supply_sources_page(
        &self,
        seller_id: &str,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<SupplySourceRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM supply_sources WHERE seller_id = $1 AND id > $2 \
             AND status <> 'Archived' ORDER BY id LIMIT {}",
            limit.max(1)
        );
        let mut pc = self.acquire().await?;
        let rows: Vec<Tuple> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(seller_id)
                .bind(after_id)
                .fetch_all(c)
                .await?
        });
        Ok(rows.into_iter().map(row_from).collect())
    }

    /// Whether another of the seller's sources that is not archived has this alias.
    pub async fn supply_source_alias_taken(
        &self,
        seller_id: &str,
        alias: &str,
        except_supply_source_id: &str,
    ) -> Result<bool, StoreError> {
        let mut pc = self.acquire().await?;
        let n: (i64,) = on_conn!(pc.conn(), |c| {
            sqlx::query_as(
                "SELECT COUNT(*) FROM supply_sources WHERE seller_id = $1 AND alias = $2 \
                 AND supply_source_id <> $3 AND status <> 'Archived'",
            )
            .bind(seller_id)
            .bind(alias)
            .bind(except_supply_source_id)
            .fetch_one(c)
            .await?
        });
        Ok(n.0 > 0)
    }

    /// Writes the alias, status, configuration, capabilities and update time of a source
    /// (found by seller and supply source id); an unknown one is [`StoreError::NotFound`].
    pub async fn update_supply_source(&self, r: &SupplySourceRow) -> Result<(), StoreError> {
        let mut pc = self.acquire().await?;
        let n = on_conn!(pc.conn(), |c| {
            sqlx::query(
                "UPDATE supply_sources SET alias = $3, status = $4, configuration = $5, \
                 capabilities = $6, updated_at = $7 WHERE seller_id = $1 AND supply_source_id = $2",
            )
            .bind(&r.seller_id)
            .bind(&r.supply_source_id)
            .bind(&r.alias)
            .bind(&r.status)
            .bind(&r.configuration)
            .bind(&r.capabilities)
            .bind(r.updated_at_us)
            .execute(c)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "supply source {}",
                r.supply_source_id
            )));
        }
        Ok(())
    }
}
