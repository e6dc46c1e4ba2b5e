//! One call of one operation, built from its parameters the way the operation table says:
//! path parameters percent-encoded into the template (greedy ones keep their slashes), query
//! arrays comma-joined (`csv`) or repeated (`multi`), headers, and the JSON body.

use crate::error::Error;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use spapi_model::{CollectionFormat, Location, Operation, ParamType};

/// Everything but RFC 3986's unreserved characters is encoded in a path segment or a value.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// A greedy path parameter (Uploads' `{resource}`) keeps its slashes.
const GREEDY: &AsciiSet = &COMPONENT.remove(b'/');

/// A parameter value as the table's serialisation sees it: nothing (absent), one value, or the
/// items of an array.
pub trait ParamValue {
    /// The values; empty when the parameter is absent.
    fn values(&self) -> Vec<String>;
}

impl ParamValue for String {
    /// An empty string counts as absent: SP-API gives empty values no meaning, and a required
    /// parameter left at its default is then reported by the server by name.
    fn values(&self) -> Vec<String> {
        if self.is_empty() {
            Vec::new()
        } else {
            vec![self.clone()]
        }
    }
}

impl ParamValue for &str {
    fn values(&self) -> Vec<String> {
        (*self).to_string().values()
    }
}

impl ParamValue for i64 {
    fn values(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

impl ParamValue for f64 {
    fn values(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

impl ParamValue for bool {
    fn values(&self) -> Vec<String> {
        vec![self.to_string()]
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn values(&self) -> Vec<String> {
        self.as_ref().map(ParamValue::values).unwrap_or_default()
    }
}

impl ParamValue for Vec<String> {
    fn values(&self) -> Vec<String> {
        self.iter().filter(|v| !v.is_empty()).cloned().collect()
    }
}

/// A call of one operation, ready to be sent by a [`crate::Client`].
#[derive(Debug, Clone)]
pub struct OpRequest {
    /// The operation.
    pub op: &'static Operation,
    path_values: Vec<(&'static str, String)>,
    /// Query parameters in order, values not yet encoded; an array is one entry per wire
    /// parameter (`csv` arrays already joined).
    pub query: Vec<(&'static str, String)>,
    /// Header parameters.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body.
    pub body: Option<serde_json::Value>,
}

impl OpRequest {
    /// An empty call of `op`.
    pub fn new(op: &'static Operation) -> Self {
        OpRequest {
            op,
            path_values: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Sets the parameter `name` (its wire name) where the table says it travels. Generated
    /// code calls this with the names of the table; an unknown name is an error.
    pub fn set(&mut self, name: &str, value: &impl ParamValue) -> Result<&mut Self, Error> {
        let Some(param) = self.op.param(name) else {
            return Err(Error::InvalidRequest(format!(
                "{} takes no parameter {name:?}",
                self.op.operation_id
            )));
        };
        let values = value.values();
        match param.location {
            Location::Path => {
                self.path_values.retain(|(n, _)| *n != param.name);
                if let Some(v) = values.into_iter().next() {
                    self.path_values.push((param.name, v));
                }
            }
            Location::Query => {
                self.query.retain(|(n, _)| *n != param.name);
                if values.is_empty() {
                    return Ok(self);
                }
                if param.ty == ParamType::Array
                    && param.collection_format == Some(CollectionFormat::Multi)
                {
                    self.query
                        .extend(values.into_iter().map(|v| (param.name, v)));
                } else if param.ty == ParamType::Array {
                    // `csv`: each item encoded on its own, joined with a literal comma (see
                    // `query_string`).
                    self.query.push((param.name, values.join("\u{0}")));
                } else if let Some(v) = values.into_iter().next() {
                    self.query.push((param.name, v));
                }
            }
            Location::Header => {
                self.headers.retain(|(n, _)| *n != param.name);
                if let Some(v) = values.into_iter().next() {
                    self.headers.push((param.name, v));
                }
            }
            Location::Body => {
                return Err(Error::InvalidRequest(format!(
                    "{name} is the body of {}; give it as the body",
                    self.op.operation_id
                )));
            }
        }
        Ok(self)
    }

    /// Sets the JSON body from a typed value; `None` (or JSON `null`) sends no body.
    pub fn set_body<T: Serialize>(&mut self, body: &T) -> Result<&mut Self, Error> {
        let v = serde_json::to_value(body).map_err(|e| {
            Error::InvalidRequest(format!(
                "the body of {} does not serialise: {e}",
                self.op.operation_id
            ))
        })?;
        self.body = (!v.is_null()).then_some(v);
        Ok(self)
    }

    /// The value of a query parameter, if set (`csv` arrays joined with commas).
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.replace('\u{0}', ","))
    }

    /// Builds a call from name/value pairs, as a command line gives them: names match the
    /// table's wire names (case-insensitively), an array takes comma-separated items or the
    /// name repeated.
    pub fn from_pairs(
        op: &'static Operation,
        pairs: &[(String, String)],
        body: Option<serde_json::Value>,
    ) -> Result<Self, Error> {
        let mut r = OpRequest::new(op);
        let mut arrays: Vec<(&'static str, Vec<String>)> = Vec::new();
        for (name, value) in pairs {
            let param = op
                .param(name)
                .or_else(|| op.params.iter().find(|p| p.name.eq_ignore_ascii_case(name)))
                .ok_or_else(|| {
                    let names: Vec<&str> = op
                        .params
                        .iter()
                        .filter(|p| p.location != Location::Body)
                        .map(|p| p.name)
                        .collect();
                    Error::InvalidRequest(format!(
                        "{} takes no parameter {name:?}; it takes: {}",
                        op.operation_id,
                        names.join(", ")
                    ))
                })?;
            if param.ty == ParamType::Array {
                let items = value.split(',').map(|s| s.trim().to_string());
                match arrays.iter_mut().find(|(n, _)| *n == param.name) {
                    Some((_, v)) => v.extend(items),
                    None => arrays.push((param.name, items.collect())),
                }
            } else {
                r.set(param.name, &value.clone())?;
            }
        }
        for (name, items) in arrays {
            r.set(name, &items)?;
        }
        if let Some(b) = body {
            if !op.params.iter().any(|p| p.location == Location::Body) {
                return Err(Error::InvalidRequest(format!(
                    "{} takes no body",
                    op.operation_id
                )));
            }
            r.body = Some(b);
        }
        Ok(r)
    }

    /// The path with its parameters filled in and percent-encoded.
    pub fn path(&self) -> Result<String, Error> {
        let mut out = String::with_capacity(self.op.path.len() + 32);
        let mut rest = self.op.path;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            out.push_str(&rest[..start]);
            let name = &rest[start + 1..start + len];
            let value = self
                .path_values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "{} needs the path parameter {name}",
                        self.op.operation_id
                    ))
                })?;
            let greedy = self.op.param(name).is_some_and(|p| p.greedy);
            let set = if greedy { GREEDY } else { COMPONENT };
            out.extend(utf8_percent_encode(
                value.trim_start_matches(if greedy { "/" } else { "" }),
                set,
            ));
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The encoded query string (without `?`); empty when there are no query parameters.
    pub fn query_string(&self) -> String {
        let mut parts = Vec::with_capacity(self.query.len());
        for (name, value) in &self.query {
            let encoded: Vec<String> = value
                .split('\u{0}')
                .map(|v| utf8_percent_encode(v, COMPONENT).to_string())
                .collect();
            // SP-API reads `csv` arrays comma-separated, as its documentation writes them.
            parts.push(format!(
                "{}={}",
                utf8_percent_encode(name, COMPONENT),
                encoded.join(",")
            ));
        }
        parts.join("&")
    }

    /// The URL of the call under `base_url`.
    pub fn url(&self, base_url: &str) -> Result<String, Error> {
        let mut url = format!("{}{}", base_url.trim_end_matches('/'), self.path()?);
        let q = self.query_string();
        if !q.is_empty() {
            url.push('?');
            url.push_str(&q);
        }
        Ok(url)
    }

    /// Keeps only the parameters a follow-up page request sends along with the page token.
    pub(crate) fn for_next_page(
        &self,
        mode: crate::paging::PageMode,
        token_param: &'static str,
        token: &str,
    ) -> Self {
        let mut next = self.clone();
        match mode {
            crate::paging::PageMode::Repeat => {}
            crate::paging::PageMode::TokenOnly => next.query.clear(),
            crate::paging::PageMode::RequiredAndToken => {
                let op = self.op;
                next.query
                    .retain(|(n, _)| op.param(n).is_some_and(|p| p.required));
            }
        }
        next.query.retain(|(n, _)| *n != token_param);
        next.query.push((token_param, token.to_string()));
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str) -> &'static Operation {
        spapi_model::OPERATIONS
            .iter()
            .find(|o| o.operation_id == id)
            .unwrap()
    }

    #[test]
    fn csv_arrays_are_comma_joined_and_items_encoded() {
        let mut r = OpRequest::new(op("getOrders"));
        r.set(
            "MarketplaceIds",
            &vec!["ATVPDKIKX0DER".to_string(), "A2EUQ1WTGCTBG2".to_string()],
        )
        .unwrap();
        r.set("CreatedAfter", &Some("2025-01-01T00:00:00Z".to_string()))
            .unwrap();
        r.set("MaxResultsPerPage", &Some(10i64)).unwrap();
        r.set("BuyerEmail", &None::<String>).unwrap();
        assert_eq!(
            r.url("http://h/").unwrap(),
            "http://h/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER,A2EUQ1WTGCTBG2&CreatedAfter=2025-01-01T00%3A00%3A00Z&MaxResultsPerPage=10"
        );
        assert_eq!(
            r.query_value("MarketplaceIds").unwrap(),
            "ATVPDKIKX0DER,A2EUQ1WTGCTBG2"
        );
    }

    #[test]
    fn path_segments_are_encoded_and_required() {
        let mut r = OpRequest::new(op("getListingsItem"));
        assert!(matches!(r.path(), Err(Error::InvalidRequest(_))));
        r.set("sellerId", &"A1 B".to_string()).unwrap();
        r.set("sku", &"red/shoe 42".to_string()).unwrap();
        assert_eq!(
            r.path().unwrap(),
            "/listings/2021-08-01/items/A1%20B/red%2Fshoe%2042"
        );
        assert!(r.set("nope", &"x".to_string()).is_err());
    }

    #[test]
    fn greedy_path_parameters_keep_slashes() {
        let Some(op) = spapi_model::OPERATIONS
            .iter()
            .find(|o| o.params.iter().any(|p| p.greedy))
        else {
            return;
        };
        let p = op.params.iter().find(|p| p.greedy).unwrap();
        let mut r = OpRequest::new(op);
        for q in op.params.iter().filter(|q| q.location == Location::Path) {
            r.set(q.name, &"x".to_string()).unwrap();
        }
        r.set(p.name, &"a/b c".to_string()).unwrap();
        assert!(
            r.path().unwrap().contains("a/b%20c"),
            "{}",
            r.path().unwrap()
        );
    }

    #[test]
    fn pairs_from_a_command_line() {
        let pairs = vec![
            ("marketplaceids".to_string(), "A,B".to_string()),
            ("MarketplaceIds".to_string(), "C".to_string()),
            ("CreatedAfter".to_string(), "2025-01-01".to_string()),
        ];
        let r = OpRequest::from_pairs(op("getOrders"), &pairs, None).unwrap();
        assert_eq!(r.query_value("MarketplaceIds").unwrap(), "A,B,C");
        let bad = vec![("Bogus".to_string(), "1".to_string())];
        let e = OpRequest::from_pairs(op("getOrders"), &bad, None).unwrap_err();
        assert!(e.to_string().contains("MarketplaceIds"), "{e}");
        assert!(OpRequest::from_pairs(op("getOrders"), &[], Some(serde_json::json!({}))).is_err());
    }
}
