//! Merchant Fulfillment v0: eligible services for an MFN order's package, additional seller
//! inputs, buying a label (the order ships), reading and cancelling it (refund on the clock).

use super::{Kept, LabelSpec, Printed, REFUND_AFTER_US, kept, record, seller_order_in};
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::carriers::{self, Parcel, Place, Quote, Route};
use crate::market::labels;
use crate::market::money::to_decimal;
use crate::store::shipping::OfferRow;
use crate::store::{OrderRow, Store};
use crate::time::{iso, iso_us, parse_date_time};
use base64::Engine;
use jiff::Timestamp;
use md5::{Digest, Md5};
use serde_json::json;
use spapi_model::merchant_fulfillment_v0 as m;

/// Merchant Fulfillment over the carrier world.
#[derive(Clone)]
pub struct MerchantFulfillment {
    store: Store,
    clock: Clock,
}

fn bad(field: &str, details: impl Into<String>) -> Error {
    Error::invalid_parameter(field, details)
}

/// Amazon's validation message for a too long value.
fn too_long(path: &str, value: &str, max: usize) -> Error {
    Error::invalid_input(format!(
        "1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: \
         Member must have length less than or equal to {max}"
    ))
}

fn check_address(a: &m::Address, path: &str) -> Result<()> {
    let fields: [(&str, &str, usize); 7] = [
        ("name", &a.name, 30),
        ("addressLine1", &a.address_line1, 180),
        ("city", &a.city, 30),
        ("postalCode", &a.postal_code, 30),
        ("countryCode", &a.country_code, 2),
        ("phone", &a.phone, 30),
        (
            "stateOrProvinceCode",
            a.state_or_province_code.as_deref().unwrap_or(""),
            30,
        ),
    ];
    for (name, value, max) in fields {
        if value.chars().count() > max {
            return Err(too_long(&format!("{path}.{name}"), value, max));
        }
    }
    for (name, value) in [
        ("AddressLine1", &a.address_line1),
        ("City", &a.city),
        ("PostalCode", &a.postal_code),
        ("CountryCode", &a.country_code),
    ] {
        if value.trim().is_empty() {
            return Err(bad(
                &format!("ShipmentRequestDetails.ShipFromAddress.{name}"),
                format!("{name} is required."),
            ));
        }
    }
    Ok(())
}

/// Sides in centimetres of Amazon's predefined boxes and envelopes (approximate, by family).
fn predefined_cm(p: &m::PredefinedPackageDimensions) -> [f64; 3] {
    let name = p.as_str().to_ascii_lowercase();
    if name.contains("envelope") || name.contains("letter") || name.contains("card") {
        [32.0, 24.0, 1.0]
    } else if name.contains("pak") || name.contains("flat") {
        [38.0, 30.0, 4.0]
    } else if name.contains("small") {
        [22.0, 14.0, 4.0]
    } else if name.contains("medium") {
        [34.0, 30.0, 9.0]
    } else if name.contains("extra_large") || name.contains("25kg") || name.contains("pallet") {
        [55.0, 45.0, 35.0]
    } else if name.contains("large") || name.contains("10kg") {
        [45.0, 35.0, 25.0]
    } else if name.contains("tube") {
        [96.0, 15.0, 15.0]
    } else {
        [30.0, 23.0, 13.0]
    }
}

/// What a request's ShipmentRequestDetails amount to.
struct Details {
    order: OrderRow,
    lines: Vec<(String, i64)>,
    route: Route,
    parcel: Parcel,
    ship_at: Timestamp,
    must_arrive_by: Option<Timestamp>,
    from: Place,
    from_lines: Vec<String>,
    to: Place,
    to_lines: Vec<String>,
    international: bool,
}

async fn details(
    store: &Store,
    caller: &Caller,
    d: &m::ShipmentRequestDetails,
    now: Timestamp,
) -> Result<Details> {
    let seller = caller.selling_partner_id.clone().unwrap_or_default();
    let mut tx = store.begin().await?;
    let order = seller_order_in(&mut tx, &seller, &d.amazon_order_id).await?;
    drop(tx);
    super::check_labellable(&order, "ShipmentRequestDetails.AmazonOrderId")?;
    check_address(
        &d.ship_from_address,
        "shipmentRequestDetails.shipFromAddress",
    )?;
    if d.item_list.is_empty() {
        return Err(bad(
            "ShipmentRequestDetails.ItemList",
            "ItemList must name at least one order item.",
        ));
    }
    let items = crate::market::orders::order_items(&order)?;
    let mut lines = Vec::new();
    let mut hazmat = false;
    for it in &d.item_list {
        let Some(item) = items.iter().find(|i| i.order_item_id == it.order_item_id) else {
            return Err(bad(
                "ShipmentRequestDetails.ItemList.OrderItemId",
                format!(
                    "Order item {} is not in order {}.",
                    it.order_item_id, d.amazon_order_id
                ),
            ));
        };
        if it.quantity < 1 || it.quantity > item.quantity_ordered {
            return Err(bad(
                "ShipmentRequestDetails.ItemList.Quantity",
                format!(
                    "Quantity {} of order item {} is not between 1 and the {} units ordered.",
                    it.quantity, it.order_item_id, item.quantity_ordered
                ),
            ));
        }
        hazmat |= it.is_hazmat.unwrap_or(false);
        lines.push((it.order_item_id.clone(), it.quantity));
    }
    let weight_g = carriers::grams(d.weight.value, d.weight.unit.as_str()).ok_or_else(|| {
        bad(
            "ShipmentRequestDetails.Weight",
            "Weight must be a positive value in oz or g.",
        )
    })?;
    let p = &d.package_dimensions;
    let dims_cm = match (
        &p.predefined_package_dimensions,
        p.length,
        p.width,
        p.height,
    ) {
        (Some(pre), _, _, _) => Some(predefined_cm(pre)),
        (None, Some(l), Some(w), Some(h)) => {
            let unit = p.unit.as_ref().map(|u| u.as_str()).unwrap_or("");
            let cm = |v: f64| carriers::centimetres(v, unit);
            match (cm(l), cm(w), cm(h)) {
                (Some(l), Some(w), Some(h)) => Some([l, w, h]),
                _ => {
                    return Err(bad(
                        "ShipmentRequestDetails.PackageDimensions",
                        "Length, Width and Height must be positive, with Unit inches or centimeters.",
                    ));
                }
            }
        }
        _ => {
            return Err(bad(
                "ShipmentRequestDetails.PackageDimensions",
                "Give Length, Width, Height and Unit, or PredefinedPackageDimensions.",
            ));
        }
    };
    let date = |field: &str, v: &Option<String>| -> Result<Option<Timestamp>> {
        match v {
            None => Ok(None),
            Some(s) => parse_date_time(s)
                .map(Some)
                .ok_or_else(|| bad(field, format!("'{s}' is not an ISO 8601 date-time."))),
        }
    };
    let ship_at = date("ShipmentRequestDetails.ShipDate", &d.ship_date)?
        .unwrap_or(now)
        .max(now);
    let must_arrive_by = date(
        "ShipmentRequestDetails.MustArriveByDate",
        &d.must_arrive_by_date,
    )?;
    let options = &d.shipping_service_options;
    let signature = matches!(
        options.delivery_experience,
        m::DeliveryExperienceType::DeliveryConfirmationWithSignature
            | m::DeliveryExperienceType::DeliveryConfirmationWithAdultSignature
    );
    let mp = crate::market::marketplaces::marketplace(&order.marketplace_id)
        .ok_or_else(|| Error::internal("order in an unknown marketplace"))?;
    let declared = options
        .declared_value
        .as_ref()
        .map(|v| crate::market::money::from_decimal(v.amount, mp.currency))
        .unwrap_or(0);
    let (to, to_lines, po_box) = super::order_destination(&order)?;
    let a = &d.ship_from_address;
    let from = Place {
        city: a.city.clone(),
        state: a.state_or_province_code.clone().unwrap_or_default(),
        postal: a.postal_code.clone(),
        country: a.country_code.to_ascii_uppercase(),
    };
    let from_lines = vec![
        a.name.clone(),
        a.address_line1.clone(),
        format!("{} {} {}", a.city, from.state, a.postal_code),
        from.country.clone(),
    ];
    let route = Route {
        from_country: from.country.clone(),
        from_postal: from.postal.clone(),
        to_country: to.country.clone(),
        to_postal: to.postal.clone(),
        po_box,
    };
    Ok(Details {
        international: !route.from_country.eq_ignore_ascii_case(&route.to_country),
        order,
        lines,
        route,
        parcel: Parcel {
            weight_g,
            dims_cm,
            hazmat,
            signature,
            declared,
        },
        ship_at,
        must_arrive_by,
        from,
        from_lines,
        to,
        to_lines,
    })
}

fn amount(minor: i64, currency: &str) -> m::CurrencyAmount {
    m::CurrencyAmount {
        currency_code: currency.into(),
        amount: to_decimal(minor, currency),
    }
}

const LABEL_FORMATS: [&str; 4] = ["PDF", "PNG", "ZPL203", "ZPL300"];

fn service_doc(
    q: &Quote,
    offer_id: &str,
    options: &m::ShippingServiceOptions,
    requires_inputs: bool,
) -> m::ShippingService {
    let formats: Vec<m::LabelFormat> = LABEL_FORMATS
        .iter()
        .map(|f| m::LabelFormat::from_wire(f))
        .collect();
    m::ShippingService {
        shipping_service_name: q.service.name.into(),
        carrier_name: q.service.carrier_name.into(),
        shipping_service_id: q.service.id.into(),
        shipping_service_offer_id: offer_id.into(),
        ship_date: iso(q.pickup.0),
        earliest_estimated_delivery_date: Some(iso(q.delivery.0)),
        latest_estimated_delivery_date: Some(iso(q.delivery.1)),
        rate: amount(q.total, q.currency),
        rate_with_adjustments: amount(q.total, q.currency),
        adjustment_item_list: None,
        shipping_service_options: options.clone(),
        available_shipping_service_options: None,
        available_label_formats: Some(formats.clone()),
        available_format_options_for_label: Some(
            formats
                .into_iter()
                .map(|f| m::LabelFormatOption {
                    include_packing_slip_with_label: Some(false),
                    label_format: Some(f),
                })
                .collect(),
        ),
        requires_additional_seller_inputs: requires_inputs,
        benefits: Some(m::Benefits {
            included_benefits: Some(vec!["CLAIMS_PROTECTED".into()]),
            excluded_benefits: Some(Vec::new()),
        }),
    }
}

/// A new opaque offer id (base64 of random bytes, as Amazon's look).
fn offer_id() -> String {
    let mut bytes = Vec::with_capacity(48);
    for _ in 0..3 {
        bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The additional inputs a service needs for this shipment: international shipments need a
/// customs description at shipment level and each item's country of origin (spapi's rule;
/// domestic shipments need none).
fn additional_fields(
    international: bool,
    asins: &[String],
) -> (Vec<m::AdditionalInputs>, Vec<m::ItemLevelFields>) {
    if !international {
        return (Vec::new(), Vec::new());
    }
    let field = |name: &str, text: &str, target: &str, max: usize| m::AdditionalInputs {
        additional_input_field_name: Some(name.into()),
        seller_input_definition: Some(m::SellerInputDefinition {
            is_required: true,
            data_type: "String".into(),
            constraints: vec![m::Constraint {
                validation_reg_ex: Some(format!("^.{{1,{max}}}$")),
                validation_string: format!("Enter 1 to {max} characters."),
            }],
            input_display_text: text.into(),
            input_target: Some(m::InputTargetType::from_wire(target)),
            stored_value: m::AdditionalSellerInput::default(),
            restricted_set_values: None,
        }),
    };
    (
        vec![field(
            "CUSTOMS_DESCRIPTION",
            "Description of contents for customs",
            "SHIPMENT_LEVEL",
            50,
        )],
        asins
            .iter()
            .map(|a| m::ItemLevelFields {
                asin: a.clone(),
                additional_inputs: vec![field(
                    "COUNTRY_OF_ORIGIN",
                    "Country of origin (ISO code)",
                    "ITEM_LEVEL",
                    2,
                )],
            })
            .collect(),
    )
}

fn label_spec(format: Option<&m::LabelFormat>, service: &carriers::Service) -> LabelSpec {
    match format.map(|f| f.as_str()) {
        Some("PDF") => LabelSpec::four_by_six("PDF", 203),
        Some("ZPL203") => LabelSpec::four_by_six("ZPL", 203),
        Some("ZPL300") => LabelSpec::four_by_six("ZPL", 300),
        Some("PNG") => LabelSpec::four_by_six("PNG", 203),
        // The service's default: thermal carriers print ZPL-ready PNGs; spapi uses PNG for
        // all but Royal Mail, whose default is PDF.
        _ if service.carrier_id == "ROYAL_MAIL" => LabelSpec::four_by_six("PDF", 203),
        _ => LabelSpec::four_by_six("PNG", 203),
    }
}

fn wire_format(spec: &LabelSpec) -> m::LabelFormat {
    m::LabelFormat::from_wire(match (spec.format.as_str(), spec.dpi) {
        ("ZPL", 300) => "ZPL300",
        ("ZPL", _) => "ZPL203",
        (f, _) => f,
    })
}

/// Checks the shipment id is a UUID, with Amazon's validation message.
fn check_shipment_id(id: &str) -> Result<()> {
    let ok = id.len() == 36
        && id.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_input(format!(
            "1 validation error detected: Value '{id}' at 'shipmentId' failed to satisfy \
             constraint: Member must satisfy regular expression pattern: \
             [0-9a-fA-F]{{8}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{4}}-[0-9a-fA-F]{{12}}"
        )))
    }
}

/// The MFN status of a kept label at `now_us`.
fn status(k: &Kept, now_us: i64) -> &'static str {
    match (k.cancelled_us, k.refund.as_deref()) {
        (None, _) => "Purchased",
        (Some(c), _) if now_us < c + REFUND_AFTER_US => "RefundPending",
        (Some(_), Some("Applied")) => "RefundApplied",
        _ => "RefundRejected",
    }
}

impl MerchantFulfillment {
    /// The service over `store` on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        MerchantFulfillment { store, clock }
    }

    fn seller(caller: &Caller) -> String {
        caller.selling_partner_id.clone().unwrap_or_default()
    }

    /// `getEligibleShipmentServices`: the services that can take the package (each an offer
    /// that expires), those that cannot with why, and carriers down for now.
    pub async fn eligible_services(
        &self,
        caller: &Caller,
        req: &m::GetEligibleShipmentServicesRequest,
    ) -> Result<m::GetEligibleShipmentServicesResult> {
        let now = self.clock.now();
        let d = details(&self.store, caller, &req.shipment_request_details, now).await?;
        let (quotes, refused) = carriers::quote(&d.route, &d.parcel, d.ship_at, d.must_arrive_by);
        let filter = req.shipping_offering_filter.as_ref();
        let pickup_wanted = filter
            .and_then(|f| f.carrier_will_pick_up.as_ref())
            .map(|c| c.as_str().to_string());
        let options = &req.shipment_request_details.shipping_service_options;
        let seller = Self::seller(caller);
        let mut tx = self.store.begin().await?;
        let mut list = Vec::new();
        for q in &quotes {
            match pickup_wanted.as_deref() {
                Some("CarrierWillPickUp") if !q.service.pickup => continue,
                Some("ShipperWillDropOff") if q.service.pickup => continue,
                _ => {}
            }
            let id = offer_id();
            let doc = json!({
                "api": "mfn", "serviceId": q.service.id, "orderId": d.order.amazon_order_id,
                "total": q.total, "currency": q.currency,
            });
            tx.insert_ship_offer(&OfferRow {
                id: id.clone(),
                seller_id: seller.clone(),
                request_token: d.order.amazon_order_id.clone(),
                created_at_us: now.as_microsecond(),
                expires_at_us: now
                    .checked_add(carriers::OFFER_TTL)
                    .unwrap_or(now)
                    .as_microsecond(),
                doc: doc.to_string(),
            })
            .await?;
            list.push(service_doc(q, &id, options, d.international));
        }
        tx.commit().await?;
        let rejected = refused
            .iter()
            .map(|(s, why)| m::RejectedShippingService {
                carrier_name: s.carrier_name.into(),
                shipping_service_name: s.name.into(),
                shipping_service_id: s.id.into(),
                rejection_reason_code: why.mfn_code().into(),
                rejection_reason_message: Some(why.message().into()),
            })
            .collect();
        let down = carriers::carriers_for(&d.route.from_country)
            .into_iter()
            .filter(|(id, _)| carriers::temporarily_unavailable(id, d.ship_at))
            .map(|(_, name)| m::TemporarilyUnavailableCarrier {
                carrier_name: name.into(),
            })
            .collect();
        Ok(m::GetEligibleShipmentServicesResult {
            shipping_service_list: list,
            rejected_shipping_service_list: Some(rejected),
            temporarily_unavailable_carrier_list: Some(down),
            terms_and_conditions_not_accepted_carrier_list: Some(Vec::new()),
        })
    }

    /// `getAdditionalSellerInputs`: the inputs a service needs for shipping this order from
    /// this address.
    pub async fn additional_seller_inputs(
        &self,
        caller: &Caller,
        req: &m::GetAdditionalSellerInputsRequest,
    ) -> Result<m::GetAdditionalSellerInputsResult> {
        if carriers::service(&req.shipping_service_id).is_none() {
            return Err(bad(
                "ShippingServiceId",
                format!(
                    "'{}' is not a shipping service id.",
                    req.shipping_service_id
                ),
            ));
        }
        check_address(&req.ship_from_address, "shipFromAddress")?;
        let seller = Self::seller(caller);
        let mut tx = self.store.begin().await?;
        let order = seller_order_in(&mut tx, &seller, &req.order_id).await?;
        drop(tx);
        super::check_labellable(&order, "OrderId")?;
        let (to, _, _) = super::order_destination(&order)?;
        let international = !req
            .ship_from_address
            .country_code
            .eq_ignore_ascii_case(&to.country);
        let asins: Vec<String> = crate::market::orders::order_items(&order)?
            .into_iter()
            .map(|i| i.asin)
            .collect();
        let (shipment, items) = additional_fields(international, &asins);
        Ok(m::GetAdditionalSellerInputsResult {
            shipment_level_fields: Some(shipment),
            item_level_fields_list: Some(items),
        })
    }

    /// `createShipment`: buys the label; the order ships in the same transaction.
    pub async fn create(
        &self,
        caller: &Caller,
        req: &m::CreateShipmentRequest,
        personal_data: bool,
    ) -> Result<m::Shipment> {
        let now = self.clock.now();
        let now_us = now.as_microsecond();
        let seller = Self::seller(caller);
        let d = details(&self.store, caller, &req.shipment_request_details, now).await?;
        let mut parcel = d.parcel.clone();
        parcel.hazmat |= req
            .hazmat_type
            .as_ref()
            .is_some_and(|h| h.as_str() == "LQHazmat");
        let Some(service) = carriers::service(&req.shipping_service_id) else {
            return Err(bad(
                "ShippingServiceId",
                format!(
                    "'{}' is not a shipping service id.",
                    req.shipping_service_id
                ),
            ));
        };
        let mut price: Option<(i64, String)> = None;
        if let Some(offer) = &req.shipping_service_offer_id {
            let row = self
                .store
                .get_ship_offer(&seller, offer)
                .await?
                .ok_or_else(|| {
                    bad(
                        "ShippingServiceOfferId",
                        "The shipping offering Id is not valid. Please make another \
                         GetEligibleShippingServices call to get a new id.",
                    )
                })?;
            if row.expires_at_us <= now_us {
                return Err(Error::invalid_input(
                    "The shipping offering Id has expired. Please make another \
                     GetEligibleShippingServices call to get a new id.",
                ));
            }
            let doc: serde_json::Value = serde_json::from_str(&row.doc).map_err(Error::internal)?;
            if doc["serviceId"] != service.id || doc["orderId"] != d.order.amazon_order_id {
                return Err(bad(
                    "ShippingServiceOfferId",
                    "The shipping offering Id was made for another service or order.",
                ));
            }
            if let (Some(t), Some(c)) = (doc["total"].as_i64(), doc["currency"].as_str()) {
                price = Some((t, c.to_string()));
            }
        }
        let (quotes, refused) = carriers::quote(&d.route, &parcel, d.ship_at, d.must_arrive_by);
        let Some(q) = quotes.into_iter().find(|q| q.service.id == service.id) else {
            let why = refused
                .iter()
                .find(|(s, _)| s.id == service.id)
                .map(|(_, w)| w.message())
                .unwrap_or("The service is not available for this shipment now.");
            return Err(bad("ShippingServiceId", why));
        };
        if d.international {
            let given = req
                .shipment_level_seller_inputs_list
                .as_ref()
                .is_some_and(|l| {
                    l.iter().any(|i| {
                        i.additional_input_field_name == "CUSTOMS_DESCRIPTION"
                            && i.additional_seller_input
                                .value_as_string
                                .as_ref()
                                .is_some_and(|v| !v.trim().is_empty())
                    })
                });
            if !given {
                return Err(bad(
                    "ShipmentLevelSellerInputsList",
                    "This service requires additional seller inputs: CUSTOMS_DESCRIPTION \
                     (see getAdditionalSellerInputs).",
                ));
            }
        }
        let (total, currency) = price.unwrap_or((q.total, q.currency.to_string()));
        let id = uuid::Uuid::new_v4().to_string();
        let tracking_id = carriers::tracking_number(service, &id);
        let plan =
            carriers::plan_tracking(&tracking_id, now, q.pickup.0, q.delivery, &d.from, &d.to);
        let options = &req.shipment_request_details.shipping_service_options;
        let spec = label_spec(options.label_format.as_ref(), service);
        let custom = req.shipment_request_details.label_customization.as_ref();
        let reference = custom
            .and_then(|c| c.custom_text_for_label.clone())
            .or_else(|| Some(d.order.amazon_order_id.clone()));
        let mut ship_service = service_doc(
            &q,
            req.shipping_service_offer_id.as_deref().unwrap_or(""),
            options,
            d.international,
        );
        ship_service.rate = amount(total, &currency);
        ship_service.rate_with_adjustments = amount(total, &currency);
        let insurance = options
            .declared_value
            .clone()
            .unwrap_or_else(|| amount(0, &currency));
        let shipment = m::Shipment {
            shipment_id: id.clone(),
            amazon_order_id: d.order.amazon_order_id.clone(),
            seller_order_id: req.shipment_request_details.seller_order_id.clone(),
            item_list: req.shipment_request_details.item_list.clone(),
            ship_from_address: req.shipment_request_details.ship_from_address.clone(),
            ship_to_address: m::Address::default(),
            package_dimensions: req.shipment_request_details.package_dimensions.clone(),
            weight: req.shipment_request_details.weight.clone(),
            insurance,
            shipping_service: ship_service,
            label: m::Label {
                custom_text_for_label: custom.and_then(|c| c.custom_text_for_label.clone()),
                dimensions: m::LabelDimensions {
                    length: spec.length,
                    width: spec.width,
                    unit: m::UnitOfLength::Inches,
                },
                file_contents: m::FileContents::default(),
                label_format: Some(wire_format(&spec)),
                standard_id_for_label: custom.and_then(|c| c.standard_id_for_label.clone()),
            },
            status: m::ShipmentStatus::Purchased,
            tracking_id: Some(tracking_id.clone()),
            created_date: iso(now),
            last_updated_date: Some(iso(now)),
        };
        let k = Kept {
            api: "mfn".into(),
            service_id: service.id.into(),
            tracking_id,
            currency,
            total,
            billed_g: q.billed_g,
            bought_us: now_us,
            pickup: (q.pickup.0.as_microsecond(), q.pickup.1.as_microsecond()),
            delivery: (q.delivery.0.as_microsecond(), q.delivery.1.as_microsecond()),
            plan,
            cancelled_us: None,
            refund: None,
            order_id: Some(d.order.amazon_order_id.clone()),
            order_lines: d.lines.clone(),
            label: spec,
            printed: Printed {
                from: d.from_lines.clone(),
                to: d.to_lines.clone(),
                reference,
            },
            from: d.from.clone(),
            to: d.to.clone(),
            package_ref: None,
            collection_form: None,
            ndr: None,
            api_doc: serde_json::to_value(&shipment).map_err(Error::internal)?,
        };
        super::check_regulated(&self.store, &d.order.amazon_order_id).await?;
        let mut tx = self.store.begin().await?;
        // Read again in the transaction: a concurrent label or confirmation counts.
        let order = seller_order_in(&mut tx, &seller, &d.order.amazon_order_id).await?;
        super::tie_to_order(
            &mut tx,
            order.clone(),
            &d.lines,
            "ShipmentRequestDetails.ItemList",
            now,
        )
        .await?;
        tx.insert_ship_record(&record(&seller, &id, &k, "Purchased", now_us)?)
            .await?;
        tx.commit().await?;
        self.answer(&k, &order, now_us, personal_data)
    }

    async fn kept_of(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(crate::store::shipping::RecordRow, Kept)> {
        check_shipment_id(id)?;
        let seller = Self::seller(caller);
        let row = self
            .store
            .get_ship_record(&seller, super::KIND_SHIPMENT, id)
            .await?
            .ok_or_else(|| {
                Error::not_found().with_details(format!("Shipment {id} was not found."))
            })?;
        let k = kept(&row)?;
        if k.api != "mfn" {
            return Err(Error::not_found().with_details(format!("Shipment {id} was not found.")));
        }
        Ok((row, k))
    }

    async fn order_of(&self, k: &Kept) -> Result<OrderRow> {
        let id = k.order_id.clone().unwrap_or_default();
        self.store
            .get_order(&id)
            .await?
            .ok_or_else(|| Error::internal(format!("label of a missing order {id}")))
    }

    /// `getShipment`.
    pub async fn get(&self, caller: &Caller, id: &str, personal_data: bool) -> Result<m::Shipment> {
        let (_, k) = self.kept_of(caller, id).await?;
        let order = self.order_of(&k).await?;
        self.answer(&k, &order, self.clock.now_us(), personal_data)
    }

    /// `cancelShipment`: asks for the label's refund. The answer is RefundPending; an hour
    /// later it is RefundApplied, or RefundRejected when the carrier had scanned the package
    /// or the service's void window had passed. The order stays as it is (Amazon: it remains
    /// Shipped). A label already cancelled cannot be cancelled again.
    pub async fn cancel(
        &self,
        caller: &Caller,
        id: &str,
        personal_data: bool,
    ) -> Result<m::Shipment> {
        let (mut row, mut k) = self.kept_of(caller, id).await?;
        let now_us = self.clock.now_us();
        if k.cancelled_us.is_some() {
            return Err(Error::invalid_input(format!(
                "Shipment {id} is already {}; it cannot be canceled again.",
                status(&k, now_us)
            )));
        }
        k.cancel(now_us)?;
        let mut tx = self.store.begin().await?;
        row.status = "RefundPending".into();
        row.updated_at_us = now_us;
        row.doc = serde_json::to_string(&k).map_err(Error::internal)?;
        tx.update_ship_record(&row).await?;
        tx.commit().await?;
        let order = self.order_of(&k).await?;
        self.answer(&k, &order, now_us, personal_data)
    }

    fn answer(
        &self,
        k: &Kept,
        order: &OrderRow,
        now_us: i64,
        personal_data: bool,
    ) -> Result<m::Shipment> {
        let mut s: m::Shipment =
            serde_json::from_value(k.api_doc.clone()).map_err(Error::internal)?;
        let st = status(k, now_us);
        s.status = m::ShipmentStatus::from_wire(st);
        if let Some(c) = k.cancelled_us {
            let at = if now_us < c + REFUND_AFTER_US {
                c
            } else {
                c + REFUND_AFTER_US
            };
            s.last_updated_date = Some(iso_us(at));
        }
        // A cancelled label comes back empty (the model: "If the shipment is canceled, an
        // empty label is returned").
        let bytes = if k.cancelled_us.is_some() {
            Vec::new()
        } else {
            k.label_bytes()?
        };
        let gz = labels::gzip(&bytes);
        s.label.file_contents = m::FileContents {
            contents: base64::engine::general_purpose::STANDARD.encode(&gz),
            file_type: m::FileType::from_wire(k.label.mime()),
            // MD5 of the label file itself (before gzip), base64.
            checksum: base64::engine::general_purpose::STANDARD.encode(Md5::digest(&bytes)),
        };
        let doc = crate::market::orders::order_doc(order)?;
        let a = doc.shipping_address.unwrap_or_default();
        let cut = |s: Option<String>, n: usize| -> String {
            s.unwrap_or_default().chars().take(n).collect()
        };
        // Personal data only under a Restricted Data Token (the operation is restricted).
        let pii = |s: Option<String>, n: usize| {
            if personal_data {
                cut(s, n)
            } else {
                String::new()
            }
        };
        s.ship_to_address = m::Address {
            name: pii(a.name, 30),
            address_line1: pii(a.address_line1, 180),
            address_line2: personal_data.then_some(a.address_line2).flatten(),
            address_line3: None,
            district_or_county: None,
            email: pii(doc.buyer_info.and_then(|b| b.buyer_email), 64),
            city: cut(a.city, 30),
            state_or_province_code: a.state_or_region.map(|s| s.chars().take(30).collect()),
            postal_code: cut(a.postal_code, 30),
            country_code: cut(a.country_code, 2),
            phone: pii(a.phone, 30),
        };
        Ok(s)
    }
}
