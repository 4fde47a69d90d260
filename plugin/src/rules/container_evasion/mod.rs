//! Family 3: containers and clusters changed to evade monitoring (T1562.001, T1562.007, T1610, T1611).
//! Kubernetes rules read audit events (native, EKS, AKS and GKE alike); Docker rules read engine events
//! and `docker inspect` snapshots. Which workloads are agents comes from `agents`; what a request body
//! sets, whatever its patch type, from `body`.

pub mod agents;
pub mod body;
pub mod docker;
pub mod docker_host;
pub mod k8s_admission;
pub mod k8s_agents;
pub mod k8s_egress;
pub mod k8s_escape;
pub mod k8s_hiding;
pub mod k8s_host;
pub mod k8s_policy;
pub mod k8s_quota;
pub mod k8s_sessions;
pub mod pod_spec;

use agents::{CustomAgent, Facts};
use body::{ANY, Body, at, template_prefix};

use crate::rules::Env;
use crate::rules::{Detection, sh};
use crate::sources::k8s_audit::Event;

/// The resources that carry a pod spec (pods and every workload's pod template).
pub const POD_TEMPLATES: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
];
pub const POD_TEMPLATES_AND_NAMESPACES: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
    "namespaces",
];

/// Judge one completed Kubernetes write. Status writes and the control plane's own controllers are
/// skipped: they carry out changes already judged when a user made them. The pods controllers create
/// are the exception: the pod-spec rules judge them (outside the system namespaces), as the public
/// rule sets that read pod creations do. Exec, attach and port-forward sessions are reads or
/// long-running requests: they are judged once, when the session starts (or when it is refused).
pub fn evaluate_k8s(event: &Event<'_>, env: &Env<'_>, out: &mut Vec<Detection>) {
    let connect = is_connect(event);
    if (event.is_read() && !connect) || event.subresource() == Some("status") {
        return;
    }
    if event.is_system_controller()
        && !(event.resource() == "pods" && event.verb == "create" && event.subresource().is_none())
    {
        return;
    }
    if connect && event.stage.as_deref() == Some("ResponseComplete") && !event.failed() {
        return;
    }
    let body = Body::of(event.request_object);
    let request = Request {
        event,
        body,
        agents: &env.config.agents,
        env,
    };
    for rule in crate::rules::dispatch::tables().k8s(event.resource(), &event.verb) {
        if let crate::rules::Trigger::K8s { check, .. } = rule.trigger {
            out.extend(check(&request));
        }
    }
}

/// A session into a pod: `kubectl exec`, `attach` (verb `create`, or `get` over websockets) and
/// `port-forward`.
pub fn is_connect(event: &Event<'_>) -> bool {
    event.resource() == "pods"
        && matches!(event.subresource(), Some("exec" | "attach" | "portforward"))
        && matches!(&*event.verb, "create" | "get")
}

/// Requests judged while still in flight: a session's `ResponseStarted` stage is the moment it opens
/// (its `ResponseComplete` comes when it closes, and may never come).
pub fn judged_when_started(event: &Event<'_>) -> bool {
    is_connect(event) && event.stage.as_deref() == Some("ResponseStarted")
}

/// A reason that only some events can give.
pub trait MaybeReason {
    fn maybe_reason(self, reason: Option<String>) -> Self;
}

impl MaybeReason for Detection {
    fn maybe_reason(mut self, reason: Option<String>) -> Detection {
        self.reasons.extend(reason);
        self
    }
}

/// One write request as the Kubernetes rules see it.
pub struct Request<'r, 'a> {
    pub event: &'r Event<'a>,
    pub body: Body<'a>,
    pub agents: &'r [CustomAgent],
    pub env: &'r Env<'r>,
}

impl Request<'_, '_> {
    pub fn verb(&self) -> &str {
        &self.event.verb
    }

    /// A user's write of an object's spec (create, update or patch, no subresource). Nodes are left
    /// out: they only write mirror pods of their own static pods.
    pub fn is_spec_write(&self) -> bool {
        matches!(self.verb(), "create" | "update" | "patch")
            && self.event.subresource().is_none()
            && !self.event.is_node()
    }

    /// A pod a control-plane controller creates from a workload's template (judged when the template
    /// was written).
    pub fn by_controller(&self) -> bool {
        self.event.is_system_controller()
    }

    /// The object's name: from `objectRef`, else (for a `create`) from the body, else the response;
    /// a pod created with only `generateName` is named by its prefix and `*`.
    pub fn name(&self) -> Option<String> {
        let first = |body: &Body<'_>, key: &str| {
            body.set_at(&["metadata", key])
                .first()
                .and_then(|s| s.str())
                .filter(|s| !s.is_empty())
        };
        self.event
            .name()
            .map(str::to_owned)
            .or_else(|| first(&self.body, "name"))
            .or_else(|| first(&Body::of(self.event.response_object), "name"))
            .or_else(|| first(&self.body, "generateName").map(|prefix| format!("{prefix}*")))
    }

    /// Which agent the object is, from its name, namespace, labels and (unless `with_images` is false)
    /// its images, in the request body and the response.
    pub fn agent(&self, with_images: bool) -> Option<agents::Identified> {
        let name = self.name();
        let mut facts = Facts {
            namespace: self.event.namespace(),
            name: name.as_deref(),
            ..Facts::default()
        };
        let response = Body::of(self.event.response_object);
        let prefix = template_prefix(self.event.resource()).unwrap_or(&[]);
        for source in [&self.body, &response] {
            for meta in [vec!["metadata"], at(prefix, &["metadata"])] {
                for label in source.set_at(&at(&meta, &["labels", ANY])) {
                    let identifying = matches!(
                        label.key.as_deref(),
                        Some("app.kubernetes.io/name" | "app" | "k8s-app" | "name")
                    );
                    if let (true, Some(value)) = (identifying, label.str()) {
                        facts.labels.push(value);
                    }
                }
            }
            if with_images {
                facts
                    .images
                    .extend(images(source, prefix).into_iter().map(|(_, i)| i));
            }
        }
        agents::identify(&facts, self.agents)
    }

    /// A count from the object's `status`: the response's, else (a full update) the one the client last
    /// read. A patch's body has none.
    pub fn status_count(&self, key: &str) -> Option<u64> {
        let response = Body::of(self.event.response_object);
        [&response, &self.body].into_iter().find_map(|body| {
            body.set_at(&["status", key])
                .first()
                .and_then(|s| s.value.get().parse::<u64>().ok())
        })
    }

    /// How many nodes (DaemonSets) or replicas the workload ran.
    pub fn reach(&self) -> Option<String> {
        if self.event.resource() == "daemonsets" {
            self.status_count("desiredNumberScheduled")
                .or_else(|| self.status_count("currentNumberScheduled"))
                .map(|n| format!("it was scheduled on {n} node(s)"))
        } else {
            self.status_count("replicas")
                .map(|n| format!("it ran {n} replica(s)"))
        }
    }

    /// `kind name in namespace ns` for reasons.
    pub fn describe(&self) -> String {
        let kind = kind(self.event.resource());
        let name = self.name().unwrap_or_else(|| "(unnamed)".to_owned());
        match self.event.namespace() {
            Some(ns) => format!("{kind} {name} in namespace {ns}"),
            None => format!("{kind} {name}"),
        }
    }

    /// `-n <ns> ` for commands, empty for cluster-scoped objects.
    pub fn ns_arg(&self) -> String {
        self.event
            .namespace()
            .map(|ns| format!("-n {} ", sh(ns)))
            .unwrap_or_default()
    }

    /// `kind/name` for commands, shell-quoted.
    pub fn object_arg(&self) -> String {
        let name = self.name().unwrap_or_else(|| "<name>".to_owned());
        sh(&format!("{}/{}", kind(self.event.resource()), name))
    }
}

/// Container images the body sets in the pod template (containers and init containers), with the
/// container index they were set at.
pub fn images(body: &Body<'_>, prefix: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for list in ["containers", "initContainers"] {
        for set in body.set_at(&at(prefix, &["spec", list, ANY, "image"])) {
            if let Some(image) = set.str() {
                found.push((set.key.unwrap_or_default(), image));
            }
        }
    }
    found
}

/// The singular kind kubectl accepts for a resource.
pub fn kind(resource: &str) -> &str {
    match resource {
        "daemonsets" => "daemonset",
        "deployments" => "deployment",
        "statefulsets" => "statefulset",
        "replicasets" => "replicaset",
        "replicationcontrollers" => "replicationcontroller",
        "jobs" => "job",
        "cronjobs" => "cronjob",
        "pods" => "pod",
        "namespaces" => "namespace",
        "serviceaccounts" => "serviceaccount",
        "roles" => "role",
        "rolebindings" => "rolebinding",
        "clusterroles" => "clusterrole",
        "clusterrolebindings" => "clusterrolebinding",
        "configmaps" => "configmap",
        "secrets" => "secret",
        "networkpolicies" => "networkpolicy",
        "validatingwebhookconfigurations" => "validatingwebhookconfiguration",
        "mutatingwebhookconfigurations" => "mutatingwebhookconfiguration",
        "events" => "event",
        other => other,
    }
}

/// Run the Kubernetes container-evasion rules alone on one audit event's JSON.
#[cfg(test)]
pub(super) fn run_k8s(text: &str) -> Vec<Detection> {
    let object = crate::sources::json::Object::parse(text).expect("object");
    let event = Event::from_object(&object);
    let mut out = Vec::new();
    let config = crate::config::Config::default();
    let destinations = crate::rules::memory::Destinations::default();
    let env = Env {
        config: &config,
        destinations: &destinations,
    };
    evaluate_k8s(&event, &env, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_events_lose_detail_without_failing() {
        use crate::engine::Engine;
        use crate::model::RawEvent;
        let head = r#"{"kind":"Event","auditID":"x","stage":"ResponseComplete","verb":"patch","user":{"username":"u"},"objectRef":{"resource":"daemonsets","namespace":"falco","name":"falco","apiGroup":"apps"},"requestObject":"#;
        let deep = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
        let bodies = [
            r#"[{"op":"add","path":"","value":{}},{"op":"add","path":"/","value":null},{"op":"replace"}]"#.to_owned(),
            r#"[{"op":"add","path":"/spec/template/spec/containers/99999999999999999999999/image","value":"x"}]"#.to_owned(),
            r#"[{"op":"add","path":"/spec/template/spec/nodeSelector","value":[1,{"a":null}]}]"#.to_owned(),
            r#"{"spec":{"template":{"spec":{"containers":"busybox","nodeSelector":7,"volumes":[{"hostPath":{"path":5}}]}}}}"#.to_owned(),
            r#"{"spec":{"replicas":"0","template":{"metadata":{"annotations":[],"labels":{"app":{"x":1}}}}}}"#.to_owned(),
            format!(r#"{{"spec":{{"template":{{"spec":{{"containers":{deep}}}}}}}}}"#),
            "null".to_owned(),
        ];
        let mut engine = Engine::new();
        for body in &bodies {
            let text = format!("{head}{body}}}");
            let raw = RawEvent {
                data: text.as_bytes(),
                source_hint: None,
                tag: None,
            };
            assert!(engine.process_one(&raw).is_ok(), "{body}");
        }
        for text in [
            r#"{"Type":"container","Action":"kill","Actor":{"ID":7,"Attributes":["x"]},"time":"soon","timeNano":-1}"#,
            r#"{"Type":"network","Action":"disconnect","Actor":{"Attributes":{"name":""}}}"#,
            r#"{"Id":"x","HostConfig":{"Binds":[":",1,"::::"],"SecurityOpt":"seccomp=unconfined","LogConfig":{"Type":7}},"State":"up","Config":{"Labels":null}}"#,
        ] {
            let raw = RawEvent {
                data: text.as_bytes(),
                source_hint: None,
                tag: None,
            };
            assert!(engine.process_one(&raw).is_ok(), "{text}");
        }
    }

    #[test]
    fn kinds_are_singular_for_kubectl() {
        assert_eq!(kind("daemonsets"), "daemonset");
        assert_eq!(kind("ciliumnetworkpolicies"), "ciliumnetworkpolicies");
    }
}
