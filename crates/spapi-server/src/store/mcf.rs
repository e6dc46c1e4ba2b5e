//! Multi-Channel Fulfillment orders (`mcf_orders`): one row per seller and
//! sellerFulfillmentOrderId, the order's document beside the columns its lookups need.

use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// An MCF order as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct McfOrderRow {
    /// The seller.
    pub seller_id: String,
    /// The seller's sellerFulfillmentOrderId.
    pub order_id: String,
    /// The displayableOrderId (unique per seller).
    pub displayable_order_id: String,
    /// The FulfillmentOrderStatus.
    pub status: String,
    /// The last status change, epoch µs.
    pub status_updated_at_us: i64,
    /// The package of its shipment, once there is one.
    pub package_number: Option<i64>,
    /// The order document (JSON).
    pub doc: String,
}

const COLUMNS: &str =
    "seller_id, order_id, displayable_order_id, status, status_updated_at, package_number, doc";

type Tuple = (String, String, String, String, i64, Option<i64>, String);

fn from(t: Tuple) -> McfOrderRow {
    McfOrderRow {
        seller_id: t.0,
        order_id: t.1,
        displayable_order_id: t.2,
        status: t.3,
        status_updated_at_us: t.4,
        package_number: t.5,
        doc: t.6,
    }
}

async fn get(
    conn: Conn<'_>,
    seller_id: &str,
    order_id: &str,
) -> Result<Option<McfOrderRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM mcf_orders WHERE seller_id = $1 AND order_id = $2");
    let row: Option<Tuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(order_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(from))
}

impl Store {
    /// A seller's MCF order.
    pub async fn get_mcf_order(
        &self,
        seller_id: &str,
        order_id: &str,
    ) -> Result<Option<McfOrderRow>, StoreError> {
        get(self.acquire().await?.conn(), seller_id, order_id).await
    }

    /// A page of a seller's MCF orders whose status changed at or after `since_us`, by
    /// (status change, order id), after the keyset position `after`.
    pub async fn list_mcf_orders(
        &self,
        seller_id: &str,
        since_us: i64,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<McfOrderRow>, StoreError> {
        let keyset = if after.is_some() {
            " AND (status_updated_at > $3 OR (status_updated_at = $3 AND order_id > $4))"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM mcf_orders WHERE seller_id = $1 AND status_updated_at >= $2\
             {keyset} ORDER BY status_updated_at, order_id LIMIT {limit}"
        );
        let rows: Vec<Tuple> = on_conn!(self.acquire().await?.conn(), |c| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(since_us);
            if let Some((at, id)) = after {
                q = q.bind(at).bind(id);
            }
            q.fetch_all(c).await?
        });
        Ok(rows.into_iter().map(from).collect())
    }
}

impl Store {
    /// The seller's MCF order whose shipment has package `package_number`.
    pub async fn find_mcf_order_by_package(
        &self,
        seller_id: &str,
        package_number: i64,
    ) -> Result<Option<McfOrderRow>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM mcf_orders WHERE seller_id = $1 AND package_number = $2 \
             ORDER BY order_id LIMIT 1"
        );
        let row: Option<Tuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(package_number)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(from))
    }
}

impl StoreTx {
    /// A seller's MCF order, as this transaction sees it.
    pub async fn get_mcf_order(
        &mut self,
        seller_id: &str,
        order_id: &str,
    ) -> Result<Option<McfOrderRow>, StoreError> {
        get(self.conn(), seller_id, order_id).await
    }

    /// Inserts an MCF order; [`StoreError::Conflict`] when its order id or displayable order
    /// id is taken.
    pub async fn insert_mcf_order(&mut self, r: &McfOrderRow) -> Result<(), StoreError> {
        let sql = format!("INSERT INTO mcf_orders ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.seller_id)
                .bind(&r.order_id)
                .bind(&r.displayable_order_id)
                .bind(&r.status)
                .bind(r.status_updated_at_us)
                .bind(r.package_number)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Replaces an MCF order's status and document.
    pub async fn update_mcf_order(&mut self, r: &McfOrderRow) -> Result<(), StoreError> {
        let sql = "UPDATE mcf_orders SET displayable_order_id = $3, status = $4, \
                   status_updated_at = $5, package_number = $6, doc = $7 WHERE seller_id = $1 AND order_id = $2";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(&r.seller_id)
                .bind(&r.order_id)
                .bind(&r.displayable_order_id)
                .bind(&r.status)
                .bind(r.status_updated_at_us)
                .bind(r.package_number)
                .bind(&r.doc)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Whether a seller has an MCF order with this displayable order id.
    pub async fn mcf_displayable_taken(
        &mut self,
        seller_id: &str,
        displayable_order_id: &str,
    ) -> Result<bool, StoreError> {
        let sql = "SELECT order_id FROM mcf_orders WHERE seller_id = $1 \
                   AND displayable_order_id = $2";
        let row: Option<(String,)> = on_conn!(self.conn(), |c| {
            sqlx::query_as(sql)
                .bind(seller_id)
                .bind(displayable_order_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.is_some())
    }
}
