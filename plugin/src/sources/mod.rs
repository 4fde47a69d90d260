//! Source detection and parsing: one module per log source, plus the envelopes they arrive in.
//! Sources turn bytes into typed events and normalised fields; they know nothing of rules.

pub mod aws_cloudtrail;
pub mod azure_activity;
pub mod docker_events;
pub mod docker_inspect;
pub mod envelope;
pub mod flow_log;
pub mod gcp_audit;
pub mod json;
pub mod k8s_audit;
pub mod k8s_gke;
pub mod ocsf;
pub mod peek;
pub mod reshape;
pub mod scan;
pub mod time;

use json::Object;

use crate::model::{Normalized, SourceKind};

/// An event read by its source's parser.
// One lives on the stack per event; boxing the large variants would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
pub enum SourceEvent<'a> {
    CloudTrail(aws_cloudtrail::Record<'a>),
    AzureActivity(azure_activity::Record<'a>),
    GcpAudit(gcp_audit::Entry<'a>),
    K8sAudit(k8s_audit::Event<'a>),
    DockerEvent(docker_events::EngineEvent<'a>),
    DockerContainer(docker_inspect::Container<'a>),
    /// AWS VPC or GCP flow record, GCP firewall-rule log entry, or an AWS custom-format header line.
    FlowLog(flow_log::FlowRecord<'a>),
    /// No known shape: passed through with no findings.
    Unknown,
}

/// A recognised event with its normalised fields.
pub struct Decoded<'a> {
    pub source: SourceKind,
    pub fields: Normalized,
    pub event: SourceEvent<'a>,
    /// Set when the event was recognised by a fallback rather than in its canonical shape: one of the
    /// `shape_note::*` reasons. `None` for canonical events.
    pub shape_note: Option<&'static str>,
}

/// Why an event was recognised although it is not in its source's canonical shape.
pub mod shape_note {
    /// A lake or SIEM export that lower-cased the keys (`eventname`, `protopayload`).
    pub const FOLDED_KEYS: &str = "keys matched case-insensitively";
    /// A Kubernetes audit event with the request only (test fixtures, some exporters).
    pub const K8S_WITHOUT_STAGE: &str = "kubernetes audit event without stage/auditID";
    /// A CloudTrail record a filter or lake query cut down (no `eventTime` or `eventID`).
    pub const CLOUDTRAIL_PARTIAL: &str = "cloudtrail record without eventTime/eventID";
    /// A lake export that kept `requestParameters`/`responseElements` as JSON text.
    pub const STRINGIFIED_BODIES: &str = "request parameters read from a JSON string";
    /// Security Lake's OCSF API Activity (CloudTrail management events, EKS audit logs).
    pub const OCSF_API_ACTIVITY: &str = "OCSF 6003 (Security Lake)";
    /// Security Lake's OCSF Network Activity (VPC flow logs).
    pub const OCSF_NETWORK_ACTIVITY: &str = "OCSF 4001 (Security Lake)";
}

impl Decoded<'_> {
    pub fn unknown() -> Decoded<'static> {
        Decoded {
            source: SourceKind::Unknown,
            fields: Normalized::default(),
            event: SourceEvent::Unknown,
            shape_note: None,
        }
    }
}

/// Recognise and read one event object. A hint is trusted over the event's shape.
pub fn decode<'a>(object: &Object<'a>, hint: Option<SourceKind>) -> Decoded<'a> {
    let mut decoded = decode_shape(object, hint);
    if decoded.source != SourceKind::Unknown {
        // The reshaped origin (OCSF) says most; a case-folded export next; a cut-down record last.
        decoded.shape_note = object
            .note()
            .or_else(|| object.matched_folded().then_some(shape_note::FOLDED_KEYS))
            .or(decoded.shape_note);
    }
    decoded
}

/// The source an event is read as: the hint when there is one, else its shape.
pub fn source_of(object: &Object<'_>, hint: Option<SourceKind>) -> Option<SourceKind> {
    hint.filter(|h| *h != SourceKind::Unknown)
        .or_else(|| detect(object))
}

fn decode_shape<'a>(object: &Object<'a>, hint: Option<SourceKind>) -> Decoded<'a> {
    match source_of(object, hint) {
        Some(SourceKind::AwsCloudtrail) => {
            let record = aws_cloudtrail::Record::from_object(object);
            let partial = record.event_time.is_none() || record.event_id.is_none();
            Decoded {
                source: SourceKind::AwsCloudtrail,
                fields: record.normalize(),
                event: SourceEvent::CloudTrail(record),
                shape_note: partial.then_some(shape_note::CLOUDTRAIL_PARTIAL),
            }
        }
        Some(SourceKind::AzureActivity) => {
            let record = azure_activity::Record::from_object(object);
            Decoded {
                source: SourceKind::AzureActivity,
                fields: record.normalize(),
                event: SourceEvent::AzureActivity(record),
                shape_note: None,
            }
        }
        Some(SourceKind::GcpAudit) => {
            let entry = gcp_audit::Entry::from_object(object);
            Decoded {
                source: SourceKind::GcpAudit,
                fields: entry.normalize(),
                event: SourceEvent::GcpAudit(entry),
                shape_note: None,
            }
        }
        Some(SourceKind::K8sAudit) => {
            let (event, minimal) = if k8s_gke::matches(object) {
                (k8s_gke::from_object(object), false)
            } else {
                let event = k8s_audit::Event::from_object(object);
                let minimal = event.stage.is_none();
                (event, minimal)
            };
            Decoded {
                source: SourceKind::K8sAudit,
                fields: event.normalize(),
                event: SourceEvent::K8sAudit(event),
                shape_note: minimal.then_some(shape_note::K8S_WITHOUT_STAGE),
            }
        }
        Some(SourceKind::Docker) if docker_inspect::matches(object) => {
            let container = docker_inspect::Container::from_object(object);
            Decoded {
                source: SourceKind::Docker,
                fields: container.normalize(),
                event: SourceEvent::DockerContainer(container),
                shape_note: None,
            }
        }
        Some(SourceKind::Docker) => {
            let event = docker_events::EngineEvent::from_object(object);
            Decoded {
                source: SourceKind::Docker,
                fields: event.normalize(),
                event: SourceEvent::DockerEvent(event),
                shape_note: None,
            }
        }
        Some(SourceKind::FlowLog) => flow_log::from_object(object),
        _ => Decoded::unknown(),
    }
}

/// Detection by shape, most specific first. Each source's `matches` looks only at key presence.
fn detect(object: &Object<'_>) -> Option<SourceKind> {
    if aws_cloudtrail::matches(object) {
        return Some(SourceKind::AwsCloudtrail);
    }
    if azure_activity::matches(object) {
        return Some(SourceKind::AzureActivity);
    }
    if k8s_audit::matches(object) || k8s_gke::matches(object) {
        return Some(SourceKind::K8sAudit);
    }
    if docker_events::matches(object) || docker_inspect::matches(object) {
        return Some(SourceKind::Docker);
    }
    // Refuses GKE Kubernetes API entries itself, wherever the Kubernetes audit source is checked.
    if gcp_audit::matches(object) {
        return Some(SourceKind::GcpAudit);
    }
    if flow_log::matches(object) {
        return Some(SourceKind::FlowLog);
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
            SourceEvent::AzureActivity(record) => record.failure(),
            SourceEvent::GcpAudit(entry) => entry.failure(),
            SourceEvent::K8sAudit(event) => event.failure(),
            SourceEvent::DockerEvent(_) | SourceEvent::DockerContainer(_) => None,
            SourceEvent::FlowLog(_) => None,
            SourceEvent::Unknown => None,
        }
    }

    /// The Kubernetes cluster and namespace the event concerns, for suppressions scoped to them.
    pub fn scope(&self) -> crate::config::Scope<'_> {
        match self {
            SourceEvent::K8sAudit(event) => crate::config::Scope {
                cluster: event.cluster.as_deref(),
                namespace: event.object.namespace.as_deref(),
                event: None,
            },
            _ => crate::config::Scope::default(),
        }
    }

    /// Whether the actor is the account's root identity.
    pub fn is_root(&self) -> bool {
        match self {
            SourceEvent::CloudTrail(record) => record.identity.kind.as_deref() == Some("Root"),
            SourceEvent::AzureActivity(_) | SourceEvent::GcpAudit(_) => false,
            SourceEvent::K8sAudit(_)
            | SourceEvent::DockerEvent(_)
            | SourceEvent::DockerContainer(_) => false,
            SourceEvent::FlowLog(_) => false,
            SourceEvent::Unknown => false,
        }
    }
}
