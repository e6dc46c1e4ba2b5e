//! Routing built from the operation table: method + path template -> operation.
//!
//! All regions share one port and the Host header is ignored: a route is found by path alone.
//! Literal segments win over parameters at the same position (`/fulfillmentOrders/preview`
//! before `/fulfillmentOrders/{sellerFulfillmentOrderId}`).

use percent_encoding::percent_decode_str;
use regex::Regex;
use spapi_model::{Method, OPERATIONS, Operation};
use std::collections::HashMap;

#[derive(Debug)]
enum Seg {
    Lit(&'static str),
    Param(&'static str),
    /// Takes the rest of the path, slashes included.
    Greedy(&'static str),
}

struct Route {
    op: &'static Operation,
    segs: Vec<Seg>,
}

/// The outcome of matching a request.
#[derive(Debug)]
pub enum Match {
    /// An operation, with its path parameters in template order.
    Found(&'static Operation, Vec<(&'static str, String)>),
    /// The path exists, the method does not: the allowed methods.
    MethodNotAllowed(Vec<Method>),
    /// No operation has this path.
    NotFound,
}

/// The route table, with each parameter's pattern compiled once.
pub struct Router {
    /// Routes grouped by segment count; greedy routes are in `greedy`.
    by_len: HashMap<usize, Vec<Route>>,
    greedy: Vec<Route>,
    patterns: HashMap<&'static str, Regex>,
}

impl Router {
    /// Builds the router for every operation of the table.
    pub fn new() -> Self {
        Self::from_operations(OPERATIONS)
    }

    /// Builds a router over the given operations.
    pub fn from_operations(ops: &'static [Operation]) -> Self {
        let mut by_len: HashMap<usize, Vec<Route>> = HashMap::new();
        let mut greedy = Vec::new();
        let mut patterns = HashMap::new();
        for op in ops {
            let segs: Vec<Seg> = op
                .path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) if op.param(name).is_some_and(|p| p.greedy) => Seg::Greedy(name),
                        Some(name) => Seg::Param(name),
                        None => Seg::Lit(s),
                    },
                )
                .collect();
            for p in op.params {
                if let Some(pat) = p.pattern
                    && !patterns.contains_key(pat)
                {
                    match Regex::new(pat) {
                        Ok(re) => {
                            patterns.insert(pat, re);
                        }
                        // A pattern Rust's regex cannot express (look-around) is not enforced.
                        Err(e) => tracing::debug!(pattern = pat, error = %e, "pattern skipped"),
                    }
                }
            }
            let route = Route { op, segs };
            if route.segs.iter().any(|s| matches!(s, Seg::Greedy(_))) {
                greedy.push(route);
            } else {
                by_len.entry(route.segs.len()).or_default().push(route);
            }
        }
        // More specific first: at the first position where two routes differ in kind, the
        // literal wins.
        let specificity = |r: &Route| -> Vec<u8> {
            r.segs
                .iter()
                .map(|s| matches!(s, Seg::Lit(_)) as u8)
                .collect()
        };
        for routes in by_len.values_mut() {
            routes.sort_by_key(|r| std::cmp::Reverse(specificity(r)));
        }
        Router {
            by_len,
            greedy,
            patterns,
        }
    }

    /// The compiled regex of a parameter pattern, if Rust's regex could compile it.
    pub fn pattern(&self, pattern: &str) -> Option<&Regex> {
        self.patterns.get(pattern)
    }

    /// Finds the operation for `method` and `path`.
    pub fn find(&self, method: &str, path: &str) -> Match {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut allowed = Vec::new();
        // The most specific route whose path matches decides which path this is; any
        // method of an equally shaped route then counts.
        let mut shape: Option<Vec<u8>> = None;
        let candidates = self
            .by_len
            .get(&parts.len())
            .into_iter()
            .flatten()
            .chain(&self.greedy);
        for route in candidates {
            let Some(params) = match_segments(&route.segs, &parts) else {
                continue;
            };
            let this_shape: Vec<u8> = route
                .segs
                .iter()
                .map(|s| matches!(s, Seg::Lit(_)) as u8)
                .collect();
            if let Some(s) = &shape
                && *s != this_shape
            {
                continue;
            }
            shape = Some(this_shape);
            if route.op.method.as_str().eq_ignore_ascii_case(method) {
                return Match::Found(route.op, params);
            }
            allowed.push(route.op.method);
        }
        if allowed.is_empty() {
            Match::NotFound
        } else {
            Match::MethodNotAllowed(allowed)
        }
    }
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn match_segments(segs: &[Seg], parts: &[&str]) -> Option<Vec<(&'static str, String)>> {
    let mut params = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        match seg {
            Seg::Lit(l) => {
                if parts.get(i) != Some(l) {
                    return None;
                }
            }
            Seg::Param(name) => params.push((*name, decode(parts.get(i)?))),
            Seg::Greedy(name) => {
                if parts.len() <= i {
                    return None;
                }
                params.push((*name, decode(&parts[i..].join("/"))));
                return Some(params);
            }
        }
    }
    (segs.len() == parts.len()).then_some(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_beats_parameter() {
        let r = Router::new();
        match r.find("POST", "/fba/outbound/2020-07-01/fulfillmentOrders/preview") {
            Match::Found(op, _) => assert_eq!(op.operation_id, "getFulfillmentPreview"),
            other => panic!("{other:?}"),
        }
        match r.find("GET", "/fba/outbound/2020-07-01/fulfillmentOrders/abc") {
            Match::Found(op, p) => {
                assert_eq!(op.operation_id, "getFulfillmentOrder");
                assert_eq!(p, vec![("sellerFulfillmentOrderId", "abc".to_string())]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_method_and_unknown_path() {
        let r = Router::new();
        assert!(matches!(
            r.find("DELETE", "/orders/v0/orders"),
            Match::MethodNotAllowed(_)
        ));
        assert!(matches!(
            r.find("GET", "/orders/v0/nothing/here/at/all"),
            Match::NotFound
        ));
    }

    #[test]
    fn greedy_parameter_takes_slashes() {
        let r = Router::new();
        match r.find(
            "POST",
            "/uploads/2020-11-01/uploadDestinations/aplus/2020-11-01/contentDocuments",
        ) {
            Match::Found(op, p) => {
                assert_eq!(op.operation_id, "createUploadDestinationForResource");
                assert_eq!(p[0].1, "aplus/2020-11-01/contentDocuments");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn path_parameters_are_decoded() {
        let r = Router::new();
        match r.find("GET", "/listings/2021-08-01/items/A1B2/SKU%20one%2F2") {
            Match::Found(op, p) => {
                assert_eq!(op.operation_id, "getListingsItem");
                assert_eq!(p[1].1, "SKU one/2");
            }
            other => panic!("{other:?}"),
        }
    }
}
