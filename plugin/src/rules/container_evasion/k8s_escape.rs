//! Workloads that step outside what node agents watch: privileged with the host PID namespace, host-path
//! mounts of the container runtime socket or of the node's log directories, and seccomp or AppArmor
//! unconfined. Agents themselves need exactly these and are recognised and left alone.

use super::body::{ANY, at};
use super::k8s_host::lesser_moves;
use super::pod_spec::{
    PodSpec, Standing, created_by, is_true, place, pod_spec, restore, scope, standing,
};
use super::{POD_TEMPLATES, Request};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare};

declare! {
    HOST_ACCESS = {
        id: "k8s.workload.host_access",
        title: "Workload with host access that escapes node agents",
        description: "A pod or pod template (create, update or patch; pods a controller creates outside the \
                      system namespaces too) that is privileged with hostPID, or mounts from the host: its root \
                      (/), the container runtime socket or state (docker, containerd, CRI-O), /var/run, the \
                      node's shared logs (/var/log, pods, journal), /proc, /sys, /etc (as a whole, or its \
                      accounts, sudo, cron, SSH, systemd, audit and logging parts), /etc/kubernetes, \
                      /var/lib/kubelet, /root, /home, /dev or /boot. Agents running their own images and node \
                      infrastructure images are not findings; certificate, time-zone, /lib/modules and \
                      application data mounts are not findings.",
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
    } else if RUNTIME_STATE.iter().any(|dir| under(path, dir)) {
        Some(
            "the container runtime's state: other containers' filesystems and the runtime's sockets",
        )
    } else if under(path, "/etc/kubernetes") {
        Some(
            "the node's Kubernetes configuration: kubelet credentials, and static pod manifests that run \
             outside the API server's admission and audit",
        )
    } else if under(path, "/var/lib/kubelet") {
        Some(
            "the kubelet's state: every pod's volumes and service account tokens, and its credentials",
        )
    } else if under(path, "/proc") {
        Some(
            "the node's /proc: every process on the node, agents included, and the kernel's settings",
        )
    } else if under(path, "/sys") {
        Some("the node's /sys: kernel, cgroup, tracing and eBPF interfaces that agents rely on")
    } else if path == "/etc" || SENSITIVE_ETC.iter().any(|dir| under(path, dir)) {
        Some(
            "the node's system configuration (accounts, sudo, cron, SSH, systemd, preloads, audit and \
             logging daemons): a write there runs code on the node or silences its logging",
        )
    } else if under(path, "/root") || under(path, "/home") {
        Some("home directories on the node: SSH keys, shell startup files and stored credentials")
    } else if path == "/dev" || path == "/boot" {
        Some("the node's devices or boot files: its disks and kernel")
    } else {
        None
    }
}

/// Runtime state directories below which every path belongs to the runtime.
const RUNTIME_STATE: [&str; 6] = [
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/run/containerd",
    "/var/run/crio",
    "/run/crio",
    "/var/lib/containers",
];

/// The parts of /etc that run code or control logging; certificates, time zone and host names are
/// routinely mounted read-only and are not among them.
const SENSITIVE_ETC: [&str; 15] = [
    "/etc/passwd",
    "/etc/shadow",
    "/etc/sudoers",
    "/etc/sudoers.d",
    "/etc/cron.d",
    "/etc/crontab",
    "/etc/ssh",
    "/etc/systemd",
    "/etc/ld.so.preload",
    "/etc/audit",
    "/etc/rsyslog.d",
    "/etc/rsyslog.conf",
    "/etc/falco",
    "/etc/docker",
    "/etc/containerd",
];

/// `path` is `dir` or below it.
fn under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The moves that reach the node outright: privileged with the host PID namespace, sensitive host
/// paths. The other pod-spec rules stand back when these are present.
pub(super) fn escape_moves(request: &Request<'_, '_>, pod: &PodSpec<'_>) -> Vec<String> {
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
    host
}

fn host_access(request: &Request<'_, '_>) -> Option<Detection> {
    let pod = pod_spec(request)?;
    let mut host = escape_moves(request, &pod);
    if host.is_empty() {
        return None;
    }
    match standing(request, pod.prefix) {
        Standing::Exempt => return None,
        Standing::Impostor(why) => host.push(why),
        Standing::Other => {}
    }
    let mut detection = Detection::new(&HOST_ACCESS)
        .reason(format!("{} reaches outside its container:", place(request)))
        .scope(scope(request))
        .restore(restore(request));
    detection.reasons.extend(host);
    detection.reasons.extend(
        lesser_moves(request, &pod, None)
            .into_iter()
            .map(|m| format!("also {m}")),
    );
    detection.reasons.extend(created_by(request));
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
        Standing::Exempt => return None,
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
    detection.reasons.extend(created_by(request));
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
        for sensitive in [
            "/proc",
            "/sys/kernel/debug",
            "/etc",
            "/etc/kubernetes/manifests",
            "/var/lib/kubelet/pki",
            "/root/.ssh",
            "/home/admin",
            "/var/lib/docker/overlay2",
            "/etc/cron.d",
        ] {
            assert!(host_path_risk(sensitive).is_some(), "{sensitive}");
        }
        for routine in [
            "/usr/local",
            "/etc/localtime",
            "/etc/pki/tls",
            "/lib/modules",
            "/run/xtables.lock",
            "/procfs",
            "/homework",
            "/data/app",
        ] {
            assert!(host_path_risk(routine).is_none(), "{routine}");
        }
    }
}
