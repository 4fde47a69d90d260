//! Pods and namespaces marked to hide from collection or policy: log-exclusion annotations of the common
//! collectors, sidecar-injection opt-outs, image-policy break-glass, GKE's unqualified-execute bypass and
//! namespaces switched to the `privileged` Pod Security level. Read from pod templates (and pods and
//! namespaces themselves) in creates, updates and all three patch types.

use super::body::{ANY, at, template_prefix, to_pointer};
use super::{POD_TEMPLATES_AND_NAMESPACES, Request, agents};
use crate::model::Severity;
use crate::rules::{Detection, Rule, Trigger, attack, declare, sh};

declare! {
    COLLECTION_EXCLUDED = {
        id: "k8s.workload.collection_excluded",
        title: "Workload excluded from log collection or sidecar injection",
        description: "A pod, pod template or namespace given an annotation or label that makes a collector skip \
                      it (Fluent Bit fluentbit.io/exclude, Datadog ad.datadoghq.com exclusions, Elastic \
                      co.elastic.logs/enabled=false: high) or that opts it out of service-mesh sidecar injection \
                      (sidecar.istio.io/inject=false, linkerd.io/inject=disabled, istio-injection=disabled: \
                      medium).",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::K8s {
            resources: POD_TEMPLATES_AND_NAMESPACES,
            verbs: &["create", "update", "patch"],
            check: collection_excluded,
        },
    };
    ADMISSION_BYPASS = {
        id: "k8s.workload.admission_bypass",
        title: "Workload annotated to bypass admission policy",
        description: "A pod or pod template given alpha.image-policy.k8s.io/break-glass=true or GKE's \
                      admission.cloud.google.com/allow-unqualified-execute-user: image and execution policy no \
                      longer applies to it.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::K8s {
            resources: POD_TEMPLATES_AND_NAMESPACES,
            verbs: &["create", "update", "patch"],
            check: admission_bypass,
        },
    };
    POD_SECURITY_PRIVILEGED = {
        id: "k8s.namespace.pod_security_privileged",
        title: "Namespace Pod Security enforcement set to privileged",
        description: "A namespace labelled pod-security.kubernetes.io/enforce=privileged: privileged, \
                      host-namespace and host-path pods are admitted there. Agent namespaces, which need it, are \
                      not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::K8s {
            resources: &["namespaces"],
            verbs: &["create", "update", "patch"],
            check: pod_security_privileged,
        },
    };
}

struct Marker {
    rule: &'static Rule,
    severity: Severity,
    what: &'static str,
}

/// What an annotation or label does, when it hides the object.
fn classify(key: &str, value: &str, namespace: bool) -> Option<Marker> {
    let value_lc = value.to_ascii_lowercase();
    let is_true = value_lc == "true";
    let hide = |severity, what| {
        Some(Marker {
            rule: &COLLECTION_EXCLUDED,
            severity,
            what,
        })
    };
    if key.starts_with("fluentbit.io/exclude") && is_true {
        return hide(Severity::High, "Fluent Bit stops collecting its logs");
    }
    if let Some(rest) = key.strip_prefix("ad.datadoghq.com/") {
        if (rest == "exclude" || rest.ends_with(".exclude") || rest.ends_with("logs_exclude"))
            && is_true
        {
            return hide(
                Severity::High,
                "the Datadog Agent stops collecting its logs or metrics",
            );
        }
        if rest.ends_with(".logs") && value_lc.contains("exclude") {
            return hide(
                Severity::Medium,
                "Datadog log processing rules drop part of its logs",
            );
        }
    }
    if key.starts_with("co.elastic.logs") && key.ends_with("/enabled") && value_lc == "false" {
        return hide(
            Severity::High,
            "Elastic Agent / Filebeat stops collecting its logs",
        );
    }
    if key == "sidecar.istio.io/inject" && value_lc == "false" {
        return hide(
            Severity::Medium,
            "no Istio sidecar is injected: mesh telemetry, mTLS and authorization policy skip it",
        );
    }
    if key == "istio-injection" && value_lc == "disabled" && namespace {
        return hide(
            Severity::Medium,
            "no Istio sidecar is injected in the namespace: mesh telemetry, mTLS and authorization policy skip it",
        );
    }
    if key == "linkerd.io/inject" && value_lc == "disabled" {
        return hide(
            Severity::Medium,
            "no Linkerd proxy is injected: mesh telemetry and policy skip it",
        );
    }
    if key == "alpha.image-policy.k8s.io/break-glass" && is_true {
        return Some(Marker {
            rule: &ADMISSION_BYPASS,
            severity: Severity::High,
            what: "image policy admission is bypassed (break-glass)",
        });
    }
    if key == "admission.cloud.google.com/allow-unqualified-execute-user" {
        return Some(Marker {
            rule: &ADMISSION_BYPASS,
            severity: Severity::High,
            what: "GKE admission lets any user execute into it unqualified, bypassing execution policy",
        });
    }
    if key == "pod-security.kubernetes.io/enforce" && value_lc == "privileged" && namespace {
        return Some(Marker {
            rule: &POD_SECURITY_PRIVILEGED,
            severity: Severity::Medium,
            what: "Pod Security admission no longer blocks privileged, host-namespace or host-path pods",
        });
    }
    None
}

fn collection_excluded(request: &Request<'_, '_>) -> Option<Detection> {
    judge(request, &COLLECTION_EXCLUDED)
}

fn admission_bypass(request: &Request<'_, '_>) -> Option<Detection> {
    judge(request, &ADMISSION_BYPASS)
}

fn pod_security_privileged(request: &Request<'_, '_>) -> Option<Detection> {
    judge(request, &POD_SECURITY_PRIVILEGED)
}

/// The markers of one rule the write sets, as one detection. Pods a controller creates carry the
/// markers of the template a user wrote, which was judged then.
fn judge(request: &Request<'_, '_>, rule: &'static Rule) -> Option<Detection> {
    if !request.is_spec_write() || request.by_controller() {
        return None;
    }
    let resource = request.event.resource();
    let (meta, namespace): (Vec<&str>, bool) = if resource == "namespaces" {
        (vec!["metadata"], true)
    } else if let Some(prefix) = template_prefix(resource) {
        (at(prefix, &["metadata"]), false)
    } else {
        return None;
    };
    let mut found: Vec<(Severity, String, String)> = Vec::new();
    for (field, singular) in [("annotations", "annotation"), ("labels", "label")] {
        for set in request.body.set_at(&at(&meta, &[field, ANY])) {
            let (Some(key), Some(value)) = (set.key.clone(), set.str()) else {
                continue;
            };
            let Some(marker) = classify(&key, &value, namespace) else {
                continue;
            };
            if marker.rule.id != rule.id {
                continue;
            }
            if marker.rule.id == POD_SECURITY_PRIVILEGED.id
                && request
                    .name()
                    .is_some_and(|ns| agents::namespace_owner(&ns, request.agents).is_some())
            {
                continue;
            }
            let reason = format!(
                "{singular} {key}={value:?} on {}: {}",
                place(request, namespace),
                marker.what
            );
            found.push((
                marker.severity,
                reason,
                restore(request, &meta, field, &key, &value),
            ));
        }
    }
    let severity = found.iter().map(|f| f.0).max()?;
    let mut detection = Detection::new(rule)
        .severity(severity)
        .scope(scope(request, namespace));
    for (_, reason, command) in found {
        detection = detection.reason(reason).restore(command);
    }
    Some(detection)
}

fn place(request: &Request<'_, '_>, namespace: bool) -> String {
    if namespace || request.event.resource() == "pods" {
        request.describe()
    } else {
        format!("the pod template of {}", request.describe())
    }
}

fn scope(request: &Request<'_, '_>, namespace: bool) -> String {
    if namespace {
        let ns = sh(&request.name().unwrap_or_else(|| "<namespace>".to_owned()));
        format!("`kubectl -n {ns} get pods -o wide` lists the pods the change covers")
    } else if request.event.resource() == "pods" {
        format!(
            "`kubectl {}get {} -o wide` shows where it runs; it has carried the marker since this event",
            request.ns_arg(),
            request.object_arg()
        )
    } else {
        format!(
            "`kubectl {}get pods -o wide` lists the pods of {}: every pod rolled out from this event on \
             carries the marker",
            request.ns_arg(),
            request.describe()
        )
    }
}

/// The command that takes the marker off again. Pod templates need a JSON patch: `kubectl annotate`
/// would only change the workload's own metadata, which the collectors never read.
fn restore(
    request: &Request<'_, '_>,
    meta: &[&str],
    field: &str,
    key: &str,
    value: &str,
) -> String {
    let verb = if field == "labels" {
        "label"
    } else {
        "annotate"
    };
    let name = request.name().unwrap_or_else(|| "<name>".to_owned());
    if request.event.resource() == "namespaces" {
        if key == "pod-security.kubernetes.io/enforce" {
            return format!(
                "kubectl label namespace {} pod-security.kubernetes.io/enforce=baseline --overwrite",
                sh(&name)
            );
        }
        return format!(
            "kubectl {verb} namespace {} {}",
            sh(&name),
            sh(&format!("{key}-"))
        );
    }
    if request.event.resource() == "pods" {
        return format!(
            "kubectl {}{verb} {} {} (the pod keeps {value:?} until it is recreated)",
            request.ns_arg(),
            request.object_arg(),
            sh(&format!("{key}-"))
        );
    }
    let path = to_pointer(&at(meta, &[field, key]));
    format!(
        "kubectl {}patch {} --type=json -p {}",
        request.ns_arg(),
        request.object_arg(),
        sh(&format!(r#"[{{"op":"remove","path":"{path}"}}]"#))
    )
}

#[cfg(test)]
mod tests {
    use super::super::run_k8s as run;
    use super::*;

    /// `kubectl patch deployment web -p '{"spec":{"template":{"metadata":{"annotations":
    /// {"admission.cloud.google.com/allow-unqualified-execute-user":"*"}}}}}'`, as the API server audits it.
    const STRATEGY_PATCH: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"9d2f4b1c-7e3a-4f6d-8b0e-1a2c3d4e5f60","stage":"ResponseComplete","requestURI":"/apis/apps/v1/namespaces/prod/deployments/web?fieldManager=kubectl-patch","verb":"patch","user":{"username":"mallory@example.com","groups":["system:authenticated"]},"sourceIPs":["203.0.113.7"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350","objectRef":{"resource":"deployments","namespace":"prod","name":"web","apiGroup":"apps","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestObject":{"spec":{"template":{"metadata":{"annotations":{"admission.cloud.google.com/allow-unqualified-execute-user":"*"}}}}},"requestReceivedTimestamp":"2026-11-27T09:30:00.000000Z","stageTimestamp":"2026-11-27T09:30:00.020000Z"}"#;

    #[test]
    fn the_strategy_patch_is_high() {
        let out = run(STRATEGY_PATCH);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule.id, "k8s.workload.admission_bypass");
        assert_eq!(out[0].severity, Severity::High);
        assert_eq!(out[0].rule.attack.v18.id, "T1562.001");
        let reason = &out[0].reasons[0];
        assert!(
            reason.contains("admission.cloud.google.com/allow-unqualified-execute-user"),
            "{reason}"
        );
        assert!(
            reason.contains("deployment web in namespace prod"),
            "{reason}"
        );
        assert!(
            out[0].restore[0].contains("~1allow-unqualified-execute-user"),
            "{:?}",
            out[0].restore
        );
    }

    #[test]
    fn json_patch_exclusion_and_namespace_labels() {
        let json_patch = STRATEGY_PATCH.replace(
            r#"{"spec":{"template":{"metadata":{"annotations":{"admission.cloud.google.com/allow-unqualified-execute-user":"*"}}}}}"#,
            r#"[{"op":"add","path":"/spec/template/metadata/annotations/fluentbit.io~1exclude","value":"true"}]"#,
        );
        let out = run(&json_patch);
        assert_eq!(out[0].rule.id, "k8s.workload.collection_excluded");
        assert!(out[0].reasons[0].contains("fluentbit.io/exclude"));
        let ns = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a2","stage":"ResponseComplete","verb":"patch","user":{"username":"mallory@example.com"},"objectRef":{"resource":"namespaces","name":"payments","apiVersion":"v1"},"responseStatus":{"code":200},"requestObject":{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"privileged"}}}}"#;
        let out = run(ns);
        assert_eq!(out[0].rule.id, "k8s.namespace.pod_security_privileged");
        assert!(out[0].restore[0].contains("enforce=baseline"));
        let agent_ns = ns.replace("payments", "falco");
        assert!(run(&agent_ns).is_empty());
    }
}
