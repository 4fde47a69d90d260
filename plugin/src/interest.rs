//! Whether anything could want an event read in full: the gate of the engine's fast path.
//!
//! A shipper in compact mode (`output.enrich = "findings"`) forwards events without findings unchanged,
//! so reading and normalising them is wasted unless some consumer acts on them. The consumers, and
//! what each reads of an event that has no finding:
//! - rules (`rules::dispatch`): the action names they listen to;
//! - the rules' memory of log destinations (`rules::memory::learn`): the calls that name one;
//! - correlation (`correlation`): its clock reads every event's time and its history every event's
//!   principal and source address (the engine's fast path still feeds those, see
//!   `Engine::pass_quietly`); instance stop/start cycles and network changes read the calls listed
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
