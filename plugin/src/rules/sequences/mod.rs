//! Family 5: sequences. These rules are not evaluated per event; the correlation engine
//! (`crate::correlation`) raises them when event time completes a pattern. Their metadata lives here
//! so that they are listed, configurable and suppressible like every other rule.

use crate::model::SourceKind;
use crate::rules::rule;

const ALL_AUDIT_SOURCES: &[SourceKind] = &[
    SourceKind::AwsCloudtrail,
    SourceKind::AzureActivity,
    SourceKind::GcpAudit,
    SourceKind::K8sAudit,
    SourceKind::Docker,
    SourceKind::FlowLog,
];

rule!(
    EVASION_SEQUENCE,
    "sequence.monitoring_evasion",
    "Several monitoring-evasion moves by one principal",
    ("T1562", "Impair Defenses"),
    Critical,
    90,
    ALL_AUDIT_SOURCES,
    "One principal made at least `correlation.min_moves` distinct monitoring-evasion changes (different \
     rules or targets, any sources) within `correlation.window_minutes` of event time (default 2 in 30 \
     minutes). Emitted once per window, when it closes, as a synthetic event listing every move with its \
     event id; each move also alerted on its own. Suppressed moves do not count."
);

rule!(
    INSTANCE_BOOT_TAMPER,
    "sequence.instance_boot_tamper",
    "Instance stopped, boot configuration changed, instance started",
    ("T1578", "Modify Cloud Compute Infrastructure"),
    Critical,
    90,
    &[
        SourceKind::AwsCloudtrail,
        SourceKind::AzureActivity,
        SourceKind::GcpAudit
    ],
    "The same instance was stopped, then had its user data, startup script, metadata service or agent \
     extension changed (a finding of the compute-tampering family), then was started again, within \
     `correlation.instance_cycle_minutes` (default 60): the change takes effect on this boot, which is \
     how user data is swapped to keep agents off. Raised on the start event."
);

pub static RULES: &[&crate::rules::Rule] = &[&EVASION_SEQUENCE, &INSTANCE_BOOT_TAMPER];
