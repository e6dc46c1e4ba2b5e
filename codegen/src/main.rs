//! `codegen`: reads Amazon's Swagger 2.0 SP-API models and writes spapi's contract:
//!
//! - `crates/spapi-model/src/<api>.rs`: serde wire types of one API version, and a `params`
//!   module with one typed request struct per operation;
//! - `crates/spapi-model/src/table.rs`: the static operation table;
//! - `crates/spapi-model/src/lib.rs` and the `[features]` of its Cargo.toml (one feature per API);
//! - `crates/spapi-server/src/generated/<api>.rs`: one trait per API (one async method per
//!   operation, default `NotImplemented`) and its HTTP binding.
//!
//! Usage: `cargo run -p codegen -- [MODELS_DIR] [--check]` (or `SPAPI_MODELS_DIR`). With
//! `--check`, nothing is written and the exit status says whether the committed output is current.
//!
//! Only names, types, paths, enums, limits and usage plans are carried over; the models'
//! description prose is never copied.

mod names;
mod render;
mod schema;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One model file in scope, with its patches applied.
pub struct Model {
    /// Path relative to the models directory.
    pub rel: String,
    /// Module key (`orders_v0`).
    pub api: String,
    /// The parsed, patched document.
    pub doc: Value,
}

fn main() -> Result<()> {
    let mut check = false;
    let mut dir: Option<PathBuf> = None;
    for a in std::env::args().skip(1) {
        if a == "--check" {
            check = true;
        } else {
            dir = Some(PathBuf::from(a));
        }
    }
    let dir = match dir.or_else(|| std::env::var_os("SPAPI_MODELS_DIR").map(PathBuf::from)) {
        Some(d) => d,
        None => bail!("give the models directory as an argument or in SPAPI_MODELS_DIR"),
    };
    let root = workspace_root();
    let files = generate(&dir, &root)?;
    let mut stale = Vec::new();
    for (path, text) in &files {
        let full = root.join(path);
        let old = std::fs::read_to_string(&full).unwrap_or_default();
        if old != *text {
            stale.push(path.clone());
            if !check {
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&full, text)
                    .with_context(|| format!("writing {}", full.display()))?;
            }
        }
    }
    // Generated files that no longer correspond to a model are stale too.
    for gen_dir in [
        "crates/spapi-model/src",
        "crates/spapi-server/src/generated",
    ] {
        for entry in std::fs::read_dir(root.join(gen_dir))? {
            let p = entry?.path();
            let rel = p.strip_prefix(&root)?.to_string_lossy().replace('\\', "/");
            let is_generated = std::fs::read_to_string(&p)
                .map(|t| t.starts_with("// @generated"))
                .unwrap_or(false);
            if is_generated && !files.contains_key(&rel) {
                stale.push(rel.clone());
                if !check {
                    std::fs::remove_file(&p)?;
                }
            }
        }
    }
    if check {
        if stale.is_empty() {
            println!("generated code is current ({} files)", files.len());
        } else {
            for s in &stale {
                eprintln!("stale: {s}");
            }
            bail!(
                "{} generated files differ; run `cargo run -p codegen`",
                stale.len()
            );
        }
    } else {
        println!("wrote {} of {} generated files", stale.len(), files.len());
    }
    Ok(())
}

/// The workspace root (codegen lives one level below it).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen is inside the workspace")
        .to_path_buf()
}

/// Produces every generated file (path relative to the workspace root -> content).
pub fn generate(models_dir: &Path, root: &Path) -> Result<BTreeMap<String, String>> {
    let list = std::fs::read_to_string(root.join("codegen/models.txt"))?;
    let patches: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("codegen/patches.json"))?)?;
    let overlay: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("codegen/overlay.json"))?)?;
    let roles: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("codegen/roles.json"))?)?;
    let mut models = Vec::new();
    for rel in list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let path = models_dir.join(rel);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading model {}", path.display()))?;
        let mut doc: Value = serde_json::from_str(&text)?;
        spapi_conformance::patches::apply(rel, &mut doc, &patches).map_err(anyhow::Error::msg)?;
        let api = names::api_key(rel, &doc)?;
        models.push(Model {
            rel: rel.to_string(),
            api,
            doc,
        });
    }
    let mut files = render::render_all(&models, &overlay, &roles)?;
    for (path, text) in files.iter_mut() {
        if path.ends_with(".rs") {
            *text = rustfmt(root, text).with_context(|| format!("formatting {path}"))?;
        }
    }
    Ok(files)
}

/// Formats generated Rust with the project's rustfmt settings, so that `cargo fmt --check`
/// and the idempotence check agree.
fn rustfmt(root: &Path, text: &str) -> Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .arg("--edition=2024")
        .arg("--config-path")
        .arg(root.join("rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt")?;
    let mut stdin = child.stdin.take().context("rustfmt stdin")?;
    let input = text.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output()?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("rustfmt writer panicked"))??;
    if !out.status.success() {
        bail!("rustfmt failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}
