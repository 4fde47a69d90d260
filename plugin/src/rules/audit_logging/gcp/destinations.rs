//! Where sinks export to: the Cloud Storage bucket, Pub/Sub topic (and the subscription a SIEM pulls
//! from) or BigQuery dataset deleted, the sink's writer identity removed from it, or a sink bucket's
//! configuration changed. A destination is recognised by what the stream showed (a `CreateSink` or
//! `UpdateSink` naming it, see `rules::memory`), else by a name that says it holds logs.

use super::{project, raw_segment};
use crate::model::Severity;
use crate::rules::env::Known;
use crate::rules::memory::Kind;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::{self, Object};

declare! {
    DESTINATION_DELETED = {
        id: "gcp.logging.destination_deleted",
        title: "Log sink destination deleted",
        description: "storage.buckets.delete, Pub/Sub DeleteTopic or DeleteSubscription, or a BigQuery dataset \
                      delete of a resource a log sink exports to (learned from CreateSink/UpdateSink in the stream, or \
                      named in log_destinations: high) or whose name says it holds logs (log, audit, siem, sink, export…: medium). Deleting other \
                      buckets, topics or datasets is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Gcp {
            methods: &[
                "storage.buckets.delete",
                "google.pubsub.v1.Publisher.DeleteTopic",
                "google.pubsub.v1.Subscriber.DeleteSubscription",
                "google.cloud.bigquery.v2.DatasetService.DeleteDataset",
                "datasetservice.delete",
            ],
            check: destination_deleted,
        },
    };
    WRITER_REMOVED = {
        id: "gcp.logging.sink_writer_removed",
        title: "Log sink writer identity removed from its destination",
        description: "storage.setIamPermissions or SetIamPolicy (Pub/Sub, BigQuery) whose policy delta removes a \
                      Cloud Logging writer identity (…@gcp-sa-logging.iam.gserviceaccount.com, \
                      cloud-logs@system.gserviceaccount.com): the sink keeps running but its writes are refused. Grants \
                      to the writer and changes to other members are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Gcp {
            methods: &["storage.setIamPermissions", "google.iam.v1.IAMPolicy.SetIamPolicy"],
            check: writer_removed,
        },
    };
    SINK_BUCKET_CHANGED = {
        id: "gcp.storage.sink_bucket_changed",
        title: "Configuration of a log sink's bucket changed",
        description: "storage.buckets.update or patch of a bucket a log sink exports to (learned from the stream). When \
                      the request records lifecycle rules, a Delete rule at 7 days or less is high; otherwise the \
                      change is medium with low confidence (Admin Activity logs do not record which setting changed: \
                      lifecycle, retention policy and versioning can all erase exported logs). Buckets no sink writes \
                      to are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 50,
        trigger: Trigger::Gcp {
            methods: &["storage.buckets.update", "storage.buckets.patch"],
            check: sink_bucket_changed,
        },
    };
}

/// What a resource is, as a sink destination names it, and how to look at or restore it.
struct Destination {
    kind: &'static str,
    name: String,
    sink_destination: String,
}

fn destination(entry: &Entry<'_>) -> Option<Destination> {
    let method = &*entry.method_name;
    let path = entry.resource_name.as_deref().unwrap_or_default();
    if method.starts_with("storage.") {
        let bucket = raw_segment(Some(path), "buckets")?;
        return Some(Destination {
            kind: "Cloud Storage bucket",
            name: bucket.to_owned(),
            sink_destination: format!("storage.googleapis.com/{bucket}"),
        });
    }
    if method.contains("pubsub") || path.contains("/topics/") || path.contains("/subscriptions/") {
        let kind = if path.contains("/subscriptions/") {
            "Pub/Sub subscription"
        } else {
            "Pub/Sub topic"
        };
        return Some(Destination {
            kind,
            name: path.to_owned(),
            sink_destination: format!("pubsub.googleapis.com/{path}"),
        });
    }
    // BigQuery names datasets `projects/P/datasets/D` (tables below them).
    let project = raw_segment(Some(path), "projects")?;
    let dataset = raw_segment(Some(path), "datasets")?;
    Some(Destination {
        kind: "BigQuery dataset",
        name: format!("projects/{project}/datasets/{dataset}"),
        sink_destination: format!("bigquery.googleapis.com/projects/{project}/datasets/{dataset}"),
    })
}

/// Whether a name says it holds exported logs.
pub fn log_like_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "log",
        "audit",
        "siem",
        "sink",
        "export",
        "archive",
        "security",
        "splunk",
        "chronicle",
        "trail",
        "soc",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

fn known(env: &Env<'_>, d: &Destination) -> bool {
    env.is_destination(Kind::GcpSinkDestination, &d.sink_destination)
}

fn destination_deleted(entry: &Entry<'_>, env: &Env<'_>) -> Option<Detection> {
    let d = destination(entry)?;
    let (severity, confidence, why) =
        if let Some(known) = env.destination(Kind::GcpSinkDestination, &d.sink_destination) {
            let why = match known {
                Known::Stream => format!(
                    "a log sink in this stream exports to {}",
                    d.sink_destination
                ),
                Known::Configured => format!(
                    "the configuration names {} a log destination (log_destinations)",
                    d.sink_destination
                ),
            };
            (Severity::High, 85, why)
        } else if log_like_name(&d.name) {
            (
                Severity::Medium,
                60,
                "its name says it holds exported logs".to_owned(),
            )
        } else {
            return None;
        };
    let p = project(entry);
    let leaf = d.name.rsplit('/').next().unwrap_or(&d.name).to_owned();
    let (look, restore) = match d.kind {
        "Cloud Storage bucket" => (
            format!("`gcloud logging sinks list --project {p} --format='table(name,destination)'`"),
            format!(
                "gcloud storage buckets create gs://{} --project {p} (soft-deleted objects: gcloud storage \
                 restore gs://{}/** --all-versions), then re-grant the sink's writer identity \
                 roles/storage.objectCreator",
                sh(&leaf),
                sh(&leaf)
            ),
        ),
        "Pub/Sub topic" => (
            format!("`gcloud logging sinks list --project {p} --format='table(name,destination)'`"),
            format!(
                "gcloud pubsub topics create {} --project {p}, then re-grant the sink's writer identity \
                 roles/pubsub.publisher and recreate the SIEM's subscription",
                sh(&leaf)
            ),
        ),
        "Pub/Sub subscription" => (
            format!("`gcloud pubsub subscriptions list --project {p}` shows what still pulls"),
            format!(
                "gcloud pubsub subscriptions create {} --topic=<sink-topic> --project {p}",
                sh(&leaf)
            ),
        ),
        _ => (
            format!("`gcloud logging sinks list --project {p} --format='table(name,destination)'`"),
            format!(
                "bq mk --dataset {p}:{} (a deleted dataset can be undeleted within its time-travel window: \
                 bq cp with @<timestamp> per table), then re-grant the sink's writer identity \
                 roles/bigquery.dataEditor",
                sh(&leaf)
            ),
        ),
    };
    Some(
        Detection::new(&DESTINATION_DELETED)
            .severity(severity)
            .confidence(confidence)
            .reason(format!(
                "{} {} was deleted: {why}, so the logs routed there (and what was stored) are gone",
                d.kind, d.name
            ))
            .scope(format!(
                "{look} shows the sinks whose destination no longer exists; exported logs stop at this event's time"
            ))
            .restore(restore),
    )
}

/// Cloud Logging's writer identities (per-sink, per-project and the legacy shared one).
fn is_logging_writer(member: &str) -> bool {
    member.contains("@gcp-sa-logging.iam.gserviceaccount.com")
        || member.contains("cloud-logs@system.gserviceaccount.com")
}

fn writer_removed(entry: &Entry<'_>, env: &Env<'_>) -> Option<Detection> {
    let service_data = entry.service_data()?;
    let deltas = service_data
        .path(&["policyDelta", "bindingDeltas"])
        .and_then(json::raw_array)?;
    let mut removed = Vec::new();
    for delta in deltas {
        let Ok(delta) = Object::from_raw(delta) else {
            continue;
        };
        let member = delta.str("member").unwrap_or_default();
        if delta.str("action").as_deref() == Some("REMOVE") && is_logging_writer(&member) {
            removed.push(format!(
                "{member} ({})",
                delta.str("role").as_deref().unwrap_or("a role")
            ));
        }
    }
    if removed.is_empty() {
        return None;
    }
    let target = entry
        .resource_name
        .as_deref()
        .unwrap_or("(unknown resource)");
    let known = destination(entry).is_some_and(|d| known(env, &d));
    let p = project(entry);
    let grant = if target.contains("/buckets/") {
        format!(
            "gcloud storage buckets add-iam-policy-binding gs://{} --member=<writer-identity> \
             --role=roles/storage.objectCreator",
            sh(raw_segment(Some(target), "buckets").unwrap_or("<bucket>"))
        )
    } else if target.contains("/topics/") {
        format!(
            "gcloud pubsub topics add-iam-policy-binding {} --member=<writer-identity> \
             --role=roles/pubsub.publisher --project {p}",
            sh(target)
        )
    } else {
        format!(
            "grant <writer-identity> write access on {} again (roles/bigquery.dataEditor for a dataset)",
            sh(target)
        )
    };
    Some(
        Detection::new(&WRITER_REMOVED)
            .confidence(if known { 90 } else { 80 })
            .reason(format!(
                "Cloud Logging's writer lost access to {target}: {}; the sink keeps running but every export to \
                 it now fails{}",
                removed.join(", "),
                if known {
                    " (a sink in this stream exports there)"
                } else {
                    ""
                }
            ))
            .scope(format!(
                "`gcloud logging sinks list --project {p} --format='table(name,destination,writerIdentity)'` \
                 names the sink; its export errors show in the sink's metrics from this event's time"
            ))
            .restore(grant),
    )
}

/// The shortest age (days) of a lifecycle Delete rule in the request, when it records lifecycle rules.
fn shortest_delete_age(entry: &Entry<'_>) -> Option<i64> {
    let request = entry.request()?;
    let lifecycle = request.object("lifecycle").or_else(|| {
        request
            .object("resource")
            .and_then(|r| r.object("lifecycle"))
    })?;
    lifecycle
        .array("rule")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|rule| Object::from_raw(rule).ok())
        .filter(|rule| {
            rule.object("action").and_then(|a| a.str("type")).as_deref() == Some("Delete")
        })
        .filter_map(|rule| rule.object("condition").and_then(|c| c.i64("age")))
        .min()
}

fn sink_bucket_changed(entry: &Entry<'_>, env: &Env<'_>) -> Option<Detection> {
    let d = destination(entry)?;
    if !known(env, &d) {
        return None;
    }
    let bucket = sh(&d.name);
    let mut detection = Detection::new(&SINK_BUCKET_CHANGED)
        .scope(format!(
            "`gcloud storage buckets describe gs://{bucket} --format='yaml(lifecycle,retentionPolicy,versioning)'` \
             shows what the bucket keeps now"
        ))
        .restore(format!(
            "gcloud storage buckets update gs://{bucket} --clear-lifecycle (or restore the previous \
             lifecycle file with --lifecycle-file=<file>)"
        ));
    detection = match shortest_delete_age(entry) {
        Some(age) if age <= 7 => detection.severity(Severity::High).confidence(85).reason(format!(
            "bucket {} receives exported logs and now deletes objects after {age} day(s)",
            d.name
        )),
        _ => detection.reason(format!(
            "bucket {} receives exported logs and its configuration changed; the audit log does not record \
             which setting (lifecycle Delete rules, retention policy and versioning can erase the logs)",
            d.name
        )),
    };
    Some(detection)
}
