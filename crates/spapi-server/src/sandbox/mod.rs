//! Amazon-sandbox compatibility: the canned answers of Amazon's **static sandbox**, read at
//! startup from a checkout of Amazon's models (never copied into this repository).
//!
//! Each response of an operation in a model may carry `x-amzn-api-sandbox.static`: a list of
//! cases `{request: {parameters: {NAME: {value: V}}}, response: BODY, responseHeaders?}`. A
//! request matches a case when every parameter the case names has exactly that value: path,
//! query and header parameters compare as text (numbers numerically, arrays item by item, csv
//! or repeated), the body compares as JSON. The answer is the case's body with its response's
//! status. A request that matches no case of an operation that has cases gets Amazon's
//! `400 InvalidInput "Could not match input arguments"`.
//!
//! Which case wins when several match: the one naming the **most** parameters, then the
//! earlier one (responses in status order, as the models list them, and cases in list order).
//! Amazon does not document its tie rule; plain first-match in model order would make 43 of the
//! 561 cases of the in-scope models unreachable (a case with no parameters listed first, such
//! as deleteListingsItem's 200, would shadow its `sku: BadSKU` 400), while Amazon's sandbox
//! does answer those cases, so the most specific match is what reproduces it.
//!
//! Quirks of the models, handled here:
//! - A parameter given as `{}` (no `value`) constrains nothing (Listings' `body: {}` on GET).
//! - A body given without the `value` wrapper (Easy Ship's listHandoverSlots,
//!   createScheduledPackage, updateScheduledPackages) is the expected body itself.
//! - A case without `response` answers with an empty body (204s, cancelFeed's 200).
//! - `responseHeaders: {name: {value}}` become response headers (AWD's `location`).
//!
//! Operations marked `x-amzn-api-sandbox.dynamic` (Shipping's) are served by Amazon's dynamic
//! sandbox; spapi sends them, and every operation without static cases, to the stateful world.

use crate::http::error::ApiError;
use crate::http::query::QueryParams;
use anyhow::Context;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use spapi_model::{Location, OPERATIONS, Operation, ParamType};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A parameter constraint of a case.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    /// Any value (or none).
    Any,
    /// Exactly this value.
    Value(Value),
}

/// One static case.
#[derive(Debug, Clone)]
struct Case {
    status: StatusCode,
    params: Vec<(String, Expect)>,
    body: Option<Value>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Case {
    fn specificity(&self) -> usize {
        self.params
            .iter()
            .filter(|(_, e)| matches!(e, Expect::Value(_)))
            .count()
    }
}

/// The sandbox behaviour of one operation.
#[derive(Debug, Clone, Default)]
pub struct OpSandbox {
    /// Amazon serves it from its dynamic sandbox.
    pub dynamic: bool,
    /// Static cases, most specific first, then in model order.
    cases: Vec<Case>,
}

/// How the sandbox port serves an operation.
#[derive(Debug)]
pub enum SandboxRoute<'a> {
    /// From its static cases.
    Static(&'a OpSandbox),
    /// By the stateful world (dynamic operations, and those without cases).
    Stateful,
}

/// What was loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// Operations in scope that have static cases.
    pub static_operations: usize,
    /// Static cases in all.
    pub cases: usize,
    /// Operations Amazon serves dynamically.
    pub dynamic_operations: usize,
    /// Operations of the table not found in their model file.
    pub missing_operations: usize,
}

/// The request as the matcher sees it.
#[derive(Debug)]
pub struct SandboxRequest<'a> {
    /// Path parameters (decoded).
    pub path: &'a [(&'static str, String)],
    /// Query parameters.
    pub query: &'a QueryParams,
    /// The raw query string (to tell `x=` from an absent `x`).
    pub raw_query: Option<&'a str>,
    /// Headers.
    pub headers: &'a HeaderMap,
    /// The raw body.
    pub body: &'a [u8],
}

/// The static sandbox of every operation in scope.
#[derive(Debug, Default)]
pub struct Sandbox {
    dir: PathBuf,
    ops: HashMap<(&'static str, &'static str), OpSandbox>,
    stats: SandboxStats,
}

impl Sandbox {
    /// Reads the model of every operation of the table from `dir` (a checkout of
    /// `selling-partner-api-models`: the directory holding `models/`).
    pub fn load(dir: &Path) -> anyhow::Result<Sandbox> {
        let mut by_model: BTreeMap<&'static str, Vec<&'static Operation>> = BTreeMap::new();
        for op in OPERATIONS {
            by_model.entry(op.model).or_default().push(op);
        }
        let mut sb = Sandbox {
            dir: dir.to_owned(),
            ..Sandbox::default()
        };
        for (model, ops) in by_model {
            let file = dir.join(model);
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading the model {}", file.display()))?;
            let doc: Value = serde_json::from_str(&text)
                .with_context(|| format!("parsing the model {}", file.display()))?;
            for op in ops {
                let method = op.method.as_str().to_ascii_lowercase();
                let Some(node) = doc
                    .get("paths")
                    .and_then(|p| p.get(op.path))
                    .and_then(|p| p.get(&method))
                else {
                    tracing::warn!(
                        model,
                        operation = op.operation_id,
                        "operation not found in its model; the sandbox serves it statefully"
                    );
                    sb.stats.missing_operations += 1;
                    continue;
                };
                let entry = op_sandbox(node);
                if entry.dynamic {
                    sb.stats.dynamic_operations += 1;
                }
                if !entry.cases.is_empty() {
                    sb.stats.static_operations += 1;
                    sb.stats.cases += entry.cases.len();
                }
                sb.ops.insert((op.api, op.operation_id), entry);
            }
        }
        Ok(sb)
    }

    /// What was loaded.
    pub fn stats(&self) -> SandboxStats {
        self.stats
    }

    /// The models directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// How the sandbox port serves `op`.
    pub fn route(&self, op: &Operation) -> SandboxRoute<'_> {
        match self.ops.get(&(op.api, op.operation_id)) {
            Some(o) if !o.dynamic && !o.cases.is_empty() => SandboxRoute::Static(o),
            _ => SandboxRoute::Stateful,
        }
    }
}

/// The sandbox cases of one operation node of a model.
fn op_sandbox(node: &Value) -> OpSandbox {
    let dynamic = node
        .get("x-amzn-api-sandbox")
        .is_some_and(|s| s.get("dynamic").is_some());
    let mut responses: Vec<(u16, &Value)> = node
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(status, r)| status.parse::<u16>().ok().map(|s| (s, r)))
        .collect();
    // Status order: the order the models list them in, whatever the JSON map keeps.
    responses.sort_by_key(|(s, _)| *s);
    let mut cases = Vec::new();
    for (status, resp) in responses {
        let Some(list) = resp
            .get("x-amzn-api-sandbox")
            .and_then(|s| s.get("static"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let Ok(status) = StatusCode::from_u16(status) else {
            continue;
        };
        for c in list {
            let params = c
                .get("request")
                .and_then(|r| r.get("parameters"))
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, spec)| (name.clone(), expectation(spec)))
                .collect();
            let headers = c
                .get("responseHeaders")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .filter_map(|(name, spec)| {
                    let v = spec.get("value").unwrap_or(spec);
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    Some((
                        HeaderName::from_bytes(name.as_bytes()).ok()?,
                        HeaderValue::from_str(&text).ok()?,
                    ))
                })
                .collect();
            cases.push(Case {
                status,
                params,
                body: c.get("response").cloned(),
                headers,
            });
        }
    }
    // Most specific first; the sort is stable, so equal ones keep model order.
    cases.sort_by_key(|c| std::cmp::Reverse(c.specificity()));
    OpSandbox { dynamic, cases }
}

fn expectation(spec: &Value) -> Expect {
    match spec {
        Value::Object(m) if m.contains_key("value") => Expect::Value(m["value"].clone()),
        Value::Object(m) if m.is_empty() => Expect::Any,
        // A body given without the `value` wrapper.
        other => Expect::Value(other.clone()),
    }
}

impl OpSandbox {
    /// The number of static cases.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether there are no static cases.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// The answer to `req`: the best matching case, or 400 `InvalidInput`.
    pub fn answer(&self, op: &Operation, req: &SandboxRequest<'_>) -> Response {
        let mut body_json: Option<Option<Value>> = None;
        for case in &self.cases {
            if case
                .params
                .iter()
                .all(|(name, expect)| param_matches(op, req, name, expect, &mut body_json))
            {
                return case_response(case);
            }
        }
        no_match()
    }
}

/// Amazon's answer when no case matches.
pub fn no_match() -> Response {
    ApiError::invalid_input("Could not match input arguments")
        .with_details("")
        .into_response()
}

fn case_response(case: &Case) -> Response {
    let mut resp = match &case.body {
        // 204 has no body, whatever the case says.
        Some(body) if case.status != StatusCode::NO_CONTENT => {
            let mut r = (case.status, serde_json::to_vec(body).unwrap_or_default()).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        _ => case.status.into_response(),
    };
    for (name, value) in &case.headers {
        resp.headers_mut().insert(name.clone(), value.clone());
    }
    resp
}

fn param_matches(
    op: &Operation,
    req: &SandboxRequest<'_>,
    name: &str,
    expect: &Expect,
    body_json: &mut Option<Option<Value>>,
) -> bool {
    let Expect::Value(want) = expect else {
        return true;
    };
    let param = op.param(name);
    match param.map(|p| p.location) {
        Some(Location::Path) => req
            .path
            .iter()
            .find(|(n, _)| *n == name)
            .is_some_and(|(_, v)| scalar_matches(v, want)),
        Some(Location::Body) => {
            let body = body_json.get_or_insert_with(|| {
                if req.body.iter().all(u8::is_ascii_whitespace) {
                    None
                } else {
                    serde_json::from_slice(req.body).ok()
                }
            });
            body.as_ref().is_some_and(|b| json_eq(b, want))
        }
        Some(Location::Header) => header_matches(req.headers, name, want),
        Some(Location::Query) => {
            let is_array = param.is_some_and(|p| p.ty == ParamType::Array);
            query_matches(req, param, name, is_array, want)
        }
        // A name the operation does not declare: look in the query, then the headers.
        None => {
            (req.query.contains(name) && query_matches(req, None, name, false, want))
                || header_matches(req.headers, name, want)
        }
    }
}

fn header_matches(headers: &HeaderMap, name: &str, want: &Value) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| scalar_matches(v, want))
}

fn query_matches(
    req: &SandboxRequest<'_>,
    param: Option<&spapi_model::Param>,
    name: &str,
    is_array: bool,
    want: &Value,
) -> bool {
    let values: Vec<String> = match (param, is_array) {
        (Some(p), true) => {
            let items = req.query.array(p);
            // `x=` is one empty item, which `array` drops (a case may expect `[""]`).
            if items.is_empty() && req.query.contains(name) {
                raw_values(req.raw_query, name)
            } else {
                items
            }
        }
        _ => match req.query.first(name) {
            Some(v) => vec![v.to_string()],
            None => return false,
        },
    };
    match want {
        Value::Array(items) => {
            // A scalar parameter given a list: compare its csv items.
            let values: Vec<String> = if is_array {
                values
            } else {
                values
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(|s| s.trim().to_string())
                    .collect()
            };
            values.len() == items.len()
                && values.iter().zip(items).all(|(v, w)| scalar_matches(v, w))
        }
        _ => {
            (values.len() == 1 && scalar_matches(&values[0], want))
                || (is_array && want.as_str() == Some(values.join(",").as_str()))
        }
    }
}

/// Every value of `name` in the raw query, empty ones included.
fn raw_values(raw: Option<&str>, name: &str) -> Vec<String> {
    raw.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect()
    })
    .unwrap_or_default()
}

/// Whether a textual request value equals the case's value.
fn scalar_matches(got: &str, want: &Value) -> bool {
    match want {
        Value::String(s) => got == s,
        Value::Number(n) => got
            .trim()
            .parse::<f64>()
            .ok()
            .zip(n.as_f64())
            .is_some_and(|(a, b)| a == b),
        Value::Bool(b) => got.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Value::Null => false,
        Value::Array(items) => {
            let parts: Vec<&str> = got.split(',').map(str::trim).collect();
            parts.len() == items.len() && parts.iter().zip(items).all(|(p, w)| scalar_matches(p, w))
        }
        Value::Object(_) => serde_json::from_str::<Value>(got).is_ok_and(|v| json_eq(&v, want)),
    }
}

/// JSON equality with numbers compared by value (`15` equals `15.0`).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(id: &str) -> &'static Operation {
        OPERATIONS.iter().find(|o| o.operation_id == id).unwrap()
    }

    #[test]
    fn the_most_specific_case_wins_and_ties_keep_model_order() {
        let node = json!({
            "responses": {
                "400": {"x-amzn-api-sandbox": {"static": [
                    {"request": {"parameters": {"sku": {"value": "BadSKU"}}}, "response": {"errors": []}}
                ]}},
                "200": {"x-amzn-api-sandbox": {"static": [
                    {"request": {"parameters": {"body": {}}}, "response": {"status": "ACCEPTED"}},
                    {"request": {"parameters": {}}, "response": {"second": true}}
                ]}}
            }
        });
        let sb = op_sandbox(&node);
        assert_eq!(sb.len(), 3);
        let query = QueryParams::parse(Some("marketplaceIds=ATVPDKIKX0DER"));
        let headers = HeaderMap::new();
        let path = vec![("sellerId", "S".to_string()), ("sku", "BadSKU".to_string())];
        let req = SandboxRequest {
            path: &path,
            query: &query,
            raw_query: None,
            headers: &headers,
            body: b"",
        };
        let resp = sb.answer(op("deleteListingsItem"), &req);
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let path = vec![("sellerId", "S".to_string()), ("sku", "Good".to_string())];
        let req = SandboxRequest { path: &path, ..req };
        assert_eq!(sb.answer(op("deleteListingsItem"), &req).status(), 200);
    }

    #[test]
    fn values_compare_like_the_wire() {
        assert!(scalar_matches("10", &json!(10)));
        assert!(scalar_matches("10.0", &json!(10)));
        assert!(!scalar_matches("11", &json!(10)));
        assert!(scalar_matches("TRUE", &json!(true)));
        assert!(scalar_matches("a,b", &json!(["a", "b"])));
        assert!(json_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn unwrapped_bodies_and_wildcards() {
        assert_eq!(expectation(&json!({})), Expect::Any);
        assert_eq!(
            expectation(&json!({"value": "x"})),
            Expect::Value(json!("x"))
        );
        assert_eq!(
            expectation(&json!({"amazonOrderId": "1"})),
            Expect::Value(json!({"amazonOrderId": "1"}))
        );
    }
}
