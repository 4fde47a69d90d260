//! Family 1 on AWS, Security Hub: the hub or its standards disabled, findings suppressed or archived,
//! and the products, members and administrator that feed it cut off. Security Hub's API takes
//! PascalCase request fields (docs.aws.amazon.com/securityhub/1.0/APIReference: BatchUpdateFindings,
//! CreateAutomationRule...); CloudTrail records them as sent, so both spellings are read.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

use super::{listed, or_placeholder, pick, quoted_list, region, strings};

declare! {
    SECURITYHUB_DISABLED = {
        id: "aws.securityhub.disabled",
        title: "Security Hub or its standards disabled",
        description: "DisableSecurityHub or BatchDisableStandards: security findings and compliance checks stop.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("securityhub", "DisableSecurityHub"), ("securityhub", "BatchDisableStandards")],
            check: security_hub,
        },
    };
    FINDINGS_SUPPRESSED = {
        id: "aws.securityhub.findings_suppressed",
        title: "Security Hub findings suppressed or archived",
        description: "BatchUpdateFindings setting Workflow.Status SUPPRESSED (medium; high for 10 or more findings), or \
                      RESOLVED for 10 or more findings at once (medium); UpdateFindings with RecordState ARCHIVED \
                      (every finding matching its filters; high); CreateAutomationRule or BatchUpdateAutomationRules \
                      whose actions suppress or resolve matching findings (high); DeleteInsight and UpdateInsight \
                      (the saved views analysts watch; medium, lower confidence). Triage of a few findings to \
                      NOTIFIED or RESOLVED, notes and severity labels are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("securityhub", "BatchUpdateFindings"),
                ("securityhub", "UpdateFindings"),
                ("securityhub", "CreateAutomationRule"),
                ("securityhub", "BatchUpdateAutomationRules"),
                ("securityhub", "DeleteInsight"),
                ("securityhub", "UpdateInsight"),
            ],
            check: findings_suppressed,
        },
    };
    SOURCES_CUT = {
        id: "aws.securityhub.sources_cut",
        title: "Security Hub cut off from its products, members or administrator",
        description: "DisableImportFindingsForProduct (a product such as GuardDuty or Inspector stops sending findings; \
                      medium), DisassociateMembers or DeleteMembers from the administrator (high), \
                      DisassociateFromAdministratorAccount or DisassociateFromMasterAccount from a member (medium), \
                      DisableOrganizationAdminAccount (high), DeleteFindingAggregator (cross-region aggregation \
                      stops; medium), UpdateStandardsControl with ControlStatus DISABLED (medium) and \
                      UpdateOrganizationConfiguration turning AutoEnable off (medium). Enabling products, members \
                      and controls is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 75,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("securityhub", "DisableImportFindingsForProduct"),
                ("securityhub", "DisassociateMembers"),
                ("securityhub", "DeleteMembers"),
                ("securityhub", "DisassociateFromAdministratorAccount"),
                ("securityhub", "DisassociateFromMasterAccount"),
                ("securityhub", "DisableOrganizationAdminAccount"),
                ("securityhub", "DeleteFindingAggregator"),
                ("securityhub", "UpdateStandardsControl"),
                ("securityhub", "UpdateOrganizationConfiguration"),
            ],
            check: sources_cut,
        },
    };
}

/// Findings updated at once above which resolving them is a bulk clean-up rather than triage.
const BULK_FINDINGS: usize = 10;

fn security_hub(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let r = region(record);
    let scope = format!("`aws securityhub describe-hub --region {r}`");
    if record.event_name == "DisableSecurityHub" {
        return Some(
            Detection::new(&SECURITYHUB_DISABLED)
                .reason(format!(
                    "Security Hub was disabled in {r}: aggregated findings and compliance checks stop"
                ))
                .scope(scope)
                .restore(format!("aws securityhub enable-security-hub --region {r}")),
        );
    }
    let standards: Vec<String> = record
        .params()
        .and_then(|p| p.array("standardsSubscriptionArns"))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| json::raw_str(v).map(|s| s.into_owned()))
        .collect();
    Some(
        Detection::new(&SECURITYHUB_DISABLED)
            .severity(Severity::Medium)
            .reason(format!(
                "Security Hub standards disabled: {}",
                if standards.is_empty() {
                    "(unnamed)".to_owned()
                } else {
                    standards.join(", ")
                }
            ))
            .scope(format!(
                "`aws securityhub get-enabled-standards --region {r}`"
            ))
            .restore(format!(
                "aws securityhub batch-enable-standards --standards-subscription-requests \
                 StandardsArn=<standards-arn> --region {r}"
            )),
    )
}

fn findings_suppressed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let r = region(record);
    let detection = Detection::new(&FINDINGS_SUPPRESSED);
    let Some(params) = record.params() else {
        // Without the request nobody can tell triage from suppression: a finding, at low confidence.
        return Some(
            detection
                .confidence(40)
                .reason(format!(
                    "{} on Security Hub without recorded request parameters: findings may have been \
                     suppressed or archived",
                    record.event_name
                ))
                .scope(format!(
                    "`aws securityhub get-findings --region {r}` filtered on UpdatedAt around this event"
                )),
        );
    };
    let detection = match &*record.event_name {
        "BatchUpdateFindings" => {
            let status = params
                .object("Workflow")
                .or_else(|| params.object("workflow"))
                .and_then(|w| pick(&w, &["Status", "status"]))?;
            let count = params
                .array("FindingIdentifiers")
                .or_else(|| params.array("findingIdentifiers"))
                .map_or(0, |f| f.len());
            let bulk = count >= BULK_FINDINGS;
            let severity = match (status.as_str(), bulk) {
                ("SUPPRESSED", true) => Severity::High,
                ("SUPPRESSED", false) | ("RESOLVED", true) => Severity::Medium,
                _ => return None,
            };
            detection
                .severity(severity)
                .reason(format!(
                    "{count} Security Hub finding(s) were set to workflow status {status}: they leave the \
                     analysts' open queue"
                ))
                .scope(format!(
                    "`aws securityhub get-findings --filters '{{\"WorkflowStatus\":[{{\"Value\":\"{status}\",\"Comparison\":\"EQUALS\"}}]}}' --region {r}` \
                     lists them with who changed them"
                ))
                .restore(format!(
                    "aws securityhub batch-update-findings --finding-identifiers <Id=...,ProductArn=...> \
                     --workflow Status=NEW --region {r}"
                ))
        }
        "UpdateFindings" => {
            // The deprecated UpdateFindings changes only notes and RecordState; nothing routine uses it.
            let state = pick(&params, &["RecordState", "recordState"]);
            let detection = match state.as_deref() {
                Some("ACTIVE") => return None,
                Some("ARCHIVED") => detection.severity(Severity::High).reason(
                    "UpdateFindings archived every Security Hub finding matching its filters \
                     (RecordState=ARCHIVED): they disappear from the default views",
                ),
                _ => detection.confidence(45).reason(
                    "UpdateFindings (the deprecated bulk update) changed every Security Hub finding \
                     matching its filters",
                ),
            };
            detection
                .scope(format!(
                    "`aws securityhub get-findings --filters '{{\"RecordState\":[{{\"Value\":\"ARCHIVED\",\"Comparison\":\"EQUALS\"}}]}}' --region {r}`"
                ))
                .restore(format!(
                    "aws securityhub update-findings --filters <the same filters> --record-state ACTIVE --region {r}"
                ))
        }
        "CreateAutomationRule" | "BatchUpdateAutomationRules" => {
            let rules: Vec<Object<'_>> = if record.event_name == "CreateAutomationRule" {
                vec![params]
            } else {
                params
                    .array("UpdateAutomationRulesRequestItems")
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|i| Object::from_raw(i).ok())
                    .collect()
            };
            let mut names = Vec::new();
            let mut statuses = Vec::new();
            for rule in &rules {
                if let Some(status) = automation_status(rule) {
                    names.push(
                        pick(rule, &["RuleName", "RuleArn"])
                            .unwrap_or_else(|| "(unnamed)".to_owned()),
                    );
                    statuses.push(status);
                }
            }
            if names.is_empty() {
                return None;
            }
            detection
                .severity(Severity::High)
                .reason(format!(
                    "Security Hub automation rule(s) {} now set matching findings to {}: new findings are \
                     hidden as they arrive",
                    names.join(", "),
                    statuses.join("/")
                ))
                .scope(format!(
                    "`aws securityhub list-automation-rules --region {r}` and each rule's criteria"
                ))
                .restore(format!(
                    "aws securityhub batch-update-automation-rules --update-automation-rules-request-items \
                     RuleArn=<rule-arn>,RuleStatus=DISABLED --region {r}"
                ))
        }
        name => {
            let insight = pick(&params, &["InsightArn", "insightArn"]);
            detection
                .confidence(45)
                .reason(format!(
                    "{name} on Security Hub insight {}: the saved view analysts watch {}",
                    insight.as_deref().unwrap_or("(unnamed)"),
                    if name == "DeleteInsight" {
                        "is gone"
                    } else {
                        "now filters differently"
                    }
                ))
                .scope(format!("`aws securityhub get-insights --region {r}`"))
                .restore(format!(
                    "aws securityhub create-insight --name <name> --filters <approved-filters> \
                     --group-by-attribute <attribute> --region {r}"
                ))
        }
    };
    Some(detection)
}

/// The workflow status an automation rule's actions set, when it hides findings.
fn automation_status(rule: &Object<'_>) -> Option<String> {
    rule.array("Actions")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|a| Object::from_raw(a).ok())
        .find_map(|action| {
            let status = action
                .path(&["FindingFieldsUpdate", "Workflow", "Status"])
                .and_then(json::raw_str)?;
            matches!(&*status, "SUPPRESSED" | "RESOLVED").then(|| status.into_owned())
        })
}

fn sources_cut(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let r = region(record);
    let get = |keys: &[&str]| params.as_ref().and_then(|p| pick(p, keys));
    let accounts = params
        .as_ref()
        .map(|p| strings(p, &["AccountIds", "accountIds"]))
        .unwrap_or_default();
    let detection = Detection::new(&SOURCES_CUT)
        .scope(format!(
            "`aws securityhub list-enabled-products-for-import --region {r}`, `aws securityhub list-members \
             --region {r}` and `aws securityhub get-administrator-account --region {r}`"
        ));
    let detection = match &*record.event_name {
        "DisableImportFindingsForProduct" => {
            let product = get(&["ProductSubscriptionArn", "productSubscriptionArn"]);
            detection
                .reason(format!(
                    "Security Hub stopped importing findings from {}: that product's findings no longer \
                     reach the hub",
                    product.as_deref().unwrap_or("(unnamed product)")
                ))
                .restore(format!(
                    "aws securityhub enable-import-findings-for-product --product-arn <product-arn> --region {r}"
                ))
        }
        name @ ("DisassociateMembers" | "DeleteMembers") => detection
            .severity(Severity::High)
            .reason(format!(
                "{name}: Security Hub findings of member account(s) {} no longer reach the administrator",
                listed(&accounts)
            ))
            .restore(format!(
                "aws securityhub create-members --account-details AccountId=<account-id> --region {r}   # for {}",
                quoted_list(&accounts, "<account-id>")
            )),
        "DisableOrganizationAdminAccount" => {
            let admin = get(&["AdminAccountId", "adminAccountId"]);
            detection
                .severity(Severity::High)
                .reason(format!(
                    "Security Hub delegated administrator {} was removed: the organization's findings are no \
                     longer gathered in one place",
                    admin.as_deref().unwrap_or("(unnamed)")
                ))
                .restore(format!(
                    "aws securityhub enable-organization-admin-account --admin-account-id {} --region {r}",
                    or_placeholder(&admin, "<admin-account-id>")
                ))
        }
        "DeleteFindingAggregator" => detection
            .reason(
                "the Security Hub finding aggregator was deleted: findings of the linked regions no longer \
                 reach the aggregation region"
                    .to_owned(),
            )
            .restore(format!(
                "aws securityhub create-finding-aggregator --region-linking-mode ALL_REGIONS --region {r}"
            )),
        "UpdateStandardsControl" => {
            if get(&["ControlStatus", "controlStatus"]).as_deref() != Some("DISABLED") {
                return None;
            }
            let control = get(&["StandardsControlArn", "standardsControlArn"]);
            detection
                .reason(format!(
                    "Security Hub control {} was disabled{}: its checks stop producing findings",
                    control.as_deref().unwrap_or("(unnamed)"),
                    get(&["DisabledReason", "disabledReason"])
                        .map(|why| format!(" (reason given: {why})"))
                        .unwrap_or_default()
                ))
                .restore(format!(
                    "aws securityhub update-standards-control --standards-control-arn {} --control-status ENABLED --region {r}",
                    or_placeholder(&control, "<control-arn>")
                ))
        }
        "UpdateOrganizationConfiguration" => {
            let off = params.as_ref().and_then(|p| p.bool("AutoEnable").or(p.bool("autoEnable")))
                == Some(false);
            if !off {
                return None;
            }
            detection
                .reason(
                    "Security Hub organization auto-enable was turned off (AutoEnable=false): new accounts \
                     are not enrolled"
                        .to_owned(),
                )
                .restore(format!(
                    "aws securityhub update-organization-configuration --auto-enable --region {r}"
                ))
        }
        name => detection
            .reason(format!(
                "{name}: this account left its Security Hub administrator; the security team no longer sees \
                 its findings"
            ))
            .restore(
                "from the administrator account: aws securityhub create-members, then \
                 aws securityhub invite-members for this account",
            ),
    };
    Some(detection)
}

#[cfg(test)]
mod tests {
    use crate::model::Severity;
    use crate::rules::test_support::fire;

    fn batch(status: &str, count: usize) -> String {
        let ids: Vec<String> = (0..count)
            .map(|i| format!(r#"{{"Id":"arn:aws:securityhub:us-east-1:111122223333:finding/{i}","ProductArn":"arn:aws:securityhub:us-east-1::product/aws/guardduty"}}"#))
            .collect();
        format!(
            r#"{{"eventVersion":"1.10","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u","accountId":"111122223333"}},"eventTime":"2026-11-27T10:00:00Z","eventSource":"securityhub.amazonaws.com","eventName":"BatchUpdateFindings","awsRegion":"us-east-1","requestParameters":{{"FindingIdentifiers":[{}],"Workflow":{{"Status":"{status}"}}}},"responseElements":null,"readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}}"#,
            ids.join(",")
        )
    }

    fn severity(text: &str) -> Option<Severity> {
        fire(text)
            .into_iter()
            .find(|d| d.rule.id == "aws.securityhub.findings_suppressed")
            .map(|d| d.severity)
    }

    #[test]
    fn suppression_severity_follows_status_and_bulk() {
        assert_eq!(severity(&batch("SUPPRESSED", 1)), Some(Severity::Medium));
        assert_eq!(severity(&batch("SUPPRESSED", 10)), Some(Severity::High));
        assert_eq!(severity(&batch("RESOLVED", 9)), None);
        assert_eq!(severity(&batch("RESOLVED", 10)), Some(Severity::Medium));
        assert_eq!(severity(&batch("NOTIFIED", 50)), None);
    }
}
