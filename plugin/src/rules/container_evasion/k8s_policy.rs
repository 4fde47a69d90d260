//! The cluster's firewall and gatekeepers taken down: network policies (Kubernetes, Cilium, Calico,
//! admin policies) deleted or rewritten, and admission webhooks deleted or made to fail open. Creating a
//! policy is not a finding.

use super::body::ANY;
use super::{Request, kind};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare, sh};

/// The resources of every network policy implementation the rules know.
pub const NETWORK_POLICIES: &[&str] = &[
    "networkpolicies",
    "globalnetworkpolicies",
    "ciliumnetworkpolicies",
    "ciliumclusterwidenetworkpolicies",
    "adminnetworkpolicies",
    "baselineadminnetworkpolicies",
];
pub const WEBHOOKS: &[&str] = &[
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
];

declare! {
    NETWORK_POLICY_REMOVED = {
        id: "k8s.networkpolicy.removed",
        title: "Network policy deleted or rewritten",
        description: "delete or deletecollection (high), patch or update (medium: review what it allows now) of \
                      a NetworkPolicy, AdminNetworkPolicy, Cilium (cluster-wide) network policy or Calico \
                      (global) network policy. Creating a policy is not a finding; a rewrite that blocks \
                      monitoring pods' egress is k8s.networkpolicy.agent_egress_blocked's.",
        attack: &attack::CLOUD_FIREWALL,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::K8s {
            resources: NETWORK_POLICIES,
            verbs: &["delete", "deletecollection", "patch", "update"],
            check: network_policy,
        },
    };
    WEBHOOK_DISABLED = {
        id: "k8s.admission.webhook_disabled",
        title: "Admission webhook deleted or set to fail open",
        description: "delete of a validating or mutating webhook configuration, or a patch setting a webhook's \
                      failurePolicy to Ignore (high); an update by a user whose object has failurePolicy Ignore \
                      (medium: controllers that refresh their own webhook's caBundle are not findings).",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::K8s {
            resources: WEBHOOKS,
            verbs: &["delete", "deletecollection", "patch", "update"],
            check: webhook,
        },
    };
}

/// Whether the resource is a network policy of some implementation.
pub fn is_network_policy(resource: &str, group: &str) -> bool {
    match resource {
        "networkpolicies" => matches!(
            group,
            "networking.k8s.io" | "crd.projectcalico.org" | "projectcalico.org" | "cilium.io"
        ),
        "globalnetworkpolicies" => matches!(group, "crd.projectcalico.org" | "projectcalico.org"),
        "ciliumnetworkpolicies" | "ciliumclusterwidenetworkpolicies" => group == "cilium.io",
        "adminnetworkpolicies" | "baselineadminnetworkpolicies" => {
            group == "policy.networking.k8s.io"
        }
        _ => false,
    }
}

/// `kind.group/name` for CRDs, `kind/name` for built-in kinds.
pub(super) fn object_arg(request: &Request<'_, '_>) -> String {
    let resource = request.event.resource();
    let group = request.event.api_group();
    let name = request.name().unwrap_or_else(|| "<name>".to_owned());
    let kind = kind(resource);
    if kind == resource && !group.is_empty() {
        sh(&format!("{resource}.{group}/{name}"))
    } else {
        sh(&format!("{kind}/{name}"))
    }
}

fn network_policy(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.subresource().is_some()
        || !is_network_policy(request.event.resource(), request.event.api_group())
    {
        return None;
    }
    let (severity, change) = match request.verb() {
        "delete" => (
            Severity::High,
            "was deleted: the traffic it blocked is allowed again",
        ),
        "deletecollection" => (
            Severity::High,
            "were all deleted: the traffic they blocked is allowed again",
        ),
        // A rewrite that cuts monitoring pods' egress is the more specific rule's finding.
        "patch" | "update" if super::k8s_egress::blocks(request) => return None,
        "patch" | "update" => (
            Severity::Medium,
            "was rewritten: review whether it still blocks what it did",
        ),
        _ => return None,
    };
    let ns = request.ns_arg();
    let what = match request.name() {
        Some(_) => request.describe(),
        None => format!(
            "the {} of namespace {}",
            request.event.resource(),
            request.event.namespace().unwrap_or("(all)")
        ),
    };
    Some(
        Detection::new(&NETWORK_POLICY_REMOVED)
            .severity(severity)
            .reason(format!(
                "{what} {change}; pods it isolated can reach and be reached beyond the policy, outside \
                 what network monitoring expects"
            ))
            .scope(format!(
                "`kubectl {ns}get {} -o yaml` shows the policies in force now",
                sh(request.event.resource())
            ))
            .restore(format!(
                "kubectl {ns}apply -f <{} manifest from the GitOps repository or policy bundle>",
                object_arg(request)
            )),
    )
}

fn webhook(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.subresource().is_some() {
        return None;
    }
    let verb = request.verb();
    let detection = Detection::new(&WEBHOOK_DISABLED).scope(format!(
        "`kubectl get {} -o yaml` shows the webhooks and failure policies in force; objects admitted since \
         this event were not checked",
        sh(request.event.resource())
    ));
    match verb {
        "delete" | "deletecollection" => Some(
            detection
                .reason(format!(
                    "{} was deleted: its admission checks no longer run on any request",
                    request.describe()
                ))
                .restore(format!(
                    "kubectl apply -f <{} manifest from the policy engine's Helm chart or GitOps repository>",
                    object_arg(request)
                )),
        ),
        "patch" | "update" => {
            let ignoring: Vec<String> = request
                .body
                .set_at(&["webhooks", ANY, "failurePolicy"])
                .into_iter()
                .filter(|s| s.str().as_deref() == Some("Ignore"))
                .map(|s| s.key.unwrap_or_else(|| "0".to_owned()))
                .collect();
            let first = ignoring.first()?;
            let severity = if verb == "patch" {
                Severity::High
            } else if request.event.is_service_account() {
                return None;
            } else {
                Severity::Medium
            };
            let index = if first.parse::<usize>().is_ok() {
                first.clone()
            } else {
                "0".to_owned()
            };
            Some(
                detection
                    .severity(severity)
                    .reason(format!(
                        "{} now has failurePolicy Ignore on {} webhook(s): when the webhook is unreachable or \
                         times out, requests are admitted unchecked",
                        request.describe(),
                        ignoring.len()
                    ))
                    .restore(format!(
                        "kubectl patch {} --type=json -p {}",
                        object_arg(request),
                        sh(&format!(
                            r#"[{{"op":"replace","path":"/webhooks/{index}/failurePolicy","value":"Fail"}}]"#
                        ))
                    )),
            )
        }
        _ => None,
    }
}
