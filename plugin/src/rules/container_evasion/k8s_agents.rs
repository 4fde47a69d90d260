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
