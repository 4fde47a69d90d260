//! Admission webhooks created or changed: a mutating webhook sees and may rewrite every object it
//! matches (it can strip an agent's sidecar, swap an image, add a container) and a validating webhook
//! decides what is admitted. Deleting one and making it fail open are `k8s_policy`'s; this module
//! weighs new and changed webhooks by their reach: every resource, every pod created, an endpoint
//! outside the cluster, monitoring namespaces left out, failing open.
//!
//! Routine: the operators that own webhooks (cert-manager's CA injector, Gatekeeper, Kyverno, Istio)
//! rewrite their own configuration's `caBundle` from service accounts all day. A patch that sets only
//! `caBundle` is never a finding, and a service account's write is one only when the webhook calls out
//! of the cluster or leaves monitoring namespaces out.

use super::body::{ANY, Body};
use super::k8s_policy::{WEBHOOKS, object_arg};
use super::{Request, agents};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare};

declare! {
    WEBHOOK_CHANGED = {
        id: "k8s.admission.webhook_changed",
        title: "Admission webhook created or changed",
        description: "create, update or patch of a validating or mutating webhook configuration by a user \
                      (medium), high when it reaches far: every resource (`*`), every pod created (a mutating \
                      webhook on pods CREATE), a clientConfig.url outside the cluster, a namespaceSelector that \
                      leaves monitoring namespaces out, failurePolicy Ignore on create; two of these or a \
                      mutating pod webhook with either of the last two is high. A service account's write is a \
                      finding (medium) only for an external URL or left-out monitoring namespaces. Not findings: \
                      patches that set only caBundle (operators rotating certificates), and patches or updates \
                      that set failurePolicy Ignore (k8s.admission.webhook_disabled's).",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::K8s {
            resources: WEBHOOKS,
            verbs: &["create", "update", "patch"],
            check: webhook_changed,
        },
    };
}

/// Values the body sets at a pattern, as strings.
fn strings(body: &Body<'_>, pattern: &[&str]) -> Vec<String> {
    body.set_at(pattern)
        .into_iter()
        .filter_map(|s| s.str())
        .collect()
}

/// Whether a patch does nothing but set webhooks' `caBundle` (and name the webhooks it sets them on).
fn only_ca_bundle(request: &Request<'_, '_>) -> bool {
    let body = &request.body;
    match body {
        Body::JsonPatch(ops) => {
            !ops.is_empty()
                && ops.iter().filter(|op| op.op != "test").all(|op| {
                    op.path.len() == 4
                        && op.path[0] == "webhooks"
                        && op.path[2] == "clientConfig"
                        && op.path[3] == "caBundle"
                })
        }
        Body::Object(_) => {
            !body
                .set_at(&["webhooks", ANY, "clientConfig", "caBundle"])
                .is_empty()
                && [
                    &["webhooks", ANY, "rules"][..],
                    &["webhooks", ANY, "clientConfig", "url"],
                    &["webhooks", ANY, "clientConfig", "service"],
                    &["webhooks", ANY, "failurePolicy"],
                    &["webhooks", ANY, "namespaceSelector"],
                    &["webhooks", ANY, "objectSelector"],
                    &["webhooks", ANY, "matchPolicy"],
                    &["webhooks", ANY, "matchConditions"],
                ]
                .iter()
                .all(|pattern| body.set_at(pattern).is_empty())
        }
        Body::None => false,
    }
}

/// Monitoring namespaces that a webhook's namespaceSelector leaves out (`NotIn` on the namespace-name
/// label, or on any label whose values name them).
fn excluded_monitoring(request: &Request<'_, '_>) -> Vec<String> {
    let mut found = Vec::new();
    for expression in request.body.set_at(&[
        "webhooks",
        ANY,
        "namespaceSelector",
        "matchExpressions",
        ANY,
    ]) {
        let expression = Body::of(Some(expression.value));
        let operator = strings(&expression, &["operator"]);
        if operator.first().map(String::as_str) != Some("NotIn") {
            continue;
        }
        for ns in strings(&expression, &["values", ANY]) {
            if let Some(why) = agents::monitoring_namespace(&ns, request.agents)
                && !found.iter().any(|f: &String| f.starts_with(&ns))
            {
                found.push(format!("{ns} ({why})"));
            }
        }
    }
    found
}

fn webhook_changed(request: &Request<'_, '_>) -> Option<Detection> {
    if request.event.subresource().is_some() {
        return None;
    }
    let verb = request.verb();
    let body = &request.body;
    let failure = strings(body, &["webhooks", ANY, "failurePolicy"]);
    let ignores = failure.iter().any(|f| f == "Ignore");
    if (verb != "create" && ignores) || (verb == "patch" && only_ca_bundle(request)) {
        return None;
    }
    let mutating = request.event.resource() == "mutatingwebhookconfigurations";
    let resources = strings(body, &["webhooks", ANY, "rules", ANY, "resources", ANY]);
    let operations = strings(body, &["webhooks", ANY, "rules", ANY, "operations", ANY]);
    let urls = strings(body, &["webhooks", ANY, "clientConfig", "url"]);
    let excluded = excluded_monitoring(request);

    let everything = resources.iter().any(|r| r == "*" || r == "*/*");
    let pods = mutating
        && resources
            .iter()
            .any(|r| r == "*" || r == "*/*" || r == "pods")
        && operations.iter().any(|o| o == "CREATE" || o == "*");
    let mut reach = Vec::new();
    if everything {
        reach.push("it intercepts every resource (`*`)".to_owned());
    }
    if pods {
        reach.push(
            "it rewrites every pod created in its scope: it can strip agents' sidecars, change images or \
             add containers before they run"
                .to_owned(),
        );
    }
    let far = !urls.is_empty() || !excluded.is_empty();
    if !urls.is_empty() {
        reach.push(format!(
            "it calls {} outside the cluster: that endpoint sees every request it matches{}",
            urls.join(", "),
            if mutating {
                " and answers with the changes"
            } else {
                ""
            }
        ));
    }
    if !excluded.is_empty() {
        reach.push(format!(
            "its namespaceSelector leaves out {}: requests there are {}",
            excluded.join(", "),
            if mutating {
                "not rewritten by it"
            } else {
                "not checked by it"
            }
        ));
    }
    if verb == "create" && ignores {
        reach.push(
            "failurePolicy Ignore: when it is unreachable or times out, requests are admitted unchecked"
                .to_owned(),
        );
    }
    let severity = if request.event.is_service_account() {
        if !far {
            return None;
        }
        Severity::Medium
    } else if reach.len() >= 2 || (pods && far) {
        Severity::High
    } else {
        Severity::Medium
    };
    let change = match verb {
        "create" => "was created",
        _ => "was changed",
    };
    let kind = if mutating { "mutating" } else { "validating" };
    let mut detection = Detection::new(&WEBHOOK_CHANGED)
        .severity(severity)
        .reason(format!(
            "{} {change}: a {kind} webhook {} the API requests it matches",
            request.describe(),
            if mutating { "sees and rewrites" } else { "sees and decides" }
        ))
        .scope(format!(
            "`kubectl get {} -o yaml` shows its rules, selectors, endpoint and failure policy; objects admitted \
             since this event passed through it",
            object_arg(request)
        ))
        .restore(if verb == "create" {
            format!(
                "kubectl delete {} (once it is known not to belong to an installed operator)",
                object_arg(request)
            )
        } else {
            format!(
                "kubectl apply -f <{} manifest from the operator's Helm chart or GitOps repository>",
                object_arg(request)
            )
        });
    detection.reasons.extend(reach);
    if let Some(names) = Some(strings(body, &["webhooks", ANY, "name"])).filter(|n| !n.is_empty()) {
        detection = detection.reason(format!("webhook(s): {}", names.join(", ")));
    }
    Some(detection)
}

#[cfg(test)]
mod tests {
    use super::super::run_k8s as run;
    use super::*;

    fn write(verb: &str, user: &str, resource: &str, body: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"w1","stage":"ResponseComplete","verb":"{verb}","user":{{"username":"{user}"}},"objectRef":{{"resource":"{resource}","name":"hook","apiGroup":"admissionregistration.k8s.io","apiVersion":"v1"}},"responseStatus":{{"code":200}},"requestObject":{body}}}"#
        )
    }

    const POD_HOOK: &str = r#"{"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"hook"},"webhooks":[{"name":"inject.example.io","clientConfig":{"url":"https://hooks.example.net/mutate"},"rules":[{"apiGroups":[""],"apiVersions":["v1"],"operations":["CREATE"],"resources":["pods"],"scope":"*"}],"failurePolicy":"Ignore","sideEffects":"None","admissionReviewVersions":["v1"]}]}"#;

    #[test]
    fn reach_sets_severity() {
        let out = run(&write(
            "create",
            "mallory@example.com",
            "mutatingwebhookconfigurations",
            POD_HOOK,
        ));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::High);
        assert!(
            out[0]
                .reasons
                .iter()
                .any(|r| r.contains("hooks.example.net"))
        );
        let plain = r#"{"webhooks":[{"name":"v.example.io","clientConfig":{"service":{"namespace":"policy","name":"webhook"}},"rules":[{"operations":["CREATE"],"resources":["configmaps"]}],"failurePolicy":"Fail"}]}"#;
        let out = run(&write(
            "create",
            "alice@example.com",
            "validatingwebhookconfigurations",
            plain,
        ));
        assert_eq!(out[0].severity, Severity::Medium);
        let sa = "system:serviceaccount:kyverno:kyverno-admission-controller";
        assert!(
            run(&write(
                "create",
                sa,
                "validatingwebhookconfigurations",
                plain
            ))
            .is_empty()
        );
        assert_eq!(
            run(&write(
                "create",
                sa,
                "mutatingwebhookconfigurations",
                POD_HOOK
            ))
            .len(),
            1
        );
    }

    #[test]
    fn ca_bundle_rotation_is_quiet() {
        let merge = r#"{"webhooks":[{"name":"webhook.cert-manager.io","clientConfig":{"caBundle":"LS0tLS1CRUdJTi=="}}]}"#;
        assert!(
            run(&write(
                "patch",
                "alice@example.com",
                "validatingwebhookconfigurations",
                merge
            ))
            .is_empty()
        );
        let json =
            r#"[{"op":"replace","path":"/webhooks/0/clientConfig/caBundle","value":"LS0t"}]"#;
        assert!(
            run(&write(
                "patch",
                "alice@example.com",
                "mutatingwebhookconfigurations",
                json
            ))
            .is_empty()
        );
        let json_url = r#"[{"op":"replace","path":"/webhooks/0/clientConfig/caBundle","value":"LS0t"},{"op":"add","path":"/webhooks/0/clientConfig/url","value":"https://203.0.113.9/m"}]"#;
        assert_eq!(
            run(&write(
                "patch",
                "alice@example.com",
                "mutatingwebhookconfigurations",
                json_url
            ))
            .len(),
            1
        );
    }

    #[test]
    fn monitoring_namespaces_left_out() {
        let body = r#"{"webhooks":[{"name":"p.example.io","clientConfig":{"service":{"namespace":"policy","name":"webhook"}},"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","falco"]}]},"rules":[{"operations":["CREATE","UPDATE"],"resources":["pods"]}]}]}"#;
        let out = run(&write(
            "update",
            "system:serviceaccount:policy:installer",
            "mutatingwebhookconfigurations",
            body,
        ));
        assert_eq!(out.len(), 1);
        assert!(
            out[0]
                .reasons
                .iter()
                .any(|r| r.contains("falco (Falco's namespace)")),
            "{:?}",
            out[0].reasons
        );
    }
}
