//! Shipping v1 over the carrier world: Amazon Shipping's own shipments (not tied to Amazon
//! orders). `createShipment` keeps the request as a `v1_shipment` record and quotes the three
//! v1 service types as offers (`ship_offers`, request token = the shipment id) that expire
//! after [`carriers::OFFER_TTL`]; `purchaseLabels` buys one, which becomes a `shipment` record
//! with the same id (the [`Kept`] label every shipping API shares), so labels, tracking and
//! cancellation are the carrier world's.

use super::{KIND_SHIPMENT, Kept, LabelSpec, Printed, kept, record};
use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::market::carriers::{self, Parcel, Place, Quote, Route};
use crate::market::money::{from_decimal, to_decimal};
use crate::store::Store;
use crate::store::shipping::{OfferRow, RecordRow};
use crate::time::{iso_us, parse_date_time};
use base64::Engine;
use jiff::Timestamp;
use serde_json::{Value, json};
use spapi_model::shipping_v1 as m;

/// The record kind of a created (not necessarily purchased) v1 shipment.
pub const KIND_V1: &str = "v1_shipment";

/// The message of a rate bought after it expired.
pub const RATE_EXPIRED: &str = "The rate has expired; call createShipment or getRates again.";

/// Shipping v1 over the carrier world.
pub struct ShippingV1 {
    store: Store,
    clock: Clock,
}

fn bad(field: &str, details: impl Into<String>) -> Error {
    Error::invalid_parameter(field, details)
}

fn not_found(id: &str) -> Error {
    Error::not_found().with_details(format!("Shipment {id} was not found."))
}

fn check_address(a: &m::Address, field: &str) -> Result<()> {
    super::check_address_lines(
        &[
            ("name", &a.name),
            ("addressLine1", &a.address_line1),
            ("city", &a.city),
            ("stateOrRegion", &a.state_or_region),
            ("postalCode", &a.postal_code),
        ],
        &a.country_code,
        field,
    )
}

fn place(a: &m::Address) -> Place {
    Place {
        city: a.city.clone(),
        state: a.state_or_region.clone(),
        postal: a.postal_code.clone(),
        country: a.country_code.to_ascii_uppercase(),
    }
}

fn lines(a: &m::Address) -> Vec<String> {
    vec![
        a.name.clone(),
        a.address_line1.clone(),
        format!("{} {} {}", a.city, a.state_or_region, a.postal_code),
        a.country_code.clone(),
    ]
}

/// The parcel of one container's weight and dimensions (`field` named in errors).
fn parcel(weight: &m::Weight, dims: &m::Dimensions, field: &str) -> Result<Parcel> {
    let weight_g = carriers::grams(weight.value, weight.unit.as_str()).ok_or_else(|| {
        bad(
            &format!("{field}.weight"),
            "Must be a positive weight in g, kg, oz or lb.",
        )
    })?;
    let mut cm = [0.0; 3];
    for (i, v) in [dims.length, dims.width, dims.height]
        .into_iter()
        .enumerate()
    {
        cm[i] = carriers::centimetres(v, dims.unit.as_str()).ok_or_else(|| {
            bad(
                &format!("{field}.dimensions"),
                "Length, width and height must be positive, in IN or CM.",
            )
        })?;
    }
    Ok(Parcel {
        weight_g,
        dims_cm: Some(cm),
        ..Parcel::default()
    })
}

/// The v1 service types over the carrier world's quotes: Premium is the fastest service,
/// Ground the cheapest, Standard the cheapest of those faster than Ground (spapi's choice:
/// Amazon Shipping's three levels over the simulated carriers of the ship-from country).
fn by_type(mut quotes: Vec<Quote>) -> Vec<(m::ServiceType, Quote)> {
    quotes.sort_by_key(|q| (q.total, q.service.days.0));
    let mut out = Vec::new();
    let Some(ground) = quotes.first().cloned() else {
        return out;
    };
    let premium = quotes
        .iter()
        .min_by_key(|q| (q.delivery.1, q.total))
        .cloned()
        .unwrap_or_else(|| ground.clone());
    let standard = quotes
        .iter()
        .find(|q| q.delivery.1 < ground.delivery.1 && q.service.id != premium.service.id)
        .cloned()
        .unwrap_or_else(|| ground.clone());
    out.push((m::ServiceType::from_wire("Amazon Shipping Ground"), ground));
    out.push((
        m::ServiceType::from_wire("Amazon Shipping Standard"),
        standard,
    ));
    out.push((
        m::ServiceType::from_wire("Amazon Shipping Premium"),
        premium,
    ));
    out
}

fn money(minor: i64, currency: &str) -> m::Currency {
    m::Currency {
        value: to_decimal(minor, currency),
        unit: currency.into(),
    }
}

fn grams_weight(g: f64) -> m::Weight {
    m::Weight {
        unit: m::WeightUnit::from_wire("g"),
        value: g.ceil(),
    }
}

fn promise(pickup: (i64, i64), delivery: (i64, i64)) -> m::ShippingPromiseSet {
    m::ShippingPromiseSet {
        delivery_window: Some(m::TimeRange {
            start: Some(iso_us(delivery.0)),
            end: Some(iso_us(delivery.1)),
        }),
        receive_window: Some(m::TimeRange {
            start: Some(iso_us(pickup.0)),
            end: Some(iso_us(pickup.1)),
        }),
    }
}

fn quote_promise(q: &Quote) -> m::ShippingPromiseSet {
    promise(
        (q.pickup.0.as_microsecond(), q.pickup.1.as_microsecond()),
        (q.delivery.0.as_microsecond(), q.delivery.1.as_microsecond()),
    )
}

/// The label format of v1 (the model knows PNG 4x6 only).
fn label_spec(s: &m::LabelSpecification) -> Result<LabelSpec> {
    if s.label_format.as_str() != "PNG" {
        return Err(bad("labelSpecification.labelFormat", "Must be PNG."));
    }
    if s.label_stock_size.as_str() != "4x6" {
        return Err(bad("labelSpecification.labelStockSize", "Must be 4x6."));
    }
    Ok(LabelSpec::four_by_six("PNG", 203))
}

fn spec_kept() -> m::LabelSpecification {
    m::LabelSpecification {
        label_format: m::LabelSpecificationLabelFormat::from_wire("PNG"),
        // Labels are kept 4x6 (the model's only stock size).
        label_stock_size: m::LabelSpecificationLabelStockSize::from_wire("4x6"),
    }
}

fn stream(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What a kept v1 shipment record holds.
struct Created {
    req: m::CreateShipmentRequest,
    accepted: Option<m::AcceptedRate>,
}

fn created(r: &RecordRow) -> Result<Created> {
    let v: Value = serde_json::from_str(&r.doc).map_err(Error::internal)?;
    Ok(Created {
        req: serde_json::from_value(v["request"].clone()).map_err(Error::internal)?,
        accepted: serde_json::from_value(v["acceptedRate"].clone()).map_err(Error::internal)?,
    })
}

impl ShippingV1 {
    /// The service over `store` on `clock`.
    pub fn new(store: Store, clock: Clock) -> Self {
        ShippingV1 { store, clock }
    }

    fn seller(caller: &Caller) -> String {
        caller.selling_partner_id.clone().unwrap_or_default()
    }

    /// Checks a shipment request and quotes its (single) container.
    fn plan(
        &self,
        ship_from: &m::Address,
        ship_to: &m::Address,
        containers: &[m::Container],
        ship_at: Timestamp,
    ) -> Result<(Route, Vec<(m::ServiceType, Quote)>)> {
        check_address(ship_from, "shipFrom")?;
        check_address(ship_to, "shipTo")?;
        // spapi's choice (as in Shipping v2): one container per shipment.
        let [c] = containers else {
            return Err(bad(
                "containers",
                if containers.is_empty() {
                    "At least one container is required."
                } else {
                    "spapi ships one container per shipment; create a shipment per container."
                },
            ));
        };
        if c.container_reference_id.trim().is_empty() || c.container_reference_id.len() > 40 {
            return Err(bad(
                "containers.containerReferenceId",
                "Must be 1 to 40 characters.",
            ));
        }
        let mut p = parcel(&c.weight, &c.dimensions, "containers")?;
        p.declared = from_decimal(c.value.value.max(0.0), &c.value.unit);
        let route = route(ship_from, ship_to);
        let (quotes, _) = carriers::quote(&route, &p, ship_at, None);
        let typed = by_type(quotes);
        if typed.is_empty() {
            return Err(bad("containers", "No service can ship this container."));
        }
        Ok((route, typed))
    }

    /// `createShipment`: keeps the shipment and offers a rate per service type.
    pub async fn create(
        &self,
        caller: &Caller,
        req: &m::CreateShipmentRequest,
    ) -> Result<m::CreateShipmentResult> {
        check_reference(&req.client_reference_id)?;
        let now = self.clock.now();
        let now_us = now.as_microsecond();
        let (_, typed) = self.plan(&req.ship_from, &req.ship_to, &req.containers, now)?;
        let seller = Self::seller(caller);
        let id = super::numeric_id(14);
        let expires = now.checked_add(carriers::OFFER_TTL).unwrap_or(now);
        let mut tx = self.store.begin().await?;
        let mut rates = Vec::new();
        for (t, q) in &typed {
            let rate_id = uuid::Uuid::new_v4().to_string();
            tx.insert_ship_offer(&OfferRow {
                id: rate_id.clone(),
                seller_id: seller.clone(),
                request_token: id.clone(),
                created_at_us: now_us,
                expires_at_us: expires.as_microsecond(),
                doc: json!({"api": "v1", "serviceId": q.service.id, "serviceType": t.as_str(),
                    "total": q.total, "currency": q.currency})
                .to_string(),
            })
            .await?;
            rates.push(m::Rate {
                rate_id: Some(rate_id),
                total_charge: Some(money(q.total, q.currency)),
                billed_weight: Some(grams_weight(q.billed_g)),
                expiration_time: Some(iso_us(expires.as_microsecond())),
                service_type: Some(t.clone()),
                promise: Some(quote_promise(q)),
            });
        }
        tx.insert_ship_record(&created_row(&seller, &id, req, now_us))
            .await?;
        tx.commit().await?;
        Ok(m::CreateShipmentResult {
            shipment_id: id,
            eligible_rates: rates,
        })
    }

    async fn v1_record(&self, seller: &str, id: &str) -> Result<RecordRow> {
        self.store
            .get_ship_record(seller, KIND_V1, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    async fn label(&self, seller: &str, id: &str) -> Result<Option<(RecordRow, Kept)>> {
        match self
            .store
            .get_ship_record(seller, KIND_SHIPMENT, id)
            .await?
        {
            Some(r) => {
                let k = kept(&r)?;
                Ok(Some((r, k)))
            }
            None => Ok(None),
        }
    }

    /// `getShipment`.
    pub async fn get(&self, caller: &Caller, id: &str) -> Result<m::Shipment> {
        let seller = Self::seller(caller);
        let r = self.v1_record(&seller, id).await?;
        let c = created(&r)?;
        Ok(m::Shipment {
            shipment_id: id.into(),
            client_reference_id: c.req.client_reference_id,
            ship_from: c.req.ship_from,
            ship_to: c.req.ship_to,
            accepted_rate: c.accepted,
            shipper: Some(m::Party {
                account_id: Some(account_id(&seller)),
            }),
            containers: c.req.containers,
        })
    }

    /// Buys quote `q` for the shipment `row`: the label record (same id) and the shipment's
    /// accepted rate, in one transaction that also forgets its offers. `new`: the shipment row
    /// is made in the same transaction (`purchaseShipment`).
    async fn buy(
        &self,
        mut row: RecordRow,
        new: bool,
        c: &Created,
        q: &Quote,
        t: &m::ServiceType,
        spec: LabelSpec,
    ) -> Result<(m::AcceptedRate, Kept)> {
        let now = self.clock.now();
        let now_us = now.as_microsecond();
        let id = row.id.clone();
        let tracking_id = carriers::tracking_number(q.service, &id);
        let from = place(&c.req.ship_from);
        let to = place(&c.req.ship_to);
        let plan = carriers::plan_tracking(&tracking_id, now, q.pickup.0, q.delivery, &from, &to);
        let k = Kept {
            api: "v1".into(),
            service_id: q.service.id.into(),
            tracking_id: tracking_id.clone(),
            currency: q.currency.into(),
            total: q.total,
            billed_g: q.billed_g,
            bought_us: now_us,
            pickup: (q.pickup.0.as_microsecond(), q.pickup.1.as_microsecond()),
            delivery: (q.delivery.0.as_microsecond(), q.delivery.1.as_microsecond()),
            plan,
            cancelled_us: None,
            refund: None,
            order_id: None,
            order_lines: vec![],
            label: spec,
            printed: Printed {
                from: lines(&c.req.ship_from),
                to: lines(&c.req.ship_to),
                reference: Some(c.req.client_reference_id.clone()),
            },
            from,
            to,
            package_ref: c
                .req
                .containers
                .first()
                .map(|c| c.container_reference_id.clone()),
            collection_form: None,
            ndr: None,
            api_doc: Value::Null,
        };
        let accepted = m::AcceptedRate {
            total_charge: Some(money(q.total, q.currency)),
            billed_weight: Some(grams_weight(q.billed_g)),
            service_type: Some(t.clone()),
            promise: Some(quote_promise(q)),
        };
        row.status = "Purchased".into();
        row.tracking_id = Some(tracking_id);
        row.updated_at_us = now_us;
        row.doc = json!({"request": c.req, "acceptedRate": accepted}).to_string();
        let label = record(&row.seller_id, &id, &k, "Purchased", now_us)?;
        let written: Result<()> = async {
            let mut tx = self.store.begin().await?;
            if new {
                tx.insert_ship_record(&row).await?;
            } else {
                tx.delete_ship_offers(&row.seller_id, &id).await?;
                tx.update_ship_record(&row).await?;
            }
            tx.insert_ship_record(&label).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        if let Err(e) = written {
            // Two purchases of one shipment at once: the second finds the label made.
            if !new && self.label(&row.seller_id, &id).await?.is_some() {
                return Err(Error::invalid_input(format!(
                    "Shipment {id} is Purchased; its labels cannot be purchased."
                )));
            }
            return Err(e);
        }
        Ok((accepted, k))
    }

    fn label_results(&self, c: &Created, k: &Kept) -> Result<Vec<m::LabelResult>> {
        Ok(vec![m::LabelResult {
            container_reference_id: c
                .req
                .containers
                .first()
                .map(|c| c.container_reference_id.clone()),
            tracking_id: Some(k.tracking_id.clone()),
            label: Some(m::Label {
                label_stream: Some(stream(&k.label_bytes()?)),
                label_specification: Some(spec_kept()),
            }),
        }])
    }

    /// `purchaseLabels`: buys one of the shipment's rates within its 10 minutes.
    pub async fn purchase_labels(
        &self,
        caller: &Caller,
        id: &str,
        req: &m::PurchaseLabelsRequest,
    ) -> Result<m::PurchaseLabelsResult> {
        let seller = Self::seller(caller);
        let row = self.v1_record(&seller, id).await?;
        let spec = label_spec(&req.label_specification)?;
        if row.status != "Created" {
            return Err(Error::invalid_input(format!(
                "Shipment {id} is {}; its labels cannot be purchased.",
                row.status
            )));
        }
        let offer = self
            .store
            .get_ship_offer(&seller, &req.rate_id)
            .await?
            .filter(|o| o.request_token == id)
            .ok_or_else(|| bad("rateId", "Not a rate of this shipment."))?;
        if offer.expires_at_us <= self.clock.now_us() {
            return Err(Error::conflict(RATE_EXPIRED));
        }
        let doc: Value = serde_json::from_str(&offer.doc).map_err(Error::internal)?;
        let c = created(&row)?;
        let (_, typed) = self.plan(
            &c.req.ship_from,
            &c.req.ship_to,
            &c.req.containers,
            self.clock.now(),
        )?;
        let service_id = doc["serviceId"].as_str().unwrap_or_default();
        let (t, mut q) = typed
            .into_iter()
            .find(|(_, q)| q.service.id == service_id)
            .ok_or_else(|| Error::invalid_input(RATE_EXPIRED))?;
        // The price quoted is the price paid.
        q.total = doc["total"].as_i64().unwrap_or(q.total);
        let (accepted, k) = self.buy(row, false, &c, &q, &t, spec).await?;
        Ok(m::PurchaseLabelsResult {
            shipment_id: id.into(),
            client_reference_id: Some(c.req.client_reference_id.clone()),
            accepted_rate: accepted,
            label_results: self.label_results(&c, &k)?,
        })
    }

    /// `purchaseShipment`: creates and buys the service type asked for in one step (one
    /// transaction; no offers are kept).
    pub async fn purchase_shipment(
        &self,
        caller: &Caller,
        req: &m::PurchaseShipmentRequest,
    ) -> Result<m::PurchaseShipmentResult> {
        let spec = label_spec(&req.label_specification)?;
        let create = m::CreateShipmentRequest {
            client_reference_id: req.client_reference_id.clone(),
            ship_to: req.ship_to.clone(),
            ship_from: req.ship_from.clone(),
            containers: req.containers.clone(),
        };
        let ship_at = self.ship_at(req.ship_date.as_deref())?;
        let (_, typed) = self.plan(&req.ship_from, &req.ship_to, &req.containers, ship_at)?;
        let (t, q) = typed
            .into_iter()
            .find(|(t, _)| t.as_str() == req.service_type.as_str())
            .ok_or_else(|| {
                bad(
                    "serviceType",
                    "Not a service type that can ship this container.",
                )
            })?;
        check_reference(&create.client_reference_id)?;
        let id = super::numeric_id(14);
        let row = created_row(&Self::seller(caller), &id, &create, self.clock.now_us());
        let c = Created {
            req: create,
            accepted: None,
        };
        let (accepted, k) = self.buy(row, true, &c, &q, &t, spec).await?;
        Ok(m::PurchaseShipmentResult {
            shipment_id: id,
            service_rate: m::ServiceRate {
                total_charge: accepted.total_charge.clone().unwrap_or_default(),
                billable_weight: accepted.billed_weight.clone().unwrap_or_default(),
                service_type: t,
                promise: accepted.promise.clone().unwrap_or_default(),
            },
            label_results: self.label_results(&c, &k)?,
        })
    }

    fn ship_at(&self, date: Option<&str>) -> Result<Timestamp> {
        let now = self.clock.now();
        match date {
            None => Ok(now),
            Some(d) => {
                let t = parse_date_time(d)
                    .ok_or_else(|| bad("shipDate", "Must be an ISO 8601 date-time."))?;
                Ok(t.max(now))
            }
        }
    }

    /// `getRates`: the service types' prices, without keeping anything.
    pub fn rates(&self, req: &m::GetRatesRequest) -> Result<m::GetRatesResult> {
        check_address(&req.ship_from, "shipFrom")?;
        check_address(&req.ship_to, "shipTo")?;
        if req.service_types.is_empty() {
            return Err(bad("serviceTypes", "Name at least one service type."));
        }
        let [c] = req.container_specifications.as_slice() else {
            return Err(bad(
                "containerSpecifications",
                "spapi rates one container per request.",
            ));
        };
        let p = parcel(&c.weight, &c.dimensions, "containerSpecifications")?;
        let ship_at = self.ship_at(req.ship_date.as_deref())?;
        let (quotes, _) = carriers::quote(&route(&req.ship_from, &req.ship_to), &p, ship_at, None);
        let service_rates = by_type(quotes)
            .into_iter()
            .filter(|(t, _)| req.service_types.iter().any(|s| s.as_str() == t.as_str()))
            .map(|(t, q)| m::ServiceRate {
                total_charge: money(q.total, q.currency),
                billable_weight: grams_weight(q.billed_g),
                service_type: t,
                promise: quote_promise(&q),
            })
            .collect();
        Ok(m::GetRatesResult { service_rates })
    }

    /// `retrieveShippingLabel`: the label of a container again.
    pub async fn retrieve_label(
        &self,
        caller: &Caller,
        id: &str,
        tracking_id: &str,
        req: &m::RetrieveShippingLabelRequest,
    ) -> Result<m::RetrieveShippingLabelResult> {
        let seller = Self::seller(caller);
        self.v1_record(&seller, id).await?;
        let spec = label_spec(&req.label_specification)?;
        let (_, k) = self
            .label(&seller, id)
            .await?
            .filter(|(_, k)| k.tracking_id == tracking_id)
            .ok_or_else(|| {
                Error::not_found().with_details(format!(
                    "Shipment {id} has no label with tracking id {tracking_id}."
                ))
            })?;
        if !k.live() {
            return Err(Error::invalid_input(format!(
                "Shipment {id} is cancelled; its label cannot be printed."
            )));
        }
        Ok(m::RetrieveShippingLabelResult {
            label_stream: stream(&k.label_bytes_as(&spec)?),
            label_specification: spec_kept(),
        })
    }

    /// `cancelShipment`: forgets an unpurchased shipment's rates, or voids its label before
    /// the carrier picks it up.
    pub async fn cancel(&self, caller: &Caller, id: &str) -> Result<()> {
        let seller = Self::seller(caller);
        let mut row = self.v1_record(&seller, id).await?;
        let now_us = self.clock.now_us();
        if row.status == "Cancelled" {
            return Err(Error::invalid_input(format!(
                "Shipment {id} is already cancelled."
            )));
        }
        // Read before the transaction: an in-memory SQLite store has one connection.
        let label = self.label(&seller, id).await?;
        let mut tx = self.store.begin().await?;
        if let Some((mut lrow, mut k)) = label {
            if k.picked_up(now_us) {
                return Err(Error::invalid_input(format!(
                    "Shipment {id} cannot be cancelled: the carrier has picked it up."
                )));
            }
            k.cancel(now_us)?;
            lrow.status = "Cancelled".into();
            lrow.updated_at_us = now_us;
            lrow.doc = serde_json::to_string(&k).map_err(Error::internal)?;
            tx.update_ship_record(&lrow).await?;
        } else {
            tx.delete_ship_offers(&seller, id).await?;
        }
        row.status = "Cancelled".into();
        row.updated_at_us = now_us;
        tx.update_ship_record(&row).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `getAccount`: the caller's Amazon Shipping account.
    pub fn account(&self, caller: &Caller) -> m::Account {
        m::Account {
            account_id: account_id(&Self::seller(caller)),
        }
    }

    /// `getTrackingInformation`: the planned scans whose time has come (a v1 label).
    pub async fn tracking(
        &self,
        caller: &Caller,
        tracking_id: &str,
    ) -> Result<m::TrackingInformation> {
        let seller = Self::seller(caller);
        let k = self
            .store
            .find_ship_records_by_tracking(&seller, tracking_id)
            .await?
            .iter()
            .filter(|r| r.kind == KIND_SHIPMENT)
            .map(kept)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .rfind(|k| k.api == "v1")
            .ok_or_else(|| {
                Error::not_found().with_details(format!("Tracking id {tracking_id} was not found."))
            })?;
        let now_us = self.clock.now_us();
        Ok(m::TrackingInformation {
            tracking_id: k.tracking_id.clone(),
            summary: m::TrackingSummary {
                status: Some(k.tracking_status(now_us).into()),
            },
            promised_delivery_date: iso_us(k.delivery.1),
            event_history: k
                .scans(now_us)
                .iter()
                .map(|s| m::Event {
                    event_code: s.code.clone(),
                    event_time: iso_us(s.at_us),
                    location: Some(m::Location {
                        state_or_region: Some(s.place.state.clone()),
                        city: Some(s.place.city.clone()),
                        country_code: Some(s.place.country.clone()),
                        postal_code: Some(s.place.postal.clone()),
                    }),
                })
                .collect(),
        })
    }
}

fn check_reference(r: &str) -> Result<()> {
    if r.trim().is_empty() || r.len() > 40 {
        return Err(bad("clientReferenceId", "Must be 1 to 40 characters."));
    }
    Ok(())
}

/// A created (not yet purchased) shipment's record.
fn created_row(seller: &str, id: &str, req: &m::CreateShipmentRequest, now_us: i64) -> RecordRow {
    RecordRow {
        kind: KIND_V1.into(),
        id: id.into(),
        seller_id: seller.into(),
        tracking_id: None,
        order_id: None,
        status: "Created".into(),
        created_at_us: now_us,
        updated_at_us: now_us,
        doc: json!({"request": req, "acceptedRate": null}).to_string(),
    }
}

fn route(from: &m::Address, to: &m::Address) -> Route {
    Route {
        from_country: from.country_code.to_ascii_uppercase(),
        from_postal: from.postal_code.clone(),
        to_country: to.country_code.to_ascii_uppercase(),
        to_postal: to.postal_code.clone(),
        po_box: carriers::is_po_box(&to.address_line1),
    }
}

/// A seller's Amazon Shipping account id: 10 characters (the model's limit) derived from the
/// seller id, stable across calls.
fn account_id(seller: &str) -> String {
    let tail = crate::market::alnum_tail(&format!("ship-account:{seller}"), 9).to_ascii_uppercase();
    format!("A{tail}")
}
