//! Workloads that step outside what node agents watch: privileged with the host PID namespace, host-path
//! mounts of the container runtime socket or of the node's log directories, and seccomp or AppArmor
//! unconfined. Agents themselves need exactly these and are recognised and left alone.

use super::body::{ANY, Body, at, template_prefix};
use super::{POD_TEMPLATES, Request, agents, images};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare};

declare! {
    HOST_ACCESS = {
        id: "k8s.workload.host_access",
        title: "Workload with host access that escapes node agents",
        description: "A pod or pod template (create, update or patch) that is privileged with hostPID, or mounts \
                      the container runtime socket (docker, containerd, CRI-O) or the node's /var/log from the \
                      host. Known agents, which need this access, are not findings.",
        attack: &attack::ESCAPE,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::K8s {
            resources: POD_TEMPLATES,
            verbs: &["create", "update", "patch"],
            check: host_access,
        },
    };
    UNCONFINED = {
        id: "k8s.workload.unconfined",
        title: "Workload with seccomp or AppArmor unconfined",
        description: "A pod or pod template with seccompProfile type Unconfined, appArmorProfile type Unconfined \
                      or an AppArmor/seccomp annotation set to unconfined: syscall and file-access confinement \
                      that runtime monitoring relies on is off. Known agents are not findings.",
        attack: &attack::DEPLOY_CONTAINER,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::K8s {
            resources: POD_TEMPLATES,
            verbs: &["create", "update", "patch"],
            check: unconfined,
        },
    };
}

/// Host paths whose mount gives control of the node's containers or of its logs.
const RUNTIME_SOCKETS: [&str; 6] = [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
];

/// The node's shared log locations. Components that mount only their own subdirectory
/// (`/var/log/calico/cni`, `/var/log/aws-routed-eni`) to write their logs are not reaching into others'.
const SHARED_LOGS: [&str; 9] = [
    "/var/log",
    "/var/log/pods",
    "/var/log/containers",
    "/var/log/journal",
    "/var/log/audit",
    "/var/log/kubernetes",
    "/var/log/syslog",
    "/var/log/messages",
    "/run/log/journal",
];

/// What a host path gives, when it matters.
pub fn host_path_risk(path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    if RUNTIME_SOCKETS.contains(&path) || path.ends_with(".sock") && path.contains("containerd") {
        Some(
            "the container runtime socket: it can start, stop and hide containers on the node out of the \
             orchestrator's and the agents' view",
        )
    } else if path.is_empty() {
        Some("the node's root filesystem")
    } else if SHARED_LOGS.contains(&path) {
        Some("the node's log directory: it can read, alter or delete the logs agents collect")
    } else if path == "/var/run"
        || path == "/run"
        || path == "/run/containerd"
        || path == "/var/lib/docker"
    {
        Some("the runtime's state directory, including its socket")
    } else {
        None
    }
}

/// Where a pod spec sits in the request: its `spec` and `metadata` patterns and the template prefix.
pub(super) struct PodSpec<'p> {
    pub prefix: &'p [&'p str],
    pub spec: Vec<&'p str>,
    pub meta: Vec<&'p str>,
}

/// The pod spec a user's write sets, if the resource carries one.
pub(super) fn pod_spec(request: &Request<'_, '_>) -> Option<PodSpec<'static>> {
    if !request.is_spec_write() {
        return None;
    }
    let prefix = template_prefix(request.event.resource())?;
    Some(PodSpec {
        prefix,
        spec: at(prefix, &["spec"]),
        meta: at(prefix, &["metadata"]),
    })
}

/// What the agent catalogue says of a workload that reaches outside its container.
pub(super) enum Standing {
    /// An agent running its own images: it needs this access.
    Agent,
    /// Named like an agent but running other images: the reason says so.
    Impostor(String),
    Other,
}

/// An agent needs host access, but its name is the attacker's to choose: only a workload that also
/// runs the agent's images is exempt.
pub(super) fn standing(request: &Request<'_, '_>, prefix: &[&str]) -> Standing {
    let Some(agent) = request.agent(true) else {
        return Standing::Other;
    };
    let set_images = images(&request.body, prefix);
    let foreign: Vec<&str> = set_images
        .iter()
        .map(|(_, image)| image.as_str())
        .filter(|image| !agent.images.is_empty() && !agents::image_matches(&agent.images, image))
        .collect();
    if foreign.is_empty() {
        return Standing::Agent;
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

fn host_access(request: &Request<'_, '_>) -> Option<Detection> {
    let pod = pod_spec(request)?;
    let body = &request.body;
    let mut host = Vec::new();
    let privileged = ["containers", "initContainers"].iter().any(|list| {
        is_true(
            body,
            &at(&pod.spec, &[list, ANY, "securityContext", "privileged"]),
        )
    });
    if privileged && is_true(body, &at(&pod.spec, &["hostPID"])) {
        host.push(
            "privileged containers share the host PID namespace: they can see and kill the node's processes, \
             agents included, and enter the host"
                .to_owned(),
        );
    }
    for set in body.set_at(&at(&pod.spec, &["volumes", ANY, "hostPath", "path"])) {
        if let Some(path) = set.str()
            && let Some(risk) = host_path_risk(&path)
        {
            host.push(format!("host path {path} is mounted: {risk}"));
        }
    }
    if host.is_empty() {
        return None;
    }
    match standing(request, pod.prefix) {
        Standing::Agent => return None,
        Standing::Impostor(why) => host.push(why),
        Standing::Other => {}
    }
    let mut detection = Detection::new(&HOST_ACCESS)
        .reason(format!("{} reaches outside its container:", place(request)))
        .scope(scope(request))
        .restore(restore(request));
    detection.reasons.extend(host);
    Some(detection)
}

fn unconfined(request: &Request<'_, '_>) -> Option<Detection> {
    let pod = pod_spec(request)?;
    let body = &request.body;
    let mut unconfined = Vec::new();
    let mut profile = |pattern: Vec<&str>, what: &str| {
        if body
            .set_at(&pattern)
            .iter()
            .any(|s| s.str().as_deref() == Some("Unconfined"))
        {
            unconfined.push(format!("{what} is Unconfined"));
        }
    };
    profile(
        at(&pod.spec, &["securityContext", "seccompProfile", "type"]),
        "the pod's seccomp profile",
    );
    profile(
        at(&pod.spec, &["securityContext", "appArmorProfile", "type"]),
        "the pod's AppArmor profile",
    );
    for list in ["containers", "initContainers"] {
        profile(
            at(
                &pod.spec,
                &[list, ANY, "securityContext", "seccompProfile", "type"],
            ),
            "a container's seccomp profile",
        );
        profile(
            at(
                &pod.spec,
                &[list, ANY, "securityContext", "appArmorProfile", "type"],
            ),
            "a container's AppArmor profile",
        );
    }
    for set in body.set_at(&at(&pod.meta, &["annotations", ANY])) {
        let (Some(key), Some(value)) = (set.key.as_deref(), set.str()) else {
            continue;
        };
        let confinement = key.starts_with("container.apparmor.security.beta.kubernetes.io/")
            || key.starts_with("seccomp.security.alpha.kubernetes.io/")
            || key.starts_with("container.seccomp.security.alpha.kubernetes.io/");
        if confinement && value.eq_ignore_ascii_case("unconfined") {
            unconfined.push(format!("annotation {key}={value}"));
        }
    }
    if unconfined.is_empty() {
        return None;
    }
    match standing(request, pod.prefix) {
        Standing::Agent => return None,
        Standing::Impostor(why) => unconfined.push(why),
        Standing::Other => {}
    }
    let mut detection = Detection::new(&UNCONFINED)
        .severity(Severity::Medium)
        .reason(format!(
            "{} runs without syscall or file-access confinement:",
            place(request)
        ))
        .scope(scope(request))
        .restore(restore(request));
    detection.reasons.extend(unconfined);
    Some(detection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_paths() {
        assert!(host_path_risk("/var/run/docker.sock").is_some());
        assert!(host_path_risk("/run/containerd/containerd.sock").is_some());
        assert!(host_path_risk("/var/log/").is_some());
        assert!(host_path_risk("/var/log/pods").is_some());
        assert!(host_path_risk("/var/log/calico/cni").is_none());
        assert!(host_path_risk("/").is_some());
        assert!(host_path_risk("/etc/ssl/certs").is_none());
        assert!(host_path_risk("/var/logstash").is_none());
    }
}
