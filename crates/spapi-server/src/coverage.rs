//! The coverage table: which operations of the table spapi implements, read from the code.

use crate::generated::Apis;
use spapi_model::OPERATIONS;
use std::fmt::Write;

/// One row per operation: api, operationId, method, path, implemented.
pub fn rows(apis: &Apis) -> Vec<(&'static str, &'static str, &'static str, &'static str, bool)> {
    OPERATIONS
        .iter()
        .map(|op| {
            let done = apis.implemented(op.api).contains(&op.operation_id);
            (op.api, op.operation_id, op.method.as_str(), op.path, done)
        })
        .collect()
}

/// The table as plain text columns (`spapi operations`).
pub fn text(apis: &Apis) -> String {
    let rows = rows(apis);
    let w_api = rows.iter().map(|r| r.0.len()).max().unwrap_or(3);
    let w_op = rows.iter().map(|r| r.1.len()).max().unwrap_or(11);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:w_api$}  {:w_op$}  {:6}  {:11}  PATH",
        "API", "OPERATION", "METHOD", "IMPLEMENTED"
    );
    for (api, op, method, path, done) in &rows {
        let mark = if *done { "yes" } else { "no" };
        let _ = writeln!(
            out,
            "{api:w_api$}  {op:w_op$}  {method:6}  {mark:11}  {path}"
        );
    }
    let n = rows.iter().filter(|r| r.4).count();
    let _ = writeln!(out, "\n{n} of {} operations implemented", rows.len());
    out
}

/// The table as Markdown (`docs/coverage.md`).
pub fn markdown(apis: &Apis) -> String {
    let rows = rows(apis);
    let n = rows.iter().filter(|r| r.4).count();
    let mut out = String::from(
        "# Operation coverage\n\n\
         Generated from the code by `spapi operations --markdown`; a test keeps it current.\n\
         Operations marked `no` answer 501 `NotImplemented` in the SP-API error envelope.\n\n",
    );
    let _ = writeln!(out, "{n} of {} operations implemented.\n", rows.len());
    out.push_str("| API | operationId | Method | Path | Implemented |\n|---|---|---|---|---|\n");
    for (api, op, method, path, done) in &rows {
        let mark = if *done { "yes" } else { "no" };
        let _ = writeln!(out, "| {api} | {op} | {method} | `{path}` | {mark} |");
    }
    out
}
