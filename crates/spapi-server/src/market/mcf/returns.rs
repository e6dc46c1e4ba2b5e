//! Customer returns of MCF orders: listReturnReasonCodes and createFulfillmentReturn, and
//! the arrival of the returned units at the fulfillment center on the clock.
//!
//! # Rules
//!
//! - A return item is one unit of an order item in one of the order's shipments (the model
//!   has no quantity; Amazon's return items are units). Units of a shipment not yet
//!   `SHIPPED` are `NoCompletedShipItems`; more return items than units shipped are
//!   `NoReturnableQuantity`; a `sellerReturnItemId` the order already has is
//!   `DuplicateRequest`; an unknown order item, shipment or reason code is `InvalidValues`.
//!   Invalid items do not fail the request: the valid ones are authorized.
//! - The valid items get one return authorization per fulfillment center the units go back
//!   to (the center that holds the SKU's stock, the one the ledger names), with an RMA id, the
//!   center's address and an RMA page.
//! - [`RECEIVED_AFTER`] later the units arrive: each item is `Processed` with a received
//!   condition that follows its reason code (so a tester picks the outcome with the code:
//!   `CR-DEFECTIVE` -> Defective, `CR-DAMAGED_BY_CARRIER` -> CarrierDamaged,
//!   `CR-DAMAGED_BY_FC` -> FulfillerDamaged, `CR-MISSING_PARTS` -> CustomerDamaged, the
//!   others Sellable); the units go back to the SKU's stock (`Movement::CustomerReturn`:
//!   fulfillable when sellable, else the unfulfillable disposition, one `CustomerReturns`
//!   ledger entry) and a FULFILLMENT_ORDER_STATUS `Return` event is sent per SKU.

use super::{Doc, Fulfillment, decode, encode, not_found, plus, schedule, seller, us};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::market::fba::stock::{self, Disposition, Movement};
use crate::market::marketplaces::{self, marketplace};
use crate::store::StoreTx;
use crate::store::mcf::McfOrderRow;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use spapi_model::fulfillment_outbound_2020_07_01 as m;
use std::collections::{BTreeMap, BTreeSet};

/// How long after its authorization a return reaches the fulfillment center.
pub const RECEIVED_AFTER: SignedDuration = SignedDuration::from_hours(5 * 24);

/// The `from` of the job that receives a return authorization's units
/// (`Return:<returnAuthorizationId>`).
pub const RETURN_JOB_PREFIX: &str = "Return:";

const MAX_RETURN_ITEM_ID_LEN: usize = 80;
const MAX_RETURN_COMMENT_LEN: usize = 1000;

/// A return reason: Amazon's code, its English description, translations by language, and
/// the condition the units come back in.
struct Reason {
    code: &'static str,
    english: &'static str,
    /// (language, description): de, fr, es, it, ja.
    translations: [(&'static str, &'static str); 5],
    condition: m::ReturnItemDisposition,
}

const REASONS: &[Reason] = &[
    Reason {
        code: "CR-UNWANTED_ITEM",
        english: "Customer no longer wants the item",
        translations: [
            ("de", "Artikel wird nicht mehr benötigt"),
            ("fr", "Article plus souhaité"),
            ("es", "El cliente ya no quiere el artículo"),
            ("it", "Articolo non più desiderato"),
            ("ja", "不要になった"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "CR-ORDERED_WRONG_ITEM",
        english: "Ordered by mistake",
        translations: [
            ("de", "Versehentlich bestellt"),
            ("fr", "Commandé par erreur"),
            ("es", "Pedido por error"),
            ("it", "Ordinato per errore"),
            ("ja", "誤って注文した"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "CR-FOUND_BETTER_PRICE",
        english: "Found a lower price elsewhere",
        translations: [
            ("de", "Günstigeren Preis gefunden"),
            ("fr", "Prix plus bas trouvé ailleurs"),
            ("es", "Precio más bajo en otro sitio"),
            ("it", "Trovato un prezzo più basso"),
            ("ja", "より安い価格を見つけた"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "CR-MISSED_ESTIMATED_DELIVERY",
        english: "Arrived after the promised date",
        translations: [
            ("de", "Nach dem zugesagten Termin geliefert"),
            ("fr", "Livré après la date prévue"),
            ("es", "Llegó después de la fecha prevista"),
            ("it", "Arrivato dopo la data prevista"),
            ("ja", "お届け予定日を過ぎて到着した"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "CR-SWITCHEROO",
        english: "Not the item that was ordered",
        translations: [
            ("de", "Nicht der bestellte Artikel"),
            ("fr", "Pas l'article commandé"),
            ("es", "No es el artículo pedido"),
            ("it", "Non è l'articolo ordinato"),
            ("ja", "注文した商品と違う"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "CR-EXTRA_ITEM",
        english: "Received in addition to the order",
        translations: [
            ("de", "Zusätzlich zur Bestellung erhalten"),
            ("fr", "Reçu en plus de la commande"),
            ("es", "Recibido además del pedido"),
            ("it", "Ricevuto in aggiunta all'ordine"),
            ("ja", "注文以外の商品が届いた"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "CR-UNAUTHORIZED_PURCHASE",
        english: "Purchase not authorized by the customer",
        translations: [
            ("de", "Kauf nicht autorisiert"),
            ("fr", "Achat non autorisé"),
            ("es", "Compra no autorizada"),
            ("it", "Acquisto non autorizzato"),
            ("ja", "許可されていない購入"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "AMZ-PG-BAD-DESC",
        english: "Not as described on the website",
        translations: [
            ("de", "Entspricht nicht der Beschreibung"),
            ("fr", "Non conforme à la description"),
            ("es", "No coincide con la descripción"),
            ("it", "Non conforme alla descrizione"),
            ("ja", "商品説明と異なる"),
        ],
        condition: m::ReturnItemDisposition::Sellable,
    },
    Reason {
        code: "CR-DEFECTIVE",
        english: "Defective or does not work",
        translations: [
            ("de", "Defekt oder funktioniert nicht"),
            ("fr", "Défectueux ou ne fonctionne pas"),
            ("es", "Defectuoso o no funciona"),
            ("it", "Difettoso o non funzionante"),
            ("ja", "不良品・動作しない"),
        ],
        condition: m::ReturnItemDisposition::Defective,
    },
    Reason {
        code: "CR-MISSING_PARTS",
        english: "Parts or accessories missing",
        translations: [
            ("de", "Teile oder Zubehör fehlen"),
            ("fr", "Pièces ou accessoires manquants"),
            ("es", "Faltan piezas o accesorios"),
            ("it", "Parti o accessori mancanti"),
            ("ja", "部品・付属品が不足している"),
        ],
        condition: m::ReturnItemDisposition::CustomerDamaged,
    },
    Reason {
        code: "CR-DAMAGED_BY_CARRIER",
        english: "Damaged in transit",
        translations: [
            ("de", "Beim Transport beschädigt"),
            ("fr", "Endommagé pendant le transport"),
            ("es", "Dañado durante el transporte"),
            ("it", "Danneggiato durante il trasporto"),
            ("ja", "配送中に破損した"),
        ],
        condition: m::ReturnItemDisposition::CarrierDamaged,
    },
    Reason {
        code: "CR-DAMAGED_BY_FC",
        english: "Damaged because of poor packaging",
        translations: [
            ("de", "Wegen unzureichender Verpackung beschädigt"),
            ("fr", "Endommagé à cause de l'emballage"),
            ("es", "Dañado por un embalaje inadecuado"),
            ("it", "Danneggiato per imballaggio inadeguato"),
            ("ja", "梱包不良により破損した"),
        ],
        condition: m::ReturnItemDisposition::FulfillerDamaged,
    },
];

fn reason(code: &str) -> Option<&'static Reason> {
    REASONS.iter().find(|r| r.code == code)
}

/// Where units received in `condition` go in the FBA stock (`None`: sellable).
fn disposition(condition: &m::ReturnItemDisposition) -> Option<Disposition> {
    match condition {
        m::ReturnItemDisposition::Defective => Some(Disposition::Defective),
        m::ReturnItemDisposition::CustomerDamaged => Some(Disposition::CustomerDamaged),
        m::ReturnItemDisposition::CarrierDamaged => Some(Disposition::CarrierDamaged),
        m::ReturnItemDisposition::FulfillerDamaged => Some(Disposition::WarehouseDamaged),
        _ => None,
    }
}

/// The returns address of a fulfillment center: a made-up street in a city of its country
/// (spapi does not publish real fulfillment center addresses).
fn center_address(center: &str, country: &str) -> m::Address {
    let (city, region, postal) = match country {
        "US" => ("Phoenix", "AZ", "85043"),
        "CA" => ("Brampton", "ON", "L6T 5A1"),
        "MX" => ("Cuautitlán Izcalli", "MEX", "54730"),
        "BR" => ("Cajamar", "SP", "07776-000"),
        "GB" | "UK" => ("Dunstable", "Bedfordshire", "LU5 4RL"),
        "DE" => ("Leipzig", "Sachsen", "04347"),
        "FR" => ("Saran", "Loiret", "45770"),
        "IT" => ("Castel San Giovanni", "PC", "29015"),
        "ES" => ("San Fernando de Henares", "Madrid", "28830"),
        "JP" => ("Ichikawa", "Chiba", "272-0193"),
        "IN" => ("Bhiwandi", "MH", "421302"),
        "AU" => ("Dandenong South", "VIC", "3175"),
        _ => ("Returns", "", "00000"),
    };
    m::Address {
        name: format!("Amazon Returns {center}"),
        address_line1: format!("{} Fulfillment Way", 100 + center.len() * 7),
        address_line2: Some(format!("Returns Dept. {center}")),
        city: Some(city.to_string()),
        state_or_region: (!region.is_empty()).then(|| region.to_string()),
        postal_code: postal.to_string(),
        country_code: if country == "UK" { "GB" } else { country }.to_string(),
        ..m::Address::default()
    }
}

fn invalid(
    item: &m::CreateReturnItem,
    code: m::InvalidItemReasonCode,
    description: String,
) -> m::InvalidReturnItem {
    m::InvalidReturnItem {
        seller_return_item_id: item.seller_return_item_id.clone(),
        seller_fulfillment_order_item_id: item.seller_fulfillment_order_item_id.clone(),
        invalid_item_reason: m::InvalidItemReason {
            invalid_item_reason_code: code,
            description,
        },
    }
}

impl Fulfillment {
    /// listReturnReasonCodes: the reason codes a customer may give for returning `sku` in the
    /// marketplace (`marketplace_id`, else the order's, else the caller's first), with
    /// descriptions translated to `language` (de, fr, es, it or ja; `de_DE` style tags
    /// accepted) when asked. The SKU must be the seller's FBA SKU there, and in the order when
    /// one is named; an order of another seller is not found.
    pub async fn reason_codes(
        &self,
        caller: &Caller,
        sku: &str,
        marketplace_id: Option<&str>,
        order_id: Option<&str>,
        language: Option<&str>,
    ) -> Result<Vec<m::ReasonCodeDetails>> {
        let seller = seller(caller)?;
        let order = match order_id {
            Some(id) => {
                let row = self
                    .store
                    .get_mcf_order(seller, id)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                Some(decode(&row)?)
            }
            None => None,
        };
        let mp_id = match (marketplace_id, &order) {
            (Some(id), _) => id.to_string(),
            (None, Some(o)) => o.order.fulfillment_order.marketplace_id.clone(),
            (None, None) => caller.marketplace_ids.first().cloned().ok_or_else(|| {
                Error::invalid_parameter("marketplaceId", "marketplaceId is required.")
            })?,
        };
        let ids = [mp_id.clone()];
        marketplaces::check_known("marketplaceId", &ids)?;
        marketplaces::check_participating(caller, &ids)?;
        if let Some(o) = &order {
            if o.order.fulfillment_order.marketplace_id != mp_id {
                return Err(Error::invalid_parameter(
                    "marketplaceId",
                    format!(
                        "The fulfillment order {} is in marketplace {}, not {mp_id}.",
                        o.order.fulfillment_order.seller_fulfillment_order_id,
                        o.order.fulfillment_order.marketplace_id
                    ),
                ));
            }
            if !o
                .order
                .fulfillment_order_items
                .iter()
                .any(|i| i.seller_sku == sku)
            {
                return Err(Error::invalid_parameter(
                    "sellerSku",
                    format!(
                        "The sellerSku {sku} is not in fulfillment order {}.",
                        o.order.fulfillment_order.seller_fulfillment_order_id
                    ),
                ));
            }
        }
        let listing = self.store.get_listing(seller, sku, &mp_id).await?;
        if listing.is_none_or(|l| l.fulfillment_channel != "AFN") {
            return Err(Error::invalid_parameter(
                "sellerSku",
                format!("The sellerSku {sku} is not an FBA SKU of this seller in {mp_id}."),
            ));
        }
        let lang = language
            .map(|l| {
                l.split(['_', '-'])
                    .next()
                    .unwrap_or_default()
                    .to_lowercase()
            })
            .filter(|l| !l.is_empty());
        Ok(REASONS
            .iter()
            .map(|r| m::ReasonCodeDetails {
                return_reason_code: r.code.to_string(),
                description: r.english.to_string(),
                translated_description: lang.as_deref().and_then(|l| {
                    r.translations
                        .iter()
                        .find(|(tl, _)| *tl == l)
                        .map(|(_, t)| t.to_string())
                }),
            })
            .collect())
    }

    /// createFulfillmentReturn (see the module rules).
    pub async fn create_return(
        &self,
        caller: &Caller,
        id: &str,
        req: &m::CreateFulfillmentReturnRequest,
    ) -> Result<m::CreateFulfillmentReturnResult> {
        let seller = seller(caller)?;
        let now = self.clock.now();
        if req.items.is_empty() {
            return Err(Error::invalid_parameter(
                "items",
                "At least one return item is required.",
            ));
        }
        let mut tx = self.store.begin().await?;
        let mut row = tx
            .get_mcf_order(seller, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let mut doc = decode(&row)?;
        let mp = doc.order.fulfillment_order.marketplace_id.clone();
        let mut used: BTreeSet<String> = doc
            .order
            .return_items
            .iter()
            .map(|r| r.seller_return_item_id.clone())
            .collect();
        let mut returned: BTreeMap<(String, String), i64> = BTreeMap::new();
        for r in &doc.order.return_items {
            *returned
                .entry((
                    r.seller_fulfillment_order_item_id.clone(),
                    r.amazon_shipment_id.clone(),
                ))
                .or_default() += 1;
        }
        let mut accepted: Vec<(m::ReturnItem, &'static str)> = vec![];
        let mut refused = vec![];
        for item in &req.items {
            let rid = &item.seller_return_item_id;
            let oid = &item.seller_fulfillment_order_item_id;
            let sid = &item.amazon_shipment_id;
            let order_item = doc
                .order
                .fulfillment_order_items
                .iter()
                .find(|i| &i.seller_fulfillment_order_item_id == oid);
            let shipment = doc
                .order
                .fulfillment_shipments
                .iter()
                .flatten()
                .find(|s| &s.amazon_shipment_id == sid);
            let shipped: i64 = shipment
                .map(|s| {
                    s.fulfillment_shipment_item
                        .iter()
                        .filter(|i| &i.seller_fulfillment_order_item_id == oid)
                        .map(|i| i.quantity)
                        .sum()
                })
                .unwrap_or(0);
            use m::InvalidItemReasonCode as Code;
            let refusal = if rid.trim().is_empty() || rid.chars().count() > MAX_RETURN_ITEM_ID_LEN {
                Some((
                    Code::InvalidValues,
                    format!("sellerReturnItemId must be 1 to {MAX_RETURN_ITEM_ID_LEN} characters."),
                ))
            } else if item
                .return_comment
                .as_ref()
                .is_some_and(|c| c.chars().count() > MAX_RETURN_COMMENT_LEN)
            {
                Some((
                    Code::InvalidValues,
                    format!("returnComment must be at most {MAX_RETURN_COMMENT_LEN} characters."),
                ))
            } else if used.contains(rid) {
                Some((
                    Code::DuplicateRequest,
                    format!("The sellerReturnItemId {rid} was already used for this order."),
                ))
            } else if order_item.is_none() {
                Some((
                    Code::InvalidValues,
                    format!("The fulfillment order {id} has no item {oid}."),
                ))
            } else if reason(&item.return_reason_code).is_none() {
                Some((
                    Code::InvalidValues,
                    format!(
                        "{} is not a return reason code; see listReturnReasonCodes.",
                        item.return_reason_code
                    ),
                ))
            } else if shipment.is_none() || shipped == 0 {
                Some((
                    Code::InvalidValues,
                    format!("The shipment {sid} of order {id} has no units of item {oid}."),
                ))
            } else if shipment.is_some_and(|s| {
                s.fulfillment_shipment_status
                    != m::FulfillmentShipmentFulfillmentShipmentStatus::Shipped
            }) {
                Some((
                    Code::NoCompletedShipItems,
                    format!("The shipment {sid} has not shipped yet."),
                ))
            } else if returned
                .get(&(oid.clone(), sid.clone()))
                .is_some_and(|n| *n >= shipped)
            {
                Some((
                    Code::NoReturnableQuantity,
                    format!(
                        "Every shipped unit of item {oid} in shipment {sid} is already being returned."
                    ),
                ))
            } else {
                None
            };
            if let Some((code, text)) = refusal {
                refused.push(invalid(item, code, text));
                continue;
            }
            used.insert(rid.clone());
            *returned.entry((oid.clone(), sid.clone())).or_default() += 1;
            let sku = order_item.map(|i| i.seller_sku.clone()).unwrap_or_default();
            let center = stock::fulfillment_center(&mp, &sku);
            accepted.push((
                m::ReturnItem {
                    seller_return_item_id: rid.clone(),
                    seller_fulfillment_order_item_id: oid.clone(),
                    amazon_shipment_id: sid.clone(),
                    seller_return_reason_code: item.return_reason_code.clone(),
                    return_comment: item.return_comment.clone(),
                    amazon_return_reason_code: None,
                    status: m::FulfillmentReturnItemStatus::New,
                    status_changed_date: crate::time::iso(now),
                    return_authorization_id: None,
                    return_received_condition: None,
                    fulfillment_center_id: None,
                },
                center,
            ));
        }
        // One authorization per fulfillment center the units go back to.
        let country = marketplace(&mp).map(|m| m.country_code).unwrap_or("US");
        let domain = marketplace(&mp)
            .map(|m| m.domain)
            .unwrap_or("www.amazon.com");
        let mut authorizations: Vec<m::ReturnAuthorization> = vec![];
        let mut items = vec![];
        for (mut item, center) in accepted {
            let auth = match authorizations
                .iter()
                .find(|a| a.fulfillment_center_id == center)
            {
                Some(a) => a.return_authorization_id.clone(),
                None => {
                    let n = doc.order.return_authorizations.len() + authorizations.len();
                    let label = format!("rma|{seller}|{id}|{n}");
                    let rma = format!("D{}RMA", crate::market::alnum_tail(&label, 8));
                    let a = m::ReturnAuthorization {
                        return_authorization_id: format!(
                            "RMA{}",
                            crate::market::alnum_tail(&format!("auth|{label}"), 13)
                        ),
                        fulfillment_center_id: center.to_string(),
                        return_to_address: center_address(center, country),
                        amazon_rma_id: rma.clone(),
                        rma_page_url: format!("https://{domain}/gp/orc/rml/{rma}"),
                    };
                    authorizations.push(a.clone());
                    a.return_authorization_id
                }
            };
            item.return_authorization_id = Some(auth);
            items.push(item);
        }
        if !items.is_empty() {
            doc.order.return_items.extend(items.iter().cloned());
            doc.order
                .return_authorizations
                .extend(authorizations.iter().cloned());
            encode(&mut row, &doc)?;
            tx.update_mcf_order(&row).await?;
            for a in &authorizations {
                schedule(
                    &mut tx,
                    &row,
                    &format!("{RETURN_JOB_PREFIX}{}", a.return_authorization_id),
                    plus(now, RECEIVED_AFTER),
                )
                .await?;
            }
            tx.commit().await?;
        }
        Ok(m::CreateFulfillmentReturnResult {
            return_items: Some(items),
            invalid_return_items: Some(refused),
            return_authorizations: Some(authorizations),
        })
    }
}

/// The job of a return authorization: its units arrive at the fulfillment center (see the
/// module rules), in the caller's transaction. Items processed already are left alone.
pub(super) async fn receive(
    tx: &mut StoreTx,
    row: &mut McfOrderRow,
    doc: &mut Doc,
    authorization: &str,
    at: Timestamp,
) -> Result<()> {
    let mp = doc.order.fulfillment_order.marketplace_id.clone();
    let center = doc
        .order
        .return_authorizations
        .iter()
        .find(|a| a.return_authorization_id == authorization)
        .map(|a| a.fulfillment_center_id.clone());
    let Some(center) = center else {
        return Ok(());
    };
    let skus: BTreeMap<String, String> = doc
        .order
        .fulfillment_order_items
        .iter()
        .map(|i| {
            (
                i.seller_fulfillment_order_item_id.clone(),
                i.seller_sku.clone(),
            )
        })
        .collect();
    // (sku, where the units go, units), in the order the items were returned.
    let mut moves: Vec<(String, Option<Disposition>, i64)> = vec![];
    for r in doc.order.return_items.iter_mut().filter(|r| {
        r.return_authorization_id.as_deref() == Some(authorization)
            && r.status == m::FulfillmentReturnItemStatus::New
    }) {
        let condition = reason(&r.seller_return_reason_code)
            .map(|x| x.condition.clone())
            .unwrap_or(m::ReturnItemDisposition::Sellable);
        let into = disposition(&condition);
        r.status = m::FulfillmentReturnItemStatus::Processed;
        r.status_changed_date = crate::time::iso(at);
        r.amazon_return_reason_code = Some(r.seller_return_reason_code.clone());
        r.return_received_condition = Some(condition);
        r.fulfillment_center_id = Some(center.clone());
        let sku = skus
            .get(&r.seller_fulfillment_order_item_id)
            .cloned()
            .unwrap_or_default();
        match moves.iter_mut().find(|(s, d, _)| *s == sku && *d == into) {
            Some(m) => m.2 += 1,
            None => moves.push((sku, into, 1)),
        }
    }
    if moves.is_empty() {
        return Ok(());
    }
    encode(row, doc)?;
    tx.update_mcf_order(row).await?;
    let mut per_sku: Vec<(String, i64)> = vec![];
    for (sku, into, quantity) in &moves {
        // A listing deleted since has no stock to come back to; the return is still
        // processed.
        let afn = tx
            .get_listing(&row.seller_id, sku, &mp)
            .await?
            .is_some_and(|l| l.fulfillment_channel == "AFN");
        if afn {
            stock::apply_in(
                tx,
                &row.seller_id,
                sku,
                &mp,
                &Movement::CustomerReturn {
                    quantity: *quantity,
                    disposition: *into,
                    reference_id: row.order_id.clone(),
                },
                us(at),
            )
            .await?;
        }
        match per_sku.iter_mut().find(|(s, _)| s == sku) {
            Some(p) => p.1 += quantity,
            None => per_sku.push((sku.clone(), *quantity)),
        }
    }
    for (sku, quantity) in per_sku {
        let n = json!({
            "SellerId": row.seller_id,
            "EventType": "Return",
            "StatusUpdatedDateTime": crate::time::iso_millis(us(at)),
            "SellerFulfillmentOrderId": row.order_id,
            "FulfillmentOrderStatus": doc.order.fulfillment_order.fulfillment_order_status.to_string(),
            "FulfillmentReturnItem": {
                "ReceivedDateTime": crate::time::iso_millis(us(at)),
                "ReturnedQuantity": quantity,
                "SellerSKU": sku,
            },
        });
        tx.push_outbox(super::FULFILLMENT_ORDER_STATUS, Some(&row.seller_id), &n)
            .await?;
    }
    Ok(())
}
