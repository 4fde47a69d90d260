//! What the watcher keeps per host: its last flows toward collectors, and the changes it is watched for.

use std::net::IpAddr;
use std::sync::Arc;

use super::*;
use crate::sources::flow_log::{self, Provider};

pub(super) type HostKey = (String, IpAddr);

#[derive(Debug)]
pub(super) struct Host {
    pub(super) provider: Provider,
    /// Latest window start and end of an accepted flow to a collector.
    pub(super) last_start: i64,
    pub(super) last_end: i64,
    /// The last accepted flow to a collector, for the finding's related events.
    pub(super) last_flow: Option<LastFlow>,
    /// Armed by a change: judged once the stream is complete up to its deadline.
    pub(super) watch: Option<Watch>,
    /// The change a silence was last judged for, so a host is judged once per change.
    pub(super) judged: Option<i64>,
    /// The change a rejection was last reported for (once per host and change).
    pub(super) rejected_for: Option<i64>,
}

/// Kept as parts: the reference string is built only if a finding needs it.
#[derive(Debug)]
pub(super) struct LastFlow {
    pub(super) collector: usize,
    /// GCP `insertId`, or the AWS network interface.
    pub(super) id: Option<String>,
    pub(super) interface: bool,
    pub(super) src_port: Option<u16>,
    pub(super) dst: IpAddr,
    pub(super) port: Option<u16>,
    pub(super) protocol: Option<u8>,
    pub(super) start: i64,
    pub(super) who: Option<String>,
}

impl LastFlow {
    pub(super) fn reference(&self, src: IpAddr) -> String {
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
pub(super) fn keep(slot: &mut Option<String>, value: Option<&str>) {
    if slot.as_deref() != value {
        *slot = value.map(str::to_owned);
    }
}

#[derive(Debug)]
pub(super) struct Watch {
    pub(super) change: Arc<Change>,
    pub(super) deadline: i64,
    pub(super) resumed: bool,
}

impl Host {
    pub(super) fn new(provider: Provider) -> Host {
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
    pub(super) fn can_arm(&self, change: &Change) -> bool {
        self.judged != Some(change.time)
            && self
                .watch
                .as_ref()
                .is_none_or(|w| w.resumed && w.change.time != change.time)
    }

    /// Whether the host was reporting when `change` happened.
    pub(super) fn reporting_before(&self, change: &Change, gap: i64) -> bool {
        self.last_start < change.time && self.last_end >= change.time.saturating_sub(gap)
    }
}
