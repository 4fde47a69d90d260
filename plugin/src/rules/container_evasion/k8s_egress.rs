//! Network policies written to cut agents off from their collectors: a Kubernetes NetworkPolicy that
//! denies all egress (`policyTypes: [Egress]` with no egress rules) in a monitoring namespace or
//! kube-system, or narrows its egress to a few destinations; a Calico (global) network policy with a
//! Deny egress rule to everywhere, or a Cilium (cluster-wide) policy with an `egressDeny` to the world
//! or an empty default-deny egress rule, over every pod or the agents' pods. Deleting policies and
//! rewriting them in general are `k8s_policy`'s; default-deny egress in an application namespace is
//! routine hardening and not a finding.

use super::body::{ANY, Body};
use super::k8s_policy::{NETWORK_POLICIES, is_network_policy, object_arg};
use super::pod_spec::namespace;
use super::{Request, agents};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare};

declare! {
    AGENT_EGRESS_BLOCKED = {
        id: "k8s.networkpolicy.agent_egress_blocked",
        title: "Network policy blocks egress from monitoring pods",
        description: "create, update or patch of a network policy that denies egress to the pods of a monitoring \
                      namespace (an agent's namespace or one named for monitoring or logging) or of kube-system: \
                      a NetworkPolicy with policyTypes Egress and no egress rules, or whose egress rules are \
                      emptied or removed (high), or whose egress is narrowed to listed destinations by a user \
                      (medium: check that the collectors are among them); a Calico (global) network policy with \
                      a Deny egress rule without destination, or a Cilium (cluster-wide) policy with egressDeny \
                      to all or world or an empty default-deny egress rule, selecting every pod, the agents' pods \
                      or such a namespace (high). Default-deny egress in application namespaces, ingress-only \
                      policies, egress allowing everything, and agents' own charts (service accounts) narrowing \
                      egress are not findings.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::K8s {
            resources: NETWORK_POLICIES,
            verbs: &["create", "update", "patch"],
            check: egress_blocked,
        },
    };
}

fn strings(body: &Body<'_>, pattern: &[&str]) -> Vec<String> {
    body.set_at(pattern)
        .into_iter()
        .filter_map(|s| s.str())
        .collect()
}

/// Why pods in this namespace carry monitoring traffic.
fn monitored(ns: &str, request: &Request<'_, '_>) -> Option<String> {
    if ns == "kube-system" {
        return Some(
            "kube-system, where the cloud provider's logging and monitoring agents and cluster DNS run"
                .to_owned(),
        );
    }
    agents::monitoring_namespace(ns, request.agents).map(|why| format!("{ns}, {why}"))
}

/// An agent named by a label value the policy selects on.
fn selected_agent(values: &[String], request: &Request<'_, '_>) -> Option<String> {
    values.iter().find_map(|value| {
        let facts = agents::Facts {
            labels: vec![value.clone()],
            ..agents::Facts::default()
        };
        agents::identify(&facts, request.agents)
            .map(|a| format!("pods labelled {value} ({})", a.agent))
            .or_else(|| {
                agents::monitoring_namespace(value, request.agents)
                    .filter(|_| !value.contains('='))
                    .map(|why| format!("namespace {value} ({why})"))
            })
    })
}

/// What the write blocks, if it blocks monitoring pods' egress.
fn judge(request: &Request<'_, '_>) -> Option<(Severity, Vec<String>)> {
    let event = request.event;
    if event.subresource().is_some() || !is_network_policy(event.resource(), event.api_group()) {
        return None;
    }
    match (event.api_group(), event.resource()) {
        ("networking.k8s.io", "networkpolicies") => kubernetes(request),
        ("cilium.io", _) => cilium(request),
        ("crd.projectcalico.org" | "projectcalico.org", _) => calico(request),
        _ => None,
    }
}

/// Whether this rule takes the write (the general rewrite rule then stands back).
pub(super) fn blocks(request: &Request<'_, '_>) -> bool {
    judge(request).is_some()
}

fn egress_blocked(request: &Request<'_, '_>) -> Option<Detection> {
    let (severity, reasons) = judge(request)?;
    let ns = request.ns_arg();
    let mut detection = Detection::new(&AGENT_EGRESS_BLOCKED)
        .severity(severity)
        .scope(format!(
            "`kubectl {ns}get {} -o yaml` shows what egress it allows; the agents' last delivery to their \
             collectors (and the network correlation of the flow logs) shows when telemetry stopped",
            object_arg(request)
        ))
        .restore(if request.verb() == "create" {
            format!(
                "kubectl {ns}delete {} (after preserving it for investigation)",
                object_arg(request)
            )
        } else {
            format!(
                "kubectl {ns}apply -f <{} manifest from the GitOps repository or policy bundle>",
                object_arg(request)
            )
        });
    detection.reasons.extend(reasons);
    Some(detection)
}

/// `networking.k8s.io` NetworkPolicy in a monitoring namespace.
fn kubernetes(request: &Request<'_, '_>) -> Option<(Severity, Vec<String>)> {
    let ns = namespace(request)?;
    let why = monitored(&ns, request)?;
    let body = &request.body;
    let types = strings(body, &["spec", "policyTypes", ANY]);
    let egress = body.set_at(&["spec", "egress"]);
    let rules = body.set_at(&["spec", "egress", ANY]);
    let emptied = egress
        .iter()
        .any(|e| e.is_null() || e.value.get().trim() == "[]")
        || body.removes(&["spec", "egress"]);
    let full = request.verb() != "patch";
    // A full object says what the policy is; a patch only what it removes.
    let denies_all = if full {
        types.iter().any(|t| t == "Egress") && rules.is_empty()
    } else {
        emptied
    };
    let selector = match body.set_at(&["spec", "podSelector"]).first() {
        Some(s) if s.value.get().replace(char::is_whitespace, "") == "{}" => {
            "every pod in the namespace".to_owned()
        }
        Some(_) => {
            let labels = strings(body, &["spec", "podSelector", "matchLabels", ANY]);
            selected_agent(&labels, request)
                .unwrap_or_else(|| format!("pods labelled {}", labels.join(", ")))
        }
        None => "the pods it selects".to_owned(),
    };
    let place = format!("{} in namespace {why}", request.describe_kind_name());
    if denies_all {
        return Some((
            Severity::High,
            vec![format!(
                "{place} denies all egress from {selector}: agents there cannot reach their collectors, \
                 backends or the API server"
            )],
        ));
    }
    if request.event.is_service_account() || rules.is_empty() {
        return None;
    }
    // A rule without `to` and `ports` allows everything: nothing is narrowed.
    let allows_all = rules
        .iter()
        .any(|r| r.value.get().replace(char::is_whitespace, "") == "{}");
    if allows_all {
        return None;
    }
    let ports = strings(body, &["spec", "egress", ANY, "ports", ANY, "port"]);
    let ports_text = if ports.is_empty() {
        body.set_at(&["spec", "egress", ANY, "ports", ANY, "port"])
            .iter()
            .map(|p| p.value.get().to_owned())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        ports.join(", ")
    };
    Some((
        Severity::Medium,
        vec![format!(
            "{place} limits egress from {selector} to {} rule(s){}: traffic to any collector not listed is \
             dropped",
            rules.len(),
            if ports_text.is_empty() {
                String::new()
            } else {
                format!(" (ports {ports_text})")
            }
        )],
    ))
}

/// Calico `NetworkPolicy` / `GlobalNetworkPolicy` with a Deny egress to everywhere.
fn calico(request: &Request<'_, '_>) -> Option<(Severity, Vec<String>)> {
    let body = &request.body;
    let mut deny_all = false;
    for rule in body.set_at(&["spec", "egress", ANY]) {
        let rule = Body::of(Some(rule.value));
        let action = strings(&rule, &["action"]);
        let nets = strings(&rule, &["destination", "nets", ANY]);
        let bounded = !strings(&rule, &["destination", "selector"]).is_empty()
            || !strings(&rule, &["destination", "namespaceSelector"]).is_empty()
            || !rule.set_at(&["destination", "ports"]).is_empty()
            || nets.iter().any(|n| n != "0.0.0.0/0" && n != "::/0");
        if action.first().map(String::as_str) == Some("Deny") && !bounded {
            deny_all = true;
        }
    }
    let types = strings(body, &["spec", "types", ANY]);
    let empty = body
        .set_at(&["spec", "egress"])
        .iter()
        .any(|e| e.value.get().trim() == "[]");
    let default_deny = types.iter().any(|t| t == "Egress") && empty;
    if !deny_all && !default_deny {
        return None;
    }
    let selector = strings(body, &["spec", "selector"]).pop();
    let ns_selector = strings(body, &["spec", "namespaceSelector"]).pop();
    let global = request.event.resource() == "globalnetworkpolicies";
    let target = scope_of(request, global, selector.as_deref(), ns_selector.as_deref())?;
    Some((
        Severity::High,
        vec![format!(
            "{} denies egress to everywhere for {target}: agents there cannot reach their collectors",
            request.describe_kind_name()
        )],
    ))
}

/// Whom a Calico selector expression covers, when it covers monitoring.
fn scope_of(
    request: &Request<'_, '_>,
    global: bool,
    selector: Option<&str>,
    ns_selector: Option<&str>,
) -> Option<String> {
    let everything = |s: Option<&str>| s.is_none_or(|s| s.trim().is_empty() || s.trim() == "all()");
    if !global {
        let ns = namespace(request)?;
        let why = monitored(&ns, request)?;
        return Some(if everything(selector) {
            format!("every pod in namespace {why}")
        } else {
            format!(
                "pods matching {} in namespace {why}",
                selector.unwrap_or("")
            )
        });
    }
    if everything(selector) && everything(ns_selector) {
        return Some("every pod and host endpoint in the cluster, agents included".to_owned());
    }
    // `app == 'falco'`, `projectcalico.org/name == 'monitoring'`: the quoted values name whom.
    let quoted: Vec<String> = [selector, ns_selector]
        .into_iter()
        .flatten()
        .flat_map(|s| s.split(['\'', '"']).skip(1).step_by(2).map(str::to_owned))
        .collect();
    selected_agent(&quoted, request)
}

/// Cilium (cluster-wide) policies: `egressDeny` to all or world, or an empty default-deny rule.
fn cilium(request: &Request<'_, '_>) -> Option<(Severity, Vec<String>)> {
    let body = &request.body;
    let mut specs: Vec<Vec<&str>> = vec![vec!["spec"]];
    let listed = body.set_at(&["specs", ANY]).len();
    let indexes: Vec<String> = (0..listed.min(16)).map(|i| i.to_string()).collect();
    for index in &indexes {
        specs.push(vec!["specs", index.as_str()]);
    }
    let cluster_wide = request.event.resource() == "ciliumclusterwidenetworkpolicies";
    for spec in specs {
        let at = |tail: &[&'static str]| -> Vec<&str> {
            spec.iter().copied().chain(tail.iter().copied()).collect()
        };
        let entities = strings(body, &at(&["egressDeny", ANY, "toEntities", ANY]));
        let cidrs = strings(body, &at(&["egressDeny", ANY, "toCIDR", ANY]));
        let deny = entities.iter().any(|e| e == "all" || e == "world")
            || cidrs.iter().any(|c| c == "0.0.0.0/0");
        let default_deny = body
            .set_at(&at(&["egress"]))
            .iter()
            .any(|e| e.value.get().replace(char::is_whitespace, "") == "[{}]");
        if !deny && !default_deny {
            continue;
        }
        let selector = body.set_at(&at(&["endpointSelector"]));
        let all = selector
            .first()
            .is_some_and(|s| s.value.get().replace(char::is_whitespace, "") == "{}");
        let labels = strings(body, &at(&["endpointSelector", "matchLabels", ANY]));
        let target = if cluster_wide && all {
            Some("every endpoint in the cluster, agents included".to_owned())
        } else if let Some(agent) = selected_agent(&labels, request) {
            Some(agent)
        } else if !cluster_wide {
            namespace(request)
                .and_then(|ns| monitored(&ns, request))
                .map(|why| format!("pods in namespace {why}"))
        } else {
            None
        };
        let Some(target) = target else { continue };
        let how = if deny {
            "denies egress to the world"
        } else {
            "puts egress in default deny with nothing allowed"
        };
        return Some((
            Severity::High,
            vec![format!(
                "{} {how} for {target}: agents there cannot reach their collectors",
                request.describe_kind_name()
            )],
        ));
    }
    None
}

impl Request<'_, '_> {
    /// `kind name` without the namespace (reasons name it themselves).
    fn describe_kind_name(&self) -> String {
        format!(
            "{} {}",
            super::kind(self.event.resource()),
            self.name().unwrap_or_else(|| "(unnamed)".to_owned())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_k8s as run;
    use super::*;

    fn write(verb: &str, group: &str, resource: &str, ns: Option<&str>, body: &str) -> String {
        let ns = ns
            .map(|n| format!(r#""namespace":"{n}","#))
            .unwrap_or_default();
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"n1","stage":"ResponseComplete","verb":"{verb}","user":{{"username":"mallory@example.com"}},"objectRef":{{"resource":"{resource}",{ns}"name":"p","apiGroup":"{group}","apiVersion":"v1"}},"responseStatus":{{"code":201}},"requestObject":{body}}}"#
        )
    }

    fn severities(text: &str) -> Vec<(&'static str, Severity)> {
        run(text).iter().map(|d| (d.rule.id, d.severity)).collect()
    }

    #[test]
    fn kubernetes_policies() {
        let deny = r#"{"spec":{"podSelector":{},"policyTypes":["Egress"]}}"#;
        let id = "k8s.networkpolicy.agent_egress_blocked";
        let k = "networking.k8s.io";
        assert_eq!(
            severities(&write("create", k, "networkpolicies", Some("falco"), deny)),
            vec![(id, Severity::High)]
        );
        assert!(severities(&write("create", k, "networkpolicies", Some("shop"), deny)).is_empty());
        let ingress = r#"{"spec":{"podSelector":{},"policyTypes":["Ingress"]}}"#;
        assert!(
            severities(&write(
                "create",
                k,
                "networkpolicies",
                Some("falco"),
                ingress
            ))
            .is_empty()
        );
        let narrow = r#"{"spec":{"podSelector":{},"policyTypes":["Egress"],"egress":[{"to":[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}}}],"ports":[{"protocol":"UDP","port":53}]}]}}"#;
        assert_eq!(
            severities(&write(
                "create",
                k,
                "networkpolicies",
                Some("logging"),
                narrow
            )),
            vec![(id, Severity::Medium)]
        );
        let open = r#"{"spec":{"podSelector":{},"policyTypes":["Egress"],"egress":[{}]}}"#;
        assert!(
            severities(&write(
                "create",
                k,
                "networkpolicies",
                Some("logging"),
                open
            ))
            .is_empty()
        );
        let removed = r#"[{"op":"remove","path":"/spec/egress"}]"#;
        // A patch removing the egress rules of a policy in an agent's namespace is this rule's alone.
        assert_eq!(
            severities(&write(
                "patch",
                k,
                "networkpolicies",
                Some("datadog"),
                removed
            )),
            vec![(id, Severity::High)]
        );
    }

    #[test]
    fn calico_and_cilium() {
        let id = "k8s.networkpolicy.agent_egress_blocked";
        let gnp =
            r#"{"spec":{"selector":"all()","types":["Egress"],"egress":[{"action":"Deny"}]}}"#;
        assert_eq!(
            severities(&write(
                "create",
                "crd.projectcalico.org",
                "globalnetworkpolicies",
                None,
                gnp
            )),
            vec![(id, Severity::High)]
        );
        let metadata = r#"{"spec":{"selector":"all()","types":["Egress"],"egress":[{"action":"Deny","destination":{"nets":["169.254.169.254/32"]}},{"action":"Allow"}]}}"#;
        assert!(
            severities(&write(
                "create",
                "crd.projectcalico.org",
                "globalnetworkpolicies",
                None,
                metadata
            ))
            .is_empty()
        );
        let falco = r#"{"spec":{"selector":"app.kubernetes.io/name == 'falco'","types":["Egress"],"egress":[{"action":"Deny"}]}}"#;
        assert_eq!(
            severities(&write(
                "create",
                "projectcalico.org",
                "globalnetworkpolicies",
                None,
                falco
            ))
            .len(),
            1
        );
        let ccnp = r#"{"spec":{"endpointSelector":{},"egressDeny":[{"toEntities":["world"]}]}}"#;
        assert_eq!(
            severities(&write(
                "create",
                "cilium.io",
                "ciliumclusterwidenetworkpolicies",
                None,
                ccnp
            )),
            vec![(id, Severity::High)]
        );
        let cnp =
            r#"{"spec":{"endpointSelector":{"matchLabels":{"app":"fluent-bit"}},"egress":[{}]}}"#;
        assert_eq!(
            severities(&write(
                "create",
                "cilium.io",
                "ciliumnetworkpolicies",
                Some("shop"),
                cnp
            ))
            .len(),
            1
        );
        let app = r#"{"spec":{"endpointSelector":{"matchLabels":{"app":"web"}},"egressDeny":[{"toEntities":["world"]}]}}"#;
        assert!(
            severities(&write(
                "create",
                "cilium.io",
                "ciliumnetworkpolicies",
                Some("shop"),
                app
            ))
            .is_empty()
        );
    }
}
