//! The seller world's listings and orders (the catalog is in `catalog`).

use serde_json::Value;
use sqlx::AssertSqlSafe;

use super::{Backend, Conn, Store, StoreError, StoreTx, on_conn};

/// A seller's offer of a SKU in a marketplace.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingRow {
    /// The seller.
    pub seller_id: String,
    /// Seller SKU.
    pub sku: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// Catalog item.
    pub asin: String,
    /// `MFN` or `AFN`.
    pub fulfillment_channel: String,
    /// Price as a decimal string.
    pub price: String,
    /// Currency of the price.
    pub currency: String,
    /// Sellable units.
    pub quantity: i64,
    /// Units held by pending orders.
    pub reserved: i64,
    /// `BUYABLE` or `DISCOVERABLE`.
    pub status: String,
    /// Creation time, epoch µs.
    pub created_at_us: i64,
    /// Last change, epoch µs.
    pub updated_at_us: i64,
}

/// An order with its filterable facts and its wire documents.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    /// Store id (paging key tiebreaker).
    pub id: i64,
    /// `NNN-NNNNNNN-NNNNNNN`.
    pub amazon_order_id: String,
    /// The seller.
    pub seller_id: String,
    /// Marketplace.
    pub marketplace_id: String,
    /// `OrderStatus`.
    pub order_status: String,
    /// `MFN` or `AFN`.
    pub fulfillment_channel: String,
    /// `COD`, `CVS`, `Other`.
    pub payment_method: Option<String>,
    /// Buyer email (anonymized address).
    pub buyer_email: Option<String>,
    /// The seller's own order id.
    pub seller_order_id: Option<String>,
    /// Easy Ship status.
    pub easy_ship_status: Option<String>,
    /// Electronic invoice status.
    pub electronic_invoice_status: Option<String>,
    /// In-store pickup.
    pub is_ispu: bool,
    /// Store chain store id (ISPU).
    pub store_chain_store_id: Option<String>,
    /// Supply source that fulfils it.
    pub supply_source_id: Option<String>,
    /// Purchase time, epoch µs.
    pub purchase_at_us: i64,
    /// Last update, epoch µs.
    pub updated_at_us: i64,
    /// Earliest delivery, epoch µs.
    pub earliest_delivery_at_us: Option<i64>,
    /// Latest delivery, epoch µs.
    pub latest_delivery_at_us: Option<i64>,
    /// Latest ship date, epoch µs.
    pub latest_ship_at_us: Option<i64>,
    /// The `Order` object, personal data included.
    pub doc: Value,
    /// The `OrderItem` array, personal data included.
    pub items: Value,
}

/// A getOrders search: one seller's orders in a time window, filtered, paged by keyset.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    /// The seller.
    pub seller_id: String,
    /// Window on the last-update time (else on the purchase time).
    pub by_update: bool,
    /// Window start, inclusive.
    pub from_us: Option<i64>,
    /// Window end, inclusive.
    pub to_us: Option<i64>,
    /// Marketplaces (any of).
    pub marketplace_ids: Vec<String>,
    /// Statuses (any of).
    pub statuses: Vec<String>,
    /// Fulfillment channels (any of).
    pub channels: Vec<String>,
    /// Payment methods (any of).
    pub payment_methods: Vec<String>,
    /// Buyer email.
    pub buyer_email: Option<String>,
    /// Seller order id.
    pub seller_order_id: Option<String>,
    /// Order ids (any of).
    pub amazon_order_ids: Vec<String>,
    /// Easy Ship statuses (any of).
    pub easy_ship_statuses: Vec<String>,
    /// Electronic invoice statuses (any of).
    pub electronic_invoice_statuses: Vec<String>,
    /// In-store pickup.
    pub is_ispu: Option<bool>,
    /// Store chain store id.
    pub store_chain_store_id: Option<String>,
    /// Supply source id.
    pub supply_source_id: Option<String>,
    /// Earliest delivery before, inclusive.
    pub earliest_delivery_before_us: Option<i64>,
    /// Earliest delivery after, inclusive.
    pub earliest_delivery_after_us: Option<i64>,
    /// Latest delivery before, inclusive.
    pub latest_delivery_before_us: Option<i64>,
    /// Latest delivery after, inclusive.
    pub latest_delivery_after_us: Option<i64>,
    /// Keyset: only orders after (time, id).
    pub after: Option<(i64, i64)>,
    /// Page size.
    pub limit: u32,
    /// Leave the items out (they read as an empty array): getOrders does not show them, and
    /// parsing them was half the cost of a page.
    pub without_items: bool,
}

enum Bind {
    Text(String),
    Int(i64),
}

const ORDER_COLUMNS: &str = "id, amazon_order_id, seller_id, marketplace_id, order_status, \
    fulfillment_channel, payment_method, buyer_email, seller_order_id, easy_ship_status, \
    electronic_invoice_status, is_ispu, store_chain_store_id, supply_source_id, purchase_at, \
    updated_at, earliest_delivery_at, latest_delivery_at, latest_ship_at, doc, items";

/// [`ORDER_COLUMNS`] with an empty item list in place of the items.
const ORDER_COLUMNS_NO_ITEMS: &str = "id, amazon_order_id, seller_id, marketplace_id, \
    order_status, fulfillment_channel, payment_method, buyer_email, seller_order_id, \
    easy_ship_status, electronic_invoice_status, is_ispu, store_chain_store_id, supply_source_id, \
    purchase_at, updated_at, earliest_delivery_at, latest_delivery_at, latest_ship_at, doc, \
    '[]' AS items";

fn parse_json(s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad JSON document: {e}")))
}

/// Runs an orders query (`{columns}` in `sql` stands for the order columns) and decodes the
/// rows. The body is expanded once per backend by `on_conn!`, so `Row::try_get` resolves
/// against each driver's row type.
async fn fetch_orders(
    conn: Conn<'_>,
    sql: &str,
    binds: &[Bind],
) -> Result<Vec<OrderRow>, StoreError> {
    use sqlx::Row;
    let sql = sql.replace("{columns}", ORDER_COLUMNS);
    on_conn!(conn, |c| {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        let rows = q.fetch_all(c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let doc: String = r.try_get(19)?;
            let items: String = r.try_get(20)?;
            out.push(OrderRow {
                id: r.try_get(0)?,
                amazon_order_id: r.try_get(1)?,
                seller_id: r.try_get(2)?,
                marketplace_id: r.try_get(3)?,
                order_status: r.try_get(4)?,
                fulfillment_channel: r.try_get(5)?,
                payment_method: r.try_get(6)?,
                buyer_email: r.try_get(7)?,
                seller_order_id: r.try_get(8)?,
                easy_ship_status: r.try_get(9)?,
                electronic_invoice_status: r.try_get(10)?,
                is_ispu: r.try_get::<i64, _>(11)? != 0,
                store_chain_store_id: r.try_get(12)?,
                supply_source_id: r.try_get(13)?,
                purchase_at_us: r.try_get(14)?,
                updated_at_us: r.try_get(15)?,
                earliest_delivery_at_us: r.try_get(16)?,
                latest_delivery_at_us: r.try_get(17)?,
                latest_ship_at_us: r.try_get(18)?,
                doc: parse_json(&doc)?,
                items: parse_json(&items)?,
            });
        }
        Ok(out)
    })
}

fn in_list(sql: &mut String, binds: &mut Vec<Bind>, column: &str, values: &[String]) {
    if values.is_empty() {
        return;
    }
    let mut marks = Vec::new();
    for v in values {
        binds.push(Bind::Text(v.clone()));
        marks.push(format!("${}", binds.len()));
    }
    sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
}

fn cmp(sql: &mut String, binds: &mut Vec<Bind>, column: &str, op: &str, value: Option<i64>) {
    if let Some(v) = value {
        binds.push(Bind::Int(v));
        sql.push_str(&format!(" AND {column} {op} ${}", binds.len()));
    }
}

fn eq_text(sql: &mut String, binds: &mut Vec<Bind>, column: &str, value: &Option<String>) {
    if let Some(v) = value {
        binds.push(Bind::Text(v.clone()));
        sql.push_str(&format!(" AND {column} = ${}", binds.len()));
    }
}

/// Binds the 20 insert columns of an order (the order of `ORDER_COLUMNS` without `id`).
macro_rules! bind_order {
    ($q:expr, $o:expr) => {
        $q.bind(&$o.amazon_order_id)
            .bind(&$o.seller_id)
            .bind(&$o.marketplace_id)
            .bind(&$o.order_status)
            .bind(&$o.fulfillment_channel)
            .bind($o.payment_method.as_deref())
            .bind($o.buyer_email.as_deref())
            .bind($o.seller_order_id.as_deref())
            .bind($o.easy_ship_status.as_deref())
            .bind($o.electronic_invoice_status.as_deref())
            .bind(i64::from($o.is_ispu))
            .bind($o.store_chain_store_id.as_deref())
            .bind($o.supply_source_id.as_deref())
            .bind($o.purchase_at_us)
            .bind($o.updated_at_us)
            .bind($o.earliest_delivery_at_us)
            .bind($o.latest_delivery_at_us)
            .bind($o.latest_ship_at_us)
            .bind($o.doc.to_string())
            .bind($o.items.to_string())
    };
}

/// Columns bound per order.
const ORDER_INSERT_COLUMNS: usize = 20;

/// The INSERT of `rows` orders. SQLite gets anonymous `?` placeholders: for numbered ones its
/// driver looks up every parameter's name, and each lookup walks the statement's parameter list,
/// which made binding a 200-order statement cost more than everything else in world generation.
fn insert_orders_sql(rows: usize, backend: Backend) -> String {
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let marks: Vec<String> = (1..=ORDER_INSERT_COLUMNS)
                .map(|c| match backend {
                    Backend::Sqlite => "?".to_string(),
                    Backend::Postgres => format!("${}", r * ORDER_INSERT_COLUMNS + c),
                })
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO orders ({}) VALUES {}",
        ORDER_COLUMNS.trim_start_matches("id, "),
        tuples.join(", ")
    )
}

async fn insert_order(conn: Conn<'_>, o: &OrderRow) -> Result<i64, StoreError> {
    let sql = format!("{} RETURNING id", insert_orders_sql(1, conn.backend()));
    Ok(on_conn!(conn, |c| {
        bind_order!(sqlx::query_scalar(AssertSqlSafe(sql)), o)
            .fetch_one(c)
            .await?
    }))
}

/// Inserts many orders in one statement (world generation).
async fn insert_orders(conn: Conn<'_>, rows: &[OrderRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = insert_orders_sql(rows.len(), conn.backend());
    on_conn!(conn, |c| {
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for o in rows {
            q = bind_order!(q, o);
        }
        q.execute(c).await?;
    });
    Ok(())
}

async fn update_order(conn: Conn<'_>, o: &OrderRow) -> Result<(), StoreError> {
    let n = on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE orders SET order_status = $2, easy_ship_status = $3, updated_at = $4, \
             doc = $5, items = $6 WHERE amazon_order_id = $1",
        )
        .bind(&o.amazon_order_id)
        .bind(&o.order_status)
        .bind(o.easy_ship_status.as_deref())
        .bind(o.updated_at_us)
        .bind(o.doc.to_string())
        .bind(o.items.to_string())
        .execute(c)
        .await?
        .rows_affected()
    });
    if n == 0 {
        return Err(StoreError::NotFound(format!("order {}", o.amazon_order_id)));
    }
    Ok(())
}

async fn get_order(conn: Conn<'_>, amazon_order_id: &str) -> Result<Option<OrderRow>, StoreError> {
    let sql = "SELECT {columns} FROM orders WHERE amazon_order_id = $1";
    get_order_with(conn, sql, amazon_order_id).await
}

async fn get_order_with(
    conn: Conn<'_>,
    sql: &str,
    amazon_order_id: &str,
) -> Result<Option<OrderRow>, StoreError> {
    Ok(
        fetch_orders(conn, sql, &[Bind::Text(amazon_order_id.to_string())])
            .await?
            .pop(),
    )
}

pub(super) const LISTING_COLUMNS: &str = "seller_id, sku, marketplace_id, asin, fulfillment_channel, price, \
    currency, quantity, reserved, status, created_at, updated_at";
pub(super) type ListingTuple = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    i64,
    i64,
);

pub(super) fn listing_from(t: ListingTuple) -> ListingRow {
    ListingRow {
        seller_id: t.0,
        sku: t.1,
        marketplace_id: t.2,
        asin: t.3,
        fulfillment_channel: t.4,
        price: t.5,
        currency: t.6,
        quantity: t.7,
        reserved: t.8,
        status: t.9,
        created_at_us: t.10,
        updated_at_us: t.11,
    }
}

async fn upsert_listing(conn: Conn<'_>, l: &ListingRow) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO listings ({LISTING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12) ON CONFLICT (seller_id, sku, marketplace_id) DO UPDATE SET \
         asin = excluded.asin, fulfillment_channel = excluded.fulfillment_channel, \
         price = excluded.price, currency = excluded.currency, quantity = excluded.quantity, \
         reserved = excluded.reserved, status = excluded.status, updated_at = excluded.updated_at"
    );
    on_conn!(conn, |c| {
        sqlx::query(AssertSqlSafe(sql))
            .bind(&l.seller_id)
            .bind(&l.sku)
            .bind(&l.marketplace_id)
            .bind(&l.asin)
            .bind(&l.fulfillment_channel)
            .bind(&l.price)
            .bind(&l.currency)
            .bind(l.quantity)
            .bind(l.reserved)
            .bind(&l.status)
            .bind(l.created_at_us)
            .bind(l.updated_at_us)
            .execute(c)
            .await?;
    });
    Ok(())
}

async fn get_listing(
    conn: Conn<'_>,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
) -> Result<Option<ListingRow>, StoreError> {
    let sql = format!(
        "SELECT {LISTING_COLUMNS} FROM listings WHERE seller_id = $1 AND sku = $2 \
         AND marketplace_id = $3"
    );
    let row: Option<ListingTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(sku)
            .bind(marketplace_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(listing_from))
}

impl Store {
    /// One order by id.
    pub async fn get_order(&self, amazon_order_id: &str) -> Result<Option<OrderRow>, StoreError> {
        get_order(self.acquire().await?.conn(), amazon_order_id).await
    }

    /// An order without its items (`items` is an empty array): getOrder and the calls that
    /// read the order document only.
    pub async fn get_order_without_items(
        &self,
        amazon_order_id: &str,
    ) -> Result<Option<OrderRow>, StoreError> {
        let sql = format!("SELECT {ORDER_COLUMNS_NO_ITEMS} FROM orders WHERE amazon_order_id = $1");
        get_order_with(self.acquire().await?.conn(), &sql, amazon_order_id).await
    }

    /// A page of a getOrders search, in window order (time, then id).
    pub async fn query_orders(&self, q: &OrderQuery) -> Result<Vec<OrderRow>, StoreError> {
        let column = if q.by_update {
            "updated_at"
        } else {
            "purchase_at"
        };
        let mut binds = vec![Bind::Text(q.seller_id.clone())];
        let columns = if q.without_items {
            ORDER_COLUMNS_NO_ITEMS
        } else {
            ORDER_COLUMNS
        };
        let mut sql = format!("SELECT {columns} FROM orders WHERE seller_id = $1");
        cmp(&mut sql, &mut binds, column, ">=", q.from_us);
        cmp(&mut sql, &mut binds, column, "<=", q.to_us);
        if let Some((t, id)) = q.after {
            binds.push(Bind::Int(t));
            let tn = binds.len();
            binds.push(Bind::Int(id));
            let idn = binds.len();
            sql.push_str(&format!(
                " AND ({column} > ${tn} OR ({column} = ${tn} AND id > ${idn}))"
            ));
        }
        in_list(&mut sql, &mut binds, "marketplace_id", &q.marketplace_ids);
        in_list(&mut sql, &mut binds, "order_status", &q.statuses);
        in_list(&mut sql, &mut binds, "fulfillment_channel", &q.channels);
        in_list(&mut sql, &mut binds, "payment_method", &q.payment_methods);
        in_list(&mut sql, &mut binds, "amazon_order_id", &q.amazon_order_ids);
        in_list(
            &mut sql,
            &mut binds,
            "easy_ship_status",
            &q.easy_ship_statuses,
        );
        in_list(
            &mut sql,
            &mut binds,
            "electronic_invoice_status",
            &q.electronic_invoice_statuses,
        );
        eq_text(&mut sql, &mut binds, "buyer_email", &q.buyer_email);
        eq_text(&mut sql, &mut binds, "seller_order_id", &q.seller_order_id);
        eq_text(
            &mut sql,
            &mut binds,
            "store_chain_store_id",
            &q.store_chain_store_id,
        );
        eq_text(
            &mut sql,
            &mut binds,
            "supply_source_id",
            &q.supply_source_id,
        );
        if let Some(v) = q.is_ispu {
            binds.push(Bind::Int(i64::from(v)));
            sql.push_str(&format!(" AND is_ispu = ${}", binds.len()));
        }
        cmp(
            &mut sql,
            &mut binds,
            "earliest_delivery_at",
            "<=",
            q.earliest_delivery_before_us,
        );
        cmp(
            &mut sql,
            &mut binds,
            "earliest_delivery_at",
            ">=",
            q.earliest_delivery_after_us,
        );
        cmp(
            &mut sql,
            &mut binds,
            "latest_delivery_at",
            "<=",
            q.latest_delivery_before_us,
        );
        cmp(
            &mut sql,
            &mut binds,
            "latest_delivery_at",
            ">=",
            q.latest_delivery_after_us,
        );
        sql.push_str(&format!(" ORDER BY {column}, id LIMIT {}", q.limit.max(1)));
        fetch_orders(self.acquire().await?.conn(), &sql, &binds).await
    }

    /// One listing.
    pub async fn get_listing(
        &self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<Option<ListingRow>, StoreError> {
        get_listing(self.acquire().await?.conn(), seller_id, sku, marketplace_id).await
    }

    /// A seller's listings (every marketplace), by SKU.
    pub async fn listings_of_seller(&self, seller_id: &str) -> Result<Vec<ListingRow>, StoreError> {
        let sql = format!(
            "SELECT {LISTING_COLUMNS} FROM listings WHERE seller_id = $1 ORDER BY sku, marketplace_id"
        );
        let mut pc = self.acquire().await?;
        let rows: Vec<ListingTuple> = on_conn!(pc.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .fetch_all(c)
                .await?
        });
        Ok(rows.into_iter().map(listing_from).collect())
    }

    /// How many orders a seller has.
    pub async fn count_orders(&self, seller_id: &str) -> Result<i64, StoreError> {
        let mut pc = self.acquire().await?;
        Ok(on_conn!(pc.conn(), |c| {
            sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE seller_id = $1")
                .bind(seller_id)
                .fetch_one(c)
                .await?
        }))
    }
}

async fn get_regulated(conn: Conn<'_>, amazon_order_id: &str) -> Result<Option<Value>, StoreError> {
    let v: Option<Option<String>> = on_conn!(conn, |c| {
        sqlx::query_scalar("SELECT regulated FROM orders WHERE amazon_order_id = $1")
            .bind(amazon_order_id)
            .fetch_optional(c)
            .await?
    });
    v.flatten().map(|s| parse_json(&s)).transpose()
}

async fn set_regulated(
    conn: Conn<'_>,
    amazon_order_id: &str,
    doc: &Value,
) -> Result<(), StoreError> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE orders SET regulated = $2 WHERE amazon_order_id = $1")
            .bind(amazon_order_id)
            .bind(doc.to_string())
            .execute(c)
            .await?;
    });
    Ok(())
}

impl Store {
    /// The `OrderRegulatedInfo` document of a regulated order.
    pub async fn get_regulated(&self, amazon_order_id: &str) -> Result<Option<Value>, StoreError> {
        get_regulated(self.acquire().await?.conn(), amazon_order_id).await
    }
}

impl StoreTx {
    /// Stores the `OrderRegulatedInfo` document of an order.
    pub async fn set_regulated(
        &mut self,
        amazon_order_id: &str,
        doc: &Value,
    ) -> Result<(), StoreError> {
        set_regulated(self.conn(), amazon_order_id, doc).await
    }

    /// Inserts an order; returns its store id.
    pub async fn insert_order(&mut self, o: &OrderRow) -> Result<i64, StoreError> {
        insert_order(self.conn(), o).await
    }

    /// Inserts many orders in one statement (at most a few hundred: each binds 20 values).
    pub async fn insert_orders(&mut self, rows: &[OrderRow]) -> Result<(), StoreError> {
        insert_orders(self.conn(), rows).await
    }

    /// Writes an order's status, Easy Ship status, update time and documents.
    pub async fn update_order(&mut self, o: &OrderRow) -> Result<(), StoreError> {
        update_order(self.conn(), o).await
    }

    /// One order, as this transaction sees it.
    pub async fn get_order(
        &mut self,
        amazon_order_id: &str,
    ) -> Result<Option<OrderRow>, StoreError> {
        get_order(self.conn(), amazon_order_id).await
    }

    /// Inserts or replaces a listing.
    pub async fn upsert_listing(&mut self, l: &ListingRow) -> Result<(), StoreError> {
        upsert_listing(self.conn(), l).await
    }

    /// One listing, as this transaction sees it.
    pub async fn get_listing(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<Option<ListingRow>, StoreError> {
        get_listing(self.conn(), seller_id, sku, marketplace_id).await
    }
}
