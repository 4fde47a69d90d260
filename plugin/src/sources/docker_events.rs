//! Docker engine events (`docker events --format '{{json .}}'`). Current engines write `Type`, `Action`,
//! `Actor {ID, Attributes}`, `scope`, `time`, `timeNano`; older ones also (or only) `status`, `id`, `from`.

use std::borrow::Cow;

use super::json::Object;
use super::time::epoch_seconds_micros;
use crate::model::{Normalized, Outcome};

#[derive(Debug)]
pub struct EngineEvent<'a> {
    /// `container`, `network`, `image`, … (`container` for old events, which only described containers).
    pub kind: Cow<'a, str>,
    /// The action without its detail (`exec_start: sh` → `exec_start`).
    pub action: Cow<'a, str>,
    pub actor_id: Option<Cow<'a, str>>,
    attributes: Option<Object<'a>>,
    pub from: Option<Cow<'a, str>>,
    pub time: Option<i64>,
    pub time_nano: Option<i64>,
}

/// Whether an object has the shape of a Docker engine event, new or old.
pub fn matches(object: &Object<'_>) -> bool {
    (object.has("Type") && object.has("Action") && object.has("Actor"))
        || (object.has("status") && object.has("id") && object.has("from") && object.has("time"))
}

/// The keys the engine's fast path reads of an event (`interest`, `quiet`), read as
/// `EngineEvent::from_object` reads them, borrowing from the text.
pub struct Glance<'a> {
    pub kind: Cow<'a, str>,
    action: Cow<'a, str>,
}

impl<'a> Glance<'a> {
    pub fn read(object: &Object<'a>) -> Glance<'a> {
        Glance {
            kind: object.str("Type").unwrap_or(Cow::Borrowed("container")),
            action: object
                .str("Action")
                .or_else(|| object.str("status"))
                .unwrap_or_default(),
        }
    }

    /// `EngineEvent::action`: without its detail (`exec_start: sh` → `exec_start`).
    pub fn action(&self) -> &str {
        self.action.split(':').next().unwrap_or(&self.action).trim()
    }

    /// `Normalized::event_time`: `timeNano`, else `time` (seconds).
    pub fn event_time(object: &Object<'a>) -> Option<i64> {
        object
            .i64("timeNano")
            .map(|n| n / 1_000)
            .or_else(|| object.i64("time").and_then(epoch_seconds_micros))
    }
}

impl<'a> EngineEvent<'a> {
    pub fn from_object(object: &Object<'a>) -> EngineEvent<'a> {
        let actor = object.object("Actor");
        let action = object
            .str("Action")
            .or_else(|| object.str("status"))
            .unwrap_or_default();
        let action = match action {
            Cow::Borrowed(a) => Cow::Borrowed(a.split(':').next().unwrap_or(a).trim()),
            Cow::Owned(a) => Cow::Owned(a.split(':').next().unwrap_or(&a).trim().to_owned()),
        };
        EngineEvent {
            kind: object.str("Type").unwrap_or(Cow::Borrowed("container")),
            action,
            actor_id: actor
                .as_ref()
                .and_then(|a| a.str("ID"))
                .or_else(|| object.str("id")),
            attributes: actor.as_ref().and_then(|a| a.object("Attributes")),
            from: object.str("from"),
            time: object.i64("time"),
            time_nano: object.i64("timeNano"),
        }
    }

    /// An actor attribute (`name`, `image`, labels, `container` for network events).
    pub fn attribute(&self, key: &str) -> Option<Cow<'a, str>> {
        self.attributes.as_ref().and_then(|a| a.str(key))
    }

    /// Every actor attribute, for label matching.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, Cow<'a, str>)> {
        self.attributes
            .iter()
            .flat_map(|a| a.keys().filter_map(|k| a.str(k).map(|v| (k, v))))
    }

    pub fn container_name(&self) -> Option<Cow<'a, str>> {
        if self.kind == "container" {
            self.attribute("name")
        } else {
            None
        }
    }

    pub fn image(&self) -> Option<Cow<'a, str>> {
        self.attribute("image").or_else(|| self.from.clone())
    }

    fn target(&self) -> Option<String> {
        match &*self.kind {
            "container" => self
                .attribute("name")
                .or_else(|| self.actor_id.clone())
                .map(Cow::into_owned),
            "network" => self
                .attribute("container")
                .map(|c| c.into_owned())
                .or_else(|| self.attribute("name").map(Cow::into_owned)),
            _ => self
                .attribute("name")
                .or_else(|| self.actor_id.clone())
                .map(Cow::into_owned),
        }
    }

    pub fn normalize(&self) -> Normalized {
        let event_time = self
            .time_nano
            .map(|n| n / 1_000)
            .or_else(|| self.time.and_then(epoch_seconds_micros));
        let event_id = self
            .actor_id
            .as_deref()
            .map(|id| match self.time_nano.or(self.time) {
                Some(t) => format!("{id}:{t}"),
                None => id.to_owned(),
            });
        Normalized {
            event_time,
            event_id,
            provider: Some("docker".to_owned()),
            action: Some(format!("{}.{}", self.kind, self.action)),
            target: self.target(),
            outcome: Outcome::Success,
            ..Normalized::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_new_and_old_events() {
        let new = r#"{"status":"stop","id":"7f3c","from":"falcosecurity/falco:0.38.1","Type":"container","Action":"stop","Actor":{"ID":"7f3c","Attributes":{"image":"falcosecurity/falco:0.38.1","name":"falco"}},"scope":"local","time":1795770000,"timeNano":1795770000123456789}"#;
        let object = Object::parse(new).expect("object");
        assert!(matches(&object));
        let event = EngineEvent::from_object(&object);
        let fields = event.normalize();
        assert_eq!(fields.action.as_deref(), Some("container.stop"));
        assert_eq!(fields.target.as_deref(), Some("falco"));
        assert_eq!(fields.event_time, Some(1_795_770_000_123_456));
        assert_eq!(fields.event_id.as_deref(), Some("7f3c:1795770000123456789"));
        let old = r#"{"status":"exec_start: sh -c id","id":"9a1b","from":"nginx:1.27","time":1795770001}"#;
        let object = Object::parse(old).expect("object");
        assert!(matches(&object));
        let event = EngineEvent::from_object(&object);
        assert_eq!(event.action, "exec_start");
        assert_eq!(event.normalize().event_time, Some(1_795_770_001_000_000));
        assert_eq!(event.image().as_deref(), Some("nginx:1.27"));
    }

    #[test]
    fn network_events_target_the_container() {
        let text = r#"{"Type":"network","Action":"disconnect","Actor":{"ID":"3e5d","Attributes":{"container":"7f3c","name":"monitoring","type":"bridge"}},"scope":"local","time":1795770002,"timeNano":1795770002000000000}"#;
        let object = Object::parse(text).expect("object");
        let event = EngineEvent::from_object(&object);
        assert_eq!(event.normalize().target.as_deref(), Some("7f3c"));
        assert_eq!(event.attribute("name").as_deref(), Some("monitoring"));
    }
}
