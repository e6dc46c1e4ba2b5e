//! The layering rule of the server crate, checked on its sources.
//!
//! `apis -> market -> store` and `http -> auth -> store`; nothing points back up. Concretely:
//! - every top-level module of `src/` has a rank, and a module may only use modules of a lower
//!   rank (or of its own group: the HTTP surface, its generated bindings and the sandbox port
//!   are one group);
//! - no file under `market/` names the HTTP layer (`crate::http`, `axum`, `ApiError`, a status
//!   code): the world answers with `crate::error::Error`;
//! - no file under `apis/` touches the store (`Store`, `store::`, `.store`): a binding parses,
//!   calls one domain function and shapes the answer.
//!
//! A new top-level module must be given a rank here, which is the point: where it sits is a
//! decision, not an accident.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Rank and group of each top-level module (`""` is `lib.rs`).
const LAYERS: &[(&str, u8, &str)] = &[
    ("time", 0, "time"),
    ("config", 0, "config"),
    ("store", 1, "store"),
    ("error", 2, "error"),
    ("clock", 2, "clock"),
    ("fleet", 2, "fleet"),
    ("auth", 3, "auth"),
    ("market", 4, "market"),
    ("notify", 5, "notify"),
    ("jobs", 6, "jobs"),
    ("demo", 7, "demo"),
    // The HTTP surface: the router and pipeline, the generated bindings of the contract (which
    // the router dispatches to and which read requests through `http::binding`), and the
    // sandbox port.
    ("http", 8, "surface"),
    ("generated", 8, "surface"),
    ("sandbox", 8, "surface"),
    // The implementations of the generated traits: they use the surface's request context and
    // error envelope; the surface reaches them only through the trait objects `server` wires.
    ("apis", 9, "apis"),
    ("coverage", 9, "coverage"),
    ("server", 10, "server"),
    ("", 11, "lib"),
];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/market/orders.rs` -> `market`).
fn top_module(rel: &Path) -> String {
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default();
    match first.strip_suffix(".rs") {
        Some("lib") => String::new(),
        Some(m) => m.to_string(),
        None => first,
    }
}

/// The code of a source file: comments (doc comments included) removed and the contents of
/// string and character literals blanked, so prose and text may name anything.
fn code_of(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '/' if c.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < c.len() && !(c[i] == '*' && c.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
            }
            'r' if matches!(c.get(i + 1), Some('"') | Some('#'))
                && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_')) =>
            {
                // A raw string: r"..." or r#"..."#.
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            }
            '"' => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    if c[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push_str("\"\"");
            }
            '\'' => {
                // A character literal ('x', '\n', '\'') or a lifetime ('a).
                if c.get(i + 1) == Some(&'\\') {
                    i += 2;
                    while i < c.len() && c[i] != '\'' {
                        i += 1;
                    }
                    i += 1;
                    out.push_str("' '");
                } else if c.get(i + 2) == Some(&'\'') {
                    i += 3;
                    out.push_str("' '");
                } else {
                    out.push('\'');
                    i += 1;
                }
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// The top-level modules a file's code names through `crate::`.
fn crate_uses(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(pos) = code[i..].find("crate::") {
        let start = i + pos + "crate::".len();
        i = start;
        // Not part of a longer identifier (`spapi_crate::`).
        let before = code[..start - "crate::".len()].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if bytes.get(start) == Some(&b'{') {
            // `crate::{a::x, b}`: every name at the first nesting level.
            let mut depth = 0;
            let mut name = String::new();
            let mut expect_name = true;
            for c in code[start..].chars() {
                match c {
                    '{' => {
                        depth += 1;
                        if depth == 1 {
                            expect_name = true;
                        }
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            if !name.is_empty() {
                                out.insert(std::mem::take(&mut name));
                            }
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        if !name.is_empty() {
                            out.insert(std::mem::take(&mut name));
                        }
                        expect_name = true;
                    }
                    c if depth == 1 && expect_name && (c.is_alphanumeric() || c == '_') => {
                        name.push(c)
                    }
                    c if depth == 1 && expect_name && !c.is_whitespace() && !name.is_empty() => {
                        out.insert(std::mem::take(&mut name));
                        expect_name = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = code[start..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Whether `code` contains `word` as a whole token.
fn has_token(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(i, _)| {
        let before = code[..i].chars().last();
        let after = code[i + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let starts_ident = word.starts_with(|c: char| c.is_alphanumeric() || c == '_');
        let ends_ident = word.ends_with(|c: char| c.is_alphanumeric() || c == '_');
        (!starts_ident || !ident(before)) && (!ends_ident || !ident(after))
    })
}

struct Source {
    rel: PathBuf,
    module: String,
    code: String,
}

fn sources() -> Vec<Source> {
    let root = src_dir();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).expect("under src").to_path_buf();
            let src = std::fs::read_to_string(&path).expect("read source");
            Source {
                module: top_module(&rel),
                code: code_of(&src),
                rel,
            }
        })
        .collect()
}

fn layer(module: &str) -> Option<(u8, &'static str)> {
    LAYERS
        .iter()
        .find(|(m, _, _)| *m == module)
        .map(|(_, rank, group)| (*rank, *group))
}

#[test]
fn modules_only_use_lower_layers() {
    let mut problems = Vec::new();
    for s in sources() {
        let Some((rank, group)) = layer(&s.module) else {
            problems.push(format!(
                "{}: top-level module `{}` has no layer in tests/layers.rs",
                s.rel.display(),
                s.module
            ));
            continue;
        };
        for used in crate_uses(&s.code) {
            if used == s.module || used == "self" || used == "super" {
                continue;
            }
            // Items of lib.rs (re-exports) are not modules; only modules have layers.
            let Some((used_rank, used_group)) = layer(&used) else {
                continue;
            };
            if used_group != group && used_rank >= rank {
                problems.push(format!(
                    "{} ({} rank {rank}) uses crate::{used} (rank {used_rank})",
                    s.rel.display(),
                    s.module
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_world_never_names_http() {
    let mut problems = Vec::new();
    for s in sources().iter().filter(|s| s.module == "market") {
        for word in [
            "crate::http",
            "axum",
            "ApiError",
            "StatusCode",
            "IntoResponse",
        ] {
            if has_token(&s.code, word) {
                problems.push(format!("{} names `{word}`", s.rel.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "market/ must answer with crate::error::Error:\n{}",
        problems.join("\n")
    );
}

#[test]
fn bindings_never_call_the_store() {
    let mut problems = Vec::new();
    for s in sources().iter().filter(|s| s.module == "apis") {
        for word in ["Store", "StoreTx", "store::", ".store", "StoreError"] {
            if has_token(&s.code, word) {
                problems.push(format!("{} names `{word}`", s.rel.display()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "apis/ must call market functions, not the store:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_should() {
    // The scanner itself: grouped imports, comments and strings.
    let uses = crate_uses(
        "use crate::{market::orders, store::{Store, StoreTx}, time};\nlet x = crate::http::x;",
    );
    assert_eq!(
        uses.into_iter().collect::<Vec<_>>(),
        ["http", "market", "store", "time"]
    );
    assert!(crate_uses(&code_of("// crate::http is named in prose only")).is_empty());
    assert!(has_token("self.store.get()", ".store"));
    assert!(!has_token("self.storefront", ".store"));
    assert!(has_token("use axum::Router;", "axum"));
    assert!(!has_token("let maxumum = 1;", "axum"));
    assert_eq!(
        code_of(r#"let u = "http://x"; // crate::http"#),
        r#"let u = ""; "#
    );
    assert_eq!(
        code_of("let q = '\"'; /* axum */ let s = \"<StatusCode>\";"),
        "let q = ' ';  let s = \"\";"
    );
}
