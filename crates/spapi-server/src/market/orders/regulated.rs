//! Regulated orders (veterinary prescriptions): their regulated information, shown under the
//! personal-data rule, and the seller's verification before they can ship.

use super::events::record_change;
use super::place::settle_stock;
use super::read::operation;
use super::{bad, corrupt, order_items, seller_order, set_status};
use crate::auth::Caller;
use crate::auth::personal_data;
use crate::error::{Error, Result};
use crate::store::{OrderRow, Store};
use crate::time::iso;
use jiff::Timestamp;
use spapi_model::orders_v0 as m;

/// Rejection reasons a regulated (veterinary prescription) order offers.
const REJECTION_REASONS: &[(&str, &str)] = &[
    (
        "shield_pom_vps_reject_product",
        "This medicine is not suitable for your pet.",
    ),
    (
        "shield_pom_vps_reject_age",
        "Your pet is too young for this medicine.",
    ),
    (
        "shield_pom_vps_reject_incorrect_weight",
        "Your pet's weight does not match the medicine.",
    ),
];

/// The regulated information of a new regulated order, pending verification.
pub(super) fn regulated_info(order_id: &str, buyer: &str) -> m::OrderRegulatedInfo {
    let field = |id: &str, label: &str, value: &str| m::RegulatedInformationField {
        field_id: id.into(),
        field_label: label.into(),
        field_type: m::RegulatedInformationFieldFieldType::from_wire("Text"),
        field_value: value.into(),
    };
    m::OrderRegulatedInfo {
        amazon_order_id: order_id.into(),
        regulated_information: m::RegulatedInformation {
            fields: vec![
                field("pet_prescription_name", "Name", "Buddy"),
                field("pet_prescription_species", "Species", "Dog"),
                field("pet_prescription_owner", "Owner", buyer),
            ],
        },
        requires_dosage_label: true,
        regulated_order_verification_status: m::RegulatedOrderVerificationStatus {
            status: m::VerificationStatus::from_wire("Pending"),
            requires_merchant_action: true,
            valid_rejection_reasons: REJECTION_REASONS
                .iter()
                .map(|(id, text)| m::RejectionReason {
                    rejection_reason_id: (*id).into(),
                    rejection_reason_description: (*text).into(),
                })
                .collect(),
            ..Default::default()
        },
    }
}

async fn regulated_of(store: &Store, row: &OrderRow) -> Result<m::OrderRegulatedInfo> {
    let info = store.get_regulated(&row.amazon_order_id).await?;
    let Some(info) = info else {
        return Err(Error::invalid_input(format!(
            "Order {} has no regulated items.",
            row.amazon_order_id
        )));
    };
    serde_json::from_value(info).map_err(corrupt)
}

/// `getOrderRegulatedInfo`: the regulated information (personal data: only an RDT for the call
/// shows the fields' values) and the verification status.
pub async fn get_order_regulated_info(
    store: &Store,
    caller: &Caller,
    order_id: &str,
) -> Result<m::OrderRegulatedInfo> {
    let op = operation("getOrderRegulatedInfo")?;
    let row = seller_order(store, caller, order_id).await?;
    let mut info = regulated_of(store, &row).await?;
    if !personal_data::may_see(caller, op, "") {
        info.regulated_information.fields.clear();
    }
    Ok(info)
}

/// `updateVerificationStatus`: the seller approves or rejects a regulated order. A rejection
/// cancels the order and returns its stock.
pub async fn update_verification_status(
    store: &Store,
    caller: &Caller,
    order_id: &str,
    body: &m::UpdateVerificationStatusRequestBody,
    now: Timestamp,
) -> Result<()> {
    let mut row = seller_order(store, caller, order_id).await?;
    let mut info = regulated_of(store, &row).await?;
    let status = &mut info.regulated_order_verification_status;
    if status.status.as_str() != "Pending" {
        return Err(Error::invalid_input(format!(
            "The verification is {} already.",
            status.status.as_str()
        )));
    }
    if body.external_reviewer_id.trim().is_empty() {
        return Err(bad("externalReviewerId", "externalReviewerId is required."));
    }
    let new_status = body.status.as_ref().map(|s| s.as_str()).unwrap_or("");
    let mut tx = store.begin().await?;
    match new_status {
        "Approved" => {}
        "Rejected" => {
            let reason = body.rejection_reason_id.as_deref().unwrap_or("");
            let Some(r) = status
                .valid_rejection_reasons
                .iter()
                .find(|r| r.rejection_reason_id == reason)
            else {
                return Err(bad(
                    "rejectionReasonId",
                    "A rejection needs one of the order's ValidRejectionReasons.",
                ));
            };
            status.rejection_reason = Some(r.clone());
            if matches!(row.order_status.as_str(), "Pending" | "Unshipped") {
                for i in order_items(&row)? {
                    if let Some(sku) = &i.seller_sku {
                        settle_stock(&mut tx, &row, sku, 0, i.quantity_ordered, now).await?;
                    }
                }
                set_status(&mut row, "Canceled", now)?;
                record_change(&mut tx, &row, "VerificationRejected", now).await?;
            }
        }
        other => {
            return Err(bad(
                "status",
                format!("status must be Approved or Rejected, not {other:?}."),
            ));
        }
    }
    status.status = m::VerificationStatus::from_wire(new_status);
    status.requires_merchant_action = false;
    status.review_date = Some(iso(now));
    status.external_reviewer_id = Some(body.external_reviewer_id.clone());
    let doc = serde_json::to_value(&info).map_err(Error::internal)?;
    tx.set_regulated(order_id, &doc).await?;
    tx.commit().await.map_err(Error::internal)
}
