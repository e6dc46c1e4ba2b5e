//! Turning model names into Rust names.

use anyhow::{Context, Result};
use serde_json::Value;

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The module key of a model: its file stem in snake case, with the model's version appended
/// when the stem carries none (`ordersV0` -> `orders_v0`, `notifications` -> `notifications_v1`,
/// `catalogItems_2022-04-01` -> `catalog_items_2022_04_01`).
pub fn api_key(rel: &str, doc: &Value) -> Result<String> {
    let file = rel.rsplit('/').next().context("empty model path")?;
    let stem = file.trim_end_matches(".json");
    let stem = stem
        .trim_end_matches("-with-deprecated-operations")
        .replace("ApiModel", "");
    let mut key = snake(&stem);
    let version = doc["info"]["version"].as_str().unwrap_or("");
    let has_version = key.rsplit('_').next().is_some_and(|last| {
        (last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit()) && last.len() > 1)
            || last.chars().all(|c| c.is_ascii_digit())
    });
    if !has_version && !version.is_empty() {
        key = format!("{key}_{}", snake(version));
    }
    Ok(key)
}

/// snake_case of a camelCase / PascalCase / kebab / dotted name.
pub fn snake(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary && !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        return "value".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        return format!("n_{out}");
    }
    out
}

/// A field or function identifier: snake case, keywords raw (`r#type`).
pub fn field_ident(s: &str) -> String {
    let s = snake(s);
    if s == "self" || s == "super" || s == "crate" || s == "Self" {
        return format!("{s}_");
    }
    if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// PascalCase of an arbitrary name (`ANY_OFFER_CHANGED` -> `AnyOfferChanged`,
/// `getOrders` -> `GetOrders`).
pub fn pascal(s: &str) -> String {
    let mut out = String::new();
    for word in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let all_upper = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut cs = word.chars();
        if let Some(f) = cs.next() {
            out.push(f.to_ascii_uppercase());
            if all_upper {
                out.extend(cs.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(cs);
            }
        }
    }
    if out.is_empty() {
        out.push_str("Empty");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    out
}

/// A type name from a definition name: kept as it is when it is already a Rust identifier
/// (so readers can grep Amazon's names), PascalCase otherwise.
pub fn type_name(s: &str) -> String {
    let valid = s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.starts_with(|c: char| c.is_ascii_alphabetic());
    let mut name = if valid {
        let mut cs = s.chars();
        let f = cs.next().unwrap_or('X').to_ascii_uppercase();
        std::iter::once(f).chain(cs).collect()
    } else {
        pascal(s)
    };
    if name == "Self" {
        name.push('_');
    }
    name
}

/// Rust string literal.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases() {
        assert_eq!(snake("AmazonOrderId"), "amazon_order_id");
        assert_eq!(snake("ASINList"), "asin_list");
        assert_eq!(snake("marketplaceIds"), "marketplace_ids");
        assert_eq!(
            snake("x-amzn-idempotency-token"),
            "x_amzn_idempotency_token"
        );
        assert_eq!(snake("sellerSKU"), "seller_sku");
        assert_eq!(field_ident("type"), "r#type");
    }

    #[test]
    fn pascal_cases() {
        assert_eq!(pascal("ANY_OFFER_CHANGED"), "AnyOfferChanged");
        assert_eq!(pascal("getOrders"), "GetOrders");
        assert_eq!(pascal("3PL"), "V3pl");
        assert_eq!(pascal("application/pdf"), "ApplicationPdf");
    }

    #[test]
    fn api_keys() {
        let v = serde_json::json!({"info": {"version": "v1"}});
        assert_eq!(
            api_key("m/notifications.json", &v).unwrap(),
            "notifications_v1"
        );
        assert_eq!(api_key("m/ordersV0.json", &v).unwrap(), "orders_v0");
        assert_eq!(
            api_key("m/InvoicesApiModel_2024-06-19.json", &v).unwrap(),
            "invoices_2024_06_19"
        );
        assert_eq!(
            api_key("m/catalogItemsV0-with-deprecated-operations.json", &v).unwrap(),
            "catalog_items_v0"
        );
    }
}
