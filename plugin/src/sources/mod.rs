//! Source detection and parsing: one module per log source, plus the envelopes they arrive in.
//! Sources turn bytes into typed events and normalised fields; they know nothing of rules.

pub mod aws_cloudtrail;
pub mod envelope;
pub mod json;
pub mod time;

use json::Object;

use crate::model::{Normalized, SourceKind};

/// An event read by its source's parser.
// One lives on the stack per event; boxing the large variants would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
pub enum SourceEvent<'a> {
    CloudTrail(aws_cloudtrail::Record<'a>),
    /// No known shape: passed through with no findings.
    Unknown,
}

/// A recognised event with its normalised fields.
pub struct Decoded<'a> {
    pub source: SourceKind,
    pub fields: Normalized,
    pub event: SourceEvent<'a>,
}

impl Decoded<'_> {
    pub fn unknown() -> Decoded<'static> {
        Decoded {
            source: SourceKind::Unknown,
            fields: Normalized::default(),
            event: SourceEvent::Unknown,
        }
    }
}

/// Recognise and read one event object. A hint is trusted over the event's shape.
pub fn decode<'a>(object: &Object<'a>, hint: Option<SourceKind>) -> Decoded<'a> {
    let source = hint
        .filter(|h| *h != SourceKind::Unknown)
        .or_else(|| detect(object));
    match source {
        Some(SourceKind::AwsCloudtrail) => {
            let record = aws_cloudtrail::Record::from_object(object);
            Decoded {
                source: SourceKind::AwsCloudtrail,
                fields: record.normalize(),
                event: SourceEvent::CloudTrail(record),
            }
        }
        _ => Decoded::unknown(),
    }
}

/// Detection by shape, most specific first. Each source's `matches` looks only at key presence.
fn detect(object: &Object<'_>) -> Option<SourceKind> {
    if aws_cloudtrail::matches(object) {
        return Some(SourceKind::AwsCloudtrail);
    }
    None
}

impl SourceEvent<'_> {
    /// The failure the source recorded, as `code: message`, when the action failed.
    pub fn failure(&self) -> Option<String> {
        match self {
            SourceEvent::CloudTrail(record) => {
                record
                    .error_code
                    .as_deref()
                    .map(|code| match record.error_message.as_deref() {
                        Some(message) if !message.is_empty() => format!("{code}: {message}"),
                        _ => code.to_owned(),
                    })
            }
            SourceEvent::Unknown => None,
        }
    }

    /// Whether the actor is the account's root identity.
    pub fn is_root(&self) -> bool {
        match self {
            SourceEvent::CloudTrail(record) => record.identity.kind.as_deref() == Some("Root"),
            SourceEvent::Unknown => false,
        }
    }
}
