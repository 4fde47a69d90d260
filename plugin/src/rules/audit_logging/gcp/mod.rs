//! Family 1 on GCP, from Cloud Audit Logs: log sinks, exclusions, log buckets, logs, audit configs,
//! subnet flow logs and GKE cluster logging switched off or narrowed. Each rule reads the request the
//! entry records and fires only on the values that remove visibility. One module per service; the
//! helpers they share are here.

pub mod destinations;
pub mod dns;
pub mod gke;
pub mod iam;
pub mod logging;
pub mod monitoring;
pub mod resourcemanager;
pub mod scc;
#[cfg(test)]
mod tests;
pub mod vpc;

use crate::rules::sh;
use crate::sources::gcp_audit::Entry;

/// Log buckets keep 30 days by default (`_Default`); retention under this is a cut.
pub const MIN_RETENTION_DAYS: i64 = 30;
/// Retention at or under this many days is too short to investigate from.
pub const SHORT_RETENTION_DAYS: i64 = 7;

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

pub fn project(entry: &Entry<'_>) -> String {
    entry
        .project()
        .filter(|p| !p.contains('/'))
        .map_or_else(|| "<project>".to_owned(), |p| sh(&p))
}

/// The segment after `key` in a resource path, shell-quoted, or a placeholder.
pub fn segment(path: Option<&str>, key: &str, placeholder: &str) -> String {
    raw_segment(path, key).map_or_else(|| placeholder.to_owned(), sh)
}

pub fn raw_segment<'p>(path: Option<&'p str>, key: &str) -> Option<&'p str> {
    let mut parts = path?.split('/');
    while let Some(part) = parts.next() {
        if part == key {
            return parts.next().filter(|p| !p.is_empty());
        }
    }
    None
}

pub fn request_str(entry: &Entry<'_>, key: &str) -> Option<String> {
    entry.request()?.str(key).map(|v| v.into_owned())
}

/// The name the entry acted on: `resourceName`, else the request's own name field.
pub fn resource_path(entry: &Entry<'_>, request_key: &str) -> Option<String> {
    entry
        .resource_name
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .or_else(|| request_str(entry, request_key))
}
