//! The catalog (items, searches, product identifiers) and the Listings API's documents beside
//! the listing columns.

use serde_json::Value;
use sqlx::AssertSqlSafe;

use super::world::ListingRow;
use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// A catalog item.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogItemRow {
    /// ASIN (`B0` + 8).
    pub asin: String,
    /// Title.
    pub title: String,
    /// Brand.
    pub brand: String,
    /// Amazon product type (`SHIRT`, `HOME`, ...).
    pub product_type: String,
    /// Attributes, dimensions, images and classifications.
    pub doc: Value,
}

/// A listing with the document the Listings API keeps beside its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct ListingDoc {
    /// The columns orders and the buyer simulator use.
    pub row: ListingRow,
    /// Product type of the last submission (`None`: a generated listing; its catalog item's).
    pub product_type: Option<String>,
    /// Condition (`new_new`...).
    pub condition_type: Option<String>,
    /// The submitted attributes (`None`: derived from the catalog item and the columns).
    pub attributes: Option<Value>,
    /// The `Issue` array.
    pub issues: Value,
    /// The worst issue severity (`ERROR`, `WARNING`), `None` without issues.
    pub issue_severity: Option<String>,
}

/// A searchListingsItems query over one seller's listings in one marketplace.
#[derive(Debug, Clone, Default)]
pub struct ListingQuery {
    /// The seller.
    pub seller_id: String,
    /// The marketplace.
    pub marketplace_id: String,
    /// Only these SKUs.
    pub skus: Vec<String>,
    /// Only these ASINs.
    pub asins: Vec<String>,
    /// Created at or after, µs.
    pub created_after_us: Option<i64>,
    /// Created at or before, µs.
    pub created_before_us: Option<i64>,
    /// Updated at or after, µs.
    pub updated_after_us: Option<i64>,
    /// Updated at or before, µs.
    pub updated_before_us: Option<i64>,
    /// Worst issue severity among these (`ERROR`, `WARNING`, `NONE`).
    pub severities: Vec<String>,
    /// Must have all of these statuses (`BUYABLE`, `DISCOVERABLE`).
    pub with_status: Vec<String>,
    /// Must have none of these statuses.
    pub without_status: Vec<String>,
    /// `sku`, `created_at` or `updated_at`.
    pub sort_column: &'static str,
    /// Descending.
    pub descending: bool,
    /// Rows skipped.
    pub offset: i64,
    /// Page size.
    pub limit: i64,
}

/// A catalog keyword search.
#[derive(Debug, Clone, Default)]
pub struct CatalogQuery {
    /// Every word of every keyword must be a word of the title or brand (case-insensitive).
    pub keywords: Vec<String>,
    /// Brands (any of).
    pub brands: Vec<String>,
    /// Browse classifications (any of).
    pub classification_ids: Vec<String>,
    /// Rows skipped.
    pub offset: i64,
    /// Page size.
    pub limit: i64,
}

/// A page of a catalog search with its refinements.
#[derive(Debug, Clone, Default)]
pub struct CatalogSearch {
    /// Items matching, in all.
    pub total: i64,
    /// The page.
    pub items: Vec<CatalogItemRow>,
    /// (brand, count) over all matches.
    pub brands: Vec<(String, i64)>,
    /// (classification id, count) over all matches.
    pub classifications: Vec<(String, i64)>,
}

/// The words of a text for keyword searches: lower case, split at anything not alphanumeric.
pub fn keywords_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

const DOC_COLUMNS: &str = "seller_id, sku, marketplace_id, asin, fulfillment_channel, price, \
    currency, quantity, reserved, status, created_at, updated_at, product_type, condition_type, \
    attributes, issues, issue_severity";

fn parse_json(s: &str) -> Result<Value, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("bad JSON document: {e}")))
}

async fn get_catalog_item(
    conn: Conn<'_>,
    asin: &str,
) -> Result<Option<CatalogItemRow>, StoreError> {
    let row: Option<(String, String, String, String, String)> = on_conn!(conn, |c| {
        sqlx::query_as(
            "SELECT asin, title, brand, product_type, doc FROM catalog_items WHERE asin = $1",
        )
        .bind(asin)
        .fetch_optional(c)
        .await?
    });
    row.map(|r| {
        Ok(CatalogItemRow {
            asin: r.0,
            title: r.1,
            brand: r.2,
            product_type: r.3,
            doc: parse_json(&r.4)?,
        })
    })
    .transpose()
}

async fn insert_catalog_item(conn: Conn<'_>, item: &CatalogItemRow) -> Result<(), StoreError> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO catalog_items (asin, title, brand, product_type, doc) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (asin) DO NOTHING",
        )
        .bind(&item.asin)
        .bind(&item.title)
        .bind(&item.brand)
        .bind(&item.product_type)
        .bind(item.doc.to_string())
        .execute(c)
        .await?;
    });
    Ok(())
}

enum Bind {
    Text(String),
    Int(i64),
}

async fn fetch_docs(
    conn: Conn<'_>,
    sql: &str,
    binds: &[Bind],
) -> Result<Vec<ListingDoc>, StoreError> {
    use sqlx::Row;
    on_conn!(conn, |c| {
        let mut q = sqlx::query(AssertSqlSafe(sql.to_string()));
        for b in binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        let rows = q.fetch_all(c).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let attributes: Option<String> = r.try_get(14)?;
            let issues: Option<String> = r.try_get(15)?;
            out.push(ListingDoc {
                row: ListingRow {
                    seller_id: r.try_get(0)?,
                    sku: r.try_get(1)?,
                    marketplace_id: r.try_get(2)?,
                    asin: r.try_get(3)?,
                    fulfillment_channel: r.try_get(4)?,
                    price: r.try_get(5)?,
                    currency: r.try_get(6)?,
                    quantity: r.try_get(7)?,
                    reserved: r.try_get(8)?,
                    status: r.try_get(9)?,
                    created_at_us: r.try_get(10)?,
                    updated_at_us: r.try_get(11)?,
                },
                product_type: r.try_get(12)?,
                condition_type: r.try_get(13)?,
                attributes: attributes.as_deref().map(parse_json).transpose()?,
                issues: issues
                    .as_deref()
                    .map(parse_json)
                    .transpose()?
                    .unwrap_or_else(|| Value::Array(vec![])),
                issue_severity: r.try_get(16)?,
            });
        }
        Ok(out)
    })
}

async fn get_doc(
    conn: Conn<'_>,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
) -> Result<Option<ListingDoc>, StoreError> {
    let sql = format!(
        "SELECT {DOC_COLUMNS} FROM listings WHERE seller_id = $1 AND sku = $2 AND marketplace_id = $3"
    );
    Ok(fetch_docs(
        conn,
        &sql,
        &[
            Bind::Text(seller_id.into()),
            Bind::Text(sku.into()),
            Bind::Text(marketplace_id.into()),
        ],
    )
    .await?
    .pop())
}

async fn put_doc(conn: Conn<'_>, d: &ListingDoc) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO listings ({DOC_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17) ON CONFLICT (seller_id, sku, marketplace_id) DO UPDATE \
         SET asin = excluded.asin, fulfillment_channel = excluded.fulfillment_channel, \
         price = excluded.price, currency = excluded.currency, quantity = excluded.quantity, \
         reserved = excluded.reserved, status = excluded.status, updated_at = excluded.updated_at, \
         product_type = excluded.product_type, condition_type = excluded.condition_type, \
         attributes = excluded.attributes, issues = excluded.issues, \
         issue_severity = excluded.issue_severity"
    );
    let l = &d.row;
    let attributes = d.attributes.as_ref().map(Value::to_string);
    let issues = d.issues.to_string();
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
            .bind(d.product_type.as_deref())
            .bind(d.condition_type.as_deref())
            .bind(attributes.as_deref())
            .bind(&issues)
            .bind(d.issue_severity.as_deref())
            .execute(c)
            .await?;
    });
    Ok(())
}

async fn delete_listing(
    conn: Conn<'_>,
    seller_id: &str,
    sku: &str,
    marketplace_id: &str,
) -> Result<bool, StoreError> {
    let n = on_conn!(conn, |c| {
        sqlx::query(
            "DELETE FROM listings WHERE seller_id = $1 AND sku = $2 AND marketplace_id = $3",
        )
        .bind(seller_id)
        .bind(sku)
        .bind(marketplace_id)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(n > 0)
}

fn push_in(sql: &mut String, binds: &mut Vec<Bind>, column: &str, values: &[String]) {
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

fn push_cmp(sql: &mut String, binds: &mut Vec<Bind>, column: &str, op: &str, v: Option<i64>) {
    if let Some(v) = v {
        binds.push(Bind::Int(v));
        sql.push_str(&format!(" AND {column} {op} ${}", binds.len()));
    }
}

/// The SQL condition for a listing status as the Listings API reports it: DISCOVERABLE once
/// it has an ASIN and no error issue, BUYABLE when also offered (status column) with units.
fn status_condition(status: &str) -> &'static str {
    match status {
        "BUYABLE" => "(status = 'BUYABLE' AND quantity > 0 AND asin <> '')",
        "DISCOVERABLE" => {
            "(asin <> '' AND status IN ('BUYABLE', 'DISCOVERABLE') AND \
             COALESCE(issue_severity, '') <> 'ERROR')"
        }
        _ => "(1 = 0)",
    }
}

impl Store {
    /// A catalog item.
    pub async fn get_catalog_item(&self, asin: &str) -> Result<Option<CatalogItemRow>, StoreError> {
        get_catalog_item(self.acquire().await?.conn(), asin).await
    }
}

impl StoreTx {
    /// A catalog item, as this transaction sees it.
    pub async fn get_catalog_item(
        &mut self,
        asin: &str,
    ) -> Result<Option<CatalogItemRow>, StoreError> {
        get_catalog_item(self.conn(), asin).await
    }

    /// Inserts a catalog item unless its ASIN exists.
    pub async fn insert_catalog_item(&mut self, item: &CatalogItemRow) -> Result<(), StoreError> {
        insert_catalog_item(self.conn(), item).await
    }
}

impl Store {
    /// One listing with its document.
    pub async fn get_listing_doc(
        &self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<Option<ListingDoc>, StoreError> {
        get_doc(self.acquire().await?.conn(), seller_id, sku, marketplace_id).await
    }

    /// A page of a seller's listings in a marketplace and how many match in all.
    pub async fn search_listing_docs(
        &self,
        q: &ListingQuery,
    ) -> Result<(Vec<ListingDoc>, i64), StoreError> {
        let mut binds = vec![
            Bind::Text(q.seller_id.clone()),
            Bind::Text(q.marketplace_id.clone()),
        ];
        let mut cond = String::from("seller_id = $1 AND marketplace_id = $2");
        push_in(&mut cond, &mut binds, "sku", &q.skus);
        push_in(&mut cond, &mut binds, "asin", &q.asins);
        push_cmp(
            &mut cond,
            &mut binds,
            "created_at",
            ">=",
            q.created_after_us,
        );
        push_cmp(
            &mut cond,
            &mut binds,
            "created_at",
            "<=",
            q.created_before_us,
        );
        push_cmp(
            &mut cond,
            &mut binds,
            "updated_at",
            ">=",
            q.updated_after_us,
        );
        push_cmp(
            &mut cond,
            &mut binds,
            "updated_at",
            "<=",
            q.updated_before_us,
        );
        if !q.severities.is_empty() {
            let parts: Vec<String> = q
                .severities
                .iter()
                .map(|s| match s.as_str() {
                    "NONE" => "issue_severity IS NULL".to_string(),
                    "ERROR" => "issue_severity = 'ERROR'".to_string(),
                    "WARNING" => "issue_severity = 'WARNING'".to_string(),
                    _ => "1 = 0".to_string(),
                })
                .collect();
            cond.push_str(&format!(" AND ({})", parts.join(" OR ")));
        }
        for s in &q.with_status {
            cond.push_str(&format!(" AND {}", status_condition(s)));
        }
        for s in &q.without_status {
            cond.push_str(&format!(" AND NOT {}", status_condition(s)));
        }
        let order = if q.descending { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM listings WHERE {cond} ORDER BY {} {order}, sku {order} \
             LIMIT {} OFFSET {}",
            q.sort_column,
            q.limit.max(1),
            q.offset.max(0)
        );
        let count_sql = format!("SELECT COUNT(*) FROM listings WHERE {cond}");
        let mut pc = self.acquire().await?;
        let rows = fetch_docs(pc.conn(), &sql, &binds).await?;
        let total: i64 = on_conn!(pc.conn(), |c| {
            let mut qq = sqlx::query_scalar(AssertSqlSafe(count_sql));
            for b in &binds {
                qq = match b {
                    Bind::Text(s) => qq.bind(s.clone()),
                    Bind::Int(i) => qq.bind(*i),
                };
            }
            qq.fetch_one(c).await?
        });
        Ok((rows, total))
    }

    /// A seller's listings of these ASINs in a marketplace (SKUs of catalog items).
    pub async fn listings_of_asins(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        asins: &[String],
    ) -> Result<Vec<ListingDoc>, StoreError> {
        if asins.is_empty() {
            return Ok(vec![]);
        }
        let mut binds = vec![
            Bind::Text(seller_id.into()),
            Bind::Text(marketplace_id.into()),
        ];
        let mut cond = String::from("seller_id = $1 AND marketplace_id = $2");
        push_in(&mut cond, &mut binds, "asin", asins);
        let sql = format!("SELECT {DOC_COLUMNS} FROM listings WHERE {cond} ORDER BY sku");
        fetch_docs(self.acquire().await?.conn(), &sql, &binds).await
    }

    /// Catalog items by ASIN (those that exist), in the order asked.
    pub async fn get_catalog_items(
        &self,
        asins: &[String],
    ) -> Result<Vec<CatalogItemRow>, StoreError> {
        let mut pc = self.acquire().await?;
        let mut out = Vec::new();
        for a in asins {
            if let Some(i) = get_catalog_item(pc.conn(), a).await?
                && !out.iter().any(|o: &CatalogItemRow| o.asin == i.asin)
            {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// ASINs carrying any of these identifiers of a type (`EAN`, `UPC`...), in no set order.
    pub async fn asins_by_identifier(
        &self,
        identifier_type: &str,
        identifiers: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        by_identifier(self.acquire().await?.conn(), identifier_type, identifiers).await
    }

    /// A keyword catalog search with brand and classification refinements.
    ///
    /// One query finds the matches through the word index (only their ASIN, brand and
    /// classification: the documents stay on disk); counts and refinements are made from that,
    /// and only the page's documents are read.
    pub async fn search_catalog(&self, q: &CatalogQuery) -> Result<CatalogSearch, StoreError> {
        let mut binds = Vec::new();
        let words: Vec<String> = q.keywords.iter().flat_map(|k| keywords_of(k)).collect();
        // The matching ASINs drive primary-key lookups, so that the catalog table (with its
        // documents) is never scanned.
        let from = if words.is_empty() {
            String::from("catalog_items c")
        } else {
            let parts: Vec<String> = words
                .iter()
                .map(|w| {
                    binds.push(Bind::Text(w.clone()));
                    format!(
                        "SELECT asin FROM catalog_keywords WHERE keyword = ${}",
                        binds.len()
                    )
                })
                .collect();
            // CROSS JOIN keeps the keyword matches as the outer loop in SQLite's planner (and is
            // an ordinary join with the WHERE condition on PostgreSQL).
            format!(
                "({}) k CROSS JOIN catalog_items c",
                parts.join(" INTERSECT ")
            )
        };
        let mut cond = if words.is_empty() && !q.keywords.is_empty() {
            String::from("1 = 0")
        } else if words.is_empty() {
            String::from("1 = 1")
        } else {
            String::from("c.asin = k.asin")
        };
        push_in(&mut cond, &mut binds, "c.brand", &q.brands);
        push_in(
            &mut cond,
            &mut binds,
            "c.classification_id",
            &q.classification_ids,
        );
        let sql = format!(
            "SELECT c.asin, c.brand, c.classification_id FROM {from} WHERE {cond} ORDER BY c.asin"
        );
        let mut pc = self.acquire().await?;
        let matches: Vec<(String, String, String)> = on_conn!(pc.conn(), |c| {
            let mut qq = sqlx::query_as(AssertSqlSafe(sql));
            for b in &binds {
                qq = match b {
                    Bind::Text(s) => qq.bind(s.clone()),
                    Bind::Int(i) => qq.bind(*i),
                };
            }
            qq.fetch_all(c).await?
        });
        let top = |mut counts: std::collections::HashMap<String, i64>| {
            let mut v: Vec<(String, i64)> = counts.drain().collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(10);
            v
        };
        let mut brands = std::collections::HashMap::new();
        let mut classes = std::collections::HashMap::new();
        for (_, b, c) in &matches {
            *brands.entry(b.clone()).or_insert(0i64) += 1;
            *classes.entry(c.clone()).or_insert(0i64) += 1;
        }
        let mut items = Vec::new();
        for (asin, _, _) in matches
            .iter()
            .skip(q.offset.max(0) as usize)
            .take(q.limit.max(1) as usize)
        {
            if let Some(i) = get_catalog_item(pc.conn(), asin).await? {
                items.push(i);
            }
        }
        Ok(CatalogSearch {
            total: matches.len() as i64,
            items,
            brands: top(brands),
            classifications: top(classes),
        })
    }
}

async fn by_identifier(
    conn: Conn<'_>,
    identifier_type: &str,
    identifiers: &[String],
) -> Result<Vec<(String, String)>, StoreError> {
    if identifiers.is_empty() {
        return Ok(vec![]);
    }
    let mut binds = vec![Bind::Text(identifier_type.into())];
    let mut cond = String::from("identifier_type = $1");
    push_in(&mut cond, &mut binds, "identifier", identifiers);
    let sql = format!(
        "SELECT identifier, asin FROM catalog_identifiers WHERE {cond} ORDER BY identifier, asin"
    );
    Ok(on_conn!(conn, |c| {
        let mut qq = sqlx::query_as(AssertSqlSafe(sql));
        for b in &binds {
            qq = match b {
                Bind::Text(s) => qq.bind(s.clone()),
                Bind::Int(i) => qq.bind(*i),
            };
        }
        qq.fetch_all(c).await?
    }))
}

impl StoreTx {
    /// Every seller's listing of an ASIN in a marketplace (the offers on its detail page), as
    /// this transaction sees them; by seller and SKU.
    pub async fn listings_of_asin(
        &mut self,
        asin: &str,
        marketplace_id: &str,
    ) -> Result<Vec<ListingDoc>, StoreError> {
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM listings WHERE asin = $1 AND marketplace_id = $2 \
             ORDER BY seller_id, sku"
        );
        let binds = [Bind::Text(asin.into()), Bind::Text(marketplace_id.into())];
        fetch_docs(self.conn(), &sql, &binds).await
    }

    /// A seller's listings of one SKU in every marketplace, as this transaction sees them.
    pub async fn listings_of_sku(
        &mut self,
        seller_id: &str,
        sku: &str,
    ) -> Result<Vec<ListingDoc>, StoreError> {
        let sql = format!(
            "SELECT {DOC_COLUMNS} FROM listings WHERE seller_id = $1 AND sku = $2 \
             ORDER BY marketplace_id"
        );
        let binds = [Bind::Text(seller_id.into()), Bind::Text(sku.into())];
        fetch_docs(self.conn(), &sql, &binds).await
    }

    /// One listing with its document, as this transaction sees it.
    pub async fn get_listing_doc(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<Option<ListingDoc>, StoreError> {
        get_doc(self.conn(), seller_id, sku, marketplace_id).await
    }

    /// Inserts or replaces a listing with its document.
    pub async fn put_listing_doc(&mut self, d: &ListingDoc) -> Result<(), StoreError> {
        put_doc(self.conn(), d).await
    }

    /// Deletes a listing; whether it existed.
    pub async fn delete_listing(
        &mut self,
        seller_id: &str,
        sku: &str,
        marketplace_id: &str,
    ) -> Result<bool, StoreError> {
        delete_listing(self.conn(), seller_id, sku, marketplace_id).await
    }

    /// ASINs carrying any of these identifiers of a type, as this transaction sees them.
    pub async fn asins_by_identifier(
        &mut self,
        identifier_type: &str,
        identifiers: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        by_identifier(self.conn(), identifier_type, identifiers).await
    }

    /// Inserts or replaces a catalog item with its classification and creation time, and
    /// records its product identifiers (type, value).
    pub async fn put_catalog_item(
        &mut self,
        item: &CatalogItemRow,
        classification_id: &str,
        created_at_us: i64,
        identifiers: &[(String, String)],
    ) -> Result<(), StoreError> {
        let doc = item.doc.to_string();
        on_conn!(self.conn(), |c| {
            sqlx::query(
                "INSERT INTO catalog_items (asin, title, brand, product_type, doc, \
                 classification_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (asin) DO UPDATE SET title = excluded.title, \
                 brand = excluded.brand, product_type = excluded.product_type, \
                 doc = excluded.doc, classification_id = excluded.classification_id",
            )
            .bind(&item.asin)
            .bind(&item.title)
            .bind(&item.brand)
            .bind(&item.product_type)
            .bind(&doc)
            .bind(classification_id)
            .bind(created_at_us)
            .execute(c)
            .await?;
        });
        on_conn!(self.conn(), |c| {
            sqlx::query("DELETE FROM catalog_keywords WHERE asin = $1")
                .bind(&item.asin)
                .execute(c)
                .await?;
        });
        let mut words = keywords_of(&item.title);
        words.extend(keywords_of(&item.brand));
        words.sort();
        words.dedup();
        if !words.is_empty() {
            let marks: Vec<String> = (0..words.len())
                .map(|i| format!("(${}, $1)", i + 2))
                .collect();
            let sql = format!(
                "INSERT INTO catalog_keywords (keyword, asin) VALUES {}",
                marks.join(", ")
            );
            on_conn!(self.conn(), |c| {
                let mut qq = sqlx::query(AssertSqlSafe(sql)).bind(&item.asin);
                for w in &words {
                    qq = qq.bind(w);
                }
                qq.execute(c).await?;
            });
        }
        for (t, v) in identifiers {
            on_conn!(self.conn(), |c| {
                sqlx::query(
                    "INSERT INTO catalog_identifiers (identifier_type, identifier, asin) \
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(t)
                .bind(v)
                .bind(&item.asin)
                .execute(c)
                .await?;
            });
        }
        Ok(())
    }
}

async fn sells_brand(
    conn: Conn<'_>,
    seller_id: &str,
    marketplace_id: &str,
    brand: &str,
) -> Result<bool, StoreError> {
    let n: i64 = on_conn!(conn, |c| {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM listings l JOIN catalog_items c ON c.asin = l.asin \
             WHERE l.seller_id = $1 AND l.marketplace_id = $2 AND c.brand = $3",
        )
        .bind(seller_id)
        .bind(marketplace_id)
        .bind(brand)
        .fetch_one(c)
        .await?
    });
    Ok(n > 0)
}

impl Store {
    /// Whether a seller lists any item of `brand` in a marketplace.
    pub async fn seller_sells_brand(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        brand: &str,
    ) -> Result<bool, StoreError> {
        sells_brand(
            self.acquire().await?.conn(),
            seller_id,
            marketplace_id,
            brand,
        )
        .await
    }
}

impl StoreTx {
    /// Whether a seller lists any item of `brand` in a marketplace, as this transaction sees it.
    pub async fn seller_sells_brand(
        &mut self,
        seller_id: &str,
        marketplace_id: &str,
        brand: &str,
    ) -> Result<bool, StoreError> {
        sells_brand(self.conn(), seller_id, marketplace_id, brand).await
    }
}
