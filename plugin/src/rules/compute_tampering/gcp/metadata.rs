//! Family 2 on GCP, from Cloud Audit Logs: instance or project metadata that switches the logging,
//! monitoring or OS Config agents off, or that replaces startup scripts. Compute audit logs record the
//! metadata keys a call added, modified or deleted, not their values; when a pipeline records the values
//! (`request.items` / `request.metadata.items`), they decide.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::{self, Object};

declare! {
    AGENT_METADATA_DISABLED = {
        id: "gcp.compute.agent_metadata_disabled",
        title: "Instance or project metadata switches monitoring agents off",
        description: "instances.setMetadata or projects.setCommonInstanceMetadata setting google-logging-enabled, \
                      google-monitoring-enabled or enable-osconfig to false. When the log records only the key names \
                      (added or modified, value not logged) the finding is medium. Setting them true, or deleting them, \
                      is not a finding.",
        attack: &attack::MODIFY_COMPUTE,
        severity: Severity::High,
        confidence: 85,
        trigger: Trigger::Gcp { methods: METADATA_CALLS, check: agent_metadata_check },
    };
    STARTUP_SCRIPT_CHANGED = {
        id: "gcp.compute.startup_script_changed",
        title: "Instance or project startup script replaced",
        description: "instances.setMetadata or projects.setCommonInstanceMetadata adding, modifying or deleting \
                      startup-script, startup-script-url or their Windows variants: what the machine runs at boot (agent \
                      installation included) changed.",
        attack: &attack::MODIFY_COMPUTE,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::Gcp { methods: METADATA_CALLS, check: startup_script_check },
    };
}

const METADATA_CALLS: &[&str] = &[
    "*.compute.instances.setMetadata",
    "*.compute.projects.setCommonInstanceMetadata",
];

const AGENT_KEYS: [&str; 3] = [
    "google-logging-enabled",
    "google-monitoring-enabled",
    "enable-osconfig",
];

const STARTUP_KEYS: [&str; 7] = [
    "startup-script",
    "startup-script-url",
    "windows-startup-script-ps1",
    "windows-startup-script-cmd",
    "windows-startup-script-bat",
    "windows-startup-script-url",
    "user-data",
];

fn read(entry: &Entry<'_>) -> (MetadataChange, Target) {
    let project_wide = entry
        .method_name
        .ends_with(".compute.projects.setCommonInstanceMetadata");
    (MetadataChange::read(entry), Target::of(entry, project_wide))
}

fn agent_metadata_check(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let (change, target) = read(entry);
    agent_metadata(&change, &target)
}

fn startup_script_check(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let (change, target) = read(entry);
    startup_script(&change, &target)
}

/// What a metadata call changed, from whichever record of it the entry carries.
#[derive(Default)]
struct MetadataChange {
    /// Key/value pairs, when the request recorded them.
    values: Vec<(String, String)>,
    /// Keys added or modified, from the request's `Metadata Keys …` lists or the metadata delta.
    set_keys: Vec<String>,
    deleted_keys: Vec<String>,
    /// Whether the entry recorded which keys changed (otherwise only the values are known).
    has_delta: bool,
}

impl MetadataChange {
    fn read(entry: &Entry<'_>) -> MetadataChange {
        let mut change = MetadataChange::default();
        if let Some(request) = entry.request() {
            let items = request
                .raw("items")
                .or_else(|| request.path(&["metadata", "items"]));
            for item in items.and_then(json::raw_array).unwrap_or_default() {
                let Ok(item) = Object::from_raw(item) else {
                    continue;
                };
                if let (Some(key), Some(value)) = (item.str("key"), item.str("value")) {
                    change.values.push((key.into_owned(), value.into_owned()));
                }
            }
            change.keys(&request, "Metadata Keys Added", false);
            change.keys(&request, "Metadata Keys Modified", false);
            change.keys(&request, "Metadata Keys Deleted", true);
        }
        if let Some(metadata) = entry.metadata() {
            for delta in ["instanceMetadataDelta", "projectMetadataDelta"] {
                if let Some(delta) = metadata.object(delta) {
                    change.keys(&delta, "addedMetadataKeys", false);
                    change.keys(&delta, "modifiedMetadataKeys", false);
                    change.keys(&delta, "deletedMetadataKeys", true);
                }
            }
        }
        change
    }

    fn keys(&mut self, object: &Object<'_>, field: &str, deleted: bool) {
        let Some(list) = object.array(field) else {
            return;
        };
        self.has_delta = true;
        let keys = list
            .into_iter()
            .filter_map(|k| json::raw_str(k).map(|k| k.into_owned()));
        if deleted {
            self.deleted_keys.extend(keys);
        } else {
            self.set_keys.extend(keys);
        }
    }

    fn value(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The instance (or project) the metadata belongs to, for commands.
struct Target {
    project_wide: bool,
    name: String,
    project: String,
    instance: String,
    zone: String,
}

impl Target {
    fn of(entry: &Entry<'_>, project_wide: bool) -> Target {
        let quoted = |key: &str, placeholder: &str| {
            entry
                .resource_segment(key)
                .map_or_else(|| placeholder.to_owned(), sh)
        };
        let project = entry
            .project()
            .filter(|p| !p.contains('/'))
            .map_or_else(|| quoted("projects", "<project>"), |p| sh(&p));
        Target {
            project_wide,
            name: if project_wide {
                format!(
                    "project {}",
                    entry.project().as_deref().unwrap_or("(unknown)")
                )
            } else {
                format!(
                    "instance {}",
                    entry.resource_segment("instances").unwrap_or("(unknown)")
                )
            },
            instance: quoted("instances", "<instance>"),
            zone: quoted("zones", "<zone>"),
            project,
        }
    }

    /// The command that sets metadata on the same instance or project.
    fn add_metadata(&self, metadata: &str) -> String {
        let p = &self.project;
        if self.project_wide {
            format!("gcloud compute project-info add-metadata {metadata} --project {p}")
        } else {
            format!(
                "gcloud compute instances add-metadata {} --zone={} {metadata} --project {p}",
                self.instance, self.zone
            )
        }
    }

    fn describe(&self) -> String {
        let p = &self.project;
        if self.project_wide {
            format!(
                "`gcloud compute project-info describe --project {p} --format='value(commonInstanceMetadata)'`"
            )
        } else {
            format!(
                "`gcloud compute instances describe {} --zone={} --project {p} --format='value(metadata)'`",
                self.instance, self.zone
            )
        }
    }
}

fn is_false(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "false" | "0" | "no" | "off"
    )
}

fn agent_metadata(change: &MetadataChange, target: &Target) -> Option<Detection> {
    let mut off = Vec::new();
    let mut unknown = Vec::new();
    for key in AGENT_KEYS {
        match change.value(key) {
            Some(value) if is_false(value) => off.push(key),
            Some(_) => {}
            None if change.set_keys.iter().any(|k| k == key) => unknown.push(key),
            None => {}
        }
    }
    if off.is_empty() && unknown.is_empty() {
        return None;
    }
    let keys: Vec<&str> = off.iter().chain(unknown.iter()).copied().collect();
    let restore = keys
        .iter()
        .map(|k| format!("{k}=TRUE"))
        .collect::<Vec<_>>()
        .join(",");
    let scope = format!(
        "{} shows the metadata now{}",
        target.describe(),
        if target.project_wide {
            "; every instance without its own value inherits it"
        } else {
            ""
        }
    );
    let detection = Detection::new(&AGENT_METADATA_DISABLED)
        .scope(scope)
        .restore(target.add_metadata(&format!("--metadata={restore}")));
    Some(if off.is_empty() {
        detection
            .severity(Severity::Medium)
            .confidence(50)
            .reason(format!(
                "metadata of {} set {} (the audit log does not record the value): false switches the agents off",
                target.name,
                unknown.join(", ")
            ))
    } else {
        detection.reason(format!(
            "metadata of {} switched agents off: {}",
            target.name,
            off.iter()
                .map(|k| format!("{k}=false"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

fn startup_script(change: &MetadataChange, target: &Target) -> Option<Detection> {
    // A setMetadata request carries the whole metadata set, so only the delta says what changed.
    let changed: Vec<&str> = if change.has_delta {
        STARTUP_KEYS
            .iter()
            .copied()
            .filter(|key| {
                change.set_keys.iter().any(|k| k == key)
                    || change.deleted_keys.iter().any(|k| k == key)
            })
            .collect()
    } else {
        Vec::new()
    };
    let first = changed.first()?;
    Some(
        Detection::new(&STARTUP_SCRIPT_CHANGED)
            .reason(format!(
                "the boot script of {} changed ({}): what runs at the next start, agent installation included, \
                 is no longer the approved script",
                target.name,
                changed.join(", ")
            ))
            .scope(format!(
                "{} shows the new script; look for instance stops and starts right after this event",
                target.describe()
            ))
            .restore(target.add_metadata(&format!(
                "--metadata-from-file={first}=<approved-script>"
            ))),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::fire;

    fn set_metadata(request: &str, metadata: &str) -> String {
        format!(
            r#"{{"protoPayload":{{"@type":"type.googleapis.com/google.cloud.audit.AuditLog","authenticationInfo":{{"principalEmail":"mallory@example.com"}},"serviceName":"compute.googleapis.com","methodName":"v1.compute.instances.setMetadata","resourceName":"projects/acme-prod-4821/zones/us-central1-a/instances/web-1","request":{request},"metadata":{metadata}}},"insertId":"x","resource":{{"type":"gce_instance","labels":{{"instance_id":"1","project_id":"acme-prod-4821","zone":"us-central1-a"}}}},"timestamp":"2026-11-27T10:30:00Z","logName":"projects/acme-prod-4821/logs/cloudaudit.googleapis.com%2Factivity"}}"#
        )
    }

    #[test]
    fn values_decide_when_recorded() {
        let off = fire(&set_metadata(
            r#"{"@type":"type.googleapis.com/compute.instances.setMetadata","metadata":{"items":[{"key":"google-logging-enabled","value":"false"}]}}"#,
            "{}",
        ));
        assert_eq!(off.len(), 1);
        assert_eq!(off[0].rule.id, "gcp.compute.agent_metadata_disabled");
        assert_eq!(
            off[0].restore[0],
            "gcloud compute instances add-metadata web-1 --zone=us-central1-a --metadata=google-logging-enabled=TRUE --project acme-prod-4821"
        );
        let on = fire(&set_metadata(
            r#"{"metadata":{"items":[{"key":"google-logging-enabled","value":"true"},{"key":"startup-script","value":"apt-get install -y nginx"}]}}"#,
            "{}",
        ));
        assert!(on.is_empty());
    }

    #[test]
    fn key_only_deltas() {
        let found = fire(&set_metadata(
            r#"{"@type":"type.googleapis.com/compute.instances.setMetadata","Metadata Keys Modified":["startup-script","google-monitoring-enabled"]}"#,
            r#"{"@type":"type.googleapis.com/google.cloud.audit.GceInstanceAuditMetadata","instanceMetadataDelta":{"modifiedMetadataKeys":["startup-script","google-monitoring-enabled"]}}"#,
        ));
        let ids: Vec<&str> = found.iter().map(|d| d.rule.id).collect();
        assert_eq!(
            ids,
            vec![
                "gcp.compute.agent_metadata_disabled",
                "gcp.compute.startup_script_changed"
            ]
        );
        assert_eq!(found[0].severity, crate::model::Severity::Medium);
        let ssh = fire(&set_metadata(
            r#"{"Metadata Keys Added":["ssh-keys"]}"#,
            r#"{"instanceMetadataDelta":{"addedMetadataKeys":["ssh-keys"]}}"#,
        ));
        assert!(ssh.is_empty());
    }
}
