//! Cloud DNS: server policies whose query logging is switched off, or deleted.

use super::project;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;

declare! {
    DNS_LOGGING_DISABLED = {
        id: "gcp.dns.logging_disabled",
        title: "Cloud DNS query logging switched off",
        description: "dns.policies.patch or dns.policies.update whose policy sets enableLogging: false (high: the VPC \
                      networks under the policy stop logging DNS queries), or dns.policies.delete (medium: the \
                      policy's logging, forwarding and inbound settings go with it). Enabling logging is not a finding.",
        attack: &attack::CLOUD_LOGS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Gcp {
            methods: &["*dns.policies.patch", "*dns.policies.update", "*dns.policies.delete"],
            check: dns_policy,
        },
    };
}

fn dns_policy(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let request = entry.request();
    // The policy body is `policy` (or `policyResource` when `policy` holds the name, as in REST).
    let body = request
        .as_ref()
        .and_then(|r| r.object("policy").or_else(|| r.object("policyResource")));
    let name = entry
        .resource_name
        .as_deref()
        .and_then(|r| r.rsplit('/').next())
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            request
                .as_ref()
                .and_then(|r| r.str("policy"))
                .map(|n| n.into_owned())
        })
        .or_else(|| {
            body.as_ref()
                .and_then(|b| b.str("name"))
                .map(|n| n.into_owned())
        });
    let shown = name.as_deref().unwrap_or("(unnamed)");
    let p = project(entry);
    let n = name.as_deref().map_or_else(|| "<policy>".to_owned(), sh);
    let detection = if entry.method_name.to_ascii_lowercase().ends_with(".delete") {
        Detection::new(&DNS_LOGGING_DISABLED)
            .severity(Severity::Medium)
            .confidence(55)
            .reason(format!(
                "Cloud DNS policy {shown} was deleted: if it logged queries, the networks it covered no longer do"
            ))
            .restore(format!(
                "gcloud dns policies create {n} --networks=<networks> --enable-logging --description=restored --project {p}"
            ))
    } else {
        if body.as_ref().and_then(|b| b.bool("enableLogging")) != Some(false) {
            return None;
        }
        Detection::new(&DNS_LOGGING_DISABLED)
            .reason(format!(
                "Cloud DNS policy {shown} now has enableLogging: false: DNS queries of its networks are no longer logged"
            ))
            .restore(format!("gcloud dns policies update {n} --enable-logging --project {p}"))
    };
    Some(detection.scope(format!(
        "`gcloud dns policies list --project {p} --format='table(name,enableLogging,networks)'` shows which \
         networks still log queries"
    )))
}
