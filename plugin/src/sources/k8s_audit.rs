//! Kubernetes audit events (`audit.k8s.io/v1` `Event`), as the API server writes them and as EKS
//! (CloudWatch Logs) and AKS (diagnostic `kube-audit` records) forward them once `envelope` has unwrapped
//! them. GKE writes the same requests as Cloud Audit LogEntries; `k8s_gke` reads those into this type.

use std::borrow::Cow;

use super::json::{self, Object, Raw};
use super::peek;
use super::time::rfc3339_micros;
use crate::model::{Normalized, Outcome};

/// The fields of one audit event that normalisation and rules read.
#[derive(Debug, Default)]
pub struct Event<'a> {
    pub audit_id: Option<Cow<'a, str>>,
    /// `None` for forwarders that write one entry per completed request (GKE).
    pub stage: Option<Cow<'a, str>>,
    pub verb: Cow<'a, str>,
    pub username: Option<Cow<'a, str>>,
    pub impersonated: Option<Cow<'a, str>>,
    pub source_ip: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub object: ObjectRef<'a>,
    /// HTTP status of the response (`responseStatus.code`).
    pub code: Option<i64>,
    pub status_message: Option<Cow<'a, str>>,
    /// The body sent: a partial object or a JSON patch for `patch`, the whole object for create/update.
    pub request_object: Option<Raw<'a>>,
    pub response_object: Option<Raw<'a>>,
    pub stage_timestamp: Option<Cow<'a, str>>,
    pub received_timestamp: Option<Cow<'a, str>>,
    /// Cluster identity when the envelope names it (GKE `resource.labels.cluster_name`).
    pub cluster: Option<Cow<'a, str>>,
    pub location: Option<Cow<'a, str>>,
    /// Set by forwarders whose status is not an HTTP code (GKE writes gRPC codes).
    pub failed_override: Option<bool>,
}

/// `objectRef`.
#[derive(Debug, Default)]
pub struct ObjectRef<'a> {
    pub resource: Option<Cow<'a, str>>,
    pub subresource: Option<Cow<'a, str>>,
    pub namespace: Option<Cow<'a, str>>,
    pub name: Option<Cow<'a, str>>,
    pub api_group: Option<Cow<'a, str>>,
}

/// Whether an object has the shape of an audit event: as the API server writes it (`auditID`, `verb`,
/// `stage`), or cut down to the request itself as test fixtures and some exporters keep it
/// (`apiVersion: audit.k8s.io/…`, `verb`, `objectRef` or `user`, with no `auditID`, `stage` or times).
pub fn matches(object: &Object<'_>) -> bool {
    if !object.has("verb") {
        return false;
    }
    (object.has("auditID") && object.has("stage")) || is_minimal(object)
}

/// An audit event without `auditID` or `stage`: recognised by its `apiVersion` and a request to read.
pub fn is_minimal(object: &Object<'_>) -> bool {
    object
        .str("apiVersion")
        .is_some_and(|v| v.starts_with("audit.k8s.io/"))
        && (object.has("objectRef") || object.has("user"))
        && !(object.has("auditID") && object.has("stage"))
}

/// The keys the engine's fast path reads of an audit event (`interest`, `quiet`), read as
/// `Event::from_object` reads them, borrowing from the text.
pub struct Glance<'a> {
    pub verb: Cow<'a, str>,
    resource: Option<Cow<'a, str>>,
    subresource: Option<Cow<'a, str>>,
}

impl<'a> Glance<'a> {
    pub fn read(object: &Object<'a>) -> Glance<'a> {
        let [resource, subresource] = object
            .raw("objectRef")
            .and_then(|r| peek::members(r, ["resource", "subresource"]))
            .unwrap_or_default();
        Glance {
            verb: object.str("verb").unwrap_or_default(),
            resource: resource.and_then(json::raw_str),
            subresource: subresource.and_then(json::raw_str),
        }
    }

    /// `Event::resource`.
    pub fn resource(&self) -> &str {
        self.resource.as_deref().unwrap_or("")
    }

    /// `Event::subresource`.
    pub fn subresource(&self) -> Option<&str> {
        self.subresource.as_deref().filter(|s| !s.is_empty())
    }

    /// `Event::is_read`.
    pub fn is_read(&self) -> bool {
        matches!(&*self.verb, "get" | "list" | "watch")
    }

    /// `Normalized::event_time`: the stage's time, else the time the request was received.
    pub fn event_time(object: &Object<'a>) -> Option<i64> {
        object
            .str("stageTimestamp")
            .or_else(|| object.str("requestReceivedTimestamp"))
            .as_deref()
            .and_then(rfc3339_micros)
    }

    /// `Normalized::source_ip`: the first of `sourceIPs`.
    pub fn source_ip(object: &Object<'a>) -> Option<Cow<'a, str>> {
        object
            .raw("sourceIPs")
            .and_then(peek::first)
            .and_then(json::raw_str)
    }

    /// `Normalized::principal` (`Event::principal`) written into `out`; false when there is none.
    pub fn principal(object: &Object<'a>, out: &mut String) -> bool {
        let username = |key: &str| {
            object
                .raw(key)
                .and_then(|u| peek::members(u, ["username"]))
                .and_then(|[name]| name)
                .and_then(json::raw_str)
        };
        let Some(user) = username("user") else {
            return false;
        };
        out.push_str(&user);
        if let Some(as_user) = username("impersonatedUser") {
            out.push_str(" (impersonating ");
            out.push_str(&as_user);
            out.push(')');
        }
        true
    }
}

impl<'a> Event<'a> {
    /// Read an event. Wrong types count as absent.
    pub fn from_object(object: &Object<'a>) -> Event<'a> {
        let user = object.object("user");
        let object_ref = object.object("objectRef");
        let status = object.object("responseStatus");
        Event {
            audit_id: object.str("auditID"),
            stage: object.str("stage"),
            verb: object.str("verb").unwrap_or_default(),
            username: user.as_ref().and_then(|u| u.str("username")),
            impersonated: object
                .object("impersonatedUser")
                .and_then(|u| u.str("username")),
            source_ip: object
                .array("sourceIPs")
                .and_then(|ips| ips.first().and_then(|ip| json::raw_str(*ip))),
            user_agent: object.str("userAgent"),
            object: object_ref
                .map(|o| ObjectRef {
                    resource: o.str("resource"),
                    subresource: o.str("subresource"),
                    namespace: o.str("namespace"),
                    name: o.str("name"),
                    api_group: o.str("apiGroup"),
                })
                .unwrap_or_default(),
            code: status.as_ref().and_then(|s| s.i64("code")),
            status_message: status
                .as_ref()
                .and_then(|s| s.str("message").or_else(|| s.str("reason"))),
            request_object: object.raw("requestObject").filter(|r| !json::is_null(*r)),
            response_object: object.raw("responseObject").filter(|r| !json::is_null(*r)),
            stage_timestamp: object.str("stageTimestamp"),
            received_timestamp: object.str("requestReceivedTimestamp"),
            cluster: None,
            location: None,
            failed_override: None,
        }
    }

    pub fn resource(&self) -> &str {
        self.object.resource.as_deref().unwrap_or("")
    }

    pub fn subresource(&self) -> Option<&str> {
        self.object.subresource.as_deref().filter(|s| !s.is_empty())
    }

    pub fn namespace(&self) -> Option<&str> {
        self.object.namespace.as_deref().filter(|s| !s.is_empty())
    }

    pub fn name(&self) -> Option<&str> {
        self.object.name.as_deref().filter(|s| !s.is_empty())
    }

    pub fn api_group(&self) -> &str {
        self.object.api_group.as_deref().unwrap_or("")
    }

    /// Requests still in flight: counted once, at `ResponseComplete` (or `Panic`).
    pub fn in_progress(&self) -> bool {
        matches!(
            self.stage.as_deref(),
            Some("RequestReceived" | "ResponseStarted")
        )
    }

    pub fn failed(&self) -> bool {
        self.failed_override
            .unwrap_or_else(|| self.code.is_some_and(|c| c >= 400))
    }

    /// The control plane's own controllers (`kube-controller-manager`, the scheduler and the
    /// `kube-system` controller service accounts). Their writes carry out what a user asked for earlier
    /// (a ReplicaSet from a Deployment, the cleanup of a deleted namespace), so judging them would count
    /// one change many times.
    pub fn is_system_controller(&self) -> bool {
        let user = self.username.as_deref().unwrap_or("");
        matches!(
            user,
            "system:kube-controller-manager" | "system:kube-scheduler"
        ) || user
            .strip_prefix("system:serviceaccount:kube-system:")
            .is_some_and(|sa| sa.ends_with("-controller") || sa == "generic-garbage-collector")
    }

    /// A kubelet (`system:node:<name>`): its pod writes are mirror pods of the node's static pods.
    pub fn is_node(&self) -> bool {
        self.username
            .as_deref()
            .is_some_and(|u| u.starts_with("system:node:"))
    }

    pub fn is_service_account(&self) -> bool {
        self.username
            .as_deref()
            .is_some_and(|u| u.starts_with("system:serviceaccount:"))
    }

    pub fn is_read(&self) -> bool {
        matches!(&*self.verb, "get" | "list" | "watch")
    }

    /// The request body as an object (merge patches, created and updated objects).
    pub fn request(&self) -> Option<Object<'a>> {
        self.request_object
            .filter(|r| r.get().starts_with('{'))
            .and_then(|r| Object::from_raw(r).ok())
    }

    pub fn response(&self) -> Option<Object<'a>> {
        self.response_object
            .filter(|r| r.get().starts_with('{'))
            .and_then(|r| Object::from_raw(r).ok())
    }

    pub fn principal(&self) -> Option<String> {
        let user = self.username.as_deref()?;
        Some(match self.impersonated.as_deref() {
            Some(as_user) => format!("{user} (impersonating {as_user})"),
            None => user.to_owned(),
        })
    }

    /// `verb group/resource[/subresource]`; the core group has no prefix.
    pub fn action(&self) -> String {
        let mut action = format!("{} ", self.verb);
        if !self.api_group().is_empty() {
            action.push_str(self.api_group());
            action.push('/');
        }
        action.push_str(self.resource());
        if let Some(sub) = self.subresource() {
            action.push('/');
            action.push_str(sub);
        }
        action
    }

    /// `namespace/resource/name[/subresource]`, without the namespace for cluster-scoped objects.
    pub fn target(&self) -> Option<String> {
        if self.resource().is_empty() {
            return None;
        }
        let mut target = String::new();
        if let Some(ns) = self.namespace() {
            target.push_str(ns);
            target.push('/');
        }
        target.push_str(self.resource());
        if let Some(name) = self.name() {
            target.push('/');
            target.push_str(name);
        }
        if let Some(sub) = self.subresource() {
            target.push('/');
            target.push_str(sub);
        }
        Some(target)
    }

    pub fn normalize(&self) -> Normalized {
        let user = self.username.as_deref().unwrap_or("");
        let principal_type = if self.username.is_none() {
            None
        } else if user.starts_with("system:serviceaccount:") {
            Some("ServiceAccount")
        } else if user.starts_with("system:node:") {
            Some("Node")
        } else {
            Some("User")
        };
        Normalized {
            event_time: self
                .stage_timestamp
                .as_deref()
                .or(self.received_timestamp.as_deref())
                .and_then(rfc3339_micros),
            event_id: self.audit_id.as_deref().map(str::to_owned),
            provider: Some("kubernetes".to_owned()),
            account: self.cluster.as_deref().map(str::to_owned),
            region: self.location.as_deref().map(str::to_owned),
            principal: self.principal(),
            principal_type: principal_type.map(str::to_owned),
            source_ip: self.source_ip.as_deref().map(str::to_owned),
            user_agent: self.user_agent.as_deref().map(str::to_owned),
            action: Some(self.action()),
            target: self.target(),
            outcome: if self.in_progress() {
                Outcome::InProgress
            } else if self.failed() {
                Outcome::Failure
            } else {
                Outcome::Success
            },
        }
    }

    /// The failure as `code: message`.
    pub fn failure(&self) -> Option<String> {
        if !self.failed() {
            return None;
        }
        let code = self
            .code
            .map_or_else(|| "error".to_owned(), |c| c.to_string());
        Some(match self.status_message.as_deref() {
            Some(message) if !message.is_empty() => format!("{code}: {message}"),
            _ => code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCALE_PATCH: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"5b1e7f0e-2f4c-4b8e-9d0a-6c1f3e2a9b71","stage":"ResponseComplete","requestURI":"/apis/apps/v1/namespaces/datadog/deployments/datadog-cluster-agent/scale","verb":"patch","user":{"username":"mallory@example.com","groups":["system:authenticated"]},"impersonatedUser":{"username":"system:serviceaccount:kube-system:admin"},"sourceIPs":["203.0.113.7","10.0.0.1"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{"resource":"deployments","namespace":"datadog","name":"datadog-cluster-agent","apiGroup":"apps","apiVersion":"v1","subresource":"scale"},"responseStatus":{"metadata":{},"code":200},"requestObject":{"spec":{"replicas":0}},"requestReceivedTimestamp":"2026-11-27T09:12:03.101122Z","stageTimestamp":"2026-11-27T09:12:03.118544Z"}"#;

    #[test]
    fn normalises_a_scale_patch() {
        let object = Object::parse(SCALE_PATCH).expect("object");
        assert!(matches(&object));
        let event = Event::from_object(&object);
        let fields = event.normalize();
        assert_eq!(fields.provider.as_deref(), Some("kubernetes"));
        assert_eq!(
            fields.action.as_deref(),
            Some("patch apps/deployments/scale")
        );
        assert_eq!(
            fields.target.as_deref(),
            Some("datadog/deployments/datadog-cluster-agent/scale")
        );
        assert_eq!(
            fields.principal.as_deref(),
            Some("mallory@example.com (impersonating system:serviceaccount:kube-system:admin)")
        );
        assert_eq!(fields.principal_type.as_deref(), Some("User"));
        assert_eq!(fields.source_ip.as_deref(), Some("203.0.113.7"));
        assert_eq!(fields.outcome, Outcome::Success);
        assert_eq!(
            fields.event_id.as_deref(),
            Some("5b1e7f0e-2f4c-4b8e-9d0a-6c1f3e2a9b71")
        );
        assert_eq!(
            fields.event_time,
            rfc3339_micros("2026-11-27T09:12:03.118544Z")
        );
    }

    #[test]
    fn stages_and_failures() {
        let received = SCALE_PATCH.replace("ResponseComplete", "RequestReceived");
        let object = Object::parse(&received).expect("object");
        assert_eq!(
            Event::from_object(&object).normalize().outcome,
            Outcome::InProgress
        );
        let denied = SCALE_PATCH.replace(
            r#""code":200"#,
            r#""status":"Failure","message":"forbidden","code":403"#,
        );
        let object = Object::parse(&denied).expect("object");
        let event = Event::from_object(&object);
        assert_eq!(event.normalize().outcome, Outcome::Failure);
        assert_eq!(event.failure().as_deref(), Some("403: forbidden"));
    }

    /// The shape Falco's and Panther's Kubernetes audit test cases use: the request only.
    const MINIMAL_DELETE: &str = r#"{"apiVersion":"audit.k8s.io/v1","kind":"Event","verb":"delete","user":{"username":"mallory@example.com"},"objectRef":{"resource":"daemonsets","namespace":"falco","name":"falco","apiGroup":"apps","apiVersion":"v1"},"responseStatus":{"code":200}}"#;

    #[test]
    fn minimal_events_are_complete_requests() {
        let object = Object::parse(MINIMAL_DELETE).expect("object");
        assert!(matches(&object));
        assert!(is_minimal(&object));
        let event = Event::from_object(&object);
        assert!(!event.in_progress());
        let fields = event.normalize();
        assert_eq!(fields.outcome, Outcome::Success);
        assert_eq!(fields.action.as_deref(), Some("delete apps/daemonsets"));
        assert_eq!(fields.target.as_deref(), Some("falco/daemonsets/falco"));
        assert_eq!(fields.event_id, None);
        // A full event is not minimal; an object with a verb but no audit apiVersion is not an event.
        assert!(!is_minimal(&Object::parse(SCALE_PATCH).expect("object")));
        let other = Object::parse(r#"{"apiVersion":"v1","verb":"delete","user":{}}"#).expect("o");
        assert!(!matches(&other));
        // Lower-cased export of the same request.
        let lowered_text = MINIMAL_DELETE.to_ascii_lowercase();
        let lowered = Object::parse(&lowered_text).expect("object");
        assert!(matches(&lowered));
        let event = Event::from_object(&lowered);
        assert_eq!(event.namespace(), Some("falco"));
    }

    #[test]
    fn wrong_types_lose_detail() {
        let object = Object::parse(
            r#"{"auditID":1,"verb":["x"],"stage":null,"user":"root","sourceIPs":"x","objectRef":7}"#,
        )
        .expect("object");
        let event = Event::from_object(&object);
        let fields = event.normalize();
        assert_eq!(fields.principal, None);
        assert_eq!(fields.target, None);
        assert_eq!(fields.outcome, Outcome::Success);
    }
}
