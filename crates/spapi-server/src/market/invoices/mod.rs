//! Brazil's invoices: the NF-e of the seller's Brazilian orders (Invoices 2024-06-19), their
//! exports as ZIP archives of XML on the clock, government invoices of inbound shipments
//! ([`government`]), and the NF-e sellers submit for FBA shipments (Shipment Invoicing v0,
//! [`shipments`]).
//!
//! # Invoices of orders
//!
//! An order of the Brazilian marketplace has one sales invoice (`invoiceType` and
//! `transactionType` `CUSTOMER_SALES`) once it is invoiced:
//!
//! - a seller-fulfilled order whose `ElectronicInvoiceStatus` is `Accepted` (AUTHORIZED) or
//!   `Errored` (REJECTED, with SEFAZ's code and answer), series `1`;
//! - an FBA order once shipped (AUTHORIZED), series `2`, unless the seller submits its NF-e
//!   through Shipment Invoicing, in which case the invoice appears when Amazon accepts it, with
//!   the series, number and access key of the submitted document.
//!
//! Invoices are made lazily: every read first records the invoices of the seller's orders that
//! have none yet ([`InvoicesService::sync`]), in one transaction. The NF-e number
//! (`externalInvoiceId`) is the row's id; the access key is derived from it, the seller's CNPJ
//! ([`nfe::seller_cnpj`]) and the month of issue. `transactionIds` name the invoice's
//! `BUSINESS_TRANSACTION_ID`, the `ORDER_ID` and the `SHIPMENT_ID` (Shipment Invoicing's id).
//!
//! # Exports
//!
//! createInvoicesExport records the search; a job moves it to PROCESSING 2 s later and another
//! writes the ZIP archives ([`zip`]) 10 s after that: one XML file per invoice (the NF-e with its
//! authorization protocol, `nfeProc`), at most [`INVOICES_PER_DOCUMENT`] per archive, each
//! archive a document behind spapi's signed URLs.

pub mod government;
pub mod nfe;
pub mod shipments;
pub mod zip;

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::documents::{Documents, UrlOp, derived_document_id};
use crate::market::money;
use crate::market::paging;
use crate::store::documents::DocumentRow;
use crate::store::invoices::{ExportRow, InvoiceRow, InvoiceSearch};
use crate::store::{OrderRow, Store, StoreTx};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use spapi_model::invoices_2024_06_19 as m;

/// Amazon.com.br, the one marketplace with invoices.
pub const BRAZIL: &str = "A2Q3Y263D00KWC";
/// Job: an export moves one step (`step` `start` or `generate`).
pub const JOB_EXPORT: &str = "invoices.export";
/// From REQUESTED to PROCESSING.
pub const EXPORT_STARTS_AFTER: SignedDuration = SignedDuration::from_secs(2);
/// From PROCESSING to DONE.
pub const EXPORT_TAKES: SignedDuration = SignedDuration::from_secs(10);
/// Invoices per ZIP archive of an export.
pub const INVOICES_PER_DOCUMENT: usize = 1000;
/// The sales invoice type and transaction type.
pub const CUSTOMER_SALES: &str = "CUSTOMER_SALES";
/// Series of the seller's own NF-e for seller-fulfilled orders.
pub const SERIES_MFN: &str = "1";
/// Series of the NF-e of FBA shipments.
pub const SERIES_FBA: &str = "2";
/// Amazon's message for a bad request in this API.
pub const NEXT_TOKEN_ALONE: &str =
    "Specifying nextToken with any other parameters will cause the request to fail.";

const DEFAULT_INVOICES_PAGE: i64 = 100;
const MAX_INVOICES_PAGE: i64 = 200;
const MAX_INVOICES_IN_PAGE: i64 = 100;
const DEFAULT_EXPORTS_PAGE: i64 = 100;
const MAX_EXPORTS_PAGE: i64 = 100;
/// The statuses an invoice can have.
pub const STATUSES: &[(&str, &str)] = &[
    ("AUTHORIZED", "The government authorized the invoice."),
    ("REJECTED", "The government rejected the invoice."),
    ("CANCELED", "The invoice was canceled."),
];
/// Invoice types.
pub const INVOICE_TYPES: &[(&str, &str)] = &[
    (CUSTOMER_SALES, "Sale of goods to a customer."),
    (
        government::REMITTANCE,
        "Remittance of goods to an Amazon fulfillment center.",
    ),
];
/// Transaction types.
pub const TRANSACTION_TYPES: &[(&str, &str)] = &[
    (CUSTOMER_SALES, "A customer order."),
    (
        government::INBOUND_SHIPMENT,
        "An inbound shipment to Amazon's fulfillment network.",
    ),
];
/// Transaction identifier names.
pub const TRANSACTION_ID_NAMES: &[(&str, &str)] = &[
    ("BUSINESS_TRANSACTION_ID", "Amazon's id of the transaction."),
    ("ORDER_ID", "The Amazon order id."),
    (
        "SHIPMENT_ID",
        "The Amazon shipment id (Shipment Invoicing API).",
    ),
];

fn us(t: Timestamp) -> i64 {
    t.as_microsecond()
}

fn seller(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

/// A UUID (version 4 layout) derived from `label`.
pub(crate) fn derived_uuid(label: &str) -> String {
    let d = Sha256::digest(label.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid().to_string()
}

/// Checks the `marketplaceId` of a call: Brazil, and a marketplace of the seller.
pub fn check_marketplace(caller: &Caller, field: &str, id: &str) -> Result<()> {
    if id != BRAZIL {
        return Err(Error::invalid_parameter(
            field,
            format!(
                "Invalid value for '{field}': {id}. Invoices are available in Brazil ({BRAZIL}) only."
            ),
        ));
    }
    if !caller.marketplace_ids.iter().any(|m| m == id) {
        return Err(Error::invalid_parameter(
            field,
            format!("The seller does not participate in marketplace {id}."),
        ));
    }
    Ok(())
}

fn options(list: &[(&str, &str)]) -> Vec<m::AttributeOption> {
    list.iter()
        .map(|(v, d)| m::AttributeOption {
            value: Some(v.to_string()),
            description: Some(d.to_string()),
        })
        .collect()
}

fn date(field: &str, v: Option<&str>) -> Result<Option<i64>> {
    match v {
        None => Ok(None),
        Some(s) => crate::time::parse_date_time(s)
            .map(|t| Some(us(t)))
            .ok_or_else(|| {
                Error::invalid_parameter(
                    field,
                    format!("Invalid value for '{field}': {s} is not an ISO 8601 date-time."),
                )
            }),
    }
}

fn one_of(field: &str, v: &str, list: &[(&str, &str)]) -> Result<()> {
    if list.iter().any(|(x, _)| *x == v) {
        return Ok(());
    }
    Err(Error::invalid_parameter(
        field,
        format!(
            "Invalid value for '{field}': {v}. Valid values: {}.",
            list.iter().map(|(x, _)| *x).collect::<Vec<_>>().join(", ")
        ),
    ))
}

/// The filters of getInvoices and createInvoicesExport, before checking.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// `marketplaceId`.
    pub marketplace_id: String,
    /// `dateStart`.
    pub date_start: Option<String>,
    /// `dateEnd`.
    pub date_end: Option<String>,
    /// `statuses`.
    pub statuses: Vec<String>,
    /// `invoiceType`.
    pub invoice_type: Option<String>,
    /// `transactionType`.
    pub transaction_type: Option<String>,
    /// `transactionIdentifierName`.
    pub transaction_identifier_name: Option<String>,
    /// `transactionIdentifierId`.
    pub transaction_identifier_id: Option<String>,
    /// `series`.
    pub series: Option<String>,
    /// `externalInvoiceId`.
    pub external_invoice_id: Option<String>,
    /// `sortOrder` ASC (else DESC).
    pub ascending: bool,
}

impl Filters {
    /// Whether any filter besides the marketplace is given (with a `nextToken`, a 400).
    fn any(&self) -> bool {
        self.date_start.is_some()
            || self.date_end.is_some()
            || !self.statuses.is_empty()
            || self.invoice_type.is_some()
            || self.transaction_type.is_some()
            || self.transaction_identifier_name.is_some()
            || self.transaction_identifier_id.is_some()
            || self.series.is_some()
            || self.external_invoice_id.is_some()
    }

    /// The search these filters make for the seller, at `now`.
    fn search(&self, seller_id: &str, now: Timestamp) -> Result<InvoiceSearch> {
        let now_us = us(now);
        let from = date("dateStart", self.date_start.as_deref())?
            .unwrap_or(now_us - 24 * 3600 * 1_000_000);
        let to = date("dateEnd", self.date_end.as_deref())?.unwrap_or(now_us);
        if from > to {
            return Err(Error::invalid_parameter(
                "dateStart",
                "Invalid value for 'dateStart': it must not be after 'dateEnd'.",
            ));
        }
        for s in &self.statuses {
            one_of("statuses", s, STATUSES)?;
        }
        let (mut order_id, mut shipment_id, mut transaction_id) = (None, None, None);
        match (
            self.transaction_identifier_name.as_deref(),
            self.transaction_identifier_id.as_deref(),
        ) {
            (None, None) => {}
            (Some(name), Some(id)) => match name {
                "ORDER_ID" => order_id = Some(id.to_string()),
                "SHIPMENT_ID" => shipment_id = Some(id.to_string()),
                "BUSINESS_TRANSACTION_ID" => transaction_id = Some(id.to_string()),
                other => {
                    one_of("transactionIdentifierName", other, TRANSACTION_ID_NAMES)?;
                }
            },
            (Some(_), None) => {
                return Err(Error::invalid_parameter(
                    "transactionIdentifierId",
                    "Missing required parameter 'transactionIdentifierId': it goes with 'transactionIdentifierName'.",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::invalid_parameter(
                    "transactionIdentifierName",
                    "Missing required parameter 'transactionIdentifierName': it goes with 'transactionIdentifierId'.",
                ));
            }
        }
        Ok(InvoiceSearch {
            seller_id: seller_id.to_string(),
            marketplace_id: self.marketplace_id.clone(),
            from_us: Some(from),
            to_us: Some(to),
            statuses: self.statuses.clone(),
            invoice_type: self.invoice_type.clone(),
            transaction_type: self.transaction_type.clone(),
            series: self.series.clone(),
            number: self.external_invoice_id.clone(),
            order_id,
            shipment_id,
            transaction_id,
            descending: !self.ascending,
        })
    }
}

/// A page of getInvoices.
#[derive(Debug, Clone)]
pub struct InvoicePage {
    /// The invoices.
    pub invoices: Vec<m::Invoice>,
    /// The next page's token.
    pub next_token: Option<String>,
}

/// A page of getInvoicesExports.
#[derive(Debug, Clone)]
pub struct ExportPage {
    /// The exports.
    pub exports: Vec<m::Export>,
    /// The next page's token.
    pub next_token: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct InvoiceCursor {
    kind: String,
    search: InvoiceSearch,
    size: i64,
    at: i64,
    id: i64,
}

#[derive(Serialize, Deserialize)]
struct ExportCursor {
    kind: String,
    seller: String,
    marketplace: String,
    from: i64,
    to: i64,
    status: Option<String>,
    size: i64,
    at: i64,
    id: String,
}

/// The wire `Invoice` of a row.
pub fn invoice_doc(r: &InvoiceRow) -> m::Invoice {
    let tid = |name: &str, id: &str| m::TransactionIdentifier {
        name: Some(name.to_string()),
        id: Some(id.to_string()),
    };
    m::Invoice {
        id: Some(r.invoice_id.clone()),
        date: Some(crate::time::iso_millis(r.issued_at_us)),
        error_code: Some(r.error_code.clone().unwrap_or_default()),
        external_invoice_id: Some(r.external_invoice_id()),
        gov_response: Some(r.gov_response.clone().unwrap_or_default()),
        invoice_type: Some(r.invoice_type.clone()),
        series: Some(r.series.clone()),
        status: Some(r.status.clone()),
        transaction_ids: Some(vec![
            tid("BUSINESS_TRANSACTION_ID", &r.transaction_id),
            tid("ORDER_ID", &r.order_id),
            tid("SHIPMENT_ID", &r.shipment_id),
        ]),
        transaction_type: Some(r.transaction_type.clone()),
    }
}

/// The access key of an invoice.
pub fn access_key_of(r: &InvoiceRow) -> String {
    if let Some(k) = &r.access_key {
        return k.clone();
    }
    let issued = Timestamp::from_microsecond(r.issued_at_us).unwrap_or_default();
    let yymm = issued.strftime("%y%m").to_string();
    let code = nfe::digits(&format!("cnf:{}", r.invoice_id), 8);
    nfe::access_key(
        &yymm,
        &nfe::seller_cnpj(&r.seller_id),
        &r.series,
        r.number,
        &code,
    )
}

/// A rejected NF-e of generated history: SEFAZ's code and answer.
// Which rejection a seller meets is not in the world; spapi picks one of SEFAZ's common ones.
const HISTORY_REJECTION: (&str, &str) = (
    "225",
    "Rejeição: Falha no Schema XML da NF-e (valor do ICMS divergente)",
);

/// The row of a new invoice of `order_id`.
#[allow(clippy::too_many_arguments)]
fn new_invoice(
    seller_id: &str,
    marketplace_id: &str,
    order_id: &str,
    series: &str,
    status: &str,
    at_us: i64,
    error: Option<(&str, &str)>,
) -> InvoiceRow {
    InvoiceRow {
        number: 0,
        invoice_id: derived_uuid(&format!("invoice:{seller_id}:{order_id}:{CUSTOMER_SALES}")),
        seller_id: seller_id.to_string(),
        marketplace_id: marketplace_id.to_string(),
        order_id: order_id.to_string(),
        shipment_id: shipments::shipment_id_of(order_id).unwrap_or_default(),
        transaction_id: derived_uuid(&format!("transaction:{seller_id}:{order_id}")),
        invoice_type: CUSTOMER_SALES.to_string(),
        transaction_type: CUSTOMER_SALES.to_string(),
        series: series.to_string(),
        status: status.to_string(),
        issued_at_us: at_us,
        error_code: error.map(|e| e.0.to_string()),
        gov_response: error.map(|e| e.1.to_string()),
        external_id: None,
        access_key: None,
    }
}

/// Records the invoice of an order whose NF-e was accepted (Shipment Invoicing): a new
/// AUTHORIZED invoice, or the order's invoice made AUTHORIZED, with the submitted series,
/// number and key.
pub(crate) async fn record_accepted(
    tx: &mut StoreTx,
    order: &OrderRow,
    submitted: &nfe::Submitted,
    at: Timestamp,
) -> Result<()> {
    let series = if submitted.series.is_empty() {
        SERIES_FBA
    } else {
        submitted.series.as_str()
    };
    let mut row = match tx
        .invoice_of_order(&order.seller_id, &order.amazon_order_id, CUSTOMER_SALES)
        .await?
    {
        Some(r) => r,
        None => new_invoice(
            &order.seller_id,
            &order.marketplace_id,
            &order.amazon_order_id,
            series,
            "AUTHORIZED",
            us(at),
            None,
        ),
    };
    row.series = series.to_string();
    row.status = "AUTHORIZED".into();
    row.issued_at_us = us(at);
    row.error_code = None;
    row.gov_response = None;
    row.external_id = Some(submitted.number.clone());
    row.access_key = Some(submitted.key.clone());
    if row.number == 0 {
        tx.insert_invoice(&row).await?;
    } else {
        tx.update_invoice_status(&row).await?;
    }
    Ok(())
}

/// The NF-e XML of an invoice, from its order.
pub fn render_invoice(r: &InvoiceRow, order: &OrderRow, seller_name: &str) -> Result<String> {
    let doc = crate::market::orders::order_doc(order)?;
    let items = crate::market::orders::order_items(order)?;
    let cur = "BRL";
    let amount = |m: &Option<spapi_model::orders_v0::Money>| {
        m.as_ref()
            .and_then(|m| m.amount.as_deref())
            .and_then(|a| money::parse(a, cur))
            .unwrap_or(0)
    };
    let lines = items
        .iter()
        .map(|i| nfe::Line {
            sku: i.seller_sku.clone().unwrap_or_else(|| i.asin.clone()),
            title: i.title.clone().unwrap_or_default(),
            quantity: i.quantity_ordered,
            amount: amount(&i.item_price),
            freight: amount(&i.shipping_price),
            discount: amount(&i.promotion_discount) + amount(&i.shipping_discount),
        })
        .collect();
    let address = doc.shipping_address.clone().unwrap_or_default();
    let (status_code, status_text) = match r.status.as_str() {
        "AUTHORIZED" => ("100".to_string(), "Autorizado o uso da NF-e".to_string()),
        "CANCELED" => (
            "101".to_string(),
            "Cancelamento de NF-e homologado".to_string(),
        ),
        _ => (
            r.error_code.clone().unwrap_or_else(|| "999".into()),
            r.gov_response.clone().unwrap_or_default(),
        ),
    };
    Ok(nfe::render(&nfe::Invoice {
        key: access_key_of(r),
        series: r.series.clone(),
        number: r.external_invoice_id(),
        issued_at: crate::time::iso_us(r.issued_at_us),
        emitter_cnpj: nfe::seller_cnpj(&r.seller_id),
        emitter_name: seller_name.to_string(),
        emitter_ie: nfe::seller_ie(&r.seller_id),
        buyer_tax_id: nfe::buyer_cpf(&r.order_id),
        buyer_name: address
            .name
            .clone()
            .or_else(|| doc.buyer_info.as_ref().and_then(|b| b.buyer_name.clone()))
            .unwrap_or_else(|| "Consumidor".into()),
        buyer_state: address
            .state_or_region
            .clone()
            .unwrap_or_else(|| "SP".into()),
        buyer_city: address.city.clone().unwrap_or_default(),
        nature: "Venda de mercadoria adquirida de terceiros".into(),
        cfop: None,
        lines,
        status_code,
        status_text,
    }))
}

/// The world's invoices in Brazil: the store, the clock and the documents exports write.
#[derive(Clone)]
pub struct InvoicesService {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl InvoicesService {
    /// The service over `store`, on `clock`, writing documents through `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        InvoicesService { store, clock, docs }
    }

    /// getInvoicesAttributes.
    pub async fn attributes(
        &self,
        caller: &Caller,
        marketplace_id: &str,
    ) -> Result<m::InvoicesAttributes> {
        seller(caller)?;
        check_marketplace(caller, "marketplaceId", marketplace_id)?;
        Ok(m::InvoicesAttributes {
            invoice_status_options: Some(options(STATUSES)),
            invoice_type_options: Some(options(INVOICE_TYPES)),
            transaction_identifier_name_options: Some(options(TRANSACTION_ID_NAMES)),
            transaction_type_options: Some(options(TRANSACTION_TYPES)),
        })
    }

    /// Records the invoices of the seller's orders in `marketplace_id` that have none yet.
    pub async fn sync(&self, seller_id: &str, marketplace_id: &str) -> Result<()> {
        sync(&self.store, seller_id, marketplace_id).await
    }

    /// getInvoices.
    pub async fn list(
        &self,
        caller: &Caller,
        filters: &Filters,
        page_size: Option<i64>,
        next_token: Option<&str>,
    ) -> Result<InvoicePage> {
        let seller_id = seller(caller)?;
        check_marketplace(caller, "marketplaceId", &filters.marketplace_id)?;
        let (search, size, after) = match next_token {
            Some(token) => {
                if filters.any() || page_size.is_some() {
                    return Err(Error::invalid_input(NEXT_TOKEN_ALONE));
                }
                let c: InvoiceCursor = paging::decode_token(token)?;
                if c.kind != "invoices"
                    || c.search.seller_id != seller_id
                    || c.search.marketplace_id != filters.marketplace_id
                {
                    return Err(Error::invalid_input(paging::UNDECODABLE));
                }
                (c.search, c.size, Some((c.at, c.id)))
            }
            None => {
                let size = page_size.unwrap_or(DEFAULT_INVOICES_PAGE);
                if !(1..=MAX_INVOICES_PAGE).contains(&size) {
                    return Err(Error::invalid_parameter(
                        "pageSize",
                        format!(
                            "Invalid value for 'pageSize': {size}. It must be 1 to {MAX_INVOICES_PAGE}."
                        ),
                    ));
                }
                (filters.search(seller_id, self.clock.now())?, size, None)
            }
        };
        // pageSize goes to 200, but the model caps a page at 100 invoices.
        let size = size.min(MAX_INVOICES_IN_PAGE);
        self.sync(seller_id, &search.marketplace_id).await?;
        let mut rows = self
            .store
            .search_invoices(&search, after, size as u32 + 1)
            .await?;
        let more = rows.len() > size as usize;
        rows.truncate(size as usize);
        let next_token = match (more, rows.last()) {
            (true, Some(last)) => Some(paging::encode_token(&InvoiceCursor {
                kind: "invoices".into(),
                search: search.clone(),
                size,
                at: last.issued_at_us,
                id: last.number,
            })),
            _ => None,
        };
        Ok(InvoicePage {
            invoices: rows.iter().map(invoice_doc).collect(),
            next_token,
        })
    }

    /// getInvoice.
    pub async fn get(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        invoice_id: &str,
    ) -> Result<m::Invoice> {
        let seller_id = seller(caller)?;
        check_marketplace(caller, "marketplaceId", marketplace_id)?;
        self.sync(seller_id, marketplace_id).await?;
        match self.store.get_invoice(seller_id, invoice_id).await? {
            Some(r) if r.marketplace_id == marketplace_id => Ok(invoice_doc(&r)),
            _ => Err(Error::not_found().with_details(format!(
                "The invoice {invoice_id} was not found for this seller."
            ))),
        }
    }

    /// createInvoicesExport: the export id.
    pub async fn create_export(
        &self,
        caller: &Caller,
        body: &m::ExportInvoicesRequest,
    ) -> Result<String> {
        let seller_id = seller(caller)?;
        if body.marketplace_id.is_empty() {
            return Err(Error::invalid_parameter(
                "marketplaceId",
                "Missing required attribute(s): 'marketplaceId'.",
            ));
        }
        check_marketplace(caller, "marketplaceId", &body.marketplace_id)?;
        if let Some(f) = &body.file_format
            && f.as_str() != "XML"
        {
            return Err(Error::invalid_parameter(
                "fileFormat",
                format!(
                    "Invalid value for 'fileFormat': {}. Valid values: XML.",
                    f.as_str()
                ),
            ));
        }
        if body.statuses.as_ref().is_some_and(Vec::is_empty) {
            return Err(Error::invalid_parameter(
                "statuses",
                "Invalid value for 'statuses': give at least one status.",
            ));
        }
        let tid = body.transaction_identifier.clone().unwrap_or_default();
        let filters = Filters {
            marketplace_id: body.marketplace_id.clone(),
            date_start: body.date_start.clone(),
            date_end: body.date_end.clone(),
            statuses: body.statuses.clone().unwrap_or_default(),
            invoice_type: body.invoice_type.clone(),
            transaction_type: body.transaction_type.clone(),
            transaction_identifier_name: tid.name,
            transaction_identifier_id: tid.id,
            series: body.series.clone(),
            external_invoice_id: body.external_invoice_id.clone(),
            ascending: true,
        };
        let now = self.clock.now();
        let search = filters.search(seller_id, now)?;
        let export_id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.store.begin().await?;
        tx.insert_invoice_export(&ExportRow {
            export_id: export_id.clone(),
            seller_id: seller_id.to_string(),
            marketplace_id: body.marketplace_id.clone(),
            status: "REQUESTED".into(),
            filters: serde_json::to_string(&search).map_err(Error::internal)?,
            created_at_us: us(now),
            started_at_us: None,
            finished_at_us: None,
            error_message: None,
            document_id: None,
        })
        .await?;
        let at = now.checked_add(EXPORT_STARTS_AFTER).unwrap_or(now);
        tx.enqueue_job(
            JOB_EXPORT,
            us(at),
            &json!({"exportId": export_id, "step": "start"}),
        )
        .await?;
        tx.commit().await?;
        Ok(export_id)
    }

    /// getInvoicesExport.
    pub async fn get_export(&self, caller: &Caller, export_id: &str) -> Result<m::Export> {
        let seller_id = seller(caller)?;
        match self.store.get_invoice_export(export_id).await? {
            Some(r) if r.seller_id == seller_id => Ok(export_doc(&r)),
            _ => Err(Error::not_found().with_details(format!(
                "The export {export_id} was not found for this seller."
            ))),
        }
    }

    /// getInvoicesExports.
    #[allow(clippy::too_many_arguments)]
    pub async fn list_exports(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        date_start: Option<&str>,
        date_end: Option<&str>,
        status: Option<&str>,
        page_size: Option<i64>,
        next_token: Option<&str>,
    ) -> Result<ExportPage> {
        let seller_id = seller(caller)?;
        check_marketplace(caller, "marketplaceId", marketplace_id)?;
        let c = match next_token {
            Some(token) => {
                if date_start.is_some()
                    || date_end.is_some()
                    || status.is_some()
                    || page_size.is_some()
                {
                    return Err(Error::invalid_input(NEXT_TOKEN_ALONE));
                }
                let c: ExportCursor = paging::decode_token(token)?;
                if c.kind != "exports" || c.seller != seller_id || c.marketplace != marketplace_id {
                    return Err(Error::invalid_input(paging::UNDECODABLE));
                }
                c
            }
            None => {
                let size = page_size.unwrap_or(DEFAULT_EXPORTS_PAGE);
                if !(1..=MAX_EXPORTS_PAGE).contains(&size) {
                    return Err(Error::invalid_parameter(
                        "pageSize",
                        format!(
                            "Invalid value for 'pageSize': {size}. It must be 1 to {MAX_EXPORTS_PAGE}."
                        ),
                    ));
                }
                let now = us(self.clock.now());
                let from =
                    date("dateStart", date_start)?.unwrap_or(now - 30 * 24 * 3600 * 1_000_000);
                let to = date("dateEnd", date_end)?.unwrap_or(now);
                if from > to {
                    return Err(Error::invalid_parameter(
                        "dateStart",
                        "Invalid value for 'dateStart': it must not be after 'dateEnd'.",
                    ));
                }
                ExportCursor {
                    kind: "exports".into(),
                    seller: seller_id.to_string(),
                    marketplace: marketplace_id.to_string(),
                    from,
                    to,
                    status: status.map(str::to_string),
                    size,
                    at: i64::MAX,
                    id: String::new(),
                }
            }
        };
        let after = (c.at != i64::MAX).then_some((c.at, c.id.as_str()));
        let mut rows = self
            .store
            .list_invoice_exports(
                seller_id,
                marketplace_id,
                (c.from, c.to),
                c.status.as_deref(),
                after,
                c.size as u32 + 1,
            )
            .await?;
        let more = rows.len() > c.size as usize;
        rows.truncate(c.size as usize);
        let next_token = match (more, rows.last()) {
            (true, Some(last)) => Some(paging::encode_token(&ExportCursor {
                at: last.created_at_us,
                id: last.export_id.clone(),
                kind: c.kind.clone(),
                seller: c.seller.clone(),
                marketplace: c.marketplace.clone(),
                status: c.status.clone(),
                ..c
            })),
            _ => None,
        };
        Ok(ExportPage {
            exports: rows.iter().map(export_doc).collect(),
            next_token,
        })
    }

    /// getInvoicesDocument: the document's id and a signed URL.
    pub async fn document(
        &self,
        caller: &Caller,
        document_id: &str,
    ) -> Result<m::InvoicesDocument> {
        let seller_id = seller(caller)?;
        match self.store.get_document(document_id).await? {
            Some(d)
                if d.seller_id == seller_id
                    && d.resource.as_deref().is_some_and(|r| {
                        r.starts_with(EXPORT_RESOURCE) || r.starts_with(government::RESOURCE)
                    }) =>
            {
                Ok(m::InvoicesDocument {
                    invoices_document_id: Some(d.id.clone()),
                    invoices_document_url: Some(self.docs.url(UrlOp::Get, &d.id)),
                })
            }
            _ => Err(Error::not_found().with_details(format!(
                "The document {document_id} was not found for this seller."
            ))),
        }
    }
}

/// The `resource` of export documents (followed by the export id).
const EXPORT_RESOURCE: &str = "invoices-export:";

fn export_doc(r: &ExportRow) -> m::Export {
    m::Export {
        export_id: Some(r.export_id.clone()),
        status: Some(m::ExportStatus::from_wire(&r.status)),
        generate_export_started_at: r.started_at_us.map(crate::time::iso_millis),
        generate_export_finished_at: r.finished_at_us.map(crate::time::iso_millis),
        error_message: Some(r.error_message.clone().unwrap_or_default()),
        invoices_document_ids: Some(
            r.document_id
                .as_deref()
                .map(|ids| {
                    ids.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        ),
    }
}

/// Records the invoices of the seller's orders in `marketplace_id` that have none yet.
pub async fn sync(store: &Store, seller_id: &str, marketplace_id: &str) -> Result<()> {
    let pending = store
        .orders_without_invoice(seller_id, marketplace_id)
        .await?;
    let mut new = Vec::new();
    for (order_id, channel, status, eis, updated) in pending {
        let row = match (channel.as_str(), status.as_str(), eis.as_deref()) {
            ("AFN", "Shipped", _) => new_invoice(
                seller_id,
                marketplace_id,
                &order_id,
                SERIES_FBA,
                "AUTHORIZED",
                updated,
                None,
            ),
            ("MFN", _, Some("Accepted")) => new_invoice(
                seller_id,
                marketplace_id,
                &order_id,
                SERIES_MFN,
                "AUTHORIZED",
                updated,
                None,
            ),
            ("MFN", _, Some("Errored")) => new_invoice(
                seller_id,
                marketplace_id,
                &order_id,
                SERIES_MFN,
                "REJECTED",
                updated,
                Some(HISTORY_REJECTION),
            ),
            _ => continue,
        };
        new.push(row);
    }
    if new.is_empty() {
        return Ok(());
    }
    let mut tx = store.begin().await?;
    for r in &new {
        tx.insert_invoice(r).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The export job: `start` (REQUESTED -> PROCESSING) or `generate` (the ZIP archives, DONE).
pub async fn run_export(store: &Store, export_id: &str, step: &str, at: Timestamp) -> Result<()> {
    let Some(mut row) = store.get_invoice_export(export_id).await? else {
        return Ok(());
    };
    if step == "start" {
        if row.status != "REQUESTED" {
            return Ok(());
        }
        let mut tx = store.begin().await?;
        row.status = "PROCESSING".into();
        row.started_at_us = Some(us(at));
        tx.update_invoice_export(&row).await?;
        let next = at.checked_add(EXPORT_TAKES).unwrap_or(at);
        tx.enqueue_job(
            JOB_EXPORT,
            us(next),
            &json!({"exportId": export_id, "step": "generate"}),
        )
        .await?;
        return tx.commit().await.map_err(Error::from);
    }
    if row.status != "PROCESSING" {
        return Ok(());
    }
    let search: InvoiceSearch = serde_json::from_str(&row.filters).map_err(Error::internal)?;
    sync(store, &row.seller_id, &row.marketplace_id).await?;
    let seller_name = store
        .get_seller(&row.seller_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_else(|| row.seller_id.clone());
    // Every matching invoice, in pages, into archives of INVOICES_PER_DOCUMENT files.
    let mut archives: Vec<Vec<u8>> = Vec::new();
    let mut zip = zip::ZipWriter::new();
    let mut in_zip = 0usize;
    let mut after = None;
    loop {
        let rows = store.search_invoices(&search, after, 500).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.issued_at_us, last.number));
        let n = rows.len();
        for inv in &rows {
            let Some(order) = store.get_order(&inv.order_id).await? else {
                continue;
            };
            let xml = render_invoice(inv, &order, &seller_name)?;
            let name = format!("{}-nfe.xml", access_key_of(inv));
            if in_zip == INVOICES_PER_DOCUMENT {
                archives.push(std::mem::take(&mut zip).finish());
                in_zip = 0;
            }
            if !zip.add(&name, xml.as_bytes(), at) {
                archives.push(std::mem::take(&mut zip).finish());
                zip.add(&name, xml.as_bytes(), at);
                in_zip = 0;
            }
            in_zip += 1;
        }
        if n < 500 {
            break;
        }
    }
    archives.push(zip.finish());
    let mut tx = store.begin().await?;
    let Some(mut row) = tx.get_invoice_export(export_id).await? else {
        return Ok(());
    };
    if row.status != "PROCESSING" {
        return Ok(());
    }
    let mut ids = Vec::new();
    for (i, bytes) in archives.iter().enumerate() {
        let id = derived_document_id(&format!("{EXPORT_RESOURCE}{export_id}:{i}"));
        if tx.get_document(&id).await?.is_none() {
            tx.insert_document(&DocumentRow {
                id: id.clone(),
                seller_id: row.seller_id.clone(),
                // Export archives are generated documents, as reports are.
                kind: "report".into(),
                content_type: "application/zip".into(),
                compression: None,
                resource: Some(format!("{EXPORT_RESOURCE}{export_id}")),
                content_md5: None,
                generation: None,
                size: 0,
                created_at_us: us(at),
                uploaded_at_us: None,
            })
            .await?;
        }
        let generation = rand::random::<u32>() as i64 + 1;
        tx.put_document_bytes(&id, generation, bytes).await?;
        tx.switch_document_content(&id, generation, bytes.len() as i64, us(at))
            .await?;
        ids.push(id);
    }
    row.status = "DONE".into();
    row.finished_at_us = Some(us(at));
    row.document_id = Some(ids.join(","));
    tx.update_invoice_export(&row).await?;
    tx.commit().await.map_err(Error::from)
}
