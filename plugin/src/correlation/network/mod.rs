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

use crate::config::Config;
use crate::config::network::NetworkSettings;
use crate::correlation::bounded::BoundedMap;
use crate::model::{EnrichedEvent, Normalized, Outcome, SourceKind};
use crate::sources::flow_log::{Action, FlowRecord};
use crate::sources::{Decoded, SourceEvent};
pub(crate) use changes::AWS_CHANGES;
use changes::{Change, network_change};
use findings::*;
use hosts::*;

const MINUTE: i64 = 60_000_000;

mod changes;
mod findings;
mod hosts;
#[cfg(test)]
mod tests;

/// Accounts with changes remembered; each keeps its latest few changes.
const MAX_ACCOUNTS: usize = 4096;
const CHANGES_PER_ACCOUNT: usize = 4;
/// Rejected collector flows waiting for a change that arrives out of order.
const MAX_ORPHANS: usize = 1024;
/// The bucket of changes that apply to every account (Kubernetes network policies).
const EVERY_ACCOUNT: &str = "*";

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
                            shape_note: None,
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
