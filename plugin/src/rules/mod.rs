//! Detection rules: one module per family of ../shared/reference/detections.md. Rules read typed source
//! events and say what they saw (a `Detection`); the enrichment layer turns detections into findings with
//! context, configuration and response steps.

pub mod audit_logging;
pub mod compute_tampering;
pub mod container_evasion;
pub mod network;
pub mod sequences;

use crate::config::Config;
use crate::model::{Outcome, RuleInfo, Severity, SourceKind};
use crate::sources::{Decoded, SourceEvent};

pub const DEFENSE_EVASION: &str = "Defense Evasion (TA0005)";

/// Declares a rule's metadata static:
/// `rule!(NAME, "id", "title", TECHNIQUE, Severity, confidence, SOURCES, "description")`, where
/// TECHNIQUE is an `(id, name)` pair.
macro_rules! rule {
    ($name:ident, $id:literal, $title:literal, $technique:expr, $severity:ident, $confidence:literal, $sources:expr, $description:literal) => {
        pub static $name: crate::rules::RuleMeta = crate::rules::RuleMeta {
            id: $id,
            title: $title,
            description: $description,
            technique_id: $technique.0,
            technique_name: $technique.1,
            tactic: crate::rules::DEFENSE_EVASION,
            default_severity: crate::model::Severity::$severity,
            confidence: $confidence,
            sources: $sources,
        };
    };
}
pub(crate) use rule;

/// A rule's fixed description. Every rule's metadata is a `static`, so findings can point at it.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub description: &'static str,
    pub technique_id: &'static str,
    pub technique_name: &'static str,
    pub tactic: &'static str,
    pub default_severity: Severity,
    /// Confidence in percent for a successful change matching the rule.
    pub confidence: u8,
    pub sources: &'static [SourceKind],
}

impl RuleMeta {
    pub fn info(&self, enabled: bool) -> RuleInfo {
        RuleInfo {
            id: self.id,
            title: self.title,
            description: self.description,
            technique_id: self.technique_id,
            technique_name: self.technique_name,
            tactic: self.tactic,
            default_severity: self.default_severity,
            sources: self.sources,
            enabled,
        }
    }
}

/// What a rule saw on one event, before context and configuration.
#[derive(Debug)]
pub struct Detection {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub confidence: u8,
    /// What changed and what lost visibility, in the analyst's words.
    pub reasons: Vec<String>,
    /// How to find what lost visibility, and since when.
    pub scope: String,
    /// The concrete commands that restore monitoring.
    pub restore: Vec<String>,
}

impl Detection {
    pub fn new(rule: &'static RuleMeta) -> Detection {
        Detection {
            rule,
            severity: rule.default_severity,
            confidence: rule.confidence,
            reasons: Vec::new(),
            scope: String::new(),
            restore: Vec::new(),
        }
    }

    pub fn severity(mut self, severity: Severity) -> Detection {
        self.severity = severity;
        self
    }

    pub fn confidence(mut self, confidence: u8) -> Detection {
        self.confidence = confidence.min(100);
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Detection {
        self.reasons.push(reason.into());
        self
    }

    pub fn scope(mut self, scope: impl Into<String>) -> Detection {
        self.scope = scope.into();
        self
    }

    pub fn restore(mut self, command: impl Into<String>) -> Detection {
        self.restore.push(command.into());
        self
    }
}

/// Every rule, in catalogue order (family, then cloud, then rule).
pub fn catalogue() -> impl Iterator<Item = &'static RuleMeta> {
    audit_logging::aws::RULES
        .iter()
        .chain(audit_logging::azure::RULES)
        .chain(audit_logging::gcp::RULES)
        .chain(audit_logging::k8s::RULES)
        .chain(compute_tampering::aws::RULES)
        .chain(compute_tampering::azure::RULES)
        .chain(compute_tampering::gcp::RULES)
        .chain(container_evasion::RULES)
        .chain(network::RULES)
        .chain(sequences::RULES)
        .copied()
}

pub fn find(id: &str) -> Option<&'static RuleMeta> {
    catalogue().find(|r| r.id == id)
}

/// Run every rule that can apply to the event. Dispatch is by source and then by action name inside
/// each family, so an event pays only for the rules that could match it. Operations still in flight
/// (Azure `Start`/`Accept`, Kubernetes stages before `ResponseComplete`) are judged once, when they
/// complete, so they never fire here.
pub fn evaluate(decoded: &Decoded<'_>, config: &Config, out: &mut Vec<Detection>) {
    if decoded.fields.outcome == Outcome::InProgress {
        return;
    }
    match &decoded.event {
        SourceEvent::CloudTrail(record) => {
            if record.is_read_only() {
                return;
            }
            audit_logging::aws::evaluate(record, out);
            compute_tampering::aws::evaluate(record, config, out);
        }
        SourceEvent::AzureActivity(record) => {
            audit_logging::azure::evaluate(record, out);
            compute_tampering::azure::evaluate(record, out);
        }
        SourceEvent::GcpAudit(entry) => {
            audit_logging::gcp::evaluate(entry, out);
            compute_tampering::gcp::evaluate(entry, out);
        }
        SourceEvent::K8sAudit(event) => {
            if event.is_read() {
                return;
            }
            audit_logging::k8s::evaluate(event, out);
            container_evasion::evaluate_k8s(event, &config.agents, out);
        }
        SourceEvent::DockerEvent(event) => {
            container_evasion::docker::evaluate_event(event, &config.agents, out);
        }
        SourceEvent::DockerContainer(container) => {
            container_evasion::docker::evaluate_container(container, &config.agents, out);
        }
        // Flow records are judged by correlation (`correlation::network`): alone they prove nothing.
        SourceEvent::FlowLog(_) => {}
        SourceEvent::Unknown => {}
    }
}

/// Quote a value for a POSIX shell so that response commands stay safe to paste even when resource
/// names are attacker-chosen.
pub fn sh(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@=+,".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// What rule tests share: run every rule on one event's JSON, with the default configuration.
#[cfg(test)]
pub mod test_support {
    use super::{Detection, evaluate};
    use crate::config::Config;
    use crate::sources::{self, json::Object};

    pub fn fire(text: &str) -> Vec<Detection> {
        let object = Object::parse(text).expect("object");
        let decoded = sources::decode(&object, None);
        let mut out = Vec::new();
        evaluate(&decoded, &Config::default(), &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_well_formed() {
        let ids: Vec<&str> = catalogue().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "duplicate rule id");
        for rule in catalogue() {
            assert!(
                rule.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._".contains(&b)),
                "{}",
                rule.id
            );
            assert!(rule.technique_id.starts_with('T'), "{}", rule.id);
            assert!(!rule.sources.is_empty(), "{}", rule.id);
        }
    }

    #[test]
    fn shell_quoting_neutralises_metacharacters() {
        assert_eq!(sh("org-trail"), "org-trail");
        assert_eq!(
            sh("arn:aws:cloudtrail:us-east-1:1:trail/t"),
            "arn:aws:cloudtrail:us-east-1:1:trail/t"
        );
        assert_eq!(sh("x; rm -rf /"), "'x; rm -rf /'");
        assert_eq!(sh("it's"), r"'it'\''s'");
        assert_eq!(sh(""), "''");
    }
}
