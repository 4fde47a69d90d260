//! Recorded events turned into fill-in templates. A template is the event's text cut at the values that
//! must change from event to event (ids, timestamps, addresses); rendering writes the literal pieces and
//! fresh values in between. Working on the text keeps every other byte (key order, nesting, escapes)
//! exactly as the service wrote it, and costs no JSON tree per generated event.

use std::fmt::Write as _;

use anyhow::{Context, Result, bail};

use super::rng::SplitMix64;

/// How a timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeFormat {
    /// `2026-11-27T08:01:12Z` (CloudTrail).
    Seconds,
    /// `2026-11-27T08:01:12.025000Z` (Kubernetes audit).
    Micros,
    /// `2026-11-27T08:01:12.1234567Z` (Azure).
    Ticks,
    /// `2026-11-27T08:01:12.118273645Z` (GCP).
    Nanos,
    /// Unix seconds as a JSON number (Docker `time`).
    UnixSeconds,
    /// Unix nanoseconds as a JSON number (Docker `timeNano`).
    UnixNanos,
}

/// A value that changes per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A v4-shaped UUID whose last 12 digits are the event's sequence number, so ids never repeat.
    Uuid,
    /// The event's time, shifted by the given milliseconds.
    Time(TimeFormat, u32),
    /// A source address from the pool.
    Ip,
    /// An AWS SDK or console user agent from the pool.
    UserAgent,
    /// GCP `insertId`: 12 lower-case base-36 characters, unique by sequence number.
    InsertId,
    /// A read-only CloudTrail call's `eventSource` and `eventName` (drawn once per event).
    ReadSource,
    ReadName,
}

/// Where a slot's value sits in the recorded event: a JSON pointer to a string or number.
#[derive(Debug, Clone, Copy)]
pub struct SlotSpec {
    pub pointer: &'static str,
    pub slot: Slot,
}

pub const fn spec(pointer: &'static str, slot: Slot) -> SlotSpec {
    SlotSpec { pointer, slot }
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Slot(usize),
}

#[derive(Debug, Clone)]
pub struct Template {
    parts: Vec<Part>,
    slots: Vec<Slot>,
}

/// What one event's slots are filled with.
pub struct Fill<'a> {
    pub seq: u64,
    pub time_ms: i64,
    pub rng: &'a mut SplitMix64,
    pub read_call: (&'static str, &'static str),
}

impl Template {
    /// Cut `text` at every occurrence of the values the specs point at. A pointer the event does not have
    /// is skipped, so one spec list serves every template of a source.
    pub fn new(text: &str, specs: &[SlotSpec]) -> Result<Template> {
        let value: serde_json::Value =
            serde_json::from_str(text).context("synth template is not JSON")?;
        let mut needles: Vec<(String, Slot)> = Vec::new();
        for s in specs {
            let Some(found) = value.pointer(s.pointer) else {
                continue;
            };
            let needle = match found {
                serde_json::Value::String(v) => v.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if needle.len() < 4 {
                bail!(
                    "synth template value at {} is too short to replace",
                    s.pointer
                );
            }
            if !needles.iter().any(|(n, _)| *n == needle) {
                needles.push((needle, s.slot));
            }
        }
        // Longest first, so a value that contains another (timeNano contains time) is taken whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
        let mut parts = vec![Part::Literal(text.to_owned())];
        let mut slots = Vec::new();
        for (needle, slot) in needles {
            let index = slots.len();
            slots.push(slot);
            let mut next = Vec::with_capacity(parts.len());
            for part in parts {
                match part {
                    Part::Literal(literal) => {
                        let mut pieces = literal.split(needle.as_str()).peekable();
                        while let Some(piece) = pieces.next() {
                            if !piece.is_empty() {
                                next.push(Part::Literal(piece.to_owned()));
                            }
                            if pieces.peek().is_some() {
                                next.push(Part::Slot(index));
                            }
                        }
                    }
                    slot => next.push(slot),
                }
            }
            parts = next;
        }
        Ok(Template { parts, slots })
    }

    /// Append one event (no newline) to `out`.
    pub fn render(&self, fill: &mut Fill<'_>, out: &mut String) {
        let values: Vec<String> = self.slots.iter().map(|s| value_of(*s, fill)).collect();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Slot(i) => out.push_str(&values[*i]),
            }
        }
    }
}

const IPS: [&str; 8] = [
    "192.0.2.10",
    "192.0.2.44",
    "198.51.100.12",
    "198.51.100.30",
    "198.51.100.87",
    "10.20.4.17",
    "203.0.113.7",
    "203.0.113.61",
];

const USER_AGENTS: [&str; 5] = [
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1014-aws exe/x86_64.amzn.2 prompt/off command/cloudtrail.describe-trails",
    "Boto3/1.34.11 md/Botocore#1.34.11 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.1 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.11",
    "console.amazonaws.com",
    "AWS Internal",
    "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.21.8 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.150.0",
];

/// Read-only calls a busy account makes all day (`readOnly: true` in CloudTrail).
pub const READ_CALLS: [(&str, &str); 10] = [
    ("cloudtrail.amazonaws.com", "DescribeTrails"),
    ("cloudtrail.amazonaws.com", "GetTrailStatus"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("ec2.amazonaws.com", "DescribeSecurityGroups"),
    ("s3.amazonaws.com", "ListBuckets"),
    ("s3.amazonaws.com", "GetBucketPolicy"),
    ("iam.amazonaws.com", "GetRole"),
    ("iam.amazonaws.com", "ListAttachedRolePolicies"),
    ("sts.amazonaws.com", "GetCallerIdentity"),
    ("kms.amazonaws.com", "DescribeKey"),
];

fn value_of(slot: Slot, fill: &mut Fill<'_>) -> String {
    match slot {
        Slot::Uuid => {
            let r = fill.rng.next_u64();
            format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                r >> 32,
                (r >> 16) & 0xffff,
                r & 0xfff,
                0x8000 | ((r >> 12) & 0x3fff),
                fill.seq & 0xffff_ffff_ffff
            )
        }
        Slot::Time(format, offset_ms) => format_time(fill.time_ms + i64::from(offset_ms), format),
        Slot::Ip => (*fill.rng.pick(&IPS)).to_owned(),
        Slot::UserAgent => (*fill.rng.pick(&USER_AGENTS)).to_owned(),
        Slot::InsertId => {
            let mut n = fill.seq;
            let mut id = String::with_capacity(12);
            for _ in 0..8 {
                id.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
                n /= 36;
            }
            let r = fill.rng.next_u64();
            for i in 0..4 {
                id.push(char::from_digit(((r >> (i * 8)) % 36) as u32, 36).unwrap_or('0'));
            }
            id
        }
        Slot::ReadSource => fill.read_call.0.to_owned(),
        Slot::ReadName => fill.read_call.1.to_owned(),
    }
}

pub fn format_time(ms: i64, format: TimeFormat) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let base = chrono::DateTime::from_timestamp(secs, 0)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default();
    let mut text = String::with_capacity(32);
    match format {
        TimeFormat::Seconds => {
            let _ = write!(text, "{base}Z");
        }
        TimeFormat::Micros => {
            let _ = write!(text, "{base}.{:06}Z", millis * 1000);
        }
        TimeFormat::Ticks => {
            let _ = write!(text, "{base}.{:07}Z", millis * 10_000 + 1234);
        }
        TimeFormat::Nanos => {
            let _ = write!(text, "{base}.{:09}Z", millis * 1_000_000 + 118_273);
        }
        TimeFormat::UnixSeconds => {
            let _ = write!(text, "{secs}");
        }
        TimeFormat::UnixNanos => {
            let _ = write!(text, "{}", ms * 1_000_000 + 316_997);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_and_keeps_the_rest_byte_for_byte() {
        let text = r#"{"b":"2026-11-27T08:01:12Z","id":"abcd-1","a":{"t":"2026-11-27T08:01:12Z"}}"#;
        let template = Template::new(
            text,
            &[
                spec("/b", Slot::Time(TimeFormat::Seconds, 0)),
                spec("/id", Slot::Uuid),
                spec("/missing", Slot::Ip),
            ],
        )
        .expect("template");
        let mut rng = SplitMix64::new(1);
        let mut out = String::new();
        template.render(
            &mut Fill {
                seq: 5,
                time_ms: 0,
                rng: &mut rng,
                read_call: READ_CALLS[0],
            },
            &mut out,
        );
        let value: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(value["b"], "1970-01-01T00:00:00Z");
        assert_eq!(value["a"]["t"], "1970-01-01T00:00:00Z");
        assert!(value["id"].as_str().expect("id").ends_with("-000000000005"));
        assert!(out.starts_with(r#"{"b":"#), "key order kept: {out}");
    }

    #[test]
    fn time_formats_are_the_services_own() {
        let ms = 1_795_766_472_025; // 2026-11-27T08:01:12.025Z
        assert_eq!(format_time(ms, TimeFormat::Seconds), "2026-11-27T08:01:12Z");
        assert_eq!(
            format_time(ms, TimeFormat::Micros),
            "2026-11-27T08:01:12.025000Z"
        );
        assert_eq!(
            format_time(ms, TimeFormat::Ticks),
            "2026-11-27T08:01:12.0251234Z"
        );
        assert_eq!(format_time(ms, TimeFormat::UnixSeconds), "1795766472");
    }
}
