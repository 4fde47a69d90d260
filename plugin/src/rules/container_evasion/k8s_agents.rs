//! Security and telemetry agent workloads taken out on Kubernetes: deleted, scaled to zero, pinned to
//! nodes that do not exist, given another image, or stripped of the namespace, service account, role
//! binding or config map they run with. An agent's own upgrades (same image repository, more replicas)
//! are left alone.

use super::body::{ANY, at, template_prefix, to_pointer};
use super::{MaybeReason, Request, agents, images, kind};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare, sh};

/// The workloads whose deletion or scaling takes an agent's pods away.
const WORKLOADS: &[&str] = &["daemonsets", "deployments", "statefulsets"];

declare! {
    WORKLOAD_DELETED = {
        id: "k8s.agent.workload_deleted",
        title: "Security or telemetry agent workload deleted",
        description: "delete (or deletecollection) of a DaemonSet, Deployment or StatefulSet that is a security \
                      or telemetry agent (built-in catalogue plus configured agents): its pods stop on every node \
                      it covered.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::K8s {
            resources: WORKLOADS,
            verbs: &["delete", "deletecollection"],
            check: deleted,
        },
    };
    SCALED_TO_ZERO = {
        id: "k8s.agent.scaled_to_zero",
        title: "Agent workload scaled to zero",
        description: "patch or update of an agent Deployment or StatefulSet (or its scale subresource) setting \
                      spec.replicas to 0. Raising replicas and autoscalers scaling other workloads are not \
                      findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::K8s {
            resources: WORKLOADS,
            verbs: &["patch", "update"],
            check: scaled,
        },
    };
    UNSCHEDULABLE = {
        id: "k8s.agent.unschedulable",
        title: "Agent workload given a node selector or affinity",
        description: "patch of an agent workload's pod nodeSelector or affinity (high when it sets a selector \
                      label other than the well-known os/arch labels or a required node affinity, medium for \
                      other changes), or a full update whose nodeSelector names such a label (medium: an update \
                      restates the selector whether or not it changed): the agent's pods leave every node that \
                      does not match.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::K8s {
            resources: WORKLOADS,
            verbs: &["patch", "update"],
            check: unschedulable,
        },
    };
    IMAGE_SWAPPED = {
        id: "k8s.agent.image_swapped",
        title: "Agent workload image replaced by another repository",
        description: "patch or update of an agent workload that sets a container image outside the agent's image \
                      repositories. A new tag of the same repository (an upgrade) is not a finding; private \
                      mirrors belong in the configured agent's `images`.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::K8s {
            resources: WORKLOADS,
            verbs: &["patch", "update"],
            check: image_swapped,
        },
    };
    SUPPORT_DELETED = {
        id: "k8s.agent.support_deleted",
        title: "Agent namespace, service account, role binding or config map deleted",
        description: "delete of an agent's namespace, or of a service account, (cluster) role, (cluster) role \
                      binding or config map in an agent's namespace or named like the agent: the agent stops, \
                      loses its API access or loses its configuration.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::K8s {
            resources: &[
                "namespaces",
                "serviceaccounts",
                "roles",
                "rolebindings",
                "configmaps",
                "clusterroles",
                "clusterrolebindings",
            ],
            verbs: &["delete", "deletecollection"],
            check: support_deleted,
        },
    };
    CONFIG_CHANGED = {
        id: "k8s.agent.config_changed",
        title: "Agent configuration map changed by a user",
        description: "update or patch by a user of a config map in an agent's namespace or named like an agent \
                      (fluent-bit-config, falco-rules, fluentbit-gke-config in kube-system), or of the \
                      aws-logging map in aws-observability that drives EKS Fargate logging: medium, high when \
                      the new data excludes or discards logs (exclude, a null output, enabled false). Writes by \
                      service accounts (operators, leader election, GitOps controllers) are not findings; \
                      deleting such a map is k8s.agent.support_deleted's.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 55,
        trigger: Trigger::K8s {
            resources: &["configmaps"],
            verbs: &["update", "patch"],
            check: config_changed,
        },
    };
    NOEXECUTE_TAINT = {
        id: "k8s.node.noexecute_taint",
        title: "Node given a NoExecute taint by a user",
        description: "patch or update of a node by a user that sets a taint with effect NoExecute: every pod \
                      without a matching toleration is evicted from the node, agents' DaemonSet pods included \
                      unless they tolerate everything, and new ones do not start there (medium). Cordoning \
                      (spec.unschedulable), NoSchedule and PreferNoSchedule taints leave running agents in place \
                      and are not findings; taints set by the node lifecycle controller, autoscalers and the \
                      kubelet are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 50,
        trigger: Trigger::K8s {
            resources: &["nodes"],
            verbs: &["patch", "update"],
            check: noexecute_taint,
        },
    };
}

/// Node labels every node carries; selecting on them keeps the agent on ordinary nodes.
const WELL_KNOWN_LABELS: [&str; 4] = [
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
];

fn scope(request: &Request<'_, '_>) -> String {
    format!(
        "`kubectl {}get {} -o wide` and `kubectl {}get pods -o wide` show the nodes the agent no longer covers; \
         node telemetry and detections from those nodes are missing from this event's time on",
        request.ns_arg(),
        request.object_arg(),
        request.ns_arg()
    )
}

fn deleted(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.subresource().is_some() {
        return None;
    }
    let agent = request.agent(true)?;
    let what = match request.name() {
        Some(_) => request.describe(),
        None => format!(
            "every {} in namespace {}",
            kind(request.event.resource()),
            request.event.namespace().unwrap_or("(none)")
        ),
    };
    let ns = request.ns_arg();
    let reach = request.reach();
    Some(
        Detection::new(&WORKLOAD_DELETED)
            .reason(format!(
                "{what} ({}, recognised by {}) was deleted: its pods stop and the nodes it covered lose that \
                 monitoring",
                agent.agent, agent.by
            ))
            .scope(format!(
                "`kubectl get nodes -o wide` lists the nodes a DaemonSet covered (every schedulable node unless it \
                 had a selector); `kubectl {}get pods -o wide` shows what of the agent is left; node telemetry and \
                 detections are missing from this event's time on",
                request.ns_arg()
            ))
            .restore(format!(
                "kubectl {ns}apply -f <{} manifest from the agent's Helm chart or GitOps repository> \
                 (or `helm {ns}upgrade --install <release> <chart>`)",
                request.object_arg()
            ))
            .maybe_reason(reach),
    )
}

fn scaled(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.resource() == "daemonsets"
        || !matches!(request.event.subresource(), None | Some("scale"))
    {
        return None;
    }
    let zero = request
        .body
        .set_at(&["spec", "replicas"])
        .iter()
        .any(|s| s.value.get() == "0");
    if !zero {
        return None;
    }
    let agent = request.agent(true)?;
    // The scale's status still counts the replicas that ran before the change took effect.
    let replicas = match request.status_count("replicas").filter(|n| *n > 0) {
        Some(n) => format!("--replicas={n}"),
        None => "--replicas=1 (or the replica count it ran with)".to_owned(),
    };
    Some(
        Detection::new(&SCALED_TO_ZERO)
            .reason(format!(
                "{} ({}, recognised by {}) was scaled to zero replicas: none of its pods run",
                request.describe(),
                agent.agent,
                agent.by
            ))
            .scope(scope(request))
            .restore(format!(
                "kubectl {}scale {} {replicas}",
                request.ns_arg(),
                request.object_arg()
            ))
            .maybe_reason(request.reach()),
    )
}

fn unschedulable(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.subresource().is_some() {
        return None;
    }
    let prefix = template_prefix(request.event.resource())?;
    let selector = at(prefix, &["spec", "nodeSelector"]);
    let affinity = at(prefix, &["spec", "affinity"]);
    let required = at(
        prefix,
        &[
            "spec",
            "affinity",
            "nodeAffinity",
            "requiredDuringSchedulingIgnoredDuringExecution",
        ],
    );
    let added: Vec<String> = request
        .body
        .set_at(&at(&selector, &[ANY]))
        .into_iter()
        .filter_map(|s| {
            let value = s.str()?;
            Some((s.key?, value))
        })
        .filter(|(key, _)| !WELL_KNOWN_LABELS.contains(&key.as_str()))
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    let adds_required = request.body.set_at(&required).iter().any(|s| !s.is_null());
    let patch = request.verb() == "patch";
    let touched = patch && (request.body.touches(&selector) || request.body.touches(&affinity));
    // A full update restates the selector whether or not it changed, so it only says "look".
    let severity = if patch && (!added.is_empty() || adds_required) {
        Severity::High
    } else if touched || !added.is_empty() {
        Severity::Medium
    } else {
        return None;
    };
    let agent = request.agent(true)?;
    let change = if !added.is_empty() && !patch {
        format!(
            "a full update gives it nodeSelector {} (an update cannot show whether that is new): only nodes \
             labelled so keep the agent",
            added.join(", ")
        )
    } else if !added.is_empty() {
        format!(
            "nodeSelector {} was set: only nodes labelled so keep the agent",
            added.join(", ")
        )
    } else if adds_required {
        "a required node affinity was set: only nodes matching it keep the agent".to_owned()
    } else {
        "its nodeSelector or node affinity was changed or removed: check which nodes still match"
            .to_owned()
    };
    Some(
        Detection::new(&UNSCHEDULABLE)
            .severity(severity)
            .reason(format!(
                "{} ({}, recognised by {}): {change}; pods on every other node are evicted and those nodes go \
                 unmonitored",
                request.describe(),
                agent.agent,
                agent.by
            ))
            .scope(format!(
                "{}; `kubectl get nodes --show-labels` shows which nodes match the selector",
                scope(request)
            ))
            .restore(format!(
                "kubectl {}rollout undo {}",
                request.ns_arg(),
                request.object_arg()
            ))
            .maybe_reason(request.reach()),
    )
}

fn image_swapped(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.subresource().is_some() {
        return None;
    }
    let prefix = template_prefix(request.event.resource())?;
    let set = images(&request.body, prefix);
    if set.is_empty() {
        return None;
    }
    // Recognised without the images being set: those are the attacker's choice.
    let agent = request.agent(false)?;
    if agent.images.is_empty() || agent.by.starts_with("namespace") {
        return None;
    }
    let foreign: Vec<&str> = set
        .iter()
        .map(|(_, image)| image.as_str())
        .filter(|image| !agents::image_matches(&agent.images, image))
        .collect();
    if foreign.is_empty() {
        return None;
    }
    let pointer = to_pointer(&at(prefix, &["spec", "containers"]));
    Some(
        Detection::new(&IMAGE_SWAPPED)
            .reason(format!(
                "{} ({}, recognised by {}) was given image {}, outside the agent's repositories ({}): the \
                 pods keep running but no longer run the agent",
                request.describe(),
                agent.agent,
                agent.by,
                foreign.join(", "),
                agent.images.join(", ")
            ))
            .scope(format!(
                "{}; `kubectl {}get {} -o jsonpath='{{{}[*].image}}'` shows the images now",
                scope(request),
                request.ns_arg(),
                request.object_arg(),
                pointer.replace('/', ".")
            ))
            .restore(format!(
                "kubectl {}rollout undo {}",
                request.ns_arg(),
                request.object_arg()
            )),
    )
}

fn support_deleted(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.subresource().is_some() {
        return None;
    }
    let event = request.event;
    let resource = event.resource();
    let name = request.name();
    let (owner, what) = match resource {
        "namespaces" => {
            let ns = name.as_deref()?;
            let owner = agents::namespace_owner(ns, request.agents)?;
            (
                owner,
                "every workload, service account, secret and config map of the agent in it went with it",
            )
        }
        "serviceaccounts" | "roles" | "rolebindings" | "configmaps" => {
            let owner = event
                .namespace()
                .and_then(|ns| agents::namespace_owner(ns, request.agents))
                .or_else(|| {
                    agents::identify(
                        &agents::Facts {
                            name: name.as_deref(),
                            ..agents::Facts::default()
                        },
                        request.agents,
                    )
                    .map(|i| i.agent)
                })?;
            let what = match resource {
                "serviceaccounts" => "a service account it runs as (its API access and identity)",
                "configmaps" => "a config map it reads (its rules, outputs or pipeline)",
                _ => "a role or role binding that grants its API access",
            };
            (owner, what)
        }
        "clusterroles" | "clusterrolebindings" => {
            let facts = agents::Facts {
                name: name.as_deref(),
                ..agents::Facts::default()
            };
            let owner = agents::identify(&facts, request.agents)?.agent;
            (
                owner,
                "a cluster role or binding that grants its API access",
            )
        }
        _ => return None,
    };
    let ns = if resource == "namespaces" {
        format!("-n {} ", sh(name.as_deref().unwrap_or("<namespace>")))
    } else {
        request.ns_arg()
    };
    let restore = if resource == "namespaces" {
        format!(
            "kubectl create namespace {} and reinstall the agent (`helm upgrade --install <release> <chart> \
             -n {}`)",
            sh(name.as_deref().unwrap_or("<namespace>")),
            sh(name.as_deref().unwrap_or("<namespace>"))
        )
    } else {
        format!(
            "kubectl {}apply -f <{} manifest from the agent's Helm chart or GitOps repository>",
            request.ns_arg(),
            request.object_arg()
        )
    };
    Some(
        Detection::new(&SUPPORT_DELETED)
            .reason(format!(
                "{} ({owner}) was deleted: {what}",
                request.describe()
            ))
            .scope(format!(
                "`kubectl {ns}get pods -o wide` and the agent's logs show whether it still runs, and on which nodes"
            ))
            .restore(restore),
    )
}

/// Words in an agent's new configuration that make it drop what it collects.
const DISCARDING: [&str; 5] = [
    "exclude",
    "@type null",
    "name null",
    "enabled: false",
    "enabled=false",
];

fn config_changed(request: &Request<'_, '_>) -> Option<Detection> {
    let event = request.event;
    if event.subresource().is_some() || event.is_service_account() || event.is_node() {
        return None;
    }
    let name = request.name()?;
    let ns = event.namespace();
    let owner = if ns == Some("aws-observability") && name == "aws-logging" {
        "EKS Fargate logging".to_owned()
    } else {
        ns.and_then(|ns| agents::namespace_owner(ns, request.agents))
            .or_else(|| {
                agents::identify(
                    &agents::Facts {
                        name: Some(&name),
                        ..agents::Facts::default()
                    },
                    request.agents,
                )
                .map(|i| i.agent)
            })?
    };
    let discarding: Vec<String> = request
        .body
        .set_at(&["data", ANY])
        .into_iter()
        .filter_map(|set| {
            let value = set.str()?.to_ascii_lowercase();
            let collapsed = value.split_whitespace().collect::<Vec<_>>().join(" ");
            let word = DISCARDING.iter().find(|w| collapsed.contains(*w))?;
            Some(format!(
                "its key {} now contains {word:?}",
                set.key.unwrap_or_default()
            ))
        })
        .collect();
    let severity = if discarding.is_empty() {
        Severity::Medium
    } else {
        Severity::High
    };
    let mut detection = Detection::new(&CONFIG_CHANGED)
        .severity(severity)
        .reason(format!(
            "{} ({owner}) was changed by a user: the agent's rules, inputs or outputs are read from it, \
             and a change can make it drop or misroute what it collects",
            request.describe()
        ))
        .scope(format!(
            "`kubectl {}get configmap {} -o yaml` shows the configuration now; the agent applies it on its next \
             reload or restart",
            request.ns_arg(),
            sh(&name)
        ))
        .restore(format!(
            "kubectl {}apply -f <{} manifest from the agent's Helm chart or GitOps repository>, then restart the \
             agent's pods so they read it",
            request.ns_arg(),
            request.object_arg()
        ));
    detection.reasons.extend(discarding);
    Some(detection)
}

fn noexecute_taint(request: &Request<'_, '_>) -> Option<Detection> {
    let event = request.event;
    if event.subresource().is_some() || event.is_service_account() || event.is_node() {
        return None;
    }
    let taints: Vec<String> = request
        .body
        .set_at(&["spec", "taints", ANY])
        .into_iter()
        .filter_map(|set| {
            let taint = super::body::Body::of(Some(set.value));
            let field = |key: &str| {
                taint
                    .set_at(&[key])
                    .first()
                    .and_then(|s| s.str())
                    .unwrap_or_default()
            };
            (field("effect") == "NoExecute").then(|| {
                let value = field("value");
                if value.is_empty() {
                    field("key")
                } else {
                    format!("{}={value}", field("key"))
                }
            })
        })
        .collect();
    if taints.is_empty() {
        return None;
    }
    let node = request.name().unwrap_or_else(|| "<node>".to_owned());
    let mut detection = Detection::new(&NOEXECUTE_TAINT)
        .reason(format!(
            "node {node} was tainted {} with effect NoExecute: pods without a matching toleration are evicted \
             and agents' DaemonSet pods that do not tolerate it leave the node unmonitored",
            taints.join(", ")
        ))
        .scope(format!(
            "`kubectl get pods -A -o wide --field-selector spec.nodeName={}` shows what still runs there; compare \
             with the agents' DaemonSets' tolerations",
            sh(&node)
        ));
    for taint in &taints {
        let key = taint.split('=').next().unwrap_or(taint);
        detection = detection.restore(format!(
            "kubectl taint nodes {} {}",
            sh(&node),
            sh(&format!("{key}:NoExecute-"))
        ));
    }
    Some(detection)
}

#[cfg(test)]
mod tests {
    use super::super::run_k8s as run;
    use super::*;

    fn event(verb: &str, resource: &str, ns: &str, name: &str, sub: &str, body: &str) -> String {
        let sub = if sub.is_empty() {
            String::new()
        } else {
            format!(r#","subresource":"{sub}""#)
        };
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a1","stage":"ResponseComplete","verb":"{verb}","user":{{"username":"mallory@example.com"}},"sourceIPs":["203.0.113.7"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{{"resource":"{resource}","namespace":"{ns}","name":"{name}","apiGroup":"apps","apiVersion":"v1"{sub}}},"responseStatus":{{"metadata":{{}},"code":200}},"requestObject":{body}}}"#
        )
    }

    #[test]
    fn agent_daemonset_delete_and_scale() {
        let out = run(&event(
            "delete",
            "daemonsets",
            "falco",
            "falco",
            "",
            r#"{"kind":"DeleteOptions","apiVersion":"meta.k8s.io/__internal","propagationPolicy":"Background"}"#,
        ));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule.id, "k8s.agent.workload_deleted");
        let out = run(&event(
            "patch",
            "deployments",
            "datadog",
            "datadog-cluster-agent",
            "scale",
            r#"{"spec":{"replicas":0}}"#,
        ));
        assert_eq!(out[0].rule.id, "k8s.agent.scaled_to_zero");
        assert!(
            out[0].restore[0].contains("--replicas=1"),
            "{:?}",
            out[0].restore
        );
        let out = run(&event(
            "patch",
            "deployments",
            "shop",
            "web",
            "scale",
            r#"{"spec":{"replicas":0}}"#,
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn agent_config_and_node_taints() {
        let cm = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"c1","stage":"ResponseComplete","verb":"patch","user":{"username":"mallory@example.com"},"objectRef":{"resource":"configmaps","namespace":"logging","name":"fluent-bit-config","apiVersion":"v1"},"responseStatus":{"code":200},"requestObject":{"data":{"output.conf":"[OUTPUT]\n    Name   null\n    Match  *\n"}}}"#;
        let out = run(cm);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule.id, "k8s.agent.config_changed");
        assert_eq!(out[0].severity, Severity::High);
        let sa = cm.replace(
            "mallory@example.com",
            "system:serviceaccount:logging:fluent-operator",
        );
        assert!(run(&sa).is_empty());
        let app = cm.replace(
            r#""namespace":"logging","name":"fluent-bit-config""#,
            r#""namespace":"shop","name":"web-config""#,
        );
        assert!(run(&app).is_empty());
        let taint = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"t1","stage":"ResponseComplete","verb":"patch","user":{"username":"mallory@example.com"},"objectRef":{"resource":"nodes","name":"ip-10-0-1-23.ec2.internal","apiVersion":"v1"},"responseStatus":{"code":200},"requestObject":{"spec":{"taints":[{"key":"maintenance","value":"now","effect":"NoExecute"}]}}}"#;
        let out = run(taint);
        assert_eq!(out[0].rule.id, "k8s.node.noexecute_taint");
        assert!(
            out[0].restore[0].contains("maintenance:NoExecute-"),
            "{:?}",
            out[0].restore
        );
        assert!(run(&taint.replace("NoExecute", "NoSchedule")).is_empty());
    }

    #[test]
    fn node_selector_and_image_swap() {
        let out = run(&event(
            "patch",
            "daemonsets",
            "logging",
            "fluent-bit",
            "",
            r#"{"spec":{"template":{"spec":{"nodeSelector":{"non-existing":"true"}}}}}"#,
        ));
        assert_eq!(out[0].rule.id, "k8s.agent.unschedulable");
        assert_eq!(out[0].severity, Severity::High);
        assert!(out[0].restore[0].contains("rollout undo daemonset/fluent-bit"));
        let out = run(&event(
            "patch",
            "daemonsets",
            "falco",
            "falco",
            "",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"falco","image":"docker.io/library/busybox:1.36"}]}}}}"#,
        ));
        assert_eq!(out[0].rule.id, "k8s.agent.image_swapped");
        let out = run(&event(
            "patch",
            "daemonsets",
            "falco",
            "falco",
            "",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"falco","image":"docker.io/falcosecurity/falco-no-driver:0.39.0"}]}}}}"#,
        ));
        assert!(out.is_empty());
    }
}
