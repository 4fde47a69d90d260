//! What a user's write sets in a pod spec (a pod's own or a workload's template), and whose pod it
//! is: an agent running its own images, node infrastructure, an impostor named like an agent, or
//! anything else. Shared by the rules that read pod specs (`k8s_escape`, `k8s_host`).
//!
//! Pods that control-plane controllers create from a user's template are judged too, outside the
//! system namespaces: the public rule sets read pod creations, and each such pod is one node reached.

use super::body::{Body, at, template_prefix};
use super::{Request, agents, images};

/// Where a pod spec sits in the request: its `spec` and `metadata` patterns and the template prefix.
pub(super) struct PodSpec<'p> {
    pub prefix: &'p [&'p str],
    pub spec: Vec<&'p str>,
    pub meta: Vec<&'p str>,
}

/// The pod spec a write sets, if the resource carries one: a user's write, or a controller's pod
/// outside the system namespaces.
pub(super) fn pod_spec(request: &Request<'_, '_>) -> Option<PodSpec<'static>> {
    if !request.is_spec_write() {
        return None;
    }
    let prefix = template_prefix(request.event.resource())?;
    if request.by_controller()
        && namespace(request).is_none_or(|ns| SYSTEM_NAMESPACES.contains(&ns.as_str()))
    {
        return None;
    }
    Some(PodSpec {
        prefix,
        spec: at(prefix, &["spec"]),
        meta: at(prefix, &["metadata"]),
    })
}

/// What the agent catalogue says of a workload that reaches outside its container.
pub(super) enum Standing {
    /// An agent running its own images, or node infrastructure: it needs this access.
    Exempt,
    /// Named like an agent but running other images: the reason says so.
    Impostor(String),
    Other,
}

/// An agent needs host access, but its name is the attacker's to choose: only a workload that also
/// runs the agent's images is exempt. Node infrastructure is exempt when every image the write sets
/// is infrastructure's.
pub(super) fn standing(request: &Request<'_, '_>, prefix: &[&str]) -> Standing {
    let set_images = images(&request.body, prefix);
    let Some(agent) = request.agent(true) else {
        let infrastructure = !set_images.is_empty()
            && set_images
                .iter()
                .all(|(_, image)| agents::image_matches(INFRASTRUCTURE, image));
        return if infrastructure {
            Standing::Exempt
        } else {
            Standing::Other
        };
    };
    let foreign: Vec<&str> = set_images
        .iter()
        .map(|(_, image)| image.as_str())
        .filter(|image| !agent.images.is_empty() && !agents::image_matches(&agent.images, image))
        .collect();
    if foreign.is_empty() {
        return Standing::Exempt;
    }
    Standing::Impostor(format!(
        "it is named like {} ({}) but runs {}, not the agent's image",
        agent.agent,
        agent.by,
        foreign.join(", ")
    ))
}

/// Where the pod runs and how to look at it and undo the change, shared by the pod-spec rules.
pub(super) fn place(request: &Request<'_, '_>) -> String {
    if request.event.resource() == "pods" {
        request.describe()
    } else {
        format!("the pod template of {}", request.describe())
    }
}

pub(super) fn scope(request: &Request<'_, '_>) -> String {
    format!(
        "`kubectl {}get pods -o wide` shows the nodes its pods run on; treat those nodes' agent telemetry \
         as incomplete from this event on",
        request.ns_arg()
    )
}

pub(super) fn restore(request: &Request<'_, '_>) -> String {
    let ns = request.ns_arg();
    match (request.event.resource(), request.verb()) {
        ("pods", _) | (_, "create") => format!(
            "kubectl {ns}delete {} (after preserving it for investigation)",
            request.object_arg()
        ),
        _ => format!("kubectl {ns}rollout undo {}", request.object_arg()),
    }
}

/// Whether the body sets `true` at a pattern.
pub(super) fn is_true(body: &Body<'_>, pattern: &[&str]) -> bool {
    body.set_at(pattern).iter().any(|s| s.value.get() == "true")
}

/// Node infrastructure that runs privileged or on the host's namespaces by design (image repositories,
/// registry included; `*` globs). Only a write whose every image is here is left alone.
pub const INFRASTRUCTURE: &[&str] = &[
    "*kube-proxy",
    "*hyperkube",
    "*calico/node",
    "*calico/typha",
    "*calico/cni",
    "*calico/pod2daemon-flexvol",
    "*calico/csi",
    "*calico/node-driver-registrar",
    "*projectcalico-org/*",
    "*cilium/cilium",
    "*cilium/operator*",
    "*amazon-k8s-cni*",
    "*aws-network-policy-agent",
    "*aws-ebs-csi-driver",
    "*aws-efs-csi-driver",
    "mcr.microsoft.com/containernetworking/*",
    "mcr.microsoft.com/oss/kubernetes-csi/*",
    "mcr.microsoft.com/aks/ip-masq-agent*",
    "gke.gcr.io/gke-metadata-server",
    "gke.gcr.io/netd*",
    "gke.gcr.io/ip-masq-agent*",
    "gke.gcr.io/watcher-daemonset",
    "gke.gcr.io/gcp-compute-persistent-disk-csi-driver",
    "gke.gcr.io/csi-node-driver-registrar",
    "*prometheus-to-sd",
    "*ip-masq-agent*",
    "*k8s-dns-node-cache",
    "*sig-storage/csi-node-driver-registrar",
    "*sig-storage/livenessprobe",
    "*flannel/flannel*",
    "*flannelcni/*",
    "*cloudnativelabs/kube-router",
    "*antrea/antrea-*",
    "*multus-cni*",
    "*prom/node-exporter",
    "*prometheus/node-exporter",
    "*cadvisor",
    "*nvidia/k8s-device-plugin",
    "*sysdig/sysdig",
    "*datadog/docker-dd-agent",
];

/// Namespaces that hold no user workloads: a controller's pod there is the control plane's.
pub(super) const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// The namespace from `objectRef`, else from the body (a create's object).
pub(super) fn namespace(request: &Request<'_, '_>) -> Option<String> {
    request.event.namespace().map(str::to_owned).or_else(|| {
        request
            .body
            .set_at(&["metadata", "namespace"])
            .first()
            .and_then(|s| s.str())
    })
}

/// For a controller's pod: which controller created it, for which owner.
pub(super) fn created_by(request: &Request<'_, '_>) -> Option<String> {
    if !request.by_controller() {
        return None;
    }
    let user = request.event.username.as_deref().unwrap_or("a controller");
    let owner = |key: &str| {
        request
            .body
            .set_at(&["metadata", "ownerReferences", "0", key])
            .first()
            .and_then(|s| s.str())
    };
    Some(match (owner("kind"), owner("name")) {
        (Some(kind), Some(name)) => {
            format!("it was created by {user} for {kind} {name}, whose pod template sets it")
        }
        _ => format!("it was created by {user} from a workload's pod template"),
    })
}
