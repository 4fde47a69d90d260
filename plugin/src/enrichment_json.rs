//! The enrichment as JSON, for NDJSON filters (`blindspot filter`, the Fluent Bit module): the input
//! record is kept byte for byte and one `blindspot` key is spliced in before its closing brace, so a
//! shipper pays for serialising the enrichment, never for re-serialising the record.
//!
//! By default ([`Enrich::Findings`]) only records with something to say carry the key: a shipper
//! forwards mostly benign records, and adding ~570 bytes of normalised fields to each one grew the
//! stream by 43 % for nothing a detection needed.

pub use crate::config::output::{Enrich, OutputSettings};
use serde::Serialize;

use crate::model::{EnrichedEvent, EventOutcome, ParseError, Severity};

/// The top-level key the enrichment is written under.
pub const KEY: &str = "blindspot";

#[derive(Serialize)]
struct Enrichment<'a> {
    alert: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_severity: Option<Severity>,
    events: Vec<&'a EnrichedEvent>,
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

/// Whether the record passes unchanged: in `findings` mode, a record the engine read as JSON (an
/// object, or an array of them) whose events carry no finding, while the configuration applied
/// cleanly (a rejected one is reported on every record: nothing else would show that the defaults
/// are in force). Text lines (flow logs) are still wrapped, so that the output is JSON throughout.
pub fn passes_unchanged(
    enrich: Enrich,
    record: &[u8],
    outcome: &EventOutcome,
    config_error: Option<&str>,
) -> bool {
    enrich == Enrich::Findings
        && config_error.is_none()
        && outcome
            .as_ref()
            .is_ok_and(|events| events.iter().all(|e| e.findings.is_empty()))
        // The engine reads input starting with `{` or `[` as JSON or rejects it: an `Ok` outcome
        // means it parsed.
        && matches!(record.trim_ascii_start().first(), Some(b'{' | b'['))
}

/// The `blindspot` object for one input: `{"alert", "max_severity", "events": [...]}` or, for an input
/// that could not be read, `{"alert": false, "events": [], "error": {"kind", "message"}}`.
/// `config_error` reports a configuration that could not be applied (the defaults are in force).
/// With [`Enrich::Findings`], `events` lists only the events that have findings.
pub fn enrichment(enrich: Enrich, outcome: &EventOutcome, config_error: Option<&str>) -> String {
    let (events, error): (&[EnrichedEvent], _) = match outcome {
        Ok(events) => (events, None),
        Err(e) => (&[], Some(e)),
    };
    let value = Enrichment {
        alert: events.iter().any(EnrichedEvent::is_alert),
        max_severity: events.iter().filter_map(EnrichedEvent::max_severity).max(),
        events: events
            .iter()
            .filter(|e| enrich == Enrich::All || !e.findings.is_empty())
            .collect(),
        error,
        config_error,
    };
    // Serialising these types cannot fail (no maps with non-string keys, no foreign Serialize impls).
    serde_json::to_string(&value).unwrap_or_else(|_| String::from("{}"))
}

/// The output line for one input, see [`render_into`].
pub fn render(
    enrich: Enrich,
    record: &[u8],
    outcome: &EventOutcome,
    config_error: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::new();
    render_into(&mut out, enrich, record, outcome, config_error);
    out
}

/// Append the output line for one input to `out`: the record byte for byte when
/// [`passes_unchanged`]; otherwise the record with `"blindspot": <enrichment>` added as its last key
/// when the engine read it as a JSON object; anything else (unreadable input, a top-level array) is
/// wrapped instead: `{"blindspot": ..., "raw": "<the input as a string>"}`. Either way the result is
/// valid JSON when the input was.
pub fn render_into(
    out: &mut Vec<u8>,
    enrich: Enrich,
    record: &[u8],
    outcome: &EventOutcome,
    config_error: Option<&str>,
) {
    if passes_unchanged(enrich, record, outcome, config_error) {
        out.extend_from_slice(record);
        return;
    }
    let enrichment = enrichment(enrich, outcome, config_error);
    if outcome.is_ok() {
        splice(out, record, &enrichment)
    } else {
        wrap(out, record, &enrichment)
    }
}

/// Splice into a record that parsed as JSON; only its outer braces are looked at.
fn splice(out: &mut Vec<u8>, record: &[u8], enrichment: &str) {
    let trimmed_end = record
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let body = &record[..trimmed_end];
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    let is_object = start.is_some_and(|s| body.get(s) == Some(&b'{')) && body.last() == Some(&b'}');
    if is_object && std::str::from_utf8(body).is_ok() {
        out.reserve(record.len() + enrichment.len() + KEY.len() + 8);
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
    } else {
        wrap(out, record, enrichment)
    }
}

fn wrap(out: &mut Vec<u8>, record: &[u8], enrichment: &str) {
    let raw = String::from_utf8_lossy(record);
    let raw = serde_json::to_string(&raw).unwrap_or_else(|_| String::from("\"\""));
    out.reserve(raw.len() + enrichment.len() + KEY.len() + 16);
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(KEY.as_bytes());
    out.extend_from_slice(b"\":");
    out.extend_from_slice(enrichment.as_bytes());
    out.extend_from_slice(b",\"raw\":");
    out.extend_from_slice(raw.as_bytes());
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParseErrorKind, RawEvent};

    fn spliced(record: &[u8], enrichment: &str) -> Vec<u8> {
        let mut out = Vec::new();
        splice(&mut out, record, enrichment);
        out
    }

    fn process(engine: &mut crate::Engine, record: &[u8]) -> EventOutcome {
        engine.process_one(&RawEvent {
            data: record,
            source_hint: None,
            tag: None,
        })
    }

    // Shapes as CloudTrail writes them (AWS CloudTrail User Guide, "CloudTrail record contents";
    // S3 delivery wraps records in `{"Records": [...]}`).
    const DELETE_TRAIL: &str = r#"{"eventVersion":"1.09","eventTime":"2026-11-27T08:15:04Z","eventSource":"cloudtrail.amazonaws.com","eventName":"DeleteTrail","awsRegion":"eu-west-1","requestParameters":{"name":"org-trail"},"userIdentity":{"type":"Root","arn":"arn:aws:iam::111122223333:root","accountId":"111122223333"},"eventID":"e1"}"#;
    const DESCRIBE: &str = r#"{"eventVersion":"1.09","eventTime":"2026-11-27T08:15:05Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.0","requestParameters":null,"responseElements":null,"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","userName":"alice"},"eventID":"e2","readOnly":true,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#;

    #[test]
    fn splices_into_objects_and_wraps_everything_else() {
        assert_eq!(
            spliced(b"{\"a\":1}\n", "{}"),
            b"{\"a\":1,\"blindspot\":{}}".to_vec()
        );
        assert_eq!(spliced(b" { } ", "{}"), b" { \"blindspot\":{}}".to_vec());
        let wrapped = spliced(b"{\"a\":", "{}");
        assert_eq!(
            wrapped,
            b"{\"blindspot\":{},\"raw\":\"{\\\"a\\\":\"}".to_vec()
        );
        let wrapped = spliced(b"\xff}", "{}");
        assert!(serde_json::from_slice::<serde_json::Value>(&wrapped).is_ok());
        // A malformed record that merely looks like an object is wrapped, never spliced into.
        let malformed: EventOutcome = Err(ParseError::new(ParseErrorKind::InvalidJson, "bad"));
        for enrich in [Enrich::Findings, Enrich::All] {
            let out = render(enrich, b"{\"a\":}", &malformed, None);
            let value: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
            assert_eq!(value[KEY]["error"]["kind"], "invalid_json");
        }
        let value: serde_json::Value = serde_json::from_slice(&wrapped).expect("valid JSON");
        assert_eq!(value["raw"], "\u{fffd}}");
    }

    #[test]
    fn enrichment_of_a_finding_and_of_an_error() {
        let mut engine = crate::Engine::new();
        let outcome = process(&mut engine, DELETE_TRAIL.as_bytes());
        for enrich in [Enrich::Findings, Enrich::All] {
            let spliced = render(enrich, DELETE_TRAIL.as_bytes(), &outcome, None);
            let value: serde_json::Value = serde_json::from_slice(&spliced).expect("valid JSON");
            assert_eq!(value["eventName"], "DeleteTrail");
            let b = &value[KEY];
            assert_eq!(b["alert"], true);
            assert_eq!(b["max_severity"], "high");
            assert_eq!(b["events"][0]["source"], "aws_cloudtrail");
            assert_eq!(b["events"][0]["fields"]["account"], "111122223333");
            assert_eq!(
                b["events"][0]["findings"][0]["rule_id"],
                "aws.cloudtrail.delete_trail"
            );
        }

        let error: EventOutcome = Err(ParseError::new(ParseErrorKind::InvalidJson, "truncated"));
        let value: serde_json::Value =
            serde_json::from_str(&enrichment(Enrich::Findings, &error, Some("bad config")))
                .expect("valid JSON");
        assert_eq!(value["alert"], false);
        assert_eq!(value["error"]["kind"], "invalid_json");
        assert_eq!(value["config_error"], "bad config");
    }

    #[test]
    fn records_without_findings_pass_unchanged_unless_all_is_asked_for() {
        let mut engine = crate::Engine::new();
        let record = format!("{DESCRIBE}\n");
        let outcome = process(&mut engine, record.as_bytes());
        assert!(outcome.as_ref().is_ok_and(|e| e.len() == 1));
        assert_eq!(
            render(Enrich::Findings, record.as_bytes(), &outcome, None),
            record.as_bytes()
        );
        let all = render(Enrich::All, record.as_bytes(), &outcome, None);
        let value: serde_json::Value = serde_json::from_slice(&all).expect("valid JSON");
        assert_eq!(value[KEY]["alert"], false);
        assert_eq!(
            value[KEY]["events"][0]["fields"]["principal"],
            "arn:aws:iam::111122223333:user/alice"
        );
        // A rejected configuration is news on every record, findings or not.
        let out = render(Enrich::Findings, record.as_bytes(), &outcome, Some("bad"));
        let value: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(value[KEY]["config_error"], "bad");
        assert_eq!(value[KEY]["events"], serde_json::json!([]));
    }

    #[test]
    fn an_envelope_lists_only_its_events_with_findings() {
        let mut engine = crate::Engine::new();
        let envelope = format!(r#"{{"Records":[{DESCRIBE},{DELETE_TRAIL}]}}"#);
        let outcome = process(&mut engine, envelope.as_bytes());
        assert!(outcome.as_ref().is_ok_and(|e| e.len() == 2));
        let out = render(Enrich::Findings, envelope.as_bytes(), &outcome, None);
        let value: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        let events = value[KEY]["events"].as_array().expect("events");
        assert_eq!(events.len(), 1, "{value}");
        assert_eq!(events[0]["envelope_index"], 1);
        let out = render(Enrich::All, envelope.as_bytes(), &outcome, None);
        let value: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        assert_eq!(value[KEY]["events"].as_array().map(Vec::len), Some(2));
    }
}
