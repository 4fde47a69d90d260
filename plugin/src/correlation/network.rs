//! Family 4, telemetry starved on the network: joins network changes (security groups, NACLs, network
//! interfaces, GCP firewall rules, Azure NSG rules, Kubernetes network policies) with flow records of
//! traffic toward telemetry collectors.
//!
//! - **Rejected after a change** (`network.collector_rejected_after_change`): a flow to a collector
//!   that the network refused (AWS `REJECT`, GCP firewall `DENIED`) whose window overlaps
//!   `[change, change + rejection_window]` of a change in the same account or project, from a private
//!   address or a host seen reporting to a collector before (internet scanners knocking on a
//!   collector port are not agents). The finding is on the flow record itself, once per host and
//!   change. When the change arrives after the rejection (shippers out of order within the
//!   tolerance), the rejection is kept (bounded) until event time passes it, and the finding comes out
//!   as a synthetic event carrying the flow's fields with the next `advance`.
//! - **Silence after a change** (`network.collector_silence_after_change`): a host *reporting* (an
//!   accepted flow to a collector whose window ends no earlier than `silence_gap` before the change and
//!   starts before it) that sends no accepted flow to any collector starting in
//!   `[change, change + silence_gap]`. Judged when the stream is complete up to `change + silence_gap`
//!   (`advance`), or at end of stream (`close`) if the last event time has reached it; a stream that
//!   ends earlier holds no evidence either way and gives nothing. The finding is a synthetic event of
//!   its own (`action` `blindspot.network_silence`).
//!
//! Scope: a change applies to flows of the same account (AWS account id, GCP project id, Azure
//! subscription). Kubernetes network-policy changes name a cluster, not the account its nodes' flow logs
//! are in, so they apply to flows of every account.
//!
//! Which traffic goes to a collector is `network.collectors` (CIDRs and ports). With none configured,
//! any address on a well-known collector port counts ([`DEFAULT_COLLECTORS`]); configured collectors
//! replace that list.
//!
//! State is bounded: hosts (`max_hosts`), accounts with recent changes and pending judgements all have
//! caps with least-recently-seen eviction; evictions are counted. `NODATA`/`SKIPDATA` records carry no
//! traffic and change nothing.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;
use serde::Deserialize;

use super::bounded::BoundedMap;
use super::synthetic::rfc3339;
use crate::config::{Config, ConfigError};
use crate::enrich::{self, Context};
use crate::model::{EnrichedEvent, Normalized, Outcome, SourceKind};
use crate::rules::network::{COLLECTOR_REJECTED, COLLECTOR_SILENCE};
use crate::rules::{Detection, sh};
use crate::sources::flow_log::{self, Action, FlowRecord, Provider};
use crate::sources::{Decoded, SourceEvent};

const MINUTE: i64 = 60_000_000;

/// Well-known collector ports, used when no collector is configured: Splunk HEC and forwarder (S2S),
/// syslog (plain and TLS), Beats → Logstash, Elasticsearch, Datadog logs, Fluentd forward, OTLP gRPC
/// and HTTP.
pub const DEFAULT_COLLECTORS: &[(&str, u16)] = &[
    ("splunk-hec", 8088),
    ("splunk-s2s", 9997),
    ("syslog", 514),
    ("syslog-tls", 6514),
    ("logstash-beats", 5044),
    ("elasticsearch", 9200),
    ("datadog-logs", 10516),
    ("fluentd-forward", 24224),
    ("otlp-grpc", 4317),
    ("otlp-http", 4318),
];

/// Accounts with changes remembered; each keeps its latest few changes.
const MAX_ACCOUNTS: usize = 4096;
const CHANGES_PER_ACCOUNT: usize = 4;
/// Rejected collector flows waiting for a change that arrives out of order.
const MAX_ORPHANS: usize = 1024;
/// The bucket of changes that apply to every account (Kubernetes network policies).
const EVERY_ACCOUNT: &str = "*";

// ---------------------------------------------------------------------------------------------------
// Configuration

/// The `network` section of the configuration document.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NetworkDocument {
    #[serde(default)]
    pub collectors: Vec<CollectorDocument>,
    #[serde(default = "default_rejection_window")]
    pub rejection_window_minutes: u32,
    #[serde(default = "default_silence_gap")]
    pub silence_gap_minutes: u32,
    #[serde(default = "default_max_hosts")]
    pub max_hosts: usize,
}

impl Default for NetworkDocument {
    fn default() -> NetworkDocument {
        NetworkDocument {
            collectors: Vec::new(),
            rejection_window_minutes: default_rejection_window(),
            silence_gap_minutes: default_silence_gap(),
            max_hosts: default_max_hosts(),
        }
    }
}

fn default_rejection_window() -> u32 {
    30
}
fn default_silence_gap() -> u32 {
    15
}
fn default_max_hosts() -> usize {
    50_000
}

/// One collector: traffic to any of its CIDRs on any of its ports (an empty list: any).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CollectorDocument {
    pub name: String,
    #[serde(default)]
    pub cidrs: Vec<String>,
    #[serde(default)]
    pub ports: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Collector {
    pub name: String,
    pub cidrs: Vec<IpNet>,
    pub ports: Vec<u16>,
}

impl Collector {
    fn matches(&self, ip: IpAddr, port: Option<u16>) -> bool {
        (self.cidrs.is_empty() || self.cidrs.iter().any(|net| net.contains(&ip)))
            && (self.ports.is_empty() || port.is_some_and(|p| self.ports.contains(&p)))
    }
}

/// Validated network settings.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSettings {
    pub collectors: Vec<Collector>,
    /// Microseconds.
    pub rejection_window: i64,
    /// Microseconds.
    pub silence_gap: i64,
    pub max_hosts: usize,
}

impl Default for NetworkSettings {
    fn default() -> NetworkSettings {
        // The defaults are valid by construction.
        validate(NetworkDocument::default()).unwrap_or(NetworkSettings {
            collectors: Vec::new(),
            rejection_window: 30 * MINUTE,
            silence_gap: 15 * MINUTE,
            max_hosts: 50_000,
        })
    }
}

const MAX_WINDOW_MINUTES: u32 = 7 * 24 * 60;
const MAX_HOSTS: usize = 10_000_000;

fn error(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.into(),
        message: message.into(),
    }
}

/// Check a `network` section; errors name the offending key (`network.collectors[0].cidrs[1]`).
pub fn validate(doc: NetworkDocument) -> Result<NetworkSettings, ConfigError> {
    for (key, minutes) in [
        ("rejection_window_minutes", doc.rejection_window_minutes),
        ("silence_gap_minutes", doc.silence_gap_minutes),
    ] {
        if minutes == 0 || minutes > MAX_WINDOW_MINUTES {
            return Err(error(
                format!("network.{key}"),
                format!("{minutes} is out of range: expected 1 to {MAX_WINDOW_MINUTES} minutes"),
            ));
        }
    }
    if doc.max_hosts == 0 || doc.max_hosts > MAX_HOSTS {
        return Err(error(
            "network.max_hosts",
            format!(
                "{} is out of range: expected 1 to {MAX_HOSTS}",
                doc.max_hosts
            ),
        ));
    }
    let mut collectors = Vec::new();
    for (i, c) in doc.collectors.into_iter().enumerate() {
        let path = format!("network.collectors[{i}]");
        if c.name.trim().is_empty() {
            return Err(error(format!("{path}.name"), "must not be empty"));
        }
        if collectors.iter().any(|k: &Collector| k.name == c.name) {
            return Err(error(
                format!("{path}.name"),
                format!("{:?} is listed twice", c.name),
            ));
        }
        if c.cidrs.is_empty() && c.ports.is_empty() {
            return Err(error(
                path,
                "names no cidrs and no ports: it would make every flow collector traffic",
            ));
        }
        let mut cidrs = Vec::new();
        for (j, text) in c.cidrs.iter().enumerate() {
            let net = text
                .parse::<IpNet>()
                .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    error(
                        format!("{path}.cidrs[{j}]"),
                        format!("{text:?} is not an IP address or CIDR range"),
                    )
                })?;
            cidrs.push(net);
        }
        if let Some(j) = c.ports.iter().position(|p| *p == 0) {
            return Err(error(format!("{path}.ports[{j}]"), "port 0 is not a port"));
        }
        collectors.push(Collector {
            name: c.name,
            cidrs,
            ports: c.ports,
        });
    }
    if collectors.is_empty() {
        collectors = DEFAULT_COLLECTORS
            .iter()
            .map(|(name, port)| Collector {
                name: (*name).to_owned(),
                cidrs: Vec::new(),
                ports: vec![*port],
            })
            .collect();
    }
    Ok(NetworkSettings {
        collectors,
        rejection_window: i64::from(doc.rejection_window_minutes) * MINUTE,
        silence_gap: i64::from(doc.silence_gap_minutes) * MINUTE,
        max_hosts: doc.max_hosts,
    })
}

// ---------------------------------------------------------------------------------------------------
// Network changes

/// A network change seen in an audit log.
#[derive(Debug)]
struct Change {
    time: i64,
    /// The change event's own fields: findings name its principal, tool and target, and suppressions
    /// for that principal or tool apply.
    fields: Normalized,
}

impl Change {
    fn reference(&self) -> String {
        self.fields.event_id.clone().unwrap_or_else(|| {
            format!(
                "{}@{}",
                self.fields.action.as_deref().unwrap_or("change"),
                self.time / 1_000_000
            )
        })
    }

    fn describe(&self) -> String {
        let mut text = format!(
            "{} at {}",
            self.fields.action.as_deref().unwrap_or("a network change"),
            rfc3339(self.time)
        );
        if let Some(target) = &self.fields.target {
            text.push_str(&format!(" on {target}"));
        }
        if let Some(principal) = &self.fields.principal {
            text.push_str(&format!(" by {principal}"));
        }
        text
    }
}

/// EC2 calls that can narrow what a network interface may send. `AuthorizeSecurityGroup*` are left
/// out: security groups are allow lists, so adding a rule never blocks traffic, and counting every
/// widening as a change would arm hosts after routine port openings.
const AWS_CHANGES: &[&str] = &[
    "RevokeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "ModifySecurityGroupRules",
    "UpdateSecurityGroupRuleDescriptionsEgress",
    "DeleteSecurityGroup",
    "CreateNetworkAclEntry",
    "ReplaceNetworkAclEntry",
    "DeleteNetworkAclEntry",
    "ReplaceNetworkAclAssociation",
    "DeleteNetworkAcl",
];

/// Whether a successful audit event changed what traffic the network lets through; the account it
/// applies to when it did.
fn network_change(event: &SourceEvent<'_>, fields: &Normalized) -> Option<String> {
    if matches!(fields.outcome, Outcome::Failure | Outcome::InProgress) {
        return None;
    }
    let action = fields.action.as_deref()?;
    let changed = match event {
        SourceEvent::CloudTrail(record) => {
            let name: &str = &record.event_name;
            record.event_source == "ec2.amazonaws.com"
                && (AWS_CHANGES.contains(&name)
                    // Security groups swapped on an instance or network interface.
                    || (matches!(
                        name,
                        "ModifyInstanceAttribute" | "ModifyNetworkInterfaceAttribute"
                    ) && record.params().is_some_and(|p| p.has("groupSet"))))
        }
        SourceEvent::GcpAudit(_) => {
            let method = action.rsplit_once("compute.").map(|(_, m)| m);
            method.is_some_and(|m| {
                let firewall = matches!(
                    m,
                    "firewalls.insert"
                        | "firewalls.patch"
                        | "firewalls.update"
                        | "firewalls.delete"
                );
                let policy = (m.starts_with("firewallPolicies.")
                    || m.starts_with("networkFirewallPolicies.")
                    || m.starts_with("regionNetworkFirewallPolicies."))
                    && (m.ends_with("Rule") || m.ends_with(".delete"));
                firewall || policy
            })
        }
        SourceEvent::AzureActivity(_) => {
            let lower = action.to_ascii_lowercase();
            lower.starts_with("microsoft.network/networksecuritygroups/")
                && (lower.ends_with("/write") || lower.ends_with("/delete"))
        }
        SourceEvent::K8sAudit(_) => {
            let (verb, resource) = action.split_once(' ')?;
            let resource = resource.rsplit('/').next().unwrap_or(resource);
            matches!(
                verb,
                "create" | "update" | "patch" | "delete" | "deletecollection"
            ) && matches!(
                resource,
                "networkpolicies"
                    | "ciliumnetworkpolicies"
                    | "ciliumclusterwidenetworkpolicies"
                    | "globalnetworkpolicies"
                    | "adminnetworkpolicies"
                    | "baselineadminnetworkpolicies"
            )
        }
        _ => false,
    };
    if !changed {
        return None;
    }
    match event {
        SourceEvent::K8sAudit(_) => Some(EVERY_ACCOUNT.to_owned()),
        _ => Some(
            fields
                .account
                .clone()
                .unwrap_or_else(|| EVERY_ACCOUNT.to_owned()),
        ),
    }
}

// ---------------------------------------------------------------------------------------------------
// Hosts

type HostKey = (String, IpAddr);

#[derive(Debug)]
struct Host {
    provider: Provider,
    /// Latest window start and end of an accepted flow to a collector.
    last_start: i64,
    last_end: i64,
    /// The last accepted flow to a collector, for the finding's related events.
    last_flow: Option<LastFlow>,
    /// Armed by a change: judged once the stream is complete up to its deadline.
    watch: Option<Watch>,
    /// The change a silence was last judged for, so a host is judged once per change.
    judged: Option<i64>,
    /// The change a rejection was last reported for (once per host and change).
    rejected_for: Option<i64>,
}

/// Kept as parts: the reference string is built only if a finding needs it.
#[derive(Debug)]
struct LastFlow {
    collector: usize,
    /// GCP `insertId`, or the AWS network interface.
    id: Option<String>,
    interface: bool,
    src_port: Option<u16>,
    dst: IpAddr,
    port: Option<u16>,
    protocol: Option<u8>,
    start: i64,
    who: Option<String>,
}

impl LastFlow {
    fn reference(&self, src: IpAddr) -> String {
        match (&self.id, self.interface) {
            (Some(id), false) => id.clone(),
            (interface, _) => flow_log::reference(
                interface.as_deref(),
                Some(src),
                self.src_port,
                Some(self.dst),
                self.port,
                self.protocol,
                Some(self.start),
            ),
        }
    }
}

/// Replace `slot` with `value` only when they differ, so a host's repeated flows allocate nothing.
fn keep(slot: &mut Option<String>, value: Option<&str>) {
    if slot.as_deref() != value {
        *slot = value.map(str::to_owned);
    }
}

#[derive(Debug)]
struct Watch {
    change: Arc<Change>,
    deadline: i64,
    resumed: bool,
}

impl Host {
    fn new(provider: Provider) -> Host {
        Host {
            provider,
            last_start: i64::MIN,
            last_end: i64::MIN,
            last_flow: None,
            watch: None,
            judged: None,
            rejected_for: None,
        }
    }

    /// Not judged for this change yet, and no silence pending: a watch the host already answered (it
    /// resumed reporting) gives way to the newer change.
    fn can_arm(&self, change: &Change) -> bool {
        self.judged != Some(change.time)
            && self
                .watch
                .as_ref()
                .is_none_or(|w| w.resumed && w.change.time != change.time)
    }

    /// Whether the host was reporting when `change` happened.
    fn reporting_before(&self, change: &Change, gap: i64) -> bool {
        self.last_start < change.time && self.last_end >= change.time.saturating_sub(gap)
    }
}

/// The flow-log side of family 4, owned by the correlator. See the module documentation.
#[derive(Debug)]
pub struct NetworkWatch {
    settings: NetworkSettings,
    /// Latest changes per account (oldest first).
    changes: BoundedMap<String, Vec<Arc<Change>>>,
    hosts: BoundedMap<HostKey, Host>,
    /// Deadlines of armed hosts, earliest first. Entries whose host was evicted or re-armed are
    /// skipped when reached.
    pending: BTreeSet<(i64, HostKey)>,
    /// Rejected collector flows no change explained yet, kept until event time passes them.
    orphans: BoundedMap<HostKey, (Rejection, Normalized)>,
    /// The earliest window end among `orphans`: nothing to expire before it.
    orphan_expiry: i64,
    /// Findings completed by a late change, emitted with the next `advance`.
    ready: Vec<EnrichedEvent>,
    /// Pending entries dropped because there were more than hosts allowed.
    dropped: u64,
    emitted: u64,
}

impl NetworkWatch {
    pub fn new(settings: &NetworkSettings) -> NetworkWatch {
        NetworkWatch {
            settings: settings.clone(),
            changes: BoundedMap::new(MAX_ACCOUNTS),
            hosts: BoundedMap::new(settings.max_hosts),
            pending: BTreeSet::new(),
            orphans: BoundedMap::new(MAX_ORPHANS),
            orphan_expiry: i64::MAX,
            ready: Vec::new(),
            dropped: 0,
            emitted: 0,
        }
    }

    /// State entries evicted (hosts, accounts, pending judgements) because a cap was reached.
    pub fn evictions(&self) -> u64 {
        self.hosts.evicted() + self.changes.evicted() + self.orphans.evicted() + self.dropped
    }

    /// Hosts currently tracked.
    pub fn tracked(&self) -> usize {
        self.hosts.len()
    }

    /// Findings emitted as synthetic events so far.
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    /// Every decoded event after its own findings are made: learn network changes and collector
    /// traffic; a rejected flow to a collector after a change gets its finding here.
    /// The normalised fields are read from `event` (the engine has moved them there).
    pub fn observe(&mut self, decoded: &Decoded<'_>, event: &mut EnrichedEvent, config: &Config) {
        match &decoded.event {
            SourceEvent::FlowLog(record) => self.flow(record, event, config),
            SourceEvent::Unknown
            | SourceEvent::DockerEvent(_)
            | SourceEvent::DockerContainer(_) => {}
            _ => {
                if let (Some(account), Some(time)) = (
                    network_change(&decoded.event, &event.fields),
                    event.fields.event_time,
                ) {
                    self.change(account, time, &event.fields, config);
                }
            }
        }
    }

    fn change(&mut self, account: String, time: i64, fields: &Normalized, config: &Config) {
        let change = Arc::new(Change {
            time,
            fields: Normalized {
                outcome: Outcome::Success,
                ..fields.clone()
            },
        });
        let list = self.changes.touch_or_insert_with(account.clone(), Vec::new);
        let at = list.partition_point(|c| c.time <= time);
        list.insert(at, Arc::clone(&change));
        if list.len() > CHANGES_PER_ACCOUNT {
            list.remove(0);
        }
        // Arm every host of the account that was reporting when the change happened.
        let gap = self.settings.silence_gap;
        let every = account == EVERY_ACCOUNT;
        let pending = &mut self.pending;
        self.hosts.retain(|key, host| {
            if (every || key.0 == account)
                && host.can_arm(&change)
                && host.reporting_before(&change, gap)
            {
                let deadline = change.time.saturating_add(gap);
                host.watch = Some(Watch {
                    change: Arc::clone(&change),
                    deadline,
                    resumed: false,
                });
                pending.insert((deadline, key.clone()));
            }
            true
        });
        self.bound_pending();
        self.adopt_orphans(&account, &change, config);
    }

    /// The changes that apply to `account`, oldest first within each bucket.
    fn changes_for(&self, account: &str) -> impl Iterator<Item = &Arc<Change>> {
        // No change seen yet (the common case on a quiet stream): no key to build.
        let lookup = |key: &str| {
            (!self.changes.is_empty())
                .then(|| self.changes.get(&key.to_owned()))
                .flatten()
                .into_iter()
                .flatten()
        };
        lookup(account).chain(lookup(EVERY_ACCOUNT))
    }

    fn flow(&mut self, record: &FlowRecord<'_>, event: &mut EnrichedEvent, config: &Config) {
        if !record.carries_traffic() {
            return;
        }
        let (Some(src), Some(dst), Some(start)) = (record.src, record.dst, record.time()) else {
            return;
        };
        // The hot path: most flows are not to a collector and stop here, allocation-free.
        let Some(collector) = self
            .settings
            .collectors
            .iter()
            .position(|c| c.matches(dst, record.dst_port))
        else {
            return;
        };
        let end = record.end.unwrap_or(start).max(start);
        let account = record.account.as_deref().unwrap_or_default();
        match record.action {
            Action::Accept => self.accepted(record, account, src, collector, start, end),
            Action::Reject => {
                self.rejected(record, account, src, collector, start, end, event, config)
            }
            Action::Unknown => {}
        }
    }

    fn accepted(
        &mut self,
        record: &FlowRecord<'_>,
        account: &str,
        src: IpAddr,
        collector: usize,
        start: i64,
        end: i64,
    ) {
        let gap = self.settings.silence_gap;
        // A late flow from before a change the host has not been judged for arms it now.
        let arm = self
            .changes_for(account)
            .filter(|c| start < c.time && end >= c.time.saturating_sub(gap))
            .max_by_key(|c| c.time)
            .cloned();
        let key = (account.to_owned(), src);
        let host = self
            .hosts
            .touch_or_insert_with(key.clone(), || Host::new(record.provider));
        if let Some(watch) = &mut host.watch
            && start >= watch.change.time
            && start <= watch.deadline
        {
            watch.resumed = true;
        }
        let mut armed = None;
        if let Some(change) = arm
            && host.can_arm(&change)
            && host.last_start < change.time
        {
            let deadline = change.time.saturating_add(gap);
            host.watch = Some(Watch {
                change,
                deadline,
                resumed: false,
            });
            armed = Some(deadline);
        }
        host.last_start = host.last_start.max(start);
        host.last_end = host.last_end.max(end);
        if start >= host.last_start {
            let last = host.last_flow.get_or_insert(LastFlow {
                collector,
                id: None,
                interface: false,
                src_port: None,
                dst: src,
                port: None,
                protocol: None,
                start,
                who: None,
            });
            last.collector = collector;
            last.interface = record.event_id.is_none();
            keep(
                &mut last.id,
                record
                    .event_id
                    .as_deref()
                    .or(record.interface_id.as_deref()),
            );
            last.src_port = record.src_port;
            last.dst = record.dst.unwrap_or(src);
            last.port = record.dst_port;
            last.protocol = record.protocol;
            last.start = start;
            // A GCP record reported by the destination names the collector's VM, not the host's.
            let reported_by_host = record.direction.as_deref() != Some("DEST");
            keep(
                &mut last.who,
                record
                    .instance
                    .as_deref()
                    .filter(|_| reported_by_host)
                    .or(record.interface_id.as_deref()),
            );
        }
        if let Some(deadline) = armed {
            self.pending.insert((deadline, key));
            self.bound_pending();
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn rejected(
        &mut self,
        record: &FlowRecord<'_>,
        account: &str,
        src: IpAddr,
        collector: usize,
        start: i64,
        end: i64,
        event: &mut EnrichedEvent,
        config: &Config,
    ) {
        let window = self.settings.rejection_window;
        // Agents, not internet scanners knocking on a collector port: the source must be a private
        // address or a host already seen reporting to a collector.
        let key = (account.to_owned(), src);
        let reporting = self.hosts.get(&key).is_some_and(|h| h.last_flow.is_some());
        if !(is_private(src) || reporting) {
            return;
        }
        let rejection = Rejection {
            dst: record.dst.unwrap_or(src),
            port: record.dst_port,
            protocol: record.protocol,
            provider: record.provider,
            rule: record.rule.as_deref().map(str::to_owned),
            collector,
            start,
            end,
            reference: record.reference(),
        };
        // The latest change whose window the flow overlaps.
        let Some(change) = self
            .changes_for(account)
            .filter(|c| rejection.follows(c, window))
            .max_by_key(|c| c.time)
            .cloned()
        else {
            // The change may still arrive, out of order within the tolerance: keep the rejection until
            // event time has passed it.
            self.orphan_expiry = self.orphan_expiry.min(end);
            let fields = event.fields.clone();
            // The latest rejection per host: the one a late change is likeliest to explain.
            self.orphans.remove(&key);
            self.orphans
                .touch_or_insert_with(key, move || (rejection, fields));
            return;
        };
        let host = self
            .hosts
            .touch_or_insert_with(key, || Host::new(record.provider));
        if host.rejected_for == Some(change.time) {
            return;
        }
        host.rejected_for = Some(change.time);
        event.findings.extend(rejection_finding(
            &rejection,
            account,
            src,
            &change,
            &self.settings,
            config,
        ));
    }

    /// A change arrived after rejections it explains (out of order): their findings become synthetic
    /// events, emitted with the next `advance`.
    fn adopt_orphans(&mut self, account: &str, change: &Arc<Change>, config: &Config) {
        if self.orphans.is_empty() {
            return;
        }
        let every = account == EVERY_ACCOUNT;
        let window = self.settings.rejection_window;
        let settings = &self.settings;
        let hosts = &mut self.hosts;
        let ready = &mut self.ready;
        self.orphans
            .retain(|(host_account, src), (rejection, fields)| {
                if !(every || host_account == account) || !rejection.follows(change, window) {
                    return true;
                }
                let host = hosts.touch_or_insert_with((host_account.clone(), *src), || {
                    Host::new(rejection.provider)
                });
                if host.rejected_for != Some(change.time) {
                    host.rejected_for = Some(change.time);
                    if let Some(finding) =
                        rejection_finding(rejection, host_account, *src, change, settings, config)
                    {
                        ready.push(EnrichedEvent {
                            source: SourceKind::FlowLog,
                            envelope_index: 0,
                            raw: None,
                            fields: std::mem::take(fields),
                            findings: vec![finding],
                        });
                    }
                }
                false
            });
    }

    /// Event time is complete up to `complete_until` (the watermark minus the out-of-order tolerance):
    /// judge every host whose deadline it has passed; silent ones become synthetic events in `out`.
    pub fn advance(&mut self, complete_until: i64, config: &Config, out: &mut Vec<EnrichedEvent>) {
        self.emitted += self.ready.len() as u64;
        out.append(&mut self.ready);
        if complete_until > self.orphan_expiry {
            // A change arriving from now on is later than these rejections: none can join them.
            let mut next = i64::MAX;
            self.orphans.retain(|_, (rejection, _)| {
                let keep = rejection.end >= complete_until;
                if keep {
                    next = next.min(rejection.end);
                }
                keep
            });
            self.orphan_expiry = next;
        }
        while let Some((deadline, _)) = self.pending.first() {
            if *deadline > complete_until {
                break;
            }
            let Some((deadline, key)) = self.pending.pop_first() else {
                break;
            };
            let Some(host) = self.hosts.peek_mut(&key) else {
                continue; // evicted since it was armed
            };
            let Some(watch) = host.watch.take_if(|w| w.deadline == deadline) else {
                continue; // re-armed with another deadline; that entry judges it
            };
            host.judged = Some(watch.change.time);
            if watch.resumed {
                continue;
            }
            let silence = silence_event(&key, host, &watch, &self.settings, config);
            if let Some(event) = silence {
                self.emitted += 1;
                out.push(event);
            }
        }
    }

    /// End of stream, the last event time being `last_event_time`: judge what that time completes;
    /// hosts whose gap has not elapsed by then are dropped unjudged (not enough evidence).
    pub fn close(&mut self, last_event_time: i64, config: &Config, out: &mut Vec<EnrichedEvent>) {
        self.advance(last_event_time, config, out);
        self.pending.clear();
        self.hosts.retain(|_, host| {
            host.watch = None;
            true
        });
    }

    /// Pending judgements are at most one per tracked host, plus stale entries; beyond twice the host
    /// cap the earliest are dropped (and counted) rather than let the set grow.
    fn bound_pending(&mut self) {
        while self.pending.len() > self.settings.max_hosts.saturating_mul(2) {
            self.pending.pop_first();
            self.dropped += 1;
        }
    }
}

/// A rejected flow to a collector, kept in owned form when its change has not arrived yet.
#[derive(Debug, Clone)]
struct Rejection {
    dst: IpAddr,
    port: Option<u16>,
    protocol: Option<u8>,
    provider: Provider,
    rule: Option<String>,
    collector: usize,
    start: i64,
    end: i64,
    reference: String,
}

impl Rejection {
    /// Whether the flow's window overlaps `[change, change + window]`.
    fn follows(&self, change: &Change, window: i64) -> bool {
        self.end >= change.time && self.start <= change.time.saturating_add(window)
    }
}

fn rejection_finding(
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
fn judged(
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

fn silence_event(
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
            account: Some(account.clone()).filter(|a| !a.is_empty()),
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
    })
}

/// The commands that let the telemetry through again, for the kind of change that blocked it.
fn restore(
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
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private() || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

fn endpoint(dst: IpAddr, port: Option<u16>, protocol: Option<u8>) -> String {
    match (dst, port) {
        (IpAddr::V4(ip), Some(p)) => format!("{ip}:{p}/{}", flow_log::protocol_name(protocol)),
        (IpAddr::V6(ip), Some(p)) => format!("[{ip}]:{p}/{}", flow_log::protocol_name(protocol)),
        (ip, None) => ip.to_string(),
    }
}

fn display_account(account: &str) -> &str {
    if account.is_empty() {
        "(unknown)"
    } else {
        account
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::flow_log::{Formats, decode_text};
    use crate::sources::{self, json::Object};

    // 2026-11-27T10:00:00Z
    const T0: i64 = 1_795_773_600;

    const REVOKE_EGRESS: &str = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA4EXAMPLEID7QX3Y:mallory","arn":"arn:aws:sts::111122223333:assumed-role/platform-admin/mallory","accountId":"111122223333","accessKeyId":"ASIA4EXAMPLEKEY2ZQ7","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROA4EXAMPLEID7QX3Y","arn":"arn:aws:iam::111122223333:role/platform-admin","accountId":"111122223333","userName":"platform-admin"},"attributes":{"creationDate":"2026-11-27T09:41:07Z","mfaAuthenticated":"false"}}},"eventTime":"2026-11-27T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"RevokeSecurityGroupEgress","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.24","userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1020-aws exe/x86_64.ubuntu.22 prompt/off command/ec2.revoke-security-group-egress","requestParameters":{"groupId":"sg-0a1b2c3d4e5f60718","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":9997,"toPort":9997,"groups":{},"ipRanges":{"items":[{"cidrIp":"10.0.9.0/24"}]},"ipv6Ranges":{},"prefixListIds":{}}]}},"responseElements":{"requestId":"5c1e2f7a-8b9c-4d0e-a1f2-3b4c5d6e7f80","_return":true},"requestID":"5c1e2f7a-8b9c-4d0e-a1f2-3b4c5d6e7f80","eventID":"d3f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}"#;

    fn line(offset_min: i64, src: &str, dst: &str, port: u16, action: &str) -> String {
        let start = T0 + offset_min * 60;
        format!(
            "2 111122223333 eni-0f1e2d3c4b5a69788 {src} {dst} 41822 {port} 6 12 5120 {start} {} {action} OK",
            start + 60
        )
    }

    struct Run {
        watch: NetworkWatch,
        config: Config,
        formats: Formats,
    }

    impl Run {
        fn new(settings: NetworkSettings) -> Run {
            Run {
                watch: NetworkWatch::new(&settings),
                config: Config::default(),
                formats: Formats::default(),
            }
        }

        fn feed(&mut self, mut decoded: Decoded<'_>) -> EnrichedEvent {
            // As the engine does: the fields move to the event before correlation sees it.
            let mut event = EnrichedEvent {
                source: decoded.source,
                envelope_index: 0,
                raw: None,
                fields: std::mem::take(&mut decoded.fields),
                findings: Vec::new(),
            };
            self.watch.observe(&decoded, &mut event, &self.config);
            event
        }

        fn text(&mut self, text: &str) -> EnrichedEvent {
            let decoded = decode_text(text, &mut self.formats, None);
            self.feed(decoded)
        }

        fn json(&mut self, text: &str) -> EnrichedEvent {
            let object = Object::parse(text).expect("json");
            let decoded = sources::decode(&object, None);
            self.feed(decoded)
        }

        fn advance(&mut self, minutes: i64) -> Vec<EnrichedEvent> {
            let mut out = Vec::new();
            self.watch
                .advance((T0 + minutes * 60) * 1_000_000, &self.config, &mut out);
            out
        }
    }

    fn rules(event: &EnrichedEvent) -> Vec<&str> {
        event.findings.iter().map(|f| f.rule_id.as_str()).collect()
    }

    #[test]
    fn rejection_right_after_a_change_is_a_finding_once() {
        let mut run = Run::new(NetworkSettings::default());
        assert!(rules(&run.text(&line(-5, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"))).is_empty());
        let change = run.json(REVOKE_EGRESS);
        assert!(change.findings.is_empty());
        let rejected = run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"));
        assert_eq!(
            rules(&rejected),
            vec!["network.collector_rejected_after_change"]
        );
        let finding = &rejected.findings[0];
        assert_eq!(
            finding.related_events[0],
            "d3f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7"
        );
        assert!(finding.related_events[1].starts_with("flow:eni-0f1e2d3c4b5a69788:10.0.1.15"));
        assert!(finding.reasons.iter().any(|r| r.contains("splunk-s2s")));
        assert!(
            finding
                .response
                .iter()
                .any(|r| r
                    .contains("authorize-security-group-egress --group-id sg-0a1b2c3d4e5f60718")),
            "{:?}",
            finding.response
        );
        assert!(finding.response[0].contains("platform-admin/mallory"));
        // The next minute's rejection of the same host is the same story: no second finding.
        assert!(rules(&run.text(&line(2, "10.0.1.15", "10.0.9.20", 9997, "REJECT"))).is_empty());
        // Another host blocked by the same change is its own finding.
        assert_eq!(
            rules(&run.text(&line(2, "10.0.1.16", "10.0.9.20", 9997, "REJECT"))).len(),
            1
        );
        // Past the window: nothing.
        assert!(rules(&run.text(&line(45, "10.0.1.17", "10.0.9.20", 9997, "REJECT"))).is_empty());
    }

    #[test]
    fn rejections_without_a_change_or_to_other_ports_are_not_findings() {
        let mut run = Run::new(NetworkSettings::default());
        assert!(rules(&run.text(&line(1, "198.51.100.7", "10.0.9.20", 9997, "REJECT"))).is_empty());
        run.json(REVOKE_EGRESS);
        // Not a collector port (SSH).
        assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.9.20", 22, "REJECT"))).is_empty());
        // Another account's flow.
        let other = line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT")
            .replace("111122223333", "444455556666");
        assert!(rules(&run.text(&other)).is_empty());
        // An internet scanner knocking on the collector port after the change is not an agent.
        assert!(
            rules(&run.text(&line(2, "198.51.100.23", "10.0.9.20", 9997, "REJECT"))).is_empty()
        );
        // A rejection that ended before the change.
        assert!(rules(&run.text(&line(-3, "10.0.1.18", "10.0.9.20", 9997, "REJECT"))).is_empty());
    }

    #[test]
    fn configured_collectors_replace_the_default_ports() {
        let doc: NetworkDocument = serde_json::from_str(
            r#"{"collectors":[{"name":"siem","cidrs":["10.0.9.0/24"],"ports":[6514]}]}"#,
        )
        .expect("doc");
        let mut run = Run::new(validate(doc).expect("valid"));
        run.json(REVOKE_EGRESS);
        assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"))).is_empty());
        assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.8.20", 6514, "REJECT"))).is_empty());
        let hit = run.text(&line(1, "10.0.1.15", "10.0.9.20", 6514, "REJECT"));
        assert!(hit.findings[0].reasons[0].contains("collector siem"));
    }

    #[test]
    fn silence_after_a_change_is_emitted_once_the_gap_has_passed() {
        let mut run = Run::new(NetworkSettings::default());
        for minute in [-12, -8, -4, -1] {
            run.text(&line(minute, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
            run.text(&line(minute, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
        }
        run.json(REVOKE_EGRESS);
        // 10.0.1.30 keeps reporting; 10.0.1.15 does not. NODATA records are not traffic.
        for minute in [2, 6, 10] {
            run.text(&line(minute, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
            run.text(&format!(
                "2 111122223333 eni-0f1e2d3c4b5a69788 - - - - - - - {} {} - NODATA",
                T0 + minute * 60,
                T0 + minute * 60 + 60
            ));
        }
        assert!(run.advance(14).is_empty(), "the gap has not passed yet");
        let out = run.advance(16);
        assert_eq!(out.len(), 1, "{out:?}");
        let silence = &out[0];
        assert_eq!(
            rules(silence),
            vec!["network.collector_silence_after_change"]
        );
        assert_eq!(silence.source, SourceKind::FlowLog);
        assert_eq!(silence.fields.source_ip.as_deref(), Some("10.0.1.15"));
        assert_eq!(
            silence.fields.principal.as_deref(),
            Some("arn:aws:sts::111122223333:assumed-role/platform-admin/mallory")
        );
        assert_eq!(
            silence.fields.target.as_deref(),
            Some("10.0.1.15 (eni-0f1e2d3c4b5a69788) → splunk-s2s (10.0.9.20:9997/tcp)")
        );
        assert_eq!(silence.fields.account.as_deref(), Some("111122223333"));
        assert_eq!(
            silence.fields.action.as_deref(),
            Some("blindspot.network_silence")
        );
        assert_eq!(silence.fields.event_time, Some((T0 + 15 * 60) * 1_000_000));
        assert_eq!(
            silence.fields.event_id.as_deref(),
            Some("blindspot:network_silence:111122223333:10.0.1.15:1795773600")
        );
        assert_eq!(
            silence.findings[0].related_events,
            vec![
                "d3f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7".to_owned(),
                format!(
                    "flow:eni-0f1e2d3c4b5a69788:10.0.1.15:41822>10.0.9.20:9997/6@{}",
                    T0 - 60
                )
            ]
        );
        // Judged once.
        assert!(run.advance(60).is_empty());
        assert_eq!(run.watch.emitted(), 1);
    }

    #[test]
    fn no_silence_without_a_change_and_close_needs_the_gap_to_have_elapsed() {
        let mut run = Run::new(NetworkSettings::default());
        run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        // Silent for an hour, but nothing changed.
        assert!(run.advance(60).is_empty());

        let mut run = Run::new(NetworkSettings::default());
        run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        run.json(REVOKE_EGRESS);
        let mut out = Vec::new();
        // The stream ends 5 minutes after the change: not enough evidence.
        run.watch
            .close((T0 + 5 * 60) * 1_000_000, &run.config, &mut out);
        assert!(out.is_empty());

        let mut run = Run::new(NetworkSettings::default());
        run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        run.json(REVOKE_EGRESS);
        let mut out = Vec::new();
        run.watch
            .close((T0 + 20 * 60) * 1_000_000, &run.config, &mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn out_of_order_flows_within_the_tolerance_are_joined() {
        let mut run = Run::new(NetworkSettings::default());
        // The change arrives before the host's last pre-change flow (shippers batch per source).
        run.json(REVOKE_EGRESS);
        run.text(&line(-3, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        // A host whose post-change flow arrives ahead of its pre-change one is reporting fine.
        run.text(&line(3, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
        run.text(&line(-3, "10.0.1.30", "10.0.9.20", 9997, "ACCEPT"));
        let out = run.advance(16);
        let hosts: Vec<_> = out
            .iter()
            .map(|e| e.fields.source_ip.clone().unwrap_or_default())
            .collect();
        assert_eq!(hosts, vec!["10.0.1.15".to_owned()]);
    }

    #[test]
    fn a_second_change_rearms_a_host_that_answered_the_first() {
        let mut run = Run::new(NetworkSettings::default());
        run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        run.json(REVOKE_EGRESS);
        run.text(&line(3, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        // A second change before the first one's gap is judged; the host stops after it.
        let second = REVOKE_EGRESS
            .replace("2026-11-27T10:00:00Z", "2026-11-27T10:05:00Z")
            .replace("d3f1a2b4-5c6d", "e4f1a2b4-5c6d");
        run.json(&second);
        assert!(run.advance(16).is_empty(), "the first change was answered");
        let out = run.advance(21);
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].findings[0].related_events[0],
            "e4f1a2b4-5c6d-4e7f-8091-a2b3c4d5e6f7"
        );
    }

    #[test]
    fn a_change_arriving_after_the_rejection_it_explains_is_joined() {
        let mut run = Run::new(NetworkSettings::default());
        // The flow-log shipper is ahead of the CloudTrail one.
        let rejected = run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"));
        assert!(rejected.findings.is_empty());
        assert!(run.advance(-3).is_empty());
        run.json(REVOKE_EGRESS);
        let out = run.advance(-2);
        assert_eq!(out.len(), 1);
        assert_eq!(
            rules(&out[0]),
            vec!["network.collector_rejected_after_change"]
        );
        assert_eq!(out[0].fields.source_ip.as_deref(), Some("10.0.1.15"));
        assert_eq!(out[0].fields.action.as_deref(), Some("flow.reject"));
        // Once event time has passed an unexplained rejection, a later change no longer claims it.
        let mut run = Run::new(NetworkSettings::default());
        run.text(&line(-20, "10.0.1.15", "10.0.9.20", 9997, "REJECT"));
        assert!(run.advance(-5).is_empty());
        run.json(REVOKE_EGRESS);
        assert!(run.advance(0).is_empty());
    }

    #[test]
    fn extreme_times_do_not_overflow() {
        let mut run = Run::new(NetworkSettings::default());
        let ancient = REVOKE_EGRESS.replace("2026-11-27T10:00:00Z", "0001-01-01T00:00:00Z");
        run.json(&ancient);
        let far = "2 111122223333 eni-0f1e2d3c4b5a69788 10.0.1.15 10.0.9.20 41822 9997 6 2 120 9223372036000 9223372036000 REJECT OK";
        run.text(far);
        run.text(&far.replace("REJECT", "ACCEPT"));
        run.json(REVOKE_EGRESS);
        let mut out = Vec::new();
        run.watch.advance(i64::MAX, &run.config, &mut out);
        run.watch.close(i64::MAX, &run.config, &mut out);
        run.watch.advance(i64::MIN, &run.config, &mut out);
    }

    #[test]
    fn traffic_resuming_within_the_gap_clears_the_host() {
        let mut run = Run::new(NetworkSettings::default());
        run.text(&line(-2, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        run.json(REVOKE_EGRESS);
        run.text(&line(9, "10.0.1.15", "10.0.9.20", 9997, "ACCEPT"));
        assert!(run.advance(30).is_empty());
    }

    #[test]
    fn state_is_capped_and_evictions_are_counted() {
        let doc = NetworkDocument {
            max_hosts: 100,
            ..NetworkDocument::default()
        };
        let mut run = Run::new(validate(doc).expect("valid"));
        for i in 0..1000u32 {
            let src = format!("10.1.{}.{}", i / 250, i % 250);
            run.text(&line(-2, &src, "10.0.9.20", 9997, "ACCEPT"));
        }
        assert_eq!(run.watch.tracked(), 100);
        assert_eq!(run.watch.evictions(), 900);
        // The hosts still tracked are judged; the evicted ones are gone without a trace.
        run.json(REVOKE_EGRESS);
        assert_eq!(run.advance(16).len(), 100);
    }

    #[test]
    fn other_clouds_changes_are_learned() {
        let gcp = r#"{"protoPayload":{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","status":{},"authenticationInfo":{"principalEmail":"mallory@acme.example"},"requestMetadata":{"callerIp":"203.0.113.24","callerSuppliedUserAgent":"google-cloud-sdk gcloud/474.0.0 command/gcloud.compute.firewall-rules.create"},"serviceName":"compute.googleapis.com","methodName":"v1.compute.firewalls.insert","resourceName":"projects/acme-prod-4821/global/firewalls/deny-siem-egress","request":{"@type":"type.googleapis.com/compute.firewalls.insert","name":"deny-siem-egress","direction":"EGRESS","priority":"100","denieds":[{"IPProtocol":"tcp","ports":["9997"]}],"destinationRanges":["10.128.0.40/32"]}},"insertId":"-x1y2z3a4b5c","resource":{"type":"gce_firewall_rule","labels":{"project_id":"acme-prod-4821","firewall_rule_id":"4821000000000000001"}},"timestamp":"2026-11-27T10:00:00Z","severity":"NOTICE","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity","operation":{"id":"operation-1795744800000-abc","producer":"compute.googleapis.com","last":true}}"#;
        let denied = r#"{"insertId":"fw1","jsonPayload":{"connection":{"dest_ip":"10.128.0.40","dest_port":9997,"protocol":6,"src_ip":"10.128.0.12","src_port":51560},"disposition":"DENIED","instance":{"project_id":"acme-prod-4821","region":"europe-west1","vm_name":"web-1","zone":"europe-west1-b"},"rule_details":{"action":"DENY","direction":"EGRESS","priority":100,"reference":"network:default/firewall:deny-siem-egress"},"vpc":{"project_id":"acme-prod-4821","subnetwork_name":"default","vpc_name":"default"}},"logName":"projects/acme-prod-4821/logs/compute.googleapis.com%2Ffirewall","resource":{"labels":{"project_id":"acme-prod-4821"},"type":"gce_subnetwork"},"timestamp":"2026-11-27T10:02:04Z"}"#;
        let mut run = Run::new(NetworkSettings::default());
        run.json(gcp);
        let hit = run.json(denied);
        assert_eq!(rules(&hit), vec!["network.collector_rejected_after_change"]);
        assert!(
            hit.findings[0].reasons[0]
                .contains("firewall rule network:default/firewall:deny-siem-egress")
        );
        assert!(hit.findings[0].response.iter().any(|r| r.contains(
            "gcloud compute firewall-rules describe deny-siem-egress --project acme-prod-4821"
        )));
    }

    #[test]
    fn a_network_policy_change_applies_to_every_account_and_failed_or_widening_changes_to_none() {
        let policy = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"7c1f0e2d-3b4a-4c5d-8e6f-a0b1c2d3e4f5","stage":"ResponseComplete","requestURI":"/apis/networking.k8s.io/v1/namespaces/logging/networkpolicies","verb":"create","user":{"username":"mallory@example.com","groups":["system:authenticated"]},"sourceIPs":["203.0.113.7"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{"resource":"networkpolicies","namespace":"logging","name":"deny-egress","apiGroup":"networking.k8s.io","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":201},"requestObject":{"kind":"NetworkPolicy","apiVersion":"networking.k8s.io/v1","metadata":{"name":"deny-egress","namespace":"logging"},"spec":{"podSelector":{},"policyTypes":["Egress"]}},"requestReceivedTimestamp":"2026-11-27T10:00:00.000000Z","stageTimestamp":"2026-11-27T10:00:00.018000Z"}"#;
        let mut run = Run::new(NetworkSettings::default());
        run.json(policy);
        let other = line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT")
            .replace("111122223333", "444455556666");
        let hit = run.text(&other);
        assert_eq!(rules(&hit), vec!["network.collector_rejected_after_change"]);
        assert!(hit.findings[0].response[0].contains("mallory@example.com"));

        let mut run = Run::new(NetworkSettings::default());
        let failed = REVOKE_EGRESS.replace(
            r#""responseElements":{"#,
            r#""errorCode":"Client.UnauthorizedOperation","errorMessage":"You are not authorized to perform this operation.","responseElements":{"#,
        );
        run.json(&failed);
        let widening =
            REVOKE_EGRESS.replace("RevokeSecurityGroupEgress", "AuthorizeSecurityGroupEgress");
        run.json(&widening);
        assert!(rules(&run.text(&line(1, "10.0.1.15", "10.0.9.20", 9997, "REJECT"))).is_empty());
    }

    #[test]
    fn settings_are_validated_with_paths() {
        let parse = |text: &str| {
            serde_json::from_str::<NetworkDocument>(text)
                .map_err(|e| e.to_string())
                .and_then(|d| validate(d).map_err(|e| e.to_string()))
        };
        assert_eq!(
            parse(r#"{"collectors":[{"name":"a","cidrs":["10.0.0.0/8","10.0.0.300"]}]}"#).err(),
            Some(
                "network.collectors[0].cidrs[1]: \"10.0.0.300\" is not an IP address or CIDR range"
                    .into()
            )
        );
        assert!(parse(r#"{"collectors":[{"name":"a"}]}"#).is_err());
        assert!(
            parse(r#"{"silence_gap_minutes":0}"#)
                .err()
                .is_some_and(|e| e.starts_with("network.silence_gap_minutes"))
        );
        assert!(
            parse(r#"{"colectors":[]}"#).is_err(),
            "unknown keys are refused"
        );
        let defaults = parse("{}").expect("defaults");
        assert_eq!(defaults.collectors.len(), DEFAULT_COLLECTORS.len());
        assert_eq!(defaults.silence_gap, 15 * MINUTE);
        assert_eq!(defaults, NetworkSettings::default());
    }
}
