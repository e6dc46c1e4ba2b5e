//! Time values as SP-API reads and writes them: the one parser and the formatters, one per
//! format Amazon uses.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// Parses an ISO-8601 date-time as SP-API accepts it: with an offset or `Z`
/// (`2024-01-02T03:04:05Z`, `2024-01-02T03:04:05.123+01:00`), without one (taken as UTC),
/// or a bare date (midnight UTC).
pub fn parse_date_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(dt) = s.parse::<jiff::civil::DateTime>() {
        return TimeZone::UTC.to_timestamp(dt).ok();
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return TimeZone::UTC
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .ok();
    }
    None
}

/// SP-API's date-time format: UTC, whole seconds (`2024-05-01T12:00:00Z`).
pub fn iso(t: Timestamp) -> String {
    t.round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| t.to_string())
}

/// [`iso`] of epoch microseconds (the store's time unit).
pub fn iso_us(us: i64) -> String {
    iso(Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// The notifications' format: UTC with milliseconds (`2020-01-11T00:09:53.109Z`).
pub fn iso_millis(us: i64) -> String {
    let t = Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH);
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// UTC with every stored digit (`2024-05-01T12:00:00.123456Z`): the control plane's format,
/// where a test compares instants exactly.
pub fn iso_exact(us: i64) -> String {
    Timestamp::from_microsecond(us)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_iso_8601_forms() {
        for ok in [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123Z",
            "2024-01-02T03:04:05+01:00",
            "2024-01-02T03:04:05",
            "2024-01-02",
        ] {
            assert!(parse_date_time(ok).is_some(), "{ok}");
        }
        for bad in [
            "yesterday",
            "2024-13-01T00:00:00Z",
            "",
            "2024-01-02T25:00:00Z",
        ] {
            assert!(parse_date_time(bad).is_none(), "{bad}");
        }
    }
}
