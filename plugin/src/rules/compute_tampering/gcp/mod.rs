//! Family 2 on GCP, from Cloud Audit Logs: compute changed to keep agents off or blind (metadata),
//! firewalls that cut telemetry, compute data shared outside, instances deleted. One module per kind
//! of change; the helpers they share are here.

pub mod firewall;
pub mod instances;
pub mod metadata;
pub mod sharing;

use crate::rules::sh;
use crate::sources::gcp_audit::Entry;
use crate::sources::json::Object;

/// The project id, shell-quoted, or a placeholder.
pub fn project(entry: &Entry<'_>) -> String {
    entry
        .project()
        .filter(|p| !p.contains('/'))
        .map_or_else(|| "<project>".to_owned(), |p| sh(&p))
}

/// The resource's name: the segment after `collection` in `resourceName`, else the request's `name`.
pub fn target_name(entry: &Entry<'_>, collection: &str, request: &Object<'_>) -> String {
    entry
        .resource_segment(collection)
        .map(str::to_owned)
        .or_else(|| request.str("name").map(|n| n.into_owned()))
        .unwrap_or_else(|| "(unnamed)".to_owned())
}
