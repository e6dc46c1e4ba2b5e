//! FBA inventory beyond the listing columns: the buckets of FBA Inventory v1 other than
//! fulfillable and pending-customer-order units (`fba_stock`), units being researched with the
//! time they went missing (`fba_researching`), the stock ledger (`fba_ledger`) and the
//! idempotency tokens of addInventory (`fba_idempotency`).
//!
//! Fulfillable units stay `listings.quantity` and reserved units `listings.reserved` of the AFN
//! listing: orders, feeds and the Listings Items API keep writing them there.

use sqlx::AssertSqlSafe;

use super::world::{LISTING_COLUMNS, ListingTuple, listing_from};
use super::{Conn, ListingRow, Store, StoreError, StoreTx, on_conn};

/// The FBA buckets of a seller's SKU in a marketplace that the listing row does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FbaStockRow {
    /// The seller.
    pub seller_id: String,
    /// Seller SKU.
    pub sku: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// The name createInventoryItem gave (else the catalog title is shown).
    pub product_name: Option<String>,
    /// Units in inbound shipments being prepared.
    pub inbound_working: i64,
    /// Units in inbound shipments on their way.
    pub inbound_shipped: i64,
    /// Units of inbound shipments being received.
    pub inbound_receiving: i64,
    /// Unfulfillable units damaged by the customer.
    pub customer_damaged: i64,
    /// Unfulfillable units damaged at the fulfillment center.
    pub warehouse_damaged: i64,
    /// Unfulfillable units damaged by the distributor.
    pub distributor_damaged: i64,
    /// Unfulfillable units damaged by the carrier.
    pub carrier_damaged: i64,
    /// Unfulfillable defective units.
    pub defective: i64,
    /// Unfulfillable expired units.
    pub expired: i64,
    /// Last change of a quantity other than the inbound ones, epoch µs.
    pub changed_at_us: i64,
    /// Last change of any quantity, epoch µs.
    pub updated_at_us: i64,
}

/// One movement of units on hand at a fulfillment center.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Store id (0 before insertion).
    pub id: i64,
    /// The seller.
    pub seller_id: String,
    /// Seller SKU.
    pub sku: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// FNSKU of the SKU.
    pub fnsku: String,
    /// When, epoch µs.
    pub at_us: i64,
    /// `Shipments`, `CustomerReturns`, `Receipts`, `Adjustments`, `VendorReturns`,
    /// `WhseTransfers`.
    pub event_type: String,
    /// Units into (positive) or out of (negative) the disposition.
    pub quantity: i64,
    /// Shipment, order or adjustment id.
    pub reference_id: String,
    /// Fulfillment center code.
    pub fulfillment_center: String,
    /// `SELLABLE`, `CUSTOMER_DAMAGED`, ..., `EXPIRED`.
    pub disposition: String,
    /// Adjustment reason code (empty for other events).
    pub reason: String,
}

/// An AFN listing with its FBA buckets and its catalog title, as getInventorySummaries reads
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct FbaSummaryRow {
    /// The listing (fulfillable = quantity, pending customer orders = reserved).
    pub listing: ListingRow,
    /// The other buckets (`None`: all 0).
    pub stock: Option<FbaStockRow>,
    /// The catalog item's title.
    pub title: Option<String>,
}

/// A page of a seller's AFN listings in one marketplace, by SKU.
#[derive(Debug, Clone, Default)]
pub struct FbaSummaryQuery {
    /// The seller.
    pub seller_id: String,
    /// The marketplace.
    pub marketplace_id: String,
    /// Only these SKUs (empty: every SKU).
    pub skus: Vec<String>,
    /// Only SKUs whose listing or non-inbound buckets changed after this time (epoch µs).
    pub changed_after_us: Option<i64>,
    /// Keyset: only SKUs after this one.
    pub after_sku: Option<String>,
    /// Page size.
    pub limit: u32,
}

const STOCK_COLUMNS: &str = "seller_id, sku, marketplace_id, product_name, inbound_working, \
    inbound_shipped, inbound_receiving, customer_damaged, warehouse_damaged, \
    distributor_damaged, carrier_damaged, defective, expired, changed_at, updated_at";

const LEDGER_COLUMNS: &str = "id, seller_id, sku, marketplace_id, fnsku, at, event_type, \
    quantity, reference_id, fulfillment_center, disposition, reason";

type LedgerTuple = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
);

fn ledger_from(t: LedgerTuple) -> LedgerEntry {
    LedgerEntry {
        id: t.0,
        seller_id: t.1,
        sku: t.2,
        marketplace_id: t.3,
        fnsku: t.4,
        at_us: t.5,
        event_type: t.6,
        quantity: t.7,
        reference_id: t.8,
        fulfillment_center: t.9,
        disposition: t.10,
        reason: t.11,
    }
}

/// Decodes the stock columns starting at `at` of a row (`None` when the join found none).
macro_rules! stock_at {
    ($r:expr, $at:expr) => {{
        let changed: Option<i64> = $r.try_get($at + 13)?;
        match changed {
            None => None,
            Some(changed_at_us) => Some(FbaStockRow {
                seller_id: $r.try_get($at)?,
                sku: $r.try_get($at + 1)?,
                marketplace_id: $r.try_get($at + 2)?,
                product_name: $r.try_get($at + 3)?,
                inbound_working: $r.try_get($at + 4)?,
                inbound_shipped: $r.try_get($at + 5)?,
                inbound_receiving: $r.try_get($at + 6)?,
                customer_damaged: $r.try_get($at + 7)?,
                warehouse_damaged: $r.try_get($at + 8)?,
                distributor_damaged: $r.try_get($at + 9)?,
                carrier_damaged: $r.try_get($at + 10)?,
                defective: $r.try_get($at + 11)?,
                expired: $r.try_get($at + 12)?,
                changed_at_us,
                updated_at_us: $r.try_get($at + 14)?,
            }),
        }
    }};
}

async fn get_stock(
    conn: Conn<'_>,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
) -> Result<Option<FbaStockRow>, StoreError> {
    use sqlx::Row;
    let sql = format!(
        "SELECT {STOCK_COLUMNS} FROM fba_stock WHERE seller_id = $1 AND sku = $2 \
         AND marketplace_id = $3"
    );
    on_conn!(conn, |c| {
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(sku)
            .bind(marketplace_id)
            .fetch_optional(c)
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(stock_at!(r, 0)),
        }
    })
}

async fn put_stock(conn: Conn<'_>, s: &FbaStockRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO fba_stock ({STOCK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15) ON CONFLICT (seller_id, sku, marketplace_id) DO UPDATE SET \
         product_name = excluded.product_name, inbound_working = excluded.inbound_working, \
         inbound_shipped = excluded.inbound_shipped, \
         inbound_receiving = excluded.inbound_receiving, \
         customer_damaged = excluded.customer_damaged, \
         warehouse_damaged = excluded.warehouse_damaged, \
         distributor_damaged = excluded.distributor_damaged, \
         carrier_damaged = excluded.carrier_damaged, defective = excluded.defective, \
         expired = excluded.expired, changed_at = excluded.changed_at, \
         updated_at = excluded.updated_at"
    );
    on_conn!(conn, |c| {
        sqlx::query(AssertSqlSafe(sql))
            .bind(&s.seller_id)
            .bind(&s.sku)
            .bind(&s.marketplace_id)
            .bind(s.product_name.as_deref())
            .bind(s.inbound_working)
            .bind(s.inbound_shipped)
            .bind(s.inbound_receiving)
            .bind(s.customer_damaged)
            .bind(s.warehouse_damaged)
            .bind(s.distributor_damaged)
            .bind(s.carrier_damaged)
            .bind(s.defective)
            .bind(s.expired)
            .bind(s.changed_at_us)
            .bind(s.updated_at_us)
            .execute(c)
            .await?;
    });
    Ok(())
}

async fn researching(
    conn: Conn<'_>,
    seller_id: &str,
    marketplace_id: &str,
    skus: &[String],
) -> Result<Vec<(String, i64, i64)>, StoreError> {
    if skus.is_empty() {
        return Ok(vec![]);
    }
    let marks: Vec<String> = (0..skus.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT sku, since, quantity FROM fba_researching WHERE seller_id = $1 \
         AND marketplace_id = $2 AND sku IN ({}) ORDER BY sku, since, id",
        marks.join(", ")
    );
    Ok(on_conn!(conn, |c| {
        let mut q = sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(marketplace_id);
        for s in skus {
            q = q.bind(s);
        }
        q.fetch_all(c).await?
    }))
}

async fn ledger_of(
    conn: Conn<'_>,
    seller_id: &str,
    marketplace_id: &str,
    sku: Option<&str>,
) -> Result<Vec<LedgerEntry>, StoreError> {
    let filter = if sku.is_some() { " AND sku = $3" } else { "" };
    let sql = format!(
        "SELECT {LEDGER_COLUMNS} FROM fba_ledger WHERE seller_id = $1 AND marketplace_id = $2\
         {filter} ORDER BY at, id"
    );
    let rows: Vec<LedgerTuple> = on_conn!(conn, |c| {
        let mut q = sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(marketplace_id);
        if let Some(s) = sku {
            q = q.bind(s);
        }
        q.fetch_all(c).await?
    });
    Ok(rows.into_iter().map(ledger_from).collect())
}

impl StoreTx {
    /// The FBA buckets of a SKU, as this transaction sees them.
    pub async fn get_fba_stock(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<Option<FbaStockRow>, StoreError> {
        get_stock(self.conn(), seller_id, sku, marketplace_id).await
    }

    /// Inserts or replaces the FBA buckets of a SKU.
    pub async fn put_fba_stock(&mut self, s: &FbaStockRow) -> Result<(), StoreError> {
        put_stock(self.conn(), s).await
    }

    /// Deletes the FBA buckets and the researching units of a SKU (the ledger stays).
    pub async fn delete_fba_stock(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        for table in ["fba_stock", "fba_researching"] {
            let sql = format!(
                "DELETE FROM {table} WHERE seller_id = $1 AND sku = $2 AND marketplace_id = $3"
            );
            on_conn!(conn.reborrow(), |c| {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(seller_id)
                    .bind(sku)
                    .bind(marketplace_id)
                    .execute(&mut *c)
                    .await?;
            });
        }
        Ok(())
    }

    /// Records `quantity` units of a SKU as missing since `since_us`.
    pub async fn add_fba_researching(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
        since_us: i64,
        quantity: i64,
    ) -> Result<(), StoreError> {
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO fba_researching (seller_id, sku, marketplace_id, since, quantity) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(seller_id)
            .bind(sku)
            .bind(marketplace_id)
            .bind(since_us)
            .bind(quantity)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    /// Takes up to `quantity` researching units of a SKU, the longest missing first; how many
    /// were taken.
    pub async fn take_fba_researching(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
        quantity: i64,
    ) -> Result<i64, StoreError> {
        let mut conn = self.conn();
        let lots: Vec<(i64, i64)> = on_conn!(conn.reborrow(), |c| {
            sqlx::query_as(
                "SELECT id, quantity FROM fba_researching WHERE seller_id = $1 AND sku = $2 \
                 AND marketplace_id = $3 ORDER BY since, id",
            )
            .bind(seller_id)
            .bind(sku)
            .bind(marketplace_id)
            .fetch_all(&mut *c)
            .await?
        });
        let mut left = quantity;
        for (id, q) in lots {
            if left == 0 {
                break;
            }
            let take = q.min(left);
            left -= take;
            if take == q {
                on_conn!(conn.reborrow(), |c| {
                    sqlx::query("DELETE FROM fba_researching WHERE id = $1")
                        .bind(id)
                        .execute(&mut *c)
                        .await?;
                });
            } else {
                on_conn!(conn.reborrow(), |c| {
                    sqlx::query(
                        "UPDATE fba_researching SET quantity = quantity - $2 WHERE id = $1",
                    )
                    .bind(id)
                    .bind(take)
                    .execute(&mut *c)
                    .await?;
                });
            }
        }
        Ok(quantity - left)
    }

    /// `(sku, since µs, quantity)` of the researching units of these SKUs, as this
    /// transaction sees them.
    pub async fn fba_researching(
        &mut self,
        seller_id: &str,
        marketplace_id: &str,
        skus: &[String],
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        researching(self.conn(), seller_id, marketplace_id, skus).await
    }

    /// Appends a ledger entry; its id.
    pub async fn push_fba_ledger(&mut self, e: &LedgerEntry) -> Result<i64, StoreError> {
        Ok(on_conn!(self.conn(), |c| {
            sqlx::query_scalar(
                "INSERT INTO fba_ledger (seller_id, sku, marketplace_id, fnsku, at, event_type, \
                 quantity, reference_id, fulfillment_center, disposition, reason) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(&e.seller_id)
            .bind(&e.sku)
            .bind(&e.marketplace_id)
            .bind(&e.fnsku)
            .bind(e.at_us)
            .bind(&e.event_type)
            .bind(e.quantity)
            .bind(&e.reference_id)
            .bind(&e.fulfillment_center)
            .bind(&e.disposition)
            .bind(&e.reason)
            .fetch_one(c)
            .await?
        }))
    }

    /// `(entries, units)` of a SKU's ledger: how many entries it has in every disposition, and
    /// the sum of the quantities of `disposition`.
    pub async fn fba_ledger_balance(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
        disposition: &str,
    ) -> Result<(i64, i64), StoreError> {
        // PostgreSQL sums BIGINT into NUMERIC: cast back.
        let row: (i64, i64) = on_conn!(self.conn(), |c| {
            sqlx::query_as(
                "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN disposition = $4 THEN quantity \
                 ELSE 0 END), 0) AS BIGINT) \
                 FROM fba_ledger WHERE seller_id = $1 AND sku = $2 AND marketplace_id = $3",
            )
            .bind(seller_id)
            .bind(sku)
            .bind(marketplace_id)
            .bind(disposition)
            .fetch_one(c)
            .await?
        });
        Ok(row)
    }

    /// Claims an idempotency token of a seller for a request (`request_hash`): `None` when the
    /// token is new (the claim commits with the transaction), else the hash of the request
    /// that claimed it first.
    pub async fn claim_fba_idempotency(
        &mut self,
        seller_id: &str,
        token: &str,
        request_hash: &str,
        at_us: i64,
    ) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn();
        let n = on_conn!(conn.reborrow(), |c| {
            sqlx::query(
                "INSERT INTO fba_idempotency (seller_id, token, request_hash, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (seller_id, token) DO NOTHING",
            )
            .bind(seller_id)
            .bind(token)
            .bind(request_hash)
            .bind(at_us)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        if n == 1 {
            return Ok(None);
        }
        Ok(on_conn!(conn, |c| {
            sqlx::query_scalar(
                "SELECT request_hash FROM fba_idempotency WHERE seller_id = $1 AND token = $2",
            )
            .bind(seller_id)
            .bind(token)
            .fetch_optional(&mut *c)
            .await?
        }))
    }
}

impl Store {
    /// A page of a seller's AFN listings in a marketplace with their FBA buckets, by SKU.
    pub async fn fba_summaries(
        &self,
        q: &FbaSummaryQuery,
    ) -> Result<Vec<FbaSummaryRow>, StoreError> {
        let listing_cols: Vec<String> = LISTING_COLUMNS
            .split(',')
            .map(|c| format!("l.{}", c.trim()))
            .collect();
        let stock_cols: Vec<String> = STOCK_COLUMNS
            .split(',')
            .map(|c| format!("s.{}", c.trim()))
            .collect();
        let mut sql = format!(
            "SELECT {}, {}, c.title FROM listings l \
             LEFT JOIN fba_stock s ON s.seller_id = l.seller_id AND s.sku = l.sku \
             AND s.marketplace_id = l.marketplace_id \
             LEFT JOIN catalog_items c ON c.asin = l.asin \
             WHERE l.seller_id = $1 AND l.marketplace_id = $2 AND l.fulfillment_channel = 'AFN'",
            listing_cols.join(", "),
            stock_cols.join(", ")
        );
        let mut texts: Vec<String> = vec![q.seller_id.clone(), q.marketplace_id.clone()];
        if let Some(after) = &q.after_sku {
            texts.push(after.clone());
            sql.push_str(&format!(" AND l.sku > ${}", texts.len()));
        }
        if !q.skus.is_empty() {
            let mut marks = vec![];
            for s in &q.skus {
                texts.push(s.clone());
                marks.push(format!("${}", texts.len()));
            }
            sql.push_str(&format!(" AND l.sku IN ({})", marks.join(", ")));
        }
        if q.changed_after_us.is_some() {
            let n = texts.len() + 1;
            sql.push_str(&format!(
                " AND (l.updated_at > ${n} OR COALESCE(s.changed_at, 0) > ${n})"
            ));
        }
        sql.push_str(&format!(" ORDER BY l.sku LIMIT {}", q.limit.max(1)));
        self.fetch_summaries(sql, &texts, q.changed_after_us).await
    }

    async fn fetch_summaries(
        &self,
        sql: String,
        texts: &[String],
        int: Option<i64>,
    ) -> Result<Vec<FbaSummaryRow>, StoreError> {
        use sqlx::Row;
        let mut pc = self.acquire().await?;
        on_conn!(pc.conn(), |c| {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for t in texts {
                q = q.bind(t.clone());
            }
            if let Some(i) = int {
                q = q.bind(i);
            }
            let rows = q.fetch_all(c).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let listing: ListingTuple = (
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                    r.try_get(6)?,
                    r.try_get(7)?,
                    r.try_get(8)?,
                    r.try_get(9)?,
                    r.try_get(10)?,
                    r.try_get(11)?,
                );
                let stock = stock_at!(r, 12);
                out.push(FbaSummaryRow {
                    listing: listing_from(listing),
                    stock,
                    title: r.try_get(27)?,
                });
            }
            Ok(out)
        })
    }

    /// `(sku, since µs, quantity)` of the researching units of these SKUs.
    pub async fn fba_researching(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        skus: &[String],
    ) -> Result<Vec<(String, i64, i64)>, StoreError> {
        researching(
            self.acquire().await?.conn(),
            seller_id,
            marketplace_id,
            skus,
        )
        .await
    }

    /// A seller's ledger in a marketplace (one SKU's, or every SKU's), oldest first.
    pub async fn fba_ledger(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        sku: Option<&str>,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        ledger_of(self.acquire().await?.conn(), seller_id, marketplace_id, sku).await
    }
}
