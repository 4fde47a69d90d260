//! Envelopes: the wrappers pipelines put around events (S3 delivery files, EventBridge, CloudWatch Logs
//! subscriptions, plain JSON arrays). Unwrapping is source-neutral: each inner document goes back through
//! source detection, so an EKS audit event inside a CloudWatch subscription is read like any other.

use super::json::{self, Object, Raw};
use crate::model::{ParseError, ParseErrorKind};

/// Envelopes inside envelopes beyond this depth are treated as events, which bounds recursion on
/// hostile input.
const MAX_DEPTH: u32 = 3;

/// One document found inside the input.
pub enum Inner<'a, 'b> {
    /// A JSON object: an event, read by source detection.
    Object(&'b Object<'a>),
    /// A text payload that is not JSON (e.g. a plain log line in a CloudWatch subscription).
    Text(&'b str),
}

/// Where an inner document came from.
pub struct Position<'b> {
    /// Index of the document in its envelope (0 for an input that is the event itself).
    pub index: u32,
    /// The document's own text when it was unwrapped from an envelope.
    pub raw: Option<&'b str>,
    /// The account or cluster the envelope names (EKS log group cluster, AKS `resourceId`), for events
    /// that do not name it themselves.
    pub account: Option<&'b str>,
}

/// Calls `visit` once for every event inside `text`, in order. An envelope with no events (e.g. a
/// CloudWatch Logs control message) visits nothing.
pub fn for_each_event(
    text: &str,
    visit: &mut dyn FnMut(Position<'_>, Inner<'_, '_>),
) -> Result<(), ParseError> {
    let trimmed = text.trim_start();
    match trimmed.as_bytes().first() {
        Some(b'{') => {
            let object = Object::parse(text).map_err(invalid_json)?;
            let mut next_index = 0;
            unwrap_object(&object, None, 0, &mut next_index, visit)
        }
        Some(b'[') => {
            let elements = json::parse_array(text).map_err(invalid_json)?;
            for (i, element) in elements.iter().enumerate() {
                if !element.get().starts_with('{') {
                    return Err(ParseError::new(
                        ParseErrorKind::UnsupportedShape,
                        format!(
                            "array element {i} is a {}, not an event object",
                            json::kind_of(element.get())
                        ),
                    ));
                }
            }
            let mut next_index = 0;
            for element in elements {
                let object = Object::from_raw(element).map_err(invalid_json)?;
                unwrap_object(&object, Some(element.get()), 1, &mut next_index, visit)?;
            }
            Ok(())
        }
        None => Err(ParseError::new(
            ParseErrorKind::UnsupportedShape,
            "empty input: no JSON value",
        )),
        Some(_) => {
            // Valid JSON of another kind is a shape problem; anything else is a syntax problem.
            match serde_json::from_str::<serde::de::IgnoredAny>(text) {
                Ok(_) => Err(ParseError::new(
                    ParseErrorKind::UnsupportedShape,
                    format!("a JSON {} is not an event object", json::kind_of(text)),
                )),
                // Flow logs are text lines, not JSON: passed on for the flow-log reader.
                Err(_) if super::flow_log::may_be_text_line(text) => {
                    visit(
                        Position {
                            index: 0,
                            raw: None,
                            account: None,
                        },
                        Inner::Text(text),
                    );
                    Ok(())
                }
                Err(e) => Err(invalid_json(e)),
            }
        }
    }
}

fn invalid_json(e: serde_json::Error) -> ParseError {
    let kind = ParseErrorKind::InvalidJson;
    if e.is_eof() {
        ParseError::new(kind, format!("truncated JSON: {e}"))
    } else {
        ParseError::new(kind, format!("invalid JSON: {e}"))
    }
}

fn unwrap_object(
    object: &Object<'_>,
    own_raw: Option<&str>,
    depth: u32,
    next_index: &mut u32,
    visit: &mut dyn FnMut(Position<'_>, Inner<'_, '_>),
) -> Result<(), ParseError> {
    if depth < MAX_DEPTH {
        // CloudTrail S3 delivery file.
        if let Some(records) = object.array("Records") {
            return unwrap_list(&records, depth, next_index, visit);
        }
        // EventBridge event carrying a CloudTrail record.
        if let (Some(detail_type), Some(detail)) = (object.str("detail-type"), object.raw("detail"))
            && detail_type.ends_with("via CloudTrail")
            && detail.get().starts_with('{')
        {
            let inner = Object::from_raw(detail).map_err(invalid_json)?;
            return unwrap_object(&inner, Some(detail.get()), depth + 1, next_index, visit);
        }
        // CloudWatch Logs subscription (Kinesis / Firehose / Lambda delivery).
        if let (Some(message_type), Some(log_events)) =
            (object.str("messageType"), object.array("logEvents"))
        {
            if message_type != "DATA_MESSAGE" {
                return Ok(());
            }
            let cluster = object.str("logGroup").and_then(|g| eks_cluster(&g));
            let mut tagged = |position: Position<'_>, inner: Inner<'_, '_>| {
                let account = position.account.or(cluster.as_deref());
                visit(
                    Position {
                        account,
                        ..position
                    },
                    inner,
                )
            };
            return unwrap_log_events(&log_events, depth, next_index, &mut tagged);
        }
        // Azure Monitor export / Event Hub batch: each record is an event.
        if let Some(records) = object.array("records") {
            return unwrap_list(&records, depth, next_index, visit);
        }
        // Pub/Sub push subscription: the message data is a base64 LogEntry.
        if object.has("subscription")
            && let Some(data) = object.object("message").and_then(|m| m.str("data"))
        {
            return unwrap_pubsub_data(&data, depth, next_index, visit);
        }
        // AKS diagnostic record of the API server's audit log: the event is a JSON string in
        // `properties.log`. Every other record of a `records` batch is an event itself.
        if let Some(log) = aks_audit_log(object)
            && let Ok(inner) = Object::parse(&log)
        {
            let resource_id = object.str("resourceId");
            let mut tagged = |position: Position<'_>, inner: Inner<'_, '_>| {
                let account = position.account.or(resource_id.as_deref());
                visit(
                    Position {
                        account,
                        ..position
                    },
                    inner,
                )
            };
            return unwrap_object(&inner, Some(&log), depth + 1, next_index, &mut tagged);
        }
    }
    let index = *next_index;
    *next_index += 1;
    let position = Position {
        index,
        raw: own_raw,
        account: None,
    };
    // Security Lake OCSF records and lake rows with stringified bodies are read as the canonical
    // event rebuilt from them; the row itself stays the event's raw text.
    if let Some(reshaped) = super::reshape::reshape(object)
        && let Ok(canonical) = Object::parse(&reshaped.text)
    {
        visit(position, Inner::Object(&canonical.with_note(reshaped.note)));
        return Ok(());
    }
    visit(position, Inner::Object(object));
    Ok(())
}

fn unwrap_list(
    records: &[Raw<'_>],
    depth: u32,
    next_index: &mut u32,
    visit: &mut dyn FnMut(Position<'_>, Inner<'_, '_>),
) -> Result<(), ParseError> {
    for record in records {
        match Object::from_raw(*record) {
            Ok(inner) => unwrap_object(&inner, Some(record.get()), depth + 1, next_index, visit)?,
            Err(_) => {
                // A non-object inside a list of records is kept as text rather than failing the batch.
                let index = *next_index;
                *next_index += 1;
                visit(
                    Position {
                        index,
                        raw: Some(record.get()),
                        account: None,
                    },
                    Inner::Text(record.get()),
                );
            }
        }
    }
    Ok(())
}

/// `/aws/eks/<cluster>/cluster` → the cluster, for EKS control-plane log groups.
fn eks_cluster(log_group: &str) -> Option<String> {
    log_group
        .strip_prefix("/aws/eks/")?
        .strip_suffix("/cluster")
        .filter(|c| !c.is_empty() && !c.contains('/'))
        .map(str::to_owned)
}

/// The audit event text of an AKS `kube-audit` / `kube-audit-admin` diagnostic record.
fn aks_audit_log<'a>(object: &Object<'a>) -> Option<std::borrow::Cow<'a, str>> {
    let category = object.str("category")?;
    if !category.eq_ignore_ascii_case("kube-audit")
        && !category.eq_ignore_ascii_case("kube-audit-admin")
    {
        return None;
    }
    let log = object.object("properties")?.str("log")?;
    log.trim_start().starts_with('{').then_some(log)
}

fn unwrap_log_events(
    log_events: &[Raw<'_>],
    depth: u32,
    next_index: &mut u32,
    visit: &mut dyn FnMut(Position<'_>, Inner<'_, '_>),
) -> Result<(), ParseError> {
    for log_event in log_events {
        let message = Object::from_raw(*log_event)
            .ok()
            .and_then(|e| e.str("message"))
            .unwrap_or_default();
        let message: &str = &message;
        match message.trim_start().as_bytes().first() {
            Some(b'{') => match Object::parse(message) {
                Ok(inner) => unwrap_object(&inner, Some(message), depth + 1, next_index, visit)?,
                Err(_) => visit_text(message, next_index, visit),
            },
            _ => visit_text(message, next_index, visit),
        }
    }
    Ok(())
}

fn unwrap_pubsub_data(
    data: &str,
    depth: u32,
    next_index: &mut u32,
    visit: &mut dyn FnMut(Position<'_>, Inner<'_, '_>),
) -> Result<(), ParseError> {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};
    let decoded = STANDARD
        .decode(data.trim())
        .or_else(|_| URL_SAFE.decode(data.trim()))
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    match decoded {
        Some(text) if text.trim_start().starts_with('{') => match Object::parse(&text) {
            Ok(inner) => unwrap_object(&inner, Some(&text), depth + 1, next_index, visit),
            Err(_) => {
                visit_text(&text, next_index, visit);
                Ok(())
            }
        },
        Some(text) => {
            visit_text(&text, next_index, visit);
            Ok(())
        }
        // Undecodable data is kept as the text it arrived as rather than failing the envelope.
        None => {
            visit_text(data, next_index, visit);
            Ok(())
        }
    }
}

fn visit_text(
    message: &str,
    next_index: &mut u32,
    visit: &mut dyn FnMut(Position<'_>, Inner<'_, '_>),
) {
    let index = *next_index;
    *next_index += 1;
    visit(
        Position {
            index,
            raw: Some(message),
            account: None,
        },
        Inner::Text(message),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(text: &str) -> Result<Vec<(u32, Option<String>, bool)>, ParseError> {
        let mut seen = Vec::new();
        for_each_event(text, &mut |pos, inner| {
            seen.push((
                pos.index,
                pos.raw.map(str::to_owned),
                matches!(inner, Inner::Object(_)),
            ))
        })?;
        Ok(seen)
    }

    #[test]
    fn plain_object_is_one_event_without_raw() {
        let seen = collect(r#"{"eventName":"StopLogging"}"#).expect("ok");
        assert_eq!(seen, vec![(0, None, true)]);
    }

    #[test]
    fn records_file_yields_each_record_with_its_text() {
        let seen = collect(r#"{"Records":[{"a":1},{"b":2}]}"#).expect("ok");
        assert_eq!(
            seen,
            vec![
                (0, Some(r#"{"a":1}"#.into()), true),
                (1, Some(r#"{"b":2}"#.into()), true)
            ]
        );
    }

    #[test]
    fn cloudwatch_subscription_unwraps_messages_and_skips_control_messages() {
        let data = r#"{"messageType":"DATA_MESSAGE","logEvents":[{"id":"1","timestamp":1,"message":"{\"x\":1}"},{"id":"2","timestamp":2,"message":"plain text"}]}"#;
        let seen = collect(data).expect("ok");
        assert_eq!(
            seen,
            vec![
                (0, Some(r#"{"x":1}"#.into()), true),
                (1, Some("plain text".into()), false)
            ]
        );
        let control = r#"{"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE: Checking health of destination"}]}"#;
        assert!(collect(control).expect("ok").is_empty());
    }

    #[test]
    fn eventbridge_detail_is_the_event() {
        let data = r#"{"detail-type":"AWS API Call via CloudTrail","source":"aws.cloudtrail","detail":{"eventName":"StopLogging"}}"#;
        let seen = collect(data).expect("ok");
        assert_eq!(
            seen,
            vec![(0, Some(r#"{"eventName":"StopLogging"}"#.into()), true)]
        );
    }

    #[test]
    fn azure_records_and_pubsub_push_yield_their_events() {
        let seen =
            collect(r#"{"records":[{"operationName":"X"},{"operationName":"Y"}]}"#).expect("ok");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1], (1, Some(r#"{"operationName":"Y"}"#.into()), true));
        // base64 of {"insertId":"a"}
        let push = r#"{"message":{"data":"eyJpbnNlcnRJZCI6ImEifQ==","messageId":"1","publishTime":"2026-11-27T08:00:00Z"},"subscription":"projects/p/subscriptions/s"}"#;
        assert_eq!(
            collect(push).expect("ok"),
            vec![(0, Some(r#"{"insertId":"a"}"#.into()), true)]
        );
        let junk =
            r#"{"message":{"data":"!!not base64"},"subscription":"projects/p/subscriptions/s"}"#;
        assert_eq!(
            collect(junk).expect("ok"),
            vec![(0, Some("!!not base64".into()), false)]
        );
    }

    #[test]
    fn aks_kube_audit_records_yield_the_inner_event_and_eks_names_the_cluster() {
        let mut seen = Vec::new();
        let aks = r#"{"records":[{"category":"kube-audit","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/AKS1","properties":{"log":"{\"kind\":\"Event\",\"auditID\":\"a\"}","stream":"stdout","pod":"kube-apiserver-1"}},{"category":"kube-apiserver","resourceId":"/R","properties":{"log":"I1127 started","stream":"stderr"}},{"category":"kube-audit-admin","properties":{"log":"not json"}}]}"#;
        for_each_event(aks, &mut |pos, inner| {
            seen.push((
                pos.index,
                pos.raw.map(str::to_owned),
                pos.account.map(str::to_owned),
                matches!(inner, Inner::Object(_)),
            ))
        })
        .expect("ok");
        assert_eq!(seen.len(), 3);
        assert_eq!(
            seen[0].1.as_deref(),
            Some(r#"{"kind":"Event","auditID":"a"}"#)
        );
        assert!(seen[0].2.as_deref().is_some_and(|a| a.ends_with("/AKS1")));
        assert!(
            seen[1]
                .1
                .as_deref()
                .is_some_and(|r| r.contains("kube-apiserver"))
        );
        assert_eq!(seen[1].2, None);
        assert!(seen[2].1.as_deref().is_some_and(|r| r.contains("not json")));
        let mut accounts = Vec::new();
        let eks = r#"{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"/aws/eks/prod-eks/cluster","logStream":"kube-apiserver-audit-1","logEvents":[{"id":"1","timestamp":1,"message":"{\"kind\":\"Event\"}"}]}"#;
        for_each_event(eks, &mut |pos, _| {
            accounts.push(pos.account.map(str::to_owned))
        })
        .expect("ok");
        assert_eq!(accounts, vec![Some("prod-eks".to_owned())]);
        assert_eq!(eks_cluster("/aws/lambda/x"), None);
    }

    #[test]
    fn non_objects_are_errors_with_a_reason() {
        let err = collect("[1,2,3]").expect_err("array of numbers");
        assert_eq!(err.kind, ParseErrorKind::UnsupportedShape);
        assert!(err.message.contains("number"), "{}", err.message);
        let err = collect("\"hello\"").expect_err("string");
        assert_eq!(err.kind, ParseErrorKind::UnsupportedShape);
        let err = collect(r#"{"eventName":"Stop"#).expect_err("truncated");
        assert_eq!(err.kind, ParseErrorKind::InvalidJson);
        assert!(err.message.contains("truncated"), "{}", err.message);
        assert_eq!(
            collect("").expect_err("empty").kind,
            ParseErrorKind::UnsupportedShape
        );
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(collect(&deep).is_err());
        // Deep nesting inside a value no source reads is still valid JSON: the event passes through.
        let deep_obj = format!("{{\"a\":{}1{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(collect(&deep_obj).expect("valid JSON").len(), 1);
    }
}
