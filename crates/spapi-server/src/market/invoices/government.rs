//! Government invoices: the remittance NF-e Amazon issues, in the seller's name, for goods a
//! seller sends to an Amazon fulfillment center in Brazil (createGovernmentInvoice,
//! getGovernmentInvoiceStatus, getGovernmentInvoiceDocument).
//!
//! A request is `PROCESSING` for [`ISSUING_TAKES`] of the clock, then `SUCCESS` with its 44-digit
//! access key and its XML and PDF documents, or `ERROR` with SEFAZ-style errors. The one rule
//! that makes an ERROR: a carrier whose `vehicleLicensePlate` is no Brazilian plate (`AAA0A00`
//! or `AAA0000`), as SEFAZ refuses it. A request may be sent again after an ERROR; a request
//! still processing or already successful is refused (400).
//!
//! spapi has no inbound shipments of its own yet: any `shipmentId` is taken as the seller's.

use super::{BRAZIL, check_marketplace, nfe};
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::documents::{Documents, UrlOp, derived_document_id};
use crate::store::Store;
use crate::store::documents::DocumentRow;
use crate::store::invoices::GovernmentInvoiceRow;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use spapi_model::invoices_2024_06_19 as m;

/// The remittance invoice type.
pub const REMITTANCE: &str = "REMITTANCE";
/// The inbound shipment transaction type.
pub const INBOUND_SHIPMENT: &str = "INBOUND_SHIPMENT";
/// Job: issue a government invoice.
pub const JOB_ISSUE: &str = "invoices.government";
/// From PROCESSING to SUCCESS or ERROR.
pub const ISSUING_TAKES: SignedDuration = SignedDuration::from_secs(30);
/// The `resource` of government invoice documents (followed by the shipment id).
pub const RESOURCE: &str = "government-invoice:";
/// Series of remittance NF-e.
const SERIES: &str = "3";
const MAX_ID_LEN: usize = 100;

fn seller(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

fn check_types(invoice_type: &str, transaction_type: &str) -> Result<()> {
    if invoice_type != REMITTANCE {
        return Err(Error::invalid_parameter(
            "invoiceType",
            format!("Invalid value for 'invoiceType': {invoice_type}. Valid values: {REMITTANCE}."),
        ));
    }
    if transaction_type != INBOUND_SHIPMENT {
        return Err(Error::invalid_parameter(
            "transactionType",
            format!(
                "Invalid value for 'transactionType': {transaction_type}. Valid values: {INBOUND_SHIPMENT}."
            ),
        ));
    }
    Ok(())
}

fn check_shipment(id: &str) -> Result<()> {
    if id.trim().is_empty() || id.chars().count() > MAX_ID_LEN {
        return Err(Error::invalid_parameter(
            "shipmentId",
            format!("Invalid value for 'shipmentId': it must be 1 to {MAX_ID_LEN} characters."),
        ));
    }
    Ok(())
}

fn plate_ok(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() == 7
        && b[..3].iter().all(u8::is_ascii_uppercase)
        && b[3].is_ascii_digit()
        && (b[4].is_ascii_digit() || b[4].is_ascii_uppercase())
        && b[5..].iter().all(u8::is_ascii_digit)
}

fn document_id(row: &GovernmentInvoiceRow, format: &str) -> String {
    derived_document_id(&format!(
        "{RESOURCE}{}:{}:{}:{}:{format}",
        row.seller_id, row.shipment_id, row.invoice_type, row.transaction_type
    ))
}

/// The service of government invoices.
#[derive(Clone)]
pub struct GovernmentInvoices {
    store: Store,
    clock: Clock,
    docs: Documents,
}

impl GovernmentInvoices {
    /// The service over `store`, on `clock`, with document URLs from `docs`.
    pub fn new(store: Store, clock: Clock, docs: Documents) -> Self {
        GovernmentInvoices { store, clock, docs }
    }

    /// createGovernmentInvoice.
    pub async fn create(&self, caller: &Caller, body: &m::GovernmentInvoiceRequest) -> Result<()> {
        let seller_id = seller(caller)?;
        for (field, v) in [
            ("marketplaceId", &body.marketplace_id),
            ("shipmentId", &body.shipment_id),
            ("invoiceType", &body.invoice_type),
            ("transactionType", &body.transaction_type),
        ] {
            if v.is_empty() {
                return Err(Error::invalid_parameter(
                    field,
                    format!("Missing required attribute(s): '{field}'."),
                ));
            }
        }
        check_marketplace(caller, "marketplaceId", &body.marketplace_id)?;
        check_types(&body.invoice_type, &body.transaction_type)?;
        check_shipment(&body.shipment_id)?;
        for (i, c) in body.contexts.iter().flatten().enumerate() {
            if let Some(t) = &c.context_type
                && t != "CarrierDetailsContext"
            {
                return Err(Error::invalid_parameter(
                    &format!("contexts[{i}].contextType"),
                    format!(
                        "Invalid value for 'contextType': {t}. Valid values: CarrierDetailsContext."
                    ),
                ));
            }
            if let Some(id) = &c.federal_tax_id {
                let digits: String = id.chars().filter(char::is_ascii_digit).collect();
                if !(nfe::valid_cnpj(&digits) || nfe::valid_cpf(&digits)) {
                    return Err(Error::invalid_parameter(
                        &format!("contexts[{i}].federalTaxId"),
                        format!("'{id}' is no valid CNPJ or CPF."),
                    ));
                }
            }
        }
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(old) = tx
            .get_government_invoice(
                seller_id,
                &body.shipment_id,
                &body.invoice_type,
                &body.transaction_type,
            )
            .await?
        {
            match old.status.as_str() {
                "PROCESSING" => {
                    return Err(Error::conflict(format!(
                        "The invoice of shipment {} is being processed.",
                        body.shipment_id
                    )));
                }
                "SUCCESS" => {
                    return Err(Error::conflict(format!(
                        "The invoice of shipment {} was already issued.",
                        body.shipment_id
                    )));
                }
                _ => {}
            }
        }
        tx.put_government_invoice(&GovernmentInvoiceRow {
            seller_id: seller_id.to_string(),
            shipment_id: body.shipment_id.clone(),
            invoice_type: body.invoice_type.clone(),
            transaction_type: body.transaction_type.clone(),
            marketplace_id: body.marketplace_id.clone(),
            inbound_plan_id: body.inbound_plan_id.clone(),
            status: "PROCESSING".into(),
            access_key: None,
            errors: "[]".into(),
            request: serde_json::to_string(body).map_err(Error::internal)?,
            created_at_us: now.as_microsecond(),
        })
        .await?;
        let at = now.checked_add(ISSUING_TAKES).unwrap_or(now);
        tx.enqueue_job(
            JOB_ISSUE,
            at.as_microsecond(),
            &json!({"sellerId": seller_id, "shipmentId": body.shipment_id,
                "invoiceType": body.invoice_type, "transactionType": body.transaction_type,
                "createdAt": now.as_microsecond()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        shipment_id: &str,
        invoice_type: &str,
        transaction_type: &str,
    ) -> Result<GovernmentInvoiceRow> {
        let seller_id = seller(caller)?;
        check_marketplace(caller, "marketplaceId", marketplace_id)?;
        check_types(invoice_type, transaction_type)?;
        check_shipment(shipment_id)?;
        self.store
            .get_government_invoice(seller_id, shipment_id, invoice_type, transaction_type)
            .await?
            .ok_or_else(|| {
                Error::not_found().with_details(format!(
                    "No government invoice was requested for shipment {shipment_id}."
                ))
            })
    }

    /// getGovernmentInvoiceStatus.
    pub async fn status(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        shipment_id: &str,
        invoice_type: &str,
        transaction_type: &str,
    ) -> Result<m::GovernmentInvoiceStatusResponse> {
        let row = self
            .find(
                caller,
                marketplace_id,
                shipment_id,
                invoice_type,
                transaction_type,
            )
            .await?;
        let errors: Vec<m::InvoiceError> =
            serde_json::from_str(&row.errors).map_err(Error::internal)?;
        Ok(m::GovernmentInvoiceStatusResponse {
            status: Some(m::GovernmentInvoiceCreationStatus::from_wire(&row.status)),
            invoice_external_document_id: row.access_key.clone(),
            invoice_errors: (!errors.is_empty()).then_some(errors),
        })
    }

    /// getGovernmentInvoiceDocument: a signed URL of the XML (default) or PDF.
    pub async fn document(
        &self,
        caller: &Caller,
        marketplace_id: &str,
        shipment_id: &str,
        invoice_type: &str,
        transaction_type: &str,
        file_format: Option<&str>,
    ) -> Result<m::InvoiceDocument> {
        let format = file_format.unwrap_or("XML");
        if format != "XML" && format != "PDF" {
            return Err(Error::invalid_parameter(
                "fileFormat",
                format!("Invalid value for 'fileFormat': {format}. Valid values: XML, PDF."),
            ));
        }
        let row = self
            .find(
                caller,
                marketplace_id,
                shipment_id,
                invoice_type,
                transaction_type,
            )
            .await?;
        if row.status != "SUCCESS" {
            return Err(Error::conflict(format!(
                "The invoice of shipment {shipment_id} is not issued: its status is {}.",
                row.status
            )));
        }
        Ok(m::InvoiceDocument {
            invoice_document_url: Some(self.docs.url(UrlOp::Get, &document_id(&row, format))),
        })
    }
}

/// A one-page A4 PDF showing `lines` of text.
fn pdf(lines: &[String]) -> Vec<u8> {
    let mut page = crate::market::pdf::Page::new(595.0, 842.0);
    let lines: Vec<(f64, String)> = lines.iter().map(|l| (11.0, l.clone())).collect();
    page.lines(50.0, 780.0, &lines);
    crate::market::pdf::document("DANFE", &[page])
}

/// The job: issues (or refuses) the government invoice requested at `created_at_us`.
pub async fn issue(store: &Store, payload: &serde_json::Value, at: Timestamp) -> Result<()> {
    let field = |k: &str| payload[k].as_str().unwrap_or_default().to_string();
    let (seller_id, shipment_id) = (field("sellerId"), field("shipmentId"));
    // Read before the transaction: an in-memory SQLite store has one connection.
    let name = store
        .get_seller(&seller_id)
        .await?
        .map(|s| s.name)
        .unwrap_or_else(|| seller_id.clone());
    let mut tx = store.begin().await?;
    let Some(mut row) = tx
        .get_government_invoice(
            &seller_id,
            &shipment_id,
            &field("invoiceType"),
            &field("transactionType"),
        )
        .await?
    else {
        return Ok(());
    };
    if row.status != "PROCESSING" || Some(row.created_at_us) != payload["createdAt"].as_i64() {
        return Ok(());
    }
    let request: m::GovernmentInvoiceRequest =
        serde_json::from_str(&row.request).map_err(Error::internal)?;
    let bad_plate = request
        .contexts
        .iter()
        .flatten()
        .filter_map(|c| c.vehicle_license_plate.as_deref())
        .find(|p| !plate_ok(p));
    if let Some(plate) = bad_plate {
        // spapi's choice of code: SEFAZ's catalogue has no single code for a bad plate.
        row.status = "ERROR".into();
        row.errors = serde_json::to_string(&[m::InvoiceError {
            error_code: Some("999".into()),
            description: Some(format!("Rejeição: placa do veículo inválida ({plate})")),
        }])
        .map_err(Error::internal)?;
        tx.put_government_invoice(&row).await?;
        return tx.commit().await.map_err(Error::from);
    }
    let yymm = at.strftime("%y%m").to_string();
    let number: i64 = nfe::digits(&format!("gov-number:{seller_id}:{shipment_id}"), 9)
        .parse()
        .unwrap_or(1);
    let key = nfe::access_key(
        &yymm,
        &nfe::seller_cnpj(&seller_id),
        SERIES,
        number,
        &nfe::digits(&format!("gov-code:{seller_id}:{shipment_id}"), 8),
    );
    let xml = nfe::render(&nfe::Invoice {
        key: key.clone(),
        series: SERIES.into(),
        number: number.to_string(),
        issued_at: crate::time::iso(at),
        emitter_cnpj: nfe::seller_cnpj(&seller_id),
        emitter_name: name.clone(),
        emitter_ie: nfe::seller_ie(&seller_id),
        buyer_tax_id: nfe::amazon_cnpj(),
        buyer_name: nfe::AMAZON_BR_NAME.into(),
        buyer_state: "SP".into(),
        buyer_city: "Cajamar".into(),
        nature: "Remessa para depósito".into(),
        // Remittance for storage to a warehouse in the same state.
        cfop: Some("5905".into()),
        lines: vec![nfe::Line {
            sku: shipment_id.clone(),
            title: format!("Mercadorias da remessa {shipment_id}"),
            quantity: 1,
            amount: 0,
            freight: 0,
            discount: 0,
        }],
        status_code: "100".into(),
        status_text: "Autorizado o uso da NF-e".into(),
    });
    let pdf = pdf(&[
        "DANFE - Documento Auxiliar da Nota Fiscal Eletronica".into(),
        format!("Chave de acesso: {key}"),
        format!("Emitente: {name} CNPJ {}", nfe::seller_cnpj(&seller_id)),
        format!("Remessa {shipment_id} para {BRAZIL}"),
    ]);
    row.status = "SUCCESS".into();
    row.access_key = Some(key);
    row.errors = "[]".into();
    for (format, content_type, bytes) in [
        ("XML", "application/xml", xml.into_bytes()),
        ("PDF", "application/pdf", pdf),
    ] {
        let id = document_id(&row, format);
        if tx.get_document(&id).await?.is_none() {
            tx.insert_document(&DocumentRow {
                id: id.clone(),
                seller_id: seller_id.clone(),
                kind: "report".into(),
                content_type: content_type.into(),
                compression: None,
                resource: Some(format!("{RESOURCE}{shipment_id}")),
                content_md5: None,
                generation: None,
                size: 0,
                created_at_us: at.as_microsecond(),
                uploaded_at_us: None,
            })
            .await?;
        }
        let generation = rand::random::<u32>() as i64 + 1;
        tx.put_document_bytes(&id, generation, &bytes).await?;
        tx.switch_document_content(&id, generation, bytes.len() as i64, at.as_microsecond())
            .await?;
    }
    tx.put_government_invoice(&row).await?;
    tx.commit().await.map_err(Error::from)
}
