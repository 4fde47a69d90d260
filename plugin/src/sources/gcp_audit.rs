//! GCP Cloud Audit Logs: one LogEntry whose `protoPayload` is an `AuditLog`. The Pub/Sub push envelope
//! is unwrapped in `envelope`. GKE Kubernetes API audit entries (`resource.type = k8s_cluster`,
//! `io.k8s.*` methods) are the Kubernetes audit source's, not this one's.

use std::borrow::Cow;

use super::json::{self, Object, Raw};
use super::peek;
use super::time::rfc3339_micros;
use crate::model::{Normalized, Outcome};

/// The fields of an audit LogEntry that normalisation and rules read.
#[derive(Debug)]
pub struct Entry<'a> {
    pub timestamp: Option<Cow<'a, str>>,
    pub insert_id: Option<Cow<'a, str>>,
    pub log_name: Option<Cow<'a, str>>,
    pub resource_type: Option<Cow<'a, str>>,
    pub project_label: Option<Cow<'a, str>>,
    pub location: Option<Cow<'a, str>>,
    pub service_name: Option<Cow<'a, str>>,
    pub method_name: Cow<'a, str>,
    pub resource_name: Option<Cow<'a, str>>,
    pub principal_email: Option<Cow<'a, str>>,
    pub caller_ip: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    /// `status.code`; 0 or absent is success.
    pub status_code: Option<i64>,
    pub status_message: Option<Cow<'a, str>>,
    request: Option<Raw<'a>>,
    response: Option<Raw<'a>>,
    service_data: Option<Raw<'a>>,
    metadata: Option<Raw<'a>>,
}

/// Whether an object is a Cloud Audit LogEntry this source reads. Kubernetes API entries are refused
/// explicitly, so the result does not depend on the order of detection.
pub fn matches(object: &Object<'_>) -> bool {
    let Some(payload) = object.raw("protoPayload") else {
        return false;
    };
    (object.has("logName") || object.has("insertId")) && !is_kubernetes_api(object, payload)
}

fn is_kubernetes_api(object: &Object<'_>, payload: Raw<'_>) -> bool {
    let resource_type = object
        .raw("resource")
        .and_then(|r| peek::members(r, ["type"]))
        .and_then(|[t]| t)
        .and_then(json::raw_str);
    if resource_type.as_deref() == Some("k8s_cluster") {
        return true;
    }
    // Every entry is detected: one pass over the payload for one key, building no `Object`.
    peek::members(payload, ["methodName"])
        .and_then(|[method]| method)
        .and_then(json::raw_str)
        .is_some_and(|m| m.starts_with("io.k8s."))
}

/// The keys the engine's fast path reads of an entry (`interest`, `quiet`), read as
/// `Entry::from_object` reads them, borrowing from the text: `protoPayload` is scanned once.
pub struct Glance<'a> {
    pub method_name: Cow<'a, str>,
    authentication: Option<Raw<'a>>,
    request_metadata: Option<Raw<'a>>,
}

/// A LogEntry's `timestamp`, as GCP audit entries and GKE's Kubernetes entries are dated.
pub fn entry_time(object: &Object<'_>) -> Option<i64> {
    object.str("timestamp").as_deref().and_then(rfc3339_micros)
}

/// `callerIp` of an audit payload's `requestMetadata`, read without building it.
pub fn caller_ip(request_metadata: Option<Raw<'_>>) -> Option<Cow<'_, str>> {
    request_metadata
        .and_then(|m| peek::members(m, ["callerIp"]))
        .and_then(|[ip]| ip)
        .and_then(json::raw_str)
}

impl<'a> Glance<'a> {
    pub fn read(object: &Object<'a>) -> Glance<'a> {
        let [method, authentication, request_metadata] = object
            .raw("protoPayload")
            .and_then(|p| peek::members(p, ["methodName", "authenticationInfo", "requestMetadata"]))
            .unwrap_or_default();
        Glance {
            method_name: method.and_then(json::raw_str).unwrap_or_default(),
            authentication,
            request_metadata,
        }
    }

    /// `Normalized::event_time`.
    pub fn event_time(object: &Object<'a>) -> Option<i64> {
        entry_time(object)
    }

    /// `Normalized::source_ip`: `requestMetadata.callerIp`.
    pub fn source_ip(&self) -> Option<Cow<'a, str>> {
        caller_ip(self.request_metadata)
    }

    /// `Normalized::principal`: `authenticationInfo.principalEmail`, else `principalSubject`.
    pub fn principal(&self) -> Option<Cow<'a, str>> {
        let [email, subject] = self
            .authentication
            .and_then(|a| peek::members(a, ["principalEmail", "principalSubject"]))?;
        email
            .and_then(json::raw_str)
            .or_else(|| subject.and_then(json::raw_str))
    }
}

impl<'a> Entry<'a> {
    /// Read an entry. Fields of the wrong type count as absent.
    pub fn from_object(object: &Object<'a>) -> Entry<'a> {
        let payload = object.object("protoPayload").unwrap_or_default();
        let resource = object.object("resource");
        let labels = resource.as_ref().and_then(|r| r.object("labels"));
        let label = |key: &str| labels.as_ref().and_then(|l| l.str(key));
        let request_metadata = payload.object("requestMetadata");
        let status = payload.object("status");
        Entry {
            timestamp: object.str("timestamp"),
            insert_id: object.str("insertId"),
            log_name: object.str("logName"),
            resource_type: resource.as_ref().and_then(|r| r.str("type")),
            project_label: label("project_id"),
            location: label("location")
                .or_else(|| label("zone"))
                .or_else(|| label("region")),
            service_name: payload.str("serviceName"),
            method_name: payload.str("methodName").unwrap_or_default(),
            resource_name: payload.str("resourceName"),
            principal_email: payload.object("authenticationInfo").and_then(|a| {
                a.str("principalEmail")
                    .or_else(|| a.str("principalSubject"))
            }),
            caller_ip: request_metadata.as_ref().and_then(|r| r.str("callerIp")),
            user_agent: request_metadata
                .as_ref()
                .and_then(|r| r.str("callerSuppliedUserAgent"))
                .filter(|ua| !ua.is_empty()),
            status_code: status.as_ref().and_then(|s| s.i64("code")),
            status_message: status.as_ref().and_then(|s| s.str("message")),
            request: payload.raw("request"),
            response: payload.raw("response"),
            service_data: payload.raw("serviceData"),
            metadata: payload.raw("metadata"),
        }
    }

    pub fn request(&self) -> Option<Object<'a>> {
        self.request.and_then(|r| Object::from_raw(r).ok())
    }

    pub fn response(&self) -> Option<Object<'a>> {
        self.response.and_then(|r| Object::from_raw(r).ok())
    }

    pub fn service_data(&self) -> Option<Object<'a>> {
        self.service_data.and_then(|r| Object::from_raw(r).ok())
    }

    pub fn metadata(&self) -> Option<Object<'a>> {
        self.metadata.and_then(|r| Object::from_raw(r).ok())
    }

    /// A non-empty status with a non-zero code marks a failed attempt.
    pub fn failed(&self) -> bool {
        self.status_code.is_some_and(|c| c != 0)
    }

    /// The failure as `code: message`, when the call failed.
    pub fn failure(&self) -> Option<String> {
        let code = self.status_code.filter(|c| *c != 0)?;
        Some(
            match self.status_message.as_deref().filter(|m| !m.is_empty()) {
                Some(message) => format!("{code}: {message}"),
                None => code.to_string(),
            },
        )
    }

    /// The project id (`resource.labels.project_id`), else the parent in `logName`
    /// (`projects/P`, or `organizations/O`, `folders/F`, `billingAccounts/B` as written).
    pub fn project(&self) -> Option<String> {
        if let Some(project) = self.project_label.as_deref().filter(|p| !p.is_empty()) {
            return Some(project.to_owned());
        }
        let log_name = self.log_name.as_deref()?;
        let mut parts = log_name.split('/');
        let kind = parts.next()?;
        let id = parts.next().filter(|id| !id.is_empty())?;
        if kind == "projects" {
            Some(id.to_owned())
        } else {
            Some(format!("{kind}/{id}"))
        }
    }

    pub fn principal_type(&self) -> Option<&'static str> {
        let email = self.principal_email.as_deref()?;
        if email.ends_with(".gserviceaccount.com") {
            Some("service_account")
        } else if email.contains('@') {
            Some("user")
        } else {
            None
        }
    }

    /// The segment after `key` in `resourceName` (`projects/P/zones/Z/instances/I`).
    pub fn resource_segment(&self, key: &str) -> Option<&str> {
        let mut parts = self.resource_name.as_deref()?.split('/');
        while let Some(part) = parts.next() {
            if part == key {
                return parts.next().filter(|p| !p.is_empty());
            }
        }
        None
    }

    pub fn normalize(&self) -> Normalized {
        Normalized {
            event_time: self.timestamp.as_deref().and_then(rfc3339_micros),
            event_id: self.insert_id.as_deref().map(str::to_owned),
            provider: Some("gcp".to_owned()),
            account: self.project(),
            region: self.location.as_deref().map(str::to_owned),
            principal: self.principal_email.as_deref().map(str::to_owned),
            principal_type: self.principal_type().map(str::to_owned),
            source_ip: self.caller_ip.as_deref().map(str::to_owned),
            user_agent: self.user_agent.as_deref().map(str::to_owned),
            action: Some(self.method_name.to_string()).filter(|m| !m.is_empty()),
            target: self.resource_name.as_deref().map(str::to_owned),
            outcome: if self.failed() {
                Outcome::Failure
            } else {
                Outcome::Success
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DELETE_SINK: &str = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"ci-deployer@acme-prod-4821.iam.gserviceaccount.com"},"requestMetadata":{"callerIp":"203.0.113.61","callerSuppliedUserAgent":"google-cloud-sdk gcloud/474.0.0 command/gcloud.logging.sinks.delete invocation-id/9f8e7d6c environment/None environment-version/None client-os/LINUX client-os-ver/6.5.0 client-pltf-arch/x86_64 interactive/False from-script/True python/3.11.8 term/xterm-256color (Linux 6.5.0-1020-gcp),gzip(gfe)"},"serviceName":"logging.googleapis.com","methodName":"google.logging.v2.ConfigServiceV2.DeleteSink","authorizationInfo":[{"resource":"projects/acme-prod-4821/sinks/siem-export","permission":"logging.sinks.delete","granted":true}],"resourceName":"projects/acme-prod-4821/sinks/siem-export","request":{"@type":"type.googleapis.com/google.logging.v2.DeleteSinkRequest","sinkName":"projects/acme-prod-4821/sinks/siem-export"}},"insertId":"1x7k2pde3aqs","resource":{"type":"logging_sink","labels":{"destination":"","name":"siem-export","project_id":"acme-prod-4821"}},"timestamp":"2026-11-27T10:02:11.482913562Z","severity":"NOTICE","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity","receiveTimestamp":"2026-11-27T10:02:12.139817425Z"}"#;

    #[test]
    fn normalises_a_sink_deletion_by_a_service_account() {
        let object = Object::parse(DELETE_SINK).expect("object");
        assert!(matches(&object));
        let entry = Entry::from_object(&object);
        let fields = entry.normalize();
        assert_eq!(fields.provider.as_deref(), Some("gcp"));
        assert_eq!(fields.account.as_deref(), Some("acme-prod-4821"));
        assert_eq!(fields.principal_type.as_deref(), Some("service_account"));
        assert_eq!(fields.source_ip.as_deref(), Some("203.0.113.61"));
        assert_eq!(
            fields.action.as_deref(),
            Some("google.logging.v2.ConfigServiceV2.DeleteSink")
        );
        assert_eq!(
            fields.target.as_deref(),
            Some("projects/acme-prod-4821/sinks/siem-export")
        );
        assert_eq!(fields.event_id.as_deref(), Some("1x7k2pde3aqs"));
        assert_eq!(fields.outcome, Outcome::Success);
        assert!(fields.event_time.is_some());
        assert!(
            fields
                .user_agent
                .as_deref()
                .is_some_and(|ua| ua.starts_with("google-cloud-sdk"))
        );
        assert_eq!(entry.resource_segment("sinks"), Some("siem-export"));
    }

    #[test]
    fn failed_status_project_from_log_name_and_kubernetes_refused() {
        let object = Object::parse(
            r#"{"logName":"projects/acme-dev-1/logs/cloudaudit.googleapis.com%2Factivity","insertId":"a","protoPayload":{"methodName":"google.logging.v2.ConfigServiceV2.UpdateSink","status":{"code":7,"message":"PERMISSION_DENIED"}},"resource":{"type":"logging_sink"}}"#,
        )
        .expect("object");
        let entry = Entry::from_object(&object);
        assert_eq!(entry.project().as_deref(), Some("acme-dev-1"));
        assert!(entry.failed());
        assert_eq!(entry.failure().as_deref(), Some("7: PERMISSION_DENIED"));
        let gke = Object::parse(
            r#"{"logName":"projects/p/logs/cloudaudit.googleapis.com%2Factivity","insertId":"b","protoPayload":{"methodName":"io.k8s.apps.v1.daemonsets.delete"},"resource":{"type":"k8s_cluster"}}"#,
        )
        .expect("object");
        assert!(!matches(&gke));
        let odd = Object::parse(r#"{"insertId":1,"protoPayload":"x","status":5}"#).expect("object");
        assert!(matches(&odd));
        let entry = Entry::from_object(&odd);
        assert_eq!(entry.method_name, "");
        assert!(!entry.failed());
    }
}
