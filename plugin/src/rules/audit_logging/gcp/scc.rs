//! Security Command Center: findings muted, notification configs (the SIEM feed) deleted, detection
//! services or modules disabled.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;

declare! {
    FINDINGS_MUTED = {
        id: "gcp.scc.findings_muted",
        title: "Security Command Center findings muted",
        description: "SecurityCenter CreateMuteConfig / UpdateMuteConfig (v1 or v2: every matching finding, present and \
                      future, is hidden; high with an empty filter), BulkMute (high) or SetMute with mute MUTED \
                      (medium: one finding). Unmuting is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Gcp {
            methods: &[
                "google.cloud.securitycenter.*.SecurityCenter.CreateMuteConfig",
                "google.cloud.securitycenter.*.SecurityCenter.UpdateMuteConfig",
                "google.cloud.securitycenter.*.SecurityCenter.BulkMute",
                "google.cloud.securitycenter.*.SecurityCenter.SetMute",
            ],
            check: muted,
        },
    };
    NOTIFICATIONS_DELETED = {
        id: "gcp.scc.notification_config_deleted",
        title: "Security Command Center notification config deleted",
        description: "SecurityCenter DeleteNotificationConfig: findings stop being published to the Pub/Sub topic the \
                      SIEM or responders read. Creating or updating notification configs is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Gcp {
            methods: &["google.cloud.securitycenter.*.SecurityCenter.DeleteNotificationConfig"],
            check: notifications_deleted,
        },
    };
    DETECTION_DISABLED = {
        id: "gcp.scc.detection_disabled",
        title: "Security Command Center detection service or module disabled",
        description: "An SCC settings update (UpdateSecurityCenterService, Update…ThreatDetectionSettings, \
                      UpdateSecurityHealthAnalyticsSettings, UpdateComponentSettings…) or custom-module update whose \
                      request sets a service's enablement state DISABLED (high) or a module's DISABLED (medium). \
                      Enabling is not a finding.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::Gcp {
            methods: &[
                "google.cloud.securitycenter*.Update*Settings",
                "google.cloud.securitycenter*.UpdateSecurityCenterService",
                "google.cloud.securitycenter*.Update*CustomModule",
            ],
            check: detection_disabled,
        },
    };
}

fn parent_of(entry: &Entry<'_>) -> (String, String) {
    let name = entry
        .resource_name
        .as_deref()
        .map(str::to_owned)
        .or_else(|| {
            entry
                .request()
                .and_then(|r| r.str("parent").or_else(|| r.str("name")))
                .map(|p| p.into_owned())
        })
        .unwrap_or_default();
    let flag = match name.split('/').collect::<Vec<_>>().as_slice() {
        ["organizations", id, ..] => format!("--organization={}", sh(id)),
        ["folders", id, ..] => format!("--folder={}", sh(id)),
        ["projects", id, ..] => format!("--project={}", sh(id)),
        _ => "--organization=<org-id>".to_owned(),
    };
    (name, flag)
}

fn muted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let method = &*entry.method_name;
    let call = method.rsplit('.').next().unwrap_or(method);
    let request = entry.request();
    let (name, flag) = parent_of(entry);
    let mut detection = Detection::new(&FINDINGS_MUTED);
    match call {
        "SetMute" => {
            let mute = request.as_ref().and_then(|r| r.str("mute"));
            if mute.as_deref() != Some("MUTED") {
                return None;
            }
            detection = detection.reason(format!(
                "finding {name} was muted: it drops out of the default findings view and of notifications"
            ));
            detection = detection.restore(format!(
                "gcloud scc findings set-mute {} --mute=UNMUTED",
                sh(&name)
            ));
        }
        _ => {
            let config = request.as_ref().and_then(|r| r.object("muteConfig"));
            let filter = config
                .as_ref()
                .and_then(|c| c.str("filter"))
                .or_else(|| request.as_ref().and_then(|r| r.str("filter")))
                .map(|f| f.into_owned())
                .unwrap_or_default();
            let broad = filter.trim().is_empty() || call == "BulkMute";
            if broad {
                detection = detection.severity(Severity::High);
            }
            detection = detection
                .reason(format!(
                    "{call} on {name}: findings matching {} are muted{}",
                    if filter.is_empty() { "(no filter: every finding)".to_owned() } else { filter.clone() },
                    if call == "BulkMute" { "" } else { ", including every future one" }
                ))
                .restore(format!(
                    "gcloud scc muteconfigs delete <mute-config-id> {flag} (and `gcloud scc findings set-mute \
                     <finding> --mute=UNMUTED` for findings already muted)"
                ));
        }
    }
    Some(detection.scope(format!(
        "`gcloud scc muteconfigs list {flag}` and `gcloud scc findings list {} --filter='mute=\"MUTED\"'` show \
         what is hidden",
        sh(name.split('/').take(2).collect::<Vec<_>>().join("/").as_str())
    )))
}

fn notifications_deleted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let (name, flag) = parent_of(entry);
    let id = name.rsplit('/').next().unwrap_or("<config>");
    Some(
        Detection::new(&NOTIFICATIONS_DELETED)
            .reason(format!(
                "SCC notification config {name} was deleted: new findings are no longer published to its Pub/Sub topic"
            ))
            .scope(format!("`gcloud scc notifications list {flag}` shows the feeds left"))
            .restore(format!(
                "gcloud scc notifications create {} {flag} --pubsub-topic=<siem-topic> --filter=<previous-filter>",
                sh(id)
            )),
    )
}

fn detection_disabled(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    // Enablement states sit at different depths per API version; the compact request text says it.
    let text: String = entry_request_text(entry)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let service_off = [
        "serviceEnablementState\":\"DISABLED",
        "intendedEnablementState\":\"DISABLED",
        "\"state\":\"DISABLE\"",
    ]
    .iter()
    .any(|needle| text.contains(needle));
    let module_off = text.contains("moduleEnablementState\":\"DISABLED")
        || text.contains("enablementState\":\"DISABLED");
    if !service_off && !module_off {
        return None;
    }
    let (name, flag) = parent_of(entry);
    let call = entry
        .method_name
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_owned();
    Some(
        Detection::new(&DETECTION_DISABLED)
            .severity(if service_off { Severity::High } else { Severity::Medium })
            .reason(format!(
                "{call} on {name} disabled {}: its findings stop being produced",
                if service_off { "a Security Command Center service" } else { "a detection module" }
            ))
            .scope(format!(
                "`gcloud scc manage services list {flag}` shows which services and modules are enabled"
            ))
            .restore(format!(
                "gcloud scc manage services update <service> {flag} --enablement-state=ENABLED"
            )),
    )
}

fn entry_request_text(entry: &Entry<'_>) -> Option<String> {
    let request = entry.request()?;
    let mut text = String::new();
    for key in request.keys() {
        if let Some(raw) = request.raw(key) {
            text.push('"');
            text.push_str(key);
            text.push_str("\":");
            text.push_str(raw.get());
            text.push(',');
        }
    }
    Some(text)
}
