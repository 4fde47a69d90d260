//! Family 5: sequences. These rules are not evaluated per event; the correlation engine
//! (`crate::correlation`) raises them when event time completes a pattern. Their declarations live here
//! so that they are listed, configurable and suppressible like every other rule.

use crate::model::{Severity, SourceKind};
use crate::rules::attack::{self, Attack, Technique};
use crate::rules::compute_tampering::{aws, azure, gcp};
use crate::rules::{Rule, Trigger, declare};

const ALL_AUDIT_SOURCES: &[SourceKind] = &[
    SourceKind::AwsCloudtrail,
    SourceKind::AzureActivity,
    SourceKind::GcpAudit,
    SourceKind::K8sAudit,
    SourceKind::Docker,
    SourceKind::FlowLog,
];

const IMPAIR_DEFENSES: Attack = Attack {
    v18: Technique {
        id: "T1562",
        name: "Impair Defenses",
        tactic: attack::DEFENSE_EVASION,
    },
    newer: Some(Technique {
        id: "T1685",
        name: "Disable or Modify Tools",
        tactic: attack::DEFENSE_IMPAIRMENT,
    }),
};

const MODIFY_CLOUD_COMPUTE: Attack = Attack {
    v18: Technique {
        id: "T1578",
        name: "Modify Cloud Compute Infrastructure",
        tactic: attack::DEFENSE_EVASION,
    },
    newer: None,
};

declare! {
    EVASION_SEQUENCE = {
        id: "sequence.monitoring_evasion",
        title: "Several monitoring-evasion moves by one principal",
        description: "One principal made at least `correlation.min_moves` distinct monitoring-evasion \
            changes (different rules or targets, any sources, each at least medium) within \
            `correlation.window_minutes` of event time (default 2 in 30 minutes). Emitted once per window, \
            when it closes, as a synthetic event listing every move with its event id; each move also \
            alerted on its own. Suppressed moves and failed attempts do not count.",
        attack: &IMPAIR_DEFENSES,
        severity: Severity::Critical,
        confidence: 90,
        trigger: Trigger::Correlation { sources: ALL_AUDIT_SOURCES },
    };
    INSTANCE_BOOT_TAMPER = {
        id: "sequence.instance_boot_tamper",
        title: "Instance stopped, boot configuration changed, instance started",
        description: "The same instance was stopped, then had its user data, startup script, metadata \
            service or agent extension changed (a finding of the compute-tampering family), then was \
            started again, within `correlation.instance_cycle_minutes` (default 60): the change takes \
            effect on this boot, which is how user data is swapped to keep agents off. Raised on the \
            start event.",
        attack: &MODIFY_CLOUD_COMPUTE,
        severity: Severity::Critical,
        confidence: 90,
        trigger: Trigger::Correlation {
            sources: &[SourceKind::AwsCloudtrail, SourceKind::AzureActivity, SourceKind::GcpAudit],
        },
    };
    DENIED_ATTEMPTS = {
        id: "sequence.denied_evasion_attempts",
        title: "Repeated denied monitoring-evasion attempts by one principal",
        description: "One principal's monitoring-evasion calls failed at least \
            `correlation.min_denied_attempts` times (distinct rules or targets, default 3) within \
            `correlation.window_minutes` of event time. Each failed attempt alone is a low finding that \
            does not alert; several are someone probing what their credentials may switch off. Emitted once \
            per window, when it closes, listing every attempt with its error.",
        attack: &IMPAIR_DEFENSES,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Correlation { sources: ALL_AUDIT_SOURCES },
    };
}

/// The compute-tampering rules whose change takes effect on the next boot: between a stop and a start
/// of the same instance they make `sequence.instance_boot_tamper`.
pub static BOOT_CHANGES: &[&Rule] = &[
    &aws::instance::USER_DATA_MODIFIED,
    &aws::metadata::IMDS_DISABLED,
    &aws::metadata::IMDSV2_DOWNGRADED,
    &aws::instance::ROOT_VOLUME_REPLACED,
    &gcp::metadata::STARTUP_SCRIPT_CHANGED,
    &gcp::metadata::AGENT_METADATA_DISABLED,
    &azure::extensions::AGENT_EXTENSION_DELETED,
];
