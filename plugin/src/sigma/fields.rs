//! Field names → paths into the event as the service emits it, and the lazily resolved values of one
//! event.
//!
//! A Sigma field name is a dotted path (`requestParameters.bucketName`, `objectRef.resource`). Walking
//! it, an array on the way is entered element by element and an array at the end contributes each of its
//! elements, so a value matches when any element matches. A key that itself contains dots is found too:
//! when `a.b.c` has no key `a`, the keys `a.b` and `a.b.c` are tried.
//!
//! Taxonomy: SigmaHQ's cloud rules mostly use the raw names, with these exceptions, mapped per source:
//!
//! | source | Sigma field | event path |
//! |---|---|---|
//! | GCP audit | `gcp.audit.method_name` | `protoPayload.methodName` |
//! | GCP audit | `gcp.audit.service_name` | `protoPayload.serviceName` |
//! | GCP audit | `gcp.audit.resource_name` | `protoPayload.resourceName` |
//! | GCP audit | `gcp.audit.authentication_info.principal_email` | `protoPayload.authenticationInfo.principalEmail` |
//! | GCP audit | `gcp.audit.request_metadata.caller_ip` | `protoPayload.requestMetadata.callerIp` |
//! | GCP audit | `data.<path>` (Pub/Sub wrapper) | `<path>` |
//! | Azure Activity | `OperationNameValue` | `operationName` |
//! | Azure Activity | `CategoryValue` | `category` |
//! | Azure Activity | `ResourceProviderValue` | `resourceProviderName` |
//! | Azure Activity | `ResourceId` | `resourceId` |
//! | Kubernetes audit | `apiGroup` | `objectRef.apiGroup` |
//! | Kubernetes audit | `hostPath` | `requestObject.spec.volumes.hostPath.path` |
//! | Kubernetes audit | `capabilities` | `requestObject.spec.containers.securityContext.capabilities.add` |
//!
//! Azure's REST/portal shape writes localisable fields as `{"value": …, "localizedValue": …}`; for Azure
//! Activity events such an object stands for its `value`, so `operationName` matches both shapes.

use crate::sources::json::Raw;

use crate::model::SourceKind;
use crate::sources::json::{self, Object};

/// The deepest array/object nesting walked when collecting values; deeper parts are ignored.
const MAX_WALK_DEPTH: usize = 32;

/// A field as written in the rule and the path it reads.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldPath {
    pub name: String,
    pub segments: Vec<String>,
}

/// The event path a Sigma field name reads for a source.
pub fn map_field(source: SourceKind, name: &str) -> FieldPath {
    let mapped: Option<&str> = match (source, name) {
        (SourceKind::GcpAudit, "gcp.audit.method_name") => Some("protoPayload.methodName"),
        (SourceKind::GcpAudit, "gcp.audit.service_name") => Some("protoPayload.serviceName"),
        (SourceKind::GcpAudit, "gcp.audit.resource_name") => Some("protoPayload.resourceName"),
        (SourceKind::GcpAudit, "gcp.audit.authentication_info.principal_email") => {
            Some("protoPayload.authenticationInfo.principalEmail")
        }
        (SourceKind::GcpAudit, "gcp.audit.request_metadata.caller_ip") => {
            Some("protoPayload.requestMetadata.callerIp")
        }
        (SourceKind::GcpAudit, n) if n.starts_with("data.") => n.get(5..),
        (SourceKind::AzureActivity, "OperationNameValue") => Some("operationName"),
        (SourceKind::AzureActivity, "CategoryValue") => Some("category"),
        (SourceKind::AzureActivity, "ResourceProviderValue") => Some("resourceProviderName"),
        (SourceKind::AzureActivity, "ResourceId") => Some("resourceId"),
        (SourceKind::K8sAudit, "apiGroup") => Some("objectRef.apiGroup"),
        (SourceKind::K8sAudit, "hostPath") => Some("requestObject.spec.volumes.hostPath.path"),
        (SourceKind::K8sAudit, "capabilities") => {
            Some("requestObject.spec.containers.securityContext.capabilities.add")
        }
        _ => None,
    };
    let path = mapped.unwrap_or(name);
    FieldPath {
        name: name.to_string(),
        segments: path.split('.').map(str::to_string).collect(),
    }
}

/// One scalar of the event, in the forms matching needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Null,
    /// A string, number or boolean: its text (numbers as written, booleans `true`/`false`), the text
    /// lower-cased for case-insensitive comparison, and the number it reads as, if any.
    Text {
        text: String,
        lower: String,
        number: Option<f64>,
    },
    /// An object at the end of the path: present, but equal to no string.
    Object,
}

impl Scalar {
    pub fn text(text: String, number: Option<f64>) -> Scalar {
        let lower = text.to_lowercase();
        Scalar::Text {
            text,
            lower,
            number,
        }
    }

    fn from_raw(raw: Raw<'_>, source: SourceKind) -> Scalar {
        let text = raw.get();
        match text.as_bytes().first() {
            Some(b'"') => match json::raw_str(raw) {
                Some(s) => {
                    let number = numeric(&s);
                    Scalar::text(s.into_owned(), number)
                }
                None => Scalar::Null,
            },
            Some(b'n') => Scalar::Null,
            Some(b't') => Scalar::text("true".into(), None),
            Some(b'f') => Scalar::text("false".into(), None),
            Some(b'{') => {
                // Azure's REST shape: `{"value": "...", "localizedValue": "..."}`.
                if source == SourceKind::AzureActivity
                    && let Some(value) = Object::from_raw(raw).ok().and_then(|o| o.raw("value"))
                    && !value.get().starts_with(['{', '['])
                {
                    return Scalar::from_raw(value, source);
                }
                Scalar::Object
            }
            Some(_) => Scalar::text(text.to_string(), text.parse::<f64>().ok()),
            None => Scalar::Null,
        }
    }
}

/// The number a string spells in decimal (`"404"`, `"-1.5"`); not `"inf"` or `"NaN"`, which Rust's float
/// parser would also read.
fn numeric(text: &str) -> Option<f64> {
    let t = text.trim();
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    if body.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        t.parse::<f64>().ok().filter(|n| n.is_finite())
    } else {
        None
    }
}

/// The values found at a path: `None` when the path is absent.
pub type Resolved = Option<Vec<Scalar>>;

/// Resolve `path` in `event`.
pub fn resolve(event: &Object<'_>, path: &FieldPath, source: SourceKind) -> Resolved {
    let mut out = Vec::new();
    let mut found = false;
    walk_object(event, &path.segments, source, 0, &mut found, &mut out);
    found.then_some(out)
}

fn walk_object(
    object: &Object<'_>,
    segments: &[String],
    source: SourceKind,
    depth: usize,
    found: &mut bool,
    out: &mut Vec<Scalar>,
) {
    // Try `a`, then `a.b`, `a.b.c`… as literal keys, so keys containing dots are reachable.
    let Some(first) = segments.first() else {
        return;
    };
    if let Some(raw) = object.raw(first) {
        walk_raw(raw, &segments[1..], source, depth + 1, found, out);
    }
    for take in 2..=segments.len() {
        let key = segments[..take].join(".");
        if let Some(raw) = object.raw(&key) {
            walk_raw(raw, &segments[take..], source, depth + 1, found, out);
        }
    }
}

fn walk_raw(
    raw: Raw<'_>,
    rest: &[String],
    source: SourceKind,
    depth: usize,
    found: &mut bool,
    out: &mut Vec<Scalar>,
) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    if let Some(items) = json::raw_array(raw) {
        for item in items {
            walk_raw(item, rest, source, depth + 1, found, out);
        }
        return;
    }
    if rest.is_empty() {
        *found = true;
        out.push(Scalar::from_raw(raw, source));
        return;
    }
    if let Ok(object) = Object::from_raw(raw) {
        walk_object(&object, rest, source, depth, found, out);
    }
}

/// Every string, number and boolean in the event (for keyword search).
pub fn all_values(event: &Object<'_>) -> Vec<Scalar> {
    let mut out = Vec::new();
    for key in event.keys() {
        if let Some(raw) = event.raw(key) {
            collect(raw, 0, &mut out);
        }
    }
    out
}

fn collect(raw: Raw<'_>, depth: usize, out: &mut Vec<Scalar>) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => {
            if let Ok(object) = Object::from_raw(raw) {
                for key in object.keys() {
                    if let Some(value) = object.raw(key) {
                        collect(value, depth + 1, out);
                    }
                }
            }
        }
        Some(b'[') => {
            for item in json::raw_array(raw).unwrap_or_default() {
                collect(item, depth + 1, out);
            }
        }
        Some(b'"') => {
            if let Some(s) = json::raw_str(raw) {
                let number = numeric(&s);
                out.push(Scalar::text(s.into_owned(), number));
            }
        }
        Some(b'n') | None => {}
        Some(_) => out.push(Scalar::from_raw(raw, SourceKind::Unknown)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(resolved: &Resolved) -> Option<Vec<&str>> {
        resolved.as_ref().map(|values| {
            values
                .iter()
                .map(|v| match v {
                    Scalar::Text { text, .. } => text.as_str(),
                    Scalar::Null => "<null>",
                    Scalar::Object => "<object>",
                })
                .collect()
        })
    }

    #[test]
    fn walks_nested_objects_arrays_and_dotted_keys() {
        // Kubernetes audit event (audit.k8s.io/v1) with a pod's containers in requestObject.
        let text = r#"{"verb":"create","objectRef":{"resource":"pods","namespace":"kube-system"},
            "requestObject":{"spec":{"containers":[
                {"securityContext":{"capabilities":{"add":["SYS_ADMIN","NET_ADMIN"]}}},
                {"securityContext":{}}]}},
            "annotations":{"authorization.k8s.io/decision":"allow"},"responseStatus":{"code":201},
            "sourceIPs":["10.0.0.5"],"stageTimestamp":null}"#;
        let event = Object::parse(text).expect("event");
        let k8s = |name: &str| {
            resolve(
                &event,
                &map_field(SourceKind::K8sAudit, name),
                SourceKind::K8sAudit,
            )
        };
        assert_eq!(texts(&k8s("objectRef.resource")), Some(vec!["pods"]));
        assert_eq!(
            texts(&k8s("capabilities")),
            Some(vec!["SYS_ADMIN", "NET_ADMIN"])
        );
        assert_eq!(
            texts(&k8s("annotations.authorization.k8s.io/decision")),
            Some(vec!["allow"])
        );
        assert_eq!(texts(&k8s("responseStatus.code")), Some(vec!["201"]));
        assert_eq!(texts(&k8s("sourceIPs")), Some(vec!["10.0.0.5"]));
        assert_eq!(texts(&k8s("stageTimestamp")), Some(vec!["<null>"]));
        assert_eq!(texts(&k8s("objectRef")), Some(vec!["<object>"]));
        assert_eq!(k8s("objectRef.name"), None);
        assert_eq!(k8s("verb.x"), None);
    }

    #[test]
    fn maps_taxonomy_names_per_source() {
        let path = map_field(SourceKind::GcpAudit, "gcp.audit.method_name");
        assert_eq!(path.segments, ["protoPayload", "methodName"]);
        let path = map_field(SourceKind::GcpAudit, "data.protoPayload.serviceName");
        assert_eq!(path.segments, ["protoPayload", "serviceName"]);
        // Not mapped for other sources.
        let path = map_field(SourceKind::AwsCloudtrail, "gcp.audit.method_name");
        assert_eq!(path.segments, ["gcp", "audit", "method_name"]);
    }

    #[test]
    fn azure_value_objects_stand_for_their_value() {
        // Activity Log REST shape (Microsoft.Insights/eventtypes/management/values).
        let text = r#"{"operationName":{"value":"Microsoft.Insights/diagnosticSettings/delete","localizedValue":"Delete diagnostic setting"}}"#;
        let event = Object::parse(text).expect("event");
        let path = map_field(SourceKind::AzureActivity, "OperationNameValue");
        assert_eq!(
            texts(&resolve(&event, &path, SourceKind::AzureActivity)),
            Some(vec!["Microsoft.Insights/diagnosticSettings/delete"])
        );
        assert_eq!(
            texts(&resolve(&event, &path, SourceKind::K8sAudit)),
            Some(vec!["<object>"]),
            "value objects are an Azure shape only"
        );
    }

    #[test]
    fn collects_every_value_for_keywords() {
        let event = Object::parse(r#"{"a":"X","b":{"c":["Y",3,true,null]}}"#).expect("event");
        let texts: Vec<String> = all_values(&event)
            .into_iter()
            .filter_map(|s| match s {
                Scalar::Text { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["X", "Y", "3", "true"]);
    }
}
