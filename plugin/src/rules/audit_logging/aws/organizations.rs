//! Family 1 on AWS, Organizations: an account leaving the organization its trail and guardrails come
//! from.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::aws_cloudtrail::Record;

declare! {
    LEAVE_ORGANIZATION = {
        id: "aws.organizations.leave_organization",
        title: "Account left its AWS Organization",
        description: "LeaveOrganization: the organization trail, SCP guardrails and delegated security services stop covering \
                     the account.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::CloudTrail {
            calls: &[("organizations", "LeaveOrganization")],
            check: leave_organization,
        },
    };
}

fn leave_organization(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let account = record.account().unwrap_or("(unknown account)").to_owned();
    Some(
        Detection::new(&LEAVE_ORGANIZATION)
            .reason(format!(
                "account {account} left its AWS Organization: the organization trail, service control \
                 policies and delegated GuardDuty/Security Hub no longer cover it"
            ))
            .scope("from the management account: `aws organizations list-accounts` and the organization trail's last events for this account")
            .restore(format!(
                "from the management account: aws organizations invite-account-to-organization --target Id={},Type=ACCOUNT",
                sh(&account)
            )),
    )
}
