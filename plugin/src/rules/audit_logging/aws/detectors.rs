//! Family 1 on AWS, the other detection services: Macie (sensitive-data findings), Inspector
//! (vulnerability findings), Detective (investigation graphs) and IAM Access Analyzer (external access
//! findings) switched off, paused, cut from their administrator, or told to archive what they find.
//! Request fields as each API names them (docs.aws.amazon.com/macie/latest/APIReference,
//! inspector/v2/APIReference, detective/latest/APIReference, access-analyzer/latest/APIReference).

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::Object;

use super::{listed, or_placeholder, pick, region, strings};

declare! {
    MACIE_DISABLED = {
        id: "aws.macie.disabled",
        title: "Macie disabled, paused or cut from its administrator",
        description: "DisableMacie, UpdateMacieSession or UpdateMemberSession with status PAUSED, \
                      DisableOrganizationAdminAccount (high); DisassociateFromAdministratorAccount, \
                      DisassociateFromMasterAccount, DeleteMember and DisassociateMember (medium). Enabling Macie \
                      or resuming a session (status ENABLED) is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("macie2", "DisableMacie"),
                ("macie2", "UpdateMacieSession"),
                ("macie2", "UpdateMemberSession"),
                ("macie2", "DisableOrganizationAdminAccount"),
                ("macie2", "DisassociateFromAdministratorAccount"),
                ("macie2", "DisassociateFromMasterAccount"),
                ("macie2", "DeleteMember"),
                ("macie2", "DisassociateMember"),
            ],
            check: macie_disabled,
        },
    };
    MACIE_SUPPRESSED = {
        id: "aws.macie.findings_suppressed",
        title: "Macie findings auto-archived by a filter",
        description: "CreateFindingsFilter or UpdateFindingsFilter with action ARCHIVE: matching sensitive-data findings \
                      are archived as they arrive. NOOP filters (saved views) are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[("macie2", "CreateFindingsFilter"), ("macie2", "UpdateFindingsFilter")],
            check: macie_filter,
        },
    };
    INSPECTOR_DISABLED = {
        id: "aws.inspector.disabled",
        title: "Inspector scanning disabled",
        description: "Inspector2 Disable (scanning of EC2, ECR, Lambda stops for the listed accounts) and \
                      DisableDelegatedAdminAccount (high); DisassociateMember and UpdateOrganizationConfiguration \
                      turning every auto-enable off (medium). Enable and auto-enable on are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("inspector2", "Disable"),
                ("inspector2", "DisableDelegatedAdminAccount"),
                ("inspector2", "DisassociateMember"),
                ("inspector2", "UpdateOrganizationConfiguration"),
            ],
            check: inspector_disabled,
        },
    };
    DETECTIVE_DISABLED = {
        id: "aws.detective.disabled",
        title: "Detective behaviour graph deleted or members removed",
        description: "DeleteGraph (the behaviour graph and its collected history are gone; high), \
                      DisassociateMembership and DeleteMembers (accounts leave the graph; medium). Creating graphs \
                      and inviting members are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("detective", "DeleteGraph"),
                ("detective", "DisassociateMembership"),
                ("detective", "DeleteMembers"),
            ],
            check: detective_disabled,
        },
    };
    ACCESS_ANALYZER_DISABLED = {
        id: "aws.accessanalyzer.disabled",
        title: "IAM Access Analyzer deleted or its findings auto-archived",
        description: "DeleteAnalyzer (external and unused access stop being reported), CreateArchiveRule or \
                      UpdateArchiveRule (matching findings archived as they arrive; lower confidence, archive rules \
                      are also used for accepted access). CreateAnalyzer is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::CloudTrail {
            calls: &[
                ("access-analyzer", "DeleteAnalyzer"),
                ("access-analyzer", "CreateArchiveRule"),
                ("access-analyzer", "UpdateArchiveRule"),
            ],
            check: access_analyzer,
        },
    };
}

fn param_of(params: &Option<Object<'_>>, keys: &[&str]) -> Option<String> {
    params.as_ref().and_then(|p| pick(p, keys))
}

fn macie_disabled(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let r = region(record);
    let detection = Detection::new(&MACIE_DISABLED).scope(format!(
        "`aws macie2 get-macie-session --region {r}` and `aws macie2 list-members --region {r}`"
    ));
    let detection = match &*record.event_name {
        "DisableMacie" => detection
            .reason(format!(
                "Macie was disabled in {r}: sensitive-data discovery stops and its findings and settings are deleted"
            ))
            .restore(format!("aws macie2 enable-macie --status ENABLED --region {r}")),
        name @ ("UpdateMacieSession" | "UpdateMemberSession") => {
            if param_of(&params, &["status"]).as_deref() != Some("PAUSED") {
                return None;
            }
            let member = param_of(&params, &["id"]);
            detection
                .reason(format!(
                    "Macie was paused ({name} status=PAUSED){}: no new sensitive-data findings",
                    member.as_deref().map(|m| format!(" for member {m}")).unwrap_or_default()
                ))
                .restore(match member {
                    Some(m) => format!(
                        "aws macie2 update-member-session --id {} --status ENABLED --region {r}",
                        or_placeholder(&Some(m), "<account-id>")
                    ),
                    None => format!("aws macie2 update-macie-session --status ENABLED --region {r}"),
                })
        }
        "DisableOrganizationAdminAccount" => {
            let admin = param_of(&params, &["adminAccountId"]);
            detection
                .reason(format!(
                    "Macie delegated administrator {} was removed: the organization's Macie findings are no \
                     longer gathered",
                    admin.as_deref().unwrap_or("(unnamed)")
                ))
                .restore(format!(
                    "aws macie2 enable-organization-admin-account --admin-account-id {} --region {r}",
                    or_placeholder(&admin, "<admin-account-id>")
                ))
        }
        name => {
            let member = param_of(&params, &["id"]);
            detection
                .severity(Severity::Medium)
                .reason(format!(
                    "{name}{}: Macie findings of that account no longer reach the administrator",
                    member.as_deref().map(|m| format!(" for account {m}")).unwrap_or_default()
                ))
                .restore(format!(
                    "from the administrator: aws macie2 create-member --account accountId=<account-id>,email=<email> --region {r}"
                ))
        }
    };
    Some(detection)
}

fn macie_filter(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    if pick(&params, &["action"]).as_deref() != Some("ARCHIVE") {
        return None;
    }
    let name = pick(&params, &["name", "id"]);
    let r = region(record);
    Some(
        Detection::new(&MACIE_SUPPRESSED)
            .reason(format!(
                "Macie findings filter {} auto-archives matching findings (action=ARCHIVE)",
                name.as_deref().unwrap_or("(unnamed)")
            ))
            .scope(format!(
                "`aws macie2 list-findings-filters --region {r}` and each filter's criteria"
            ))
            .restore(format!(
                "aws macie2 delete-findings-filter --id <filter-id> --region {r}   # filter {}",
                or_placeholder(&name, "<filter>")
            )),
    )
}

fn inspector_disabled(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let r = region(record);
    let detection = Detection::new(&INSPECTOR_DISABLED).scope(format!(
        "`aws inspector2 batch-get-account-status --region {r}` shows what each account still scans"
    ));
    let detection = match &*record.event_name {
        "Disable" => {
            let accounts = params
                .as_ref()
                .map(|p| strings(p, &["accountIds"]))
                .unwrap_or_default();
            let types = params
                .as_ref()
                .map(|p| strings(p, &["resourceTypes"]))
                .unwrap_or_default();
            let t = if types.is_empty() {
                "EC2 ECR LAMBDA".to_owned()
            } else {
                types.join(" ")
            };
            detection
                .reason(format!(
                    "Inspector scanning was disabled ({}) for {}: new vulnerabilities stop being reported",
                    if types.is_empty() { "every resource type".to_owned() } else { types.join(", ") },
                    if accounts.is_empty() { "this account".to_owned() } else { listed(&accounts) }
                ))
                .restore(format!("aws inspector2 enable --resource-types {t} --region {r}"))
        }
        "DisableDelegatedAdminAccount" => {
            let admin = param_of(&params, &["delegatedAdminAccountId"]);
            detection
                .reason(format!(
                    "Inspector delegated administrator {} was removed: the organization's scanning is no longer \
                     managed or gathered in one place",
                    admin.as_deref().unwrap_or("(unnamed)")
                ))
                .restore(format!(
                    "aws inspector2 enable-delegated-admin-account --delegated-admin-account-id {} --region {r}",
                    or_placeholder(&admin, "<admin-account-id>")
                ))
        }
        "DisassociateMember" => {
            let account = param_of(&params, &["accountId"]);
            detection
                .severity(Severity::Medium)
                .reason(format!(
                    "Inspector member {} was disassociated: its findings no longer reach the administrator",
                    account.as_deref().unwrap_or("(unnamed)")
                ))
                .restore(format!(
                    "aws inspector2 associate-member --account-id {} --region {r}",
                    or_placeholder(&account, "<account-id>")
                ))
        }
        _ => {
            let auto = params.as_ref().and_then(|p| p.object("autoEnable"))?;
            let any_on = ["ec2", "ecr", "lambda", "lambdaCode"]
                .iter()
                .any(|k| auto.bool(k) == Some(true));
            if any_on {
                return None;
            }
            detection
                .severity(Severity::Medium)
                .reason("Inspector organization auto-enable was turned off for every resource type: new accounts are not scanned")
                .restore(format!(
                    "aws inspector2 update-organization-configuration --auto-enable ec2=true,ecr=true,lambda=true --region {r}"
                ))
        }
    };
    Some(detection)
}

fn detective_disabled(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let graph = param_of(&params, &["GraphArn", "graphArn"]);
    let g = or_placeholder(&graph, "<graph-arn>");
    let r = region(record);
    let shown = graph.as_deref().unwrap_or("(unnamed)");
    let detection = Detection::new(&DETECTIVE_DISABLED)
        .scope(format!("`aws detective list-graphs --region {r}` and `aws detective list-members --graph-arn {g} --region {r}`"));
    let detection = match &*record.event_name {
        "DeleteGraph" => detection
            .reason(format!(
                "Detective behaviour graph {shown} was deleted with the history it had collected: investigations \
                 lose their timeline"
            ))
            .restore(format!("aws detective create-graph --region {r}   # history before this event is gone")),
        "DisassociateMembership" => detection
            .severity(Severity::Medium)
            .reason(format!("this account left Detective behaviour graph {shown}"))
            .restore(format!(
                "from the administrator: aws detective create-members --graph-arn {g} --accounts AccountId=<account-id>,EmailAddress=<email> --region {r}"
            )),
        _ => {
            let accounts = params.as_ref().map(|p| strings(p, &["AccountIds", "accountIds"])).unwrap_or_default();
            detection
                .severity(Severity::Medium)
                .reason(format!(
                    "account(s) {} were removed from Detective behaviour graph {shown}",
                    listed(&accounts)
                ))
                .restore(format!(
                    "aws detective create-members --graph-arn {g} --accounts AccountId=<account-id>,EmailAddress=<email> --region {r}"
                ))
        }
    };
    Some(detection)
}

fn access_analyzer(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params();
    let analyzer = param_of(&params, &["analyzerName"]);
    let a = or_placeholder(&analyzer, "<analyzer>");
    let r = region(record);
    let shown = analyzer.as_deref().unwrap_or("(unnamed)");
    let detection = Detection::new(&ACCESS_ANALYZER_DISABLED)
        .scope(format!("`aws accessanalyzer list-analyzers --region {r}`"));
    Some(if record.event_name == "DeleteAnalyzer" {
        detection
            .reason(format!(
                "IAM Access Analyzer {shown} was deleted: resources shared outside the account (or unused access) \
                 stop being reported"
            ))
            .restore(format!(
                "aws accessanalyzer create-analyzer --analyzer-name {a} --type ACCOUNT --region {r}"
            ))
    } else {
        let rule = param_of(&params, &["ruleName"]);
        detection
            .confidence(50)
            .reason(format!(
                "archive rule {} on IAM Access Analyzer {shown} archives matching findings as they arrive",
                rule.as_deref().unwrap_or("(unnamed)")
            ))
            .restore(format!(
                "aws accessanalyzer delete-archive-rule --analyzer-name {a} --rule-name {} --region {r}",
                or_placeholder(&rule, "<rule>")
            ))
    })
}
