//! Money in minor units, written as SP-API writes amounts.

/// Decimal places of a currency's amounts.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "JPY" => 0,
        _ => 2,
    }
}

/// Minor units as the decimal number the JSON APIs write (`1299`, USD -> `12.99`).
pub fn to_decimal(minor: i64, currency: &str) -> f64 {
    minor as f64 / 10f64.powi(exponent(currency) as i32)
}

/// A decimal amount as minor units, rounded to the nearest (`12.99`, USD -> `1299`).
pub fn from_decimal(amount: f64, currency: &str) -> i64 {
    (amount * 10f64.powi(exponent(currency) as i32)).round() as i64
}

/// Formats minor units as a decimal string (`1299`, USD -> `"12.99"`; JPY -> `"1299"`).
pub fn format(minor: i64, currency: &str) -> String {
    let e = exponent(currency);
    if e == 0 {
        return minor.to_string();
    }
    let scale = 10i64.pow(e);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.abs();
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = e as usize
    )
}

/// Parses a decimal string into minor units; `None` if it is not a non-negative amount with
/// at most the currency's decimals.
pub fn parse(amount: &str, currency: &str) -> Option<i64> {
    let e = exponent(currency) as usize;
    let amount = amount.trim();
    let (whole, frac) = amount.split_once('.').unwrap_or((amount, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > e || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<e$}").parse().ok()?
    };
    whole.checked_mul(10i64.pow(e as u32))?.checked_add(frac)
}

/// The wire `Money` of the Orders API.
pub fn money(minor: i64, currency: &str) -> spapi_model::orders_v0::Money {
    spapi_model::orders_v0::Money {
        currency_code: Some(currency.to_string()),
        amount: Some(format(minor, currency)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(format(1299, "USD"), "12.99");
        assert_eq!(format(5, "EUR"), "0.05");
        assert_eq!(format(1299, "JPY"), "1299");
        assert_eq!(parse("12.99", "USD"), Some(1299));
        assert_eq!(parse("12.9", "USD"), Some(1290));
        assert_eq!(parse("12", "USD"), Some(1200));
        assert_eq!(parse("12.999", "USD"), None);
        assert_eq!(parse("-1", "USD"), None);
        assert_eq!(parse("1.5", "JPY"), None);
    }
}
