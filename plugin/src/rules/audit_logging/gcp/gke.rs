//! GKE: cluster logging or monitoring switched off.

use super::{project, raw_segment, request_str};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::{self, Object};

declare! {
    GKE_LOGGING_DISABLED = {
        id: "gcp.gke.logging_disabled",
        title: "GKE cluster logging or monitoring switched off",
        description: "ClusterManager.UpdateCluster with desiredLoggingService/desiredMonitoringService none or no enabled \
                      logging/monitoring components, or SetLoggingService/SetMonitoringService to none: the cluster's \
                      system, workload and control-plane logs or metrics stop.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Gcp {
            methods: &[
                "google.container.*.ClusterManager.UpdateCluster",
                "google.container.*.ClusterManager.SetLoggingService",
                "google.container.*.ClusterManager.SetMonitoringService",
            ],
            check: gke,
        },
    };
}

fn gke(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let method = &*entry.method_name;
    let call = method.rsplit('.').next().unwrap_or(method);
    cluster_change(entry, call)
}

/// Whether a `desired…Config` turns every component off (`componentConfig` present with no
/// `enableComponents`; proto3 JSON omits empty lists).
fn components_off(update: &Object<'_>, key: &str) -> bool {
    let Some(component) = update.object(key).and_then(|c| c.object("componentConfig")) else {
        return false;
    };
    match component.raw("enableComponents") {
        None => true,
        Some(raw) => json::raw_array(raw).is_some_and(|list| list.is_empty()),
    }
}

fn cluster_change(entry: &Entry<'_>, call: &str) -> Option<Detection> {
    let request = entry.request()?;
    let mut logging_off = false;
    let mut monitoring_off = false;
    match call {
        "UpdateCluster" => {
            let update = request.object("update")?;
            logging_off = update.str("desiredLoggingService").as_deref() == Some("none")
                || components_off(&update, "desiredLoggingConfig");
            monitoring_off = update.str("desiredMonitoringService").as_deref() == Some("none")
                || components_off(&update, "desiredMonitoringConfig");
        }
        "SetLoggingService" => {
            logging_off = request.str("loggingService").as_deref() == Some("none");
        }
        _ => {
            monitoring_off = request.str("monitoringService").as_deref() == Some("none");
        }
    }
    if !logging_off && !monitoring_off {
        return None;
    }
    let path = entry
        .resource_name
        .as_deref()
        .map(str::to_owned)
        .or_else(|| request_str(entry, "name"));
    let path = path.as_deref();
    let cluster = raw_segment(path, "clusters")
        .map(str::to_owned)
        .or_else(|| request_str(entry, "clusterId"));
    let location = raw_segment(path, "locations")
        .or_else(|| raw_segment(path, "zones"))
        .map(str::to_owned)
        .or_else(|| entry.location.as_deref().map(str::to_owned));
    let c = cluster
        .as_deref()
        .map_or_else(|| "<cluster>".to_owned(), sh);
    let l = location
        .as_deref()
        .map_or_else(|| "<location>".to_owned(), sh);
    let p = project(entry);
    let mut lost = Vec::new();
    let mut detection = Detection::new(&GKE_LOGGING_DISABLED).scope(format!(
        "`gcloud container clusters describe {c} --location={l} --project {p} \
         --format='value(loggingConfig,monitoringConfig)'` shows what the cluster still sends"
    ));
    if logging_off {
        lost.push("logging (system, workload and control-plane logs)");
        detection = detection.restore(format!(
            "gcloud container clusters update {c} --location={l} --logging=SYSTEM,WORKLOAD,API_SERVER --project {p}"
        ));
    }
    if monitoring_off {
        lost.push("monitoring (system metrics)");
        detection = detection.restore(format!(
            "gcloud container clusters update {c} --location={l} --monitoring=SYSTEM --project {p}"
        ));
    }
    Some(detection.reason(format!(
        "GKE cluster {} had {} switched off",
        cluster.as_deref().unwrap_or("(unnamed)"),
        lost.join(" and ")
    )))
}
