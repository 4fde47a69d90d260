//! The configuration document handed to `configure` (JSON; documented in docs/configuration.md).
//! Parsing is strict: unknown keys, unknown rule ids and malformed patterns are rejected with the path
//! of the offending key, because a typo in an allow-list must not silently widen or narrow it.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;
use wildmatch::WildMatch;

use crate::model::{Normalized, Severity};
use crate::rules;

/// A configuration document was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ConfigError {
    /// Path to the offending key (`suppressions[0].source_ips[1]`); empty for the whole document.
    pub path: String,
    pub message: String,
}

impl ConfigError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            path: path.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default)]
    rules: BTreeMap<String, RuleDocument>,
    #[serde(default)]
    suppressions: Vec<SuppressionDocument>,
    #[serde(default)]
    aws_used_regions: Vec<String>,
    #[serde(default)]
    agents: Vec<rules::container_evasion::agents::AgentDocument>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDocument {
    enabled: Option<bool>,
    severity: Option<String>,
}

#[derive(Debug, Deserialize)]
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
}

impl Suppression {
    /// Whether the suppression covers this rule and event. Within a criterion any pattern may match;
    /// across criteria all must.
    pub fn matches(&self, rule_id: &str, fields: &Normalized) -> bool {
        fn any(patterns: &[WildMatch], value: Option<&str>) -> bool {
            patterns.is_empty() || value.is_some_and(|v| patterns.iter().any(|p| p.matches(v)))
        }
        any(&self.rules, Some(rule_id))
            && any(&self.principals, fields.principal.as_deref())
            && any(&self.user_agents, fields.user_agent.as_deref())
            && any(&self.accounts, fields.account.as_deref())
            && (self.source_ips.is_empty()
                || fields
                    .source_ip
                    .as_deref()
                    .and_then(|ip| ip.parse::<IpAddr>().ok())
                    .is_some_and(|ip| self.source_ips.iter().any(|net| net.contains(&ip))))
    }
}

/// The active configuration.
#[derive(Debug, Default)]
pub struct Config {
    pub rules: BTreeMap<String, RuleSettings>,
    pub suppressions: Vec<Suppression>,
    /// AWS regions the account works in; launches elsewhere are findings. Empty: the check is off.
    pub aws_used_regions: Vec<String>,
    /// Security and telemetry agents beyond the built-in catalogue.
    pub agents: Vec<rules::container_evasion::agents::CustomAgent>,
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
        for (id, settings) in document.rules {
            let path = format!("rules.{id}");
            if rules::find(&id).is_none() {
                return Err(ConfigError::at(
                    path,
                    "no such rule (see `blindspot rules` for the ids)",
                ));
            }
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
        let mut suppressions = Vec::new();
        for (i, doc) in document.suppressions.into_iter().enumerate() {
            suppressions.push(suppression(i, doc)?);
        }
        let aws_used_regions = aws_regions(document.aws_used_regions)?;
        let agents = rules::container_evasion::agents::validate(document.agents)?;
        Ok(Config {
            rules,
            suppressions,
            aws_used_regions,
            agents,
        })
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

fn suppression(i: usize, doc: SuppressionDocument) -> Result<Suppression, ConfigError> {
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
    {
        return Err(ConfigError::at(
            path,
            "names no principals, user_agents, source_ips or accounts: it would suppress every finding",
        ));
    }
    for (j, pattern) in doc.rules.iter().enumerate() {
        let matcher = WildMatch::new(pattern);
        if !rules::catalogue().any(|r| matcher.matches(r.id)) {
            return Err(ConfigError::at(
                format!("{path}.rules[{j}]"),
                format!("{pattern:?} matches no rule id"),
            ));
        }
    }
    let mut source_ips = Vec::new();
    for (j, text) in doc.source_ips.iter().enumerate() {
        let net = text
            .parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| {
                ConfigError::at(
                    format!("{path}.source_ips[{j}]"),
                    format!("{text:?} is not an IP address or CIDR range"),
                )
            })?;
        source_ips.push(net);
    }
    let patterns = |list: &[String]| list.iter().map(|p| WildMatch::new(p)).collect();
    Ok(Suppression {
        rules: patterns(&doc.rules),
        principals: patterns(&doc.principals),
        user_agents: patterns(&doc.user_agents),
        accounts: patterns(&doc.accounts),
        source_ips,
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
        let err = Config::parse(r#"{"rules":{"aws.nope":{"enabled":false}}}"#).expect_err("rule");
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
