//! The JSON Schema interpreter: checks submitted attributes against the schema document of
//! their product type and reports Amazon's issues.

use super::Requirements;
use super::schema::schema;
use super::table::ProductTypeSpec;
use serde_json::{Map, Value, json};

/// One problem with a submission, in the Listings API's `Issue` shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Amazon's issue code.
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// `ERROR` or `WARNING`.
    pub severity: &'static str,
    /// The attributes concerned.
    pub attribute_names: Vec<String>,
    /// `MISSING_ATTRIBUTE`, `INVALID_ATTRIBUTE`...
    pub categories: Vec<&'static str>,
}

impl Issue {
    /// The issue as the Listings API's `Issue` JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "attributeNames": self.attribute_names,
            "categories": self.categories,
        })
    }
}

// Issue codes as Amazon reports them: 90220 for a required attribute that is missing, 99022
// for a value without enough fields or items, 4000001 for a value that is not valid.
/// A required attribute is missing.
pub const MISSING: &str = "90220";
/// A value is not valid.
pub const INVALID: &str = "4000001";
/// A value lacks a field or has too few / too many values.
pub const INCOMPLETE: &str = "99022";

fn missing(name: &str, title: &str) -> Issue {
    Issue {
        code: MISSING,
        message: format!("'{title}' is required but not supplied."),
        severity: "ERROR",
        attribute_names: vec![name.to_string()],
        categories: vec!["MISSING_ATTRIBUTE"],
    }
}

fn invalid(name: &str, title: &str, why: &str) -> Issue {
    Issue {
        code: INVALID,
        message: format!("The provided value for '{title}' is invalid. {why}"),
        severity: "ERROR",
        attribute_names: vec![name.to_string()],
        categories: vec!["INVALID_ATTRIBUTE"],
    }
}

fn incomplete(name: &str, title: &str, why: &str) -> Issue {
    Issue {
        code: INCOMPLETE,
        message: format!("The attribute '{title}' is incomplete. {why}"),
        severity: "ERROR",
        attribute_names: vec![name.to_string()],
        categories: vec!["INVALID_ATTRIBUTE"],
    }
}

/// Checks `value` against a (subset of JSON Schema) `schema`; the first problem, if any.
/// Understood: type, enum, minLength, maxLength, minimum, maximum, pattern (the few shapes the
/// product type schemas use), minItems, maxItems, items, required, properties,
/// additionalProperties: false.
fn check(schema: &Value, value: &Value, at: &str) -> Option<(bool, String)> {
    // (true, _) = a field is missing (incomplete), (false, _) = a value is wrong.
    let ty = schema.get("type").and_then(Value::as_str);
    match ty {
        Some("object") => {
            let Some(obj) = value.as_object() else {
                return Some((false, format!("{at} must be an object.")));
            };
            if let Some(req) = schema.get("required").and_then(Value::as_array) {
                for r in req.iter().filter_map(Value::as_str) {
                    if !obj.contains_key(r) {
                        return Some((true, format!("Required value missing for field '{r}'.")));
                    }
                }
            }
            let props = schema.get("properties").and_then(Value::as_object);
            for (k, v) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => {
                        if let Some(p) = check(s, v, k) {
                            return Some(p);
                        }
                    }
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        return Some((false, format!("The field '{k}' is not allowed.")));
                    }
                    None => {}
                }
            }
            None
        }
        Some("array") => {
            let Some(arr) = value.as_array() else {
                return Some((false, format!("{at} must be an array.")));
            };
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = schema.get("maxItems").and_then(Value::as_u64);
            if arr.len() < min {
                return Some((
                    true,
                    format!(
                        "'{at}' does not have enough values. The required minimum is '{min}' value(s)."
                    ),
                ));
            }
            if let Some(max) = max
                && arr.len() as u64 > max
            {
                return Some((
                    false,
                    format!("'{at}' has too many values. The allowed maximum is '{max}' value(s)."),
                ));
            }
            let items = schema.get("items")?;
            arr.iter().find_map(|v| check(items, v, at))
        }
        Some("string") => {
            let Some(s) = value.as_str() else {
                return Some((false, format!("'{at}' must be text.")));
            };
            if let Some(e) = schema.get("enum").and_then(Value::as_array)
                && !e.iter().any(|x| x.as_str() == Some(s))
            {
                let allowed: Vec<&str> = e.iter().filter_map(Value::as_str).collect();
                return Some((
                    false,
                    format!(
                        "'{s}' is not one of the allowed values: {}.",
                        allowed.join(", ")
                    ),
                ));
            }
            let n = s.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64)
                && n < min
            {
                return Some((false, format!("'{at}' is shorter than {min} characters.")));
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                && n > max
            {
                return Some((false, format!("'{at}' is longer than {max} characters.")));
            }
            if let Some(p) = schema.get("pattern").and_then(Value::as_str)
                && !pattern_matches(p, s)
            {
                return Some((false, format!("'{s}' is not in the expected format.")));
            }
            None
        }
        Some("number") | Some("integer") => {
            let ok = if ty == Some("integer") {
                value.is_i64() || value.is_u64()
            } else {
                value.is_number()
            };
            if !ok {
                return Some((
                    false,
                    format!(
                        "'{at}' must be {}.",
                        if ty == Some("integer") {
                            "a whole number"
                        } else {
                            "a number"
                        }
                    ),
                ));
            }
            let v = value.as_f64().unwrap_or(0.0);
            if let Some(min) = schema.get("minimum").and_then(Value::as_f64)
                && v < min
            {
                return Some((false, format!("'{at}' must be at least {min}.")));
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_f64)
                && v > max
            {
                return Some((false, format!("'{at}' must be at most {max}.")));
            }
            None
        }
        _ => None,
    }
}

/// The few patterns the schemas use: `^[0-9]{a,b}$`, `^[0-9A-Z]{n}$`, `^[A-Z]{n}$`.
fn pattern_matches(pattern: &str, s: &str) -> bool {
    let Some(inner) = pattern.strip_prefix('^').and_then(|p| p.strip_suffix('$')) else {
        return true;
    };
    let Some((class, count)) = inner.split_once(']') else {
        return true;
    };
    let class = class.trim_start_matches('[');
    let ok_char = |c: char| {
        (class.contains("0-9") && c.is_ascii_digit())
            || (class.contains("A-Z") && c.is_ascii_uppercase())
    };
    let count = count.trim_start_matches('{').trim_end_matches('}');
    let (lo, hi) = match count.split_once(',') {
        Some((a, b)) => (a.parse().unwrap_or(0), b.parse().unwrap_or(usize::MAX)),
        None => {
            let n = count.parse().unwrap_or(0);
            (n, n)
        }
    };
    let n = s.chars().count();
    n >= lo && n <= hi && s.chars().all(ok_char)
}

/// Validates `attributes` against the product type's schema for `req` (as served by
/// `getDefinitionsProductType` with the same requirements, enforced). Returns the issues,
/// ordered by attribute name; none means valid.
pub fn validate(
    spec: &ProductTypeSpec,
    req: Requirements,
    attributes: &Map<String, Value>,
    marketplace_id: &str,
) -> Vec<Issue> {
    let doc = schema(spec, req, true).doc;
    let props = doc["properties"].as_object().cloned().unwrap_or_default();
    let attrs = spec.attrs();
    let title_of = |name: &str| {
        attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.title)
            .unwrap_or("")
            .to_string()
    };
    let mut issues = Vec::new();
    for name in doc["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if !attributes.contains_key(name) {
            issues.push(missing(name, &title_of(name)));
        }
    }
    if let Some(any) = doc.get("anyOf").and_then(Value::as_array) {
        let names: Vec<&str> = any
            .iter()
            .filter_map(|s| s["required"][0].as_str())
            .collect();
        if !names.iter().any(|n| attributes.contains_key(*n)) {
            issues.push(Issue {
                code: MISSING,
                message: "A product identifier is required but not supplied: provide \
                          'External Product ID', 'Merchant Suggested ASIN' or a product \
                          identifier exemption."
                    .into(),
                severity: "ERROR",
                attribute_names: names.iter().map(|n| n.to_string()).collect(),
                categories: vec!["MISSING_ATTRIBUTE"],
            });
        }
    }
    for (name, value) in attributes {
        let Some(schema) = props.get(name) else {
            issues.push(invalid(
                name,
                name,
                &format!(
                    "'{name}' is not an attribute of product type '{}'.",
                    spec.name
                ),
            ));
            continue;
        };
        let title = title_of(name);
        if let Some((is_missing, why)) = check(schema, value, name) {
            issues.push(if is_missing {
                incomplete(name, &title, &why)
            } else {
                invalid(name, &title, &why)
            });
            continue;
        }
        // Values for another marketplace than the one submitted to are refused.
        let foreign = value.as_array().into_iter().flatten().any(|v| {
            v.get("marketplace_id")
                .and_then(Value::as_str)
                .is_some_and(|m| m != marketplace_id)
        });
        if foreign {
            issues.push(invalid(
                name,
                &title,
                &format!(
                    "The marketplace_id must be the submitted marketplace '{marketplace_id}'."
                ),
            ));
        }
    }
    issues.sort_by(|a, b| a.attribute_names.cmp(&b.attribute_names));
    issues
}
