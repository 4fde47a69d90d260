//! What the stream has shown of each principal, for scoring: whether it ever triggered this rule before
//! (a first is more suspicious than the tenth run of a nightly job) and whether it ever came from this
//! network before (a new network for a familiar principal is how stolen credentials look).

use super::bounded::BoundedMap;
use crate::config::correlation::CorrelationSettings;
use crate::model::EnrichedEvent;

/// Networks remembered per principal; older ones are forgotten first.
const NETWORKS_PER_PRINCIPAL: usize = 8;
/// Repeats after which a change reads as routine.
const ROUTINE_REPEATS: u32 = 3;

#[derive(Debug)]
pub struct History {
    rules: BoundedMap<(String, String), u32>,
    networks: BoundedMap<String, Vec<Network>>,
}

impl History {
    pub fn new(settings: &CorrelationSettings) -> History {
        History {
            rules: BoundedMap::new(settings.max_history),
            networks: BoundedMap::new(settings.max_history),
        }
    }

    pub fn tracked(&self) -> usize {
        self.rules.len() + self.networks.len()
    }

    pub fn evicted(&self) -> u64 {
        self.rules.evicted() + self.networks.evicted()
    }

    /// Score the event's findings against the history, then add the event to it.
    pub fn observe(&mut self, event: &mut EnrichedEvent) {
        let Some(principal) = event.fields.principal.as_deref() else {
            return;
        };
        let network = event.fields.source_ip.as_deref().map(network_of);
        if !event.findings.is_empty() {
            let known_networks = self.networks.get(principal);
            for finding in event.findings.iter_mut() {
                if finding.rule_id.starts_with("sequence.") {
                    continue;
                }
                let key = (principal.to_owned(), finding.rule_id.clone());
                let seen = self.rules.get(&key).copied().unwrap_or(0);
                let mut confidence = i32::from(finding.confidence);
                if seen == 0 {
                    confidence += 5;
                    finding.reasons.push(format!(
                        "first time {principal} made this change in the stream"
                    ));
                } else if seen >= ROUTINE_REPEATS {
                    confidence -= 10;
                    finding.reasons.push(format!(
                        "{principal} made this change {seen} time(s) before in the stream: \
                         possibly a routine job"
                    ));
                }
                if let (Some(network), Some(known)) = (&network, known_networks)
                    && !known.is_empty()
                    && !known.contains(network)
                {
                    confidence += 10;
                    finding.reasons.push(format!(
                        "first time {principal} is seen from {network} in the stream (before: {})",
                        known
                            .iter()
                            .map(Network::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                finding.confidence = u8::try_from(confidence.clamp(0, 100)).unwrap_or(0);
            }
            for finding in &event.findings {
                let key = (principal.to_owned(), finding.rule_id.clone());
                *self.rules.touch_or_insert_with(key, || 0) += 1;
            }
        }
        if let Some(network) = network {
            let known = match self.networks.touch(principal) {
                Some(known) => known,
                None => self
                    .networks
                    .touch_or_insert_with(principal.to_owned(), Vec::new),
            };
            if !known.contains(&network) {
                if known.len() >= NETWORKS_PER_PRINCIPAL {
                    known.remove(0);
                }
                known.push(network);
            }
        }
    }
}

/// The network an address belongs to for this purpose: its /24 (IPv4) or /48 (IPv6); anything else
/// (AWS writes service names like `cloudtrail.amazonaws.com`) is kept as it is. Addresses become
/// integers, so the per-event path does not allocate.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Network {
    V4(u32),
    V6(u128),
    Name(String),
}

impl std::fmt::Display for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Network::V4(n) => write!(f, "{}/24", std::net::Ipv4Addr::from(*n)),
            Network::V6(n) => write!(f, "{}/48", std::net::Ipv6Addr::from(*n)),
            Network::Name(name) => f.write_str(name),
        }
    }
}

fn network_of(source_ip: &str) -> Network {
    match source_ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => Network::V4(u32::from(v4) & 0xffff_ff00),
        Ok(std::net::IpAddr::V6(v6)) => Network::V6(u128::from(v6) & !((1u128 << 80) - 1)),
        Err(_) => Network::Name(source_ip.to_owned()),
    }
}
