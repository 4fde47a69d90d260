//! The findings of the flow-log rules: their reasons, scope and the commands that restore traffic.

use std::net::IpAddr;

use super::*;
use crate::config::Config;
use crate::config::network::NetworkSettings;
use crate::correlation::synthetic::rfc3339;
use crate::enrich::{self, Context};
use crate::model::{EnrichedEvent, Normalized, Outcome, SourceKind};
use crate::rules::network::{COLLECTOR_REJECTED, COLLECTOR_SILENCE};
use crate::rules::{Detection, sh};
use crate::sources::flow_log::{self, Provider};

/// A rejected flow to a collector, kept in owned form when its change has not arrived yet.
#[derive(Debug, Clone)]
pub(super) struct Rejection {
    pub(super) dst: IpAddr,
    pub(super) port: Option<u16>,
    pub(super) protocol: Option<u8>,
    pub(super) provider: Provider,
    pub(super) rule: Option<String>,
    pub(super) collector: usize,
    pub(super) start: i64,
    pub(super) end: i64,
    pub(super) reference: String,
}

impl Rejection {
    /// Whether the flow's window overlaps `[change, change + window]`.
    pub(super) fn follows(&self, change: &Change, window: i64) -> bool {
        self.end >= change.time && self.start <= change.time.saturating_add(window)
    }
}

pub(super) fn rejection_finding(
    rejection: &Rejection,
    account: &str,
    src: IpAddr,
    change: &Change,
    settings: &NetworkSettings,
    config: &Config,
) -> Option<crate::model::Finding> {
    let collector = settings.collectors.get(rejection.collector)?;
    let (dst, port, protocol) = (rejection.dst, rejection.port, rejection.protocol);
    let how = match (rejection.provider, rejection.rule.as_deref()) {
        (Provider::Gcp, Some(rule)) => format!("denied by firewall rule {rule}"),
        (Provider::Gcp, None) => "denied by a firewall rule".to_owned(),
        (Provider::Aws, _) => "rejected (REJECT: a security group or network ACL)".to_owned(),
    };
    let minutes = rejection.start.saturating_sub(change.time) / MINUTE;
    let timing = if rejection.start >= change.time {
        format!("{minutes} min after the change")
    } else {
        "in the flow window the change fell into".to_owned()
    };
    let detection = Detection::new(&COLLECTOR_REJECTED)
        .reason(format!(
            "traffic from {src} to collector {} ({}) was {how}, {timing}",
            collector.name,
            endpoint(dst, port, protocol)
        ))
        .reason(format!("network change: {}", change.describe()))
        .scope(format!(
            "flow logs of account {} for rejected traffic to {} since {}: every host whose \
             telemetry no longer reaches the collector, and what its agent dropped or buffered",
            display_account(account),
            endpoint(dst, port, protocol),
            rfc3339(change.time)
        ));
    let detection = restore(detection, change, dst, port, protocol);
    let related = vec![change.reference(), rejection.reference.clone()];
    judged(detection, change, related, config)
}

/// A finding through the normal path (rule switches, severity overrides, suppressions), judged with
/// the change's fields: who made it, with which tool, in which account.
pub(super) fn judged(
    detection: Detection,
    change: &Change,
    related: Vec<String>,
    config: &Config,
) -> Option<crate::model::Finding> {
    let context = Context {
        fields: &change.fields,
        failure: None,
        root: false,
        scope: Default::default(),
    };
    let mut finding = enrich::finding(detection, &context, config)?;
    finding.related_events = related;
    Some(finding)
}

pub(super) fn silence_event(
    key: &HostKey,
    host: &Host,
    watch: &Watch,
    settings: &NetworkSettings,
    config: &Config,
) -> Option<EnrichedEvent> {
    let (account, src) = key;
    let change = &watch.change;
    let last = host.last_flow.as_ref();
    let collector = last
        .and_then(|l| settings.collectors.get(l.collector))
        .map(|c| c.name.as_str())
        .unwrap_or("a collector");
    let (dst, port, protocol) = last
        .map(|l| (l.dst, l.port, l.protocol))
        .unwrap_or((*src, None, None));
    let gap_minutes = settings.silence_gap / MINUTE;
    let mut detection = Detection::new(&COLLECTOR_SILENCE)
        .reason(format!(
            "{src} sent accepted traffic to collector {collector} ({}) until {}, then none to any \
             collector for {gap_minutes} min after the change",
            endpoint(dst, port, protocol),
            rfc3339(host.last_end.min(change.time))
        ))
        .reason(format!("network change: {}", change.describe()))
        .scope(format!(
            "flow logs of account {} from {src} since {}: when its telemetry stopped reaching \
             {collector}, and which other hosts went quiet after the same change",
            display_account(account),
            rfc3339(change.time)
        ));
    if host.rejected_for == Some(change.time) {
        detection = detection.reason("its traffic to the collector was rejected after the change");
    }
    let detection = restore(detection, change, dst, port, protocol);
    let mut related = vec![change.reference()];
    related.extend(last.map(|l| l.reference(*src)));
    let finding = judged(detection, change, related, config)?;
    let who = last.and_then(|l| l.who.as_deref());
    Some(EnrichedEvent {
        source: SourceKind::FlowLog,
        envelope_index: 0,
        raw: None,
        fields: Normalized {
            event_time: Some(watch.deadline),
            event_id: Some(format!(
                "blindspot:network_silence:{}:{src}:{}",
                display_account(account),
                change.time / 1_000_000
            )),
            provider: Some(host.provider.as_str().to_owned()),
            account: Some(account.to_string()).filter(|a| !a.is_empty()),
            region: None,
            // Who made the change: the row groups with that principal's other findings.
            principal: change.fields.principal.clone(),
            principal_type: change.fields.principal_type.clone(),
            source_ip: Some(src.to_string()),
            user_agent: None,
            action: Some("blindspot.network_silence".to_owned()),
            target: Some(format!(
                "{src}{} → {collector} ({})",
                who.map(|w| format!(" ({w})")).unwrap_or_default(),
                endpoint(dst, port, protocol)
            )),
            outcome: Outcome::Unknown,
        },
        findings: vec![finding],
        shape_note: None,
    })
}

/// The commands that let the telemetry through again, for the kind of change that blocked it.
pub(super) fn restore(
    detection: Detection,
    change: &Change,
    dst: IpAddr,
    port: Option<u16>,
    protocol: Option<u8>,
) -> Detection {
    let action = change.fields.action.as_deref().unwrap_or_default();
    let target = change.fields.target.as_deref().unwrap_or_default();
    let account = change.fields.account.as_deref().unwrap_or_default();
    let proto = flow_log::protocol_name(protocol);
    let port_text = port.map(|p| p.to_string()).unwrap_or_else(|| "-1".into());
    let cidr = match dst {
        IpAddr::V4(_) => format!("{dst}/32"),
        IpAddr::V6(_) => format!("{dst}/128"),
    };
    let provider = change.fields.provider.as_deref().unwrap_or_default();
    let id_in = |prefix: &str| {
        target
            .split(['/', ':', ' ', ','])
            .find(|part| part.starts_with(prefix))
            .map(str::to_owned)
    };
    match provider {
        "aws" if action.contains("NetworkAcl") => {
            let acl = id_in("acl-").unwrap_or_else(|| "<network-acl-id>".into());
            detection
                .restore(format!(
                    "aws ec2 describe-network-acls --network-acl-ids {}  # find the entry that denies {cidr} port {port_text}",
                    sh(&acl)
                ))
                .restore(format!(
                    "aws ec2 replace-network-acl-entry --network-acl-id {} --egress --rule-number <n> \
                     --protocol {proto} --port-range From={port_text},To={port_text} --cidr-block {cidr} \
                     --rule-action allow",
                    sh(&acl)
                ))
        }
        "aws" => {
            let group = id_in("sg-").unwrap_or_else(|| "<security-group-id>".into());
            detection.restore(format!(
                "aws ec2 authorize-security-group-egress --group-id {} --ip-permissions \
                 'IpProtocol={proto},FromPort={port_text},ToPort={port_text},IpRanges=[{{CidrIp={cidr},Description=telemetry}}]'",
                sh(&group)
            ))
        }
        "gcp" => {
            let rule = target.rsplit('/').next().filter(|r| !r.is_empty());
            let mut detection = detection;
            if let Some(rule) = rule {
                detection = detection.restore(format!(
                    "gcloud compute firewall-rules describe {} --project {}  # review or delete the rule that blocks it",
                    sh(rule),
                    sh(account)
                ));
            }
            detection.restore(format!(
                "gcloud compute firewall-rules create allow-telemetry-egress --project {} --direction EGRESS \
                 --action ALLOW --rules {proto}:{port_text} --destination-ranges {cidr} --priority 100",
                sh(account)
            ))
        }
        "azure" => detection.restore(format!(
            "az network nsg rule create --ids {}  # or recreate the deleted rule: allow {proto} {port_text} to {cidr}, \
             or inspect with az network nsg rule list",
            sh(target)
        )),
        _ => detection.restore(format!(
            "kubectl get networkpolicy -A -o yaml  # restore the policy {} from version control so egress \
             to {cidr} port {port_text} is allowed",
            sh(target)
        )),
    }
}

/// RFC 1918, shared address space (100.64.0.0/10) and IPv6 unique-local addresses: where agents live.
pub(super) fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private() || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

pub(super) fn endpoint(dst: IpAddr, port: Option<u16>, protocol: Option<u8>) -> String {
    match (dst, port) {
        (IpAddr::V4(ip), Some(p)) => format!("{ip}:{p}/{}", flow_log::protocol_name(protocol)),
        (IpAddr::V6(ip), Some(p)) => format!("[{ip}]:{p}/{}", flow_log::protocol_name(protocol)),
        (ip, None) => ip.to_string(),
    }
}

pub(super) fn display_account(account: &str) -> &str {
    if account.is_empty() {
        "(unknown)"
    } else {
        account
    }
}
