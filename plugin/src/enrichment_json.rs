//! The enrichment as JSON, for NDJSON filters (`blindspot filter`, the Fluent Bit module): the input
//! record is kept byte for byte and one `blindspot` key is spliced in before its closing brace, so a
//! shipper pays for serialising the enrichment, never for re-serialising the record.

use serde::Serialize;

use crate::model::{EnrichedEvent, EventOutcome, ParseError, Severity};

/// The top-level key the enrichment is written under.
pub const KEY: &str = "blindspot";

#[derive(Serialize)]
struct Enrichment<'a> {
    alert: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_severity: Option<Severity>,
    events: &'a [EnrichedEvent],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a ParseError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    config_error: Option<&'a str>,
}

/// Whether an outcome holds an alert (an unsuppressed finding of at least medium severity).
pub fn is_alert(outcome: &EventOutcome) -> bool {
    outcome
        .as_ref()
        .is_ok_and(|events| events.iter().any(EnrichedEvent::is_alert))
}

/// The `blindspot` object for one input: `{"alert", "max_severity", "events": [...]}` or, for an input
/// that could not be read, `{"alert": false, "events": [], "error": {"kind", "message"}}`.
/// `config_error` reports a configuration that could not be applied (the defaults are in force).
pub fn enrichment(outcome: &EventOutcome, config_error: Option<&str>) -> String {
    let (events, error): (&[EnrichedEvent], _) = match outcome {
        Ok(events) => (events, None),
        Err(e) => (&[], Some(e)),
    };
    let value = Enrichment {
        alert: events.iter().any(EnrichedEvent::is_alert),
        max_severity: events.iter().filter_map(EnrichedEvent::max_severity).max(),
        events,
        error,
        config_error,
    };
    // Serialising these types cannot fail (no maps with non-string keys, no foreign Serialize impls).
    serde_json::to_string(&value).unwrap_or_else(|_| String::from("{}"))
}

/// The output line for one input: the record with `"blindspot": <enrichment>` added as its last key
/// when the engine read it as a JSON object; anything else (unreadable input, a top-level array) is
/// wrapped instead: `{"blindspot": ..., "raw": "<the input as a string>"}`. Either way the result is
/// valid JSON.
pub fn render(record: &[u8], outcome: &EventOutcome, config_error: Option<&str>) -> Vec<u8> {
    let enrichment = enrichment(outcome, config_error);
    if outcome.is_ok() {
        splice(record, &enrichment)
    } else {
        wrap(record, &enrichment)
    }
}

/// Splice into a record that parsed as JSON; only its outer braces are looked at.
fn splice(record: &[u8], enrichment: &str) -> Vec<u8> {
    let trimmed_end = record
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let body = &record[..trimmed_end];
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    let is_object = start.is_some_and(|s| body.get(s) == Some(&b'{')) && body.last() == Some(&b'}');
    if is_object && std::str::from_utf8(body).is_ok() {
        let mut out = Vec::with_capacity(record.len() + enrichment.len() + KEY.len() + 8);
        out.extend_from_slice(&body[..body.len() - 1]);
        let inner = &body[start.map_or(0, |s| s + 1)..body.len() - 1];
        if inner.iter().any(|b| !b.is_ascii_whitespace()) {
            out.push(b',');
        }
        out.extend_from_slice(b"\"");
        out.extend_from_slice(KEY.as_bytes());
        out.extend_from_slice(b"\":");
        out.extend_from_slice(enrichment.as_bytes());
        out.push(b'}');
        out
    } else {
        wrap(record, enrichment)
    }
}

fn wrap(record: &[u8], enrichment: &str) -> Vec<u8> {
    let raw = String::from_utf8_lossy(record);
    let raw = serde_json::to_string(&raw).unwrap_or_else(|_| String::from("\"\""));
    let mut out = Vec::with_capacity(raw.len() + enrichment.len() + KEY.len() + 16);
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(KEY.as_bytes());
    out.extend_from_slice(b"\":");
    out.extend_from_slice(enrichment.as_bytes());
    out.extend_from_slice(b",\"raw\":");
    out.extend_from_slice(raw.as_bytes());
    out.push(b'}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParseErrorKind, RawEvent};

    #[test]
    fn splices_into_objects_and_wraps_everything_else() {
        assert_eq!(
            splice(b"{\"a\":1}\n", "{}"),
            b"{\"a\":1,\"blindspot\":{}}".to_vec()
        );
        assert_eq!(splice(b" { } ", "{}"), b" { \"blindspot\":{}}".to_vec());
        let wrapped = splice(b"{\"a\":", "{}");
        assert_eq!(
            wrapped,
            b"{\"blindspot\":{},\"raw\":\"{\\\"a\\\":\"}".to_vec()
        );
        let wrapped = splice(b"\xff}", "{}");
        assert!(serde_json::from_slice::<serde_json::Value>(&wrapped).is_ok());
        // A malformed record that merely looks like an object is wrapped, never spliced into.
        let malformed: EventOutcome = Err(ParseError::new(ParseErrorKind::InvalidJson, "bad"));
        let out = render(b"{\"a\":}", &malformed, None);
        assert!(serde_json::from_slice::<serde_json::Value>(&out).is_ok());
        let value: serde_json::Value = serde_json::from_slice(&wrapped).expect("valid JSON");
        assert_eq!(value["raw"], "\u{fffd}}");
    }

    #[test]
    fn enrichment_of_a_finding_and_of_an_error() {
        let mut engine = crate::Engine::new();
        let record = br#"{"eventVersion":"1.09","eventTime":"2026-11-27T08:15:04Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","awsRegion":"eu-west-1","requestParameters":{"name":"org-trail"},"userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"eventID":"e1"}"#;
        let outcome = engine.process_one(&RawEvent {
            data: record,
            source_hint: None,
            tag: None,
        });
        let spliced = render(record, &outcome, None);
        let value: serde_json::Value = serde_json::from_slice(&spliced).expect("valid JSON");
        assert_eq!(value["eventName"], "DeleteTrail");
        let b = &value[KEY];
        assert_eq!(b["alert"], true);
        assert_eq!(b["max_severity"], "high");
        assert_eq!(b["events"][0]["source"], "aws_cloudtrail");
        assert_eq!(
            b["events"][0]["findings"][0]["rule_id"],
            "aws.cloudtrail.delete_trail"
        );

        let error: EventOutcome = Err(ParseError::new(ParseErrorKind::InvalidJson, "truncated"));
        let value: serde_json::Value =
            serde_json::from_str(&enrichment(&error, Some("bad config"))).expect("valid JSON");
        assert_eq!(value["alert"], false);
        assert_eq!(value["error"]["kind"], "invalid_json");
        assert_eq!(value["config_error"], "bad config");
    }
}
