//! Family 3 on Docker hosts: agent containers stopped, killed, paused, removed, cut off from their
//! network or left without a restart policy (engine events and `docker inspect` snapshots), and
//! containers that escape the host's agents: no log driver, privileged with the host PID namespace,
//! runtime socket or log directory bind mounts, seccomp/AppArmor unconfined.

use std::borrow::Cow;

use super::agents::{self, CustomAgent, Facts, Identified};
use super::k8s_escape::host_path_risk;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::docker_events::EngineEvent;
use crate::sources::docker_inspect::Container;
use crate::sources::json::Object;

declare! {
    AGENT_STOPPED = {
        id: "docker.agent.stopped",
        title: "Agent container stopped, killed, paused or removed",
        description: "stop, kill, pause or destroy of a security or telemetry agent container, or an inspect \
                      snapshot showing one exited, paused or dead. The SIGTERM kill that `docker stop` sends first \
                      is reported by its stop event.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::Docker {
            actions: &[
                ("container", "kill"),
                ("container", "stop"),
                ("container", "pause"),
                ("container", "destroy"),
            ],
            event: stopped,
            inspect: not_running,
        },
    };
    AGENT_DISCONNECTED = {
        id: "docker.agent.network_disconnected",
        title: "Container disconnected from a monitoring network",
        description: "network disconnect from a network named for an agent (its compose project) or for \
                      monitoring, logging, observability or telemetry: the container's agent or collector traffic \
                      stops. Engine events name the container only by id, so the network is what identifies the \
                      telemetry path.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 55,
        trigger: Trigger::DockerEvent {
            actions: &[("network", "disconnect")],
            check: disconnected,
        },
    };
    AGENT_RESTART_POLICY = {
        id: "docker.agent.restart_policy_removed",
        title: "Agent container restart policy removed or configuration updated",
        description: "update of an agent container (restart policy or resource limits changed), or an inspect \
                      snapshot of an agent with restart policy \"no\": a crash or reboot leaves the host \
                      unmonitored.",
        attack: &attack::TOOLS,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::Docker {
            actions: &[("container", "update")],
            event: updated,
            inspect: no_restart_policy,
        },
    };
    LOG_DRIVER_NONE = {
        id: "docker.container.log_driver_none",
        title: "Container runs with the none log driver",
        description: "A container whose HostConfig.LogConfig.Type is none (`--log-driver none`): its output is \
                      written nowhere, so no collector can read it.",
        attack: &attack::DEPLOY_CONTAINER,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::DockerContainer { check: log_driver_none },
    };
    HOST_ACCESS = {
        id: "docker.container.host_access",
        title: "Container with host access that escapes the host's agents",
        description: "A container that is privileged with PidMode host, or bind-mounts (Binds or bind Mounts) \
                      a sensitive host path: /, the runtime socket or state, /var/run, /var/log, /proc, /sys, \
                      /etc (whole or its accounts, cron, SSH, systemd, logging parts), /etc/kubernetes, \
                      /var/lib/kubelet, /root, /home, /dev, /boot. Known agents and host infrastructure images \
                      (cAdvisor, node exporter), which need this access, are not findings.",
        attack: &attack::ESCAPE,
        severity: Severity::High,
        confidence: 75,
        trigger: Trigger::DockerContainer { check: host_access },
    };
    UNCONFINED = {
        id: "docker.container.unconfined",
        title: "Container with seccomp or AppArmor unconfined",
        description: "A container with SecurityOpt seccomp=unconfined or apparmor=unconfined. Known agents are not \
                      findings.",
        attack: &attack::DEPLOY_CONTAINER,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::DockerContainer { check: unconfined },
    };
}

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

fn container_ref(event: &EngineEvent<'_>) -> String {
    event
        .container_name()
        .map(Cow::into_owned)
        .or_else(|| event.actor_id.as_deref().map(str::to_owned))
        .unwrap_or_else(|| "<container>".to_owned())
}

fn stopped(event: &EngineEvent<'_>, env: &Env<'_>) -> Option<Detection> {
    if event.action == "kill" {
        // `docker stop` sends SIGTERM first and reports the stop itself.
        let signal = event.attribute("signal").unwrap_or_default();
        if matches!(&*signal, "15" | "SIGTERM" | "TERM") {
            return None;
        }
    }
    let agent = identify_event(event, &env.config.agents)?;
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

fn updated(event: &EngineEvent<'_>, env: &Env<'_>) -> Option<Detection> {
    let agent = identify_event(event, &env.config.agents)?;
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

fn disconnected(event: &EngineEvent<'_>, env: &Env<'_>) -> Option<Detection> {
    let network = event.attribute("name")?;
    let role = monitoring_network(&network, &env.config.agents)?;
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

/// A container inspect record's name and the agent it is, if it runs the agent's image.
pub(super) struct Inspected {
    pub name: String,
    pub agent: Option<Identified>,
}

pub(super) fn inspected(container: &Container<'_>, custom: &[CustomAgent]) -> Inspected {
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
    Inspected { name, agent }
}

fn not_running(container: &Container<'_>, env: &Env<'_>) -> Option<Detection> {
    let Inspected { name, agent } = inspected(container, &env.config.agents);
    let agent = agent?;
    let quoted = sh(&name);
    let status = container.status().unwrap_or_default();
    if !matches!(&*status, "exited" | "paused" | "dead") {
        return None;
    }
    let restore = if status == "paused" {
        format!("docker unpause {quoted}")
    } else {
        format!("docker start {quoted}")
    };
    Some(
        Detection::new(&AGENT_STOPPED)
            .reason(format!(
                "agent container {name} ({}, recognised by {}) is {status}: the host is not monitored by it",
                agent.agent, agent.by
            ))
            .scope(format!(
                "`docker inspect --format '{{{{json .State}}}}' {quoted}` gives FinishedAt, when monitoring stopped"
            ))
            .restore(restore),
    )
}

fn no_restart_policy(container: &Container<'_>, env: &Env<'_>) -> Option<Detection> {
    let Inspected { name, agent } = inspected(container, &env.config.agents);
    let agent = agent?;
    let quoted = sh(&name);
    let policy = container.restart_policy().unwrap_or_default();
    if container.host_config.is_none() || !matches!(&*policy, "" | "no") {
        return None;
    }
    Some(
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
    )
}

fn log_driver_none(container: &Container<'_>, _env: &Env<'_>) -> Option<Detection> {
    if container.log_driver().as_deref() != Some("none") {
        return None;
    }
    let name = container
        .name
        .as_deref()
        .or(container.id.as_deref())
        .unwrap_or("<container>");
    let quoted = sh(name);
    Some(
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
    )
}

/// Host paths a container bind-mounts: `Binds` (`-v src:dst`) and bind `Mounts` (`--mount
/// type=bind`).
fn bind_sources(container: &Container<'_>) -> Vec<String> {
    let mut sources: Vec<String> = container
        .host_list("Binds")
        .iter()
        .filter_map(|bind| bind.split(':').next().map(str::to_owned))
        .collect();
    let mounts = container
        .host_config
        .as_ref()
        .and_then(|h| h.array("Mounts"))
        .unwrap_or_default();
    for mount in mounts {
        let Ok(mount) = Object::from_raw(mount) else {
            continue;
        };
        if mount.str("Type").as_deref() == Some("bind")
            && let Some(source) = mount.str("Source")
        {
            sources.push(source.into_owned());
        }
    }
    sources.sort();
    sources.dedup();
    sources
}

/// The moves that reach the host outright: privileged with the host PID namespace, sensitive bind
/// mounts. The per-move rules of `docker_host` stand back when these are present.
pub(super) fn escape_moves(container: &Container<'_>) -> Vec<String> {
    let mut host = Vec::new();
    if container.host_bool("Privileged") && container.host("PidMode").as_deref() == Some("host") {
        host.push(
            "it is privileged and shares the host PID namespace (--privileged --pid=host): it can see and kill \
             the host's processes, agents included"
                .to_owned(),
        );
    }
    for source in bind_sources(container) {
        if let Some(risk) = host_path_risk(&source) {
            host.push(format!("it bind-mounts {source}: {risk}"));
        }
    }
    host
}

fn host_access(container: &Container<'_>, env: &Env<'_>) -> Option<Detection> {
    let host = escape_moves(container);
    if host.is_empty() || super::docker_host::infrastructure(container) {
        return None;
    }
    let Inspected { name, agent } = inspected(container, &env.config.agents);
    if agent.is_some() {
        return None;
    }
    let quoted = sh(&name);
    let mut detection = Detection::new(&HOST_ACCESS)
        .reason(format!("container {name} reaches outside its container:"))
        .scope(format!(
            "`docker inspect {quoted}` and `docker top {quoted}` show what it runs; treat this host's agent \
             telemetry as incomplete since it started"
        ))
        .restore(format!("docker stop {quoted} (after `docker inspect {quoted}` is saved for investigation)"));
    detection.reasons.extend(host);
    detection.reasons.extend(
        super::docker_host::lesser_moves(container, None)
            .into_iter()
            .map(|m| format!("also {m}")),
    );
    Some(detection)
}

fn unconfined(container: &Container<'_>, env: &Env<'_>) -> Option<Detection> {
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
    if unconfined.is_empty() {
        return None;
    }
    let Inspected { name, agent } = inspected(container, &env.config.agents);
    if agent.is_some() {
        return None;
    }
    let quoted = sh(&name);
    Some(
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
    )
}

#[cfg(test)]
mod tests {
    fn events(text: &str) -> Vec<&'static str> {
        crate::rules::test_support::fire(text)
            .iter()
            .map(|d| d.rule.id)
            .collect()
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
        let out = crate::rules::test_support::fire(text);
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
        let out = crate::rules::test_support::fire(&agent);
        assert!(out.is_empty(), "{out:?}");
    }
}
