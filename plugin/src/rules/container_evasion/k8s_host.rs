//! Pod specs that give a container a piece of the node, one move per rule as the public rule sets
//! keep them: a privileged container, a host namespace (PID, IPC, network), a kernel capability that
//! reaches past the container. Each alone lets a workload watch, signal or blind the node's agents
//! (kill them through the host PID namespace, sniff or spoof their traffic on the host network, load
//! a kernel module or eBPF program under them). The host-path mounts and the privileged + hostPID
//! combination are `k8s_escape`'s.
//!
//! Agents running their own images, and node infrastructure that needs the same (CNI and kube-proxy,
//! CSI node plugins, node exporters), are left alone when every image the write sets is theirs.
//! Pods that controllers create from a user's template are judged too, outside the system
//! namespaces: peers' rules read pod creations, and each such pod is one node reached.

use super::body::{ANY, at};
use super::k8s_escape::escape_moves;
use super::pod_spec::{
    PodSpec, SYSTEM_NAMESPACES, Standing, created_by, is_true, namespace, place, pod_spec, restore,
    scope, standing,
};
use super::{POD_TEMPLATES, Request, agents};
use crate::model::Severity;
use crate::rules::{Detection, Rule, Trigger, attack, declare};

const WRITES: &[&str] = &["create", "update", "patch"];

declare! {
    PRIVILEGED = {
        id: "k8s.workload.privileged",
        title: "Privileged container in a pod or pod template",
        description: "A pod or pod template (create, update or patch; pods a controller creates outside the \
                      system namespaces too) with a container, init container or ephemeral container whose \
                      securityContext.privileged is true: it has every capability and the node's devices, so it \
                      can stop, blind or unload the node's agents. Medium; high in kube-system or an agent's \
                      namespace. Agents running their own images and node infrastructure images (CNI, \
                      kube-proxy, CSI node plugins) are not findings; privileged: false is not a finding. A write \
                      that also mounts a sensitive host path or adds hostPID is k8s.workload.host_access's, which \
                      lists this move too.",
        attack: &attack::ESCAPE,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::K8s {
            resources: POD_TEMPLATES,
            verbs: WRITES,
            check: privileged,
        },
    };
    HOST_NAMESPACES = {
        id: "k8s.workload.host_namespaces",
        title: "Pod shares the node's PID, IPC or network namespace",
        description: "A pod or pod template (create, update or patch; controller-created pods outside the \
                      system namespaces too) with hostPID, hostIPC or hostNetwork true, each alone: hostPID sees \
                      and signals the node's processes (agents included), hostNetwork sees and can intercept the \
                      node's traffic (agents' telemetry included), hostIPC reaches the node's shared memory. \
                      Medium; high in kube-system or an agent's namespace. Agents running their own images and \
                      node infrastructure images are not findings; the fields set to false are not findings. A \
                      write with a stronger move (sensitive host path, privileged) is that rule's, which lists \
                      this one too.",
        attack: &attack::ESCAPE,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::K8s {
            resources: POD_TEMPLATES,
            verbs: WRITES,
            check: host_namespaces,
        },
    };
    DANGEROUS_CAPABILITIES = {
        id: "k8s.workload.dangerous_capabilities",
        title: "Container given a kernel capability that reaches the node",
        description: "A pod or pod template (create, update or patch; controller-created pods outside the \
                      system namespaces too) whose container adds SYS_ADMIN, SYS_MODULE, SYS_PTRACE, BPF, \
                      PERFMON, NET_ADMIN, SYS_RAWIO, DAC_READ_SEARCH, DAC_OVERRIDE, SYS_BOOT or ALL (with or without the CAP_ prefix, any case): kernel modules, eBPF, tracing of other \
                      processes and raw device or file access are what agents are blinded with. Medium; high in \
                      kube-system or an agent's namespace. Agents and node infrastructure images are not \
                      findings; capabilities only dropped, or harmless ones added (NET_BIND_SERVICE, CHOWN), are \
                      not findings. A write with a stronger move is that rule's, which lists this one too.",
        attack: &attack::ESCAPE,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::K8s {
            resources: POD_TEMPLATES,
            verbs: WRITES,
            check: dangerous_capabilities,
        },
    };
    SYSTEM_NAMESPACE_POD = {
        id: "k8s.workload.system_namespace_pod",
        title: "Pod created by a user in a system namespace",
        description: "create of a pod in kube-system, kube-public or kube-node-lease by a user (not a service \
                      account, controller or node): pods there blend in with the node components and are often \
                      left out of admission policy, log filters and dashboards (medium). Agents and node \
                      infrastructure images are not findings; a pod there that also reaches the node is that \
                      rule's finding (high, naming the namespace).",
        attack: &attack::DEPLOY_CONTAINER,
        severity: Severity::Medium,
        confidence: 50,
        trigger: Trigger::K8s {
            resources: &["pods"],
            verbs: &["create"],
            check: system_namespace_pod,
        },
    };
}

fn system_namespace_pod(request: &Request<'_, '_>) -> Option<Detection> {
    let event = request.event;
    if event.is_service_account() || event.is_node() || event.subresource().is_some() {
        return None;
    }
    let ns = namespace(request)?;
    if !SYSTEM_NAMESPACES.contains(&ns.as_str()) {
        return None;
    }
    let judged = judge(request)?;
    let pod = &judged.pod;
    if !escape_moves(request, pod).is_empty() || !lesser_moves(request, pod, None).is_empty() {
        return None;
    }
    let images: Vec<String> = super::images(&request.body, pod.prefix)
        .into_iter()
        .map(|(_, image)| image)
        .collect();
    let mut detection = Detection::new(&SYSTEM_NAMESPACE_POD)
        .reason(format!(
            "{} was created directly by a user{}: pods in {ns} blend in with the node components and are \
             often left out of admission policy and log filters",
            request.describe(),
            if images.is_empty() {
                String::new()
            } else {
                format!(" with image(s) {}", images.join(", "))
            }
        ))
        .scope(scope(request))
        .restore(restore(request));
    detection.reasons.extend(judged.impostor);
    Some(detection)
}

/// Capabilities that reach past the container, with what they give.
const CAPABILITIES: [(&str, &str); 11] = [
    ("ALL", "every capability"),
    (
        "SYS_ADMIN",
        "mounts, namespaces and most of the kernel's admin interfaces",
    ),
    ("SYS_MODULE", "loading kernel modules under the agents"),
    (
        "BPF",
        "loading eBPF programs that can hide activity from eBPF-based agents",
    ),
    (
        "PERFMON",
        "tracing and perf events, with BPF the tools to tamper with eBPF agents",
    ),
    (
        "SYS_PTRACE",
        "tracing and injecting into other processes (agents in a shared PID namespace)",
    ),
    (
        "NET_ADMIN",
        "rewriting routes and firewall rules: agents' and collectors' traffic can be dropped",
    ),
    ("SYS_RAWIO", "raw I/O to the node's devices"),
    (
        "DAC_READ_SEARCH",
        "reading any file by handle, out of the container (the shocker escape)",
    ),
    ("DAC_OVERRIDE", "ignoring file permissions"),
    ("SYS_BOOT", "rebooting the node"),
];

/// What these rules share about the write.
struct Judged {
    pod: PodSpec<'static>,
    /// Said when the workload is named like an agent but runs other images.
    impostor: Option<String>,
    sensitive: Option<String>,
}

/// The common gate: a pod spec written by a user (or a controller's pod outside the system
/// namespaces), neither an agent's nor node infrastructure's.
fn judge(request: &Request<'_, '_>) -> Option<Judged> {
    let pod = pod_spec(request)?;
    let impostor = match standing(request, pod.prefix) {
        Standing::Exempt => return None,
        Standing::Impostor(why) => Some(why),
        Standing::Other => None,
    };
    let sensitive = namespace(request).and_then(|ns| {
        if ns == "kube-system" {
            Some(
                "it runs in kube-system, among the node components and the cloud's own agents"
                    .to_owned(),
            )
        } else {
            agents::namespace_owner(&ns, request.agents)
                .map(|agent| format!("it runs in namespace {ns}, {agent}'s, beside the agent"))
        }
    });
    Some(Judged {
        pod,
        impostor,
        sensitive,
    })
}

/// The moves of this module, strongest first. A write gets one finding from the pod-spec rules: the
/// strongest rule whose move is present, with the weaker moves as further reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    Privileged,
    Namespaces,
    Capabilities,
}

const LEVELS: [Level; 3] = [Level::Privileged, Level::Namespaces, Level::Capabilities];

/// The moves of one level the write sets.
fn moves_at(level: Level, request: &Request<'_, '_>, pod: &PodSpec<'_>) -> Vec<String> {
    match level {
        Level::Privileged => {
            let names = containers_with(request, &pod.spec, &["securityContext", "privileged"]);
            if names.is_empty() {
                return Vec::new();
            }
            vec![format!(
                "container(s) {} run privileged: every capability and the node's devices, enough to kill, \
                 unload or blind the node's agents and to take over the node",
                names.join(", ")
            )]
        }
        Level::Namespaces => [
            (
                "hostPID",
                "hostPID: it sees the node's processes and, as root, can signal them (agents included)",
            ),
            (
                "hostIPC",
                "hostIPC: it shares the node's IPC namespace and its processes' shared memory",
            ),
            (
                "hostNetwork",
                "hostNetwork: it is on the node's network stack, where it can see, intercept or block the \
                 node's traffic (agents' telemetry included) and reach services bound to localhost",
            ),
        ]
        .into_iter()
        .filter(|(field, _)| is_true(&request.body, &at(&pod.spec, &[field])))
        .map(|(_, what)| what.to_owned())
        .collect(),
        Level::Capabilities => {
            let mut moves: Vec<String> = Vec::new();
            for list in CONTAINER_LISTS {
                let pattern = at(
                    &pod.spec,
                    &[list, ANY, "securityContext", "capabilities", "add", ANY],
                );
                for set in request.body.set_at(&pattern) {
                    let Some(raw) = set.str() else { continue };
                    let line = capability(&raw).map(|what| format!("{raw} added: {what}"));
                    if let Some(line) = line
                        && !moves.contains(&line)
                    {
                        moves.push(line);
                    }
                }
            }
            moves
        }
    }
}

/// The moves of every level below `above` (all levels for `None`).
pub(super) fn lesser_moves(
    request: &Request<'_, '_>,
    pod: &PodSpec<'_>,
    above: Option<Level>,
) -> Vec<String> {
    LEVELS
        .into_iter()
        .filter(|level| above.is_none_or(|a| *level > a))
        .flat_map(|level| moves_at(level, request, pod))
        .collect()
}

/// The finding of `level`'s rule, unless a stronger move of the write takes it.
fn detect(rule: &'static Rule, level: Level, request: &Request<'_, '_>) -> Option<Detection> {
    let judged = judge(request)?;
    let pod = &judged.pod;
    if !escape_moves(request, pod).is_empty()
        || LEVELS
            .into_iter()
            .filter(|l| *l < level)
            .any(|l| !moves_at(l, request, pod).is_empty())
    {
        return None;
    }
    let moves = moves_at(level, request, pod);
    if moves.is_empty() {
        return None;
    }
    let severity = if judged.sensitive.is_some() || judged.impostor.is_some() {
        Severity::High
    } else {
        rule.severity
    };
    let mut detection = Detection::new(rule)
        .severity(severity)
        .reason(format!("{}:", place(request)))
        .scope(scope(request))
        .restore(restore(request));
    detection.reasons.extend(moves);
    detection.reasons.extend(
        lesser_moves(request, pod, Some(level))
            .into_iter()
            .map(|m| format!("also {m}")),
    );
    detection.reasons.extend(judged.sensitive);
    detection.reasons.extend(judged.impostor);
    detection.reasons.extend(created_by(request));
    Some(detection)
}

const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Names of the containers whose `tail` is set to true.
fn containers_with(request: &Request<'_, '_>, spec: &[&str], tail: &[&str]) -> Vec<String> {
    let mut names = Vec::new();
    for list in CONTAINER_LISTS {
        for set in request.body.set_at(&at(spec, &at(&[list, ANY], tail))) {
            if set.value.get() != "true" {
                continue;
            }
            let index = set.key.clone().unwrap_or_default();
            let name = request
                .body
                .set_at(&at(spec, &[list, &index, "name"]))
                .first()
                .and_then(|s| s.str())
                .unwrap_or_else(|| format!("{list}[{index}]"));
            names.push(name);
        }
    }
    names
}

fn privileged(request: &Request<'_, '_>) -> Option<Detection> {
    detect(&PRIVILEGED, Level::Privileged, request)
}

fn host_namespaces(request: &Request<'_, '_>) -> Option<Detection> {
    detect(&HOST_NAMESPACES, Level::Namespaces, request)
}

fn dangerous_capabilities(request: &Request<'_, '_>) -> Option<Detection> {
    detect(&DANGEROUS_CAPABILITIES, Level::Capabilities, request)
}

/// What a capability gives, if it is one of the dangerous ones (`CAP_` prefix and case ignored).
pub(super) fn capability(name: &str) -> Option<&'static str> {
    let upper = name.trim().to_ascii_uppercase();
    let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
    CAPABILITIES
        .iter()
        .find(|(cap, _)| *cap == bare)
        .map(|(_, what)| *what)
}

#[cfg(test)]
mod tests {
    use super::super::run_k8s as run;
    use super::*;

    fn pod(user: &str, ns: &str, spec: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"7c1f","stage":"ResponseComplete","verb":"create","user":{{"username":"{user}"}},"objectRef":{{"resource":"pods","namespace":"{ns}","apiVersion":"v1"}},"responseStatus":{{"code":201}},"requestObject":{{"kind":"Pod","apiVersion":"v1","metadata":{{"generateName":"web-7d4b9-","namespace":"{ns}","ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9","controller":true}}]}},"spec":{spec}}}}}"#
        )
    }

    fn ids(text: &str) -> Vec<&'static str> {
        run(text).iter().map(|d| d.rule.id).collect()
    }

    #[test]
    fn each_move_alone() {
        let user = "alice@example.com";
        let spec = |extra: &str| {
            format!(r#"{{{extra}"containers":[{{"name":"web","image":"nginx:1.27"}}]}}"#)
        };
        assert_eq!(
            ids(&pod(user, "default", &spec(r#""hostNetwork":true,"#))),
            vec!["k8s.workload.host_namespaces"]
        );
        assert_eq!(
            ids(&pod(user, "default", &spec(r#""hostIPC":true,"#))),
            vec!["k8s.workload.host_namespaces"]
        );
        assert!(
            ids(&pod(
                user,
                "default",
                &spec(r#""hostNetwork":false,"hostPID":false,"#)
            ))
            .is_empty()
        );
        let privileged = r#"{"containers":[{"name":"a","image":"nginx"},{"name":"b","image":"busybox","securityContext":{"privileged":true}}]}"#;
        let out = run(&pod(user, "default", privileged));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule.id, "k8s.workload.privileged");
        assert_eq!(out[0].severity, Severity::Medium);
        assert!(
            out[0].reasons[1].contains("container(s) b"),
            "{:?}",
            out[0].reasons
        );
        let out = run(&pod(user, "kube-system", privileged));
        assert_eq!(out[0].severity, Severity::High);
    }

    #[test]
    fn capabilities_in_every_spelling() {
        assert!(capability("cap_sys_admin").is_some());
        assert!(capability("SYS_MODULE").is_some());
        assert!(capability("ALL").is_some());
        assert!(capability("NET_BIND_SERVICE").is_none());
        assert!(capability("CHOWN").is_none());
        let spec = r#"{"containers":[{"name":"t","image":"alpine:3.20","securityContext":{"capabilities":{"add":["NET_BIND_SERVICE","CAP_BPF"],"drop":["ALL"]}}}]}"#;
        let out = run(&pod("alice@example.com", "default", spec));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule.id, "k8s.workload.dangerous_capabilities");
        assert!(
            out[0].reasons[1].starts_with("CAP_BPF added"),
            "{:?}",
            out[0].reasons
        );
        let dropped = r#"{"containers":[{"name":"t","image":"alpine:3.20","securityContext":{"capabilities":{"drop":["ALL"]}}}]}"#;
        assert!(run(&pod("alice@example.com", "default", dropped)).is_empty());
    }

    #[test]
    fn controllers_pods_outside_system_namespaces_and_infrastructure() {
        let controller = "system:serviceaccount:kube-system:replicaset-controller";
        let spec = r#"{"hostNetwork":true,"containers":[{"name":"nginx1","image":"nginx"}]}"#;
        let out = run(&pod(controller, "default", spec));
        assert_eq!(out.len(), 1);
        assert!(
            out[0]
                .reasons
                .iter()
                .any(|r| r.contains("ReplicaSet web-7d4b9")),
            "{:?}",
            out[0].reasons
        );
        assert!(run(&pod(controller, "kube-system", spec)).is_empty());
        let proxy = r#"{"hostNetwork":true,"containers":[{"name":"kube-proxy","image":"registry.k8s.io/kube-proxy:v1.30.2","securityContext":{"privileged":true}}]}"#;
        assert!(run(&pod("alice@example.com", "kube-system", proxy)).is_empty());
        let mixed = r#"{"hostNetwork":true,"containers":[{"name":"kube-proxy","image":"registry.k8s.io/kube-proxy:v1.30.2"},{"name":"x","image":"alpine"}]}"#;
        assert_eq!(
            ids(&pod("alice@example.com", "kube-system", mixed)),
            vec!["k8s.workload.host_namespaces"]
        );
        let falco = r#"{"hostPID":true,"hostNetwork":true,"containers":[{"name":"falco","image":"docker.io/falcosecurity/falco:0.39.0","securityContext":{"privileged":true}}]}"#;
        let agent = pod("alice@example.com", "falco", falco)
            .replace(r#""generateName":"web-7d4b9-""#, r#""name":"falco-x2x9k""#);
        assert!(run(&agent).is_empty());
    }
}
