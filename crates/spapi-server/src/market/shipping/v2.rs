//! Shipping v2 over the carrier world: rates (offers that expire after 10 minutes), purchase,
//! one-click and direct purchase, documents, tracking, cancellation and additional inputs.
//!
//! A shipment here is one package (spapi's limit: several packages in one request are
//! refused with a clear message). For `channelType` AMAZON the package ships an Amazon order:
//! its items name order items (`itemIdentifier` = OrderItemId) and the ship-to address is the
//! order's; buying the label ships the order (see the module above).

use super::{Kept, LabelSpec, Printed, kept, record, seller_order_in};
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::carriers::{self, Parcel, Place, Quote, Route};
use crate::market::money::{from_decimal, to_decimal};
use crate::store::shipping::{OfferRow, RecordRow};
use crate::store::{OrderRow, Store};
use crate::time::{iso, iso_us, parse_date_time};
use base64::Engine;
use jiff::Timestamp;
use serde_json::{Value, json};
use spapi_model::shipping_v2 as m;

/// The message of an offer bought after it expired (the binding answers `TOKEN_EXPIRED`).
pub const TOKEN_EXPIRED: &str =
    "The requested rate has expired. Call getRates again to get a new requestToken and rateId.";

/// The business ids the `x-amzn-shipping-business-id` header takes.
pub const BUSINESS_IDS: [&str; 10] = [
    "AmazonShipping_US",
    "AmazonShipping_IN",
    "AmazonShipping_UK",
    "AmazonShipping_UAE",
    "AmazonShipping_SA",
    "AmazonShipping_EG",
    "AmazonShipping_IT",
    "AmazonShipping_ES",
    "AmazonShipping_FR",
    "AmazonShipping_JP",
];

/// Checks the `x-amzn-shipping-business-id` header, when given.
pub fn check_business_id(id: Option<&str>) -> Result<()> {
    match id {
        Some(id) if !BUSINESS_IDS.contains(&id) => Err(Error::invalid_parameter(
            "x-amzn-shipping-business-id",
            format!("'{id}' is not a shipping business id."),
        )),
        _ => Ok(()),
    }
}

/// The country of a shipping business id (Amazon's default business is AmazonShipping_UK).
pub fn business_country(id: Option<&str>) -> &'static str {
    match id.unwrap_or("AmazonShipping_UK") {
        "AmazonShipping_US" => "US",
        "AmazonShipping_IN" => "IN",
        "AmazonShipping_UAE" => "AE",
        "AmazonShipping_SA" => "SA",
        "AmazonShipping_EG" => "EG",
        "AmazonShipping_IT" => "IT",
        "AmazonShipping_ES" => "ES",
        "AmazonShipping_FR" => "FR",
        "AmazonShipping_JP" => "JP",
        _ => "GB",
    }
}

fn bad(field: &str, details: impl Into<String>) -> Error {
    Error::invalid_parameter(field, details)
}

/// Shipping v2 over the carrier world.
#[derive(Clone)]
pub struct ShippingV2 {
    store: Store,
    clock: Clock,
}

/// A request's shipment: route, package, order tie, places and printed lines.
struct Plan {
    order: Option<OrderRow>,
    lines: Vec<(String, i64)>,
    route: Route,
    parcel: Parcel,
    package_ref: String,
    ship_at: Timestamp,
    from: Place,
    from_lines: Vec<String>,
    to: Place,
    to_lines: Vec<String>,
    international: bool,
}

fn place_of(a: &m::Address) -> Place {
    Place {
        city: a.city.clone(),
        state: a.state_or_region.clone(),
        postal: a.postal_code.clone(),
        country: a.country_code.to_ascii_uppercase(),
    }
}

fn lines_of(a: &m::Address) -> Vec<String> {
    vec![
        a.name.clone(),
        a.address_line1.clone(),
        format!("{} {} {}", a.city, a.state_or_region, a.postal_code),
        a.country_code.clone(),
    ]
}

fn check_address(a: &m::Address, field: &str) -> Result<()> {
    super::check_address_lines(
        &[
            ("name", &a.name),
            ("addressLine1", &a.address_line1),
            ("city", &a.city),
            ("postalCode", &a.postal_code),
        ],
        &a.country_code,
        field,
    )
}

fn currency(minor: i64, cur: &str) -> m::Currency {
    m::Currency {
        value: to_decimal(minor, cur),
        unit: cur.into(),
    }
}

fn window(a: i64, b: i64) -> m::TimeWindow {
    m::TimeWindow {
        start: Some(iso_us(a)),
        end: Some(iso_us(b)),
    }
}

fn benefits() -> m::Benefits {
    m::Benefits {
        included_benefits: vec!["CLAIMS_PROTECTED".into()],
        excluded_benefits: Vec::new(),
    }
}

/// The document specifications every service supports: PNG, PDF and ZPL labels of 4x6
/// inches at 203 or 300 dpi.
fn supported_specs() -> Vec<m::SupportedDocumentSpecification> {
    ["PNG", "PDF", "ZPL"]
        .iter()
        .map(|f| m::SupportedDocumentSpecification {
            format: m::DocumentFormat::from_wire(f),
            size: m::DocumentSize {
                width: 4.0,
                length: 6.0,
                unit: m::DocumentSizeUnit::from_wire("INCH"),
            },
            print_options: vec![m::PrintOption {
                supported_dp_is: Some(vec![203, 300]),
                supported_page_layouts: vec!["LEFT".to_string()],
                supported_file_joining_options: vec![false],
                supported_document_details: vec![m::SupportedDocumentDetail {
                    name: m::DocumentType::from_wire("LABEL"),
                    is_mandatory: true,
                }],
            }],
        })
        .collect()
}

/// Checks a requested document specification against the supported ones; the kept spec.
fn label_spec(spec: &m::RequestedDocumentSpecification, field: &str) -> Result<LabelSpec> {
    let format = spec.format.as_str();
    if !matches!(format, "PNG" | "PDF" | "ZPL") {
        return Err(bad(
            &format!("{field}.format"),
            format!("Document format {format} is not supported by the rate."),
        ));
    }
    let unit = spec.size.unit.as_str();
    let (w, l) = match unit {
        "INCH" => (spec.size.width, spec.size.length),
        "CENTIMETER" => (spec.size.width / 2.54, spec.size.length / 2.54),
        other => {
            return Err(bad(
                &format!("{field}.size.unit"),
                format!("Unit {other} is not INCH or CENTIMETER."),
            ));
        }
    };
    if (w - 4.0).abs() > 0.05 || (l - 6.0).abs() > 0.05 {
        return Err(bad(
            &format!("{field}.size"),
            "The requested size is not among the rate's supported document sizes (4x6 INCH).",
        ));
    }
    let dpi = spec.dpi.unwrap_or(203);
    if dpi != 203 && dpi != 300 {
        return Err(bad(
            &format!("{field}.dpi"),
            format!("{dpi} dpi is not supported (203, 300)."),
        ));
    }
    if spec.need_file_joining {
        return Err(bad(
            &format!("{field}.needFileJoining"),
            "File joining is not supported by the rate.",
        ));
    }
    if spec.requested_document_types.is_empty()
        || spec
            .requested_document_types
            .iter()
            .any(|t| t.as_str() != "LABEL")
    {
        return Err(bad(
            &format!("{field}.requestedDocumentTypes"),
            "The rate supports the LABEL document type only.",
        ));
    }
    Ok(LabelSpec {
        format: format.into(),
        width: spec.size.width,
        length: spec.size.length,
        unit: unit.into(),
        dpi: dpi as u32,
    })
}

/// The JSON Schema (draft-04) of the additional inputs a rate needs: international
/// shipments need a customs description (spapi's rule), domestic ones nothing.
fn inputs_schema(international: bool) -> Value {
    if international {
        json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "object",
            "properties": {"customsDescription": {"type": "string", "minLength": 1, "maxLength": 50,
                                                  "description": "Contents, for customs"}},
            "required": ["customsDescription"]
        })
    } else {
        json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "properties": {}})
    }
}

fn check_inputs(
    international: bool,
    inputs: Option<&serde_json::Map<String, Value>>,
) -> Result<()> {
    if !international {
        return Ok(());
    }
    let ok = inputs
        .and_then(|i| i.get("customsDescription"))
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty() && s.chars().count() <= 50);
    if ok {
        Ok(())
    } else {
        Err(bad(
            "additionalInputs",
            "customsDescription is required (see getAdditionalInputs).",
        ))
    }
}

/// The summary status, as the model's enum.
fn tracking_status(s: &str) -> m::Status {
    m::Status::from_wire(s)
}

fn documents(k: &Kept, spec: &LabelSpec) -> Result<m::PackageDocumentDetail> {
    let bytes = k.label_bytes_as(spec)?;
    Ok(m::PackageDocumentDetail {
        package_client_reference_id: k.package_ref.clone().unwrap_or_default(),
        package_documents: vec![m::PackageDocument {
            r#type: m::DocumentType::from_wire("LABEL"),
            format: m::DocumentFormat::from_wire(&spec.format),
            contents: base64::engine::general_purpose::STANDARD.encode(bytes),
        }],
        tracking_id: Some(k.tracking_id.clone()),
    })
}

impl ShippingV2 {
    /// The service over `store` on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        ShippingV2 { store, clock }
    }

    fn seller(caller: &Caller) -> String {
        caller.selling_partner_id.clone().unwrap_or_default()
    }

    /// The shipment a rate request describes.
    async fn plan(
        &self,
        caller: &Caller,
        ship_from: &m::Address,
        ship_to: Option<&m::Address>,
        packages: &[m::Package],
        channel: &m::ChannelDetails,
        ship_date: Option<&str>,
    ) -> Result<Plan> {
        let now = self.clock.now();
        check_address(ship_from, "shipFrom")?;
        let [package] = packages else {
            return Err(bad(
                "packages",
                if packages.is_empty() {
                    "At least one package is required."
                } else {
                    "spapi ships one package per shipment; request each package separately."
                },
            ));
        };
        let weight_g = carriers::grams(package.weight.value, package.weight.unit.as_str())
            .ok_or_else(|| {
                bad(
                    "packages.weight",
                    "weight must be positive, in GRAM, KILOGRAM, OUNCE or POUND.",
                )
            })?;
        let d = &package.dimensions;
        let unit = d.unit.as_str();
        let cm = |v: f64| carriers::centimetres(v, unit);
        let dims = match (cm(d.length), cm(d.width), cm(d.height)) {
            (Some(l), Some(w), Some(h)) => [l, w, h],
            _ => {
                return Err(bad(
                    "packages.dimensions",
                    "length, width and height must be positive, in INCH or CENTIMETER.",
                ));
            }
        };
        if package.package_client_reference_id.trim().is_empty() {
            return Err(bad(
                "packages.packageClientReferenceId",
                "packageClientReferenceId is required.",
            ));
        }
        let ship_at = match ship_date {
            None => now,
            Some(s) => parse_date_time(s)
                .ok_or_else(|| bad("shipDate", format!("'{s}' is not an ISO 8601 date-time.")))?
                .max(now),
        };
        let hazmat = package.is_hazmat.unwrap_or(false)
            || package.items.iter().any(|i| i.is_hazmat.unwrap_or(false));
        let cur = package.insured_value.unit.clone();
        let declared = from_decimal(package.insured_value.value, &cur);
        let from = place_of(ship_from);
        let seller = Self::seller(caller);
        let (order, lines, to, to_lines, po_box) = match channel.channel_type.as_str() {
            "AMAZON" => {
                let Some(details) = &channel.amazon_order_details else {
                    return Err(bad(
                        "channelDetails.amazonOrderDetails",
                        "amazonOrderDetails is required for channelType AMAZON.",
                    ));
                };
                let mut tx = self.store.begin().await?;
                let order = seller_order_in(&mut tx, &seller, &details.order_id).await?;
                drop(tx);
                super::check_labellable(&order, "channelDetails.amazonOrderDetails.orderId")?;
                let mut lines = Vec::new();
                for it in &package.items {
                    let Some(id) = it.item_identifier.clone() else {
                        return Err(bad(
                            "packages.items.itemIdentifier",
                            "itemIdentifier (the OrderItemId) is required for channelType AMAZON.",
                        ));
                    };
                    lines.push((id, it.quantity));
                }
                if lines.is_empty() {
                    return Err(bad("packages.items", "At least one item is required."));
                }
                let (to, to_lines, po_box) = super::order_destination(&order)?;
                (Some(order), lines, to, to_lines, po_box)
            }
            "EXTERNAL" => {
                let Some(to) = ship_to else {
                    return Err(bad(
                        "shipTo",
                        "shipTo is required for channelType EXTERNAL.",
                    ));
                };
                check_address(to, "shipTo")?;
                (
                    None,
                    Vec::new(),
                    place_of(to),
                    lines_of(to),
                    carriers::is_po_box(&to.address_line1),
                )
            }
            other => {
                return Err(bad(
                    "channelDetails.channelType",
                    format!("channelType {other} is not AMAZON or EXTERNAL."),
                ));
            }
        };
        let route = Route {
            from_country: from.country.clone(),
            from_postal: from.postal.clone(),
            to_country: to.country.clone(),
            to_postal: to.postal.clone(),
            po_box,
        };
        Ok(Plan {
            international: !route.from_country.eq_ignore_ascii_case(&route.to_country),
            order,
            lines,
            route,
            parcel: Parcel {
                weight_g,
                dims_cm: Some(dims),
                hazmat,
                signature: false,
                declared,
            },
            package_ref: package.package_client_reference_id.clone(),
            ship_at,
            from_lines: lines_of(ship_from),
            from,
            to,
            to_lines,
        })
    }

    fn rate_doc(q: &Quote, rate_id: &str, international: bool) -> m::Rate {
        m::Rate {
            rate_id: rate_id.into(),
            carrier_id: q.service.carrier_id.into(),
            carrier_name: q.service.carrier_name.into(),
            service_id: q.service.id.into(),
            service_name: q.service.name.into(),
            billed_weight: Some(m::Weight {
                unit: m::WeightUnit::from_wire("GRAM"),
                value: q.billed_g.round(),
            }),
            total_charge: currency(q.total, q.currency),
            promise: m::Promise {
                delivery_window: Some(window(
                    q.delivery.0.as_microsecond(),
                    q.delivery.1.as_microsecond(),
                )),
                pickup_window: Some(window(
                    q.pickup.0.as_microsecond(),
                    q.pickup.1.as_microsecond(),
                )),
            },
            supported_document_specifications: supported_specs(),
            available_value_added_service_groups: None,
            requires_additional_inputs: international,
            rate_item_list: Some(
                q.lines
                    .iter()
                    .map(|l| m::RateItem {
                        rate_item_id: Some(m::RateItemID::from_wire(l.id)),
                        rate_item_type: Some(m::RateItemType::from_wire("MANDATORY")),
                        rate_item_charge: Some(currency(l.amount, q.currency)),
                        rate_item_name_localization: None,
                    })
                    .collect(),
            ),
            payment_type: Some(m::PaymentType::from_wire("PAY_THROUGH_AMAZON")),
            benefits: Some(benefits()),
        }
    }

    /// `getRates`: one offer per service that can take the package, each valid 10 minutes,
    /// under one request token; the others as ineligible rates with why.
    pub async fn get_rates(
        &self,
        caller: &Caller,
        req: &m::GetRatesRequest,
    ) -> Result<m::GetRatesResult> {
        let now = self.clock.now();
        let p = self
            .plan(
                caller,
                &req.ship_from,
                req.ship_to.as_ref(),
                &req.packages,
                &req.channel_details,
                req.ship_date.as_deref(),
            )
            .await?;
        let (quotes, refused) = carriers::quote(&p.route, &p.parcel, p.ship_at, None);
        let token = uuid::Uuid::new_v4().to_string();
        let seller = Self::seller(caller);
        let mut tx = self.store.begin().await?;
        let mut rates = Vec::new();
        for q in &quotes {
            let rate_id = uuid::Uuid::new_v4().to_string();
            let doc = json!({
                "api": "v2", "serviceId": q.service.id, "total": q.total, "currency": q.currency,
                "request": req, "international": p.international,
            });
            tx.insert_ship_offer(&OfferRow {
                id: rate_id.clone(),
                seller_id: seller.clone(),
                request_token: token.clone(),
                created_at_us: now.as_microsecond(),
                expires_at_us: now
                    .checked_add(carriers::OFFER_TTL)
                    .unwrap_or(now)
                    .as_microsecond(),
                doc: doc.to_string(),
            })
            .await?;
            rates.push(Self::rate_doc(q, &rate_id, p.international));
        }
        tx.commit().await?;
        Ok(m::GetRatesResult {
            request_token: token,
            rates,
            ineligible_rates: Some(
                refused
                    .iter()
                    .map(|(s, why)| m::IneligibleRate {
                        service_id: s.id.into(),
                        service_name: s.name.into(),
                        carrier_name: s.carrier_name.into(),
                        carrier_id: s.carrier_id.into(),
                        ineligibility_reasons: vec![m::IneligibilityReason {
                            code: m::IneligibilityReasonCode::from_wire(why.code()),
                            message: why.message().into(),
                        }],
                    })
                    .collect(),
            ),
        })
    }

    /// The live offer `rate_id` of quote `token`: 400 when unknown (or already bought), 400
    /// TOKEN_EXPIRED after 10 minutes.
    async fn offer(&self, seller: &str, token: &str, rate_id: &str) -> Result<(OfferRow, Value)> {
        let row = self
            .store
            .get_ship_offer(seller, rate_id)
            .await?
            .filter(|o| o.request_token == token)
            .ok_or_else(|| {
                bad(
                    "rateId",
                    "The requestToken and rateId do not name a rate of this seller that can still be bought.",
                )
            })?;
        let doc: Value = serde_json::from_str(&row.doc).map_err(Error::internal)?;
        // Shipping v1 keeps its rates in the same table: a v1 shipment id and rate id sent
        // here name no v2 rate.
        if doc["api"] != "v2" {
            return Err(bad(
                "rateId",
                "The requestToken and rateId do not name a rate of this seller that can still be bought.",
            ));
        }
        if row.expires_at_us <= self.clock.now_us() {
            return Err(Error::conflict(TOKEN_EXPIRED));
        }
        Ok((row, doc))
    }

    /// Buys `quote` for plan `p`: the label, the tracking plan, the order tie, in one
    /// transaction (which also forgets the quote's other offers, `token`).
    async fn buy(
        &self,
        caller: &Caller,
        p: &Plan,
        q: &Quote,
        price: (i64, String),
        spec: LabelSpec,
        token: Option<&str>,
    ) -> Result<(String, Kept)> {
        let now = self.clock.now();
        let now_us = now.as_microsecond();
        let seller = Self::seller(caller);
        let id = super::numeric_id(14);
        let tracking_id = carriers::tracking_number(q.service, &id);
        let plan =
            carriers::plan_tracking(&tracking_id, now, q.pickup.0, q.delivery, &p.from, &p.to);
        let k = Kept {
            api: "v2".into(),
            service_id: q.service.id.into(),
            tracking_id,
            currency: price.1,
            total: price.0,
            billed_g: q.billed_g,
            bought_us: now_us,
            pickup: (q.pickup.0.as_microsecond(), q.pickup.1.as_microsecond()),
            delivery: (q.delivery.0.as_microsecond(), q.delivery.1.as_microsecond()),
            plan,
            cancelled_us: None,
            refund: None,
            order_id: p.order.as_ref().map(|o| o.amazon_order_id.clone()),
            order_lines: p.lines.clone(),
            label: spec,
            printed: Printed {
                from: p.from_lines.clone(),
                to: p.to_lines.clone(),
                reference: p.order.as_ref().map(|o| o.amazon_order_id.clone()),
            },
            from: p.from.clone(),
            to: p.to.clone(),
            package_ref: Some(p.package_ref.clone()),
            collection_form: None,
            ndr: None,
            api_doc: Value::Null,
        };
        if let Some(o) = &p.order {
            super::check_regulated(&self.store, &o.amazon_order_id).await?;
        }
        let mut tx = self.store.begin().await?;
        if let Some(o) = &p.order {
            let order = seller_order_in(&mut tx, &seller, &o.amazon_order_id).await?;
            super::tie_to_order(&mut tx, order, &p.lines, "packages.items", now).await?;
        }
        if let Some(t) = token {
            tx.delete_ship_offers(&seller, t).await?;
        }
        tx.insert_ship_record(&record(&seller, &id, &k, "Purchased", now_us)?)
            .await?;
        tx.commit().await?;
        Ok((id, k))
    }

    /// `purchaseShipment`: buys a rate of a quote within its 10 minutes.
    pub async fn purchase(
        &self,
        caller: &Caller,
        req: &m::PurchaseShipmentRequest,
    ) -> Result<m::PurchaseShipmentResult> {
        let seller = Self::seller(caller);
        let (_, doc) = self
            .offer(&seller, &req.request_token, &req.rate_id)
            .await?;
        let spec = label_spec(
            &req.requested_document_specification,
            "requestedDocumentSpecification",
        )?;
        let rates: m::GetRatesRequest =
            serde_json::from_value(doc["request"].clone()).map_err(Error::internal)?;
        let p = self
            .plan(
                caller,
                &rates.ship_from,
                rates.ship_to.as_ref(),
                &rates.packages,
                &rates.channel_details,
                rates.ship_date.as_deref(),
            )
            .await?;
        check_inputs(p.international, req.additional_inputs.as_ref())?;
        let service_id = doc["serviceId"].as_str().unwrap_or_default();
        let (quotes, _) = carriers::quote(&p.route, &p.parcel, p.ship_at, None);
        let q = quotes
            .into_iter()
            .find(|q| q.service.id == service_id)
            .ok_or_else(|| {
                Error::invalid_input(
                    "The rate's service is no longer available; call getRates again.",
                )
            })?;
        let price = (
            doc["total"].as_i64().unwrap_or(q.total),
            doc["currency"].as_str().unwrap_or(q.currency).to_string(),
        );
        let (id, k) = self
            .buy(caller, &p, &q, price, spec, Some(&req.request_token))
            .await?;
        Ok(m::PurchaseShipmentResult {
            shipment_id: id,
            package_document_details: vec![documents(&k, &k.label)?],
            promise: m::Promise {
                delivery_window: Some(window(k.delivery.0, k.delivery.1)),
                pickup_window: Some(window(k.pickup.0, k.pickup.1)),
            },
            benefits: Some(benefits()),
        })
    }

    /// `oneClickShipment`: rates and buys in one call, the cheapest of the services named.
    pub async fn one_click(
        &self,
        caller: &Caller,
        req: &m::OneClickShipmentRequest,
    ) -> Result<m::OneClickShipmentResult> {
        let spec = label_spec(&req.label_specifications, "labelSpecifications")?;
        if req.service_selection.service_id.is_empty() {
            return Err(bad(
                "serviceSelection.serviceId",
                "Name at least one service id.",
            ));
        }
        let p = self
            .plan(
                caller,
                &req.ship_from,
                req.ship_to.as_ref(),
                &req.packages,
                &req.channel_details,
                req.ship_date.as_deref(),
            )
            .await?;
        if p.international {
            return Err(bad(
                "serviceSelection",
                "International shipments need additional inputs; use getRates and purchaseShipment.",
            ));
        }
        let (quotes, _) = carriers::quote(&p.route, &p.parcel, p.ship_at, None);
        let q = quotes
            .into_iter()
            .filter(|q| {
                req.service_selection
                    .service_id
                    .iter()
                    .any(|s| s == q.service.id)
            })
            .min_by_key(|q| q.total)
            .ok_or_else(|| {
                bad(
                    "serviceSelection.serviceId",
                    "None of the requested services can ship this package.",
                )
            })?;
        let (id, k) = self
            .buy(
                caller,
                &p,
                &q,
                (q.total, q.currency.to_string()),
                spec,
                None,
            )
            .await?;
        Ok(m::OneClickShipmentResult {
            shipment_id: id,
            package_document_details: vec![documents(&k, &k.label)?],
            promise: m::Promise {
                delivery_window: Some(window(k.delivery.0, k.delivery.1)),
                pickup_window: Some(window(k.pickup.0, k.pickup.1)),
            },
            carrier: m::Carrier {
                id: q.service.carrier_id.into(),
                name: q.service.carrier_name.into(),
            },
            service: m::Service {
                id: q.service.id.into(),
                name: q.service.name.into(),
            },
            total_charge: currency(q.total, q.currency),
        })
    }

    /// `directPurchaseShipment`: buys the cheapest service in one call; the label defaults
    /// to PNG, 203 dpi, 4x6 inches.
    pub async fn direct_purchase(
        &self,
        caller: &Caller,
        req: &m::DirectPurchaseRequest,
    ) -> Result<m::DirectPurchaseResult> {
        let spec = match &req.label_specifications {
            Some(s) => label_spec(s, "labelSpecifications")?,
            None => LabelSpec::four_by_six("PNG", 203),
        };
        let Some(from) = &req.ship_from else {
            return Err(bad("shipFrom", "shipFrom is required."));
        };
        let packages = req.packages.clone().unwrap_or_default();
        let p = self
            .plan(
                caller,
                from,
                req.ship_to.as_ref(),
                &packages,
                &req.channel_details,
                None,
            )
            .await?;
        let (quotes, _) = carriers::quote(&p.route, &p.parcel, p.ship_at, None);
        let q = quotes
            .into_iter()
            .min_by_key(|q| q.total)
            .ok_or_else(|| Error::invalid_input("No service can ship this package."))?;
        let (id, k) = self
            .buy(
                caller,
                &p,
                &q,
                (q.total, q.currency.to_string()),
                spec,
                None,
            )
            .await?;
        Ok(m::DirectPurchaseResult {
            shipment_id: id,
            package_document_detail_list: Some(vec![documents(&k, &k.label)?]),
        })
    }

    async fn shipment(&self, caller: &Caller, id: &str) -> Result<(RecordRow, Kept)> {
        let seller = Self::seller(caller);
        let row = self
            .store
            .get_ship_record(&seller, super::KIND_SHIPMENT, id)
            .await?
            .ok_or_else(|| {
                Error::not_found().with_details(format!("Shipment {id} was not found."))
            })?;
        let k = kept(&row)?;
        if k.api != "v2" {
            return Err(Error::not_found().with_details(format!("Shipment {id} was not found.")));
        }
        Ok((row, k))
    }

    /// `getShipmentDocuments`: the label again, in its format or another one.
    pub async fn documents(
        &self,
        caller: &Caller,
        id: &str,
        package_ref: &str,
        format: Option<&str>,
        dpi: Option<f64>,
    ) -> Result<m::GetShipmentDocumentsResult> {
        let (_, k) = self.shipment(caller, id).await?;
        if k.package_ref.as_deref() != Some(package_ref) {
            return Err(bad(
                "packageClientReferenceId",
                format!("Shipment {id} has no package {package_ref}."),
            ));
        }
        if k.cancelled_us.is_some() {
            return Err(Error::invalid_input(format!(
                "Shipment {id} is cancelled; its documents are no longer available."
            )));
        }
        let mut spec = k.label.clone();
        if let Some(f) = format {
            if !matches!(f, "PNG" | "PDF" | "ZPL") {
                return Err(bad("format", format!("Format {f} is not PNG, PDF or ZPL.")));
            }
            spec.format = f.into();
        }
        if let Some(d) = dpi {
            if d != 203.0 && d != 300.0 {
                return Err(bad("dpi", format!("{d} dpi is not supported (203, 300).")));
            }
            spec.dpi = d as u32;
        }
        Ok(m::GetShipmentDocumentsResult {
            shipment_id: id.into(),
            package_document_detail: documents(&k, &spec)?,
            benefits: Some(benefits()),
        })
    }

    /// `cancelShipment`: voids a label the carrier has not picked up. The order tied to it
    /// stays as it is (see the module above).
    pub async fn cancel(&self, caller: &Caller, id: &str) -> Result<()> {
        let (mut row, mut k) = self.shipment(caller, id).await?;
        let now_us = self.clock.now_us();
        if k.cancelled_us.is_some() {
            return Err(Error::invalid_input(format!(
                "Shipment {id} is already cancelled."
            )));
        }
        if k.picked_up(now_us) {
            return Err(Error::invalid_input(format!(
                "Shipment {id} cannot be cancelled: the carrier has picked it up."
            )));
        }
        k.cancel(now_us)?;
        row.status = "Cancelled".into();
        row.updated_at_us = now_us;
        row.doc = serde_json::to_string(&k).map_err(Error::internal)?;
        let mut tx = self.store.begin().await?;
        tx.update_ship_record(&row).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller's label with this tracking number (any API).
    pub async fn by_tracking(
        &self,
        caller: &Caller,
        tracking_id: &str,
    ) -> Result<(RecordRow, Kept)> {
        let seller = Self::seller(caller);
        let rows = self
            .store
            .find_ship_records_by_tracking(&seller, tracking_id)
            .await?;
        let row = rows
            .into_iter()
            .rfind(|r| r.kind == super::KIND_SHIPMENT)
            .ok_or_else(|| {
                Error::not_found().with_details(format!("Tracking id {tracking_id} was not found."))
            })?;
        let k = kept(&row)?;
        Ok((row, k))
    }

    /// `getTracking`: the scans that have happened on the clock.
    pub async fn tracking(
        &self,
        caller: &Caller,
        tracking_id: &str,
        carrier_id: &str,
    ) -> Result<m::GetTrackingResult> {
        let (_, k) = self.by_tracking(caller, tracking_id).await?;
        let s = k.service()?;
        if !s.carrier_id.eq_ignore_ascii_case(carrier_id) {
            return Err(bad(
                "carrierId",
                format!("Tracking id {tracking_id} is not a {carrier_id} tracking id."),
            ));
        }
        let now_us = self.clock.now_us();
        let scans = k.scans(now_us);
        let status = k.tracking_status(now_us);
        let code = |c: &str| m::DetailCodes::from_wire(c);
        let (forward, returns) = match status {
            "Delivered" => (vec![code("DeliveredToPorch")], vec![]),
            "DeliveryAttempted" => (vec![code("CustomerUnavailable")], vec![]),
            "Rejected" => (vec![code("Undeliverable")], vec![code("Undeliverable")]),
            "OutForDelivery" | "InTransit"
                if scans
                    .iter()
                    .rev()
                    .any(|s| s.code == "ArrivedAtCarrierFacility") =>
            {
                (vec![code("ArrivedAtLocalFacility")], vec![])
            }
            _ => (vec![], vec![]),
        };
        Ok(m::GetTrackingResult {
            tracking_id: k.tracking_id.clone(),
            alternate_leg_tracking_id: if scans.iter().any(|s| s.leg == "RETURNS") {
                format!("R{}", k.tracking_id)
            } else {
                String::new()
            },
            event_history: scans
                .iter()
                .map(|s| m::Event {
                    event_code: m::EventCode::from_wire(&s.code),
                    location: Some(m::Location {
                        state_or_region: Some(s.place.state.clone()),
                        city: Some(s.place.city.clone()),
                        country_code: Some(s.place.country.clone()),
                        postal_code: Some(s.place.postal.clone()),
                    }),
                    event_time: iso_us(s.at_us),
                    shipment_type: Some(m::ShipmentType::from_wire(&s.leg)),
                })
                .collect(),
            promised_delivery_date: iso_us(k.delivery.1),
            summary: m::TrackingSummary {
                status: Some(tracking_status(status)),
                tracking_detail_codes: Some(m::TrackingDetailCodes { forward, returns }),
            },
        })
    }

    /// `getAdditionalInputs`: the JSON Schema the purchase's `additionalInputs` must meet.
    pub async fn additional_inputs(
        &self,
        caller: &Caller,
        token: &str,
        rate_id: &str,
    ) -> Result<serde_json::Map<String, Value>> {
        let seller = Self::seller(caller);
        let (_, doc) = self.offer(&seller, token, rate_id).await?;
        let schema = inputs_schema(doc["international"].as_bool().unwrap_or(false));
        Ok(schema.as_object().cloned().unwrap_or_default())
    }

    /// Now, on the clock (for the bindings' answers).
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// ISO time of now.
    pub fn now_iso(&self) -> String {
        iso(self.clock.now())
    }
}

/// The message of a second claim for one tracking id (the binding answers
/// `InvalidInputException`, as Amazon's claims do).
pub const CLAIM_EXISTS: &str = "Claim already exists for the trackingId";

/// The record kind of a claim.
const KIND_CLAIM: &str = "claim";
/// The record kind of a linked carrier account.
const KIND_ACCOUNT: &str = "carrier_account";

impl ShippingV2 {
    /// `submitNdrFeedback`: the seller's answer to a failed delivery attempt (a non-delivery
    /// report). Only a package whose last scan is DeliveryAttempted takes one; RESCHEDULE needs
    /// a reschedule date, REATTEMPT address notes. The feedback is kept with the label (the
    /// planned scans do not change).
    pub async fn ndr_feedback(
        &self,
        caller: &Caller,
        req: &m::SubmitNdrFeedbackRequest,
    ) -> Result<()> {
        let (mut row, mut k) = self.by_tracking(caller, &req.tracking_id).await?;
        let now_us = self.clock.now_us();
        if k.tracking_status(now_us) != "DeliveryAttempted" {
            return Err(Error::invalid_input(format!(
                "Tracking id {} has no open non-delivery report.",
                req.tracking_id
            )));
        }
        let data = req.ndr_request_data.clone().unwrap_or_default();
        match req.ndr_action.as_str() {
            "RESCHEDULE" => {
                let Some(d) = &data.reschedule_date else {
                    return Err(bad(
                        "ndrRequestData.rescheduleDate",
                        "RescheduleDate is missing in the request",
                    ));
                };
                if parse_date_time(d).is_none() {
                    return Err(bad(
                        "ndrRequestData.rescheduleDate",
                        format!("'{d}' is not an ISO 8601 date-time."),
                    ));
                }
            }
            "REATTEMPT"
                if data
                    .additional_address_notes
                    .as_deref()
                    .is_none_or(|n| n.trim().is_empty()) =>
            {
                return Err(bad(
                    "ndrRequestData.additionalAddressNotes",
                    "AdditionalAddressNotes is missing in the request",
                ));
            }
            "REATTEMPT" | "RTO" => {}
            other => {
                return Err(bad(
                    "ndrAction",
                    format!("ndrAction {other} is not RESCHEDULE, REATTEMPT or RTO."),
                ));
            }
        }
        k.ndr =
            Some(json!({"action": req.ndr_action.as_str(), "data": data, "at": iso_us(now_us)}));
        row.updated_at_us = now_us;
        row.doc = serde_json::to_string(&k).map_err(Error::internal)?;
        let mut tx = self.store.begin().await?;
        tx.update_ship_record(&row).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `createClaim`: one claim per tracking id of the caller's labels.
    pub async fn create_claim(
        &self,
        caller: &Caller,
        req: &m::CreateClaimRequest,
    ) -> Result<String> {
        let (_, k) = self.by_tracking(caller, &req.tracking_id).await?;
        let seller = Self::seller(caller);
        let existing = self
            .store
            .find_ship_records_by_tracking(&seller, &req.tracking_id)
            .await?;
        if existing.iter().any(|r| r.kind == KIND_CLAIM) {
            return Err(Error::conflict(CLAIM_EXISTS));
        }
        let now_us = self.clock.now_us();
        if req.claim_reason.as_str() == "DELIVERED_NOT_RECEIVED"
            && k.tracking_status(now_us) != "Delivered"
        {
            return Err(bad("claimReason", "The package has not been delivered."));
        }
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.store.begin().await?;
        tx.insert_ship_record(&RecordRow {
            kind: KIND_CLAIM.into(),
            id: id.clone(),
            seller_id: seller,
            tracking_id: Some(req.tracking_id.clone()),
            order_id: k.order_id.clone(),
            status: "Submitted".into(),
            created_at_us: now_us,
            updated_at_us: now_us,
            doc: serde_json::to_string(req).map_err(Error::internal)?,
        })
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// `getCarrierAccountFormInputs`: the carriers of the business's country an account can
    /// be linked for, and the inputs each needs (an account number; UPS also takes an invoice).
    pub fn carrier_form_inputs(&self, country: &str) -> m::GetCarrierAccountFormInputsResponse {
        let input = |name: &str, kind: &str, confidential: bool| m::CarrierAccountInput {
            description_localization_key: Some(format!(
                "carrier.account.{}",
                name.to_ascii_lowercase()
            )),
            name: Some(name.into()),
            group_name: Some("ACCOUNT".into()),
            input_type: Some(m::InputType::from_wire(kind)),
            is_mandatory: Some(true),
            is_confidential: Some(confidential),
            is_hidden: Some(false),
            validation_metadata: None,
        };
        let carriers = carriers::carriers_for(country)
            .into_iter()
            .filter(|(id, _)| !id.starts_with("AMZN") && *id != "ATS")
            .map(|(id, _)| {
                let mut types = vec![m::LinkableAccountType {
                    account_type: Some(m::AccountType::from_wire("SHIPPER_ACCOUNT")),
                    carrier_account_inputs: Some(vec![
                        input("ACCOUNT_NUMBER", "TEXTBOX", false),
                        input("API_KEY", "PASSWORD", true),
                    ]),
                }];
                if id == "UPS" {
                    types.push(m::LinkableAccountType {
                        account_type: Some(m::AccountType::from_wire(
                            "SHIPPER_ACCOUNT_WITH_INVOICE",
                        )),
                        carrier_account_inputs: Some(vec![
                            input("ACCOUNT_NUMBER", "TEXTBOX", false),
                            input("INVOICE_NUMBER", "TEXTBOX", false),
                        ]),
                    });
                }
                m::LinkableCarrier {
                    carrier_id: Some(id.into()),
                    linkable_account_types: Some(types),
                }
            })
            .collect();
        m::GetCarrierAccountFormInputsResponse {
            linkable_carriers_list: Some(carriers),
        }
    }

    /// `getCarrierAccounts`: the caller's linked accounts.
    pub async fn carrier_accounts(&self, caller: &Caller) -> Result<Vec<m::ActiveAccount>> {
        let seller = Self::seller(caller);
        Ok(self
            .store
            .list_ship_records(&seller, KIND_ACCOUNT, 1000)
            .await?
            .into_iter()
            .map(|r| m::ActiveAccount {
                account_id: Some(r.id),
                carrier_id: r.order_id,
            })
            .collect())
    }

    /// `linkCarrierAccount` (PUT and POST): links an account of a carrier the country has;
    /// an ACCOUNT_NUMBER attribute is required. Linking the same carrier again replaces it.
    pub async fn link_account(
        &self,
        caller: &Caller,
        carrier_id: &str,
        req: &m::LinkCarrierAccountRequest,
        country: &str,
    ) -> Result<m::LinkCarrierAccountResponse> {
        if !carriers::carriers_for(country)
            .iter()
            .any(|(id, _)| *id == carrier_id)
        {
            return Err(bad(
                "carrierId",
                format!("Carrier {carrier_id} cannot be linked here."),
            ));
        }
        let number = req
            .carrier_account_attributes
            .iter()
            .find(|a| a.attribute_name.as_deref() == Some("ACCOUNT_NUMBER"))
            .and_then(|a| a.value.clone())
            .filter(|v| !v.trim().is_empty());
        if number.is_none() {
            return Err(bad(
                "carrierAccountAttributes",
                "ACCOUNT_NUMBER is required.",
            ));
        }
        let seller = Self::seller(caller);
        let now_us = self.clock.now_us();
        let existing = self
            .store
            .list_ship_records(&seller, KIND_ACCOUNT, 1000)
            .await?;
        let mut tx = self.store.begin().await?;
        for r in existing
            .iter()
            .filter(|r| r.order_id.as_deref() == Some(carrier_id))
        {
            tx.delete_ship_record(&seller, KIND_ACCOUNT, &r.id).await?;
        }
        let id = format!("{carrier_id}-{}", super::numeric_id(10));
        tx.insert_ship_record(&RecordRow {
            kind: KIND_ACCOUNT.into(),
            id: id.clone(),
            seller_id: seller,
            tracking_id: None,
            // The carrier id, in the column the lookups by carrier use.
            order_id: Some(carrier_id.into()),
            status: "ACTIVE".into(),
            created_at_us: now_us,
            updated_at_us: now_us,
            doc: json!({"carrierAccountType": req.carrier_account_type.as_str()}).to_string(),
        })
        .await?;
        tx.commit().await?;
        Ok(m::LinkCarrierAccountResponse {
            registration_status: Some(m::AccountStatus::from_wire("ACTIVE")),
            account_id: Some(id),
        })
    }

    /// `unlinkCarrierAccount`: unlinks the caller's account of `carrier_id`.
    pub async fn unlink_account(
        &self,
        caller: &Caller,
        carrier_id: &str,
        account_id: Option<&str>,
    ) -> Result<()> {
        let seller = Self::seller(caller);
        let existing = self
            .store
            .list_ship_records(&seller, KIND_ACCOUNT, 1000)
            .await?;
        let found = existing.into_iter().find(|r| {
            r.order_id.as_deref() == Some(carrier_id) && account_id.is_none_or(|a| a == r.id)
        });
        let Some(r) = found else {
            return Err(Error::not_found()
                .with_details(format!("No linked {carrier_id} account was found.")));
        };
        let mut tx = self.store.begin().await?;
        tx.delete_ship_record(&seller, KIND_ACCOUNT, &r.id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The record kind of a collection form (manifest).
const KIND_FORM: &str = "collection_form";

fn address_of(k: &Kept) -> m::Address {
    let line = |i: usize| k.printed.from.get(i).cloned().unwrap_or_default();
    m::Address {
        name: line(0),
        address_line1: line(1),
        state_or_region: k.from.state.clone(),
        city: k.from.city.clone(),
        country_code: k.from.country.clone(),
        postal_code: k.from.postal.clone(),
        ..Default::default()
    }
}

impl ShippingV2 {
    /// The caller's live Shipping v2 labels not yet on a collection form.
    async fn unmanifested(&self, seller: &str) -> Result<Vec<(RecordRow, Kept)>> {
        let rows = self
            .store
            .list_ship_records(seller, super::KIND_SHIPMENT, 10_000)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let k = kept(&r)?;
            if k.api == "v2" && k.live() && k.collection_form.is_none() {
                out.push((r, k));
            }
        }
        Ok(out)
    }

    /// `getUnmanifestedShipments`: per carrier, the ship-from addresses with labels not yet
    /// on a collection form.
    pub async fn unmanifested_shipments(
        &self,
        caller: &Caller,
    ) -> Result<Vec<m::UnmanifestedCarrierInformation>> {
        let seller = Self::seller(caller);
        let mut out: Vec<m::UnmanifestedCarrierInformation> = Vec::new();
        for (_, k) in self.unmanifested(&seller).await? {
            let s = k.service()?;
            let addr = address_of(&k);
            let entry = match out
                .iter_mut()
                .find(|c| c.carrier_id.as_deref() == Some(s.carrier_id))
            {
                Some(e) => e,
                None => {
                    out.push(m::UnmanifestedCarrierInformation {
                        carrier_id: Some(s.carrier_id.into()),
                        carrier_name: Some(s.carrier_name.into()),
                        unmanifested_shipment_location_list: Some(Vec::new()),
                    });
                    out.last_mut()
                        .ok_or_else(|| Error::internal("empty list"))?
                }
            };
            let list = entry
                .unmanifested_shipment_location_list
                .get_or_insert_with(Vec::new);
            if !list
                .iter()
                .any(|l| l.address.as_ref().map(|a| &a.postal_code) == Some(&addr.postal_code))
            {
                list.push(m::UnmanifestedShipmentLocation {
                    address: Some(addr),
                    last_manifest_date: None,
                });
            }
        }
        Ok(out)
    }

    fn form_pdf(doc: &Value) -> Vec<u8> {
        let mut lines = vec![
            (
                14.0,
                format!("Collection form {}", doc["id"].as_str().unwrap_or_default()),
            ),
            (
                10.0,
                format!(
                    "Carrier: {}",
                    doc["carrierName"].as_str().unwrap_or_default()
                ),
            ),
            (
                10.0,
                format!("Created: {}", doc["createdAt"].as_str().unwrap_or_default()),
            ),
            (10.0, "Tracking numbers:".to_string()),
        ];
        for t in doc["trackingIds"].as_array().into_iter().flatten() {
            lines.push((9.0, t.as_str().unwrap_or_default().to_string()));
        }
        lines.push((10.0, "Driver signature: ____________________".into()));
        crate::market::labels::pdf(595.0, 842.0, &lines, &[])
    }

    /// `generateCollectionForm`: manifests the carrier's unmanifested labels (from one address
    /// when given) on a PDF form.
    pub async fn generate_form(
        &self,
        caller: &Caller,
        req: &m::GenerateCollectionFormRequest,
    ) -> Result<m::CollectionsFormDocument> {
        let seller = Self::seller(caller);
        let now_us = self.clock.now_us();
        let pending: Vec<(RecordRow, Kept)> = self
            .unmanifested(&seller)
            .await?
            .into_iter()
            .filter(|(_, k)| k.service().is_ok_and(|s| s.carrier_id == req.carrier_id))
            .filter(|(_, k)| {
                req.ship_from_address
                    .as_ref()
                    .is_none_or(|a| a.postal_code == k.from.postal)
            })
            .collect();
        let Some((_, first)) = pending.first() else {
            return Err(bad(
                "carrierId",
                format!(
                    "There are no unmanifested shipments of carrier {}.",
                    req.carrier_id
                ),
            ));
        };
        let id = super::numeric_id(12);
        let carrier_name = first.service()?.carrier_name;
        let doc = json!({
            "id": id, "carrierId": req.carrier_id, "carrierName": carrier_name,
            "createdAt": iso_us(now_us), "shipFrom": address_of(first),
            "trackingIds": pending.iter().map(|(_, k)| k.tracking_id.clone()).collect::<Vec<_>>(),
        });
        let mut tx = self.store.begin().await?;
        for (mut r, mut k) in pending {
            k.collection_form = Some(id.clone());
            r.doc = serde_json::to_string(&k).map_err(Error::internal)?;
            r.updated_at_us = now_us;
            tx.update_ship_record(&r).await?;
        }
        tx.insert_ship_record(&RecordRow {
            kind: KIND_FORM.into(),
            id: id.clone(),
            seller_id: seller,
            tracking_id: None,
            order_id: Some(req.carrier_id.clone()),
            status: "Completed".into(),
            created_at_us: now_us,
            updated_at_us: now_us,
            doc: doc.to_string(),
        })
        .await?;
        tx.commit().await?;
        Ok(m::CollectionsFormDocument {
            base64_encoded_content: Some(
                base64::engine::general_purpose::STANDARD.encode(Self::form_pdf(&doc)),
            ),
            document_format: Some("PDF".into()),
        })
    }

    /// `getCollectionFormHistory`: the caller's forms, newest first.
    pub async fn form_history(
        &self,
        caller: &Caller,
        req: &m::GetCollectionFormHistoryRequest,
    ) -> Result<Vec<m::CollectionFormsHistoryRecord>> {
        let seller = Self::seller(caller);
        let max = req.max_results.unwrap_or(30).clamp(1, 1000) as usize;
        let mut rows = self
            .store
            .list_ship_records(&seller, KIND_FORM, 10_000)
            .await?;
        rows.reverse();
        let mut out = Vec::new();
        for r in rows {
            if req
                .carrier_id
                .as_ref()
                .is_some_and(|c| Some(c) != r.order_id.as_ref())
            {
                continue;
            }
            let doc: Value = serde_json::from_str(&r.doc).map_err(Error::internal)?;
            out.push(m::CollectionFormsHistoryRecord {
                carrier_name: doc["carrierName"].as_str().map(str::to_string),
                creation_date: Some(iso_us(r.created_at_us)),
                generation_status: Some(m::GenerationStatus::from_wire(&r.status)),
                collection_form_id: Some(r.id.clone()),
                ship_from_address: serde_json::from_value(doc["shipFrom"].clone()).ok(),
            });
            if out.len() >= max {
                break;
            }
        }
        Ok(out)
    }

    /// `getCollectionForm`: a form again.
    pub async fn get_form(&self, caller: &Caller, id: &str) -> Result<m::CollectionsFormDocument> {
        let seller = Self::seller(caller);
        let r = self
            .store
            .get_ship_record(&seller, KIND_FORM, id)
            .await?
            .ok_or_else(|| {
                Error::not_found().with_details(format!("Collection form {id} was not found."))
            })?;
        let doc: Value = serde_json::from_str(&r.doc).map_err(Error::internal)?;
        Ok(m::CollectionsFormDocument {
            base64_encoded_content: Some(
                base64::engine::general_purpose::STANDARD.encode(Self::form_pdf(&doc)),
            ),
            document_format: Some("PDF".into()),
        })
    }

    /// `getAccessPoints`: two pickup points of each requested type near a postal code, the
    /// same every time for the same place (made up from it).
    pub fn access_points(
        &self,
        types: &[String],
        country: &str,
        postal: &str,
    ) -> Result<m::GetAccessPointsResult> {
        if country.chars().count() != 2 {
            return Err(bad(
                "countryCode",
                "countryCode is a two-letter ISO 3166 code.",
            ));
        }
        if postal.trim().is_empty() {
            return Err(bad("postalCode", "postalCode is required."));
        }
        let mut map = std::collections::BTreeMap::new();
        for t in types {
            let points = (1..=2)
                .map(|n| {
                    let id =
                        crate::market::alnum_tail(&format!("ap:{country}:{postal}:{t}:{n}"), 12);
                    m::AccessPoint {
                        access_point_id: Some(id.clone()),
                        name: Some(format!(
                            "Amazon {} {postal}-{n}",
                            t.replace('_', " ").to_lowercase()
                        )),
                        timezone: Some("UTC".into()),
                        r#type: Some(m::AccessPointType::from_wire(t)),
                        address: Some(m::Address {
                            name: format!("Access point {id}"),
                            address_line1: format!("{} Market St", 10 * n),
                            state_or_region: String::new(),
                            city: "Local".into(),
                            country_code: country.to_ascii_uppercase(),
                            postal_code: postal.into(),
                            ..Default::default()
                        }),
                        score: Some(format!("{}", 100 - n * 10)),
                        ..Default::default()
                    }
                })
                .collect::<Vec<_>>();
            map.insert(t.clone(), points);
        }
        Ok(m::GetAccessPointsResult {
            access_points_map: map,
        })
    }
}
