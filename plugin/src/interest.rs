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
use crate::sources::aws_cloudtrail;
use crate::sources::json::Object;

/// One event as the fast path sees it before reading it.
pub struct Glance<'g, 'a> {
    /// The event's top-level keys (for consumers that match raw field paths).
    pub object: &'g Object<'a>,
    pub call: Call<'g, 'a>,
}

/// What identifies the event's action, per source.
pub enum Call<'g, 'a> {
    CloudTrail(&'g aws_cloudtrail::Glance<'a>),
}

/// Whether any consumer could want the event read in full (see the module documentation).
pub fn could_matter(glance: &Glance<'_, '_>) -> bool {
    match &glance.call {
        Call::CloudTrail(record) => cloudtrail(record),
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
