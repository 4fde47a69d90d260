//! The `network` section of the configuration: which traffic goes to a telemetry collector, and the
//! windows of the flow-log rules (`correlation::network` applies them).

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;

use super::ConfigError;

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
    pub fn matches(&self, ip: IpAddr, port: Option<u16>) -> bool {
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
