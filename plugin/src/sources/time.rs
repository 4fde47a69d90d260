//! Timestamps as the sources write them, to microseconds since the Unix epoch (UTC).

use chrono::{DateTime, NaiveDateTime, SecondsFormat};

/// RFC 3339 / ISO 8601 with offset (`2026-03-02T10:15:04Z`, `2026-03-02T10:15:04.123456+00:00`).
/// Lake and SIEM exports write the same instant without `T` or zone (`2026-03-02 10:15:04.123`, as
/// Athena prints a `timestamp`); those are read as UTC.
pub fn rfc3339_micros(text: &str) -> Option<i64> {
    if let Some(micros) = utc_micros(text.as_bytes()) {
        return Some(micros);
    }
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => Some(t.timestamp_micros()),
        Err(_) => zoneless_micros(text),
    }
}

/// The shape every cloud source writes, `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z`, read without chrono's general
/// parser (a tenth of its instructions: every event's time is read, the fast path's included). `None`
/// for anything else, which chrono then reads; `tests::utc_shape_agrees_with_chrono` holds the two
/// equal.
fn utc_micros(text: &[u8]) -> Option<i64> {
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut value = 0;
        for b in text.get(range)? {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
        }
        Some(value)
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|(at, b)| text.get(*at) != Some(b)) {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let micros = match text.get(19..)? {
        b"Z" => 0,
        [b'.', fraction @ .., b'Z'] if (1..=9).contains(&fraction.len()) => {
            let value = digits(20..20 + fraction.len())?;
            // Scaled to nanoseconds, then truncated to microseconds as chrono's `timestamp_micros`.
            value * 10_i64.pow(9 - fraction.len() as u32) / 1000
        }
        _ => return None,
    };
    // Days from 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's `days_from_civil`).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + micros)
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

    /// Every shape the fast reader takes, and near misses it must leave to chrono, read both ways.
    #[test]
    fn utc_shape_agrees_with_chrono() {
        let chrono = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.timestamp_micros())
        };
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        let fractions = [
            "",
            ".5",
            ".123",
            ".123456",
            ".1234567",
            ".123456789",
            ".999999999",
        ];
        let mut checked = 0;
        for _ in 0..20_000 {
            let text = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z",
                next(10_000),
                next(14),
                next(33),
                next(25),
                next(61),
                next(61),
                fractions[next(fractions.len() as u64) as usize]
            );
            let fast = utc_micros(text.as_bytes());
            if fast.is_some() {
                checked += 1;
            }
            // Whatever the fast reader takes, chrono reads the same; what it leaves, it leaves.
            assert!(fast.is_none() || fast == chrono(&text), "{text}");
            assert_eq!(
                rfc3339_micros(&text),
                fast.or_else(|| rfc3339_micros_chrono(&text)),
                "{text}"
            );
        }
        assert!(
            checked > 10_000,
            "only {checked} valid timestamps generated"
        );
        for text in [
            "2024-02-29T23:59:59.999999Z",
            "1900-02-28T00:00:00Z",
            "2000-02-29T12:00:00Z",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
        ] {
            assert_eq!(utc_micros(text.as_bytes()), chrono(text), "{text}");
            assert!(utc_micros(text.as_bytes()).is_some(), "{text}");
        }
        for text in [
            "1900-02-29T00:00:00Z",
            "2026-11-27t08:15:05Z",
            "2026-11-27T08:15:05z",
            "2026-11-27T08:15:05+00:00",
            "2026-11-27T08:15:05.Z",
            "2026-11-27T08:15:05.1234567890Z",
            "2026-11-27T08:15:60Z",
            "2026-11-27T08:15:05",
            "+2026-11-27T08:15:05Z",
        ] {
            assert_eq!(utc_micros(text.as_bytes()), None, "{text}");
        }
    }

    fn rfc3339_micros_chrono(text: &str) -> Option<i64> {
        match DateTime::parse_from_rfc3339(text) {
            Ok(t) => Some(t.timestamp_micros()),
            Err(_) => zoneless_micros(text),
        }
    }

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
