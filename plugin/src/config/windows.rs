//! Maintenance windows: absolute RFC 3339 ranges and weekly recurrences in a named time zone. Changes
//! inside a declared window are the strategy's "maintenance and upgrades" look-alike; a suppression
//! naming the window keeps such findings, marked suppressed.

use chrono::{DateTime, Utc, Weekday};
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WindowDocument {
    name: String,
    /// RFC 3339 start of a one-off window.
    start: Option<String>,
    /// RFC 3339 end of a one-off window (exclusive).
    end: Option<String>,
    weekly: Option<WeeklyDocument>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct WeeklyDocument {
    /// `mon` … `sun` (or full names).
    days: Vec<String>,
    /// `HH:MM`, local time in `time_zone`.
    start: String,
    /// `HH:MM`; at or before `start` means the window runs past midnight into the next day.
    end: String,
    /// IANA name (`Europe/Berlin`, `UTC`).
    time_zone: String,
}

#[derive(Debug, Clone)]
pub struct MaintenanceWindow {
    pub name: String,
    kind: WindowKind,
}

#[derive(Debug, Clone)]
enum WindowKind {
    Absolute {
        start: i64,
        end: i64,
    },
    Weekly {
        /// Indexed by days from Monday.
        days: [bool; 7],
        start_minute: u32,
        end_minute: u32,
        zone: TimeZone,
    },
}

impl MaintenanceWindow {
    /// Whether the instant (microseconds since the epoch, UTC) falls inside the window.
    pub fn contains(&self, micros: i64) -> bool {
        match &self.kind {
            WindowKind::Absolute { start, end } => (*start..*end).contains(&micros),
            WindowKind::Weekly {
                days,
                start_minute,
                end_minute,
                zone,
            } => {
                let Ok(instant) = jiff::Timestamp::from_microsecond(micros) else {
                    return false;
                };
                let local = zone.to_datetime(instant);
                let minute = u32::from(local.hour().unsigned_abs()) * 60
                    + u32::from(local.minute().unsigned_abs());
                let today = usize::from(local.weekday().to_monday_zero_offset().unsigned_abs());
                let yesterday = usize::from(
                    local
                        .weekday()
                        .previous()
                        .to_monday_zero_offset()
                        .unsigned_abs(),
                );
                if start_minute < end_minute {
                    days[today] && (*start_minute..*end_minute).contains(&minute)
                } else {
                    // Overnight: the evening part belongs to the listed day, the morning part to
                    // the day after it.
                    (days[today] && minute >= *start_minute)
                        || (days[yesterday] && minute < *end_minute)
                }
            }
        }
    }

    /// A human description for reasons.
    pub fn describe(&self) -> String {
        match &self.kind {
            WindowKind::Absolute { start, end } => format!(
                "maintenance window {:?} ({} to {})",
                self.name,
                rfc3339(*start),
                rfc3339(*end)
            ),
            WindowKind::Weekly {
                days,
                start_minute,
                end_minute,
                zone,
            } => {
                let names: Vec<&str> = DAYS
                    .iter()
                    .zip(days)
                    .filter(|(_, on)| **on)
                    .map(|(d, _)| d.0)
                    .collect();
                format!(
                    "maintenance window {:?} (weekly {} {:02}:{:02}-{:02}:{:02} {})",
                    self.name,
                    names.join(","),
                    start_minute / 60,
                    start_minute % 60,
                    end_minute / 60,
                    end_minute % 60,
                    zone.iana_name().unwrap_or("UTC")
                )
            }
        }
    }
}

fn rfc3339(micros: i64) -> String {
    DateTime::<Utc>::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| micros.to_string())
}

const DAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "monday", Weekday::Mon),
    ("tue", "tuesday", Weekday::Tue),
    ("wed", "wednesday", Weekday::Wed),
    ("thu", "thursday", Weekday::Thu),
    ("fri", "friday", Weekday::Fri),
    ("sat", "saturday", Weekday::Sat),
    ("sun", "sunday", Weekday::Sun),
];

pub fn validate(documents: Vec<WindowDocument>) -> Result<Vec<MaintenanceWindow>, ConfigError> {
    let mut windows: Vec<MaintenanceWindow> = Vec::new();
    for (i, doc) in documents.into_iter().enumerate() {
        let path = format!("maintenance_windows[{i}]");
        if doc.name.trim().is_empty() {
            return Err(ConfigError::at(format!("{path}.name"), "must not be empty"));
        }
        if windows.iter().any(|w| w.name == doc.name) {
            return Err(ConfigError::at(
                format!("{path}.name"),
                format!("{:?} is declared twice", doc.name),
            ));
        }
        let kind = match (doc.start, doc.end, doc.weekly) {
            (Some(start), Some(end), None) => {
                let start = instant(&start, &format!("{path}.start"))?;
                let end = instant(&end, &format!("{path}.end"))?;
                if end <= start {
                    return Err(ConfigError::at(
                        format!("{path}.end"),
                        "must be after start",
                    ));
                }
                WindowKind::Absolute { start, end }
            }
            (None, None, Some(weekly)) => weekly_kind(weekly, &format!("{path}.weekly"))?,
            _ => {
                return Err(ConfigError::at(
                    path,
                    "give either start and end (RFC 3339) or weekly {days, start, end, time_zone}",
                ));
            }
        };
        windows.push(MaintenanceWindow {
            name: doc.name,
            kind,
        });
    }
    Ok(windows)
}

fn instant(text: &str, path: &str) -> Result<i64, ConfigError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc).timestamp_micros())
        .map_err(|e| {
            ConfigError::at(
                path,
                format!("{text:?} is not an RFC 3339 time ({e}); e.g. \"2026-11-28T22:00:00Z\""),
            )
        })
}

fn weekly_kind(doc: WeeklyDocument, path: &str) -> Result<WindowKind, ConfigError> {
    if doc.days.is_empty() {
        return Err(ConfigError::at(
            format!("{path}.days"),
            "name at least one day",
        ));
    }
    let mut days = [false; 7];
    for (j, name) in doc.days.iter().enumerate() {
        let lower = name.to_ascii_lowercase();
        let index = DAYS
            .iter()
            .position(|(short, long, _)| *short == lower || *long == lower)
            .ok_or_else(|| {
                ConfigError::at(
                    format!("{path}.days[{j}]"),
                    format!("{name:?} is not a day (mon, tue, wed, thu, fri, sat, sun)"),
                )
            })?;
        days[index] = true;
    }
    let start_minute = clock_time(&doc.start, &format!("{path}.start"))?;
    let end_minute = clock_time(&doc.end, &format!("{path}.end"))?;
    if start_minute == end_minute {
        return Err(ConfigError::at(
            format!("{path}.end"),
            "equals start: a window must have a length",
        ));
    }
    // jiff's bundled zone database (`tzdb-bundle-always`): about a quarter of chrono-tz's tables in
    // the Fluent Bit module (docs/integration.md, "Module size"), every IANA name kept.
    let zone = TimeZone::get(&doc.time_zone).map_err(|_| {
        ConfigError::at(
            format!("{path}.time_zone"),
            format!(
                "{:?} is not an IANA time zone name (like \"Europe/Berlin\" or \"UTC\")",
                doc.time_zone
            ),
        )
    })?;
    Ok(WindowKind::Weekly {
        days,
        start_minute,
        end_minute,
        zone,
    })
}

fn clock_time(text: &str, path: &str) -> Result<u32, ConfigError> {
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
        (h < 24 && m < 60 && text.len() == 5).then_some(h * 60 + m)
    });
    parsed.ok_or_else(|| ConfigError::at(path, format!("{text:?} is not a time as HH:MM")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(json: &str) -> Result<MaintenanceWindow, ConfigError> {
        let doc: WindowDocument = serde_json::from_str(json).expect("document");
        validate(vec![doc]).map(|mut w| w.remove(0))
    }

    fn at(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .timestamp_micros()
    }

    #[test]
    fn absolute_windows_are_half_open() {
        let w = window(
            r#"{"name":"upgrade","start":"2026-11-27T22:00:00Z","end":"2026-11-28T02:00:00Z"}"#,
        )
        .expect("valid");
        assert!(w.contains(at("2026-11-27T22:00:00Z")));
        assert!(w.contains(at("2026-11-28T01:59:59Z")));
        assert!(!w.contains(at("2026-11-28T02:00:00Z")));
        assert!(!w.contains(at("2026-11-27T21:59:59Z")));
    }

    #[test]
    fn weekly_windows_follow_the_time_zone_and_cross_midnight() {
        // Saturday 23:00 to Sunday 03:00 Berlin time (UTC+1 in November).
        let w = window(
            r#"{"name":"patching","weekly":{"days":["sat"],"start":"23:00","end":"03:00","time_zone":"Europe/Berlin"}}"#,
        )
        .expect("valid");
        // 2026-11-28 is a Saturday.
        assert!(w.contains(at("2026-11-28T22:30:00Z"))); // Sat 23:30 local
        assert!(w.contains(at("2026-11-29T01:30:00Z"))); // Sun 02:30 local
        assert!(!w.contains(at("2026-11-29T02:30:00Z"))); // Sun 03:30 local
        assert!(!w.contains(at("2026-11-28T21:30:00Z"))); // Sat 22:30 local
        assert!(!w.contains(at("2026-11-27T22:30:00Z"))); // Fri 23:30 local
        // Summer time shifts the UTC instant: 2026-07-04 is a Saturday, Berlin is UTC+2.
        assert!(w.contains(at("2026-07-04T21:30:00Z")));
        assert!(!w.contains(at("2026-07-04T20:30:00Z")));
    }

    #[test]
    fn bad_windows_name_the_key() {
        let cases = [
            (
                r#"{"name":"a","start":"2026-11-27 22:00","end":"2026-11-28T02:00:00Z"}"#,
                "maintenance_windows[0].start",
            ),
            (
                r#"{"name":"a","start":"2026-11-28T22:00:00Z","end":"2026-11-28T02:00:00Z"}"#,
                "maintenance_windows[0].end",
            ),
            (
                r#"{"name":"a","weekly":{"days":["funday"],"start":"01:00","end":"02:00","time_zone":"UTC"}}"#,
                "maintenance_windows[0].weekly.days[0]",
            ),
            (
                r#"{"name":"a","weekly":{"days":["mon"],"start":"25:00","end":"02:00","time_zone":"UTC"}}"#,
                "maintenance_windows[0].weekly.start",
            ),
            (
                r#"{"name":"a","weekly":{"days":["mon"],"start":"01:00","end":"02:00","time_zone":"Mars/Olympus"}}"#,
                "maintenance_windows[0].weekly.time_zone",
            ),
            (r#"{"name":"a"}"#, "maintenance_windows[0]"),
        ];
        for (json, path) in cases {
            let err = window(json).expect_err(json);
            assert_eq!(err.path, path, "{json}: {err}");
        }
    }
}
