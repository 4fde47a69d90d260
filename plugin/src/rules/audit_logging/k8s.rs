//! Family 1 on Kubernetes: the cluster's event record deleted, and dynamic audit sinks removed.
//!
//! Mapped to T1070 (Indicator Removal), not T1562.008: deleting `events` does not stop anything from
//! being recorded — new events keep being written and the audit log is untouched — it erases the record
//! of what already happened (failed mounts, image pulls, kills, evictions), which is what T1070 describes.

use crate::model::Severity;
use crate::rules::container_evasion::Request;
use crate::rules::{Detection, Trigger, attack, declare, sh};

declare! {
    EVENTS_DELETED = {
        id: "k8s.events.deleted",
        title: "Kubernetes events deleted",
        description: "delete or deletecollection of core or events.k8s.io events by anyone but the control \
                      plane's controllers: deletecollection (many events) is high, a single delete medium. \
                      Expiry by the API server's TTL is not audited and is not a finding.",
        attack: &attack::INDICATOR_REMOVAL,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::K8s {
            resources: &["events"],
            verbs: &["delete", "deletecollection"],
            check: events_deleted,
        },
    };
    AUDIT_SINK_REMOVED = {
        id: "k8s.audit.sink_removed",
        title: "Kubernetes dynamic audit sink deleted or changed",
        description: "delete or deletecollection (high), update or patch (medium) of an AuditSink \
                      (auditregistration.k8s.io, the dynamic audit backend of Kubernetes 1.13 to 1.18): audit \
                      events stop reaching, or reach differently, the webhook that collected them. The static \
                      audit policy and log backend are API server flags, not API objects, and are not seen \
                      here.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::K8s {
            resources: &["auditsinks"],
            verbs: &["delete", "deletecollection", "update", "patch"],
            check: audit_sink_removed,
        },
    };
}

fn audit_sink_removed(request: &Request<'_, '_>) -> Option<Detection> {
    let event = request.event;
    if event.api_group() != "auditregistration.k8s.io" || event.subresource().is_some() {
        return None;
    }
    let name = event.name().unwrap_or("(all)");
    let (severity, change) = match &*event.verb {
        "delete" => (
            Severity::High,
            "was deleted: audit events no longer reach its webhook",
        ),
        "deletecollection" => (
            Severity::High,
            "and every other audit sink were deleted: audit events no longer reach their webhooks",
        ),
        _ => (
            Severity::Medium,
            "was changed: its policy level, stages or webhook may no longer send what it did",
        ),
    };
    Some(
        Detection::new(&AUDIT_SINK_REMOVED)
            .severity(severity)
            .reason(format!("audit sink {name} {change}"))
            .scope(
                "`kubectl get auditsinks -o yaml` shows the sinks left; the audit collector's intake shows \
                 when events stopped",
            )
            .restore(format!(
                "kubectl apply -f <auditsink/{} manifest from the GitOps repository>",
                sh(name)
            )),
    )
}

fn events_deleted(request: &Request<'_, '_>) -> Option<Detection> {
    let event = request.event;
    if !matches!(event.api_group(), "" | "events.k8s.io") {
        return None;
    }
    let ns = event.namespace();
    let ns_arg = ns.map(|n| format!("-n {} ", sh(n))).unwrap_or_default();
    let where_ = ns.map_or_else(
        || "every namespace".to_owned(),
        |n| format!("namespace {n}"),
    );
    let detection = match &*event.verb {
        "deletecollection" => Detection::new(&EVENTS_DELETED).reason(format!(
            "the events of {where_} were deleted in bulk: the record of recent pod starts, kills, failed \
             mounts and image pulls there is gone"
        )),
        "delete" => Detection::new(&EVENTS_DELETED)
            .severity(Severity::Medium)
            .reason(format!(
                "event {} in {where_} was deleted: the record it held is gone",
                event.name().unwrap_or("(unnamed)")
            )),
        _ => return None,
    };
    Some(
        detection
            .scope(format!(
                "`kubectl {ns_arg}get events --sort-by=.lastTimestamp` shows what is left; the audit log and \
                 any event exporter still hold what was deleted"
            ))
            .restore(
                "deleted events cannot be restored: make sure an event exporter (or the audit log at \
                 Metadata level for events) ships them off-cluster before they can be deleted",
            ),
    )
}
