//! From enriched events to records: severities, confidences, ATT&CK names, cloud and actor objects,
//! and the stable finding uid.

use std::hash::Hasher;
use std::net::IpAddr;

use blindspot_plugin::model::{EnrichedEvent, Finding, Severity, SourceKind};

use super::record::*;
use super::{ACTIVITY_CREATE, CLASS_UID, OCSF_VERSION};
use crate::output::Row;

/// OCSF `severity_id` and its caption.
fn severity(severity: Severity) -> (u32, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// OCSF `confidence_id` from a 0-100 score: the thirds OCSF's Low / Medium / High name.
fn confidence(score: u8) -> (u32, &'static str) {
    match score {
        0..=39 => (1, "Low"),
        40..=69 => (2, "Medium"),
        _ => (3, "High"),
    }
}

/// `cloud.provider` for the sources that run in one cloud; Kubernetes and Docker can run anywhere, so
/// their records carry no `cloud` object unless the event names an account.
fn cloud_provider(source: SourceKind) -> Option<&'static str> {
    match source {
        SourceKind::AwsCloudtrail => Some("AWS"),
        SourceKind::AzureActivity => Some("Azure"),
        SourceKind::GcpAudit => Some("GCP"),
        _ => None,
    }
}

const TACTICS: [(&str, &str); 14] = [
    ("Reconnaissance", "TA0043"),
    ("Resource Development", "TA0042"),
    ("Initial Access", "TA0001"),
    ("Execution", "TA0002"),
    ("Persistence", "TA0003"),
    ("Privilege Escalation", "TA0004"),
    ("Defense Evasion", "TA0005"),
    ("Credential Access", "TA0006"),
    ("Discovery", "TA0007"),
    ("Lateral Movement", "TA0008"),
    ("Collection", "TA0009"),
    ("Command and Control", "TA0011"),
    ("Exfiltration", "TA0010"),
    ("Impact", "TA0040"),
];

/// The rules write tactics as `Defense Evasion (TA0005)`; a bare name is looked up.
fn tactic(text: &str) -> Named {
    if let Some((name, rest)) = text.rsplit_once(" (")
        && let Some(uid) = rest.strip_suffix(')')
    {
        return Named {
            uid: uid.to_string(),
            name: name.to_string(),
        };
    }
    let uid = TACTICS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map_or("", |(_, uid)| uid);
    Named {
        uid: uid.to_string(),
        name: text.to_string(),
    }
}

/// ATT&CK names a sub-technique `Parent: Sub` under id `T1234.001`; OCSF wants both halves.
fn attack(technique_id: &str, technique_name: &str, tactic_text: &str) -> Attack {
    let tactic = tactic(tactic_text);
    match technique_id.split_once('.') {
        Some((parent, _)) => {
            let (parent_name, sub_name) = technique_name
                .split_once(": ")
                .unwrap_or(("", technique_name));
            Attack {
                tactic,
                technique: Named {
                    uid: parent.to_string(),
                    name: parent_name.to_string(),
                },
                sub_technique: Some(Named {
                    uid: technique_id.to_string(),
                    name: sub_name.to_string(),
                }),
            }
        }
        None => Attack {
            tactic,
            technique: Named {
                uid: technique_id.to_string(),
                name: technique_name.to_string(),
            },
            sub_technique: None,
        },
    }
}

/// A finding's uid from what identifies the event (its source, own id, time, text and position in its
/// envelope) and the rule. Not the input path: the same event replayed from another directory is the
/// same finding, and a lake deduplicates on this uid.
fn finding_uid(event: &EnrichedEvent, raw: Option<&str>, finding: &Finding) -> String {
    let f = &event.fields;
    let time = f.event_time.unwrap_or(i64::MIN).to_le_bytes();
    let record = event.envelope_index.to_le_bytes();
    let related = finding.related_events.join("\n");
    // FNV-1a (64 bits): stable across builds and platforms, unlike std's hashers; not a security
    // boundary. Each part ends in 0xff, a byte UTF-8 text never holds, so parts cannot run together.
    let mut hasher = fnv::FnvHasher::default();
    for part in [
        event.source.as_str().as_bytes(),
        f.event_id.as_deref().unwrap_or("").as_bytes(),
        &time,
        raw.unwrap_or("").as_bytes(),
        &record,
        finding.rule_id.as_bytes(),
        related.as_bytes(),
    ] {
        hasher.write(part);
        hasher.write(&[0xff]);
    }
    let hash = hasher.finish();
    format!("blindspot-{hash:016x}")
}

fn rfc3339_millis(micros: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// The OCSF records of one row: one per finding, none for error rows or events without findings.
pub fn records(row: &Row) -> Vec<DetectionFinding> {
    let Some(event) = &row.event else {
        return Vec::new();
    };
    let raw = row.raw.as_deref().or(event.raw.as_deref());
    event
        .findings
        .iter()
        .map(|finding| record(row, event, raw, finding))
        .collect()
}

fn record(
    row: &Row,
    event: &EnrichedEvent,
    raw: Option<&str>,
    finding: &Finding,
) -> DetectionFinding {
    let f = &event.fields;
    let (severity_id, severity_name) = severity(finding.severity);
    let (confidence_id, confidence_name) = confidence(finding.confidence);
    let suppressed = finding.suppression.is_some();
    let attack = attack(
        &finding.technique_id,
        &finding.technique_name,
        &finding.tactic,
    );
    // The newer ATT&CK release's id for the same behaviour, as a second entry: readers on either
    // release find the finding.
    let newer = finding
        .technique_newer
        .as_ref()
        .map(|t| self::attack(&t.id, &t.name, &t.tactic));
    let types = vec![
        format!("TTPs/{}", attack.tactic.name),
        format!("TTPs/{}/{}", attack.tactic.name, finding.technique_id),
    ];
    let cloud = cloud_provider(event.source).map(|provider| Cloud {
        provider,
        account: f.account.clone().map(|uid| Account { uid }),
        region: f.region.clone(),
    });
    let src_endpoint = f.source_ip.as_deref().map(|ip| match ip.parse::<IpAddr>() {
        Ok(_) => Endpoint {
            ip: Some(ip.to_string()),
            domain: None,
        },
        Err(_) => Endpoint {
            ip: None,
            domain: Some(ip.to_string()),
        },
    });
    let evidence = Evidence {
        actor: f.principal.clone().map(|name| Actor {
            user: User {
                name,
                kind: f.principal_type.clone(),
            },
        }),
        api: f.action.clone().map(|operation| {
            // `cloudtrail:StopLogging` names its service; other sources' actions fall back to the platform.
            let service = operation
                .split_once(':')
                .map(|(service, _)| service.to_string())
                .or_else(|| f.provider.clone());
            Api {
                operation,
                service: service.map(|name| Service { name }),
            }
        }),
        src_endpoint,
        http_request: f
            .user_agent
            .clone()
            .map(|user_agent| HttpRequest { user_agent }),
    };
    let evidences =
        if evidence.actor.is_some() || evidence.api.is_some() || evidence.src_endpoint.is_some() {
            vec![evidence]
        } else {
            Vec::new()
        };
    let resources = f
        .target
        .iter()
        .map(|target| Resource {
            uid: target.clone(),
            name: target.clone(),
            region: f.region.clone(),
        })
        .collect();
    let message = match &f.target {
        Some(target) => format!("{} ({target})", finding.title),
        None => finding.title.clone(),
    };
    DetectionFinding {
        activity_id: ACTIVITY_CREATE,
        activity_name: "Create",
        category_uid: 2,
        category_name: "Findings",
        class_uid: CLASS_UID,
        class_name: "Detection Finding",
        type_uid: u64::from(CLASS_UID) * 100 + u64::from(ACTIVITY_CREATE),
        type_name: "Detection Finding: Create",
        severity_id,
        severity: severity_name,
        confidence_id,
        confidence: confidence_name,
        confidence_score: u32::from(finding.confidence),
        status_id: if suppressed { 3 } else { 1 },
        status: if suppressed { "Suppressed" } else { "New" },
        status_detail: finding.suppression.clone(),
        is_alert: !suppressed && finding.severity >= Severity::Medium,
        time: f.event_time.map(|us| us.div_euclid(1000)),
        time_dt: f.event_time.and_then(rfc3339_millis),
        message,
        metadata: Metadata {
            version: OCSF_VERSION,
            product: Product {
                name: "blindspot",
                vendor_name: "blindspot",
                version: env!("CARGO_PKG_VERSION"),
            },
            profiles: if cloud.is_some() {
                vec!["cloud", "datetime"]
            } else {
                vec!["datetime"]
            },
            log_name: event.source.as_str(),
            log_provider: f.provider.clone(),
            event_code: f.action.clone(),
            original_event_uid: f.event_id.clone(),
        },
        cloud,
        finding_info: FindingInfo {
            uid: finding_uid(event, raw, finding),
            title: finding.title.clone(),
            desc: finding.reasons.join("; "),
            types,
            analytic: Analytic {
                uid: finding.rule_id.clone(),
                name: finding.rule_id.clone(),
                type_id: 1,
                kind: "Rule",
            },
            attacks: std::iter::once(attack).chain(newer).collect(),
            related_events: finding
                .related_events
                .iter()
                .map(|uid| RelatedEvent { uid: uid.clone() })
                .collect(),
            data_sources: vec![event.source.as_str()],
        },
        resources,
        evidences,
        remediation: Remediation {
            desc: finding.response.join("\n"),
        },
        raw_data: raw.map(str::to_string),
        unmapped: Unmapped {
            input_file: row.input_file.to_string(),
            input_line: row.input_line,
            input_record: row.input_record,
            source: event.source.as_str(),
            event_id: f.event_id.clone(),
            outcome: f.outcome.as_str(),
            target: f.target.clone(),
            reasons: finding.reasons.clone(),
            remediation_steps: finding.response.clone(),
        },
    }
}
