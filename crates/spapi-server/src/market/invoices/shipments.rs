//! Shipment Invoicing v0: the NF-e a seller submits for a Brazilian shipment.
//!
//! # Shipments
//!
//! An order ships as one shipment, whose `AmazonShipmentId` is derived from the order id
//! ([`shipment_id_of`]: `D` and the order's 17 digits in base 62), so it is stable and needs no
//! table. The shipments the API serves are the seller's Brazilian FBA orders once released for
//! shipping (`Unshipped` or `Shipped`) and, as a spapi extension, the seller-fulfilled orders
//! waiting for their invoice (`InvoiceUnconfirmed`), whose invoice this API then confirms.
//! The control plane lists them (`GET /emulator/v1/sellers/{id}/brazil-shipments`).
//!
//! # Submissions
//!
//! submitInvoice checks what Amazon checks at once (the shipment, base64, the MD5, UTF-8, no
//! invoice already processing or accepted) and records the NF-e as `Processing`; a job
//! [`PROCESSING_TAKES`] later reads it against the shipment ([`check_against`]: NF-e model,
//! access key check digit, emitter CNPJ check digits, the buyer's tax id, every item's SKU,
//! quantity and amount, the total) and moves it to `Accepted` or `Errored`. An accepted NF-e
//! is recorded as the order's AUTHORIZED invoice (Invoices API); an `InvoiceUnconfirmed` order
//! becomes `Shipped` with `ElectronicInvoiceStatus` `Accepted` (and its ORDER_CHANGE); an
//! errored one leaves it unconfirmed with `ElectronicInvoiceStatus` `Errored`.

use super::{BRAZIL, nfe};
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::money;
use crate::market::orders::{self, order_doc, order_items};
use crate::store::invoices::ShipmentInvoiceRow;
use crate::store::{OrderRow, Store};
use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use md5::{Digest, Md5};
use serde_json::json;
use spapi_model::shipment_invoicing_v0 as m;

/// Job: read a submitted NF-e against its shipment.
pub const JOB_PROCESS: &str = "invoices.shipment";
/// From `Processing` to `Accepted` or `Errored`.
pub const PROCESSING_TAKES: SignedDuration = SignedDuration::from_mins(2);
/// The fulfillment center Brazilian FBA shipments leave from.
const WAREHOUSE: &str = "GRU5";
/// The largest NF-e accepted (decoded), bytes.
const MAX_INVOICE: usize = 1024 * 1024;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The shipment id of an order (`NNN-NNNNNNN-NNNNNNN`); `None` for another shape.
pub fn shipment_id_of(order_id: &str) -> Option<String> {
    let parts: Vec<&str> = order_id.split('-').collect();
    if parts.len() != 3
        || parts[0].len() != 3
        || parts[1].len() != 7
        || parts[2].len() != 7
        || !parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let mut n: u64 = parts.concat().parse().ok()?;
    let mut out = [b'0'; 10];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    Some(format!("D{}", String::from_utf8_lossy(&out)))
}

/// The order id of a shipment id; `None` when it is no shipment id spapi makes.
pub fn order_id_of(shipment_id: &str) -> Option<String> {
    let rest = shipment_id.strip_prefix('D')?;
    if rest.len() != 10 {
        return None;
    }
    let mut n: u64 = 0;
    for b in rest.bytes() {
        let d = ALPHABET.iter().position(|&a| a == b)? as u64;
        n = n.checked_mul(62)?.checked_add(d)?;
    }
    if n >= 100_000_000_000_000_000 {
        return None;
    }
    let s = format!("{n:017}");
    Some(format!("{}-{}-{}", &s[..3], &s[3..10], &s[10..]))
}

fn seller(caller: &Caller) -> Result<&str> {
    caller
        .selling_partner_id
        .as_deref()
        .ok_or_else(Error::forbidden)
}

/// Amazon's 400 for a shipment id it does not know the shape of.
fn invalid_shipment(id: &str) -> Error {
    Error::invalid_parameter("shipmentId", format!("'{id}' is an invalid ShipmentID"))
}

/// Whether an order has a shipment this API serves.
pub fn serves(row: &OrderRow) -> bool {
    row.marketplace_id == BRAZIL
        && match row.fulfillment_channel.as_str() {
            "AFN" => matches!(row.order_status.as_str(), "Unshipped" | "Shipped"),
            _ => row.order_status == "InvoiceUnconfirmed",
        }
}

/// One of the seller's shipments, for the control plane.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ShipmentSummary {
    /// The order.
    pub amazon_order_id: String,
    /// The shipment.
    pub amazon_shipment_id: String,
    /// AFN or MFN.
    pub fulfillment_channel: String,
    /// The order's status.
    pub order_status: String,
    /// The invoice's status (`NotFound` when none was submitted).
    pub invoice_status: String,
    /// Why a submitted NF-e was refused.
    pub invoice_errors: Vec<String>,
}

/// A line of a shipment, in centavos.
struct ItemFacts {
    sku: String,
    quantity: i64,
    amount: i64,
    due: i64,
}

fn amount(m: &Option<spapi_model::orders_v0::Money>) -> i64 {
    m.as_ref()
        .and_then(|m| m.amount.as_deref())
        .and_then(|a| money::parse(a, "BRL"))
        .unwrap_or(0)
}

fn items_of(row: &OrderRow) -> Result<Vec<ItemFacts>> {
    Ok(order_items(row)?
        .iter()
        .map(|i| {
            let a = amount(&i.item_price);
            ItemFacts {
                sku: i.seller_sku.clone().unwrap_or_else(|| i.asin.clone()),
                quantity: i.quantity_ordered,
                amount: a,
                due: a + amount(&i.shipping_price)
                    - amount(&i.promotion_discount)
                    - amount(&i.shipping_discount),
            }
        })
        .collect())
}

/// What is wrong with a submitted NF-e for this order's shipment: SEFAZ-style (code, reason)
/// pairs; empty when it matches.
// The codes are the SEFAZ rejection codes closest to each check; Amazon's own validation
// messages are not documented.
pub fn check_against(xml: &str, row: &OrderRow) -> Result<(Vec<String>, Option<nfe::Submitted>)> {
    let inv = match nfe::read_submitted(xml) {
        Ok(i) => i,
        Err(e) => return Ok((vec![format!("225: {e}")], None)),
    };
    let mut errors = Vec::new();
    if inv.model != nfe::MODEL_NFE {
        errors.push(format!(
            "225: ide/mod is '{}', an NF-e is model 55.",
            inv.model
        ));
    }
    if !nfe::valid_access_key(&inv.key) {
        errors.push(format!(
            "253: The access key '{}' is not 44 digits with a valid check digit.",
            inv.key
        ));
    }
    if !nfe::valid_cnpj(&inv.emitter_tax_id) {
        errors.push(format!(
            "207: The emitter's CNPJ '{}' is invalid.",
            inv.emitter_tax_id
        ));
    }
    let cpf = nfe::buyer_cpf(&row.amazon_order_id);
    if inv.buyer_tax_id != cpf {
        errors.push(format!(
            "237: The recipient's tax id '{}' is not the buyer's CPF of the shipment.",
            inv.buyer_tax_id
        ));
    }
    let items = items_of(row)?;
    let mut due = 0;
    for it in &items {
        due += it.due;
        match inv.items.iter().find(|(sku, _, _)| *sku == it.sku) {
            None => errors.push(format!("629: Item {} of the shipment is missing.", it.sku)),
            Some((_, q, v)) => {
                if nfe::units(q) != Some(it.quantity) {
                    errors.push(format!(
                        "629: Item {}: quantity '{q}' differs from the {} units shipped.",
                        it.sku, it.quantity
                    ));
                }
                if nfe::centavos(v) != Some(it.amount) {
                    errors.push(format!(
                        "629: Item {}: vProd '{v}' differs from the item price {}.",
                        it.sku,
                        money::format(it.amount, "BRL")
                    ));
                }
            }
        }
    }
    for (sku, _, _) in &inv.items {
        if !items.iter().any(|it| it.sku == *sku) {
            errors.push(format!("629: Item {sku} is not in the shipment."));
        }
    }
    if nfe::centavos(&inv.total) != Some(due) {
        errors.push(format!(
            "610: The invoice total vNF '{}' differs from the shipment's {}.",
            inv.total,
            money::format(due, "BRL")
        ));
    }
    Ok((errors, Some(inv)))
}

/// The world's Shipment Invoicing: the store and the clock.
#[derive(Clone)]
pub struct ShipmentInvoicing {
    store: Store,
    clock: Clock,
}

impl ShipmentInvoicing {
    /// The service over `store`, on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        ShipmentInvoicing { store, clock }
    }

    /// The caller's order behind `shipment_id`: 400 for an id of another shape, 404 when it is
    /// no shipment of the caller's.
    async fn shipment_order(&self, caller: &Caller, shipment_id: &str) -> Result<OrderRow> {
        let seller_id = seller(caller)?;
        let order_id = order_id_of(shipment_id).ok_or_else(|| invalid_shipment(shipment_id))?;
        match self.store.get_order(&order_id).await? {
            Some(row) if row.seller_id == seller_id && serves(&row) => Ok(row),
            _ => Err(Error::not_found().with_details(format!(
                "The shipment {shipment_id} was not found for this seller."
            ))),
        }
    }

    /// getShipmentDetails; buyer data only when `personal` (an RDT for the call).
    pub async fn details(
        &self,
        caller: &Caller,
        shipment_id: &str,
        personal: bool,
    ) -> Result<m::ShipmentDetail> {
        let row = self.shipment_order(caller, shipment_id).await?;
        let doc = order_doc(&row)?;
        let items = order_items(&row)?;
        let money = |v: &Option<spapi_model::orders_v0::Money>| {
            v.as_ref().map(|v| m::Money {
                currency_code: v.currency_code.clone(),
                amount: v.amount.clone(),
            })
        };
        let a = doc.shipping_address.clone().unwrap_or_default();
        let address = if personal {
            m::Address {
                name: a.name.clone(),
                address_line1: a.address_line1.clone(),
                address_line2: a.address_line2.clone(),
                address_line3: a.address_line3.clone(),
                city: a.city.clone(),
                county: a.county.clone(),
                district: a.district.clone(),
                state_or_region: a.state_or_region.clone(),
                postal_code: a.postal_code.clone(),
                country_code: a.country_code.clone(),
                phone: a.phone.clone(),
                address_type: Some(m::AddressTypeEnum::Residential),
            }
        } else {
            m::Address {
                city: a.city.clone(),
                state_or_region: a.state_or_region.clone(),
                postal_code: a.postal_code.clone(),
                country_code: a.country_code.clone(),
                ..Default::default()
            }
        };
        let total: i64 = items_of(&row)?.iter().map(|i| i.due).sum();
        let tax_info = |name: &str, value: String| m::TaxClassification {
            name: Some(name.to_string()),
            value: Some(value),
        };
        let buyer_name = a
            .name
            .clone()
            .or_else(|| doc.buyer_info.as_ref().and_then(|b| b.buyer_name.clone()));
        Ok(m::ShipmentDetail {
            warehouse_id: Some(WAREHOUSE.into()),
            amazon_order_id: Some(row.amazon_order_id.clone()),
            amazon_shipment_id: Some(shipment_id.to_string()),
            purchase_date: Some(doc.purchase_date.clone()),
            shipping_address: Some(address),
            payment_method_details: Some(vec!["CreditCard".into()]),
            payments: Some(vec![m::PaymentInformation {
                payment_method: Some(m::PaymentMethodEnum::CreditCard),
                acquirer_id: Some(nfe::amazon_cnpj()),
                card_brand: Some("Visa".into()),
                payment_value: Some(m::Money {
                    currency_code: Some("BRL".into()),
                    amount: Some(crate::market::money::format(total, "BRL")),
                }),
                authorization_code: Some(nfe::digits(&format!("auth:{}", row.amazon_order_id), 6)),
            }]),
            marketplace_id: Some(row.marketplace_id.clone()),
            seller_id: Some(row.seller_id.clone()),
            buyer_name: if personal { buyer_name } else { None },
            buyer_county: if personal { a.county.clone() } else { None },
            buyer_tax_info: personal.then(|| m::BuyerTaxInfo {
                company_legal_name: None,
                taxing_region: a.state_or_region.clone(),
                tax_classifications: Some(vec![tax_info(
                    "CPF",
                    nfe::buyer_cpf(&row.amazon_order_id),
                )]),
            }),
            marketplace_tax_info: Some(m::MarketplaceTaxInfo {
                company_legal_name: Some(nfe::AMAZON_BR_NAME.into()),
                taxing_region: Some("SP".into()),
                tax_classifications: Some(vec![tax_info("CNPJ", nfe::amazon_cnpj())]),
            }),
            seller_display_name: doc.seller_display_name.clone(),
            shipment_items: Some(
                items
                    .iter()
                    .map(|i| m::ShipmentItem {
                        asin: Some(i.asin.clone()),
                        seller_sku: i.seller_sku.clone(),
                        order_item_id: Some(i.order_item_id.clone()),
                        title: i.title.clone(),
                        quantity_ordered: Some(i.quantity_ordered as f64),
                        item_price: money(&i.item_price),
                        shipping_price: money(&i.shipping_price),
                        gift_wrap_price: None,
                        shipping_discount: money(&i.shipping_discount),
                        promotion_discount: money(&i.promotion_discount),
                        serial_numbers: None,
                    })
                    .collect(),
            ),
        })
    }

    /// submitInvoice.
    pub async fn submit(
        &self,
        caller: &Caller,
        shipment_id: &str,
        body: &m::SubmitInvoiceRequest,
    ) -> Result<()> {
        let row = self.shipment_order(caller, shipment_id).await?;
        if let Some(mp) = &body.marketplace_id
            && mp != BRAZIL
        {
            return Err(Error::invalid_parameter(
                "MarketplaceId",
                format!("'{mp}' is not the marketplace of the shipment ({BRAZIL})."),
            ));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.invoice_content.trim())
            .map_err(|_| {
                Error::invalid_parameter(
                    "InvoiceContent",
                    "InvoiceContent fails encoding validation: it is not base64.",
                )
            })?;
        if bytes.is_empty() || bytes.len() > MAX_INVOICE {
            return Err(Error::invalid_parameter(
                "InvoiceContent",
                format!("InvoiceContent must be 1 to {MAX_INVOICE} bytes once decoded."),
            ));
        }
        let md5 = base64::engine::general_purpose::STANDARD.encode(Md5::digest(&bytes));
        if body.content_md5_value.trim() != md5 {
            return Err(Error::invalid_parameter(
                "ContentMD5Value",
                "ContentMD5Value does not match the base64 MD5 of the decoded InvoiceContent.",
            ));
        }
        let xml = String::from_utf8(bytes).map_err(|_| {
            Error::invalid_parameter("InvoiceContent", "The NF-e is not UTF-8 text.")
        })?;
        let seller_id = row.seller_id.clone();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if let Some(old) = tx.get_shipment_invoice(&seller_id, shipment_id).await? {
            match old.status.as_str() {
                "Processing" => {
                    return Err(Error::conflict(format!(
                        "The invoice of shipment {shipment_id} is being processed."
                    )));
                }
                "Accepted" => {
                    return Err(Error::conflict(format!(
                        "The invoice of shipment {shipment_id} was already accepted."
                    )));
                }
                _ => {}
            }
        }
        tx.put_shipment_invoice(&ShipmentInvoiceRow {
            seller_id: seller_id.clone(),
            shipment_id: shipment_id.to_string(),
            order_id: row.amazon_order_id.clone(),
            status: "Processing".into(),
            submitted_at_us: now.as_microsecond(),
            content: xml,
            errors: "[]".into(),
        })
        .await?;
        let at = now.checked_add(PROCESSING_TAKES).unwrap_or(now);
        tx.enqueue_job(
            JOB_PROCESS,
            at.as_microsecond(),
            &json!({"sellerId": seller_id, "shipmentId": shipment_id,
                "submittedAt": now.as_microsecond()}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// getInvoiceStatus.
    pub async fn status(
        &self,
        caller: &Caller,
        shipment_id: &str,
    ) -> Result<m::ShipmentInvoiceStatus> {
        // A confirmed seller-fulfilled order is no longer served, but its invoice still answers.
        if let Some(s) = self
            .store
            .get_shipment_invoice(seller(caller)?, shipment_id)
            .await?
        {
            return Ok(m::ShipmentInvoiceStatus::from_wire(&s.status));
        }
        let row = self.shipment_order(caller, shipment_id).await?;
        Ok(
            match self
                .store
                .get_shipment_invoice(&row.seller_id, shipment_id)
                .await?
            {
                Some(s) => m::ShipmentInvoiceStatus::from_wire(&s.status),
                None => m::ShipmentInvoiceStatus::NotFound,
            },
        )
    }
}

/// The seller's shipments this API serves, newest first (control plane).
pub async fn list_shipments(store: &Store, seller_id: &str) -> Result<Vec<ShipmentSummary>> {
    let q = crate::store::OrderQuery {
        seller_id: seller_id.to_string(),
        marketplace_ids: vec![BRAZIL.to_string()],
        statuses: vec![
            "Unshipped".into(),
            "Shipped".into(),
            "InvoiceUnconfirmed".into(),
        ],
        without_items: true,
        limit: 10_000,
        ..Default::default()
    };
    let mut out = Vec::new();
    for row in store.query_orders(&q).await? {
        if !serves(&row) {
            continue;
        }
        let Some(shipment_id) = shipment_id_of(&row.amazon_order_id) else {
            continue;
        };
        let inv = store.get_shipment_invoice(seller_id, &shipment_id).await?;
        out.push(ShipmentSummary {
            amazon_order_id: row.amazon_order_id.clone(),
            amazon_shipment_id: shipment_id,
            fulfillment_channel: row.fulfillment_channel.clone(),
            order_status: row.order_status.clone(),
            invoice_status: inv
                .as_ref()
                .map(|i| i.status.clone())
                .unwrap_or_else(|| "NotFound".into()),
            invoice_errors: inv
                .map(|i| serde_json::from_str(&i.errors).unwrap_or_default())
                .unwrap_or_default(),
        });
    }
    out.reverse();
    Ok(out)
}

/// The job: reads the NF-e submitted at `submitted_at_us` against its shipment.
pub async fn process(
    store: &Store,
    seller_id: &str,
    shipment_id: &str,
    submitted_at_us: i64,
    at: Timestamp,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let Some(mut inv) = tx.get_shipment_invoice(seller_id, shipment_id).await? else {
        return Ok(());
    };
    if inv.status != "Processing" || inv.submitted_at_us != submitted_at_us {
        return Ok(());
    }
    let Some(mut order) = tx.get_order(&inv.order_id).await? else {
        return Ok(());
    };
    let (errors, submitted) = check_against(&inv.content, &order)?;
    let accepted = errors.is_empty();
    inv.status = if accepted { "Accepted" } else { "Errored" }.into();
    inv.errors = serde_json::to_string(&errors).map_err(Error::internal)?;
    tx.put_shipment_invoice(&inv).await?;
    if let (true, Some(submitted)) = (accepted, submitted.as_ref()) {
        super::record_accepted(&mut tx, &order, submitted, at).await?;
    }
    if order.order_status == "InvoiceUnconfirmed" {
        let eis = if accepted { "Accepted" } else { "Errored" };
        order.electronic_invoice_status = Some(eis.into());
        if let Some(doc) = order.doc.as_object_mut() {
            doc.insert("ElectronicInvoiceStatus".into(), json!(eis));
        }
        if accepted {
            orders::set_status(&mut order, "Shipped", at)?;
            orders::record_change(&mut tx, &order, "InvoiceConfirmed", at).await?;
        } else {
            tx.update_order(&order).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipment_ids_round_trip() {
        for id in [
            "701-1234567-1234567",
            "000-0000000-0000001",
            "999-9999999-9999999",
        ] {
            let s = shipment_id_of(id).unwrap();
            assert_eq!(s.len(), 11);
            assert_eq!(order_id_of(&s).as_deref(), Some(id));
        }
        assert_eq!(shipment_id_of("BadShipId"), None);
        assert_eq!(order_id_of("BadShipId"), None);
        assert_eq!(order_id_of("Dzzzzzzzzzz"), None);
    }
}
