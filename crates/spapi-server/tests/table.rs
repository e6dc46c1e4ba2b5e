//! The operation table against the list of operations in scope, and the coverage document
//! against the code.

use spapi_model::OPERATIONS;
use std::collections::BTreeMap;

#[test]
fn table_matches_the_operations_in_scope() {
    // Without the models or the list of operations in scope (which sits beside them) this
    // skips with a message; under CI it fails.
    let Some(dir) = spapi_conformance::models_dir() else {
        return;
    };
    let Some(text) =
        spapi_conformance::operations_tsv(&dir, "table_matches_the_operations_in_scope")
    else {
        return;
    };
    let mut expected = BTreeMap::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (method, path, rate, burst) = (cols[2], cols[3], cols[5], cols[6]);
        expected.insert(
            (method.to_string(), path.to_string()),
            (rate.to_string(), burst.to_string()),
        );
    }
    assert_eq!(expected.len(), OPERATIONS.len());
    for op in OPERATIONS {
        let key = (op.method.as_str().to_string(), op.path.to_string());
        let (rate, burst) = expected
            .get(&key)
            .unwrap_or_else(|| panic!("{key:?} not in scope"));
        // Where the model documents no plan, the list may still have one from Amazon's
        // separate documentation; only plans that the model has are compared.
        if let Some(plan) = op.usage_plan {
            let r: f64 = rate
                .parse()
                .unwrap_or_else(|_| panic!("{key:?}: no documented rate"));
            assert!(
                (plan.rate - r).abs() < 1e-9,
                "{key:?}: rate {} vs {r}",
                plan.rate
            );
            assert_eq!(plan.burst.to_string(), *burst, "{key:?}");
        }
    }
}

#[tokio::test]
async fn coverage_document_is_current() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let committed = std::fs::read_to_string(root.join("docs/coverage.md")).unwrap_or_default();
    // The implementations the server runs with.
    let apis = spapi_server::server::coverage_apis().await.unwrap();
    let current = spapi_server::coverage::markdown(&apis);
    assert!(
        committed == current,
        "docs/coverage.md is stale: run `cargo run -p spapi -- operations --markdown > docs/coverage.md`"
    );
}
