//! The engine's own types. They mirror `wit/blindspot.wit` one to one; the component glue converts
//! them, so the engine itself never depends on generated bindings and runs natively in tests.

use serde::Serialize;

/// Where an event came from (see `source-kind` in the WIT contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    AwsCloudtrail,
    AzureActivity,
    GcpAudit,
    K8sAudit,
    Docker,
    FlowLog,
    Unknown,
}

impl SourceKind {
    pub const ALL: [SourceKind; 7] = [
        SourceKind::AwsCloudtrail,
        SourceKind::AzureActivity,
        SourceKind::GcpAudit,
        SourceKind::K8sAudit,
        SourceKind::Docker,
        SourceKind::FlowLog,
        SourceKind::Unknown,
    ];

    /// The name used in output columns and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::AwsCloudtrail => "aws_cloudtrail",
            SourceKind::AzureActivity => "azure_activity",
            SourceKind::GcpAudit => "gcp_audit",
            SourceKind::K8sAudit => "k8s_audit",
            SourceKind::Docker => "docker",
            SourceKind::FlowLog => "flow_log",
            SourceKind::Unknown => "unknown",
        }
    }

    pub fn parse(name: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Finding severity, lowest first; the derived order is the severity order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// One step lower, never below `low`: a failed attempt stays visible.
    pub fn lowered(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium | Severity::Low => Severity::Low,
            Severity::Info => Severity::Info,
        }
    }

    /// One step higher, at most `critical`.
    pub fn raised(self) -> Severity {
        match self {
            Severity::Info => Severity::Low,
            Severity::Low => Severity::Medium,
            Severity::Medium => Severity::High,
            Severity::High | Severity::Critical => Severity::Critical,
        }
    }
}

/// Whether the recorded action took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    InProgress,
    #[default]
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::InProgress => "in_progress",
            Outcome::Unknown => "unknown",
        }
    }
}

/// Fields normalised across sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Normalized {
    /// Microseconds since the Unix epoch, UTC.
    pub event_time: Option<i64>,
    pub event_id: Option<String>,
    pub provider: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub principal: Option<String>,
    pub principal_type: Option<String>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub outcome: Outcome,
}

/// One detection on one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub title: String,
    pub technique_id: String,
    pub technique_name: String,
    pub tactic: String,
    /// The same behaviour in the newer ATT&CK release (Defense Impairment ids), where known.
    pub technique_newer: Option<TechniqueRef>,
    pub severity: Severity,
    /// Percent, 0-100.
    pub confidence: u8,
    pub reasons: Vec<String>,
    pub suppression: Option<String>,
    pub response: Vec<String>,
    pub related_events: Vec<String>,
}

/// One event, enriched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnrichedEvent {
    pub source: SourceKind,
    pub envelope_index: u32,
    /// The event's own JSON when it was unwrapped from an envelope. Not serialised: JSON outputs keep
    /// the input record itself, so repeating it would double the output.
    #[serde(skip)]
    pub raw: Option<String>,
    pub fields: Normalized,
    pub findings: Vec<Finding>,
    /// How the event was recognised when it was not in its source's canonical shape
    /// (`sources::shape_note`); `None` for canonical events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape_note: Option<String>,
}

impl EnrichedEvent {
    /// The highest severity among unsuppressed and suppressed findings alike.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// An alert is an unsuppressed finding of at least medium severity.
    pub fn is_alert(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.suppression.is_none() && f.severity >= Severity::Medium)
    }
}

/// Why an input could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseErrorKind {
    InvalidUtf8,
    InvalidJson,
    UnsupportedShape,
    TooLarge,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub message: String,
}

impl ParseError {
    pub fn new(kind: ParseErrorKind, message: impl Into<String>) -> Self {
        ParseError {
            kind,
            message: message.into(),
        }
    }
}

/// One raw input.
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    pub data: &'a [u8],
    pub source_hint: Option<SourceKind>,
    pub tag: Option<&'a str>,
}

/// The outcome for one input.
pub type EventOutcome = Result<Vec<EnrichedEvent>, ParseError>;

/// Counters of the engine's bounded correlation state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateStats {
    pub tracked: u64,
    pub evicted: u64,
    pub late_events: u64,
    pub emitted: u64,
}

/// A technique in one ATT&CK release (`technique-ref` in the WIT contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TechniqueRef {
    pub id: String,
    pub name: String,
    pub tactic: String,
}

/// Where built-in rules come from in `RuleInfo::origin`.
pub const BUILT_IN: &str = "built-in";

/// A rule's catalogue entry: a built-in rule or a loaded Sigma rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub description: String,
    pub technique_id: String,
    pub technique_name: String,
    pub tactic: String,
    pub technique_newer: Option<TechniqueRef>,
    pub default_severity: Severity,
    pub sources: Vec<SourceKind>,
    pub enabled: bool,
    /// `built-in`, or the Sigma rule's origin (file path or `config.sigma.rules[i]`).
    pub origin: String,
}
