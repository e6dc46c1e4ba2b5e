//! The client's typed calls: `crates/spapi-client/src/generated/<api>.rs` (one handle per API,
//! one async method per operation, page streams) and `generated/mod.rs` (the modules behind
//! their cargo features, and the table of operations that page).
//!
//! A child module of `render`, so that it reads operations and parameters exactly as the model
//! and server output do.

use super::{Op, param_field, resolve_param, success};
use crate::Model;
use crate::names::{field_ident, lit, pascal, snake};
use crate::schema::TypeSet;
use serde_json::Value;
use std::fmt::Write;

/// Query parameters that take a page token.
const TOKEN_PARAMS: &[&str] = &[
    "NextToken",
    "nextToken",
    "pageToken",
    "paginationToken",
    "nextPageToken",
];
/// Response fields that carry the next page token.
const TOKEN_FIELDS: &[&str] = &["NextToken", "nextToken", "nextPageToken"];

/// Operations whose follow-up page requests carry the token alone: their models say to call
/// again "with this token as the only parameter".
const TOKEN_ONLY: &[(&str, &str)] = &[
    ("reports_2021_06_30", "getReports"),
    ("feeds_2021_06_30", "getFeeds"),
];
/// Operations whose follow-up page requests carry the token and the required parameters only:
/// their models' examples refuse `nextToken` with the optional filters
/// ("Specifying nextToken with any other parameters will cause the request to fail").
const REQUIRED_AND_TOKEN: &[(&str, &str)] = &[
    ("invoices_2024_06_19", "getInvoices"),
    ("invoices_2024_06_19", "getInvoicesExports"),
];

/// How an operation pages: (token query parameter, JSON pointer of the next token, mode).
pub(super) struct PageSpec {
    token_param: String,
    pointer: String,
    mode: &'static str,
}

fn resolve_schema<'a>(doc: &'a Value, mut s: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => match doc.pointer(r.trim_start_matches('#')) {
                Some(t) => s = t,
                None => return s,
            },
            None => return s,
        }
    }
    s
}

/// The JSON pointer of the shallowest next-token field of a response schema.
fn token_pointer(doc: &Value, schema: &Value) -> Option<String> {
    let mut level: Vec<(String, &Value)> = vec![(String::new(), schema)];
    for _ in 0..4 {
        let mut next = Vec::new();
        for (prefix, s) in &level {
            let s = resolve_schema(doc, s);
            let Some(props) = s.get("properties").and_then(Value::as_object) else {
                continue;
            };
            for (name, prop) in props {
                let here = format!("{prefix}/{}", name.replace('~', "~0").replace('/', "~1"));
                if TOKEN_FIELDS.contains(&name.as_str()) {
                    return Some(here);
                }
                next.push((here, prop));
            }
        }
        level = next;
    }
    None
}

pub(super) fn page_spec(model: &Model, op: &Op) -> Option<PageSpec> {
    let token_param = op.params.iter().find_map(|p| {
        let p = resolve_param(&model.doc, p);
        let name = p["name"].as_str()?;
        (p["in"] == "query" && TOKEN_PARAMS.contains(&name)).then(|| name.to_string())
    })?;
    let (_, schema) = success(op);
    let pointer = token_pointer(&model.doc, schema.as_ref()?)?;
    let key = (model.api.as_str(), op.id.as_str());
    let mode = if TOKEN_ONLY.contains(&key) {
        "TokenOnly"
    } else if REQUIRED_AND_TOKEN.contains(&key) {
        "RequiredAndToken"
    } else {
        "Repeat"
    };
    Some(PageSpec {
        token_param,
        pointer,
        mode,
    })
}

/// The Rust type of an operation's success body, `None` for none (204 or no schema).
fn output_type(op: &Op, types: &TypeSet) -> Option<String> {
    let (status, schema) = success(op);
    if status == 204 {
        return None;
    }
    match schema.as_ref().and_then(|s| s["$ref"].as_str()) {
        Some(r) => Some(
            types
                .ref_type(r)
                .map(|t| format!("m::{t}"))
                .unwrap_or_else(|| "::serde_json::Value".into()),
        ),
        None if schema.is_some() => Some("::serde_json::Value".into()),
        None => None,
    }
}

/// The handle type of an API (`OrdersV0`).
fn handle_name(api: &str) -> String {
    pascal(api)
}

pub(super) fn render_module(model: &Model, types: &TypeSet, ops: &[Op]) -> String {
    let mut s = String::from(super::HEADER);
    let api = &model.api;
    let hn = handle_name(api);
    let title = model.doc["info"]["title"].as_str().unwrap_or("");
    let version = model.doc["info"]["version"].as_str().unwrap_or("");
    let _ = writeln!(
        s,
        "//! Typed calls of {title} `{version}` (`{}`): [`{hn}`], from [`Client::{api}`].\n",
        model.rel
    );
    s.push_str("#![allow(unused_mut, unused_variables, clippy::all)]\n\n");
    s.push_str("use crate::client::{ApiHandle, Client};\nuse crate::error::Error;\nuse crate::request::OpRequest;\n");
    let _ = writeln!(
        s,
        "use spapi_model::{api} as m;\nuse spapi_model::{api}::params as p;\n"
    );
    let _ = writeln!(
        s,
        "/// The operations of `{}`. Clones share the client.\n#[derive(Debug, Clone)]\npub struct {hn}(ApiHandle);\n",
        model.rel
    );
    let _ = writeln!(
        s,
        "impl Client {{\n    /// The operations of {title} `{version}`.\n    pub fn {api}(&self) -> {hn} {{\n        {hn}(self.handle())\n    }}\n}}\n"
    );
    let _ = writeln!(s, "impl {hn} {{");
    s.push_str(
        "    /// Call the restricted operations with a Restricted Data Token for `data_elements`\n    \
         /// (see [`ApiHandle::restricted`]); other operations are unaffected.\n    \
         pub fn restricted<I, S>(self, data_elements: I) -> Self\n    where\n        I: IntoIterator<Item = S>,\n        S: Into<String>,\n    {\n",
    );
    let _ = writeln!(
        s,
        "        {hn}(self.0.restricted(data_elements))\n    }}\n"
    );
    s.push_str("    /// The handle underneath, for raw calls.\n    pub fn handle(&self) -> &ApiHandle {\n        &self.0\n    }\n\n");
    let mut builders = String::new();
    for op in ops {
        let fn_name = field_ident(&op.id);
        let req_fn = format!("{}_request", snake(&op.id));
        let pty = format!("p::{}", pascal(&op.id));
        let out = output_type(op, types);
        let method = op.method.to_uppercase();
        let _ = writeln!(s, "    /// `{}`: `{method} {}`.", op.id, op.path);
        match &out {
            Some(t) => {
                let _ = writeln!(
                    s,
                    "    pub async fn {fn_name}(&self, params: {pty}) -> Result<{t}, Error> {{\n        self.0.json({req_fn}(params)).await\n    }}\n"
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "    pub async fn {fn_name}(&self, params: {pty}) -> Result<(), Error> {{\n        self.0.empty({req_fn}(params)).await\n    }}\n"
                );
            }
        }
        if let (Some(spec), Some(t)) = (page_spec(model, op), &out) {
            let field = spec.pointer.trim_start_matches('/').replace('/', ".");
            let _ = writeln!(
                s,
                "    /// Every page of `{}`, following `{field}` into `{}`.",
                op.id, spec.token_param
            );
            let _ = writeln!(
                s,
                "    pub fn {}_pages(&self, params: {pty}) -> crate::paging::Pages<{t}> {{",
                snake(&op.id)
            );
            let _ = writeln!(
                s,
                "        let paging = crate::paging::lookup({}, {}).expect(\"generated paging entry\");\n        self.0.pages({req_fn}(params), paging)\n    }}\n",
                lit(api),
                lit(&op.id)
            );
        }
        let _ = writeln!(
            builders,
            "/// The request of `{}` (`{method} {}`) built from its parameters.",
            op.id, op.path
        );
        let _ = writeln!(
            builders,
            "pub fn {req_fn}(params: {pty}) -> Result<OpRequest, Error> {{\n    let mut r = OpRequest::new(crate::operation({}, {}));",
            lit(api),
            lit(&op.id)
        );
        for p in &op.params {
            let p = resolve_param(&model.doc, p);
            let (ident, _) = param_field(&p, types);
            if p["in"] == "body" {
                let _ = writeln!(builders, "    r.set_body(&params.{ident})?;");
            } else {
                let name = lit(p["name"].as_str().unwrap_or(""));
                let _ = writeln!(builders, "    r.set({name}, &params.{ident})?;");
            }
        }
        builders.push_str("    Ok(r)\n}\n\n");
    }
    s.push_str("}\n\n");
    s.push_str(&builders);
    s
}

pub(super) fn render_mod(models: &[Model], pages: &str) -> String {
    let mut s = String::from(super::HEADER);
    s.push_str(
        "//! Typed calls, one module per API behind the cargo feature of the same name, and the\n\
         //! table of the operations that page.\n\n\
         use crate::paging::{PageMode, Paging};\n\n",
    );
    for m in models {
        let _ = writeln!(s, "#[cfg(feature = {})]\npub mod {};", lit(&m.api), m.api);
    }
    s.push('\n');
    for m in models {
        let _ = writeln!(
            s,
            "#[cfg(feature = {})]\npub use {}::{};",
            lit(&m.api),
            m.api,
            handle_name(&m.api)
        );
    }
    s.push_str(
        "\n/// Every operation that pages (a query parameter takes the token that the response\n\
         /// names), whatever features are on.\n\
         pub static PAGING: &[Paging] = &[\n",
    );
    s.push_str(pages);
    s.push_str("];\n");
    s
}

/// Appends the paging entries of one model.
pub(super) fn render_paging_entries(out: &mut String, model: &Model, ops: &[Op]) {
    for op in ops {
        if let Some(spec) = page_spec(model, op) {
            let _ = writeln!(
                out,
                "    Paging {{ api: {}, operation_id: {}, token_param: {}, token_pointer: {}, mode: PageMode::{} }},",
                lit(&model.api),
                lit(&op.id),
                lit(&spec.token_param),
                lit(&spec.pointer),
                spec.mode
            );
        }
    }
}
