//! Agents starved without touching their workloads: a ResourceQuota in the agent's namespace that
//! allows no pods (its DaemonSet cannot replace a single pod) or too little memory or CPU, or a
//! LimitRange whose maximum is below what the agent needs (its pods are refused or OOM-killed).

use super::body::ANY;
use super::{Request, agents};
use crate::model::Severity;
use crate::rules::{Detection, Trigger, attack, declare, sh};

declare! {
    AGENT_STARVED = {
        id: "k8s.agent.quota_starved",
        title: "Quota or limit range set in an agent's namespace",
        description: "create, update or patch by a user of a ResourceQuota or LimitRange in an agent's namespace: \
                      high when it allows no pods (pods or count/pods 0) or caps memory below 128Mi or CPU below \
                      100m (the agent's pods are refused, evicted or OOM-killed), medium otherwise. Quotas and \
                      limit ranges in other namespaces, and those written by service accounts (the agent's own \
                      chart through a GitOps controller), are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 55,
        trigger: Trigger::K8s {
            resources: &["resourcequotas", "limitranges"],
            verbs: &["create", "update", "patch"],
            check: starved,
        },
    };
}

/// Bytes in a Kubernetes memory quantity (`128Mi`, `1G`, `134217728`).
fn bytes(quantity: &str) -> Option<f64> {
    let q = quantity.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (number, suffix) = q.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "m" => 1e-3,
        _ => return None,
    };
    Some(number * scale)
}

/// Cores in a CPU quantity (`100m`, `0.5`, `2`).
fn cores(quantity: &str) -> Option<f64> {
    let q = quantity.trim();
    match q.strip_suffix('m') {
        Some(milli) => milli.parse::<f64>().ok().map(|m| m / 1000.0),
        None => q.parse().ok(),
    }
}

/// What a resource name and quantity starve, if they do.
fn starving(resource: &str, value: &str) -> Option<String> {
    let memory = resource == "memory" || resource.ends_with(".memory");
    let cpu = resource == "cpu" || resource.ends_with(".cpu");
    if matches!(resource, "pods" | "count/pods") && value.trim() == "0" {
        Some(format!(
            "{resource}: 0 — no pod of the agent can be created or replaced"
        ))
    } else if memory && bytes(value).is_some_and(|b| b < 128.0 * 1024.0 * 1024.0) {
        Some(format!(
            "{resource}: {value} — below what an agent needs, its pods are refused or OOM-killed"
        ))
    } else if cpu && cores(value).is_some_and(|c| c < 0.1) {
        Some(format!(
            "{resource}: {value} — below what an agent needs, its pods are refused or throttled"
        ))
    } else {
        None
    }
}

fn starved(request: &Request<'_, '_>) -> Option<Detection> {
    let event = request.event;
    if event.subresource().is_some() || event.is_service_account() || event.is_node() {
        return None;
    }
    let ns = event.namespace()?;
    let owner = agents::namespace_owner(ns, request.agents)?;
    let body = &request.body;
    let mut values: Vec<(String, String)> = Vec::new();
    let mut collect = |pattern: &[&str]| {
        for set in body.set_at(pattern) {
            if let (Some(key), Some(value)) = (set.key.clone(), set.str()) {
                values.push((key, value));
            }
        }
    };
    if event.resource() == "resourcequotas" {
        collect(&["spec", "hard", ANY]);
    } else {
        for bound in ["max", "default", "defaultRequest"] {
            collect(&["spec", "limits", ANY, bound, ANY]);
        }
    }
    // Quantities may be JSON numbers.
    for set in body.set_at(&["spec", "hard", ANY]) {
        if set.str().is_none()
            && let Some(key) = set.key.clone()
        {
            values.push((key, set.value.get().to_owned()));
        }
    }
    let starving: Vec<String> = values
        .iter()
        .filter_map(|(resource, value)| starving(resource, value))
        .collect();
    let kind = if event.resource() == "resourcequotas" {
        "resourcequota"
    } else {
        "limitrange"
    };
    let name = request.name().unwrap_or_else(|| "<name>".to_owned());
    let severity = if starving.is_empty() {
        Severity::Medium
    } else {
        Severity::High
    };
    let mut detection = Detection::new(&AGENT_STARVED)
        .severity(severity)
        .reason(format!(
            "{kind} {name} was written in namespace {ns} ({owner}'s): it bounds what the agent's pods may \
             request and how many may run"
        ))
        .scope(format!(
            "`kubectl -n {} describe {kind} {}` and `kubectl -n {} get pods,events` show refused or evicted \
             agent pods",
            sh(ns),
            sh(&name),
            sh(ns)
        ))
        .restore(format!(
            "kubectl -n {} delete {kind} {} (if the agent's own chart does not ship it)",
            sh(ns),
            sh(&name)
        ));
    detection.reasons.extend(starving);
    Some(detection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(bytes("128Mi"), Some(134_217_728.0));
        assert_eq!(bytes("1G"), Some(1e9));
        assert_eq!(cores("100m"), Some(0.1));
        assert_eq!(cores("2"), Some(2.0));
        assert!(starving("pods", "0").is_some());
        assert!(starving("pods", "10").is_none());
        assert!(starving("limits.memory", "16Mi").is_some());
        assert!(starving("memory", "2Gi").is_none());
        assert!(starving("requests.cpu", "10m").is_some());
        assert!(bytes("lots").is_none());
    }
}
