//! Sessions opened into an agent's pod through the API server: `kubectl exec` and `attach` (a
//! `create` of the `exec`/`attach` subresource, or a `get` over websockets), `kubectl debug` (an
//! ephemeral container patched into the pod) and `kubectl port-forward`. From inside the agent an
//! attacker stops it, rewrites its rules or outputs, or reads its credentials, and none of that goes
//! through a workload change the other rules would see. Sessions into kube-system's pods (node
//! components, the cloud's own logging agents) are findings at a lower severity; sessions into
//! application pods are not this rule's concern.
//!
//! Agents are recognised by namespace and by pod name (`falco-x2x9k` is a pod of the `falco-*`
//! workloads): `objectRef` names nothing else.

use super::body::ANY;
use super::{Request, agents};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare, sh};

declare! {
    AGENT_SESSION = {
        id: "k8s.agent.exec",
        title: "Shell, attach, debug container or port-forward into an agent's pod",
        description: "exec or attach (create, or get over websockets) and ephemeral debug containers (patch or \
                      update of pods/ephemeralcontainers) into a security or telemetry agent's pod (high), \
                      port-forward to one (medium), and exec, attach or debug containers into kube-system pods \
                      (medium). Recognised by the agent's namespace or its pods' names. Sessions into \
                      application pods, and port-forwards into kube-system, are not findings. A session is \
                      judged when it starts (the audit stage ResponseStarted) or when it is refused.",
        attack: &attack::CONTAINER_ADMIN,
        severity: Severity::High,
        confidence: 70,
        trigger: Trigger::K8s {
            resources: &["pods"],
            verbs: &["create", "get", "patch", "update"],
            check: session,
        },
    };
}

/// The kind of session a request opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exec,
    Attach,
    Debug,
    PortForward,
}

fn kind_of(request: &Request<'_, '_>) -> Option<Kind> {
    let verb = request.verb();
    let open = matches!(verb, "create" | "get");
    match request.event.subresource()? {
        "exec" if open => Some(Kind::Exec),
        "attach" if open => Some(Kind::Attach),
        "portforward" if open => Some(Kind::PortForward),
        "ephemeralcontainers" if matches!(verb, "patch" | "update") => Some(Kind::Debug),
        _ => None,
    }
}

fn session(request: &Request<'_, '_>) -> Option<Detection> {
    let kind = kind_of(request)?;
    let pod = request.event.name()?;
    let namespace = request.event.namespace();
    let facts = agents::Facts {
        namespace,
        name: Some(pod),
        ..agents::Facts::default()
    };
    let agent = agents::identify(&facts, request.agents);
    let (severity, whose) = match &agent {
        Some(agent) if kind == Kind::PortForward => (
            Severity::Medium,
            format!(
                "{} (recognised by {}): its local API, metrics and health ports are reachable from the \
                 caller's machine",
                agent.agent, agent.by
            ),
        ),
        Some(agent) => (
            Severity::High,
            format!(
                "{} (recognised by {}): from inside the agent its process can be stopped, its rules and \
                 outputs rewritten and its credentials read, without any workload change",
                agent.agent, agent.by
            ),
        ),
        None if namespace == Some("kube-system") && kind != Kind::PortForward => (
            Severity::Medium,
            "a kube-system pod: node components and the cloud provider's own logging and monitoring \
             agents run there"
                .to_owned(),
        ),
        None => return None,
    };
    let ns = namespace
        .map(|n| format!("-n {} ", sh(n)))
        .unwrap_or_default();
    let place = match namespace {
        Some(n) => format!("pod {pod} in namespace {n}"),
        None => format!("pod {pod}"),
    };
    let what = match kind {
        Kind::Exec => "a command was executed in".to_owned(),
        Kind::Attach => "a terminal was attached to".to_owned(),
        Kind::PortForward => "a port-forward was opened to".to_owned(),
        Kind::Debug => {
            let images: Vec<String> = [
                vec!["spec", "ephemeralContainers", ANY, "image"],
                vec!["ephemeralContainers", ANY, "image"],
            ]
            .iter()
            .flat_map(|pattern| request.body.set_at(pattern))
            .filter_map(|s| s.str())
            .collect();
            if images.is_empty() {
                "an ephemeral debug container was added to".to_owned()
            } else {
                format!(
                    "an ephemeral debug container ({}) was added to",
                    images.join(", ")
                )
            }
        }
    };
    let restore = match kind {
        Kind::PortForward => format!(
            "nothing in the cluster changed: the session ends when the client stops; if the agent's ports \
             should not be reachable, restrict pods/portforward in {} with RBAC",
            namespace.unwrap_or("the namespace")
        ),
        _ => format!(
            "kubectl {ns}delete pod {} (its workload recreates it from the template, without whatever the \
             session changed inside{})",
            sh(pod),
            if kind == Kind::Debug {
                "; an ephemeral container cannot be removed otherwise"
            } else {
                ""
            }
        ),
    };
    Some(
        Detection::new(&AGENT_SESSION)
            .severity(severity)
            .reason(format!("{what} {place}, {whose}"))
            .scope(format!(
                "`kubectl {ns}get pod {} -o yaml` shows its containers and restarts; the agent's own logs and \
                 the node's process events from this time show what the session ran",
                sh(pod)
            ))
            .restore(restore),
    )
}

#[cfg(test)]
mod tests {
    use super::super::run_k8s as run;
    use super::*;

    fn session_event(verb: &str, ns: &str, pod: &str, sub: &str, stage: &str) -> String {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"ca1ed9f4","stage":"{stage}","requestURI":"/api/v1/namespaces/{ns}/pods/{pod}/{sub}?command=sh&container=c&stdin=true&stdout=true&tty=true","verb":"{verb}","user":{{"username":"mallory@example.com"}},"objectRef":{{"resource":"pods","namespace":"{ns}","name":"{pod}","apiVersion":"v1","subresource":"{sub}"}},"responseStatus":{{"metadata":{{}},"code":101}}}}"#
        )
    }

    #[test]
    fn sessions_by_whose_pod_and_kind() {
        let out = run(&session_event(
            "create",
            "falco",
            "falco-x2x9k",
            "exec",
            "ResponseStarted",
        ));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::High);
        assert!(out[0].reasons[0].contains("Falco"), "{:?}", out[0].reasons);
        let out = run(&session_event(
            "get",
            "monitoring",
            "datadog-agent-7kq2z",
            "attach",
            "ResponseStarted",
        ));
        assert_eq!(out[0].severity, Severity::High);
        let out = run(&session_event(
            "create",
            "falco",
            "falco-x2x9k",
            "portforward",
            "ResponseStarted",
        ));
        assert_eq!(out[0].severity, Severity::Medium);
        let out = run(&session_event(
            "create",
            "kube-system",
            "coredns-5d78c9869d-abcde",
            "exec",
            "ResponseStarted",
        ));
        assert_eq!(out[0].severity, Severity::Medium);
        assert!(
            run(&session_event(
                "create",
                "kube-system",
                "coredns-5d78c9869d-abcde",
                "portforward",
                "ResponseStarted"
            ))
            .is_empty()
        );
        assert!(
            run(&session_event(
                "create",
                "shop",
                "web-7d4b9-x1",
                "exec",
                "ResponseStarted"
            ))
            .is_empty()
        );
    }

    #[test]
    fn a_session_is_judged_once() {
        // The session's end repeats its start; a refused session has only an end.
        let done = session_event("create", "falco", "falco-x2x9k", "exec", "ResponseComplete");
        assert!(run(&done).is_empty());
        let refused = done.replace(r#""code":101"#, r#""code":403"#);
        assert_eq!(run(&refused).len(), 1);
        let gke_like = done.replace(r#""stage":"ResponseComplete","#, "");
        assert_eq!(run(&gke_like).len(), 1);
    }
}
