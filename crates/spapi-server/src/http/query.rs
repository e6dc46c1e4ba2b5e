//! The query string as SP-API reads it.

use spapi_model::{CollectionFormat, Param};

/// Decoded query parameters in request order. Names are case-sensitive, as at Amazon;
/// parameters no operation declares are simply never read (clients send extras).
#[derive(Debug, Default, Clone)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Parses a raw query string (`a=1&b=x%2Cy`). `+` decodes to a space.
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        QueryParams { pairs }
    }

    /// The first value of `name`.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` appears at all.
    pub fn contains(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// The items of an array parameter. SP-API's arrays are comma-separated (`csv`); a
    /// parameter repeated (`multi`, or a client that repeats a csv parameter) adds its items
    /// too. Empty items are dropped.
    pub fn array(&self, param: &Param) -> Vec<String> {
        let split = param.collection_format != Some(CollectionFormat::Multi);
        let mut out = Vec::new();
        for (_, v) in self.pairs.iter().filter(|(k, _)| k == param.name) {
            if split {
                out.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                );
            } else if !v.is_empty() {
                out.push(v.clone());
            }
        }
        out
    }
}
