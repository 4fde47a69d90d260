//! Microsoft Defender for Cloud: plans lowered to Free, alert suppression rules, security contacts,
//! continuous export and product integrations switched off.

use super::{name_or, resource_group, shown, subscription, with_properties};
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
    CONTACT_REMOVED = {
        id: "azure.defender.security_contact_removed",
        title: "Defender for Cloud security contact removed or silenced",
        description: "MICROSOFT.SECURITY/SECURITYCONTACTS/DELETE, or SECURITYCONTACTS/WRITE with alert notifications off \
                      (alertNotifications Off, or state Off): Defender alerts stop being e-mailed to the security team. \
                      Adding contacts or turning notifications on is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.SECURITY/SECURITYCONTACTS/DELETE",
                "MICROSOFT.SECURITY/SECURITYCONTACTS/WRITE",
            ],
            check: contact_removed,
        },
    };
    EXPORT_REMOVED = {
        id: "azure.defender.export_removed",
        title: "Defender for Cloud continuous export or workspace setting removed",
        description: "MICROSOFT.SECURITY/AUTOMATIONS/DELETE or AUTOMATIONS/WRITE with isEnabled false (continuous export \
                      of alerts and recommendations to Event Hubs or Log Analytics: high), or \
                      MICROSOFT.SECURITY/WORKSPACESETTINGS/DELETE (medium: Defender data falls back to the default \
                      workspace). Enabled automations are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Azure {
            operations: &[
                "MICROSOFT.SECURITY/AUTOMATIONS/DELETE",
                "MICROSOFT.SECURITY/AUTOMATIONS/WRITE",
                "MICROSOFT.SECURITY/WORKSPACESETTINGS/DELETE",
            ],
            check: export_removed,
        },
    };
    INTEGRATION_DISABLED = {
        id: "azure.defender.integration_disabled",
        title: "Defender for Cloud integration switched off",
        description: "MICROSOFT.SECURITY/SETTINGS/WRITE turning an integration off: WDATP (Defender for Endpoint \
                      onboarding and its alerts: high), MCAS, Sentinel (bi-directional alert sync) or \
                      WDATP_UNIFIED_SOLUTION with enabled false, or WDATP_EXCLUDE_LINUX_PUBLIC_PREVIEW with enabled \
                      true (Linux machines left out). Turning integrations on is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 75,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.SECURITY/SETTINGS/WRITE"],
            check: integration_disabled,
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

fn contact_removed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let deleted = record.operation.ends_with("/DELETE");
    if !deleted {
        let off = with_properties(record, |p| {
            let raw = p.raw("alertNotifications")?;
            let state = json::raw_str(raw).map(|s| s.into_owned()).or_else(|| {
                Object::from_raw(raw)
                    .ok()?
                    .str("state")
                    .map(|s| s.into_owned())
            })?;
            Some(state.eq_ignore_ascii_case("off"))
        });
        if off != Some(true) {
            return None;
        }
    }
    let name = name_or(record, "default");
    let sub = subscription(record);
    Some(
        Detection::new(&CONTACT_REMOVED)
            .reason(format!(
                "Defender for Cloud security contact {} was {}: alert e-mails stop reaching the security team",
                shown(record.resource_name()),
                if deleted { "deleted" } else { "written with alert notifications off" }
            ))
            .scope(format!("`az security contact list --subscription {sub}` shows who is still notified"))
            .restore(format!(
                "az security contact create --name {name} --email <soc-address> --alert-notifications on \
                 --alerts-admins on --subscription {sub}"
            )),
    )
}

fn export_removed(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let op = record.operation.as_str();
    let sub = subscription(record);
    let rg = resource_group(record);
    let name = name_or(record, "<automation>");
    if op.contains("WORKSPACESETTINGS") {
        return Some(
            Detection::new(&EXPORT_REMOVED)
                .severity(Severity::Medium)
                .reason(format!(
                    "Defender for Cloud workspace setting {} was deleted: its security data no longer goes to the chosen \
                     Log Analytics workspace",
                    shown(record.resource_name())
                ))
                .scope(format!("`az security workspace-setting list --subscription {sub}`"))
                .restore(format!(
                    "az security workspace-setting create --name default --target-workspace <workspace-resource-id> \
                     --subscription {sub}"
                )),
        );
    }
    let deleted = op.ends_with("/DELETE");
    if !deleted && with_properties(record, |p| p.bool("isEnabled")) != Some(false) {
        return None;
    }
    Some(
        Detection::new(&EXPORT_REMOVED)
            .reason(format!(
                "Defender for Cloud continuous export {} was {}: alerts and recommendations stop flowing to the SIEM's \
                 Event Hub or workspace",
                shown(record.resource_name()),
                if deleted { "deleted" } else { "disabled (isEnabled: false)" }
            ))
            .scope(format!("`az security automation list --subscription {sub}` shows the exports left"))
            .restore(format!(
                "az security automation create --name {name} --resource-group {rg} --scopes <scope> --sources <sources> \
                 --actions <event-hub-or-workspace-action> --subscription {sub} (or re-enable it: --isEnabled true)"
            )),
    )
}

fn integration_disabled(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let setting = record.resource_name()?;
    let enabled = with_properties(record, |p| p.bool("enabled"))?;
    let upper = setting.to_ascii_uppercase();
    // The exclusion switch works the other way round: enabled means machines are left out.
    let off = if upper.contains("EXCLUDE") {
        enabled
    } else {
        !enabled
    };
    if !off {
        return None;
    }
    let sub = subscription(record);
    let what = match upper.as_str() {
        "WDATP" | "WDATP_UNIFIED_SOLUTION" => "Defender for Endpoint onboarding and its alerts",
        "MCAS" => "Defender for Cloud Apps data sharing",
        "SENTINEL" => "alert synchronisation with Microsoft Sentinel",
        _ if upper.contains("EXCLUDE") => "Defender for Endpoint on Linux machines",
        _ => "an integration",
    };
    let wanted = if upper.contains("EXCLUDE") {
        "false"
    } else {
        "true"
    };
    Some(
        Detection::new(&INTEGRATION_DISABLED)
            .severity(if upper.starts_with("WDATP") {
                Severity::High
            } else {
                Severity::Medium
            })
            .reason(format!(
                "Defender for Cloud setting {setting} switched off {what} in subscription {}",
                shown(record.subscription().as_deref())
            ))
            .scope(format!(
                "`az security setting list --subscription {sub}` shows every integration's state"
            ))
            .restore(format!(
                "az security setting update --name {} --enabled {wanted} --subscription {sub}",
                sh(setting)
            )),
    )
}
