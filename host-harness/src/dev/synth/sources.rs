//! One generator per source: recorded benign and attack events (from `testdata/`, with the notes of
//! their `.expected.json`) as templates, and which of their values change per event. AWS VPC flow logs
//! are written field by field: a version-2 line is plain text.

use anyhow::Result;

use super::rng::SplitMix64;
use super::template::{Slot, SlotSpec, Template, TimeFormat, spec};

/// A source's templates. `benign_weights` lets a source be "mostly reads".
pub struct SourceTemplates {
    pub benign: Vec<Template>,
    pub benign_weights: Vec<u32>,
    pub attack: Vec<Template>,
}

fn load(
    benign: &str,
    benign_weights: &[u32],
    attack: &str,
    specs: &[SlotSpec],
    benign_extra: &[SlotSpec],
) -> Result<SourceTemplates> {
    let mut benign_specs = specs.to_vec();
    benign_specs.extend_from_slice(benign_extra);
    let benign: Vec<Template> = benign
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Template::new(l, &benign_specs))
        .collect::<Result<_>>()?;
    let attack = attack
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Template::new(l, specs))
        .collect::<Result<_>>()?;
    let mut weights = benign_weights.to_vec();
    weights.resize(benign.len(), 1);
    Ok(SourceTemplates {
        benign,
        benign_weights: weights,
        attack,
    })
}

/// CloudTrail: the first benign template is a read (`DescribeTrails`, `readOnly: true`) whose call is
/// drawn from a list of reads, and carries 85% of the benign weight; the others are benign writes
/// (trail encryption, flow logs created, retention raised). Attacks: StopLogging, DeleteTrail,
/// DeleteFlowLogs, GuardDuty disabled, the trail's log group deleted.
pub fn cloudtrail() -> Result<SourceTemplates> {
    const SPECS: [SlotSpec; 5] = [
        spec("/eventID", Slot::Uuid),
        spec("/requestID", Slot::Uuid),
        spec("/eventTime", Slot::Time(TimeFormat::Seconds, 0)),
        spec("/sourceIPAddress", Slot::Ip),
        spec("/userAgent", Slot::UserAgent),
    ];
    let mut templates = load(
        include_str!("templates/cloudtrail.benign.ndjson"),
        &[85, 5, 5, 5],
        include_str!("templates/cloudtrail.attack.ndjson"),
        &SPECS,
        &[],
    )?;
    // Only the read's name and service vary: a write template keeps the call it records.
    let read = include_str!("templates/cloudtrail.benign.ndjson")
        .lines()
        .next()
        .unwrap_or_default();
    let mut read_specs = SPECS.to_vec();
    read_specs.push(spec("/eventName", Slot::ReadName));
    read_specs.push(spec("/eventSource", Slot::ReadSource));
    templates.benign[0] = Template::new(read, &read_specs)?;
    Ok(templates)
}

/// Azure Activity (REST shape). Benign: an operation still in flight, Defender raised, auto-provisioning
/// on, a suppression rule off, an alert created. Attacks: diagnostic setting deleted, Defender plan
/// lowered, monitoring agent extension deleted, flow log disabled.
pub fn azure() -> Result<SourceTemplates> {
    load(
        include_str!("templates/azure.benign.ndjson"),
        &[],
        include_str!("templates/azure.attack.ndjson"),
        &[
            spec("/eventDataId", Slot::Uuid),
            spec("/correlationId", Slot::Uuid),
            spec("/operationId", Slot::Uuid),
            spec("/eventTimestamp", Slot::Time(TimeFormat::Ticks, 0)),
            spec("/submissionTimestamp", Slot::Time(TimeFormat::Ticks, 0)),
            spec("/httpRequest/clientIpAddress", Slot::Ip),
        ],
        &[],
    )
}

/// GCP Cloud Audit LogEntry. Benign: sink created, filter widened, retention raised, flow logs
/// enabled. Attacks: sink disabled, sink deleted, exclusion created, bucket deleted, GKE logging off.
pub fn gcp() -> Result<SourceTemplates> {
    load(
        include_str!("templates/gcp.benign.ndjson"),
        &[],
        include_str!("templates/gcp.attack.ndjson"),
        &[
            spec("/insertId", Slot::InsertId),
            spec("/timestamp", Slot::Time(TimeFormat::Nanos, 0)),
            spec("/receiveTimestamp", Slot::Time(TimeFormat::Nanos, 40)),
            spec(
                "/protoPayload/requestMetadata/requestAttributes/time",
                Slot::Time(TimeFormat::Nanos, 0),
            ),
            spec("/protoPayload/requestMetadata/callerIp", Slot::Ip),
        ],
        &[],
    )
}

/// Kubernetes audit events. Benign: list daemonsets (a read), HPA scaling, a Helm upgrade, a
/// non-agent deployment deleted. Attacks: the Falco DaemonSet deleted, an agent scaled to zero, an
/// agent's image swapped, a log-collection exclusion, a NetworkPolicy deleted, a webhook deleted.
pub fn k8s() -> Result<SourceTemplates> {
    load(
        include_str!("templates/k8s.benign.ndjson"),
        &[],
        include_str!("templates/k8s.attack.ndjson"),
        &[
            spec("/auditID", Slot::Uuid),
            spec(
                "/requestReceivedTimestamp",
                Slot::Time(TimeFormat::Micros, 0),
            ),
            spec("/stageTimestamp", Slot::Time(TimeFormat::Micros, 25)),
            spec("/sourceIPs/0", Slot::Ip),
        ],
        &[],
    )
}

/// Docker engine events. Benign: a web container stopped and killed, Falco started, an old-style
/// start, an exec. Attacks: Falco stopped, the Datadog agent killed, the collector disconnected from
/// the monitoring network, Falco's restart policy removed.
pub fn docker() -> Result<SourceTemplates> {
    load(
        include_str!("templates/docker.benign.ndjson"),
        &[],
        include_str!("templates/docker.attack.ndjson"),
        &[
            spec("/timeNano", Slot::Time(TimeFormat::UnixNanos, 0)),
            spec("/time", Slot::Time(TimeFormat::UnixSeconds, 0)),
        ],
        &[],
    )
}

/// One AWS VPC flow log record, default version-2 format
/// (`version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end
/// action log-status`). Flow records carry no control-plane change, so there is no attack variant.
pub fn flow_log_line(rng: &mut SplitMix64, seq: u64, time_ms: i64, out: &mut String) {
    use std::fmt::Write as _;
    const ACCOUNTS: [&str; 2] = ["111122223333", "444455556666"];
    const PORTS: [u16; 6] = [443, 22, 53, 5432, 8080, 3306];
    let start = time_ms.div_euclid(1000);
    let r = rng.next_u64();
    let internal = |x: u64| {
        format!(
            "10.{}.{}.{}",
            (x & 0x3) + 20,
            (x >> 2) & 0xff,
            (x >> 10) % 254 + 1
        )
    };
    let (action, status) = if r.is_multiple_of(17) {
        ("REJECT", "OK")
    } else {
        ("ACCEPT", "OK")
    };
    let packets = 1 + (r >> 20) % 400;
    let _ = write!(
        out,
        "2 {} eni-{:017x} {} {} {} {} {} {} {} {} {} {} {}",
        rng.pick(&ACCOUNTS),
        r.rotate_left(17),
        internal(r >> 3),
        internal(r >> 23),
        32768 + seq % 28000,
        rng.pick(&PORTS),
        if r.is_multiple_of(11) { 17 } else { 6 },
        packets,
        packets * (60 + (r >> 40) % 1400),
        start,
        start + 60,
        action,
        status
    );
}
