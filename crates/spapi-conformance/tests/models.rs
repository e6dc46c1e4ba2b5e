//! Checks the validator against Amazon's official models.
//!
//! Run with `SPAPI_MODELS_DIR=/path/to/selling-partner-api-models`; without it the tests print
//! the skip message and pass (under `CI` they fail instead). The list of operations in scope is
//! read from `$SPAPI_MODELS_DIR/../operations.tsv`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use spapi_conformance::{Conformance, ViolationKind};

const ORDERS: &str = "models/orders-api-model/ordersV0.json";

/// The (model, operationId) pairs of operations.tsv, or `None` (with a message) when absent.
fn operations(conformance: &Conformance) -> Option<Vec<(String, String)>> {
    let Some(tsv) = conformance.dir().parent().map(|p| p.join("operations.tsv")) else {
        eprintln!("skipping: the models dir has no parent holding operations.tsv");
        return None;
    };
    read_operations(&tsv)
}

fn read_operations(tsv: &Path) -> Option<Vec<(String, String)>> {
    let Ok(text) = std::fs::read_to_string(tsv) else {
        eprintln!("skipping: {} not found", tsv.display());
        return None;
    };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split('\t').collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(op_col), Some(model_col)) = (column("operationId"), column("model")) else {
        panic!(
            "{}: no operationId/model columns in {header:?}",
            tsv.display()
        );
    };
    let mut seen = BTreeSet::new();
    let rows = lines
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            (cells[model_col].to_owned(), cells[op_col].to_owned())
        })
        .filter(|row| seen.insert(row.clone()))
        .collect();
    Some(rows)
}

#[test]
fn every_documented_schema_compiles() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let Some(rows) = operations(conformance) else {
        return;
    };
    let mut failures = Vec::new();
    let (mut with_schema, mut without_schema) = (0, 0);
    for (model, operation_id) in &rows {
        let statuses = conformance.documented_statuses(model, operation_id);
        if statuses.is_empty() {
            failures.push(format!("{model} {operation_id}: no documented statuses"));
        }
        for status in statuses {
            match conformance.compile(model, operation_id, status) {
                Ok(true) => with_schema += 1,
                Ok(false) => without_schema += 1,
                Err(violation) => failures.push(violation.to_string()),
            }
        }
    }
    eprintln!(
        "{} operations: {with_schema} responses with a schema, {without_schema} without",
        rows.len()
    );
    assert!(
        failures.is_empty(),
        "{} response schemas failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(with_schema > 0);
}

#[test]
fn amazon_examples_mostly_conform() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let Some(rows) = operations(conformance) else {
        return;
    };
    let mut passed = 0usize;
    let mut failed = Vec::new();
    for (model, operation_id) in &rows {
        for status in conformance.documented_statuses(model, operation_id) {
            let Some(example) = conformance.example(model, operation_id, status) else {
                continue;
            };
            match conformance.validate(model, operation_id, status, &example) {
                Ok(()) => passed += 1,
                Err(violation) => failed.push(violation),
            }
        }
    }
    let total = passed + failed.len();
    eprintln!(
        "examples: {total} validated, {passed} conform, {} do not",
        failed.len()
    );
    for violation in &failed {
        eprintln!("--- {violation}");
    }
    assert!(total > 0, "no application/json examples found");
    // Some of Amazon's examples are wrong; they must not crash the validator, and most pass.
    assert!(
        passed * 10 >= total * 9,
        "only {passed} of {total} examples conform"
    );
}

#[test]
fn get_orders_missing_required_fields_is_a_violation() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    // `payload` is an OrdersList, which requires `Orders`.
    let body = json!({"payload": {"NextToken": "abc"}});
    let violation = conformance
        .validate(ORDERS, "getOrders", 200, &body)
        .expect_err("payload without Orders must not conform");
    assert!(
        violation.pointers().contains(&"/payload"),
        "pointers: {:?}",
        violation.pointers()
    );
    let text = violation.to_string();
    assert!(text.contains("getOrders"), "{text}");
    assert!(text.contains("/payload"), "{text}");
    assert!(text.contains("Orders"), "{text}");
    assert!(
        text.contains("NextToken"),
        "the body excerpt is shown: {text}"
    );

    // An order without its required fields.
    let body = json!({"payload": {"Orders": [{"AmazonOrderId": "902-3159896-1390916"}]}});
    let violation = conformance
        .validate(ORDERS, "getOrders", 200, &body)
        .expect_err("an order without PurchaseDate etc. must not conform");
    assert!(
        violation
            .errors()
            .iter()
            .any(|e| e.instance_path == "/payload/Orders/0" && e.message.contains("PurchaseDate")),
        "{violation}"
    );
}

#[test]
fn get_orders_wrong_type_is_a_violation() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let order = json!({
        "AmazonOrderId": 9_023_159_896_u64,
        "PurchaseDate": "2017-01-20T19:49:35Z",
        "LastUpdateDate": "2017-01-20T19:49:35Z",
        "OrderStatus": "Pending"
    });
    let body = json!({"payload": {"Orders": [order]}});
    let violation = conformance
        .validate(ORDERS, "getOrders", 200, &body)
        .expect_err("a numeric AmazonOrderId must not conform");
    assert_eq!(
        violation.pointers(),
        ["/payload/Orders/0/AmazonOrderId"],
        "{violation}"
    );
    assert!(
        violation
            .to_string()
            .contains("/payload/Orders/0/AmazonOrderId")
    );

    let body = json!({"payload": {"Orders": "none"}});
    let violation = conformance
        .validate(ORDERS, "getOrders", 200, &body)
        .expect_err("Orders must be an array");
    assert_eq!(violation.pointers(), ["/payload/Orders"], "{violation}");

    // The same order with a string id conforms (with formats off, dates are not checked).
    let mut good = order.clone();
    good["AmazonOrderId"] = json!("902-3159896-1390916");
    let body = json!({"payload": {"Orders": [good]}});
    conformance.assert_conforms(ORDERS, "getOrders", 200, &body);
}

#[test]
fn get_orders_error_envelopes() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let ok = json!({"errors": [{"code": "InvalidInput", "message": "x"}]});
    conformance.assert_conforms(ORDERS, "getOrders", 400, &ok);

    let missing_code = json!({"errors": [{"message": "x"}]});
    let violation = conformance
        .validate(ORDERS, "getOrders", 400, &missing_code)
        .expect_err("an error without code must not conform");
    assert_eq!(violation.pointers(), ["/errors/0"], "{violation}");
    assert!(
        violation.errors()[0].message.contains("code"),
        "{violation}"
    );
}

#[test]
fn lookup_failures_are_violations_not_panics() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let body = json!({});
    let violation = conformance
        .validate(ORDERS, "noSuchOperation", 200, &body)
        .unwrap_err();
    assert_eq!(violation.kind, ViolationKind::UnknownOperation);
    assert!(violation.to_string().contains("noSuchOperation"));

    let violation = conformance
        .validate("models/nope/nope.json", "getOrders", 200, &body)
        .unwrap_err();
    assert!(
        matches!(violation.kind, ViolationKind::UnknownModel { .. }),
        "{violation}"
    );
    let violation = conformance
        .validate("../operations.tsv", "getOrders", 200, &body)
        .unwrap_err();
    assert!(
        matches!(violation.kind, ViolationKind::UnknownModel { .. }),
        "{violation}"
    );

    let violation = conformance
        .validate(ORDERS, "getOrders", 418, &body)
        .unwrap_err();
    match &violation.kind {
        ViolationKind::UndocumentedStatus { documented } => {
            assert!(documented.contains(&"200".to_owned()), "{violation}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        conformance
            .schema_for(ORDERS, "noSuchOperation", 200)
            .is_none()
    );
    assert!(conformance.example(ORDERS, "getOrders", 418).is_none());
}

#[test]
fn helpers_describe_get_orders() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let statuses = conformance.documented_statuses(ORDERS, "getOrders");
    assert_eq!(statuses, [200, 400, 403, 404, 429, 500, 503]);

    let schema = conformance
        .schema_for(ORDERS, "getOrders", 200)
        .expect("getOrders 200 has a schema");
    assert_eq!(schema["$ref"], "#/definitions/GetOrdersResponse");
    assert!(schema["definitions"]["OrdersList"].is_object());
    assert!(schema["definitions"]["Error"].is_object());
    // Only what the response reaches is copied.
    assert!(
        schema["definitions"]
            .get("UpdateShipmentStatusRequest")
            .is_none()
    );

    let example = conformance
        .example(ORDERS, "getOrders", 200)
        .expect("getOrders 200 has an example");
    assert!(example["payload"]["Orders"].is_array());
    conformance.assert_conforms(ORDERS, "getOrders", 200, &example);
}

#[test]
fn responses_without_schema() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    // Find some response in scope documenting no body, and check that only an empty body fits.
    let Some(rows) = operations(conformance) else {
        return;
    };
    let found = rows.iter().find_map(|(model, operation_id)| {
        conformance
            .documented_statuses(model, operation_id)
            .into_iter()
            .find(|&status| {
                status != 204 && conformance.compile(model, operation_id, status) == Ok(false)
            })
            .map(|status| (model, operation_id, status))
    });
    let Some((model, operation_id, status)) = found else {
        eprintln!("no response without a schema in scope");
        return;
    };
    conformance.assert_conforms(model, operation_id, status, &Value::Null);
    let violation = conformance
        .validate(model, operation_id, status, &json!({"a": 1}))
        .unwrap_err();
    assert_eq!(violation.kind, ViolationKind::UnexpectedBody, "{violation}");
}

#[test]
fn assert_conforms_panics_with_the_violation() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let result = std::panic::catch_unwind(|| {
        conformance.assert_conforms(ORDERS, "getOrders", 200, &json!({"payload": {}}));
    });
    let payload = result.expect_err("a non-conforming body must panic");
    let message = payload
        .downcast_ref::<String>()
        .expect("the panic carries the violation text");
    assert!(message.contains("at /payload"), "{message}");
    assert!(message.contains("getOrders"), "{message}");
}

/// Amazon's static sandbox responses (`x-amzn-api-sandbox.static[].response`) are what the
/// emulator imitates first; report how many match their own schema.
#[test]
fn amazon_sandbox_responses_mostly_conform() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let Some(rows) = operations(conformance) else {
        return;
    };
    let mut passed = 0usize;
    let mut failed = Vec::new();
    let mut models = std::collections::HashMap::new();
    for (model, operation_id) in &rows {
        let doc = models.entry(model.clone()).or_insert_with(|| {
            let text = std::fs::read_to_string(conformance.dir().join(model))
                .unwrap_or_else(|e| panic!("{model}: {e}"));
            serde_json::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{model}: {e}"))
        });
        let operation = doc["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.values())
            .filter_map(Value::as_object)
            .flat_map(|item| item.values())
            .find(|op| op["operationId"] == operation_id.as_str());
        let Some(operation) = operation else {
            panic!("{model}: no operation {operation_id}");
        };
        for status in conformance.documented_statuses(model, operation_id) {
            let cases = &operation["responses"][status.to_string()]["x-amzn-api-sandbox"]["static"];
            for case in cases.as_array().into_iter().flatten() {
                let body = case.get("response").cloned().unwrap_or(Value::Null);
                match conformance.validate(model, operation_id, status, &body) {
                    Ok(()) => passed += 1,
                    Err(violation) => failed.push(violation),
                }
            }
        }
    }
    let total = passed + failed.len();
    eprintln!(
        "sandbox responses: {total} validated, {passed} conform, {} do not",
        failed.len()
    );
    for violation in &failed {
        eprintln!("--- {violation}");
    }
    assert!(
        passed * 10 >= total * 9,
        "only {passed} of {total} sandbox responses conform"
    );
}
