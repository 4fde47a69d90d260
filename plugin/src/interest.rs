//! Whether anything could want an event read in full: the gate of the engine's fast path.
//!
//! A shipper in compact mode (`output.enrich = "findings"`) forwards events without findings unchanged,
//! so reading and normalising them is wasted unless some consumer acts on them. The consumers, and
//! what each reads of an event that has no finding:
//! - rules (`rules::dispatch`): the action names they listen to (CloudTrail `eventName`, Azure
//!   `operationName` exactly or by suffix, GCP `methodName` exactly or by pattern, Kubernetes verb and
//!   resource, Docker type and action);
//! - the rules' memory of log destinations (`rules::memory::learn`): the CloudTrail calls, GCP sink and
//!   subscription methods and Azure diagnostic-setting writes that name one;
//! - correlation (`correlation`): its clock reads every event's time and its history every event's
//!   principal and source address (the engine's fast path still feeds those, see
//!   `Engine::pass_quietly`); instance stop/start cycles (CloudTrail, GCP, Azure) and network changes
//!   (CloudTrail, GCP firewalls, Azure NSGs, Kubernetes network policies) read the actions listed
//!   below; sequences read findings only.
//!
//! An event no consumer wants beyond those three facts takes the fast path. Everything here says
//! "wanted" when unsure: the cost of a wrong "wanted" is speed, of a wrong "not wanted" a missed
//! finding. `tests/compact_mode.rs` checks on every recorded stream that the fast path changes no
//! output.

use crate::rules::dispatch;
use crate::sources::json::Object;
use crate::sources::{
    aws_cloudtrail, azure_activity, docker_events, gcp_audit, k8s_audit, k8s_gke,
};

/// One event as the fast path sees it before reading it.
pub struct Glance<'g, 'a> {
    /// The event's top-level keys (for consumers that match raw field paths).
    pub object: &'g Object<'a>,
    pub call: Call<'g, 'a>,
}

/// What identifies the event's action, per source.
pub enum Call<'g, 'a> {
    CloudTrail(&'g aws_cloudtrail::Glance<'a>),
    /// A Kubernetes audit event as the API server writes it (EKS and AKS forward the same).
    K8s(&'g k8s_audit::Glance<'a>),
    /// A Kubernetes API request as GKE writes it (a Cloud Audit LogEntry).
    Gke(&'g k8s_gke::Glance<'a>),
    Gcp(&'g gcp_audit::Glance<'a>),
    Azure(&'g azure_activity::Glance<'a>),
    /// A Docker engine event (`docker inspect` snapshots are always read in full).
    Docker(&'g docker_events::Glance<'a>),
}

/// Whether any consumer could want the event read in full (see the module documentation).
pub fn could_matter(glance: &Glance<'_, '_>) -> bool {
    match &glance.call {
        Call::CloudTrail(record) => cloudtrail(record),
        Call::K8s(event) => k8s(&event.verb, event.resource(), event.subresource()),
        Call::Gke(entry) => k8s(entry.verb(), entry.resource(), entry.subresource()),
        Call::Gcp(entry) => gcp(&entry.method_name),
        Call::Azure(record) => azure(record.operation.as_deref().unwrap_or("")),
        Call::Docker(event) => dispatch::tables()
            .docker_events(&event.kind, event.action())
            .next()
            .is_some(),
    }
}

fn cloudtrail(record: &aws_cloudtrail::Glance<'_>) -> bool {
    let name: &str = &record.event_name;
    // Rules skip read-only calls (`rules::evaluate`); by name only, whatever the service: a rule
    // listening to the same name on another service costs a full read, never a missed finding.
    (!record.is_read_only() && dispatch::tables().cloudtrail_listens(name))
        || CLOUDTRAIL_DESTINATIONS.contains(&name)
        || CLOUDTRAIL_INSTANCE_CYCLES.contains(&name)
        || crate::correlation::network::AWS_CHANGES.contains(&name)
        || CLOUDTRAIL_NETWORK_SWAPS.contains(&name)
}

/// Kubernetes, native or GKE: memory learns nothing from it and instance cycles do not read it.
fn k8s(verb: &str, resource: &str, subresource: Option<&str>) -> bool {
    let read = matches!(verb, "get" | "list" | "watch");
    // `container_evasion::evaluate_k8s` judges no read but a session into a pod (exec, attach,
    // port-forward): any read of a pod's subresource is asked about.
    let rules = (!read || (resource == "pods" && subresource.is_some()))
        && dispatch::tables().k8s(resource, verb).next().is_some();
    // `correlation::network::changes` counts writes of network policies (every kind it names holds
    // this stem; it reads the subresource when there is one).
    let network_policy = !read
        && [resource, subresource.unwrap_or("")]
            .iter()
            .any(|r| r.contains("networkpolic"));
    rules || network_policy
}

fn gcp(method: &str) -> bool {
    dispatch::tables().gcp_listens(method)
        || GCP_DESTINATIONS.iter().any(|m| method.ends_with(m))
        || GCP_INSTANCE_CYCLES.iter().any(|m| method.ends_with(m))
        // `correlation::network::changes`: firewall rules and firewall policies of Compute Engine.
        || (method.contains("compute.") && method.contains("irewall"))
}

/// Azure operations are matched upper-cased, as `azure_activity::Record` holds them.
fn azure(operation: &str) -> bool {
    let mut buffer = [0u8; 256];
    let Some(upper) = upper_case(operation, &mut buffer) else {
        // Longer than any operation name: read in full rather than allocate here.
        return true;
    };
    dispatch::tables().azure_listens(upper)
        || upper.ends_with(AZURE_DESTINATIONS)
        || AZURE_INSTANCE_CYCLES.contains(&upper)
        || (upper.starts_with(AZURE_NSG)
            && (upper.ends_with("/WRITE") || upper.ends_with("/DELETE")))
}

/// `text.to_ascii_uppercase()` in `buffer`; `None` when it does not fit.
fn upper_case<'b>(text: &str, buffer: &'b mut [u8]) -> Option<&'b str> {
    let out = buffer.get_mut(..text.len())?;
    out.copy_from_slice(text.as_bytes());
    out.make_ascii_uppercase();
    // Upper-casing ASCII bytes keeps UTF-8 valid.
    std::str::from_utf8(out).ok()
}

/// Methods `rules::memory::learn_gcp` learns a sink destination from (kept in step with it).
const GCP_DESTINATIONS: &[&str] = &[
    "Subscriber.CreateSubscription",
    "ConfigServiceV2.CreateSink",
    "ConfigServiceV2.UpdateSink",
];

/// Methods `correlation::instance_cycle` tracks.
const GCP_INSTANCE_CYCLES: &[&str] = &[
    "compute.instances.stop",
    "compute.instances.suspend",
    "compute.instances.start",
    "compute.instances.resume",
];

/// The operations `rules::memory::learn_azure` learns from end so.
const AZURE_DESTINATIONS: &str = "/DIAGNOSTICSETTINGS/WRITE";

/// Operations `correlation::instance_cycle` tracks.
const AZURE_INSTANCE_CYCLES: &[&str] = &[
    "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION",
    "MICROSOFT.COMPUTE/VIRTUALMACHINES/POWEROFF/ACTION",
    "MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION",
];

/// Writes and deletes under it are network changes (`correlation::network::changes`).
const AZURE_NSG: &str = "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/";

/// Calls `rules::memory::learn_cloudtrail` learns a log destination from (kept in step with it).
const CLOUDTRAIL_DESTINATIONS: &[&str] = &[
    "CreateTrail",
    "UpdateTrail",
    "CreateFlowLogs",
    "PutSubscriptionFilter",
    "PutBucketLogging",
    "PutDeliveryChannel",
    "CreatePublishingDestination",
    "UpdatePublishingDestination",
    "CreateResolverQueryLogConfig",
    "PutLoggingConfiguration",
    "ModifyLoadBalancerAttributes",
    "PutRule",
];

/// Calls `correlation::instance_cycle` tracks.
const CLOUDTRAIL_INSTANCE_CYCLES: &[&str] = &["StopInstances", "StartInstances"];

/// Calls `correlation::network::changes` counts as a change when they swap security groups.
const CLOUDTRAIL_NETWORK_SWAPS: &[&str] =
    &["ModifyInstanceAttribute", "ModifyNetworkInterfaceAttribute"];

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(record: &str) -> bool {
        let object = Object::parse(record).expect("object");
        let glance = aws_cloudtrail::Glance::read(&object);
        could_matter(&Glance {
            object: &object,
            call: Call::CloudTrail(&glance),
        })
    }

    /// The gate's answer for an event of any source, read by the Glance the engine uses for it.
    fn gate(text: &str) -> bool {
        let object = Object::parse(text).expect("object");
        let source = crate::sources::source_of(&object, None).expect("a known source");
        let call = |call| {
            could_matter(&Glance {
                object: &object,
                call,
            })
        };
        match source {
            crate::model::SourceKind::K8sAudit if k8s_gke::matches(&object) => {
                call(Call::Gke(&k8s_gke::Glance::read(&object)))
            }
            crate::model::SourceKind::K8sAudit => {
                call(Call::K8s(&k8s_audit::Glance::read(&object)))
            }
            crate::model::SourceKind::GcpAudit => {
                call(Call::Gcp(&gcp_audit::Glance::read(&object)))
            }
            crate::model::SourceKind::AzureActivity => {
                call(Call::Azure(&azure_activity::Glance::read(&object)))
            }
            crate::model::SourceKind::Docker => {
                call(Call::Docker(&docker_events::Glance::read(&object)))
            }
            other => panic!("{other:?}"),
        }
    }

    /// Whether a full read of the event finds anything (with the default configuration and no
    /// destinations learned), to show that what the gate lets pass had nothing to find.
    fn fires(text: &str) -> bool {
        !crate::rules::test_support::fire(text).is_empty()
    }

    // Kubernetes audit events as the API server writes them (kubernetes.io, "Auditing",
    // audit.k8s.io/v1 Event), cut to the request: `verb`, `user`, `sourceIPs`, `objectRef`.
    fn k8s(verb: &str, object_ref: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","verb":"{verb}","user":{{"username":"mallory@example.com"}},"sourceIPs":["203.0.113.7"],"objectRef":{object_ref},"responseStatus":{{"code":200}},"stageTimestamp":"2026-11-27T09:12:03.118544Z"}}"#
        )
    }

    #[test]
    fn kubernetes_reads_and_unwatched_writes_pass_sessions_rule_writes_and_policies_do_not() {
        for (verb, object_ref) in [
            (
                "list",
                r#"{"resource":"pods","namespace":"datadog","apiVersion":"v1"}"#,
            ),
            (
                "watch",
                r#"{"resource":"configmaps","namespace":"kube-system","apiVersion":"v1"}"#,
            ),
            (
                "get",
                r#"{"resource":"daemonsets","namespace":"falco","name":"falco","apiGroup":"apps","apiVersion":"v1"}"#,
            ),
            (
                "update",
                r#"{"resource":"leases","namespace":"kube-node-lease","name":"node-1","apiGroup":"coordination.k8s.io","apiVersion":"v1"}"#,
            ),
            (
                "create",
                r#"{"resource":"events","namespace":"shop","apiVersion":"v1"}"#,
            ),
        ] {
            let event = k8s(verb, object_ref);
            assert!(!gate(&event), "{verb} {object_ref}");
            assert!(!fires(&event), "{verb} {object_ref}");
        }
        for (verb, object_ref) in [
            // Sessions into a pod, however the client opened them.
            (
                "create",
                r#"{"resource":"pods","namespace":"shop","name":"web-1","apiVersion":"v1","subresource":"exec"}"#,
            ),
            (
                "get",
                r#"{"resource":"pods","namespace":"shop","name":"web-1","apiVersion":"v1","subresource":"portforward"}"#,
            ),
            // Rules' writes.
            (
                "delete",
                r#"{"resource":"daemonsets","namespace":"falco","name":"falco","apiGroup":"apps","apiVersion":"v1"}"#,
            ),
            (
                "patch",
                r#"{"resource":"deployments","namespace":"datadog","name":"datadog-cluster-agent","apiGroup":"apps","apiVersion":"v1","subresource":"scale"}"#,
            ),
            // Network changes correlation counts.
            (
                "delete",
                r#"{"resource":"networkpolicies","namespace":"shop","name":"allow-otel","apiGroup":"networking.k8s.io","apiVersion":"v1"}"#,
            ),
            (
                "patch",
                r#"{"resource":"ciliumnetworkpolicies","namespace":"shop","name":"egress","apiGroup":"cilium.io","apiVersion":"v2"}"#,
            ),
        ] {
            assert!(gate(&k8s(verb, object_ref)), "{verb} {object_ref}");
        }
        // The daemonset deletion is a finding; its read is not.
        assert!(fires(&k8s(
            "delete",
            r#"{"resource":"daemonsets","namespace":"falco","name":"falco","apiGroup":"apps","apiVersion":"v1"}"#
        )));
    }

    // GKE's Kubernetes API requests as Cloud Audit LogEntries (cloud.google.com, "Cloud Audit
    // Logs" LogEntry with an AuditLog `protoPayload`, `resource.type` `k8s_cluster`).
    fn gke(method: &str, resource_name: &str) -> String {
        format!(
            r#"{{"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{{"principalEmail":"mallory@example.com"}},"methodName":"{method}","requestMetadata":{{"callerIp":"203.0.113.7"}},"resourceName":"{resource_name}","serviceName":"k8s.io","status":{{}}}},"insertId":"b1","resource":{{"type":"k8s_cluster","labels":{{"project_id":"acme-prod","location":"us-central1","cluster_name":"prod-gke"}}}},"timestamp":"2026-11-27T10:02:11.482913Z","logName":"projects/acme-prod/logs/cloudaudit.googleapis.com%2Factivity"}}"#
        )
    }

    #[test]
    fn gke_requests_are_judged_by_their_verb_and_resource_as_native_ones() {
        for (method, name) in [
            (
                "io.k8s.core.v1.pods.list",
                "core/v1/namespaces/kube-system/pods",
            ),
            (
                "io.k8s.apps.v1.daemonsets.get",
                "apps/v1/namespaces/kube-system/daemonsets/fluentbit-gke",
            ),
            (
                "io.k8s.coordination.v1.leases.update",
                "coordination.k8s.io/v1/namespaces/kube-node-lease/leases/gke-node-1",
            ),
        ] {
            let entry = gke(method, name);
            assert!(!gate(&entry), "{method}");
            assert!(!fires(&entry), "{method}");
        }
        for (method, name) in [
            (
                "io.k8s.apps.v1.daemonsets.delete",
                "apps/v1/namespaces/kube-system/daemonsets/fluentbit-gke",
            ),
            (
                "io.k8s.core.v1.pods.exec.create",
                "core/v1/namespaces/shop/pods/web-1/exec",
            ),
            (
                "io.k8s.core.v1.pods.exec.get",
                "core/v1/namespaces/shop/pods/web-1/exec",
            ),
            (
                "io.k8s.networking.v1.networkpolicies.delete",
                "networking.k8s.io/v1/namespaces/shop/networkpolicies/allow-otel",
            ),
        ] {
            assert!(gate(&gke(method, name)), "{method}");
        }
    }

    // Cloud Audit Logs LogEntries (cloud.google.com, "Cloud Audit Logs", AuditLog `methodName`).
    fn gcp(method: &str) -> String {
        format!(
            r#"{{"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{{}},"authenticationInfo":{{"principalEmail":"mallory@example.com"}},"requestMetadata":{{"callerIp":"203.0.113.61"}},"serviceName":"x.googleapis.com","methodName":"{method}","resourceName":"projects/acme-prod-4821/zones/us-central1-a/instances/web-1"}},"insertId":"1x7k2pde3aqs","resource":{{"type":"gce_instance","labels":{{"project_id":"acme-prod-4821"}}}},"timestamp":"2026-11-27T10:02:11.482913562Z","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity"}}"#
        )
    }

    #[test]
    fn gcp_methods_pass_unless_a_rule_pattern_memory_or_correlation_could_use_them() {
        for method in [
            "google.logging.v2.ConfigServiceV2.ListSinks",
            "storage.objects.get",
            "v1.compute.instances.list",
            "v1.compute.disks.createSnapshot",
        ] {
            assert!(!gate(&gcp(method)), "{method}");
            assert!(!fires(&gcp(method)), "{method}");
        }
        for method in [
            // A rule's exact method and two of the rules' patterns (`*.SetIamPolicy`,
            // `google.cloud.securitycenter.*.SecurityCenter.DeleteNotificationConfig`).
            "google.logging.v2.ConfigServiceV2.DeleteSink",
            "google.iam.admin.v1.SetIamPolicy",
            "google.cloud.securitycenter.v2.SecurityCenter.DeleteNotificationConfig",
            // Destinations memory learns, instance cycles, firewall changes.
            "google.logging.v2.ConfigServiceV2.CreateSink",
            "google.pubsub.v1.Subscriber.CreateSubscription",
            "v1.compute.instances.stop",
            "beta.compute.instances.resume",
            "v1.compute.firewalls.patch",
            "v1.compute.networkFirewallPolicies.removeRule",
        ] {
            assert!(gate(&gcp(method)), "{method}");
        }
    }

    /// The gate's pattern check (`gcp_listens`, with its literal pre-check) agrees with the rules'
    /// own lookup on every method the rules name, with their wildcards filled, cased otherwise, cut
    /// and extended, and on the methods of the recorded GCP streams.
    #[test]
    fn gcp_patterns_are_asked_as_dispatch_matches_them() {
        let tables = dispatch::tables();
        let mut methods: Vec<String> = Vec::new();
        for rule in crate::rules::catalogue() {
            if let crate::rules::Trigger::Gcp { methods: named, .. } = rule.trigger {
                for method in named {
                    for fill in ["", "v1", "google.iam.admin.v1", "x.y", "?"] {
                        let filled = method.replace('*', fill);
                        methods.push(filled.to_ascii_lowercase());
                        methods.push(format!("{filled}x"));
                        methods.push(format!("x{filled}"));
                        methods.push(filled.get(1..).unwrap_or("").to_owned());
                        methods.push(
                            filled
                                .get(..filled.len().saturating_sub(1))
                                .unwrap_or("")
                                .to_owned(),
                        );
                        methods.push(filled);
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gcp");
        for entry in std::fs::read_dir(root).expect("testdata") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("stream");
            for part in text.split("\"methodName\":\"").skip(1) {
                methods.extend(part.split('"').next().map(str::to_owned));
            }
        }
        assert!(methods.len() > 500, "{}", methods.len());
        for method in &methods {
            assert_eq!(
                tables.gcp_listens(method),
                !tables.gcp(method).is_empty(),
                "{method}"
            );
        }
    }

    // Azure Activity Log (learn.microsoft.com, "Azure Activity Log event schema"): the export shape's
    // upper-case `operationName` and the REST shape's `operationName.value` as the portal writes it.
    fn azure(operation: &str) -> String {
        format!(
            r#"{{"time":"2026-11-27T09:12:44.1234567Z","resourceId":"/SUBSCRIPTIONS/6F1C/RESOURCEGROUPS/RG/PROVIDERS/X/Y/Z","operationName":"{operation}","category":"Administrative","resultType":"Success","callerIpAddress":"203.0.113.24","identity":{{"claims":{{"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"mallory@contoso.onmicrosoft.com"}}}}}}"#
        )
    }

    fn azure_rest(operation: &str) -> String {
        format!(
            r#"{{"caller":"mallory@contoso.onmicrosoft.com","eventTimestamp":"2026-11-27T09:20:01.5Z","operationName":{{"value":"{operation}","localizedValue":"x"}},"resourceId":"/subscriptions/6f1c/resourceGroups/rg/providers/x/y/z","status":{{"value":"Succeeded"}},"subscriptionId":"6f1c"}}"#
        )
    }

    #[test]
    fn azure_operations_are_matched_upper_cased_with_the_rules_suffixes() {
        for operation in [
            "MICROSOFT.RESOURCES/TAGS/WRITE",
            "Microsoft.Storage/storageAccounts/listKeys/action",
            "MICROSOFT.RESOURCES/DEPLOYMENTS/WRITE",
        ] {
            for event in [azure(operation), azure_rest(operation)] {
                assert!(!gate(&event), "{event}");
                assert!(!fires(&event), "{event}");
            }
        }
        for operation in [
            // A rule's operation written by the REST shape in mixed case, and one matched by suffix
            // on a nested resource.
            "Microsoft.Insights/diagnosticSettings/delete",
            "MICROSOFT.KEYVAULT/VAULTS/PROVIDERS/MICROSOFT.INSIGHTS/DIAGNOSTICSETTINGS/DELETE",
            // Memory, instance cycles, network changes.
            "microsoft.insights/diagnosticSettings/write",
            "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION",
            "Microsoft.Network/networkSecurityGroups/securityRules/write",
        ] {
            for event in [azure(operation), azure_rest(operation)] {
                assert!(gate(&event), "{event}");
            }
        }
        // Longer than the gate's buffer: read in full.
        assert!(gate(&azure(&"MICROSOFT.X/".repeat(40))));
    }

    // Docker engine events (Docker Engine API, "Monitor events": `Type`, `Action`, `Actor`).
    fn docker(kind: &str, action: &str, name: &str) -> String {
        format!(
            r#"{{"Type":"{kind}","Action":"{action}","Actor":{{"ID":"7f3c","Attributes":{{"image":"falcosecurity/falco:0.38.1","name":"{name}","signal":"9"}}}},"scope":"local","time":1795770000,"timeNano":1795770000123456789}}"#
        )
    }

    #[test]
    fn docker_actions_pass_unless_a_rule_listens() {
        for (kind, action) in [
            ("image", "pull"),
            ("container", "start"),
            ("container", "exec_start: sh -c ps aux"),
            ("network", "connect"),
        ] {
            let event = docker(kind, action, "falco");
            assert!(!gate(&event), "{kind} {action}");
            assert!(!fires(&event), "{kind} {action}");
        }
        for (kind, action) in [
            ("container", "kill"),
            ("container", "stop"),
            ("container", "update"),
            ("network", "disconnect"),
        ] {
            assert!(gate(&docker(kind, action, "falco")), "{kind} {action}");
        }
        assert!(fires(&docker("container", "kill", "falco")));
    }

    // Record shapes as CloudTrail writes them (AWS CloudTrail User Guide, "CloudTrail record
    // contents"), cut to the keys the gate reads.
    #[test]
    fn reads_and_unwatched_writes_are_not_wanted() {
        assert!(!wanted(
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","readOnly":true,"eventTime":"2026-11-27T08:15:05Z"}"#
        ));
        assert!(!wanted(
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"CreateTags","readOnly":false,"eventTime":"2026-11-27T08:15:05Z"}"#
        ));
    }

    #[test]
    fn rule_memory_and_correlation_calls_are_wanted() {
        // A rule's call, unless the record says it only read.
        let stop = r#"{"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","eventTime":"2026-11-27T08:15:04Z"}"#;
        assert!(wanted(stop));
        assert!(!wanted(
            r#"{"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","readOnly":true,"eventTime":"2026-11-27T08:15:04Z"}"#
        ));
        // Destinations are learned, instance cycles and network changes tracked, even from a
        // record marked read-only (memory and correlation do not look at the flag).
        for name in [
            "CreateTrail",
            "StopInstances",
            "StartInstances",
            "RevokeSecurityGroupEgress",
            "ModifyInstanceAttribute",
        ] {
            let record = format!(
                r#"{{"eventSource":"ec2.amazonaws.com","eventName":"{name}","readOnly":true,"eventTime":"2026-11-27T08:15:04Z"}}"#
            );
            assert!(wanted(&record), "{name}");
        }
    }
}
