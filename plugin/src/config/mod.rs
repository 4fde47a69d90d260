//! The configuration document handed to `configure` (JSON; documented in docs/configuration.md).
//! Parsing is strict: unknown keys, unknown rule ids and malformed patterns are rejected with the path
//! of the offending key, because a typo in an allow-list must not silently widen or narrow it.

pub mod agents;
pub mod correlation;
pub mod destinations;
pub mod network;
pub mod output;
pub mod regions;
pub mod sigma;
pub mod tickets;
pub mod windows;

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use wildmatch::WildMatch;

use crate::model::{Normalized, Severity};
use crate::sources::json::Object;
use agents::{AgentDocument, CustomAgent};
use correlation::{CorrelationDocument, CorrelationSettings};
use destinations::{DestinationsDocument, LogDestinations};
use network::{NetworkDocument, NetworkSettings};
use sigma::{SigmaSection, SigmaSettings};
use tickets::{TicketDocument, TicketScheme};
use windows::{MaintenanceWindow, WindowDocument};

/// A configuration document was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ConfigError {
    /// Path to the offending key (`suppressions[0].source_ips[1]`); empty for the whole document.
    pub path: String,
    pub message: String,
}

impl ConfigError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// The blindspot configuration document (see docs/configuration.md).
#[derive(Debug, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    rules: BTreeMap<String, RuleDocument>,
    #[serde(default)]
    suppressions: Vec<SuppressionDocument>,
    #[serde(default)]
    aws_used_regions: Vec<String>,
    /// GCP regions the projects work in (`us-central1`); compute created elsewhere is a finding.
    #[serde(default)]
    gcp_used_regions: Vec<String>,
    /// Azure locations the subscriptions work in (`eastus`); virtual machines written elsewhere are findings.
    #[serde(default)]
    azure_used_locations: Vec<String>,
    /// Where the team's logs land, recognised by rules even when the stream never showed the delivery set up.
    #[serde(default)]
    log_destinations: DestinationsDocument,
    #[serde(default)]
    agents: Vec<AgentDocument>,
    #[serde(default)]
    maintenance_windows: Vec<WindowDocument>,
    #[serde(default)]
    change_tickets: Vec<TicketDocument>,
    /// Networks changes normally come from (offices, VPN, CI runners); a finding from elsewhere says so.
    #[serde(default)]
    trusted_networks: Vec<String>,
    /// Emergency identities that routine work never uses: any finding by one is raised.
    #[serde(default)]
    break_glass_principals: Vec<String>,
    #[serde(default)]
    correlation: CorrelationDocument,
    #[serde(default)]
    network: NetworkDocument,
    #[serde(default)]
    output: output::OutputSettings,
    /// Sigma rules evaluated beside the built-in ones (docs/sigma.md).
    #[serde(default)]
    sigma: SigmaSection,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct RuleDocument {
    enabled: Option<bool>,
    severity: Option<String>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
struct SuppressionDocument {
    name: String,
    reason: String,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default)]
    principals: Vec<String>,
    #[serde(default)]
    user_agents: Vec<String>,
    #[serde(default)]
    source_ips: Vec<String>,
    #[serde(default)]
    accounts: Vec<String>,
    /// Kubernetes cluster names (as the audit source names them: EKS/AKS/GKE cluster).
    #[serde(default)]
    clusters: Vec<String>,
    #[serde(default)]
    namespaces: Vec<String>,
    /// Names of `maintenance_windows`; the event time must fall inside one of them.
    #[serde(default)]
    windows: Vec<String>,
    /// Names of `change_tickets` schemes; the event must carry a valid id of one of them.
    #[serde(default)]
    tickets: Vec<String>,
}

/// Per-rule settings.
#[derive(Debug, Clone, Default)]
pub struct RuleSettings {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

/// A declared benign look-alike: findings matching every criterion given are kept, marked suppressed.
#[derive(Debug)]
pub struct Suppression {
    pub name: String,
    pub reason: String,
    rules: Vec<WildMatch>,
    principals: Vec<WildMatch>,
    user_agents: Vec<WildMatch>,
    source_ips: Vec<IpNet>,
    accounts: Vec<WildMatch>,
    clusters: Vec<WildMatch>,
    namespaces: Vec<WildMatch>,
    windows: Vec<MaintenanceWindow>,
    tickets: Vec<TicketScheme>,
}

/// What the event offers beyond its normalised fields, for suppressions scoped to Kubernetes objects
/// or needing a ticket id from the event body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'e> {
    pub cluster: Option<&'e str>,
    pub namespace: Option<&'e str>,
    pub event: Option<&'e Object<'e>>,
}

/// How a suppression relates to one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every criterion holds: the finding is suppressed; the text says why (and with which window or
    /// ticket).
    Suppressed(String),
    /// The suppression covers the rule and all criteria but one hold: worth telling the analyst,
    /// since it is either a benign change that slipped the allow-list or someone imitating one.
    NearMiss(String),
    NoMatch,
}

impl Suppression {
    /// Whether the suppression covers this rule and event. Within a criterion any pattern may match;
    /// across criteria all must.
    pub fn matches(&self, rule_id: &str, fields: &Normalized) -> bool {
        matches!(
            self.verdict(rule_id, fields, &Scope::default()),
            Verdict::Suppressed(_)
        )
    }

    pub fn verdict(&self, rule_id: &str, fields: &Normalized, scope: &Scope<'_>) -> Verdict {
        if !self.rules.is_empty() && !self.rules.iter().any(|p| p.matches(rule_id)) {
            return Verdict::NoMatch;
        }
        let mut failed: Vec<String> = Vec::new();
        let mut held = 0;
        let mut evidence: Vec<String> = Vec::new();
        let mut check = |criterion: Option<Result<Option<String>, String>>| match criterion {
            None => {}
            Some(Ok(detail)) => {
                held += 1;
                evidence.extend(detail);
            }
            Some(Err(why)) => failed.push(why),
        };
        check(patterns(
            "principal",
            &self.principals,
            fields.principal.as_deref(),
        ));
        check(patterns(
            "user agent",
            &self.user_agents,
            fields.user_agent.as_deref(),
        ));
        check(patterns(
            "account",
            &self.accounts,
            fields.account.as_deref(),
        ));
        check(patterns("cluster", &self.clusters, scope.cluster));
        check(patterns("namespace", &self.namespaces, scope.namespace));
        if !self.source_ips.is_empty() {
            let ip = fields.source_ip.as_deref();
            let inside = ip
                .and_then(|ip| ip.parse::<IpAddr>().ok())
                .is_some_and(|ip| self.source_ips.iter().any(|net| net.contains(&ip)));
            check(Some(if inside {
                Ok(None)
            } else {
                Err(format!(
                    "source IP {} is outside its ranges",
                    ip.unwrap_or("(none recorded)")
                ))
            }));
        }
        if !self.windows.is_empty() {
            let inside = fields
                .event_time
                .and_then(|t| self.windows.iter().find(|w| w.contains(t)));
            check(Some(match inside {
                Some(window) => Ok(Some(format!("inside {}", window.describe()))),
                None => Err("the event time is outside its maintenance windows".to_owned()),
            }));
        }
        if !self.tickets.is_empty() {
            let ticket = self
                .tickets
                .iter()
                .find_map(|t| t.find(scope.event, fields).map(|id| (t, id)));
            check(Some(match ticket {
                Some((scheme, id)) => Ok(Some(format!("change ticket {id} ({})", scheme.name))),
                None => Err("the event carries no valid change-ticket id".to_owned()),
            }));
        }
        let header = format!("suppression {:?}", self.name);
        match failed.len() {
            0 => {
                let detail = if evidence.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", evidence.join("; "))
                };
                Verdict::Suppressed(format!("{header}: {}{detail}", self.reason))
            }
            1 if held > 0 => {
                Verdict::NearMiss(format!("{header} nearly matched: {}", failed.concat()))
            }
            _ => Verdict::NoMatch,
        }
    }
}

/// A glob criterion: `None` when the suppression does not use it.
fn patterns(
    what: &str,
    patterns: &[WildMatch],
    value: Option<&str>,
) -> Option<Result<Option<String>, String>> {
    if patterns.is_empty() {
        return None;
    }
    Some(match value {
        Some(v) if patterns.iter().any(|p| p.matches(v)) => Ok(None),
        Some(v) => Err(format!("{what} {v:?} is not in its list")),
        None => Err(format!("the event names no {what}")),
    })
}

/// The active configuration.
#[derive(Debug, Default)]
pub struct Config {
    pub rules: BTreeMap<String, RuleSettings>,
    pub suppressions: Vec<Suppression>,
    /// AWS regions the account works in; launches elsewhere are findings. Empty: the check is off.
    pub aws_used_regions: Vec<String>,
    /// GCP regions the projects work in; compute created elsewhere is a finding. Empty: the check is off.
    pub gcp_used_regions: Vec<String>,
    /// Azure locations (ARM names, `eastus`); virtual machines elsewhere are findings. Empty: off.
    pub azure_used_locations: Vec<String>,
    /// Log destinations the team declares (beside those the stream shows).
    pub log_destinations: LogDestinations,
    /// Security and telemetry agents beyond the built-in catalogue.
    pub agents: Vec<CustomAgent>,
    pub trusted_networks: Vec<IpNet>,
    pub break_glass_principals: Vec<WildMatch>,
    pub correlation: CorrelationSettings,
    /// Collectors and windows of the flow-log rules.
    pub network: NetworkSettings,
    /// What NDJSON filters write (the Fluent Bit module, `blindspot filter`).
    pub output: output::OutputSettings,
    /// Sigma rule texts; `Engine::configure` compiles them.
    pub sigma: SigmaSettings,
    /// Rule ids and patterns the document names, checked against the catalogue by the engine.
    references: Vec<RuleReference>,
}

/// A rule id (`rules.<id>`) or pattern (`suppressions[i].rules[j]`) named by the document.
#[derive(Debug)]
struct RuleReference {
    path: String,
    pattern: String,
    exact: bool,
}

/// The configuration document's JSON Schema (draft 2020-12), from the same types `configure` parses.
#[cfg(feature = "schema")]
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Document);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

impl Config {
    /// Parse and validate a configuration document. An empty or blank document is the default.
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let deserializer = &mut serde_json::Deserializer::from_str(text);
        let document: Document = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            ConfigError::at(path, e.into_inner().to_string())
        })?;
        Config::from_document(document)
    }

    fn from_document(document: Document) -> Result<Config, ConfigError> {
        let mut rules = BTreeMap::new();
        let mut references = Vec::new();
        for (id, settings) in document.rules {
            let path = format!("rules.{id}");
            references.push(RuleReference {
                path: path.clone(),
                pattern: id.clone(),
                exact: true,
            });
            let severity = match settings.severity {
                None => None,
                Some(name) => Some(Severity::parse(&name).ok_or_else(|| {
                    ConfigError::at(
                        format!("{path}.severity"),
                        format!(
                            "unknown severity {name:?}: expected info, low, medium, high or critical"
                        ),
                    )
                })?),
            };
            rules.insert(
                id,
                RuleSettings {
                    enabled: settings.enabled,
                    severity,
                },
            );
        }
        let windows = windows::validate(document.maintenance_windows)?;
        let tickets = tickets::validate(document.change_tickets)?;
        let mut suppressions = Vec::new();
        for (i, doc) in document.suppressions.into_iter().enumerate() {
            suppressions.push(suppression(i, doc, &windows, &tickets, &mut references)?);
        }
        let aws_used_regions = aws_regions(document.aws_used_regions)?;
        let gcp_used_regions = regions::gcp_regions(document.gcp_used_regions)?;
        let azure_used_locations = regions::azure_locations(document.azure_used_locations)?;
        let log_destinations = destinations::validate(document.log_destinations)?;
        let agents = agents::validate(document.agents)?;
        let trusted_networks = networks("trusted_networks", &document.trusted_networks)?;
        for (i, pattern) in document.break_glass_principals.iter().enumerate() {
            if pattern.trim().is_empty() || pattern.trim() == "*" {
                return Err(ConfigError::at(
                    format!("break_glass_principals[{i}]"),
                    "must name identities, not match everyone",
                ));
            }
        }
        let break_glass_principals = document
            .break_glass_principals
            .iter()
            .map(|p| WildMatch::new(p))
            .collect();
        let correlation = CorrelationSettings::validate(document.correlation)?;
        let network = network::validate(document.network)?;
        let sigma = sigma::settings(document.sigma);
        Ok(Config {
            rules,
            suppressions,
            aws_used_regions,
            gcp_used_regions,
            azure_used_locations,
            log_destinations,
            agents,
            trusted_networks,
            break_glass_principals,
            correlation,
            network,
            sigma,
            references,
            output: document.output,
        })
    }

    /// Check every rule id and rule pattern the document names against the rules that exist. The
    /// catalogue is not the configuration's to know (built-in rules, and user rules loaded beside
    /// them), so whoever holds both calls this: `Engine::configure`.
    pub fn check_rule_references(
        &self,
        exists: impl Fn(&str) -> bool,
        any_matches: impl Fn(&WildMatch) -> bool,
    ) -> Result<(), ConfigError> {
        for reference in &self.references {
            if reference.exact {
                if !exists(&reference.pattern) {
                    return Err(ConfigError::at(
                        reference.path.clone(),
                        "no such rule (see `blindspot rules` for the ids)",
                    ));
                }
            } else if !any_matches(&WildMatch::new(&reference.pattern)) {
                return Err(ConfigError::at(
                    reference.path.clone(),
                    format!("{:?} matches no rule id", reference.pattern),
                ));
            }
        }
        Ok(())
    }

    pub fn rule(&self, id: &str) -> Option<&RuleSettings> {
        self.rules.get(id)
    }

    pub fn enabled(&self, id: &str) -> bool {
        self.rule(id).and_then(|r| r.enabled).unwrap_or(true)
    }
}

/// Region names as AWS writes them (`us-east-1`, `us-gov-west-1`, `ap-southeast-3`), each once.
fn aws_regions(names: Vec<String>) -> Result<Vec<String>, ConfigError> {
    for (i, name) in names.iter().enumerate() {
        let parts: Vec<&str> = name.split('-').collect();
        let well_formed = parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .first()
                .is_some_and(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts
                .last()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if !well_formed {
            return Err(ConfigError::at(
                format!("aws_used_regions[{i}]"),
                format!("{name:?} is not an AWS region name (like \"us-east-1\")"),
            ));
        }
        if names.get(..i).is_some_and(|before| before.contains(name)) {
            return Err(ConfigError::at(
                format!("aws_used_regions[{i}]"),
                format!("{name:?} is listed twice"),
            ));
        }
    }
    Ok(names)
}

/// CIDR ranges or single addresses.
fn networks(path: &str, texts: &[String]) -> Result<Vec<IpNet>, ConfigError> {
    texts
        .iter()
        .enumerate()
        .map(|(j, text)| {
            text.parse::<IpNet>()
                .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    ConfigError::at(
                        format!("{path}[{j}]"),
                        format!("{text:?} is not an IP address or CIDR range"),
                    )
                })
        })
        .collect()
}

/// Resolve names a suppression refers to.
fn named<T: Clone>(
    path: &str,
    names: &[String],
    declared: &[T],
    name_of: impl Fn(&T) -> &str,
    section: &str,
) -> Result<Vec<T>, ConfigError> {
    names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            declared
                .iter()
                .find(|d| name_of(d) == name)
                .cloned()
                .ok_or_else(|| {
                    ConfigError::at(
                        format!("{path}[{j}]"),
                        format!("no {section} entry is named {name:?}"),
                    )
                })
        })
        .collect()
}

fn suppression(
    i: usize,
    doc: SuppressionDocument,
    windows: &[MaintenanceWindow],
    tickets: &[TicketScheme],
    references: &mut Vec<RuleReference>,
) -> Result<Suppression, ConfigError> {
    let path = format!("suppressions[{i}]");
    if doc.name.trim().is_empty() {
        return Err(ConfigError::at(format!("{path}.name"), "must not be empty"));
    }
    if doc.reason.trim().is_empty() {
        return Err(ConfigError::at(
            format!("{path}.reason"),
            "must say why the matching changes are benign",
        ));
    }
    if doc.principals.is_empty()
        && doc.user_agents.is_empty()
        && doc.source_ips.is_empty()
        && doc.accounts.is_empty()
        && doc.clusters.is_empty()
        && doc.namespaces.is_empty()
        && doc.windows.is_empty()
        && doc.tickets.is_empty()
    {
        return Err(ConfigError::at(
            path,
            "names no principals, user_agents, source_ips, accounts, clusters, namespaces, windows or \
             tickets: it would suppress every finding",
        ));
    }
    for (j, pattern) in doc.rules.iter().enumerate() {
        references.push(RuleReference {
            path: format!("{path}.rules[{j}]"),
            pattern: pattern.clone(),
            exact: false,
        });
    }
    let source_ips = networks(&format!("{path}.source_ips"), &doc.source_ips)?;
    let windows = named(
        &format!("{path}.windows"),
        &doc.windows,
        windows,
        |w| w.name.as_str(),
        "maintenance_windows",
    )?;
    let tickets = named(
        &format!("{path}.tickets"),
        &doc.tickets,
        tickets,
        |t| t.name.as_str(),
        "change_tickets",
    )?;
    let patterns = |list: &[String]| list.iter().map(|p| WildMatch::new(p)).collect();
    Ok(Suppression {
        rules: patterns(&doc.rules),
        principals: patterns(&doc.principals),
        user_agents: patterns(&doc.user_agents),
        accounts: patterns(&doc.accounts),
        clusters: patterns(&doc.clusters),
        namespaces: patterns(&doc.namespaces),
        source_ips,
        windows,
        tickets,
        name: doc.name,
        reason: doc.reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_document_is_the_default() {
        let config = Config::parse("  ").expect("default");
        assert!(config.rules.is_empty());
        assert!(config.enabled("aws.cloudtrail.stop_logging"));
    }

    #[test]
    fn errors_name_the_offending_key() {
        let err =
            Config::parse(r#"{"rules":{"aws.cloudtrail.stop_logging":{"severity":"urgent"}}}"#)
                .expect_err("bad severity");
        assert_eq!(err.path, "rules.aws.cloudtrail.stop_logging.severity");
        let config = Config::parse(r#"{"rules":{"aws.nope":{"enabled":false}}}"#).expect("parsed");
        let err = config
            .check_rule_references(|id| id == "aws.real", |_| true)
            .expect_err("unknown rule id");
        assert_eq!(err.path, "rules.aws.nope");
        let err = Config::parse(r#"{"suppressions":[{"name":"a","reason":"b","principals":["x"],"source_ips":["10.0.0.0/33"]}]}"#)
            .expect_err("cidr");
        assert_eq!(err.path, "suppressions[0].source_ips[0]");
        let err =
            Config::parse(r#"{"suppressions":[{"name":"a","reason":"b","rules":["aws.*"]}]}"#)
                .expect_err("no criteria");
        assert_eq!(err.path, "suppressions[0]");
        let err = Config::parse(r#"{"rulez":{}}"#).expect_err("unknown key");
        assert!(err.message.contains("unknown field"), "{err}");
        let err = Config::parse(r#"{"suppressions":[{"name":"a","reason":"b","principals":[1]}]}"#)
            .expect_err("wrong type");
        assert_eq!(err.path, "suppressions[0].principals[0]");
    }

    #[test]
    fn aws_used_regions_are_validated() {
        let config =
            Config::parse(r#"{"aws_used_regions":["us-east-1","us-gov-west-1","ap-southeast-3"]}"#)
                .expect("valid");
        assert_eq!(config.aws_used_regions.len(), 3);
        for bad in [
            r#"["US-EAST-1"]"#,
            r#"["us-east"]"#,
            r#"["useast1"]"#,
            r#"["us-east-1",""]"#,
        ] {
            let err = Config::parse(&format!(r#"{{"aws_used_regions":{bad}}}"#)).expect_err(bad);
            assert!(err.path.starts_with("aws_used_regions["), "{bad}: {err}");
        }
        let err =
            Config::parse(r#"{"aws_used_regions":["eu-west-1","eu-west-1"]}"#).expect_err("dup");
        assert_eq!(err.path, "aws_used_regions[1]");
        let err = Config::parse(r#"{"aws_used_regions":"us-east-1"}"#).expect_err("not a list");
        assert_eq!(err.path, "aws_used_regions");
        assert!(
            Config::parse("{}")
                .expect("default")
                .aws_used_regions
                .is_empty()
        );
    }

    #[test]
    fn suppression_needs_every_criterion() {
        let config = Config::parse(
            r#"{"suppressions":[{"name":"tf","reason":"IaC","rules":["aws.cloudtrail.*"],
                "principals":["arn:aws:sts::*:assumed-role/terraform-*"],"source_ips":["10.0.0.0/8"]}]}"#,
        )
        .expect("valid");
        let mut fields = Normalized {
            principal: Some("arn:aws:sts::111122223333:assumed-role/terraform-apply/ci".into()),
            source_ip: Some("10.1.2.3".into()),
            ..Normalized::default()
        };
        let s = &config.suppressions[0];
        assert!(s.matches("aws.cloudtrail.stop_logging", &fields));
        assert!(!s.matches("aws.ec2.flow_logs_deleted", &fields));
        fields.source_ip = Some("203.0.113.9".into());
        assert!(!s.matches("aws.cloudtrail.stop_logging", &fields));
        fields.source_ip = Some("cloudtrail.amazonaws.com".into());
        assert!(!s.matches("aws.cloudtrail.stop_logging", &fields));
    }
}
