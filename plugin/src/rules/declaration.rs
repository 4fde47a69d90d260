//! What a rule is: one static declaration holding its metadata, what it listens to and its check.
//! The catalogue, the dispatch tables, the rule listing and configuration validation are all derived
//! from these declarations, so adding a rule is one `declare!` entry and one check function.

use super::attack::Attack;
use super::detection::Detection;
use super::env::Env;
use crate::model::{RuleInfo, Severity, SourceKind};
use crate::sources::aws_cloudtrail::Record as CloudTrailRecord;
use crate::sources::azure_activity::Record as AzureRecord;
use crate::sources::docker_events::EngineEvent;
use crate::sources::docker_inspect::Container;
use crate::sources::gcp_audit::Entry as GcpEntry;

use super::container_evasion::Request as K8sRequest;

/// A detection rule.
#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub title: &'static str,
    /// What the rule fires on and what it leaves alone, in the analyst's words.
    pub description: &'static str,
    pub attack: &'static Attack,
    pub severity: Severity,
    /// Confidence in percent for a successful change matching the rule.
    pub confidence: u8,
    pub trigger: Trigger,
}

/// What a rule listens to, and the check that judges a matching event. Checks return at most one
/// detection of their own rule; the dispatcher calls them only for events the listener names.
pub enum Trigger {
    /// CloudTrail write calls: `(service, eventName)`, the service as `eventSource` without
    /// `.amazonaws.com`.
    CloudTrail {
        calls: &'static [(&'static str, &'static str)],
        check: fn(&CloudTrailRecord<'_>, &Env<'_>) -> Option<Detection>,
    },
    /// Azure Activity operations, upper case; a leading `*` matches any prefix (resource-scoped
    /// operations are written under the resource's own provider path).
    Azure {
        operations: &'static [&'static str],
        check: fn(&AzureRecord<'_>, &Env<'_>) -> Option<Detection>,
    },
    /// GCP `protoPayload.methodName`s; `*` matches any run of characters.
    Gcp {
        methods: &'static [&'static str],
        check: fn(&GcpEntry<'_>, &Env<'_>) -> Option<Detection>,
    },
    /// Kubernetes writes: resources (`*` for any) and verbs.
    K8s {
        resources: &'static [&'static str],
        verbs: &'static [&'static str],
        check: fn(&K8sRequest<'_, '_>) -> Option<Detection>,
    },
    /// Docker engine events: `(type, action)`.
    DockerEvent {
        actions: &'static [(&'static str, &'static str)],
        check: fn(&EngineEvent<'_>, &Env<'_>) -> Option<Detection>,
    },
    /// Docker container inspect records.
    DockerContainer {
        check: fn(&Container<'_>, &Env<'_>) -> Option<Detection>,
    },
    /// Both: engine events `(type, action)` and inspect records, for rules that see one state change
    /// in either (an agent container stopped: its `stop` event, or a snapshot showing it exited).
    Docker {
        actions: &'static [(&'static str, &'static str)],
        event: fn(&EngineEvent<'_>, &Env<'_>) -> Option<Detection>,
        inspect: fn(&Container<'_>, &Env<'_>) -> Option<Detection>,
    },
    /// Emitted by correlation from several events; the sources it reads.
    Correlation { sources: &'static [SourceKind] },
}

impl std::fmt::Debug for Trigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.listens_to().as_str())
    }
}

const CLOUDTRAIL: &[SourceKind] = &[SourceKind::AwsCloudtrail];
const AZURE: &[SourceKind] = &[SourceKind::AzureActivity];
const GCP: &[SourceKind] = &[SourceKind::GcpAudit];
const K8S: &[SourceKind] = &[SourceKind::K8sAudit];
const DOCKER: &[SourceKind] = &[SourceKind::Docker];

impl Trigger {
    pub fn sources(&self) -> &'static [SourceKind] {
        match self {
            Trigger::CloudTrail { .. } => CLOUDTRAIL,
            Trigger::Azure { .. } => AZURE,
            Trigger::Gcp { .. } => GCP,
            Trigger::K8s { .. } => K8S,
            Trigger::DockerEvent { .. }
            | Trigger::DockerContainer { .. }
            | Trigger::Docker { .. } => DOCKER,
            Trigger::Correlation { sources } => sources,
        }
    }

    /// The events the rule reads, for the catalogue.
    pub fn listens_to(&self) -> String {
        match self {
            Trigger::CloudTrail { calls, .. } => calls
                .iter()
                .map(|(service, name)| format!("{service}:{name}"))
                .collect::<Vec<_>>()
                .join(", "),
            Trigger::Azure { operations, .. } => operations.join(", "),
            Trigger::Gcp { methods, .. } => methods.join(", "),
            Trigger::K8s {
                resources, verbs, ..
            } => format!("{} of {}", verbs.join("/"), resources.join(", ")),
            Trigger::DockerEvent { actions, .. } => actions
                .iter()
                .map(|(kind, action)| format!("{kind} {action}"))
                .collect::<Vec<_>>()
                .join(", "),
            Trigger::DockerContainer { .. } => "container inspect records".to_owned(),
            Trigger::Docker { actions, .. } => actions
                .iter()
                .map(|(kind, action)| format!("{kind} {action}"))
                .chain(["container inspect records".to_owned()])
                .collect::<Vec<_>>()
                .join(", "),
            Trigger::Correlation { .. } => "correlation of several events".to_owned(),
        }
    }
}

impl Rule {
    pub fn sources(&self) -> &'static [SourceKind] {
        self.trigger.sources()
    }

    pub fn info(&self, enabled: bool) -> RuleInfo {
        RuleInfo {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            description: self.description.to_owned(),
            technique_id: self.attack.v18.id.to_owned(),
            technique_name: self.attack.v18.name.to_owned(),
            tactic: self.attack.v18.tactic.to_owned(),
            technique_newer: self.attack.newer.map(|t| t.to_ref()),
            default_severity: self.severity,
            sources: self.sources().to_vec(),
            enabled,
            origin: crate::model::BUILT_IN.to_owned(),
        }
    }
}

/// Declares rules, one static each, and the module's `RULES` list in declaration order (the order
/// detections of one event come out in):
///
/// ```ignore
/// declare! {
///     STOP_LOGGING = {
///         id: "aws.cloudtrail.stop_logging",
///         title: "CloudTrail logging stopped",
///         attack: &attack::CLOUD_LOGS,
///         severity: Severity::High,
///         confidence: 90,
///         trigger: Trigger::CloudTrail { calls: &[("cloudtrail", "StopLogging")], check: stop_logging },
///         description: "StopLogging on a trail ...",
///     };
/// }
/// ```
macro_rules! declare {
    ($( $(#[$meta:meta])* $name:ident = { $($field:ident : $value:expr),* $(,)? } );* $(;)?) => {
        $(
            $(#[$meta])*
            pub static $name: $crate::rules::Rule = $crate::rules::Rule { $($field: $value),* };
        )*
        /// Every rule of this module, in declaration order.
        pub static RULES: &[&$crate::rules::Rule] = &[$(&$name),*];
    };
}
pub(crate) use declare;
