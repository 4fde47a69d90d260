//! `docker inspect` container objects (an array from the CLI is split into its elements by `envelope`).
//! A snapshot of how a container runs: logging driver, privileges, namespaces, mounts, restart policy.

use std::borrow::Cow;

use super::json::{self, Object};
use super::time::rfc3339_micros;
use crate::model::{Normalized, Outcome};

#[derive(Debug)]
pub struct Container<'a> {
    pub id: Option<Cow<'a, str>>,
    /// Without the leading `/` Docker writes.
    pub name: Option<Cow<'a, str>>,
    pub image: Option<Cow<'a, str>>,
    pub labels: Option<Object<'a>>,
    pub host_config: Option<Object<'a>>,
    pub state: Option<Object<'a>>,
    pub created: Option<Cow<'a, str>>,
}

/// Whether an object has the shape of a `docker inspect` container.
pub fn matches(object: &Object<'_>) -> bool {
    object.has("Id") && object.has("HostConfig") && (object.has("Config") || object.has("State"))
}

impl<'a> Container<'a> {
    pub fn from_object(object: &Object<'a>) -> Container<'a> {
        let config = object.object("Config");
        let name = object.str("Name").map(|n| match n {
            Cow::Borrowed(b) => Cow::Borrowed(b.trim_start_matches('/')),
            Cow::Owned(o) => Cow::Owned(o.trim_start_matches('/').to_owned()),
        });
        Container {
            id: object.str("Id"),
            name,
            image: config.as_ref().and_then(|c| c.str("Image")),
            labels: config.as_ref().and_then(|c| c.object("Labels")),
            host_config: object.object("HostConfig"),
            state: object.object("State"),
            created: object.str("Created"),
        }
    }

    pub fn host(&self, key: &str) -> Option<Cow<'a, str>> {
        self.host_config.as_ref().and_then(|h| h.str(key))
    }

    pub fn host_bool(&self, key: &str) -> bool {
        self.host_config
            .as_ref()
            .and_then(|h| h.bool(key))
            .unwrap_or(false)
    }

    /// A list of strings in `HostConfig` (`Binds`, `SecurityOpt`).
    pub fn host_list(&self, key: &str) -> Vec<Cow<'a, str>> {
        self.host_config
            .as_ref()
            .and_then(|h| h.array(key))
            .unwrap_or_default()
            .into_iter()
            .filter_map(json::raw_str)
            .collect()
    }

    pub fn log_driver(&self) -> Option<Cow<'a, str>> {
        self.host_config
            .as_ref()
            .and_then(|h| h.path(&["LogConfig", "Type"]))
            .and_then(json::raw_str)
    }

    pub fn restart_policy(&self) -> Option<Cow<'a, str>> {
        self.host_config
            .as_ref()
            .and_then(|h| h.path(&["RestartPolicy", "Name"]))
            .and_then(json::raw_str)
    }

    /// `State.Status`: `running`, `exited`, `paused`, …
    pub fn status(&self) -> Option<Cow<'a, str>> {
        self.state.as_ref().and_then(|s| s.str("Status"))
    }

    pub fn label(&self, key: &str) -> Option<Cow<'a, str>> {
        self.labels.as_ref().and_then(|l| l.str(key))
    }

    pub fn normalize(&self) -> Normalized {
        let started = self
            .state
            .as_ref()
            .and_then(|s| s.str("StartedAt"))
            .and_then(|t| rfc3339_micros(&t))
            .filter(|t| *t > 0);
        Normalized {
            event_time: started.or_else(|| self.created.as_deref().and_then(rfc3339_micros)),
            event_id: self.id.as_deref().map(str::to_owned),
            provider: Some("docker".to_owned()),
            action: Some("container.inspect".to_owned()),
            target: self
                .name
                .as_deref()
                .or(self.id.as_deref())
                .map(str::to_owned),
            outcome: Outcome::Success,
            ..Normalized::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_inspect_object() {
        let text = r#"{"Id":"c0ffee","Created":"2026-11-27T07:00:00.123456789Z","Name":"/quiet","State":{"Status":"running","Running":true,"StartedAt":"2026-11-27T07:00:01.5Z"},"Config":{"Image":"alpine:3.20","Labels":{"app":"x"}},"HostConfig":{"LogConfig":{"Type":"none","Config":{}},"Privileged":true,"PidMode":"host","Binds":["/var/run/docker.sock:/var/run/docker.sock"],"SecurityOpt":["seccomp=unconfined"],"RestartPolicy":{"Name":"no","MaximumRetryCount":0}}}"#;
        let object = Object::parse(text).expect("object");
        assert!(matches(&object));
        let c = Container::from_object(&object);
        assert_eq!(c.name.as_deref(), Some("quiet"));
        assert_eq!(c.log_driver().as_deref(), Some("none"));
        assert!(c.host_bool("Privileged"));
        assert_eq!(c.host("PidMode").as_deref(), Some("host"));
        assert_eq!(c.host_list("Binds").len(), 1);
        assert_eq!(c.restart_policy().as_deref(), Some("no"));
        assert_eq!(c.label("app").as_deref(), Some("x"));
        let fields = c.normalize();
        assert_eq!(fields.target.as_deref(), Some("quiet"));
        assert_eq!(fields.event_time, rfc3339_micros("2026-11-27T07:00:01.5Z"));
    }
}
