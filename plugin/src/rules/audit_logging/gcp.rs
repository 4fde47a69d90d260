//! Family 1 on GCP: log sinks, exclusions, log buckets, logs, audit configs, subnet flow logs and GKE
//! cluster logging switched off or narrowed, from Cloud Audit Logs. Each rule reads the request the
//! entry records and fires only on the values that remove visibility.

use crate::model::{Severity, SourceKind};
use crate::rules::{Detection, Rule, rule, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::{self, Object};

const CLOUD_LOGS: (&str, &str) = ("T1562.008", "Impair Defenses: Disable or Modify Cloud Logs");
const GCP: &[SourceKind] = &[SourceKind::GcpAudit];

/// Log buckets keep 30 days by default (`_Default`); retention under this is a cut.
pub const MIN_RETENTION_DAYS: i64 = 30;
/// Retention at or under this many days is too short to investigate from.
pub const SHORT_RETENTION_DAYS: i64 = 7;

rule!(
    SINK_DELETED,
    "gcp.logging.sink_deleted",
    "Log sink deleted",
    CLOUD_LOGS,
    High,
    85,
    GCP,
    "ConfigServiceV2.DeleteSink: the logs the sink routed (to a SIEM, BigQuery, Pub/Sub or an archive bucket) \
     stop arriving there."
);
rule!(
    SINK_DISABLED,
    "gcp.logging.sink_disabled",
    "Log sink disabled or its filter made to skip audit logs",
    CLOUD_LOGS,
    High,
    80,
    GCP,
    "ConfigServiceV2.UpdateSink that sets disabled: true, or whose filter or exclusions now drop Cloud Audit \
     Logs (e.g. NOT logName:\"cloudaudit.googleapis.com\"). Creating a sink or widening its filter is not a \
     finding."
);
rule!(
    EXCLUSION_CREATED,
    "gcp.logging.exclusion_created",
    "Log exclusion created or re-enabled",
    CLOUD_LOGS,
    Medium,
    70,
    GCP,
    "ConfigServiceV2.CreateExclusion or UpdateExclusion with an exclusion that is not disabled: matching logs \
     are dropped before storage. High when the filter touches audit logs or matches everything."
);
rule!(
    BUCKET_DELETED,
    "gcp.logging.bucket_deleted",
    "Log bucket deleted",
    CLOUD_LOGS,
    High,
    85,
    GCP,
    "ConfigServiceV2.DeleteBucket: the bucket's stored logs and the sinks writing to it are cut off."
);
rule!(
    RETENTION_CUT,
    "gcp.logging.retention_cut",
    "Log bucket retention cut",
    CLOUD_LOGS,
    Medium,
    70,
    GCP,
    "ConfigServiceV2.UpdateBucket with retentionDays under 30 (the _Default bucket's retention); high at 7 \
     days or less. Longer retention is not a finding."
);
rule!(
    LOG_DELETED,
    "gcp.logging.log_deleted",
    "Log deleted",
    CLOUD_LOGS,
    High,
    80,
    GCP,
    "LoggingServiceV2.DeleteLog: every stored entry of the log is deleted."
);
rule!(
    AUDIT_CONFIG_REMOVED,
    "gcp.iam.audit_config_removed",
    "Data Access audit logging removed from an IAM policy",
    CLOUD_LOGS,
    High,
    80,
    GCP,
    "SetIamPolicy whose policy delta removes audit log configs (auditConfigDeltas action REMOVE) or adds an \
     exempted member. Added log types are not findings."
);
rule!(
    SUBNET_FLOW_LOGS_DISABLED,
    "gcp.compute.subnet_flow_logs_disabled",
    "VPC subnet flow logs disabled",
    CLOUD_LOGS,
    High,
    85,
    GCP,
    "compute.subnetworks.patch with logConfig.enable = false (or enableFlowLogs = false): the subnet's traffic \
     stops being recorded. Enabling flow logs is not a finding."
);
rule!(
    GKE_LOGGING_DISABLED,
    "gcp.gke.logging_disabled",
    "GKE cluster logging or monitoring switched off",
    CLOUD_LOGS,
    High,
    85,
    GCP,
    "ClusterManager.UpdateCluster with desiredLoggingService/desiredMonitoringService none or no enabled \
     logging/monitoring components, or SetLoggingService/SetMonitoringService to none: the cluster's \
     system, workload and control-plane logs or metrics stop."
);

pub static RULES: &[&Rule] = &[
    &SINK_DELETED,
    &SINK_DISABLED,
    &EXCLUSION_CREATED,
    &BUCKET_DELETED,
    &RETENTION_CUT,
    &LOG_DELETED,
    &AUDIT_CONFIG_REMOVED,
    &SUBNET_FLOW_LOGS_DISABLED,
    &GKE_LOGGING_DISABLED,
];

/// Evaluate one entry. The match on the method is the pre-classification: other methods never read
/// their request.
pub fn evaluate(entry: &Entry<'_>, out: &mut Vec<Detection>) {
    let method = &*entry.method_name;
    let short = method.rsplit('.').next().unwrap_or(method);
    let detection = if let Some(call) = method.strip_prefix("google.logging.v2.ConfigServiceV2.") {
        match call {
            "DeleteSink" => sink_deleted(entry),
            "UpdateSink" => sink_updated(entry),
            "CreateExclusion" | "UpdateExclusion" => exclusion(entry),
            "DeleteBucket" => bucket_deleted(entry),
            "UpdateBucket" | "UpdateBucketAsync" => retention(entry),
            _ => None,
        }
    } else if method == "google.logging.v2.LoggingServiceV2.DeleteLog" {
        log_deleted(entry)
    } else if short == "SetIamPolicy" {
        audit_config(entry)
    } else if method.ends_with(".compute.subnetworks.patch") {
        subnet_flow_logs(entry)
    } else if method.starts_with("google.container.") && method.contains(".ClusterManager.") {
        match short {
            "UpdateCluster" | "SetLoggingService" | "SetMonitoringService" => gke(entry, short),
            _ => None,
        }
    } else {
        None
    };
    out.extend(detection);
}

/// The gcloud flag naming the parent a logging resource lives in (`projects/P/sinks/S` → `--project P`).
pub fn parent_flag(resource_name: Option<&str>, entry: &Entry<'_>) -> String {
    let mut parts = resource_name.unwrap_or_default().split('/');
    let flag = match (parts.next(), parts.next()) {
        (Some("organizations"), Some(id)) => Some(("--organization", id.to_owned())),
        (Some("folders"), Some(id)) => Some(("--folder", id.to_owned())),
        (Some("billingAccounts"), Some(id)) => Some(("--billing-account", id.to_owned())),
        (Some("projects"), Some(id)) => Some(("--project", id.to_owned())),
        _ => None,
    };
    match flag {
        Some((flag, id)) => format!("{flag} {}", sh(&id)),
        None => format!("--project {}", project(entry)),
    }
}

fn project(entry: &Entry<'_>) -> String {
    entry
        .project()
        .filter(|p| !p.contains('/'))
        .map_or_else(|| "<project>".to_owned(), |p| sh(&p))
}

/// The segment after `key` in a resource path, shell-quoted, or a placeholder.
fn segment(path: Option<&str>, key: &str, placeholder: &str) -> String {
    raw_segment(path, key).map_or_else(|| placeholder.to_owned(), sh)
}

fn raw_segment<'p>(path: Option<&'p str>, key: &str) -> Option<&'p str> {
    let mut parts = path?.split('/');
    while let Some(part) = parts.next() {
        if part == key {
            return parts.next().filter(|p| !p.is_empty());
        }
    }
    None
}

fn request_str(entry: &Entry<'_>, key: &str) -> Option<String> {
    entry.request()?.str(key).map(|v| v.into_owned())
}

/// The name the entry acted on: `resourceName`, else the request's own name field.
fn resource_path(entry: &Entry<'_>, request_key: &str) -> Option<String> {
    entry
        .resource_name
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .or_else(|| request_str(entry, request_key))
}

fn sink_deleted(entry: &Entry<'_>) -> Option<Detection> {
    let path = resource_path(entry, "sinkName");
    let sink = raw_segment(path.as_deref(), "sinks");
    let parent = parent_flag(path.as_deref(), entry);
    let s = sink.map_or_else(|| "<sink>".to_owned(), sh);
    Some(
        Detection::new(&SINK_DELETED)
            .reason(format!(
                "log sink {} was deleted: the logs it exported no longer reach its destination",
                sink.unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`gcloud logging sinks list {parent}` shows the sinks left; the destination's last entries mark \
                 when export stopped"
            ))
            .restore(format!(
                "gcloud logging sinks create {s} <destination> --log-filter=<previous-filter> {parent}"
            )),
    )
}

/// Whether a logging filter now drops Cloud Audit Logs.
pub fn excludes_audit_logs(filter: &str) -> bool {
    let compact: String = filter
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let audit = compact.contains("cloudaudit") || compact.contains("audit.auditlog");
    let negated = [
        "notlogname",
        "-logname",
        "logname!=",
        "not(logname",
        "notprotopayload",
        "-protopayload",
    ]
    .iter()
    .any(|n| compact.contains(n));
    audit && negated
}

/// Whether a filter selects audit logs (for an exclusion, that means dropping them).
fn touches_audit_logs(filter: &str) -> bool {
    let lower = filter.to_ascii_lowercase();
    lower.contains("cloudaudit") || lower.contains("audit.auditlog")
}

fn sink_updated(entry: &Entry<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let sink = request.object("sink")?;
    let mut reasons = Vec::new();
    let disabled = sink.bool("disabled") == Some(true);
    if disabled {
        reasons.push("the sink was disabled (disabled: true): it exports nothing".to_owned());
    }
    if let Some(filter) = sink.str("filter").filter(|f| excludes_audit_logs(f)) {
        reasons.push(format!(
            "the sink's filter now excludes Cloud Audit Logs: {filter}"
        ));
    }
    for exclusion in sink.array("exclusions").unwrap_or_default() {
        let Ok(exclusion) = Object::from_raw(exclusion) else {
            continue;
        };
        if exclusion.bool("disabled") == Some(true) {
            continue;
        }
        if let Some(filter) = exclusion.str("filter").filter(|f| touches_audit_logs(f)) {
            reasons.push(format!(
                "the sink gained exclusion {} dropping audit logs: {filter}",
                exclusion.str("name").as_deref().unwrap_or("(unnamed)")
            ));
        }
    }
    if reasons.is_empty() {
        return None;
    }
    let path = resource_path(entry, "sinkName");
    let name = raw_segment(path.as_deref(), "sinks")
        .map(str::to_owned)
        .or_else(|| sink.str("name").map(|n| n.into_owned()));
    let parent = parent_flag(path.as_deref(), entry);
    let s = name.as_deref().map_or_else(|| "<sink>".to_owned(), sh);
    let mut detection = Detection::new(&SINK_DISABLED)
        .reason(format!(
            "log sink {} stopped exporting audit logs",
            name.as_deref().unwrap_or("(unnamed)")
        ))
        .scope(format!(
            "`gcloud logging sinks describe {s} {parent}` shows the sink's filter and state now"
        ));
    detection.reasons.extend(reasons);
    if disabled {
        detection = detection.restore(format!(
            "gcloud logging sinks update {s} --no-disabled {parent}"
        ));
    } else {
        detection = detection.restore(format!(
            "gcloud logging sinks update {s} --log-filter=<previous-filter> --clear-exclusions {parent}"
        ));
    }
    Some(detection)
}

fn exclusion(entry: &Entry<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let exclusion = request.object("exclusion")?;
    if exclusion.bool("disabled") == Some(true) {
        return None;
    }
    // An update that touches neither the filter nor the switch (a description) changes nothing.
    if let Some(mask) = request.str("updateMask")
        && !mask.contains("filter")
        && !mask.contains("disabled")
    {
        return None;
    }
    let filter = exclusion.str("filter").map(|f| f.into_owned());
    let broad = filter.as_deref().is_none_or(|f| {
        let f = f.trim();
        f.is_empty() || f == "*" || touches_audit_logs(f)
    });
    let path = resource_path(entry, "name");
    let name = exclusion
        .str("name")
        .map(|n| n.into_owned())
        .or_else(|| raw_segment(path.as_deref(), "exclusions").map(str::to_owned));
    let parent_path = request.str("parent").map(|p| p.into_owned()).or(path);
    let parent = parent_flag(parent_path.as_deref(), entry);
    let x = name.as_deref().map_or_else(|| "<exclusion>".to_owned(), sh);
    Some(
        Detection::new(&EXCLUSION_CREATED)
            .severity(if broad { Severity::High } else { Severity::Medium })
            .reason(format!(
                "log exclusion {} drops matching logs before they are stored: {}",
                name.as_deref().unwrap_or("(unnamed)"),
                filter.as_deref().unwrap_or("(no filter: every entry)")
            ))
            .scope(format!(
                "`gcloud logging exclusions list {parent}` shows the active exclusions; entries matching the \
                 filter are missing from this event's time"
            ))
            .restore(format!("gcloud logging exclusions update {x} --disabled {parent}")),
    )
}

/// `projects/P/locations/L/buckets/B` → (location, bucket), shell-quoted.
fn bucket_args(path: Option<&str>) -> (String, String) {
    (
        segment(path, "locations", "global"),
        segment(path, "buckets", "<bucket>"),
    )
}

fn bucket_deleted(entry: &Entry<'_>) -> Option<Detection> {
    let path = resource_path(entry, "name");
    let (location, bucket) = bucket_args(path.as_deref());
    let parent = parent_flag(path.as_deref(), entry);
    Some(
        Detection::new(&BUCKET_DELETED)
            .reason(format!(
                "log bucket {} was deleted: its stored logs and the sinks writing to it are cut off",
                raw_segment(path.as_deref(), "buckets").unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`gcloud logging sinks list {parent}` shows sinks whose destination was this bucket; the bucket \
                 can be undeleted for 7 days"
            ))
            .restore(format!(
                "gcloud logging buckets undelete {bucket} --location={location} {parent}"
            )),
    )
}

fn retention(entry: &Entry<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let days = request.object("bucket")?.i64("retentionDays")?;
    if days >= MIN_RETENTION_DAYS {
        return None;
    }
    let path = resource_path(entry, "name");
    let (location, bucket) = bucket_args(path.as_deref());
    let parent = parent_flag(path.as_deref(), entry);
    Some(
        Detection::new(&RETENTION_CUT)
            .severity(if days <= SHORT_RETENTION_DAYS {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "log bucket {} now keeps logs for {days} day(s): older entries are deleted and investigations \
                 lose their history",
                raw_segment(path.as_deref(), "buckets").unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`gcloud logging buckets describe {bucket} --location={location} {parent}` shows the retention now"
            ))
            .restore(format!(
                "gcloud logging buckets update {bucket} --location={location} --retention-days={MIN_RETENTION_DAYS} {parent}"
            )),
    )
}

fn log_deleted(entry: &Entry<'_>) -> Option<Detection> {
    let log = resource_path(entry, "logName");
    let parent = parent_flag(log.as_deref(), entry);
    let filter = sh(&format!(
        "logName=\"{}\"",
        log.as_deref().unwrap_or("<log-name>")
    ));
    Some(
        Detection::new(&LOG_DELETED)
            .reason(format!(
                "log {} was deleted: every entry stored in it is gone",
                log.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "copies may survive in sink destinations: `gcloud logging sinks list {parent}`"
            ))
            .restore(format!(
                "deleted entries cannot be restored; confirm new entries arrive: gcloud logging read {filter} \
                 --limit=1 {parent}"
            )),
    )
}

fn audit_config(entry: &Entry<'_>) -> Option<Detection> {
    let service_data = entry.service_data()?;
    let deltas = service_data
        .path(&["policyDelta", "auditConfigDeltas"])
        .and_then(json::raw_array)?;
    let mut removed = Vec::new();
    for delta in deltas {
        let Ok(delta) = Object::from_raw(delta) else {
            continue;
        };
        let action = delta.str("action");
        let service = delta.str("service").unwrap_or_default();
        let log_type = delta.str("logType").unwrap_or_default();
        let member = delta.str("exemptedMember").filter(|m| !m.is_empty());
        match (action.as_deref(), member) {
            (Some("REMOVE"), None) => {
                removed.push(format!("{log_type} logging of {service} removed"));
            }
            // Exempting a member narrows logging as surely as removing the log type.
            (Some("ADD"), Some(member)) => {
                removed.push(format!(
                    "{member} exempted from {log_type} logging of {service}"
                ));
            }
            _ => {}
        }
    }
    if removed.is_empty() {
        return None;
    }
    let resource = entry.resource_name.as_deref().unwrap_or_default();
    let (command, id) = match resource.split_once('/') {
        Some(("organizations", id)) => ("gcloud organizations", id),
        Some(("folders", id)) => ("gcloud resource-manager folders", id),
        Some(("projects", id)) => ("gcloud projects", id),
        _ => ("gcloud projects", ""),
    };
    let id = if id.is_empty() {
        project(entry)
    } else {
        sh(id.split('/').next().unwrap_or(id))
    };
    Some(
        Detection::new(&AUDIT_CONFIG_REMOVED)
            .reason(format!(
                "the IAM policy of {} lost audit logging: {}",
                if resource.is_empty() { "(unknown resource)" } else { resource },
                removed.join("; ")
            ))
            .scope(format!(
                "`{command} get-iam-policy {id} --format=json` shows the auditConfigs left; Data Access logs of \
                 the affected services stop from this event's time"
            ))
            .restore(format!(
                "{command} get-iam-policy {id} --format=json > policy.json, restore the removed auditConfigs \
                 (e.g. {{\"service\":\"allServices\",\"auditLogConfigs\":[{{\"logType\":\"ADMIN_READ\"}},\
                 {{\"logType\":\"DATA_READ\"}},{{\"logType\":\"DATA_WRITE\"}}]}}), then {command} set-iam-policy \
                 {id} policy.json"
            )),
    )
}

fn subnet_flow_logs(entry: &Entry<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let disabled = request.object("logConfig").and_then(|c| c.bool("enable")) == Some(false)
        || request.bool("enableFlowLogs") == Some(false);
    if !disabled {
        return None;
    }
    let path = entry.resource_name.as_deref();
    let subnet = segment(path, "subnetworks", "<subnet>");
    let region = segment(path, "regions", "<region>");
    let p = project(entry);
    Some(
        Detection::new(&SUBNET_FLOW_LOGS_DISABLED)
            .reason(format!(
                "flow logs of subnet {} were disabled: its traffic is no longer recorded",
                raw_segment(path, "subnetworks").unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`gcloud compute networks subnets list --project {p} --format='table(name,region,logConfig.enable)'` \
                 shows which subnets still log"
            ))
            .restore(format!(
                "gcloud compute networks subnets update {subnet} --region={region} --enable-flow-logs --project {p}"
            )),
    )
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

fn gke(entry: &Entry<'_>, call: &str) -> Option<Detection> {
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

#[cfg(test)]
mod tests {
    use crate::rules::test_support::fire;

    fn entry(method: &str, resource_name: &str, request: &str, extra: &str) -> String {
        format!(
            r#"{{"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{{}},"authenticationInfo":{{"principalEmail":"mallory@example.com"}},"requestMetadata":{{"callerIp":"203.0.113.61","callerSuppliedUserAgent":"google-cloud-sdk gcloud/474.0.0"}},"methodName":"{method}","resourceName":"{resource_name}","request":{request}{extra}}},"insertId":"abc","resource":{{"type":"global","labels":{{"project_id":"acme-prod-4821"}}}},"timestamp":"2026-11-27T10:02:11.482913562Z","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity"}}"#
        )
    }

    #[test]
    fn sink_update_fires_on_disable_or_audit_exclusion_only() {
        let m = "google.logging.v2.ConfigServiceV2.UpdateSink";
        let r = "projects/acme-prod-4821/sinks/siem-export";
        let disabled = fire(&entry(
            m,
            r,
            r#"{"sinkName":"projects/acme-prod-4821/sinks/siem-export","sink":{"name":"siem-export","disabled":true},"updateMask":"disabled"}"#,
            "",
        ));
        assert_eq!(disabled.len(), 1);
        assert_eq!(
            disabled[0].restore[0],
            "gcloud logging sinks update siem-export --no-disabled --project acme-prod-4821"
        );
        let narrowed = fire(&entry(
            m,
            r,
            r#"{"sink":{"name":"siem-export","filter":"severity>=INFO AND NOT logName:\"cloudaudit.googleapis.com\""}}"#,
            "",
        ));
        assert_eq!(narrowed.len(), 1);
        let widened = fire(&entry(
            m,
            r,
            r#"{"sink":{"name":"siem-export","filter":"logName:\"cloudaudit.googleapis.com\" OR severity>=WARNING","disabled":false}}"#,
            "",
        ));
        assert!(widened.is_empty());
    }

    #[test]
    fn retention_and_audit_config_conditions() {
        let m = "google.logging.v2.ConfigServiceV2.UpdateBucket";
        let r = "projects/acme-prod-4821/locations/global/buckets/_Default";
        let cut = fire(&entry(
            m,
            r,
            r#"{"bucket":{"retentionDays":1},"updateMask":"retentionDays"}"#,
            "",
        ));
        assert_eq!(cut[0].severity, crate::model::Severity::High);
        assert!(cut[0].restore[0].contains("_Default --location=global --retention-days=30"));
        assert!(fire(&entry(m, r, r#"{"bucket":{"retentionDays":400}}"#, "")).is_empty());
        let m = "SetIamPolicy";
        let removed = r#","serviceData":{"@type":"type.googleapis.com/google.iam.v1.logging.AuditData","policyDelta":{"auditConfigDeltas":[{"action":"REMOVE","service":"allServices","logType":"DATA_READ"}]}}"#;
        assert_eq!(
            fire(&entry(m, "projects/acme-prod-4821", "{}", removed)).len(),
            1
        );
        let added = r#","serviceData":{"policyDelta":{"auditConfigDeltas":[{"action":"ADD","service":"allServices","logType":"DATA_READ"}]}}"#;
        assert!(fire(&entry(m, "projects/acme-prod-4821", "{}", added)).is_empty());
    }

    #[test]
    fn gke_and_subnet_conditions() {
        let m = "google.container.v1.ClusterManager.UpdateCluster";
        let r = "projects/acme-prod-4821/locations/us-central1/clusters/prod-gke";
        let off = fire(&entry(
            m,
            r,
            r#"{"update":{"desiredLoggingConfig":{"componentConfig":{}}}}"#,
            "",
        ));
        assert_eq!(off.len(), 1);
        assert!(off[0].restore[0].contains("prod-gke --location=us-central1 --logging="));
        let on = r#"{"update":{"desiredLoggingConfig":{"componentConfig":{"enableComponents":["SYSTEM_COMPONENTS","WORKLOADS"]}}}}"#;
        assert!(fire(&entry(m, r, on, "")).is_empty());
        let m = "google.container.v1.ClusterManager.SetMonitoringService";
        assert_eq!(
            fire(&entry(m, r, r#"{"monitoringService":"none"}"#, "")).len(),
            1
        );
        let m = "v1.compute.subnetworks.patch";
        let r = "projects/acme-prod-4821/regions/us-central1/subnetworks/prod-subnet";
        assert_eq!(
            fire(&entry(m, r, r#"{"logConfig":{"enable":false}}"#, "")).len(),
            1
        );
        assert!(fire(&entry(m, r, r#"{"logConfig":{"enable":true}}"#, "")).is_empty());
    }
}
