//! GKE Kubernetes audit: the API server's requests written as Cloud Audit LogEntries
//! (`resource.type = "k8s_cluster"`, `protoPayload.methodName = "io.k8s.apps.v1.daemonsets.delete"`).
//! Read into the same `k8s_audit::Event` as native audit events, so rules see one shape.

use std::borrow::Cow;

use super::gcp_audit;
use super::json::{Object, Raw, raw_str};
use super::k8s_audit::{Event, ObjectRef};
use super::peek;

/// A LogEntry of a Kubernetes API request. Checked before the generic GCP audit source, which would
/// otherwise claim it.
pub fn matches(object: &Object<'_>) -> bool {
    if !object.has("protoPayload") {
        return false;
    }
    // Asked of every entry of every GCP stream: one pass per nested object, building none.
    let nested = |outer: &str, key: &str| {
        object
            .raw(outer)
            .and_then(|o| peek::members(o, [key]))
            .and_then(|[value]| value)
            .and_then(raw_str)
    };
    nested("resource", "type").is_some_and(|t| t == "k8s_cluster")
        && nested("protoPayload", "methodName").is_some_and(|m| m.starts_with("io.k8s."))
}

/// Read a GKE LogEntry as an audit event. GKE writes one entry per completed request, so there is no
/// stage; `status` is a gRPC status, empty on success.
pub fn from_object<'a>(object: &Object<'a>) -> Event<'a> {
    let payload = object.object("protoPayload").unwrap_or_default();
    let method = payload.str("methodName").unwrap_or_default();
    let verb = method.rsplit('.').next().unwrap_or_default().to_owned();
    let resource_name = payload.str("resourceName").unwrap_or_default();
    let status = payload.object("status");
    let code = status.as_ref().and_then(|s| s.i64("code"));
    let labels = object
        .path(&["resource", "labels"])
        .and_then(|r| Object::from_raw(r).ok());
    let metadata = payload.object("requestMetadata");
    Event {
        audit_id: object
            .path(&["operation", "id"])
            .and_then(super::json::raw_str)
            .or_else(|| object.str("insertId")),
        stage: None,
        verb: Cow::Owned(verb),
        username: payload
            .object("authenticationInfo")
            .and_then(|a| a.str("principalEmail")),
        impersonated: None,
        source_ip: metadata.as_ref().and_then(|m| m.str("callerIp")),
        user_agent: metadata
            .as_ref()
            .and_then(|m| m.str("callerSuppliedUserAgent")),
        object: object_ref(&resource_name, &method),
        code,
        status_message: status.as_ref().and_then(|s| s.str("message")),
        request_object: payload.raw("request").filter(|r| !super::json::is_null(*r)),
        response_object: payload
            .raw("response")
            .filter(|r| !super::json::is_null(*r)),
        stage_timestamp: object.str("timestamp"),
        received_timestamp: None,
        cluster: labels.as_ref().and_then(|l| l.str("cluster_name")),
        location: labels.as_ref().and_then(|l| l.str("location")),
        failed_override: Some(code.is_some_and(|c| c != 0)),
    }
}

/// `apps/v1/namespaces/<ns>/daemonsets/<name>[/<sub>]`, `core/v1/namespaces/<ns>` or
/// `<group>/v1/<resource>/<name>` for cluster-scoped objects. The method name tells a namespace's
/// own subresource (`io.k8s.core.v1.namespaces.finalize.update`) from a collection in it.
fn object_ref<'a>(resource_name: &str, method: &str) -> ObjectRef<'a> {
    let parts: Vec<&str> = resource_name.split('/').collect();
    let owned = |i: usize| parts.get(i).map(|s| Cow::Owned((*s).to_owned()));
    let group = parts
        .first()
        .map(|g| if *g == "core" { "" } else { g })
        .map(|g| Cow::Owned(g.to_owned()));
    let rest = 2;
    if in_namespace(resource_name, method) {
        ObjectRef {
            resource: owned(rest + 2),
            subresource: owned(rest + 4),
            namespace: owned(rest + 1),
            name: owned(rest + 3),
            api_group: group,
        }
    } else {
        ObjectRef {
            resource: owned(rest),
            subresource: owned(rest + 2),
            namespace: None,
            name: owned(rest + 1),
            api_group: group,
        }
    }
}

/// Whether `resourceName` names an object in a namespace (`<group>/v1/namespaces/<ns>/<resource>/…`)
/// rather than a cluster-scoped object or a namespace's own subresource.
fn in_namespace(resource_name: &str, method: &str) -> bool {
    let count = resource_name.split('/').count();
    let mut parts = resource_name.split('/').skip(2);
    if parts.next() != Some("namespaces") || count <= 4 {
        return false;
    }
    let namespace_sub = count == 5
        && parts
            .nth(1)
            .is_some_and(|sub| names_namespace_subresource(method, sub));
    !namespace_sub
}

/// `method` holds `.namespaces.<sub>.` (`io.k8s.core.v1.namespaces.finalize.update`).
fn names_namespace_subresource(method: &str, sub: &str) -> bool {
    const MARK: &str = ".namespaces.";
    let mut rest = method;
    while let Some(at) = rest.find(MARK) {
        let after = rest.get(at + MARK.len()..).unwrap_or("");
        if after.strip_prefix(sub).is_some_and(|r| r.starts_with('.')) {
            return true;
        }
        // Occurrences may overlap (`.namespaces.namespaces.`): resume one byte (the '.') on.
        rest = rest.get(at + 1..).unwrap_or("");
    }
    false
}

/// The keys the engine's fast path reads of a GKE entry (`interest`, `quiet`), read as `from_object`
/// reads them, borrowing from the text: `protoPayload` is scanned once.
pub struct Glance<'a> {
    method: Cow<'a, str>,
    resource_name: Cow<'a, str>,
    authentication: Option<Raw<'a>>,
    metadata: Option<Raw<'a>>,
}

impl<'a> Glance<'a> {
    pub fn read(object: &Object<'a>) -> Glance<'a> {
        let [method, resource_name, authentication, metadata] = object
            .raw("protoPayload")
            .and_then(|p| {
                peek::members(
                    p,
                    [
                        "methodName",
                        "resourceName",
                        "authenticationInfo",
                        "requestMetadata",
                    ],
                )
            })
            .unwrap_or_default();
        Glance {
            method: method.and_then(raw_str).unwrap_or_default(),
            resource_name: resource_name.and_then(raw_str).unwrap_or_default(),
            authentication,
            metadata,
        }
    }

    /// `Event::verb`: the method's last segment.
    pub fn verb(&self) -> &str {
        self.method.rsplit('.').next().unwrap_or_default()
    }

    /// `Event::resource`.
    pub fn resource(&self) -> &str {
        let at = if in_namespace(&self.resource_name, &self.method) {
            4
        } else {
            2
        };
        self.resource_name.split('/').nth(at).unwrap_or("")
    }

    /// `Event::subresource`.
    pub fn subresource(&self) -> Option<&str> {
        let at = if in_namespace(&self.resource_name, &self.method) {
            6
        } else {
            4
        };
        self.resource_name
            .split('/')
            .nth(at)
            .filter(|s| !s.is_empty())
    }

    /// `Event::is_read`.
    pub fn is_read(&self) -> bool {
        matches!(self.verb(), "get" | "list" | "watch")
    }

    /// `Normalized::event_time`.
    pub fn event_time(object: &Object<'a>) -> Option<i64> {
        gcp_audit::entry_time(object)
    }

    /// `Normalized::source_ip`: `protoPayload.requestMetadata.callerIp`.
    pub fn source_ip(&self) -> Option<Cow<'a, str>> {
        gcp_audit::caller_ip(self.metadata)
    }

    /// `Normalized::principal`: `protoPayload.authenticationInfo.principalEmail`.
    pub fn principal(&self) -> Option<Cow<'a, str>> {
        self.authentication
            .and_then(|a| peek::members(a, ["principalEmail"]))
            .and_then(|[email]| email)
            .and_then(raw_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;

    const DELETE_DS: &str = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{"principalEmail":"mallory@example.com"},"authorizationInfo":[{"granted":true,"permission":"io.k8s.apps.v1.daemonsets.delete","resource":"apps/v1/namespaces/falco/daemonsets/falco"}],"methodName":"io.k8s.apps.v1.daemonsets.delete","requestMetadata":{"callerIp":"203.0.113.7","callerSuppliedUserAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350"},"resourceName":"apps/v1/namespaces/falco/daemonsets/falco","serviceName":"k8s.io","status":{}},"insertId":"b1f5c0a2-3d4e","resource":{"type":"k8s_cluster","labels":{"project_id":"acme-prod","location":"us-central1","cluster_name":"prod-gke"}},"timestamp":"2026-11-27T10:02:11.482913Z","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity","operation":{"id":"0c6b3f7e-8a1d-4c52-9e0b-2f7d6a1c4e93","producer":"k8s.io","first":true,"last":true}}"#;

    #[test]
    fn reads_a_daemonset_delete() {
        let object = Object::parse(DELETE_DS).expect("object");
        assert!(matches(&object));
        let event = from_object(&object);
        assert_eq!(event.verb, "delete");
        assert_eq!(event.namespace(), Some("falco"));
        assert_eq!(event.resource(), "daemonsets");
        assert_eq!(event.api_group(), "apps");
        let fields = event.normalize();
        assert_eq!(fields.account.as_deref(), Some("prod-gke"));
        assert_eq!(fields.region.as_deref(), Some("us-central1"));
        assert_eq!(fields.action.as_deref(), Some("delete apps/daemonsets"));
        assert_eq!(fields.target.as_deref(), Some("falco/daemonsets/falco"));
        assert_eq!(
            fields.event_id.as_deref(),
            Some("0c6b3f7e-8a1d-4c52-9e0b-2f7d6a1c4e93")
        );
        assert_eq!(fields.outcome, Outcome::Success);
    }

    #[test]
    fn resource_names_of_every_scope() {
        let r = object_ref(
            "core/v1/namespaces/falco",
            "io.k8s.core.v1.namespaces.delete",
        );
        assert_eq!(
            (r.resource.as_deref(), r.name.as_deref()),
            (Some("namespaces"), Some("falco"))
        );
        let r = object_ref(
            "core/v1/namespaces/default/events",
            "io.k8s.core.v1.events.deletecollection",
        );
        assert_eq!(r.resource.as_deref(), Some("events"));
        assert_eq!(r.namespace.as_deref(), Some("default"));
        assert_eq!(r.name, None);
        let r = object_ref(
            "core/v1/namespaces/old/finalize",
            "io.k8s.core.v1.namespaces.finalize.update",
        );
        assert_eq!(r.subresource.as_deref(), Some("finalize"));
        let r = object_ref(
            "admissionregistration.k8s.io/v1/validatingwebhookconfigurations/gatekeeper",
            "io.k8s.admissionregistration.v1.validatingwebhookconfigurations.delete",
        );
        assert_eq!(r.api_group.as_deref(), Some("admissionregistration.k8s.io"));
        assert_eq!(r.name.as_deref(), Some("gatekeeper"));
        let r = object_ref("", "");
        assert_eq!(r.resource, None);
    }

    /// The fast path's reading of verb, resource and subresource is the full read's, whatever the
    /// scope of the resource name.
    #[test]
    fn glance_reads_what_from_object_reads() {
        for (method, name) in [
            (
                "io.k8s.apps.v1.daemonsets.delete",
                "apps/v1/namespaces/falco/daemonsets/falco",
            ),
            (
                "io.k8s.core.v1.pods.exec.create",
                "core/v1/namespaces/shop/pods/web-1/exec",
            ),
            (
                "io.k8s.core.v1.namespaces.delete",
                "core/v1/namespaces/falco",
            ),
            (
                "io.k8s.core.v1.events.deletecollection",
                "core/v1/namespaces/default/events",
            ),
            (
                "io.k8s.core.v1.namespaces.finalize.update",
                "core/v1/namespaces/old/finalize",
            ),
            (
                "io.k8s.core.v1.namespaces.namespaces.finalize.update",
                "core/v1/namespaces/old/finalize",
            ),
            (
                "io.k8s.core.v1.namespaces.status.update",
                "core/v1/namespaces/old/statuses",
            ),
            (
                "io.k8s.admissionregistration.v1.validatingwebhookconfigurations.delete",
                "admissionregistration.k8s.io/v1/validatingwebhookconfigurations/gatekeeper",
            ),
            (
                "io.k8s.core.v1.nodes.proxy.get",
                "core/v1/nodes/gke-node-1/proxy",
            ),
            ("", ""),
            ("nodots", "a/b/namespaces/c/d/e/f/g/h"),
        ] {
            let text = DELETE_DS
                .replace("io.k8s.apps.v1.daemonsets.delete", method)
                .replace("apps/v1/namespaces/falco/daemonsets/falco", name);
            let object = Object::parse(&text).expect("object");
            let glance = Glance::read(&object);
            let event = from_object(&object);
            assert_eq!(glance.verb(), event.verb, "{method}");
            assert_eq!(glance.resource(), event.resource(), "{method} {name}");
            assert_eq!(glance.subresource(), event.subresource(), "{method} {name}");
            assert_eq!(glance.principal(), event.username, "{method}");
            assert_eq!(glance.source_ip(), event.source_ip, "{method}");
        }
    }

    #[test]
    fn grpc_status_is_a_failure() {
        let denied = DELETE_DS.replace(
            r#""status":{}"#,
            r#""status":{"code":7,"message":"PERMISSION_DENIED"}"#,
        );
        let object = Object::parse(&denied).expect("object");
        let event = from_object(&object);
        assert_eq!(event.normalize().outcome, Outcome::Failure);
        assert_eq!(event.failure().as_deref(), Some("7: PERMISSION_DENIED"));
    }
}
