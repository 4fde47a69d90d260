//! Family 3 on Docker hosts: agent containers stopped, killed, paused, removed, cut off from their
//! network or left without a restart policy (engine events and `docker inspect` snapshots), and
//! containers that escape the host's agents: no log driver, privileged with the host PID namespace,
//! runtime socket or log directory bind mounts, seccomp/AppArmor unconfined.

use std::borrow::Cow;

use super::agents::{self, CustomAgent, Facts, Identified};
use super::k8s_escape::host_path_risk;
use super::{DEPLOY, DOCKER, ESCAPE, TOOLS, rule};
use crate::model::Severity;
use crate::rules::{Detection, sh};
use crate::sources::docker_events::EngineEvent;
use crate::sources::docker_inspect::Container;

rule!(
    AGENT_STOPPED,
    "docker.agent.stopped",
    "Agent container stopped, killed, paused or removed",
    TOOLS,
    High,
    80,
    DOCKER,
    "stop, kill, pause or destroy of a security or telemetry agent container, or an inspect snapshot \
     showing one exited, paused or dead. The SIGTERM kill that `docker stop` sends first is reported by \
     its stop event."
);
rule!(
    AGENT_DISCONNECTED,
    "docker.agent.network_disconnected",
    "Container disconnected from a monitoring network",
    TOOLS,
    Medium,
    55,
    DOCKER,
    "network disconnect from a network named for an agent (its compose project) or for monitoring, \
     logging, observability or telemetry: the container's agent or collector traffic stops. Engine events \
     name the container only by id, so the network is what identifies the telemetry path."
);
rule!(
    AGENT_RESTART_POLICY,
    "docker.agent.restart_policy_removed",
    "Agent container restart policy removed or configuration updated",
    TOOLS,
    Medium,
    60,
    DOCKER,
    "update of an agent container (restart policy or resource limits changed), or an inspect snapshot of an \
     agent with restart policy \"no\": a crash or reboot leaves the host unmonitored."
);
rule!(
    LOG_DRIVER_NONE,
    "docker.container.log_driver_none",
    "Container runs with the none log driver",
    DEPLOY,
    High,
    75,
    DOCKER,
    "A container whose HostConfig.LogConfig.Type is none (`--log-driver none`): its output is written \
     nowhere, so no collector can read it."
);
rule!(
    HOST_ACCESS,
    "docker.container.host_access",
    "Container with host access that escapes the host's agents",
    ESCAPE,
    High,
    75,
    DOCKER,
    "A container that is privileged with PidMode host, or bind-mounts the runtime socket or /var/log. Known \
     agents, which need this access, are not findings."
);
rule!(
    UNCONFINED,
    "docker.container.unconfined",
    "Container with seccomp or AppArmor unconfined",
    DEPLOY,
    Medium,
    60,
    DOCKER,
    "A container with SecurityOpt seccomp=unconfined or apparmor=unconfined. Known agents are not findings."
);

/// Words that mark a network as the path telemetry takes.
const MONITORING_NETWORKS: [(&str, &str); 6] = [
    ("monitor", "monitoring"),
    ("logging", "logging"),
    ("observability", "observability"),
    ("telemetry", "telemetry"),
    ("siem", "the SIEM"),
    ("security", "security tooling"),
];

fn label_values<'v>(pairs: impl Iterator<Item = (&'v str, Cow<'v, str>)>) -> Vec<String> {
    pairs
        .filter(|(k, _)| {
            matches!(
                *k,
                "com.docker.compose.service" | "app" | "app.kubernetes.io/name" | "name"
            )
        })
        .map(|(_, v)| v.into_owned())
        .collect()
}

fn identify_event(event: &EngineEvent<'_>, custom: &[CustomAgent]) -> Option<Identified> {
    let name = event.container_name();
    let facts = Facts {
        namespace: None,
        name: name.as_deref(),
        labels: label_values(event.attributes().filter(|(k, _)| *k != "name")),
        images: event.image().map(Cow::into_owned).into_iter().collect(),
    };
    agents::identify(&facts, custom)
}

pub fn evaluate_event(event: &EngineEvent<'_>, custom: &[CustomAgent], out: &mut Vec<Detection>) {
    match (&*event.kind, &*event.action) {
        ("container", "kill") => {
            let signal = event.attribute("signal").unwrap_or_default();
            if matches!(&*signal, "15" | "SIGTERM" | "TERM") {
                return;
            }
            out.extend(stopped(event, custom));
        }
        ("container", "stop" | "pause" | "destroy") => out.extend(stopped(event, custom)),
        ("container", "update") => out.extend(updated(event, custom)),
        ("network", "disconnect") => out.extend(disconnected(event, custom)),
        _ => {}
    }
}

fn container_ref(event: &EngineEvent<'_>) -> String {
    event
        .container_name()
        .map(Cow::into_owned)
        .or_else(|| event.actor_id.as_deref().map(str::to_owned))
        .unwrap_or_else(|| "<container>".to_owned())
}

fn stopped(event: &EngineEvent<'_>, custom: &[CustomAgent]) -> Option<Detection> {
    let agent = identify_event(event, custom)?;
    let name = container_ref(event);
    let image = event.image().unwrap_or_default();
    let (what, restore) = match &*event.action {
        "pause" => ("paused (frozen)", format!("docker unpause {}", sh(&name))),
        "destroy" => (
            "removed",
            format!(
                "docker run -d --name {} --restart unless-stopped {} (with the options of its compose file or \
                 install script)",
                sh(&name),
                sh(if image.is_empty() { "<image>" } else { &image })
            ),
        ),
        "kill" => ("killed", format!("docker start {}", sh(&name))),
        _ => ("stopped", format!("docker start {}", sh(&name))),
    };
    let mut detection = Detection::new(&AGENT_STOPPED)
        .reason(format!(
            "agent container {name} ({}, recognised by {}) was {what}: the host and its containers are not \
             monitored by it",
            agent.agent, agent.by
        ))
        .scope(format!(
            "`docker ps -a --filter {}={}` shows its state; the host has no {} telemetry from this event on",
            if event.container_name().is_some() { "name" } else { "id" },
            sh(&name),
            agent.agent
        ))
        .restore(restore);
    if let Some(signal) = event.attribute("signal") {
        detection = detection.reason(format!("signal {signal}"));
    }
    Some(detection)
}

fn updated(event: &EngineEvent<'_>, custom: &[CustomAgent]) -> Option<Detection> {
    let agent = identify_event(event, custom)?;
    let name = container_ref(event);
    Some(
        Detection::new(&AGENT_RESTART_POLICY)
            .reason(format!(
                "agent container {name} ({}, recognised by {}) was updated: `docker update` changes its restart \
                 policy or resource limits; with no restart policy a crash or reboot leaves the host unmonitored",
                agent.agent, agent.by
            ))
            .scope(format!(
                "`docker inspect --format '{{{{json .HostConfig.RestartPolicy}}}} {{{{.HostConfig.Memory}}}}' {}` shows \
                 the policy and limits now",
                sh(&name)
            ))
            .restore(format!("docker update --restart unless-stopped {}", sh(&name))),
    )
}

/// The agent or telemetry role a network's name gives away.
fn monitoring_network(network: &str, custom: &[CustomAgent]) -> Option<String> {
    let project = network
        .strip_suffix("_default")
        .unwrap_or(network)
        .to_ascii_lowercase();
    let facts = Facts {
        name: Some(&project),
        ..Facts::default()
    };
    if let Some(agent) = agents::identify(&facts, custom) {
        return Some(format!("{}'s network", agent.agent));
    }
    MONITORING_NETWORKS
        .iter()
        .find(|(word, _)| project.contains(*word))
        .map(|(_, role)| format!("a network named for {role}"))
}

fn disconnected(event: &EngineEvent<'_>, custom: &[CustomAgent]) -> Option<Detection> {
    let network = event.attribute("name")?;
    let role = monitoring_network(&network, custom)?;
    let container = event
        .attribute("container")
        .map(Cow::into_owned)
        .unwrap_or_else(|| "<container>".to_owned());
    Some(
        Detection::new(&AGENT_DISCONNECTED)
            .reason(format!(
                "container {container} was disconnected from network {network} ({role}): agent and collector \
                 traffic on it stops"
            ))
            .scope(format!(
                "`docker network inspect {}` lists the containers still attached; `docker inspect {}` names the \
                 container",
                sh(&network),
                sh(&container)
            ))
            .restore(format!(
                "docker network connect {} {}",
                sh(&network),
                sh(&container)
            )),
    )
}

pub fn evaluate_container(
    container: &Container<'_>,
    custom: &[CustomAgent],
    out: &mut Vec<Detection>,
) {
    let name = container
        .name
        .as_deref()
        .or(container.id.as_deref())
        .unwrap_or("<container>")
        .to_owned();
    let labels = container
        .labels
        .as_ref()
        .map(|l| label_values(l.keys().filter_map(|k| l.str(k).map(|v| (k, v)))))
        .unwrap_or_default();
    let facts = Facts {
        namespace: None,
        name: Some(&name),
        labels,
        images: container
            .image
            .as_deref()
            .map(str::to_owned)
            .into_iter()
            .collect(),
    };
    // Only a container that runs the agent's image is the agent: the name is the attacker's to choose.
    let agent = agents::identify(&facts, custom).filter(|a| {
        a.images.is_empty()
            || container
                .image
                .as_deref()
                .is_some_and(|image| agents::image_matches(&a.images, image))
    });
    let quoted = sh(&name);
    if let Some(agent) = &agent {
        let status = container.status().unwrap_or_default();
        if matches!(&*status, "exited" | "paused" | "dead") {
            let restore = if status == "paused" {
                format!("docker unpause {quoted}")
            } else {
                format!("docker start {quoted}")
            };
            out.push(
                Detection::new(&AGENT_STOPPED)
                    .reason(format!(
                        "agent container {name} ({}, recognised by {}) is {status}: the host is not monitored by it",
                        agent.agent, agent.by
                    ))
                    .scope(format!(
                        "`docker inspect --format '{{{{json .State}}}}' {quoted}` gives FinishedAt, when monitoring stopped"
                    ))
                    .restore(restore),
            );
        }
        let policy = container.restart_policy().unwrap_or_default();
        if container.host_config.is_some() && matches!(&*policy, "" | "no") {
            out.push(
                Detection::new(&AGENT_RESTART_POLICY)
                    .reason(format!(
                        "agent container {name} ({}, recognised by {}) has restart policy {:?}: a crash, kill or \
                         reboot leaves the host unmonitored",
                        agent.agent,
                        agent.by,
                        if policy.is_empty() { "no" } else { &policy }
                    ))
                    .scope(format!("`docker events --filter container={quoted}` shows when it was changed"))
                    .restore(format!("docker update --restart unless-stopped {quoted}")),
            );
        }
    }
    if container.log_driver().as_deref() == Some("none") {
        out.push(
            Detection::new(&LOG_DRIVER_NONE)
                .reason(format!(
                    "container {name} (image {}) runs with log driver none: its stdout and stderr are discarded \
                     and never reach a collector",
                    container.image.as_deref().unwrap_or("unknown")
                ))
                .scope(format!(
                    "`docker ps --filter name={quoted}` shows whether it still runs; its output since it started is lost"
                ))
                .restore(format!(
                    "docker rm -f {quoted} and recreate it with `docker run --log-driver json-file` (or the host's \
                     default driver): the log driver cannot be changed in place"
                )),
        );
    }
    if agent.is_some() {
        return;
    }
    let mut host = Vec::new();
    if container.host_bool("Privileged") && container.host("PidMode").as_deref() == Some("host") {
        host.push(
            "it is privileged and shares the host PID namespace (--privileged --pid=host): it can see and kill \
             the host's processes, agents included"
                .to_owned(),
        );
    }
    let mut sources: Vec<String> = container
        .host_list("Binds")
        .iter()
        .filter_map(|bind| bind.split(':').next().map(str::to_owned))
        .collect();
    sources.sort();
    sources.dedup();
    for source in sources {
        if let Some(risk) = host_path_risk(&source) {
            host.push(format!("it bind-mounts {source}: {risk}"));
        }
    }
    if !host.is_empty() {
        let mut detection = Detection::new(&HOST_ACCESS)
            .reason(format!("container {name} reaches outside its container:"))
            .scope(format!(
                "`docker inspect {quoted}` and `docker top {quoted}` show what it runs; treat this host's agent \
                 telemetry as incomplete since it started"
            ))
            .restore(format!("docker stop {quoted} (after `docker inspect {quoted}` is saved for investigation)"));
        detection.reasons.extend(host);
        out.push(detection);
    }
    let unconfined: Vec<String> = container
        .host_list("SecurityOpt")
        .iter()
        .filter(|opt| {
            let opt = opt.to_ascii_lowercase();
            [
                "seccomp=unconfined",
                "seccomp:unconfined",
                "apparmor=unconfined",
                "apparmor:unconfined",
            ]
            .contains(&opt.as_str())
        })
        .map(|opt| opt.to_string())
        .collect();
    if !unconfined.is_empty() {
        out.push(
            Detection::new(&UNCONFINED)
                .severity(Severity::Medium)
                .reason(format!(
                    "container {name} runs with --security-opt {}: syscall or file-access confinement is off",
                    unconfined.join(", ")
                ))
                .scope(format!("`docker inspect {quoted}` shows its security options"))
                .restore(format!(
                    "docker rm -f {quoted} and recreate it without --security-opt seccomp=unconfined / apparmor=unconfined"
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::json::Object;

    fn events(text: &str) -> Vec<&'static str> {
        let object = Object::parse(text).expect("object");
        let event = EngineEvent::from_object(&object);
        let mut out = Vec::new();
        evaluate_event(&event, &[], &mut out);
        out.iter().map(|d| d.rule.id).collect()
    }

    #[test]
    fn agent_stop_kill_and_network() {
        let stop = r#"{"Type":"container","Action":"stop","Actor":{"ID":"7f3c","Attributes":{"image":"falcosecurity/falco:0.38.1","name":"falco"}},"scope":"local","time":1795770000,"timeNano":1795770000123456789}"#;
        assert_eq!(events(stop), vec!["docker.agent.stopped"]);
        let term = stop
            .replace(r#""Action":"stop""#, r#""Action":"kill""#)
            .replace(r#""name":"falco""#, r#""name":"falco","signal":"15""#);
        assert!(events(&term).is_empty());
        let web = stop
            .replace("falcosecurity/falco:0.38.1", "nginx:1.27")
            .replace(r#""name":"falco""#, r#""name":"web""#);
        assert!(events(&web).is_empty());
        let disconnect = r#"{"Type":"network","Action":"disconnect","Actor":{"ID":"3e5d","Attributes":{"container":"7f3c","name":"monitoring","type":"bridge"}},"scope":"local","time":1795770002,"timeNano":1795770002000000000}"#;
        assert_eq!(
            events(disconnect),
            vec!["docker.agent.network_disconnected"]
        );
        assert!(events(&disconnect.replace("monitoring", "bridge")).is_empty());
    }

    #[test]
    fn inspect_snapshots() {
        let text = r#"{"Id":"c0ffee","Name":"/quiet","State":{"Status":"running"},"Config":{"Image":"alpine:3.20","Labels":{}},"HostConfig":{"LogConfig":{"Type":"none"},"Privileged":true,"PidMode":"host","Binds":["/var/run/docker.sock:/var/run/docker.sock:rw"],"SecurityOpt":["seccomp=unconfined"],"RestartPolicy":{"Name":"no"}}}"#;
        let object = Object::parse(text).expect("object");
        let container = Container::from_object(&object);
        let mut out = Vec::new();
        evaluate_container(&container, &[], &mut out);
        let ids: Vec<&str> = out.iter().map(|d| d.rule.id).collect();
        assert_eq!(
            ids,
            vec![
                "docker.container.log_driver_none",
                "docker.container.host_access",
                "docker.container.unconfined"
            ]
        );
        let agent = text
            .replace("alpine:3.20", "gcr.io/datadoghq/agent:7.55.2")
            .replace(r#""Type":"none""#, r#""Type":"json-file""#)
            .replace(r#""Name":"no""#, r#""Name":"unless-stopped""#);
        let object = Object::parse(&agent).expect("object");
        let mut out = Vec::new();
        evaluate_container(&Container::from_object(&object), &[], &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
