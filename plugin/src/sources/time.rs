//! Timestamps as the sources write them, to microseconds since the Unix epoch (UTC).

use chrono::DateTime;

/// RFC 3339 / ISO 8601 with offset (`2026-03-02T10:15:04Z`, `2026-03-02T10:15:04.123456+00:00`).
pub fn rfc3339_micros(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// Seconds (with optional fraction) since the epoch, as Docker and flow logs write them.
pub fn epoch_seconds_micros(seconds: i64) -> Option<i64> {
    seconds.checked_mul(1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_sources_write() {
        assert_eq!(rfc3339_micros("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(
            rfc3339_micros("1970-01-01T00:00:01.5+00:00"),
            Some(1_500_000)
        );
        assert_eq!(rfc3339_micros("1970-01-01T01:00:01+01:00"), Some(1_000_000));
        assert_eq!(rfc3339_micros("yesterday"), None);
        assert_eq!(epoch_seconds_micros(i64::MAX), None);
    }
}
