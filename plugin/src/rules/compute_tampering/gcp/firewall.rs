//! VPC firewall rules and Cloud Armor policies: deny rules that cut agents off from their collectors
//! (or collectors off from their senders), firewall rules deleted, Cloud Armor policies deleted.
//! Compute audit logs record the firewall as requested, with repeated fields named `alloweds` and
//! `denieds`; a patch records only the fields it changes.

use super::{project, target_name};
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::{self, Object};

declare! {
    FIREWALL_DENY_ADDED = {
        id: "gcp.compute.firewall_deny_added",
        title: "VPC firewall rule denies traffic monitoring needs",
        description: "compute.firewalls.insert, patch or update of an enabled deny rule: EGRESS to every destination \
                      (no destinationRanges, 0.0.0.0/0 or a /8 or wider) is high (agents cannot reach Cloud Logging, \
                      Monitoring or any collector); EGRESS to specific ranges is medium (the ranges may be the \
                      collectors'); INGRESS denying every protocol from everywhere is medium (collectors stop receiving). \
                      Allow rules, disabled rules and deny rules for single ports from specific sources are not findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::Gcp {
            methods: &["*.compute.firewalls.insert", "*.compute.firewalls.patch", "*.compute.firewalls.update"],
            check: deny_added,
        },
    };
    FIREWALL_DELETED = {
        id: "gcp.compute.firewall_deleted",
        title: "VPC firewall rule deleted",
        description: "compute.firewalls.delete: reported low, never an alert alone (rules are deleted routinely); \
                      sequences use it when the same principal also switches monitoring off.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Low,
        confidence: 40,
        trigger: Trigger::Gcp {
            methods: &["*.compute.firewalls.delete"],
            check: firewall_deleted,
        },
    };
    ARMOR_POLICY_DELETED = {
        id: "gcp.cloudarmor.policy_deleted",
        title: "Cloud Armor security policy deleted",
        description: "compute.securityPolicies.delete: the WAF and its request logging in front of the backends it \
                      protected are gone. Creating or patching policies is not a finding.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::Gcp {
            methods: &["*.compute.securityPolicies.delete"],
            check: armor_deleted,
        },
    };
}

fn strings(object: &Object<'_>, key: &str) -> Vec<String> {
    object
        .array(key)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| json::raw_str(v).map(|s| s.into_owned()))
        .collect()
}

/// Whether a range covers a large part of the address space (0.0.0.0/0, ::/0, /8 or wider).
fn broad(range: &str) -> bool {
    match range.rsplit_once('/') {
        Some((_, bits)) => bits.parse::<u8>().is_ok_and(|b| b <= 8),
        None => false,
    }
}

/// Whether the denied list covers every protocol.
fn denies_everything(denied: &[Object<'_>]) -> bool {
    denied.iter().any(|d| {
        d.str("IPProtocol")
            .or_else(|| d.str("ipProtocol"))
            .is_some_and(|p| p.eq_ignore_ascii_case("all"))
            && d.array("ports").is_none_or(|p| p.is_empty())
    })
}

fn deny_added(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let request = entry.request()?;
    if request.bool("disabled") == Some(true) {
        return None;
    }
    let denied: Vec<Object<'_>> = request
        .array("denieds")
        .or_else(|| request.array("denied"))?
        .into_iter()
        .filter_map(|d| Object::from_raw(d).ok())
        .collect();
    if denied.is_empty() {
        return None;
    }
    let egress = request
        .str("direction")
        .is_some_and(|d| d.eq_ignore_ascii_case("EGRESS"));
    let name = target_name(entry, "firewalls", &request);
    let p = project(entry);
    let n = sh(&name);
    let everything = denies_everything(&denied);
    let detection = if egress {
        let ranges = strings(&request, "destinationRanges");
        let wide = ranges.is_empty() || ranges.iter().any(|r| broad(r));
        let shown = if ranges.is_empty() {
            "every destination".to_owned()
        } else {
            ranges.join(", ")
        };
        Detection::new(&FIREWALL_DENY_ADDED)
            .severity(if wide { Severity::High } else { Severity::Medium })
            .reason(format!(
                "firewall rule {name} denies egress ({}) to {shown}: agents on the targeted instances {}",
                if everything { "all protocols" } else { "some protocols" },
                if wide {
                    "can no longer reach Cloud Logging, Cloud Monitoring or any collector"
                } else {
                    "can no longer reach these ranges, which may be the collectors'"
                }
            ))
    } else {
        let sources = strings(&request, "sourceRanges");
        let from_everywhere = sources.is_empty() || sources.iter().any(|r| broad(r));
        if !(everything && from_everywhere) {
            return None;
        }
        Detection::new(&FIREWALL_DENY_ADDED)
            .severity(Severity::Medium)
            .confidence(55)
            .reason(format!(
                "firewall rule {name} denies every inbound connection from everywhere: collectors and scrapers on the \
                 targeted instances stop receiving"
            ))
    };
    Some(
        detection
            .scope(format!(
                "`gcloud compute firewall-rules describe {n} --project {p}` shows its targets and priority; the \
                 targets' logs and metrics stop arriving from this event's time"
            ))
            .restore(format!("gcloud compute firewall-rules delete {n} --project {p} --quiet")),
    )
}

fn firewall_deleted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    // Long-running Compute calls log a first entry with the request and a last one without.
    entry.request()?;
    let name = entry
        .resource_segment("firewalls")
        .unwrap_or("(unnamed)")
        .to_owned();
    let p = project(entry);
    Some(
        Detection::new(&FIREWALL_DELETED)
            .reason(format!("firewall rule {name} was deleted"))
            .scope(format!("`gcloud compute firewall-rules list --project {p}` shows the rules left"))
            .restore(format!(
                "gcloud compute firewall-rules create {} --network=<network> --allow=<rules> --project {p}",
                sh(&name)
            )),
    )
}

fn armor_deleted(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    entry.request()?;
    let name = entry
        .resource_segment("securityPolicies")
        .unwrap_or("(unnamed)")
        .to_owned();
    let p = project(entry);
    Some(
        Detection::new(&ARMOR_POLICY_DELETED)
            .reason(format!(
                "Cloud Armor policy {name} was deleted: its WAF rules and their request logging no longer apply"
            ))
            .scope(format!(
                "`gcloud compute backend-services list --project {p} --format='table(name,securityPolicy)'` shows \
                 which backends lost their policy"
            ))
            .restore(format!(
                "gcloud compute security-policies create {} --project {p}, restore its rules, then \
                 gcloud compute backend-services update <backend> --security-policy={} --global --project {p}",
                sh(&name),
                sh(&name)
            )),
    )
}
