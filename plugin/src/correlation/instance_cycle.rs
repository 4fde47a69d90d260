//! Family 5, second pattern: stop an instance, change what it runs at boot (user data, startup script,
//! metadata service, agent extension), start it again. The change only takes effect on the next boot,
//! which is why the attacker needs the stop and the start; together they are one move. Raised on the
//! start event, which completes it, so it is emitted exactly once and at the moment it matters.

use super::bounded::BoundedMap;
use super::synthetic;
use crate::config::correlation::CorrelationSettings;
use crate::config::{Config, Scope};
use crate::enrich::{self, Context};
use crate::model::{EnrichedEvent, Outcome, Severity};
use crate::rules::Detection;
use crate::rules::sequences::{BOOT_CHANGES, INSTANCE_BOOT_TAMPER};
use crate::sources::json::Object;
use crate::sources::{Decoded, SourceEvent};

/// Rules whose findings change what an instance runs at its next boot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lifecycle {
    Stop,
    Start,
}

#[derive(Debug, Default)]
struct Cycle {
    stopped: Option<(i64, Option<String>)>,
    /// (time, rule, event id) of each boot-configuration change after the stop.
    changes: Vec<(i64, String, Option<String>)>,
}

#[derive(Debug)]
pub struct InstanceCycles {
    instances: BoundedMap<String, Cycle>,
}

impl InstanceCycles {
    pub fn new(settings: &CorrelationSettings) -> InstanceCycles {
        InstanceCycles {
            instances: BoundedMap::new(settings.max_instances),
        }
    }

    pub fn tracked(&self) -> usize {
        self.instances.len()
    }

    pub fn evicted(&self) -> u64 {
        self.instances.evicted()
    }

    pub fn observe(&mut self, decoded: &Decoded<'_>, event: &mut EnrichedEvent, config: &Config) {
        if event.fields.outcome == Outcome::Failure || event.fields.outcome == Outcome::InProgress {
            return;
        }
        let Some(time) = event.fields.event_time else {
            return;
        };
        let window = config.correlation.instance_cycle;
        if let Some((step, instances)) = lifecycle(decoded) {
            for instance in instances {
                let key = instance_key(&event.fields.account, &instance);
                match step {
                    Lifecycle::Stop => {
                        let cycle = self.instances.touch_or_insert_with(key, Cycle::default);
                        *cycle = Cycle {
                            stopped: Some((time, event.fields.event_id.clone())),
                            changes: Vec::new(),
                        };
                    }
                    Lifecycle::Start => {
                        let Some(cycle) = self.instances.remove(&key) else {
                            continue;
                        };
                        let Some((stopped_at, stop_id)) = cycle.stopped else {
                            continue;
                        };
                        if cycle.changes.is_empty() || time - stopped_at > window {
                            continue;
                        }
                        if let Some(finding) = finding(
                            &instance,
                            stopped_at,
                            stop_id,
                            &cycle.changes,
                            time,
                            event,
                            config,
                        ) {
                            event.findings.push(finding);
                        }
                    }
                }
            }
            return;
        }
        // Most events change no boot configuration: decide that before building any key.
        let changes: Vec<String> = event
            .findings
            .iter()
            .filter(|f| f.suppression.is_none() && BOOT_CHANGES.iter().any(|r| r.id == f.rule_id))
            .map(|f| f.rule_id.clone())
            .collect();
        if changes.is_empty() {
            return;
        }
        let Some(target) = event.fields.target.as_deref() else {
            return;
        };
        let key = instance_key(&event.fields.account, target);
        if let Some(cycle) = self.instances.peek_mut(&key)
            && cycle
                .stopped
                .as_ref()
                .is_some_and(|(at, _)| time >= *at && time - *at <= window)
        {
            for rule in changes {
                cycle
                    .changes
                    .push((time, rule, event.fields.event_id.clone()));
            }
        }
    }
}

fn instance_key(account: &Option<String>, instance: &str) -> String {
    // Azure and GCP resource ids differ in case between operations; AWS instance ids do not care.
    format!(
        "{}|{}",
        account.as_deref().unwrap_or(""),
        instance.to_ascii_lowercase()
    )
}

fn finding(
    instance: &str,
    stopped_at: i64,
    stop_id: Option<String>,
    changes: &[(i64, String, Option<String>)],
    started_at: i64,
    event: &EnrichedEvent,
    config: &Config,
) -> Option<crate::model::Finding> {
    let minutes = (started_at - stopped_at) / 60_000_000;
    let mut detection = Detection::new(&INSTANCE_BOOT_TAMPER)
        .reason(format!(
            "{instance} was stopped at {}, its boot configuration changed, and it was started at {} \
             ({minutes} minute(s) later): the change runs on this boot",
            synthetic::rfc3339(stopped_at),
            synthetic::rfc3339(started_at)
        ))
        .scope(format!(
            "what {instance} ran at boot since {}: compare its user data/startup script and agent \
             state with the image's",
            synthetic::rfc3339(started_at)
        ));
    for (time, rule, id) in changes {
        detection = detection.reason(format!(
            "{} {rule} (event {})",
            synthetic::rfc3339(*time),
            id.as_deref().unwrap_or("without id")
        ));
    }
    if event.fields.principal.is_some() {
        detection = detection.severity(Severity::Critical);
    }
    let context = Context {
        fields: &event.fields,
        failure: None,
        root: false,
        scope: Scope::default(),
    };
    let mut finding = enrich::finding(detection, &context, config)?;
    finding.related_events = stop_id
        .into_iter()
        .chain(changes.iter().filter_map(|(_, _, id)| id.clone()))
        .chain(event.fields.event_id.clone())
        .collect();
    Some(finding)
}

/// Whether the event stops or starts instances, and which.
fn lifecycle(decoded: &Decoded<'_>) -> Option<(Lifecycle, Vec<String>)> {
    match &decoded.event {
        SourceEvent::CloudTrail(record) => {
            let step = match &*record.event_name {
                "StopInstances" => Lifecycle::Stop,
                "StartInstances" => Lifecycle::Start,
                _ => return None,
            };
            let params = record.params()?;
            let items = params
                .object("instancesSet")
                .and_then(|set| set.array("items"))
                .unwrap_or_default();
            let ids: Vec<String> = items
                .iter()
                .filter_map(|item| Object::from_raw(*item).ok())
                .filter_map(|item| item.str("instanceId").map(|id| id.into_owned()))
                .collect();
            Some((step, ids))
        }
        SourceEvent::GcpAudit(entry) => {
            let method = &*entry.method_name;
            let step = if method.ends_with("compute.instances.stop")
                || method.ends_with("compute.instances.suspend")
            {
                Lifecycle::Stop
            } else if method.ends_with("compute.instances.start")
                || method.ends_with("compute.instances.resume")
            {
                Lifecycle::Start
            } else {
                return None;
            };
            Some((
                step,
                entry.resource_name.iter().map(|r| r.to_string()).collect(),
            ))
        }
        SourceEvent::AzureActivity(record) => {
            let operation = record.operation.to_ascii_uppercase();
            let step = match operation.as_str() {
                "MICROSOFT.COMPUTE/VIRTUALMACHINES/DEALLOCATE/ACTION"
                | "MICROSOFT.COMPUTE/VIRTUALMACHINES/POWEROFF/ACTION" => Lifecycle::Stop,
                "MICROSOFT.COMPUTE/VIRTUALMACHINES/START/ACTION" => Lifecycle::Start,
                _ => return None,
            };
            Some((
                step,
                record.resource_id.iter().map(|r| r.to_string()).collect(),
            ))
        }
        _ => None,
    }
    .filter(|(_, ids)| !ids.is_empty())
    // A single StopInstances call may name many instances; the cap bounds the work per event.
    .map(|(step, ids)| (step, ids.into_iter().take(64).collect()))
}
