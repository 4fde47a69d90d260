//! Family 1 on Kubernetes: the cluster's event record deleted.
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
