//! The one rule for personal (restricted) data: which operations return it, which data
//! elements they serve, and which roles may see each element.
//!
//! Called with a plain access token, a restricted operation answers without personal data;
//! called with a Restricted Data Token that names the call (and, where the operation takes
//! them, the data element), it answers with it. Every API asks this module, never decides
//! alone.

use crate::auth::Caller;
use spapi_model::Operation;

/// Direct-to-Consumer Shipping (restricted role).
pub const DTC: &str = "Direct-to-Consumer Shipping";
/// Tax Invoicing (restricted role).
pub const TAX_INVOICING: &str = "Tax Invoicing";
/// Tax Remittance (restricted role).
pub const TAX_REMITTANCE: &str = "Tax Remittance";

/// Buyer name, email, company and purchase order details.
pub const BUYER_INFO: &str = "buyerInfo";
/// The ship-to address.
pub const SHIPPING_ADDRESS: &str = "shippingAddress";
/// Buyer tax ids and tax classifications.
pub const BUYER_TAX_INFORMATION: &str = "buyerTaxInformation";

/// Roles that may see a data element.
pub fn roles_for_element(element: &str) -> &'static [&'static str] {
    match element {
        SHIPPING_ADDRESS => &[DTC],
        BUYER_INFO => &[DTC, TAX_INVOICING, TAX_REMITTANCE],
        BUYER_TAX_INFORMATION => &[TAX_INVOICING, TAX_REMITTANCE],
        _ => &[],
    }
}

/// The data elements an operation takes in an RDT request; empty for restricted operations
/// whose whole answer is the personal data (getOrderAddress, ...).
pub fn data_elements(op: &Operation) -> &'static [&'static str] {
    match (op.api, op.operation_id) {
        ("orders_v0", "getOrders" | "getOrder") => {
            &[BUYER_INFO, SHIPPING_ADDRESS, BUYER_TAX_INFORMATION]
        }
        ("orders_v0", "getOrderItems") => &[BUYER_INFO],
        _ => &[],
    }
}

/// Roles of which an authorization needs one to get an RDT for a restricted operation
/// without data elements.
pub fn roles_for_operation(op: &Operation) -> &'static [&'static str] {
    match (op.api, op.operation_id) {
        ("orders_v0", "getOrderBuyerInfo" | "getOrderItemsBuyerInfo") => {
            roles_for_element(BUYER_INFO)
        }
        ("shipment_invoicing_v0", _) => &[TAX_INVOICING],
        ("reports_2021_06_30", _) => &[DTC, TAX_INVOICING, TAX_REMITTANCE],
        _ => &[DTC],
    }
}

/// Whether this call may see personal data of `element` (for operations with data
/// elements) or its personal data at all (`element` ignored for the others).
pub fn may_see(caller: &Caller, op: &Operation, element: &str) -> bool {
    if !op.restricted {
        return false;
    }
    caller
        .data_access
        .allows(element, !data_elements(op).is_empty())
}
