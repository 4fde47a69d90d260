//! Cloud Monitoring: alert policies and notification channels deleted or disabled.

use super::{project, raw_segment};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;

declare! {
    ALERTING_DELETED = {
        id: "gcp.monitoring.alerting_deleted",
        title: "Cloud Monitoring alert policy or notification channel deleted or disabled",
        description: "AlertPolicyService.DeleteAlertPolicy, NotificationChannelService.DeleteNotificationChannel, or \
                      UpdateAlertPolicy / UpdateNotificationChannel whose body sets enabled: false: conditions that \
                      used to page someone no longer do. Updates that keep the policy enabled are not findings.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Gcp {
            methods: &[
                "google.monitoring.v3.AlertPolicyService.DeleteAlertPolicy",
                "google.monitoring.v3.AlertPolicyService.UpdateAlertPolicy",
                "google.monitoring.v3.NotificationChannelService.DeleteNotificationChannel",
                "google.monitoring.v3.NotificationChannelService.UpdateNotificationChannel",
            ],
            check: alerting,
        },
    };
}

fn alerting(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let method = &*entry.method_name;
    let channel = method.contains("NotificationChannel");
    let (what, key, body_key) = if channel {
        (
            "notification channel",
            "notificationChannels",
            "notificationChannel",
        )
    } else {
        ("alert policy", "alertPolicies", "alertPolicy")
    };
    let request = entry.request();
    let body = request.as_ref().and_then(|r| r.object(body_key));
    let path = entry
        .resource_name
        .as_deref()
        .map(str::to_owned)
        .or_else(|| {
            request
                .as_ref()
                .and_then(|r| r.str("name"))
                .map(|n| n.into_owned())
        })
        .or_else(|| {
            body.as_ref()
                .and_then(|b| b.str("name"))
                .map(|n| n.into_owned())
        });
    let display = body
        .as_ref()
        .and_then(|b| b.str("displayName"))
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let shown = format!("{}{display}", path.as_deref().unwrap_or("(unnamed)"));
    let deleted = method
        .rsplit('.')
        .next()
        .is_some_and(|m| m.starts_with("Delete"));
    if !deleted && body.as_ref().and_then(|b| b.bool("enabled")) != Some(false) {
        return None;
    }
    let p = project(entry);
    let id = raw_segment(path.as_deref(), key).map_or_else(|| "<id>".to_owned(), sh);
    let (reason, restore) = match (channel, deleted) {
        (false, true) => (
            format!("alert policy {shown} was deleted: its conditions no longer notify anyone"),
            format!(
                "gcloud alpha monitoring policies create --policy-from-file=<exported-policy.json> --project {p}"
            ),
        ),
        (false, false) => (
            format!(
                "alert policy {shown} was disabled (enabled: false): its conditions no longer notify anyone"
            ),
            format!("gcloud alpha monitoring policies update {id} --enabled --project {p}"),
        ),
        (true, true) => (
            format!("notification channel {shown} was deleted: alerts routed to it reach no one"),
            format!(
                "gcloud beta monitoring channels create --channel-content-from-file=<channel.json> --project {p}"
            ),
        ),
        (true, false) => (
            format!("notification channel {shown} was disabled: alerts routed to it reach no one"),
            format!("gcloud beta monitoring channels update {id} --enabled --project {p}"),
        ),
    };
    Some(
        Detection::new(&ALERTING_DELETED)
            .reason(format!("{what} changed: {reason}"))
            .scope(format!(
                "`gcloud alpha monitoring policies list --project {p} --format='table(displayName,enabled)'` and \
                 `gcloud beta monitoring channels list --project {p}` show what alerting is left"
            ))
            .restore(restore),
    )
}
