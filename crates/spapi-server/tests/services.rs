//! Services v1 over real HTTP, on SQLite and PostgreSQL: service jobs created by buyer orders
//! of items with a service (and by the control plane), getServiceJobs with its filters, sorts
//! and pages, cancel and complete with Amazon's state rules, appointments (add, reschedule,
//! technicians, fulfillment data with its bare error array), the capacity of the seller's
//! service store (schedules, reservations, encumbered by appointments), appointment slots and
//! the document upload destination; every answer conforms to the model.

mod common;

use common::World;
use reqwest::Method;
use serde_json::{Value, json};
use spapi_server::ServerConfig;
use spapi_server::clock::Clock;
use spapi_server::store::StoreConfig;

const MODEL: &str = "models/services-api-model/services.json";
const CATALOG: &str = "models/catalog-items-api-model/catalogItems_2022-04-01.json";
/// A Monday, 06:00 UTC.
const T0: &str = "2025-06-02T06:00:00Z";
const US: &str = "ATVPDKIKX0DER";
const JOBS: &str = "/service/v1/serviceJobs";

struct Api<'a> {
    w: &'a World,
    token: std::sync::Mutex<String>,
}

impl Api<'_> {
    async fn call(
        &self,
        op: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let token = self.token.lock().unwrap().clone();
        self.w.call(MODEL, op, &token, method, path, body).await
    }

    async fn advance(&self, seconds: f64) {
        self.w.advance(seconds).await;
        *self.token.lock().unwrap() = self.w.access_token().await;
    }

    async fn job(&self, id: &str) -> Value {
        let (s, b) = self
            .call(
                "getServiceJobByServiceJobId",
                Method::GET,
                &format!("{JOBS}/{id}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        b["payload"].clone()
    }

    async fn jobs(&self, query: &str) -> (u16, Value) {
        self.call(
            "getServiceJobs",
            Method::GET,
            &format!("{JOBS}?{query}"),
            None,
        )
        .await
    }

    /// The ids of the jobs a query finds (one page).
    async fn job_ids(&self, query: &str) -> Vec<String> {
        let (s, b) = self.jobs(query).await;
        assert_eq!(s, 200, "{query}: {b}");
        ids(&b)
    }
}

fn ids(b: &Value) -> Vec<String> {
    b["payload"]["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["serviceJobId"].as_str().unwrap().to_string())
        .collect()
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Asserts a 422 `InvalidInput` (or `code`) whose message contains `text`.
fn assert_422(s: u16, b: &Value, code: &str, text: &str) {
    assert_eq!(s, 422, "{b}");
    let errors = if b.is_array() { b } else { &b["errors"] };
    assert_eq!(errors[0]["code"], code, "{b}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains(text),
        "{text} not in {b}"
    );
}

async fn place(w: &World, sku: &str, quantity: i64) -> String {
    w.place_order(US, sku, quantity).await.0
}

/// A buyable US listing (sku, asin) with at least 3 units whose product type satisfies `want`.
async fn listing(w: &World, token: &str, want: impl Fn(&str) -> bool) -> Option<(String, String)> {
    let (s, listings) = w
        .control(
            Method::GET,
            &format!("/sellers/{}/listings", w.seller_id),
            None,
        )
        .await;
    assert_eq!(s, 200, "{listings}");
    for l in listings["listings"].as_array().unwrap() {
        if l["marketplace_id"] != US || l["status"] != "BUYABLE" || l["quantity"].as_i64() < Some(3)
        {
            continue;
        }
        let asin = l["asin"].as_str().unwrap();
        let (s, item) = w
            .call(
                CATALOG,
                "getCatalogItem",
                token,
                Method::GET,
                &format!(
                    "/catalog/2022-04-01/items/{asin}?marketplaceIds={US}&includedData=productTypes"
                ),
                None,
            )
            .await;
        assert_eq!(s, 200, "{item}");
        let pt = item["productTypes"][0]["productType"]
            .as_str()
            .unwrap_or_default();
        if want(pt) {
            return Some((l["sku"].as_str().unwrap().to_string(), asin.to_string()));
        }
    }
    None
}

async fn scenario(store: StoreConfig) {
    let config = ServerConfig {
        clock: Clock::frozen(T0.parse().unwrap()),
        store,
        ..ServerConfig::ephemeral()
    };
    let w = World::start_with(config, &[]).await;
    let api = Api {
        w: &w,
        token: std::sync::Mutex::new(w.access_token().await),
    };
    let token = api.token.lock().unwrap().clone();
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/world", w.seller_id),
            Some(json!({"seed": 3, "products": 24, "days": 1, "orders_per_day": 1})),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/buyers", w.seller_id),
            Some(json!({"orders_per_hour": 0.0})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (service_sku, service_asin) =
        listing(&w, &token, |pt| pt == "LAMP" || pt == "SPORTING_GOODS")
            .await
            .expect("a buyable LAMP or SPORTING_GOODS listing");
    let (plain_sku, plain_asin) = listing(&w, &token, |pt| {
        !["LAMP", "SPORTING_GOODS", "FURNITURE"].contains(&pt)
    })
    .await
    .expect("a buyable listing without a service");
    let (s, b) = w
        .control(
            Method::GET,
            &format!("/sellers/{}/service-stores", w.seller_id),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let store_id = b["stores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["marketplace_id"] == US)
        .expect("a US service store")["store_id"]
        .as_str()
        .unwrap()
        .to_string();

    // --- (1) Jobs come with buyer orders of items with a service. ---
    let since = "createdAfter=2025-06-01T00:00:00Z";
    assert!(
        api.job_ids(&format!("marketplaceIds={US}&{since}"))
            .await
            .is_empty()
    );
    let service_order = place(&w, &service_sku, 2).await;
    let plain_order = place(&w, &plain_sku, 1).await;
    let found = api.job_ids(&format!("marketplaceIds={US}&{since}")).await;
    assert_eq!(
        found.len(),
        1,
        "one job, for the order of the item with a service"
    );
    let job_id = found[0].clone();
    let job = api.job(&job_id).await;
    assert_eq!(job["serviceJobStatus"], "PENDING_SCHEDULE");
    assert_eq!(job["productOrderIds"], json!([service_order]));
    assert_eq!(job["marketplaceId"], US);
    assert_eq!(job["storeId"], store_id.as_str());
    assert_eq!(job["scopeOfWork"]["asin"], service_asin.as_str());
    assert_eq!(job["scopeOfWork"]["quantity"], 2);
    assert_eq!(job["associatedItems"][0]["orderId"], service_order.as_str());
    assert_eq!(job["associatedItems"][0]["itemStatus"], "ACTIVE");
    assert_eq!(job["serviceLocation"]["serviceLocationType"], "IN_HOME");
    assert_eq!(job["seller"]["sellerId"], w.seller_id.as_str());
    assert_eq!(job["createTime"], T0);
    let skill = job["scopeOfWork"]["requiredSkills"][0]
        .as_str()
        .unwrap()
        .to_string();
    let service_order_id = job["serviceOrderId"].as_str().unwrap().to_string();
    assert!(regex_like_order_id(&service_order_id), "{service_order_id}");

    // The control plane makes two more, for the order without a service.
    let mut extra = Vec::new();
    for _ in 0..2 {
        api.advance(60.0).await;
        let (s, b) = w
            .control(
                Method::POST,
                &format!("/sellers/{}/service-jobs", w.seller_id),
                Some(json!({"order_id": plain_order})),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        extra.push(b["service_job_id"].as_str().unwrap().to_string());
    }
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/service-jobs", w.seller_id),
            Some(json!({"order_id": "111-0000000-0000000"})),
        )
        .await;
    assert_eq!(s, 404, "{b}");

    // Filters.
    let all = format!("marketplaceIds={US}&{since}");
    assert_eq!(
        api.job_ids(&all).await,
        vec![job_id.clone(), extra[0].clone(), extra[1].clone()]
    );
    assert_eq!(
        api.job_ids(&format!("{all}&productOrderIds={plain_order}"))
            .await,
        extra
    );
    assert_eq!(
        api.job_ids(&format!("{all}&serviceOrderIds={service_order_id}"))
            .await,
        vec![job_id.clone()]
    );
    assert_eq!(
        api.job_ids(&format!("{all}&asins={service_asin}")).await,
        vec![job_id.clone()]
    );
    assert_eq!(
        api.job_ids(&format!("{all}&asins={plain_asin}")).await,
        extra
    );
    assert_eq!(
        api.job_ids(&format!("{all}&requiredSkills={skill}"))
            .await
            .len(),
        1
    );
    assert_eq!(
        api.job_ids(&format!("{all}&storeIds={store_id}"))
            .await
            .len(),
        3
    );
    assert!(
        api.job_ids(&format!("{all}&storeIds=another-store"))
            .await
            .is_empty()
    );
    assert!(
        api.job_ids(&format!("{all}&trackingIds=TRACK1"))
            .await
            .is_empty()
    );
    assert_eq!(
        api.job_ids(&format!("{all}&serviceJobStatus=PENDING_SCHEDULE"))
            .await
            .len(),
        3
    );
    assert!(
        api.job_ids(&format!("{all}&serviceJobStatus=COMPLETED,CANCELLED"))
            .await
            .is_empty()
    );
    assert_eq!(
        api.job_ids(&format!(
            "{all}&createdBefore={}",
            enc("2025-06-02T06:00:30Z")
        ))
        .await,
        vec![job_id.clone()]
    );
    assert!(
        api.job_ids(&format!(
            "marketplaceIds={US}&createdAfter=2025-06-03T00:00:00Z"
        ))
        .await
        .is_empty()
    );
    assert!(
        api.job_ids(&format!("{all}&scheduleStartDate=2025-06-01T00:00:00Z"))
            .await
            .is_empty()
    );

    // Sort and pages.
    assert_eq!(
        api.job_ids(&format!("{all}&sortField=JOB_DATE&sortOrder=DESC"))
            .await,
        vec![extra[1].clone(), extra[0].clone(), job_id.clone()]
    );
    let (s, b) = api.jobs(&format!("{all}&pageSize=2")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["totalResultSize"], 3);
    assert_eq!(ids(&b), vec![job_id.clone(), extra[0].clone()]);
    assert!(b["payload"]["previousPageToken"].is_null());
    let next = b["payload"]["nextPageToken"].as_str().unwrap().to_string();
    let (s, b) = api
        .jobs(&format!("marketplaceIds={US}&pageToken={}", enc(&next)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), vec![extra[1].clone()]);
    assert!(b["payload"]["nextPageToken"].is_null());
    let previous = b["payload"]["previousPageToken"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, b) = api
        .jobs(&format!("marketplaceIds={US}&pageToken={}", enc(&previous)))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(ids(&b), vec![job_id.clone(), extra[0].clone()]);
    let (s, b) = api
        .jobs(&format!("marketplaceIds={US}&pageToken=nonsense"))
        .await;
    assert_eq!(s, 400, "{b}");

    // Bad searches.
    let (s, b) = api.jobs(&format!("marketplaceIds={US}")).await;
    assert_eq!(s, 400, "neither createdAfter nor lastUpdatedAfter: {b}");
    let (s, b) = api
        .jobs(&format!("{all}&lastUpdatedAfter=2025-06-01T00:00:00Z"))
        .await;
    assert_eq!(s, 400, "both createdAfter and lastUpdatedAfter: {b}");
    let (s, b) = api.jobs(&format!("{all}&pageSize=21")).await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .jobs(&format!("marketplaceIds={US}&createdAfter=yesterday"))
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .jobs(&format!("marketplaceIds=A1PA6795UKMFR9&{since}"))
        .await;
    assert_eq!(s, 400, "a marketplace the seller does not sell in: {b}");
    let (s, b) = api
        .jobs(&format!(
            "{all}&scheduleStartDate=2025-06-05T00:00:00Z&scheduleEndDate=2025-06-04T00:00:00Z"
        ))
        .await;
    assert_eq!(s, 400, "{b}");

    // Unknown jobs and other sellers' jobs are not found (422, as Amazon answers unknown ids).
    let (s, b) = api
        .call(
            "getServiceJobByServiceJobId",
            Method::GET,
            &format!("{JOBS}/no-such-job"),
            None,
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "No job exist with jobId : no-such-job",
    );
    let (_, other_token) = w.other_seller("NA", &[US]).await;
    let (s, b) = w
        .call(
            MODEL,
            "getServiceJobByServiceJobId",
            &other_token,
            Method::GET,
            &format!("{JOBS}/{job_id}"),
            None,
        )
        .await;
    assert_422(s, &b, "InvalidInput", "No job exist");
    let (s, b) = w
        .call(
            MODEL,
            "cancelServiceJobByServiceJobId",
            &other_token,
            Method::PUT,
            &format!("{JOBS}/{job_id}/cancellations?cancellationReasonCode=V1"),
            None,
        )
        .await;
    assert_422(s, &b, "InvalidInput", "No job exist");
    let (s, b) = w
        .call(
            MODEL,
            "getServiceJobs",
            &other_token,
            Method::GET,
            &format!("{JOBS}?{all}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"]["totalResultSize"], 0);

    // Cancel: reason codes, final state.
    let cancel =
        |id: &str, code: &str| format!("{JOBS}/{id}/cancellations?cancellationReasonCode={code}");
    let (s, b) = api
        .call(
            "cancelServiceJobByServiceJobId",
            Method::PUT,
            &cancel(&extra[0], "NOT_A_REASON"),
            None,
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "Received invalid input reason code NOT_A_REASON",
    );
    let (s, b) = api
        .call(
            "cancelServiceJobByServiceJobId",
            Method::PUT,
            &cancel(&extra[0], "bad-code"),
            None,
        )
        .await;
    assert_eq!(s, 400, "the pattern: {b}");
    let (s, b) = api
        .call(
            "cancelServiceJobByServiceJobId",
            Method::PUT,
            &cancel(&extra[0], "CUSTOMER_REQUEST"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(api.job(&extra[0]).await["serviceJobStatus"], "CANCELLED");
    let (s, b) = api
        .call(
            "cancelServiceJobByServiceJobId",
            Method::PUT,
            &cancel(&extra[0], "V1"),
            None,
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "jobStatus CANCELLED cannot be cancelled",
    );
    let (s, b) = api
        .call(
            "completeServiceJobByServiceJobId",
            Method::PUT,
            &format!("{JOBS}/{}/completions", extra[0]),
            None,
        )
        .await;
    assert_422(s, &b, "InvalidInput", "jobState : CANCELLED");
    assert_eq!(
        api.job_ids(&format!("{all}&serviceJobStatus=CANCELLED"))
            .await,
        vec![extra[0].clone()]
    );
    assert_eq!(
        api.job_ids(&format!("{all}&sortField=JOB_STATUS")).await,
        vec![extra[0].clone(), job_id.clone(), extra[1].clone()],
        "CANCELLED sorts before PENDING_SCHEDULE"
    );
    let (s, b) = api
        .call(
            "completeServiceJobByServiceJobId",
            Method::PUT,
            &format!("{JOBS}/{job_id}/completions"),
            None,
        )
        .await;
    assert_422(s, &b, "InvalidInput", "jobState : PENDING_SCHEDULE");
    // Side states from the control plane refuse appointments.
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/service-jobs/{}/status", w.seller_id, extra[1]),
            Some(json!({"status": "HOLD"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // --- (2) Appointments. ---
    let (s, b) = api
        .call(
            "getAppointmmentSlotsByJobId",
            Method::GET,
            &format!("{JOBS}/{job_id}/appointmentSlots?marketplaceIds={US}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let slots = b["payload"]["appointmentSlots"].as_array().unwrap().clone();
    assert_eq!(b["payload"]["schedulingType"], "REAL_TIME_SCHEDULING");
    // The default store day: 08:00-18:00 UTC, two technicians; it is 06:00 on a Monday.
    let first = slots[0]["startTime"].as_str().unwrap().to_string();
    assert_eq!(first, "2025-06-02T08:00:00Z", "{slots:?}");
    assert_eq!(slots[0]["capacity"], 2);
    let add = |start: &str| json!({"appointmentTime": {"startTime": start}});
    let appointments = format!("{JOBS}/{job_id}/appointments");
    let op_add = "addAppointmentForServiceJobByServiceJobId";
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2025-06-02T10:00:00+05:30")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "is not in UTC");
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2025-06-02T10-00:00Z")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "Failed to parse ISO8601 input");
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2025-06-01T10:00:00Z")),
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "Start time of appointment should be in the future.",
    );
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2026-07-01T10:00:00Z")),
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "beyond the maximum allowed period of 365 days",
    );
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2025-06-02T10:15:00Z")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "Appointment slot is not available.");
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2025-06-02T20:00:00Z")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "Appointment slot is not available.");
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(json!({"appointmentTime": {}})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2025-06-02T10:00:00Z")),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let first_appointment = b["appointmentId"].as_str().unwrap().to_string();
    let job = api.job(&job_id).await;
    assert_eq!(job["serviceJobStatus"], "NOT_SERVICED");
    assert_eq!(job["appointments"][0]["appointmentStatus"], "ACTIVE");
    assert_eq!(
        job["appointments"][0]["appointmentTime"]["startTime"],
        "2025-06-02T10:00:00Z"
    );
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &appointments,
            Some(add("2025-06-02T12:00:00Z")),
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "Job already has an active appointmentId.",
    );
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &format!("{JOBS}/{}/appointments", extra[1]),
            Some(add("2025-06-02T12:00:00Z")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "jobState : HOLD");
    let (s, b) = w
        .control(
            Method::POST,
            &format!("/sellers/{}/service-jobs/{}/status", w.seller_id, extra[1]),
            Some(json!({"status": "PENDING_SCHEDULE"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        api.job_ids(&format!(
            "{all}&scheduleStartDate=2025-06-02T09:00:00Z&scheduleEndDate=2025-06-02T11:00:00Z"
        ))
        .await,
        vec![job_id.clone()]
    );

    // Technicians: the defaults (TECH0001 has every skill, TECH0002 no electrical one).
    let resources = |ids: &[&str]| json!({"resources": ids.iter().map(|i| json!({"resourceId": i})).collect::<Vec<_>>()});
    let assign_path = |a: &str| format!("{JOBS}/{job_id}/appointments/{a}/resources");
    let (s, b) = api
        .call(
            "assignAppointmentResources",
            Method::PUT,
            &assign_path(&first_appointment),
            Some(resources(&["NOBODY"])),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "Invalid resourceId : NOBODY");
    let (s, b) = api
        .call(
            "assignAppointmentResources",
            Method::PUT,
            &assign_path(&first_appointment),
            Some(resources(&[])),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let (s, b) = w
        .control(
            Method::PUT,
            &format!("/sellers/{}/service-technicians", w.seller_id),
            Some(json!({"technicians": [
                {"technician_id": "TECH0001", "name": "Alex Rivera", "skills": [skill.clone(), "FURNITURE_ASSEMBLY"]},
                {"technician_id": "TECH0002", "name": "Sam Carter", "skills": ["PAINTING"]},
            ]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = api
        .call(
            "assignAppointmentResources",
            Method::PUT,
            &assign_path(&first_appointment),
            Some(resources(&["TECH0002"])),
        )
        .await;
    assert_422(
        s,
        &b,
        "RESOURCES_MISSING_REQUIRED_SKILLS",
        "Applicable resources: TECH0001",
    );
    let (s, b) = api
        .call(
            "assignAppointmentResources",
            Method::PUT,
            &assign_path(&first_appointment),
            Some(resources(&["TECH0001"])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["payload"]["warnings"].is_null(), "{b}");
    assert_eq!(
        api.job(&job_id).await["appointments"][0]["assignedTechnicians"][0]["technicianId"],
        "TECH0001"
    );

    // Reschedule: a new appointment pointing at the old one, technicians unassigned.
    let op_resched = "rescheduleAppointmentForServiceJobByServiceJobId";
    let resched_path = |a: &str| format!("{JOBS}/{job_id}/appointments/{a}");
    let resched = |start: &str, code: &str| json!({"appointmentTime": {"startTime": start}, "rescheduleReasonCode": code});
    let (s, b) = api
        .call(
            op_resched,
            Method::POST,
            &resched_path(&first_appointment),
            Some(resched("2025-06-03T09:00:00Z", "BECAUSE")),
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "Appointment reschedule reason code is not valid.",
    );
    let (s, b) = api
        .call(
            op_resched,
            Method::POST,
            &resched_path("nope"),
            Some(resched("2025-06-03T09:00:00Z", "OTHER")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "No appointment exists");
    let (s, b) = api
        .call(
            op_resched,
            Method::POST,
            &resched_path(&first_appointment),
            Some(resched(
                "2025-06-03T09:00:00Z",
                "APPOINTMENT_REQUESTED_BY_CUSTOMER",
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let appointment = b["appointmentId"].as_str().unwrap().to_string();
    assert_ne!(appointment, first_appointment);
    assert_eq!(b["warnings"][0]["code"], "RESOURCES_UNASSIGNED");
    let job = api.job(&job_id).await;
    assert_eq!(job["appointments"][0]["appointmentStatus"], "CANCELLED");
    assert_eq!(job["appointments"][1]["appointmentStatus"], "ACTIVE");
    assert_eq!(
        job["appointments"][1]["rescheduledAppointmentId"],
        first_appointment.as_str()
    );
    let (s, b) = api
        .call(
            "assignAppointmentResources",
            Method::PUT,
            &assign_path(&first_appointment),
            Some(resources(&["TECH0001"])),
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "Appointment metadata update is not allowed",
    );
    let (s, b) = api
        .call(
            "assignAppointmentResources",
            Method::PUT,
            &assign_path(&appointment),
            Some(resources(&["TECH0001"])),
        )
        .await;
    assert_eq!(s, 200, "{b}");

    // --- (3) Capacity of the store. ---
    let range = |types: &[&str], from: &str, to: &str| json!({"capacityTypes": types, "startDateTime": from, "endDateTime": to});
    let range_path =
        format!("/service/v1/serviceResources/{store_id}/capacity/range?marketplaceIds={US}");
    let (s, b) = api
        .call(
            "getRangeSlotCapacity",
            Method::POST,
            &range_path,
            Some(range(
                &[
                    "SCHEDULED_CAPACITY",
                    "ENCUMBERED_CAPACITY",
                    "AVAILABLE_CAPACITY",
                ],
                "2025-06-03T00:00:00Z",
                "2025-06-04T00:00:00Z",
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["resourceId"], store_id.as_str());
    let caps = b["capacities"].as_array().unwrap();
    assert_eq!(
        caps[0]["slots"],
        json!([{"startDateTime": "2025-06-03T08:00:00Z", "endDateTime": "2025-06-03T18:00:00Z", "capacity": 2}])
    );
    let minutes = job["appointments"][1]["appointmentTime"]["durationInMinutes"]
        .as_i64()
        .unwrap();
    let appointment_end = format!("2025-06-03T{:02}:{:02}:00Z", 9 + minutes / 60, minutes % 60);
    assert_eq!(
        caps[1]["slots"],
        json!([{"startDateTime": "2025-06-03T09:00:00Z", "endDateTime": appointment_end, "capacity": 1}])
    );
    assert_eq!(caps[2]["slots"][1]["capacity"], 1, "{caps:?}");
    let (s, b) = api
        .call(
            "getRangeSlotCapacity",
            Method::POST,
            &format!(
                "/service/v1/serviceResources/unknown-store/capacity/range?marketplaceIds={US}"
            ),
            Some(range(
                &["SCHEDULED_CAPACITY"],
                "2025-06-03T00:00:00Z",
                "2025-06-04T00:00:00Z",
            )),
        )
        .await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = api
        .call(
            "getRangeSlotCapacity",
            Method::POST,
            &range_path,
            Some(range(&[], "2025-06-04T00:00:00Z", "2025-06-03T00:00:00Z")),
        )
        .await;
    assert_eq!(s, 400, "{b}");

    // A reservation takes capacity; one larger than what is left is refused.
    let reservation = |from: &str, to: &str, capacity: i64| {
        json!({"resourceId": store_id, "reservation": {"type": "BREAK",
            "availability": {"startTime": from, "endTime": to, "capacity": capacity}}})
    };
    let reservations = format!("/service/v1/reservation?marketplaceIds={US}");
    let (s, b) = api
        .call(
            "createReservation",
            Method::POST,
            &reservations,
            Some(reservation(
                "2025-06-03T09:00:00Z",
                "2025-06-03T10:00:00Z",
                2,
            )),
        )
        .await;
    assert_eq!(s, 400, "only one unit is left at 09:00: {b}");
    let (s, b) = api
        .call(
            "createReservation",
            Method::POST,
            &reservations,
            Some(reservation(
                "2025-06-03T12:00:00Z",
                "2025-06-03T13:00:00Z",
                1,
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let reservation_id = b["payload"]["reservation"]["reservationId"]
        .as_str()
        .unwrap()
        .to_string();
    let fixed_path =
        format!("/service/v1/serviceResources/{store_id}/capacity/fixed?marketplaceIds={US}");
    let fixed = json!({"capacityTypes": ["AVAILABLE_CAPACITY", "RESERVED_CAPACITY"], "slotDuration": 60,
        "startDateTime": "2025-06-03T11:00:00Z", "endDateTime": "2025-06-03T14:00:00Z"});
    let (s, b) = api
        .call(
            "getFixedSlotCapacity",
            Method::POST,
            &fixed_path,
            Some(fixed.clone()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let slots: Vec<(i64, i64)> = b["capacities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["availableCapacity"].as_i64().unwrap(),
                x["reservedCapacity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(slots, vec![(2, 0), (1, 1), (2, 0)]);
    let (s, b) = api
        .call(
            "updateReservation",
            Method::PUT,
            &format!("/service/v1/reservation/{reservation_id}?marketplaceIds={US}"),
            Some(reservation(
                "2025-06-03T13:00:00Z",
                "2025-06-03T14:00:00Z",
                2,
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["payload"]["reservation"]["reservationId"],
        reservation_id.as_str()
    );
    let (s, b) = api
        .call(
            "getFixedSlotCapacity",
            Method::POST,
            &fixed_path,
            Some(fixed.clone()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["capacities"][2]["availableCapacity"], 0);
    assert_eq!(b["capacities"][1]["availableCapacity"], 2);
    // An appointment cannot take the reserved hour.
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &format!("{JOBS}/{}/appointments", extra[1]),
            Some(add("2025-06-03T13:00:00Z")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "Appointment slot is not available.");
    let cancel_path = format!("/service/v1/reservation/{reservation_id}?marketplaceIds={US}");
    let (s, b) = api
        .call("cancelReservation", Method::DELETE, &cancel_path, None)
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = api
        .call("cancelReservation", Method::DELETE, &cancel_path, None)
        .await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = api
        .call(
            "updateReservation",
            Method::PUT,
            &cancel_path,
            Some(reservation(
                "2025-06-03T13:00:00Z",
                "2025-06-03T14:00:00Z",
                1,
            )),
        )
        .await;
    assert_eq!(s, 404, "{b}");

    // A schedule: Tuesdays 07:00-19:00 with 3 units from now on; then a second one over it.
    let schedules =
        format!("/service/v1/serviceResources/{store_id}/schedules?marketplaceIds={US}");
    let tuesdays = json!({"schedules": [{"startTime": "2025-06-03T07:00:00Z", "endTime": "2025-06-03T19:00:00Z",
        "capacity": 3, "recurrence": {"endTime": "2025-12-31T00:00:00Z", "daysOfWeek": ["TUESDAY"]}}]});
    let (s, b) = api
        .call(
            "updateSchedule",
            Method::PUT,
            &schedules,
            Some(tuesdays.clone()),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["payload"][0]["warnings"].is_null(), "{b}");
    let (s, b) = api
        .call("updateSchedule", Method::PUT, &schedules, Some(tuesdays))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["payload"][0]["warnings"][0]["code"], "ScheduleOverride");
    let (s, b) = api
        .call(
            "getRangeSlotCapacity",
            Method::POST,
            &range_path,
            Some(range(
                &["SCHEDULED_CAPACITY"],
                "2025-06-09T00:00:00Z",
                "2025-06-11T00:00:00Z",
            )),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["capacities"][0]["slots"],
        json!([{"startDateTime": "2025-06-10T07:00:00Z", "endDateTime": "2025-06-10T19:00:00Z", "capacity": 3}]),
        "Mondays have no schedule any more; Tuesdays have 3 units"
    );
    let (s, b) = api
        .call(
            "updateSchedule",
            Method::PUT,
            &schedules,
            Some(json!({"schedules": [{"startTime": "2025-06-03T19:00:00Z", "endTime": "2025-06-03T07:00:00Z"}]})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    // Fixed slots page.
    let (s, b) = api
        .call(
            "getFixedSlotCapacity",
            Method::POST,
            &fixed_path,
            Some(json!({"slotDuration": 5, "startDateTime": "2025-06-03T00:00:00Z", "endDateTime": "2025-06-06T00:00:00Z"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["capacities"].as_array().unwrap().len(), 500);
    let token = b["nextPageToken"].as_str().unwrap().to_string();
    let (s, b) = api
        .call(
            "getFixedSlotCapacity",
            Method::POST,
            &format!("{fixed_path}&nextPageToken={}", enc(&token)),
            Some(json!({"startDateTime": "2025-06-03T00:00:00Z", "endDateTime": "2025-06-06T00:00:00Z"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["capacities"][0]["startDateTime"], "2025-06-04T17:40:00Z");
    let (s, b) = api
        .call(
            "getFixedSlotCapacity",
            Method::POST,
            &fixed_path,
            Some(json!({"slotDuration": 7, "startDateTime": "2025-06-03T00:00:00Z", "endDateTime": "2025-06-04T00:00:00Z"})),
        )
        .await;
    assert_eq!(s, 400, "{b}");

    // A technician booked twice at overlapping times: a warning, not a refusal.
    let (s, b) = api
        .call(
            op_add,
            Method::POST,
            &format!("{JOBS}/{}/appointments", extra[1]),
            Some(add("2025-06-03T09:30:00Z")),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let other_appointment = b["appointmentId"].as_str().unwrap().to_string();
    let (s, b) = api
        .call(
            "assignAppointmentResources",
            Method::PUT,
            &format!(
                "{JOBS}/{}/appointments/{other_appointment}/resources",
                extra[1]
            ),
            Some(resources(&["TECH0001"])),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["payload"]["warnings"][0]["code"], "RESOURCES_OVERBOOKED",
        "{b}"
    );

    // --- (4) Slots by ASIN and store; the upload destination; fulfillment data. ---
    let slot_path = |asin: &str, store: &str| {
        format!(
            "/service/v1/appointmentSlots?asin={asin}&storeId={store}&marketplaceIds={US}&startTime={}&endTime={}",
            enc("2025-06-10T00:00:00Z"),
            enc("2025-06-11T00:00:00Z")
        )
    };
    let (s, b) = api
        .call(
            "getAppointmentSlots",
            Method::GET,
            &slot_path(&service_asin, &store_id),
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let slots = b["payload"]["appointmentSlots"].as_array().unwrap();
    assert_eq!(slots[0]["startTime"], "2025-06-10T07:00:00Z");
    assert_eq!(slots[0]["capacity"], 3);
    let (s, b) = api
        .call(
            "getAppointmentSlots",
            Method::GET,
            &slot_path(&plain_asin, &store_id),
            None,
        )
        .await;
    assert_eq!(s, 422, "{b}");
    let (s, b) = api
        .call(
            "getAppointmentSlots",
            Method::GET,
            &slot_path(&service_asin, "nope"),
            None,
        )
        .await;
    assert_eq!(s, 404, "{b}");
    let (s, b) = api
        .call(
            "getAppointmentSlots",
            Method::GET,
            &format!("/service/v1/appointmentSlots?asin={service_asin}&storeId={store_id}&marketplaceIds={US}&startTime=2025-06-10T00:00:00Z"),
            None,
        )
        .await;
    assert_eq!(s, 400, "startTime without endTime: {b}");

    let (s, b) = api
        .call(
            "createServiceDocumentUploadDestination",
            Method::POST,
            "/service/v1/documents",
            Some(json!({"contentType": "PDF", "contentLength": 6000000})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    let content = b"%PDF-1.4 encrypted proof of appointment".to_vec();
    let md5 = {
        use base64::Engine;
        use md5::Digest;
        base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(&content))
    };
    let (s, b) = api
        .call(
            "createServiceDocumentUploadDestination",
            Method::POST,
            "/service/v1/documents",
            Some(json!({"contentType": "PDF", "contentLength": content.len(), "contentMD5": md5})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let dest = b["payload"].clone();
    assert_eq!(dest["encryptionDetails"]["standard"], "AES");
    {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        assert_eq!(
            b64.decode(dest["encryptionDetails"]["key"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            b64.decode(
                dest["encryptionDetails"]["initializationVector"]
                    .as_str()
                    .unwrap()
            )
            .unwrap()
            .len(),
            16
        );
    }
    let upload_id = dest["uploadDestinationId"].as_str().unwrap().to_string();

    let fulfillment = |a: &str| format!("{JOBS}/{job_id}/appointments/{a}/fulfillment");
    let op_ful = "setAppointmentFulfillmentData";
    let (s, b) = api
        .call(
            op_ful,
            Method::PUT,
            &fulfillment(&appointment),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert!(b.is_array(), "a bare array: {b}");
    assert_eq!(
        b[0]["message"],
        "No fulfillment artifacts provided in JSON payload."
    );
    let docs = json!([{"uploadDestinationId": upload_id, "contentSha256": "0".repeat(64)}]);
    let (s, b) = api
        .call(
            op_ful,
            Method::PUT,
            &fulfillment(&appointment),
            Some(json!({"fulfillmentDocuments": docs})),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "No document was uploaded");
    let resp = w
        .http
        .put(dest["url"].as_str().unwrap())
        .header("Content-MD5", &md5)
        .body(content.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status().as_u16(),
        200,
        "{}",
        resp.text().await.unwrap()
    );
    let (s, b) = api
        .call(
            op_ful,
            Method::PUT,
            &fulfillment(&first_appointment),
            Some(json!({"fulfillmentDocuments": docs})),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "is not valid to update");
    let (s, b) = api
        .call(
            op_ful,
            Method::PUT,
            &fulfillment(&appointment),
            Some(json!({"fulfillmentTime": {"startTime": "2025-06-03T09:00:00Z", "endTime": "2025-06-03T10:00:00Z"}})),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "cannot be in the future");
    let (s, b) = api
        .call(
            op_ful,
            Method::PUT,
            &fulfillment(&appointment),
            Some(json!({"fulfillmentTime": {"startTime": "2025-06-03T09:00:00+02:00", "endTime": "2025-06-03T10:00:00Z"}})),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "is not in UTC format");
    let (s, b) = w
        .call(
            MODEL,
            op_ful,
            &other_token,
            Method::PUT,
            &fulfillment(&appointment),
            Some(json!({"fulfillmentDocuments": docs})),
        )
        .await;
    assert_eq!(s, 422, "{b}");
    assert!(b.is_array(), "{b}");

    // Completion waits for the appointment; then fulfillment data lands.
    let complete = format!("{JOBS}/{job_id}/completions");
    let (s, b) = api
        .call(
            "completeServiceJobByServiceJobId",
            Method::PUT,
            &complete,
            None,
        )
        .await;
    assert_422(s, &b, "InvalidInput", "before its appointment starts");
    api.advance(28.0 * 3600.0).await; // 2025-06-03T10:00Z
    let (s, b) = api
        .call(
            op_ful,
            Method::PUT,
            &fulfillment(&appointment),
            Some(json!({"fulfillmentTime": {"startTime": "2025-06-03T09:05:00Z", "endTime": "2025-06-03T09:50:00Z"},
                "appointmentResources": [{"resourceId": "TECH0001"}], "fulfillmentDocuments": docs})),
        )
        .await;
    assert_eq!(s, 204, "{b}");
    let (s, b) = api
        .call(
            "completeServiceJobByServiceJobId",
            Method::PUT,
            &complete,
            None,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let job = api.job(&job_id).await;
    assert_eq!(job["serviceJobStatus"], "COMPLETED");
    let done = &job["appointments"][1];
    assert_eq!(done["appointmentStatus"], "COMPLETED");
    assert_eq!(done["poa"]["poaType"], "POA_RECEIPT");
    assert_eq!(done["poa"]["uploadingTechnician"], "TECH0001");
    assert_eq!(done["poa"]["appointmentTime"]["durationInMinutes"], 45);
    let (s, b) = api
        .call(
            "completeServiceJobByServiceJobId",
            Method::PUT,
            &complete,
            None,
        )
        .await;
    assert_422(s, &b, "InvalidInput", "jobState : COMPLETED");
    let (s, b) = api
        .call(
            "cancelServiceJobByServiceJobId",
            Method::PUT,
            &cancel(&job_id, "V1"),
            None,
        )
        .await;
    assert_422(
        s,
        &b,
        "InvalidInput",
        "jobStatus COMPLETED cannot be cancelled",
    );
    let (s, b) = api
        .call(
            op_resched,
            Method::POST,
            &resched_path(&appointment),
            Some(resched("2025-06-05T09:00:00Z", "OTHER")),
        )
        .await;
    assert_422(s, &b, "InvalidInput", "jobState : COMPLETED");
    assert_eq!(
        api.job_ids(&format!("{all}&serviceJobStatus=COMPLETED"))
            .await,
        vec![job_id.clone()]
    );
    // lastUpdatedAfter finds the jobs changed since.
    assert_eq!(
        api.job_ids(&format!(
            "marketplaceIds={US}&lastUpdatedAfter={}",
            enc("2025-06-03T09:59:00Z")
        ))
        .await,
        vec![job_id.clone()]
    );
    // The buyer order ships (FBA after 12 h, MFN never without confirmShipment): the item
    // status follows the order.
    let item_status = api.job(&job_id).await["associatedItems"][0]["itemStatus"].clone();
    assert!(
        item_status == "SHIPPED" || item_status == "ACTIVE",
        "{item_status}"
    );
}

/// `NNN-NNNNNNN-NNNNNNN`.
fn regex_like_order_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && [3, 7, 7]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_digit()))
}

#[tokio::test]
async fn services_jobs_appointments_capacity_and_uploads() {
    scenario(StoreConfig::SqliteMemory).await;
}

#[tokio::test]
async fn services_jobs_appointments_capacity_and_uploads_on_postgres() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    scenario(StoreConfig::Postgres(url)).await;
}
