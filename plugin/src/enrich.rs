//! From a rule's detection to the finding an analyst reads: context (failed attempt, who, from where,
//! with which tool), configuration (rule switches, severity overrides, suppressions) and the response
//! steps every finding carries.

use crate::config::{Config, Scope, Verdict};
use crate::model::{Finding, Normalized, Outcome, Severity, TechniqueRef};
use crate::rules::Detection;
use crate::rules::attack::Technique;

/// How a call was made, from its user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Console,
    Cli,
    Sdk,
    Iac,
    Kubectl,
    Other,
}

impl Tool {
    pub fn from_user_agent(user_agent: &str) -> Tool {
        let ua = user_agent.to_ascii_lowercase();
        if [
            "terraform",
            "cloudformation",
            "pulumi",
            "helm",
            "crossplane",
            "cdk/",
        ]
        .iter()
        .any(|m| ua.contains(m))
        {
            Tool::Iac
        } else if ua.starts_with("aws-cli")
            || ua.contains("azure-cli")
            || ua.contains("google-cloud-sdk")
            || ua.contains("gcloud")
        {
            Tool::Cli
        } else if ua.starts_with("kubectl") {
            Tool::Kubectl
        } else if ua.contains("console.amazonaws.com")
            || ua.contains("signin.amazonaws.com")
            || ua == "aws internal"
            || ua.contains("portal.azure.com")
            || ua.contains("mozilla/")
        {
            Tool::Console
        } else if [
            "boto",
            "aws-sdk",
            "azsdk",
            "google-api",
            "client-go",
            "go-http-client",
        ]
        .iter()
        .any(|m| ua.contains(m))
        {
            Tool::Sdk
        } else {
            Tool::Other
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Tool::Console => "the web console",
            Tool::Cli => "a command-line client",
            Tool::Sdk => "an SDK (script or program)",
            Tool::Iac => "an infrastructure-as-code tool",
            Tool::Kubectl => "kubectl",
            Tool::Other => "an unrecognised client",
        }
    }
}

/// How much each fact moves a finding's confidence (percentage points). A failed call changed
/// nothing; root and break-glass identities are what routine work avoids; IaC tools and trusted
/// networks are how routine work usually arrives.
const FAILED_ATTEMPT: i32 = -15;
const ROOT_IDENTITY: i32 = 5;
const BREAK_GLASS_IDENTITY: i32 = 10;
const IAC_TOOL: i32 = -10;
const TRUSTED_NETWORK: i32 = -5;
const UNTRUSTED_NETWORK: i32 = 10;

/// Facts about the event that adjust every finding on it, read once per event.
pub struct Context<'e> {
    pub fields: &'e Normalized,
    /// The failure the source recorded (`AccessDenied: ...`), when the call failed.
    pub failure: Option<String>,
    /// The principal is an account's root or owner identity.
    pub root: bool,
    /// Cluster, namespace and the event body, for scoped suppressions and change tickets.
    pub scope: Scope<'e>,
}

/// What a finding names about the rule that fired: a built-in rule or a loaded Sigma rule.
#[derive(Debug, Clone, Copy)]
pub struct RuleMeta<'r> {
    pub id: &'r str,
    pub title: &'r str,
    pub technique: TechniqueView<'r>,
    pub newer: Option<TechniqueView<'r>>,
}

/// One ATT&CK technique, borrowed from the rule's metadata.
#[derive(Debug, Clone, Copy)]
pub struct TechniqueView<'r> {
    pub id: &'r str,
    pub name: &'r str,
    pub tactic: &'r str,
}

impl From<Technique> for TechniqueView<'static> {
    fn from(t: Technique) -> Self {
        TechniqueView {
            id: t.id,
            name: t.name,
            tactic: t.tactic,
        }
    }
}

impl TechniqueView<'_> {
    fn to_ref(self) -> TechniqueRef {
        TechniqueRef {
            id: self.id.to_owned(),
            name: self.name.to_owned(),
            tactic: self.tactic.to_owned(),
        }
    }
}

/// What a rule observed on the event, before context and configuration.
#[derive(Debug)]
pub struct Observed {
    pub severity: Severity,
    pub confidence: u8,
    pub reasons: Vec<String>,
    pub scope: String,
    pub restore: Vec<String>,
    /// Response steps the rule brings along (a Sigma rule's description and known false positives),
    /// placed before the closing investigate step.
    pub notes: Vec<String>,
}

/// Turn one detection into a finding, or nothing when configuration switched its rule off.
pub fn finding(detection: Detection, context: &Context<'_>, config: &Config) -> Option<Finding> {
    let rule = detection.rule;
    let meta = RuleMeta {
        id: rule.id,
        title: rule.title,
        technique: rule.attack.v18.into(),
        newer: rule.attack.newer.map(TechniqueView::from),
    };
    let observed = Observed {
        severity: detection.severity,
        confidence: detection.confidence,
        reasons: detection.reasons,
        scope: detection.scope,
        restore: detection.restore,
        notes: Vec::new(),
    };
    finding_for(meta, observed, context, config)
}

/// Any rule's observation into a finding: the same context, switches, suppressions and response
/// steps whichever kind of rule fired.
pub fn finding_for(
    rule: RuleMeta<'_>,
    detection: Observed,
    context: &Context<'_>,
    config: &Config,
) -> Option<Finding> {
    if !config.enabled(rule.id) {
        return None;
    }
    let settings = config.rule(rule.id);
    let mut severity = settings
        .and_then(|s| s.severity)
        .unwrap_or(detection.severity);
    let mut confidence = i32::from(detection.confidence);
    let mut reasons = detection.reasons;
    let fields = context.fields;

    let failed = context.fields.outcome == Outcome::Failure;
    if failed {
        confidence += FAILED_ATTEMPT;
        reasons.push(format!(
            "the call failed ({}): an attempt, the change was not made",
            context.failure.as_deref().unwrap_or("no error recorded")
        ));
    }
    if context.root {
        confidence += ROOT_IDENTITY;
        reasons.push("made by the account's root user, which routine administration avoids".into());
    }
    if let Some(principal) = fields.principal.as_deref()
        && config
            .break_glass_principals
            .iter()
            .any(|p| p.matches(principal))
    {
        // Break-glass identities exist for emergencies; monitoring changes by one are either part
        // of a declared incident or a stolen emergency credential.
        severity = severity.raised();
        confidence += BREAK_GLASS_IDENTITY;
        reasons.push(format!(
            "made by {principal}, a configured break-glass identity reserved for emergencies"
        ));
    }
    if let Some(principal) = &fields.principal {
        let mut who = format!("by {principal}");
        if let Some(ip) = &fields.source_ip {
            who.push_str(&format!(" from {ip}"));
        }
        if let Some(ua) = &fields.user_agent {
            let tool = Tool::from_user_agent(ua);
            who.push_str(&format!(" using {}", tool.describe()));
            if tool == Tool::Iac {
                confidence += IAC_TOOL;
            }
        }
        reasons.push(who);
    }

    if !config.trusted_networks.is_empty()
        && let Some(ip) = fields.source_ip.as_deref()
        && let Ok(addr) = ip.parse::<std::net::IpAddr>()
    {
        if config.trusted_networks.iter().any(|n| n.contains(&addr)) {
            confidence += TRUSTED_NETWORK;
            reasons.push(format!("from {ip}, inside the configured trusted networks"));
        } else {
            confidence += UNTRUSTED_NETWORK;
            reasons.push(format!(
                "from {ip}, outside the configured trusted networks"
            ));
        }
    }

    if failed {
        // Alone an attempt never alerts (peers stay quiet on denied calls); a principal's repeated
        // denied attempts escalate through `sequence.denied_evasion_attempts`.
        severity = severity.min(Severity::Low);
    }

    let mut suppression = None;
    let mut near_miss = None;
    for candidate in &config.suppressions {
        match candidate.verdict(rule.id, fields, &context.scope) {
            Verdict::Suppressed(why) => {
                suppression = Some(why);
                break;
            }
            Verdict::NearMiss(why) => {
                near_miss.get_or_insert(why);
            }
            Verdict::NoMatch => {}
        }
    }
    if suppression.is_none()
        && let Some(why) = near_miss
    {
        // Either a benign change that slipped its allow-list (fix the configuration) or someone
        // imitating the benign pattern: both deserve a look, so confidence is not lowered.
        reasons.push(why);
    }

    Some(Finding {
        rule_id: rule.id.to_owned(),
        title: rule.title.to_owned(),
        technique_id: rule.technique.id.to_owned(),
        technique_name: rule.technique.name.to_owned(),
        tactic: rule.technique.tactic.to_owned(),
        technique_newer: rule.newer.map(TechniqueView::to_ref),
        severity,
        confidence: u8::try_from(confidence.clamp(0, 100)).unwrap_or(0),
        reasons,
        suppression,
        response: response(
            fields,
            detection.scope,
            detection.restore,
            detection.notes,
            fields.outcome == Outcome::Failure,
        ),
        related_events: Vec::new(),
    })
}

/// The four response steps of docs/detections.md, filled in for this event.
fn response(
    fields: &Normalized,
    scope: String,
    restore: Vec<String>,
    notes: Vec<String>,
    failed: bool,
) -> Vec<String> {
    let who = fields.principal.as_deref().unwrap_or("the principal");
    let action = fields.action.as_deref().unwrap_or("the change");
    let target = fields
        .target
        .as_deref()
        .map(|t| format!(" on {t}"))
        .unwrap_or_default();
    let mut steps = vec![format!(
        "Verify: confirm with the owner of {who} that {action}{target} was an approved change \
         (change ticket, pipeline run or maintenance window); if not, treat the principal as compromised"
    )];
    if !scope.is_empty() {
        steps.push(format!("Scope: {scope}"));
    }
    // A failed attempt changed nothing; the command matters only if a retry succeeded.
    let label = if failed {
        "Re-enable (only if a later attempt succeeded; this one failed)"
    } else {
        "Re-enable"
    };
    for command in restore {
        steps.push(format!("{label}: {command}"));
    }
    steps.extend(notes);
    let account = fields
        .account
        .as_deref()
        .map(|a| format!(" in {a}"))
        .unwrap_or_default();
    steps.push(format!(
        "Investigate: review everything {who} and other principals did{account} from this event until \
         monitoring was restored, using sources the change did not touch"
    ));
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_user_agents() {
        assert_eq!(
            Tool::from_user_agent("aws-cli/2.15.30 Python/3.11.8"),
            Tool::Cli
        );
        assert_eq!(
            Tool::from_user_agent("APN/1.0 HashiCorp/1.0 Terraform/1.7.4"),
            Tool::Iac
        );
        assert_eq!(
            Tool::from_user_agent("console.amazonaws.com"),
            Tool::Console
        );
        assert_eq!(
            Tool::from_user_agent("Boto3/1.34.51 md/Botocore#1.34.51"),
            Tool::Sdk
        );
        assert_eq!(Tool::from_user_agent("curl/8.5"), Tool::Other);
    }
}
