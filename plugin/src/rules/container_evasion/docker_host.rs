//! Docker containers given a piece of the host, one move per rule as in `k8s_host`: `--privileged`,
//! `--pid`/`--network`/`--ipc host`, and `--cap-add` of a capability that reaches past the container,
//! read from `docker inspect` records (`HostConfig`). Engine events carry none of this (a `create`
//! event names the image and labels only). Agents running their own images and host infrastructure
//! images (cAdvisor, node exporter) are left alone; a container with a stronger move (privileged with
//! the host PID namespace, or a sensitive bind mount: `docker.container.host_access`) gets one finding
//! listing them all.

use super::agents;
use super::docker::{escape_moves, inspected};
use super::k8s_host::capability;
use super::pod_spec::INFRASTRUCTURE;
use crate::model::Severity;
use crate::rules::{Detection, Env, Rule, Trigger, attack, declare, sh};
use crate::sources::docker_inspect::Container;

declare! {
    PRIVILEGED = {
        id: "docker.container.privileged",
        title: "Container runs privileged",
        description: "A docker inspect record with HostConfig.Privileged true (`docker run --privileged`): every \
                      capability and the host's devices, enough to stop, unload or blind the host's agents. \
                      Agents running their own images and host infrastructure images are not findings; with \
                      --pid host or a sensitive bind mount it is docker.container.host_access's.",
        attack: &attack::ESCAPE,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::DockerContainer { check: privileged },
    };
    HOST_NAMESPACES = {
        id: "docker.container.host_namespaces",
        title: "Container shares the host's PID, network or IPC namespace",
        description: "A docker inspect record with PidMode, NetworkMode or IpcMode host, each alone: the host's \
                      processes (agents included) to see and signal, its network stack to watch or block the \
                      agents' traffic, its shared memory. Agents and host infrastructure images are not \
                      findings; bridge, none and container:<id> modes are not findings.",
        attack: &attack::ESCAPE,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::DockerContainer { check: host_namespaces },
    };
    DANGEROUS_CAPABILITIES = {
        id: "docker.container.dangerous_capabilities",
        title: "Container given a kernel capability that reaches the host",
        description: "A docker inspect record whose HostConfig.CapAdd holds SYS_ADMIN, SYS_MODULE, SYS_PTRACE, \
                      BPF, PERFMON, NET_ADMIN, SYS_RAWIO, DAC_READ_SEARCH, DAC_OVERRIDE, SYS_BOOT or ALL (CAP_ \
                      prefix and case ignored). Agents and host infrastructure images are not findings; \
                      NET_BIND_SERVICE and the like, and CapDrop, are not findings.",
        attack: &attack::ESCAPE,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::DockerContainer { check: dangerous_capabilities },
    };
}

/// The moves of this module, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    Privileged,
    Namespaces,
    Capabilities,
}

const LEVELS: [Level; 3] = [Level::Privileged, Level::Namespaces, Level::Capabilities];

fn moves_at(level: Level, container: &Container<'_>) -> Vec<String> {
    match level {
        Level::Privileged => {
            if container.host_bool("Privileged") {
                vec![
                    "it runs privileged (--privileged): every capability and the host's devices, enough to \
                     kill, unload or blind the host's agents"
                        .to_owned(),
                ]
            } else {
                Vec::new()
            }
        }
        Level::Namespaces => [
            (
                "PidMode",
                "--pid host: it sees the host's processes and, as root, can signal them (agents included)",
            ),
            (
                "NetworkMode",
                "--network host: it is on the host's network stack, where it can watch, intercept or block \
                 the agents' traffic and reach services bound to localhost",
            ),
            (
                "IpcMode",
                "--ipc host: it shares the host's IPC namespace and shared memory",
            ),
        ]
        .into_iter()
        .filter(|(key, _)| container.host(key).as_deref() == Some("host"))
        .map(|(_, what)| what.to_owned())
        .collect(),
        Level::Capabilities => {
            let mut moves: Vec<String> = Vec::new();
            for cap in container.host_list("CapAdd") {
                if let Some(what) = capability(&cap) {
                    let line = format!("--cap-add {cap}: {what}");
                    if !moves.contains(&line) {
                        moves.push(line);
                    }
                }
            }
            moves
        }
    }
}

/// Every move below `above` (all for `None`), for the stronger rule's reasons.
pub(super) fn lesser_moves(container: &Container<'_>, above: Option<Level>) -> Vec<String> {
    LEVELS
        .into_iter()
        .filter(|level| above.is_none_or(|a| *level > a))
        .flat_map(|level| moves_at(level, container))
        .collect()
}

/// Host infrastructure that runs with host access by design.
pub(super) fn infrastructure(container: &Container<'_>) -> bool {
    container
        .image
        .as_deref()
        .is_some_and(|image| agents::image_matches(INFRASTRUCTURE, image))
}

fn detect(
    rule: &'static Rule,
    level: Level,
    container: &Container<'_>,
    env: &Env<'_>,
) -> Option<Detection> {
    let moves = moves_at(level, container);
    if moves.is_empty()
        || !escape_moves(container).is_empty()
        || LEVELS
            .into_iter()
            .filter(|l| *l < level)
            .any(|l| !moves_at(l, container).is_empty())
        || infrastructure(container)
    {
        return None;
    }
    let found = inspected(container, &env.config.agents);
    if found.agent.is_some() {
        return None;
    }
    let name = found.name;
    let quoted = sh(&name);
    let mut detection = Detection::new(rule)
        .reason(format!(
            "container {name} (image {}) reaches the host:",
            container.image.as_deref().unwrap_or("unknown")
        ))
        .scope(format!(
            "`docker inspect {quoted}` and `docker top {quoted}` show what it runs; treat this host's agent \
             telemetry as incomplete since it started"
        ))
        .restore(format!(
            "docker rm -f {quoted} (after `docker inspect {quoted}` is saved for investigation)"
        ));
    detection.reasons.extend(moves);
    detection.reasons.extend(
        lesser_moves(container, Some(level))
            .into_iter()
            .map(|m| format!("also {m}")),
    );
    Some(detection)
}

fn privileged(container: &Container<'_>, env: &Env<'_>) -> Option<Detection> {
    detect(&PRIVILEGED, Level::Privileged, container, env)
}

fn host_namespaces(container: &Container<'_>, env: &Env<'_>) -> Option<Detection> {
    detect(&HOST_NAMESPACES, Level::Namespaces, container, env)
}

fn dangerous_capabilities(container: &Container<'_>, env: &Env<'_>) -> Option<Detection> {
    detect(&DANGEROUS_CAPABILITIES, Level::Capabilities, container, env)
}

#[cfg(test)]
mod tests {
    fn ids(host_config: &str, image: &str) -> Vec<&'static str> {
        let text = format!(
            r#"{{"Id":"c0ffee","Name":"/box","State":{{"Status":"running"}},"Config":{{"Image":"{image}","Labels":{{}}}},"HostConfig":{host_config}}}"#
        );
        crate::rules::test_support::fire(&text)
            .iter()
            .map(|d| d.rule.id)
            .collect()
    }

    #[test]
    fn one_finding_per_container_strongest_move_first() {
        assert_eq!(
            ids(r#"{"NetworkMode":"host"}"#, "alpine:3.20"),
            vec!["docker.container.host_namespaces"]
        );
        assert_eq!(
            ids(r#"{"Privileged":true,"NetworkMode":"host"}"#, "alpine:3.20"),
            vec!["docker.container.privileged"]
        );
        assert_eq!(
            ids(r#"{"CapAdd":["cap_sys_admin"]}"#, "alpine:3.20"),
            vec!["docker.container.dangerous_capabilities"]
        );
        assert_eq!(
            ids(
                r#"{"Privileged":true,"PidMode":"host","NetworkMode":"host"}"#,
                "alpine:3.20"
            ),
            vec!["docker.container.host_access"]
        );
        assert!(
            ids(
                r#"{"NetworkMode":"bridge","CapAdd":["NET_BIND_SERVICE"]}"#,
                "alpine:3.20"
            )
            .is_empty()
        );
        assert!(
            ids(
                r#"{"Privileged":true,"PidMode":"host"}"#,
                "gcr.io/cadvisor/cadvisor:v0.49.1"
            )
            .is_empty()
        );
    }
}
