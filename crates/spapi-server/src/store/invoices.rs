//! Brazil's invoices: `invoices` (the NF-e of the seller's Brazilian orders, Invoices
//! 2024-06-19), `invoice_exports`, `shipment_invoices` (Shipment Invoicing v0) and
//! `government_invoices`.

use sqlx::AssertSqlSafe;

use super::{Conn, Store, StoreError, StoreTx, on_conn};

/// An NF-e as stored. Its number (`externalInvoiceId`) is the row id.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceRow {
    /// The NF-e number, assigned by the store at insertion.
    pub number: i64,
    /// The public invoice id (a UUID).
    pub invoice_id: String,
    /// The seller (the NF-e's emitter).
    pub seller_id: String,
    /// The marketplace.
    pub marketplace_id: String,
    /// The order the invoice is for.
    pub order_id: String,
    /// The shipment of the order (Shipment Invoicing's AmazonShipmentId).
    pub shipment_id: String,
    /// The BUSINESS_TRANSACTION_ID.
    pub transaction_id: String,
    /// `invoiceType`.
    pub invoice_type: String,
    /// `transactionType`.
    pub transaction_type: String,
    /// The NF-e series.
    pub series: String,
    /// `AUTHORIZED`, `REJECTED` or `CANCELED`.
    pub status: String,
    /// Issue time, epoch µs.
    pub issued_at_us: i64,
    /// The rejection code (SEFAZ's `cStat`) of a rejected invoice.
    pub error_code: Option<String>,
    /// The government's answer to a rejected invoice.
    pub gov_response: Option<String>,
    /// The NF-e number of an invoice the seller submitted (`None`: [`InvoiceRow::number`]).
    pub external_id: Option<String>,
    /// The access key of an invoice the seller submitted (`None`: derived from the number).
    pub access_key: Option<String>,
}

impl InvoiceRow {
    /// The `externalInvoiceId`: the NF-e number.
    pub fn external_invoice_id(&self) -> String {
        self.external_id
            .clone()
            .unwrap_or_else(|| self.number.to_string())
    }
}

const INVOICE_COLUMNS: &str = "id, invoice_id, seller_id, marketplace_id, order_id, shipment_id, \
    transaction_id, invoice_type, transaction_type, series, status, issued_at, error_code, \
    gov_response, external_id, access_key";

type InvoiceTuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn invoice_from(t: InvoiceTuple) -> InvoiceRow {
    InvoiceRow {
        number: t.0,
        invoice_id: t.1,
        seller_id: t.2,
        marketplace_id: t.3,
        order_id: t.4,
        shipment_id: t.5,
        transaction_id: t.6,
        invoice_type: t.7,
        transaction_type: t.8,
        series: t.9,
        status: t.10,
        issued_at_us: t.11,
        error_code: t.12,
        gov_response: t.13,
        external_id: t.14,
        access_key: t.15,
    }
}

/// A search of one seller's invoices in one marketplace (getInvoices, exports).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InvoiceSearch {
    /// The seller.
    pub seller_id: String,
    /// The marketplace.
    pub marketplace_id: String,
    /// Issued at or after, epoch µs.
    pub from_us: Option<i64>,
    /// Issued at or before, epoch µs.
    pub to_us: Option<i64>,
    /// Statuses (any of).
    pub statuses: Vec<String>,
    /// `invoiceType`.
    pub invoice_type: Option<String>,
    /// `transactionType`.
    pub transaction_type: Option<String>,
    /// Series.
    pub series: Option<String>,
    /// The NF-e number (`externalInvoiceId`).
    pub number: Option<String>,
    /// The order (transaction identifier ORDER_ID).
    pub order_id: Option<String>,
    /// The shipment (transaction identifier SHIPMENT_ID).
    pub shipment_id: Option<String>,
    /// The BUSINESS_TRANSACTION_ID.
    pub transaction_id: Option<String>,
    /// Newest first.
    pub descending: bool,
}

enum Bind {
    Text(String),
    Int(i64),
}

fn eq_text(sql: &mut String, binds: &mut Vec<Bind>, column: &str, value: &Option<String>) {
    if let Some(v) = value {
        binds.push(Bind::Text(v.clone()));
        sql.push_str(&format!(" AND {column} = ${}", binds.len()));
    }
}

async fn get_invoice(
    conn: Conn<'_>,
    seller_id: &str,
    invoice_id: &str,
) -> Result<Option<InvoiceRow>, StoreError> {
    let sql =
        format!("SELECT {INVOICE_COLUMNS} FROM invoices WHERE seller_id = $1 AND invoice_id = $2");
    let row: Option<InvoiceTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(invoice_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(invoice_from))
}

impl Store {
    /// A seller's invoice by its public id.
    pub async fn get_invoice(
        &self,
        seller_id: &str,
        invoice_id: &str,
    ) -> Result<Option<InvoiceRow>, StoreError> {
        get_invoice(self.acquire().await?.conn(), seller_id, invoice_id).await
    }

    /// A page of invoices matching `s`, by (issue time, number) ascending or descending, after
    /// the keyset position `after`.
    pub async fn search_invoices(
        &self,
        s: &InvoiceSearch,
        after: Option<(i64, i64)>,
        limit: u32,
    ) -> Result<Vec<InvoiceRow>, StoreError> {
        let mut binds = vec![
            Bind::Text(s.seller_id.clone()),
            Bind::Text(s.marketplace_id.clone()),
        ];
        let mut sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE seller_id = $1 AND marketplace_id = $2"
        );
        if let Some(v) = s.from_us {
            binds.push(Bind::Int(v));
            sql.push_str(&format!(" AND issued_at >= ${}", binds.len()));
        }
        if let Some(v) = s.to_us {
            binds.push(Bind::Int(v));
            sql.push_str(&format!(" AND issued_at <= ${}", binds.len()));
        }
        if !s.statuses.is_empty() {
            let mut marks = Vec::new();
            for v in &s.statuses {
                binds.push(Bind::Text(v.clone()));
                marks.push(format!("${}", binds.len()));
            }
            sql.push_str(&format!(" AND status IN ({})", marks.join(", ")));
        }
        eq_text(&mut sql, &mut binds, "invoice_type", &s.invoice_type);
        eq_text(
            &mut sql,
            &mut binds,
            "transaction_type",
            &s.transaction_type,
        );
        eq_text(&mut sql, &mut binds, "series", &s.series);
        eq_text(&mut sql, &mut binds, "order_id", &s.order_id);
        eq_text(&mut sql, &mut binds, "shipment_id", &s.shipment_id);
        eq_text(&mut sql, &mut binds, "transaction_id", &s.transaction_id);
        if let Some(n) = &s.number {
            binds.push(Bind::Text(n.clone()));
            sql.push_str(&format!(
                " AND COALESCE(external_id, CAST(id AS TEXT)) = ${}",
                binds.len()
            ));
        }
        let (cmp, dir) = if s.descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        if let Some((at, id)) = after {
            binds.push(Bind::Int(at));
            let a = binds.len();
            binds.push(Bind::Int(id));
            let b = binds.len();
            sql.push_str(&format!(
                " AND (issued_at {cmp} ${a} OR (issued_at = ${a} AND id {cmp} ${b}))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY issued_at {dir}, id {dir} LIMIT {}",
            limit.max(1)
        ));
        let rows: Vec<InvoiceTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql));
            for b in &binds {
                q = match b {
                    Bind::Text(v) => q.bind(v.clone()),
                    Bind::Int(v) => q.bind(*v),
                };
            }
            q.fetch_all(c).await?
        });
        Ok(rows.into_iter().map(invoice_from).collect())
    }

    /// The seller's orders in `marketplace_id` that may need an invoice and have none yet:
    /// (order id, channel, status, electronic invoice status, last update µs), oldest first.
    pub async fn orders_without_invoice(
        &self,
        seller_id: &str,
        marketplace_id: &str,
    ) -> Result<Vec<(String, String, String, Option<String>, i64)>, StoreError> {
        let sql = "SELECT o.amazon_order_id, o.fulfillment_channel, o.order_status, \
                   o.electronic_invoice_status, o.updated_at FROM orders o \
                   WHERE o.seller_id = $1 AND o.marketplace_id = $2 \
                   AND o.order_status IN ('Shipped', 'InvoiceUnconfirmed') \
                   AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.seller_id = o.seller_id \
                   AND i.order_id = o.amazon_order_id) ORDER BY o.updated_at, o.id";
        let rows = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(sql)
                .bind(seller_id)
                .bind(marketplace_id)
                .fetch_all(c)
                .await?
        });
        Ok(rows)
    }
}

impl StoreTx {
    /// A seller's invoice of `order_id` and `invoice_type`, as this transaction sees it.
    pub async fn invoice_of_order(
        &mut self,
        seller_id: &str,
        order_id: &str,
        invoice_type: &str,
    ) -> Result<Option<InvoiceRow>, StoreError> {
        let sql = format!(
            "SELECT {INVOICE_COLUMNS} FROM invoices WHERE seller_id = $1 AND order_id = $2 \
             AND invoice_type = $3"
        );
        let row: Option<InvoiceTuple> = on_conn!(self.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(order_id)
                .bind(invoice_type)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(invoice_from))
    }

    /// Inserts an invoice (its number is assigned) unless the seller's order already has one
    /// of its type; whether it was inserted.
    pub async fn insert_invoice(&mut self, r: &InvoiceRow) -> Result<bool, StoreError> {
        let sql = "INSERT INTO invoices (invoice_id, seller_id, marketplace_id, order_id, \
                   shipment_id, transaction_id, invoice_type, transaction_type, series, status, \
                   issued_at, error_code, gov_response, external_id, access_key) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                   ON CONFLICT DO NOTHING";
        let n = on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(&r.invoice_id)
                .bind(&r.seller_id)
                .bind(&r.marketplace_id)
                .bind(&r.order_id)
                .bind(&r.shipment_id)
                .bind(&r.transaction_id)
                .bind(&r.invoice_type)
                .bind(&r.transaction_type)
                .bind(&r.series)
                .bind(&r.status)
                .bind(r.issued_at_us)
                .bind(&r.error_code)
                .bind(&r.gov_response)
                .bind(&r.external_id)
                .bind(&r.access_key)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    /// Sets an invoice's status, issue time and government answer.
    pub async fn update_invoice_status(&mut self, r: &InvoiceRow) -> Result<(), StoreError> {
        let sql = "UPDATE invoices SET status = $2, issued_at = $3, error_code = $4, \
                   gov_response = $5, series = $6, external_id = $7, access_key = $8 \
                   WHERE invoice_id = $1";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(&r.invoice_id)
                .bind(&r.status)
                .bind(r.issued_at_us)
                .bind(&r.error_code)
                .bind(&r.gov_response)
                .bind(&r.series)
                .bind(&r.external_id)
                .bind(&r.access_key)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

/// An invoice export as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    /// The public export id (a UUID).
    pub export_id: String,
    /// The seller.
    pub seller_id: String,
    /// The marketplace.
    pub marketplace_id: String,
    /// `REQUESTED`, `PROCESSING`, `DONE` or `ERROR`.
    pub status: String,
    /// The search the export runs (JSON of an [`InvoiceSearch`]).
    pub filters: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
    /// Generation start, epoch µs.
    pub started_at_us: Option<i64>,
    /// Generation end, epoch µs.
    pub finished_at_us: Option<i64>,
    /// Why the export failed.
    pub error_message: Option<String>,
    /// The ZIP document, once DONE.
    pub document_id: Option<String>,
}

const EXPORT_COLUMNS: &str = "export_id, seller_id, marketplace_id, status, filters, created_at, \
    started_at, finished_at, error_message, document_id";

type ExportTuple = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn export_from(t: ExportTuple) -> ExportRow {
    ExportRow {
        export_id: t.0,
        seller_id: t.1,
        marketplace_id: t.2,
        status: t.3,
        filters: t.4,
        created_at_us: t.5,
        started_at_us: t.6,
        finished_at_us: t.7,
        error_message: t.8,
        document_id: t.9,
    }
}

async fn get_export(conn: Conn<'_>, export_id: &str) -> Result<Option<ExportRow>, StoreError> {
    let sql = format!("SELECT {EXPORT_COLUMNS} FROM invoice_exports WHERE export_id = $1");
    let row: Option<ExportTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(export_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(export_from))
}

impl Store {
    /// An export by id (any seller's: the caller checks the owner).
    pub async fn get_invoice_export(
        &self,
        export_id: &str,
    ) -> Result<Option<ExportRow>, StoreError> {
        get_export(self.acquire().await?.conn(), export_id).await
    }

    /// The seller's export whose ZIP is document `document_id`.
    pub async fn invoice_export_of_document(
        &self,
        seller_id: &str,
        document_id: &str,
    ) -> Result<Option<ExportRow>, StoreError> {
        let sql = format!(
            "SELECT {EXPORT_COLUMNS} FROM invoice_exports WHERE seller_id = $1 \
             AND document_id = $2"
        );
        let row: Option<ExportTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(document_id)
                .fetch_optional(c)
                .await?
        });
        Ok(row.map(export_from))
    }

    /// A page of a seller's exports in a marketplace created in `[from, to]`, optionally of one
    /// status, newest first, after the keyset position `after` (creation, export id).
    pub async fn list_invoice_exports(
        &self,
        seller_id: &str,
        marketplace_id: &str,
        window: (i64, i64),
        status: Option<&str>,
        after: Option<(i64, &str)>,
        limit: u32,
    ) -> Result<Vec<ExportRow>, StoreError> {
        let mut sql = format!(
            "SELECT {EXPORT_COLUMNS} FROM invoice_exports WHERE seller_id = $1 \
             AND marketplace_id = $2 AND created_at >= $3 AND created_at <= $4 \
             AND ($5 = '' OR status = $5)"
        );
        if after.is_some() {
            sql.push_str(" AND (created_at < $6 OR (created_at = $6 AND export_id < $7))");
        }
        sql.push_str(&format!(
            " ORDER BY created_at DESC, export_id DESC LIMIT {}",
            limit.max(1)
        ));
        let rows: Vec<ExportTuple> = on_conn!(self.acquire().await?.conn(), |c| {
            let mut q = sqlx::query_as(AssertSqlSafe(sql))
                .bind(seller_id)
                .bind(marketplace_id)
                .bind(window.0)
                .bind(window.1)
                .bind(status.unwrap_or(""));
            if let Some((at, id)) = after {
                q = q.bind(at).bind(id);
            }
            q.fetch_all(c).await?
        });
        Ok(rows.into_iter().map(export_from).collect())
    }
}

impl StoreTx {
    /// An export, as this transaction sees it.
    pub async fn get_invoice_export(
        &mut self,
        export_id: &str,
    ) -> Result<Option<ExportRow>, StoreError> {
        get_export(self.conn(), export_id).await
    }

    /// Inserts an export.
    pub async fn insert_invoice_export(&mut self, r: &ExportRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO invoice_exports ({EXPORT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.export_id)
                .bind(&r.seller_id)
                .bind(&r.marketplace_id)
                .bind(&r.status)
                .bind(&r.filters)
                .bind(r.created_at_us)
                .bind(r.started_at_us)
                .bind(r.finished_at_us)
                .bind(&r.error_message)
                .bind(&r.document_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// Replaces an export's status, times, error and document.
    pub async fn update_invoice_export(&mut self, r: &ExportRow) -> Result<(), StoreError> {
        let sql = "UPDATE invoice_exports SET status = $2, started_at = $3, finished_at = $4, \
                   error_message = $5, document_id = $6 WHERE export_id = $1";
        on_conn!(self.conn(), |c| {
            sqlx::query(sql)
                .bind(&r.export_id)
                .bind(&r.status)
                .bind(r.started_at_us)
                .bind(r.finished_at_us)
                .bind(&r.error_message)
                .bind(&r.document_id)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

/// The NF-e a seller submitted for a shipment.
#[derive(Debug, Clone, PartialEq)]
pub struct ShipmentInvoiceRow {
    /// The seller.
    pub seller_id: String,
    /// The AmazonShipmentId.
    pub shipment_id: String,
    /// The order shipped.
    pub order_id: String,
    /// `Processing`, `Accepted` or `Errored`.
    pub status: String,
    /// Submission time, epoch µs.
    pub submitted_at_us: i64,
    /// The NF-e XML.
    pub content: String,
    /// What was wrong with it (JSON array of strings).
    pub errors: String,
}

const SHIPMENT_COLUMNS: &str =
    "seller_id, shipment_id, order_id, status, submitted_at, content, errors";

type ShipmentTuple = (String, String, String, String, i64, String, String);

fn shipment_from(t: ShipmentTuple) -> ShipmentInvoiceRow {
    ShipmentInvoiceRow {
        seller_id: t.0,
        shipment_id: t.1,
        order_id: t.2,
        status: t.3,
        submitted_at_us: t.4,
        content: t.5,
        errors: t.6,
    }
}

async fn get_shipment_invoice(
    conn: Conn<'_>,
    seller_id: &str,
    shipment_id: &str,
) -> Result<Option<ShipmentInvoiceRow>, StoreError> {
    let sql = format!(
        "SELECT {SHIPMENT_COLUMNS} FROM shipment_invoices WHERE seller_id = $1 \
         AND shipment_id = $2"
    );
    let row: Option<ShipmentTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(shipment_id)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(shipment_from))
}

impl Store {
    /// The invoice a seller submitted for a shipment.
    pub async fn get_shipment_invoice(
        &self,
        seller_id: &str,
        shipment_id: &str,
    ) -> Result<Option<ShipmentInvoiceRow>, StoreError> {
        get_shipment_invoice(self.acquire().await?.conn(), seller_id, shipment_id).await
    }
}

impl StoreTx {
    /// The invoice a seller submitted for a shipment, as this transaction sees it.
    pub async fn get_shipment_invoice(
        &mut self,
        seller_id: &str,
        shipment_id: &str,
    ) -> Result<Option<ShipmentInvoiceRow>, StoreError> {
        get_shipment_invoice(self.conn(), seller_id, shipment_id).await
    }

    /// Inserts or replaces the invoice of a shipment.
    pub async fn put_shipment_invoice(&mut self, r: &ShipmentInvoiceRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO shipment_invoices ({SHIPMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (seller_id, shipment_id) DO UPDATE SET order_id = $3, status = $4, \
             submitted_at = $5, content = $6, errors = $7"
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.seller_id)
                .bind(&r.shipment_id)
                .bind(&r.order_id)
                .bind(&r.status)
                .bind(r.submitted_at_us)
                .bind(&r.content)
                .bind(&r.errors)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}

/// A government invoice request as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernmentInvoiceRow {
    /// The seller.
    pub seller_id: String,
    /// The inbound shipment.
    pub shipment_id: String,
    /// `invoiceType`.
    pub invoice_type: String,
    /// `transactionType`.
    pub transaction_type: String,
    /// The marketplace.
    pub marketplace_id: String,
    /// The inbound plan.
    pub inbound_plan_id: Option<String>,
    /// `PROCESSING`, `SUCCESS` or `ERROR`.
    pub status: String,
    /// The 44-digit access key, once issued.
    pub access_key: Option<String>,
    /// JSON array of `{errorCode, description}`.
    pub errors: String,
    /// The request, as JSON.
    pub request: String,
    /// Creation, epoch µs.
    pub created_at_us: i64,
}

const GOV_COLUMNS: &str = "seller_id, shipment_id, invoice_type, transaction_type, \
    marketplace_id, inbound_plan_id, status, access_key, errors, request, created_at";

type GovTuple = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    i64,
);

fn gov_from(t: GovTuple) -> GovernmentInvoiceRow {
    GovernmentInvoiceRow {
        seller_id: t.0,
        shipment_id: t.1,
        invoice_type: t.2,
        transaction_type: t.3,
        marketplace_id: t.4,
        inbound_plan_id: t.5,
        status: t.6,
        access_key: t.7,
        errors: t.8,
        request: t.9,
        created_at_us: t.10,
    }
}

async fn get_gov(
    conn: Conn<'_>,
    seller_id: &str,
    shipment_id: &str,
    invoice_type: &str,
    transaction_type: &str,
) -> Result<Option<GovernmentInvoiceRow>, StoreError> {
    let sql = format!(
        "SELECT {GOV_COLUMNS} FROM government_invoices WHERE seller_id = $1 \
         AND shipment_id = $2 AND invoice_type = $3 AND transaction_type = $4"
    );
    let row: Option<GovTuple> = on_conn!(conn, |c| {
        sqlx::query_as(AssertSqlSafe(sql))
            .bind(seller_id)
            .bind(shipment_id)
            .bind(invoice_type)
            .bind(transaction_type)
            .fetch_optional(c)
            .await?
    });
    Ok(row.map(gov_from))
}

impl Store {
    /// A seller's government invoice of a shipment.
    pub async fn get_government_invoice(
        &self,
        seller_id: &str,
        shipment_id: &str,
        invoice_type: &str,
        transaction_type: &str,
    ) -> Result<Option<GovernmentInvoiceRow>, StoreError> {
        get_gov(
            self.acquire().await?.conn(),
            seller_id,
            shipment_id,
            invoice_type,
            transaction_type,
        )
        .await
    }
}

impl StoreTx {
    /// A seller's government invoice of a shipment, as this transaction sees it.
    pub async fn get_government_invoice(
        &mut self,
        seller_id: &str,
        shipment_id: &str,
        invoice_type: &str,
        transaction_type: &str,
    ) -> Result<Option<GovernmentInvoiceRow>, StoreError> {
        get_gov(
            self.conn(),
            seller_id,
            shipment_id,
            invoice_type,
            transaction_type,
        )
        .await
    }

    /// Inserts or replaces a government invoice request.
    pub async fn put_government_invoice(
        &mut self,
        r: &GovernmentInvoiceRow,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO government_invoices ({GOV_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (seller_id, shipment_id, invoice_type, transaction_type) DO UPDATE SET \
             marketplace_id = $5, inbound_plan_id = $6, status = $7, access_key = $8, \
             errors = $9, request = $10, created_at = $11"
        );
        on_conn!(self.conn(), |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.seller_id)
                .bind(&r.shipment_id)
                .bind(&r.invoice_type)
                .bind(&r.transaction_type)
                .bind(&r.marketplace_id)
                .bind(&r.inbound_plan_id)
                .bind(&r.status)
                .bind(&r.access_key)
                .bind(&r.errors)
                .bind(&r.request)
                .bind(r.created_at_us)
                .execute(c)
                .await?;
        });
        Ok(())
    }
}
