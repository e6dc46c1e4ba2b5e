//! The committed generated code is exactly what codegen produces from the models.

use std::process::Command;

#[test]
fn committed_output_matches_the_models() {
    let Some(dir) = spapi_conformance::models_dir() else {
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_codegen"))
        .arg(&dir)
        .arg("--check")
        .output()
        .expect("running codegen");
    assert!(
        out.status.success(),
        "generated code differs from the models; run `cargo run -p codegen`:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
