//! Workloads that step outside what node agents watch: privileged with the host PID namespace, host-path
//! mounts of the container runtime socket or of the node's log directories, and seccomp or AppArmor
//! unconfined. Agents themselves need exactly these and are recognised and left alone.

use super::body::{ANY, at, template_prefix};
use super::{DEPLOY, ESCAPE, K8S, Request, agents, images, rule};
use crate::model::Severity;
use crate::rules::Detection;

rule!(
    HOST_ACCESS,
    "k8s.workload.host_access",
    "Workload with host access that escapes node agents",
    ESCAPE,
    High,
    75,
    K8S,
    "A pod or pod template (create, update or patch) that is privileged with hostPID, or mounts the \
     container runtime socket (docker, containerd, CRI-O) or the node's /var/log from the host. Known \
     agents, which need this access, are not findings."
);
rule!(
    UNCONFINED,
    "k8s.workload.unconfined",
    "Workload with seccomp or AppArmor unconfined",
    DEPLOY,
    Medium,
    60,
    K8S,
    "A pod or pod template with seccompProfile type Unconfined, appArmorProfile type Unconfined or an \
     AppArmor/seccomp annotation set to unconfined: syscall and file-access confinement that runtime \
     monitoring relies on is off. Known agents are not findings."
);

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

pub fn evaluate(request: &Request<'_, '_>, out: &mut Vec<Detection>) {
    if !request.is_spec_write() {
        return;
    }
    let Some(prefix) = template_prefix(request.event.resource()) else {
        return;
    };
    let spec = at(prefix, &["spec"]);
    let meta = at(prefix, &["metadata"]);
    let body = &request.body;
    let is_true = |pattern: &[&str]| body.set_at(pattern).iter().any(|s| s.value.get() == "true");

    let mut host = Vec::new();
    let privileged = ["containers", "initContainers"]
        .iter()
        .any(|list| is_true(&at(&spec, &[list, ANY, "securityContext", "privileged"])));
    if privileged && is_true(&at(&spec, &["hostPID"])) {
        host.push(
            "privileged containers share the host PID namespace: they can see and kill the node's processes, \
             agents included, and enter the host"
                .to_owned(),
        );
    }
    for set in body.set_at(&at(&spec, &["volumes", ANY, "hostPath", "path"])) {
        if let Some(path) = set.str()
            && let Some(risk) = host_path_risk(&path)
        {
            host.push(format!("host path {path} is mounted: {risk}"));
        }
    }

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
        at(&spec, &["securityContext", "seccompProfile", "type"]),
        "the pod's seccomp profile",
    );
    profile(
        at(&spec, &["securityContext", "appArmorProfile", "type"]),
        "the pod's AppArmor profile",
    );
    for list in ["containers", "initContainers"] {
        profile(
            at(
                &spec,
                &[list, ANY, "securityContext", "seccompProfile", "type"],
            ),
            "a container's seccomp profile",
        );
        profile(
            at(
                &spec,
                &[list, ANY, "securityContext", "appArmorProfile", "type"],
            ),
            "a container's AppArmor profile",
        );
    }
    for set in body.set_at(&at(&meta, &["annotations", ANY])) {
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

    if host.is_empty() && unconfined.is_empty() {
        return;
    }
    // An agent needs this access, but its name is the attacker's to choose: only a workload that also
    // runs the agent's images is exempt.
    let set_images = images(body, prefix);
    let mut impostor = None;
    if let Some(agent) = request.agent(true) {
        let foreign: Vec<&str> = set_images
            .iter()
            .map(|(_, image)| image.as_str())
            .filter(|image| {
                !agent.images.is_empty() && !agents::image_matches(&agent.images, image)
            })
            .collect();
        if foreign.is_empty() {
            return;
        }
        impostor = Some(format!(
            "it is named like {} ({}) but runs {}, not the agent's image",
            agent.agent,
            agent.by,
            foreign.join(", ")
        ));
    }
    host.extend(impostor.clone().filter(|_| !host.is_empty()));
    unconfined.extend(impostor.filter(|_| !unconfined.is_empty()));
    let ns = request.ns_arg();
    let scope = format!(
        "`kubectl {ns}get pods -o wide` shows the nodes its pods run on; treat those nodes' agent telemetry \
         as incomplete from this event on"
    );
    let restore = match (request.event.resource(), request.verb()) {
        ("pods", _) => format!(
            "kubectl {ns}delete {} (after preserving it for investigation)",
            request.object_arg()
        ),
        (_, "create") => format!(
            "kubectl {ns}delete {} (after preserving it for investigation)",
            request.object_arg()
        ),
        _ => format!("kubectl {ns}rollout undo {}", request.object_arg()),
    };
    let place = if request.event.resource() == "pods" {
        request.describe()
    } else {
        format!("the pod template of {}", request.describe())
    };
    if !host.is_empty() {
        let mut detection = Detection::new(&HOST_ACCESS)
            .reason(format!("{place} reaches outside its container:"))
            .scope(scope.clone())
            .restore(restore.clone());
        detection.reasons.extend(host);
        out.push(detection);
    }
    if !unconfined.is_empty() {
        let mut detection = Detection::new(&UNCONFINED)
            .severity(Severity::Medium)
            .reason(format!(
                "{place} runs without syscall or file-access confinement:"
            ))
            .scope(scope)
            .restore(restore);
        detection.reasons.extend(unconfined);
        out.push(detection);
    }
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
