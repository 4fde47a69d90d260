//! Family 1 on Azure, from the Activity Log: where logs are sent (diagnostic settings, data collection
//! rules), where they land (Log Analytics workspaces, storage accounts, Event Hubs), who is told
//! (alerts, action groups, Defender for Cloud, Sentinel) and flow logs, switched off or narrowed.
//! Writes are judged by the request body the Activity Log records (`properties.requestbody`, else the
//! response body of the completing event); a write whose body is absent or only widens coverage is not
//! a finding. One module per Azure service; the helpers they share are here.

pub mod defender;
pub mod destinations;
pub mod loganalytics;
pub mod monitor;
pub mod network;
pub mod policy;
pub mod sentinel;
#[cfg(test)]
mod tests;

use crate::rules::Env;
use crate::rules::env::Known;
use crate::rules::memory::Kind;
use crate::rules::sh;
use crate::sources::azure_activity::Record;
use crate::sources::json::Object;

/// The subscription id, shell-quoted, or a placeholder.
pub fn subscription(record: &Record<'_>) -> String {
    record
        .subscription()
        .map_or_else(|| "<subscription-id>".to_owned(), |s| sh(&s))
}

/// The resource's own name, shell-quoted, or a placeholder.
pub fn name_or(record: &Record<'_>, placeholder: &str) -> String {
    record
        .resource_name()
        .map_or_else(|| placeholder.to_owned(), sh)
}

pub fn resource_group(record: &Record<'_>) -> String {
    record
        .resource_segment("resourceGroups")
        .map_or_else(|| "<resource-group>".to_owned(), sh)
}

pub fn shown(value: Option<&str>) -> &str {
    value.unwrap_or("(unknown)")
}

/// Run `read` on the `properties` of the resource the event wrote, when the event recorded it.
pub fn with_properties<T>(
    record: &Record<'_>,
    read: impl FnOnce(&Object<'_>) -> Option<T>,
) -> Option<T> {
    let body = record.request_body()?;
    let body = Object::parse(&body).ok()?;
    let properties = body.object("properties")?;
    read(&properties)
}

/// Whether the stream showed a diagnostic setting sending to this resource id, or the configuration
/// (`log_destinations`) names it.
pub fn known_destination(env: &Env<'_>, resource_id: &str) -> Option<Known> {
    env.destination(Kind::AzureDiagnosticsDestination, resource_id)
}

/// The reason a known destination gives.
pub fn known_why(known: Known) -> &'static str {
    match known {
        Known::Stream => "a diagnostic setting in this stream sends logs there",
        Known::Configured => "the configuration names it a log destination (log_destinations)",
    }
}

/// The resource id up to and including the name after `key` (case-insensitive):
/// `…/namespaces/ns/eventhubs/h` with `namespaces` → `…/namespaces/ns`.
pub fn id_through<'r>(resource_id: &'r str, key: &str) -> Option<&'r str> {
    let mut offset = 0;
    let mut parts = resource_id.split('/');
    while let Some(part) = parts.next() {
        offset += part.len() + 1;
        if part.eq_ignore_ascii_case(key) {
            let name = parts.next().filter(|n| !n.is_empty())?;
            return resource_id.get(..offset + name.len());
        }
    }
    None
}

/// Whether a resource's name says it holds logs or security data (the fallback when the stream never
/// showed the diagnostic setting that sends to it).
pub fn log_like_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "log", "audit", "siem", "sentinel", "diag", "insights", "monitor", "security", "soc",
        "splunk", "elastic", "qradar", "trail", "archive", "export",
    ]
    .iter()
    .any(|word| lower.contains(word))
}
