//! Parameter validation from the operation table: required, type, enum, date-time, length,
//! pattern, range and item count. Every failure is 400 `InvalidInput` naming the parameter.

use super::error::ApiError;
use super::query::QueryParams;
use super::router::Router;
use axum::http::HeaderMap;
use spapi_model::{Location, Operation, Param, ParamType};

/// Checks every non-body parameter of `op` in the request; the first violation is returned.
pub fn validate(
    router: &Router,
    op: &Operation,
    path: &[(&'static str, String)],
    query: &QueryParams,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    for p in op.params {
        let values: Vec<String> = match p.location {
            Location::Body => continue,
            Location::Path => path
                .iter()
                .filter(|(n, _)| *n == p.name)
                .map(|(_, v)| v.clone())
                .collect(),
            Location::Query if p.ty == ParamType::Array => query.array(p),
            Location::Query => query
                .first(p.name)
                .map(|v| vec![v.to_string()])
                .unwrap_or_default(),
            Location::Header => headers
                .get(p.name)
                .and_then(|v| v.to_str().ok())
                .map(|v| vec![v.to_string()])
                .unwrap_or_default(),
        };
        check(router, p, &values)?;
    }
    Ok(())
}

fn check(router: &Router, p: &Param, values: &[String]) -> Result<(), ApiError> {
    let name = p.name;
    let bad = |details: String| ApiError::invalid_parameter(name, details);
    let present = values.iter().any(|v| !v.is_empty());
    if !present {
        if p.required {
            return Err(bad(format!("{name} is required.")));
        }
        return Ok(());
    }
    if p.ty == ParamType::Array {
        let n = values.len() as u64;
        if let Some(max) = p.max_items
            && n > max
        {
            return Err(bad(format!(
                "{name} has {n} values; at most {max} are allowed."
            )));
        }
        if let Some(min) = p.min_items
            && n < min
        {
            return Err(bad(format!(
                "{name} has {n} values; at least {min} are required."
            )));
        }
    }
    let item_type = if p.ty == ParamType::Array {
        p.item_type.unwrap_or(ParamType::String)
    } else {
        p.ty
    };
    for v in values {
        check_value(router, p, item_type, v).map_err(bad)?;
    }
    Ok(())
}

fn check_value(router: &Router, p: &Param, ty: ParamType, v: &str) -> Result<(), String> {
    let name = p.name;
    match ty {
        ParamType::Integer => {
            let n: i64 = v
                .trim()
                .parse()
                .map_err(|_| format!("{name} must be an integer."))?;
            range(p, n as f64)?;
        }
        ParamType::Number => {
            let n: f64 = v
                .trim()
                .parse()
                .map_err(|_| format!("{name} must be a number."))?;
            range(p, n)?;
        }
        ParamType::Boolean
            if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") =>
        {
            return Err(format!("{name} must be true or false."));
        }
        _ => {}
    }
    match p.format {
        Some("date-time") if crate::time::parse_date_time(v).is_none() => {
            return Err(format!("Invalid Date-Time field(s) [{name}]."));
        }
        Some("date") if v.parse::<jiff::civil::Date>().is_err() => {
            return Err(format!("Invalid Date field(s) [{name}]."));
        }
        _ => {}
    }
    if !p.enum_values.is_empty() && !p.enum_values.contains(&v) {
        return Err(format!(
            "{name} value '{v}' is not one of [{}].",
            p.enum_values.join(", ")
        ));
    }
    let len = v.chars().count() as u64;
    if let Some(max) = p.max_length
        && len > max
    {
        return Err(format!("{name} is longer than {max} characters."));
    }
    if let Some(min) = p.min_length
        && len < min
    {
        return Err(format!("{name} is shorter than {min} characters."));
    }
    if let Some(re) = p.pattern.and_then(|pat| router.pattern(pat))
        && !re.is_match(v)
    {
        return Err(format!(
            "{name} does not match the pattern {}.",
            re.as_str()
        ));
    }
    Ok(())
}

fn range(p: &Param, n: f64) -> Result<(), String> {
    if let Some(min) = p.minimum
        && n < min
    {
        return Err(format!("{} must be at least {min}.", p.name));
    }
    if let Some(max) = p.maximum
        && n > max
    {
        return Err(format!("{} must be at most {max}.", p.name));
    }
    Ok(())
}
