//! Checks the validator against Amazon's official models.
//!
//! Run with `SPAPI_MODELS_DIR=/path/to/selling-partner-api-models`; without it the tests print
//! the skip message and pass (under `CI` they fail instead). The list of operations in scope is
//! read from `$SPAPI_MODELS_DIR/../operations.tsv`; without it the tests that need it skip
//! with a message, and fail under `CI`.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use spapi_conformance::{Conformance, ExampleSource, ViolationKind};

const ORDERS: &str = "models/orders-api-model/ordersV0.json";

/// The (model, operationId) pairs of operations.tsv, or `None` (with a message, or a panic
/// under CI) when it is missing.
#[track_caller]
fn operations(conformance: &Conformance, test: &str) -> Option<Vec<(String, String)>> {
    let text = spapi_conformance::operations_tsv(conformance.dir(), test)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("operations.tsv has a header line")
        .split('\t')
        .collect();
    let column = |name: &str| header.iter().position(|h| *h == name);
    let (Some(op_col), Some(model_col)) = (column("operationId"), column("model")) else {
        panic!("operations.tsv: no operationId/model columns in {header:?}");
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
    let Some(rows) = operations(conformance, "every_documented_schema_compiles") else {
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
    let Some(rows) = operations(conformance, "amazon_examples_mostly_conform") else {
        return;
    };
    let mut passed = 0usize;
    let mut failed = Vec::new();
    for (model, operation_id) in &rows {
        let documented = conformance
            .examples(model, operation_id)
            .into_iter()
            .filter(|e| matches!(e.source, ExampleSource::Examples { .. }));
        for example in documented {
            match conformance.validate(model, operation_id, example.status, &example.body) {
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

const FBA_INVENTORY: &str = "models/fba-inventory-api-model/fbaInventory.json";
const FBA_OUTBOUND: &str =
    "models/fulfillment-outbound-api-model/fulfillmentOutbound_2020-07-01.json";
const NOTIFICATIONS: &str = "models/notifications-api-model/notifications.json";

/// The model has neither `examples` nor static sandbox cases for the operation.
const NONE_IN_MODEL: &str = "the model gives no examples and no static sandbox cases";
/// Swagger 2.0 keys `examples` by media type; this model keys them `payload`.
const KEYED_PAYLOAD: &str = "the model keys its examples `payload` instead of a media type, \
                             and gives no static sandbox cases";

/// Operations in scope for which the model gives no example response that
/// [`Conformance::examples`] can read (neither `examples` under a JSON media type nor a static
/// sandbox case), each with the reason. Every other operation must have an example that
/// conforms.
const WITHOUT_EXAMPLES: &[(&str, &str, &str)] = &[
    (FBA_INVENTORY, "getInventorySummaries", NONE_IN_MODEL),
    (FBA_INVENTORY, "createInventoryItem", NONE_IN_MODEL),
    (FBA_INVENTORY, "deleteInventoryItem", NONE_IN_MODEL),
    (FBA_INVENTORY, "addInventory", NONE_IN_MODEL),
    (FBA_OUTBOUND, "getFulfillmentPreview", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "deliveryOffers", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "listAllFulfillmentOrders", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "createFulfillmentOrder", NONE_IN_MODEL),
    (FBA_OUTBOUND, "getPackageTrackingDetails", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "listReturnReasonCodes", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "createFulfillmentReturn", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "getFulfillmentOrder", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "updateFulfillmentOrder", NONE_IN_MODEL),
    (FBA_OUTBOUND, "cancelFulfillmentOrder", NONE_IN_MODEL),
    (
        FBA_OUTBOUND,
        "submitFulfillmentOrderStatusUpdate",
        NONE_IN_MODEL,
    ),
    (FBA_OUTBOUND, "getFeatures", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "getFeatureInventory", KEYED_PAYLOAD),
    (FBA_OUTBOUND, "getFeatureSKU", KEYED_PAYLOAD),
    (
        NOTIFICATIONS,
        "sendTestNotification",
        "the model keys its examples by a name (`Successful Response`, `Response`) instead of \
         a media type, and gives no static sandbox cases",
    ),
];

/// Every operation in scope has at least one of Amazon's example responses that conforms to
/// its schema, or is listed in [`WITHOUT_EXAMPLES`] with the reason; a listed one that has
/// gained an example must leave the list. No example, or none that matches, is a failure.
#[test]
fn every_operation_in_scope_has_a_conforming_example() {
    let Some(conformance) = Conformance::global() else {
        return;
    };
    let test = "every_operation_in_scope_has_a_conforming_example";
    let Some(rows) = operations(conformance, test) else {
        return;
    };
    let exempt = |model: &str, operation_id: &str| {
        WITHOUT_EXAMPLES
            .iter()
            .any(|(m, o, _)| *m == model && *o == operation_id)
    };
    let mut problems = Vec::new();
    for (model, operation_id) in &rows {
        let examples = conformance.examples(model, operation_id);
        if exempt(model, operation_id) {
            if let Some(first) = examples.first() {
                problems.push(format!(
                    "{model} {operation_id}: has {} example(s) now (first: {first}); remove it \
                     from WITHOUT_EXAMPLES",
                    examples.len()
                ));
            }
            continue;
        }
        if examples.is_empty() {
            problems.push(format!(
                "{model} {operation_id}: no example response in the model (list it in \
                 WITHOUT_EXAMPLES with the reason)"
            ));
            continue;
        }
        let violations: Vec<String> = examples
            .iter()
            .filter_map(|e| {
                conformance
                    .validate(model, operation_id, e.status, &e.body)
                    .err()
                    .map(|v| format!("  {e}: {v}"))
            })
            .collect();
        if violations.len() == examples.len() {
            problems.push(format!(
                "{model} {operation_id}: none of its {} example(s) conforms:\n{}",
                examples.len(),
                violations.join("\n")
            ));
        }
    }
    for (model, operation_id, reason) in WITHOUT_EXAMPLES {
        if reason.trim().is_empty() {
            problems.push(format!("{model} {operation_id}: exempt without a reason"));
        }
        if !rows.iter().any(|(m, o)| m == model && o == operation_id) {
            problems.push(format!(
                "{model} {operation_id}: in WITHOUT_EXAMPLES but not in scope"
            ));
        }
    }
    eprintln!(
        "{} operations in scope, {} without examples (listed)",
        rows.len(),
        WITHOUT_EXAMPLES.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
    let Some(rows) = operations(conformance, "responses_without_schema") else {
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
    // The models in scope document such responses; none found means the lookup broke, not
    // that there is nothing to check.
    let (model, operation_id, status) = found.expect("a response without a schema in scope");
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
    let Some(rows) = operations(conformance, "amazon_sandbox_responses_mostly_conform") else {
        return;
    };
    let mut passed = 0usize;
    let mut failed = Vec::new();
    for (model, operation_id) in &rows {
        let cases = conformance
            .examples(model, operation_id)
            .into_iter()
            .filter(|e| matches!(e.source, ExampleSource::SandboxCase { .. }));
        for case in cases {
            match conformance.validate(model, operation_id, case.status, &case.body) {
                Ok(()) => passed += 1,
                Err(violation) => failed.push(violation),
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
    assert!(total > 0, "no static sandbox responses found");
    assert!(
        passed * 10 >= total * 9,
        "only {passed} of {total} sandbox responses conform"
    );
}
