//! Cloud Logging: sinks, exclusions, log buckets and logs.

use super::{
    MIN_RETENTION_DAYS, SHORT_RETENTION_DAYS, parent_flag, raw_segment, resource_path, segment,
};
use crate::model::Severity;
use crate::rules::memory::Kind;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::Object;

declare! {
    SINK_DELETED = {
        id: "gcp.logging.sink_deleted",
        title: "Log sink deleted",
        description: "ConfigServiceV2.DeleteSink: the logs the sink routed (to a SIEM, BigQuery, Pub/Sub or an archive \
                      bucket) stop arriving there.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Gcp {
            methods: &["google.logging.v2.ConfigServiceV2.DeleteSink"],
            check: sink_deleted,
        },
    };
    SINK_DISABLED = {
        id: "gcp.logging.sink_disabled",
        title: "Log sink disabled or its filter made to skip audit logs",
        description: "ConfigServiceV2.UpdateSink that sets disabled: true, or whose filter or exclusions now drop Cloud \
                      Audit Logs (e.g. NOT logName:\"cloudaudit.googleapis.com\"). Creating a sink or widening its filter \
                      is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Gcp {
            methods: &["google.logging.v2.ConfigServiceV2.UpdateSink"],
            check: sink_updated,
        },
    };
    EXCLUSION_CREATED = {
        id: "gcp.logging.exclusion_created",
        title: "Log exclusion created or re-enabled",
        description: "ConfigServiceV2.CreateExclusion or UpdateExclusion with an exclusion that is not disabled: matching \
                      logs are dropped before storage. High when the filter touches audit logs or matches everything.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Gcp {
            methods: &[
                "google.logging.v2.ConfigServiceV2.CreateExclusion",
                "google.logging.v2.ConfigServiceV2.UpdateExclusion",
            ],
            check: exclusion,
        },
    };
    BUCKET_DELETED = {
        id: "gcp.logging.bucket_deleted",
        title: "Log bucket deleted",
        description: "ConfigServiceV2.DeleteBucket: the bucket's stored logs and the sinks writing to it are cut off.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Gcp {
            methods: &["google.logging.v2.ConfigServiceV2.DeleteBucket"],
            check: bucket_deleted,
        },
    };
    RETENTION_CUT = {
        id: "gcp.logging.retention_cut",
        title: "Log bucket retention cut",
        description: "ConfigServiceV2.UpdateBucket with retentionDays under 30 (the _Default bucket's retention); high at \
                      7 days or less. Longer retention is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Gcp {
            methods: &[
                "google.logging.v2.ConfigServiceV2.UpdateBucket",
                "google.logging.v2.ConfigServiceV2.UpdateBucketAsync",
            ],
            check: retention,
        },
    };
    LOG_DELETED = {
        id: "gcp.logging.log_deleted",
        title: "Log deleted",
        description: "LoggingServiceV2.DeleteLog: every stored entry of the log is deleted.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Gcp {
            methods: &["google.logging.v2.LoggingServiceV2.DeleteLog"],
            check: log_deleted,
        },
    };
    SINK_REDIRECTED = {
        id: "gcp.logging.sink_redirected",
        title: "Log sink destination or filter changed",
        description: "ConfigServiceV2.UpdateSink whose update mask names the destination (medium: exported logs now go \
                      somewhere else, possibly another project; high when the new destination is in a project other \
                      than the sink's), or that sets a destination the stream never saw the sink use (low). A new \
                      filter that no longer names audit logs is low (sequences use it); one that excludes them is \
                      gcp.logging.sink_disabled; one that still selects them is not a finding. Re-sending the known destination is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::Gcp {
            methods: &["google.logging.v2.ConfigServiceV2.UpdateSink"],
            check: sink_redirected,
        },
    };
    SETTINGS_CHANGED = {
        id: "gcp.logging.settings_changed",
        title: "Cloud Logging settings weakened",
        description: "ConfigServiceV2.UpdateSettings with disableDefaultSink: true (high: new projects of the \
                      organization or folder get no _Default sink, so their logs are not stored), or UpdateSettings / \
                      UpdateCmekSettings setting a KMS key for log storage (medium: whoever controls the key can make \
                      stored logs unreadable by disabling or destroying it). Changing the storage location or enabling \
                      the default sink is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Gcp {
            methods: &[
                "google.logging.v2.ConfigServiceV2.UpdateSettings",
                "google.logging.v2.ConfigServiceV2.UpdateCmekSettings",
            ],
            check: settings_changed,
        },
    };
}

fn sink_deleted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn sink_updated(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn exclusion(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn bucket_deleted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn retention(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
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

fn log_deleted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
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

/// The project a sink destination lives in (`…/projects/P/…`); a bucket's project is not in its name.
fn destination_project(destination: &str) -> Option<&str> {
    raw_segment(Some(destination), "projects")
}

fn sink_redirected(entry: &Entry<'_>, env: &Env<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let sink = request.object("sink")?;
    let mask = request.str("updateMask").unwrap_or_default();
    let destination = sink.str("destination");
    let filter = sink.str("filter");
    let path = resource_path(entry, "sinkName");
    let name = raw_segment(path.as_deref(), "sinks")
        .map(str::to_owned)
        .or_else(|| sink.str("name").map(|n| n.into_owned()));
    let shown = name.as_deref().unwrap_or("(unnamed)");
    let sink_project = raw_segment(path.as_deref(), "projects");
    let mut detection = Detection::new(&SINK_REDIRECTED);
    match destination.as_deref() {
        Some(to)
            if mask.contains("destination")
                || (mask.is_empty() && !env.is_destination(Kind::GcpSinkDestination, to)) =>
        {
            let elsewhere = destination_project(to)
                .zip(sink_project)
                .is_some_and(|(to, from)| to != from);
            detection = if elsewhere {
                detection.severity(Severity::High).confidence(75)
            } else if mask.contains("destination") {
                detection
            } else {
                detection.severity(Severity::Low).confidence(40)
            };
            detection = detection.reason(format!(
                "log sink {shown} now exports to {to}{}: the logs it routes stop arriving where they went before",
                if elsewhere {
                    " (another project)"
                } else {
                    ""
                }
            ));
        }
        _ => {
            // Without the previous filter, a filter that still selects audit logs reads as kept or
            // widened; one that no longer names them is what narrowing leaves.
            let changed = filter.as_deref().filter(|f| {
                !excludes_audit_logs(f)
                    && !touches_audit_logs(f)
                    && (mask.contains("filter") || mask.is_empty())
            })?;
            detection = detection
                .severity(Severity::Low)
                .confidence(40)
                .reason(format!(
                    "log sink {shown}'s filter changed to: {changed}; entries it no longer matches stop being exported"
                ));
        }
    }
    let parent = parent_flag(path.as_deref(), entry);
    let s = name.as_deref().map_or_else(|| "<sink>".to_owned(), sh);
    Some(
        detection
            .scope(format!(
                "`gcloud logging sinks describe {s} {parent}` shows the destination and filter now; compare with \
                 the destination's last entries"
            ))
            .restore(format!(
                "gcloud logging sinks update {s} <previous-destination> --log-filter=<previous-filter> {parent}"
            )),
    )
}

fn settings_changed(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let settings = request
        .object("settings")
        .or_else(|| request.object("cmekSettings"))?;
    let path = resource_path(entry, "name");
    let parent = parent_flag(path.as_deref(), entry);
    let scope_name = path.as_deref().unwrap_or("(unknown parent)");
    if settings.bool("disableDefaultSink") == Some(true) {
        return Some(
            Detection::new(&SETTINGS_CHANGED)
                .reason(format!(
                    "Cloud Logging settings of {scope_name} now disable the _Default sink: projects created under it \
                     store none of their non-audit logs"
                ))
                .scope(format!(
                    "`gcloud logging settings describe {parent}` shows the settings now"
                ))
                .restore(format!(
                    "gcloud logging settings update {parent} --no-disable-default-sink"
                )),
        );
    }
    let key = settings.str("kmsKeyName").filter(|k| !k.is_empty())?;
    Some(
        Detection::new(&SETTINGS_CHANGED)
            .severity(Severity::Medium)
            .confidence(55)
            .reason(format!(
                "log storage of {scope_name} is now encrypted with KMS key {key}: disabling or destroying that key \
                 makes the stored logs unreadable"
            ))
            .scope(format!(
                "`gcloud logging settings describe {parent}` and `gcloud kms keys describe {}` show who controls the key",
                sh(&key)
            ))
            .restore(format!(
                "gcloud logging settings update {parent} --kms-key-name=<approved-key> (or --clear-kms-key)"
            )),
    )
}
