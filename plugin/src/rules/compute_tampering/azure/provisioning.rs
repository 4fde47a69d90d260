//! Defender for Cloud auto-provisioning: new machines no longer get their agent.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::azure_activity::Record;
use crate::sources::json::Object;

declare! {
    AUTO_PROVISIONING_OFF = {
        id: "azure.defender.auto_provisioning_disabled",
        title: "Defender for Cloud agent auto-provisioning switched off",
        description: "MICROSOFT.SECURITY/AUTOPROVISIONINGSETTINGS/WRITE with autoProvision Off: new machines no longer \
                      get their monitoring agent. Switching it on is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 75,
        trigger: Trigger::Azure {
            operations: &["MICROSOFT.SECURITY/AUTOPROVISIONINGSETTINGS/WRITE"],
            check: auto_provisioning,
        },
    };
}

fn auto_provisioning(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let body = record.request_body()?;
    let body = Object::parse(&body).ok()?;
    let setting = body.object("properties")?.str("autoProvision")?;
    if !setting.eq_ignore_ascii_case("off") {
        return None;
    }
    let name = record
        .resource_name()
        .map_or_else(|| "default".to_owned(), sh);
    let sub = record
        .subscription()
        .map_or_else(|| "<subscription-id>".to_owned(), |s| sh(&s));
    Some(
        Detection::new(&AUTO_PROVISIONING_OFF)
            .reason(format!(
                "Defender for Cloud auto-provisioning ({}) was switched off in subscription {}: machines created \
                 from now on get no monitoring agent",
                record.resource_name().unwrap_or("default"),
                record.subscription().as_deref().unwrap_or("(unknown)")
            ))
            .scope(format!(
                "`az security auto-provisioning-setting list --subscription {sub}`; machines created after this \
                 event lack the agent"
            ))
            .restore(format!(
                "az security auto-provisioning-setting update --name {name} --auto-provision on --subscription {sub}"
            )),
    )
}
