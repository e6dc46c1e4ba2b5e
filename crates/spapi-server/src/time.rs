//! Time values as SP-API writes them.

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
