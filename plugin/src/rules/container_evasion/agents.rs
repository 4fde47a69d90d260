//! The catalogue of security and telemetry agents: which workloads, namespaces and images are the eyes
//! of the cluster or host. Built in for the agents of docs/detections.md, extended by the
//! configuration's `agents` section for in-house collectors and private mirrors.

pub use crate::config::agents::CustomAgent;

/// One agent, matched on workload or container name (globs), namespace, the `app.kubernetes.io/name`
/// style labels, and image repository (globs, without tag or digest).
#[derive(Debug)]
pub struct BuiltinAgent {
    pub name: &'static str,
    pub namespaces: &'static [&'static str],
    pub workloads: &'static [&'static str],
    pub images: &'static [&'static str],
}

macro_rules! agent {
    ($name:literal, [$($ns:literal),*], [$($w:literal),*], [$($i:literal),*]) => {
        BuiltinAgent { name: $name, namespaces: &[$($ns),*], workloads: &[$($w),*], images: &[$($i),*] }
    };
}

pub static BUILTIN: &[BuiltinAgent] = &[
    agent!(
        "Falco",
        ["falco"],
        ["falco", "falco-*", "falcosidekick*"],
        ["*falcosecurity/*"]
    ),
    agent!(
        "CrowdStrike Falcon",
        [
            "falcon-system",
            "falcon-kac",
            "falcon-operator",
            "falcon-image-analyzer"
        ],
        [
            "falcon-sensor*",
            "falcon-node-sensor*",
            "falcon-kac*",
            "falcon-operator*",
            "falcon-container*"
        ],
        ["*crowdstrike/falcon*", "*falcon-sensor*", "*falcon-kac*"]
    ),
    agent!(
        "Datadog Agent",
        ["datadog"],
        [
            "datadog",
            "datadog-agent*",
            "datadog-cluster-agent*",
            "datadog-operator*"
        ],
        [
            "*datadog/agent*",
            "*datadog/cluster-agent*",
            "*datadoghq/agent*",
            "*datadoghq/cluster-agent*"
        ]
    ),
    agent!(
        "Sysdig Agent",
        ["sysdig-agent", "sysdig"],
        [
            "sysdig-agent*",
            "sysdig-shield*",
            "sysdig-host-shield*",
            "sysdig-cluster-shield*"
        ],
        [
            "*sysdig/agent*",
            "*sysdig/shield*",
            "*sysdig/cluster-shield*",
            "*sysdig/host-shield*"
        ]
    ),
    agent!(
        "Aqua Enforcer",
        ["aqua"],
        [
            "aqua-enforcer*",
            "aqua-agent*",
            "aqua-kube-enforcer*",
            "kube-enforcer*"
        ],
        [
            "*aquasec/enforcer*",
            "*aquasec/kube-enforcer*",
            "registry.aquasec.com/*"
        ]
    ),
    agent!(
        "Prisma Cloud Defender (Twistlock)",
        ["twistlock", "prisma-cloud"],
        ["twistlock-defender*", "prisma-defender*"],
        [
            "*twistlock/defender*",
            "registry.twistlock.com/*",
            "*prismacloud*defender*"
        ]
    ),
    agent!(
        "Wazuh Agent",
        ["wazuh"],
        ["wazuh-agent*"],
        ["*wazuh/wazuh-agent*"]
    ),
    agent!(
        "Tetragon",
        [],
        ["tetragon", "tetragon-operator*"],
        ["*cilium/tetragon*"]
    ),
    // Before Fluent Bit, whose patterns would claim fluentbit-gke.
    agent!(
        "GKE logging and monitoring agents",
        [],
        [
            "fluentbit-gke*",
            "gke-metrics-agent*",
            "stackdriver-metadata-agent*"
        ],
        ["gke.gcr.io/fluent-bit*", "gke.gcr.io/gke-metrics-agent*"]
    ),
    agent!(
        "Fluent Bit",
        ["fluent-bit"],
        ["fluent-bit*", "fluentbit*", "aws-for-fluent-bit*"],
        ["*fluent/fluent-bit*", "*aws-for-fluent-bit*"]
    ),
    agent!(
        "Fluentd",
        ["fluentd"],
        ["fluentd*"],
        ["*fluent/fluentd*", "*fluentd-kubernetes-daemonset*"]
    ),
    agent!(
        "Vector",
        ["vector"],
        ["vector", "vector-agent*"],
        ["*timberio/vector*"]
    ),
    agent!(
        "Elastic Agent / Beats",
        ["elastic-agent"],
        ["elastic-agent*", "filebeat*", "auditbeat*", "metricbeat*"],
        [
            "*/elastic-agent*",
            "*beats/filebeat*",
            "*beats/auditbeat*",
            "*beats/metricbeat*"
        ]
    ),
    agent!(
        "OpenTelemetry Collector",
        ["opentelemetry-operator-system"],
        [
            "otel-collector*",
            "*-otel-collector*",
            "opentelemetry-collector*",
            "otel-agent*"
        ],
        [
            "*opentelemetry-collector*",
            "*otel/opentelemetry-collector*"
        ]
    ),
    agent!(
        "CloudWatch agent",
        ["amazon-cloudwatch"],
        ["cloudwatch-agent*", "amazon-cloudwatch-observability*"],
        ["*cloudwatch-agent*"]
    ),
    agent!(
        "Azure Monitor agent",
        [],
        ["ama-logs*", "ama-metrics*", "omsagent*"],
        ["mcr.microsoft.com/azuremonitor/*"]
    ),
    agent!(
        "Microsoft Defender for Containers",
        [],
        ["microsoft-defender-*"],
        ["mcr.microsoft.com/azuredefender/*"]
    ),
];

/// What an event says about a workload or container.
#[derive(Debug, Default)]
pub struct Facts<'x> {
    pub namespace: Option<&'x str>,
    /// Workload, container or (for supporting objects) object name.
    pub name: Option<&'x str>,
    /// Values of `app.kubernetes.io/name`, `app`, `k8s-app` and similar labels.
    pub labels: Vec<String>,
    /// Image references (with or without tag).
    pub images: Vec<String>,
}

/// An agent recognised in an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Identified {
    pub agent: String,
    /// How it was recognised, for the finding's reasons.
    pub by: String,
    /// The agent's image patterns, to tell an upgrade from a swap.
    pub images: Vec<String>,
}

/// `*` and `?` glob, ASCII case-insensitive. Runs for every catalogue pattern on every container and
/// workload event, so it allocates nothing: compiling a `WildMatch` (and lowercasing both sides) per
/// call was 72% of a Docker event's instructions under callgrind. Equivalent to
/// `WildMatch::new(&pattern.to_ascii_lowercase()).matches(&value.to_ascii_lowercase())` (a test
/// checks).
pub(crate) fn glob(pattern: &str, value: &str) -> bool {
    let (p, v) = (pattern.as_bytes(), value.as_bytes());
    let (mut pi, mut vi) = (0, 0);
    // After a `*`: where the pattern resumes, and the value position the star has consumed up to.
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        match p.get(pi) {
            Some(b'*') => {
                pi += 1;
                star = Some((pi, vi));
                continue;
            }
            Some(b'?') => {
                pi += 1;
                vi += char_len(v[vi]);
                continue;
            }
            Some(c) if c.eq_ignore_ascii_case(&v[vi]) => {
                pi += 1;
                vi += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((resume, consumed)) => {
                let next = consumed + char_len(v[consumed]);
                star = Some((resume, next));
                pi = resume;
                vi = next;
            }
            None => return false,
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// Bytes in the UTF-8 character starting with `first` (values are `&str`, so always a boundary).
fn char_len(first: u8) -> usize {
    match first {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

/// `registry/repo/name:tag@sha256:…` → `registry/repo/name`.
pub fn repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match (image.rfind(':'), image.rfind('/')) {
        (Some(colon), Some(slash)) if colon > slash => image.get(..colon).unwrap_or(image),
        (Some(colon), None) => image.get(..colon).unwrap_or(image),
        _ => image,
    }
}

/// Whether `image`'s repository matches one of the patterns.
pub fn image_matches<S: AsRef<str>>(patterns: &[S], image: &str) -> bool {
    let repo = repository(image);
    patterns.iter().any(|p| glob(p.as_ref(), repo))
}

fn match_entry<S: AsRef<str>>(
    name: &str,
    namespaces: &[S],
    workloads: &[S],
    images: &[S],
    facts: &Facts<'_>,
) -> Option<Identified> {
    let found = |by: String| Identified {
        agent: name.to_owned(),
        by,
        images: images.iter().map(|i| i.as_ref().to_owned()).collect(),
    };
    if let Some(workload) = facts.name
        && workloads.iter().any(|w| glob(w.as_ref(), workload))
    {
        return Some(found(format!("name {workload}")));
    }
    if let Some(label) = facts
        .labels
        .iter()
        .find(|l| workloads.iter().any(|w| glob(w.as_ref(), l)))
    {
        return Some(found(format!("label value {label}")));
    }
    if let Some(image) = facts.images.iter().find(|i| image_matches(images, i)) {
        return Some(found(format!("image {image}")));
    }
    if let Some(ns) = facts.namespace
        && namespaces.iter().any(|n| glob(n.as_ref(), ns))
    {
        return Some(found(format!("namespace {ns}")));
    }
    None
}

/// The agent the facts describe, configured agents first (they are the more specific knowledge).
pub fn identify(facts: &Facts<'_>, custom: &[CustomAgent]) -> Option<Identified> {
    custom
        .iter()
        .find_map(|a| match_entry(&a.name, &a.namespaces, &a.workloads, &a.images, facts))
        .or_else(|| {
            BUILTIN
                .iter()
                .find_map(|a| match_entry(a.name, a.namespaces, a.workloads, a.images, facts))
        })
}

/// The agent whose namespace this is.
pub fn namespace_owner(namespace: &str, custom: &[CustomAgent]) -> Option<String> {
    let facts = Facts {
        namespace: Some(namespace),
        ..Facts::default()
    };
    custom
        .iter()
        .find_map(|a| match_entry::<String>(&a.name, &a.namespaces, &[], &[], &facts))
        .or_else(|| {
            BUILTIN
                .iter()
                .find_map(|a| match_entry::<&str>(a.name, a.namespaces, &[], &[], &facts))
        })
        .map(|i| i.agent)
}

/// Words that name a namespace for monitoring, whoever's agent runs there.
const MONITORING_WORDS: [&str; 7] = [
    "monitor",
    "logging",
    "observability",
    "telemetry",
    "security",
    "siem",
    "audit",
];

/// Why a namespace is where monitoring runs: an agent's namespace, or a name that says so.
pub fn monitoring_namespace(namespace: &str, custom: &[CustomAgent]) -> Option<String> {
    if let Some(agent) = namespace_owner(namespace, custom) {
        return Some(format!("{agent}'s namespace"));
    }
    let lower = namespace.to_ascii_lowercase();
    MONITORING_WORDS
        .iter()
        .find(|word| lower.contains(*word))
        .map(|word| format!("a namespace named for {word}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitoring_namespaces_by_owner_or_name() {
        assert_eq!(
            monitoring_namespace("falco", &[]).as_deref(),
            Some("Falco's namespace")
        );
        assert!(monitoring_namespace("kube-prometheus-monitoring", &[]).is_some());
        assert!(monitoring_namespace("shop", &[]).is_none());
        assert!(monitoring_namespace("kube-system", &[]).is_none());
    }

    #[test]
    fn recognises_agents_by_each_fact() {
        let by_name = Facts {
            name: Some("falco"),
            namespace: Some("security"),
            ..Facts::default()
        };
        assert_eq!(
            identify(&by_name, &[]).map(|i| i.agent).as_deref(),
            Some("Falco")
        );
        let by_image = Facts {
            name: Some("node-logs"),
            images: vec!["cr.fluentbit.io/fluent/fluent-bit:3.1.4".into()],
            ..Facts::default()
        };
        assert_eq!(
            identify(&by_image, &[]).map(|i| i.agent).as_deref(),
            Some("Fluent Bit")
        );
        let by_label = Facts {
            name: Some("x"),
            labels: vec!["datadog-agent".into()],
            ..Facts::default()
        };
        assert_eq!(
            identify(&by_label, &[]).map(|i| i.agent).as_deref(),
            Some("Datadog Agent")
        );
        let web = Facts {
            name: Some("web"),
            namespace: Some("shop"),
            images: vec!["nginx:1.27".into()],
            ..Facts::default()
        };
        assert_eq!(identify(&web, &[]), None);
        assert_eq!(
            namespace_owner("falcon-system", &[]).as_deref(),
            Some("CrowdStrike Falcon")
        );
        assert_eq!(namespace_owner("kube-system", &[]), None);
    }

    #[test]
    fn repositories_drop_tags_and_digests_not_ports() {
        assert_eq!(
            repository("falcosecurity/falco:0.38.1"),
            "falcosecurity/falco"
        );
        assert_eq!(repository("registry:5000/falco"), "registry:5000/falco");
        assert_eq!(
            repository("registry:5000/falco:1@sha256:ab"),
            "registry:5000/falco"
        );
        assert_eq!(repository("busybox"), "busybox");
        assert!(image_matches(
            &["*falcosecurity/*"],
            "docker.io/falcosecurity/falco-no-driver:0.38.1"
        ));
        assert!(!image_matches(&["*falcosecurity/*"], "busybox:1.36"));
        let elastic = Facts {
            name: Some("shipper"),
            images: vec!["docker.elastic.co/beats/elastic-agent:8.15.0".into()],
            ..Facts::default()
        };
        assert_eq!(
            identify(&elastic, &[]).map(|i| i.agent).as_deref(),
            Some("Elastic Agent / Beats")
        );
    }

    #[test]
    fn configured_agents_are_validated_with_paths() {
        let parse = |text: &str| {
            let docs: Vec<crate::config::agents::AgentDocument> =
                serde_json::from_str(text).expect("json");
            crate::config::agents::validate(docs)
        };
        let ok = parse(r#"[{"name":"acme-edr","namespaces":["acme-edr"],"images":["registry.acme.io/edr/*"]}]"#)
            .expect("valid");
        let facts = Facts {
            name: Some("sensor"),
            images: vec!["registry.acme.io/edr/sensor:5.2".into()],
            ..Facts::default()
        };
        assert_eq!(
            identify(&facts, &ok).map(|i| i.agent).as_deref(),
            Some("acme-edr")
        );
        let err = parse(r#"[{"name":"x","workloads":["ok","*"]}]"#).expect_err("star");
        assert_eq!(err.path, "agents[0].workloads[1]");
        let err = parse(r#"[{"name":"x"}]"#).expect_err("nothing");
        assert_eq!(err.path, "agents[0]");
        let err = parse(r#"[{"name":" ","images":["a"]}]"#).expect_err("name");
        assert_eq!(err.path, "agents[0].name");
        let err = parse(r#"[{"name":"x","images":["a b"]}]"#).expect_err("space");
        assert_eq!(err.path, "agents[0].images[0]");
    }

    #[test]
    fn the_configuration_document_carries_agents() {
        use crate::config::Config;
        let config =
            Config::parse(r#"{"agents":[{"name":"acme-edr","workloads":["acme-sensor*"]}]}"#)
                .expect("valid");
        assert_eq!(config.agents.len(), 1);
        let err = Config::parse(r#"{"agents":[{"name":"a","workloads":["x"],"imagez":["y"]}]}"#)
            .expect_err("unknown key");
        assert!(err.path.starts_with("agents[0]"), "{err}");
        assert!(err.message.contains("unknown field"), "{err}");
        let err =
            Config::parse(r#"{"agents":[{"name":"a","namespaces":["**"]}]}"#).expect_err("star");
        assert_eq!(err.path, "agents[0].namespaces[0]");
        let err = Config::parse(r#"{"agents":{"name":"a"}}"#).expect_err("not a list");
        assert_eq!(err.path, "agents");
    }

    #[test]
    fn glob_matches_exactly_what_wildmatch_matches() {
        let patterns = [
            "falco*",
            "*agent*",
            "?alco",
            "*",
            "",
            "a*b*c",
            "registry.acme.io/edr/*",
            "DATADOG-*",
            "*-node",
            "wa?uh*",
            "**x",
            "é*",
            "?é",
            "crowdstrike/falcon-sensor",
        ];
        let values = [
            "falco",
            "Falco-Exporter",
            "my-agent-1",
            "",
            "abc",
            "aXbYc",
            "acb",
            "registry.acme.io/edr/sensor",
            "datadog-agent",
            "node",
            "x-node",
            "wazuh-agent",
            "wasuh",
            "é",
            "éa",
            "aé",
            "xx",
            "crowdstrike/falcon-sensor",
        ];
        for pattern in patterns {
            for value in values {
                let expected = wildmatch::WildMatch::new(&pattern.to_ascii_lowercase())
                    .matches(&value.to_ascii_lowercase());
                assert_eq!(glob(pattern, value), expected, "{pattern:?} vs {value:?}");
            }
        }
    }
}
