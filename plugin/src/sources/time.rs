//! Timestamps as the sources write them, to microseconds since the Unix epoch (UTC).

use chrono::{DateTime, NaiveDateTime, SecondsFormat};

/// RFC 3339 / ISO 8601 with offset (`2026-03-02T10:15:04Z`, `2026-03-02T10:15:04.123456+00:00`).
/// Lake and SIEM exports write the same instant without `T` or zone (`2026-03-02 10:15:04.123`, as
/// Athena prints a `timestamp`); those are read as UTC.
pub fn rfc3339_micros(text: &str) -> Option<i64> {
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.timestamp_micros()),
        Err(_) => zoneless_micros(text),
    }
}

/// `YYYY-MM-DD HH:MM:SS[.f]` or `YYYY-MM-DDTHH:MM:SS[.f]` with no zone, read as UTC.
fn zoneless_micros(text: &str) -> Option<i64> {
    let text = text.trim();
    // Only the date-and-time shapes: a bare date or a time with a zone we could not read stays unread.
    if text.len() < 19 || text.len() > 29 {
        return None;
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|t| t.and_utc().timestamp_micros())
}

/// Epoch milliseconds as OCSF writes `time`, to RFC 3339 UTC (`2026-11-27T08:20:33Z`, with
/// milliseconds only when there are some). Values too large to be milliseconds of a plausible date
/// (beyond the year 5138) are read as microseconds, which some OCSF producers write.
pub fn epoch_millis_rfc3339(value: i64) -> Option<String> {
    let micros = if value.unsigned_abs() >= 100_000_000_000_000 {
        value
    } else {
        value.checked_mul(1000)?
    };
    DateTime::from_timestamp_micros(micros).map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
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
        assert_eq!(rfc3339_micros("1970-01-01 00:00:01"), Some(1_000_000));
        assert_eq!(rfc3339_micros("1970-01-01 00:00:01.250"), Some(1_250_000));
        assert_eq!(rfc3339_micros("1970-01-01T00:00:02"), Some(2_000_000));
        assert_eq!(rfc3339_micros("1970-01-01"), None);
        assert_eq!(rfc3339_micros("1970-01-01 25:00:00"), None);
    }

    #[test]
    fn ocsf_epoch_times() {
        assert_eq!(
            epoch_millis_rfc3339(1_795_767_304_000).as_deref(),
            Some("2026-11-27T08:15:04Z")
        );
        assert_eq!(
            epoch_millis_rfc3339(1_795_767_304_250).as_deref(),
            Some("2026-11-27T08:15:04.250Z")
        );
        assert_eq!(
            epoch_millis_rfc3339(1_795_767_304_250_000).as_deref(),
            Some("2026-11-27T08:15:04.250Z")
        );
        assert_eq!(epoch_millis_rfc3339(i64::MAX), None);
    }
}
