//! What the engine's fast path hands correlation for an event no consumer wants in full
//! (`interest`): the event's time, principal and source address (the clock and the per-principal
//! network history read them from every event), in buffers reused from event to event so that the
//! fast path allocates nothing for them once warm.

mod remembered;

use std::borrow::Cow;

use remembered::Remembered;

use crate::model::{EnrichedEvent, Normalized, SourceKind};
use crate::sources::json::Object;
use crate::sources::{
    aws_cloudtrail, azure_activity, docker_events, gcp_audit, k8s_audit, k8s_gke,
};

#[derive(Debug)]
pub struct Quiet {
    event: EnrichedEvent,
    spare_principal: String,
    spare_source_ip: String,
    /// Principals by the texts they are read from.
    remembered: Remembered,
}

impl Default for Quiet {
    fn default() -> Quiet {
        Quiet {
            event: EnrichedEvent {
                source: SourceKind::Unknown,
                envelope_index: 0,
                raw: None,
                fields: Normalized::default(),
                findings: Vec::new(),
                shape_note: None,
            },
            spare_principal: String::new(),
            spare_source_ip: String::new(),
            remembered: Remembered::default(),
        }
    }
}

impl Quiet {
    /// The facts of a CloudTrail record, read as `Record::normalize` reads them, as an event for
    /// `Correlator::observe` (no findings, other fields empty).
    pub fn cloudtrail(&mut self, object: &Object<'_>) -> &mut EnrichedEvent {
        let source_ip = aws_cloudtrail::Glance::source_ip(object);
        self.fill(
            aws_cloudtrail::Glance::event_time(object),
            source_ip.as_deref(),
            |memory, out| {
                memory.principal(&["aws", raw_text(object, "userIdentity")], out, |out| {
                    push(out, aws_cloudtrail::Glance::principal(object))
                })
            },
        )
    }

    /// The facts of a Kubernetes audit event, read as `k8s_audit::Event::normalize` reads them.
    pub fn k8s(&mut self, object: &Object<'_>) -> &mut EnrichedEvent {
        let source_ip = k8s_audit::Glance::source_ip(object);
        self.fill(
            k8s_audit::Glance::event_time(object),
            source_ip.as_deref(),
            |memory, out| {
                let text = |key| raw_text(object, key);
                memory.principal(
                    &["k8s", text("user"), text("impersonatedUser")],
                    out,
                    |out| k8s_audit::Glance::principal(object, out),
                )
            },
        )
    }

    /// The facts of a GKE Kubernetes entry, read as `k8s_gke::from_object` reads them.
    pub fn gke(&mut self, object: &Object<'_>, glance: &k8s_gke::Glance<'_>) -> &mut EnrichedEvent {
        let source_ip = glance.source_ip();
        self.fill(
            k8s_gke::Glance::event_time(object),
            source_ip.as_deref(),
            |_, out| push(out, glance.principal()),
        )
    }

    /// The facts of a GCP audit entry, read as `gcp_audit::Entry::normalize` reads them.
    pub fn gcp(
        &mut self,
        object: &Object<'_>,
        glance: &gcp_audit::Glance<'_>,
    ) -> &mut EnrichedEvent {
        let source_ip = glance.source_ip();
        self.fill(
            gcp_audit::Glance::event_time(object),
            source_ip.as_deref(),
            |_, out| push(out, glance.principal()),
        )
    }

    /// The facts of an Azure Activity event, read as `azure_activity::Record::normalize` reads them.
    pub fn azure(&mut self, object: &Object<'_>) -> &mut EnrichedEvent {
        let source_ip = azure_activity::Glance::source_ip(object);
        self.fill(
            azure_activity::Glance::event_time(object),
            source_ip.as_deref(),
            |memory, out| {
                let text = |key| raw_text(object, key);
                memory.principal(
                    &["azure", text("identity"), text("claims"), text("caller")],
                    out,
                    |out| push(out, azure_activity::Glance::principal(object)),
                )
            },
        )
    }

    /// The facts of a Docker engine event: its time (engine events name no principal or address).
    pub fn docker(&mut self, object: &Object<'_>) -> &mut EnrichedEvent {
        self.fill(docker_events::Glance::event_time(object), None, |_, _| {
            false
        })
    }

    /// Set the event's facts; `principal` writes the principal into an empty buffer and says whether
    /// there is one. History reads the principal only together with a source address, so it is only
    /// asked for then.
    fn fill(
        &mut self,
        time: Option<i64>,
        source_ip: Option<&str>,
        principal: impl FnOnce(&mut Remembered, &mut String) -> bool,
    ) -> &mut EnrichedEvent {
        self.event.fields.event_time = time;
        refill(
            &mut self.event.fields.source_ip,
            &mut self.spare_source_ip,
            source_ip,
        );
        let fields = &mut self.event.fields;
        let mut buffer = fields
            .principal
            .take()
            .unwrap_or_else(|| std::mem::take(&mut self.spare_principal));
        buffer.clear();
        if source_ip.is_some() && principal(&mut self.remembered, &mut buffer) {
            fields.principal = Some(buffer);
        } else {
            self.spare_principal = buffer;
        }
        &mut self.event
    }
}

/// The raw text of `key` (`""` when absent): what a remembered principal is keyed by.
fn raw_text<'a>(object: &Object<'a>, key: &str) -> &'a str {
    object.raw(key).map_or("", |r| r.get())
}

/// Write `value` into `out`; whether there was one.
fn push(out: &mut String, value: Option<Cow<'_, str>>) -> bool {
    value.is_some_and(|value| {
        out.push_str(&value);
        true
    })
}

/// Put `value` in `slot`, reusing the slot's or the spare's buffer; an absent value leaves the buffer
/// in `spare` for the next event.
fn refill(slot: &mut Option<String>, spare: &mut String, value: Option<&str>) {
    let mut buffer = slot.take().unwrap_or_else(|| std::mem::take(spare));
    match value {
        Some(value) => {
            buffer.clear();
            buffer.push_str(value);
            *slot = Some(buffer);
        }
        None => *spare = buffer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(identity: &str, ip: &str) -> String {
        format!(
            r#"{{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","eventTime":"2026-11-27T08:15:05Z","sourceIPAddress":"{ip}","userIdentity":{identity}}}"#
        )
    }

    #[test]
    fn remembered_identities_give_the_principal_a_full_read_gives() {
        let mut quiet = Quiet::default();
        // More distinct identities than are remembered, each seen twice, in an order that evicts.
        let identities: Vec<String> = (0..remembered::ENTRIES + 3)
            .map(|i| {
                format!(
                    r#"{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u{i}","accountId":"111122223333","userName":"u{i}"}}"#
                )
            })
            .chain([
                r#"{"type":"AWSService","invokedBy":"ec2.amazonaws.com"}"#.to_owned(),
                r#""not an object""#.to_owned(),
            ])
            .collect();
        for round in 0..2 {
            for identity in &identities {
                let text = record(identity, "203.0.113.7");
                let object = Object::parse(&text).expect("object");
                let full = aws_cloudtrail::Record::from_object(&object).normalize();
                let event = quiet.cloudtrail(&object);
                assert_eq!(event.fields.principal, full.principal, "round {round}");
                assert_eq!(event.fields.source_ip, full.source_ip);
                assert_eq!(event.fields.event_time, full.event_time);
            }
        }
        // Without a source address history reads nothing, so no principal is looked up.
        let text = r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","userIdentity":{"arn":"a"}}"#;
        let object = Object::parse(text).expect("object");
        let event = quiet.cloudtrail(&object);
        assert_eq!(event.fields.principal, None);
        assert_eq!(event.fields.source_ip, None);
        assert_eq!(event.fields.event_time, None);
    }

    /// The facts the fast path reads, for an event of any source it serves.
    fn facts<'q>(quiet: &'q mut Quiet, object: &Object<'_>) -> Option<&'q mut EnrichedEvent> {
        use crate::sources::docker_inspect;
        Some(match crate::sources::source_of(object, None)? {
            SourceKind::AwsCloudtrail => quiet.cloudtrail(object),
            SourceKind::K8sAudit if k8s_gke::matches(object) => {
                quiet.gke(object, &k8s_gke::Glance::read(object))
            }
            SourceKind::K8sAudit => quiet.k8s(object),
            SourceKind::GcpAudit => quiet.gcp(object, &gcp_audit::Glance::read(object)),
            SourceKind::AzureActivity => quiet.azure(object),
            SourceKind::Docker if !docker_inspect::matches(object) => quiet.docker(object),
            _ => return None,
        })
    }

    fn recorded(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("testdata") {
            let path = entry.expect("entry").path();
            let name = path.to_string_lossy();
            if path.is_dir() {
                recorded(&path, out);
            } else if name.ends_with(".ndjson")
                || (name.ends_with(".json") && !name.ends_with("expected.json"))
            {
                out.push(path);
            }
        }
    }

    /// On every event of every recorded stream, in every envelope and shape (lower-cased exports,
    /// minimal Kubernetes events, Azure's REST shape, GKE entries), plus odd types: the facts the fast
    /// path hands correlation are the full read's (the principal wherever history reads it, that is
    /// with a source address).
    #[test]
    fn facts_of_every_recorded_event_are_the_full_reads() {
        let mut paths = Vec::new();
        recorded(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata"),
            &mut paths,
        );
        let mut texts: Vec<String> = paths
            .iter()
            .flat_map(|p| {
                // Adversarial streams hold invalid UTF-8 on purpose: the engine refuses it whole.
                let text = String::from_utf8_lossy(&std::fs::read(p).expect("stream")).into_owned();
                if p.extension().is_some_and(|e| e == "json") {
                    vec![text]
                } else {
                    text.lines().map(str::to_owned).collect()
                }
            })
            .collect();
        texts.extend(
            [
                r#"{"auditID":"a","stage":"ResponseComplete","verb":"get","user":"root","sourceIPs":"x","stageTimestamp":7,"requestReceivedTimestamp":"2026-11-27T09:12:03Z"}"#,
                r#"{"auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"u"},"impersonatedUser":{"username":7},"sourceIPs":[7,"203.0.113.7"],"stageTimestamp":"bad","requestReceivedTimestamp":"2026-11-27T09:12:03Z"}"#,
                r#"{"auditID":"a","stage":"ResponseComplete","verb":"get","user":{"username":"u"},"impersonatedUser":{"username":"v"},"sourceIPs":["203.0.113.7"],"requestReceivedTimestamp":"2026-11-27T09:12:03Z"}"#,
                r#"{"logName":"l","protoPayload":{"authenticationInfo":{"principalEmail":7,"principalSubject":"user:x"},"requestMetadata":{"callerIp":"203.0.113.61"}},"timestamp":"2026-11-27T10:02:11Z"}"#,
                r#"{"logName":"l","protoPayload":{"authenticationInfo":"x","requestMetadata":[]},"timestamp":1}"#,
                r#"{"operationName":"X","resourceId":"/s","resultType":"Success","callerIpAddress":7,"httpRequest":{"clientIpAddress":"198.51.100.40"},"identity":{"claims":{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":""}},"claims":{"appid":"a"},"caller":"","time":"2026-11-27T09:12:44Z"}"#,
                r#"{"operationName":"X","resourceId":"/s","resultType":"Success","callerIpAddress":"203.0.113.24","identity":{"claims":7},"claims":{"upn":"u@x","name":"n"},"eventTimestamp":"2026-11-27T09:12:44Z"}"#,
                r#"{"operationName":"X","resourceId":"/s","resultType":"Success","callerIpAddress":"203.0.113.24","claims":{"appid":"","name":"n"}}"#,
                r#"{"Type":"container","Action":"start","Actor":{},"time":"1795770000"}"#,
                r#"{"status":"start","id":"i","from":"f","time":1795770000,"timeNano":"x"}"#,
            ]
            .map(str::to_owned),
        );
        let mut quiet = Quiet::default();
        let mut compared = 0;
        for text in &texts {
            let _ = crate::sources::envelope::for_each_event(text, &mut |_, inner| {
                let crate::sources::envelope::Inner::Object(object) = inner else {
                    return;
                };
                let full = crate::sources::decode(object, None).fields;
                let Some(event) = facts(&mut quiet, object) else {
                    return;
                };
                let fields = &event.fields;
                assert_eq!(fields.event_time, full.event_time, "{text}");
                assert_eq!(fields.source_ip, full.source_ip, "{text}");
                if full.source_ip.is_some() {
                    assert_eq!(fields.principal, full.principal, "{text}");
                } else {
                    assert_eq!(fields.principal, None, "{text}");
                }
                compared += 1;
            });
        }
        assert!(compared > 1000, "{compared} events compared");
    }
}
