//! Family 2 on AWS, Systems Manager Run Command aimed at the instances' own agents: shell documents
//! whose commands stop, disable, kill or uninstall security and telemetry agents. CloudTrail records
//! SendCommand's `documentName`, `instanceIds`/`targets` and `parameters.commands`, but replaces the
//! parameters with `HIDDEN_DUE_TO_SECURITY_REASONS` for documents that may carry secrets
//! (docs.aws.amazon.com/systems-manager/latest/userguide/monitoring-cloudtrail-logs.html).

use crate::model::Severity;
use crate::rules::audit_logging::aws::{listed, region, strings};
use crate::rules::{Detection, Env, Trigger, attack, declare};
use crate::sources::aws_cloudtrail::Record;
use crate::sources::json::{self, Object};

declare! {
    AGENT_COMMAND = {
        id: "aws.ssm.agent_tampering_command",
        title: "Run Command stops or removes security agents",
        description: "SendCommand with a shell document (AWS-RunShellScript, AWS-RunPowerShellScript) whose commands stop, \
                      disable, kill or uninstall a security or telemetry agent (CloudWatch agent, SSM agent, \
                      GuardDuty runtime agent, Falco, CrowdStrike, SentinelOne, Datadog, auditd, osquery, Wazuh, \
                      Splunk forwarder, Elastic/Beats, fluentd/fluent-bit, Defender...) or switch auditing off: high. \
                      When CloudTrail hides the parameters (HIDDEN_DUE_TO_SECURITY_REASONS), a shell document is a low \
                      finding (nothing to judge; sequences use it). Other documents and commands are not findings.",
        attack: &attack::TOOLS,
        severity: Severity::High,
        confidence: 80,
        trigger: Trigger::CloudTrail {
            calls: &[("ssm", "SendCommand")],
            check: agent_command,
        },
    };
}

/// Process, service and package names of host agents, lower case.
const AGENTS: &[&str] = &[
    "amazon-cloudwatch-agent",
    "cloudwatch-agent",
    "amazon-ssm-agent",
    "amazon-guardduty-agent",
    "guardduty",
    "falco",
    "falcon-sensor",
    "falcond",
    "crowdstrike",
    "csagent",
    "sentinelagent",
    "sentinelone",
    "sentinel-agent",
    "datadog-agent",
    "datadog",
    "auditd",
    "auditbeat",
    "filebeat",
    "metricbeat",
    "elastic-agent",
    "osqueryd",
    "osquery",
    "wazuh-agent",
    "ossec",
    "splunkd",
    "splunkforwarder",
    "td-agent",
    "fluent-bit",
    "fluentd",
    "newrelic-infra",
    "sysdig",
    "cbagentd",
    "carbonblack",
    "qualys-cloud-agent",
    "ds_agent",
    "mdatp",
    "sense",
    "ir_agent",
    "rapid7",
    "taniumclient",
    "nessusagent",
    "sysmon",
    "rsyslog",
    "syslog-ng",
    "journald",
];

/// What a command does to a process or service that silences it.
const SILENCERS: &[&str] = &[
    "systemctl stop",
    "systemctl disable",
    "systemctl mask",
    "systemctl kill",
    "pkill",
    "killall",
    "kill -9",
    "kill -kill",
    "apt-get remove",
    "apt-get purge",
    "apt remove",
    "apt purge",
    "yum remove",
    "yum erase",
    "dnf remove",
    "rpm -e",
    "dpkg -r",
    "dpkg --purge",
    "dpkg -p",
    "uninstall",
    "rm -rf",
    "rm -f",
    "stop-service",
    "set-service",
    "sc stop",
    "sc.exe stop",
    "sc config",
    "net stop",
    "taskkill",
    "chkconfig",
    "update-rc.d",
];

/// Commands that switch auditing off without naming an agent.
const AUDIT_OFF: &[&str] = &[
    "auditctl -e 0",
    "auditctl -d",
    "set-mppreference -disablerealtimemonitoring $true",
    "set-mppreference -disablerealtimemonitoring 1",
    "auditpol /clear",
    "wevtutil cl",
    "history -c",
];

const SHELL_DOCUMENTS: &[&str] = &["AWS-RunShellScript", "AWS-RunPowerShellScript"];

/// The command lines that would silence an agent, lower-cased matching, original text kept.
pub fn silencing(commands: &[String]) -> Vec<String> {
    commands
        .iter()
        .flat_map(|c| c.split(['\n', ';', '&', '|']))
        .map(str::trim)
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            // SysV `service NAME stop` puts the verb after the name.
            let sysv = lower.contains("service ")
                && (lower.contains(" stop") || lower.contains(" disable"));
            AUDIT_OFF.iter().any(|a| lower.contains(a))
                || ((sysv || SILENCERS.iter().any(|s| lower.contains(s)))
                    && AGENTS.iter().any(|a| lower.contains(a)))
        })
        .map(str::to_owned)
        .collect()
}

fn agent_command(record: &Record<'_>, _env: &Env<'_>) -> Option<Detection> {
    let params = record.params()?;
    let document = params.str("documentName")?.into_owned();
    let document_name = document.rsplit('/').next().unwrap_or(&document);
    if !SHELL_DOCUMENTS.contains(&document_name) {
        return None;
    }
    let mut targets = strings(&params, &["instanceIds"]);
    for target in params
        .array("targets")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| Object::from_raw(t).ok())
    {
        let values = strings(&target, &["values", "Values"]);
        targets.push(format!(
            "{}={}",
            target
                .str("key")
                .or_else(|| target.str("Key"))
                .unwrap_or_default(),
            values.join(",")
        ));
    }
    let hidden = params
        .raw("parameters")
        .and_then(json::raw_str)
        .is_some_and(|p| p.contains("HIDDEN"));
    let commands = params
        .object("parameters")
        .map(|p| strings(&p, &["commands"]))
        .unwrap_or_default();
    let r = region(record);
    let scope = format!(
        "`aws ssm list-command-invocations --details --region {r}` for this command shows the script and each \
         instance's output; check the agents' last heartbeat on {}",
        listed(&targets)
    );
    let restore = format!(
        "aws ssm send-command --document-name AWS-RunShellScript --instance-ids <instance-ids> --parameters \
         'commands=[\"systemctl enable --now <agent-service>\"]' --region {r}   # reinstall where removed"
    );
    if hidden || commands.is_empty() {
        return Some(
            Detection::new(&AGENT_COMMAND)
                .severity(Severity::Low)
                .confidence(30)
                .reason(format!(
                    "{document_name} ran on {} with its commands hidden by CloudTrail: whether they touched the \
                     agents is unknown",
                    listed(&targets)
                ))
                .scope(scope)
                .restore(restore),
        );
    }
    let bad = silencing(&commands);
    if bad.is_empty() {
        return None;
    }
    Some(
        Detection::new(&AGENT_COMMAND)
            .reason(format!(
                "{document_name} on {} runs `{}`: the instances' security or telemetry agents stop reporting",
                listed(&targets),
                bad.join("`; `")
            ))
            .scope(scope)
            .restore(restore),
    )
}

#[cfg(test)]
mod tests {
    use super::silencing;

    fn s(lines: &[&str]) -> Vec<String> {
        silencing(&lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn agent_stops_are_told_from_ordinary_service_work() {
        assert_eq!(
            s(&["sudo systemctl stop amazon-cloudwatch-agent && echo ok"]),
            vec!["sudo systemctl stop amazon-cloudwatch-agent"]
        );
        assert_eq!(s(&["yum remove -y falcon-sensor"]).len(), 1);
        assert_eq!(s(&["Stop-Service -Name SentinelAgent -Force"]).len(), 1);
        assert_eq!(s(&["auditctl -e 0"]).len(), 1);
        assert!(
            s(&[
                "systemctl restart nginx",
                "yum update -y",
                "systemctl stop nginx"
            ])
            .is_empty()
        );
        assert!(s(&["systemctl status amazon-cloudwatch-agent"]).is_empty());
        assert!(s(&["systemctl restart datadog-agent"]).is_empty());
        assert!(s(&["service auditd restart"]).is_empty());
        assert_eq!(s(&["service auditd stop"]).len(), 1);
    }
}
