//! Detection rules, one directory per family of docs/detections.md. A rule is one static declaration
//! (`rule::Rule`, declared with `declare!`): its metadata, what it listens to and its check function.
//! Rules read typed source events and say what they saw (a `Detection`); the enrichment layer turns
//! detections into findings with context, configuration and response steps.

pub mod attack;
pub mod audit_logging;
pub mod compute_tampering;
pub mod container_evasion;
pub mod declaration;
pub mod detection;
pub mod dispatch;
pub mod env;
pub mod memory;
pub mod network;
pub mod respond;
pub mod sequences;

use crate::model::Outcome;
use crate::sources::{Decoded, SourceEvent};

pub use attack::DEFENSE_EVASION;
pub(crate) use declaration::declare;
pub use declaration::{Rule, Trigger};
pub use detection::Detection;
pub use env::Env;
pub use respond::sh;

/// The rule lists of every module, in catalogue order (family, then cloud, then rule). A list of
/// lists rather than a chain of iterators: one `chain` per module nested the iterator type past the
/// compiler's recursion limit for its users.
static MODULES: &[&[&[&Rule]]] = &[
    audit_logging::aws::MODULES,
    &[audit_logging::azure::monitor::RULES],
    &[audit_logging::azure::destinations::RULES],
    &[audit_logging::azure::loganalytics::RULES],
    &[audit_logging::azure::network::RULES],
    &[audit_logging::azure::defender::RULES],
    &[audit_logging::azure::sentinel::RULES],
    &[audit_logging::azure::policy::RULES],
    &[audit_logging::gcp::logging::RULES],
    &[audit_logging::gcp::destinations::RULES],
    &[audit_logging::gcp::iam::RULES],
    &[audit_logging::gcp::vpc::RULES],
    &[audit_logging::gcp::dns::RULES],
    &[audit_logging::gcp::gke::RULES],
    &[audit_logging::gcp::monitoring::RULES],
    &[audit_logging::gcp::scc::RULES],
    &[audit_logging::gcp::resourcemanager::RULES],
    &[audit_logging::k8s::RULES],
    compute_tampering::aws::MODULES,
    &[compute_tampering::azure::extensions::RULES],
    &[compute_tampering::azure::provisioning::RULES],
    &[compute_tampering::azure::network::RULES],
    &[compute_tampering::azure::disks::RULES],
    &[compute_tampering::azure::commands::RULES],
    &[compute_tampering::azure::instances::RULES],
    &[compute_tampering::azure::locations::RULES],
    &[compute_tampering::gcp::metadata::RULES],
    &[compute_tampering::gcp::firewall::RULES],
    &[compute_tampering::gcp::sharing::RULES],
    &[compute_tampering::gcp::instances::RULES],
    &[compute_tampering::gcp::osconfig::RULES],
    &[compute_tampering::gcp::regions::RULES],
    &[container_evasion::k8s_agents::RULES],
    &[container_evasion::k8s_quota::RULES],
    &[container_evasion::k8s_hiding::RULES],
    &[container_evasion::k8s_policy::RULES],
    &[container_evasion::k8s_admission::RULES],
    &[container_evasion::k8s_egress::RULES],
    &[container_evasion::k8s_escape::RULES],
    &[container_evasion::k8s_host::RULES],
    &[container_evasion::k8s_sessions::RULES],
    &[container_evasion::docker::RULES],
    &[container_evasion::docker_host::RULES],
    &[network::RULES],
    &[sequences::RULES],
];

/// Every rule, in catalogue order (family, then cloud, then rule).
pub fn catalogue() -> impl Iterator<Item = &'static Rule> + Clone {
    MODULES
        .iter()
        .flat_map(|modules| modules.iter())
        .flat_map(|rules| rules.iter().copied())
}

pub fn find(id: &str) -> Option<&'static Rule> {
    catalogue().find(|r| r.id == id)
}

/// Run every rule that can apply to the event. Dispatch is by source and then by action name through
/// the tables derived from the declarations, so an event pays only for the rules that could match it.
/// Operations still in flight (Azure `Start`/`Accept`, Kubernetes stages before `ResponseComplete`)
/// are judged once, when they complete, so they never fire here.
pub fn evaluate(decoded: &Decoded<'_>, env: &Env<'_>, out: &mut Vec<Detection>) {
    if decoded.fields.outcome == Outcome::InProgress
        && !matches!(&decoded.event, SourceEvent::K8sAudit(e) if container_evasion::judged_when_started(e))
    {
        return;
    }
    let tables = dispatch::tables();
    match &decoded.event {
        SourceEvent::CloudTrail(record) => {
            if record.is_read_only() {
                return;
            }
            for rule in tables.cloudtrail(record.service(), &record.event_name) {
                if let Trigger::CloudTrail { check, .. } = rule.trigger {
                    out.extend(check(record, env));
                }
            }
        }
        SourceEvent::AzureActivity(record) => {
            for rule in tables.azure(&record.operation).iter() {
                if let Trigger::Azure { check, .. } = rule.trigger {
                    out.extend(check(record, env));
                }
            }
        }
        SourceEvent::GcpAudit(entry) => {
            for rule in tables.gcp(&entry.method_name).iter() {
                if let Trigger::Gcp { check, .. } = rule.trigger {
                    out.extend(check(entry, env));
                }
            }
        }
        SourceEvent::K8sAudit(event) => container_evasion::evaluate_k8s(event, env, out),
        SourceEvent::DockerEvent(event) => {
            for rule in tables.docker_events(&event.kind, &event.action) {
                match rule.trigger {
                    Trigger::DockerEvent { check, .. } => out.extend(check(event, env)),
                    Trigger::Docker { event: check, .. } => out.extend(check(event, env)),
                    _ => {}
                }
            }
        }
        SourceEvent::DockerContainer(container) => {
            for rule in tables.docker_containers() {
                match rule.trigger {
                    Trigger::DockerContainer { check } => out.extend(check(container, env)),
                    Trigger::Docker { inspect, .. } => out.extend(inspect(container, env)),
                    _ => {}
                }
            }
        }
        // Flow records are judged by correlation (`correlation::network`): alone they prove nothing.
        SourceEvent::FlowLog(_) => {}
        SourceEvent::Unknown => {}
    }
}

/// What rule tests share: run every rule on one event's JSON, with the default configuration.
#[cfg(test)]
pub mod test_support {
    use super::{Detection, evaluate};
    use crate::config::Config;
    use crate::sources::{self, json::Object};

    pub fn fire(text: &str) -> Vec<Detection> {
        fire_with(text, &Config::default())
    }

    /// Run every rule on `text` after the engine learned log destinations from `earlier` events.
    pub fn fire_after(earlier: &[&str], text: &str) -> Vec<Detection> {
        let mut destinations = crate::rules::memory::Destinations::default();
        for event in earlier {
            let object = Object::parse(event).expect("object");
            crate::rules::memory::learn(&sources::decode(&object, None), &mut destinations);
        }
        let config = Config::default();
        let object = Object::parse(text).expect("object");
        let decoded = sources::decode(&object, None);
        let mut out = Vec::new();
        let env = crate::rules::Env {
            config: &config,
            destinations: &destinations,
        };
        evaluate(&decoded, &env, &mut out);
        out
    }

    /// Run every rule on one event's JSON under a configuration.
    pub fn fire_with(text: &str, config: &Config) -> Vec<Detection> {
        let object = Object::parse(text).expect("object");
        let decoded = sources::decode(&object, None);
        let mut out = Vec::new();
        let destinations = crate::rules::memory::Destinations::default();
        let env = crate::rules::Env {
            config,
            destinations: &destinations,
        };
        evaluate(&decoded, &env, &mut out);
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
            assert!(rule.attack.v18.id.starts_with('T'), "{}", rule.id);
            assert!(!rule.sources().is_empty(), "{}", rule.id);
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
