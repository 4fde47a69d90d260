//! Microsoft Defender for Cloud: plans lowered to Free and alert suppression rules.

use super::{name_or, shown, subscription};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::{self, Object};

declare! {
    DEFENDER_PLAN_LOWERED = {
        id: "azure.defender.plan_lowered",
        title: "Microsoft Defender for Cloud plan lowered to Free",
        description: "MICROSOFT.SECURITY/PRICINGS/WRITE with pricingTier Free: the plan's threat detection (servers, \
                      storage, Kubernetes, …) stops. Setting Standard is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.SECURITY/PRICINGS/WRITE"],
            check: pricing,
        },
    };
    ALERT_SUPPRESSION_CREATED = {
        id: "azure.defender.alert_suppression_rule_created",
        title: "Defender for Cloud alert suppression rule created",
        description: "MICROSOFT.SECURITY/ALERTSSUPPRESSIONRULES/WRITE with an enabled rule: matching alerts are dismissed \
                      before anyone sees them; high when it suppresses every alert type. Disabled rules are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.SECURITY/ALERTSSUPPRESSIONRULES/WRITE"],
            check: suppression_rule,
        },
    };
}

fn pricing(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let body = record.request_body()?;
    let body = Object::parse(&body).ok()?;
    let tier = body.object("properties")?.str("pricingTier")?;
    if !tier.eq_ignore_ascii_case("free") {
        return None;
    }
    let plan = name_or(record, "<plan>");
    let sub = subscription(record);
    Some(
        Detection::new(&DEFENDER_PLAN_LOWERED)
            .reason(format!(
                "Defender for Cloud plan {} was set to the Free tier: its threat detection stopped for the \
                 whole subscription",
                shown(record.resource_name())
            ))
            .scope(format!(
                "`az security pricing list --subscription {sub}` shows every plan's tier now; Defender alerts \
                 for this plan stop at this event's time"
            ))
            .restore(format!(
                "az security pricing create --name {plan} --tier standard --subscription {sub}"
            )),
    )
}

fn suppression_rule(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let body = record.request_body();
    let body = body.as_deref().and_then(|b| Object::parse(b).ok());
    let properties = body.as_ref().and_then(|b| b.object("properties"));
    let state = properties.as_ref().and_then(|p| p.str("state"));
    if state
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("disabled"))
    {
        return None;
    }
    let alert_type = properties.as_ref().and_then(|p| p.str("alertType"));
    let every_alert = alert_type.as_deref() == Some("*");
    let scoped = properties
        .as_ref()
        .and_then(|p| p.raw("suppressionAlertsScope"))
        .is_some_and(|s| !json::is_null(s));
    let raw_sub = record
        .subscription()
        .unwrap_or_else(|| "<subscription-id>".to_owned());
    let rules_url = format!(
        "https://management.azure.com/subscriptions/{raw_sub}/providers/Microsoft.Security/alertsSuppressionRules"
    );
    let api = "api-version=2019-01-01-preview";
    let list_url = sh(&format!("{rules_url}?{api}"));
    let rule_url = sh(&format!(
        "{rules_url}/{}?{api}",
        record.resource_name().unwrap_or("<rule>")
    ));
    let sub = subscription(record);
    Some(
        Detection::new(&ALERT_SUPPRESSION_CREATED)
            .severity(if every_alert && !scoped {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "alert suppression rule {} dismisses {}{} as soon as they are raised",
                shown(record.resource_name()),
                match alert_type.as_deref() {
                    Some("*") => "every Defender for Cloud alert type".to_owned(),
                    Some(t) => format!("Defender for Cloud alerts of type {t}"),
                    None => "Defender for Cloud alerts".to_owned(),
                },
                if scoped { " (within its scope)" } else { "" }
            ))
            .scope(format!(
                "`az rest --method get --url {list_url}` lists the rules; dismissed alerts stay listed in \
                 `az security alert list --subscription {sub}`"
            ))
            .restore(format!("az rest --method delete --url {rule_url}")),
    )
}
