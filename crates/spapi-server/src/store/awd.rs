//! Amazon Warehousing and Distribution (`awd_orders`, `awd_shipments`, `awd_inventory`,
//! `awd_auto_replenishment`): a seller's AWD orders and inbound shipments as documents beside
//! the columns their lists need, the units per SKU, and the auto-replenishment rules.

use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// Which table a [`DocRow`] lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocTable {
    /// `awd_orders` (group: INBOUND, OUTBOUND or REPLENISHMENT).
    Orders,
    /// `awd_shipments` (group: the inbound order id).
    Shipments,
}

impl DocTable {
    fn name(self) -> &'static str {
        match self {
            DocTable::Orders => "awd_orders",
            DocTable::Shipments => "awd_shipments",
        }
    }
}

/// An AWD order or inbound shipment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    /// The seller.
    pub seller_id: String,
    /// orderId or shipmentId.
    pub id: String,
    /// The order's kind, or the shipment's order id.
    pub group: String,
    /// The status on the wire.
    pub status: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
    /// The document (JSON).
    pub doc: String,
}

const COLUMNS: &str = "seller_id, id, grp, status, created_at, updated_at, doc";

type Tuple = (String, String, String, String, i64, i64, String);

fn from(t: Tuple) -> DocRow {
    DocRow {
        seller_id: t.0,
        id: t.1,
        group: t.2,
        status: t.3,
        created_at_us: t.4,
        updated_at_us: t.5,
        doc: t.6,
    }
}

/// A search over a seller's rows of one table: the filters, the order and the keyset position.
#[derive(Debug, Clone, Default)]
pub struct DocQuery<'a> {
    /// Only rows of this group.
    pub group: Option<&'a str>,
    /// Only rows in this status.
    pub status: Option<&'a str>,
    /// Updated at or after (µs).
    pub updated_from: Option<i64>,
    /// Updated at or before (µs).
    pub updated_to: Option<i64>,
    /// Sort on `created_at` instead of `updated_at`.
    pub by_created: bool,
    /// Descending order.
    pub descending: bool,
    /// The position after which the page starts: (sort time, id).
    pub after: Option<(i64, &'a str)>,
    /// Page size.
    pub limit: u32,
}

async fn get(
    conn: Conn<'_>,
    table: DocTable,
    seller_id: &str,
    id: &str,
) -> Result<Option<DocRow>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {} WHERE seller_id = $1 AND id = $2",
        table.name()
    );
    let row: Option<Tuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(from))
}

/// An AWD inventory row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InventoryRow {
    /// The seller.
    pub seller_id: String,
    /// The SKU.
    pub sku: String,
    /// Units in AWD (reserved included).
    pub onhand: i64,
    /// Units held by confirmed distribution orders.
    pub reserved: i64,
    /// Units of confirmed inbound orders not received yet.
    pub inbound: i64,
    /// Units on their way from AWD to FBA.
    pub replenishing: i64,
    /// JSON `{expiration: units}` of the units on hand (`""`: no expiration).
    pub expirations: String,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
}

const INV_COLUMNS: &str =
    "seller_id, sku, onhand, reserved, inbound, replenishing, expirations, updated_at";

type InvTuple = (String, String, i64, i64, i64, i64, String, i64);

fn inv_from(t: InvTuple) -> InventoryRow {
    InventoryRow {
        seller_id: t.0,
        sku: t.1,
        onhand: t.2,
        reserved: t.3,
        inbound: t.4,
        replenishing: t.5,
        expirations: t.6,
        updated_at_us: t.7,
    }
}

/// An auto-replenishment rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutoRule {
    /// The seller.
    pub seller_id: String,
    /// The SKU.
    pub sku: String,
    /// FBA units below which AWD sends more.
    pub threshold: i64,
    /// Units per replenishment.
    pub quantity: i64,
    /// The time of the pending check.
    pub check_at_us: i64,
}

impl Store {
    /// A seller's order or shipment.
    pub async fn get_awd(
        &self,
        table: DocTable,
        seller_id: &str,
        id: &str,
    ) -> Result<Option<DocRow>, StoreError> {
        get(self.acquire().await?.conn(), table, seller_id, id).await
    }

    /// A page of a seller's rows of `table` matching `q`.
    pub async fn list_awd(
        &self,
        table: DocTable,
        seller_id: &str,
        q: &DocQuery<'_>,
    ) -> Result<Vec<DocRow>, StoreError> {
        let col = if q.by_created {
            "created_at"
        } else {
            "updated_at"
        };
        let mut sql = format!(
            "SELECT {COLUMNS} FROM {} WHERE seller_id = $1",
            table.name()
        );
        let mut n = 1;
        let mut next = |clause: &str, sql: &mut String| {
            n += 1;
            sql.push_str(&clause.replace('?', &format!("${n}")));
        };
        if q.group.is_some() {
            next(" AND grp = ?", &mut sql);
        }
        if q.status.is_some() {
            next(" AND status = ?", &mut sql);
        }
        if q.updated_from.is_some() {
            next(" AND updated_at >= ?", &mut sql);
        }
        if q.updated_to.is_some() {
            next(" AND updated_at <= ?", &mut sql);
        }
        let (cmp, dir) = if q.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if q.after.is_some() {
            n += 1;
            let (a, b) = (n, n + 1);
            sql.push_str(&format!(
                " AND ({col} {cmp} ${a} OR ({col} = ${a} AND id {cmp} ${b}))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY {col} {dir}, id {dir} LIMIT {}",
            q.limit
        ));
        let rows: Vec<Tuple> = on_conn!(self.acquire().await?.conn(), |c| {
            let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(seller_id);
            if let Some(g) = q.group {
                query = query.bind(g);
            }
            if let Some(s) = q.status {
                query = query.bind(s);
            }
            if let Some(t) = q.updated_from {
                query = query.bind(t);
            }
            if let Some(t) = q.updated_to {
                query = query.bind(t);
            }
            if let Some((at, id)) = q.after {
                query = query.bind(at).bind(id);
            }
            query.fetch_all(c).await?
        });
        Ok(rows.into_iter().map(from).collect())
    }

    /// A page of a seller's AWD inventory by SKU (`sku`: that SKU only), after SKU `after`.
    pub async fn list_awd_inventory(
        &self,
        seller_id: &str,
        sku: Option<&str>,
        descending: bool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<InventoryRow>, StoreError> {
        let (cmp, dir) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let mut sql = format!("SELECT {INV_COLUMNS} FROM awd_inventory WHERE seller_id = $1");
        let mut n = 1;
        if sku.is_some() {
            n += 1;
            sql.push_str(&format!(" AND sku = ${n}"));
        }
        if after.is_some() {
            n += 1;
            sql.push_str(&format!(" AND sku {cmp} ${n}"));
        }
        sql.push_str(&format!(" ORDER BY sku {dir} LIMIT {limit}"));
        let rows: Vec<InvTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            let mut query = sqlx::query_as(AssertSqlSafe(sql)).bind(seller_id);
            if let Some(s) = sku {
                query = query.bind(s);
            }
            if let Some(a) = after {
                query = query.bind(a);
            }
            query.fetch_all(c).await?
        });
        Ok(rows.into_iter().map(inv_from).collect())
    }

    /// The auto-replenishment rules of a seller.
    pub async fn awd_auto_rules(&self, seller_id: &str) -> Result<Vec<AutoRule>, StoreError> {
        let rows: Vec<(String, String, i64, i64, i64)> =
            on_conn!(self.acquire().await?.conn(), |c| {
                sqlx::query_as(
                    "SELECT seller_id, sku, threshold, quantity, check_at \
                     FROM awd_auto_replenishment WHERE seller_id = $1 ORDER BY sku",
                )
                .bind(seller_id)
                .fetch_all(c)
                .await?
            });
        Ok(rows
            .into_iter()
            .map(|t| AutoRule {
                seller_id: t.0,
                sku: t.1,
                threshold: t.2,
                quantity: t.3,
                check_at_us: t.4,
            })
            .collect())
    }
}

impl StoreTx {
    /// A seller's order or shipment, as this transaction sees it.
    pub async fn get_awd(
        &mut self,
        table: DocTable,
        seller_id: &str,
        id: &str,
    ) -> Result<Option<DocRow>, StoreError> {
        get(self.conn(), table, seller_id, id).await
    }

    /// Inserts an order or shipment; [`StoreError::Conflict`] when the id is taken.
    pub async fn insert_awd(&mut self, table: DocTable, r: &DocRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO {} ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            table.name()
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.seller_id)
                .bind(&r.id)
                .bind(&r.group)
                .bind(&r.status)
                .bind(r.created_at_us)
                .bind(r.updated_at_us)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Replaces an order's or shipment's status, update time and document.
    pub async fn update_awd(&mut self, table: DocTable, r: &DocRow) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET status = $3, updated_at = $4, doc = $5 WHERE seller_id = $1 AND id = $2",
            table.name()
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.seller_id)
                .bind(&r.id)
                .bind(&r.status)
                .bind(r.updated_at_us)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// A seller's inventory row of a SKU.
    pub async fn get_awd_inventory(
        &mut self,
        seller_id: &str,
        sku: &str,
    ) -> Result<Option<InventoryRow>, StoreError> {
        let sql =
            format!("SELECT {INV_COLUMNS} FROM awd_inventory WHERE seller_id = $1 AND sku = $2");
        let row: Option<InvTuple> = on_conn!(self.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(sku)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(inv_from))
    }

    /// Writes an inventory row (insert or replace).
    pub async fn put_awd_inventory(&mut self, r: &InventoryRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO awd_inventory ({INV_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (seller_id, sku) DO UPDATE SET onhand = excluded.onhand, \
             reserved = excluded.reserved, inbound = excluded.inbound, \
             replenishing = excluded.replenishing, expirations = excluded.expirations, \
             updated_at = excluded.updated_at"
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.seller_id)
                .bind(&r.sku)
                .bind(r.onhand)
                .bind(r.reserved)
                .bind(r.inbound)
                .bind(r.replenishing)
                .bind(&r.expirations)
                .bind(r.updated_at_us)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// A seller's auto-replenishment rule of a SKU.
    pub async fn get_awd_auto_rule(
        &mut self,
        seller_id: &str,
        sku: &str,
    ) -> Result<Option<AutoRule>, StoreError> {
        let row: Option<(String, String, i64, i64, i64)> = on_conn!(self.conn(), |c| {
            sqlx::query_as(
                "SELECT seller_id, sku, threshold, quantity, check_at \
                 FROM awd_auto_replenishment WHERE seller_id = $1 AND sku = $2",
            )
            .bind(seller_id)
            .bind(sku)
            .fetch_optional(c)
            .await?
        });
        Ok(row.map(|t| AutoRule {
            seller_id: t.0,
            sku: t.1,
            threshold: t.2,
            quantity: t.3,
            check_at_us: t.4,
        }))
    }

    /// Writes an auto-replenishment rule (insert or replace).
    pub async fn put_awd_auto_rule(&mut self, r: &AutoRule) -> Result<(), StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO awd_auto_replenishment (seller_id, sku, threshold, quantity, check_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seller_id, sku) DO UPDATE SET \
                 threshold = excluded.threshold, quantity = excluded.quantity, \
                 check_at = excluded.check_at",
            )
            .bind(&r.seller_id)
            .bind(&r.sku)
            .bind(r.threshold)
            .bind(r.quantity)
            .bind(r.check_at_us)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Removes an auto-replenishment rule; whether there was one.
    pub async fn delete_awd_auto_rule(
        &mut self,
        seller_id: &str,
        sku: &str,
    ) -> Result<bool, StoreError> {
        let n = on_conn!(self.conn(), |c| {
            sqlx::query("DELETE FROM awd_auto_replenishment WHERE seller_id = $1 AND sku = $2")
                .bind(seller_id)
                .bind(sku)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }
}
