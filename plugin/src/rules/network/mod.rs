//! Family 4: telemetry starved on the network. Agents' traffic to their collectors rejected right after
//! a security-group, NACL, firewall or network-policy change, and hosts falling silent toward their
//! collectors after such a change. Neither is visible in one event: the flow record shows the effect,
//! the audit event the cause, so both rules are judged by `correlation::network` joining the two.
//!
//! Technique: T1562.006 Indicator Blocking. ATT&CK describes exactly this move under it: "in the case
//! of network-based reporting of indicators, an adversary may block traffic associated with reporting
//! to prevent central analysis", e.g. with a firewall rule toward the hosts that aggregate events. The
//! change itself (a cloud firewall rule) is T1562.007, which family 3 already reports where the change
//! alone is telling; here the finding is the blocked reporting.

use crate::model::{Severity, SourceKind};
use crate::rules::{Trigger, attack, declare};

/// The flow logs that show the effect and the audit logs that show the change.
pub const SOURCES: &[SourceKind] = &[
    SourceKind::FlowLog,
    SourceKind::AwsCloudtrail,
    SourceKind::GcpAudit,
    SourceKind::AzureActivity,
    SourceKind::K8sAudit,
];

declare! {
    COLLECTOR_REJECTED = {
        id: "network.collector_rejected_after_change",
        title: "Traffic to a telemetry collector rejected after a network change",
        description: "a flow record (AWS VPC Flow Logs REJECT, GCP firewall-rule log DENIED) of traffic to a collector \
     (configured `network.collectors`, else well-known collector ports), from a private address or a \
     host seen reporting, within `rejection_window_minutes` after a successful change that can narrow \
     traffic (security-group revoke or modify, NACL entry or association, security groups swapped on an \
     instance or interface, GCP firewall rule, Azure NSG rule, Kubernetes network policy) in the same \
     account or project. Once per host and change. Rejections with no change before them (scanners, \
     misconfigured hosts) are not findings.",
        attack: &attack::INDICATOR_BLOCKING,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Correlation { sources: SOURCES },
    };
    COLLECTOR_SILENCE = {
        id: "network.collector_silence_after_change",
        title: "Host silent toward its telemetry collector after a network change",
        description: "a host that sent accepted traffic to a collector within `silence_gap_minutes` before a network \
     change in its account or project, then sends no accepted traffic to any collector for \
     `silence_gap_minutes` after it. Judged on event time: emitted once the stream's watermark passes \
     the change time plus the gap, or at end of stream if the last event is that late; otherwise there \
     is not enough evidence and nothing is emitted. A synthetic event of its own.",
        attack: &attack::INDICATOR_BLOCKING,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::Correlation { sources: SOURCES },
    };
}
